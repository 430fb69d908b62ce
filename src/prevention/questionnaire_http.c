/* questionnaire_http.c: the city's questionnaires, read and edited
 * (questionnaire.h, docs/internals/survey.md "Editing a questionnaire").
 *
 * The two shipped questionnaires (standard) are never changed: the bureau
 * office copies one and edits the copy, on a page or as JSON; whoever may
 * open a campaign reads them all and picks one per level. A campaign keeps
 * the bodies it was opened with, so nothing here changes a campaign.
 *
 * Never: store a questionnaire that has not gone through
 * questionnaire_normalise(). */
#include "prevention_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../auth/auth.h"
#include "../auth/session.h"
#include "../core/i18n.h"
#include "../core/utf8.h"
#include "../http/form.h"
#include "../http/handler.h"
#include "../http/input.h"
#include "../http/server.h"
#include "questionnaire.h"

/* The bureau's path ("/1/") from the account's. */
static const char *
bureau_path(req *r)
{
	size_t n = strcspn(r->user->unit_path + 1, "/");
	const char *p = arena_printf(r->a, "%.*s", (int)n + 2, r->user->unit_path);
	return p ? p : "";
}

static bool
may_edit(req *r)
{
	return policy_allow(r->user, A_SURVEY_TEMPLATE, bureau_path(r));
}

/* Whoever may open a campaign, or edit questionnaires, reads them. */
static bool
may_read(req *r)
{
	return may_edit(r) || policy_allow(r->user, A_SURVEY_OPEN, r->user->unit_path);
}

struct tmpl_row {
	int64_t id, updated_at;
	char level[12];
	const char *name;
	bool standard;
	json_t *body;
};

/* Questionnaire id into *t (name in r's arena, body a new reference):
 * 1 found, 0 not, -1 the database failed. */
static int
tmpl_load(req *r, int64_t id, struct tmpl_row *t)
{
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT level, name, standard, updated_at, body FROM"
	    " survey_templates WHERE id = ?", &st) != XA_OK)
		return -1;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == 1) {
		t->id = id;
		snprintf(t->level, sizeof t->level, "%s", db_col_text(st, 0));
		t->name = arena_strdup(r->a, db_col_text(st, 1));
		t->standard = db_col_int(st, 2) != 0;
		t->updated_at = db_col_int(st, 3);
		t->body = json_loads(db_col_text(st, 4), 0, NULL);
		if (t->name == NULL || t->body == NULL) {
			json_decref(t->body);
			rc = -1;
		}
	}
	db_done(st);
	return rc < 0 ? -1 : rc;
}

static json_t *
tmpl_summary(req *r, const struct tmpl_row *t)
{
	size_t extras = 0, n = 0, i;
	json_t *q;
	json_array_foreach(json_object_get(t->body, "questions"), i, q) {
		n++;
		if (!questionnaire_is_core(json_string_value(json_object_get(q, "id"))))
			extras++;
	}
	return json_pack("{s:I, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:s, s:b}", "id",
	    (json_int_t)t->id, "level", t->level, "level_label", i18n(r->lang,
	    strcmp(t->level, "primary") == 0 ? "qn.level.primary" : "qn.level.secondary"),
	    "name", t->name, "standard", t->standard, "questions", (json_int_t)n,
	    "own_questions", (json_int_t)extras, "updated_at", (json_int_t)t->updated_at,
	    "href", arena_printf(r->a, "/surveys/templates/%lld", (long long)t->id),
	    "may_edit", !t->standard && may_edit(r));
}

