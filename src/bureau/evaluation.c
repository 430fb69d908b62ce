/* evaluation.c: the yearly self-evaluation — its form (the six parts of
 * the notice's 三, as data), its storage and states, the due dates, the
 * suppression of small counts the city report uses, and the demo's
 * evaluations — behind evaluation.h.
 *
 * Never: let a submitted evaluation change other than by the office's
 * return, store anything of a form that was not declared in eval_fields,
 * or write an audit record (the callers do, beside each change). */
#include "evaluation.h"

#include <stdlib.h>
#include <string.h>

#include "../auth/audit.h"
#include "../auth/keys.h"
#include "../auth/settings.h"
#include "../prevention/records.h"

/* ------------------------------------------------------------------ */
/* The form: the notice's 三(一) to 三(六), each with a few structured
 * questions; the catalog holds their texts. */

static const char *const yesno[] = { "yes", "no", NULL };
static const char *const do_choices[] = { "save", "submit", NULL };

static const eval_question q_organisation[] = {
	{ "committee", EQ_YESNO },	/* 学生欺凌治理委员会 with its duties */
	{ "office", EQ_YESNO },		/* the office and its phone, published */
	{ "plan", EQ_YESNO },		/* the school's plan (实施方案) */
	{ "meetings", EQ_COUNT },	/* committee meetings this school year */
};
static const eval_question q_division[] = {
	{ "legal_vp", EQ_YESNO },	/* 法治副校长 or 法治辅导员 */
	{ "agencies", EQ_YESNO },	/* working ties with police, justice, ... */
	{ "joint_events", EQ_COUNT },
};
static const eval_question q_daily[] = {
	{ "procedures", EQ_YESNO },	/* early warning, handling, after-care */
	{ "sanctions", EQ_YESNO },	/* graded sanctions in the school rules */
	{ "duties", EQ_YESNO },		/* staff duties, head teachers' first */
	{ "screenings", EQ_COUNT },
};
static const eval_question q_prevention[] = {
	{ "sessions", EQ_COUNT },
	{ "class_meetings", EQ_COUNT },
	{ "parent_sessions", EQ_COUNT },
	{ "survey", EQ_YESNO },
};
static const eval_question q_procedure[] = {
	{ "cases", EQ_COUNT },
	{ "closed", EQ_COUNT },
	{ "archives", EQ_YESNO },	/* a 专门档案 for every case */
	{ "referrals", EQ_COUNT },
};
static const eval_question q_longterm[] = {
	{ "trained_staff", EQ_COUNT },
	{ "assessment", EQ_YESNO },	/* in the staff's assessment */
	{ "self_check", EQ_YESNO },	/* self-inspection and rectification */
	{ "accountability", EQ_YESNO },
};

#define NQ(a) (sizeof (a) / sizeof (a)[0])

const eval_part eval_parts[EVAL_PARTS] = {
	{ "organisation", q_organisation, NQ(q_organisation) },
	{ "division", q_division, NQ(q_division) },
	{ "daily", q_daily, NQ(q_daily) },
	{ "prevention", q_prevention, NQ(q_prevention) },
	{ "procedure", q_procedure, NQ(q_procedure) },
	{ "longterm", q_longterm, NQ(q_longterm) },
};

const char *const eval_part_keys[] = { "organisation", "division", "daily", "prevention",
	"procedure", "longterm", NULL };

#define YN(n) { n, FT_ENUM, 0, 0, 0, yesno }
#define CNT(n) { n, FT_INT, 0, 0, EVAL_COUNT_MAX, NULL }
#define PART_END(p) { p "_rating", FT_INT, 0, 1, 5, NULL }, \
	{ p "_text", FT_TEXT, 0, 0, EVAL_TEXT_MAX, NULL }

