/* reports_http.c: staff-entered reports and the triage queues
 * (regulation.md §2–3; 首问负责: whoever takes the call owns it until it
 * is handed on).
 *
 * A teacher, a principal or the bureau office enters a report taken by
 * phone, letter, in person or seen with their own eyes; the caller is its
 * first receiver and its owner. A school's principal and committee
 * (A_REPORT_TRIAGE on their own school) and the bureau office (TREE) work
 * the queues: the office assigns a report that names no school (or the
 * wrong one), anyone responsible hands it on to a colleague, the school
 * accepts it, finds it unfounded or a prank (kept for good, with a sealed
 * reason; it can be reopened), opens a case from it or joins it to an
 * open case of the same school.
 *
 * The queues show plain columns only. The narrative, the reporter's
 * contact and the reasons are sealed with the report's own key and are
 * read one report at a time; each such read is written to the audit log,
 * durably, before the answer leaves. A report out of the caller's reach is
 * answered exactly like a missing one.
 *
 * Never: store a sealed field in the clear, answer a sealed read before
 * its audit record is on disk, change a report whose state moved on since
 * it was read, or delete a report. */
#include "cases_http.h"
#include "reports.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../auth/auth.h"
#include "../auth/session.h"
#include "../core/calendar.h"
#include "../core/i18n.h"
#include "../core/utf8.h"
#include "../http/handler.h"
#include "../http/input.h"
#include "../http/server.h"
#include "../org/org.h"
#include "../notify/notify.h"

#define ID_MAX 9007199254740991LL	/* ids stay exact in JSON numbers */
#define PER_PAGE 50			/* reports on one page of a queue */
#define WHAT_MIN 10			/* what happened: code points */
#define WHAT_MAX 4000
#define REASON_MIN 5			/* a dismissal's or reopening's reason */
#define REASON_MAX 1000
#define SUMMARY_MAX 200			/* a case's summary given by hand */
#define SUMMARY_AUTO 60			/* taken from the narrative otherwise */
#define FUTURE_SLACK 300		/* seconds of clock difference forgiven */
#define RECEIVED_MAX_AGE (366 * 86400)	/* the oldest time received taken:
					 * older is a slip of the finger */
#define DATE_MIN "2000-01-01"		/* the earliest day it happened on */
#define MAX_OPTIONS 2000		/* schools, colleagues or cases offered */

/* The channels a member of staff enters by hand: not the anonymous
 * online form, nor a survey. */
static const char *const staff_channels[] = { "hotline", "school_phone",
	"in_person", "letter", "email", "observed", NULL };
static const char *const dismiss_statuses[] = { "unfounded", "prank", NULL };
/* "open" is new and accepted together; "all" is every status. */
static const char *const status_filters[] = { "open", "all", "new", "accepted",
	"unfounded", "prank", "joined", NULL };
static const char *const views[] = { "queue", "mine", NULL };

/* ------------------------------------------------------------------ */
/* Small helpers. */

/* "YYYY-MM-DD HH:MM" (sep ' ') or "YYYY-MM-DDTHH:MM" (sep 'T') of t in
 * the bureau's zone, into the arena. */
static const char *
fmt_time(req *r, int64_t t, char sep)
{
	char out[17];
	time_format(t, zone_of(r), sep, out);
	const char *s = arena_strdup(r->a, out);
	return s ? s : "";
}

/* Today in the bureau's zone. */
static void
today(const req *r, char out[11])
{
	day_format(day_of(now_s(), zone_of(r)), out);
}

/* The value of two ASCII digits, or -1. */
static int
two_digits(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Parses "YYYY-MM-DDTHH:MM[:SS]" (a space may stand for the T), a time
 * in the bureau's zone as a browser's datetime-local field sends it. */
static xa_err
parse_local_time(const char *s, long zone, int64_t *out)
{
	size_t n = strlen(s);
	if ((n != 16 && n != 19) || (s[10] != 'T' && s[10] != ' ') || s[13] != ':')
		return XA_EINVAL;
	char ds[11];
	memcpy(ds, s, 10);
	ds[10] = '\0';
	xa_day d;
	if (day_parse(ds, &d) != XA_OK)
		return XA_EINVAL;
	int h = two_digits(s + 11), m = two_digits(s + 14), sec = 0;
	if (n == 19) {
		if (s[16] != ':')
			return XA_EINVAL;
		sec = two_digits(s + 17);
	}
	if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59)
		return XA_EINVAL;
	*out = day_start(d, zone) + (int64_t)h * 3600 + m * 60 + sec;
	return XA_OK;
}

/* The catalog text of "prefix.name", or name itself when there is none. */
static const char *
label(const req *r, const char *prefix, const char *name)
{
	return i18n_name(r->lang, prefix, name);
}

/* 1 when name is one of the comma-separated names of csv. */
static bool
csv_has(const char *csv, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = csv; p != NULL && *p != '\0';) {
		const char *c = strchr(p, ',');
		size_t k = c ? (size_t)(c - p) : strlen(p);
		if (k == n && strncmp(p, name, n) == 0)
			return true;
		p = c ? c + 1 : NULL;
	}
	return false;
}

/* The names of a comma-separated list as people read them, joined by 、
 * (or ", " in English), and as a JSON array of the names. */
static const char *
csv_labels(req *r, const char *prefix, const char *const *list, const char *csv,
    json_t *names)
{
	buf b;
	buf_init(&b, 4096);
	const char *sep = strcmp(r->lang, "en") == 0 ? ", " : "、";
	for (size_t i = 0; list[i] != NULL; i++) {
		if (!csv_has(csv, list[i]))
			continue;
		if (b.len > 0)
			buf_puts(&b, sep);
		buf_puts(&b, label(r, prefix, list[i]));
		if (names != NULL)
			json_array_append_new(names, json_string(list[i]));
	}
	const char *out = arena_strdup(r->a, b.data ? b.data : "");
	buf_free(&b);
	return out ? out : "";
}

/* A select's options over a vocabulary: [{value, label, selected}]. skip
 * leaves out the names it lists (may be NULL). For a multiple choice,
 * selected is a comma-separated list. */
static json_t *
vocab_options(req *r, const char *prefix, const char *const *list,
    const char *selected)
{
	json_t *a = json_array();
	for (size_t i = 0; list[i] != NULL; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "value", list[i],
		    "label", label(r, prefix, list[i]),
		    "selected", selected != NULL && csv_has(selected, list[i])));
	return a;
}

/* The first max code points of s (valid UTF-8), into the arena. */
static const char *
utf8_prefix(req *r, const char *s, size_t max)
{
	size_t i = 0, cps = 0;
	while (s[i] != '\0' && cps < max) {
		unsigned char c = (unsigned char)s[i];
		size_t k = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		for (size_t j = 1; j < k; j++)
			if (s[i + j] == '\0')
				k = j;
		i += k;
		cps++;
	}
	const char *out = arena_strndup(r->a, s, i);
	return out ? out : "";
}

/* Text split into its lines, for templates that write each as its own
 * paragraph (the site has no inline style to keep line breaks). */
static json_t *
lines_json(const char *s)
{
	json_t *a = json_array();
	for (const char *p = s; p != NULL && *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n > 0)
			json_array_append_new(a, json_stringn(p, n));
		p = nl ? nl + 1 : NULL;
	}
	return a;
}

static size_t
cps(const char *s)
{
	return s ? utf8_count(s, strlen(s)) : 0;
}

/* ------------------------------------------------------------------ */
/* The bureau office: whose queue holds a report that names no school. */

struct office {
	int64_t id, bureau_id;
	char path[96], bureau_path[96];
};

/* The bureau's office: the active unit of kind 'office' nearest the
 * bureau (right under it, or under one of its sections, as in the demo
 * city), else the bureau itself. The office's queue also holds reports
 * queued at the bureau (the anonymous channel files a report naming no
 * school there when no office sits right under the bureau). */
static xa_err
office_find(db *conn, struct office *o)
{
	memset(o, 0, sizeof *o);
	xa_err e = unit_bureau(conn, &o->bureau_id, o->bureau_path, sizeof o->bureau_path);
	if (e != XA_OK)
		return e;
	o->id = o->bureau_id;
	snprintf(o->path, sizeof o->path, "%s", o->bureau_path);
	char like[100];
	snprintf(like, sizeof like, "%s%%", o->bureau_path);
	db_stmt *st = NULL;
	if ((e = db_prepare(conn, "SELECT id, path FROM units WHERE kind = 'office'"
	    " AND active = 1 AND path LIKE ? ORDER BY length(path), id LIMIT 1", &st)) != XA_OK)
		return e;
	db_bind_text(st, 1, like, -1);
	if (db_step(st) == 1) {
		o->id = db_col_int(st, 0);
		snprintf(o->path, sizeof o->path, "%s", db_col_text(st, 1));
	}
	db_done(st);
	return XA_OK;
}

/* 1 when the caller works the office's queue. */
static bool
is_office(req *r, const struct office *o)
{
	return o->path[0] != '\0' && policy_allow(r->user, A_REPORT_TRIAGE, o->path);
}

/* A school (active, kind school) by id: its path and name. XA_ENOTFOUND
 * otherwise. */
