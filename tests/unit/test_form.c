/* test_form.c: the urlencoded parser and params lookups (src/http/form.c).
 *
 * Each error path, each cap exactly at and one past its limit, and the
 * promise that a failed parse leaves nothing behind. Must never depend on
 * the network or a server. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http/form.h"

struct fx {
	arena *a;
	form_limits lim;
};

static int
setup(void **state)
{
	static struct fx fx;
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
	arena_free(fx->a);
	return 0;
}

/* Parses the C string s with fx's limits. */
static xa_err
parse(struct fx *fx, const char *s, params *out)
{
	return form_parse_urlencoded(fx->a, s, strlen(s), &fx->lim, out);
}

static void
test_defaults(void **state)
{
	form_limits lim;
	(void)state;
	memset(&lim, 0xff, sizeof lim);
	form_limits_default(&lim);
	assert_int_equal(lim.max_fields, 200);
	assert_int_equal(lim.max_name_len, 64);
	assert_int_equal(lim.max_value_len, 64 * 1024);
	assert_int_equal(lim.max_parts, 32);
	assert_int_equal(lim.max_upload, 10 * 1024 * 1024);
	assert_int_equal(lim.max_json_depth, 16);
}

static void
test_basic(void **state)
{
	struct fx *fx = *state;
	params p;
	assert_int_equal(parse(fx, "a=1&b=two&c", &p), XA_OK);
	assert_int_equal(p.n, 3);
	assert_string_equal(p.items[0].name, "a");
	assert_string_equal(p.items[0].value, "1");
	assert_int_equal(p.items[0].value_len, 1);
	assert_string_equal(p.items[1].value, "two");
	assert_string_equal(p.items[2].name, "c");
	assert_string_equal(p.items[2].value, "");
	assert_int_equal(p.items[2].value_len, 0);
	assert_string_equal(params_get(&p, "b"), "two");
	assert_null(params_get(&p, "z"));
	assert_int_equal(params_count(&p, "a"), 1);
	assert_int_equal(params_count(&p, "z"), 0);
}

static void
test_empty_input(void **state)
{
	struct fx *fx = *state;
	params p = { (param *)1, 99 };
	assert_int_equal(form_parse_urlencoded(fx->a, NULL, 0, &fx->lim, &p),
	    XA_OK);
	assert_int_equal(p.n, 0);
	assert_null(params_get(&p, "a"));
	assert_int_equal(parse(fx, "&&&", &p), XA_OK);
	assert_int_equal(p.n, 0);
}

static void
test_empty_segments_and_names(void **state)
{
	struct fx *fx = *state;
	params p;
	assert_int_equal(parse(fx, "a&&b", &p), XA_OK);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.items[0].name, "a");
	assert_string_equal(p.items[1].name, "b");
	assert_int_equal(parse(fx, "&a=1&", &p), XA_OK);
	assert_int_equal(p.n, 1);
	/* An empty name can match no field: dropped. */
	assert_int_equal(parse(fx, "=x&a=&=", &p), XA_OK);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.items[0].name, "a");
	assert_string_equal(p.items[0].value, "");
	/* Only the first '=' splits. */
	assert_int_equal(parse(fx, "k=a=b", &p), XA_OK);
	assert_string_equal(params_get(&p, "k"), "a=b");
}

static void
test_decoding(void **state)
{
	struct fx *fx = *state;
	params p;
	assert_int_equal(parse(fx, "q=a+b%20c%2B%26%3d&%41%62=%7e", &p), XA_OK);
	assert_string_equal(params_get(&p, "q"), "a b c+&=");
	assert_string_equal(params_get(&p, "Ab"), "~");
	assert_int_equal(parse(fx, "n%2Bm+x=1", &p), XA_OK);
	assert_string_equal(p.items[0].name, "n+m x");
}

static void
test_chinese(void **state)
{
	struct fx *fx = *state;
	params p;
	assert_int_equal(parse(fx,
	    "name=%E5%BC%A0%E4%B8%89&%E5%AD%A6%E6%A0%A1=%E4%B8%80%E4%B8%AD",
	    &p), XA_OK);
	assert_string_equal(params_get(&p, "name"), "张三");
	assert_int_equal(p.items[0].value_len, 6);
	assert_string_equal(params_get(&p, "学校"), "一中");
	/* Raw UTF-8 (not percent-encoded) passes through unchanged. */
	assert_int_equal(parse(fx, "t=欺凌", &p), XA_OK);
	assert_string_equal(params_get(&p, "t"), "欺凌");
}

