/* test_http_commit.c: group commit over real HTTP. Many concurrent
 * writers; the server is killed with SIGKILL mid-stream; after a restart
 * every write it acknowledged is there. Also checks, through /metrics,
 * that concurrent writes really were grouped into shared commits. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* At most 9,600 writes: the server keeps the newest 10,000 CSP reports. */
enum { THREADS = 16, PER = 600 };

struct load {
	struct srv *s;
	int id;
	int round;
	int acked[PER];
	int nacked;
};

static void *
writer_thread(void *p)
{
	struct load *l = p;
	for (int i = 0; i < PER; i++) {
		char body[256];
		int n = snprintf(body, sizeof body,
		    "{\"csp-report\":{\"document-uri\":\"https://c/%d/%d/%d\","
		    "\"violated-directive\":\"img-src\"}}", l->round, l->id, i);
		struct resp r;
		int rc = http_req(l->s, "POST", "/api/v1/csp-reports",
		    "application/csp-report", body, (size_t)n, NULL, &r);
		if (rc == 0 && r.status == 204)
			l->acked[l->nacked++] = i;
		resp_free(&r);
		if (rc != 0)
			break;
	}
	return NULL;
}

static long
metric(const char *text, const char *name)
{
	const char *p = strstr(text, name);
	if (p == NULL)
		return -1;
	return strtol(p + strlen(name), NULL, 10);
}

static void
test_acknowledged_writes_survive_kill(void **state)
{
	struct srv s;
	memset(&s, 0, sizeof s);
	static const char *const extra[] = { "--loops", "2", "--access-log", "off", NULL };
	for (int round = 0; round < 2; round++) {
		assert_int_equal(srv_start(&s, extra), 0);
		pthread_t th[THREADS];
		struct load *l = calloc(THREADS, sizeof *l);
		for (int i = 0; i < THREADS; i++) {
			l[i].s = &s;
			l[i].id = i;
			l[i].round = round;
			pthread_create(&th[i], NULL, writer_thread, &l[i]);
		}
		usleep(round == 0 ? 250000 : 400000);
		if (round == 0) {
			/* Grouping: with 16 writers, fewer commits than writes. */
			struct resp m;
			assert_int_equal(http_get(&s, "/metrics", &m), 0);
			long batches = metric(m.body, "\nxiaoan_commit_batches_total ");
			long jobs = metric(m.body, "\nxiaoan_commit_jobs_total ");
			assert_true(jobs > 0);
			assert_true(batches > 0);
			assert_true(batches < jobs);
			resp_free(&m);
		}
		srv_kill(&s);
		for (int i = 0; i < THREADS; i++)
			pthread_join(th[i], NULL);
		/* Restart on the same data; then look for every acknowledged write. */
		assert_int_equal(srv_start(&s, extra), 0);
		char db[200];
		snprintf(db, sizeof db, "%s/data/xiaoan.db", s.dir);
		char list[] = "/tmp/xiaoan-acked-XXXXXX";
		int fd = mkstemp(list);
		assert_true(fd >= 0);
		FILE *f = fdopen(fd, "w");
		int total = 0;
		fprintf(f, "CREATE TEMP TABLE acked(uri TEXT);\nBEGIN;\n");
		for (int i = 0; i < THREADS; i++)
			for (int k = 0; k < l[i].nacked; k++, total++)
				fprintf(f, "INSERT INTO acked VALUES('https://c/%d/%d/%d');\n",
				    round, i, l[i].acked[k]);
		fprintf(f, "COMMIT;\nSELECT count(*) FROM acked WHERE uri NOT IN "
		    "(SELECT document_uri FROM csp_reports);\n");
		fclose(f);
		fprintf(stderr, "round %d: %d acknowledged before the kill\n", round, total);
		assert_true(total > 50);
		/* The kill came mid-stream, not after the writers were done. */
		assert_true(total < THREADS * PER);
		char cmd[300];
		snprintf(cmd, sizeof cmd, ".read %s", list);
		char *argv[] = { "sqlite3", db, cmd, NULL };
		char *out = NULL;
		assert_int_equal(run_cmd(argv, &out), 0);
		/* Not one acknowledged write is missing. */
		assert_string_equal(out, "0\n");
		free(out);
		unlink(list);
		free(l);
		assert_int_equal(srv_stop(&s), 0);
		s.port = 0;
	}
	srv_cleanup(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acknowledged_writes_survive_kill),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
