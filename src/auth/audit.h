/* audit.h: the tamper-evident audit chain.
 *
 * Every change, and every read of sensitive data, appends one record in
 * the same transaction as the change (so the change fails if its record
 * cannot be written). Each record's hash is SM3 over the previous record's
 * hash and this record's canonical text; its mac is HMAC-SM3 of the hash
 * under the audit key kept outside the database (keys.h); the chain's
 * head (last id and hash) is kept MACed in audit_head, so deleting the
 * newest records is caught as well as changing, deleting or inserting any
 * other. fields names what changed or was read, never a sensitive value. */
#ifndef XA_AUDIT_H
#define XA_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../store/db.h"

typedef struct audit_entry {
	int64_t account_id;	/* who (0: the system, or nobody signed in) */
	int64_t unit_id;	/* the acting account's unit */
	const char *action;	/* "account.create", "session.signin", ... */
	const char *object_type;	/* "account", "unit", ... or "" */
	int64_t object_id;
	const char *fields;	/* comma-separated names, or "" */
	const char *request_id;
	const char *source;	/* client address */
} audit_entry;

/* Appends e at time now (UTC seconds) on conn, which must be inside the
 * caller's transaction (a writer job). */
xa_err audit_append(db *conn, const uint8_t key[32], const audit_entry *e,
    int64_t now);

/* Batches (the writer's group commit, and one-transaction commands such
 * as `xiaoan demo`): between audit_batch_begin(conn) and
 * audit_batch_flush(conn), appends on conn keep the chain's tail in memory
 * and the head is read and checked once and written once, by the flush,
 * which must run inside the same transaction before it commits. After a
 * savepoint of conn is rolled back, call audit_batch_forget(conn): the
 * next append reads the tail again; when the whole transaction is
 * abandoned, audit_batch_abort(conn). The
 * stored chain is the same as without a batch. One batch per thread. */
void audit_batch_begin(db *conn);
void audit_batch_forget(db *conn);
xa_err audit_batch_flush(db *conn);
/* Ends a batch whose transaction is abandoned: nothing is written, and
 * appends on conn go back to writing the head each time. */
void audit_batch_abort(db *conn);

/* Walks the whole chain. On the first broken link returns XA_EINVAL with
 * *bad_id the record's id (0 for the head) and a sentence in why. *count
 * receives the number of records checked. An empty log is valid. */
xa_err audit_verify(db *conn, const uint8_t key[32], int64_t *count,
    int64_t *bad_id, char *why, size_t whylen);

#endif
