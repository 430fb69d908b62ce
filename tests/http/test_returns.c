/* test_returns.c: the monthly returns over HTTP (src/bureau/returns*.c):
 * a return drafted from fixture cases and prevention records gives the
 * expected counts; a zero return needs its confirmation; submitting
 * freezes the figures (a case added later changes nothing until the
 * office sends the return back and the school submits again); sending
 * back needs a reason; accepting; the state machine refuses what it must
 * (a second submission, a month not over, accepting twice); the late and
 * missing lists by township and the notice to a missing school, sent
 * once; a school cannot see or act on another school's return (404, the
 * very answer a missing one gets); the xlsx export opens and holds the
 * expected cells (read back with minizip); the CSV export begins with a
 * BOM and neutralises a formula.
 *
 * The clock is the real one: the months used lie three and four months
 * back, whose due dates (the 5th, or any day up to the 28th, of the
 * month after) have always passed. It must never depend on today's day
 * of the month, nor on an order of rows the server does not promise. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unzip.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "auth/keys.h"
#include "bureau/returns.h"
#include "cases/cases.h"
#include "core/calendar.h"
#include "fixture.h"
#include "harness.h"
#include "store/db.h"

#define PW "Fixture-Pass-123"
#define ZONE (8 * 3600L)

static struct srv S;
static struct session office, head_a, head_b, teach_a;
static int64_t town_a, town_b, school_a, school_b, school_c;
/* The month of the fixture's cases (three months back) and the zero
 * month before it. */
static int mon_y, mon_m, zero_y, zero_m;
static char month[16], zmonth[16];
static int64_t id_a, id_zero, id_b;
static keys K;

/* ------------------------------------------------------------------ */

static json_t *
call(const struct session *s, const char *method, const char *path, const char *json,
    long want)
{
	struct resp r;
	assert_int_equal(fx_req(&S, s, method, path, json, &r), 0);
	if (r.status != want)
		fail_msg("%s %s: %ld, want %ld: %s", method, path, r.status, want,
		    r.body ? r.body : "");
	json_t *j = json_loads(r.body ? r.body : "null", JSON_DECODE_ANY, NULL);
	resp_free(&r);
	assert_non_null(j);
	return j;
}

static long
status_body(const struct session *s, const char *method, const char *path, const char *json,
    char **body)
{
	struct resp r;
	assert_int_equal(fx_req(&S, s, method, path, json, &r), 0);
	long st = r.status;
	if (body != NULL)
		*body = strdup(r.body ? r.body : "");
	resp_free(&r);
	return st;
}

