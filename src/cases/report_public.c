/* report_public.c: the anonymous report channel — a report from anyone,
 * with no account, from a cheap phone, without JavaScript: the form, the
 * receipt code, the status and the two-way thread with whoever handles
 * the report, and the attachments; plus the staff side of that thread
 * (reports.h).
 *
 * The receipt code (receipt.h) is the reporter's only key: shown once,
 * stored only as the SM3 of its normalised form. A wrong, malformed or
 * unknown code gets the same answer by the same path (normalise, locate,
 * hash, look up).
 *
 * Never: store or audit the reporter's address (or the request id, which
 * the access log ties to it) with a report or a message; store a
 * narrative, a name, a contact, an attachment or a file name unsealed;
 * tell a reporter who answered them or that a report was judged a prank;
 * answer "not yours" differently from "no such report". */
#include "cases_http.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../auth/keys.h"
#include "../auth/session.h"
#include "../auth/settings.h"
#include "../core/crypto.h"
#include "../core/i18n.h"
#include "../core/utf8.h"
#include "../http/handler.h"
#include "../http/input.h"
#include "../http/ratelimit.h"
#include "../notify/notify.h"
#include "../org/org.h"
#include "attach.h"
#include "receipt.h"
#include "reports.h"

/* --- Small helpers. */

/* The earliest day a report may say it happened on (YYYY-MM-DD compare
 * as strings): anything before is a slip of the finger. */
#define DATE_MIN "2000-01-01"

static const char *const public_reporters[] = { "victim", "witness", "parent",
	"other", NULL };

static void
today(req *r, char out[11])
{
	day_format(day_of((int64_t)time(NULL), case_zone(r)), out);
}

/* The text split at newlines (templates have no other way to keep them). */
static json_t *
text_lines(const char *s)
{
	json_t *a = json_array();
	while (a != NULL && s != NULL) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		if (n > 0 && s[n - 1] == '\r')
			n--;
		json_array_append_new(a, json_stringn(s, n));
		s = nl ? nl + 1 : NULL;
	}
	return a ? a : json_array();
}

/* An audit entry for the anonymous side: nobody, and nothing that leads
 * back to the reporter's address (no source, no request id). */
static xa_err
audit_anon(db *conn, const char *action, int64_t report_id, const char *fields,
    int64_t now)
{
	audit_entry e;
	memset(&e, 0, sizeof e);
	e.action = action;
	e.object_type = "report";
	e.object_id = report_id;
	e.fields = fields;
	e.request_id = "";
	e.source = "";
	return audit_append(conn, keys_get()->audit, &e, now);
}

/* --- Rate limits (in memory only; addresses live there for one window). */

static pthread_once_t rl_once = PTHREAD_ONCE_INIT;
static ratelimit *reports_rl, *lookups_rl;

static void
rl_init(void)
{
	reports_rl = ratelimit_new(setting_defs[S_PUBLIC_REPORTS_PER_ADDR].def, 600);
	lookups_rl = ratelimit_new(setting_defs[S_PUBLIC_LOOKUPS_PER_ADDR].def, 600);
}

/* Counts a hit of r's address against limit (the setting's value);
 * answers 429 itself and returns 0 when over it: a kind message with the
 * numbers to call. */
static int
rl_pass_at(req *r, int lookup, long limit)
{
	pthread_once(&rl_once, rl_init);
	ratelimit *rl = lookup ? lookups_rl : reports_rl;
	if (rl == NULL)
		return 1;
	ratelimit_set_limit(rl, limit);
	if (ratelimit_hit(rl, r->client, (int64_t)time(NULL)))
		return 1;
	const char *msg = arena_printf(r->a, "%s%s%s%s",
	    i18n(r->lang, "error.public_too_many"), i18n(r->lang, "public.call_pre"),
	    server_config(r->srv)->hotline, i18n(r->lang, "public.call_post"));
	req_header(r, "Retry-After", "600");
	if (is_api(r)) {
		req_json(r, 429, json_pack("{s:{s:s, s:s}}", "error", "code",
		    "public_too_many", "message", msg ? msg : ""));
		return 0;
	}
	req_render(r, 429, "error", json_pack("{s:{s:i, s:s, s:s, s:s}, s:{s:s}}",
	    "error", "status", 429, "code", "public_too_many", "title_key",
	    "error.public_too_many.title", "message", msg ? msg : "", "page", "title_key",
	    "error.public_too_many.title"));
	return 0;
}

static int
rl_pass(req *r, int lookup)
{
	return rl_pass_at(r, lookup, setting_get(r->rdb, lookup ?
	    S_PUBLIC_LOOKUPS_PER_ADDR : S_PUBLIC_REPORTS_PER_ADDR));
}

/* --- Where a report goes. */

/* The bureau office, by the rule of reports_http.c office_find: the
 * active unit of kind office nearest the bureau (right under it, or
 * under one of its sections, as in the demo city), the lowest id among
 * equals; found once per process. Until an office exists, the bureau
 * itself (not cached, so an office added later is found). */
static _Atomic int64_t office_cache;

static xa_err
office_unit(req *r, int64_t *id)
{
	int64_t c = atomic_load(&office_cache);
	if (c > 0) {
		*id = c;
		return XA_OK;
	}
	int64_t bureau = 0;
	char path[96], like[100];
	xa_err e = unit_bureau(r->rdb, &bureau, path, sizeof path);
	if (e != XA_OK)
		return e;
	snprintf(like, sizeof like, "%s%%", path);
	db_stmt *st = NULL;
	if ((e = db_prepare(r->rdb, "SELECT id FROM units WHERE kind = 'office'"
	    " AND active = 1 AND path LIKE ? ORDER BY length(path), id LIMIT 1", &st))
	    != XA_OK)
		return e;
	db_bind_text(st, 1, like, -1);
	int rc = db_step(st);
	*id = bureau;
	if (rc == 1) {
		*id = db_col_int(st, 0);
		atomic_store(&office_cache, *id);
	}
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* 1 when id is an active school. */
/* The limit on reports per address, and whether school (0: none named)
 * is an active school: one read of the database, as every report asks
 * both. 1, or -1 when the database failed. */
static int
submit_facts(req *r, int64_t school, long *limit, bool *exists)
{
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT (SELECT value FROM settings WHERE key = ?),"
	    " EXISTS (SELECT 1 FROM units WHERE id = ? AND kind = 'school' AND active = 1)",
	    &st) != XA_OK)
		return -1;
	db_bind_text(st, 1, setting_defs[S_PUBLIC_REPORTS_PER_ADDR].key, -1);
	db_bind_int(st, 2, school);
	int rc = db_step(st);
	if (rc == 1) {
		*limit = setting_value(S_PUBLIC_REPORTS_PER_ADDR, db_col_text(st, 0));
		*exists = db_col_int(st, 1) != 0;
	}
	db_done(st);
	return rc == 1 ? 1 : -1;
}

