/* writer.c: the one writer thread, with group commit (see writer.h).
 *
 * Submitters append jobs to a queue under a mutex; the thread takes all
 * that is queued (up to max_batch), runs them in one transaction, each in
 * its own savepoint, commits once and only then completes them. Jobs that
 * arrive while a batch commits form the next batch, so under load the
 * cost of an fsync is shared by many requests.
 *
 * It must never call complete() before the batch's COMMIT has returned
 * (that is the durability promise), never call complete() with the mutex
 * held, and never run a job after writer_stop() has returned. */
#include "writer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"

struct writer {
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* work queued, or stop begun */
	write_job *head, *tail;		/* the queue, oldest first */
	int stopping;
	pthread_t thread;
	db *conn;			/* the writer thread's alone */
	size_t max_batch;
	struct writer_stats st;		/* under mu */
};

static const struct writer_hooks *hooks;

void
writer_set_hooks(const struct writer_hooks *h)
{
	hooks = h;
}

/* The histogram bucket of a batch of n jobs (n >= 1): floor(log2 n),
 * capped at the last bucket. */
static int
hist_bucket(size_t n)
{
	int b = 0;
	while (n > 1 && b < 7) {
		n >>= 1;
		b++;
	}
	return b;
}

/* Runs the jobs of the list batch in one transaction and sets their
 * results; the caller completes them. A job that fails is rolled back to
 * its savepoint and keeps its own error; the others commit. When the
 * transaction itself cannot begin, or a savepoint or the commit fails
 * (SQLite may then have rolled back everything by itself), the whole batch
 * is undone and each job that had succeeded gets that error. *failed
 * counts the jobs with an error; returns whether the batch failed. */
static int
run_batch(writer *w, write_job *batch, size_t *failed)
{
	xa_err berr = XA_OK;
	db *d = w->conn;

	*failed = 0;
	for (write_job *j = batch; j != NULL; j = j->next)
		j->result = XA_OK;
	if ((berr = db_begin(d)) != XA_OK) {
		log_error("writer: begin: %s", db_errmsg(d));
		goto finish;
	}
	if (hooks != NULL)
		hooks->begin(d);
	for (write_job *j = batch; j != NULL; j = j->next) {
		if ((berr = db_savepoint(d, "job")) != XA_OK) {
			log_error("writer: savepoint: %s", db_errmsg(d));
			goto finish;
		}
		xa_err r = j->run(d, j->ctx);
		if (r == XA_OK) {
			if ((berr = db_release(d, "job")) != XA_OK) {
				log_error("writer: release: %s", db_errmsg(d));
				goto finish;
			}
			continue;
		}
		/* XA_EBUSY cannot come from our own connection (we hold the
		 * write lock); whatever a job returns, it simply failed. */
		j->result = r;
		if (hooks != NULL)
			hooks->forget(d);
		if ((berr = db_rollback_to(d, "job")) != XA_OK ||
		    (berr = db_release(d, "job")) != XA_OK) {
			log_error("writer: undoing a failed job: %s",
			    db_errmsg(d));
			goto finish;
		}
	}
	if (hooks != NULL && (berr = hooks->flush(d)) != XA_OK) {
		log_error("writer: before commit: %s", xa_strerror(berr));
		goto finish;
	}
	if ((berr = db_commit(d)) != XA_OK)
		log_error("writer: commit: %s", db_errmsg(d));

finish:
	if (berr != XA_OK && hooks != NULL)
		hooks->abort(d);
	if (berr != XA_OK) {
		if (db_rollback(d) != XA_OK)
			log_error("writer: rollback: %s", db_errmsg(d));
		for (write_job *j = batch; j != NULL; j = j->next)
			if (j->result == XA_OK)
				j->result = berr;
	}
	for (write_job *j = batch; j != NULL; j = j->next)
		if (j->result != XA_OK)
			(*failed)++;
	return berr != XA_OK;
}

/* Calls complete() for each job of batch. */
static void
complete_all(write_job *batch)
{
	for (write_job *j = batch, *next; j != NULL; j = next) {
		next = j->next;		/* complete() may free j */
		j->next = NULL;
		j->complete(j);
	}
}

/* The thread: waits for work, takes up to max_batch jobs, runs them as
 * one batch. Leaves only when stop has begun and the queue is empty. */
static void *
writer_main(void *arg)
{
	writer *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->head == NULL && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->head == NULL)
			break;	/* stopping, and drained */
		write_job *batch = w->head, *last = w->head;
		size_t n = 1;
		while (n < w->max_batch && last->next != NULL) {
			last = last->next;
			n++;
		}
		w->head = last->next;
		if (w->head == NULL)
			w->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&w->mu);

		size_t failed = 0;
		int bad = run_batch(w, batch, &failed);

		pthread_mutex_lock(&w->mu);
		w->st.batches++;
		w->st.jobs += n;
		w->st.failed_jobs += failed;
		w->st.failed_batches += bad ? 1 : 0;
		w->st.size_hist[hist_bucket(n)]++;
		/* Counted before completing, so whoever sees a completion
		 * also sees it in the stats. */
		pthread_mutex_unlock(&w->mu);
		complete_all(batch);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Opens the writer's own connection (the database must exist: a typo in
 * a path must not quietly make a new empty one) and starts the thread. */
xa_err
writer_start(const char *url, size_t max_batch, writer **out)
{
	xa_err err = XA_OK;
	int mu_ok = 0, cv_ok = 0;
	writer *w = calloc(1, sizeof *w);
	*out = NULL;
	if (w == NULL)
		return XA_ENOMEM;
	w->max_batch = max_batch ? max_batch : 256;
	if (pthread_mutex_init(&w->mu, NULL) != 0) {
		err = XA_ENOMEM;
		goto fail;
	}
	mu_ok = 1;
	if (pthread_cond_init(&w->cv, NULL) != 0) {
		err = XA_ENOMEM;
		goto fail;
	}
	cv_ok = 1;
	if ((err = db_open(url, 0, &w->conn)) != XA_OK) {
		log_error("writer: cannot open the database: %s",
		    xa_strerror(err));
		goto fail;
	}
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		log_error("writer: cannot start the thread");
		err = XA_ENOMEM;
		goto fail;
	}
	*out = w;
	return XA_OK;

fail:
	db_close(w->conn);
	if (cv_ok)
		pthread_cond_destroy(&w->cv);
	if (mu_ok)
		pthread_mutex_destroy(&w->mu);
	free(w);
	return err;
}

/* Appends job to the queue and wakes the thread if it sleeps. */
xa_err
writer_submit(writer *w, write_job *job)
{
	pthread_mutex_lock(&w->mu);
	if (w->stopping) {
		pthread_mutex_unlock(&w->mu);
		return XA_ESTOPPED;
	}
	job->next = NULL;
	job->result = XA_OK;
	int was_empty = w->head == NULL;
	if (w->tail != NULL)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	if (was_empty)
		pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return XA_OK;
}

/* Refuses new jobs, lets the thread finish what is queued, joins it and
 * frees everything. Must not be called from the writer thread (nor from a
 * complete() callback). */
void
writer_stop(writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	db_close(w->conn);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

void
writer_stats_get(writer *w, struct writer_stats *out)
{
	pthread_mutex_lock(&w->mu);
	*out = w->st;
	pthread_mutex_unlock(&w->mu);
}
