/* sentiment_http.c: the pages and API of the register of public-opinion
 * monitoring (舆情监测, issue 8): the register of stories with its
 * filters, one story with its copies, score and reasons, its handling
 * (verify, dismiss, reopen, link to a case, turn into a report, record
 * the official response), an item entered by hand (with a screenshot),
 * the screenshot itself, and the push of an outside monitoring service
 * (POST /api/v1/sentiment/items, by its token, no session).
 *
 * Everything but the push is the bureau office's (A_SENTIMENT on the root
 * bureau's path); anyone else gets 404 exactly like a missing item. The
 * matcher is built and run on a worker (never on a loop); every change
 * is a writer job with its audit record, and so is reading a story
 * (items may name a child).
 *
 * Never: answer a push without a live token, or tell a missing token
 * from a revoked one; store half of a push that has a bad item; link to
 * anything but http(s); serve a screenshot to anyone but the office. */
#include "sentiment_http.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../auth/audit.h"
#include "../auth/auth.h"
#include "../auth/session.h"
#include "../cases/cases.h"
#include "../core/buf.h"
#include "../core/calendar.h"
#include "../core/config.h"
#include "../core/i18n.h"
#include "../core/log.h"
#include "../core/utf8.h"
#include "../http/handler.h"
#include "../http/input.h"
#include "../http/server.h"
#include "../notify/notify.h"
#include "../org/org.h"
#include "feed.h"
#include "match.h"
#include "register.h"

#define ID_MAX 999999999999LL
/* Stories on one page of the register. */
#define PER_PAGE 50
/* Items in one push. */
#define PUSH_MAX 100
/* Characters of a story's text kept in the report it becomes. */
#define EXCERPT_MAX 300

/* ------------------------------------------------------------------ */
/* Small helpers. */

/* s, or "" for NULL; copied into r's arena (it outlives r->in). */
static const char *
dup0(req *r, const char *s)
{
	const char *d = arena_strdup(r->a, s ? s : "");
	return d ? d : "";
}

/* s cut to at most cap bytes on a character boundary, in r's arena. */
static const char *
cut(req *r, const char *s, size_t cap)
{
	if (s == NULL)
		return "";
	char *d = arena_alloc(r->a, cap + 1);
	if (d == NULL)
		return "";
	utf8_copy(d, cap + 1, s);
	return d;
}

/* 1 when u is a link the register keeps (register.h). */
static int
web_url(const char *u)
{
	return sr_link_ok(u);
}

/* Percent-encodes s for a query value, into b. */
static void
url_put(buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-_.~", *p) != NULL) {
			buf_putc(b, (char)*p);
		} else {
			buf_putc(b, '%');
			buf_putc(b, hex[*p >> 4]);
			buf_putc(b, hex[*p & 15]);
		}
	}
}

/* Splits text at newlines into an array of strings (for templates). */
static json_t *
lines_of(const char *text)
{
	json_t *a = json_array();
	const char *p = text ? text : "";
	while (a != NULL && *p != '\0') {
		size_t n = strcspn(p, "\n");
		size_t k = n;
		if (k > 0 && p[k - 1] == '\r')
			k--;
		if (k > 0)
			json_array_append_new(a, json_stringn(p, k));
		p += n;
		if (*p == '\n')
			p++;
	}
	return a;
}

/* An account's display name, or "". */
static const char *
account_name(req *r, int64_t id)
{
	db_stmt *st = NULL;
	const char *name = "";
	if (id <= 0 || db_prepare(r->rdb, "SELECT display_name FROM accounts WHERE id = ?",
	    &st) != XA_OK)
		return "";
	db_bind_int(st, 1, id);
	if (db_step(st) == 1)
		name = dup0(r, db_col_text(st, 0));
	db_done(st);
	return name;
}

/* ------------------------------------------------------------------ */
/* Who may: the office, over the root bureau. */

/* 1 when r->user may use the register (A_SENTIMENT on the root
 * bureau); else answers 404 like a missing page and returns 0. */
static int
office_only(req *r)
{
	int64_t id = 0;
	char path[96];
	if (r->user == NULL || unit_bureau(r->rdb, &id, path, sizeof path) != XA_OK ||
	    !policy_allow(r->user, A_SENTIMENT, path)) {
		req_error(r, 404, "not_found", NULL);
		return 0;
	}
	return 1;
}

/* 1 when r->user may configure feeds, tokens and the lexicon. */
static int
may_config(req *r)
{
	int64_t id = 0;
	char path[96];
	return r->user != NULL && unit_bureau(r->rdb, &id, path, sizeof path) == XA_OK &&
	    policy_allow(r->user, A_SENTIMENT_CONFIG, path);
}

/* ------------------------------------------------------------------ */
/* Vocabulary. */

static const char *const states[] = { "new", "verified", "dismissed", NULL };
static const char *const sources[] = { "feed", "push", "manual", NULL };

static const char *
chip_of(const char *state)
{
	if (strcmp(state, "new") == 0)
		return "chip-amber";
	if (strcmp(state, "verified") == 0)
		return "chip-green";
	return "chip-grey";
}

/* A matcher's reason ("lexicon:殴打") in words ("用词「殴打」"). */
static const char *
reason_text(req *r, const char *reason)
{
	static const char *const kinds[] = { "lexicon", "context", "mitigating", "place",
		"near", "township", "city", NULL };
	const char *colon = strchr(reason, ':');
	if (colon == NULL)
		return reason;
	for (size_t i = 0; kinds[i] != NULL; i++) {
		size_t n = strlen(kinds[i]);
		if ((size_t)(colon - reason) == n && strncmp(reason, kinds[i], n) == 0) {
			char key[48];
			snprintf(key, sizeof key, "sentiment.reason.%s", kinds[i]);
			return tr(r, key, "name", colon + 1, NULL);
		}
	}
	return reason;
}

/* ------------------------------------------------------------------ */
/* The register. */

static const field list_query[] = {
	{ "state", FT_ENUM, 0, 0, 0, states },
	{ "source", FT_ENUM, 0, 0, 0, sources },
	{ "school", FT_INT, 0, 1, ID_MAX, NULL },
	{ "township", FT_INT, 0, 1, ID_MAX, NULL },
	{ "matched", FT_BOOL, 0, 0, 0, NULL },
	{ "alerted", FT_BOOL, 0, 0, 0, NULL },
	{ "all", FT_BOOL, 0, 0, 0, NULL },
	{ "from", FT_DATE, 0, 0, 0, NULL },
	{ "to", FT_DATE, 0, 0, 0, NULL },
	{ "q", FT_STRING, 0, 0, 100, NULL },
	{ "page", FT_INT, 0, 1, 100000, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The register's filters as read from the query. */
struct filters {
	const char *state, *source, *from, *to, *q;
	int64_t school, township, page;
	int matched, alerted, all;
};

static void
filters_read(req *r, struct filters *f)
{
	f->state = input_str(r->q, "state");
	f->source = input_str(r->q, "source");
	f->from = input_str(r->q, "from");
	f->to = input_str(r->q, "to");
	f->q = input_str(r->q, "q");
	f->school = input_int(r->q, "school", 0);
	f->township = input_int(r->q, "township", 0);
	f->page = input_int(r->q, "page", 1);
	f->matched = json_is_true(json_object_get(r->q, "matched"));
	f->alerted = json_is_true(json_object_get(r->q, "alerted"));
	f->all = json_is_true(json_object_get(r->q, "all"));
}

/* The register's address with the filters f and page. */
static const char *
list_href(req *r, const struct filters *f, int64_t page)
{
	buf b;
	buf_init(&b, 2048);
	buf_puts(&b, "/sentiment?");
	if (f->state != NULL)
		buf_printf(&b, "state=%s&", f->state);
	if (f->source != NULL)
		buf_printf(&b, "source=%s&", f->source);
	if (f->school > 0)
		buf_printf(&b, "school=%lld&", (long long)f->school);
	if (f->township > 0)
		buf_printf(&b, "township=%lld&", (long long)f->township);
	if (f->matched)
		buf_puts(&b, "matched=1&");
	if (f->alerted)
		buf_puts(&b, "alerted=1&");
	if (f->all)
		buf_puts(&b, "all=1&");
	if (f->from != NULL)
		buf_printf(&b, "from=%s&", f->from);
	if (f->to != NULL)
		buf_printf(&b, "to=%s&", f->to);
	if (f->q != NULL) {
		buf_puts(&b, "q=");
		url_put(&b, f->q);
		buf_putc(&b, '&');
	}
	buf_printf(&b, "page=%lld", (long long)page);
	const char *s = arena_strdup(r->a, b.data ? b.data : "/sentiment");
	buf_free(&b);
	return s ? s : "/sentiment";
}

/* Active units of kind (school or township) as select options. */
static json_t *
unit_options(req *r, const char *kind, int64_t chosen)
{
	db_stmt *st = NULL;
	json_t *a = json_array();
	if (a == NULL || db_prepare(r->rdb, "SELECT id, name FROM units WHERE kind = ?"
	    " AND active = 1 ORDER BY name, id", &st) != XA_OK)
		return a ? a : json_array();
	db_bind_text(st, 1, kind, -1);
	while (db_step(st) == 1)
		json_array_append_new(a, json_pack("{s:I, s:s, s:b}", "id",
		    (json_int_t)db_col_int(st, 0), "name", db_col_text(st, 1), "selected",
		    db_col_int(st, 0) == chosen));
	db_done(st);
	return a;
}

/* Options of a fixed vocabulary (value, label, selected). */
static json_t *
vocab_options(req *r, const char *const *names, const char *prefix, const char *chosen)
{
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && names[i] != NULL; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "value", names[i], "label",
		    i18n_name(r->lang, prefix, names[i]), "selected",
		    chosen != NULL && strcmp(chosen, names[i]) == 0));
	return a ? a : json_array();
}

