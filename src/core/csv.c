/* csv.c: the CSV reader and writer behind csv.h, for the spreadsheets
 * schools import (classes, staff) and the reports the bureau exports.
 *
 * It must never read past data[n-1] (the input is not NUL-terminated),
 * never allocate outside the caller's arena (iconv's own state is opened
 * and closed within one call), never hand back a half-filled table (on
 * any error the output is empty), and never write a field that a
 * spreadsheet could run as a formula. */
#include "csv.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "utf8.h"

#define UTF8_BOM "\xEF\xBB\xBF"
#define UTF8_BOM_LEN 3

/* The defaults csv.h documents: far above any school's roster, far below
 * what would let one upload exhaust the arena. */
void
csv_limits_default(csv_limits *lim)
{
	lim->max_rows = 100000;
	lim->max_fields = 64;
	lim->max_field_len = 4096;
}

/* The 1-based line of t[off]: one more than the LFs before it. */
static size_t
line_at(const char *t, size_t off)
{
	size_t line = 1, i = 0;

	while (i < off) {
		const char *lf = memchr(t + i, '\n', off - i);
		if (lf == NULL)
			break;
		line++;
		i = (size_t)(lf - t) + 1;
	}
	return line;
}

/*
 * The 1-based line of the first ill-formed UTF-8 in t[0..n), or 0 if there
 * is none. Checking line by line is exact: an LF byte is never part of a
 * multi-byte sequence, so t is valid exactly when every line is.
 */
static size_t
bad_utf8_line(const char *t, size_t n)
{
	size_t line = 1, i = 0;

	while (i <= n) {
		const char *lf = i < n ? memchr(t + i, '\n', n - i) : NULL;
		size_t end = lf != NULL ? (size_t)(lf - t) : n;
		if (!utf8_valid(t + i, end - i))
			return line;
		if (lf == NULL)
			break;
		line++;
		i = end + 1;
	}
	return 0;
}

/*
 * Converts GB18030 in[0..n) to NUL-terminated UTF-8 in the arena. On
 * XA_EUTF8 *bad is the offset of the first byte iconv could not convert.
 * Returns XA_ECONFIG when the C library has no GB18030 converter (a
 * system without glibc's gconv modules), which no file can cure.
 *
 * Size: a GB18030 sequence is 1, 2 or 4 bytes and stands for one code
 * point; in UTF-8 that code point takes 1, at most 3 (two-byte codes are
 * all in the BMP) or at most 4 bytes. So n + n/2 output bytes always
 * suffice, and E2BIG cannot happen; were a future iconv to break that
 * bound, the file is refused rather than half converted.
 */
static xa_err
gb18030_convert(arena *a, const char *in, size_t n, char **out,
    size_t *outlen, size_t *bad)
{
	iconv_t cd = (iconv_t)-1;
	char *dst = NULL, *ip, *op;
	size_t cap, il, ol, len;
	xa_err e = XA_OK;

	*out = NULL;
	*outlen = 0;
	*bad = 0;
	if (n > SIZE_MAX / 2 - 4) {
		e = XA_ENOMEM;
		goto done;
	}
	cap = n + n / 2 + 4;
	cd = iconv_open("UTF-8", "GB18030");
	if (cd == (iconv_t)-1) {
		e = errno == ENOMEM ? XA_ENOMEM : XA_ECONFIG;
		goto done;
	}
	dst = arena_alloc(a, cap + 1);
	if (dst == NULL) {
		e = XA_ENOMEM;
		goto done;
	}
	/* iconv's prototype takes char ** but never writes through it. */
	ip = (char *)in;
	il = n;
	op = dst;
	ol = cap;
	if (n > 0 && iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
		/* EILSEQ (a bad sequence), EINVAL (one cut off at the end)
		 * or the impossible E2BIG: all mean "not GB18030 we trust". */
		*bad = n - il;
		e = XA_EUTF8;
		goto done;
	}
	len = cap - ol;
	/* glibc only produces well-formed UTF-8; checking costs little and
	 * keeps the promise independent of the C library. */
	if (!utf8_valid(dst, len)) {
		e = XA_EUTF8;
		goto done;
	}
	dst[len] = '\0';
	*out = dst;
	*outlen = len;
done:
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	return e;
}

