/* writer.h: the one writer thread, with group commit.
 *
 * Every write that acknowledges something to a user goes through here.
 * Jobs queued while a batch commits form the next batch: the writer opens
 * one transaction, runs each job inside its own savepoint (a failing job is
 * rolled back alone, the rest of its batch commits), commits once (one
 * fsync), then calls each job's complete() with its result. complete()
 * runs on the writer thread and must only hand the result over (e.g.
 * post it to an event loop); it must not block or touch the database.
 *
 * A job is never acknowledged before its batch is durable. If the commit
 * itself fails, every job of the batch completes with that error. */
#ifndef XA_WRITER_H
#define XA_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "db.h"

typedef struct writer writer;
typedef struct write_job write_job;

struct write_job {
	/* Runs on the writer thread inside a savepoint; returns XA_OK to keep
	 * its changes. Must not begin, commit or roll back itself. */
	xa_err (*run)(db *conn, void *ctx);
	void *ctx;
	/* Called once, on the writer thread, after the batch is durable (or
	 * failed). job->result holds the outcome. The caller owns job and may
	 * free it from here on. */
	void (*complete)(write_job *job);
	xa_err result;
	write_job *next;	/* the writer's own */
};

struct writer_stats {
	uint64_t batches, jobs, failed_jobs, failed_batches;
	uint64_t size_hist[8];	/* batch sizes: 1, 2-3, 4-7, ..., >=128 */
};

/* Hooks around each batch, for a module that keeps state per transaction
 * (the audit chain writes its head once per batch): begin() after BEGIN,
 * forget() after a job was rolled back to its savepoint (rows it knew of
 * may be gone), flush() after the last job and before COMMIT — a flush
 * that fails fails the batch — and abort() when the batch is abandoned.
 * Set once at start-up, before any writer starts; NULL: none. */
struct writer_hooks {
	void (*begin)(db *conn);
	void (*forget)(db *conn);
	xa_err (*flush)(db *conn);
	void (*abort)(db *conn);
};
void writer_set_hooks(const struct writer_hooks *h);

/* Opens its own connection to url and starts the thread. max_batch caps
 * the jobs in one transaction (default 256 when 0). */
xa_err writer_start(const char *url, size_t max_batch, writer **out);
/* Queues job. XA_ESTOPPED once writer_stop() has begun: the job is not
 * run and complete() is not called. Thread-safe. */
xa_err writer_submit(writer *w, write_job *job);
/* Runs every job already queued, commits, stops the thread, closes the
 * connection and frees w. */
void writer_stop(writer *w);
/* A copy of the counters (for /metrics). Thread-safe. */
void writer_stats_get(writer *w, struct writer_stats *out);

#endif
