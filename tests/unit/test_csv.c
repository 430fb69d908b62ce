/* test_csv.c: the CSV reader and writer (src/core/csv.c).
 *
 * Files as Chinese Excel and WPS save them (UTF-8 with a BOM, GB18030 with
 * its two- and four-byte sequences, CRLF), every error with its line,
 * each cap exactly at and one past its limit, the writer's quoting and
 * formula neutralisation, and write-then-read round trips. The GB18030
 * bytes are literal (made once with iconv -t GB18030), so the tests never
 * depend on the converter they check. Must never touch files or the
 * network. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/csv.h"

struct fx {
	arena *a;
	csv_limits lim;
};

static int
setup(void **state)
{
	static struct fx fx;
	fx.a = arena_new(4096, 0);
	if (fx.a == NULL)
		return -1;
	csv_limits_default(&fx.lim);
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

/* Parses a string literal (NULs and all) with fx's limits. */
#define PARSE(fx, lit, out, line) \
	csv_parse((fx)->a, (lit), sizeof(lit) - 1, &(fx)->lim, (out), (line))

/* Asserts that parsing lit fails with e at line and leaves out empty. */
#define PARSE_FAILS(fx, lit, e, line) do { \
	csv_table t_; \
	size_t l_ = 12345; \
	assert_int_equal(PARSE(fx, lit, &t_, &l_), (e)); \
	assert_int_equal(l_, (line)); \
	assert_null(t_.rows); \
	assert_int_equal(t_.n, 0); \
	assert_null(t_.encoding); \
} while (0)

/* Asserts that row r has exactly the n fields given. */
static void
assert_row(const csv_row *r, size_t line, size_t n, ...)
{
	va_list ap;

	assert_int_equal(r->line, line);
	assert_int_equal(r->n, n);
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(r->fields[i], va_arg(ap, const char *));
	va_end(ap);
}

/* "学校,班级\r\n新郑市第一中学,七年级1班\r\n" in GB18030. */
static const char gb_school[] = {
	'\xd1', '\xa7', '\xd0', '\xa3', '\x2c', '\xb0', '\xe0', '\xbc',
	'\xb6', '\x0d', '\x0a', '\xd0', '\xc2', '\xd6', '\xa3', '\xca',
	'\xd0', '\xb5', '\xda', '\xd2', '\xbb', '\xd6', '\xd0', '\xd1',
	'\xa7', '\x2c', '\xc6', '\xdf', '\xc4', '\xea', '\xbc', '\xb6',
	'\x31', '\xb0', '\xe0', '\x0d', '\x0a',
};

/* "𠮷野家,བཀྲ\n": U+20BB7 (outside the BMP) and Tibetan (in the BMP but
 * outside GBK), both four-byte sequences in GB18030. */
static const char gb_four[] = {
	'\x95', '\x34', '\xb2', '\x35', '\xd2', '\xb0', '\xbc', '\xd2',
	'\x2c', '\x81', '\x32', '\xf1', '\x30', '\x81', '\x32', '\xee',
	'\x38', '\x81', '\x32', '\xfa', '\x32', '\x0a',
};

/* "姓名,电话\n张三,\"=HYPERLINK(\"\"http://x\"\")\"\n" in GB18030. */
static const char gb_quoted[] = {
	'\xd0', '\xd5', '\xc3', '\xfb', '\x2c', '\xb5', '\xe7', '\xbb',
	'\xb0', '\x0a', '\xd5', '\xc5', '\xc8', '\xfd', '\x2c', '\x22',
	'\x3d', '\x48', '\x59', '\x50', '\x45', '\x52', '\x4c', '\x49',
	'\x4e', '\x4b', '\x28', '\x22', '\x22', '\x68', '\x74', '\x74',
	'\x70', '\x3a', '\x2f', '\x2f', '\x78', '\x22', '\x22', '\x29',
	'\x22', '\x0a',
};

static void
test_defaults(void **state)
{
	csv_limits lim;
	(void)state;
	memset(&lim, 0xff, sizeof lim);
	csv_limits_default(&lim);
	assert_int_equal(lim.max_rows, 100000);
	assert_int_equal(lim.max_fields, 64);
	assert_int_equal(lim.max_field_len, 4096);
}

