/* returns_http.c: the pages and API of the monthly returns (月报): a
 * school's months and its return, drafted live until submitted; the
 * office's month across the schools by township, with the late and the
 * missing, the city's sums and a twelve-month trend; submitting (with a
 * zero return confirmed explicitly), accepting and sending back; the
 * month as xlsx and CSV.
 *
 * A school's leaders read and submit its own return (A_RETURN_READ,
 * A_RETURN_SUBMIT); the bureau reads every school's in reach, its office
 * reviews and exports (A_RETURN_REVIEW). Every change goes through the
 * writer with its audit record.
 *
 * Never: answer a return out of the caller's reach other than exactly
 * like a missing one (404), change a submitted return's figures (only a
 * resubmission after a send-back freezes them again), or put anything
 * that names a pupil on a bureau page or an export. */
#include "bureau_http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../auth/auth.h"
#include "../auth/session.h"
#include "../auth/settings.h"
#include "../core/calendar.h"
#include "../core/config.h"
#include "../core/i18n.h"
#include "../core/utf8.h"
#include "../http/handler.h"
#include "../http/input.h"
#include "../http/server.h"
#include "../notify/notify.h"
#include "returns.h"

#define TREND_MONTHS 12
/* Months a school's page lists, and the month picker offers. */
#define MONTHS_SHOWN 13

/* ------------------------------------------------------------------ */
/* Small helpers. */

static xa_day
today_of(req *r)
{
	return day_of(now_s(), zone_of(r));
}

/* "2026年3月". */
static const char *
month_label(const req *r, const ret_month *m)
{
	return tr(r, "returns.month_label", "year", num(r, m->year), "mon", num(r, m->mon), NULL);
}

static const char *
month_text(const req *r, const ret_month *m)
{
	char s[8];
	ret_month_format(m, s);
	const char *o = arena_strdup(r->a, s);
	return o ? o : "";
}

static const char *
day_text(const req *r, xa_day d)
{
	char s[11];
	day_format(d, s);
	const char *o = arena_strdup(r->a, s);
	return o ? o : "";
}

static long
due_day_of(req *r)
{
	return setting_get(r->rdb, S_RETURN_DUE_DAY);
}

/* The month being reported now: last month. */
static void
default_month(req *r, ret_month *m)
{
	ret_month_of(today_of(r), m);
	ret_month_add(m, -1);
}

/* The query's month (or last month); 0 when it is malformed or in the
 * future (answered 400 here). */
static int
month_want(req *r, ret_month *m)
{
	const char *q = input_str(r->q, "month");
	if (q == NULL) {
		default_month(r, m);
		return 1;
	}
	ret_month cur;
	ret_month_of(today_of(r), &cur);
	if (ret_month_parse(q, m) != XA_OK || ret_month_cmp(m, &cur) > 0) {
		req_error(r, 400, "invalid_field", "month");
		return 0;
	}
	return 1;
}

/* The month's state word, its chip, for a school's return. */
static const char *const state_chips[RS__COUNT] = { "chip-grey", "chip-amber", "chip-green",
	"chip-red" };

static const char *
state_label(const req *r, enum return_state s, bool missing)
{
	char key[48];
	snprintf(key, sizeof key, "returns.state.%s", missing ? "missing" : return_states[s]);
	return i18n(r->lang, key);
}

/* ------------------------------------------------------------------ */
/* Who and which. */

struct school {
	int64_t id, township_id;
	bool active;
	char name[RET_NAME_BYTES], path[96], township[RET_NAME_BYTES];
};

static int
school_get(req *r, int64_t id, struct school *s)
{
	db_stmt *st = NULL;
	int found = 0;
	memset(s, 0, sizeof *s);
	if (db_prepare(r->rdb, "SELECT u.name, u.path, coalesce(u.township_id, 0),"
	    " coalesce(t.name, ''), u.active FROM units u LEFT JOIN units t"
	    " ON t.id = u.township_id WHERE u.id = ? AND u.kind = 'school'", &st) != XA_OK)
		return 0;
	db_bind_int(st, 1, id);
	/* A path that does not fit names no unit we could check. */
	if (db_step(st) == 1 && utf8_copy(s->path, sizeof s->path, db_col_text(st, 1))) {
		s->id = id;
		(void)utf8_copy(s->name, sizeof s->name, db_col_text(st, 0));
		s->township_id = db_col_int(st, 2);
		(void)utf8_copy(s->township, sizeof s->township, db_col_text(st, 3));
		s->active = db_col_int(st, 4) != 0;
		found = 1;
	}
	db_done(st);
	return found;
}

/* The caller is a school's person who reads its returns. */
static int
caller_school(req *r)
{
	const principal *p = r->user;
	return p != NULL && strcmp(p->unit_kind, "school") == 0 &&
	    policy_allow(p, A_RETURN_READ, p->unit_path);
}

