/* notify.c: notices, the inbox, the ladder and the outbox (notify.h).
 *
 * Never: put a minor's name, a narrative or any sealed field into a
 * notice's params, an e-mail or an SMS (the params are a school's name, a
 * case number and a date, nothing else); mark a message sent before the
 * far end confirmed it; let an ordinary notice leave in the quiet hours;
 * let an urgent one wait for them. */
#include "notify.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/auth.h"
#include "../auth/settings.h"
#include "../core/calendar.h"
#include "../core/crypto.h"
#include "../core/i18n.h"
#include "send.h"

const char *const notify_kinds[] = { "report.new", "case.serious", "deadline.near",
	"deadline.passed", "supervision.order", "return.due", "return.late",
	"return.sent_back", "sentiment.alert", NULL };
const char *const notify_whos[] = { "chair", "principal", "first_receiver",
	"case_owner", "office", "office_director", "leader", NULL };

#define MAX_RUNGS 8
#define MAX_TO 64		/* accounts one rung reaches */

static bool
in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* Runs a prepared statement that returns no row. */
static xa_err
exec_done(db_stmt *st)
{
	int rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* --- Emitting. */

/* The params as JSON text: only the slots the words use. */
static char *
params_of(const notice_new *n)
{
	if (n->school == NULL && n->case_no == NULL && n->due == NULL)
		return strdup("{}");
	json_t *p = json_object();
	if (p == NULL)
		return NULL;
	if (n->school != NULL)
		json_object_set_new(p, "school", json_string(n->school));
	if (n->case_no != NULL)
		json_object_set_new(p, "case", json_string(n->case_no));
	if (n->due != NULL)
		json_object_set_new(p, "due", json_string(n->due));
	char *t = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(p);
	return t;
}

xa_err
notify_emit(db *conn, const notice_new *n, int64_t now)
{
	if (n == NULL || n->kind == NULL || !in_list(notify_kinds, n->kind))
		return XA_EINVAL;
	char *params = params_of(n);
	if (params == NULL)
		return XA_ENOMEM;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "INSERT OR IGNORE INTO notices (kind, unit_id, object_type,"
	    " object_id, case_id, actor_id, dedup, params, link, created_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
	if (e == XA_OK) {
		db_bind_text(st, 1, n->kind, -1);
		db_bind_int(st, 2, n->unit_id);
		db_bind_text(st, 3, n->object_type ? n->object_type : "", -1);
		db_bind_int(st, 4, n->object_id);
		db_bind_int(st, 5, n->case_id);
		db_bind_int(st, 6, n->actor_id);
		if (n->dedup != NULL)
			db_bind_text(st, 7, n->dedup, -1);
		else
			db_bind_null(st, 7);
		db_bind_text(st, 8, params, -1);
		db_bind_text(st, 9, n->link ? n->link : "", -1);
		db_bind_int(st, 10, now);
		e = exec_done(st);
	}
	free(params);
	return e;
}

xa_err
notify_report(db *conn, int64_t report_id, int64_t unit, int64_t first, int64_t now)
{
	char link[48];
	snprintf(link, sizeof link, "/reports/%lld", (long long)report_id);
	notice_new n = { .kind = "report.new", .unit_id = unit, .object_type = "report",
		.object_id = report_id, .actor_id = first, .link = link };
	return notify_emit(conn, &n, now);
}

xa_err
notify_case(db *conn, const char *kind, int64_t case_id, const char *due, int64_t now)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT unit_id, owner_id, year, seq FROM cases"
	    " WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, case_id);
	int rc = db_step(st);
	int64_t unit = 0, owner = 0;
	char no[32] = "";
	if (rc == 1) {
		unit = db_col_int(st, 0);
		owner = db_col_is_null(st, 1) ? 0 : db_col_int(st, 1);
		snprintf(no, sizeof no, "%lld-%04lld", (long long)db_col_int(st, 2),
		    (long long)db_col_int(st, 3));
	}
	db_done(st);
	if (rc != 1)
		return rc < 0 ? (xa_err)-rc : XA_ENOTFOUND;
	char link[48];
	snprintf(link, sizeof link, "/cases/%lld", (long long)case_id);
	notice_new n = { .kind = kind, .unit_id = unit, .object_type = "case",
		.object_id = case_id, .case_id = case_id, .actor_id = owner, .case_no = no,
		.due = due, .link = link };
	return notify_emit(conn, &n, now);
}

/* --- The words. */

xa_err
notify_words(arena *a, const char *lang, const char *kind, const char *params,
    const char *link, const char *base, const char **title, const char **text)
{
	char tkey[64], xkey[64];
	json_t *p = json_loads(params ? params : "{}", 0, NULL);
	if (p == NULL)
		p = json_object();
	if (p == NULL)
		return XA_ENOMEM;
	const char *school = json_string_value(json_object_get(p, "school"));
	const char *cno = json_string_value(json_object_get(p, "case"));
	const char *due = json_string_value(json_object_get(p, "due"));
	snprintf(tkey, sizeof tkey, "notice.%s.title", kind);
	snprintf(xkey, sizeof xkey, "notice.%s.text", kind);
	*title = i18n_fill(a, lang, tkey, "SCHOOL", school ? school : "", "CASE",
	    cno ? cno : "", "DUE", due ? due : "", NULL);
	const char *body = i18n_fill(a, lang, xkey, "SCHOOL", school ? school : "", "CASE",
	    cno ? cno : "", "DUE", due ? due : "", NULL);
	json_decref(p);
	if (base != NULL && link != NULL && link[0] != '\0')
		body = arena_printf(a, "%s%s%s%s", body, i18n(lang, "notice.look_at"), base,
		    link);
	*text = body ? body : "";
	return XA_OK;
}

/* --- Who a rung names. */

struct to {
	int64_t id;
	char email[256];		/* the longest address an account may hold */
	char phone[32];
};

