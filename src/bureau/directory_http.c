/* directory_http.c: the pages and API of the public directory of
 * anti-bullying offices and its filing (备案), the notice's 四(四).
 *
 * The public part needs no account: /directory lists every school's live
 * entry (office, phone, e-mail, hours, place, the work plan to download),
 * searchable by name and filterable by township, under the bureau's own
 * office, the 12355 youth hotline and the anonymous report; the same
 * model is /api/v1/public/directory. It is the product's most-read page,
 * so it is cacheable: anonymous answers carry a short max-age and an
 * ETag over the model (a revalidation costs no body), and a plan is
 * served with its SM3 as ETag.
 *
 * The staff part: a school (A_DIRECTORY_FILE) files its entry, prefilled
 * from the registry, from its live entry or from its waiting filing; the
 * office (A_DIRECTORY_APPROVE) sees every school's state, approves or
 * refuses with a reason, and sets the bureau's own entry, which is live at
 * once. Every change is a writer job with its audit record.
 *
 * Never: show the public anything but live entries of active schools, or
 * any account's data (who filed, who approved); answer another school's
 * filing other than exactly like a missing one (404); take a plan that is
 * not a PDF by its bytes; hash a large upload on an event loop. */
#include "bureau_http.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../auth/auth.h"
#include "../auth/session.h"
#include "../core/calendar.h"
#include "../core/config.h"
#include "../core/crypto.h"
#include "../core/i18n.h"
#include "../http/handler.h"
#include "../http/input.h"
#include "../http/server.h"
#include "../http/static.h"
#include "directory.h"

#define ID_MAX 999999999999LL
/* Filings shown in a unit's history. */
#define HISTORY_MAX 100
/* How long a browser or proxy may keep the public list without asking. */
#define PUBLIC_CACHE "public, max-age=60"
#define PLAN_CACHE "public, max-age=300"

/* ------------------------------------------------------------------ */
/* Small helpers. */

/* "2026-11-29" in the bureau's zone, or "" for 0. */
static const char *
day_text(req *r, int64_t t)
{
	char out[11];
	if (t <= 0)
		return "";
	day_format(day_of(t, zone_of(r)), out);
	const char *s = arena_strdup(r->a, out);
	return s ? s : "";
}

/* "356 KB", "1.2 MB". */
static const char *
size_text(req *r, int64_t n)
{
	const char *s = n >= (1 << 20) ? arena_printf(r->a, "%lld.%lld MB",
	    (long long)(n >> 20), (long long)(((n & ((1 << 20) - 1)) * 10) >> 20)) :
	    arena_printf(r->a, "%lld KB", (long long)((n + 1023) / 1024));
	return s ? s : "";
}

/* The number to dial for a phone as written: its first number's digits
 * (and a leading +), up to an extension (转) or a second number. */
static const char *
tel_of(req *r, const char *phone)
{
	char out[40];
	size_t n = 0;
	for (const char *p = phone; *p != '\0' && n + 1 < sizeof out; p++) {
		if ((*p >= '0' && *p <= '9') || (*p == '+' && n == 0))
			out[n++] = *p;
		else if (*p == '-' || *p == ' ' || *p == '(' || *p == ')')
			continue;
		else
			break;
	}
	out[n] = '\0';
	const char *s = arena_strdup(r->a, out);
	return s ? s : "";
}

/* ------------------------------------------------------------------ */
/* Units and who may act on them. */

struct unit {
	int64_t id;
	int64_t township_id;
	int is_bureau;
	char path[96];
	char name[DIR_NAME_BYTES];
	char township[DIR_NAME_BYTES];
	/* What the registry says of the office (a new filing's defaults). */
	char office_name[256], office_phone[136], office_email[104];
};

enum need { N_READ, N_FILE, N_DECIDE };

/* Whether the caller may do `need` on u: a school's filers read and file
 * its entry, the office reads and decides every school's; the bureau's
 * own entry is the office's alone. */
static int
may(const req *r, const struct unit *u, enum need need)
{
	const principal *p = r->user;
	int file = !u->is_bureau && policy_allow(p, A_DIRECTORY_FILE, u->path);
	int decide = policy_allow(p, A_DIRECTORY_APPROVE, u->path);
	switch (need) {
	case N_READ:
		return file || decide;
	case N_FILE:
		return u->is_bureau ? decide : file;
	case N_DECIDE:
		return decide;
	}
	return 0;
}

/* Reads unit id (a school or the bureau) into u; 0 when there is none. */
static int
unit_read(req *r, int64_t id, struct unit *u)
{
	db_stmt *st = NULL;
	int found = 0;
	memset(u, 0, sizeof *u);
	if (db_prepare(r->rdb, "SELECT u.id, u.path, u.name, u.kind, coalesce(u.township_id, 0),"
	    " coalesce(t.name, ''), u.office_name, u.office_phone, u.office_email FROM units u"
	    " LEFT JOIN units t ON t.id = u.township_id WHERE u.id = ?"
	    " AND (u.kind = 'school' OR (u.kind = 'bureau' AND u.parent_id IS NULL))", &st) != XA_OK)
		return 0;
	db_bind_int(st, 1, id);
	if (db_step(st) == 1) {
		u->id = db_col_int(st, 0);
		snprintf(u->path, sizeof u->path, "%s", db_col_text(st, 1));
		snprintf(u->name, sizeof u->name, "%s", db_col_text(st, 2));
		u->is_bureau = strcmp(db_col_text(st, 3), "bureau") == 0;
		u->township_id = db_col_int(st, 4);
		snprintf(u->township, sizeof u->township, "%s", db_col_text(st, 5));
		snprintf(u->office_name, sizeof u->office_name, "%s", db_col_text(st, 6));
		snprintf(u->office_phone, sizeof u->office_phone, "%s", db_col_text(st, 7));
		snprintf(u->office_email, sizeof u->office_email, "%s", db_col_text(st, 8));
		found = 1;
	}
	db_done(st);
	return found;
}