#define LIST_COLS "i.id, i.received_at, i.title, i.outlet, i.source, i.copies," \
	" i.story_score, coalesce(s.name, ''), coalesce(t.name, ''), i.state," \
	" coalesce(i.case_id, 0), coalesce(c.year, 0), coalesce(c.seq, 0)," \
	" coalesce(i.report_id, 0), i.response_at, i.alerted_at, coalesce(i.school_id, 0)," \
	" coalesce(i.township_id, 0), i.last_seen_at"

/* One row of the register. */
static json_t *
list_row(req *r, db_stmt *st)
{
	int64_t id = db_col_int(st, 0);
	const char *state = db_col_text(st, 9), *source = db_col_text(st, 4);
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:i, s:s, s:I, s:s,"
	    " s:I, s:s, s:s, s:s, s:b, s:b, s:b, s:s}",
	    "id", (json_int_t)id,
	    "href", arena_printf(r->a, "/sentiment/items/%lld", (long long)id),
	    "first_seen", when_text(r, db_col_int(st, 1)),
	    "title", db_col_text(st, 2),
	    "outlet", db_col_text(st, 3),
	    "source", source,
	    "source_label", i18n_name(r->lang, "sentiment.source", source),
	    "copies", (json_int_t)db_col_int(st, 5),
	    "score", (int)db_col_int(st, 6),
	    "school", db_col_text(st, 7),
	    "school_id", (json_int_t)db_col_int(st, 16),
	    "township", db_col_text(st, 8),
	    "township_id", (json_int_t)db_col_int(st, 17),
	    "state", state,
	    "state_label", i18n_name(r->lang, "sentiment.state", state),
	    "chip", chip_of(state),
	    "responded", db_col_int(st, 14) > 0,
	    "alerted", db_col_int(st, 15) > 0,
	    "matched", db_col_int(st, 6) >= SM_THRESHOLD,
	    "last_seen", when_text(r, db_col_int(st, 18)));
	if (o == NULL)
		return NULL;
	if (db_col_int(st, 10) > 0) {
		char number[16];
		case_number((int)db_col_int(st, 11), (int)db_col_int(st, 12), number);
		json_object_set_new(o, "case", json_pack("{s:I, s:s, s:s}", "id",
		    (json_int_t)db_col_int(st, 10), "number", number, "href",
		    arena_printf(r->a, "/cases/%lld", (long long)db_col_int(st, 10))));
	} else {
		json_object_set_new(o, "case", json_null());
	}
	int64_t copies = db_col_int(st, 5);
	json_object_set_new(o, "many", json_boolean(copies > 1));
	json_object_set_new(o, "copies_text", jstr(tr(r, "sentiment.copies_text", "n",
	    arena_printf(r->a, "%lld", (long long)copies), NULL)));
	json_object_set_new(o, "handled", json_boolean(db_col_int(st, 10) > 0 ||
	    db_col_int(st, 13) > 0));
	if (db_col_int(st, 13) > 0)
		json_object_set_new(o, "report", json_pack("{s:I, s:s}", "id",
		    (json_int_t)db_col_int(st, 13), "href", arena_printf(r->a, "/reports/%lld",
		    (long long)db_col_int(st, 13))));
	else
		json_object_set_new(o, "report", json_null());
	return o;
}

/* A story that is not unrelated news: a general feed brings many items
 * that match nothing (score 0); the register hides those nobody touched
 * unless asked for all. */
#define UNRELATED_NOT "(i.story_score > 0 OR i.source <> 'feed' OR i.state <> 'new')"

/* How many stories the register hides as unrelated news. */
static int64_t
unrelated_count(req *r)
{
	db_stmt *st = NULL;
	int64_t n = 0;
	if (db_prepare(r->rdb, "SELECT count(*) FROM sentiment_items i WHERE i.story_id = i.id"
	    " AND NOT " UNRELATED_NOT, &st) != XA_OK)
		return 0;
	if (db_step(st) == 1)
		n = db_col_int(st, 0);
	db_done(st);
	return n;
}

/* GET /sentiment and /api/v1/sentiment/items: the stories, newest first,
 * filtered, PER_PAGE a page. */
static void
reg_list(req *r)
{
	if (!office_only(r))
		return;
	struct filters f;
	filters_read(r, &f);
	long zone = zone_of(r);
	int64_t from = 0, to = 0;
	xa_day d;
	if (f.from != NULL && day_parse(f.from, &d) == XA_OK)
		from = day_start(d, zone);
	if (f.to != NULL && day_parse(f.to, &d) == XA_OK)
		to = day_start(d + 1, zone);
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT " LIST_COLS " FROM sentiment_items i"
	    " LEFT JOIN units s ON s.id = i.school_id LEFT JOIN units t ON t.id = i.township_id"
	    " LEFT JOIN cases c ON c.id = i.case_id"
	    " WHERE i.story_id = i.id AND (?1 = '' OR i.state = ?1)"
	    " AND (?2 = '' OR i.source = ?2) AND (?3 = 0 OR i.school_id = ?3)"
	    " AND (?4 = 0 OR i.township_id = ?4 OR s.township_id = ?4)"
	    " AND (?5 = 0 OR i.story_score >= ?6) AND (?7 = 0 OR i.alerted_at > 0)"
	    " AND (?8 = 0 OR i.received_at >= ?8) AND (?9 = 0 OR i.received_at < ?9)"
	    " AND (?10 = '' OR instr(i.title, ?10) > 0)"
	    " AND (?13 = 1 OR " UNRELATED_NOT ")"
	    " ORDER BY i.received_at DESC, i.id DESC LIMIT ?11 OFFSET ?12", &st) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	db_bind_text(st, 1, f.state ? f.state : "", -1);
	db_bind_text(st, 2, f.source ? f.source : "", -1);
	db_bind_int(st, 3, f.school);
	db_bind_int(st, 4, f.township);
	db_bind_int(st, 5, f.matched);
	db_bind_int(st, 6, SM_THRESHOLD);
	db_bind_int(st, 7, f.alerted);
	db_bind_int(st, 8, from);
	db_bind_int(st, 9, to);
	db_bind_text(st, 10, f.q ? f.q : "", -1);
	db_bind_int(st, 11, PER_PAGE + 1);
	db_bind_int(st, 12, (f.page - 1) * PER_PAGE);
	db_bind_int(st, 13, f.all);
	json_t *items = json_array();
	int more = 0;
	while (items != NULL && db_step(st) == 1) {
		if (json_array_size(items) == PER_PAGE) {
			more = 1;
			break;
		}
		json_t *o = list_row(r, st);
		if (o != NULL)
			json_array_append_new(items, o);
	}
	db_done(st);
	json_t *m = json_pack("{s:o, s:I, s:b, s:i}", "items", items ? items : json_array(),
	    "page", (json_int_t)f.page, "more", more, "per_page", PER_PAGE);
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (!is_api(r)) {
		json_object_set_new(m, "page", json_pack("{s:s}", "title_key", "sentiment.title"));
		json_object_set_new(m, "page_no", json_integer(f.page));
		json_object_set_new(m, "filter", json_pack("{s:s, s:s, s:s, s:b, s:b, s:b}", "from",
		    f.from ? f.from : "", "to", f.to ? f.to : "", "q", f.q ? f.q : "", "matched",
		    f.matched, "alerted", f.alerted, "all", f.all));
		json_object_set_new(m, "state_options", vocab_options(r, states, "sentiment.state",
		    f.state));
		json_object_set_new(m, "source_options", vocab_options(r, sources,
		    "sentiment.source", f.source));
		json_object_set_new(m, "schools", unit_options(r, "school", f.school));
		json_object_set_new(m, "townships", unit_options(r, "township", f.township));
		if (more)
			json_object_set_new(m, "next_href", jstr(list_href(r, &f, f.page + 1)));
		if (f.page > 1)
			json_object_set_new(m, "prev_href", jstr(list_href(r, &f, f.page - 1)));
		json_object_set_new(m, "can_config", json_boolean(may_config(r)));
		if (!f.all) {
			int64_t hidden = unrelated_count(r);
			if (hidden > 0) {
				struct filters fa = f;
				fa.all = 1;
				json_object_set_new(m, "hidden_text", jstr(tr(r, "sentiment.hidden",
				    "n", num(r, (long long)hidden), NULL)));
				json_object_set_new(m, "all_href", jstr(list_href(r, &fa, 1)));
			}
		}
		json_object_set_new(m, "filtered", json_boolean((f.state && f.state[0]) ||
		    (f.source && f.source[0]) || f.school || f.township || f.matched ||
		    f.alerted || f.all || (f.from && f.from[0]) || (f.to && f.to[0]) || (f.q && f.q[0])));
		json_object_set_new(m, "threshold", json_integer(SM_THRESHOLD));
	}
	req_answer(r, 200, m);
}

