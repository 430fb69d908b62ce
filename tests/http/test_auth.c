/* test_auth.c: signing in and out over real HTTP: equal answers for
 * unknown and known users, session fixation, idle and absolute timeouts
 * (the stored times are aged behind the program's back, which is what an
 * injected clock would do), replay after sign-out, disabled accounts,
 * password change, lockout, the per-address limit, CSRF, two-factor
 * sign-in with TOTP and recovery codes, and accounts that must finish
 * setting up first. Ends with `xiaoan verify`: every step was audited. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/auth.h"
#include "core/crypto.h"
#include "fixture.h"
#include "harness.h"

static struct srv S;
static int64_t office, school;

static int
setup(void **state)
{
	memset(&S, 0, sizeof S);
	static const char *const extra[] = { "--loops", "2", NULL };
	if (srv_start(&S, extra) != 0 || fx_setup(&S) != 0)
		return -1;
	office = fx_unit(1, "office", "办公室", NULL);
	school = fx_unit(1, "school", "第一小学", "primary");
	if (office < 0 || school < 0)
		return -1;
	return fx_account(office, "zhang", "Zhang-pass-1", ROLE_BIT(ROLE_OFFICE_STAFF)) < 0 ||
	    fx_account(school, "lili", "Li-pass-123", ROLE_BIT(ROLE_TEACHER)) < 0 ? -1 : 0;
}

static int
teardown(void **state)
{
	fx_done();
	int rc = srv_stop(&S);
	char data[200];
	snprintf(data, sizeof data, "%s/data", S.dir);
	char *argv[] = { (char *)xiaoan_bin(), "verify", "--data", data, NULL };
	char *out = NULL;
	int vrc = run_cmd(argv, &out);
	if (vrc != 0)
		fprintf(stderr, "verify: %s\n", out);
	free(out);
	srv_cleanup(&S);
	return rc || vrc;
}

static long
post_signin(const char *user, const char *pw, const char *totp, struct resp *r)
{
	char body[256];
	if (totp)
		snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\",\"totp\":\"%s\"}",
		    user, pw, totp);
	else
		snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", user, pw);
	if (http_req(&S, "POST", "/api/v1/session", "application/json", body,
	    strlen(body), NULL, r) != 0)
		return -1;
	return r->status;
}

static long
me_status(const struct session *s)
{
	struct resp r;
	fx_req(&S, s, "GET", "/api/v1/me", NULL, &r);
	long st = r.status;
	resp_free(&r);
	return st;
}

static void
test_signin_and_cookie(void **state)
{
	struct resp r;
	assert_int_equal(post_signin("zhang", "Zhang-pass-1", NULL, &r), 200);
	const char *c = resp_header(&r, "Set-Cookie");
	assert_non_null(c);
	assert_non_null(strstr(c, "xa_session="));
	assert_non_null(strstr(c, "HttpOnly"));
	assert_non_null(strstr(c, "SameSite=Strict"));
	json_t *j = json_loads(r.body, 0, NULL);
	const char *tok = json_string_value(json_object_get(j, "token"));
	assert_non_null(tok);
	assert_int_equal(strlen(tok), 32);	/* 128 bits */
	json_decref(j);
	resp_free(&r);
	struct session s;
	assert_int_equal(fx_signin(&S, "zhang", "Zhang-pass-1", &s), 0);
	assert_int_equal(me_status(&s), 200);
	/* Only the hash of a token is stored. */
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM sessions WHERE token_hash = '%s'", s.token);
	assert_int_equal(fx_int(sql), 0);
	/* The stored cost was the fixture's; the first sign-in rehashed it. */
	assert_int_equal(fx_int("SELECT count(*) FROM accounts WHERE username = 'zhang'"
	    " AND password_hash LIKE 'pbkdf2-sm3$100000$%'"), 1);
}

static void
test_unknown_and_wrong_answer_alike(void **state)
{
	struct resp a, b;
	assert_int_equal(post_signin("zhang", "wrong-password", NULL, &a), 401);
	assert_int_equal(post_signin("nobody-here", "wrong-password", NULL, &b), 401);
	assert_string_equal(a.body, b.body);
	assert_non_null(strstr(a.body, "\"bad_credentials\""));
	resp_free(&a);
	resp_free(&b);
	/* Both were written down, so both took the same path through the writer. */
	assert_true(fx_int("SELECT count(*) FROM audit_log WHERE action = "
	    "'session.signin_failed' AND account_id = 0") >= 1);
	fx_sql("UPDATE accounts SET failed_count = 0 WHERE username = 'zhang'");
}

