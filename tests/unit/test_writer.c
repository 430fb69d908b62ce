/* test_writer.c: the group-commit writer thread.
 *
 * Concurrency (many submitters, grouping), a failing job rolled back alone,
 * a failing commit failing its whole batch, draining at stop, and the
 * durability promise under SIGKILL: a forked child writes, the parent
 * kills it and checks that every acknowledged job is in the database.
 * Files live in one mkdtemp folder under /tmp, removed at exit. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/db.h"
#include "store/writer.h"

static char tmpdir[64];

enum { JOB_INSERT, JOB_INSERT_FAIL, JOB_GATE, JOB_ORPHAN };

struct waiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done;
};

struct tjob {
	write_job job;		/* first, so a write_job * is a tjob * */
	int64_t id;
	int kind;
	struct waiter *wt;
	sem_t *window;		/* posted on completion, when set */
};

/* The gate: a job that holds the writer until the test opens it, so the
 * jobs submitted meanwhile are sure to form one batch. */
static atomic_int gate_running, gate_open;
/* For the stop test: the gate submits probes until writer_submit says
 * XA_ESTOPPED, which proves that stop has begun while jobs were queued. */
static writer *gate_writer;
static struct tjob probes[2000];
static int probes_accepted, probe_stopped;

static void
waiter_init(struct waiter *w)
{
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->done = 0;
}

static void
waiter_destroy(struct waiter *w)
{
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
}

