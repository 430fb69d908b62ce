/* cases_http.c: the heart of case handling — the case lists, the case
 * page (header, parties, chronology, next steps), adding parties and
 * chronology entries, attachments, the state machine's transitions with
 * their forms, the legal-process flag and the printed dossier (专门档案).
 *
 * Pages and API share one model per route. Every handler finds its case
 * through case_load_or_404(), so a case out of reach answers exactly like
 * a missing one; every change goes through req_write() with its audit
 * record; every read of sealed content (names, guardians, narratives,
 * notes, files) writes a "case.read" (or download / dossier) record before
 * the answer leaves. Never: put a name or a narrative in a list, show a
 * restricted entry's content to someone without counselling access, edit
 * or delete a chronology entry, or let a transition through that the
 * rules found something missing for. */
#include "cases_http.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../auth/auth.h"
#include "../auth/session.h"
#include "../auth/settings.h"
#include "../core/buf.h"
#include "../core/calendar.h"
#include "../core/i18n.h"
#include "../core/log.h"
#include "../core/utf8.h"
#include "../http/input.h"
#include "../notify/notify_http.h"
#include "../org/org.h"
#include "attach.h"
#include "dossier.h"

#define ID_MAX 999999999999LL
#define LIST_LIMIT 50
#define DOSSIER_MAX (64u << 20)

/* ------------------------------------------------------------------ */
/* Small helpers. */

static int
is_api(const req *r)
{
	return r->route != NULL && (r->route->flags & R_API) != 0;
}

static json_t *
jstr(const char *s)
{
	return json_string(s ? s : "");
}

/* The catalog text of "<prefix>.<name>"; "" for an empty name (i18n_name). */
static const char *
tr(req *r, const char *prefix, const char *name)
{
	return i18n_name(r->lang, prefix, name);
}

/* "2026-11-29 10:30" in the bureau's zone; "" for 0. */
static const char *
when_text(req *r, int64_t t, long zone)
{
	if (t <= 0)
		return "";
	char out[17];
	time_format(t, zone, ' ', out);
	const char *s = arena_strdup(r->a, out);
	return s ? s : "";
}

/* A deadline: one that falls when a day ends reads as that day's
 * "24:00" (as official notices write it), not the next day's 00:00. */
static const char *
due_text(req *r, int64_t t, long zone)
{
	if (t <= 0)
		return "";
	xa_day d = day_of(t, zone);
	if (t != day_start(d, zone))
		return when_text(r, t, zone);
	char ds[11];
	day_format(d - 1, ds);
	const char *out = arena_printf(r->a, "%s 24:00", ds);
	return out ? out : "";
}

/* "2026-11-29T10:30" for a datetime-local input. */
static const char *
local_input(req *r, int64_t t, long zone)
{
	char out[17];
	time_format(t, zone, 'T', out);
	const char *s = arena_strdup(r->a, out);
	return s ? s : "";
}

static const char *
today_text(req *r, int64_t now, long zone)
{
	char ds[11];
	day_format(day_of(now, zone), ds);
	const char *out = arena_strdup(r->a, ds);
	return out ? out : "";
}

/* Reads n digits at p into *v; 0 on success. */
static int
digits(const char *p, int n, long *v)
{
	long x = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		x = x * 10 + (p[i] - '0');
	}
	*v = x;
	return 0;
}

/* Parses a moment: "YYYY-MM-DD", optionally followed by "T" or " " and
 * "HH:MM" or "HH:MM:SS", optionally followed by "Z" or "+HH:MM" /
 * "-HH:MM". Without an offset it is the bureau's local time. 0 on
 * success. */
static int
parse_when(const char *s, long zone, int64_t *out)
{
	if (s == NULL || strlen(s) < 10)
		return -1;
	char ds[11];
	memcpy(ds, s, 10);
	ds[10] = '\0';
	xa_day day;
	if (day_parse(ds, &day) != XA_OK)
		return -1;
	const char *p = s + 10;
	long h = 0, m = 0, sec = 0, off = zone;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (digits(p, 2, &h) != 0 || p[2] != ':' || digits(p + 3, 2, &m) != 0)
			return -1;
		p += 5;
		if (*p == ':') {
			if (digits(p + 1, 2, &sec) != 0)
				return -1;
			p += 3;
		}
		if (h > 23 || m > 59 || sec > 59)
			return -1;
	}
	if (*p == 'Z') {
		off = 0;
		p++;
	} else if (*p == '+' || *p == '-') {
		long oh, om;
		if (digits(p + 1, 2, &oh) != 0 || p[3] != ':' || digits(p + 4, 2, &om) != 0 ||
		    oh > 14 || om > 59)
			return -1;
		off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
		p += 6;
	}
	if (*p != '\0')
		return -1;
	*out = (int64_t)day * 86400 + h * 3600 + m * 60 + sec - off;
	return 0;
}

/* The comma-separated names of a validated multi field, or NULL. */
static const char *
csv_of(req *r, json_t *in, const char *name)
{
	json_t *a = json_object_get(in, name);
	if (json_is_string(a))
		return json_string_value(a);
	if (!json_is_array(a) || json_array_size(a) == 0)
		return NULL;
	buf b;
	buf_init(&b, 4096);
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) {
		if (i > 0)
			buf_putc(&b, ',');
		buf_puts(&b, json_string_value(v) ? json_string_value(v) : "");
	}
	const char *out = arena_strdup(r->a, b.data ? b.data : "");
	buf_free(&b);
	return out;
}

/* 1 when csv names name. */
static int
csv_has(const char *csv, const char *name)
{
	if (csv == NULL)
		return 0;
	size_t n = strlen(name);
	for (const char *p = csv; *p;) {
		size_t k = strcspn(p, ",");
		if (k == n && strncmp(p, name, n) == 0)
			return 1;
		p += k;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* Between the items of a list: "、" in Chinese, ", " in English (not a
 * catalog text: the catalog's Chinese must hold a Han character). */
static const char *
list_sep(const req *r)
{
	return strcmp(r->lang, "en") == 0 ? ", " : "、";
}

/* A party's label in the reader's language: "学生A" reads "Student A". */
static const char *
alias_label(req *r, const char *alias)
{
	static const char prefix[] = "学生";
	if (strcmp(r->lang, "en") == 0 && strncmp(alias, prefix, sizeof prefix - 1) == 0) {
		const char *out = arena_printf(r->a, "Student %s", alias + sizeof prefix - 1);
		return out ? out : alias;
	}
	return alias;
}

/* The nth alias (0: A, 25: Z, 26: AA, ...). */
static void
alias_for(int64_t n, char out[32])
{
	char letters[16];
	size_t k = 0;
	n += 1;
	while (n > 0 && k < sizeof letters) {
		n -= 1;
		letters[k++] = (char)('A' + n % 26);
		n /= 26;
	}
	size_t o = (size_t)snprintf(out, 32, "学生");
	while (k > 0 && o + 1 < 32)
		out[o++] = letters[--k];
	out[o] = '\0';
}

static const char *
grade_label(req *r, int64_t grade)
{
	if (grade < 1 || grade > 12)
		return "";
	const char *key = arena_printf(r->a, "grade.%d", (int)grade);
	return key ? i18n(r->lang, key) : "";
}

/* "七年级 2班". */
static const char *
class_text(req *r, int64_t grade, const char *class_name)
{
	const char *g = grade_label(r, grade);
	const char *out = arena_printf(r->a, "%s%s%s", g, g[0] && class_name[0] ? " " : "",
	    class_name);
	return out ? out : "";
}

/* Is the case's school one the caller works at with case rights? */
static bool
may_open_case(const principal *p)
{
	return p != NULL && strcmp(p->unit_kind, "school") == 0 &&
	    policy_allow(p, A_CASE_WRITE, p->unit_path);
}

/* How late something due at `due` is at `now`, in working days. A limit
 * falls due when its last day ends (deadline_due), so `due` is often the
 * next day's 00:00: the last day is the one the instant before it
 * belongs to (as the office's queue counts, oversight_http.c). */
static long
late_days(const calendar *cal, int64_t due, int64_t now, long zone)
{
	return workdays_between(cal, day_of(due - 1, zone), day_of(now, zone));
}

/* "调查已超期 3 个工作日" for a case in state s, due at due. */
static const char *
overdue_text(req *r, enum case_state s, long days)
{
	if (days <= 0)
		return i18n(r->lang, "case.overdue.today");
	const char *key = s == CS_REPORTED || s == CS_IMMEDIATE ? "case.overdue.immediate_action" :
	    s == CS_INVESTIGATING ? "case.overdue.investigating" :
	    s == CS_REVIEW ? "case.overdue.county_review" : "case.overdue.other";
	char n[24];
	snprintf(n, sizeof n, "%ld", days);
	return i18n_fill(r->a, r->lang, key, "n", n, NULL);
}

/* Who may take the step from → to: the school's handlers, except the
 * appeal and the county review, which the bureau office records. */
static bool
step_allowed(req *r, const case_row *c, const case_access *acc, enum case_state to)
{
	bool appeal = to == CS_APPEAL || to == CS_REVIEW || c->state == CS_APPEAL ||
	    c->state == CS_REVIEW;
	if (appeal)
		return policy_allow(r->user, A_APPEAL, c->unit_path);
	return acc->write;
}

/* A step that needs its own form (a determination, an appeal, its
 * outcome) rather than one button. */
static bool
step_has_form(const case_row *c, enum case_state to)
{
	return to == CS_DETERMINED || to == CS_APPEAL || to == CS_REVIEW ||
	    c->state == CS_APPEAL;
}

/* Missing keys that the step's own form supplies (so the case page lists
 * only what must be done elsewhere first). */
static bool
input_key(const char *k)
{
	static const char *const keys[] = {
		"missing.meeting_date", "missing.participants",
		"missing.participants_off_roster", "missing.finding", "missing.basis",
		"missing.behaviours", "missing.harms", "missing.intent",
		"missing.intent_for_bullying", "missing.imbalance",
		"missing.imbalance_for_bullying", "missing.repetition", "missing.place",
		"missing.tier", "missing.reasons", "missing.appeal_outcome",
		"missing.review_panel", "missing.appeal_lodged_on",
		"missing.appeal_lodged_by", "missing.appeal_late", NULL
	};
	return names_has(keys, k);
}

static json_t *
missing_list(req *r, const missing *m, bool skip_input)
{
	json_t *list = json_array();
	for (size_t i = 0; i < m->n; i++) {
		if (skip_input && input_key(m->keys[i]))
			continue;
		json_array_append_new(list, json_pack("{s:s, s:s}", "key", m->keys[i],
		    "message", i18n(r->lang, m->keys[i])));
	}
	return list;
}

/* Choices of a vocabulary for a form: [{name, label, checked}]. */
static json_t *
choices(req *r, const char *const *list, const char *prefix, const char *selected)
{
	json_t *a = json_array();
	for (size_t i = 0; list[i] != NULL; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "name", list[i],
		    "label", tr(r, prefix, list[i]), "checked", csv_has(selected, list[i])));
	return a;
}

/* Text of an event body: plain text, or a JSON object's "text" (or
 * "reasons"), as other writers may store it. */
static const char *
body_text(req *r, const char *s)
{
	if (s == NULL || s[0] != '{')
		return s;
	json_t *j = json_loads(s, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return s;
	}
	static const char *const keys[] = { "text", "reasons", "note", "narrative",
		"what", "answer", NULL };
	buf b;
	buf_init(&b, 1u << 20);
	for (size_t i = 0; keys[i] != NULL; i++) {
		const char *v = json_string_value(json_object_get(j, keys[i]));
		if (v != NULL && v[0] != '\0') {
			if (b.len > 0)
				buf_putc(&b, '\n');
			buf_puts(&b, v);
		}
	}
	json_decref(j);
	const char *out = b.len > 0 ? arena_strdup(r->a, b.data) : s;
	buf_free(&b);
	return out;
}

/* The hint shown with an entry form, or "" when the kind has none. */
static const char *
entry_hint(req *r, const char *kind)
{
	const char *key = arena_printf(r->a, "case.entry_hint.%s", kind);
	return key && i18n_has(r->lang, key) ? i18n(r->lang, key) : "";
}

/* text split into its lines, for paragraphs on a page. */
static json_t *
paras_of(const char *text)
{
	json_t *a = json_array();
	if (text == NULL)
		return a;
	for (const char *p = text; *p;) {
		size_t k = strcspn(p, "\n");
		size_t n = k;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > 0)
			json_array_append_new(a, json_stringn(p, n));
		p += k;
		if (*p == '\n')
			p++;
	}
	return a;
}

/* ------------------------------------------------------------------ */
/* Lists: /cases and /api/v1/cases. */

static const char *const list_views[] = { "mine", "open", "overdue", "archive", NULL };

static const field list_query[] = {
	{ "view", FT_ENUM, 0, 0, 0, list_views },
	{ "page", FT_INT, 0, 1, 100000, NULL },
	{ "limit", FT_INT, 0, 1, 200, NULL },
	{ "unit_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

enum reach { REACH_NONE, REACH_SCHOOL, REACH_TREE };

/* How far the caller's case lists reach: the bureau's tree, one school,
 * or only the cases they own or reported. */
static enum reach
list_reach(const principal *p)
{
	if ((p->roles & ROLES_BUREAU) && policy_allow(p, A_CASE_READ, p->scope_path))
		return REACH_TREE;
	if (strcmp(p->unit_kind, "school") == 0 && policy_allow(p, A_CASE_READ, p->unit_path))
		return REACH_SCHOOL;
	return REACH_NONE;
}

#define LIST_COLS "SELECT c.id, c.unit_id, u.name, c.year, c.seq, c.state, c.finding," \
	" c.tier, c.serious_flag, c.legal_process, c.supervised, c.appealed," \
	" c.opened_at, c.due_at, c.closed_at FROM cases c JOIN units u ON u.id = c.unit_id"

/* The statements, by view and by whether one school is asked for (an
 * index on unit_id) or the bureau's whole tree (a path prefix). */
static const char *const sql_open_unit = LIST_COLS
    " WHERE c.unit_id = ? AND c.state NOT IN ('closed', 'archived')"
    " ORDER BY c.opened_at DESC, c.id DESC LIMIT ? OFFSET ?";
static const char *const sql_open_tree = LIST_COLS
    " WHERE u.path LIKE ? AND c.state NOT IN ('closed', 'archived')"
    " ORDER BY c.opened_at DESC, c.id DESC LIMIT ? OFFSET ?";
static const char *const sql_overdue_unit = LIST_COLS
    " WHERE c.unit_id = ? AND c.state NOT IN ('closed', 'archived')"
    " AND c.due_at > 0 AND c.due_at < ? ORDER BY c.due_at, c.id LIMIT ? OFFSET ?";
static const char *const sql_overdue_tree = LIST_COLS
    " WHERE u.path LIKE ? AND c.state NOT IN ('closed', 'archived')"
    " AND c.due_at > 0 AND c.due_at < ? ORDER BY c.due_at, c.id LIMIT ? OFFSET ?";
static const char *const sql_archive_unit = LIST_COLS
    " WHERE c.unit_id = ? AND c.state IN ('closed', 'archived')"
    " ORDER BY c.closed_at DESC, c.id DESC LIMIT ? OFFSET ?";
static const char *const sql_archive_tree = LIST_COLS
    " WHERE u.path LIKE ? AND c.state IN ('closed', 'archived')"
    " ORDER BY c.closed_at DESC, c.id DESC LIMIT ? OFFSET ?";
static const char *const sql_mine = LIST_COLS
    " WHERE c.owner_id = ? OR c.id IN (SELECT case_id FROM reports WHERE"
    " received_by = ? AND case_id IS NOT NULL)"
    " ORDER BY c.opened_at DESC, c.id DESC LIMIT ? OFFSET ?";

/* One list row as the page and the API show it: no names, ever. */
static json_t *
list_item(req *r, db_stmt *st, const calendar *cal, int64_t now, long zone)
{
	int64_t id = db_col_int(st, 0);
	char number[16];
	case_number((int)db_col_int(st, 3), (int)db_col_int(st, 4), number);
	const char *state = db_col_text(st, 5);
	enum case_state s = CS_REPORTED;
	case_state_parse(state, &s);
	int64_t due = db_col_int(st, 13);
	bool overdue = due > 0 && due < now && !case_state_final(s);
	long late = overdue ? late_days(cal, due, now, zone) : 0;
	json_t *it = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s,"
	    " s:b, s:b, s:b, s:b, s:s, s:s, s:s, s:b, s:I, s:s}",
	    "id", (json_int_t)id,
	    "href", arena_printf(r->a, "/cases/%" PRId64, id),
	    "number", number,
	    "school", db_col_text(st, 2),
	    "unit_id", (json_int_t)db_col_int(st, 1),
	    "state", state,
	    "state_label", tr(r, "state", state),
	    "finding", db_col_text(st, 6),
	    "finding_label", tr(r, "finding", db_col_text(st, 6)),
	    "tier", db_col_text(st, 7),
	    "tier_label", tr(r, "tier", db_col_text(st, 7)),
	    "serious", db_col_int(st, 8) != 0,
	    "legal_process", db_col_int(st, 9) != 0,
	    "supervised", db_col_int(st, 10) != 0,
	    "appealed", db_col_int(st, 11) != 0,
	    "opened", when_text(r, db_col_int(st, 12), zone),
	    "due", due_text(r, due, zone),
	    "closed", when_text(r, db_col_int(st, 14), zone),
	    "overdue", overdue,
	    "overdue_days", (json_int_t)late,
	    "overdue_text", overdue ? overdue_text(r, s, late) : "");
	return it;
}

/* The schools of the bureau's tree, for the list's filter. */
static json_t *
tree_schools(req *r, const char *like, int64_t selected)
{
	json_t *a = json_array();
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT id, name FROM units WHERE kind = 'school' AND"
	    " path LIKE ? ORDER BY name, id", &st) != XA_OK)
		return a;
	db_bind_text(st, 1, like, -1);
	while (db_step(st) == 1)
		json_array_append_new(a, json_pack("{s:I, s:s, s:b}", "id",
		    (json_int_t)db_col_int(st, 0), "name", db_col_text(st, 1),
		    "selected", db_col_int(st, 0) == selected));
	db_done(st);
	return a;
}

