/* calendar.h: calendar days, working days and deadlines in the bureau's
 * time zone, on the holiday calendar the bureau keeps.
 *
 * Times are stored as UTC seconds; a "day" is a calendar date in the
 * bureau's zone, counted as days since 1970-01-01. A working day is Monday
 * to Friday, unless the bureau's calendar says otherwise: a holiday (法定节
 * 假日) makes a weekday a day off, a make-up working day (调休) makes a
 * weekend day a working day. The national schedule changes every year and
 * is published late, so nothing of it is built in: the bureau enters it.
 * Nothing here reads the clock: callers pass "now", so tests inject it. */
#ifndef XA_CALENDAR_H
#define XA_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef int32_t xa_day;		/* days since 1970-01-01 */

/* Parses a real calendar date "YYYY-MM-DD" (years 1970..9999). */
xa_err day_parse(const char *s, xa_day *out);
/* Writes "YYYY-MM-DD". */
void day_format(xa_day d, char out[11]);
/* 1 = Monday ... 7 = Sunday. */
int day_weekday(xa_day d);

/* "YYYY-MM-DD HH:MM" of a UTC instant in the zone; sep ' ' for reading,
 * 'T' for an HTML datetime-local input. */
void time_format(int64_t utc, long zone, char sep, char out[17]);

/* The zone's offset from UTC in seconds. China has kept one offset, with
 * no summer time, since 1991: Asia/Shanghai (and its aliases) is +8 h,
 * Asia/Urumqi +6 h, UTC 0. XA_EINVAL for a zone this program does not
 * know, so a mistyped setting is caught by `serve --check-config`. */
xa_err zone_offset(const char *tz, long *seconds);
/* The day a UTC instant falls on in the zone, and the UTC instant at which
 * a day begins there. */
xa_day day_of(int64_t utc, long zone);
int64_t day_start(xa_day d, long zone);

enum day_kind { DAY_NORMAL = 0, DAY_HOLIDAY, DAY_WORKDAY };

/* The bureau's exceptions to Monday–Friday, sorted by day. */
typedef struct calendar {
	struct cal_entry {
		xa_day day;
		enum day_kind kind;
	} *entries;
	size_t n;
} calendar;

/* Builds a calendar from entries in any order; a day given twice keeps
 * the last kind. The caller frees with calendar_free(). */
xa_err calendar_make(const struct cal_entry *entries, size_t n, calendar *out);
void calendar_free(calendar *c);
bool calendar_is_workday(const calendar *c, xa_day d);

/* How a time limit counts. */
enum limit_unit {
	LIMIT_HOURS,		/* plain hours from the start */
	LIMIT_DAYS,		/* calendar days: due at the end of the Nth day after the start's day */
	LIMIT_WORKDAYS,		/* working days: due at the end of the Nth working day after it */
};

/* When a limit of `amount` units started at `start` (UTC) falls due, as a
 * UTC instant: for days, the moment the last day ends in the zone. A
 * limit of 0 days is due at the end of the start's own day. c may be NULL
 * (Monday to Friday, no exceptions). */
int64_t deadline_due(const calendar *c, int64_t start, long amount,
    enum limit_unit unit, long zone);

/* The working days from the day after `from` up to and including `to`
 * (0 when to <= from): how late something is, in the units a school
 * counts in. */
long workdays_between(const calendar *c, xa_day from, xa_day to);

#endif
