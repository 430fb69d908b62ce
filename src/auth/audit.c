/* audit.c: the tamper-evident audit chain (audit.h). Appends records,
 * each hashed onto the one before it and MACed under the audit key, keeps
 * the MACed head (the newest id and hash), and walks the chain to say
 * whether, and where, it was changed behind the program's back.
 *
 * It must never build SQL from a value, never log or store the key, never
 * update or delete an audit record, and never "repair" a broken chain: an
 * append after tampering must leave the evidence in place (a gap in the
 * ids, a record that does not verify, a head that is missing) rather than
 * write a head that makes a shortened log look whole again. See
 * docs/internals/audit.md. */
#include "audit.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/crypto.h"
#include "../core/log.h"
#include "../core/utf8.h"

#define HEX_LEN (2 * SM3_LEN)		/* 64 hex digits */
/* The longest text an append accepts in one field: fields names what
 * changed, never a value, so this is generous. */
#define AUDIT_TEXT_MAX 4096
/* The hash input never exceeds this: the previous hash, the version tag
 * and ten fields of at most AUDIT_TEXT_MAX bytes with their prefixes. */
#define CANON_MAX (64 * 1024)
/* The version tag that opens every canonical text. A new encoding or
 * algorithm gets a new tag. */
#define CANON_TAG "xa-audit-1|"

static const char zero_hash[HEX_LEN + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* One text field as bytes and length (may hold a NUL if someone put one
 * there behind our back; the length is what counts). */
struct text {
	const char *p;
	size_t n;
};

/* The ten fields a record's hash covers, in canonical order. */
struct rec {
	int64_t id, at, account_id, unit_id;
	struct text action, object_type;
	int64_t object_id;
	struct text fields, request_id, source;
};

/* Set once an append met a head that does not match the log, so the error
 * is logged once per process rather than once per request. */
static atomic_int head_warned;

/* Writes a sentence into why (whylen bytes), if there is room for one. */
static void __attribute__((format(printf, 3, 4)))
say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	if (n < 0)
		why[0] = '\0';
}

/* Appends "LEN:BYTES;" to b. The decimal byte count in front makes the
 * encoding unambiguous whatever the bytes hold. */
static xa_err
put_text(buf *b, const char *p, size_t n)
{
	xa_err err = buf_printf(b, "%zu:", n);
	if (err == XA_OK)
		err = buf_append(b, p, n);
	if (err == XA_OK)
		err = buf_putc(b, ';');
	return err;
}

/* The decimal text of v into out (at least 21 bytes); its length. */
static size_t
dec(int64_t v, char out[24])
{
	int n = snprintf(out, 24, "%" PRId64, v);
	return n > 0 ? (size_t)n : 0;
}

/* Appends v as a text field (its decimal digits, length-prefixed). */
static xa_err
put_int(buf *b, int64_t v)
{
	char d[24];
	size_t n = dec(v, d);
	return put_text(b, d, n);
}

/* hash_hex = hex(SM3(prev_hex || canonical(r))), where canonical is
 * CANON_TAG followed by the ten fields in struct order, each "LEN:BYTES;".
 * scratch is reused between calls; XA_ETOOBIG when r is larger than any
 * record an append writes. */
static xa_err
record_hash(buf *scratch, const char prev_hex[HEX_LEN + 1],
    const struct rec *r, char hash_hex[HEX_LEN + 1])
{
	xa_err err = XA_OK;
	uint8_t h[SM3_LEN];

	buf_reset(scratch);
	if ((err = buf_append(scratch, prev_hex, HEX_LEN)) != XA_OK ||
	    (err = buf_puts(scratch, CANON_TAG)) != XA_OK ||
	    (err = put_int(scratch, r->id)) != XA_OK ||
	    (err = put_int(scratch, r->at)) != XA_OK ||
	    (err = put_int(scratch, r->account_id)) != XA_OK ||
	    (err = put_int(scratch, r->unit_id)) != XA_OK ||
	    (err = put_text(scratch, r->action.p, r->action.n)) != XA_OK ||
	    (err = put_text(scratch, r->object_type.p, r->object_type.n)) !=
	    XA_OK ||
	    (err = put_int(scratch, r->object_id)) != XA_OK ||
	    (err = put_text(scratch, r->fields.p, r->fields.n)) != XA_OK ||
	    (err = put_text(scratch, r->request_id.p, r->request_id.n)) !=
	    XA_OK ||
	    (err = put_text(scratch, r->source.p, r->source.n)) != XA_OK)
		goto cleanup;
	if ((err = crypto_sm3(scratch->data, scratch->len, h)) != XA_OK)
		goto cleanup;
	crypto_hex(h, sizeof h, hash_hex);

cleanup:
	return err;
}

