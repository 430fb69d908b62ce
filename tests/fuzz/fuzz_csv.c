/* fuzz_csv.c: libFuzzer target for the CSV reader and writer (csv.h).
 *
 * Each input is parsed as a file, with the default limits and with tiny
 * ones (so the caps are reached), and every promise of csv.h is checked
 * on the result; every table read is then written back and must read
 * back the same, formula prefixes aside. The input is also converted as
 * GB18030 on its own, and written as one field. It must never keep state
 * between inputs and frees everything it allocates. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise is a crash, whatever NDEBUG says. */
#define CHECK(c) do { if (!(c)) abort(); } while (0)

/* True when the writer must prefix f with '. */
static int
is_formula(const char *f)
{
	return f[0] != '\0' && strchr("=+-@\t\r", f[0]) != NULL;
}

/* Field f as the reader must give it back after the writer wrote it. */
static int
same_after_write(const char *got, const char *f)
{
	if (is_formula(f)) {
		if (got[0] != '\'')
			return 0;
		got++;
	}
	return strcmp(got, f) == 0;
}

/* Writes t (with a BOM) and reads it back: same rows, same fields. */
static void
round_trip(const csv_table *t, const csv_limits *lim)
{
	arena *a = arena_new(4096, 0);
	csv_limits big = *lim;
	csv_table u;
	buf b;

	buf_init(&b, SIZE_MAX);
	if (a == NULL)
		goto done;
	CHECK(csv_put_bom(&b) == XA_OK);
	for (size_t r = 0; r < t->n; r++) {
		for (size_t k = 0; k < t->rows[r].n; k++)
			CHECK(csv_put(&b, t->rows[r].fields[k], k == 0) ==
			    XA_OK);
		CHECK(csv_end_row(&b) == XA_OK);
	}
	/* The ' prefix may take a field one byte over its cap. */
	big.max_field_len++;
	CHECK(csv_parse(a, b.data, b.len, &big, &u, NULL) == XA_OK);
	CHECK(strcmp(u.encoding, "UTF-8") == 0);
	CHECK(u.n == t->n);
	for (size_t r = 0; r < t->n; r++) {
		CHECK(u.rows[r].n == t->rows[r].n);
		for (size_t k = 0; k < t->rows[r].n; k++)
			CHECK(same_after_write(u.rows[r].fields[k],
			    t->rows[r].fields[k]));
	}
done:
	buf_free(&b);
	arena_free(a);
}

/* Parses s with lim and checks the result: on success rows within the
 * caps, lines rising and inside the input, fields UTF-8 within their
 * cap; on failure nothing returned and a line for every input error. */
static void
run(const char *s, size_t n, const csv_limits *lim)
{
	arena *a = arena_new(4096, 0);
	csv_table t;
	size_t line = 0, lines = 1;

	if (a == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		lines += s[i] == '\n';
	xa_err e = csv_parse(a, s, n, lim, &t, &line);
	if (e != XA_OK) {
		CHECK(e == XA_EINVAL || e == XA_EUTF8 || e == XA_ETOOMANY ||
		    e == XA_ETOOBIG);
		CHECK(t.n == 0 && t.rows == NULL && t.encoding == NULL);
		CHECK(line >= 1 && line <= lines);
		goto done;
	}
	CHECK(line == 0);
	CHECK(strcmp(t.encoding, "UTF-8") == 0 ||
	    strcmp(t.encoding, "GB18030") == 0);
	CHECK(t.n <= lim->max_rows);
	CHECK((t.n == 0) == (t.rows == NULL));
	for (size_t r = 0; r < t.n; r++) {
		const csv_row *row = &t.rows[r];
		CHECK(row->n >= 1 && row->n <= lim->max_fields);
		CHECK(row->line >= 1 && row->line <= lines);
		CHECK(r == 0 || row->line > t.rows[r - 1].line);
		for (size_t k = 0; k < row->n; k++) {
			size_t len = strlen(row->fields[k]);
			CHECK(len <= lim->max_field_len);
			CHECK(utf8_valid(row->fields[k], len));
		}
		/* A blank line is never a row; only "" makes a row of one
		 * empty field. */
		CHECK(row->n > 1 || row->fields[0][0] != '\0' ||
		    memchr(s, '"', n) != NULL);
	}
	round_trip(&t, lim);
done:
	arena_free(a);
}

/* The converter alone: on success UTF-8, NUL-terminated at outlen. */
static void
convert(const char *s, size_t n)
{
	arena *a = arena_new(4096, 0);
	char *out = NULL;
	size_t len = 0;

	if (a == NULL)
		return;
	xa_err e = csv_gb18030_to_utf8(a, s, n, &out, &len);
	if (e == XA_OK) {
		CHECK(out != NULL && out[len] == '\0');
		CHECK(utf8_valid(out, len));
	} else {
		CHECK(e == XA_EUTF8);
		CHECK(out == NULL && len == 0);
	}
	arena_free(a);
}

/* The input as one field: refused unless UTF-8, else read back whole
 * (NUL-free inputs only: a C string ends at the first NUL). */
static void
one_field(const char *s, size_t n)
{
	arena *a = arena_new(4096, 0);
	char *f = NULL;
	csv_limits lim;
	csv_table t;
	buf b;

	buf_init(&b, SIZE_MAX);
	if (a == NULL || memchr(s, '\0', n) != NULL)
		goto done;
	f = arena_strndup(a, s, n);
	if (f == NULL)
		goto done;
	/* The BOM first, as in a real file: a field that starts with
	 * U+FEFF must not be taken for one. */
	CHECK(csv_put_bom(&b) == XA_OK);
	xa_err e = csv_put(&b, f, 1);
	if (!utf8_valid(s, n)) {
		CHECK(e == XA_EUTF8 && b.len == 3);
		goto done;
	}
	CHECK(e == XA_OK);
	CHECK(csv_end_row(&b) == XA_OK);
	csv_limits_default(&lim);
	lim.max_field_len = n + 1;
	CHECK(csv_parse(a, b.data, b.len, &lim, &t, NULL) == XA_OK);
	CHECK(t.n == 1 && t.rows[0].n == 1);
	CHECK(same_after_write(t.rows[0].fields[0], f));
done:
	buf_free(&b);
	arena_free(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	csv_limits lim;

	csv_limits_default(&lim);
	run(s, size, &lim);
	lim.max_rows = 3;
	lim.max_fields = 4;
	lim.max_field_len = 8;
	run(s, size, &lim);
	convert(s, size);
	one_field(s, size);
	return 0;
}
