/* measures_http.c: what a school does once a case is found to be bullying
 * (regulation.md §3 steps 5 and 7, §4): each school's graded catalogue of
 * measures (校规校纪), the measures the committee decides in a case and the
 * telling of guardians, the victim's protection plan with its review
 * dates, and the follow-up check-ins (事后干预).
 *
 * The catalogue is each school's own; a school that has written none is
 * offered the bureau's default (rows with unit_id NULL), which is built in
 * here from regulation.md §4 and written into the table the first time a
 * case uses it. The case page (cases_http.c) calls measures_case_model()
 * and includes templates/case_measures.html.
 *
 * Never: decide anything by itself (a prior finding is only suggested),
 * give 留校察看/勒令退学/开除 to a student in compulsory education, store a
 * note, plan or check-in text unsealed, delete a catalogue row that a
 * decided measure may refer to, or answer a case out of reach other than
 * like a missing one. */
#include "cases_http.h"

#include <openssl/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../auth/auth.h"
#include "../auth/session.h"
#include "../auth/settings.h"
#include "../core/calendar.h"
#include "../core/i18n.h"
#include "../core/utf8.h"
#include "../http/form.h"
#include "../http/input.h"
#include "../http/server.h"
#include "../org/org.h"

#define ID_MAX INT64_MAX
#define MAX_ITEMS 200		/* measures in one school's catalogue */
#define NAME_MAX_CP 60		/* code points in a measure's name */
#define CODE_MAX 32
#define TEXT_MAX 4000		/* notes, plans, check-in records */
#define MAX_DATES 12		/* review dates of one protection plan */

/* ------------------------------------------------------------------ */
/* Small helpers. */

static int64_t
now_s(void)
{
	return (int64_t)time(NULL);
}

static json_t *
jstr(const char *s)
{
	json_t *j = json_string(s != NULL ? s : "");
	return j != NULL ? j : json_string("");
}

/* The date of t in the bureau's zone, "" for 0. */
static void
date_of(req *r, int64_t t, char out[11])
{
	if (t <= 0) {
		out[0] = '\0';
		return;
	}
	day_format(day_of(t, case_zone(r)), out);
}

/* The instant to record for a date the user gave (already a valid
 * YYYY-MM-DD): now for today or no date, the start of an earlier day in
 * the bureau's zone; -1 for a day after today. */
static int64_t
when_of(req *r, const char *day, int64_t now)
{
	long zone = case_zone(r);
	xa_day today = day_of(now, zone), d;
	if (day == NULL || day_parse(day, &d) != XA_OK || d == today)
		return now;
	if (d > today)
		return -1;
	return day_start(d, zone);
}

static int
is_api(const req *r)
{
	return r->route != NULL && (r->route->flags & R_API) != 0;
}

/* The tiers in order, mildest first; -1 for an unknown or empty tier. */
static int
tier_rank(const char *t)
{
	static const char *const order[] = { "general", "serious", "repeated", "unlawful" };
	for (int i = 0; i < 4; i++)
		if (t != NULL && strcmp(t, order[i]) == 0)
			return i;
	return -1;
}

/* Whether a measure of kind suits a party of role: education, discipline
 * and police measures are for the perpetrator, protection for the victim,
 * family guidance and other measures for anyone. */
static int
kind_fits_role(const char *kind, const char *role)
{
	if (strcmp(kind, "family") == 0 || strcmp(kind, "other") == 0)
		return 1;
	if (strcmp(kind, "protection") == 0)
		return strcmp(role, "victim") == 0;
	return strcmp(role, "perpetrator") == 0;
}

/* "<prefix>.<name>" translated, "" for an empty name (i18n_name). */
static const char *
label(req *r, const char *prefix, const char *name)
{
	return i18n_name(r->lang, prefix, name);
}

/* "a（b）" in Chinese, "a (b)" in English. */
static const char *
paren(req *r, const char *a, const char *b)
{
	const char *t = strcmp(r->lang, "en") == 0 ? arena_printf(r->a, "%s (%s)", a, b) :
	    arena_printf(r->a, "%s（%s）", a, b);
	return t ? t : a;
}

/* ------------------------------------------------------------------ */
/* The bureau's default catalogue (regulation.md §4). Names are the
 * catalog texts "catalogue.item.<code>": the Chinese one is what is
 * stored, the English one is shown to English readers as long as the
 * stored name is still the built-in one. Each measure sits at the mildest
 * tier where it may first be used. */

static const struct builtin {
	const char *code, *tier, *kind, *grade;
} builtins[] = {
	{ "criticism", "general", "education", "" },
	{ "apology", "general", "education", "" },
	{ "admonition", "general", "education", "" },
	{ "special_education", "general", "education", "" },
	{ "campus_service", "general", "education", "" },
	{ "psych_intervention", "general", "education", "" },
	{ "family_guidance", "general", "family", "" },
	{ "protect_company", "general", "protection", "" },
	{ "protect_seat", "general", "protection", "" },
	{ "protect_counselling", "general", "protection", "" },
	{ "discipline_warning", "general", "discipline", "warning" },
	{ "discipline_serious_warning", "general", "discipline", "serious_warning" },
	{ "police_education", "serious", "education", "" },
	{ "discipline_demerit", "serious", "discipline", "demerit" },
	{ "discipline_probation", "serious", "discipline", "probation" },
	{ "quality_record", "serious", "other", "" },
	{ "police_reprimand", "serious", "police", "" },
	{ "discipline_expulsion_order", "repeated", "discipline", "expulsion_order" },
	{ "discipline_expulsion", "repeated", "discipline", "expulsion" },
	{ "special_school", "repeated", "other", "" },
	{ "police_apology", "unlawful", "police", "" },
	{ "police_pledge", "unlawful", "police", "" },
};
#define NBUILTIN (sizeof builtins / sizeof builtins[0])

/* The built-in name of code in lang, or NULL when code is not built in. */
static const char *
builtin_name(const char *lang, const char *code)
{
	char key[96];
	for (size_t i = 0; i < NBUILTIN; i++) {
		if (strcmp(builtins[i].code, code) != 0)
			continue;
		snprintf(key, sizeof key, "catalogue.item.%s", code);
		return i18n_has("zh", key) ? i18n(lang, key) : NULL;
	}
	return NULL;
}

/* A measure's name for the reader: the English text of a built-in measure
 * whose stored name is still the built-in Chinese one, else the name as
 * the school wrote it. */
static const char *
measure_label(req *r, const char *code, const char *name)
{
	const char *zh = code != NULL ? builtin_name("zh", code) : NULL;
	if (zh != NULL && strcmp(zh, name) == 0)
		return builtin_name(r->lang, code);
	return name;
}

/* ------------------------------------------------------------------ */
/* Catalogue rows in memory. */

struct citem {
	int64_t id;		/* 0: built in, not yet written */
	const char *tier, *kind, *code, *name, *grade;
	int active;
};

struct clist {
	struct citem *v;
	size_t n, cap;
};

static xa_err
clist_push(arena *a, struct clist *l, const struct citem *it)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct citem *v = arena_calloc(a, cap, sizeof *v);
		if (v == NULL)
			return XA_ENOMEM;
		if (l->n)
			memcpy(v, l->v, l->n * sizeof *v);
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *it;
	return XA_OK;
}

/* The rows of unit's own catalogue (unit 0: the bureau's default rows),
 * retired ones too, in the order they were written. */
static xa_err
catalogue_rows(db *conn, arena *a, int64_t unit, struct clist *out)
{
	db_stmt *st = NULL;
	memset(out, 0, sizeof *out);
	xa_err e = db_prepare(conn, "SELECT id, tier, kind, code, name, grade, active"
	    " FROM measure_catalogue WHERE coalesce(unit_id, 0) = ? ORDER BY id", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	int rc;
	while ((rc = db_step(st)) == 1) {
		struct citem it = {
			.id = db_col_int(st, 0),
			.tier = arena_strdup(a, db_col_text(st, 1)),
			.kind = arena_strdup(a, db_col_text(st, 2)),
			.code = arena_strdup(a, db_col_text(st, 3)),
			.name = arena_strdup(a, db_col_text(st, 4)),
			.grade = arena_strdup(a, db_col_text(st, 5)),
			.active = db_col_int(st, 6) != 0,
		};
		if (it.tier == NULL || it.kind == NULL || it.code == NULL ||
		    it.name == NULL || it.grade == NULL || clist_push(a, out, &it) != XA_OK) {
			e = XA_ENOMEM;
			break;
		}
	}
	if (e == XA_OK && rc < 0)
		e = (xa_err)-rc;
	db_done(st);
	return e;
}

/* The built-in default catalogue, none of it written yet. */
static xa_err
catalogue_builtin(arena *a, struct clist *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < NBUILTIN; i++) {
		struct citem it = {
			.id = 0, .tier = builtins[i].tier, .kind = builtins[i].kind,
			.code = builtins[i].code, .name = builtin_name("zh", builtins[i].code),
			.grade = builtins[i].grade, .active = 1,
		};
		if (it.name == NULL)
			continue;
		xa_err e = clist_push(a, out, &it);
		if (e != XA_OK)
			return e;
	}
	return XA_OK;
}

/* The bureau's default catalogue: its rows, or the built-in one while
 * nothing has been written. */
static xa_err
catalogue_default(db *conn, arena *a, struct clist *out)
{
	xa_err e = catalogue_rows(conn, a, 0, out);
	if (e == XA_OK && out->n == 0)
		e = catalogue_builtin(a, out);
	return e;
}

/* What school offers: its own rows when it has written any (*own = 1),
 * else the default. */
static xa_err
catalogue_effective(db *conn, arena *a, int64_t school, struct clist *out, int *own)
{
	xa_err e = catalogue_rows(conn, a, school, out);
	*own = e == XA_OK && out->n > 0;
	if (e == XA_OK && out->n == 0)
		e = catalogue_default(conn, a, out);
	return e;
}

/* Writes the built-in default catalogue into the table unless the bureau
 * has rows already. Writer only. */
static xa_err
ensure_defaults(db *conn, int64_t now)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT count(*) FROM measure_catalogue WHERE unit_id IS NULL",
	    &st);
	if (e != XA_OK)
		return e;
	int rc = db_step(st);
	int64_t n = rc == 1 ? db_col_int(st, 0) : -1;
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (n != 0)
		return XA_OK;
	for (size_t i = 0; i < NBUILTIN; i++) {
		const char *name = builtin_name("zh", builtins[i].code);
		if (name == NULL)
			continue;
		if ((e = db_prepare(conn, "INSERT INTO measure_catalogue (unit_id, tier, kind, code,"
		    " name, grade, active, created_at, updated_at) VALUES (NULL, ?, ?, ?, ?, ?, 1, ?, ?)",
		    &st)) != XA_OK)
			return e;
		db_bind_text(st, 1, builtins[i].tier, -1);
		db_bind_text(st, 2, builtins[i].kind, -1);
		db_bind_text(st, 3, builtins[i].code, -1);
		db_bind_text(st, 4, name, -1);
		db_bind_text(st, 5, builtins[i].grade, -1);
		db_bind_int(st, 6, now);
		db_bind_int(st, 7, now);
		rc = db_step(st);
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
	}
	return XA_OK;
}

