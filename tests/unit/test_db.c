/* test_db.c: the SQLite backend of db.h, migrations and online backup.
 *
 * Every test works in files under one temporary folder (mkdtemp in /tmp)
 * that main() removes at the end; none may touch anything outside it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/embed.h"
#include "store/db.h"

static char tmpdir[64];

/* The path of name inside the temporary folder, in a static buffer per
 * call site's own buf. */
static const char *
tpath(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", tmpdir, name);
	assert_true(n > 0 && (size_t)n < len);
	return buf;
}

/* Opens (creating) a database called name in the temporary folder. */
static db *
open_new(const char *name)
{
	char p[256];
	db *d = NULL;
	assert_int_equal(db_open(tpath(p, sizeof p, name), DB_CREATE, &d),
	    XA_OK);
	assert_non_null(d);
	return d;
}

static int64_t
qint(db *d, const char *sql)
{
	int64_t v = -12345;
	assert_int_equal(db_query_int(d, sql, &v), XA_OK);
	return v;
}

/* The first column of the first row of sql as text, copied into out. */
static void
qtext(db *d, const char *sql, char *out, size_t len)
{
	db_stmt *s = NULL;
	assert_int_equal(db_prepare(d, sql, &s), XA_OK);
	assert_int_equal(db_step(s), 1);
	snprintf(out, len, "%s", db_col_text(s, 0));
	db_done(s);
}

static void
test_open_errors(void **state)
{
	(void)state;
	char p[256];
	db *d = NULL;
	assert_int_equal(db_open(tpath(p, sizeof p, "missing.db"), 0, &d),
	    XA_ENOTFOUND);
	assert_null(d);
	assert_int_equal(db_open(p, DB_READONLY, &d), XA_ENOTFOUND);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(db_open("postgresql://localhost/xiaoan", 0, &d),
	    XA_EINVAL);
	assert_int_equal(db_open("mysql:x.db", DB_CREATE, &d), XA_EINVAL);
	assert_int_equal(db_open("", DB_CREATE, &d), XA_EINVAL);
	assert_int_equal(db_open("sqlite:", DB_CREATE, &d), XA_EINVAL);
	assert_null(d);
	assert_int_equal(db_open(tpath(p, sizeof p, "nodir/x.db"), DB_CREATE,
	    &d), XA_ENOTFOUND);
}

static void
test_open_pragmas(void **state)
{
	(void)state;
	char p[256], url[300], mode[32];
	snprintf(url, sizeof url, "sqlite:%s", tpath(p, sizeof p, "url.db"));
	db *d = NULL;
	assert_int_equal(db_open(url, DB_CREATE, &d), XA_OK);
	qtext(d, "PRAGMA journal_mode", mode, sizeof mode);
	assert_string_equal(mode, "wal");
	assert_int_equal(qint(d, "PRAGMA synchronous"), 2);	/* FULL */
	assert_int_equal(qint(d, "PRAGMA foreign_keys"), 1);
	assert_int_equal(qint(d, "PRAGMA busy_timeout"), 5000);
	assert_int_equal(db_exec(d, "CREATE TABLE t (x INTEGER)"), XA_OK);
	db_close(d);
	/* The file exists now; the plain path opens the same database. */
	assert_int_equal(db_open(p, 0, &d), XA_OK);
	assert_int_equal(qint(d, "SELECT count(*) FROM t"), 0);
	db_close(d);
	db_close(NULL);
}

static void
test_readonly(void **state)
{
	(void)state;
	char p[256];
	db *d = open_new("ro.db");
	assert_int_equal(db_exec(d, "CREATE TABLE t (x INTEGER);"
	    "INSERT INTO t VALUES (7)"), XA_OK);
	db_close(d);
	assert_int_equal(db_open(tpath(p, sizeof p, "ro.db"), DB_READONLY,
	    &d), XA_OK);
	assert_int_equal(qint(d, "SELECT x FROM t"), 7);
	db_stmt *s = NULL;
	assert_int_equal(db_prepare(d, "INSERT INTO t VALUES (?)", &s), XA_OK);
	assert_int_equal(db_bind_int(s, 1, 8), XA_OK);
	assert_int_equal(db_step(s), -(int)XA_EDB);
	assert_true(strlen(db_errmsg(d)) > 0);
	db_done(s);
	assert_int_equal(db_exec(d, "DELETE FROM t"), XA_EDB);
	assert_int_equal(qint(d, "SELECT count(*) FROM t"), 1);
	db_close(d);
}