static void
test_plain(void **state)
{
	struct fx *fx = *state;
	csv_table t;
	size_t line = 99;

	assert_int_equal(PARSE(fx, "a,b,c\n1,2,3\n", &t, &line), XA_OK);
	assert_int_equal(line, 0);
	assert_string_equal(t.encoding, "UTF-8");
	assert_int_equal(t.n, 2);
	assert_row(&t.rows[0], 1, 3, "a", "b", "c");
	assert_row(&t.rows[1], 2, 3, "1", "2", "3");

	/* No newline at the end; spaces kept; empty fields anywhere. */
	assert_int_equal(PARSE(fx, " a , b ,,c,", &t, NULL), XA_OK);
	assert_int_equal(t.n, 1);
	assert_row(&t.rows[0], 1, 5, " a ", " b ", "", "c", "");
	assert_int_equal(PARSE(fx, "x", &t, NULL), XA_OK);
	assert_row(&t.rows[0], 1, 1, "x");
	assert_int_equal(PARSE(fx, "学校,班级\n新郑市第一中学,七年级1班\n",
	    &t, NULL), XA_OK);
	assert_row(&t.rows[1], 2, 2, "新郑市第一中学", "七年级1班");
	/* Unquoted text keeps what RFC 4180 forbids but Excel never
	 * writes, as long as it is not a quote. */
	assert_int_equal(PARSE(fx, "a b\t\xe3\x80\x80" "c\n", &t, NULL), XA_OK);
	assert_row(&t.rows[0], 1, 1, "a b\t\xe3\x80\x80" "c");
}

static void
test_empty_input(void **state)
{
	struct fx *fx = *state;
	csv_table t;
	size_t line = 99;

	assert_int_equal(csv_parse(fx->a, NULL, 0, &fx->lim, &t, &line),
	    XA_OK);
	assert_int_equal(t.n, 0);
	assert_null(t.rows);
	assert_string_equal(t.encoding, "UTF-8");
	assert_int_equal(line, 0);
	assert_int_equal(PARSE(fx, "\xef\xbb\xbf", &t, NULL), XA_OK);
	assert_int_equal(t.n, 0);
	assert_int_equal(PARSE(fx, "\n\r\n\n", &t, NULL), XA_OK);
	assert_int_equal(t.n, 0);
}

static void
test_quoted(void **state)
{
	struct fx *fx = *state;
	csv_table t;

	assert_int_equal(PARSE(fx,
	    "\"a,b\",\"say \"\"hi\"\"\",\"line1\nline2\",\"\",\"\"\"\"\n"
	    "\" x \",\"\r\n\"\r\n", &t, NULL), XA_OK);
	assert_int_equal(t.n, 2);
	assert_row(&t.rows[0], 1, 5, "a,b", "say \"hi\"", "line1\nline2", "",
	    "\"");
	/* Nothing is trimmed inside quotes, CR included. */
	assert_row(&t.rows[1], 3, 2, " x ", "\r\n");
	/* A quoted field at the very end, with or without CR. */
	assert_int_equal(PARSE(fx, "a,\"b\"", &t, NULL), XA_OK);
	assert_row(&t.rows[0], 1, 2, "a", "b");
	assert_int_equal(PARSE(fx, "a,\"b\"\r", &t, NULL), XA_OK);
	assert_row(&t.rows[0], 1, 2, "a", "b");
	/* A lone "" is a row with one empty field, not a blank line. */
	assert_int_equal(PARSE(fx, "\"\"\n", &t, NULL), XA_OK);
	assert_int_equal(t.n, 1);
	assert_row(&t.rows[0], 1, 1, "");
}

static void
test_line_endings(void **state)
{
	struct fx *fx = *state;
	csv_table t;

	assert_int_equal(PARSE(fx, "a,b\r\nc,d\r\n", &t, NULL), XA_OK);
	assert_int_equal(t.n, 2);
	assert_row(&t.rows[0], 1, 2, "a", "b");
	assert_row(&t.rows[1], 2, 2, "c", "d");
	assert_int_equal(PARSE(fx, "a,b\nc,d", &t, NULL), XA_OK);
	assert_row(&t.rows[1], 2, 2, "c", "d");
	assert_int_equal(PARSE(fx, "a\r\nb\nc\r\nd\r", &t, NULL), XA_OK);
	assert_int_equal(t.n, 4);
	assert_row(&t.rows[0], 1, 1, "a");
	assert_row(&t.rows[1], 2, 1, "b");
	assert_row(&t.rows[2], 3, 1, "c");
	assert_row(&t.rows[3], 4, 1, "d");
	/* Only a CR that ends the line goes; others are data. */
	assert_int_equal(PARSE(fx, "a\rb,c\r,d\r\r\n", &t, NULL), XA_OK);
	assert_row(&t.rows[0], 1, 3, "a\rb", "c\r", "d\r");
}