static void
sql(const char *fmt, ...)
{
	char q[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(q, sizeof q, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof q);
	if (fx_sql(q) != 0)
		fail_msg("sql: %s", q);
}

/* UTC seconds of day d (1..28) of the fixture's month at noon, and of
 * the month after. */
static int64_t
at(int y, int m, int d)
{
	char s[16];
	xa_day day = 0;
	snprintf(s, sizeof s, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
	    (unsigned)d % 100u);
	assert_int_equal(day_parse(s, &day), XA_OK);
	return day_start(day, ZONE) + 12 * 3600;
}

static void
next_month(int *y, int *m)
{
	if (++*m > 12) {
		*m = 1;
		++*y;
	}
}

/* Opens a case at unit with the store's own function (real key). */
static int64_t
make_case(int64_t unit)
{
	db *c = fx_conn();
	audit_entry who = { 0, 1, "", "", 0, "", "", "test fixture" };
	case_new n = { unit, "测试事件", false, 0, 0, NULL, 0 };
	int64_t id = 0;
	assert_int_equal(db_begin(c), XA_OK);
	assert_int_equal(case_open(c, &n, &who, (int64_t)time(NULL), ZONE, &id), XA_OK);
	assert_int_equal(db_commit(c), XA_OK);
	return id;
}

/* A determination in the chronology, as the case page writes its meta. */
static void
determination(int64_t case_id, int64_t when, const char *meta)
{
	sql("INSERT INTO case_events (case_id, kind, occurred_at, meta, created_at)"
	    " VALUES (%lld, 'determination', %lld, '%s', %lld)", (long long)case_id,
	    (long long)when, meta, (long long)when);
}

static long long
fig(json_t *ret, const char *name)
{
	json_t *v = json_object_get(json_object_get(ret, "figures"), name);
	if (!json_is_integer(v))
		fail_msg("no figure %s", name);
	return json_integer_value(v);
}

static const char *
sget(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* ------------------------------------------------------------------ */

static int
setup(void **state)
{
	(void)state;
	static const char *const extra[] = { "--loops", "2", "--access-log", "off", NULL };
	memset(&S, 0, sizeof S);
	if (srv_start(&S, extra) != 0 || fx_setup(&S) != 0)
		return -1;
	char data[200];
	snprintf(data, sizeof data, "%s/data", S.dir);
	if (keys_load(data, &K) != XA_OK)
		return -1;
	keys_set(&K);
	int64_t off = fx_unit(1, "office", "防治办", NULL);
	town_a = fx_unit(1, "township", "甲镇", NULL);
	town_b = fx_unit(1, "township", "乙镇", NULL);
	school_a = fx_unit(town_a, "school", "甲镇中心小学", "primary");
	school_b = fx_unit(town_b, "school", "乙镇第一中学", "junior");
	school_c = fx_unit(town_b, "school", "=HYPERLINK(\"http://x\")", "junior");
	char q[256];
	snprintf(q, sizeof q, "UPDATE units SET township_id = parent_id WHERE kind = 'school'");
	if (fx_sql(q) != 0)
		return -1;
	if (fx_account(off, "r-office", PW, ROLE_BIT(ROLE_OFFICE_STAFF)) < 0 ||
	    fx_account(school_a, "r-head-a", PW, ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(school_a, "r-teach-a", PW, ROLE_BIT(ROLE_TEACHER)) < 0 ||
	    fx_account(school_b, "r-head-b", PW, ROLE_BIT(ROLE_PRINCIPAL)) < 0)
		return -1;
	if (fx_signin(&S, "r-office", PW, &office) != 0 ||
	    fx_signin(&S, "r-head-a", PW, &head_a) != 0 ||
	    fx_signin(&S, "r-teach-a", PW, &teach_a) != 0 ||
	    fx_signin(&S, "r-head-b", PW, &head_b) != 0)
		return -1;
	/* The months. */
	char today[11];
	day_format(day_of((int64_t)time(NULL), ZONE), today);
	int y = (int)strtol(today, NULL, 10), m = (today[5] - '0') * 10 + (today[6] - '0');
	m -= 3;
	if (m < 1) {
		m += 12;
		y--;
	}
	mon_y = y;
	mon_m = m;
	zero_y = m == 1 ? y - 1 : y;
	zero_m = m == 1 ? 12 : m - 1;
	snprintf(month, sizeof month, "%04u-%02u", (unsigned)mon_y % 10000u,
	    (unsigned)mon_m % 100u);
	snprintf(zmonth, sizeof zmonth, "%04u-%02u", (unsigned)zero_y % 10000u,
	    (unsigned)zero_m % 100u);
	id_a = school_a * 1000000 + mon_y * 100 + mon_m;
	id_zero = school_a * 1000000 + zero_y * 100 + zero_m;
	id_b = school_b * 1000000 + mon_y * 100 + mon_m;
	int ny = mon_y, nm = mon_m;
	next_month(&ny, &nm);

	/* Case 1: opened, found serious bullying (physical and verbal, in
	 * school, a primary victim), referred and closed within the month. */
	int64_t c1 = make_case(school_a);
	sql("UPDATE cases SET opened_at = %lld, state = 'closed', state_since = %lld,"
	    " closed_at = %lld, finding = 'bullying', tier = 'serious' WHERE id = %lld",
	    (long long)at(mon_y, mon_m, 3), (long long)at(mon_y, mon_m, 20),
	    (long long)at(mon_y, mon_m, 20), (long long)c1);
	determination(c1, at(mon_y, mon_m, 10), "{\"finding\":\"bullying\",\"tier\":\"serious\","
	    "\"behaviours\":[\"physical\",\"verbal\"],\"place\":\"in_school\"}");
	sql("INSERT INTO case_events (case_id, kind, occurred_at, meta, created_at) VALUES"
	    " (%lld, 'referral', %lld, '{}', 0)", (long long)c1, (long long)at(mon_y, mon_m, 11));
	sql("INSERT INTO case_parties (case_id, role, alias, name, guardians, stage, created_at)"
	    " VALUES (%lld, 'victim', '学生A', x'00', x'00', 'primary', 0)", (long long)c1);
	/* Case 2: general bullying online, no parties (the school's one
	 * stage counts), still open and overdue at the month's end, appealed;
	 * an earlier determination in the month is replaced by the later. */
	int64_t c2 = make_case(school_a);
	sql("UPDATE cases SET opened_at = %lld, state = 'measures', state_since = %lld,"
	    " due_at = %lld WHERE id = %lld", (long long)at(mon_y, mon_m, 5),
	    (long long)at(mon_y, mon_m, 12), (long long)at(mon_y, mon_m, 20), (long long)c2);
	determination(c2, at(mon_y, mon_m, 8), "{\"finding\":\"not_bullying\",\"tier\":\"\"}");
	determination(c2, at(mon_y, mon_m, 12), "{\"finding\":\"bullying\",\"tier\":\"general\","
	    "\"behaviours\":[\"online\"],\"place\":\"online\"}");
	sql("INSERT INTO appeals (case_id, lodged_on, created_at) VALUES (%lld, '%s-15', 0)",
	    (long long)c2, month);
	/* Case 3: found not to be bullying, open. */
	int64_t c3 = make_case(school_a);
	sql("UPDATE cases SET opened_at = %lld, state = 'determined', state_since = %lld"
	    " WHERE id = %lld", (long long)at(mon_y, mon_m, 7), (long long)at(mon_y, mon_m, 9),
	    (long long)c3);
	determination(c3, at(mon_y, mon_m, 9), "{\"finding\":\"not_bullying\",\"tier\":\"\"}");
	/* Case 4: opened the month after (not this month's). */
	int64_t c4 = make_case(school_a);
	sql("UPDATE cases SET opened_at = %lld WHERE id = %lld", (long long)at(ny, nm, 2),
	    (long long)c4);
	/* Prevention work: two student sessions and a parents' one, a
	 * corrected one (counts once), one the month after; a class meeting,
	 * a screening, two courses (1.5 h + 2 h). */
#define SESS "INSERT INTO prevention_sessions (unit_id, semester," \
	    " held_on, topic, audience, participants, superseded_by, created_by, created_at)" \
	    " VALUES (%lld, 'x', '%s-%s', 't', '%s', %d, %s, 0, 0)"
	sql(SESS, (long long)school_a, month, "04", "students", 100, "NULL");
	sql(SESS, (long long)school_a, month, "18", "students", 50, "NULL");
	sql(SESS, (long long)school_a, month, "18", "students", 49, "99");
	sql(SESS, (long long)school_a, month, "21", "parents", 30, "NULL");
	char nmonth[16];
	snprintf(nmonth, sizeof nmonth, "%04u-%02u", (unsigned)ny % 10000u, (unsigned)nm % 100u);
	sql(SESS, (long long)school_a, nmonth, "01", "students", 70, "NULL");
	sql("INSERT INTO prevention_class_meetings (unit_id, semester, held_on, grade, class_name,"
	    " topic, created_by, created_at) VALUES (%lld, 'x', '%s-09', 1, '1班', 't', 0, 0)",
	    (long long)school_a, month);
	sql("INSERT INTO prevention_screenings (unit_id, semester, held_on, places, video,"
	    " created_by, created_at) VALUES (%lld, 'x', '%s-28', 'toilet', 'yes', 0, 0)",
	    (long long)school_a, month);
#define TRAIN "INSERT INTO prevention_training (unit_id, name, role," \
	    " course, held_on, semester, school_year, hours_tenths, created_by, created_at)" \
	    " VALUES (%lld, '王老师', 'teacher', 'c', '%s-%s', 'x', 'x', %d, 0, 0)"
	sql(TRAIN, (long long)school_a, month, "10", 15);
	sql(TRAIN, (long long)school_a, month, "11", 20);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	fx_done();
	int rc = srv_stop(&S);
	char data[200];
	snprintf(data, sizeof data, "%s/data", S.dir);
	char *argv[] = { (char *)xiaoan_bin(), "verify", "--data", data, NULL };
	int vrc = run_cmd(argv, NULL);
	srv_cleanup(&S);
	return rc || vrc;
}

/* ------------------------------------------------------------------ */

static void
test_draft_counts(void **state)
{
	(void)state;
	char p[96];
	snprintf(p, sizeof p, "/api/v1/returns?month=%s", month);
	json_t *j = call(&head_a, "GET", p, NULL, 200);
	assert_string_equal(sget(j, "mode"), "school");
	json_t *r = json_object_get(j, "return");
	assert_int_equal(json_integer_value(json_object_get(r, "id")), id_a);
	assert_string_equal(sget(r, "state"), "draft");
	assert_true(json_is_true(json_object_get(r, "missing")));
	assert_true(json_is_true(json_object_get(r, "can_submit")));
	static const struct {
		const char *name;
		long long want;
	} want[] = {
		{ "cases.new", 3 }, { "cases.closed", 1 }, { "cases.open", 2 },
		{ "cases.overdue", 1 }, { "cases.appealed", 1 }, { "cases.referred", 1 },
		{ "incidents.bullying", 2 }, { "incidents.not_bullying", 1 },
		{ "tier.general", 1 }, { "tier.serious", 1 }, { "tier.repeated", 0 },
		{ "tier.unlawful", 0 }, { "behaviour.physical", 1 }, { "behaviour.verbal", 1 },
		{ "behaviour.online", 1 }, { "behaviour.exclusion", 0 },
		{ "stage.primary", 2 }, { "stage.unknown", 0 },
		{ "place.in_school", 1 }, { "place.online", 1 }, { "place.outside", 0 },
		{ "prevention.sessions", 2 }, { "prevention.parent_sessions", 1 },
		{ "prevention.participants", 180 }, { "prevention.class_meetings", 1 },
		{ "prevention.screenings", 1 }, { "prevention.training", 2 },
		{ "prevention.training_tenths", 35 },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (fig(r, want[i].name) != want[i].want)
			fail_msg("%s: %lld, want %lld", want[i].name, fig(r, want[i].name),
			    want[i].want);
	json_decref(j);
	/* The same return by its id. */
	snprintf(p, sizeof p, "/api/v1/returns/%lld", (long long)id_a);
	j = call(&head_a, "GET", p, NULL, 200);
	assert_int_equal(fig(json_object_get(j, "return"), "cases.new"), 3);
	json_decref(j);
}

static void
test_zero_return(void **state)
{
	(void)state;
	char p[96];
	snprintf(p, sizeof p, "/api/v1/returns/%lld", (long long)id_zero);
	json_t *j = call(&head_a, "GET", p, NULL, 200);
	json_t *r = json_object_get(j, "return");
	assert_true(json_is_true(json_object_get(r, "zero")));
	assert_true(json_is_true(json_object_get(r, "needs_zero")));
	json_decref(j);
	int64_t before = fx_int("SELECT count(*) FROM audit_log");
	snprintf(p, sizeof p, "/api/v1/returns/%lld/submit", (long long)id_zero);
	j = call(&head_a, "POST", p, "{\"remarks\":\"本月无事件\"}", 400);
	assert_string_equal(sget(json_object_get(j, "error"), "code"), "returns_confirm_zero");
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log"), before);
	j = call(&head_a, "POST", p, "{\"confirm_zero\":true}", 200);
	r = json_object_get(j, "return");
	assert_string_equal(sget(r, "state"), "submitted");
	assert_true(json_is_true(json_object_get(r, "zero")));
	json_decref(j);
	char q[160];
	snprintf(q, sizeof q, "SELECT zero FROM monthly_returns WHERE id = %lld", (long long)id_zero);
	assert_int_equal(fx_int(q), 1);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'return.submit'"),
	    1);
}

static void
test_submit_freeze_send_back_accept(void **state)
{
	(void)state;
	char p[96], q[200];
	/* A teacher may read nothing; the principal submits. */
	snprintf(p, sizeof p, "/api/v1/returns/%lld/submit", (long long)id_a);
	json_decref(call(&teach_a, "POST", p, "{}", 404));
	json_t *j = call(&head_a, "POST", p, "{\"remarks\":\"已核对\"}", 200);
	json_t *r = json_object_get(j, "return");
	assert_string_equal(sget(r, "state"), "submitted");
	/* Three months back: always after the due date. */
	assert_true(json_is_true(json_object_get(r, "late")));
	assert_string_equal(sget(r, "remarks"), "已核对");
	json_decref(j);
	j = call(&head_a, "POST", p, "{}", 409);
	json_decref(j);
	/* Frozen: a case opened in the month afterwards changes nothing. */
	int64_t c5 = make_case(school_a);
	snprintf(q, sizeof q, "UPDATE cases SET opened_at = %lld WHERE id = %lld",
	    (long long)at(mon_y, mon_m, 25), (long long)c5);
	assert_int_equal(fx_sql(q), 0);
	snprintf(p, sizeof p, "/api/v1/returns/%lld", (long long)id_a);
	j = call(&office, "GET", p, NULL, 200);
	assert_int_equal(fig(json_object_get(j, "return"), "cases.new"), 3);
	assert_true(json_is_true(json_object_get(json_object_get(j, "return"), "can_review")));
	json_decref(j);
	/* Sending back needs a reason, and the office. */
	snprintf(p, sizeof p, "/api/v1/returns/%lld/send-back", (long long)id_a);
	j = call(&office, "POST", p, "{}", 400);
	json_decref(j);
	j = call(&office, "POST", p, "{\"reason\":\"\"}", 400);
	json_decref(j);
	j = call(&head_a, "POST", p, "{\"reason\":\"自己退回\"}", 403);
	json_decref(j);
	j = call(&office, "POST", p, "{\"reason\":\"新立案件数与台账不符，请核对。\"}", 200);
	assert_string_equal(sget(json_object_get(j, "return"), "state"), "sent_back");
	json_decref(j);
	/* The school is told, without the reason in the notice's words. */
	char nq[200];
	snprintf(nq, sizeof nq, "SELECT count(*) FROM notices WHERE kind = 'return.sent_back'"
	    " AND object_id = %lld AND unit_id = %lld AND link = '/returns/%lld'"
	    " AND instr(params, '台账') = 0", (long long)id_a, (long long)school_a, (long long)id_a);
	assert_int_equal(fx_int(nq), 1);
	snprintf(p, sizeof p, "/api/v1/returns/%lld", (long long)id_a);
	j = call(&head_a, "GET", p, NULL, 200);
	r = json_object_get(j, "return");
	assert_string_equal(sget(r, "reason"), "新立案件数与台账不符，请核对。");
	assert_true(json_is_true(json_object_get(r, "can_submit")));
	json_decref(j);
	/* Accepting a sent-back return is refused. */
	snprintf(p, sizeof p, "/api/v1/returns/%lld/accept", (long long)id_a);
	json_decref(call(&office, "POST", p, "{}", 409));
	/* Submitted again: frozen anew, with the fifth case; still late. */
	snprintf(p, sizeof p, "/api/v1/returns/%lld/submit", (long long)id_a);
	j = call(&head_a, "POST", p, "{\"remarks\":\"已更正\"}", 200);
	r = json_object_get(j, "return");
	assert_int_equal(fig(r, "cases.new"), 4);
	assert_int_equal(json_integer_value(json_object_get(r, "submissions")), 2);
	assert_true(json_is_true(json_object_get(r, "late")));
	json_decref(j);
	snprintf(p, sizeof p, "/api/v1/returns/%lld/accept", (long long)id_a);
	j = call(&head_a, "POST", p, "{}", 403);
	json_decref(j);
	j = call(&office, "POST", p, "{}", 200);
	assert_string_equal(sget(json_object_get(j, "return"), "state"), "accepted");
	json_t *h = json_object_get(json_object_get(j, "return"), "history");
	assert_int_equal(json_array_size(h), 4);
	json_decref(j);
	json_decref(call(&office, "POST", p, "{}", 409));
	snprintf(p, sizeof p, "/api/v1/returns/%lld/submit", (long long)id_a);
	json_decref(call(&head_a, "POST", p, "{}", 409));
	/* Each change has its audit record. */
	snprintf(q, sizeof q, "SELECT count(*) FROM audit_log WHERE object_type = 'monthly_return'"
	    " AND object_id = %lld", (long long)id_a);
	assert_int_equal(fx_int(q), 4);
}

static void
test_month_not_over(void **state)
{
	(void)state;
	char today[11], p[96];
	day_format(day_of((int64_t)time(NULL), ZONE), today);
	long long id = school_a * 1000000LL + (int)strtol(today, NULL, 10) * 100 +
	    ((today[5] - '0') * 10 + (today[6] - '0'));
	snprintf(p, sizeof p, "/api/v1/returns/%lld/submit", id);
	json_t *j = call(&head_a, "POST", p, "{\"confirm_zero\":true}", 400);
	assert_string_equal(sget(json_object_get(j, "error"), "code"), "returns_month_open");
	json_decref(j);
	/* A month in the future has no return at all. */
	snprintf(p, sizeof p, "/api/v1/returns/%lld", (long long)(school_a * 1000000LL + 999912));
	json_decref(call(&head_a, "GET", p, NULL, 404));
	snprintf(p, sizeof p, "/api/v1/returns?month=9999-12");
	json_decref(call(&head_a, "GET", p, NULL, 400));
	json_decref(call(&head_a, "GET", "/api/v1/returns?month=2026-13", NULL, 400));
}

static void
test_isolation(void **state)
{
	(void)state;
	static const char *const paths[][2] = {
		{ "GET", "" },
		{ "POST", "/submit" },
		{ "POST", "/accept" },
		{ "POST", "/send-back" },
	};
	int64_t before = fx_int("SELECT count(*) FROM audit_log");
	for (size_t i = 0; i < 4; i++) {
		char p1[96], p2[96];
		snprintf(p1, sizeof p1, "/api/v1/returns/%lld%s", (long long)id_a, paths[i][1]);
		/* A school that does not exist, the same month. */
		snprintf(p2, sizeof p2, "/api/v1/returns/%lld%s", (long long)(987654LL * 1000000LL +
		    mon_y * 100 + mon_m), paths[i][1]);
		const char *body = i == 0 ? NULL : "{\"reason\":\"xx\",\"confirm_zero\":true}";
		char *b1 = NULL, *b2 = NULL;
		long s1 = status_body(&head_b, paths[i][0], p1, body, &b1);
		long s2 = status_body(&head_b, paths[i][0], p2, body, &b2);
		if (s1 != 404 || s2 != 404 || strcmp(b1, b2) != 0)
			fail_msg("%s: %ld %s / missing: %ld %s", p1, s1, b1, s2, b2);
		free(b1);
		free(b2);
	}
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log"), before);
	/* B's list holds B alone. */
	char p[96];
	snprintf(p, sizeof p, "/api/v1/returns?month=%s", month);
	char *body = NULL;
	assert_int_equal(status_body(&head_b, "GET", p, NULL, &body), 200);
	assert_null(strstr(body, "甲镇中心小学"));
	assert_non_null(strstr(body, "乙镇第一中学"));
	free(body);
	/* The exports are the office's. */
	snprintf(p, sizeof p, "/api/v1/returns/export.csv?month=%s", month);
	assert_int_equal(status_body(&head_a, "GET", p, NULL, NULL), 404);
}

/* The late and the missing by township, and the notice to the missing
 * school, once. */
static void
test_late_and_missing(void **state)
{
	(void)state;
	char p[96];
	snprintf(p, sizeof p, "/api/v1/returns?month=%s", month);
	json_t *j = call(&office, "GET", p, NULL, 200);
	assert_string_equal(sget(j, "mode"), "bureau");
	assert_true(json_is_true(json_object_get(j, "due_passed")));
	json_t *late = json_object_get(j, "late"), *miss = json_object_get(j, "missing");
	assert_int_equal(json_array_size(late), 1);
	assert_string_equal(sget(json_array_get(late, 0), "township"), "甲镇");
	json_t *ls = json_object_get(json_array_get(late, 0), "schools");
	assert_int_equal(json_array_size(ls), 1);
	assert_string_equal(sget(json_array_get(ls, 0), "name"), "甲镇中心小学");
	assert_int_equal(json_array_size(miss), 1);
	assert_string_equal(sget(json_array_get(miss, 0), "township"), "乙镇");
	assert_int_equal(json_array_size(json_object_get(json_array_get(miss, 0), "schools")),
	    2);
	/* The city counts the accepted return. */
	json_t *city = json_object_get(j, "city");
	assert_int_equal(json_integer_value(json_object_get(city, "counted")), 1);
	assert_int_equal(json_integer_value(json_object_get(city, "missing")), 2);
	assert_int_equal(fig(city, "cases.new"), 4);
	/* The trend ends with this month. */
	json_t *trend = json_object_get(j, "trend");
	assert_int_equal(json_array_size(trend), 12);
	assert_string_equal(sget(json_array_get(trend, 11), "month"), month);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(trend, 11), "new")), 4);
	assert_string_equal(sget(json_array_get(trend, 10), "month"), zmonth);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(trend, 10),
	    "reported")), 1);
	json_decref(j);
	/* The office's look told each missing school once. */
	char q[200];
	snprintf(q, sizeof q, "SELECT count(*) FROM notices WHERE kind = 'return.late'"
	    " AND object_id = %lld", (long long)id_b);
	int64_t n = 0;
	for (int i = 0; i < 50 && (n = fx_int(q)) == 0; i++)
		usleep(100000);
	assert_int_equal(n, 1);
	json_decref(call(&office, "GET", p, NULL, 200));
	usleep(300000);
	assert_int_equal(fx_int(q), 1);
	assert_int_equal(fx_int("SELECT count(*) FROM notices WHERE kind = 'return.late'"), 2);
	/* A school sees its own return as missing. */
	snprintf(p, sizeof p, "/api/v1/returns/%lld", (long long)id_b);
	j = call(&head_b, "GET", p, NULL, 200);
	assert_true(json_is_true(json_object_get(json_object_get(j, "return"), "missing")));
	json_decref(j);
}

