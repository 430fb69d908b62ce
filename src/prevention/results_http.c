/* results_http.c: the survey's results and its early warnings over HTTP
 * (issue 6): GET /api/v1/surveys/{id}/results and its page, one level at
 * a time (the city and its townships, a township and its schools, a
 * school and its grades and classes, a grade and its classes); the
 * warning lists (GET /api/v1/survey-warnings and its page); raising a
 * campaign's warnings now (POST /api/v1/surveys/{id}/warnings); and a
 * warning's steps (POST /api/v1/survey-warnings/{id}/ack|act|close).
 *
 * Results are aggregates with small cells suppressed (results.h), so a
 * read writes no audit record; every change to a warning does. A school's
 * people see their own school only; the bureau the whole city.
 *
 * Never: put a number of a hidden cell into a model, or answer a unit or
 * warning out of the caller's reach other than exactly like a missing one
 * (404). */
#include "prevention_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../auth/auth.h"
#include "../auth/session.h"
#include "../auth/settings.h"
#include "../core/i18n.h"
#include "../http/handler.h"
#include "../http/server.h"
#include "../org/org.h"
#include "results.h"

/* "12.5%" from tenths of a percent; "" for -1. */
static const char *
pct(req *r, int permille)
{
	if (permille < 0)
		return "";
	const char *s = arena_printf(r->a, "%d.%d%%", permille / 10, permille % 10);
	return s ? s : "";
}

/* The path of unit id into out; false when there is no such unit. */
static bool
path_of(req *r, int64_t id, char *out, size_t len)
{
	return unit_path(r->rdb, id, out, len) == XA_OK;
}

/* A unit's name (or "" when it has none), into the arena. */
static const char *
unit_name(req *r, int64_t id)
{
	db_stmt *st = NULL;
	const char *out = "";
	if (db_prepare(r->rdb, "SELECT name FROM units WHERE id = ?", &st) != XA_OK)
		return out;
	db_bind_int(st, 1, id);
	if (db_step(st) == 1) {
		const char *s = arena_strdup(r->a, db_col_text(st, 0));
		out = s ? s : "";
	}
	db_done(st);
	return out;
}

/* A class's name as campaign kept it. */
static const char *
class_name(req *r, int64_t campaign, int64_t id)
{
	db_stmt *st = NULL;
	const char *out = "";
	if (db_prepare(r->rdb, "SELECT name FROM survey_campaign_classes WHERE"
	    " campaign_id = ? AND class_id = ?", &st) != XA_OK)
		return out;
	db_bind_int(st, 1, campaign);
	db_bind_int(st, 2, id);
	if (db_step(st) == 1) {
		const char *s = arena_strdup(r->a, db_col_text(st, 0));
		out = s ? s : "";
	}
	db_done(st);
	return out;
}

static const char *
grade_name(req *r, int grade)
{
	return i18n_fill(r->a, r->lang, "results.grade_n", "N", num(r, grade), NULL);
}

/* ------------------------------------------------------------------ */
/* Results. */

