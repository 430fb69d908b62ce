/* records_http.c: the pages and API of a school's prevention records
 * (regulation.md §5): education sessions for students, parents or staff,
 * class meetings per class, screenings of hidden places, training with
 * its assessment (one by one or from a CSV file, all or nothing), and the
 * compliance view: for a school, what it has done this semester against
 * the bureau's settings, class by class and role by role; for the bureau,
 * a table of its schools by township, sortable by what is behind.
 *
 * The school's own people read the records and those who run the work
 * write them (A_PREVENTION_WRITE); the bureau reads every school's. A
 * record is never edited: a correction is a new record naming the one it
 * replaces, each with its audit record. These records hold no student's
 * personal information (topics, counts, places; training names staff), so
 * they are stored plain and their reads are not audited. Their evidence
 * files (photos cleaned of metadata, PDFs; up to four per record, sent
 * with the record or added later) are sealed, since a photo shows
 * children's faces, and served only to the school's readers.
 *
 * Never: answer a school out of the caller's reach other than exactly
 * like a missing one (404), write part of an import or of a record with
 * its files, serve a file through another school's address, or count a
 * record that was corrected. */
#include "prevention_http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../auth/auth.h"
#include "../auth/keys.h"
#include "../auth/session.h"
#include "../core/calendar.h"
#include "../core/config.h"
#include "../core/csv.h"
#include "../core/i18n.h"
#include "../core/utf8.h"
#include "../http/handler.h"
#include "../http/input.h"
#include "../http/server.h"
#include "records.h"

#define ID_MAX 999999999999LL
/* Rows of a list, and of an import file. */
#define LIST_MAX 2000
#define IMPORT_MAX_ROWS 2000
#define IMPORT_MAX_ERRORS 200
/* Semesters offered in the pickers: this one and the ones before. */
#define SEMESTERS_SHOWN 4

/* ------------------------------------------------------------------ */
/* Small helpers. */

static xa_day
today_of(req *r)
{
	return day_of(now_s(), config_zone(server_config(r->srv)));
}

/* The catalog text of "prefix.name", or name itself. */
static const char *
label(const req *r, const char *prefix, const char *name)
{
	return i18n_name(r->lang, prefix, name);
}

/* Hours in tenths as "4" or "1.5". */
static const char *
hours_text(const req *r, long long tenths)
{
	const char *s = tenths % 10 == 0 ? arena_printf(r->a, "%lld", tenths / 10) :
	    arena_printf(r->a, "%lld.%lld", tenths / 10, tenths % 10);
	return s ? s : "";
}

/* "2026—2027学年第一学期". */
static const char *
semester_label(const req *r, const semester *s)
{
	char y1[5], y2[5];
	memcpy(y1, s->year, 4);
	y1[4] = '\0';
	memcpy(y2, s->year + 5, 4);
	y2[4] = '\0';
	return tr(r, s->half == 1 ? "prevention.semester_1" : "prevention.semester_2",
	    "from", y1, "to", y2, NULL);
}

/* "一年级 2班". */
static const char *
class_label(const req *r, int grade, const char *name)
{
	char key[16];
	snprintf(key, sizeof key, "%d", grade);
	const char *s = arena_printf(r->a, "%s%s", label(r, "grade", key), name);
	return s ? s : name;
}

static const char *const state_names[] = { "met", "open", "due_soon", "overdue" };
static const char *const state_chips[] = { "chip-green", "chip-grey", "chip-amber",
	"chip-red" };

/* A duty as the model shows it. */
static json_t *
duty_json(const req *r, const char *key, const prev_duty *d)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "key", jstr(key));
	json_object_set_new(o, "label", jstr(label(r, "prevention.duty", key)));
	json_object_set_new(o, "done", json_integer(d->done));
	json_object_set_new(o, "required", json_integer(d->required));
	json_object_set_new(o, "state", jstr(state_names[d->state]));
	json_object_set_new(o, "state_label", jstr(label(r, "prevention.state",
	    state_names[d->state])));
	json_object_set_new(o, "chip", jstr(state_chips[d->state]));
	json_object_set_new(o, "unmet", json_boolean(d->state != DUTY_MET));
	return o;
}

/* The school of path parameter {id} the caller may act on with action a;
 * 0 when there is none or it is out of reach (answered 404 here). */
struct school {
	int64_t id;
	char path[96];
	char name[128];
};

static int
school_load(req *r, enum action a, struct school *s)
{
	db_stmt *st = NULL;
	int found = 0;
	memset(s, 0, sizeof *s);
	if (req_param_int(r, "id", &s->id) == XA_OK &&
	    db_prepare(r->rdb, "SELECT path, name FROM units WHERE id = ? AND kind = 'school'",
	    &st) == XA_OK) {
		db_bind_int(st, 1, s->id);
		if (db_step(st) == 1) {
			snprintf(s->path, sizeof s->path, "%s", db_col_text(st, 0));
			snprintf(s->name, sizeof s->name, "%s", db_col_text(st, 1));
			found = 1;
		}
		db_done(st);
	}
	if (!found || !policy_allow(r->user, a, s->path)) {
		req_error(r, 404, "not_found", NULL);
		return 0;
	}
	return 1;
}

/* The semester of the query's "semester", or the current one. 0 when it
 * is malformed (answered 400 here). */
static int
semester_want(req *r, semester *s)
{
	const char *q = input_str(r->q, "semester");
	if (q == NULL) {
		semester_of(today_of(r), s);
		return 1;
	}
	if (semester_parse(q, s) != XA_OK) {
		req_error(r, 400, "invalid_field", "semester");
		return 0;
	}
	return 1;
}

/* The semesters a picker offers, newest first, with the chosen one
 * marked (and added when it is older than those offered). */
static json_t *
semester_options(req *r, const semester *chosen)
{
	json_t *a = json_array();
	semester s;
	int seen = 0;
	semester_of(today_of(r), &s);
	for (int i = 0; i < SEMESTERS_SHOWN && a != NULL; i++) {
		int sel = strcmp(s.name, chosen->name) == 0;
		seen |= sel;
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "value", s.name, "label",
		    semester_label(r, &s), "selected", sel));
		semester t = s;
		semester_prev(&t, &s);
	}
	if (!seen && a != NULL)
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "value", chosen->name,
		    "label", semester_label(r, chosen), "selected", 1));
	return a;
}

/* A list's options: value and label from a NULL-terminated list. */
static json_t *
options(const req *r, const char *prefix, const char *const *list)
{
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && list[i] != NULL; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "value", list[i], "label",
		    label(r, prefix, list[i])));
	return a;
}

/* "楼道、天台" from "stairwell,rooftop". */
static const char *
places_label(const req *r, const char *places)
{
	buf b;
	char name[32];
	const char *out = "";
	buf_init(&b, 1024);
	for (const char *p = places; *p != '\0';) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		snprintf(name, sizeof name, "%.*s", (int)(len < 31 ? len : 31), p);
		if (b.len > 0)
			buf_append(&b, i18n(r->lang, "prevention.list.separator"),
			    strlen(i18n(r->lang, "prevention.list.separator")));
		const char *l = label(r, "prevention.place", name);
		buf_append(&b, l, strlen(l));
		p = c ? c + 1 : p + len;
	}
	if (b.len > 0) {
		char *s = arena_alloc(r->a, b.len + 1);
		if (s != NULL) {
			memcpy(s, b.data, b.len);
			s[b.len] = '\0';
			out = s;
		}
	}
	buf_free(&b);
	return out;
}

/* ------------------------------------------------------------------ */
/* Lists: one function for every kind, driven by a row of list_specs. */

/* A session from the current row of its query. */
static json_t *
row_session(req *r, db_stmt *st)
{
	const char *aud = db_col_text(st, 3);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:I}",
	    "id", (json_int_t)db_col_int(st, 0), "held_on", db_col_text(st, 1),
	    "topic", db_col_text(st, 2), "audience", aud, "audience_label",
	    label(r, "prevention.audience", aud), "participants",
	    (json_int_t)db_col_int(st, 4), "participants_text", tr(r,
	    "prevention.participants_n", "n", num(r, db_col_int(st, 4)), NULL),
	    "notes", db_col_text(st, 5), "replaces", (json_int_t)db_col_int(st, 6));
}

static json_t *
row_meeting(req *r, db_stmt *st)
{
	int grade = (int)db_col_int(st, 2);
	const char *cn = db_col_text(st, 3);
	return json_pack("{s:I, s:s, s:i, s:s, s:s, s:s, s:s, s:I}",
	    "id", (json_int_t)db_col_int(st, 0), "held_on", db_col_text(st, 1),
	    "grade", grade, "class", cn, "class_label", class_label(r, grade, cn),
	    "topic", db_col_text(st, 4), "notes", db_col_text(st, 5), "replaces",
	    (json_int_t)db_col_int(st, 6));
}

static json_t *
row_screening(req *r, db_stmt *st)
{
	const char *places = db_col_text(st, 2), *video = db_col_text(st, 4);
	json_t *pl = json_array();
	for (const char *p = places; pl != NULL && *p != '\0';) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		json_array_append_new(pl, json_stringn(p, len));
		p = c ? c + 1 : p + len;
	}
	return json_pack("{s:I, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:I}",
	    "id", (json_int_t)db_col_int(st, 0), "held_on", db_col_text(st, 1),
	    "places", pl ? pl : json_array(), "places_label", places_label(r, places),
	    "findings", db_col_text(st, 3), "video", video, "video_label",
	    label(r, "prevention.video", video), "fixes", db_col_text(st, 5),
	    "replaces", (json_int_t)db_col_int(st, 6));
}