static xa_err
school_find(req *r, int64_t id, char path[96], const char **name)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(r->rdb, "SELECT path, name FROM units WHERE id = ?"
	    " AND kind = 'school' AND active = 1", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	e = XA_ENOTFOUND;
	if (db_step(st) == 1) {
		snprintf(path, 96, "%s", db_col_text(st, 0));
		if (name != NULL)
			*name = arena_strdup(r->a, db_col_text(st, 1));
		e = XA_OK;
	}
	db_done(st);
	return e;
}

/* The active schools where the caller may do a: [{value, label,
 * selected}], the one whose id is selected marked. */
static json_t *
school_options(req *r, enum action a, int64_t selected)
{
	json_t *arr = json_array();
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT id, name, path FROM units WHERE kind = 'school'"
	    " AND active = 1 ORDER BY name, id", &st) != XA_OK)
		return arr;
	size_t n = 0;
	while (n < MAX_OPTIONS && db_step(st) == 1) {
		if (!policy_allow(r->user, a, db_col_text(st, 2)))
			continue;
		int64_t id = db_col_int(st, 0);
		json_array_append_new(arr, json_pack("{s:I, s:s, s:b}", "value", (json_int_t)id,
		    "label", db_col_text(st, 1), "selected", id == selected));
		n++;
	}
	db_done(st);
	return arr;
}

/* ------------------------------------------------------------------ */
/* One report as the handlers need it. Strings are arena copies. */

struct rep {
	int64_t id, unit_id, queue_id, case_id, received_by, owner_id;
	int64_t created_at, updated_at;
	const char *channel, *status, *occurred_on, *place, *behaviours;
	const char *frequency, *reporter;
	const char *unit_name, *owner_name, *receiver_name;
	int case_year, case_seq;
	bool unanswered;
	/* Only from rep_load(). */
	char queue_path[96], unit_path[96];
	const char *queue_name;
	const void *body, *reason;
	size_t body_len, reason_len;
};

/* What the caller may do with one report. */
struct racc {
	bool triage;		/* A_REPORT_TRIAGE on its queue */
	bool office;		/* the caller works the office's queue */
	bool owner, receiver;
	bool case_write;	/* A_CASE_WRITE on its school */
};

/* The plain columns every reader of a report gets (list and page). */
#define REP_COLS "r.id, r.unit_id, r.queue_unit_id, r.case_id, r.received_by," \
	" r.owner_id, r.created_at, r.updated_at, r.channel, r.status, r.occurred_on," \
	" r.place, r.behaviours, r.frequency, r.reporter, u.name, o.display_name," \
	" c.year, c.seq, rb.display_name, EXISTS (SELECT 1 FROM report_messages m" \
	" WHERE m.report_id = r.id AND m.from_reporter = 1 AND m.id > COALESCE((SELECT" \
	" MAX(s.id) FROM report_messages s WHERE s.report_id = r.id AND" \
	" s.from_reporter = 0), 0))"
#define REP_JOINS " FROM reports r LEFT JOIN units u ON u.id = r.unit_id" \
	" LEFT JOIN accounts o ON o.id = r.owner_id LEFT JOIN accounts rb" \
	" ON rb.id = r.received_by LEFT JOIN cases c ON c.id = r.case_id"

static const char *
col_dup(req *r, db_stmt *st, int col)
{
	const char *s = arena_strdup(r->a, db_col_text(st, col));
	return s ? s : "";
}

/* Fills p's plain columns from a row of REP_COLS. */
static void
rep_read(req *r, db_stmt *st, struct rep *p)
{
	p->id = db_col_int(st, 0);
	p->unit_id = db_col_is_null(st, 1) ? 0 : db_col_int(st, 1);
	p->queue_id = db_col_int(st, 2);
	p->case_id = db_col_is_null(st, 3) ? 0 : db_col_int(st, 3);
	p->received_by = db_col_is_null(st, 4) ? 0 : db_col_int(st, 4);
	p->owner_id = db_col_is_null(st, 5) ? 0 : db_col_int(st, 5);
	p->created_at = db_col_int(st, 6);
	p->updated_at = db_col_int(st, 7);
	p->channel = col_dup(r, st, 8);
	p->status = col_dup(r, st, 9);
	p->occurred_on = col_dup(r, st, 10);
	p->place = col_dup(r, st, 11);
	p->behaviours = col_dup(r, st, 12);
	p->frequency = col_dup(r, st, 13);
	p->reporter = col_dup(r, st, 14);
	p->unit_name = col_dup(r, st, 15);
	p->owner_name = col_dup(r, st, 16);
	p->case_year = (int)db_col_int(st, 17);
	p->case_seq = (int)db_col_int(st, 18);
	p->receiver_name = col_dup(r, st, 19);
	p->unanswered = db_col_int(st, 20) != 0;
}

/* Loads report id with its queue's and school's paths and its sealed
 * blobs. XA_ENOTFOUND when there is none. No access check. */
static xa_err
rep_load(req *r, int64_t id, struct rep *p)
{
	memset(p, 0, sizeof *p);
	db_stmt *st = NULL;
	xa_err e = db_prepare(r->rdb, "SELECT " REP_COLS ", q.path, u.path, q.name,"
	    " r.body, r.reason" REP_JOINS " JOIN units q ON q.id = r.queue_unit_id"
	    " WHERE r.id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc != 1) {
		db_done(st);
		return rc == 0 ? XA_ENOTFOUND : (xa_err)-rc;
	}
	rep_read(r, st, p);
	snprintf(p->queue_path, sizeof p->queue_path, "%s", db_col_text(st, 21));
	snprintf(p->unit_path, sizeof p->unit_path, "%s", db_col_text(st, 22));
	p->queue_name = col_dup(r, st, 23);
	p->body_len = db_col_len(st, 24);
	p->body = p->body_len ? arena_strndup(r->a, db_col_blob(st, 24), p->body_len) : NULL;
	p->reason_len = db_col_is_null(st, 25) ? 0 : db_col_len(st, 25);
	p->reason = p->reason_len ?
	    arena_strndup(r->a, db_col_blob(st, 25), p->reason_len) : NULL;
	db_done(st);
	if ((p->body_len && p->body == NULL) || (p->reason_len && p->reason == NULL))
		return XA_ENOMEM;
	return XA_OK;
}

/* Loads report id for the caller with what they may do. XA_ENOTFOUND
 * when there is none or it is out of the caller's reach: triage on its
 * queue, or the caller received or owns it while its queue lies within
 * the caller's scope (a report the office moved to another school is
 * that school's now: its first receiver at the old school no longer
 * reaches it; the office's scope is the whole bureau). */
static xa_err
rep_find(req *r, int64_t id, struct rep *p, struct racc *acc)
{
	memset(acc, 0, sizeof *acc);
	xa_err e = rep_load(r, id, p);
	if (e != XA_OK)
		return e;
	int64_t me = r->user->account_id;
	bool here = unit_within(p->queue_path, r->user->scope_path);
	acc->triage = policy_allow(r->user, A_REPORT_TRIAGE, p->queue_path);
	acc->owner = here && p->owner_id == me;
	acc->receiver = here && p->received_by == me;
	if (!acc->triage && !acc->owner && !acc->receiver)
		return XA_ENOTFOUND;
	struct office o;
	acc->office = acc->triage && office_find(r->rdb, &o) == XA_OK && is_office(r, &o);
	acc->case_write = p->unit_id > 0 && p->unit_path[0] != '\0' &&
	    policy_allow(r->user, A_CASE_WRITE, p->unit_path);
	return XA_OK;
}

/* The route's {id} loaded for the caller; answers 404 itself and returns
 * 0 when it cannot be. */
static int
rep_find_or_404(req *r, struct rep *p, struct racc *acc)
{
	int64_t id = 0;
	xa_err e = req_param_int(r, "id", &id);
	if (e == XA_OK)
		e = rep_find(r, id, p, acc);
	if (e == XA_ENOTFOUND || e == XA_EINVAL) {
		req_error(r, 404, "not_found", NULL);
		return 0;
	}
	if (e != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return 0;
	}
	return 1;
}

static bool
status_open(const char *s)
{
	return strcmp(s, "new") == 0 || strcmp(s, "accepted") == 0;
}

static bool
status_dismissed(const char *s)
{
	return strcmp(s, "unfounded") == 0 || strcmp(s, "prank") == 0;
}