const field eval_fields[] = {
	YN("organisation_committee"), YN("organisation_office"), YN("organisation_plan"),
	CNT("organisation_meetings"), PART_END("organisation"),
	YN("division_legal_vp"), YN("division_agencies"), CNT("division_joint_events"),
	PART_END("division"),
	YN("daily_procedures"), YN("daily_sanctions"), YN("daily_duties"),
	CNT("daily_screenings"), PART_END("daily"),
	CNT("prevention_sessions"), CNT("prevention_class_meetings"),
	CNT("prevention_parent_sessions"), YN("prevention_survey"), PART_END("prevention"),
	CNT("procedure_cases"), CNT("procedure_closed"), YN("procedure_archives"),
	CNT("procedure_referrals"), PART_END("procedure"),
	CNT("longterm_trained_staff"), YN("longterm_assessment"), YN("longterm_self_check"),
	YN("longterm_accountability"), PART_END("longterm"),
	/* The page's two buttons: save the draft, or save and submit. */
	{ "do", FT_ENUM, 0, 0, 0, do_choices },
	{ NULL, 0, 0, 0, 0, NULL },
};

xa_err
eval_answers_from_input(json_t *in, json_t **out)
{
	json_t *all = json_object();
	char name[64];
	if (all == NULL)
		return XA_ENOMEM;
	for (size_t p = 0; p < EVAL_PARTS; p++) {
		const eval_part *ep = &eval_parts[p];
		json_t *o = json_object();
		if (o == NULL)
			goto oom;
		for (size_t q = 0; q < ep->nq; q++) {
			snprintf(name, sizeof name, "%s_%s", ep->key, ep->questions[q].key);
			json_t *v = json_object_get(in, name);
			if (v != NULL && (json_is_string(v) || json_is_integer(v)))
				json_object_set(o, ep->questions[q].key, v);
		}
		snprintf(name, sizeof name, "%s_rating", ep->key);
		json_t *v = json_object_get(in, name);
		if (json_is_integer(v))
			json_object_set(o, "rating", v);
		snprintf(name, sizeof name, "%s_text", ep->key);
		v = json_object_get(in, name);
		if (json_is_string(v))
			json_object_set(o, "text", v);
		if (json_object_set_new(all, ep->key, o) != 0)
			goto oom;
	}
	*out = all;
	return XA_OK;
oom:
	json_decref(all);
	return XA_ENOMEM;
}

/* The name of eval_fields whose text is "<part>_<tail>" (a static
 * string of the table; every question and rating has one). */
static const char *
field_name(const char *part, const char *tail)
{
	char want[64];
	snprintf(want, sizeof want, "%s_%s", part, tail);
	for (size_t f = 0; eval_fields[f].name != NULL; f++)
		if (strcmp(eval_fields[f].name, want) == 0)
			return eval_fields[f].name;
	return part;
}