static json_t *
row_training(req *r, db_stmt *st)
{
	const char *role = db_col_text(st, 3);
	int64_t score = db_col_int(st, 7), passed = db_col_int(st, 8);
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}",
	    "id", (json_int_t)db_col_int(st, 0), "held_on", db_col_text(st, 1),
	    "name", db_col_text(st, 2), "role", role, "role_label",
	    label(r, "prevention.role", role), "course", db_col_text(st, 4),
	    "hours", hours_text(r, db_col_int(st, 5)), "provider", db_col_text(st, 6),
	    "account_id", (json_int_t)db_col_int(st, 9), "replaces",
	    (json_int_t)db_col_int(st, 10));
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "score", score >= 0 ? json_integer(score) : json_null());
	json_object_set_new(o, "passed", passed >= 0 ? json_boolean(passed) : json_null());
	if (passed >= 0)
		json_object_set_new(o, "passed_label", jstr(i18n(r->lang, passed ?
		    "prevention.passed_yes" : "prevention.passed_no")));
	return o;
}

/* Each kind's list: its name in the model and the API, its query (bound
 * to the unit, then the semester or, for training, its school year), the
 * row's JSON, the query of the listed records' evidence files (NULL: the
 * kind has none; bound like the list), and the query that finds one
 * record's semester (bound to id and unit). */
static const struct list_spec {
	const char *key;
	const char *path;	/* the kind in a URL */
	const char *sql;
	int by_year;
	json_t *(*row)(req *r, db_stmt *st);
	const char *evidence_sql;
	const char *find_sql;
} list_specs[PK__COUNT] = {
	[PK_SESSION] = { "sessions", "sessions",
		"SELECT id, held_on, topic, audience, participants, notes, coalesce(replaces, 0)"
		" FROM prevention_sessions WHERE unit_id = ? AND semester = ?"
		" AND superseded_by IS NULL ORDER BY held_on, id LIMIT 2000", 0, row_session,
		"SELECT e.record_id, e.id, e.mime, e.size, e.name FROM prevention_evidence e"
		" JOIN prevention_sessions x ON x.id = e.record_id WHERE e.kind = 'session'"
		" AND x.unit_id = ? AND x.semester = ? AND x.superseded_by IS NULL"
		" ORDER BY e.record_id, e.id",
		"SELECT semester FROM prevention_sessions WHERE id = ? AND unit_id = ?" },
	[PK_MEETING] = { "class_meetings", "class-meetings",
		"SELECT id, held_on, grade, class_name, topic, notes, coalesce(replaces, 0)"
		" FROM prevention_class_meetings WHERE unit_id = ? AND semester = ?"
		" AND superseded_by IS NULL ORDER BY grade, class_name, held_on, id LIMIT 2000", 0,
		row_meeting,
		"SELECT e.record_id, e.id, e.mime, e.size, e.name FROM prevention_evidence e"
		" JOIN prevention_class_meetings x ON x.id = e.record_id"
		" WHERE e.kind = 'class_meeting' AND x.unit_id = ? AND x.semester = ?"
		" AND x.superseded_by IS NULL ORDER BY e.record_id, e.id",
		"SELECT semester FROM prevention_class_meetings WHERE id = ? AND unit_id = ?" },
	[PK_SCREENING] = { "screenings", "screenings",
		"SELECT id, held_on, places, findings, video, fixes, coalesce(replaces, 0)"
		" FROM prevention_screenings WHERE unit_id = ? AND semester = ?"
		" AND superseded_by IS NULL ORDER BY held_on, id LIMIT 2000", 0, row_screening,
		"SELECT e.record_id, e.id, e.mime, e.size, e.name FROM prevention_evidence e"
		" JOIN prevention_screenings x ON x.id = e.record_id WHERE e.kind = 'screening'"
		" AND x.unit_id = ? AND x.semester = ? AND x.superseded_by IS NULL"
		" ORDER BY e.record_id, e.id",
		"SELECT semester FROM prevention_screenings WHERE id = ? AND unit_id = ?" },
	[PK_TRAINING] = { "training", "training",
		"SELECT id, held_on, name, role, course, hours_tenths, provider,"
		" coalesce(score, -1), coalesce(passed, -1), coalesce(account_id, 0),"
		" coalesce(replaces, 0) FROM prevention_training WHERE unit_id = ?"
		" AND school_year = ? AND superseded_by IS NULL ORDER BY held_on, id LIMIT 2000", 1,
		row_training, NULL, NULL },
};

/* The kind a URL names ("sessions", "class-meetings", ...), or -1. */
static int
kind_of_path(const char *v)
{
	for (int k = 0; v != NULL && k < PK__COUNT; k++)
		if (strcmp(list_specs[k].path, v) == 0)
			return k;
	return -1;
}

/* "12 KB", "3.4 MB". */
static const char *
size_text(const req *r, int64_t n)
{
	const char *s = n < 1024 * 1024 ?
	    arena_printf(r->a, "%lld KB", (long long)((n + 1023) / 1024)) :
	    arena_printf(r->a, "%.1f MB", (double)n / (1024.0 * 1024.0));
	return s ? s : "";
}

/* An evidence file as the model shows it. */
static json_t *
evidence_json(req *r, int64_t unit, int64_t id, const char *mime, int64_t size,
    const char *name)
{
	int pdf = strcmp(mime, "application/pdf") == 0;
	return json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:b, s:b}", "id", (json_int_t)id,
	    "mime", mime, "size", (json_int_t)size, "size_text", size_text(r, size), "name", name,
	    "href", arena_printf(r->a, "/prevention/units/%lld/evidence/%lld", (long long)unit,
	    (long long)id), "api_href", arena_printf(r->a,
	    "/api/v1/prevention/units/%lld/evidence/%lld", (long long)unit, (long long)id),
	    "image", !pdf, "pdf", pdf);
}

/* Gives each record of items (a list of kind k) its "evidence" files, in
 * one query for the whole list. */
static void
evidence_attach(req *r, enum prev_kind k, int64_t unit, const semester *s, json_t *items)
{
	const struct list_spec *ls = &list_specs[k];
	json_t *by_id = json_object();
	db_stmt *st = NULL;
	size_t i;
	json_t *v;
	char key[24];
	if (by_id == NULL)
		return;
	json_array_foreach(items, i, v) {
		json_t *files = json_array();
		snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(v,
		    "id")));
		json_object_set_new(v, "evidence", files);
		json_object_set(by_id, key, files);
		json_object_set_new(v, "evidence_kind", jstr(prev_evidence_kind(k)));
		json_object_set_new(v, "evidence_form", jstr(arena_printf(r->a,
		    "/prevention/units/%lld/%s/%s/evidence", (long long)unit, ls->path, key)));
	}
	if (db_prepare(r->rdb, ls->evidence_sql, &st) == XA_OK) {
		db_bind_int(st, 1, unit);
		db_bind_text(st, 2, ls->by_year ? s->year : s->name, -1);
		while (db_step(st) == 1) {
			snprintf(key, sizeof key, "%lld", (long long)db_col_int(st, 0));
			json_t *files = json_object_get(by_id, key);
			if (files != NULL)
				json_array_append_new(files, evidence_json(r, unit, db_col_int(st, 1),
				    db_col_text(st, 2), db_col_int(st, 3), db_col_text(st, 4)));
		}
		db_done(st);
	}
	json_array_foreach(items, i, v)
		json_object_set_new(v, "evidence_room", json_boolean(json_array_size(
		    json_object_get(v, "evidence")) < PREV_EVIDENCE_MAX));
	json_decref(by_id);
}

/* The school's current records of kind k in semester s (training: in its
 * school year), each with its evidence files when the kind has them. */
static json_t *
list_records(req *r, enum prev_kind k, int64_t unit, const semester *s)
{
	const struct list_spec *ls = &list_specs[k];
	db_stmt *st = NULL;
	json_t *a = json_array();
	if (a == NULL || db_prepare(r->rdb, ls->sql, &st) != XA_OK)
		return a;
	db_bind_int(st, 1, unit);
	db_bind_text(st, 2, ls->by_year ? s->year : s->name, -1);
	while (db_step(st) == 1)
		json_array_append_new(a, ls->row(r, st));
	db_done(st);
	if (ls->evidence_sql != NULL)
		evidence_attach(r, k, unit, s, a);
	return a;
}

/* The classes of unit, for the meeting form. */
static json_t *
class_options(req *r, int64_t unit)
{
	db_stmt *st = NULL;
	json_t *a = json_array();
	if (a == NULL || db_prepare(r->rdb, "SELECT id, grade, name FROM classes WHERE unit_id = ?"
	    " ORDER BY grade, name", &st) != XA_OK)
		return a;
	db_bind_int(st, 1, unit);
	while (db_step(st) == 1)
		json_array_append_new(a, json_pack("{s:I, s:s}", "value",
		    (json_int_t)db_col_int(st, 0), "label", class_label(r, (int)db_col_int(st, 1),
		    db_col_text(st, 2))));
	db_done(st);
	return a;
}

