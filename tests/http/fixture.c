/* fixture.c: see fixture.h. Test code only. */
#include "fixture.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/accounts.h"
#include "auth/audit.h"
#include "auth/keys.h"
#include "core/crypto.h"
#include "org/org.h"
#include "store/db.h"

static db *conn;
static keys fxkeys;

static void
fx_audit(const char *action, const char *type, int64_t id)
{
	audit_entry e = { 0, 1, action, type, id, "", "", "test fixture" };
	if (audit_append(conn, fxkeys.audit, &e, (int64_t)time(NULL)) != XA_OK)
		fprintf(stderr, "fixture: audit failed\n");
}

int
fx_setup(struct srv *s)
{
	char path[256], data[200];
	snprintf(data, sizeof data, "%s/data", s->dir);
	snprintf(path, sizeof path, "sqlite:%s/xiaoan.db", data);
	if (keys_load(data, &fxkeys) != XA_OK || db_open(path, 0, &conn) != XA_OK)
		return -1;
	/* Every test signs in from 127.0.0.1: lift the per-address limit
	 * (a test of the limit lowers it again). */
	return fx_sql("DELETE FROM settings WHERE key IN ('mfa.required',"
	    " 'signin.per_address_5min')") ||
	    fx_sql("INSERT INTO settings (key, value, updated_at) VALUES "
	    "('mfa.required', '0', 0), ('signin.per_address_5min', '10000', 0)");
}

void
fx_done(void)
{
	db_close(conn);
	conn = NULL;
}

db *
fx_conn(void)
{
	return conn;
}

int
fx_sql(const char *sql)
{
	return db_exec(conn, sql) == XA_OK ? 0 : -1;
}

int64_t
fx_int(const char *sql)
{
	int64_t v = -1;
	if (db_query_int(conn, sql, &v) != XA_OK)
		return -1;
	return v;
}

int64_t
fx_unit(int64_t parent, const char *kind, const char *name, const char *stages)
{
	int64_t id = 0;
	unit_new u = { parent, kind, name, NULL,
		strcmp(kind, "school") == 0 ? "primary" : "", "public", 0, "", 0, "",
		stages ? stages : "" };
	if (db_begin(conn) != XA_OK)
		return -1;
	if (unit_insert(conn, &u, (int64_t)time(NULL), &id) != XA_OK) {
		db_rollback(conn);
		return -1;
	}
	fx_audit("unit.create", "unit", id);
	return db_commit(conn) == XA_OK ? id : -1;
}

int64_t
fx_account(int64_t unit, const char *username, const char *password,
    unsigned roles)
{
	char hash[CRYPTO_PWHASH_LEN];
	int64_t id = 0;
	/* The lowest cost the verifier accepts keeps the tests quick; the
	 * server rehashes at its own cost on the first sign-in. */
	if (crypto_password_hash(password, 10000, hash, sizeof hash) != XA_OK)
		return -1;
	account_new a = { unit, username, username, NULL, NULL, hash, roles,
		(roles & ROLE_BIT(ROLE_COMMITTEE)) ? "staff" : NULL, 0 };
	if (db_begin(conn) != XA_OK)
		return -1;
	if (account_insert(conn, &a, (int64_t)time(NULL), &id) != XA_OK) {
		db_rollback(conn);
		return -1;
	}
	fx_audit("account.create", "account", id);
	return db_commit(conn) == XA_OK ? id : -1;
}

int
fx_signin(const struct srv *s, const char *username, const char *password,
    struct session *out)
{
	char body[512];
	struct resp r;
	snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}",
	    username, password);
	memset(out, 0, sizeof *out);
	if (http_req(s, "POST", "/api/v1/session", "application/json", body,
	    strlen(body), NULL, &r) != 0 || r.status != 200) {
		fprintf(stderr, "fixture: sign-in as %s: %ld %s\n", username, r.status,
		    r.body ? r.body : "");
		resp_free(&r);
		return -1;
	}
	json_t *j = json_loads(r.body, 0, NULL);
	const char *t = json_string_value(json_object_get(j, "token"));
	const char *c = json_string_value(json_object_get(j, "csrf"));
	json_t *u = json_object_get(j, "user");
	int ok = t != NULL && c != NULL;
	if (ok) {
		snprintf(out->token, sizeof out->token, "%s", t);
		snprintf(out->csrf, sizeof out->csrf, "%s", c);
		out->account_id = json_integer_value(json_object_get(u, "id"));
	}
	json_decref(j);
	resp_free(&r);
	return ok ? 0 : -1;
}

int
fx_req(const struct srv *s, const struct session *as, const char *method,
    const char *path, const char *json, struct resp *out)
{
	char auth[96];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", as ? as->token : "");
	const char *h[] = { auth, NULL };
	return http_req(s, method, path, json ? "application/json" : NULL, json,
	    json ? strlen(json) : 0, as ? h : NULL, out);
}

int
fx_req_ctype(const struct srv *s, const struct session *as, const char *method,
    const char *path, const char *ctype, const char *body, struct resp *out)
{
	char auth[96];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", as->token);
	const char *h[] = { auth, NULL };
	return http_req(s, method, path, ctype, body, body ? strlen(body) : 0, h, out);
}

int
fx_req_cookie(const struct srv *s, const struct session *as, const char *method,
    const char *path, const char *ctype, const char *body, int with_csrf,
    struct resp *out)
{
	char cookie[96], csrf[96];
	snprintf(cookie, sizeof cookie, "Cookie: xa_session=%s", as->token);
	snprintf(csrf, sizeof csrf, "X-CSRF-Token: %s", as->csrf);
	const char *h[] = { cookie, with_csrf ? csrf : NULL, NULL };
	return http_req(s, method, path, ctype, body, body ? strlen(body) : 0, h, out);
}
