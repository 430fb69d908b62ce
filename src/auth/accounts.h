/* accounts.h: creating accounts and checking passwords against policy.
 *
 * Used by the account pages, CSV import, `xiaoan init` (the first
 * administrator) and the demo city. Writers only: every function that
 * changes a row takes the writer's connection and is called inside a
 * writer job (or the CLI's own transaction), together with its audit
 * record. */
#ifndef XA_ACCOUNTS_H
#define XA_ACCOUNTS_H

#include <stdint.h>

#include "../core/err.h"
#include "../store/db.h"
#include "auth.h"

typedef struct account_new {
	int64_t unit_id;
	const char *username;		/* [a-z0-9_.-], 3..32 */
	const char *display_name;
	const char *phone, *email;	/* may be NULL */
	const char *password_hash;	/* from crypto_password_hash */
	unsigned roles;			/* ROLE_BIT()s */
	const char *member_type;	/* for ROLE_COMMITTEE, else NULL */
	int must_change;		/* a temporary password */
} account_new;

/* Inserts the account and its roles. XA_EEXIST when the username is
 * taken, XA_EINVAL for a malformed username or an unknown member type. */
xa_err account_insert(db *conn, const account_new *a, int64_t now,
    int64_t *id);

/* Checks a new password: at least min_len characters (code points) from
 * at least `classes` of lower case, upper case, digits and others; not
 * the username. On failure *why is the error code of the reason
 * ("password_too_short"; its text is the catalog's error.CODE). */
xa_err password_check(const char *password, const char *username,
    long min_len, long classes, const char **why);

/* 1 when username is well-formed. */
int username_ok(const char *username);

/* A random temporary password that passes the default policy: 12
 * characters, no look-alikes (0/O, 1/l/I). */
xa_err password_generate(char out[16]);

#endif