/* mac_hex = hex(HMAC-SM3(key, data[0..n))). */
static xa_err
mac_of(const uint8_t key[32], const char *data, size_t n,
    char mac_hex[HEX_LEN + 1])
{
	uint8_t m[SM3_LEN];
	xa_err err = crypto_hmac_sm3(key, 32, data, n, m);
	if (err == XA_OK)
		crypto_hex(m, sizeof m, mac_hex);
	return err;
}

/* The head's MAC: hex(HMAC-SM3(key, "head|" last_id "|" last_hash)).
 * last_hash is taken with its stored length, whatever that is. */
static xa_err
head_mac(const uint8_t key[32], int64_t last_id, const char *last_hash,
    size_t hash_len, char mac_hex[HEX_LEN + 1])
{
	xa_err err = XA_OK;
	buf b;

	buf_init(&b, CANON_MAX);
	if ((err = buf_printf(&b, "head|%" PRId64 "|", last_id)) != XA_OK ||
	    (err = buf_append(&b, last_hash, hash_len)) != XA_OK)
		goto cleanup;
	err = mac_of(key, b.data, b.len, mac_hex);

cleanup:
	buf_free(&b);
	return err;
}

/* 1 when the stored text s (n bytes) is exactly the 64-digit hex want;
 * in time independent of where they differ. */
static int
same_hex(const char *s, size_t n, const char want[HEX_LEN + 1])
{
	return n == HEX_LEN && crypto_equal(s, want, HEX_LEN);
}

/* Checks one text field of an entry about to be appended. NULL reads as
 * "" except where required. */
static xa_err
entry_text(const char *s, int required, struct text *out)
{
	if (s == NULL)
		s = "";
	size_t n = strlen(s);
	if (required && n == 0)
		return XA_EINVAL;
	if (n > AUDIT_TEXT_MAX)
		return XA_ETOOBIG;
	if (!utf8_valid(s, n))
		return XA_EUTF8;
	out->p = s;
	out->n = n;
	return XA_OK;
}

/* The chain's state as an append finds it. */
struct tail {
	int64_t row_id;			/* the newest record's id, 0 if none */
	char row_hash[HEX_LEN + 1];	/* its hash, or 64 zeros */
	int head_present;
	int64_t head_id;		/* the head's last_id */
};

/* Reads the newest record and the head, and checks the head's MAC. A head
 * whose MAC does not verify is XA_ECRYPTO: either the loaded audit key is
 * not the one that wrote the chain (appending would mix two keys into it
 * for good) or the head was forged; both need a human. */
