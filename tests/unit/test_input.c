/* test_input.c: the declared-table validator (src/http/input.c).
 *
 * Each field type with good values, values at and one past their bounds,
 * and bad ones; required, repeated and multi fields; the same table fed
 * from a form and from JSON. Every object returned is released. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http/input.h"

static const char *const kinds[] = { "physical", "verbal", "online", NULL };

static const field spec[] = {
	{ "title", FT_STRING, F_REQUIRED, 2, 10, NULL },
	{ "body", FT_TEXT, 0, 0, 20, NULL },
	{ "grade", FT_INT, 0, 1, 12, NULL },
	{ "count", FT_INT, 0, 0, 0, NULL },
	{ "anon", FT_BOOL, 0, 0, 0, NULL },
	{ "kind", FT_ENUM, 0, 0, 0, kinds },
	{ "on", FT_DATE, 0, 0, 0, NULL },
	{ "month", FT_MONTH, 0, 0, 0, NULL },
	{ "code", FT_TOKEN, 0, 3, 8, NULL },
	{ "tag", FT_STRING, F_MULTI, 0, 4, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

struct fx {
	arena *a;
	form_limits lim;
	json_t *out;
	input_error err;
};

static int
setup(void **state)
{
	static struct fx fx;
	memset(&fx, 0, sizeof fx);
	fx.a = arena_new(4096, 0);
	if (fx.a == NULL)
		return -1;
	form_limits_default(&fx.lim);
	*state = &fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	json_decref(fx->out);
	arena_free(fx->a);
	return 0;
}

/* Parses query q and validates it against spec; fx->out keeps the
 * result (released on the next call and at teardown). */
static xa_err
form(struct fx *fx, const field *sp, const char *q)
{
	params p;
	json_decref(fx->out);
	fx->out = NULL;
	assert_int_equal(form_parse_urlencoded(fx->a, q, strlen(q), &fx->lim,
	    &p), XA_OK);
	xa_err e = input_from_params(sp, &p, &fx->out, &fx->err);
	assert_int_equal(fx->err.code, e);
	if (e != XA_OK)
		assert_null(fx->out);
	else {
		assert_non_null(fx->out);
		assert_null(fx->err.field);
	}
	return e;
}

/* The same for a JSON text. */
static xa_err
json(struct fx *fx, const field *sp, const char *text)
{
	json_error_t je;
	json_t *body = json_loads(text, JSON_DECODE_ANY, &je);
	assert_non_null(body);
	json_decref(fx->out);
	fx->out = NULL;
	xa_err e = input_from_json(sp, body, &fx->out, &fx->err);
	json_decref(body);
	assert_int_equal(fx->err.code, e);
	if (e != XA_OK)
		assert_null(fx->out);
	else
		assert_non_null(fx->out);
	return e;
}

