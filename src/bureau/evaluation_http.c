/* evaluation_http.c: the pages and API of the yearly self-evaluation and
 * of the city report (the notice's 四(三)).
 *
 * A school's principal and committee fill its self-evaluation of a school
 * year (A_EVALUATION_WRITE), save it as a draft, add evidence, submit it
 * (frozen from then on); the office returns it with a reason
 * (A_CITY_REPORT: the office that compiles the report reviews what goes
 * into it). An evaluation is addressed by its school and year
 * (/evaluations/{school}/{year}): there is one per school and year, and
 * nothing is stored until the school first saves. The bureau reads every
 * school's (A_EVALUATION_READ), its answers only once submitted, and sees
 * who has submitted, who is late and who has not, by township. The city
 * report is a page, a JSON model, a PDF and an xlsx (A_CITY_REPORT).
 *
 * Never: answer a school out of the caller's reach other than exactly
 * like a missing one (404); change a submitted evaluation but by
 * returning it; put a pupil's name into the report (cityreport.c reads
 * counts only). */
#include "bureau_http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../auth/auth.h"
#include "../auth/keys.h"
#include "../auth/session.h"
#include "../core/calendar.h"
#include "../core/config.h"
#include "../core/i18n.h"
#include "../core/log.h"
#include "../http/handler.h"
#include "../http/input.h"
#include "../http/server.h"
#include "../prevention/records.h"
#include "evaluation.h"

#define YEAR_MIN 2000
#define YEAR_MAX 2100
/* Years a school's list offers: this one and the ones before. */
#define YEARS_SHOWN 5
#define REPORT_MAX (64u << 20)

/* ------------------------------------------------------------------ */
/* Small helpers. */

static xa_day
today_of(req *r)
{
	return day_of(now_s(), zone_of(r));
}

/* The calendar year of a day: the school year whose evaluation and report
 * fall due in it (this September's). */
