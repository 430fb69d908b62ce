/* form.c: the limits every body parser takes, the urlencoded parser (query
 * strings and application/x-www-form-urlencoded bodies) and the lookups on
 * its result.
 *
 * It must never read past s[n-1] (the input is not NUL-terminated), never
 * allocate outside the request's arena, and never hand back a half-filled
 * params: on any error *out is empty. */
#include "form.h"

#include <string.h>

#include "../core/utf8.h"

/* The defaults form.h documents. */
void
form_limits_default(form_limits *lim)
{
	lim->max_fields = 200;
	lim->max_name_len = 64;
	lim->max_value_len = 64 * 1024;
	lim->max_parts = 32;
	lim->max_upload = 10 * 1024 * 1024;
	lim->max_json_depth = 16;
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

/*
 * Decodes s[0..n) ('+' is a space, %XX a byte) into a new NUL-terminated
 * arena string of at most max bytes. The decoded text must be valid UTF-8
 * and hold no NUL (a NUL would let "a%00b" pass for "a" in every C string
 * comparison). Assumes s is readable for n bytes.
 */
static xa_err
decode(arena *a, const char *s, size_t n, size_t max, char **out,
    size_t *outlen)
{
	const unsigned char *u = (const unsigned char *)s;
	char *d = NULL;
	size_t len = 0;
	xa_err e = XA_OK;

	/* The decoded text is never longer than the encoded one, so one
	 * allocation of n + 1 bytes always suffices. */
	d = arena_alloc(a, n + 1);
	if (d == NULL) {
		e = XA_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = u[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (n - i < 3) {
				e = XA_EINVAL;
				goto done;
			}
			int hi = hexval(u[i + 1]), lo = hexval(u[i + 2]);
			if (hi < 0 || lo < 0) {
				e = XA_EINVAL;
				goto done;
			}
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		}
		if (c == '\0') {
			e = XA_EINVAL;
			goto done;
		}
		if (len == max) {
			e = XA_ETOOBIG;
			goto done;
		}
		d[len++] = (char)c;
	}
	d[len] = '\0';
	if (!utf8_valid(d, len)) {
		e = XA_EUTF8;
		goto done;
	}
	*out = d;
	*outlen = len;
done:
	return e;
}

/*
 * Splits s on '&' into name=value pairs. Empty segments ("a&&b", a
 * trailing '&') are skipped and do not count; a segment without '=' has
 * the empty value; a segment with an empty name is counted against
 * max_fields and then dropped, since no declared field can match it.
 * Assumes s is readable for n bytes (s may be NULL when n is 0).
 */
xa_err
form_parse_urlencoded(arena *a, const char *s, size_t n,
    const form_limits *lim, params *out)
{
	param *items = NULL;
	size_t count = 0, k = 0, i = 0;
	xa_err e = XA_OK;

	out->items = NULL;
	out->n = 0;
	/* First pass: count non-empty segments, so the array is sized once
	 * and a flood of fields fails before any decoding. */
	while (i < n) {
		const char *amp = memchr(s + i, '&', n - i);
		size_t end = amp != NULL ? (size_t)(amp - s) : n;
		if (end > i && ++count > lim->max_fields) {
			e = XA_ETOOMANY;
			goto done;
		}
		i = end + 1;
	}
	if (count == 0)
		goto done;
	items = arena_calloc(a, count, sizeof *items);
	if (items == NULL) {
		e = XA_ENOMEM;
		goto done;
	}
	i = 0;
	while (i < n) {
		const char *amp = memchr(s + i, '&', n - i);
		size_t end = amp != NULL ? (size_t)(amp - s) : n;
		if (end > i) {
			const char *seg = s + i;
			size_t seglen = end - i;
			const char *eq = memchr(seg, '=', seglen);
			size_t nlen = eq != NULL ? (size_t)(eq - seg) : seglen;
			const char *v = eq != NULL ? eq + 1 : seg + seglen;
			size_t vlen = seglen - nlen - (eq != NULL ? 1 : 0);
			char *name, *value;
			size_t dnlen, dvlen;

			e = decode(a, seg, nlen, lim->max_name_len, &name,
			    &dnlen);
			if (e != XA_OK)
				goto done;
			e = decode(a, v, vlen, lim->max_value_len, &value,
			    &dvlen);
			if (e != XA_OK)
				goto done;
			if (dnlen > 0) {
				items[k].name = name;
				items[k].value = value;
				items[k].value_len = dvlen;
				k++;
			}
		}
		i = end + 1;
	}
	out->items = items;
	out->n = k;
done:
	return e;
}

/* The first value of name, or NULL. Linear: a params holds at most
 * max_fields items. */
const char *
params_get(const params *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->items[i].name, name) == 0)
			return p->items[i].value;
	return NULL;
}

/* How many items are called name. */
size_t
params_count(const params *p, const char *name)
{
	size_t c = 0;

	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->items[i].name, name) == 0)
			c++;
	return c;
}
