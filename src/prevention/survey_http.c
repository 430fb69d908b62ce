/* survey_http.c: the survey's routes, collection side: campaigns (list,
 * open, close), the slips of a class (JSON and PDF, for the school's own
 * people), and the student's page (/s/{code}) with its JSON twin.
 *
 * The student's side is built like the anonymous report channel
 * (report_public.c): R_ANON routes (no session, no address or path in the
 * access log), pages that work without JavaScript, one answer for a used
 * and a made-up code, failed codes limited per address in memory.
 *
 * Never: store or audit anything of a student's request (address, time,
 * request id) with an answer; answer a used code differently from an
 * unknown one; let the request for help share an id, a job or a moment's
 * record with the answer it came with; show a code to anyone but the
 * school's own people. */
#include "prevention_http.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../auth/auth.h"
#include "../auth/keys.h"
#include "../auth/session.h"
#include "../cases/cases.h"
#include "../core/calendar.h"
#include "../core/i18n.h"
#include "../core/log.h"
#include "../http/handler.h"
#include "../http/input.h"
#include "../http/server.h"
#include "../notify/notify.h"
#include "results.h"
#include "survey.h"

/* Made-up or used codes an address may try in ten minutes before it is
 * told to wait (a computer room behind one address answers hundreds of
 * good codes; only failures count). */
#define FAILS_PER_ADDR 30
#define FAILS_WINDOW 600
#define SLIPS_PDF_MAX (16u << 20)

/* --- Failed codes per address: a small table in memory, kept for one
 * window, with a look that does not count (ratelimit.h only counts). */

#define FAIL_SLOTS 4096
static struct {
	pthread_mutex_t mu;
	struct {
		char key[64];
		int64_t start;
		int n;
	} slot[FAIL_SLOTS];
} fails = { .mu = PTHREAD_MUTEX_INITIALIZER };

static size_t
fail_slot(const char *key)
{
	uint64_t h = 1469598103934665603ULL;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (size_t)(h % FAIL_SLOTS);
}

/* The failures of key in the current window; add: count one more. A
 * slot taken by another address is taken over when its window is over
 * (or shared meanwhile: a collision can only make a limit stricter). */
static int
fails_at(const char *key, int add)
{
	int64_t now = (int64_t)time(NULL);
	size_t i = fail_slot(key);
	pthread_mutex_lock(&fails.mu);
	if (now - fails.slot[i].start >= FAILS_WINDOW ||
	    (strcmp(fails.slot[i].key, key) != 0 && fails.slot[i].n == 0)) {
		snprintf(fails.slot[i].key, sizeof fails.slot[i].key, "%s", key);
		fails.slot[i].start = now;
		fails.slot[i].n = 0;
	}
	fails.slot[i].n += add;
	int n = fails.slot[i].n;
	pthread_mutex_unlock(&fails.mu);
	return n;
}

/* Answers 429 and returns 0 when r's address has failed too often. */
static int
fails_pass(req *r)
{
	if (fails_at(r->client, 0) < FAILS_PER_ADDR)
		return 1;
	req_header(r, "Retry-After", "600");
	const char *msg = i18n(r->lang, "error.survey_too_many");
	if (is_api(r)) {
		req_json(r, 429, json_pack("{s:{s:s, s:s}}", "error", "code", "survey_too_many",
		    "message", msg));
		return 0;
	}
	req_render(r, 429, "survey_code", json_pack("{s:{s:s}, s:s}", "page", "title_key",
	    "survey.code.title", "error", msg));
	return 0;
}

/* The one refusal of a code: used, made up, or its campaign closed. */
static void
code_refused(req *r)
{
	fails_at(r->client, 1);
	const char *msg = i18n(r->lang, "error.survey_code");
	if (is_api(r)) {
		req_json(r, 404, json_pack("{s:{s:s, s:s}}", "error", "code", "survey_code",
		    "message", msg));
		return;
	}
	req_render(r, 404, "survey_code", json_pack("{s:{s:s}, s:s}", "page", "title_key",
	    "survey.code.title", "error", msg));
}

/* --- The questionnaires of campaigns, parsed once. A campaign's two
 * questionnaires never change after it opens, so each is parsed at its
 * first answer and kept for the life of the process (a few kilobytes a
 * campaign). Readers borrow them: they never change them and never touch
 * their reference counts. When the table is full the oldest entry makes
 * room but is only freed a thousand evictions later, long after any
 * request that borrowed it has been answered. */

#define TMPL_CACHE 64
#define TMPL_RETIRED 1024
static struct {
	pthread_mutex_t mu;
	size_t next, retired_next;
	struct {
		int64_t campaign;
		int level;	/* 0: primary, 1: secondary */
		json_t *tmpl;
	} e[TMPL_CACHE];
	json_t *retired[TMPL_RETIRED];
} tmpls = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* The questionnaire of campaign for grade, borrowed, or NULL. */
static const json_t *
tmpl_get(req *r, int64_t campaign, int grade)
{
	int level = strcmp(survey_level(grade), "primary") == 0 ? 0 : 1;
	json_t *t = NULL;
	pthread_mutex_lock(&tmpls.mu);
	for (size_t i = 0; i < TMPL_CACHE && t == NULL; i++)
		if (tmpls.e[i].tmpl != NULL && tmpls.e[i].campaign == campaign &&
		    tmpls.e[i].level == level)
			t = tmpls.e[i].tmpl;
	pthread_mutex_unlock(&tmpls.mu);
	if (t != NULL)
		return t;
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, level == 0 ? "SELECT primary_body FROM survey_campaigns"
	    " WHERE id = ?" : "SELECT secondary_body FROM survey_campaigns WHERE id = ?",
	    &st) != XA_OK)
		return NULL;
	db_bind_int(st, 1, campaign);
	if (db_step(st) == 1)
		t = json_loads(db_col_text(st, 0), 0, NULL);
	db_done(st);
	if (t == NULL)
		return NULL;
	pthread_mutex_lock(&tmpls.mu);
	size_t i = tmpls.next++ % TMPL_CACHE;
	if (tmpls.e[i].tmpl != NULL) {
		size_t k = tmpls.retired_next++ % TMPL_RETIRED;
		json_decref(tmpls.retired[k]);
		tmpls.retired[k] = tmpls.e[i].tmpl;
	}
	tmpls.e[i].campaign = campaign;
	tmpls.e[i].level = level;
	tmpls.e[i].tmpl = t;
	pthread_mutex_unlock(&tmpls.mu);
	return t;
}

