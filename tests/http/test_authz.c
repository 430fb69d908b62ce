/* test_authz.c: the authorisation matrix. Every route that needs a
 * signed-in account, for every role, against an object in the caller's
 * own school (A) and in another school (B) — and system-wide objects —
 * asserting that the answer is what policy_allow() says, that an object
 * out of reach answers 404 exactly like a missing one, that lists and
 * exports hold only what the role may read, and that a denied request
 * changed nothing. A route added without a row here fails the test. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "auth/auth.h"
#include "cases/cases_http.h"
#include "fixture.h"
#include "harness.h"

/* What a row's object is. */
enum obj {
	O_A,		/* something of school A (the school roles' own) */
	O_B,		/* the same of school B (another township) */
	O_SYS,		/* system-wide (settings, the audit log) */
	O_ROOT,		/* the bureau itself (import) */
	O_PARENT_A,	/* A's township, as the parent of a new school */
	O_ANY,		/* any signed-in account (its own page) */
	O_LIST,		/* a list: A and B appear in it as the role may read */
};

struct row {
	const char *method;
	const char *pattern;	/* the route's pattern, exactly */
	int page;		/* 1: cookie + CSRF + form; 0: Bearer + JSON */
	const char *path;	/* @A @B @T unit ids, @a @b accounts, @m member */
	const char *body;	/* @u a unique number, @v a small one, @P the
				 * edit form's profile fields; may be NULL */
	const char *ctype;
	enum action action;
	enum obj obj;
	enum action also;	/* a second action that also allows (or A__COUNT) */
	int end_session;	/* the row signs the role out */
	long want;		/* O_ANY: the status every role gets; else 0, or
				 * another answer that still means "allowed" */
};

#define J "application/json"
#define F "application/x-www-form-urlencoded"
#define CSV "text/csv"
#define NONE A__COUNT

static const char school_csv[] = "学校代码,学校名称,类型\r\nZX@u,测试学校@u,小学\r\n";

