/* oversight_http.c: the bureau's oversight of cases (regulation.md §2,
 * §3 step 6, §6, §7): supervision (督办) with its deadline, the school's
 * answer and the office's closing; the office's queue (open supervisions,
 * overdue cases, serious cases not yet supervised); the appeals and the
 * supervisions on the case page; and requests by bureau staff to see the
 * identities in a case, approved or refused by the office director or the
 * leader and valid for a week (未成年人网络保护条例 第三十六条).
 *
 * Every change is a writer job with its audit record and an entry in the
 * case's chronology. The queue and the request lists are de-identified:
 * case numbers, schools, states, tiers and dates — never a name or a
 * narrative. The texts of a supervision (what the school must do, its
 * answer) and the reason of a request are stored plain, so their forms
 * ask for no names; the office's closing note and a decision's note go
 * into the chronology, sealed.
 *
 * Never: answer an object out of the caller's reach other than exactly
 * like a missing one (404), open sealed content without an audit record,
 * or let anyone decide their own request to see identities. */
#include "cases_http.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../auth/audit.h"
#include "../auth/auth.h"
#include "../auth/session.h"
#include "../core/buf.h"
#include "../core/calendar.h"
#include "../core/i18n.h"
#include "../http/handler.h"
#include "../http/input.h"
#include "../http/server.h"
#include "../org/org.h"
#include "../notify/notify.h"

#define ID_MAX 999999999999LL
/* How long an approved request to see identities lasts. */
#define IDENTITY_DAYS 7
/* How far ahead a supervision may be due. */
#define DUE_MAX_DAYS 366
/* Rows per part of the queue. */
#define QUEUE_MAX 500

/* ------------------------------------------------------------------ */
/* Small helpers. */

/* The catalog text of "prefix.name", or name itself when the catalog has
 * no such key (a value written by another part that has no text yet). */
static const char *
label(const req *r, const char *prefix, const char *name)
{
	return i18n_name(r->lang, prefix, name);
}

/* The date (YYYY-MM-DD, in the bureau's zone) of a UTC instant, or ""
 * for 0. Into the arena. */
static const char *
date_of(req *r, int64_t t, long zone)
{
	char d[11];
	if (t <= 0)
		return "";
	day_format(day_of(t, zone), d);
	const char *s = arena_strdup(r->a, d);
	return s ? s : "";
}

/* The day a deadline instant belongs to: a limit falls due when its last
 * day ends, so the instant itself may already be the next day's start. */
static xa_day
due_day(int64_t due_at, long zone)
{
	return day_of(due_at - 1, zone);
}

/* The display name of an account, or "" (staff names are not minors'
 * information; they say who acted). Into the arena. */
static const char *
account_name(req *r, int64_t id)
{
	const char *out = "";
	db_stmt *st = NULL;
	if (id <= 0 || db_prepare(r->rdb, "SELECT display_name FROM accounts WHERE id = ?",
	    &st) != XA_OK)
		return out;
	db_bind_int(st, 1, id);
	if (db_step(st) == 1) {
		const char *s = arena_strdup(r->a, db_col_text(st, 0));
		out = s ? s : "";
	}
	db_done(st);
	return out;
}

/* Days left or over for something due on `due` (a day), in working days
 * as a school counts them, as model fields of o: overdue, due_today,
 * days, days_text. */
static void
put_days(req *r, json_t *o, const calendar *cal, xa_day today, xa_day due)
{
	long n;
	const char *text;
	if (due < today) {
		n = workdays_between(cal, due, today);
		text = tr(r, "supervision.days_over", "n", num(r, n), NULL);
	} else if (due == today) {
		n = 0;
		text = i18n(r->lang, "supervision.due_today");
	} else {
		n = workdays_between(cal, today, due);
		text = tr(r, "supervision.days_left", "n", num(r, n), NULL);
	}
	json_object_set_new(o, "overdue", json_boolean(due < today));
	json_object_set_new(o, "due_today", json_boolean(due == today));
	json_object_set_new(o, "days", json_integer(n));
	json_object_set_new(o, "days_text", jstr(text));
}

/* The answer to a writer job that failed: 404 for a row that went away,
 * 409 with conflict_code when it was already in another state. */
static void
write_failed(req *r, xa_err e, const char *exists_code, const char *conflict_code)
{
	if (e == XA_ENOTFOUND)
		req_error(r, 404, "not_found", NULL);
	else if (e == XA_EEXIST && exists_code != NULL)
		req_error(r, 409, exists_code, NULL);
	else if (e == XA_ECONFLICT && conflict_code != NULL)
		req_error(r, 409, conflict_code, NULL);
	else
		req_error(r, 503, "unavailable", NULL);
}

/* Runs one statement with no result on conn; XA_OK or the step's error. */
static xa_err
step_done(db_stmt *st)
{
	int rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* ------------------------------------------------------------------ */
/* Reads of sealed content: the review panels an answer opened, so that
 * their audit records are written before the answer leaves (by this
 * file's GET, or by the case page's own case.read record). */

#define PANELS_MAX 64

struct panel_reads {
	int64_t ids[PANELS_MAX];	/* appeals whose panel was opened */
	size_t n;
};

/* ------------------------------------------------------------------ */
/* Who may do what on a case, beyond reading it (case_load decided that). */

static bool
may_supervise(const req *r, const case_row *c)
{
	return policy_allow(r->user, A_SUPERVISE, c->unit_path);
}

/* A bureau reader: reads the school's cases through a bureau role. */
static bool
bureau_reader(const req *r, const case_row *c)
{
	return (r->user->roles & ROLES_BUREAU) != 0 &&
	    policy_allow(r->user, A_CASE_READ, c->unit_path);
}

/* A closed or archived case: its file no longer changes, so nothing is
 * put under supervision or answered in it any more. */
static bool
case_final(const case_row *c)
{
	return case_state_final(c->state);
}

/* The writer's own look at case id's state: XA_ECONFLICT when it was
 * closed or archived since the handler looked (or is gone), and *final is
 * set so that the answer can say so. */
static xa_err
case_still_open(db *conn, int64_t id, bool *final)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT state FROM cases WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	enum case_state s = CS_CLOSED;
	if (rc == 1 && case_state_parse(db_col_text(st, 0), &s) != XA_OK)
		s = CS_CLOSED;
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (rc == 0 || case_state_final(s)) {
		*final = true;
		return XA_ECONFLICT;
	}
	return XA_OK;
}

/* ------------------------------------------------------------------ */
/* The case page's part: supervisions, appeals, identities. */

/* One supervision row (columns of SUPERVISION_COLS) as the case page
 * shows it, with the forms this reader may use. Staff names are filled
 * in afterwards by supervision_names(). */