static void
test_blank_lines(void **state)
{
	struct fx *fx = *state;
	csv_table t;

	assert_int_equal(PARSE(fx, "\n\r\na\n\n\nb\r\n\r\n\r", &t, NULL),
	    XA_OK);
	assert_int_equal(t.n, 2);
	assert_row(&t.rows[0], 3, 1, "a");
	assert_row(&t.rows[1], 6, 1, "b");
	/* A line of commas is a row of empty fields, for the caller. */
	assert_int_equal(PARSE(fx, "a,b\n,\n", &t, NULL), XA_OK);
	assert_int_equal(t.n, 2);
	assert_row(&t.rows[1], 2, 2, "", "");
	/* A line of spaces is data. */
	assert_int_equal(PARSE(fx, " \n", &t, NULL), XA_OK);
	assert_row(&t.rows[0], 1, 1, " ");
}

static void
test_bom(void **state)
{
	struct fx *fx = *state;
	csv_table t;

	assert_int_equal(PARSE(fx, "\xef\xbb\xbf学校,班级\r\n一中,1班\r\n",
	    &t, NULL), XA_OK);
	assert_string_equal(t.encoding, "UTF-8");
	assert_int_equal(t.n, 2);
	assert_row(&t.rows[0], 1, 2, "学校", "班级");
	assert_row(&t.rows[1], 2, 2, "一中", "1班");
	/* Only one BOM goes; a second is data. */
	assert_int_equal(PARSE(fx, "\xef\xbb\xbf\xef\xbb\xbfx", &t, NULL),
	    XA_OK);
	assert_row(&t.rows[0], 1, 1, "\xef\xbb\xbfx");
	/* A UTF-8 BOM promises UTF-8: no falling back to GB18030, even for
	 * bytes that are fine GB18030 ("新郑" there). */
	PARSE_FAILS(fx, "\xef\xbb\xbf" "a\nb\n\xd0\xc2\xd6\xa3\n", XA_EUTF8,
	    3);
}

static void
test_gb18030(void **state)
{
	struct fx *fx = *state;
	csv_table t;
	size_t line = 99;

	assert_int_equal(csv_parse(fx->a, gb_school, sizeof gb_school,
	    &fx->lim, &t, &line), XA_OK);
	assert_int_equal(line, 0);
	assert_string_equal(t.encoding, "GB18030");
	assert_int_equal(t.n, 2);
	assert_row(&t.rows[0], 1, 2, "学校", "班级");
	assert_row(&t.rows[1], 2, 2, "新郑市第一中学", "七年级1班");

	assert_int_equal(csv_parse(fx->a, gb_quoted, sizeof gb_quoted,
	    &fx->lim, &t, NULL), XA_OK);
	assert_string_equal(t.encoding, "GB18030");
	assert_row(&t.rows[0], 1, 2, "姓名", "电话");
	assert_row(&t.rows[1], 2, 2, "张三", "=HYPERLINK(\"http://x\")");

	/* GB18030's own BOM (84 31 95 33) goes like the UTF-8 one. */
	assert_int_equal(PARSE(fx, "\x84\x31\x95\x33\xd1\xa7,1\n", &t, NULL),
	    XA_OK);
	assert_string_equal(t.encoding, "GB18030");
	assert_row(&t.rows[0], 1, 2, "学", "1");
}

