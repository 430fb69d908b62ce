/* test_http_shutdown.c: SIGTERM and SIGINT stop the server cleanly: the
 * requests in flight are answered, every acknowledged write is in the
 * database, new connections are refused, and the exit status is 0. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static void
test_sigterm_idle(void **state)
{
	struct srv s;
	memset(&s, 0, sizeof s);
	assert_int_equal(srv_start(&s, NULL), 0);
	assert_int_equal(srv_stop(&s), 0);
	assert_true(file_contains(s.log, "stopped"));
	srv_cleanup(&s);
}

static void
test_sigint(void **state)
{
	struct srv s;
	int st = 0;
	memset(&s, 0, sizeof s);
	assert_int_equal(srv_start(&s, NULL), 0);
	kill(s.pid, SIGINT);
	assert_int_equal(waitpid(s.pid, &st, 0), s.pid);
	s.pid = 0;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	srv_cleanup(&s);
}

struct load {
	struct srv *s;
	int id;
	atomic_int *stop;
	int acked[4000];
	int nacked;
	int bad;	/* answers that were neither 204 nor a clean refusal */
};

static void *
writer_thread(void *p)
{
	struct load *l = p;
	for (int i = 0; i < 4000 && !atomic_load(l->stop); i++) {
		char body[256];
		int n = snprintf(body, sizeof body,
		    "{\"csp-report\":{\"document-uri\":\"https://t/%d/%d\","
		    "\"violated-directive\":\"img-src\"}}", l->id, i);
		struct resp r;
		int rc = http_req(l->s, "POST", "/api/v1/csp-reports",
		    "application/csp-report", body, (size_t)n, NULL, &r);
		if (rc == 0 && r.status == 204)
			l->acked[l->nacked++] = i;
		else if (rc == 0 && r.status != 503)
			l->bad++;
		resp_free(&r);
		if (rc != 0)
			break;	/* the server has stopped listening */
	}
	return NULL;
}

static void
test_sigterm_under_load(void **state)
{
	struct srv s;
	memset(&s, 0, sizeof s);
	static const char *const extra[] = { "--loops", "2", "--shutdown-grace", "5", NULL };
	assert_int_equal(srv_start(&s, extra), 0);
	enum { N = 6 };
	atomic_int stop = 0;
	pthread_t th[N];
	struct load *l = calloc(N, sizeof *l);
	for (int i = 0; i < N; i++) {
		l[i].s = &s;
		l[i].id = i;
		l[i].stop = &stop;
		pthread_create(&th[i], NULL, writer_thread, &l[i]);
	}
	usleep(400000);
	kill(s.pid, SIGTERM);
	int st = 0;
	assert_int_equal(waitpid(s.pid, &st, 0), s.pid);
	s.pid = 0;
	atomic_store(&stop, 1);
	for (int i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* New connections are refused once it has stopped. */
	assert_int_equal(raw_connect(&s), -1);
	int total = 0;
	for (int i = 0; i < N; i++) {
		assert_int_equal(l[i].bad, 0);
		total += l[i].nacked;
	}
	assert_true(total > 10);
	/* Every acknowledged report is in the database. */
	char db[200];
	snprintf(db, sizeof db, "%s/data/xiaoan.db", s.dir);
	for (int i = 0; i < N; i++) {
		for (int k = 0; k < l[i].nacked; k += 7) {
			char sql[200];
			snprintf(sql, sizeof sql,
			    "SELECT count(*) FROM csp_reports WHERE document_uri = 'https://t/%d/%d'",
			    i, l[i].acked[k]);
			char *argv[] = { "sqlite3", db, sql, NULL };
			char *out = NULL;
			assert_int_equal(run_cmd(argv, &out), 0);
			assert_int_equal(strtol(out, NULL, 10), 1);
			free(out);
		}
	}
	char sql[] = "SELECT count(*) FROM csp_reports";
	char *argv[] = { "sqlite3", db, sql, NULL };
	char *out = NULL;
	assert_int_equal(run_cmd(argv, &out), 0);
	assert_true(strtol(out, NULL, 10) >= total);
	free(out);
	free(l);
	srv_cleanup(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigterm_idle),
		cmocka_unit_test(test_sigint),
		cmocka_unit_test(test_sigterm_under_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
