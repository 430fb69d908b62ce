/* test_cli.c: the command line as an operator meets it: help for every
 * command, plain errors with a non-zero exit, init/migrate/verify/backup,
 * a database from a newer xiaoan refused, a damaged one caught. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char dir[64], data[96], dbfile[128];

static int
setup(void **state)
{
	snprintf(dir, sizeof dir, "/tmp/xiaoan-cli-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(data, sizeof data, "%s/data", dir);
	snprintf(dbfile, sizeof dbfile, "%s/xiaoan.db", data);
	return 0;
}

static int
teardown(void **state)
{
	char *argv[] = { "rm", "-rf", dir, NULL };
	return run_cmd(argv, NULL);
}

#define X(...) ((char *[]){ (char *)xiaoan_bin(), __VA_ARGS__, NULL })

static int
xiaoan(char **argv, char **out)
{
	return run_cmd(argv, out);
}

static void
test_help(void **state)
{
	char *out = NULL;
	assert_int_equal(run_cmd((char *[]){ (char *)xiaoan_bin(), NULL }, &out), 2);
	assert_non_null(strstr(out, "Usage"));
	free(out);
	assert_int_equal(xiaoan(X("help"), &out), 0);
	static const char *const cmds[] = { "serve", "init", "demo", "migrate", "backup",
		"verify", "version", "help", NULL };
	for (int i = 0; cmds[i] != NULL; i++)
		assert_non_null(strstr(out, cmds[i]));
	free(out);
	for (int i = 0; cmds[i] != NULL; i++) {
		char want[64];
		snprintf(want, sizeof want, "Usage: xiaoan %s", cmds[i]);
		assert_int_equal(xiaoan(X((char *)cmds[i], "--help"), &out), 0);
		assert_non_null(strstr(out, want));
		free(out);
	}
	assert_int_equal(xiaoan(X("serve", "--help"), &out), 0);
	assert_non_null(strstr(out, "--listen"));
	assert_non_null(strstr(out, "--data"));
	assert_non_null(strstr(out, "--check-config"));
	free(out);
	assert_int_equal(xiaoan(X("frobnicate"), &out), 2);
	assert_non_null(strstr(out, "no command \"frobnicate\""));
	free(out);
	assert_int_equal(xiaoan(X("version"), &out), 0);
	assert_non_null(strstr(out, "xiaoan "));
	free(out);
}

static void
test_init_and_serve_errors(void **state)
{
	char *out = NULL;
	/* No database yet: serve says how to make one. */
	assert_int_equal(xiaoan(X("serve", "--data", data, "--listen", "127.0.0.1:0"), &out), 1);
	assert_non_null(strstr(out, "xiaoan init"));
	free(out);
	assert_int_equal(xiaoan(X("init", "--data", data), &out), 0);
	free(out);
	assert_int_equal(access(dbfile, F_OK), 0);
	assert_int_equal(xiaoan(X("init", "--data", data), &out), 1);
	assert_non_null(strstr(out, "already"));
	free(out);
	assert_int_equal(xiaoan(X("init", "--data", data, "--if-empty"), &out), 0);
	free(out);
	assert_int_equal(xiaoan(X("serve", "--data", data, "--check-config"), &out), 0);
	assert_non_null(strstr(out, "configuration OK"));
	free(out);
	assert_int_equal(xiaoan(X("serve", "--data", data, "--listen", "nowhere",
	    "--check-config"), &out), 1);
	assert_non_null(strstr(out, "listen"));
	free(out);
	assert_int_equal(xiaoan(X("serve", "--data", data, "--timeout", "soon"), &out), 2);
	assert_non_null(strstr(out, "timeout"));
	free(out);
	assert_int_equal(xiaoan(X("serve", "--data", data, "--bogus-flag"), &out), 2);
	free(out);
	/* The demo's scale is a percentage. */
	static char *const bad_cases[] = { "101", "-1", "abc", "", "50x", NULL };
	for (size_t i = 0; bad_cases[i] != NULL; i++) {
		assert_int_equal(xiaoan(X("demo", "--data", data, "--cases", bad_cases[i]), &out), 2);
		assert_non_null(strstr(out, "--cases"));
		free(out);
	}
	/* The environment overrides the file, a flag overrides both. */
	char ini[160];
	snprintf(ini, sizeof ini, "%s/xiaoan.ini", data);
	FILE *f = fopen(ini, "w");
	fputs("[server]\nlisten = bad-from-file\n", f);
	fclose(f);
	assert_int_equal(xiaoan(X("serve", "--data", data, "--check-config"), &out), 1);
	assert_non_null(strstr(out, "bad-from-file"));
	free(out);
	setenv("XIAOAN_LISTEN", "127.0.0.1:9", 1);
	assert_int_equal(xiaoan(X("serve", "--data", data, "--check-config"), &out), 0);
	free(out);
	setenv("XIAOAN_LISTEN", "bad-from-env", 1);
	assert_int_equal(xiaoan(X("serve", "--data", data, "--listen", "127.0.0.1:9",
	    "--check-config"), &out), 0);
	free(out);
	unsetenv("XIAOAN_LISTEN");
	unlink(ini);
	/* A port already taken is said plainly. */
	struct srv s;
	memset(&s, 0, sizeof s);
	assert_int_equal(srv_start(&s, NULL), 0);
	char port[32];
	snprintf(port, sizeof port, "127.0.0.1:%d", s.port);
	assert_int_equal(xiaoan(X("serve", "--data", data, "--listen", port), &out), 1);
	assert_non_null(strstr(out, "cannot listen"));
	free(out);
	assert_int_equal(srv_stop(&s), 0);
	srv_cleanup(&s);
}