/* The caller is the bureau's, reading the returns of its reach. */
static int
caller_bureau(req *r)
{
	const principal *p = r->user;
	return p != NULL && strcmp(p->unit_kind, "school") != 0 &&
	    policy_allow(p, A_RETURN_READ, p->scope_path);
}

/* The return of path parameter {id}: its school, in the caller's reach
 * (else 404, exactly like a missing one), for a month not in the future,
 * and, when need is not A_RETURN_READ, an action the caller may take
 * (else 403). A return never stored exists only as a draft of an active
 * school for a month not before the floor (else 404: nothing can be
 * submitted there). 0 when answered here. */
static int
return_open(req *r, enum action need, struct school *sc, return_row *row)
{
	int64_t id = 0, unit = 0;
	ret_month m, cur, floor;
	ret_month_of(today_of(r), &cur);
	return_month_floor(today_of(r), &floor);
	if (req_param_int(r, "id", &id) != XA_OK || return_id_split(id, &unit, &m) != XA_OK ||
	    ret_month_cmp(&m, &cur) > 0 || !school_get(r, unit, sc) ||
	    !policy_allow(r->user, A_RETURN_READ, sc->path)) {
		req_error(r, 404, "not_found", NULL);
		return 0;
	}
	if (need != A_RETURN_READ && !policy_allow(r->user, need, sc->path)) {
		req_error(r, 403, "forbidden", NULL);
		return 0;
	}
	if (return_get(r->rdb, id, row) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return 0;
	}
	if (!row->stored && (!sc->active || ret_month_cmp(&m, &floor) < 0)) {
		req_error(r, 404, "not_found", NULL);
		return 0;
	}
	return 1;
}

/* 1 when m lies before the earliest month a return may be submitted for. */
static int
before_floor(req *r, const ret_month *m)
{
	ret_month floor;
	return_month_floor(today_of(r), &floor);
	return ret_month_cmp(m, &floor) < 0;
}

/* ------------------------------------------------------------------ */
/* A return as the model shows it. */

static const char *const groups[] = { "cases", "incidents", "tier", "behaviour", "stage",
	"place", "prevention", NULL };

/* A figure's value as people read it: training in hours. */
static const char *
fig_text(const req *r, const ret_figures *f, int k)
{
	if (k == RF_TRAINING_TENTHS) {
		const char *s = arena_printf(r->a, "%lld.%lld", f->v[k] / 10, f->v[k] % 10);
		return s ? s : "";
	}
	return num(r, f->v[k]);
}

/* {"cases.new": 3, ...} and the sections the page lists. */
static void
figures_json(const req *r, const ret_figures *f, json_t *o)
{
	json_t *figs = json_object(), *secs = json_array();
	for (int k = 0; k < RF__COUNT; k++)
		json_object_set_new(figs, return_figs[k].name, json_integer(f->v[k]));
	for (int g = 0; groups[g] != NULL; g++) {
		json_t *rows = json_array();
		for (int k = 0; k < RF__COUNT; k++) {
			if (strcmp(return_figs[k].group, groups[g]) != 0)
				continue;
			char key[80];
			snprintf(key, sizeof key, "returns.fig.%s", return_figs[k].name);
			json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:b}", "name",
			    return_figs[k].name, "label", i18n(r->lang, key), "value",
			    fig_text(r, f, k), "nonzero", f->v[k] != 0));
		}
		char key[48];
		snprintf(key, sizeof key, "returns.group.%s", groups[g]);
		json_array_append_new(secs, json_pack("{s:s, s:s, s:o}", "key", groups[g],
		    "title", i18n(r->lang, key), "rows", rows));
	}
	json_object_set_new(o, "figures", figs);
	json_object_set_new(o, "sections", secs);
}

/* What happened to the return, oldest first. */
static json_t *
history_json(req *r, int64_t id)
{
	json_t *a = json_array();
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT action, at, reason FROM return_history WHERE return_id = ?"
	    " ORDER BY id", &st) != XA_OK)
		return a;
	db_bind_int(st, 1, id);
	while (db_step(st) == 1) {
		const char *act = db_col_text(st, 0);
		char key[48];
		snprintf(key, sizeof key, "returns.history.%s", act);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "action", act,
		    "label", i18n(r->lang, key), "at", when_text(r, db_col_int(st, 1)),
		    "reason", db_col_text(st, 2)));
	}
	db_done(st);
	return a;
}

/* The whole return: figures frozen when stored (submitted at least
 * once), else drafted now. NULL on a database failure. */