static const char *
str(struct fx *fx, const char *key)
{
	json_t *v = json_object_get(fx->out, key);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

static void
assert_error(struct fx *fx, xa_err got, xa_err want, const char *fieldname)
{
	assert_int_equal(got, want);
	assert_int_equal(fx->err.code, want);
	if (fieldname == NULL)
		assert_null(fx->err.field);
	else
		assert_string_equal(fx->err.field, fieldname);
}

static void
test_full_form(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(form(fx, spec,
	    "title=+%E6%93%8D%E5%9C%BA%E5%86%B2%E7%AA%81+&body=a%0D%0Ab%0Dc"
	    "&grade=7&count=-12&anon=on&kind=verbal&on=2024-02-29"
	    "&month=2024-12&code=AB_c-9&tag=x&tag=&tag=%E4%B8%AD&extra=1"),
	    XA_OK);
	assert_string_equal(str(fx, "title"), "操场冲突");
	assert_string_equal(str(fx, "body"), "a\nb\nc");
	assert_int_equal(json_integer_value(json_object_get(fx->out, "grade")),
	    7);
	assert_int_equal(json_integer_value(json_object_get(fx->out, "count")),
	    -12);
	assert_true(json_is_true(json_object_get(fx->out, "anon")));
	assert_string_equal(str(fx, "kind"), "verbal");
	assert_string_equal(str(fx, "on"), "2024-02-29");
	assert_string_equal(str(fx, "month"), "2024-12");
	assert_string_equal(str(fx, "code"), "AB_c-9");
	json_t *tags = json_object_get(fx->out, "tag");
	assert_int_equal(json_array_size(tags), 2);
	assert_string_equal(json_string_value(json_array_get(tags, 1)), "中");
	/* Undeclared fields never reach the handler. */
	assert_null(json_object_get(fx->out, "extra"));
	assert_int_equal(json_object_size(fx->out), 10);
}

static void
test_absent_and_empty(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(form(fx, spec, "title=ok&grade=&kind=+&code="), XA_OK);
	/* Empty (also once trimmed) counts as absent: no key at all. */
	assert_null(json_object_get(fx->out, "grade"));
	assert_null(json_object_get(fx->out, "kind"));
	assert_null(json_object_get(fx->out, "anon"));
	/* A multi field is always an array. */
	assert_true(json_is_array(json_object_get(fx->out, "tag")));
	assert_int_equal(json_array_size(json_object_get(fx->out, "tag")), 0);
	assert_int_equal(json_object_size(fx->out), 2);

	assert_error(fx, form(fx, spec, "grade=3"), XA_EMISSING, "title");
	assert_error(fx, form(fx, spec, "title="), XA_EMISSING, "title");
	assert_error(fx, form(fx, spec, "title=%20%09%0A"), XA_EMISSING,
	    "title");
	assert_error(fx, form(fx, spec, ""), XA_EMISSING, "title");
}

static void
test_duplicates(void **state)
{
	struct fx *fx = *state;
	assert_error(fx, form(fx, spec, "title=ab&title=cd"), XA_EDUP, "title");
	assert_error(fx, form(fx, spec, "title=ab&grade=1&grade="), XA_EDUP,
	    "grade");
	assert_int_equal(form(fx, spec, "title=ab&tag=a&tag=b&tag=c"), XA_OK);
	assert_int_equal(json_array_size(json_object_get(fx->out, "tag")), 3);
}

static void
test_string_lengths(void **state)
{
	struct fx *fx = *state;
	/* title: 2..10 code points, not bytes. */
	assert_int_equal(form(fx, spec, "title=ab"), XA_OK);
	assert_error(fx, form(fx, spec, "title=a"), XA_EINVAL, "title");
	assert_int_equal(form(fx, spec, "title=0123456789"), XA_OK);
	assert_error(fx, form(fx, spec, "title=0123456789X"), XA_ETOOBIG,
	    "title");
	assert_int_equal(form(fx, spec, "title=学生欺凌防治工作方案"), XA_OK);
	assert_error(fx, form(fx, spec, "title=学生欺凌防治工作方案稿"),
	    XA_ETOOBIG, "title");
	/* Trimmed before counting. */
	assert_int_equal(form(fx, spec, "title=+++0123456789+++"), XA_OK);
	/* body: at most 20, and CRLF counts as one. */
	assert_int_equal(form(fx, spec,
	    "title=ab&body=123456789%0D%0A123456789%0D%0A"), XA_OK);
	assert_string_equal(str(fx, "body"), "123456789\n123456789");
	assert_error(fx, form(fx, spec,
	    "title=ab&body=123456789%0D%0A123456789%0D%0Ax"), XA_ETOOBIG,
	    "body");
	/* Multi: each element is checked. */
	assert_error(fx, form(fx, spec, "title=ab&tag=abcd&tag=abcde"),
	    XA_ETOOBIG, "tag");
}

static void
test_controls(void **state)
{
	struct fx *fx = *state;
	assert_error(fx, form(fx, spec, "title=a%0Ab"), XA_EINVAL, "title");
	assert_error(fx, form(fx, spec, "title=a%0Db"), XA_EINVAL, "title");
	assert_error(fx, form(fx, spec, "title=a%1Bb"), XA_EINVAL, "title");
	assert_error(fx, form(fx, spec, "title=a%7Fb"), XA_EINVAL, "title");
	assert_error(fx, form(fx, spec, "title=a%C2%85b"), XA_EINVAL, "title");
	assert_int_equal(form(fx, spec, "title=a%09b"), XA_OK);
	assert_int_equal(form(fx, spec, "title=ab&body=x%0Ay"), XA_OK);
	assert_error(fx, form(fx, spec, "title=ab&body=x%07y"), XA_EINVAL,
	    "body");
}

static void
test_ints(void **state)
{
	struct fx *fx = *state;
	const char *good[] = { "grade=1", "grade=12", "grade=%2B5", "grade=007",
		"grade=%205%20", "count=9223372036854775807",
		"count=-9223372036854775808", "count=0" };
	const char *bad[] = { "grade=0", "grade=13", "grade=-1", "grade=1.5",
		"grade=1e1", "grade=0x5", "grade=5a", "grade=%2B", "grade=-", "grade=--1", "grade=%2B-1",
		"grade=1%202", "grade=%EF%BC%95", "count=9223372036854775808",
		"count=-9223372036854775809",
		"count=000000000000000000000000000000001" };
	char q[128];
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(q, sizeof q, "title=ab&%s", good[i]);
		assert_int_equal(form(fx, spec, q), XA_OK);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(q, sizeof q, "title=ab&%s", bad[i]);
		assert_int_equal(form(fx, spec, q), XA_EINVAL);
		assert_string_equal(fx->err.field, bad[i][0] == 'g' ? "grade" :
		    "count");
	}
	assert_int_equal(form(fx, spec, "title=ab&count=-9223372036854775808"),
	    XA_OK);
	assert_true(json_integer_value(json_object_get(fx->out, "count")) ==
	    INT64_MIN);
}

