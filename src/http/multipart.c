/* multipart.c: the multipart/form-data parser (RFC 7578, RFC 2046 framing,
 * RFC 5987 filename*).
 *
 * Strict on framing: delimiters are CRLF "--" boundary, part headers end
 * with CRLF, a body without its close delimiter is malformed. Field values
 * come out as NUL-terminated UTF-8 in the arena; file contents are copied
 * into the arena as bytes, so nothing in the result points into the
 * caller's body. It must never read past body[n-1], never trust a length
 * or a name the client sent, and never leave a half-filled result: on any
 * error *out is empty. */
#include "form.h"

#include <stdbool.h>
#include <string.h>

#include "../core/utf8.h"

/* Part headers are short (Content-Disposition, Content-Type); these caps
 * keep a hostile part from making us scan or store much. */
#define MP_MAX_HEADER_BYTES 4096
#define MP_MAX_HEADER_LINES 8
/* RFC 2046: a boundary is 1 to 70 characters. */
#define MP_MAX_BOUNDARY 70

struct span {
	const char *p;
	size_t n;
};

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive (ASCII) equality of s[0..n) with lowercase literal. */
static bool
ieq(const char *s, size_t n, const char *lit)
{
	size_t i = 0;

	for (; i < n && lit[i] != '\0'; i++)
		if (lower(s[i]) != lit[i])
			return false;
	return i == n && lit[i] == '\0';
}