static void
test_types(void **state)
{
	(void)state;
	db *d = open_new("types.db");
	static const char zh[] = "校园欺凌防治：请于３日内上报——初二（3）班";
	const unsigned char bin[] = { 0, 1, 2, 0xff, 0, 0x80 };
	assert_int_equal(db_exec(d, "CREATE TABLE v (i INTEGER, r DOUBLE "
	    "PRECISION, t TEXT, b BLOB, n TEXT)"), XA_OK);
	db_stmt *s = NULL;
	static const char ins[] = "INSERT INTO v VALUES (?, ?, ?, ?, ?)";
	assert_int_equal(db_prepare(d, ins, &s), XA_OK);
	assert_int_equal(db_bind_int(s, 1, INT64_MIN), XA_OK);
	assert_int_equal(db_bind_double(s, 2, -2.5e-300), XA_OK);
	assert_int_equal(db_bind_text(s, 3, zh, -1), XA_OK);
	assert_int_equal(db_bind_blob(s, 4, bin, sizeof bin), XA_OK);
	assert_int_equal(db_bind_null(s, 5), XA_OK);
	assert_int_equal(db_bind_int(s, 6, 1), XA_EINVAL);	/* no such */
	assert_int_equal(db_step(s), 0);
	assert_int_equal(db_changes(d), 1);
	assert_int_equal(db_last_id(d), 1);
	db_done(s);
	/* Second row: the largest integer, text cut by length (the first
	 * two characters, 6 bytes), an empty blob. */
	assert_int_equal(db_prepare(d, ins, &s), XA_OK);
	assert_int_equal(db_bind_int(s, 1, INT64_MAX), XA_OK);
	assert_int_equal(db_bind_double(s, 2, 3.25), XA_OK);
	assert_int_equal(db_bind_text(s, 3, zh, 6), XA_OK);
	assert_int_equal(db_bind_blob(s, 4, "", 0), XA_OK);
	assert_int_equal(db_bind_text(s, 5, "", -1), XA_OK);
	assert_int_equal(db_step(s), 0);
	assert_int_equal(db_last_id(d), 2);
	db_done(s);

	assert_int_equal(db_prepare(d, "SELECT i, r, t, b, n FROM v "
	    "ORDER BY rowid", &s), XA_OK);
	assert_int_equal(db_col_count(s), 5);
	assert_string_equal(db_col_name(s, 0), "i");
	assert_string_equal(db_col_name(s, 4), "n");
	assert_int_equal(db_step(s), 1);
	assert_true(db_col_int(s, 0) == INT64_MIN);
	assert_true(db_col_double(s, 1) == -2.5e-300);
	assert_string_equal(db_col_text(s, 2), zh);
	assert_int_equal(db_col_len(s, 2), strlen(zh));
	const void *b = db_col_blob(s, 3);
	assert_int_equal(db_col_len(s, 3), sizeof bin);
	assert_memory_equal(b, bin, sizeof bin);
	assert_true(db_col_is_null(s, 4));
	assert_false(db_col_is_null(s, 3));
	assert_string_equal(db_col_text(s, 4), "");
	assert_int_equal(db_step(s), 1);
	assert_true(db_col_int(s, 0) == INT64_MAX);
	assert_true(db_col_double(s, 1) == 3.25);
	assert_string_equal(db_col_text(s, 2), "校园");
	db_col_blob(s, 3);
	assert_int_equal(db_col_len(s, 3), 0);
	assert_false(db_col_is_null(s, 3));	/* empty, not NULL */
	assert_false(db_col_is_null(s, 4));
	assert_int_equal(db_step(s), 0);
	db_done(s);

	/* Chinese text as a bound parameter in a WHERE clause. */
	assert_int_equal(db_prepare(d, "SELECT count(*) FROM v WHERE t = ?",
	    &s), XA_OK);
	assert_int_equal(db_bind_text(s, 1, zh, -1), XA_OK);
	assert_int_equal(db_step(s), 1);
	assert_int_equal(db_col_int(s, 0), 1);
	db_done(s);
	db_done(NULL);
	db_close(d);
}

