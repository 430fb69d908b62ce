/* dashboard_http.c: the dashboard (A_DASHBOARD), a page and its API twin
 * GET /api/v1/dashboard (the numbers).
 *
 * For the bureau: open cases by state and by tier, overdue and supervised
 * cases, the monthly returns of the month now due (when the returns part
 * is there), the survey's open early warnings, compliance with the
 * prevention duties by township as a heat map, and the twelve-month trend
 * of new cases; charts drawn on the server by chart.c as inline SVG,
 * readable without JavaScript (every number is also in a table). For a
 * school: its open cases and their deadlines, its duties this semester
 * (the compliance view's data) and its return for last month.
 *
 * Never: show a school anything of another school (its dashboard reads
 * only rows of its own unit), or a name of a case's party (the case lists
 * carry numbers, states and deadlines only). */
#include "bureau_http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../auth/auth.h"
#include "../cases/cases.h"
#include "../core/calendar.h"
#include "../core/config.h"
#include "../core/i18n.h"
#include "../http/handler.h"
#include "../http/server.h"
#include "../prevention/records.h"
#include "chart.h"
#include "evaluation.h"

#define MAX_TOWNS 200

/* The SVG of c as a string of the model (or null when it cannot be
 * drawn). */
static json_t *
svg(const chart *c)
{
	buf b;
	buf_init(&b, 1u << 20);
	json_t *s = chart_render_svg(c, &b) == XA_OK && b.data != NULL ? json_string(b.data) :
	    json_null();
	buf_free(&b);
	return s;
}

static int64_t
count1(req *r, const char *sql, const char *text, int64_t v)
{
	db_stmt *st = NULL;
	int64_t n = 0;
	if (db_prepare(r->rdb, sql, &st) != XA_OK)
		return 0;
	db_bind_text(st, 1, text, -1);
	if (v >= 0)
		db_bind_int(st, 2, v);
	if (db_step(st) == 1)
		n = db_col_int(st, 0);
	db_done(st);
	return n;
}

/* "2026-11" of the month before the day's. */
static void
last_month(xa_day today, char out[16])
{
	char d[11];
	day_format(today, d);
	int y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
	int m = (d[5] - '0') * 10 + (d[6] - '0');
	if (--m == 0) {
		m = 12;
		y--;
	}
	snprintf(out, 16, "%04d-%02d", y % 10000, m % 100);
}

/* ------------------------------------------------------------------ */
/* The bureau's. */

