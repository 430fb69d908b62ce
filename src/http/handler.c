/* handler.c: the one helper of handler.h too long to be inline.
 *
 * Like the rest of handler.h it only formats into the request's arena:
 * it must never block, touch the database or decide anything. */
#include "handler.h"

#include "../core/calendar.h"

/* See handler.h. */
const char *
when_text(const req *r, int64_t t)
{
	char out[17];
	if (t <= 0)
		return "";
	time_format(t, zone_of(r), ' ', out);
	const char *s = arena_strdup(r->a, out);
	return s != NULL ? s : "";
}