static void
test_stmt_cache(void **state)
{
	(void)state;
	db *d = open_new("cache.db");
	static const char sql[] = "SELECT ? + 1";
	db_stmt *a = NULL, *b = NULL, *c = NULL;
	assert_int_equal(db_prepare(d, sql, &a), XA_OK);
	assert_int_equal(db_bind_int(a, 1, 41), XA_OK);
	assert_int_equal(db_step(a), 1);
	assert_int_equal(db_col_int(a, 0), 42);
	/* In use: the same SQL gets a second statement of its own. */
	assert_int_equal(db_prepare(d, sql, &b), XA_OK);
	assert_ptr_not_equal(a, b);
	assert_int_equal(db_bind_int(b, 1, 1), XA_OK);
	assert_int_equal(db_step(b), 1);
	assert_int_equal(db_col_int(b, 0), 2);
	assert_int_equal(db_col_int(a, 0), 42);
	db_done(b);
	db_done(a);
	/* Handed back: reused, reset, bindings cleared (NULL + 1 is NULL). */
	assert_int_equal(db_prepare(d, sql, &c), XA_OK);
	assert_true(c == a || c == b);
	assert_int_equal(db_step(c), 1);
	assert_true(db_col_is_null(c, 0));
	db_done(c);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(db_prepare(d, sql, &c), XA_OK);
		assert_int_equal(db_bind_int(c, 1, i), XA_OK);
		assert_int_equal(db_step(c), 1);
		assert_int_equal(db_col_int(c, 0), i + 1);
		db_done(c);
	}
	/* A buffer whose text changes keeps its address; the cache must
	 * notice and not run the old statement. */
	char buf[32];
	snprintf(buf, sizeof buf, "SELECT 1");
	assert_int_equal(qint(d, buf), 1);
	snprintf(buf, sizeof buf, "SELECT 2");
	assert_int_equal(qint(d, buf), 2);
	/* Many distinct statements make the table grow. */
	static char many[300][24];
	for (int i = 0; i < 300; i++) {
		snprintf(many[i], sizeof many[i], "SELECT %d", i);
		assert_int_equal(qint(d, many[i]), i);
	}
	for (int i = 0; i < 300; i++)
		assert_int_equal(qint(d, many[i]), i);
	/* One statement only; bad SQL is XA_EDB with a message. */
	assert_int_equal(db_prepare(d, "SELECT 1; SELECT 2", &c), XA_EINVAL);
	assert_null(c);
	assert_int_equal(db_prepare(d, "SELECT 1;  \n", &c), XA_OK);
	db_done(c);
	assert_int_equal(db_prepare(d, "SELEKT 1", &c), XA_EDB);
	assert_non_null(strstr(db_errmsg(d), "syntax"));
	assert_int_equal(db_prepare(d, "  ", &c), XA_EINVAL);
	int64_t v = 0;
	assert_int_equal(db_query_int(d, "SELECT 1 WHERE 0", &v), XA_ENOTFOUND);
	/* A statement never handed back is finalized by db_close. */
	assert_int_equal(db_prepare(d, "SELECT 3", &c), XA_OK);
	db_close(d);
}

