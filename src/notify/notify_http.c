/* notify_http.c: notices over HTTP (notify.h) — the account's inbox and
 * its one-tap acknowledgement, the acknowledgement links that e-mails and
 * SMS carry, the bureau's rules of what notifies whom, and the ladder of
 * every notice about a case (who was told at which rung, and who
 * acknowledged when), as JSON and on the case page.
 *
 * An acknowledgement and a change of the rules are writer jobs with their
 * audit records; reading the inbox marks what it showed as read through
 * a detached write (bookkeeping, like a session's last-seen time).
 *
 * Never: change anything on a GET of an acknowledgement link (mail
 * clients and scanners open links before people do); show through a link
 * more than a notice's title; answer another account's inbox item, an
 * unknown token or a case out of reach other than exactly like a missing
 * object (404); store a rule that names someone unknown, has an empty
 * rung or no rung at all. */
#include "notify_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../auth/audit.h"
#include "../auth/keys.h"
#include "../auth/session.h"
#include "../cases/cases_http.h"
#include "../core/calendar.h"
#include "../core/crypto.h"
#include "../core/i18n.h"
#include "../http/input.h"
#include "../http/server.h"
#include "notify.h"

#define INBOX_MAX 100		/* items one page of the inbox shows */
#define LADDER_MAX 50		/* notices shown on a case */
#define TOLD_MAX 400		/* inbox rows read per notice of a ladder */
#define RUNGS_MAX 8		/* as notify.c climbs */
#define WHOS_MAX 16		/* room for notify_whos */
#define SECRET_LEN 32		/* hex of a link's 16 random bytes */
#define TOKEN_MAX 56		/* "ID.SECRET": up to 18 digits, '.', the secret */

/* ------------------------------------------------------------------ */
/* Small helpers. */

static int
is_api(const req *r)
{
	return r->route != NULL && (r->route->flags & R_API) != 0;
}

static int64_t
now_s(void)
{
	return (int64_t)time(NULL);
}

static json_t *
jstr(const char *s)
{
	return json_string(s ? s : "");
}

/* "YYYY-MM-DD HH:MM" of a UTC instant in zone, or "" for 0. Into a. */
static const char *
when_text(arena *a, int64_t t, long zone)
{
	char out[17];
	if (t <= 0)
		return "";
	time_format(t, zone, ' ', out);
	const char *s = arena_strdup(a, out);
	return s ? s : "";
}

/* "第3级": rung n (1-based) in lang. Into a. */
static const char *
rung_label(arena *a, const char *lang, int64_t n)
{
	char num[24];
	snprintf(num, sizeof num, "%lld", (long long)n);
	return i18n_fill(a, lang, "notice.rung", "N", num, NULL);
}

static long
zone_of(req *r)
{
	return config_zone(server_config(r->srv));
}

/* The title and text of a notice in lang (no link in the text). */
static void
words(arena *a, const char *lang, const char *kind, const char *pjson, const char *link,
    const char **title, const char **text)
{
	*title = "";
	*text = "";
	if (notify_words(a, lang, kind, pjson, link, NULL, title, text) != XA_OK) {
		*title = "";
		*text = "";
	}
	if (*title == NULL)
		*title = "";
	if (*text == NULL)
		*text = "";
}

/* A link's token, "ID.SECRET" (the inbox item's id, then 32 lowercase
 * hex digits, as notify.c makes it): its id and the SM3 hex of its
 * secret, as the item stores it. 0 when malformed. */
static int
token_parse(const char *t, int64_t *id, char hex[2 * SM3_LEN + 1])
{
	const char *dot = t != NULL ? strchr(t, '.') : NULL;
	size_t digits = dot != NULL ? (size_t)(dot - t) : 0;
	if (dot == NULL || digits == 0 || digits > 18 || t[0] == '0' ||
	    strspn(t, "0123456789") != digits || strlen(dot + 1) != SECRET_LEN ||
	    strspn(dot + 1, "0123456789abcdef") != SECRET_LEN)
		return 0;
	*id = 0;
	for (size_t i = 0; i < digits; i++)
		*id = *id * 10 + (t[i] - '0');
	uint8_t h[SM3_LEN];
	if (crypto_sm3(dot + 1, SECRET_LEN, h) != XA_OK)
		return 0;
	crypto_hex(h, sizeof h, hex);
	return 1;
}

/* 1 when the stored hash of a row matches hex (in constant time). */
static int
token_matches(const char *stored, size_t len, const char *hex)
{
	return len == 2 * SM3_LEN && crypto_equal(stored, hex, 2 * SM3_LEN);
}

/* Runs one statement with no result; XA_OK or the step's error. */
static xa_err
step_done(db_stmt *st)
{
	int rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* A local path that may follow /signin?next= as it is: only path
 * characters that need no escaping; else /inbox. */
static const char *
safe_link(const char *link)
{
	if (link == NULL || link[0] != '/' || link[1] == '/' || strlen(link) > 200)
		return "/inbox";
	for (const char *p = link; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '/' || *p == '-' || *p == '_'))
			return "/inbox";
	return link;
}

/* ------------------------------------------------------------------ */
/* The inbox. */

#define ITEM_COLS \
	"SELECT i.id, i.notice_id, n.kind, n.params, n.link, n.urgent, i.created_at," \
	" i.read_at, i.acked_at, i.rung, n.acked_at, n.acked_by," \
	" COALESCE(a.display_name, ''), n.events FROM inbox i JOIN notices n" \
	" ON n.id = i.notice_id LEFT JOIN accounts a ON a.id = n.acked_by"