static xa_err
read_tail(db *conn, const uint8_t key[32], struct tail *t)
{
	xa_err err = XA_OK;
	db_stmt *s = NULL;
	char want[HEX_LEN + 1];
	int rc;

	memset(t, 0, sizeof *t);
	memcpy(t->row_hash, zero_hash, sizeof t->row_hash);
	if ((err = db_prepare(conn, "SELECT id, hash FROM audit_log "
	    "ORDER BY id DESC LIMIT 1", &s)) != XA_OK)
		goto cleanup;
	rc = db_step(s);
	if (rc < 0) {
		err = (xa_err)-rc;
		goto cleanup;
	}
	if (rc == 1) {
		t->row_id = db_col_int(s, 0);
		const char *h = db_col_text(s, 1);
		size_t hn = db_col_len(s, 1);
		/* A stored hash that is not 64 digits was changed behind
		 * our back; the new record then chains on 64 zeros, and
		 * verify reports the damaged record before reaching it. */
		if (hn == HEX_LEN)
			memcpy(t->row_hash, h, HEX_LEN);
	}
	db_done(s);
	s = NULL;

	if ((err = db_prepare(conn, "SELECT last_id, last_hash, mac FROM "
	    "audit_head WHERE id = 1", &s)) != XA_OK)
		goto cleanup;
	rc = db_step(s);
	if (rc < 0) {
		err = (xa_err)-rc;
		goto cleanup;
	}
	if (rc == 1) {
		t->head_present = 1;
		t->head_id = db_col_int(s, 0);
		const char *lh = db_col_text(s, 1);
		size_t lhn = db_col_len(s, 1);
		if ((err = head_mac(key, t->head_id, lh, lhn, want)) != XA_OK)
			goto cleanup;
		const char *m = db_col_text(s, 2);
		if (!same_hex(m, db_col_len(s, 2), want)) {
			log_error("audit: the chain's head does not verify under "
			    "the loaded audit key (a wrong keys/audit.key, or "
			    "a forged head); no record can be appended, so every "
			    "change fails, until this is resolved (`xiaoan verify`)");
			err = XA_ECRYPTO;
			goto cleanup;
		}
	}

cleanup:
	db_done(s);
	return err;
}

/* Writes the head (last_id, last_hash) with its MAC: an UPDATE of the row
 * when it exists, else an INSERT of row 1. */
static xa_err
write_head(db *conn, const uint8_t key[32], int present, int64_t last_id,
    const char last_hash[HEX_LEN + 1])
{
	xa_err err = XA_OK;
	db_stmt *s = NULL;
	char mac[HEX_LEN + 1];
	int rc;

	if ((err = head_mac(key, last_id, last_hash, HEX_LEN, mac)) != XA_OK)
		goto cleanup;
	if (present)
		err = db_prepare(conn, "UPDATE audit_head SET last_id = ?, "
		    "last_hash = ?, mac = ? WHERE id = 1", &s);
	else
		err = db_prepare(conn, "INSERT INTO audit_head (last_id, "
		    "last_hash, mac, id) VALUES (?, ?, ?, 1)", &s);
	if (err != XA_OK)
		goto cleanup;
	if ((err = db_bind_int(s, 1, last_id)) != XA_OK ||
	    (err = db_bind_text(s, 2, last_hash, HEX_LEN)) != XA_OK ||
	    (err = db_bind_text(s, 3, mac, HEX_LEN)) != XA_OK)
		goto cleanup;
	rc = db_step(s);
	if (rc < 0) {
		err = (xa_err)-rc;
		goto cleanup;
	}
	if (db_changes(conn) != 1)
		err = XA_EDB;

cleanup:
	db_done(s);
	return err;
}

/* The batch (audit.h): the chain's tail kept in memory between the
 * writer's BEGIN and COMMIT, so the head is read, checked and rewritten
 * once per batch instead of once per record. One batch per thread; the
 * state names its connection, and anything else appends the old way. */
static _Thread_local struct {
	db *conn;
	const uint8_t *key;
	int active;		/* between begin and flush */
	int valid;		/* t is the newest record and the head */
	int dirty;		/* records appended since the head was written */
	int read;		/* the first full read of the batch happened */
	int may_write;		/* the head may be written (see audit_append) */
	struct tail t;
} batch;

void
audit_batch_begin(db *conn)
{
	memset(&batch, 0, sizeof batch);
	batch.conn = conn;
	batch.active = 1;
}

void
audit_batch_forget(db *conn)
{
	if (batch.conn == conn)
		batch.valid = 0;
}

void
audit_batch_abort(db *conn)
{
	if (batch.conn == conn)
		memset(&batch, 0, sizeof batch);
}

