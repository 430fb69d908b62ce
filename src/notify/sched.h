/* sched.h: the scheduler thread behind the notices (see notify.h). Started
 * by the server after its loops, stopped before its writer. */
#ifndef XA_SCHED_H
#define XA_SCHED_H

#include "../http/server.h"

/* Work the scheduler does once a minute beside the case deadlines, for
 * the domains notify does not know (the monthly returns' reminders): fn
 * runs inside a writer job and records notices with notify_emit; *done:
 * how many. Registered at start-up, before the thread starts; the same fn
 * twice is kept once; at most SCHED_PERIODIC_MAX. */
#define SCHED_PERIODIC_MAX 4
typedef xa_err (*sched_periodic_fn)(db *conn, const config *cfg, int64_t now,
    size_t *done);
void sched_add_periodic(sched_periodic_fn fn);

/* Starts the thread; NULL when it cannot (logged). */
void *sched_start(server *s);
/* Asks it to stop, waits for the message in hand, frees it. NULL: no-op. */
void sched_stop(void *h);

#endif
