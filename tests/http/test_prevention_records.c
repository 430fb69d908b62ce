/* test_prevention_records.c: a school's prevention records and the
 * compliance view (src/prevention/records*.c), against the real server.
 *
 * Records are created and listed per school; another school's are
 * answered exactly like a missing one (404); corrections replace and are
 * audited; the compliance counts, the per-class shortfalls and the
 * "behind" and "coming due" marks follow from fixture records, over HTTP
 * for a semester that has ended and through prev_compliance() with an
 * injected day for one under way; the training CSV import is all or
 * nothing with per-row errors in Chinese; and the settings change what is
 * required. */
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
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