static json_t *
return_json(req *r, const struct school *sc, const return_row *row)
{
	ret_figures f;
	xa_err e = row->stored ? return_figures_get(r->rdb, row->id, &f) :
	    return_draft(r->rdb, sc->id, &row->month, zone_of(r), &f);
	if (e != XA_OK)
		return NULL;
	/* A sent-back return shows the figures it would be resubmitted with. */
	if (e == XA_OK && row->state == RS_SENT_BACK)
		e = return_draft(r->rdb, sc->id, &row->month, zone_of(r), &f);
	if (e != XA_OK)
		return NULL;
	xa_day today = today_of(r);
	xa_day due = 0;
	if (row->stored)
		(void)day_parse(row->due_on, &due);
	else
		due = return_due(&row->month, due_day_of(r));
	bool ended = today >= ret_month_next(&row->month);
	bool missing = row->state == RS_DRAFT && today > due;
	bool zero = ret_figures_zero(&f);
	bool live = row->state == RS_DRAFT || row->state == RS_SENT_BACK;
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(row->id));
	json_object_set_new(o, "school_id", json_integer(sc->id));
	json_object_set_new(o, "school", jstr(sc->name));
	json_object_set_new(o, "township", jstr(sc->township_id ? sc->township :
	    i18n(r->lang, "returns.direct")));
	json_object_set_new(o, "month", jstr(month_text(r, &row->month)));
	json_object_set_new(o, "month_label", jstr(month_label(r, &row->month)));
	json_object_set_new(o, "state", jstr(return_states[row->state]));
	json_object_set_new(o, "state_label", jstr(state_label(r, row->state, missing)));
	json_object_set_new(o, "chip", jstr(missing ? "chip-red" : state_chips[row->state]));
	json_object_set_new(o, "live", json_boolean(live));
	json_object_set_new(o, "zero", json_boolean(row->stored && !live ? row->zero : zero));
	json_object_set_new(o, "late", json_boolean(row->late));
	json_object_set_new(o, "missing", json_boolean(missing));
	json_object_set_new(o, "due_on", jstr(day_text(r, due)));
	json_object_set_new(o, "month_ended", json_boolean(ended));
	json_object_set_new(o, "submissions", json_integer(row->submissions));
	json_object_set_new(o, "first_submitted_at", jstr(when_text(r, row->first_submitted_at)));
	json_object_set_new(o, "submitted_at", jstr(when_text(r, row->submitted_at)));
	json_object_set_new(o, "reviewed_at", jstr(when_text(r, row->reviewed_at)));
	json_object_set_new(o, "remarks", jstr(row->remarks));
	json_object_set_new(o, "reason", jstr(row->state == RS_SENT_BACK ? row->reason : ""));
	json_object_set_new(o, "href", jstr(arena_printf(r->a, "/returns/%lld",
	    (long long)row->id)));
	figures_json(r, &f, o);
	json_object_set_new(o, "new", json_integer(f.v[RF_NEW]));
	json_object_set_new(o, "bullying", json_integer(f.v[RF_BULLYING]));
	json_object_set_new(o, "history", history_json(r, row->id));
	bool can_submit = live && ended && policy_allow(r->user, A_RETURN_SUBMIT, sc->path);
	bool can_review = row->state == RS_SUBMITTED &&
	    policy_allow(r->user, A_RETURN_REVIEW, sc->path);
	json_object_set_new(o, "can_submit", json_boolean(can_submit));
	json_object_set_new(o, "can_review", json_boolean(can_review));
	json_object_set_new(o, "needs_zero", json_boolean(can_submit && zero));
	return o;
}

/* The page model around a return, with an optional error sentence. */
static json_t *
one_model(req *r, const struct school *sc, const return_row *row, const char *error)
{
	json_t *ret = return_json(r, sc, row);
	if (ret == NULL)
		return NULL;
	json_t *m = json_pack("{s:{s:s}, s:o}", "page", "title_key", "returns.one_title",
	    "return", ret);
	if (m != NULL && error != NULL)
		json_object_set_new(m, "error", jstr(error));
	if (m != NULL && !is_api(r))
		json_object_set_new(m, "remarks_typed", jstr(input_str(r->in, "remarks")));
	return m;
}

/* ------------------------------------------------------------------ */
/* The school's view: its months and its return. */

