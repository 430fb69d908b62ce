/* test_json.c: the JSON body parser (src/http/jsonbody.c).
 *
 * The depth cap at and past its limit, the UTF-8 and NUL checks on raw
 * bytes and on \u escapes, duplicate keys, and jansson's own errors
 * mapped to ours. Every value returned is released. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "http/form.h"

static form_limits lim;

static int
setup(void **state)
{
	(void)state;
	form_limits_default(&lim);
	return 0;
}

/* Parses the C string s; frees the value unless out is given. */
static xa_err
parse(const char *s, json_t **out)
{
	json_t *v = (json_t *)1;
	xa_err e = form_parse_json(s, strlen(s), &lim, &v);
	if (e != XA_OK)
		assert_null(v);
	else
		assert_non_null(v);
	if (out != NULL)
		*out = v;
	else
		json_decref(v);
	return e;
}

/* n '[' then n ']' into a new string. */
static char *
nested(size_t n, char open, char close)
{
	char *s = malloc(2 * n + 1);
	assert_non_null(s);
	memset(s, open, n);
	memset(s + n, close, n);
	s[2 * n] = '\0';
	return s;
}

static void
test_values(void **state)
{
	json_t *v;
	(void)state;
	assert_int_equal(parse("{\"name\":\"张三\",\"age\":12,\"ok\":true}", &v),
	    XA_OK);
	assert_true(json_is_object(v));
	assert_string_equal(json_string_value(json_object_get(v, "name")),
	    "张三");
	assert_int_equal(json_integer_value(json_object_get(v, "age")), 12);
	json_decref(v);
	/* Any JSON value at the top; the caller checks the type. */
	assert_int_equal(parse("[1,2,3]", &v), XA_OK);
	assert_int_equal(json_array_size(v), 3);
	json_decref(v);
	assert_int_equal(parse("42", &v), XA_OK);
	assert_true(json_is_integer(v));
	json_decref(v);
	assert_int_equal(parse("\"s\"", NULL), XA_OK);
	assert_int_equal(parse("null", NULL), XA_OK);
	assert_int_equal(parse(" \n{}\t", NULL), XA_OK);
}

static void
test_escapes_ok(void **state)
{
	json_t *v;
	(void)state;
	/* \u escapes for CJK and a proper surrogate pair (U+1F600). */
	assert_int_equal(parse("{\"t\":\"\\u6821\\u5b89 \\ud83d\\ude00\"}", &v),
	    XA_OK);
	assert_string_equal(json_string_value(json_object_get(v, "t")),
	    "校安 \xf0\x9f\x98\x80");
	json_decref(v);
	/* Brackets and quotes inside strings do not count as nesting. */
	assert_int_equal(parse("{\"a\":\"[[[[[[[[[[[[[[[[[[[[{{{{{\\\"\"}", &v),
	    XA_OK);
	assert_string_equal(json_string_value(json_object_get(v, "a")),
	    "[[[[[[[[[[[[[[[[[[[[{{{{{\"");
	json_decref(v);
	assert_int_equal(parse("[\"\\\\\",\"\\\\u0000\"]", &v), XA_OK);
	assert_string_equal(json_string_value(json_array_get(v, 1)),
	    "\\u0000");
	json_decref(v);
}

static void
test_depth(void **state)
{
	char *s;
	(void)state;
	lim.max_json_depth = 16;
	s = nested(16, '[', ']');
	assert_int_equal(parse(s, NULL), XA_OK);
	free(s);
	s = nested(17, '[', ']');
	assert_int_equal(parse(s, NULL), XA_EDEPTH);
	free(s);
	/* Far past jansson's own 2048-level limit: still our clean code. */
	s = nested(100000, '[', ']');
	assert_int_equal(parse(s, NULL), XA_EDEPTH);
	free(s);
	/* Unbalanced: depth is checked before the syntax. */
	s = nested(20, '[', ' ');
	assert_int_equal(parse(s, NULL), XA_EDEPTH);
	free(s);
	/* Objects count too, mixed with arrays. */
	lim.max_json_depth = 2;
	assert_int_equal(parse("{\"a\":[1]}", NULL), XA_OK);
	assert_int_equal(parse("{\"a\":[{}]}", NULL), XA_EDEPTH);
	assert_int_equal(parse("[[],[],[1]]", NULL), XA_OK);
	assert_int_equal(parse("[[],[],[[]]]", NULL), XA_EDEPTH);
	lim.max_json_depth = 0;
	assert_int_equal(parse("1", NULL), XA_OK);
	assert_int_equal(parse("[]", NULL), XA_EDEPTH);
}