static void
test_unique(void **state)
{
	(void)state;
	db *d = open_new("unique.db");
	assert_int_equal(db_exec(d, "CREATE TABLE u (id INTEGER PRIMARY KEY, "
	    "k TEXT NOT NULL UNIQUE)"), XA_OK);
	static const char ins[] = "INSERT INTO u (id, k) VALUES (?, ?)";
	db_stmt *s = NULL;
	struct { int64_t id; const char *k; int want; } rows[] = {
		{ 1, "甲", 0 },
		{ 2, "甲", -(int)XA_EEXIST },	/* unique */
		{ 1, "乙", -(int)XA_EEXIST },	/* primary key */
		{ 3, NULL, -(int)XA_EDB },	/* NOT NULL */
		{ 3, "乙", 0 },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		assert_int_equal(db_prepare(d, ins, &s), XA_OK);
		assert_int_equal(db_bind_int(s, 1, rows[i].id), XA_OK);
		if (rows[i].k)
			assert_int_equal(db_bind_text(s, 2, rows[i].k, -1),
			    XA_OK);
		else
			assert_int_equal(db_bind_null(s, 2), XA_OK);
		assert_int_equal(db_step(s), rows[i].want);
		db_done(s);
	}
	assert_int_equal(qint(d, "SELECT count(*) FROM u"), 2);
	assert_int_equal(db_exec(d, "INSERT INTO u VALUES (9, '甲')"),
	    XA_EEXIST);
	db_close(d);
}

static void
test_transactions(void **state)
{
	(void)state;
	db *d = open_new("tx.db");
	assert_int_equal(db_exec(d, "CREATE TABLE t (x INTEGER)"), XA_OK);
	assert_int_equal(db_rollback(d), XA_OK);	/* none open: fine */
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(db_exec(d, "INSERT INTO t VALUES (1)"), XA_OK);
	assert_int_equal(db_rollback(d), XA_OK);
	assert_int_equal(qint(d, "SELECT count(*) FROM t"), 0);

	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(db_exec(d, "INSERT INTO t VALUES (1)"), XA_OK);
	assert_int_equal(db_savepoint(d, "outer_1"), XA_OK);
	assert_int_equal(db_exec(d, "INSERT INTO t VALUES (2)"), XA_OK);
	assert_int_equal(db_savepoint(d, "inner"), XA_OK);
	assert_int_equal(db_exec(d, "INSERT INTO t VALUES (3)"), XA_OK);
	assert_int_equal(db_rollback_to(d, "inner"), XA_OK);
	assert_int_equal(db_release(d, "inner"), XA_OK);
	assert_int_equal(db_release(d, "outer_1"), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	assert_int_equal(qint(d, "SELECT count(*) FROM t"), 2);
	assert_int_equal(qint(d, "SELECT sum(x) FROM t"), 3);

	/* Rolling back to the outer savepoint undoes the inner one too. */
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(db_savepoint(d, "a"), XA_OK);
	assert_int_equal(db_exec(d, "INSERT INTO t VALUES (10)"), XA_OK);
	assert_int_equal(db_savepoint(d, "b"), XA_OK);
	assert_int_equal(db_exec(d, "INSERT INTO t VALUES (20)"), XA_OK);
	assert_int_equal(db_rollback_to(d, "a"), XA_OK);
	assert_int_equal(db_release(d, "a"), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	assert_int_equal(qint(d, "SELECT sum(x) FROM t"), 3);

	/* More names than the savepoint cache holds still work. */
	char name[16];
	assert_int_equal(db_begin(d), XA_OK);
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "sp_%d", i);
		assert_int_equal(db_savepoint(d, name), XA_OK);
	}
	for (int i = 19; i >= 0; i--) {
		snprintf(name, sizeof name, "sp_%d", i);
		assert_int_equal(db_release(d, name), XA_OK);
	}
	assert_int_equal(db_commit(d), XA_OK);

	static const char *const bad[] = { "", "Job", "a b", "x;DROP TABLE t",
	    "名", "sp-1", "a_very_long_savepoint_name_over_31" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(db_savepoint(d, bad[i]), XA_EINVAL);
		assert_int_equal(db_release(d, bad[i]), XA_EINVAL);
		assert_int_equal(db_rollback_to(d, bad[i]), XA_EINVAL);
	}
	assert_int_equal(qint(d, "SELECT count(*) FROM t"), 2);
	/* Outside a transaction ROLLBACK TO has nothing to go back to. */
	assert_int_equal(db_rollback_to(d, "nowhere"), XA_EDB);
	assert_int_equal(db_commit(d), XA_EDB);
	db_close(d);
}