static json_t *
supervision_json(req *r, db_stmt *st, const case_row *c, const case_access *acc,
    const calendar *cal, xa_day today, long zone)
{
	int64_t id = db_col_int(st, 0);
	const char *state = db_col_text(st, 1);
	json_t *o = json_pack("{s:I, s:s, s:s, s:b, s:s, s:s, s:s}",
	    "id", (json_int_t)id, "state", state,
	    "state_label", label(r, "supervision.state", state),
	    "automatic", db_col_int(st, 2) != 0,
	    "due_on", db_col_text(st, 3), "required", db_col_text(st, 4),
	    "answer", db_col_text(st, 7));
	if (o == NULL)
		return NULL;
	int64_t opened_by = db_col_int(st, 5), answered_by = db_col_int(st, 8);
	int64_t closed_by = db_col_int(st, 10);
	json_object_set_new(o, "opened_on", jstr(date_of(r, db_col_int(st, 6), zone)));
	json_object_set_new(o, "answered_on", jstr(date_of(r, db_col_int(st, 9), zone)));
	json_object_set_new(o, "closed_on", jstr(date_of(r, db_col_int(st, 11), zone)));
	/* Names of staff are read after the statement is done with. */
	json_object_set_new(o, "opened_by_id", json_integer(opened_by));
	json_object_set_new(o, "answered_by_id", json_integer(answered_by));
	json_object_set_new(o, "closed_by_id", json_integer(closed_by));
	bool open = strcmp(state, "open") == 0, closed = strcmp(state, "closed") == 0;
	json_object_set_new(o, "is_open", json_boolean(open));
	json_object_set_new(o, "is_answered", json_boolean(strcmp(state, "answered") == 0));
	json_object_set_new(o, "is_closed", json_boolean(closed));
	xa_day due;
	if (open && day_parse(db_col_text(st, 3), &due) == XA_OK)
		put_days(r, o, cal, today, due);
	bool can_answer = open && acc->write && !case_final(c);
	bool can_close = !closed && may_supervise(r, c);
	json_object_set_new(o, "can_answer", json_boolean(can_answer));
	json_object_set_new(o, "can_close", json_boolean(can_close));
	if (can_answer)
		json_object_set_new(o, "answer_action", jstr(arena_printf(r->a,
		    "/cases/%lld/supervision/%lld/answer", (long long)c->id, (long long)id)));
	if (can_close)
		json_object_set_new(o, "close_action", jstr(arena_printf(r->a,
		    "/cases/%lld/supervision/%lld/close", (long long)c->id, (long long)id)));
	return o;
}

/* Replaces the account ids of a supervision by display names. */
static void
supervision_names(req *r, json_t *o)
{
	static const char *const k[][2] = {
		{ "opened_by_id", "opened_by" }, { "answered_by_id", "answered_by" },
		{ "closed_by_id", "closed_by" },
	};
	for (size_t i = 0; i < 3; i++) {
		int64_t id = json_integer_value(json_object_get(o, k[i][0]));
		json_object_set_new(o, k[i][1], jstr(account_name(r, id)));
		json_object_del(o, k[i][0]);
	}
}

#define SUPERVISION_COLS \
	"SELECT id, state, automatic, due_on, required, opened_by, opened_at," \
	" answer, answered_by, answered_at, closed_by, closed_at FROM supervisions"

/* The supervisions of case c, newest first. */
static json_t *
case_supervisions(req *r, const case_row *c, const case_access *acc, bool *has_open)
{
	json_t *list = json_array();
	long zone = case_zone(r);
	xa_day today = day_of(now_s(), zone);
	calendar cal = { 0 };
	bool have_cal = calendar_load(r->rdb, &cal) == XA_OK;
	db_stmt *st = NULL;
	*has_open = false;
	if (db_prepare(r->rdb, SUPERVISION_COLS " WHERE case_id = ? ORDER BY id DESC",
	    &st) == XA_OK) {
		db_bind_int(st, 1, c->id);
		while (db_step(st) == 1) {
			if (strcmp(db_col_text(st, 1), "closed") != 0)
				*has_open = true;
			json_t *o = supervision_json(r, st, c, acc, have_cal ? &cal : NULL,
			    today, zone);
			if (o != NULL)
				json_array_append_new(list, o);
		}
		db_done(st);
	}
	if (have_cal)
		calendar_free(&cal);
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o)
		supervision_names(r, o);
	return list;
}

/* The review panel of an appeal, opened for a reader who may see it, as
 * one line of text ("name (role)、..."). Its JSON is either a list of
 * strings or a list of objects with name and role or kind. */
static const char *
panel_text(req *r, const uint8_t key[32], const void *blob, size_t len)
{
	char *text = NULL;
	size_t tlen = 0;
	if (blob == NULL || len == 0 || open_blob(r->a, key, blob, len, &text, &tlen) != XA_OK)
		return "";
	json_t *j = json_loadb(text, tlen, 0, NULL);
	if (j == NULL)
		return text;
	buf b;
	buf_init(&b, 8192);
	const char *sep = strcmp(r->lang, "en") == 0 ? ", " : "、";
	json_t *list = json_is_object(j) && json_is_array(json_object_get(j, "members")) ?
	    json_object_get(j, "members") : j;
	size_t i;
	json_t *m;
	if (json_is_array(list)) {
		json_array_foreach(list, i, m) {
			if (i > 0)
				buf_puts(&b, sep);
			if (json_is_string(m)) {
				buf_puts(&b, json_string_value(m));
				continue;
			}
			const char *name = json_string_value(json_object_get(m, "name"));
			const char *role = json_string_value(json_object_get(m, "role"));
			if (role == NULL)
				role = json_string_value(json_object_get(m, "kind"));
			buf_puts(&b, name ? name : "");
			if (role != NULL && role[0] != '\0')
				buf_printf(&b, strcmp(r->lang, "en") == 0 ? " (%s)" : "（%s）",
				    label(r, "appeal.panel", role));
		}
	}
	const char *out = b.data ? arena_strdup(r->a, b.data) : "";
	buf_free(&b);
	json_decref(j);
	return out ? out : "";
}

/* The appeals of case c, oldest first. The panel is shown only to the
 * school's handlers and the office that records appeals; the appeals
 * whose panel was opened are listed in *reads for the caller to audit
 * before it answers. */
static json_t *
case_appeals(req *r, const case_row *c, const case_access *acc, struct panel_reads *reads)
{
	json_t *list = json_array();
	long zone = case_zone(r);
	bool see_panel = acc->write || policy_allow(r->user, A_APPEAL, c->unit_path);
	uint8_t key[32];
	bool have_key = false;
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT a.id, a.lodged_on, a.lodged_by, a.state, a.panel,"
	    " a.review_due, a.decided_at, a.outcome, COALESCE(p.alias, ''), a.party_id"
	    " FROM appeals a LEFT JOIN case_parties p ON p.id = a.party_id"
	    " WHERE a.case_id = ? ORDER BY a.id", &st) != XA_OK)
		return list;
	db_bind_int(st, 1, c->id);
	while (db_step(st) == 1) {
		int64_t id = db_col_int(st, 0);
		const char *state = db_col_text(st, 3);
		json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}",
		    "id", (json_int_t)id, "lodged_on", db_col_text(st, 1),
		    "lodged_by", label(r, "appeal.by", db_col_text(st, 2)),
		    "party", db_col_text(st, 8), "state", state,
		    "state_label", label(r, "appeal.state", state),
		    "outcome", label(r, "appeal.outcome", db_col_text(st, 7)));
		if (o == NULL)
			continue;
		int64_t due = db_col_int(st, 5);
		char d[11] = "";
		if (due > 0)
			day_format(due_day(due, zone), d);
		json_object_set_new(o, "review_due", jstr(d));
		json_object_set_new(o, "decided_on", jstr(date_of(r, db_col_int(st, 6), zone)));
		/* Always present, so that a template never finds another "panel"
		 * further out. */
		json_object_set_new(o, "panel", jstr(""));
		if (see_panel && reads->n < PANELS_MAX && !db_col_is_null(st, 4) &&
		    db_col_len(st, 4) > 0) {
			if (!have_key)
				have_key = case_row_key(r, c, key) == XA_OK;
			if (have_key) {
				const char *t = panel_text(r, key, db_col_blob(st, 4),
				    db_col_len(st, 4));
				json_object_set_new(o, "panel", jstr(t));
				reads->ids[reads->n++] = id;
			}
		}
		json_array_append_new(list, o);
	}
	db_done(st);
	if (have_key)
		OPENSSL_cleanse(key, sizeof key);
	return list;
}