/* ------------------------------------------------------------------ */
/* One story. */

struct story {
	int64_t id, story_id, school_id, township_id, case_id, report_id, file_id;
	int64_t published, received, handled_by, handled_at, response_at, response_by;
	int64_t alerted_at, entered_by;
	int score, story_score, copies;
	const char *source, *outlet, *url, *title, *body, *reasons, *state, *reason;
	const char *response, *response_channel, *school, *township;
};

/* Reads item id into s. 1 found, 0 not, -1 the database failed. */
static int
story_read(req *r, int64_t id, struct story *s)
{
	db_stmt *st = NULL;
	memset(s, 0, sizeof *s);
	if (db_prepare(r->rdb, "SELECT i.id, coalesce(i.story_id, i.id), coalesce(i.school_id, 0),"
	    " coalesce(i.township_id, 0), coalesce(i.case_id, 0), coalesce(i.report_id, 0),"
	    " coalesce(i.file_id, 0), i.published_at, i.received_at, i.handled_by, i.handled_at,"
	    " i.response_at, i.response_by, i.alerted_at, i.entered_by, i.score, i.story_score,"
	    " i.copies, i.source, i.outlet, i.url, i.title, i.body, i.reasons, i.state, i.reason,"
	    " i.response, i.response_channel, coalesce(s.name, ''), coalesce(t.name, '')"
	    " FROM sentiment_items i LEFT JOIN units s ON s.id = i.school_id"
	    " LEFT JOIN units t ON t.id = i.township_id WHERE i.id = ?", &st) != XA_OK)
		return -1;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == 1) {
		int64_t *ints[] = { &s->id, &s->story_id, &s->school_id, &s->township_id,
			&s->case_id, &s->report_id, &s->file_id, &s->published, &s->received,
			&s->handled_by, &s->handled_at, &s->response_at, &s->response_by,
			&s->alerted_at, &s->entered_by };
		for (int k = 0; k < 15; k++)
			*ints[k] = db_col_int(st, k);
		s->score = (int)db_col_int(st, 15);
		s->story_score = (int)db_col_int(st, 16);
		s->copies = (int)db_col_int(st, 17);
		const char **strs[] = { &s->source, &s->outlet, &s->url, &s->title, &s->body,
			&s->reasons, &s->state, &s->reason, &s->response, &s->response_channel,
			&s->school, &s->township };
		for (int k = 0; k < 12; k++)
			*strs[k] = dup0(r, db_col_text(st, 18 + k));
	}
	db_done(st);
	return rc == 1 ? 1 : rc == 0 ? 0 : -1;
}

/* The story of path parameter {id} for the office; else answers (404,
 * or 503) and returns 0. A later copy of a story: *copy is set to 1 and
 * s holds the copy (the caller decides). */
static int
story_load(req *r, struct story *s, int *copy)
{
	int64_t id = 0;
	if (!office_only(r))
		return 0;
	int rc = req_param_int(r, "id", &id) == XA_OK ? story_read(r, id, s) : 0;
	if (rc < 0) {
		req_error(r, 503, "unavailable", NULL);
		return 0;
	}
	if (rc == 0 || (copy == NULL && s->story_id != s->id)) {
		req_error(r, 404, "not_found", NULL);
		return 0;
	}
	if (copy != NULL)
		*copy = s->story_id != s->id;
	return 1;
}

/* The copies of story s (its later items), oldest first. */
static json_t *
copies_json(req *r, const struct story *s)
{
	db_stmt *st = NULL;
	json_t *a = json_array();
	if (a == NULL || db_prepare(r->rdb, "SELECT id, source, outlet, url, received_at, title,"
	    " published_at FROM sentiment_items WHERE story_id = ? AND id <> ? ORDER BY id",
	    &st) != XA_OK)
		return a ? a : json_array();
	db_bind_int(st, 1, s->id);
	db_bind_int(st, 2, s->id);
	while (db_step(st) == 1) {
		const char *url = db_col_text(st, 3), *source = db_col_text(st, 1);
		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
		    "id", (json_int_t)db_col_int(st, 0), "source", source, "source_label",
		    i18n_name(r->lang, "sentiment.source", source), "outlet", db_col_text(st, 2),
		    "url", web_url(url) ? url : "", "received", when_text(r, db_col_int(st, 4)),
		    "title", db_col_text(st, 5), "published", when_text(r, db_col_int(st, 6))));
	}
	db_done(st);
	return a;
}

/* The screenshot of story s, or null. */
static json_t *
file_json(req *r, const struct story *s)
{
	db_stmt *st = NULL;
	json_t *o = NULL;
	if (s->file_id <= 0 || db_prepare(r->rdb, "SELECT name, mime, size FROM sentiment_files"
	    " WHERE id = ?", &st) != XA_OK)
		return json_null();
	db_bind_int(st, 1, s->file_id);
	if (db_step(st) == 1)
		o = json_pack("{s:I, s:s, s:s, s:I, s:b, s:s}", "id", (json_int_t)s->file_id,
		    "name", db_col_text(st, 0), "mime", db_col_text(st, 1), "size",
		    (json_int_t)db_col_int(st, 2), "is_image",
		    strncmp(db_col_text(st, 1), "image/", 6) == 0, "href",
		    arena_printf(r->a, "/sentiment/files/%lld", (long long)s->file_id));
	db_done(st);
	return o ? o : json_null();
}

/* The story's page model; error (translated) and sent (the form's
 * values) after a refused action. */