static const field results_query[] = {
	{ "unit", FT_INT, 0, 1, 999999999999LL, NULL },
	{ "grade", FT_INT, 0, 1, 20, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const char *const level_names[SV__LEVELS] = {
	"city", "township", "school", "grade", "class",
};

/* One sex's cell: its numbers, or hidden and nothing else. */
static json_t *
cell_json(req *r, const struct sv_node *nd, enum sv_sex s)
{
	const struct sv_cell *c = &nd->cell[s];
	json_t *o = json_pack("{s:b, s:I}", "hidden", c->hidden, "heads",
	    (json_int_t)nd->heads[s]);
	if (o == NULL || c->hidden)
		return o;
	int v = sv_permille_victim(c), b = sv_permille_bully(c);
	int rr = sv_response_permille(nd, s);
	json_object_set_new(o, "respondents", json_integer(c->n));
	json_object_set_new(o, "victims", json_integer(c->victim));
	json_object_set_new(o, "bullies", json_integer(c->bully));
	json_object_set_new(o, "victim_permille", json_integer(v));
	json_object_set_new(o, "bully_permille", json_integer(b));
	json_object_set_new(o, "response_permille", json_integer(rr));
	json_object_set_new(o, "victim_text", json_string(pct(r, v)));
	json_object_set_new(o, "bully_text", json_string(pct(r, b)));
	json_object_set_new(o, "response_text", json_string(pct(r, rr)));
	return o;
}

/* A node as a row: its name, link, cells, and the change of its victim
 * share since prev's same node (both shown). */
static json_t *
row_json(req *r, const sv_agg *g, const sv_agg *prev, const struct sv_node *nd,
    int64_t campaign)
{
	const char *name = "", *link = "";
	switch (nd->level) {
	case SV_CITY:
		name = i18n(r->lang, "results.city");
		break;
	case SV_TOWNSHIP:
		name = nd->id ? unit_name(r, nd->id) : i18n(r->lang, "results.direct");
		link = arena_printf(r->a, "/surveys/%lld/results?unit=%lld",
		    (long long)campaign, (long long)nd->id);
		if (nd->id == 0)
			link = "";
		break;
	case SV_SCHOOL:
		name = unit_name(r, nd->id);
		link = arena_printf(r->a, "/surveys/%lld/results?unit=%lld",
		    (long long)campaign, (long long)nd->id);
		break;
	case SV_GRADE:
		name = grade_name(r, nd->grade);
		link = arena_printf(r->a, "/surveys/%lld/results?unit=%lld&grade=%d",
		    (long long)campaign, (long long)nd->school_id, nd->grade);
		break;
	default:
		name = class_name(r, campaign, nd->id);
		break;
	}
	json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:o, s:o, s:o}",
	    "level", level_names[nd->level], "id", (json_int_t)nd->id,
	    "name", name ? name : "", "link", link ? link : "",
	    "all", cell_json(r, nd, SV_ALL), "boys", cell_json(r, nd, SV_M),
	    "girls", cell_json(r, nd, SV_F));
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "hidden", json_boolean(nd->cell[SV_ALL].hidden));
	if (nd->level == SV_GRADE)
		json_object_set_new(o, "grade", json_integer(nd->grade));
	const struct sv_node *pn = prev ? sv_find(prev, nd->level, nd->id, nd->school_id) : NULL;
	int now_v = sv_permille_victim(&nd->cell[SV_ALL]);
	int was_v = pn ? sv_permille_victim(&pn->cell[SV_ALL]) : -1;
	if (now_v >= 0 && was_v >= 0) {
		int d = now_v - was_v;
		json_object_set_new(o, "change_permille", json_integer(d));
		json_object_set_new(o, "change_text", json_string(arena_printf(r->a,
		    "%s%d.%d", d > 0 ? "+" : d < 0 ? "−" : "±", abs(d) / 10, abs(d) % 10)));
	}
	(void)g;
	return o;
}

/* The extra measures of node i (shown only), grouped by their prefix. */
static void
put_extras(req *r, json_t *model, const sv_agg *g, size_t i)
{
	static const char *const groups[] = { "form.", "place.", "told.", "", NULL };
	static const char *const keys[] = { "forms", "places", "told", "other" };
	const struct sv_cell *c = &g->nodes[i].cell[SV_ALL];
	/* The forms, places and whom they told describe the victims: with
	 * fewer of them than a cell may have, they would describe one child. */
	if (c->hidden || c->n <= 0 || c->victim < g->min_cell)
		return;
	for (int k = 0; groups[k] != NULL; k++) {
		json_t *arr = json_array();
		for (size_t m = 0; m < g->nextra; m++) {
			const char *nm = g->extra_names[m];
			size_t l = strlen(groups[k]);
			bool in = l ? strncmp(nm, groups[k], l) == 0 :
			    strchr(nm, '.') == NULL;
			if (!in)
				continue;
			int64_t n = sv_extra(g, i, nm);
			int pm = (int)((n * 1000 + c->n / 2) / c->n);
			json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:i, s:s}",
			    "key", nm, "label", i18n_name(r->lang, "results.m", nm),
			    "n", (json_int_t)n, "permille", pm, "text", pct(r, pm)));
		}
		json_object_set_new(model, keys[k], arr);
	}
}

