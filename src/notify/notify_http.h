/* notify_http.h: the inbox, acknowledgement links, the bureau's rules and
 * a case's ladder over HTTP (notify_http.c). */
#ifndef XA_NOTIFY_HTTP_H
#define XA_NOTIFY_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../auth/auth.h"
#include "../http/router.h"
#include "../store/db.h"

extern const route notify_routes[];
extern const size_t notify_routes_count;

/* Every notice about case case_id (its own, and those of the reports
 * joined into it), oldest first, with the ladder each climbed: who was
 * told at which rung, when, and who acknowledged. A new array (empty on
 * any failure); the caller has already decided that the reader may read
 * the case. Words in lang, times in zone (seconds east of UTC). */
json_t *notify_case_ladder(db *rdb, int64_t case_id, const char *lang, long zone);

/* How many items of account_id's inbox still wait for an
 * acknowledgement (neither the item nor its notice acknowledged); 0 on
 * any failure. For the menu. */
int64_t notify_unacked(db *rdb, int64_t account_id);

/* Whether p may change what notifies whom (A_NOTIFY_RULES on the bureau). */
bool notify_rules_allowed(const principal *p);

#endif