/* The plain facts of a report as JSON: what the queues show. */
static json_t *
rep_json(req *r, const struct rep *p)
{
	json_t *beh = json_array();
	const char *beh_text = csv_labels(r, "behaviour", behaviour_kinds, p->behaviours, beh);
	json_t *j = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:s,"
	    " s:s, s:s, s:s, s:s, s:s, s:s, s:b}",
	    "id", (json_int_t)p->id,
	    "href", arena_printf(r->a, "/reports/%lld", (long long)p->id),
	    "received_at", (json_int_t)p->created_at,
	    "received_text", fmt_time(r, p->created_at, ' '),
	    "channel", p->channel, "channel_label", label(r, "report.channel", p->channel),
	    "place", p->place, "place_label", label(r, "report.place", p->place),
	    "behaviours", beh, "behaviours_label", beh_text,
	    "frequency", p->frequency,
	    "frequency_label", label(r, "report.frequency", p->frequency),
	    "reporter", p->reporter, "reporter_label", label(r, "report.reporter", p->reporter),
	    "status", p->status, "status_label", label(r, "report.status", p->status),
	    "unanswered", p->unanswered);
	if (j == NULL)
		return json_object();
	json_object_set_new(j, "occurred_on", jstr(p->occurred_on));
	json_object_set_new(j, "unit_id", p->unit_id ? json_integer(p->unit_id) : json_null());
	json_object_set_new(j, "unit_name", jstr(p->unit_name));
	json_object_set_new(j, "owner_id", p->owner_id ? json_integer(p->owner_id) : json_null());
	json_object_set_new(j, "owner_name", jstr(p->owner_name));
	json_object_set_new(j, "received_by", p->received_by ?
	    json_integer(p->received_by) : json_null());
	json_object_set_new(j, "receiver_name", jstr(p->receiver_name));
	json_object_set_new(j, "status_open", json_boolean(status_open(p->status)));
	json_object_set_new(j, "status_dismissed", json_boolean(status_dismissed(p->status)));
	json_object_set_new(j, "status_joined", json_boolean(strcmp(p->status, "joined") == 0));
	if (p->case_id > 0) {
		char number[16];
		case_number(p->case_year, p->case_seq, number);
		json_object_set_new(j, "case_id", json_integer(p->case_id));
		json_object_set_new(j, "case_number", json_string(number));
		json_object_set_new(j, "case_href", jstr(arena_printf(r->a, "/cases/%lld",
		    (long long)p->case_id)));
	} else {
		json_object_set_new(j, "case_id", json_null());
	}
	return j;
}

/* ------------------------------------------------------------------ */
/* Errors. */

/* The message of error code in the caller's language. */
static const char *
err_text(const req *r, const char *code)
{
	char key[96];
	snprintf(key, sizeof key, "error.%s", code);
	return i18n(r->lang, key);
}

/* ------------------------------------------------------------------ */
/* Entering a report: GET/POST /reports/new, POST /api/v1/reports. */

