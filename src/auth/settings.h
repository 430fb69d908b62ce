/* settings.h: what the bureau may change at run time, with defaults.
 *
 * Stored in the settings table as text; an absent key means the default
 * written here, so a new setting needs no migration. Each setting says
 * which administrator may change it: the security administrator owns the
 * security policy (三员分立), the system administrator the rest. Reads go
 * through the caller's connection (a loop's read connection or the
 * writer's). */
#ifndef XA_SETTINGS_H
#define XA_SETTINGS_H

#include <stdint.h>

#include "../core/err.h"
#include "../store/db.h"
#include "auth.h"

enum setting {
	S_PW_MIN_LEN,		/* characters, default 8 */
	S_PW_CLASSES,		/* of lower, upper, digit, symbol; default 3 */
	S_PW_ROTATION_DAYS,	/* 0 = never; default 90 */
	S_PW_COST,		/* PBKDF2-HMAC-SM3 iterations */
	S_LOCKOUT_AFTER,	/* failed sign-ins; default 5 */
	S_LOCKOUT_MINUTES,	/* default 15 */
	S_SESSION_IDLE_MIN,	/* default 15 */
	S_SESSION_MAX_HOURS,	/* default 12 */
	S_MFA_REQUIRED,		/* 1: bureau roles and administrators must use 2FA */
	S_SIGNIN_PER_ADDR,	/* sign-in attempts per address per 5 minutes */
	S_COMMITTEE_STUDENT_REP, /* 0 never, 1 where senior-high, 2 always */
	/* Case time limits (regulation.md §3). Each limit is an amount and a
	 * unit: 0 hours, 1 calendar days, 2 working days; an amount of 0 days
	 * means by the end of the same day. */
	S_CASE_IMMEDIATE_AMOUNT,	/* immediate action: 0 */
	S_CASE_IMMEDIATE_UNIT,		/* days */
	S_CASE_POLICE_AMOUNT,		/* police and bureau report of a serious case: 0 */
	S_CASE_POLICE_UNIT,		/* days */
	S_CASE_INVEST_AMOUNT,		/* investigation: 10 */
	S_CASE_INVEST_UNIT,		/* days */
	S_CASE_REVIEW_AMOUNT,		/* county review: 15 */
	S_CASE_REVIEW_UNIT,		/* days */
	S_CASE_APPEAL_WINDOW,		/* days to lodge an appeal; 0: no window */
	S_CASE_FOLLOWUP_DAYS,		/* first follow-up check-in: 14 days */
	S_PUBLIC_REPORTS_PER_ADDR,	/* anonymous reports per address per 10 minutes */
	S_PUBLIC_LOOKUPS_PER_ADDR,	/* receipt-code lookups per address per 10 minutes */
	S_NOTIFY_ESCALATE_MIN,		/* minutes a rung has to acknowledge an urgent notice */
	S_NOTIFY_QUIET_START,		/* quiet hours begin, minute of the day (22:00) */
	S_NOTIFY_QUIET_END,		/* quiet hours end, minute of the day (07:00) */
	S_NOTIFY_DEADLINE_WARN_H,	/* hours before a deadline to warn the case owner */
	S_NOTIFY_MAX_ATTEMPTS,		/* e-mail/SMS attempts before giving up */
	/* Prevention duties per school (regulation.md §5). */
	S_PREV_SESSIONS,		/* student education sessions per semester: 1 */
	S_PREV_CLASS_MEETINGS,		/* class meetings per class per semester: 2 */
	S_PREV_SCREENINGS,		/* screenings of hidden places per semester: 1 */
	S_PREV_PARENT_SESSIONS,		/* parent sessions per semester: 1 */
	S_PREV_TRAINING_HOURS,		/* training hours per staff member per school year: 4 */
	S_PREV_DUE_WEEKS,		/* an unmet duty is "coming due" this many weeks before the end: 4 */
	/* The survey's results (issue 6). */
	S_SURVEY_MIN_CELL,		/* fewest respondents a shown cell may have: 5 */
	S_SURVEY_WARN_PERCENT,		/* victim prevalence that raises a warning: 20 */
	S_SURVEY_WARN_RISE,		/* rise in points since last semester that does: 10 */
	S_RETURN_DUE_DAY,		/* a month's return is due on this day of the next: 5 */
	S_EVAL_DUE_MONTH,		/* the yearly self-evaluation is due: month 9 */
	S_EVAL_DUE_DAY,			/* ... and day 10 */
	S_CITY_REPORT_DUE_MONTH,	/* the bureau's city report is due: month 9 */
	S_CITY_REPORT_DUE_DAY,		/* ... and day 15 */
	S__COUNT
};

struct setting_def {
	const char *key;
	long def, min, max;
	enum action who;	/* A_POLICY_WRITE or A_SETTINGS_WRITE */
};

extern const struct setting_def setting_defs[S__COUNT];

/* The value of s, or its default when unset or unreadable. */
long setting_get(db *conn, enum setting s);
/* The value of s stored as text (NULL: unset), or its default when unset
 * or unreadable: for a caller that reads the settings row in a query of
 * its own. */
long setting_value(enum setting s, const char *text);
/* Finds a setting by key. XA_ENOTFOUND if there is none. */
xa_err setting_find(const char *key, enum setting *out);
/* Stores value (checked against min..max: XA_EINVAL outside). Writer only. */
xa_err setting_set(db *conn, enum setting s, long value, int64_t by,
    int64_t now);

#endif
