/* poll.c: the feed poller of public-opinion monitoring (poll.h).
 *
 * One thread claims the feeds that are due, every SP_TICK seconds and
 * only as many as there are idle fetchers, so that a claimed feed's fetch
 * starts at once and its lease (the fetch's timeout and a minute) covers
 * it: a feed still being fetched is never claimed again, and a slow one
 * holds its own fetcher only. With a claim it reads the lexicon and the
 * places and builds a matcher, outside the writer; the round's fetchers
 * share it read-only (counted references: rounds overlap when one feed
 * is slow). Each fetcher fetches, matches, then stores in writer jobs of
 * at most SP_BATCH items, the last one recording the poll.
 *
 * Never: fetch or match inside a writer job; put anything a feed sent
 * (or its URL, which may carry a key) into a format string or the log;
 * keep fetching after stop was asked (the cancel flag ends a fetch in
 * progress within about a second). */
#include "poll.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/log.h"
#include "feed.h"
#include "match.h"
#include "register.h"

#define SP_TICK 3			/* seconds between two claims */
#define SP_CLAIM_MAX 16			/* feeds claimed at once, at most */
#define SP_TIMEOUT_MS 30000L		/* one whole fetch */
#define SP_CONNECT_MS 10000L		/* connecting, TLS included */
#define SP_MAX_BYTES ((size_t)2 << 20)	/* a feed's body */
#define SP_LEASE (SP_TIMEOUT_MS / 1000 + 60)	/* seconds a claim holds */
#define SP_BATCH 50			/* items stored per writer job */

/* A round's matcher, shared by its fetches; refs under the poller's mu. */
struct shared {
	struct sm_matcher *m;
	int refs;
};

/* One claimed feed waiting for, or in the hands of, a fetcher. */
struct job {
	struct job *next;
	struct shared *sm;
	sr_feed_due due;
};

struct poller {
	server *srv;
	long zone;
	pthread_t thread;
	pthread_t fetchers[SP_FETCHERS];
	int nfetchers;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* the claiming thread's sleep; stop */
	pthread_cond_t work;	/* the fetchers' sleep: a job, or stop */
	int stop;
	atomic_int cancel;	/* set with stop: ends fetches in progress */
	struct job *head, *tail;
	int busy;		/* jobs queued or in a fetcher's hands */
};

/* ------------------------------------------------------------ matcher */

/* Drops one reference; frees the matcher with the last. Holds mu. */
static void
shared_release(struct shared *s)
{
	if (s != NULL && --s->refs == 0) {
		sm_free(s->m);
		free(s);
	}
}

/* ------------------------------------------------------ writer steps */

/* Claiming, and the matcher's sources when anything was claimed: one
 * writer job, so a failure to read the sources claims nothing. */
struct claim {
	int64_t now;
	sr_feed_due *due;
	size_t max;
	size_t n;
	sr_sources src;
	int loaded;
};

/* The claim's writer job. */
static xa_err
run_claim(db *conn, void *ctx)
{
	struct claim *c = ctx;
	c->n = 0;
	xa_err e = sr_feeds_claim(conn, c->now, SP_LEASE, c->due, c->max, &c->n);
	if (e != XA_OK || c->n == 0)
		return e;
	if ((e = sr_sources_load(conn, &c->src)) == XA_OK)
		c->loaded = 1;
	return e;
}

/* Items to take in, and (polled) the poll's outcome to record after
 * them. The counters are this job's and mean something only once it
 * committed. */
struct store {
	const sr_feed_due *due;
	const sr_item *items;
	size_t n;
	int64_t now;
	int polled;
	int ok;
	const char *etag;
	const char *last_modified;
	const char *why;
	size_t stored_before;	/* items stored by the poll's earlier jobs */
	size_t added, folded, seen, alerted;
};

/* The store's writer job: ingests its items in order, then records the
 * poll when asked to. Any error rolls the whole job back. */
static xa_err
run_store(db *conn, void *ctx)
{
	struct store *s = ctx;
	xa_err e = XA_OK;
	s->added = s->folded = s->seen = s->alerted = 0;
	for (size_t i = 0; i < s->n; i++) {
		sr_outcome o;
		if ((e = sr_ingest(conn, &s->items[i], s->now, &o)) != XA_OK)
			return e;
		if (o.kind == SR_ADDED)
			s->added++;
		else if (o.kind == SR_FOLDED)
			s->folded++;
		else
			s->seen++;
		if (o.alerted)
			s->alerted++;
	}
	if (s->polled)
		e = sr_feed_polled(conn, s->due->id, s->ok, s->etag,
		    s->last_modified, s->why,
		    s->stored_before + s->added + s->folded, s->now);
	return e;
}