/* One inbox item as the API and the page show it (columns: ITEM_COLS). */
static json_t *
item_json(req *r, db_stmt *st, long zone)
{
	int64_t id = db_col_int(st, 0);
	const char *kind = db_col_text(st, 2);
	const char *title, *text;
	words(r->a, r->lang, kind, db_col_text(st, 3), db_col_text(st, 4), &title, &text);
	int64_t acked_at = db_col_int(st, 8), n_acked = db_col_int(st, 10);
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "id", json_integer(id));
	json_object_set_new(o, "notice_id", json_integer(db_col_int(st, 1)));
	json_object_set_new(o, "kind", jstr(kind));
	json_object_set_new(o, "kind_label", jstr(i18n_name(r->lang, "notice.kind", kind)));
	/* Reports that arrived while it was open joined it: say how many,
	 * and point at the queue rather than the first report. */
	int64_t events = db_col_int(st, 13);
	const char *link = db_col_text(st, 4);
	if (events > 1) {
		char more[24];
		snprintf(more, sizeof more, "%lld", (long long)(events - 1));
		text = arena_printf(r->a, "%s%s", text, i18n_fill(r->a, r->lang,
		    "notice.more_reports", "N", more, NULL));
		link = "/reports";
	}
	json_object_set_new(o, "title", jstr(title));
	json_object_set_new(o, "text", jstr(text));
	json_object_set_new(o, "events", json_integer(events));
	json_object_set_new(o, "link", jstr(link));
	json_object_set_new(o, "urgent", json_boolean(db_col_int(st, 5) != 0));
	json_object_set_new(o, "created_at", jstr(when_text(r->a, db_col_int(st, 6), zone)));
	json_object_set_new(o, "unread", json_boolean(db_col_int(st, 7) == 0));
	json_object_set_new(o, "acked", json_boolean(acked_at != 0));
	json_object_set_new(o, "acked_at", jstr(when_text(r->a, acked_at, zone)));
	json_object_set_new(o, "rung", json_integer(db_col_int(st, 9) + 1));
	json_object_set_new(o, "rung_label", jstr(rung_label(r->a, r->lang,
	    db_col_int(st, 9) + 1)));
	if (n_acked != 0) {
		json_object_set_new(o, "notice_acked", json_pack("{s:s, s:s, s:b}",
		    "by", db_col_text(st, 12), "at", when_text(r->a, n_acked, zone),
		    "by_me", db_col_int(st, 11) == r->user->account_id));
	} else {
		json_object_set_new(o, "notice_acked", json_null());
	}
	if (acked_at == 0)
		json_object_set_new(o, "ack_action", jstr(arena_printf(r->a, "/inbox/%lld/ack",
		    (long long)id)));
	return o;
}

int64_t
notify_unacked(db *rdb, int64_t account_id)
{
	db_stmt *st = NULL;
	int64_t n = 0;
	if (rdb == NULL || db_prepare(rdb, "SELECT count(*) FROM inbox i JOIN notices n"
	    " ON n.id = i.notice_id WHERE i.account_id = ? AND i.acked_at = 0"
	    " AND n.acked_at = 0", &st) != XA_OK)
		return 0;
	db_bind_int(st, 1, account_id);
	if (db_step(st) == 1)
		n = db_col_int(st, 0);
	db_done(st);
	return n;
}

/* What the inbox showed unread, to mark read after the answer. */
struct mark {
	int64_t account, now;
	size_t n;
	int64_t ids[INBOX_MAX];
};

static xa_err
mark_run(db *conn, void *p)
{
	struct mark *m = p;
	for (size_t i = 0; i < m->n; i++) {
		db_stmt *st = NULL;
		xa_err e = db_prepare(conn, "UPDATE inbox SET read_at = ? WHERE id = ?"
		    " AND account_id = ? AND read_at = 0", &st);
		if (e != XA_OK)
			return e;
		db_bind_int(st, 1, m->now);
		db_bind_int(st, 2, m->ids[i]);
		db_bind_int(st, 3, m->account);
		if ((e = step_done(st)) != XA_OK)
			return e;
	}
	return XA_OK;
}

static void
mark_free(void *p)
{
	free(p);
}

