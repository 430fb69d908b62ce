/* test_calendar_http.c: the bureau's working calendar over HTTP: the
 * office enters a year's holidays and make-up days, a wrong line is
 * refused with its number and changes nothing, saving replaces the year,
 * a school reads it and cannot change it, and calendar_load() hands the
 * deadline code what was entered. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "core/calendar.h"
#include "fixture.h"
#include "harness.h"
#include "org/org.h"

static struct srv S;
static struct session office, school_head;

static int
setup(void **state)
{
	memset(&S, 0, sizeof S);
	if (srv_start(&S, NULL) != 0 || fx_setup(&S) != 0)
		return -1;
	int64_t o = fx_unit(1, "office", "办公室", NULL);
	int64_t sch = fx_unit(1, "school", "一小", "primary");
	if (fx_account(o, "office1", "Office-pass-1", ROLE_BIT(ROLE_OFFICE_STAFF)) < 0 ||
	    fx_account(sch, "head1", "Head-pass-1", ROLE_BIT(ROLE_PRINCIPAL)) < 0)
		return -1;
	return fx_signin(&S, "office1", "Office-pass-1", &office) ||
	    fx_signin(&S, "head1", "Head-pass-1", &school_head);
}

static int
teardown(void **state)
{
	fx_done();
	int rc = srv_stop(&S);
	srv_cleanup(&S);
	return rc;
}

static const char year2026[] = "{\"year\":2026,\"days\":\"# 国庆节\\n"
    "2026-10-01,放假,国庆节\\n2026-10-02,holiday\\n2026-10-10,上班,调休\\n\"}";

static void
test_enter_and_read(void **state)
{
	struct resp r;
	assert_int_equal(fx_req(&S, &office, "PUT", "/api/v1/calendar", year2026, &r), 0);
	assert_int_equal(r.status, 200);
	json_t *j = json_loads(r.body, 0, NULL);
	json_t *days = json_object_get(j, "days");
	assert_int_equal(json_array_size(days), 3);
	json_t *d0 = json_array_get(days, 0);
	assert_string_equal(json_string_value(json_object_get(d0, "day")), "2026-10-01");
	assert_string_equal(json_string_value(json_object_get(d0, "kind")), "holiday");
	assert_string_equal(json_string_value(json_object_get(d0, "name")), "国庆节");
	assert_string_equal(json_string_value(json_object_get(d0, "weekday")), "星期四");
	json_decref(j);
	resp_free(&r);
	/* A school reads it. */
	assert_int_equal(fx_req(&S, &school_head, "GET", "/api/v1/calendar?year=2026", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "2026-10-10"));
	assert_non_null(strstr(r.body, "\"can_edit\":false"));
	resp_free(&r);
	/* The deadline code sees the same calendar. */
	calendar c;
	assert_int_equal(calendar_load(fx_conn(), &c), XA_OK);
	xa_day d;
	day_parse("2026-10-01", &d);
	assert_false(calendar_is_workday(&c, d));
	day_parse("2026-10-10", &d);
	assert_true(calendar_is_workday(&c, d));	/* a Saturday, made a working day */
	day_parse("2026-10-09", &d);
	assert_true(calendar_is_workday(&c, d));
	calendar_free(&c);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'calendar.replace'"), 1);
}

static void
test_bad_lines_change_nothing(void **state)
{
	static const char *const bad[] = {
		"{\"year\":2026,\"days\":\"2026-10-01,holiday\\n2025-12-31,holiday\"}",
		"{\"year\":2026,\"days\":\"2026-10-01,holiday\\n2026-10-01,workday\"}",
		"{\"year\":2026,\"days\":\"2026-10-01,holiday\\n2026-02-30,holiday\"}",
		"{\"year\":2026,\"days\":\"2026-10-01,holiday\\n2026-10-03,maybe\"}",
		"{\"year\":2026,\"days\":\"2026-10-01,holiday\\n20261003\"}",
	};
	int64_t before = fx_int("SELECT count(*) FROM calendar_days");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct resp r;
		assert_int_equal(fx_req(&S, &office, "PUT", "/api/v1/calendar", bad[i], &r), 0);
		assert_int_equal(r.status, 400);
		assert_non_null(strstr(r.body, "\"line\":2"));
		resp_free(&r);
	}
	assert_int_equal(fx_int("SELECT count(*) FROM calendar_days"), before);
}

static void
test_replace_and_permissions(void **state)
{
	struct resp r;
	static const char again[] = "{\"year\":2026,\"days\":\"2026-05-01,holiday,劳动节\"}";
	assert_int_equal(fx_req(&S, &school_head, "PUT", "/api/v1/calendar", again, &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	assert_int_equal(fx_int("SELECT count(*) FROM calendar_days WHERE day = '2026-05-01'"), 0);
	/* Another year is left alone; this year is replaced whole. */
	assert_int_equal(fx_sql("INSERT INTO calendar_days (day, kind, updated_at) VALUES "
	    "('2027-01-01', 'holiday', 0)"), 0);
	assert_int_equal(fx_req(&S, &office, "PUT", "/api/v1/calendar", again, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	assert_int_equal(fx_int("SELECT count(*) FROM calendar_days WHERE day LIKE '2026-%'"), 1);
	assert_int_equal(fx_int("SELECT count(*) FROM calendar_days WHERE day = '2027-01-01'"), 1);
	/* The page and its form. */
	assert_int_equal(fx_req_cookie(&S, &office, "GET", "/calendar?year=2026", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "劳动节"));
	assert_non_null(strstr(r.body, "name=\"days\""));
	resp_free(&r);
	assert_int_equal(fx_req_cookie(&S, &school_head, "GET", "/calendar?year=2026", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "name=\"days\""));
	resp_free(&r);
	assert_int_equal(fx_req_cookie(&S, &office, "POST", "/calendar",
	    "application/x-www-form-urlencoded", "year=2026&days=2026-05-01%2C%E6%94%BE%E5%81%87%0A2026-05-02%2Cx", 1, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "role=\"alert\""));
	resp_free(&r);
	assert_int_equal(fx_req_cookie(&S, &office, "POST", "/calendar",
	    "application/x-www-form-urlencoded", "year=2026&days=2026-05-01%2C%E6%94%BE%E5%81%87", 1, &r), 0);
	assert_int_equal(r.status, 303);
	assert_string_equal(resp_header(&r, "Location"), "/calendar?year=2026");
	resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enter_and_read),
		cmocka_unit_test(test_bad_lines_change_nothing),
		cmocka_unit_test(test_replace_and_permissions),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