/* Runs one store job at the current time. */
static xa_err
store(struct poller *p, struct store *s)
{
	s->now = (int64_t)time(NULL);
	return server_write_wait(p->srv, run_store, s);
}

/* Gives feed id's claim back (a writer job): stopping, it was not
 * fetched, and is due again at once. */
struct release {
	int64_t id, now;
};

static xa_err
run_release(db *conn, void *ctx)
{
	struct release *rl = ctx;
	return sr_feed_release(conn, rl->id, rl->now);
}

static void
release(struct poller *p, const sr_feed_due *due)
{
	struct release rl = { due->id, (int64_t)time(NULL) };
	xa_err e = server_write_wait(p->srv, run_release, &rl);
	if (e != XA_OK)
		log_warn("sentiment: feed %lld (%s): giving its claim back: %s",
		    (long long)due->id, due->name, xa_strerror(e));
}

/* Records how a poll ended in a job of its own (stored: the items its
 * earlier jobs stored); logs a failure to. */
static void
record(struct poller *p, const sr_feed_due *due, int ok, const char *etag,
    const char *last_modified, const char *why, size_t stored)
{
	struct store s = { .due = due, .polled = 1, .ok = ok, .etag = etag,
	    .last_modified = last_modified, .why = why,
	    .stored_before = stored };
	xa_err e = store(p, &s);
	if (e != XA_OK && e != XA_ESTOPPED)
		log_error("sentiment: feed %lld (%s): recording the poll: %s",
		    (long long)due->id, due->name, xa_strerror(e));
}

/* -------------------------------------------------------- one feed */

/* The length of the longest prefix of s, at most max bytes, that ends on
 * a character's boundary. */