/* ------------------------------------------------------------------ */
/* The xlsx, read back. */

static char *
zip_entry(unzFile z, const char *name)
{
	if (unzLocateFile(z, name, 0) != UNZ_OK || unzOpenCurrentFile(z) != UNZ_OK)
		return NULL;
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	int n;
	while (out != NULL && (n = unzReadCurrentFile(z, out + len, (unsigned)(cap - len - 1))) > 0) {
		len += (size_t)n;
		if (cap - len < 2) {
			char *o2 = realloc(out, cap * 2);
			if (o2 == NULL) {
				free(out);
				out = NULL;
				break;
			}
			out = o2;
			cap *= 2;
		}
	}
	unzCloseCurrentFile(z);
	if (out != NULL)
		out[len] = '\0';
	return out;
}

/* The shared strings, in order. */
static size_t
shared_strings(const char *xml, char ***out)
{
	size_t n = 0, cap = 0;
	char **list = NULL;
	for (const char *p = xml; (p = strstr(p, "<t")) != NULL;) {
		p = strchr(p, '>');
		if (p == NULL)
			break;
		p++;
		const char *e = strstr(p, "</t>");
		if (e == NULL)
			break;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			list = realloc(list, cap * sizeof *list);
			assert_non_null(list);
		}
		list[n++] = strndup(p, (size_t)(e - p));
		p = e;
	}
	*out = list;
	return n;
}

