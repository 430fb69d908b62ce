/* admin.c: the administrators' pages and API, the three separated
 * administrators of 等保 level 3 (三员分立):
 *
 *   accounts     the system administrator (A_ACCOUNT_WRITE) creates,
 *                disables, enables and resets; A_ACCOUNT_READ lets a
 *                principal see its own school's accounts and the office
 *                director the bureau's tree;
 *   roles        the security administrator (A_ROLE_ASSIGN) alone;
 *   settings     the security policy by the security administrator, the
 *                rest by the system administrator (setting_defs[].who);
 *   audit log    the audit administrator (A_AUDIT_READ) alone, and every
 *                read of it is itself written to it before it is answered.
 *
 * Every handler asks policy_allow() first. What the caller may not see is
 * answered 404, exactly like a missing id; what it may see but not do,
 * 403. Every change goes through the writer together with its audit
 * record, in the same job. docs/internals/admin.md has the whole picture.
 *
 * This file must never put a password, a TOTP secret or a recovery code
 * into a log line, an audit record, a list or any answer except the one
 * that made a temporary password; never build SQL from input (filters are
 * fixed SQL with flags, all values bound); never let one account hold two
 * administrator roles, or an administrator role and another role. */
#include "admin.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../auth/accounts.h"
#include "../auth/audit.h"
#include "../auth/auth.h"
#include "../auth/keys.h"
#include "../auth/session.h"
#include "../auth/settings.h"
#include "../core/buf.h"
#include "../core/crypto.h"
#include "../core/csv.h"
#include "../core/i18n.h"
#include "../core/log.h"
#include "../http/handler.h"
#include "../http/server.h"
#include "../org/org.h"

#define PER_PAGE 50
#define PAGE_MAX 100000
#define EXPORT_MAX 100000
#define EXPORT_BYTES (64u << 20)
#define ID_MAX 999999999999999LL
/* Dates in filters and times on pages are in China Standard Time
 * (UTC+8, no daylight saving since 1991), the bureau's zone. */
#define ZONE_OFFSET (8 * 3600)

/* --- Small helpers. */

/* The catalog text of error code `code` in the reader's language. */
static const char *
error_text(req *r, const char *code)
{
	char key[96];
	snprintf(key, sizeof key, "error.%s", code);
	return i18n(r->lang, key);
}

static json_t *
page_model(const char *title_key)
{
	return json_pack("{s:{s:s}}", "page", "title_key", title_key);
}

/* Adds error (its text) and invalid.<field> = true to a page model. */
static void
model_error(req *r, json_t *m, const char *code, const char *fname)
{
	json_object_set_new(m, "error", json_string(error_text(r, code)));
	if (fname != NULL)
		json_object_set_new(m, "invalid", json_pack("{s:b}", fname, 1));
}

/* Runs sql with integer parameters v[0..n) to its end. */
static xa_err
exec_ints(db *conn, const char *sql, const int64_t *v, int n)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, sql, &st);
	if (e != XA_OK)
		return e;
	for (int i = 0; i < n; i++)
		db_bind_int(st, i + 1, v[i]);
	int rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* "2025-03-01 08:30:00" in the bureau's zone. */
static void
fmt_time(int64_t t, char out[24])
{
	time_t tt = (time_t)(t + ZONE_OFFSET);
	struct tm tm;
	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 24, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		out[0] = '\0';
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* UTC seconds at the start of a validated "YYYY-MM-DD" in the bureau's
 * zone, plus `days` days. */
static int64_t
day_start(const char *ymd, int days)
{
	int64_t y = 0;
	int m = 0, d = 0;
	for (int i = 0; i < 4; i++)
		y = y * 10 + (ymd[i] - '0');
	m = (ymd[5] - '0') * 10 + (ymd[6] - '0');
	d = (ymd[8] - '0') * 10 + (ymd[9] - '0');
	return (days_from_civil(y, m, d) + days) * 86400 - ZONE_OFFSET;
}

/* Appends name=value, percent-encoded, to a query string being built. */
static xa_err
qs_add(buf *b, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	xa_err e = buf_puts(b, b->len ? "&" : "");
	if (e == XA_OK)
		e = buf_puts(b, name);
	if (e == XA_OK)
		e = buf_putc(b, '=');
	for (const unsigned char *p = (const unsigned char *)value; e == XA_OK && *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-_.~", *p) != NULL) {
			e = buf_putc(b, (char)*p);
		} else {
			char esc[4] = { '%', hex[*p >> 4], hex[*p & 15], '\0' };
			e = buf_puts(b, esc);
		}
	}
	return e;
}

/* "/base?query&page=N" from the arena, or NULL. */
static const char *
page_href(req *r, const char *base, const buf *qs, int64_t page)
{
	return arena_printf(r->a, "%s?%s%spage=%" PRId64, base,
	    qs->len ? qs->data : "", qs->len ? "&" : "", page);
}

/* How far a principal's grant of action a reaches. policy_allow() is
 * asked, never second-guessed: a grant that reaches everything allows a
 * NULL path; a TREE grant allows a made-up unit just under the caller's
 * scope (id 0 is never a unit); an OWN grant only the caller's unit. */
enum reach { REACH_NONE, REACH_OWN, REACH_TREE, REACH_ALL };

static enum reach
reach_of(const principal *p, enum action a)
{
	char probe[sizeof p->scope_path + 4];
	if (p == NULL)
		return REACH_NONE;
	if (policy_allow(p, a, NULL))
		return REACH_ALL;
	snprintf(probe, sizeof probe, "%s0/", p->scope_path);
	if (policy_allow(p, a, probe))
		return REACH_TREE;
	if (policy_allow(p, a, p->unit_path))
		return REACH_OWN;
	return REACH_NONE;
}

/* --- Roles. */

/* The role names in enum order: the choices of the role fields. */
static const char *const role_choices[] = {
	"leader", "office_director", "office_staff", "inspector", "section_staff",
	"principal", "committee_member", "head_teacher", "counsellor", "teacher",
	"agency_liaison", "sysadmin", "secadmin", "auditadmin", NULL,
};
_Static_assert(sizeof role_choices / sizeof role_choices[0] == ROLE__COUNT + 1,
    "role_choices must name every role");

/* The roles an account in a unit of this kind may hold: the bureau, its
 * sections and office hold bureau roles and the administrators; a school
 * school roles; an agency its liaison; a township none. */
static unsigned
roles_for_kind(const char *kind)
{
	if (strcmp(kind, "bureau") == 0 || strcmp(kind, "section") == 0 ||
	    strcmp(kind, "office") == 0)
		return ROLES_BUREAU | ROLES_ADMIN;
	if (strcmp(kind, "school") == 0)
		return ROLES_SCHOOL;
	if (strcmp(kind, "agency") == 0)
		return ROLE_BIT(ROLE_AGENCY);
	return 0;
}

/* Why a set of roles cannot be given to an account in a unit of this kind
 * (an error code, *fname the field to blame), or NULL when it can. */
static const char *
roles_refusal(unsigned roles, const char *kind, bool has_member_type,
    const char **fname)
{
	unsigned admin = roles & ROLES_ADMIN;
	*fname = "roles";
	if (roles & ~roles_for_kind(kind))
		return "role_unit_mismatch";
	/* 三员分立: at most one administrator role, and nothing beside it. */
	if ((admin & (admin - 1)) != 0 || (admin != 0 && (roles & ~ROLES_ADMIN) != 0))
		return "role_separation";
	if ((roles & ROLE_BIT(ROLE_COMMITTEE)) && !has_member_type) {
		*fname = "member_type";
		return "member_type_required";
	}
	return NULL;
}

static json_t *
role_item(req *r, int i)
{
	char key[48];
	snprintf(key, sizeof key, "role.%s", role_name((enum role)i));
	return json_pack("{s:s, s:s}", "name", role_name((enum role)i), "label",
	    i18n(r->lang, key));
}

static json_t *
roles_json(req *r, unsigned roles)
{
	json_t *a = json_array();
	for (int i = 0; a != NULL && i < ROLE__COUNT; i++)
		if (roles & ROLE_BIT(i))
			json_array_append_new(a, role_item(r, i));
	return a;
}

/* --- One account. */

struct acct {
	int64_t id, unit_id, locked_until, created_at, pw_changed_at;
	int disabled, must_change, totp, totp_pending;
	unsigned roles;
	char username[72], display_name[264], phone[40], email[136];
	char member_type[32];
	char unit_path[96], unit_kind[16], unit_name[264];
};

