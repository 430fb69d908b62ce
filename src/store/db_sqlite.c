/* db_sqlite.c: the SQLite backend of the storage interface (db.h).
 *
 * One sqlite3 connection per db, opened SQLITE_OPEN_NOMUTEX because a
 * connection is only ever used by one thread at a time; prepared
 * statements cached per connection; the pragmas that make a commit
 * durable (WAL, synchronous=FULL); online backup into a new file.
 *
 * It must never build SQL out of a value: values reach SQLite only as
 * bound parameters. The one piece of SQL it formats is a savepoint
 * statement, and only with a name checked to be [a-z0-9_]+ that comes
 * from our own code. It must never leave a half-written backup under the
 * name the caller asked for. */
#include "db.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../core/log.h"

/* A cached statement. key is the SQL text's address that db_prepare() was
 * given; text is our own copy of that SQL, compared on every hit so that
 * a caller who passes a reused heap buffer gets a fresh statement rather
 * than a stale one. */
struct db_stmt {
	db *d;
	sqlite3_stmt *st;
	const char *key;
	char *text;
	int in_use;
	db_stmt *next;		/* the bucket's chain */
};

/* Savepoint statements, cached by name (the SQL text is built here, so it
 * has no stable address to key the main cache with). */
#define SP_NAME_MAX 32
#define SP_CACHE 8
enum { SP_SAVE, SP_RELEASE, SP_ROLLBACK_TO, SP__KINDS };

struct sp_entry {
	char name[SP_NAME_MAX];
	sqlite3_stmt *st[SP__KINDS];
};

struct db {
	sqlite3 *conn;
	char *path;
	db_stmt **buckets;
	size_t nbuckets;	/* a power of two */
	size_t nstmts;
	struct sp_entry sp[SP_CACHE];
	size_t sp_next;		/* the slot to reuse when all are taken */
	char msg[512];		/* the last error we reported, for db_errmsg */
};

/* Records the connection's current error text (or text of our own when
 * own is not NULL) as the message db_errmsg() returns. */
static void
set_msg(db *d, const char *own)
{
	const char *m = own ? own : sqlite3_errmsg(d->conn);
	int n = snprintf(d->msg, sizeof d->msg, "%s", m ? m : "");
	if (n < 0)
		d->msg[0] = '\0';
}

/* Maps an SQLite result code (extended codes are on) to an xa_err. */
static xa_err
map_rc(int rc)
{
	switch (rc) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return XA_OK;
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return XA_EEXIST;
	case SQLITE_NOMEM:
		return XA_ENOMEM;
	case SQLITE_TOOBIG:
		return XA_ETOOBIG;
	case SQLITE_RANGE:
		return XA_EINVAL;
	}
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return XA_EBUSY;
	}
	return XA_EDB;
}

/* Splits url into the path SQLite should open. Returns XA_EINVAL for an
 * empty path or for any other scheme. A "scheme" is letters, digits, '+',
 * '-' or '.' after a leading letter, then ':'; a plain path that looks
 * like one must be written "sqlite:PATH" or "./PATH". */
static xa_err
url_path(const char *url, const char **path)
{
	static const char prefix[] = "sqlite:";
	if (strncmp(url, prefix, sizeof prefix - 1) == 0) {
		*path = url + sizeof prefix - 1;
		return **path ? XA_OK : XA_EINVAL;
	}
	const char *p = url;
	if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' ||
		    *p == '.')
			p++;
		if (*p == ':') {
			/* "postgresql://" belongs to the second backend,
			 * db_pg.c, which is not built yet; until then it is
			 * an unknown scheme like any other. The caller prints
			 * the error: there is no connection to ask
			 * db_errmsg() about. */
			return XA_EINVAL;
		}
	}
	*path = url;
	return *url ? XA_OK : XA_EINVAL;
}

/* Runs one pragma (or any one statement) and, when out is not NULL,
 * copies the first column of its first row into out. */
