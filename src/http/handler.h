/* handler.h: the small helpers that request handlers in every domain
 * folder share: whether the route answers JSON, the time now, a JSON
 * string that tolerates NULL, the bureau's zone, a catalog sentence with
 * its {NAME}s filled, a number as text, and an instant as text.
 *
 * All but when_text (handler.c) are static inline, so that a file that
 * includes this header has its own copy just as when it wrote one
 * itself. They allocate only from the request's arena; they must never
 * block, touch the database, write anything or grow policy or a second
 * meaning: a handler that needs another format or fallback keeps its own
 * helper and does not include this header. */
#ifndef XA_HANDLER_H
#define XA_HANDLER_H

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <time.h>

#include "../core/arena.h"
#include "../core/config.h"
#include "../core/i18n.h"
#include "router.h"
#include "server.h"

/* Non-zero when the request's route answers JSON (R_API). */
static inline int
is_api(const req *r)
{
	return r->route != NULL && (r->route->flags & R_API) != 0;
}

/* The time now, in seconds since the epoch (UTC). */
static inline int64_t
now_s(void)
{
	return (int64_t)time(NULL);
}

/* A JSON string of s, "" for NULL; NULL only when s is not valid UTF-8
 * or memory ran out. */
static inline json_t *
jstr(const char *s)
{
	return json_string(s != NULL ? s : "");
}

/* The bureau's zone offset in seconds east of UTC (checked when the
 * server started). */
static inline long
zone_of(const req *r)
{
	return config_zone(server_config(r->srv));
}

/* The catalog text of key in the caller's language with each {NAME} in
 * it replaced: the variable arguments are pairs of NAME and value, ending
 * with NULL. Numbers and names go into sentences this way, so that each
 * language puts them where its grammar wants them. Into the arena. */
static inline const char *
tr(const req *r, const char *key, ...)
{
	va_list ap;
	va_start(ap, key);
	const char *s = i18n_vfill(r->a, r->lang, key, ap);
	va_end(ap);
	return s;
}

/* n as decimal text in the arena (for tr()); "" when the arena is full. */
static inline const char *
num(const req *r, long long n)
{
	const char *s = arena_printf(r->a, "%lld", n);
	return s != NULL ? s : "";
}

/* "2026-11-29 10:30" of the instant t in the bureau's zone, in the
 * arena; "" for 0 (or less) and when the arena is full. In handler.c. */
const char *when_text(const req *r, int64_t t);

#endif