static const field create_fields[] = {
	{ "channel", FT_ENUM, 0, 0, 0, staff_channels },
	{ "received_at", FT_STRING, 0, 0, 19, NULL },
	{ "unit_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ "what", FT_TEXT, 0, 0, 2 * WHAT_MAX, NULL },
	{ "when_text", FT_STRING, 0, 0, 200, NULL },
	{ "occurred_on", FT_DATE, 0, 0, 0, NULL },
	{ "place", FT_ENUM, 0, 0, 0, report_places },
	{ "place_text", FT_STRING, 0, 0, 200, NULL },
	{ "behaviours", FT_ENUM, F_MULTI, 0, 0, behaviour_kinds },
	{ "involved", FT_TEXT, 0, 0, 1000, NULL },
	{ "frequency", FT_ENUM, 0, 0, 0, report_frequencies },
	{ "reporter", FT_ENUM, 0, 0, 0, reporter_kinds },
	{ "contact", FT_STRING, 0, 0, 200, NULL },
	{ "serious", FT_BOOL, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* Who enters a report where. school: the caller's own school; office:
 * the office's queue, or a school in its reach. */
struct intake_mode {
	bool school, office;
	struct office off;
};

static bool
intake_mode_of(req *r, struct intake_mode *m)
{
	memset(m, 0, sizeof *m);
	if (strcmp(r->user->unit_kind, "school") == 0 &&
	    policy_allow(r->user, A_REPORT_CREATE, r->user->unit_path)) {
		m->school = true;
		return true;
	}
	if (office_find(r->rdb, &m->off) == XA_OK &&
	    policy_allow(r->user, A_REPORT_CREATE, m->off.path))
		m->office = true;
	return m->office;
}

/* The form's model: the choices, and the values from in (NULL: the
 * defaults). error: a message already in the caller's language, field:
 * the field it is about (both may be NULL). */
static json_t *
form_model(req *r, const struct intake_mode *m, json_t *in, const char *error,
    const char *field_name)
{
	char day[11];
	today(r, day);
	const char *received = input_str(in, "received_at");
	if (received == NULL)
		received = fmt_time(r, now_s(), 'T');
	const char *beh = "";
	json_t *barr = json_object_get(in, "behaviours");
	if (json_is_array(barr)) {
		buf b;
		buf_init(&b, 1024);
		size_t i;
		json_t *v;
		json_array_foreach(barr, i, v) {
			if (b.len)
				buf_putc(&b, ',');
			buf_puts(&b, json_string_value(v) ? json_string_value(v) : "");
		}
		beh = arena_strdup(r->a, b.data ? b.data : "");
		buf_free(&b);
		if (beh == NULL)
			beh = "";
	}
	const char *str_fields[] = { "what", "when_text", "occurred_on", "place_text",
		"involved", "contact" };
	json_t *values = json_object();
	for (size_t i = 0; i < sizeof str_fields / sizeof str_fields[0]; i++)
		json_object_set_new(values, str_fields[i], jstr(input_str(in, str_fields[i])));
	json_object_set_new(values, "received_at", jstr(received));
	json_object_set_new(values, "serious", json_boolean(json_is_true(json_object_get(in,
	    "serious"))));
	json_t *model = json_pack("{s:{s:s}, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:s,"
	    " s:s, s:s, s:i, s:i}",
	    "page", "title_key", "intake.new_title",
	    "values", values,
	    "channels", vocab_options(r, "report.channel", staff_channels,
		input_str(in, "channel")),
	    "places", vocab_options(r, "report.place", report_places,
		input_str(in, "place") ? input_str(in, "place") : "unknown"),
	    "behaviour_choices", vocab_options(r, "behaviour", behaviour_kinds, beh),
	    "frequencies", vocab_options(r, "report.frequency", report_frequencies,
		input_str(in, "frequency") ? input_str(in, "frequency") : "unknown"),
	    "reporters", vocab_options(r, "report.reporter", reporter_kinds,
		input_str(in, "reporter")),
	    "schools", m->office ? school_options(r, A_REPORT_CREATE,
		input_int(in, "unit_id", 0)) : json_array(),
	    "is_office", m->office,
	    "own_school", "",
	    "today", day, "now_local", fmt_time(r, now_s(), 'T'),
	    "what_min", WHAT_MIN, "what_max", WHAT_MAX);
	if (model == NULL)
		return json_object();
	if (m->school) {
		const char *name = NULL;
		char path[96];
		if (school_find(r, r->user->unit_id, path, &name) == XA_OK && name != NULL)
			json_object_set_new(model, "own_school", json_string(name));
	}
	if (error != NULL)
		json_object_set_new(model, "error", json_string(error));
	if (field_name != NULL) {
		json_object_set_new(model, "error_field", json_string(field_name));
		json_object_set_new(model, "errors", json_pack("{s:b}", field_name, 1));
	}
	return model;
}

static void
report_new_page(req *r)
{
	struct intake_mode m;
	if (!intake_mode_of(r, &m)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	req_page(r, 200, form_model(r, &m, NULL, NULL, NULL));
}

/* A bad entry: the form again with its values and the message (page), or
 * the error (API). Nothing was written. */
static void
create_error(req *r, const struct intake_mode *m, int status, const char *code,
    const char *field_name)
{
	if (is_api(r)) {
		req_error(r, status, code, field_name);
		return;
	}
	req_page(r, status, form_model(r, m, r->in, err_text(r, code), field_name));
}

struct create_ctx {
	req *r;
	int64_t unit_id, queue_id, received_at, now;
	const char *channel, *occurred_on, *place, *behaviours, *frequency, *reporter;
	uint8_t wrapped[WRAPPED_KEY_LEN];
	void *body;
	size_t body_len;
	int64_t id;
};

static xa_err
create_run(db *conn, void *p)
{
	struct create_ctx *c = p;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "INSERT INTO reports (unit_id, queue_unit_id, channel,"
	    " wkey, body, occurred_on, place, behaviours, frequency, reporter, status,"
	    " received_by, owner_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?,"
	    " ?, ?, ?, 'new', ?, ?, ?, ?)", &st);
	if (e != XA_OK)
		return e;
	if (c->unit_id > 0)
		db_bind_int(st, 1, c->unit_id);
	else
		db_bind_null(st, 1);
	db_bind_int(st, 2, c->queue_id);
	db_bind_text(st, 3, c->channel, -1);
	db_bind_blob(st, 4, c->wrapped, sizeof c->wrapped);
	db_bind_blob(st, 5, c->body, c->body_len);
	db_bind_text(st, 6, c->occurred_on, -1);
	db_bind_text(st, 7, c->place, -1);
	db_bind_text(st, 8, c->behaviours, -1);
	db_bind_text(st, 9, c->frequency, -1);
	db_bind_text(st, 10, c->reporter, -1);
	db_bind_int(st, 11, c->r->user->account_id);
	db_bind_int(st, 12, c->r->user->account_id);
	db_bind_int(st, 13, c->received_at);
	db_bind_int(st, 14, c->now);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	c->id = db_last_id(conn);
	if ((e = notify_report(conn, c->id, c->queue_id, c->r->user->account_id,
	    c->now)) != XA_OK)
		return e;
	return audit_req(conn, c->r, "report.create", "report", c->id,
	    "channel,received_at,unit_id,what,when_text,occurred_on,place,place_text,"
	    "behaviours,involved,frequency,reporter,contact,serious", c->now);
}

static void
create_done(req *r, void *ctx, xa_err result)
{
	struct create_ctx *c = ctx;
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	const char *href = arena_printf(r->a, "/reports/%lld", (long long)c->id);
	if (!is_api(r)) {
		req_redirect(r, href ? href : "/reports");
		return;
	}
	json_t *j = json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)c->id,
	    "href", href ? href : "", "status", "new", "queue_unit_id", (json_int_t)c->queue_id);
	if (j != NULL)
		json_object_set_new(j, "unit_id", c->unit_id > 0 ? json_integer(c->unit_id) :
		    json_null());
	req_json(r, 201, j);
}

static void
report_create(req *r)
{
	struct intake_mode m;
	if (!intake_mode_of(r, &m)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	struct create_ctx *c = arena_calloc(r->a, 1, sizeof *c);
	if (c == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	c->r = r;
	c->now = now_s();
	long zone = zone_of(r);
	/* Where it goes. */
	if (m.school) {
		c->unit_id = r->user->unit_id;
		c->queue_id = r->user->unit_id;
	} else {
		int64_t uid = input_int(r->in, "unit_id", 0);
		char path[96];
		if (uid > 0 && (school_find(r, uid, path, NULL) != XA_OK ||
		    !policy_allow(r->user, A_REPORT_CREATE, path))) {
			create_error(r, &m, 400, "intake_bad_school", "unit_id");
			return;
		}
		c->unit_id = uid;
		c->queue_id = uid > 0 ? uid : m.off.id;
	}
	c->channel = input_str(r->in, "channel");
	if (c->channel == NULL) {
		create_error(r, &m, 400, "intake_channel", "channel");
		return;
	}
	const char *recv = input_str(r->in, "received_at");
	c->received_at = c->now;
	if (recv != NULL && parse_local_time(recv, zone, &c->received_at) != XA_OK) {
		create_error(r, &m, 400, "intake_received_at", "received_at");
		return;
	}
	if (c->received_at > c->now + FUTURE_SLACK) {
		create_error(r, &m, 400, "intake_received_future", "received_at");
		return;
	}
	if (c->received_at > c->now)
		c->received_at = c->now;
	if (c->received_at < c->now - RECEIVED_MAX_AGE) {
		create_error(r, &m, 400, "intake_received_old", "received_at");
		return;
	}
	const char *what = input_str(r->in, "what");
	size_t wn = cps(what);
	if (wn < WHAT_MIN || wn > WHAT_MAX) {
		create_error(r, &m, 400, "intake_what", "what");
		return;
	}
	char day[11];
	today(r, day);
	c->occurred_on = input_str(r->in, "occurred_on");
	if (c->occurred_on == NULL)
		c->occurred_on = "";
	if (c->occurred_on[0] != '\0' && strcmp(c->occurred_on, day) > 0) {
		create_error(r, &m, 400, "intake_occurred_future", "occurred_on");
		return;
	}
	/* Not after the day it was reported, nor before DATE_MIN (days
	 * compare as strings). */
	char received_day[11];
	day_format(day_of(c->received_at, zone), received_day);
	if (c->occurred_on[0] != '\0' && strcmp(c->occurred_on, received_day) > 0) {
		create_error(r, &m, 400, "intake_occurred_after_received", "occurred_on");
		return;
	}
	if (c->occurred_on[0] != '\0' && strcmp(c->occurred_on, DATE_MIN) < 0) {
		create_error(r, &m, 400, "intake_occurred_old", "occurred_on");
		return;
	}
	c->place = input_str(r->in, "place");
	if (c->place == NULL)
		c->place = "unknown";
	c->frequency = input_str(r->in, "frequency");
	if (c->frequency == NULL)
		c->frequency = "unknown";
	c->reporter = input_str(r->in, "reporter");
	if (c->reporter == NULL)
		c->reporter = "other";
	/* The behaviours in the vocabulary's order, each once. */
	buf b;
	buf_init(&b, 512);
	json_t *barr = json_object_get(r->in, "behaviours");
	for (size_t i = 0; behaviour_kinds[i] != NULL; i++) {
		size_t k;
		json_t *v;
		json_array_foreach(barr, k, v) {
			if (json_is_string(v) && strcmp(json_string_value(v), behaviour_kinds[i]) == 0) {
				if (b.len)
					buf_putc(&b, ',');
				buf_puts(&b, behaviour_kinds[i]);
				break;
			}
		}
	}
	c->behaviours = arena_strdup(r->a, b.data ? b.data : "");
	buf_free(&b);
	/* Copies that outlive r->in for the writer. */
	c->channel = arena_strdup(r->a, c->channel);
	c->occurred_on = arena_strdup(r->a, c->occurred_on);
	c->place = arena_strdup(r->a, c->place);
	c->frequency = arena_strdup(r->a, c->frequency);
	c->reporter = arena_strdup(r->a, c->reporter);
	if (c->behaviours == NULL || c->channel == NULL || c->occurred_on == NULL ||
	    c->place == NULL || c->frequency == NULL || c->reporter == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	/* The sealed part. */
	json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:b}",
	    "what", what,
	    "when_text", input_str(r->in, "when_text") ? input_str(r->in, "when_text") : "",
	    "place_text", input_str(r->in, "place_text") ? input_str(r->in, "place_text") : "",
	    "involved", input_str(r->in, "involved") ? input_str(r->in, "involved") : "",
	    "contact", input_str(r->in, "contact") ? input_str(r->in, "contact") : "",
	    "received_at", (json_int_t)c->received_at,
	    "serious", json_is_true(json_object_get(r->in, "serious")));
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	uint8_t key[32];
	xa_err e = text ? ckey_new(key, c->wrapped) : XA_ENOMEM;
	if (e == XA_OK)
		e = seal_blob(r->a, key, text, strlen(text), &c->body, &c->body_len);
	explicit_bzero(key, sizeof key);
	if (text != NULL) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	if (e != XA_OK) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_write(r, create_run, c, create_done);
}

/* ------------------------------------------------------------------ */
/* The queues: GET /reports, GET /api/v1/reports. */

static const field list_query[] = {
	{ "view", FT_ENUM, 0, 0, 0, views },
	{ "status", FT_ENUM, 0, 0, 0, status_filters },
	{ "channel", FT_ENUM, 0, 0, 0, report_channels },
	{ "unit_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ "limit", FT_INT, 0, 1, PER_PAGE, NULL },
	{ "offset", FT_INT, 0, 0, 1000000000, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The list's query string for another page or view ("" parts left out). */
static const char *
list_href(req *r, const char *view, const char *status, const char *channel,
    int64_t unit_id, int64_t offset)
{
	buf b;
	buf_init(&b, 512);
	buf_printf(&b, "/reports?view=%s&status=%s", view, status);
	if (channel[0] != '\0')
		buf_printf(&b, "&channel=%s", channel);
	if (unit_id > 0)
		buf_printf(&b, "&unit_id=%lld", (long long)unit_id);
	if (offset > 0)
		buf_printf(&b, "&offset=%lld", (long long)offset);
	const char *out = arena_strdup(r->a, b.data ? b.data : "/reports");
	buf_free(&b);
	return out ? out : "/reports";
}

static void
reports_list(req *r)
{
	struct office off;
	bool office = office_find(r->rdb, &off) == XA_OK && is_office(r, &off);
	bool school = !office && strcmp(r->user->unit_kind, "school") == 0 &&
	    policy_allow(r->user, A_REPORT_TRIAGE, r->user->unit_path);
	bool triager = office || school;
	struct intake_mode im;
	bool can_create = intake_mode_of(r, &im);
	const char *view = input_str(r->q, "view");
	if (view == NULL || (strcmp(view, "queue") == 0 && !triager))
		view = triager ? "queue" : "mine";
	bool queue = strcmp(view, "queue") == 0;
	const char *status = input_str(r->q, "status");
	if (status == NULL)
		status = "open";
	const char *channel = input_str(r->q, "channel");
	if (channel == NULL)
		channel = "";
	int64_t lim = input_int(r->q, "limit", PER_PAGE);
	int64_t offset = input_int(r->q, "offset", 0);
	int64_t unit_filter = office ? input_int(r->q, "unit_id", 0) : 0;
	const char *unit_filter_name = NULL;
	int64_t q1 = 0, q2 = 0;
	if (queue && office) {
		q1 = off.id;
		q2 = off.bureau_id;
		if (unit_filter > 0) {
			char path[96];
			if (school_find(r, unit_filter, path, &unit_filter_name) != XA_OK ||
			    !policy_allow(r->user, A_REPORT_TRIAGE, path)) {
				req_error(r, 400, "intake_bad_school", "unit_id");
				return;
			}
			q1 = q2 = unit_filter;
		}
	} else if (queue) {
		q1 = q2 = r->user->unit_id;
	}
	db_stmt *st = NULL;
	xa_err e;
	if (queue)
		e = db_prepare(r->rdb, "SELECT " REP_COLS REP_JOINS
		    " WHERE (r.queue_unit_id = ? OR r.queue_unit_id = ?)"
		    " AND ((? = 'open' AND r.status IN ('new', 'accepted')) OR ? = 'all'"
		    " OR r.status = ?) AND (? = '' OR r.channel = ?)"
		    " ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?", &st);
	else
		/* Taken or owned, while still queued within the caller's
		 * scope (rep_find's rule: moved to another school, it is
		 * that school's). */
		e = db_prepare(r->rdb, "SELECT " REP_COLS REP_JOINS
		    " WHERE (r.received_by = ? OR r.owner_id = ?)"
		    " AND ((? = 'open' AND r.status IN ('new', 'accepted')) OR ? = 'all'"
		    " OR r.status = ?) AND (? = '' OR r.channel = ?)"
		    " AND EXISTS (SELECT 1 FROM units q WHERE q.id = r.queue_unit_id"
		    " AND substr(q.path, 1, length(?)) = ?)"
		    " ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?", &st);
	if (e != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (queue) {
		db_bind_int(st, 1, q1);
		db_bind_int(st, 2, q2);
	} else {
		db_bind_int(st, 1, r->user->account_id);
		db_bind_int(st, 2, r->user->account_id);
	}
	db_bind_text(st, 3, status, -1);
	db_bind_text(st, 4, status, -1);
	db_bind_text(st, 5, status, -1);
	db_bind_text(st, 6, channel, -1);
	db_bind_text(st, 7, channel, -1);
	int k = 8;
	if (!queue) {
		db_bind_text(st, k++, r->user->scope_path, -1);
		db_bind_text(st, k++, r->user->scope_path, -1);
	}
	db_bind_int(st, k++, lim + 1);
	db_bind_int(st, k, offset);
	json_t *rows = json_array();
	int64_t n = 0;
	bool more = false;
	int rc;
	while ((rc = db_step(st)) == 1) {
		if (n == lim) {
			more = true;
			break;
		}
		struct rep p;
		memset(&p, 0, sizeof p);
		rep_read(r, st, &p);
		json_array_append_new(rows, rep_json(r, &p));
		n++;
	}
	db_done(st);
	if (rc < 0) {
		json_decref(rows);
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	json_t *model = json_pack("{s:{s:s}, s:s, s:o, s:I, s:I, s:b, s:b, s:b, s:b}",
	    "page", "title_key", "intake.list_title", "view", view, "reports", rows,
	    "limit", (json_int_t)lim, "offset", (json_int_t)offset,
	    "can_queue", triager, "can_create", can_create, "is_office", office,
	    "is_queue", queue);
	if (model == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	json_object_set_new(model, "next_offset", more ? json_integer(offset + lim) :
	    json_null());
	json_object_set_new(model, "filter", json_pack("{s:s, s:s, s:o}", "status", status,
	    "channel", channel, "unit_id", unit_filter > 0 ? json_integer(unit_filter) :
	    json_null()));
	if (!is_api(r)) {
		/* The page's choices, tabs and paging. */
		json_object_set_new(model, "statuses", vocab_options(r, "intake.filter",
		    status_filters, status));
		json_object_set_new(model, "channel_choices", vocab_options(r, "report.channel",
		    report_channels, channel));
		if (office)
			json_object_set_new(model, "schools", school_options(r, A_REPORT_TRIAGE,
			    unit_filter));
		json_object_set_new(model, "queue_href", jstr(list_href(r, "queue", "open", "",
		    0, 0)));
		json_object_set_new(model, "mine_href", jstr(list_href(r, "mine", "open", "",
		    0, 0)));
		if (offset > 0)
			json_object_set_new(model, "prev_href", jstr(list_href(r, view, status,
			    channel, unit_filter, offset > lim ? offset - lim : 0)));
		if (more)
			json_object_set_new(model, "next_href", jstr(list_href(r, view, status,
			    channel, unit_filter, offset + lim)));
		json_object_set_new(model, "paged", json_boolean(offset > 0 || more));
		json_object_set_new(model, "page_no", json_integer(offset / lim + 1));
		const char *heading = "intake.mine_heading";
		if (queue)
			heading = unit_filter > 0 ? "intake.school_queue_heading" : office ?
			    "intake.office_queue_heading" : "intake.queue_heading";
		json_object_set_new(model, "heading_key", json_string(heading));
		json_object_set_new(model, "unit_filter_name", jstr(unit_filter_name));
	}
	req_answer(r, 200, model);
}

/* ------------------------------------------------------------------ */
/* One report: GET /reports/{id}, GET /api/v1/reports/{id}. The sealed
 * content is opened, the read audited through the writer, and only then
 * the answer sent. Page actions that fail come back here with their
 * message. */

/* The report's key. XA_ENOTFOUND when it was destroyed. */
static xa_err
rep_key(req *r, const struct rep *p, uint8_t key[32])
{
	return report_key(r->rdb, p->id, key);
}

/* The accounts a report can be handed to: active people of its queue's
 * unit (not the administrators), but its owner. */
static json_t *
handover_options(req *r, const struct rep *p)
{
	json_t *arr = json_array();
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT a.id, a.display_name FROM accounts a"
	    " WHERE a.unit_id = ? AND a.disabled = 0 AND EXISTS (SELECT 1 FROM"
	    " account_roles ar WHERE ar.account_id = a.id AND ar.role NOT IN"
	    " ('sysadmin', 'secadmin', 'auditadmin')) ORDER BY a.display_name, a.id", &st)
	    != XA_OK)
		return arr;
	db_bind_int(st, 1, p->queue_id);
	size_t n = 0;
	while (n < MAX_OPTIONS && db_step(st) == 1) {
		int64_t id = db_col_int(st, 0);
		if (id == p->owner_id)
			continue;
		json_array_append_new(arr, json_pack("{s:I, s:s}", "value", (json_int_t)id,
		    "label", db_col_text(st, 1)));
		n++;
	}
	db_done(st);
	return arr;
}

/* The open cases of the report's school a report may join. */
static json_t *
case_options(req *r, const struct rep *p)
{
	json_t *arr = json_array();
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT id, year, seq, state FROM cases WHERE unit_id = ?"
	    " AND state NOT IN ('closed', 'archived') ORDER BY opened_at DESC, id DESC",
	    &st) != XA_OK)
		return arr;
	db_bind_int(st, 1, p->unit_id);
	size_t n = 0;
	while (n < MAX_OPTIONS && db_step(st) == 1) {
		char number[16];
		case_number((int)db_col_int(st, 1), (int)db_col_int(st, 2), number);
		const char *lbl = arena_printf(r->a, "%s · %s", number,
		    label(r, "state", db_col_text(st, 3)));
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s}", "value",
		    (json_int_t)db_col_int(st, 0), "number", number, "label", lbl ? lbl : number));
		n++;
	}
	db_done(st);
	return arr;
}

/* The report's attachments, with their sizes as people read them. */
static json_t *
attachments_json(req *r, const struct rep *p, const uint8_t key[32])
{
	json_t *arr = report_attachments_model(r, p->id, key);
	size_t i;
	json_t *a;
	json_array_foreach(arr, i, a) {
		int64_t size = (int64_t)json_integer_value(json_object_get(a, "size"));
		const char *t = size >= 1024 * 1024 ?
		    arena_printf(r->a, "%.1f MB", (double)size / (1024.0 * 1024.0)) :
		    arena_printf(r->a, "%lld KB", (long long)((size + 1023) / 1024));
		json_object_set_new(a, "size_text", jstr(t));
	}
	return arr;
}

/* What the caller may do next, as flags and the choices each needs. */
static json_t *
actions_json(req *r, const struct rep *p, const struct racc *acc)
{
	bool open = status_open(p->status);
	bool accept = acc->triage && strcmp(p->status, "new") == 0;
	bool dismiss = acc->triage && open;
	bool reopen = acc->triage && status_dismissed(p->status);
	bool assign = acc->office && open;
	bool handover = (acc->triage || acc->owner) && open;
	bool open_case = acc->case_write && open && p->unit_id > 0;
	json_t *a = json_pack("{s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b}",
	    "accept", accept, "dismiss", dismiss, "reopen", reopen, "assign", assign,
	    "handover", handover, "open_case", open_case, "join", open_case,
	    "any", accept || dismiss || reopen || assign || handover || open_case);
	if (a == NULL)
		return json_object();
	json_object_set_new(a, "schools", assign ?
	    school_options(r, A_REPORT_TRIAGE, p->unit_id) : json_array());
	json_object_set_new(a, "accounts", handover ? handover_options(r, p) : json_array());
	json_object_set_new(a, "cases", open_case ? case_options(r, p) : json_array());
	json_object_set_new(a, "dismiss_statuses", dismiss ?
	    vocab_options(r, "report.status", dismiss_statuses, "") : json_array());
	json_object_set_new(a, "triage_hint", json_boolean(!acc->triage && open));
	json_object_set_new(a, "no_school", json_boolean(open && p->unit_id == 0));
	return a;
}

/* Adds the opened content of p to model: the narrative and the other
 * sealed fields, the reasons, the attachments. Sets *gone when the key
 * was destroyed. Returns the audit fields read. */
static const char *
content_json(req *r, const struct rep *p, json_t *model)
{
	uint8_t key[32];
	bool have_key = rep_key(r, p, key) == XA_OK;
	json_t *content = json_object();
	const char *fields = "body";
	char *text = NULL;
	if (have_key && p->body != NULL &&
	    open_blob(r->a, key, p->body, p->body_len, &text, NULL) == XA_OK) {
		json_t *b = json_loads(text, 0, NULL);
		const char *what = json_string_value(json_object_get(b, "what"));
		json_object_set_new(content, "what_lines", lines_json(what));
		static const char *const plain[] = { "when_text", "place_text", "involved",
			"contact" };
		for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
			const char *v = json_string_value(json_object_get(b, plain[i]));
			json_object_set_new(content, plain[i], jstr(v));
		}
		json_object_set_new(content, "involved_lines", lines_json(
		    json_string_value(json_object_get(b, "involved"))));
		json_t *ra = json_object_get(b, "received_at");
		json_object_set_new(content, "received_text", jstr(json_is_integer(ra) ?
		    fmt_time(r, (int64_t)json_integer_value(ra), ' ') : json_string_value(ra)));
		json_object_set_new(content, "serious", json_boolean(json_is_true(
		    json_object_get(b, "serious"))));
		json_object_set_new(content, "what", jstr(what));
		json_decref(b);
		explicit_bzero(text, strlen(text));
	} else {
		json_object_set_new(content, "gone", json_true());
	}
	json_object_set_new(model, "content", content);
	if (p->reason != NULL) {
		fields = "body,reason";
		char *reason = NULL;
		if (have_key && open_blob(r->a, key, p->reason, p->reason_len, &reason,
		    NULL) == XA_OK) {
			json_object_set_new(model, "reason_lines", lines_json(reason));
			json_object_set_new(model, "reason", json_string(reason));
		}
	}
	if (have_key) {
		json_t *thread = report_thread_model(r, p->id, key);
		if (json_array_size(thread) > 0)
			fields = p->reason != NULL ? "body,reason,messages" : "body,messages";
		json_object_set_new(model, "thread", thread);
		json_t *att = attachments_json(r, p, key);
		if (json_array_size(att) > 0)
			fields = arena_printf(r->a, "%s,attachments", fields);
		json_object_set_new(model, "attachments", att);
	} else {
		json_object_set_new(model, "thread", json_array());
		json_object_set_new(model, "attachments", json_array());
	}
	explicit_bzero(key, sizeof key);
	return fields ? fields : "body";
}