static json_t *
bureau_cases(req *r, const char *like, json_t *charts)
{
	json_t *o = json_object(), *by_state = json_array(), *by_tier = json_array();
	const char *sl[CS__COUNT];
	double sv[CS__COUNT];
	size_t ns = 0;
	int64_t open = 0;
	for (int i = 0; i < CS__COUNT; i++) {
		const char *sn = case_state_name((enum case_state)i);
		if (strcmp(sn, "closed") == 0 || strcmp(sn, "archived") == 0)
			continue;
		int64_t n = 0;
		db_stmt *st = NULL;
		if (db_prepare(r->rdb, "SELECT count(*) FROM cases c JOIN units u ON u.id = c.unit_id"
		    " WHERE u.path LIKE ? AND c.state = ?", &st) == XA_OK) {
			db_bind_text(st, 1, like, -1);
			db_bind_text(st, 2, sn, -1);
			if (db_step(st) == 1)
				n = db_col_int(st, 0);
			db_done(st);
		}
		sl[ns] = i18n_name(r->lang, "state", sn);
		sv[ns++] = (double)n;
		open += n;
		json_array_append_new(by_state, json_pack("{s:s, s:s, s:I}", "state", sn, "label",
		    i18n_name(r->lang, "state", sn), "n", (json_int_t)n));
	}
	const char *tl[8];
	double tv[8];
	size_t nt = 0;
	for (size_t i = 0; case_tiers[i] != NULL && nt < 7; i++) {
		int64_t n = 0;
		db_stmt *st = NULL;
		if (db_prepare(r->rdb, "SELECT count(*) FROM cases c JOIN units u ON u.id = c.unit_id"
		    " WHERE u.path LIKE ? AND c.tier = ? AND c.state NOT IN ('closed', 'archived')",
		    &st) == XA_OK) {
			db_bind_text(st, 1, like, -1);
			db_bind_text(st, 2, case_tiers[i], -1);
			if (db_step(st) == 1)
				n = db_col_int(st, 0);
			db_done(st);
		}
		tl[nt] = i18n_name(r->lang, "tier", case_tiers[i]);
		tv[nt++] = (double)n;
		json_array_append_new(by_tier, json_pack("{s:s, s:s, s:I}", "tier", case_tiers[i],
		    "label", tl[nt - 1], "n", (json_int_t)n));
	}
	int64_t untiered = count1(r, "SELECT count(*) FROM cases c JOIN units u"
	    " ON u.id = c.unit_id WHERE u.path LIKE ? AND c.tier = ''"
	    " AND c.state NOT IN ('closed', 'archived')", like, -1);
	tl[nt] = i18n(r->lang, "evaluation.dash.untiered");
	tv[nt++] = (double)untiered;
	json_array_append_new(by_tier, json_pack("{s:s, s:s, s:I}", "tier", "", "label",
	    tl[nt - 1], "n", (json_int_t)untiered));
	int64_t overdue = count1(r, "SELECT count(*) FROM cases c JOIN units u ON u.id = c.unit_id"
	    " WHERE u.path LIKE ? AND c.state NOT IN ('closed', 'archived') AND c.due_at > 0"
	    " AND c.due_at < ?", like, now_s());
	int64_t supervised = count1(r, "SELECT count(DISTINCT s.case_id) FROM supervisions s"
	    " JOIN cases c ON c.id = s.case_id JOIN units u ON u.id = c.unit_id"
	    " WHERE u.path LIKE ? AND s.state <> 'closed'", like, -1);
	json_object_set_new(o, "open", json_integer(open));
	json_object_set_new(o, "overdue", json_integer(overdue));
	json_object_set_new(o, "supervised", json_integer(supervised));
	json_object_set_new(o, "by_state", by_state);
	json_object_set_new(o, "by_tier", by_tier);
	chart c = { .kind = CHART_BAR, .title = i18n(r->lang, "evaluation.dash.by_state"),
		.n = ns, .labels = sl, .values = sv, .width = 560 };
	json_object_set_new(charts, "by_state", svg(&c));
	chart t = { .kind = CHART_BAR, .title = i18n(r->lang, "evaluation.dash.by_tier"),
		.n = nt, .labels = tl, .values = tv };
	json_object_set_new(charts, "by_tier", svg(&t));

	/* New cases in each of the last twelve months. */
	xa_day today = day_of(now_s(), zone_of(r));
	char d[11];
	day_format(today, d);
	int y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
	int m = (d[5] - '0') * 10 + (d[6] - '0');
	const char *ml[12];
	double mv[12];
	json_t *trend = json_array();
	for (int k = 11; k >= 0; k--) {
		int yy = y, mm = m - k;
		while (mm <= 0) {
			mm += 12;
			yy--;
		}
		char first[32], next[32];
		snprintf(first, sizeof first, "%04d-%02d-01", yy % 10000, mm % 100);
		snprintf(next, sizeof next, "%04d-%02d-01", (mm == 12 ? yy + 1 : yy) % 10000,
		    (mm == 12 ? 1 : mm + 1) % 100);
		xa_day d0 = 0, d1 = 0;
		int64_t n = 0;
		if (day_parse(first, &d0) == XA_OK && day_parse(next, &d1) == XA_OK) {
			db_stmt *st = NULL;
			if (db_prepare(r->rdb, "SELECT count(*) FROM cases c JOIN units u"
			    " ON u.id = c.unit_id WHERE u.path LIKE ? AND c.opened_at >= ?"
			    " AND c.opened_at < ?", &st) == XA_OK) {
				db_bind_text(st, 1, like, -1);
				db_bind_int(st, 2, day_start(d0, zone_of(r)));
				db_bind_int(st, 3, day_start(d1, zone_of(r)));
				if (db_step(st) == 1)
					n = db_col_int(st, 0);
				db_done(st);
			}
		}
		char key[40];
		snprintf(key, sizeof key, "evaluation.month.%d", mm);
		ml[11 - k] = i18n(r->lang, key);
		mv[11 - k] = (double)n;
		json_array_append_new(trend, json_pack("{s:s, s:s, s:I}", "month",
		    arena_printf(r->a, "%04d-%02d", yy % 10000, mm % 100), "label", ml[11 - k], "n",
		    (json_int_t)n));
	}
	json_object_set_new(o, "trend", trend);
	chart l = { .kind = CHART_LINE, .title = i18n(r->lang, "evaluation.dash.trend"), .n = 12,
		.labels = ml, .values = mv, .width = 560 };
	json_object_set_new(charts, "trend", svg(&l));
	return o;
}