/* The text of cell ref (e.g. "B2") of a sheet: a shared string's text,
 * or a number's digits; NULL when there is no such cell. *is_num says
 * which. Into buf. */
static const char *
cell(const char *sheet, const char *ref, char **ss, size_t nss, int *is_num, char *buf,
    size_t len)
{
	char pat[32];
	snprintf(pat, sizeof pat, "<c r=\"%s\"", ref);
	const char *c = strstr(sheet, pat);
	if (c == NULL)
		return NULL;
	const char *end = strstr(c, "</c>");
	const char *v = strstr(c, "<v>");
	if (v == NULL || end == NULL || v > end)
		return NULL;
	v += 3;
	const char *ve = strstr(v, "</v>");
	size_t k = (size_t)(ve - v);
	const char *t = strstr(c, " t=\"s\"");
	int shared = t != NULL && t < strchr(c, '>');
	*is_num = !shared;
	snprintf(buf, len, "%.*s", (int)k, v);
	if (shared) {
		size_t i = (size_t)strtoul(buf, NULL, 10);
		return i < nss ? ss[i] : NULL;
	}
	return buf;
}

static void
test_xlsx(void **state)
{
	(void)state;
	char p[96];
	snprintf(p, sizeof p, "/api/v1/returns/export.xlsx?month=%s", month);
	struct resp r;
	assert_int_equal(fx_req(&S, &office, "GET", p, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	const char *ct = resp_header(&r, "Content-Type");
	assert_non_null(ct);
	assert_non_null(strstr(ct, "spreadsheetml"));
	char path[] = "/tmp/xiaoan-test-returns-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, r.body, r.len), (ssize_t)r.len);
	close(fd);
	resp_free(&r);
	unzFile z = unzOpen(path);
	assert_non_null(z);
	char *wbx = zip_entry(z, "xl/workbook.xml");
	char *ssx = zip_entry(z, "xl/sharedStrings.xml");
	char *sum = zip_entry(z, "xl/worksheets/sheet1.xml");
	char *s2 = zip_entry(z, "xl/worksheets/sheet2.xml");
	char *s3 = zip_entry(z, "xl/worksheets/sheet3.xml");
	unzClose(z);
	unlink(path);
	assert_non_null(wbx);
	assert_non_null(ssx);
	assert_non_null(sum);
	assert_non_null(s2);
	assert_non_null(s3);
	/* A summary and one sheet per township. */
	assert_non_null(strstr(wbx, "name=\"汇总\""));
	assert_non_null(strstr(wbx, "name=\"甲镇\""));
	assert_non_null(strstr(wbx, "name=\"乙镇\""));
	char **ss = NULL;
	size_t nss = shared_strings(ssx, &ss);
	char b[64];
	int isnum = 0;
	const char *v;
	/* Summary: headings in Chinese, 甲镇's row, numbers as numbers. */
	v = cell(sum, "A3", ss, nss, &isnum, b, sizeof b);
	assert_non_null(v);
	assert_string_equal(v, "乡镇（街道）");
	v = cell(sum, "H3", ss, nss, &isnum, b, sizeof b);
	assert_non_null(v);
	assert_string_equal(v, "新立案件");
	v = cell(sum, "A4", ss, nss, &isnum, b, sizeof b);
	assert_non_null(v);
	assert_string_equal(v, "甲镇");
	v = cell(sum, "C4", ss, nss, &isnum, b, sizeof b);	/* submitted */
	assert_non_null(v);
	assert_true(isnum);
	assert_string_equal(v, "1");
	v = cell(sum, "H4", ss, nss, &isnum, b, sizeof b);	/* cases.new */
	assert_non_null(v);
	assert_true(isnum);
	assert_string_equal(v, "4");
	v = cell(sum, "G5", ss, nss, &isnum, b, sizeof b);	/* 乙镇 missing */
	assert_non_null(v);
	assert_string_equal(v, "2");
	v = cell(sum, "A6", ss, nss, &isnum, b, sizeof b);
	assert_non_null(v);
	assert_string_equal(v, "全市合计");
	/* 甲镇's sheet: the school, its state, its figures. */
	v = cell(s2, "A2", ss, nss, &isnum, b, sizeof b);
	assert_non_null(v);
	assert_string_equal(v, "甲镇中心小学");
	v = cell(s2, "B2", ss, nss, &isnum, b, sizeof b);
	assert_non_null(v);
	assert_string_equal(v, "已审核通过");
	v = cell(s2, "E2", ss, nss, &isnum, b, sizeof b);
	assert_non_null(v);
	assert_true(isnum);
	assert_string_equal(v, "4");
	/* Training hours as hours: 3.5. */
	char ref[8];
	int col = 4 + 34;	/* RF_TRAINING_TENTHS */
	snprintf(ref, sizeof ref, "%c%c2", 'A' + col / 26 - 1, 'A' + col % 26);
	v = cell(s2, ref, ss, nss, &isnum, b, sizeof b);
	assert_non_null(v);
	assert_string_equal(v, "3.5");
	/* 乙镇's sheet: the missing schools, with no figures. */
	assert_null(cell(s3, "E2", ss, nss, &isnum, b, sizeof b));
	v = cell(s3, "B2", ss, nss, &isnum, b, sizeof b);
	assert_non_null(v);
	assert_string_equal(v, "逾期未报");
	for (size_t i = 0; i < nss; i++)
		free(ss[i]);
	free(ss);
	free(wbx);
	free(ssx);
	free(sum);
	free(s2);
	free(s3);
}

static void
test_csv(void **state)
{
	(void)state;
	char p[96];
	snprintf(p, sizeof p, "/api/v1/returns/export.csv?month=%s", month);
	struct resp r;
	assert_int_equal(fx_req(&S, &office, "GET", p, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_true(r.len > 3);
	assert_memory_equal(r.body, "\xEF\xBB\xBF", 3);
	assert_non_null(strstr(r.body, "新立案件"));
	assert_non_null(strstr(r.body, "甲镇中心小学"));
	/* The school named like a formula is text, never a formula. */
	assert_non_null(strstr(r.body, "'=HYPERLINK"));
	assert_null(strstr(r.body, ",=HYPERLINK"));
	assert_null(strstr(r.body, ",\"=HYPERLINK"));
	resp_free(&r);
}

/* The pages, as a phone's browser reaches them. */
static void
test_pages(void **state)
{
	(void)state;
	char p[96];
	struct resp r;
	snprintf(p, sizeof p, "/returns/%lld", (long long)id_zero);
	assert_int_equal(fx_req_cookie(&S, &head_a, "GET", p, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "零报告"));
	resp_free(&r);
	snprintf(p, sizeof p, "/returns?month=%s", month);
	assert_int_equal(fx_req_cookie(&S, &office, "GET", p, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "逾期未报学校"));
	assert_non_null(strstr(r.body, "乙镇第一中学"));
	resp_free(&r);
	/* The send-back form without a reason: the page again, saying so. */
	snprintf(p, sizeof p, "/returns/%lld/send-back", (long long)id_zero);
	char form[128];
	snprintf(form, sizeof form, "reason=&_csrf=%s", office.csrf);
	assert_int_equal(fx_req_cookie(&S, &office, "POST", p,
	    "application/x-www-form-urlencoded", form, 1, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "退回月报必须写明原因"));
	resp_free(&r);
	snprintf(form, sizeof form, "_csrf=%s", office.csrf);
	snprintf(p, sizeof p, "/returns/%lld/accept", (long long)id_zero);
	assert_int_equal(fx_req_cookie(&S, &office, "POST", p,
	    "application/x-www-form-urlencoded", form, 1, &r), 0);
	assert_int_equal(r.status, 303);
	resp_free(&r);
}

/* n copies of the three-byte character c, in a malloc'd string. */
static char *
repeat_cjk(const char *c, size_t n)
{
	char *s = malloc(n * 3 + 1);
	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * 3, c, 3);
	s[n * 3] = '\0';
	return s;
}

/* The id of school's return for the month delta months from the
 * fixture's (negative: back). */
static int64_t
rid(int64_t school, int delta)
{
	int k = mon_y * 12 + (mon_m - 1) + delta;
	return school * 1000000 + (int64_t)(k / 12) * 100 + k % 12 + 1;
}

/* A school and its township named with 60 Chinese characters (180
 * bytes, more than the buffers once held): its pages, its submission,
 * the office's lists, the exports and the late notice hold the name
 * whole. */
static void
test_long_names(void **state)
{
	(void)state;
	char *sname = repeat_cjk("校", 60), *tname = repeat_cjk("镇", 60);
	int64_t town = fx_unit(1, "township", tname, NULL);
	int64_t sch = fx_unit(town, "school", sname, "primary");
	assert_true(town > 0 && sch > 0);
	sql("UPDATE units SET township_id = %lld WHERE id = %lld", (long long)town,
	    (long long)sch);
	struct session prin;
	assert_true(fx_account(sch, "r-head-long", PW, ROLE_BIT(ROLE_PRINCIPAL)) > 0);
	assert_int_equal(fx_signin(&S, "r-head-long", PW, &prin), 0);
	int64_t id = rid(sch, 0);
	char p[128];
	/* The school's month and its return. */
	snprintf(p, sizeof p, "/api/v1/returns?month=%s", month);
	json_t *j = call(&prin, "GET", p, NULL, 200);
	json_t *r = json_object_get(j, "return");
	assert_string_equal(sget(r, "school"), sname);
	assert_string_equal(sget(r, "township"), tname);
	json_decref(j);
	snprintf(p, sizeof p, "/api/v1/returns/%lld/submit", (long long)id);
	j = call(&prin, "POST", p, "{\"confirm_zero\":true,\"remarks\":\"无\"}", 200);
	assert_string_equal(sget(json_object_get(j, "return"), "school"), sname);
	json_decref(j);
	struct resp rs;
	snprintf(p, sizeof p, "/returns/%lld", (long long)id);
	assert_int_equal(fx_req_cookie(&S, &prin, "GET", p, NULL, NULL, 0, &rs), 0);
	assert_int_equal(rs.status, 200);
	assert_non_null(strstr(rs.body, sname));
	resp_free(&rs);
	/* The office's month: the school in its township, by name. */
	snprintf(p, sizeof p, "/api/v1/returns?month=%s", month);
	j = call(&office, "GET", p, NULL, 200);
	json_t *o = NULL, *x;
	size_t i;
	json_array_foreach(json_object_get(j, "schools"), i, x)
		if (json_integer_value(json_object_get(x, "school_id")) == sch)
			o = x;
	assert_non_null(o);
	assert_string_equal(sget(o, "school"), sname);
	assert_string_equal(sget(o, "township"), tname);
	o = NULL;
	json_array_foreach(json_object_get(j, "townships"), i, x)
		if (json_integer_value(json_object_get(x, "id")) == town)
			o = x;
	assert_non_null(o);
	assert_string_equal(sget(o, "name"), tname);
	json_decref(j);
	assert_int_equal(fx_req_cookie(&S, &office, "GET", p + 7, NULL, NULL, 0, &rs), 0);
	assert_int_equal(rs.status, 200);
	assert_non_null(strstr(rs.body, sname));
	resp_free(&rs);
	/* The exports. */
	snprintf(p, sizeof p, "/api/v1/returns/export.csv?month=%s", month);
	assert_int_equal(fx_req(&S, &office, "GET", p, NULL, &rs), 0);
	assert_int_equal(rs.status, 200);
	assert_non_null(strstr(rs.body, sname));
	assert_non_null(strstr(rs.body, tname));
	resp_free(&rs);
	snprintf(p, sizeof p, "/api/v1/returns/export.xlsx?month=%s", month);
	assert_int_equal(fx_req(&S, &office, "GET", p, NULL, &rs), 0);
	assert_int_equal(rs.status, 200);
	resp_free(&rs);
	/* The month before, missing: the office's look tells the school,
	 * with its whole name. */
	char zm[16];
	snprintf(zm, sizeof zm, "%s", zmonth);
	snprintf(p, sizeof p, "/api/v1/returns?month=%s", zm);
	json_decref(call(&office, "GET", p, NULL, 200));
	char q[1024];
	snprintf(q, sizeof q, "SELECT count(*) FROM notices WHERE kind = 'return.late' AND"
	    " object_id = %lld AND instr(params, '%s') > 0", (long long)rid(sch, -1), sname);
	int64_t told = 0;
	for (int k = 0; k < 100 && told == 0; k++) {
		told = fx_int(q);
		if (told == 0)
			usleep(20000);
	}
	assert_int_equal(told, 1);
	free(sname);
	free(tname);
}

/* No return before the floor (RET_MONTHS_BACK months back) nor of a
 * school no longer active: 404 for what was never stored, a refusal for
 * what was; the store refuses the same. */
static void
test_floor_and_inactive(void **state)
{
	(void)state;
	char p[128], today[11];
	day_format(day_of((int64_t)time(NULL), ZONE), today);
	int cy = (int)strtol(today, NULL, 10), cm = (today[5] - '0') * 10 + (today[6] - '0');
	int k = cy * 12 + cm - 1 - RET_MONTHS_BACK;
	int64_t at_floor = school_a * 1000000 + (int64_t)(k / 12) * 100 + k % 12 + 1;
	k--;
	int64_t before = school_a * 1000000 + (int64_t)(k / 12) * 100 + k % 12 + 1;
	int64_t audits = fx_int("SELECT count(*) FROM audit_log");
	/* The floor's month is a draft like any; the month before is none. */
	snprintf(p, sizeof p, "/api/v1/returns/%lld", (long long)at_floor);
	json_decref(call(&head_a, "GET", p, NULL, 200));
	snprintf(p, sizeof p, "/api/v1/returns/%lld", (long long)before);
	json_decref(call(&head_a, "GET", p, NULL, 404));
	json_decref(call(&office, "GET", p, NULL, 404));
	snprintf(p, sizeof p, "/api/v1/returns/%lld/submit", (long long)before);
	json_decref(call(&head_a, "POST", p, "{\"confirm_zero\":true}", 404));
	snprintf(p, sizeof p, "/api/v1/returns/%lld/submit", (long long)(school_a * 1000000LL +
	    200001));
	json_decref(call(&head_a, "POST", p, "{\"confirm_zero\":true}", 404));
	/* One stored and sent back before the floor: readable, but not to
	 * be submitted again. */
	sql("INSERT INTO monthly_returns (id, unit_id, month, state, zero, remarks, due_on, late,"
	    " submissions, first_submitted_at, submitted_at, created_at, updated_at) VALUES"
	    " (%lld, %lld, '%04d-%02d', 'sent_back', 1, '', '2000-01-05', 0, 1, 1, 1, 1, 1)",
	    (long long)before, (long long)school_a, k / 12, k % 12 + 1);
	snprintf(p, sizeof p, "/api/v1/returns/%lld", (long long)before);
	json_decref(call(&head_a, "GET", p, NULL, 200));
	snprintf(p, sizeof p, "/api/v1/returns/%lld/submit", (long long)before);
	json_t *j = call(&head_a, "POST", p, "{\"confirm_zero\":true}", 400);
	assert_string_equal(sget(json_object_get(j, "error"), "code"), "returns_month_floor");
	json_decref(j);
	char q[160];
	snprintf(q, sizeof q, "SELECT count(*) FROM monthly_returns WHERE id = %lld AND"
	    " state = 'sent_back'", (long long)before);
	assert_int_equal(fx_int(q), 1);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log"), audits);
	/* A school deactivated: its drafts are gone, nothing is submitted. */
	int64_t sch = fx_unit(town_a, "school", "甲镇停办小学", "primary");
	assert_true(sch > 0);
	sql("UPDATE units SET township_id = %lld WHERE id = %lld", (long long)town_a,
	    (long long)sch);
	struct session prin;
	assert_true(fx_account(sch, "r-head-closed", PW, ROLE_BIT(ROLE_PRINCIPAL)) > 0);
	assert_int_equal(fx_signin(&S, "r-head-closed", PW, &prin), 0);
	snprintf(p, sizeof p, "/api/v1/returns/%lld", (long long)rid(sch, 0));
	json_decref(call(&prin, "GET", p, NULL, 200));
	sql("UPDATE units SET active = 0 WHERE id = %lld", (long long)sch);
	audits = fx_int("SELECT count(*) FROM audit_log");
	json_decref(call(&prin, "GET", p, NULL, 404));
	json_decref(call(&office, "GET", p, NULL, 404));
	snprintf(p, sizeof p, "/api/v1/returns/%lld/submit", (long long)rid(sch, 0));
	json_decref(call(&prin, "POST", p, "{\"confirm_zero\":true}", 404));
	/* Its return sent back before it closed stays readable, and is
	 * not submitted again. */
	sql("INSERT INTO monthly_returns (id, unit_id, month, state, zero, remarks, due_on, late,"
	    " submissions, first_submitted_at, submitted_at, created_at, updated_at) VALUES"
	    " (%lld, %lld, '%s', 'sent_back', 1, '', '2000-01-05', 0, 1, 1, 1, 1, 1)",
	    (long long)rid(sch, -1), (long long)sch, zmonth);
	snprintf(p, sizeof p, "/api/v1/returns/%lld", (long long)rid(sch, -1));
	json_decref(call(&office, "GET", p, NULL, 200));
	snprintf(p, sizeof p, "/api/v1/returns/%lld/submit", (long long)rid(sch, -1));
	json_decref(call(&prin, "POST", p, "{\"confirm_zero\":true}", 404));
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log"), audits);
	/* The store itself: the same two refusals. */
	db *c = fx_conn();
	ret_month m = { mon_y, mon_m }, old = { k / 12, k % 12 + 1 };
	int64_t now = (int64_t)time(NULL);
	assert_int_equal(db_begin(c), XA_OK);
	assert_int_equal(return_submit(c, sch, &m, "", true, 5, ZONE, 0, now, NULL), XA_ENOTFOUND);
	assert_int_equal(return_submit(c, school_b, &old, "", true, 5, ZONE, 0, now, NULL),
	    XA_EINVAL);
	assert_int_equal(db_rollback(c), XA_OK);
}

/* The exports write times in the zone they are given (the bureau's
 * configured one), not a fixed UTC+8. */
static void
test_export_zone(void **state)
{
	(void)state;
	return_school s;
	memset(&s, 0, sizeof s);
	s.unit_id = 1;
	snprintf(s.name, sizeof s.name, "一校");
	s.state = RS_SUBMITTED;
	s.counted = true;
	s.submitted_at = at(2026, 3, 4);	/* noon in UTC+8: 04:00 UTC */
	ret_month m = { 2026, 2 };
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(returns_csv("zh", &m, &s, 1, 0, &data, &len), XA_OK);
	assert_non_null(strstr(data, "2026-03-04 04:00"));
	assert_null(strstr(data, "2026-03-04 12:00"));
	free(data);
	assert_int_equal(returns_csv("zh", &m, &s, 1, ZONE, &data, &len), XA_OK);
	assert_non_null(strstr(data, "2026-03-04 12:00"));
	free(data);
	/* The xlsx: its shared strings hold the time as text. */
	const char *tmp = getenv("TMPDIR");
	assert_int_equal(returns_xlsx("zh", &m, 0, &s, 1, 0, tmp && *tmp ? tmp : "/tmp", &data,
	    &len), XA_OK);
	char path[] = "/tmp/xiaoan-test-zone-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	free(data);
	unzFile z = unzOpen(path);
	assert_non_null(z);
	char *ssx = zip_entry(z, "xl/sharedStrings.xml");
	unzClose(z);
	unlink(path);
	assert_non_null(ssx);
	assert_non_null(strstr(ssx, "2026-03-04 04:00"));
	free(ssx);
}

/* The scheduler's reminders (returns_remind), called as the scheduler's
 * writer job would: nothing before the reminder window; in it, one
 * return.due to each active school that has submitted nothing, once
 * however often it runs; after the due day no second return.late for a
 * school the office's first look already told. */
static void
test_reminders(void **state)
{
	(void)state;
	config c;
	config_defaults(&c);
	ret_month m = { mon_y, mon_m };
	xa_day due = return_due(&m, 5);
	db *conn = fx_conn();
	size_t done = 99;
	/* The first of the next month, four days before the due day: the
	 * month's return is not yet being reminded of. */
	assert_int_equal(returns_remind(conn, &c, day_start(due - 4, ZONE) + 43200, &done), XA_OK);
	assert_int_equal(done, 0);
	assert_int_equal(fx_int("SELECT count(*) FROM notices WHERE kind = 'return.due'"), 0);
	/* The day before: school B and C have submitted nothing; A has. */
	int64_t now = day_start(due - 1, ZONE) + 43200;
	assert_int_equal(db_begin(conn), XA_OK);
	assert_int_equal(returns_remind(conn, &c, now, &done), XA_OK);
	assert_int_equal(db_commit(conn), XA_OK);
	assert_true(done >= 2);
	char q[256];
	snprintf(q, sizeof q, "SELECT count(*) FROM notices WHERE kind = 'return.due' AND"
	    " object_id IN (%lld, %lld)", (long long)(school_b * 1000000 + mon_y * 100 + mon_m),
	    (long long)(school_c * 1000000 + mon_y * 100 + mon_m));
	assert_int_equal(fx_int(q), 2);
	snprintf(q, sizeof q, "SELECT count(*) FROM notices WHERE kind = 'return.due' AND"
	    " object_id = %lld", (long long)id_a);
	assert_int_equal(fx_int(q), 0);
	/* Again: nobody is told twice. */
	assert_int_equal(db_begin(conn), XA_OK);
	assert_int_equal(returns_remind(conn, &c, now + 60, &done), XA_OK);
	assert_int_equal(db_commit(conn), XA_OK);
	assert_int_equal(done, 0);
	/* After the due day: B and C were told it was late by the office's
	 * first look (test_late_and_missing), so not again. */
	snprintf(q, sizeof q, "SELECT count(*) FROM notices WHERE kind = 'return.late' AND"
	    " object_id IN (%lld, %lld)", (long long)(school_b * 1000000 + mon_y * 100 + mon_m),
	    (long long)(school_c * 1000000 + mon_y * 100 + mon_m));
	int64_t late = fx_int(q);
	assert_int_equal(late, 2);
	assert_int_equal(db_begin(conn), XA_OK);
	assert_int_equal(returns_remind(conn, &c, day_start(due + 2, ZONE) + 43200, &done),
	    XA_OK);
	assert_int_equal(db_commit(conn), XA_OK);
	assert_int_equal(fx_int(q), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_draft_counts),
		cmocka_unit_test(test_zero_return),
		cmocka_unit_test(test_submit_freeze_send_back_accept),
		cmocka_unit_test(test_month_not_over),
		cmocka_unit_test(test_isolation),
		cmocka_unit_test(test_late_and_missing),
		cmocka_unit_test(test_reminders),
		cmocka_unit_test(test_xlsx),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_floor_and_inactive),
		cmocka_unit_test(test_export_zone),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