xa_err
audit_batch_flush(db *conn)
{
	xa_err err = XA_OK;
	if (!batch.active || batch.conn != conn)
		return XA_OK;
	if (batch.dirty && batch.key != NULL) {
		if (!batch.valid)
			err = read_tail(conn, batch.key, &batch.t);
		if (err == XA_OK && batch.may_write)
			err = write_head(conn, batch.key, batch.t.head_present,
			    batch.t.row_id, batch.t.row_hash);
	}
	memset(&batch, 0, sizeof batch);
	return err;
}

/* Appends e as the next record; see audit.h. The new id is one past both
 * the newest record and the head's last_id, so ids removed from the end
 * are never reused and their gap stays visible. The head is rewritten
 * only when it verified (or, for the very first record, when there is
 * neither head nor record); a head that was deleted while records remain
 * is not recreated, since a fresh head would vouch for a log that may
 * have lost its newest records. */
xa_err
audit_append(db *conn, const uint8_t key[32], const audit_entry *e,
    int64_t now)
{
	xa_err err = XA_OK;
	db_stmt *s = NULL;
	struct tail t;
	struct rec r;
	char hash[HEX_LEN + 1], mac[HEX_LEN + 1];
	buf scratch;
	int rc;

	buf_init(&scratch, CANON_MAX);
	if (conn == NULL || key == NULL || e == NULL) {
		err = XA_EINVAL;
		goto cleanup;
	}
	memset(&r, 0, sizeof r);
	r.at = now;
	r.account_id = e->account_id;
	r.unit_id = e->unit_id;
	r.object_id = e->object_id;
	if ((err = entry_text(e->action, 1, &r.action)) != XA_OK ||
	    (err = entry_text(e->object_type, 0, &r.object_type)) != XA_OK ||
	    (err = entry_text(e->fields, 0, &r.fields)) != XA_OK ||
	    (err = entry_text(e->request_id, 0, &r.request_id)) != XA_OK ||
	    (err = entry_text(e->source, 0, &r.source)) != XA_OK)
		goto cleanup;

	int deferred = batch.active && batch.conn == conn;
	if (deferred && batch.valid) {
		t = batch.t;
	} else {
		if ((err = read_tail(conn, key, &t)) != XA_OK)
			goto cleanup;
		if (deferred && !batch.read) {
			/* Decided once per batch, from the head as it was. */
			batch.read = 1;
			batch.may_write = t.head_present || t.row_id == 0;
		}
	}
	int64_t base = t.row_id;
	if (t.head_present && t.head_id > base)
		base = t.head_id;
	if (base < 0 || base == INT64_MAX) {
		err = XA_EINVAL;
		goto cleanup;
	}
	r.id = base + 1;
	if ((err = record_hash(&scratch, t.row_hash, &r, hash)) != XA_OK ||
	    (err = mac_of(key, hash, HEX_LEN, mac)) != XA_OK)
		goto cleanup;

	if ((err = db_prepare(conn, "INSERT INTO audit_log (id, at, "
	    "account_id, unit_id, action, object_type, object_id, fields, "
	    "request_id, source, prev_hash, hash, mac) VALUES (?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?)", &s)) != XA_OK)
		goto cleanup;
	if ((err = db_bind_int(s, 1, r.id)) != XA_OK ||
	    (err = db_bind_int(s, 2, r.at)) != XA_OK ||
	    (err = db_bind_int(s, 3, r.account_id)) != XA_OK ||
	    (err = db_bind_int(s, 4, r.unit_id)) != XA_OK ||
	    (err = db_bind_text(s, 5, r.action.p, (long)r.action.n)) != XA_OK ||
	    (err = db_bind_text(s, 6, r.object_type.p,
	    (long)r.object_type.n)) != XA_OK ||
	    (err = db_bind_int(s, 7, r.object_id)) != XA_OK ||
	    (err = db_bind_text(s, 8, r.fields.p, (long)r.fields.n)) != XA_OK ||
	    (err = db_bind_text(s, 9, r.request_id.p,
	    (long)r.request_id.n)) != XA_OK ||
	    (err = db_bind_text(s, 10, r.source.p, (long)r.source.n)) !=
	    XA_OK ||
	    (err = db_bind_text(s, 11, t.row_hash, HEX_LEN)) != XA_OK ||
	    (err = db_bind_text(s, 12, hash, HEX_LEN)) != XA_OK ||
	    (err = db_bind_text(s, 13, mac, HEX_LEN)) != XA_OK)
		goto cleanup;
	rc = db_step(s);
	if (rc < 0) {
		err = (xa_err)-rc;
		goto cleanup;
	}

	if (deferred) {
		/* The head is written by audit_batch_flush(). */
		batch.key = key;
		batch.t = t;
		batch.t.row_id = r.id;
		memcpy(batch.t.row_hash, hash, HEX_LEN);
		batch.valid = 1;
		batch.dirty = 1;
		if (!batch.may_write && atomic_exchange(&head_warned, 1) == 0)
			log_error("audit: the chain's head (audit_head) is missing "
			    "while records exist; records are still appended but the "
			    "head is not recreated. Run `xiaoan verify`");
	} else if (t.head_present || t.row_id == 0) {
		err = write_head(conn, key, t.head_present, r.id, hash);
	} else if (atomic_exchange(&head_warned, 1) == 0) {
		log_error("audit: the chain's head (audit_head) is missing "
		    "while records exist; records are still appended but the "
		    "head is not recreated. Run `xiaoan verify`");
	}

cleanup:
	db_done(s);
	buf_free(&scratch);
	return err;
}