static void
test_bad_escapes(void **state)
{
	struct fx *fx = *state;
	params p;
	assert_int_equal(parse(fx, "a=%zz", &p), XA_EINVAL);
	assert_int_equal(p.n, 0);
	assert_null(p.items);
	assert_int_equal(parse(fx, "a=%", &p), XA_EINVAL);
	assert_int_equal(parse(fx, "a=%4", &p), XA_EINVAL);
	assert_int_equal(parse(fx, "a=%4g", &p), XA_EINVAL);
	assert_int_equal(parse(fx, "a%=1", &p), XA_EINVAL);
	assert_int_equal(parse(fx, "ok=1&a=%2", &p), XA_EINVAL);
	assert_int_equal(p.n, 0);
	/* A truncated escape at the end of the buffer, not of the string. */
	assert_int_equal(form_parse_urlencoded(fx->a, "a=%41", 4, &fx->lim,
	    &p), XA_EINVAL);
	assert_int_equal(form_parse_urlencoded(fx->a, "a=%41", 5, &fx->lim,
	    &p), XA_OK);
	assert_string_equal(params_get(&p, "a"), "A");
	/* %00 would let "a%00b" compare equal to "a". */
	assert_int_equal(parse(fx, "a=x%00y", &p), XA_EINVAL);
	assert_int_equal(parse(fx, "a%00b=1", &p), XA_EINVAL);
}

static void
test_bad_utf8(void **state)
{
	struct fx *fx = *state;
	params p;
	assert_int_equal(parse(fx, "a=%C0%80", &p), XA_EUTF8);
	assert_int_equal(p.n, 0);
	assert_int_equal(parse(fx, "a=%ED%A0%80", &p), XA_EUTF8);
	assert_int_equal(parse(fx, "a=%E4%B8", &p), XA_EUTF8);
	assert_int_equal(parse(fx, "%FF=1", &p), XA_EUTF8);
	assert_int_equal(parse(fx, "a=\xc0\x80", &p), XA_EUTF8);
	assert_int_equal(parse(fx, "a=%F4%90%80%80", &p), XA_EUTF8);
}

static void
test_max_fields(void **state)
{
	struct fx *fx = *state;
	params p;
	fx->lim.max_fields = 3;
	assert_int_equal(parse(fx, "a=1&b=2&c=3", &p), XA_OK);
	assert_int_equal(p.n, 3);
	assert_int_equal(parse(fx, "a=1&b=2&c=3&d=4", &p), XA_ETOOMANY);
	assert_int_equal(p.n, 0);
	assert_null(p.items);
	/* Empty segments do not count... */
	assert_int_equal(parse(fx, "a=1&&b=2&&&c=3&", &p), XA_OK);
	/* ...segments with an empty name do. */
	assert_int_equal(parse(fx, "a=1&=2&c=3&d", &p), XA_ETOOMANY);
	fx->lim.max_fields = 0;
	assert_int_equal(parse(fx, "a", &p), XA_ETOOMANY);
	assert_int_equal(parse(fx, "", &p), XA_OK);
}

static void
test_name_and_value_caps(void **state)
{
	struct fx *fx = *state;
	params p;
	char s[64];
	fx->lim.max_name_len = 4;
	fx->lim.max_value_len = 6;
	assert_int_equal(parse(fx, "abcd=123456", &p), XA_OK);
	assert_int_equal(parse(fx, "abcde=1", &p), XA_ETOOBIG);
	assert_int_equal(p.n, 0);
	assert_int_equal(parse(fx, "a=1234567", &p), XA_ETOOBIG);
	/* Caps count decoded bytes: six escapes decode to six bytes. */
	assert_int_equal(parse(fx, "a=%41%42%43%44%45%46", &p), XA_OK);
	assert_string_equal(params_get(&p, "a"), "ABCDEF");
	assert_int_equal(parse(fx, "a=%41%42%43%44%45%46%47", &p),
	    XA_ETOOBIG);
	/* Two Chinese characters are six bytes. */
	assert_int_equal(parse(fx, "a=%E4%B8%AD%E6%96%87", &p), XA_OK);
	assert_int_equal(parse(fx, "a=%E4%B8%AD%E6%96%87x", &p), XA_ETOOBIG);
	/* A name of exactly 4 bytes made of escapes. */
	assert_int_equal(snprintf(s, sizeof s, "%%61%%62%%63%%64=1"), 14);
	assert_int_equal(parse(fx, s, &p), XA_OK);
	assert_string_equal(p.items[0].name, "abcd");
}

static void
test_repeats(void **state)
{
	struct fx *fx = *state;
	params p;
	assert_int_equal(parse(fx, "t=1&u=2&t=3&t=", &p), XA_OK);
	assert_int_equal(p.n, 4);
	assert_int_equal(params_count(&p, "t"), 3);
	assert_string_equal(params_get(&p, "t"), "1");
	/* Names are compared exactly, case and all. */
	assert_int_equal(params_count(&p, "T"), 0);
}

static void
test_arena_cap(void **state)
{
	params p;
	form_limits lim;
	arena *small = arena_new(256, 64);
	(void)state;
	assert_non_null(small);
	form_limits_default(&lim);
	const char *s = "aaaaaaaaaaaaaaaaaaaaaa=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	    "&c=dddddddddddddddddddddddddddddddddddddddddddddddddddddd";
	assert_int_equal(form_parse_urlencoded(small, s, strlen(s), &lim, &p),
	    XA_ENOMEM);
	assert_int_equal(p.n, 0);
	arena_free(small);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test_setup_teardown(test_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_input, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_empty_segments_and_names,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_decoding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chinese, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_escapes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_fields, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_name_and_value_caps, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_repeats, setup, teardown),
		cmocka_unit_test(test_arena_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