static size_t
utf8_prefix(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* Matches an item's title and text. A text too long for the matcher is
 * matched again on its first SR_BODY_MAX bytes, what the register keeps
 * of it anyway. */
static xa_err
match_item(const struct sm_matcher *m, const feed_item *it,
    struct sm_result *out)
{
	size_t tl = strlen(it->title), bl = strlen(it->text);
	xa_err e = sm_match(m, it->title, tl, it->text, bl, out);
	if (e == XA_ETOOBIG && bl > SR_BODY_MAX)
		e = sm_match(m, it->title, tl, it->text,
		    utf8_prefix(it->text, bl, SR_BODY_MAX), out);
	return e;
}

/* Matches and stores a 200's items, and records the poll. A job that
 * fails is tried again item by item, so that one item the register
 * refuses does not keep the others out; when any item could not be
 * stored, the validators are cleared instead of kept, so the next poll
 * fetches the whole feed again and retries it. */
static void
take_in(struct poller *p, const struct job *j, const feed_result *r)
{
	const feed *doc = &r->doc;
	const char *outlet = doc->title[0] != '\0' ? doc->title : j->due.name;
	sr_item *items = calloc(doc->n > 0 ? doc->n : 1, sizeof *items);
	size_t n = 0, unmatched = 0, failed = 0, stored = 0, stories = 0;
	size_t alerts = 0, seen = 0;
	int polled = 0;
	xa_err e;

	if (items == NULL) {
		record(p, &j->due, 0, NULL, NULL, "out of memory", 0);
		log_warn("sentiment: feed %lld (%s): out of memory",
		    (long long)j->due.id, j->due.name);
		return;
	}
	for (size_t i = 0; i < doc->n; i++) {
		const feed_item *it = &doc->items[i];
		sr_item *s = &items[n];
		if (match_item(j->sm->m, it, &s->m) != XA_OK) {
			unmatched++;
			continue;
		}
		s->source = SR_FEED;
		s->feed_id = j->due.id;
		s->ext_id = it->id;
		s->outlet = outlet;
		s->url = it->link;
		s->title = it->title;
		s->body = it->text;
		s->published = it->published;
		n++;
	}
	for (size_t off = 0; off < n; off += SP_BATCH) {
		size_t cnt = n - off < SP_BATCH ? n - off : SP_BATCH;
		int last = off + cnt >= n;
		/* An item of an earlier batch left out: the validators are
		 * forgotten, so that the next poll brings it again. */
		struct store s = { .due = &j->due, .items = items + off,
		    .n = cnt, .polled = last, .ok = 1,
		    .etag = r->etag != NULL && failed == 0 ? r->etag : "",
		    .last_modified = r->last_modified != NULL && failed == 0 ?
		    r->last_modified : "", .stored_before = stored };
		e = store(p, &s);
		if (e == XA_ESTOPPED)
			goto out;
		if (e == XA_OK) {
			stored += s.added + s.folded;
			stories += s.added;
			seen += s.seen;
			alerts += s.alerted;
			polled = last;
			continue;
		}
		log_warn("sentiment: feed %lld (%s): storing %zu items: %s; "
		    "one at a time", (long long)j->due.id, j->due.name, cnt,
		    xa_strerror(e));
		for (size_t k = 0; k < cnt; k++) {
			struct store one = { .due = &j->due,
			    .items = items + off + k, .n = 1 };
			e = store(p, &one);
			if (e == XA_ESTOPPED)
				goto out;
			if (e != XA_OK) {
				failed++;
				continue;
			}
			stored += one.added + one.folded;
			stories += one.added;
			seen += one.seen;
			alerts += one.alerted;
		}
	}
	/* No items, or the last job failed: the poll is recorded alone.
	 * "" forgets the validators, so that the items left out come
	 * again with the next poll. */
	if (!polled && failed > 0)
		record(p, &j->due, 1, "", "", NULL, stored);
	else if (!polled)
		record(p, &j->due, 1, r->etag != NULL ? r->etag : "",
		    r->last_modified != NULL ? r->last_modified : "", NULL,
		    stored);
	log_info("sentiment: feed %lld (%s): %zu items, %zu new (%zu stories, "
	    "%zu alerts), %zu seen before, %zu not matched, %zu not stored, "
	    "%zu past the cap", (long long)j->due.id, j->due.name, doc->n,
	    stored, stories, alerts, seen, unmatched, failed, doc->dropped);
out:
	free(items);
}

/* Fetches one claimed feed and records what came of it. */
static void
poll_one(struct poller *p, const struct job *j)
{
	feed_request rq = { 0 };
	feed_result r;

	rq.url = j->due.url;
	rq.etag = j->due.etag[0] != '\0' ? j->due.etag : NULL;
	rq.last_modified = j->due.last_modified[0] != '\0' ?
	    j->due.last_modified : NULL;
	rq.timeout_ms = SP_TIMEOUT_MS;
	rq.connect_timeout_ms = SP_CONNECT_MS;
	rq.max_bytes = SP_MAX_BYTES;
	rq.zone = p->zone;
	rq.cancel = &p->cancel;
	(void)feed_fetch(&rq, &r);	/* r.status says it all */
	switch (r.status) {
	case FEED_NEW:
		take_in(p, j, &r);
		break;
	case FEED_NOT_MODIFIED:
		/* NULL validators: the server repeated none; keep ours. */
		record(p, &j->due, 1, r.etag, r.last_modified, NULL, 0);
		log_debug("sentiment: feed %lld (%s): not modified",
		    (long long)j->due.id, j->due.name);
		break;
	default:
		if (atomic_load(&p->cancel) != 0) {
			/* Stopping: not the feed's fault. Its claim is given
			 * back, so the next start polls it at once. */
			log_info("sentiment: feed %lld (%s): fetch cut off by "
			    "the stop", (long long)j->due.id, j->due.name);
			release(p, &j->due);
			break;
		}
		record(p, &j->due, 0, NULL, NULL, r.why, 0);
		log_warn("sentiment: feed %lld (%s) failed: %s",
		    (long long)j->due.id, j->due.name, r.why);
		break;
	}
	feed_result_free(&r);
}

/* ------------------------------------------------------------ threads */

/* A fetcher: takes the queue's jobs one by one until stop. */
static void *
fetcher_main(void *arg)
{
	struct poller *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (!p->stop && p->head == NULL)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->stop) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		struct job *j = p->head;
		p->head = j->next;
		if (p->head == NULL)
			p->tail = NULL;
		pthread_mutex_unlock(&p->mu);

		poll_one(p, j);

		pthread_mutex_lock(&p->mu);
		shared_release(j->sm);
		p->busy--;
		pthread_mutex_unlock(&p->mu);
		free(j);
	}
	return NULL;
}

/* Claims what is due, up to the idle fetchers, builds the round's
 * matcher and hands the feeds out. */
