/* test_prevention_records.c: a school's prevention records and the
 * compliance view (src/prevention/records*.c), against the real server.
 *
 * Records are created and listed per school; another school's are
 * answered exactly like a missing one (404); corrections replace and are
 * audited; the compliance counts, the per-class shortfalls and the
 * "behind" and "coming due" marks follow from fixture records, over HTTP
 * for a semester that has ended and through prev_compliance() with an
 * injected day for one under way; the training CSV import is all or
 * nothing with per-row errors in Chinese, and a row imported again is
 * skipped; the settings change what is required; evidence files go with
 * a record (cleaned, sealed, served only within reach, refused whole when
 * one is of the wrong type or too big). */
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
#include "core/calendar.h"
#include "fixture.h"
#include "harness.h"
#include "prevention/records.h"
#include "store/db.h"

static struct srv S;
static struct session prin_a, teach_a, head_a, prin_b, office, sysadm;
static int64_t town_a, town_b, school_a, school_b, acc_teach_a, acc_head_a;

/* A semester that has ended, whatever day the test runs (its dates are
 * all in the past). */
#define PAST "2025-2026-2"

/* The body of a request as JSON (NULL when it is not), and its status. */
static json_t *
req_json(const struct session *as, const char *method, const char *path,
    const char *body, long *status)
{
	struct resp r;
	if (fx_req(&S, as, method, path, body, &r) != 0) {
		*status = -1;
		return NULL;
	}
	*status = r.status;
	json_t *j = json_loads(r.body ? r.body : "null", JSON_DECODE_ANY, NULL);
	resp_free(&r);
	return j;
}

static long
post(const struct session *as, const char *path, const char *body)
{
	long st;
	json_t *j = req_json(as, "POST", path, body, &st);
	json_decref(j);
	return st;
}

/* The record id of a 201 answer, or -1. */
static int64_t
post_id(const struct session *as, const char *path, const char *body)
{
	long st;
	json_t *j = req_json(as, "POST", path, body, &st);
	int64_t id = st == 201 ? json_integer_value(json_object_get(json_object_get(j,
	    "record"), "id")) : -1;
	json_decref(j);
	return id;
}

static int
setup(void **state)
{
	(void)state;
	static const char *const extra[] = { "--loops", "2", "--access-log", "off", NULL };
	memset(&S, 0, sizeof S);
	if (srv_start(&S, extra) != 0 || fx_setup(&S) != 0)
		return -1;
	int64_t off = fx_unit(1, "office", "办公室", NULL);
	town_a = fx_unit(1, "township", "甲镇", NULL);
	town_b = fx_unit(1, "township", "乙镇", NULL);
	school_a = fx_unit(town_a, "school", "甲小学", "primary");
	school_b = fx_unit(town_b, "school", "乙小学", "primary");
	char sql[512];
	snprintf(sql, sizeof sql, "UPDATE units SET township_id = parent_id WHERE id IN (%lld, %lld)",
	    (long long)school_a, (long long)school_b);
	if (fx_sql(sql) != 0)
		return -1;
	/* School A: three classes; school B: one. */
	snprintf(sql, sizeof sql, "INSERT INTO classes (unit_id, grade, name, boys, girls) VALUES"
	    " (%lld, 1, '1班', 20, 20), (%lld, 1, '2班', 20, 20), (%lld, 2, '1班', 20, 20),"
	    " (%lld, 1, '1班', 20, 20)", (long long)school_a, (long long)school_a,
	    (long long)school_a, (long long)school_b);
	if (fx_sql(sql) != 0)
		return -1;
	if (fx_account(school_a, "prin-a", "Prev-pass-1", ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    (acc_teach_a = fx_account(school_a, "teach-a", "Prev-pass-1",
	    ROLE_BIT(ROLE_TEACHER))) < 0 ||
	    (acc_head_a = fx_account(school_a, "head-a", "Prev-pass-1",
	    ROLE_BIT(ROLE_HEAD_TEACHER))) < 0 ||
	    fx_account(school_b, "prin-b", "Prev-pass-1", ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(off, "office-1", "Prev-pass-1", ROLE_BIT(ROLE_OFFICE_STAFF)) < 0 ||
	    fx_account(1, "sys-1", "Prev-pass-1", ROLE_BIT(ROLE_SYSADMIN)) < 0)
		return -1;
	/* Display names the training import matches accounts by. */
	snprintf(sql, sizeof sql, "UPDATE accounts SET display_name = CASE username"
	    " WHEN 'teach-a' THEN '王老师' WHEN 'head-a' THEN '李老师' WHEN 'prin-a' THEN '张校长'"
	    " ELSE display_name END");
	if (fx_sql(sql) != 0)
		return -1;
	if (fx_signin(&S, "prin-a", "Prev-pass-1", &prin_a) != 0 ||
	    fx_signin(&S, "teach-a", "Prev-pass-1", &teach_a) != 0 ||
	    fx_signin(&S, "head-a", "Prev-pass-1", &head_a) != 0 ||
	    fx_signin(&S, "prin-b", "Prev-pass-1", &prin_b) != 0 ||
	    fx_signin(&S, "office-1", "Prev-pass-1", &office) != 0 ||
	    fx_signin(&S, "sys-1", "Prev-pass-1", &sysadm) != 0)
		return -1;
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

static const char *
path_of(int64_t school, const char *tail)
{
	static char p[4][160];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof p[k], "/api/v1/prevention/units/%lld/%s", (long long)school, tail);
	return p[k];
}

/* ------------------------------------------------------------------ */

static void
test_semesters(void **state)
{
	(void)state;
	semester s;
	xa_day d;
	assert_int_equal(day_parse("2026-09-01", &d), XA_OK);
	semester_of(d, &s);
	assert_string_equal(s.name, "2026-2027-1");
	assert_int_equal(day_parse("2027-01-31", &d), XA_OK);
	semester_of(d, &s);
	assert_string_equal(s.name, "2026-2027-1");
	assert_int_equal(day_parse("2027-02-01", &d), XA_OK);
	semester_of(d, &s);
	assert_string_equal(s.name, "2026-2027-2");
	assert_int_equal(day_parse("2027-08-31", &d), XA_OK);
	semester_of(d, &s);
	assert_string_equal(s.name, "2026-2027-2");
	assert_string_equal(s.year, "2026-2027");
	assert_int_equal(semester_parse("2026-2028-1", &s), XA_EINVAL);
	assert_int_equal(semester_parse("2026-2027-3", &s), XA_EINVAL);
	assert_int_equal(semester_parse("2026-2027-2", &s), XA_OK);
	char day[11];
	day_format(s.end, day);
	assert_string_equal(day, "2027-07-31");
	semester p;
	semester_prev(&s, &p);
	assert_string_equal(p.name, "2026-2027-1");
	semester_prev(&p, &s);
	assert_string_equal(s.name, "2025-2026-2");
	int t = 0;
	assert_int_equal(prev_hours_parse("1.5", &t), XA_OK);
	assert_int_equal(t, 15);
	assert_int_equal(prev_hours_parse("4", &t), XA_OK);
	assert_int_equal(t, 40);
	assert_int_not_equal(prev_hours_parse("1.25", &t), XA_OK);
	assert_int_not_equal(prev_hours_parse("0", &t), XA_OK);
	assert_int_not_equal(prev_hours_parse("201", &t), XA_OK);
	assert_int_not_equal(prev_hours_parse("abc", &t), XA_OK);
}

/* Records are created and listed per school; another school's answer
 * exactly like a missing one. */
static void
test_records_per_school(void **state)
{
	(void)state;
	long st;
	int64_t audit0 = fx_int("SELECT count(*) FROM audit_log");
	assert_int_equal(post(&prin_a, path_of(school_a, "sessions"),
	    "{\"held_on\":\"2026-03-10\",\"topic\":\"认识校园欺凌\",\"audience\":\"students\","
	    "\"participants\":620}"), 201);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'prevention.session'"
	    " AND object_type = 'prevention_session'"), 1);
	assert_true(fx_int("SELECT count(*) FROM audit_log") > audit0);
	/* The semester comes from the date. */
	assert_int_equal(fx_int("SELECT count(*) FROM prevention_sessions WHERE semester = '"
	    PAST "'"), 1);

	json_t *j = req_json(&prin_a, "GET", path_of(school_a, "sessions?semester=" PAST), NULL,
	    &st);
	assert_int_equal(st, 200);
	json_t *items = json_object_get(j, "sessions");
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "topic")),
	    "认识校园欺凌");
	json_decref(j);
	/* Another semester: nothing. */
	j = req_json(&prin_a, "GET", path_of(school_a, "sessions?semester=2025-2026-1"), NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(j, "sessions")), 0);
	json_decref(j);

	/* School B's principal: 404 for A's list, like a school that does
	 * not exist, and cannot write into A. */
	struct resp other, missing;
	assert_int_equal(fx_req(&S, &prin_b, "GET", path_of(school_a, "sessions"), NULL, &other), 0);
	assert_int_equal(fx_req(&S, &prin_b, "GET", path_of(999999, "sessions"), NULL, &missing), 0);
	assert_int_equal(other.status, 404);
	assert_int_equal(missing.status, 404);
	assert_string_equal(other.body, missing.body);
	resp_free(&other);
	resp_free(&missing);
	int64_t n0 = fx_int("SELECT count(*) FROM prevention_sessions");
	assert_int_equal(post(&prin_b, path_of(school_a, "sessions"),
	    "{\"held_on\":\"2026-03-11\",\"topic\":\"越权\",\"audience\":\"students\"}"), 404);
	/* A teacher reads but does not write; the bureau reads all, writes none. */
	assert_int_equal(post(&teach_a, path_of(school_a, "sessions"),
	    "{\"held_on\":\"2026-03-11\",\"topic\":\"教师\",\"audience\":\"students\"}"), 404);
	assert_int_equal(post(&office, path_of(school_a, "sessions"),
	    "{\"held_on\":\"2026-03-11\",\"topic\":\"局里\",\"audience\":\"students\"}"), 404);
	assert_int_equal(fx_int("SELECT count(*) FROM prevention_sessions"), n0);
	j = req_json(&teach_a, "GET", path_of(school_a, "sessions?semester=" PAST), NULL, &st);
	assert_int_equal(st, 200);
	json_decref(j);
	j = req_json(&office, "GET", path_of(school_a, "sessions?semester=" PAST), NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(j, "sessions")), 1);
	json_decref(j);

	/* Bad input: a date in the future, a class the school lacks, an
	 * unknown place. */
	assert_int_equal(post(&prin_a, path_of(school_a, "sessions"),
	    "{\"held_on\":\"2099-03-10\",\"topic\":\"未来\",\"audience\":\"students\"}"), 400);
	assert_int_equal(post(&head_a, path_of(school_a, "class-meetings"),
	    "{\"held_on\":\"2026-03-12\",\"grade\":5,\"class\":\"9班\",\"topic\":\"班会\"}"), 400);
	assert_int_equal(post(&prin_a, path_of(school_a, "screenings"),
	    "{\"held_on\":\"2026-03-12\",\"places\":[\"moon\"],\"video\":\"yes\"}"), 400);
	/* A head teacher records class meetings; a screening with places. */
	assert_int_equal(post(&head_a, path_of(school_a, "class-meetings"),
	    "{\"held_on\":\"2026-03-12\",\"grade\":1,\"class\":\"1班\",\"topic\":\"拒绝欺凌\"}"), 201);
	assert_int_equal(post(&prin_a, path_of(school_a, "screenings"),
	    "{\"held_on\":\"2026-03-13\",\"places\":[\"stairwell\",\"rooftop\"],\"video\":\"partial\","
	    "\"findings\":\"北楼梯无监控\",\"fixes\":\"加装摄像头\"}"), 201);
	j = req_json(&prin_a, "GET", path_of(school_a, "screenings?semester=" PAST), NULL, &st);
	json_t *sc = json_array_get(json_object_get(j, "screenings"), 0);
	assert_string_equal(json_string_value(json_object_get(sc, "video")), "partial");
	assert_int_equal(json_array_size(json_object_get(sc, "places")), 2);
	json_decref(j);
}

