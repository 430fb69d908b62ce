/* jsonbody.c: the JSON body parser, jansson behind a scan of our own.
 *
 * The scan runs first, without recursion and in one pass: it bounds the
 * nesting (jansson's own limit is 2048 levels of C recursion), and checks
 * that the text is UTF-8 and that no string holds a NUL or half of a
 * surrogate pair, so those come back as XA_EUTF8 and not as a vague
 * syntax error. Everything else about the grammar is jansson's to judge.
 * It must never read past body[n-1] and never return a value on error. */
#include "form.h"

#include <stdbool.h>

#include "../core/utf8.h"

/* The value of the four hex digits at s, or -1. */
static long
hex4(const unsigned char *s)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned char c = s[i];
		int d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/*
 * Checks the \u escape whose 'u' is at u[*i]: a complete escape, not
 * U+0000, and a surrogate only as a high-low pair. Advances *i to the last
 * byte consumed. A malformed escape (bad hex, cut short) is left for
 * jansson to call a syntax error.
 */
static xa_err
check_u_escape(const unsigned char *u, size_t n, size_t *i)
{
	size_t k = *i;
	long cp;

	if (n - k < 5 || (cp = hex4(u + k + 1)) < 0)
		return XA_OK;
	k += 4;
	if (cp == 0)
		return XA_EUTF8;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return XA_EUTF8;
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		long lo;
		if (n - k < 7 || u[k + 1] != '\\' || u[k + 2] != 'u' ||
		    (lo = hex4(u + k + 3)) < 0 || lo < 0xDC00 || lo > 0xDFFF)
			return XA_EUTF8;
		k += 6;
	}
	*i = k;
	return XA_OK;
}

/*
 * The pre-scan: tracks whether we are inside a string, and the depth of
 * [ and { outside strings. Assumes body is valid UTF-8 already, so any
 * byte >= 0x80 belongs to a well-formed sequence.
 */
static xa_err
prescan(const unsigned char *u, size_t n, size_t max_depth)
{
	size_t depth = 0;
	bool in_string = false;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = u[i];
		if (in_string) {
			if (c == '"')
				in_string = false;
			else if (c == '\0')
				return XA_EUTF8;
			else if (c == '\\') {
				if (i + 1 == n)
					return XA_OK;
				i++;
				if (u[i] == 'u') {
					xa_err e = check_u_escape(u, n, &i);
					if (e != XA_OK)
						return e;
				}
			}
			continue;
		}
		if (c == '"')
			in_string = true;
		else if (c == '[' || c == '{') {
			if (++depth > max_depth)
				return XA_EDEPTH;
		} else if ((c == ']' || c == '}') && depth > 0)
			depth--;
	}
	return XA_OK;
}

/*
 * Parses body[0..n) into *out (a new reference). Any JSON value is
 * accepted at the top; the caller checks its type. Duplicate keys in an
 * object are an error (two values for one field is ambiguity we refuse).
 */
xa_err
form_parse_json(const char *body, size_t n, const form_limits *lim,
    json_t **out)
{
	json_error_t jerr;
	json_t *v = NULL;
	xa_err e = XA_OK;

	*out = NULL;
	if (n == 0) {
		e = XA_EINVAL;
		goto done;
	}
	if (!utf8_valid(body, n)) {
		e = XA_EUTF8;
		goto done;
	}
	e = prescan((const unsigned char *)body, n, lim->max_json_depth);
	if (e != XA_OK)
		goto done;
	v = json_loadb(body, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &jerr);
	if (v == NULL) {
		switch (json_error_code(&jerr)) {
		case json_error_out_of_memory:
			e = XA_ENOMEM;
			break;
		case json_error_invalid_utf8:
		case json_error_null_character:
		case json_error_null_byte_in_key:
			e = XA_EUTF8;
			break;
		case json_error_stack_overflow:
			e = XA_EDEPTH;
			break;
		default:
			e = XA_EINVAL;
			break;
		}
		goto done;
	}
	*out = v;
done:
	return e;
}