static xa_err
pragma(db *d, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt *st = NULL;
	xa_err err = XA_OK;
	int rc = sqlite3_prepare_v2(d->conn, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		err = map_rc(rc);
		set_msg(d, NULL);
		goto done;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		err = map_rc(rc);
		set_msg(d, NULL);
		goto done;
	}
	if (out != NULL && outlen > 0) {
		const unsigned char *t = rc == SQLITE_ROW ?
		    sqlite3_column_text(st, 0) : NULL;
		int n = snprintf(out, outlen, "%s", t ? (const char *)t : "");
		if (n < 0)
			out[0] = '\0';
	}
done:
	sqlite3_finalize(st);
	return err;
}

/* Opens url (see db.h). Assumes nothing of the file: a missing file with
 * no DB_CREATE is XA_ENOTFOUND, anything else SQLite refuses is XA_EDB.
 * A read-only connection does not set journal_mode, which needs a write;
 * the connection that created the file did. */
xa_err
db_open(const char *url, unsigned flags, db **out)
{
	xa_err err = XA_OK;
	const char *path = NULL;
	db *d = NULL;
	*out = NULL;

	if (url == NULL || (err = url_path(url, &path)) != XA_OK) {
		err = XA_EINVAL;
		goto fail;
	}
	d = calloc(1, sizeof *d);
	if (d == NULL || (d->path = strdup(path)) == NULL) {
		err = XA_ENOMEM;
		goto fail;
	}
	d->nbuckets = 64;
	d->buckets = calloc(d->nbuckets, sizeof *d->buckets);
	if (d->buckets == NULL) {
		err = XA_ENOMEM;
		goto fail;
	}

	int oflags = SQLITE_OPEN_NOMUTEX;
	if (flags & DB_READONLY)
		oflags |= SQLITE_OPEN_READONLY;
	else
		oflags |= SQLITE_OPEN_READWRITE;
	if ((flags & DB_CREATE) && !(flags & DB_READONLY))
		oflags |= SQLITE_OPEN_CREATE;
	int rc = sqlite3_open_v2(path, &d->conn, oflags, NULL);
	if (rc != SQLITE_OK) {
		struct stat sb;
		if (rc == SQLITE_CANTOPEN && stat(path, &sb) != 0 &&
		    errno == ENOENT)
			err = XA_ENOTFOUND;
		else
			err = rc == SQLITE_NOMEM ? XA_ENOMEM : XA_EDB;
		if (err != XA_ENOTFOUND)
			log_error("db: cannot open %s: %s", path,
			    d->conn ? sqlite3_errmsg(d->conn) :
			    sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(d->conn, 1);
	sqlite3_busy_timeout(d->conn, 5000);

	if (!(flags & DB_READONLY)) {
		char mode[16];
		if ((err = pragma(d, "PRAGMA journal_mode=WAL", mode,
		    sizeof mode)) != XA_OK) {
			log_error("db: %s: journal_mode=WAL: %s", path, d->msg);
			goto fail;
		}
		if (strcmp(mode, "wal") != 0 && strcmp(path, ":memory:") != 0)
			log_warn("db: %s: journal mode is %s, not wal", path,
			    mode);
	}
	/* temp_store=MEMORY: the writer runs each job in a savepoint, and
	 * SQLite keeps the pages a savepoint may have to restore in a
	 * statement journal, a temporary file by default: three writes per
	 * stored report that nobody reads unless a job fails. */
	if ((err = pragma(d, "PRAGMA synchronous=FULL", NULL, 0)) != XA_OK ||
	    (err = pragma(d, "PRAGMA temp_store=MEMORY", NULL, 0)) != XA_OK ||
	    (err = pragma(d, "PRAGMA foreign_keys=ON", NULL, 0)) != XA_OK) {
		log_error("db: %s: pragma: %s", path, d->msg);
		goto fail;
	}
	*out = d;
	return XA_OK;

fail:
	db_close(d);
	return err;
}

/* Finalizes every statement (also ones a caller forgot to db_done()),
 * closes the connection and frees d. NULL is a no-op. */
void
db_close(db *d)
{
	if (d == NULL)
		return;
	for (size_t b = 0; d->buckets && b < d->nbuckets; b++) {
		db_stmt *s = d->buckets[b];
		while (s != NULL) {
			db_stmt *next = s->next;
			if (s->in_use)
				log_warn("db: statement not handed back: %s",
				    s->text);
			sqlite3_finalize(s->st);
			free(s->text);
			free(s);
			s = next;
		}
	}
	for (size_t i = 0; i < SP_CACHE; i++)
		for (int k = 0; k < SP__KINDS; k++)
			sqlite3_finalize(d->sp[i].st[k]);
	if (d->conn != NULL && sqlite3_close(d->conn) != SQLITE_OK)
		log_error("db: close %s: %s", d->path ? d->path : "?",
		    sqlite3_errmsg(d->conn));
	free(d->buckets);
	free(d->path);
	free(d);
}

const char *
db_errmsg(db *d)
{
	return d ? d->msg : "no connection";
}

/* Runs sql, which may hold several statements and no parameters. */
xa_err
db_exec(db *d, const char *sql)
{
	char *emsg = NULL;
	int rc = sqlite3_exec(d->conn, sql, NULL, NULL, &emsg);
	xa_err err = XA_OK;
	if (rc != SQLITE_OK) {
		err = map_rc(rc);
		set_msg(d, emsg ? emsg : sqlite3_errstr(rc));
	}
	sqlite3_free(emsg);
	return err;
}

/* The bucket of a statement keyed by p: a pointer hash (the low bits of
 * an address are mostly alignment, so mix before masking). */
static size_t
bucket_of(const db *d, const void *p)
{
	uint64_t h = (uint64_t)(uintptr_t)p;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)h & (d->nbuckets - 1);
}

/* Doubles the bucket array when statements outnumber buckets twice over.
 * A failed allocation only leaves the chains longer. */
static void
maybe_grow(db *d)
{
	if (d->nstmts < d->nbuckets * 2)
		return;
	size_t oldn = d->nbuckets;
	db_stmt **old = d->buckets;
	db_stmt **nb = calloc(oldn * 2, sizeof *nb);
	if (nb == NULL)
		return;
	d->buckets = nb;
	d->nbuckets = oldn * 2;
	for (size_t b = 0; b < oldn; b++) {
		db_stmt *s = old[b];
		while (s != NULL) {
			db_stmt *next = s->next;
			size_t i = bucket_of(d, s->key);
			s->next = nb[i];
			nb[i] = s;
			s = next;
		}
	}
	free(old);
}

/* Hands out a statement for sql: a cached one not in use with the same
 * address and text, or a newly prepared one (kept for reuse; a free entry
 * at the same address with other text is dropped). sql must be
 * exactly one statement; trailing text other than blanks is XA_EINVAL.
 * PostgreSQL: its backend rewrites each '?' outside string literals into
 * $1, $2, ... here, once per cached statement. */
xa_err
db_prepare(db *d, const char *sql, db_stmt **out)
{
	xa_err err = XA_OK;
	db_stmt *s = NULL;
	size_t b = bucket_of(d, sql);
	*out = NULL;

	for (db_stmt **pp = &d->buckets[b]; (s = *pp) != NULL;) {
		if (s->key != sql || s->in_use) {
			pp = &s->next;
			continue;
		}
		if (strcmp(s->text, sql) == 0) {
			s->in_use = 1;
			*out = s;
			return XA_OK;
		}
		/* The address now holds other SQL: the entry is stale, and
		 * dropping it keeps the cache from growing without end. */
		*pp = s->next;
		sqlite3_finalize(s->st);
		free(s->text);
		free(s);
		d->nstmts--;
	}

	s = calloc(1, sizeof *s);
	if (s == NULL || (s->text = strdup(sql)) == NULL) {
		err = XA_ENOMEM;
		goto fail;
	}
	const char *tail = NULL;
	int rc = sqlite3_prepare_v3(d->conn, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &s->st, &tail);
	if (rc != SQLITE_OK) {
		err = map_rc(rc);
		if (err == XA_OK || err == XA_EINVAL || err == XA_EEXIST)
			err = XA_EDB;
		set_msg(d, NULL);
		goto fail;
	}
	if (s->st == NULL) {
		err = XA_EINVAL;
		set_msg(d, "empty SQL");
		goto fail;
	}
	for (; tail && *tail; tail++) {
		if (*tail != ' ' && *tail != '\t' && *tail != '\n' &&
		    *tail != '\r' && *tail != ';') {
			err = XA_EINVAL;
			set_msg(d, "more than one statement given to db_prepare");
			goto fail;
		}
	}
	s->d = d;
	s->key = sql;
	s->in_use = 1;
	s->next = d->buckets[b];
	d->buckets[b] = s;
	d->nstmts++;
	maybe_grow(d);
	*out = s;
	return XA_OK;

fail:
	if (s != NULL) {
		sqlite3_finalize(s->st);
		free(s->text);
		free(s);
	}
	return err;
}

/* Turns a bind result into an xa_err, keeping the message. */
static xa_err
bind_rc(db_stmt *s, int rc)
{
	if (rc == SQLITE_OK)
		return XA_OK;
	set_msg(s->d, NULL);
	xa_err err = map_rc(rc);
	return err == XA_OK ? XA_EDB : err;
}

xa_err
db_bind_int(db_stmt *s, int i, int64_t v)
{
	return bind_rc(s, sqlite3_bind_int64(s->st, i, (sqlite3_int64)v));
}

xa_err
db_bind_double(db_stmt *s, int i, double v)
{
	return bind_rc(s, sqlite3_bind_double(s->st, i, v));
}

/* SQLITE_TRANSIENT: SQLite copies the text, so the caller's buffer may
 * die right after the call. */
xa_err
db_bind_text(db_stmt *s, int i, const char *v, long len)
{
	size_t n = len < 0 ? strlen(v) : (size_t)len;
	return bind_rc(s, sqlite3_bind_text64(s->st, i, v, (sqlite3_uint64)n,
	    SQLITE_TRANSIENT, SQLITE_UTF8));
}

/* An empty blob is bound as a zero-length blob, not as NULL (which is
 * what SQLite makes of a NULL pointer). */
xa_err
db_bind_blob(db_stmt *s, int i, const void *v, size_t len)
{
	if (len == 0)
		return bind_rc(s, sqlite3_bind_zeroblob(s->st, i, 0));
	return bind_rc(s, sqlite3_bind_blob64(s->st, i, v,
	    (sqlite3_uint64)len, SQLITE_TRANSIENT));
}

xa_err
db_bind_null(db_stmt *s, int i)
{
	return bind_rc(s, sqlite3_bind_null(s->st, i));
}

/* Steps s: 1 for a row, 0 when done, an xa_err negated on failure. A
 * uniqueness or primary-key violation is -XA_EEXIST so callers can answer
 * "already exists" without reading messages. */
int
db_step(db_stmt *s)
{
	int rc = sqlite3_step(s->st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	set_msg(s->d, NULL);
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return -(int)XA_EEXIST;
	}
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -(int)XA_EBUSY;
	}
	return -(int)XA_EDB;
}