/* The name of township id, whole (prev_school's copy is a fixed buffer a
 * long name does not fit), or the label of the schools directly under the
 * bureau for 0 (or a township gone from the registry). */
static const char *
town_name(req *r, int64_t id)
{
	const char *name = NULL;
	db_stmt *st = NULL;
	if (id != 0 && db_prepare(r->rdb, "SELECT name FROM units WHERE id = ?", &st) == XA_OK) {
		db_bind_int(st, 1, id);
		if (db_step(st) == 1)
			name = arena_strdup(r->a, db_col_text(st, 0));
		db_done(st);
	}
	return name != NULL ? name : i18n(r->lang, "evaluation.report.direct_schools");
}

/* Compliance by township this semester: the share of schools that met
 * each duty so far. */
static json_t *
bureau_compliance(req *r, json_t *charts)
{
	semester s;
	xa_day today = day_of(now_s(), zone_of(r));
	semester_of(today, &s);
	prev_requirements rq;
	prev_requirements_load(r->rdb, &rq);
	prev_school *list = NULL;
	size_t n = 0;
	if (prev_compliance(r->rdb, &s, &rq, today, r->user->scope_path, 0, &list, &n) != XA_OK)
		return json_null();
	struct town {
		int64_t id;
		const char *name;	/* the request's arena, or the catalog's */
		int all, met[5];
	} *towns = calloc(MAX_TOWNS, sizeof *towns);
	size_t nt = 0;
	if (towns == NULL) {
		free(list);
		return json_null();
	}
	for (size_t i = 0; i < n; i++) {
		const prev_school *p = &list[i];
		size_t k = 0;
		while (k < nt && towns[k].id != p->township_id)
			k++;
		if (k == nt) {
			if (nt == MAX_TOWNS)
				continue;
			towns[nt].id = p->township_id;
			towns[nt].name = town_name(r, p->township_id);
			nt++;
		}
		const prev_duty *d[5] = { &p->sessions, &p->meetings, &p->screenings, &p->parents,
			&p->training };
		towns[k].all++;
		for (int q = 0; q < 5; q++)
			towns[k].met[q] += d[q]->state == DUTY_MET;
	}
	free(list);
	static const char *const keys[5] = { "sessions", "class_meetings", "screenings",
		"parent_sessions", "training" };
	const char *labels[5];
	for (int q = 0; q < 5; q++)
		labels[q] = i18n_name(r->lang, "prevention.duty", keys[q]);
	const char **rows = calloc(nt ? nt : 1, sizeof *rows);
	double *values = calloc((nt ? nt : 1) * 5, sizeof *values);
	json_t *o = json_pack("{s:s, s:[]}", "semester", s.name, "townships");
	for (size_t k = 0; o != NULL && rows != NULL && values != NULL && k < nt; k++) {
		rows[k] = towns[k].name;
		json_t *cells = json_array();
		for (int q = 0; q < 5; q++) {
			values[k * 5 + q] = towns[k].all ? 100.0 * towns[k].met[q] / towns[k].all : 0;
			json_array_append_new(cells, json_pack("{s:s, s:i, s:i}", "duty", keys[q], "met",
			    towns[k].met[q], "schools", towns[k].all));
		}
		json_array_append_new(json_object_get(o, "townships"), json_pack("{s:s, s:i, s:o}",
		    "name", towns[k].name, "schools", towns[k].all, "duties", cells));
	}
	if (o != NULL && rows != NULL && values != NULL && nt > 0) {
		chart h = { .kind = CHART_HEAT, .title = i18n(r->lang, "evaluation.dash.heat"),
			.n = 5, .labels = labels, .values = values, .rows = nt, .row_labels = rows,
			.unit = "%", .width = 560 };
		json_object_set_new(charts, "heat", svg(&h));
	}
	free(rows);
	free(values);
	free(towns);
	return o ? o : json_null();
}

/* The returns of last month (due this month), when the returns part is
 * there. */