/* GET /api/v1/survey-templates and /surveys/templates. */
static void
tmpl_list(req *r)
{
	if (!may_read(r)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	json_t *list = json_array();
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT id FROM survey_templates ORDER BY level DESC,"
	    " standard DESC, id", &st) != XA_OK) {
		json_decref(list);
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	int64_t ids[256];
	size_t n = 0;
	while (db_step(st) == 1 && n < sizeof ids / sizeof ids[0])
		ids[n++] = db_col_int(st, 0);
	db_done(st);
	for (size_t i = 0; i < n; i++) {
		struct tmpl_row t;
		if (tmpl_load(r, ids[i], &t) != 1)
			continue;
		json_array_append_new(list, tmpl_summary(r, &t));
		json_decref(t.body);
	}
	if (is_api(r)) {
		req_json(r, 200, json_pack("{s:o}", "templates", list));
		return;
	}
	req_page(r, 200, json_pack("{s:{s:s}, s:o, s:b}", "page", "title_key", "qn.list.title",
	    "templates", list, "may_edit", may_edit(r)));
}

/* The lines of a question's options' texts, for a textarea. */
static const char *
option_lines(req *r, const json_t *q)
{
	buf b;
	buf_init(&b, 1024);
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(q, "options"), i, o) {
		buf_puts(&b, json_string_value(json_object_get(o, "text")));
		buf_puts(&b, "\n");
	}
	const char *s = arena_strdup(r->a, b.data ? b.data : "");
	buf_free(&b);
	return s ? s : "";
}

/* The edit page's model of body (the questionnaire t, or what was sent
 * when it was refused: form, with error). */
static json_t *
edit_model(req *r, const struct tmpl_row *t, const json_t *form, const char *error,
    const char *bad)
{
	json_t *cores = json_array(), *extras = json_array();
	size_t i;
	json_t *q;
	int no = 0;
	json_array_foreach(json_object_get(t->body, "questions"), i, q) {
		const char *id = json_string_value(json_object_get(q, "id"));
		no++;
		if (!questionnaire_is_core(id))
			continue;
		const char *type = json_string_value(json_object_get(q, "type"));
		char key[40];
		snprintf(key, sizeof key, "t_%s", id);
		const char *text = json_string_value(json_object_get(form, key));
		snprintf(key, sizeof key, "o_%s", id);
		const char *opts = json_string_value(json_object_get(form, key));
		bool removable = strcmp(id, "gender") == 0 || strcmp(id, "victim_forms") == 0 ||
		    strcmp(id, "victim_places") == 0 || strcmp(id, "told") == 0 ||
		    strcmp(id, "adult_helped") == 0;
		snprintf(key, sizeof key, "qn.core.%s", id);
		json_t *list = json_array(), *o;
		size_t k;
		json_array_foreach(json_object_get(q, "options"), k, o)
			json_array_append(list, json_object_get(o, "text"));
		json_array_append_new(cores, json_pack("{s:s, s:i, s:s, s:s, s:s, s:b, s:b, s:I,"
		    " s:s, s:b, s:o}", "id", id, "no", no, "role", i18n(r->lang, key), "text",
		    text ? text : json_string_value(json_object_get(q, "text")), "options",
		    opts ? opts : option_lines(r, q), "has_options", strcmp(type, "text") != 0,
		    "removable", removable, "noptions",
		    (json_int_t)json_array_size(json_object_get(q, "options")), "type_label",
		    i18n(r->lang, strcmp(type, "one") == 0 ? "qn.type.one" :
		    strcmp(type, "many") == 0 ? "qn.type.many" : "qn.type.text"),
		    "bad", bad != NULL && strcmp(bad, id) == 0, "option_list", list));
	}
	for (int k = 1; k <= QN_MAX_EXTRA; k++) {
		char id[8], key[40];
		snprintf(id, sizeof id, "extra%d", k);
		const json_t *eq = NULL;
		json_array_foreach(json_object_get(t->body, "questions"), i, q)
			if (strcmp(json_string_value(json_object_get(q, "id")), id) == 0)
				eq = q;
		const char *type = eq ? json_string_value(json_object_get(eq, "type")) : "none";
		const char *text = eq ? json_string_value(json_object_get(eq, "text")) : "";
		const char *opts = eq ? option_lines(r, eq) : "";
		bool optional = eq && json_is_true(json_object_get(eq, "optional"));
		const char *rule = "always";
		const char *rq = json_string_value(json_object_get(json_object_get(eq, "show_if"),
		    "q"));
		if (rq != NULL)
			rule = strcmp(rq, "bully") == 0 ? "bully" : "victim";
		if (form != NULL) {
			snprintf(key, sizeof key, "type_%s", id);
			type = json_string_value(json_object_get(form, key));
			snprintf(key, sizeof key, "t_%s", id);
			text = json_string_value(json_object_get(form, key));
			snprintf(key, sizeof key, "o_%s", id);
			opts = json_string_value(json_object_get(form, key));
			snprintf(key, sizeof key, "opt_%s", id);
			optional = json_is_true(json_object_get(form, key));
			snprintf(key, sizeof key, "if_%s", id);
			rule = json_string_value(json_object_get(form, key));
		}
		type = type ? type : "none";
		rule = rule ? rule : "always";
		json_array_append_new(extras, json_pack("{s:s, s:i, s:s, s:s, s:b, s:b, s:b, s:b,"
		    " s:b, s:b, s:b, s:b}", "id", id, "k", k, "text", text ? text : "", "options",
		    opts ? opts : "", "optional", optional, "none", strcmp(type, "none") == 0,
		    "one", strcmp(type, "one") == 0, "many", strcmp(type, "many") == 0,
		    "always", strcmp(rule, "always") == 0, "if_victim", strcmp(rule, "victim") == 0,
		    "if_bully", strcmp(rule, "bully") == 0,
		    "bad", bad != NULL && strcmp(bad, id) == 0));
	}
	const char *intro = json_string_value(json_object_get(form, "intro"));
	const char *name = json_string_value(json_object_get(form, "name"));
	json_t *m = json_pack("{s:{s:s}, s:o, s:o, s:o, s:s, s:s, s:s}", "page", "title_key",
	    "qn.edit.title", "template", tmpl_summary(r, t), "cores", cores, "extras", extras,
	    "intro", intro ? intro : json_string_value(json_object_get(t->body, "intro")),
	    "name", name ? name : t->name, "action",
	    arena_printf(r->a, "/surveys/templates/%lld", (long long)t->id));
	if (m != NULL && error != NULL)
		json_object_set_new(m, "error", json_string(error));
	return m;
}

