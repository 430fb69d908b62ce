/* test_admin.c: the administrators' pages and API over real HTTP, as the
 * three separated administrators (三员分立) and the people around them:
 * accounts by the system administrator, roles by the security
 * administrator, settings split between the two, the audit log for the
 * audit administrator alone.
 *
 * One server for the whole file (the suite must stay well under 30 s):
 * the tests run in order and build on each other's accounts; the one that
 * tampers with the audit log runs last. Fixture accounts have their own
 * passwords (the three from `xiaoan init` have temporary ones). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "fixture.h"
#include "harness.h"

#define PW "Quiet-Lake-42"

static struct srv S;
static int64_t bureau = 1, school_a, school_b, agency;
static int64_t sys_id, sec_id, aud_id, prin_id, teacher_id, leader_id, other_id;
static struct session sys, sec, aud, prin, teacher, leader;
static int64_t created_id;	/* the account the system administrator creates */

/* A JSON request as `as`; returns the parsed answer (or NULL) and sets
 * *status. The caller frees the answer. */
static json_t *
call(struct session *as, const char *method, const char *path, const char *json,
    long *status)
{
	struct resp r;
	*status = -1;
	if (fx_req(&S, as, method, path, json, &r) != 0)
		return NULL;
	*status = r.status;
	json_t *j = r.body ? json_loads(r.body, 0, NULL) : NULL;
	resp_free(&r);
	return j;
}

/* The status of a request, answer dropped. */
static long
status_of(struct session *as, const char *method, const char *path, const char *json)
{
	long st;
	json_decref(call(as, method, path, json, &st));
	return st;
}

/* 1 when the JSON text of j contains needle. */
static int
json_has(json_t *j, const char *needle)
{
	char *t = json_dumps(j, 0);
	int found = t != NULL && strstr(t, needle) != NULL;
	free(t);
	return found;
}

static const char *
err_code(json_t *j)
{
	return json_string_value(json_object_get(json_object_get(j, "error"), "code"));
}

static const char *
err_field(json_t *j)
{
	return json_string_value(json_object_get(json_object_get(j, "error"), "field"));
}

/* The status of signing in, without the fixture's retry or messages. */
static long
signin_status(const char *user, const char *pw)
{
	char body[256];
	struct resp r;
	snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", user, pw);
	if (http_req(&S, "POST", "/api/v1/session", "application/json", body,
	    strlen(body), NULL, &r) != 0)
		return -1;
	long st = r.status;
	resp_free(&r);
	return st;
}

