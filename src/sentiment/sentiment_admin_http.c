/* sentiment_admin_http.c: the office's settings of public-opinion
 * monitoring (舆情监测) and its bimonthly 通报: the feeds the poller reads,
 * the tokens of outside monitoring services, the lexicon in force (the
 * shipped one with the office's edits), and the de-identified bulletin as
 * a printable page, JSON and CSV.
 *
 * Reading needs A_SENTIMENT, changing needs A_SENTIMENT_CONFIG, both on
 * the root bureau's path; anyone else gets 404 exactly as for a page that
 * does not exist (a reader who may not configure gets 403 for a change).
 * Every change is a writer job (register.h) with its audit record beside
 * it; bad input is answered 400 with the field, the page shown again
 * with the message and what was typed, and nothing changed.
 *
 * Never: write a token anywhere but the one answer that issues it (no
 * log, no audit record, no redirect URL); put an item's title, text,
 * link, outlet, a reason or a response's words into the bulletin (they
 * may name a child: 未成年人保护法 第一百零三条); link to a feed's URL
 * from a page (it is shown as text). */
#include "sentiment_http.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../auth/auth.h"
#include "../auth/session.h"
#include "../core/buf.h"
#include "../core/calendar.h"
#include "../core/config.h"
#include "../core/csv.h"
#include "../core/i18n.h"
#include "../core/utf8.h"
#include "../http/handler.h"
#include "../http/input.h"
#include "../http/server.h"
#include "match.h"
#include "register.h"

#define ID_MAX 999999999999LL
/* Feeds and tokens listed (newest first beyond this are not shown). */
#define LIST_MAX 500
/* Names of feeds and tokens: characters (register.h). */
#define NAME_MAX_CHARS 100
/* The CSV's cap. */
#define CSV_MAX (8u << 20)

/* ------------------------------------------------------------------ */
/* Small helpers. */

/* Characters of a UTF-8 string (NULL: 0). */
static size_t
nchars(const char *s)
{
	return s ? utf8_count(s, strlen(s)) : 0;
}

/* ------------------------------------------------------------------ */
/* Who may do what: everything here is tied to the root bureau. */

struct root {
	char path[96];
	char name[256];
};

/* The root bureau's path and name; 0 when there is none. */
static int
root_read(req *r, struct root *b)
{
	db_stmt *st = NULL;
	int found = 0;
	memset(b, 0, sizeof *b);
	if (db_prepare(r->rdb, "SELECT path, name FROM units WHERE kind = 'bureau'"
	    " AND parent_id IS NULL ORDER BY id LIMIT 1", &st) != XA_OK)
		return 0;
	if (db_step(st) == 1) {
		snprintf(b->path, sizeof b->path, "%s", db_col_text(st, 0));
		snprintf(b->name, sizeof b->name, "%s", db_col_text(st, 1));
		found = 1;
	}
	db_done(st);
	if (found && b->name[0] == '\0')
		snprintf(b->name, sizeof b->name, "%s", server_config(r->srv)->bureau_name);
	return found;
}

enum need { N_READ, N_CONFIG };

static int
may_read(const req *r, const struct root *b)
{
	return policy_allow(r->user, A_SENTIMENT, b->path) ||
	    policy_allow(r->user, A_SENTIMENT_CONFIG, b->path);
}

static int
may_config(const req *r, const struct root *b)
{
	return policy_allow(r->user, A_SENTIMENT_CONFIG, b->path);
}

/* 1 when the caller may do need; else answers (404 like a missing page,
 * 403 for a reader asking to change something) and returns 0. */
static int
gate(req *r, enum need need, struct root *b)
{
	if (!root_read(r, b) || !may_read(r, b)) {
		req_error(r, 404, "not_found", NULL);
		return 0;
	}
	if (need == N_CONFIG && !may_config(r, b)) {
		req_error(r, 403, "forbidden", NULL);
		return 0;
	}
	return 1;
}

/* What every page of this file shows: its title, the links between the
 * four pages, and whether the forms that change something are shown. */
static json_t *
page_model(req *r, const struct root *b, const char *title_key, const char *here)
{
	static const char *const tabs[][2] = {
		{ "/sentiment", "sentiment_admin.nav.register" },
		{ "/sentiment/feeds", "sentiment_admin.nav.feeds" },
		{ "/sentiment/tokens", "sentiment_admin.nav.tokens" },
		{ "/sentiment/lexicon", "sentiment_admin.nav.lexicon" },
		{ "/sentiment/bulletin", "sentiment_admin.nav.bulletin" },
	};
	json_t *m = json_pack("{s:b}", "can_config", may_config(r, b));
	if (m == NULL)
		return NULL;
	if (!is_api(r)) {
		json_t *t = json_array();
		for (size_t i = 0; t != NULL && i < sizeof tabs / sizeof tabs[0]; i++)
			json_array_append_new(t, json_pack("{s:s, s:s, s:b}", "href", tabs[i][0],
			    "label", i18n(r->lang, tabs[i][1]), "current",
			    strcmp(tabs[i][0], here) == 0));
		json_object_set_new(m, "tabs", t ? t : json_array());
		json_object_set_new(m, "page", json_pack("{s:s}", "title_key", title_key));
	}
	return m;
}

/* The "done" notice after a redirect: the catalog text of
 * sentiment_admin.done.VALUE. */
static void
done_into(req *r, json_t *m)
{
	json_t *d = r->q ? json_object_get(r->q, "done") : NULL;
	if (!json_is_string(d))
		return;
	char key[96];
	snprintf(key, sizeof key, "sentiment_admin.done.%s", json_string_value(d));
	if (i18n_has(r->lang, key))
		json_object_set_new(m, "done", jstr(i18n(r->lang, key)));
}

/* ------------------------------------------------------------------ */
/* Checking what was typed (before anything is handed to the writer). */

/* A feed's URL as sr_feed_add takes it: http:// or https:// with a host,
 * at most SR_URL_MAX bytes, no spaces. */
static int
url_ok(const char *u)
{
	return sr_link_ok(u);
}

/* A refusal: the field and the catalog key of its message. */
struct bad {
	const char *field;
	const char *key;
};