int
db_col_count(db_stmt *s)
{
	return sqlite3_column_count(s->st);
}

int
db_col_is_null(db_stmt *s, int col)
{
	return sqlite3_column_type(s->st, col) == SQLITE_NULL;
}

int64_t
db_col_int(db_stmt *s, int col)
{
	return (int64_t)sqlite3_column_int64(s->st, col);
}

double
db_col_double(db_stmt *s, int col)
{
	return sqlite3_column_double(s->st, col);
}

const char *
db_col_text(db_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s->st, col);
	return t ? (const char *)t : "";
}

const void *
db_col_blob(db_stmt *s, int col)
{
	return sqlite3_column_blob(s->st, col);
}

/* The byte length of the value as last fetched (call after db_col_text or
 * db_col_blob, which may convert it). */
size_t
db_col_len(db_stmt *s, int col)
{
	int n = sqlite3_column_bytes(s->st, col);
	return n > 0 ? (size_t)n : 0;
}

const char *
db_col_name(db_stmt *s, int col)
{
	const char *n = sqlite3_column_name(s->st, col);
	return n ? n : "";
}

/* Resets s, clears its bindings and marks it free for the next
 * db_prepare() of the same SQL. */
void
db_done(db_stmt *s)
{
	if (s == NULL)
		return;
	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
	s->in_use = 0;
}