static const field inbox_query[] = {
	{ "all", FT_BOOL, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* GET /inbox and /api/v1/inbox: the account's items, newest first; those
 * waiting for an acknowledgement, or with ?all=1 every one. What it shows
 * unread is marked read afterwards (a detached write: the answer does not
 * wait for it, and a failure only costs the "new" mark staying). */
static void
inbox_show(req *r)
{
	bool all = json_is_true(json_object_get(r->q, "all"));
	long zone = zone_of(r);
	int64_t me = r->user->account_id;
	json_t *items = json_array();
	struct mark *mk = calloc(1, sizeof *mk);
	db_stmt *st = NULL;
	if (items == NULL || db_prepare(r->rdb, ITEM_COLS " WHERE i.account_id = ?"
	    " AND (? = 1 OR (i.acked_at = 0 AND n.acked_at = 0))"
	    " ORDER BY i.id DESC LIMIT ?", &st) != XA_OK) {
		json_decref(items);
		free(mk);
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	db_bind_int(st, 1, me);
	db_bind_int(st, 2, all ? 1 : 0);
	db_bind_int(st, 3, INBOX_MAX);
	while (db_step(st) == 1) {
		json_t *o = item_json(r, st, zone);
		if (o == NULL)
			continue;
		if (mk != NULL && db_col_int(st, 7) == 0 && mk->n < INBOX_MAX)
			mk->ids[mk->n++] = db_col_int(st, 0);
		json_array_append_new(items, o);
	}
	db_done(st);
	int64_t unacked = notify_unacked(r->rdb, me);
	json_t *m = json_pack("{s:{s:s}, s:I, s:s, s:b, s:I}", "page", "title_key",
	    "inbox.title", "unacked", (json_int_t)unacked,
	    "unacked_text", i18n_fill(r->a, r->lang, "inbox.waiting", "N",
	    arena_printf(r->a, "%lld", (long long)unacked), NULL), "all", all,
	    "n", (json_int_t)json_array_size(items));
	if (m == NULL) {
		json_decref(items);
		free(mk);
		req_error(r, 500, "internal", NULL);
		return;
	}
	json_object_set_new(m, "items", items);
	if (mk != NULL && mk->n > 0) {
		mk->account = me;
		mk->now = now_s();
		server_write_detached(r->srv, mark_run, mk, mark_free);
	} else {
		free(mk);
	}
	req_answer(r, 200, m);
}

struct ack_job {
	req *r;
	int64_t id, account, now;
	int64_t notice_id;
	char token[TOKEN_MAX + 1];
	char link[160];
};

/* The acknowledgement of item j->id by its account, and its record. An
 * item acknowledged before is left as it is (and not recorded again). */
static xa_err
ack_run(db *conn, void *p)
{
	struct ack_job *j = p;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT acked_at, notice_id FROM inbox WHERE id = ?"
	    " AND account_id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, j->id);
	db_bind_int(st, 2, j->account);
	int rc = db_step(st);
	int64_t acked = rc == 1 ? db_col_int(st, 0) : 0;
	j->notice_id = rc == 1 ? db_col_int(st, 1) : 0;
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (rc != 1)
		return XA_ENOTFOUND;
	if (acked != 0)
		return XA_OK;
	if ((e = notify_ack(conn, j->id, j->account, j->now)) != XA_OK)
		return e;
	return audit_req(conn, j->r, "notice.ack", "notice", j->notice_id, "acked_at", j->now);
}

static void
ack_done(req *r, void *ctx, xa_err result)
{
	struct ack_job *j = ctx;
	if (result != XA_OK) {
		req_error(r, result == XA_ENOTFOUND ? 404 : 503, result == XA_ENOTFOUND ?
		    "not_found" : "unavailable", NULL);
		return;
	}
	if (!is_api(r)) {
		req_redirect(r, "/inbox");
		return;
	}
	json_t *o = NULL;
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, ITEM_COLS " WHERE i.id = ? AND i.account_id = ?", &st) == XA_OK) {
		db_bind_int(st, 1, j->id);
		db_bind_int(st, 2, j->account);
		if (db_step(st) == 1)
			o = item_json(r, st, zone_of(r));
		db_done(st);
	}
	if (o == NULL)
		o = json_pack("{s:I, s:b}", "id", (json_int_t)j->id, "acked", 1);
	req_json(r, 200, json_pack("{s:o, s:I}", "item", o, "unacked",
	    (json_int_t)notify_unacked(r->rdb, j->account)));
}

/* POST /api/v1/inbox/{id}/ack and /inbox/{id}/ack: one tap. Another
 * account's item is answered like a missing one. */
static void
inbox_ack(req *r)
{
	int64_t id = 0;
	if (req_param_int(r, "id", &id) != XA_OK) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT count(*) FROM inbox WHERE id = ? AND account_id = ?",
	    &st) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, r->user->account_id);
	int64_t n = db_step(st) == 1 ? db_col_int(st, 0) : 0;
	db_done(st);
	if (n == 0) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	struct ack_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	j->r = r;
	j->id = id;
	j->account = r->user->account_id;
	j->now = now_s();
	req_write(r, ack_run, j, ack_done);
}

/* ------------------------------------------------------------------ */
/* Acknowledgement links (/ack/{token}): no sign-in. */