/* --- The slip behind a code. */

struct slip {
	int64_t id, campaign, unit, class_id;
	int grade;
	const json_t *tmpl;	/* the questionnaire for the class's level (borrowed) */
	char code[SLIP_LEN + 1];
};

/* Finds the slip the code in the path names: 1 when it is good (unused,
 * its campaign open), 0 when refused, -1 when the database failed. Every
 * code takes the same path: read, hash, look up by id. */
static int
slip_find(req *r, struct slip *s)
{
	char hash[SLIP_HASH_LEN + 1];
	const char *typed = req_param(r, "code");
	memset(s, 0, sizeof *s);
	slip_read(typed ? typed : "", &s->id, hash);
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT s.secret, s.used_at, s.campaign_id, s.unit_id,"
	    " s.class_id, c.grade, k.state FROM survey_slips s JOIN survey_campaign_classes c"
	    " ON c.campaign_id = s.campaign_id AND c.class_id = s.class_id JOIN"
	    " survey_campaigns k ON k.id = s.campaign_id WHERE s.id = ?",
	    &st) != XA_OK)
		return -1;
	db_bind_int(st, 1, s->id);
	int rc = db_step(st);
	int ok = 0;
	if (rc == 1) {
		const char *secret = db_col_text(st, 0);
		ok = strlen(secret) == SLIP_HASH_LEN &&
		    crypto_equal(secret, hash, SLIP_HASH_LEN) && db_col_int(st, 1) == 0 &&
		    strcmp(db_col_text(st, 6), "open") == 0;
		if (ok) {
			s->campaign = db_col_int(st, 2);
			s->unit = db_col_int(st, 3);
			s->class_id = db_col_int(st, 4);
			s->grade = (int)db_col_int(st, 5);
		}
	}
	db_done(st);
	if (rc < 0)
		return -1;
	if (ok && (s->tmpl = tmpl_get(r, s->campaign, s->grade)) == NULL)
		return -1;
	if (ok) {
		/* The code as normalised (full-width letters too), for the
		 * form's action. */
		if (!slip_normalise(typed, s->code))
			s->code[0] = '\0';
	}
	return ok;
}

/* --- The student's page. */

/* The page's model: the questionnaire with the answers in `in` (or none)
 * checked again. */
static json_t *
answer_model(req *r, const struct slip *s, json_t *in, const char *error,
    const char *bad)
{
	json_t *qs = json_array();
	size_t i, no = 0;
	json_t *q;
	json_array_foreach(json_object_get(s->tmpl, "questions"), i, q) {
		const char *id = json_string_value(json_object_get(q, "id"));
		const char *type = json_string_value(json_object_get(q, "type"));
		if (id == NULL || type == NULL)
			continue;
		json_t *given = in ? json_object_get(in, id) : NULL;
		json_t *opts = json_array();
		size_t k;
		json_t *o;
		json_array_foreach(json_object_get(q, "options"), k, o) {
			const char *v = json_string_value(json_object_get(o, "value"));
			bool on = false;
			size_t m;
			json_t *x;
			if (json_is_string(given) && v)
				on = strcmp(json_string_value(given), v) == 0;
			json_array_foreach(given, m, x)
				if (json_is_string(x) && v && strcmp(json_string_value(x), v) == 0)
					on = true;
			json_array_append_new(opts, json_pack("{s:s, s:s, s:s, s:b}", "name", id,
			    "value", v ? v : "", "text",
			    json_string_value(json_object_get(o, "text")) ?
			    json_string_value(json_object_get(o, "text")) : "", "checked", on));
		}
		json_t *rule = json_object_get(q, "show_if");
		json_t *m = json_pack("{s:s, s:I, s:s, s:o, s:b, s:b, s:b, s:b, s:b, s:b}",
		    "id", id, "no", (json_int_t)++no, "text",
		    json_string_value(json_object_get(q, "text")) ?
		    json_string_value(json_object_get(q, "text")) : "", "options", opts,
		    "one", strcmp(type, "one") == 0, "many", strcmp(type, "many") == 0,
		    "free", strcmp(type, "text") == 0,
		    "optional", json_is_true(json_object_get(q, "optional")) ||
		    strcmp(type, "one") != 0 || json_is_object(rule),
		    "conditional", json_is_object(rule),
		    "bad", bad != NULL && strcmp(bad, id) == 0);
		if (m != NULL && strcmp(type, "text") == 0)
			json_object_set_new(m, "value", json_string(json_is_string(given) ?
			    json_string_value(given) : ""));
		json_array_append_new(qs, m);
	}
	bool primary = strcmp(survey_level(s->grade), "primary") == 0;
	json_t *model = json_pack("{s:{s:s}, s:s, s:s, s:o, s:b}", "page", "title_key",
	    "survey.answer.title", "code", s->code, "intro",
	    json_string_value(json_object_get(s->tmpl, "intro")) ?
	    json_string_value(json_object_get(s->tmpl, "intro")) : "", "questions", qs,
	    "primary", primary);
	if (model != NULL && error != NULL)
		json_object_set_new(model, "error", json_string(error));
	return model;
}

/* GET /s: a box to type a code; with ?code=, on to its page. */
static void
code_entry(req *r)
{
	const char *code = r->q ? input_str(r->q, "code") : NULL;
	if (code != NULL && code[0] != '\0') {
		int64_t id;
		char hash[SLIP_HASH_LEN + 1];
		if (slip_read(code, &id, hash)) {
			char to[64], norm[SLIP_LEN + 1];
			size_t n = slip_normalise(code, norm) ? SLIP_LEN : 0;
			snprintf(to, sizeof to, "/s/%s", n ? norm : "");
			if (n == SLIP_LEN) {
				req_redirect(r, to);
				return;
			}
		}
		if (!fails_pass(r))
			return;
		code_refused(r);
		return;
	}
	req_render(r, 200, "survey_code", json_pack("{s:{s:s}}", "page", "title_key",
	    "survey.code.title"));
}

