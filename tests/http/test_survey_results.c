/* test_survey_results.c: the survey's results and early warnings over HTTP
 * (src/prevention/results_http.c) against the real server: a school's
 * principal sees its own school, grades and classes and nothing of
 * another school or the township (404, like a missing one); the bureau
 * sees the city, its townships and any school; a small class and its
 * complement carry no number in the JSON or on the page; the change since
 * last semester; warnings raised from fixture counts of known prevalence
 * (and raised once however often asked), listed per reach, acknowledged,
 * acted on and closed in order with an audit record each, and another
 * school's warning answers 404; then a city of 300 schools × 20 classes,
 * whose results endpoint is timed (printed: the first read, which builds
 * the aggregate, and p50/p99 of 400 reads). */
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

#include "auth/auth.h"
#include "fixture.h"
#include "harness.h"

#define PW "Fixture-Pass-123"
#define LL(x) ((long long)(x))

static struct srv S;
static struct session director, head_a, head_b, teacher_a;
static int64_t town1, town2, school_a, school_b, school_c;
static int64_t cls[8];		/* A1 A2 A3 A4 B1 C1 */
static int64_t prev_id, cur_id;

static int qsql(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int
qsql(const char *fmt, ...)
{
	char sql[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof sql)
		return -1;
	return fx_sql(sql);
}

static int64_t qint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int64_t
qint(const char *fmt, ...)
{
	char sql[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof sql);
	return fx_int(sql);
}

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
status_of(const struct session *s, const char *method, const char *path, const char *json)
{
	struct resp r;
	assert_int_equal(fx_req(&S, s, method, path, json, &r), 0);
	long st = r.status;
	resp_free(&r);
	return st;
}

/* A class's counts: n respondents (boys m), v bullied (boys vm), b
 * bullied others, and one verbal form per victim. */
static int
counts(int64_t campaign, int64_t class_id, int64_t unit, int n, int m, int v, int vm, int b)
{
	return qsql("INSERT INTO survey_counts (campaign_id, class_id, unit_id, measure, n)"
	    " VALUES (%lld,%lld,%lld,'responses',%d), (%lld,%lld,%lld,'responses.m',%d),"
	    " (%lld,%lld,%lld,'responses.f',%d), (%lld,%lld,%lld,'victim',%d),"
	    " (%lld,%lld,%lld,'victim.m',%d), (%lld,%lld,%lld,'victim.f',%d),"
	    " (%lld,%lld,%lld,'bully',%d), (%lld,%lld,%lld,'bully.m',0),"
	    " (%lld,%lld,%lld,'bully.f',%d), (%lld,%lld,%lld,'form.verbal',%d)",
	    LL(campaign), LL(class_id), LL(unit), n, LL(campaign), LL(class_id), LL(unit), m,
	    LL(campaign), LL(class_id), LL(unit), n - m, LL(campaign), LL(class_id), LL(unit), v,
	    LL(campaign), LL(class_id), LL(unit), vm, LL(campaign), LL(class_id), LL(unit), v - vm,
	    LL(campaign), LL(class_id), LL(unit), b, LL(campaign), LL(class_id), LL(unit),
	    LL(campaign), LL(class_id), LL(unit), b, LL(campaign), LL(class_id), LL(unit), v);
}

static int64_t
add_class(int64_t school, int grade, const char *name, int boys, int girls)
{
	if (qsql("INSERT INTO classes (unit_id, grade, name, boys, girls) VALUES"
	    " (%lld, %d, '%s', %d, %d)", LL(school), grade, name, boys, girls) != 0)
		return -1;
	return qint("SELECT max(id) FROM classes");
}

static int64_t
add_campaign(const char *semester, const char *state)
{
	if (qsql("INSERT INTO survey_campaigns (unit_id, name, semester, state, primary_body,"
	    " secondary_body, opened_at) VALUES (1, '全市学生欺凌问卷 %s', '%s', '%s', '{}', '{}',"
	    " 1700000000)", semester, semester, state) != 0)
		return -1;
	int64_t id = qint("SELECT max(id) FROM survey_campaigns");
	if (qsql("INSERT INTO survey_campaign_schools (campaign_id, unit_id) VALUES"
	    " (%lld, %lld), (%lld, %lld), (%lld, %lld)", LL(id), LL(school_a), LL(id),
	    LL(school_b), LL(id), LL(school_c)) != 0)
		return -1;
	/* The classes it keeps, as opening it does (survey_freeze_classes). */
	if (qsql("INSERT INTO survey_campaign_classes (campaign_id, class_id, unit_id, grade,"
	    " name, boys, girls) SELECT %lld, c.id, c.unit_id, c.grade, c.name, c.boys, c.girls"
	    " FROM classes c JOIN survey_campaign_schools s ON s.unit_id = c.unit_id AND"
	    " s.campaign_id = %lld WHERE c.grade >= 3", LL(id), LL(id)) != 0)
		return -1;
	return id;
}

static int
setup(void **state)
{
	(void)state;
	memset(&S, 0, sizeof S);
	if (srv_start(&S, NULL) != 0 || fx_setup(&S) != 0)
		return -1;
	int64_t off = fx_unit(1, "office", "办公室", NULL);
	town1 = fx_unit(1, "township", "城关镇", NULL);
	town2 = fx_unit(1, "township", "河口镇", NULL);
	school_a = fx_unit(town1, "school", "城关一小", "primary");
	school_b = fx_unit(town1, "school", "城关二小", "primary");
	school_c = fx_unit(town2, "school", "河口中学", "junior");
	if (off < 0 || town1 < 0 || town2 < 0 || school_a < 0 || school_b < 0 || school_c < 0)
		return -1;
	if (fx_account(off, "sr_director", PW, ROLE_BIT(ROLE_OFFICE_DIRECTOR)) < 0 ||
	    fx_account(school_a, "sr_head_a", PW, ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(school_b, "sr_head_b", PW, ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(school_a, "sr_teacher_a", PW, ROLE_BIT(ROLE_TEACHER)) < 0)
		return -1;
	cls[0] = add_class(school_a, 3, "三年级一班", 15, 15);
	cls[1] = add_class(school_a, 3, "三年级二班", 15, 15);
	cls[2] = add_class(school_a, 3, "三年级三班", 15, 15);
	cls[3] = add_class(school_a, 4, "四年级一班", 15, 15);
	cls[4] = add_class(school_b, 3, "三年级一班", 20, 20);
	cls[5] = add_class(school_c, 7, "七年级一班", 20, 20);
	prev_id = add_campaign("2025-2026-1", "closed");
	cur_id = add_campaign("2025-2026-2", "closed");
	if (prev_id < 0 || cur_id < 0)
		return -1;
	/* Last semester: A1 3 of 30 (10%), A2 2 of 28, A3 0 of 4, A4 2 of 25:
	 * school A 7 of 87 (8.0%); B1 4 of 40; C1 7 of 35 (20%). This
	 * semester: A1 9 of 30 (30%: high, and +20 points), A2 2 of 28, A3 3 of
	 * 4 (75%, but hidden), A4 2 of 25: school A 16 of 87 (18.4%, +10.3:
	 * a rise); B1 4 of 40; C1 7 of 35 (20%: high, class and school). */
	int rc = 0;
	rc |= counts(prev_id, cls[0], school_a, 30, 15, 3, 1, 1);
	rc |= counts(prev_id, cls[1], school_a, 28, 14, 2, 1, 0);
	rc |= counts(prev_id, cls[2], school_a, 4, 2, 0, 0, 0);
	rc |= counts(prev_id, cls[3], school_a, 25, 12, 2, 1, 0);
	rc |= counts(prev_id, cls[4], school_b, 40, 20, 4, 2, 1);
	rc |= counts(prev_id, cls[5], school_c, 35, 17, 7, 3, 2);
	rc |= counts(cur_id, cls[0], school_a, 30, 15, 9, 4, 2);
	rc |= counts(cur_id, cls[1], school_a, 28, 14, 2, 1, 0);
	rc |= counts(cur_id, cls[2], school_a, 4, 2, 3, 1, 0);
	rc |= counts(cur_id, cls[3], school_a, 25, 12, 2, 1, 0);
	rc |= counts(cur_id, cls[4], school_b, 40, 20, 4, 2, 1);
	rc |= counts(cur_id, cls[5], school_c, 35, 17, 7, 3, 2);
	if (rc != 0)
		return -1;
	return fx_signin(&S, "sr_director", PW, &director) ||
	    fx_signin(&S, "sr_head_a", PW, &head_a) ||
	    fx_signin(&S, "sr_head_b", PW, &head_b) ||
	    fx_signin(&S, "sr_teacher_a", PW, &teacher_a);
}

static int
teardown(void **state)
{
	(void)state;
	fx_done();
	int rc = srv_stop(&S);
	srv_cleanup(&S);
	return rc;
}

/* The row of rows (an array) whose id is id. */
static json_t *
row_of(json_t *rows, int64_t id)
{
	size_t i;
	json_t *it;
	json_array_foreach(rows, i, it)
		if (json_integer_value(json_object_get(it, "id")) == id)
			return it;
	fail_msg("no row %lld", LL(id));
	return NULL;
}

static int64_t
ival(json_t *o, const char *path1, const char *path2)
{
	json_t *x = json_object_get(o, path1);
	if (path2 != NULL)
		x = json_object_get(x, path2);
	assert_non_null(x);
	return json_integer_value(x);
}

/* --- Scoping and suppression. */

static void
test_school_sees_its_own(void **state)
{
	(void)state;
	char path[160];
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/results", LL(cur_id));
	json_t *j = call(&head_a, "GET", path, NULL, 200);
	assert_string_equal(json_string_value(json_object_get(j, "level")), "school");
	json_t *tot = json_object_get(j, "totals");
	assert_int_equal(ival(tot, "id", NULL), school_a);
	assert_int_equal(ival(json_object_get(tot, "all"), "respondents", NULL), 87);
	assert_int_equal(ival(json_object_get(tot, "all"), "victim_permille", NULL), 184);
	assert_int_equal(ival(tot, "change_permille", NULL), 104);
	/* Grades 3 and 4, and the four classes. */
	assert_int_equal(json_array_size(json_object_get(j, "rows")), 2);
	json_t *classes = json_object_get(j, "classes");
	assert_int_equal(json_array_size(classes), 4);
	json_t *a1 = row_of(classes, cls[0]);
	assert_false(json_is_true(json_object_get(a1, "hidden")));
	assert_int_equal(ival(json_object_get(a1, "all"), "victim_permille", NULL), 300);
	assert_int_equal(ival(a1, "change_permille", NULL), 200);
	assert_int_equal(ival(json_object_get(a1, "boys"), "respondents", NULL), 15);
	/* A3 (4 respondents) is hidden, and A2 with it (A3 = grade − A1 − A2
	 * otherwise): neither carries a number. */
	const int64_t hidden[2] = { cls[2], cls[1] };
	for (int k = 0; k < 2; k++) {
		json_t *h = row_of(classes, hidden[k]);
		assert_true(json_is_true(json_object_get(h, "hidden")));
		for (int s = 0; s < 3; s++) {
			json_t *c = json_object_get(h, s == 0 ? "all" : s == 1 ? "boys" : "girls");
			assert_true(json_is_true(json_object_get(c, "hidden")));
			assert_null(json_object_get(c, "respondents"));
			assert_null(json_object_get(c, "victims"));
			assert_null(json_object_get(c, "victim_permille"));
		}
		assert_null(json_object_get(h, "change_permille"));
	}
	/* A4 alone in grade 4, 25 respondents: shown. */
	assert_false(json_is_true(json_object_get(row_of(classes, cls[3]), "hidden")));
	/* Forms of the level's total. */
	json_t *forms = json_object_get(j, "forms");
	assert_int_equal(json_array_size(forms), 1);
	assert_int_equal(ival(json_array_get(forms, 0), "n", NULL), 16);
	json_decref(j);

	/* Grade 3 of school A: its classes. */
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/results?unit=%lld&grade=3",
	    LL(cur_id), LL(school_a));
	j = call(&head_a, "GET", path, NULL, 200);
	assert_string_equal(json_string_value(json_object_get(j, "level")), "grade");
	assert_int_equal(json_array_size(json_object_get(j, "rows")), 3);
	json_decref(j);

	/* Another school, the township, the city's grade of another school:
	 * exactly like a missing one. */
	const int64_t others[] = { school_b, school_c, town1, 999999 };
	for (size_t k = 0; k < sizeof others / sizeof others[0]; k++) {
		snprintf(path, sizeof path, "/api/v1/surveys/%lld/results?unit=%lld",
		    LL(cur_id), LL(others[k]));
		assert_int_equal(status_of(&head_a, "GET", path, NULL), 404);
	}
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/results?unit=%lld&grade=3",
	    LL(cur_id), LL(school_b));
	assert_int_equal(status_of(&head_a, "GET", path, NULL), 404);
	/* A missing campaign; a teacher without the results. */
	assert_int_equal(status_of(&head_a, "GET", "/api/v1/surveys/987654/results", NULL), 404);
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/results", LL(cur_id));
	assert_int_equal(status_of(&teacher_a, "GET", path, NULL), 404);
	/* School B's principal lands on school B. */
	j = call(&head_b, "GET", path, NULL, 200);
	assert_int_equal(ival(json_object_get(j, "totals"), "id", NULL), school_b);
	json_decref(j);
}

static void
test_bureau_sees_the_city(void **state)
{
	(void)state;
	char path[160];
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/results", LL(cur_id));
	json_t *j = call(&director, "GET", path, NULL, 200);
	assert_string_equal(json_string_value(json_object_get(j, "level")), "city");
	assert_int_equal(ival(json_object_get(json_object_get(j, "totals"), "all"), "respondents",
	    NULL), 87 + 40 + 35);
	json_t *rows = json_object_get(j, "rows");
	assert_int_equal(json_array_size(rows), 2);
	/* Township 2 has one school of 35: shown; township 1 too. */
	assert_int_equal(ival(json_object_get(row_of(rows, town2), "all"), "respondents", NULL), 35);
	assert_int_equal(ival(json_object_get(j, "previous"), "id", NULL), prev_id);
	json_decref(j);
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/results?unit=%lld", LL(cur_id),
	    LL(town1));
	j = call(&director, "GET", path, NULL, 200);
	assert_string_equal(json_string_value(json_object_get(j, "level")), "township");
	assert_int_equal(json_array_size(json_object_get(j, "rows")), 2);
	json_decref(j);
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/results?unit=%lld", LL(cur_id),
	    LL(school_a));
	j = call(&director, "GET", path, NULL, 200);
	assert_true(json_is_true(json_object_get(row_of(json_object_get(j, "classes"), cls[2]),
	    "hidden")));
	json_decref(j);
}