static void
test_gb18030_four_byte(void **state)
{
	struct fx *fx = *state;
	csv_table t;

	assert_int_equal(csv_parse(fx->a, gb_four, sizeof gb_four, &fx->lim,
	    &t, NULL), XA_OK);
	assert_string_equal(t.encoding, "GB18030");
	assert_int_equal(t.n, 1);
	assert_row(&t.rows[0], 1, 2, "𠮷野家", "བཀྲ");
	assert_string_equal(t.rows[0].fields[0],
	    "\xf0\xa0\xae\xb7\xe9\x87\x8e\xe5\xae\xb6");
	/* The highest code point, U+10FFFF, is E3 32 9A 35. */
	assert_int_equal(PARSE(fx, "\xe3\x32\x9a\x35,\xd1\xa7", &t, NULL),
	    XA_OK);
	assert_row(&t.rows[0], 1, 2, "\xf4\x8f\xbf\xbf", "学");
}

static void
test_gb18030_convert(void **state)
{
	struct fx *fx = *state;
	char *out = (char *)"x";
	size_t len = 99;

	assert_int_equal(csv_gb18030_to_utf8(fx->a, gb_school,
	    sizeof gb_school, &out, &len), XA_OK);
	assert_string_equal(out,
	    "学校,班级\r\n新郑市第一中学,七年级1班\r\n");
	assert_int_equal(len, strlen(out));
	assert_int_equal(csv_gb18030_to_utf8(fx->a, gb_four, sizeof gb_four,
	    &out, &len), XA_OK);
	assert_string_equal(out, "𠮷野家,བཀྲ\n");
	assert_int_equal(csv_gb18030_to_utf8(fx->a, "", 0, &out, &len),
	    XA_OK);
	assert_string_equal(out, "");
	assert_int_equal(len, 0);
	/* A lead byte with nothing after it, one past U+10FFFF, the bytes
	 * GB18030 never uses (80, FF), a bad trail byte. */
	static const char *const bad[] = {
		"ab\xd1", "\xe3\x32\x9a\x36", "\x80", "\xff", "\xa1\x7f",
		"\x81\x30\x81",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		out = (char *)"x";
		len = 99;
		assert_int_equal(csv_gb18030_to_utf8(fx->a, bad[i],
		    strlen(bad[i]), &out, &len), XA_EUTF8);
		assert_null(out);
		assert_int_equal(len, 0);
	}
}

static void
test_neither_encoding(void **state)
{
	struct fx *fx = *state;

	/* UTF-16 (what Excel calls "Unicode text"), FF being no GB18030. */
	PARSE_FAILS(fx, "\xff\xfe" "a\0,\0b\0\r\0\n\0", XA_EUTF8, 1);
	PARSE_FAILS(fx, "a,b\n\x80\n", XA_EUTF8, 2);
	/* A GB18030 file damaged on line 3: UTF-8 breaks on line 1, at
	 * the first Chinese character; the error names line 3. */
	PARSE_FAILS(fx, "\xd0\xc2\xd6\xa3\r\n\xd1\xa7\r\n\xd1\xff\r\n",
	    XA_EUTF8, 3);
	/* A UTF-8 file damaged on line 4: GB18030 breaks early, where a
	 * three-byte UTF-8 character leaves a lone lead byte before the
	 * comma; the error names line 4. */
	PARSE_FAILS(fx, "学,x\n校\n班\n\xe5\xad\n", XA_EUTF8, 4);
}

static void
test_unterminated_quote(void **state)
{
	struct fx *fx = *state;

	PARSE_FAILS(fx, "a,b\nc,\"d\ne\nf\n", XA_EINVAL, 2);
	PARSE_FAILS(fx, "\"", XA_EINVAL, 1);
	PARSE_FAILS(fx, "a\n\"x\"\"", XA_EINVAL, 2);
	/* After an embedded newline, the line is still the opening one. */
	PARSE_FAILS(fx, "\"1\n2\",x\n\"3\n4", XA_EINVAL, 3);
}

static void
test_stray_quote(void **state)
{
	struct fx *fx = *state;

	PARSE_FAILS(fx, "a,b\"c\n", XA_EINVAL, 1);
	PARSE_FAILS(fx, "a\nb\nc\"\n", XA_EINVAL, 3);
	PARSE_FAILS(fx, " \"a\"\n", XA_EINVAL, 1);
	/* Text after a closing quote, and a CR that does not end a line. */
	PARSE_FAILS(fx, "\"a\"b\n", XA_EINVAL, 1);
	PARSE_FAILS(fx, "\"a\" ,b\n", XA_EINVAL, 1);
	PARSE_FAILS(fx, "\"a\"\rb\n", XA_EINVAL, 1);
	PARSE_FAILS(fx, "x\n\"a\nb\"c\n", XA_EINVAL, 3);
	/* A NUL would cut the field short in every C string comparison. */
	PARSE_FAILS(fx, "a,b\0c\n", XA_EINVAL, 1);
	PARSE_FAILS(fx, "a\n\"b\n\0\"\n", XA_EINVAL, 3);
}