/* Reads integer column col of the current row into *v and checks that the
 * stored value is exactly that whole number (SQLite would otherwise let
 * "17abc" or 17.5 read as 17, a change the hash would not see). */
static int
int_col(db_stmt *s, int col, int64_t *v)
{
	char d[24];
	if (db_col_is_null(s, col))
		return 0;
	*v = db_col_int(s, col);
	size_t n = dec(*v, d);
	const char *t = db_col_text(s, col);
	return db_col_len(s, col) == n && memcmp(t, d, n) == 0;
}

/* Reads text column col of the current row; 0 when it is NULL. */
static int
text_col(db_stmt *s, int col, struct text *t)
{
	if (db_col_is_null(s, col))
		return 0;
	t->p = db_col_text(s, col);
	t->n = db_col_len(s, col);
	return 1;
}

/* Walking state shared between the rows of audit_verify. */
struct walk {
	const uint8_t *key;
	buf scratch;
	int64_t prev_id;		/* 0 before the first record */
	char prev_hash[HEX_LEN + 1];	/* the previous record's hash */
	int64_t checked;
};

/* Checks the current row of the walk's SELECT. Returns XA_OK when it
 * holds, XA_EINVAL with *bad_id and why when it does not, another error
 * when hashing failed. On success the row becomes w's previous record. */
