/* arena.h: a per-request memory arena.
 *
 * Everything a request allocates comes from its arena and dies with it in
 * one arena_free(). Allocation failure returns NULL and never aborts; the
 * optional cap makes a runaway request fail cleanly instead of eating the
 * machine. An arena is used by one thread at a time. */
#ifndef XA_ARENA_H
#define XA_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct arena arena;

/* A new arena whose chunks are at least chunk bytes; cap limits the total
 * bytes it will hand out (0: no cap). NULL when out of memory. */
arena *arena_new(size_t chunk, size_t cap);

/* n bytes aligned for any type, or NULL (out of memory or over the cap). */
void *arena_alloc(arena *a, size_t n);
/* n*size zeroed bytes, or NULL (also on overflow of n*size). */
void *arena_calloc(arena *a, size_t n, size_t size);
/* A NUL-terminated copy of the first n bytes of s, or NULL. */
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
/* A formatted string, or NULL. */
char *arena_printf(arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *arena_vprintf(arena *a, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Bytes handed out so far. */
size_t arena_used(const arena *a);
/* Frees every allocation and the arena itself; NULL is a no-op. */
void arena_free(arena *a);

#endif