/* Reads account id and its roles from conn. XA_ENOTFOUND if none. */
static xa_err
acct_load(db *conn, int64_t id, struct acct *a)
{
	db_stmt *st = NULL;
	xa_err e;
	memset(a, 0, sizeof *a);
	if ((e = db_prepare(conn, "SELECT a.id, a.unit_id, a.username, a.display_name,"
	    " a.phone, a.email, a.disabled, a.must_change,"
	    " CASE WHEN a.totp_secret = '' THEN 0 ELSE 1 END,"
	    " CASE WHEN a.totp_pending = '' THEN 0 ELSE 1 END,"
	    " a.locked_until, a.created_at, a.password_changed_at, u.path, u.kind, u.name"
	    " FROM accounts a JOIN units u ON u.id = a.unit_id WHERE a.id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == 1) {
		a->id = db_col_int(st, 0);
		a->unit_id = db_col_int(st, 1);
		snprintf(a->username, sizeof a->username, "%s", db_col_text(st, 2));
		snprintf(a->display_name, sizeof a->display_name, "%s", db_col_text(st, 3));
		snprintf(a->phone, sizeof a->phone, "%s", db_col_text(st, 4));
		snprintf(a->email, sizeof a->email, "%s", db_col_text(st, 5));
		a->disabled = db_col_int(st, 6) != 0;
		a->must_change = db_col_int(st, 7) != 0;
		a->totp = db_col_int(st, 8) != 0;
		a->totp_pending = db_col_int(st, 9) != 0;
		a->locked_until = db_col_int(st, 10);
		a->created_at = db_col_int(st, 11);
		a->pw_changed_at = db_col_int(st, 12);
		/* A cut path would pass for another unit's: refuse it. */
		int n = snprintf(a->unit_path, sizeof a->unit_path, "%s", db_col_text(st, 13));
		if (n < 0 || (size_t)n >= sizeof a->unit_path)
			rc = -XA_ETOOBIG;
		snprintf(a->unit_kind, sizeof a->unit_kind, "%s", db_col_text(st, 14));
		snprintf(a->unit_name, sizeof a->unit_name, "%s", db_col_text(st, 15));
	}
	db_done(st);
	if (rc != 1)
		return rc == 0 ? XA_ENOTFOUND : (xa_err)-rc;
	if ((e = db_prepare(conn, "SELECT role, member_type FROM account_roles"
	    " WHERE account_id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	while ((rc = db_step(st)) == 1) {
		enum role ro;
		if (role_parse(db_col_text(st, 0), &ro) != XA_OK)
			continue;
		a->roles |= ROLE_BIT(ro);
		if (ro == ROLE_COMMITTEE)
			snprintf(a->member_type, sizeof a->member_type, "%s",
			    db_col_text(st, 1));
	}
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

static const char *
kind_key(const char *kind)
{
	static const char *const kinds[] = { "bureau", "section", "office",
		"township", "school", "agency" };
	static const char *const kind_keys[] = { "accounts.kind.bureau",
		"accounts.kind.section", "accounts.kind.office", "accounts.kind.township",
		"accounts.kind.school", "accounts.kind.agency" };
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kind, kinds[i]) == 0)
			return kind_keys[i];
	return "accounts.kind.other";
}

/* The account as answers show it: never its password hash, TOTP secret
 * or recovery codes, only whether two-step sign-in is on. */
static json_t *
acct_json(req *r, const struct acct *a)
{
	char created[24], changed[24], locked[24];
	int64_t now = now_s();
	fmt_time(a->created_at, created);
	fmt_time(a->pw_changed_at, changed);
	fmt_time(a->locked_until, locked);
	json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:{s:I, s:s, s:s, s:s},"
	    " s:o, s:b, s:b, s:b, s:b, s:b, s:I, s:s, s:s}",
	    "id", (json_int_t)a->id, "username", a->username,
	    "display_name", a->display_name, "phone", a->phone, "email", a->email,
	    "unit", "id", (json_int_t)a->unit_id, "name", a->unit_name,
	    "kind", a->unit_kind, "kind_label", i18n(r->lang, kind_key(a->unit_kind)),
	    "roles", roles_json(r, a->roles), "disabled", a->disabled,
	    "must_change", a->must_change, "locked", a->locked_until > now,
	    "totp_enabled", a->totp, "totp_pending", a->totp_pending,
	    "created_at", (json_int_t)a->created_at, "created_text", created,
	    "password_changed_text", changed);
	if (j != NULL && a->locked_until > now)
		json_object_set_new(j, "locked_until_text", json_string(locked));
	/* One word for the state, with its text and chip colour for pages. */
	static const struct {
		const char *name, *key, *chip;
	} states[] = {
		{ "disabled", "accounts.status.disabled", "grey" },
		{ "locked", "accounts.status.locked", "red" },
		{ "must_change", "accounts.status.must_change", "amber" },
		{ "active", "accounts.status.active", "green" },
	};
	int s = a->disabled ? 0 : a->locked_until > now ? 1 : a->must_change ? 2 : 3;
	if (j != NULL) {
		json_object_set_new(j, "status", json_string(states[s].name));
		json_object_set_new(j, "status_label", json_string(i18n(r->lang, states[s].key)));
		json_object_set_new(j, "status_chip", json_string(states[s].chip));
	}
	if (j != NULL && (a->roles & ROLE_BIT(ROLE_COMMITTEE)) && a->member_type[0]) {
		char key[64];
		snprintf(key, sizeof key, "member.%s", a->member_type);
		json_object_set_new(j, "member_type", json_string(a->member_type));
		json_object_set_new(j, "member_type_label",
		    json_string(i18n(r->lang, key)));
	}
	return j;
}

/* Loads the account named by the path for action `need` on it. Answers
 * and returns -1 when the caller may not: 404 when it may not even see the
 * account (exactly as for a missing one), 403 when it may see it but not
 * do `need`. */
static int
acct_for(req *r, enum action need, struct acct *a)
{
	int64_t id = 0;
	xa_err e = req_param_int(r, "id", &id);
	if (e == XA_OK)
		e = acct_load(r->rdb, id, a);
	if (e != XA_OK && e != XA_ENOTFOUND && e != XA_EINVAL) {
		req_error(r, 503, "unavailable", NULL);
		return -1;
	}
	if (e != XA_OK || !policy_allow(r->user, A_ACCOUNT_READ, a->unit_path)) {
		req_error(r, 404, "not_found", NULL);
		return -1;
	}
	if (need != A_ACCOUNT_READ && !policy_allow(r->user, need, a->unit_path)) {
		req_error(r, 403, "forbidden", NULL);
		return -1;
	}
	return 0;
}

/* The model of the account page: the account, and what the reader may do
 * to it (decided here, never in the template). */
static json_t *
account_model(req *r, const struct acct *a)
{
	const principal *p = r->user;
	bool self = a->id == p->account_id;
	bool can_write = policy_allow(p, A_ACCOUNT_WRITE, a->unit_path);
	bool can_assign = policy_allow(p, A_ROLE_ASSIGN, a->unit_path);
	json_t *m = page_model("accounts.detail_title");
	if (m == NULL)
		return NULL;
	json_object_set_new(m, "account", acct_json(r, a));
	json_object_set_new(m, "self", json_boolean(self));
	json_object_set_new(m, "can_write", json_boolean(can_write));
	json_object_set_new(m, "can_disable", json_boolean(can_write && !self && !a->disabled));
	json_object_set_new(m, "can_enable", json_boolean(can_write && a->disabled));
	json_object_set_new(m, "can_unlock", json_boolean(can_write && !a->disabled &&
	    a->locked_until > now_s()));
	json_object_set_new(m, "can_reset_totp",
	    json_boolean(can_write && (a->totp || a->totp_pending)));
	json_object_set_new(m, "can_assign", json_boolean(can_assign && !self));
	json_object_set_new(m, "own_roles_note", json_boolean(can_assign && self));
	if (can_assign && !self) {
		unsigned fit = roles_for_kind(a->unit_kind);
		json_t *choices = json_array(), *types = json_array();
		for (int i = 0; i < ROLE__COUNT; i++) {
			if ((fit & ROLE_BIT(i)) == 0)
				continue;
			json_t *it = role_item(r, i);
			json_object_set_new(it, "checked", json_boolean(a->roles & ROLE_BIT(i)));
			json_object_set_new(it, "admin", json_boolean(ROLES_ADMIN & ROLE_BIT(i)));
			json_array_append_new(choices, it);
		}
		if (fit & ROLE_BIT(ROLE_COMMITTEE)) {
			for (int i = 0; member_types[i] != NULL; i++) {
				char key[64];
				snprintf(key, sizeof key, "member.%s", member_types[i]);
				json_array_append_new(types, json_pack("{s:s, s:s, s:b}",
				    "name", member_types[i], "label", i18n(r->lang, key),
				    "selected", strcmp(member_types[i], a->member_type) == 0));
			}
		}
		json_object_set_new(m, "role_choices", choices);
		json_object_set_new(m, "member_types", types);
		json_object_set_new(m, "no_roles_fit", json_boolean(fit == 0));
	}
	return m;
}

/* An error about account a: JSON for the API, the account page again
 * with the message for a browser. */
static void
acct_fail(req *r, const struct acct *a, int status, const char *code,
    const char *fname)
{
	if (is_api(r)) {
		req_error(r, status, code, fname);
		return;
	}
	json_t *m = account_model(r, a);
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	model_error(r, m, code, fname);
	req_render(r, status, "account", m);
}

/* --- The list of accounts. */

struct list_filter {
	enum reach reach;
	const char *scope;	/* REACH_OWN: the unit's path; REACH_TREE: prefix */
	int64_t unit;
	char unit_path[96];	/* the ?unit= filter's path, or "" */
	const char *q;
	char *pattern;		/* LIKE pattern of q, or "" */
	const char *role;
	int64_t page;
};

/* Who may be listed, and the filters. The scope and the filters are
 * fixed SQL switched on and off by flags; every value is bound. */
#define ACCOUNTS_WHERE \
	" FROM accounts a JOIN units u ON u.id = a.unit_id" \
	" WHERE (? = 0 OR u.path = ?)" \
	" AND (? = 0 OR substr(u.path, 1, ?) = ?)" \
	" AND (? = 0 OR substr(u.path, 1, ?) = ?)" \
	" AND (? = '' OR a.username LIKE ? ESCAPE '\\' OR a.display_name LIKE ? ESCAPE '\\')" \
	" AND (? = '' OR EXISTS (SELECT 1 FROM account_roles x" \
	" WHERE x.account_id = a.id AND x.role = ?))"

static void
bind_list_filter(db_stmt *st, const struct list_filter *f)
{
	bool own = f->reach == REACH_OWN, tree = f->reach == REACH_TREE;
	const char *q = f->q ? f->q : "", *role = f->role ? f->role : "";
	db_bind_int(st, 1, own);
	db_bind_text(st, 2, own ? f->scope : "", -1);
	db_bind_int(st, 3, tree);
	db_bind_int(st, 4, tree ? (int64_t)strlen(f->scope) : 0);
	db_bind_text(st, 5, tree ? f->scope : "", -1);
	db_bind_int(st, 6, f->unit != 0);
	db_bind_int(st, 7, (int64_t)strlen(f->unit_path));
	db_bind_text(st, 8, f->unit_path, -1);
	db_bind_text(st, 9, q, -1);
	db_bind_text(st, 10, f->pattern, -1);
	db_bind_text(st, 11, f->pattern, -1);
	db_bind_text(st, 12, role, -1);
	db_bind_text(st, 13, role, -1);
}

/* "%q%" with LIKE's own characters escaped, from the arena. */
static char *
like_pattern(arena *a, const char *q)
{
	size_t n = strlen(q);
	char *out = arena_alloc(a, 2 * n + 3), *o = out;
	if (out == NULL)
		return NULL;
	*o++ = '%';
	for (const char *p = q; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o++ = '%';
	*o = '\0';
	return out;
}

/* Reads the list's query into f. Answers 404 and returns -1 when the
 * caller may list no accounts, or names a unit it may not see. */
static int
list_filter_from(req *r, struct list_filter *f)
{
	const principal *p = r->user;
	memset(f, 0, sizeof *f);
	f->reach = reach_of(p, A_ACCOUNT_READ);
	f->scope = f->reach == REACH_OWN ? p->unit_path : p->scope_path;
	f->unit = input_int(r->q, "unit", 0);
	f->q = input_str(r->q, "q");
	f->role = input_str(r->q, "role");
	f->page = input_int(r->q, "page", 0);
	if (f->page < 1)
		f->page = 1;
	f->pattern = like_pattern(r->a, f->q ? f->q : "");
	if (f->reach == REACH_NONE || f->pattern == NULL) {
		req_error(r, 404, "not_found", NULL);
		return -1;
	}
	if (f->unit != 0 && (unit_path(r->rdb, f->unit, f->unit_path,
	    sizeof f->unit_path) != XA_OK ||
	    !policy_allow(p, A_ACCOUNT_READ, f->unit_path))) {
		req_error(r, 404, "not_found", NULL);
		return -1;
	}
	return 0;
}

/* Adds accounts (this page), total, page and pages to m. */
static xa_err
accounts_query(req *r, const struct list_filter *f, json_t *m)
{
	db_stmt *st = NULL;
	int64_t total = 0;
	int rc;
	xa_err e = db_prepare(r->rdb, "SELECT count(*)" ACCOUNTS_WHERE, &st);
	if (e != XA_OK)
		return e;
	bind_list_filter(st, f);
	if ((rc = db_step(st)) == 1)
		total = db_col_int(st, 0);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	json_t *list = json_array();
	if ((e = db_prepare(r->rdb, "SELECT a.id" ACCOUNTS_WHERE
	    " ORDER BY length(u.path), u.path, a.username LIMIT ? OFFSET ?", &st)) != XA_OK) {
		json_decref(list);
		return e;
	}
	bind_list_filter(st, f);
	db_bind_int(st, 14, PER_PAGE);
	db_bind_int(st, 15, (f->page - 1) * PER_PAGE);
	int64_t ids[PER_PAGE];
	int n = 0;
	while (n < PER_PAGE && (rc = db_step(st)) == 1)
		ids[n++] = db_col_int(st, 0);
	db_done(st);
	for (int i = 0; rc >= 0 && i < n; i++) {
		struct acct a;
		if ((e = acct_load(r->rdb, ids[i], &a)) == XA_OK)
			json_array_append_new(list, acct_json(r, &a));
	}
	json_object_set_new(m, "accounts", list);
	json_object_set_new(m, "total", json_integer(total));
	json_object_set_new(m, "page", json_integer(f->page));
	json_object_set_new(m, "per_page", json_integer(PER_PAGE));
	json_object_set_new(m, "pages", json_integer((total + PER_PAGE - 1) / PER_PAGE));
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* The units within reach, for the filter and the create form. */
static json_t *
units_json(req *r, enum reach reach, const char *scope, int64_t selected)
{
	db_stmt *st = NULL;
	json_t *a = json_array();
	bool own = reach == REACH_OWN, tree = reach == REACH_TREE;
	if (a == NULL || db_prepare(r->rdb, "SELECT id, name, kind FROM units"
	    " WHERE (? = 0 OR path = ?) AND (? = 0 OR substr(path, 1, ?) = ?)"
	    " ORDER BY length(path), path LIMIT 5000", &st) != XA_OK)
		return a;
	db_bind_int(st, 1, own);
	db_bind_text(st, 2, own ? scope : "", -1);
	db_bind_int(st, 3, tree);
	db_bind_int(st, 4, tree ? (int64_t)strlen(scope) : 0);
	db_bind_text(st, 5, tree ? scope : "", -1);
	while (db_step(st) == 1) {
		int64_t id = db_col_int(st, 0);
		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:b}", "id",
		    (json_int_t)id, "name", db_col_text(st, 1), "kind_label",
		    i18n(r->lang, kind_key(db_col_text(st, 2))), "selected", id == selected));
	}
	db_done(st);
	return a;
}

/* The whole model of the accounts page. */
static json_t *
accounts_model(req *r, const struct list_filter *f)
{
	json_t *m = page_model("accounts.title");
	if (m == NULL || accounts_query(r, f, m) != XA_OK) {
		json_decref(m);
		return NULL;
	}
	enum reach wr = reach_of(r->user, A_ACCOUNT_WRITE);
	json_t *roles = json_array();
	for (int i = 0; i < ROLE__COUNT; i++) {
		json_t *it = role_item(r, i);
		json_object_set_new(it, "selected", json_boolean(f->role != NULL &&
		    strcmp(f->role, role_name((enum role)i)) == 0));
		json_array_append_new(roles, it);
	}
	json_object_set_new(m, "filter", json_pack("{s:s, s:I}", "q", f->q ? f->q : "",
	    "unit", (json_int_t)f->unit));
	json_t *units = units_json(r, f->reach, f->scope, f->unit);
	json_object_set_new(m, "many_units", json_boolean(json_array_size(units) > 1));
	json_object_set_new(m, "units", units);
	json_object_set_new(m, "role_choices", roles);
	json_object_set_new(m, "can_create", json_boolean(wr != REACH_NONE));
	if (wr != REACH_NONE)
		json_object_set_new(m, "create_units", units_json(r, wr,
		    wr == REACH_OWN ? r->user->unit_path : r->user->scope_path, 0));
	buf qs;
	buf_init(&qs, 4096);
	char unit[24];
	snprintf(unit, sizeof unit, "%" PRId64, f->unit);
	xa_err e = XA_OK;
	if (f->unit)
		e = qs_add(&qs, "unit", unit);
	if (e == XA_OK && f->q)
		e = qs_add(&qs, "q", f->q);
	if (e == XA_OK && f->role)
		e = qs_add(&qs, "role", f->role);
	int64_t pages = json_integer_value(json_object_get(m, "pages"));
	json_object_set_new(m, "paged", json_boolean(pages > 1));
	if (e == XA_OK && f->page > 1)
		json_object_set_new(m, "prev_href", json_string(page_href(r, "/accounts",
		    &qs, f->page - 1)));
	if (e == XA_OK && f->page < pages)
		json_object_set_new(m, "next_href", json_string(page_href(r, "/accounts",
		    &qs, f->page + 1)));
	buf_free(&qs);
	return m;
}

static void
accounts_list(req *r)
{
	struct list_filter f;
	if (list_filter_from(r, &f) != 0)
		return;
	if (is_api(r)) {
		json_t *m = json_object();
		if (m == NULL || accounts_query(r, &f, m) != XA_OK) {
			json_decref(m);
			req_error(r, 503, "unavailable", NULL);
			return;
		}
		req_json(r, 200, m);
		return;
	}
	json_t *m = accounts_model(r, &f);
	if (m == NULL) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_page(r, 200, m);
}

/* --- Changing accounts: one writer job per change, with its record. */

enum acct_op {
	OP_CREATE, OP_DISABLE, OP_ENABLE, OP_RESET_PW, OP_RESET_TOTP, OP_ROLES,
};

struct acct_job {
	req *r;
	enum acct_op op;
	int64_t id;		/* the account; the writer sets it for OP_CREATE */
	int64_t now;
	long cost;
	account_new an;		/* OP_CREATE */
	const char *fields;	/* OP_CREATE: the names given */
	char temp[16];		/* OP_CREATE, OP_RESET_PW: shown once */
	char hash[CRYPTO_PWHASH_LEN];
	bool hashed;
	bool unlock;		/* OP_ENABLE on an account locked, not disabled */
	unsigned roles;		/* OP_ROLES */
	const char *member_type;
	const char *refused;	/* set by the writer: the error code it refused with */
};

/* On a worker: a temporary password and its PBKDF2 hash. */
static void
temp_work(void *p)
{
	struct acct_job *j = p;
	j->hashed = password_generate(j->temp) == XA_OK &&
	    crypto_password_hash(j->temp, (unsigned)j->cost, j->hash,
	    sizeof j->hash) == XA_OK;
}

/* The roles account id holds now, read by the writer. */
static xa_err
roles_now(db *conn, int64_t id, unsigned *out)
{
	db_stmt *st = NULL;
	int rc;
	*out = 0;
	xa_err e = db_prepare(conn, "SELECT role FROM account_roles WHERE account_id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	while ((rc = db_step(st)) == 1) {
		enum role ro;
		if (role_parse(db_col_text(st, 0), &ro) == XA_OK)
			*out |= ROLE_BIT(ro);
	}
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* *last = 1 when taking the administrator roles in `losing` from account
 * id (or disabling it) would leave one of them with no enabled holder, so
 * nobody could manage accounts, roles or the audit log any more. */
static xa_err
last_admin(db *conn, int64_t id, unsigned losing, int *last)
{
	*last = 0;
	for (int i = 0; i < ROLE__COUNT && !*last; i++) {
		if ((losing & ROLES_ADMIN & ROLE_BIT(i)) == 0)
			continue;
		db_stmt *st = NULL;
		xa_err e = db_prepare(conn, "SELECT count(*) FROM account_roles x"
		    " JOIN accounts a ON a.id = x.account_id"
		    " WHERE x.role = ? AND a.disabled = 0 AND a.id <> ?", &st);
		if (e != XA_OK)
			return e;
		db_bind_text(st, 1, role_name((enum role)i), -1);
		db_bind_int(st, 2, id);
		int rc = db_step(st);
		if (rc == 1)
			*last = db_col_int(st, 0) == 0;
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
	}
	return XA_OK;
}

static xa_err
store_create(db *conn, struct acct_job *j)
{
	j->an.password_hash = j->hash;
	j->an.must_change = 1;
	j->an.roles = 0;	/* roles are the security administrator's */
	xa_err e = account_insert(conn, &j->an, j->now, &j->id);
	if (e != XA_OK)
		return e;
	return audit_req(conn, j->r, "account.create", "account", j->id, j->fields, j->now);
}

static xa_err
store_disable(db *conn, struct acct_job *j)
{
	unsigned held = 0;
	int last = 0;
	xa_err e = roles_now(conn, j->id, &held);
	if (e == XA_OK)
		e = last_admin(conn, j->id, held, &last);
	if (e != XA_OK)
		return e;
	if (last) {
		j->refused = "last_admin";
		return XA_EINVAL;
	}
	int64_t v[] = { j->now, j->id };
	if ((e = exec_ints(conn, "UPDATE accounts SET disabled = 1, updated_at = ?"
	    " WHERE id = ?", v, 2)) != XA_OK)
		return e;
	/* Its sessions end now, in the same transaction: the next request of
	 * any of them finds no session. */
	if ((e = exec_ints(conn, "DELETE FROM sessions WHERE account_id = ?",
	    &j->id, 1)) != XA_OK)
		return e;
	return audit_req(conn, j->r, "account.disable", "account", j->id, "disabled",
	    j->now);
}

static xa_err
store_enable(db *conn, struct acct_job *j)
{
	int64_t v[] = { j->now, j->id };
	xa_err e = exec_ints(conn, "UPDATE accounts SET disabled = 0, failed_count = 0,"
	    " locked_until = 0, updated_at = ? WHERE id = ?", v, 2);
	if (e != XA_OK)
		return e;
	return audit_req(conn, j->r, "account.enable", "account", j->id,
	    j->unlock ? "locked_until,failed_count" : "disabled,locked_until,failed_count",
	    j->now);
}

static xa_err
store_reset_pw(db *conn, struct acct_job *j)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "UPDATE accounts SET password_hash = ?,"
	    " password_changed_at = ?, must_change = 1, failed_count = 0,"
	    " locked_until = 0, updated_at = ? WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_text(st, 1, j->hash, -1);
	db_bind_int(st, 2, j->now);
	db_bind_int(st, 3, j->now);
	db_bind_int(st, 4, j->id);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if ((e = exec_ints(conn, "DELETE FROM sessions WHERE account_id = ?",
	    &j->id, 1)) != XA_OK)
		return e;
	return audit_req(conn, j->r, "account.reset_password", "account", j->id,
	    "password,must_change", j->now);
}

static xa_err
store_reset_totp(db *conn, struct acct_job *j)
{
	int64_t v[] = { j->now, j->id };
	xa_err e = exec_ints(conn, "UPDATE accounts SET totp_secret = '', totp_pending = '',"
	    " totp_last_step = 0, updated_at = ? WHERE id = ?", v, 2);
	if (e == XA_OK)
		e = exec_ints(conn, "DELETE FROM recovery_codes WHERE account_id = ?",
		    &j->id, 1);
	if (e != XA_OK)
		return e;
	return audit_req(conn, j->r, "account.reset_totp", "account", j->id,
	    "totp_secret,totp_pending,recovery_codes", j->now);
}

static xa_err
store_roles(db *conn, struct acct_job *j)
{
	unsigned held = 0;
	int last = 0;
	xa_err e = roles_now(conn, j->id, &held);
	if (e == XA_OK)
		e = last_admin(conn, j->id, held & ~j->roles, &last);
	if (e != XA_OK)
		return e;
	if (last) {
		j->refused = "last_admin";
		return XA_EINVAL;
	}
	if ((e = exec_ints(conn, "DELETE FROM account_roles WHERE account_id = ?",
	    &j->id, 1)) != XA_OK)
		return e;
	for (int i = 0; i < ROLE__COUNT; i++) {
		if ((j->roles & ROLE_BIT(i)) == 0)
			continue;
		db_stmt *st = NULL;
		if ((e = db_prepare(conn, "INSERT INTO account_roles (account_id, role,"
		    " member_type) VALUES (?, ?, ?)", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, j->id);
		db_bind_text(st, 2, role_name((enum role)i), -1);
		db_bind_text(st, 3, i == ROLE_COMMITTEE && j->member_type ?
		    j->member_type : "", -1);
		int rc = db_step(st);
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
	}
	int64_t v[] = { j->now, j->id };
	if ((e = exec_ints(conn, "UPDATE accounts SET updated_at = ? WHERE id = ?",
	    v, 2)) != XA_OK)
		return e;
	return audit_req(conn, j->r, "account.roles", "account", j->id, "roles", j->now);
}

/* In the writer: the change and its audit record, or neither. */
static xa_err
acct_store(db *conn, void *p)
{
	struct acct_job *j = p;
	switch (j->op) {
	case OP_CREATE: return store_create(conn, j);
	case OP_DISABLE: return store_disable(conn, j);
	case OP_ENABLE: return store_enable(conn, j);
	case OP_RESET_PW: return store_reset_pw(conn, j);
	case OP_RESET_TOTP: return store_reset_totp(conn, j);
	case OP_ROLES: return store_roles(conn, j);
	}
	return XA_EINVAL;
}

static void create_fail(req *r, int status, const char *code, const char *fname);

/* Back on the loop once the change is durable (or refused). */
static void
acct_done(req *r, void *p, xa_err result)
{
	static const char *const done_names[] = {
		[OP_DISABLE] = "disabled", [OP_ENABLE] = "enabled",
		[OP_RESET_TOTP] = "totp_reset", [OP_ROLES] = "roles",
	};
	struct acct_job *j = p;
	struct acct a;
	bool shows_temp = j->op == OP_CREATE || j->op == OP_RESET_PW;
	if (j->op == OP_CREATE && (result == XA_EEXIST || result == XA_EINVAL)) {
		create_fail(r, result == XA_EEXIST ? 409 : 400,
		    result == XA_EEXIST ? "username_taken" : "invalid_field", "username");
		goto out;
	}
	if ((result != XA_OK && j->refused == NULL) || acct_load(r->rdb, j->id, &a) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		goto out;
	}
	if (j->refused != NULL) {
		acct_fail(r, &a, 409, j->refused, NULL);
		goto out;
	}
	if (is_api(r)) {
		json_t *m = json_pack("{s:o}", "account", acct_json(r, &a));
		if (m != NULL && shows_temp)
			json_object_set_new(m, "temp_password", json_string(j->temp));
		req_json(r, j->op == OP_CREATE ? 201 : 200, m);
	} else if (shows_temp) {
		json_t *m = account_model(r, &a);
		if (m != NULL)
			json_object_set_new(m, "temp_password", json_string(j->temp));
		req_render(r, 200, "account", m);
	} else {
		const char *to = arena_printf(r->a, "/accounts/%" PRId64 "?done=%s",
		    j->id, j->unlock ? "unlocked" : done_names[j->op]);
		req_redirect(r, to ? to : "/accounts");
	}
out:
	explicit_bzero(j->temp, sizeof j->temp);
	explicit_bzero(j->hash, sizeof j->hash);
}

static void
temp_ready(req *r, void *p, xa_err unused)
{
	struct acct_job *j = p;
	if (!j->hashed) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_write(r, acct_store, j, acct_done);
}

static struct acct_job *
job_new(req *r, enum acct_op op, int64_t id)
{
	struct acct_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL)
		return NULL;
	j->r = r;
	j->op = op;
	j->id = id;
	j->now = now_s();
	j->cost = setting_get(r->rdb, S_PW_COST);
	return j;
}

/* --- Creating an account. */

/* An error of the create form: JSON for the API; for a browser the list
 * again, with what was typed (never a password: there is none) and the
 * message. */
static void
create_fail(req *r, int status, const char *code, const char *fname)
{
	struct list_filter f;
	if (is_api(r)) {
		req_error(r, status, code, fname);
		return;
	}
	memset(&f, 0, sizeof f);
	f.reach = reach_of(r->user, A_ACCOUNT_READ);
	f.scope = f.reach == REACH_OWN ? r->user->unit_path : r->user->scope_path;
	f.pattern = "";
	f.page = 1;
	json_t *m = accounts_model(r, &f);
	if (m == NULL) {
		req_error(r, status, code, fname);
		return;
	}
	model_error(r, m, code, fname);
	json_t *form = json_deep_copy(r->in);
	json_object_set_new(m, "form", form ? form : json_object());
	/* The unit chosen stays chosen. */
	int64_t unit = input_int(r->in, "unit_id", 0);
	json_t *units = json_object_get(m, "create_units"), *u;
	size_t i;
	json_array_foreach(units, i, u)
		json_object_set_new(u, "selected", json_boolean(
		    json_integer_value(json_object_get(u, "id")) == unit));
	req_render(r, status, "accounts", m);
}

static bool
phone_ok(const char *s)
{
	for (; *s; s++)
		if (strchr("0123456789+- ()", *s) == NULL)
			return false;
	return true;
}

static bool
email_ok(const char *s)
{
	const char *at = strchr(s, '@');
	return at != NULL && at != s && strchr(at + 1, '@') == NULL &&
	    strchr(at + 1, '.') != NULL && strpbrk(s, " \t<>\"'") == NULL;
}

static void
account_create(req *r)
{
	const principal *p = r->user;
	char path[96];
	if (reach_of(p, A_ACCOUNT_WRITE) == REACH_NONE) {
		bool sees = reach_of(p, A_ACCOUNT_READ) != REACH_NONE;
		req_error(r, sees ? 403 : 404, sees ? "forbidden" : "not_found", NULL);
		return;
	}
	int64_t unit = input_int(r->in, "unit_id", 0);
	const char *username = input_str(r->in, "username");
	const char *name = input_str(r->in, "display_name");
	const char *phone = input_str(r->in, "phone"), *email = input_str(r->in, "email");
	/* A unit the caller may not reach is as unknown as a missing one. */
	if (unit_path(r->rdb, unit, path, sizeof path) != XA_OK ||
	    !policy_allow(p, A_ACCOUNT_WRITE, path)) {
		create_fail(r, 400, "invalid_field", "unit_id");
		return;
	}
	if (username == NULL || !username_ok(username)) {
		create_fail(r, 400, "invalid_username", "username");
		return;
	}
	if (phone != NULL && !phone_ok(phone)) {
		create_fail(r, 400, "invalid_field", "phone");
		return;
	}
	if (email != NULL && !email_ok(email)) {
		create_fail(r, 400, "invalid_field", "email");
		return;
	}
	db_stmt *st = NULL;
	int taken = 0;
	if (db_prepare(r->rdb, "SELECT 1 FROM accounts WHERE username = ?", &st) == XA_OK) {
		db_bind_text(st, 1, username, -1);
		taken = db_step(st) == 1;
		db_done(st);
	}
	if (taken) {
		create_fail(r, 409, "username_taken", "username");
		return;
	}
	struct acct_job *j = job_new(r, OP_CREATE, 0);
	buf names;
	buf_init(&names, 128);
	buf_puts(&names, "unit_id,username,display_name");
	if (phone != NULL)
		buf_puts(&names, ",phone");
	if (email != NULL)
		buf_puts(&names, ",email");
	if (j != NULL) {
		j->an.unit_id = unit;
		j->an.username = arena_strdup(r->a, username);
		j->an.display_name = arena_strdup(r->a, name ? name : "");
		j->an.phone = phone ? arena_strdup(r->a, phone) : NULL;
		j->an.email = email ? arena_strdup(r->a, email) : NULL;
		j->fields = arena_strdup(r->a, names.data ? names.data : "");
	}
	buf_free(&names);
	if (j == NULL || j->an.username == NULL || j->an.display_name == NULL ||
	    j->fields == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_offload(r, temp_work, j, temp_ready);
}

/* --- One account's page and its actions. */

static void
account_show(req *r)
{
	struct acct a;
	if (acct_for(r, A_ACCOUNT_READ, &a) != 0)
		return;
	if (is_api(r)) {
		req_json(r, 200, json_pack("{s:o}", "account", acct_json(r, &a)));
		return;
	}
	json_t *m = account_model(r, &a);
	const char *done = input_str(r->q, "done");
	if (m != NULL && done != NULL) {
		char key[64];
		snprintf(key, sizeof key, "accounts.done.%s", done);
		json_object_set_new(m, "notice", json_string(i18n(r->lang, key)));
	}
	req_page(r, 200, m);
}

/* The four actions of the system administrator on an account. */
static void
account_action(req *r, enum acct_op op)
{
	struct acct a;
	if (acct_for(r, A_ACCOUNT_WRITE, &a) != 0)
		return;
	if (op == OP_DISABLE && a.id == r->user->account_id) {
		acct_fail(r, &a, 400, "cannot_disable_self", NULL);
		return;
	}
	struct acct_job *j = job_new(r, op, a.id);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	/* Enabling an account that is only locked lifts the lock. */
	j->unlock = op == OP_ENABLE && !a.disabled;
	if (op == OP_RESET_PW)
		req_offload(r, temp_work, j, temp_ready);
	else
		req_write(r, acct_store, j, acct_done);
}

static void account_disable(req *r) { account_action(r, OP_DISABLE); }
static void account_enable(req *r) { account_action(r, OP_ENABLE); }
static void account_reset_pw(req *r) { account_action(r, OP_RESET_PW); }
static void account_reset_totp(req *r) { account_action(r, OP_RESET_TOTP); }

/* The security administrator gives an account its roles (the whole set:
 * what is not named is taken away). */
static void
account_roles(req *r)
{
	struct acct a;
	if (acct_for(r, A_ROLE_ASSIGN, &a) != 0)
		return;
	/* Nobody raises or lowers their own powers. */
	if (a.id == r->user->account_id) {
		acct_fail(r, &a, 403, "own_roles", "roles");
		return;
	}
	unsigned roles = 0;
	json_t *v;
	size_t i;
	json_array_foreach(json_object_get(r->in, "roles"), i, v) {
		enum role ro;
		if (json_is_string(v) && role_parse(json_string_value(v), &ro) == XA_OK)
			roles |= ROLE_BIT(ro);
	}
	const char *mt = input_str(r->in, "member_type");
	const char *fname = NULL;
	const char *why = roles_refusal(roles, a.unit_kind, mt != NULL, &fname);
	if (why != NULL) {
		acct_fail(r, &a, 400, why, fname);
		return;
	}
	struct acct_job *j = job_new(r, OP_ROLES, a.id);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	j->roles = roles;
	j->member_type = mt ? arena_strdup(r->a, mt) : NULL;
	req_write(r, acct_store, j, acct_done);
}

/* --- Settings. */

/* Each setting as a form field. Ranges are checked against setting_defs
 * in the handler, so the bounds live in one place. */
static const field settings_fields[] = {
	{ "password.min_length", FT_INT, 0, 0, 0, NULL },
	{ "password.classes", FT_INT, 0, 0, 0, NULL },
	{ "password.rotation_days", FT_INT, 0, 0, 0, NULL },
	{ "password.pbkdf2_iterations", FT_INT, 0, 0, 0, NULL },
	{ "lockout.after_failures", FT_INT, 0, 0, 0, NULL },
	{ "lockout.minutes", FT_INT, 0, 0, 0, NULL },
	{ "session.idle_minutes", FT_INT, 0, 0, 0, NULL },
	{ "session.max_hours", FT_INT, 0, 0, 0, NULL },
	{ "mfa.required", FT_INT, 0, 0, 0, NULL },
	{ "signin.per_address_5min", FT_INT, 0, 0, 0, NULL },
	{ "committee.student_rep", FT_INT, 0, 0, 0, NULL },
	{ "case.immediate_amount", FT_INT, 0, 0, 0, NULL },
	{ "case.immediate_unit", FT_INT, 0, 0, 0, NULL },
	{ "case.police_amount", FT_INT, 0, 0, 0, NULL },
	{ "case.police_unit", FT_INT, 0, 0, 0, NULL },
	{ "case.investigation_amount", FT_INT, 0, 0, 0, NULL },
	{ "case.investigation_unit", FT_INT, 0, 0, 0, NULL },
	{ "case.review_amount", FT_INT, 0, 0, 0, NULL },
	{ "case.review_unit", FT_INT, 0, 0, 0, NULL },
	{ "case.appeal_window_days", FT_INT, 0, 0, 0, NULL },
	{ "case.followup_days", FT_INT, 0, 0, 0, NULL },
	{ "public.reports_per_address_10min", FT_INT, 0, 0, 0, NULL },
	{ "public.lookups_per_address_10min", FT_INT, 0, 0, 0, NULL },
	{ "notify.escalate_minutes", FT_INT, 0, 0, 0, NULL },
	{ "notify.quiet_start_minute", FT_INT, 0, 0, 0, NULL },
	{ "notify.quiet_end_minute", FT_INT, 0, 0, 0, NULL },
	{ "notify.deadline_warn_hours", FT_INT, 0, 0, 0, NULL },
	{ "notify.max_attempts", FT_INT, 0, 0, 0, NULL },
	{ "prevention.sessions_per_semester", FT_INT, 0, 0, 0, NULL },
	{ "prevention.class_meetings_per_semester", FT_INT, 0, 0, 0, NULL },
	{ "prevention.screenings_per_semester", FT_INT, 0, 0, 0, NULL },
	{ "prevention.parent_sessions_per_semester", FT_INT, 0, 0, 0, NULL },
	{ "prevention.training_hours_per_year", FT_INT, 0, 0, 0, NULL },
	{ "prevention.due_warning_weeks", FT_INT, 0, 0, 0, NULL },
	{ "survey.min_cell", FT_INT, 0, 0, 0, NULL },
	{ "survey.warn_percent", FT_INT, 0, 0, 0, NULL },
	{ "survey.warn_rise_points", FT_INT, 0, 0, 0, NULL },
	{ "returns.due_day", FT_INT, 0, 0, 0, NULL },
	{ "evaluation.due_month", FT_INT, 0, 0, 0, NULL },
	{ "evaluation.due_day", FT_INT, 0, 0, 0, NULL },
	{ "city_report.due_month", FT_INT, 0, 0, 0, NULL },
	{ "city_report.due_day", FT_INT, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};
_Static_assert(sizeof settings_fields / sizeof settings_fields[0] == S__COUNT + 1,
    "settings_fields must list every setting");

/* Settings shown as a choice rather than a number: how many choices. */
static int
setting_choices(enum setting s)
{
	switch (s) {
	case S_MFA_REQUIRED:
		return 2;
	case S_COMMITTEE_STUDENT_REP:
	case S_CASE_IMMEDIATE_UNIT:
	case S_CASE_POLICE_UNIT:
	case S_CASE_INVEST_UNIT:
	case S_CASE_REVIEW_UNIT:
		return 3;
	default:
		return 0;
	}
}

static bool
may_see_settings(const principal *p)
{
	return policy_allow(p, A_POLICY_WRITE, NULL) ||
	    policy_allow(p, A_SETTINGS_WRITE, NULL);
}

/* Every setting: value, default, range, owner, and for pages its texts. */
static json_t *
settings_list(req *r, bool texts)
{
	json_t *list = json_array();
	for (int i = 0; list != NULL && i < S__COUNT; i++) {
		const struct setting_def *d = &setting_defs[i];
		long v = setting_get(r->rdb, (enum setting)i);
		char key[96];
		json_t *it = json_pack("{s:s, s:I, s:I, s:I, s:I, s:s, s:b}",
		    "key", d->key, "value", (json_int_t)v, "default", (json_int_t)d->def,
		    "min", (json_int_t)d->min, "max", (json_int_t)d->max,
		    "owner", d->who == A_POLICY_WRITE ? "secadmin" : "sysadmin",
		    "editable", policy_allow(r->user, d->who, NULL));
		if (it == NULL)
			continue;
		if (texts) {
			snprintf(key, sizeof key, "settings.%s.label", d->key);
			json_object_set_new(it, "label", json_string(i18n(r->lang, key)));
			snprintf(key, sizeof key, "settings.%s.help", d->key);
			json_object_set_new(it, "help", json_string(i18n(r->lang, key)));
			json_object_set_new(it, "changed", json_boolean(v != d->def));
			json_object_set_new(it, "policy", json_boolean(d->who == A_POLICY_WRITE));
			/* Set on every item, so a template never finds the page's
			 * own "invalid" object in its place. */
			json_object_set_new(it, "invalid", json_false());
			int n = setting_choices((enum setting)i);
			if (n > 0) {
				json_t *ch = json_array();
				for (int k = 0; k < n; k++) {
					snprintf(key, sizeof key, "settings.%s.%d", d->key, k);
					json_array_append_new(ch, json_pack("{s:i, s:s, s:b}",
					    "value", k, "label", i18n(r->lang, key),
					    "selected", k == v));
				}
				json_object_set_new(it, "choices", ch);
				snprintf(key, sizeof key, "settings.%s.%ld", d->key, v);
				json_object_set_new(it, "value_text", json_string(i18n(r->lang, key)));
				snprintf(key, sizeof key, "settings.%s.%ld", d->key, d->def);
				json_object_set_new(it, "default_text", json_string(i18n(r->lang, key)));
			} else {
				snprintf(key, sizeof key, "settings.%s.unit", d->key);
				const char *unit = i18n_has(r->lang, key) ? i18n(r->lang, key) : "";
				json_object_set_new(it, "unit", json_string(unit));
			}
		}
		json_array_append_new(list, it);
	}
	return list;
}

static json_t *
settings_model(req *r)
{
	json_t *m = page_model("settings.title");
	json_t *all = settings_list(r, true), *policy = json_array(), *system = json_array();
	json_t *it;
	size_t i;
	json_array_foreach(all, i, it) {
		bool pol = json_is_true(json_object_get(it, "policy"));
		json_array_append(pol ? policy : system, it);
	}
	json_decref(all);
	json_object_set_new(m, "policy", policy);
	json_object_set_new(m, "system", system);
	json_object_set_new(m, "can_policy",
	    json_boolean(policy_allow(r->user, A_POLICY_WRITE, NULL)));
	json_object_set_new(m, "can_system",
	    json_boolean(policy_allow(r->user, A_SETTINGS_WRITE, NULL)));
	return m;
}

static void
settings_show(req *r)
{
	if (!may_see_settings(r->user)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (is_api(r)) {
		req_json(r, 200, json_pack("{s:o}", "settings", settings_list(r, false)));
		return;
	}
	json_t *m = settings_model(r);
	if (m != NULL && json_is_true(json_object_get(r->q, "saved")))
		json_object_set_new(m, "notice", json_string(i18n(r->lang, "settings.saved")));
	req_page(r, 200, m);
}

static void
settings_fail(req *r, int status, const char *code, const char *fname)
{
	if (is_api(r)) {
		req_error(r, status, code, fname);
		return;
	}
	json_t *m = settings_model(r);
	if (m == NULL) {
		req_error(r, status, code, fname);
		return;
	}
	model_error(r, m, code, fname);
	/* The form shows again what was typed, and the setting to blame is
	 * marked where it stands. */
	const char *groups[] = { "policy", "system" };
	for (size_t g = 0; g < 2; g++) {
		json_t *it;
		size_t i;
		json_array_foreach(json_object_get(m, groups[g]), i, it) {
			const char *k = json_string_value(json_object_get(it, "key"));
			json_t *sent = k ? json_object_get(r->in, k) : NULL;
			if (k != NULL && fname != NULL && strcmp(k, fname) == 0)
				json_object_set_new(it, "invalid", json_true());
			if (!json_is_integer(sent))
				continue;
			json_object_set(it, "value", sent);
			json_t *c;
			size_t ci;
			json_array_foreach(json_object_get(it, "choices"), ci, c)
				json_object_set_new(c, "selected", json_boolean(
				    json_integer_value(json_object_get(c, "value")) ==
				    json_integer_value(sent)));
		}
	}
	req_render(r, status, "settings", m);
}

struct settings_job {
	req *r;
	long value[S__COUNT];
	bool given[S__COUNT];
	bool did[S__COUNT];	/* changed by the writer */
	char changed[512];	/* comma-separated keys, filled by the writer */
	int64_t now;
};

/* In the writer: stores the values that differ from what is stored now,
 * and one record naming the keys changed (none changed: no record). */
static xa_err
settings_store(db *conn, void *p)
{
	struct settings_job *j = p;
	size_t n = 0;
	j->changed[0] = '\0';
	for (int i = 0; i < S__COUNT; i++) {
		j->did[i] = false;
		if (!j->given[i] || setting_get(conn, (enum setting)i) == j->value[i])
			continue;
		xa_err e = setting_set(conn, (enum setting)i, j->value[i],
		    j->r->user->account_id, j->now);
		if (e != XA_OK)
			return e;
		int k = snprintf(j->changed + n, sizeof j->changed - n, "%s%s",
		    n ? "," : "", setting_defs[i].key);
		if (k < 0 || (size_t)k >= sizeof j->changed - n)
			return XA_ETOOBIG;
		n += (size_t)k;
		j->did[i] = true;
	}
	if (n == 0)
		return XA_OK;
	return audit_req(conn, j->r, "settings.update", "settings", 0, j->changed, j->now);
}

static void
settings_done(req *r, void *p, xa_err result)
{
	struct settings_job *j = p;
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (!is_api(r)) {
		req_redirect(r, "/settings?saved=1");
		return;
	}
	json_t *changed = json_array();
	for (int i = 0; i < S__COUNT; i++)
		if (j->did[i])
			json_array_append_new(changed, json_string(setting_defs[i].key));
	req_json(r, 200, json_pack("{s:o, s:o}", "settings", settings_list(r, false),
	    "changed", changed));
}

/* Checks every key sent (range, then who owns it) before anything is
 * written: one bad key and nothing changes. */
static void
settings_update(req *r)
{
	if (!may_see_settings(r->user)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	struct settings_job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	int n = 0;
	for (int i = 0; i < S__COUNT; i++) {
		const struct setting_def *d = &setting_defs[i];
		json_t *v = json_object_get(r->in, d->key);
		if (!json_is_integer(v))
			continue;
		json_int_t x = json_integer_value(v);
		if (x < d->min || x > d->max) {
			settings_fail(r, 400, "setting_out_of_range", d->key);
			return;
		}
		if (!policy_allow(r->user, d->who, NULL)) {
			settings_fail(r, 403, "setting_not_yours", d->key);
			return;
		}
		j->value[i] = (long)x;
		j->given[i] = true;
		n++;
	}
	if (n == 0) {
		settings_fail(r, 400, "missing_field", NULL);
		return;
	}
	j->r = r;
	j->now = now_s();
	req_write(r, settings_store, j, settings_done);
}

/* --- The audit log. */

/* The filters, as names for the record of a read and as values. */
static const char *const audit_filter_names[] = {
	"account", "object_type", "object_id", "action", "from", "to", NULL,
};

struct audit_filter {
	int64_t account_id;	/* 0: any; -1: a username nobody has */
	char object_type[40];
	int64_t object_id;
	char action[72];
	bool prefix;		/* action ends with '.': every action under it */
	int64_t from, to;	/* UTC seconds, to exclusive */
	int64_t page;
	char names[96];		/* the filters given, for the audit record */
	buf qs;			/* the filters as a query string (for links) */
};

/* Reads the query into f (the caller frees f->qs). Answers 404 and
 * returns -1 when the caller is not the audit administrator. */
static int
audit_filter_from(req *r, struct audit_filter *f)
{
	memset(f, 0, sizeof *f);
	buf_init(&f->qs, 4096);
	if (!policy_allow(r->user, A_AUDIT_READ, NULL)) {
		req_error(r, 404, "not_found", NULL);
		return -1;
	}
	size_t n = 0;
	for (int i = 0; audit_filter_names[i] != NULL; i++) {
		json_t *v = json_object_get(r->q, audit_filter_names[i]);
		if (v == NULL)
			continue;
		int k = snprintf(f->names + n, sizeof f->names - n, "%s%s", n ? "," : "",
		    audit_filter_names[i]);
		if (k > 0 && (size_t)k < sizeof f->names - n)
			n += (size_t)k;
		char num[24];
		const char *text = json_string_value(v);
		if (json_is_integer(v)) {
			snprintf(num, sizeof num, "%" PRId64, (int64_t)json_integer_value(v));
			text = num;
		}
		qs_add(&f->qs, audit_filter_names[i], text ? text : "");
	}
	const char *account = input_str(r->q, "account");
	if (account != NULL) {
		db_stmt *st = NULL;
		f->account_id = -1;
		if (db_prepare(r->rdb, "SELECT id FROM accounts WHERE username = ?", &st) == XA_OK) {
			db_bind_text(st, 1, account, -1);
			if (db_step(st) == 1)
				f->account_id = db_col_int(st, 0);
			db_done(st);
		}
	}
	snprintf(f->object_type, sizeof f->object_type, "%s",
	    input_str(r->q, "object_type") ? input_str(r->q, "object_type") : "");
	f->object_id = input_int(r->q, "object_id", 0);
	snprintf(f->action, sizeof f->action, "%s",
	    input_str(r->q, "action") ? input_str(r->q, "action") : "");
	size_t al = strlen(f->action);
	f->prefix = al > 0 && f->action[al - 1] == '.';
	const char *from = input_str(r->q, "from"), *to = input_str(r->q, "to");
	f->from = from ? day_start(from, 0) : INT64_MIN;
	f->to = to ? day_start(to, 1) : INT64_MAX;
	f->page = input_int(r->q, "page", 0);
	if (f->page < 1)
		f->page = 1;
	return 0;
}

#define AUDIT_SELECT \
	"SELECT l.id, l.at, l.account_id, coalesce(a.username, ''), l.unit_id," \
	" l.action, l.object_type, l.object_id, l.fields, l.request_id, l.source," \
	" l.hash FROM audit_log l LEFT JOIN accounts a ON a.id = l.account_id" \
	" WHERE (? = 0 OR l.account_id = ?) AND (? = '' OR l.object_type = ?)" \
	" AND (? = 0 OR l.object_id = ?) AND (? = 0 OR l.action = ?)" \
	" AND (? = 0 OR substr(l.action, 1, ?) = ?) AND l.at >= ? AND l.at < ?" \
	" ORDER BY l.id DESC LIMIT ? OFFSET ?"

static xa_err
audit_prepare(db *conn, const struct audit_filter *f, int64_t limit,
    int64_t offset, db_stmt **st)
{
	xa_err e = db_prepare(conn, AUDIT_SELECT, st);
	if (e != XA_OK)
		return e;
	db_bind_int(*st, 1, f->account_id != 0);
	db_bind_int(*st, 2, f->account_id);
	db_bind_text(*st, 3, f->object_type, -1);
	db_bind_text(*st, 4, f->object_type, -1);
	db_bind_int(*st, 5, f->object_id != 0);
	db_bind_int(*st, 6, f->object_id);
	db_bind_int(*st, 7, f->action[0] != '\0' && !f->prefix);
	db_bind_text(*st, 8, f->action, -1);
	db_bind_int(*st, 9, f->prefix);
	db_bind_int(*st, 10, (int64_t)strlen(f->action));
	db_bind_text(*st, 11, f->action, -1);
	db_bind_int(*st, 12, f->from);
	db_bind_int(*st, 13, f->to);
	db_bind_int(*st, 14, limit);
	db_bind_int(*st, 15, offset);
	return XA_OK;
}

/* The record of reading the audit log, written before it is answered. */
struct audit_read {
	req *r;
	struct audit_filter f;
	const char *action;
	int64_t now;
	/* export and verify, on a worker with their own connection */
	char url[CONFIG_STR + 32];
	buf csv;
	size_t rows;
	xa_err result;
	int64_t count, bad_id;
	char why[256];
};

static xa_err
audit_read_store(db *conn, void *p)
{
	struct audit_read *a = p;
	return audit_req(conn, a->r, a->action, "audit_log", 0, a->f.names, a->now);
}

/* One entry of the list, for the API and the page. */
static json_t *
entry_json(req *r, db_stmt *st)
{
	char at[24], key[96];
	fmt_time(db_col_int(st, 1), at);
	const char *action = db_col_text(st, 5);
	snprintf(key, sizeof key, "audit.act.%s", action);
	json_t *e = json_pack("{s:I, s:I, s:s, s:I, s:s, s:I, s:s, s:s, s:I, s:s, s:s, s:s}",
	    "id", (json_int_t)db_col_int(st, 0), "at", (json_int_t)db_col_int(st, 1),
	    "at_text", at, "account_id", (json_int_t)db_col_int(st, 2),
	    "username", db_col_text(st, 3), "unit_id", (json_int_t)db_col_int(st, 4),
	    "action", action, "object_type", db_col_text(st, 6),
	    "object_id", (json_int_t)db_col_int(st, 7), "fields", db_col_text(st, 8),
	    "request_id", db_col_text(st, 9), "source", db_col_text(st, 10));
	/* Every entry holds every key a page reads, even empty: inside
	 * {{#entries.0}} a missing one would be found in the first entry. */
	char oid[24] = "";
	if (db_col_int(st, 7) != 0)
		snprintf(oid, sizeof oid, "%" PRId64, db_col_int(st, 7));
	if (e != NULL) {
		json_object_set_new(e, "action_label", json_string(i18n_has(r->lang, key) ?
		    i18n(r->lang, key) : ""));
		json_object_set_new(e, "object_id_text", json_string(oid));
		/* "a, b, c" so a long list may wrap on a page. */
		buf ft;
		buf_init(&ft, 4096);
		for (const char *f = db_col_text(st, 8); *f; f++)
			if ((*f == ',' ? buf_puts(&ft, ", ") : buf_putc(&ft, *f)) != XA_OK)
				break;
		json_object_set_new(e, "fields_text", json_string(ft.data ? ft.data : ""));
		buf_free(&ft);
	}
	return e;
}

/* The model of the audit page's search form (what was asked). */
static json_t *
audit_page_model(req *r)
{
	json_t *m = page_model("audit.title");
	json_t *filter = json_object();
	for (int i = 0; audit_filter_names[i] != NULL; i++) {
		json_t *v = json_object_get(r->q, audit_filter_names[i]);
		if (v != NULL)
			json_object_set(filter, audit_filter_names[i], v);
	}
	json_object_set_new(m, "filter", filter);
	return m;
}

static void
audit_list_done(req *r, void *p, xa_err result)
{
	struct audit_read *a = p;
	db_stmt *st = NULL;
	json_t *entries = json_array();
	bool more = false;
	int rc = 0;
	if (result != XA_OK || entries == NULL ||
	    audit_prepare(r->rdb, &a->f, PER_PAGE + 1, (a->f.page - 1) * PER_PAGE,
	    &st) != XA_OK) {
		json_decref(entries);
		req_error(r, 503, "unavailable", NULL);
		goto out;
	}
	while ((rc = db_step(st)) == 1) {
		if (json_array_size(entries) == PER_PAGE) {
			more = true;
			break;
		}
		json_array_append_new(entries, entry_json(r, st));
	}
	db_done(st);
	if (rc < 0) {
		json_decref(entries);
		req_error(r, 503, "unavailable", NULL);
		goto out;
	}
	json_t *m = is_api(r) ? json_object() : audit_page_model(r);
	json_object_set_new(m, "entries", entries);
	json_object_set_new(m, "page", json_integer(a->f.page));
	json_object_set_new(m, "per_page", json_integer(PER_PAGE));
	json_object_set_new(m, "has_next", json_boolean(more));
	if (!is_api(r)) {
		json_object_set_new(m, "searched", json_true());
		json_object_set_new(m, "paged", json_boolean(a->f.page > 1 || more));
		if (a->f.page > 1)
			json_object_set_new(m, "prev_href", json_string(page_href(r, "/audit",
			    &a->f.qs, a->f.page - 1)));
		if (more)
			json_object_set_new(m, "next_href", json_string(page_href(r, "/audit",
			    &a->f.qs, a->f.page + 1)));
		json_object_set_new(m, "export_href", json_string(arena_printf(r->a,
		    "/api/v1/audit/export.csv%s%s", a->f.qs.len ? "?" : "",
		    a->f.qs.len ? a->f.qs.data : "")));
	}
	req_answer(r, 200, m);
out:
	buf_free(&a->f.qs);
}

static struct audit_read *
audit_read_new(req *r, const char *action)
{
	struct audit_read *a = arena_calloc(r->a, 1, sizeof *a);
	if (a == NULL) {
		req_error(r, 500, "internal", NULL);
		return NULL;
	}
	if (audit_filter_from(r, &a->f) != 0) {
		buf_free(&a->f.qs);
		return NULL;
	}
	a->r = r;
	a->action = action;
	a->now = now_s();
	if (config_db_url(server_config(r->srv), a->url, sizeof a->url) != XA_OK) {
		buf_free(&a->f.qs);
		req_error(r, 500, "internal", NULL);
		return NULL;
	}
	return a;
}

/* The list: the read is recorded first, then the page is read. */
static void
audit_list(req *r)
{
	struct audit_read *a = audit_read_new(r, "audit.read");
	if (a != NULL)
		req_write(r, audit_read_store, a, audit_list_done);
	/* req_write answers at once if it cannot queue; the filters' query
	 * string is then freed here, else by audit_list_done. */
	if (a != NULL && r->answered)
		buf_free(&a->f.qs);
}

/* On a worker: up to EXPORT_MAX entries as CSV, on a read-only
 * connection of its own (a large export must not hold a loop). */
static void
export_work(void *p)
{
	struct audit_read *a = p;
	static const char *const cols[] = { "audit.col.id", "audit.col.at",
		"audit.col.account_id", "audit.col.username", "audit.col.unit_id",
		"audit.col.action", "audit.col.object_type", "audit.col.object_id",
		"audit.col.fields", "audit.col.request_id", "audit.col.source",
		"audit.col.hash" };
	db *conn = NULL;
	db_stmt *st = NULL;
	xa_err e = db_open(a->url, DB_READONLY, &conn);
	buf_init(&a->csv, EXPORT_BYTES);
	if (e == XA_OK)
		e = csv_put_bom(&a->csv);
	for (size_t i = 0; e == XA_OK && i < sizeof cols / sizeof cols[0]; i++)
		e = csv_put(&a->csv, i18n(a->r->lang, cols[i]), i == 0);
	if (e == XA_OK)
		e = csv_end_row(&a->csv);
	if (e == XA_OK)
		e = audit_prepare(conn, &a->f, EXPORT_MAX, 0, &st);
	int rc = 0;
	while (e == XA_OK && (rc = db_step(st)) == 1) {
		char at[24], num[24];
		for (int c = 0; e == XA_OK && c < 12; c++) {
			const char *v;
			if (c == 1) {
				fmt_time(db_col_int(st, 1), at);
				v = at;
			} else if (c == 0 || c == 2 || c == 4 || c == 7) {
				snprintf(num, sizeof num, "%" PRId64, db_col_int(st, c));
				v = num;
			} else {
				v = db_col_text(st, c);
			}
			e = csv_put(&a->csv, v, c == 0);
		}
		if (e == XA_OK)
			e = csv_end_row(&a->csv);
		a->rows++;
	}
	if (e == XA_OK && rc < 0)
		e = (xa_err)-rc;
	db_done(st);
	db_close(conn);
	a->result = e;
}

static void
export_done(req *r, void *p, xa_err unused)
{
	struct audit_read *a = p;
	char name[64], day[24];
	fmt_time(a->now, day);
	day[10] = '\0';
	snprintf(name, sizeof name, "%s-%s.csv", i18n(r->lang, "audit.export_name"), day);
	if (a->result != XA_OK) {
		log_error("request %s: audit export failed: %s", r->id, xa_strerror(a->result));
		req_error(r, a->result == XA_ETOOBIG ? 413 : 503,
		    a->result == XA_ETOOBIG ? "export_too_large" : "unavailable", NULL);
	} else {
		req_file(r, "text/csv; charset=utf-8", name, a->csv.data ? a->csv.data : "",
		    a->csv.len);
	}
	buf_free(&a->csv);
	buf_free(&a->f.qs);
}

static void
export_recorded(req *r, void *p, xa_err result)
{
	struct audit_read *a = p;
	if (result != XA_OK) {
		buf_free(&a->f.qs);
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_offload(r, export_work, a, export_done);
	if (r->answered)	/* the worker pool could not take it */
		buf_free(&a->f.qs);
}

/* The export: recorded first, then written out on a worker. */
static void
audit_export(req *r)
{
	struct audit_read *a = audit_read_new(r, "audit.export");
	if (a == NULL)
		return;
	req_write(r, audit_read_store, a, export_recorded);
	if (r->answered)
		buf_free(&a->f.qs);
}

/* On a worker: the whole chain, on a read-only connection of its own. */
static void
verify_work(void *p)
{
	struct audit_read *a = p;
	db *conn = NULL;
	a->why[0] = '\0';
	a->result = db_open(a->url, DB_READONLY, &conn);
	if (a->result == XA_OK)
		a->result = audit_verify(conn, keys_get()->audit, &a->count, &a->bad_id,
		    a->why, sizeof a->why);
	db_close(conn);
}

static void
verify_done(req *r, void *p, xa_err unused)
{
	struct audit_read *a = p;
	buf_free(&a->f.qs);
	if (a->result != XA_OK && a->result != XA_EINVAL) {
		log_error("request %s: audit verify failed: %s", r->id, xa_strerror(a->result));
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	bool ok = a->result == XA_OK;
	json_t *v = json_pack("{s:b, s:I}", "ok", ok, "count", (json_int_t)a->count);
	if (v != NULL && !ok) {
		json_object_set_new(v, "bad_id", json_integer(a->bad_id));
		json_object_set_new(v, "bad_head", json_boolean(a->bad_id == 0));
		json_object_set_new(v, "why", json_string(a->why));
	}
	if (is_api(r)) {
		req_json(r, 200, v);
		return;
	}
	json_t *m = audit_page_model(r);
	json_object_set_new(m, "verify", v);
	req_render(r, 200, "audit", m);
}

static void
verify_recorded(req *r, void *p, xa_err result)
{
	struct audit_read *a = p;
	if (result != XA_OK) {
		buf_free(&a->f.qs);
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_offload(r, verify_work, a, verify_done);
	if (r->answered)
		buf_free(&a->f.qs);
}

/* Checks the whole chain; the check itself is recorded first. */
static void
audit_verify_chain(req *r)
{
	struct audit_read *a = audit_read_new(r, "audit.verify");
	if (a == NULL)
		return;
	req_write(r, audit_read_store, a, verify_recorded);
	if (r->answered)
		buf_free(&a->f.qs);
}

/* The audit page without a search: only the form and the verify button
 * (no read, so no record). */
static void
audit_page(req *r)
{
	if (!policy_allow(r->user, A_AUDIT_READ, NULL)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (json_object_size(r->q) > 0) {
		audit_list(r);
		return;
	}
	req_page(r, 200, audit_page_model(r));
}

/* --- The route table. */

static const field no_fields[] = {
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field accounts_query_fields[] = {
	{ "unit", FT_INT, 0, 1, ID_MAX, NULL },
	{ "q", FT_STRING, 0, 0, 64, NULL },
	{ "role", FT_ENUM, 0, 0, 0, role_choices },
	{ "page", FT_INT, 0, 1, PAGE_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field account_create_fields[] = {
	{ "unit_id", FT_INT, F_REQUIRED, 1, ID_MAX, NULL },
	{ "username", FT_STRING, F_REQUIRED, 3, 32, NULL },
	{ "display_name", FT_STRING, F_REQUIRED, 1, 64, NULL },
	{ "phone", FT_STRING, 0, 0, 32, NULL },
	{ "email", FT_STRING, 0, 0, 128, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const char *const done_choices[] = {
	"disabled", "enabled", "unlocked", "totp_reset", "roles", NULL,
};
static const field account_query_fields[] = {
	{ "done", FT_ENUM, 0, 0, 0, done_choices },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field roles_fields[] = {
	{ "roles", FT_ENUM, F_MULTI, 0, 0, role_choices },
	{ "member_type", FT_ENUM, 0, 0, 0, member_types },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field settings_query_fields[] = {
	{ "saved", FT_BOOL, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field audit_query_fields[] = {
	{ "account", FT_STRING, 0, 0, 64, NULL },
	{ "object_type", FT_TOKEN, 0, 1, 32, NULL },
	{ "object_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ "action", FT_STRING, 0, 0, 64, NULL },
	{ "from", FT_DATE, 0, 0, 0, NULL },
	{ "to", FT_DATE, 0, 0, 0, NULL },
	{ "page", FT_INT, 0, 1, PAGE_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

#define API (R_API | R_AUTH)
#define PAGE R_AUTH

const route admin_routes[] = {
	/* Accounts: the system administrator; readers see their scope. */
	{ M_GET, "/api/v1/accounts", accounts_list, API, accounts_query_fields, NULL,
	  NULL, "admin_accounts" },
	{ M_POST, "/api/v1/accounts", account_create, API, NULL, account_create_fields,
	  NULL, "admin_account_create" },
	{ M_GET, "/api/v1/accounts/{id:int}", account_show, API, NULL, NULL, NULL,
	  "admin_account" },
	{ M_POST, "/api/v1/accounts/{id:int}/disable", account_disable, API, NULL,
	  no_fields, NULL, "admin_account_disable" },
	{ M_POST, "/api/v1/accounts/{id:int}/enable", account_enable, API, NULL,
	  no_fields, NULL, "admin_account_enable" },
	{ M_POST, "/api/v1/accounts/{id:int}/reset-password", account_reset_pw, API,
	  NULL, no_fields, NULL, "admin_account_reset_password" },
	{ M_POST, "/api/v1/accounts/{id:int}/reset-totp", account_reset_totp, API,
	  NULL, no_fields, NULL, "admin_account_reset_totp" },
	/* Roles: the security administrator. */
	{ M_PUT, "/api/v1/accounts/{id:int}/roles", account_roles, API, NULL,
	  roles_fields, NULL, "admin_account_roles" },
	/* Settings: policy keys by the security administrator, the rest by
	 * the system administrator. */
	{ M_GET, "/api/v1/settings", settings_show, API, NULL, NULL, NULL,
	  "admin_settings" },
	{ M_PUT, "/api/v1/settings", settings_update, API, NULL, settings_fields,
	  NULL, "admin_settings_update" },
	/* The audit log: the audit administrator alone. */
	{ M_GET, "/api/v1/audit", audit_list, API, audit_query_fields, NULL, NULL,
	  "admin_audit" },
	{ M_GET, "/api/v1/audit/export.csv", audit_export, API, audit_query_fields,
	  NULL, NULL, "admin_audit_export" },
	{ M_GET, "/api/v1/audit/verify", audit_verify_chain, API, NULL, NULL, NULL,
	  "admin_audit_verify" },
	/* The pages: the same handlers, answered with templates. Browsers
	 * post forms, so the roles and settings forms are POSTs here. */
	{ M_GET, "/accounts", accounts_list, PAGE, accounts_query_fields, NULL,
	  "accounts", "admin_accounts_page" },
	{ M_POST, "/accounts", account_create, PAGE, NULL, account_create_fields,
	  "accounts", "admin_account_create_form" },
	{ M_GET, "/accounts/{id:int}", account_show, PAGE, account_query_fields, NULL,
	  "account", "admin_account_page" },
	{ M_POST, "/accounts/{id:int}/disable", account_disable, PAGE, NULL, no_fields,
	  "account", "admin_account_disable_form" },
	{ M_POST, "/accounts/{id:int}/enable", account_enable, PAGE, NULL, no_fields,
	  "account", "admin_account_enable_form" },
	{ M_POST, "/accounts/{id:int}/reset-password", account_reset_pw, PAGE, NULL,
	  no_fields, "account", "admin_account_reset_password_form" },
	{ M_POST, "/accounts/{id:int}/reset-totp", account_reset_totp, PAGE, NULL,
	  no_fields, "account", "admin_account_reset_totp_form" },
	{ M_POST, "/accounts/{id:int}/roles", account_roles, PAGE, NULL, roles_fields,
	  "account", "admin_account_roles_form" },
	{ M_GET, "/settings", settings_show, PAGE, settings_query_fields, NULL,
	  "settings", "admin_settings_page" },
	{ M_POST, "/settings", settings_update, PAGE, NULL, settings_fields,
	  "settings", "admin_settings_form" },
	{ M_GET, "/audit", audit_page, PAGE, audit_query_fields, NULL, "audit",
	  "admin_audit_page" },
	{ M_POST, "/audit/verify", audit_verify_chain, PAGE, NULL, no_fields, "audit",
	  "admin_audit_verify_form" },
};
const size_t admin_routes_count = sizeof admin_routes / sizeof admin_routes[0];