/* GET /ack/{token}: the notice's title and one button. Changes nothing. */
static void
link_show(req *r)
{
	const char *token = req_param(r, "token");
	char hex[2 * SM3_LEN + 1];
	int64_t id = 0;
	db_stmt *st = NULL;
	if (!token_parse(token, &id, hex)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (db_prepare(r->rdb, "SELECT i.acked_at, n.kind, n.params, n.link, n.created_at,"
	    " n.acked_at, n.urgent, i.token_hash FROM inbox i JOIN notices n"
	    " ON n.id = i.notice_id WHERE i.id = ?", &st) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	db_bind_int(st, 1, id);
	if (db_step(st) != 1 || !token_matches(db_col_text(st, 7), db_col_len(st, 7), hex)) {
		db_done(st);
		req_error(r, 404, "not_found", NULL);
		return;
	}
	const char *title, *text;
	const char *kind = db_col_text(st, 1);
	words(r->a, r->lang, kind, db_col_text(st, 2), db_col_text(st, 3), &title, &text);
	long zone = zone_of(r);
	json_t *m = json_pack("{s:{s:s}, s:{s:s, s:s, s:s, s:b}, s:b, s:b, s:s, s:s}",
	    "page", "title_key", "ack.title",
	    "notice", "title", title, "kind_label", i18n_name(r->lang, "notice.kind", kind),
	    "created_at", when_text(r->a, db_col_int(st, 4), zone),
	    "urgent", db_col_int(st, 6) != 0,
	    "acked", db_col_int(st, 0) != 0,
	    "notice_acked", db_col_int(st, 5) != 0,
	    "action", arena_printf(r->a, "/ack/%s", token),
	    "signin_href", arena_printf(r->a, "/signin?next=%s", safe_link(db_col_text(st, 3))));
	db_done(st);
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_page(r, 200, m);
}

/* The acknowledgement by link: the item's own account acknowledges. */
static xa_err
link_run(db *conn, void *p)
{
	struct ack_job *j = p;
	char hex[2 * SM3_LEN + 1];
	if (!token_parse(j->token, &j->id, hex))
		return XA_ENOTFOUND;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT i.id, i.account_id, i.notice_id, i.acked_at, n.link,"
	    " i.token_hash FROM inbox i JOIN notices n ON n.id = i.notice_id WHERE i.id = ?",
	    &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, j->id);
	int rc = db_step(st);
	int64_t acked = 0;
	if (rc == 1 && !token_matches(db_col_text(st, 5), db_col_len(st, 5), hex))
		rc = 0;
	if (rc == 1) {
		j->id = db_col_int(st, 0);
		j->account = db_col_int(st, 1);
		j->notice_id = db_col_int(st, 2);
		acked = db_col_int(st, 3);
		snprintf(j->link, sizeof j->link, "%s", db_col_text(st, 4));
	}
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (rc != 1)
		return XA_ENOTFOUND;
	if (acked != 0)
		return XA_OK;
	int64_t id = 0;
	if ((e = notify_ack_token(conn, j->token, j->now, &id)) != XA_OK)
		return e;
	/* Nobody is signed in: the record names the account the link was
	 * sent to, from where it was used. */
	audit_entry a;
	audit_from_req(j->r, &a);
	a.account_id = j->account;
	a.action = "notice.ack";
	a.object_type = "notice";
	a.object_id = j->notice_id;
	a.fields = "acked_at,link";
	return audit_append(conn, keys_get()->audit, &a, j->now);
}

static void
link_done(req *r, void *ctx, xa_err result)
{
	struct ack_job *j = ctx;
	if (result != XA_OK) {
		req_error(r, result == XA_ENOTFOUND ? 404 : 503, result == XA_ENOTFOUND ?
		    "not_found" : "unavailable", NULL);
		return;
	}
	json_t *m = json_pack("{s:{s:s}, s:b, s:s}", "page", "title_key", "ack.done_title",
	    "done", 1, "signin_href", arena_printf(r->a, "/signin?next=%s", safe_link(j->link)));
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_page(r, 200, m);
}

/* POST /ack/{token}: acknowledges; then thanks, with the way in. */
static void
link_ack(req *r)
{
	const char *token = req_param(r, "token");
	char hex[2 * SM3_LEN + 1];
	int64_t id = 0;
	if (!token_parse(token, &id, hex)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	struct ack_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	j->r = r;
	j->now = now_s();
	snprintf(j->token, sizeof j->token, "%s", token);
	req_write(r, link_run, j, link_done);
}

/* ------------------------------------------------------------------ */
/* The rules: what notifies whom. */

bool
notify_rules_allowed(const principal *p)
{
	/* The rules are the bureau's: the object is the bureau itself. */
	char bureau[96];
	if (p == NULL)
		return false;
	size_t n = strcspn(p->unit_path + 1, "/");
	snprintf(bureau, sizeof bureau, "%.*s", (int)n + 2, p->unit_path);
	return policy_allow(p, A_NOTIFY_RULES, bureau);
}

static int
index_of(const char *const *list, const char *s, size_t n)
{
	for (int i = 0; list[i] != NULL; i++)
		if (strlen(list[i]) == n && memcmp(list[i], s, n) == 0)
			return i;
	return -1;
}

/* A ladder as indexes into notify_whos. */
struct ladder {
	int n;				/* rungs */
	int count[RUNGS_MAX];
	int who[RUNGS_MAX][WHOS_MAX];
	int seen[WHOS_MAX];		/* rung + 1 where each who stands, 0: none */
};

static const char *
num(arena *a, long n)
{
	const char *s = arena_printf(a, "%ld", n);
	return s ? s : "";
}

/* Adds the comma list s[0..len) to rung k of L. NULL, or what is wrong
 * (a sentence in the reader's language). */
static const char *
rung_add(req *r, struct ladder *L, int k, const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t b = i;
		while (i < len && s[i] != ',')
			i++;
		size_t e = i;
		while (b < e && (s[b] == ' ' || s[b] == '\t'))
			b++;
		while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t'))
			e--;
		i++;
		if (e == b)
			continue;
		int w = index_of(notify_whos, s + b, e - b);
		if (w < 0 || w >= WHOS_MAX)
			return i18n_fill(r->a, r->lang, "rules.error.unknown_who", "N",
			    num(r->a, k + 1), NULL);
		if (L->seen[w] == k + 1)
			continue;
		if (L->seen[w] != 0)
			return i18n_fill(r->a, r->lang, "rules.error.repeated", "WHO",
			    i18n_name(r->lang, "notice.who", notify_whos[w]), "A",
			    num(r->a, L->seen[w]), "B", num(r->a, k + 1), NULL);
		L->seen[w] = k + 1;
		L->who[k][L->count[k]++] = w;
	}
	return NULL;
}

/* The ladder of the request: the text form "a,b>c>d" in rungs, else the
 * page's rows rung1..rung8 (checkboxes; rows after the last filled one are
 * unused). NULL, or what is wrong. */
static const char *
ladder_from_input(req *r, struct ladder *L)
{
	memset(L, 0, sizeof *L);
	const char *text = input_str(r->in, "rungs");
	const char *msg;
	if (text != NULL) {
		const char *p = text;
		for (;;) {
			const char *gt = strchr(p, '>');
			size_t len = gt != NULL ? (size_t)(gt - p) : strlen(p);
			if (L->n == RUNGS_MAX)
				return i18n_fill(r->a, r->lang, "rules.error.too_many", "MAX",
				    num(r->a, RUNGS_MAX), NULL);
			if ((msg = rung_add(r, L, L->n, p, len)) != NULL)
				return msg;
			if (L->count[L->n] == 0)
				return i18n_fill(r->a, r->lang, "rules.error.empty_rung", "N",
				    num(r->a, L->n + 1), NULL);
			L->n++;
			if (gt == NULL)
				break;
			p = gt + 1;
		}
		return NULL;
	}
	int last = 0;
	for (int k = 1; k <= RUNGS_MAX; k++) {
		char name[16];
		snprintf(name, sizeof name, "rung%d", k);
		if (json_array_size(json_object_get(r->in, name)) > 0)
			last = k;
	}
	if (last == 0)
		return i18n(r->lang, "rules.error.no_rungs");
	for (int k = 0; k < last; k++) {
		char name[16];
		snprintf(name, sizeof name, "rung%d", k + 1);
		json_t *arr = json_object_get(r->in, name);
		for (size_t i = 0; i < json_array_size(arr); i++) {
			const char *s = json_string_value(json_array_get(arr, i));
			if (s != NULL && (msg = rung_add(r, L, k, s, strlen(s))) != NULL)
				return msg;
		}
		if (L->count[k] == 0)
			return i18n_fill(r->a, r->lang, "rules.error.empty_rung", "N",
			    num(r->a, k + 1), NULL);
	}
	L->n = last;
	return NULL;
}

/* "chair,first_receiver>principal": the stored form. */
static void
ladder_text(const struct ladder *L, char *out, size_t len)
{
	size_t n = 0;
	out[0] = '\0';
	for (int k = 0; k < L->n; k++)
		for (int i = 0; i < L->count[k]; i++) {
			int w = snprintf(out + n, len - n, "%s%s", i == 0 ? (k == 0 ? "" : ">") :
			    ",", notify_whos[L->who[k][i]]);
			if (w < 0 || (size_t)w >= len - n)
				return;
			n += (size_t)w;
		}
}

/* The channels of the request ("email", "sms", or both, in that order)
 * into out. NULL, or what is wrong. */
static const char *
channels_from_input(req *r, char out[16])
{
	bool mail = false, sms = false;
	json_t *arr = json_object_get(r->in, "channels");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const char *s = json_string_value(json_array_get(arr, i));
		size_t k = 0, len = s ? strlen(s) : 0;
		while (k < len) {
			size_t b = k;
			while (k < len && s[k] != ',')
				k++;
			size_t e = k;
			while (b < e && s[b] == ' ')
				b++;
			while (e > b && s[e - 1] == ' ')
				e--;
			k++;
			if (e == b)
				continue;
			if (e - b == 5 && memcmp(s + b, "email", 5) == 0)
				mail = true;
			else if (e - b == 3 && memcmp(s + b, "sms", 3) == 0)
				sms = true;
			else
				return i18n(r->lang, "rules.error.channels");
		}
	}
	snprintf(out, 16, "%s%s%s", mail ? "email" : "", mail && sms ? "," : "", sms ? "sms" : "");
	return NULL;
}