/* The registry's office contact for the bureau's entry: the bureau's
 * office unit (the leading group's office) when it has one. */
static void
bureau_defaults(req *r, struct unit *u)
{
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT office_name, office_phone, office_email FROM units"
	    " WHERE kind = 'office' AND active = 1 ORDER BY id LIMIT 1", &st) != XA_OK)
		return;
	if (db_step(st) == 1) {
		if (db_col_text(st, 0)[0] != '\0')
			snprintf(u->office_name, sizeof u->office_name, "%s", db_col_text(st, 0));
		if (db_col_text(st, 1)[0] != '\0')
			snprintf(u->office_phone, sizeof u->office_phone, "%s", db_col_text(st, 1));
		if (db_col_text(st, 2)[0] != '\0')
			snprintf(u->office_email, sizeof u->office_email, "%s", db_col_text(st, 2));
	}
	db_done(st);
	if (u->office_phone[0] == '\0')
		snprintf(u->office_phone, sizeof u->office_phone, "%s",
		    server_config(r->srv)->hotline);
}

/* The unit of path parameter {id} when the caller may do `need` on it;
 * else answers 404, exactly as for a unit that does not exist, and
 * returns 0. */
static int
unit_load(req *r, enum need need, struct unit *u)
{
	int64_t id = 0;
	if (req_param_int(r, "id", &id) != XA_OK || !unit_read(r, id, u) || !may(r, u, need)) {
		req_error(r, 404, "not_found", NULL);
		return 0;
	}
	if (u->is_bureau)
		bureau_defaults(r, u);
	return 1;
}

/* ------------------------------------------------------------------ */
/* Filings as the staff pages show them. */

static const char *const state_chips[][2] = {
	{ "pending", "chip-amber" }, { "live", "chip-green" }, { "superseded", "chip-grey" },
	{ "refused", "chip-red" }, { "withdrawn", "chip-grey" },
};

static const char *
chip_of(const char *state)
{
	for (size_t i = 0; i < sizeof state_chips / sizeof state_chips[0]; i++)
		if (strcmp(state, state_chips[i][0]) == 0)
			return state_chips[i][1];
	return "chip-grey";
}

#define FILING_COLS "f.id, f.state, f.office_name, f.phone, f.email, f.hours, f.location," \
	" f.contact, f.note, coalesce(f.plan_id, 0), coalesce(p.name, ''), coalesce(p.size, 0)," \
	" f.filed_at, f.decided_at, f.reason, f.ended_at"

/* One filing (a row of FILING_COLS) as the staff see it. */
static json_t *
filing_json(req *r, int64_t unit, db_stmt *st)
{
	const char *state = db_col_text(st, 1);
	int64_t id = db_col_int(st, 0);
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
	    " s:s, s:s}", "id", (json_int_t)id, "state", state, "state_label",
	    i18n_name(r->lang, "directory.state", state), "chip", chip_of(state),
	    "office_name", db_col_text(st, 2), "phone", db_col_text(st, 3), "email",
	    db_col_text(st, 4), "hours", db_col_text(st, 5), "location", db_col_text(st, 6),
	    "contact", db_col_text(st, 7), "note", db_col_text(st, 8), "filed_at",
	    when_text(r, db_col_int(st, 12)), "decided_at", when_text(r, db_col_int(st, 13)),
	    "reason", db_col_text(st, 14));
	if (o == NULL)
		return NULL;
	if (db_col_int(st, 9) > 0)
		json_object_set_new(o, "plan", json_pack("{s:s, s:I, s:s, s:s}", "name",
		    db_col_text(st, 10), "size", (json_int_t)db_col_int(st, 11), "size_text",
		    size_text(r, db_col_int(st, 11)), "href", arena_printf(r->a,
		    "/directory/units/%lld/plan.pdf?filing=%lld", (long long)unit, (long long)id)));
	else
		json_object_set_new(o, "plan", json_null());
	json_object_set_new(o, "is_pending", json_boolean(strcmp(state, "pending") == 0));
	json_object_set_new(o, "is_refused", json_boolean(strcmp(state, "refused") == 0));
	json_object_set_new(o, "is_live", json_boolean(strcmp(state, "live") == 0));
	return o;
}

/* The unit's filings: the live one, the waiting one, and the history
 * (newest first, at most HISTORY_MAX) into m. */
static void
filings_into(req *r, const struct unit *u, json_t *m)
{
	db_stmt *st = NULL;
	json_t *hist = json_array();
	json_t *live = NULL, *pending = NULL;
	if (hist != NULL && db_prepare(r->rdb, "SELECT " FILING_COLS " FROM directory_filings f"
	    " LEFT JOIN directory_plans p ON p.id = f.plan_id WHERE f.unit_id = ?"
	    " ORDER BY f.id DESC", &st) == XA_OK) {
		db_bind_int(st, 1, u->id);
		while (db_step(st) == 1) {
			const char *state = db_col_text(st, 1);
			int is_live = strcmp(state, "live") == 0;
			int is_pending = strcmp(state, "pending") == 0;
			if (!is_live && !is_pending && json_array_size(hist) >= HISTORY_MAX)
				continue;
			json_t *f = filing_json(r, u->id, st);
			if (f == NULL)
				continue;
			if (is_live && live == NULL)
				live = json_incref(f);
			if (is_pending && pending == NULL)
				pending = json_incref(f);
			if (json_array_size(hist) < HISTORY_MAX)
				json_array_append(hist, f);
			json_decref(f);
		}
		db_done(st);
	}
	json_object_set_new(m, "live", live ? live : json_null());
	json_object_set_new(m, "pending", pending ? pending : json_null());
	json_object_set_new(m, "history", hist ? hist : json_array());
}

