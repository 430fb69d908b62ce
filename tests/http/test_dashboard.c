/* test_dashboard.c: the dashboard (src/bureau/dashboard_http.c) against
 * the real server.
 *
 * Fixture cases in two schools of two townships (open in several states,
 * one past its time limit, one supervised, one closed) and a survey
 * warning: the bureau's numbers match them (open by state and tier,
 * overdue, supervised, open warnings, this month in the twelve-month
 * trend, compliance rows per township) and its page draws the charts as
 * inline SVG; each school's dashboard lists its own open cases with their
 * deadlines and its duties, and holds nothing of the other school; roles
 * without the dashboard get 404. */
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

static struct srv S;
static struct session prin_a, prin_b, teach_a, office, sysadm;
static int64_t town_a, town_b, school_a, school_b;
static int year_now;

static json_t *
call(const struct session *as, const char *path, long *status)
{
	struct resp r;
	if (fx_req(&S, as, "GET", path, NULL, &r) != 0) {
		*status = -1;
		return NULL;
	}
	*status = r.status;
	json_t *j = json_loads(r.body ? r.body : "null", JSON_DECODE_ANY, NULL);
	resp_free(&r);
	return j;
}

static void
add_case(int64_t school, int seq, const char *state, const char *tier, int64_t due_at,
    int64_t opened)
{
	char sql[512];
	snprintf(sql, sizeof sql, "INSERT INTO cases (unit_id, year, seq, summary, state,"
	    " state_since, due_at, tier, opened_at) VALUES (%lld, %d, %d, x'00', '%s', %lld,"
	    " %lld, '%s', %lld)", (long long)school, year_now, seq, state, (long long)opened,
	    (long long)due_at, tier, (long long)opened);
	assert_int_equal(fx_sql(sql), 0);
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
	if (fx_sql("UPDATE units SET township_id = parent_id WHERE kind = 'school'") != 0)
		return -1;
	char sql[256];
	snprintf(sql, sizeof sql, "INSERT INTO classes (unit_id, grade, name, boys, girls) VALUES"
	    " (%lld, 1, '1班', 20, 20), (%lld, 1, '1班', 20, 20)", (long long)school_a,
	    (long long)school_b);
	if (fx_sql(sql) != 0)
		return -1;
	if (fx_account(school_a, "prin-a", "Dash-pass-1", ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(school_a, "teach-a", "Dash-pass-1", ROLE_BIT(ROLE_TEACHER)) < 0 ||
	    fx_account(school_b, "prin-b", "Dash-pass-1", ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(off, "office-1", "Dash-pass-1", ROLE_BIT(ROLE_OFFICE_STAFF)) < 0 ||
	    fx_account(1, "sys-1", "Dash-pass-1", ROLE_BIT(ROLE_SYSADMIN)) < 0)
		return -1;
	if (fx_signin(&S, "prin-a", "Dash-pass-1", &prin_a) != 0 ||
	    fx_signin(&S, "teach-a", "Dash-pass-1", &teach_a) != 0 ||
	    fx_signin(&S, "prin-b", "Dash-pass-1", &prin_b) != 0 ||
	    fx_signin(&S, "office-1", "Dash-pass-1", &office) != 0 ||
	    fx_signin(&S, "sys-1", "Dash-pass-1", &sysadm) != 0)
		return -1;
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	year_now = tm.tm_year + 1900;
	int64_t now = (int64_t)t;
	/* School A: three open (one past its limit, one supervised and
	 * serious), one closed. School B: two open, numbered 9xxx. */
	add_case(school_a, 1, "investigating", "", now + 5 * 86400, now - 3600);
	add_case(school_a, 2, "investigating", "", now - 2 * 86400, now - 3600);
	add_case(school_a, 3, "measures", "serious", 0, now - 3600);
	add_case(school_a, 4, "closed", "general", 0, now - 3600);
	add_case(school_b, 9001, "reported", "", now + 86400, now - 3600);
	add_case(school_b, 9002, "measures", "general", 0, now - 3600);
	snprintf(sql, sizeof sql, "INSERT INTO supervisions (case_id, state, due_on, opened_at)"
	    " SELECT id, 'open', '2099-01-01', %lld FROM cases WHERE unit_id = %lld AND seq = 3",
	    (long long)now, (long long)school_a);
	if (fx_sql(sql) != 0)
		return -1;
	snprintf(sql, sizeof sql, "INSERT INTO survey_warnings (campaign_id, unit_id, class_id,"
	    " reason, prevalence, threshold, respondents, raised_at) VALUES (1, %lld, 0, 'high',"
	    " 250, 20, 40, %lld)", (long long)school_b, (long long)now);
	if (fx_sql(sql) != 0)
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

static int64_t
n_of(json_t *list, const char *key, const char *value)
{
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o)
		if (strcmp(json_string_value(json_object_get(o, key)), value) == 0)
			return json_integer_value(json_object_get(o, "n"));
	return -1;
}

static void
test_bureau(void **state)
{
	(void)state;
	long st;
	json_t *j = call(&office, "/api/v1/dashboard", &st);
	assert_int_equal(st, 200);
	assert_true(json_is_true(json_object_get(j, "bureau")));
	json_t *c = json_object_get(j, "cases");
	assert_int_equal(json_integer_value(json_object_get(c, "open")), 5);
	assert_int_equal(json_integer_value(json_object_get(c, "overdue")), 1);
	assert_int_equal(json_integer_value(json_object_get(c, "supervised")), 1);
	json_t *bs = json_object_get(c, "by_state");
	assert_int_equal(n_of(bs, "state", "investigating"), 2);
	assert_int_equal(n_of(bs, "state", "measures"), 2);
	assert_int_equal(n_of(bs, "state", "reported"), 1);
	assert_int_equal(n_of(bs, "state", "closed"), -1);
	json_t *bt = json_object_get(c, "by_tier");
	assert_int_equal(n_of(bt, "tier", "serious"), 1);
	assert_int_equal(n_of(bt, "tier", "general"), 1);
	assert_int_equal(n_of(bt, "tier", ""), 3);
	/* This month: all six opened an hour ago (or last month, just after
	 * midnight on the 1st). */
	json_t *trend = json_object_get(c, "trend");
	assert_int_equal(json_array_size(trend), 12);
	int64_t last = json_integer_value(json_object_get(json_array_get(trend, 11), "n"));
	int64_t prev = json_integer_value(json_object_get(json_array_get(trend, 10), "n"));
	assert_int_equal(last + prev, 6);
	assert_int_equal(json_integer_value(json_object_get(j, "warnings_open")), 1);
	/* Compliance: a row per township with its one school. */
	json_t *towns = json_object_get(json_object_get(j, "compliance"), "townships");
	assert_int_equal(json_array_size(towns), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(towns, 0), "schools")), 1);
	assert_int_equal(json_array_size(json_object_get(json_array_get(towns, 0), "duties")), 5);
	/* The API carries numbers, not pictures. */
	assert_null(json_object_get(j, "charts"));
	json_decref(j);

	/* The page: the charts inline, each with its title. */
	struct resp r;
	assert_int_equal(fx_req_cookie(&S, &office, "GET", "/dashboard", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "<svg xmlns"));
	assert_non_null(strstr(r.body, "<title>在办事件：按办理阶段</title>"));
	assert_non_null(strstr(r.body, "<title>近十二个月新受理事件</title>"));
	assert_non_null(strstr(r.body, "<title>本学期各乡镇预防工作完成情况</title>"));
	assert_non_null(strstr(r.body, "甲镇 · "));
	resp_free(&r);
}