static int64_t q_int(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int64_t
q_int(const char *fmt, ...)
{
	char sql[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	return fx_int(sql);
}

static int
setup(void **state)
{
	memset(&S, 0, sizeof S);
	static const char *const extra[] = { "--loops", "2", "--access-log", "off", NULL };
	if (srv_start(&S, extra) != 0 || fx_setup(&S) != 0) {
		fprintf(stderr, "setup: the server did not start\n");
		return -1;
	}
	/* fx_setup() lifts the per-address sign-in limit (every sign-in here
	 * comes from 127.0.0.1) and turns off the two-step requirement. */
	school_a = fx_unit(bureau, "school", "新郑市第一中学", "junior");
	school_b = fx_unit(bureau, "school", "新郑市实验小学", "primary");
	agency = fx_unit(bureau, "agency", "新郑市公安局", NULL);
	sys_id = fx_account(bureau, "sys.one", PW, ROLE_BIT(ROLE_SYSADMIN));
	sec_id = fx_account(bureau, "sec.one", PW, ROLE_BIT(ROLE_SECADMIN));
	aud_id = fx_account(bureau, "aud.one", PW, ROLE_BIT(ROLE_AUDITADMIN));
	prin_id = fx_account(school_a, "prin.a", PW, ROLE_BIT(ROLE_PRINCIPAL));
	teacher_id = fx_account(school_a, "teach.a", PW, ROLE_BIT(ROLE_TEACHER));
	leader_id = fx_account(bureau, "lead.er", PW, ROLE_BIT(ROLE_LEADER));
	other_id = fx_account(school_b, "teach.b", PW, ROLE_BIT(ROLE_TEACHER));
	if (school_a < 0 || school_b < 0 || agency < 0 || sys_id < 0 || sec_id < 0 ||
	    aud_id < 0 || prin_id < 0 || teacher_id < 0 || leader_id < 0 || other_id < 0) {
		fprintf(stderr, "setup: cannot create the fixture units and accounts\n");
		return -1;
	}
	if (fx_signin(&S, "sys.one", PW, &sys) || fx_signin(&S, "sec.one", PW, &sec) ||
	    fx_signin(&S, "aud.one", PW, &aud) || fx_signin(&S, "prin.a", PW, &prin) ||
	    fx_signin(&S, "teach.a", PW, &teacher) || fx_signin(&S, "lead.er", PW, &leader))
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	fx_done();
	int rc = srv_stop(&S);
	/* A sanitizer report or a handler that forgot to answer shows only
	 * in the server's log. */
	int bad = rc != 0 || file_contains(S.log, "Sanitizer") ||
	    file_contains(S.log, "runtime error") ||
	    file_contains(S.log, "gave no answer") || file_contains(S.log, "answered twice");
	if (bad)
		fprintf(stderr, "the server stopped with %d; see %s\n", rc, S.log);
	else
		srv_cleanup(&S);
	return bad ? -1 : 0;
}

/* The system administrator creates an account: a temporary password shown
 * once, which signs in to an account that must first change it. */
static void
test_create_account(void **state)
{
	char body[512], path[96];
	long st;
	snprintf(body, sizeof body, "{\"unit_id\":%lld,\"username\":\"zhang.wei\","
	    "\"display_name\":\"张伟\",\"phone\":\"13800000000\"}", (long long)school_a);
	json_t *j = call(&sys, "POST", "/api/v1/accounts", body, &st);
	assert_int_equal(st, 201);
	const char *temp = json_string_value(json_object_get(j, "temp_password"));
	json_t *acct = json_object_get(j, "account");
	assert_non_null(temp);
	assert_int_equal(strlen(temp), 12);
	created_id = json_integer_value(json_object_get(acct, "id"));
	assert_true(created_id > 0);
	assert_string_equal(json_string_value(json_object_get(acct, "status")), "must_change");
	assert_int_equal(json_array_size(json_object_get(acct, "roles")), 0);
	assert_null(json_object_get(acct, "password_hash"));
	char tmp[16];
	snprintf(tmp, sizeof tmp, "%s", temp);
	json_decref(j);
	/* Recorded with the creator, naming fields, never the password. */
	assert_int_equal(q_int("SELECT count(*) FROM audit_log WHERE action = "
	    "'account.create' AND object_id = %lld AND account_id = %lld AND fields = "
	    "'unit_id,username,display_name,phone'", (long long)created_id,
	    (long long)sys_id), 1);
	assert_int_equal(q_int("SELECT count(*) FROM audit_log WHERE fields LIKE '%%%s%%'",
	    tmp), 0);
	assert_int_equal(q_int("SELECT must_change FROM accounts WHERE id = %lld",
	    (long long)created_id), 1);

	/* The temporary password signs in, to an account that must first
	 * change it: everything else answers account_setup_required. */
	struct session z;
	assert_int_equal(fx_signin(&S, "zhang.wei", tmp, &z), 0);
	j = call(&z, "GET", "/api/v1/units", NULL, &st);
	assert_int_equal(st, 403);
	assert_string_equal(err_code(j), "account_setup_required");
	json_decref(j);
	j = call(&z, "GET", "/api/v1/accounts", NULL, &st);
	assert_int_equal(st, 403);
	assert_string_equal(err_code(j), "account_setup_required");
	json_decref(j);
	snprintf(body, sizeof body, "{\"current\":\"%s\",\"new\":\"Bright-Hill-77\"}", tmp);
	assert_int_equal(status_of(&z, "POST", "/api/v1/me/password", body), 204);
	assert_int_equal(signin_status("zhang.wei", "Bright-Hill-77"), 200);

	/* Refusals change nothing. */
	int64_t before = fx_int("SELECT count(*) FROM accounts");
	j = call(&sys, "POST", "/api/v1/accounts", "{\"unit_id\":1,\"username\":\"zhang.wei\","
	    "\"display_name\":\"又一个张伟\"}", &st);
	assert_int_equal(st, 409);
	assert_string_equal(err_code(j), "username_taken");
	json_decref(j);
	j = call(&sys, "POST", "/api/v1/accounts", "{\"unit_id\":1,\"username\":\"Zhang Wei\","
	    "\"display_name\":\"张伟\"}", &st);
	assert_int_equal(st, 400);
	assert_string_equal(err_field(j), "username");
	json_decref(j);
	j = call(&sys, "POST", "/api/v1/accounts", "{\"unit_id\":999999,\"username\":"
	    "\"nobody.here\",\"display_name\":\"某人\"}", &st);
	assert_int_equal(st, 400);
	assert_string_equal(err_field(j), "unit_id");
	json_decref(j);
	j = call(&sys, "POST", "/api/v1/accounts", "{\"unit_id\":1,\"username\":"
	    "\"nobody.here\",\"display_name\":\"某人\",\"email\":\"not-an-address\"}", &st);
	assert_int_equal(st, 400);
	assert_string_equal(err_field(j), "email");
	json_decref(j);
	j = call(&sys, "POST", "/api/v1/accounts", "{\"unit_id\":1,\"username\":"
	    "\"nobody.here\"}", &st);
	assert_int_equal(st, 400);
	assert_string_equal(err_field(j), "display_name");
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM accounts"), before);

	/* The security administrator sees accounts but cannot create one
	 * (403: the list is visible to it); a teacher sees none (404). */
	j = call(&sec, "POST", "/api/v1/accounts", "{\"unit_id\":1,\"username\":"
	    "\"by.sec\",\"display_name\":\"某人\"}", &st);
	assert_int_equal(st, 403);
	json_decref(j);
	assert_int_equal(status_of(&teacher, "POST", "/api/v1/accounts",
	    "{\"unit_id\":1,\"username\":\"by.teacher\",\"display_name\":\"某人\"}"), 404);
	assert_int_equal(fx_int("SELECT count(*) FROM accounts"), before);
	snprintf(path, sizeof path, "/api/v1/accounts/%lld", (long long)created_id);
	assert_int_equal(status_of(&sec, "GET", path, NULL), 200);
}

/* Roles: the security administrator alone, and only roles that fit. */
static void
test_roles(void **state)
{
	char path[96];
	long st;
	snprintf(path, sizeof path, "/api/v1/accounts/%lld/roles", (long long)created_id);
	json_t *j = call(&sec, "PUT", path, "{\"roles\":[\"principal\",\"teacher\"]}", &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(json_object_get(j, "account"),
	    "roles")), 2);
	json_decref(j);
	assert_int_equal(q_int("SELECT count(*) FROM audit_log WHERE action = "
	    "'account.roles' AND object_id = %lld AND fields = 'roles' AND account_id = %lld",
	    (long long)created_id, (long long)sec_id), 1);

	/* The system administrator may see the account (so 403, not 404),
	 * but giving roles is not its duty: 三员分立. */
	j = call(&sys, "PUT", path, "{\"roles\":[\"teacher\"]}", &st);
	assert_int_equal(st, 403);
	assert_string_equal(err_code(j), "forbidden");
	json_decref(j);
	/* A teacher cannot even see it: exactly like a missing account. */
	assert_int_equal(status_of(&teacher, "PUT", path, "{\"roles\":[\"teacher\"]}"), 404);
	assert_int_equal(status_of(&sec, "PUT", "/api/v1/accounts/999999/roles",
	    "{\"roles\":[\"teacher\"]}"), 404);

	/* Roles must fit the unit's kind. */
	j = call(&sec, "PUT", path, "{\"roles\":[\"leader\"]}", &st);
	assert_int_equal(st, 400);
	assert_string_equal(err_code(j), "role_unit_mismatch");
	json_decref(j);
	j = call(&sec, "PUT", path, "{\"roles\":[\"sysadmin\"]}", &st);
	assert_int_equal(st, 400);
	assert_string_equal(err_code(j), "role_unit_mismatch");
	json_decref(j);
	j = call(&sec, "PUT", path, "{\"roles\":[\"committee_member\"]}", &st);
	assert_int_equal(st, 400);
	assert_string_equal(err_field(j), "member_type");
	json_decref(j);
	/* An administrator role stands alone. */
	snprintf(path, sizeof path, "/api/v1/accounts/%lld/roles", (long long)leader_id);
	j = call(&sec, "PUT", path, "{\"roles\":[\"leader\",\"auditadmin\"]}", &st);
	assert_int_equal(st, 400);
	assert_string_equal(err_code(j), "role_separation");
	json_decref(j);
	j = call(&sec, "PUT", path, "{\"roles\":[\"sysadmin\",\"secadmin\"]}", &st);
	assert_int_equal(st, 400);
	assert_string_equal(err_code(j), "role_separation");
	json_decref(j);
	/* Nothing changed by the refusals. */
	assert_int_equal(q_int("SELECT count(*) FROM account_roles WHERE account_id = %lld",
	    (long long)created_id), 2);
	assert_int_equal(q_int("SELECT count(*) FROM account_roles WHERE account_id = %lld"
	    " AND role = 'leader'", (long long)leader_id), 1);
	/* An agency takes its liaison; a committee member its type. */
	char agency_path[96], body[256];
	int64_t liaison = fx_account(agency, "police.liaison", PW, 0);
	snprintf(agency_path, sizeof agency_path, "/api/v1/accounts/%lld/roles",
	    (long long)liaison);
	assert_int_equal(status_of(&sec, "PUT", agency_path,
	    "{\"roles\":[\"agency_liaison\"]}"), 200);
	assert_int_equal(status_of(&sec, "PUT", agency_path, "{\"roles\":[\"teacher\"]}"),
	    400);
	snprintf(path, sizeof path, "/api/v1/accounts/%lld/roles", (long long)teacher_id);
	snprintf(body, sizeof body, "{\"roles\":[\"teacher\",\"committee_member\"],"
	    "\"member_type\":\"staff\"}");
	assert_int_equal(status_of(&sec, "PUT", path, body), 200);
	assert_int_equal(q_int("SELECT count(*) FROM account_roles WHERE account_id = %lld"
	    " AND role = 'committee_member' AND member_type = 'staff'",
	    (long long)teacher_id), 1);
	/* Nobody changes their own roles. */
	snprintf(path, sizeof path, "/api/v1/accounts/%lld/roles", (long long)sec_id);
	j = call(&sec, "PUT", path, "{\"roles\":[\"sysadmin\"]}", &st);
	assert_int_equal(st, 403);
	assert_string_equal(err_code(j), "own_roles");
	json_decref(j);
}

/* Who sees which accounts. */
static void
test_scope(void **state)
{
	long st;
	char path[96];
	/* The principal: its own school only. */
	json_t *j = call(&prin, "GET", "/api/v1/accounts", NULL, &st);
	assert_int_equal(st, 200);
	json_t *a;
	size_t i;
	assert_true(json_array_size(json_object_get(j, "accounts")) >= 3);
	json_array_foreach(json_object_get(j, "accounts"), i, a)
		assert_int_equal(json_integer_value(json_object_get(json_object_get(a,
		    "unit"), "id")), school_a);
	assert_false(json_has(j, "pbkdf2"));
	json_decref(j);
	snprintf(path, sizeof path, "/api/v1/accounts?unit=%lld", (long long)school_b);
	assert_int_equal(status_of(&prin, "GET", path, NULL), 404);
	snprintf(path, sizeof path, "/api/v1/accounts/%lld", (long long)other_id);
	assert_int_equal(status_of(&prin, "GET", path, NULL), 404);
	/* The system administrator: everything, with filters. */
	snprintf(path, sizeof path, "/api/v1/accounts?unit=%lld&role=teacher",
	    (long long)school_b);
	j = call(&sys, "GET", path, NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
	json_decref(j);
	j = call(&sys, "GET", "/api/v1/accounts?q=%E5%BC%A0", NULL, &st);	/* 张 */
	assert_int_equal(st, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
	json_decref(j);
	j = call(&sys, "GET", "/api/v1/accounts?q=_", NULL, &st);	/* no LIKE wildcard */
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 0);
	json_decref(j);
	assert_int_equal(status_of(&sys, "GET", "/api/v1/accounts?role=king", NULL), 400);
	/* Teachers and the audit administrator list no accounts. */
	assert_int_equal(status_of(&teacher, "GET", "/api/v1/accounts", NULL), 404);
	assert_int_equal(status_of(&aud, "GET", "/api/v1/accounts", NULL), 404);
	/* A principal may read its school's accounts but change none. */
	snprintf(path, sizeof path, "/api/v1/accounts/%lld/disable", (long long)teacher_id);
	assert_int_equal(status_of(&prin, "POST", path, NULL), 403);
	snprintf(path, sizeof path, "/api/v1/accounts/%lld/disable", (long long)other_id);
	assert_int_equal(status_of(&prin, "POST", path, NULL), 404);
	assert_int_equal(status_of(&leader, "POST", path, NULL), 404);
}

/* Disabling ends the account's sessions at once. */
static void
test_disable(void **state)
{
	char path[96];
	long st;
	int64_t id = fx_account(school_a, "li.na", PW, ROLE_BIT(ROLE_TEACHER));
	struct session li;
	assert_int_equal(fx_signin(&S, "li.na", PW, &li), 0);
	assert_int_equal(status_of(&li, "GET", "/api/v1/me", NULL), 200);
	snprintf(path, sizeof path, "/api/v1/accounts/%lld/disable", (long long)id);
	json_t *j = call(&sys, "POST", path, NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "account"),
	    "status")), "disabled");
	json_decref(j);
	assert_int_equal(status_of(&li, "GET", "/api/v1/me", NULL), 401);
	assert_int_equal(signin_status("li.na", PW), 401);
	assert_int_equal(q_int("SELECT count(*) FROM sessions WHERE account_id = %lld",
	    (long long)id), 0);
	assert_int_equal(q_int("SELECT count(*) FROM audit_log WHERE action = "
	    "'account.disable' AND object_id = %lld", (long long)id), 1);
	/* Enabled again, it signs in again. */
	snprintf(path, sizeof path, "/api/v1/accounts/%lld/enable", (long long)id);
	assert_int_equal(status_of(&sys, "POST", path, NULL), 200);
	assert_int_equal(signin_status("li.na", PW), 200);
	/* An administrator may not disable itself. */
	snprintf(path, sizeof path, "/api/v1/accounts/%lld/disable", (long long)sys_id);
	j = call(&sys, "POST", path, NULL, &st);
	assert_int_equal(st, 400);
	assert_string_equal(err_code(j), "cannot_disable_self");
	json_decref(j);
	/* The security administrator cannot disable anyone. */
	snprintf(path, sizeof path, "/api/v1/accounts/%lld/disable", (long long)id);
	assert_int_equal(status_of(&sec, "POST", path, NULL), 403);
	/* Nor may the last enabled holder of an administrator role go: the
	 * init's auditadmin goes first, then aud.one would be the last. */
	int64_t init_aud = fx_int("SELECT id FROM accounts WHERE username = 'auditadmin'");
	snprintf(path, sizeof path, "/api/v1/accounts/%lld/disable", (long long)init_aud);
	assert_int_equal(status_of(&sys, "POST", path, NULL), 200);
	snprintf(path, sizeof path, "/api/v1/accounts/%lld/disable", (long long)aud_id);
	j = call(&sys, "POST", path, NULL, &st);
	assert_int_equal(st, 409);
	assert_string_equal(err_code(j), "last_admin");
	json_decref(j);
	assert_int_equal(status_of(&aud, "GET", "/api/v1/me", NULL), 200);
}