/* The value of hex digit c, or -1. */
static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* True for the characters RFC 7230 allows in a token. */
static bool
is_tchar(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/*
 * Reads the next "; name=value" parameter of a header value from *pos,
 * which must not pass end. value is a token or a quoted-string (its
 * backslash escapes undone) copied into the arena. *got is false when the
 * value holds no more parameters; a trailing ';' is tolerated.
 */
static xa_err
next_param(arena *a, const char **pos, const char *end, struct span *name,
    struct span *value, bool *got)
{
	const char *p = *pos;
	xa_err e = XA_OK;

	*got = false;
	while (p < end && is_ows(*p))
		p++;
	if (p == end)
		goto done;
	if (*p != ';') {
		e = XA_EINVAL;
		goto done;
	}
	p++;
	while (p < end && is_ows(*p))
		p++;
	if (p == end)
		goto done;
	name->p = p;
	while (p < end && is_tchar(*p))
		p++;
	name->n = (size_t)(p - name->p);
	while (p < end && is_ows(*p))
		p++;
	if (name->n == 0 || p == end || *p != '=') {
		e = XA_EINVAL;
		goto done;
	}
	p++;
	while (p < end && is_ows(*p))
		p++;
	if (p < end && *p == '"') {
		const char *q = ++p;
		size_t len = 0;
		while (q < end && *q != '"') {
			if (*q == '\\' && ++q == end)
				break;
			q++;
			len++;
		}
		if (q >= end) {
			e = XA_EINVAL;
			goto done;
		}
		char *d = arena_alloc(a, len + 1);
		if (d == NULL) {
			e = XA_ENOMEM;
			goto done;
		}
		size_t k = 0;
		while (p < q) {
			if (*p == '\\')
				p++;
			d[k++] = *p++;
		}
		d[k] = '\0';
		value->p = d;
		value->n = k;
		p = q + 1;
	} else {
		value->p = p;
		while (p < end && *p != ';' && !is_ows(*p))
			p++;
		value->n = (size_t)(p - value->p);
		if (value->n == 0) {
			e = XA_EINVAL;
			goto done;
		}
	}
	*got = true;
	*pos = p;
done:
	return e;
}

/* True for the characters RFC 2046 allows in a boundary. */
static bool
is_bchar(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("'()+_,-./:=? ", c) != NULL;
}

/*
 * Checks that content_type is multipart/form-data and takes its boundary
 * parameter (token or quoted-string, 1..70 bchars, not ending in a space).
 */
static xa_err
parse_boundary(arena *a, const char *content_type, struct span *bnd)
{
	const char *p, *end, *t;
	struct span name, value;
	bool got, have = false;
	xa_err e = XA_OK;

	if (content_type == NULL) {
		e = XA_EINVAL;
		goto done;
	}
	p = content_type;
	end = p + strlen(p);
	while (p < end && is_ows(*p))
		p++;
	t = p;
	while (p < end && *p != ';' && !is_ows(*p))
		p++;
	if (!ieq(t, (size_t)(p - t), "multipart/form-data")) {
		e = XA_EINVAL;
		goto done;
	}
	for (;;) {
		e = next_param(a, &p, end, &name, &value, &got);
		if (e != XA_OK || !got)
			break;
		if (!ieq(name.p, name.n, "boundary"))
			continue;
		if (have) {
			e = XA_EINVAL;
			goto done;
		}
		have = true;
		*bnd = value;
	}
	if (e != XA_OK)
		goto done;
	if (!have || bnd->n == 0 || bnd->n > MP_MAX_BOUNDARY ||
	    bnd->p[bnd->n - 1] == ' ') {
		e = XA_EINVAL;
		goto done;
	}
	for (size_t i = 0; i < bnd->n; i++)
		if (!is_bchar(bnd->p[i])) {
			e = XA_EINVAL;
			goto done;
		}
done:
	return e;
}

/*
 * Decodes an RFC 5987 ext-value (charset'language'pct-encoded) into a
 * NUL-terminated arena string. Only UTF-8 is accepted as charset: it is
 * what every browser and client sends, and converting others is not worth
 * the code.
 */
static xa_err
decode_ext_value(arena *a, struct span v, char **out, size_t *outlen)
{
	const char *q1, *q2, *p, *end = v.p + v.n;
	char *d;
	size_t k = 0;
	xa_err e = XA_OK;

	q1 = memchr(v.p, '\'', v.n);
	if (q1 == NULL || !ieq(v.p, (size_t)(q1 - v.p), "utf-8")) {
		e = XA_EINVAL;
		goto done;
	}
	q2 = memchr(q1 + 1, '\'', (size_t)(end - (q1 + 1)));
	if (q2 == NULL) {
		e = XA_EINVAL;
		goto done;
	}
	p = q2 + 1;
	d = arena_alloc(a, (size_t)(end - p) + 1);
	if (d == NULL) {
		e = XA_ENOMEM;
		goto done;
	}
	while (p < end) {
		unsigned char c = (unsigned char)*p++;
		if (c == '%') {
			if (end - p < 2 || hexval((unsigned char)p[0]) < 0 ||
			    hexval((unsigned char)p[1]) < 0) {
				e = XA_EINVAL;
				goto done;
			}
			c = (unsigned char)(hexval((unsigned char)p[0]) * 16 +
			    hexval((unsigned char)p[1]));
			p += 2;
		}
		d[k++] = (char)c;
	}
	d[k] = '\0';
	*out = d;
	*outlen = k;
done:
	return e;
}

/* What the headers of one part said. */
struct part_info {
	const char *name;
	size_t name_len;
	char *filename;		/* NULL: no filename parameter, a field */
	size_t filename_len;
	struct span ctype;	/* n == 0: none sent */
};

/*
 * Parses a Content-Disposition value: "form-data" then parameters. name
 * is required; filename* (RFC 5987) wins over filename; any directory
 * part of the filename is dropped, and "." or ".." become "".
 */
static xa_err
parse_disposition(arena *a, struct span v, const form_limits *lim,
    struct part_info *pi)
{
	const char *p = v.p, *end = v.p + v.n, *t;
	struct span name, value, fname = { NULL, 0 }, fstar = { NULL, 0 };
	bool got, have_name = false, have_f = false, have_fstar = false;
	char *fn = NULL;
	size_t fnlen = 0;
	xa_err e = XA_OK;

	while (p < end && is_ows(*p))
		p++;
	t = p;
	while (p < end && *p != ';' && !is_ows(*p))
		p++;
	if (!ieq(t, (size_t)(p - t), "form-data")) {
		e = XA_EINVAL;
		goto done;
	}
	for (;;) {
		e = next_param(a, &p, end, &name, &value, &got);
		if (e != XA_OK)
			goto done;
		if (!got)
			break;
		bool *seen;
		if (ieq(name.p, name.n, "name"))
			seen = &have_name;
		else if (ieq(name.p, name.n, "filename"))
			seen = &have_f;
		else if (ieq(name.p, name.n, "filename*"))
			seen = &have_fstar;
		else
			continue;
		if (*seen) {
			e = XA_EINVAL;
			goto done;
		}
		*seen = true;
		if (seen == &have_name) {
			pi->name = value.p;
			pi->name_len = value.n;
		} else if (seen == &have_f)
			fname = value;
		else
			fstar = value;
	}
	if (!have_name || pi->name_len == 0) {
		e = XA_EINVAL;
		goto done;
	}
	if (pi->name_len > lim->max_name_len) {
		e = XA_ETOOBIG;
		goto done;
	}
	if (!utf8_valid(pi->name, pi->name_len)) {
		e = XA_EUTF8;
		goto done;
	}
	/* The name must be a C string the caller can compare: a quoted one
	 * was already copied; a token points into the body, so copy it. */
	pi->name = arena_strndup(a, pi->name, pi->name_len);
	if (pi->name == NULL) {
		e = XA_ENOMEM;
		goto done;
	}
	if (!have_f && !have_fstar)
		goto done;
	if (have_fstar) {
		e = decode_ext_value(a, fstar, &fn, &fnlen);
		if (e != XA_OK)
			goto done;
	} else {
		fn = arena_strndup(a, fname.p, fname.n);
		if (fn == NULL) {
			e = XA_ENOMEM;
			goto done;
		}
		fnlen = fname.n;
	}
	if (!utf8_valid(fn, fnlen)) {
		e = XA_EUTF8;
		goto done;
	}
	if (!utf8_no_controls(fn, fnlen, false) || memchr(fn, '\t', fnlen)) {
		e = XA_EINVAL;
		goto done;
	}
	for (size_t i = fnlen; i > 0; i--)
		if (fn[i - 1] == '/' || fn[i - 1] == '\\') {
			fn += i;
			fnlen -= i;
			break;
		}
	if (strcmp(fn, ".") == 0 || strcmp(fn, "..") == 0) {
		fn += fnlen;
		fnlen = 0;
	}
	pi->filename = fn;
	pi->filename_len = fnlen;
done:
	return e;
}

/*
 * Reads the headers of the part body[pos..pe): lines ending in CRLF up to
 * an empty line (or up to pe: a part may have no content at all). Sets
 * *data_at to where the content starts. Only Content-Disposition and
 * Content-Type are read; each may occur once; other headers are skipped.
 */
static xa_err
parse_part_headers(arena *a, const char *body, size_t pos, size_t pe,
    const form_limits *lim, struct part_info *pi, size_t *data_at)
{
	struct span cd = { NULL, 0 };
	size_t bytes = 0, lines = 0;
	xa_err e = XA_OK;

	for (;;) {
		if (pos == pe) {
			*data_at = pe;
			break;
		}
		const char *eol = memmem(body + pos, pe - pos, "\r\n", 2);
		if (eol == NULL) {
			e = XA_EINVAL;
			goto done;
		}
		size_t len = (size_t)(eol - (body + pos));
		if (len == 0) {
			*data_at = pos + 2;
			break;
		}
		bytes += len + 2;
		if (bytes > MP_MAX_HEADER_BYTES) {
			e = XA_ETOOBIG;
			goto done;
		}
		if (++lines > MP_MAX_HEADER_LINES) {
			e = XA_ETOOMANY;
			goto done;
		}
		const char *line = body + pos, *lend = eol, *p = line;
		for (const char *c = line; c < lend; c++)
			if (((unsigned char)*c < 0x20 && *c != '\t') ||
			    *c == 0x7F) {
				e = XA_EINVAL;
				goto done;
			}
		while (p < lend && is_tchar(*p))
			p++;
		if (p == line || p == lend || *p != ':') {
			/* No name, a folded line or a space before ':'. */
			e = XA_EINVAL;
			goto done;
		}
		struct span hname = { line, (size_t)(p - line) };
		p++;
		while (p < lend && is_ows(*p))
			p++;
		while (lend > p && is_ows(lend[-1]))
			lend--;
		struct span hval = { p, (size_t)(lend - p) };
		if (ieq(hname.p, hname.n, "content-disposition")) {
			if (cd.p != NULL) {
				e = XA_EINVAL;
				goto done;
			}
			cd = hval;
		} else if (ieq(hname.p, hname.n, "content-type")) {
			if (pi->ctype.p != NULL) {
				e = XA_EINVAL;
				goto done;
			}
			pi->ctype = hval;
		}
		pos = (size_t)(eol - body) + 2;
	}
	if (cd.p == NULL) {
		e = XA_EINVAL;
		goto done;
	}
	e = parse_disposition(a, cd, lim, pi);
done:
	return e;
}

/*
 * Stores one parsed part with content body[ds..de) as a field or a file.
 * A file part with neither a filename nor content is a file input left
 * empty and is dropped.
 */
static xa_err
store_part(arena *a, const char *body, size_t ds, size_t de,
    const form_limits *lim, const struct part_info *pi, multipart *out)
{
	size_t len = de - ds;
	xa_err e = XA_OK;

	if (pi->filename == NULL) {
		if (out->fields.n >= lim->max_fields) {
			e = XA_ETOOMANY;
			goto done;
		}
		if (len > lim->max_value_len) {
			e = XA_ETOOBIG;
			goto done;
		}
		if (!utf8_valid(body + ds, len)) {
			e = XA_EUTF8;
			goto done;
		}
		if (memchr(body + ds, '\0', len) != NULL) {
			e = XA_EINVAL;
			goto done;
		}
		char *v = arena_strndup(a, body + ds, len);
		if (v == NULL) {
			e = XA_ENOMEM;
			goto done;
		}
		param *f = &out->fields.items[out->fields.n++];
		f->name = pi->name;
		f->value = v;
		f->value_len = len;
		goto done;
	}
	if (len > lim->max_upload) {
		e = XA_ETOOBIG;
		goto done;
	}
	if (pi->filename_len == 0 && len == 0)
		goto done;
	const char *ct = "application/octet-stream";
	if (pi->ctype.n > 0) {
		if (!utf8_valid(pi->ctype.p, pi->ctype.n)) {
			e = XA_EUTF8;
			goto done;
		}
		ct = arena_strndup(a, pi->ctype.p, pi->ctype.n);
		if (ct == NULL) {
			e = XA_ENOMEM;
			goto done;
		}
	}
	unsigned char *data = arena_alloc(a, len);
	if (data == NULL) {
		e = XA_ENOMEM;
		goto done;
	}
	if (len > 0)
		memcpy(data, body + ds, len);
	upload *u = &out->files[out->nfiles++];
	u->field = pi->name;
	u->filename = pi->filename;
	u->content_type = ct;
	u->data = data;
	u->len = len;
done:
	return e;
}

/*
 * The parser proper: finds the first delimiter (at the very start or after
 * a preamble), then reads part after part until the close delimiter.
 * Arrays are sized from a count of delimiters (at most max_parts), so a
 * body cannot make us allocate more than its caps allow.
 */
xa_err
form_parse_multipart(arena *a, const char *content_type, const char *body,
    size_t n, const form_limits *lim, multipart *out)
{
	struct span bnd = { NULL, 0 };
	char *delim;
	size_t dlen, pos, slots = 0, nparts = 0;
	const char *q;
	xa_err e;

	memset(out, 0, sizeof *out);
	e = parse_boundary(a, content_type, &bnd);
	if (e != XA_OK)
		goto fail;
	delim = arena_printf(a, "\r\n--%.*s", (int)bnd.n, bnd.p);
	if (delim == NULL) {
		e = XA_ENOMEM;
		goto fail;
	}
	dlen = bnd.n + 4;
	if (n >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
		pos = dlen - 2;
	else {
		q = n > 0 ? memmem(body, n, delim, dlen) : NULL;
		if (q == NULL) {
			e = XA_EINVAL;
			goto fail;
		}
		pos = (size_t)(q - body) + dlen;
	}
	for (size_t p = pos; slots < lim->max_parts && p < n; slots++) {
		q = memmem(body + p, n - p, delim, dlen);
		if (q == NULL)
			break;
		p = (size_t)(q - body) + dlen;
	}
	if (slots > 0) {
		out->fields.items = arena_calloc(a, slots, sizeof(param));
		out->files = arena_calloc(a, slots, sizeof(upload));
		if (out->fields.items == NULL || out->files == NULL) {
			e = XA_ENOMEM;
			goto fail;
		}
	}
	for (;;) {
		struct part_info pi;
		size_t pe, ds;

		if (n - pos >= 2 && body[pos] == '-' && body[pos + 1] == '-')
			break;
		while (pos < n && is_ows(body[pos]))
			pos++;
		if (n - pos < 2 || body[pos] != '\r' || body[pos + 1] != '\n') {
			e = XA_EINVAL;
			goto fail;
		}
		pos += 2;
		q = memmem(body + pos, n - pos, delim, dlen);
		if (q == NULL) {
			/* No close delimiter: a truncated body. */
			e = XA_EINVAL;
			goto fail;
		}
		pe = (size_t)(q - body);
		if (++nparts > lim->max_parts) {
			e = XA_ETOOMANY;
			goto fail;
		}
		memset(&pi, 0, sizeof pi);
		e = parse_part_headers(a, body, pos, pe, lim, &pi, &ds);
		if (e != XA_OK)
			goto fail;
		e = store_part(a, body, ds, pe, lim, &pi, out);
		if (e != XA_OK)
			goto fail;
		pos = pe + dlen;
	}
	return XA_OK;
fail:
	memset(out, 0, sizeof *out);
	return e;
}