static json_t *
bureau_returns(req *r, const char *like)
{
	int have = 0;
	if (db_table_exists(r->rdb, "monthly_returns", &have) != XA_OK || !have)
		return json_null();
	char month[16];
	last_month(day_of(now_s(), zone_of(r)), month);
	int64_t schools = count1(r, "SELECT count(*) FROM units WHERE kind = 'school'"
	    " AND active = 1 AND path LIKE ?", like, -1);
	int64_t sub = 0, acc = 0, back = 0, late = 0;
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT count(*), coalesce(sum(CASE WHEN m.state = 'accepted'"
	    " THEN 1 ELSE 0 END), 0), coalesce(sum(CASE WHEN m.state = 'sent_back' THEN 1"
	    " ELSE 0 END), 0), coalesce(sum(m.late), 0) FROM monthly_returns m JOIN units u"
	    " ON u.id = m.unit_id WHERE u.path LIKE ? AND m.month = ?", &st) == XA_OK) {
		db_bind_text(st, 1, like, -1);
		db_bind_text(st, 2, month, -1);
		if (db_step(st) == 1) {
			sub = db_col_int(st, 0);
			acc = db_col_int(st, 1);
			back = db_col_int(st, 2);
			late = db_col_int(st, 3);
		}
		db_done(st);
	}
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s}", "month", month, "schools",
	    (json_int_t)schools, "submitted", (json_int_t)(sub - back), "accepted",
	    (json_int_t)acc, "sent_back", (json_int_t)back, "late", (json_int_t)late, "missing",
	    (json_int_t)(schools > sub ? schools - sub : 0), "href",
	    arena_printf(r->a, "/returns?month=%s", month));
}

static void
dash_bureau(req *r)
{
	char like[112];
	snprintf(like, sizeof like, "%s%%", r->user->scope_path);
	json_t *charts = json_object();
	json_t *m = json_pack("{s:{s:s}, s:b}", "page", "title_key", "evaluation.dashboard_title",
	    "bureau", 1);
	if (m == NULL || charts == NULL) {
		json_decref(m);
		json_decref(charts);
		req_error(r, 500, "internal", NULL);
		return;
	}
	json_object_set_new(m, "cases", bureau_cases(r, like, charts));
	json_object_set_new(m, "warnings_open", json_integer(count1(r, "SELECT count(*)"
	    " FROM survey_warnings w JOIN units u ON u.id = w.unit_id WHERE u.path LIKE ?"
	    " AND w.state <> 'closed'", like, -1)));
	json_object_set_new(m, "returns", bureau_returns(r, like));
	json_object_set_new(m, "compliance", bureau_compliance(r, charts));
	if (r->route->flags & R_API)
		json_decref(charts);
	else
		json_object_set_new(m, "charts", charts);
	req_answer(r, 200, m);
}

/* ------------------------------------------------------------------ */
/* A school's. */