/* ------------------------------------------------------------------ */
/* The catalogue page and API. */

/* The unit a catalogue belongs to: a school, or the bureau for the
 * default. */
struct cunit {
	int64_t id;
	int64_t key;		/* unit_id in the table: 0 for the default */
	const char *path, *name;
	int bureau;
	int can_edit;
};

/* Finds the catalogue's unit (want 0: the caller's school, or the default
 * for an account outside a school) and whether r may read and change it.
 * Answers 404 itself and returns 0 when there is no such catalogue or r
 * may not read it. */
static int
catalogue_unit(req *r, int64_t want, struct cunit *u)
{
	char bpath[96];
	int64_t bureau = 0;
	memset(u, 0, sizeof *u);
	if (unit_bureau(r->rdb, &bureau, bpath, sizeof bpath) != XA_OK) {
		req_error(r, 404, "not_found", NULL);
		return 0;
	}
	if (want == 0)
		want = strcmp(r->user->unit_kind, "school") == 0 ? r->user->unit_id : bureau;
	db_stmt *st = NULL;
	int found = 0;
	const char *kind = "";
	if (db_prepare(r->rdb, "SELECT path, kind, name FROM units WHERE id = ?", &st) == XA_OK) {
		db_bind_int(st, 1, want);
		if (db_step(st) == 1) {
			u->path = arena_strdup(r->a, db_col_text(st, 0));
			kind = arena_strdup(r->a, db_col_text(st, 1));
			u->name = arena_strdup(r->a, db_col_text(st, 2));
			found = u->path != NULL && kind != NULL && u->name != NULL;
		}
		db_done(st);
	}
	u->id = want;
	if (found && want == bureau) {
		/* The default is the bureau's and open to everyone signed in. */
		u->bureau = 1;
		u->key = 0;
		u->can_edit = policy_allow(r->user, A_CATALOGUE_WRITE, u->path);
		return 1;
	}
	if (!found || strcmp(kind, "school") != 0 ||
	    !(policy_allow(r->user, A_UNIT_READ, u->path) ||
	    policy_allow(r->user, A_CATALOGUE_WRITE, u->path))) {
		req_error(r, 404, "not_found", NULL);
		return 0;
	}
	u->key = want;
	u->can_edit = policy_allow(r->user, A_CATALOGUE_WRITE, u->path);
	return 1;
}

/* The short words of the page's text form ("一般", "教育", "警告"); the
 * machine names are understood as well. */
static const char *
word(req *r, const char *group, const char *name)
{
	char prefix[64];
	snprintf(prefix, sizeof prefix, "catalogue.w.%s", group);
	return i18n_name(r->lang, prefix, name);
}

/* Finds the name in list whose word (either language) or machine name is
 * s; NULL when none. */
static const char *
word_parse(const char *group, const char *const *list, const char *s)
{
	char key[96];
	for (size_t i = 0; list[i] != NULL; i++) {
		snprintf(key, sizeof key, "catalogue.w.%s.%s", group, list[i]);
		if (strcmp(s, list[i]) == 0 || strcmp(s, i18n("zh", key)) == 0 ||
		    strcasecmp(s, i18n("en", key)) == 0)
			return list[i];
	}
	return NULL;
}

/* One catalogue row as JSON for the page and the API. */
static json_t *
citem_json(req *r, const struct citem *it)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b}",
	    "tier", it->tier, "tier_label", label(r, "tier", it->tier),
	    "kind", it->kind, "kind_label", label(r, "measure.kind", it->kind),
	    "code", it->code, "name", it->name,
	    "label", measure_label(r, it->code, it->name),
	    "grade", it->grade, "grade_label", label(r, "grade", it->grade),
	    "active", it->active != 0,
	    "noncompulsory_only", it->grade[0] != '\0' && grade_needs_noncompulsory(it->grade));
	if (o != NULL)
		json_object_set_new(o, "id", it->id ? json_integer(it->id) : json_null());
	return o;
}

/* The catalogue's text form, one "tier,kind,name" line per active
 * measure, discipline written as its grade. */
static char *
catalogue_text(req *r, const struct clist *l)
{
	buf b;
	buf_init(&b, 256 * 1024);
	static const char *const order[] = { "general", "serious", "repeated", "unlawful" };
	for (int t = 0; t < 4; t++) {
		for (size_t i = 0; i < l->n; i++) {
			const struct citem *it = &l->v[i];
			if (!it->active || strcmp(it->tier, order[t]) != 0)
				continue;
			int disc = strcmp(it->kind, "discipline") == 0 && it->grade[0];
			buf_printf(&b, "%s,%s,%s\n", word(r, "tier", it->tier),
			    disc ? word(r, "grade", it->grade) : word(r, "kind", it->kind), it->name);
		}
	}
	char *s = arena_strdup(r->a, b.data ? b.data : "");
	buf_free(&b);
	return s;
}

/* The catalogue page's and API's model for unit u. */
static json_t *
catalogue_model(req *r, const struct cunit *u)
{
	struct clist l;
	int own = 0;
	xa_err e = u->bureau ? catalogue_default(r->rdb, r->a, &l) :
	    catalogue_effective(r->rdb, r->a, u->key, &l, &own);
	if (e != XA_OK)
		return NULL;
	json_t *tiers = json_array(), *items = json_array(), *retired = json_array();
	static const char *const order[] = { "general", "serious", "repeated", "unlawful" };
	for (int t = 0; t < 4; t++) {
		json_t *list = json_array();
		for (size_t i = 0; i < l.n; i++)
			if (l.v[i].active && strcmp(l.v[i].tier, order[t]) == 0)
				json_array_append_new(list, citem_json(r, &l.v[i]));
		json_array_append_new(tiers, json_pack("{s:s, s:s, s:o}", "tier", order[t],
		    "label", label(r, "tier", order[t]), "items", list));
	}
	for (size_t i = 0; i < l.n; i++) {
		json_array_append_new(items, citem_json(r, &l.v[i]));
		if (!l.v[i].active)
			json_array_append_new(retired, citem_json(r, &l.v[i]));
	}
	const char *text = catalogue_text(r, &l);
	json_t *m = json_pack("{s:{s:s}, s:{s:I, s:s, s:b}, s:b, s:b, s:b, s:o, s:o, s:o, s:s}",
	    "page", "title_key", "catalogue.title",
	    "unit", "id", (json_int_t)u->id, "name", u->name, "bureau", u->bureau != 0,
	    "own", own != 0, "showing_default", !own && !u->bureau, "can_edit", u->can_edit != 0,
	    "tiers", tiers, "items", items, "retired", retired,
	    "text", text ? text : "");
	if (m == NULL)
		return NULL;
	json_object_set_new(m, "can_copy", json_boolean(u->can_edit && !u->bureau));
	/* Accounts beyond one school choose whose catalogue to see. */
	if (strcmp(r->user->unit_kind, "school") != 0) {
		json_t *schools = json_array();
		db_stmt *st = NULL;
		char like[100];
		snprintf(like, sizeof like, "%s%%", r->user->scope_path);
		if (db_prepare(r->rdb, "SELECT id, name, path FROM units WHERE kind = 'school'"
		    " AND active = 1 AND path LIKE ? ORDER BY name, id", &st) == XA_OK) {
			db_bind_text(st, 1, like, -1);
			while (db_step(st) == 1) {
				if (!policy_allow(r->user, A_UNIT_READ, db_col_text(st, 2)))
					continue;
				int64_t id = db_col_int(st, 0);
				json_array_append_new(schools, json_pack("{s:I, s:s, s:b}", "id",
				    (json_int_t)id, "name", db_col_text(st, 1), "selected", id == u->id));
			}
			db_done(st);
		}
		json_object_set_new(m, "schools", schools);
		json_object_set_new(m, "choose", json_true());
	}
	return m;
}

static const field catalogue_query[] = {
	{ "unit_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* GET /catalogue, GET /api/v1/catalogue: a school's catalogue by tier, or
 * the default while it has written none. */
static void
catalogue_show(req *r)
{
	struct cunit u;
	if (!catalogue_unit(r, input_int(r->q, "unit_id", 0), &u))
		return;
	json_t *m = catalogue_model(r, &u);
	if (m == NULL) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_answer(r, 200, m);
}

/* A replacement catalogue, checked, with codes. */
struct crep {
	req *r;
	struct cunit u;
	struct citem *items;
	size_t n;
	int retire_rest;	/* 1: replace; 0: copy the defaults in */
	int64_t now;
};

/* 1 when s is a code: [a-z0-9_]{1,32}. */
static int
code_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > CODE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* Checks one item's meaning (its parts are already known names): a
 * grade for discipline and only there, a name of 1..60 characters. The
 * error's code, or NULL. */
static const char *
item_check(const struct citem *it)
{
	size_t n = strlen(it->name);
	size_t cp = utf8_count(it->name, n);
	if (n == 0 || cp > NAME_MAX_CP || !utf8_no_controls(it->name, n, false))
		return "measures_item_name";
	if (strcmp(it->kind, "discipline") == 0 && it->grade[0] == '\0')
		return "measures_item_grade_needed";
	if (strcmp(it->kind, "discipline") != 0 && it->grade[0] != '\0')
		return "measures_item_grade_only";
	if (it->code[0] != '\0' && !code_ok(it->code))
		return "measures_item_code";
	return NULL;
}

/* Gives each item without a code one: the code of the school's row (or
 * the default's) of the same name, else a new "m<N>" no other row or
 * item uses. Then refuses two items with one code or one name: returns
 * the index of the second, or -1; *code says which. */
static long
assign_codes(req *r, const struct cunit *u, struct citem *items, size_t n,
    const char **code)
{
	struct clist own = { 0 }, defs = { 0 };
	catalogue_rows(r->rdb, r->a, u->key, &own);
	if (!u->bureau)
		catalogue_default(r->rdb, r->a, &defs);
	else
		catalogue_builtin(r->a, &defs);
	for (size_t i = 0; i < n; i++) {
		if (items[i].code[0] != '\0')
			continue;
		const struct clist *from[2] = { &own, &defs };
		for (int k = 0; k < 2 && items[i].code[0] == '\0'; k++) {
			for (size_t j = 0; j < from[k]->n; j++) {
				if (strcmp(from[k]->v[j].name, items[i].name) != 0)
					continue;
				int taken = 0;
				for (size_t q = 0; q < n; q++)
					taken |= strcmp(items[q].code, from[k]->v[j].code) == 0;
				if (!taken)
					items[i].code = from[k]->v[j].code;
				break;
			}
		}
		for (unsigned seq = 1; items[i].code[0] == '\0'; seq++) {
			char c[16];
			snprintf(c, sizeof c, "m%u", seq);
			int taken = 0;
			for (size_t q = 0; q < n; q++)
				taken |= strcmp(items[q].code, c) == 0;
			for (size_t q = 0; q < own.n; q++)
				taken |= strcmp(own.v[q].code, c) == 0;
			if (!taken)
				items[i].code = arena_strdup(r->a, c);
			if (items[i].code == NULL)
				items[i].code = "";
		}
	}
	for (size_t i = 1; i < n; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(items[i].code, items[j].code) == 0) {
				*code = "measures_item_code_dup";
				return (long)i;
			}
			if (strcmp(items[i].name, items[j].name) == 0) {
				*code = "measures_item_name_dup";
				return (long)i;
			}
		}
	}
	return -1;
}