/* What the form shows: the values sent (after an error), else the
 * waiting filing's, else the live entry's, else the registry's. */
static json_t *
form_json(req *r, const struct unit *u, json_t *m, json_t *sent)
{
	static const char *const keys[] = { "office_name", "phone", "email", "hours",
		"location", "contact", "note" };
	json_t *from = json_object_get(m, "pending");
	const char *source = "pending";
	if (!json_is_object(from)) {
		from = json_object_get(m, "live");
		source = "live";
	}
	json_t *f = json_object();
	if (f == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *v = NULL;
		if (sent != NULL)
			v = input_str(sent, keys[i]);
		else if (json_is_object(from) && strcmp(keys[i], "note") != 0)
			v = json_string_value(json_object_get(from, keys[i]));
		json_object_set_new(f, keys[i], jstr(v));
	}
	if (sent == NULL && !json_is_object(from)) {
		source = "registry";
		json_object_set_new(f, "office_name", jstr(u->office_name));
		json_object_set_new(f, "phone", jstr(u->office_phone));
		json_object_set_new(f, "email", jstr(u->office_email));
	}
	json_object_set_new(f, "source", jstr(source));
	json_object_set_new(f, "source_label", jstr(i18n_name(r->lang, "directory.source",
	    source)));
	/* Without a new file, the plan of the waiting filing, else of the
	 * live entry, is kept. */
	json_t *keep = json_object_get(json_object_get(m, "pending"), "plan");
	if (!json_is_object(keep))
		keep = json_object_get(json_object_get(m, "live"), "plan");
	json_object_set(f, "kept_plan", json_is_object(keep) ? keep : json_null());
	return f;
}

/* The unit page's model; error (translated) and sent (the form's values)
 * after a refused form. */
static json_t *
unit_model(req *r, const struct unit *u, const char *error, json_t *sent)
{
	json_t *m = json_pack("{s:{s:s}, s:{s:I, s:s, s:b, s:s}, s:b, s:b, s:i}", "page",
	    "title_key", "directory.filing_title", "unit", "id", (json_int_t)u->id, "name",
	    u->name, "is_bureau", u->is_bureau, "township", u->township, "can_file",
	    may(r, u, N_FILE), "can_decide", may(r, u, N_DECIDE), "plan_max_mb",
	    (int)(DIR_PLAN_MAX >> 20));
	if (m == NULL)
		return NULL;
	filings_into(r, u, m);
	json_object_set_new(m, "form", form_json(r, u, m, sent));
	json_object_set_new(m, "action_base", jstr(arena_printf(r->a, "/directory/units/%lld",
	    (long long)u->id)));
	json_object_set_new(m, "public_href", jstr(u->is_bureau ? "/directory" :
	    arena_printf(r->a, "/directory?township=%lld", (long long)u->township_id)));
	if (error != NULL)
		json_object_set_new(m, "error", jstr(error));
	const char *done = NULL;
	json_t *d = r->q ? json_object_get(r->q, "done") : NULL;
	if (json_is_string(d))
		done = i18n_name(r->lang, "directory.done", json_string_value(d));
	if (done != NULL)
		json_object_set_new(m, "done", jstr(done));
	return m;
}

static const char *const done_values[] = { "filed", "published", "approved", "refused", NULL };