static void
test_line_numbers(void **state)
{
	struct fx *fx = *state;
	csv_table t;

	assert_int_equal(PARSE(fx,
	    "\"a\nb\",c\nd\n\"e\r\n\r\nf\"\n\ng\r\n\"\n\",\"\n\"\nh", &t, NULL),
	    XA_OK);
	assert_int_equal(t.n, 6);
	assert_row(&t.rows[0], 1, 2, "a\nb", "c");
	assert_row(&t.rows[1], 3, 1, "d");
	assert_row(&t.rows[2], 4, 1, "e\r\n\r\nf");
	assert_row(&t.rows[3], 8, 1, "g");
	assert_row(&t.rows[4], 9, 2, "\n", "\n");
	assert_row(&t.rows[5], 12, 1, "h");
	/* An error after embedded newlines names its own line. */
	PARSE_FAILS(fx, "\"a\nb\nc\",d\ne\"\n", XA_EINVAL, 4);
}

static void
test_max_rows(void **state)
{
	struct fx *fx = *state;
	csv_table t;

	fx->lim.max_rows = 3;
	/* Blank lines are not rows and do not count. */
	assert_int_equal(PARSE(fx, "a\n\nb\n\n\nc\n\n", &t, NULL), XA_OK);
	assert_int_equal(t.n, 3);
	PARSE_FAILS(fx, "a\n\nb\n\n\nc\n\nd\n", XA_ETOOMANY, 8);
	PARSE_FAILS(fx, "a\nb\n\"c\n\"\nd", XA_ETOOMANY, 5);
	fx->lim.max_rows = 0;
	assert_int_equal(PARSE(fx, "\n\n", &t, NULL), XA_OK);
	PARSE_FAILS(fx, "a", XA_ETOOMANY, 1);
}

static void
test_max_fields(void **state)
{
	struct fx *fx = *state;
	csv_table t;

	fx->lim.max_fields = 3;
	assert_int_equal(PARSE(fx, "a,b,c\n,,\n", &t, NULL), XA_OK);
	assert_row(&t.rows[1], 2, 3, "", "", "");
	PARSE_FAILS(fx, "a,b,c\n,,,\n", XA_ETOOMANY, 2);
	PARSE_FAILS(fx, "a,b,c,", XA_ETOOMANY, 1);
	/* The fourth field starts on line 3, inside a two-line row. */
	PARSE_FAILS(fx, "x\n\"a\nb\",c,d,e\n", XA_ETOOMANY, 3);
	/* The default cap, at and one past it. */
	csv_limits_default(&fx->lim);
	char line[64 * 2 + 2];
	for (size_t i = 0; i < 64; i++) {
		line[2 * i] = 'x';
		line[2 * i + 1] = ',';
	}
	assert_int_equal(csv_parse(fx->a, line, 64 * 2 - 1, &fx->lim, &t,
	    NULL), XA_OK);
	assert_int_equal(t.rows[0].n, 64);
	size_t at = 99;
	assert_int_equal(csv_parse(fx->a, line, 64 * 2, &fx->lim, &t, &at),
	    XA_ETOOMANY);
	assert_int_equal(at, 1);
}

