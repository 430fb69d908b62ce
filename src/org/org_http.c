/* org_http.c: the registry's pages and API: units (the bureau, its
 * sections and office, townships, schools, partner agencies), a school's
 * profile, public contact, classes and head counts, its bullying
 * governance committee over time with the composition check, and CSV
 * import and export of schools, classes and staff.
 *
 * Pages and API share one handler per action: it builds one model and
 * answers with req_answer() (JSON on R_API routes, the route's page
 * otherwise). Every handler first loads the object's unit path and asks
 * policy_allow(); an object out of reach is answered exactly like a
 * missing one (404, "not_found"). Every change is one writer job that
 * writes its audit record in the same transaction.
 *
 * It must never build SQL from input (changeable columns each have their
 * own statement in units.c), never write anything of an import before
 * every row is known to be good, never show a password other than a new
 * account's temporary one, once, in the import's answer, and never put
 * a password in an export. See docs/internals/org.md. */
#include "org_http.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../auth/accounts.h"
#include "../auth/audit.h"
#include "../auth/auth.h"
#include "../auth/keys.h"
#include "../auth/session.h"
#include "../auth/settings.h"
#include "../core/buf.h"
#include "../core/calendar.h"
#include "../core/crypto.h"
#include "../core/csv.h"
#include "../core/i18n.h"
#include "../core/log.h"
#include "../core/utf8.h"
#include "../http/handler.h"
#include "../http/server.h"
#include "org.h"

#define ID_MAX 9007199254740991LL	/* ids stay exact in JSON numbers */
#define PER_PAGE 50			/* units on one page of the list */
#define MAX_CLASSES 400			/* classes of one school */
#define MAX_HEAD 500			/* boys or girls in one class */
#define IMPORT_MAX_ROWS 5000		/* data rows of one CSV file */
#define IMPORT_MAX_ERRORS 200		/* row errors listed in one answer */
#define EXPORT_MAX (32u << 20)		/* bytes of one CSV export */

static const char *const create_kinds[] = { "section", "office", "township",
	"school", "agency", NULL };
static const char *const ownerships[] = { "public", "private", NULL };

/* --- Small helpers. */

/* input_str() copied into the arena: for values that must outlive o. */
static const char *
in_dup(req *r, json_t *o, const char *k)
{
	const char *v = input_str(o, k);
	return v ? arena_strdup(r->a, v) : NULL;
}

static int
in_has(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	if (json_is_array(v))
		return json_array_size(v) > 0;
	return v != NULL;
}

/* The catalog text of "prefix.name" in the caller's language, or name
 * itself when the catalog has no such key. Never returns a pointer into
 * a temporary buffer. */
static const char *
label(const req *r, const char *prefix, const char *name)
{
	char key[96];
	if (name == NULL || name[0] == '\0')
		return "";
	int n = snprintf(key, sizeof key, "%s.%s", prefix, name);
	if (n < 0 || (size_t)n >= sizeof key || !i18n_has(r->lang, key))
		return name;
	return i18n(r->lang, key);
}

/* The separator of a list written out for people: 、 in Chinese. */
static const char *
list_sep(const req *r)
{
	return strcmp(r->lang, "en") == 0 ? ", " : "、";
}

/* Today's date (YYYY-MM-DD) in the bureau's zone (calendar.h; the zone
 * was checked when the server started). */
static void
today(const req *r, char out[11])
{
	day_format(day_of(now_s(), config_zone(server_config(r->srv))), out);
}

/* A plain check of an e-mail address's shape: one @, a local part, and a
 * domain with a dot that neither starts nor ends it; printable ASCII
 * without spaces. Whether it reaches anyone only sending can tell. */
static int
email_ok(const char *s)
{
	const char *at = strchr(s, '@');
	if (at == NULL || at == s || strchr(at + 1, '@') != NULL)
		return 0;
	for (const char *p = s; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == ',' || *p == ';' || *p == '<' ||
		    *p == '>' || *p == '"')
			return 0;
	const char *dom = at + 1, *dot = strchr(dom, '.');
	size_t n = strlen(dom);
	return dot != NULL && dom[0] != '.' && dom[n - 1] != '.' &&
	    strstr(dom, "..") == NULL;
}

/* A phone number as offices write them: digits with spaces, + - ( ) #
 * and an extension after 转, with at least five digits. */
static int
phone_ok(const char *s)
{
	int digits = 0;
	for (const char *p = s; *p;) {
		if (*p >= '0' && *p <= '9') {
			digits++;
			p++;
		} else if (strchr(" +-()#", *p) != NULL) {
			p++;
		} else if (strncmp(p, "转", strlen("转")) == 0) {
			p += strlen("转");
		} else {
			return 0;
		}
	}
	return digits >= 5;
}

/* Percent-encodes s for a query value, into the arena. */
static const char *
url_q(arena *a, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = arena_alloc(a, n * 3 + 1), *o = out;
	if (out == NULL)
		return "";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-_.~", *p) != NULL) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

/* Escapes % _ and \ for a LIKE pattern with ESCAPE '\', wrapped in %. */
static const char *
like_pattern(arena *a, const char *s)
{
	size_t n = strlen(s);
	char *out = arena_alloc(a, n * 2 + 3), *o = out;
	if (out == NULL)
		return "%";
	*o++ = '%';
	for (const char *p = s; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o++ = '%';
	*o = '\0';
	return out;
}

/* Appends to the comma-separated list in b (for audit fields). */
static void
fields_add(char *b, size_t len, const char *name)
{
	size_t n = strlen(b);
	int k = snprintf(b + n, len - n, "%s%s", n ? "," : "", name);
	if (k < 0 || (size_t)k >= len - n)
		b[n] = '\0';
}

/* The answer to a failed write: 409 for a conflict found by the
 * database (a code or username taken meanwhile), 503 otherwise. */
static void
write_failed(req *r, xa_err e, const char *conflict_code)
{
	if (e == XA_EEXIST)
		req_error(r, 409, conflict_code, NULL);
	else
		req_error(r, 503, "unavailable", NULL);
}

/* --- Units as the handlers see them. */

struct unit {
	int64_t id, parent_id, township_id, updated_at;
	char path[96];
	const char *kind, *name, *aliases, *code, *school_type, *ownership;
	const char *agency_type, *address, *stages, *township_name;
	const char *contact[5];	/* office_name .. safety_lead_phone */
	int direct, active;
};

/* The public contact's columns, in the order of unit.contact. */
static const enum unit_col contact_cols[5] = { UC_OFFICE_NAME, UC_OFFICE_PHONE,
	UC_OFFICE_EMAIL, UC_LEGAL_VP_PHONE, UC_SAFETY_LEAD_PHONE };

#define UNIT_SELECT \
	"SELECT u.id, u.parent_id, u.path, u.kind, u.name, u.aliases, u.code," \
	" u.school_type, u.ownership, u.direct, u.agency_type, u.township_id," \
	" u.address, u.stages, u.office_name, u.office_phone, u.office_email," \
	" u.legal_vp_phone, u.safety_lead_phone, u.active, u.updated_at, t.name" \
	" FROM units u LEFT JOIN units t ON t.id = u.township_id"

/* Copies the current row of a UNIT_SELECT into u, strings into the
 * arena. -1 when out of memory. */
static int
unit_read(arena *a, db_stmt *st, struct unit *u)
{
	memset(u, 0, sizeof *u);
	u->id = db_col_int(st, 0);
	u->parent_id = db_col_int(st, 1);
	snprintf(u->path, sizeof u->path, "%s", db_col_text(st, 2));
	const char **txt[] = { &u->kind, &u->name, &u->aliases, &u->code,
		&u->school_type, &u->ownership };
	for (int i = 0; i < 6; i++)
		if ((*txt[i] = arena_strdup(a, db_col_text(st, 3 + i))) == NULL)
			return -1;
	u->direct = db_col_int(st, 9) != 0;
	u->agency_type = arena_strdup(a, db_col_text(st, 10));
	u->township_id = db_col_int(st, 11);
	u->address = arena_strdup(a, db_col_text(st, 12));
	u->stages = arena_strdup(a, db_col_text(st, 13));
	for (int i = 0; i < 5; i++)
		if ((u->contact[i] = arena_strdup(a, db_col_text(st, 14 + i))) == NULL)
			return -1;
	u->active = db_col_int(st, 19) != 0;
	u->updated_at = db_col_int(st, 20);
	u->township_name = arena_strdup(a, db_col_text(st, 21));
	return u->agency_type && u->address && u->stages && u->township_name ? 0 : -1;
}

/* Loads unit id. XA_ENOTFOUND when there is none. */
static xa_err
unit_load(req *r, int64_t id, struct unit *u)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(r->rdb, UNIT_SELECT " WHERE u.id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	e = XA_ENOTFOUND;
	if (db_step(st) == 1)
		e = unit_read(r->a, st, u) == 0 ? XA_OK : XA_ENOMEM;
	db_done(st);
	return e;
}

/* Loads the unit named by the path's {id} and checks that the caller may
 * do a to it. When not (no such unit, or out of reach: the same answer)
 * it answers 404 itself and returns -1. */
static int
unit_guard(req *r, enum action a, struct unit *u)
{
	int64_t id = 0;
	xa_err e = req_param_int(r, "id", &id);
	if (e == XA_OK)
		e = unit_load(r, id, u);
	if (e == XA_OK && !policy_allow(r->user, a, u->path))
		e = XA_ENOTFOUND;
	if (e == XA_OK)
		return 0;
	if (e == XA_ENOTFOUND || e == XA_EINVAL)
		req_error(r, 404, "not_found", NULL);
	else
		req_error(r, 503, "unavailable", NULL);
	return -1;
}

/* Whether the caller may change a unit's profile (not only its contact):
 * the same action allowed by a grant other than a school role's. A
 * principal reaches its own school through A_UNIT_UPDATE, but only for
 * the public contact. */
static int
may_edit_profile(const principal *p, const char *path)
{
	principal q = *p;
	q.roles &= ~ROLES_SCHOOL;
	return policy_allow(&q, A_UNIT_UPDATE, path);
}

/* The stages of a comma-separated list as names and as one label. */
static void
stages_json(const req *r, const char *stages, json_t **names, const char **text)
{
	char one[32];
	buf b;
	buf_init(&b, 512);
	*names = json_array();
	for (const char *p = stages; *p;) {
		size_t n = strcspn(p, ",");
		if (n > 0 && n < sizeof one) {
			memcpy(one, p, n);
			one[n] = '\0';
			json_array_append_new(*names, jstr(one));
			if (b.len > 0)
				buf_puts(&b, list_sep(r));
			buf_puts(&b, label(r, "unit.stage", one));
		}
		p += n;
		if (*p == ',')
			p++;
	}
	*text = arena_strdup(r->a, b.data ? b.data : "");
	if (*text == NULL)
		*text = "";
	buf_free(&b);
}

/* The model of one unit, labels in the caller's language. */
static json_t *
unit_json(req *r, const struct unit *u)
{
	json_t *stages = NULL;
	const char *stages_text = "";
	stages_json(r, u->stages, &stages, &stages_text);
	int school = strcmp(u->kind, "school") == 0;
	json_t *contact = json_object();
	int any = 0;
	for (int i = 0; i < 5; i++) {
		json_object_set_new(contact, unit_col_name(contact_cols[i]),
		    jstr(u->contact[i]));
		any |= u->contact[i][0] != '\0';
	}
	json_object_set_new(contact, "empty", json_boolean(!any));
	json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
	    " s:b, s:s, s:s, s:s, s:o, s:s, s:b, s:b, s:I, s:o, s:b, s:b, s:b}",
	    "id", (json_int_t)u->id,
	    "kind", u->kind, "kind_label", label(r, "unit.kind", u->kind),
	    "name", u->name, "aliases", u->aliases, "code", u->code,
	    "school_type", u->school_type,
	    "school_type_label", label(r, "unit.type", u->school_type),
	    "ownership", u->ownership,
	    "ownership_label", label(r, "unit.ownership", u->ownership),
	    "direct", u->direct,
	    "agency_type", u->agency_type,
	    "agency_type_label", label(r, "unit.agency", u->agency_type),
	    "address", u->address,
	    "stages", stages, "stages_label", stages_text,
	    "beyond_compulsory", stages_beyond_compulsory(u->stages) != 0,
	    "active", u->active,
	    "updated_at", (json_int_t)u->updated_at,
	    "contact", contact,
	    "is_school", school,
	    "is_township", strcmp(u->kind, "township") == 0,
	    "is_agency", strcmp(u->kind, "agency") == 0);
	if (j == NULL)
		return NULL;
	json_object_set_new(j, "parent_id", u->parent_id ?
	    json_integer(u->parent_id) : json_null());
	json_object_set_new(j, "township_id", u->township_id ?
	    json_integer(u->township_id) : json_null());
	json_object_set_new(j, "township_name", jstr(u->township_name));
	json_object_set_new(j, "is_private", json_boolean(strcmp(u->ownership, "private") == 0));
	const char *href = arena_printf(r->a, "/units/%lld", (long long)u->id);
	json_object_set_new(j, "href", jstr(href));
	return j;
}

/* A page model's frame: the title's catalog key. */
static json_t *
page_model(const char *title_key)
{
	return json_pack("{s:{s:s}}", "page", "title_key", title_key);
}

/* An error on a form page: the page again with a message above the form
 * (and the field's name, so the page can point at it); on the API the
 * usual error. Takes ownership of model (may be NULL: then the error
 * page). */
static void
form_error(req *r, int status, const char *code, const char *field_name,
    json_t *model)
{
	char key[96];
	if (is_api(r) || model == NULL) {
		json_decref(model);
		req_error(r, status, code, field_name);
		return;
	}
	snprintf(key, sizeof key, "error.%s", code);
	const char *msg = i18n(r->lang, key);
	if (field_name != NULL)
		msg = tr(r, "org.field_problem", "field", label(r, "unit.field", field_name),
		    "problem", msg, NULL);
	json_t *alert = json_pack("{s:s}", "message", msg);
	if (alert != NULL && field_name != NULL) {
		json_object_set_new(alert, "field", jstr(field_name));
		json_object_set_new(alert, "field_label",
		    jstr(label(r, "unit.field", field_name)));
	}
	json_object_set_new(model, "alert", alert);
	json_t *form = json_object_get(model, "form");
	if (field_name != NULL && json_is_object(form))
		json_object_set_new(form, "err", json_pack("{s:b}", field_name, 1));
	req_page(r, status, model);
}

/* Options of a select over a list of names: value, label, selected. */
static json_t *
options(const req *r, const char *const *list, const char *prefix,
    const char *selected)
{
	json_t *a = json_array();
	for (int i = 0; list[i] != NULL; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "value", list[i],
		    "label", label(r, prefix, list[i]),
		    "selected", selected != NULL && strcmp(selected, list[i]) == 0));
	return a;
}

/* The townships the caller may read, as options (selected: its id). */
static json_t *
township_options(req *r, int64_t selected)
{
	json_t *a = json_array();
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT id, name, path FROM units WHERE kind = 'township'"
	    " AND active = 1 ORDER BY name, id", &st) != XA_OK)
		return a;
	while (db_step(st) == 1) {
		if (!policy_allow(r->user, A_UNIT_READ, db_col_text(st, 2)))
			continue;
		int64_t id = db_col_int(st, 0);
		json_array_append_new(a, json_pack("{s:I, s:s, s:b}", "value",
		    (json_int_t)id, "label", db_col_text(st, 1), "selected", id == selected));
	}
	db_done(st);
	return a;
}

/* The bureau's id and path, or 0 and "" on an empty database. */
static int64_t
bureau_of(req *r, char path[96])
{
	int64_t id = 0;
	if (unit_bureau(r->rdb, &id, path, 96) != XA_OK) {
		path[0] = '\0';
		return 0;
	}
	return id;
}

/* --- The list. */