static const struct row rows[] = {
	/* The registry: units. */
	{ "GET", "/api/v1/units", 0, "/api/v1/units", NULL, NULL, A_UNIT_READ, O_LIST, NONE, 0, 0 },
	{ "GET", "/units", 1, "/units", NULL, NULL, A_UNIT_READ, O_LIST, NONE, 0, 0 },
	{ "POST", "/api/v1/units", 0, "/api/v1/units",
	  "{\"kind\":\"school\",\"parent_id\":@T,\"township_id\":@T,\"name\":\"新校@u\","
	  "\"code\":\"NS@u\",\"school_type\":\"primary\"}", J, A_UNIT_CREATE, O_PARENT_A, NONE, 0, 0 },
	{ "GET", "/units/new", 1, "/units/new", NULL, NULL, A_UNIT_CREATE, O_ROOT, NONE, 0, 0 },
	{ "POST", "/units/new", 1, "/units/new",
	  "kind=school&parent_id=@T&township_id=@T&name=%E6%96%B0@u&code=NF@u&school_type=primary",
	  F, A_UNIT_CREATE, O_PARENT_A, NONE, 0, 0 },
	{ "GET", "/api/v1/units/{id:int}", 0, "/api/v1/units/@A", NULL, NULL, A_UNIT_READ, O_A, NONE, 0, 0 },
	{ "GET", "/api/v1/units/{id:int}", 0, "/api/v1/units/@B", NULL, NULL, A_UNIT_READ, O_B, NONE, 0, 0 },
	{ "GET", "/units/{id:int}", 1, "/units/@A", NULL, NULL, A_UNIT_READ, O_A, NONE, 0, 0 },
	{ "GET", "/units/{id:int}", 1, "/units/@B", NULL, NULL, A_UNIT_READ, O_B, NONE, 0, 0 },
	{ "PATCH", "/api/v1/units/{id:int}", 0, "/api/v1/units/@A",
	  "{\"office_phone\":\"0371-6266@u\"}", J, A_UNIT_UPDATE, O_A, NONE, 0, 0 },
	{ "PATCH", "/api/v1/units/{id:int}", 0, "/api/v1/units/@B",
	  "{\"office_phone\":\"0371-6266@u\"}", J, A_UNIT_UPDATE, O_B, NONE, 0, 0 },
	{ "GET", "/units/{id:int}/edit", 1, "/units/@A/edit", NULL, NULL, A_UNIT_UPDATE, O_A, NONE, 0, 0 },
	{ "GET", "/units/{id:int}/edit", 1, "/units/@B/edit", NULL, NULL, A_UNIT_UPDATE, O_B, NONE, 0, 0 },
	{ "POST", "/units/{id:int}/edit", 1, "/units/@A/edit", "@Poffice_phone=0371-6267@u", F,
	  A_UNIT_UPDATE, O_A, NONE, 0, 0 },
	{ "POST", "/units/{id:int}/edit", 1, "/units/@B/edit", "@Poffice_phone=0371-6267@u", F,
	  A_UNIT_UPDATE, O_B, NONE, 0, 0 },
	/* Classes. */
	{ "GET", "/api/v1/units/{id:int}/classes", 0, "/api/v1/units/@A/classes", NULL, NULL,
	  A_UNIT_READ, O_A, NONE, 0, 0 },
	{ "GET", "/api/v1/units/{id:int}/classes", 0, "/api/v1/units/@B/classes", NULL, NULL,
	  A_UNIT_READ, O_B, NONE, 0, 0 },
	{ "PUT", "/api/v1/units/{id:int}/classes", 0, "/api/v1/units/@A/classes",
	  "[{\"grade\":1,\"name\":\"1班\",\"boys\":@v,\"girls\":20}]", J, A_CLASS_WRITE, O_A, NONE, 0, 0 },
	{ "PUT", "/api/v1/units/{id:int}/classes", 0, "/api/v1/units/@B/classes",
	  "[{\"grade\":1,\"name\":\"1班\",\"boys\":@v,\"girls\":20}]", J, A_CLASS_WRITE, O_B, NONE, 0, 0 },
	{ "POST", "/units/{id:int}/classes", 1, "/units/@A/classes", "classes=1%2C2%E7%8F%AD%2C@v%2C21",
	  F, A_CLASS_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/units/{id:int}/classes", 1, "/units/@B/classes", "classes=1%2C2%E7%8F%AD%2C@v%2C21",
	  F, A_CLASS_WRITE, O_B, NONE, 0, 0 },
	/* Committees. */
	{ "GET", "/api/v1/units/{id:int}/committee", 0, "/api/v1/units/@A/committee", NULL, NULL,
	  A_COMMITTEE_READ, O_A, NONE, 0, 0 },
	{ "GET", "/api/v1/units/{id:int}/committee", 0, "/api/v1/units/@B/committee", NULL, NULL,
	  A_COMMITTEE_READ, O_B, NONE, 0, 0 },
	{ "GET", "/units/{id:int}/committee", 1, "/units/@A/committee", NULL, NULL,
	  A_COMMITTEE_READ, O_A, NONE, 0, 0 },
	{ "GET", "/units/{id:int}/committee", 1, "/units/@B/committee", NULL, NULL,
	  A_COMMITTEE_READ, O_B, NONE, 0, 0 },
	{ "POST", "/api/v1/units/{id:int}/committee", 0, "/api/v1/units/@A/committee",
	  "{\"name\":\"委员@u\",\"role\":\"member\",\"member_type\":\"staff\"}", J,
	  A_COMMITTEE_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/api/v1/units/{id:int}/committee", 0, "/api/v1/units/@B/committee",
	  "{\"name\":\"委员@u\",\"role\":\"member\",\"member_type\":\"staff\"}", J,
	  A_COMMITTEE_WRITE, O_B, NONE, 0, 0 },
	{ "POST", "/units/{id:int}/committee", 1, "/units/@A/committee",
	  "name=m@u&role=member&member_type=parent_rep", F, A_COMMITTEE_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/units/{id:int}/committee", 1, "/units/@B/committee",
	  "name=m@u&role=member&member_type=parent_rep", F, A_COMMITTEE_WRITE, O_B, NONE, 0, 0 },
	{ "POST", "/api/v1/units/{id:int}/committee/{member:int}/end", 0,
	  "/api/v1/units/@A/committee/@m/end", "{}", J, A_COMMITTEE_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/api/v1/units/{id:int}/committee/{member:int}/end", 0,
	  "/api/v1/units/@B/committee/@m/end", "{}", J, A_COMMITTEE_WRITE, O_B, NONE, 0, 0 },
	{ "POST", "/units/{id:int}/committee/{member:int}/end", 1,
	  "/units/@A/committee/@m/end", "x=1", F, A_COMMITTEE_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/units/{id:int}/committee/{member:int}/end", 1,
	  "/units/@B/committee/@m/end", "x=1", F, A_COMMITTEE_WRITE, O_B, NONE, 0, 0 },
	/* Import and export. */
	{ "GET", "/import", 1, "/import", NULL, NULL, A_IMPORT, O_ROOT, NONE, 0, 0 },
	{ "POST", "/api/v1/import/{kind}", 0, "/api/v1/import/schools?check_only=1", school_csv, CSV,
	  A_IMPORT, O_ROOT, NONE, 0, 0 },
	{ "POST", "/import/{kind}", 1, "/import/schools", "MULTIPART", NULL, A_IMPORT, O_ROOT, NONE, 0, 0 },
	{ "GET", "/api/v1/export/schools.csv", 0, "/api/v1/export/schools.csv", NULL, NULL,
	  A_UNIT_READ, O_LIST, NONE, 0, 0 },
	{ "GET", "/api/v1/export/classes.csv", 0, "/api/v1/export/classes.csv", NULL, NULL,
	  A_UNIT_READ, O_LIST, NONE, 0, 0 },
	{ "GET", "/api/v1/export/staff.csv", 0, "/api/v1/export/staff.csv", NULL, NULL,
	  A_ACCOUNT_READ, O_LIST, NONE, 0, 0 },
	/* Accounts. */
	{ "GET", "/api/v1/accounts", 0, "/api/v1/accounts", NULL, NULL, A_ACCOUNT_READ, O_LIST, NONE, 0, 0 },
	{ "GET", "/accounts", 1, "/accounts", NULL, NULL, A_ACCOUNT_READ, O_LIST, NONE, 0, 0 },
	{ "POST", "/api/v1/accounts", 0, "/api/v1/accounts",
	  "{\"unit_id\":@A,\"username\":\"new@u\",\"display_name\":\"新@u\"}", J,
	  A_ACCOUNT_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/api/v1/accounts", 0, "/api/v1/accounts",
	  "{\"unit_id\":@B,\"username\":\"new@u\",\"display_name\":\"新@u\"}", J,
	  A_ACCOUNT_WRITE, O_B, NONE, 0, 0 },
	{ "POST", "/accounts", 1, "/accounts", "unit_id=@A&username=nf@u&display_name=n@u", F,
	  A_ACCOUNT_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/accounts", 1, "/accounts", "unit_id=@B&username=nf@u&display_name=n@u", F,
	  A_ACCOUNT_WRITE, O_B, NONE, 0, 0 },
	{ "GET", "/api/v1/accounts/{id:int}", 0, "/api/v1/accounts/@a", NULL, NULL,
	  A_ACCOUNT_READ, O_A, NONE, 0, 0 },
	{ "GET", "/api/v1/accounts/{id:int}", 0, "/api/v1/accounts/@b", NULL, NULL,
	  A_ACCOUNT_READ, O_B, NONE, 0, 0 },
	{ "GET", "/accounts/{id:int}", 1, "/accounts/@a", NULL, NULL, A_ACCOUNT_READ, O_A, NONE, 0, 0 },
	{ "GET", "/accounts/{id:int}", 1, "/accounts/@b", NULL, NULL, A_ACCOUNT_READ, O_B, NONE, 0, 0 },
	{ "POST", "/api/v1/accounts/{id:int}/disable", 0, "/api/v1/accounts/@a/disable", "{}", J,
	  A_ACCOUNT_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/api/v1/accounts/{id:int}/disable", 0, "/api/v1/accounts/@b/disable", "{}", J,
	  A_ACCOUNT_WRITE, O_B, NONE, 0, 0 },
	{ "POST", "/api/v1/accounts/{id:int}/enable", 0, "/api/v1/accounts/@a/enable", "{}", J,
	  A_ACCOUNT_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/api/v1/accounts/{id:int}/enable", 0, "/api/v1/accounts/@b/enable", "{}", J,
	  A_ACCOUNT_WRITE, O_B, NONE, 0, 0 },
	{ "POST", "/api/v1/accounts/{id:int}/reset-password", 0, "/api/v1/accounts/@a/reset-password",
	  "{}", J, A_ACCOUNT_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/api/v1/accounts/{id:int}/reset-password", 0, "/api/v1/accounts/@b/reset-password",
	  "{}", J, A_ACCOUNT_WRITE, O_B, NONE, 0, 0 },
	{ "POST", "/api/v1/accounts/{id:int}/reset-totp", 0, "/api/v1/accounts/@a/reset-totp",
	  "{}", J, A_ACCOUNT_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/api/v1/accounts/{id:int}/reset-totp", 0, "/api/v1/accounts/@b/reset-totp",
	  "{}", J, A_ACCOUNT_WRITE, O_B, NONE, 0, 0 },
	{ "PUT", "/api/v1/accounts/{id:int}/roles", 0, "/api/v1/accounts/@a/roles",
	  "{\"roles\":[\"teacher\"]}", J, A_ROLE_ASSIGN, O_A, NONE, 0, 0 },
	{ "PUT", "/api/v1/accounts/{id:int}/roles", 0, "/api/v1/accounts/@b/roles",
	  "{\"roles\":[\"teacher\"]}", J, A_ROLE_ASSIGN, O_B, NONE, 0, 0 },
	{ "POST", "/accounts/{id:int}/disable", 1, "/accounts/@a/disable", "x=1", F,
	  A_ACCOUNT_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/accounts/{id:int}/disable", 1, "/accounts/@b/disable", "x=1", F,
	  A_ACCOUNT_WRITE, O_B, NONE, 0, 0 },
	{ "POST", "/accounts/{id:int}/enable", 1, "/accounts/@a/enable", "x=1", F,
	  A_ACCOUNT_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/accounts/{id:int}/enable", 1, "/accounts/@b/enable", "x=1", F,
	  A_ACCOUNT_WRITE, O_B, NONE, 0, 0 },
	{ "POST", "/accounts/{id:int}/reset-password", 1, "/accounts/@a/reset-password", "x=1", F,
	  A_ACCOUNT_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/accounts/{id:int}/reset-password", 1, "/accounts/@b/reset-password", "x=1", F,
	  A_ACCOUNT_WRITE, O_B, NONE, 0, 0 },
	{ "POST", "/accounts/{id:int}/reset-totp", 1, "/accounts/@a/reset-totp", "x=1", F,
	  A_ACCOUNT_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/accounts/{id:int}/reset-totp", 1, "/accounts/@b/reset-totp", "x=1", F,
	  A_ACCOUNT_WRITE, O_B, NONE, 0, 0 },
	{ "POST", "/accounts/{id:int}/roles", 1, "/accounts/@a/roles", "roles=teacher", F,
	  A_ROLE_ASSIGN, O_A, NONE, 0, 0 },
	{ "POST", "/accounts/{id:int}/roles", 1, "/accounts/@b/roles", "roles=teacher", F,
	  A_ROLE_ASSIGN, O_B, NONE, 0, 0 },
	/* Settings and the audit log. */
	{ "GET", "/api/v1/settings", 0, "/api/v1/settings", NULL, NULL, A_POLICY_WRITE, O_SYS,
	  A_SETTINGS_WRITE, 0, 0 },
	{ "GET", "/settings", 1, "/settings", NULL, NULL, A_POLICY_WRITE, O_SYS, A_SETTINGS_WRITE, 0, 0 },
	{ "PUT", "/api/v1/settings", 0, "/api/v1/settings", "{\"lockout.minutes\":15}", J,
	  A_POLICY_WRITE, O_SYS, NONE, 0, 0 },
	{ "PUT", "/api/v1/settings", 0, "/api/v1/settings", "{\"committee.student_rep\":1}", J,
	  A_SETTINGS_WRITE, O_SYS, NONE, 0, 0 },
	{ "POST", "/settings", 1, "/settings", "lockout.minutes=15", F, A_POLICY_WRITE, O_SYS, NONE, 0, 0 },
	{ "POST", "/settings", 1, "/settings", "committee.student_rep=1", F, A_SETTINGS_WRITE, O_SYS,
	  NONE, 0, 0 },
	{ "GET", "/api/v1/audit", 0, "/api/v1/audit", NULL, NULL, A_AUDIT_READ, O_SYS, NONE, 0, 0 },
	{ "GET", "/api/v1/audit/export.csv", 0, "/api/v1/audit/export.csv", NULL, NULL, A_AUDIT_READ,
	  O_SYS, NONE, 0, 0 },
	{ "GET", "/api/v1/audit/verify", 0, "/api/v1/audit/verify", NULL, NULL, A_AUDIT_READ, O_SYS,
	  NONE, 0, 0 },
	{ "GET", "/audit", 1, "/audit", NULL, NULL, A_AUDIT_READ, O_SYS, NONE, 0, 0 },
	{ "POST", "/audit/verify", 1, "/audit/verify", "x=1", F, A_AUDIT_READ, O_SYS, NONE, 0, 0 },
	/* The bureau's working calendar: everyone reads it, the office keeps it. */
	{ "GET", "/api/v1/calendar", 0, "/api/v1/calendar?year=2026", NULL, NULL, NONE, O_ANY, NONE, 0, 200 },
	{ "GET", "/calendar", 1, "/calendar?year=2026", NULL, NULL, NONE, O_ANY, NONE, 0, 200 },
	{ "PUT", "/api/v1/calendar", 0, "/api/v1/calendar",
	  "{\"year\":2026,\"days\":\"2026-10-01,holiday,@u\\n2026-10-11,workday\"}", J,
	  A_CALENDAR_WRITE, O_ROOT, NONE, 0, 0 },
	{ "POST", "/calendar", 1, "/calendar", "year=2026&days=2026-10-02%2Choliday%2C@u", F,
	  A_CALENDAR_WRITE, O_ROOT, NONE, 0, 0 },
	/* The account's own page: every role, the same answer. */
	{ "GET", "/api/v1/me", 0, "/api/v1/me", NULL, NULL, NONE, O_ANY, NONE, 0, 200 },
	/* Surveys (src/prevention/survey_http.c, results_http.c): every role
	 * gets the same answer for a missing campaign or warning; the lists
	 * hold only what the role may read (tests/http/test_surveys.c and
	 * test_survey_results.c check a school's against another's). */
	{ "GET", "/api/v1/surveys", 0, "/api/v1/surveys", NULL, NULL, NONE, O_ANY, NONE, 0, 200 },
	{ "GET", "/surveys", 1, "/surveys", NULL, NULL, NONE, O_ANY, NONE, 0, 200 },
	{ "POST", "/api/v1/surveys/{id:int}/close", 0, "/api/v1/surveys/999999/close", "{}", J,
	  NONE, O_ANY, NONE, 0, 404 },
	{ "POST", "/surveys/{id:int}/close", 1, "/surveys/999999/close", "x=1", F, NONE, O_ANY,
	  NONE, 0, 404 },
	{ "GET", "/api/v1/surveys/{id:int}/slips", 0, "/api/v1/surveys/999999/slips?class=1", NULL,
	  NULL, NONE, O_ANY, NONE, 0, 404 },
	{ "GET", "/surveys/{id:int}/slips.pdf", 1, "/surveys/999999/slips.pdf?class=1", NULL, NULL,
	  NONE, O_ANY, NONE, 0, 404 },
	{ "GET", "/api/v1/surveys/{id:int}/results", 0, "/api/v1/surveys/999999/results", NULL,
	  NULL, NONE, O_ANY, NONE, 0, 404 },
	{ "GET", "/surveys/{id:int}/results", 1, "/surveys/999999/results", NULL, NULL, NONE,
	  O_ANY, NONE, 0, 404 },
	{ "POST", "/api/v1/surveys/{id:int}/warnings", 0, "/api/v1/surveys/999999/warnings", "{}",
	  J, NONE, O_ANY, NONE, 0, 404 },
	{ "POST", "/surveys/{id:int}/warnings", 1, "/surveys/999999/warnings", "x=1", F, NONE,
	  O_ANY, NONE, 0, 404 },
	{ "GET", "/api/v1/survey-warnings", 0, "/api/v1/survey-warnings", NULL, NULL,
	  A_SURVEY_RESULTS, O_A, NONE, 0, 0 },
	{ "GET", "/survey-warnings", 1, "/survey-warnings", NULL, NULL, A_SURVEY_RESULTS, O_A,
	  NONE, 0, 0 },
	{ "POST", "/api/v1/surveys", 0, "/api/v1/surveys",
	  "{\"name\":\"问卷@u\",\"semester\":\"2026-2027-1\",\"all\":true}", J, A_SURVEY_OPEN,
	  O_A, NONE, 0, 409 },
	{ "POST", "/surveys", 1, "/surveys",
	  "name=%E9%97%AE%E5%8D%B7@u&semester=2026-2027-1&all=1", F, A_SURVEY_OPEN, O_A, NONE, 0,
	  409 },
	{ "POST", "/api/v1/survey-warnings/{id:int}/{step}", 0,
	  "/api/v1/survey-warnings/999999/ack", "{}", J, NONE, O_ANY, NONE, 0, 404 },
	{ "POST", "/survey-warnings/{id:int}/{step}", 1, "/survey-warnings/999999/ack", "x=1", F,
	  NONE, O_ANY, NONE, 0, 404 },
	/* Notices (src/notify/notify_http.c). */
	{ "GET", "/api/v1/inbox", 0, "/api/v1/inbox", NULL, NULL, NONE, O_ANY, NONE, 0, 200 },
	{ "GET", "/inbox", 1, "/inbox", NULL, NULL, NONE, O_ANY, NONE, 0, 200 },
	{ "POST", "/api/v1/inbox/{id:int}/ack", 0, "/api/v1/inbox/999999/ack", "{}", J, NONE,
	  O_ANY, NONE, 0, 404 },
	{ "POST", "/inbox/{id:int}/ack", 1, "/inbox/999999/ack", "x=1", F, NONE, O_ANY, NONE, 0,
	  404 },
	{ "GET", "/api/v1/notify/rules", 0, "/api/v1/notify/rules", NULL, NULL, NONE, O_ANY, NONE,
	  0, 200 },
	{ "GET", "/notify/rules", 1, "/notify/rules", NULL, NULL, NONE, O_ANY, NONE, 0, 200 },
	{ "POST", "/api/v1/notify/rules/{kind}", 0, "/api/v1/notify/rules/return.due",
	  "{\"enabled\":true,\"rungs\":\"principal\",\"channels\":\"email\"}", J, A_NOTIFY_RULES,
	  O_ROOT, NONE, 0, 0 },
	{ "POST", "/notify/rules/{kind}", 1, "/notify/rules/return.due",
	  "enabled=1&rung1=principal&channels=email", F, A_NOTIFY_RULES, O_ROOT, NONE, 0, 0 },
	{ "GET", "/api/v1/cases/{id:int}/notices", 0, "/api/v1/cases/999999/notices", NULL, NULL,
	  NONE, O_ANY, NONE, 0, 404 },
	{ "GET", "/me", 1, "/me", NULL, NULL, NONE, O_ANY, NONE, 0, 200 },
	{ "POST", "/api/v1/me/password", 0, "/api/v1/me/password",
	  "{\"current\":\"not-it\",\"new\":\"Another-pass-1\"}", J, NONE, O_ANY, NONE, 0, 400 },
	{ "POST", "/me/password", 1, "/me/password", "current=not-it&new=Another-pass-1", F,
	  NONE, O_ANY, NONE, 0, 400 },
	{ "POST", "/api/v1/me/totp", 0, "/api/v1/me/totp", NULL, NULL, NONE, O_ANY, NONE, 0, 200 },
	{ "POST", "/me/totp", 1, "/me/totp", "x=1", F, NONE, O_ANY, NONE, 0, 200 },
	{ "POST", "/api/v1/me/totp/confirm", 0, "/api/v1/me/totp/confirm", "{\"code\":\"000000\"}", J,
	  NONE, O_ANY, NONE, 0, 400 },
	{ "POST", "/me/totp/confirm", 1, "/me/totp/confirm", "code=000000", F, NONE, O_ANY, NONE, 0, 400 },
	/* Prevention records and compliance (src/prevention/records_http.c).
	 * A class meeting names a class the school has: by now the class
	 * rows above have left each school with grade 1 "2班". */
	{ "GET", "/api/v1/prevention/compliance", 0, "/api/v1/prevention/compliance", NULL, NULL,
	  A_PREVENTION_READ, O_LIST, NONE, 0, 0 },
	{ "GET", "/api/v1/prevention/compliance", 0, "/api/v1/prevention/compliance?unit=@A", NULL,
	  NULL, A_PREVENTION_READ, O_A, NONE, 0, 0 },
	{ "GET", "/api/v1/prevention/compliance", 0, "/api/v1/prevention/compliance?unit=@B", NULL,
	  NULL, A_PREVENTION_READ, O_B, NONE, 0, 0 },
	{ "GET", "/prevention", 1, "/prevention", NULL, NULL, A_PREVENTION_READ, O_LIST, NONE, 0, 0 },
	{ "GET", "/api/v1/prevention/units/{id:int}/sessions", 0, "/api/v1/prevention/units/@A/sessions",
	  NULL, NULL, A_PREVENTION_READ, O_A, NONE, 0, 0 },
	{ "GET", "/api/v1/prevention/units/{id:int}/sessions", 0, "/api/v1/prevention/units/@B/sessions",
	  NULL, NULL, A_PREVENTION_READ, O_B, NONE, 0, 0 },
	{ "POST", "/api/v1/prevention/units/{id:int}/sessions", 0,
	  "/api/v1/prevention/units/@A/sessions",
	  "{\"held_on\":\"2026-03-10\",\"topic\":\"主题@u\",\"audience\":\"students\"}", J,
	  A_PREVENTION_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/api/v1/prevention/units/{id:int}/sessions", 0,
	  "/api/v1/prevention/units/@B/sessions",
	  "{\"held_on\":\"2026-03-10\",\"topic\":\"主题@u\",\"audience\":\"students\"}", J,
	  A_PREVENTION_WRITE, O_B, NONE, 0, 0 },
	{ "GET", "/api/v1/prevention/units/{id:int}/class-meetings", 0,
	  "/api/v1/prevention/units/@A/class-meetings", NULL, NULL, A_PREVENTION_READ, O_A, NONE, 0, 0 },
	{ "GET", "/api/v1/prevention/units/{id:int}/class-meetings", 0,
	  "/api/v1/prevention/units/@B/class-meetings", NULL, NULL, A_PREVENTION_READ, O_B, NONE, 0, 0 },
	{ "POST", "/api/v1/prevention/units/{id:int}/class-meetings", 0,
	  "/api/v1/prevention/units/@A/class-meetings",
	  "{\"held_on\":\"2026-03-10\",\"grade\":1,\"class\":\"2班\",\"topic\":\"班会@u\"}", J,
	  A_PREVENTION_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/api/v1/prevention/units/{id:int}/class-meetings", 0,
	  "/api/v1/prevention/units/@B/class-meetings",
	  "{\"held_on\":\"2026-03-10\",\"grade\":1,\"class\":\"2班\",\"topic\":\"班会@u\"}", J,
	  A_PREVENTION_WRITE, O_B, NONE, 0, 0 },
	{ "GET", "/api/v1/prevention/units/{id:int}/screenings", 0,
	  "/api/v1/prevention/units/@A/screenings", NULL, NULL, A_PREVENTION_READ, O_A, NONE, 0, 0 },
	{ "GET", "/api/v1/prevention/units/{id:int}/screenings", 0,
	  "/api/v1/prevention/units/@B/screenings", NULL, NULL, A_PREVENTION_READ, O_B, NONE, 0, 0 },
	{ "POST", "/api/v1/prevention/units/{id:int}/screenings", 0,
	  "/api/v1/prevention/units/@A/screenings",
	  "{\"held_on\":\"2026-03-10\",\"places\":[\"stairwell\"],\"video\":\"yes\",\"findings\":\"@u\"}",
	  J, A_PREVENTION_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/api/v1/prevention/units/{id:int}/screenings", 0,
	  "/api/v1/prevention/units/@B/screenings",
	  "{\"held_on\":\"2026-03-10\",\"places\":[\"stairwell\"],\"video\":\"yes\",\"findings\":\"@u\"}",
	  J, A_PREVENTION_WRITE, O_B, NONE, 0, 0 },
	{ "GET", "/api/v1/prevention/units/{id:int}/training", 0,
	  "/api/v1/prevention/units/@A/training", NULL, NULL, A_PREVENTION_READ, O_A, NONE, 0, 0 },
	{ "GET", "/api/v1/prevention/units/{id:int}/training", 0,
	  "/api/v1/prevention/units/@B/training", NULL, NULL, A_PREVENTION_READ, O_B, NONE, 0, 0 },
	{ "POST", "/api/v1/prevention/units/{id:int}/training", 0,
	  "/api/v1/prevention/units/@A/training",
	  "{\"held_on\":\"2026-03-10\",\"name\":\"教师@u\",\"role\":\"teacher\",\"course\":\"培训@u\","
	  "\"hours\":\"2\"}", J, A_PREVENTION_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/api/v1/prevention/units/{id:int}/training", 0,
	  "/api/v1/prevention/units/@B/training",
	  "{\"held_on\":\"2026-03-10\",\"name\":\"教师@u\",\"role\":\"teacher\",\"course\":\"培训@u\","
	  "\"hours\":\"2\"}", J, A_PREVENTION_WRITE, O_B, NONE, 0, 0 },
	{ "POST", "/api/v1/prevention/units/{id:int}/training/import", 0,
	  "/api/v1/prevention/units/@A/training/import",
	  "姓名,岗位,培训内容,培训日期,学时\r\n教师@u,教师,防欺凌培训,2026-03-10,2\r\n", CSV,
	  A_PREVENTION_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/api/v1/prevention/units/{id:int}/training/import", 0,
	  "/api/v1/prevention/units/@B/training/import",
	  "姓名,岗位,培训内容,培训日期,学时\r\n教师@u,教师,防欺凌培训,2026-03-10,2\r\n", CSV,
	  A_PREVENTION_WRITE, O_B, NONE, 0, 0 },
	{ "GET", "/prevention/units/{id:int}", 1, "/prevention/units/@A", NULL, NULL,
	  A_PREVENTION_READ, O_A, NONE, 0, 0 },
	{ "GET", "/prevention/units/{id:int}", 1, "/prevention/units/@B", NULL, NULL,
	  A_PREVENTION_READ, O_B, NONE, 0, 0 },
	{ "POST", "/prevention/units/{id:int}/sessions", 1, "/prevention/units/@A/sessions",
	  "held_on=2026-03-10&topic=t@u&audience=parents", F, A_PREVENTION_WRITE, O_A, NONE, 0, 0 },
	{ "POST", "/prevention/units/{id:int}/sessions", 1, "/prevention/units/@B/sessions",
	  "held_on=2026-03-10&topic=t@u&audience=parents", F, A_PREVENTION_WRITE, O_B, NONE, 0, 0 },
	{ "POST", "/prevention/units/{id:int}/class-meetings", 1, "/prevention/units/@A/class-meetings",
	  "held_on=2026-03-10&grade=1&class=2%E7%8F%AD&topic=t@u", F, A_PREVENTION_WRITE, O_A, NONE,
	  0, 0 },
	{ "POST", "/prevention/units/{id:int}/class-meetings", 1, "/prevention/units/@B/class-meetings",
	  "held_on=2026-03-10&grade=1&class=2%E7%8F%AD&topic=t@u", F, A_PREVENTION_WRITE, O_B, NONE,
	  0, 0 },
	{ "POST", "/prevention/units/{id:int}/screenings", 1, "/prevention/units/@A/screenings",
	  "held_on=2026-03-10&places=toilet&video=no&findings=@u", F, A_PREVENTION_WRITE, O_A, NONE,
	  0, 0 },
	{ "POST", "/prevention/units/{id:int}/screenings", 1, "/prevention/units/@B/screenings",
	  "held_on=2026-03-10&places=toilet&video=no&findings=@u", F, A_PREVENTION_WRITE, O_B, NONE,
	  0, 0 },
	{ "POST", "/prevention/units/{id:int}/training", 1, "/prevention/units/@A/training",
	  "held_on=2026-03-10&name=n@u&role=teacher&course=c@u&hours=2", F, A_PREVENTION_WRITE, O_A,
	  NONE, 0, 0 },
	{ "POST", "/prevention/units/{id:int}/training", 1, "/prevention/units/@B/training",
	  "held_on=2026-03-10&name=n@u&role=teacher&course=c@u&hours=2", F, A_PREVENTION_WRITE, O_B,
	  NONE, 0, 0 },
	{ "POST", "/prevention/units/{id:int}/training/import", 1,
	  "/prevention/units/@A/training/import", "MULTIPART", NULL, A_PREVENTION_WRITE, O_A, NONE,
	  0, 0 },
	{ "POST", "/prevention/units/{id:int}/training/import", 1,
	  "/prevention/units/@B/training/import", "MULTIPART", NULL, A_PREVENTION_WRITE, O_B, NONE,
	  0, 0 },
	/* Evidence files. Adding: the files are checked before the record is
	 * looked up, so a role that may write gets 400 (no file, or the
	 * matrix's CSV, which is not a photo or a PDF) where one that may not
	 * gets 404. Fetching: the matrix holds no evidence file, so every
	 * role gets 404 — the row checks that nothing answers otherwise or
	 * changes anything; test_prevention_records.c fetches real files as
	 * each kind of reader and as another school. */
	{ "POST", "/api/v1/prevention/units/{id:int}/{kind}/{rid:int}/evidence", 0,
	  "/api/v1/prevention/units/@A/sessions/@u/evidence", "{}", J, A_PREVENTION_WRITE, O_A,
	  NONE, 0, 400 },
	{ "POST", "/api/v1/prevention/units/{id:int}/{kind}/{rid:int}/evidence", 0,
	  "/api/v1/prevention/units/@B/sessions/@u/evidence", "{}", J, A_PREVENTION_WRITE, O_B,
	  NONE, 0, 400 },
	{ "POST", "/prevention/units/{id:int}/{kind}/{rid:int}/evidence", 1,
	  "/prevention/units/@A/screenings/@u/evidence", "MULTIPART", NULL, A_PREVENTION_WRITE, O_A,
	  NONE, 0, 400 },
	{ "POST", "/prevention/units/{id:int}/{kind}/{rid:int}/evidence", 1,
	  "/prevention/units/@B/screenings/@u/evidence", "MULTIPART", NULL, A_PREVENTION_WRITE, O_B,
	  NONE, 0, 400 },
	{ "GET", "/api/v1/prevention/units/{id:int}/evidence/{eid:int}", 0,
	  "/api/v1/prevention/units/@A/evidence/@u", NULL, NULL, A_PREVENTION_READ, O_A, NONE, 0, 404 },
	{ "GET", "/api/v1/prevention/units/{id:int}/evidence/{eid:int}", 0,
	  "/api/v1/prevention/units/@B/evidence/@u", NULL, NULL, A_PREVENTION_READ, O_B, NONE, 0, 404 },
	{ "GET", "/prevention/units/{id:int}/evidence/{eid:int}", 1,
	  "/prevention/units/@A/evidence/@u", NULL, NULL, A_PREVENTION_READ, O_A, NONE, 0, 404 },
	{ "GET", "/prevention/units/{id:int}/evidence/{eid:int}", 1,
	  "/prevention/units/@B/evidence/@u", NULL, NULL, A_PREVENTION_READ, O_B, NONE, 0, 404 },
	/* The bureau's oversight (issue 7): each part's rows in its own file. */
#include "authz_questionnaire.inc"
#include "authz_returns.inc"
#include "authz_inspect.inc"
#include "authz_directory.inc"
#include "authz_evaluation.inc"
#include "authz_sentiment.inc"
#include "authz_sentiment_admin.inc"
	/* Last: signing out. */
	{ "DELETE", "/api/v1/session", 0, "/api/v1/session", NULL, NULL, NONE, O_ANY, NONE, 1, 204 },
	{ "POST", "/signout", 1, "/signout", "x=1", F, NONE, O_ANY, NONE, 1, 303 },
};
#define NROWS (sizeof rows / sizeof rows[0])