/* Checks a feed's fields; 1 when good, else fills *why. */
static int
feed_fields_ok(const char *name, const char *url, int64_t interval, struct bad *why)
{
	size_t nn = nchars(name);
	if (nn == 0 || nn > NAME_MAX_CHARS) {
		*why = (struct bad){ "name", "sentiment_admin.err.name" };
		return 0;
	}
	if (!url_ok(url)) {
		*why = (struct bad){ "url", "sentiment_admin.err.url" };
		return 0;
	}
	if (interval < SR_INTERVAL_MIN || interval > SR_INTERVAL_MAX) {
		*why = (struct bad){ "interval_min", "sentiment_admin.err.interval" };
		return 0;
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* The writer jobs. */

enum op {
	OP_FEED_ADD, OP_FEED_UPDATE, OP_TOKEN_ISSUE, OP_TOKEN_REVOKE, OP_TERM_SET,
	OP_TERM_REMOVE, OP_TERM_RESTORE, OP_BULLETIN,
};

struct job {
	req *r;
	enum op op;
	struct root b;
	int64_t id, now;
	const char *name, *url, *term;
	int interval, enabled, weight;
	enum sm_cat cat;
	char token[SR_TOKEN_LEN + 1];
	/* The bulletin: its model (answered in done) and its form. */
	json_t *model;
	int csv, year, bimonth;
};

/* The row id of a term in sentiment_terms (its audit record's object),
 * 0 when it has none. */
static int64_t
term_rowid(db *conn, const char *term)
{
	db_stmt *st = NULL;
	int64_t id = 0;
	if (db_prepare(conn, "SELECT rowid FROM sentiment_terms WHERE term = ?", &st) != XA_OK)
		return 0;
	db_bind_text(st, 1, term, -1);
	if (db_step(st) == 1)
		id = db_col_int(st, 0);
	db_done(st);
	return id;
}

static xa_err
job_run(db *conn, void *p)
{
	struct job *j = p;
	req *r = j->r;
	int64_t by = r->user->account_id;
	xa_err e;
	switch (j->op) {
	case OP_FEED_ADD:
		if ((e = sr_feed_add(conn, j->name, j->url, j->interval, by, j->now,
		    &j->id)) != XA_OK)
			return e;
		return audit_req(conn, r, "sentiment.feed.add", "sentiment_feed", j->id,
		    "name,url,interval_min", j->now);
	case OP_FEED_UPDATE:
		if ((e = sr_feed_update(conn, j->id, j->name, j->url, j->interval, j->enabled,
		    j->now)) != XA_OK)
			return e;
		return audit_req(conn, r, "sentiment.feed.update", "sentiment_feed", j->id,
		    "name,url,interval_min,enabled", j->now);
	case OP_TOKEN_ISSUE:
		/* The record names the token's row and its name, never the
		 * token. */
		if ((e = sr_token_issue(conn, j->name, by, j->now, j->token, &j->id)) != XA_OK)
			return e;
		return audit_req(conn, r, "sentiment.token.issue", "sentiment_token", j->id,
		    "name", j->now);
	case OP_TOKEN_REVOKE:
		if ((e = sr_token_revoke(conn, j->id, by, j->now)) != XA_OK)
			return e;
		return audit_req(conn, r, "sentiment.token.revoke", "sentiment_token", j->id,
		    "revoked_at", j->now);
	case OP_TERM_SET:
		if ((e = sr_term_set(conn, j->term, j->weight, j->cat, by, j->now)) != XA_OK)
			return e;
		return audit_req(conn, r, "sentiment.term.set", "sentiment_term",
		    term_rowid(conn, j->term), "term,weight,cat", j->now);
	case OP_TERM_REMOVE: {
		int64_t id = term_rowid(conn, j->term);
		if ((e = sr_term_remove(conn, j->term, by, j->now)) != XA_OK)
			return e;
		if (id == 0)
			id = term_rowid(conn, j->term);
		return audit_req(conn, r, "sentiment.term.remove", "sentiment_term", id,
		    "term,removed", j->now);
	}
	case OP_TERM_RESTORE: {
		int64_t id = term_rowid(conn, j->term);
		if ((e = sr_term_restore(conn, j->term)) != XA_OK)
			return e;
		return audit_req(conn, r, "sentiment.term.restore", "sentiment_term", id,
		    "term,weight,cat,removed", j->now);
	}
	case OP_BULLETIN:
		return audit_req(conn, r, "sentiment.bulletin", "sentiment_bulletin",
		    (int64_t)j->year * 10 + j->bimonth, j->csv ? "year,bimonth,csv" :
		    "year,bimonth", j->now);
	}
	return XA_EINVAL;
}

static struct job *
job_new(req *r, enum op op)
{
	struct job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return NULL;
	}
	j->r = r;
	j->op = op;
	j->now = now_s();
	return j;
}

/* ------------------------------------------------------------------ */
/* Feeds. */

static const char *const done_values[] = { "feed_added", "feed_changed", "token_revoked",
	"term_set", "term_removed", "term_restored", NULL };

static const field done_query[] = {
	{ "done", FT_ENUM, 0, 0, 0, done_values },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* Strings are taken long here and checked by the handler, so that a
 * page can be shown again with the message and what was typed. */
static const field feed_add_fields[] = {
	{ "name", FT_STRING, 0, 0, 1000, NULL },
	{ "url", FT_STRING, 0, 0, 4 * SR_URL_MAX, NULL },
	{ "interval_min", FT_INT, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field feed_update_fields[] = {
	{ "name", FT_STRING, 0, 0, 1000, NULL },
	{ "url", FT_STRING, 0, 0, 4 * SR_URL_MAX, NULL },
	{ "interval_min", FT_INT, 0, 0, 0, NULL },
	{ "enabled", FT_BOOL, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* A feed as its form shows it. */
static json_t *
feed_form(const char *name, const char *url, long long interval, int enabled)
{
	return json_pack("{s:s, s:s, s:I, s:b}", "name", name ? name : "", "url",
	    url ? url : "", "interval_min", (json_int_t)interval, "enabled", enabled);
}

/* The feeds page's model. After a refused form: error (translated), the
 * field, and what was typed (sent) for the new feed (edit 0) or feed
 * edit. */
static json_t *
feeds_model(req *r, const struct root *b, const char *error, const char *efield,
    json_t *sent, int64_t edit)
{
	db_stmt *st = NULL;
	json_t *m = page_model(r, b, "sentiment_admin.feeds.title", "/sentiment/feeds");
	json_t *list = json_array();
	int64_t now = now_s();
	if (m == NULL || list == NULL || db_prepare(r->rdb, "SELECT id, name, url, interval_min,"
	    " enabled, polled_at, ok_at, failures, last_error, next_at, items_total, created_at"
	    " FROM sentiment_feeds ORDER BY id LIMIT ?", &st) != XA_OK) {
		json_decref(m);
		json_decref(list);
		return NULL;
	}
	db_bind_int(st, 1, LIST_MAX);
	int nfail = 0;
	while (db_step(st) == 1) {
		int64_t id = db_col_int(st, 0), next = db_col_int(st, 9);
		int enabled = db_col_int(st, 4) != 0;
		int failures = (int)db_col_int(st, 7);
		const char *state = !enabled ? "disabled" : failures > 0 ? "failing" : "ok";
		const char *chip = !enabled ? "chip-grey" : failures > 0 ? "chip-red" : "chip-green";
		char skey[64];
		snprintf(skey, sizeof skey, "sentiment_admin.feed_state.%s", state);
		nfail += enabled && failures > 0;
		json_t *f = json_pack("{s:I, s:s, s:s, s:I, s:b, s:s, s:s, s:s, s:s, s:i, s:s,"
		    " s:s, s:I, s:s, s:s}", "id", (json_int_t)id, "name", db_col_text(st, 1), "url",
		    db_col_text(st, 2), "interval_min", (json_int_t)db_col_int(st, 3), "enabled",
		    enabled, "state", state, "state_label", i18n(r->lang, skey), "chip", chip,
		    "polled_at", when_text(r, db_col_int(st, 5)), "failures", failures,
		    "ok_at", when_text(r, db_col_int(st, 6)), "last_error", db_col_text(st, 8),
		    "items_total", (json_int_t)db_col_int(st, 10), "created_at",
		    when_text(r, db_col_int(st, 11)), "action",
		    arena_printf(r->a, "/sentiment/feeds/%lld", (long long)id));
		if (f == NULL)
			continue;
		/* Due: a time, "now" when overdue, nothing when disabled. */
		json_object_set_new(f, "next_at", jstr(!enabled ? "" : next <= now ?
		    i18n(r->lang, "sentiment_admin.feeds.due_now") : when_text(r, next)));
		json_object_set_new(f, "failing", json_boolean(enabled && failures > 0));
		json_object_set_new(f, "failures_text", jstr(failures > 0 ? tr(r,
		    "sentiment_admin.feeds.failures_n", "n", num(r, failures), NULL) : ""));
		int mine = sent != NULL && edit == id;
		json_object_set_new(f, "form", mine ? feed_form(input_str(sent, "name"),
		    input_str(sent, "url"), input_int(sent, "interval_min", db_col_int(st, 3)),
		    json_is_true(json_object_get(sent, "enabled"))) : feed_form(db_col_text(st, 1),
		    db_col_text(st, 2), db_col_int(st, 3), enabled));
		json_object_set_new(f, "open", json_boolean(mine));
		if (mine && error != NULL)
			json_object_set_new(f, "form_error", jstr(error));
		json_array_append_new(list, f);
	}
	db_done(st);
	json_object_set_new(m, "count_text", jstr(tr(r, "sentiment_admin.feeds.count", "n",
	    num(r, (long long)json_array_size(list)), "failing", num(r, nfail), NULL)));
	json_object_set_new(m, "feeds", list);
	json_object_set_new(m, "interval_min_bound", json_integer(SR_INTERVAL_MIN));
	json_object_set_new(m, "interval_max", json_integer(SR_INTERVAL_MAX));
	json_object_set_new(m, "url_max", json_integer(SR_URL_MAX));
	json_object_set_new(m, "name_max", json_integer(NAME_MAX_CHARS));
	int add = sent != NULL && edit == 0;
	json_object_set_new(m, "form", add ? feed_form(input_str(sent, "name"),
	    input_str(sent, "url"), input_int(sent, "interval_min", 30), 1) :
	    feed_form("", "", 30, 1));
	if (error != NULL) {
		json_object_set_new(m, "error", jstr(error));
		json_object_set_new(m, "error_field", jstr(efield));
		if (add)
			json_object_set_new(m, "add_error", jstr(error));
	}
	done_into(r, m);
	return m;
}

/* GET /sentiment/feeds and /api/v1/sentiment/feeds. */
static void
feeds_page(req *r)
{
	struct root b;
	if (!gate(r, N_READ, &b))
		return;
	json_t *m = feeds_model(r, &b, NULL, NULL, NULL, 0);
	if (m == NULL) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_answer(r, 200, m);
}

/* A refused change of a feed: the API's error, or the feeds page again
 * with the message and what was typed. */
static void
feed_refuse(req *r, const struct root *b, int status, const char *code, const struct bad *why,
    int64_t edit)
{
	if (is_api(r)) {
		req_error(r, status, code, why ? why->field : NULL);
		return;
	}
	char key[96];
	snprintf(key, sizeof key, "error.%s", code);
	json_t *m = feeds_model(r, b, why ? i18n(r->lang, why->key) : i18n(r->lang, key),
	    why ? why->field : NULL, r->in, edit);
	if (m == NULL) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_render(r, status, "sentiment_feeds", m);
}

static void
feed_done(req *r, void *ctx, xa_err result)
{
	struct job *j = ctx;
	int64_t edit = j->op == OP_FEED_ADD ? 0 : j->id;
	if (result == XA_ENOTFOUND) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (result == XA_EINVAL || result == XA_EUTF8) {
		feed_refuse(r, &j->b, 400, "invalid_field", NULL, edit);
		return;
	}
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (!is_api(r)) {
		req_redirect(r, j->op == OP_FEED_ADD ? "/sentiment/feeds?done=feed_added" :
		    "/sentiment/feeds?done=feed_changed");
		return;
	}
	req_json(r, j->op == OP_FEED_ADD ? 201 : 200, json_pack("{s:I, s:s, s:s, s:i, s:b}",
	    "id", (json_int_t)j->id, "name", j->name, "url", j->url, "interval_min",
	    j->interval, "enabled", j->enabled));
}

/* POST /sentiment/feeds {name, url, interval_min}: adds a feed. */
static void
feed_add_post(req *r)
{
	struct job *j = job_new(r, OP_FEED_ADD);
	struct bad why;
	if (j == NULL || !gate(r, N_CONFIG, &j->b))
		return;
	j->name = input_str(r->in, "name");
	j->url = input_str(r->in, "url");
	int64_t interval = input_int(r->in, "interval_min", 30);
	if (!feed_fields_ok(j->name, j->url, interval, &why)) {
		feed_refuse(r, &j->b, 400, "invalid_field", &why, 0);
		return;
	}
	j->interval = (int)interval;
	j->enabled = 1;
	req_write(r, job_run, j, feed_done);
}

/* POST /sentiment/feeds/{id} {name, url, interval_min, enabled}: changes
 * a feed. What the API leaves out stays as it is; the page's form always
 * sends every field, and an unticked box is "disabled". */
static void
feed_update_post(req *r)
{
	struct job *j = job_new(r, OP_FEED_UPDATE);
	struct bad why;
	db_stmt *st = NULL;
	if (j == NULL || !gate(r, N_CONFIG, &j->b))
		return;
	if (req_param_int(r, "id", &j->id) != XA_OK || db_prepare(r->rdb, "SELECT name, url,"
	    " interval_min, enabled FROM sentiment_feeds WHERE id = ?", &st) != XA_OK) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	db_bind_int(st, 1, j->id);
	int found = db_step(st) == 1;
	if (found) {
		j->name = arena_strdup(r->a, db_col_text(st, 0));
		j->url = arena_strdup(r->a, db_col_text(st, 1));
		j->interval = (int)db_col_int(st, 2);
		j->enabled = db_col_int(st, 3) != 0;
	}
	db_done(st);
	if (!found || j->name == NULL || j->url == NULL) {
		req_error(r, found ? 500 : 404, found ? "internal" : "not_found", NULL);
		return;
	}
	json_t *en = json_object_get(r->in, "enabled");
	if (input_str(r->in, "name") != NULL || !is_api(r))
		j->name = input_str(r->in, "name");
	if (input_str(r->in, "url") != NULL || !is_api(r))
		j->url = input_str(r->in, "url");
	int64_t interval = json_object_get(r->in, "interval_min") != NULL || !is_api(r) ?
	    input_int(r->in, "interval_min", -1) : j->interval;
	if (en != NULL || !is_api(r))
		j->enabled = json_is_true(en);
	if (!feed_fields_ok(j->name, j->url, interval, &why)) {
		feed_refuse(r, &j->b, 400, "invalid_field", &why, j->id);
		return;
	}
	j->interval = (int)interval;
	req_write(r, job_run, j, feed_done);
}

/* ------------------------------------------------------------------ */
/* Tokens of outside services. */

static const field token_fields[] = {
	{ "name", FT_STRING, 0, 0, 1000, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The tokens page's model; issued: the token just issued (shown this
 * once), or NULL. */
static json_t *
tokens_model(req *r, const struct root *b, const char *error, json_t *sent,
    const char *issued_name, const char *issued)
{
	db_stmt *st = NULL;
	json_t *m = page_model(r, b, "sentiment_admin.tokens.title", "/sentiment/tokens");
	json_t *list = json_array();
	if (m == NULL || list == NULL || db_prepare(r->rdb, "SELECT t.id, t.name, t.prefix,"
	    " coalesce(a.display_name, ''), t.created_at, t.used_at, t.items_total,"
	    " t.revoked_at, coalesce(v.display_name, '') FROM sentiment_tokens t"
	    " LEFT JOIN accounts a ON a.id = t.created_by LEFT JOIN accounts v"
	    " ON v.id = t.revoked_by ORDER BY t.revoked_at = 0 DESC, t.id DESC LIMIT ?",
	    &st) != XA_OK) {
		json_decref(m);
		json_decref(list);
		return NULL;
	}
	db_bind_int(st, 1, LIST_MAX);
	int live = 0;
	while (db_step(st) == 1) {
		int64_t id = db_col_int(st, 0);
		int revoked = db_col_int(st, 7) != 0;
		live += !revoked;
		json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:b,"
		    " s:s, s:s, s:s, s:s}", "id", (json_int_t)id, "name", db_col_text(st, 1),
		    "prefix", db_col_text(st, 2), "issued_by", db_col_text(st, 3), "issued_at",
		    when_text(r, db_col_int(st, 4)), "used_at", when_text(r, db_col_int(st, 5)),
		    "items_total", (json_int_t)db_col_int(st, 6), "revoked", revoked,
		    "revoked_at", when_text(r, db_col_int(st, 7)), "revoked_by",
		    db_col_text(st, 8), "state_label", i18n(r->lang, revoked ?
		    "sentiment_admin.tokens.revoked" : "sentiment_admin.tokens.live"),
		    "revoke_action", arena_printf(r->a, "/sentiment/tokens/%lld/revoke",
		    (long long)id)));
	}
	db_done(st);
	json_object_set_new(m, "tokens", list);
	json_object_set_new(m, "count_text", jstr(tr(r, "sentiment_admin.tokens.count", "live",
	    num(r, live), NULL)));
	json_object_set_new(m, "name_max", json_integer(NAME_MAX_CHARS));
	json_object_set_new(m, "form", json_pack("{s:s}", "name",
	    sent != NULL && input_str(sent, "name") ? input_str(sent, "name") : ""));
	/* The push's address: the configured public address, else as this
	 * request reached the server. */
	const char *pub = server_config(r->srv)->public_url;
	const char *host = req_get_header(r, "Host");
	json_object_set_new(m, "push_url", jstr(pub[0] != '\0' ? arena_printf(r->a,
	    "%s/api/v1/sentiment/items", pub) : arena_printf(r->a, "%s://%s/api/v1/sentiment/items",
	    r->tls ? "https" : "http", host && host[0] ? host : "xiaoan.example")));
	if (issued != NULL)
		json_object_set_new(m, "issued", json_pack("{s:s, s:s}", "name", issued_name,
		    "token", issued));
	if (error != NULL)
		json_object_set_new(m, "error", jstr(error));
	done_into(r, m);
	return m;
}

/* GET /sentiment/tokens and /api/v1/sentiment/tokens. */
static void
tokens_page(req *r)
{
	struct root b;
	if (!gate(r, N_READ, &b))
		return;
	json_t *m = tokens_model(r, &b, NULL, NULL, NULL, NULL);
	if (m == NULL) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_answer(r, 200, m);
}

static void
token_done(req *r, void *ctx, xa_err result)
{
	struct job *j = ctx;
	if (result == XA_ENOTFOUND) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (result == XA_ECONFLICT) {
		req_error(r, 409, "conflict", NULL);
		return;
	}
	if (result == XA_EINVAL || result == XA_EUTF8) {
		if (is_api(r) || j->op != OP_TOKEN_ISSUE) {
			req_error(r, 400, "invalid_field", "name");
			return;
		}
		json_t *m = tokens_model(r, &j->b, i18n(r->lang, "sentiment_admin.err.name"),
		    r->in, NULL, NULL);
		if (m == NULL)
			req_error(r, 503, "unavailable", NULL);
		else
			req_render(r, 400, "sentiment_tokens", m);
		return;
	}
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	/* The token is in this answer and nowhere else: never cached. */
	req_header(r, "Cache-Control", "no-store");
	if (j->op == OP_TOKEN_REVOKE) {
		if (is_api(r))
			req_json(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)j->id, "revoked",
			    1));
		else
			req_redirect(r, "/sentiment/tokens?done=token_revoked");
		return;
	}
	if (is_api(r)) {
		req_json(r, 201, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)j->id, "name",
		    j->name, "token", j->token));
		return;
	}
	json_t *m = tokens_model(r, &j->b, NULL, NULL, j->name, j->token);
	if (m == NULL)
		req_error(r, 503, "unavailable", NULL);
	else
		req_render(r, 200, "sentiment_tokens", m);
}

/* POST /sentiment/tokens {name}: issues a token, shown once. */
static void
token_issue_post(req *r)
{
	struct job *j = job_new(r, OP_TOKEN_ISSUE);
	if (j == NULL || !gate(r, N_CONFIG, &j->b))
		return;
	j->name = input_str(r->in, "name");
	size_t n = nchars(j->name);
	if (n == 0 || n > NAME_MAX_CHARS) {
		token_done(r, j, XA_EINVAL);
		return;
	}
	req_write(r, job_run, j, token_done);
}

/* POST /sentiment/tokens/{id}/revoke. */
static void
token_revoke_post(req *r)
{
	struct job *j = job_new(r, OP_TOKEN_REVOKE);
	if (j == NULL || !gate(r, N_CONFIG, &j->b))
		return;
	if (req_param_int(r, "id", &j->id) != XA_OK) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	req_write(r, job_run, j, token_done);
}

/* ------------------------------------------------------------------ */
/* The lexicon. */

static const field term_fields[] = {
	{ "term", FT_STRING, 0, 0, 400, NULL },
	{ "weight", FT_INT, 0, 0, 0, NULL },
	{ "cat", FT_STRING, 0, 0, 40, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field term_only_fields[] = {
	{ "term", FT_STRING, 0, 0, 400, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The shipped entry of term, or NULL. */
static const struct sm_term *
shipped(const char *term)
{
	size_t n = 0;
	const struct sm_term *lex = sm_default_lexicon(&n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(lex[i].term, term) == 0)
			return &lex[i];
	return NULL;
}

static const char *
cat_label(const req *r, enum sm_cat c)
{
	return i18n_name(r->lang, "sentiment.cat", sr_cat_name(c));
}

/* One term in force as the page and the API show it. */
static json_t *
term_json(req *r, const struct sm_term *t)
{
	const struct sm_term *s = shipped(t->term);
	const char *status = s == NULL ? "added" : (s->weight != t->weight || s->cat != t->cat) ?
	    "reweighted" : "shipped";
	char key[64];
	snprintf(key, sizeof key, "sentiment_admin.term_status.%s", status);
	json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s}", "term", t->term, "weight",
	    t->weight, "cat", sr_cat_name(t->cat), "cat_label", cat_label(r, t->cat), "status",
	    status, "status_label", i18n(r->lang, key));
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "shipped_weight", s ? json_integer(s->weight) : json_null());
	json_object_set_new(o, "is_added", json_boolean(s == NULL));
	json_object_set_new(o, "is_reweighted", json_boolean(s != NULL && strcmp(status,
	    "reweighted") == 0));
	if (s != NULL && s->cat != t->cat)
		json_object_set_new(o, "shipped_cat_label", jstr(cat_label(r, s->cat)));
	return o;
}

/* The lexicon page's model: the terms in force grouped by category, the
 * shipped terms the office removed, the form. */
static json_t *
lexicon_model(req *r, const struct root *b, const char *error, const char *efield,
    json_t *sent)
{
	sr_sources src;
	db_stmt *st = NULL;
	memset(&src, 0, sizeof src);
	if (sr_sources_load(r->rdb, &src) != XA_OK)
		return NULL;
	json_t *m = page_model(r, b, "sentiment_admin.lexicon.title", "/sentiment/lexicon");
	json_t *terms = json_array(), *groups = json_array(), *removed = json_array();
	json_t *cats = json_array();
	if (m == NULL || terms == NULL || groups == NULL || removed == NULL || cats == NULL) {
		sr_sources_free(&src);
		json_decref(m);
		json_decref(terms);
		json_decref(groups);
		json_decref(removed);
		json_decref(cats);
		return NULL;
	}
	const char *sent_cat = sent ? input_str(sent, "cat") : NULL;
	int nadded = 0, nchanged = 0;
	for (int c = 0; c < SM_CAT__COUNT; c++) {
		char hkey[64];
		snprintf(hkey, sizeof hkey, "sentiment_admin.cat_hint.%s", sr_cat_name((enum sm_cat)c));
		json_t *g = json_pack("{s:s, s:s, s:s, s:[]}", "cat", sr_cat_name((enum sm_cat)c),
		    "label", cat_label(r, (enum sm_cat)c), "hint", i18n(r->lang, hkey), "terms");
		json_array_append_new(cats, json_pack("{s:s, s:s, s:b}", "value",
		    sr_cat_name((enum sm_cat)c), "label", cat_label(r, (enum sm_cat)c), "selected",
		    sent_cat != NULL && strcmp(sent_cat, sr_cat_name((enum sm_cat)c)) == 0));
		for (size_t i = 0; g != NULL && i < src.nterms; i++) {
			if ((int)src.terms[i].cat != c)
				continue;
			json_t *t = term_json(r, &src.terms[i]);
			if (t == NULL)
				continue;
			nadded += json_is_true(json_object_get(t, "is_added"));
			nchanged += json_is_true(json_object_get(t, "is_reweighted"));
			json_array_append(terms, t);
			json_array_append_new(json_object_get(g, "terms"), t);
		}
		if (g != NULL && json_array_size(json_object_get(g, "terms")) > 0)
			json_array_append_new(groups, g);
		else
			json_decref(g);
	}
	sr_sources_free(&src);
	if (db_prepare(r->rdb, "SELECT term, weight, cat, updated_at FROM sentiment_terms"
	    " WHERE removed = 1 ORDER BY term", &st) == XA_OK) {
		while (db_step(st) == 1) {
			const struct sm_term *s = shipped(db_col_text(st, 0));
			if (s == NULL)
				continue;
			json_array_append_new(removed, json_pack("{s:s, s:i, s:s, s:s, s:s}", "term",
			    s->term, "weight", s->weight, "cat", sr_cat_name(s->cat), "cat_label",
			    cat_label(r, s->cat), "removed_at", when_text(r, db_col_int(st, 3))));
		}
		db_done(st);
	}
	json_object_set_new(m, "summary_text", jstr(tr(r, "sentiment_admin.lexicon.summary",
	    "n", num(r, (long long)json_array_size(terms)), "added", num(r, nadded),
	    "changed", num(r, nchanged), "removed", num(r, (long long)json_array_size(removed)),
	    NULL)));
	json_object_set_new(m, "threshold", json_integer(SM_THRESHOLD));
	json_object_set_new(m, "term_max", json_integer(SM_MAX_NAME));
	json_object_set_new(m, "terms", terms);
	json_object_set_new(m, "removed", removed);
	if (is_api(r)) {
		json_decref(groups);
		json_decref(cats);
	} else {
		json_object_set_new(m, "groups", groups);
		json_object_set_new(m, "cats", cats);
		json_t *w = sent ? json_object_get(sent, "weight") : NULL;
		json_object_set_new(m, "form", json_pack("{s:s, s:s}", "term",
		    sent && input_str(sent, "term") ? input_str(sent, "term") : "", "weight",
		    json_is_integer(w) ? num(r, (long long)json_integer_value(w)) : ""));
	}
	if (error != NULL) {
		json_object_set_new(m, "error", jstr(error));
		json_object_set_new(m, "error_field", jstr(efield));
	}
	done_into(r, m);
	return m;
}

/* GET /sentiment/lexicon and /api/v1/sentiment/lexicon. */
static void
lexicon_page(req *r)
{
	struct root b;
	if (!gate(r, N_READ, &b))
		return;
	json_t *m = lexicon_model(r, &b, NULL, NULL, NULL);
	if (m == NULL) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_answer(r, 200, m);
}

/* A refused lexicon change: the API's error, or the page again. */
static void
term_refuse(req *r, const struct root *b, int status, const char *code, const char *fieldname,
    const char *msgkey)
{
	if (is_api(r)) {
		req_error(r, status, code, fieldname);
		return;
	}
	json_t *m = lexicon_model(r, b, i18n(r->lang, msgkey), fieldname, r->in);
	if (m == NULL) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_render(r, status, "sentiment_lexicon", m);
}

static void
term_done(req *r, void *ctx, xa_err result)
{
	struct job *j = ctx;
	if (result == XA_ENOTFOUND) {
		term_refuse(r, &j->b, 404, "not_found", "term", j->op == OP_TERM_RESTORE ?
		    "sentiment_admin.err.not_shipped" : "sentiment_admin.err.not_in_force");
		return;
	}
	if (result == XA_EINVAL || result == XA_EUTF8) {
		term_refuse(r, &j->b, 400, "invalid_field", "term", "sentiment_admin.err.term");
		return;
	}
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	static const char *const done[] = { "term_set", "term_removed", "term_restored" };
	const char *what = done[j->op - OP_TERM_SET];
	if (!is_api(r)) {
		req_redirect(r, arena_printf(r->a, "/sentiment/lexicon?done=%s", what));
		return;
	}
	json_t *m = json_pack("{s:s, s:s}", "term", j->term, "done", what);
	if (m != NULL && j->op == OP_TERM_SET) {
		json_object_set_new(m, "weight", json_integer(j->weight));
		json_object_set_new(m, "cat", jstr(sr_cat_name(j->cat)));
	}
	req_json(r, 200, m);
}

/* The term sent, or refuses the request (and returns NULL). */
static const char *
term_of(req *r, const struct root *b)
{
	const char *t = input_str(r->in, "term");
	size_t n = nchars(t);
	if (n == 0 || n > SM_MAX_NAME) {
		term_refuse(r, b, 400, "invalid_field", "term", "sentiment_admin.err.term");
		return NULL;
	}
	return t;
}

/* POST /sentiment/lexicon {term, weight, cat}: adds or re-weights a
 * term. */
static void
term_set_post(req *r)
{
	struct job *j = job_new(r, OP_TERM_SET);
	if (j == NULL || !gate(r, N_CONFIG, &j->b) || (j->term = term_of(r, &j->b)) == NULL)
		return;
	const char *cat = input_str(r->in, "cat");
	if (cat == NULL || sr_cat_parse(cat, &j->cat) != XA_OK) {
		term_refuse(r, &j->b, 400, "invalid_field", "cat", "sentiment_admin.err.cat");
		return;
	}
	int64_t w = input_int(r->in, "weight", 0);
	int ok = j->cat == SM_MITIGATING ? (w >= -50 && w <= -1) : (w >= 1 && w <= 50);
	if (!ok) {
		term_refuse(r, &j->b, 400, "invalid_field", "weight", j->cat == SM_MITIGATING ?
		    "sentiment_admin.err.weight_neg" : "sentiment_admin.err.weight");
		return;
	}
	j->weight = (int)w;
	req_write(r, job_run, j, term_done);
}

/* POST /sentiment/lexicon/remove {term}. */
static void
term_remove_post(req *r)
{
	struct job *j = job_new(r, OP_TERM_REMOVE);
	if (j == NULL || !gate(r, N_CONFIG, &j->b) || (j->term = term_of(r, &j->b)) == NULL)
		return;
	req_write(r, job_run, j, term_done);
}

/* POST /sentiment/lexicon/restore {term}. */
static void
term_restore_post(req *r)
{
	struct job *j = job_new(r, OP_TERM_RESTORE);
	if (j == NULL || !gate(r, N_CONFIG, &j->b) || (j->term = term_of(r, &j->b)) == NULL)
		return;
	req_write(r, job_run, j, term_done);
}

/* ------------------------------------------------------------------ */
/* The bimonthly 通报. */

static const field bulletin_query[] = {
	{ "year", FT_INT, 0, 2000, 2999, NULL },
	{ "bimonth", FT_INT, 0, 1, 6, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The bimonth (year, 1..6) that t falls in, in the bureau's zone. */
static void
bimonth_of(req *r, int64_t t, int *year, int *bimonth)
{
	char d[11];
	day_format(day_of(t, zone_of(r)), d);
	*year = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
	int month = (d[5] - '0') * 10 + (d[6] - '0');
	*bimonth = (month - 1) / 2 + 1;
}

static void
bimonth_step(int *year, int *bimonth, int by)
{
	int k = *year * 6 + (*bimonth - 1) + by;
	*year = k / 6;
	*bimonth = k % 6 + 1;
}

/* A case or report of the bulletin's list as text: a number as sent, an
 * id as "#12", "是" for a bare yes. */
static const char *
ref_text(req *r, json_t *v)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v) && json_integer_value(v) > 0)
		return arena_printf(r->a, "#%lld", (long long)json_integer_value(v));
	if (json_is_true(v))
		return i18n(r->lang, "sentiment_admin.bulletin.yes");
	return "";
}

/* The categories of a story, translated, joined with 、. */
static const char *
cats_text(req *r, json_t *cats)
{
	buf b;
	size_t i;
	json_t *c;
	buf_init(&b, 1024);
	json_array_foreach(cats, i, c) {
		if (!json_is_string(c))
			continue;
		if ((i > 0 && buf_puts(&b, i18n(r->lang, "sentiment_admin.bulletin.separator")) != XA_OK) ||
		    buf_puts(&b, i18n_name(r->lang, "sentiment.cat", json_string_value(c))) != XA_OK)
			break;
	}
	const char *s = arena_strdup(r->a, b.data ? b.data : "");
	buf_free(&b);
	return s ? s : "";
}

/* Adds to the bulletin's model what the page and the CSV show: labels,
 * texts and the links to the bimonths before and after. */
static void
bulletin_dress(req *r, const struct root *b, json_t *m, int year, int bimonth)
{
	static const char *const sources[] = { "feed", "push", "manual" };
	json_t *src = json_object_get(m, "by_source"), *rows = json_array();
	for (size_t i = 0; rows != NULL && i < 3; i++)
		json_array_append_new(rows, json_pack("{s:s, s:I}", "label", i18n_name(r->lang,
		    "sentiment.source", sources[i]), "n", (json_int_t)json_integer_value(
		    json_object_get(src, sources[i]))));
	json_object_set_new(m, "source_rows", rows ? rows : json_array());
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(m, "by_cat"), i, v)
		json_object_set_new(v, "label", jstr(i18n_name(r->lang, "sentiment.cat",
		    json_string_value(json_object_get(v, "cat")))));
	json_array_foreach(json_object_get(m, "by_township"), i, v)
		if (json_string_value(json_object_get(v, "township")) == NULL ||
		    json_string_value(json_object_get(v, "township"))[0] == '\0')
			json_object_set_new(v, "township", jstr(i18n(r->lang,
			    "sentiment_admin.bulletin.no_township")));
	json_array_foreach(json_object_get(m, "stories_list"), i, v) {
		json_object_set_new(v, "cats_text", jstr(cats_text(r, json_object_get(v, "cats"))));
		json_object_set_new(v, "state_label", jstr(i18n_name(r->lang, "sentiment.state",
		    json_string_value(json_object_get(v, "state")))));
		json_object_set_new(v, "case_text", jstr(ref_text(r, json_object_get(v, "case"))));
		json_object_set_new(v, "report_text", jstr(ref_text(r,
		    json_object_get(v, "report"))));
	}
	int m1 = (bimonth - 1) * 2 + 1;
	json_object_set_new(m, "title_text", jstr(tr(r, "sentiment_admin.bulletin.heading",
	    "bureau", b->name, NULL)));
	json_object_set_new(m, "issue_text", jstr(tr(r, "sentiment_admin.bulletin.issue",
	    "year", num(r, year), "no", num(r, bimonth), "from", num(r, m1), "to",
	    num(r, m1 + 1), NULL)));
	int py = year, pb = bimonth, ny = year, nb = bimonth, cy, cb;
	bimonth_step(&py, &pb, -1);
	bimonth_step(&ny, &nb, 1);
	bimonth_of(r, now_s(), &cy, &cb);
	json_object_set_new(m, "prev", json_pack("{s:i, s:i}", "year", py, "bimonth", pb));
	json_object_set_new(m, "next", ny * 6 + nb <= cy * 6 + cb ? json_pack("{s:i, s:i}",
	    "year", ny, "bimonth", nb) : json_null());
	json_object_set_new(m, "incomplete", json_boolean(year * 6 + bimonth >= cy * 6 + cb));
	json_object_set_new(m, "csv_href", jstr(arena_printf(r->a,
	    "/sentiment/bulletin.csv?year=%d&bimonth=%d", year, bimonth)));
	json_object_set_new(m, "made_at", jstr(when_text(r, now_s())));
	json_t *opts = json_array();
	for (int k = 1; opts != NULL && k <= 6; k++)
		json_array_append_new(opts, json_pack("{s:i, s:s, s:b}", "value", k, "label",
		    tr(r, "sentiment_admin.bulletin.bimonth_opt", "no", num(r, k), "from",
		    num(r, 2 * k - 1), "to", num(r, 2 * k), NULL), "selected", k == bimonth));
	json_object_set_new(m, "bimonths", opts ? opts : json_array());
}