static const field list_query[] = {
	{ "kind", FT_ENUM, 0, 0, 0, unit_kinds },
	{ "township", FT_INT, 0, 1, ID_MAX, NULL },
	{ "q", FT_STRING, 0, 1, 50, NULL },
	{ "page", FT_INT, 0, 1, 100000, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The list's link to another page, keeping the filters. */
static const char *
list_href(req *r, const char *kind, int64_t township, const char *q, int64_t page)
{
	return arena_printf(r->a, "/units?kind=%s&township=%s&q=%s&page=%lld",
	    kind ? kind : "", township ? arena_printf(r->a, "%lld", (long long)township) : "",
	    q ? url_q(r->a, q) : "", (long long)page);
}

/* GET /units and /api/v1/units: the units the caller may read, with
 * filters by kind, township and name (names, aliases, or the exact code),
 * 50 to a page. A caller who may read nothing gets an empty list. */
static void
units_list(req *r)
{
	const char *kind = input_str(r->q, "kind"), *q = input_str(r->q, "q");
	int64_t township = input_int(r->q, "township", 0), page = input_int(r->q, "page", 1);
	const principal *p = r->user;
	/* Everything readable lies under the scope, unless a grant reaches
	 * every unit (asked about a path no unit has). */
	const char *prefix = policy_allow(p, A_UNIT_READ, "/0/") ? "/" : p->scope_path;
	const char *pattern = arena_printf(r->a, "%s%%", prefix);
	const char *like = q ? like_pattern(r->a, q) : "";
	db_stmt *st = NULL;
	json_t *units = json_array();
	int64_t total = 0, off = (page - 1) * PER_PAGE;
	if (pattern == NULL || db_prepare(r->rdb, UNIT_SELECT
	    " WHERE u.path LIKE ? AND (? = '' OR u.kind = ?)"
	    " AND (? = 0 OR u.township_id = ?)"
	    " AND (? = '' OR u.name LIKE ? ESCAPE '\\' OR u.aliases LIKE ? ESCAPE '\\'"
	    " OR u.code = ?)"
	    " ORDER BY CASE u.kind WHEN 'bureau' THEN 0 WHEN 'office' THEN 1"
	    " WHEN 'section' THEN 2 WHEN 'township' THEN 3 WHEN 'school' THEN 4"
	    " ELSE 5 END, COALESCE(t.name, ''), u.code, u.name, u.id", &st) != XA_OK) {
		json_decref(units);
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	db_bind_text(st, 1, pattern, -1);
	db_bind_text(st, 2, kind ? kind : "", -1);
	db_bind_text(st, 3, kind ? kind : "", -1);
	db_bind_int(st, 4, township);
	db_bind_int(st, 5, township);
	db_bind_text(st, 6, q ? q : "", -1);
	db_bind_text(st, 7, like, -1);
	db_bind_text(st, 8, like, -1);
	db_bind_text(st, 9, q ? q : "", -1);
	while (db_step(st) == 1) {
		struct unit u;
		if (!policy_allow(p, A_UNIT_READ, db_col_text(st, 2)))
			continue;
		if (total >= off && total < off + PER_PAGE && unit_read(r->a, st, &u) == 0)
			json_array_append_new(units, unit_json(r, &u));
		total++;
	}
	db_done(st);
	int64_t pages = total == 0 ? 1 : (total + PER_PAGE - 1) / PER_PAGE;
	char bpath[96];
	bureau_of(r, bpath);
	json_t *m = page_model("units.title");
	json_object_set_new(m, "units", units);
	json_object_set_new(m, "total", json_integer(total));
	json_object_set_new(m, "page", json_integer(page));
	json_object_set_new(m, "pages", json_integer(pages));
	json_object_set_new(m, "per_page", json_integer(PER_PAGE));
	json_object_set_new(m, "total_text", jstr(tr(r, "units.total", "n", num(r, total), NULL)));
	json_object_set_new(m, "page_text", jstr(tr(r, "units.page", "page", num(r, page),
	    "pages", num(r, pages), NULL)));
	json_object_set_new(m, "filter", json_pack("{s:s, s:I, s:s}", "kind",
	    kind ? kind : "", "township", (json_int_t)township, "q", q ? q : ""));
	if (!is_api(r)) {
		if (page > 1)
			json_object_set_new(m, "prev_href",
			    jstr(list_href(r, kind, township, q, page - 1)));
		if (page < pages)
			json_object_set_new(m, "next_href",
			    jstr(list_href(r, kind, township, q, page + 1)));
		json_object_set_new(m, "kinds", options(r, unit_kinds, "unit.kind", kind));
		json_t *towns = township_options(r, township);
		json_object_set_new(m, "has_townships", json_boolean(json_array_size(towns) > 0));
		json_object_set_new(m, "townships", towns);
		json_object_set_new(m, "filtered", json_boolean(kind || township || q));
		json_object_set_new(m, "can_create", json_boolean(bpath[0] &&
		    policy_allow(p, A_UNIT_CREATE, bpath)));
		json_object_set_new(m, "can_import",
		    json_boolean(policy_allow(p, A_IMPORT, p->scope_path)));
	}
	req_answer(r, 200, m);
}

/* --- Creating a unit. */

/* The profile and contact fields that creating and changing a unit share. */
#define UNIT_PROFILE_FIELDS \
	{ "aliases", FT_STRING, 0, 0, 200, NULL }, \
	{ "code", FT_TOKEN, 0, 2, 32, NULL }, \
	{ "school_type", FT_ENUM, 0, 0, 0, school_types }, \
	{ "ownership", FT_ENUM, 0, 0, 0, ownerships }, \
	{ "direct", FT_BOOL, 0, 0, 0, NULL }, \
	{ "agency_type", FT_ENUM, 0, 0, 0, agency_types }, \
	{ "township_id", FT_INT, 0, 0, ID_MAX, NULL }, \
	{ "address", FT_STRING, 0, 0, 200, NULL }, \
	{ "stages", FT_ENUM, F_MULTI, 0, 0, stage_names }, \
	{ "office_name", FT_STRING, 0, 0, 64, NULL }, \
	{ "office_phone", FT_STRING, 0, 5, 32, NULL }, \
	{ "office_email", FT_STRING, 0, 3, 128, NULL }, \
	{ "legal_vp_phone", FT_STRING, 0, 5, 32, NULL }, \
	{ "safety_lead_phone", FT_STRING, 0, 5, 32, NULL },

static const field unit_create_fields[] = {
	{ "kind", FT_ENUM, F_REQUIRED, 0, 0, create_kinds },
	{ "parent_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ "name", FT_STRING, F_REQUIRED, 1, 100, NULL },
	UNIT_PROFILE_FIELDS
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The same fields for PATCH (and the edit form), without kind and
 * parent; township_id 0 puts a school directly under the bureau. */
static const field unit_update_fields[] = {
	{ "name", FT_STRING, 0, 1, 100, NULL },
	UNIT_PROFILE_FIELDS
	{ "active", FT_BOOL, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* Checks the contact's e-mail and phones. Returns the offending field's
 * name and sets *code, or NULL when all are well-formed. */
static const char *
contact_bad(json_t *in, const char **code)
{
	static const char *const phones[] = { "office_phone", "legal_vp_phone",
		"safety_lead_phone", NULL };
	const char *mail = input_str(in, "office_email");
	if (mail != NULL && !email_ok(mail)) {
		*code = "bad_email";
		return "office_email";
	}
	for (int i = 0; phones[i] != NULL; i++) {
		const char *v = input_str(in, phones[i]);
		if (v != NULL && !phone_ok(v)) {
			*code = "bad_phone";
			return phones[i];
		}
	}
	return NULL;
}

/* 1 when another unit than self already has code. */
static int
code_taken(req *r, const char *code, int64_t self)
{
	db_stmt *st = NULL;
	int taken = 0;
	if (code == NULL || code[0] == '\0' ||
	    db_prepare(r->rdb, "SELECT id FROM units WHERE code = ? AND id != ?", &st) != XA_OK)
		return 0;
	db_bind_text(st, 1, code, -1);
	db_bind_int(st, 2, self);
	taken = db_step(st) == 1;
	db_done(st);
	return taken;
}

/* Stages from the input's list ("primary,junior"), in the order of
 * stage_names; "" when none were given. */
static const char *
stages_from_in(req *r, json_t *in)
{
	json_t *a = json_object_get(in, "stages");
	buf b;
	buf_init(&b, 128);
	for (int i = 0; stage_names[i] != NULL; i++) {
		size_t k;
		json_t *v;
		int on = 0;
		json_array_foreach(a, k, v)
			on |= json_is_string(v) && strcmp(json_string_value(v), stage_names[i]) == 0;
		if (on) {
			if (b.len > 0)
				buf_putc(&b, ',');
			buf_puts(&b, stage_names[i]);
		}
	}
	const char *s = arena_strdup(r->a, b.data ? b.data : "");
	buf_free(&b);
	return s ? s : "";
}

/* The model of the unit form: values (from the unit, or defaults for a
 * new one, then what the caller sent) and the options of its selects. */
static json_t *
form_model(req *r, const struct unit *u, int creating, int profile)
{
	json_t *f = json_object();
	const char *kind = u ? u->kind : "school";
	json_object_set_new(f, "kind", jstr(kind));
	json_object_set_new(f, "name", jstr(u ? u->name : ""));
	json_object_set_new(f, "aliases", jstr(u ? u->aliases : ""));
	json_object_set_new(f, "code", jstr(u ? u->code : ""));
	json_object_set_new(f, "address", jstr(u ? u->address : ""));
	json_object_set_new(f, "school_type", jstr(u ? u->school_type : "primary"));
	json_object_set_new(f, "ownership", jstr(u && u->ownership[0] ? u->ownership : "public"));
	json_object_set_new(f, "agency_type", jstr(u ? u->agency_type : ""));
	json_object_set_new(f, "direct", json_boolean(u ? u->direct : 0));
	json_object_set_new(f, "township_id", json_integer(u ? u->township_id : 0));
	for (int i = 0; i < 5; i++)
		json_object_set_new(f, unit_col_name(contact_cols[i]),
		    jstr(u ? u->contact[i] : ""));
	const char *stages = u ? u->stages : "";
	/* What the caller sent wins over what is stored. */
	const char *k;
	json_t *v;
	json_object_foreach(r->in, k, v) {
		if (strcmp(k, "stages") == 0)
			continue;
		json_object_set(f, k, v);
	}
	if (in_has(r->in, "stages"))
		stages = stages_from_in(r, r->in);
	kind = input_str(f, "kind");
	json_t *st = json_array();
	for (int i = 0; stage_names[i] != NULL; i++) {
		int on = 0;
		for (const char *p = stages; *p;) {
			size_t n = strcspn(p, ",");
			on |= n == strlen(stage_names[i]) && strncmp(p, stage_names[i], n) == 0;
			p += n;
			if (*p == ',')
				p++;
		}
		json_array_append_new(st, json_pack("{s:s, s:s, s:b}", "value",
		    stage_names[i], "label", label(r, "unit.stage", stage_names[i]),
		    "checked", on));
	}
	json_object_set_new(f, "stage_options", st);
	int direct = json_is_true(json_object_get(f, "direct"));
	json_object_set_new(f, "direct_options", json_pack("[{s:s, s:s, s:b}, {s:s, s:s, s:b}]",
	    "value", "0", "label", i18n(r->lang, "org.no"), "selected", !direct,
	    "value", "1", "label", i18n(r->lang, "org.yes"), "selected", direct));
	json_object_set_new(f, "kinds", options(r, create_kinds, "unit.kind", kind));
	json_object_set_new(f, "school_types", options(r, school_types, "unit.type",
	    input_str(f, "school_type")));
	json_object_set_new(f, "ownerships", options(r, ownerships, "unit.ownership",
	    input_str(f, "ownership")));
	json_object_set_new(f, "agency_types", options(r, agency_types, "unit.agency",
	    input_str(f, "agency_type")));
	json_object_set_new(f, "townships", township_options(r,
	    input_int(f, "township_id", 0)));
	json_object_set_new(f, "creating", json_boolean(creating));
	json_object_set_new(f, "profile", json_boolean(profile));
	json_object_set_new(f, "is_school", json_boolean(creating || strcmp(kind, "school") == 0));
	json_object_set_new(f, "is_agency", json_boolean(creating || strcmp(kind, "agency") == 0));
	json_object_set_new(f, "action", jstr(creating ? "/units/new" :
	    arena_printf(r->a, "/units/%lld/edit", (long long)u->id)));
	return f;
}

/* The model of the page for a new unit. */
static json_t *
new_model(req *r)
{
	json_t *m = page_model("unit_new.title");
	json_object_set_new(m, "form", form_model(r, NULL, 1, 1));
	return m;
}

struct unit_create {
	req *r;
	unit_new u;
	const char *aliases;
	const char *contact[5];
	char fields[512];
	int64_t now, id;
};

/* In the writer: the unit, its aliases and contact, its audit record. */
static xa_err
create_run(db *conn, void *p)
{
	struct unit_create *c = p;
	xa_err e = unit_insert(conn, &c->u, c->now, &c->id);
	if (e != XA_OK)
		return e;
	if (c->aliases[0] != '\0' &&
	    (e = unit_set(conn, c->id, UC_ALIASES, c->aliases, 0, c->now)) != XA_OK)
		return e;
	for (int i = 0; i < 5; i++)
		if (c->contact[i][0] != '\0' && (e = unit_set(conn, c->id, contact_cols[i],
		    c->contact[i], 0, c->now)) != XA_OK)
			return e;
	return audit_req(conn, c->r, "unit.create", "unit", c->id, c->fields, c->now);
}

static void
create_done(req *r, void *p, xa_err result)
{
	struct unit_create *c = p;
	struct unit u;
	if (result != XA_OK) {
		if (result == XA_EEXIST && !is_api(r))
			form_error(r, 409, "code_taken", "code", new_model(r));
		else
			write_failed(r, result, "code_taken");
		return;
	}
	if (!is_api(r)) {
		req_redirect(r, arena_printf(r->a, "/units/%lld", (long long)c->id));
		return;
	}
	if (unit_load(r, c->id, &u) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_json(r, 201, json_pack("{s:o}", "unit", unit_json(r, &u)));
}

/* GET /units/new: the form for a new unit, for those who may add one
 * under the bureau. */
static void
unit_new_page(req *r)
{
	char bpath[96];
	if (bureau_of(r, bpath) == 0 || !policy_allow(r->user, A_UNIT_CREATE, bpath)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	req_page(r, 200, new_model(r));
}

/* POST /units/new and /api/v1/units: adds a unit. A school goes under its
 * township when it names one, else under the bureau; every other kind
 * under the bureau. Fields that do not apply to the kind are ignored.
 * The caller needs A_UNIT_CREATE on the parent. */
static void
units_create(req *r)
{
	json_t *in = r->in;
	const char *kind = input_str(in, "kind"), *bad, *code = NULL;
	int school = strcmp(kind, "school") == 0, agency = strcmp(kind, "agency") == 0;
	int64_t parent = input_int(in, "parent_id", 0);
	int64_t township = school ? input_int(in, "township_id", 0) : 0;
	struct unit pu;
	char bpath[96];
	/* Someone who may create nothing anywhere is told there is nothing
	 * here, before any parent is looked at. */
	if (!policy_allow(r->user, A_UNIT_CREATE, r->user->scope_path)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	int64_t bureau = bureau_of(r, bpath);
	if (township != 0)
		parent = township;
	if (parent == 0)
		parent = bureau;
	xa_err e = unit_load(r, parent, &pu);
	if (e == XA_OK && !policy_allow(r->user, A_UNIT_CREATE, pu.path))
		e = XA_ENOTFOUND;
	if (e != XA_OK) {
		/* A parent out of reach looks like no parent at all. */
		if (e == XA_ENOTFOUND && parent == bureau)
			req_error(r, 404, "not_found", NULL);
		else if (e == XA_ENOTFOUND)
			form_error(r, 400, township ? "bad_township" : "bad_parent",
			    township ? "township_id" : "parent_id", is_api(r) ? NULL : new_model(r));
		else
			req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (strcmp(pu.kind, "bureau") != 0 && !(school && strcmp(pu.kind, "township") == 0)) {
		form_error(r, 400, township ? "bad_township" : "bad_parent",
		    township ? "township_id" : "parent_id", is_api(r) ? NULL : new_model(r));
		return;
	}
	if (school && input_str(in, "school_type") == NULL) {
		form_error(r, 400, "missing_field", "school_type", is_api(r) ? NULL : new_model(r));
		return;
	}
	if (agency && input_str(in, "agency_type") == NULL) {
		form_error(r, 400, "missing_field", "agency_type", is_api(r) ? NULL : new_model(r));
		return;
	}
	if ((bad = contact_bad(in, &code)) != NULL) {
		form_error(r, 400, code, bad, is_api(r) ? NULL : new_model(r));
		return;
	}
	if (code_taken(r, input_str(in, "code"), 0)) {
		form_error(r, 409, "code_taken", "code", is_api(r) ? NULL : new_model(r));
		return;
	}
	struct unit_create *c = arena_calloc(r->a, 1, sizeof *c);
	if (c == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	c->r = r;
	c->now = now_s();
	c->u.parent_id = parent;
	c->u.kind = kind;
	c->u.name = input_str(in, "name");
	c->u.code = input_str(in, "code");
	c->u.school_type = school ? input_str(in, "school_type") : "";
	c->u.ownership = school ? (input_str(in, "ownership") ? input_str(in, "ownership") : "public") : "";
	c->u.direct = school && json_is_true(json_object_get(in, "direct"));
	c->u.agency_type = agency ? input_str(in, "agency_type") : "";
	c->u.township_id = strcmp(pu.kind, "township") == 0 ? parent : 0;
	c->u.address = input_str(in, "address") ? input_str(in, "address") : "";
	c->u.stages = "";
	if (school) {
		c->u.stages = stages_from_in(r, in);
		if (c->u.stages[0] == '\0')
			c->u.stages = stages_for_type(c->u.school_type);
	}
	c->aliases = input_str(in, "aliases") ? input_str(in, "aliases") : "";
	for (int i = 0; i < 5; i++) {
		const char *v = input_str(in, unit_col_name(contact_cols[i]));
		c->contact[i] = v ? v : "";
	}
	const char *k;
	json_t *v;
	json_object_foreach(in, k, v)
		if (in_has(in, k))
			fields_add(c->fields, sizeof c->fields, k);
	req_write(r, create_run, c, create_done);
}

/* --- A unit's classes. */

/* The grade names people write, and the numbers they stand for. */
static const struct {
	const char *text;
	int grade;
} grade_words[] = {
	{ "一年级", 1 }, { "二年级", 2 }, { "三年级", 3 }, { "四年级", 4 },
	{ "五年级", 5 }, { "六年级", 6 }, { "七年级", 7 }, { "八年级", 8 },
	{ "九年级", 9 }, { "初一", 7 }, { "初二", 8 }, { "初三", 9 },
	{ "高一", 10 }, { "高二", 11 }, { "高三", 12 }, { "十年级", 10 },
	{ "十一年级", 11 }, { "十二年级", 12 }, { "高中一年级", 10 },
	{ "高中二年级", 11 }, { "高中三年级", 12 },
};

/* Turns a grade as written ("3", "三年级", "初一", "高二", "Grade 3") into
 * its number as text, into out; the number itself is checked later by
 * the declared table. Unknown words are passed on unchanged, so that the
 * table refuses them. */
static const char *
grade_text(arena *a, const char *s)
{
	for (size_t i = 0; i < sizeof grade_words / sizeof grade_words[0]; i++)
		if (strcmp(s, grade_words[i].text) == 0)
			return arena_printf(a, "%d", grade_words[i].grade);
	if (strncasecmp(s, "grade ", 6) == 0 || strncasecmp(s, "year ", 5) == 0)
		return s + (s[0] == 'g' || s[0] == 'G' ? 6 : 5);
	return s;
}

static const field class_fields[] = {
	{ "grade", FT_INT, F_REQUIRED, 1, 12, NULL },
	{ "name", FT_STRING, F_REQUIRED, 1, 32, NULL },
	{ "boys", FT_INT, 0, 0, MAX_HEAD, NULL },
	{ "girls", FT_INT, 0, 0, MAX_HEAD, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* A class from its checked fields (a class_fields object). */
static int
class_from_json(arena *a, json_t *o, class_row *c)
{
	c->grade = (int)input_int(o, "grade", 0);
	c->name = arena_strdup(a, input_str(o, "name"));
	c->boys = (int)input_int(o, "boys", 0);
	c->girls = (int)input_int(o, "girls", 0);
	return c->name != NULL ? 0 : -1;
}

/* The classes of a school: each with its total, subtotals by grade, and
 * the school's totals. */
static json_t *
classes_json(req *r, int64_t unit)
{
	json_t *items = json_array(), *grades = json_array(), *g = NULL;
	int64_t boys = 0, girls = 0, n = 0;
	int last = 0;
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT grade, name, boys, girls FROM classes"
	    " WHERE unit_id = ? ORDER BY grade, id", &st) == XA_OK) {
		db_bind_int(st, 1, unit);
		while (db_step(st) == 1) {
			int grade = (int)db_col_int(st, 0);
			int64_t b = db_col_int(st, 2), w = db_col_int(st, 3);
			char gk[8];
			snprintf(gk, sizeof gk, "%d", grade);
			const char *gl = label(r, "grade", gk);
			json_array_append_new(items, json_pack("{s:i, s:s, s:s, s:I, s:I, s:I}",
			    "grade", grade, "grade_label", gl, "name", db_col_text(st, 1),
			    "boys", (json_int_t)b, "girls", (json_int_t)w, "total", (json_int_t)(b + w)));
			if (g == NULL || grade != last) {
				g = json_pack("{s:i, s:s, s:i, s:I, s:I, s:I}", "grade", grade,
				    "grade_label", gl, "classes", 0, "boys", (json_int_t)0,
				    "girls", (json_int_t)0, "students", (json_int_t)0);
				json_array_append_new(grades, g);
				last = grade;
			}
			json_object_set_new(g, "classes", json_integer(json_integer_value(
			    json_object_get(g, "classes")) + 1));
			json_object_set_new(g, "boys", json_integer(json_integer_value(
			    json_object_get(g, "boys")) + b));
			json_object_set_new(g, "girls", json_integer(json_integer_value(
			    json_object_get(g, "girls")) + w));
			json_object_set_new(g, "students", json_integer(json_integer_value(
			    json_object_get(g, "students")) + b + w));
			boys += b;
			girls += w;
			n++;
		}
		db_done(st);
	}
	return json_pack("{s:o, s:o, s:{s:I, s:I, s:I, s:I}, s:s}", "items", items,
	    "grades", grades, "totals", "classes", (json_int_t)n, "boys",
	    (json_int_t)boys, "girls", (json_int_t)girls, "students",
	    (json_int_t)(boys + girls), "totals_text", tr(r, "classes.totals",
	    "classes", num(r, n), "students", num(r, boys + girls), "boys", num(r, boys),
	    "girls", num(r, girls), NULL));
}

/* The classes as the edit form's text: one class a line,
 * "grade,name,boys,girls", the grade in words. */
static const char *
classes_text(req *r, int64_t unit)
{
	buf b;
	db_stmt *st = NULL;
	buf_init(&b, 1u << 20);
	if (db_prepare(r->rdb, "SELECT grade, name, boys, girls FROM classes"
	    " WHERE unit_id = ? ORDER BY grade, id", &st) == XA_OK) {
		db_bind_int(st, 1, unit);
		while (db_step(st) == 1) {
			char gk[8];
			snprintf(gk, sizeof gk, "%d", (int)db_col_int(st, 0));
			buf_printf(&b, "%s,%s,%lld,%lld\n", label(r, "grade", gk),
			    db_col_text(st, 1), (long long)db_col_int(st, 2),
			    (long long)db_col_int(st, 3));
		}
		db_done(st);
	}
	const char *s = arena_strdup(r->a, b.data ? b.data : "");
	buf_free(&b);
	return s ? s : "";
}

/* --- The committee. */

/* The order in which members are listed: the chair first. */
#define MEMBER_ORDER " ORDER BY CASE role WHEN 'chair' THEN 0 WHEN 'vice_chair'" \
	" THEN 1 WHEN 'secretary' THEN 2 ELSE 3 END, from_date, id"

/* One member as the roster shows it. */
static json_t *
member_json(req *r, db_stmt *st, int64_t unit, const char *day)
{
	const char *from = db_col_text(st, 5), *to = db_col_text(st, 6);
	int64_t id = db_col_int(st, 0), acc = db_col_int(st, 1);
	json_t *m = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:s}",
	    "id", (json_int_t)id, "name", db_col_text(st, 2),
	    "role", db_col_text(st, 3),
	    "role_label", label(r, "committee.role", db_col_text(st, 3)),
	    "member_type", db_col_text(st, 4),
	    "member_type_label", label(r, "member", db_col_text(st, 4)),
	    "from_date", from, "to_date", to,
	    "sitting", strcmp(from, day) <= 0 && (to[0] == '\0' || strcmp(to, day) >= 0),
	    "ended", to[0] != '\0',
	    "end_action", arena_printf(r->a, "/units/%lld/committee/%lld/end",
	    (long long)unit, (long long)id));
	if (m != NULL) {
		json_object_set_new(m, "account_id", acc ? json_integer(acc) : json_null());
		json_object_set_new(m, "end_label", jstr(tr(r, "committee.end_label", "name",
		    db_col_text(st, 2), NULL)));
	}
	return m;
}

/* The composition check as a model: each requirement met or missing,
 * and the labels of what is missing. */
static json_t *
check_json(req *r, const committee_check *c)
{
	const struct {
		const char *key;
		int met, required;
	} reqs[] = {
		{ "chair", c->chair, 1 },
		{ "legal", c->legal, 1 },
		{ "parent_rep", c->parent_rep, 1 },
		{ "outside_expert", c->outside_expert, 1 },
		{ "student_rep", c->student_rep, c->student_rep_required },
	};
	json_t *list = json_array(), *missing = json_array();
	for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
		const char *l = label(r, "committee.req", reqs[i].key);
		json_array_append_new(list, json_pack("{s:s, s:s, s:b, s:b}", "key",
		    reqs[i].key, "label", l, "met", reqs[i].met, "required", reqs[i].required));
		if (reqs[i].required && !reqs[i].met)
			json_array_append_new(missing, json_pack("{s:s, s:s}", "key",
			    reqs[i].key, "label", l));
	}
	return json_pack("{s:b, s:i, s:o, s:o}", "complete", committee_complete(c),
	    "members", c->members, "requirements", list, "missing", missing);
}

/* The committee of a school on day: who sat, the check, and with
 * history set every term ever recorded. */
static json_t *
committee_json(req *r, const struct unit *u, const char *day, int history)
{
	json_t *sitting = json_array(), *all = json_array();
	committee_check c;
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT id, account_id, name, role, member_type,"
	    " from_date, to_date FROM committee_members WHERE unit_id = ?"
	    MEMBER_ORDER, &st) == XA_OK) {
		db_bind_int(st, 1, u->id);
		while (db_step(st) == 1) {
			json_t *m = member_json(r, st, u->id, day);
			if (json_is_true(json_object_get(m, "sitting")))
				json_array_append(sitting, m);
			if (history)
				json_array_append(all, m);
			json_decref(m);
		}
		db_done(st);
	}
	if (committee_check_on(r->rdb, u->id, day, setting_get(r->rdb,
	    S_COMMITTEE_STUDENT_REP), u->stages, &c) != XA_OK)
		memset(&c, 0, sizeof c);
	json_t *j = json_pack("{s:s, s:o, s:o, s:s, s:s}", "on", day, "members", sitting,
	    "check", check_json(r, &c),
	    "check_heading", tr(r, "committee.check_on", "date", day, NULL),
	    "roster_heading", tr(r, "committee.roster_on", "date", day, NULL));
	if (j != NULL && history)
		json_object_set_new(j, "history", all);
	else
		json_decref(all);
	return j;
}

/* --- Showing a unit. */

/* GET /units/{id} and /api/v1/units/{id}: the profile, the public
 * contact, and for a school its classes and (for those who may see it)
 * today's committee with the check; for a township its schools. */
static void
unit_show(req *r)
{
	struct unit u;
	char day[11];
	if (unit_guard(r, A_UNIT_READ, &u) != 0)
		return;
	const principal *p = r->user;
	int school = strcmp(u.kind, "school") == 0;
	int can_edit = policy_allow(p, A_UNIT_UPDATE, u.path);
	json_t *m = page_model("unit.title");
	json_object_set_new(m, "unit", unit_json(r, &u));
	if (school) {
		json_object_set_new(m, "classes", classes_json(r, u.id));
		if (policy_allow(p, A_COMMITTEE_READ, u.path)) {
			today(r, day);
			json_object_set_new(m, "committee", committee_json(r, &u, day, 0));
		}
	}
	if (strcmp(u.kind, "township") == 0) {
		json_t *schools = json_array();
		db_stmt *st = NULL;
		if (db_prepare(r->rdb, "SELECT id, name, code, path FROM units"
		    " WHERE township_id = ? AND kind = 'school' ORDER BY code, name", &st) == XA_OK) {
			db_bind_int(st, 1, u.id);
			while (db_step(st) == 1)
				if (policy_allow(p, A_UNIT_READ, db_col_text(st, 3)))
					json_array_append_new(schools, json_pack("{s:I, s:s, s:s, s:s}",
					    "id", (json_int_t)db_col_int(st, 0), "name", db_col_text(st, 1),
					    "code", db_col_text(st, 2), "href", arena_printf(r->a,
					    "/units/%lld", (long long)db_col_int(st, 0))));
			db_done(st);
		}
		json_object_set_new(m, "schools", schools);
	}
	json_object_set_new(m, "can", json_pack("{s:b, s:b, s:b, s:b, s:b}",
	    "edit", can_edit,
	    "edit_profile", can_edit && may_edit_profile(p, u.path),
	    "edit_classes", school && policy_allow(p, A_CLASS_WRITE, u.path),
	    "committee", school && policy_allow(p, A_COMMITTEE_READ, u.path),
	    "edit_committee", school && policy_allow(p, A_COMMITTEE_WRITE, u.path)));
	req_answer(r, 200, m);
}

/* The model of the edit page: the form, and for a school the classes. */
static json_t *
edit_model(req *r, const struct unit *u, const char *classes)
{
	int profile = may_edit_profile(r->user, u->path);
	json_t *m = page_model("unit_edit.title");
	json_object_set_new(m, "unit", unit_json(r, u));
	json_object_set_new(m, "form", form_model(r, u, 0, profile));
	if (strcmp(u->kind, "school") == 0 && policy_allow(r->user, A_CLASS_WRITE, u->path)) {
		json_object_set_new(m, "classes_form", json_pack("{s:s, s:s}", "action",
		    arena_printf(r->a, "/units/%lld/classes", (long long)u->id),
		    "text", classes ? classes : classes_text(r, u->id)));
	}
	return m;
}

/* GET /units/{id}/edit: the form for the profile (or, for a principal,
 * only the public contact) and the classes. */
static void
unit_edit_page(req *r)
{
	struct unit u;
	if (unit_guard(r, A_UNIT_UPDATE, &u) != 0)
		return;
	req_page(r, 200, edit_model(r, &u, NULL));
}

/* --- Changing a unit. */

struct change {
	enum unit_col col;
	const char *text;
	int64_t num;
};

struct unit_update {
	req *r;
	struct unit u;
	int64_t now;
	struct change ch[UC__COUNT];
	size_t n;
	int move;
	int64_t township;
	char fields[512];
};

/* The stored text of a text column of u. */
static const char *
unit_text(const struct unit *u, enum unit_col c)
{
	switch (c) {
	case UC_NAME: return u->name;
	case UC_ALIASES: return u->aliases;
	case UC_CODE: return u->code;
	case UC_SCHOOL_TYPE: return u->school_type;
	case UC_OWNERSHIP: return u->ownership;
	case UC_AGENCY_TYPE: return u->agency_type;
	case UC_ADDRESS: return u->address;
	case UC_STAGES: return u->stages;
	case UC_OFFICE_NAME: return u->contact[0];
	case UC_OFFICE_PHONE: return u->contact[1];
	case UC_OFFICE_EMAIL: return u->contact[2];
	case UC_LEGAL_VP_PHONE: return u->contact[3];
	case UC_SAFETY_LEAD_PHONE: return u->contact[4];
	default: return "";
	}
}

/* 1 for the columns only a school has, 2 for those only an agency has. */
static int
col_only_for(enum unit_col c)
{
	if (c == UC_SCHOOL_TYPE || c == UC_OWNERSHIP || c == UC_DIRECT || c == UC_STAGES)
		return 1;
	return c == UC_AGENCY_TYPE ? 2 : 0;
}

static xa_err
update_run(db *conn, void *p)
{
	struct unit_update *c = p;
	xa_err e;
	for (size_t i = 0; i < c->n; i++)
		if ((e = unit_set(conn, c->u.id, c->ch[i].col, c->ch[i].text, c->ch[i].num,
		    c->now)) != XA_OK)
			return e;
	if (c->move && (e = unit_move_school(conn, c->u.id, c->township, c->now)) != XA_OK)
		return e;
	return audit_req(conn, c->r, "unit.update", "unit", c->u.id, c->fields, c->now);
}

static void
update_answer(req *r, int64_t id)
{
	struct unit u;
	if (!is_api(r)) {
		req_redirect(r, arena_printf(r->a, "/units/%lld", (long long)id));
		return;
	}
	if (unit_load(r, id, &u) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_json(r, 200, json_pack("{s:o}", "unit", unit_json(r, &u)));
}

static void
update_done(req *r, void *p, xa_err result)
{
	struct unit_update *c = p;
	if (result == XA_EEXIST && !is_api(r))
		form_error(r, 409, "code_taken", "code", edit_model(r, &c->u, NULL));
	else if (result != XA_OK)
		write_failed(r, result, "code_taken");
	else
		update_answer(r, c->u.id);
}

/* PATCH /api/v1/units/{id} and POST /units/{id}/edit: changes the
 * profile and the public contact. A principal may change only its own
 * school's contact: any other field is refused with 400
 * field_not_allowed, and nothing changes. On the API an absent field is
 * left as it is; the edit form always sends every field it shows, so
 * there an empty text field clears the value. Audited as unit.update
 * with the names of the columns that changed. */
static void
units_update(req *r)
{
	struct unit_update *c = arena_calloc(r->a, 1, sizeof *c);
	if (c == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (unit_guard(r, A_UNIT_UPDATE, &c->u) != 0)
		return;
	struct unit *u = &c->u;
	json_t *in = r->in;
	int form = !is_api(r);
	int profile = may_edit_profile(r->user, u->path);
	int kindcls = strcmp(u->kind, "school") == 0 ? 1 : strcmp(u->kind, "agency") == 0 ? 2 : 0;
	const char *k, *code = NULL, *bad;
	json_t *v;
	json_object_foreach(in, k, v) {
		if (!in_has(in, k))
			continue;
		enum unit_col col = UC__COUNT;
		for (int i = 0; i < UC__COUNT; i++)
			if (strcmp(unit_col_name((enum unit_col)i), k) == 0)
				col = (enum unit_col)i;
		int contact = col != UC__COUNT && unit_col_is_contact(col);
		if (!contact && !profile) {
			form_error(r, 400, "field_not_allowed", k, form ? edit_model(r, u, NULL) : NULL);
			return;
		}
		int only = col == UC__COUNT ? 1 : col_only_for(col);	/* township_id */
		if (only != 0 && only != kindcls && !form) {
			req_error(r, 400, "invalid_field", k);
			return;
		}
	}
	if ((bad = contact_bad(in, &code)) != NULL) {
		form_error(r, 400, code, bad, form ? edit_model(r, u, NULL) : NULL);
		return;
	}
	for (int i = 0; i < UC__COUNT; i++) {
		enum unit_col col = (enum unit_col)i;
		const char *name = unit_col_name(col);
		int only = col_only_for(col), present = in_has(in, name);
		struct change ch = { col, NULL, 0 };
		if ((!unit_col_is_contact(col) && !profile) || (only != 0 && only != kindcls))
			continue;
		if (col == UC_DIRECT || col == UC_ACTIVE) {
			if (!present)
				continue;
			ch.num = json_is_true(json_object_get(in, name));
			if (ch.num != (col == UC_DIRECT ? u->direct : u->active))
				c->ch[c->n++] = ch;
			continue;
		}
		if (col == UC_STAGES) {
			ch.text = present ? stages_from_in(r, in) : NULL;
			if (ch.text == NULL && form) {
				const char *t = input_str(in, "school_type");
				ch.text = stages_for_type(t ? t : u->school_type);
			}
		} else if (present) {
			ch.text = input_str(in, name);
		} else if (form && (col == UC_NAME || col == UC_SCHOOL_TYPE ||
		    col == UC_OWNERSHIP || col == UC_AGENCY_TYPE)) {
			form_error(r, 400, "missing_field", name, edit_model(r, u, NULL));
			return;
		} else if (form) {
			ch.text = "";
		}
		if (ch.text != NULL && strcmp(ch.text, unit_text(u, col)) != 0)
			c->ch[c->n++] = ch;
	}
	if (kindcls == 1 && profile && (form || in_has(in, "township_id"))) {
		int64_t t = input_int(in, "township_id", 0);
		struct unit tu;
		if (t != 0 && (unit_load(r, t, &tu) != XA_OK || strcmp(tu.kind, "township") != 0 ||
		    !policy_allow(r->user, A_UNIT_UPDATE, tu.path))) {
			form_error(r, 400, "bad_township", "township_id",
			    form ? edit_model(r, u, NULL) : NULL);
			return;
		}
		if (t != u->township_id) {
			c->move = 1;
			c->township = t;
		}
	}
	for (size_t i = 0; i < c->n; i++) {
		if (c->ch[i].col == UC_CODE && code_taken(r, c->ch[i].text, u->id)) {
			form_error(r, 409, "code_taken", "code", form ? edit_model(r, u, NULL) : NULL);
			return;
		}
		fields_add(c->fields, sizeof c->fields, unit_col_name(c->ch[i].col));
	}
	if (c->move)
		fields_add(c->fields, sizeof c->fields, "township_id");
	if (c->n == 0 && !c->move) {
		update_answer(r, u->id);
		return;
	}
	c->r = r;
	c->now = now_s();
	req_write(r, update_run, c, update_done);
}

/* --- Replacing the classes. */

struct classes_write {
	req *r;
	int64_t unit, now;
	class_row *rows;
	size_t n;
};

static xa_err
classes_run(db *conn, void *p)
{
	struct classes_write *c = p;
	xa_err e = classes_replace(conn, c->unit, c->rows, c->n);
	if (e != XA_OK)
		return e;
	return audit_req(conn, c->r, "classes.replace", "unit", c->unit, "classes", c->now);
}

static void
classes_done(req *r, void *p, xa_err result)
{
	struct classes_write *c = p;
	if (result != XA_OK) {
		write_failed(r, result, "duplicate_class");
		return;
	}
	if (!is_api(r)) {
		req_redirect(r, arena_printf(r->a, "/units/%lld", (long long)c->unit));
		return;
	}
	req_json(r, 200, json_pack("{s:I, s:o}", "unit_id", (json_int_t)c->unit,
	    "classes", classes_json(r, c->unit)));
}

/* GET /api/v1/units/{id}/classes. */
static void
classes_get(req *r)
{
	struct unit u;
	if (unit_guard(r, A_UNIT_READ, &u) != 0)
		return;
	req_json(r, 200, json_pack("{s:I, s:o}", "unit_id", (json_int_t)u.id,
	    "classes", classes_json(r, u.id)));
}

/* The index of the first class that repeats an earlier one's grade and
 * name, or -1. */
static long
class_repeat(const class_row *rows, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (rows[i].grade == rows[j].grade && strcmp(rows[i].name, rows[j].name) == 0)
				return (long)i;
	return -1;
}

/* Splits a line of the classes' text at commas (also ，) and tabs into
 * at most max parts, in place. Returns the number of parts. */
static size_t
split_line(char *line, char **parts, size_t max)
{
	size_t n = 0;
	char *p = line;
	parts[n++] = p;
	while (*p && n < max) {
		size_t skip = 0;
		if (*p == ',' || *p == '\t')
			skip = 1;
		else if (strncmp(p, "，", strlen("，")) == 0)
			skip = strlen("，");
		if (skip) {
			*p = '\0';
			p += skip;
			parts[n++] = p;
		} else {
			p++;
		}
	}
	return n;
}

/* Checks one class given as text parts against class_fields. */
static xa_err
class_from_parts(req *r, char **parts, size_t n, class_row *c, input_error *ie)
{
	static const char *const names[] = { "grade", "name", "boys", "girls" };
	param items[4];
	params p = { items, 0 };
	json_t *o = NULL;
	for (size_t i = 0; i < n && i < 4; i++) {
		const char *s = i == 0 ? grade_text(r->a, parts[i]) : parts[i];
		if (s == NULL)
			return XA_ENOMEM;
		items[p.n].name = names[i];
		items[p.n].value = s;
		items[p.n].value_len = strlen(s);
		p.n++;
	}
	xa_err e = input_from_params(class_fields, &p, &o, ie);
	if (e == XA_OK && class_from_json(r->a, o, c) != 0)
		e = XA_ENOMEM;
	json_decref(o);
	return e;
}

/* The edit page again with a message about line `line` of the classes'
 * text, which keeps what the user typed. */
static void
classes_form_error(req *r, const struct unit *u, const char *code, size_t line,
    const char *text)
{
	json_t *m = edit_model(r, u, text);
	json_t *cf = json_object_get(m, "classes_form");
	char key[96];
	snprintf(key, sizeof key, "error.%s", code);
	json_object_set_new(cf, "alert", json_pack("{s:s, s:I}", "message",
	    tr(r, "org.line_problem", "line", num(r, (int64_t)line), "problem",
	    i18n(r->lang, key), NULL), "line", (json_int_t)line));
	req_page(r, 400, m);
}

static const field classes_form_fields[] = {
	{ "classes", FT_TEXT, 0, 0, 40000, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* POST /units/{id}/classes: the edit page's classes, one a line
 * ("grade,name,boys,girls"; a heading line is skipped; an empty text
 * removes every class). */
static void
classes_form(req *r)
{
	struct unit u;
	if (unit_guard(r, A_CLASS_WRITE, &u) != 0)
		return;
	if (strcmp(u.kind, "school") != 0) {
		req_error(r, 400, "not_a_school", NULL);
		return;
	}
	const char *text = input_str(r->in, "classes");
	char *copy = arena_strdup(r->a, text ? text : "");
	struct classes_write *c = arena_calloc(r->a, 1, sizeof *c);
	class_row *rows = arena_calloc(r->a, MAX_CLASSES, sizeof *rows);
	if (copy == NULL || c == NULL || rows == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	size_t n = 0, line = 0;
	for (char *s = copy; s != NULL && *s;) {
		char *nl = strchr(s, '\n'), *parts[4];
		if (nl != NULL)
			*nl = '\0';
		line++;
		size_t np = split_line(s, parts, 4);
		for (size_t i = 0; i < np; i++) {
			while (*parts[i] == ' ')
				parts[i]++;
			for (size_t k = strlen(parts[i]); k > 0 && parts[i][k - 1] == ' '; k--)
				parts[i][k - 1] = '\0';
		}
		int blank = np == 1 && parts[0][0] == '\0';
		int heading = line == 1 && (strcmp(parts[0], "年级") == 0 ||
		    strcasecmp(parts[0], "grade") == 0);
		if (!blank && !heading) {
			input_error ie = { XA_OK, NULL };
			if (n == MAX_CLASSES) {
				classes_form_error(r, &u, "too_many_classes", line, text);
				return;
			}
			if (np < 2 || class_from_parts(r, parts, np, &rows[n], &ie) != XA_OK) {
				classes_form_error(r, &u, "bad_class_line", line, text);
				return;
			}
			n++;
			if (class_repeat(rows, n) >= 0) {
				classes_form_error(r, &u, "duplicate_class", line, text);
				return;
			}
		}
		s = nl ? nl + 1 : NULL;
	}
	c->r = r;
	c->unit = u.id;
	c->now = now_s();
	c->rows = rows;
	c->n = n;
	req_write(r, classes_run, c, classes_done);
}

/* Reads a PUT body into rows: a JSON array (or {"classes": [...]}) of
 * objects, each checked against class_fields, no two alike. On failure
 * *status, *code and *fname say what to answer. */
static xa_err
classes_parse(req *r, class_row **rows, size_t *n, int *status, const char **code,
    const char **fname)
{
	json_t *j = NULL, *list = NULL;
	form_limits lim;
	long dup;
	*status = 400;
	*fname = NULL;
	form_limits_default(&lim);
	xa_err e = form_parse_json(r->body, r->body_len, &lim, &j);
	if (e != XA_OK) {
		*code = e == XA_EUTF8 ? "bad_utf8" : e == XA_EDEPTH ? "too_deep" : "bad_json";
		goto done;
	}
	list = json_is_array(j) ? j : json_object_get(j, "classes");
	*n = json_array_size(list);
	e = XA_EINVAL;
	*fname = "classes";
	if (!json_is_array(list)) {
		*code = "missing_field";
		goto done;
	}
	if (*n > MAX_CLASSES) {
		*code = "too_many_classes";
		goto done;
	}
	*rows = arena_calloc(r->a, *n ? *n : 1, sizeof **rows);
	if (*rows == NULL) {
		e = XA_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < *n; i++) {
		input_error ie = { XA_OK, NULL };
		json_t *o = NULL;
		e = input_from_json(class_fields, json_array_get(list, i), &o, &ie);
		if (e == XA_OK && class_from_json(r->a, o, &(*rows)[i]) != 0)
			e = XA_ENOMEM;
		json_decref(o);
		if (e != XA_OK) {
			*code = e == XA_EMISSING ? "missing_field" : "invalid_field";
			*fname = arena_printf(r->a, "classes.%zu%s%s", i, ie.field ? "." : "",
			    ie.field ? ie.field : "");
			goto done;
		}
	}
	if ((dup = class_repeat(*rows, *n)) >= 0) {
		e = XA_EDUP;
		*code = "duplicate_class";
		*fname = arena_printf(r->a, "classes.%ld", dup);
	}
done:
	if (e == XA_ENOMEM) {
		*status = 500;
		*code = "internal";
		*fname = NULL;
	}
	json_decref(j);
	return e;
}

/* PUT /api/v1/units/{id}/classes: replaces the class list with a JSON
 * array (or {"classes": [...]}) of {grade, name, boys, girls}, each item
 * checked against class_fields. The body is read here (R_RAW_BODY)
 * because the input tables take no arrays of objects. */
static void
classes_put(req *r)
{
	struct unit u;
	class_row *rows = NULL;
	size_t n = 0;
	int status = 400;
	const char *code = NULL, *fname = NULL;
	if (unit_guard(r, A_CLASS_WRITE, &u) != 0)
		return;
	if (strcmp(u.kind, "school") != 0) {
		req_error(r, 400, "not_a_school", NULL);
		return;
	}
	if (r->content_type == NULL || strncasecmp(r->content_type, "application/json", 16) != 0) {
		req_error(r, 415, "unsupported_media_type", NULL);
		return;
	}
	if (classes_parse(r, &rows, &n, &status, &code, &fname) != XA_OK) {
		req_error(r, status, code, fname);
		return;
	}
	struct classes_write *c = arena_calloc(r->a, 1, sizeof *c);
	if (c == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	c->r = r;
	c->unit = u.id;
	c->now = now_s();
	c->rows = rows;
	c->n = n;
	req_write(r, classes_run, c, classes_done);
}

/* --- The committee's pages and API. */

static const field committee_query[] = {
	{ "on", FT_DATE, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field member_fields[] = {
	{ "name", FT_STRING, 0, 1, 64, NULL },
	{ "account_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ "role", FT_ENUM, F_REQUIRED, 0, 0, committee_roles },
	{ "member_type", FT_ENUM, F_REQUIRED, 0, 0, member_types },
	{ "from_date", FT_DATE, 0, 0, 0, NULL },
	{ "to_date", FT_DATE, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field member_end_fields[] = {
	{ "to_date", FT_DATE, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The committee page's model: the roster on day, the check, every term
 * recorded, and for those who may change it the add form's options. */
static json_t *
committee_model(req *r, const struct unit *u, const char *day)
{
	char t[11];
	today(r, t);
	int can_write = policy_allow(r->user, A_COMMITTEE_WRITE, u->path);
	json_t *m = page_model("committee.title");
	json_object_set_new(m, "unit", unit_json(r, u));
	json_object_set_new(m, "committee", committee_json(r, u, day, 1));
	json_object_set_new(m, "today", jstr(t));
	json_object_set_new(m, "is_today", json_boolean(strcmp(t, day) == 0));
	json_object_set_new(m, "can_write", json_boolean(can_write));
	if (can_write && !is_api(r)) {
		json_t *accounts = json_array();
		db_stmt *st = NULL;
		if (db_prepare(r->rdb, "SELECT id, display_name, username FROM accounts"
		    " WHERE unit_id = ? AND disabled = 0 ORDER BY display_name, id LIMIT 500",
		    &st) == XA_OK) {
			db_bind_int(st, 1, u->id);
			while (db_step(st) == 1)
				json_array_append_new(accounts, json_pack("{s:I, s:s, s:s}",
				    "id", (json_int_t)db_col_int(st, 0), "display_name",
				    db_col_text(st, 1), "username", db_col_text(st, 2)));
			db_done(st);
		}
		json_t *form = json_pack("{s:s, s:o, s:o, s:o, s:s}", "action",
		    arena_printf(r->a, "/units/%lld/committee", (long long)u->id),
		    "roles", options(r, committee_roles, "committee.role", input_str(r->in, "role")),
		    "member_types", options(r, member_types, "member", input_str(r->in, "member_type")),
		    "accounts", accounts, "from_date", t);
		const char *k;
		json_t *v;
		json_object_foreach(r->in, k, v)
			if (json_is_string(v))
				json_object_set(form, k, v);
		json_object_set_new(m, "form", form);
	}
	return m;
}

/* The school of the path's {id} when the caller may do a to its
 * committee; answers itself (404, or 400 for a unit that is no school)
 * and returns -1 otherwise. */
static int
committee_guard(req *r, enum action a, struct unit *u)
{
	if (unit_guard(r, a, u) != 0)
		return -1;
	if (strcmp(u->kind, "school") != 0) {
		req_error(r, 400, "not_a_school", NULL);
		return -1;
	}
	return 0;
}

/* GET /units/{id}/committee and /api/v1/units/{id}/committee?on=DAY:
 * the roster on DAY (today in the bureau's zone by default) and the
 * composition check for that day. */
static void
committee_show(req *r)
{
	struct unit u;
	char day[11];
	if (committee_guard(r, A_COMMITTEE_READ, &u) != 0)
		return;
	const char *on = input_str(r->q, "on");
	if (on != NULL)
		snprintf(day, sizeof day, "%s", on);
	else
		today(r, day);
	req_answer(r, 200, committee_model(r, &u, day));
}

struct member_write {
	req *r;
	struct unit u;
	member_new m;
	int64_t id, now;
	char to[11];
	char fields[128];
};

static xa_err
member_add_run(db *conn, void *p)
{
	struct member_write *c = p;
	xa_err e = committee_add(conn, &c->m, c->now, &c->id);
	if (e != XA_OK)
		return e;
	return audit_req(conn, c->r, "committee.add", "committee_member", c->id,
	    c->fields, c->now);
}

/* The answer after a member was added or ended: the member on the API,
 * the committee page otherwise. */
static void
member_answer(req *r, const struct unit *u, int64_t id, int status)
{
	char day[11];
	db_stmt *st = NULL;
	json_t *m = NULL;
	if (!is_api(r)) {
		req_redirect(r, arena_printf(r->a, "/units/%lld/committee", (long long)u->id));
		return;
	}
	today(r, day);
	if (db_prepare(r->rdb, "SELECT id, account_id, name, role, member_type,"
	    " from_date, to_date FROM committee_members WHERE id = ?", &st) == XA_OK) {
		db_bind_int(st, 1, id);
		if (db_step(st) == 1)
			m = member_json(r, st, u->id, day);
		db_done(st);
	}
	if (m == NULL) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_json(r, status, json_pack("{s:o}", "member", m));
}

static void
member_add_done(req *r, void *p, xa_err result)
{
	struct member_write *c = p;
	if (result != XA_OK) {
		write_failed(r, result, "unavailable");
		return;
	}
	member_answer(r, &c->u, c->id, 201);
}

/* An error of the committee forms: the page again with the message. */
static void
committee_form_error(req *r, const struct unit *u, int status, const char *code,
    const char *field_name)
{
	char day[11];
	today(r, day);
	form_error(r, status, code, field_name, is_api(r) ? NULL : committee_model(r, u, day));
}

/* POST /units/{id}/committee and /api/v1/units/{id}/committee: adds a
 * member from from_date (today by default), with an account of the
 * school or only a name (outside experts and parents seldom have one). */
static void
committee_add_member(req *r)
{
	struct member_write *c = arena_calloc(r->a, 1, sizeof *c);
	if (c == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (committee_guard(r, A_COMMITTEE_WRITE, &c->u) != 0)
		return;
	json_t *in = r->in;
	const char *name = input_str(in, "name"), *from = input_str(in, "from_date");
	const char *to = input_str(in, "to_date");
	int64_t acc = input_int(in, "account_id", 0);
	if (acc != 0) {
		db_stmt *st = NULL;
		const char *dn = NULL;
		if (db_prepare(r->rdb, "SELECT display_name FROM accounts WHERE id = ?"
		    " AND unit_id = ?", &st) == XA_OK) {
			db_bind_int(st, 1, acc);
			db_bind_int(st, 2, c->u.id);
			if (db_step(st) == 1)
				dn = arena_strdup(r->a, db_col_text(st, 0));
			db_done(st);
		}
		if (dn == NULL) {
			committee_form_error(r, &c->u, 400, "bad_account", "account_id");
			return;
		}
		if (name == NULL)
			name = dn;
	}
	if (name == NULL) {
		committee_form_error(r, &c->u, 400, "missing_field", "name");
		return;
	}
	if (from == NULL) {
		today(r, c->to);
		from = arena_strdup(r->a, c->to);
		c->to[0] = '\0';
	}
	if (to != NULL && strcmp(to, from) < 0) {
		committee_form_error(r, &c->u, 400, "bad_date_range", "to_date");
		return;
	}
	c->r = r;
	c->now = now_s();
	c->m.unit_id = c->u.id;
	c->m.account_id = acc;
	c->m.name = name;
	c->m.role = input_str(in, "role");
	c->m.member_type = input_str(in, "member_type");
	c->m.from_date = from;
	c->m.to_date = to ? to : "";
	snprintf(c->fields, sizeof c->fields, "name,role,member_type,from_date%s%s",
	    to ? ",to_date" : "", acc ? ",account_id" : "");
	req_write(r, member_add_run, c, member_add_done);
}

static xa_err
member_end_run(db *conn, void *p)
{
	struct member_write *c = p;
	xa_err e = committee_end(conn, c->u.id, c->id, c->to);
	if (e != XA_OK)
		return e;
	return audit_req(conn, c->r, "committee.end", "committee_member", c->id,
	    "to_date", c->now);
}

static void
member_end_done(req *r, void *p, xa_err result)
{
	struct member_write *c = p;
	if (result == XA_EEXIST)
		committee_form_error(r, &c->u, 409, "member_ended", NULL);
	else if (result != XA_OK)
		req_error(r, 503, "unavailable", NULL);
	else
		member_answer(r, &c->u, c->id, 200);
}

/* POST /units/{id}/committee/{member}/end (and the same under /api/v1):
 * ends a sitting member's term; to_date (today by default) is the last
 * day the member sat. A member of another school is answered as
 * missing. */
static void
committee_end_member(req *r)
{
	struct member_write *c = arena_calloc(r->a, 1, sizeof *c);
	db_stmt *st = NULL;
	char from[16] = "", to[16] = "";
	int found = 0;
	if (c == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (committee_guard(r, A_COMMITTEE_WRITE, &c->u) != 0)
		return;
	if (req_param_int(r, "member", &c->id) != XA_OK ||
	    db_prepare(r->rdb, "SELECT from_date, to_date FROM committee_members"
	    " WHERE id = ? AND unit_id = ?", &st) != XA_OK) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	db_bind_int(st, 1, c->id);
	db_bind_int(st, 2, c->u.id);
	if (db_step(st) == 1) {
		found = 1;
		snprintf(from, sizeof from, "%s", db_col_text(st, 0));
		snprintf(to, sizeof to, "%s", db_col_text(st, 1));
	}
	db_done(st);
	if (!found) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (to[0] != '\0') {
		committee_form_error(r, &c->u, 409, "member_ended", NULL);
		return;
	}
	const char *end = input_str(r->in, "to_date");
	if (end != NULL)
		snprintf(c->to, sizeof c->to, "%s", end);
	else
		today(r, c->to);
	if (strcmp(c->to, from) < 0) {
		committee_form_error(r, &c->u, 400, "bad_date_range", "to_date");
		return;
	}
	c->r = r;
	c->now = now_s();
	req_write(r, member_end_run, c, member_end_done);
}

/* --- CSV import and export.
 *
 * A file's first row names its columns, in Chinese or in English, in any
 * order; columns not named here are ignored. Every data row is checked
 * against the kind's declared table (after words such as 小学 or 民办 are
 * turned into the names the table knows), then against the database; if
 * any row is wrong the answer lists each bad row with its line number and
 * nothing is written. Otherwise one writer job writes every row, with one
 * audit record per object created or changed and one import.KIND record
 * naming the file's columns. */

struct col {
	const char *name;	/* the API's name, also the English heading */
	const char *zh;		/* the Chinese heading */
	const char *alt;	/* another Chinese heading accepted, or NULL */
	int required;		/* the file must have this column */
};

static const struct col school_cols[] = {
	{ "code", "学校代码", "代码", 1 },
	{ "name", "学校名称", "名称", 1 },
	{ "type", "类型", "学校类型", 1 },
	{ "ownership", "办学性质", "公办民办", 0 },
	{ "direct", "局直", "是否局直", 0 },
	{ "township", "所属乡镇", "乡镇", 0 },
	{ "stages", "学段", NULL, 0 },
	{ "aliases", "别名", "简称", 0 },
	{ "address", "地址", "学校地址", 0 },
	{ "office_name", "防欺凌办公室", "办公室名称", 0 },
	{ "office_phone", "办公室电话", "防欺凌电话", 0 },
	{ "office_email", "电子邮箱", "邮箱", 0 },
	{ "legal_vp_phone", "法治副校长电话", NULL, 0 },
	{ "safety_lead_phone", "安全负责人电话", NULL, 0 },
	{ NULL, NULL, NULL, 0 },
};

static const struct col class_cols[] = {
	{ "code", "学校代码", "代码", 1 },
	{ "grade", "年级", NULL, 1 },
	{ "class", "班级", "班级名称", 1 },
	{ "boys", "男生人数", "男生", 0 },
	{ "girls", "女生人数", "女生", 0 },
	{ NULL, NULL, NULL, 0 },
};

static const struct col staff_cols[] = {
	{ "code", "学校代码", "代码", 1 },
	{ "username", "用户名", "账号", 1 },
	{ "name", "姓名", NULL, 1 },
	{ "phone", "手机", "手机号码", 0 },
	{ "email", "电子邮箱", "邮箱", 0 },
	{ "roles", "角色", NULL, 1 },
	{ "member_type", "委员类型", NULL, 0 },
	{ NULL, NULL, NULL, 0 },
};

/* The roles a staff row may give: school roles only. */
static const char *const import_roles[] = { "principal", "committee_member",
	"head_teacher", "counsellor", "teacher", NULL };

static const field school_row_fields[] = {
	{ "code", FT_TOKEN, F_REQUIRED, 2, 32, NULL },
	{ "name", FT_STRING, F_REQUIRED, 1, 100, NULL },
	{ "type", FT_ENUM, F_REQUIRED, 0, 0, school_types },
	{ "ownership", FT_ENUM, 0, 0, 0, ownerships },
	{ "direct", FT_BOOL, 0, 0, 0, NULL },
	{ "township", FT_STRING, 0, 1, 100, NULL },
	{ "stages", FT_ENUM, F_MULTI, 0, 0, stage_names },
	{ "aliases", FT_STRING, 0, 0, 200, NULL },
	{ "address", FT_STRING, 0, 0, 200, NULL },
	{ "office_name", FT_STRING, 0, 0, 64, NULL },
	{ "office_phone", FT_STRING, 0, 5, 32, NULL },
	{ "office_email", FT_STRING, 0, 3, 128, NULL },
	{ "legal_vp_phone", FT_STRING, 0, 5, 32, NULL },
	{ "safety_lead_phone", FT_STRING, 0, 5, 32, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field class_row_fields[] = {
	{ "code", FT_TOKEN, F_REQUIRED, 2, 32, NULL },
	{ "grade", FT_INT, F_REQUIRED, 1, 12, NULL },
	{ "class", FT_STRING, F_REQUIRED, 1, 32, NULL },
	{ "boys", FT_INT, 0, 0, MAX_HEAD, NULL },
	{ "girls", FT_INT, 0, 0, MAX_HEAD, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field staff_row_fields[] = {
	{ "code", FT_TOKEN, F_REQUIRED, 2, 32, NULL },
	{ "username", FT_STRING, F_REQUIRED, 3, 32, NULL },
	{ "name", FT_STRING, F_REQUIRED, 1, 64, NULL },
	{ "phone", FT_STRING, 0, 5, 32, NULL },
	{ "email", FT_STRING, 0, 3, 128, NULL },
	{ "roles", FT_ENUM, F_MULTI | F_REQUIRED, 0, 0, import_roles },
	{ "member_type", FT_ENUM, 0, 0, 0, member_types },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* One import kind: its columns, its row table, its file names. */
struct import_kind {
	const char *kind;
	const struct col *cols;
	const field *row_fields;
	const char *file_key;	/* the catalog key of the export's file name */
};

static const struct import_kind import_specs[] = {
	{ "schools", school_cols, school_row_fields, "import.file.schools" },
	{ "classes", class_cols, class_row_fields, "import.file.classes" },
	{ "staff", staff_cols, staff_row_fields, "import.file.staff" },
};

static const struct import_kind *
import_spec(const char *kind)
{
	for (size_t i = 0; kind && i < sizeof import_specs / sizeof import_specs[0]; i++)
		if (strcmp(import_specs[i].kind, kind) == 0)
			return &import_specs[i];
	return NULL;
}

/* Words people write for the names the tables know, beyond the labels
 * in the catalogs (which are accepted in both languages). */
static const struct {
	const char *word, *name;
} word_names[] = {
	{ "初中", "junior" }, { "高中", "senior" }, { "九年一贯制", "nine_year" },
	{ "十二年一贯制", "twelve_year" }, { "中职", "vocational" },
	{ "职高", "vocational" }, { "职业高中", "vocational" }, { "特教", "special" },
	{ "特殊教育", "special" }, { "公办", "public" }, { "民办", "private" },
	{ "委员", "committee_member" }, { "治理委员会委员", "committee_member" },
	{ "心理教师", "counsellor" }, { "心理老师", "counsellor" },
	{ "老师", "teacher" }, { "校外专家", "outside_expert" },
	{ "法律顾问", "legal_adviser" }, { "教职工", "staff" },
};

/* The name a word stands for among list (the name itself, its label in
 * either language under prefix, or a common word), or the word itself
 * when none matches, so that the declared table refuses it. */
static const char *
word_name(const char *word, const char *const *list, const char *prefix)
{
	char key[96];
	for (int i = 0; list[i] != NULL; i++) {
		if (strcasecmp(word, list[i]) == 0)
			return list[i];
		snprintf(key, sizeof key, "%s.%s", prefix, list[i]);
		if ((i18n_has("zh", key) && strcmp(word, i18n("zh", key)) == 0) ||
		    (i18n_has("en", key) && strcasecmp(word, i18n("en", key)) == 0))
			return list[i];
	}
	for (size_t i = 0; i < sizeof word_names / sizeof word_names[0]; i++)
		if (strcmp(word, word_names[i].word) == 0 && org_known(list, word_names[i].name))
			return word_names[i].name;
	return word;
}

/* A cell as the tables should see it: without the ' our own export puts
 * before a cell a spreadsheet could take for a formula. */
static const char *
cell_text(const char *s)
{
	if (s[0] == '\'' && s[1] != '\0' && strchr("=+-@\t\r", s[1]) != NULL)
		return s + 1;
	return s;
}

struct cells {
	param *items;
	size_t n, cap;
};

static int
cells_add(struct cells *c, const char *name, const char *value)
{
	if (c->n == c->cap)
		return -1;
	c->items[c->n].name = name;
	c->items[c->n].value = value;
	c->items[c->n].value_len = strlen(value);
	c->n++;
	return 0;
}

/* Adds each word of a list cell (split at 、,，;；/ and spaces), turned
 * into its name among list. */
static int
cells_add_words(arena *a, struct cells *c, const char *name, const char *cell,
    const char *const *list, const char *prefix)
{
	static const char *const seps[] = { "、", "，", "；", ",", ";", "/", " ", NULL };
	char *copy = arena_strdup(a, cell);
	if (copy == NULL)
		return -1;
	char *p = copy;
	while (*p) {
		size_t n = 0, skip = 0;
		for (;;) {
			skip = 0;
			for (int i = 0; seps[i] != NULL; i++)
				if (strncmp(p + n, seps[i], strlen(seps[i])) == 0)
					skip = strlen(seps[i]);
			if (skip || p[n] == '\0')
				break;
			n++;
		}
		char save = p[n];
		p[n] = '\0';
		if (n > 0 && cells_add(c, name, word_name(p, list, prefix)) != 0)
			return -1;
		p[n] = save;
		p += n + skip;
	}
	return 0;
}

struct school_ref {
	const char *code, *name;
	int64_t id;
	char path[96];
	int ok;			/* a school the caller may import into */
};

struct school_plan {
	size_t line;
	struct unit old;	/* for a school already there */
	int exists;
	unit_new u;		/* for a new one */
	const char *aliases, *contact[5];
	struct change ch[UC__COUNT];
	size_t nch;
	int move;
	int64_t township;
	char fields[512];
	int64_t id;
};

struct class_group {
	struct school_ref *school;
	class_row *rows;
	size_t n, cap;
	size_t line;
	int same;		/* the stored classes are these already */
};

struct staff_plan {
	size_t line;
	struct school_ref *school;
	const char *username, *name, *phone, *email, *member_type;
	unsigned roles;
	int exists;
	char password[16];
	char hash[CRYPTO_PWHASH_LEN];
	int64_t id;
};

struct township {
	int64_t id;
	const char *name, *code;
	char path[96];
};

struct import {
	req *r;
	const struct import_kind *spec;
	int check_only;
	const char *encoding;
	size_t rows;
	int col[16];		/* the file's column of each spec column, or -1 */
	const char *heading[16];	/* as the file writes it */
	char columns[512];	/* the recognised columns, for the audit */
	json_t *errors;
	size_t nerr;
	struct school_ref *refs;
	size_t nrefs;
	struct township *towns;
	size_t ntowns;
	struct school_plan *schools;
	size_t nschools;
	struct class_group *groups;
	size_t ngroups;
	struct staff_plan *staff;
	size_t nstaff;
	long cost;
	int created, updated, unchanged;
	int64_t now;
	char bpath[96];
	int64_t bureau;
};

/* Records a row's problem: its line, the column's heading as the file
 * wrote it, a plain message (catalog key msg_key) and the cell. */
static void
row_error(struct import *im, size_t line, const char *column, const char *msg_key,
    const char *value)
{
	im->nerr++;
	if (json_array_size(im->errors) >= IMPORT_MAX_ERRORS)
		return;
	json_array_append_new(im->errors, json_pack("{s:I, s:s, s:s, s:s}", "row",
	    (json_int_t)line, "column", column ? column : "", "message",
	    i18n(im->r->lang, msg_key), "value", value ? value : ""));
}

/* The heading of spec column name as the file writes it. */
static const char *
heading_of(const struct import *im, const char *name)
{
	for (int i = 0; im->spec->cols[i].name != NULL; i++)
		if (strcmp(im->spec->cols[i].name, name) == 0)
			return im->heading[i] ? im->heading[i] : im->spec->cols[i].zh;
	return name;
}

/* The cell of spec column name in row, or NULL when the file has no such
 * column. */
static const char *
cell(const struct import *im, const csv_row *row, const char *name)
{
	for (int i = 0; im->spec->cols[i].name != NULL; i++) {
		if (strcmp(im->spec->cols[i].name, name) != 0)
			continue;
		int k = im->col[i];
		if (k < 0)
			return NULL;
		return (size_t)k < row->n ? cell_text(row->fields[k]) : "";
	}
	return NULL;
}

/* Reads the heading row: which column is which. A missing required
 * column is an error of row 1. */
static void
import_headings(struct import *im, const csv_row *h)
{
	const struct col *cols = im->spec->cols;
	for (int i = 0; cols[i].name != NULL; i++) {
		im->col[i] = -1;
		im->heading[i] = NULL;
		for (size_t k = 0; k < h->n; k++) {
			const char *t = h->fields[k];
			while (*t == ' ')
				t++;
			size_t n = strlen(t);
			while (n > 0 && t[n - 1] == ' ')
				n--;
			if ((strlen(cols[i].zh) == n && strncmp(t, cols[i].zh, n) == 0) ||
			    (cols[i].alt && strlen(cols[i].alt) == n && strncmp(t, cols[i].alt, n) == 0) ||
			    (strlen(cols[i].name) == n && strncasecmp(t, cols[i].name, n) == 0)) {
				im->col[i] = (int)k;
				im->heading[i] = arena_strndup(im->r->a, t, n);
				fields_add(im->columns, sizeof im->columns, cols[i].name);
				break;
			}
		}
		if (im->col[i] < 0 && cols[i].required)
			row_error(im, h->line, cols[i].zh, "import.err.no_column", cols[i].zh);
	}
}

/* Checks a row's cells against the kind's table. On success *out holds
 * the typed values; otherwise the row's error is recorded. */
static int
import_check_row(struct import *im, const csv_row *row, json_t **out)
{
	req *r = im->r;
	const struct col *cols = im->spec->cols;
	struct cells c = { NULL, 0, 64 };
	input_error ie = { XA_OK, NULL };
	c.items = arena_calloc(r->a, c.cap, sizeof *c.items);
	if (c.items == NULL)
		return -1;
	for (int i = 0; cols[i].name != NULL; i++) {
		const char *name = cols[i].name, *v = cell(im, row, name);
		int rc = 0;
		if (v == NULL || v[0] == '\0')
			continue;
		if (strcmp(name, "stages") == 0)
			rc = cells_add_words(r->a, &c, name, v, stage_names, "unit.stage");
		else if (strcmp(name, "roles") == 0)
			rc = cells_add_words(r->a, &c, name, v, import_roles, "role");
		else if (strcmp(name, "type") == 0)
			rc = cells_add(&c, name, word_name(v, school_types, "unit.type"));
		else if (strcmp(name, "ownership") == 0)
			rc = cells_add(&c, name, word_name(v, ownerships, "unit.ownership"));
		else if (strcmp(name, "member_type") == 0)
			rc = cells_add(&c, name, word_name(v, member_types, "member"));
		else if (strcmp(name, "direct") == 0)
			rc = cells_add(&c, name, strcmp(v, "是") == 0 ? "1" :
			    strcmp(v, "否") == 0 ? "0" : v);
		else if (strcmp(name, "grade") == 0)
			rc = cells_add(&c, name, grade_text(r->a, v));
		else
			rc = cells_add(&c, name, v);
		if (rc != 0)
			return -1;
	}
	params p = { c.items, c.n };
	xa_err e = input_from_params(im->spec->row_fields, &p, out, &ie);
	if (e == XA_OK)
		return 0;
	if (e == XA_ENOMEM)
		return -1;
	char key[96];
	const char *col = ie.field ? ie.field : "";
	const char *v = ie.field ? cell(im, row, ie.field) : NULL;
	snprintf(key, sizeof key, "import.err.invalid.%s", col);
	row_error(im, row->line, heading_of(im, col), e == XA_EMISSING ? "import.err.missing" :
	    e == XA_ETOOBIG ? "import.err.too_long" : i18n_has(r->lang, key) ? key :
	    "import.err.invalid", v);
	return 1;
}

/* The school with code, as classes and staff rows name it: looked up
 * once per file. ok is set when the caller may import into it (and,
 * for classes, change its classes). */
static struct school_ref *
school_ref(struct import *im, const char *code)
{
	req *r = im->r;
	for (size_t i = 0; i < im->nrefs; i++)
		if (strcmp(im->refs[i].code, code) == 0)
			return &im->refs[i];
	if (im->nrefs == IMPORT_MAX_ROWS)
		return NULL;
	struct school_ref *s = &im->refs[im->nrefs];
	db_stmt *st = NULL;
	memset(s, 0, sizeof *s);
	s->code = arena_strdup(r->a, code);
	s->name = "";
	if (s->code == NULL)
		return NULL;
	if (db_prepare(r->rdb, "SELECT id, name, path FROM units WHERE code = ?"
	    " AND kind = 'school'", &st) == XA_OK) {
		db_bind_text(st, 1, code, -1);
		if (db_step(st) == 1) {
			s->id = db_col_int(st, 0);
			s->name = arena_strdup(r->a, db_col_text(st, 1));
			snprintf(s->path, sizeof s->path, "%s", db_col_text(st, 2));
			s->ok = s->name != NULL && policy_allow(r->user, A_IMPORT, s->path) &&
			    (strcmp(im->spec->kind, "classes") != 0 ||
			    policy_allow(r->user, A_CLASS_WRITE, s->path));
		}
		db_done(st);
	}
	im->nrefs++;
	return s;
}

/* Loads the townships the caller may read, for the schools' 所属乡镇. */
static int
load_townships(struct import *im)
{
	req *r = im->r;
	db_stmt *st = NULL;
	int64_t count = 0;
	if (db_query_int(r->rdb, "SELECT count(*) FROM units WHERE kind = 'township'",
	    &count) != XA_OK)
		return -1;
	size_t cap = (size_t)count;
	im->towns = arena_calloc(r->a, cap ? cap : 1, sizeof *im->towns);
	if (im->towns == NULL || db_prepare(r->rdb, "SELECT id, name, code, path"
	    " FROM units WHERE kind = 'township'", &st) != XA_OK)
		return -1;
	while (db_step(st) == 1 && im->ntowns < cap) {
		struct township *t = &im->towns[im->ntowns];
		if (!policy_allow(r->user, A_UNIT_READ, db_col_text(st, 3)))
			continue;
		t->id = db_col_int(st, 0);
		t->name = arena_strdup(r->a, db_col_text(st, 1));
		t->code = arena_strdup(r->a, db_col_text(st, 2));
		snprintf(t->path, sizeof t->path, "%s", db_col_text(st, 3));
		if (t->name == NULL || t->code == NULL)
			break;
		im->ntowns++;
	}
	db_done(st);
	return 0;
}

/* The township a cell names (by name or code). 0 and *why set when
 * there is none or the name is not unique. */
static const struct township *
find_township(struct import *im, const char *v, const char **why)
{
	const struct township *found = NULL;
	int n = 0;
	for (size_t i = 0; i < im->ntowns; i++) {
		const struct township *t = &im->towns[i];
		if (t->code[0] != '\0' && strcmp(t->code, v) == 0) {
			*why = NULL;
			return t;
		}
		if (strcmp(t->name, v) == 0) {
			found = t;
			n++;
		}
	}
	*why = n == 0 ? "import.err.no_township" : n > 1 ? "import.err.township_twice" : NULL;
	return n == 1 ? found : NULL;
}

/* Plans a schools row: a new school, or the changes to the school that
 * already has its code. */
static int
plan_school(struct import *im, const csv_row *row, json_t *o)
{
	req *r = im->r;
	struct school_plan *s = &im->schools[im->nschools];
	const char *code = in_dup(r, o, "code"), *why = NULL, *bad, *ecode = NULL;
	memset(s, 0, sizeof *s);
	s->line = row->line;
	for (size_t i = 0; i < im->nschools; i++)
		if (strcmp(im->schools[i].exists ? im->schools[i].old.code :
		    im->schools[i].u.code, code) == 0) {
			row_error(im, row->line, heading_of(im, "code"), "import.err.code_twice", code);
			return 1;
		}
	if ((bad = contact_bad(o, &ecode)) != NULL) {
		row_error(im, row->line, heading_of(im, bad), strcmp(ecode, "bad_email") == 0 ?
		    "import.err.invalid.email" : "import.err.invalid.phone", input_str(o, bad));
		return 1;
	}
	int64_t township = 0;
	const char *tcell = cell(im, row, "township");
	int has_township = tcell != NULL;
	const char *tname = in_dup(r, o, "township");
	char ppath[96];
	snprintf(ppath, sizeof ppath, "%s", im->bpath);
	if (tname != NULL) {
		const struct township *t = find_township(im, tname, &why);
		if (t == NULL) {
			row_error(im, row->line, heading_of(im, "township"), why, tname);
			return 1;
		}
		township = t->id;
		snprintf(ppath, sizeof ppath, "%s", t->path);
	}
	const char *type = in_dup(r, o, "type");
	const char *stages = stages_from_in(r, o);
	if (stages[0] == '\0')
		stages = stages_for_type(type);
	const char *ownership = in_dup(r, o, "ownership");
	if (ownership == NULL)
		ownership = "public";
	int direct = json_is_true(json_object_get(o, "direct"));
	int64_t id = 0;
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT id FROM units WHERE code = ?", &st) == XA_OK) {
		db_bind_text(st, 1, code, -1);
		if (db_step(st) == 1)
			id = db_col_int(st, 0);
		db_done(st);
	}
	if (id == 0) {
		if (!policy_allow(r->user, A_IMPORT, ppath) ||
		    !policy_allow(r->user, A_UNIT_CREATE, ppath)) {
			row_error(im, row->line, heading_of(im, tname ? "township" : "code"),
			    "import.err.out_of_reach", tname ? tname : code);
			return 1;
		}
		s->u.parent_id = township ? township : im->bureau;
		s->u.kind = "school";
		s->u.name = in_dup(r, o, "name");
		s->u.code = code;
		s->u.school_type = type;
		s->u.ownership = ownership;
		s->u.direct = direct;
		s->u.agency_type = "";
		s->u.township_id = township;
		s->u.address = in_dup(r, o, "address") ? in_dup(r, o, "address") : "";
		s->u.stages = stages;
		s->aliases = in_dup(r, o, "aliases") ? in_dup(r, o, "aliases") : "";
		for (int i = 0; i < 5; i++) {
			const char *v = in_dup(r, o, unit_col_name(contact_cols[i]));
			s->contact[i] = v ? v : "";
		}
		snprintf(s->fields, sizeof s->fields, "%s", im->columns);
		im->nschools++;
		return 0;
	}
	if (unit_load(r, id, &s->old) != XA_OK || strcmp(s->old.kind, "school") != 0 ||
	    !policy_allow(r->user, A_IMPORT, s->old.path) ||
	    !policy_allow(r->user, A_UNIT_UPDATE, s->old.path)) {
		row_error(im, row->line, heading_of(im, "code"), "import.err.code_taken", code);
		return 1;
	}
	s->exists = 1;
	/* The columns the file has: an empty cell clears the value. */
	static const struct {
		const char *col;
		enum unit_col uc;
	} map[] = {
		{ "name", UC_NAME }, { "type", UC_SCHOOL_TYPE }, { "ownership", UC_OWNERSHIP },
		{ "stages", UC_STAGES }, { "aliases", UC_ALIASES }, { "address", UC_ADDRESS },
		{ "office_name", UC_OFFICE_NAME }, { "office_phone", UC_OFFICE_PHONE },
		{ "office_email", UC_OFFICE_EMAIL }, { "legal_vp_phone", UC_LEGAL_VP_PHONE },
		{ "safety_lead_phone", UC_SAFETY_LEAD_PHONE },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (cell(im, row, map[i].col) == NULL)
			continue;
		const char *v = map[i].uc == UC_SCHOOL_TYPE ? type : map[i].uc == UC_OWNERSHIP ?
		    ownership : map[i].uc == UC_STAGES ? stages : in_dup(r, o, map[i].col);
		if (v == NULL)
			v = "";
		if (strcmp(v, unit_text(&s->old, map[i].uc)) != 0) {
			s->ch[s->nch].col = map[i].uc;
			s->ch[s->nch].text = v;
			s->nch++;
			fields_add(s->fields, sizeof s->fields, unit_col_name(map[i].uc));
		}
	}
	if (cell(im, row, "direct") != NULL && direct != s->old.direct) {
		s->ch[s->nch].col = UC_DIRECT;
		s->ch[s->nch].num = direct;
		s->nch++;
		fields_add(s->fields, sizeof s->fields, "direct");
	}
	if (has_township && township != s->old.township_id) {
		if (!policy_allow(r->user, A_UNIT_UPDATE, ppath)) {
			row_error(im, row->line, heading_of(im, "township"),
			    "import.err.out_of_reach", tname);
			return 1;
		}
		s->move = 1;
		s->township = township;
		fields_add(s->fields, sizeof s->fields, "township_id");
	}
	im->nschools++;
	return 0;
}

/* Plans a classes row: the class joins its school's new list. */
static int
plan_class(struct import *im, const csv_row *row, json_t *o)
{
	req *r = im->r;
	const char *code = input_str(o, "code");
	struct school_ref *s = school_ref(im, code);
	if (s == NULL)
		return -1;
	if (!s->ok) {
		row_error(im, row->line, heading_of(im, "code"), "import.err.no_school", code);
		return 1;
	}
	struct class_group *g = NULL;
	for (size_t i = 0; i < im->ngroups; i++)
		if (im->groups[i].school == s)
			g = &im->groups[i];
	if (g == NULL) {
		g = &im->groups[im->ngroups++];
		g->school = s;
		g->line = row->line;
		g->cap = 16;
		g->rows = arena_calloc(r->a, g->cap, sizeof *g->rows);
		if (g->rows == NULL)
			return -1;
	}
	if (g->n == MAX_CLASSES) {
		row_error(im, row->line, heading_of(im, "class"), "import.err.too_many_classes", "");
		return 1;
	}
	if (g->n == g->cap) {
		class_row *more = arena_calloc(r->a, g->cap * 2, sizeof *more);
		if (more == NULL)
			return -1;
		memcpy(more, g->rows, g->n * sizeof *more);
		g->rows = more;
		g->cap *= 2;
	}
	class_row *c = &g->rows[g->n];
	c->grade = (int)input_int(o, "grade", 0);
	c->name = arena_strdup(r->a, input_str(o, "class"));
	c->boys = (int)input_int(o, "boys", 0);
	c->girls = (int)input_int(o, "girls", 0);
	if (c->name == NULL)
		return -1;
	g->n++;
	if (class_repeat(g->rows, g->n) >= 0) {
		g->n--;
		row_error(im, row->line, heading_of(im, "class"), "import.err.class_twice",
		    input_str(o, "class"));
		return 1;
	}
	return 0;
}

/* Whether a group's classes are exactly what the school has (in order),
 * so that importing an export again changes nothing. */
static void
group_same(struct import *im, struct class_group *g)
{
	db_stmt *st = NULL;
	size_t k = 0;
	int same = 1;
	if (db_prepare(im->r->rdb, "SELECT grade, name, boys, girls FROM classes"
	    " WHERE unit_id = ? ORDER BY grade, id", &st) != XA_OK)
		return;
	db_bind_int(st, 1, g->school->id);
	while (db_step(st) == 1) {
		const class_row *c = k < g->n ? &g->rows[k] : NULL;
		if (c == NULL || c->grade != db_col_int(st, 0) ||
		    strcmp(c->name, db_col_text(st, 1)) != 0 || c->boys != db_col_int(st, 2) ||
		    c->girls != db_col_int(st, 3))
			same = 0;
		k++;
	}
	db_done(st);
	g->same = same && k == g->n;
}

/* Plans a staff row: a new account, or one that is there already in the
 * same school (left as it is, so a file can be imported again). */
static int
plan_staff(struct import *im, const csv_row *row, json_t *o)
{
	req *r = im->r;
	const char *code = input_str(o, "code");
	struct school_ref *s = school_ref(im, code);
	struct staff_plan *p = &im->staff[im->nstaff];
	if (s == NULL)
		return -1;
	memset(p, 0, sizeof *p);
	p->line = row->line;
	p->school = s;
	if (!s->ok) {
		row_error(im, row->line, heading_of(im, "code"), "import.err.no_school", code);
		return 1;
	}
	char *u = arena_strdup(r->a, input_str(o, "username"));
	if (u == NULL)
		return -1;
	for (char *c = u; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	if (!username_ok(u)) {
		row_error(im, row->line, heading_of(im, "username"), "import.err.invalid.username",
		    input_str(o, "username"));
		return 1;
	}
	for (size_t i = 0; i < im->nstaff; i++)
		if (strcmp(im->staff[i].username, u) == 0) {
			row_error(im, row->line, heading_of(im, "username"),
			    "import.err.username_twice", u);
			return 1;
		}
	const char *mail = in_dup(r, o, "email"), *phone = in_dup(r, o, "phone");
	if (mail != NULL && !email_ok(mail)) {
		row_error(im, row->line, heading_of(im, "email"), "import.err.invalid.email", mail);
		return 1;
	}
	if (phone != NULL && !phone_ok(phone)) {
		row_error(im, row->line, heading_of(im, "phone"), "import.err.invalid.phone", phone);
		return 1;
	}
	json_t *roles = json_object_get(o, "roles"), *v;
	size_t k;
	json_array_foreach(roles, k, v) {
		enum role ro;
		if (role_parse(json_string_value(v), &ro) == XA_OK)
			p->roles |= ROLE_BIT(ro);
	}
	p->username = u;
	p->name = in_dup(r, o, "name");
	p->phone = phone ? phone : "";
	p->email = mail ? mail : "";
	p->member_type = NULL;
	if (p->roles & ROLE_BIT(ROLE_COMMITTEE))
		p->member_type = in_dup(r, o, "member_type") ? in_dup(r, o, "member_type") : "staff";
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT unit_id FROM accounts WHERE username = ?", &st) == XA_OK) {
		db_bind_text(st, 1, u, -1);
		if (db_step(st) == 1)
			p->exists = db_col_int(st, 0) == s->id ? 1 : -1;
		db_done(st);
	}
	if (p->exists < 0) {
		row_error(im, row->line, heading_of(im, "username"), "import.err.username_taken", u);
		return 1;
	}
	im->nstaff++;
	return 0;
}

/* Reads and checks the whole file into im's plans. -1 on a failure that
 * is no fault of the file (out of memory). */
static int
import_plan(struct import *im, const csv_table *t)
{
	req *r = im->r;
	size_t n = t->n;
	if (n == 0) {
		row_error(im, 1, "", "import.err.empty", "");
		return 0;
	}
	import_headings(im, &t->rows[0]);
	if (im->nerr > 0)
		return 0;
	if (strcmp(im->spec->kind, "schools") == 0) {
		im->schools = arena_calloc(r->a, n, sizeof *im->schools);
		if (im->schools == NULL || load_townships(im) != 0)
			return -1;
	} else if (strcmp(im->spec->kind, "classes") == 0) {
		im->groups = arena_calloc(r->a, n, sizeof *im->groups);
		if (im->groups == NULL)
			return -1;
	} else {
		im->staff = arena_calloc(r->a, n, sizeof *im->staff);
		if (im->staff == NULL)
			return -1;
	}
	im->refs = arena_calloc(r->a, n < IMPORT_MAX_ROWS ? n : IMPORT_MAX_ROWS,
	    sizeof *im->refs);
	if (im->refs == NULL)
		return -1;
	for (size_t i = 1; i < n; i++) {
		const csv_row *row = &t->rows[i];
		int blank = 1;
		for (size_t k = 0; k < row->n; k++)
			for (const char *c = row->fields[k]; *c; c++)
				blank &= *c == ' ';
		if (blank)
			continue;
		im->rows++;
		json_t *o = NULL;
		int rc = import_check_row(im, row, &o);
		if (rc == 0) {
			if (strcmp(im->spec->kind, "schools") == 0)
				rc = plan_school(im, row, o);
			else if (strcmp(im->spec->kind, "classes") == 0)
				rc = plan_class(im, row, o);
			else
				rc = plan_staff(im, row, o);
		}
		json_decref(o);
		if (rc < 0)
			return -1;
	}
	if (im->rows == 0 && im->nerr == 0)
		row_error(im, 1, "", "import.err.empty", "");
	for (size_t i = 0; i < im->nschools; i++) {
		struct school_plan *s = &im->schools[i];
		if (!s->exists)
			im->created++;
		else if (s->nch > 0 || s->move)
			im->updated++;
		else
			im->unchanged++;
	}
	for (size_t i = 0; i < im->ngroups; i++) {
		group_same(im, &im->groups[i]);
		if (im->groups[i].same)
			im->unchanged++;
		else
			im->updated++;
	}
	for (size_t i = 0; i < im->nstaff; i++) {
		if (im->staff[i].exists)
			im->unchanged++;
		else
			im->created++;
	}
	return 0;
}

/* In the writer: every planned row, each with its audit record, then
 * the import's own record. A failure (a code or username taken since
 * the file was checked) undoes the whole job. */
static xa_err
import_run(db *conn, void *p)
{
	struct import *im = p;
	xa_err e = XA_OK;
	req *r = im->r;
	for (size_t i = 0; i < im->nschools && e == XA_OK; i++) {
		struct school_plan *s = &im->schools[i];
		if (!s->exists) {
			e = unit_insert(conn, &s->u, im->now, &s->id);
			if (e == XA_OK && s->aliases[0] != '\0')
				e = unit_set(conn, s->id, UC_ALIASES, s->aliases, 0, im->now);
			for (int k = 0; k < 5 && e == XA_OK; k++)
				if (s->contact[k][0] != '\0')
					e = unit_set(conn, s->id, contact_cols[k], s->contact[k], 0, im->now);
			if (e == XA_OK)
				e = audit_req(conn, r, "unit.create", "unit", s->id, s->fields, im->now);
			continue;
		}
		if (s->nch == 0 && !s->move)
			continue;
		for (size_t k = 0; k < s->nch && e == XA_OK; k++)
			e = unit_set(conn, s->old.id, s->ch[k].col, s->ch[k].text, s->ch[k].num,
			    im->now);
		if (e == XA_OK && s->move)
			e = unit_move_school(conn, s->old.id, s->township, im->now);
		if (e == XA_OK)
			e = audit_req(conn, r, "unit.update", "unit", s->old.id, s->fields, im->now);
	}
	for (size_t i = 0; i < im->ngroups && e == XA_OK; i++) {
		struct class_group *g = &im->groups[i];
		if (g->same)
			continue;
		e = classes_replace(conn, g->school->id, g->rows, g->n);
		if (e == XA_OK)
			e = audit_req(conn, r, "classes.replace", "unit", g->school->id, "classes",
			    im->now);
	}
	for (size_t i = 0; i < im->nstaff && e == XA_OK; i++) {
		struct staff_plan *s = &im->staff[i];
		if (s->exists)
			continue;
		account_new a = { s->school->id, s->username, s->name, s->phone, s->email,
			s->hash, s->roles, s->member_type, 1 };
		e = account_insert(conn, &a, im->now, &s->id);
		if (e == XA_OK)
			e = audit_req(conn, r, "account.create", "account", s->id,
			    s->member_type ? "username,display_name,phone,email,roles,member_type" :
			    "username,display_name,phone,email,roles", im->now);
	}
	if (e == XA_OK) {
		char action[32];
		snprintf(action, sizeof action, "import.%s", im->spec->kind);
		e = audit_req(conn, r, action, "", 0, im->columns, im->now);
	}
	return e;
}

/* The import page's model: for each kind its columns and forms. */
static json_t *
import_page_model(req *r)
{
	json_t *m = page_model("import.title"), *kinds = json_array();
	for (size_t i = 0; i < sizeof import_specs / sizeof import_specs[0]; i++) {
		const struct import_kind *s = &import_specs[i];
		json_t *cols = json_array();
		for (int k = 0; s->cols[k].name != NULL; k++) {
			char key[96];
			snprintf(key, sizeof key, "import.col.%s.%s", s->kind, s->cols[k].name);
			json_array_append_new(cols, json_pack("{s:s, s:s, s:b, s:s}", "zh",
			    s->cols[k].zh, "en", s->cols[k].name, "required", s->cols[k].required,
			    "note", i18n_has(r->lang, key) ? i18n(r->lang, key) : ""));
		}
		json_array_append_new(kinds, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}",
		    "kind", s->kind, "label", label(r, "import.kind", s->kind),
		    "intro", label(r, "import.intro", s->kind),
		    "action", arena_printf(r->a, "/import/%s", s->kind),
		    "export_href", arena_printf(r->a, "/api/v1/export/%s.csv", s->kind),
		    "columns", cols));
	}
	json_object_set_new(m, "kinds", kinds);
	return m;
}

/* The result of an import as a model. */
static json_t *
import_result(struct import *im, int written)
{
	req *r = im->r;
	json_t *accounts = json_array();
	for (size_t i = 0; written && i < im->nstaff; i++) {
		struct staff_plan *s = &im->staff[i];
		if (s->exists)
			continue;
		json_array_append_new(accounts, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s}",
		    "row", (json_int_t)s->line, "id", (json_int_t)s->id, "code",
		    s->school->code, "school", s->school->name, "username", s->username,
		    "display_name", s->name, "password", s->password));
	}
	json_t *errors = im->errors ? json_incref(im->errors) : json_array();
	json_t *res = json_pack("{s:s, s:s, s:s, s:I, s:b, s:b, s:b, s:i, s:i, s:i,"
	    " s:I, s:o, s:b, s:o}",
	    "kind", im->spec->kind, "kind_label", label(r, "import.kind", im->spec->kind),
	    "encoding", im->encoding ? im->encoding : "",
	    "rows", (json_int_t)im->rows, "ok", im->nerr == 0,
	    "check_only", im->check_only, "written", written,
	    "created", im->created, "updated", im->updated, "unchanged", im->unchanged,
	    "error_count", (json_int_t)im->nerr, "errors", errors,
	    "errors_truncated", im->nerr > json_array_size(im->errors),
	    "accounts", accounts);
	if (res != NULL) {
		json_object_set_new(res, "heading", jstr(tr(r, "import.result", "kind",
		    label(r, "import.kind", im->spec->kind), NULL)));
		json_object_set_new(res, "bad_text", jstr(tr(r, "import.bad", "n",
		    num(r, (int64_t)im->nerr), NULL)));
	}
	return res;
}

/* Answers an import: the result alone on the API (with the error's code
 * and message when a row was wrong), the import page with the result
 * otherwise. */
static void
import_answer(struct import *im, int status, int written)
{
	req *r = im->r;
	json_t *res = import_result(im, written);
	if (is_api(r)) {
		if (status >= 400)
			json_object_set_new(res, "error", json_pack("{s:s, s:s}", "code",
			    "import_rows", "message", i18n(r->lang, "error.import_rows")));
		req_json(r, status, res);
		return;
	}
	json_t *m = import_page_model(r);
	json_object_set_new(m, "result", res);
	req_page(r, status, m);
}

/* Wipes the temporary passwords: once answered they live in the answer
 * alone, and after a failure nowhere. */
static void
forget_passwords(struct import *im)
{
	for (size_t i = 0; i < im->nstaff; i++)
		explicit_bzero(im->staff[i].password, sizeof im->staff[i].password);
}

static void
import_done(req *r, void *p, xa_err result)
{
	struct import *im = p;
	if (result == XA_EEXIST) {
		req_error(r, 409, "import_conflict", NULL);
	} else if (result != XA_OK) {
		log_error("request %s: import of %s failed: %s", r->id, im->spec->kind,
		    xa_strerror(result));
		req_error(r, 503, "unavailable", NULL);
	} else {
		import_answer(im, 200, 1);
	}
	forget_passwords(im);
}

/* On a worker: the new accounts' password hashes. */
static void
import_hash(void *p)
{
	struct import *im = p;
	for (size_t i = 0; i < im->nstaff; i++) {
		struct staff_plan *s = &im->staff[i];
		if (!s->exists && crypto_password_hash(s->password, (unsigned)im->cost,
		    s->hash, sizeof s->hash) != XA_OK)
			s->hash[0] = '\0';
	}
}

static void
import_hashed(req *r, void *p, xa_err unused)
{
	struct import *im = p;
	for (size_t i = 0; i < im->nstaff; i++)
		if (!im->staff[i].exists && im->staff[i].hash[0] == '\0') {
			forget_passwords(im);
			req_error(r, 500, "internal", NULL);
			return;
		}
	req_write(r, import_run, im, import_done);
}

/* The uploaded file: the multipart part "file" (or the only file), or on
 * the API a text/csv body. */
static int
import_data(req *r, const char **data, size_t *len)
{
	const char *ct = r->content_type ? r->content_type : "";
	if (r->files == NULL && strncasecmp(ct, "multipart/form-data", 19) == 0 && r->body) {
		form_limits lim;
		multipart *mp = arena_calloc(r->a, 1, sizeof *mp);
		form_limits_default(&lim);
		if (mp == NULL || form_parse_multipart(r->a, ct, r->body, r->body_len, &lim,
		    mp) != XA_OK)
			return -1;
		r->files = mp;
	}
	if (r->files != NULL) {
		const upload *f = NULL;
		for (size_t i = 0; i < r->files->nfiles; i++)
			if (strcmp(r->files->files[i].field, "file") == 0 || r->files->nfiles == 1)
				f = &r->files->files[i];
		if (f == NULL || f->len == 0)
			return -1;
		*data = (const char *)f->data;
		*len = f->len;
		return 0;
	}
	if (r->body != NULL && r->body_len > 0 && (strncasecmp(ct, "text/csv", 8) == 0 ||
	    strncasecmp(ct, "text/plain", 10) == 0 || strncasecmp(ct, "application/csv", 15) == 0)) {
		*data = r->body;
		*len = r->body_len;
		return 0;
	}
	return -1;
}

static const field import_query[] = {
	{ "check_only", FT_BOOL, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* GET /import: the forms, the columns of each kind, and the exports. */
static void
import_page(req *r)
{
	if (!policy_allow(r->user, A_IMPORT, r->user->scope_path)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	req_page(r, 200, import_page_model(r));
}

/* POST /import/{kind} (a multipart form) and /api/v1/import/{kind}
 * (multipart, or a text/csv body): checks the whole file, then writes it
 * in one job, or with check_only only reports what it would do. Staff
 * rows become accounts with a temporary password, shown once here. */
static void
import_post(req *r)
{
	struct import *im = arena_calloc(r->a, 1, sizeof *im);
	const char *data = NULL;
	size_t len = 0, eline = 0;
	csv_table t;
	csv_limits lim;
	if (im == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	im->r = r;
	im->spec = import_spec(req_param(r, "kind"));
	if (im->spec == NULL || !policy_allow(r->user, A_IMPORT, r->user->scope_path) ||
	    (im->bureau = bureau_of(r, im->bpath)) == 0) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	im->check_only = json_is_true(json_object_get(r->in, "check_only")) ||
	    json_is_true(json_object_get(r->q, "check_only"));
	if (import_data(r, &data, &len) != 0) {
		form_error(r, 400, "import_no_file", "file", is_api(r) ? NULL : import_page_model(r));
		return;
	}
	if ((im->errors = json_array()) == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	im->now = now_s();
	csv_limits_default(&lim);
	lim.max_rows = IMPORT_MAX_ROWS + 1;
	xa_err e = csv_parse(r->a, data, len, &lim, &t, &eline);
	if (e == XA_ENOMEM || e == XA_ECONFIG) {
		req_error(r, 500, "internal", NULL);
		goto done;
	}
	if (e != XA_OK) {
		/* The whole file is unreadable: one problem, at its line. */
		const char *code = e == XA_ETOOMANY ? "import_too_many_rows" :
		    e == XA_EUTF8 ? "import_unreadable" : "import_malformed";
		if (is_api(r)) {
			req_error(r, 400, code, NULL);
		} else {
			row_error(im, eline ? eline : 1, "", arena_printf(r->a, "error.%s", code), "");
			import_answer(im, 400, 0);
		}
		goto done;
	}
	im->encoding = t.encoding;
	if (import_plan(im, &t) != 0) {
		req_error(r, 500, "internal", NULL);
		goto done;
	}
	if (im->nerr > 0 || im->check_only) {
		import_answer(im, im->nerr > 0 ? 400 : 200, 0);
		goto done;
	}
	int fresh = 0;
	for (size_t i = 0; i < im->nstaff; i++) {
		if (im->staff[i].exists)
			continue;
		if (password_generate(im->staff[i].password) != XA_OK) {
			req_error(r, 500, "internal", NULL);
			goto done;
		}
		fresh = 1;
	}
	if (fresh) {
		im->cost = setting_get(r->rdb, S_PW_COST);
		req_offload(r, import_hash, im, import_hashed);
	} else {
		req_write(r, import_run, im, import_done);
	}
done:
	/* The list of problems is in the answer already, or was empty; an
	 * answer after the write makes its own. */
	json_decref(im->errors);
	im->errors = NULL;
}

/* --- Export. */

/* Appends one row of fields to b. */
static xa_err
csv_row_put(buf *b, const char *const *f, size_t n)
{
	xa_err e = XA_OK;
	for (size_t i = 0; i < n && e == XA_OK; i++)
		e = csv_put(b, f[i], i == 0);
	return e == XA_OK ? csv_end_row(b) : e;
}

/* The headings of a kind's file, in Chinese. */
static xa_err
csv_headings(buf *b, const struct col *cols)
{
	const char *f[16];
	size_t n = 0;
	for (; cols[n].name != NULL && n < 16; n++)
		f[n] = cols[n].zh;
	return csv_row_put(b, f, n);
}

/* Labels in Chinese joined with 、 for a list column ("primary,junior"
 * under prefix "unit.stage" → 小学、初中), into the arena. */
static const char *
zh_list(arena *a, const char *names, const char *prefix)
{
	buf b;
	char one[48], key[96];
	buf_init(&b, 1024);
	for (const char *p = names; *p;) {
		size_t n = strcspn(p, ",");
		if (n > 0 && n < sizeof one) {
			memcpy(one, p, n);
			one[n] = '\0';
			snprintf(key, sizeof key, "%s.%s", prefix, one);
			if (b.len > 0)
				buf_puts(&b, "、");
			buf_puts(&b, i18n_has("zh", key) ? i18n("zh", key) : one);
		}
		p += n;
		if (*p == ',')
			p++;
	}
	const char *s = arena_strdup(a, b.data ? b.data : "");
	buf_free(&b);
	return s ? s : "";
}

/* The Chinese label of name under prefix, or name. */
static const char *
zh_label(const char *prefix, const char *name)
{
	char key[96];
	if (name[0] == '\0')
		return "";
	snprintf(key, sizeof key, "%s.%s", prefix, name);
	return i18n_has("zh", key) ? i18n("zh", key) : name;
}

/* Writes the schools the caller may read, with their contact. */
static xa_err
export_schools(req *r, buf *b)
{
	db_stmt *st = NULL;
	xa_err e = csv_headings(b, school_cols);
	if (e != XA_OK || (e = db_prepare(r->rdb, "SELECT u.code, u.name, u.school_type,"
	    " u.ownership, u.direct, t.name, u.stages, u.aliases, u.address, u.office_name,"
	    " u.office_phone, u.office_email, u.legal_vp_phone, u.safety_lead_phone, u.path"
	    " FROM units u LEFT JOIN units t ON t.id = u.township_id"
	    " WHERE u.kind = 'school' ORDER BY u.code, u.id", &st)) != XA_OK)
		return e;
	while (e == XA_OK && db_step(st) == 1) {
		if (!policy_allow(r->user, A_UNIT_READ, db_col_text(st, 14)))
			continue;
		const char *f[14];
		for (int i = 0; i < 14; i++)
			f[i] = db_col_text(st, i);
		f[2] = zh_label("unit.type", f[2]);
		f[3] = zh_label("unit.ownership", f[3]);
		f[4] = db_col_int(st, 4) ? "是" : "否";
		f[6] = zh_list(r->a, f[6], "unit.stage");
		e = csv_row_put(b, f, 14);
	}
	db_done(st);
	return e;
}

/* Writes the classes of the schools the caller may read. */
static xa_err
export_classes(req *r, buf *b)
{
	db_stmt *st = NULL;
	xa_err e = csv_headings(b, class_cols);
	if (e != XA_OK || (e = db_prepare(r->rdb, "SELECT u.code, c.grade, c.name, c.boys,"
	    " c.girls, u.path FROM classes c JOIN units u ON u.id = c.unit_id"
	    " WHERE u.kind = 'school' ORDER BY u.code, u.id, c.grade, c.id", &st)) != XA_OK)
		return e;
	while (e == XA_OK && db_step(st) == 1) {
		if (!policy_allow(r->user, A_UNIT_READ, db_col_text(st, 5)))
			continue;
		char g[8], boys[16], girls[16];
		snprintf(g, sizeof g, "%lld", (long long)db_col_int(st, 1));
		snprintf(boys, sizeof boys, "%lld", (long long)db_col_int(st, 3));
		snprintf(girls, sizeof girls, "%lld", (long long)db_col_int(st, 4));
		const char *f[5] = { db_col_text(st, 0), g, db_col_text(st, 2), boys, girls };
		e = csv_row_put(b, f, 5);
	}
	db_done(st);
	return e;
}

/* Writes the staff of the schools whose accounts the caller may read:
 * never a password or any secret. */
static xa_err
export_staff(req *r, buf *b)
{
	db_stmt *st = NULL, *rs = NULL;
	xa_err e = csv_headings(b, staff_cols);
	if (e != XA_OK || (e = db_prepare(r->rdb, "SELECT u.code, a.username,"
	    " a.display_name, a.phone, a.email, a.id, u.path FROM accounts a"
	    " JOIN units u ON u.id = a.unit_id WHERE u.kind = 'school' AND a.disabled = 0"
	    " ORDER BY u.code, u.id, a.username", &st)) != XA_OK)
		return e;
	while (e == XA_OK && db_step(st) == 1) {
		if (!policy_allow(r->user, A_ACCOUNT_READ, db_col_text(st, 6)))
			continue;
		buf roles;
		const char *mt = "";
		buf_init(&roles, 1024);
		if (db_prepare(r->rdb, "SELECT role, member_type FROM account_roles"
		    " WHERE account_id = ? ORDER BY role", &rs) == XA_OK) {
			db_bind_int(rs, 1, db_col_int(st, 5));
			while (db_step(rs) == 1) {
				if (!org_known(import_roles, db_col_text(rs, 0)))
					continue;
				if (roles.len > 0)
					buf_puts(&roles, "、");
				buf_puts(&roles, zh_label("role", db_col_text(rs, 0)));
				if (strcmp(db_col_text(rs, 0), "committee_member") == 0)
					mt = arena_strdup(r->a, zh_label("member", db_col_text(rs, 1)));
			}
			db_done(rs);
		}
		const char *f[7] = { db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2),
			db_col_text(st, 3), db_col_text(st, 4), roles.data ? roles.data : "",
			mt ? mt : "" };
		e = csv_row_put(b, f, 7);
		buf_free(&roles);
	}
	db_done(st);
	return e;
}

/* GET /api/v1/export/{schools,classes,staff}.csv: UTF-8 with a BOM, the
 * same columns the import reads, rows the caller may read; downloaded
 * under a Chinese file name with the date. */
static void
export_csv(req *r, const struct import_kind *spec)
{
	buf b;
	char day[11];
	buf_init(&b, EXPORT_MAX);
	xa_err e = csv_put_bom(&b);
	if (e == XA_OK) {
		if (strcmp(spec->kind, "schools") == 0)
			e = export_schools(r, &b);
		else if (strcmp(spec->kind, "classes") == 0)
			e = export_classes(r, &b);
		else
			e = export_staff(r, &b);
	}
	if (e != XA_OK) {
		buf_free(&b);
		req_error(r, e == XA_ETOOBIG ? 413 : 503, e == XA_ETOOBIG ? "body_too_large" :
		    "unavailable", NULL);
		return;
	}
	today(r, day);
	const char *name = arena_printf(r->a, "%s-%s.csv", i18n("zh", spec->file_key), day);
	req_file(r, "text/csv; charset=utf-8", name ? name : "export.csv", b.data, b.len);
	buf_free(&b);
}

static void
export_schools_csv(req *r)
{
	export_csv(r, &import_specs[0]);
}

static void
export_classes_csv(req *r)
{
	export_csv(r, &import_specs[1]);
}

static void
export_staff_csv(req *r)
{
	export_csv(r, &import_specs[2]);
}

/* --- The routes. Pages and API share their handlers. */

static const field import_form_fields[] = {
	{ "check_only", FT_BOOL, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

#define API (R_API | R_AUTH)
#define PAGE R_AUTH

const route org_routes[] = {
	/* The API. */
	{ M_GET, "/api/v1/units", units_list, API, list_query, NULL, NULL, "api_units" },
	{ M_POST, "/api/v1/units", units_create, API, NULL, unit_create_fields, NULL,
	  "api_units_create" },
	{ M_GET, "/api/v1/units/{id:int}", unit_show, API, NULL, NULL, NULL, "api_unit" },
	{ M_PATCH, "/api/v1/units/{id:int}", units_update, API, NULL, unit_update_fields,
	  NULL, "api_unit_update" },
	{ M_GET, "/api/v1/units/{id:int}/classes", classes_get, API, NULL, NULL, NULL,
	  "api_classes" },
	{ M_PUT, "/api/v1/units/{id:int}/classes", classes_put, API | R_RAW_BODY, NULL,
	  NULL, NULL, "api_classes_replace" },
	{ M_GET, "/api/v1/units/{id:int}/committee", committee_show, API, committee_query,
	  NULL, NULL, "api_committee" },
	{ M_POST, "/api/v1/units/{id:int}/committee", committee_add_member, API, NULL,
	  member_fields, NULL, "api_committee_add" },
	{ M_POST, "/api/v1/units/{id:int}/committee/{member:int}/end",
	  committee_end_member, API, NULL, member_end_fields, NULL, "api_committee_end" },
	{ M_POST, "/api/v1/import/{kind}", import_post, API | R_RAW_BODY, import_query,
	  NULL, NULL, "api_import" },
	{ M_GET, "/api/v1/export/schools.csv", export_schools_csv, API, NULL, NULL, NULL,
	  "api_export_schools" },
	{ M_GET, "/api/v1/export/classes.csv", export_classes_csv, API, NULL, NULL, NULL,
	  "api_export_classes" },
	{ M_GET, "/api/v1/export/staff.csv", export_staff_csv, API, NULL, NULL, NULL,
	  "api_export_staff" },
	/* The pages. */
	{ M_GET, "/units", units_list, PAGE, list_query, NULL, "units", "units" },
	{ M_GET, "/units/new", unit_new_page, PAGE, NULL, NULL, "unit_edit", "unit_new" },
	{ M_POST, "/units/new", units_create, PAGE, NULL, unit_create_fields, "unit_edit",
	  "unit_new_form" },
	{ M_GET, "/units/{id:int}", unit_show, PAGE, NULL, NULL, "unit", "unit" },
	{ M_GET, "/units/{id:int}/edit", unit_edit_page, PAGE, NULL, NULL, "unit_edit",
	  "unit_edit" },
	{ M_POST, "/units/{id:int}/edit", units_update, PAGE, NULL, unit_update_fields,
	  "unit_edit", "unit_edit_form" },
	{ M_POST, "/units/{id:int}/classes", classes_form, PAGE, NULL, classes_form_fields,
	  "unit_edit", "classes_form" },
	{ M_GET, "/units/{id:int}/committee", committee_show, PAGE, committee_query, NULL,
	  "committee", "committee" },
	{ M_POST, "/units/{id:int}/committee", committee_add_member, PAGE, NULL,
	  member_fields, "committee", "committee_add_form" },
	{ M_POST, "/units/{id:int}/committee/{member:int}/end", committee_end_member, PAGE,
	  NULL, member_end_fields, "committee", "committee_end_form" },
	{ M_GET, "/import", import_page, PAGE, NULL, NULL, "import", "import" },
	{ M_POST, "/import/{kind}", import_post, PAGE, NULL, import_form_fields, "import",
	  "import_form" },
};
const size_t org_routes_count = sizeof org_routes / sizeof org_routes[0];