static const char *
list_href(req *r, const char *view, int64_t unit, int64_t page)
{
	const char *u = unit > 0 ? arena_printf(r->a, "&unit_id=%" PRId64, unit) : "";
	const char *p = page > 1 ? arena_printf(r->a, "&page=%" PRId64, page) : "";
	const char *out = arena_printf(r->a, "/cases?view=%s%s%s", view, u ? u : "", p ? p : "");
	return out ? out : "/cases";
}

static void
cases_list(req *r)
{
	const principal *p = r->user;
	enum reach reach = list_reach(p);
	const char *view = input_str(r->q, "view");
	if (view == NULL)
		view = reach == REACH_NONE ? "mine" : "open";
	if (reach == REACH_NONE && strcmp(view, "mine") != 0) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	int64_t page = input_int(r->q, "page", 1);
	int64_t limit = input_int(r->q, "limit", LIST_LIMIT);
	int64_t unit = reach == REACH_TREE ? input_int(r->q, "unit_id", 0) : 0;
	int64_t now = (int64_t)time(NULL);
	long zone = case_zone(r);
	const char *like = arena_printf(r->a, "%s%%", p->scope_path);
	if (like == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (unit > 0) {
		char path[96];
		if (unit_path(r->rdb, unit, path, sizeof path) != XA_OK ||
		    !unit_within(path, p->scope_path)) {
			req_error(r, 404, "not_found", NULL);
			return;
		}
	}
	if (reach == REACH_SCHOOL)
		unit = p->unit_id;
	const char *sql;
	bool by_unit = unit > 0, mine = strcmp(view, "mine") == 0;
	bool overdue = strcmp(view, "overdue") == 0;
	if (mine)
		sql = sql_mine;
	else if (overdue)
		sql = by_unit ? sql_overdue_unit : sql_overdue_tree;
	else if (strcmp(view, "archive") == 0)
		sql = by_unit ? sql_archive_unit : sql_archive_tree;
	else
		sql = by_unit ? sql_open_unit : sql_open_tree;
	calendar cal = { 0 };
	if (calendar_load(r->rdb, &cal) != XA_OK)
		memset(&cal, 0, sizeof cal);
	json_t *items = json_array();
	bool more = false;
	db_stmt *st = NULL;
	xa_err e = db_prepare(r->rdb, sql, &st);
	if (e == XA_OK) {
		int i = 1;
		if (mine) {
			db_bind_int(st, i++, p->account_id);
			db_bind_int(st, i++, p->account_id);
		} else if (by_unit) {
			db_bind_int(st, i++, unit);
		} else {
			db_bind_text(st, i++, like, -1);
		}
		if (overdue)
			db_bind_int(st, i++, now);
		db_bind_int(st, i++, limit + 1);
		db_bind_int(st, i, (page - 1) * limit);
		int rc, n = 0;
		while ((rc = db_step(st)) == 1) {
			if (n++ == limit) {
				more = true;
				break;
			}
			json_array_append_new(items, list_item(r, st, &cal, now, zone));
		}
		if (rc < 0)
			e = (xa_err)-rc;
		db_done(st);
	}
	calendar_free(&cal);
	if (e != XA_OK) {
		json_decref(items);
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	int64_t shown_unit = reach == REACH_TREE ? unit : 0;
	json_t *tabs = json_array();
	for (size_t i = 0; list_views[i] != NULL; i++) {
		if (reach == REACH_NONE && i > 0)
			break;
		json_array_append_new(tabs, json_pack("{s:s, s:s, s:s, s:b}", "view",
		    list_views[i], "label", tr(r, "case.view", list_views[i]), "href",
		    list_href(r, list_views[i], shown_unit, 1),
		    "current", strcmp(view, list_views[i]) == 0));
	}
	json_t *m = json_pack("{s:{s:s}, s:s, s:s, s:s, s:o, s:o, s:I, s:I, s:b, s:b, s:I}",
	    "page", "title_key", "case.list.title",
	    "view", view,
	    "view_label", tr(r, "case.view", view),
	    "view_hint", tr(r, "case.view_hint", view),
	    "tabs", tabs,
	    "items", items,
	    "page_no", (json_int_t)page,
	    "limit", (json_int_t)limit,
	    "can_open", may_open_case(p),
	    "bureau", reach == REACH_TREE,
	    "unit_id", (json_int_t)shown_unit);
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (page > 1)
		json_object_set_new(m, "prev_href", jstr(list_href(r, view, shown_unit, page - 1)));
	if (more)
		json_object_set_new(m, "next_href", jstr(list_href(r, view, shown_unit, page + 1)));
	if (reach == REACH_TREE && !is_api(r))
		json_object_set_new(m, "schools", tree_schools(r, like, unit));
	req_answer(r, 200, m);
}

/* ------------------------------------------------------------------ */
/* Opening a case directly (a teacher saw it happen). */

static const field open_fields[] = {
	{ "summary", FT_TEXT, 0, 0, 4000, NULL },
	{ "serious", FT_BOOL, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

struct opening {
	req *r;
	case_new cn;
	audit_entry who;
	int64_t now;
	long zone;
	int64_t id;
};

static json_t *
new_model(req *r, const char *summary, bool serious)
{
	return json_pack("{s:{s:s}, s:b, s:s, s:b, s:s}", "page", "title_key",
	    "case.new.title", "new_case", 1, "summary", summary ? summary : "",
	    "serious", serious, "school", r->user->display_name);
}

static void
case_new_page(req *r)
{
	if (!may_open_case(r->user)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	req_page(r, 200, new_model(r, "", false));
}

static xa_err
open_run(db *conn, void *p)
{
	struct opening *o = p;
	return case_open(conn, &o->cn, &o->who, o->now, o->zone, &o->id);
}

static void
open_done(req *r, void *p, xa_err result)
{
	struct opening *o = p;
	if (result != XA_OK) {
		log_error("request %s: opening a case: %s", r->id, xa_strerror(result));
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	const char *href = arena_printf(r->a, "/cases/%" PRId64, o->id);
	if (!is_api(r)) {
		req_redirect(r, href ? href : "/cases");
		return;
	}
	case_row c;
	case_access acc;
	char number[16] = "";
	if (case_load(r, o->id, &c, &acc) == XA_OK)
		memcpy(number, c.number, sizeof number);
	req_json(r, 201, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)o->id,
	    "number", number, "state", "reported", "href", href ? href : ""));
}

static void
case_create(req *r)
{
	if (!may_open_case(r->user)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	const char *summary = input_str(r->in, "summary");
	bool serious = json_is_true(json_object_get(r->in, "serious"));
	if (summary == NULL || summary[0] == '\0') {
		if (is_api(r)) {
			req_error(r, 400, "missing_field", "summary");
			return;
		}
		json_t *m = new_model(r, "", serious);
		json_object_set_new(m, "error", jstr(i18n(r->lang, "error.case_summary")));
		req_page(r, 400, m);
		return;
	}
	struct opening *o = arena_calloc(r->a, 1, sizeof *o);
	if (o == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	o->r = r;
	o->now = (int64_t)time(NULL);
	o->zone = case_zone(r);
	o->cn.unit_id = r->user->unit_id;
	o->cn.summary = summary;
	o->cn.serious = serious;
	o->cn.owner_id = r->user->account_id;
	o->cn.created_by = r->user->account_id;
	case_who(r, &o->who);
	req_write(r, open_run, o, open_done);
}

/* ------------------------------------------------------------------ */
/* The case page. */

static const char *const entry_kinds[] = { "stop", "protection", "guardian_notice",
	"referral", "bureau_report", "interview", "evidence", "note", "followup",
	"counselling", "correction", NULL };
static const char *const notice_abouts[] = { "incident", "result", "measure", NULL };
static const char *const notice_methods[] = { "phone", "in_person", "letter", "message",
	NULL };
static const char *const referral_agencies[] = { "police", "procuratorate", "court",
	"civil_affairs", "justice", "youth_league", "womens_federation",
	"disabled_federation", NULL };
static const char *const party_stages[] = { "primary", "junior", "senior", "vocational",
	NULL };
static const char *const appeal_outcomes[] = { "upheld", "review", NULL };
static const char *const lodged_by_kinds[] = { "victim_guardian",
	"perpetrator_guardian", "victim", "perpetrator", "other", NULL };

/* What a page build has read, and the key to read it with. */
struct view {
	req *r;
	const case_row *c;
	const case_access *acc;
	int64_t now;
	long zone;
	uint8_t key[32];
	bool have_key;
	bool sealed;		/* something sealed was opened */
	bool restricted;	/* a counselling entry was opened */
	/* parties by id, for the chronology */
	int64_t *pid;
	const char **plabel;
	size_t np;
};

/* Opens a sealed blob with the case's key; NULL when it cannot be read
 * (no key, destroyed key, or damage: the page says so rather than fail). */
static const char *
view_open(struct view *v, const void *blob, size_t n)
{
	if (blob == NULL || n == 0)
		return NULL;
	if (!v->have_key) {
		if (case_row_key(v->r, v->c, v->key) != XA_OK)
			return NULL;
		v->have_key = true;
	}
	char *out = NULL;
	if (open_blob(v->r->a, v->key, blob, n, &out, NULL) != XA_OK)
		return NULL;
	v->sealed = true;
	return out;
}

static void
view_end(struct view *v)
{
	OPENSSL_cleanse(v->key, sizeof v->key);
	v->have_key = false;
}

static const char *
party_label_of(struct view *v, int64_t id)
{
	for (size_t i = 0; i < v->np; i++)
		if (v->pid[i] == id)
			return v->plabel[i];
	return "";
}

/* The case's header, common to the page, the step forms and the API. */
static json_t *
header_model(req *r, const case_row *c, int64_t now, long zone)
{
	const char *owner = "";
	if (c->owner_id > 0) {
		db_stmt *st = NULL;
		if (db_prepare(r->rdb, "SELECT display_name FROM accounts WHERE id = ?",
		    &st) == XA_OK) {
			db_bind_int(st, 1, c->owner_id);
			if (db_step(st) == 1)
				owner = arena_strdup(r->a, db_col_text(st, 0));
			db_done(st);
		}
	}
	bool final = case_state_final(c->state);
	bool overdue = c->due_at > 0 && now > c->due_at && !final;
	const char *late = "";
	long days = 0;
	if (overdue) {
		calendar cal = { 0 };
		if (calendar_load(r->rdb, &cal) != XA_OK)
			memset(&cal, 0, sizeof cal);
		days = late_days(&cal, c->due_at, now, zone);
		calendar_free(&cal);
		late = overdue_text(r, c->state, days);
	}
	const char *state = case_state_name(c->state);
	return json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b,"
	    " s:b, s:b, s:s, s:s, s:s, s:b, s:I, s:s, s:s, s:s, s:I, s:b, s:s, s:s}",
	    "id", (json_int_t)c->id,
	    "href", arena_printf(r->a, "/cases/%" PRId64, c->id),
	    "number", c->number,
	    "school", c->unit_name,
	    "unit_id", (json_int_t)c->unit_id,
	    "state", state,
	    "state_label", tr(r, "state", state),
	    "finding", c->finding,
	    "finding_label", tr(r, "finding", c->finding),
	    "tier", c->tier,
	    "tier_label", tr(r, "tier", c->tier),
	    "serious", c->serious_flag,
	    "legal_process", c->legal_process,
	    "supervised", c->supervised,
	    "appealed", c->appealed,
	    "owner", owner ? owner : "",
	    "opened", when_text(r, c->opened_at, zone),
	    "due", due_text(r, c->due_at, zone),
	    "overdue", overdue,
	    "overdue_days", (json_int_t)days,
	    "overdue_text", late,
	    "closed", when_text(r, c->closed_at, zone),
	    "archived", when_text(r, c->archived_at, zone),
	    "version", (json_int_t)c->version,
	    "final", final,
	    "resume", c->resume < CS__COUNT ? case_state_name(c->resume) : "",
	    "since", when_text(r, c->state_since, zone));
}

/* The parties; names and guardians only for a reader of identities. */
static json_t *
parties_model(struct view *v)
{
	req *r = v->r;
	json_t *a = json_array();
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT id, role, alias, name, guardians, grade, class_name,"
	    " stage, compulsory, under14 FROM case_parties WHERE case_id = ? ORDER BY id",
	    &st) != XA_OK)
		return a;
	db_bind_int(st, 1, v->c->id);
	size_t cap = 0;
	while (db_step(st) == 1) {
		int64_t id = db_col_int(st, 0);
		const char *alias = alias_label(r, db_col_text(st, 2));
		alias = arena_strdup(r->a, alias);
		const char *name = NULL, *guardians = NULL;
		if (v->acc->identities) {
			name = view_open(v, db_col_blob(st, 3), db_col_len(st, 3));
			guardians = view_open(v, db_col_blob(st, 4), db_col_len(st, 4));
		}
		const char *cls = class_text(r, db_col_int(st, 5), db_col_text(st, 6));
		const char *label = name && name[0] ? name : alias;
		json_t *pj = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s,"
		    " s:b, s:b}",
		    "id", (json_int_t)id,
		    "role", db_col_text(st, 1),
		    "role_label", tr(r, "party.role", db_col_text(st, 1)),
		    "alias", alias ? alias : "",
		    "label", label ? label : "",
		    "grade", (json_int_t)db_col_int(st, 5),
		    "class_name", db_col_text(st, 6),
		    "class_text", cls,
		    "stage", db_col_text(st, 7),
		    "stage_label", tr(r, "unit.stage", db_col_text(st, 7)),
		    "compulsory", db_col_int(st, 8) != 0,
		    "under14", db_col_int(st, 9) != 0);
		if (v->acc->identities) {
			json_object_set_new(pj, "name", jstr(name));
			json_object_set_new(pj, "guardians", jstr(guardians));
		}
		json_array_append_new(a, pj);
		if (v->np == cap) {
			cap = cap ? cap * 2 : 8;
			int64_t *ni = arena_alloc(r->a, cap * sizeof *ni);
			const char **nl = arena_alloc(r->a, cap * sizeof *nl);
			if (ni == NULL || nl == NULL)
				break;
			if (v->np > 0) {
				memcpy(ni, v->pid, v->np * sizeof *ni);
				memcpy(nl, v->plabel, v->np * sizeof *nl);
			}
			v->pid = ni;
			v->plabel = nl;
		}
		v->pid[v->np] = id;
		v->plabel[v->np] = label ? label : "";
		v->np++;
	}
	db_done(st);
	return a;
}

/* A short, non-sensitive line from an event's meta. */
static const char *
event_detail(req *r, const char *kind, json_t *meta)
{
#define M(k) (json_string_value(json_object_get(meta, (k))) ? \
	json_string_value(json_object_get(meta, (k))) : "")
	if (strcmp(kind, "guardian_notice") == 0)
		return arena_printf(r->a, "%s%s%s", tr(r, "case.about", M("about")),
		    M("method")[0] ? list_sep(r) : "",
		    tr(r, "case.method", M("method")));
	if (strcmp(kind, "referral") == 0)
		return tr(r, "unit.agency", M("agency"));
	if (strcmp(kind, "transition") == 0)
		return i18n_fill(r->a, r->lang, "case.transition_detail", "from",
		    tr(r, "state", M("from")), "to", tr(r, "state", M("to")), NULL);
	if (strcmp(kind, "determination") == 0) {
		const char *t = tr(r, "tier", M("tier"));
		return arena_printf(r->a, "%s%s%s", tr(r, "finding", M("finding")),
		    t[0] ? list_sep(r) : "", t);
	}
	if (strcmp(kind, "legal_process") == 0)
		return i18n(r->lang, json_is_true(json_object_get(meta, "on")) ?
		    "case.legal.on_detail" : "case.legal.off_detail");
	if (strcmp(kind, "appeal") == 0)
		return tr(r, "case.appeal_action", M("action"));
	if (strcmp(kind, "attachment") == 0) {
		json_int_t size = json_integer_value(json_object_get(meta, "size"));
		return arena_printf(r->a, "%s · %lld KB", M("mime"),
		    (long long)((size + 1023) / 1024));
	}
	return "";
#undef M
}

/* The chronology: every entry; sealed texts for a reader of identities;
 * restricted entries' content only with counselling access. */
static json_t *
events_model(struct view *v)
{
	req *r = v->r;
	json_t *a = json_array();
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT e.id, e.kind, e.party_id, e.corrects_id,"
	    " e.occurred_at, a.display_name, e.meta, e.body, e.restricted, e.created_at"
	    " FROM case_events e LEFT JOIN accounts a ON a.id = e.author_id"
	    " WHERE e.case_id = ? ORDER BY e.occurred_at, e.id", &st) != XA_OK)
		return a;
	db_bind_int(st, 1, v->c->id);
	while (db_step(st) == 1) {
		int64_t id = db_col_int(st, 0);
		const char *kind = db_col_text(st, 1);
		int64_t party = db_col_is_null(st, 2) ? 0 : db_col_int(st, 2);
		int64_t corrects = db_col_is_null(st, 3) ? 0 : db_col_int(st, 3);
		bool restricted = db_col_int(st, 8) != 0;
		bool hidden = restricted && !v->acc->counselling;
		const char *text = NULL;
		if (!hidden && v->acc->identities && !db_col_is_null(st, 7)) {
			text = view_open(v, db_col_blob(st, 7), db_col_len(st, 7));
			if (text != NULL) {
				text = body_text(r, text);
				if (restricted)
					v->restricted = true;
			}
		}
		json_t *meta = json_loads(db_col_text(st, 6), 0, NULL);
		const char *detail = hidden ? "" : event_detail(r, kind, meta);
		json_decref(meta);
		const char *by = db_col_text(st, 5);
		json_t *ej = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:I, s:s,"
		    " s:b, s:s, s:b}",
		    "id", (json_int_t)id,
		    "anchor", arena_printf(r->a, "e%" PRId64, id),
		    "kind", hidden ? "restricted" : kind,
		    "kind_label", hidden ? i18n(r->lang, "case.restricted_entry") :
			tr(r, "event.kind", kind),
		    "when", when_text(r, db_col_int(st, 4), v->zone),
		    "by", hidden ? "" : (by[0] ? by : i18n(r->lang, "case.by_system")),
		    "party", hidden || party == 0 ? "" : party_label_of(v, party),
		    "restricted", restricted,
		    "hidden", hidden,
		    "corrects_id", (json_int_t)(hidden ? 0 : corrects),
		    "detail", detail ? detail : "",
		    "has_text", text != NULL && text[0] != '\0',
		    "text", text ? text : "",
		    "corrected", 0);
		json_object_set_new(ej, "paras", paras_of(text));
		json_array_append_new(a, ej);
	}
	db_done(st);
	/* Corrections point back; the corrected entry says so. */
	size_t i, j;
	json_t *e, *f;
	json_array_foreach(a, i, e) {
		json_int_t cid = json_integer_value(json_object_get(e, "corrects_id"));
		if (cid == 0)
			continue;
		json_array_foreach(a, j, f) {
			if (json_integer_value(json_object_get(f, "id")) != cid)
				continue;
			json_object_set_new(f, "corrected", json_true());
			json_object_set_new(f, "corrected_by",
			    json_integer(json_integer_value(json_object_get(e, "id"))));
			json_object_set_new(f, "corrected_by_anchor", json_string(
			    json_string_value(json_object_get(e, "anchor"))));
			json_object_set_new(e, "corrects_when",
			    json_incref(json_object_get(f, "when")));
			json_object_set_new(e, "corrects_label",
			    json_incref(json_object_get(f, "kind_label")));
			json_object_set_new(e, "corrects_anchor",
			    json_incref(json_object_get(f, "anchor")));
		}
	}
	return a;
}