/* GET /s/{code}: the questionnaire. */
static void
answer_form(req *r)
{
	if (!fails_pass(r))
		return;
	struct slip s;
	int ok = slip_find(r, &s);
	if (ok < 0) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (ok == 0) {
		code_refused(r);
		return;
	}
	json_t *m = answer_model(r, &s, NULL, NULL, NULL);
	req_render(r, 200, "survey_answer", m);
}

struct answer {
	struct slip s;
	survey_answer a;
	char *answers;		/* the stored JSON */
	int64_t day, now;
	bool taken;		/* the slip was used meanwhile */
	/* The request for help, its own job after the answer's. */
	int help;
	int64_t queue, report_id;
	uint8_t wrapped[WRAPPED_KEY_LEN];
	void *body;
	size_t body_len;
	xa_err help_result;
};

/* The answer's writer job: the slip spent (only the day kept), the
 * answers under a random id and no time, the class's counts. No audit
 * record: its time and order would tell when the answer came. */
static xa_err
answer_run(db *conn, void *p)
{
	struct answer *w = p;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "UPDATE survey_slips SET used_at = ? WHERE id = ?"
	    " AND used_at = 0", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, w->day);
	db_bind_int(st, 2, w->s.id);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (db_changes(conn) != 1) {
		w->taken = true;
		return XA_ECONFLICT;
	}
	for (int tries = 0;; tries++) {
		int64_t id = 0;
		if ((e = crypto_random(&id, sizeof id)) != XA_OK)
			return e;
		id = (int64_t)((uint64_t)id >> 2) + 1;	/* positive, below 2^62 */
		if ((e = db_prepare(conn, "INSERT INTO survey_responses (id, campaign_id,"
		    " unit_id, class_id, grade, answers) VALUES (?, ?, ?, ?, ?, ?)", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, id);
		db_bind_int(st, 2, w->s.campaign);
		db_bind_int(st, 3, w->s.unit);
		db_bind_int(st, 4, w->s.class_id);
		db_bind_int(st, 5, w->s.grade);
		db_bind_text(st, 6, w->answers, -1);
		rc = db_step(st);
		db_done(st);
		if (rc >= 0)
			break;
		if (tries == 3)
			return (xa_err)-rc;	/* not a collision of ids, then */
	}
	return survey_count(conn, w->s.campaign, w->s.class_id, w->s.unit, &w->a);
}

/* The request for help: a report in the school's queue, told to the
 * school, whose sealed body holds the class and the name if given —
 * nothing of the answer, no id of it. */
static xa_err
help_run(db *conn, void *p)
{
	struct answer *w = p;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "INSERT INTO reports (unit_id, queue_unit_id, channel,"
	    " wkey, body, reporter, status, created_at, updated_at) VALUES (?, ?, 'survey',"
	    " ?, ?, 'other', 'new', ?, ?)", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, w->queue);
	db_bind_int(st, 2, w->queue);
	db_bind_blob(st, 3, w->wrapped, sizeof w->wrapped);
	db_bind_blob(st, 4, w->body, w->body_len);
	db_bind_int(st, 5, w->now);
	db_bind_int(st, 6, w->now);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	w->report_id = db_last_id(conn);
	if ((e = notify_report(conn, w->report_id, w->queue, 0, w->now)) != XA_OK)
		return e;
	audit_entry a;
	memset(&a, 0, sizeof a);
	a.action = "report.receive";
	a.object_type = "report";
	a.object_id = w->report_id;
	a.fields = "body";
	a.request_id = "";
	a.source = "";
	return audit_append(conn, keys_get()->audit, &a, w->now);
}

static void
answer_thanks(req *r, struct answer *w)
{
	const char *help = w->help == 0 ? "none" : w->help_result == XA_OK ? "sent" : "failed";
	if (is_api(r)) {
		req_json(r, 201, json_pack("{s:s, s:s}", "status", "received", "help", help));
		return;
	}
	req_render(r, 201, "survey_done", json_pack("{s:{s:s}, s:b, s:b, s:s}", "page",
	    "title_key", "survey.done.title", "help_sent", w->help && w->help_result == XA_OK,
	    "help_failed", w->help && w->help_result != XA_OK,
	    "hotline", server_config(r->srv)->hotline));
}

static void
help_done(req *r, void *ctx, xa_err result)
{
	struct answer *w = ctx;
	w->help_result = result;
	if (result != XA_OK)
		log_error("survey: a request for help was not stored: %s", xa_strerror(result));
	answer_thanks(r, w);
}

/* Seals the request for help: a sentence, the class, the name if any. */
static xa_err
help_seal(req *r, struct answer *w)
{
	db_stmt *st = NULL;
	const char *cls = "";
	xa_err e = db_prepare(r->rdb, "SELECT name FROM survey_campaign_classes WHERE"
	    " campaign_id = ? AND class_id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, w->s.campaign);
	db_bind_int(st, 2, w->s.class_id);
	if (db_step(st) == 1)
		cls = arena_strdup(r->a, db_col_text(st, 0));
	db_done(st);
	if (cls == NULL)
		return XA_ENOMEM;
	const char *what = i18n_fill(r->a, "zh", w->help == 2 ? "survey.help.what_name" :
	    "survey.help.what_counsellor", "grade", arena_printf(r->a, "%d", w->s.grade),
	    "class", cls, NULL);
	json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s}", "what", what ? what : "",
	    "when_text", "", "place_text", "", "involved", "",
	    "contact", w->help == 2 && w->a.help_name ? w->a.help_name : "");
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (text == NULL)
		return XA_ENOMEM;
	uint8_t key[32];
	e = ckey_new(key, w->wrapped);
	if (e == XA_OK)
		e = seal_blob(r->a, key, text, strlen(text), &w->body, &w->body_len);
	OPENSSL_cleanse(key, sizeof key);
	OPENSSL_cleanse(text, strlen(text));
	free(text);
	return e;
}