static void
round_start(struct poller *p)
{
	struct claim c = { 0 };
	struct shared *sm = NULL;
	xa_err e;

	pthread_mutex_lock(&p->mu);
	int idle = p->nfetchers - p->busy;
	pthread_mutex_unlock(&p->mu);
	if (idle <= 0)
		return;
	c.max = idle < SP_CLAIM_MAX ? (size_t)idle : SP_CLAIM_MAX;
	if ((c.due = calloc(c.max, sizeof *c.due)) == NULL)
		return;
	c.now = (int64_t)time(NULL);
	e = server_write_wait(p->srv, run_claim, &c);
	if (e != XA_OK) {
		if (e != XA_ESTOPPED)
			log_error("sentiment: claiming feeds: %s", xa_strerror(e));
		goto out;
	}
	if (c.n == 0)
		goto out;
	if ((sm = calloc(1, sizeof *sm)) == NULL) {
		e = XA_ENOMEM;
	} else {
		e = sm_new(c.src.terms, c.src.nterms, c.src.places,
		    c.src.nplaces, &sm->m);
	}
	if (e != XA_OK) {
		/* The claims' leases run out and they are tried again. */
		log_error("sentiment: building the matcher: %s", xa_strerror(e));
		free(sm);
		goto out;
	}
	pthread_mutex_lock(&p->mu);
	sm->refs = 1;		/* this function's, dropped below */
	for (size_t i = 0; i < c.n && !p->stop; i++) {
		struct job *j = malloc(sizeof *j);
		if (j == NULL) {
			log_error("sentiment: out of memory for feed %lld",
			    (long long)c.due[i].id);
			continue;
		}
		j->next = NULL;
		j->due = c.due[i];
		j->sm = sm;
		sm->refs++;
		if (p->tail != NULL)
			p->tail->next = j;
		else
			p->head = j;
		p->tail = j;
		p->busy++;
	}
	pthread_cond_broadcast(&p->work);
	shared_release(sm);
	pthread_mutex_unlock(&p->mu);
out:
	if (c.loaded)
		sr_sources_free(&c.src);
	free(c.due);
}

/* The claiming thread: a round every SP_TICK seconds until stop. */
static void *
poller_main(void *arg)
{
	struct poller *p = arg;
	pthread_mutex_lock(&p->mu);
	while (!p->stop) {
		pthread_mutex_unlock(&p->mu);
		round_start(p);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += SP_TICK;
		pthread_mutex_lock(&p->mu);
		while (!p->stop && pthread_cond_timedwait(&p->cv, &p->mu,
		    &until) == 0)
			;
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Frees what start set up; the threads are joined or were never made. */
static void
poller_free(struct poller *p)
{
	while (p->head != NULL) {
		struct job *j = p->head;
		p->head = j->next;
		/* Claimed, never fetched: due again at the next start. */
		release(p, &j->due);
		shared_release(j->sm);
		free(j);
	}
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

/* Sets stop and cancel, wakes everyone and joins what was started. */
static void
poller_join(struct poller *p)
{
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	atomic_store(&p->cancel, 1);
	pthread_cond_broadcast(&p->work);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	if (p->started)
		pthread_join(p->thread, NULL);
	for (int i = 0; i < p->nfetchers; i++)
		pthread_join(p->fetchers[i], NULL);
}

/* Sets the poller up and starts its threads (poll.h). */
void *
sentiment_poller_start(server *s)
{
	struct poller *p = calloc(1, sizeof *p);
	if (p == NULL) {
		log_error("sentiment: cannot start the feed poller: out of memory");
		return NULL;
	}
	p->srv = s;
	p->zone = config_zone(server_config(s));
	atomic_init(&p->cancel, 0);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	pthread_cond_init(&p->work, NULL);
	/* libxml2 and libcurl set up from this thread, before any fetcher. */
	if (feed_global_init() != XA_OK) {
		log_error("sentiment: cannot start the feed poller: libcurl or "
		    "libxml2 did not initialise");
		poller_free(p);
		return NULL;
	}
	for (int i = 0; i < SP_FETCHERS; i++) {
		if (pthread_create(&p->fetchers[i], NULL, fetcher_main, p) != 0)
			break;
		p->nfetchers++;
	}
	if (p->nfetchers == 0 ||
	    pthread_create(&p->thread, NULL, poller_main, p) != 0) {
		log_error("sentiment: cannot start the feed poller");
		poller_join(p);
		poller_free(p);
		return NULL;
	}
	p->started = 1;
	return p;
}

/* Stops, joins and frees it (poll.h). */
void
sentiment_poller_stop(void *h)
{
	struct poller *p = h;
	if (p == NULL)
		return;
	poller_join(p);
	poller_free(p);
}