/* The page: tables, the hidden classes as "—", no script. */
static void
test_results_page(void **state)
{
	(void)state;
	char path[160];
	struct resp r;
	snprintf(path, sizeof path, "/surveys/%lld/results", LL(cur_id));
	assert_int_equal(fx_req_cookie(&S, &head_a, "GET", path, NULL, NULL, 1, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "三年级三班"));
	assert_non_null(strstr(r.body, "30.0%"));
	assert_non_null(strstr(r.body, "—"));
	assert_null(strstr(r.body, "<script"));
	/* A3's 75% appears nowhere; a school may not raise the city's
	 * warnings, so no such button. */
	assert_null(strstr(r.body, "75.0%"));
	assert_null(strstr(r.body, "/warnings\""));
	resp_free(&r);
	assert_int_equal(fx_req_cookie(&S, &director, "GET", path, NULL, NULL, 1, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "/warnings\""));
	assert_non_null(strstr(r.body, "城关镇"));
	resp_free(&r);
}

/* --- Warnings. */

static void
test_warnings_raised_once(void **state)
{
	(void)state;
	char path[160];
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/warnings", LL(cur_id));
	/* A school may not raise a city campaign's warnings: the campaign is
	 * the bureau's, out of its reach. */
	assert_int_equal(status_of(&head_a, "POST", path, "{}"), 404);
	json_t *j = call(&director, "POST", path, "{}", 200);
	assert_int_equal(ival(j, "raised", NULL), 5);
	json_decref(j);
	j = call(&director, "POST", path, "{}", 200);
	assert_int_equal(ival(j, "raised", NULL), 0);
	json_decref(j);
	assert_int_equal(qint("SELECT count(*) FROM survey_warnings"), 5);
	assert_int_equal(qint("SELECT count(*) FROM survey_warnings WHERE unit_id = %lld"
	    " AND class_id = %lld AND reason = 'high' AND prevalence = 300", LL(school_a),
	    LL(cls[0])), 1);
	assert_int_equal(qint("SELECT count(*) FROM survey_warnings WHERE unit_id = %lld"
	    " AND class_id = %lld AND reason = 'rise' AND previous = 100", LL(school_a),
	    LL(cls[0])), 1);
	assert_int_equal(qint("SELECT count(*) FROM survey_warnings WHERE unit_id = %lld"
	    " AND class_id = 0 AND reason = 'rise' AND prevalence = 184 AND previous = 80",
	    LL(school_a)), 1);
	assert_int_equal(qint("SELECT count(*) FROM survey_warnings WHERE unit_id = %lld"
	    " AND reason = 'high'", LL(school_c)), 2);
	/* Never on the hidden classes. */
	assert_int_equal(qint("SELECT count(*) FROM survey_warnings WHERE class_id IN"
	    " (%lld, %lld)", LL(cls[1]), LL(cls[2])), 0);
	assert_int_equal(qint("SELECT count(*) FROM audit_log WHERE action ="
	    " 'survey_warning.raise'"), 1);
}