/* 1 when moving c to `to` is a determination (by the committee, or by
 * the county review); returning to "determined" from an appeal is not. */
static bool
is_determination(enum case_state from, enum case_state to)
{
	return to == CS_DETERMINED && (from == CS_AWAITING || from == CS_REVIEW);
}

/* The kind of form a step takes. */
static const char *
step_kind(const case_row *c, enum case_state to)
{
	if (c->state == CS_APPEAL)
		return to == CS_REVIEW ? "review" : "upheld";
	if (is_determination(c->state, to))
		return "determination";
	if (to == CS_APPEAL)
		return "appeal";
	return "simple";
}

/* The next steps: for every state the graph allows, what is missing. */
static json_t *
steps_model(req *r, const case_row *c, const case_access *acc, int64_t now)
{
	json_t *a = json_array();
	case_facts f;
	if (case_facts_load(r->rdb, c->id, now, &f) != XA_OK)
		return a;
	for (int t = 0; t < CS__COUNT; t++) {
		enum case_state to = (enum case_state)t;
		if (!case_edge(c->state, to, c->resume))
			continue;
		transition_in in;
		memset(&in, 0, sizeof in);
		in.to = to;
		missing m;
		case_check(&f, &in, &m);
		bool form = step_has_form(c, to);
		bool can = step_allowed(r, c, acc, to);
		/* An appeal is the bureau office's to record: a school reader
		 * would only be misled by it. */
		if (!can && (to == CS_APPEAL || to == CS_REVIEW || c->state == CS_APPEAL ||
		    c->state == CS_REVIEW))
			continue;
		json_t *list = missing_list(r, &m, form);
		bool ready = json_array_size(list) == 0;
		const char *label = tr(r, "state", case_state_name(to));
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:o, s:b, s:b, s:b,"
		    " s:s, s:s, s:b}",
		    "to", case_state_name(to),
		    "label", label,
		    "heading", i18n_fill(r->a, r->lang, "case.step.needs", "state", label, NULL),
		    "go", i18n_fill(r->a, r->lang, "case.step.go", "state", label, NULL),
		    "missing", list,
		    "ready", ready,
		    "form", form,
		    "can", can,
		    "href", arena_printf(r->a, "/cases/%" PRId64 "/step/%s", c->id,
			case_state_name(to)),
		    "form_label", tr(r, "case.step.form", step_kind(c, to)),
		    "back", to < c->state && to == CS_INVESTIGATING));
	}
	return a;
}

/* The stages a party may be entered with: those the school teaches (all
 * of them when its stages are not recorded). */
static json_t *
stage_choices(req *r, const case_row *c)
{
	json_t *a = json_array();
	bool known = c->stages != NULL && c->stages[0] != '\0';
	for (size_t i = 0; party_stages[i] != NULL; i++)
		if (!known || csv_has(c->stages, party_stages[i]))
			json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "name",
			    party_stages[i], "label", tr(r, "unit.stage", party_stages[i]),
			    "checked", 0));
	return a;
}

/* The forms' choices on the case page. */
static json_t *
forms_model(req *r, const case_row *c, const case_access *acc, json_t *parties,
    json_t *events, int64_t now, long zone)
{
	json_t *entries = json_array();
	for (size_t i = 0; entry_kinds[i] != NULL; i++) {
		const char *k = entry_kinds[i];
		bool counselling = strcmp(k, "counselling") == 0;
		if (counselling ? !acc->counselling : !acc->write)
			continue;
		bool party_required = strcmp(k, "guardian_notice") == 0 ||
		    strcmp(k, "protection") == 0 || strcmp(k, "followup") == 0 ||
		    counselling;
		bool party = party_required || strcmp(k, "interview") == 0;
		json_array_append_new(entries, json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b,"
		    " s:b, s:b, s:b, s:b}",
		    "kind", k,
		    "label", tr(r, "case.entry", k),
		    "hint", entry_hint(r, k),
		    "anchor", arena_printf(r->a, "add-%s", k),
		    "party", party,
		    "party_required", party_required,
		    "notice", strcmp(k, "guardian_notice") == 0,
		    "referral", strcmp(k, "referral") == 0,
		    "correction", strcmp(k, "correction") == 0,
		    "text_required", strcmp(k, "note") == 0 || counselling ||
			strcmp(k, "correction") == 0,
		    "restricted", counselling));
	}
	json_t *grades = json_array();
	for (int g = 1; g <= 12; g++)
		json_array_append_new(grades, json_pack("{s:i, s:s}", "value", g, "label",
		    grade_label(r, g)));
	json_t *plist = json_array();
	size_t i;
	json_t *p;
	json_array_foreach(parties, i, p)
		json_array_append_new(plist, json_pack("{s:O, s:s}", "id",
		    json_object_get(p, "id"), "label", arena_printf(r->a, "%s（%s）",
		    json_string_value(json_object_get(p, "label")),
		    json_string_value(json_object_get(p, "role_label")))));
	json_t *elist = json_array();
	json_array_foreach(events, i, p) {
		if (json_is_true(json_object_get(p, "hidden")))
			continue;
		json_array_append_new(elist, json_pack("{s:O, s:s}", "id",
		    json_object_get(p, "id"), "label", arena_printf(r->a, "%s %s",
		    json_string_value(json_object_get(p, "when")),
		    json_string_value(json_object_get(p, "kind_label")))));
	}
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s}",
	    "entries", entries,
	    "roles", choices(r, party_roles, "party.role", NULL),
	    "stages", stage_choices(r, c),
	    "grades", grades,
	    "abouts", choices(r, notice_abouts, "case.about", NULL),
	    "methods", choices(r, notice_methods, "case.method", NULL),
	    "agencies", choices(r, referral_agencies, "unit.agency", NULL),
	    "parties", plist,
	    "events", elist,
	    "now", local_input(r, now, zone));
}

/* Attachments of the case (for readers of identities: the file names
 * are sealed; others see that files exist). */
static json_t *
attachments_model(struct view *v)
{
	req *r = v->r;
	json_t *a = json_array();
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT t.id, t.event_id, t.mime, t.size, t.name,"
	    " t.created_at, COALESCE(e.restricted, 0) FROM attachments t LEFT JOIN"
	    " case_events e ON e.id = t.event_id WHERE t.case_id = ? ORDER BY t.id",
	    &st) != XA_OK)
		return a;
	db_bind_int(st, 1, v->c->id);
	while (db_step(st) == 1) {
		bool restricted = db_col_int(st, 6) != 0;
		if (restricted && !v->acc->counselling)
			continue;
		int64_t id = db_col_int(st, 0);
		const char *name = v->acc->identities ?
		    view_open(v, db_col_blob(st, 4), db_col_len(st, 4)) : NULL;
		json_array_append_new(a, json_pack("{s:I, s:I, s:s, s:I, s:s, s:s, s:s}",
		    "id", (json_int_t)id,
		    "event_id", (json_int_t)(db_col_is_null(st, 1) ? 0 : db_col_int(st, 1)),
		    "mime", db_col_text(st, 2),
		    "size_kb", (json_int_t)((db_col_int(st, 3) + 1023) / 1024),
		    "name", name ? name : i18n(r->lang, "case.attachment_unnamed"),
		    "when", when_text(r, db_col_int(st, 5), v->zone),
		    "href", v->acc->identities ? arena_printf(r->a,
			"/api/v1/cases/%" PRId64 "/attachments/%" PRId64, v->c->id, id) : ""));
	}
	db_done(st);
	return a;
}

/* 1 when the caller may download the dossier, and whether it is
 * de-identified. */
static bool
dossier_allowed(req *r, const case_row *c, const case_access *acc, bool *deid)
{
	*deid = !acc->identities;
	if (acc->write || acc->identities)
		return true;
	return (r->user->roles & ROLES_BUREAU) && policy_allow(r->user, A_CASE_READ,
	    c->unit_path);
}

/* The whole page model; v->sealed says whether anything sealed was
 * opened (then the answer waits for its audit record). */
static json_t *
case_model(struct view *v)
{
	req *r = v->r;
	const case_row *c = v->c;
	const case_access *acc = v->acc;
	json_t *header = header_model(r, c, v->now, v->zone);
	json_t *parties = parties_model(v);
	if (acc->identities) {
		db_stmt *st = NULL;
		if (db_prepare(r->rdb, "SELECT summary FROM cases WHERE id = ?", &st) == XA_OK) {
			db_bind_int(st, 1, c->id);
			if (db_step(st) == 1) {
				const char *s = view_open(v, db_col_blob(st, 0), db_col_len(st, 0));
				json_object_set_new(header, "summary", jstr(s));
				json_object_set_new(header, "summary_paras", paras_of(s));
			}
			db_done(st);
		}
	}
	json_t *events = events_model(v);
	json_t *attachments = attachments_model(v);
	bool deid = false;
	bool final = case_state_final(c->state);
	bool dossier = dossier_allowed(r, c, acc, &deid);
	json_t *can = json_pack("{s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b}",
	    "write", acc->write,
	    "add", acc->write && !final,
	    "note", (acc->write || acc->counselling) && !final,
	    "counselling", acc->counselling,
	    "identities", acc->identities,
	    "dossier", dossier,
	    "legal", acc->write && !final,
	    "attach", acc->write && !final);
	json_t *m = json_pack("{s:{s:s}, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:s, s:s}",
	    "page", "title_key", "case.title",
	    "case", header,
	    "parties", parties,
	    "events", events,
	    "attachments", attachments,
	    "steps", steps_model(r, c, acc, v->now),
	    "can", can,
	    "deidentified", !acc->identities,
	    "dossier_href", arena_printf(r->a, "/api/v1/cases/%" PRId64 "/dossier.pdf", c->id),
	    "base", arena_printf(r->a, "/cases/%" PRId64, c->id));
	if (m == NULL)
		return NULL;
	if (acc->write || acc->counselling)
		json_object_set_new(m, "forms", forms_model(r, c, acc,
		    json_object_get(m, "parties"), json_object_get(m, "events"), v->now, v->zone));
	measures_case_model(r, c, acc, m);
	oversight_case_model(r, c, acc, m);
	/* The notices about the case and who acknowledged them (notify_http.c). */
	json_object_set_new(m, "notices", notify_case_ladder(r->rdb, c->id, r->lang, v->zone));
	return m;
}