/* The public face of gb18030_convert, without the failure offset. */
xa_err
csv_gb18030_to_utf8(arena *a, const char *in, size_t n, char **out,
    size_t *outlen)
{
	size_t bad;

	return gb18030_convert(a, in, n, out, outlen, &bad);
}

/* How a field ended. */
enum field_end { END_COMMA, END_LINE, END_EOF };

/*
 * One pass over UTF-8 text. The parser runs twice over the same text: the
 * first pass (rows == NULL) checks everything and counts rows, field
 * pointers and field bytes; the second fills arrays of exactly those
 * sizes. So every error is found before anything is allocated, a flood of
 * rows fails without growing arrays, and the output is three allocations.
 */
struct scan {
	const char *t;		/* the text, BOM removed */
	size_t n, i;		/* its length, the read position */
	size_t line;		/* 1-based line of t[i] */
	const csv_limits *lim;
	csv_row *rows;		/* second pass: the rows, */
	const char **ptrs;	/* every row's field pointers, */
	char *chars;		/* every field's bytes and NUL */
	size_t nrows, nptrs, nchars;	/* used so far */
	size_t err_line;	/* where the first pass failed */
};

/* Fails the scan with e at line. */
static xa_err
fail(struct scan *s, xa_err e, size_t line)
{
	s->err_line = line;
	return e;
}

/*
 * Reads the field at s->i and moves past its terminator (comma, LF or the
 * end). Unquoted: everything up to the terminator, as is, except one CR
 * just before an LF or the end; a quote or a NUL in it is an error.
 * Quoted: everything up to the closing quote, "" meaning ", newlines
 * included; after the closing quote only a comma, CR LF, LF or the end
 * may follow. On the second pass the decoded bytes and a NUL are stored
 * at s->chars + s->nchars; both passes advance s->nchars alike.
 */
static xa_err
read_field(struct scan *s, enum field_end *end)
{
	const char *t = s->t;
	char *d = s->chars != NULL ? s->chars + s->nchars : NULL;
	size_t len = 0, fline = s->line;

	if (s->i < s->n && t[s->i] == '"') {
		s->i++;
		for (;;) {
			/* An open quote can swallow the rest of the file; the
			 * line that matters is where it was opened. */
			if (s->i == s->n)
				return fail(s, XA_EINVAL, fline);
			char c = t[s->i];
			if (c == '"') {
				if (s->i + 1 == s->n || t[s->i + 1] != '"') {
					s->i++;
					break;
				}
				s->i++;
			} else if (c == '\0')
				return fail(s, XA_EINVAL, s->line);
			else if (c == '\n')
				s->line++;
			if (d != NULL)
				d[len] = c;
			len++;
			s->i++;
		}
		if (s->i < s->n && t[s->i] == '\r' &&
		    (s->i + 1 == s->n || t[s->i + 1] == '\n'))
			s->i++;
		if (s->i < s->n && t[s->i] != ',' && t[s->i] != '\n')
			return fail(s, XA_EINVAL, s->line);
	} else {
		size_t start = s->i;
		while (s->i < s->n && t[s->i] != ',' && t[s->i] != '\n') {
			if (t[s->i] == '"' || t[s->i] == '\0')
				return fail(s, XA_EINVAL, s->line);
			s->i++;
		}
		len = s->i - start;
		if (len > 0 && t[s->i - 1] == '\r' &&
		    (s->i == s->n || t[s->i] == '\n'))
			len--;
		if (d != NULL && len > 0)
			memcpy(d, t + start, len);
	}
	if (len > s->lim->max_field_len)
		return fail(s, XA_ETOOBIG, fline);
	if (d != NULL)
		d[len] = '\0';
	s->nchars += len + 1;
	if (s->i == s->n)
		*end = END_EOF;
	else {
		*end = t[s->i] == ',' ? END_COMMA : END_LINE;
		if (*end == END_LINE)
			s->line++;
		s->i++;
	}
	return XA_OK;
}

/*
 * Reads every row from s->i on. A blank line (nothing, or a lone CR,
 * before its LF or the end) is skipped and counts against no cap; any
 * other line is a row, even ",," (the caller decides what an empty row
 * means). A comma at the very end makes one more, empty, field.
 */
