/* migrate.c: brings a database's schema up to the one this binary knows.
 *
 * The migrations are the files src/store/sql/NNNN_name.sql, compiled in
 * as embedded_migrations (sorted by name, so by version); the version is
 * NNNN. Each one missing from schema_migrations is applied in its own
 * transaction together with the row that records it, so a crash leaves a
 * migration either wholly applied and recorded or not at all.
 *
 * It must never touch a database written by a newer binary (one that
 * records a version we do not know), and never builds SQL from anything
 * but the embedded files. It uses only db.h, so it serves both backends. */
#include "db.h"

#include <string.h>
#include <time.h>

#include "../core/embed.h"
#include "../core/log.h"

/* The version in a migration's file name: the digits before the first
 * '_' of its last path component. -1 when the name is not NNNN_name.sql
 * (a build mistake: the file will not be applied and db_migrate fails). */
static int
version_of(const char *name)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	int v = 0, digits = 0;
	const char *p = base;
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		if (v > 99999999)
			return -1;
		v = v * 10 + (*p - '0');
	}
	size_t len = strlen(base);
	if (digits == 0 || *p != '_' || v == 0 || len < 5 ||
	    strcmp(base + len - 4, ".sql") != 0)
		return -1;
	return v;
}

/* The highest version among the embedded migrations (0 when none). */
int
db_schema_latest(void)
{
	int latest = 0;
	for (size_t i = 0; i < embedded_migrations_count; i++) {
		int v = version_of(embedded_migrations[i].name);
		if (v > latest)
			latest = v;
	}
	return latest;
}

/* The highest version recorded in schema_migrations, 0 when the table is
 * missing or empty. Reads only, so it works on a read-only connection. */
xa_err
db_schema_version(db *d, int *version)
{
	int exists = 0;
	int64_t v = 0;
	xa_err err = db_table_exists(d, "schema_migrations", &exists);
	if (err != XA_OK)
		return err;
	if (exists) {
		err = db_query_int(d,
		    "SELECT coalesce(max(version), 0) FROM schema_migrations",
		    &v);
		if (err != XA_OK)
			return err;
	}
	if (v < 0 || v > 2147483647)
		return XA_EDB;
	*version = (int)v;
	return XA_OK;
}

/* Whether version is recorded; assumes schema_migrations exists. */
static xa_err
is_applied(db *d, int version, int *applied)
{
	db_stmt *s = NULL;
	xa_err err = db_prepare(d,
	    "SELECT count(*) FROM schema_migrations WHERE version = ?", &s);
	if (err != XA_OK)
		return err;
	if ((err = db_bind_int(s, 1, version)) != XA_OK)
		goto done;
	int rc = db_step(s);
	if (rc == 1)
		*applied = db_col_int(s, 0) > 0;
	else
		err = rc < 0 ? (xa_err)-rc : XA_EDB;
done:
	db_done(s);
	return err;
}

/* Records that version (from file name) is applied now. */
static xa_err
record(db *d, int version, const char *name)
{
	db_stmt *s = NULL;
	xa_err err = db_prepare(d,
	    "INSERT INTO schema_migrations (version, name, applied_at) "
	    "VALUES (?, ?, ?)", &s);
	if (err != XA_OK)
		return err;
	if ((err = db_bind_int(s, 1, version)) != XA_OK ||
	    (err = db_bind_text(s, 2, name, -1)) != XA_OK ||
	    (err = db_bind_int(s, 3, (int64_t)time(NULL))) != XA_OK)
		goto done;
	int rc = db_step(s);
	if (rc < 0)
		err = (xa_err)-rc;
done:
	db_done(s);
	return err;
}

/* Applies migration m (version v) in one transaction unless it is already
 * recorded; *did says whether it was applied. Another process migrating
 * the same file at the same moment is harmless: BEGIN IMMEDIATE orders
 * the two and the second sees the record. The newer-schema test is
 * repeated inside the transaction for the same reason. */
static xa_err
apply_one(db *d, const embedded_file *m, int v, int *did)
{
	int applied = 0, current = 0;
	xa_err err;
	*did = 0;
	if ((err = db_begin(d)) != XA_OK) {
		log_error("migrate: %s: begin: %s", m->name, db_errmsg(d));
		return XA_EDB;
	}
	if ((err = db_schema_version(d, &current)) != XA_OK ||
	    (err = is_applied(d, v, &applied)) != XA_OK) {
		log_error("migrate: %s: %s", m->name, db_errmsg(d));
		err = XA_EDB;
		goto undo;
	}
	if (current > db_schema_latest()) {
		err = XA_ESCHEMA;
		goto undo;
	}
	if (applied)
		goto undo;	/* not a failure: nothing to do */
	if ((err = db_exec(d, (const char *)m->data)) != XA_OK) {
		log_error("migrate: %s failed: %s", m->name, db_errmsg(d));
		err = XA_EDB;
		goto undo;
	}
	if ((err = record(d, v, m->name)) != XA_OK) {
		log_error("migrate: %s: recording it: %s", m->name,
		    db_errmsg(d));
		err = XA_EDB;
		goto undo;
	}
	if ((err = db_commit(d)) != XA_OK) {
		log_error("migrate: %s: commit: %s", m->name, db_errmsg(d));
		err = XA_EDB;
		goto undo;
	}
	*did = 1;
	log_info("migrate: applied %s", m->name);
	return XA_OK;

undo:
	if (db_rollback(d) != XA_OK)
		log_error("migrate: %s: rollback: %s", m->name, db_errmsg(d));
	return err;
}

/* Applies every embedded migration not yet recorded, in version order.
 * Assumes d is a read-write connection not inside a transaction. */
xa_err
db_migrate(db *d, int *from, int *to)
{
	int before = 0, after = 0, latest = db_schema_latest(), exists = 0;
	xa_err err;

	if ((err = db_schema_version(d, &before)) != XA_OK) {
		log_error("migrate: reading the schema version: %s",
		    db_errmsg(d));
		return err;
	}
	if (from != NULL)
		*from = before;
	if (to != NULL)
		*to = before;
	if (before > latest) {
		log_error("migrate: the database is at version %d, newer than "
		    "this program's %d", before, latest);
		return XA_ESCHEMA;
	}
	if ((err = db_table_exists(d, "schema_migrations", &exists)) != XA_OK)
		return err;
	if (!exists && (err = db_exec(d,
	    "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
	    "applied_at BIGINT NOT NULL)")) != XA_OK) {
		log_error("migrate: creating schema_migrations: %s",
		    db_errmsg(d));
		return XA_EDB;
	}

	int prev = 0;
	for (size_t i = 0; i < embedded_migrations_count; i++) {
		const embedded_file *m = &embedded_migrations[i];
		int v = version_of(m->name), did = 0;
		if (v <= prev) {
			log_error("migrate: %s: not NNNN_name.sql, or its "
			    "version repeats or goes back", m->name);
			return XA_EDB;
		}
		prev = v;
		if ((err = apply_one(d, m, v, &did)) != XA_OK) {
			if (err == XA_ESCHEMA)
				log_error("migrate: a newer program migrated "
				    "the database meanwhile");
			return err;
		}
	}
	if ((err = db_schema_version(d, &after)) != XA_OK)
		return err;
	if (to != NULL)
		*to = after;
	return XA_OK;
}