static void
test_utf8(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"a\":\"\xc0\x80\"}", NULL), XA_EUTF8);
	assert_int_equal(parse("{\"a\":\"\xed\xa0\x80\"}", NULL), XA_EUTF8);
	assert_int_equal(parse("{\"a\":\"\xf4\x90\x80\x80\"}", NULL), XA_EUTF8);
	assert_int_equal(parse("{\"a\":\"\xe4\xb8\"}", NULL), XA_EUTF8);
	assert_int_equal(parse("{\"\xff\":1}", NULL), XA_EUTF8);
	/* Lone or reversed surrogate escapes, and U+0000. */
	assert_int_equal(parse("[\"\\ud800\"]", NULL), XA_EUTF8);
	assert_int_equal(parse("[\"\\udc00\"]", NULL), XA_EUTF8);
	assert_int_equal(parse("[\"\\ude00\\ud83d\"]", NULL), XA_EUTF8);
	assert_int_equal(parse("[\"\\ud83d\\u0041\"]", NULL), XA_EUTF8);
	assert_int_equal(parse("[\"\\ud83dx\"]", NULL), XA_EUTF8);
	assert_int_equal(parse("[\"\\ud83d\"]", NULL), XA_EUTF8);
	assert_int_equal(parse("[\"a\\u0000b\"]", NULL), XA_EUTF8);
	assert_int_equal(parse("{\"\\u0000\":1}", NULL), XA_EUTF8);
	/* A raw NUL inside a string. */
	json_t *v = (json_t *)1;
	const char raw[] = "[\"a\0b\"]";
	assert_int_equal(form_parse_json(raw, sizeof raw - 1, &lim, &v),
	    XA_EUTF8);
	assert_null(v);
}

static void
test_syntax(void **state)
{
	json_t *v = (json_t *)1;
	(void)state;
	assert_int_equal(form_parse_json("", 0, &lim, &v), XA_EINVAL);
	assert_null(v);
	assert_int_equal(form_parse_json(NULL, 0, &lim, &v), XA_EINVAL);
	assert_int_equal(parse("{", NULL), XA_EINVAL);
	assert_int_equal(parse("{\"a\":1,}", NULL), XA_EINVAL);
	assert_int_equal(parse("{'a':1}", NULL), XA_EINVAL);
	assert_int_equal(parse("[1] [2]", NULL), XA_EINVAL);
	assert_int_equal(parse("[\"\\x41\"]", NULL), XA_EINVAL);
	assert_int_equal(parse("[\"\\u12\"]", NULL), XA_EINVAL);
	assert_int_equal(parse("[\"\\u12zz\"]", NULL), XA_EINVAL);
	assert_int_equal(parse("[\"abc", NULL), XA_EINVAL);
	assert_int_equal(parse("[\"abc\\", NULL), XA_EINVAL);
	assert_int_equal(parse("[\"tab\there\"]", NULL), XA_EINVAL);
	assert_int_equal(parse("]]]", NULL), XA_EINVAL);
	assert_int_equal(parse("[NaN]", NULL), XA_EINVAL);
	assert_int_equal(parse("[99999999999999999999999]", NULL), XA_EINVAL);
	/* Only the first n bytes count. */
	assert_int_equal(form_parse_json("[1]garbage", 3, &lim, &v), XA_OK);
	json_decref(v);
	assert_int_equal(form_parse_json("[1]", 2, &lim, &v), XA_EINVAL);
}

static void
test_duplicates(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"a\":1,\"a\":2}", NULL), XA_EINVAL);
	assert_int_equal(parse("{\"a\":{\"b\":1,\"b\":1}}", NULL), XA_EINVAL);
	assert_int_equal(parse("{\"a\":1,\"b\":{\"a\":2}}", NULL), XA_OK);
	/* "\u0061" is "a": still a duplicate. */
	assert_int_equal(parse("{\"a\":1,\"\\u0061\":2}", NULL), XA_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_values, setup),
		cmocka_unit_test_setup(test_escapes_ok, setup),
		cmocka_unit_test_setup(test_depth, setup),
		cmocka_unit_test_setup(test_utf8, setup),
		cmocka_unit_test_setup(test_syntax, setup),
		cmocka_unit_test_setup(test_duplicates, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