int64_t
db_last_id(db *d)
{
	return (int64_t)sqlite3_last_insert_rowid(d->conn);
}

int64_t
db_changes(db *d)
{
	return (int64_t)sqlite3_changes64(d->conn);
}

/* Runs one cached statement without parameters to the end. */
static xa_err
run_simple(db *d, const char *sql)
{
	db_stmt *s = NULL;
	xa_err err = db_prepare(d, sql, &s);
	if (err != XA_OK)
		return err;
	int rc = db_step(s);
	while (rc == 1)
		rc = db_step(s);
	if (rc < 0)
		err = (xa_err)-rc;
	db_done(s);
	return err;
}

/* BEGIN IMMEDIATE takes the write lock now, so a transaction never fails
 * half-way for want of it (the busy timeout waits for it instead). */
xa_err
db_begin(db *d)
{
	return run_simple(d, "BEGIN IMMEDIATE");
}

xa_err
db_commit(db *d)
{
	return run_simple(d, "COMMIT");
}

/* Rolls back the open transaction. When SQLite already rolled it back on
 * its own (after an I/O error, a full disk or out of memory) there is
 * nothing left to do, and that is success. */
xa_err
db_rollback(db *d)
{
	if (sqlite3_get_autocommit(d->conn))
		return XA_OK;
	return run_simple(d, "ROLLBACK");
}