static xa_err
check_row(struct walk *w, db_stmt *s, int64_t *bad_id, char *why,
    size_t whylen)
{
	xa_err err = XA_OK;
	struct rec r;
	struct text prev, hash, mac;
	char want[HEX_LEN + 1], want_mac[HEX_LEN + 1];
	static const char *const int_names[] = { "at", "account_id",
	    "unit_id", "object_id" };

	memset(&r, 0, sizeof r);
	r.id = db_col_int(s, 0);
	int64_t expect = w->prev_id + 1;
	*bad_id = r.id;
	if (r.id != expect) {
		err = XA_EINVAL;
		if (r.id < expect) {
			say(why, whylen, "record %" PRId64 ": ids must start at "
			    "1 and rise by one", r.id);
			goto cleanup;
		}
		*bad_id = expect;
		char what[96], from[96];
		int n = r.id - 1 == expect ?
		    snprintf(what, sizeof what, "record %" PRId64 " is",
		    expect) :
		    snprintf(what, sizeof what, "records %" PRId64 " to %"
		    PRId64 " are", expect, r.id - 1);
		int m = w->prev_id == 0 ?
		    snprintf(from, sizeof from, "the log starts at %" PRId64,
		    r.id) :
		    snprintf(from, sizeof from, "ids jump from %" PRId64
		    " to %" PRId64, w->prev_id, r.id);
		if (n > 0 && m > 0)
			say(why, whylen, "%s missing (%s)", what, from);
		goto cleanup;
	}
	int64_t *ints[] = { &r.at, &r.account_id, &r.unit_id, &r.object_id };
	static const int int_cols[] = { 1, 2, 3, 6 };
	for (size_t i = 0; i < 4; i++) {
		if (!int_col(s, int_cols[i], ints[i])) {
			err = XA_EINVAL;
			say(why, whylen, "record %" PRId64 ": %s is not a whole "
			    "number (changed after it was written)", r.id,
			    int_names[i]);
			goto cleanup;
		}
	}
	if (!text_col(s, 4, &r.action) || !text_col(s, 5, &r.object_type) ||
	    !text_col(s, 7, &r.fields) || !text_col(s, 8, &r.request_id) ||
	    !text_col(s, 9, &r.source) || !text_col(s, 10, &prev) ||
	    !text_col(s, 11, &hash) || !text_col(s, 12, &mac)) {
		err = XA_EINVAL;
		say(why, whylen, "record %" PRId64 ": a field is NULL (changed "
		    "after it was written)", r.id);
		goto cleanup;
	}
	if (!same_hex(prev.p, prev.n, w->prev_hash)) {
		err = XA_EINVAL;
		if (w->prev_id == 0)
			say(why, whylen, "record 1: prev_hash is not the "
			    "chain's start (64 zeros)");
		else
			say(why, whylen, "record %" PRId64 ": prev_hash is not "
			    "the hash of record %" PRId64 " (the chain was cut "
			    "or records were reordered)", r.id, w->prev_id);
		goto cleanup;
	}
	err = record_hash(&w->scratch, w->prev_hash, &r, want);
	if (err == XA_ETOOBIG) {
		err = XA_EINVAL;
		say(why, whylen, "record %" PRId64 ": a field is longer than "
		    "xiaoan ever writes (changed after it was written)", r.id);
		goto cleanup;
	}
	if (err != XA_OK)
		goto cleanup;
	if (!same_hex(hash.p, hash.n, want)) {
		err = XA_EINVAL;
		say(why, whylen, "record %" PRId64 ": hash does not match its "
		    "contents (changed after it was written)", r.id);
		goto cleanup;
	}
	if ((err = mac_of(w->key, want, HEX_LEN, want_mac)) != XA_OK)
		goto cleanup;
	if (!same_hex(mac.p, mac.n, want_mac)) {
		err = XA_EINVAL;
		say(why, whylen, "record %" PRId64 ": MAC does not verify "
		    "(forged without the key)", r.id);
		goto cleanup;
	}
	memcpy(w->prev_hash, hash.p, HEX_LEN);
	w->prev_id = r.id;
	w->checked++;
	*bad_id = 0;

cleanup:
	return err;
}

/* Checks the head against the walked log (w->prev_id and w->prev_hash
 * are the last record's). Same returns as check_row. */