/* A correction is a new record; the old one stops counting; correcting
 * it twice, or another school's record, is refused. */
static void
test_correction(void **state)
{
	(void)state;
	long st;
	int64_t id = post_id(&prin_a, path_of(school_a, "sessions"),
	    "{\"held_on\":\"2026-04-01\",\"topic\":\"家长会（错）\",\"audience\":\"parents\"}");
	assert_true(id > 0);
	char body[256];
	snprintf(body, sizeof body, "{\"held_on\":\"2026-04-02\",\"topic\":\"家长会\","
	    "\"audience\":\"parents\",\"participants\":300,\"replaces\":%lld}", (long long)id);
	int64_t id2 = post_id(&prin_a, path_of(school_a, "sessions"), body);
	assert_true(id2 > id);
	json_t *j = req_json(&prin_a, "GET", path_of(school_a, "sessions?semester=" PAST), NULL, &st);
	int seen_old = 0, seen_new = 0;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(j, "sessions"), i, v) {
		int64_t rid = json_integer_value(json_object_get(v, "id"));
		seen_old += rid == id;
		seen_new += rid == id2;
	}
	json_decref(j);
	assert_int_equal(seen_old, 0);
	assert_int_equal(seen_new, 1);
	char q[128];
	snprintf(q, sizeof q, "SELECT superseded_by FROM prevention_sessions WHERE id = %lld",
	    (long long)id);
	assert_int_equal(fx_int(q), id2);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'prevention.session'"
	    " AND fields LIKE '%replaces%'"), 1);
	/* Again: already corrected. */
	assert_int_equal(post(&prin_a, path_of(school_a, "sessions"), body), 409);
	/* School B cannot correct A's record: there is none such in B. */
	int64_t bid = post_id(&prin_b, path_of(school_b, "sessions"),
	    "{\"held_on\":\"2026-04-01\",\"topic\":\"乙校\",\"audience\":\"students\"}");
	assert_true(bid > 0);
	snprintf(body, sizeof body, "{\"held_on\":\"2026-04-02\",\"topic\":\"x校\","
	    "\"audience\":\"students\",\"replaces\":%lld}", (long long)bid);
	assert_int_equal(post(&prin_a, path_of(school_a, "sessions"), body), 400);
}

/* Compliance over HTTP for a semester that has ended: done/required
 * counts, the classes behind, overdue marks; the bureau's table. */