/* Gets the statement of kind k for savepoint name, preparing and caching
 * it on first use. The name must be 1 to SP_NAME_MAX-1 characters of
 * [a-z0-9_]; that is what makes formatting it into SQL safe. */
static xa_err
savepoint_stmt(db *d, const char *name, int k, sqlite3_stmt **out)
{
	static const char *const verb[SP__KINDS] = {
		"SAVEPOINT ", "RELEASE SAVEPOINT ", "ROLLBACK TO SAVEPOINT ",
	};
	size_t n = 0;
	for (const char *p = name; *p; p++, n++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '_'))
			break;
	if (n == 0 || name[n] != '\0' || n >= SP_NAME_MAX) {
		set_msg(d, "invalid savepoint name");
		return XA_EINVAL;
	}
	struct sp_entry *e = NULL;
	for (size_t i = 0; i < SP_CACHE; i++)
		if (strcmp(d->sp[i].name, name) == 0) {
			e = &d->sp[i];
			break;
		}
	if (e == NULL) {
		e = &d->sp[d->sp_next];
		d->sp_next = (d->sp_next + 1) % SP_CACHE;
		for (int i = 0; i < SP__KINDS; i++) {
			sqlite3_finalize(e->st[i]);
			e->st[i] = NULL;
		}
		memcpy(e->name, name, n + 1);
	}
	if (e->st[k] == NULL) {
		char sql[64];
		int m = snprintf(sql, sizeof sql, "%s%s", verb[k], name);
		if (m < 0 || (size_t)m >= sizeof sql)
			abort();	/* the name's length was checked */
		int rc = sqlite3_prepare_v3(d->conn, sql, -1,
		    SQLITE_PREPARE_PERSISTENT, &e->st[k], NULL);
		if (rc != SQLITE_OK) {
			set_msg(d, NULL);
			e->st[k] = NULL;
			return XA_EDB;
		}
	}
	*out = e->st[k];
	return XA_OK;
}

/* Runs savepoint statement k for name. */
static xa_err
savepoint_run(db *d, const char *name, int k)
{
	sqlite3_stmt *st = NULL;
	xa_err err = savepoint_stmt(d, name, k, &st);
	if (err != XA_OK)
		return err;
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		set_msg(d, NULL);
		err = map_rc(rc);
		if (err == XA_OK)
			err = XA_EDB;
	}
	sqlite3_reset(st);
	return err;
}

xa_err
db_savepoint(db *d, const char *name)
{
	return savepoint_run(d, name, SP_SAVE);
}

xa_err
db_release(db *d, const char *name)
{
	return savepoint_run(d, name, SP_RELEASE);
}

/* Undoes everything since the savepoint; the savepoint stays open (SQL
 * semantics), so the caller still releases it. */
xa_err
db_rollback_to(db *d, const char *name)
{
	return savepoint_run(d, name, SP_ROLLBACK_TO);
}

/* The first column of the first row of sql, which takes no parameters.
 * XA_ENOTFOUND when there is no row; a NULL value reads as 0. */