static void
test_fixation_and_new_token(void **state)
{
	struct session planted;
	memset(&planted, 0, sizeof planted);
	snprintf(planted.token, sizeof planted.token, "0123456789abcdef0123456789abcdef");
	assert_int_equal(me_status(&planted), 401);
	struct session a, b;
	assert_int_equal(fx_signin(&S, "zhang", "Zhang-pass-1", &a), 0);
	assert_int_equal(fx_signin(&S, "zhang", "Zhang-pass-1", &b), 0);
	assert_string_not_equal(a.token, b.token);
	assert_string_not_equal(a.token, planted.token);
	assert_int_equal(me_status(&planted), 401);
	assert_int_equal(me_status(&a), 200);
	assert_int_equal(me_status(&b), 200);
}

static void
test_idle_and_absolute_timeout(void **state)
{
	struct session s;
	assert_int_equal(fx_signin(&S, "zhang", "Zhang-pass-1", &s), 0);
	assert_int_equal(me_status(&s), 200);
	/* 16 minutes idle (the limit is 15). */
	char sql[256];
	snprintf(sql, sizeof sql, "UPDATE sessions SET last_seen = last_seen - 960 "
	    "WHERE account_id = %lld", (long long)s.account_id);
	assert_int_equal(fx_sql(sql), 0);
	assert_int_equal(me_status(&s), 401);
	/* 14 minutes idle is still fine. */
	assert_int_equal(fx_signin(&S, "zhang", "Zhang-pass-1", &s), 0);
	snprintf(sql, sizeof sql, "UPDATE sessions SET last_seen = %lld WHERE account_id = %lld",
	    (long long)time(NULL) - 840, (long long)s.account_id);
	assert_int_equal(fx_sql(sql), 0);
	assert_int_equal(me_status(&s), 200);
	/* Active all along, but signed in 12 hours and a minute ago. */
	snprintf(sql, sizeof sql, "UPDATE sessions SET created_at = %lld, last_seen = %lld "
	    "WHERE account_id = %lld", (long long)time(NULL) - 43260,
	    (long long)time(NULL), (long long)s.account_id);
	assert_int_equal(fx_sql(sql), 0);
	assert_int_equal(me_status(&s), 401);
}

static void
test_signout_then_replay(void **state)
{
	struct session s;
	struct resp r;
	assert_int_equal(fx_signin(&S, "lili", "Li-pass-123", &s), 0);
	assert_int_equal(fx_req(&S, &s, "DELETE", "/api/v1/session", NULL, &r), 0);
	assert_int_equal(r.status, 204);
	assert_non_null(strstr(resp_header(&r, "Set-Cookie"), "Max-Age=0"));
	resp_free(&r);
	assert_int_equal(me_status(&s), 401);
	/* GET never signs anybody out. */
	assert_int_equal(fx_signin(&S, "lili", "Li-pass-123", &s), 0);
	assert_int_equal(fx_req(&S, &s, "GET", "/signout", NULL, &r), 0);
	assert_int_equal(r.status, 405);
	resp_free(&r);
	assert_int_equal(me_status(&s), 200);
}

static void
test_disabled_account(void **state)
{
	struct session s;
	struct resp r;
	int64_t id = fx_account(school, "wang", "Wang-pass-1", ROLE_BIT(ROLE_TEACHER));
	assert_true(id > 0);
	assert_int_equal(fx_signin(&S, "wang", "Wang-pass-1", &s), 0);
	assert_int_equal(me_status(&s), 200);
	assert_int_equal(fx_sql("UPDATE accounts SET disabled = 1 WHERE username = 'wang'"), 0);
	assert_int_equal(me_status(&s), 401);
	assert_int_equal(post_signin("wang", "Wang-pass-1", NULL, &r), 401);
	assert_non_null(strstr(r.body, "bad_credentials"));
	resp_free(&r);
}

