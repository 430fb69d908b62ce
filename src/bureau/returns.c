/* returns.c: the monthly returns' model (returns.h): months and ids, the
 * draft counted from a school's cases and prevention records, the stored
 * returns and their two writers (submit, review), and the demo's school
 * year of returns.
 *
 * It must never count anything that names a person (only states, tiers,
 * kinds, dates and counts are read), read the clock, or change a stored
 * return's figures except in return_submit. */
#include "returns.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../auth/audit.h"
#include "../auth/keys.h"
#include "../auth/settings.h"
#include "../core/utf8.h"
#include "../notify/notify.h"

const struct return_fig_def return_figs[RF__COUNT] = {
	[RF_NEW] = { "cases.new", "cases" },
	[RF_CLOSED] = { "cases.closed", "cases" },
	[RF_OPEN] = { "cases.open", "cases" },
	[RF_OVERDUE] = { "cases.overdue", "cases" },
	[RF_APPEALED] = { "cases.appealed", "cases" },
	[RF_REFERRED] = { "cases.referred", "cases" },
	[RF_BULLYING] = { "incidents.bullying", "incidents" },
	[RF_NOT_BULLYING] = { "incidents.not_bullying", "incidents" },
	[RF_TIER_GENERAL] = { "tier.general", "tier" },
	[RF_TIER_SERIOUS] = { "tier.serious", "tier" },
	[RF_TIER_REPEATED] = { "tier.repeated", "tier" },
	[RF_TIER_UNLAWFUL] = { "tier.unlawful", "tier" },
	[RF_BEH_PHYSICAL] = { "behaviour.physical", "behaviour" },
	[RF_BEH_VERBAL] = { "behaviour.verbal", "behaviour" },
	[RF_BEH_PROPERTY] = { "behaviour.property", "behaviour" },
	[RF_BEH_EXCLUSION] = { "behaviour.exclusion", "behaviour" },
	[RF_BEH_ONLINE] = { "behaviour.online", "behaviour" },
	[RF_BEH_OTHER] = { "behaviour.other", "behaviour" },
	[RF_STAGE_PRIMARY] = { "stage.primary", "stage" },
	[RF_STAGE_JUNIOR] = { "stage.junior", "stage" },
	[RF_STAGE_SENIOR] = { "stage.senior", "stage" },
	[RF_STAGE_VOCATIONAL] = { "stage.vocational", "stage" },
	[RF_STAGE_UNKNOWN] = { "stage.unknown", "stage" },
	[RF_PLACE_IN_SCHOOL] = { "place.in_school", "place" },
	[RF_PLACE_OUTSIDE] = { "place.outside", "place" },
	[RF_PLACE_ONLINE] = { "place.online", "place" },
	[RF_PLACE_UNKNOWN] = { "place.unknown", "place" },
	[RF_SESSIONS] = { "prevention.sessions", "prevention" },
	[RF_PARENT_SESSIONS] = { "prevention.parent_sessions", "prevention" },
	[RF_STAFF_SESSIONS] = { "prevention.staff_sessions", "prevention" },
	[RF_PARTICIPANTS] = { "prevention.participants", "prevention" },
	[RF_CLASS_MEETINGS] = { "prevention.class_meetings", "prevention" },
	[RF_SCREENINGS] = { "prevention.screenings", "prevention" },
	[RF_TRAINING] = { "prevention.training", "prevention" },
	[RF_TRAINING_TENTHS] = { "prevention.training_tenths", "prevention" },
};

const char *const return_states[] = { "draft", "submitted", "accepted", "sent_back", NULL };

/* ------------------------------------------------------------------ */
/* Months and ids. */

xa_err
ret_month_parse(const char *s, ret_month *out)
{
	if (s == NULL || strlen(s) != 7 || s[4] != '-')
		return XA_EINVAL;
	int y = 0, m = 0;
	for (int i = 0; i < 7; i++) {
		if (i == 4)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return XA_EINVAL;
		if (i < 4)
			y = y * 10 + (s[i] - '0');
		else
			m = m * 10 + (s[i] - '0');
	}
	if (y < 2000 || y > 9999 || m < 1 || m > 12)
		return XA_EINVAL;
	out->year = y;
	out->mon = m;
	return XA_OK;
}

void
ret_month_format(const ret_month *m, char out[8])
{
	unsigned y = (unsigned)m->year % 10000u, mo = (unsigned)m->mon % 100u;
	snprintf(out, 8, "%04u-%02u", y, mo);
}

void
ret_month_of(xa_day d, ret_month *out)
{
	char s[11];
	day_format(d, s);
	out->year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	out->mon = (s[5] - '0') * 10 + (s[6] - '0');
}

void
ret_month_add(ret_month *m, int delta)
{
	int k = m->year * 12 + (m->mon - 1) + delta;
	m->year = k / 12;
	m->mon = k % 12 + 1;
}

int
ret_month_cmp(const ret_month *a, const ret_month *b)
{
	int x = a->year * 12 + a->mon, y = b->year * 12 + b->mon;
	return x < y ? -1 : x > y;
}

/* Day d (1..28) of month m. */
static xa_day
month_day(const ret_month *m, int d)
{
	char s[16];
	xa_day out = 0;
	snprintf(s, sizeof s, "%04d-%02d-%02d", m->year % 10000, m->mon % 100, d % 100);
	(void)day_parse(s, &out);
	return out;
}