/* Applies items to the catalogue of unit (0: the default): a row with an
 * item's code is updated, a new code inserted, and (retire_rest) a row
 * whose code is not among the items is retired (active 0), never
 * deleted. Writer only. */
static xa_err
catalogue_apply(db *conn, int64_t unit, const struct citem *items, size_t n,
    int retire_rest, int64_t now)
{
	xa_err e = XA_OK;
	db_stmt *st = NULL;
	int rc;
	for (size_t i = 0; i < n; i++) {
		const struct citem *it = &items[i];
		int64_t id = 0;
		if ((e = db_prepare(conn, "SELECT id FROM measure_catalogue"
		    " WHERE coalesce(unit_id, 0) = ? AND code = ?", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, unit);
		db_bind_text(st, 2, it->code, -1);
		rc = db_step(st);
		if (rc == 1)
			id = db_col_int(st, 0);
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
		if (id != 0) {
			if ((e = db_prepare(conn, "UPDATE measure_catalogue SET tier = ?, kind = ?,"
			    " name = ?, grade = ?, active = ?, updated_at = ? WHERE id = ?", &st)) != XA_OK)
				return e;
			db_bind_int(st, 7, id);
		} else {
			if ((e = db_prepare(conn, "INSERT INTO measure_catalogue (tier, kind, name, grade,"
			    " active, updated_at, unit_id, code, created_at)"
			    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", &st)) != XA_OK)
				return e;
			if (unit == 0)
				db_bind_null(st, 7);
			else
				db_bind_int(st, 7, unit);
			db_bind_text(st, 8, it->code, -1);
			db_bind_int(st, 9, now);
		}
		db_bind_text(st, 1, it->tier, -1);
		db_bind_text(st, 2, it->kind, -1);
		db_bind_text(st, 3, it->name, -1);
		db_bind_text(st, 4, it->grade, -1);
		db_bind_int(st, 5, it->active ? 1 : 0);
		db_bind_int(st, 6, now);
		rc = db_step(st);
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
	}
	if (!retire_rest)
		return XA_OK;
	/* Rows not named any more: collected first, then retired. */
	int64_t *stale = NULL;
	size_t ns = 0, cap = 0;
	if ((e = db_prepare(conn, "SELECT id, code FROM measure_catalogue"
	    " WHERE coalesce(unit_id, 0) = ? AND active = 1", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	while ((rc = db_step(st)) == 1) {
		const char *code = db_col_text(st, 1);
		int keep = 0;
		for (size_t i = 0; i < n && !keep; i++)
			keep = strcmp(items[i].code, code) == 0;
		if (keep)
			continue;
		if (ns == cap) {
			cap = cap ? cap * 2 : 16;
			int64_t *g = realloc(stale, cap * sizeof *g);
			if (g == NULL) {
				e = XA_ENOMEM;
				break;
			}
			stale = g;
		}
		stale[ns++] = db_col_int(st, 0);
	}
	db_done(st);
	if (e == XA_OK && rc < 0)
		e = (xa_err)-rc;
	for (size_t i = 0; e == XA_OK && i < ns; i++) {
		if ((e = db_prepare(conn, "UPDATE measure_catalogue SET active = 0, updated_at = ?"
		    " WHERE id = ?", &st)) != XA_OK)
			break;
		db_bind_int(st, 1, now);
		db_bind_int(st, 2, stale[i]);
		rc = db_step(st);
		db_done(st);
		if (rc < 0)
			e = (xa_err)-rc;
	}
	free(stale);
	return e;
}

static xa_err
catalogue_replace_run(db *conn, void *p)
{
	struct crep *c = p;
	xa_err e = catalogue_apply(conn, c->u.key, c->items, c->n, c->retire_rest, c->now);
	if (e != XA_OK)
		return e;
	return audit_req(conn, c->r, c->retire_rest ? "catalogue.replace" : "catalogue.copy_defaults",
	    "unit", c->u.id, "measure_catalogue", c->now);
}

static void
catalogue_replace_done(req *r, void *ctx, xa_err result)
{
	struct crep *c = ctx;
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (is_api(r)) {
		json_t *m = catalogue_model(r, &c->u);
		if (m == NULL)
			req_error(r, 503, "unavailable", NULL);
		else
			req_json(r, 200, m);
		return;
	}
	char to[48];
	snprintf(to, sizeof to, "/catalogue?unit_id=%lld", (long long)c->u.id);
	req_redirect(r, to);
}

/* A refused item or line: 400 with its number, in both forms; the page
 * keeps what was typed. */
static void
item_error(req *r, const struct cunit *u, const char *pre_key, const char *post_key,
    size_t no, const char *code, const char *fname, const char *text)
{
	char key[96];
	snprintf(key, sizeof key, "error.%s", code);
	char *msg = arena_printf(r->a, "%s%zu%s%s", i18n(r->lang, pre_key), no,
	    i18n(r->lang, post_key), i18n(r->lang, key));
	if (msg == NULL)
		msg = (char *)i18n(r->lang, key);
	if (is_api(r)) {
		json_t *err = json_pack("{s:s, s:s, s:I}", "code", code, "message", msg,
		    "item", (json_int_t)no);
		if (err != NULL && fname != NULL)
			json_object_set_new(err, "field", jstr(fname));
		req_json(r, 400, json_pack("{s:o}", "error", err));
		return;
	}
	json_t *m = catalogue_model(r, u);
	if (m == NULL) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	json_object_set_new(m, "error", jstr(msg));
	json_object_set_new(m, "text", jstr(text));
	req_page(r, 400, m);
}

/* Hands the checked items to the writer. */
static void
catalogue_submit(req *r, const struct cunit *u, struct citem *items, size_t n, int retire_rest)
{
	struct crep *c = arena_calloc(r->a, 1, sizeof *c);
	if (c == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	c->r = r;
	c->u = *u;
	c->items = items;
	c->n = n;
	c->retire_rest = retire_rest;
	c->now = now_s();
	req_write(r, catalogue_replace_run, c, catalogue_replace_done);
}

/* Checks that r may change u's catalogue; answers itself when not. */
static int
catalogue_may_edit(req *r, const struct cunit *u)
{
	if (!u->can_edit) {
		req_error(r, 403, "forbidden", NULL);
		return 0;
	}
	return 1;
}

static const field item_fields[] = {
	{ "tier", FT_ENUM, F_REQUIRED, 0, 0, case_tiers },
	{ "kind", FT_ENUM, F_REQUIRED, 0, 0, measure_kinds },
	{ "code", FT_STRING, 0, 1, CODE_MAX, NULL },
	{ "name", FT_STRING, F_REQUIRED, 1, NAME_MAX_CP, NULL },
	{ "grade", FT_ENUM, 0, 0, 0, discipline_grades },
	{ "active", FT_BOOL, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The error code for a field of an item that its table refused. */
static const char *
item_field_code(const char *f)
{
	if (f == NULL)
		return "measures_item";
	if (strcmp(f, "tier") == 0)
		return "measures_item_tier";
	if (strcmp(f, "kind") == 0)
		return "measures_item_kind";
	if (strcmp(f, "grade") == 0)
		return "measures_item_grade";
	if (strcmp(f, "code") == 0)
		return "measures_item_code";
	if (strcmp(f, "name") == 0)
		return "measures_item_name";
	return "measures_item";
}

/* PUT /api/v1/catalogue {unit_id, items:[{tier, kind, code, name, grade,
 * active}]}: replaces the school's catalogue (the bureau's: the default).
 * The body is read here (R_RAW_BODY): the input tables take no arrays of
 * objects. A measure left out is retired, never deleted. */
static void
catalogue_put(req *r)
{
	json_t *j = NULL;
	form_limits lim;
	form_limits_default(&lim);
	if (r->content_type == NULL || strncasecmp(r->content_type, "application/json", 16) != 0) {
		req_error(r, 415, "unsupported_media_type", NULL);
		return;
	}
	xa_err e = form_parse_json(r->body, r->body_len, &lim, &j);
	if (e != XA_OK) {
		req_error(r, 400, e == XA_EUTF8 ? "bad_utf8" : e == XA_EDEPTH ? "too_deep" :
		    "bad_json", NULL);
		return;
	}
	json_t *uid = json_object_get(j, "unit_id");
	int64_t want = 0;
	if (uid != NULL && !json_is_null(uid)) {
		if (!json_is_integer(uid) || json_integer_value(uid) < 1) {
			json_decref(j);
			req_error(r, 400, "invalid_field", "unit_id");
			return;
		}
		want = json_integer_value(uid);
	}
	struct cunit u;
	if (!catalogue_unit(r, want, &u) || !catalogue_may_edit(r, &u)) {
		json_decref(j);
		return;
	}
	json_t *list = json_object_get(j, "items");
	size_t n = json_array_size(list);
	if (!json_is_array(list)) {
		json_decref(j);
		req_error(r, 400, "missing_field", "items");
		return;
	}
	if (n == 0 || n > MAX_ITEMS) {
		json_decref(j);
		req_error(r, 400, n == 0 ? "measures_items_empty" : "measures_items_many", "items");
		return;
	}
	struct citem *items = arena_calloc(r->a, n, sizeof *items);
	if (items == NULL) {
		json_decref(j);
		req_error(r, 500, "internal", NULL);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		input_error ie = { XA_OK, NULL };
		json_t *o = NULL;
		e = input_from_json(item_fields, json_array_get(list, i), &o, &ie);
		if (e != XA_OK) {
			const char *code = item_field_code(ie.field);
			char *f = arena_printf(r->a, "items.%zu%s%s", i, ie.field ? "." : "",
			    ie.field ? ie.field : "");
			json_decref(j);
			item_error(r, &u, "catalogue.item_pre", "catalogue.item_post", i + 1, code, f, NULL);
			return;
		}
		const char *code = input_str(o, "code"), *grade = input_str(o, "grade");
		json_t *act = json_object_get(o, "active");
		items[i] = (struct citem){
			.tier = arena_strdup(r->a, input_str(o, "tier")),
			.kind = arena_strdup(r->a, input_str(o, "kind")),
			.code = arena_strdup(r->a, code ? code : ""),
			.name = arena_strdup(r->a, input_str(o, "name")),
			.grade = arena_strdup(r->a, grade ? grade : ""),
			.active = act == NULL || json_is_true(act),
		};
		json_decref(o);
		if (items[i].tier == NULL || items[i].kind == NULL || items[i].code == NULL ||
		    items[i].name == NULL || items[i].grade == NULL) {
			json_decref(j);
			req_error(r, 500, "internal", NULL);
			return;
		}
		const char *bad = item_check(&items[i]);
		if (bad != NULL) {
			const char *which = strcmp(bad, "measures_item_name") == 0 ? "name" :
			    strcmp(bad, "measures_item_code") == 0 ? "code" : "grade";
			json_decref(j);
			item_error(r, &u, "catalogue.item_pre", "catalogue.item_post", i + 1, bad,
			    arena_printf(r->a, "items.%zu.%s", i, which), NULL);
			return;
		}
	}
	json_decref(j);
	const char *dup = NULL;
	long at = assign_codes(r, &u, items, n, &dup);
	if (at >= 0) {
		item_error(r, &u, "catalogue.item_pre", "catalogue.item_post", (size_t)at + 1, dup,
		    arena_printf(r->a, "items.%ld", at), NULL);
		return;
	}
	catalogue_submit(r, &u, items, n, 1);
}

static const field catalogue_form_fields[] = {
	{ "unit_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ "text", FT_TEXT, 0, 0, 40000, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* Splits s at its first separator (an ASCII or full-width comma) and
 * returns what follows, or NULL when there is none. Trims both parts. */
static char *
split(char **s)
{
	char *p = *s, *c = NULL;
	size_t skip = 0;
	for (char *q = p; *q; q++) {
		if (*q == ',') {
			c = q;
			skip = 1;
			break;
		}
		if ((unsigned char)q[0] == 0xEF && (unsigned char)q[1] == 0xBC &&
		    (unsigned char)q[2] == 0x8C) {
			c = q;
			skip = 3;
			break;
		}
	}
	if (c == NULL)
		return NULL;
	*c = '\0';
	char *rest = c + skip;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	size_t n = strlen(p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		p[--n] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	*s = p;
	return rest;
}

/* Reads one "tier,kind,name" line (kind may be a discipline grade) into
 * it; the error's code, or NULL. */
static const char *
parse_line(req *r, char *line, struct citem *it)
{
	char *tier = line, *kind = split(&tier);
	if (kind == NULL)
		return "measures_line";
	char *name = split(&kind);
	if (name == NULL)
		return "measures_line";
	size_t n = strlen(name);
	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		name[--n] = '\0';
	const char *t = word_parse("tier", case_tiers, tier);
	if (t == NULL)
		return "measures_item_tier";
	const char *g = word_parse("grade", discipline_grades, kind);
	const char *k = g != NULL ? "discipline" : word_parse("kind", measure_kinds, kind);
	if (k == NULL)
		return "measures_item_kind";
	*it = (struct citem){ .tier = t, .kind = k, .code = "", .name = arena_strdup(r->a, name),
	    .grade = g ? g : "", .active = 1 };
	return it->name == NULL ? "measures_item" : item_check(it);
}

/* POST /catalogue: the page's form, the catalogue as text lines. */
static void
catalogue_post(req *r)
{
	struct cunit u;
	if (!catalogue_unit(r, input_int(r->in, "unit_id", 0), &u) || !catalogue_may_edit(r, &u))
		return;
	const char *text = input_str(r->in, "text");
	char *copy = arena_strdup(r->a, text ? text : "");
	struct citem *items = arena_calloc(r->a, MAX_ITEMS, sizeof *items);
	size_t *lines = arena_calloc(r->a, MAX_ITEMS, sizeof *lines);
	if (copy == NULL || items == NULL || lines == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	size_t n = 0, lineno = 0;
	for (char *p = copy; p != NULL && *p != '\0';) {
		char *nl = strchr(p, '\n');
		if (nl != NULL)
			*nl = '\0';
		lineno++;
		size_t len = strlen(p);
		while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' '))
			p[--len] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '\0' && *p != '#') {
			const char *bad = n == MAX_ITEMS ? "measures_items_many" :
			    parse_line(r, p, &items[n]);
			if (bad != NULL) {
				item_error(r, &u, "catalogue.line_pre", "catalogue.line_post", lineno, bad,
				    "text", text);
				return;
			}
			lines[n++] = lineno;
		}
		p = nl ? nl + 1 : NULL;
	}
	if (n == 0) {
		item_error(r, &u, "catalogue.line_pre", "catalogue.line_post", 1,
		    "measures_items_empty", "text", text);
		return;
	}
	const char *dup = NULL;
	long at = assign_codes(r, &u, items, n, &dup);
	if (at >= 0) {
		item_error(r, &u, "catalogue.line_pre", "catalogue.line_post", lines[at], dup,
		    "text", text);
		return;
	}
	catalogue_submit(r, &u, items, n, 1);
}

static const field copy_fields[] = {
	{ "unit_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* POST /api/v1/catalogue/copy-defaults {unit_id}, POST
 * /catalogue/copy-defaults: copies the default catalogue into the
 * school's own (a measure of the same code takes the default's form and
 * is active again; the school's other measures stay). */
static void
catalogue_copy(req *r)
{
	struct cunit u;
	if (!catalogue_unit(r, input_int(r->in, "unit_id", 0), &u) || !catalogue_may_edit(r, &u))
		return;
	if (u.bureau) {
		req_error(r, 400, "measures_not_school", "unit_id");
		return;
	}
	struct clist defs;
	if (catalogue_default(r->rdb, r->a, &defs) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	size_t n = 0;
	for (size_t i = 0; i < defs.n; i++)
		if (defs.v[i].active)
			defs.v[n++] = defs.v[i];
	catalogue_submit(r, &u, defs.v, n, 0);
}

/* ------------------------------------------------------------------ */
/* Measures, protection and follow-up in a case. */

/* A party of the case as the measures need it. */
struct party {
	int64_t id;
	const char *role, *alias, *label, *ref;
	int compulsory;
};

/* An alias ("学生A") as the reader says it ("Student A" in English). */
static const char *
alias_text(req *r, const char *alias)
{
	static const char prefix[] = "学生";
	if (alias != NULL && strcmp(r->lang, "en") == 0 &&
	    strncmp(alias, prefix, sizeof prefix - 1) == 0) {
		const char *t = arena_printf(r->a, "Student %s", alias + sizeof prefix - 1);
		return t ? t : alias;
	}
	return alias;
}

/* The parties of case c; label is the name when key is given and opens
 * it, else the alias. */
static xa_err
parties_load(req *r, const case_row *c, const uint8_t *key, struct party **out, size_t *n)
{
	db_stmt *st = NULL;
	size_t cap = 16;
	*n = 0;
	*out = arena_calloc(r->a, cap, sizeof **out);
	if (*out == NULL)
		return XA_ENOMEM;
	xa_err e = db_prepare(r->rdb, "SELECT id, role, alias, name, compulsory, student_ref"
	    " FROM case_parties WHERE case_id = ? ORDER BY id", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, c->id);
	int rc;
	while ((rc = db_step(st)) == 1) {
		if (*n == cap) {
			struct party *g = arena_calloc(r->a, cap * 2, sizeof *g);
			if (g == NULL) {
				e = XA_ENOMEM;
				break;
			}
			memcpy(g, *out, cap * sizeof *g);
			*out = g;
			cap *= 2;
		}
		struct party *p = &(*out)[(*n)++];
		p->id = db_col_int(st, 0);
		p->role = arena_strdup(r->a, db_col_text(st, 1));
		p->alias = arena_strdup(r->a, db_col_text(st, 2));
		p->compulsory = db_col_int(st, 4) != 0;
		p->ref = arena_strdup(r->a, db_col_text(st, 5));
		p->label = alias_text(r, p->alias);
		if (key != NULL && db_col_len(st, 3) > 0) {
			char *name = NULL;
			size_t len = 0;
			if (open_blob(r->a, key, db_col_blob(st, 3), db_col_len(st, 3), &name,
			    &len) == XA_OK && len > 0)
				p->label = name;
		}
		if (p->role == NULL || p->alias == NULL || p->ref == NULL || p->label == NULL) {
			e = XA_ENOMEM;
			break;
		}
	}
	if (e == XA_OK && rc < 0)
		e = (xa_err)-rc;
	db_done(st);
	return e;
}

static const struct party *
party_find(const struct party *v, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].id == id)
			return &v[i];
	return NULL;
}

/* The text of a sealed event body {"text": ...} (what this file writes),
 * or "" when there is none or it does not open. */
static const char *
body_text(req *r, const uint8_t *key, const void *blob, size_t len)
{
	char *s = NULL;
	size_t n = 0;
	if (key == NULL || blob == NULL || len == 0 ||
	    open_blob(r->a, key, blob, len, &s, &n) != XA_OK)
		return "";
	json_t *j = json_loadb(s, n, 0, NULL);
	const char *t = json_string_value(json_object_get(j, "text"));
	char *copy = t ? arena_strdup(r->a, t) : NULL;
	json_decref(j);
	return copy ? copy : "";
}

/* Sealed texts of the case's events that this file wrote, by event id. */
struct etext {
	int64_t id;
	const char *kind;
	int64_t measure_id;	/* measure_done: which measure */
	const char *text;
	json_t *meta;
};

static xa_err
events_load(req *r, const case_row *c, const uint8_t *key, struct etext **out, size_t *n)
{
	db_stmt *st = NULL;
	size_t cap = 16;
	*n = 0;
	*out = arena_calloc(r->a, cap, sizeof **out);
	if (*out == NULL)
		return XA_ENOMEM;
	xa_err e = db_prepare(r->rdb, "SELECT id, kind, meta, body FROM case_events"
	    " WHERE case_id = ? AND kind IN ('measure', 'measure_done', 'protection', 'followup')"
	    " ORDER BY id", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, c->id);
	int rc;
	while ((rc = db_step(st)) == 1) {
		if (*n == cap) {
			struct etext *g = arena_calloc(r->a, cap * 2, sizeof *g);
			if (g == NULL) {
				e = XA_ENOMEM;
				break;
			}
			memcpy(g, *out, cap * sizeof *g);
			*out = g;
			cap *= 2;
		}
		struct etext *t = &(*out)[(*n)++];
		t->id = db_col_int(st, 0);
		t->kind = arena_strdup(r->a, db_col_text(st, 1));
		json_t *meta = json_loads(db_col_text(st, 2), 0, NULL);
		t->measure_id = json_integer_value(json_object_get(meta, "measure_id"));
		t->meta = meta;
		t->text = body_text(r, key, db_col_blob(st, 3), db_col_len(st, 3));
		if (t->kind == NULL) {
			e = XA_ENOMEM;
			break;
		}
	}
	if (e == XA_OK && rc < 0)
		e = (xa_err)-rc;
	db_done(st);
	return e;
}

static void
events_free(struct etext *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(v[i].meta);
}

static const struct etext *
event_find(const struct etext *v, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].id == id)
			return &v[i];
	return NULL;
}

/* Whether follow-up check-ins (事后干预) belong in a case in state s: once
 * measures are being carried out, or in follow-up — never before any
 * measure was decided. */
static int
followup_time(enum case_state s)
{
	return s == CS_MEASURES || s == CS_FOLLOW_UP;
}

/* Whether measures may be decided in c now: found to be bullying, and
 * determined or already deciding measures. */
static int
decidable(const case_row *c)
{
	return strcmp(c->finding, "bullying") == 0 &&
	    (c->state == CS_DETERMINED || c->state == CS_MEASURES);
}

/* The earlier findings against the case's perpetrators, as suggestions
 * for the committee: [{party, number, href}]. Only cases the reader may
 * open are named: that a student was found to have bullied in another
 * case is itself part of that case's file. */
static json_t *
suggestions_json(req *r, const case_row *c, const struct party *pv, size_t np, int64_t now)
{
	json_t *list = json_array();
	for (size_t i = 0; i < np; i++) {
		if (strcmp(pv[i].role, "perpetrator") != 0 || pv[i].ref[0] == '\0')
			continue;
		db_stmt *st = NULL;
		if (db_prepare(r->rdb, "SELECT DISTINCT c2.id, c2.year, c2.seq, c2.opened_at"
		    " FROM case_parties p2 JOIN cases c2 ON c2.id = p2.case_id"
		    " WHERE p2.student_ref = ? AND p2.role = 'perpetrator' AND c2.unit_id = ?"
		    " AND c2.finding = 'bullying' AND c2.id <> ?"
		    " AND (c2.opened_at < ? OR (c2.opened_at = ? AND c2.id < ?))"
		    " ORDER BY c2.opened_at, c2.id", &st) != XA_OK)
			continue;
		db_bind_text(st, 1, pv[i].ref, -1);
		db_bind_int(st, 2, c->unit_id);
		db_bind_int(st, 3, c->id);
		db_bind_int(st, 4, c->opened_at);
		db_bind_int(st, 5, c->opened_at);
		db_bind_int(st, 6, c->id);
		int64_t ids[16];
		int years[16], seqs[16];
		size_t k = 0;
		while (k < 16 && db_step(st) == 1) {
			ids[k] = db_col_int(st, 0);
			years[k] = (int)db_col_int(st, 1);
			seqs[k] = (int)db_col_int(st, 2);
			k++;
		}
		db_done(st);
		for (size_t q = 0; q < k; q++) {
			char number[16], href[40];
			case_access a2;
			memset(&a2, 0, sizeof a2);
			if (case_access_for(r->rdb, r->user, ids[q], c->unit_path, now, &a2) != XA_OK ||
			    !a2.read)
				continue;
			case_number(years[q], seqs[q], number);
			snprintf(href, sizeof href, "/cases/%lld", (long long)ids[q]);
			json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s}", "party_id",
			    (json_int_t)pv[i].id, "party", pv[i].label, "number", number, "href", href));
		}
	}
	return list;
}

/* The catalogue offered when deciding: the school's measures (or the
 * default) up to the case's tier, grouped by tier: [{label, options:
 * [{code, label}]}]. */
static json_t *
options_json(req *r, const case_row *c)
{
	json_t *groups = json_array();
	struct clist l;
	int own = 0;
	if (catalogue_effective(r->rdb, r->a, c->unit_id, &l, &own) != XA_OK)
		return groups;
	int top = tier_rank(c->tier);
	if (top < 0)
		top = 3;
	static const char *const order[] = { "general", "serious", "repeated", "unlawful" };
	for (int t = 0; t <= top; t++) {
		json_t *opts = json_array();
		for (size_t i = 0; i < l.n; i++) {
			const struct citem *it = &l.v[i];
			if (!it->active || strcmp(it->tier, order[t]) != 0)
				continue;
			const char *name = measure_label(r, it->code, it->name);
			const char *kl = label(r, "measure.kind", it->kind);
			const char *text = name;
			if (strcmp(it->kind, "discipline") != 0 && strcmp(kl, name) != 0)
				text = paren(r, name, kl);
			if (it->grade[0] != '\0' && grade_needs_noncompulsory(it->grade))
				text = arena_printf(r->a, "%s %s", text ? text : name,
				    i18n(r->lang, "measures.noncompulsory_only"));
			json_array_append_new(opts, json_pack("{s:s, s:s, s:s}", "code", it->code,
			    "label", text ? text : name, "kind", it->kind));
		}
		if (json_array_size(opts) > 0)
			json_array_append_new(groups, json_pack("{s:s, s:o}", "label",
			    label(r, "tier", order[t]), "options", opts));
		else
			json_decref(opts);
	}
	return groups;
}

/* Builds the measures part of the case page's model; with_sealed adds
 * the notes, plans and check-in texts (only when the reader sees
 * identities, and only for a caller that audits the read). */
static void
measures_model(req *r, const case_row *c, const case_access *acc, json_t *model,
    int with_sealed)
{
	int64_t now = now_s();
	char today[11], d1[11], d2[11], d3[11];
	date_of(r, now, today);
	int can_write = acc->write && !case_state_final(c->state);
	int can_decide = can_write && decidable(c);
	uint8_t keybuf[32];
	const uint8_t *key = NULL;
	if (with_sealed && acc->identities && case_row_key(r, c, keybuf) == XA_OK)
		key = keybuf;
	struct party *pv = NULL;
	size_t np = 0;
	struct etext *ev = NULL;
	size_t ne = 0;
	if (parties_load(r, c, key, &pv, &np) != XA_OK)
		np = 0;
	if (events_load(r, c, key, &ev, &ne) != XA_OK)
		ne = 0;
	char base[40];
	snprintf(base, sizeof base, "/cases/%lld", (long long)c->id);

	/* The measures decided. */
	json_t *measures = json_array();
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT m.id, m.party_id, m.kind, m.name, m.grade, m.decided_at,"
	    " m.guardians_told_at, m.done_at, coalesce(m.event_id, 0), coalesce(mc.code, ''),"
	    " coalesce(a.display_name, '')"
	    " FROM case_measures m LEFT JOIN measure_catalogue mc ON mc.id = m.catalogue_id"
	    " LEFT JOIN accounts a ON a.id = m.decided_by"
	    " WHERE m.case_id = ? ORDER BY m.id", &st) == XA_OK) {
		db_bind_int(st, 1, c->id);
		while (db_step(st) == 1) {
			int64_t mid = db_col_int(st, 0);
			const struct party *p = party_find(pv, np, db_col_int(st, 1));
			const char *kind = db_col_text(st, 2), *grade = db_col_text(st, 4);
			int64_t told = db_col_int(st, 6), done = db_col_int(st, 7);
			date_of(r, db_col_int(st, 5), d1);
			date_of(r, told, d2);
			date_of(r, done, d3);
			const struct etext *de = event_find(ev, ne, db_col_int(st, 8));
			const char *done_note = "";
			for (size_t i = 0; i < ne; i++)
				if (strcmp(ev[i].kind, "measure_done") == 0 && ev[i].measure_id == mid)
					done_note = ev[i].text;
			json_array_append_new(measures, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s,"
			    " s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:s, s:s, s:b, s:b}",
			    "id", (json_int_t)mid, "party_id", (json_int_t)db_col_int(st, 1),
			    "party", p ? p->label : "", "role_label", label(r, "party.role",
			    p ? p->role : ""), "kind", kind, "kind_label", label(r, "measure.kind", kind),
			    "name", db_col_text(st, 3), "label", measure_label(r, db_col_text(st, 9),
			    db_col_text(st, 3)), "grade", grade, "grade_label", label(r, "grade", grade),
			    "decided_on", d1, "decided_by", db_col_text(st, 10), "told_on", d2,
			    "done_on", d3, "told", told != 0, "done", done != 0,
			    "note", de ? de->text : "", "done_note", done_note,
			    "can_tell", can_write && told == 0, "can_done", can_write && done == 0));
		}
		db_done(st);
	}

	/* Check-ins and protection reviews. */
	json_t *reviews = json_array();
	if (db_prepare(r->rdb, "SELECT id, coalesce(party_id, 0), kind, due_on, done_at,"
	    " coalesce(event_id, 0) FROM case_reviews WHERE case_id = ? ORDER BY due_on, id",
	    &st) == XA_OK) {
		db_bind_int(st, 1, c->id);
		while (db_step(st) == 1) {
			const struct party *p = party_find(pv, np, db_col_int(st, 1));
			const char *kind = db_col_text(st, 2), *due = db_col_text(st, 3);
			int64_t done = db_col_int(st, 4);
			const struct etext *de = event_find(ev, ne, db_col_int(st, 5));
			date_of(r, done, d1);
			json_array_append_new(reviews, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s,"
			    " s:b, s:b, s:s, s:s, s:b}", "id", (json_int_t)db_col_int(st, 0),
			    "party_id", (json_int_t)db_col_int(st, 1), "party", p ? p->label : "",
			    "role_label", label(r, "party.role", p ? p->role : ""), "kind", kind,
			    "kind_label", strcmp(kind, "followup") == 0 ?
			    i18n(r->lang, "review.kind.followup") : i18n(r->lang, "review.kind.protection"),
			    "due_on", due, "overdue", done == 0 && strcmp(due, today) < 0,
			    "done", done != 0, "done_on", d1, "text", de ? de->text : "",
			    "can_done", can_write && done == 0 && (strcmp(kind, "followup") != 0 ||
			    followup_time(c->state))));
		}
		db_done(st);
	}

	/* Protection plans. */
	json_t *plans = json_array();
	for (size_t i = 0; i < ne; i++) {
		if (strcmp(ev[i].kind, "protection") != 0)
			continue;
		const struct party *p = party_find(pv, np,
		    json_integer_value(json_object_get(ev[i].meta, "party_id")));
		json_t *dates = json_array();
		size_t k;
		json_t *d;
		json_array_foreach(json_object_get(ev[i].meta, "review_dates"), k, d)
			if (json_is_string(d))
				json_array_append(dates, d);
		json_array_append_new(plans, json_pack("{s:s, s:s, s:o}", "party", p ? p->label : "",
		    "text", ev[i].text, "dates", dates));
	}
	events_free(ev, ne);

	/* The parties the forms offer. */
	json_t *all = json_array(), *victims = json_array(), *sides = json_array();
	int lacking = 0;
	for (size_t i = 0; i < np; i++) {
		const char *text = paren(r, pv[i].label, label(r, "party.role", pv[i].role));
		json_t *o = json_pack("{s:I, s:s, s:b}", "id", (json_int_t)pv[i].id, "label",
		    text ? text : pv[i].label, "compulsory", pv[i].compulsory != 0);
		json_array_append(all, o);
		if (strcmp(pv[i].role, "victim") == 0)
			json_array_append(victims, o);
		if (strcmp(pv[i].role, "victim") == 0 || strcmp(pv[i].role, "perpetrator") == 0) {
			json_array_append(sides, o);
			int has = 0;
			size_t k;
			json_t *rv;
			json_array_foreach(reviews, k, rv)
				has |= json_integer_value(json_object_get(rv, "party_id")) == pv[i].id &&
				    strcmp(json_string_value(json_object_get(rv, "kind")), "followup") == 0;
			lacking += !has;
		}
		json_decref(o);
	}

	json_object_set_new(model, "measures_section", json_true());
	json_object_set_new(model, "measures_waiting", json_boolean(!decidable(c) &&
	    json_array_size(measures) == 0 && strcmp(c->finding, "not_bullying") != 0));
	json_object_set_new(model, "measures", measures);
	json_object_set_new(model, "reviews", reviews);
	json_object_set_new(model, "measures_plans", plans);
	json_object_set_new(model, "measures_can_write", json_boolean(can_write));
	json_object_set_new(model, "measures_can_decide", json_boolean(can_decide));
	json_object_set_new(model, "measures_base", jstr(base));
	json_object_set_new(model, "measures_today", jstr(today));
	json_object_set_new(model, "measures_parties", can_write ? all : json_array());
	json_object_set_new(model, "measures_victims", can_write ? victims : json_array());
	json_object_set_new(model, "measures_sides", can_write ? sides : json_array());
	if (!can_write) {
		json_decref(all);
		json_decref(victims);
		json_decref(sides);
	}
	json_object_set_new(model, "catalogue", can_decide ? options_json(r, c) : json_array());
	/* For those who decide measures only. */
	json_object_set_new(model, "suggestions", decidable(c) && acc->write ?
	    suggestions_json(r, c, pv, np, now) : json_array());
	/* Once measures are decided: the first check-ins, due after the
	 * bureau's follow-up days, for each side's students not yet planned. */
	json_t *offer = json_false();
	long days = setting_get(r->rdb, S_CASE_FOLLOWUP_DAYS);
	char due[11];
	day_format(day_of(now, case_zone(r)) + (xa_day)days, due);
	json_object_set_new(model, "measures_due_default", jstr(due));
	if (can_write && lacking > 0 && (c->state == CS_MEASURES || c->state == CS_FOLLOW_UP)) {
		json_decref(offer);
		offer = json_pack("{s:s, s:I, s:i}", "due_on", due, "days", (json_int_t)days,
		    "students", lacking);
	}
	json_object_set_new(model, "measures_followup", offer);
	/* Whether follow-up check-ins may be planned now (for the forms). */
	json_object_set_new(model, "measures_followup_open", json_boolean(can_write &&
	    followup_time(c->state)));
	json_object_set_new(model, "measures_sealed_shown", json_boolean(key != NULL));
	OPENSSL_cleanse(keybuf, sizeof keybuf);
}

void
measures_case_model(req *r, const case_row *c, const case_access *acc, json_t *model)
{
	if (r == NULL || c == NULL || acc == NULL || model == NULL || !acc->read)
		return;
	measures_model(r, c, acc, model, 1);
}

/* GET /api/v1/cases/{id}/measures: the measures part without sealed
 * texts (so no read of sealed content to audit). */
static void
measures_show(req *r)
{
	case_row c;
	case_access acc;
	if (!case_load_or_404(r, &c, &acc))
		return;
	json_t *m = json_object();
	measures_model(r, &c, &acc, m, 0);
	json_object_set_new(m, "case_id", json_integer(c.id));
	json_object_set_new(m, "number", jstr(c.number));
	req_json(r, 200, m);
}

/* An error of a case's form: JSON for the API; for a page, a small page
 * with the message and the way back to the case. */
static void
fail(req *r, const case_row *c, int status, const char *code, const char *fname)
{
	if (is_api(r) || c == NULL) {
		req_error(r, status, code, fname);
		return;
	}
	char key[96], back[48];
	snprintf(key, sizeof key, "error.%s", code);
	snprintf(back, sizeof back, "/cases/%lld#measures", (long long)c->id);
	json_t *m = json_pack("{s:{s:s}, s:s, s:s}", "page", "title_key",
	    "measures.error_title", "measures_error", i18n(r->lang, key), "measures_back", back);
	req_render(r, status, "case_measures", m);
}

/* Loads the route's case and checks that r may add to it now; answers
 * itself and returns 0 when not. */
static int
case_writable(req *r, case_row *c, case_access *acc)
{
	if (!case_load_or_404(r, c, acc))
		return 0;
	if (!acc->write) {
		req_error(r, 403, "forbidden", NULL);
		return 0;
	}
	if (case_state_final(c->state)) {
		fail(r, c, 409, "measures_closed", NULL);
		return 0;
	}
	return 1;
}

/* One write of this file: what it records, and what it answers. */
struct mjob {
	req *r;
	int64_t case_id;
	int64_t party_id;
	int64_t item_id;		/* the measure or review */
	/* A decision. */
	int64_t catalogue_id;
	const char *code;		/* a default measure not yet written */
	const char *kind, *name, *grade;
	/* What the chronology gets. */
	const char *ekind;
	const char *meta;		/* plain JSON, or NULL (built in run) */
	const char *body;		/* plain JSON, sealed by the store */
	size_t body_len;
	int64_t at;			/* when it happened */
	/* Reviews to plan. */
	int64_t *parties;
	const char **dues;
	const char *rkind;
	size_t nreviews;
	int decide;			/* the case must still be decidable */
	int followup;			/* the case must be in measures or follow-up */
	int64_t now;
	audit_entry who;
	int64_t out_id, event_id;
};

/* The case's state on the writer's connection: XA_ECONFLICT when it has
 * since been closed (or, for a decision, is no longer decidable; for a
 * follow-up check-in, no longer in measures or follow-up). */
static xa_err
still_open(db *conn, const struct mjob *j)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT state, finding FROM cases WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, j->case_id);
	int rc = db_step(st);
	enum case_state s = CS_CLOSED;
	int bullying = 0;
	if (rc == 1) {
		case_state_parse(db_col_text(st, 0), &s);
		bullying = strcmp(db_col_text(st, 1), "bullying") == 0;
	}
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (rc == 0 || case_state_final(s))
		return XA_ECONFLICT;
	if (j->decide && !(bullying && (s == CS_DETERMINED || s == CS_MEASURES)))
		return XA_ECONFLICT;
	if (j->followup && !followup_time(s))
		return XA_ECONFLICT;
	return XA_OK;
}

static xa_err
exec_ids(db *conn, const char *sql, int64_t a, int64_t b)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, sql, &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, a);
	db_bind_int(st, 2, b);
	int rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* Appends the job's event (kind ekind, meta, body) at j->at. */
static xa_err
add_event(db *conn, struct mjob *j, const char *meta)
{
	event_new ev = {
		.case_id = j->case_id, .kind = j->ekind, .party_id = j->party_id,
		.occurred_at = j->at, .author_id = j->r->user->account_id,
		.meta = meta, .body = j->body, .body_len = j->body_len,
	};
	return case_event_add(conn, &ev, &j->who, j->now, &j->event_id);
}

static xa_err
decide_run(db *conn, void *p)
{
	struct mjob *j = p;
	xa_err e = still_open(conn, j);
	if (e != XA_OK)
		return e;
	if (j->catalogue_id == 0 && j->code != NULL) {
		/* A measure of the default catalogue, written on first use. */
		if ((e = ensure_defaults(conn, j->now)) != XA_OK)
			return e;
		db_stmt *st = NULL;
		if ((e = db_prepare(conn, "SELECT id FROM measure_catalogue WHERE unit_id IS NULL"
		    " AND code = ?", &st)) != XA_OK)
			return e;
		db_bind_text(st, 1, j->code, -1);
		if (db_step(st) == 1)
			j->catalogue_id = db_col_int(st, 0);
		db_done(st);
	}
	db_stmt *st = NULL;
	if ((e = db_prepare(conn, "INSERT INTO case_measures (case_id, party_id, catalogue_id,"
	    " kind, name, grade, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, j->case_id);
	db_bind_int(st, 2, j->party_id);
	if (j->catalogue_id)
		db_bind_int(st, 3, j->catalogue_id);
	else
		db_bind_null(st, 3);
	db_bind_text(st, 4, j->kind, -1);
	db_bind_text(st, 5, j->name, -1);
	db_bind_text(st, 6, j->grade, -1);
	db_bind_int(st, 7, j->r->user->account_id);
	db_bind_int(st, 8, j->now);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	j->out_id = db_last_id(conn);
	json_t *meta = json_pack("{s:I, s:s, s:s, s:s, s:I}", "measure_id", (json_int_t)j->out_id,
	    "kind", j->kind, "name", j->name, "grade", j->grade, "party_id",
	    (json_int_t)j->party_id);
	char *ms = meta ? json_dumps(meta, JSON_COMPACT) : NULL;
	json_decref(meta);
	if (ms == NULL)
		return XA_ENOMEM;
	e = add_event(conn, j, ms);
	free(ms);
	if (e != XA_OK)
		return e;
	return exec_ids(conn, "UPDATE case_measures SET event_id = ? WHERE id = ?", j->event_id,
	    j->out_id);
}

/* told and done: one column of the measure, once, and its event. */
static xa_err
mark_run(db *conn, void *p)
{
	struct mjob *j = p;
	xa_err e = still_open(conn, j);
	if (e != XA_OK)
		return e;
	int told = strcmp(j->ekind, "measure_told") == 0;
	db_stmt *st = NULL;
	e = db_prepare(conn, told ?
	    "UPDATE case_measures SET guardians_told_at = ? WHERE id = ? AND case_id = ?"
	    " AND guardians_told_at = 0" :
	    "UPDATE case_measures SET done_at = ? WHERE id = ? AND case_id = ? AND done_at = 0",
	    &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, j->at);
	db_bind_int(st, 2, j->item_id);
	db_bind_int(st, 3, j->case_id);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (db_changes(conn) == 0)
		return XA_EEXIST;
	return add_event(conn, j, j->meta);
}

/* Plans check-ins (and, for a protection plan, first records the plan). */
static xa_err
plan_run(db *conn, void *p)
{
	struct mjob *j = p;
	xa_err e = still_open(conn, j);
	if (e != XA_OK)
		return e;
	if (j->ekind != NULL && (e = add_event(conn, j, j->meta)) != XA_OK)
		return e;
	for (size_t i = 0; i < j->nreviews; i++) {
		db_stmt *st = NULL;
		if ((e = db_prepare(conn, "INSERT INTO case_reviews (case_id, party_id, kind, due_on)"
		    " VALUES (?, ?, ?, ?)", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, j->case_id);
		db_bind_int(st, 2, j->parties[i]);
		db_bind_text(st, 3, j->rkind, -1);
		db_bind_text(st, 4, j->dues[i], -1);
		int rc = db_step(st);
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
		if (i == 0)
			j->out_id = db_last_id(conn);
	}
	if (j->ekind != NULL)
		return XA_OK;	/* the event's own audit record covers the plan */
	return audit_req(conn, j->r, "case.review_plan", "case", j->case_id, "case_reviews",
	    j->now);
}

/* A check-in done: its event, then the review's date and event. */
static xa_err
review_done_run(db *conn, void *p)
{
	struct mjob *j = p;
	xa_err e = still_open(conn, j);
	if (e != XA_OK)
		return e;
	db_stmt *st = NULL;
	if ((e = db_prepare(conn, "SELECT done_at FROM case_reviews WHERE id = ? AND case_id = ?",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, j->item_id);
	db_bind_int(st, 2, j->case_id);
	int rc = db_step(st);
	int64_t done = rc == 1 ? db_col_int(st, 0) : -1;
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (done != 0)
		return done < 0 ? XA_ENOTFOUND : XA_EEXIST;
	if ((e = add_event(conn, j, j->meta)) != XA_OK)
		return e;
	if ((e = db_prepare(conn, "UPDATE case_reviews SET done_at = ?, event_id = ? WHERE id = ?",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, j->at);
	db_bind_int(st, 2, j->event_id);
	db_bind_int(st, 3, j->item_id);
	rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* The answer to a case write: the API gets the new ids and the measures
 * part (without sealed texts); a page goes back to the case. */
static void
mjob_done(req *r, void *ctx, xa_err result)
{
	struct mjob *j = ctx;
	case_row c;
	case_access acc;
	if (result != XA_OK) {
		memset(&c, 0, sizeof c);
		c.id = j->case_id;
		snprintf(c.number, sizeof c.number, "%s", "");
		const char *code = result == XA_ECONFLICT ? "measures_changed" :
		    result == XA_EEXIST ? "measures_already" :
		    result == XA_ENOTFOUND ? "not_found" : "unavailable";
		int status = result == XA_ECONFLICT || result == XA_EEXIST ? 409 :
		    result == XA_ENOTFOUND ? 404 : 503;
		fail(r, status == 503 ? NULL : &c, status, code, NULL);
		return;
	}
	if (!is_api(r)) {
		char to[48];
		snprintf(to, sizeof to, "/cases/%lld#measures", (long long)j->case_id);
		req_redirect(r, to);
		return;
	}
	json_t *m = json_object();
	if (case_load(r, j->case_id, &c, &acc) == XA_OK)
		measures_model(r, &c, &acc, m, 0);
	json_object_set_new(m, "id", json_integer(j->out_id));
	if (j->event_id)
		json_object_set_new(m, "event_id", json_integer(j->event_id));
	req_json(r, j->item_id ? 200 : 201, m);
}

/* A new job for r on case c. */
static struct mjob *
mjob_new(req *r, const case_row *c)
{
	struct mjob *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return NULL;
	}
	j->r = r;
	j->case_id = c->id;
	j->now = now_s();
	j->at = j->now;
	case_who(r, &j->who);
	return j;
}

/* {"text": s} as the plain body of an event (sealed by the store). */
static int
set_body(req *r, struct mjob *j, const char *s)
{
	if (s == NULL || s[0] == '\0')
		return 1;
	json_t *b = json_pack("{s:s}", "text", s);
	char *t = b ? json_dumps(b, JSON_COMPACT) : NULL;
	json_decref(b);
	if (t == NULL)
		return 0;
	j->body = arena_strdup(r->a, t);
	j->body_len = strlen(t);
	free(t);
	return j->body != NULL;
}

/* meta as compact JSON text in the arena; takes the reference. */
static const char *
meta_text(req *r, json_t *meta)
{
	char *t = meta ? json_dumps(meta, JSON_COMPACT) : NULL;
	json_decref(meta);
	const char *s = t ? arena_strdup(r->a, t) : NULL;
	free(t);
	return s;
}

/* The party_id of r->in, checked to be a party of c: its row, or NULL
 * with the error answered. */
static int
party_of(req *r, const case_row *c, int64_t id, struct party *out)
{
	struct party *pv = NULL;
	size_t np = 0;
	if (parties_load(r, c, NULL, &pv, &np) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return 0;
	}
	const struct party *p = party_find(pv, np, id);
	if (p == NULL) {
		fail(r, c, 400, "measures_party", "party_id");
		return 0;
	}
	*out = *p;
	return 1;
}

static const field decide_fields[] = {
	{ "party_id", FT_INT, F_REQUIRED, 1, ID_MAX, NULL },
	{ "catalogue_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ "code", FT_TOKEN, 0, 1, CODE_MAX, NULL },
	{ "kind", FT_ENUM, 0, 0, 0, measure_kinds },
	{ "name", FT_STRING, 0, 1, NAME_MAX_CP, NULL },
	{ "grade", FT_ENUM, 0, 0, 0, discipline_grades },
	{ "note", FT_TEXT, 0, 0, TEXT_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* Finds the catalogue measure a decision names: by id (an active measure
 * of the school's own catalogue or of the default), or by code (in the
 * catalogue the school is offered). 0 when there is none; *unwritten is
 * set for a built-in measure not yet in the table. */
static int
resolve_measure(req *r, const case_row *c, int64_t id, const char *code, struct citem *out,
    int *unwritten)
{
	*unwritten = 0;
	if (id != 0) {
		db_stmt *st = NULL;
		int ok = 0;
		if (db_prepare(r->rdb, "SELECT coalesce(unit_id, 0), tier, kind, code, name, grade,"
		    " active FROM measure_catalogue WHERE id = ?", &st) != XA_OK)
			return 0;
		db_bind_int(st, 1, id);
		if (db_step(st) == 1) {
			int64_t unit = db_col_int(st, 0);
			ok = (unit == 0 || unit == c->unit_id) && db_col_int(st, 6) != 0;
			*out = (struct citem){ .id = id,
			    .tier = arena_strdup(r->a, db_col_text(st, 1)),
			    .kind = arena_strdup(r->a, db_col_text(st, 2)),
			    .code = arena_strdup(r->a, db_col_text(st, 3)),
			    .name = arena_strdup(r->a, db_col_text(st, 4)),
			    .grade = arena_strdup(r->a, db_col_text(st, 5)), .active = 1 };
			ok = ok && out->tier && out->kind && out->code && out->name && out->grade;
		}
		db_done(st);
		return ok;
	}
	struct clist l;
	int own = 0;
	if (catalogue_effective(r->rdb, r->a, c->unit_id, &l, &own) != XA_OK)
		return 0;
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i].active && strcmp(l.v[i].code, code) == 0) {
			*out = l.v[i];
			*unwritten = out->id == 0;
			return 1;
		}
	}
	return 0;
}

/* POST /api/v1/cases/{id}/measures, POST /cases/{id}/measures: the
 * committee decides a measure for one party. */
static void
decide(req *r)
{
	case_row c;
	case_access acc;
	if (!case_writable(r, &c, &acc))
		return;
	if (!decidable(&c)) {
		fail(r, &c, 409, "measures_not_determined", NULL);
		return;
	}
	struct party p;
	if (!party_of(r, &c, input_int(r->in, "party_id", 0), &p))
		return;
	int64_t cid = input_int(r->in, "catalogue_id", 0);
	const char *code = input_str(r->in, "code");
	struct citem m;
	int unwritten = 0;
	if (cid != 0 || code != NULL) {
		if (!resolve_measure(r, &c, cid, code, &m, &unwritten)) {
			fail(r, &c, 400, "measures_catalogue", cid ? "catalogue_id" : "code");
			return;
		}
	} else {
		const char *kind = input_str(r->in, "kind"), *name = input_str(r->in, "name");
		const char *grade = input_str(r->in, "grade");
		if (kind == NULL || name == NULL) {
			fail(r, &c, 400, "measures_what", kind == NULL ? "kind" : "name");
			return;
		}
		m = (struct citem){ .tier = "", .kind = kind, .code = "", .name = name,
		    .grade = grade ? grade : "", .active = 1 };
		const char *bad = item_check(&m);
		if (bad != NULL) {
			fail(r, &c, 400, strcmp(bad, "measures_item_name") == 0 ? "measures_what" : bad,
			    strcmp(bad, "measures_item_name") == 0 ? "name" : "grade");
			return;
		}
	}
	if (!kind_fits_role(m.kind, p.role)) {
		fail(r, &c, 400, strcmp(m.kind, "protection") == 0 ? "measures_victims_only" :
		    "measures_perpetrators_only", "party_id");
		return;
	}
	if (m.grade[0] != '\0' && grade_needs_noncompulsory(m.grade) && p.compulsory) {
		fail(r, &c, 400, "measures_compulsory", "grade");
		return;
	}
	struct mjob *j = mjob_new(r, &c);
	if (j == NULL)
		return;
	j->decide = 1;
	j->party_id = p.id;
	j->catalogue_id = m.id;
	j->code = unwritten ? m.code : NULL;
	j->kind = m.kind;
	j->name = m.name;
	j->grade = m.grade;
	j->ekind = "measure";
	if (!set_body(r, j, input_str(r->in, "note"))) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_write(r, decide_run, j, mjob_done);
}

static const char *const told_methods[] = {
	"in_person", "phone", "letter", "message", "other", NULL,
};

static const field told_fields[] = {
	{ "told_at", FT_DATE, 0, 0, 0, NULL },
	{ "method", FT_ENUM, 0, 0, 0, told_methods },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field done_fields[] = {
	{ "done_at", FT_DATE, 0, 0, 0, NULL },
	{ "note", FT_TEXT, 0, 0, TEXT_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The measure {mid} of case c: its party and when it was decided, or 0
 * with 404 answered. */
static int
measure_of(req *r, const case_row *c, int64_t *mid, int64_t *party, int64_t *decided)
{
	db_stmt *st = NULL;
	int found = 0;
	if (req_param_int(r, "mid", mid) == XA_OK &&
	    db_prepare(r->rdb, "SELECT party_id, decided_at FROM case_measures WHERE id = ?"
	    " AND case_id = ?", &st) == XA_OK) {
		db_bind_int(st, 1, *mid);
		db_bind_int(st, 2, c->id);
		if (db_step(st) == 1) {
			*party = db_col_int(st, 0);
			*decided = db_col_int(st, 1);
			found = 1;
		}
		db_done(st);
	}
	if (!found)
		req_error(r, 404, "not_found", NULL);
	return found;
}

/* POST .../measures/{mid}/told and .../done: the guardians were told of
 * the measure (预防未成年人犯罪法 第三十二条), or it was carried out. */
static void
mark(req *r, int told)
{
	case_row c;
	case_access acc;
	int64_t mid = 0, party = 0, decided = 0;
	if (!case_writable(r, &c, &acc) || !measure_of(r, &c, &mid, &party, &decided))
		return;
	struct mjob *j = mjob_new(r, &c);
	if (j == NULL)
		return;
	const char *day = input_str(r->in, told ? "told_at" : "done_at");
	j->at = when_of(r, day, j->now);
	if (j->at < 0) {
		fail(r, &c, 400, "measures_future", told ? "told_at" : "done_at");
		return;
	}
	/* Not before the measure was decided: on its own day, no earlier
	 * than the moment it was. */
	long zone = case_zone(r);
	if (decided > 0 && day_of(j->at, zone) < day_of(decided, zone)) {
		fail(r, &c, 400, "measures_before_decided", told ? "told_at" : "done_at");
		return;
	}
	if (j->at < decided)
		j->at = decided;
	char on[11];
	date_of(r, j->at, on);
	j->item_id = mid;
	j->party_id = party;
	j->ekind = told ? "measure_told" : "measure_done";
	const char *method = input_str(r->in, "method");
	j->meta = meta_text(r, told ?
	    json_pack("{s:I, s:I, s:s, s:s}", "measure_id", (json_int_t)mid, "party_id",
	    (json_int_t)party, "method", method ? method : "", "on", on) :
	    json_pack("{s:I, s:I, s:s}", "measure_id", (json_int_t)mid, "party_id",
	    (json_int_t)party, "on", on));
	if (j->meta == NULL || (!told && !set_body(r, j, input_str(r->in, "note")))) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_write(r, mark_run, j, mjob_done);
}

static void
told(req *r)
{
	mark(r, 1);
}

static void
done(req *r)
{
	mark(r, 0);
}

static const char *const review_kinds[] = { "followup", "protection_review", NULL };

static const field review_fields[] = {
	{ "party_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ "kind", FT_ENUM, F_REQUIRED, 0, 0, review_kinds },
	{ "due_on", FT_DATE, F_REQUIRED, 0, 0, NULL },
	{ "every", FT_BOOL, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* POST /api/v1/cases/{id}/reviews {party_id, kind, due_on} plans a
 * check-in; {every: true, kind: followup, due_on} plans one for each
 * victim and perpetrator who has no follow-up yet. */
static void
review_plan(req *r)
{
	case_row c;
	case_access acc;
	if (!case_writable(r, &c, &acc))
		return;
	const char *kind = input_str(r->in, "kind"), *due = input_str(r->in, "due_on");
	json_t *every = json_object_get(r->in, "every");
	int followup = strcmp(kind, "followup") == 0;
	if (followup && !followup_time(c.state)) {
		fail(r, &c, 409, "measures_followup_early", "kind");
		return;
	}
	struct mjob *j = mjob_new(r, &c);
	if (j == NULL)
		return;
	j->followup = followup;
	j->rkind = kind;
	j->parties = arena_calloc(r->a, 64, sizeof *j->parties);
	j->dues = arena_calloc(r->a, 64, sizeof *j->dues);
	if (j->parties == NULL || j->dues == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (json_is_true(every)) {
		if (strcmp(kind, "followup") != 0) {
			fail(r, &c, 400, "measures_every", "kind");
			return;
		}
		struct party *pv = NULL;
		size_t np = 0;
		if (parties_load(r, &c, NULL, &pv, &np) != XA_OK) {
			req_error(r, 503, "unavailable", NULL);
			return;
		}
		for (size_t i = 0; i < np && j->nreviews < 64; i++) {
			if (strcmp(pv[i].role, "victim") != 0 && strcmp(pv[i].role, "perpetrator") != 0)
				continue;
			db_stmt *st = NULL;
			int64_t has = 1;
			if (db_prepare(r->rdb, "SELECT count(*) FROM case_reviews WHERE case_id = ?"
			    " AND party_id = ? AND kind = 'followup'", &st) == XA_OK) {
				db_bind_int(st, 1, c.id);
				db_bind_int(st, 2, pv[i].id);
				if (db_step(st) == 1)
					has = db_col_int(st, 0);
				db_done(st);
			}
			if (has)
				continue;
			j->parties[j->nreviews] = pv[i].id;
			j->dues[j->nreviews++] = due;
		}
		if (j->nreviews == 0) {
			fail(r, &c, 409, "measures_followup_planned", NULL);
			return;
		}
	} else {
		struct party p;
		if (input_str(r->in, "party_id") == NULL && json_object_get(r->in, "party_id") == NULL) {
			fail(r, &c, 400, "measures_party", "party_id");
			return;
		}
		if (!party_of(r, &c, input_int(r->in, "party_id", 0), &p))
			return;
		if (strcmp(kind, "protection_review") == 0 && strcmp(p.role, "victim") != 0) {
			fail(r, &c, 400, "measures_protection_victim", "party_id");
			return;
		}
		j->parties[0] = p.id;
		j->dues[0] = due;
		j->nreviews = 1;
	}
	req_write(r, plan_run, j, mjob_done);
}

static const field protection_fields[] = {
	{ "party_id", FT_INT, F_REQUIRED, 1, ID_MAX, NULL },
	{ "text", FT_TEXT, F_REQUIRED, 1, TEXT_MAX, NULL },
	{ "review_dates", FT_DATE, F_MULTI, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* POST /api/v1/cases/{id}/protection {party_id, text, review_dates}: the
 * victim's protection plan (sealed) as a "protection" event, and a
 * protection review for each date. */
static void
protection(req *r)
{
	case_row c;
	case_access acc;
	if (!case_writable(r, &c, &acc))
		return;
	struct party p;
	if (!party_of(r, &c, input_int(r->in, "party_id", 0), &p))
		return;
	if (strcmp(p.role, "victim") != 0) {
		fail(r, &c, 400, "measures_protection_victim", "party_id");
		return;
	}
	json_t *dates = json_object_get(r->in, "review_dates");
	size_t n = json_array_size(dates);
	if (n > MAX_DATES) {
		fail(r, &c, 400, "measures_dates_many", "review_dates");
		return;
	}
	struct mjob *j = mjob_new(r, &c);
	if (j == NULL)
		return;
	j->party_id = p.id;
	j->ekind = "protection";
	j->rkind = "protection_review";
	j->parties = arena_calloc(r->a, n ? n : 1, sizeof *j->parties);
	j->dues = arena_calloc(r->a, n ? n : 1, sizeof *j->dues);
	if (j->parties == NULL || j->dues == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		const char *d = json_string_value(json_array_get(dates, i));
		int again = 0;
		for (size_t k = 0; k < j->nreviews; k++)
			again |= strcmp(j->dues[k], d) == 0;
		if (again)
			continue;
		j->parties[j->nreviews] = p.id;
		j->dues[j->nreviews++] = arena_strdup(r->a, d);
		json_array_append_new(list, jstr(d));
	}
	j->meta = meta_text(r, json_pack("{s:I, s:o}", "party_id", (json_int_t)p.id,
	    "review_dates", list));
	if (j->meta == NULL || !set_body(r, j, input_str(r->in, "text"))) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	for (size_t i = 0; i < j->nreviews; i++)
		if (j->dues[i] == NULL) {
			req_error(r, 500, "internal", NULL);
			return;
		}
	req_write(r, plan_run, j, mjob_done);
}

static const field review_done_fields[] = {
	{ "text", FT_TEXT, F_REQUIRED, 1, TEXT_MAX, NULL },
	{ "done_at", FT_DATE, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* POST /api/v1/cases/{id}/reviews/{rid}/done {text, done_at}: the
 * check-in happened; its record (sealed) is a "followup" event. */
static void
review_done(req *r)
{
	case_row c;
	case_access acc;
	if (!case_writable(r, &c, &acc))
		return;
	int64_t rid = 0, party = 0;
	char kind[24] = "";
	db_stmt *st = NULL;
	int found = 0;
	if (req_param_int(r, "rid", &rid) == XA_OK &&
	    db_prepare(r->rdb, "SELECT coalesce(party_id, 0), kind FROM case_reviews"
	    " WHERE id = ? AND case_id = ?", &st) == XA_OK) {
		db_bind_int(st, 1, rid);
		db_bind_int(st, 2, c.id);
		if (db_step(st) == 1) {
			party = db_col_int(st, 0);
			snprintf(kind, sizeof kind, "%s", db_col_text(st, 1));
			found = 1;
		}
		db_done(st);
	}
	if (!found) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	int followup = strcmp(kind, "followup") == 0;
	if (followup && !followup_time(c.state)) {
		fail(r, &c, 409, "measures_followup_early", NULL);
		return;
	}
	struct mjob *j = mjob_new(r, &c);
	if (j == NULL)
		return;
	j->followup = followup;
	j->at = when_of(r, input_str(r->in, "done_at"), j->now);
	if (j->at < 0) {
		fail(r, &c, 400, "measures_future", "done_at");
		return;
	}
	j->item_id = rid;
	j->party_id = party;
	j->ekind = "followup";
	j->meta = meta_text(r, json_pack("{s:I, s:I, s:s}", "review_id", (json_int_t)rid,
	    "party_id", (json_int_t)party, "review_kind", kind));
	if (j->meta == NULL || !set_body(r, j, input_str(r->in, "text"))) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_write(r, review_done_run, j, mjob_done);
}

/* ------------------------------------------------------------------ */

#define API (R_API | R_AUTH)
#define PAGE R_AUTH

const route measures_routes[] = {
	{ M_GET, "/api/v1/catalogue", catalogue_show, API, catalogue_query, NULL, NULL,
	  "api_catalogue" },
	{ M_PUT, "/api/v1/catalogue", catalogue_put, API | R_RAW_BODY, NULL, NULL, NULL,
	  "api_catalogue_put" },
	{ M_POST, "/api/v1/catalogue/copy-defaults", catalogue_copy, API, NULL, copy_fields, NULL,
	  "api_catalogue_copy" },
	{ M_GET, "/catalogue", catalogue_show, PAGE, catalogue_query, NULL, "catalogue",
	  "catalogue" },
	{ M_POST, "/catalogue", catalogue_post, PAGE, NULL, catalogue_form_fields, "catalogue",
	  "catalogue_form" },
	{ M_POST, "/catalogue/copy-defaults", catalogue_copy, PAGE, NULL, copy_fields, "catalogue",
	  "catalogue_copy" },
	{ M_GET, "/api/v1/cases/{id:int}/measures", measures_show, API, NULL, NULL, NULL,
	  "api_case_measures" },
	{ M_POST, "/api/v1/cases/{id:int}/measures", decide, API, NULL, decide_fields, NULL,
	  "api_case_measure_add" },
	{ M_POST, "/api/v1/cases/{id:int}/measures/{mid:int}/told", told, API, NULL, told_fields,
	  NULL, "api_case_measure_told" },
	{ M_POST, "/api/v1/cases/{id:int}/measures/{mid:int}/done", done, API, NULL, done_fields,
	  NULL, "api_case_measure_done" },
	{ M_POST, "/api/v1/cases/{id:int}/reviews", review_plan, API, NULL, review_fields, NULL,
	  "api_case_review_add" },
	{ M_POST, "/api/v1/cases/{id:int}/reviews/{rid:int}/done", review_done, API, NULL,
	  review_done_fields, NULL, "api_case_review_done" },
	{ M_POST, "/api/v1/cases/{id:int}/protection", protection, API, NULL, protection_fields,
	  NULL, "api_case_protection" },
	{ M_POST, "/cases/{id:int}/measures", decide, PAGE, NULL, decide_fields, NULL,
	  "case_measure_add" },
	{ M_POST, "/cases/{id:int}/measures/{mid:int}/told", told, PAGE, NULL, told_fields, NULL,
	  "case_measure_told" },
	{ M_POST, "/cases/{id:int}/measures/{mid:int}/done", done, PAGE, NULL, done_fields, NULL,
	  "case_measure_done" },
	{ M_POST, "/cases/{id:int}/reviews", review_plan, PAGE, NULL, review_fields, NULL,
	  "case_review_add" },
	{ M_POST, "/cases/{id:int}/reviews/{rid:int}/done", review_done, PAGE, NULL,
	  review_done_fields, NULL, "case_review_done" },
	{ M_POST, "/cases/{id:int}/protection", protection, PAGE, NULL, protection_fields, NULL,
	  "case_protection" },
};
const size_t measures_routes_count = sizeof measures_routes / sizeof measures_routes[0];