static void
test_compliance_past(void **state)
{
	(void)state;
	long st;
	/* A second meeting for 1班 (2 required per class by default). */
	assert_int_equal(post(&head_a, path_of(school_a, "class-meetings"),
	    "{\"held_on\":\"2026-05-12\",\"grade\":1,\"class\":\"1班\",\"topic\":\"我们的约定\"}"), 201);
	char path[200];
	snprintf(path, sizeof path, "/api/v1/prevention/compliance?semester=" PAST "&unit=%lld",
	    (long long)school_a);
	json_t *j = req_json(&prin_a, "GET", path, NULL, &st);
	assert_int_equal(st, 200);
	json_t *duties = json_object_get(j, "duties");
	assert_int_equal(json_array_size(duties), 5);
	size_t i;
	json_t *d;
	int checked = 0;
	json_array_foreach(duties, i, d) {
		const char *key = json_string_value(json_object_get(d, "key"));
		int done = (int)json_integer_value(json_object_get(d, "done"));
		int req = (int)json_integer_value(json_object_get(d, "required"));
		const char *dstate = json_string_value(json_object_get(d, "state"));
		if (strcmp(key, "sessions") == 0) {
			assert_int_equal(done, 1);
			assert_int_equal(req, 1);
			assert_string_equal(dstate, "met");
			checked++;
		} else if (strcmp(key, "parent_sessions") == 0) {
			assert_int_equal(done, 1);	/* the correction counts once */
			assert_string_equal(dstate, "met");
			checked++;
		} else if (strcmp(key, "class_meetings") == 0) {
			/* 1班 held its two, the other two classes none. */
			assert_int_equal(done, 2);
			assert_int_equal(req, 6);
			assert_string_equal(dstate, "overdue");
			checked++;
		} else if (strcmp(key, "screenings") == 0) {
			assert_int_equal(done, 1);
			assert_string_equal(dstate, "met");
			checked++;
		}
	}
	assert_int_equal(checked, 4);
	json_t *behind = json_object_get(j, "classes_behind");
	assert_int_equal(json_array_size(behind), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "school"),
	    "behind")), 2);	/* class meetings and training */
	json_decref(j);

	/* Without unit, a school's principal gets their own school. */
	j = req_json(&prin_b, "GET", "/api/v1/prevention/compliance?semester=" PAST, NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "school"),
	    "name")), "乙小学");
	json_decref(j);
	/* Another school's, by unit: 404. */
	j = req_json(&prin_b, "GET", path, NULL, &st);
	assert_int_equal(st, 404);
	json_decref(j);

	/* The bureau: every school, sorted by what is behind. */
	j = req_json(&office, "GET", "/api/v1/prevention/compliance?semester=" PAST "&sort=behind",
	    NULL, &st);
	assert_int_equal(st, 200);
	json_t *schools = json_object_get(j, "schools");
	assert_int_equal(json_array_size(schools), 2);
	/* B held no class meeting (its one class is behind) and no parent
	 * session or screening: it is behind on more. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(schools, 0), "name")),
	    "乙小学");
	assert_true(json_integer_value(json_object_get(json_array_get(schools, 0), "behind")) >
	    json_integer_value(json_object_get(json_array_get(schools, 1), "behind")));
	json_decref(j);
	/* By township: 甲镇 first. */
	j = req_json(&office, "GET", "/api/v1/prevention/compliance?semester=" PAST, NULL, &st);
	schools = json_object_get(j, "schools");
	assert_string_equal(json_string_value(json_object_get(json_array_get(schools, 0), "name")),
	    "甲小学");
	json_decref(j);
	/* A malformed semester. */
	j = req_json(&office, "GET", "/api/v1/prevention/compliance?semester=2026-2028-1", NULL, &st);
	assert_int_equal(st, 400);
	json_decref(j);
	/* The pages render for both. */
	struct resp r;
	assert_int_equal(fx_req_cookie(&S, &office, "GET", "/prevention?semester=" PAST, NULL, NULL,
	    0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "乙小学"));
	assert_non_null(strstr(r.body, "逾期未完成"));
	resp_free(&r);
	char page[128];
	snprintf(page, sizeof page, "/prevention/units/%lld?semester=" PAST, (long long)school_a);
	assert_int_equal(fx_req_cookie(&S, &prin_a, "GET", page, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "认识校园欺凌"));
	assert_non_null(strstr(r.body, "楼道"));
	resp_free(&r);
}

/* The marks of a semester under way, with the day injected. */
static void
test_compliance_due(void **state)
{
	(void)state;
	semester s;
	prev_requirements rq = { 1, 2, 1, 1, 40, 4 };
	prev_school *list = NULL;
	size_t n = 0;
	xa_day early, late;
	assert_int_equal(semester_parse(PAST, &s), XA_OK);
	assert_int_equal(day_parse("2026-03-20", &early), XA_OK);
	assert_int_equal(day_parse("2026-07-10", &late), XA_OK);
	/* Early in the semester: what is unmet is open, not behind. */
	assert_int_equal(prev_compliance((db *)fx_conn(), &s, &rq, early, NULL, school_b, &list,
	    &n), XA_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].sessions.state, DUTY_MET);
	assert_int_equal(list[0].screenings.state, DUTY_OPEN);
	assert_int_equal(list[0].meetings.state, DUTY_OPEN);
	assert_int_equal(list[0].behind, 0);
	free(list);
	/* Three weeks before the end: coming due. */
	assert_int_equal(prev_compliance((db *)fx_conn(), &s, &rq, late, NULL, school_b, &list,
	    &n), XA_OK);
	assert_int_equal(list[0].screenings.state, DUTY_DUE_SOON);
	assert_int_equal(list[0].meetings.state, DUTY_DUE_SOON);
	assert_int_equal(list[0].sessions.state, DUTY_MET);
	assert_int_equal(list[0].behind, 4);	/* meetings, screening, parents, training */
	free(list);
	/* With a warning of two weeks, the same day is not yet. */
	rq.due_weeks = 2;
	assert_int_equal(prev_compliance((db *)fx_conn(), &s, &rq, late, NULL, school_b, &list,
	    &n), XA_OK);
	assert_int_equal(list[0].screenings.state, DUTY_OPEN);
	free(list);
	/* The scope: the bureau's path holds both schools, B's path only B. */
	assert_int_equal(prev_compliance((db *)fx_conn(), &s, &rq, late, "/1/", 0, &list, &n),
	    XA_OK);
	assert_int_equal(n, 2);
	free(list);
	char bpath[64];
	snprintf(bpath, sizeof bpath, "/1/%lld/%lld/", (long long)town_b, (long long)school_b);
	assert_int_equal(prev_compliance((db *)fx_conn(), &s, &rq, late, bpath, 0, &list, &n),
	    XA_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, school_b);
	free(list);
	assert_int_equal(prev_duty_state(0, 1, early, late, late + 1, 4), DUTY_OVERDUE);
	assert_int_equal(prev_duty_state(1, 1, early, late, late + 1, 4), DUTY_MET);
	assert_int_equal(prev_duty_state(0, 0, early, late, late + 1, 4), DUTY_MET);
}

/* The training import: all or nothing, per-row errors in Chinese, the
 * staff matched by name, coverage by role. */