static json_t *
school_model(req *r, const ret_month *want)
{
	struct school sc;
	if (!school_get(r, r->user->unit_id, &sc))
		return NULL;
	return_row row;
	if (return_get(r->rdb, return_id(sc.id, want), &row) != XA_OK)
		return NULL;
	json_t *ret = return_json(r, &sc, &row);
	if (ret == NULL)
		return NULL;
	/* The months up to this one, newest first, with their states. */
	ret_month cur, first;
	ret_month_of(today_of(r), &cur);
	first = cur;
	ret_month_add(&first, -(MONTHS_SHOWN - 1));
	long due_day = due_day_of(r);
	xa_day today = today_of(r);
	json_t *months = json_array();
	db_stmt *st = NULL;
	char from[8];
	ret_month_format(&first, from);
	enum return_state states[MONTHS_SHOWN];
	bool late[MONTHS_SHOWN];
	memset(late, 0, sizeof late);
	for (int i = 0; i < MONTHS_SHOWN; i++)
		states[i] = RS_DRAFT;
	if (db_prepare(r->rdb, "SELECT month, state, late FROM monthly_returns WHERE unit_id = ?"
	    " AND month >= ?", &st) == XA_OK) {
		db_bind_int(st, 1, sc.id);
		db_bind_text(st, 2, from, -1);
		while (db_step(st) == 1) {
			ret_month rm;
			if (ret_month_parse(db_col_text(st, 0), &rm) != XA_OK)
				continue;
			int i = (rm.year * 12 + rm.mon) - (first.year * 12 + first.mon);
			if (i < 0 || i >= MONTHS_SHOWN)
				continue;
			for (int k = 1; return_states[k] != NULL; k++)
				if (strcmp(return_states[k], db_col_text(st, 1)) == 0)
					states[i] = (enum return_state)k;
			late[i] = db_col_int(st, 2) != 0;
		}
		db_done(st);
	}
	for (int i = MONTHS_SHOWN - 1; i >= 0; i--) {
		ret_month m = first;
		ret_month_add(&m, i);
		xa_day due = return_due(&m, due_day);
		bool missing = states[i] == RS_DRAFT && today > due;
		bool ended = today >= ret_month_next(&m);
		int64_t id = return_id(sc.id, &m);
		json_array_append_new(months, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:b, s:b,"
		    " s:b, s:s, s:b}", "id", (json_int_t)id, "month", month_text(r, &m),
		    "label", month_label(r, &m), "state", return_states[states[i]],
		    "state_label", ended || states[i] != RS_DRAFT ?
		    state_label(r, states[i], missing) : i18n(r->lang, "returns.state.open"),
		    "chip", missing ? "chip-red" : state_chips[states[i]], "late", late[i],
		    "missing", missing, "ended", ended, "due_on", day_text(r, due),
		    "selected", ret_month_cmp(&m, want) == 0));
	}
	json_t *m = json_pack("{s:{s:s}, s:s, s:s, s:s, s:o, s:o, s:b}", "page", "title_key",
	    "returns.title", "mode", "school", "month", month_text(r, want), "month_label",
	    month_label(r, want), "return", ret, "months", months, "school", 1);
	return m;
}

/* ------------------------------------------------------------------ */
/* The bureau's view of a month. */

struct late_notice {
	int64_t unit, id;
	char school[RET_NAME_BYTES];
	char due[11];
	char month[8];
};

struct late_job {
	struct late_notice *list;
	size_t n;
	int64_t now;
};

static xa_err
late_run(db *conn, void *ctx)
{
	struct late_job *j = ctx;
	xa_err e = XA_OK;
	for (size_t i = 0; i < j->n && e == XA_OK; i++) {
		char link[48], dedup[64];
		snprintf(link, sizeof link, "/returns/%lld", (long long)j->list[i].id);
		snprintf(dedup, sizeof dedup, "return.late:%lld", (long long)j->list[i].id);
		notice_new nn = { .kind = "return.late", .unit_id = j->list[i].unit,
			.object_type = "monthly_return", .object_id = j->list[i].id,
			.school = j->list[i].school, .due = j->list[i].due, .link = link,
			.dedup = dedup };
		e = notify_emit(conn, &nn, j->now);
	}
	return e;
}

static void
late_cleanup(void *ctx)
{
	struct late_job *j = ctx;
	free(j->list);
	free(j);
}

/* The office's first look at a month past due tells each school whose
 * return is missing, once per school and month (the notice's dedup key);
 * the write answers no request, so the page does not wait for it. */
static void
late_notices(req *r, const return_school *s, size_t n, const ret_month *m, xa_day due)
{
	struct late_notice *list = NULL;
	size_t len = 0;
	db_stmt *st = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!s[i].missing)
			continue;
		int64_t id = return_id(s[i].unit_id, m);
		int told = 1;
		if (db_prepare(r->rdb, "SELECT count(*) FROM notices WHERE object_type = 'monthly_return'"
		    " AND object_id = ? AND kind = 'return.late'", &st) == XA_OK) {
			db_bind_int(st, 1, id);
			told = db_step(st) == 1 && db_col_int(st, 0) > 0;
			db_done(st);
		}
		if (told)
			continue;
		if (list == NULL && (list = calloc(n, sizeof *list)) == NULL)
			return;
		struct late_notice *ln = &list[len++];
		ln->unit = s[i].unit_id;
		ln->id = id;
		(void)utf8_copy(ln->school, sizeof ln->school, s[i].name);
		day_format(due, ln->due);
		ret_month_format(m, ln->month);
	}
	if (len == 0) {
		free(list);
		return;
	}
	struct late_job *j = calloc(1, sizeof *j);
	if (j == NULL) {
		free(list);
		return;
	}
	j->list = list;
	j->n = len;
	j->now = now_s();
	server_write_detached(r->srv, late_run, j, late_cleanup);
}

struct tally {
	const char *name;
	int64_t id;
	long schools, counted, accepted, sent_back, submitted, late, missing;
	ret_figures f;
};