static xa_err
check_head(db *conn, struct walk *w, int64_t *bad_id, char *why,
    size_t whylen)
{
	xa_err err = XA_OK;
	db_stmt *s = NULL;
	int64_t rows = 0, last_id = 0;
	struct text lh, mac;
	char want[HEX_LEN + 1];
	int rc;

	*bad_id = 0;
	if ((err = db_query_int(conn, "SELECT COUNT(*) FROM audit_head",
	    &rows)) != XA_OK)
		goto cleanup;
	if (rows == 0) {
		if (w->prev_id != 0) {
			err = XA_EINVAL;
			say(why, whylen, "the head (audit_head) is missing, so "
			    "the removal of the newest records cannot be ruled "
			    "out");
		}
		goto cleanup;
	}
	if ((err = db_prepare(conn, "SELECT last_id, last_hash, mac FROM "
	    "audit_head WHERE id = 1", &s)) != XA_OK)
		goto cleanup;
	rc = db_step(s);
	if (rc < 0) {
		err = (xa_err)-rc;
		goto cleanup;
	}
	if (rows != 1 || rc == 0) {
		err = XA_EINVAL;
		say(why, whylen, "the head table holds %" PRId64 " rows; it "
		    "must hold exactly one, with id 1", rows);
		goto cleanup;
	}
	if (!int_col(s, 0, &last_id) || !text_col(s, 1, &lh) ||
	    !text_col(s, 2, &mac)) {
		err = XA_EINVAL;
		say(why, whylen, "the head is malformed (changed after it was "
		    "written)");
		goto cleanup;
	}
	if (w->prev_id == 0) {
		err = XA_EINVAL;
		*bad_id = last_id > 0 ? 1 : 0;
		say(why, whylen, "all records were removed: the log is empty "
		    "but its head says %" PRId64, last_id);
		goto cleanup;
	}
	if ((err = head_mac(w->key, last_id, lh.p, lh.n, want)) != XA_OK)
		goto cleanup;
	if (!same_hex(mac.p, mac.n, want)) {
		err = XA_EINVAL;
		say(why, whylen, "the head's MAC does not verify (the head was "
		    "changed without the key)");
		goto cleanup;
	}
	if (last_id > w->prev_id) {
		err = XA_EINVAL;
		*bad_id = w->prev_id + 1;
		say(why, whylen, "the newest records were removed: the head "
		    "says %" PRId64 ", the log ends at %" PRId64, last_id,
		    w->prev_id);
		goto cleanup;
	}
	if (last_id < w->prev_id) {
		err = XA_EINVAL;
		say(why, whylen, "the head says %" PRId64 " but the log goes on "
		    "to %" PRId64 " (an older head was put back)", last_id,
		    w->prev_id);
		goto cleanup;
	}
	if (!same_hex(lh.p, lh.n, w->prev_hash)) {
		err = XA_EINVAL;
		say(why, whylen, "the head's hash is not that of record %"
		    PRId64 ", the last one", last_id);
		goto cleanup;
	}

cleanup:
	db_done(s);
	return err;
}

/* Walks the whole chain in id order, then the head; see audit.h. *count
 * is the number of records that held before the first broken link (all
 * of them when the chain is whole). Errors other than XA_EINVAL are the
 * database's or the hash's, with why saying so. */
xa_err
audit_verify(db *conn, const uint8_t key[32], int64_t *count,
    int64_t *bad_id, char *why, size_t whylen)
{
	xa_err err = XA_OK;
	db_stmt *s = NULL;
	struct walk w;
	int64_t bad = 0;
	int rc;

	memset(&w, 0, sizeof w);
	w.key = key;
	buf_init(&w.scratch, CANON_MAX);
	memcpy(w.prev_hash, zero_hash, sizeof w.prev_hash);
	say(why, whylen, "%s", "");
	if (conn == NULL || key == NULL) {
		err = XA_EINVAL;
		say(why, whylen, "no database or no key");
		goto cleanup;
	}
	if ((err = db_prepare(conn, "SELECT id, at, account_id, unit_id, "
	    "action, object_type, object_id, fields, request_id, source, "
	    "prev_hash, hash, mac FROM audit_log ORDER BY id", &s)) != XA_OK)
		goto cleanup;
	while ((rc = db_step(s)) == 1) {
		if ((err = check_row(&w, s, &bad, why, whylen)) != XA_OK)
			goto cleanup;
	}
	if (rc < 0) {
		err = (xa_err)-rc;
		goto cleanup;
	}
	db_done(s);
	s = NULL;
	err = check_head(conn, &w, &bad, why, whylen);

cleanup:
	if (err != XA_OK && err != XA_EINVAL)
		say(why, whylen, "the audit log could not be checked: %s",
		    xa_strerror(err));
	db_done(s);
	buf_free(&w.scratch);
	if (count)
		*count = w.checked;
	if (bad_id)
		*bad_id = err == XA_OK ? 0 : bad;
	return err;
}