xa_err
db_query_int(db *d, const char *sql, int64_t *out)
{
	db_stmt *s = NULL;
	xa_err err = db_prepare(d, sql, &s);
	if (err != XA_OK)
		return err;
	int rc = db_step(s);
	if (rc == 1)
		*out = db_col_int(s, 0);
	else if (rc == 0)
		err = XA_ENOTFOUND;
	else
		err = (xa_err)-rc;
	db_done(s);
	return err;
}

/* Whether a table called name exists (the catalog query is the dialect's
 * own: sqlite_master here, information_schema on PostgreSQL). */
xa_err
db_table_exists(db *d, const char *name, int *exists)
{
	static const char sql[] =
	    "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
	    "AND name = ?";
	db_stmt *s = NULL;
	xa_err err = db_prepare(d, sql, &s);
	if (err != XA_OK)
		return err;
	if ((err = db_bind_text(s, 1, name, -1)) != XA_OK)
		goto done;
	int rc = db_step(s);
	if (rc == 1)
		*exists = db_col_int(s, 0) > 0;
	else
		err = rc < 0 ? (xa_err)-rc : XA_EDB;
done:
	db_done(s);
	return err;
}

/* Copies text into msg (when there is room) and returns err. */
static xa_err
check_msg(char *msg, size_t msglen, const char *text, xa_err err)
{
	if (msg != NULL && msglen > 0) {
		int n = snprintf(msg, msglen, "%s", text);
		if (n < 0)
			msg[0] = '\0';
	}
	return err;
}

/* PRAGMA integrity_check, then PRAGMA foreign_key_check. XA_OK and "ok"
 * in msg when both are clean; XA_EDB and the first problem otherwise. */
xa_err
db_check(db *d, char *msg, size_t msglen)
{
	char line[512];
	db_stmt *s = NULL;
	xa_err err = db_prepare(d, "PRAGMA integrity_check", &s);
	if (err != XA_OK)
		return check_msg(msg, msglen, d->msg, err);
	int rc = db_step(s);
	if (rc < 0) {
		err = (xa_err)-rc;
		check_msg(msg, msglen, d->msg, err);
		goto done;
	}
	if (rc == 1 && strcmp(db_col_text(s, 0), "ok") != 0) {
		err = check_msg(msg, msglen, db_col_text(s, 0), XA_EDB);
		goto done;
	}
	db_done(s);
	s = NULL;

	if ((err = db_prepare(d, "PRAGMA foreign_key_check", &s)) != XA_OK)
		return check_msg(msg, msglen, d->msg, err);
	rc = db_step(s);
	if (rc < 0) {
		err = (xa_err)-rc;
		check_msg(msg, msglen, d->msg, err);
		goto done;
	}
	if (rc == 1) {
		int n = snprintf(line, sizeof line,
		    "foreign key: %s row %lld refers to a missing %s row",
		    db_col_text(s, 0), (long long)db_col_int(s, 1),
		    db_col_text(s, 2));
		if (n < 0)
			line[0] = '\0';
		err = check_msg(msg, msglen, line, XA_EDB);
		goto done;
	}
	check_msg(msg, msglen, "ok", XA_OK);
done:
	db_done(s);
	return err;
}

/* Builds "base" + "suffix" into a new string; NULL when out of memory. */
static char *
path_with(const char *base, const char *suffix)
{
	size_t a = strlen(base), b = strlen(suffix);
	char *p = malloc(a + b + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, base, a);
	memcpy(p + a, suffix, b + 1);
	return p;
}

