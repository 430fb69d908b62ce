/* db.h: the storage interface every other part of xiaoan uses.
 *
 * Open by URL ("sqlite:PATH", or a plain path; "postgresql://..." is the
 * second backend's), prepared statements with bound parameters written as
 * '?', rows, transactions, savepoints, migrations and online backup. SQL
 * is written once in a portable subset (see docs/internals/storage.md); the
 * backend rewrites placeholders where its dialect differs. Values only
 * ever reach SQL as bound parameters, never by formatting.
 *
 * A connection is used by one thread at a time. Statements from
 * db_prepare() are cached per connection (keyed by the SQL text's
 * address, so pass string literals) and must be handed back with
 * db_done(), which resets them for reuse. */
#ifndef XA_DB_H
#define XA_DB_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

typedef struct db db;
typedef struct db_stmt db_stmt;

#define DB_READONLY 0x1u	/* a read connection */
#define DB_CREATE 0x2u		/* create the database file if missing */

/* Opens url. SQLite: WAL, synchronous=FULL, foreign keys on, a busy
 * timeout of 5 s. Errors: XA_ENOTFOUND (no file and no DB_CREATE),
 * XA_EDB, XA_EINVAL (an unknown URL scheme), XA_ENOMEM. */
xa_err db_open(const char *url, unsigned flags, db **out);
void db_close(db *d);
/* The last error's text from the backend, for logs. */
const char *db_errmsg(db *d);

/* Runs one or more statements without parameters (DDL, PRAGMA). */
xa_err db_exec(db *d, const char *sql);

xa_err db_prepare(db *d, const char *sql, db_stmt **out);
/* Parameters are numbered from 1. */
xa_err db_bind_int(db_stmt *s, int i, int64_t v);
xa_err db_bind_double(db_stmt *s, int i, double v);
/* len < 0: NUL-terminated. The text is copied. */
xa_err db_bind_text(db_stmt *s, int i, const char *v, long len);
xa_err db_bind_blob(db_stmt *s, int i, const void *v, size_t len);
xa_err db_bind_null(db_stmt *s, int i);

/* 1: a row is ready; 0: done; an xa_err negated on failure
 * (-XA_EBUSY, -XA_EDB, -XA_EEXIST for a uniqueness violation). */
int db_step(db_stmt *s);
int db_col_count(db_stmt *s);
int db_col_is_null(db_stmt *s, int col);
int64_t db_col_int(db_stmt *s, int col);
double db_col_double(db_stmt *s, int col);
/* Valid until the next db_step() or db_done(); "" for NULL. */
const char *db_col_text(db_stmt *s, int col);
const void *db_col_blob(db_stmt *s, int col);
size_t db_col_len(db_stmt *s, int col);
const char *db_col_name(db_stmt *s, int col);
/* Resets s and returns it to the connection's cache. NULL is a no-op. */
void db_done(db_stmt *s);

int64_t db_last_id(db *d);
int64_t db_changes(db *d);

xa_err db_begin(db *d);		/* BEGIN IMMEDIATE on SQLite */
xa_err db_commit(db *d);
xa_err db_rollback(db *d);
/* Savepoint names are [a-z0-9_] literals from our code, never input,
 * of 1 to 31 characters; any other name is XA_EINVAL. */
xa_err db_savepoint(db *d, const char *name);
xa_err db_release(db *d, const char *name);
xa_err db_rollback_to(db *d, const char *name);

/* One integer from a query with no parameters (e.g. a count).
 * XA_ENOTFOUND when the query returns no row. */
xa_err db_query_int(db *d, const char *sql, int64_t *out);
/* *exists becomes 1 when a table called name exists, else 0 (the catalog
 * query is the one place each dialect differs here). */
xa_err db_table_exists(db *d, const char *name, int *exists);

/* Applies the embedded migrations (src/store/sql/NNNN_name.sql) not yet
 * recorded in schema_migrations, each in its own transaction, in order.
 * *from and *to (may be NULL) receive the versions before and after.
 * XA_ESCHEMA when the database records a version this binary lacks. */
xa_err db_migrate(db *d, int *from, int *to);
/* The highest applied version (0 for an empty database) and the highest
 * version this binary knows. */
xa_err db_schema_version(db *d, int *version);
int db_schema_latest(void);

/* Checks the database file's own consistency (SQLite integrity_check);
 * writes the first problem into msg. */
xa_err db_check(db *d, char *msg, size_t msglen);

/* Copies a consistent snapshot of d into a new file at dest (SQLite's
 * online backup API), while other connections go on writing. */
xa_err db_backup(db *d, const char *dest);

#endif