xa_day
ret_month_first(const ret_month *m)
{
	return month_day(m, 1);
}

xa_day
ret_month_next(const ret_month *m)
{
	ret_month n = *m;
	ret_month_add(&n, 1);
	return month_day(&n, 1);
}

xa_day
return_due(const ret_month *m, long due_day)
{
	if (due_day < 1 || due_day > 28)
		due_day = 5;
	return ret_month_next(m) + (xa_day)(due_day - 1);
}

void
return_month_floor(xa_day today, ret_month *out)
{
	ret_month_of(today, out);
	ret_month_add(out, -RET_MONTHS_BACK);
}

int64_t
return_id(int64_t unit, const ret_month *m)
{
	return unit * 1000000 + (int64_t)m->year * 100 + m->mon;
}

xa_err
return_id_split(int64_t id, int64_t *unit, ret_month *m)
{
	if (id <= 0)
		return XA_EINVAL;
	int64_t ym = id % 1000000;
	int y = (int)(ym / 100), mo = (int)(ym % 100);
	if (id / 1000000 <= 0 || y < 2000 || mo < 1 || mo > 12)
		return XA_EINVAL;
	*unit = id / 1000000;
	m->year = y;
	m->mon = mo;
	return XA_OK;
}

/* ------------------------------------------------------------------ */
/* The draft. */

bool
ret_figures_zero(const ret_figures *f)
{
	for (int i = 0; i < RF__COUNT; i++)
		if (f->v[i] != 0)
			return false;
	return true;
}

/* One count from st (already bound), into *out; st handed back. */
static xa_err
count_one(db_stmt *st, long long *out)
{
	int rc = db_step(st);
	if (rc == 1)
		*out = db_col_int(st, 0);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* The figure of name within group, or -1. */
static int
fig_of(const char *group, const char *name)
{
	size_t gl = strlen(group);
	for (int i = 0; i < RF__COUNT; i++)
		if (strncmp(return_figs[i].name, group, gl) == 0 &&
		    return_figs[i].name[gl] == '.' && strcmp(return_figs[i].name + gl + 1, name) == 0)
			return i;
	return -1;
}

/* The stage an incident is counted under: its first victim's stage (any
 * party's when no victim has one), else the school's when it teaches a
 * single stage, else unknown. */
static xa_err
case_stage(db *conn, int64_t case_id, const char *school_stages, int *fig)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT stage FROM case_parties WHERE case_id = ?"
	    " AND stage <> '' ORDER BY CASE WHEN role = 'victim' THEN 0 ELSE 1 END, id", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, case_id);
	int rc = db_step(st);
	int f = -1;
	if (rc == 1)
		f = fig_of("stage", db_col_text(st, 0));
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (f < 0 && school_stages[0] != '\0' && strchr(school_stages, ',') == NULL)
		f = fig_of("stage", school_stages);
	*fig = f < 0 ? RF_STAGE_UNKNOWN : f;
	return XA_OK;
}

/* Counts the month's determinations: for each case its last one in the
 * month, bullying or not, and a bullying one by tier, behaviours, stage
 * and place. */