static void
test_warning_lists_and_steps(void **state)
{
	(void)state;
	json_t *j = call(&head_a, "GET", "/api/v1/survey-warnings", NULL, 200);
	json_t *items = json_object_get(j, "items");
	assert_int_equal(json_array_size(items), 3);
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
		assert_int_equal(ival(it, "unit_id", NULL), school_a);
	json_decref(j);
	j = call(&head_b, "GET", "/api/v1/survey-warnings", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
	j = call(&director, "GET", "/api/v1/survey-warnings", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 5);
	json_decref(j);
	/* A role that reads no results: as if there were nothing there. */
	assert_int_equal(status_of(&teacher_a, "GET", "/api/v1/survey-warnings", NULL), 404);

	int64_t w = qint("SELECT id FROM survey_warnings WHERE class_id = %lld AND reason = 'high'",
	    LL(cls[0]));
	int64_t wc = qint("SELECT id FROM survey_warnings WHERE unit_id = %lld AND class_id = 0",
	    LL(school_c));
	char path[160];
	/* Another school's warning: like a missing one. */
	snprintf(path, sizeof path, "/api/v1/survey-warnings/%lld/ack", LL(w));
	assert_int_equal(status_of(&head_b, "POST", path, "{}"), 404);
	snprintf(path, sizeof path, "/api/v1/survey-warnings/%lld/ack", LL(wc));
	assert_int_equal(status_of(&head_a, "POST", path, "{}"), 404);
	/* Close before acknowledging: refused. */
	snprintf(path, sizeof path, "/api/v1/survey-warnings/%lld/close", LL(w));
	assert_int_equal(status_of(&head_a, "POST", path, "{}"), 409);
	snprintf(path, sizeof path, "/api/v1/survey-warnings/%lld/ack", LL(w));
	j = call(&head_a, "POST", path, "{}", 200);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "warning"),
	    "state")), "acknowledged");
	json_decref(j);
	assert_int_equal(status_of(&head_a, "POST", path, "{}"), 409);
	/* Acting needs an action. */
	snprintf(path, sizeof path, "/api/v1/survey-warnings/%lld/act", LL(w));
	assert_int_equal(status_of(&head_a, "POST", path, "{}"), 400);
	assert_int_equal(status_of(&head_a, "POST", path, "{\"action\":\"party\"}"), 400);
	j = call(&head_a, "POST", path, "{\"action\":\"class_meeting\",\"note\":\"已开班会\"}", 200);
	json_t *o = json_object_get(j, "warning");
	assert_string_equal(json_string_value(json_object_get(o, "state")), "acted");
	assert_string_equal(json_string_value(json_object_get(o, "action")), "class_meeting");
	json_decref(j);
	snprintf(path, sizeof path, "/api/v1/survey-warnings/%lld/close", LL(w));
	j = call(&head_a, "POST", path, "{}", 200);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "warning"),
	    "state")), "closed");
	json_decref(j);
	snprintf(path, sizeof path, "/api/v1/survey-warnings/%lld/nonsense", LL(w));
	assert_int_equal(status_of(&head_a, "POST", path, "{}"), 404);
	assert_int_equal(qint("SELECT count(*) FROM audit_log WHERE object_type ="
	    " 'survey_warning' AND object_id = %lld", LL(w)), 3);
	assert_int_equal(qint("SELECT changed_by FROM survey_warnings WHERE id = %lld", LL(w)),
	    head_a.account_id);
	/* The bureau steps in on school C's. */
	snprintf(path, sizeof path, "/api/v1/survey-warnings/%lld/ack", LL(wc));
	json_decref(call(&director, "POST", path, "{}", 200));

	/* The page, and its form. */
	struct resp r;
	assert_int_equal(fx_req_cookie(&S, &head_a, "GET", "/survey-warnings", NULL, NULL, 1,
	    &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "三年级一班"));
	assert_non_null(strstr(r.body, "/ack"));
	resp_free(&r);
	int64_t w2 = qint("SELECT id FROM survey_warnings WHERE class_id = %lld AND reason ="
	    " 'rise'", LL(cls[0]));
	char form[128];
	snprintf(form, sizeof form, "_csrf=%s", head_a.csrf);
	snprintf(path, sizeof path, "/survey-warnings/%lld/ack", LL(w2));
	assert_int_equal(fx_req_cookie(&S, &head_a, "POST", path,
	    "application/x-www-form-urlencoded", form, 1, &r), 0);
	assert_int_equal(r.status, 303);
	resp_free(&r);
	assert_int_equal(qint("SELECT count(*) FROM survey_warnings WHERE id = %lld AND state ="
	    " 'acknowledged'", LL(w2)), 1);
}