/* 1 when the comma list csv holds name. */
static int
csv_has(const char *csv, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = csv; (p = strstr(p, name)) != NULL; p += n)
		if ((p == csv || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

/* The stored ladder text as arrays of {who, label}, and its sentence
 * ("校长 → 局办公室工作人员") in *sentence. Unknown names are kept (with
 * the name as label) so that the page shows what the row holds. */
static json_t *
ladder_json(req *r, const char *text, const char **sentence, struct ladder *L)
{
	json_t *rungs = json_array();
	buf s;
	buf_init(&s, 4096);
	if (L != NULL)
		memset(L, 0, sizeof *L);
	const char *p = text;
	int k = 0;
	while (rungs != NULL && *p != '\0') {
		const char *gt = strchr(p, '>');
		size_t len = gt != NULL ? (size_t)(gt - p) : strlen(p);
		json_t *rung = json_array();
		if (k > 0)
			buf_puts(&s, i18n(r->lang, "rules.then.separator"));
		size_t i = 0;
		int nwho = 0;
		while (rung != NULL && i < len) {
			size_t b = i;
			while (i < len && p[i] != ',')
				i++;
			const char *name = arena_strndup(r->a, p + b, i - b);
			i++;
			if (name == NULL || name[0] == '\0')
				continue;
			const char *label = i18n_name(r->lang, "notice.who", name);
			json_array_append_new(rung, json_pack("{s:s, s:s}", "who", name,
			    "label", label));
			if (nwho++ > 0)
				buf_puts(&s, i18n(r->lang, "rules.and.separator"));
			buf_puts(&s, label);
			int w = index_of(notify_whos, name, strlen(name));
			if (L != NULL && k < RUNGS_MAX && w >= 0 && w < WHOS_MAX &&
			    L->count[k] < WHOS_MAX) {
				L->who[k][L->count[k]++] = w;
				L->seen[w] = k + 1;
			}
		}
		json_array_append_new(rungs, rung);
		k++;
		if (gt == NULL)
			break;
		p = gt + 1;
	}
	if (L != NULL)
		L->n = k < RUNGS_MAX ? k : RUNGS_MAX;
	const char *sent = s.data ? arena_strdup(r->a, s.data) : "";
	*sentence = sent ? sent : "";
	buf_free(&s);
	return rungs ? rungs : json_array();
}

/* The kind's name in the page's ids: "report-new". */
static const char *
kind_slug(arena *a, const char *kind)
{
	char *s = arena_strdup(a, kind);
	if (s == NULL)
		return "";
	for (char *p = s; *p; p++)
		if (*p == '.')
			*p = '-';
	return s;
}

/* The form of one rule for the page: a row of checkboxes per rung (one
 * more than it has, up to RUNGS_MAX) and the channels. */
static json_t *
rule_form(req *r, const char *kind, const struct ladder *L, const char *channels)
{
	json_t *rows = json_array();
	int nrows = L->n < RUNGS_MAX ? L->n + 1 : RUNGS_MAX;
	for (int k = 0; rows != NULL && k < nrows; k++) {
		json_t *choices = json_array();
		for (int w = 0; notify_whos[w] != NULL && w < WHOS_MAX; w++)
			json_array_append_new(choices, json_pack("{s:s, s:s, s:b}",
			    "who", notify_whos[w],
			    "label", i18n_name(r->lang, "notice.who", notify_whos[w]),
			    "checked", L->seen[w] == k + 1));
		json_array_append_new(rows, json_pack("{s:i, s:s, s:s, s:o, s:b}", "n", k + 1,
		    "label", rung_label(r->a, r->lang, k + 1), "field", arena_printf(r->a, "rung%d", k + 1), "choices", choices,
		    "spare", k >= L->n));
	}
	json_t *ch = json_pack("[{s:s, s:s, s:b}, {s:s, s:s, s:b}]",
	    "name", "email", "label", i18n(r->lang, "rules.channel.email"),
	    "checked", csv_has(channels, "email"),
	    "name", "sms", "label", i18n(r->lang, "rules.channel.sms"),
	    "checked", csv_has(channels, "sms"));
	return json_pack("{s:s, s:o, s:o}", "action", arena_printf(r->a, "/notify/rules/%s",
	    kind), "rows", rows ? rows : json_array(), "channels", ch ? ch : json_array());
}

#define RULE_COLS \
	"SELECT r.kind, r.enabled, r.urgent, r.rungs, r.channels, r.updated_at," \
	" COALESCE(a.display_name, '') FROM notify_rules r" \
	" LEFT JOIN accounts a ON a.id = r.updated_by"

/* One rule (columns: RULE_COLS); with_form adds the page's form. */
static json_t *
rule_json(req *r, db_stmt *st, bool with_form)
{
	const char *kind = db_col_text(st, 0);
	const char *channels = db_col_text(st, 4);
	const char *sentence = "";
	struct ladder L;
	json_t *rungs = ladder_json(r, db_col_text(st, 3), &sentence, &L);
	json_t *chs = json_array();
	buf cl;
	buf_init(&cl, 256);
	buf_puts(&cl, i18n(r->lang, "rules.channel.inbox"));
	static const char *const all[] = { "email", "sms" };
	for (size_t i = 0; i < 2; i++)
		if (csv_has(channels, all[i])) {
			json_array_append_new(chs, json_string(all[i]));
			char key[32];
			snprintf(key, sizeof key, "rules.channel.%s", all[i]);
			buf_puts(&cl, i18n(r->lang, "rules.and.separator"));
			buf_puts(&cl, i18n(r->lang, key));
		}
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:b, s:o, s:s, s:s, s:o, s:s, s:s, s:s}",
	    "kind", kind, "slug", kind_slug(r->a, kind),
	    "name", i18n_name(r->lang, "notice.kind", kind),
	    "enabled", db_col_int(st, 1) != 0, "urgent", db_col_int(st, 2) != 0,
	    "rungs", rungs, "rungs_text", db_col_text(st, 3), "ladder", sentence,
	    "channels", chs ? chs : json_array(), "channels_label", cl.data ? cl.data : "",
	    "updated_at", when_text(r->a, db_col_int(st, 5), zone_of(r)),
	    "updated_by", db_col_text(st, 6));
	buf_free(&cl);
	if (o != NULL && with_form)
		json_object_set_new(o, "form", rule_form(r, kind, &L, channels));
	return o;
}