static void
answer_done(req *r, void *ctx, xa_err result)
{
	struct answer *w = ctx;
	if (result != XA_OK) {
		if (w->taken) {
			code_refused(r);
			return;
		}
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (w->help == 0) {
		answer_thanks(r, w);
		return;
	}
	/* Its own job, queued only now: a later batch than the answer's. */
	w->queue = w->s.unit;
	w->now = (int64_t)time(NULL);
	if (help_seal(r, w) != XA_OK) {
		w->help_result = XA_ECRYPTO;
		answer_thanks(r, w);
		return;
	}
	req_write(r, help_run, w, help_done);
}

/* POST /s/{code} and POST /api/v1/public/surveys/{code}. */
static void
answer_submit(req *r)
{
	if (!fails_pass(r))
		return;
	struct answer *w = arena_calloc(r->a, 1, sizeof *w);
	if (w == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	int ok = slip_find(r, &w->s);
	if (ok < 0) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (ok == 0) {
		code_refused(r);
		return;
	}
	const char *bad = NULL;
	xa_err e = survey_check(w->s.tmpl, r->in, &w->a, &bad);
	if (e != XA_OK) {
		const char *code = e == XA_EMISSING ? "survey_missing" : "survey_invalid";
		if (is_api(r)) {
			req_error(r, 400, code, bad);
			return;
		}
		char key[48];
		snprintf(key, sizeof key, "error.%s", code);
		json_t *m = answer_model(r, &w->s, r->in, i18n(r->lang, key), bad);
		req_render(r, 400, "survey_answer", m);
		return;
	}
	w->s.tmpl = NULL;
	char *text = json_dumps(w->a.stored, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(w->a.stored);
	w->a.stored = NULL;
	w->answers = text ? arena_strdup(r->a, text) : NULL;
	free(text);
	if (w->answers == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	w->help = w->a.help;
	if (w->help == 2 && w->a.help_name != NULL)
		w->a.help_name = arena_strdup(r->a, w->a.help_name);
	int64_t now = (int64_t)time(NULL);
	w->day = now - now % 86400;
	req_write(r, answer_run, w, answer_done);
}

static const field answer_fields[] = {
	{ "gender", FT_TOKEN, 0, 0, 32, NULL },
	{ "victim", FT_TOKEN, 0, 0, 32, NULL },
	{ "victim_forms", FT_TOKEN, F_MULTI, 0, 32, NULL },
	{ "victim_places", FT_TOKEN, F_MULTI, 0, 32, NULL },
	{ "told", FT_TOKEN, F_MULTI, 0, 32, NULL },
	{ "adult_helped", FT_TOKEN, 0, 0, 32, NULL },
	{ "bully", FT_TOKEN, 0, 0, 32, NULL },
	{ "help", FT_TOKEN, 0, 0, 32, NULL },
	{ "help_name", FT_STRING, 0, 0, 60, NULL },
	/* The bureau's own questions (questionnaire.h), one or many choices:
	 * a single choice arrives as an array of one. */
	{ "extra1", FT_TOKEN, F_MULTI, 0, 32, NULL },
	{ "extra2", FT_TOKEN, F_MULTI, 0, 32, NULL },
	{ "extra3", FT_TOKEN, F_MULTI, 0, 32, NULL },
	{ "extra4", FT_TOKEN, F_MULTI, 0, 32, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field code_query[] = {
	{ "code", FT_STRING, 0, 0, 60, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* --- Campaigns (staff). */

/* 1 when r->user may see campaign id opened by opener_path: they may open
 * or close it, or one of its schools is theirs to give slips for. */
static bool
campaign_visible(req *r, int64_t id, const char *opener_path)
{
	if (policy_allow(r->user, A_SURVEY_OPEN, opener_path))
		return true;
	db_stmt *st = NULL;
	bool ok = false;
	if (db_prepare(r->rdb, "SELECT u.path FROM survey_campaign_schools s JOIN units u"
	    " ON u.id = s.unit_id WHERE s.campaign_id = ? AND s.unit_id = ?", &st) != XA_OK)
		return false;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, r->user->unit_id);
	if (db_step(st) == 1)
		ok = policy_allow(r->user, A_SURVEY_SLIPS, db_col_text(st, 0)) ||
		    policy_allow(r->user, A_SURVEY_OPEN, db_col_text(st, 0));
	db_done(st);
	return ok;
}

/* The campaigns r->user may see, newest first. */
static json_t *
campaigns_model(req *r)
{
	json_t *list = json_array();
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT k.id, k.name, k.semester, k.state, k.opened_at,"
	    " k.closed_at, u.path, u.name, (SELECT count(*) FROM survey_campaign_schools s"
	    " WHERE s.campaign_id = k.id), (SELECT coalesce(sum(n), 0) FROM survey_counts c"
	    " WHERE c.campaign_id = k.id AND c.measure = 'responses')"
	    " FROM survey_campaigns k JOIN units u ON u.id = k.unit_id"
	    " WHERE substr(u.path, 1, length(?1)) = ?1 OR EXISTS (SELECT 1 FROM"
	    " survey_campaign_schools s WHERE s.campaign_id = k.id AND s.unit_id = ?2)"
	    " ORDER BY k.opened_at DESC, k.id DESC LIMIT 500", &st) != XA_OK)
		return list;
	/* Candidates before the limit: opened within the account's reach, or
	 * naming its school; campaign_visible() decides. */
	db_bind_text(st, 1, r->user->scope_path, -1);
	db_bind_int(st, 2, r->user->unit_id);
	long zone = config_zone(server_config(r->srv));
	/* Whoever reads results at their own unit has a link to them. */
	bool may_results = policy_allow(r->user, A_SURVEY_RESULTS, r->user->unit_path);
	while (db_step(st) == 1) {
		int64_t id = db_col_int(st, 0);
		if (!campaign_visible(r, id, db_col_text(st, 6)))
			continue;
		char opened[11], closed[11] = "";
		day_format(day_of(db_col_int(st, 4), zone), opened);
		if (db_col_int(st, 5) > 0)
			day_format(day_of(db_col_int(st, 5), zone), closed);
		bool open = strcmp(db_col_text(st, 3), "open") == 0;
		json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s,"
		    " s:s, s:I, s:I, s:b, s:b}", "id", (json_int_t)id, "name", db_col_text(st, 1),
		    "semester", db_col_text(st, 2), "state", db_col_text(st, 3), "state_key",
		    open ? "survey.state.open" : "survey.state.closed", "opened_on", opened,
		    "closed_on", closed, "opened_by", db_col_text(st, 7),
		    "schools", (json_int_t)db_col_int(st, 8),
		    "responses", (json_int_t)db_col_int(st, 9),
		    "open", open, "may_close", open &&
		    policy_allow(r->user, A_SURVEY_OPEN, db_col_text(st, 6))));
		/* The results page picks the caller's own level. */
		json_object_set_new(json_array_get(list, json_array_size(list) - 1),
		    "may_results", json_boolean(may_results));
	}
	db_done(st);
	return list;
}

/* The classes of r->user's school, for the slips links: those campaign
 * kept (survey_freeze_classes), or with campaign 0 those surveyed of the
 * registry now. */
static json_t *
my_classes(req *r, int64_t campaign)
{
	json_t *list = json_array();
	if (!policy_allow(r->user, A_SURVEY_SLIPS, r->user->unit_path))
		return list;
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, campaign == 0 ? "SELECT id, grade, name, boys + girls FROM"
	    " classes WHERE unit_id = ?1 AND grade >= ?2 ORDER BY grade, name" :
	    "SELECT class_id, grade, name, boys + girls FROM survey_campaign_classes WHERE"
	    " unit_id = ?1 AND campaign_id = ?3 ORDER BY grade, name", &st) != XA_OK)
		return list;
	db_bind_int(st, 1, r->user->unit_id);
	if (campaign == 0)
		db_bind_int(st, 2, SURVEY_MIN_GRADE);
	else
		db_bind_int(st, 3, campaign);
	while (db_step(st) == 1)
		json_array_append_new(list, json_pack("{s:I, s:I, s:s, s:I}", "id",
		    (json_int_t)db_col_int(st, 0), "grade", (json_int_t)db_col_int(st, 1),
		    "name", db_col_text(st, 2), "students", (json_int_t)db_col_int(st, 3)));
	db_done(st);
	return list;
}

/* 1 when r->user's own unit is one of campaign id's schools. */
static bool
in_campaign(req *r, int64_t id)
{
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT 1 FROM survey_campaign_schools WHERE campaign_id = ?"
	    " AND unit_id = ?", &st) != XA_OK)
		return false;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, r->user->unit_id);
	bool ok = db_step(st) == 1;
	db_done(st);
	return ok;
}