/* The bulletin's list as CSV (UTF-8 with a BOM) into *out. */
static xa_err
bulletin_csv(req *r, json_t *m, const char **out, size_t *len)
{
	static const char *const cols[] = { "no", "first_seen", "school", "township", "cats",
		"copies", "score", "state", "case", "report", "responded_on" };
	buf b;
	size_t i;
	json_t *v;
	buf_init(&b, CSV_MAX);
	xa_err e = csv_put_bom(&b);
	for (size_t c = 0; e == XA_OK && c < sizeof cols / sizeof cols[0]; c++) {
		char key[64];
		snprintf(key, sizeof key, "sentiment_admin.col.%s", cols[c]);
		e = csv_put(&b, i18n(r->lang, key), c == 0);
	}
	if (e == XA_OK)
		e = csv_end_row(&b);
	json_array_foreach(json_object_get(m, "stories_list"), i, v) {
		const char *f[11];
		f[0] = num(r, (long long)json_integer_value(json_object_get(v, "no")));
		f[1] = json_string_value(json_object_get(v, "first_seen"));
		f[2] = json_string_value(json_object_get(v, "school"));
		f[3] = json_string_value(json_object_get(v, "township"));
		f[4] = json_string_value(json_object_get(v, "cats_text"));
		f[5] = num(r, (long long)json_integer_value(json_object_get(v, "copies")));
		f[6] = num(r, (long long)json_integer_value(json_object_get(v, "score")));
		f[7] = json_string_value(json_object_get(v, "state_label"));
		f[8] = json_string_value(json_object_get(v, "case_text"));
		f[9] = json_string_value(json_object_get(v, "report_text"));
		f[10] = json_string_value(json_object_get(v, "responded_on"));
		for (size_t c = 0; e == XA_OK && c < 11; c++)
			e = csv_put(&b, f[c], c == 0);
		if (e == XA_OK)
			e = csv_end_row(&b);
		if (e != XA_OK)
			break;
	}
	if (e == XA_OK && (*out = arena_strndup(r->a, b.data, b.len)) == NULL)
		e = XA_ENOMEM;
	*len = b.len;
	buf_free(&b);
	return e;
}

