/* test_utf8.c: the strict UTF-8 checks of src/core/utf8.c.
 *
 * Every class of ill-formed sequence RFC 3629 names is tried, at the ends
 * of the accepted ranges and one step past them. Must never depend on
 * anything but utf8.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/utf8.h"

#define V(lit) utf8_valid((lit), sizeof(lit) - 1)

static void
test_ascii_and_empty(void **state)
{
	(void)state;
	assert_true(utf8_valid(NULL, 0));
	assert_true(utf8_valid("", 0));
	assert_true(V("hello, world"));
	assert_true(V("\x7f"));
	/* NUL is valid UTF-8; controls are a separate check. */
	assert_true(V("a\0b"));
}

static void
test_multibyte_valid(void **state)
{
	(void)state;
	assert_true(V("\xc2\x80"));			/* U+0080 */
	assert_true(V("\xdf\xbf"));			/* U+07FF */
	assert_true(V("\xe0\xa0\x80"));			/* U+0800 */
	assert_true(V("\xef\xbf\xbf"));			/* U+FFFF */
	assert_true(V("\xed\x9f\xbf"));			/* U+D7FF */
	assert_true(V("\xee\x80\x80"));			/* U+E000 */
	assert_true(V("\xf0\x90\x80\x80"));		/* U+10000 */
	assert_true(V("\xf4\x8f\xbf\xbf"));		/* U+10FFFF */
	assert_true(V("校安：学生欺凌治理"));
	assert_true(V("\xf0\x9f\x98\x80"));		/* an emoji */
}

static void
test_overlong(void **state)
{
	(void)state;
	assert_false(V("\xc0\x80"));
	assert_false(V("\xc1\xbf"));
	assert_false(V("\xe0\x80\x80"));
	assert_false(V("\xe0\x9f\xbf"));
	assert_false(V("\xf0\x80\x80\x80"));
	assert_false(V("\xf0\x8f\xbf\xbf"));
	assert_false(V("a\xc0\xafz"));	/* the classic overlong '/' */
}

static void
test_surrogates_and_range(void **state)
{
	(void)state;
	assert_false(V("\xed\xa0\x80"));		/* U+D800 */
	assert_false(V("\xed\xbf\xbf"));		/* U+DFFF */
	assert_false(V("\xed\xa0\xbd\xed\xb8\x80"));	/* CESU-8 pair */
	assert_false(V("\xf4\x90\x80\x80"));		/* U+110000 */
	assert_false(V("\xf5\x80\x80\x80"));
	assert_false(V("\xf8\x88\x80\x80\x80"));
	assert_false(V("\xfe"));
	assert_false(V("\xff"));
}

static void
test_truncated_and_stray(void **state)
{
	(void)state;
	assert_false(V("\xc2"));
	assert_false(V("\xe4\xb8"));
	assert_false(V("\xf0\x9f\x98"));
	assert_false(V("abc\xe4"));
	assert_false(V("\x80"));			/* lone continuation */
	assert_false(V("\xe4\xb8\xad\xbf"));		/* one too many */
	assert_false(V("\xe4\x41\xad"));		/* ASCII inside */
	assert_false(V("\xc2\xc2\x80"));
	/* The length is the end: a valid prefix of a longer buffer. */
	const char *s = "\xe4\xb8\xad";
	assert_true(utf8_valid(s, 3));
	assert_false(utf8_valid(s, 2));
	assert_false(utf8_valid(s, 1));
}

static void
test_count(void **state)
{
	(void)state;
	assert_int_equal(utf8_count("", 0), 0);
	assert_int_equal(utf8_count("abc", 3), 3);
	const char *zh = "校安平台";
	assert_int_equal(strlen(zh), 12);
	assert_int_equal(utf8_count(zh, strlen(zh)), 4);
	const char *mix = "a\xc2\x80\xe4\xb8\xad\xf0\x9f\x98\x80z";
	assert_int_equal(utf8_count(mix, strlen(mix)), 5);
}

static void
test_controls(void **state)
{
	(void)state;
	assert_true(utf8_no_controls("plain 文字", strlen("plain 文字"),
	    false));
	assert_true(utf8_no_controls("a\tb", 3, false));
	assert_false(utf8_no_controls("a\nb", 3, false));
	assert_true(utf8_no_controls("a\nb", 3, true));
	assert_false(utf8_no_controls("a\rb", 3, false));
	assert_true(utf8_no_controls("a\r\nb", 4, true));
	assert_false(utf8_no_controls("a\0b", 3, true));
	assert_false(utf8_no_controls("\x1b[0m", 4, true));
	assert_false(utf8_no_controls("\x7f", 1, true));
	assert_false(utf8_no_controls("\xc2\x85", 2, true));	/* NEL */
	assert_false(utf8_no_controls("\xc2\x9f", 2, true));
	assert_true(utf8_no_controls("\xc2\xa0", 2, false));	/* NBSP */
	assert_true(utf8_no_controls("\xc2", 1, false));
	assert_true(utf8_no_controls("", 0, false));
}

/* utf8_copy: whole when it fits; else the longest prefix that ends
 * between two characters, still valid UTF-8. */
static void
test_copy(void **state)
{
	(void)state;
	char out[8];
	assert_true(utf8_copy(out, sizeof out, "abc"));
	assert_string_equal(out, "abc");
	assert_true(utf8_copy(out, sizeof out, "校安"));	/* 6 bytes + NUL */
	assert_string_equal(out, "校安");
	/* 9 bytes into 8: the third character would be cut, so it goes. */
	assert_false(utf8_copy(out, sizeof out, "校安网"));
	assert_string_equal(out, "校安");
	assert_true(utf8_valid(out, strlen(out)));
	/* 'a' then characters: the cut backs off to a boundary. */
	assert_false(utf8_copy(out, 5, "a校安"));
	assert_string_equal(out, "a校");
	assert_false(utf8_copy(out, 3, "校"));
	assert_string_equal(out, "");
	assert_false(utf8_copy(out, 0, "x"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_and_empty),
		cmocka_unit_test(test_multibyte_valid),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_surrogates_and_range),
		cmocka_unit_test(test_truncated_and_stray),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