static void
dash_school(req *r)
{
	const principal *p = r->user;
	int64_t unit = p->unit_id, now = now_s();
	long zone = zone_of(r);
	xa_day today = day_of(now, zone);
	char name[EVAL_NAME_BYTES] = "";
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT name FROM units WHERE id = ?", &st) == XA_OK) {
		db_bind_int(st, 1, unit);
		if (db_step(st) == 1)
			snprintf(name, sizeof name, "%s", db_col_text(st, 0));
		db_done(st);
	}
	/* Its open cases, the nearest deadline first. */
	json_t *cases = json_array();
	int overdue = 0;
	if (db_prepare(r->rdb, "SELECT id, year, seq, state, due_at FROM cases WHERE unit_id = ?"
	    " AND state NOT IN ('closed', 'archived') ORDER BY due_at = 0, due_at, id LIMIT 200",
	    &st) == XA_OK) {
		db_bind_int(st, 1, unit);
		while (db_step(st) == 1) {
			char number[16], due[11] = "";
			case_number((int)db_col_int(st, 1), (int)db_col_int(st, 2), number);
			int64_t at = db_col_int(st, 4);
			const char *state = db_col_text(st, 3);
			if (at > 0)
				day_format(day_of(at - 1, zone), due);
			int late = at > 0 && at < now;
			overdue += late;
			json_array_append_new(cases, json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:s}",
			    "id", (json_int_t)db_col_int(st, 0), "number", number, "state", state,
			    "state_label", i18n_name(r->lang, "state", state), "due", due, "overdue",
			    late, "href", arena_printf(r->a, "/cases/%lld",
			    (long long)db_col_int(st, 0))));
		}
		db_done(st);
	}
	/* Its duties this semester. */
	semester s;
	semester_of(today, &s);
	prev_requirements rq;
	prev_requirements_load(r->rdb, &rq);
	prev_school *list = NULL;
	size_t n = 0;
	json_t *duties = json_array();
	if (prev_compliance(r->rdb, &s, &rq, today, NULL, unit, &list, &n) == XA_OK && n == 1) {
		static const char *const keys[5] = { "sessions", "parent_sessions", "screenings",
			"class_meetings", "training" };
		static const char *const states[] = { "met", "open", "due_soon", "overdue" };
		static const char *const chips[] = { "chip-green", "chip-grey", "chip-amber",
			"chip-red" };
		const prev_duty *d[5] = { &list[0].sessions, &list[0].parents, &list[0].screenings,
			&list[0].meetings, &list[0].training };
		for (int q = 0; q < 5; q++)
			json_array_append_new(duties, json_pack("{s:s, s:s, s:i, s:i, s:s, s:s, s:s}",
			    "key", keys[q], "label", i18n_name(r->lang, "prevention.duty", keys[q]),
			    "done", d[q]->done, "required", d[q]->required, "state", states[d[q]->state],
			    "state_label", i18n_name(r->lang, "prevention.state", states[d[q]->state]),
			    "chip", chips[d[q]->state]));
	}
	free(list);
	/* Its return for last month. */
	json_t *ret = json_null();
	int have = 0;
	if (db_table_exists(r->rdb, "monthly_returns", &have) == XA_OK && have) {
		char month[16];
		last_month(today, month);
		int ym = (month[0] - '0') * 100000 + (month[1] - '0') * 10000 +
		    (month[2] - '0') * 1000 + (month[3] - '0') * 100 + (month[5] - '0') * 10 +
		    (month[6] - '0');
		int64_t id = unit * 1000000 + ym;
		const char *state = "draft";
		char st_buf[16] = "draft";
		int late = 0;
		if (db_prepare(r->rdb, "SELECT state, late FROM monthly_returns WHERE unit_id = ?"
		    " AND month = ?", &st) == XA_OK) {
			db_bind_int(st, 1, unit);
			db_bind_text(st, 2, month, -1);
			if (db_step(st) == 1) {
				snprintf(st_buf, sizeof st_buf, "%s", db_col_text(st, 0));
				late = (int)db_col_int(st, 1);
			}
			db_done(st);
		}
		state = st_buf;
		char key[48];
		snprintf(key, sizeof key, "evaluation.dash.return.%s", state);
		ret = json_pack("{s:s, s:s, s:s, s:b, s:s}", "month", month, "state", state,
		    "state_label", i18n(r->lang, key), "late", late, "href",
		    arena_printf(r->a, "/returns/%lld", (long long)id));
	}
	int64_t warnings = 0;
	if (db_prepare(r->rdb, "SELECT count(*) FROM survey_warnings WHERE unit_id = ?"
	    " AND state <> 'closed'", &st) == XA_OK) {
		db_bind_int(st, 1, unit);
		if (db_step(st) == 1)
			warnings = db_col_int(st, 0);
		db_done(st);
	}
	json_t *m = json_pack("{s:{s:s}, s:{s:I, s:s}, s:o, s:i, s:i, s:s, s:s, s:o, s:o, s:I}",
	    "page", "title_key", "evaluation.dashboard_title", "school", "id", (json_int_t)unit,
	    "name", name, "cases", cases ? cases : json_array(), "open",
	    (int)json_array_size(cases), "overdue", overdue, "semester", s.name,
	    "semester_text", tr(r, "evaluation.dash.semester", "name", s.name, NULL),
	    "duties", duties ? duties : json_array(), "return", ret, "warnings_open",
	    (json_int_t)warnings);
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	json_object_set_new(m, "open_text", json_string(tr(r, "evaluation.dash.school_open", "n",
	    num(r, (long long)json_array_size(json_object_get(m, "cases"))), "overdue",
	    num(r, overdue), NULL)));
	req_answer(r, 200, m);
}

/* GET /dashboard and /api/v1/dashboard. */
static void
dashboard_h(req *r)
{
	const principal *p = r->user;
	if (strcmp(p->unit_kind, "school") == 0 && policy_allow(p, A_DASHBOARD, p->unit_path)) {
		dash_school(r);
		return;
	}
	if (strcmp(p->unit_kind, "school") != 0 && policy_allow(p, A_DASHBOARD, p->scope_path)) {
		dash_bureau(r);
		return;
	}
	req_error(r, 404, "not_found", NULL);
}

const route dashboard_routes[] = {
	{ M_GET, "/api/v1/dashboard", dashboard_h, R_API | R_AUTH, NULL, NULL, NULL,
	  "api_dashboard" },
	{ M_GET, "/dashboard", dashboard_h, R_AUTH, NULL, NULL, "dashboard", "dashboard" },
};
const size_t dashboard_routes_count = sizeof dashboard_routes / sizeof dashboard_routes[0];
