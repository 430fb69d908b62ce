/* settings.c: the settings table behind settings.h. */
#include "settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct setting_def setting_defs[S__COUNT] = {
	[S_PW_MIN_LEN] = { "password.min_length", 8, 6, 64, A_POLICY_WRITE },
	[S_PW_CLASSES] = { "password.classes", 3, 1, 4, A_POLICY_WRITE },
	[S_PW_ROTATION_DAYS] = { "password.rotation_days", 90, 0, 3650, A_POLICY_WRITE },
	[S_PW_COST] = { "password.pbkdf2_iterations", 100000, 10000, 5000000, A_POLICY_WRITE },
	[S_LOCKOUT_AFTER] = { "lockout.after_failures", 5, 3, 100, A_POLICY_WRITE },
	[S_LOCKOUT_MINUTES] = { "lockout.minutes", 15, 1, 1440, A_POLICY_WRITE },
	[S_SESSION_IDLE_MIN] = { "session.idle_minutes", 15, 2, 480, A_POLICY_WRITE },
	[S_SESSION_MAX_HOURS] = { "session.max_hours", 12, 1, 72, A_POLICY_WRITE },
	[S_MFA_REQUIRED] = { "mfa.required", 1, 0, 1, A_POLICY_WRITE },
	[S_SIGNIN_PER_ADDR] = { "signin.per_address_5min", 30, 5, 10000, A_POLICY_WRITE },
	[S_COMMITTEE_STUDENT_REP] = { "committee.student_rep", 1, 0, 2, A_SETTINGS_WRITE },
	[S_CASE_IMMEDIATE_AMOUNT] = { "case.immediate_amount", 0, 0, 240, A_SETTINGS_WRITE },
	[S_CASE_IMMEDIATE_UNIT] = { "case.immediate_unit", 1, 0, 2, A_SETTINGS_WRITE },
	[S_CASE_POLICE_AMOUNT] = { "case.police_amount", 0, 0, 240, A_SETTINGS_WRITE },
	[S_CASE_POLICE_UNIT] = { "case.police_unit", 1, 0, 2, A_SETTINGS_WRITE },
	[S_CASE_INVEST_AMOUNT] = { "case.investigation_amount", 10, 1, 90, A_SETTINGS_WRITE },
	[S_CASE_INVEST_UNIT] = { "case.investigation_unit", 1, 0, 2, A_SETTINGS_WRITE },
	[S_CASE_REVIEW_AMOUNT] = { "case.review_amount", 15, 1, 90, A_SETTINGS_WRITE },
	[S_CASE_REVIEW_UNIT] = { "case.review_unit", 1, 0, 2, A_SETTINGS_WRITE },
	[S_CASE_APPEAL_WINDOW] = { "case.appeal_window_days", 0, 0, 60, A_SETTINGS_WRITE },
	[S_CASE_FOLLOWUP_DAYS] = { "case.followup_days", 14, 1, 120, A_SETTINGS_WRITE },
	[S_PUBLIC_REPORTS_PER_ADDR] = { "public.reports_per_address_10min", 20, 1, 1000000,
	    A_POLICY_WRITE },
	[S_PUBLIC_LOOKUPS_PER_ADDR] = { "public.lookups_per_address_10min", 60, 1, 1000000,
	    A_POLICY_WRITE },
	[S_NOTIFY_ESCALATE_MIN] = { "notify.escalate_minutes", 30, 1, 1440, A_SETTINGS_WRITE },
	[S_NOTIFY_QUIET_START] = { "notify.quiet_start_minute", 1320, 0, 1439, A_SETTINGS_WRITE },
	[S_NOTIFY_QUIET_END] = { "notify.quiet_end_minute", 420, 0, 1439, A_SETTINGS_WRITE },
	[S_NOTIFY_DEADLINE_WARN_H] = { "notify.deadline_warn_hours", 24, 1, 720, A_SETTINGS_WRITE },
	[S_NOTIFY_MAX_ATTEMPTS] = { "notify.max_attempts", 10, 1, 100, A_SETTINGS_WRITE },
	[S_PREV_SESSIONS] = { "prevention.sessions_per_semester", 1, 0, 20, A_SETTINGS_WRITE },
	[S_PREV_CLASS_MEETINGS] = { "prevention.class_meetings_per_semester", 2, 0, 20,
	    A_SETTINGS_WRITE },
	[S_PREV_SCREENINGS] = { "prevention.screenings_per_semester", 1, 0, 20, A_SETTINGS_WRITE },
	[S_PREV_PARENT_SESSIONS] = { "prevention.parent_sessions_per_semester", 1, 0, 20,
	    A_SETTINGS_WRITE },
	[S_PREV_TRAINING_HOURS] = { "prevention.training_hours_per_year", 4, 0, 200,
	    A_SETTINGS_WRITE },
	[S_PREV_DUE_WEEKS] = { "prevention.due_warning_weeks", 4, 0, 20, A_SETTINGS_WRITE },
	[S_SURVEY_MIN_CELL] = { "survey.min_cell", 5, 1, 100, A_SETTINGS_WRITE },
	[S_SURVEY_WARN_PERCENT] = { "survey.warn_percent", 20, 1, 100, A_SETTINGS_WRITE },
	[S_SURVEY_WARN_RISE] = { "survey.warn_rise_points", 10, 1, 100, A_SETTINGS_WRITE },
	[S_RETURN_DUE_DAY] = { "returns.due_day", 5, 1, 28, A_SETTINGS_WRITE },
	[S_EVAL_DUE_MONTH] = { "evaluation.due_month", 9, 1, 12, A_SETTINGS_WRITE },
	[S_EVAL_DUE_DAY] = { "evaluation.due_day", 10, 1, 28, A_SETTINGS_WRITE },
	[S_CITY_REPORT_DUE_MONTH] = { "city_report.due_month", 9, 1, 12, A_SETTINGS_WRITE },
	[S_CITY_REPORT_DUE_DAY] = { "city_report.due_day", 15, 1, 28, A_SETTINGS_WRITE },
};