static const field list_query[] = {
	{ "semester", FT_STRING, 0, 11, 11, NULL },
	{ "imported", FT_INT, 0, 0, 100000, NULL },
	{ "skipped", FT_INT, 0, 0, 100000, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* GET /api/v1/prevention/units/{id}/KIND?semester=: the school's current
 * records of that kind (training: of the semester's school year). */
static void
list_kind(req *r, enum prev_kind k)
{
	struct school sc;
	semester s;
	if (!school_load(r, A_PREVENTION_READ, &sc) || !semester_want(r, &s))
		return;
	json_t *items = list_records(r, k, sc.id, &s);
	req_json(r, 200, json_pack("{s:I, s:s, s:s, s:o}", "unit_id", (json_int_t)sc.id,
	    "semester", s.name, "school_year", s.year, list_specs[k].key,
	    items ? items : json_array()));
}

static void list_sessions_h(req *r) { list_kind(r, PK_SESSION); }
static void list_meetings_h(req *r) { list_kind(r, PK_MEETING); }
static void list_screenings_h(req *r) { list_kind(r, PK_SCREENING); }
static void list_training_h(req *r) { list_kind(r, PK_TRAINING); }

/* The records page's model: every kind's records, the forms' choices,
 * and import errors when there are (json_t array, taken). */
static json_t *
records_model(req *r, const struct school *sc, const semester *s, json_t *import_errors)
{
	xa_day today = today_of(r);
	char td[11];
	day_format(today, td);
	int can_write = policy_allow(r->user, A_PREVENTION_WRITE, sc->path);
	json_t *m = json_pack("{s:{s:s}, s:{s:I, s:s}, s:s, s:s, s:s, s:b, s:s}", "page",
	    "title_key", "prevention.records_title", "school", "id", (json_int_t)sc->id,
	    "name", sc->name, "semester", s->name, "semester_label", semester_label(r, s),
	    "school_year", s->year, "can_write", can_write, "today", td);
	if (m == NULL) {
		json_decref(import_errors);
		return NULL;
	}
	json_object_set_new(m, "semesters", semester_options(r, s));
	for (int k = 0; k < PK__COUNT; k++)
		json_object_set_new(m, list_specs[k].key, list_records(r, (enum prev_kind)k, sc->id,
		    s));
	json_object_set_new(m, "classes", class_options(r, sc->id));
	json_object_set_new(m, "audiences", options(r, "prevention.audience", prev_audiences));
	json_object_set_new(m, "places", options(r, "prevention.place", prev_places));
	json_object_set_new(m, "videos", options(r, "prevention.video", prev_video));
	json_object_set_new(m, "roles", options(r, "prevention.role", prev_training_roles));
	json_object_set_new(m, "action_base", jstr(arena_printf(r->a, "/prevention/units/%lld",
	    (long long)sc->id)));
	json_object_set_new(m, "compliance_href", jstr(arena_printf(r->a,
	    "/prevention?unit=%lld&semester=%s", (long long)sc->id, s->name)));
	int64_t imported = input_int(r->q, "imported", -1);
	int64_t skipped = input_int(r->q, "skipped", 0);
	if (imported >= 0) {
		const char *t = tr(r, "prevention.imported", "n", num(r, imported), NULL);
		if (skipped > 0)
			t = arena_printf(r->a, "%s%s%s", t, strcmp(r->lang, "zh") == 0 ? "" : " ",
			    tr(r, "prevention.import_skipped", "n", num(r, skipped), NULL));
		json_object_set_new(m, "imported", jstr(t));
	}
	if (import_errors != NULL)
		json_object_set_new(m, "import_errors", import_errors);
	return m;
}

/* GET /prevention/units/{id}: the school's records this semester with
 * the forms to add to them. */
static void
records_page(req *r)
{
	struct school sc;
	semester s;
	if (!school_load(r, A_PREVENTION_READ, &sc) || !semester_want(r, &s))
		return;
	json_t *m = records_model(r, &sc, &s, NULL);
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_page(r, 200, m);
}

/* ------------------------------------------------------------------ */
/* Adding a record. */

static const field session_fields[] = {
	{ "held_on", FT_DATE, F_REQUIRED, 0, 0, NULL },
	{ "topic", FT_STRING, F_REQUIRED, 2, 100, NULL },
	{ "audience", FT_ENUM, F_REQUIRED, 0, 0, prev_audiences },
	{ "participants", FT_INT, 0, 0, 100000, NULL },
	{ "notes", FT_TEXT, 0, 0, 2000, NULL },
	{ "replaces", FT_INT, 0, 1, ID_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field meeting_fields[] = {
	{ "held_on", FT_DATE, F_REQUIRED, 0, 0, NULL },
	{ "class_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ "grade", FT_INT, 0, 1, 12, NULL },
	{ "class", FT_STRING, 0, 1, 32, NULL },
	{ "topic", FT_STRING, F_REQUIRED, 2, 100, NULL },
	{ "notes", FT_TEXT, 0, 0, 2000, NULL },
	{ "replaces", FT_INT, 0, 1, ID_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field screening_fields[] = {
	{ "held_on", FT_DATE, F_REQUIRED, 0, 0, NULL },
	{ "places", FT_ENUM, F_REQUIRED | F_MULTI, 0, 0, prev_places },
	{ "findings", FT_TEXT, 0, 0, 2000, NULL },
	{ "video", FT_ENUM, F_REQUIRED, 0, 0, prev_video },
	{ "fixes", FT_TEXT, 0, 0, 2000, NULL },
	{ "replaces", FT_INT, 0, 1, ID_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field training_fields[] = {
	{ "held_on", FT_DATE, F_REQUIRED, 0, 0, NULL },
	{ "name", FT_STRING, F_REQUIRED, 1, 64, NULL },
	{ "role", FT_ENUM, F_REQUIRED, 0, 0, prev_training_roles },
	{ "course", FT_STRING, F_REQUIRED, 2, 100, NULL },
	{ "hours", FT_STRING, F_REQUIRED, 1, 8, NULL },
	{ "provider", FT_STRING, 0, 0, 100, NULL },
	{ "score", FT_INT, 0, 0, 100, NULL },
	{ "passed", FT_BOOL, 0, 0, 0, NULL },
	{ "account_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ "replaces", FT_INT, 0, 1, ID_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

struct rec_job {
	req *r;
	struct school sc;
	prev_record rec;
	char class_name[64];
	semester s;
	int64_t id;
	int64_t now;
	/* Evidence files sent with the record (or, evidence_only, added to
	 * record id): the uploads, then cleaned and sealed on a worker. */
	int evidence_only;
	const upload *up[PREV_EVIDENCE_MAX];
	prev_file files[PREV_EVIDENCE_MAX];
	int64_t file_ids[PREV_EVIDENCE_MAX];
	size_t nfiles;
	xa_err file_err;
	/* An import: rows[0..n) instead of rec; how many were written and
	 * how many were there already. */
	prev_record *rows;
	size_t n, imported, skipped;
};

static const char *const kind_action[PK__COUNT] = { "prevention.session",
	"prevention.class_meeting", "prevention.screening", "prevention.training" };
static const char *const kind_type[PK__COUNT] = { "prevention_session",
	"prevention_class_meeting", "prevention_screening", "prevention_training" };
static const char *const kind_fields[PK__COUNT] = {
	"held_on,topic,audience,participants,notes",
	"held_on,grade,class,topic,notes",
	"held_on,places,findings,video,fixes",
	"held_on,name,role,course,hours,provider,score,passed",
};
static const char *const kind_anchor[PK__COUNT] = { "sessions", "class-meetings",
	"screenings", "training" };

/* The writer job: the record (unless evidence_only) with its audit
 * record, then its new evidence files, each with its own. */
static xa_err
rec_run(db *conn, void *p)
{
	struct rec_job *j = p;
	xa_err e;
	enum prev_kind k = j->rec.kind;
	if (!j->evidence_only) {
		if ((e = prev_record_add(conn, &j->rec, j->r->user->account_id, j->now,
		    &j->id)) != XA_OK)
			return e;
		const char *fields = kind_fields[k];
		if (j->rec.replaces > 0)
			fields = arena_printf(j->r->a, "%s,replaces", fields);
		if ((e = audit_req(conn, j->r, kind_action[k], kind_type[k], j->id,
		    fields ? fields : "", j->now)) != XA_OK)
			return e;
	}
	if (j->nfiles == 0)
		return XA_OK;
	if ((e = prev_evidence_add(conn, k, j->sc.id, j->id, j->files, j->nfiles,
	    j->r->user->account_id, j->now, j->file_ids)) != XA_OK)
		return e;
	for (size_t i = 0; i < j->nfiles; i++) {
		const char *fields = arena_printf(j->r->a, "%s=%lld,mime=%s,size=%zu",
		    prev_evidence_kind(k), (long long)j->id, j->files[i].mime, j->files[i].size);
		if ((e = audit_req(conn, j->r, "prevention.evidence", "prevention_evidence",
		    j->file_ids[i], fields ? fields : "", j->now)) != XA_OK)
			return e;
	}
	return XA_OK;
}

static void
rec_done(req *r, void *ctx, xa_err result)
{
	struct rec_job *j = ctx;
	if (result == XA_ETOOMANY) {
		req_error(r, 400, "prevention_evidence_too_many", "files");
		return;
	}
	if (j->evidence_only && result == XA_ENOTFOUND) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (j->evidence_only && result == XA_ECONFLICT) {
		req_error(r, 409, "prevention_evidence_superseded", NULL);
		return;
	}
	if (result == XA_ENOTFOUND) {
		req_error(r, 400, "prevention_replaces_unknown", "replaces");
		return;
	}
	if (result == XA_ECONFLICT) {
		req_error(r, 409, "prevention_already_corrected", "replaces");
		return;
	}
	if (result == XA_EINVAL) {
		req_error(r, 400, "invalid_field", NULL);
		return;
	}
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (!is_api(r)) {
		req_redirect(r, arena_printf(r->a, "/prevention/units/%lld?semester=%s#%s",
		    (long long)j->sc.id, j->s.name, kind_anchor[j->rec.kind]));
		return;
	}
	json_t *ev = json_array();
	for (size_t i = 0; ev != NULL && i < j->nfiles; i++)
		json_array_append_new(ev, evidence_json(r, j->sc.id, j->file_ids[i],
		    j->files[i].mime, (int64_t)j->files[i].size, j->files[i].name));
	if (j->evidence_only) {
		req_json(r, 201, json_pack("{s:I, s:s, s:o}", "record_id", (json_int_t)j->id,
		    "kind", kind_type[j->rec.kind], "evidence", ev ? ev : json_array()));
		return;
	}
	req_json(r, 201, json_pack("{s:{s:I, s:s, s:s, s:I, s:o}}", "record", "id",
	    (json_int_t)j->id, "kind", kind_type[j->rec.kind], "semester", j->s.name,
	    "replaces", (json_int_t)j->rec.replaces, "evidence", ev ? ev : json_array()));
}

/* Takes the files sent with a form (parts with content; a file input
 * left empty sends none) into j after the checks that need no work: how
 * many, how big, what they are. 0, or -1 when it answered. */
static int
files_take(req *r, struct rec_job *j)
{
	size_t n = 0;
	for (size_t i = 0; r->files != NULL && i < r->files->nfiles; i++) {
		const upload *u = &r->files->files[i];
		if (u->len == 0)
			continue;
		if (prev_evidence_kind(j->rec.kind) == NULL) {
			req_error(r, 400, "prevention_evidence_kind", "files");
			return -1;
		}
		if (n == PREV_EVIDENCE_MAX) {
			req_error(r, 400, "prevention_evidence_too_many", "files");
			return -1;
		}
		if (u->len > PREV_EVIDENCE_BYTES) {
			req_error(r, 400, "prevention_evidence_too_big", "files");
			return -1;
		}
		if (prev_evidence_sniff(u->data, u->len) == NULL) {
			req_error(r, 400, "prevention_evidence_type", "files");
			return -1;
		}
		j->up[n++] = u;
	}
	j->nfiles = n;
	return 0;
}

/* On a worker: cleans the photos and seals every file. */
static void
files_prepare(void *p)
{
	struct rec_job *j = p;
	const keys *k = keys_get();
	j->file_err = k == NULL ? XA_ECONFIG : XA_OK;
	for (size_t i = 0; j->file_err == XA_OK && i < j->nfiles; i++)
		j->file_err = prev_file_prepare(j->r->a, k->data, j->up[i]->data, j->up[i]->len,
		    j->up[i]->filename, &j->files[i]);
}

/* Back on the loop: a file that did not clean is refused (nothing was
 * written, not even the record); else the write. */
static void
files_ready(req *r, void *ctx, xa_err unused)
{
	struct rec_job *j = ctx;
	(void)unused;
	if (j->file_err == XA_EINVAL) {
		req_error(r, 400, "prevention_evidence_damaged", "files");
		return;
	}
	if (j->file_err == XA_ETOOBIG) {
		req_error(r, 400, "prevention_evidence_too_big", "files");
		return;
	}
	if (j->file_err != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_write(r, rec_run, j, rec_done);
}

/* The write, after the files (if any) are cleaned and sealed. */
static void
rec_submit(req *r, struct rec_job *j)
{
	if (j->nfiles > 0) {
		req_offload(r, files_prepare, j, files_ready);
		return;
	}
	req_write(r, rec_run, j, rec_done);
}

/* Joins a JSON array of strings with commas, into the arena. */
static const char *
join_names(req *r, json_t *arr)
{
	buf b;
	const char *out = NULL;
	size_t i;
	json_t *v;
	buf_init(&b, 1024);
	json_array_foreach(arr, i, v) {
		if (i > 0)
			buf_append(&b, ",", 1);
		buf_append(&b, json_string_value(v), strlen(json_string_value(v)));
	}
	char *s = arena_alloc(r->a, b.len + 1);
	if (s != NULL) {
		memcpy(s, b.data, b.len);
		s[b.len] = '\0';
		out = s;
	}
	buf_free(&b);
	return out;
}

/* Finds the class of a meeting: class_id, or grade and class name, of
 * the school's current classes. 0 when there is none. */
static int
meeting_class(req *r, struct rec_job *j)
{
	db_stmt *st = NULL;
	int found = 0;
	int64_t cid = input_int(r->in, "class_id", 0);
	const char *cn = input_str(r->in, "class");
	int64_t grade = input_int(r->in, "grade", 0);
	if (cid > 0) {
		if (db_prepare(r->rdb, "SELECT grade, name FROM classes WHERE id = ?"
		    " AND unit_id = ?", &st) != XA_OK)
			return 0;
		db_bind_int(st, 1, cid);
		db_bind_int(st, 2, j->sc.id);
	} else {
		if (cn == NULL || grade <= 0 || db_prepare(r->rdb, "SELECT grade, name FROM"
		    " classes WHERE unit_id = ? AND grade = ? AND name = ?", &st) != XA_OK)
			return 0;
		db_bind_int(st, 1, j->sc.id);
		db_bind_int(st, 2, grade);
		db_bind_text(st, 3, cn, -1);
	}
	if (db_step(st) == 1) {
		j->rec.grade = (int)db_col_int(st, 0);
		snprintf(j->class_name, sizeof j->class_name, "%s", db_col_text(st, 1));
		j->rec.class_name = j->class_name;
		found = 1;
	}
	db_done(st);
	return found;
}

/* POST /api/v1/prevention/units/{id}/KIND and the page forms: one new
 * record, or a correction of one (replaces). */
static void
record_post(req *r, enum prev_kind k)
{
	struct rec_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (!school_load(r, A_PREVENTION_WRITE, &j->sc))
		return;
	j->r = r;
	j->now = now_s();
	prev_record *rec = &j->rec;
	rec->kind = k;
	rec->unit_id = j->sc.id;
	rec->replaces = input_int(r->in, "replaces", 0);
	rec->held_on = input_str(r->in, "held_on");
	xa_day day;
	if (rec->held_on == NULL || day_parse(rec->held_on, &day) != XA_OK) {
		req_error(r, 400, "invalid_field", "held_on");
		return;
	}
	if (day > today_of(r)) {
		req_error(r, 400, "prevention_future", "held_on");
		return;
	}
	semester_of(day, &j->s);
	rec->score = -1;
	rec->passed = -1;
	switch (k) {
	case PK_SESSION:
		rec->topic = input_str(r->in, "topic");
		rec->audience = input_str(r->in, "audience");
		rec->participants = (int)input_int(r->in, "participants", 0);
		rec->notes = input_str(r->in, "notes");
		break;
	case PK_MEETING:
		rec->topic = input_str(r->in, "topic");
		rec->notes = input_str(r->in, "notes");
		if (!meeting_class(r, j)) {
			req_error(r, 400, "prevention_no_class", "class");
			return;
		}
		break;
	case PK_SCREENING:
		rec->places = join_names(r, json_object_get(r->in, "places"));
		rec->findings = input_str(r->in, "findings");
		rec->video = input_str(r->in, "video");
		rec->fixes = input_str(r->in, "fixes");
		break;
	case PK_TRAINING: {
		rec->name = input_str(r->in, "name");
		rec->role = input_str(r->in, "role");
		rec->course = input_str(r->in, "course");
		rec->provider = input_str(r->in, "provider");
		if (prev_hours_parse(input_str(r->in, "hours"), &rec->hours_tenths) != XA_OK) {
			req_error(r, 400, "prevention_bad_hours", "hours");
			return;
		}
		rec->score = (int)input_int(r->in, "score", -1);
		json_t *pv = json_object_get(r->in, "passed");
		rec->passed = json_is_boolean(pv) ? json_is_true(pv) : -1;
		int64_t acc = input_int(r->in, "account_id", 0);
		if (acc > 0) {
			db_stmt *st = NULL;
			int ok = 0;
			if (db_prepare(r->rdb, "SELECT 1 FROM accounts WHERE id = ? AND unit_id = ?",
			    &st) == XA_OK) {
				db_bind_int(st, 1, acc);
				db_bind_int(st, 2, j->sc.id);
				ok = db_step(st) == 1;
				db_done(st);
			}
			if (!ok) {
				req_error(r, 400, "prevention_no_account", "account_id");
				return;
			}
			rec->account_id = acc;
		} else {
			rec->account_id = prev_account_by_name(r->rdb, j->sc.id, rec->name);
		}
		break;
	}
	default:
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (files_take(r, j) != 0)
		return;
	rec_submit(r, j);
}

static void post_session_h(req *r) { record_post(r, PK_SESSION); }
static void post_meeting_h(req *r) { record_post(r, PK_MEETING); }
static void post_screening_h(req *r) { record_post(r, PK_SCREENING); }
static void post_training_h(req *r) { record_post(r, PK_TRAINING); }

/* ------------------------------------------------------------------ */
/* Evidence files: added to a record, and served. */

static const field evidence_form_fields[] = {
	{ "x", FT_STRING, 0, 0, 8, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* POST /api/v1/prevention/units/{id}/{kind}/{rid}/evidence (multipart,
 * field "files") and the page's form: files added to a current record.
 * The files are checked before the record is looked up. */
static void
evidence_post(req *r)
{
	struct rec_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (!school_load(r, A_PREVENTION_WRITE, &j->sc))
		return;
	int k = kind_of_path(req_param(r, "kind"));
	if (k < 0 || list_specs[k].find_sql == NULL ||
	    req_param_int(r, "rid", &j->id) != XA_OK) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	j->r = r;
	j->now = now_s();
	j->evidence_only = 1;
	j->rec.kind = (enum prev_kind)k;
	j->rec.unit_id = j->sc.id;
	if (files_take(r, j) != 0)
		return;
	if (j->nfiles == 0) {
		req_error(r, 400, "prevention_evidence_none", "files");
		return;
	}
	/* The record and its semester (the page goes back to it). */
	db_stmt *st = NULL;
	int found = 0;
	if (db_prepare(r->rdb, list_specs[k].find_sql, &st) == XA_OK) {
		db_bind_int(st, 1, j->id);
		db_bind_int(st, 2, j->sc.id);
		if (db_step(st) == 1)
			found = semester_parse(db_col_text(st, 0), &j->s) == XA_OK;
		db_done(st);
	}
	if (!found) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	rec_submit(r, j);
}

/* GET /prevention/units/{id}/evidence/{eid} and its API twin: the file,
 * to those who may read the school's records. A photo is shown inline
 * (the page's thumbnails), a PDF only downloaded: a browser's PDF viewer
 * runs the file's own scripts. */
static void
evidence_get(req *r)
{
	struct school sc;
	int64_t eid = 0;
	if (!school_load(r, A_PREVENTION_READ, &sc))
		return;
	db_stmt *st = NULL;
	int ok = req_param_int(r, "eid", &eid) == XA_OK ? 0 : -2;
	const char *mime = NULL, *name = NULL;
	void *data = NULL;
	size_t len = 0;
	if (ok == 0 && db_prepare(r->rdb, "SELECT mime, name, data FROM prevention_evidence"
	    " WHERE id = ? AND unit_id = ?", &st) == XA_OK) {
		db_bind_int(st, 1, eid);
		db_bind_int(st, 2, sc.id);
		int rc = db_step(st);
		if (rc == 1) {
			const char *m = db_col_text(st, 0);
			mime = strcmp(m, "image/png") == 0 ? "image/png" :
			    strcmp(m, "application/pdf") == 0 ? "application/pdf" : "image/jpeg";
			name = arena_strdup(r->a, db_col_text(st, 1));
			ok = keys_get() != NULL && prev_file_open(r->a, keys_get()->data,
			    db_col_blob(st, 2), db_col_len(st, 2), &data, &len) == XA_OK ? 1 : -1;
		} else {
			ok = rc < 0 ? -1 : -2;
		}
		db_done(st);
	} else if (ok == 0) {
		ok = -1;
	}
	if (ok == -2) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (ok < 0 || name == NULL) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (!utf8_valid(name, strlen(name)))
		name = strcmp(mime, "application/pdf") == 0 ? "document.pdf" : "photo.jpg";
	if (strcmp(mime, "application/pdf") == 0) {
		req_file(r, mime, name, data, len);
		return;
	}
	char cd[1024];
	if (http_content_disposition(name, cd, sizeof cd) == XA_OK &&
	    strncmp(cd, "attachment", 10) == 0) {
		const char *inl = arena_printf(r->a, "inline%s", cd + 10);
		if (inl != NULL)
			req_header(r, "Content-Disposition", inl);
	}
	req_text(r, 200, mime, data, len);
}

/* ------------------------------------------------------------------ */
/* Training from a CSV file: every row checked, then all written in one
 * job, or nothing and the list of bad rows. */

struct tcol {
	const char *name;	/* the English heading */
	const char *zh;
	const char *alt;
	int required;
};

static const struct tcol tcols[] = {
	{ "name", "姓名", NULL, 1 },
	{ "role", "岗位", "角色", 1 },
	{ "course", "培训内容", "课程", 1 },
	{ "date", "培训日期", "日期", 1 },
	{ "hours", "学时", "培训学时", 1 },
	{ "provider", "培训单位", "主办单位", 0 },
	{ "score", "考核成绩", "成绩", 0 },
	{ "passed", "是否合格", "考核结果", 0 },
	{ NULL, NULL, NULL, 0 },
};
#define NTCOLS 8

/* Words a role column may hold besides the role's name and its label. */
static const struct {
	const char *word;
	const char *role;
} role_words[] = {
	{ "校长", "principal" }, { "副校长", "principal" },
	{ "委员", "committee_member" }, { "治理委员会委员", "committee_member" },
	{ "班主任", "head_teacher" },
	{ "心理教师", "counsellor" }, { "心理健康教师", "counsellor" },
	{ "心理老师", "counsellor" },
	{ "教师", "teacher" }, { "任课教师", "teacher" }, { "老师", "teacher" },
	{ "其他", "other_staff" }, { "职工", "other_staff" }, { "保安", "other_staff" },
	{ "宿管", "other_staff" }, { "其他教职工", "other_staff" },
};

static const char *
role_of(const char *v)
{
	for (size_t i = 0; prev_training_roles[i] != NULL; i++)
		if (strcasecmp(v, prev_training_roles[i]) == 0 ||
		    strcmp(v, i18n_name("zh", "prevention.role", prev_training_roles[i])) == 0)
			return prev_training_roles[i];
	for (size_t i = 0; i < sizeof role_words / sizeof role_words[0]; i++)
		if (strcmp(v, role_words[i].word) == 0)
			return role_words[i].role;
	return NULL;
}

/* 1 yes, 0 no, -1 empty, -2 not understood. */
static int
passed_of(const char *v)
{
	static const char *const yes[] = { "是", "合格", "通过", "yes", "y", "1", "true", NULL };
	static const char *const no[] = { "否", "不合格", "未通过", "no", "n", "0", "false", NULL };
	if (v == NULL || v[0] == '\0')
		return -1;
	for (int i = 0; yes[i] != NULL; i++)
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
	for (int i = 0; no[i] != NULL; i++)
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	return -2;
}

struct import {
	req *r;
	int col[NTCOLS];
	const char *heading[NTCOLS];
	json_t *errors;
	size_t nerr;
};

static void
row_error(struct import *im, size_t line, int col, const char *key, const char *value)
{
	im->nerr++;
	if (json_array_size(im->errors) >= IMPORT_MAX_ERRORS)
		return;
	const char *heading = col >= 0 ? (im->heading[col] ? im->heading[col] : tcols[col].zh) : "";
	json_array_append_new(im->errors, json_pack("{s:I, s:s, s:s, s:s}", "row",
	    (json_int_t)line, "column", heading, "message", i18n(im->r->lang, key), "value",
	    value ? value : ""));
}

static const char *
cell(const struct import *im, const csv_row *row, int col)
{
	int c = im->col[col];
	if (c < 0 || (size_t)c >= row->n)
		return "";
	return row->fields[c];
}

/* Trims spaces (ASCII and the ideographic space) from both ends, into
 * the arena. */
static const char *
trim(req *r, const char *s)
{
	size_t n = strlen(s);
	while (n > 0 && s[0] == ' ') {
		s++;
		n--;
	}
	while (n >= 3 && memcmp(s, "\xe3\x80\x80", 3) == 0) {
		s += 3;
		n -= 3;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (n >= 3 && memcmp(s + n - 3, "\xe3\x80\x80", 3) == 0)
		n -= 3;
	const char *t = arena_strndup(r->a, s, n);
	return t ? t : "";
}

/* A date as Excel may write it: 2026-10-09, 2026/10/9, 2026.10.9. */
static int
date_of(req *r, const char *v, const char **out)
{
	int y = 0, m = 0, d = 0, n = 0;
	char sep = 0;
	const char *p = v;
	for (; *p >= '0' && *p <= '9' && n < 4; p++, n++)
		y = y * 10 + (*p - '0');
	if (n != 4 || (*p != '-' && *p != '/' && *p != '.'))
		return 0;
	sep = *p++;
	for (n = 0; *p >= '0' && *p <= '9' && n < 2; p++, n++)
		m = m * 10 + (*p - '0');
	if (n == 0 || *p != sep)
		return 0;
	p++;
	for (n = 0; *p >= '0' && *p <= '9' && n < 2; p++, n++)
		d = d * 10 + (*p - '0');
	if (n == 0 || *p != '\0')
		return 0;
	const char *s = arena_printf(r->a, "%04d-%02d-%02d", y, m, d);
	xa_day day;
	if (s == NULL || day_parse(s, &day) != XA_OK)
		return 0;
	*out = s;
	return 1;
}

/* Checks one data row into rec; problems go to im. */
static void
import_row(struct import *im, int64_t unit, xa_day today, const csv_row *row,
    prev_record *rec)
{
	req *r = im->r;
	size_t errs = im->nerr;
	const char *v;
	memset(rec, 0, sizeof *rec);
	rec->kind = PK_TRAINING;
	rec->unit_id = unit;
	rec->score = -1;
	rec->passed = -1;
	/* name */
	v = trim(r, cell(im, row, 0));
	size_t cp = utf8_count(v, strlen(v));
	if (v[0] == '\0')
		row_error(im, row->line, 0, "prevention.import.err.missing", v);
	else if (cp > 64)
		row_error(im, row->line, 0, "prevention.import.err.too_long", v);
	rec->name = v;
	/* role */
	v = trim(r, cell(im, row, 1));
	if (v[0] == '\0')
		row_error(im, row->line, 1, "prevention.import.err.missing", v);
	else if ((rec->role = role_of(v)) == NULL)
		row_error(im, row->line, 1, "prevention.import.err.role", v);
	/* course */
	v = trim(r, cell(im, row, 2));
	cp = utf8_count(v, strlen(v));
	if (v[0] == '\0')
		row_error(im, row->line, 2, "prevention.import.err.missing", v);
	else if (cp < 2 || cp > 100)
		row_error(im, row->line, 2, "prevention.import.err.course", v);
	rec->course = v;
	/* date */
	v = trim(r, cell(im, row, 3));
	xa_day day = 0;
	if (v[0] == '\0')
		row_error(im, row->line, 3, "prevention.import.err.missing", v);
	else if (!date_of(r, v, &rec->held_on) || day_parse(rec->held_on, &day) != XA_OK)
		row_error(im, row->line, 3, "prevention.import.err.date", v);
	else if (day > today)
		row_error(im, row->line, 3, "prevention.import.err.future", v);
	/* hours */
	v = trim(r, cell(im, row, 4));
	if (v[0] == '\0')
		row_error(im, row->line, 4, "prevention.import.err.missing", v);
	else if (prev_hours_parse(v, &rec->hours_tenths) != XA_OK)
		row_error(im, row->line, 4, "prevention.import.err.hours", v);
	/* provider */
	v = trim(r, cell(im, row, 5));
	if (utf8_count(v, strlen(v)) > 100)
		row_error(im, row->line, 5, "prevention.import.err.too_long", v);
	rec->provider = v;
	/* score */
	v = trim(r, cell(im, row, 6));
	if (v[0] != '\0') {
		int s = 0, ok = strlen(v) <= 3;
		for (const char *p = v; ok && *p; p++) {
			if (*p < '0' || *p > '9')
				ok = 0;
			else
				s = s * 10 + (*p - '0');
		}
		if (!ok || s > 100)
			row_error(im, row->line, 6, "prevention.import.err.score", v);
		else
			rec->score = s;
	}
	/* passed */
	v = trim(r, cell(im, row, 7));
	int pv = passed_of(v);
	if (pv == -2)
		row_error(im, row->line, 7, "prevention.import.err.passed", v);
	else
		rec->passed = pv;
	if (im->nerr == errs)
		rec->account_id = prev_account_by_name(r->rdb, unit, rec->name);
}

/* Finds the columns from the first row; 0 when a required one is missing
 * (reported). */
static int
import_headings(struct import *im, const csv_row *h)
{
	int ok = 1;
	for (int i = 0; i < NTCOLS; i++) {
		im->col[i] = -1;
		for (size_t c = 0; c < h->n; c++) {
			const char *v = trim(im->r, h->fields[c]);
			if (strcasecmp(v, tcols[i].name) == 0 || strcmp(v, tcols[i].zh) == 0 ||
			    (tcols[i].alt != NULL && strcmp(v, tcols[i].alt) == 0)) {
				im->col[i] = (int)c;
				im->heading[i] = v;
				break;
			}
		}
		if (im->col[i] < 0 && tcols[i].required) {
			row_error(im, h->line, i, "prevention.import.err.no_column", tcols[i].zh);
			ok = 0;
		}
	}
	return ok;
}

static xa_err
import_run(db *conn, void *p)
{
	struct rec_job *j = p;
	xa_err e;
	j->imported = j->skipped = 0;
	for (size_t i = 0; i < j->n; i++) {
		int64_t id = 0;
		/* A row imported before (or twice in the file) is skipped. */
		int there = prev_training_exists(conn, &j->rows[i]);
		if (there < 0)
			return (xa_err)-there;
		if (there) {
			j->skipped++;
			continue;
		}
		if ((e = prev_record_add(conn, &j->rows[i], j->r->user->account_id, j->now,
		    &id)) != XA_OK)
			return e;
		j->imported++;
		if ((e = audit_req(conn, j->r, "prevention.training", "prevention_training", id,
		    kind_fields[PK_TRAINING], j->now)) != XA_OK)
			return e;
	}
	return audit_req(conn, j->r, "prevention.training_import", "unit", j->sc.id,
	    "name,role,course,date,hours,provider,score,passed", j->now);
}

static void
import_done(req *r, void *ctx, xa_err result)
{
	struct rec_job *j = ctx;
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (!is_api(r)) {
		req_redirect(r, arena_printf(r->a, "/prevention/units/%lld?semester=%s&imported=%zu"
		    "&skipped=%zu#training", (long long)j->sc.id, j->s.name, j->imported,
		    j->skipped));
		return;
	}
	json_t *m = json_pack("{s:I, s:I, s:s}", "imported", (json_int_t)j->imported, "skipped",
	    (json_int_t)j->skipped, "school_year", j->s.year);
	if (m != NULL && j->skipped > 0)
		json_object_set_new(m, "skipped_text", jstr(tr(r, "prevention.import_skipped", "n",
		    num(r, (long long)j->skipped), NULL)));
	req_json(r, 201, m);
}

/* The uploaded file: the multipart part "file" (or the only file), or on
 * the API a text/csv body. */
static int
import_data(req *r, const char **data, size_t *len)
{
	const char *ct = r->content_type ? r->content_type : "";
	if (r->files == NULL && strncasecmp(ct, "multipart/form-data", 19) == 0 && r->body) {
		form_limits lim;
		multipart *mp = arena_calloc(r->a, 1, sizeof *mp);
		form_limits_default(&lim);
		if (mp == NULL || form_parse_multipart(r->a, ct, r->body, r->body_len, &lim,
		    mp) != XA_OK)
			return -1;
		r->files = mp;
	}
	if (r->files != NULL) {
		const upload *f = NULL;
		for (size_t i = 0; i < r->files->nfiles; i++)
			if (strcmp(r->files->files[i].field, "file") == 0 || r->files->nfiles == 1)
				f = &r->files->files[i];
		if (f == NULL || f->len == 0)
			return -1;
		*data = (const char *)f->data;
		*len = f->len;
		return 0;
	}
	if (r->body != NULL && r->body_len > 0 && (strncasecmp(ct, "text/csv", 8) == 0 ||
	    strncasecmp(ct, "text/plain", 10) == 0 || strncasecmp(ct, "application/csv", 15) == 0)) {
		*data = r->body;
		*len = r->body_len;
		return 0;
	}
	return -1;
}

/* The answer to a refused import: the API's error with the rows; the
 * page again, with the rows listed and nothing imported (200: the form
 * was understood, and the page says what to fix). */
static void
import_refused(req *r, struct rec_job *j, struct import *im, const char *code)
{
	if (is_api(r)) {
		char key[96];
		snprintf(key, sizeof key, "error.%s", code);
		json_t *m = json_pack("{s:{s:s, s:s}, s:o, s:I}", "error", "code", code,
		    "message", i18n(r->lang, key), "rows", im->errors, "row_errors",
		    (json_int_t)im->nerr);
		req_json(r, 400, m);
		return;
	}
	semester s;
	semester_of(today_of(r), &s);
	json_t *m = records_model(r, &j->sc, &s, im->errors);
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	json_object_set_new(m, "import_alert", jstr(i18n(r->lang, arena_printf(r->a,
	    "error.%s", code))));
	req_page(r, 200, m);
}

/* POST /api/v1/prevention/units/{id}/training/import (text/csv or
 * multipart) and the page's form: columns 姓名, 岗位, 培训内容, 培训日期,
 * 学时, 培训单位, 考核成绩, 是否合格 (or name, role, course, date, hours,
 * provider, score, passed), UTF-8 or GB18030. */
static void
import_post(req *r)
{
	struct rec_job *j = arena_calloc(r->a, 1, sizeof *j);
	struct import *im = arena_calloc(r->a, 1, sizeof *im);
	const char *data = NULL;
	size_t len = 0, eline = 0;
	csv_table t;
	csv_limits lim;
	if (j == NULL || im == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (!school_load(r, A_PREVENTION_WRITE, &j->sc))
		return;
	j->r = r;
	j->now = now_s();
	im->r = r;
	if ((im->errors = json_array()) == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (import_data(r, &data, &len) != 0) {
		json_decref(im->errors);
		req_error(r, 400, "prevention_import_no_file", "file");
		return;
	}
	csv_limits_default(&lim);
	lim.max_rows = IMPORT_MAX_ROWS + 1;
	xa_err e = csv_parse(r->a, data, len, &lim, &t, &eline);
	if (e == XA_ENOMEM || e == XA_ECONFIG) {
		json_decref(im->errors);
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (e != XA_OK) {
		row_error(im, eline ? eline : 1, -1, e == XA_ETOOMANY ?
		    "prevention.import.err.too_many" : e == XA_EUTF8 ?
		    "prevention.import.err.unreadable" : "prevention.import.err.malformed", "");
		import_refused(r, j, im, "prevention_import_rows");
		return;
	}
	if (t.n < 2) {
		row_error(im, 1, -1, "prevention.import.err.empty", "");
		import_refused(r, j, im, "prevention_import_rows");
		return;
	}
	if (!import_headings(im, &t.rows[0])) {
		import_refused(r, j, im, "prevention_import_rows");
		return;
	}
	j->n = t.n - 1;
	j->rows = arena_calloc(r->a, j->n, sizeof *j->rows);
	if (j->rows == NULL) {
		json_decref(im->errors);
		req_error(r, 500, "internal", NULL);
		return;
	}
	xa_day today = today_of(r);
	for (size_t i = 1; i < t.n; i++)
		import_row(im, j->sc.id, today, &t.rows[i], &j->rows[i - 1]);
	if (im->nerr > 0) {
		import_refused(r, j, im, "prevention_import_rows");
		return;
	}
	json_decref(im->errors);
	semester_of(today, &j->s);
	req_write(r, import_run, j, import_done);
}

/* ------------------------------------------------------------------ */
/* Compliance. */

static const char *const sorts[] = { "township", "behind", "sessions", "class_meetings",
	"screenings", "parent_sessions", "training", NULL };

static const field compliance_query[] = {
	{ "semester", FT_STRING, 0, 11, 11, NULL },
	{ "unit", FT_INT, 0, 1, ID_MAX, NULL },
	{ "sort", FT_ENUM, 0, 0, 0, sorts },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The duties of a school in the order every view shows them. */
static json_t *
duties_json(const req *r, const prev_school *p)
{
	json_t *a = json_array();
	if (a == NULL)
		return NULL;
	static const char *const names[] = { "sessions", "class_meetings", "screenings",
		"parent_sessions", "training" };
	const prev_duty *d[] = { &p->sessions, &p->meetings, &p->screenings, &p->parents,
		&p->training };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		json_t *o = duty_json(r, names[i], d[i]);
		/* Of the records counted, those with an evidence file. */
		if (o != NULL && d[i] != &p->training)
			json_object_set_new(o, "evidenced", json_integer(d[i]->evidenced));
		json_array_append_new(a, o);
	}
	return a;
}

/* Each class with its meetings this semester; the classes behind also
 * into *behind. */
static json_t *
classes_json(req *r, int64_t unit, const semester *s, const prev_requirements *rq,
    xa_day today, json_t *behind)
{
	db_stmt *st = NULL;
	json_t *a = json_array();
	if (a == NULL || db_prepare(r->rdb, "SELECT c.grade, c.name, coalesce(m.n, 0)"
	    " FROM classes c LEFT JOIN (SELECT grade, class_name, count(*) AS n"
	    " FROM prevention_class_meetings WHERE unit_id = ? AND semester = ?"
	    " AND superseded_by IS NULL GROUP BY grade, class_name) m ON m.grade = c.grade"
	    " AND m.class_name = c.name WHERE c.unit_id = ? ORDER BY c.grade, c.name", &st) != XA_OK)
		return a;
	db_bind_int(st, 1, unit);
	db_bind_text(st, 2, s->name, -1);
	db_bind_int(st, 3, unit);
	while (db_step(st) == 1) {
		int grade = (int)db_col_int(st, 0);
		const char *cn = db_col_text(st, 1);
		prev_duty d = { (int)db_col_int(st, 2), rq->meetings, DUTY_MET };
		d.state = prev_duty_state(d.done, d.required, s->first, s->end, today, rq->due_weeks);
		json_t *o = duty_json(r, "class_meetings", &d);
		if (o == NULL)
			continue;
		json_object_set_new(o, "grade", json_integer(grade));
		json_object_set_new(o, "class", jstr(cn));
		json_object_set_new(o, "class_label", jstr(class_label(r, grade, cn)));
		if (d.state != DUTY_MET)
			json_array_append(behind, o);
		json_array_append_new(a, o);
	}
	db_done(st);
	return a;
}

/* Training coverage of the school year, by role: staff with accounts
 * (trained: enough hours), and the named people without an account. */
static json_t *
training_json(req *r, int64_t unit, const semester *s, const prev_requirements *rq,
    const prev_school *p)
{
	db_stmt *st = NULL;
	json_t *o = json_pack("{s:s, s:s, s:i, s:i}", "school_year", s->year, "hours_required",
	    hours_text(r, rq->training_tenths), "staff", p->training.required, "covered",
	    p->training.done);
	json_t *roles = json_array(), *others = json_array();
	if (o == NULL || roles == NULL || others == NULL) {
		json_decref(roles);
		json_decref(others);
		return o;
	}
	json_object_set_new(o, "text", jstr(tr(r, "prevention.training_rule", "hours",
	    hours_text(r, rq->training_tenths), "covered", num(r, p->training.done), "staff",
	    num(r, p->training.required), NULL)));
	json_object_set_new(o, "by_role", roles);
	json_object_set_new(o, "others", others);
	if (db_prepare(r->rdb, "SELECT r.role, count(*),"
	    " sum(CASE WHEN coalesce(t.h, 0) >= ? THEN 1 ELSE 0 END) FROM accounts a"
	    " JOIN account_roles r ON r.account_id = a.id LEFT JOIN (SELECT account_id,"
	    " sum(hours_tenths) AS h FROM prevention_training WHERE unit_id = ?"
	    " AND school_year = ? AND superseded_by IS NULL AND account_id IS NOT NULL"
	    " GROUP BY account_id) t ON t.account_id = a.id WHERE a.unit_id = ?"
	    " AND a.disabled = 0 AND r.role IN ('principal', 'committee_member',"
	    " 'head_teacher', 'counsellor', 'teacher') GROUP BY r.role ORDER BY r.role",
	    &st) == XA_OK) {
		db_bind_int(st, 1, rq->training_tenths);
		db_bind_int(st, 2, unit);
		db_bind_text(st, 3, s->year, -1);
		db_bind_int(st, 4, unit);
		while (db_step(st) == 1) {
			const char *role = db_col_text(st, 0);
			int n = (int)db_col_int(st, 1), c = (int)db_col_int(st, 2);
			json_array_append_new(roles, json_pack("{s:s, s:s, s:i, s:i, s:b}", "role",
			    role, "label", label(r, "prevention.role", role), "staff", n, "covered",
			    c, "unmet", c < n));
		}
		db_done(st);
	}
	if (db_prepare(r->rdb, "SELECT role, count(DISTINCT name), sum(hours_tenths)"
	    " FROM prevention_training WHERE unit_id = ? AND school_year = ?"
	    " AND superseded_by IS NULL AND account_id IS NULL GROUP BY role ORDER BY role",
	    &st) == XA_OK) {
		db_bind_int(st, 1, unit);
		db_bind_text(st, 2, s->year, -1);
		while (db_step(st) == 1) {
			const char *role = db_col_text(st, 0);
			const char *rl = label(r, "prevention.role", role);
			const char *h = hours_text(r, db_col_int(st, 2));
			int people = (int)db_col_int(st, 1);
			json_array_append_new(others, json_pack("{s:s, s:s, s:i, s:s, s:s}", "role",
			    role, "label", rl, "people", people, "hours", h, "text",
			    tr(r, "prevention.others_line", "role", rl, "people", num(r, people),
			    "hours", h, NULL)));
		}
		db_done(st);
	}
	return o;
}

/* Weeks left until the semester's duties fall due (0 once past). */
static int
weeks_left(const semester *s, xa_day today)
{
	if (today > s->end)
		return 0;
	xa_day from = today < s->first ? s->first : today;
	return (int)((s->end - from) / 7);
}

/* The head of every compliance model. */
static json_t *
compliance_head(req *r, const semester *s, const prev_requirements *rq, xa_day today)
{
	json_t *m = json_pack("{s:{s:s}, s:s, s:s, s:s, s:i, s:b, s:{s:i, s:i, s:i, s:i, s:s,"
	    " s:i}}", "page", "title_key", "prevention.compliance_title", "semester", s->name,
	    "semester_label", semester_label(r, s), "school_year", s->year, "weeks_left",
	    weeks_left(s, today), "over", today > s->end, "requirements", "sessions",
	    rq->sessions, "class_meetings", rq->meetings, "screenings", rq->screenings,
	    "parent_sessions", rq->parents, "training_hours", hours_text(r, rq->training_tenths),
	    "due_weeks", rq->due_weeks);
	if (m == NULL)
		return NULL;
	json_object_set_new(m, "semesters", semester_options(r, s));
	json_object_set_new(m, "weeks_text", jstr(today > s->end ?
	    i18n(r->lang, "prevention.semester_over") : tr(r, "prevention.weeks_left", "n",
	    num(r, weeks_left(s, today)), NULL)));
	json_object_set_new(m, "requirements_text", jstr(tr(r, "prevention.requirements",
	    "sessions", num(r, rq->sessions), "meetings", num(r, rq->meetings), "screenings",
	    num(r, rq->screenings), "parents", num(r, rq->parents), "hours",
	    hours_text(r, rq->training_tenths), NULL)));
	return m;
}

/* One school in full. */
static void
compliance_school(req *r, int64_t unit, const semester *s)
{
	prev_requirements rq;
	prev_school *list = NULL;
	size_t n = 0;
	xa_day today = today_of(r);
	prev_requirements_load(r->rdb, &rq);
	if (prev_compliance(r->rdb, s, &rq, today, NULL, unit, &list, &n) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (n != 1) {
		free(list);
		req_error(r, 404, "not_found", NULL);
		return;
	}
	prev_school *p = &list[0];
	json_t *m = compliance_head(r, s, &rq, today);
	json_t *behind = json_array();
	if (m == NULL || behind == NULL) {
		json_decref(m);
		json_decref(behind);
		free(list);
		req_error(r, 500, "internal", NULL);
		return;
	}
	json_object_set_new(m, "school", json_pack("{s:I, s:s, s:s, s:i, s:i, s:s, s:b}", "id",
	    (json_int_t)p->id, "name", p->name, "township", p->township, "behind", p->behind,
	    "unmet", p->unmet, "records_href", arena_printf(r->a,
	    "/prevention/units/%lld?semester=%s", (long long)p->id, s->name), "can_write",
	    policy_allow(r->user, A_PREVENTION_WRITE, p->path)));
	json_object_set_new(m, "duties", duties_json(r, p));
	json_object_set_new(m, "classes", classes_json(r, p->id, s, &rq, today, behind));
	json_object_set_new(m, "classes_behind", behind);
	json_object_set_new(m, "training", training_json(r, p->id, s, &rq, p));
	free(list);
	req_answer(r, 200, m);
}

/* The sort's key of a duty: the worse the state, the earlier; then the
 * smaller share done. */
static long
duty_rank(const prev_duty *d)
{
	static const int sev[] = { 0, 1, 2, 3 };
	long share = d->required > 0 ? 1000L * d->done / d->required : 1000;
	if (share > 1000)
		share = 1000;
	return sev[d->state] * 10000L + (1000 - share);
}

/* The sort by_sort() applies: qsort takes no context, so it is set on
 * the loop's own thread just before the call. */
static _Thread_local const char *sort_key;

static int
by_sort(const void *a, const void *b)
{
	const prev_school *x = a, *y = b;
	long kx = 0, ky = 0;
	if (strcmp(sort_key, "behind") == 0) {
		kx = x->behind * 100L + x->unmet;
		ky = y->behind * 100L + y->unmet;
	} else if (strcmp(sort_key, "sessions") == 0) {
		kx = duty_rank(&x->sessions);
		ky = duty_rank(&y->sessions);
	} else if (strcmp(sort_key, "class_meetings") == 0) {
		kx = duty_rank(&x->meetings);
		ky = duty_rank(&y->meetings);
	} else if (strcmp(sort_key, "screenings") == 0) {
		kx = duty_rank(&x->screenings);
		ky = duty_rank(&y->screenings);
	} else if (strcmp(sort_key, "parent_sessions") == 0) {
		kx = duty_rank(&x->parents);
		ky = duty_rank(&y->parents);
	} else if (strcmp(sort_key, "training") == 0) {
		kx = duty_rank(&x->training);
		ky = duty_rank(&y->training);
	}
	if (kx != ky)
		return kx > ky ? -1 : 1;
	if (x->township_id != y->township_id) {
		if (x->township_id == 0 || y->township_id == 0)
			return x->township_id == 0 ? 1 : -1;
		return x->township_id < y->township_id ? -1 : 1;
	}
	return strcmp(x->name, y->name);
}

/* Every school in the caller's reach, a row each. */
static void
compliance_bureau(req *r, const semester *s, const char *sort)
{
	prev_requirements rq;
	prev_school *list = NULL;
	size_t n = 0;
	xa_day today = today_of(r);
	prev_requirements_load(r->rdb, &rq);
	if (prev_compliance(r->rdb, s, &rq, today, r->user->scope_path, 0, &list, &n) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (sort != NULL && strcmp(sort, "township") != 0) {
		sort_key = sort;
		qsort(list, n, sizeof *list, by_sort);
	}
	json_t *m = compliance_head(r, s, &rq, today);
	json_t *rows = json_array(), *sl = json_array();
	int nbehind = 0, nunmet = 0;
	if (m == NULL || rows == NULL || sl == NULL) {
		json_decref(m);
		json_decref(rows);
		json_decref(sl);
		free(list);
		req_error(r, 500, "internal", NULL);
		return;
	}
	const char *prev_town = NULL;
	for (size_t i = 0; i < n; i++) {
		prev_school *p = &list[i];
		if (!policy_allow(r->user, A_PREVENTION_READ, p->path))
			continue;
		nbehind += p->behind > 0;
		nunmet += p->unmet > 0;
		int new_town = prev_town == NULL || strcmp(prev_town, p->township) != 0;
		prev_town = p->township;
		json_array_append_new(rows, json_pack("{s:I, s:s, s:s, s:b, s:i, s:i, s:o, s:s}",
		    "id", (json_int_t)p->id, "name", p->name, "township", p->township,
		    "township_head", new_town && (sort == NULL || strcmp(sort, "township") == 0),
		    "behind", p->behind, "unmet", p->unmet, "duties", duties_json(r, p), "href",
		    arena_printf(r->a, "/prevention?unit=%lld&semester=%s", (long long)p->id,
		    s->name)));
	}
	free(list);
	for (size_t i = 0; sorts[i] != NULL; i++)
		json_array_append_new(sl, json_pack("{s:s, s:s, s:b, s:s}", "value", sorts[i],
		    "label", label(r, "prevention.sort", sorts[i]), "selected",
		    strcmp(sort ? sort : "township", sorts[i]) == 0, "href", arena_printf(r->a,
		    "/prevention?semester=%s&sort=%s", s->name, sorts[i])));
	json_object_set_new(m, "bureau", json_true());
	json_object_set_new(m, "schools", rows);
	json_object_set_new(m, "sorts", sl);
	json_object_set_new(m, "sort", jstr(sort ? sort : "township"));
	json_object_set_new(m, "n_schools", json_integer((json_int_t)json_array_size(rows)));
	json_object_set_new(m, "n_behind", json_integer(nbehind));
	json_object_set_new(m, "summary_text", jstr(tr(r, "prevention.schools_summary", "n",
	    num(r, (long long)json_array_size(rows)), "behind", num(r, nbehind), NULL)));
	json_object_set_new(m, "n_unmet", json_integer(nunmet));
	req_answer(r, 200, m);
}

/* GET /api/v1/prevention/compliance?semester=&unit=&sort= and the page:
 * one school in full (unit, or the caller's own school), or for the
 * bureau every school in its reach. */
static void
compliance(req *r)
{
	semester s;
	if (!semester_want(r, &s))
		return;
	int64_t unit = input_int(r->q, "unit", 0);
	const principal *p = r->user;
	if (unit > 0) {
		char path[96] = "";
		db_stmt *st = NULL;
		if (db_prepare(r->rdb, "SELECT path FROM units WHERE id = ? AND kind = 'school'",
		    &st) == XA_OK) {
			db_bind_int(st, 1, unit);
			if (db_step(st) == 1)
				snprintf(path, sizeof path, "%s", db_col_text(st, 0));
			db_done(st);
		}
		if (path[0] == '\0' || !policy_allow(p, A_PREVENTION_READ, path)) {
			req_error(r, 404, "not_found", NULL);
			return;
		}
		compliance_school(r, unit, &s);
		return;
	}
	if (strcmp(p->unit_kind, "school") == 0 && policy_allow(p, A_PREVENTION_READ,
	    p->unit_path)) {
		compliance_school(r, p->unit_id, &s);
		return;
	}
	if (strcmp(p->unit_kind, "school") != 0 && policy_allow(p, A_PREVENTION_READ,
	    p->scope_path)) {
		compliance_bureau(r, &s, input_str(r->q, "sort"));
		return;
	}
	req_error(r, 404, "not_found", NULL);
}

/* ------------------------------------------------------------------ */

static const field import_form_fields[] = {
	{ "x", FT_STRING, 0, 0, 8, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

#define API (R_API | R_AUTH)
#define PAGE R_AUTH
#define U "/api/v1/prevention/units/{id:int}"
#define P "/prevention/units/{id:int}"

const route records_routes[] = {
	{ M_GET, "/api/v1/prevention/compliance", compliance, API, compliance_query, NULL,
	  NULL, "api_prevention_compliance" },
	{ M_GET, U "/sessions", list_sessions_h, API, list_query, NULL, NULL,
	  "api_prevention_sessions" },
	{ M_POST, U "/sessions", post_session_h, API, NULL, session_fields, NULL,
	  "api_prevention_session_add" },
	{ M_GET, U "/class-meetings", list_meetings_h, API, list_query, NULL, NULL,
	  "api_prevention_meetings" },
	{ M_POST, U "/class-meetings", post_meeting_h, API, NULL, meeting_fields, NULL,
	  "api_prevention_meeting_add" },
	{ M_GET, U "/screenings", list_screenings_h, API, list_query, NULL, NULL,
	  "api_prevention_screenings" },
	{ M_POST, U "/screenings", post_screening_h, API, NULL, screening_fields, NULL,
	  "api_prevention_screening_add" },
	{ M_GET, U "/training", list_training_h, API, list_query, NULL, NULL,
	  "api_prevention_training" },
	{ M_POST, U "/training", post_training_h, API, NULL, training_fields, NULL,
	  "api_prevention_training_add" },
	{ M_POST, U "/training/import", import_post, API | R_RAW_BODY, NULL, NULL, NULL,
	  "api_prevention_training_import" },
	/* The pages. */
	{ M_GET, "/prevention", compliance, PAGE, compliance_query, NULL,
	  "prevention_compliance", "prevention_compliance" },
	{ M_GET, P, records_page, PAGE, list_query, NULL, "prevention_records",
	  "prevention_records" },
	{ M_POST, P "/sessions", post_session_h, PAGE, NULL, session_fields,
	  "prevention_records", "prevention_session_form" },
	{ M_POST, P "/class-meetings", post_meeting_h, PAGE, NULL, meeting_fields,
	  "prevention_records", "prevention_meeting_form" },
	{ M_POST, P "/screenings", post_screening_h, PAGE, NULL, screening_fields,
	  "prevention_records", "prevention_screening_form" },
	{ M_POST, P "/training", post_training_h, PAGE, NULL, training_fields,
	  "prevention_records", "prevention_training_form" },
	{ M_POST, P "/training/import", import_post, PAGE, NULL, import_form_fields,
	  "prevention_records", "prevention_training_import_form" },
	/* Evidence files. */
	{ M_POST, U "/{kind}/{rid:int}/evidence", evidence_post, API, NULL, evidence_form_fields,
	  NULL, "api_prevention_evidence_add" },
	{ M_POST, P "/{kind}/{rid:int}/evidence", evidence_post, PAGE, NULL, evidence_form_fields,
	  "prevention_records", "prevention_evidence_form" },
	{ M_GET, U "/evidence/{eid:int}", evidence_get, API, NULL, NULL, NULL,
	  "api_prevention_evidence" },
	{ M_GET, P "/evidence/{eid:int}", evidence_get, PAGE, NULL, NULL, NULL,
	  "prevention_evidence" },
};
const size_t records_routes_count = sizeof records_routes / sizeof records_routes[0];