/* GET /api/v1/surveys and GET /surveys. */
static void
campaigns_list(req *r)
{
	json_t *list = campaigns_model(r);
	if (is_api(r)) {
		/* The classes whose slips the account may take (their ids are
		 * what ?class= names). */
		req_json(r, 200, json_pack("{s:o, s:o}", "surveys", list, "classes",
		    my_classes(r, 0)));
		return;
	}
	json_t *open = json_array(), *done = json_array();
	size_t i;
	json_t *c;
	json_array_foreach(list, i, c) {
		bool is_open = json_is_true(json_object_get(c, "open"));
		json_array_append(is_open ? open : done, c);
		if (!is_open || !in_campaign(r, json_integer_value(json_object_get(c, "id"))))
			continue;
		json_t *classes = my_classes(r, json_integer_value(json_object_get(c, "id")));
		if (json_array_size(classes) == 0) {
			json_decref(classes);
			continue;
		}
		json_t *links = json_array(), *k;
		size_t x;
		json_array_foreach(classes, x, k) {
			const char *href = arena_printf(r->a, "/surveys/%lld/slips.pdf?class=%lld",
			    (long long)json_integer_value(json_object_get(c, "id")),
			    (long long)json_integer_value(json_object_get(k, "id")));
			json_array_append_new(links, json_pack("{s:O, s:O, s:s}", "name",
			    json_object_get(k, "name"), "students", json_object_get(k, "students"),
			    "href", href ? href : ""));
		}
		json_decref(classes);
		json_object_set_new(c, "slip_classes", links);
		json_object_set_new(c, "has_slips", json_true());
	}
	json_decref(list);
	bool school = strcmp(r->user->unit_kind, "school") == 0;
	bool may_open = policy_allow(r->user, A_SURVEY_OPEN, r->user->unit_path);
	json_t *lv[2] = { json_array(), json_array() };
	db_stmt *st = NULL;
	if (may_open && db_prepare(r->rdb, "SELECT id, level, name FROM survey_templates"
	    " ORDER BY standard DESC, id", &st) == XA_OK) {
		while (db_step(st) == 1)
			json_array_append_new(lv[strcmp(db_col_text(st, 1), "primary") == 0 ? 0 : 1],
			    json_pack("{s:I, s:s}", "id", (json_int_t)db_col_int(st, 0), "name",
			    db_col_text(st, 2)));
		db_done(st);
	}
	req_page(r, 200, json_pack("{s:{s:s}, s:o, s:b, s:o, s:b, s:b, s:o, s:o}", "page",
	    "title_key", "survey.list.title", "open_surveys", open, "has_closed",
	    json_array_size(done) > 0, "closed_surveys", done, "may_open", may_open,
	    "for_school", school, "primary_templates", lv[0], "secondary_templates", lv[1]));
}

struct open_job {
	const char *name, *semester;
	int64_t tmpl[2];	/* the questionnaires: primary, secondary (0: standard) */
	bool bad_tmpl;
	int64_t *schools;
	size_t nschools;
	int64_t id, slips, now;
	const req *r;
	bool conflict;
};

/* The campaign, its schools, their slips and the audit record. A school
 * already in an open campaign of the semester refuses the lot. */