static void
test_school(void **state)
{
	(void)state;
	long st;
	json_t *j = call(&prin_a, "/api/v1/dashboard", &st);
	assert_int_equal(st, 200);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "school"),
	    "name")), "甲小学");
	json_t *cases = json_object_get(j, "cases");
	assert_int_equal(json_array_size(cases), 3);
	assert_int_equal(json_integer_value(json_object_get(j, "overdue")), 1);
	/* Nearest deadline first: the overdue one, with its date. */
	json_t *first = json_array_get(cases, 0);
	assert_true(json_is_true(json_object_get(first, "overdue")));
	assert_string_equal(json_string_value(json_object_get(first, "state")), "investigating");
	assert_int_equal(strlen(json_string_value(json_object_get(first, "due"))), 10);
	assert_int_equal(json_array_size(json_object_get(j, "duties")), 5);
	assert_int_equal(json_integer_value(json_object_get(j, "warnings_open")), 0);
	char *dump = json_dumps(j, 0);
	assert_null(strstr(dump, "乙小学"));
	assert_null(strstr(dump, "9001"));
	assert_null(strstr(dump, "9002"));
	free(dump);
	json_decref(j);
	/* School B sees its two and its warning, nothing of A. */
	j = call(&prin_b, "/api/v1/dashboard", &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(j, "cases")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "warnings_open")), 1);
	dump = json_dumps(j, 0);
	assert_non_null(strstr(dump, "9001"));
	assert_null(strstr(dump, "甲小学"));
	free(dump);
	json_decref(j);
	/* The page. */
	struct resp r;
	assert_int_equal(fx_req_cookie(&S, &prin_a, "GET", "/dashboard", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "本校在办事件"));
	assert_null(strstr(r.body, "乙小学"));
	assert_null(strstr(r.body, "9001"));
	resp_free(&r);
	/* Roles without a dashboard. */
	assert_int_equal((json_decref(call(&teach_a, "/api/v1/dashboard", &st)), st), 404);
	assert_int_equal((json_decref(call(&sysadm, "/api/v1/dashboard", &st)), st), 404);
}