static xa_err
read_rows(struct scan *s)
{
	const csv_limits *lim = s->lim;
	xa_err e = XA_OK;

	while (s->i < s->n) {
		size_t k = s->i;
		if (s->t[k] == '\r')
			k++;
		if (k == s->n || s->t[k] == '\n') {
			if (k < s->n) {
				k++;
				s->line++;
			}
			s->i = k;
			continue;
		}
		if (s->nrows == lim->max_rows)
			return fail(s, XA_ETOOMANY, s->line);
		size_t first = s->nptrs, nf = 0, rline = s->line;
		enum field_end end = END_COMMA;
		while (end == END_COMMA) {
			if (nf == lim->max_fields)
				return fail(s, XA_ETOOMANY, s->line);
			if (s->ptrs != NULL)
				s->ptrs[s->nptrs] = s->chars + s->nchars;
			s->nptrs++;
			nf++;
			e = read_field(s, &end);
			if (e != XA_OK)
				return e;
		}
		if (s->rows != NULL) {
			s->rows[s->nrows].fields = s->ptrs + first;
			s->rows[s->nrows].n = nf;
			s->rows[s->nrows].line = rline;
		}
		s->nrows++;
	}
	return e;
}

/*
 * Detects the encoding (a UTF-8 BOM means UTF-8 and nothing else; valid
 * UTF-8 is taken as UTF-8; anything else must be GB18030), then parses
 * in two passes (see struct scan). For text that is neither encoding the
 * error line is where the reading that got further broke down: a
 * GB18030 file with one damaged byte fails as UTF-8 at its first Chinese
 * character but as GB18030 only at the damage, and the other way round.
 */
xa_err
csv_parse(arena *a, const char *data, size_t n, const csv_limits *lim,
    csv_table *out, size_t *err_line)
{
	const char *text = data, *enc = "UTF-8";
	char *conv = NULL;
	size_t tlen = n, eline = 0;
	struct scan s;
	xa_err e = XA_OK;

	out->rows = NULL;
	out->n = 0;
	out->encoding = NULL;
	memset(&s, 0, sizeof s);
	if (n >= UTF8_BOM_LEN && memcmp(data, UTF8_BOM, UTF8_BOM_LEN) == 0) {
		text += UTF8_BOM_LEN;
		tlen -= UTF8_BOM_LEN;
		if (!utf8_valid(text, tlen)) {
			e = XA_EUTF8;
			eline = bad_utf8_line(text, tlen);
			goto done;
		}
	} else if (!utf8_valid(text, tlen)) {
		size_t bad;
		e = gb18030_convert(a, data, n, &conv, &tlen, &bad);
		if (e == XA_EUTF8) {
			size_t u = bad_utf8_line(data, n);
			size_t g = line_at(data, bad);
			eline = u > g ? u : g;
		}
		if (e != XA_OK)
			goto done;
		text = conv;
		enc = "GB18030";
		/* GB18030's own BOM (84 31 95 33) converts to U+FEFF. */
		if (tlen >= UTF8_BOM_LEN &&
		    memcmp(text, UTF8_BOM, UTF8_BOM_LEN) == 0) {
			text += UTF8_BOM_LEN;
			tlen -= UTF8_BOM_LEN;
		}
	}
	s.t = text;
	s.n = tlen;
	s.line = 1;
	s.lim = lim;
	e = read_rows(&s);
	if (e != XA_OK) {
		eline = s.err_line;
		goto done;
	}
	if (s.nrows > 0) {
		csv_row *rows = arena_calloc(a, s.nrows, sizeof *rows);
		const char **ptrs = arena_calloc(a, s.nptrs, sizeof *ptrs);
		char *chars = arena_alloc(a, s.nchars);
		if (rows == NULL || ptrs == NULL || chars == NULL) {
			e = XA_ENOMEM;
			goto done;
		}
		memset(&s, 0, sizeof s);
		s.t = text;
		s.n = tlen;
		s.line = 1;
		s.lim = lim;
		s.rows = rows;
		s.ptrs = ptrs;
		s.chars = chars;
		/* The first pass accepted this very text, so this one cannot
		 * fail; the check only keeps the output promise if it did. */
		e = read_rows(&s);
		if (e != XA_OK) {
			eline = s.err_line;
			goto done;
		}
		out->rows = rows;
		out->n = s.nrows;
	}
	out->encoding = enc;
done:
	if (err_line != NULL)
		*err_line = e == XA_OK ? 0 : eline;
	return e;
}