static void
test_training_import(void **state)
{
	(void)state;
	int64_t before = fx_int("SELECT count(*) FROM prevention_training");
	int64_t audit0 = fx_int("SELECT count(*) FROM audit_log");
	static const char bad[] =
	    "姓名,岗位,培训内容,培训日期,学时,培训单位,考核成绩,是否合格\r\n"
	    "王老师,任课教师,学生欺凌防治专题培训,2026-03-05,4,市教育局,90,合格\r\n"
	    "李老师,班主任,学生欺凌防治专题培训,2026/3/5,四,市教育局,,\r\n"
	    "赵师傅,保安,安全培训,2099-01-01,2,,,\r\n"
	    ",任课教师,学生欺凌防治专题培训,2026-03-05,4,,,\r\n"
	    "钱老师,厨师长,学生欺凌防治专题培训,2026-03-05,4,,101,也许\r\n";
	struct resp r;
	assert_int_equal(fx_req_ctype(&S, &prin_a, "POST", path_of(school_a, "training/import"),
	    "text/csv", bad, &r), 0);
	assert_int_equal(r.status, 400);
	json_t *j = json_loads(r.body, 0, NULL);
	resp_free(&r);
	assert_non_null(j);
	json_t *rows = json_object_get(j, "rows");
	/* Line 3 hours, line 4 date, line 5 name, line 6 role, score and passed. */
	assert_int_equal(json_integer_value(json_object_get(j, "row_errors")), 6);
	int line3 = 0, line6 = 0;
	size_t i;
	json_t *v;
	json_array_foreach(rows, i, v) {
		int64_t line = json_integer_value(json_object_get(v, "row"));
		const char *msg = json_string_value(json_object_get(v, "message"));
		if (line == 3) {
			line3++;
			assert_string_equal(json_string_value(json_object_get(v, "column")), "学时");
			assert_non_null(strstr(msg, "学时"));
		}
		if (line == 6)
			line6++;
		assert_int_not_equal(line, 2);
	}
	assert_int_equal(line3, 1);
	assert_int_equal(line6, 3);
	json_decref(j);
	/* Nothing written, not even the good row. */
	assert_int_equal(fx_int("SELECT count(*) FROM prevention_training"), before);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log"), audit0);
	/* A file without a required column. */
	assert_int_equal(fx_req_ctype(&S, &prin_a, "POST", path_of(school_a, "training/import"),
	    "text/csv", "姓名,岗位\r\n王老师,教师\r\n", &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "培训内容"));
	resp_free(&r);

	static const char good[] =
	    "name,role,course,date,hours,provider,score,passed\r\n"
	    "王老师,任课教师,学生欺凌防治专题培训,2026-03-05,4,市教育局,90,合格\r\n"
	    "李老师,班主任,学生欺凌防治专题培训,2026/3/5,1.5,市教育局,,\r\n"
	    "赵师傅,保安,安全培训,2026-03-06,2,,,\r\n";
	assert_int_equal(fx_req_ctype(&S, &prin_a, "POST", path_of(school_a, "training/import"),
	    "text/csv", good, &r), 0);
	assert_int_equal(r.status, 201);
	resp_free(&r);
	assert_int_equal(fx_int("SELECT count(*) FROM prevention_training"), before + 3);
	char q[160];
	snprintf(q, sizeof q, "SELECT account_id FROM prevention_training WHERE name = '王老师'");
	assert_int_equal(fx_int(q), acc_teach_a);
	assert_int_equal(fx_int("SELECT count(*) FROM prevention_training WHERE name = '赵师傅'"
	    " AND account_id IS NULL AND role = 'other_staff'"), 1);
	assert_int_equal(fx_int("SELECT hours_tenths FROM prevention_training WHERE name = '李老师'"),
	    15);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action ="
	    " 'prevention.training_import'"), 1);
	/* Another school's principal cannot import into A. */
	assert_int_equal(fx_req_ctype(&S, &prin_b, "POST", path_of(school_a, "training/import"),
	    "text/csv", good, &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	assert_int_equal(fx_int("SELECT count(*) FROM prevention_training"), before + 3);

	/* Coverage: 王老师 has 4 hours (enough), 李老师 1.5 (not), 张校长
	 * none: 1 of 3 staff. */
	long st;
	char path[200];
	snprintf(path, sizeof path, "/api/v1/prevention/compliance?semester=" PAST "&unit=%lld",
	    (long long)school_a);
	j = req_json(&prin_a, "GET", path, NULL, &st);
	json_t *t = json_object_get(j, "training");
	assert_int_equal(json_integer_value(json_object_get(t, "staff")), 3);
	assert_int_equal(json_integer_value(json_object_get(t, "covered")), 1);
	int roles_seen = 0;
	json_array_foreach(json_object_get(t, "by_role"), i, v) {
		const char *role = json_string_value(json_object_get(v, "role"));
		if (strcmp(role, "teacher") == 0) {
			assert_int_equal(json_integer_value(json_object_get(v, "covered")), 1);
			roles_seen++;
		}
		if (strcmp(role, "head_teacher") == 0) {
			assert_int_equal(json_integer_value(json_object_get(v, "covered")), 0);
			roles_seen++;
		}
	}
	assert_int_equal(roles_seen, 2);
	assert_int_equal(json_array_size(json_object_get(t, "others")), 1);
	json_decref(j);
}

/* The settings change what is required. */
static void
test_settings_change_requirement(void **state)
{
	(void)state;
	long st;
	char path[200];
	snprintf(path, sizeof path, "/api/v1/prevention/compliance?semester=" PAST "&unit=%lld",
	    (long long)school_a);
	json_t *j = req_json(&sysadm, "PUT", "/api/v1/settings",
	    "{\"prevention.class_meetings_per_semester\":1,"
	    "\"prevention.training_hours_per_year\":1}", &st);
	assert_int_equal(st, 200);
	json_decref(j);
	j = req_json(&prin_a, "GET", path, NULL, &st);
	assert_int_equal(st, 200);
	size_t i;
	json_t *d;
	int seen = 0;
	json_array_foreach(json_object_get(j, "duties"), i, d) {
		const char *key = json_string_value(json_object_get(d, "key"));
		if (strcmp(key, "class_meetings") == 0) {
			/* 1班 held two, of which one counts; the others none. */
			assert_int_equal(json_integer_value(json_object_get(d, "done")), 1);
			seen++;
		}
		if (strcmp(key, "training") == 0) {
			/* 1 hour: 王老师 and 李老师. */
			assert_int_equal(json_integer_value(json_object_get(d, "done")), 2);
			seen++;
		}
	}
	assert_int_equal(seen, 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "requirements"),
	    "class_meetings")), 1);
	json_decref(j);
	/* A meeting in 2班 now completes that class. */
	assert_int_equal(post(&head_a, path_of(school_a, "class-meetings"),
	    "{\"held_on\":\"2026-05-20\",\"grade\":1,\"class\":\"2班\",\"topic\":\"友善相处\"}"), 201);
	j = req_json(&prin_a, "GET", path, NULL, &st);
	assert_int_equal(json_array_size(json_object_get(j, "classes_behind")), 1);
	json_decref(j);
	/* Sessions required: 2 makes the one session not enough. */
	j = req_json(&sysadm, "PUT", "/api/v1/settings", "{\"prevention.sessions_per_semester\":2}",
	    &st);
	assert_int_equal(st, 200);
	json_decref(j);
	j = req_json(&prin_a, "GET", path, NULL, &st);
	json_array_foreach(json_object_get(j, "duties"), i, d)
		if (strcmp(json_string_value(json_object_get(d, "key")), "sessions") == 0)
			assert_string_equal(json_string_value(json_object_get(d, "state")), "overdue");
	json_decref(j);
	/* Out of range is refused. */
	j = req_json(&sysadm, "PUT", "/api/v1/settings", "{\"prevention.due_warning_weeks\":99}",
	    &st);
	assert_int_equal(st, 400);
	json_decref(j);
}