static void
test_password_change_ends_sessions(void **state)
{
	struct session a, b;
	struct resp r;
	assert_true(fx_account(school, "zhao", "Zhao-pass-1", ROLE_BIT(ROLE_TEACHER)) > 0);
	assert_int_equal(fx_signin(&S, "zhao", "Zhao-pass-1", &a), 0);
	assert_int_equal(fx_signin(&S, "zhao", "Zhao-pass-1", &b), 0);
	/* Weak, wrong and unchanged passwords are refused and change nothing. */
	static const char weak[] = "{\"current\":\"Zhao-pass-1\",\"new\":\"short\"}";
	assert_int_equal(fx_req(&S, &a, "POST", "/api/v1/me/password", weak, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "password_too_short"));
	resp_free(&r);
	static const char simple[] = "{\"current\":\"Zhao-pass-1\",\"new\":\"alllowercase\"}";
	assert_int_equal(fx_req(&S, &a, "POST", "/api/v1/me/password", simple, &r), 0);
	assert_non_null(strstr(r.body, "password_too_simple"));
	resp_free(&r);
	static const char wrong[] = "{\"current\":\"nope\",\"new\":\"New-pass-2026\"}";
	assert_int_equal(fx_req(&S, &a, "POST", "/api/v1/me/password", wrong, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "wrong_password"));
	resp_free(&r);
	assert_int_equal(me_status(&b), 200);
	static const char good[] = "{\"current\":\"Zhao-pass-1\",\"new\":\"New-pass-2026\"}";
	assert_int_equal(fx_req(&S, &a, "POST", "/api/v1/me/password", good, &r), 0);
	assert_int_equal(r.status, 204);
	resp_free(&r);
	assert_int_equal(me_status(&a), 401);
	assert_int_equal(me_status(&b), 401);
	assert_int_equal(post_signin("zhao", "Zhao-pass-1", NULL, &r), 401);
	resp_free(&r);
	assert_int_equal(post_signin("zhao", "New-pass-2026", NULL, &r), 200);
	resp_free(&r);
}

static void
test_lockout(void **state)
{
	struct resp r;
	assert_true(fx_account(school, "sun", "Sun-pass-123", ROLE_BIT(ROLE_TEACHER)) > 0);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(post_signin("sun", "bad-guess", NULL, &r), 401);
		resp_free(&r);
	}
	/* Locked: the right password now gets the very same answer. */
	struct resp ok;
	assert_int_equal(post_signin("sun", "Sun-pass-123", NULL, &ok), 401);
	assert_int_equal(post_signin("sun", "bad-guess", NULL, &r), 401);
	assert_string_equal(ok.body, r.body);
	resp_free(&ok);
	resp_free(&r);
	assert_true(fx_int("SELECT locked_until FROM accounts WHERE username = 'sun'") >
	    (int64_t)time(NULL) + 800);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'account.locked'"), 1);
	/* Fifteen minutes later it opens again. */
	assert_int_equal(fx_sql("UPDATE accounts SET locked_until = 1 WHERE username = 'sun'"), 0);
	assert_int_equal(post_signin("sun", "Sun-pass-123", NULL, &r), 200);
	resp_free(&r);
}

