/* buf.c: growable capped buffers. Never writes past cap or max. */
#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
buf_init(buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

static xa_err
buf_reserve(buf *b, size_t extra)
{
	/* len + extra + 1 (the NUL) must fit both max and size_t. */
	if (extra > b->max || b->len > b->max - extra ||
	    b->len + extra == SIZE_MAX)
		return XA_ETOOBIG;
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return XA_OK;
	size_t limit = b->max == SIZE_MAX ? SIZE_MAX : b->max + 1;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > limit)
		cap = limit;
	char *p = realloc(b->data, cap);
	if (p == NULL)
		return XA_ENOMEM;
	b->data = p;
	b->cap = cap;
	return XA_OK;
}

xa_err
buf_append(buf *b, const void *p, size_t n)
{
	xa_err e = buf_reserve(b, n);
	if (e != XA_OK)
		return e;
	if (n != 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return XA_OK;
}

xa_err
buf_puts(buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

xa_err
buf_putc(buf *b, char c)
{
	return buf_append(b, &c, 1);
}

xa_err
buf_printf(buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return XA_EINVAL;
	xa_err e = buf_reserve(b, (size_t)n);
	if (e != XA_OK)
		return e;
	va_start(ap, fmt);
	int m = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	if (m != n)
		return XA_EINVAL;
	b->len += (size_t)n;
	return XA_OK;
}

void
buf_reset(buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

char *
buf_steal(buf *b, size_t *len)
{
	char *p = b->data;
	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void
buf_free(buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
