/* buf.h: a growable byte buffer with a hard cap set at creation.
 *
 * Appending past the cap fails with XA_ETOOBIG and leaves the buffer as it
 * was, so oversized output or input fails cleanly. data is always
 * NUL-terminated once anything was appended. The buffer owns data. */
#ifndef XA_BUF_H
#define XA_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "err.h"

typedef struct buf {
	char *data;
	size_t len, cap, max;
} buf;

/* An empty buffer that will never hold more than max bytes. */
void buf_init(buf *b, size_t max);
xa_err buf_append(buf *b, const void *p, size_t n);
xa_err buf_puts(buf *b, const char *s);
xa_err buf_putc(buf *b, char c);
xa_err buf_printf(buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Forget the contents, keep the memory. */
void buf_reset(buf *b);
/* Hands data to the caller (who must free() it) and empties b. */
char *buf_steal(buf *b, size_t *len);
void buf_free(buf *b);

#endif