/* fsyncs the file or folder at path. */
static xa_err
sync_path(const char *path, int is_dir)
{
	int fd = open(path, (is_dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return XA_EIO;
	xa_err err = fsync(fd) == 0 ? XA_OK : XA_EIO;
	close(fd);
	return err;
}

/* The folder holding path ("." for a bare name), newly allocated. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	size_t n = (size_t)(slash - path);
	char *p = malloc(n + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, path, n);
	p[n] = '\0';
	return p;
}

/* Copies a snapshot of d into dest. The copy is made in one backup step,
 * so it is one read transaction: consistent, while writers on other
 * connections go on (WAL lets them; checkpoints wait until we finish).
 * Stepping in chunks instead would restart from scratch at each foreign
 * write and might never end under load. The pages go to dest.part, which
 * is fsynced and then moved to dest without replacing anything (should
 * dest appear meanwhile, XA_EEXIST) and its folder fsynced: a crash leaves either no dest or a whole one. Assumes one
 * backup to a given dest at a time; a stale dest.part from a crash is
 * removed. */
xa_err
db_backup(db *d, const char *dest)
{
	xa_err err = XA_OK;
	char *part = NULL, *partj = NULL, *wal = NULL, *dir = NULL;
	sqlite3 *out = NULL;
	sqlite3_backup *bk = NULL;
	int made_part = 0;
	struct stat sb;

	if (dest == NULL || *dest == '\0') {
		set_msg(d, "backup: no destination");
		return XA_EINVAL;
	}
	part = path_with(dest, ".part");
	partj = path_with(dest, ".part-journal");
	wal = path_with(dest, "-wal");
	dir = dir_of(dest);
	if (part == NULL || partj == NULL || wal == NULL || dir == NULL) {
		err = XA_ENOMEM;
		goto done;
	}
	/* A leftover dest-wal would be replayed into the new copy. */
	if (lstat(dest, &sb) == 0 || lstat(wal, &sb) == 0) {
		set_msg(d, "backup: destination exists");
		err = XA_EEXIST;
		goto done;
	}
	unlink(part);
	unlink(partj);

	made_part = 1;
	int rc = sqlite3_open_v2(part, &out, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		set_msg(d, out ? sqlite3_errmsg(out) : sqlite3_errstr(rc));
		err = XA_EIO;
		goto done;
	}
	bk = sqlite3_backup_init(out, "main", d->conn, "main");
	if (bk == NULL) {
		set_msg(d, sqlite3_errmsg(out));
		err = XA_EDB;
		goto done;
	}
	for (int tries = 0;; tries++) {
		rc = sqlite3_backup_step(bk, -1);
		if (rc == SQLITE_DONE)
			break;
		if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && tries < 100) {
			sqlite3_sleep(50);
			continue;
		}
		set_msg(d, sqlite3_errstr(rc));
		err = map_rc(rc);
		if (err == XA_OK)
			err = XA_EDB;
		goto done;
	}
	rc = sqlite3_backup_finish(bk);
	bk = NULL;
	if (rc != SQLITE_OK) {
		set_msg(d, sqlite3_errmsg(out));
		err = XA_EDB;
		goto done;
	}
	rc = sqlite3_close(out);
	out = NULL;
	if (rc != SQLITE_OK) {
		set_msg(d, sqlite3_errstr(rc));
		err = XA_EIO;
		goto done;
	}
	if (sync_path(part, 0) != XA_OK) {
		set_msg(d, "backup: fsync failed");
		err = XA_EIO;
		goto done;
	}
	/* Into place without ever replacing a file: renameat2 with
	 * RENAME_NOREPLACE, or, on a file system without it, link() (which
	 * fails on an existing name too) and unlink. */
	if (renameat2(AT_FDCWD, part, AT_FDCWD, dest, RENAME_NOREPLACE) != 0) {
		int e = errno;
		if ((e == EINVAL || e == ENOSYS || e == ENOTSUP) &&
		    link(part, dest) == 0) {
			unlink(part);
		} else {
			if (e == EINVAL || e == ENOSYS || e == ENOTSUP)
				e = errno;
			err = e == EEXIST ? XA_EEXIST : XA_EIO;
			set_msg(d, err == XA_EEXIST ?
			    "backup: destination exists" :
			    "backup: cannot move the copy into place");
			goto done;
		}
	}
	made_part = 0;
	if (sync_path(dir, 1) != XA_OK) {
		set_msg(d, "backup: fsync of the folder failed");
		err = XA_EIO;
	}

done:
	if (bk != NULL)
		sqlite3_backup_finish(bk);
	if (out != NULL)
		sqlite3_close(out);
	if (made_part) {
		unlink(part);
		unlink(partj);
	}
	free(part);
	free(partj);
	free(wal);
	free(dir);
	return err;
}