/* The expiry of r's approved, unexpired request to see case c's
 * identities (0: none), and whether a request of r's is pending. */
static void
own_requests(req *r, int64_t case_id, int64_t now, int64_t *expires, bool *pending)
{
	db_stmt *st = NULL;
	*expires = 0;
	*pending = false;
	if (db_prepare(r->rdb, "SELECT state, expires_at FROM identity_requests"
	    " WHERE case_id = ? AND account_id = ? AND (state = 'pending'"
	    " OR (state = 'approved' AND expires_at > ?))", &st) != XA_OK)
		return;
	db_bind_int(st, 1, case_id);
	db_bind_int(st, 2, r->user->account_id);
	db_bind_int(st, 3, now);
	while (db_step(st) == 1) {
		if (strcmp(db_col_text(st, 0), "pending") == 0)
			*pending = true;
		else if (db_col_int(st, 1) > *expires)
			*expires = db_col_int(st, 1);
	}
	db_done(st);
}

/* Whether the reader sees names in case c, why, and the request form for
 * a bureau reader who does not. */
static json_t *
case_identity(req *r, const case_row *c, const case_access *acc)
{
	int64_t now = now_s(), expires = 0;
	bool pending = false, bureau = bureau_reader(r, c);
	const char *why;
	if (bureau)
		own_requests(r, c->id, now, &expires, &pending);
	if (!acc->identities)
		why = bureau ? "identity.why_hidden" : "identity.why_hidden_school";
	else if (!bureau)
		why = "identity.why_school";
	else if (c->supervised)
		why = "identity.why_supervised";
	else if (c->appealed)
		why = "identity.why_appealed";
	else if (expires > 0)
		why = "identity.why_approved";
	else
		why = "identity.why_granted";
	json_t *o = json_pack("{s:b, s:s, s:b, s:b}", "visible", acc->identities,
	    "why_key", why, "pending", pending, "bureau", bureau);
	if (o == NULL)
		return NULL;
	const char *until = acc->identities && expires > 0 ?
	    date_of(r, expires - 1, case_zone(r)) : "";
	json_object_set_new(o, "expires_on", jstr(until));
	json_object_set_new(o, "expires_text", jstr(until[0] ?
	    tr(r, "identity.valid_until", "date", until, NULL) : ""));
	bool can_request = bureau && !acc->identities && !pending;
	json_object_set_new(o, "can_request", json_boolean(can_request));
	if (can_request)
		json_object_set_new(o, "request_action", jstr(arena_printf(r->a,
		    "/cases/%lld/identity-requests", (long long)c->id)));
	return o;
}

/* The oversight part into model; the panels it opened into *reads. */
static void
oversight_model(req *r, const case_row *c, const case_access *acc, json_t *model,
    struct panel_reads *reads)
{
	bool has_open = false;
	reads->n = 0;
	json_object_set_new(model, "supervisions", case_supervisions(r, c, acc, &has_open));
	json_object_set_new(model, "appeals", case_appeals(r, c, acc, reads));
	json_t *id = case_identity(r, c, acc);
	if (id != NULL)
		json_object_set_new(model, "identity", id);
	if (may_supervise(r, c) && !has_open && !case_final(c)) {
		long zone = case_zone(r);
		char d[11];
		day_format(day_of(now_s(), zone), d);
		json_object_set_new(model, "supervision_new", json_pack("{s:s, s:s}",
		    "action", arena_printf(r->a, "/cases/%lld/supervision", (long long)c->id),
		    "min_date", d));
	}
}

/* The case page's part (cases_http.c). A sealed panel opened here sets
 * "panel_shown": the page's own case.read record names it, written before
 * the page leaves, so this part writes none of its own. */
void
oversight_case_model(req *r, const case_row *c, const case_access *acc, json_t *model)
{
	if (r == NULL || r->user == NULL || c == NULL || acc == NULL || model == NULL ||
	    !acc->read)
		return;
	struct panel_reads reads;
	oversight_model(r, c, acc, model, &reads);
	json_object_set_new(model, "panel_shown", json_boolean(reads.n > 0));
}

struct show_job {
	req *r;
	json_t *model;
	struct panel_reads reads;
	int64_t now;
};

/* One appeal.read record for each panel the answer holds. */
static xa_err
show_audit_run(db *conn, void *p)
{
	struct show_job *j = p;
	xa_err e = XA_OK;
	for (size_t i = 0; i < j->reads.n && e == XA_OK; i++)
		e = audit_req(conn, j->r, "appeal.read", "appeal", j->reads.ids[i], "panel",
		    j->now);
	return e;
}