/* Resetting a password: a new temporary one, sessions ended, lock lifted;
 * resetting two-step sign-in clears the secret and the recovery codes. */
static void
test_reset(void **state)
{
	char path[96];
	long st;
	int64_t id = fx_account(school_a, "wang.fang", PW, ROLE_BIT(ROLE_TEACHER));
	struct session w;
	assert_int_equal(fx_signin(&S, "wang.fang", PW, &w), 0);
	char sql[256];
	snprintf(sql, sizeof sql, "UPDATE accounts SET failed_count = 2, locked_until = "
	    "4000000000 WHERE id = %lld", (long long)id);
	assert_int_equal(fx_sql(sql), 0);
	snprintf(path, sizeof path, "/api/v1/accounts/%lld/reset-password", (long long)id);
	json_t *j = call(&sys, "POST", path, NULL, &st);
	assert_int_equal(st, 200);
	char tmp[16];
	snprintf(tmp, sizeof tmp, "%s", json_string_value(json_object_get(j, "temp_password")));
	assert_int_equal(strlen(tmp), 12);
	json_decref(j);
	assert_int_equal(status_of(&w, "GET", "/api/v1/me", NULL), 401);
	assert_int_equal(signin_status("wang.fang", PW), 401);
	assert_int_equal(signin_status("wang.fang", tmp), 200);
	assert_int_equal(q_int("SELECT must_change + failed_count + locked_until FROM "
	    "accounts WHERE id = %lld", (long long)id), 1);
	assert_int_equal(q_int("SELECT count(*) FROM audit_log WHERE action = "
	    "'account.reset_password' AND object_id = %lld", (long long)id), 1);
	/* Two-step sign-in. */
	snprintf(sql, sizeof sql, "UPDATE accounts SET totp_secret = 'abcdef' WHERE id = %lld",
	    (long long)id);
	assert_int_equal(fx_sql(sql), 0);
	snprintf(sql, sizeof sql, "INSERT INTO recovery_codes (account_id, code_hash) "
	    "VALUES (%lld, 'x'), (%lld, 'y')", (long long)id, (long long)id);
	assert_int_equal(fx_sql(sql), 0);
	snprintf(path, sizeof path, "/api/v1/accounts/%lld", (long long)id);
	j = call(&sys, "GET", path, NULL, &st);
	assert_true(json_is_true(json_object_get(json_object_get(j, "account"),
	    "totp_enabled")));
	assert_false(json_has(j, "abcdef"));
	json_decref(j);
	snprintf(path, sizeof path, "/api/v1/accounts/%lld/reset-totp", (long long)id);
	assert_int_equal(status_of(&sec, "POST", path, NULL), 403);
	assert_int_equal(status_of(&sys, "POST", path, NULL), 200);
	assert_int_equal(q_int("SELECT count(*) FROM accounts WHERE id = %lld AND "
	    "totp_secret = '' AND totp_pending = ''", (long long)id), 1);
	assert_int_equal(q_int("SELECT count(*) FROM recovery_codes WHERE account_id = %lld",
	    (long long)id), 0);
}