static void
test_max_field_len(void **state)
{
	struct fx *fx = *state;
	csv_table t;

	fx->lim.max_field_len = 4;
	assert_int_equal(PARSE(fx, "abcd,\"ab\"\"c\",\"a\ncd\"\r\n", &t,
	    NULL), XA_OK);
	assert_row(&t.rows[0], 1, 3, "abcd", "ab\"c", "a\ncd");
	/* A trailing CR is not part of the field; an inner one is. */
	assert_int_equal(PARSE(fx, "abcd\r", &t, NULL), XA_OK);
	PARSE_FAILS(fx, "abc\rd\n", XA_ETOOBIG, 1);
	PARSE_FAILS(fx, "x\nabcde\n", XA_ETOOBIG, 2);
	PARSE_FAILS(fx, "\"ab\"\"cd\"", XA_ETOOBIG, 1);
	/* A quoted field over the cap names the line it opened on. */
	PARSE_FAILS(fx, "x\n\"a\nb\ncd\"\n", XA_ETOOBIG, 2);
	/* Bytes count, not characters: "学" is three. */
	fx->lim.max_field_len = 6;
	assert_int_equal(PARSE(fx, "学校", &t, NULL), XA_OK);
	PARSE_FAILS(fx, "学校a", XA_ETOOBIG, 1);
	/* GB18030 is measured after conversion: 4 bytes in, 6 out. */
	fx->lim.max_field_len = 5;
	PARSE_FAILS(fx, "\xd0\xc2\xd6\xa3", XA_ETOOBIG, 1);
	/* The default cap, at and one past it. */
	csv_limits_default(&fx->lim);
	static char big[4096 + 3];
	memset(big, 'y', sizeof big);
	big[0] = '"';
	big[4096 + 1] = '"';
	big[4096 + 2] = '\n';
	assert_int_equal(csv_parse(fx->a, big, sizeof big, &fx->lim, &t,
	    NULL), XA_OK);
	assert_int_equal(strlen(t.rows[0].fields[0]), 4096);
	big[4096 + 1] = 'y';
	big[4096 + 2] = '"';
	size_t at = 99;
	assert_int_equal(csv_parse(fx->a, big, sizeof big, &fx->lim, &t,
	    &at), XA_ETOOBIG);
	assert_int_equal(at, 1);
}

static void
test_out_of_memory(void **state)
{
	csv_limits lim;
	csv_table t;
	size_t line = 99;
	char *out;
	size_t len;
	(void)state;

	csv_limits_default(&lim);
	/* 32 bytes: room for the row array, not for the field pointers or
	 * the converted text. */
	arena *a = arena_new(256, 32);
	assert_non_null(a);
	assert_int_equal(csv_parse(a, "a,b,c,d,e,f,g,h,i,j,k,l\n", 24, &lim,
	    &t, &line), XA_ENOMEM);
	assert_int_equal(line, 0);
	assert_null(t.rows);
	assert_int_equal(t.n, 0);
	assert_int_equal(csv_parse(a, gb_school, sizeof gb_school, &lim, &t,
	    &line), XA_ENOMEM);
	assert_int_equal(csv_gb18030_to_utf8(a, gb_school, sizeof gb_school,
	    &out, &len), XA_ENOMEM);
	arena_free(a);
}

/* Writes one row of n fields (NULL-terminated list) into b. */
static void
put_row(buf *b, const char *const *fields)
{
	for (size_t i = 0; fields[i] != NULL; i++)
		assert_int_equal(csv_put(b, fields[i], i == 0), XA_OK);
	assert_int_equal(csv_end_row(b), XA_OK);
}

static void
test_writer_basic(void **state)
{
	buf b;
	(void)state;

	buf_init(&b, 1 << 16);
	assert_int_equal(csv_put_bom(&b), XA_OK);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "\xef\xbb\xbf", 3);
	buf_reset(&b);
	put_row(&b, (const char *const[]){ "学校", "班级", "人数", NULL });
	put_row(&b, (const char *const[]){ "新郑市第一中学", "七年级1班",
	    "45", NULL });
	assert_string_equal(b.data,
	    "学校,班级,人数\r\n新郑市第一中学,七年级1班,45\r\n");
	buf_reset(&b);
	/* NULL is the empty field; an empty first field is quoted so a
	 * one-column row does not turn into a blank line. */
	put_row(&b, (const char *const[]){ "", "", NULL });
	assert_int_equal(csv_put(&b, NULL, 1), XA_OK);
	assert_int_equal(csv_end_row(&b), XA_OK);
	assert_int_equal(csv_put(&b, "a", 1), XA_OK);
	assert_int_equal(csv_put(&b, NULL, 0), XA_OK);
	assert_int_equal(csv_end_row(&b), XA_OK);
	assert_string_equal(b.data, "\"\",\r\n\"\"\r\na,\r\n");
	buf_free(&b);
}

