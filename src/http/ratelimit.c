/* ratelimit.c: see ratelimit.h. An open hash of fixed size; an entry
 * whose window has passed is reused, so nothing outlives its window by
 * more than one window. When the table is full of live entries, new keys
 * are refused rather than old ones forgotten (fail closed). */
#include "ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 8192
#define PROBE 16

struct slot {
	char key[48];
	int64_t start;
	long count;
};

struct ratelimit {
	pthread_mutex_t mu;
	long limit, window;
	struct slot slots[SLOTS];
};

ratelimit *
ratelimit_new(long limit, long window)
{
	ratelimit *rl = calloc(1, sizeof *rl);
	if (rl == NULL)
		return NULL;
	pthread_mutex_init(&rl->mu, NULL);
	rl->limit = limit;
	rl->window = window;
	return rl;
}

void
ratelimit_free(ratelimit *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->mu);
	free(rl);
}

void
ratelimit_set_limit(ratelimit *rl, long limit)
{
	pthread_mutex_lock(&rl->mu);
	rl->limit = limit;
	pthread_mutex_unlock(&rl->mu);
}

bool
ratelimit_hit(ratelimit *rl, const char *key, int64_t now)
{
	unsigned h = 2166136261u;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	bool ok = false;
	pthread_mutex_lock(&rl->mu);
	struct slot *free_slot = NULL;
	for (unsigned i = 0; i < PROBE; i++) {
		struct slot *s = &rl->slots[(h + i) % SLOTS];
		int expired = s->key[0] == '\0' || now - s->start >= rl->window;
		if (s->key[0] != '\0' && strncmp(s->key, key, sizeof s->key - 1) == 0) {
			if (expired) {
				s->start = now;
				s->count = 0;
			}
			ok = ++s->count <= rl->limit;
			goto done;
		}
		if (expired && free_slot == NULL)
			free_slot = s;
	}
	if (free_slot != NULL) {
		size_t n = strnlen(key, sizeof free_slot->key - 1);
		memcpy(free_slot->key, key, n);
		free_slot->key[n] = '\0';
		free_slot->start = now;
		free_slot->count = 1;
		ok = rl->limit >= 1;
	}
done:
	pthread_mutex_unlock(&rl->mu);
	return ok;
}