/* Every rule, in the order of notify_kinds. */
static json_t *
rules_list(req *r, bool with_form)
{
	json_t *list = json_array();
	for (size_t k = 0; list != NULL && notify_kinds[k] != NULL; k++) {
		db_stmt *st = NULL;
		if (db_prepare(r->rdb, RULE_COLS " WHERE r.kind = ?", &st) != XA_OK)
			break;
		db_bind_text(st, 1, notify_kinds[k], -1);
		if (db_step(st) == 1) {
			json_t *o = rule_json(r, st, with_form);
			if (o != NULL)
				json_array_append_new(list, o);
		}
		db_done(st);
	}
	return list;
}

/* The rules page's and API's model; error (may be NULL) for a form that
 * was refused: {kind, field, message}. */
static json_t *
rules_model(req *r, json_t *error)
{
	bool can = notify_rules_allowed(r->user);
	json_t *whos = json_array();
	for (size_t w = 0; whos != NULL && notify_whos[w] != NULL; w++)
		json_array_append_new(whos, json_pack("{s:s, s:s}", "who", notify_whos[w],
		    "label", i18n_name(r->lang, "notice.who", notify_whos[w])));
	json_t *m = json_pack("{s:{s:s}, s:b, s:I, s:o, s:o}", "page", "title_key",
	    "rules.title", "can_edit", can, "max_rungs", (json_int_t)RUNGS_MAX,
	    "rules", rules_list(r, can && !is_api(r)), "whos", whos ? whos : json_array());
	if (m != NULL && error != NULL)
		json_object_set_new(m, "error", error);
	else
		json_decref(error);
	return m;
}

/* GET /notify/rules and /api/v1/notify/rules: anyone signed in reads
 * them; the form is there for those who may change them. */
static void
rules_show(req *r)
{
	json_t *m = rules_model(r, NULL);
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_answer(r, 200, m);
}

/* A refused change: 400 with the sentence, nothing changed. */
static void
rules_bad(req *r, const char *kind, const char *fieldname, const char *msg)
{
	if (is_api(r)) {
		req_json(r, 400, json_pack("{s:{s:s, s:s, s:s}}", "error", "code", "invalid_field",
		    "message", msg, "field", fieldname));
		return;
	}
	json_t *m = rules_model(r, json_pack("{s:s, s:s, s:s}", "kind", kind, "field",
	    fieldname, "message", msg));
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_render(r, 400, "notify_rules", m);
}

struct rule_job {
	req *r;
	const char *kind;
	int kind_no;
	bool enabled, urgent;
	char rungs[600];
	char channels[16];
	int64_t now;
	char fields[160];
};

