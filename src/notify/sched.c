/* sched.c: the scheduler thread of `xiaoan serve` (sched.h).
 *
 * Once a second it fans new notices out, climbs the ladders of urgent
 * ones nobody acknowledged, and sends what the outbox holds; once a
 * minute it looks for deadlines coming and passed. Every change goes
 * through the writer (server_write_wait), so it is durable and in order
 * with the requests' writes; sending happens here, outside any
 * transaction, between the attempt's begin and its settling.
 *
 * Never: send while holding a transaction open; keep going after stop
 * was asked beyond the message in hand. */
#include "sched.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/log.h"
#include "notify.h"
#include "send.h"

#define BATCH 25		/* notices per step: a writer job short enough not to hold the requests up */
#define SENDS_PER_TICK 50	/* messages per tick, so that stop is heard */

struct sched {
	server *srv;
	const config *cfg;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	int started;
};

struct step {
	const config *cfg;
	int64_t now;
	size_t done;
	int which;		/* 0 fan-out, 1 climb, 2 deadlines and the periodic
				 * tasks, 3 recover */
	outbox_item *it;
	int found;
	xa_err result;
	const char *why;
};

static sched_periodic_fn periodic[SCHED_PERIODIC_MAX];

void
sched_add_periodic(sched_periodic_fn fn)
{
	for (size_t i = 0; i < SCHED_PERIODIC_MAX; i++) {
		if (periodic[i] == fn)
			return;
		if (periodic[i] == NULL) {
			periodic[i] = fn;
			return;
		}
	}
	log_error("notices: more than %d periodic tasks", SCHED_PERIODIC_MAX);
}

/* The case deadlines, then the periodic tasks, in one writer job. */
static xa_err
minutely(db *conn, const config *cfg, int64_t now, size_t *done)
{
	xa_err e = notify_deadlines(conn, cfg, now, done);
	for (size_t i = 0; e == XA_OK && i < SCHED_PERIODIC_MAX && periodic[i] != NULL; i++) {
		size_t n = 0;
		e = periodic[i](conn, cfg, now, &n);
		*done += n;
	}
	return e;
}

static xa_err
run_step(db *conn, void *p)
{
	struct step *s = p;
	switch (s->which) {
	case 0:
		return notify_fanout(conn, s->cfg, s->now, BATCH, &s->done);
	case 1:
		return notify_climb(conn, s->cfg, s->now, BATCH, &s->done);
	case 2:
		return minutely(conn, s->cfg, s->now, &s->done);
	case 3:
		return notify_recover(conn, s->cfg, s->now, &s->done);
	case 4:
		return notify_claim(conn, s->now, s->cfg->notify_timeout + 60, s->it, &s->found);
	default:
		return notify_settle(conn, s->cfg, s->it, s->result, s->why, s->now);
	}
}

static xa_err
step(struct sched *sc, int which, struct step *s)
{
	s->cfg = sc->cfg;
	s->now = (int64_t)time(NULL);
	s->which = which;
	s->done = 0;
	xa_err e = server_write_wait(sc->srv, run_step, s);
	if (e != XA_OK && e != XA_ESTOPPED)
		log_error("notices: step %d: %s", which, xa_strerror(e));
	return e;
}

static bool
stopping(struct sched *sc)
{
	pthread_mutex_lock(&sc->mu);
	bool s = sc->stop != 0;
	pthread_mutex_unlock(&sc->mu);
	return s;
}

/* Sends what is due, up to SENDS_PER_TICK messages. */
static void
send_due(struct sched *sc)
{
	outbox_item *it = calloc(1, sizeof *it);
	if (it == NULL)
		return;
	for (int i = 0; i < SENDS_PER_TICK && !stopping(sc); i++) {
		struct step s = { .it = it };
		if (step(sc, 4, &s) != XA_OK || !s.found)
			break;
		char why[256] = "";
		xa_err r;
		if (strcmp(it->channel, "email") == 0)
			r = send_email(sc->cfg, it->address, it->subject, it->body, why, sizeof why);
		else
			r = send_sms(sc->cfg, it->address, it->body, why, sizeof why);
		if (r != XA_OK)
			log_warn("notices: %s to message %lld, attempt %d: %s", it->channel,
			    (long long)it->id, it->attempts, why);
		s.result = r;
		s.why = r == XA_OK ? "" : why;
		/* The outcome must be recorded before anything else is claimed:
		 * a lost "sent" would send the message again after its lease.
		 * Keep trying; if we are stopped first, the attempt stays begun
		 * and the next start sends it again (at least once). */
		while (step(sc, 5, &s) != XA_OK) {
			if (stopping(sc)) {
				free(it);
				return;
			}
			sleep(1);
		}
	}
	free(it);
}

static void *
sched_main(void *p)
{
	struct sched *sc = p;
	struct step s = { 0 };
	if (step(sc, 3, &s) == XA_OK && s.done > 0)
		log_warn("notices: %zu deliveries were cut off by the last stop; sending again",
		    s.done);
	time_t last_deadlines = 0;
	while (!stopping(sc)) {
		bool more = false;
		if (step(sc, 0, &s) == XA_OK && s.done == BATCH)
			more = true;
		if (step(sc, 1, &s) == XA_OK && s.done == BATCH)
			more = true;
		time_t now = time(NULL);
		if (now - last_deadlines >= 60) {
			step(sc, 2, &s);
			last_deadlines = now;
		}
		send_due(sc);
		if (more)
			continue;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_mutex_lock(&sc->mu);
		while (!sc->stop && pthread_cond_timedwait(&sc->cv, &sc->mu, &until) == 0)
			;
		pthread_mutex_unlock(&sc->mu);
	}
	return NULL;
}

void *
sched_start(server *s)
{
	struct sched *sc = calloc(1, sizeof *sc);
	if (sc == NULL)
		return NULL;
	sc->srv = s;
	sc->cfg = server_config(s);
	pthread_mutex_init(&sc->mu, NULL);
	pthread_cond_init(&sc->cv, NULL);
	if (pthread_create(&sc->thread, NULL, sched_main, sc) != 0) {
		log_error("notices: cannot start the scheduler");
		pthread_cond_destroy(&sc->cv);
		pthread_mutex_destroy(&sc->mu);
		free(sc);
		return NULL;
	}
	sc->started = 1;
	return sc;
}

void
sched_stop(void *h)
{
	struct sched *sc = h;
	if (sc == NULL)
		return;
	pthread_mutex_lock(&sc->mu);
	sc->stop = 1;
	pthread_cond_signal(&sc->cv);
	pthread_mutex_unlock(&sc->mu);
	if (sc->started)
		pthread_join(sc->thread, NULL);
	pthread_cond_destroy(&sc->cv);
	pthread_mutex_destroy(&sc->mu);
	free(sc);
}