static void
tally_add(struct tally *t, const return_school *s)
{
	t->schools++;
	if (s->counted) {
		t->counted++;
		for (int k = 0; k < RF__COUNT; k++)
			t->f.v[k] += s->f.v[k];
	}
	t->accepted += s->state == RS_ACCEPTED;
	t->sent_back += s->state == RS_SENT_BACK;
	t->submitted += s->state == RS_SUBMITTED;
	t->late += s->late;
	t->missing += s->missing;
}

static json_t *
tally_json(const req *r, const struct tally *t)
{
	json_t *o = json_pack("{s:s, s:I, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:I, s:I, s:I,"
	    " s:I}", "name", t->name, "id", (json_int_t)t->id, "schools", (int)t->schools,
	    "counted", (int)t->counted, "accepted", (int)t->accepted, "submitted",
	    (int)t->submitted, "sent_back", (int)t->sent_back, "late", (int)t->late,
	    "missing", (int)t->missing, "new", (json_int_t)t->f.v[RF_NEW], "bullying",
	    (json_int_t)t->f.v[RF_BULLYING], "closed", (json_int_t)t->f.v[RF_CLOSED],
	    "sessions", (json_int_t)t->f.v[RF_SESSIONS]);
	(void)r;
	return o;
}

/* Lists of late or missing schools grouped by township. */
static json_t *
grouped(req *r, const return_school *s, size_t n, const ret_month *m, bool missing)
{
	json_t *out = json_array(), *cur = NULL;
	int64_t town = -1;
	for (size_t i = 0; i < n; i++) {
		if (missing ? !s[i].missing : !s[i].late)
			continue;
		if (cur == NULL || s[i].township_id != town) {
			town = s[i].township_id;
			cur = json_array();
			json_array_append_new(out, json_pack("{s:s, s:o}", "township",
			    town ? s[i].township : i18n(r->lang, "returns.direct"), "schools", cur));
		}
		json_array_append_new(cur, json_pack("{s:s, s:s, s:s, s:I}", "name", s[i].name,
		    "href", arena_printf(r->a, "/returns/%lld", (long long)return_id(s[i].unit_id, m)),
		    "submitted_at", when_text(r, s[i].submitted_at), "school_id",
		    (json_int_t)s[i].unit_id));
	}
	return out;
}