/* Appends the UTF-8 BOM, without which Excel reads UTF-8 as the local
 * code page (GBK on a Chinese Windows). */
xa_err
csv_put_bom(buf *b)
{
	return buf_append(b, UTF8_BOM, UTF8_BOM_LEN);
}

/* The length of the formula sign at f (= + - @, or the full-width
 * ＝ ＋ － ＠ a Chinese keyboard types, which Excel and WPS take as the
 * same), or 0. */
static size_t
formula_sign(const char *f)
{
	static const char *const wide[] = { "\xef\xbc\x9d", "\xef\xbc\x8b",
		"\xef\xbc\x8d", "\xef\xbc\xa0" };	/* U+FF1D U+FF0B U+FF0D U+FF20 */
	if (*f == '=' || *f == '+' || *f == '-' || *f == '@')
		return 1;
	for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
		if (strncmp(f, wide[i], 3) == 0)
			return 3;
	return 0;
}

/* True when a spreadsheet may take field f as a formula (the OWASP list
 * for CSV injection): it starts with TAB or CR, which some readers skip
 * before they look, or its first character after any spaces (ASCII, the
 * ideographic U+3000, no-break U+00A0, which readers trim) is a formula
 * sign. */
static bool
formula_like(const char *f)
{
	if (*f == '\t' || *f == '\r')
		return true;
	for (;;) {
		if (*f == ' ' || *f == '\t' || *f == '\r' || *f == '\n')
			f++;
		else if (strncmp(f, "\xe3\x80\x80", 3) == 0)	/* U+3000 */
			f += 3;
		else if (strncmp(f, "\xc2\xa0", 2) == 0)		/* U+00A0 */
			f += 2;
		else
			break;
	}
	return formula_sign(f) > 0;
}

/*
 * Appends one field. NULL is written as the empty field. Quotes it when
 * it holds a comma, quote, CR or LF, starts or ends with a space (which
 * other readers trim), or is an empty first field (alone on its row it
 * would be a blank line, which readers skip). A field that could start a
 * formula is prefixed with '. Text that is not UTF-8 is refused
 * (XA_EUTF8), since the file promises UTF-8. On any failure b is left as
 * it was, so a caller never emits half a field.
 */
xa_err
csv_put(buf *b, const char *field, int first)
{
	const char *f = field != NULL ? field : "";
	size_t n = strlen(f), old = b->len;
	bool quote, prefix;
	xa_err e = XA_OK;

	if (!utf8_valid(f, n)) {
		e = XA_EUTF8;
		goto done;
	}
	prefix = n > 0 && formula_like(f);
	quote = strpbrk(f, ",\"\r\n") != NULL ||
	    (n > 0 && (f[0] == ' ' || f[n - 1] == ' ')) || (first && n == 0);
	if (!first && (e = buf_putc(b, ',')) != XA_OK)
		goto done;
	if (quote && (e = buf_putc(b, '"')) != XA_OK)
		goto done;
	if (prefix && (e = buf_putc(b, '\'')) != XA_OK)
		goto done;
	if (!quote) {
		e = buf_append(b, f, n);
		goto done;
	}
	for (const char *p = f;;) {
		const char *q = strchr(p, '"');
		if (q == NULL) {
			e = buf_puts(b, p);
			break;
		}
		/* Up to and including the quote, then the quote again. */
		e = buf_append(b, p, (size_t)(q - p) + 1);
		if (e == XA_OK)
			e = buf_putc(b, '"');
		if (e != XA_OK)
			break;
		p = q + 1;
	}
	if (e == XA_OK)
		e = buf_putc(b, '"');
done:
	if (e != XA_OK && b->len != old) {
		b->len = old;
		b->data[old] = '\0';
	}
	return e;
}

/* Ends the row with CRLF, as RFC 4180 and Excel write it. */
xa_err
csv_end_row(buf *b)
{
	return buf_append(b, "\r\n", 2);
}
