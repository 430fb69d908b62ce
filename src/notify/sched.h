/* sched.h: the scheduler thread behind the notices (see notify.h). Started
 * by the server after its loops, stopped before its writer. */
#ifndef XA_SCHED_H
#define XA_SCHED_H

#include "../http/server.h"

/* Starts the thread; NULL when it cannot (logged). */
void *sched_start(server *s);
/* Asks it to stop, waits for the message in hand, frees it. NULL: no-op. */
void sched_stop(void *h);

#endif
