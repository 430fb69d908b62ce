/* arena.c: chunked bump allocator behind arena.h.
 *
 * Must never abort on a failed allocation: callers turn NULL into a 500 or
 * an XA_ENOMEM. */
#include "arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16

struct chunk {
	struct chunk *next;
	size_t size, used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena {
	struct chunk *head;
	size_t chunk, cap, total;
};

arena *
arena_new(size_t chunk, size_t cap)
{
	arena *a = calloc(1, sizeof *a);
	if (a == NULL)
		return NULL;
	a->chunk = chunk < 256 ? 256 : chunk;
	a->cap = cap;
	return a;
}

void *
arena_alloc(arena *a, size_t n)
{
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (a->cap != 0 && (n > a->cap || a->total > a->cap - n))
		return NULL;
	struct chunk *c = a->head;
	if (c == NULL || c->size - c->used < n) {
		size_t size = n > a->chunk ? n : a->chunk;
		if (size > SIZE_MAX - sizeof *c)
			return NULL;
		c = malloc(sizeof *c + size);
		if (c == NULL)
			return NULL;
		c->size = size;
		c->used = 0;
		/* Keep the fuller chunk at the head only if the new one is
		 * a one-off large block; otherwise the new chunk becomes head. */
		if (a->head != NULL && n > a->chunk) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	void *p = c->data + c->used;
	c->used += n;
	a->total += n;
	return p;
}

void *
arena_calloc(arena *a, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	void *p = arena_alloc(a, n * size);
	if (p != NULL)
		memset(p, 0, n * size);
	return p;
}

char *
arena_strndup(arena *a, const char *s, size_t n)
{
	if (n == SIZE_MAX)
		return NULL;
	char *p = arena_alloc(a, n + 1);
	if (p == NULL)
		return NULL;
	if (n != 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_vprintf(arena *a, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return NULL;
	char *p = arena_alloc(a, (size_t)n + 1);
	if (p == NULL)
		return NULL;
	if (vsnprintf(p, (size_t)n + 1, fmt, ap) != n)
		return NULL;
	return p;
}

char *
arena_printf(arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

size_t
arena_used(const arena *a)
{
	return a->total;
}

void
arena_free(arena *a)
{
	if (a == NULL)
		return;
	struct chunk *c = a->head;
	while (c != NULL) {
		struct chunk *next = c->next;
		free(c);
		c = next;
	}
	free(a);
}