static void
test_bools(void **state)
{
	struct fx *fx = *state;
	const char *yes[] = { "true", "1", "on", "yes", "TRUE", "Yes", "ON" };
	const char *no[] = { "false", "0", "off", "no", "False", "NO" };
	const char *bad[] = { "2", "y", "n", "t", "truee", "ja", "是" };
	char q[64];
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		snprintf(q, sizeof q, "title=ab&anon=%s", yes[i]);
		assert_int_equal(form(fx, spec, q), XA_OK);
		assert_true(json_is_true(json_object_get(fx->out, "anon")));
	}
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		snprintf(q, sizeof q, "title=ab&anon=%s", no[i]);
		assert_int_equal(form(fx, spec, q), XA_OK);
		assert_true(json_is_false(json_object_get(fx->out, "anon")));
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(q, sizeof q, "title=ab&anon=%s", bad[i]);
		assert_error(fx, form(fx, spec, q), XA_EINVAL, "anon");
	}
}

static void
test_enums_and_tokens(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(form(fx, spec, "title=ab&kind=online"), XA_OK);
	assert_error(fx, form(fx, spec, "title=ab&kind=Online"), XA_EINVAL,
	    "kind");
	assert_error(fx, form(fx, spec, "title=ab&kind=onlin"), XA_EINVAL,
	    "kind");
	assert_error(fx, form(fx, spec, "title=ab&kind=onlinex"), XA_EINVAL,
	    "kind");
	/* code: [A-Za-z0-9_-], 3..8 bytes. */
	assert_int_equal(form(fx, spec, "title=ab&code=abc"), XA_OK);
	assert_int_equal(form(fx, spec, "title=ab&code=abcdefgh"), XA_OK);
	assert_error(fx, form(fx, spec, "title=ab&code=ab"), XA_EINVAL, "code");
	assert_error(fx, form(fx, spec, "title=ab&code=abcdefghi"), XA_ETOOBIG,
	    "code");
	assert_error(fx, form(fx, spec, "title=ab&code=ab.c"), XA_EINVAL,
	    "code");
	assert_error(fx, form(fx, spec, "title=ab&code=a+bc"), XA_EINVAL,
	    "code");
	assert_error(fx, form(fx, spec, "title=ab&code=%E4%B8%AD%E6%96%87"),
	    XA_EINVAL, "code");
	/* An enum without choices accepts nothing. */
	static const field nochoice[] = {
		{ "k", FT_ENUM, 0, 0, 0, NULL },
		{ NULL, 0, 0, 0, 0, NULL },
	};
	assert_error(fx, form(fx, nochoice, "k=a"), XA_EINVAL, "k");
}