/* A second connection holding the write lock makes BEGIN IMMEDIATE wait
 * for the busy timeout (shortened here) and then answer XA_EBUSY. */
static void
test_busy(void **state)
{
	(void)state;
	char p[256];
	db *a = open_new("busy.db"), *b = NULL;
	assert_int_equal(db_open(tpath(p, sizeof p, "busy.db"), 0, &b), XA_OK);
	assert_int_equal(db_exec(b, "PRAGMA busy_timeout=200"), XA_OK);
	assert_int_equal(db_begin(a), XA_OK);
	assert_int_equal(db_begin(b), XA_EBUSY);
	assert_int_equal(db_commit(a), XA_OK);
	assert_int_equal(db_begin(b), XA_OK);
	assert_int_equal(db_commit(b), XA_OK);
	db_close(b);
	db_close(a);
}

static void
test_migrate_empty(void **state)
{
	(void)state;
	db *d = open_new("mig.db");
	int v = -1, from = -1, to = -1, exists = -1;
	int latest = db_schema_latest();
	assert_true(latest >= 1);
	assert_true(embedded_migrations_count >= 1);
	assert_int_equal(db_schema_version(d, &v), XA_OK);
	assert_int_equal(v, 0);
	assert_int_equal(db_migrate(d, &from, &to), XA_OK);
	assert_int_equal(from, 0);
	assert_int_equal(to, latest);
	assert_int_equal(db_schema_version(d, &v), XA_OK);
	assert_int_equal(v, latest);
	assert_int_equal(qint(d, "SELECT count(*) FROM schema_migrations"),
	    (int64_t)embedded_migrations_count);
	char name[64];
	qtext(d, "SELECT name FROM schema_migrations WHERE version = 1", name,
	    sizeof name);
	assert_string_equal(name, "0001_base.sql");
	assert_true(qint(d, "SELECT min(applied_at) FROM schema_migrations") >
	    1700000000);
	assert_int_equal(db_table_exists(d, "csp_reports", &exists), XA_OK);
	assert_int_equal(exists, 1);
	assert_int_equal(db_table_exists(d, "no_such", &exists), XA_OK);
	assert_int_equal(exists, 0);

	/* The first real table takes a report with its defaults. */
	assert_int_equal(db_exec(d, "INSERT INTO csp_reports (received_at, "
	    "document_uri, violated_directive, blocked_uri) VALUES "
	    "(1735689600, 'https://x/', 'script-src', 'inline')"), XA_OK);
	assert_int_equal(qint(d, "SELECT line FROM csp_reports"), 0);
	assert_int_equal(qint(d, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'index' AND name = 'csp_reports_received_at'"), 1);

	/* Idempotent. */
	assert_int_equal(db_migrate(d, &from, &to), XA_OK);
	assert_int_equal(from, latest);
	assert_int_equal(to, latest);
	assert_int_equal(qint(d, "SELECT count(*) FROM schema_migrations"),
	    (int64_t)embedded_migrations_count);
	assert_int_equal(qint(d, "SELECT count(*) FROM csp_reports"), 1);
	assert_int_equal(db_migrate(d, NULL, NULL), XA_OK);
	db_close(d);

	/* A read-only connection reads the version. */
	char p[256];
	assert_int_equal(db_open(tpath(p, sizeof p, "mig.db"), DB_READONLY,
	    &d), XA_OK);
	assert_int_equal(db_schema_version(d, &v), XA_OK);
	assert_int_equal(v, latest);
	db_close(d);
}

static void
test_migrate_newer(void **state)
{
	(void)state;
	db *d = open_new("newer.db");
	int from = -1, to = -1, v = -1, exists = -1;
	assert_int_equal(db_exec(d, "CREATE TABLE schema_migrations (version "
	    "INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT "
	    "NULL); INSERT INTO schema_migrations VALUES "
	    "(9999, '9999_future.sql', 1)"), XA_OK);
	int64_t before = qint(d, "SELECT count(*) FROM sqlite_master");
	assert_int_equal(db_migrate(d, &from, &to), XA_ESCHEMA);
	assert_int_equal(from, 9999);
	assert_int_equal(to, 9999);
	assert_int_equal(db_schema_version(d, &v), XA_OK);
	assert_int_equal(v, 9999);
	assert_int_equal(db_table_exists(d, "csp_reports", &exists), XA_OK);
	assert_int_equal(exists, 0);
	assert_int_equal(qint(d, "SELECT count(*) FROM sqlite_master"),
	    before);
	assert_int_equal(qint(d, "SELECT count(*) FROM schema_migrations"), 1);
	db_close(d);
}

static void
test_check(void **state)
{
	(void)state;
	db *d = open_new("check.db");
	char msg[256] = "unset";
	assert_int_equal(db_migrate(d, NULL, NULL), XA_OK);
	assert_int_equal(db_check(d, msg, sizeof msg), XA_OK);
	assert_string_equal(msg, "ok");
	assert_int_equal(db_check(d, NULL, 0), XA_OK);
	/* With foreign keys off an orphan gets in; the check finds it. */
	assert_int_equal(db_exec(d, "CREATE TABLE parent (id INTEGER PRIMARY "
	    "KEY); CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id "
	    "INTEGER NOT NULL REFERENCES parent (id))"), XA_OK);
	assert_int_equal(db_exec(d, "INSERT INTO child VALUES (1, 5)"),
	    XA_EDB);
	assert_int_equal(db_exec(d, "PRAGMA foreign_keys=OFF; INSERT INTO "
	    "child VALUES (1, 5); PRAGMA foreign_keys=ON"), XA_OK);
	assert_int_equal(db_check(d, msg, sizeof msg), XA_EDB);
	assert_non_null(strstr(msg, "child"));
	assert_non_null(strstr(msg, "parent"));
	db_close(d);
}

struct churn {
	char path[256];
	atomic_int stop;
	atomic_long commits;
	int failures;
};

/* Moves money between accounts on its own connection until told to stop;
 * each transfer also logs a row in the same transaction. The sum of the
 * balances and the number of log rows against transfers are invariants a
 * torn copy would break. */
static void *
churn_main(void *arg)
{
	struct churn *c = arg;
	db *d = NULL;
	if (db_open(c->path, 0, &d) != XA_OK) {
		c->failures++;
		return NULL;
	}
	unsigned seed = 7;
	while (!atomic_load(&c->stop)) {
		int from = (int)(rand_r(&seed) % 100) + 1;
		int to = (int)(rand_r(&seed) % 100) + 1;
		int amount = (int)(rand_r(&seed) % 50);
		db_stmt *s = NULL;
		xa_err err = db_begin(d);
		if (err == XA_OK)
			err = db_prepare(d, "UPDATE acct SET balance = balance "
			    "+ ? WHERE id = ?", &s);
		if (err == XA_OK) {
			db_bind_int(s, 1, -amount);
			db_bind_int(s, 2, from);
			if (db_step(s) != 0)
				err = XA_EDB;
			db_done(s);
		}
		if (err == XA_OK)
			err = db_prepare(d, "UPDATE acct SET balance = balance "
			    "+ ? WHERE id = ?", &s);
		if (err == XA_OK) {
			db_bind_int(s, 1, amount);
			db_bind_int(s, 2, to);
			if (db_step(s) != 0)
				err = XA_EDB;
			db_done(s);
		}
		if (err == XA_OK)
			err = db_exec(d, "INSERT INTO xfer (pad) VALUES "
			    "(randomblob(200)); UPDATE meta SET n = n + 1");
		if (err == XA_OK)
			err = db_commit(d);
		if (err != XA_OK) {
			db_rollback(d);
			c->failures++;
		} else {
			atomic_fetch_add(&c->commits, 1);
		}
	}
	db_close(d);
	return NULL;
}

/* Opens a backup and checks its invariants. */
static void
check_copy(const char *path)
{
	db *d = NULL;
	char msg[256];
	assert_int_equal(db_open(path, DB_READONLY, &d), XA_OK);
	assert_int_equal(db_check(d, msg, sizeof msg), XA_OK);
	assert_int_equal(qint(d, "SELECT sum(balance) FROM acct"), 100000);
	assert_int_equal(qint(d, "SELECT count(*) FROM xfer"),
	    qint(d, "SELECT n FROM meta"));
	assert_int_equal(qint(d, "SELECT count(*) FROM filler"), 2000);
	db_close(d);
}

static void
test_backup(void **state)
{
	(void)state;
	struct churn c;
	memset(&c, 0, sizeof c);
	db *d = open_new("live.db");
	tpath(c.path, sizeof c.path, "live.db");
	assert_int_equal(db_exec(d, "CREATE TABLE acct (id INTEGER PRIMARY "
	    "KEY, balance INTEGER NOT NULL); CREATE TABLE xfer (id INTEGER "
	    "PRIMARY KEY, pad BLOB); CREATE TABLE meta (n INTEGER NOT NULL);"
	    "INSERT INTO meta VALUES (0);"
	    "CREATE TABLE filler (id INTEGER PRIMARY KEY, b BLOB);"
	    "BEGIN;"
	    "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k "
	    "WHERE i < 100) INSERT INTO acct SELECT i, 1000 FROM k;"
	    "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k "
	    "WHERE i < 2000) INSERT INTO filler SELECT i, randomblob(3000) "
	    "FROM k;"
	    "COMMIT"), XA_OK);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, churn_main, &c), 0);
	while (atomic_load(&c.commits) < 5)
		usleep(1000);
	char dest[256], name[32];
	long before = atomic_load(&c.commits);
	int copies = 0;
	for (; copies < 20; copies++) {
		snprintf(name, sizeof name, "copy%d.db", copies);
		assert_int_equal(db_backup(d, tpath(dest, sizeof dest, name)),
		    XA_OK);
		if (copies >= 3 && atomic_load(&c.commits) - before > 20)
			break;
	}
	long during = atomic_load(&c.commits) - before;
	atomic_store(&c.stop, 1);
	pthread_join(th, NULL);
	assert_int_equal(c.failures, 0);
	print_message("# %d backups of a %lld-page database while %ld "
	    "transfers committed\n", copies + 1,
	    (long long)qint(d, "PRAGMA page_count"), during);
	assert_true(during > 0);
	for (int i = 0; i <= copies && i < 20; i++) {
		snprintf(name, sizeof name, "copy%d.db", i);
		check_copy(tpath(dest, sizeof dest, name));
		char part[300];
		snprintf(part, sizeof part, "%s.part", dest);
		assert_int_equal(access(part, F_OK), -1);
	}
	/* An existing destination is refused and left alone. */
	struct stat sb1, sb2;
	tpath(dest, sizeof dest, "copy0.db");
	assert_int_equal(stat(dest, &sb1), 0);
	assert_int_equal(db_backup(d, dest), XA_EEXIST);
	assert_int_equal(stat(dest, &sb2), 0);
	assert_int_equal(sb1.st_size, sb2.st_size);
	assert_true(sb1.st_mtim.tv_sec == sb2.st_mtim.tv_sec &&
	    sb1.st_mtim.tv_nsec == sb2.st_mtim.tv_nsec);
	assert_int_equal(db_backup(d, ""), XA_EINVAL);
	assert_int_equal(db_backup(d, tpath(dest, sizeof dest, "no/dir.db")),
	    XA_EIO);
	db_close(d);
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
rm_tmpdir(void)
{
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/xiaoan-test-db-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	atexit(rm_tmpdir);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_open_pragmas),
		cmocka_unit_test(test_readonly),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_stmt_cache),
		cmocka_unit_test(test_unique),
		cmocka_unit_test(test_transactions),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_migrate_empty),
		cmocka_unit_test(test_migrate_newer),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_backup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
