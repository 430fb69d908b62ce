/* fixture.h: people and places for the HTTP tests, written straight into
 * a test server's database (with their audit records, so `xiaoan verify`
 * still passes), and signing in as them.
 *
 * A server from srv_start() already holds the bureau (unit 1) and the
 * three administrators from `xiaoan init`. fx_setup() turns off the
 * two-factor requirement so that fixture accounts can work at once. */
#ifndef XA_FIXTURE_H
#define XA_FIXTURE_H

#include <stdint.h>

#include "harness.h"

struct session {
	char token[40];
	char csrf[40];
	int64_t account_id;
};

/* Opens the server's database for the fixture calls below and sets
 * mfa.required = 0. Call after srv_start(). 0 on success. */
int fx_setup(struct srv *s);
void fx_done(void);

/* A unit under parent (1 = the bureau). kind: section, office, township,
 * school, agency. For schools, stages like "primary,junior". */
int64_t fx_unit(int64_t parent, const char *kind, const char *name,
    const char *stages);
/* An account in unit with roles (ROLE_BIT()s from auth/auth.h), ready to
 * sign in with password (no temporary password, no 2FA). */
int64_t fx_account(int64_t unit, const char *username, const char *password,
    unsigned roles);
/* The fixture's own connection to the server's database. */
struct db;
struct db *fx_conn(void);
/* Any SQL with no result, for a test that must reach behind the program's
 * back (e.g. to age a session). 0 on success. */
int fx_sql(const char *sql);
/* One integer from a query. */
int64_t fx_int(const char *sql);

/* Signs in through POST /api/v1/session. 0 on success. */
int fx_signin(const struct srv *s, const char *username, const char *password,
    struct session *out);
/* A request as that session, by Bearer token (or by cookie + CSRF token
 * when by_cookie). json may be NULL. */
int fx_req(const struct srv *s, const struct session *as, const char *method,
    const char *path, const char *json, struct resp *out);
/* The same with any content type (json: body may be any text). */
int fx_req_ctype(const struct srv *s, const struct session *as,
    const char *method, const char *path, const char *ctype, const char *body,
    struct resp *out);
int fx_req_cookie(const struct srv *s, const struct session *as,
    const char *method, const char *path, const char *ctype,
    const char *body, int with_csrf, struct resp *out);

#endif