/* Settings: the security policy by the security administrator only, the
 * rest by the system administrator; a bad key changes nothing. */
static void
test_settings(void **state)
{
	long st;
	json_t *j = call(&sec, "PUT", "/api/v1/settings",
	    "{\"lockout.after_failures\":3}", &st);
	assert_int_equal(st, 200);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "changed"),
	    0)), "lockout.after_failures");
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = "
	    "'settings.update' AND fields = 'lockout.after_failures'"), 1);
	/* The third wrong password locks: the right one is then refused. */
	int64_t id = fx_account(school_a, "zhao.lei", PW, ROLE_BIT(ROLE_TEACHER));
	for (int i = 0; i < 3; i++)
		assert_int_equal(signin_status("zhao.lei", "Wrong-Pass-1"), 401);
	assert_int_equal(signin_status("zhao.lei", PW), 401);
	assert_int_equal(q_int("SELECT count(*) FROM audit_log WHERE action = "
	    "'account.locked' AND object_id = %lld", (long long)id), 1);
	/* The system administrator may lift the lock early. */
	char path[96];
	snprintf(path, sizeof path, "/api/v1/accounts/%lld/enable", (long long)id);
	j = call(&sys, "POST", path, NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "account"),
	    "status")), "active");
	json_decref(j);
	assert_int_equal(signin_status("zhao.lei", PW), 200);

	/* The system administrator cannot change a policy key. */
	j = call(&sys, "PUT", "/api/v1/settings", "{\"lockout.after_failures\":10}", &st);
	assert_int_equal(st, 403);
	assert_string_equal(err_code(j), "setting_not_yours");
	assert_string_equal(err_field(j), "lockout.after_failures");
	json_decref(j);
	/* Out of range: 400, and nothing changes, not even the good key. */
	j = call(&sec, "PUT", "/api/v1/settings",
	    "{\"lockout.after_failures\":5,\"lockout.minutes\":0}", &st);
	assert_int_equal(st, 400);
	assert_string_equal(err_field(j), "lockout.minutes");
	json_decref(j);
	assert_int_equal(status_of(&sec, "PUT", "/api/v1/settings",
	    "{\"password.min_length\":\"many\"}"), 400);
	assert_int_equal(status_of(&sec, "PUT", "/api/v1/settings", "{\"nothing\":1}"), 400);
	assert_int_equal(fx_int("SELECT value FROM settings WHERE key = "
	    "'lockout.after_failures'"), 3);
	assert_int_equal(fx_int("SELECT count(*) FROM settings WHERE key = "
	    "'lockout.minutes'"), 0);
	/* The rest is the system administrator's. */
	assert_int_equal(status_of(&sec, "PUT", "/api/v1/settings",
	    "{\"committee.student_rep\":2}"), 403);
	assert_int_equal(status_of(&sys, "PUT", "/api/v1/settings",
	    "{\"committee.student_rep\":2}"), 200);
	j = call(&sys, "GET", "/api/v1/settings", NULL, &st);
	assert_int_equal(st, 200);
	json_t *it;
	size_t i;
	int seen = 0;
	json_array_foreach(json_object_get(j, "settings"), i, it) {
		const char *k = json_string_value(json_object_get(it, "key"));
		if (strcmp(k, "committee.student_rep") == 0) {
			assert_int_equal(json_integer_value(json_object_get(it, "value")), 2);
			assert_true(json_is_true(json_object_get(it, "editable")));
			seen++;
		}
		if (strcmp(k, "lockout.after_failures") == 0) {
			assert_int_equal(json_integer_value(json_object_get(it, "value")), 3);
			assert_true(json_is_false(json_object_get(it, "editable")));
			seen++;
		}
	}
	assert_int_equal(seen, 2);
	json_decref(j);
	/* Others do not see settings at all. */
	assert_int_equal(status_of(&aud, "GET", "/api/v1/settings", NULL), 404);
	assert_int_equal(status_of(&teacher, "GET", "/api/v1/settings", NULL), 404);
	assert_int_equal(status_of(&leader, "PUT", "/api/v1/settings",
	    "{\"committee.student_rep\":0}"), 404);
}