static json_t *
bureau_model(req *r, const ret_month *m)
{
	const principal *p = r->user;
	xa_day today = today_of(r);
	xa_day due = return_due(m, due_day_of(r));
	return_school *s = NULL;
	size_t n = 0;
	if (return_month_list(r->rdb, p->scope_path, m, due, today, &s, &n) != XA_OK)
		return NULL;
	/* Only what the caller may read (the scope already says so). */
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (policy_allow(p, A_RETURN_READ, s[i].path))
			s[k++] = s[i];
	n = k;
	bool reviewer = policy_allow(p, A_RETURN_REVIEW, p->scope_path);
	if (reviewer && today > due)
		late_notices(r, s, n, m, due);
	json_t *schools = json_array(), *towns = json_array();
	struct tally city, town;
	memset(&city, 0, sizeof city);
	memset(&town, 0, sizeof town);
	city.name = i18n(r->lang, "returns.city");
	for (size_t i = 0; i < n; i++) {
		bool head = i == 0 || s[i].township_id != s[i - 1].township_id;
		if (head) {
			if (i > 0)
				json_array_append_new(towns, tally_json(r, &town));
			memset(&town, 0, sizeof town);
			town.id = s[i].township_id;
			town.name = s[i].township_id ? arena_strdup(r->a, s[i].township) :
			    i18n(r->lang, "returns.direct");
			if (town.name == NULL)
				town.name = "";
		}
		tally_add(&town, &s[i]);
		tally_add(&city, &s[i]);
		int64_t id = return_id(s[i].unit_id, m);
		json_array_append_new(schools, json_pack("{s:I, s:I, s:s, s:s, s:b, s:s, s:s, s:s,"
		    " s:b, s:b, s:s, s:s, s:I, s:I}", "id", (json_int_t)id, "school_id",
		    (json_int_t)s[i].unit_id, "school", s[i].name, "township", town.name,
		    "township_head", head, "state", return_states[s[i].state], "state_label",
		    state_label(r, s[i].state, s[i].missing), "chip",
		    s[i].missing ? "chip-red" : state_chips[s[i].state], "late", s[i].late,
		    "missing", s[i].missing, "submitted_at", when_text(r, s[i].submitted_at),
		    "href", arena_printf(r->a, "/returns/%lld", (long long)id), "new",
		    (json_int_t)s[i].f.v[RF_NEW], "bullying", (json_int_t)s[i].f.v[RF_BULLYING]));
	}
	if (n > 0)
		json_array_append_new(towns, tally_json(r, &town));
	json_t *late = grouped(r, s, n, m, false), *missing = grouped(r, s, n, m, true);
	free(s);
	/* The twelve months up to this one, for the city. */
	ret_figures sums[TREND_MONTHS];
	long reported[TREND_MONTHS];
	json_t *trend = json_array();
	if (return_trend(r->rdb, p->scope_path, m, sums, reported) == XA_OK) {
		long long peak = 1;
		for (int i = 0; i < TREND_MONTHS; i++)
			if (sums[i].v[RF_NEW] > peak)
				peak = sums[i].v[RF_NEW];
		for (int i = 0; i < TREND_MONTHS; i++) {
			ret_month tm = *m;
			ret_month_add(&tm, i - (TREND_MONTHS - 1));
			json_array_append_new(trend, json_pack("{s:s, s:s, s:i, s:I, s:I, s:I, s:I,"
			    " s:I, s:i}", "month", month_text(r, &tm), "label", month_label(r, &tm),
			    "reported", (int)reported[i], "new", (json_int_t)sums[i].v[RF_NEW],
			    "closed", (json_int_t)sums[i].v[RF_CLOSED], "bullying",
			    (json_int_t)sums[i].v[RF_BULLYING], "sessions",
			    (json_int_t)sums[i].v[RF_SESSIONS], "overdue",
			    (json_int_t)sums[i].v[RF_OVERDUE], "bar",
			    (int)(sums[i].v[RF_NEW] * 100 / peak)));
		}
	}
	json_t *cityj = tally_json(r, &city);
	figures_json(r, &city.f, cityj);
	/* The month picker. */
	json_t *months = json_array();
	ret_month pm;
	ret_month_of(today, &pm);
	for (int i = 0; i < MONTHS_SHOWN; i++, ret_month_add(&pm, -1))
		json_array_append_new(months, json_pack("{s:s, s:s, s:b}", "value",
		    month_text(r, &pm), "label", month_label(r, &pm), "selected",
		    ret_month_cmp(&pm, m) == 0));
	const char *mt = month_text(r, m);
	json_t *o = json_pack("{s:{s:s}, s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o,"
	    " s:o, s:o, s:b, s:b}", "page", "title_key", "returns.title", "mode", "bureau",
	    "month", mt, "month_label", month_label(r, m), "due_on", day_text(r, due),
	    "due_passed", today > due, "schools", schools, "townships", towns, "late", late,
	    "missing", missing, "city", cityj, "trend", trend, "months", months, "bureau", 1,
	    "can_export", reviewer);
	if (o != NULL && reviewer) {
		json_object_set_new(o, "xlsx_href", jstr(arena_printf(r->a,
		    "/api/v1/returns/export.xlsx?month=%s", mt)));
		json_object_set_new(o, "csv_href", jstr(arena_printf(r->a,
		    "/api/v1/returns/export.csv?month=%s", mt)));
	}
	return o;
}