/* The answers to the bureau's own questions at node i (questionnaire.h):
 * per questionnaire of the campaign that asks any, when the node's cell
 * is shown and at least min_cell pupils were asked them — so they are
 * shown exactly where the node's own numbers are. Labels are the
 * campaign's wording. */
static void
put_own(req *r, json_t *model, const sv_agg *g, size_t i, int64_t campaign)
{
	const struct sv_cell *c = &g->nodes[i].cell[SV_ALL];
	json_t *own = json_array();
	db_stmt *st = NULL;
	if (c->hidden || db_prepare(r->rdb, "SELECT primary_body, secondary_body FROM"
	    " survey_campaigns WHERE id = ?", &st) != XA_OK) {
		json_object_set_new(model, "own", own);
		return;
	}
	db_bind_int(st, 1, campaign);
	json_t *body[2] = { NULL, NULL };
	if (db_step(st) == 1)
		for (int l = 0; l < 2; l++)
			body[l] = json_loads(db_col_text(st, l), 0, NULL);
	db_done(st);
	for (int l = 0; l < 2; l++) {
		char lv = l == 0 ? 'p' : 's', key[48];
		snprintf(key, sizeof key, "x.%c.n", lv);
		int64_t asked = sv_extra(g, i, key);
		if (body[l] == NULL || asked < g->min_cell || asked <= 0)
			continue;
		size_t k;
		json_t *q;
		json_array_foreach(json_object_get(body[l], "questions"), k, q) {
			const char *qid = json_string_value(json_object_get(q, "id"));
			if (qid == NULL || strncmp(qid, "extra", 5) != 0)
				continue;
			json_t *opts = json_array(), *o;
			size_t m;
			json_array_foreach(json_object_get(q, "options"), m, o) {
				snprintf(key, sizeof key, "x.%c.%s.%s", lv, qid,
				    json_string_value(json_object_get(o, "value")));
				int64_t n = sv_extra(g, i, key);
				int pm = (int)((n * 1000 + asked / 2) / asked);
				json_array_append_new(opts, json_pack("{s:O, s:I, s:i, s:s}", "label",
				    json_object_get(o, "text"), "n", (json_int_t)n, "permille", pm,
				    "text", pct(r, pm)));
			}
			json_array_append_new(own, json_pack("{s:s, s:s, s:O, s:I, s:s, s:o}",
			    "id", qid, "level", l == 0 ? "primary" : "secondary", "question",
			    json_object_get(q, "text"), "asked", (json_int_t)asked, "asked_text",
			    i18n_fill(r->a, r->lang, l == 0 ? "results.own_asked_primary" :
			    "results.own_asked_secondary", "N", num(r, asked), NULL), "options",
			    opts));
		}
	}
	json_decref(body[0]);
	json_decref(body[1]);
	json_object_set_new(model, "own", own);
}

/* While a campaign is open, a row says only how many have answered: a
 * share that moves as each pupil hands in would tell whoever watches it
 * what that pupil answered. */
static void
only_responses(json_t *row)
{
	static const char *const gone[] = { "victims", "bullies", "victim_permille",
		"bully_permille", "victim_text", "bully_text", NULL };
	static const char *const cells[] = { "all", "boys", "girls", NULL };
	for (int c = 0; cells[c] != NULL; c++)
		for (int k = 0; gone[k] != NULL; k++)
			json_object_del(json_object_get(row, cells[c]), gone[k]);
	json_object_del(row, "change_permille");
	json_object_del(row, "change_text");
}

/* May the caller read the results of node nd (of a campaign owned by
 * campaign_path)? By the unit the node belongs to. */
static bool
may_read(req *r, const struct sv_node *nd, const char *campaign_path)
{
	char path[128];
	int64_t unit = nd->level == SV_CITY ? 0 : nd->level == SV_TOWNSHIP ? nd->id :
	    nd->school_id;
	if (nd->level == SV_CITY || (nd->level == SV_TOWNSHIP && nd->id == 0))
		return policy_allow(r->user, A_SURVEY_RESULTS, campaign_path);
	if (!path_of(r, unit, path, sizeof path))
		return false;
	return policy_allow(r->user, A_SURVEY_RESULTS, path);
}