/* The audit log: the audit administrator reads, and the read is recorded;
 * everyone else is answered as if there were nothing there. */
static void
test_audit_read(void **state)
{
	char path[128];
	long st;
	snprintf(path, sizeof path, "/api/v1/audit?action=account.create&object_type="
	    "account&object_id=%lld", (long long)created_id);
	json_t *j = call(&aud, "GET", path, NULL, &st);
	assert_int_equal(st, 200);
	json_t *e = json_array_get(json_object_get(j, "entries"), 0);
	assert_non_null(e);
	assert_string_equal(json_string_value(json_object_get(e, "username")), "sys.one");
	assert_string_equal(json_string_value(json_object_get(e, "action")), "account.create");
	assert_int_equal(json_array_size(json_object_get(j, "entries")), 1);
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'audit.read'"
	    " AND fields = 'object_type,object_id,action'"), 1);
	/* A prefix, a user and dates; newest first. */
	j = call(&aud, "GET", "/api/v1/audit?action=account.&account=sec.one"
	    "&from=2000-01-01&to=2999-12-31", NULL, &st);
	assert_int_equal(st, 200);
	json_t *entries = json_object_get(j, "entries");
	assert_true(json_array_size(entries) >= 3);
	assert_true(json_integer_value(json_object_get(json_array_get(entries, 0), "id")) >
	    json_integer_value(json_object_get(json_array_get(entries, 1), "id")));
	size_t i;
	json_array_foreach(entries, i, e)
		assert_string_equal(json_string_value(json_object_get(e, "username")), "sec.one");
	json_decref(j);
	j = call(&aud, "GET", "/api/v1/audit?from=2000-01-01&to=2000-01-02", NULL, &st);
	assert_int_equal(json_array_size(json_object_get(j, "entries")), 0);
	json_decref(j);
	assert_int_equal(status_of(&aud, "GET", "/api/v1/audit?from=2024-02-30", NULL), 400);
	/* Nobody else, not even the other two administrators. */
	struct session *others[] = { &sys, &sec, &prin, &teacher, &leader };
	const char *paths[] = { "/api/v1/audit", "/api/v1/audit/export.csv",
		"/api/v1/audit/verify" };
	for (i = 0; i < sizeof others / sizeof others[0]; i++)
		for (size_t k = 0; k < 3; k++)
			assert_int_equal(status_of(others[i], "GET", paths[k], NULL), 404);
	assert_int_equal(status_of(NULL, "GET", "/api/v1/audit", NULL), 401);
}

