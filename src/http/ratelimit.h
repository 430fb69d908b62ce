/* ratelimit.h: fixed-window counters per key (a client address), in
 * memory, shared by every loop.
 *
 * Keys are kept only for their window (a few minutes) and the table has
 * a hard size, so the addresses of people who used a public form are not
 * kept longer than the limit needs. Thread-safe. */
#ifndef XA_RATELIMIT_H
#define XA_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ratelimit ratelimit;

/* At most `limit` hits per key in each window of `window` seconds. */
ratelimit *ratelimit_new(long limit, long window);
void ratelimit_free(ratelimit *rl);
/* Counts a hit for key at time now; false when over the limit. */
bool ratelimit_hit(ratelimit *rl, const char *key, int64_t now);
/* Changes the limit (a setting may change while serving). */
void ratelimit_set_limit(ratelimit *rl, long limit);

#endif