/* GET /api/v1/survey-templates/{id} and /surveys/templates/{id}. */
static void
tmpl_show(req *r)
{
	int64_t id = 0;
	struct tmpl_row t;
	int rc = req_param_int(r, "id", &id) == XA_OK && may_read(r) ? tmpl_load(r, id, &t) : 0;
	if (rc <= 0) {
		req_error(r, rc < 0 ? 503 : 404, rc < 0 ? "unavailable" : "not_found", NULL);
		return;
	}
	if (is_api(r)) {
		json_t *o = tmpl_summary(r, &t);
		json_object_set_new(o, "body", t.body);
		req_json(r, 200, json_pack("{s:o}", "template", o));
		return;
	}
	json_t *m = edit_model(r, &t, NULL, NULL, NULL);
	json_decref(t.body);
	req_page(r, 200, m);
}

/* --- Writing. */

struct save_job {
	const req *r;
	int64_t id, from, now;
	const char *name, *level, *body;	/* body NULL: a deletion */
	bool copy, gone;
};

static xa_err
save_run(db *conn, void *p)
{
	struct save_job *j = p;
	db_stmt *st = NULL;
	xa_err e;
	if (j->copy) {
		e = db_prepare(conn, "INSERT INTO survey_templates (level, name, body, standard,"
		    " created_at, updated_at) SELECT level, ?, body, 0, ?, ? FROM"
		    " survey_templates WHERE id = ?", &st);
		if (e != XA_OK)
			return e;
		db_bind_text(st, 1, j->name, -1);
		db_bind_int(st, 2, j->now);
		db_bind_int(st, 3, j->now);
		db_bind_int(st, 4, j->from);
	} else if (j->body == NULL) {
		e = db_prepare(conn, "DELETE FROM survey_templates WHERE id = ? AND"
		    " standard = 0", &st);
		if (e != XA_OK)
			return e;
		db_bind_int(st, 1, j->id);
	} else {
		e = db_prepare(conn, "UPDATE survey_templates SET name = ?, body = ?,"
		    " updated_at = ? WHERE id = ? AND standard = 0", &st);
		if (e != XA_OK)
			return e;
		db_bind_text(st, 1, j->name, -1);
		db_bind_text(st, 2, j->body, -1);
		db_bind_int(st, 3, j->now);
		db_bind_int(st, 4, j->id);
	}
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (db_changes(conn) == 0) {
		j->gone = true;
		return XA_ENOTFOUND;
	}
	if (j->copy)
		j->id = db_last_id(conn);
	return audit_req(conn, j->r, j->copy ? "survey_template.copy" : j->body == NULL ?
	    "survey_template.delete" : "survey_template.update", "survey_template", j->id,
	    j->copy ? "name,from" : j->body == NULL ? "" : "name,body", j->now);
}