static buf put1_buf;

/* What csv_put writes for s as a first field; valid until the next call
 * or put1_free(). */
static const char *
put1(const char *s)
{
	buf_free(&put1_buf);
	buf_init(&put1_buf, 1 << 16);
	assert_int_equal(csv_put(&put1_buf, s, 1), XA_OK);
	return put1_buf.data;
}

static void
put1_free(void)
{
	buf_free(&put1_buf);
}

static void
test_writer_quoting(void **state)
{
	(void)state;
	assert_string_equal(put1("plain"), "plain");
	assert_string_equal(put1("a,b"), "\"a,b\"");
	assert_string_equal(put1("say \"hi\""), "\"say \"\"hi\"\"\"");
	assert_string_equal(put1("\""), "\"\"\"\"");
	assert_string_equal(put1("a\nb"), "\"a\nb\"");
	assert_string_equal(put1("a\rb"), "\"a\rb\"");
	assert_string_equal(put1("a\r\nb"), "\"a\r\nb\"");
	assert_string_equal(put1(" lead"), "\" lead\"");
	assert_string_equal(put1("trail "), "\"trail \"");
	assert_string_equal(put1(" "), "\" \"");
	/* Inner spaces, tabs, full-width spaces and apostrophes are fine. */
	assert_string_equal(put1("a b\tc\xe3\x80\x80'd"),
	    "a b\tc\xe3\x80\x80'd");
	assert_string_equal(put1("张三，李四"), "张三，李四");
	assert_string_equal(put1("𠮷野家"), "𠮷野家");
	put1_free();
}

static void
test_writer_formula(void **state)
{
	(void)state;
	assert_string_equal(put1("=1+1"), "'=1+1");
	assert_string_equal(put1("+86 138 0000 0000"), "'+86 138 0000 0000");
	assert_string_equal(put1("-2+3+cmd|' /C calc'!A0"),
	    "'-2+3+cmd|' /C calc'!A0");
	assert_string_equal(put1("@SUM(A1:A9)"), "'@SUM(A1:A9)");
	assert_string_equal(put1("\t=1"), "'\t=1");
	/* CR both triggers the prefix and needs quotes; the ' goes
	 * inside them. */
	assert_string_equal(put1("\r=1"), "\"'\r=1\"");
	assert_string_equal(put1("=HYPERLINK(\"http://x\",\"点我\")"),
	    "\"'=HYPERLINK(\"\"http://x\"\",\"\"点我\"\")\"");
	assert_string_equal(put1("=a,b"), "\"'=a,b\"");
	/* The first character counts, after any spaces that readers
	 * trim: ASCII, ideographic (U+3000), no-break (U+00A0). */
	assert_string_equal(put1("a=1"), "a=1");
	assert_string_equal(put1("'=1"), "'=1");
	assert_string_equal(put1(" =1"), "\"' =1\"");
	assert_string_equal(put1("   +1"), "\"'   +1\"");
	assert_string_equal(put1("\xe3\x80\x80" "-1"), "'\xe3\x80\x80" "-1");
	assert_string_equal(put1("\xc2\xa0" "@A1"), "'\xc2\xa0" "@A1");
	assert_string_equal(put1(" \n=1"), "\"' \n=1\"");
	assert_string_equal(put1(" a=1"), "\" a=1\"");
	assert_string_equal(put1("\xe3\x80\x80" "张"), "\xe3\x80\x80" "张");
	/* TAB or CR first, whatever follows. */
	assert_string_equal(put1("\tabc"), "'\tabc");
	assert_string_equal(put1("\rabc"), "\"'\rabc\"");
	/* The full-width signs a Chinese keyboard types: ＝ ＋ － ＠, also
	 * after spaces; other full-width forms are text. */
	assert_string_equal(put1("＝SUM(A1)"), "'＝SUM(A1)");
	assert_string_equal(put1("＋86"), "'＋86");
	assert_string_equal(put1("－1"), "'－1");
	assert_string_equal(put1("＠A1"), "'＠A1");
	assert_string_equal(put1(" ＝1"), "\"' ＝1\"");
	assert_string_equal(put1("\xe3\x80\x80" "＋1"),
	    "'\xe3\x80\x80" "＋1");
	assert_string_equal(put1("（一）"), "（一）");
	assert_string_equal(put1("＝"), "'＝");
	/* Not the first field of a row: same rules. */
	buf b;
	buf_init(&b, 64);
	assert_int_equal(csv_put(&b, "x", 1), XA_OK);
	assert_int_equal(csv_put(&b, "-5", 0), XA_OK);
	assert_string_equal(b.data, "x,'-5");
	buf_free(&b);
	put1_free();
}

