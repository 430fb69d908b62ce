/* utf8.c: strict UTF-8 checks (RFC 3629) for every piece of outside text.
 *
 * Accepts exactly the well-formed byte sequences of RFC 3629, table 3-7 of
 * the Unicode standard: no overlong forms, no surrogates (U+D800..DFFF),
 * nothing above U+10FFFF, no truncated sequence. It must never read past
 * s[n-1], never allocate and never depend on a NUL terminator: the length
 * is the only end. */
#include "utf8.h"

#include <string.h>

/*
 * The length of the well-formed sequence starting at s[i] (1..4), or 0 if
 * the bytes there are not one. Assumes i < n. The second-byte ranges are
 * what rule out overlongs (E0, F0), surrogates (ED) and code points above
 * U+10FFFF (F4); C0, C1 and F5..FF never start a sequence.
 */
static size_t
seq_len(const unsigned char *s, size_t i, size_t n)
{
	unsigned char c = s[i];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (n - i < len)
		return 0;
	if (s[i + 1] < lo || s[i + 1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++)
		if (s[i + k] < 0x80 || s[i + k] > 0xBF)
			return 0;
	return len;
}

/* True when s[0..n) is well-formed UTF-8; n == 0 is valid (s may then be
 * NULL). NUL bytes are valid UTF-8: callers that mind them check for
 * controls. */
bool
utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		/* A fast path for ASCII runs, the common case. */
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		size_t len = seq_len(u, i, n);
		if (len == 0)
			return false;
		i += len;
	}
	return true;
}

/* Counts code points by counting the bytes that start one. Assumes s is
 * valid UTF-8 (on invalid input the count is of non-continuation bytes,
 * which is still bounded by n). */
size_t
utf8_count(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		if ((u[i] & 0xC0) != 0x80)
			count++;
	return count;
}

/*
 * True when s holds no control character: C0 (U+0000..001F), DEL (U+007F)
 * and C1 (U+0080..009F, encoded C2 80..C2 9F). A tab is always allowed;
 * \n and \r only when allow_newlines. Works on bytes, so it is safe on
 * invalid UTF-8 too (a lone C2 at the end is not a control).
 */
bool
utf8_no_controls(const char *s, size_t n, bool allow_newlines)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = u[i];
		if (c == '\t')
			continue;
		if (c == '\n' || c == '\r') {
			if (!allow_newlines)
				return false;
			continue;
		}
		if (c < 0x20 || c == 0x7F)
			return false;
		if (c == 0xC2 && i + 1 < n && u[i + 1] >= 0x80 &&
		    u[i + 1] <= 0x9F)
			return false;
	}
	return true;
}

bool
utf8_code_normalise(const char *typed, const char *alphabet, size_t want, char *out)
{
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)(typed ? typed : "");
	out[0] = '\0';
	while (*p) {
		unsigned c = *p;
		size_t len = 1;
		/* The few non-ASCII characters accepted are three bytes. */
		if (c >= 0x80) {
			if ((c & 0xF0) != 0xE0 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
				return false;
			c = (c & 0x0F) << 12 | (unsigned)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
			len = 3;
			if (c >= 0xFF01 && c <= 0xFF5E)
				c -= 0xFEE0;		/* full-width ASCII */
			else if (c == 0x3000 || (c >= 0x2010 && c <= 0x2015))
				c = '-';		/* ideographic space, dashes */
			else
				return false;
		}
		p += len;
		if (c == '-' || c == ' ' || c == '\t')
			continue;
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (c == 0 || strchr(alphabet, (int)c) == NULL || n == want)
			return false;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return n == want;
}

bool
utf8_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (cap == 0)
		return false;
	if (n < cap) {
		memcpy(dst, src, n + 1);
		return true;
	}
	/* Back off continuation bytes (10xxxxxx) to the start of the
	 * character that would be cut, and end there. */
	n = cap - 1;
	while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
		n--;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return false;
}