static void
waiter_wait(struct waiter *w, int n)
{
	pthread_mutex_lock(&w->mu);
	while (w->done < n)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

static void tjob_complete(write_job *job);

static xa_err
insert_id(db *conn, int64_t id)
{
	db_stmt *s = NULL;
	xa_err err = db_prepare(conn, "INSERT INTO t (id, note) VALUES (?, ?)",
	    &s);
	if (err != XA_OK)
		return err;
	db_bind_int(s, 1, id);
	db_bind_text(s, 2, "已受理", -1);
	int rc = db_step(s);
	db_done(s);
	return rc == 0 ? XA_OK : (xa_err)-rc;
}

static xa_err
tjob_run(db *conn, void *ctx)
{
	struct tjob *j = ctx;
	xa_err err;
	switch (j->kind) {
	case JOB_INSERT:
		return insert_id(conn, j->id);
	case JOB_INSERT_FAIL:
		err = insert_id(conn, j->id);
		return err != XA_OK ? err : XA_EINVAL;
	case JOB_ORPHAN:
		/* Passes its savepoint (the key is deferred) and then makes
		 * the COMMIT fail. */
		return db_exec(conn, "INSERT INTO child (id, parent_id) "
		    "VALUES (1, 999)");
	case JOB_GATE:
		atomic_store(&gate_running, 1);
		if (gate_writer != NULL) {
			for (int k = 0; k < 2000; k++) {
				probes[k].job.run = tjob_run;
				probes[k].job.ctx = &probes[k];
				probes[k].job.complete = tjob_complete;
				probes[k].id = 1000000 + k;
				probes[k].kind = JOB_INSERT;
				probes[k].wt = j->wt;
				if (writer_submit(gate_writer, &probes[k].job)
				    == XA_ESTOPPED) {
					probe_stopped = 1;
					break;
				}
				probes_accepted++;
				usleep(1000);
			}
			return insert_id(conn, j->id);
		}
		while (!atomic_load(&gate_open))
			usleep(500);
		return insert_id(conn, j->id);
	}
	return XA_EINVAL;
}

static void
tjob_complete(write_job *job)
{
	struct tjob *j = (struct tjob *)job;
	struct waiter *w = j->wt;
	sem_t *window = j->window;
	pthread_mutex_lock(&w->mu);
	w->done++;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (window != NULL)
		sem_post(window);
}

static void
tjob_init(struct tjob *j, int64_t id, int kind, struct waiter *w)
{
	memset(j, 0, sizeof *j);
	j->job.run = tjob_run;
	j->job.ctx = j;
	j->job.complete = tjob_complete;
	j->job.result = XA_ERR__COUNT;	/* must be overwritten */
	j->id = id;
	j->kind = kind;
	j->wt = w;
}

/* A new migrated database with the test table t; returns its path. */
static void
make_db(const char *name, char *path, size_t len)
{
	int n = snprintf(path, len, "%s/%s", tmpdir, name);
	assert_true(n > 0 && (size_t)n < len);
	db *d = NULL;
	assert_int_equal(db_open(path, DB_CREATE, &d), XA_OK);
	assert_int_equal(db_migrate(d, NULL, NULL), XA_OK);
	assert_int_equal(db_exec(d, "CREATE TABLE t (id INTEGER PRIMARY KEY, "
	    "note TEXT NOT NULL);"
	    "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
	    "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER "
	    "NOT NULL REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"),
	    XA_OK);
	db_close(d);
}

static int64_t
count_where(const char *path, const char *sql)
{
	db *d = NULL;
	int64_t v = -1;
	assert_int_equal(db_open(path, DB_READONLY, &d), XA_OK);
	assert_int_equal(db_query_int(d, sql, &v), XA_OK);
	db_close(d);
	return v;
}

static int
id_present(db *d, int64_t id)
{
	db_stmt *s = NULL;
	assert_int_equal(db_prepare(d, "SELECT count(*) FROM t WHERE id = ?",
	    &s), XA_OK);
	db_bind_int(s, 1, id);
	assert_int_equal(db_step(s), 1);
	int n = (int)db_col_int(s, 0);
	db_done(s);
	return n;
}

static void
test_start_missing(void **state)
{
	(void)state;
	char p[128];
	writer *w = NULL;
	snprintf(p, sizeof p, "%s/absent.db", tmpdir);
	assert_int_equal(writer_start(p, 0, &w), XA_ENOTFOUND);
	assert_null(w);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(writer_start("postgresql://x/y", 0, &w), XA_EINVAL);
}

#define NTHREADS 8
#define PER_THREAD 500
#define WINDOW 8

struct submitter {
	writer *w;
	int t;
	struct tjob *jobs;
	struct waiter wt;
	sem_t window;
	int submit_errors;
};

/* Keeps WINDOW jobs in flight, like a connection-handling loop that
 * waits for its answers, until all PER_THREAD are done. */
static void *
submitter_main(void *arg)
{
	struct submitter *s = arg;
	for (int i = 0; i < PER_THREAD; i++) {
		struct tjob *j = &s->jobs[i];
		tjob_init(j, (int64_t)s->t * 100000 + i, JOB_INSERT, &s->wt);
		j->window = &s->window;
		while (sem_wait(&s->window) != 0 && errno == EINTR)
			;
		if (writer_submit(s->w, &j->job) != XA_OK)
			s->submit_errors++;
	}
	waiter_wait(&s->wt, PER_THREAD);
	return NULL;
}

static void
test_many_threads(void **state)
{
	(void)state;
	char path[128];
	make_db("many.db", path, sizeof path);
	writer *w = NULL;
	assert_int_equal(writer_start(path, 0, &w), XA_OK);
	static struct submitter subs[NTHREADS];
	pthread_t th[NTHREADS];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int t = 0; t < NTHREADS; t++) {
		subs[t].w = w;
		subs[t].t = t;
		subs[t].submit_errors = 0;
		subs[t].jobs = calloc(PER_THREAD, sizeof *subs[t].jobs);
		assert_non_null(subs[t].jobs);
		waiter_init(&subs[t].wt);
		sem_init(&subs[t].window, 0, WINDOW);
		assert_int_equal(pthread_create(&th[t], NULL, submitter_main,
		    &subs[t]), 0);
	}
	for (int t = 0; t < NTHREADS; t++)
		pthread_join(th[t], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	struct writer_stats st;
	writer_stats_get(w, &st);
	writer_stop(w);

	int bad = 0;
	for (int t = 0; t < NTHREADS; t++) {
		assert_int_equal(subs[t].submit_errors, 0);
		for (int i = 0; i < PER_THREAD; i++)
			if (subs[t].jobs[i].job.result != XA_OK)
				bad++;
		free(subs[t].jobs);
		waiter_destroy(&subs[t].wt);
		sem_destroy(&subs[t].window);
	}
	assert_int_equal(bad, 0);
	assert_int_equal(count_where(path, "SELECT count(*) FROM t"),
	    NTHREADS * PER_THREAD);
	assert_int_equal(st.jobs, NTHREADS * PER_THREAD);
	assert_int_equal(st.failed_jobs, 0);
	assert_int_equal(st.failed_batches, 0);
	assert_true(st.batches < st.jobs);
	uint64_t hsum = 0;
	for (int i = 0; i < 8; i++)
		hsum += st.size_hist[i];
	assert_int_equal(hsum, st.batches);
	double secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("# %llu jobs in %llu batches (%.1f jobs/batch), "
	    "%.0f jobs/s; sizes 1:%llu 2-3:%llu 4-7:%llu 8-15:%llu "
	    "16-31:%llu 32-63:%llu 64-127:%llu 128+:%llu\n",
	    (unsigned long long)st.jobs, (unsigned long long)st.batches,
	    (double)st.jobs / (double)st.batches, (double)st.jobs / secs,
	    (unsigned long long)st.size_hist[0],
	    (unsigned long long)st.size_hist[1],
	    (unsigned long long)st.size_hist[2],
	    (unsigned long long)st.size_hist[3],
	    (unsigned long long)st.size_hist[4],
	    (unsigned long long)st.size_hist[5],
	    (unsigned long long)st.size_hist[6],
	    (unsigned long long)st.size_hist[7]);
}

/* Submits the gate, waits until it runs, submits jobs[0..n), opens the
 * gate and waits for all n+1 completions. */
static void
gated_batch(writer *w, struct tjob *gate, struct tjob *jobs, int n,
    struct waiter *wt)
{
	atomic_store(&gate_running, 0);
	atomic_store(&gate_open, 0);
	assert_int_equal(writer_submit(w, &gate->job), XA_OK);
	while (!atomic_load(&gate_running))
		usleep(200);
	for (int i = 0; i < n; i++)
		assert_int_equal(writer_submit(w, &jobs[i].job), XA_OK);
	atomic_store(&gate_open, 1);
	waiter_wait(wt, n + 1);
}

static void
test_failing_job(void **state)
{
	(void)state;
	char path[128];
	make_db("fail.db", path, sizeof path);
	writer *w = NULL;
	struct waiter wt;
	waiter_init(&wt);
	assert_int_equal(writer_start(path, 0, &w), XA_OK);
	struct tjob gate, jobs[5];
	tjob_init(&gate, 100, JOB_GATE, &wt);
	for (int i = 0; i < 5; i++)
		tjob_init(&jobs[i], 1 + i, i == 2 ? JOB_INSERT_FAIL :
		    JOB_INSERT, &wt);
	gated_batch(w, &gate, jobs, 5, &wt);
	struct writer_stats st;
	writer_stats_get(w, &st);
	writer_stop(w);
	waiter_destroy(&wt);

	assert_int_equal(gate.job.result, XA_OK);
	for (int i = 0; i < 5; i++)
		assert_int_equal(jobs[i].job.result, i == 2 ? XA_EINVAL : XA_OK);
	assert_int_equal(st.batches, 2);	/* the gate, then the five */
	assert_int_equal(st.size_hist[0], 1);
	assert_int_equal(st.size_hist[2], 1);
	assert_int_equal(st.failed_jobs, 1);
	assert_int_equal(st.failed_batches, 0);
	assert_int_equal(count_where(path, "SELECT count(*) FROM t WHERE "
	    "id = 3"), 0);
	assert_int_equal(count_where(path, "SELECT count(*) FROM t WHERE "
	    "id IN (1, 2, 4, 5, 100)"), 5);
}

static void
test_failing_commit(void **state)
{
	(void)state;
	char path[128];
	make_db("commit.db", path, sizeof path);
	writer *w = NULL;
	struct waiter wt;
	waiter_init(&wt);
	assert_int_equal(writer_start(path, 0, &w), XA_OK);
	struct tjob gate, jobs[3], after;
	tjob_init(&gate, 100, JOB_GATE, &wt);
	tjob_init(&jobs[0], 1, JOB_INSERT, &wt);
	tjob_init(&jobs[1], 0, JOB_ORPHAN, &wt);
	tjob_init(&jobs[2], 2, JOB_INSERT_FAIL, &wt);
	gated_batch(w, &gate, jobs, 3, &wt);
	assert_int_equal(gate.job.result, XA_OK);
	assert_int_equal(jobs[0].job.result, XA_EDB);
	assert_int_equal(jobs[1].job.result, XA_EDB);
	assert_int_equal(jobs[2].job.result, XA_EINVAL);	/* its own */
	/* The writer goes on after a failed batch. */
	tjob_init(&after, 7, JOB_INSERT, &wt);
	assert_int_equal(writer_submit(w, &after.job), XA_OK);
	waiter_wait(&wt, 5);
	assert_int_equal(after.job.result, XA_OK);
	struct writer_stats st;
	writer_stats_get(w, &st);
	writer_stop(w);
	waiter_destroy(&wt);
	assert_int_equal(st.batches, 3);
	assert_int_equal(st.failed_batches, 1);
	assert_int_equal(st.failed_jobs, 3);
	assert_int_equal(count_where(path, "SELECT count(*) FROM t"), 2);
	assert_int_equal(count_where(path, "SELECT count(*) FROM t WHERE "
	    "id IN (100, 7)"), 2);
	assert_int_equal(count_where(path, "SELECT count(*) FROM child"), 0);
}

static void
test_stop_drains(void **state)
{
	(void)state;
	char path[128];
	make_db("drain.db", path, sizeof path);
	writer *w = NULL;
	struct waiter wt;
	waiter_init(&wt);
	assert_int_equal(writer_start(path, 4, &w), XA_OK);
	static struct tjob gate, jobs[100];
	tjob_init(&gate, 5000, JOB_GATE, &wt);
	probes_accepted = 0;
	probe_stopped = 0;
	atomic_store(&gate_running, 0);
	gate_writer = w;
	assert_int_equal(writer_submit(w, &gate.job), XA_OK);
	while (!atomic_load(&gate_running))
		usleep(200);
	for (int i = 0; i < 100; i++) {
		tjob_init(&jobs[i], i + 1, JOB_INSERT, &wt);
		assert_int_equal(writer_submit(w, &jobs[i].job), XA_OK);
	}
	/* The gate is still running (it waits for ESTOPPED), so all 100 are
	 * queued when stop begins. */
	writer_stop(w);
	gate_writer = NULL;
	assert_true(probe_stopped);
	assert_int_equal(wt.done, 101 + probes_accepted);
	waiter_destroy(&wt);
	assert_int_equal(gate.job.result, XA_OK);
	for (int i = 0; i < 100; i++)
		assert_int_equal(jobs[i].job.result, XA_OK);
	for (int k = 0; k < probes_accepted; k++)
		assert_int_equal(probes[k].job.result, XA_OK);
	assert_int_equal(count_where(path, "SELECT count(*) FROM t"),
	    101 + probes_accepted);
}

/* The crash test's child side. */
#define CRASH_THREADS 4
#define CRASH_WINDOW 16

struct cjob {
	write_job job;
	int64_t id;
	sem_t *slot;
};

static int ack_fd = -1;
static writer *crash_writer;
static sem_t crash_slots[CRASH_THREADS];
static int64_t crash_round;

static xa_err
cjob_run(db *conn, void *ctx)
{
	return insert_id(conn, ((struct cjob *)ctx)->id);
}

/* Acknowledges the id only once the batch is durable: that is what the
 * parent holds the database to. */
static void
cjob_complete(write_job *job)
{
	struct cjob *c = (struct cjob *)job;
	if (job->result == XA_OK) {
		ssize_t n = write(ack_fd, &c->id, sizeof c->id);
		if (n != (ssize_t)sizeof c->id)
			_exit(4);
	}
	sem_t *slot = c->slot;
	free(c);
	sem_post(slot);
}

static void *
crash_submitter(void *arg)
{
	int t = (int)(intptr_t)arg;
	for (int64_t n = 0;; n++) {
		while (sem_wait(&crash_slots[t]) != 0)
			;
		struct cjob *c = calloc(1, sizeof *c);
		if (c == NULL)
			_exit(5);
		c->job.run = cjob_run;
		c->job.ctx = c;
		c->job.complete = cjob_complete;
		c->id = (crash_round << 40) | ((int64_t)t << 32) | n;
		c->slot = &crash_slots[t];
		if (writer_submit(crash_writer, &c->job) != XA_OK)
			_exit(6);
	}
	return NULL;
}

static void
crash_child(const char *path, int fd, int round)
{
	ack_fd = fd;
	crash_round = round;
	alarm(30);	/* never outlive a parent that died */
	if (writer_start(path, 0, &crash_writer) != XA_OK)
		_exit(2);
	pthread_t th;
	for (int t = 0; t < CRASH_THREADS; t++) {
		sem_init(&crash_slots[t], 0, CRASH_WINDOW);
		if (pthread_create(&th, NULL, crash_submitter,
		    (void *)(intptr_t)t) != 0)
			_exit(3);
	}
	for (;;)
		pause();
}

static long
elapsed_ms(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Reads whole 8-byte ids from fd into *ids, keeping a partial one in
 * carry. Returns the read() result. */
static ssize_t
read_acks(int fd, int64_t **ids, size_t *n, size_t *cap,
    unsigned char *carry, size_t *ncarry)
{
	unsigned char buf[8192];
	memcpy(buf, carry, *ncarry);
	ssize_t r = read(fd, buf + *ncarry, sizeof buf - *ncarry);
	if (r <= 0)
		return r;
	size_t have = *ncarry + (size_t)r, off = 0;
	for (; have - off >= 8; off += 8) {
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 4096;
			*ids = realloc(*ids, *cap * sizeof **ids);
			assert_non_null(*ids);
		}
		memcpy(&(*ids)[(*n)++], buf + off, 8);
	}
	*ncarry = have - off;
	memcpy(carry, buf + off, *ncarry);
	return r;
}

static void
test_crash(void **state)
{
	(void)state;
	char path[128];
	make_db("crash.db", path, sizeof path);
	static const int kill_after_ms[] = { 300, 120, 450, 20, 260 };
	size_t total = 0;
	for (int round = 0; round < 5; round++) {
		int p[2];
		assert_int_equal(pipe(p), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			crash_child(path, p[1], round + 1);
		}
		close(p[1]);
		int64_t *ids = NULL;
		size_t n = 0, cap = 0, ncarry = 0;
		unsigned char carry[8];
		struct timespec t0;
		/* The clock starts at the first acknowledgement, so a slow or
		 * busy machine still kills a child that is writing. */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (n == 0 && elapsed_ms(&t0) < 20000) {
			struct pollfd pfd = { .fd = p[0], .events = POLLIN };
			if (poll(&pfd, 1, 100) > 0 && read_acks(p[0], &ids, &n,
			    &cap, carry, &ncarry) == 0)
				break;	/* the child died early */
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		long left;
		while ((left = kill_after_ms[round] - elapsed_ms(&t0)) > 0) {
			struct pollfd pfd = { .fd = p[0], .events = POLLIN };
			int pr = poll(&pfd, 1, (int)left);
			if (pr > 0 && read_acks(p[0], &ids, &n, &cap, carry,
			    &ncarry) == 0)
				break;	/* the child died early */
		}
		assert_int_equal(kill(pid, SIGKILL), 0);
		int status = 0;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), SIGKILL);
		/* Whatever reached the pipe was acknowledged too. */
		while (read_acks(p[0], &ids, &n, &cap, carry, &ncarry) > 0)
			;
		close(p[0]);
		assert_int_equal(ncarry, 0);
		assert_true(n > 0);

		db *d = NULL;
		char msg[256];
		assert_int_equal(db_open(path, 0, &d), XA_OK);
		assert_int_equal(db_check(d, msg, sizeof msg), XA_OK);
		size_t missing = 0;
		for (size_t i = 0; i < n; i++)
			if (id_present(d, ids[i]) != 1)
				missing++;
		int64_t rows = 0;
		assert_int_equal(db_query_int(d, "SELECT count(*) FROM t",
		    &rows), XA_OK);
		db_close(d);
		print_message("# round %d: killed %d ms after the first ack, "
		    "%zu acknowledged, %zu missing, %lld rows in total\n",
		    round + 1,
		    kill_after_ms[round], n, missing, (long long)rows);
		assert_int_equal(missing, 0);
		total += n;
		assert_true((size_t)rows >= total);
		free(ids);
	}
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static pid_t main_pid;

static void
rm_tmpdir(void)
{
	if (getpid() == main_pid)
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/xiaoan-test-writer-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	main_pid = getpid();
	atexit(rm_tmpdir);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_missing),
		cmocka_unit_test(test_many_threads),
		cmocka_unit_test(test_failing_job),
		cmocka_unit_test(test_failing_commit),
		cmocka_unit_test(test_stop_drains),
		cmocka_unit_test(test_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