/* GET /api/v1/surveys/{id}/results and /surveys/{id}/results. */
static void
results_show(req *r)
{
	int64_t id = 0;
	struct sv_campaign c;
	char cpath[128];
	const sv_agg *g = NULL, *prev = NULL;
	int64_t prev_id = 0, now = (int64_t)time(NULL);
	if (req_param_int(r, "id", &id) != XA_OK || sv_campaign_get(r->rdb, id, &c) != XA_OK ||
	    !path_of(r, c.unit_id, cpath, sizeof cpath)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (sv_load_cached(r->rdb, id, now, &g) != XA_OK ||
	    sv_campaign_previous(r->rdb, &c, &prev_id) != XA_OK ||
	    (prev_id > 0 && sv_load_cached(r->rdb, prev_id, now, &prev) != XA_OK)) {
		req_error(r, 503, "unavailable", NULL);
		goto done;
	}
	int64_t unit = input_int(r->q, "unit", 0);
	int grade = (int)input_int(r->q, "grade", 0);
	const struct sv_node *nd = NULL;
	if (unit == 0) {
		/* The widest the caller may see: the campaign, else their school. */
		nd = &g->nodes[0];
		if (!may_read(r, nd, cpath))
			nd = sv_find(g, SV_SCHOOL, r->user->unit_id, 0);
	} else if (grade > 0) {
		nd = sv_find(g, SV_GRADE, grade, unit);
	} else {
		nd = sv_find(g, SV_SCHOOL, unit, 0);
		if (nd == NULL)
			nd = sv_find(g, SV_TOWNSHIP, unit, 0);
	}
	if (nd == NULL || !may_read(r, nd, cpath)) {
		req_error(r, 404, "not_found", NULL);
		goto done;
	}
	/* A campaign of one school opens at that school. */
	if (nd->level == SV_CITY && c.unit_id != 0) {
		const struct sv_node *own = sv_find(g, SV_SCHOOL, c.unit_id, 0);
		if (own != NULL)
			nd = own;
	}
	size_t i = (size_t)(nd - g->nodes);
	json_t *rows = json_array(), *classes = json_array();
	for (size_t k = 0; k < nd->nchild; k++) {
		const struct sv_node *ch = &g->nodes[nd->child0 + k];
		json_array_append_new(rows, row_json(r, g, prev, ch, id));
		/* A school shows its classes too, grade by grade. */
		if (nd->level == SV_SCHOOL)
			for (size_t m = 0; m < ch->nchild; m++)
				json_array_append_new(classes, row_json(r, g, prev,
				    &g->nodes[ch->child0 + m], id));
	}
	const char *up = "";
	if (nd->level == SV_GRADE)
		up = arena_printf(r->a, "/surveys/%lld/results?unit=%lld", (long long)id,
		    (long long)nd->school_id);
	else if (nd->level == SV_SCHOOL || nd->level == SV_TOWNSHIP) {
		const struct sv_node *pa = &g->nodes[nd->parent];
		if (pa->level == SV_TOWNSHIP && pa->id != 0 && may_read(r, pa, cpath))
			up = arena_printf(r->a, "/surveys/%lld/results?unit=%lld", (long long)id,
			    (long long)pa->id);
		else if (pa->level != SV_SCHOOL && may_read(r, &g->nodes[0], cpath) &&
		    c.unit_id != nd->id)
			up = arena_printf(r->a, "/surveys/%lld/results", (long long)id);
	}
	json_t *model = json_pack("{s:{s:I, s:s, s:s, s:s}, s:I, s:s, s:o, s:o, s:o, s:s,"
	    " s:{s:s}}",
	    "campaign", "id", (json_int_t)id, "name", c.name, "semester", c.semester,
	    "state", c.state, "min_cell", (json_int_t)g->min_cell,
	    "level", level_names[nd->level], "totals", row_json(r, g, prev, nd, id),
	    "rows", rows, "classes", classes, "up", up ? up : "",
	    "page", "title_key", "results.title");
	if (model == NULL) {
		req_error(r, 500, "internal", NULL);
		goto done;
	}
	if (prev_id > 0) {
		struct sv_campaign pc;
		if (sv_campaign_get(r->rdb, prev_id, &pc) == XA_OK)
			json_object_set_new(model, "previous", json_pack("{s:I, s:s, s:s}",
			    "id", (json_int_t)prev_id, "semester", pc.semester, "name", pc.name));
	}
	json_object_set_new(model, "rows_label", json_string(i18n(r->lang,
	    nd->level == SV_CITY ? "results.by_township" : nd->level == SV_TOWNSHIP ?
	    "results.by_school" : nd->level == SV_SCHOOL ? "results.by_grade" :
	    "results.by_class")));
	json_object_set_new(model, "min_cell_text", json_string(i18n_fill(r->a, r->lang,
	    "results.suppressed_note", "N", num(r, g->min_cell), NULL)));
	if (strcmp(c.state, "open") == 0) {
		only_responses(json_object_get(model, "totals"));
		static const char *const lists[] = { "rows", "classes", NULL };
		for (int l = 0; lists[l] != NULL; l++) {
			size_t k;
			json_t *x;
			json_array_foreach(json_object_get(model, lists[l]), k, x)
				only_responses(x);
		}
		json_object_set_new(model, "in_progress", json_true());
		req_answer(r, 200, model);
		goto done;
	}
	if (policy_allow(r->user, A_SURVEY_WARNING, cpath))
		json_object_set_new(model, "raise_action", json_string(arena_printf(r->a,
		    "/surveys/%lld/warnings", (long long)id)));
	put_extras(r, model, g, i);
	put_own(r, model, g, i, id);
	req_answer(r, 200, model);
done:
	sv_release(g);
	sv_release(prev);
}

/* ------------------------------------------------------------------ */
/* Warnings. */

static const char *const warn_states[] = { "raised", "acknowledged", "acted", "closed",
	NULL };
static const char *const warn_actions[] = { "plan", "class_meeting", "report", NULL };

static const field warnings_query[] = {
	{ "state", FT_ENUM, 0, 0, 0, warn_states },
	{ "campaign", FT_INT, 0, 1, 999999999999LL, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field step_fields[] = {
	{ "action", FT_ENUM, 0, 0, 0, warn_actions },
	{ "note", FT_TEXT, 0, 0, 500, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

#define WARN_COLS "SELECT w.id, w.campaign_id, w.unit_id, w.class_id, w.reason," \
	" w.prevalence, w.previous, w.threshold, w.respondents, w.state, w.action," \
	" w.note, w.raised_at, w.changed_at, u.name, u.path, COALESCE(c.name, '')," \
	" COALESCE(s.name, ''), COALESCE(s.semester, '')" \
	" FROM survey_warnings w JOIN units u ON u.id = w.unit_id" \
	" LEFT JOIN classes c ON c.id = w.class_id" \
	" LEFT JOIN survey_campaigns s ON s.id = w.campaign_id"

static json_t *
warning_json(req *r, db_stmt *st)
{
	int64_t id = db_col_int(st, 0);
	const char *state = db_col_text(st, 9);
	const char *reason = db_col_text(st, 4);
	int prev = (int)db_col_int(st, 6);
	char key[64];
	snprintf(key, sizeof key, "warnings.reason.%s", strcmp(reason, "rise") == 0 ?
	    "rise" : "high");
	const char *why = i18n_fill(r->a, r->lang, key, "P", pct(r, (int)db_col_int(st, 5)),
	    "Q", pct(r, prev), "T", num(r, db_col_int(st, 7)),
	    "N", num(r, db_col_int(st, 8)), NULL);
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:s,"
	    " s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s}",
	    "id", (json_int_t)id, "campaign_id", (json_int_t)db_col_int(st, 1),
	    "unit_id", (json_int_t)db_col_int(st, 2), "class_id", (json_int_t)db_col_int(st, 3),
	    "reason", reason, "reason_text", why ? why : "",
	    "prevalence", (json_int_t)db_col_int(st, 5), "previous", (json_int_t)prev,
	    "threshold", (json_int_t)db_col_int(st, 7),
	    "respondents", (json_int_t)db_col_int(st, 8),
	    "state", state, "state_label", i18n_name(r->lang, "warnings.state", state),
	    "action", db_col_text(st, 10),
	    "action_label", db_col_text(st, 10)[0] ? i18n_name(r->lang, "warnings.action",
	    db_col_text(st, 10)) : "",
	    "raised_at", (json_int_t)db_col_int(st, 12), "changed_at",
	    (json_int_t)db_col_int(st, 13), "school", db_col_text(st, 14),
	    "class", db_col_text(st, 16), "campaign", db_col_text(st, 17),
	    "semester", db_col_text(st, 18));
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "note", json_string(db_col_text(st, 11)));
	json_object_set_new(o, "link", json_string(arena_printf(r->a,
	    "/surveys/%lld/results?unit=%lld", (long long)db_col_int(st, 1),
	    (long long)db_col_int(st, 2))));
	bool may = policy_allow(r->user, A_SURVEY_WARNING, db_col_text(st, 15));
	json_object_set_new(o, "may_ack", json_boolean(may && strcmp(state, "raised") == 0));
	json_object_set_new(o, "may_act", json_boolean(may && (strcmp(state, "raised") == 0 ||
	    strcmp(state, "acknowledged") == 0)));
	json_object_set_new(o, "may_close", json_boolean(may &&
	    (strcmp(state, "acknowledged") == 0 || strcmp(state, "acted") == 0)));
	json_object_set_new(o, "ack_action", json_string(arena_printf(r->a,
	    "/survey-warnings/%lld/ack", (long long)id)));
	json_object_set_new(o, "act_action", json_string(arena_printf(r->a,
	    "/survey-warnings/%lld/act", (long long)id)));
	json_object_set_new(o, "close_action", json_string(arena_printf(r->a,
	    "/survey-warnings/%lld/close", (long long)id)));
	return o;
}

#define WARN_LIST_MAX 500

/* GET /api/v1/survey-warnings and /survey-warnings: the warnings within
 * the caller's reach (a school: its own; the bureau: the city), open
 * ones first, newest first. */
static void
warnings_show(req *r)
{
	const char *state = input_str(r->q, "state");
	int64_t campaign = input_int(r->q, "campaign", 0);
	db_stmt *st = NULL;
	/* A role that reads no results has no warnings either: as missing. */
	if (!policy_allow(r->user, A_SURVEY_RESULTS, r->user->unit_path) &&
	    !policy_allow(r->user, A_SURVEY_RESULTS, r->user->scope_path)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (db_prepare(r->rdb, WARN_COLS " WHERE (? = '' OR w.state = ?)"
	    " AND (? = 0 OR w.campaign_id = ?) AND u.path LIKE ? ||'%'"
	    " ORDER BY CASE w.state WHEN 'closed' THEN 1 ELSE 0 END, w.raised_at DESC, w.id DESC"
	    " LIMIT 2000", &st) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	db_bind_text(st, 1, state ? state : "", -1);
	db_bind_text(st, 2, state ? state : "", -1);
	db_bind_int(st, 3, campaign);
	db_bind_int(st, 4, campaign);
	/* The widest prefix the caller's reach could have; policy decides
	 * each row. */
	db_bind_text(st, 5, (r->user->roles & ROLES_BUREAU) ? r->user->scope_path :
	    r->user->unit_path, -1);
	json_t *items = json_array();
	size_t n = 0, open = 0;
	while (db_step(st) == 1 && n < WARN_LIST_MAX) {
		if (!policy_allow(r->user, A_SURVEY_RESULTS, db_col_text(st, 15)))
			continue;
		json_t *o = warning_json(r, st);
		if (o == NULL)
			continue;
		open += strcmp(db_col_text(st, 9), "closed") != 0;
		json_array_append_new(items, o);
		n++;
	}
	db_done(st);
	json_t *model = json_pack("{s:o, s:I, s:I, s:s, s:{s:s}}", "items", items,
	    "n", (json_int_t)n, "open", (json_int_t)open, "state", state ? state : "",
	    "page", "title_key", "warnings.title");
	json_object_set_new(model, "actions", json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]",
	    "value", "plan", "label", i18n(r->lang, "warnings.action.plan"),
	    "value", "class_meeting", "label", i18n(r->lang, "warnings.action.class_meeting"),
	    "value", "report", "label", i18n(r->lang, "warnings.action.report")));
	req_answer(r, 200, model);
}

/* A step on a warning, as a writer job. */
enum step { ST_ACK, ST_ACT, ST_CLOSE };

struct step_job {
	req *r;
	int64_t id;
	enum step step;
	const char *action, *note;
	int64_t now;
};

static xa_err
step_run(db *conn, void *p)
{
	struct step_job *j = p;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT state FROM survey_warnings WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, j->id);
	int rc = db_step(st);
	char state[16] = "";
	if (rc == 1)
		snprintf(state, sizeof state, "%s", db_col_text(st, 0));
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (rc == 0)
		return XA_ENOTFOUND;
	bool raised = strcmp(state, "raised") == 0, acked = strcmp(state, "acknowledged") == 0;
	bool acted = strcmp(state, "acted") == 0;
	const char *to, *fields;
	if (j->step == ST_ACK && raised)
		to = "acknowledged", fields = "state";
	else if (j->step == ST_ACT && (raised || acked))
		to = "acted", fields = "state,action,note";
	else if (j->step == ST_CLOSE && (acked || acted))
		to = "closed", fields = "state,note";
	else
		return XA_ECONFLICT;
	if ((e = db_prepare(conn, "UPDATE survey_warnings SET state = ?,"
	    " action = CASE WHEN ? = '' THEN action ELSE ? END,"
	    " note = CASE WHEN ? = '' THEN note ELSE ? END,"
	    " changed_by = ?, changed_at = ? WHERE id = ?", &st)) != XA_OK)
		return e;
	const char *action = j->step == ST_ACT ? j->action : "";
	const char *note = j->step == ST_ACK ? "" : j->note;
	db_bind_text(st, 1, to, -1);
	db_bind_text(st, 2, action, -1);
	db_bind_text(st, 3, action, -1);
	db_bind_text(st, 4, note, -1);
	db_bind_text(st, 5, note, -1);
	db_bind_int(st, 6, j->r->user->account_id);
	db_bind_int(st, 7, j->now);
	db_bind_int(st, 8, j->id);
	rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	char act[32];
	snprintf(act, sizeof act, "survey_warning.%s", j->step == ST_ACK ? "ack" :
	    j->step == ST_ACT ? "act" : "close");
	return audit_req(conn, j->r, act, "survey_warning", j->id, fields, j->now);
}

static void
step_done(req *r, void *ctx, xa_err result)
{
	struct step_job *j = ctx;
	if (result == XA_ENOTFOUND) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (result == XA_ECONFLICT) {
		req_error(r, 409, "warning_state", NULL);
		return;
	}
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (!is_api(r)) {
		req_redirect(r, "/survey-warnings");
		return;
	}
	db_stmt *st = NULL;
	json_t *o = NULL;
	if (db_prepare(r->rdb, WARN_COLS " WHERE w.id = ?", &st) == XA_OK) {
		db_bind_int(st, 1, j->id);
		if (db_step(st) == 1)
			o = warning_json(r, st);
		db_done(st);
	}
	req_json(r, 200, json_pack("{s:o}", "warning", o ? o : json_object()));
}

/* POST /api/v1/survey-warnings/{id}/{step} and the page's forms: step is
 * ack, act (with an action: plan, class_meeting, report) or close. */
static void
warning_step(req *r)
{
	int64_t id = 0;
	const char *s = req_param(r, "step");
	enum step step;
	if (s == NULL || req_param_int(r, "id", &id) != XA_OK) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (strcmp(s, "ack") == 0)
		step = ST_ACK;
	else if (strcmp(s, "act") == 0)
		step = ST_ACT;
	else if (strcmp(s, "close") == 0)
		step = ST_CLOSE;
	else {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	db_stmt *st = NULL;
	char path[128] = "";
	if (db_prepare(r->rdb, "SELECT u.path FROM survey_warnings w JOIN units u"
	    " ON u.id = w.unit_id WHERE w.id = ?", &st) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	db_bind_int(st, 1, id);
	if (db_step(st) == 1)
		snprintf(path, sizeof path, "%s", db_col_text(st, 0));
	db_done(st);
	if (path[0] == '\0' || !policy_allow(r->user, A_SURVEY_RESULTS, path)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (!policy_allow(r->user, A_SURVEY_WARNING, path)) {
		req_error(r, 403, "forbidden", NULL);
		return;
	}
	const char *action = input_str(r->in, "action");
	if (step == ST_ACT && action == NULL) {
		req_error(r, 400, "missing_field", "action");
		return;
	}
	struct step_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	const char *note = input_str(r->in, "note");
	*j = (struct step_job){ r, id, step, action ? action : "", note ? note : "",
	    (int64_t)time(NULL) };
	req_write(r, step_run, j, step_done);
}

/* Raising a campaign's warnings now. */
struct raise_job {
	req *r;
	int64_t campaign;
	int64_t now;
	size_t raised;
};

static xa_err
raise_run(db *conn, void *p)
{
	struct raise_job *j = p;
	xa_err e = survey_warnings_raise(conn, j->campaign, j->now, &j->raised);
	if (e != XA_OK || j->raised == 0)
		return e;
	return audit_req(conn, j->r, "survey_warning.raise", "survey_campaign", j->campaign,
	    "survey_warnings", j->now);
}

static void
raise_done(req *r, void *ctx, xa_err result)
{
	struct raise_job *j = ctx;
	if (result != XA_OK) {
		req_error(r, result == XA_ENOTFOUND ? 404 : 503, result == XA_ENOTFOUND ?
		    "not_found" : "unavailable", NULL);
		return;
	}
	if (!is_api(r)) {
		req_redirect(r, "/survey-warnings");
		return;
	}
	req_json(r, 200, json_pack("{s:I, s:I}", "campaign", (json_int_t)j->campaign,
	    "raised", (json_int_t)j->raised));
}

/* POST /api/v1/surveys/{id}/warnings: computes the campaign's warnings
 * now (the scheduler and the demo call survey_warnings_raise() too).
 * For whoever may handle warnings where the campaign was opened. */
static void
warnings_raise(req *r)
{
	int64_t id = 0;
	struct sv_campaign c;
	char path[128];
	if (req_param_int(r, "id", &id) != XA_OK || sv_campaign_get(r->rdb, id, &c) != XA_OK ||
	    !path_of(r, c.unit_id, path, sizeof path) ||
	    !policy_allow(r->user, A_SURVEY_RESULTS, path)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (!policy_allow(r->user, A_SURVEY_WARNING, path)) {
		req_error(r, 403, "forbidden", NULL);
		return;
	}
	/* From final counts only: closing a campaign raises its warnings;
	 * this raises them again after the thresholds were changed. */
	if (strcmp(c.state, "open") == 0) {
		req_error(r, 409, "survey_still_open", NULL);
		return;
	}
	struct raise_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	*j = (struct raise_job){ r, id, (int64_t)time(NULL), 0 };
	req_write(r, raise_run, j, raise_done);
}

const route results_routes[] = {
	{ M_GET, "/api/v1/surveys/{id:int}/results", results_show, R_API | R_AUTH,
	  results_query, NULL, NULL, "api_survey_results" },
	{ M_GET, "/surveys/{id:int}/results", results_show, R_AUTH, results_query, NULL,
	  "survey_results", "survey_results" },
	{ M_POST, "/api/v1/surveys/{id:int}/warnings", warnings_raise, R_API | R_AUTH, NULL,
	  NULL, NULL, "api_survey_warnings_raise" },
	{ M_POST, "/surveys/{id:int}/warnings", warnings_raise, R_AUTH, NULL, NULL,
	  "survey_warnings", "survey_warnings_raise" },
	{ M_GET, "/api/v1/survey-warnings", warnings_show, R_API | R_AUTH, warnings_query,
	  NULL, NULL, "api_survey_warnings" },
	{ M_GET, "/survey-warnings", warnings_show, R_AUTH, warnings_query, NULL,
	  "survey_warnings", "survey_warnings" },
	{ M_POST, "/api/v1/survey-warnings/{id:int}/{step}", warning_step, R_API | R_AUTH,
	  NULL, step_fields, NULL, "api_survey_warning_step" },
	{ M_POST, "/survey-warnings/{id:int}/{step}", warning_step, R_AUTH, NULL, step_fields,
	  "survey_warnings", "survey_warning_step" },
};
const size_t results_routes_count = sizeof results_routes / sizeof results_routes[0];