static json_t *
story_model(req *r, const struct story *s, const char *error, json_t *sent)
{
	int dismissed = strcmp(s->state, "dismissed") == 0;
	json_t *m = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:i, s:i,"
	    " s:i, s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}",
	    "id", (json_int_t)s->id,
	    "story", (json_int_t)s->id,
	    "title", s->title,
	    "outlet", s->outlet,
	    "url", web_url(s->url) ? s->url : "",
	    "source", s->source,
	    "source_label", i18n_name(r->lang, "sentiment.source", s->source),
	    "published", when_text(r, s->published),
	    "received", when_text(r, s->received),
	    "lines", lines_of(s->body),
	    "score", s->score,
	    "story_score", s->story_score,
	    "copies_n", s->copies,
	    "school_id", (json_int_t)s->school_id,
	    "school", s->school,
	    "township_id", (json_int_t)s->township_id,
	    "township", s->township,
	    "state", s->state,
	    "state_label", i18n_name(r->lang, "sentiment.state", s->state),
	    "chip", chip_of(s->state),
	    "handled_by", account_name(r, s->handled_by),
	    "handled_at", when_text(r, s->handled_at),
	    "reason", s->reason,
	    "alerted", s->alerted_at > 0);
	if (m == NULL)
		return NULL;
	json_object_set_new(m, "text", jstr(s->body));
	json_object_set_new(m, "alerted_at", jstr(when_text(r, s->alerted_at)));
	json_object_set_new(m, "matched", json_boolean(s->story_score >= SM_THRESHOLD));
	json_object_set_new(m, "entered_by", jstr(account_name(r, s->entered_by)));
	json_t *reasons = json_array();
	for (const char *p = s->reasons; reasons != NULL && *p != '\0';) {
		size_t n = strcspn(p, "\n");
		char *one = arena_strndup(r->a, p, n);
		if (one != NULL && one[0] != '\0')
			json_array_append_new(reasons, json_pack("{s:s, s:s}", "code", one, "text",
			    reason_text(r, one)));
		p += n;
		if (*p == '\n')
			p++;
	}
	json_object_set_new(m, "reasons", reasons ? reasons : json_array());
	json_object_set_new(m, "copies", copies_json(r, s));
	json_object_set_new(m, "file", file_json(r, s));
	if (s->case_id > 0) {
		db_stmt *st = NULL;
		char number[16] = "";
		if (db_prepare(r->rdb, "SELECT year, seq FROM cases WHERE id = ?", &st) == XA_OK) {
			db_bind_int(st, 1, s->case_id);
			if (db_step(st) == 1)
				case_number((int)db_col_int(st, 0), (int)db_col_int(st, 1), number);
			db_done(st);
		}
		json_object_set_new(m, "case", json_pack("{s:I, s:s, s:s}", "id",
		    (json_int_t)s->case_id, "number", number, "href", arena_printf(r->a,
		    "/cases/%lld", (long long)s->case_id)));
	} else {
		json_object_set_new(m, "case", json_null());
	}
	if (s->report_id > 0)
		json_object_set_new(m, "report", json_pack("{s:I, s:s}", "id",
		    (json_int_t)s->report_id, "href", arena_printf(r->a, "/reports/%lld",
		    (long long)s->report_id)));
	else
		json_object_set_new(m, "report", json_null());
	if (s->response_at > 0)
		json_object_set_new(m, "response", json_pack("{s:s, s:o, s:s, s:s, s:s}", "text",
		    s->response, "lines", lines_of(s->response), "channel", s->response_channel,
		    "at", when_text(r, s->response_at), "by", account_name(r, s->response_by)));
	else
		json_object_set_new(m, "response", json_null());
	json_object_set_new(m, "actions", json_pack("{s:b, s:b, s:b, s:b, s:b, s:b}",
	    "verify", strcmp(s->state, "new") == 0,
	    "dismiss", !dismissed && s->case_id == 0 && s->report_id == 0,
	    "reopen", dismissed,
	    "link", !dismissed,
	    "report", !dismissed && s->report_id == 0,
	    "respond", 1));
	if (!is_api(r)) {
		json_object_set_new(m, "page", json_pack("{s:s}", "title_key",
		    "sentiment.story_title"));
		json_object_set_new(m, "action_base", jstr(arena_printf(r->a, "/sentiment/items/%lld",
		    (long long)s->id)));
		json_object_set_new(m, "schools", unit_options(r, "school", s->school_id));
		char now[17];
		time_format(now_s(), zone_of(r), 'T', now);
		json_object_set_new(m, "now_local", jstr(now));
		json_t *f = json_object();
		static const char *const keys[] = { "reason", "case", "text", "channel", "at" };
		for (size_t i = 0; f != NULL && i < sizeof keys / sizeof keys[0]; i++)
			json_object_set_new(f, keys[i], jstr(sent ? input_str(sent, keys[i]) : NULL));
		/* A response recorded: the form starts from it, to correct it. */
		if (f != NULL && sent == NULL && s->response_at > 0) {
			char at[17];
			time_format(s->response_at, zone_of(r), 'T', at);
			json_object_set_new(f, "text", jstr(s->response));
			json_object_set_new(f, "channel", jstr(s->response_channel));
			json_object_set_new(f, "at", jstr(at));
		}
		json_object_set_new(m, "form", f ? f : json_object());
		if (error != NULL)
			json_object_set_new(m, "error", jstr(error));
		json_t *d = json_object_get(r->q, "done");
		if (json_is_string(d)) {
			char key[64];
			snprintf(key, sizeof key, "sentiment.done.%s", json_string_value(d));
			json_object_set_new(m, "done", jstr(i18n(r->lang, key)));
		}
	}
	return m;
}

/* Reading a story is audited before it is shown. */
struct show {
	req *r;
	int64_t id;
	int status;
	json_t *model;
};

static xa_err
show_run(db *conn, void *p)
{
	struct show *c = p;
	return audit_req(conn, c->r, "sentiment.read", "sentiment_item", c->id,
	    "title,body,url,outlet,file,response", now_s());
}