/* A school and a township of 60 characters each (180 bytes, once cut
 * inside a character into 128-byte buffers: the heat map lost the row,
 * the school's dashboard its name): whole in both dashboards, and the
 * heat map's row label and tooltips valid UTF-8. Last: adds a school. */
static void
test_long_names(void **state)
{
	(void)state;
	char tname[256], sname[256], sql[256];
	size_t k = 0;
	for (int i = 0; i < 59; i++)
		k += (size_t)snprintf(tname + k, sizeof tname - k, "长");
	snprintf(tname + k, sizeof tname - k, "镇");
	k = 0;
	for (int i = 0; i < 58; i++)
		k += (size_t)snprintf(sname + k, sizeof sname - k, "明");
	snprintf(sname + k, sizeof sname - k, "小学");
	int64_t t = fx_unit(1, "township", tname, NULL);
	int64_t sc = fx_unit(t, "school", sname, "primary");
	snprintf(sql, sizeof sql, "UPDATE units SET township_id = %lld WHERE id = %lld",
	    (long long)t, (long long)sc);
	assert_int_equal(fx_sql(sql), 0);
	snprintf(sql, sizeof sql, "INSERT INTO classes (unit_id, grade, name, boys, girls) VALUES"
	    " (%lld, 1, '1班', 20, 20)", (long long)sc);
	assert_int_equal(fx_sql(sql), 0);
	assert_true(fx_account(sc, "prin-long", "Dash-pass-1", ROLE_BIT(ROLE_PRINCIPAL)) > 0);
	struct session prin;
	assert_int_equal(fx_signin(&S, "prin-long", "Dash-pass-1", &prin), 0);
	long st;
	json_t *j = call(&office, "/api/v1/dashboard", &st);
	assert_int_equal(st, 200);
	json_t *towns = json_object_get(json_object_get(j, "compliance"), "townships");
	assert_int_equal(json_array_size(towns), 3);
	int found = 0;
	size_t i;
	json_t *v;
	json_array_foreach(towns, i, v)
		found += strcmp(json_string_value(json_object_get(v, "name")), tname) == 0;
	assert_int_equal(found, 1);
	json_decref(j);
	struct resp r;
	assert_int_equal(fx_req_cookie(&S, &office, "GET", "/dashboard", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	/* The heat map: a row for it (its tooltip starts with the name). */
	char want[300];
	snprintf(want, sizeof want, "<title>%s · ", tname);
	assert_non_null(strstr(r.body, want));
	resp_free(&r);
	j = call(&prin, "/api/v1/dashboard", &st);
	assert_int_equal(st, 200);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "school"),
	    "name")), sname);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bureau),
		cmocka_unit_test(test_school),
		cmocka_unit_test(test_long_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