/* --- A city: 300 schools × 20 classes, 29 measures each. */

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

#define NREAD 400

/* An open campaign's results say how many answered and nothing of what
 * they answered; its warnings wait for the close, which raises them. */
static void
test_open_campaign_and_close(void **state)
{
	(void)state;
	int64_t live = add_campaign("2026-2027-1", "open");
	assert_true(live > 0);
	assert_int_equal(counts(live, cls[0], school_a, 30, 15, 9, 4, 2), 0);
	assert_int_equal(counts(live, cls[5], school_c, 35, 17, 7, 3, 2), 0);
	/* A grade 2 class of school A: not surveyed, not in the head count. */
	assert_true(add_class(school_a, 2, "二年级一班", 20, 20) > 0);
	char path[160];
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/results?unit=%lld", LL(live),
	    LL(school_a));
	json_t *j = call(&director, "GET", path, NULL, 200);
	assert_true(json_is_true(json_object_get(j, "in_progress")));
	json_t *all = json_object_get(json_object_get(j, "totals"), "all");
	assert_int_equal(ival(all, "respondents", NULL), 30);
	assert_int_equal(ival(all, "heads", NULL), 30 + 30 + 30 + 30);
	assert_null(json_object_get(all, "victim_permille"));
	assert_null(json_object_get(all, "victims"));
	assert_null(json_object_get(all, "bully_text"));
	json_t *a1 = row_of(json_object_get(j, "classes"), cls[0]);
	assert_null(json_object_get(json_object_get(a1, "all"), "victim_permille"));
	assert_null(json_object_get(json_object_get(a1, "boys"), "victim_text"));
	assert_null(json_object_get(a1, "change_permille"));
	assert_null(json_object_get(j, "forms"));
	json_decref(j);
	struct resp r;
	snprintf(path, sizeof path, "/surveys/%lld/results?unit=%lld", LL(live), LL(school_a));
	assert_int_equal(fx_req_cookie(&S, &director, "GET", path, NULL, NULL, 1, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "30.0%"));
	assert_non_null(strstr(r.body, "调查还在进行中"));
	assert_null(strstr(r.body, "/warnings\""));
	resp_free(&r);
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/warnings", LL(live));
	assert_int_equal(status_of(&director, "POST", path, "{}"), 409);
	assert_int_equal(qint("SELECT count(*) FROM survey_warnings WHERE campaign_id = %lld",
	    LL(live)), 0);
	/* Closing raises them: A1 at 30%, C1 and school C at 20%. */
	int64_t audits = qint("SELECT count(*) FROM audit_log WHERE action ="
	    " 'survey_warning.raise'");
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/close", LL(live));
	json_decref(call(&director, "POST", path, "{}", 200));
	assert_int_equal(qint("SELECT count(*) FROM survey_warnings WHERE campaign_id = %lld"
	    " AND class_id = %lld AND reason = 'high' AND prevalence = 300", LL(live),
	    LL(cls[0])), 1);
	assert_int_equal(qint("SELECT count(*) FROM survey_warnings WHERE campaign_id = %lld"
	    " AND unit_id = %lld AND reason = 'high'", LL(live), LL(school_c)), 2);
	assert_int_equal(qint("SELECT count(*) FROM audit_log WHERE action ="
	    " 'survey_warning.raise'"), audits + 1);
	/* And the shares are there now. */
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/results?unit=%lld", LL(live),
	    LL(school_a));
	j = call(&director, "GET", path, NULL, 200);
	assert_null(json_object_get(j, "in_progress"));
	assert_int_equal(ival(json_object_get(row_of(json_object_get(j, "classes"), cls[0]),
	    "all"), "victim_permille", NULL), 300);
	json_decref(j);
}