/* GET /api/v1/returns and /returns. */
static void
returns_list(req *r)
{
	ret_month m;
	if (!caller_school(r) && !caller_bureau(r)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (!month_want(r, &m))
		return;
	json_t *o = caller_school(r) ? school_model(r, &m) : bureau_model(r, &m);
	if (o == NULL) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_answer(r, 200, o);
}

/* GET /api/v1/returns/{id} and /returns/{id}. */
static void
return_one(req *r)
{
	struct school sc;
	return_row row;
	if (!return_open(r, A_RETURN_READ, &sc, &row))
		return;
	json_t *m = one_model(r, &sc, &row, NULL);
	if (m == NULL) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_answer(r, 200, m);
}

/* ------------------------------------------------------------------ */
/* Submitting, accepting, sending back. */

struct act_job {
	req *r;
	struct school sc;
	return_row row;
	int kind;		/* 0 submit, 1 accept, 2 send back */
	const char *remarks, *reason;
	bool confirm_zero, zero;
	long due_day, zone;
	int64_t now;
};

static const char *const act_audit[] = { "return.submit", "return.accept", "return.send_back" };

static xa_err
act_run(db *conn, void *ctx)
{
	struct act_job *j = ctx;
	xa_err e;
	int64_t by = j->r->user->account_id;
	const char *fields = "";
	if (j->kind == 0) {
		e = return_submit(conn, j->sc.id, &j->row.month, j->remarks, j->confirm_zero,
		    j->due_day, j->zone, by, j->now, &j->zero);
		fields = j->zero ? "month,remarks,zero" : "month,remarks";
	} else {
		e = return_review(conn, j->row.id, j->kind == 1, j->reason, by, j->now);
		fields = j->kind == 2 ? "reason" : "";
	}
	if (e != XA_OK)
		return e;
	if (j->kind == 2) {
		/* The school is told it has work again; the reason stays on the
		 * return's page, out of any message. */
		char link[48], dedup[64], month[8];
		snprintf(link, sizeof link, "/returns/%lld", (long long)j->row.id);
		snprintf(dedup, sizeof dedup, "return.sent_back:%lld:%lld", (long long)j->row.id,
		    (long long)j->now);
		ret_month_format(&j->row.month, month);
		notice_new nn = { .kind = "return.sent_back", .unit_id = j->sc.id,
			.object_type = "monthly_return", .object_id = j->row.id,
			.school = j->sc.name, .due = month, .link = link, .dedup = dedup };
		if ((e = notify_emit(conn, &nn, j->now)) != XA_OK)
			return e;
	}
	return audit_req(conn, j->r, act_audit[j->kind], "monthly_return", j->row.id, fields,
	    j->now);
}

/* A refusal: the API's error, or the return's page again with the
 * sentence (what was typed kept). */
static void
act_refuse(req *r, struct act_job *j, int status, const char *code, const char *fname)
{
	if (is_api(r)) {
		req_error(r, status, code, fname);
		return;
	}
	return_row row;
	char key[64];
	snprintf(key, sizeof key, "error.%s", code);
	if (return_get(r->rdb, j->row.id, &row) != XA_OK) {
		req_error(r, status, code, fname);
		return;
	}
	json_t *m = one_model(r, &j->sc, &row, i18n(r->lang, key));
	if (m == NULL) {
		req_error(r, status, code, fname);
		return;
	}
	req_render(r, status, "returns_one", m);
}

static void
act_done(req *r, void *ctx, xa_err result)
{
	struct act_job *j = ctx;
	if (result == XA_EINVAL) {
		act_refuse(r, j, 400, before_floor(r, &j->row.month) ? "returns_month_floor" :
		    "returns_month_open", "month");
		return;
	}
	if (result == XA_ENOTFOUND && j->kind == 0) {
		/* The school was deactivated while the write waited. */
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (result == XA_EMISSING) {
		if (j->kind == 0)
			act_refuse(r, j, 400, "returns_confirm_zero", "confirm_zero");
		else
			act_refuse(r, j, 400, "returns_reason_required", "reason");
		return;
	}
	if (result == XA_ECONFLICT || result == XA_ENOTFOUND) {
		act_refuse(r, j, 409, "returns_state", NULL);
		return;
	}
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (!is_api(r)) {
		req_redirect(r, arena_printf(r->a, "/returns/%lld", (long long)j->row.id));
		return;
	}
	return_row row;
	json_t *m = return_get(r->rdb, j->row.id, &row) == XA_OK ?
	    one_model(r, &j->sc, &row, NULL) : NULL;
	if (m == NULL) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_json(r, 200, m);
}

static void
act_post(req *r, int kind)
{
	struct act_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	static const enum action need[] = { A_RETURN_SUBMIT, A_RETURN_REVIEW, A_RETURN_REVIEW };
	if (!return_open(r, need[kind], &j->sc, &j->row))
		return;
	j->r = r;
	j->kind = kind;
	j->now = now_s();
	j->zone = zone_of(r);
	j->due_day = due_day_of(r);
	j->remarks = input_str(r->in, "remarks");
	j->reason = input_str(r->in, "reason");
	json_t *cz = json_object_get(r->in, "confirm_zero");
	j->confirm_zero = json_is_true(cz);
	/* The same checks the writer makes, to answer at once: a school no
	 * longer active submits nothing (404, as for a missing school). */
	if (kind == 0 && !j->sc.active) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (kind == 0 && before_floor(r, &j->row.month)) {
		act_refuse(r, j, 400, "returns_month_floor", "month");
		return;
	}
	if (kind == 0 && j->now < day_start(ret_month_next(&j->row.month), j->zone)) {
		act_refuse(r, j, 400, "returns_month_open", "month");
		return;
	}
	if (kind == 0 ? j->row.state != RS_DRAFT && j->row.state != RS_SENT_BACK :
	    j->row.state != RS_SUBMITTED) {
		act_refuse(r, j, 409, "returns_state", NULL);
		return;
	}
	if (kind == 2 && (j->reason == NULL || j->reason[0] == '\0')) {
		act_refuse(r, j, 400, "returns_reason_required", "reason");
		return;
	}
	req_write(r, act_run, j, act_done);
}

static void submit_h(req *r) { act_post(r, 0); }
static void accept_h(req *r) { act_post(r, 1); }
static void send_back_h(req *r) { act_post(r, 2); }

/* ------------------------------------------------------------------ */
/* Export. */

struct export_job {
	const char *lang;
	ret_month m;
	xa_day due;
	long zone;
	return_school *s;
	size_t n;
	char *data;
	size_t len;
	xa_err e;
};

/* The month's schools for the office (A_RETURN_REVIEW over its reach);
 * 0 when answered here. */
static int
export_collect(req *r, struct export_job *j)
{
	const principal *p = r->user;
	if (p == NULL || strcmp(p->unit_kind, "school") == 0 ||
	    !policy_allow(p, A_RETURN_REVIEW, p->scope_path)) {
		req_error(r, 404, "not_found", NULL);
		return 0;
	}
	if (!month_want(r, &j->m))
		return 0;
	j->lang = r->lang;
	j->zone = zone_of(r);
	j->due = return_due(&j->m, due_day_of(r));
	if (return_month_list(r->rdb, p->scope_path, &j->m, j->due, today_of(r), &j->s,
	    &j->n) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return 0;
	}
	size_t k = 0;
	for (size_t i = 0; i < j->n; i++)
		if (policy_allow(p, A_RETURN_READ, j->s[i].path))
			j->s[k++] = j->s[i];
	j->n = k;
	return 1;
}

static void
xlsx_work(void *ctx)
{
	struct export_job *j = ctx;
	const char *tmp = getenv("TMPDIR");
	j->e = returns_xlsx(j->lang, &j->m, j->due, j->s, j->n, j->zone,
	    tmp && *tmp ? tmp : "/tmp", &j->data, &j->len);
}

static void
xlsx_done(req *r, void *ctx, xa_err unused)
{
	struct export_job *j = ctx;
	(void)unused;
	if (j->e != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
	} else {
		char mon[8];
		ret_month_format(&j->m, mon);
		req_file(r, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		    tr(r, "returns.x.filename", "month", mon, "ext", "xlsx", NULL), j->data, j->len);
	}
	free(j->data);
	free(j->s);
}

/* GET /api/v1/returns/export.xlsx: built on a worker (libxlsxwriter). */
static void
export_xlsx(req *r)
{
	struct export_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (!export_collect(r, j))
		return;
	req_offload(r, xlsx_work, j, xlsx_done);
}

/* GET /api/v1/returns/export.csv. */
static void
export_csv(req *r)
{
	struct export_job j;
	memset(&j, 0, sizeof j);
	if (!export_collect(r, &j))
		return;
	xa_err e = returns_csv(r->lang, &j.m, j.s, j.n, j.zone, &j.data, &j.len);
	free(j.s);
	if (e != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	char mon[8];
	ret_month_format(&j.m, mon);
	req_file(r, "text/csv; charset=utf-8", tr(r, "returns.x.filename", "month", mon, "ext",
	    "csv", NULL), j.data, j.len);
	free(j.data);
}

/* ------------------------------------------------------------------ */

static const field month_query[] = {
	{ "month", FT_MONTH, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field submit_fields[] = {
	{ "remarks", FT_TEXT, 0, 0, RET_REMARKS_MAX, NULL },
	{ "confirm_zero", FT_BOOL, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field accept_fields[] = {
	{ "note", FT_STRING, 0, 0, 8, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The API requires the reason; the page's form answers a missing one
 * with the page again, saying so. */
static const field send_back_api[] = {
	{ "reason", FT_TEXT, F_REQUIRED, 2, RET_REASON_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field send_back_form[] = {
	{ "reason", FT_TEXT, 0, 0, RET_REASON_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

#define API (R_API | R_AUTH)
#define PAGE R_AUTH

const route returns_routes[] = {
	{ M_GET, "/api/v1/returns", returns_list, API, month_query, NULL, NULL, "api_returns" },
	{ M_GET, "/api/v1/returns/export.xlsx", export_xlsx, API, month_query, NULL, NULL,
	  "api_returns_xlsx" },
	{ M_GET, "/api/v1/returns/export.csv", export_csv, API, month_query, NULL, NULL,
	  "api_returns_csv" },
	{ M_GET, "/api/v1/returns/{id:int}", return_one, API, NULL, NULL, NULL, "api_return" },
	{ M_POST, "/api/v1/returns/{id:int}/submit", submit_h, API, NULL, submit_fields, NULL,
	  "api_return_submit" },
	{ M_POST, "/api/v1/returns/{id:int}/accept", accept_h, API, NULL, accept_fields, NULL,
	  "api_return_accept" },
	{ M_POST, "/api/v1/returns/{id:int}/send-back", send_back_h, API, NULL, send_back_api,
	  NULL, "api_return_send_back" },
	/* The pages. */
	{ M_GET, "/returns", returns_list, PAGE, month_query, NULL, "returns", "returns" },
	{ M_GET, "/returns/{id:int}", return_one, PAGE, NULL, NULL, "returns_one",
	  "returns_one" },
	{ M_POST, "/returns/{id:int}/submit", submit_h, PAGE, NULL, submit_fields,
	  "returns_one", "return_submit_form" },
	{ M_POST, "/returns/{id:int}/accept", accept_h, PAGE, NULL, accept_fields,
	  "returns_one", "return_accept_form" },
	{ M_POST, "/returns/{id:int}/send-back", send_back_h, PAGE, NULL, send_back_form,
	  "returns_one", "return_send_back_form" },
};
const size_t returns_routes_count = sizeof returns_routes / sizeof returns_routes[0];