struct read_job {
	req *r;
	json_t *model;
	int64_t id;
	const char *action;
	const char *fields;
	int64_t now;
};

static xa_err
read_run(db *conn, void *p)
{
	struct read_job *j = p;
	return audit_req(conn, j->r, j->action, "case", j->id, j->fields, j->now);
}

static void
read_done(req *r, void *p, xa_err result)
{
	struct read_job *j = p;
	if (result != XA_OK) {
		json_decref(j->model);
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_answer(r, 200, j->model);
}

static void
case_show(req *r)
{
	case_row c;
	case_access acc;
	if (!case_load_or_404(r, &c, &acc))
		return;
	struct view v = { .r = r, .c = &c, .acc = &acc, .now = (int64_t)time(NULL),
		.zone = case_zone(r) };
	json_t *m = case_model(&v);
	view_end(&v);
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	/* The oversight part opened an appeal's sealed review panel: this
	 * page's own record says so (oversight_case_model leaves it to us). */
	bool panel = json_is_true(json_object_get(m, "panel_shown"));
	if (!v.sealed && !panel) {
		req_answer(r, 200, m);
		return;
	}
	struct read_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		json_decref(m);
		req_error(r, 500, "internal", NULL);
		return;
	}
	j->r = r;
	j->model = m;
	j->id = c.id;
	j->action = "case.read";
	j->fields = arena_printf(r->a, "%s%s%s%s",
	    v.sealed ? "summary,parties,guardians,events" : "",
	    v.sealed && v.restricted ? ",counselling" : "",
	    v.sealed && panel ? "," : "", panel ? "panel" : "");
	if (j->fields == NULL) {
		json_decref(m);
		req_error(r, 500, "internal", NULL);
		return;
	}
	j->now = v.now;
	req_write(r, read_run, j, read_done);
	if (r->answered && !r->pending)
		json_decref(m);
}

/* ------------------------------------------------------------------ */
/* Parties. */

static const field party_fields[] = {
	{ "role", FT_ENUM, F_REQUIRED, 0, 0, party_roles },
	{ "name", FT_STRING, F_REQUIRED, 1, 40, NULL },
	{ "grade", FT_INT, 0, 1, 12, NULL },
	{ "class_name", FT_STRING, 0, 0, 20, NULL },
	{ "stage", FT_ENUM, 0, 0, 0, party_stages },
	{ "under14", FT_BOOL, 0, 0, 0, NULL },
	{ "guardians", FT_TEXT, 0, 0, 500, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

struct party_job {
	req *r;
	int64_t case_id, unit_id;
	const char *role, *class_name, *stage;
	int64_t grade;
	bool compulsory, under14;
	void *name, *guardians;
	size_t name_len, guardians_len;
	char ref[65];
	char alias[32];
	int64_t id;
	int64_t now;
};

/* The writer's own look at case id before a change to its file: the
 * handler saw it open, but it may have been closed (or archived) since,
 * by a job ahead of this one. XA_ECONFLICT then (answered 409
 * case_closed), and for a case that is no longer there at all. */
static xa_err
still_open(db *conn, int64_t case_id)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT state FROM cases WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, case_id);
	int rc = db_step(st);
	enum case_state s = CS_CLOSED;
	if (rc == 1 && case_state_parse(db_col_text(st, 0), &s) != XA_OK)
		s = CS_CLOSED;
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	return rc == 0 || case_state_final(s) ? XA_ECONFLICT : XA_OK;
}

/* The answer to a change refused by the writer: the case was closed in
 * the meantime (409, with the reason), or the write failed. */
static void
write_refused(req *r, xa_err result)
{
	if (result == XA_ECONFLICT)
		req_error(r, 409, "case_closed", NULL);
	else
		req_error(r, 503, "unavailable", NULL);
}