static void
test_audit_export(void **state)
{
	struct resp r;
	assert_int_equal(fx_req(&S, &aud, "GET", "/api/v1/audit/export.csv?action="
	    "account.create", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_true(r.len > 3);
	assert_memory_equal(r.body, "\xEF\xBB\xBF", 3);
	assert_memory_equal(r.body + 3, "编号,时间,操作人编号,操作人,", strlen("编号,时间,操作人编号,操作人,"));
	assert_non_null(strstr(r.body, ",sys.one,"));
	assert_non_null(strstr(r.body, ",account.create,"));
	assert_null(strstr(r.body, ",session.signin,"));
	const char *cd = resp_header(&r, "Content-Disposition");
	assert_non_null(cd);
	assert_non_null(strstr(cd, "filename*=UTF-8''%E5%AE%A1%E8%AE%A1"));	/* 审计 */
	assert_non_null(strstr(resp_header(&r, "Content-Type"), "text/csv"));
	resp_free(&r);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = "
	    "'audit.export' AND fields = 'action'"), 1);
}

/* The pages: rendered for who may see them, forms with the CSRF token. */
static void
test_pages(void **state)
{
	struct resp r;
	char path[96], body[256];
	assert_int_equal(fx_req_cookie(&S, &sys, "GET", "/accounts", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "action=\"/accounts\""));
	assert_non_null(strstr(r.body, "zhang.wei"));
	resp_free(&r);
	snprintf(path, sizeof path, "/accounts/%lld", (long long)created_id);
	assert_int_equal(fx_req_cookie(&S, &sec, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "/roles\""));
	assert_non_null(strstr(r.body, "name=\"_csrf\""));
	assert_null(strstr(r.body, "/reset-password\""));
	resp_free(&r);
	assert_int_equal(fx_req_cookie(&S, &sec, "GET", "/settings", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "name=\"lockout.after_failures\""));
	assert_null(strstr(r.body, "name=\"committee.student_rep\""));
	resp_free(&r);
	assert_int_equal(fx_req_cookie(&S, &aud, "GET", "/audit?account=sys.one", NULL,
	    NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "account.create"));
	/* The template escapes '=' in attributes as &#61;. */
	assert_non_null(strstr(r.body, "/api/v1/audit/export.csv?account&#61;sys.one"));
	resp_free(&r);
	assert_int_equal(fx_req_cookie(&S, &sys, "GET", "/audit", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	/* A refused form shows the page again with the reason, in English
	 * when asked. */
	snprintf(path, sizeof path, "/accounts/%lld/roles", (long long)created_id);
	snprintf(body, sizeof body, "_csrf=%s&roles=leader", sec.csrf);
	{
		char cookie[96];
		snprintf(cookie, sizeof cookie, "Cookie: xa_session=%s; lang=en", sec.token);
		const char *h[] = { cookie, NULL };
		assert_int_equal(http_req(&S, "POST", path, "application/x-www-form-urlencoded",
		    body, strlen(body), h, &r), 0);
	}
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "alert-error"));
	assert_non_null(strstr(r.body, "do not fit the kind of unit"));
	resp_free(&r);
	/* A form creates an account and shows its temporary password once. */
	snprintf(body, sizeof body, "unit_id=%lld&username=zhou.min&display_name=%s",
	    (long long)school_b, "%E5%91%A8%E6%95%8F");
	assert_int_equal(fx_req_cookie(&S, &sys, "POST", "/accounts",
	    "application/x-www-form-urlencoded", body, 1, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "class=\"secret\""));
	resp_free(&r);
	/* A form without the session's token is refused. */
	int64_t zm = fx_int("SELECT id FROM accounts WHERE username = 'zhou.min'");
	snprintf(path, sizeof path, "/accounts/%lld/disable", (long long)zm);
	assert_int_equal(fx_req_cookie(&S, &sys, "POST", path,
	    "application/x-www-form-urlencoded", "", 0, &r), 0);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	snprintf(body, sizeof body, "_csrf=%s", sys.csrf);
	assert_int_equal(fx_req_cookie(&S, &sys, "POST", path,
	    "application/x-www-form-urlencoded", body, 0, &r), 0);
	assert_int_equal(r.status, 303);
	resp_free(&r);
	assert_int_equal(q_int("SELECT disabled FROM accounts WHERE id = %lld",
	    (long long)zm), 1);
}

/* Last: the chain checks out, and after a row is changed behind the
 * program's back the check names it. */
static void
test_audit_verify(void **state)
{
	long st;
	json_t *j = call(&aud, "GET", "/api/v1/audit/verify", NULL, &st);
	assert_int_equal(st, 200);
	assert_true(json_is_true(json_object_get(j, "ok")));
	assert_true(json_integer_value(json_object_get(j, "count")) > 10);
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = "
	    "'audit.verify'"), 1);
	int64_t victim = fx_int("SELECT min(id) FROM audit_log WHERE action = "
	    "'account.create' AND object_id > 3");
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE audit_log SET fields = 'username' WHERE id = %lld",
	    (long long)victim);
	assert_int_equal(fx_sql(sql), 0);
	j = call(&aud, "GET", "/api/v1/audit/verify", NULL, &st);
	assert_int_equal(st, 200);
	assert_true(json_is_false(json_object_get(j, "ok")));
	assert_int_equal(json_integer_value(json_object_get(j, "bad_id")), victim);
	assert_non_null(json_string_value(json_object_get(j, "why")));
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_account),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_disable),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_audit_read),
		cmocka_unit_test(test_audit_export),
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_audit_verify),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