const char *
eval_missing(const json_t *answers)
{
	for (size_t p = 0; p < EVAL_PARTS; p++) {
		const eval_part *ep = &eval_parts[p];
		const json_t *o = json_object_get(answers, ep->key);
		for (size_t q = 0; q < ep->nq; q++) {
			const json_t *v = json_object_get(o, ep->questions[q].key);
			int ok = ep->questions[q].type == EQ_YESNO ? json_is_string(v) :
			    json_is_integer(v);
			if (!ok)
				return field_name(ep->key, ep->questions[q].key);
		}
		if (!json_is_integer(json_object_get(o, "rating")))
			return field_name(ep->key, "rating");
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Dates. */

static xa_day
day_in(int year, long month, long day)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	char s[48];
	xa_day d = 0;
	if (month < 1 || month > 12)
		month = 9;
	if (day < 1)
		day = 1;
	if (day > mdays[month - 1])
		day = mdays[month - 1];
	snprintf(s, sizeof s, "%04d-%02ld-%02ld", year, month, day);
	if (day_parse(s, &d) != XA_OK) {
		/* 29 February of a common year. */
		snprintf(s, sizeof s, "%04d-%02ld-28", year, month);
		if (day_parse(s, &d) != XA_OK)
			d = 0;
	}
	return d;
}

xa_day
eval_due(db *conn, int year)
{
	return day_in(year, setting_get(conn, S_EVAL_DUE_MONTH), setting_get(conn, S_EVAL_DUE_DAY));
}

xa_day
city_report_due(db *conn, int year)
{
	return day_in(year, setting_get(conn, S_CITY_REPORT_DUE_MONTH),
	    setting_get(conn, S_CITY_REPORT_DUE_DAY));
}

int
eval_school_year(xa_day d)
{
	char s[11];
	day_format(d, s);
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	return m >= 9 ? y + 1 : y;
}

void
eval_year_span(int year, xa_day *first, xa_day *last)
{
	*first = day_in(year - 1, 9, 1);
	*last = day_in(year, 8, 31);
}

/* ------------------------------------------------------------------ */
/* Storage. */

const char *const eval_state_names[] = { "none", "draft", "submitted", "returned", NULL };

static enum eval_state
state_of(const char *s)
{
	for (int i = 1; eval_state_names[i] != NULL; i++)
		if (strcmp(s, eval_state_names[i]) == 0)
			return (enum eval_state)i;
	return ES_DRAFT;
}

void
eval_row_clear(eval_row *r)
{
	free(r->answers);
	r->answers = NULL;
}

xa_err
eval_get(db *conn, int64_t unit, int year, eval_row *out)
{
	db_stmt *st = NULL;
	memset(out, 0, sizeof *out);
	out->unit_id = unit;
	out->year = year;
	out->state = ES_NONE;
	xa_err e = db_prepare(conn, "SELECT id, state, answers, first_submitted_at, submitted_at,"
	    " coalesce(submitted_by, 0), returned_at, coalesce(returned_by, 0), return_reason,"
	    " updated_at, coalesce(updated_by, 0) FROM evaluations WHERE unit_id = ? AND year = ?",
	    &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	db_bind_int(st, 2, year);
	int rc = db_step(st);
	const char *answers = "{}";
	if (rc == 1) {
		out->id = db_col_int(st, 0);
		out->state = state_of(db_col_text(st, 1));
		answers = db_col_text(st, 2);
		out->first_submitted_at = db_col_int(st, 3);
		out->submitted_at = db_col_int(st, 4);
		out->submitted_by = db_col_int(st, 5);
		out->returned_at = db_col_int(st, 6);
		out->returned_by = db_col_int(st, 7);
		snprintf(out->reason, sizeof out->reason, "%s", db_col_text(st, 8));
		out->updated_at = db_col_int(st, 9);
		out->updated_by = db_col_int(st, 10);
	}
	size_t n = strlen(answers);
	out->answers = malloc(n + 1);
	if (out->answers != NULL)
		memcpy(out->answers, answers, n + 1);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	return out->answers != NULL ? XA_OK : XA_ENOMEM;
}

/* The id and state of unit's evaluation of year; *id 0 when none. */
static xa_err
find(db *conn, int64_t unit, int year, int64_t *id, enum eval_state *state)
{
	db_stmt *st = NULL;
	*id = 0;
	*state = ES_NONE;
	xa_err e = db_prepare(conn, "SELECT id, state FROM evaluations WHERE unit_id = ?"
	    " AND year = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	db_bind_int(st, 2, year);
	int rc = db_step(st);
	if (rc == 1) {
		*id = db_col_int(st, 0);
		*state = state_of(db_col_text(st, 1));
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

xa_err
eval_save(db *conn, int64_t unit, int year, const json_t *answers, int64_t by, int64_t now,
    int64_t *id)
{
	enum eval_state state;
	db_stmt *st = NULL;
	xa_err e = find(conn, unit, year, id, &state);
	if (e != XA_OK)
		return e;
	if (state == ES_SUBMITTED)
		return XA_ECONFLICT;
	char *text = json_dumps(answers, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL)
		return XA_ENOMEM;
	if (*id == 0) {
		e = db_prepare(conn, "INSERT INTO evaluations (unit_id, year, state, answers,"
		    " created_at, updated_at, updated_by) VALUES (?, ?, 'draft', ?, ?, ?, ?)", &st);
		if (e == XA_OK) {
			db_bind_int(st, 1, unit);
			db_bind_int(st, 2, year);
			db_bind_text(st, 3, text, -1);
			db_bind_int(st, 4, now);
			db_bind_int(st, 5, now);
			if (by > 0)
				db_bind_int(st, 6, by);
			else
				db_bind_null(st, 6);
			e = step_done(st);
			if (e == XA_OK)
				*id = db_last_id(conn);
		}
	} else {
		e = db_prepare(conn, "UPDATE evaluations SET answers = ?, updated_at = ?,"
		    " updated_by = ? WHERE id = ? AND state <> 'submitted'", &st);
		if (e == XA_OK) {
			db_bind_text(st, 1, text, -1);
			db_bind_int(st, 2, now);
			if (by > 0)
				db_bind_int(st, 3, by);
			else
				db_bind_null(st, 3);
			db_bind_int(st, 4, *id);
			e = step_done(st);
		}
	}
	free(text);
	return e;
}

xa_err
eval_submit(db *conn, int64_t unit, int year, int64_t by, int64_t now, int64_t *id,
    const char **missing)
{
	eval_row r;
	db_stmt *st = NULL;
	*missing = NULL;
	xa_err e = eval_get(conn, unit, year, &r);
	if (e != XA_OK) {
		eval_row_clear(&r);
		return e;
	}
	*id = r.id;
	if (r.state == ES_NONE)
		e = XA_ENOTFOUND;
	else if (r.state == ES_SUBMITTED)
		e = XA_ECONFLICT;
	if (e == XA_OK) {
		json_t *a = json_loads(r.answers, 0, NULL);
		*missing = eval_missing(a);
		json_decref(a);
		if (*missing != NULL)
			e = XA_EINVAL;
	}
	if (e == XA_OK)
		e = db_prepare(conn, "UPDATE evaluations SET state = 'submitted', submitted_at = ?,"
		    " submitted_by = ?, first_submitted_at = CASE WHEN first_submitted_at = 0"
		    " THEN ? ELSE first_submitted_at END, updated_at = ? WHERE id = ?", &st);
	if (e == XA_OK) {
		db_bind_int(st, 1, now);
		if (by > 0)
			db_bind_int(st, 2, by);
		else
			db_bind_null(st, 2);
		db_bind_int(st, 3, now);
		db_bind_int(st, 4, now);
		db_bind_int(st, 5, r.id);
		e = step_done(st);
	}
	eval_row_clear(&r);
	return e;
}

xa_err
eval_return(db *conn, int64_t unit, int year, const char *reason, int64_t by, int64_t now,
    int64_t *id)
{
	enum eval_state state;
	db_stmt *st = NULL;
	xa_err e = find(conn, unit, year, id, &state);
	if (e != XA_OK)
		return e;
	if (state != ES_SUBMITTED)
		return XA_ECONFLICT;
	e = db_prepare(conn, "UPDATE evaluations SET state = 'returned', returned_at = ?,"
	    " returned_by = ?, return_reason = ?, updated_at = ? WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, now);
	if (by > 0)
		db_bind_int(st, 2, by);
	else
		db_bind_null(st, 2);
	db_bind_text(st, 3, reason, -1);
	db_bind_int(st, 4, now);
	db_bind_int(st, 5, *id);
	return step_done(st);
}

xa_err
eval_file_add(db *conn, int64_t eval_id, const char *part, const prev_file *f, int64_t by,
    int64_t now, int64_t *id)
{
	db_stmt *st = NULL;
	int64_t nfiles = 0;
	int submitted = 0;
	xa_err e = db_prepare(conn, "SELECT state = 'submitted', (SELECT count(*) FROM"
	    " evaluation_files WHERE evaluation_id = e.id AND removed_at = 0)"
	    " FROM evaluations e WHERE e.id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, eval_id);
	int rc = db_step(st);
	if (rc == 1) {
		submitted = (int)db_col_int(st, 0);
		nfiles = db_col_int(st, 1);
	}
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (rc == 0)
		return XA_ENOTFOUND;
	if (submitted)
		return XA_ECONFLICT;
	if (nfiles >= EVAL_FILES_MAX)
		return XA_ETOOMANY;
	if ((e = db_prepare(conn, "INSERT INTO evaluation_files (evaluation_id, part, name, mime,"
	    " size, data, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, eval_id);
	db_bind_text(st, 2, part ? part : "", -1);
	db_bind_text(st, 3, f->name, -1);
	db_bind_text(st, 4, f->mime, -1);
	db_bind_int(st, 5, (int64_t)f->size);
	db_bind_blob(st, 6, f->sealed, f->sealed_len);
	if (by > 0)
		db_bind_int(st, 7, by);
	else
		db_bind_null(st, 7);
	db_bind_int(st, 8, now);
	if ((e = step_done(st)) == XA_OK)
		*id = db_last_id(conn);
	return e;
}

xa_err
eval_file_remove(db *conn, int64_t eval_id, int64_t file_id, int64_t now)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT e.state = 'submitted' FROM evaluation_files f"
	    " JOIN evaluations e ON e.id = f.evaluation_id WHERE f.id = ? AND f.evaluation_id = ?"
	    " AND f.removed_at = 0", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, file_id);
	db_bind_int(st, 2, eval_id);
	int rc = db_step(st);
	int submitted = rc == 1 ? (int)db_col_int(st, 0) : 0;
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (rc == 0)
		return XA_ENOTFOUND;
	if (submitted)
		return XA_ECONFLICT;
	if ((e = db_prepare(conn, "UPDATE evaluation_files SET removed_at = ? WHERE id = ?",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, file_id);
	return step_done(st);
}

/* ------------------------------------------------------------------ */
/* Suppression. */

void
eval_suppress(const int64_t *counts, size_t n, long min, unsigned char *hidden,
    int *total_hidden)
{
	size_t nh = 0;
	*total_hidden = 0;
	for (size_t i = 0; i < n; i++) {
		hidden[i] = counts[i] > 0 && counts[i] < min;
		nh += hidden[i];
	}
	if (nh != 1)
		return;
	/* One hidden count alone is the total minus the others: hide the
	 * smallest other non-zero count with it, or else the total. */
	size_t best = n;
	for (size_t i = 0; i < n; i++)
		if (!hidden[i] && counts[i] > 0 && (best == n || counts[i] < counts[best]))
			best = i;
	if (best < n)
		hidden[best] = 1;
	else
		*total_hidden = 1;
}

/* ------------------------------------------------------------------ */
/* Demo. */

#define DEMO_SOURCE "xiaoan demo"

struct demo {
	db *d;
	uint64_t rng;
	int64_t now;
	const uint8_t *akey;
};

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

static int64_t
demo_int(db *d, const char *sql, int64_t a, int64_t b, int64_t c)
{
	db_stmt *st = NULL;
	int64_t v = 0;
	if (db_prepare(d, sql, &st) != XA_OK)
		return 0;
	db_bind_int(st, 1, a);
	if (b >= 0)
		db_bind_int(st, 2, b);
	if (c >= 0)
		db_bind_int(st, 3, c);
	if (db_step(st) == 1)
		v = db_col_int(st, 0);
	db_done(st);
	return v;
}

static const char *const demo_texts[EVAL_PARTS] = {
	"学校成立了以校长为组长的学生欺凌治理委员会，明确了各成员职责，并在校门口和学校网站公布了防欺凌工作办公室电话。",
	"聘任辖区派出所民警担任法治副校长，与司法所、团委建立了联系机制，本学年联合开展法治宣传活动。",
	"制定了早期预警、事中处理、事后干预的工作流程，校规校纪中明确了分级惩戒措施，班主任每周排查一次班级情况。",
	"每学期开展防欺凌专题教育和主题班会，组织了全体学生问卷调查，通过家长会开展家庭教育指导。",
	"受理的事件均按程序调查认定，建立了专门档案，对双方学生开展了跟踪回访。",
	"组织全体教职工参加防欺凌专题培训，将防欺凌工作纳入教职工年度考核，开展了自查自纠。",
};

/* The answers of one school: counts from its own records where the
 * platform has them, the rest plausible. */
static json_t *
demo_answers(struct demo *g, int64_t unit, int year)
{
	xa_day first, last;
	char f[11], l[11];
	eval_year_span(year, &first, &last);
	day_format(first, f);
	day_format(last, l);
	int64_t t0 = (int64_t)first * 86400, t1 = ((int64_t)last + 1) * 86400;
	int64_t cases = demo_int(g->d, "SELECT count(*) FROM cases WHERE unit_id = ?"
	    " AND opened_at >= ? AND opened_at < ?", unit, t0, t1);
	int64_t closed = demo_int(g->d, "SELECT count(*) FROM cases WHERE unit_id = ?"
	    " AND opened_at >= ? AND opened_at < ? AND closed_at > 0", unit, t0, t1);
	int64_t classes = demo_int(g->d, "SELECT count(*) FROM classes WHERE unit_id = ?", unit,
	    -1, -1);
	int64_t staff = demo_int(g->d, "SELECT count(*) FROM accounts WHERE unit_id = ?"
	    " AND disabled = 0", unit, -1, -1);
	json_t *a = json_object();
	for (size_t p = 0; a != NULL && p < EVAL_PARTS; p++) {
		const eval_part *ep = &eval_parts[p];
		json_t *o = json_object();
		for (size_t q = 0; o != NULL && q < ep->nq; q++) {
			const char *k = ep->questions[q].key;
			json_t *v;
			if (ep->questions[q].type == EQ_YESNO) {
				v = json_string(demo_pick(g, 10) == 0 ? "no" : "yes");
			} else {
				int64_t n = 1 + demo_pick(g, 4);
				if (strcmp(k, "cases") == 0)
					n = cases;
				else if (strcmp(k, "closed") == 0)
					n = closed;
				else if (strcmp(k, "referrals") == 0)
					n = cases > 2 ? demo_pick(g, 2) : 0;
				else if (strcmp(k, "class_meetings") == 0)
					n = classes * 2 + demo_pick(g, 3);
				else if (strcmp(k, "trained_staff") == 0)
					n = staff > 0 ? staff - demo_pick(g, 2) : 0;
				v = json_integer(n < 0 ? 0 : n);
			}
			json_object_set_new(o, k, v);
		}
		if (o == NULL)
			continue;
		json_object_set_new(o, "rating", json_integer(3 + demo_pick(g, 3)));
		json_object_set_new(o, "text", json_string(demo_texts[p]));
		json_object_set_new(a, ep->key, o);
	}
	return a;
}

static xa_err
demo_audit(struct demo *g, int64_t by, int64_t unit, const char *action, int64_t id,
    const char *fields)
{
	audit_entry ae = { by, unit, action, "evaluation", id, fields, "", DEMO_SOURCE };
	return audit_append(g->d, g->akey, &ae, g->now);
}

xa_err
evaluation_demo(db *d, uint64_t seed, int64_t now, FILE *out, char *err, size_t errlen)
{
	struct demo g = { .d = d, .rng = seed ^ 0x6576616c75617465ULL, .now = now };
	db_stmt *st = NULL;
	struct school {
		int64_t id, by;
	} *sc = NULL;
	size_t n = 0, cap = 0;
	xa_err e = XA_OK;
	if (keys_get() == NULL) {
		snprintf(err, errlen, "the keys are not loaded");
		return XA_EINVAL;
	}
	g.akey = keys_get()->audit;
	/* The school year whose due date passed last. */
	xa_day today = (xa_day)(now / 86400);
	char td[11];
	day_format(today, td);
	int year = (td[0] - '0') * 1000 + (td[1] - '0') * 100 + (td[2] - '0') * 10 + (td[3] - '0');
	if (today < eval_due(d, year))
		year--;
	xa_day due = eval_due(d, year);
	int64_t due_t = ((int64_t)due + 1) * 86400 - 8 * 3600;	/* its end in Beijing */
	if ((e = db_prepare(d, "SELECT u.id, coalesce((SELECT min(a.id) FROM accounts a"
	    " JOIN account_roles r ON r.account_id = a.id WHERE a.unit_id = u.id"
	    " AND r.role = 'principal'), 0) FROM units u WHERE u.kind = 'school'"
	    " AND u.active = 1 ORDER BY u.id", &st)) != XA_OK) {
		snprintf(err, errlen, "cannot list the schools: %s", db_errmsg(d));
		return e;
	}
	int rc;
	while ((rc = db_step(st)) == 1) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct school *s2 = realloc(sc, nc * sizeof *s2);
			if (s2 == NULL) {
				rc = -XA_ENOMEM;
				break;
			}
			sc = s2;
			cap = nc;
		}
		sc[n].id = db_col_int(st, 0);
		sc[n].by = db_col_int(st, 1);
		n++;
	}
	db_done(st);
	if (rc < 0) {
		free(sc);
		snprintf(err, errlen, "cannot list the schools");
		return (xa_err)-rc;
	}
	int64_t director = 0;
	if (db_prepare(d, "SELECT coalesce(min(a.id), 0) FROM accounts a JOIN account_roles r"
	    " ON r.account_id = a.id WHERE r.role IN ('office_director', 'office_staff')"
	    " AND a.disabled = 0", &st) == XA_OK) {
		if (db_step(st) == 1)
			director = db_col_int(st, 0);
		db_done(st);
	}
	int on_time = 0, late = 0, returned = 0, missing = 0, drafts = 0;
	for (size_t i = 0; i < n && e == XA_OK; i++) {
		int r = demo_pick(&g, 100);
		/* Two schools have not begun, one more has a draft only. */
		if (i == 4 || i == 11 || (n < 12 && i == n - 1 && n > 2)) {
			missing++;
			continue;
		}
		json_t *a = demo_answers(&g, sc[i].id, year);
		int64_t id = 0;
		if (a == NULL) {
			e = XA_ENOMEM;
			break;
		}
		e = eval_save(d, sc[i].id, year, a, sc[i].by, now, &id);
		json_decref(a);
		if (e == XA_OK)
			e = demo_audit(&g, sc[i].by, sc[i].id, "evaluation.save", id, "answers");
		if (e != XA_OK)
			break;
		if (i == 8) {
			drafts++;
			continue;
		}
		/* Most on time, a few late (1 to 20 days). */
		int is_late = r < 12;
		int64_t at = is_late ? due_t + 86400 * (1 + demo_pick(&g, 20)) - 3600 * 5 :
		    due_t - 86400 * (1 + demo_pick(&g, 12)) - 3600 * (2 + demo_pick(&g, 8));
		if (at > now)
			at = now - 3600;
		e = db_prepare(d, "UPDATE evaluations SET state = 'submitted', submitted_at = ?,"
		    " first_submitted_at = ?, submitted_by = ?, updated_at = ? WHERE id = ?", &st);
		if (e == XA_OK) {
			db_bind_int(st, 1, at);
			db_bind_int(st, 2, at);
			if (sc[i].by > 0)
				db_bind_int(st, 3, sc[i].by);
			else
				db_bind_null(st, 3);
			db_bind_int(st, 4, at);
			db_bind_int(st, 5, id);
			e = step_done(st);
		}
		if (e == XA_OK)
			e = demo_audit(&g, sc[i].by, sc[i].id, "evaluation.submit", id, "state");
		if (e != XA_OK)
			break;
		late += is_late;
		on_time += !is_late;
		/* One is back with the school, with the office's reason. */
		if (i == 2) {
			e = eval_return(d, sc[i].id, year, "第三部分未写明隐蔽场所排查发现的问题及整改情况，"
			    "第五部分办结数与受理数不一致，请核实补充后重新提交。", director,
			    at + 86400 * 2, &id);
			if (e == XA_OK)
				e = demo_audit(&g, director, sc[i].id, "evaluation.return", id,
				    "state,reason");
			returned++;
		}
	}
	free(sc);
	if (e != XA_OK) {
		snprintf(err, errlen, "self-evaluations: %s (%s)", xa_strerror(e), db_errmsg(d));
		return e;
	}
	if (out != NULL)
		fprintf(out, "self-evaluations of %d: %d on time, %d late, %d returned, %d drafts,"
		    " %d not begun\n", year, on_time, late, returned, drafts, missing);
	return XA_OK;
}
