/* csv.h: CSV in and out, as Chinese offices exchange it.
 *
 * Reading: RFC 4180 (quoted fields, doubled quotes, CRLF or LF, newlines
 * inside quotes), from UTF-8 with or without a BOM or from GB18030 (what
 * Chinese Excel writes by default), detected per file. Writing: UTF-8
 * with a BOM (so Excel opens it correctly), quoting as needed, and formula
 * injection neutralised: a field starting with TAB or CR, or whose first
 * character after any spaces is = + - @ or their full-width forms
 * ＝ ＋ － ＠, is prefixed with ' so a spreadsheet shows it as text.
 * Everything is allocated from the caller's arena; nothing is written
 * anywhere. */
#ifndef XA_CSV_H
#define XA_CSV_H

#include <stddef.h>

#include "arena.h"
#include "buf.h"
#include "err.h"

typedef struct csv_limits {
	size_t max_rows;	/* default 100000 */
	size_t max_fields;	/* per row, default 64 */
	size_t max_field_len;	/* bytes, default 4096 */
} csv_limits;

void csv_limits_default(csv_limits *lim);

typedef struct csv_row {
	const char **fields;	/* NUL-terminated UTF-8, surrounding quotes removed */
	size_t n;
	size_t line;		/* 1-based line where the row starts */
} csv_row;

typedef struct csv_table {
	csv_row *rows;
	size_t n;
	const char *encoding;	/* "UTF-8" or "GB18030": what the input was */
} csv_table;

/* Parses data[0..n). Empty lines are skipped. On failure *err_line (may
 * be NULL) is the line of the problem (0 when none applies, as for
 * XA_ENOMEM; 0 on success). Errors: XA_EUTF8 (neither valid UTF-8 nor
 * GB18030; after a UTF-8 BOM, not valid UTF-8), XA_EINVAL (an
 * unterminated quote, a stray quote in an unquoted field, text after a
 * closing quote, a NUL byte), XA_ETOOMANY (rows or fields over the cap),
 * XA_ETOOBIG (a field over its cap), XA_ECONFIG (the C library has no
 * GB18030 converter), XA_ENOMEM. On failure *out is empty. */
xa_err csv_parse(arena *a, const char *data, size_t n, const csv_limits *lim,
    csv_table *out, size_t *err_line);

/* Converts GB18030 bytes to NUL-terminated UTF-8 (iconv). XA_EUTF8 if in
 * is not valid GB18030, XA_ECONFIG without a GB18030 converter. */
xa_err csv_gb18030_to_utf8(arena *a, const char *in, size_t n, char **out,
    size_t *outlen);

/* Appends the UTF-8 BOM; call once at the start of a file. */
xa_err csv_put_bom(buf *b);
/* Appends one field (with a comma before it unless first), quoted when
 * it holds a comma, quote, CR or LF, starts or ends with a space, or is
 * an empty first field, and with formula injection neutralised. NULL is
 * the empty field. Errors: XA_EUTF8 (field is not UTF-8), XA_ETOOBIG (over
 * b's cap), XA_ENOMEM; on failure b is unchanged. */
xa_err csv_put(buf *b, const char *field, int first);
/* Ends the row with CRLF. */
xa_err csv_end_row(buf *b);

#endif