static void
test_migrate_verify_backup(void **state)
{
	char *out = NULL;
	assert_int_equal(xiaoan(X("migrate", "--data", data), &out), 0);
	assert_non_null(strstr(out, "is current"));
	free(out);
	assert_int_equal(xiaoan(X("verify", "--data", data), &out), 0);
	assert_non_null(strstr(out, "database OK"));
	free(out);
	/* A backup while the server runs and takes writes. */
	struct srv s;
	memset(&s, 0, sizeof s);
	snprintf(s.dir, sizeof s.dir, "%s", dir);
	assert_int_equal(srv_start(&s, NULL), 0);
	static const char rep[] = "{\"csp-report\":{\"document-uri\":\"https://b/\","
	    "\"violated-directive\":\"img-src\"}}";
	struct resp r;
	assert_int_equal(http_req(&s, "POST", "/api/v1/csp-reports",
	    "application/csp-report", rep, sizeof rep - 1, NULL, &r), 0);
	assert_int_equal(r.status, 204);
	resp_free(&r);
	char bak[160];
	snprintf(bak, sizeof bak, "%s/backup-1.db", dir);
	assert_int_equal(xiaoan(X("backup", "--data", data, bak), &out), 0);
	free(out);
	assert_int_equal(srv_stop(&s), 0);
	char *q[] = { "sqlite3", bak, "SELECT count(*) FROM csp_reports WHERE document_uri='https://b/'", NULL };
	assert_int_equal(run_cmd(q, &out), 0);
	assert_string_equal(out, "1\n");
	free(out);
	/* Never over an existing file. */
	assert_int_equal(xiaoan(X("backup", "--data", data, bak), &out), 1);
	assert_non_null(strstr(out, "exists"));
	free(out);
	assert_int_equal(xiaoan(X("backup", "--data", data), &out), 2);
	free(out);
}

static void
test_newer_schema_refused(void **state)
{
	char copy[160];
	snprintf(copy, sizeof copy, "%s/newer", dir);
	char copydb[192];
	snprintf(copydb, sizeof copydb, "%s/xiaoan.db", copy);
	char *out = NULL;
	assert_int_equal(xiaoan(X("init", "--data", copy), &out), 0);
	free(out);
	char *ins[] = { "sqlite3", copydb,
		"INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 0)", NULL };
	assert_int_equal(run_cmd(ins, NULL), 0);
	assert_int_equal(xiaoan(X("serve", "--data", copy, "--listen", "127.0.0.1:0"), &out), 1);
	assert_non_null(strstr(out, "newer"));
	free(out);
	assert_int_equal(xiaoan(X("migrate", "--data", copy), &out), 1);
	assert_non_null(strstr(out, "newer"));
	free(out);
	assert_int_equal(xiaoan(X("verify", "--data", copy), &out), 1);
	free(out);
}

static void
test_damaged_database(void **state)
{
	char copy[160];
	snprintf(copy, sizeof copy, "%s/damaged", dir);
	char copydb[192];
	snprintf(copydb, sizeof copydb, "%s/xiaoan.db", copy);
	char *out = NULL;
	assert_int_equal(xiaoan(X("init", "--data", copy), &out), 0);
	free(out);
	/* Scribble over the second page, where the tables' b-trees live. */
	int fd = open(copydb, O_WRONLY);
	assert_true(fd >= 0);
	char junk[2048];
	memset(junk, 0xA5, sizeof junk);
	assert_int_equal(pwrite(fd, junk, sizeof junk, 4096 + 8), (ssize_t)sizeof junk);
	close(fd);
	assert_int_not_equal(xiaoan(X("verify", "--data", copy), &out), 0);
	free(out);
}

/* Rows changed, deleted or inserted behind the program's back: `xiaoan
 * verify` fails and names the record, each time on a fresh copy. */
static void
test_verify_catches_tampering(void **state)
{
	static const struct {
		const char *sql, *want;
	} cases[] = {
		{ "UPDATE audit_log SET action = 'account.delete' WHERE id = 2", "record 2" },
		{ "UPDATE audit_log SET account_id = 7 WHERE id = 3", "record 3" },
		{ "DELETE FROM audit_log WHERE id = 2", "2" },
		{ "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)", "removed" },
		{ "INSERT INTO audit_log (id, at, action, prev_hash, hash, mac) SELECT max(id) + 1, 0,"
		  " 'account.create', hash, hash, mac FROM audit_log", "record" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char folder[160], db[192], *out = NULL;
		snprintf(folder, sizeof folder, "%s/tamper%zu", dir, i);
		snprintf(db, sizeof db, "%s/xiaoan.db", folder);
		assert_int_equal(xiaoan(X("init", "--data", folder), &out), 0);
		free(out);
		assert_int_equal(xiaoan(X("verify", "--data", folder), &out), 0);
		assert_non_null(strstr(out, "audit chain OK"));
		free(out);
		char *q[] = { "sqlite3", db, (char *)cases[i].sql, NULL };
		assert_int_equal(run_cmd(q, NULL), 0);
		assert_int_equal(xiaoan(X("verify", "--data", folder), &out), 1);
		if (strstr(out, cases[i].want) == NULL)
			fail_msg("%s: %s", cases[i].sql, out);
		assert_non_null(strstr(out, "audit chain is broken"));
		free(out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_init_and_serve_errors),
		cmocka_unit_test(test_migrate_verify_backup),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test(test_damaged_database),
		cmocka_unit_test(test_verify_catches_tampering),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