static void
test_writer_errors(void **state)
{
	buf b;
	(void)state;

	buf_init(&b, 12);
	assert_int_equal(csv_put(&b, "abc", 1), XA_OK);
	/* Not UTF-8 ("新" in GB18030): refused, nothing written. */
	assert_int_equal(csv_put(&b, "\xd0\xc2", 0), XA_EUTF8);
	assert_int_equal(b.len, 3);
	/* Over the cap halfway through: the buffer is as it was. */
	assert_int_equal(csv_put(&b, "=d\"e\"f", 0), XA_ETOOBIG);
	assert_int_equal(b.len, 3);
	assert_string_equal(b.data, "abc");
	/* Exactly at the cap: ",\"'=a,b\"" is 8 bytes, 3 + 8 = 11, and
	 * the CRLF no longer fits. */
	assert_int_equal(csv_put(&b, "=a,b", 0), XA_OK);
	assert_int_equal(b.len, 11);
	assert_int_equal(csv_end_row(&b), XA_ETOOBIG);
	assert_string_equal(b.data, "abc,\"'=a,b\"");
	buf_free(&b);
	buf_init(&b, 2);
	assert_int_equal(csv_put_bom(&b), XA_ETOOBIG);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void
test_round_trip(void **state)
{
	struct fx *fx = *state;
	static const char *const in[] = {
		"plain", "", "a,b", "\"", "\"\"", "say \"hi\"", "a\nb", "a\r\nb",
		"\r\n", "\n", "x\r", " ", " a ", "\t", "\ttab", "=1+1", "+1",
		"-", "@x", "\r", "=HYPERLINK(\"http://x\")", "学校，班级",
		"新郑市第一中学", "𠮷野家", "བཀྲ", "'quoted'", "a\"b,c\nd",
		"\xef\xbb\xbf-bom", ",", ",,", "\"a\",\"b\"",
	};
	const size_t n = sizeof in / sizeof in[0];
	buf b;
	csv_table t;
	size_t line = 99;

	buf_init(&b, 1 << 16);
	assert_int_equal(csv_put_bom(&b), XA_OK);
	/* Every value alone on its row, then all of them in one row. */
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(csv_put(&b, in[i], 1), XA_OK);
		assert_int_equal(csv_end_row(&b), XA_OK);
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(csv_put(&b, in[i], i == 0), XA_OK);
	assert_int_equal(csv_end_row(&b), XA_OK);

	assert_int_equal(csv_parse(fx->a, b.data, b.len, &fx->lim, &t,
	    &line), XA_OK);
	assert_string_equal(t.encoding, "UTF-8");
	assert_int_equal(t.n, n + 1);
	for (size_t r = 0; r <= n; r++) {
		size_t nf = r < n ? 1 : n;
		assert_int_equal(t.rows[r].n, nf);
		for (size_t k = 0; k < nf; k++) {
			const char *v = in[r < n ? r : k];
			char want[64];
			int w = snprintf(want, sizeof want, "%s%s",
			    v[0] != '\0' && strchr("=+-@\t\r", v[0]) != NULL ?
			    "'" : "", v);
			assert_true(w >= 0 && (size_t)w < sizeof want);
			assert_string_equal(t.rows[r].fields[k], want);
		}
	}
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test_setup_teardown(test_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_input, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_quoted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_endings, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_blank_lines, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gb18030, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gb18030_four_byte, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_gb18030_convert, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_neither_encoding, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unterminated_quote, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stray_quote, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_line_numbers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_max_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_fields, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_max_field_len, setup,
		    teardown),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_writer_basic),
		cmocka_unit_test(test_writer_quoting),
		cmocka_unit_test(test_writer_formula),
		cmocka_unit_test(test_writer_errors),
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