/* The page forms post and redirect back to the records page. */
static void
test_page_forms(void **state)
{
	(void)state;
	char path[128], body[512];
	struct resp r;
	snprintf(path, sizeof path, "/prevention/units/%lld/screenings", (long long)school_a);
	snprintf(body, sizeof body, "held_on=2026-06-01&places=toilet&places=storeroom&video=no"
	    "&findings=x&_csrf=%s", prin_a.csrf);
	assert_int_equal(fx_req_cookie(&S, &prin_a, "POST", path,
	    "application/x-www-form-urlencoded", body, 1, &r), 0);
	assert_int_equal(r.status, 303);
	assert_non_null(strstr(resp_header(&r, "Location"), "semester=" PAST));
	resp_free(&r);
	assert_int_equal(fx_int("SELECT count(*) FROM prevention_screenings WHERE"
	    " places = 'toilet,storeroom' AND video = 'no'"), 1);
}


/* ------------------------------------------------------------------ */
/* Evidence files. */

#define BOUNDARY "xaPrevBoundary9f3K"
#define MP_CTYPE "multipart/form-data; boundary=" BOUNDARY

/* A growable multipart body. */
struct mp {
	char *d;
	size_t n, cap;
};

static void
mp_put(struct mp *m, const void *p, size_t n)
{
	if (m->n + n > m->cap) {
		size_t nc = m->cap ? m->cap : 4096;
		while (nc < m->n + n)
			nc *= 2;
		m->d = realloc(m->d, nc);
		assert_non_null(m->d);
		m->cap = nc;
	}
	memcpy(m->d + m->n, p, n);
	m->n += n;
}

static void
mp_field(struct mp *m, const char *name, const char *value)
{
	char h[256];
	snprintf(h, sizeof h, "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n",
	    name);
	mp_put(m, h, strlen(h));
	mp_put(m, value, strlen(value));
	mp_put(m, "\r\n", 2);
}

static void
mp_file(struct mp *m, const char *filename, const char *ctype, const void *data, size_t n)
{
	char h[512];
	snprintf(h, sizeof h, "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"files\";"
	    " filename=\"%s\"\r\nContent-Type: %s\r\n\r\n", filename, ctype);
	mp_put(m, h, strlen(h));
	mp_put(m, data, n);
	mp_put(m, "\r\n", 2);
}

static void
mp_end(struct mp *m)
{
	mp_put(m, "--" BOUNDARY "--\r\n", strlen("--" BOUNDARY "--\r\n"));
}

/* Posts m as as (Bearer; or cookie and CSRF for a page), frees m. */
static int
post_mp(const struct session *as, const char *path, struct mp *m, int page, struct resp *r)
{
	char auth[96], csrf[96];
	if (page) {
		snprintf(auth, sizeof auth, "Cookie: xa_session=%s", as->token);
		snprintf(csrf, sizeof csrf, "X-CSRF-Token: %s", as->csrf);
	} else {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", as->token);
		csrf[0] = '\0';
	}
	const char *h[] = { auth, page ? csrf : NULL, NULL };
	int rc = http_req(&S, "POST", path, MP_CTYPE, m->d, m->n, h, r);
	free(m->d);
	memset(m, 0, sizeof *m);
	return rc;
}

/* A small JPEG with EXIF (GPS) and a comment that must not be kept. */
struct bytes {
	unsigned char d[1024];
	size_t n;
};

static void
b_put(struct bytes *b, const void *p, size_t n)
{
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void
b_seg(struct bytes *b, unsigned char m, const void *p, size_t n)
{
	unsigned char h[4] = { 0xFF, m, (unsigned char)((n + 2) >> 8), (unsigned char)(n + 2) };
	b_put(b, h, 4);
	b_put(b, p, n);
}

static void
jpeg_with_exif(struct bytes *b)
{
	static const unsigned char jfif[14] = { 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0 };
	static const char exif[] = "Exif\0\0MM\0*GPS-SECRET-PREV-34.39N";
	static const unsigned char sof0[9] = { 8, 0, 1, 0, 1, 1, 1, 0x11, 0 };
	static const unsigned char sos[6] = { 1, 1, 0, 0, 0x3F, 0 };
	unsigned char q[65] = { 0 };
	b->n = 0;
	b_put(b, "\xff\xd8", 2);
	b_seg(b, 0xE0, jfif, sizeof jfif);
	b_seg(b, 0xE1, exif, sizeof exif - 1);
	b_seg(b, 0xFE, "COMMENT-SECRET-PREV", 19);
	b_seg(b, 0xDB, q, sizeof q);
	b_seg(b, 0xC0, sof0, sizeof sof0);
	b_seg(b, 0xDA, sos, sizeof sos);
	b_put(b, "PIXELS-PREV-7", 13);
	b_put(b, "\xff\xd9", 2);
}

static const char pdf[] = "%PDF-1.4\n% sign-in sheet PDF-BODY-UNIQUE-3\n%%EOF\n";

static int
contains(const void *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp((const char *)hay + i, needle, k) == 0)
			return 1;
	return 0;
}

/* Everything an upload could leave behind. */
static int64_t
stored(void)
{
	return fx_int("SELECT (SELECT count(*) FROM prevention_sessions) * 1000000"
	    " + (SELECT count(*) FROM prevention_evidence) * 1000"
	    " + (SELECT count(*) FROM audit_log WHERE action LIKE 'prevention.%')");
}

/* The evidence of record id in a list answer. */
static json_t *
evidence_of(json_t *list, const char *key, int64_t id)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(list, key), i, v)
		if (json_integer_value(json_object_get(v, "id")) == id)
			return json_object_get(v, "evidence");
	return NULL;
}

/* A session sent with a photo and a PDF; the files cleaned, sealed,
 * audited, listed, served to those who may read the school's records
 * and to no one else. */