static int
year_now(req *r)
{
	char d[11];
	day_format(today_of(r), d);
	return (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
}

/* "2025—2026学年". */
static const char *
year_label(const req *r, int year)
{
	char y1[16], y2[16];
	snprintf(y1, sizeof y1, "%d", year - 1);
	snprintf(y2, sizeof y2, "%d", year);
	return tr(r, "evaluation.school_year", "from", y1, "to", y2, NULL);
}

static const char *
time_text(req *r, int64_t t)
{
	if (t <= 0)
		return "";
	char d[11];
	int64_t local = t + zone_of(r);
	day_format(day_of(t, zone_of(r)), d);
	int64_t sec = ((local % 86400) + 86400) % 86400;
	const char *s = arena_printf(r->a, "%s %02d:%02d", d, (int)(sec / 3600),
	    (int)(sec / 60 % 60));
	return s ? s : "";
}

static const char *const state_chips[] = { "chip-grey", "chip-amber", "chip-green",
	"chip-red" };

struct school {
	int64_t id;
	char path[96];
	char name[EVAL_NAME_BYTES];
	char township[EVAL_NAME_BYTES];
};

/* The school of path parameter {id} the caller may act on with action a;
 * 0 when there is none or it is out of reach (answered 404 here). */
static int
school_load(req *r, enum action a, struct school *s)
{
	db_stmt *st = NULL;
	int found = 0;
	memset(s, 0, sizeof *s);
	if (req_param_int(r, "id", &s->id) == XA_OK &&
	    db_prepare(r->rdb, "SELECT u.path, u.name, coalesce(t.name, '') FROM units u"
	    " LEFT JOIN units t ON t.id = u.township_id WHERE u.id = ? AND u.kind = 'school'",
	    &st) == XA_OK) {
		db_bind_int(st, 1, s->id);
		if (db_step(st) == 1) {
			snprintf(s->path, sizeof s->path, "%s", db_col_text(st, 0));
			snprintf(s->name, sizeof s->name, "%s", db_col_text(st, 1));
			snprintf(s->township, sizeof s->township, "%s", db_col_text(st, 2));
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

/* The {year} path parameter; 0 (answered 404) when out of range. */
static int
year_param(req *r, int *year)
{
	int64_t y = 0;
	if (req_param_int(r, "year", &y) != XA_OK || y < YEAR_MIN || y > YEAR_MAX) {
		req_error(r, 404, "not_found", NULL);
		return 0;
	}
	*year = (int)y;
	return 1;
}

/* The ?year= of a list or the report, or this year. */
static int
year_query(req *r)
{
	int64_t y = input_int(r->q, "year", 0);
	return y >= YEAR_MIN && y <= YEAR_MAX ? (int)y : year_now(r);
}

/* The label of a part key ("organisation" → "（一）落实工作机构"). */
static const char *
part_label(const req *r, const char *key)
{
	for (size_t p = 0; p < EVAL_PARTS; p++)
		if (strcmp(eval_parts[p].key, key) == 0)
			return i18n_name(r->lang, "evaluation.part", key);
	return "";
}

/* The label of a form field ("daily_screenings"). */
static const char *
field_label(const req *r, const char *fname)
{
	char k[96];
	for (size_t p = 0; p < EVAL_PARTS; p++) {
		size_t kl = strlen(eval_parts[p].key);
		if (strncmp(fname, eval_parts[p].key, kl) != 0 || fname[kl] != '_')
			continue;
		if (strcmp(fname + kl + 1, "rating") == 0)
			return tr(r, "evaluation.missing_rating", "part",
			    part_label(r, eval_parts[p].key), NULL);
		snprintf(k, sizeof k, "evaluation.q.%s", fname);
		return tr(r, "evaluation.missing_question", "part",
		    part_label(r, eval_parts[p].key), "question", i18n(r->lang, k), NULL);
	}
	return fname;
}

/* ------------------------------------------------------------------ */
/* One evaluation. */

static json_t *
files_json(req *r, int64_t eval_id, const char *base, int can_write)
{
	db_stmt *st = NULL;
	json_t *a = json_array();
	if (a == NULL || eval_id == 0 || db_prepare(r->rdb, "SELECT id, part, name, mime, size,"
	    " created_at FROM evaluation_files WHERE evaluation_id = ? AND removed_at = 0"
	    " ORDER BY id", &st) != XA_OK)
		return a;
	db_bind_int(st, 1, eval_id);
	while (db_step(st) == 1) {
		int64_t id = db_col_int(st, 0), size = db_col_int(st, 4);
		const char *part = db_col_text(st, 1);
		const char *sz = size >= 1024 * 1024 ? arena_printf(r->a, "%.1f MB",
		    (double)size / (1024.0 * 1024.0)) : arena_printf(r->a, "%lld KB",
		    (long long)((size + 1023) / 1024));
		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s,"
		    " s:b}", "id", (json_int_t)id, "part", part, "part_label", part[0] ?
		    part_label(r, part) : i18n(r->lang, "evaluation.part_whole"), "name",
		    db_col_text(st, 2), "mime", db_col_text(st, 3), "size", (json_int_t)size,
		    "size_text", sz ? sz : "", "href", arena_printf(r->a, "%s/files/%lld", base,
		    (long long)id), "delete_action", arena_printf(r->a, "%s/files/%lld/delete",
		    base, (long long)id), "can_delete", can_write));
	}
	db_done(st);
	return a;
}

/* The model of school sc's evaluation of year: the form's parts with the
 * answers (for the bureau only once submitted), the state, the due date,
 * the evidence; NULL when out of memory. */
static json_t *
eval_model(req *r, const struct school *sc, int year)
{
	eval_row ev;
	if (eval_get(r->rdb, sc->id, year, &ev) != XA_OK) {
		eval_row_clear(&ev);
		return NULL;
	}
	xa_day due = eval_due(r->rdb, year), today = today_of(r);
	char dd[11];
	day_format(due, dd);
	int own = policy_allow(r->user, A_EVALUATION_WRITE, sc->path);
	int editable = ev.state != ES_SUBMITTED;
	int can_write = own && editable;
	/* The bureau reads what the school submitted: not a returned
	 * evaluation's draft while the school reworks it (no copy of the
	 * submitted answers is kept, so nothing until it is submitted
	 * again). */
	int show = own || ev.state == ES_SUBMITTED;
	int64_t due_end = day_start(due + 1, zone_of(r));
	int late = ev.first_submitted_at > 0 ? ev.first_submitted_at >= due_end : today > due;
	const char *base = arena_printf(r->a, "/evaluations/%lld/%d", (long long)sc->id, year);
	char sk[48];
	snprintf(sk, sizeof sk, "evaluation.state.%s", eval_state_names[ev.state]);
	json_t *m = json_pack("{s:{s:s}, s:{s:I, s:s, s:s}, s:i, s:s, s:s, s:s, s:s, s:s, s:b,"
	    " s:b, s:b, s:b, s:b, s:s, s:s}",
	    "page", "title_key", "evaluation.title_one",
	    "school", "id", (json_int_t)sc->id, "name", sc->name, "township", sc->township,
	    "year", year, "school_year", year_label(r, year), "due", dd,
	    "state", eval_state_names[ev.state], "state_label", i18n(r->lang, sk),
	    "chip", state_chips[ev.state], "late", late,
	    "can_write", can_write, "can_submit", can_write,
	    "can_return", policy_allow(r->user, A_CITY_REPORT, sc->path) &&
	    ev.state == ES_SUBMITTED, "show_answers", show,
	    "action", base ? base : "", "back", "/evaluations");
	if (m == NULL) {
		eval_row_clear(&ev);
		return NULL;
	}
	json_object_set_new(m, "due_text", json_string(tr(r, "evaluation.due_text", "due", dd,
	    NULL)));
	json_object_set_new(m, "submitted_at", json_string(time_text(r, ev.submitted_at)));
	json_object_set_new(m, "first_submitted_at", json_string(time_text(r,
	    ev.first_submitted_at)));
	if (ev.state == ES_RETURNED)
		json_object_set_new(m, "returned", json_pack("{s:s, s:s}", "reason", ev.reason,
		    "at", time_text(r, ev.returned_at)));
	json_t *answers = json_loads(ev.answers, 0, NULL);
	if (answers == NULL)
		answers = json_object();
	json_t *parts = json_array();
	for (size_t p = 0; parts != NULL && p < EVAL_PARTS; p++) {
		const eval_part *ep = &eval_parts[p];
		json_t *pa = show ? json_object_get(answers, ep->key) : NULL;
		json_t *qs = json_array();
		for (size_t q = 0; qs != NULL && q < ep->nq; q++) {
			char f[64], k[96];
			snprintf(f, sizeof f, "%s_%s", ep->key, ep->questions[q].key);
			snprintf(k, sizeof k, "evaluation.q.%s", f);
			json_t *v = json_object_get(pa, ep->questions[q].key);
			json_t *o = json_pack("{s:s, s:s, s:b, s:b}", "field", f, "label",
			    i18n(r->lang, k), "yesno", ep->questions[q].type == EQ_YESNO,
			    "count", ep->questions[q].type == EQ_COUNT);
			if (o == NULL)
				continue;
			if (json_is_string(v)) {
				int yes = strcmp(json_string_value(v), "yes") == 0;
				json_object_set_new(o, "value", json_string(json_string_value(v)));
				json_object_set_new(o, "is_yes", json_boolean(yes));
				json_object_set_new(o, "is_no", json_boolean(!yes));
				json_object_set_new(o, "value_label", json_string(i18n(r->lang, yes ?
				    "evaluation.yes" : "evaluation.no")));
			} else if (json_is_integer(v)) {
				json_object_set(o, "value", v);
				json_object_set_new(o, "value_label", json_string(num(r,
				    json_integer_value(v))));
			}
			json_array_append_new(qs, o);
		}
		json_t *rating = json_object_get(pa, "rating");
		json_t *ro = json_array();
		for (int k = 1; ro != NULL && k <= 5; k++) {
			char key[48];
			snprintf(key, sizeof key, "evaluation.rating.%d", k);
			json_array_append_new(ro, json_pack("{s:i, s:s, s:b}", "value", k, "label",
			    i18n(r->lang, key), "selected", json_is_integer(rating) &&
			    json_integer_value(rating) == k));
		}
		const char *text = json_string_value(json_object_get(pa, "text"));
		char rk[48];
		snprintf(rk, sizeof rk, "evaluation.rating.%d", json_is_integer(rating) ?
		    (int)json_integer_value(rating) : 0);
		json_array_append_new(parts, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:s,"
		    " s:s, s:s}", "key", ep->key, "label", part_label(r, ep->key), "number",
		    num(r, (long long)p + 1), "questions", qs ? qs : json_array(), "ratings",
		    ro ? ro : json_array(), "rating", json_is_integer(rating) ?
		    json_integer(json_integer_value(rating)) : json_null(), "rating_label",
		    json_is_integer(rating) ? i18n(r->lang, rk) : "", "text", text ? text : "",
		    "rating_field", arena_printf(r->a, "%s_rating", ep->key), "text_field",
		    arena_printf(r->a, "%s_text", ep->key)));
	}
	json_object_set_new(m, "parts", parts ? parts : json_array());
	json_object_set_new(m, "answers", show ? answers : json_object());
	if (!show)
		json_decref(answers);
	json_object_set_new(m, "files", show ? files_json(r, ev.id, base, can_write) :
	    json_array());
	json_object_set_new(m, "part_options", json_array());
	for (size_t p = 0; p < EVAL_PARTS; p++)
		json_array_append_new(json_object_get(m, "part_options"), json_pack("{s:s, s:s}",
		    "value", eval_parts[p].key, "label", part_label(r, eval_parts[p].key)));
	const char *missing = input_str(r->q, "missing");
	if (missing != NULL)
		json_object_set_new(m, "missing", json_string(tr(r, "evaluation.incomplete",
		    "what", field_label(r, missing), NULL)));
	const char *done = input_str(r->q, "done");
	if (done != NULL && (strcmp(done, "saved") == 0 || strcmp(done, "submitted") == 0 ||
	    strcmp(done, "returned") == 0 || strcmp(done, "file") == 0)) {
		char k[48];
		snprintf(k, sizeof k, "evaluation.done.%s", done);
		json_object_set_new(m, "notice", json_string(i18n(r->lang, k)));
	}
	eval_row_clear(&ev);
	return m;
}

static const field one_query[] = {
	{ "missing", FT_TOKEN, 0, 1, 60, NULL },
	{ "done", FT_TOKEN, 0, 1, 20, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* GET /evaluations/{id}/{year} and its API twin. */
static void
eval_get_h(req *r)
{
	struct school sc;
	int year;
	if (!school_load(r, A_EVALUATION_READ, &sc) || !year_param(r, &year))
		return;
	json_t *m = eval_model(r, &sc, year);
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_answer(r, 200, m);
}

/* ------------------------------------------------------------------ */
/* Changes. */

enum op { OP_SAVE, OP_SUBMIT, OP_RETURN, OP_FILE_ADD, OP_FILE_DEL };

struct ev_job {
	req *r;
	enum op op;
	struct school sc;
	int year;
	json_t *answers;
	int submit;
	const char *reason;
	const char *missing;
	prev_file file;
	const upload *up;	/* the evidence, until prepared */
	xa_err file_err;
	const char *part;
	int64_t id, file_id;
	int64_t now;
	int submitted;
};

static xa_err
ev_run(db *conn, void *p)
{
	struct ev_job *j = p;
	int64_t by = j->r->user->account_id;
	xa_err e = XA_OK;
	char fields[64];
	switch (j->op) {
	case OP_SAVE:
		e = eval_save(conn, j->sc.id, j->year, j->answers, by, j->now, &j->id);
		if (e == XA_OK)
			e = audit_req(conn, j->r, "evaluation.save", "evaluation", j->id, "answers",
			    j->now);
		if (e != XA_OK || !j->submit)
			return e;
		/* Saved and, when complete, submitted; an incomplete form
		 * stays saved as the draft it is. */
		e = eval_submit(conn, j->sc.id, j->year, by, j->now, &j->id, &j->missing);
		if (e == XA_EINVAL)
			return XA_OK;
		if (e == XA_OK) {
			j->submitted = 1;
			e = audit_req(conn, j->r, "evaluation.submit", "evaluation", j->id, "state",
			    j->now);
		}
		return e;
	case OP_SUBMIT:
		e = eval_submit(conn, j->sc.id, j->year, by, j->now, &j->id, &j->missing);
		if (e == XA_OK) {
			j->submitted = 1;
			e = audit_req(conn, j->r, "evaluation.submit", "evaluation", j->id, "state",
			    j->now);
		}
		return e;
	case OP_RETURN:
		e = eval_return(conn, j->sc.id, j->year, j->reason, by, j->now, &j->id);
		if (e == XA_OK)
			e = audit_req(conn, j->r, "evaluation.return", "evaluation", j->id,
			    "state,reason", j->now);
		return e;
	case OP_FILE_ADD: {
		eval_row ev;
		e = eval_get(conn, j->sc.id, j->year, &ev);
		j->id = ev.id;
		eval_row_clear(&ev);
		if (e != XA_OK)
			return e;
		if (j->id == 0) {
			json_t *empty = json_object();
			e = eval_save(conn, j->sc.id, j->year, empty, by, j->now, &j->id);
			json_decref(empty);
			if (e == XA_OK)
				e = audit_req(conn, j->r, "evaluation.save", "evaluation", j->id,
				    "answers", j->now);
			if (e != XA_OK)
				return e;
		}
		e = eval_file_add(conn, j->id, j->part, &j->file, by, j->now, &j->file_id);
		if (e == XA_OK) {
			snprintf(fields, sizeof fields, "file=%lld;name,data", (long long)j->file_id);
			e = audit_req(conn, j->r, "evaluation.file_add", "evaluation", j->id, fields,
			    j->now);
		}
		return e;
	}
	case OP_FILE_DEL: {
		eval_row ev;
		e = eval_get(conn, j->sc.id, j->year, &ev);
		j->id = ev.id;
		eval_row_clear(&ev);
		if (e != XA_OK)
			return e;
		if (j->id == 0)
			return XA_ENOTFOUND;
		e = eval_file_remove(conn, j->id, j->file_id, j->now);
		if (e == XA_OK) {
			snprintf(fields, sizeof fields, "file=%lld", (long long)j->file_id);
			e = audit_req(conn, j->r, "evaluation.file_remove", "evaluation", j->id,
			    fields, j->now);
		}
		return e;
	}
	}
	return XA_EINVAL;
}

static void
ev_done(req *r, void *p, xa_err result)
{
	struct ev_job *j = p;
	json_decref(j->answers);
	j->answers = NULL;
	const char *base = arena_printf(r->a, "/evaluations/%lld/%d", (long long)j->sc.id,
	    j->year);
	if (result == XA_ECONFLICT) {
		req_error(r, 409, j->op == OP_RETURN ? "evaluation_not_submitted" :
		    "evaluation_frozen", NULL);
		return;
	}
	if (result == XA_ENOTFOUND) {
		if (j->op == OP_SUBMIT)
			req_error(r, 409, "evaluation_empty", NULL);
		else
			req_error(r, 404, "not_found", NULL);
		return;
	}
	if (result == XA_ETOOMANY) {
		req_error(r, 400, "evaluation_too_many_files", "file");
		return;
	}
	if (result == XA_EINVAL && j->missing != NULL) {
		if (!is_api(r)) {
			req_redirect(r, arena_printf(r->a, "%s?missing=%s#form", base, j->missing));
			return;
		}
		req_error(r, 400, "evaluation_incomplete", j->missing);
		return;
	}
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (j->op == OP_SAVE && j->submit && j->missing != NULL) {
		/* Saved, not submitted: what is missing. */
		if (!is_api(r)) {
			req_redirect(r, arena_printf(r->a, "%s?missing=%s#form", base, j->missing));
			return;
		}
		json_t *err = json_pack("{s:s, s:s, s:s}", "code", "evaluation_incomplete",
		    "message", i18n(r->lang, "error.evaluation_incomplete"), "field", j->missing);
		req_json(r, 400, json_pack("{s:o, s:{s:I, s:s}}", "error", err, "evaluation",
		    "id", (json_int_t)j->id, "state", "draft"));
		return;
	}
	if (!is_api(r)) {
		const char *done = j->op == OP_RETURN ? "returned" : j->submitted ? "submitted" :
		    j->op == OP_FILE_ADD || j->op == OP_FILE_DEL ? "file" : "saved";
		req_redirect(r, arena_printf(r->a, "%s?done=%s", base, done));
		return;
	}
	if (j->op == OP_FILE_ADD) {
		req_json(r, 201, json_pack("{s:I, s:I, s:s, s:s, s:I}", "id", (json_int_t)j->file_id,
		    "evaluation_id", (json_int_t)j->id, "name", j->file.name, "mime", j->file.mime,
		    "size", (json_int_t)j->file.size));
		return;
	}
	if (j->op == OP_FILE_DEL) {
		req_json(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)j->file_id, "removed", 1));
		return;
	}
	const char *state = j->op == OP_RETURN ? "returned" : j->submitted ? "submitted" : "draft";
	req_json(r, 200, json_pack("{s:{s:I, s:I, s:i, s:s}}", "evaluation", "id",
	    (json_int_t)j->id, "unit_id", (json_int_t)j->sc.id, "year", j->year, "state", state));
}

static struct ev_job *
job_new(req *r, enum op op, enum action a)
{
	struct ev_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return NULL;
	}
	if (!school_load(r, a, &j->sc) || !year_param(r, &j->year))
		return NULL;
	j->r = r;
	j->op = op;
	j->now = now_s();
	return j;
}