static xa_err
rules_run(db *conn, void *p)
{
	struct rule_job *j = p;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT enabled, urgent, rungs, channels FROM notify_rules"
	    " WHERE kind = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_text(st, 1, j->kind, -1);
	int rc = db_step(st);
	size_t n = 0;
	j->fields[0] = '\0';
	if (rc == 1) {
		const char *names[4];
		size_t k = 0;
		if ((db_col_int(st, 0) != 0) != j->enabled)
			names[k++] = "enabled";
		if ((db_col_int(st, 1) != 0) != j->urgent)
			names[k++] = "urgent";
		if (strcmp(db_col_text(st, 2), j->rungs) != 0)
			names[k++] = "rungs";
		if (strcmp(db_col_text(st, 3), j->channels) != 0)
			names[k++] = "channels";
		for (size_t i = 0; i < k; i++) {
			int w = snprintf(j->fields + n, sizeof j->fields - n, "%s%s",
			    i == 0 ? "" : ",", names[i]);
			if (w > 0 && (size_t)w < sizeof j->fields - n)
				n += (size_t)w;
		}
	}
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (rc != 1)
		return XA_ENOTFOUND;
	if (n == 0)
		return XA_OK;	/* nothing to change, nothing to record */
	if ((e = db_prepare(conn, "UPDATE notify_rules SET enabled = ?, urgent = ?, rungs = ?,"
	    " channels = ?, updated_by = ?, updated_at = ? WHERE kind = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, j->enabled);
	db_bind_int(st, 2, j->urgent);
	db_bind_text(st, 3, j->rungs, -1);
	db_bind_text(st, 4, j->channels, -1);
	db_bind_int(st, 5, j->r->user->account_id);
	db_bind_int(st, 6, j->now);
	db_bind_text(st, 7, j->kind, -1);
	if ((e = step_done(st)) != XA_OK)
		return e;
	const char *fields = arena_printf(j->r->a, "kind=%s;%s", j->kind, j->fields);
	return audit_req(conn, j->r, "notify.rules", "notify_rule", j->kind_no,
	    fields ? fields : j->fields, j->now);
}

static void
rules_done(req *r, void *ctx, xa_err result)
{
	struct rule_job *j = ctx;
	if (result != XA_OK) {
		req_error(r, result == XA_ENOTFOUND ? 404 : 503, result == XA_ENOTFOUND ?
		    "not_found" : "unavailable", NULL);
		return;
	}
	if (!is_api(r)) {
		req_redirect(r, arena_printf(r->a, "/notify/rules#rule-%s",
		    kind_slug(r->a, j->kind)));
		return;
	}
	json_t *o = NULL;
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, RULE_COLS " WHERE r.kind = ?", &st) == XA_OK) {
		db_bind_text(st, 1, j->kind, -1);
		if (db_step(st) == 1)
			o = rule_json(r, st, false);
		db_done(st);
	}
	if (o == NULL)
		o = json_pack("{s:s}", "kind", j->kind);
	req_json(r, 200, json_pack("{s:o}", "rule", o));
}

static const field rule_fields[] = {
	{ "enabled", FT_BOOL, 0, 0, 0, NULL },
	{ "urgent", FT_BOOL, 0, 0, 0, NULL },
	{ "rungs", FT_STRING, 0, 0, 600, NULL },
	{ "rung1", FT_STRING, F_MULTI, 0, 120, NULL },
	{ "rung2", FT_STRING, F_MULTI, 0, 120, NULL },
	{ "rung3", FT_STRING, F_MULTI, 0, 120, NULL },
	{ "rung4", FT_STRING, F_MULTI, 0, 120, NULL },
	{ "rung5", FT_STRING, F_MULTI, 0, 120, NULL },
	{ "rung6", FT_STRING, F_MULTI, 0, 120, NULL },
	{ "rung7", FT_STRING, F_MULTI, 0, 120, NULL },
	{ "rung8", FT_STRING, F_MULTI, 0, 120, NULL },
	{ "channels", FT_STRING, F_MULTI, 0, 20, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* POST /api/v1/notify/rules/{kind} and /notify/rules/{kind}: the office
 * director or the leader (anyone else: 404) sets a rule whole — enabled and urgent (absent:
 * off, as an unticked box), the ladder, the channels (absent: the inbox
 * only). Refused input answers 400 naming the field; nothing changes. */
static void
rules_update(req *r)
{
	const char *kind = req_param(r, "kind");
	int kno = kind != NULL ? index_of(notify_kinds, kind, strlen(kind)) : -1;
	if (kno < 0) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	/* As the calendar: the bureau's object, refused like a missing one. */
	if (!notify_rules_allowed(r->user)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	struct ladder L;
	struct rule_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	const char *msg = ladder_from_input(r, &L);
	if (msg != NULL) {
		rules_bad(r, kind, "rungs", msg);
		return;
	}
	if ((msg = channels_from_input(r, j->channels)) != NULL) {
		rules_bad(r, kind, "channels", msg);
		return;
	}
	ladder_text(&L, j->rungs, sizeof j->rungs);
	j->r = r;
	j->kind = notify_kinds[kno];
	j->kind_no = kno + 1;
	j->enabled = json_is_true(json_object_get(r->in, "enabled"));
	j->urgent = json_is_true(json_object_get(r->in, "urgent"));
	j->now = now_s();
	req_write(r, rules_run, j, rules_done);
}

/* ------------------------------------------------------------------ */
/* The ladder of a case. */

/* Per rung, the accounts notice nid reached: display name, roles, when
 * told and whether (when) each acknowledged. */
static json_t *
ladder_told(db *rdb, arena *a, int64_t nid, const char *lang, long zone)
{
	json_t *rungs = json_array();
	db_stmt *st = NULL;
	if (rungs == NULL || db_prepare(rdb, "SELECT i.id, i.rung, i.created_at, i.acked_at,"
	    " a.display_name, COALESCE(r.role, '') FROM inbox i"
	    " JOIN accounts a ON a.id = i.account_id"
	    " LEFT JOIN account_roles r ON r.account_id = a.id"
	    " WHERE i.notice_id = ? ORDER BY i.rung, i.id, r.role LIMIT ?", &st) != XA_OK)
		return rungs ? rungs : json_array();
	db_bind_int(st, 1, nid);
	db_bind_int(st, 2, TOLD_MAX);
	json_t *rung = NULL, *told = NULL, *person = NULL;
	int64_t cur_rung = -1, cur_item = 0;
	buf roles;
	buf_init(&roles, 1024);
	while (db_step(st) == 1) {
		int64_t item = db_col_int(st, 0), rn = db_col_int(st, 1);
		if (item != cur_item && person != NULL) {
			json_object_set_new(person, "role", jstr(roles.data));
			person = NULL;
		}
		if (rn != cur_rung) {
			told = json_array();
			rung = json_pack("{s:I, s:s, s:o}", "rung", (json_int_t)(rn + 1),
			    "rung_label", rung_label(a, lang, rn + 1), "told",
			    told ? told : json_array());
			if (rung == NULL)
				break;
			json_array_append_new(rungs, rung);
			told = json_object_get(rung, "told");
			cur_rung = rn;
		}
		if (item != cur_item) {
			int64_t acked = db_col_int(st, 3);
			person = json_pack("{s:s, s:s, s:s, s:b, s:s}",
			    "name", db_col_text(st, 4), "role", "",
			    "told_at", when_text(a, db_col_int(st, 2), zone),
			    "acked", acked != 0, "acked_at", when_text(a, acked, zone));
			if (person == NULL)
				break;
			json_array_append_new(told, person);
			buf_reset(&roles);
			cur_item = item;
		}
		const char *role = db_col_text(st, 5);
		if (role[0] != '\0') {
			if (roles.len > 0)
				buf_puts(&roles, i18n(lang, "rules.and.separator"));
			buf_puts(&roles, i18n_name(lang, "role", role));
		}
	}
	if (person != NULL)
		json_object_set_new(person, "role", jstr(roles.data));
	buf_free(&roles);
	db_done(st);
	return rungs;
}

/* The notices of case case_id, each without its rungs, into rows;
 * their ids into ids. Returns how many. */
static size_t
ladder_notices(db *rdb, arena *a, int64_t case_id, const char *lang, long zone,
    json_t **rows, int64_t *ids)
{
	db_stmt *st = NULL;
	size_t n = 0;
	if (db_prepare(rdb, "SELECT n.id, n.kind, n.params, n.link, n.urgent, n.status, n.rung,"
	    " n.created_at, n.acked_at, COALESCE(a.display_name, '') FROM notices n"
	    " LEFT JOIN accounts a ON a.id = n.acked_by"
	    " WHERE n.status <> 'folded' AND ((n.case_id > 0 AND n.case_id = ?1)"
	    " OR (n.object_type = 'report' AND n.object_id IN (SELECT id FROM reports"
	    " WHERE case_id = ?1))"
	    /* A report whose notice joined an open one was told by that one. */
	    " OR n.id IN (SELECT f.folded_into FROM notices f WHERE f.status = 'folded'"
	    " AND f.object_type = 'report' AND f.object_id IN (SELECT id FROM reports"
	    " WHERE case_id = ?1)))"
	    " ORDER BY n.created_at, n.id LIMIT ?2", &st) != XA_OK)
		return 0;
	db_bind_int(st, 1, case_id);
	db_bind_int(st, 2, LADDER_MAX);
	while (n < LADDER_MAX && db_step(st) == 1) {
		const char *kind = db_col_text(st, 1);
		const char *title = "", *text = "";
		words(a, lang, kind, db_col_text(st, 2), db_col_text(st, 3), &title, &text);
		bool sent = strcmp(db_col_text(st, 5), "new") != 0;
		int64_t acked = db_col_int(st, 8);
		int64_t rung = sent ? db_col_int(st, 6) + 1 : 0;
		char num[24];
		snprintf(num, sizeof num, "%lld", (long long)rung);
		const char *status = acked != 0 ? i18n_fill(a, lang, "notice.acked_text", "WHO",
		    db_col_text(st, 9), "AT", when_text(a, acked, zone), NULL) :
		    i18n_fill(a, lang, "notice.not_acked_text", "N", num, NULL);
		json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:b, s:I, s:b, s:s, s:s, s:s}",
		    "id", (json_int_t)db_col_int(st, 0), "kind", kind,
		    "kind_label", i18n_name(lang, "notice.kind", kind), "title", title,
		    "created_at", when_text(a, db_col_int(st, 7), zone),
		    "urgent", db_col_int(st, 4) != 0, "pending", !sent,
		    "rung", (json_int_t)rung,
		    "acked", acked != 0, "acked_at", when_text(a, acked, zone),
		    "acked_by", db_col_text(st, 9), "status_text", status);
		if (o == NULL)
			continue;
		ids[n] = db_col_int(st, 0);
		rows[n++] = o;
	}
	db_done(st);
	return n;
}

json_t *
notify_case_ladder(db *rdb, int64_t case_id, const char *lang, long zone)
{
	json_t *list = json_array();
	arena *a = arena_new(8192, 4u << 20);
	json_t *rows[LADDER_MAX];
	int64_t ids[LADDER_MAX];
	size_t n = 0;
	if (list != NULL && a != NULL)
		n = ladder_notices(rdb, a, case_id, lang, zone, rows, ids);
	/* The inbox rows once the notices' statement is done: one open
	 * statement at a time on the loop's connection. */
	for (size_t i = 0; i < n; i++) {
		json_object_set_new(rows[i], "rungs", ladder_told(rdb, a, ids[i], lang, zone));
		json_array_append_new(list, rows[i]);
	}
	arena_free(a);
	return list ? list : json_array();
}

/* GET /api/v1/cases/{id}/notices: the ladder, for whoever may read the
 * case (case_load_or_404 answers the rest as for a missing case). */
static void
case_notices(req *r)
{
	case_row c;
	case_access acc;
	if (!case_load_or_404(r, &c, &acc))
		return;
	req_json(r, 200, json_pack("{s:I, s:s, s:o}", "case_id", (json_int_t)c.id,
	    "number", c.number, "notices", notify_case_ladder(r->rdb, c.id, r->lang,
	    zone_of(r))));
}

/* ------------------------------------------------------------------ */

const route notify_routes[] = {
	{ M_GET, "/api/v1/inbox", inbox_show, R_API | R_AUTH, inbox_query, NULL, NULL,
	  "api_inbox" },
	{ M_GET, "/inbox", inbox_show, R_AUTH, inbox_query, NULL, "inbox", "inbox" },
	{ M_POST, "/api/v1/inbox/{id:int}/ack", inbox_ack, R_API | R_AUTH, NULL, NULL, NULL,
	  "api_inbox_ack" },
	{ M_POST, "/inbox/{id:int}/ack", inbox_ack, R_AUTH, NULL, NULL, NULL, "inbox_ack" },
	/* The token is a credential: R_ANON keeps it out of the access log
	 * (the route's pattern is logged) and looks up no session; the token
	 * itself is what a forged form would lack, hence R_NO_CSRF. */
	{ M_GET, "/ack/{token}", link_show, R_ANON, NULL, NULL, "ack", "ack_link" },
	{ M_POST, "/ack/{token}", link_ack, R_ANON | R_NO_CSRF, NULL, NULL, "ack",
	  "ack_link_post" },
	{ M_GET, "/api/v1/notify/rules", rules_show, R_API | R_AUTH, NULL, NULL, NULL,
	  "api_notify_rules" },
	{ M_GET, "/notify/rules", rules_show, R_AUTH, NULL, NULL, "notify_rules",
	  "notify_rules" },
	{ M_POST, "/api/v1/notify/rules/{kind}", rules_update, R_API | R_AUTH, NULL,
	  rule_fields, NULL, "api_notify_rule" },
	{ M_POST, "/notify/rules/{kind}", rules_update, R_AUTH, NULL, rule_fields,
	  "notify_rules", "notify_rule" },
	{ M_GET, "/api/v1/cases/{id:int}/notices", case_notices, R_API | R_AUTH, NULL, NULL,
	  NULL, "api_case_notices" },
};
const size_t notify_routes_count = sizeof notify_routes / sizeof notify_routes[0];