struct who {
	enum role role;
	char user[32];
	int64_t unit;
	principal p;
	struct session s;
};

static struct srv S;
static int64_t township_a, township_b, office, school_a, school_b, agency;
static int64_t target_a, target_b;
static struct who people[ROLE__COUNT];
static unsigned uniq = 100;
/* When set, @B, @b and @m name objects that do not exist. */
static int as_missing;

static void
path_of(int64_t id, char *out, size_t len)
{
	/* Units here sit under the bureau, schools under their township. */
	if (id == school_a)
		snprintf(out, len, "/1/%lld/%lld/", (long long)township_a, (long long)id);
	else if (id == school_b)
		snprintf(out, len, "/1/%lld/%lld/", (long long)township_b, (long long)id);
	else if (id == 1)
		snprintf(out, len, "/1/");
	else
		snprintf(out, len, "/1/%lld/", (long long)id);
}

static int
setup(void **state)
{
	static const char *const extra[] = { "--loops", "2", "--access-log", "off", NULL };
	memset(&S, 0, sizeof S);
	if (srv_start(&S, extra) != 0 || fx_setup(&S) != 0)
		return -1;
	office = fx_unit(1, "office", "办公室", NULL);
	township_a = fx_unit(1, "township", "甲镇", NULL);
	township_b = fx_unit(1, "township", "乙镇", NULL);
	school_a = fx_unit(township_a, "school", "甲校", "primary");
	school_b = fx_unit(township_b, "school", "乙校", "primary");
	agency = fx_unit(1, "agency", "派出所", NULL);
	char sql[256];
	snprintf(sql, sizeof sql, "UPDATE units SET township_id = parent_id WHERE id IN (%lld, %lld)",
	    (long long)school_a, (long long)school_b);
	if (fx_sql(sql) != 0)
		return -1;
	snprintf(sql, sizeof sql, "UPDATE units SET code = CASE id WHEN %lld THEN 'SCHA' ELSE 'SCHB'"
	    " END WHERE id IN (%lld, %lld)", (long long)school_a, (long long)school_a,
	    (long long)school_b);
	if (fx_sql(sql) != 0)
		return -1;
	/* Both schools have a class from the start, so the class export of
	 * each is visible from the first row on. */
	snprintf(sql, sizeof sql, "INSERT INTO classes (unit_id, grade, name, boys, girls) VALUES"
	    " (%lld, 1, '1班', 20, 20), (%lld, 1, '1班', 20, 20)", (long long)school_a,
	    (long long)school_b);
	if (fx_sql(sql) != 0)
		return -1;
	target_a = fx_account(school_a, "target-a", "Target-pass-1", ROLE_BIT(ROLE_TEACHER));
	target_b = fx_account(school_b, "target-b", "Target-pass-1", ROLE_BIT(ROLE_TEACHER));
	for (int r = 0; r < ROLE__COUNT; r++) {
		struct who *w = &people[r];
		w->role = (enum role)r;
		snprintf(w->user, sizeof w->user, "who-%s", role_name((enum role)r));
		for (char *c = w->user; *c; c++)
			if (*c == '_')
				*c = '-';
		unsigned bits = ROLE_BIT(r);
		if (bits & ROLES_BUREAU)
			w->unit = office;
		else if (bits & ROLES_SCHOOL)
			w->unit = school_a;
		else if (r == ROLE_AGENCY)
			w->unit = agency;
		else
			w->unit = 1;
		if (fx_account(w->unit, w->user, "Matrix-pass-1", bits) < 0)
			return -1;
		w->p.roles = bits;
		path_of(w->unit, w->p.unit_path, sizeof w->p.unit_path);
		if (bits & (ROLES_BUREAU | ROLES_ADMIN))
			snprintf(w->p.scope_path, sizeof w->p.scope_path, "/1/");
		else
			memcpy(w->p.scope_path, w->p.unit_path, sizeof w->p.scope_path);
		if (fx_signin(&S, w->user, "Matrix-pass-1", &w->s) != 0)
			return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	fx_done();
	int rc = srv_stop(&S);
	char data[200];
	snprintf(data, sizeof data, "%s/data", S.dir);
	char *argv[] = { (char *)xiaoan_bin(), "verify", "--data", data, NULL };
	int vrc = run_cmd(argv, NULL);
	srv_cleanup(&S);
	return rc || vrc;
}

/* A committee member to end, new each time (ending is not repeatable). */
static int64_t
fresh_member(int64_t school)
{
	char sql[256];
	snprintf(sql, sizeof sql, "INSERT INTO committee_members (unit_id, name, role, member_type,"
	    " from_date, created_at) VALUES (%lld, 'm', 'member', 'staff', '2026-09-01', 0)",
	    (long long)school);
	if (fx_sql(sql) != 0)
		return -1;
	return fx_int("SELECT max(id) FROM committee_members");
}

/* Expands the placeholders of a row's path or body. */
static void
expand(const char *tpl, char *out, size_t len, enum obj obj, unsigned role_bits)
{
	size_t n = 0;
	unsigned u = ++uniq;
	for (const char *p = tpl; *p && n + 24 < len; p++) {
		if (*p == '@' && p[1] == 'P') {
			/* The edit form posts every field it shows; a principal's
			 * shows only the contact. */
			p++;
			if (!(role_bits & ROLE_BIT(ROLE_PRINCIPAL)))
				n += (size_t)snprintf(out + n, len - n,
				    "name=%s&code=%s&school_type=primary&ownership=public&",
				    obj == O_B ? "%E4%B9%99%E6%A0%A1" : "%E7%94%B2%E6%A0%A1",
				    obj == O_B ? "SCHB" : "SCHA");
			continue;
		}
		if (*p != '@' || p[1] == '\0' || strchr("ABTabmuv", p[1]) == NULL) {
			out[n++] = *p;
			continue;
		}
		long long v = 0;
		switch (*++p) {
		case 'A': v = school_a; break;
		case 'B': v = as_missing ? 999999 : school_b; break;
		case 'T': v = township_a; break;
		case 'a': v = target_a; break;
		case 'b': v = as_missing ? 999998 : target_b; break;
		case 'm': v = as_missing ? 999997 : fresh_member(obj == O_B ? school_b : school_a); break;
		case 'u': v = u; break;
		case 'v': v = u % 50 + 1; break;
		}
		n += (size_t)snprintf(out + n, len - n, "%lld", v);
	}
	out[n] = '\0';
}

/* Everything a request could change, in one number: every change writes
 * an audit record, and the rest catches a change that forgot to. */
static int64_t
fingerprint(void)
{
	return fx_int("SELECT (SELECT count(*) FROM audit_log) * 1000003"
	    " + (SELECT count(*) FROM committee_members) * 101"
	    " + (SELECT count(*) FROM units) * 7 + (SELECT count(*) FROM accounts) * 13"
	    " + (SELECT coalesce(sum(boys + girls), 0) FROM classes)"
	    " + (SELECT coalesce(sum(disabled + must_change), 0) FROM accounts) * 17"
	    " + (SELECT count(*) FROM settings) * 19"
	    " + (SELECT count(*) FROM calendar_days) * 29"
	    " + (SELECT coalesce(sum(length(office_phone)), 0) FROM units) * 23");
}

static int
do_request(const struct who *w, const struct row *row, const char *path,
    const char *body, struct resp *r)
{
	if (!row->page)
		return fx_req_ctype(&S, &w->s, row->method, path, row->ctype, body, r);
	if (body != NULL && strcmp(body, "MULTIPART") == 0) {
		char mp[1024];
		int n = snprintf(mp, sizeof mp,
		    "--xaB\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n%s\r\n"
		    "--xaB\r\nContent-Disposition: form-data; name=\"check_only\"\r\n\r\n1\r\n"
		    "--xaB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.csv\"\r\n"
		    "Content-Type: text/csv\r\n\r\n学校代码,学校名称,类型\r\nMP%u,多部%u,小学\r\n--xaB--\r\n",
		    w->s.csrf, uniq, uniq);
		(void)n;
		return fx_req_cookie(&S, &w->s, row->method, path,
		    "multipart/form-data; boundary=xaB", mp, 1, r);
	}
	char form[1200];
	if (body != NULL) {
		snprintf(form, sizeof form, "%s&_csrf=%s", body, w->s.csrf);
		body = form;
	}
	return fx_req_cookie(&S, &w->s, row->method, path, row->ctype, body, 1, r);
}

/* Routes of reports and cases: their objects are cases, not units, and
 * their own matrix (tests/http/test_case_isolation.c) covers each one. */
static int
case_suite_route(const route *rt)
{
	static const struct {
		const route *t;
		const size_t *n;
	} parts[] = {
		{ report_public_routes, &report_public_routes_count },
		{ reports_routes, &reports_routes_count },
		{ cases_routes, &cases_routes_count },
		{ measures_routes, &measures_routes_count },
		{ oversight_routes, &oversight_routes_count },
	};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		for (size_t k = 0; k < *parts[i].n; k++)
			if (strcmp(parts[i].t[k].pattern, rt->pattern) == 0 &&
			    parts[i].t[k].methods == rt->methods)
				return 1;
	return 0;
}

static void
test_every_route_has_a_row(void **state)
{
	server_app app;
	app_get(&app);
	int nmissing = 0;
	for (size_t i = 0; i < app.nroutes; i++) {
		const route *rt = &app.routes[i];
		if ((rt->flags & R_AUTH) == 0 || case_suite_route(rt))
			continue;
		int found = 0;
		for (size_t k = 0; k < NROWS && !found; k++)
			found = strcmp(rows[k].pattern, rt->pattern) == 0 &&
			    router_method(rows[k].method) == rt->methods &&
			    (rows[k].page == ((rt->flags & R_API) == 0));
		if (!found) {
			fprintf(stderr, "no matrix row for %s\n", rt->pattern);
			nmissing++;
		}
	}
	assert_int_equal(nmissing, 0);
}

static int
allowed(const struct who *w, const struct row *row)
{
	char a[96], b[96], t[96];
	path_of(school_a, a, sizeof a);
	path_of(school_b, b, sizeof b);
	path_of(township_a, t, sizeof t);
	const char *obj = row->obj == O_A ? a : row->obj == O_B ? b :
	    row->obj == O_PARENT_A ? t : row->obj == O_ROOT ? w->p.scope_path : NULL;
	if (row->obj == O_ROOT && (row->action == A_UNIT_CREATE ||
	    row->action == A_CALENDAR_WRITE || row->action == A_NOTIFY_RULES))
		obj = "/1/";
	int ok = policy_allow(&w->p, row->action, obj);
	if (!ok && row->also != NONE)
		ok = policy_allow(&w->p, row->also, obj);
	return ok;
}

static void
test_matrix(void **state)
{
	char a[96], b[96];
	path_of(school_a, a, sizeof a);
	path_of(school_b, b, sizeof b);
	int bad = 0;
	for (size_t k = 0; k < NROWS; k++) {
		const struct row *row = &rows[k];
		for (int ri = 0; ri < ROLE__COUNT; ri++) {
			struct who *w = &people[ri];
			char path[512], body[1024];
			expand(row->path, path, sizeof path, row->obj, 0);
			if (row->body != NULL && strcmp(row->body, "MULTIPART") != 0)
				expand(row->body, body, sizeof body, row->obj, w->p.roles);
			const char *bp = row->body == NULL ? NULL :
			    strcmp(row->body, "MULTIPART") == 0 ? "MULTIPART" : body;
			int64_t before = fingerprint();
			struct resp r;
			if (do_request(w, row, path, bp, &r) != 0) {
				fprintf(stderr, "%s %s as %s: no answer\n", row->method, path, w->user);
				bad++;
				continue;
			}
			long st = r.status;
			int ok = 1;
			if (row->obj == O_ANY) {
				ok = st == row->want;
			} else if (row->obj == O_LIST) {
				/* A list or export holds A and B exactly as the role
				 * may read them. */
				int see_a = policy_allow(&w->p, row->action, a);
				int see_b = policy_allow(&w->p, row->action, b);
				const char *na = row->action == A_ACCOUNT_READ ? "target-a" : "甲校";
				const char *nb = row->action == A_ACCOUNT_READ ? "target-b" : "乙校";
				if (strstr(row->path, "classes.csv") != NULL) {
					na = "SCHA";
					nb = "SCHB";
				}
				int has_a = st == 200 && strstr(r.body, na) != NULL;
				int has_b = st == 200 && strstr(r.body, nb) != NULL;
				ok = (st == 200 || st == 403 || st == 404) && has_b == see_b &&
				    has_a == see_a;
			} else if (allowed(w, row)) {
				/* want, when set on such a row: another answer that
				 * still means "allowed" (a survey campaign that the
				 * previous role already opened is a conflict). */
				ok = st == 200 || st == 201 || st == 204 || st == 303 ||
				    (row->want != 0 && st == row->want);
			} else {
				/* Denied: 404, or 403 where the role may see the object
				 * but not act on it — and for the other school's object,
				 * the very answer a missing object gets. */
				enum action read = row->action == A_ACCOUNT_WRITE ||
				    row->action == A_ROLE_ASSIGN || row->action == A_ACCOUNT_READ ?
				    A_ACCOUNT_READ : A_UNIT_READ;
				int sees = policy_allow(&w->p, read, w->p.scope_path) ||
				    policy_allow(&w->p, read, a) || policy_allow(&w->p, read, b);
				ok = st == 404 || (sees && st == 403);
				if (fingerprint() != before) {
					fprintf(stderr, "%s %s as %s: denied (%ld) but something changed\n",
					    row->method, path, w->user, st);
					ok = 0;
				}
				if (ok && row->obj == O_B && !policy_allow(&w->p, read, b)) {
					char mpath[512], mbody[1024];
					struct resp m;
					as_missing = 1;
					expand(row->path, mpath, sizeof mpath, row->obj, 0);
					if (row->body != NULL && strcmp(row->body, "MULTIPART") != 0)
						expand(row->body, mbody, sizeof mbody, row->obj, w->p.roles);
					as_missing = 0;
					const char *mb = row->body == NULL ? NULL :
					    strcmp(row->body, "MULTIPART") == 0 ? "MULTIPART" : mbody;
					if (do_request(w, row, mpath, mb, &m) != 0 || m.status != st ||
					    (!row->page && strcmp(m.body, r.body) != 0)) {
						fprintf(stderr, "%s %s as %s: %ld %s, but a missing one: %ld %s\n",
						    row->method, path, w->user, st, row->page ? "" : r.body,
						    m.status, row->page ? "" : m.body);
						ok = 0;
					}
					resp_free(&m);
				}
			}
			if (!ok) {
				const char *why = strstr(r.body, "role=\"alert\"");
				if (why == NULL)
					why = strstr(r.body, "error-message");
				fprintf(stderr, "%s %s as %s (%s): %ld, policy says %s: %.300s\n",
				    row->method, path, w->user, row->page ? "page" : "api", st,
				    row->obj == O_ANY || row->obj == O_LIST ? "-" :
				    allowed(w, row) ? "allow" : "deny", why ? why : r.body);
				bad++;
			}
			resp_free(&r);
			if (row->end_session && fx_signin(&S, w->user, "Matrix-pass-1", &w->s) != 0)
				bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Someone not signed in gets 401 (API) or the sign-in page (pages) from
 * every route that needs an account, and changes nothing. */
static void
test_nobody(void **state)
{
	int bad = 0;
	for (size_t k = 0; k < NROWS; k++) {
		const struct row *row = &rows[k];
		char path[512], body[1024];
		expand(row->path, path, sizeof path, row->obj, 0);
		if (row->body != NULL && strcmp(row->body, "MULTIPART") != 0)
			expand(row->body, body, sizeof body, row->obj, 0);
		int64_t before = fingerprint();
		struct resp r;
		http_req(&S, row->method, path, row->ctype,
		    row->body && strcmp(row->body, "MULTIPART") != 0 ? body : NULL,
		    row->body && strcmp(row->body, "MULTIPART") != 0 ? strlen(body) : 0, NULL, &r);
		int ok = row->page ? (r.status == 303 &&
		    strncmp(resp_header(&r, "Location") ? resp_header(&r, "Location") : "",
		    "/signin", 7) == 0) || r.status == 403 : r.status == 401;
		if (!ok || fingerprint() != before) {
			fprintf(stderr, "%s %s signed out: %ld\n", row->method, path, r.status);
			bad++;
		}
		resp_free(&r);
	}
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_route_has_a_row),
		cmocka_unit_test(test_nobody),
		cmocka_unit_test(test_matrix),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
