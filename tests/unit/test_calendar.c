/* test_calendar.c: dates, zones, working days with holidays and make-up
 * working days (调休), and deadlines — with the clock injected as the
 * start instant, never read. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/calendar.h"

#define SHANGHAI (8 * 3600)

static xa_day
D(const char *s)
{
	xa_day d = 0;
	if (day_parse(s, &d) != XA_OK)
		fail_msg("bad date in test: %s", s);
	return d;
}

static void
test_parse_and_format(void **state)
{
	xa_day d;
	char out[11];
	assert_int_equal(day_parse("1970-01-01", &d), XA_OK);
	assert_int_equal(d, 0);
	assert_int_equal(day_parse("2026-11-29", &d), XA_OK);
	assert_int_equal(d, 20786);
	day_format(d, out);
	assert_string_equal(out, "2026-11-29");
	assert_int_equal(day_parse("2028-02-29", &d), XA_OK);	/* leap */
	assert_int_equal(day_parse("2000-02-29", &d), XA_OK);	/* leap: by 400 */
	static const char *const bad[] = { "2026-02-29", "2100-02-29", "2026-13-01",
		"2026-00-10", "2026-04-31", "2026-1-01", "2026/01/01", "1969-12-31",
		"", "2026-01-01x", "２０２６-01-01", NULL };
	for (int i = 0; bad[i] != NULL; i++)
		assert_int_equal(day_parse(bad[i], &d), XA_EINVAL);
	assert_int_equal(day_parse(NULL, &d), XA_EINVAL);
	/* Every day of three years round-trips. */
	for (xa_day k = D("2025-01-01"); k < D("2028-01-01"); k++) {
		xa_day back;
		day_format(k, out);
		assert_int_equal(day_parse(out, &back), XA_OK);
		assert_int_equal(back, k);
	}
}

static void
test_weekdays(void **state)
{
	assert_int_equal(day_weekday(0), 4);			/* Thursday */
	assert_int_equal(day_weekday(D("2018-08-07")), 2);	/* the notice: a Tuesday */
	assert_int_equal(day_weekday(D("2026-11-29")), 7);	/* Sunday */
	assert_int_equal(day_weekday(D("2026-11-30")), 1);	/* Monday */
}

static void
test_zones(void **state)
{
	long z = -1;
	assert_int_equal(zone_offset("Asia/Shanghai", &z), XA_OK);
	assert_int_equal(z, 28800);
	assert_int_equal(zone_offset("Asia/Urumqi", &z), XA_OK);
	assert_int_equal(z, 21600);
	assert_int_equal(zone_offset("UTC", &z), XA_OK);
	assert_int_equal(z, 0);
	assert_int_equal(zone_offset("Asia/Shangai", &z), XA_EINVAL);
	assert_int_equal(zone_offset("Europe/Berlin", &z), XA_EINVAL);
	assert_int_equal(zone_offset(NULL, &z), XA_EINVAL);
	/* Midnight in Xinzheng is 16:00 UTC the day before. */
	int64_t midnight = 1795881600;	/* 2026-11-29 00:00 +08 */
	assert_int_equal(day_of(midnight, SHANGHAI), D("2026-11-29"));
	assert_int_equal(day_of(midnight - 1, SHANGHAI), D("2026-11-28"));
	assert_int_equal(day_of(midnight, 0), D("2026-11-28"));
	assert_int_equal(day_start(D("2026-11-29"), SHANGHAI), midnight);
	/* Before 1970 in UTC is still the right day. */
	assert_int_equal(day_of(-1, 0), -1);
}

static void
test_workdays_plain(void **state)
{
	assert_true(calendar_is_workday(NULL, D("2026-11-27")));	/* Friday */
	assert_false(calendar_is_workday(NULL, D("2026-11-28")));	/* Saturday */
	assert_false(calendar_is_workday(NULL, D("2026-11-29")));	/* Sunday */
	assert_int_equal(workdays_between(NULL, D("2026-11-27"), D("2026-12-04")), 5);
	assert_int_equal(workdays_between(NULL, D("2026-11-27"), D("2026-11-27")), 0);
	assert_int_equal(workdays_between(NULL, D("2026-12-04"), D("2026-11-27")), 0);
}

/* A week with a three-day holiday (Mon–Wed) and a make-up Saturday. */
static calendar
holiday_week(void)
{
	struct cal_entry e[] = {
		{ D("2026-12-05"), DAY_WORKDAY },
		{ D("2026-11-30"), DAY_HOLIDAY },
		{ D("2026-12-01"), DAY_HOLIDAY },
		{ D("2026-12-02"), DAY_HOLIDAY },
	};
	calendar c;
	assert_int_equal(calendar_make(e, 4, &c), XA_OK);
	return c;
}

