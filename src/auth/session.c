/* session.c: sign-in, sessions, sign-out, and the account's own page
 * (password change, two-factor set-up). See session.h.
 *
 * Every path that checks a password runs the PBKDF2 on the worker pool,
 * never on an event loop, and runs it even for an unknown username (on a
 * dummy hash of the same cost) so that the answer and its timing do not
 * tell whether an account exists. Every outcome is written, with its
 * audit record, before it is answered. Nothing here logs a password, a
 * token or a code. */
#include "session.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/crypto.h"
#include "../core/i18n.h"
#include "../core/log.h"
#include "../http/handler.h"
#include "../http/ratelimit.h"
#include "accounts.h"
#include "audit.h"
#include "auth.h"
#include "keys.h"
#include "settings.h"

#define TOTP_STEP 30
#define RECOVERY_CODES 10

const field auth_signin_fields[] = {
	{ "username", FT_STRING, F_REQUIRED, 1, 64, NULL },
	{ "password", FT_STRING, F_REQUIRED, 1, 256, NULL },
	{ "totp", FT_STRING, 0, 0, 16, NULL },
	{ "next", FT_STRING, 0, 0, 512, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

const field auth_signin_query[] = {
	{ "next", FT_STRING, 0, 0, 512, NULL },
	{ "changed", FT_BOOL, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

const field auth_password_fields[] = {
	{ "current", FT_STRING, F_REQUIRED, 1, 256, NULL },
	{ "new", FT_STRING, F_REQUIRED, 1, 256, NULL },
	{ "confirm", FT_STRING, 0, 0, 256, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

const field auth_totp_fields[] = {
	{ "code", FT_TOKEN, F_REQUIRED, 6, 8, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

void
audit_from_req(const req *r, audit_entry *e)
{
	const principal *p = r->user;
	memset(e, 0, sizeof *e);
	e->account_id = p ? p->account_id : 0;
	e->unit_id = p ? p->unit_id : 0;
	e->request_id = r->id;
	e->source = r->client;
	e->object_type = "";
	e->fields = "";
}

xa_err
audit_req(db *conn, const req *r, const char *action, const char *otype,
    int64_t oid, const char *fields, int64_t now)
{
	audit_entry e;
	audit_from_req(r, &e);
	/* Signing in: nobody is signed in yet, but the record is about the
	 * account that tried, and the auditor's first question is who. */
	if (r->user == NULL && strcmp(otype, "account") == 0 &&
	    strncmp(action, "session.", 8) == 0)
		e.account_id = oid;
	e.action = action;
	e.object_type = otype;
	e.object_id = oid;
	e.fields = fields;
	return audit_append(conn, keys_get()->audit, &e, now);
}

bool
session_alive(int64_t created, int64_t last_seen, int64_t now, int64_t idle,
    int64_t absolute)
{
	return now >= created && now - last_seen < idle && now - created < absolute;
}

/* --- Finding the session. */

/* The value of cookie name in the Cookie header, or NULL. */
static const char *
cookie_value(req *r, const char *name)
{
	const char *c = req_get_header(r, "Cookie");
	size_t nl = strlen(name);
	for (const char *p = c; p != NULL && (p = strstr(p, name)) != NULL; p += nl) {
		if ((p != c && p[-1] != ' ' && p[-1] != ';') || p[nl] != '=')
			continue;
		const char *v = p + nl + 1;
		size_t n = strcspn(v, "; ");
		return arena_strndup(r->a, v, n);
	}
	return NULL;
}

static void
token_hash(const char *token, char out[2 * SM3_LEN + 1])
{
	uint8_t h[SM3_LEN];
	if (crypto_sm3(token, strlen(token), h) != XA_OK)
		memset(h, 0, sizeof h);
	crypto_hex(h, sizeof h, out);
}

struct touch {
	int64_t id, now;
	int drop;
};

static xa_err
touch_run(db *conn, void *p)
{
	struct touch *t = p;
	db_stmt *st = NULL;
	xa_err e = t->drop ?
	    db_prepare(conn, "DELETE FROM sessions WHERE id = ?", &st) :
	    db_prepare(conn, "UPDATE sessions SET last_seen = ? WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	if (t->drop) {
		db_bind_int(st, 1, t->id);
	} else {
		db_bind_int(st, 1, t->now);
		db_bind_int(st, 2, t->id);
	}
	int rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

static void
touch_later(req *r, int64_t id, int64_t now, int drop)
{
	struct touch *t = malloc(sizeof *t);
	if (t == NULL)
		return;
	t->id = id;
	t->now = now;
	t->drop = drop;
	server_write_detached(r->srv, touch_run, t, free);
}

void
auth_authenticate(req *r)
{
	const char *tok = NULL;
	bool from_cookie = false;
	const char *authz = req_get_header(r, "Authorization");
	if (authz != NULL && strncmp(authz, "Bearer ", 7) == 0) {
		tok = authz + 7;
	} else {
		tok = cookie_value(r, server_session_cookie(r->srv));
		from_cookie = tok != NULL;
	}
	if (tok == NULL || strlen(tok) != 32)
		return;
	char th[2 * SM3_LEN + 1];
	token_hash(tok, th);
	db_stmt *st = NULL;
	if (db_prepare(r->rdb,
	    "SELECT s.id, s.account_id, s.csrf, s.created_at, s.last_seen,"
	    " a.unit_id, a.username, a.display_name, a.disabled, a.must_change,"
	    " a.password_changed_at, a.totp_secret, u.path, u.kind"
	    " FROM sessions s JOIN accounts a ON a.id = s.account_id"
	    " JOIN units u ON u.id = a.unit_id WHERE s.token_hash = ?", &st) != XA_OK)
		return;
	db_bind_text(st, 1, th, -1);
	if (db_step(st) != 1) {
		db_done(st);
		return;
	}
	int64_t now = now_s();
	int64_t sid = db_col_int(st, 0);
	int64_t created = db_col_int(st, 3), seen = db_col_int(st, 4);
	long idle = setting_get(r->rdb, S_SESSION_IDLE_MIN) * 60;
	long maxage = setting_get(r->rdb, S_SESSION_MAX_HOURS) * 3600;
	if (db_col_int(st, 8) != 0 || !session_alive(created, seen, now, idle, maxage)) {
		db_done(st);
		touch_later(r, sid, now, 1);
		return;
	}
	principal *p = arena_calloc(r->a, 1, sizeof *p);
	if (p == NULL) {
		db_done(st);
		return;
	}
	p->session_id = sid;
	p->account_id = db_col_int(st, 1);
	snprintf(p->csrf, sizeof p->csrf, "%s", db_col_text(st, 2));
	p->unit_id = db_col_int(st, 5);
	snprintf(p->username, sizeof p->username, "%s", db_col_text(st, 6));
	snprintf(p->display_name, sizeof p->display_name, "%s", db_col_text(st, 7));
	int must = db_col_int(st, 9) != 0;
	int64_t changed = db_col_int(st, 10);
	int has_totp = db_col_text(st, 11)[0] != '\0';
	snprintf(p->unit_path, sizeof p->unit_path, "%s", db_col_text(st, 12));
	snprintf(p->unit_kind, sizeof p->unit_kind, "%s", db_col_text(st, 13));
	db_done(st);
	if (db_prepare(r->rdb, "SELECT role FROM account_roles WHERE account_id = ?",
	    &st) == XA_OK) {
		db_bind_int(st, 1, p->account_id);
		while (db_step(st) == 1) {
			enum role ro;
			if (role_parse(db_col_text(st, 0), &ro) == XA_OK)
				p->roles |= ROLE_BIT(ro);
		}
		db_done(st);
	}
	/* Bureau staff reach the whole bureau, whichever section they sit in. */
	if (strcmp(p->unit_kind, "bureau") == 0 || strcmp(p->unit_kind, "section") == 0 ||
	    strcmp(p->unit_kind, "office") == 0) {
		size_t n = strcspn(p->unit_path + 1, "/");
		snprintf(p->scope_path, sizeof p->scope_path, "%.*s", (int)n + 2, p->unit_path);
	} else {
		snprintf(p->scope_path, sizeof p->scope_path, "%s", p->unit_path);
	}
	long rotation = setting_get(r->rdb, S_PW_ROTATION_DAYS);
	p->must_change = must || (rotation > 0 && changed + rotation * 86400 <= now);
	p->needs_mfa = setting_get(r->rdb, S_MFA_REQUIRED) != 0 && !has_totp &&
	    (p->roles & (ROLES_BUREAU | ROLES_ADMIN)) != 0;
	r->user = p;
	r->csrf_expected = p->csrf;
	r->cookie_auth = from_cookie;
	r->user_pending = p->must_change || p->needs_mfa;
	/* Idle time is kept to the minute: one write a minute per session,
	 * not one per request. */
	if (now - seen >= 60)
		touch_later(r, sid, now, 0);
}

/* --- The model of the signed-in account. */

static json_t *
user_model(req *r)
{
	const principal *p = r->user;
	json_t *roles = json_array();
	for (int i = 0; i < ROLE__COUNT; i++) {
		if ((p->roles & ROLE_BIT(i)) == 0)
			continue;
		char key[48];
		snprintf(key, sizeof key, "role.%s", role_name((enum role)i));
		json_array_append_new(roles, json_pack("{s:s, s:s}", "name",
		    role_name((enum role)i), "label", i18n(r->lang, key)));
	}
	json_t *u = json_pack("{s:I, s:s, s:s, s:I, s:s, s:o, s:b, s:b}",
	    "id", (json_int_t)p->account_id, "username", p->username,
	    "display_name", p->display_name, "unit_id", (json_int_t)p->unit_id,
	    "unit_kind", p->unit_kind, "roles", roles,
	    "must_change", p->must_change, "needs_mfa", p->needs_mfa);
	db_stmt *st = NULL;
	if (u != NULL && db_prepare(r->rdb, "SELECT name FROM units WHERE id = ?",
	    &st) == XA_OK) {
		db_bind_int(st, 1, p->unit_id);
		if (db_step(st) == 1)
			json_object_set_new(u, "unit_name", json_string(db_col_text(st, 0)));
		db_done(st);
	}
	return u;
}

static void
set_session_cookie(req *r, const char *token, int clear)
{
	char c[256];
	snprintf(c, sizeof c, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
	    server_session_cookie(r->srv), clear ? "" : token,
	    r->tls ? "; Secure" : "", clear ? "; Max-Age=0" : "");
	req_header(r, "Set-Cookie", c);
}

/* A local path to go to after signing in, never another site. */
static const char *
safe_next(const char *next)
{
	if (next == NULL || next[0] != '/' || next[1] == '/' || next[1] == '\\' ||
	    strncmp(next, "/signin", 7) == 0)
		return "/me";
	return next;
}

/* --- The sign-in page. */

static void
signin_render(req *r, int status, const char *error_key, const char *username,
    const char *next, int changed)
{
	json_t *m = json_pack("{s:{s:s}, s:s, s:s}", "page", "title_key",
	    "signin.title", "username", username ? username : "",
	    "next", next ? next : "");
	if (error_key != NULL)
		json_object_set_new(m, "error", json_string(i18n(r->lang, error_key)));
	if (changed)
		json_object_set_new(m, "notice", json_string(i18n(r->lang,
		    "signin.password_changed")));
	req_render(r, status, "signin", m);
}

void
auth_signin_page(req *r)
{
	if (r->user != NULL) {
		req_redirect(r, safe_next(input_str(r->q, "next")));
		return;
	}
	json_t *ch = json_object_get(r->q, "changed");
	signin_render(r, 200, NULL, NULL, input_str(r->q, "next"), json_is_true(ch));
}

/* --- Signing in. */

enum outcome { OUT_BAD, OUT_TOTP, OUT_OK };

struct signin {
	req *r;
	char *username, *password, *code;
	const char *next;
	int found, disabled;
	int64_t account_id, unit_id;
	char hash[CRYPTO_PWHASH_LEN];
	char totp_sealed[256];
	long cost, lock_after, lock_minutes;
	int pw_ok, stale, totp_ok, recovery;
	uint64_t step;
	char new_hash[CRYPTO_PWHASH_LEN];
	char token[33], token_hash[2 * SM3_LEN + 1], csrf[33];
	enum outcome outcome;
	int64_t now;
};

static pthread_mutex_t dummy_mu = PTHREAD_MUTEX_INITIALIZER;
static char dummy[CRYPTO_PWHASH_LEN];
static long dummy_cost;

/* A hash of a random password at the given cost, made once per cost, so
 * an unknown username costs the same PBKDF2 as a known one. */
static const char *
dummy_hash(long cost, char *copy)
{
	pthread_mutex_lock(&dummy_mu);
	if (dummy_cost != cost) {
		char pw[16];
		if (password_generate(pw) == XA_OK &&
		    crypto_password_hash(pw, (unsigned)cost, dummy, sizeof dummy) == XA_OK)
			dummy_cost = cost;
	}
	memcpy(copy, dummy, sizeof dummy);
	pthread_mutex_unlock(&dummy_mu);
	return copy;
}

static int
looks_like_recovery(const char *code)
{
	return code != NULL && strlen(code) == 9 && code[4] == '-';
}

/* On a worker: the PBKDF2, the TOTP check, and a new hash if the old one
 * was made at a lower cost. */
static void
signin_work(void *p)
{
	struct signin *s = p;
	char d[CRYPTO_PWHASH_LEN];
	const char *h = s->found && s->hash[0] != '\0' ? s->hash : dummy_hash(s->cost, d);
	int ok = 0, stale = 0;
	if (crypto_password_verify(s->password, h, (unsigned)s->cost, &ok, &stale) != XA_OK)
		ok = 0;
	s->pw_ok = s->found && s->hash[0] != '\0' && ok;
	if (s->pw_ok && stale &&
	    crypto_password_hash(s->password, (unsigned)s->cost, s->new_hash,
	    sizeof s->new_hash) != XA_OK)
		s->new_hash[0] = '\0';
	s->recovery = looks_like_recovery(s->code);
	if (s->pw_ok && s->totp_sealed[0] != '\0' && s->code != NULL &&
	    s->code[0] != '\0' && !s->recovery) {
		uint8_t sealed[128], secret[64];
		size_t sl = 0, kl = 0;
		if (crypto_unhex(s->totp_sealed, sealed, sizeof sealed, &sl) == XA_OK &&
		    crypto_open(keys_get()->data, sealed, sl, secret, sizeof secret, &kl) == XA_OK)
			s->totp_ok = crypto_totp_check(secret, kl, (uint64_t)s->now,
			    TOTP_STEP, s->code, &s->step);
		explicit_bzero(secret, sizeof secret);
	}
	uint8_t rnd[32];
	if (crypto_random(rnd, sizeof rnd) == XA_OK) {
		crypto_hex(rnd, 16, s->token);
		crypto_hex(rnd + 16, 16, s->csrf);
		token_hash(s->token, s->token_hash);
	}
	explicit_bzero(rnd, sizeof rnd);
	explicit_bzero(s->password, strlen(s->password));
}

/* Counts a failure; locks the account when there have been enough. */
static xa_err
count_failure(db *conn, struct signin *s, long failed)
{
	db_stmt *st = NULL;
	int lock = failed + 1 >= s->lock_after;
	xa_err e = db_prepare(conn, "UPDATE accounts SET failed_count = ?,"
	    " locked_until = ? WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, lock ? 0 : failed + 1);
	db_bind_int(st, 2, lock ? s->now + s->lock_minutes * 60 : 0);
	db_bind_int(st, 3, s->account_id);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (lock)
		return audit_req(conn, s->r, "account.locked", "account", s->account_id,
		    "locked_until", s->now);
	return XA_OK;
}

/* Marks an unused recovery code as used; 1 when one matched. */
static int
use_recovery(db *conn, struct signin *s)
{
	char h[2 * SM3_LEN + 1];
	token_hash(s->code, h);
	db_stmt *st = NULL;
	if (db_prepare(conn, "UPDATE recovery_codes SET used_at = ? WHERE account_id = ?"
	    " AND code_hash = ? AND used_at = 0", &st) != XA_OK)
		return 0;
	db_bind_int(st, 1, s->now);
	db_bind_int(st, 2, s->account_id);
	db_bind_text(st, 3, h, -1);
	int rc = db_step(st);
	db_done(st);
	return rc == 0 && db_changes(conn) == 1;
}

/* In the writer: decide with fresh counters, record, audit. */
static xa_err
signin_store(db *conn, void *p)
{
	struct signin *s = p;
	db_stmt *st = NULL;
	xa_err e;
	s->outcome = OUT_BAD;
	if (!s->found)
		return audit_req(conn, s->r, "session.signin_failed", "", 0, "username", s->now);
	long failed = 0;
	int64_t locked = 0, last_step = 0;
	int disabled = 1;
	if ((e = db_prepare(conn, "SELECT failed_count, locked_until, totp_last_step,"
	    " disabled FROM accounts WHERE id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, s->account_id);
	if (db_step(st) == 1) {
		failed = (long)db_col_int(st, 0);
		locked = db_col_int(st, 1);
		last_step = db_col_int(st, 2);
		disabled = db_col_int(st, 3) != 0;
	}
	db_done(st);
	if (disabled || locked > s->now)
		return audit_req(conn, s->r, disabled ? "session.signin_disabled" :
		    "session.signin_locked", "account", s->account_id, "", s->now);
	if (!s->pw_ok) {
		if ((e = count_failure(conn, s, failed)) != XA_OK)
			return e;
		return audit_req(conn, s->r, "session.signin_failed", "account",
		    s->account_id, "password", s->now);
	}
	if (s->totp_sealed[0] != '\0') {
		if (s->code == NULL || s->code[0] == '\0') {
			s->outcome = OUT_TOTP;
			return XA_OK;
		}
		int ok = s->recovery ? use_recovery(conn, s) :
		    s->totp_ok && (int64_t)s->step > last_step;
		if (!ok) {
			if ((e = count_failure(conn, s, failed)) != XA_OK)
				return e;
			return audit_req(conn, s->r, "session.signin_failed", "account",
			    s->account_id, "totp", s->now);
		}
		if (!s->recovery) {
			if ((e = db_prepare(conn, "UPDATE accounts SET totp_last_step = ?"
			    " WHERE id = ?", &st)) != XA_OK)
				return e;
			db_bind_int(st, 1, (int64_t)s->step);
			db_bind_int(st, 2, s->account_id);
			int rc = db_step(st);
			db_done(st);
			if (rc < 0)
				return (xa_err)-rc;
		}
	}
	if ((e = db_prepare(conn, "INSERT INTO sessions (token_hash, account_id, csrf,"
	    " created_at, last_seen, source) VALUES (?, ?, ?, ?, ?, ?)", &st)) != XA_OK)
		return e;
	db_bind_text(st, 1, s->token_hash, -1);
	db_bind_int(st, 2, s->account_id);
	db_bind_text(st, 3, s->csrf, -1);
	db_bind_int(st, 4, s->now);
	db_bind_int(st, 5, s->now);
	db_bind_text(st, 6, s->r->client, -1);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (s->new_hash[0] != '\0') {
		if ((e = db_prepare(conn, "UPDATE accounts SET failed_count = 0,"
		    " locked_until = 0, password_hash = ? WHERE id = ?", &st)) != XA_OK)
			return e;
		db_bind_text(st, 1, s->new_hash, -1);
		db_bind_int(st, 2, s->account_id);
	} else {
		if ((e = db_prepare(conn, "UPDATE accounts SET failed_count = 0,"
		    " locked_until = 0 WHERE id = ?", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, s->account_id);
	}
	rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	s->outcome = OUT_OK;
	return audit_req(conn, s->r, "session.signin", "account", s->account_id,
	    s->recovery ? "recovery_code" : "", s->now);
}

static void
signin_answer(req *r, void *ctx, xa_err result)
{
	struct signin *s = ctx;
	int api = (r->route->flags & R_API) != 0;
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (s->outcome != OUT_OK) {
		const char *code = s->outcome == OUT_TOTP ? "totp_required" : "bad_credentials";
		if (api) {
			req_error(r, 401, code, NULL);
		} else {
			char key[48];
			snprintf(key, sizeof key, "error.%s", code);
			signin_render(r, 401, key, s->username, s->next, 0);
		}
		return;
	}
	set_session_cookie(r, s->token, 0);
	if (!api) {
		req_redirect(r, safe_next(s->next));
		return;
	}
	json_t *m = json_pack("{s:s, s:s, s:{s:I, s:s}}", "token", s->token,
	    "csrf", s->csrf, "user", "id", (json_int_t)s->account_id,
	    "username", s->username);
	req_json(r, 200, m);
}

static void
signin_checked(req *r, void *ctx, xa_err unused)
{
	req_write(r, signin_store, ctx, signin_answer);
}

static pthread_once_t rl_once = PTHREAD_ONCE_INIT;
static ratelimit *signin_rl;

static void
rl_init(void)
{
	signin_rl = ratelimit_new(30, 300);
}

void
auth_signin(req *r)
{
	struct signin *s = arena_calloc(r->a, 1, sizeof *s);
	if (s == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	s->r = r;
	s->now = now_s();
	s->username = arena_strdup(r->a, input_str(r->in, "username"));
	s->password = arena_strdup(r->a, input_str(r->in, "password"));
	const char *code = input_str(r->in, "totp");
	s->code = code ? arena_strdup(r->a, code) : NULL;
	s->next = input_str(r->in, "next");
	if (s->next != NULL)
		s->next = arena_strdup(r->a, s->next);
	if (s->username == NULL || s->password == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	pthread_once(&rl_once, rl_init);
	if (signin_rl != NULL) {
		ratelimit_set_limit(signin_rl, setting_get(r->rdb, S_SIGNIN_PER_ADDR));
		if (!ratelimit_hit(signin_rl, r->client, s->now)) {
			req_header(r, "Retry-After", "300");
			req_error(r, 429, "too_many_requests", NULL);
			return;
		}
	}
	s->cost = setting_get(r->rdb, S_PW_COST);
	s->lock_after = setting_get(r->rdb, S_LOCKOUT_AFTER);
	s->lock_minutes = setting_get(r->rdb, S_LOCKOUT_MINUTES);
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT id, unit_id, password_hash, disabled,"
	    " totp_secret FROM accounts WHERE username = ?", &st) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	db_bind_text(st, 1, s->username, -1);
	if (db_step(st) == 1) {
		s->found = 1;
		s->account_id = db_col_int(st, 0);
		s->unit_id = db_col_int(st, 1);
		snprintf(s->hash, sizeof s->hash, "%s", db_col_text(st, 2));
		s->disabled = db_col_int(st, 3) != 0;
		snprintf(s->totp_sealed, sizeof s->totp_sealed, "%s", db_col_text(st, 4));
	}
	db_done(st);
	req_offload(r, signin_work, s, signin_checked);
}

/* --- Signing out. */

static xa_err
signout_store(db *conn, void *p)
{
	req *r = p;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "DELETE FROM sessions WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, r->user->session_id);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	return audit_req(conn, r, "session.signout", "account", r->user->account_id, "",
	    now_s());
}

static void
signout_answer(req *r, void *ctx, xa_err result)
{
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	set_session_cookie(r, "", 1);
	if (r->route->flags & R_API)
		req_text(r, 204, NULL, "", 0);
	else
		req_redirect(r, "/");
}

void
auth_signout(req *r)
{
	req_write(r, signout_store, r, signout_answer);
}

/* --- The account's own page. */

static json_t *
me_model(req *r)
{
	json_t *m = json_pack("{s:{s:s}, s:o, s:{s:I, s:I}}", "page", "title_key",
	    "me.title", "user", user_model(r), "policy",
	    "min_length", (json_int_t)setting_get(r->rdb, S_PW_MIN_LEN),
	    "classes", (json_int_t)setting_get(r->rdb, S_PW_CLASSES));
	db_stmt *st = NULL;
	if (m != NULL && db_prepare(r->rdb, "SELECT totp_secret != '', totp_pending != ''"
	    " FROM accounts WHERE id = ?", &st) == XA_OK) {
		db_bind_int(st, 1, r->user->account_id);
		if (db_step(st) == 1) {
			json_object_set_new(m, "totp_enabled", json_boolean(db_col_int(st, 0)));
			json_object_set_new(m, "totp_pending", json_boolean(db_col_int(st, 1)));
		}
		db_done(st);
	}
	return m;
}

void
auth_me(req *r)
{
	if (r->route->flags & R_API)
		req_json(r, 200, json_pack("{s:o}", "user", user_model(r)));
	else
		req_page(r, 200, me_model(r));
}

/* An error on the account's page: JSON for the API, the page again with
 * the message for a browser. code's text is the catalog's error.CODE. */
static void
me_error(req *r, int status, const char *code, const char *fname)
{
	if (r->route->flags & R_API) {
		req_error(r, status, code, fname);
		return;
	}
	char key[96];
	snprintf(key, sizeof key, "error.%s", code);
	json_t *m = me_model(r);
	json_object_set_new(m, "error", json_string(i18n(r->lang, key)));
	req_page(r, status, m);
}

/* --- Changing the password. */

struct pwchange {
	req *r;
	char *current, *fresh;
	char hash[CRYPTO_PWHASH_LEN];
	char new_hash[CRYPTO_PWHASH_LEN];
	long cost;
	int ok;
	int64_t now;
};

static void
pw_work(void *p)
{
	struct pwchange *c = p;
	int ok = 0, stale = 0;
	if (crypto_password_verify(c->current, c->hash, (unsigned)c->cost, &ok,
	    &stale) != XA_OK)
		ok = 0;
	c->ok = ok && crypto_password_hash(c->fresh, (unsigned)c->cost, c->new_hash,
	    sizeof c->new_hash) == XA_OK;
	explicit_bzero(c->current, strlen(c->current));
	explicit_bzero(c->fresh, strlen(c->fresh));
}

static xa_err
pw_store(db *conn, void *p)
{
	struct pwchange *c = p;
	db_stmt *st = NULL;
	if (!c->ok)
		return audit_req(conn, c->r, "account.password_change_failed", "account",
		    c->r->user->account_id, "current", c->now);
	xa_err e = db_prepare(conn, "UPDATE accounts SET password_hash = ?,"
	    " password_changed_at = ?, must_change = 0, updated_at = ? WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_text(st, 1, c->new_hash, -1);
	db_bind_int(st, 2, c->now);
	db_bind_int(st, 3, c->now);
	db_bind_int(st, 4, c->r->user->account_id);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	/* A new password ends every session of the account, this one too. */
	if ((e = db_prepare(conn, "DELETE FROM sessions WHERE account_id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, c->r->user->account_id);
	rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	return audit_req(conn, c->r, "account.password_change", "account",
	    c->r->user->account_id, "password", c->now);
}

static void
pw_answer(req *r, void *ctx, xa_err result)
{
	struct pwchange *c = ctx;
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (!c->ok) {
		me_error(r, 400, "wrong_password", "current");
		return;
	}
	set_session_cookie(r, "", 1);
	if (r->route->flags & R_API)
		req_text(r, 204, NULL, "", 0);
	else
		req_redirect(r, "/signin?changed=1");
}

static void
pw_checked(req *r, void *ctx, xa_err unused)
{
	req_write(r, pw_store, ctx, pw_answer);
}

void
auth_password(req *r)
{
	struct pwchange *c = arena_calloc(r->a, 1, sizeof *c);
	const char *cur = input_str(r->in, "current"), *fresh = input_str(r->in, "new");
	const char *confirm = input_str(r->in, "confirm");
	if (c == NULL || cur == NULL || fresh == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (confirm != NULL && strcmp(confirm, fresh) != 0) {
		me_error(r, 400, "password_mismatch", "confirm");
		return;
	}
	const char *why = NULL;
	if (password_check(fresh, r->user->username, setting_get(r->rdb, S_PW_MIN_LEN),
	    setting_get(r->rdb, S_PW_CLASSES), &why) != XA_OK) {
		me_error(r, 400, why, "new");
		return;
	}
	if (strcmp(cur, fresh) == 0) {
		me_error(r, 400, "password_unchanged", "new");
		return;
	}
	c->r = r;
	c->now = now_s();
	c->current = arena_strdup(r->a, cur);
	c->fresh = arena_strdup(r->a, fresh);
	c->cost = setting_get(r->rdb, S_PW_COST);
	db_stmt *st = NULL;
	if (c->current == NULL || c->fresh == NULL ||
	    db_prepare(r->rdb, "SELECT password_hash FROM accounts WHERE id = ?", &st) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	db_bind_int(st, 1, r->user->account_id);
	if (db_step(st) == 1)
		snprintf(c->hash, sizeof c->hash, "%s", db_col_text(st, 0));
	db_done(st);
	req_offload(r, pw_work, c, pw_checked);
}

/* --- Two-factor set-up. */

struct totp_setup {
	req *r;
	char sealed_hex[256];
	char secret_b32[64];
	char codes[RECOVERY_CODES][10];
	char code_hashes[RECOVERY_CODES][2 * SM3_LEN + 1];
	uint64_t step;
	int64_t now;
};

static xa_err
totp_begin_store(db *conn, void *p)
{
	struct totp_setup *t = p;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "UPDATE accounts SET totp_pending = ? WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_text(st, 1, t->sealed_hex, -1);
	db_bind_int(st, 2, t->r->user->account_id);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	return audit_req(conn, t->r, "account.totp_begin", "account",
	    t->r->user->account_id, "totp_pending", t->now);
}

static json_t *
totp_model(req *r, struct totp_setup *t)
{
	char uri[256];
	snprintf(uri, sizeof uri, "otpauth://totp/xiaoan:%s?secret=%s&issuer=xiaoan"
	    "&algorithm=SHA1&digits=6&period=30", r->user->username, t->secret_b32);
	return json_pack("{s:s, s:s}", "secret", t->secret_b32, "uri", uri);
}

static void
totp_begin_answer(req *r, void *ctx, xa_err result)
{
	struct totp_setup *t = ctx;
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (r->route->flags & R_API) {
		req_json(r, 200, totp_model(r, t));
		return;
	}
	json_t *m = me_model(r);
	json_object_set_new(m, "totp_setup", totp_model(r, t));
	req_page(r, 200, m);
}

void
auth_totp_begin(req *r)
{
	struct totp_setup *t = arena_calloc(r->a, 1, sizeof *t);
	uint8_t secret[20], sealed[20 + CRYPTO_SEAL_OVERHEAD];
	size_t sl = 0;
	if (t == NULL || crypto_random(secret, sizeof secret) != XA_OK ||
	    crypto_seal(keys_get()->data, secret, sizeof secret, sealed, sizeof sealed,
	    &sl) != XA_OK ||
	    crypto_base32(secret, sizeof secret, t->secret_b32, sizeof t->secret_b32) != XA_OK) {
		explicit_bzero(secret, sizeof secret);
		req_error(r, 500, "internal", NULL);
		return;
	}
	explicit_bzero(secret, sizeof secret);
	crypto_hex(sealed, sl, t->sealed_hex);
	t->r = r;
	t->now = now_s();
	req_write(r, totp_begin_store, t, totp_begin_answer);
}

static xa_err
totp_confirm_store(db *conn, void *p)
{
	struct totp_setup *t = p;
	int64_t aid = t->r->user->account_id;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "UPDATE accounts SET totp_secret = totp_pending,"
	    " totp_pending = '', totp_last_step = ? WHERE id = ? AND totp_pending = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, (int64_t)t->step);
	db_bind_int(st, 2, aid);
	db_bind_text(st, 3, t->sealed_hex, -1);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (db_changes(conn) != 1)
		return XA_EBUSY;	/* a newer set-up replaced this one */
	if ((e = db_prepare(conn, "DELETE FROM recovery_codes WHERE account_id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, aid);
	rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	for (int i = 0; i < RECOVERY_CODES; i++) {
		if ((e = db_prepare(conn, "INSERT INTO recovery_codes (account_id, code_hash)"
		    " VALUES (?, ?)", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, aid);
		db_bind_text(st, 2, t->code_hashes[i], -1);
		rc = db_step(st);
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
	}
	return audit_req(conn, t->r, "account.totp_enable", "account", aid,
	    "totp_secret,recovery_codes", t->now);
}

static void
totp_confirm_answer(req *r, void *ctx, xa_err result)
{
	struct totp_setup *t = ctx;
	if (result != XA_OK) {
		me_error(r, 409, "totp_stale", NULL);
		return;
	}
	json_t *codes = json_array();
	for (int i = 0; i < RECOVERY_CODES; i++)
		json_array_append_new(codes, json_string(t->codes[i]));
	if (r->route->flags & R_API) {
		req_json(r, 200, json_pack("{s:o}", "recovery_codes", codes));
		return;
	}
	json_t *m = me_model(r);
	json_object_set_new(m, "recovery_codes", codes);
	req_page(r, 200, m);
}

void
auth_totp_confirm(req *r)
{
	struct totp_setup *t = arena_calloc(r->a, 1, sizeof *t);
	const char *code = input_str(r->in, "code");
	db_stmt *st = NULL;
	if (t == NULL || code == NULL ||
	    db_prepare(r->rdb, "SELECT totp_pending FROM accounts WHERE id = ?", &st) != XA_OK) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	t->r = r;
	t->now = now_s();
	db_bind_int(st, 1, r->user->account_id);
	if (db_step(st) == 1)
		snprintf(t->sealed_hex, sizeof t->sealed_hex, "%s", db_col_text(st, 0));
	db_done(st);
	uint8_t sealed[128], secret[64];
	size_t sl = 0, kl = 0;
	int ok = t->sealed_hex[0] != '\0' &&
	    crypto_unhex(t->sealed_hex, sealed, sizeof sealed, &sl) == XA_OK &&
	    crypto_open(keys_get()->data, sealed, sl, secret, sizeof secret, &kl) == XA_OK &&
	    crypto_totp_check(secret, kl, (uint64_t)t->now, TOTP_STEP, code, &t->step);
	explicit_bzero(secret, sizeof secret);
	if (!ok) {
		me_error(r, 400, "bad_totp", "code");
		return;
	}
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
	for (int i = 0; i < RECOVERY_CODES; i++) {
		uint8_t rnd[8];
		if (crypto_random(rnd, sizeof rnd) != XA_OK) {
			req_error(r, 500, "internal", NULL);
			return;
		}
		for (int k = 0, o = 0; k < 8; k++) {
			if (k == 4)
				t->codes[i][o++] = '-';
			t->codes[i][o++] = alphabet[rnd[k] % (sizeof alphabet - 1)];
		}
		t->codes[i][9] = '\0';
		token_hash(t->codes[i], t->code_hashes[i]);
	}
	req_write(r, totp_confirm_store, t, totp_confirm_answer);
}