static void
queue(req *r, struct ev_job *j)
{
	req_write(r, ev_run, j, ev_done);
	/* Not queued (the writer is stopping): answered already. */
	if (r->answered && !r->pending) {
		json_decref(j->answers);
		j->answers = NULL;
	}
}

/* POST /evaluations/{id}/{year} (do=save|submit) and its API twin: the
 * whole form as the draft, and submitted when asked and complete. */
static void
save_h(req *r)
{
	struct ev_job *j = job_new(r, OP_SAVE, A_EVALUATION_WRITE);
	if (j == NULL)
		return;
	if (eval_answers_from_input(r->in, &j->answers) != XA_OK) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	const char *d = input_str(r->in, "do");
	j->submit = d != NULL && strcmp(d, "submit") == 0;
	queue(r, j);
}

/* POST /api/v1/evaluations/{id}/{year}/submit: the stored draft. */
static void
submit_h(req *r)
{
	struct ev_job *j = job_new(r, OP_SUBMIT, A_EVALUATION_WRITE);
	if (j != NULL)
		queue(r, j);
}

static const field return_fields[] = {
	{ "reason", FT_TEXT, F_REQUIRED, 2, EVAL_REASON_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* POST …/return: the office sends a submitted evaluation back. */
static void
return_h(req *r)
{
	struct ev_job *j = job_new(r, OP_RETURN, A_CITY_REPORT);
	if (j == NULL)
		return;
	j->reason = input_str(r->in, "reason");
	queue(r, j);
}

static const field file_fields[] = {
	{ "part", FT_ENUM, 0, 0, 0, eval_part_keys },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* On a worker: the evidence cleaned (a photo re-encoded) and sealed;
 * megabytes of work that must not hold the event loop. */
static void
file_prepare_work(void *p)
{
	struct ev_job *j = p;
	const keys *k = keys_get();
	j->file_err = k == NULL ? XA_ECONFIG : prev_file_prepare(j->r->a, k->data, j->up->data,
	    j->up->len, j->up->filename, &j->file);
}

/* Back on the loop: a file that did not clean is refused; else the
 * write. */
static void
file_prepared(req *r, void *ctx, xa_err unused)
{
	struct ev_job *j = ctx;
	(void)unused;
	if (j->file_err == XA_ETOOBIG) {
		req_error(r, 413, "evaluation_file_too_big", "file");
		return;
	}
	if (j->file_err == XA_ECONFIG) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (j->file_err != XA_OK) {
		req_error(r, 400, "evaluation_bad_file", "file");
		return;
	}
	queue(r, j);
}

/* POST …/files (multipart: file, part): one evidence file, prepared on a
 * worker. */
static void
file_add_h(req *r)
{
	struct ev_job *j = job_new(r, OP_FILE_ADD, A_EVALUATION_WRITE);
	if (j == NULL)
		return;
	const upload *f = NULL;
	if (r->files != NULL)
		for (size_t i = 0; i < r->files->nfiles && f == NULL; i++)
			if (strcmp(r->files->files[i].field, "file") == 0)
				f = &r->files->files[i];
	if (f == NULL || f->len == 0) {
		req_error(r, 400, "evaluation_file_required", "file");
		return;
	}
	if (keys_get() == NULL) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	j->up = f;
	j->part = input_str(r->in, "part");
	req_offload(r, file_prepare_work, j, file_prepared);
}

/* DELETE /api/v1/…/files/{file} and POST …/files/{file}/delete. */
static void
file_del_h(req *r)
{
	struct ev_job *j = job_new(r, OP_FILE_DEL, A_EVALUATION_WRITE);
	if (j == NULL)
		return;
	if (req_param_int(r, "file", &j->file_id) != XA_OK) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	queue(r, j);
}

/* GET …/files/{file}: the evidence, opened. */
static void
file_get_h(req *r)
{
	struct school sc;
	int year;
	int64_t fid = 0;
	if (!school_load(r, A_EVALUATION_READ, &sc) || !year_param(r, &year))
		return;
	if (req_param_int(r, "file", &fid) != XA_OK) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	int own = policy_allow(r->user, A_EVALUATION_WRITE, sc.path);
	db_stmt *st = NULL;
	void *data = NULL;
	size_t len = 0;
	const char *mime = NULL, *name = NULL;
	xa_err e = XA_ENOTFOUND;
	if (db_prepare(r->rdb, "SELECT f.name, f.mime, f.data FROM evaluation_files f"
	    " JOIN evaluations e ON e.id = f.evaluation_id WHERE f.id = ? AND e.unit_id = ?"
	    " AND e.year = ? AND f.removed_at = 0 AND (? OR e.state = 'submitted')",
	    &st) == XA_OK) {
		db_bind_int(st, 1, fid);
		db_bind_int(st, 2, sc.id);
		db_bind_int(st, 3, year);
		db_bind_int(st, 4, own);
		if (db_step(st) == 1) {
			name = arena_strdup(r->a, db_col_text(st, 0));
			mime = arena_strdup(r->a, db_col_text(st, 1));
			e = keys_get() == NULL ? XA_ECRYPTO : prev_file_open(r->a, keys_get()->data,
			    db_col_blob(st, 2), db_col_len(st, 2), &data, &len);
		}
		db_done(st);
	}
	if (e == XA_ENOTFOUND || name == NULL || mime == NULL) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (e != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_file(r, mime, name, data, len);
}

/* ------------------------------------------------------------------ */
/* Lists. */

static const field list_query[] = {
	{ "year", FT_INT, 0, YEAR_MIN, YEAR_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* A school's own years. */
static void
list_school(req *r)
{
	const principal *p = r->user;
	char name[EVAL_NAME_BYTES] = "";
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT name FROM units WHERE id = ?", &st) == XA_OK) {
		db_bind_int(st, 1, p->unit_id);
		if (db_step(st) == 1)
			snprintf(name, sizeof name, "%s", db_col_text(st, 0));
		db_done(st);
	}
	int now = year_now(r);
	int can_write = policy_allow(p, A_EVALUATION_WRITE, p->unit_path);
	json_t *years = json_array();
	xa_day today = today_of(r);
	for (int y = now; years != NULL && y > now - YEARS_SHOWN; y--) {
		eval_row ev;
		if (eval_get(r->rdb, p->unit_id, y, &ev) != XA_OK) {
			eval_row_clear(&ev);
			continue;
		}
		xa_day due = eval_due(r->rdb, y);
		char dd[11], sk[48];
		day_format(due, dd);
		snprintf(sk, sizeof sk, "evaluation.state.%s", eval_state_names[ev.state]);
		int late = ev.first_submitted_at > 0 ? ev.first_submitted_at >=
		    day_start(due + 1, zone_of(r)) : today > due;
		json_array_append_new(years, json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:b, s:s,"
		    " s:s}", "year", y, "label", year_label(r, y), "due", dd, "state",
		    eval_state_names[ev.state], "state_label", i18n(r->lang, sk), "chip",
		    state_chips[ev.state], "late", late, "submitted_at",
		    time_text(r, ev.first_submitted_at), "href", arena_printf(r->a,
		    "/evaluations/%lld/%d", (long long)p->unit_id, y)));
		eval_row_clear(&ev);
	}
	req_answer(r, 200, json_pack("{s:{s:s}, s:{s:I, s:s}, s:o, s:b}", "page", "title_key",
	    "evaluation.title_list", "school", "id", (json_int_t)p->unit_id, "name", name,
	    "years", years ? years : json_array(), "can_write", can_write));
}

/* The bureau: every school of the year, by township, with its state. */
static void
list_bureau(req *r)
{
	const principal *p = r->user;
	int year = year_query(r);
	xa_day due = eval_due(r->rdb, year), today = today_of(r);
	int64_t due_end = day_start(due + 1, zone_of(r));
	char dd[11], like[112];
	day_format(due, dd);
	snprintf(like, sizeof like, "%s%%", p->scope_path);
	db_stmt *st = NULL;
	json_t *towns = json_array(), *late_list = json_array();
	int n = 0, on_time = 0, late = 0, returned = 0, none = 0;
	if (towns == NULL || late_list == NULL || db_prepare(r->rdb, "SELECT u.id, u.name,"
	    " u.path, coalesce(t.name, ''), coalesce(e.state, 'none'),"
	    " coalesce(e.first_submitted_at, 0), coalesce(e.submitted_at, 0) FROM units u"
	    " LEFT JOIN units t ON t.id = u.township_id LEFT JOIN evaluations e"
	    " ON e.unit_id = u.id AND e.year = ? WHERE u.kind = 'school' AND u.active = 1"
	    " AND u.path LIKE ? ORDER BY coalesce(u.township_id, 999999999), u.name LIMIT 5000",
	    &st) != XA_OK) {
		json_decref(towns);
		json_decref(late_list);
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	db_bind_int(st, 1, year);
	db_bind_text(st, 2, like, -1);
	json_t *cur = NULL;
	char cur_name[EVAL_NAME_BYTES] = "\x01";
	while (db_step(st) == 1) {
		if (!policy_allow(p, A_EVALUATION_READ, db_col_text(st, 2)))
			continue;
		const char *tn = db_col_text(st, 3);
		if (tn[0] == '\0')
			tn = i18n(r->lang, "evaluation.report.direct_schools");
		if (cur == NULL || strcmp(cur_name, tn) != 0) {
			snprintf(cur_name, sizeof cur_name, "%s", tn);
			cur = json_pack("{s:s, s:[], s:i, s:i}", "name", tn, "schools", "submitted", 0,
			    "count", 0);
			json_array_append_new(towns, cur);
		}
		int64_t id = db_col_int(st, 0);
		const char *state = db_col_text(st, 4);
		int64_t first = db_col_int(st, 5);
		enum eval_state es = ES_NONE;
		for (int k = 0; eval_state_names[k] != NULL; k++)
			if (strcmp(eval_state_names[k], state) == 0)
				es = (enum eval_state)k;
		int is_late = first > 0 ? first >= due_end : today > due;
		char sk[48];
		snprintf(sk, sizeof sk, "evaluation.state.%s", eval_state_names[es]);
		const char *school = db_col_text(st, 1);
		json_array_append_new(json_object_get(cur, "schools"), json_pack("{s:I, s:s, s:s,"
		    " s:s, s:s, s:b, s:s, s:s}", "id", (json_int_t)id, "name", school, "state",
		    eval_state_names[es], "state_label", i18n(r->lang, sk), "chip", state_chips[es],
		    "late", is_late, "submitted_at", time_text(r, first), "href",
		    arena_printf(r->a, "/evaluations/%lld/%d", (long long)id, year)));
		json_object_set_new(cur, "count", json_integer(json_integer_value(json_object_get(cur,
		    "count")) + 1));
		n++;
		if (first > 0) {
			json_object_set_new(cur, "submitted", json_integer(json_integer_value(
			    json_object_get(cur, "submitted")) + 1));
			if (is_late)
				late++;
			else
				on_time++;
		} else {
			none++;
		}
		returned += es == ES_RETURNED;
		if (first == 0 && is_late)
			json_array_append_new(late_list, json_pack("{s:s, s:s, s:s, s:s}", "name", school,
			    "township", tn, "state_label", i18n(r->lang, sk), "href", arena_printf(r->a,
			    "/evaluations/%lld/%d", (long long)id, year)));
	}
	db_done(st);
	json_t *years = json_array();
	for (int y = year_now(r); years != NULL && y > year_now(r) - YEARS_SHOWN; y--)
		json_array_append_new(years, json_pack("{s:i, s:s, s:b}", "value", y, "label",
		    year_label(r, y), "selected", y == year));
	json_t *m = json_pack("{s:{s:s}, s:b, s:i, s:s, s:s, s:s, s:o, s:o, s:o, s:{s:i, s:i,"
	    " s:i, s:i, s:i}}", "page", "title_key", "evaluation.title_list", "bureau", 1,
	    "year", year, "school_year", year_label(r, year), "due", dd, "due_text",
	    tr(r, "evaluation.due_text", "due", dd, NULL), "years", years ? years : json_array(),
	    "townships", towns, "late", late_list, "counts", "schools", n, "on_time", on_time,
	    "late", late, "returned", returned, "missing", none);
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	json_object_set_new(m, "summary", json_string(tr(r, "evaluation.summary", "schools",
	    num(r, n), "on_time", num(r, on_time), "late", num(r, late), "missing", num(r, none),
	    "returned", num(r, returned), NULL)));
	req_answer(r, 200, m);
}

/* GET /evaluations and /api/v1/evaluations. */
static void
list_h(req *r)
{
	const principal *p = r->user;
	if (strcmp(p->unit_kind, "school") == 0 &&
	    policy_allow(p, A_EVALUATION_READ, p->unit_path)) {
		list_school(r);
		return;
	}
	if (strcmp(p->unit_kind, "school") != 0 &&
	    policy_allow(p, A_EVALUATION_READ, p->scope_path)) {
		list_bureau(r);
		return;
	}
	req_error(r, 404, "not_found", NULL);
}

/* ------------------------------------------------------------------ */
/* The city report. */

static const field report_query[] = {
	{ "year", FT_INT, 0, YEAR_MIN, YEAR_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The report's model for the caller, or NULL (answered). */
static json_t *
report_model(req *r, int year)
{
	const principal *p = r->user;
	if (strcmp(p->unit_kind, "school") == 0 ||
	    !policy_allow(p, A_CITY_REPORT, p->scope_path)) {
		req_error(r, 404, "not_found", NULL);
		return NULL;
	}
	cityreport_opts o = { .year = year, .lang = r->lang, .zone = zone_of(r),
		.now = now_s(), .scope = p->scope_path };
	json_t *m = NULL;
	if (cityreport_model(r->rdb, &o, &m) != XA_OK || m == NULL) {
		req_error(r, 503, "unavailable", NULL);
		return NULL;
	}
	return m;
}

/* GET /api/v1/city-report?year=: the model (every table and chart). */
static void
report_json_h(req *r)
{
	json_t *m = report_model(r, year_query(r));
	if (m != NULL)
		req_json(r, 200, m);
}

/* GET /city-report: the due date, the downloads and the report itself,
 * its charts drawn inline. */
static void
report_page_h(req *r)
{
	int year = year_query(r);
	json_t *m = report_model(r, year);
	if (m == NULL)
		return;
	xa_day due = city_report_due(r->rdb, year), today = today_of(r);
	char dd[11];
	day_format(due, dd);
	long days = (long)due - (long)today;
	json_object_set_new(m, "page", json_pack("{s:s}", "title_key", "evaluation.report_title"));
	json_object_set_new(m, "due_text", json_string(days >= 0 ?
	    tr(r, "evaluation.report_due_in", "due", dd, "days", num(r, days), NULL) :
	    tr(r, "evaluation.report_due_past", "due", dd, NULL)));
	json_object_set_new(m, "pdf_href", json_string(arena_printf(r->a,
	    "/api/v1/city-report.pdf?year=%d", year)));
	json_object_set_new(m, "xlsx_href", json_string(arena_printf(r->a,
	    "/api/v1/city-report.xlsx?year=%d", year)));
	json_t *years = json_array();
	for (int y = year_now(r); years != NULL && y > year_now(r) - YEARS_SHOWN; y--)
		json_array_append_new(years, json_pack("{s:i, s:s, s:b}", "value", y, "label",
		    year_label(r, y), "selected", y == year));
	json_object_set_new(m, "years", years ? years : json_array());
	/* Each chart as SVG text beside its data. */
	size_t i, k;
	json_t *s, *c;
	json_array_foreach(json_object_get(m, "sections"), i, s) {
		json_array_foreach(json_object_get(s, "charts"), k, c) {
			buf b;
			buf_init(&b, 1u << 20);
			if (cityreport_chart_svg(c, &b) == XA_OK && b.data != NULL)
				json_object_set_new(c, "svg", json_string(b.data));
			buf_free(&b);
		}
		json_t *t;
		json_array_foreach(json_object_get(s, "tables"), k, t) {
			/* Cells as texts, for the template. */
			json_t *rows = json_object_get(t, "rows"), *out = json_array();
			size_t q;
			json_t *row;
			json_array_foreach(rows, q, row) {
				json_t *cells = json_array();
				size_t x;
				json_t *v;
				json_array_foreach(row, x, v)
					json_array_append_new(cells, json_pack("{s:s, s:b}", "text",
					    json_is_integer(v) ? num(r, json_integer_value(v)) :
					    json_is_string(v) ? json_string_value(v) : "", "num", x > 0));
				json_array_append_new(out, json_pack("{s:o}", "cells", cells));
			}
			json_object_set_new(t, "view_rows", out);
		}
	}
	req_page(r, 200, m);
}

struct report_job {
	json_t *model;
	int xlsx;
	char tmpdir[512];
	const char *filename;
	buf out;
	xa_err e;
};

static void
report_work(void *p)
{
	struct report_job *j = p;
	j->e = j->xlsx ? cityreport_xlsx(j->model, j->tmpdir, &j->out) :
	    cityreport_pdf(j->model, &j->out);
}

static void
report_done(req *r, void *p, xa_err unused)
{
	struct report_job *j = p;
	(void)unused;
	json_decref(j->model);
	j->model = NULL;
	if (j->e != XA_OK) {
		log_error("request %s: city report: %s", r->id, xa_strerror(j->e));
		buf_free(&j->out);
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_file(r, j->xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" :
	    "application/pdf", j->filename, j->out.data ? j->out.data : "", j->out.len);
	buf_free(&j->out);
}

static void
report_file(req *r, int xlsx)
{
	int year = year_query(r);
	struct report_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	if ((j->model = report_model(r, year)) == NULL)
		return;
	j->xlsx = xlsx;
	snprintf(j->tmpdir, sizeof j->tmpdir, "%s", server_config(r->srv)->data);
	j->filename = arena_printf(r->a, "%s.%s", tr(r, "evaluation.report_file", "year",
	    year_label(r, year), NULL), xlsx ? "xlsx" : "pdf");
	if (j->filename == NULL) {
		json_decref(j->model);
		req_error(r, 500, "internal", NULL);
		return;
	}
	buf_init(&j->out, REPORT_MAX);
	req_offload(r, report_work, j, report_done);
	/* Not handed over (out of memory): answered already. */
	if (r->answered && !r->pending) {
		json_decref(j->model);
		j->model = NULL;
		buf_free(&j->out);
	}
}

static void report_pdf_h(req *r) { report_file(r, 0); }
static void report_xlsx_h(req *r) { report_file(r, 1); }

/* ------------------------------------------------------------------ */

static const field form_x[] = {
	{ "x", FT_STRING, 0, 0, 8, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

#define API (R_API | R_AUTH)
#define PAGE R_AUTH
#define E "/evaluations/{id:int}/{year:int}"

const route evaluation_routes[] = {
	{ M_GET, "/api/v1/evaluations", list_h, API, list_query, NULL, NULL,
	  "api_evaluations" },
	{ M_GET, "/api/v1" E, eval_get_h, API, one_query, NULL, NULL, "api_evaluation" },
	{ M_POST, "/api/v1" E, save_h, API, NULL, eval_fields, NULL, "api_evaluation_save" },
	{ M_POST, "/api/v1" E "/submit", submit_h, API, NULL, form_x, NULL,
	  "api_evaluation_submit" },
	{ M_POST, "/api/v1" E "/return", return_h, API, NULL, return_fields, NULL,
	  "api_evaluation_return" },
	{ M_POST, "/api/v1" E "/files", file_add_h, API, NULL, file_fields, NULL,
	  "api_evaluation_file_add" },
	{ M_GET, "/api/v1" E "/files/{file:int}", file_get_h, API, NULL, NULL, NULL,
	  "api_evaluation_file" },
	{ M_DELETE, "/api/v1" E "/files/{file:int}", file_del_h, API, NULL, NULL, NULL,
	  "api_evaluation_file_remove" },
	{ M_GET, "/api/v1/city-report", report_json_h, API, report_query, NULL, NULL,
	  "api_city_report" },
	{ M_GET, "/api/v1/city-report.pdf", report_pdf_h, API, report_query, NULL, NULL,
	  "api_city_report_pdf" },
	{ M_GET, "/api/v1/city-report.xlsx", report_xlsx_h, API, report_query, NULL, NULL,
	  "api_city_report_xlsx" },
	/* The pages. */
	{ M_GET, "/evaluations", list_h, PAGE, list_query, NULL, "evaluation_list",
	  "evaluation_list" },
	{ M_GET, E, eval_get_h, PAGE, one_query, NULL, "evaluation", "evaluation" },
	{ M_POST, E, save_h, PAGE, NULL, eval_fields, "evaluation", "evaluation_form" },
	{ M_POST, E "/return", return_h, PAGE, NULL, return_fields, "evaluation",
	  "evaluation_return_form" },
	{ M_POST, E "/files", file_add_h, PAGE, NULL, file_fields, "evaluation",
	  "evaluation_file_form" },
	{ M_GET, E "/files/{file:int}", file_get_h, PAGE, NULL, NULL, NULL,
	  "evaluation_file" },
	{ M_POST, E "/files/{file:int}/delete", file_del_h, PAGE, NULL, form_x, "evaluation",
	  "evaluation_file_remove_form" },
	{ M_GET, "/city-report", report_page_h, PAGE, report_query, NULL, "cityreport",
	  "city_report" },
};
const size_t evaluation_routes_count = sizeof evaluation_routes / sizeof evaluation_routes[0];