static xa_err
open_run(db *conn, void *p)
{
	struct open_job *j = p;
	db_stmt *st = NULL;
	for (size_t i = 0; i < j->nschools; i++) {
		xa_err e = db_prepare(conn, "SELECT 1 FROM survey_campaign_schools s JOIN"
		    " survey_campaigns k ON k.id = s.campaign_id WHERE s.unit_id = ? AND"
		    " k.semester = ? AND k.state = 'open'", &st);
		if (e != XA_OK)
			return e;
		db_bind_int(st, 1, j->schools[i]);
		db_bind_text(st, 2, j->semester, -1);
		int rc = db_step(st);
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
		if (rc == 1) {
			j->conflict = true;
			return XA_ECONFLICT;
		}
	}
	/* The questionnaires asked: those named, of their level, or the
	 * standard ones; their bodies are frozen into the campaign. */
	xa_err e = db_prepare(conn, "INSERT INTO survey_campaigns (unit_id, name, semester,"
	    " state, primary_body, secondary_body, primary_template, secondary_template,"
	    " opened_at, created_by) SELECT ?, ?, ?, 'open', p.body, s.body, p.name, s.name,"
	    " ?, ? FROM survey_templates p, survey_templates s WHERE"
	    " p.id = (SELECT id FROM survey_templates WHERE level = 'primary' AND"
	    " (id = ?6 OR (?6 = 0 AND standard = 1)) ORDER BY id LIMIT 1) AND"
	    " s.id = (SELECT id FROM survey_templates WHERE level = 'secondary' AND"
	    " (id = ?7 OR (?7 = 0 AND standard = 1)) ORDER BY id LIMIT 1)", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, j->r->user->unit_id);
	db_bind_text(st, 2, j->name, -1);
	db_bind_text(st, 3, j->semester, -1);
	db_bind_int(st, 4, j->now);
	db_bind_int(st, 5, j->r->user->account_id);
	db_bind_int(st, 6, j->tmpl[0]);
	db_bind_int(st, 7, j->tmpl[1]);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (db_changes(conn) == 0) {
		j->bad_tmpl = true;
		return XA_EINVAL;
	}
	j->id = db_last_id(conn);
	for (size_t i = 0; i < j->nschools; i++) {
		if ((e = db_prepare(conn, "INSERT INTO survey_campaign_schools (campaign_id,"
		    " unit_id) VALUES (?, ?)", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, j->id);
		db_bind_int(st, 2, j->schools[i]);
		rc = db_step(st);
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
	}
	if ((e = survey_freeze_classes(conn, j->id)) != XA_OK)
		return e;
	/* The slips to come: a class's are made when first asked for. */
	if ((e = db_prepare(conn, "SELECT coalesce(sum(boys + girls), 0) FROM"
	    " survey_campaign_classes WHERE campaign_id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, j->id);
	if ((rc = db_step(st)) == 1)
		j->slips = db_col_int(st, 0);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	return audit_req(conn, j->r, "survey.open", "survey", j->id, "name,semester,schools",
	    j->now);
}

static void
open_done(req *r, void *ctx, xa_err result)
{
	struct open_job *j = ctx;
	if (result != XA_OK) {
		if (j->conflict) {
			req_error(r, 409, "survey_conflict", "schools");
			return;
		}
		if (j->bad_tmpl) {
			req_error(r, 400, "survey_template", j->tmpl[0] ? "primary_template" :
			    "secondary_template");
			return;
		}
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (is_api(r)) {
		req_json(r, 201, json_pack("{s:I, s:I, s:I}", "id", (json_int_t)j->id, "schools",
		    (json_int_t)j->nschools, "slips", (json_int_t)j->slips));
		return;
	}
	req_redirect(r, "/surveys");
}

/* "2025-2026-1": a school year and its first or second semester. */
static bool
semester_ok(const char *s)
{
	if (s == NULL || strlen(s) != 11 || s[4] != '-' || s[9] != '-' ||
	    (s[10] != '1' && s[10] != '2'))
		return false;
	int y1 = 0, y2 = 0;
	for (int i = 0; i < 4; i++) {
		if (s[i] < '0' || s[i] > '9' || s[5 + i] < '0' || s[5 + i] > '9')
			return false;
		y1 = y1 * 10 + (s[i] - '0');
		y2 = y2 * 10 + (s[5 + i] - '0');
	}
	return y2 == y1 + 1 && y1 >= 2000;
}

/* POST /api/v1/surveys and POST /surveys: a school opens one for itself;
 * the office for the schools it names, or all of them in its reach. */
static void
campaign_open(req *r)
{
	if (!policy_allow(r->user, A_SURVEY_OPEN, r->user->unit_path)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	struct open_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	j->r = r;
	j->now = (int64_t)time(NULL);
	j->name = input_str(r->in, "name");
	j->semester = input_str(r->in, "semester");
	j->tmpl[0] = input_int(r->in, "primary_template", 0);
	j->tmpl[1] = input_int(r->in, "secondary_template", 0);
	if (!semester_ok(j->semester)) {
		req_error(r, 400, "survey_semester", "semester");
		return;
	}
	size_t cap = 4096;
	j->schools = arena_calloc(r->a, cap, sizeof *j->schools);
	if (j->schools == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	bool all = json_is_true(json_object_get(r->in, "all"));
	json_t *ids = json_object_get(r->in, "schools");
	if (strcmp(r->user->unit_kind, "school") == 0) {
		j->schools[j->nschools++] = r->user->unit_id;
	} else {
		db_stmt *st = NULL;
		char like[100];
		snprintf(like, sizeof like, "%s%%", r->user->scope_path);
		if (db_prepare(r->rdb, "SELECT id, path FROM units WHERE kind = 'school' AND"
		    " active = 1 AND path LIKE ? ORDER BY id", &st) != XA_OK) {
			req_error(r, 503, "unavailable", NULL);
			return;
		}
		db_bind_text(st, 1, like, -1);
		while (db_step(st) == 1 && j->nschools < cap) {
			int64_t id = db_col_int(st, 0);
			bool named = all;
			size_t k;
			json_t *x;
			json_array_foreach(ids, k, x)
				if (json_integer_value(x) == id)
					named = true;
			if (named && policy_allow(r->user, A_SURVEY_OPEN, db_col_text(st, 1)))
				j->schools[j->nschools++] = id;
		}
		db_done(st);
		/* A school named but out of reach (or unknown) refuses the lot. */
		if (!all && json_array_size(ids) != j->nschools) {
			req_error(r, 400, "survey_schools", "schools");
			return;
		}
	}
	if (j->nschools == 0) {
		req_error(r, 400, "survey_schools", "schools");
		return;
	}
	req_write(r, open_run, j, open_done);
}

struct close_job {
	int64_t id, now;
	const req *r;
};

/* Closed: no more answers, and the slips go (nothing needs them now). */
static xa_err
close_run(db *conn, void *p)
{
	struct close_job *j = p;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "UPDATE survey_campaigns SET state = 'closed',"
	    " closed_at = ? WHERE id = ? AND state = 'open'", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, j->now);
	db_bind_int(st, 2, j->id);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (db_changes(conn) != 1)
		return XA_ECONFLICT;
	/* The slips stay (spent or not, they answer no more: the campaign is
	 * closed), so that no slip id is ever made again and a code kept
	 * from a closed campaign can never name a slip of a new one. */
	if ((e = audit_req(conn, j->r, "survey.close", "survey", j->id, "state", j->now)) != XA_OK)
		return e;
	/* The early warnings, from the final counts, with the closing: the
	 * counts are read once here (about 150,000 rows for a city), which
	 * holds the writer for a moment once per campaign. */
	size_t raised = 0;
	if ((e = survey_warnings_raise(conn, j->id, j->now, &raised)) != XA_OK || raised == 0)
		return e;
	return audit_req(conn, j->r, "survey_warning.raise", "survey_campaign", j->id,
	    "survey_warnings", j->now);
}

static void
close_done(req *r, void *ctx, xa_err result)
{
	struct close_job *j = ctx;
	if (result == XA_ECONFLICT) {
		req_error(r, 409, "survey_closed", NULL);
		return;
	}
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (is_api(r)) {
		req_json(r, 200, json_pack("{s:I, s:s}", "id", (json_int_t)j->id, "state", "closed"));
		return;
	}
	req_redirect(r, "/surveys");
}

/* POST /api/v1/surveys/{id}/close and POST /surveys/{id}/close: whoever
 * may open one where it was opened. */
static void
campaign_close(req *r)
{
	struct close_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL || req_param_int(r, "id", &j->id) != XA_OK) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT u.path FROM survey_campaigns k JOIN units u ON"
	    " u.id = k.unit_id WHERE k.id = ?", &st) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	db_bind_int(st, 1, j->id);
	bool ok = db_step(st) == 1 && policy_allow(r->user, A_SURVEY_OPEN, db_col_text(st, 0));
	db_done(st);
	if (!ok) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	j->r = r;
	j->now = (int64_t)time(NULL);
	req_write(r, close_run, j, close_done);
}

/* --- Slips (the school's own people). */

struct slips_job {
	int64_t campaign, class_id, now;
	json_t *model;
	const char *filename;
	buf out;
	xa_err e;
	const req *r;
	bool pdf;
};

/* The slips of ?class= in campaign {id} as a model, when r->user may have
 * them: 1, 0 (404), -1 (database). */
static int
slips_model(req *r, struct slips_job *j)
{
	if (req_param_int(r, "id", &j->campaign) != XA_OK)
		return 0;
	j->class_id = input_int(r->q, "class", 0);
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT u.path, u.name, c.name, c.grade FROM"
	    " survey_campaign_classes c JOIN units u ON u.id = c.unit_id JOIN"
	    " survey_campaigns k ON k.id = c.campaign_id AND k.state = 'open' WHERE"
	    " c.campaign_id = ? AND c.class_id = ?", &st) != XA_OK)
		return -1;
	db_bind_int(st, 1, j->campaign);
	db_bind_int(st, 2, j->class_id);
	int rc = db_step(st);
	if (rc != 1 || !policy_allow(r->user, A_SURVEY_SLIPS, db_col_text(st, 0))) {
		db_done(st);
		return rc < 0 ? -1 : 0;
	}
	const config *cfg = server_config(r->srv);
	const char *host = req_get_header(r, "Host");
	const char *base = cfg->public_url[0] ? arena_printf(r->a, "%s/s/", cfg->public_url) :
	    arena_printf(r->a, "%s://%s/s/", r->tls ? "https" : "http", host ? host : "localhost");
	j->model = json_pack("{s:I, s:{s:I, s:s, s:I}, s:s, s:s, s:s, s:s, s:s}", "campaign_id",
	    (json_int_t)j->campaign, "class", "id", (json_int_t)j->class_id, "name",
	    db_col_text(st, 2), "grade", (json_int_t)db_col_int(st, 3), "school",
	    db_col_text(st, 1), "base", base ? base : "/s/", "class_name",
	    db_col_text(st, 2), "title", i18n("zh", "survey.slip.title"), "how",
	    i18n("zh", "survey.slip.how"));
	j->filename = arena_printf(r->a, "%s-%s-%s.pdf", db_col_text(st, 1), db_col_text(st, 2),
	    i18n(r->lang, "survey.slip.file"));
	db_done(st);
	return j->model == NULL || j->filename == NULL ? -1 : 1;
}

/* The class's slips and codes into the model (after the job that makes
 * them when they are first asked for): 1, or -1. */
static int
slips_codes(req *r, struct slips_job *j)
{
	db_stmt *st = NULL;
	int rc;
	const char *base = json_string_value(json_object_get(j->model, "base"));
	json_t *slips = json_array(), *codes = json_array();
	json_object_set_new(j->model, "slips", slips);
	json_object_set_new(j->model, "codes", codes);
	if (db_prepare(r->rdb, "SELECT id, used_at FROM survey_slips WHERE campaign_id = ?"
	    " AND class_id = ? ORDER BY id", &st) != XA_OK)
		return -1;
	db_bind_int(st, 1, j->campaign);
	db_bind_int(st, 2, j->class_id);
	while ((rc = db_step(st)) == 1) {
		char code[SLIP_LEN + 1], hash[SLIP_HASH_LEN + 1], shown[SLIP_SHOWN + 1];
		if (slip_make(db_col_int(st, 0), code, hash) != XA_OK) {
			rc = -1;
			break;
		}
		slip_format(code, shown);
		json_array_append_new(slips, json_string(shown));
		/* Whether a slip was spent is not shown: whoever knows who got
		 * which slip could watch the results move by one answer. */
		json_array_append_new(codes, json_pack("{s:s, s:s}", "code", shown,
		    "url", arena_printf(r->a, "%s%s", base ? base : "/s/", code) ?
		    arena_printf(r->a, "%s%s", base ? base : "/s/", code) : ""));
		OPENSSL_cleanse(code, sizeof code);
	}
	db_done(st);
	return rc < 0 ? -1 : 1;
}

/* Reading slips is recorded: a slip is a key to answer with. */
static xa_err
slips_audit_run(db *conn, void *p)
{
	struct slips_job *j = p;
	int64_t made = 0;
	xa_err e = survey_make_slips(conn, j->campaign, j->class_id, &made);
	if (e != XA_OK)
		return e;
	char fields[48];
	snprintf(fields, sizeof fields, "class=%lld%s", (long long)j->class_id,
	    j->pdf ? ",pdf" : "");
	return audit_req(conn, j->r, "survey.slips", "survey", j->campaign, fields, j->now);
}

static void
slips_pdf_work(void *p)
{
	struct slips_job *j = p;
	j->e = slips_pdf(j->model, &j->out);
}

static void
slips_pdf_done(req *r, void *p, xa_err unused)
{
	struct slips_job *j = p;
	(void)unused;
	json_decref(j->model);
	if (j->e != XA_OK) {
		log_error("request %s: slips: %s", r->id, xa_strerror(j->e));
		buf_free(&j->out);
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_file(r, "application/pdf", j->filename, j->out.data ? j->out.data : "", j->out.len);
	buf_free(&j->out);
}

static void
slips_audit_done(req *r, void *p, xa_err result)
{
	struct slips_job *j = p;
	if (result != XA_OK || slips_codes(r, j) < 0) {
		json_decref(j->model);
		req_error(r, result == XA_ETOOMANY ? 507 : 503, result == XA_ETOOMANY ?
		    "survey_slips_full" : "unavailable", NULL);
		return;
	}
	if (!j->pdf) {
		json_t *m = j->model;
		json_object_del(m, "slips");
		json_object_del(m, "title");
		json_object_del(m, "how");
		json_object_del(m, "class_name");
		req_json(r, 200, m);
		return;
	}
	buf_init(&j->out, SLIPS_PDF_MAX);
	req_offload(r, slips_pdf_work, j, slips_pdf_done);
}

static void
slips_get(req *r, bool pdf)
{
	struct slips_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	j->pdf = pdf;
	int ok = slips_model(r, j);
	if (ok <= 0) {
		json_decref(j->model);
		req_error(r, ok < 0 ? 503 : 404, ok < 0 ? "unavailable" : "not_found", NULL);
		return;
	}
	j->r = r;
	j->now = (int64_t)time(NULL);
	req_write(r, slips_audit_run, j, slips_audit_done);
}

static void
slips_json(req *r)
{
	slips_get(r, false);
}

static void
slips_pdf_get(req *r)
{
	slips_get(r, true);
}

static const field open_fields[] = {
	{ "name", FT_STRING, F_REQUIRED, 2, 100, NULL },
	{ "semester", FT_STRING, F_REQUIRED, 11, 11, NULL },
	{ "schools", FT_INT, F_MULTI, 1, 999999999999LL, NULL },
	{ "all", FT_BOOL, 0, 0, 0, NULL },
	{ "primary_template", FT_INT, 0, 1, 999999999999LL, NULL },
	{ "secondary_template", FT_INT, 0, 1, 999999999999LL, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field slips_query[] = {
	{ "class", FT_INT, F_REQUIRED, 1, 999999999999LL, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field close_fields[] = {
	{ NULL, 0, 0, 0, 0, NULL },
};

const route survey_routes[] = {
	{ M_GET, "/api/v1/surveys", campaigns_list, R_API | R_AUTH, NULL, NULL, NULL,
	  "api_surveys" },
	{ M_GET, "/surveys", campaigns_list, R_AUTH, NULL, NULL, "surveys", "surveys" },
	{ M_POST, "/api/v1/surveys", campaign_open, R_API | R_AUTH, NULL, open_fields, NULL,
	  "api_survey_open" },
	{ M_POST, "/surveys", campaign_open, R_AUTH, NULL, open_fields, "surveys",
	  "survey_open" },
	{ M_POST, "/api/v1/surveys/{id:int}/close", campaign_close, R_API | R_AUTH, NULL,
	  close_fields, NULL, "api_survey_close" },
	{ M_POST, "/surveys/{id:int}/close", campaign_close, R_AUTH, NULL, close_fields,
	  "surveys", "survey_close" },
	{ M_GET, "/api/v1/surveys/{id:int}/slips", slips_json, R_API | R_AUTH, slips_query,
	  NULL, NULL, "api_survey_slips" },
	{ M_GET, "/surveys/{id:int}/slips.pdf", slips_pdf_get, R_AUTH, slips_query, NULL,
	  "surveys", "survey_slips_pdf" },
	/* The student's side. */
	{ M_GET, "/s", code_entry, R_ANON, code_query, NULL, "survey_code", "survey_entry" },
	{ M_GET, "/s/{code}", answer_form, R_ANON, NULL, NULL, "survey_answer", "survey_form" },
	{ M_POST, "/s/{code}", answer_submit, R_NO_CSRF | R_ANON, NULL, answer_fields,
	  "survey_answer", "survey_answer" },
	{ M_POST, "/api/v1/public/surveys/{code}", answer_submit, R_API | R_NO_CSRF | R_ANON,
	  NULL, answer_fields, NULL, "api_public_survey" },
};
const size_t survey_routes_count = sizeof survey_routes / sizeof survey_routes[0];