static void
test_holidays_and_makeup_days(void **state)
{
	calendar c = holiday_week();
	assert_false(calendar_is_workday(&c, D("2026-11-30")));
	assert_false(calendar_is_workday(&c, D("2026-12-02")));
	assert_true(calendar_is_workday(&c, D("2026-12-03")));
	assert_true(calendar_is_workday(&c, D("2026-12-05")));	/* 调休 Saturday */
	assert_false(calendar_is_workday(&c, D("2026-12-06")));
	assert_int_equal(workdays_between(&c, D("2026-11-27"), D("2026-12-07")), 4);
	calendar_free(&c);
	/* A day given twice keeps the kind given last. */
	struct cal_entry twice[] = {
		{ D("2026-12-08"), DAY_HOLIDAY }, { D("2026-12-09"), DAY_HOLIDAY },
		{ D("2026-12-08"), DAY_NORMAL },
	};
	assert_int_equal(calendar_make(twice, 3, &c), XA_OK);
	assert_int_equal(c.n, 2);
	assert_true(calendar_is_workday(&c, D("2026-12-08")));
	assert_false(calendar_is_workday(&c, D("2026-12-09")));
	calendar_free(&c);
	assert_int_equal(calendar_make(NULL, 0, &c), XA_OK);
	assert_true(calendar_is_workday(&c, D("2026-12-09")));
	calendar_free(&c);
}

static void
test_deadlines(void **state)
{
	/* An investigation opened on Friday 2026-11-27 at 15:00 in Xinzheng. */
	int64_t start = 1795762800;
	/* 10 calendar days: due when 2026-12-07 ends. */
	assert_int_equal(deadline_due(NULL, start, 10, LIMIT_DAYS, SHANGHAI), 1796659200);
	/* 10 working days: Mon 11-30 ... Fri 12-11. */
	assert_int_equal(deadline_due(NULL, start, 10, LIMIT_WORKDAYS, SHANGHAI), 1797004800);
	/* With the holiday week: 12-03, 12-04, Sat 12-05, 12-07 ... 12-11, 12-14,
	 * 12-15 — due when Tuesday 12-15 ends. */
	calendar c = holiday_week();
	assert_int_equal(deadline_due(&c, start, 10, LIMIT_WORKDAYS, SHANGHAI), 1797350400);
	/* Calendar days do not care about holidays. */
	assert_int_equal(deadline_due(&c, start, 10, LIMIT_DAYS, SHANGHAI), 1796659200);
	calendar_free(&c);
	/* Hours are hours: the same-day report to the police, 24 h. */
	assert_int_equal(deadline_due(NULL, start, 24, LIMIT_HOURS, SHANGHAI), start + 86400);
	/* 0 days: the end of the start's own day; a negative amount counts as 0. */
	assert_int_equal(deadline_due(NULL, start, 0, LIMIT_DAYS, SHANGHAI), 1795795200);
	assert_int_equal(deadline_due(NULL, start, -3, LIMIT_WORKDAYS, SHANGHAI), 1795795200);
	/* 23:30 on Friday still starts on Friday; 00:30 on Saturday does not. */
	int64_t late = 1795795200 - 1800, early = 1795795200 + 1800;
	assert_int_equal(deadline_due(NULL, late, 1, LIMIT_WORKDAYS, SHANGHAI),
	    day_start(D("2026-12-01"), SHANGHAI));
	assert_int_equal(deadline_due(NULL, early, 1, LIMIT_WORKDAYS, SHANGHAI),
	    day_start(D("2026-12-01"), SHANGHAI));
	assert_int_equal(deadline_due(NULL, early, 0, LIMIT_DAYS, SHANGHAI),
	    day_start(D("2026-11-29"), SHANGHAI));
}


/* An instant written for reading and for a datetime-local input. */
static void
test_time_format(void **state)
{
	char out[17];
	/* 2026-11-29 02:05 UTC is 10:05 in Shanghai, 08:05 in Urumqi. */
	int64_t t = day_start(D("2026-11-29"), 0) + 2 * 3600 + 5 * 60;
	time_format(t, SHANGHAI, ' ', out);
	assert_string_equal(out, "2026-11-29 10:05");
	time_format(t, 6 * 3600, 'T', out);
	assert_string_equal(out, "2026-11-29T08:05");
	/* Just before midnight in the zone is still that day. */
	time_format(day_start(D("2026-11-30"), SHANGHAI) - 60, SHANGHAI, ' ', out);
	assert_string_equal(out, "2026-11-29 23:59");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_format),
		cmocka_unit_test(test_weekdays),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_workdays_plain),
		cmocka_unit_test(test_holidays_and_makeup_days),
		cmocka_unit_test(test_deadlines),
		cmocka_unit_test(test_time_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