struct show_ctx {
	req *r;
	int64_t id;
	const char *fields;
	int status;
	json_t *model;
};

static xa_err
show_run(db *conn, void *p)
{
	struct show_ctx *c = p;
	return audit_req(conn, c->r, "report.read", "report", c->id, c->fields, now_s());
}

static void
show_done(req *r, void *ctx, xa_err result)
{
	struct show_ctx *c = ctx;
	json_t *model = c->model;
	c->model = NULL;
	if (result != XA_OK) {
		json_decref(model);
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_answer(r, c->status, model);
}

/* Answers with report p's page (or JSON) after auditing the read; error
 * (in the caller's language, may be NULL) is shown above everything. */
static void
show_answer(req *r, const struct rep *p, const struct racc *acc, int status,
    const char *error, const char *field_name)
{
	struct show_ctx *c = arena_calloc(r->a, 1, sizeof *c);
	json_t *model = json_pack("{s:{s:s}, s:o, s:o}", "page", "title_key",
	    "intake.report_title", "report", rep_json(r, p), "actions", actions_json(r, p, acc));
	if (c == NULL || model == NULL) {
		json_decref(model);
		req_error(r, 500, "internal", NULL);
		return;
	}
	json_object_set_new(model, "queue_name", jstr(p->queue_name));
	json_object_set_new(model, "is_online", json_boolean(strcmp(p->channel, "online") == 0));
	if (error != NULL)
		json_object_set_new(model, "error", json_string(error));
	if (field_name != NULL)
		json_object_set_new(model, "errors", json_pack("{s:b}", field_name, 1));
	c->r = r;
	c->id = p->id;
	c->status = status;
	c->fields = content_json(r, p, model);
	c->model = model;
	req_write(r, show_run, c, show_done);
}

static void
report_show(req *r)
{
	struct rep p;
	struct racc acc;
	if (!rep_find_or_404(r, &p, &acc))
		return;
	show_answer(r, &p, &acc, 200, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* Triage actions. Each: find the report (404 like a missing one), check
 * the caller may take this step (404 otherwise) and that the report's
 * state allows it (409), check the input (400), then one writer job that
 * changes the row only if it is still as it was read, with its audit
 * record. A page form comes back to the report with the message. */

enum act_kind { ACT_ACCEPT, ACT_ASSIGN, ACT_HANDOVER, ACT_DISMISS, ACT_REOPEN,
	ACT_CASE, ACT_JOIN };

struct act_ctx {
	req *r;
	enum act_kind kind;
	int64_t id, now, stamp;		/* stamp: updated_at as read */
	const char *status;		/* as read */
	const char *new_status;
	int64_t unit_id;		/* assign */
	int64_t owner_id;		/* handover */
	void *reason;			/* dismiss, reopen: sealed */
	size_t reason_len;
	int64_t case_id;		/* join; case: the new case */
	const char *meta;		/* join: the note's meta */
	char number[16];		/* case: its number */
	case_new cn;			/* case */
	int64_t reports[1];
	audit_entry who;
	long zone;
	bool still_visible;		/* the caller may still open the report */
};

/* A failed step: the report page with the message (page), or the error
 * (API). */
static void
act_error(req *r, const struct rep *p, const struct racc *acc, int status,
    const char *code, const char *field_name)
{
	if (is_api(r)) {
		req_error(r, status, code, field_name);
		return;
	}
	show_answer(r, p, acc, status, err_text(r, code), field_name);
}

/* The time the change is stamped with: now, but always later than the
 * row's last stamp, so that updated_at also serves as its version. */
static int64_t
next_stamp(int64_t now, int64_t old)
{
	return now > old ? now : old + 1;
}

static xa_err
step_changes(db *conn, db_stmt *st)
{
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	return db_changes(conn) == 1 ? XA_OK : XA_ECONFLICT;
}

static xa_err
act_run(db *conn, void *p)
{
	struct act_ctx *c = p;
	int64_t stamp = next_stamp(c->now, c->stamp);
	db_stmt *st = NULL;
	xa_err e = XA_OK;
	const char *action = "", *fields = "";
	switch (c->kind) {
	case ACT_ACCEPT:
		if ((e = db_prepare(conn, "UPDATE reports SET status = 'accepted', updated_at = ?"
		    " WHERE id = ? AND status = 'new' AND updated_at = ?", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, stamp);
		db_bind_int(st, 2, c->id);
		db_bind_int(st, 3, c->stamp);
		action = "report.accept";
		fields = "status";
		break;
	case ACT_ASSIGN:
		if ((e = db_prepare(conn, "UPDATE reports SET unit_id = ?, queue_unit_id = ?,"
		    " updated_at = ? WHERE id = ? AND status = ? AND updated_at = ?", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, c->unit_id);
		db_bind_int(st, 2, c->unit_id);
		db_bind_int(st, 3, stamp);
		db_bind_int(st, 4, c->id);
		db_bind_text(st, 5, c->status, -1);
		db_bind_int(st, 6, c->stamp);
		action = "report.assign";
		fields = "unit_id,queue_unit_id";
		break;
	case ACT_HANDOVER:
		if ((e = db_prepare(conn, "UPDATE reports SET owner_id = ?, updated_at = ?"
		    " WHERE id = ? AND status = ? AND updated_at = ?", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, c->owner_id);
		db_bind_int(st, 2, stamp);
		db_bind_int(st, 3, c->id);
		db_bind_text(st, 4, c->status, -1);
		db_bind_int(st, 5, c->stamp);
		action = "report.handover";
		fields = "owner_id";
		break;
	case ACT_DISMISS:
	case ACT_REOPEN:
		if ((e = db_prepare(conn, "UPDATE reports SET status = ?, reason = ?,"
		    " updated_at = ? WHERE id = ? AND status = ? AND updated_at = ?", &st)) != XA_OK)
			return e;
		db_bind_text(st, 1, c->new_status, -1);
		db_bind_blob(st, 2, c->reason, c->reason_len);
		db_bind_int(st, 3, stamp);
		db_bind_int(st, 4, c->id);
		db_bind_text(st, 5, c->status, -1);
		db_bind_int(st, 6, c->stamp);
		action = c->kind == ACT_DISMISS ? "report.dismiss" : "report.reopen";
		fields = "status,reason";
		break;
	case ACT_JOIN: {
		/* The case must still be open and the school's. */
		if ((e = db_prepare(conn, "SELECT unit_id, state FROM cases WHERE id = ?",
		    &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, c->case_id);
		int ok = db_step(st) == 1 && db_col_int(st, 0) == c->unit_id &&
		    strcmp(db_col_text(st, 1), "closed") != 0 &&
		    strcmp(db_col_text(st, 1), "archived") != 0;
		db_done(st);
		if (!ok)
			return XA_ECONFLICT;
		if ((e = db_prepare(conn, "UPDATE reports SET status = 'joined', case_id = ?,"
		    " updated_at = ? WHERE id = ? AND unit_id = ? AND status = ? AND"
		    " updated_at = ?", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, c->case_id);
		db_bind_int(st, 2, stamp);
		db_bind_int(st, 3, c->id);
		db_bind_int(st, 4, c->unit_id);
		db_bind_text(st, 5, c->status, -1);
		db_bind_int(st, 6, c->stamp);
		if ((e = step_changes(conn, st)) != XA_OK)
			return e;
		event_new ev = { .case_id = c->case_id, .kind = "note",
			.author_id = c->r->user->account_id, .meta = c->meta,
			.occurred_at = c->now };
		if ((e = case_event_add(conn, &ev, &c->who, c->now, NULL)) != XA_OK)
			return e;
		return audit_req(conn, c->r, "report.join", "report", c->id, "status,case_id",
		    c->now);
	}
	case ACT_CASE: {
		if ((e = db_prepare(conn, "SELECT status, updated_at, unit_id FROM reports"
		    " WHERE id = ?", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, c->id);
		int ok = db_step(st) == 1 && strcmp(db_col_text(st, 0), c->status) == 0 &&
		    db_col_int(st, 1) == c->stamp && db_col_int(st, 2) == c->cn.unit_id;
		db_done(st);
		if (!ok)
			return XA_ECONFLICT;
		c->reports[0] = c->id;
		c->cn.reports = c->reports;
		c->cn.nreports = 1;
		e = case_open(conn, &c->cn, &c->who, c->now, c->zone, &c->case_id);
		if (e == XA_EINVAL)
			return XA_ECONFLICT;
		if (e != XA_OK)
			return e;
		if ((e = db_prepare(conn, "SELECT year, seq FROM cases WHERE id = ?", &st))
		    != XA_OK)
			return e;
		db_bind_int(st, 1, c->case_id);
		if (db_step(st) == 1)
			case_number((int)db_col_int(st, 0), (int)db_col_int(st, 1), c->number);
		db_done(st);
		return audit_req(conn, c->r, "report.case", "report", c->id, "status,case_id",
		    c->now);
	}
	}
	if ((e = step_changes(conn, st)) != XA_OK)
		return e;
	return audit_req(conn, c->r, action, "report", c->id, fields, c->now);
}

static void
act_done(req *r, void *ctx, xa_err result)
{
	struct act_ctx *c = ctx;
	if (result == XA_ECONFLICT) {
		/* Someone else moved it on meanwhile: nothing was changed. */
		struct rep p;
		struct racc acc;
		if (is_api(r) || rep_find(r, c->id, &p, &acc) != XA_OK) {
			req_error(r, 409, "intake_changed", NULL);
			return;
		}
		show_answer(r, &p, &acc, 409, err_text(r, "intake_changed"), NULL);
		return;
	}
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (c->kind == ACT_CASE) {
		if (is_api(r)) {
			req_json(r, 201, json_pack("{s:I, s:s, s:s}", "case_id",
			    (json_int_t)c->case_id, "number", c->number, "href",
			    arena_printf(r->a, "/cases/%lld", (long long)c->case_id)));
			return;
		}
		const char *to = arena_printf(r->a, "/cases/%lld", (long long)c->case_id);
		req_redirect(r, to ? to : "/reports");
		return;
	}
	if (!is_api(r)) {
		const char *to = c->still_visible ?
		    arena_printf(r->a, "/reports/%lld", (long long)c->id) : "/reports";
		req_redirect(r, to ? to : "/reports");
		return;
	}
	json_t *j = json_pack("{s:I, s:s}", "id", (json_int_t)c->id, "status",
	    c->new_status ? c->new_status : c->status);
	if (c->kind == ACT_ASSIGN)
		json_object_set_new(j, "unit_id", json_integer(c->unit_id));
	if (c->kind == ACT_HANDOVER)
		json_object_set_new(j, "owner_id", json_integer(c->owner_id));
	if (c->kind == ACT_JOIN)
		json_object_set_new(j, "case_id", json_integer(c->case_id));
	req_json(r, 200, j);
}

/* A new act for report p, or NULL (answered 500). */
static struct act_ctx *
act_new(req *r, const struct rep *p, enum act_kind kind)
{
	struct act_ctx *c = arena_calloc(r->a, 1, sizeof *c);
	if (c == NULL) {
		req_error(r, 500, "internal", NULL);
		return NULL;
	}
	c->r = r;
	c->kind = kind;
	c->id = p->id;
	c->now = now_s();
	c->stamp = p->updated_at;
	c->status = p->status;
	c->still_visible = true;
	return c;
}

/* The code of the 409 for a step the report's state does not allow. */
static const char *
state_code(const struct rep *p)
{
	if (strcmp(p->status, "joined") == 0)
		return "intake_joined";
	if (status_dismissed(p->status))
		return "intake_dismissed";
	return "intake_not_dismissed";
}

static void
report_accept(req *r)
{
	struct rep p;
	struct racc acc;
	if (!rep_find_or_404(r, &p, &acc))
		return;
	if (!acc.triage) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (strcmp(p.status, "new") != 0) {
		act_error(r, &p, &acc, 409, strcmp(p.status, "accepted") == 0 ?
		    "intake_already_accepted" : state_code(&p), NULL);
		return;
	}
	struct act_ctx *c = act_new(r, &p, ACT_ACCEPT);
	if (c == NULL)
		return;
	c->new_status = "accepted";
	req_write(r, act_run, c, act_done);
}

static const field assign_fields[] = {
	{ "unit_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static void
report_assign(req *r)
{
	struct rep p;
	struct racc acc;
	if (!rep_find_or_404(r, &p, &acc))
		return;
	if (!acc.office) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (!status_open(p.status)) {
		act_error(r, &p, &acc, 409, state_code(&p), NULL);
		return;
	}
	int64_t uid = input_int(r->in, "unit_id", 0);
	char path[96];
	if (uid <= 0 || school_find(r, uid, path, NULL) != XA_OK ||
	    !policy_allow(r->user, A_REPORT_TRIAGE, path)) {
		act_error(r, &p, &acc, 400, "intake_bad_school", "unit_id");
		return;
	}
	struct act_ctx *c = act_new(r, &p, ACT_ASSIGN);
	if (c == NULL)
		return;
	c->unit_id = uid;
	req_write(r, act_run, c, act_done);
}

static const field handover_fields[] = {
	{ "account_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static void
report_handover(req *r)
{
	struct rep p;
	struct racc acc;
	if (!rep_find_or_404(r, &p, &acc))
		return;
	if (!acc.triage && !acc.owner) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (!status_open(p.status)) {
		act_error(r, &p, &acc, 409, state_code(&p), NULL);
		return;
	}
	int64_t to = input_int(r->in, "account_id", 0);
	if (to == p.owner_id && to > 0) {
		act_error(r, &p, &acc, 409, "intake_same_owner", "account_id");
		return;
	}
	int ok = 0;
	db_stmt *st = NULL;
	if (to > 0 && db_prepare(r->rdb, "SELECT 1 FROM accounts a WHERE a.id = ?"
	    " AND a.unit_id = ? AND a.disabled = 0 AND EXISTS (SELECT 1 FROM account_roles"
	    " ar WHERE ar.account_id = a.id AND ar.role NOT IN ('sysadmin', 'secadmin',"
	    " 'auditadmin'))", &st) == XA_OK) {
		db_bind_int(st, 1, to);
		db_bind_int(st, 2, p.queue_id);
		ok = db_step(st) == 1;
		db_done(st);
	}
	if (!ok) {
		act_error(r, &p, &acc, 400, "intake_bad_account", "account_id");
		return;
	}
	struct act_ctx *c = act_new(r, &p, ACT_HANDOVER);
	if (c == NULL)
		return;
	c->owner_id = to;
	c->still_visible = acc.triage || acc.receiver || to == r->user->account_id;
	req_write(r, act_run, c, act_done);
}

static const field dismiss_fields[] = {
	{ "status", FT_ENUM, 0, 0, 0, dismiss_statuses },
	{ "reason", FT_TEXT, 0, 0, 2 * REASON_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field reopen_fields[] = {
	{ "reason", FT_TEXT, 0, 0, 2 * REASON_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The sealed reason after this step: the reasons so far, a line with the
 * date, who and what, then the reason given. Sealed into c. */
static xa_err
reason_append(req *r, const struct rep *p, struct act_ctx *c, const char *what,
    const char *reason)
{
	uint8_t key[32];
	xa_err e = rep_key(r, p, key);
	if (e != XA_OK)
		return e;
	char *old = NULL;
	if (p->reason != NULL &&
	    (e = open_blob(r->a, key, p->reason, p->reason_len, &old, NULL)) != XA_OK)
		goto done;
	const char *text = arena_printf(r->a, "%s%s%s %s · %s\n%s", old ? old : "",
	    old && old[0] ? "\n\n" : "", fmt_time(r, c->now, ' '), r->user->display_name,
	    what, reason);
	e = text ? seal_blob(r->a, key, text, strlen(text), &c->reason, &c->reason_len) :
	    XA_ENOMEM;
done:
	explicit_bzero(key, sizeof key);
	return e;
}

static void
report_dismiss(req *r)
{
	struct rep p;
	struct racc acc;
	if (!rep_find_or_404(r, &p, &acc))
		return;
	if (!acc.triage) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (!status_open(p.status)) {
		act_error(r, &p, &acc, 409, state_code(&p), NULL);
		return;
	}
	const char *status = input_str(r->in, "status");
	if (status == NULL) {
		act_error(r, &p, &acc, 400, "intake_dismiss_status", "status");
		return;
	}
	const char *reason = input_str(r->in, "reason");
	size_t n = cps(reason);
	if (n < REASON_MIN || n > REASON_MAX) {
		act_error(r, &p, &acc, 400, "intake_reason", "reason");
		return;
	}
	struct act_ctx *c = act_new(r, &p, ACT_DISMISS);
	if (c == NULL)
		return;
	c->new_status = strcmp(status, "prank") == 0 ? "prank" : "unfounded";
	const char *what = i18n(r->lang, strcmp(c->new_status, "prank") == 0 ?
	    "intake.reason_line_prank" : "intake.reason_line_unfounded");
	xa_err e = reason_append(r, &p, c, what, reason);
	if (e != XA_OK) {
		req_error(r, e == XA_ENOTFOUND ? 409 : 500, e == XA_ENOTFOUND ?
		    "intake_gone" : "internal", NULL);
		return;
	}
	req_write(r, act_run, c, act_done);
}

static void
report_reopen(req *r)
{
	struct rep p;
	struct racc acc;
	if (!rep_find_or_404(r, &p, &acc))
		return;
	if (!acc.triage) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (!status_dismissed(p.status)) {
		act_error(r, &p, &acc, 409, strcmp(p.status, "joined") == 0 ?
		    "intake_joined" : "intake_not_dismissed", NULL);
		return;
	}
	const char *reason = input_str(r->in, "reason");
	size_t n = cps(reason);
	if (n < REASON_MIN || n > REASON_MAX) {
		act_error(r, &p, &acc, 400, "intake_reason", "reason");
		return;
	}
	struct act_ctx *c = act_new(r, &p, ACT_REOPEN);
	if (c == NULL)
		return;
	c->new_status = "new";
	xa_err e = reason_append(r, &p, c, i18n(r->lang, "intake.reason_line_reopen"), reason);
	if (e != XA_OK) {
		req_error(r, e == XA_ENOTFOUND ? 409 : 500, e == XA_ENOTFOUND ?
		    "intake_gone" : "internal", NULL);
		return;
	}
	req_write(r, act_run, c, act_done);
}

static const field case_fields[] = {
	{ "summary", FT_STRING, 0, 0, 2 * SUMMARY_MAX, NULL },
	{ "serious", FT_BOOL, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* Checks shared by opening a case and joining one: the caller may write
 * the school's cases (404 otherwise), the report is open (409) and has a
 * school (409). Returns 0 when it has answered. */
static int
case_step_ok(req *r, const struct rep *p, const struct racc *acc)
{
	if (p->unit_id > 0 && !acc->case_write) {
		req_error(r, 404, "not_found", NULL);
		return 0;
	}
	if (p->unit_id == 0) {
		if (!acc->triage) {
			req_error(r, 404, "not_found", NULL);
			return 0;
		}
		act_error(r, p, acc, 409, "intake_no_school", NULL);
		return 0;
	}
	if (!status_open(p->status)) {
		act_error(r, p, acc, 409, state_code(p), NULL);
		return 0;
	}
	return 1;
}

static void
report_open_case(req *r)
{
	struct rep p;
	struct racc acc;
	if (!rep_find_or_404(r, &p, &acc))
		return;
	if (!case_step_ok(r, &p, &acc))
		return;
	const char *summary = input_str(r->in, "summary");
	if (summary != NULL && cps(summary) > SUMMARY_MAX) {
		act_error(r, &p, &acc, 400, "intake_summary", "summary");
		return;
	}
	struct act_ctx *c = act_new(r, &p, ACT_CASE);
	if (c == NULL)
		return;
	/* The narrative gives the summary when none is given, and says
	 * whether the receiver marked the report as possibly serious. */
	bool serious = json_is_true(json_object_get(r->in, "serious"));
	uint8_t key[32];
	char *text = NULL;
	xa_err e = rep_key(r, &p, key);
	if (e == XA_OK)
		e = open_blob(r->a, key, p.body, p.body_len, &text, NULL);
	explicit_bzero(key, sizeof key);
	if (e != XA_OK) {
		req_error(r, e == XA_ENOTFOUND ? 409 : 500, e == XA_ENOTFOUND ?
		    "intake_gone" : "internal", NULL);
		return;
	}
	json_t *b = json_loads(text, 0, NULL);
	explicit_bzero(text, strlen(text));
	serious = serious || json_is_true(json_object_get(b, "serious"));
	if (summary == NULL) {
		const char *what = json_string_value(json_object_get(b, "what"));
		summary = utf8_prefix(r, what ? what : "", SUMMARY_AUTO);
	} else {
		summary = arena_strdup(r->a, summary);
	}
	json_decref(b);
	if (summary == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	c->new_status = "joined";
	c->zone = case_zone(r);
	case_who(r, &c->who);
	c->cn.unit_id = p.unit_id;
	c->cn.summary = summary;
	c->cn.serious = serious;
	c->cn.owner_id = r->user->account_id;
	c->cn.created_by = r->user->account_id;
	req_write(r, act_run, c, act_done);
}

static const field join_fields[] = {
	{ "case_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static void
report_join(req *r)
{
	struct rep p;
	struct racc acc;
	if (!rep_find_or_404(r, &p, &acc))
		return;
	if (!case_step_ok(r, &p, &acc))
		return;
	int64_t cid = input_int(r->in, "case_id", 0);
	int found = 0;
	bool closed = false;
	db_stmt *st = NULL;
	if (cid > 0 && db_prepare(r->rdb, "SELECT state FROM cases WHERE id = ? AND"
	    " unit_id = ?", &st) == XA_OK) {
		db_bind_int(st, 1, cid);
		db_bind_int(st, 2, p.unit_id);
		if (db_step(st) == 1) {
			found = 1;
			closed = strcmp(db_col_text(st, 0), "closed") == 0 ||
			    strcmp(db_col_text(st, 0), "archived") == 0;
		}
		db_done(st);
	}
	if (!found) {
		act_error(r, &p, &acc, 400, "intake_bad_case", "case_id");
		return;
	}
	if (closed) {
		act_error(r, &p, &acc, 409, "intake_case_closed", "case_id");
		return;
	}
	struct act_ctx *c = act_new(r, &p, ACT_JOIN);
	if (c == NULL)
		return;
	c->new_status = "joined";
	c->case_id = cid;
	c->unit_id = p.unit_id;
	c->meta = arena_printf(r->a, "{\"report_id\":%lld}", (long long)p.id);
	case_who(r, &c->who);
	if (c->meta == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_write(r, act_run, c, act_done);
}

/* ------------------------------------------------------------------ */

#define PAGE R_AUTH
#define API (R_API | R_AUTH)

const route reports_routes[] = {
	{ M_GET, "/api/v1/reports", reports_list, API, list_query, NULL, NULL,
	  "api_reports" },
	{ M_POST, "/api/v1/reports", report_create, API, NULL, create_fields, NULL,
	  "api_reports_create" },
	{ M_GET, "/api/v1/reports/{id:int}", report_show, API, NULL, NULL, NULL,
	  "api_report" },
	{ M_POST, "/api/v1/reports/{id:int}/accept", report_accept, API, NULL, NULL, NULL,
	  "api_report_accept" },
	{ M_POST, "/api/v1/reports/{id:int}/assign", report_assign, API, NULL, assign_fields,
	  NULL, "api_report_assign" },
	{ M_POST, "/api/v1/reports/{id:int}/handover", report_handover, API, NULL,
	  handover_fields, NULL, "api_report_handover" },
	{ M_POST, "/api/v1/reports/{id:int}/dismiss", report_dismiss, API, NULL,
	  dismiss_fields, NULL, "api_report_dismiss" },
	{ M_POST, "/api/v1/reports/{id:int}/reopen", report_reopen, API, NULL, reopen_fields,
	  NULL, "api_report_reopen" },
	{ M_POST, "/api/v1/reports/{id:int}/case", report_open_case, API, NULL, case_fields,
	  NULL, "api_report_case" },
	{ M_POST, "/api/v1/reports/{id:int}/join", report_join, API, NULL, join_fields,
	  NULL, "api_report_join" },
	{ M_GET, "/reports", reports_list, PAGE, list_query, NULL, "reports", "reports" },
	{ M_GET, "/reports/new", report_new_page, PAGE, NULL, NULL, "report_form",
	  "report_new_staff" },
	{ M_POST, "/reports/new", report_create, PAGE, NULL, create_fields, "report_form",
	  "report_create" },
	{ M_GET, "/reports/{id:int}", report_show, PAGE, NULL, NULL, "report", "report" },
	{ M_POST, "/reports/{id:int}/accept", report_accept, PAGE, NULL, NULL, "report",
	  "report_accept" },
	{ M_POST, "/reports/{id:int}/assign", report_assign, PAGE, NULL, assign_fields,
	  "report", "report_assign" },
	{ M_POST, "/reports/{id:int}/handover", report_handover, PAGE, NULL,
	  handover_fields, "report", "report_handover" },
	{ M_POST, "/reports/{id:int}/dismiss", report_dismiss, PAGE, NULL, dismiss_fields,
	  "report", "report_dismiss" },
	{ M_POST, "/reports/{id:int}/reopen", report_reopen, PAGE, NULL, reopen_fields,
	  "report", "report_reopen" },
	{ M_POST, "/reports/{id:int}/case", report_open_case, PAGE, NULL, case_fields,
	  "report", "report_case" },
	{ M_POST, "/reports/{id:int}/join", report_join, PAGE, NULL, join_fields, "report",
	  "report_join" },
};
const size_t reports_routes_count = sizeof reports_routes / sizeof reports_routes[0];