static void
test_dates(void **state)
{
	struct fx *fx = *state;
	const char *good[] = { "2024-02-29", "2000-02-29", "2023-02-28",
		"2023-12-31", "2023-01-01", "0001-01-01", "9999-12-31",
		"2023-04-30" };
	const char *bad[] = { "2023-02-29", "1900-02-29", "2100-02-29",
		"2023-04-31", "2023-13-01", "2023-00-10", "2023-01-00",
		"2023-01-32", "0000-01-01", "2023-1-01", "2023-01-1",
		"20230101", "2023/01/01", "2023-01-01T00", "+023-01-01",
		"2023-0a-01", "２０２３-01-01" };
	char q[96];
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(q, sizeof q, "title=ab&on=%s", good[i]);
		assert_int_equal(form(fx, spec, q), XA_OK);
		assert_string_equal(str(fx, "on"), good[i]);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(q, sizeof q, "title=ab&on=%s", bad[i]);
		assert_error(fx, form(fx, spec, q), XA_EINVAL, "on");
	}
	assert_int_equal(form(fx, spec, "title=ab&month=2023-01"), XA_OK);
	assert_int_equal(form(fx, spec, "title=ab&month=9999-12"), XA_OK);
	assert_error(fx, form(fx, spec, "title=ab&month=2023-13"), XA_EINVAL,
	    "month");
	assert_error(fx, form(fx, spec, "title=ab&month=2023-00"), XA_EINVAL,
	    "month");
	assert_error(fx, form(fx, spec, "title=ab&month=2023-1"), XA_EINVAL,
	    "month");
	assert_error(fx, form(fx, spec, "title=ab&month=2023-01-01"),
	    XA_EINVAL, "month");
	assert_error(fx, form(fx, spec, "title=ab&month=0000-01"), XA_EINVAL,
	    "month");
}

static void
test_required_multi(void **state)
{
	struct fx *fx = *state;
	static const field sp[] = {
		{ "ids", FT_INT, F_REQUIRED | F_MULTI, 1, 100, NULL },
		{ NULL, 0, 0, 0, 0, NULL },
	};
	assert_error(fx, form(fx, sp, ""), XA_EMISSING, "ids");
	assert_error(fx, form(fx, sp, "ids=&ids=+"), XA_EMISSING, "ids");
	assert_int_equal(form(fx, sp, "ids=3&ids=&ids=100"), XA_OK);
	json_t *ids = json_object_get(fx->out, "ids");
	assert_int_equal(json_array_size(ids), 2);
	assert_int_equal(json_integer_value(json_array_get(ids, 1)), 100);
	assert_error(fx, form(fx, sp, "ids=3&ids=101"), XA_EINVAL, "ids");
	assert_int_equal(json(fx, sp, "{\"ids\":5}"), XA_OK);
	assert_int_equal(json_array_size(json_object_get(fx->out, "ids")), 1);
	assert_int_equal(json(fx, sp, "{\"ids\":[5,\"6\",null,\"\"]}"), XA_OK);
	assert_int_equal(json_array_size(json_object_get(fx->out, "ids")), 2);
	assert_error(fx, json(fx, sp, "{\"ids\":[]}"), XA_EMISSING, "ids");
	assert_error(fx, json(fx, sp, "{\"ids\":[[1]]}"), XA_EINVAL, "ids");
	assert_error(fx, json(fx, sp, "{\"ids\":[{}]}"), XA_EINVAL, "ids");
	assert_error(fx, json(fx, sp, "{\"ids\":[1.5]}"), XA_EINVAL, "ids");
}

