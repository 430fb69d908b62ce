/* utf8.h: strict UTF-8 validation (RFC 3629).
 *
 * Rejects overlong forms, surrogates, code points above U+10FFFF and
 * truncated sequences. Every piece of text from outside passes here. */
#ifndef XA_UTF8_H
#define XA_UTF8_H

#include <stdbool.h>
#include <stddef.h>

bool utf8_valid(const char *s, size_t n);
/* Number of code points in valid UTF-8 s (the length users count). */
size_t utf8_count(const char *s, size_t n);
/* True when s has no control characters other than \t, \n, \r. */
bool utf8_no_controls(const char *s, size_t n, bool allow_newlines);

/* Copies UTF-8 text src into dst (cap bytes). True when it fits whole;
 * else false, and dst holds the longest prefix that ends between two
 * characters, so a cut never leaves half a character behind. */
bool utf8_copy(char *dst, size_t cap, const char *src);

/* A code as a person typed it (a receipt or a survey slip): letters to
 * upper case, dashes and spaces dropped, full-width forms (a Chinese
 * keyboard's) and ideographic dashes and spaces taken as ASCII. True when
 * the result is exactly want symbols of alphabet (upper case and digits),
 * written to out (want + 1 bytes); false for anything else. */
bool utf8_code_normalise(const char *typed, const char *alphabet, size_t want, char *out);

#endif