static void
show_done(req *r, void *ctx, xa_err result)
{
	struct show *c = ctx;
	json_t *m = c->model;
	c->model = NULL;
	if (result != XA_OK) {
		json_decref(m);
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (c->status == 200)
		req_answer(r, 200, m);
	else
		req_render(r, c->status, "sentiment_story", m);
}

/* Answers with story s (its page, or JSON) after auditing the read. */
static void
story_answer(req *r, const struct story *s, int status, const char *error, json_t *sent)
{
	struct show *c = arena_calloc(r->a, 1, sizeof *c);
	json_t *m = c ? story_model(r, s, error, sent) : NULL;
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	c->r = r;
	c->id = s->id;
	c->status = status;
	c->model = m;
	req_write(r, show_run, c, show_done);
	/* A stopped writer answers at once without calling show_done. */
	if (r->answered && c->model != NULL) {
		json_decref(c->model);
		c->model = NULL;
	}
}

static const char *const done_values[] = { "verify", "dismiss", "reopen", "link", "report",
	"respond", "entered", NULL };

static const field story_query[] = {
	{ "done", FT_ENUM, 0, 0, 0, done_values },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* GET /sentiment/items/{id} and /api/v1/sentiment/items/{id}. A later
 * copy of a story: the page goes to the story, the API names it. */
static void
story_get(req *r)
{
	struct story s;
	int copy = 0;
	if (!story_load(r, &s, &copy))
		return;
	if (copy) {
		if (is_api(r))
			req_json(r, 200, json_pack("{s:I, s:I, s:s}", "id", (json_int_t)s.id, "story",
			    (json_int_t)s.story_id, "href", arena_printf(r->a,
			    "/api/v1/sentiment/items/%lld", (long long)s.story_id)));
		else
			req_redirect(r, arena_printf(r->a, "/sentiment/items/%lld",
			    (long long)s.story_id));
		return;
	}
	story_answer(r, &s, 200, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* Handling a story. */

enum op { OP_VERIFY, OP_DISMISS, OP_REOPEN, OP_LINK, OP_REPORT, OP_RESPOND };

static const char *const op_names[] = { "verify", "dismiss", "reopen", "link", "report",
	"respond" };

struct act {
	req *r;
	enum op op;
	struct story s;
	int64_t now, by;
	const char *reason, *text, *channel;
	int64_t at, case_id, unit_id, queue_id, report_id;
	uint8_t wrapped[WRAPPED_KEY_LEN];
	void *body;
	size_t body_len;
};

static xa_err
act_run(db *conn, void *p)
{
	struct act *j = p;
	req *r = j->r;
	int64_t id = j->s.id;
	xa_err e;
	switch (j->op) {
	case OP_VERIFY:
		if ((e = sr_verify(conn, id, j->by, j->now)) != XA_OK)
			return e;
		return audit_req(conn, r, "sentiment.verify", "sentiment_item", id, "state",
		    j->now);
	case OP_DISMISS:
		if ((e = sr_dismiss(conn, id, j->reason, j->by, j->now)) != XA_OK)
			return e;
		return audit_req(conn, r, "sentiment.dismiss", "sentiment_item", id,
		    "state,reason", j->now);
	case OP_REOPEN:
		if ((e = sr_reopen(conn, id, j->reason, j->by, j->now)) != XA_OK)
			return e;
		return audit_req(conn, r, "sentiment.reopen", "sentiment_item", id,
		    "state,reason", j->now);
	case OP_LINK:
		if ((e = sr_link_case(conn, id, j->case_id, j->by, j->now)) != XA_OK)
			return e;
		return audit_req(conn, r, "sentiment.link", "sentiment_item", id,
		    "state,case_id", j->now);
	case OP_RESPOND:
		if ((e = sr_respond(conn, id, j->text, j->channel, j->at, j->by, j->now)) != XA_OK)
			return e;
		return audit_req(conn, r, "sentiment.respond", "sentiment_item", id,
		    "response,response_channel,response_at", j->now);
	case OP_REPORT: {
		db_stmt *st = NULL;
		e = db_prepare(conn, "INSERT INTO reports (unit_id, queue_unit_id, channel, wkey,"
		    " body, reporter, status, received_by, created_at, updated_at) VALUES (?, ?,"
		    " 'media', ?, ?, 'other', 'new', ?, ?, ?)", &st);
		if (e != XA_OK)
			return e;
		if (j->unit_id > 0)
			db_bind_int(st, 1, j->unit_id);
		else
			db_bind_null(st, 1);
		db_bind_int(st, 2, j->queue_id);
		db_bind_blob(st, 3, j->wrapped, sizeof j->wrapped);
		db_bind_blob(st, 4, j->body, j->body_len);
		db_bind_int(st, 5, j->by);
		db_bind_int(st, 6, j->now);
		db_bind_int(st, 7, j->now);
		int rc = db_step(st);
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
		j->report_id = db_last_id(conn);
		if ((e = notify_report(conn, j->report_id, j->queue_id, j->by, j->now)) != XA_OK)
			return e;
		if ((e = audit_req(conn, r, "report.create", "report", j->report_id,
		    "channel,unit_id,what,when_text", j->now)) != XA_OK)
			return e;
		if ((e = sr_set_report(conn, id, j->report_id, j->by, j->now)) != XA_OK)
			return e;
		return audit_req(conn, r, "sentiment.report", "sentiment_item", id,
		    "state,report_id", j->now);
	}
	}
	return XA_EINVAL;
}

/* A refused action: the API's error, or the story again with the message
 * and what was typed. */
static void
act_refuse(req *r, struct act *j, int status, const char *code, const char *fname)
{
	if (is_api(r)) {
		req_error(r, status, code, fname);
		return;
	}
	char key[96];
	snprintf(key, sizeof key, "error.%s", code);
	/* The story as it is now: the refusal may come from a change made
	 * meanwhile. */
	struct story now;
	if (story_read(r, j->s.id, &now) == 1)
		j->s = now;
	story_answer(r, &j->s, status, i18n(r->lang, key), r->in);
}

static void
act_done(req *r, void *ctx, xa_err result)
{
	struct act *j = ctx;
	static const char *const fields[] = { NULL, "reason", "reason", "case", "unit_id",
		"text" };
	if (result == XA_ECONFLICT) {
		act_refuse(r, j, 409, "sentiment_state", NULL);
		return;
	}
	if (result == XA_EINVAL) {
		act_refuse(r, j, 400, "invalid_field", fields[j->op]);
		return;
	}
	if (result == XA_ENOTFOUND) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (!is_api(r)) {
		req_redirect(r, arena_printf(r->a, "/sentiment/items/%lld?done=%s",
		    (long long)j->s.id, op_names[j->op]));
		return;
	}
	struct story s;
	if (story_read(r, j->s.id, &s) != 1) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_json(r, 200, json_pack("{s:I, s:s, s:I, s:I, s:b}", "id", (json_int_t)s.id, "state",
	    s.state, "case_id", (json_int_t)s.case_id, "report_id", (json_int_t)s.report_id,
	    "responded", s.response_at > 0));
}

/* The case the office named: an id, or a number as the case page shows
 * it ("2026-0012"); *id 0 when none (or several schools share the
 * number) or the caller may not see it. */
static void
case_find(req *r, const char *typed, int64_t *id)
{
	db_stmt *st = NULL;
	*id = 0;
	char t[24];
	size_t n = 0;
	for (const char *p = typed; *p != '\0' && n + 1 < sizeof t; p++)
		if (*p != ' ')
			t[n++] = *p;
	t[n] = '\0';
	/* A year and a number, each of at most 6 digits, or an id of at most
	 * 12: nothing here can overflow. */
	int64_t year = 0, seq = 0;
	int dash = 0, digits = 0, part = 0;
	for (const char *p = t; *p != '\0'; p++) {
		if (*p == '-' && !dash && digits > 0) {
			dash = 1;
			part = 0;
			continue;
		}
		if (*p < '0' || *p > '9' || digits >= 12 || (dash && part >= 6) ||
		    (*p != '-' && !dash && strchr(p, '-') != NULL && part >= 6))
			return;
		digits++;
		part++;
		if (dash)
			seq = seq * 10 + (*p - '0');
		else
			year = year * 10 + (*p - '0');
	}
	if (dash && part == 0)
		return;
	if (digits == 0)
		return;
	xa_err e;
	if (dash) {
		e = db_prepare(r->rdb, "SELECT c.id, u.path FROM cases c JOIN units u"
		    " ON u.id = c.unit_id WHERE c.year = ? AND c.seq = ? LIMIT 2", &st);
		if (e == XA_OK) {
			db_bind_int(st, 1, year);
			db_bind_int(st, 2, seq);
		}
	} else {
		int64_t v = 0;
		for (const char *p = t; *p != '\0'; p++)
			v = v * 10 + (*p - '0');
		e = db_prepare(r->rdb, "SELECT c.id, u.path FROM cases c JOIN units u"
		    " ON u.id = c.unit_id WHERE c.id = ?", &st);
		if (e == XA_OK)
			db_bind_int(st, 1, v);
	}
	if (e != XA_OK)
		return;
	int rows = 0;
	int64_t found = 0;
	while (db_step(st) == 1) {
		rows++;
		if (policy_allow(r->user, A_CASE_READ, db_col_text(st, 1)))
			found = db_col_int(st, 0);
	}
	db_done(st);
	if (rows == 1)
		*id = found;
}

/* The office's queue (where a report naming no school goes): the
 * office unit right under the bureau or one of its sections, else the
 * bureau itself (reports_http.c's rule). */
static int64_t
office_queue(req *r)
{
	int64_t id = 0;
	char path[96], like[100];
	db_stmt *st = NULL;
	if (unit_bureau(r->rdb, &id, path, sizeof path) != XA_OK)
		return 0;
	snprintf(like, sizeof like, "%s%%", path);
	if (db_prepare(r->rdb, "SELECT id FROM units WHERE kind = 'office' AND active = 1"
	    " AND path LIKE ? ORDER BY length(path), id LIMIT 1", &st) != XA_OK)
		return id;
	db_bind_text(st, 1, like, -1);
	if (db_step(st) == 1)
		id = db_col_int(st, 0);
	db_done(st);
	return id;
}

/* 1 when id is an active school. */
static int
school_ok(req *r, int64_t id)
{
	db_stmt *st = NULL;
	int ok = 0;
	if (db_prepare(r->rdb, "SELECT 1 FROM units WHERE id = ? AND kind = 'school'"
	    " AND active = 1", &st) != XA_OK)
		return 0;
	db_bind_int(st, 1, id);
	ok = db_step(st) == 1;
	db_done(st);
	return ok;
}

/* The sealed body of the report story s becomes (survey_http.c's
 * shape), in Chinese: whoever triages it reads Chinese first. */
static xa_err
report_seal(req *r, struct act *j)
{
	const struct story *s = &j->s;
	const char *excerpt = cut(r, s->body, EXCERPT_MAX * 3);
	const char *what = i18n_fill(r->a, "zh", "sentiment.report_what", "title", s->title,
	    "source", i18n_name("zh", "sentiment.source", s->source), "outlet", s->outlet,
	    "url", web_url(s->url) ? s->url : "-", "excerpt", excerpt, NULL);
	char when[17] = "";
	if (s->published > 0)
		time_format(s->published, zone_of(r), ' ', when);
	const char *when_t = i18n_fill(r->a, "zh", "sentiment.report_when", "published", when,
	    "received", when_text(r, s->received), NULL);
	json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s}", "what", what ? what : "",
	    "when_text", s->published > 0 ? when_t : when_text(r, s->received),
	    "place_text", "", "involved", "", "contact", "");
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (text == NULL)
		return XA_ENOMEM;
	uint8_t key[32];
	xa_err e = ckey_new(key, j->wrapped);
	if (e == XA_OK)
		e = seal_blob(r->a, key, text, strlen(text), &j->body, &j->body_len);
	explicit_bzero(key, sizeof key);
	explicit_bzero(text, strlen(text));
	free(text);
	return e;
}

/* "2026-11-29 10:30" or "2026-11-29T10:30" in the zone; 0 when bad. */
static int
local_time(const char *s, long zone, int64_t *out)
{
	char day[11];
	xa_day d;
	if (strlen(s) != 16 || (s[10] != ' ' && s[10] != 'T') || s[13] != ':')
		return 0;
	memcpy(day, s, 10);
	day[10] = '\0';
	if (day_parse(day, &d) != XA_OK)
		return 0;
	for (int k = 11; k < 16; k++)
		if (k != 13 && (s[k] < '0' || s[k] > '9'))
			return 0;
	int h = (s[11] - '0') * 10 + (s[12] - '0'), m = (s[14] - '0') * 10 + (s[15] - '0');
	if (h > 23 || m > 59)
		return 0;
	*out = day_start(d, zone) + h * 3600 + m * 60;
	return 1;
}

/* A non-empty string field of r->in, or NULL. */
static const char *
filled(req *r, const char *name)
{
	const char *v = input_str(r->in, name);
	while (v != NULL && (*v == ' ' || *v == '\n' || *v == '\r' || *v == '\t'))
		v++;
	return v != NULL && *v != '\0' ? input_str(r->in, name) : NULL;
}

/* POST /sentiment/items/{id}/<op> and its API twin. */
static void
act(req *r, enum op op)
{
	struct act *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (!story_load(r, &j->s, NULL))
		return;
	j->r = r;
	j->op = op;
	j->now = now_s();
	j->by = r->user->account_id;
	switch (op) {
	case OP_VERIFY:
		break;
	case OP_DISMISS:
	case OP_REOPEN:
		if ((j->reason = filled(r, "reason")) == NULL) {
			act_refuse(r, j, 400, "sentiment_reason_required", "reason");
			return;
		}
		j->reason = dup0(r, j->reason);
		break;
	case OP_LINK: {
		const char *c = filled(r, "case");
		if (c == NULL) {
			act_refuse(r, j, 400, "sentiment_case_unknown", "case");
			return;
		}
		case_find(r, c, &j->case_id);
		if (j->case_id == 0) {
			act_refuse(r, j, 400, "sentiment_case_unknown", "case");
			return;
		}
		break;
	}
	case OP_REPORT:
		j->unit_id = input_int(r->in, "unit_id", -1);
		if (j->unit_id < 0)
			j->unit_id = j->s.school_id;
		if (j->unit_id > 0 && !school_ok(r, j->unit_id)) {
			act_refuse(r, j, 400, "invalid_field", "unit_id");
			return;
		}
		j->queue_id = j->unit_id > 0 ? j->unit_id : office_queue(r);
		if (j->queue_id <= 0) {
			req_error(r, 503, "unavailable", NULL);
			return;
		}
		if (strcmp(j->s.state, "dismissed") == 0 || j->s.report_id > 0) {
			act_refuse(r, j, 409, "sentiment_state", NULL);
			return;
		}
		if (report_seal(r, j) != XA_OK) {
			req_error(r, 500, "internal", NULL);
			return;
		}
		break;
	case OP_RESPOND: {
		const char *text = filled(r, "text"), *channel = filled(r, "channel");
		const char *at = filled(r, "at");
		if (text == NULL) {
			act_refuse(r, j, 400, "sentiment_response_required", "text");
			return;
		}
		if (channel == NULL) {
			act_refuse(r, j, 400, "sentiment_channel_required", "channel");
			return;
		}
		j->at = j->now;
		if (at != NULL && (!local_time(at, zone_of(r), &j->at) || j->at > j->now)) {
			act_refuse(r, j, 400, "sentiment_bad_time", "at");
			return;
		}
		j->text = dup0(r, text);
		j->channel = dup0(r, channel);
		break;
	}
	}
	req_write(r, act_run, j, act_done);
}

static void verify_post(req *r) { act(r, OP_VERIFY); }
static void dismiss_post(req *r) { act(r, OP_DISMISS); }
static void reopen_post(req *r) { act(r, OP_REOPEN); }
static void link_post(req *r) { act(r, OP_LINK); }
static void report_post(req *r) { act(r, OP_REPORT); }
static void respond_post(req *r) { act(r, OP_RESPOND); }

/* Required fields are checked by the handler, so that a page can show
 * the story again with the message; lengths here. */
static const field none_fields[] = {
	{ NULL, 0, 0, 0, 0, NULL },
};
static const field reason_fields[] = {
	{ "reason", FT_TEXT, 0, 0, SR_REASON_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};
static const field link_fields[] = {
	{ "case", FT_STRING, 0, 0, 24, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};
static const field report_fields[] = {
	{ "unit_id", FT_INT, 0, 0, ID_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};
static const field respond_fields[] = {
	{ "text", FT_TEXT, 0, 0, SR_RESPONSE_MAX, NULL },
	{ "channel", FT_STRING, 0, 0, 100, NULL },
	{ "at", FT_STRING, 0, 0, 16, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* ------------------------------------------------------------------ */
/* Matching items and taking them in (the push and the office's hand). */

struct intake {
	req *r;
	sr_sources src;
	size_t n;
	sr_item *items;
	sr_outcome *out;
	xa_err err;		/* the worker's */
	int64_t now;
	/* The push. */
	int64_t token_id;
	/* By hand. */
	int manual;
	const unsigned char *shot;
	size_t shot_len;
	const char *shot_name, *shot_mime;
	int64_t file_id;
};

/* On a worker: the matcher, built from the sources the loop read, run
 * over each item. */
static void
match_work(void *p)
{
	struct intake *k = p;
	struct sm_matcher *m = NULL;
	k->err = sm_new(k->src.terms, k->src.nterms, k->src.places, k->src.nplaces, &m);
	for (size_t i = 0; k->err == XA_OK && i < k->n; i++) {
		sr_item *it = &k->items[i];
		const char *t = it->title ? it->title : "", *b = it->body ? it->body : "";
		k->err = sm_match(m, t, strlen(t), b, strlen(b), &it->m);
	}
	sm_free(m);
}

static xa_err
intake_run(db *conn, void *p)
{
	struct intake *k = p;
	req *r = k->r;
	xa_err e;
	if (k->manual && k->shot != NULL) {
		if ((e = sr_file_add(conn, k->shot_name, k->shot_mime, k->shot, k->shot_len,
		    r->user->account_id, k->now, &k->file_id)) != XA_OK)
			return e;
		k->items[0].file_id = k->file_id;
	}
	for (size_t i = 0; i < k->n; i++)
		if ((e = sr_ingest(conn, &k->items[i], k->now, &k->out[i])) != XA_OK)
			return e;
	if (k->manual)
		return audit_req(conn, r, "sentiment.enter", "sentiment_item", k->out[0].id,
		    k->shot != NULL ? "title,body,url,outlet,published,file" :
		    "title,body,url,outlet,published", k->now);
	if ((e = sr_token_used(conn, k->token_id, k->now)) != XA_OK)
		return e;
	return audit_req(conn, r, "sentiment.push", "sentiment_token", k->token_id, "items",
	    k->now);
}

static const char *
outcome_name(enum sr_outcome_kind kind)
{
	return kind == SR_ADDED ? "added" : kind == SR_FOLDED ? "folded" : "seen";
}

static void
intake_done(req *r, void *ctx, xa_err result)
{
	struct intake *k = ctx;
	if (result != XA_OK) {
		log_error("sentiment: items not taken in: %s", xa_strerror(result));
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (k->manual) {
		if (!is_api(r)) {
			req_redirect(r, arena_printf(r->a, "/sentiment/items/%lld?done=entered",
			    (long long)k->out[0].story_id));
			return;
		}
		req_json(r, 201, json_pack("{s:I, s:I, s:s, s:b, s:I}", "id",
		    (json_int_t)k->out[0].id, "story", (json_int_t)k->out[0].story_id, "status",
		    outcome_name(k->out[0].kind), "alerted", k->out[0].alerted, "score",
		    (json_int_t)k->items[0].m.score));
		return;
	}
	json_t *list = json_array();
	for (size_t i = 0; list != NULL && i < k->n; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:I}", "id",
		    k->items[i].ext_id, "status", outcome_name(k->out[i].kind), "item",
		    (json_int_t)k->out[i].id, "story", (json_int_t)k->out[i].story_id));
	req_json(r, 200, json_pack("{s:I, s:o}", "received", (json_int_t)k->n, "items",
	    list ? list : json_array()));
}

static void
match_done(req *r, void *ctx, xa_err unused)
{
	(void)unused;
	struct intake *k = ctx;
	sr_sources_free(&k->src);
	memset(&k->src, 0, sizeof k->src);
	if (k->err != XA_OK) {
		log_error("sentiment: matching failed: %s", xa_strerror(k->err));
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_write(r, intake_run, k, intake_done);
}

/* Reads the sources on the loop, then matches on a worker and takes the
 * items in on the writer. */
static void
intake_start(req *r, struct intake *k)
{
	k->r = r;
	k->now = now_s();
	k->out = arena_calloc(r->a, k->n ? k->n : 1, sizeof *k->out);
	if (k->out == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (sr_sources_load(r->rdb, &k->src) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_offload(r, match_work, k, match_done);
	/* Out of memory, it answered without calling match_done. */
	if (r->answered)
		sr_sources_free(&k->src);
}

/* --- The push. */

/* The token of "Authorization: Bearer xst_...", or NULL. */
static const char *
push_token(req *r)
{
	const char *h = req_get_header(r, "Authorization");
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return strlen(h) == SR_TOKEN_LEN && strncmp(h, "xst_", 4) == 0 ? h : NULL;
}

/* An optional string member of an item: 1 ok (*out NULL when absent),
 * 0 not a string. */
static int
opt_str(req *r, json_t *o, const char *name, size_t cap, const char **out)
{
	json_t *v = json_object_get(o, name);
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 1;
	if (!json_is_string(v))
		return 0;
	*out = cut(r, json_string_value(v), cap);
	return 1;
}

/* Reads item i of a push into it; NULL, or the bad member's name. */
static const char *
push_item(req *r, json_t *o, size_t i, int many, sr_item *it)
{
	const char *pre = many ? arena_printf(r->a, "items[%zu].", i) : "";
	if (pre == NULL)
		pre = "";
	memset(it, 0, sizeof *it);
	it->source = SR_PUSH;
	if (!json_is_object(o))
		return many ? arena_printf(r->a, "items[%zu]", i) : "items";
	json_t *id = json_object_get(o, "id");
	if (!json_is_string(id) || json_string_length(id) == 0 ||
	    json_string_length(id) > SR_EXTID_MAX)
		return arena_printf(r->a, "%sid", pre);
	it->ext_id = dup0(r, json_string_value(id));
	if (!opt_str(r, o, "url", SR_URL_MAX + 1, &it->url))
		return arena_printf(r->a, "%surl", pre);
	if (!opt_str(r, o, "title", SR_TITLE_MAX, &it->title))
		return arena_printf(r->a, "%stitle", pre);
	if (!opt_str(r, o, "text", SR_BODY_MAX, &it->body))
		return arena_printf(r->a, "%stext", pre);
	if (!opt_str(r, o, "outlet", SR_OUTLET_MAX, &it->outlet))
		return arena_printf(r->a, "%soutlet", pre);
	json_t *pub = json_object_get(o, "published");
	if (json_is_integer(pub) && json_integer_value(pub) >= 0)
		it->published = json_integer_value(pub);
	else if (json_is_string(pub) && feed_parse_date(json_string_value(pub), zone_of(r),
	    &it->published) == XA_OK)
		;
	else if (pub != NULL && !json_is_null(pub))
		return arena_printf(r->a, "%spublished", pre);
	if (it->url != NULL && it->url[0] != '\0' && !web_url(it->url))
		return arena_printf(r->a, "%surl", pre);
	return NULL;
}

/* POST /api/v1/sentiment/items: an outside service pushes items with its
 * token. */
static void
push(req *r)
{
	const char *tok = push_token(r);
	int64_t token_id = 0;
	if (tok == NULL || sr_token_check(r->rdb, tok, &token_id) != XA_OK) {
		req_error(r, 401, "unauthorized", NULL);
		return;
	}
	form_limits lim;
	form_limits_default(&lim);
	json_t *doc = NULL;
	xa_err e = form_parse_json(r->body, r->body_len, &lim, &doc);
	if (e != XA_OK || !json_is_object(doc)) {
		json_decref(doc);
		req_error(r, 400, "bad_json", NULL);
		return;
	}
	json_t *arr = json_object_get(doc, "items");
	int many = arr != NULL;
	size_t n = many ? json_array_size(arr) : 1;
	if (many && (!json_is_array(arr) || n == 0)) {
		json_decref(doc);
		req_error(r, 400, "invalid_field", "items");
		return;
	}
	if (n > PUSH_MAX) {
		json_decref(doc);
		req_error(r, 413, "sentiment_too_many", "items");
		return;
	}
	struct intake *k = arena_calloc(r->a, 1, sizeof *k);
	if (k == NULL || (k->items = arena_calloc(r->a, n, sizeof *k->items)) == NULL) {
		json_decref(doc);
		req_error(r, 500, "internal", NULL);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *bad = push_item(r, many ? json_array_get(arr, i) : doc, i, many,
		    &k->items[i]);
		if (bad != NULL) {
			json_decref(doc);
			req_error(r, 400, "invalid_field", bad);
			return;
		}
		k->items[i].token_id = token_id;
	}
	json_decref(doc);
	k->n = n;
	k->token_id = token_id;
	intake_start(r, k);
}

/* --- By hand. */

static const field manual_fields[] = {
	{ "title", FT_STRING, 0, 0, 300, NULL },
	{ "text", FT_TEXT, 0, 0, 5000, NULL },
	{ "url", FT_STRING, 0, 0, SR_URL_MAX, NULL },
	{ "outlet", FT_STRING, 0, 0, 60, NULL },
	{ "published", FT_DATE, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The form's page; error (translated) and sent after a refusal. */
static json_t *
new_model(req *r, const char *error, json_t *sent)
{
	static const char *const keys[] = { "title", "text", "url", "outlet", "published" };
	json_t *m = json_pack("{s:{s:s}, s:I}", "page", "title_key", "sentiment.new_title",
	    "upload_mb", (json_int_t)(server_config(r->srv)->upload_max >> 20));
	json_t *f = json_object();
	if (m == NULL || f == NULL) {
		json_decref(m);
		json_decref(f);
		return NULL;
	}
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		json_object_set_new(f, keys[i], jstr(sent ? input_str(sent, keys[i]) : NULL));
	json_object_set_new(m, "form", f);
	if (error != NULL)
		json_object_set_new(m, "error", jstr(error));
	char today[11];
	day_format(day_of(now_s(), zone_of(r)), today);
	json_object_set_new(m, "today", jstr(today));
	return m;
}

/* GET /sentiment/new. */
static void
new_page(req *r)
{
	if (!office_only(r))
		return;
	json_t *m = new_model(r, NULL, NULL);
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_page(r, 200, m);
}

static void
manual_refuse(req *r, int status, const char *code, const char *fname)
{
	if (is_api(r)) {
		req_error(r, status, code, fname);
		return;
	}
	char key[96];
	snprintf(key, sizeof key, "error.%s", code);
	json_t *m = new_model(r, i18n(r->lang, key), r->in);
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_render(r, status, "sentiment_new", m);
}

/* The type of a screenshot by its bytes: PNG, JPEG or PDF; NULL else. */
static const char *
shot_mime(const unsigned char *d, size_t n)
{
	if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
		return "image/jpeg";
	if (n >= 5 && memcmp(d, "%PDF-", 5) == 0)
		return "application/pdf";
	return NULL;
}

/* POST /sentiment/new (multipart, with a screenshot "shot") and POST
 * /api/v1/sentiment/manual (JSON): an item the office enters by hand. */
static void
manual_post(req *r)
{
	if (!office_only(r))
		return;
	const char *title = filled(r, "title"), *url = filled(r, "url");
	if (title == NULL) {
		manual_refuse(r, 400, "sentiment_title_required", "title");
		return;
	}
	if (url != NULL && !web_url(url)) {
		manual_refuse(r, 400, "sentiment_bad_url", "url");
		return;
	}
	struct intake *k = arena_calloc(r->a, 1, sizeof *k);
	if (k == NULL || (k->items = arena_calloc(r->a, 1, sizeof *k->items)) == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	for (size_t i = 0; r->files != NULL && i < r->files->nfiles; i++) {
		const upload *f = &r->files->files[i];
		if (strcmp(f->field, "shot") != 0 || f->len == 0)
			continue;
		if (f->len > (size_t)server_config(r->srv)->upload_max) {
			manual_refuse(r, 413, "sentiment_shot_too_large", "shot");
			return;
		}
		if ((k->shot_mime = shot_mime(f->data, f->len)) == NULL) {
			manual_refuse(r, 400, "sentiment_bad_shot", "shot");
			return;
		}
		k->shot = f->data;
		k->shot_len = f->len;
		const char *dflt = k->shot_mime[0] == 'a' ? "shot.pdf" :
		    k->shot_mime[6] == 'p' ? "shot.png" : "shot.jpg";
		k->shot_name = cut(r, f->filename && f->filename[0] ? f->filename : dflt, 200);
		break;
	}
	sr_item *it = &k->items[0];
	it->source = SR_MANUAL;
	it->entered_by = r->user->account_id;
	it->title = cut(r, title, SR_TITLE_MAX);
	it->body = cut(r, input_str(r->in, "text"), SR_BODY_MAX);
	it->url = url ? cut(r, url, SR_URL_MAX) : "";
	it->outlet = cut(r, input_str(r->in, "outlet"), SR_OUTLET_MAX);
	const char *pub = input_str(r->in, "published");
	xa_day d;
	if (pub != NULL && day_parse(pub, &d) == XA_OK)
		it->published = day_start(d, zone_of(r));
	if (it->published > now_s()) {
		manual_refuse(r, 400, "sentiment_bad_time", "published");
		return;
	}
	k->n = 1;
	k->manual = 1;
	intake_start(r, k);
}

/* ------------------------------------------------------------------ */
/* Screenshots. */

/* GET /sentiment/files/{id}: a screenshot, for the office only; an image
 * inline, anything else as a download. */
static void
file_get(req *r)
{
	int64_t id = 0;
	db_stmt *st = NULL;
	if (!office_only(r))
		return;
	if (req_param_int(r, "id", &id) != XA_OK || db_prepare(r->rdb, "SELECT name, mime, data"
	    " FROM sentiment_files WHERE id = ?", &st) != XA_OK) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	db_bind_int(st, 1, id);
	if (db_step(st) != 1) {
		db_done(st);
		req_error(r, 404, "not_found", NULL);
		return;
	}
	const char *name = dup0(r, db_col_text(st, 0)), *mime = dup0(r, db_col_text(st, 1));
	size_t len = db_col_len(st, 2);
	void *data = arena_alloc(r->a, len ? len : 1);
	if (data == NULL) {
		db_done(st);
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (len > 0)
		memcpy(data, db_col_blob(st, 2), len);
	db_done(st);
	req_header(r, "Cache-Control", "private, no-store");
	int image = strcmp(mime, "image/png") == 0 || strcmp(mime, "image/jpeg") == 0;
	if (!image) {
		req_file(r, strcmp(mime, "application/pdf") == 0 ? mime :
		    "application/octet-stream", name, data, len);
		return;
	}
	char cd[1024];
	if (!utf8_valid(name, strlen(name)) ||
	    http_content_disposition(name, cd, sizeof cd) != XA_OK ||
	    strncmp(cd, "attachment", 10) != 0) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_header(r, "Content-Disposition", arena_printf(r->a, "inline%s", cd + 10));
	req_text(r, 200, mime, data, len);
}

/* ------------------------------------------------------------------ */

#define API (R_API | R_AUTH)
#define PAGE R_AUTH
#define I "/sentiment/items/{id:int}"

const route sentiment_routes[] = {
	/* The register. */
	{ M_GET, "/sentiment", reg_list, PAGE, list_query, NULL, "sentiment_register",
	  "sentiment" },
	{ M_GET, "/api/v1/sentiment/items", reg_list, API, list_query, NULL, NULL,
	  "api_sentiment_items" },
	/* An outside service's push: its token, no session. */
	{ M_POST, "/api/v1/sentiment/items", push, R_API | R_RAW_BODY, NULL, NULL, NULL,
	  "api_sentiment_push" },
	/* By hand. */
	{ M_GET, "/sentiment/new", new_page, PAGE, NULL, NULL, "sentiment_new",
	  "sentiment_new" },
	{ M_POST, "/sentiment/new", manual_post, PAGE, NULL, manual_fields, "sentiment_new",
	  "sentiment_new_form" },
	{ M_POST, "/api/v1/sentiment/manual", manual_post, API, NULL, manual_fields, NULL,
	  "api_sentiment_manual" },
	/* A story and its handling. */
	{ M_GET, I, story_get, PAGE, story_query, NULL, "sentiment_story", "sentiment_story" },
	{ M_GET, "/api/v1" I, story_get, API, NULL, NULL, NULL, "api_sentiment_story" },
	{ M_POST, I "/verify", verify_post, PAGE, NULL, none_fields, "sentiment_story",
	  "sentiment_verify" },
	{ M_POST, "/api/v1" I "/verify", verify_post, API, NULL, none_fields, NULL,
	  "api_sentiment_verify" },
	{ M_POST, I "/dismiss", dismiss_post, PAGE, NULL, reason_fields, "sentiment_story",
	  "sentiment_dismiss" },
	{ M_POST, "/api/v1" I "/dismiss", dismiss_post, API, NULL, reason_fields, NULL,
	  "api_sentiment_dismiss" },
	{ M_POST, I "/reopen", reopen_post, PAGE, NULL, reason_fields, "sentiment_story",
	  "sentiment_reopen" },
	{ M_POST, "/api/v1" I "/reopen", reopen_post, API, NULL, reason_fields, NULL,
	  "api_sentiment_reopen" },
	{ M_POST, I "/link", link_post, PAGE, NULL, link_fields, "sentiment_story",
	  "sentiment_link" },
	{ M_POST, "/api/v1" I "/link", link_post, API, NULL, link_fields, NULL,
	  "api_sentiment_link" },
	{ M_POST, I "/report", report_post, PAGE, NULL, report_fields, "sentiment_story",
	  "sentiment_report" },
	{ M_POST, "/api/v1" I "/report", report_post, API, NULL, report_fields, NULL,
	  "api_sentiment_report" },
	{ M_POST, I "/respond", respond_post, PAGE, NULL, respond_fields, "sentiment_story",
	  "sentiment_respond" },
	{ M_POST, "/api/v1" I "/respond", respond_post, API, NULL, respond_fields, NULL,
	  "api_sentiment_respond" },
	/* Screenshots. */
	{ M_GET, "/sentiment/files/{id:int}", file_get, PAGE, NULL, NULL, NULL,
	  "sentiment_file" },
};
const size_t sentiment_routes_count = sizeof sentiment_routes / sizeof sentiment_routes[0];