static xa_err
party_run(db *conn, void *p)
{
	struct party_job *j = p;
	db_stmt *st = NULL;
	xa_err e = still_open(conn, j->case_id);
	if (e != XA_OK)
		return e;
	if ((e = db_prepare(conn, "SELECT count(*) FROM case_parties WHERE case_id = ?",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, j->case_id);
	int64_t n = db_step(st) == 1 ? db_col_int(st, 0) : 0;
	db_done(st);
	alias_for(n, j->alias);
	if ((e = db_prepare(conn, "INSERT INTO case_parties (case_id, role, alias, name,"
	    " guardians, grade, class_name, stage, compulsory, under14, student_ref,"
	    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, j->case_id);
	db_bind_text(st, 2, j->role, -1);
	db_bind_text(st, 3, j->alias, -1);
	db_bind_blob(st, 4, j->name, j->name_len);
	db_bind_blob(st, 5, j->guardians, j->guardians_len);
	db_bind_int(st, 6, j->grade);
	db_bind_text(st, 7, j->class_name, -1);
	db_bind_text(st, 8, j->stage, -1);
	db_bind_int(st, 9, j->compulsory ? 1 : 0);
	db_bind_int(st, 10, j->under14 ? 1 : 0);
	db_bind_text(st, 11, j->ref, -1);
	db_bind_int(st, 12, j->now);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	j->id = db_last_id(conn);
	char fields[96];
	snprintf(fields, sizeof fields, "party=%" PRId64 ";role=%s;name,guardians", j->id,
	    j->role);
	return audit_req(conn, j->r, "case.party", "case", j->case_id, fields, j->now);
}

static void
party_done(req *r, void *p, xa_err result)
{
	struct party_job *j = p;
	if (result != XA_OK) {
		write_refused(r, result);
		return;
	}
	if (is_api(r)) {
		req_json(r, 201, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)j->id,
		    "alias", j->alias, "role", j->role));
		return;
	}
	const char *to = arena_printf(r->a, "/cases/%" PRId64 "#parties", j->case_id);
	req_redirect(r, to ? to : "/cases");
}

/* Refuses a change to a closed or archived case: 409 with the reason. */
static bool
refuse_final(req *r, const case_row *c)
{
	if (!case_state_final(c->state))
		return false;
	req_error(r, 409, "case_closed", NULL);
	return true;
}

/* The grades of a stage: primary 1-6, junior 7-9, senior and vocational
 * 10-12. */
static bool
grade_in_stage(const char *stage, int64_t grade)
{
	if (strcmp(stage, "primary") == 0)
		return grade >= 1 && grade <= 6;
	if (strcmp(stage, "junior") == 0)
		return grade >= 7 && grade <= 9;
	return grade >= 10 && grade <= 12;
}

/* Why a party's stage and grade cannot be taken (an error code), or NULL:
 * a stage the school does not teach (when its stages are recorded), or a
 * grade that is not one of the stage's. */
static const char *
party_stage_error(const case_row *c, const char *stage, int64_t grade)
{
	if (stage == NULL)
		return NULL;
	if (c->stages != NULL && c->stages[0] != '\0' && !csv_has(c->stages, stage))
		return "case_stage_not_taught";
	if (grade != 0 && !grade_in_stage(stage, grade))
		return "case_grade_stage";
	return NULL;
}

/* Whether a party is in compulsory education (regulation.md §4: then
 * 留校察看, 勒令退学 and 开除 are refused): a primary or junior stage, or a
 * grade of 1 to 9, whichever is given — either one is enough, so that a
 * stage written wrongly cannot take a younger student out of it. With
 * neither, the school's stages decide: compulsory unless it teaches only
 * senior or vocational classes. */
static bool
party_compulsory(const case_row *c, const char *stage, int64_t grade)
{
	if (stage != NULL && (strcmp(stage, "primary") == 0 || strcmp(stage, "junior") == 0))
		return true;
	if (grade >= 1 && grade <= 9)
		return true;
	if (stage != NULL || grade != 0)
		return false;
	const char *st = c->stages != NULL ? c->stages : "";
	return st[0] == '\0' || csv_has(st, "primary") || csv_has(st, "junior");
}

static void
party_add(req *r)
{
	case_row c;
	case_access acc;
	if (!case_load_or_404(r, &c, &acc))
		return;
	if (!acc.write) {
		req_error(r, 403, "forbidden", NULL);
		return;
	}
	if (refuse_final(r, &c))
		return;
	struct party_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	j->r = r;
	j->case_id = c.id;
	j->unit_id = c.unit_id;
	j->now = (int64_t)time(NULL);
	j->role = input_str(r->in, "role");
	const char *name = input_str(r->in, "name");
	const char *guardians = input_str(r->in, "guardians");
	const char *cn = input_str(r->in, "class_name");
	const char *stage = input_str(r->in, "stage");
	j->class_name = cn ? cn : "";
	j->stage = stage ? stage : "";
	j->grade = input_int(r->in, "grade", 0);
	const char *bad = party_stage_error(&c, stage, j->grade);
	if (bad != NULL) {
		req_error(r, 400, bad, strcmp(bad, "case_stage_not_taught") == 0 ? "stage" :
		    "grade");
		return;
	}
	j->compulsory = party_compulsory(&c, stage, j->grade);
	json_t *u14 = json_object_get(r->in, "under14");
	j->under14 = u14 == NULL ? true : json_is_true(u14);
	uint8_t key[32];
	if (case_row_key(r, &c, key) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	xa_err e = seal_blob(r->a, key, name, strlen(name), &j->name, &j->name_len);
	if (e == XA_OK)
		e = seal_blob(r->a, key, guardians ? guardians : "",
		    guardians ? strlen(guardians) : 0, &j->guardians, &j->guardians_len);
	OPENSSL_cleanse(key, sizeof key);
	if (e == XA_OK)
		e = student_ref(c.unit_id, name, j->ref);
	if (e != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_write(r, party_run, j, party_done);
}

/* ------------------------------------------------------------------ */
/* Chronology entries. */

static const field event_fields[] = {
	{ "kind", FT_ENUM, F_REQUIRED, 0, 0, entry_kinds },
	{ "party_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ "occurred_at", FT_STRING, 0, 10, 25, NULL },
	{ "text", FT_TEXT, 0, 0, 20000, NULL },
	{ "about", FT_ENUM, 0, 0, 0, notice_abouts },
	{ "method", FT_ENUM, 0, 0, 0, notice_methods },
	{ "agency", FT_ENUM, 0, 0, 0, referral_agencies },
	{ "corrects_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

struct event_job {
	req *r;
	event_new ev;
	audit_entry who;
	int64_t now;
	int64_t id;
};

static xa_err
event_run(db *conn, void *p)
{
	struct event_job *j = p;
	xa_err e = still_open(conn, j->ev.case_id);
	if (e != XA_OK)
		return e;
	return case_event_add(conn, &j->ev, &j->who, j->now, &j->id);
}

static void
event_done(req *r, void *p, xa_err result)
{
	struct event_job *j = p;
	if (result == XA_EINVAL) {
		req_error(r, 400, "case_bad_correction", "corrects_id");
		return;
	}
	if (result != XA_OK) {
		write_refused(r, result);
		return;
	}
	if (is_api(r)) {
		req_json(r, 201, json_pack("{s:I, s:s}", "id", (json_int_t)j->id, "kind",
		    j->ev.kind));
		return;
	}
	const char *to = arena_printf(r->a, "/cases/%" PRId64 "#e%" PRId64, j->ev.case_id,
	    j->id);
	req_redirect(r, to ? to : "/cases");
}

/* 1 when party id belongs to case c. */
static bool
party_of_case(req *r, int64_t case_id, int64_t party)
{
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT count(*) FROM case_parties WHERE id = ? AND"
	    " case_id = ?", &st) != XA_OK)
		return false;
	db_bind_int(st, 1, party);
	db_bind_int(st, 2, case_id);
	bool ok = db_step(st) == 1 && db_col_int(st, 0) == 1;
	db_done(st);
	return ok;
}

/* 1 when event id belongs to case c (and, unless the caller reads
 * counselling, is not restricted); *restricted (may be NULL) says whether
 * it is, so that what refers to it (a correction) is kept as closely. */
static bool
event_of_case(req *r, int64_t case_id, int64_t event, bool counselling,
    bool *restricted)
{
	db_stmt *st = NULL;
	if (restricted != NULL)
		*restricted = false;
	if (db_prepare(r->rdb, "SELECT restricted FROM case_events WHERE id = ? AND"
	    " case_id = ?", &st) != XA_OK)
		return false;
	db_bind_int(st, 1, event);
	db_bind_int(st, 2, case_id);
	bool ok = false;
	if (db_step(st) == 1) {
		bool rs = db_col_int(st, 0) != 0;
		ok = counselling || !rs;
		if (ok && restricted != NULL)
			*restricted = rs;
	}
	db_done(st);
	return ok;
}

static void
event_add(req *r)
{
	case_row c;
	case_access acc;
	if (!case_load_or_404(r, &c, &acc))
		return;
	const char *kind = input_str(r->in, "kind");
	bool counselling = strcmp(kind, "counselling") == 0;
	if (counselling ? !acc.counselling : !acc.write) {
		req_error(r, 403, "forbidden", NULL);
		return;
	}
	if (refuse_final(r, &c))
		return;
	int64_t now = (int64_t)time(NULL);
	long zone = case_zone(r);
	int64_t party = input_int(r->in, "party_id", 0);
	int64_t corrects = input_int(r->in, "corrects_id", 0);
	const char *text = input_str(r->in, "text");
	const char *about = input_str(r->in, "about");
	const char *method = input_str(r->in, "method");
	const char *agency = input_str(r->in, "agency");
	const char *when = input_str(r->in, "occurred_at");
	int64_t at = now;
	if (when != NULL && parse_when(when, zone, &at) != 0) {
		req_error(r, 400, "case_bad_time", "occurred_at");
		return;
	}
	if (at > now + 300) {
		req_error(r, 400, "case_future", "occurred_at");
		return;
	}
	bool party_required = strcmp(kind, "guardian_notice") == 0 ||
	    strcmp(kind, "protection") == 0 || strcmp(kind, "followup") == 0 || counselling;
	if (party_required && party == 0) {
		req_error(r, 400, "case_party_required", "party_id");
		return;
	}
	if (party != 0 && !party_of_case(r, c.id, party)) {
		req_error(r, 400, "case_bad_party", "party_id");
		return;
	}
	bool text_required = strcmp(kind, "note") == 0 || counselling ||
	    strcmp(kind, "correction") == 0;
	if (text_required && (text == NULL || text[0] == '\0')) {
		req_error(r, 400, "case_text_required", "text");
		return;
	}
	bool target_restricted = false;	/* the entry a correction corrects */
	json_t *meta = json_object();
	if (strcmp(kind, "guardian_notice") == 0) {
		if (about == NULL || method == NULL) {
			json_decref(meta);
			req_error(r, 400, "case_notice_fields", about == NULL ? "about" : "method");
			return;
		}
		json_object_set_new(meta, "about", json_string(about));
		json_object_set_new(meta, "method", json_string(method));
	} else if (strcmp(kind, "referral") == 0) {
		if (agency == NULL) {
			json_decref(meta);
			req_error(r, 400, "case_agency_required", "agency");
			return;
		}
		json_object_set_new(meta, "agency", json_string(agency));
	} else if (strcmp(kind, "correction") == 0) {
		if (corrects == 0 || !event_of_case(r, c.id, corrects, acc.counselling,
		    &target_restricted)) {
			json_decref(meta);
			req_error(r, 400, "case_bad_correction", "corrects_id");
			return;
		}
		json_object_set_new(meta, "corrects", json_integer(corrects));
	}
	char *mt = json_dumps(meta, JSON_COMPACT);
	json_decref(meta);
	struct event_job *j = arena_calloc(r->a, 1, sizeof *j);
	const char *mcopy = mt ? arena_strdup(r->a, mt) : NULL;
	free(mt);
	if (j == NULL || mcopy == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	j->r = r;
	j->now = now;
	j->ev.case_id = c.id;
	j->ev.kind = kind;
	j->ev.party_id = party;
	j->ev.corrects_id = strcmp(kind, "correction") == 0 ? corrects : 0;
	j->ev.occurred_at = at;
	j->ev.author_id = r->user->account_id;
	j->ev.meta = mcopy;
	if (text != NULL && text[0] != '\0') {
		j->ev.body = text;
		j->ev.body_len = strlen(text);
	}
	/* A correction says what the corrected entry said: it is kept from
	 * the same readers as that entry. */
	j->ev.restricted = counselling || (strcmp(kind, "correction") == 0 &&
	    target_restricted);
	case_who(r, &j->who);
	req_write(r, event_run, j, event_done);
}

/* ------------------------------------------------------------------ */
/* Attachments. */

static const field attach_fields[] = {
	{ "event_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

struct attach_job {
	req *r;
	int64_t case_id, event_id;
	const char *mime;
	size_t size;
	void *name, *data;
	size_t name_len, data_len;
	audit_entry who;
	int64_t now;
	int64_t id;
};

static xa_err
attach_run(db *conn, void *p)
{
	struct attach_job *j = p;
	xa_err e = still_open(conn, j->case_id);
	if (e != XA_OK)
		return e;
	if (j->event_id == 0) {
		char meta[96];
		snprintf(meta, sizeof meta, "{\"mime\":\"%s\",\"size\":%zu}", j->mime, j->size);
		event_new ev = { .case_id = j->case_id, .kind = "attachment", .meta = meta,
			.author_id = j->who.account_id, .occurred_at = j->now };
		if ((e = case_event_add(conn, &ev, &j->who, j->now, &j->event_id)) != XA_OK)
			return e;
	}
	db_stmt *st = NULL;
	if ((e = db_prepare(conn, "INSERT INTO attachments (case_id, event_id, mime, size,"
	    " name, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, j->case_id);
	db_bind_int(st, 2, j->event_id);
	db_bind_text(st, 3, j->mime, -1);
	db_bind_int(st, 4, (int64_t)j->size);
	db_bind_blob(st, 5, j->name, j->name_len);
	db_bind_blob(st, 6, j->data, j->data_len);
	db_bind_int(st, 7, j->now);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	j->id = db_last_id(conn);
	char fields[64];
	snprintf(fields, sizeof fields, "attachment=%" PRId64 ";name,data", j->id);
	return audit_req(conn, j->r, "case.attachment", "case", j->case_id, fields, j->now);
}

static void
attach_done(req *r, void *p, xa_err result)
{
	struct attach_job *j = p;
	if (result != XA_OK) {
		write_refused(r, result);
		return;
	}
	if (is_api(r)) {
		req_json(r, 201, json_pack("{s:I, s:I, s:s, s:I}", "id", (json_int_t)j->id,
		    "event_id", (json_int_t)j->event_id, "mime", j->mime,
		    "size", (json_int_t)j->size));
		return;
	}
	const char *to = arena_printf(r->a, "/cases/%" PRId64 "#attachments", j->case_id);
	req_redirect(r, to ? to : "/cases");
}

static void
attach_add(req *r)
{
	case_row c;
	case_access acc;
	if (!case_load_or_404(r, &c, &acc))
		return;
	if (!acc.write) {
		req_error(r, 403, "forbidden", NULL);
		return;
	}
	if (refuse_final(r, &c))
		return;
	const upload *f = NULL;
	if (r->files != NULL)
		for (size_t i = 0; i < r->files->nfiles && f == NULL; i++)
			if (strcmp(r->files->files[i].field, "file") == 0)
				f = &r->files->files[i];
	if (f == NULL || f->len == 0) {
		req_error(r, 400, "case_file_required", "file");
		return;
	}
	int64_t event = input_int(r->in, "event_id", 0);
	if (event != 0 && !event_of_case(r, c.id, event, acc.counselling, NULL)) {
		req_error(r, 400, "case_bad_event", "event_id");
		return;
	}
	struct attach_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	void *clean = NULL;
	size_t clen = 0;
	if (attach_clean(r->a, f->data, f->len, &j->mime, &clean, &clen) != XA_OK) {
		req_error(r, 400, "case_bad_file", "file");
		return;
	}
	uint8_t key[32];
	if (case_row_key(r, &c, key) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	const char *fname = f->filename ? f->filename : "";
	xa_err e = seal_blob(r->a, key, fname, strlen(fname), &j->name, &j->name_len);
	if (e == XA_OK)
		e = seal_blob(r->a, key, clean, clen, &j->data, &j->data_len);
	OPENSSL_cleanse(key, sizeof key);
	if (e != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	j->r = r;
	j->case_id = c.id;
	j->event_id = event;
	j->size = clen;
	j->now = (int64_t)time(NULL);
	case_who(r, &j->who);
	req_write(r, attach_run, j, attach_done);
}

struct download {
	req *r;
	int64_t case_id, id;
	const char *mime, *name;
	char *data;
	size_t len;
	int64_t now;
};

static xa_err
download_run(db *conn, void *p)
{
	struct download *d = p;
	char fields[64];
	snprintf(fields, sizeof fields, "attachment=%" PRId64 ";data", d->id);
	return audit_req(conn, d->r, "case.attachment_read", "case", d->case_id, fields,
	    d->now);
}

static void
download_done(req *r, void *p, xa_err result)
{
	struct download *d = p;
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_file(r, d->mime, d->name, d->data, d->len);
}

static void
attach_get(req *r)
{
	case_row c;
	case_access acc;
	if (!case_load_or_404(r, &c, &acc))
		return;
	int64_t aid = 0;
	if (req_param_int(r, "aid", &aid) != XA_OK || !acc.identities) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	struct download *d = arena_calloc(r->a, 1, sizeof *d);
	if (d == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT t.mime, t.name, t.data, COALESCE(e.restricted, 0)"
	    " FROM attachments t LEFT JOIN case_events e ON e.id = t.event_id"
	    " WHERE t.id = ? AND t.case_id = ?", &st) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	db_bind_int(st, 1, aid);
	db_bind_int(st, 2, c.id);
	int found = 0;
	uint8_t key[32];
	if (db_step(st) == 1 && (acc.counselling || db_col_int(st, 3) == 0) &&
	    case_row_key(r, &c, key) == XA_OK) {
		char *name = NULL;
		d->mime = arena_strdup(r->a, db_col_text(st, 0));
		if (open_blob(r->a, key, db_col_blob(st, 1), db_col_len(st, 1), &name,
		    NULL) == XA_OK && open_blob(r->a, key, db_col_blob(st, 2),
		    db_col_len(st, 2), &d->data, &d->len) == XA_OK)
			found = 1;
		OPENSSL_cleanse(key, sizeof key);
		d->name = name && name[0] && utf8_valid(name, strlen(name)) ? name :
		    "attachment";
	}
	db_done(st);
	if (!found || d->mime == NULL) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	d->r = r;
	d->case_id = c.id;
	d->id = aid;
	d->now = (int64_t)time(NULL);
	req_write(r, download_run, d, download_done);
}

/* ------------------------------------------------------------------ */
/* Transitions and their forms. */

static const field transition_fields[] = {
	{ "to", FT_TOKEN, F_REQUIRED, 1, 32, NULL },
	{ "version", FT_INT, F_REQUIRED, 1, ID_MAX, NULL },
	{ "finding", FT_ENUM, 0, 0, 0, case_findings },
	{ "tier", FT_ENUM, 0, 0, 0, case_tiers },
	{ "behaviours", FT_ENUM, F_MULTI, 0, 0, behaviour_kinds },
	{ "harms", FT_ENUM, F_MULTI, 0, 0, harm_kinds },
	{ "intent", FT_ENUM, 0, 0, 0, intent_kinds },
	{ "imbalance", FT_ENUM, F_MULTI, 0, 0, imbalance_kinds },
	{ "repetition", FT_ENUM, 0, 0, 0, repetition_kinds },
	{ "place", FT_ENUM, 0, 0, 0, report_places },
	{ "basis", FT_ENUM, 0, 0, 0, determination_bases },
	{ "reasons", FT_TEXT, 0, 0, 20000, NULL },
	{ "meeting_date", FT_DATE, 0, 0, 0, NULL },
	{ "participants", FT_INT, F_MULTI, 1, ID_MAX, NULL },
	{ "lodged_on", FT_DATE, 0, 0, 0, NULL },
	{ "lodged_by", FT_ENUM, 0, 0, 0, lodged_by_kinds },
	{ "party_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ "outcome", FT_ENUM, 0, 0, 0, appeal_outcomes },
	{ "panel", FT_TEXT, 0, 0, 2000, NULL },
	{ "note", FT_TEXT, 0, 0, 4000, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field step_query[] = {
	{ "meeting_date", FT_DATE, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* One committee seat on a day. */
struct seat {
	int64_t id;
	const char *name, *role, *type;
};

/* The roster of c's school on day: who sat (from_date <= day, and
 * to_date empty or on/after day). */
static size_t
roster_on(req *r, int64_t unit, const char *day, struct seat **out)
{
	*out = NULL;
	size_t n = 0, cap = 0;
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT id, name, role, member_type FROM committee_members"
	    " WHERE unit_id = ? AND from_date <= ? AND (to_date = '' OR to_date >= ?)"
	    " ORDER BY CASE role WHEN 'chair' THEN 0 WHEN 'vice_chair' THEN 1"
	    " WHEN 'secretary' THEN 2 ELSE 3 END, id", &st) != XA_OK)
		return 0;
	db_bind_int(st, 1, unit);
	db_bind_text(st, 2, day, -1);
	db_bind_text(st, 3, day, -1);
	struct seat *s = NULL;
	while (db_step(st) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct seat *g = arena_alloc(r->a, cap * sizeof *g);
			if (g == NULL)
				break;
			if (n > 0)
				memcpy(g, s, n * sizeof *g);
			s = g;
		}
		s[n].id = db_col_int(st, 0);
		s[n].name = arena_strdup(r->a, db_col_text(st, 1));
		s[n].role = arena_strdup(r->a, db_col_text(st, 2));
		s[n].type = arena_strdup(r->a, db_col_text(st, 3));
		if (s[n].name == NULL || s[n].role == NULL || s[n].type == NULL)
			break;
		n++;
	}
	db_done(st);
	*out = s;
	return n;
}

/* 1 when the validated array `in[name]` holds integer v. */
static int
ids_have(json_t *in, const char *name, int64_t v)
{
	json_t *a = json_object_get(in, name);
	size_t i;
	json_t *x;
	json_array_foreach(a, i, x)
		if (json_integer_value(x) == v)
			return 1;
	return 0;
}

/* The model of the step form, with what was typed (in may be NULL). */
static json_t *
step_model(req *r, const case_row *c, const case_access *acc, enum case_state to,
    json_t *in, const char *meeting_date, int64_t now, long zone)
{
	const char *kind = step_kind(c, to);
	const char *label = tr(r, "state", case_state_name(to));
	json_t *header = header_model(r, c, now, zone);
	/* What the facts still lack, whatever the form says. */
	case_facts f;
	json_t *facts_missing = json_array();
	if (case_facts_load(r->rdb, c->id, now, &f) == XA_OK) {
		transition_in e;
		memset(&e, 0, sizeof e);
		e.to = to;
		missing m;
		case_check(&f, &e, &m);
		json_decref(facts_missing);
		facts_missing = missing_list(r, &m, true);
	}
#define IN(k) (in ? input_str(in, (k)) : NULL)
	json_t *m = json_pack("{s:{s:s}, s:o, s:s, s:s, s:s, s:s, s:I, s:o, s:b, s:b, s:b,"
	    " s:b, s:s, s:s, s:s}",
	    "page", "title_key", "case.step.title",
	    "case", header,
	    "to", case_state_name(to),
	    "step_label", label,
	    "step_heading", strcmp(kind, "simple") == 0 ? i18n_fill(r->a, r->lang,
		"case.step.heading", "state", label, NULL) : tr(r, "case.step.form", kind),
	    "kind", kind,
	    "version", (json_int_t)c->version,
	    "facts_missing", facts_missing,
	    "determination", strcmp(kind, "determination") == 0,
	    "appeal", strcmp(kind, "appeal") == 0,
	    "review", strcmp(kind, "review") == 0,
	    "upheld", strcmp(kind, "upheld") == 0,
	    "note", IN("note") ? IN("note") : "",
	    "action", arena_printf(r->a, "/cases/%" PRId64 "/transitions", c->id),
	    "go", strcmp(kind, "simple") == 0 ? i18n_fill(r->a, r->lang, "case.step.go",
		"state", label, NULL) : tr(r, "case.step.submit", kind));
	if (m == NULL)
		return NULL;
	json_object_set_new(m, "can", json_boolean(step_allowed(r, c, acc, to)));
	if (strcmp(kind, "determination") == 0) {
		bool committee = c->state == CS_AWAITING;
		const char *day = meeting_date ? meeting_date : today_text(r, now, zone);
		struct seat *seats = NULL;
		size_t n = committee ? roster_on(r, c->unit_id, day, &seats) : 0;
		json_t *roster = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(roster, json_pack("{s:I, s:s, s:s, s:s, s:b}",
			    "id", (json_int_t)seats[i].id, "name", seats[i].name,
			    "role_label", tr(r, "committee.role", seats[i].role),
			    "type_label", tr(r, "member", seats[i].type),
			    "checked", in ? ids_have(in, "participants", seats[i].id) : 0));
		const char *behaviours = in ? csv_of(r, in, "behaviours") : NULL;
		const char *harms = in ? csv_of(r, in, "harms") : NULL;
		const char *imbalance = in ? csv_of(r, in, "imbalance") : NULL;
		json_object_set_new(m, "committee", json_boolean(committee));
		json_object_set_new(m, "meeting_date", jstr(day));
		json_object_set_new(m, "roster", roster);
		json_object_set_new(m, "roster_href", jstr(arena_printf(r->a,
		    "/cases/%" PRId64 "/step/%s", c->id, case_state_name(to))));
		json_object_set_new(m, "findings", choices(r, case_findings, "finding",
		    IN("finding")));
		json_object_set_new(m, "tiers", choices(r, case_tiers, "tier", IN("tier")));
		json_object_set_new(m, "behaviours", choices(r, behaviour_kinds, "behaviour",
		    behaviours));
		json_object_set_new(m, "harms", choices(r, harm_kinds, "harm", harms));
		json_object_set_new(m, "intents", choices(r, intent_kinds, "intent",
		    IN("intent")));
		json_object_set_new(m, "imbalances", choices(r, imbalance_kinds, "imbalance",
		    imbalance));
		json_object_set_new(m, "repetitions", choices(r, repetition_kinds,
		    "repetition", IN("repetition")));
		json_object_set_new(m, "places", choices(r, report_places, "report.place",
		    IN("place")));
		json_object_set_new(m, "bases", choices(r, determination_bases, "basis",
		    IN("basis") ? IN("basis") : "mpl2020_130"));
		json_object_set_new(m, "reasons", jstr(IN("reasons")));
	}
	if (strcmp(kind, "appeal") == 0) {
		int64_t sel = in ? input_int(in, "party_id", 0) : 0;
		json_t *parties = json_array();
		db_stmt *st = NULL;
		if (db_prepare(r->rdb, "SELECT id, role, alias FROM case_parties WHERE"
		    " case_id = ? ORDER BY id", &st) == XA_OK) {
			db_bind_int(st, 1, c->id);
			while (db_step(st) == 1)
				json_array_append_new(parties, json_pack("{s:I, s:s, s:b}", "id",
				    (json_int_t)db_col_int(st, 0), "label", arena_printf(r->a,
				    "%s（%s）", alias_label(r, db_col_text(st, 2)),
				    tr(r, "party.role", db_col_text(st, 1))),
				    "selected", db_col_int(st, 0) == sel));
			db_done(st);
		}
		json_object_set_new(m, "parties", parties);
		json_object_set_new(m, "lodged_on", jstr(IN("lodged_on") ? IN("lodged_on") :
		    today_text(r, now, zone)));
		json_object_set_new(m, "lodged_by", choices(r, lodged_by_kinds,
		    "case.lodged_by", IN("lodged_by")));
	}
	if (strcmp(kind, "review") == 0)
		json_object_set_new(m, "panel", jstr(IN("panel")));
#undef IN
	return m;
}

static void
step_page(req *r)
{
	case_row c;
	case_access acc;
	if (!case_load_or_404(r, &c, &acc))
		return;
	enum case_state to;
	if (case_state_parse(req_param(r, "to"), &to) != XA_OK ||
	    !case_edge(c.state, to, c.resume)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	json_t *m = step_model(r, &c, &acc, to, NULL, input_str(r->q, "meeting_date"),
	    (int64_t)time(NULL), case_zone(r));
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_page(r, 200, m);
}

struct trans_job {
	req *r;
	case_row c;
	transition_in in;
	int64_t version;
	int64_t now;
	long zone;
	audit_entry who;
	case_access acc;
	missing m;		/* filled when the facts changed under us */
	const char *det_meta;	/* the determination's meta (JSON) */
	int64_t party_id;
	void *panel;
	size_t panel_len;
	int64_t due;
	char state_after[32];
};

/* Runs one bound statement; XA_OK or its error. */
static xa_err
exec_done(db_stmt *st)
{
	int rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* The determination's own rows: the event with its meta and sealed
 * reasons, the case's finding and tier, and supervision when serious. */
static xa_err
record_determination(db *conn, struct trans_job *t)
{
	event_new ev = { .case_id = t->c.id, .kind = "determination", .meta = t->det_meta,
		.author_id = t->who.account_id, .occurred_at = t->now,
		.body = t->in.reasons, .body_len = t->in.reasons ? strlen(t->in.reasons) : 0 };
	xa_err e = case_event_add(conn, &ev, &t->who, t->now, NULL);
	if (e != XA_OK)
		return e;
	bool bullying = strcmp(t->in.finding, "bullying") == 0;
	const char *tier = bullying && t->in.tier ? t->in.tier : "";
	db_stmt *st = NULL;
	if ((e = db_prepare(conn, "UPDATE cases SET finding = ?, tier = ? WHERE id = ?",
	    &st)) != XA_OK)
		return e;
	db_bind_text(st, 1, t->in.finding, -1);
	db_bind_text(st, 2, tier, -1);
	db_bind_int(st, 3, t->c.id);
	if ((e = exec_done(st)) != XA_OK)
		return e;
	char fields[96];
	snprintf(fields, sizeof fields, "finding=%s;tier=%s;reasons", t->in.finding, tier);
	if ((e = audit_req(conn, t->r, "case.determine", "case", t->c.id, fields,
	    t->now)) != XA_OK)
		return e;
	if ((bullying && (strcmp(tier, "serious") == 0 || strcmp(tier, "unlawful") == 0)) ||
	    t->c.serious_flag) {
		char due[11];
		day_format(day_of(t->now, t->zone) + 5, due);
		e = supervision_auto(conn, t->c.id, due,
		    i18n("zh", "case.supervision_required"), t->now);
	}
	return e;
}

/* The appeals row that goes with an appeal edge. */
static xa_err
record_appeal(db *conn, struct trans_job *t, enum case_state from)
{
	enum case_state to = t->in.to;
	db_stmt *st = NULL;
	xa_err e;
	const char *action = NULL;
	if (to == CS_APPEAL) {
		if ((e = db_prepare(conn, "INSERT INTO appeals (case_id, party_id, lodged_on,"
		    " lodged_by, state, created_at) VALUES (?, ?, ?, ?, 'lodged', ?)",
		    &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, t->c.id);
		if (t->party_id > 0)
			db_bind_int(st, 2, t->party_id);
		else
			db_bind_null(st, 2);
		db_bind_text(st, 3, t->in.lodged_on, -1);
		db_bind_text(st, 4, t->in.lodged_by, -1);
		db_bind_int(st, 5, t->now);
		if ((e = exec_done(st)) != XA_OK)
			return e;
		if ((e = db_prepare(conn, "UPDATE cases SET appealed = 1 WHERE id = ?",
		    &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, t->c.id);
		if ((e = exec_done(st)) != XA_OK)
			return e;
		action = "lodged";
	} else if (from == CS_APPEAL && to == CS_REVIEW) {
		if ((e = db_prepare(conn, "UPDATE appeals SET state = 'review', outcome = 'review',"
		    " panel = ?, review_due = ? WHERE case_id = ? AND state = 'lodged'",
		    &st)) != XA_OK)
			return e;
		db_bind_blob(st, 1, t->panel, t->panel_len);
		db_bind_int(st, 2, t->due);
		db_bind_int(st, 3, t->c.id);
		if ((e = exec_done(st)) != XA_OK)
			return e;
		action = "review";
	} else if (from == CS_APPEAL) {
		if ((e = db_prepare(conn, "UPDATE appeals SET state = 'upheld', outcome = 'upheld',"
		    " decided_at = ? WHERE case_id = ? AND state = 'lodged'", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, t->now);
		db_bind_int(st, 2, t->c.id);
		if ((e = exec_done(st)) != XA_OK)
			return e;
		action = "upheld";
	} else if (from == CS_REVIEW) {
		if ((e = db_prepare(conn, "UPDATE appeals SET state = 'decided', outcome = 'reviewed',"
		    " decided_at = ? WHERE case_id = ? AND state = 'review'", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, t->now);
		db_bind_int(st, 2, t->c.id);
		if ((e = exec_done(st)) != XA_OK)
			return e;
		action = "decided";
	}
	if (action == NULL)
		return XA_OK;
	char meta[160];
	if (to == CS_APPEAL)
		snprintf(meta, sizeof meta, "{\"action\":\"lodged\",\"lodged_on\":\"%s\","
		    "\"lodged_by\":\"%s\",\"party_id\":%" PRId64 "}", t->in.lodged_on,
		    t->in.lodged_by, t->party_id);
	else
		snprintf(meta, sizeof meta, "{\"action\":\"%s\"}", action);
	event_new ev = { .case_id = t->c.id, .kind = "appeal", .meta = meta,
		.party_id = to == CS_APPEAL ? t->party_id : 0,
		.author_id = t->who.account_id, .occurred_at = t->now };
	if ((e = case_event_add(conn, &ev, &t->who, t->now, NULL)) != XA_OK)
		return e;
	char fields[64];
	snprintf(fields, sizeof fields, "appeal=%s%s", action, to == CS_REVIEW ? ";panel" : "");
	return audit_req(conn, t->r, "case.appeal", "case", t->c.id, fields, t->now);
}

/* When case id's investigation first began: the earliest move into
 * "investigating" in its chronology, left in *since (unchanged when there
 * is none). Going back from awaiting determination to investigate more
 * does not start the 10 days again (regulation.md §3 step 3). */
static xa_err
investigation_started(db *conn, int64_t id, int64_t *since)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT min(occurred_at) FROM case_events WHERE"
	    " case_id = ? AND kind = 'transition' AND meta LIKE ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, "%\"to\":\"investigating\"%", -1);
	int rc = db_step(st);
	if (rc == 1 && !db_col_is_null(st, 0) && db_col_int(st, 0) > 0 &&
	    db_col_int(st, 0) < *since)
		*since = db_col_int(st, 0);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* The writer's half: the facts again (they may have changed since the
 * handler looked), the deadline, the move and what goes with it. */
static xa_err
trans_run(db *conn, void *p)
{
	struct trans_job *t = p;
	case_facts f;
	xa_err e = case_facts_load(conn, t->c.id, t->now, &f);
	if (e != XA_OK)
		return e;
	if (f.state != t->c.state)
		return XA_ECONFLICT;
	case_check(&f, &t->in, &t->m);
	if (t->m.n > 0)
		return XA_EINVAL;
	case_limits lim;
	case_limits_load(conn, &lim);
	calendar cal = { 0 };
	if (calendar_load(conn, &cal) != XA_OK)
		memset(&cal, 0, sizeof cal);
	int64_t since = t->now;
	if (t->in.to == CS_INVESTIGATING &&
	    (e = investigation_started(conn, t->c.id, &since)) != XA_OK) {
		calendar_free(&cal);
		return e;
	}
	t->due = case_due(t->in.to, since, &lim, &cal, t->zone);
	calendar_free(&cal);
	if ((e = case_set_state(conn, t->c.id, t->in.to, t->version, t->due, t->in.note,
	    &t->who, t->now)) != XA_OK)
		return e;
	if (is_determination(t->c.state, t->in.to) &&
	    (e = record_determination(conn, t)) != XA_OK)
		return e;
	return record_appeal(conn, t, t->c.state);
}

static void
trans_done(req *r, void *p, xa_err result)
{
	struct trans_job *t = p;
	if (result == XA_ECONFLICT) {
		req_error(r, 409, "conflict", NULL);
		return;
	}
	if (result == XA_EINVAL && t->m.n > 0) {
		json_t *page = NULL;
		if (!is_api(r))
			page = step_model(r, &t->c, &t->acc, t->in.to,
			    r->in, t->in.meeting_date, t->now, t->zone);
		case_missing_answer(r, &t->m, page);
		return;
	}
	if (result != XA_OK) {
		log_error("request %s: case transition: %s", r->id, xa_strerror(result));
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (!is_api(r)) {
		const char *to = arena_printf(r->a, "/cases/%" PRId64, t->c.id);
		req_redirect(r, to ? to : "/cases");
		return;
	}
	case_row c;
	case_access acc;
	if (case_load(r, t->c.id, &c, &acc) != XA_OK) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	const char *state = case_state_name(c.state);
	req_json(r, 200, json_pack("{s:I, s:s, s:s, s:I, s:I, s:s, s:s, s:s}",
	    "id", (json_int_t)c.id, "state", state, "state_label", tr(r, "state", state),
	    "version", (json_int_t)c.version, "due_at", (json_int_t)c.due_at,
	    "due", due_text(r, c.due_at, t->zone), "finding", c.finding, "tier", c.tier));
}

/* The determination's meta: every choice and who sat, by name and role,
 * as the roster stood that day. */
static const char *
determination_meta(req *r, const transition_in *in, const struct seat *seats, size_t n,
    json_t *ids, bool committee)
{
	json_t *m = json_object();
	json_object_set_new(m, "finding", jstr(in->finding));
	json_object_set_new(m, "tier", jstr(strcmp(in->finding, "bullying") == 0 ?
	    in->tier : ""));
	static const char *const lists[] = { "behaviours", "harms", "imbalance", NULL };
	const char *vals[] = { in->behaviours, in->harms, in->imbalance };
	for (size_t i = 0; lists[i] != NULL; i++) {
		json_t *a = json_array();
		const char *csv = vals[i] ? vals[i] : "";
		for (const char *p = csv; *p;) {
			size_t k = strcspn(p, ",");
			json_array_append_new(a, json_stringn(p, k));
			p += k;
			if (*p == ',')
				p++;
		}
		json_object_set_new(m, lists[i], a);
	}
	json_object_set_new(m, "intent", jstr(in->intent));
	json_object_set_new(m, "repetition", jstr(in->repetition));
	json_object_set_new(m, "place", jstr(in->place));
	json_object_set_new(m, "basis", jstr(in->basis));
	json_object_set_new(m, "meeting_date", jstr(in->meeting_date));
	json_object_set_new(m, "by", json_string(committee ? "committee" : "county_review"));
	json_t *who = json_array();
	for (size_t i = 0; i < n; i++) {
		size_t k;
		json_t *x;
		json_array_foreach(ids, k, x) {
			if (json_integer_value(x) != seats[i].id)
				continue;
			json_array_append_new(who, json_pack("{s:I, s:s, s:s, s:s}", "id",
			    (json_int_t)seats[i].id, "name", seats[i].name, "role",
			    seats[i].role, "member_type", seats[i].type));
			break;
		}
	}
	json_object_set_new(m, "participants", who);
	if (committee) {
		/* The whole committee as it stood that day, not only who took
		 * part: membership changes (regulation.md §2). */
		json_t *roster = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(roster, json_pack("{s:I, s:s, s:s, s:s}", "id",
			    (json_int_t)seats[i].id, "name", seats[i].name, "role",
			    seats[i].role, "member_type", seats[i].type));
		json_object_set_new(m, "roster", roster);
		json_object_set_new(m, "roster_complete", json_boolean(in->roster_complete));
	}
	char *s = json_dumps(m, JSON_COMPACT);
	json_decref(m);
	const char *out = s ? arena_strdup(r->a, s) : NULL;
	free(s);
	return out;
}

/* A meeting date refused: the error for the API; for a browser, the
 * determination form again with what was typed and the reason. */
static void
meeting_refused(req *r, const case_row *c, const case_access *acc, enum case_state to,
    const char *code, int64_t now, long zone)
{
	if (is_api(r)) {
		req_error(r, 400, code, "meeting_date");
		return;
	}
	json_t *m = step_model(r, c, acc, to, r->in, input_str(r->in, "meeting_date"), now,
	    zone);
	if (m == NULL) {
		req_error(r, 400, code, "meeting_date");
		return;
	}
	/* The form's list of what stops the step, with this one reason. */
	const char *key = arena_printf(r->a, "error.%s", code);
	const char *text = key ? i18n(r->lang, key) : "";
	json_object_set_new(m, "missing", json_pack("[{s:s, s:s}]", "key", key ? key : "",
	    "message", text));
	json_object_set_new(m, "error", jstr(text));
	req_page(r, 400, m);
}

static void
case_transition(req *r)
{
	case_row c;
	case_access acc;
	if (!case_load_or_404(r, &c, &acc))
		return;
	enum case_state to;
	if (case_state_parse(input_str(r->in, "to"), &to) != XA_OK) {
		req_error(r, 400, "invalid_field", "to");
		return;
	}
	if (!step_allowed(r, &c, &acc, to)) {
		req_error(r, 403, "forbidden", NULL);
		return;
	}
	int64_t now = (int64_t)time(NULL);
	long zone = case_zone(r);
	struct trans_job *t = arena_calloc(r->a, 1, sizeof *t);
	if (t == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	t->r = r;
	t->c = c;
	t->acc = acc;
	t->now = now;
	t->zone = zone;
	t->version = input_int(r->in, "version", 0);
	case_who(r, &t->who);
	transition_in *in = &t->in;
	in->to = to;
	in->finding = input_str(r->in, "finding");
	in->tier = input_str(r->in, "tier");
	in->behaviours = csv_of(r, r->in, "behaviours");
	in->harms = csv_of(r, r->in, "harms");
	in->intent = input_str(r->in, "intent");
	in->imbalance = csv_of(r, r->in, "imbalance");
	in->repetition = input_str(r->in, "repetition");
	in->place = input_str(r->in, "place");
	in->basis = input_str(r->in, "basis");
	in->reasons = input_str(r->in, "reasons");
	in->meeting_date = input_str(r->in, "meeting_date");
	in->lodged_on = input_str(r->in, "lodged_on");
	in->lodged_by = input_str(r->in, "lodged_by");
	in->outcome = input_str(r->in, "outcome");
	in->panel = input_str(r->in, "panel");
	in->note = input_str(r->in, "note");
	t->party_id = input_int(r->in, "party_id", 0);
	if (to == CS_APPEAL && t->party_id != 0 && !party_of_case(r, c.id, t->party_id)) {
		req_error(r, 400, "case_bad_party", "party_id");
		return;
	}
	/* The committee as it sat on the meeting's day. */
	struct seat *seats = NULL;
	size_t nseats = 0;
	json_t *ids = json_object_get(r->in, "participants");
	bool determination = is_determination(c.state, to);
	bool committee = determination && c.state == CS_AWAITING;
	if (committee && in->meeting_date != NULL) {
		/* It sat while the case was open, and not after today. */
		xa_day day = 0;
		const char *bad = NULL;
		if (day_parse(in->meeting_date, &day) != XA_OK)
			bad = "invalid_field";
		else if (day > day_of(now, zone))
			bad = "case_meeting_future";
		else if (day < day_of(c.opened_at, zone))
			bad = "case_meeting_before_open";
		if (bad != NULL) {
			meeting_refused(r, &c, &acc, to, bad, now, zone);
			return;
		}
	}
	if (committee && in->meeting_date != NULL) {
		nseats = roster_on(r, c.unit_id, in->meeting_date, &seats);
		in->roster_members = (int)nseats;
		size_t i;
		json_t *x;
		int counted = 0;
		json_array_foreach(ids, i, x) {
			bool on = false;
			for (size_t k = 0; k < nseats; k++)
				if (seats[k].id == json_integer_value(x))
					on = true;
			/* A repeat counts once. */
			bool repeat = false;
			for (size_t k = 0; k < i; k++)
				if (json_integer_value(json_array_get(ids, k)) == json_integer_value(x))
					repeat = true;
			if (!on)
				in->participants_off_roster = true;
			else if (!repeat)
				counted++;
		}
		in->participants = counted;
		committee_check cc;
		long rule = setting_get(r->rdb, S_COMMITTEE_STUDENT_REP);
		if (committee_check_on(r->rdb, c.unit_id, in->meeting_date, rule, c.stages,
		    &cc) == XA_OK)
			in->roster_complete = committee_complete(&cc) != 0;
	} else if (determination) {
		in->participants = (int)json_array_size(ids);
	}
	case_facts f;
	if (case_facts_load(r->rdb, c.id, now, &f) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	missing m;
	case_check(&f, in, &m);
	if (m.n > 0) {
		json_t *page = is_api(r) ? NULL : step_model(r, &c, &acc, to, r->in,
		    in->meeting_date, now, zone);
		case_missing_answer(r, &m, page);
		return;
	}
	if (t->version != c.version) {
		req_error(r, 409, "conflict", NULL);
		return;
	}
	if (determination) {
		t->det_meta = determination_meta(r, in, seats, nseats, ids, committee);
		if (t->det_meta == NULL) {
			req_error(r, 500, "internal", NULL);
			return;
		}
	}
	if (to == CS_REVIEW && in->panel != NULL) {
		uint8_t key[32];
		xa_err e = case_row_key(r, &c, key);
		if (e == XA_OK)
			e = seal_blob(r->a, key, in->panel, strlen(in->panel), &t->panel,
			    &t->panel_len);
		OPENSSL_cleanse(key, sizeof key);
		if (e != XA_OK) {
			req_error(r, 503, "unavailable", NULL);
			return;
		}
	}
	req_write(r, trans_run, t, trans_done);
}

/* ------------------------------------------------------------------ */
/* The legal-process flag. */

static const field legal_fields[] = {
	{ "on", FT_BOOL, F_REQUIRED, 0, 0, NULL },
	{ "note", FT_TEXT, 0, 0, 4000, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

struct legal_job {
	req *r;
	int64_t case_id;
	bool on;
	const char *note;
	audit_entry who;
	int64_t now;
};

static xa_err
legal_run(db *conn, void *p)
{
	struct legal_job *j = p;
	db_stmt *st = NULL;
	xa_err e = still_open(conn, j->case_id);
	if (e != XA_OK)
		return e;
	if ((e = db_prepare(conn, "UPDATE cases SET legal_process = ? WHERE id = ?",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, j->on ? 1 : 0);
	db_bind_int(st, 2, j->case_id);
	if ((e = exec_done(st)) != XA_OK)
		return e;
	event_new ev = { .case_id = j->case_id, .kind = "legal_process",
		.meta = j->on ? "{\"on\":true}" : "{\"on\":false}",
		.author_id = j->who.account_id, .occurred_at = j->now,
		.body = j->note && j->note[0] ? j->note : NULL,
		.body_len = j->note ? strlen(j->note) : 0 };
	if ((e = case_event_add(conn, &ev, &j->who, j->now, NULL)) != XA_OK)
		return e;
	return audit_req(conn, j->r, "case.legal", "case", j->case_id,
	    j->on ? "legal_process=1" : "legal_process=0", j->now);
}

static void
legal_done(req *r, void *p, xa_err result)
{
	struct legal_job *j = p;
	if (result != XA_OK) {
		write_refused(r, result);
		return;
	}
	if (is_api(r)) {
		req_json(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)j->case_id,
		    "legal_process", j->on));
		return;
	}
	const char *to = arena_printf(r->a, "/cases/%" PRId64, j->case_id);
	req_redirect(r, to ? to : "/cases");
}

static void
legal_set(req *r)
{
	case_row c;
	case_access acc;
	if (!case_load_or_404(r, &c, &acc))
		return;
	if (!acc.write) {
		req_error(r, 403, "forbidden", NULL);
		return;
	}
	if (refuse_final(r, &c))
		return;
	struct legal_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	j->r = r;
	j->case_id = c.id;
	j->on = json_is_true(json_object_get(r->in, "on"));
	j->note = input_str(r->in, "note");
	j->now = (int64_t)time(NULL);
	case_who(r, &j->who);
	req_write(r, legal_run, j, legal_done);
}

/* ------------------------------------------------------------------ */
/* The dossier (专门档案). */

static json_t *
row(const char *label, const char *value)
{
	return json_pack("{s:s, s:s}", "label", label ? label : "", "value",
	    value ? value : "");
}

static json_t *
section(const char *heading)
{
	return json_pack("{s:s, s:[], s:[]}", "heading", heading, "rows", "items");
}

/* Drops a section's empty lists; says "none" when nothing is left. */
static void
section_close(req *r, json_t *s)
{
	json_t *rows = json_object_get(s, "rows"), *items = json_object_get(s, "items");
	bool has_text = json_string_value(json_object_get(s, "text")) != NULL;
	if (json_array_size(rows) == 0)
		json_object_del(s, "rows");
	if (json_array_size(items) == 0)
		json_object_del(s, "items");
	if (json_array_size(rows) == 0 && json_array_size(items) == 0 && !has_text)
		json_object_set_new(s, "text", jstr(i18n(r->lang, "case.dossier.none")));
}

/* A report's sealed body (JSON: what, when_text, place_text, involved,
 * contact) as the dossier prints it: never the reporter's contact. */
static const char *
report_text(req *r, const char *body)
{
	json_t *j = json_loads(body, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return body;
	}
	static const struct { const char *key, *label; } parts[] = {
		{ "what", NULL },
		{ "when_text", "case.dossier.report_when" },
		{ "place_text", "case.dossier.report_place" },
		{ "involved", "case.dossier.report_involved" },
	};
	buf b;
	buf_init(&b, 1u << 20);
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		const char *v = json_string_value(json_object_get(j, parts[i].key));
		if (v == NULL || v[0] == '\0')
			continue;
		if (b.len > 0)
			buf_putc(&b, '\n');
		if (parts[i].label != NULL)
			buf_puts(&b, i18n(r->lang, parts[i].label));
		buf_puts(&b, v);
	}
	json_decref(j);
	const char *out = arena_strdup(r->a, b.data ? b.data : "");
	buf_free(&b);
	return out ? out : "";
}

/* The reports joined into the case: channel, when, narrative. */
static void
dossier_reports(struct view *v, json_t *s, bool deid)
{
	req *r = v->r;
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT id, channel, created_at, body, wkey IS NOT NULL"
	    " FROM reports WHERE case_id = ? ORDER BY created_at, id", &st) != XA_OK)
		return;
	db_bind_int(st, 1, v->c->id);
	json_t *items = json_object_get(s, "items");
	while (db_step(st) == 1) {
		const char *text = "";
		if (!deid && db_col_int(st, 4)) {
			uint8_t key[32];
			char *out = NULL;
			if (report_key(r->rdb, db_col_int(st, 0), key) == XA_OK &&
			    open_blob(r->a, key, db_col_blob(st, 3), db_col_len(st, 3), &out,
			    NULL) == XA_OK) {
				text = out;
				v->sealed = true;
			}
			OPENSSL_cleanse(key, sizeof key);
		} else if (deid) {
			text = i18n(r->lang, "case.dossier.withheld");
		}
		if (!deid && text != NULL && text[0] == '{')
			text = report_text(r, text);
		json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s}",
		    "when", when_text(r, db_col_int(st, 2), v->zone),
		    "title", tr(r, "report.channel", db_col_text(st, 1)),
		    "by", "", "text", text ? text : ""));
	}
	db_done(st);
}

/* The determination: the last determination event's meta and reasons. */
static void
dossier_determination(struct view *v, json_t *s, bool deid)
{
	req *r = v->r;
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT meta, body, occurred_at FROM case_events WHERE"
	    " case_id = ? AND kind = 'determination' ORDER BY occurred_at DESC, id DESC"
	    " LIMIT 1", &st) != XA_OK)
		return;
	db_bind_int(st, 1, v->c->id);
	if (db_step(st) == 1) {
		json_t *m = json_loads(db_col_text(st, 0), 0, NULL);
		json_t *rows = json_object_get(s, "rows");
#define M(k) (json_string_value(json_object_get(m, (k))) ? \
	json_string_value(json_object_get(m, (k))) : "")
		json_array_append_new(rows, row(i18n(r->lang, "case.det.when"),
		    when_text(r, db_col_int(st, 2), v->zone)));
		json_array_append_new(rows, row(i18n(r->lang, "case.det.finding"),
		    tr(r, "finding", M("finding"))));
		if (M("tier")[0])
			json_array_append_new(rows, row(i18n(r->lang, "case.det.tier"),
			    tr(r, "tier", M("tier"))));
		static const struct { const char *key, *label, *prefix; } lists[] = {
			{ "behaviours", "case.dossier.behaviours", "behaviour" },
			{ "harms", "case.dossier.harms", "harm" },
			{ "imbalance", "case.dossier.imbalance", "imbalance" },
		};
		for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
			json_t *a = json_object_get(m, lists[i].key);
			if (json_array_size(a) == 0)
				continue;
			buf b;
			buf_init(&b, 4096);
			size_t k;
			json_t *x;
			json_array_foreach(a, k, x) {
				if (k > 0)
					buf_puts(&b, list_sep(r));
				buf_puts(&b, tr(r, lists[i].prefix, json_string_value(x)));
			}
			json_array_append_new(rows, row(i18n(r->lang, lists[i].label),
			    b.data ? b.data : ""));
			buf_free(&b);
		}
		if (M("intent")[0])
			json_array_append_new(rows, row(i18n(r->lang, "case.det.intent"),
			    tr(r, "intent", M("intent"))));
		if (M("repetition")[0])
			json_array_append_new(rows, row(i18n(r->lang, "case.det.repetition"),
			    tr(r, "repetition", M("repetition"))));
		if (M("place")[0])
			json_array_append_new(rows, row(i18n(r->lang, "case.det.place"),
			    tr(r, "report.place", M("place"))));
		json_array_append_new(rows, row(i18n(r->lang, "case.det.basis"),
		    tr(r, "basis", M("basis"))));
		if (M("meeting_date")[0])
			json_array_append_new(rows, row(i18n(r->lang, "case.det.meeting_date"),
			    M("meeting_date")));
		static const char *const people[][2] = {
			{ "participants", "case.det.participants" },
			{ "roster", "case.det.roster" },
		};
		for (size_t n = 0; n < 2; n++) {
			json_t *who = json_object_get(m, people[n][0]);
			if (json_array_size(who) == 0)
				continue;
			buf b;
			buf_init(&b, 8192);
			size_t k;
			json_t *x;
			json_array_foreach(who, k, x) {
				if (k > 0)
					buf_puts(&b, list_sep(r));
				const char *nm = json_string_value(json_object_get(x, "name"));
				const char *rl = json_string_value(json_object_get(x, "role"));
				buf_printf(&b, "%s（%s）", nm ? nm : "", tr(r, "committee.role",
				    rl ? rl : ""));
			}
			/* The committee that day lacked a member the rules ask for. */
			if (n == 1 && json_is_false(json_object_get(m, "roster_complete")))
				buf_puts(&b, i18n(r->lang, "case.det.roster_incomplete"));
			json_array_append_new(rows, row(i18n(r->lang, people[n][1]),
			    b.data ? b.data : ""));
			buf_free(&b);
		}
#undef M
		json_decref(m);
		if (!deid && !db_col_is_null(st, 1)) {
			const char *t = view_open(v, db_col_blob(st, 1), db_col_len(st, 1));
			if (t != NULL)
				json_object_set_new(s, "text", jstr(body_text(r, t)));
		}
	}
	db_done(st);
}

static void
dossier_measures(struct view *v, json_t *s)
{
	req *r = v->r;
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT party_id, kind, name, grade, decided_at,"
	    " guardians_told_at, done_at FROM case_measures WHERE case_id = ? ORDER BY id",
	    &st) != XA_OK)
		return;
	db_bind_int(st, 1, v->c->id);
	json_t *rows = json_object_get(s, "rows");
	while (db_step(st) == 1) {
		/* The measure's own name often says its kind and grade already
		 * ("纪律处分：警告"): add them only when it does not. */
		const char *name = db_col_text(st, 2);
		const char *kind = tr(r, "measure.kind", db_col_text(st, 1));
		const char *grade = db_col_text(st, 3);
		const char *gl = grade[0] ? tr(r, "grade", grade) : "";
		const char *k = strstr(name, kind) ? "" : arena_printf(r->a, "%s：", kind);
		const char *g = gl[0] && !strstr(name, gl) ? arena_printf(r->a, "（%s）", gl) : "";
		const char *val = arena_printf(r->a, "%s%s%s；%s %s；%s %s；%s %s",
		    k ? k : "", name, g ? g : "",
		    i18n(r->lang, "case.dossier.decided"), when_text(r, db_col_int(st, 4), v->zone),
		    i18n(r->lang, "case.dossier.told"), db_col_int(st, 5) ?
			when_text(r, db_col_int(st, 5), v->zone) : i18n(r->lang, "case.dossier.not_yet"),
		    i18n(r->lang, "case.dossier.done"), db_col_int(st, 6) ?
			when_text(r, db_col_int(st, 6), v->zone) : i18n(r->lang, "case.dossier.not_yet"));
		json_array_append_new(rows, row(party_label_of(v, db_col_int(st, 0)), val));
	}
	db_done(st);
}

static void
dossier_reviews(struct view *v, json_t *s)
{
	req *r = v->r;
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT party_id, kind, due_on, done_at FROM case_reviews"
	    " WHERE case_id = ? ORDER BY due_on, id", &st) != XA_OK)
		return;
	db_bind_int(st, 1, v->c->id);
	json_t *rows = json_object_get(s, "rows");
	while (db_step(st) == 1) {
		const char *val = arena_printf(r->a, "%s；%s %s；%s %s",
		    tr(r, "case.review_kind", db_col_text(st, 1)),
		    i18n(r->lang, "case.dossier.due_on"), db_col_text(st, 2),
		    i18n(r->lang, "case.dossier.done"), db_col_int(st, 3) ?
			when_text(r, db_col_int(st, 3), v->zone) : i18n(r->lang, "case.dossier.not_yet"));
		const char *who = db_col_is_null(st, 0) ? "" : party_label_of(v, db_col_int(st, 0));
		json_array_append_new(rows, row(who, val));
	}
	db_done(st);
}

static void
dossier_oversight(struct view *v, json_t *s)
{
	req *r = v->r;
	db_stmt *st = NULL;
	json_t *rows = json_object_get(s, "rows");
	if (db_prepare(r->rdb, "SELECT state, automatic, due_on, opened_at, answered_at,"
	    " closed_at FROM supervisions WHERE case_id = ? ORDER BY id", &st) == XA_OK) {
		db_bind_int(st, 1, v->c->id);
		while (db_step(st) == 1) {
			const char *val = arena_printf(r->a, "%s；%s %s；%s %s%s",
			    tr(r, "case.sup_state", db_col_text(st, 0)),
			    i18n(r->lang, "case.dossier.opened"), when_text(r, db_col_int(st, 3), v->zone),
			    i18n(r->lang, "case.dossier.due_on"), db_col_text(st, 2),
			    db_col_int(st, 1) ? i18n(r->lang, "case.dossier.automatic") : "");
			json_array_append_new(rows, row(i18n(r->lang, "case.dossier.supervision"),
			    val));
		}
		db_done(st);
	}
	if (db_prepare(r->rdb, "SELECT lodged_on, lodged_by, state, outcome, review_due,"
	    " decided_at FROM appeals WHERE case_id = ? ORDER BY id", &st) == XA_OK) {
		db_bind_int(st, 1, v->c->id);
		while (db_step(st) == 1) {
			const char *val = arena_printf(r->a, "%s %s；%s；%s%s%s",
			    i18n(r->lang, "case.dossier.lodged"), db_col_text(st, 0),
			    tr(r, "case.lodged_by", db_col_text(st, 1)),
			    tr(r, "case.appeal_state", db_col_text(st, 2)),
			    db_col_int(st, 5) ? list_sep(r) : "",
			    db_col_int(st, 5) ? when_text(r, db_col_int(st, 5), v->zone) : "");
			json_array_append_new(rows, row(i18n(r->lang, "case.dossier.appeal"), val));
		}
		db_done(st);
	}
}

/* Counts of the case's audit records by action, and how often it was read. */
static void
dossier_audit(struct view *v, json_t *s)
{
	req *r = v->r;
	db_stmt *st = NULL;
	json_t *rows = json_object_get(s, "rows");
	int64_t reads = 0;
	if (db_prepare(r->rdb, "SELECT action, count(*) FROM audit_log WHERE"
	    " (object_type = 'case' AND object_id = ?) OR (object_type = 'case_event' AND"
	    " object_id IN (SELECT id FROM case_events WHERE case_id = ?))"
	    " GROUP BY action ORDER BY action", &st) != XA_OK)
		return;
	db_bind_int(st, 1, v->c->id);
	db_bind_int(st, 2, v->c->id);
	while (db_step(st) == 1) {
		const char *action = db_col_text(st, 0);
		char key[96];
		snprintf(key, sizeof key, "case.audit.%s", action);
		const char *label = i18n_has(r->lang, key) ? i18n(r->lang, key) : NULL;
		if (label == NULL) {
			snprintf(key, sizeof key, "audit.act.%s", action);
			label = i18n_has(r->lang, key) ? i18n(r->lang, key) :
			    arena_strdup(r->a, action);
		}
		if (strcmp(action, "case.read") == 0 || strcmp(action, "case.dossier") == 0 ||
		    strcmp(action, "case.attachment_read") == 0)
			reads += db_col_int(st, 1);
		json_array_append_new(rows, row(label, arena_printf(r->a, "%" PRId64,
		    db_col_int(st, 1))));
	}
	db_done(st);
	char n[24];
	snprintf(n, sizeof n, "%" PRId64, reads);
	json_object_set_new(s, "text", jstr(i18n_fill(r->a, r->lang, "case.dossier.reads",
	    "n", n, NULL)));
}

/* The whole printed file, already decided for this reader. */
static json_t *
dossier_model(struct view *v, bool deid)
{
	req *r = v->r;
	const case_row *c = v->c;
	json_t *sections = json_array();
	/* Parties. */
	json_t *s = section(i18n(r->lang, "case.dossier.parties"));
	json_t *parties = parties_model(v);
	size_t i;
	json_t *p;
	json_array_foreach(parties, i, p) {
		const char *label = deid ? json_string_value(json_object_get(p, "alias")) :
		    json_string_value(json_object_get(p, "label"));
		const char *cls = json_string_value(json_object_get(p, "class_text"));
		const char *val = arena_printf(r->a, "%s%s%s%s", label ? label : "",
		    cls && cls[0] ? "（" : "", cls ? cls : "", cls && cls[0] ? "）" : "");
		json_array_append_new(json_object_get(s, "rows"), row(json_string_value(
		    json_object_get(p, "role_label")), val));
		const char *g = json_string_value(json_object_get(p, "guardians"));
		if (!deid && g != NULL && g[0])
			json_array_append_new(json_object_get(s, "rows"), row(i18n(r->lang,
			    "case.dossier.guardians"), g));
	}
	json_decref(parties);
	section_close(r, s);
	json_array_append_new(sections, s);
	/* Reports joined. */
	s = section(i18n(r->lang, "case.dossier.reports"));
	dossier_reports(v, s, deid);
	section_close(r, s);
	json_array_append_new(sections, s);
	/* Summary and chronology. */
	s = section(i18n(r->lang, "case.dossier.chronology"));
	if (!deid) {
		db_stmt *st = NULL;
		if (db_prepare(r->rdb, "SELECT summary FROM cases WHERE id = ?", &st) == XA_OK) {
			db_bind_int(st, 1, c->id);
			if (db_step(st) == 1) {
				const char *sum = view_open(v, db_col_blob(st, 0), db_col_len(st, 0));
				if (sum != NULL && sum[0])
					json_object_set_new(s, "text", jstr(sum));
			}
			db_done(st);
		}
	}
	case_access a = *v->acc;
	if (deid)
		a.identities = false;
	const case_access *saved = v->acc;
	v->acc = &a;
	json_t *events = events_model(v);
	v->acc = saved;
	json_array_foreach(events, i, p) {
		const char *kl = json_string_value(json_object_get(p, "kind_label"));
		const char *detail = json_string_value(json_object_get(p, "detail"));
		const char *party = json_string_value(json_object_get(p, "party"));
		const char *title = arena_printf(r->a, "%s%s%s%s%s", kl ? kl : "",
		    detail && detail[0] ? " · " : "", detail ? detail : "",
		    party && party[0] ? " · " : "", party ? party : "");
		const char *text = json_string_value(json_object_get(p, "text"));
		if (json_is_true(json_object_get(p, "corrected")))
			text = arena_printf(r->a, "%s\n%s", text ? text : "",
			    i18n(r->lang, "case.dossier.corrected"));
		json_array_append_new(json_object_get(s, "items"), json_pack("{s:O, s:s, s:O,"
		    " s:s}", "when", json_object_get(p, "when"), "title", title ? title : "",
		    "by", json_object_get(p, "by"), "text", text ? text : ""));
	}
	json_decref(events);
	section_close(r, s);
	json_array_append_new(sections, s);
	/* Determination. */
	s = section(i18n(r->lang, "case.dossier.determination"));
	dossier_determination(v, s, deid);
	section_close(r, s);
	json_array_append_new(sections, s);
	/* Measures, follow-up, oversight, audit. */
	s = section(i18n(r->lang, "case.dossier.measures"));
	dossier_measures(v, s);
	section_close(r, s);
	json_array_append_new(sections, s);
	s = section(i18n(r->lang, "case.dossier.followup"));
	dossier_reviews(v, s);
	section_close(r, s);
	json_array_append_new(sections, s);
	s = section(i18n(r->lang, "case.dossier.oversight"));
	dossier_oversight(v, s);
	section_close(r, s);
	json_array_append_new(sections, s);
	s = section(i18n(r->lang, "case.dossier.audit"));
	dossier_audit(v, s);
	section_close(r, s);
	json_array_append_new(sections, s);

	const char *state = case_state_name(c->state);
	json_t *cover = json_array();
	json_array_append_new(cover, row(i18n(r->lang, "case.field.school"), c->unit_name));
	json_array_append_new(cover, row(i18n(r->lang, "case.field.number"), c->number));
	json_array_append_new(cover, row(i18n(r->lang, "case.field.state"),
	    tr(r, "state", state)));
	if (c->finding[0])
		json_array_append_new(cover, row(i18n(r->lang, "case.field.finding"),
		    tr(r, "finding", c->finding)));
	if (c->tier[0])
		json_array_append_new(cover, row(i18n(r->lang, "case.field.tier"),
		    tr(r, "tier", c->tier)));
	json_array_append_new(cover, row(i18n(r->lang, "case.field.opened"),
	    when_text(r, c->opened_at, v->zone)));
	if (c->closed_at)
		json_array_append_new(cover, row(i18n(r->lang, "case.field.closed"),
		    when_text(r, c->closed_at, v->zone)));
	if (c->legal_process)
		json_array_append_new(cover, row(i18n(r->lang, "case.flag.legal_process"),
		    i18n(r->lang, "case.dossier.yes")));
	if (deid)
		json_array_append_new(cover, row(i18n(r->lang, "case.dossier.deid_label"),
		    i18n(r->lang, "case.dossier.deid")));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:{s:s}}",
	    "title", i18n(r->lang, "case.dossier.title"),
	    "school", c->unit_name,
	    "number", c->number,
	    "printed", when_text(r, v->now, v->zone),
	    "printed_by", r->user->display_name,
	    "confidential", i18n(r->lang, "case.dossier.confidential"),
	    "cover", cover,
	    "sections", sections,
	    "labels", "page", i18n(r->lang, "case.dossier.page"));
}

struct pdf_job {
	req *r;
	json_t *model;
	int64_t case_id;
	const char *fields;
	const char *filename;
	int64_t now;
	buf out;
	xa_err e;
};

static void
pdf_work(void *p)
{
	struct pdf_job *j = p;
	j->e = dossier_pdf(j->model, &j->out);
}

static void
pdf_done(req *r, void *p, xa_err unused)
{
	struct pdf_job *j = p;
	(void)unused;
	json_decref(j->model);
	j->model = NULL;
	if (j->e != XA_OK) {
		log_error("request %s: dossier: %s", r->id, xa_strerror(j->e));
		buf_free(&j->out);
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_file(r, "application/pdf", j->filename, j->out.data ? j->out.data : "",
	    j->out.len);
	buf_free(&j->out);
}

static xa_err
pdf_audit_run(db *conn, void *p)
{
	struct pdf_job *j = p;
	return audit_req(conn, j->r, "case.dossier", "case", j->case_id, j->fields, j->now);
}

static void
pdf_audit_done(req *r, void *p, xa_err result)
{
	struct pdf_job *j = p;
	if (result != XA_OK) {
		json_decref(j->model);
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	buf_init(&j->out, DOSSIER_MAX);
	req_offload(r, pdf_work, j, pdf_done);
}

static void
dossier_get(req *r)
{
	case_row c;
	case_access acc;
	if (!case_load_or_404(r, &c, &acc))
		return;
	bool deid = true;
	if (!dossier_allowed(r, &c, &acc, &deid)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	struct pdf_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	struct view v = { .r = r, .c = &c, .acc = &acc, .now = (int64_t)time(NULL),
		.zone = case_zone(r) };
	j->model = dossier_model(&v, deid);
	view_end(&v);
	if (j->model == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	j->r = r;
	j->case_id = c.id;
	j->now = v.now;
	j->fields = deid ? "deidentified" : v.restricted ?
	    "summary,parties,guardians,reports,events,determination,counselling" :
	    "summary,parties,guardians,reports,events,determination";
	j->filename = arena_printf(r->a, "%s-%s.pdf", c.number,
	    i18n(r->lang, "case.dossier.file"));
	if (j->filename == NULL) {
		json_decref(j->model);
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_write(r, pdf_audit_run, j, pdf_audit_done);
	/* Not queued (the writer is stopping): answered already, and no
	 * done callback will free the model. */
	if (r->answered && !r->pending) {
		json_decref(j->model);
		j->model = NULL;
	}
}

/* ------------------------------------------------------------------ */

#define API (R_API | R_AUTH)
#define PAGE R_AUTH

const route cases_routes[] = {
	{ M_GET, "/api/v1/cases", cases_list, API, list_query, NULL, NULL, "api_cases" },
	{ M_POST, "/api/v1/cases", case_create, API, NULL, open_fields, NULL,
	  "api_case_open" },
	{ M_GET, "/api/v1/cases/{id:int}", case_show, API, NULL, NULL, NULL, "api_case" },
	{ M_POST, "/api/v1/cases/{id:int}/parties", party_add, API, NULL, party_fields,
	  NULL, "api_case_party" },
	{ M_POST, "/api/v1/cases/{id:int}/events", event_add, API, NULL, event_fields,
	  NULL, "api_case_event" },
	{ M_POST, "/api/v1/cases/{id:int}/attachments", attach_add, API, NULL,
	  attach_fields, NULL, "api_case_attach" },
	{ M_GET, "/api/v1/cases/{id:int}/attachments/{aid:int}", attach_get, API, NULL,
	  NULL, NULL, "api_case_attachment" },
	{ M_POST, "/api/v1/cases/{id:int}/transitions", case_transition, API, NULL,
	  transition_fields, NULL, "api_case_transition" },
	{ M_POST, "/api/v1/cases/{id:int}/legal", legal_set, API, NULL, legal_fields,
	  NULL, "api_case_legal" },
	{ M_GET, "/api/v1/cases/{id:int}/dossier.pdf", dossier_get, API, NULL, NULL,
	  NULL, "api_case_dossier" },
	/* The pages. */
	{ M_GET, "/cases", cases_list, PAGE, list_query, NULL, "cases", "cases" },
	{ M_GET, "/cases/new", case_new_page, PAGE, NULL, NULL, "case_step", "case_new" },
	{ M_POST, "/cases/new", case_create, PAGE, NULL, open_fields, "case_step",
	  "case_new_form" },
	{ M_GET, "/cases/{id:int}", case_show, PAGE, NULL, NULL, "case", "case" },
	{ M_POST, "/cases/{id:int}/parties", party_add, PAGE, NULL, party_fields, "case",
	  "case_party_form" },
	{ M_POST, "/cases/{id:int}/events", event_add, PAGE, NULL, event_fields, "case",
	  "case_event_form" },
	{ M_POST, "/cases/{id:int}/attachments", attach_add, PAGE, NULL, attach_fields,
	  "case", "case_attach_form" },
	{ M_GET, "/cases/{id:int}/step/{to}", step_page, PAGE, step_query, NULL,
	  "case_step", "case_step" },
	{ M_POST, "/cases/{id:int}/transitions", case_transition, PAGE, NULL,
	  transition_fields, "case_step", "case_transition_form" },
	{ M_POST, "/cases/{id:int}/legal", legal_set, PAGE, NULL, legal_fields, "case",
	  "case_legal_form" },
};
const size_t cases_routes_count = sizeof cases_routes / sizeof cases_routes[0];