static void
test_json_body(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(json(fx, spec,
	    "{\"title\":\" 欺凌 \",\"body\":\"x\\r\\ny\",\"grade\":\"12\","
	    "\"count\":-3,\"anon\":true,\"kind\":\"physical\","
	    "\"on\":\"2024-01-31\",\"code\":\"abc\",\"tag\":\"one\","
	    "\"other\":{\"deep\":[1,2]}}"), XA_OK);
	assert_string_equal(str(fx, "title"), "欺凌");
	assert_string_equal(str(fx, "body"), "x\ny");
	assert_int_equal(json_integer_value(json_object_get(fx->out, "grade")),
	    12);
	assert_int_equal(json_integer_value(json_object_get(fx->out, "count")),
	    -3);
	assert_true(json_is_true(json_object_get(fx->out, "anon")));
	assert_int_equal(json_array_size(json_object_get(fx->out, "tag")), 1);
	assert_null(json_object_get(fx->out, "other"));

	/* Booleans: JSON booleans, 0/1, or the strings forms send. */
	assert_int_equal(json(fx, spec, "{\"title\":\"ab\",\"anon\":0}"), XA_OK);
	assert_true(json_is_false(json_object_get(fx->out, "anon")));
	assert_int_equal(json(fx, spec, "{\"title\":\"ab\",\"anon\":\"yes\"}"),
	    XA_OK);
	assert_true(json_is_true(json_object_get(fx->out, "anon")));
	assert_error(fx, json(fx, spec, "{\"title\":\"ab\",\"anon\":2}"),
	    XA_EINVAL, "anon");
	/* null and "" are absent. */
	assert_int_equal(json(fx, spec, "{\"title\":\"ab\",\"grade\":null,"
	    "\"kind\":\"\"}"), XA_OK);
	assert_null(json_object_get(fx->out, "grade"));
	assert_null(json_object_get(fx->out, "kind"));
	assert_error(fx, json(fx, spec, "{\"title\":null}"), XA_EMISSING,
	    "title");

	/* Wrong JSON types. */
	assert_error(fx, json(fx, spec, "{\"title\":12}"), XA_EINVAL, "title");
	assert_error(fx, json(fx, spec, "{\"title\":true}"), XA_EINVAL,
	    "title");
	assert_error(fx, json(fx, spec, "{\"title\":[\"ab\"]}"), XA_EINVAL,
	    "title");
	assert_error(fx, json(fx, spec, "{\"title\":{}}"), XA_EINVAL, "title");
	assert_error(fx, json(fx, spec, "{\"title\":\"ab\",\"grade\":7.0}"),
	    XA_EINVAL, "grade");
	assert_error(fx, json(fx, spec, "{\"title\":\"ab\",\"grade\":true}"),
	    XA_EINVAL, "grade");
	assert_error(fx, json(fx, spec, "{\"title\":\"ab\",\"grade\":13}"),
	    XA_EINVAL, "grade");
	assert_error(fx, json(fx, spec, "{\"title\":\"ab\",\"anon\":\"x\"}"),
	    XA_EINVAL, "anon");
	/* The body must be an object. */
	assert_error(fx, json(fx, spec, "[1]"), XA_EINVAL, NULL);
	assert_error(fx, json(fx, spec, "\"title\""), XA_EINVAL, NULL);
}

static void
test_json_strings_rechecked(void **state)
{
	struct fx *fx = *state;
	static const field sp[] = {
		{ "s", FT_STRING, 0, 0, 0, NULL },
		{ NULL, 0, 0, 0, 0, NULL },
	};
	/* A JSON value built in code may hold a NUL or a control. */
	json_t *body = json_object();
	assert_non_null(body);
	assert_int_equal(json_object_set_new(body, "s",
	    json_stringn("a\0b", 3)), 0);
	assert_int_equal(input_from_json(sp, body, &fx->out, &fx->err),
	    XA_EINVAL);
	assert_null(fx->out);
	assert_string_equal(fx->err.field, "s");
	assert_int_equal(json_object_set_new(body, "s", json_string("a\nb")),
	    0);
	assert_int_equal(input_from_json(sp, body, &fx->out, &fx->err),
	    XA_EINVAL);
	assert_int_equal(json_object_set_new(body, "s", json_string("正常")),
	    0);
	assert_int_equal(input_from_json(sp, body, &fx->out, NULL), XA_OK);
	assert_string_equal(str(fx, "s"), "正常");
	json_decref(body);
}

static void
test_from_multipart(void **state)
{
	struct fx *fx = *state;
	multipart mp;
	const char *b = "--B\r\nContent-Disposition: form-data; name=title\r\n"
	    "\r\n  校园  \r\n--B\r\nContent-Disposition: form-data; name=tag\r\n"
	    "\r\nx\r\n--B\r\nContent-Disposition: form-data; name=tag\r\n\r\n"
	    "y\r\n--B--\r\n";
	assert_int_equal(form_parse_multipart(fx->a,
	    "multipart/form-data; boundary=B", b, strlen(b), &fx->lim, &mp),
	    XA_OK);
	assert_int_equal(input_from_params(spec, &mp.fields, &fx->out,
	    &fx->err), XA_OK);
	assert_string_equal(str(fx, "title"), "校园");
	assert_int_equal(json_array_size(json_object_get(fx->out, "tag")), 2);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_full_form),
		T(test_absent_and_empty),
		T(test_duplicates),
		T(test_string_lengths),
		T(test_controls),
		T(test_ints),
		T(test_bools),
		T(test_enums_and_tokens),
		T(test_dates),
		T(test_required_multi),
		T(test_json_body),
		T(test_json_strings_rechecked),
		T(test_from_multipart),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