static void
save_done(req *r, void *ctx, xa_err result)
{
	struct save_job *j = ctx;
	if (result != XA_OK) {
		req_error(r, j->gone ? 404 : 503, j->gone ? "not_found" : "unavailable", NULL);
		return;
	}
	if (is_api(r)) {
		if (j->body == NULL && !j->copy) {
			req_json(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)j->id,
			    "deleted", 1));
			return;
		}
		req_json(r, j->copy ? 201 : 200, json_pack("{s:I}", "id", (json_int_t)j->id));
		return;
	}
	req_redirect(r, j->body == NULL && !j->copy ? "/surveys/templates" :
	    arena_printf(r->a, "/surveys/templates/%lld", (long long)j->id));
}

static struct save_job *
job(req *r)
{
	struct save_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return NULL;
	}
	j->r = r;
	j->now = (int64_t)time(NULL);
	return j;
}

/* POST /api/v1/survey-templates {from, name} and the list page's form:
 * a copy to edit. */
static void
tmpl_copy(req *r)
{
	if (!may_read(r)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (!may_edit(r)) {
		req_error(r, 403, "forbidden", NULL);
		return;
	}
	struct tmpl_row t;
	int rc = tmpl_load(r, input_int(r->in, "from", 0), &t);
	if (rc <= 0) {
		req_error(r, rc < 0 ? 503 : 400, rc < 0 ? "unavailable" : "qn_from", "from");
		return;
	}
	json_decref(t.body);
	struct save_job *j = job(r);
	if (j == NULL)
		return;
	j->copy = true;
	j->from = t.id;
	j->name = input_str(r->in, "name");
	req_write(r, save_run, j, save_done);
}

/* The questionnaire id the caller may change: 1 with *t loaded (body
 * to be freed), else answered. */
static int
editable(req *r, struct tmpl_row *t)
{
	int64_t id = 0;
	int rc = req_param_int(r, "id", &id) == XA_OK && may_read(r) ? tmpl_load(r, id, t) : 0;
	if (rc <= 0) {
		req_error(r, rc < 0 ? 503 : 404, rc < 0 ? "unavailable" : "not_found", NULL);
		return 0;
	}
	if (!may_edit(r)) {
		json_decref(t->body);
		req_error(r, 403, "forbidden", NULL);
		return 0;
	}
	if (t->standard) {
		json_decref(t->body);
		req_error(r, 409, "qn_standard", NULL);
		return 0;
	}
	return 1;
}

/* Checks body for t's level and queues the save; answers a refusal
 * (the page again, with what was sent, or the JSON error). */
static void
save(req *r, struct tmpl_row *t, const json_t *body, const char *name, const json_t *form)
{
	json_t *out = NULL;
	const char *why = NULL, *where = NULL;
	xa_err e = questionnaire_normalise(body, t->level, &out, &why, &where);
	if (e != XA_OK) {
		if (is_api(r)) {
			req_error(r, 400, why ? why : "invalid", where);
		} else {
			char key[48];
			snprintf(key, sizeof key, "error.%s", why ? why : "invalid");
			const char *msg = i18n(r->lang, key);
			if (where != NULL && strncmp(where, "extra", 5) == 0)
				msg = i18n_fill(r->a, r->lang, "qn.error_in_own", "N", where + 5,
				    "WHAT", msg, NULL);
			req_render(r, 400, "questionnaire", edit_model(r, t, form, msg, where));
		}
		json_decref(t->body);
		return;
	}
	char *text = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	json_decref(t->body);
	struct save_job *j = job(r);
	if (j == NULL || text == NULL) {
		free(text);
		if (j != NULL)
			req_error(r, 500, "internal", NULL);
		return;
	}
	j->id = t->id;
	j->name = name ? name : t->name;
	j->body = arena_strdup(r->a, text);
	free(text);
	if (j->body == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_write(r, save_run, j, save_done);
}

/* PUT /api/v1/survey-templates/{id} {name?, body}: the body as JSON (the
 * input tables take no nested objects, so it is read here). */
static void
tmpl_put(req *r)
{
	if (r->content_type == NULL || strncasecmp(r->content_type, "application/json", 16) != 0) {
		req_error(r, 415, "unsupported_media_type", NULL);
		return;
	}
	json_t *in = NULL;
	form_limits lim;
	form_limits_default(&lim);
	xa_err e = form_parse_json(r->body, r->body_len, &lim, &in);
	if (e != XA_OK) {
		req_error(r, 400, e == XA_EUTF8 ? "bad_utf8" : e == XA_EDEPTH ? "too_deep" :
		    "bad_json", NULL);
		return;
	}
	/* As the page's field: one line of 2 to 60 characters. */
	const json_t *name = json_object_get(in, "name");
	const char *nm = json_string_value(name);
	size_t nlen = nm ? strlen(nm) : 0, ncp = nm ? utf8_count(nm, nlen) : 0;
	if (name != NULL && (nm == NULL || !utf8_valid(nm, nlen) ||
	    !utf8_no_controls(nm, nlen, false) || ncp < 2 || ncp > 60)) {
		json_decref(in);
		req_error(r, 400, "invalid_field", "name");
		return;
	}
	struct tmpl_row t;
	if (!editable(r, &t)) {
		json_decref(in);
		return;
	}
	if (nm != NULL && (nm = arena_strdup(r->a, nm)) == NULL) {
		json_decref(in);
		json_decref(t.body);
		req_error(r, 500, "internal", NULL);
		return;
	}
	save(r, &t, json_object_get(in, "body"), nm, NULL);
	json_decref(in);
}

/* POST /surveys/templates/{id}: the edit page's form. */
static void
tmpl_post(req *r)
{
	struct tmpl_row t;
	if (!editable(r, &t))
		return;
	json_t *body = questionnaire_from_form(t.body, r->in);
	if (body == NULL) {
		json_decref(t.body);
		req_error(r, 500, "internal", NULL);
		return;
	}
	save(r, &t, body, input_str(r->in, "name"), r->in);
	json_decref(body);
}

/* DELETE /api/v1/survey-templates/{id} and the page's form. Campaigns
 * keep their own copies, so none is touched. */
static void
tmpl_delete(req *r)
{
	struct tmpl_row t;
	if (!editable(r, &t))
		return;
	json_decref(t.body);
	struct save_job *j = job(r);
	if (j == NULL)
		return;
	j->id = t.id;
	req_write(r, save_run, j, save_done);
}

static const field copy_fields[] = {
	{ "from", FT_INT, F_REQUIRED, 1, 999999999999LL, NULL },
	{ "name", FT_STRING, F_REQUIRED, 2, 60, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const char *const extra_types[] = { "none", "one", "many", NULL };
static const char *const extra_rules[] = { "always", "victim", "bully", NULL };

#define CORE_FIELDS(id) \
	{ "t_" id, FT_TEXT, 0, 0, QN_TEXT_MAX, NULL }, \
	{ "o_" id, FT_TEXT, 0, 0, 2000, NULL }
#define DEL_FIELD(id) { "del_" id, FT_BOOL, 0, 0, 0, NULL }
#define EXTRA_FIELDS(id) \
	{ "type_" id, FT_ENUM, 0, 0, 0, extra_types }, \
	{ "t_" id, FT_TEXT, 0, 0, QN_TEXT_MAX, NULL }, \
	{ "o_" id, FT_TEXT, 0, 0, 2000, NULL }, \
	{ "opt_" id, FT_BOOL, 0, 0, 0, NULL }, \
	{ "if_" id, FT_ENUM, 0, 0, 0, extra_rules }

static const field edit_fields[] = {
	{ "name", FT_STRING, F_REQUIRED, 2, 60, NULL },
	{ "intro", FT_TEXT, 0, 0, QN_INTRO_MAX, NULL },
	CORE_FIELDS("gender"), DEL_FIELD("gender"),
	CORE_FIELDS("victim"),
	CORE_FIELDS("victim_forms"), DEL_FIELD("victim_forms"),
	CORE_FIELDS("victim_places"), DEL_FIELD("victim_places"),
	CORE_FIELDS("told"), DEL_FIELD("told"),
	CORE_FIELDS("adult_helped"), DEL_FIELD("adult_helped"),
	CORE_FIELDS("bully"),
	CORE_FIELDS("help"),
	CORE_FIELDS("help_name"),
	EXTRA_FIELDS("extra1"),
	EXTRA_FIELDS("extra2"),
	EXTRA_FIELDS("extra3"),
	EXTRA_FIELDS("extra4"),
	{ NULL, 0, 0, 0, 0, NULL },
};
_Static_assert(QN_MAX_EXTRA == 4, "edit_fields names extra1..extra4");

static const field delete_fields[] = {
	{ NULL, 0, 0, 0, 0, NULL },
};

const route questionnaire_routes[] = {
	{ M_GET, "/api/v1/survey-templates", tmpl_list, R_API | R_AUTH, NULL, NULL, NULL,
	  "api_survey_templates" },
	{ M_GET, "/surveys/templates", tmpl_list, R_AUTH, NULL, NULL, "questionnaires",
	  "survey_templates" },
	{ M_POST, "/api/v1/survey-templates", tmpl_copy, R_API | R_AUTH, NULL, copy_fields,
	  NULL, "api_survey_template_copy" },
	{ M_POST, "/surveys/templates", tmpl_copy, R_AUTH, NULL, copy_fields,
	  "questionnaires", "survey_template_copy" },
	{ M_GET, "/api/v1/survey-templates/{id:int}", tmpl_show, R_API | R_AUTH, NULL, NULL,
	  NULL, "api_survey_template" },
	{ M_GET, "/surveys/templates/{id:int}", tmpl_show, R_AUTH, NULL, NULL,
	  "questionnaire", "survey_template" },
	{ M_PUT, "/api/v1/survey-templates/{id:int}", tmpl_put, R_API | R_AUTH | R_RAW_BODY,
	  NULL, NULL, NULL, "api_survey_template_put" },
	{ M_POST, "/surveys/templates/{id:int}", tmpl_post, R_AUTH, NULL, edit_fields,
	  "questionnaire", "survey_template_save" },
	{ M_DELETE, "/api/v1/survey-templates/{id:int}", tmpl_delete, R_API | R_AUTH, NULL,
	  NULL, NULL, "api_survey_template_delete" },
	{ M_POST, "/surveys/templates/{id:int}/delete", tmpl_delete, R_AUTH, NULL,
	  delete_fields, "questionnaire", "survey_template_delete" },
};
const size_t questionnaire_routes_count =
    sizeof questionnaire_routes / sizeof questionnaire_routes[0];