static const field unit_query[] = {
	{ "done", FT_ENUM, 0, 0, 0, done_values },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* GET /directory/units/{id} and /api/v1/directory/units/{id}: a unit's
 * live entry, its waiting change, its history and the filing form. */
static void
unit_page(req *r)
{
	struct unit u;
	if (!unit_load(r, N_READ, &u))
		return;
	json_t *m = unit_model(r, &u, NULL, NULL);
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_answer(r, 200, m);
}

/* GET /directory/mine: a school's own filing page. */
static void
mine(req *r)
{
	const principal *p = r->user;
	if (strcmp(p->unit_kind, "school") != 0 ||
	    !policy_allow(p, A_DIRECTORY_FILE, p->unit_path)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	req_redirect(r, arena_printf(r->a, "/directory/units/%lld", (long long)p->unit_id));
}

/* ------------------------------------------------------------------ */
/* Filing, approving, refusing. */

static const field filing_fields[] = {
	{ "office_name", FT_STRING, F_REQUIRED, 2, 64, NULL },
	{ "phone", FT_STRING, F_REQUIRED, 5, 32, NULL },
	{ "email", FT_STRING, F_REQUIRED, 6, 100, NULL },
	{ "hours", FT_STRING, 0, 0, 100, NULL },
	{ "location", FT_STRING, 0, 0, 100, NULL },
	{ "contact", FT_STRING, 0, 0, 32, NULL },
	{ "note", FT_TEXT, 0, 0, 1000, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field approve_fields[] = {
	{ "filing", FT_INT, 0, 1, ID_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field refuse_fields[] = {
	{ "filing", FT_INT, 0, 1, ID_MAX, NULL },
	{ "reason", FT_TEXT, F_REQUIRED, 2, 500, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

enum op { OP_FILE, OP_APPROVE, OP_REFUSE };

struct job {
	req *r;
	enum op op;
	struct unit u;
	dir_entry e;
	dir_plan plan;
	int has_plan;
	char digest[2 * SM3_LEN + 1];
	int64_t filing;
	const char *reason;
	int64_t id, withdrawn, superseded, now;
};

static xa_err
job_run(db *conn, void *p)
{
	struct job *j = p;
	req *r = j->r;
	xa_err e;
	switch (j->op) {
	case OP_FILE: {
		e = dir_file(conn, j->u.id, &j->e, j->has_plan ? &j->plan : NULL, j->u.is_bureau,
		    r->user->account_id, j->now, &j->id, &j->withdrawn, &j->superseded);
		if (e != XA_OK)
			return e;
		/* Each filing that changed state has its own record. */
		if (j->withdrawn != 0 && (e = audit_req(conn, r, "directory.withdraw",
		    "directory_filing", j->withdrawn, "state", j->now)) != XA_OK)
			return e;
		if (j->superseded != 0 && (e = audit_req(conn, r, "directory.supersede",
		    "directory_filing", j->superseded, "state", j->now)) != XA_OK)
			return e;
		const char *fields = arena_printf(r->a, "office_name,phone,email,hours,location,"
		    "contact,note%s%s%s", j->has_plan ? ",plan" : "", j->withdrawn ? ",withdrawn" : "",
		    j->u.is_bureau ? ",state" : "");
		return audit_req(conn, r, "directory.file", "directory_filing", j->id,
		    fields ? fields : "", j->now);
	}
	case OP_APPROVE:
		if ((e = dir_approve(conn, j->u.id, j->filing, r->user->account_id, j->now,
		    &j->id, &j->superseded)) != XA_OK)
			return e;
		if (j->superseded != 0 && (e = audit_req(conn, r, "directory.supersede",
		    "directory_filing", j->superseded, "state", j->now)) != XA_OK)
			return e;
		return audit_req(conn, r, "directory.approve", "directory_filing", j->id, "state",
		    j->now);
	case OP_REFUSE:
		if ((e = dir_refuse(conn, j->u.id, j->filing, j->reason, r->user->account_id,
		    j->now, &j->id)) != XA_OK)
			return e;
		return audit_req(conn, r, "directory.refuse", "directory_filing", j->id,
		    "state,reason", j->now);
	}
	return XA_EINVAL;
}

/* A refused form: the API's error, or the unit page again with the
 * message and what was typed (status 400). */
static void
refuse_form(req *r, struct job *j, int status, const char *code, const char *name)
{
	if (is_api(r) || j->op != OP_FILE) {
		req_error(r, status, code, name);
		return;
	}
	char key[96];
	snprintf(key, sizeof key, "error.%s", code);
	json_t *m = unit_model(r, &j->u, i18n(r->lang, key), r->in);
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_render(r, status, "directory_unit", m);
}

static void
job_done(req *r, void *ctx, xa_err result)
{
	struct job *j = ctx;
	if (result == XA_ECONFLICT) {
		req_error(r, 409, "directory_nothing_pending", "filing");
		return;
	}
	if (result == XA_EINVAL) {
		refuse_form(r, j, 400, "invalid_field", NULL);
		return;
	}
	if (result == XA_ETOOBIG) {
		refuse_form(r, j, 413, "directory_plan_too_large", "plan");
		return;
	}
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	static const char *const states[] = { "pending", "live", "refused" };
	const char *state = j->op == OP_FILE ? (j->u.is_bureau ? "live" : "pending") :
	    states[j->op];
	if (!is_api(r)) {
		const char *done = j->op == OP_FILE ? (j->u.is_bureau ? "published" : "filed") :
		    j->op == OP_APPROVE ? "approved" : "refused";
		/* The office goes back to its queue; a school to its page. */
		if (j->op != OP_FILE)
			req_redirect(r, arena_printf(r->a, "/directory/filings?done=%s", done));
		else
			req_redirect(r, arena_printf(r->a, "/directory/units/%lld?done=%s",
			    (long long)j->u.id, done));
		return;
	}
	json_t *m = json_pack("{s:{s:I, s:I, s:s}}", "filing", "id", (json_int_t)j->id,
	    "unit_id", (json_int_t)j->u.id, "state", state);
	if (m != NULL && j->op == OP_FILE)
		json_object_set_new(m, "withdrawn", j->withdrawn ? json_integer(j->withdrawn) :
		    json_null());
	req_json(r, j->op == OP_FILE ? 201 : 200, m);
}

/* The plan's digest, on a worker thread. */
static void
digest_work(void *ctx)
{
	struct job *j = ctx;
	uint8_t h[SM3_LEN];
	if (crypto_sm3(j->plan.data, j->plan.len, h) == XA_OK) {
		crypto_hex(h, sizeof h, j->digest);
		j->plan.digest = j->digest;
	}
}

static void
digest_done(req *r, void *ctx, xa_err unused)
{
	(void)unused;
	req_write(r, job_run, ctx, job_done);
}

/* The uploaded plan: the multipart part "plan" with something in it. */
static const upload *
plan_upload(req *r)
{
	if (r->files == NULL)
		return NULL;
	for (size_t i = 0; i < r->files->nfiles; i++) {
		const upload *f = &r->files->files[i];
		if (strcmp(f->field, "plan") == 0 && f->len > 0)
			return f;
	}
	return NULL;
}

/* POST /api/v1/directory/units/{id}/filings and the page's form
 * (multipart, with the plan): files the unit's entry. */
static void
file_post(req *r)
{
	struct job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (!unit_load(r, N_FILE, &j->u))
		return;
	j->r = r;
	j->op = OP_FILE;
	j->now = now_s();
	j->e.office_name = input_str(r->in, "office_name");
	j->e.phone = input_str(r->in, "phone");
	j->e.email = input_str(r->in, "email");
	j->e.hours = input_str(r->in, "hours");
	j->e.location = input_str(r->in, "location");
	j->e.contact = input_str(r->in, "contact");
	j->e.note = input_str(r->in, "note");
	if (!dir_phone_ok(j->e.phone)) {
		refuse_form(r, j, 400, "directory_bad_phone", "phone");
		return;
	}
	if (!dir_email_ok(j->e.email)) {
		refuse_form(r, j, 400, "directory_bad_email", "email");
		return;
	}
	const upload *f = plan_upload(r);
	if (f != NULL) {
		if (f->len > DIR_PLAN_MAX) {
			refuse_form(r, j, 413, "directory_plan_too_large", "plan");
			return;
		}
		if (!dir_is_pdf(f->data, f->len)) {
			refuse_form(r, j, 400, "directory_plan_not_pdf", "plan");
			return;
		}
		j->has_plan = 1;
		j->plan.name = f->filename;
		j->plan.data = f->data;
		j->plan.len = f->len;
		req_offload(r, digest_work, j, digest_done);
		return;
	}
	req_write(r, job_run, j, job_done);
}

/* POST .../approve and .../refuse: the office decides the unit's waiting
 * filing. Approving names the filing the office saw (400 without it: a
 * change filed meanwhile must never go live unseen); refusing may omit
 * it. */
static void
decide(req *r, enum op op)
{
	struct job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (!unit_load(r, N_DECIDE, &j->u))
		return;
	j->r = r;
	j->op = op;
	j->now = now_s();
	j->filing = input_int(r->in, "filing", 0);
	j->reason = input_str(r->in, "reason");
	if (op == OP_APPROVE && j->filing <= 0) {
		req_error(r, 400, "invalid_field", "filing");
		return;
	}
	req_write(r, job_run, j, job_done);
}

static void approve_post(req *r) { decide(r, OP_APPROVE); }
static void refuse_post(req *r) { decide(r, OP_REFUSE); }

/* ------------------------------------------------------------------ */
/* Plans. */

static const field plan_query[] = {
	{ "filing", FT_INT, 0, 1, ID_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* Sends the plan of filing row st (name, data) as a PDF download. */
static void
send_plan(req *r, db_stmt *st)
{
	const void *data = db_col_blob(st, 1);
	size_t len = db_col_len(st, 1);
	char name[DIR_PLAN_NAME_BYTES];
	/* Names stored before they were cut at DIR_PLAN_NAME_MAX, cut here. */
	dir_plan_name(db_col_text(st, 0), name);
	char *fname = arena_strdup(r->a, name);
	void *copy = len > 0 ? arena_alloc(r->a, len) : NULL;
	if (fname == NULL || (len > 0 && copy == NULL)) {
		db_done(st);
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (len > 0)
		memcpy(copy, data, len);
	db_done(st);
	req_file(r, "application/pdf", fname, copy, len);
}

/* GET /directory/units/{id}/plan.pdf?filing=: a filing's plan for the
 * school and the office (the waiting filing's, else the live one's, when
 * no filing is named). */
static void
plan_staff(req *r)
{
	struct unit u;
	db_stmt *st = NULL;
	if (!unit_load(r, N_READ, &u))
		return;
	int64_t filing = input_int(r->q, "filing", 0);
	xa_err e = filing > 0 ? db_prepare(r->rdb, "SELECT p.name, p.data FROM directory_filings f"
	    " JOIN directory_plans p ON p.id = f.plan_id WHERE f.unit_id = ? AND f.id = ?", &st) :
	    db_prepare(r->rdb, "SELECT p.name, p.data FROM directory_filings f"
	    " JOIN directory_plans p ON p.id = f.plan_id WHERE f.unit_id = ?"
	    " AND f.state IN ('pending', 'live') ORDER BY CASE f.state WHEN 'pending' THEN 0"
	    " ELSE 1 END LIMIT 1", &st);
	if (e != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	db_bind_int(st, 1, u.id);
	if (filing > 0)
		db_bind_int(st, 2, filing);
	if (db_step(st) != 1) {
		db_done(st);
		req_error(r, 404, "not_found", NULL);
		return;
	}
	send_plan(r, st);
}

/* GET /directory/schools/{id}/plan.pdf: the plan of a live entry, for
 * anyone; with its SM3 as ETag. Anything else is not found. */
static void
plan_public(req *r)
{
	int64_t id = 0;
	db_stmt *st = NULL;
	char etag[40] = "";
	if (req_param_int(r, "id", &id) != XA_OK || db_prepare(r->rdb, "SELECT p.digest"
	    " FROM directory_filings f JOIN units u ON u.id = f.unit_id JOIN directory_plans p"
	    " ON p.id = f.plan_id WHERE f.unit_id = ? AND f.state = 'live' AND u.active = 1"
	    " AND u.kind IN ('school', 'bureau')", &st) != XA_OK) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	db_bind_int(st, 1, id);
	if (db_step(st) == 1)
		snprintf(etag, sizeof etag, "\"%.32s\"", db_col_text(st, 0));
	db_done(st);
	if (etag[0] == '\0') {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	req_header(r, "ETag", etag);
	req_header(r, "Cache-Control", PLAN_CACHE);
	const char *inm = req_get_header(r, "If-None-Match");
	if (inm != NULL && (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0)) {
		req_text(r, 304, NULL, "", 0);
		return;
	}
	if (db_prepare(r->rdb, "SELECT p.name, p.data FROM directory_filings f"
	    " JOIN directory_plans p ON p.id = f.plan_id WHERE f.unit_id = ?"
	    " AND f.state = 'live'", &st) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	db_bind_int(st, 1, id);
	if (db_step(st) != 1) {
		db_done(st);
		req_error(r, 404, "not_found", NULL);
		return;
	}
	send_plan(r, st);
}

/* ------------------------------------------------------------------ */
/* The office's overview. */

static const char *const shows[] = { "all", "pending", "none", "no_plan", NULL };

static const field overview_query[] = {
	{ "show", FT_ENUM, 0, 0, 0, shows },
	{ "done", FT_ENUM, 0, 0, 0, done_values },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* GET /directory/filings and /api/v1/directory/filings: every school in
 * the office's reach with the state of its entry, the waiting filings
 * first (oldest first), and the bureau's own entry. */
static void
overview(req *r)
{
	const principal *p = r->user;
	db_stmt *st = NULL;
	if (!policy_allow(p, A_DIRECTORY_APPROVE, p->scope_path)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	const char *show = input_str(r->q, "show");
	if (show == NULL)
		show = "all";
	json_t *m = json_pack("{s:{s:s}, s:s}", "page", "title_key", "directory.overview_title",
	    "show", show);
	json_t *schools = json_array(), *pend = json_array(), *tabs = json_array();
	if (m == NULL || schools == NULL || pend == NULL || tabs == NULL ||
	    db_prepare(r->rdb, "SELECT u.id, u.name, coalesce(t.name, ''), u.path,"
	    " coalesce(l.id, 0), coalesce(l.decided_at, 0), coalesce(l.plan_id, 0),"
	    " coalesce(w.id, 0), coalesce(w.filed_at, 0), coalesce(w.plan_id, 0)"
	    " FROM units u LEFT JOIN units t ON t.id = u.township_id"
	    " LEFT JOIN directory_filings l ON l.unit_id = u.id AND l.state = 'live'"
	    " LEFT JOIN directory_filings w ON w.unit_id = u.id AND w.state = 'pending'"
	    " WHERE u.kind = 'school' AND u.active = 1"
	    " ORDER BY CASE WHEN u.township_id IS NULL THEN 1 ELSE 0 END, u.township_id,"
	    " u.name, u.id", &st) != XA_OK) {
		json_decref(m);
		json_decref(schools);
		json_decref(pend);
		json_decref(tabs);
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	int n = 0, nlive = 0, npend = 0, nnever = 0, nnoplan = 0;
	while (db_step(st) == 1) {
		if (!policy_allow(p, A_DIRECTORY_APPROVE, db_col_text(st, 3)))
			continue;
		int64_t id = db_col_int(st, 0), live = db_col_int(st, 4), wait = db_col_int(st, 7);
		int no_plan = live != 0 && db_col_int(st, 6) == 0;
		const char *state = live && wait ? "live_pending" : live ? "live" : wait ? "pending" :
		    "none";
		n++;
		nlive += live != 0;
		npend += wait != 0;
		nnever += live == 0 && wait == 0;
		nnoplan += no_plan;
		const char *href = arena_printf(r->a, "/directory/units/%lld", (long long)id);
		if (wait)
			json_array_append_new(pend, json_pack("{s:I, s:I, s:s, s:s, s:s, s:b, s:b, s:s}",
			    "unit_id", (json_int_t)id, "filing", (json_int_t)wait, "name",
			    db_col_text(st, 1), "township", db_col_text(st, 2), "filed_at",
			    when_text(r, db_col_int(st, 8)), "first", live == 0,
			    "has_plan", db_col_int(st, 9) != 0, "href", href));
		int shown = strcmp(show, "all") == 0 || (strcmp(show, "pending") == 0 && wait) ||
		    (strcmp(show, "none") == 0 && !live && !wait) ||
		    (strcmp(show, "no_plan") == 0 && no_plan);
		if (!shown)
			continue;
		static const char *const chips[][2] = { { "live", "chip-green" },
			{ "live_pending", "chip-amber" }, { "pending", "chip-amber" },
			{ "none", "chip-red" } };
		const char *chip = "chip-grey";
		for (size_t k = 0; k < 4; k++)
			if (strcmp(state, chips[k][0]) == 0)
				chip = chips[k][1];
		json_array_append_new(schools, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:b,"
		    " s:s}", "id", (json_int_t)id, "name", db_col_text(st, 1), "township",
		    db_col_text(st, 2), "state", state, "state_label", i18n_name(r->lang,
		    "directory.school_state", state), "chip", chip, "approved_on",
		    day_text(r, db_col_int(st, 5)), "no_plan", no_plan, "href", href));
	}
	db_done(st);
	/* The waiting filings, oldest first: the rows came by township. */
	size_t np = json_array_size(pend);
	for (size_t i = 1; i < np; i++)
		for (size_t k = i; k > 0 && strcmp(json_string_value(json_object_get(json_array_get(
		    pend, k - 1), "filed_at")), json_string_value(json_object_get(json_array_get(
		    pend, k), "filed_at"))) > 0; k--) {
			json_t *a = json_incref(json_array_get(pend, k - 1));
			json_array_set(pend, k - 1, json_array_get(pend, k));
			json_array_set_new(pend, k, a);
		}
	for (size_t i = 0; shows[i] != NULL; i++)
		json_array_append_new(tabs, json_pack("{s:s, s:s, s:b, s:s}", "value", shows[i],
		    "label", i18n_name(r->lang, "directory.show", shows[i]), "selected",
		    strcmp(shows[i], show) == 0, "href", arena_printf(r->a,
		    "/directory/filings?show=%s", shows[i])));
	json_object_set_new(m, "schools", schools);
	json_object_set_new(m, "pending", pend);
	json_object_set_new(m, "tabs", tabs);
	json_object_set_new(m, "counts", json_pack("{s:i, s:i, s:i, s:i, s:i}", "schools", n,
	    "live", nlive, "pending", npend, "never", nnever, "no_plan", nnoplan));
	json_object_set_new(m, "summary_text", jstr(tr(r, "directory.overview_summary", "n",
	    num(r, n), "live", num(r, nlive), "pending", num(r, npend), "never",
	    num(r, nnever), NULL)));
	/* The bureau's own entry. */
	dir_row b;
	if (dir_bureau_live(r->rdb, &b) == XA_OK)
		json_object_set_new(m, "bureau", json_pack("{s:b, s:s, s:s, s:s}", "live",
		    b.filing_id != 0, "office_name", b.office_name, "phone", b.phone, "href",
		    arena_printf(r->a, "/directory/units/%lld", (long long)b.unit_id)));
	json_t *d = json_object_get(r->q, "done");
	if (json_is_string(d))
		json_object_set_new(m, "done", jstr(i18n_name(r->lang, "directory.done",
		    json_string_value(d))));
	req_answer(r, 200, m);
}

/* ------------------------------------------------------------------ */
/* The public directory. */

static const field public_query[] = {
	{ "q", FT_STRING, 0, 0, 50, NULL },
	{ "township", FT_INT, 0, 0, ID_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* One live entry as the public sees it: no account, no note, no
 * history. */
static json_t *
public_row(req *r, const dir_row *d)
{
	json_t *o = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "id", (json_int_t)d->unit_id, "name", d->name, "township_id",
	    (json_int_t)d->township_id, "township", d->township, "office_name", d->office_name,
	    "phone", d->phone, "tel", tel_of(r, d->phone), "email", d->email, "hours", d->hours,
	    "location", d->location, "contact", d->contact, "approved_on",
	    day_text(r, d->approved_at));
	if (o == NULL)
		return NULL;
	if (d->plan_size > 0)
		json_object_set_new(o, "plan", json_pack("{s:s, s:I, s:s}", "url",
		    arena_printf(r->a, "/directory/schools/%lld/plan.pdf", (long long)d->unit_id),
		    "size", (json_int_t)d->plan_size, "size_text", size_text(r, d->plan_size)));
	else
		json_object_set_new(o, "plan", json_null());
	return o;
}

/* The townships a visitor may filter by (value, label, selected), and
 * the schools directly under the bureau as value 0 when there are. */
static json_t *
township_options(req *r, int64_t chosen)
{
	db_stmt *st = NULL;
	json_t *a = json_array();
	if (a == NULL || db_prepare(r->rdb, "SELECT id, name FROM units WHERE kind = 'township'"
	    " AND active = 1 ORDER BY id", &st) != XA_OK)
		return a;
	while (db_step(st) == 1)
		json_array_append_new(a, json_pack("{s:I, s:s, s:b}", "id",
		    (json_int_t)db_col_int(st, 0), "name", db_col_text(st, 1), "selected",
		    db_col_int(st, 0) == chosen));
	db_done(st);
	if (db_prepare(r->rdb, "SELECT 1 FROM units WHERE kind = 'school' AND active = 1"
	    " AND township_id IS NULL LIMIT 1", &st) == XA_OK) {
		if (db_step(st) == 1)
			json_array_append_new(a, json_pack("{s:i, s:s, s:b}", "id", 0, "name",
			    i18n(r->lang, "directory.direct_schools"), "selected", chosen == 0));
		db_done(st);
	}
	return a;
}

/* A value that changes whenever the binary starts, so a new build's
 * pages get new ETags even when the data is the same. */
static int64_t boot_stamp;
static pthread_once_t boot_once = PTHREAD_ONCE_INIT;

static void
boot_init(void)
{
	boot_stamp = (int64_t)time(NULL);
}

/* FNV-1a, 64 bits, over s, continuing from h. */
static uint64_t
fnv(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The public answer's ETag into etag, from a stamp of everything it is
 * made of, read before anything is built: the live filings (a new live
 * filing always has a larger id than the one it replaces, so their count
 * and the sum of their ids change with every approval), the registry
 * (names, townships, closures: each change sets updated_at), the
 * request (language, form, query) and the running binary and its
 * configuration. 0 when the stamp cannot be read (no ETag then). */
static int
public_etag(req *r, char *etag, size_t len)
{
	static const char *const sql[] = {
		"SELECT count(*), coalesce(sum(id), 0), coalesce(max(decided_at), 0)"
		" FROM directory_filings WHERE state = 'live'",
		"SELECT count(*), coalesce(sum(updated_at), 0), coalesce(max(updated_at), 0)"
		" FROM units",
	};
	const config *c = server_config(r->srv);
	char part[96];
	uint64_t h = 0xcbf29ce484222325ULL;
	pthread_once(&boot_once, boot_init);
	for (size_t i = 0; i < 2; i++) {
		db_stmt *st = NULL;
		if (db_prepare(r->rdb, sql[i], &st) != XA_OK)
			return 0;
		int rc = db_step(st);
		if (rc == 1)
			snprintf(part, sizeof part, "%lld/%lld/%lld|", (long long)db_col_int(st, 0),
			    (long long)db_col_int(st, 1), (long long)db_col_int(st, 2));
		db_done(st);
		if (rc != 1)
			return 0;
		h = fnv(h, part);
	}
	snprintf(part, sizeof part, "%s|%d|%lld|%lld|", r->lang, is_api(r),
	    (long long)input_int(r->q, "township", -1), (long long)boot_stamp);
	h = fnv(h, part);
	const char *q = input_str(r->q, "q");
	h = fnv(fnv(fnv(fnv(h, q ? q : ""), static_base()), c->hotline), c->bureau_name);
	snprintf(etag, len, "W/\"%016llx\"", (unsigned long long)h);
	return 1;
}

/* Before building the public answer: its cache headers, and 304 when
 * the client already holds it. 1 when r is answered. Signed-in pages
 * carry the account's menu and token and are never stored. */
static int
public_cached(req *r)
{
	char etag[40];
	if (r->user != NULL) {
		req_header(r, "Cache-Control", "private, no-store");
		return 0;
	}
	req_header(r, "Cache-Control", PUBLIC_CACHE);
	req_header(r, "Vary", "Cookie, Accept-Language");
	if (!public_etag(r, etag, sizeof etag))
		return 0;
	req_header(r, "ETag", etag);
	const char *inm = req_get_header(r, "If-None-Match");
	if (inm != NULL && strstr(inm, etag + 2) != NULL) {
		req_text(r, 304, NULL, "", 0);
		return 1;
	}
	return 0;
}

/* GET /directory and /api/v1/public/directory?q=&township=: every live
 * entry (or those matching), with the bureau's office, the youth hotline
 * and the anonymous report at the top. */
static void
public_directory(req *r)
{
	const config *c = server_config(r->srv);
	const char *q = input_str(r->q, "q");
	int64_t township = input_int(r->q, "township", -1);
	dir_row *rows = NULL, b;
	size_t n = 0;
	if (public_cached(r))
		return;
	if (dir_live(r->rdb, q, township, &rows, &n) != XA_OK ||
	    dir_bureau_live(r->rdb, &b) != XA_OK) {
		free(rows);
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	/* The bureau's office: its entry, or the configured hotline until the
	 * office has set one. */
	json_t *bureau = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", c->bureau_name,
	    "office_name", b.filing_id ? b.office_name : i18n(r->lang, "directory.bureau_office"),
	    "phone", b.filing_id ? b.phone : c->hotline, "tel", tel_of(r, b.filing_id ? b.phone :
	    c->hotline), "email", b.email, "hours", b.hours, "location", b.location);
	if (bureau != NULL && b.plan_size > 0)
		json_object_set_new(bureau, "plan", json_pack("{s:s, s:s}", "url",
		    arena_printf(r->a, "/directory/schools/%lld/plan.pdf", (long long)b.unit_id),
		    "size_text", size_text(r, b.plan_size)));
	json_t *m = json_pack("{s:o, s:{s:s, s:s}, s:s, s:s, s:s, s:I, s:i}",
	    "bureau", bureau ? bureau : json_object(),
	    "youth_hotline", "name", i18n(r->lang, "directory.youth_name"), "phone", "12355",
	    "report_url", "/report", "report_status_url", "/report/status",
	    "q", q ? q : "", "township", (json_int_t)township, "count", (int)n);
	json_t *schools = json_array();
	if (m == NULL || schools == NULL) {
		json_decref(m);
		json_decref(schools);
		free(rows);
		req_error(r, 500, "internal", NULL);
		return;
	}
	for (size_t i = 0; i < n; i++)
		json_array_append_new(schools, public_row(r, &rows[i]));
	json_object_set_new(m, "townships", township_options(r, township));
	if (!is_api(r)) {
		/* The page groups the schools by township. */
		json_t *groups = json_array(), *g = NULL;
		/* On a phone 300 schools are a long scroll: each township folds
		 * away, open when the list is searched or filtered. */
		int open = township >= 0 || (q != NULL && q[0] != '\0');
		for (size_t i = 0; i < n && groups != NULL; i++) {
			if (g == NULL || (i > 0 && rows[i].township_id != rows[i - 1].township_id)) {
				g = json_pack("{s:s, s:[], s:b}", "township", rows[i].township_id ?
				    rows[i].township : i18n(r->lang, "directory.direct_schools"),
				    "schools", "open", open);
				json_array_append_new(groups, g);
			}
			json_t *list = json_object_get(g, "schools");
			json_array_append(list, json_array_get(schools, i));
			json_object_set_new(g, "count_text", jstr(tr(r, "directory.count",
			    "n", num(r, (long long)json_array_size(list)), NULL)));
		}
		json_object_set_new(m, "page", json_pack("{s:s}", "title_key", "directory.title"));
		json_object_set_new(m, "groups", groups ? groups : json_array());
		json_object_set_new(m, "filtered", json_boolean(township >= 0 ||
		    (q != NULL && q[0] != '\0')));
		json_object_set_new(m, "count_text", jstr(tr(r, "directory.count", "n",
		    num(r, (long long)n), NULL)));
	}
	json_object_set_new(m, "schools", schools);
	free(rows);
	req_answer(r, 200, m);
}

/* ------------------------------------------------------------------ */

#define API (R_API | R_AUTH)
#define PAGE R_AUTH
#define U "/directory/units/{id:int}"

const route directory_routes[] = {
	/* The public: no account. */
	{ M_GET, "/directory", public_directory, R_PUBLIC, public_query, NULL, "directory",
	  "directory" },
	{ M_GET, "/api/v1/public/directory", public_directory, R_API | R_PUBLIC, public_query,
	  NULL, NULL, "api_public_directory" },
	{ M_GET, "/directory/schools/{id:int}/plan.pdf", plan_public, R_PUBLIC, NULL, NULL, NULL,
	  "directory_plan" },
	/* The office's overview. */
	{ M_GET, "/api/v1/directory/filings", overview, API, overview_query, NULL, NULL,
	  "api_directory_filings" },
	{ M_GET, "/directory/filings", overview, PAGE, overview_query, NULL,
	  "directory_filings", "directory_filings" },
	/* A unit's entry: read, file, approve, refuse. */
	{ M_GET, "/api/v1" U, unit_page, API, unit_query, NULL, NULL, "api_directory_unit" },
	{ M_POST, "/api/v1" U "/filings", file_post, API, NULL, filing_fields, NULL,
	  "api_directory_file" },
	{ M_POST, "/api/v1" U "/approve", approve_post, API, NULL, approve_fields, NULL,
	  "api_directory_approve" },
	{ M_POST, "/api/v1" U "/refuse", refuse_post, API, NULL, refuse_fields, NULL,
	  "api_directory_refuse" },
	{ M_GET, "/directory/mine", mine, PAGE, NULL, NULL, NULL, "directory_mine" },
	{ M_GET, U, unit_page, PAGE, unit_query, NULL, "directory_unit", "directory_unit" },
	{ M_POST, U "/filings", file_post, PAGE, NULL, filing_fields, "directory_unit",
	  "directory_file_form" },
	{ M_POST, U "/approve", approve_post, PAGE, NULL, approve_fields, "directory_unit",
	  "directory_approve_form" },
	{ M_POST, U "/refuse", refuse_post, PAGE, NULL, refuse_fields, "directory_unit",
	  "directory_refuse_form" },
	{ M_GET, U "/plan.pdf", plan_staff, PAGE, plan_query, NULL, NULL,
	  "directory_plan_staff" },
};
const size_t directory_routes_count = sizeof directory_routes / sizeof directory_routes[0];
