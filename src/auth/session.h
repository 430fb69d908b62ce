/* session.h: signing in and out, sessions, and the account's own page.
 *
 * Sessions are server-side: the browser holds a 128-bit random token in
 * an HttpOnly, SameSite=Strict cookie (__Host- prefixed over TLS); API
 * clients send it as a Bearer token; the database holds only its SM3.
 * A session ends after the idle timeout, at its absolute lifetime, at
 * sign-out, and at once when its account is disabled or its password
 * changes. Unknown and known usernames get the same answer in the same
 * time: the password hash is computed either way. */
#ifndef XA_SESSION_H
#define XA_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "../http/server.h"

/* The server's authenticate hook. */
void auth_authenticate(req *r);

/* Whether a session created at `created` and last seen at `last_seen` is
 * still valid at `now` under the idle and absolute limits (seconds). */
bool session_alive(int64_t created, int64_t last_seen, int64_t now,
    int64_t idle, int64_t absolute);

/* Handlers. */
void auth_signin_page(req *r);
void auth_signin(req *r);
void auth_signout(req *r);
void auth_me(req *r);
void auth_password(req *r);
void auth_totp_begin(req *r);
void auth_totp_confirm(req *r);

/* Route input tables. */
extern const field auth_signin_fields[];
extern const field auth_signin_query[];
extern const field auth_password_fields[];
extern const field auth_totp_fields[];

/* Fills an audit entry's who/where from r (for writer jobs). */
struct audit_entry;
void audit_from_req(const req *r, struct audit_entry *e);
/* Appends the audit record of r's change inside the writer's transaction
 * (who and where from r; while signing in, the account tried). */
xa_err audit_req(db *conn, const req *r, const char *action,
    const char *otype, int64_t oid, const char *fields, int64_t now);

#endif