static void
test_city_timing(void **state)
{
	(void)state;
	assert_int_equal(qsql("INSERT INTO units (id, parent_id, path, kind, name, created_at,"
	    " updated_at) WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s"
	    " WHERE x < 10) SELECT 500000 + x, 1, '/1/' || (500000 + x) || '/', 'township',"
	    " '镇' || x, 0, 0 FROM s"), 0);
	assert_int_equal(qsql("INSERT INTO units (id, parent_id, path, kind, name, created_at,"
	    " updated_at) WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s"
	    " WHERE x < 300) SELECT 600000 + x, 500001 + x %% 10, '/1/' || (500001 + x %% 10)"
	    " || '/' || (600000 + x) || '/', 'school', '学校' || x, 0, 0 FROM s"), 0);
	assert_int_equal(qsql("INSERT INTO classes (id, unit_id, grade, name, boys, girls)"
	    " WITH RECURSIVE s(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM s WHERE x < 5999)"
	    " SELECT 700000 + x, 600001 + x / 20, 3 + (x %% 20) / 4, '班' || x, 15 + x %% 7,"
	    " 14 + x %% 5 FROM s"), 0);
	assert_int_equal(qsql("INSERT INTO survey_campaigns (id, unit_id, name, semester, state,"
	    " primary_body, secondary_body, opened_at) VALUES (900, 1, 'city', '2026-2027-1',"
	    " 'open', '{}', '{}', 1700000000)"), 0);
	assert_int_equal(qsql("INSERT INTO survey_campaign_schools (campaign_id, unit_id)"
	    " SELECT 900, id FROM units WHERE id > 600000 AND id <= 600300"), 0);
	assert_int_equal(qsql("INSERT INTO survey_campaign_classes (campaign_id, class_id,"
	    " unit_id, grade, name, boys, girls) SELECT 900, id, unit_id, grade, name, boys,"
	    " girls FROM classes WHERE id >= 700000"), 0);
	assert_int_equal(qsql("INSERT INTO survey_counts (campaign_id, class_id, unit_id,"
	    " measure, n) WITH m(name, k) AS (VALUES ('responses', 28), ('responses.m', 14),"
	    " ('responses.f', 14), ('victim', 3), ('victim.m', 2), ('victim.f', 1),"
	    " ('bully', 2), ('bully.m', 1), ('bully.f', 1), ('form.physical', 1),"
	    " ('form.verbal', 2), ('form.property', 1), ('form.exclusion', 1),"
	    " ('form.online', 1), ('form.other', 0), ('place.classroom', 1),"
	    " ('place.corridor', 1), ('place.toilet', 1), ('place.playground', 1),"
	    " ('place.canteen', 0), ('place.way', 1), ('place.online', 1), ('told.nobody', 1),"
	    " ('told.head_teacher', 1), ('told.teacher', 0), ('told.parent', 1),"
	    " ('told.friend', 1), ('adult_helped', 1), ('help_wanted', 0))"
	    " SELECT 900, c.id, c.unit_id, m.name, CASE WHEN m.name LIKE 'responses%%'"
	    " THEN m.k - (c.id %% 3) ELSE m.k + (c.id %% 2) END FROM classes c, m"
	    " WHERE c.id >= 700000"), 0);
	assert_true(qint("SELECT count(*) FROM survey_counts WHERE campaign_id = 900") >= 170000);
	double t[NREAD];
	for (int i = 0; i < NREAD; i++) {
		struct timespec a, b;
		struct resp r;
		clock_gettime(CLOCK_MONOTONIC, &a);
		assert_int_equal(fx_req(&S, &director, "GET", "/api/v1/surveys/900/results", NULL,
		    &r), 0);
		clock_gettime(CLOCK_MONOTONIC, &b);
		assert_int_equal(r.status, 200);
		resp_free(&r);
		t[i] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	}
	double cold = t[0];
	qsort(t, NREAD, sizeof t[0], cmp_d);
	print_message("city results (300 schools x 20 classes, %lld count rows), %d reads:"
	    " first (built) %.1f ms, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
	    LL(qint("SELECT count(*) FROM survey_counts WHERE campaign_id = 900")), NREAD, cold,
	    t[NREAD / 2], t[NREAD * 99 / 100], t[NREAD - 1]);
	/* A school of it, and a township. */
	json_t *j = call(&director, "GET", "/api/v1/surveys/900/results?unit=600007", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "classes")), 20);
	json_decref(j);
	j = call(&director, "GET", "/api/v1/surveys/900/results?unit=500003", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "rows")), 30);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_school_sees_its_own),
		cmocka_unit_test(test_bureau_sees_the_city),
		cmocka_unit_test(test_results_page),
		cmocka_unit_test(test_warnings_raised_once),
		cmocka_unit_test(test_warning_lists_and_steps),
		cmocka_unit_test(test_open_campaign_and_close),
		cmocka_unit_test(test_city_timing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