static xa_err
draft_determinations(db *conn, int64_t unit, int64_t from, int64_t to, ret_figures *f)
{
	db_stmt *st = NULL;
	char stages[64] = "";
	xa_err e = db_prepare(conn, "SELECT stages FROM units WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	if (db_step(st) == 1)
		snprintf(stages, sizeof stages, "%s", db_col_text(st, 0));
	db_done(st);
	struct det {
		int64_t case_id;
		char *meta;
	} *list = NULL;
	size_t n = 0, cap = 0;
	if ((e = db_prepare(conn, "SELECT e.case_id, e.meta FROM case_events e"
	    " JOIN cases c ON c.id = e.case_id WHERE c.unit_id = ? AND e.kind = 'determination'"
	    " AND e.occurred_at >= ? AND e.occurred_at < ? ORDER BY e.case_id, e.id", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	db_bind_int(st, 2, from);
	db_bind_int(st, 3, to);
	int rc;
	while ((rc = db_step(st)) == 1) {
		int64_t cid = db_col_int(st, 0);
		/* A later determination of the same case in the month (the
		 * county review's) replaces the earlier. */
		if (n > 0 && list[n - 1].case_id == cid) {
			free(list[n - 1].meta);
			n--;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct det *nl = realloc(list, nc * sizeof *nl);
			if (nl == NULL) {
				rc = -XA_ENOMEM;
				break;
			}
			list = nl;
			cap = nc;
		}
		list[n].case_id = cid;
		list[n].meta = strdup(db_col_text(st, 1));
		if (list[n].meta == NULL) {
			rc = -XA_ENOMEM;
			break;
		}
		n++;
	}
	db_done(st);
	e = rc < 0 ? (xa_err)-rc : XA_OK;
	for (size_t i = 0; i < n && e == XA_OK; i++) {
		json_t *m = json_loads(list[i].meta, 0, NULL);
		const char *finding = json_string_value(json_object_get(m, "finding"));
		if (finding != NULL && strcmp(finding, "bullying") == 0) {
			f->v[RF_BULLYING]++;
			const char *tier = json_string_value(json_object_get(m, "tier"));
			int k = tier ? fig_of("tier", tier) : -1;
			if (k >= 0)
				f->v[k]++;
			size_t j;
			json_t *b;
			json_array_foreach(json_object_get(m, "behaviours"), j, b) {
				int kb = json_is_string(b) ? fig_of("behaviour", json_string_value(b)) : -1;
				if (kb >= 0)
					f->v[kb]++;
			}
			const char *place = json_string_value(json_object_get(m, "place"));
			int kp = place ? fig_of("place", place) : -1;
			f->v[kp >= 0 ? kp : RF_PLACE_UNKNOWN]++;
			int ks = RF_STAGE_UNKNOWN;
			e = case_stage(conn, list[i].case_id, stages, &ks);
			f->v[ks]++;
		} else if (finding != NULL && strcmp(finding, "not_bullying") == 0) {
			f->v[RF_NOT_BULLYING]++;
		}
		json_decref(m);
	}
	for (size_t i = 0; i < n; i++)
		free(list[i].meta);
	free(list);
	return e;
}

/* The month's prevention work from the four record tables (records not
 * superseded, held within the month). */
static xa_err
draft_prevention(db *conn, int64_t unit, const char *first, const char *last,
    ret_figures *f)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT audience, count(*), coalesce(sum(participants), 0)"
	    " FROM prevention_sessions WHERE unit_id = ? AND superseded_by IS NULL"
	    " AND held_on >= ? AND held_on <= ? GROUP BY audience", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	db_bind_text(st, 2, first, -1);
	db_bind_text(st, 3, last, -1);
	int rc;
	while ((rc = db_step(st)) == 1) {
		const char *aud = db_col_text(st, 0);
		int k = strcmp(aud, "students") == 0 ? RF_SESSIONS :
		    strcmp(aud, "parents") == 0 ? RF_PARENT_SESSIONS : RF_STAFF_SESSIONS;
		f->v[k] += db_col_int(st, 1);
		f->v[RF_PARTICIPANTS] += db_col_int(st, 2);
	}
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if ((e = db_prepare(conn, "SELECT count(*) FROM prevention_class_meetings WHERE unit_id = ?"
	    " AND superseded_by IS NULL AND held_on >= ? AND held_on <= ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	db_bind_text(st, 2, first, -1);
	db_bind_text(st, 3, last, -1);
	if ((e = count_one(st, &f->v[RF_CLASS_MEETINGS])) != XA_OK)
		return e;
	if ((e = db_prepare(conn, "SELECT count(*) FROM prevention_screenings WHERE unit_id = ?"
	    " AND superseded_by IS NULL AND held_on >= ? AND held_on <= ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	db_bind_text(st, 2, first, -1);
	db_bind_text(st, 3, last, -1);
	if ((e = count_one(st, &f->v[RF_SCREENINGS])) != XA_OK)
		return e;
	if ((e = db_prepare(conn, "SELECT count(*), coalesce(sum(hours_tenths), 0)"
	    " FROM prevention_training WHERE unit_id = ? AND superseded_by IS NULL"
	    " AND held_on >= ? AND held_on <= ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	db_bind_text(st, 2, first, -1);
	db_bind_text(st, 3, last, -1);
	rc = db_step(st);
	if (rc == 1) {
		f->v[RF_TRAINING] = db_col_int(st, 0);
		f->v[RF_TRAINING_TENTHS] = db_col_int(st, 1);
	}
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

xa_err
return_draft(db *conn, int64_t unit, const ret_month *m, long zone, ret_figures *out)
{
	memset(out, 0, sizeof *out);
	xa_day d0 = ret_month_first(m), d1 = ret_month_next(m);
	int64_t from = day_start(d0, zone), to = day_start(d1, zone);
	char first[11], last[11];
	day_format(d0, first);
	day_format(d1 - 1, last);
	db_stmt *st = NULL;
	xa_err e;
	/* Opened in the month. */
	if ((e = db_prepare(conn, "SELECT count(*) FROM cases WHERE unit_id = ?"
	    " AND opened_at >= ? AND opened_at < ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	db_bind_int(st, 2, from);
	db_bind_int(st, 3, to);
	if ((e = count_one(st, &out->v[RF_NEW])) != XA_OK)
		return e;
	/* Closed in the month (first closing). */
	if ((e = db_prepare(conn, "SELECT count(*) FROM cases WHERE unit_id = ?"
	    " AND closed_at >= ? AND closed_at < ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	db_bind_int(st, 2, from);
	db_bind_int(st, 3, to);
	if ((e = count_one(st, &out->v[RF_CLOSED])) != XA_OK)
		return e;
	/* Open at the month's end. */
	if ((e = db_prepare(conn, "SELECT count(*) FROM cases WHERE unit_id = ?"
	    " AND opened_at < ? AND (closed_at = 0 OR closed_at >= ?)", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	db_bind_int(st, 2, to);
	db_bind_int(st, 3, to);
	if ((e = count_one(st, &out->v[RF_OPEN])) != XA_OK)
		return e;
	/* Overdue at the month's end: the step the case is in began before
	 * the month ended and its time limit had passed by then. */
	if ((e = db_prepare(conn, "SELECT count(*) FROM cases WHERE unit_id = ?"
	    " AND state NOT IN ('closed', 'archived') AND due_at > 0 AND due_at < ?"
	    " AND state_since < ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	db_bind_int(st, 2, to);
	db_bind_int(st, 3, to);
	if ((e = count_one(st, &out->v[RF_OVERDUE])) != XA_OK)
		return e;
	/* Cases with an appeal lodged in the month. */
	if ((e = db_prepare(conn, "SELECT count(DISTINCT a.case_id) FROM appeals a"
	    " JOIN cases c ON c.id = a.case_id WHERE c.unit_id = ? AND a.lodged_on >= ?"
	    " AND a.lodged_on <= ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	db_bind_text(st, 2, first, -1);
	db_bind_text(st, 3, last, -1);
	if ((e = count_one(st, &out->v[RF_APPEALED])) != XA_OK)
		return e;
	/* Cases referred to an agency (police, procuratorate, ...) in the month. */
	if ((e = db_prepare(conn, "SELECT count(DISTINCT e.case_id) FROM case_events e"
	    " JOIN cases c ON c.id = e.case_id WHERE c.unit_id = ? AND e.kind = 'referral'"
	    " AND e.occurred_at >= ? AND e.occurred_at < ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	db_bind_int(st, 2, from);
	db_bind_int(st, 3, to);
	if ((e = count_one(st, &out->v[RF_REFERRED])) != XA_OK)
		return e;
	if ((e = draft_determinations(conn, unit, from, to, out)) != XA_OK)
		return e;
	return draft_prevention(conn, unit, first, last, out);
}

/* ------------------------------------------------------------------ */
/* Stored returns. */

xa_err
return_get(db *conn, int64_t id, return_row *out)
{
	memset(out, 0, sizeof *out);
	out->id = id;
	xa_err e = return_id_split(id, &out->unit_id, &out->month);
	if (e != XA_OK)
		return e;
	db_stmt *st = NULL;
	if ((e = db_prepare(conn, "SELECT state, zero, late, due_on, submissions,"
	    " first_submitted_at, submitted_at, coalesce(submitted_by, 0), reviewed_at,"
	    " coalesce(reviewed_by, 0), remarks, reason FROM monthly_returns WHERE id = ?",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == 1) {
		const char *s = db_col_text(st, 0);
		out->stored = true;
		out->state = RS_SUBMITTED;
		for (int i = 0; return_states[i] != NULL; i++)
			if (strcmp(return_states[i], s) == 0)
				out->state = (enum return_state)i;
		out->zero = db_col_int(st, 1) != 0;
		out->late = db_col_int(st, 2) != 0;
		snprintf(out->due_on, sizeof out->due_on, "%s", db_col_text(st, 3));
		out->submissions = (int)db_col_int(st, 4);
		out->first_submitted_at = db_col_int(st, 5);
		out->submitted_at = db_col_int(st, 6);
		out->submitted_by = db_col_int(st, 7);
		out->reviewed_at = db_col_int(st, 8);
		out->reviewed_by = db_col_int(st, 9);
		(void)utf8_copy(out->remarks, sizeof out->remarks, db_col_text(st, 10));
		(void)utf8_copy(out->reason, sizeof out->reason, db_col_text(st, 11));
	}
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

xa_err
return_figures_get(db *conn, int64_t id, ret_figures *out)
{
	memset(out, 0, sizeof *out);
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT figure, value FROM return_figures WHERE return_id = ?",
	    &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	int rc;
	while ((rc = db_step(st)) == 1) {
		const char *name = db_col_text(st, 0);
		for (int i = 0; i < RF__COUNT; i++)
			if (strcmp(return_figs[i].name, name) == 0)
				out->v[i] = db_col_int(st, 1);
	}
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

static xa_err
step_done(db_stmt *st)
{
	int rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

static xa_err
history_add(db *conn, int64_t id, const char *action, int64_t by, const char *reason,
    int64_t now)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "INSERT INTO return_history (return_id, action, account_id,"
	    " reason, at) VALUES (?, ?, ?, ?, ?)", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, action, -1);
	if (by > 0)
		db_bind_int(st, 3, by);
	else
		db_bind_null(st, 3);
	db_bind_text(st, 4, reason ? reason : "", -1);
	db_bind_int(st, 5, now);
	return step_done(st);
}

xa_err
return_submit(db *conn, int64_t unit, const ret_month *m, const char *remarks,
    bool confirm_zero, long due_day, long zone, int64_t by, int64_t now, bool *zero)
{
	int64_t id = return_id(unit, m);
	ret_month floor;
	return_month_floor(day_of(now, zone), &floor);
	if (now < day_start(ret_month_next(m), zone) || ret_month_cmp(m, &floor) < 0)
		return XA_EINVAL;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT 1 FROM units WHERE id = ? AND kind = 'school'"
	    " AND active = 1", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (rc != 1)
		return XA_ENOTFOUND;
	return_row row;
	if ((e = return_get(conn, id, &row)) != XA_OK)
		return e;
	if (row.state != RS_DRAFT && row.state != RS_SENT_BACK)
		return XA_ECONFLICT;
	ret_figures f;
	if ((e = return_draft(conn, unit, m, zone, &f)) != XA_OK)
		return e;
	bool z = ret_figures_zero(&f);
	if (zero != NULL)
		*zero = z;
	if (z && !confirm_zero)
		return XA_EMISSING;
	if (!row.stored) {
		char mon[8], due[11];
		ret_month_format(m, mon);
		xa_day dd = return_due(m, due_day);
		day_format(dd, due);
		bool late = now >= day_start(dd + 1, zone);
		if ((e = db_prepare(conn, "INSERT INTO monthly_returns (id, unit_id, month, state,"
		    " zero, remarks, due_on, late, submissions, first_submitted_at, submitted_at,"
		    " submitted_by, created_at, updated_at) VALUES (?, ?, ?, 'submitted', ?, ?, ?,"
		    " ?, 1, ?, ?, ?, ?, ?)", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, id);
		db_bind_int(st, 2, unit);
		db_bind_text(st, 3, mon, -1);
		db_bind_int(st, 4, z);
		db_bind_text(st, 5, remarks ? remarks : "", -1);
		db_bind_text(st, 6, due, -1);
		db_bind_int(st, 7, late);
		db_bind_int(st, 8, now);
		db_bind_int(st, 9, now);
		if (by > 0)
			db_bind_int(st, 10, by);
		else
			db_bind_null(st, 10);
		db_bind_int(st, 11, now);
		db_bind_int(st, 12, now);
		if ((e = step_done(st)) != XA_OK)
			return e;
	} else {
		if ((e = db_prepare(conn, "UPDATE monthly_returns SET state = 'submitted', zero = ?,"
		    " remarks = ?, submissions = submissions + 1, submitted_at = ?, submitted_by = ?,"
		    " updated_at = ? WHERE id = ? AND state = 'sent_back'", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, z);
		db_bind_text(st, 2, remarks ? remarks : "", -1);
		db_bind_int(st, 3, now);
		if (by > 0)
			db_bind_int(st, 4, by);
		else
			db_bind_null(st, 4);
		db_bind_int(st, 5, now);
		db_bind_int(st, 6, id);
		if ((e = step_done(st)) != XA_OK)
			return e;
		if (db_changes(conn) != 1)
			return XA_ECONFLICT;
		if ((e = db_prepare(conn, "DELETE FROM return_figures WHERE return_id = ?", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, id);
		if ((e = step_done(st)) != XA_OK)
			return e;
	}
	/* The figures, frozen: zeros are stored too, so a frozen return
	 * never falls back on anything live. */
	for (int i = 0; i < RF__COUNT; i++) {
		if ((e = db_prepare(conn, "INSERT INTO return_figures (return_id, figure, value)"
		    " VALUES (?, ?, ?)", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, id);
		db_bind_text(st, 2, return_figs[i].name, -1);
		db_bind_int(st, 3, f.v[i]);
		if ((e = step_done(st)) != XA_OK)
			return e;
	}
	return history_add(conn, id, "submitted", by, NULL, now);
}

xa_err
return_review(db *conn, int64_t id, bool accept, const char *reason, int64_t by, int64_t now)
{
	return_row row;
	xa_err e = return_get(conn, id, &row);
	if (e != XA_OK)
		return e;
	if (!row.stored)
		return XA_ENOTFOUND;
	if (row.state != RS_SUBMITTED)
		return XA_ECONFLICT;
	if (!accept && (reason == NULL || reason[0] == '\0'))
		return XA_EMISSING;
	db_stmt *st = NULL;
	if ((e = db_prepare(conn, "UPDATE monthly_returns SET state = ?, reviewed_at = ?,"
	    " reviewed_by = ?, reason = ?, updated_at = ? WHERE id = ? AND state = 'submitted'",
	    &st)) != XA_OK)
		return e;
	db_bind_text(st, 1, accept ? "accepted" : "sent_back", -1);
	db_bind_int(st, 2, now);
	if (by > 0)
		db_bind_int(st, 3, by);
	else
		db_bind_null(st, 3);
	db_bind_text(st, 4, accept ? "" : reason, -1);
	db_bind_int(st, 5, now);
	db_bind_int(st, 6, id);
	if ((e = step_done(st)) != XA_OK)
		return e;
	if (db_changes(conn) != 1)
		return XA_ECONFLICT;
	return history_add(conn, id, accept ? "accepted" : "sent_back", by,
	    accept ? NULL : reason, now);
}

/* ------------------------------------------------------------------ */
/* The demo. */

#define DEMO_SOURCE "xiaoan demo"
#define DEMO_ZONE (8 * 3600L)

struct demo {
	db *d;
	const uint8_t *akey;
	uint64_t rng;
	int64_t now;
};

/* splitmix64: the next number of the demo's sequence. */
static uint64_t
demo_next(struct demo *g)
{
	uint64_t z = (g->rng += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static int
demo_pick(struct demo *g, int n)
{
	return n > 0 ? (int)(demo_next(g) % (uint64_t)n) : 0;
}

static xa_err
demo_audit(struct demo *g, int64_t by, int64_t unit, const char *action, int64_t id,
    const char *fields)
{
	audit_entry ae = { by, unit, action, "monthly_return", id, fields, "", DEMO_SOURCE };
	return audit_append(g->d, g->akey, &ae, g->now);
}

/* An instant on day d at hour h (bureau's zone), never after now. */
static int64_t
demo_at(struct demo *g, xa_day d, int h)
{
	int64_t t = day_start(d, DEMO_ZONE) + h * 3600 + demo_pick(g, 3600);
	return t > g->now ? g->now - 60 : t;
}

static const char *const demo_reasons[] = {
	"本月新发案件数与案件台账不一致，请核对后重新报送。",
	"预防工作中家长会场次漏报，请补充后重新报送。",
	"备注未说明逾期案件的原因，请补充说明。",
	"零报告与本月受理的举报记录不符，请核实。",
};

xa_err
returns_demo(db *d, uint64_t seed, int64_t now, FILE *out, char *err, size_t errlen)
{
	struct demo g = { .d = d, .rng = seed ^ 0x72657475726e73ULL, .now = now };
	struct sch {
		int64_t id, by, office;
	} *list = NULL;
	size_t n = 0, cap = 0;
	db_stmt *st = NULL;
	xa_err e;
	long counts[5] = { 0 };	/* accepted, late, sent back, missing, waiting */
	if (keys_get() == NULL) {
		snprintf(err, errlen, "the keys are not loaded");
		return XA_ECONFIG;
	}
	g.akey = keys_get()->audit;
	long due_day = setting_get(d, S_RETURN_DUE_DAY);
	/* Each school and who submits: the principal or a committee member;
	 * who reviews: an office account of the bureau. */
	int64_t office = 0;
	if ((e = db_prepare(d, "SELECT coalesce(min(a.id), 0) FROM accounts a JOIN account_roles r"
	    " ON r.account_id = a.id WHERE r.role = 'office_staff'", &st)) == XA_OK) {
		if (db_step(st) == 1)
			office = db_col_int(st, 0);
		db_done(st);
	}
	if ((e = db_prepare(d, "SELECT u.id, coalesce((SELECT min(a.id) FROM accounts a"
	    " JOIN account_roles r ON r.account_id = a.id WHERE a.unit_id = u.id"
	    " AND r.role IN ('principal', 'committee_member')), 0) FROM units u"
	    " WHERE u.kind = 'school' AND u.active = 1 ORDER BY u.id", &st)) != XA_OK) {
		snprintf(err, errlen, "returns demo: %s", db_errmsg(d));
		return e;
	}
	int rc;
	while ((rc = db_step(st)) == 1) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct sch *nl = realloc(list, nc * sizeof *nl);
			if (nl == NULL) {
				rc = -XA_ENOMEM;
				break;
			}
			list = nl;
			cap = nc;
		}
		list[n].id = db_col_int(st, 0);
		list[n].by = db_col_int(st, 1);
		list[n].office = office;
		n++;
	}
	db_done(st);
	if (rc < 0) {
		free(list);
		snprintf(err, errlen, "returns demo: cannot read the schools");
		return (xa_err)-rc;
	}
	xa_day today = day_of(now, DEMO_ZONE);
	ret_month cur, m;
	ret_month_of(today, &cur);
	/* September of the school year under way. */
	m.year = cur.mon >= 9 ? cur.year : cur.year - 1;
	m.mon = 9;
	e = XA_OK;
	for (; ret_month_cmp(&m, &cur) < 0 && e == XA_OK; ret_month_add(&m, 1)) {
		ret_month last = cur;
		ret_month_add(&last, -1);
		bool newest = ret_month_cmp(&m, &last) == 0;
		xa_day due = return_due(&m, due_day);
		bool due_passed = today > due;
		xa_day open_day = ret_month_next(&m);
		for (size_t i = 0; i < n && e == XA_OK; i++) {
			int roll = demo_pick(&g, 100);
			int64_t id = return_id(list[i].id, &m);
			/* Missing: a few, more in the newest month; last month's
			 * not yet due are half still drafts. */
			if ((newest && !due_passed && roll < 45) || (newest && due_passed && roll < 8) ||
			    (!newest && roll < 2)) {
				counts[3]++;
				continue;
			}
			bool late = roll >= 88 && due_passed;
			xa_day sday;
			if (late) {
				xa_day last_ok = today - 1;
				sday = due + 1 + demo_pick(&g, 8);
				if (sday > last_ok)
					sday = last_ok > due ? last_ok : due + 1;
			} else {
				xa_day lim = due < today ? due : today;
				sday = open_day + demo_pick(&g, (int)(lim - open_day + 1));
			}
			int64_t at = demo_at(&g, sday, 9);
			bool zero = false;
			e = return_submit(d, list[i].id, &m, "", true, due_day, DEMO_ZONE, list[i].by,
			    at, &zero);
			if (e == XA_OK)
				e = demo_audit(&g, list[i].by, list[i].id, "return.submit", id,
				    zero ? "month,remarks,zero" : "month,remarks");
			if (e != XA_OK)
				break;
			if (late)
				counts[1]++;
			/* The office reviews within a few days, except the newest
			 * month's last arrivals. */
			xa_day rday = sday + 1 + demo_pick(&g, 3);
			if (rday >= today) {
				counts[4]++;
				continue;
			}
			bool back = roll >= 80 && roll < 88;
			if (back) {
				const char *why = demo_reasons[demo_pick(&g, 4)];
				e = return_review(d, id, false, why, list[i].office,
				    demo_at(&g, rday, 14));
				if (e == XA_OK)
					e = demo_audit(&g, list[i].office, 0, "return.send_back", id, "reason");
				/* Older months were put right and accepted. */
				xa_day again = rday + 1 + demo_pick(&g, 3);
				if (e != XA_OK || newest || again + 1 >= today) {
					counts[2]++;
					continue;
				}
				e = return_submit(d, list[i].id, &m, "已按要求核对更正。", true, due_day,
				    DEMO_ZONE, list[i].by, demo_at(&g, again, 10), NULL);
				if (e == XA_OK)
					e = demo_audit(&g, list[i].by, list[i].id, "return.submit", id,
					    "month,remarks");
				rday = again + 1;
			}
			if (e == XA_OK)
				e = return_review(d, id, true, NULL, list[i].office, demo_at(&g, rday, 15));
			if (e == XA_OK)
				e = demo_audit(&g, list[i].office, 0, "return.accept", id, "");
			if (e == XA_OK)
				counts[0]++;
		}
	}
	free(list);
	if (e != XA_OK) {
		snprintf(err, errlen, "returns demo: %s", db_errmsg(d));
		return e;
	}
	if (out != NULL)
		fprintf(out, "monthly returns: %ld accepted, %ld late, %ld sent back, %ld waiting,"
		    " %ld not submitted\n", counts[0], counts[1], counts[2], counts[4], counts[3]);
	return XA_OK;
}

/* ------------------------------------------------------------------ */
/* A month across the schools. */

static int
by_unit(const void *a, const void *b)
{
	const return_school *x = *(const return_school *const *)a;
	const return_school *y = *(const return_school *const *)b;
	return x->unit_id < y->unit_id ? -1 : x->unit_id > y->unit_id;
}

/* The school of unit in idx[0..n) (sorted by unit), or NULL. */
static return_school *
school_find(return_school **idx, size_t n, int64_t unit)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (idx[mid]->unit_id == unit)
			return idx[mid];
		if (idx[mid]->unit_id < unit)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
fig_index(const char *name)
{
	for (int i = 0; i < RF__COUNT; i++)
		if (strcmp(return_figs[i].name, name) == 0)
			return i;
	return -1;
}

xa_err
return_month_list(db *conn, const char *scope, const ret_month *m, xa_day due, xa_day today,
    return_school **out, size_t *n)
{
	char mon[8];
	ret_month_format(m, mon);
	return_school *list = NULL, **idx = NULL;
	size_t len = 0, cap = 0;
	db_stmt *st = NULL;
	const char *sc = scope ? scope : "/";
	*out = NULL;
	*n = 0;
	xa_err e = db_prepare(conn, "SELECT u.id, u.name, u.path, coalesce(u.township_id, 0),"
	    " coalesce(t.name, ''), coalesce(r.state, ''), coalesce(r.late, 0),"
	    " coalesce(r.submitted_at, 0) FROM units u LEFT JOIN units t ON t.id = u.township_id"
	    " LEFT JOIN monthly_returns r ON r.unit_id = u.id AND r.month = ?"
	    " WHERE u.kind = 'school' AND u.active = 1 AND substr(u.path, 1, length(?)) = ?"
	    " ORDER BY CASE WHEN u.township_id IS NULL THEN 1 ELSE 0 END, u.township_id, u.name,"
	    " u.id", &st);
	if (e != XA_OK)
		return e;
	db_bind_text(st, 1, mon, -1);
	db_bind_text(st, 2, sc, -1);
	db_bind_text(st, 3, sc, -1);
	int rc;
	while ((rc = db_step(st)) == 1) {
		if (len == cap) {
			size_t nc = cap ? cap * 2 : 64;
			return_school *nl = realloc(list, nc * sizeof *nl);
			if (nl == NULL) {
				rc = -XA_ENOMEM;
				break;
			}
			list = nl;
			cap = nc;
		}
		return_school *s = &list[len++];
		memset(s, 0, sizeof *s);
		s->unit_id = db_col_int(st, 0);
		/* Names fit (RET_NAME_BYTES); one written behind the
		 * program's back is cut between characters, and the school
		 * still listed. A path that does not fit names no unit. */
		(void)utf8_copy(s->name, sizeof s->name, db_col_text(st, 1));
		if (!utf8_copy(s->path, sizeof s->path, db_col_text(st, 2))) {
			len--;
			continue;
		}
		s->township_id = db_col_int(st, 3);
		(void)utf8_copy(s->township, sizeof s->township, db_col_text(st, 4));
		const char *state = db_col_text(st, 5);
		s->state = RS_DRAFT;
		for (int i = 1; return_states[i] != NULL; i++)
			if (strcmp(return_states[i], state) == 0)
				s->state = (enum return_state)i;
		s->late = db_col_int(st, 6) != 0;
		s->submitted_at = db_col_int(st, 7);
		s->missing = s->state == RS_DRAFT && today > due;
		s->counted = s->state == RS_SUBMITTED || s->state == RS_ACCEPTED;
	}
	db_done(st);
	if (rc < 0) {
		free(list);
		return (xa_err)-rc;
	}
	if (len > 0 && (idx = malloc(len * sizeof *idx)) == NULL) {
		free(list);
		return XA_ENOMEM;
	}
	for (size_t i = 0; i < len; i++)
		idx[i] = &list[i];
	if (len > 0)
		qsort(idx, len, sizeof *idx, by_unit);
	if ((e = db_prepare(conn, "SELECT r.unit_id, f.figure, f.value FROM monthly_returns r"
	    " JOIN return_figures f ON f.return_id = r.id WHERE r.month = ?"
	    " AND r.state IN ('submitted', 'accepted')", &st)) != XA_OK)
		goto fail;
	db_bind_text(st, 1, mon, -1);
	while ((rc = db_step(st)) == 1) {
		return_school *s = school_find(idx, len, db_col_int(st, 0));
		int k = fig_index(db_col_text(st, 1));
		if (s != NULL && k >= 0)
			s->f.v[k] = db_col_int(st, 2);
	}
	db_done(st);
	if (rc < 0) {
		e = (xa_err)-rc;
		goto fail;
	}
	free(idx);
	*out = list;
	*n = len;
	return XA_OK;
fail:
	free(idx);
	free(list);
	return e;
}

xa_err
return_trend(db *conn, const char *scope, const ret_month *m, ret_figures sums[12],
    long reported[12])
{
	ret_month first = *m;
	ret_month_add(&first, -11);
	char from[8], to[8];
	ret_month_format(&first, from);
	ret_month_format(m, to);
	memset(sums, 0, 12 * sizeof *sums);
	memset(reported, 0, 12 * sizeof *reported);
	const char *sc = scope ? scope : "/";
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT r.month, f.figure, sum(f.value), count(*)"
	    " FROM monthly_returns r JOIN units u ON u.id = r.unit_id"
	    " JOIN return_figures f ON f.return_id = r.id WHERE r.month >= ? AND r.month <= ?"
	    " AND r.state IN ('submitted', 'accepted') AND substr(u.path, 1, length(?)) = ?"
	    " GROUP BY r.month, f.figure", &st);
	if (e != XA_OK)
		return e;
	db_bind_text(st, 1, from, -1);
	db_bind_text(st, 2, to, -1);
	db_bind_text(st, 3, sc, -1);
	db_bind_text(st, 4, sc, -1);
	int rc;
	while ((rc = db_step(st)) == 1) {
		ret_month rm;
		if (ret_month_parse(db_col_text(st, 0), &rm) != XA_OK)
			continue;
		int i = (rm.year * 12 + rm.mon) - (first.year * 12 + first.mon);
		int k = fig_index(db_col_text(st, 1));
		if (i < 0 || i >= 12 || k < 0)
			continue;
		sums[i].v[k] = db_col_int(st, 2);
		/* Every counted return stores every figure: the count of
		 * one figure's rows is the count of returns. */
		if (k == RF_NEW)
			reported[i] = (long)db_col_int(st, 3);
	}
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

xa_err
returns_remind(db *conn, const config *cfg, int64_t now, size_t *done)
{
	*done = 0;
	xa_day today = day_of(now, config_zone(cfg));
	ret_month m;
	ret_month_of(today, &m);
	ret_month_add(&m, -1);
	xa_day due = return_due(&m, setting_get(conn, S_RETURN_DUE_DAY));
	if (today + RET_REMIND_DAYS < due)
		return XA_OK;
	const char *kind = today <= due ? "return.due" : "return.late";
	char month[8], due_text[11];
	ret_month_format(&m, month);
	day_format(due, due_text);
	/* The schools still owing it and not yet told (read first: the
	 * statement must be done before the notices are written). */
	struct owe {
		int64_t unit;
		char name[RET_NAME_BYTES];
	} *list = NULL;
	size_t n = 0, cap = 0;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT u.id, u.name FROM units u WHERE u.kind = 'school'"
	    " AND u.active = 1 AND NOT EXISTS (SELECT 1 FROM monthly_returns r WHERE"
	    " r.unit_id = u.id AND r.month = ?1) AND NOT EXISTS (SELECT 1 FROM notices t"
	    " WHERE t.object_type = 'monthly_return' AND t.object_id = u.id * 1000000 + ?2"
	    " AND t.kind = ?3) ORDER BY u.id", &st);
	if (e != XA_OK)
		return e;
	db_bind_text(st, 1, month, -1);
	db_bind_int(st, 2, (int64_t)m.year * 100 + m.mon);
	db_bind_text(st, 3, kind, -1);
	int rc;
	while ((rc = db_step(st)) == 1) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct owe *nl = realloc(list, ncap * sizeof *nl);
			if (nl == NULL) {
				rc = -(int)XA_ENOMEM;
				break;
			}
			list = nl;
			cap = ncap;
		}
		list[n].unit = db_col_int(st, 0);
		(void)utf8_copy(list[n].name, sizeof list[n].name, db_col_text(st, 1));
		n++;
	}
	db_done(st);
	if (rc < 0) {
		free(list);
		return (xa_err)-rc;
	}
	for (size_t i = 0; i < n && e == XA_OK; i++) {
		int64_t id = return_id(list[i].unit, &m);
		char link[48], dedup[64];
		snprintf(link, sizeof link, "/returns/%lld", (long long)id);
		snprintf(dedup, sizeof dedup, "%s:%lld", kind, (long long)id);
		notice_new nn = { .kind = kind, .unit_id = list[i].unit,
			.object_type = "monthly_return", .object_id = id,
			.school = list[i].name, .due = due_text, .link = link, .dedup = dedup };
		if ((e = notify_emit(conn, &nn, now)) == XA_OK)
			(*done)++;
	}
	free(list);
	return e;
}