/* Adds the accounts a query returns (id, email, phone) to out, once each. */
static xa_err
add_accounts(db_stmt *st, struct to *out, size_t *n)
{
	int rc;
	while ((rc = db_step(st)) == 1) {
		int64_t id = db_col_int(st, 0);
		bool seen = false;
		for (size_t i = 0; i < *n; i++)
			seen = seen || out[i].id == id;
		if (seen || *n >= MAX_TO)
			continue;
		out[*n].id = id;
		/* An address that does not fit is not sent to, never cut short. */
		const char *em = db_col_text(st, 1), *ph = db_col_text(st, 2);
		snprintf(out[*n].email, sizeof out[*n].email, "%s",
		    strlen(em) < sizeof out[*n].email ? em : "");
		snprintf(out[*n].phone, sizeof out[*n].phone, "%s",
		    strlen(ph) < sizeof out[*n].phone ? ph : "");
		(*n)++;
	}
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

#define ACC_COLS "a.id, a.email, a.phone"

/* The accounts one name of a rung stands for, for a notice about unit
 * (a school, or the office when a report names no school) and actor. */
static xa_err
resolve(db *conn, const char *who, int64_t unit, int64_t actor, const char *today,
    struct to *out, size_t *n)
{
	db_stmt *st = NULL;
	xa_err e = XA_OK;
	if (strcmp(who, "first_receiver") == 0 || strcmp(who, "case_owner") == 0) {
		if (actor <= 0)
			return XA_OK;
		if ((e = db_prepare(conn, "SELECT " ACC_COLS " FROM accounts a WHERE a.id = ?"
		    " AND a.disabled = 0", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, actor);
	} else if (strcmp(who, "chair") == 0) {
		if ((e = db_prepare(conn, "SELECT " ACC_COLS " FROM committee_members m"
		    " JOIN accounts a ON a.id = m.account_id JOIN units u ON u.id = m.unit_id"
		    " WHERE m.unit_id = ? AND u.kind = 'school' AND m.role = 'chair'"
		    " AND m.from_date <= ? AND (m.to_date = '' OR m.to_date >= ?)"
		    " AND a.disabled = 0", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, unit);
		db_bind_text(st, 2, today, -1);
		db_bind_text(st, 3, today, -1);
	} else if (strcmp(who, "principal") == 0) {
		if ((e = db_prepare(conn, "SELECT " ACC_COLS " FROM accounts a"
		    " JOIN account_roles r ON r.account_id = a.id JOIN units u ON u.id = a.unit_id"
		    " WHERE a.unit_id = ? AND u.kind = 'school' AND r.role = 'principal'"
		    " AND a.disabled = 0 ORDER BY a.id", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, unit);
	} else if (strcmp(who, "office") == 0 || strcmp(who, "office_director") == 0 ||
	    strcmp(who, "leader") == 0) {
		/* The office is its staff and its director. */
		bool office = strcmp(who, "office") == 0;
		if ((e = db_prepare(conn, "SELECT " ACC_COLS " FROM accounts a"
		    " JOIN account_roles r ON r.account_id = a.id WHERE r.role IN (?, ?)"
		    " AND a.disabled = 0 ORDER BY a.id", &st)) != XA_OK)
			return e;
		db_bind_text(st, 1, office ? "office_staff" : who, -1);
		db_bind_text(st, 2, office ? "office_director" : who, -1);
	} else {
		/* Not a name the rules know (the editor refuses them): nobody. */
		return XA_OK;
	}
	return add_accounts(st, out, n);
}

/* Rung r of rungs ("a,b>c>d"): its accounts. *last says whether it is the
 * last rung. */
static xa_err
rung_accounts(db *conn, const char *rungs, int r, int64_t unit, int64_t actor,
    const char *today, struct to *out, size_t *n, bool *exists, bool *last)
{
	*n = 0;
	*exists = false;
	*last = true;
	/* Rung r is what lies between the r-th and the (r+1)-th '>' (an empty
	 * rung counts as a rung and names nobody). */
	const char *p = rungs;
	for (int i = 0; i < r && p != NULL; i++)
		if ((p = strchr(p, '>')) != NULL)
			p++;
	if (p == NULL)
		return XA_OK;
	*exists = true;
	const char *end = strchr(p, '>');
	*last = end == NULL;
	size_t len = end ? (size_t)(end - p) : strlen(p);
	while (len > 0) {
		size_t k = 0;
		while (k < len && p[k] != ',')
			k++;
		char who[32];
		size_t a = 0, b = k;
		while (a < b && p[a] == ' ')
			a++;
		while (b > a && p[b - 1] == ' ')
			b--;
		if (b - a < sizeof who) {
			memcpy(who, p + a, b - a);
			who[b - a] = '\0';
			xa_err e = resolve(conn, who, unit, actor, today, out, n);
			if (e != XA_OK)
				return e;
		}
		if (k == len)
			break;
		p += k + 1;
		len -= k + 1;
	}
	return XA_OK;
}

/* --- Fan-out. */

struct notice_row {
	int64_t id, unit, actor, created;
	int rung;
	char kind[32];
	char params[512];
	char link[160];
};

struct rule {
	bool found, enabled, urgent;
	char rungs[512];
	char channels[64];
};

static bool
has_channel(const char *channels, const char *ch)
{
	size_t n = strlen(ch);
	for (const char *p = channels; (p = strstr(p, ch)) != NULL; p += n)
		if ((p == channels || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return true;
	return false;
}

/* When an ordinary message may leave: now, or the end of the quiet hours
 * (minutes of the day in the bureau's zone; start == end: none). */
static int64_t
after_quiet(db *conn, const config *cfg, int64_t now)
{
	long qs = setting_get(conn, S_NOTIFY_QUIET_START);
	long qe = setting_get(conn, S_NOTIFY_QUIET_END);
	if (qs == qe)
		return now;
	long zone = config_zone(cfg);
	int64_t local = now + zone;
	int64_t day = local - ((local % 86400) + 86400) % 86400;
	long m = (long)((local - day) / 60);
	bool quiet = qs < qe ? (m >= qs && m < qe) : (m >= qs || m < qe);
	if (!quiet)
		return now;
	int64_t end = day + (int64_t)qe * 60;
	if (end <= local)
		end += 86400;
	return end - zone;
}

static void
today_of(const config *cfg, int64_t now, char out[16])
{
	int64_t local = now + config_zone(cfg);
	time_t t = (time_t)local;
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, 16, "%04d-%02d-%02d", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
	    tm.tm_mday % 100);
}

/* What one step of the scheduler reads once and reuses for every notice
 * it handles: the settings, the rules, the schools' names, who each rung
 * names. A flood of reports to one school so costs a few queries, not a
 * few per report. */
#define FAN_CACHE 32
struct fan {
	const config *cfg;
	int64_t now;
	long escalate_min;
	int64_t quiet_until;		/* when an ordinary message may leave */
	char today[16];
	struct { char kind[32]; struct rule r; } rules[16];
	size_t nrules;
	struct { int64_t unit; char name[128]; } names[FAN_CACHE];
	size_t nnames;
	struct {
		const char *rungs;
		int rung;
		int64_t unit, actor;
		bool exists, last;
		size_t n;
		struct to *to;
	} who[FAN_CACHE];
	size_t nwho;
	/* Open report notices (told, not acknowledged) by unit and actor,
	 * and how many notices folded into each this step. */
	struct { int64_t unit, actor, id, folded; } open[FAN_CACHE];
	size_t nopen;
	arena *a;
};

static void
fan_free(struct fan *f)
{
	for (size_t i = 0; i < f->nwho; i++)
		free(f->who[i].to);
	arena_free(f->a);
}

/* Writes the step's folded counts onto their open notices, whose inbox
 * items become unread again: there is more to read. */
static xa_err
fan_flush(struct fan *f, db *conn)
{
	for (size_t i = 0; i < f->nopen; i++) {
		if (f->open[i].id == 0 || f->open[i].folded == 0)
			continue;
		db_stmt *st = NULL;
		xa_err e = db_prepare(conn, "UPDATE notices SET events = events + ? WHERE id = ?",
		    &st);
		if (e != XA_OK)
			return e;
		db_bind_int(st, 1, f->open[i].folded);
		db_bind_int(st, 2, f->open[i].id);
		if ((e = exec_done(st)) != XA_OK)
			return e;
		if ((e = db_prepare(conn, "UPDATE inbox SET read_at = 0 WHERE notice_id = ?"
		    " AND acked_at = 0", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, f->open[i].id);
		if ((e = exec_done(st)) != XA_OK)
			return e;
		f->open[i].folded = 0;
	}
	return XA_OK;
}

/* The open report notice a new one for (unit, actor) joins: told, not yet
 * acknowledged, still climbing or at its last rung; 0: none. */
static xa_err
fan_open(struct fan *f, db *conn, const struct notice_row *nr, size_t *slot)
{
	for (size_t i = 0; i < f->nopen; i++)
		if (f->open[i].unit == nr->unit && f->open[i].actor == nr->actor) {
			*slot = i;
			return XA_OK;
		}
	db_stmt *st = NULL;
	/* Live: someone was told (status 'sent'), nobody acknowledged, and it
	 * is still climbing or was raised within one escalation step. */
	xa_err e = db_prepare(conn, "SELECT id FROM notices WHERE kind = 'report.new'"
	    " AND status = 'sent' AND acked_at = 0 AND unit_id = ? AND actor_id = ? AND id < ?"
	    " AND (next_rung_at > 0 OR created_at >= ?) ORDER BY id DESC LIMIT 1", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, nr->unit);
	db_bind_int(st, 2, nr->actor);
	db_bind_int(st, 3, nr->id);
	db_bind_int(st, 4, f->now - (int64_t)f->escalate_min * 60);
	int rc = db_step(st);
	int64_t id = rc == 1 ? db_col_int(st, 0) : 0;
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (f->nopen == FAN_CACHE && (e = fan_flush(f, conn)) == XA_OK)
		f->nopen = 0;
	if (e != XA_OK)
		return e;
	f->open[f->nopen].unit = nr->unit;
	f->open[f->nopen].actor = nr->actor;
	f->open[f->nopen].id = id;
	f->open[f->nopen].folded = 0;
	*slot = f->nopen++;
	return XA_OK;
}

static xa_err
fan_init(struct fan *f, db *conn, const config *cfg, int64_t now)
{
	memset(f, 0, sizeof *f);
	f->cfg = cfg;
	f->now = now;
	f->escalate_min = setting_get(conn, S_NOTIFY_ESCALATE_MIN);
	f->quiet_until = after_quiet(conn, cfg, now);
	today_of(cfg, now, f->today);
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT kind, enabled, urgent, rungs, channels"
	    " FROM notify_rules ORDER BY kind", &st);
	if (e != XA_OK)
		return e;
	int rc;
	while ((rc = db_step(st)) == 1 && f->nrules < 16) {
		struct rule *r = &f->rules[f->nrules].r;
		snprintf(f->rules[f->nrules].kind, sizeof f->rules[0].kind, "%s", db_col_text(st, 0));
		r->found = true;
		r->enabled = db_col_int(st, 1) != 0;
		r->urgent = db_col_int(st, 2) != 0;
		snprintf(r->rungs, sizeof r->rungs, "%s", db_col_text(st, 3));
		snprintf(r->channels, sizeof r->channels, "%s", db_col_text(st, 4));
		f->nrules++;
	}
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

static const struct rule *
fan_rule(const struct fan *f, const char *kind)
{
	for (size_t i = 0; i < f->nrules; i++)
		if (strcmp(f->rules[i].kind, kind) == 0)
			return &f->rules[i].r;
	return NULL;
}

/* Rung r of rules rungs for (unit, actor), from the step's cache. */
static xa_err
fan_rung(struct fan *f, db *conn, const char *rungs, int r, int64_t unit, int64_t actor,
    const struct to **to, size_t *n, bool *exists, bool *last)
{
	for (size_t i = 0; i < f->nwho; i++)
		if (f->who[i].rungs == rungs && f->who[i].rung == r && f->who[i].unit == unit &&
		    f->who[i].actor == actor) {
			*to = f->who[i].to;
			*n = f->who[i].n;
			*exists = f->who[i].exists;
			*last = f->who[i].last;
			return XA_OK;
		}
	struct to *list = calloc(MAX_TO, sizeof *list);
	if (list == NULL)
		return XA_ENOMEM;
	xa_err e = rung_accounts(conn, rungs, r, unit, actor, f->today, list, n, exists, last);
	if (e != XA_OK) {
		free(list);
		return e;
	}
	if (f->nwho == FAN_CACHE) {
		free(f->who[0].to);
		memmove(&f->who[0], &f->who[1], (FAN_CACHE - 1) * sizeof f->who[0]);
		f->nwho--;
	}
	f->who[f->nwho].rungs = rungs;
	f->who[f->nwho].rung = r;
	f->who[f->nwho].unit = unit;
	f->who[f->nwho].actor = actor;
	f->who[f->nwho].exists = *exists;
	f->who[f->nwho].last = *last;
	f->who[f->nwho].n = *n;
	f->who[f->nwho].to = list;
	f->nwho++;
	*to = list;
	return XA_OK;
}

/* Delivers notice nr to the accounts of one rung: inbox rows, and outbox
 * rows for the rule's channels where the account has an address and the
 * transport is on. The one-tap token is ID.SECRET: the inbox row's id and
 * 128 random bits, of which only the SM3 is kept (a look-up by id, no
 * index of random hashes to insert into). */
static xa_err
deliver_rung(struct fan *f, db *conn, const struct notice_row *nr,
    const struct rule *ru, int rung, const struct to *to, size_t n)
{
	xa_err e = XA_OK;
	const config *cfg = f->cfg;
	const char *base = cfg->public_url[0] ? cfg->public_url : NULL;
	int64_t not_before = ru->urgent ? f->now : f->quiet_until;
	bool email_on = has_channel(ru->channels, "email") && send_email_enabled(cfg);
	bool sms_on = has_channel(ru->channels, "sms") && send_sms_enabled(cfg);
	for (size_t i = 0; e == XA_OK && i < n; i++) {
		uint8_t raw[16], h[SM3_LEN];
		char secret[33], hash[2 * SM3_LEN + 1];
		if ((e = crypto_random(raw, sizeof raw)) != XA_OK)
			break;
		crypto_hex(raw, sizeof raw, secret);
		OPENSSL_cleanse(raw, sizeof raw);
		if ((e = crypto_sm3(secret, 32, h)) != XA_OK)
			break;
		crypto_hex(h, sizeof h, hash);
		db_stmt *st = NULL;
		if ((e = db_prepare(conn, "INSERT OR IGNORE INTO inbox (notice_id, account_id, rung,"
		    " token_hash, created_at) VALUES (?, ?, ?, ?, ?)", &st)) != XA_OK)
			break;
		db_bind_int(st, 1, nr->id);
		db_bind_int(st, 2, to[i].id);
		db_bind_int(st, 3, rung);
		db_bind_text(st, 4, hash, -1);
		db_bind_int(st, 5, f->now);
		if ((e = exec_done(st)) != XA_OK)
			break;
		if (db_changes(conn) == 0)
			continue;	/* already told at an earlier rung */
		int64_t inbox_id = db_last_id(conn);
		bool mail = email_on && to[i].email[0];
		bool sms = sms_on && to[i].phone[0];
		if (!mail && !sms)
			continue;
		if (f->a == NULL && (f->a = arena_new(8192, 4u << 20)) == NULL) {
			e = XA_ENOMEM;
			break;
		}
		char ack[80];
		snprintf(ack, sizeof ack, "/ack/%lld.%.32s", (long long)inbox_id, secret);
		const char *title = "", *text = "";
		notify_words(f->a, "zh", nr->kind, nr->params, base ? ack : nr->link, base,
		    &title, &text);
		for (int c = 0; e == XA_OK && c < 2; c++) {
			if ((c == 0 && !mail) || (c == 1 && !sms))
				continue;
			if ((e = db_prepare(conn, "INSERT INTO outbox (inbox_id, channel, address,"
			    " subject, body, urgent, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			    &st)) != XA_OK)
				break;
			db_bind_int(st, 1, inbox_id);
			db_bind_text(st, 2, c == 0 ? "email" : "sms", -1);
			db_bind_text(st, 3, c == 0 ? to[i].email : to[i].phone, -1);
			db_bind_text(st, 4, title, -1);
			db_bind_text(st, 5, c == 0 ? text : arena_printf(f->a, "【%s】%s",
			    i18n("zh", "notice.sms_sign"), text), -1);
			db_bind_int(st, 6, ru->urgent);
			db_bind_int(st, 7, not_before);
			db_bind_int(st, 8, f->now);
			e = exec_done(st);
		}
	}
	return e;
}

/* Takes notice nr from rung `from` on: the first rung (from it) that
 * reaches anyone gets it; sets the notice's rung and when to climb. */
static xa_err
advance(struct fan *f, db *conn, const struct notice_row *nr, const struct rule *ru,
    int from, bool *told)
{
	xa_err e = XA_OK;
	int rung = from;
	bool last = true;
	*told = false;
	for (; rung < MAX_RUNGS; rung++) {
		size_t n = 0;
		bool exists = false;
		const struct to *to = NULL;
		if ((e = fan_rung(f, conn, ru->rungs, rung, nr->unit, nr->actor, &to, &n, &exists,
		    &last)) != XA_OK)
			break;
		if (!exists) {
			/* Past the last rung: stay on the one reached. */
			rung = rung > 0 ? rung - 1 : 0;
			last = true;
			break;
		}
		if (n > 0) {
			e = deliver_rung(f, conn, nr, ru, rung, to, n);
			*told = true;
			break;
		}
		if (last)
			break;
	}
	if (e != XA_OK)
		return e;
	if (rung >= MAX_RUNGS)
		rung = MAX_RUNGS - 1;
	int64_t climb = 0;
	if (ru->urgent && !last)
		climb = f->now + (int64_t)f->escalate_min * 60;
	db_stmt *st = NULL;
	/* The params as told (with the school's name), for the inbox. A
	 * first fan-out that reached nobody leaves the notice 'untold' (kept
	 * in the register; nothing can join it). A climb keeps the status. */
	if ((e = db_prepare(conn, "UPDATE notices SET status = CASE WHEN status = 'new' THEN ?"
	    " ELSE status END, urgent = ?, rung = ?, next_rung_at = ?, params = ? WHERE id = ?",
	    &st)) != XA_OK)
		return e;
	db_bind_text(st, 1, *told ? "sent" : "untold", -1);
	db_bind_int(st, 2, ru->urgent);
	db_bind_int(st, 3, rung);
	db_bind_int(st, 4, *told || from > 0 ? climb : 0);
	db_bind_text(st, 5, nr->params, -1);
	db_bind_int(st, 6, nr->id);
	return exec_done(st);
}

static void
row_of(db_stmt *st, struct notice_row *r)
{
	r->id = db_col_int(st, 0);
	snprintf(r->kind, sizeof r->kind, "%s", db_col_text(st, 1));
	r->unit = db_col_int(st, 2);
	r->actor = db_col_int(st, 3);
	snprintf(r->params, sizeof r->params, "%s", db_col_text(st, 4));
	snprintf(r->link, sizeof r->link, "%s", db_col_text(st, 5));
	r->rung = (int)db_col_int(st, 6);
	r->created = db_col_int(st, 7);
}

/* Puts the unit's name into the params when the emitter left it out (a
 * report knows its school's id, not its name). */
static xa_err
with_school(struct fan *f, db *conn, struct notice_row *r)
{
	if (r->unit <= 0 || strstr(r->params, "\"school\"") != NULL)
		return XA_OK;
	const char *name = NULL;
	for (size_t i = 0; i < f->nnames && name == NULL; i++)
		if (f->names[i].unit == r->unit)
			name = f->names[i].name;
	if (name == NULL) {
		db_stmt *st = NULL;
		xa_err e = db_prepare(conn, "SELECT name FROM units WHERE id = ?", &st);
		if (e != XA_OK)
			return e;
		db_bind_int(st, 1, r->unit);
		size_t k = f->nnames < FAN_CACHE ? f->nnames++ : (size_t)(r->unit % FAN_CACHE);
		f->names[k].unit = r->unit;
		snprintf(f->names[k].name, sizeof f->names[k].name, "%s",
		    db_step(st) == 1 ? db_col_text(st, 0) : "");
		db_done(st);
		name = f->names[k].name;
	}
	json_t *p = json_loads(r->params, 0, NULL);
	if (p == NULL)
		return XA_OK;
	json_object_set_new(p, "school", json_string(name));
	char *t = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
	if (t != NULL && strlen(t) < sizeof r->params)
		snprintf(r->params, sizeof r->params, "%s", t);
	free(t);
	json_decref(p);
	return XA_OK;
}

#define NOTICE_COLS "id, kind, unit_id, actor_id, params, link, rung, created_at"

/* The notices a query picks, each taken to its first rung (fan-out) or
 * to the next one (climb). */
static xa_err
each_notice(db *conn, const config *cfg, const char *sql, int64_t now, size_t max,
    size_t *done, bool climb, int64_t only_id)
{
	struct notice_row *rows = calloc(max ? max : 1, sizeof *rows);
	size_t n = 0;
	if (rows == NULL)
		return XA_ENOMEM;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, sql, &st);
	if (e == XA_OK) {
		if (climb)
			db_bind_int(st, 1, now);
		db_bind_int(st, climb ? 2 : 1, (int64_t)max);
		if (only_id > 0)
			db_bind_int(st, 2, only_id);
		int rc = 0;
		while (n < max && (rc = db_step(st)) == 1)
			row_of(st, &rows[n++]);
		db_done(st);
		if (rc < 0)
			e = (xa_err)-rc;
	}
	struct fan f;
	bool fan_ok = false;
	if (e == XA_OK && n > 0) {
		e = fan_init(&f, conn, cfg, now);
		fan_ok = true;
	}
	for (size_t i = 0; e == XA_OK && i < n; i++) {
		const struct rule *ru = fan_rule(&f, rows[i].kind);
		if (ru == NULL || !ru->enabled) {
			/* Kept in the register, told to no one. */
			if ((e = db_prepare(conn, "UPDATE notices SET status = CASE WHEN"
			    " status = 'new' THEN 'untold' ELSE status END, next_rung_at = 0"
			    " WHERE id = ?", &st)) != XA_OK)
				break;
			db_bind_int(st, 1, rows[i].id);
			e = exec_done(st);
			continue;
		}
		if (!climb && strcmp(rows[i].kind, "report.new") == 0) {
			size_t k = 0;
			if ((e = fan_open(&f, conn, &rows[i], &k)) != XA_OK)
				break;
			if (f.open[k].id != 0) {
				/* Joins the open notice: told once, counted. */
				if ((e = db_prepare(conn, "UPDATE notices SET status = 'folded',"
				    " folded_into = ? WHERE id = ?", &st)) != XA_OK)
					break;
				db_bind_int(st, 1, f.open[k].id);
				db_bind_int(st, 2, rows[i].id);
				if ((e = exec_done(st)) != XA_OK)
					break;
				f.open[k].folded++;
				continue;
			}
			/* This one opens: later ones in the step join it. */
			f.open[k].id = rows[i].id;
		}
		if ((e = with_school(&f, conn, &rows[i])) != XA_OK)
			break;
		bool told = false;
		e = advance(&f, conn, &rows[i], ru, climb ? rows[i].rung + 1 : 0, &told);
		if (e == XA_OK && !climb && !told && strcmp(rows[i].kind, "report.new") == 0) {
			/* Told nobody: nothing may join it. */
			for (size_t k = 0; k < f.nopen; k++)
				if (f.open[k].id == rows[i].id)
					f.open[k].id = 0;
		}
	}
	if (e == XA_OK && fan_ok)
		e = fan_flush(&f, conn);
	if (fan_ok)
		fan_free(&f);
	free(rows);
	if (e == XA_OK && done != NULL)
		*done = n;
	return e;
}

xa_err
notify_fanout(db *conn, const config *cfg, int64_t now, size_t max, size_t *done)
{
	return each_notice(conn, cfg, "SELECT " NOTICE_COLS " FROM notices WHERE status = 'new'"
	    " ORDER BY id LIMIT ?", now, max, done, false, 0);
}

xa_err
notify_climb(db *conn, const config *cfg, int64_t now, size_t max, size_t *done)
{
	return each_notice(conn, cfg, "SELECT " NOTICE_COLS " FROM notices WHERE"
	    " next_rung_at > 0 AND next_rung_at <= ? AND acked_at = 0 ORDER BY next_rung_at"
	    " LIMIT ?", now, max, done, true, 0);
}

/* --- Deadlines. */

xa_err
notify_deadlines(db *conn, const config *cfg, int64_t now, size_t *done)
{
	int64_t warn = (int64_t)setting_get(conn, S_NOTIFY_DEADLINE_WARN_H) * 3600;
	db_stmt *st = NULL;
	size_t n = 0;
	xa_err e = db_prepare(conn, "SELECT c.id, c.unit_id, c.owner_id, c.due_at, c.year, c.seq,"
	    " u.name FROM cases c JOIN units u ON u.id = c.unit_id"
	    " WHERE c.due_at > 0 AND c.due_at <= ?"
	    " AND c.state NOT IN ('closed', 'archived')", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, now + warn);
	struct item { int64_t id, unit, owner, due; char no[16], school[128]; } *items = NULL;
	size_t cap = 0;
	int rc;
	while ((rc = db_step(st)) == 1) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 32;
			struct item *ni = realloc(items, nc * sizeof *ni);
			if (ni == NULL) {
				e = XA_ENOMEM;
				break;
			}
			items = ni;
			cap = nc;
		}
		struct item *it = &items[n++];
		it->id = db_col_int(st, 0);
		it->unit = db_col_int(st, 1);
		it->owner = db_col_int(st, 2);
		it->due = db_col_int(st, 3);
		snprintf(it->no, sizeof it->no, "%lld-%04lld", (long long)db_col_int(st, 4),
		    (long long)db_col_int(st, 5));
		snprintf(it->school, sizeof it->school, "%s", db_col_text(st, 6));
	}
	db_done(st);
	if (rc < 0 && e == XA_OK)
		e = (xa_err)-rc;
	size_t made = 0;
	for (size_t i = 0; e == XA_OK && i < n; i++) {
		bool passed = items[i].due <= now;
		char dedup[96], link[48], due[64];
		snprintf(dedup, sizeof dedup, "%s:%lld:%lld", passed ? "deadline.passed" :
		    "deadline.near", (long long)items[i].id, (long long)items[i].due);
		snprintf(link, sizeof link, "/cases/%lld", (long long)items[i].id);
		time_format(items[i].due, config_zone(cfg), ' ', due);
		notice_new nn = { .kind = passed ? "deadline.passed" : "deadline.near",
			.unit_id = items[i].unit, .object_type = "case", .object_id = items[i].id,
			.case_id = items[i].id, .actor_id = items[i].owner, .school = items[i].school,
			.case_no = items[i].no, .due = due, .link = link, .dedup = dedup };
		if ((e = notify_emit(conn, &nn, now)) == XA_OK && db_changes(conn) > 0)
			made++;
	}
	free(items);
	if (e == XA_OK && done != NULL)
		*done = made;
	return e;
}

/* --- The outbox. */

xa_err
notify_claim(db *conn, int64_t now, int64_t lease, outbox_item *it, int *found)
{
	db_stmt *st = NULL;
	*found = 0;
	memset(it, 0, sizeof *it);
	xa_err e = db_prepare(conn, "SELECT id, channel, address, subject, body, attempts, urgent"
	    " FROM outbox WHERE status = 'pending' AND next_at <= ? ORDER BY urgent DESC,"
	    " next_at, id LIMIT 1", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, now);
	int rc = db_step(st);
	if (rc == 1) {
		it->id = db_col_int(st, 0);
		snprintf(it->channel, sizeof it->channel, "%s", db_col_text(st, 1));
		snprintf(it->address, sizeof it->address, "%s", db_col_text(st, 2));
		snprintf(it->subject, sizeof it->subject, "%s", db_col_text(st, 3));
		snprintf(it->body, sizeof it->body, "%s", db_col_text(st, 4));
		it->attempts = (int)db_col_int(st, 5) + 1;
		it->urgent = db_col_int(st, 6) != 0;
	}
	db_done(st);
	if (rc != 1)
		return rc < 0 ? (xa_err)-rc : XA_OK;
	if ((e = db_prepare(conn, "UPDATE outbox SET attempts = attempts + 1, next_at = ?"
	    " WHERE id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, now + lease);
	db_bind_int(st, 2, it->id);
	if ((e = exec_done(st)) != XA_OK)
		return e;
	if ((e = db_prepare(conn, "INSERT INTO outbox_attempts (outbox_id, started_at)"
	    " VALUES (?, ?)", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, it->id);
	db_bind_int(st, 2, now);
	if ((e = exec_done(st)) != XA_OK)
		return e;
	it->attempt_id = db_last_id(conn);
	*found = 1;
	return XA_OK;
}

/* The wait before attempt n+1: a minute, doubling, at most an hour. */
static int64_t
backoff(int attempts)
{
	int64_t s = 60;
	for (int i = 1; i < attempts && s < 3600; i++)
		s *= 2;
	return s < 3600 ? s : 3600;
}

/* body without the secret half of its one-tap link: once a message has
 * left (or never will), the database keeps no working token. */
static void
redact(const char *body, char *out, size_t len)
{
	size_t o = 0;
	for (const char *p = body; *p && o + 1 < len;) {
		if (strncmp(p, "/ack/", 5) == 0 && o + 6 < len) {
			memcpy(out + o, "/ack/", 5);
			o += 5;
			p += 5;
			while (*p >= '0' && *p <= '9' && o + 1 < len)
				out[o++] = *p++;
			if (*p == '.') {
				p++;
				while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))
					p++;
			}
			continue;
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
}

xa_err
notify_settle(db *conn, const config *cfg, const outbox_item *it, xa_err result,
    const char *why, int64_t now)
{
	const char *outcome;
	long max = setting_get(conn, S_NOTIFY_MAX_ATTEMPTS);
	if (result == XA_OK)
		outcome = "sent";
	else if (result == XA_EIO && it->attempts < max)
		outcome = "retry";
	else
		outcome = "failed";
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "UPDATE outbox_attempts SET ended_at = ?, result = ?,"
	    " detail = ? WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, now);
	db_bind_text(st, 2, outcome, -1);
	db_bind_text(st, 3, why ? why : "", -1);
	db_bind_int(st, 4, it->attempt_id);
	if ((e = exec_done(st)) != XA_OK)
		return e;
	if (strcmp(outcome, "retry") == 0) {
		/* An ordinary message's retry waits out the quiet hours too. */
		int64_t next = now + backoff(it->attempts);
		if (!it->urgent)
			next = after_quiet(conn, cfg, next);
		if ((e = db_prepare(conn, "UPDATE outbox SET next_at = ?, last_error = ?"
		    " WHERE id = ?", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, next);
		db_bind_text(st, 2, why ? why : "", -1);
		db_bind_int(st, 3, it->id);
		return exec_done(st);
	}
	char *clean = malloc(sizeof it->body);
	if (clean == NULL)
		return XA_ENOMEM;
	redact(it->body, clean, sizeof it->body);
	if ((e = db_prepare(conn, "UPDATE outbox SET status = ?, sent_at = ?, last_error = ?,"
	    " body = ? WHERE id = ?", &st)) == XA_OK) {
		bool sent = strcmp(outcome, "sent") == 0;
		db_bind_text(st, 1, sent ? "sent" : "failed", -1);
		db_bind_int(st, 2, sent ? now : 0);
		db_bind_text(st, 3, sent ? "" : (why ? why : ""), -1);
		db_bind_text(st, 4, clean, -1);
		db_bind_int(st, 5, it->id);
		e = exec_done(st);
	}
	free(clean);
	return e;
}

xa_err
notify_recover(db *conn, const config *cfg, int64_t now, size_t *done)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "UPDATE outbox SET next_at = CASE WHEN urgent = 1 THEN ?1"
	    " ELSE ?2 END WHERE status = 'pending'"
	    " AND id IN (SELECT outbox_id FROM outbox_attempts WHERE result = 'started')", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, after_quiet(conn, cfg, now));
	if ((e = exec_done(st)) != XA_OK)
		return e;
	if ((e = db_prepare(conn, "UPDATE outbox_attempts SET result = 'cut_off', ended_at = ?,"
	    " detail = 'stopped or crashed while sending' WHERE result = 'started'", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, now);
	if ((e = exec_done(st)) != XA_OK)
		return e;
	if (done != NULL)
		*done = (size_t)db_changes(conn);
	return XA_OK;
}

/* --- Acknowledging. */

static xa_err
ack_item(db *conn, int64_t inbox_id, int64_t account, int64_t now)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "UPDATE inbox SET acked_at = ?, read_at = CASE WHEN"
	    " read_at = 0 THEN ? ELSE read_at END WHERE id = ? AND acked_at = 0", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, now);
	db_bind_int(st, 3, inbox_id);
	if ((e = exec_done(st)) != XA_OK)
		return e;
	/* The notice, and the reports' notices that joined it. */
	if ((e = db_prepare(conn, "UPDATE notices SET acked_at = ?1, acked_by = ?2,"
	    " next_rung_at = 0 WHERE (id = (SELECT notice_id FROM inbox WHERE id = ?3)"
	    " OR folded_into = (SELECT notice_id FROM inbox WHERE id = ?3)) AND acked_at = 0",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, account);
	db_bind_int(st, 3, inbox_id);
	if ((e = exec_done(st)) != XA_OK)
		return e;
	/* Someone has it in hand: what has not left yet need not. */
	if ((e = db_prepare(conn, "UPDATE outbox SET status = 'cancelled', last_error ="
	    " 'acknowledged before it was sent' WHERE status = 'pending' AND inbox_id IN"
	    " (SELECT id FROM inbox WHERE notice_id = (SELECT notice_id FROM inbox WHERE id = ?))",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, inbox_id);
	return exec_done(st);
}

xa_err
notify_ack(db *conn, int64_t inbox_id, int64_t account_id, int64_t now)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT count(*) FROM inbox WHERE id = ? AND account_id = ?",
	    &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, inbox_id);
	db_bind_int(st, 2, account_id);
	int64_t n = db_step(st) == 1 ? db_col_int(st, 0) : 0;
	db_done(st);
	if (n == 0)
		return XA_ENOTFOUND;
	return ack_item(conn, inbox_id, account_id, now);
}

xa_err
notify_ack_token(db *conn, const char *token, int64_t now, int64_t *inbox_id)
{
	/* ID.SECRET: 1 to 19 digits, a dot, 32 lower-case hex digits. */
	const char *dot = token ? strchr(token, '.') : NULL;
	size_t digits = dot ? (size_t)(dot - token) : 0;
	if (dot == NULL || digits == 0 || digits > 18 || strspn(token, "0123456789") != digits ||
	    strlen(dot + 1) != 32 || strspn(dot + 1, "0123456789abcdef") != 32)
		return XA_ENOTFOUND;
	int64_t id = 0;
	for (size_t i = 0; i < digits; i++)
		id = id * 10 + (token[i] - '0');
	uint8_t h[SM3_LEN];
	char hex[2 * SM3_LEN + 1];
	xa_err e = crypto_sm3(dot + 1, 32, h);
	if (e != XA_OK)
		return e;
	crypto_hex(h, sizeof h, hex);
	db_stmt *st = NULL;
	/* A link works for an account still in service, for 30 days. */
	if ((e = db_prepare(conn, "SELECT i.token_hash, i.account_id FROM inbox i JOIN accounts a"
	    " ON a.id = i.account_id WHERE i.id = ? AND a.disabled = 0 AND i.created_at >= ?",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, now - 30 * 86400);
	int rc = db_step(st);
	bool match = rc == 1 && db_col_len(st, 0) == 2 * SM3_LEN &&
	    crypto_equal(db_col_text(st, 0), hex, 2 * SM3_LEN);
	int64_t account = match ? db_col_int(st, 1) : 0;
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (!match)
		return XA_ENOTFOUND;
	*inbox_id = id;
	return ack_item(conn, id, account, now);
}

/* --- The demo city. */

/* Acknowledges notice id as its first recipient would have at t. */
static xa_err
demo_ack(db *conn, int64_t id, int64_t t)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "UPDATE inbox SET read_at = ?1, acked_at = ?1 WHERE id ="
	    " (SELECT min(id) FROM inbox WHERE notice_id = ?2)", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, t);
	db_bind_int(st, 2, id);
	if ((e = exec_done(st)) != XA_OK)
		return e;
	if ((e = db_prepare(conn, "UPDATE notices SET next_rung_at = 0, acked_at = ?1,"
	    " acked_by = (SELECT account_id FROM inbox WHERE notice_id = ?2 ORDER BY id LIMIT 1)"
	    " WHERE id = ?2 AND status = 'sent' AND EXISTS (SELECT 1 FROM inbox WHERE"
	    " notice_id = ?2)", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, t);
	db_bind_int(st, 2, id);
	return exec_done(st);
}

xa_err
notify_demo(db *conn, const config *cfg, int64_t now, FILE *out)
{
	size_t n = 0, told = 0;
	xa_err e = notify_deadlines(conn, cfg, now, &n);
	struct pend { int64_t id, at; } *acks = NULL;
	int64_t *ids = NULL, *ats = NULL;
	size_t nids = 0, cap = 0, nacks = 0;
	db_stmt *st = NULL;
	if (e == XA_OK && (e = db_prepare(conn, "SELECT id, created_at FROM notices"
	    " WHERE status = 'new' ORDER BY created_at, id", &st)) == XA_OK) {
		int rc;
		while ((rc = db_step(st)) == 1) {
			if (nids == cap) {
				size_t nc = cap ? cap * 2 : 1024;
				int64_t *ni = realloc(ids, nc * sizeof *ni), *na = NULL;
				if (ni != NULL)
					ids = ni;
				if (ni != NULL && (na = realloc(ats, nc * sizeof *na)) != NULL)
					ats = na;
				if (ni == NULL || na == NULL) {
					e = XA_ENOMEM;
					break;
				}
				cap = nc;
			}
			ids[nids] = db_col_int(st, 0);
			ats[nids++] = db_col_int(st, 1);
		}
		db_done(st);
		if (rc < 0 && e == XA_OK)
			e = (xa_err)-rc;
	}
	if (e == XA_OK && nids > 0 && (acks = calloc(nids, sizeof *acks)) == NULL)
		e = XA_ENOMEM;
	/* Each notice told when it was raised; those older than two days
	 * acknowledged within the hour, in time for the next ones to see it. */
	for (size_t i = 0; e == XA_OK && i < nids; i++) {
		for (size_t k = 0; e == XA_OK && k < nacks; k++)
			if (acks[k].at <= ats[i] && acks[k].id != 0) {
				e = demo_ack(conn, acks[k].id, acks[k].at);
				acks[k].id = 0;
			}
		if (e != XA_OK)
			break;
		e = each_notice(conn, cfg, "SELECT " NOTICE_COLS " FROM notices WHERE status = 'new'"
		    " AND id = ?2 LIMIT ?1", ats[i], 1, &n, false, ids[i]);
		told += n;
		if (e == XA_OK && ats[i] < now - 2 * 86400) {
			acks[nacks].id = ids[i];
			acks[nacks++].at = ats[i] + 600 + (ids[i] % 40) * 60;
		}
		/* Keep the pending list short: drop the settled ones. */
		if (nacks > 64) {
			size_t w = 0;
			for (size_t k = 0; k < nacks; k++)
				if (acks[k].id != 0)
					acks[w++] = acks[k];
			nacks = w;
		}
	}
	for (size_t k = 0; e == XA_OK && k < nacks; k++)
		if (acks[k].id != 0)
			e = demo_ack(conn, acks[k].id, acks[k].at);
	free(acks);
	free(ids);
	free(ats);
	int64_t open = 0;
	if (e == XA_OK)
		e = db_query_int(conn, "SELECT count(*) FROM notices WHERE acked_at = 0"
		    " AND status = 'sent'", &open);
	if (e == XA_OK && out != NULL)
		fprintf(out, "Notices: %zu told, %lld still waiting for someone to acknowledge.\n",
		    told, (long long)open);
	return e;
}