static void
bulletin_done(req *r, void *ctx, xa_err result)
{
	struct job *j = ctx;
	json_t *m = j->model;
	j->model = NULL;
	if (result != XA_OK) {
		json_decref(m);
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (!j->csv) {
		req_header(r, "Cache-Control", "private, no-store");
		req_answer(r, 200, m);
		return;
	}
	const char *data = NULL;
	size_t len = 0;
	xa_err e = bulletin_csv(r, m, &data, &len);
	json_decref(m);
	if (e != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_header(r, "Cache-Control", "private, no-store");
	req_file(r, "text/csv; charset=utf-8", tr(r, "sentiment_admin.csv_name", "year",
	    num(r, j->year), "no", num(r, j->bimonth), NULL), data, len);
}

/* GET /sentiment/bulletin, /api/v1/sentiment/bulletin and
 * /sentiment/bulletin.csv ?year=&bimonth=: the 通报 of a bimonth (the last
 * complete one by default), each answer with its audit record. */
static void
bulletin(req *r, int csv)
{
	struct job *j = job_new(r, OP_BULLETIN);
	if (j == NULL || !gate(r, N_READ, &j->b))
		return;
	int y, b;
	bimonth_of(r, j->now, &y, &b);
	bimonth_step(&y, &b, -1);
	j->year = (int)input_int(r->q, "year", y);
	j->bimonth = (int)input_int(r->q, "bimonth", json_object_get(r->q, "year") ? 1 : b);
	j->csv = csv;
	json_t *m = NULL;
	if (sr_bulletin(r->rdb, j->year, j->bimonth, zone_of(r), &m) != XA_OK || m == NULL) {
		json_decref(m);
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	bulletin_dress(r, &j->b, m, j->year, j->bimonth);
	if (!is_api(r) && !csv)
		json_object_set_new(m, "page", json_pack("{s:s}", "title_key",
		    "sentiment_admin.bulletin.title"));
	j->model = m;
	req_write(r, job_run, j, bulletin_done);
	if (r->answered && j->model != NULL) {
		json_decref(j->model);
		j->model = NULL;
	}
}

static void bulletin_page(req *r) { bulletin(r, 0); }
static void bulletin_csv_get(req *r) { bulletin(r, 1); }

/* ------------------------------------------------------------------ */

#define API (R_API | R_AUTH)
#define PAGE R_AUTH
#define FEED "/sentiment/feeds/{id:int}"
#define TOKEN "/sentiment/tokens/{id:int}/revoke"

const route sentiment_admin_routes[] = {
	/* Feeds. */
	{ M_GET, "/sentiment/feeds", feeds_page, PAGE, done_query, NULL, "sentiment_feeds",
	  "sentiment_feeds" },
	{ M_GET, "/api/v1/sentiment/feeds", feeds_page, API, NULL, NULL, NULL,
	  "api_sentiment_feeds" },
	{ M_POST, "/sentiment/feeds", feed_add_post, PAGE, NULL, feed_add_fields,
	  "sentiment_feeds", "sentiment_feed_add" },
	{ M_POST, "/api/v1/sentiment/feeds", feed_add_post, API, NULL, feed_add_fields, NULL,
	  "api_sentiment_feed_add" },
	{ M_POST, FEED, feed_update_post, PAGE, NULL, feed_update_fields, "sentiment_feeds",
	  "sentiment_feed_update" },
	{ M_POST, "/api/v1" FEED, feed_update_post, API, NULL, feed_update_fields, NULL,
	  "api_sentiment_feed_update" },
	/* Tokens. */
	{ M_GET, "/sentiment/tokens", tokens_page, PAGE, done_query, NULL, "sentiment_tokens",
	  "sentiment_tokens" },
	{ M_GET, "/api/v1/sentiment/tokens", tokens_page, API, NULL, NULL, NULL,
	  "api_sentiment_tokens" },
	{ M_POST, "/sentiment/tokens", token_issue_post, PAGE, NULL, token_fields,
	  "sentiment_tokens", "sentiment_token_issue" },
	{ M_POST, "/api/v1/sentiment/tokens", token_issue_post, API, NULL, token_fields, NULL,
	  "api_sentiment_token_issue" },
	{ M_POST, TOKEN, token_revoke_post, PAGE, NULL, NULL, "sentiment_tokens",
	  "sentiment_token_revoke" },
	{ M_POST, "/api/v1" TOKEN, token_revoke_post, API, NULL, NULL, NULL,
	  "api_sentiment_token_revoke" },
	/* The lexicon. */
	{ M_GET, "/sentiment/lexicon", lexicon_page, PAGE, done_query, NULL,
	  "sentiment_lexicon", "sentiment_lexicon" },
	{ M_GET, "/api/v1/sentiment/lexicon", lexicon_page, API, NULL, NULL, NULL,
	  "api_sentiment_lexicon" },
	{ M_POST, "/sentiment/lexicon", term_set_post, PAGE, NULL, term_fields,
	  "sentiment_lexicon", "sentiment_term_set" },
	{ M_POST, "/api/v1/sentiment/lexicon", term_set_post, API, NULL, term_fields, NULL,
	  "api_sentiment_term_set" },
	{ M_POST, "/sentiment/lexicon/remove", term_remove_post, PAGE, NULL, term_only_fields,
	  "sentiment_lexicon", "sentiment_term_remove" },
	{ M_POST, "/api/v1/sentiment/lexicon/remove", term_remove_post, API, NULL,
	  term_only_fields, NULL, "api_sentiment_term_remove" },
	{ M_POST, "/sentiment/lexicon/restore", term_restore_post, PAGE, NULL, term_only_fields,
	  "sentiment_lexicon", "sentiment_term_restore" },
	{ M_POST, "/api/v1/sentiment/lexicon/restore", term_restore_post, API, NULL,
	  term_only_fields, NULL, "api_sentiment_term_restore" },
	/* The bimonthly 通报. */
	{ M_GET, "/sentiment/bulletin", bulletin_page, PAGE, bulletin_query, NULL,
	  "sentiment_bulletin", "sentiment_bulletin" },
	{ M_GET, "/api/v1/sentiment/bulletin", bulletin_page, API, bulletin_query, NULL, NULL,
	  "api_sentiment_bulletin" },
	{ M_GET, "/sentiment/bulletin.csv", bulletin_csv_get, PAGE, bulletin_query, NULL, NULL,
	  "sentiment_bulletin_csv" },
};
const size_t sentiment_admin_routes_count =
    sizeof sentiment_admin_routes / sizeof sentiment_admin_routes[0];