static void
test_csrf(void **state)
{
	struct session s;
	struct resp r;
	assert_int_equal(fx_signin(&S, "lili", "Li-pass-123", &s), 0);
	/* Cookie without the token: refused, nothing written. */
	int64_t before = fx_int("SELECT count(*) FROM audit_log");
	assert_int_equal(fx_req_cookie(&S, &s, "POST", "/api/v1/me/totp", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 403);
	assert_non_null(strstr(r.body, "\"csrf\""));
	resp_free(&r);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log"), before);
	/* A form post from a page of another site: refused even with the token. */
	char cookie[96], token[96];
	snprintf(cookie, sizeof cookie, "Cookie: xa_session=%s", s.token);
	snprintf(token, sizeof token, "X-CSRF-Token: %s", s.csrf);
	const char *h[] = { cookie, token, "Origin: https://evil.example", NULL };
	assert_int_equal(http_req(&S, "POST", "/api/v1/me/totp", NULL, NULL, 0, h, &r), 0);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	/* With the token, from our own page: accepted. */
	assert_int_equal(fx_req_cookie(&S, &s, "POST", "/api/v1/me/totp", NULL, NULL, 1, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	/* A form field works as well as the header. */
	char form[96];
	snprintf(form, sizeof form, "_csrf=%s", s.csrf);
	assert_int_equal(fx_req_cookie(&S, &s, "POST", "/me/totp",
	    "application/x-www-form-urlencoded", form, 0, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	/* Bearer clients are not browsers and need no token. */
	assert_int_equal(fx_req(&S, &s, "POST", "/api/v1/me/totp", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	assert_int_equal(fx_sql("UPDATE accounts SET totp_pending = '' WHERE username = 'lili'"), 0);
}

static int
b32_secret(const char *b32, uint8_t *out, size_t *n)
{
	return crypto_unbase32(b32, out, 64, n) == XA_OK ? 0 : -1;
}

static void
test_totp(void **state)
{
	struct session s;
	struct resp r;
	assert_true(fx_account(office, "qian", "Qian-pass-1", ROLE_BIT(ROLE_OFFICE_STAFF)) > 0);
	assert_int_equal(fx_signin(&S, "qian", "Qian-pass-1", &s), 0);
	assert_int_equal(fx_req(&S, &s, "POST", "/api/v1/me/totp", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	json_t *j = json_loads(r.body, 0, NULL);
	uint8_t secret[64];
	size_t n = 0;
	assert_int_equal(b32_secret(json_string_value(json_object_get(j, "secret")), secret, &n), 0);
	assert_int_equal(n, 20);
	assert_non_null(strstr(json_string_value(json_object_get(j, "uri")), "otpauth://totp/"));
	json_decref(j);
	resp_free(&r);
	/* A wrong code does not turn it on. */
	assert_int_equal(fx_req(&S, &s, "POST", "/api/v1/me/totp/confirm", "{\"code\":\"000000\"}", &r), 0);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	/* Confirm with the code for the previous window (a step already past,
	 * so the sign-in below needs the current one). */
	char code[9], body[64];
	uint64_t now = (uint64_t)time(NULL);
	assert_int_equal(crypto_totp(secret, n, now - 30, 30, 6, code), XA_OK);
	snprintf(body, sizeof body, "{\"code\":\"%s\"}", code);
	assert_int_equal(fx_req(&S, &s, "POST", "/api/v1/me/totp/confirm", body, &r), 0);
	assert_int_equal(r.status, 200);
	j = json_loads(r.body, 0, NULL);
	json_t *codes = json_object_get(j, "recovery_codes");
	assert_int_equal(json_array_size(codes), 10);
	char recovery[16];
	snprintf(recovery, sizeof recovery, "%s", json_string_value(json_array_get(codes, 0)));
	json_decref(j);
	resp_free(&r);
	/* Now the password alone is not enough. */
	assert_int_equal(post_signin("qian", "Qian-pass-1", NULL, &r), 401);
	assert_non_null(strstr(r.body, "totp_required"));
	resp_free(&r);
	assert_int_equal(post_signin("qian", "Qian-pass-1", "123456", &r), 401);
	resp_free(&r);
	assert_int_equal(crypto_totp(secret, n, (uint64_t)time(NULL), 30, 6, code), XA_OK);
	assert_int_equal(post_signin("qian", "Qian-pass-1", code, &r), 200);
	resp_free(&r);
	/* The same code does not open a second door. */
	assert_int_equal(post_signin("qian", "Qian-pass-1", code, &r), 401);
	resp_free(&r);
	/* A recovery code works once. */
	assert_int_equal(post_signin("qian", "Qian-pass-1", recovery, &r), 200);
	resp_free(&r);
	assert_int_equal(post_signin("qian", "Qian-pass-1", recovery, &r), 401);
	resp_free(&r);
	/* The secret is sealed, not stored as it is. */
	assert_int_equal(fx_int("SELECT count(*) FROM accounts WHERE username = 'qian' AND "
	    "length(totp_secret) = 2 * (20 + 51)"), 1);
	fx_sql("UPDATE accounts SET failed_count = 0 WHERE username = 'qian'");
}

static void
test_setup_required_first(void **state)
{
	struct session s;
	struct resp r;
	assert_true(fx_account(office, "zhou", "Zhou-pass-1", ROLE_BIT(ROLE_OFFICE_STAFF)) > 0);
	assert_int_equal(fx_sql("UPDATE accounts SET must_change = 1 WHERE username = 'zhou'"), 0);
	assert_int_equal(fx_signin(&S, "zhou", "Zhou-pass-1", &s), 0);
	assert_int_equal(fx_req(&S, &s, "GET", "/api/v1/me", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"must_change\":true"));
	resp_free(&r);
	/* Anything else waits until the password is changed. */
	assert_int_equal(fx_req(&S, &s, "GET", "/api/v1/units", NULL, &r), 0);
	assert_int_equal(r.status, 403);
	assert_non_null(strstr(r.body, "account_setup_required"));
	resp_free(&r);
	/* Expired by rotation counts too. */
	assert_int_equal(fx_sql("UPDATE accounts SET must_change = 0, password_changed_at = 1 "
	    "WHERE username = 'zhou'"), 0);
	assert_int_equal(fx_req(&S, &s, "GET", "/api/v1/me", NULL, &r), 0);
	assert_non_null(strstr(r.body, "\"must_change\":true"));
	resp_free(&r);
	assert_int_equal(fx_sql("UPDATE accounts SET password_changed_at = strftime('%s','now') "
	    "WHERE username = 'zhou'"), 0);
	/* A bureau role must set up two-factor when the bureau requires it. */
	assert_int_equal(fx_sql("UPDATE settings SET value = '1' WHERE key = 'mfa.required'"), 0);
	assert_int_equal(fx_req(&S, &s, "GET", "/api/v1/me", NULL, &r), 0);
	assert_non_null(strstr(r.body, "\"needs_mfa\":true"));
	resp_free(&r);
	assert_int_equal(fx_req(&S, &s, "GET", "/api/v1/units", NULL, &r), 0);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	/* A teacher is not asked to. */
	struct session t;
	assert_int_equal(fx_signin(&S, "lili", "Li-pass-123", &t), 0);
	assert_int_equal(fx_req(&S, &t, "GET", "/api/v1/me", NULL, &r), 0);
	assert_non_null(strstr(r.body, "\"needs_mfa\":false"));
	resp_free(&r);
	assert_int_equal(fx_sql("UPDATE settings SET value = '0' WHERE key = 'mfa.required'"), 0);
}

static void
test_pages(void **state)
{
	struct resp r;
	assert_int_equal(http_get(&S, "/me", &r), 0);
	assert_int_equal(r.status, 303);
	assert_string_equal(resp_header(&r, "Location"), "/signin?next=/me");
	resp_free(&r);
	assert_int_equal(http_get(&S, "/signin", &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "name=\"password\""));
	resp_free(&r);
	static const char form[] = "username=lili&password=Li-pass-123&next=%2Fme";
	assert_int_equal(http_req(&S, "POST", "/signin", "application/x-www-form-urlencoded",
	    form, sizeof form - 1, NULL, &r), 0);
	assert_int_equal(r.status, 303);
	assert_string_equal(resp_header(&r, "Location"), "/me");
	char cookie[128];
	const char *sc = resp_header(&r, "Set-Cookie");
	assert_non_null(sc);
	snprintf(cookie, sizeof cookie, "Cookie: %.*s", (int)strcspn(sc, ";"), sc);
	resp_free(&r);
	const char *h[] = { cookie, NULL };
	assert_int_equal(http_req(&S, "GET", "/me", NULL, NULL, 0, h, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "name=\"_csrf\""));
	resp_free(&r);
	/* A bad password re-shows the form with a message, not a blank page. */
	static const char bad[] = "username=lili&password=nope";
	assert_int_equal(http_req(&S, "POST", "/signin", "application/x-www-form-urlencoded",
	    bad, sizeof bad - 1, NULL, &r), 0);
	assert_int_equal(r.status, 401);
	assert_non_null(strstr(r.body, "role=\"alert\""));
	assert_non_null(strstr(r.body, "value=\"lili\""));
	resp_free(&r);
	/* An open redirect is not possible through next. */
	static const char away[] = "username=lili&password=Li-pass-123&next=%2F%2Fevil.example";
	assert_int_equal(http_req(&S, "POST", "/signin", "application/x-www-form-urlencoded",
	    away, sizeof away - 1, NULL, &r), 0);
	assert_string_equal(resp_header(&r, "Location"), "/me");
	resp_free(&r);
}

/* Last: it lowers the per-address limit for the rest of this server's life. */
static void
test_rate_limit(void **state)
{
	struct resp r;
	assert_int_equal(fx_sql("UPDATE settings SET value = '5' WHERE key = "
	    "'signin.per_address_5min'"), 0);
	int limited = 0;
	for (int i = 0; i < 8; i++) {
		post_signin("nobody", "x", NULL, &r);
		if (r.status == 429) {
			limited = 1;
			assert_non_null(resp_header(&r, "Retry-After"));
		}
		resp_free(&r);
	}
	assert_true(limited);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signin_and_cookie),
		cmocka_unit_test(test_unknown_and_wrong_answer_alike),
		cmocka_unit_test(test_fixation_and_new_token),
		cmocka_unit_test(test_idle_and_absolute_timeout),
		cmocka_unit_test(test_signout_then_replay),
		cmocka_unit_test(test_disabled_account),
		cmocka_unit_test(test_password_change_ends_sessions),
		cmocka_unit_test(test_lockout),
		cmocka_unit_test(test_csrf),
		cmocka_unit_test(test_totp),
		cmocka_unit_test(test_setup_required_first),
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_rate_limit),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