static void
test_evidence_with_record(void **state)
{
	(void)state;
	struct bytes jpg;
	struct mp m = { 0 };
	struct resp r;
	long st;
	jpeg_with_exif(&jpg);
	int64_t audit0 = fx_int("SELECT count(*) FROM audit_log WHERE action = 'prevention.evidence'");
	mp_field(&m, "held_on", "2026-06-10");
	mp_field(&m, "topic", "EVIDENCE-TOPIC 防欺凌讲座");
	mp_field(&m, "audience", "students");
	mp_field(&m, "participants", "500");
	mp_file(&m, "讲座现场.jpeg", "image/jpeg", jpg.d, jpg.n);
	mp_file(&m, "签到表.pdf", "application/pdf", pdf, sizeof pdf - 1);
	mp_end(&m);
	assert_int_equal(post_mp(&prin_a, path_of(school_a, "sessions"), &m, 0, &r), 0);
	assert_int_equal(r.status, 201);
	json_t *j = json_loads(r.body, 0, NULL);
	resp_free(&r);
	int64_t rid = json_integer_value(json_object_get(json_object_get(j, "record"), "id"));
	assert_true(rid > 0);
	assert_int_equal(json_array_size(json_object_get(json_object_get(j, "record"),
	    "evidence")), 2);
	json_decref(j);
	/* Stored sealed: neither the pixels nor the PDF's text in the clear;
	 * the photo's size is its cleaned size. */
	db_stmt *q = NULL;
	assert_int_equal(db_prepare((db *)fx_conn(), "SELECT mime, size, name, data FROM"
	    " prevention_evidence WHERE kind = 'session' AND record_id = ? ORDER BY id", &q), XA_OK);
	db_bind_int(q, 1, rid);
	int rows = 0;
	while (db_step(q) == 1) {
		const void *data = db_col_blob(q, 3);
		size_t len = db_col_len(q, 3);
		assert_false(contains(data, len, "PIXELS-PREV"));
		assert_false(contains(data, len, "PDF-BODY-UNIQUE"));
		assert_false(contains(data, len, "GPS-SECRET"));
		if (rows == 0) {
			assert_string_equal(db_col_text(q, 0), "image/jpeg");
			assert_string_equal(db_col_text(q, 2), "讲座现场.jpg");
			assert_true(db_col_int(q, 1) < (int64_t)jpg.n);
		} else {
			assert_string_equal(db_col_text(q, 0), "application/pdf");
			assert_int_equal(db_col_int(q, 1), (int64_t)(sizeof pdf - 1));
		}
		rows++;
	}
	db_done(q);
	assert_int_equal(rows, 2);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'prevention.evidence'"),
	    audit0 + 2);

	/* Listed with the record, with where to fetch each. */
	j = req_json(&teach_a, "GET", path_of(school_a, "sessions?semester=" PAST), NULL, &st);
	assert_int_equal(st, 200);
	json_t *ev = evidence_of(j, "sessions", rid);
	assert_int_equal(json_array_size(ev), 2);
	char photo[160], doc[160];
	snprintf(photo, sizeof photo, "%s", json_string_value(json_object_get(json_array_get(ev, 0),
	    "api_href")));
	snprintf(doc, sizeof doc, "%s", json_string_value(json_object_get(json_array_get(ev, 1),
	    "api_href")));
	assert_true(json_is_true(json_object_get(json_array_get(ev, 0), "image")));
	assert_true(json_is_true(json_object_get(json_array_get(ev, 1), "pdf")));
	json_decref(j);

	/* The photo: cleaned, its own type, shown inline, never sniffed. */
	assert_int_equal(fx_req(&S, &teach_a, "GET", photo, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(resp_header(&r, "Content-Type"), "image/jpeg");
	assert_string_equal(resp_header(&r, "X-Content-Type-Options"), "nosniff");
	assert_non_null(strstr(resp_header(&r, "Content-Disposition"), "inline"));
	assert_true(contains(r.body, r.len, "PIXELS-PREV-7"));
	assert_false(contains(r.body, r.len, "GPS-SECRET"));
	assert_false(contains(r.body, r.len, "COMMENT-SECRET"));
	resp_free(&r);
	/* The PDF: as sent, and only downloaded. */
	assert_int_equal(fx_req(&S, &office, "GET", doc, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(resp_header(&r, "Content-Type"), "application/pdf");
	assert_string_equal(resp_header(&r, "X-Content-Type-Options"), "nosniff");
	assert_non_null(strstr(resp_header(&r, "Content-Disposition"), "attachment"));
	assert_int_equal(r.len, sizeof pdf - 1);
	assert_memory_equal(r.body, pdf, sizeof pdf - 1);
	resp_free(&r);

	/* Another school: 404 like a school that does not exist, and by its
	 * own school's path too. */
	struct resp other, missing, own;
	const char *eid = strrchr(photo, '/') + 1;
	char via_b[160], via_none[160];
	snprintf(via_b, sizeof via_b, "/api/v1/prevention/units/%lld/evidence/%s",
	    (long long)school_b, eid);
	snprintf(via_none, sizeof via_none, "/api/v1/prevention/units/999999/evidence/%s", eid);
	assert_int_equal(fx_req(&S, &prin_b, "GET", photo, NULL, &other), 0);
	assert_int_equal(fx_req(&S, &prin_b, "GET", via_none, NULL, &missing), 0);
	assert_int_equal(fx_req(&S, &prin_b, "GET", via_b, NULL, &own), 0);
	assert_int_equal(other.status, 404);
	assert_int_equal(missing.status, 404);
	assert_int_equal(own.status, 404);
	assert_string_equal(other.body, missing.body);
	assert_string_equal(own.body, missing.body);
	resp_free(&other);
	resp_free(&missing);
	resp_free(&own);

	/* The records page shows a thumbnail and a link; the compliance
	 * view counts the session as one with evidence. */
	char page[160], img[200];
	snprintf(page, sizeof page, "/prevention/units/%lld?semester=" PAST, (long long)school_a);
	snprintf(img, sizeof img, "<img src=\"/prevention/units/%lld/evidence/%s\"",
	    (long long)school_a, eid);
	assert_int_equal(fx_req_cookie(&S, &prin_a, "GET", page, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, img));
	assert_non_null(strstr(r.body, "签到表.pdf"));
	assert_non_null(strstr(r.body, "enctype=\"multipart/form-data\""));
	resp_free(&r);
	snprintf(page, sizeof page, "/prevention/units/%lld/evidence/%s", (long long)school_a, eid);
	assert_int_equal(fx_req_cookie(&S, &teach_a, "GET", page, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(resp_header(&r, "Content-Type"), "image/jpeg");
	resp_free(&r);
	char path[200];
	snprintf(path, sizeof path, "/api/v1/prevention/compliance?semester=" PAST "&unit=%lld",
	    (long long)school_a);
	j = req_json(&prin_a, "GET", path, NULL, &st);
	size_t i;
	json_t *d;
	int seen = 0;
	json_array_foreach(json_object_get(j, "duties"), i, d)
		if (strcmp(json_string_value(json_object_get(d, "key")), "sessions") == 0) {
			assert_int_equal(json_integer_value(json_object_get(d, "evidenced")), 1);
			assert_true(json_integer_value(json_object_get(d, "done")) >= 2);
			seen++;
		}
	assert_int_equal(seen, 1);
	json_decref(j);
}

/* A file of the wrong type, too big, or damaged: a clear answer, and
 * nothing stored, not even the record sent with it. */
static void
test_evidence_refused(void **state)
{
	(void)state;
	struct mp m = { 0 };
	struct resp r;
	int64_t before = stored();
	/* A GIF with a record. */
	mp_field(&m, "held_on", "2026-06-11");
	mp_field(&m, "topic", "REFUSED-TOPIC");
	mp_field(&m, "audience", "parents");
	mp_file(&m, "a.gif", "image/gif", "GIF89a\x01\x00\x01\x00\x00\x00\x00;", 14);
	mp_end(&m);
	assert_int_equal(post_mp(&prin_a, path_of(school_a, "sessions"), &m, 0, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "prevention_evidence_type"));
	assert_non_null(strstr(r.body, "只能上传JPG、PNG照片或PDF文件"));
	resp_free(&r);
	assert_int_equal(stored(), before);
	/* A PDF named .jpg is still a PDF; a text file named .pdf is not. */
	mp_field(&m, "held_on", "2026-06-11");
	mp_field(&m, "topic", "REFUSED-TOPIC");
	mp_field(&m, "audience", "parents");
	mp_file(&m, "fake.pdf", "application/pdf", "hello, not a PDF", 16);
	mp_end(&m);
	assert_int_equal(post_mp(&prin_a, path_of(school_a, "sessions"), &m, 0, &r), 0);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	assert_int_equal(stored(), before);
	/* One byte over 8 MB, in English. */
	size_t big = (8u << 20) + 1;
	char *data = malloc(big);
	assert_non_null(data);
	memset(data, 'x', big);
	memcpy(data, "%PDF-1.7\n", 9);
	mp_field(&m, "held_on", "2026-06-11");
	mp_field(&m, "topic", "REFUSED-TOPIC");
	mp_field(&m, "audience", "parents");
	mp_file(&m, "big.pdf", "application/pdf", data, big);
	mp_end(&m);
	char auth[96];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", prin_a.token);
	const char *h[] = { auth, "Accept-Language: en", NULL };
	assert_int_equal(http_req(&S, "POST", path_of(school_a, "sessions"), MP_CTYPE, m.d, m.n, h,
	    &r), 0);
	free(m.d);
	memset(&m, 0, sizeof m);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "prevention_evidence_too_big"));
	assert_non_null(strstr(r.body, "8 MB"));
	resp_free(&r);
	assert_int_equal(stored(), before);
	/* Exactly 8 MB is taken. */
	mp_field(&m, "held_on", "2026-06-11");
	mp_field(&m, "topic", "EXACT-8MB");
	mp_field(&m, "audience", "staff");
	mp_file(&m, "big.pdf", "application/pdf", data, big - 1);
	mp_end(&m);
	assert_int_equal(post_mp(&prin_a, path_of(school_a, "sessions"), &m, 0, &r), 0);
	assert_int_equal(r.status, 201);
	resp_free(&r);
	free(data);
	assert_int_equal(fx_int("SELECT size FROM prevention_evidence ORDER BY id DESC LIMIT 1"),
	    (int64_t)(8u << 20));
	before = stored();
	/* A photo cut short (it sniffs as a JPEG but does not clean). */
	struct bytes jpg;
	jpeg_with_exif(&jpg);
	mp_field(&m, "held_on", "2026-06-11");
	mp_field(&m, "topic", "REFUSED-TOPIC");
	mp_field(&m, "audience", "parents");
	mp_file(&m, "cut.jpg", "image/jpeg", jpg.d, 40);
	mp_end(&m);
	assert_int_equal(post_mp(&prin_a, path_of(school_a, "sessions"), &m, 0, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "prevention_evidence_damaged"));
	resp_free(&r);
	/* Five files at once; a file with a training record. */
	for (int i = 0; i < 5; i++)
		mp_file(&m, "p.pdf", "application/pdf", pdf, sizeof pdf - 1);
	mp_field(&m, "held_on", "2026-06-11");
	mp_field(&m, "topic", "REFUSED-TOPIC");
	mp_field(&m, "audience", "parents");
	mp_end(&m);
	assert_int_equal(post_mp(&prin_a, path_of(school_a, "sessions"), &m, 0, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "prevention_evidence_too_many"));
	resp_free(&r);
	mp_field(&m, "held_on", "2026-06-11");
	mp_field(&m, "name", "王老师");
	mp_field(&m, "role", "teacher");
	mp_field(&m, "course", "REFUSED-COURSE");
	mp_field(&m, "hours", "2");
	mp_file(&m, "p.pdf", "application/pdf", pdf, sizeof pdf - 1);
	mp_end(&m);
	assert_int_equal(post_mp(&prin_a, path_of(school_a, "training"), &m, 0, &r), 0);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	assert_int_equal(stored(), before);
	assert_int_equal(fx_int("SELECT count(*) FROM prevention_training WHERE course ="
	    " 'REFUSED-COURSE'"), 0);
	/* The page: the error page in Chinese, nothing stored. */
	char ppath[128];
	snprintf(ppath, sizeof ppath, "/prevention/units/%lld/screenings", (long long)school_a);
	mp_field(&m, "_csrf", prin_a.csrf);
	mp_field(&m, "held_on", "2026-06-11");
	mp_field(&m, "places", "toilet");
	mp_field(&m, "video", "no");
	mp_file(&m, "x.exe", "application/octet-stream", "MZ\x90\x00", 4);
	mp_end(&m);
	assert_int_equal(post_mp(&prin_a, ppath, &m, 1, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "文件类型不支持"));
	resp_free(&r);
	assert_int_equal(stored(), before);
}

/* Files added to an existing record: at most four in all; a correction
 * keeps them; the corrected record takes no more; only writers add. */
static void
test_evidence_added(void **state)
{
	(void)state;
	struct mp m = { 0 };
	struct resp r;
	long st;
	int64_t mid = post_id(&head_a, path_of(school_a, "class-meetings"),
	    "{\"held_on\":\"2026-06-12\",\"grade\":2,\"class\":\"1班\",\"topic\":\"EVIDENCE-MEETING\"}");
	assert_true(mid > 0);
	char tail[96], path[160];
	snprintf(tail, sizeof tail, "class-meetings/%lld/evidence", (long long)mid);
	snprintf(path, sizeof path, "%s", path_of(school_a, tail));
	struct bytes jpg;
	jpeg_with_exif(&jpg);
	for (int i = 0; i < 3; i++)
		mp_file(&m, "班会.jpg", "image/jpeg", jpg.d, jpg.n);
	mp_end(&m);
	assert_int_equal(post_mp(&head_a, path, &m, 0, &r), 0);
	assert_int_equal(r.status, 201);
	resp_free(&r);
	int64_t before = stored();
	/* Two more would make five. */
	mp_file(&m, "a.pdf", "application/pdf", pdf, sizeof pdf - 1);
	mp_file(&m, "b.pdf", "application/pdf", pdf, sizeof pdf - 1);
	mp_end(&m);
	assert_int_equal(post_mp(&head_a, path, &m, 0, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "prevention_evidence_too_many"));
	resp_free(&r);
	assert_int_equal(stored(), before);
	/* No file; a teacher (reads only); another school; a record that is
	 * not there; training. */
	mp_end(&m);
	assert_int_equal(post_mp(&head_a, path, &m, 0, &r), 0);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	mp_file(&m, "a.pdf", "application/pdf", pdf, sizeof pdf - 1);
	mp_end(&m);
	assert_int_equal(post_mp(&teach_a, path, &m, 0, &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	mp_file(&m, "a.pdf", "application/pdf", pdf, sizeof pdf - 1);
	mp_end(&m);
	assert_int_equal(post_mp(&prin_b, path, &m, 0, &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	snprintf(tail, sizeof tail, "class-meetings/%lld/evidence", (long long)mid);
	char bpath[160];
	snprintf(bpath, sizeof bpath, "%s", path_of(school_b, tail));
	mp_file(&m, "a.pdf", "application/pdf", pdf, sizeof pdf - 1);
	mp_end(&m);
	assert_int_equal(post_mp(&prin_b, bpath, &m, 0, &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	mp_file(&m, "a.pdf", "application/pdf", pdf, sizeof pdf - 1);
	mp_end(&m);
	assert_int_equal(post_mp(&head_a, path_of(school_a, "training/1/evidence"), &m, 0, &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	assert_int_equal(stored(), before);
	/* The fourth, from the page. */
	char ppath[160];
	snprintf(ppath, sizeof ppath, "/prevention/units/%lld/class-meetings/%lld/evidence",
	    (long long)school_a, (long long)mid);
	mp_field(&m, "_csrf", head_a.csrf);
	mp_file(&m, "d.pdf", "application/pdf", pdf, sizeof pdf - 1);
	mp_end(&m);
	assert_int_equal(post_mp(&head_a, ppath, &m, 1, &r), 0);
	assert_int_equal(r.status, 303);
	assert_non_null(strstr(resp_header(&r, "Location"), "semester=" PAST "#class-meetings"));
	resp_free(&r);
	char q[160];
	snprintf(q, sizeof q, "SELECT count(*) FROM prevention_evidence WHERE kind = 'class_meeting'"
	    " AND record_id = %lld", (long long)mid);
	assert_int_equal(fx_int(q), 4);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'prevention.evidence'"
	    " AND fields LIKE 'class_meeting=%'"), 4);
	/* A correction keeps the four files; the old record takes no more. */
	char body[256];
	snprintf(body, sizeof body, "{\"held_on\":\"2026-06-12\",\"grade\":2,\"class\":\"1班\","
	    "\"topic\":\"EVIDENCE-MEETING 更正\",\"replaces\":%lld}", (long long)mid);
	int64_t mid2 = post_id(&head_a, path_of(school_a, "class-meetings"), body);
	assert_true(mid2 > mid);
	json_t *j = req_json(&head_a, "GET", path_of(school_a, "class-meetings?semester=" PAST),
	    NULL, &st);
	assert_int_equal(json_array_size(evidence_of(j, "class_meetings", mid2)), 4);
	assert_null(evidence_of(j, "class_meetings", mid));
	json_decref(j);
	mp_file(&m, "e.pdf", "application/pdf", pdf, sizeof pdf - 1);
	mp_end(&m);
	assert_int_equal(post_mp(&head_a, path, &m, 0, &r), 0);
	assert_int_equal(r.status, 409);
	resp_free(&r);
}

/* The same training file imported twice: the second time every row is
 * skipped and said so; a file with one new row writes only that one. */
static void
test_import_twice(void **state)
{
	(void)state;
	static const char file[] =
	    "姓名,岗位,培训内容,培训日期,学时,培训单位\r\n"
	    "孙老师,任课教师,TWICE-COURSE,2026-05-05,2,市教育局\r\n"
	    "周老师,班主任,TWICE-COURSE,2026-05-05,2,市教育局\r\n";
	struct resp r;
	int64_t before = fx_int("SELECT count(*) FROM prevention_training");
	assert_int_equal(fx_req_ctype(&S, &prin_a, "POST", path_of(school_a, "training/import"),
	    "text/csv", file, &r), 0);
	assert_int_equal(r.status, 201);
	json_t *j = json_loads(r.body, 0, NULL);
	resp_free(&r);
	assert_int_equal(json_integer_value(json_object_get(j, "imported")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "skipped")), 0);
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM prevention_training"), before + 2);
	/* Again: nothing doubled. */
	assert_int_equal(fx_req_ctype(&S, &prin_a, "POST", path_of(school_a, "training/import"),
	    "text/csv", file, &r), 0);
	assert_int_equal(r.status, 201);
	j = json_loads(r.body, 0, NULL);
	resp_free(&r);
	assert_int_equal(json_integer_value(json_object_get(j, "imported")), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "skipped")), 2);
	assert_string_equal(json_string_value(json_object_get(j, "skipped_text")),
	    "已存在，跳过 2 行。");
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM prevention_training"), before + 2);
	/* Another provider or another date is another course taken; the
	 * same person and course twice in one file counts once. */
	static const char more[] =
	    "姓名,岗位,培训内容,培训日期,学时,培训单位\r\n"
	    "孙老师,任课教师,TWICE-COURSE,2026-05-05,2,市教育局\r\n"
	    "孙老师,任课教师,TWICE-COURSE,2026-05-05,2,市教师进修学校\r\n"
	    "周老师,班主任,TWICE-COURSE,2026/5/6,2,市教育局\r\n"
	    "周老师,班主任,TWICE-COURSE,2026-05-06,2,市教育局\r\n";
	assert_int_equal(fx_req_ctype(&S, &prin_a, "POST", path_of(school_a, "training/import"),
	    "text/csv", more, &r), 0);
	assert_int_equal(r.status, 201);
	j = json_loads(r.body, 0, NULL);
	resp_free(&r);
	assert_int_equal(json_integer_value(json_object_get(j, "imported")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "skipped")), 2);
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM prevention_training"), before + 4);
	/* Another school importing the same names writes its own. */
	assert_int_equal(fx_req_ctype(&S, &prin_b, "POST", path_of(school_b, "training/import"),
	    "text/csv", file, &r), 0);
	assert_int_equal(r.status, 201);
	j = json_loads(r.body, 0, NULL);
	resp_free(&r);
	assert_int_equal(json_integer_value(json_object_get(j, "imported")), 2);
	json_decref(j);
	/* The page says how many were skipped. */
	struct mp m = { 0 };
	char ppath[128];
	snprintf(ppath, sizeof ppath, "/prevention/units/%lld/training/import", (long long)school_a);
	mp_field(&m, "_csrf", prin_a.csrf);
	char h[256];
	snprintf(h, sizeof h, "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"file\";"
	    " filename=\"t.csv\"\r\nContent-Type: text/csv\r\n\r\n");
	mp_put(&m, h, strlen(h));
	mp_put(&m, file, sizeof file - 1);
	mp_put(&m, "\r\n", 2);
	mp_end(&m);
	assert_int_equal(post_mp(&prin_a, ppath, &m, 1, &r), 0);
	assert_int_equal(r.status, 303);
	const char *loc = resp_header(&r, "Location");
	assert_non_null(loc);
	assert_non_null(strstr(loc, "imported=0&skipped=2"));
	char next[256];
	snprintf(next, sizeof next, "%s", loc);
	resp_free(&r);
	assert_int_equal(fx_req_cookie(&S, &prin_a, "GET", next, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "已导入 0 条培训记录。已存在，跳过 2 行。"));
	resp_free(&r);
	assert_int_equal(fx_int("SELECT count(*) FROM prevention_training WHERE"
	    " course = 'TWICE-COURSE'"), 6);	/* A's four, B's two */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_semesters),
		cmocka_unit_test(test_records_per_school),
		cmocka_unit_test(test_correction),
		cmocka_unit_test(test_compliance_past),
		cmocka_unit_test(test_compliance_due),
		cmocka_unit_test(test_training_import),
		cmocka_unit_test(test_settings_change_requirement),
		cmocka_unit_test(test_page_forms),
		cmocka_unit_test(test_evidence_with_record),
		cmocka_unit_test(test_evidence_refused),
		cmocka_unit_test(test_evidence_added),
		cmocka_unit_test(test_import_twice),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
