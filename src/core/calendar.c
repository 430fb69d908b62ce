/* calendar.c: dates, working days and deadlines (calendar.h).
 *
 * Pure arithmetic: no clock, no I/O, no global state, no allocation but
 * the calendar's own table. Civil-date conversion follows Howard
 * Hinnant's days_from_civil / civil_from_days, exact for the proleptic
 * Gregorian calendar. */
#include "calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int
digits(const char *s, int n, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

xa_err
day_parse(const char *s, xa_day *out)
{
	unsigned y, m, d;
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    digits(s, 4, &y) || digits(s + 5, 2, &m) || digits(s + 8, 2, &d))
		return XA_EINVAL;
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap))
		return XA_EINVAL;
	*out = (xa_day)days_from_civil(y, m, d);
	return XA_OK;
}

void
day_format(xa_day day, char out[11])
{
	int64_t y;
	unsigned m, d;
	civil_from_days(day, &y, &m, &d);
	if (y < 0 || y > 9999 ||
	    snprintf(out, 11, "%04lld-%02u-%02u", (long long)y, m, d) != 10)
		memcpy(out, "0000-00-00", 11);
}

int
day_weekday(xa_day d)
{
	/* 1970-01-01 was a Thursday. */
	int64_t w = ((int64_t)d + 3) % 7;
	if (w < 0)
		w += 7;
	return (int)w + 1;
}

xa_err
zone_offset(const char *tz, long *seconds)
{
	static const struct {
		const char *name;
		long off;
	} zones[] = {
		{ "Asia/Shanghai", 8 * 3600 }, { "Asia/Chongqing", 8 * 3600 },
		{ "Asia/Chungking", 8 * 3600 }, { "Asia/Harbin", 8 * 3600 },
		{ "PRC", 8 * 3600 }, { "Etc/GMT-8", 8 * 3600 },
		{ "Asia/Urumqi", 6 * 3600 }, { "Asia/Kashgar", 6 * 3600 },
		{ "UTC", 0 }, { "Etc/UTC", 0 }, { "GMT", 0 }, { "Etc/GMT", 0 },
	};
	for (size_t i = 0; tz != NULL && i < sizeof zones / sizeof zones[0]; i++) {
		if (strcmp(tz, zones[i].name) == 0) {
			*seconds = zones[i].off;
			return XA_OK;
		}
	}
	return XA_EINVAL;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

xa_day
day_of(int64_t utc, long zone)
{
	return (xa_day)floor_div(utc + zone, 86400);
}

int64_t
day_start(xa_day d, long zone)
{
	return (int64_t)d * 86400 - zone;
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct cal_entry *x = a, *y = b;
	return (x->day > y->day) - (x->day < y->day);
}

xa_err
calendar_make(const struct cal_entry *entries, size_t n, calendar *out)
{
	out->entries = NULL;
	out->n = 0;
	if (n == 0)
		return XA_OK;
	struct cal_entry *e = malloc(n * sizeof *e);
	if (e == NULL)
		return XA_ENOMEM;
	memcpy(e, entries, n * sizeof *e);
	/* Stable for equal days is not promised by qsort, so collapse
	 * duplicates by walking the input order afterwards. */
	qsort(e, n, sizeof *e, cmp_entry);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && e[k - 1].day == e[i].day)
			k--;
		e[k++] = e[i];
	}
	/* The last kind given for a day wins: re-apply in input order. */
	for (size_t i = 0; i < n; i++) {
		struct cal_entry key = { entries[i].day, DAY_NORMAL };
		struct cal_entry *hit = bsearch(&key, e, k, sizeof *e, cmp_entry);
		if (hit != NULL)
			hit->kind = entries[i].kind;
	}
	out->entries = e;
	out->n = k;
	return XA_OK;
}

void
calendar_free(calendar *c)
{
	if (c == NULL)
		return;
	free(c->entries);
	c->entries = NULL;
	c->n = 0;
}

bool
calendar_is_workday(const calendar *c, xa_day d)
{
	if (c != NULL && c->n > 0) {
		struct cal_entry key = { d, DAY_NORMAL };
		const struct cal_entry *hit = bsearch(&key, c->entries, c->n,
		    sizeof *c->entries, cmp_entry);
		if (hit != NULL && hit->kind != DAY_NORMAL)
			return hit->kind == DAY_WORKDAY;
	}
	return day_weekday(d) <= 5;
}

int64_t
deadline_due(const calendar *c, int64_t start, long amount,
    enum limit_unit unit, long zone)
{
	/* Limits come from settings with small bounds; the clamp only keeps
	 * a wrong value from looping for ever. */
	if (amount < 0)
		amount = 0;
	if (amount > 36500)
		amount = 36500;
	if (unit == LIMIT_HOURS)
		return start + (int64_t)amount * 3600;
	xa_day d = day_of(start, zone);
	if (unit == LIMIT_DAYS) {
		d += (xa_day)amount;
	} else {
		for (long left = amount; left > 0;) {
			d++;
			if (calendar_is_workday(c, d))
				left--;
		}
	}
	return day_start(d + 1, zone);
}

long
workdays_between(const calendar *c, xa_day from, xa_day to)
{
	long n = 0;
	for (xa_day d = from + 1; d <= to; d++)
		n += calendar_is_workday(c, d);
	return n;
}

void
time_format(int64_t utc, long zone, char sep, char out[17])
{
	xa_day d = day_of(utc, zone);
	char ds[11];
	day_format(d, ds);
	int64_t s = utc - day_start(d, zone);
	if (s < 0 || s >= 86400)
		s = 0;
	snprintf(out, 17, "%s%c%02d:%02d", ds, sep, (int)(s / 3600), (int)(s % 3600 / 60));
}