/* --- The form. */

static const field report_api_fields[] = {
	{ "school_id", FT_INT, 0, 0, 999999999999LL, NULL },
	{ "what", FT_TEXT, F_REQUIRED, 0, 4000, NULL },
	{ "when", FT_DATE, 0, 0, 0, NULL },
	{ "when_text", FT_STRING, 0, 0, 100, NULL },
	{ "place", FT_ENUM, 0, 0, 0, report_places },
	{ "place_text", FT_STRING, 0, 0, 100, NULL },
	{ "behaviours", FT_ENUM, F_MULTI, 0, 0, behaviour_kinds },
	{ "involved", FT_TEXT, 0, 0, 1000, NULL },
	{ "frequency", FT_ENUM, 0, 0, 0, report_frequencies },
	{ "reporter", FT_ENUM, 0, 0, 0, public_reporters },
	{ "contact", FT_STRING, 0, 0, 100, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The page's table: the same, except that a missing narrative and a
 * missing school are checked by the handler, which can then show the form
 * again with everything the reporter wrote. (A narrative under 10
 * characters is the handler's check for both, with its own words.) */
static const field report_page_fields[] = {
	{ "school_id", FT_INT, 0, 0, 999999999999LL, NULL },
	{ "what", FT_TEXT, 0, 0, 4000, NULL },
	{ "when", FT_DATE, 0, 0, 0, NULL },
	{ "when_text", FT_STRING, 0, 0, 100, NULL },
	{ "place", FT_ENUM, 0, 0, 0, report_places },
	{ "place_text", FT_STRING, 0, 0, 100, NULL },
	{ "behaviours", FT_ENUM, F_MULTI, 0, 0, behaviour_kinds },
	{ "involved", FT_TEXT, 0, 0, 1000, NULL },
	{ "frequency", FT_ENUM, 0, 0, 0, report_frequencies },
	{ "reporter", FT_ENUM, 0, 0, 0, public_reporters },
	{ "contact", FT_STRING, 0, 0, 100, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* Choices of an enum as [{value, label_key, help_key, checked}]. */
static json_t *
choices(const char *const *list, const char *prefix, const char *help_prefix,
    const char *chosen, json_t *multi)
{
	json_t *a = json_array();
	for (size_t i = 0; list[i] != NULL; i++) {
		bool on = chosen != NULL && strcmp(chosen, list[i]) == 0;
		size_t k;
		json_t *v;
		json_array_foreach(multi, k, v)
			if (json_is_string(v) && strcmp(json_string_value(v), list[i]) == 0)
				on = true;
		char key[64], help[64];
		snprintf(key, sizeof key, "%s.%s", prefix, list[i]);
		snprintf(help, sizeof help, "%s.%s", help_prefix ? help_prefix : "", list[i]);
		json_t *o = json_pack("{s:s, s:s, s:b}", "value", list[i], "label_key", key,
		    "checked", on);
		if (o != NULL && help_prefix != NULL)
			json_object_set_new(o, "help_key", json_string(help));
		json_array_append_new(a, o);
	}
	return a;
}

/* Active schools grouped by township, for <optgroup>s; schools outside
 * any township (the bureau's own) come first. */
static json_t *
school_groups(req *r, int64_t chosen)
{
	json_t *groups = json_array();
	json_t *items = NULL;
	int64_t cur = -1;
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT s.id, s.name, t.id, t.name FROM units s"
	    " LEFT JOIN units t ON t.id = COALESCE(s.township_id, s.parent_id)"
	    " AND t.kind = 'township' WHERE s.kind = 'school' AND s.active = 1"
	    " ORDER BY t.id IS NOT NULL, t.id, s.name", &st) != XA_OK)
		return groups;
	while (db_step(st) == 1) {
		int64_t t = db_col_is_null(st, 2) ? 0 : db_col_int(st, 2);
		if (items == NULL || t != cur) {
			items = json_array();
			json_array_append_new(groups, json_pack("{s:s, s:o}", "township",
			    t ? db_col_text(st, 3) : i18n(r->lang, "public.f.no_township"),
			    "items", items));
			cur = t;
		}
		int64_t id = db_col_int(st, 0);
		json_array_append_new(items, json_pack("{s:I, s:s, s:b}", "id",
		    (json_int_t)id, "name", db_col_text(st, 1), "selected", id == chosen));
	}
	db_done(st);
	return groups;
}

/* The form's model; in (the validated input, or NULL) fills the fields
 * again after an error. */
static json_t *
form_model(req *r, json_t *in, const char *error, const char *field_name)
{
	char day[11];
	today(r, day);
	int64_t school = in ? input_int(in, "school_id", -1) : -1;
	json_t *values = json_object();
	static const char *const texts[] = { "what", "when", "when_text", "place_text",
		"involved", "contact", NULL };
	for (size_t i = 0; texts[i] != NULL; i++) {
		const char *v = in ? input_str(in, texts[i]) : NULL;
		json_object_set_new(values, texts[i], json_string(v ? v : ""));
	}
	json_object_set_new(values, "school_unsure", json_boolean(school == 0));
	json_t *bh = in ? json_object_get(in, "behaviours") : NULL;
	const char *place = in ? input_str(in, "place") : NULL;
	const char *freq = in ? input_str(in, "frequency") : NULL;
	json_t *m = json_pack("{s:{s:s}, s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "page", "title_key", "public.new.title",
	    "hotline", server_config(r->srv)->hotline, "today", day,
	    "max_files", ATTACH_MAX_FILES,
	    "schools", school_groups(r, school),
	    "places", choices(report_places, "report.place", NULL,
	    place ? place : "unknown", NULL),
	    "behaviours", choices(behaviour_kinds, "behaviour", "public.bh", NULL, bh),
	    "frequencies", choices(report_frequencies, "report.frequency", NULL,
	    freq ? freq : "unknown", NULL),
	    "reporters", choices(public_reporters, "report.reporter", NULL,
	    in ? input_str(in, "reporter") : NULL, NULL),
	    "values", values);
	if (m != NULL && error != NULL) {
		json_object_set_new(m, "error", json_string(error));
		if (field_name != NULL) {
			char key[32];
			snprintf(key, sizeof key, "err_%s", field_name);
			json_object_set_new(m, key, json_true());
		}
	}
	return m;
}

static void
report_form(req *r)
{
	req_page(r, 200, form_model(r, NULL, NULL, NULL));
}

/* A refused report: 400 with the form again (page) or the error (API). */
static void
refuse(req *r, int status, const char *code, const char *field_name)
{
	if (is_api(r)) {
		req_error(r, status, code, field_name);
		return;
	}
	char key[64];
	snprintf(key, sizeof key, "error.%s", code);
	req_page(r, status, form_model(r, r->in, i18n(r->lang, key), field_name));
}

/* --- Receiving a report. */

struct attachment {
	const uint8_t *raw;
	size_t raw_len;
	const char *filename;
	const char *mime;
	size_t size;		/* cleaned */
	void *name, *data;	/* sealed */
	size_t name_len, data_len;
};

struct submit {
	int64_t unit_id, queue_id;
	const char *occurred_on, *place, *behaviours, *frequency, *reporter;
	const char *body_json;
	size_t body_json_len;
	void *body;
	size_t body_len;
	struct attachment att[ATTACH_MAX_FILES];
	size_t natt;
	const char *file_error;	/* set by the cleaning: an error code */
	xa_err seal_error;
	arena *a;
	uint8_t wrapped[WRAPPED_KEY_LEN];
	char code[RC_LEN + 1];
	char hash[2 * SM3_LEN + 1];
	int64_t now;
	int64_t id;
};

/* The stored file name: the original's base name (sealed, as it can
 * name someone), at most 120 bytes, with the extension of what the file
 * really is. */
static const char *
stored_name(arena *a, const char *filename, const char *mime)
{
	const char *ext = strcmp(mime, "image/png") == 0 ? ".png" : ".jpg";
	size_t n = strlen(filename ? filename : "");
	const char *dot = filename ? strrchr(filename, '.') : NULL;
	if (dot != NULL && dot != filename)
		n = (size_t)(dot - filename);
	if (n > 120) {
		n = 120;
		while (n > 0 && ((unsigned char)filename[n] & 0xC0) == 0x80)
			n--;	/* not inside a character */
	}
	if (n == 0)
		return arena_printf(a, "photo%s", ext);
	return arena_printf(a, "%.*s%s", (int)n, filename, ext);
}

/* Cleans and seals everything: the key, the code, the body, the files.
 * Runs on a worker thread when there are files (they can be megabytes),
 * else on the loop. Uses only s and its arena. */
static void
submit_seal(void *p)
{
	struct submit *s = p;
	uint8_t key[32];
	xa_err e = ckey_new(key, s->wrapped);
	if (e == XA_OK)
		e = seal_blob(s->a, key, s->body_json, s->body_json_len, &s->body,
		    &s->body_len);
	for (size_t i = 0; e == XA_OK && i < s->natt; i++) {
		struct attachment *t = &s->att[i];
		void *clean = NULL;
		size_t clean_len = 0;
		xa_err c = attach_clean(s->a, t->raw, t->raw_len, &t->mime, &clean, &clean_len);
		if (c == XA_EINVAL) {
			s->file_error = "public_file_damaged";
			break;
		}
		if ((e = c) != XA_OK)
			break;
		t->size = clean_len;
		const char *name = stored_name(s->a, t->filename, t->mime);
		if (name == NULL) {
			e = XA_ENOMEM;
			break;
		}
		if ((e = seal_blob(s->a, key, clean, clean_len, &t->data, &t->data_len)) == XA_OK)
			e = seal_blob(s->a, key, name, strlen(name), &t->name, &t->name_len);
	}
	OPENSSL_cleanse(key, sizeof key);
	s->seal_error = e;
}

/* The writer job: the report, its attachments and its audit record. */
static xa_err
submit_run(db *conn, void *p)
{
	struct submit *s = p;
	db_stmt *st = NULL;
	/* The code names the report, so its id is chosen first: the next
	 * one (this transaction holds the write lock). */
	xa_err e = db_query_int(conn, "SELECT coalesce(max(id), 0) + 1 FROM reports", &s->id);
	if (e != XA_OK || (e = receipt_make(s->id, s->code, s->hash)) != XA_OK)
		return e;
	if ((e = db_prepare(conn, "INSERT INTO reports (unit_id, queue_unit_id, channel,"
	    " receipt, wkey, body, occurred_on, place, behaviours, frequency,"
	    " reporter, status, created_at, updated_at, id) VALUES (?, ?, 'online', ?, ?, ?,"
	    " ?, ?, ?, ?, ?, 'new', ?, ?, ?)", &st)) != XA_OK)
		return e;
	if (s->unit_id > 0)
		db_bind_int(st, 1, s->unit_id);
	else
		db_bind_null(st, 1);
	db_bind_int(st, 2, s->queue_id);
	db_bind_text(st, 3, s->hash, -1);
	db_bind_blob(st, 4, s->wrapped, sizeof s->wrapped);
	db_bind_blob(st, 5, s->body, s->body_len);
	db_bind_text(st, 6, s->occurred_on, -1);
	db_bind_text(st, 7, s->place, -1);
	db_bind_text(st, 8, s->behaviours, -1);
	db_bind_text(st, 9, s->frequency, -1);
	db_bind_text(st, 10, s->reporter, -1);
	db_bind_int(st, 11, s->now);
	db_bind_int(st, 12, s->now);
	db_bind_int(st, 13, s->id);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	for (size_t i = 0; i < s->natt; i++) {
		const struct attachment *t = &s->att[i];
		if ((e = db_prepare(conn, "INSERT INTO attachments (report_id, mime, size,"
		    " name, data, created_at) VALUES (?, ?, ?, ?, ?, ?)", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, s->id);
		db_bind_text(st, 2, t->mime, -1);
		db_bind_int(st, 3, (int64_t)t->size);
		db_bind_blob(st, 4, t->name, t->name_len);
		db_bind_blob(st, 5, t->data, t->data_len);
		db_bind_int(st, 6, s->now);
		rc = db_step(st);
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
	}
	if ((e = notify_report(conn, s->id, s->queue_id, 0, s->now)) != XA_OK)
		return e;
	return audit_anon(conn, "report.receive", s->id,
	    s->natt ? "body,attachments" : "body", s->now);
}

/* The report is on disk: the receipt code, shown this once (201), as
 * JSON or as the receipt page; then forgotten. */
static void
submit_done(req *r, void *ctx, xa_err result)
{
	struct submit *s = ctx;
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	char shown[RC_SHOWN + 1];
	receipt_format(s->code, shown);
	OPENSSL_cleanse(s->code, sizeof s->code);
	const char *status_text = i18n(r->lang, "public.status.received");
	if (is_api(r)) {
		req_json(r, 201, json_pack("{s:s, s:s, s:s}", "receipt", shown, "status",
		    "received", "status_text", status_text));
		return;
	}
	json_t *groups = json_array();
	for (size_t i = 0; i < RC_SHOWN; i += RC_GROUP + 1)
		json_array_append_new(groups, json_stringn(shown + i, RC_GROUP));
	req_render(r, 201, "report_sent", json_pack("{s:{s:s}, s:s, s:o, s:s, s:s, s:s}",
	    "page", "title_key", "public.sent.title", "receipt", shown, "groups", groups,
	    "status", "received", "status_text", status_text,
	    "hotline", server_config(r->srv)->hotline));
}

/* Back on the loop after sealing: a file that did not clean is refused
 * (nothing was written), else the write goes to the writer. */
static void
submit_sealed(req *r, void *ctx, xa_err unused)
{
	struct submit *s = ctx;
	if (s->file_error != NULL) {
		refuse(r, 400, s->file_error, "files");
		return;
	}
	if (s->seal_error != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_write(r, submit_run, s, submit_done);
}

/* The behaviours chosen, in the list's order, each once. */
static const char *
behaviours_csv(req *r)
{
	json_t *chosen = json_object_get(r->in, "behaviours");
	buf b;
	buf_init(&b, 256);
	for (size_t i = 0; behaviour_kinds[i] != NULL; i++) {
		size_t k;
		json_t *v;
		json_array_foreach(chosen, k, v) {
			if (json_is_string(v) && strcmp(json_string_value(v), behaviour_kinds[i]) == 0) {
				buf_printf(&b, "%s%s", b.len ? "," : "", behaviour_kinds[i]);
				break;
			}
		}
	}
	const char *out = arena_strdup(r->a, b.data ? b.data : "");
	buf_free(&b);
	return out;
}

static const char *
str_or(json_t *in, const char *name, const char *def)
{
	const char *v = input_str(in, name);
	return v ? v : def;
}

/* POST /report and POST /api/v1/public/reports. */
static void
report_submit(req *r)
{
	json_t *in = r->in;
	int64_t school = input_int(in, "school_id", -1);
	long limit = 0;
	bool school_ok = false;
	if (submit_facts(r, school > 0 ? school : 0, &limit, &school_ok) < 0) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (!rl_pass_at(r, 0, limit))
		return;
	struct submit *s = arena_calloc(r->a, 1, sizeof *s);
	if (s == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	s->a = r->a;
	s->now = (int64_t)time(NULL);
	const char *what = input_str(in, "what");
	if (what == NULL || utf8_count(what, strlen(what)) < 10) {
		refuse(r, 400, "public_what_short", "what");
		return;
	}
	if (school < 0) {
		if (!is_api(r)) {
			refuse(r, 400, "public_choose_school", "school_id");
			return;
		}
		school = 0;	/* the API: no school is "not sure" */
	}
	char day[11];
	today(r, day);
	s->occurred_on = str_or(in, "when", "");
	if (s->occurred_on[0] != '\0' && strcmp(s->occurred_on, day) > 0) {
		refuse(r, 400, "public_future_date", "when");
		return;
	}
	if (s->occurred_on[0] != '\0' && strcmp(s->occurred_on, DATE_MIN) < 0) {
		refuse(r, 400, "public_old_date", "when");
		return;
	}
	s->place = str_or(in, "place", "unknown");
	s->frequency = str_or(in, "frequency", "unknown");
	s->reporter = str_or(in, "reporter", "other");
	s->behaviours = behaviours_csv(r);
	/* Files: how many, what they are, how big (cleaning comes later). */
	size_t nfiles = r->files ? r->files->nfiles : 0;
	if (nfiles > ATTACH_MAX_FILES) {
		refuse(r, 400, "public_too_many_files", "files");
		return;
	}
	size_t max = (size_t)server_config(r->srv)->upload_max;
	for (size_t i = 0; i < nfiles; i++) {
		const upload *u = &r->files->files[i];
		if (u->len > max) {
			refuse(r, 400, "public_file_too_large", "files");
			return;
		}
		if (attach_sniff(u->data, u->len) == NULL) {
			refuse(r, 400, "public_file_type", "files");
			return;
		}
		s->att[i].raw = u->data;
		s->att[i].raw_len = u->len;
		s->att[i].filename = u->filename;
	}
	s->natt = nfiles;
	if (school > 0) {
		if (!school_ok) {
			refuse(r, 400, "public_unknown_school", "school_id");
			return;
		}
		s->unit_id = s->queue_id = school;
	} else if (office_unit(r, &s->queue_id) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s}", "what", what,
	    "when_text", str_or(in, "when_text", ""), "place_text", str_or(in, "place_text", ""),
	    "involved", str_or(in, "involved", ""), "contact", str_or(in, "contact", ""));
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	s->body_json = text ? arena_strdup(r->a, text) : NULL;
	if (text != NULL) {
		OPENSSL_cleanse(text, strlen(text));
		free(text);
	}
	if (s->body_json == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	s->body_json_len = strlen(s->body_json);
	if (s->natt > 0) {
		req_offload(r, submit_seal, s, submit_sealed);
		return;
	}
	submit_seal(s);
	submit_sealed(r, s, XA_OK);
}

/* --- The reporter's side: status and thread. */

struct found {
	int64_t id;
	const char *status;	/* received | in_progress | handled */
	const char *from_staff;	/* school | bureau: the queue's kind */
	bool has_key;
	uint8_t key[32];
	char shown[RC_SHOWN + 1];
};

/* Finds the report of a code as typed. Every code takes the same path:
 * normalised, hashed (a dummy for a malformed one), looked up. 1: found;
 * 0: no such report; -1: the database failed. */
static int
lookup(req *r, const char *code, struct found *f)
{
	char norm[RC_LEN + 1], hex[RC_HASH_LEN + 1];
	int64_t id = 0;
	bool ok = receipt_read(code, norm, &id, hex);
	memset(f, 0, sizeof *f);
	db_stmt *st = NULL;
	/* By the id the code names, checked against its hash; or, for a
	 * code given before codes named their report, by the hash alone. */
	if (db_prepare(r->rdb, "SELECT r.id, r.status, r.wkey, q.kind, c.state"
	    " FROM reports r JOIN units q ON q.id = r.queue_unit_id"
	    " LEFT JOIN cases c ON c.id = r.case_id"
	    " WHERE (r.id = ?1 AND r.receipt = ?2) OR r.receipt_hash = ?2", &st) != XA_OK)
		return -1;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, hex, -1);
	int rc = db_step(st);
	if (rc == 1 && ok) {
		f->id = db_col_int(st, 0);
		f->status = report_public_status(db_col_text(st, 1), db_col_text(st, 4));
		f->has_key = ckey_unwrap(db_col_blob(st, 2), db_col_len(st, 2), f->key) == XA_OK;
		f->from_staff = strcmp(db_col_text(st, 3), "school") == 0 ? "school" : "bureau";
		receipt_format(norm, f->shown);
	}
	db_done(st);
	OPENSSL_cleanse(norm, sizeof norm);
	if (rc < 0)
		return -1;
	return rc == 1 && ok;
}

/* The reporter's model: status, its words, the thread. */
static json_t *
public_model(req *r, const struct found *f)
{
	char key[48];
	snprintf(key, sizeof key, "public.status.%s", f->status);
	json_t *msgs = json_array();
	long zone = case_zone(r);
	db_stmt *st = NULL;
	if (f->has_key && db_prepare(r->rdb, "SELECT from_reporter, body, created_at"
	    " FROM report_messages WHERE report_id = ? ORDER BY id", &st) == XA_OK) {
		db_bind_int(st, 1, f->id);
		while (db_step(st) == 1) {
			char *text = NULL;
			if (open_blob(r->a, f->key, db_col_blob(st, 1), db_col_len(st, 1), &text,
			    NULL) != XA_OK)
				continue;
			const char *from = db_col_int(st, 0) ? "reporter" : f->from_staff;
			char at[17], fkey[32];
			time_format(db_col_int(st, 2), zone, ' ', at);
			snprintf(fkey, sizeof fkey, "public.from.%s", from);
			json_array_append_new(msgs, json_pack("{s:s, s:s, s:s, s:s, s:o, s:b}",
			    "from", from, "from_label", i18n(r->lang, fkey), "text", text, "at", at,
			    "lines", text_lines(text), "mine", db_col_int(st, 0) != 0));
		}
		db_done(st);
	}
	json_t *m = json_pack("{s:s, s:s, s:o}", "status", f->status, "status_text",
	    i18n(r->lang, key), "messages", msgs);
	if (m != NULL && !is_api(r)) {
		/* The page carries the code on in its reply form (never in an
		 * address). */
		json_object_set_new(m, "found", json_true());
		json_object_set_new(m, "code", json_string(f->shown));
		json_object_set_new(m, "page", json_pack("{s:s}", "title_key",
		    "public.status.title"));
	}
	return m;
}

/* The one answer for a wrong, malformed or unknown code. */
static void
not_found(req *r)
{
	if (is_api(r)) {
		/* The generic answer: a code with a '/' in it never reaches
		 * this route, and must be answered alike. */
		req_error(r, 404, "not_found", NULL);
		return;
	}
	req_page(r, 404, json_pack("{s:{s:s}, s:s}", "page", "title_key",
	    "public.status.title", "error", i18n(r->lang, "error.public_unknown_code")));
}

struct view {
	struct found f;
	const char *text;	/* a new message, or NULL */
	void *body;
	size_t body_len;
	const char *notice;
	const char *error;	/* a refused reply on the page: its catalog key */
	int64_t now;
};

/* The writer job of a reporter's visit: the new message (if any) with
 * its record, then the record of reading the thread. Neither names an
 * address or a request. */
static xa_err
view_run(db *conn, void *p)
{
	struct view *v = p;
	if (v->text != NULL) {
		db_stmt *st = NULL;
		xa_err e = db_prepare(conn, "INSERT INTO report_messages (report_id,"
		    " from_reporter, body, created_at) VALUES (?, 1, ?, ?)", &st);
		if (e != XA_OK)
			return e;
		db_bind_int(st, 1, v->f.id);
		db_bind_blob(st, 2, v->body, v->body_len);
		db_bind_int(st, 3, v->now);
		int rc = db_step(st);
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
		/* reports.updated_at is left alone: it is triage's version
		 * of the report and only triage moves it (next_stamp in
		 * reports_http.c); the queue's "unanswered" mark is read
		 * from the messages themselves. */
		if ((e = audit_anon(conn, "report.message", v->f.id, "body", v->now)) != XA_OK)
			return e;
	}
	/* The answer shows the thread: a read of sealed content. */
	return audit_anon(conn, "report.status.read", v->f.id, "messages", v->now);
}

/* Answers a visit once its records are on disk: the reporter's model
 * (201 after a new message on the API), or the status page. */
static void
view_done(req *r, void *ctx, xa_err result)
{
	struct view *v = ctx;
	if (result != XA_OK) {
		OPENSSL_cleanse(v->f.key, sizeof v->f.key);
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	json_t *m = public_model(r, &v->f);
	OPENSSL_cleanse(v->f.key, sizeof v->f.key);
	if (m != NULL && v->notice != NULL && !is_api(r))
		json_object_set_new(m, "notice", json_string(i18n(r->lang, v->notice)));
	if (is_api(r)) {
		req_json(r, v->text ? 201 : 200, m);
		return;
	}
	if (m != NULL && v->error != NULL)
		json_object_set_new(m, "error", json_string(i18n(r->lang, v->error)));
	req_render(r, v->error != NULL ? 400 : 200, "report_status", m);
}

/* True when s holds nothing but ASCII spaces, tabs and line breaks and
 * the ideographic space. */
static bool
blank(const char *s)
{
	while (*s != '\0') {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		else if (strncmp(s, "\xE3\x80\x80", 3) == 0)
			s += 3;
		else
			return false;
	}
	return true;
}

/* Looks up code; answers 404 or 503 itself and returns NULL, or the view. */
static struct view *
view_begin(req *r, const char *code)
{
	struct view *v = arena_calloc(r->a, 1, sizeof *v);
	if (v == NULL) {
		req_error(r, 500, "internal", NULL);
		return NULL;
	}
	v->now = (int64_t)time(NULL);
	int rc = lookup(r, code, &v->f);
	if (rc < 0) {
		req_error(r, 503, "unavailable", NULL);
		return NULL;
	}
	if (rc == 0) {
		not_found(r);
		return NULL;
	}
	return v;
}

/* GET /api/v1/public/reports/{code} and POST /report/status. */
static void
status_show(req *r)
{
	if (!rl_pass(r, 1))
		return;
	const char *code = is_api(r) ? req_param(r, "code") : input_str(r->in, "code");
	struct view *v = view_begin(r, code);
	if (v != NULL)
		req_write(r, view_run, v, view_done);
}

/* POST /api/v1/public/reports/{code}/messages and POST /report/status/reply.
 * A reply costs one lookup of the lookup budget, like showing the status
 * (it starts with the same look-up of a code); it does not count against
 * the reports budget. */
static void
status_reply(req *r)
{
	if (!rl_pass(r, 1))
		return;
	const char *code = is_api(r) ? req_param(r, "code") : input_str(r->in, "code");
	struct view *v = view_begin(r, code);
	if (v == NULL)
		return;
	const char *text = input_str(r->in, "text");
	if (text != NULL && blank(text))
		text = NULL;	/* only spaces and line breaks: nothing said */
	if (text == NULL || !v->f.has_key) {
		/* Only the page gets here without text (the API's table
		 * requires it); a report whose key was destroyed takes no
		 * more messages. */
		if (is_api(r)) {
			OPENSSL_cleanse(v->f.key, sizeof v->f.key);
			req_error(r, 400, text ? "public_closed" : "public_text_missing", "text");
			return;
		}
		/* The page shows the thread again with the message: a read
		 * like any visit, recorded before it is shown (400). */
		v->error = text ? "error.public_closed" : "error.public_text_missing";
		req_write(r, view_run, v, view_done);
		return;
	}
	if (seal_blob(r->a, v->f.key, text, strlen(text), &v->body, &v->body_len) != XA_OK) {
		OPENSSL_cleanse(v->f.key, sizeof v->f.key);
		req_error(r, 500, "internal", NULL);
		return;
	}
	v->text = text;
	v->notice = "public.reply.sent";
	req_write(r, view_run, v, view_done);
}

/* GET /report/status: the form to type the code. */
static void
status_form(req *r)
{
	req_page(r, 200, json_pack("{s:{s:s}}", "page", "title_key", "public.status.title"));
}

static const field status_fields[] = {
	{ "code", FT_STRING, 0, 0, 200, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field reply_page_fields[] = {
	{ "code", FT_STRING, 0, 0, 200, NULL },
	{ "text", FT_TEXT, 0, 0, 2000, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field message_fields[] = {
	{ "text", FT_TEXT, F_REQUIRED, 1, 2000, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* --- The staff side (reports.h). */

const char *
report_public_status(const char *status, const char *case_state)
{
	if (status == NULL || strcmp(status, "new") == 0)
		return "received";
	if (strcmp(status, "unfounded") == 0 || strcmp(status, "prank") == 0)
		return "handled";
	if (strcmp(status, "joined") == 0 && case_state != NULL &&
	    (strcmp(case_state, "closed") == 0 || strcmp(case_state, "archived") == 0))
		return "handled";
	return "in_progress";
}

bool
report_staff_may(const req *r, const char *queue_path, int64_t received_by,
    int64_t owner_id)
{
	const principal *p = r->user;
	if (p == NULL)
		return false;
	if (policy_allow(p, A_REPORT_TRIAGE, queue_path))
		return true;
	/* Its receiver and owner only while it is queued within their
	 * scope: once the office moves it to another school, it is that
	 * school's (reports_http.c rep_find keeps the same rule). */
	if (queue_path == NULL || !unit_within(queue_path, p->scope_path))
		return false;
	return (received_by > 0 && received_by == p->account_id) ||
	    (owner_id > 0 && owner_id == p->account_id);
}

json_t *
report_thread_model(req *r, int64_t report_id, const uint8_t key[32])
{
	json_t *msgs = json_array();
	if (msgs == NULL)
		return json_array();
	long zone = case_zone(r);
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT m.from_reporter, m.body, m.created_at,"
	    " a.display_name, u.kind FROM report_messages m"
	    " LEFT JOIN accounts a ON a.id = m.account_id"
	    " LEFT JOIN units u ON u.id = a.unit_id"
	    " WHERE m.report_id = ? ORDER BY m.id", &st) != XA_OK)
		return msgs;
	db_bind_int(st, 1, report_id);
	while (db_step(st) == 1) {
		char *text = NULL;
		if (open_blob(r->a, key, db_col_blob(st, 1), db_col_len(st, 1), &text,
		    NULL) != XA_OK)
			continue;
		bool rep = db_col_int(st, 0) != 0;
		const char *from = rep ? "reporter" :
		    strcmp(db_col_text(st, 4), "school") == 0 ? "school" : "bureau";
		char at[17];
		time_format(db_col_int(st, 2), zone, ' ', at);
		json_array_append_new(msgs, json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}",
		    "from", from, "from_label", i18n(r->lang, rep ? "public.from.reporter_staff" :
		    strcmp(from, "school") == 0 ? "public.from.school" : "public.from.bureau"),
		    "author", rep ? "" : db_col_text(st, 3), "text", text,
		    "lines", text_lines(text), "at", at));
	}
	db_done(st);
	return msgs;
}

json_t *
report_attachments_model(req *r, int64_t report_id, const uint8_t key[32])
{
	json_t *list = json_array();
	if (list == NULL)
		return json_array();
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT id, mime, size, name FROM attachments"
	    " WHERE report_id = ? ORDER BY id", &st) != XA_OK)
		return list;
	db_bind_int(st, 1, report_id);
	while (db_step(st) == 1) {
		char *name = NULL;
		if (open_blob(r->a, key, db_col_blob(st, 3), db_col_len(st, 3), &name,
		    NULL) != XA_OK)
			name = NULL;
		int64_t id = db_col_int(st, 0);
		char href[96];
		snprintf(href, sizeof href, "/api/v1/reports/%lld/attachments/%lld",
		    (long long)report_id, (long long)id);
		json_array_append_new(list, json_pack("{s:I, s:s, s:I, s:s, s:s}", "id",
		    (json_int_t)id, "mime", db_col_text(st, 1), "size",
		    (json_int_t)db_col_int(st, 2), "name", name ? name : "", "href", href));
	}
	db_done(st);
	return list;
}

/* The report of the route's {id} for a staff member, with its key:
 * 1 when r->user may answer it; 0 when it is missing, out of reach or
 * its key is destroyed (the caller answers 404); -1 on a database
 * failure. */
static int
staff_report(req *r, int64_t *id, uint8_t key[32])
{
	if (req_param_int(r, "id", id) != XA_OK)
		return 0;
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT q.path, r.received_by, r.owner_id, r.wkey"
	    " FROM reports r JOIN units q ON q.id = r.queue_unit_id WHERE r.id = ?",
	    &st) != XA_OK)
		return -1;
	db_bind_int(st, 1, *id);
	int rc = db_step(st);
	int ok = 0;
	if (rc == 1) {
		int64_t by = db_col_is_null(st, 1) ? 0 : db_col_int(st, 1);
		int64_t owner = db_col_is_null(st, 2) ? 0 : db_col_int(st, 2);
		ok = report_staff_may(r, db_col_text(st, 0), by, owner) &&
		    ckey_unwrap(db_col_blob(st, 3), db_col_len(st, 3), key) == XA_OK;
	}
	db_done(st);
	return rc < 0 ? -1 : ok;
}

struct staff_msg {
	int64_t report_id, id, now, account_id;
	void *body;
	size_t body_len;
	req *r;
};

/* The writer job of a staff reply: the message and the audit record
 * (who and where from the request). The report's updated_at is triage's
 * version and stays as it is (see view_run). */
static xa_err
staff_msg_run(db *conn, void *p)
{
	struct staff_msg *m = p;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "INSERT INTO report_messages (report_id, from_reporter,"
	    " account_id, body, created_at) VALUES (?, 0, ?, ?, ?)", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, m->report_id);
	db_bind_int(st, 2, m->account_id);
	db_bind_blob(st, 3, m->body, m->body_len);
	db_bind_int(st, 4, m->now);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	m->id = db_last_id(conn);
	return audit_req(conn, m->r, "report.reply", "report", m->report_id, "body", m->now);
}

static void
staff_msg_done(req *r, void *ctx, xa_err result)
{
	struct staff_msg *m = ctx;
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (is_api(r)) {
		req_json(r, 201, json_pack("{s:I, s:I}", "id", (json_int_t)m->id,
		    "report_id", (json_int_t)m->report_id));
		return;
	}
	char to[48];
	snprintf(to, sizeof to, "/reports/%lld", (long long)m->report_id);
	req_redirect(r, to);
}

/* POST /api/v1/reports/{id}/messages and POST /reports/{id}/messages. */
static void
staff_message(req *r)
{
	struct staff_msg *m = arena_calloc(r->a, 1, sizeof *m);
	uint8_t key[32];
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	int ok = staff_report(r, &m->report_id, key);
	if (ok <= 0) {
		OPENSSL_cleanse(key, sizeof key);
		req_error(r, ok < 0 ? 503 : 404, ok < 0 ? "unavailable" : "not_found", NULL);
		return;
	}
	const char *text = input_str(r->in, "text");
	xa_err e = seal_blob(r->a, key, text, strlen(text), &m->body, &m->body_len);
	OPENSSL_cleanse(key, sizeof key);
	if (e != XA_OK) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	m->r = r;
	m->now = (int64_t)time(NULL);
	m->account_id = r->user->account_id;
	req_write(r, staff_msg_run, m, staff_msg_done);
}

struct thread_read {
	int64_t report_id;
	json_t *messages;
	req *r;
};

/* The record of a staff member reading the thread, before it is sent. */
static xa_err
thread_read_run(db *conn, void *p)
{
	struct thread_read *t = p;
	return audit_req(conn, t->r, "report.thread.read", "report", t->report_id,
	    "messages", (int64_t)time(NULL));
}

static void
thread_read_done(req *r, void *ctx, xa_err result)
{
	struct thread_read *t = ctx;
	if (result != XA_OK) {
		json_decref(t->messages);
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_json(r, 200, json_pack("{s:I, s:o}", "report_id", (json_int_t)t->report_id,
	    "messages", t->messages));
}

/* GET /api/v1/reports/{id}/messages: the thread for staff, with names. */
static void
staff_thread(req *r)
{
	struct thread_read *t = arena_calloc(r->a, 1, sizeof *t);
	uint8_t key[32];
	if (t == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	int ok = staff_report(r, &t->report_id, key);
	if (ok <= 0) {
		OPENSSL_cleanse(key, sizeof key);
		req_error(r, ok < 0 ? 503 : 404, ok < 0 ? "unavailable" : "not_found", NULL);
		return;
	}
	t->messages = report_thread_model(r, t->report_id, key);
	OPENSSL_cleanse(key, sizeof key);
	t->r = r;
	req_write(r, thread_read_run, t, thread_read_done);
}

struct download {
	int64_t report_id, id;
	const char *mime;
	char *name, *data;
	size_t data_len;
	req *r;
};

/* The record of reading an attachment, before it is sent. */
static xa_err
download_run(db *conn, void *p)
{
	struct download *d = p;
	char fields[48];
	snprintf(fields, sizeof fields, "attachment=%lld", (long long)d->id);
	return audit_req(conn, d->r, "report.attachment.read", "report", d->report_id,
	    fields, (int64_t)time(NULL));
}

static void
download_done(req *r, void *ctx, xa_err result)
{
	struct download *d = ctx;
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_file(r, d->mime, d->name, d->data, d->data_len);
}

/* GET /api/v1/reports/{id}/attachments/{aid}: the cleaned file. */
static void
staff_attachment(req *r)
{
	struct download *d = arena_calloc(r->a, 1, sizeof *d);
	uint8_t key[32];
	if (d == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	int ok = staff_report(r, &d->report_id, key);
	if (ok > 0 && req_param_int(r, "aid", &d->id) != XA_OK)
		ok = 0;
	db_stmt *st = NULL;
	if (ok > 0 && db_prepare(r->rdb, "SELECT mime, name, data FROM attachments"
	    " WHERE id = ? AND report_id = ?", &st) != XA_OK)
		ok = -1;
	if (ok > 0) {
		db_bind_int(st, 1, d->id);
		db_bind_int(st, 2, d->report_id);
		int rc = db_step(st);
		if (rc == 1) {
			d->mime = strcmp(db_col_text(st, 0), "image/png") == 0 ? "image/png" :
			    "image/jpeg";
			if (open_blob(r->a, key, db_col_blob(st, 1), db_col_len(st, 1), &d->name,
			    NULL) != XA_OK ||
			    open_blob(r->a, key, db_col_blob(st, 2), db_col_len(st, 2), &d->data,
			    &d->data_len) != XA_OK)
				ok = 0;
		} else {
			ok = rc < 0 ? -1 : 0;
		}
		db_done(st);
	}
	OPENSSL_cleanse(key, sizeof key);
	if (ok <= 0) {
		req_error(r, ok < 0 ? 503 : 404, ok < 0 ? "unavailable" : "not_found", NULL);
		return;
	}
	if (!utf8_valid(d->name, strlen(d->name)))
		d->name = (char *)"photo";
	d->r = r;
	req_write(r, download_run, d, download_done);
}

const route report_public_routes[] = {
	{ M_GET, "/report", report_form, R_ANON, NULL, NULL, "report_new", "report_new" },
	{ M_POST, "/report", report_submit, R_NO_CSRF | R_ANON, NULL, report_page_fields,
	  "report_new", "report_form" },
	{ M_POST, "/api/v1/public/reports", report_submit, R_API | R_NO_CSRF | R_ANON, NULL,
	  report_api_fields, NULL, "api_public_report" },
	{ M_GET, "/api/v1/public/reports/{code}", status_show, R_API | R_ANON, NULL, NULL, NULL,
	  "api_public_status" },
	{ M_POST, "/api/v1/public/reports/{code}/messages", status_reply,
	  R_API | R_NO_CSRF | R_ANON, NULL, message_fields, NULL, "api_public_message" },
	{ M_GET, "/report/status", status_form, R_ANON, NULL, NULL, "report_status",
	  "report_status" },
	{ M_POST, "/report/status", status_show, R_NO_CSRF | R_ANON, NULL, status_fields,
	  "report_status", "report_status_form" },
	{ M_POST, "/report/status/reply", status_reply, R_NO_CSRF | R_ANON, NULL,
	  reply_page_fields, "report_status", "report_status_reply" },
	{ M_GET, "/api/v1/reports/{id:int}/messages", staff_thread, R_API | R_AUTH,
	  NULL, NULL, NULL, "api_report_messages" },
	{ M_POST, "/api/v1/reports/{id:int}/messages", staff_message, R_API | R_AUTH,
	  NULL, message_fields, NULL, "api_report_message" },
	{ M_POST, "/reports/{id:int}/messages", staff_message, R_AUTH, NULL,
	  message_fields, NULL, "report_message" },
	{ M_GET, "/api/v1/reports/{id:int}/attachments/{aid:int}", staff_attachment,
	  R_API | R_AUTH, NULL, NULL, NULL, "api_report_attachment" },
};
const size_t report_public_routes_count =
    sizeof report_public_routes / sizeof report_public_routes[0];