long
setting_get(db *conn, enum setting s)
{
	db_stmt *st = NULL;
	long v = setting_defs[s].def;
	if (db_prepare(conn, "SELECT value FROM settings WHERE key = ?", &st) != XA_OK)
		return v;
	db_bind_text(st, 1, setting_defs[s].key, -1);
	if (db_step(st) == 1)
		v = setting_value(s, db_col_text(st, 0));
	db_done(st);
	return v;
}

long
setting_value(enum setting s, const char *t)
{
	char *end;
	if (t == NULL)
		return setting_defs[s].def;
	errno = 0;
	long n = strtol(t, &end, 10);
	if (end != t && *end == '\0' && errno == 0 &&
	    n >= setting_defs[s].min && n <= setting_defs[s].max)
		return n;
	return setting_defs[s].def;
}

xa_err
setting_find(const char *key, enum setting *out)
{
	for (int i = 0; i < S__COUNT; i++) {
		if (strcmp(setting_defs[i].key, key) == 0) {
			*out = (enum setting)i;
			return XA_OK;
		}
	}
	return XA_ENOTFOUND;
}

xa_err
setting_set(db *conn, enum setting s, long value, int64_t by, int64_t now)
{
	char text[32];
	db_stmt *st = NULL;
	if (value < setting_defs[s].min || value > setting_defs[s].max)
		return XA_EINVAL;
	snprintf(text, sizeof text, "%ld", value);
	xa_err e = db_prepare(conn, "DELETE FROM settings WHERE key = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_text(st, 1, setting_defs[s].key, -1);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	e = db_prepare(conn, "INSERT INTO settings (key, value, updated_at, updated_by)"
	    " VALUES (?, ?, ?, ?)", &st);
	if (e != XA_OK)
		return e;
	db_bind_text(st, 1, setting_defs[s].key, -1);
	db_bind_text(st, 2, text, -1);
	db_bind_int(st, 3, now);
	db_bind_int(st, 4, by);
	rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}