static void
show_audit_done(req *r, void *p, xa_err result)
{
	struct show_job *j = p;
	if (result != XA_OK) {
		json_decref(j->model);
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_json(r, 200, j->model);
}

/* GET /api/v1/cases/{id}/oversight: the same part on its own; when it
 * opened a review panel, the answer waits for the read's audit record. */
static void
oversight_show(req *r)
{
	case_row c;
	case_access acc;
	if (!case_load_or_404(r, &c, &acc))
		return;
	struct show_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	json_t *m = json_pack("{s:I, s:s}", "case_id", (json_int_t)c.id, "number", c.number);
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	oversight_model(r, &c, &acc, m, &j->reads);
	if (j->reads.n == 0) {
		req_json(r, 200, m);
		return;
	}
	j->r = r;
	j->model = m;
	j->now = now_s();
	req_write(r, show_audit_run, j, show_audit_done);
	/* Not queued (the writer is stopping): answered, and no done. */
	if (r->answered && !r->pending)
		json_decref(m);
}

/* ------------------------------------------------------------------ */
/* Supervision: open, answer, close. */

struct sup_job {
	req *r;
	audit_entry who;
	int64_t case_id, sid, now;
	const char *due_on, *text;	/* required, answer or note */
	int action;			/* 0 open, 1 answer, 2 close */
	bool final;			/* refused: the case was closed meanwhile */
	char meta[160];
};

/* Adds the chronology entry of a supervision step. */
static xa_err
sup_event(db *conn, struct sup_job *j, const char *action)
{
	snprintf(j->meta, sizeof j->meta, "{\"supervision_id\":%lld,\"action\":\"%s\"}",
	    (long long)j->sid, action);
	event_new ev = { 0 };
	ev.case_id = j->case_id;
	ev.kind = "supervision";
	ev.author_id = j->r->user->account_id;
	ev.meta = j->meta;
	/* Only the office's closing note is kept in the chronology (sealed):
	 * what is required and the answer are on the supervision itself. */
	if (j->action == 2 && j->text != NULL && j->text[0] != '\0') {
		ev.body = j->text;
		ev.body_len = strlen(j->text);
	}
	int64_t eid = 0;
	return case_event_add(conn, &ev, &j->who, j->now, &eid);
}

static xa_err
sup_open_run(db *conn, void *p)
{
	struct sup_job *j = p;
	db_stmt *st = NULL;
	xa_err e = case_still_open(conn, j->case_id, &j->final);
	if (e != XA_OK)
		return e;
	if ((e = db_prepare(conn, "SELECT count(*) FROM supervisions WHERE case_id = ?"
	    " AND state <> 'closed'", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, j->case_id);
	int64_t open = db_step(st) == 1 ? db_col_int(st, 0) : 1;
	db_done(st);
	if (open > 0)
		return XA_EEXIST;
	if ((e = db_prepare(conn, "INSERT INTO supervisions (case_id, state, automatic,"
	    " due_on, required, opened_by, opened_at) VALUES (?, 'open', 0, ?, ?, ?, ?)",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, j->case_id);
	db_bind_text(st, 2, j->due_on, -1);
	db_bind_text(st, 3, j->text, -1);
	db_bind_int(st, 4, j->r->user->account_id);
	db_bind_int(st, 5, j->now);
	if ((e = step_done(st)) != XA_OK)
		return e;
	j->sid = db_last_id(conn);
	if ((e = db_prepare(conn, "UPDATE cases SET supervised = 1 WHERE id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, j->case_id);
	if ((e = step_done(st)) != XA_OK)
		return e;
	if ((e = sup_event(conn, j, "open")) != XA_OK ||
	    (e = notify_case(conn, "supervision.order", j->case_id, j->due_on, j->now)) != XA_OK)
		return e;
	return audit_req(conn, j->r, "supervision.open", "supervision", j->sid,
	    "case_id,due_on,required", j->now);
}

static xa_err
sup_answer_run(db *conn, void *p)
{
	struct sup_job *j = p;
	db_stmt *st = NULL;
	xa_err e = case_still_open(conn, j->case_id, &j->final);
	if (e != XA_OK)
		return e;
	if ((e = db_prepare(conn, "UPDATE supervisions SET state = 'answered', answer = ?,"
	    " answered_by = ?, answered_at = ? WHERE id = ? AND case_id = ? AND state = 'open'",
	    &st)) != XA_OK)
		return e;
	db_bind_text(st, 1, j->text, -1);
	db_bind_int(st, 2, j->r->user->account_id);
	db_bind_int(st, 3, j->now);
	db_bind_int(st, 4, j->sid);
	db_bind_int(st, 5, j->case_id);
	if ((e = step_done(st)) != XA_OK)
		return e;
	if (db_changes(conn) != 1)
		return XA_ECONFLICT;
	if ((e = sup_event(conn, j, "answer")) != XA_OK)
		return e;
	return audit_req(conn, j->r, "supervision.answer", "supervision", j->sid, "answer",
	    j->now);
}

/* Closing leaves cases.supervised at 1: the case was supervised, and the
 * bureau keeps seeing its identities (case_access_for). */
static xa_err
sup_close_run(db *conn, void *p)
{
	struct sup_job *j = p;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "UPDATE supervisions SET state = 'closed', closed_by = ?,"
	    " closed_at = ? WHERE id = ? AND case_id = ? AND state <> 'closed'", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, j->r->user->account_id);
	db_bind_int(st, 2, j->now);
	db_bind_int(st, 3, j->sid);
	db_bind_int(st, 4, j->case_id);
	if ((e = step_done(st)) != XA_OK)
		return e;
	if (db_changes(conn) != 1)
		return XA_ECONFLICT;
	if ((e = sup_event(conn, j, "close")) != XA_OK)
		return e;
	return audit_req(conn, j->r, "supervision.close", "supervision", j->sid,
	    j->text != NULL && j->text[0] != '\0' ? "state,note" : "state", j->now);
}

/* The supervision sid of case c as the API returns it, read after the
 * write (NULL when it is gone). */
static json_t *
supervision_one(req *r, const case_row *c, const case_access *acc, int64_t sid)
{
	db_stmt *st = NULL;
	json_t *o = NULL;
	long zone = case_zone(r);
	if (db_prepare(r->rdb, SUPERVISION_COLS " WHERE id = ? AND case_id = ?", &st) != XA_OK)
		return NULL;
	db_bind_int(st, 1, sid);
	db_bind_int(st, 2, c->id);
	calendar cal = { 0 };
	bool have_cal = calendar_load(r->rdb, &cal) == XA_OK;
	if (db_step(st) == 1)
		o = supervision_json(r, st, c, acc, have_cal ? &cal : NULL,
		    day_of(now_s(), zone), zone);
	db_done(st);
	if (have_cal)
		calendar_free(&cal);
	if (o != NULL)
		supervision_names(r, o);
	return o;
}

static void
sup_done(req *r, void *ctx, xa_err result)
{
	struct sup_job *j = ctx;
	if (result != XA_OK) {
		write_failed(r, result, "oversight_open_exists", j->final ?
		    (j->action == 0 ? "oversight_case_final" : "oversight_answer_final") :
		    "oversight_state");
		return;
	}
	if (!is_api(r)) {
		req_redirect(r, arena_printf(r->a, "/cases/%lld#oversight",
		    (long long)j->case_id));
		return;
	}
	case_row c;
	case_access acc;
	json_t *o = NULL;
	if (case_load(r, j->case_id, &c, &acc) == XA_OK)
		o = supervision_one(r, &c, &acc, j->sid);
	if (o == NULL)
		o = json_pack("{s:I}", "id", (json_int_t)j->sid);
	req_json(r, j->action == 0 ? 201 : 200, json_pack("{s:o}", "supervision", o));
}

static struct sup_job *
sup_job_new(req *r, const case_row *c, int action)
{
	struct sup_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL)
		return NULL;
	j->r = r;
	j->case_id = c->id;
	j->now = now_s();
	j->action = action;
	case_who(r, &j->who);
	return j;
}

static const field sup_open_fields[] = {
	{ "due_on", FT_DATE, F_REQUIRED, 0, 0, NULL },
	{ "required", FT_TEXT, F_REQUIRED, 5, 1000, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* POST /api/v1/cases/{id}/supervision (and the page form): the office
 * puts a case under supervision, due on a day not in the past. */
static void
sup_open(req *r)
{
	case_row c;
	case_access acc;
	if (!case_load_or_404(r, &c, &acc))
		return;
	if (!may_supervise(r, &c)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (case_final(&c)) {
		req_error(r, 409, "oversight_case_final", NULL);
		return;
	}
	const char *due_on = input_str(r->in, "due_on");
	long zone = case_zone(r);
	xa_day due, today = day_of(now_s(), zone);
	if (due_on == NULL || day_parse(due_on, &due) != XA_OK) {
		req_error(r, 400, "invalid_field", "due_on");
		return;
	}
	if (due < today) {
		req_error(r, 400, "oversight_due_past", "due_on");
		return;
	}
	if (due > today + DUE_MAX_DAYS) {
		req_error(r, 400, "oversight_due_far", "due_on");
		return;
	}
	struct sup_job *j = sup_job_new(r, &c, 0);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	j->due_on = due_on;
	j->text = input_str(r->in, "required");
	req_write(r, sup_open_run, j, sup_done);
}

/* Finds supervision {sid} of case c: its id into sid, its state into
 * state. 0 when case c has no such supervision (the caller answers 404,
 * as for a missing case). */
static int
sup_state(req *r, const case_row *c, int64_t *sid, char state[16])
{
	if (req_param_int(r, "sid", sid) != XA_OK)
		return 0;
	db_stmt *st = NULL;
	int found = 0;
	if (db_prepare(r->rdb, "SELECT state FROM supervisions WHERE id = ? AND case_id = ?",
	    &st) != XA_OK)
		return 0;
	db_bind_int(st, 1, *sid);
	db_bind_int(st, 2, c->id);
	if (db_step(st) == 1) {
		snprintf(state, 16, "%s", db_col_text(st, 0));
		found = 1;
	}
	db_done(st);
	return found;
}

static const field sup_answer_fields[] = {
	{ "answer", FT_TEXT, F_REQUIRED, 5, 2000, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* POST .../supervision/{sid}/answer: the school's handlers answer. */
static void
sup_answer(req *r)
{
	case_row c;
	case_access acc;
	int64_t sid = 0;
	char state[16];
	if (!case_load_or_404(r, &c, &acc))
		return;
	if (!acc.write || !sup_state(r, &c, &sid, state)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (case_final(&c)) {
		req_error(r, 409, "oversight_answer_final", NULL);
		return;
	}
	if (strcmp(state, "open") != 0) {
		req_error(r, 409, "oversight_state", NULL);
		return;
	}
	struct sup_job *j = sup_job_new(r, &c, 1);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	j->sid = sid;
	j->text = input_str(r->in, "answer");
	req_write(r, sup_answer_run, j, sup_done);
}

static const field sup_close_fields[] = {
	{ "note", FT_TEXT, 0, 0, 1000, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* POST .../supervision/{sid}/close: the office closes it. */
static void
sup_close(req *r)
{
	case_row c;
	case_access acc;
	int64_t sid = 0;
	char state[16];
	if (!case_load_or_404(r, &c, &acc))
		return;
	if (!may_supervise(r, &c) || !sup_state(r, &c, &sid, state)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (strcmp(state, "closed") == 0) {
		req_error(r, 409, "oversight_state", NULL);
		return;
	}
	struct sup_job *j = sup_job_new(r, &c, 2);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	j->sid = sid;
	j->text = input_str(r->in, "note");
	req_write(r, sup_close_run, j, sup_done);
}

/* ------------------------------------------------------------------ */
/* The office's queue. */

static const field queue_query[] = {
	{ "township", FT_INT, 0, 1, ID_MAX, NULL },
	{ "school", FT_INT, 0, 1, ID_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The case's plain columns every row of the queue shows. */
static void
queue_case(req *r, json_t *o, int64_t id, int year, int seq, const char *state,
    const char *tier, const char *school, const char *township)
{
	char number[16];
	case_number(year, seq, number);
	json_object_set_new(o, "case_id", json_integer(id));
	json_object_set_new(o, "number", jstr(number));
	json_object_set_new(o, "href", jstr(arena_printf(r->a, "/cases/%lld#oversight",
	    (long long)id)));
	json_object_set_new(o, "case_state", jstr(state));
	json_object_set_new(o, "case_state_label", jstr(label(r, "state", state)));
	json_object_set_new(o, "tier", jstr(tier));
	json_object_set_new(o, "tier_label", jstr(label(r, "tier", tier)));
	json_object_set_new(o, "school", jstr(school));
	json_object_set_new(o, "township", jstr(township));
}

/* Options of the units of kind (township or school) the caller
 * supervises; schools only of township when it is given. */
static json_t *
unit_options(req *r, const char *kind, int64_t township, int64_t selected)
{
	json_t *a = json_array();
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT id, name, path FROM units WHERE kind = ? AND active = 1"
	    " AND (? = 0 OR township_id = ?) ORDER BY name, id", &st) != XA_OK)
		return a;
	db_bind_text(st, 1, kind, -1);
	db_bind_int(st, 2, township);
	db_bind_int(st, 3, township);
	while (db_step(st) == 1) {
		if (!policy_allow(r->user, A_SUPERVISE, db_col_text(st, 2)))
			continue;
		int64_t id = db_col_int(st, 0);
		json_array_append_new(a, json_pack("{s:I, s:s, s:b}", "value", (json_int_t)id,
		    "label", db_col_text(st, 1), "selected", id == selected));
	}
	db_done(st);
	return a;
}

/* Open and answered supervisions in reach: those waiting for the school
 * first, earliest deadline first (the most overdue at the top); then
 * those the school has answered, waiting for the office to close them. */
static json_t *
queue_supervisions(req *r, const char *like, int64_t township, int64_t school,
    const calendar *cal, xa_day today, long zone)
{
	json_t *list = json_array();
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT s.id, s.state, s.automatic, s.due_on, s.opened_at,"
	    " s.answered_at, c.id, c.year, c.seq, c.state, c.tier, u.name, u.path,"
	    " COALESCE(t.name, '') FROM supervisions s JOIN cases c ON c.id = s.case_id"
	    " JOIN units u ON u.id = c.unit_id LEFT JOIN units t ON t.id = u.township_id"
	    " WHERE s.state <> 'closed' AND u.path LIKE ? AND (? = 0 OR u.township_id = ?)"
	    " AND (? = 0 OR u.id = ?) ORDER BY s.state = 'answered', s.due_on, s.id", &st) != XA_OK)
		return list;
	db_bind_text(st, 1, like, -1);
	db_bind_int(st, 2, township);
	db_bind_int(st, 3, township);
	db_bind_int(st, 4, school);
	db_bind_int(st, 5, school);
	while (db_step(st) == 1 && json_array_size(list) < QUEUE_MAX) {
		if (!policy_allow(r->user, A_SUPERVISE, db_col_text(st, 12)))
			continue;
		const char *state = db_col_text(st, 1);
		json_t *o = json_pack("{s:I, s:s, s:s, s:b, s:s, s:b}",
		    "id", (json_int_t)db_col_int(st, 0), "state", state,
		    "state_label", label(r, "supervision.state", state),
		    "automatic", db_col_int(st, 2) != 0, "due_on", db_col_text(st, 3),
		    "is_answered", strcmp(state, "answered") == 0);
		if (o == NULL)
			continue;
		json_object_set_new(o, "opened_on", jstr(date_of(r, db_col_int(st, 4), zone)));
		json_object_set_new(o, "answered_on", jstr(date_of(r, db_col_int(st, 5), zone)));
		queue_case(r, o, db_col_int(st, 6), (int)db_col_int(st, 7), (int)db_col_int(st, 8),
		    db_col_text(st, 9), db_col_text(st, 10), db_col_text(st, 11),
		    db_col_text(st, 13));
		xa_day due;
		if (day_parse(db_col_text(st, 3), &due) == XA_OK)
			put_days(r, o, cal, today, due);
		json_array_append_new(list, o);
	}
	db_done(st);
	return list;
}

/* Open cases in reach whose current time limit has passed, most overdue
 * first: overdue work is escalated to the office. */
static json_t *
queue_overdue(req *r, const char *like, int64_t township, int64_t school, int64_t now,
    const calendar *cal, xa_day today, long zone)
{
	json_t *list = json_array();
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT c.id, c.year, c.seq, c.state, c.tier, c.due_at,"
	    " c.supervised, u.name, u.path, COALESCE(t.name, '') FROM cases c"
	    " JOIN units u ON u.id = c.unit_id LEFT JOIN units t ON t.id = u.township_id"
	    " WHERE c.due_at <> 0 AND c.due_at < ? AND c.state NOT IN ('closed', 'archived')"
	    " AND u.path LIKE ? AND (? = 0 OR u.township_id = ?) AND (? = 0 OR u.id = ?)"
	    " ORDER BY c.due_at, c.id", &st) != XA_OK)
		return list;
	db_bind_int(st, 1, now);
	db_bind_text(st, 2, like, -1);
	db_bind_int(st, 3, township);
	db_bind_int(st, 4, township);
	db_bind_int(st, 5, school);
	db_bind_int(st, 6, school);
	while (db_step(st) == 1 && json_array_size(list) < QUEUE_MAX) {
		if (!policy_allow(r->user, A_SUPERVISE, db_col_text(st, 8)))
			continue;
		json_t *o = json_object();
		queue_case(r, o, db_col_int(st, 0), (int)db_col_int(st, 1), (int)db_col_int(st, 2),
		    db_col_text(st, 3), db_col_text(st, 4), db_col_text(st, 7),
		    db_col_text(st, 9));
		xa_day due = due_day(db_col_int(st, 5), zone);
		char d[11];
		day_format(due, d);
		json_object_set_new(o, "due_on", jstr(d));
		json_object_set_new(o, "supervised", json_boolean(db_col_int(st, 6) != 0));
		long over = workdays_between(cal, due, today);
		json_object_set_new(o, "days", json_integer(over));
		json_object_set_new(o, "days_text", jstr(over > 0 ?
		    tr(r, "supervision.days_over", "n", num(r, over), NULL) :
		    i18n(r->lang, "supervision.over_today")));
		json_array_append_new(list, o);
	}
	db_done(st);
	return list;
}

/* Serious and unlawful cases in reach that were never supervised:
 * supervision_auto() should leave none; any that show up are listed so
 * the office can put them under supervision by hand. */
static json_t *
queue_unsupervised(req *r, const char *like, int64_t township, int64_t school,
    long zone)
{
	json_t *list = json_array();
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT c.id, c.year, c.seq, c.state, c.tier, c.opened_at,"
	    " c.serious_flag, u.name, u.path, COALESCE(t.name, '') FROM cases c"
	    " JOIN units u ON u.id = c.unit_id LEFT JOIN units t ON t.id = u.township_id"
	    " WHERE (c.tier IN ('serious', 'unlawful') OR (c.serious_flag = 1"
	    " AND c.finding <> 'not_bullying')) AND c.state NOT IN ('closed', 'archived')"
	    " AND NOT EXISTS (SELECT 1 FROM supervisions s WHERE s.case_id = c.id)"
	    " AND u.path LIKE ? AND (? = 0 OR u.township_id = ?) AND (? = 0 OR u.id = ?)"
	    " ORDER BY c.opened_at, c.id", &st) != XA_OK)
		return list;
	db_bind_text(st, 1, like, -1);
	db_bind_int(st, 2, township);
	db_bind_int(st, 3, township);
	db_bind_int(st, 4, school);
	db_bind_int(st, 5, school);
	while (db_step(st) == 1 && json_array_size(list) < QUEUE_MAX) {
		if (!policy_allow(r->user, A_SUPERVISE, db_col_text(st, 8)))
			continue;
		json_t *o = json_object();
		queue_case(r, o, db_col_int(st, 0), (int)db_col_int(st, 1), (int)db_col_int(st, 2),
		    db_col_text(st, 3), db_col_text(st, 4), db_col_text(st, 7),
		    db_col_text(st, 9));
		json_object_set_new(o, "opened_on", jstr(date_of(r, db_col_int(st, 5), zone)));
		json_object_set_new(o, "serious_flag", json_boolean(db_col_int(st, 6) != 0));
		json_array_append_new(list, o);
	}
	db_done(st);
	return list;
}

/* GET /supervision and /api/v1/supervision: the office's queue. */
static void
queue_show(req *r)
{
	const principal *p = r->user;
	if (!policy_allow(p, A_SUPERVISE, p->scope_path)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	int64_t township = input_int(r->q, "township", 0), school = input_int(r->q, "school", 0);
	int64_t now = now_s();
	long zone = case_zone(r);
	xa_day today = day_of(now, zone);
	calendar cal = { 0 };
	bool have_cal = calendar_load(r->rdb, &cal) == XA_OK;
	const calendar *cp = have_cal ? &cal : NULL;
	const char *like = arena_printf(r->a, "%s%%", p->scope_path);
	if (like == NULL) {
		if (have_cal)
			calendar_free(&cal);
		req_error(r, 500, "internal", NULL);
		return;
	}
	json_t *sup = queue_supervisions(r, like, township, school, cp, today, zone);
	json_t *over = queue_overdue(r, like, township, school, now, cp, today, zone);
	json_t *uns = queue_unsupervised(r, like, township, school, zone);
	if (have_cal)
		calendar_free(&cal);
	char d[11];
	day_format(today, d);
	json_t *m = json_pack("{s:{s:s}, s:s, s:{s:I, s:I}, s:I, s:I, s:I}",
	    "page", "title_key", "supervision.title", "today", d,
	    "filter", "township", (json_int_t)township, "school", (json_int_t)school,
	    "n_supervisions", (json_int_t)json_array_size(sup),
	    "n_overdue", (json_int_t)json_array_size(over),
	    "n_unsupervised", (json_int_t)json_array_size(uns));
	json_object_set_new(m, "supervisions", sup);
	json_object_set_new(m, "overdue", over);
	json_object_set_new(m, "unsupervised", uns);
	if (!is_api(r)) {
		json_t *towns = unit_options(r, "township", 0, township);
		json_object_set_new(m, "has_townships", json_boolean(json_array_size(towns) > 0));
		json_object_set_new(m, "townships", towns);
		json_object_set_new(m, "schools", unit_options(r, "school", township, school));
		json_object_set_new(m, "filtered", json_boolean(township || school));
	}
	req_answer(r, 200, m);
}

/* ------------------------------------------------------------------ */
/* Requests to see identities. */

struct idr_job {
	req *r;
	audit_entry who;
	int64_t case_id, rid, now, requester;
	const char *reason, *note;
	bool approve;
	char meta[200];
};

static xa_err
idr_event(db *conn, struct idr_job *j, const char *action)
{
	if (strcmp(action, "approve") == 0)
		snprintf(j->meta, sizeof j->meta, "{\"request_id\":%lld,\"action\":\"%s\","
		    "\"account_id\":%lld,\"expires_at\":%lld}", (long long)j->rid, action,
		    (long long)j->requester, (long long)(j->now + IDENTITY_DAYS * 86400LL));
	else
		snprintf(j->meta, sizeof j->meta, "{\"request_id\":%lld,\"action\":\"%s\","
		    "\"account_id\":%lld}", (long long)j->rid, action, (long long)j->requester);
	event_new ev = { 0 };
	ev.case_id = j->case_id;
	ev.kind = "identity_access";
	ev.author_id = j->r->user->account_id;
	ev.meta = j->meta;
	if (j->note != NULL && j->note[0] != '\0') {
		ev.body = j->note;
		ev.body_len = strlen(j->note);
	}
	int64_t eid = 0;
	return case_event_add(conn, &ev, &j->who, j->now, &eid);
}

static xa_err
idr_request_run(db *conn, void *p)
{
	struct idr_job *j = p;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT count(*) FROM identity_requests WHERE case_id = ?"
	    " AND account_id = ? AND state = 'pending'", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, j->case_id);
	db_bind_int(st, 2, j->requester);
	int64_t pending = db_step(st) == 1 ? db_col_int(st, 0) : 1;
	db_done(st);
	if (pending > 0)
		return XA_EEXIST;
	if ((e = db_prepare(conn, "INSERT INTO identity_requests (case_id, account_id, reason,"
	    " state, created_at) VALUES (?, ?, ?, 'pending', ?)", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, j->case_id);
	db_bind_int(st, 2, j->requester);
	db_bind_text(st, 3, j->reason, -1);
	db_bind_int(st, 4, j->now);
	if ((e = step_done(st)) != XA_OK)
		return e;
	j->rid = db_last_id(conn);
	if ((e = idr_event(conn, j, "request")) != XA_OK)
		return e;
	return audit_req(conn, j->r, "identity.request", "identity_request", j->rid,
	    "case_id,reason", j->now);
}

static void
idr_request_done(req *r, void *ctx, xa_err result)
{
	struct idr_job *j = ctx;
	if (result != XA_OK) {
		write_failed(r, result, "oversight_request_pending", NULL);
		return;
	}
	if (!is_api(r)) {
		req_redirect(r, arena_printf(r->a, "/cases/%lld#oversight",
		    (long long)j->case_id));
		return;
	}
	req_json(r, 201, json_pack("{s:{s:I, s:I, s:s}}", "request", "id", (json_int_t)j->rid,
	    "case_id", (json_int_t)j->case_id, "state", "pending"));
}

static const field idr_request_fields[] = {
	{ "reason", FT_TEXT, F_REQUIRED, 10, 500, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* POST /api/v1/cases/{id}/identity-requests (and the page form): a bureau
 * reader who sees the case de-identified asks to see the names. */
static void
idr_request(req *r)
{
	case_row c;
	case_access acc;
	if (!case_load_or_404(r, &c, &acc))
		return;
	if (!bureau_reader(r, &c)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (acc.identities) {
		req_error(r, 409, "oversight_identities_visible", NULL);
		return;
	}
	struct idr_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	j->r = r;
	j->case_id = c.id;
	j->requester = r->user->account_id;
	j->now = now_s();
	j->reason = input_str(r->in, "reason");
	case_who(r, &j->who);
	req_write(r, idr_request_run, j, idr_request_done);
}

/* One request with the plain columns the approver needs, or NULL when it
 * is out of the caller's reach. Columns: see the SELECT of idr_list. */
static json_t *
idr_json(req *r, db_stmt *st, long zone)
{
	int64_t id = db_col_int(st, 0), acct = db_col_int(st, 2);
	const char *state = db_col_text(st, 4);
	int64_t expires = db_col_int(st, 7), now = now_s();
	char number[16];
	case_number((int)db_col_int(st, 9), (int)db_col_int(st, 10), number);
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "id", (json_int_t)id, "case_id", (json_int_t)db_col_int(st, 1),
	    "number", number, "school", db_col_text(st, 11),
	    "requester", db_col_text(st, 12), "requester_unit", db_col_text(st, 13),
	    "reason", db_col_text(st, 3), "state", state,
	    "state_label", label(r, "identity.state", state));
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "requester_id", json_integer(acct));
	json_object_set_new(o, "asked_on", jstr(date_of(r, db_col_int(st, 8), zone)));
	json_object_set_new(o, "decided_on", jstr(date_of(r, db_col_int(st, 6), zone)));
	json_object_set_new(o, "decided_by", jstr(db_col_text(st, 14)));
	json_object_set_new(o, "expires_on", jstr(expires > 0 ?
	    date_of(r, expires - 1, zone) : ""));
	json_object_set_new(o, "in_force", json_boolean(strcmp(state, "approved") == 0 &&
	    expires > now));
	json_object_set_new(o, "href", jstr(arena_printf(r->a, "/cases/%lld",
	    (long long)db_col_int(st, 1))));
	bool own = acct == r->user->account_id;
	bool pending = strcmp(state, "pending") == 0;
	json_object_set_new(o, "own", json_boolean(own));
	json_object_set_new(o, "can_decide", json_boolean(pending && !own));
	if (pending && !own)
		json_object_set_new(o, "action", jstr(arena_printf(r->a,
		    "/identity-requests/%lld/decision", (long long)id)));
	return o;
}

#define IDR_SELECT \
	"SELECT q.id, q.case_id, q.account_id, q.reason, q.state, q.decided_by," \
	" q.decided_at, q.expires_at, q.created_at, c.year, c.seq, u.name," \
	" COALESCE(a.display_name, ''), COALESCE(au.name, ''), COALESCE(d.display_name, '')," \
	" u.path FROM identity_requests q JOIN cases c ON c.id = q.case_id" \
	" JOIN units u ON u.id = c.unit_id LEFT JOIN accounts a ON a.id = q.account_id" \
	" LEFT JOIN units au ON au.id = a.unit_id LEFT JOIN accounts d ON d.id = q.decided_by"

/* GET /identity-requests and /api/v1/identity-requests: the requests
 * waiting for a decision, oldest first, and the latest decisions. */
static void
idr_list(req *r)
{
	const principal *p = r->user;
	if (!policy_allow(p, A_IDENTITY_APPROVE, p->scope_path)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	long zone = case_zone(r);
	const char *like = arena_printf(r->a, "%s%%", p->scope_path);
	json_t *pending = json_array(), *recent = json_array();
	db_stmt *st = NULL;
	if (like != NULL && db_prepare(r->rdb, IDR_SELECT " WHERE q.state = 'pending'"
	    " AND u.path LIKE ? ORDER BY q.created_at, q.id", &st) == XA_OK) {
		db_bind_text(st, 1, like, -1);
		while (db_step(st) == 1 && json_array_size(pending) < QUEUE_MAX) {
			if (!policy_allow(p, A_IDENTITY_APPROVE, db_col_text(st, 15)))
				continue;
			json_t *o = idr_json(r, st, zone);
			if (o != NULL)
				json_array_append_new(pending, o);
		}
		db_done(st);
	}
	if (like != NULL && db_prepare(r->rdb, IDR_SELECT " WHERE q.state <> 'pending'"
	    " AND u.path LIKE ? ORDER BY q.decided_at DESC, q.id DESC", &st) == XA_OK) {
		db_bind_text(st, 1, like, -1);
		while (db_step(st) == 1 && json_array_size(recent) < 30) {
			if (!policy_allow(p, A_IDENTITY_APPROVE, db_col_text(st, 15)))
				continue;
			json_t *o = idr_json(r, st, zone);
			if (o != NULL)
				json_array_append_new(recent, o);
		}
		db_done(st);
	}
	json_t *m = json_pack("{s:{s:s}, s:I, s:I}", "page", "title_key", "identity.title",
	    "valid_days", (json_int_t)IDENTITY_DAYS,
	    "n_pending", (json_int_t)json_array_size(pending));
	json_object_set_new(m, "pending", pending);
	json_object_set_new(m, "recent", recent);
	req_answer(r, 200, m);
}

static xa_err
idr_decide_run(db *conn, void *p)
{
	struct idr_job *j = p;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "UPDATE identity_requests SET state = ?, decided_by = ?,"
	    " decided_at = ?, expires_at = ? WHERE id = ? AND state = 'pending'"
	    " AND account_id <> ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_text(st, 1, j->approve ? "approved" : "refused", -1);
	db_bind_int(st, 2, j->r->user->account_id);
	db_bind_int(st, 3, j->now);
	db_bind_int(st, 4, j->approve ? j->now + IDENTITY_DAYS * 86400LL : 0);
	db_bind_int(st, 5, j->rid);
	db_bind_int(st, 6, j->r->user->account_id);
	if ((e = step_done(st)) != XA_OK)
		return e;
	if (db_changes(conn) != 1)
		return XA_ECONFLICT;
	if ((e = idr_event(conn, j, j->approve ? "approve" : "refuse")) != XA_OK)
		return e;
	return audit_req(conn, j->r, j->approve ? "identity.approve" : "identity.refuse",
	    "identity_request", j->rid, j->note != NULL && j->note[0] != '\0' ?
	    "state,expires_at,note" : "state,expires_at", j->now);
}

static void
idr_decide_done(req *r, void *ctx, xa_err result)
{
	struct idr_job *j = ctx;
	if (result != XA_OK) {
		write_failed(r, result, NULL, "oversight_already_decided");
		return;
	}
	if (!is_api(r)) {
		req_redirect(r, "/identity-requests");
		return;
	}
	json_t *o = json_pack("{s:I, s:I, s:s}", "id", (json_int_t)j->rid, "case_id",
	    (json_int_t)j->case_id, "state", j->approve ? "approved" : "refused");
	if (j->approve)
		json_object_set_new(o, "expires_at", json_integer(j->now +
		    IDENTITY_DAYS * 86400LL));
	req_json(r, 200, json_pack("{s:o}", "request", o));
}

static const field idr_decide_fields[] = {
	{ "approve", FT_BOOL, F_REQUIRED, 0, 0, NULL },
	{ "note", FT_TEXT, 0, 0, 500, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* POST /api/v1/identity-requests/{rid}/decision (and the page form): the
 * office director or the leader approves (for IDENTITY_DAYS days) or
 * refuses a pending request; never their own. */
static void
idr_decide(req *r)
{
	int64_t rid = 0;
	if (req_param_int(r, "rid", &rid) != XA_OK) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	db_stmt *st = NULL;
	int64_t case_id = 0, acct = 0;
	char state[16] = "", path[96] = "";
	if (db_prepare(r->rdb, "SELECT q.case_id, q.account_id, q.state, u.path"
	    " FROM identity_requests q JOIN cases c ON c.id = q.case_id"
	    " JOIN units u ON u.id = c.unit_id WHERE q.id = ?", &st) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	db_bind_int(st, 1, rid);
	if (db_step(st) == 1) {
		case_id = db_col_int(st, 0);
		acct = db_col_int(st, 1);
		snprintf(state, sizeof state, "%s", db_col_text(st, 2));
		snprintf(path, sizeof path, "%s", db_col_text(st, 3));
	}
	db_done(st);
	if (case_id == 0 || !policy_allow(r->user, A_IDENTITY_APPROVE, path)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (acct == r->user->account_id) {
		req_error(r, 403, "oversight_own_request", NULL);
		return;
	}
	if (strcmp(state, "pending") != 0) {
		req_error(r, 409, "oversight_already_decided", NULL);
		return;
	}
	struct idr_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	j->r = r;
	j->rid = rid;
	j->case_id = case_id;
	j->requester = acct;
	j->now = now_s();
	j->approve = json_is_true(json_object_get(r->in, "approve"));
	j->note = input_str(r->in, "note");
	case_who(r, &j->who);
	req_write(r, idr_decide_run, j, idr_decide_done);
}

/* ------------------------------------------------------------------ */

const route oversight_routes[] = {
	{ M_GET, "/api/v1/cases/{id:int}/oversight", oversight_show, R_API | R_AUTH, NULL,
	  NULL, NULL, "api_case_oversight" },
	{ M_POST, "/api/v1/cases/{id:int}/supervision", sup_open, R_API | R_AUTH, NULL,
	  sup_open_fields, NULL, "api_supervision_open" },
	{ M_POST, "/cases/{id:int}/supervision", sup_open, R_AUTH, NULL, sup_open_fields,
	  NULL, "supervision_open" },
	{ M_POST, "/api/v1/cases/{id:int}/supervision/{sid:int}/answer", sup_answer,
	  R_API | R_AUTH, NULL, sup_answer_fields, NULL, "api_supervision_answer" },
	{ M_POST, "/cases/{id:int}/supervision/{sid:int}/answer", sup_answer, R_AUTH, NULL,
	  sup_answer_fields, NULL, "supervision_answer" },
	{ M_POST, "/api/v1/cases/{id:int}/supervision/{sid:int}/close", sup_close,
	  R_API | R_AUTH, NULL, sup_close_fields, NULL, "api_supervision_close" },
	{ M_POST, "/cases/{id:int}/supervision/{sid:int}/close", sup_close, R_AUTH, NULL,
	  sup_close_fields, NULL, "supervision_close" },
	{ M_GET, "/api/v1/supervision", queue_show, R_API | R_AUTH, queue_query, NULL, NULL,
	  "api_supervision" },
	{ M_GET, "/supervision", queue_show, R_AUTH, queue_query, NULL, "supervision",
	  "supervision" },
	{ M_POST, "/api/v1/cases/{id:int}/identity-requests", idr_request, R_API | R_AUTH,
	  NULL, idr_request_fields, NULL, "api_identity_request" },
	{ M_POST, "/cases/{id:int}/identity-requests", idr_request, R_AUTH, NULL,
	  idr_request_fields, NULL, "identity_request" },
	{ M_GET, "/api/v1/identity-requests", idr_list, R_API | R_AUTH, NULL, NULL, NULL,
	  "api_identity_requests" },
	{ M_GET, "/identity-requests", idr_list, R_AUTH, NULL, NULL, "identity_requests",
	  "identity_requests" },
	{ M_POST, "/api/v1/identity-requests/{rid:int}/decision", idr_decide,
	  R_API | R_AUTH, NULL, idr_decide_fields, NULL, "api_identity_decision" },
	{ M_POST, "/identity-requests/{rid:int}/decision", idr_decide, R_AUTH, NULL,
	  idr_decide_fields, NULL, "identity_decision" },
};
const size_t oversight_routes_count = sizeof oversight_routes / sizeof oversight_routes[0];
