/* units.c: the registry's data: inserting and changing units, their
 * classes and their committees, and the committee composition check
 * (org.h). Writers run inside the caller's transaction next to their
 * audit record; nothing here answers a request, checks who is asking or
 * writes an audit record itself. */
#include "org.h"

#include "../auth/auth.h"

#include <stdio.h>
#include <string.h>

const char *const unit_kinds[] = { "bureau", "section", "office", "township",
	"school", "agency", NULL };
const char *const school_types[] = { "primary", "junior", "senior", "nine_year",
	"twelve_year", "vocational", "special", NULL };
const char *const agency_types[] = { "police", "court", "procuratorate",
	"civil_affairs", "justice", "hr_social_security", "youth_league",
	"womens_federation", "disabled_federation", NULL };
const char *const stage_names[] = { "primary", "junior", "senior", "vocational",
	NULL };

static int
in_list(const char *const *list, const char *v)
{
	for (int i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], v) == 0)
			return 1;
	return 0;
}

/* Every comma-separated name in stages is a known stage. */
static int
stages_ok(const char *stages)
{
	char one[32];
	for (const char *p = stages; *p;) {
		size_t n = strcspn(p, ",");
		if (n == 0 || n >= sizeof one)
			return 0;
		memcpy(one, p, n);
		one[n] = '\0';
		if (!in_list(stage_names, one))
			return 0;
		p += n;
		if (*p == ',')
			p++;
	}
	return 1;
}

int
stages_beyond_compulsory(const char *stages)
{
	char one[32];
	for (const char *p = stages; *p;) {
		size_t n = strcspn(p, ",");
		if (n > 0 && n < sizeof one) {
			memcpy(one, p, n);
			one[n] = '\0';
			if (strcmp(one, "senior") == 0 || strcmp(one, "vocational") == 0)
				return 1;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

xa_err
unit_path(db *conn, int64_t id, char *out, size_t len)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT path FROM units WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	e = XA_ENOTFOUND;
	if (db_step(st) == 1) {
		int n = snprintf(out, len, "%s", db_col_text(st, 0));
		e = n < 0 || (size_t)n >= len ? XA_ETOOBIG : XA_OK;
	}
	db_done(st);
	return e;
}

xa_err
unit_insert(db *conn, const unit_new *u, int64_t now, int64_t *id)
{
	char parent[96] = "/";
	db_stmt *st = NULL;
	const char *stypes = u->school_type ? u->school_type : "";
	const char *atypes = u->agency_type ? u->agency_type : "";
	const char *stages = u->stages ? u->stages : "";
	if (!in_list(unit_kinds, u->kind) || u->name == NULL || u->name[0] == '\0' ||
	    (stypes[0] && !in_list(school_types, stypes)) ||
	    (atypes[0] && !in_list(agency_types, atypes)) || !stages_ok(stages))
		return XA_EINVAL;
	if ((u->parent_id == 0) != (strcmp(u->kind, "bureau") == 0))
		return XA_EINVAL;
	if (u->parent_id != 0) {
		xa_err pe = unit_path(conn, u->parent_id, parent, sizeof parent);
		if (pe != XA_OK)
			return pe == XA_ENOTFOUND ? XA_EINVAL : pe;
	}
	xa_err e = db_prepare(conn,
	    "INSERT INTO units (parent_id, path, kind, name, code, school_type,"
	    " ownership, direct, agency_type, township_id, address, stages,"
	    " created_at, updated_at) VALUES (?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    &st);
	if (e != XA_OK)
		return e;
	if (u->parent_id != 0)
		db_bind_int(st, 1, u->parent_id);
	else
		db_bind_null(st, 1);
	db_bind_text(st, 2, u->kind, -1);
	db_bind_text(st, 3, u->name, -1);
	if (u->code != NULL && u->code[0] != '\0')
		db_bind_text(st, 4, u->code, -1);
	else
		db_bind_null(st, 4);
	db_bind_text(st, 5, stypes, -1);
	db_bind_text(st, 6, u->ownership ? u->ownership : "", -1);
	db_bind_int(st, 7, u->direct);
	db_bind_text(st, 8, atypes, -1);
	if (u->township_id != 0)
		db_bind_int(st, 9, u->township_id);
	else
		db_bind_null(st, 9);
	db_bind_text(st, 10, u->address ? u->address : "", -1);
	db_bind_text(st, 11, stages, -1);
	db_bind_int(st, 12, now);
	db_bind_int(st, 13, now);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	int64_t nid = db_last_id(conn);
	char path[128];
	int n = snprintf(path, sizeof path, "%s%lld/", parent, (long long)nid);
	if (n < 0 || (size_t)n >= 96)
		return XA_ETOOBIG;
	if ((e = db_prepare(conn, "UPDATE units SET path = ? WHERE id = ?", &st)) != XA_OK)
		return e;
	db_bind_text(st, 1, path, -1);
	db_bind_int(st, 2, nid);
	rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (id != NULL)
		*id = nid;
	return XA_OK;
}

/* --- What the registry's pages and API add (see org.h). */

const char *const committee_roles[] = { "chair", "vice_chair", "member",
	"secretary", NULL };

int
org_known(const char *const *list, const char *v)
{
	return v != NULL && in_list(list, v);
}

int
org_stages_ok(const char *stages)
{
	return stages != NULL && stages_ok(stages);
}

const char *
stages_for_type(const char *t)
{
	static const struct {
		const char *type, *stages;
	} map[] = {
		{ "primary", "primary" },
		{ "junior", "junior" },
		{ "senior", "senior" },
		{ "nine_year", "primary,junior" },
		{ "twelve_year", "primary,junior,senior" },
		{ "vocational", "vocational" },
		{ "special", "primary,junior" },
	};
	for (size_t i = 0; t != NULL && i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i].type, t) == 0)
			return map[i].stages;
	return "";
}

xa_err
unit_bureau(db *conn, int64_t *id, char *path, size_t len)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT id, path FROM units WHERE kind = 'bureau'"
	    " AND parent_id IS NULL ORDER BY id LIMIT 1", &st);
	if (e != XA_OK)
		return e;
	e = XA_ENOTFOUND;
	if (db_step(st) == 1) {
		*id = db_col_int(st, 0);
		int n = snprintf(path, len, "%s", db_col_text(st, 1));
		e = n < 0 || (size_t)n >= len ? XA_ETOOBIG : XA_OK;
	}
	db_done(st);
	return e;
}

/* The changeable columns: each with its own statement, written out so
 * that no SQL is ever assembled from a name. */
static const struct {
	const char *name;
	const char *sql;
	int numeric, contact;
} unit_cols[UC__COUNT] = {
	[UC_NAME] = { "name", "UPDATE units SET name = ?, updated_at = ? WHERE id = ?", 0, 0 },
	[UC_ALIASES] = { "aliases", "UPDATE units SET aliases = ?, updated_at = ? WHERE id = ?", 0, 0 },
	[UC_CODE] = { "code", "UPDATE units SET code = ?, updated_at = ? WHERE id = ?", 0, 0 },
	[UC_SCHOOL_TYPE] = { "school_type", "UPDATE units SET school_type = ?, updated_at = ? WHERE id = ?", 0, 0 },
	[UC_OWNERSHIP] = { "ownership", "UPDATE units SET ownership = ?, updated_at = ? WHERE id = ?", 0, 0 },
	[UC_DIRECT] = { "direct", "UPDATE units SET direct = ?, updated_at = ? WHERE id = ?", 1, 0 },
	[UC_AGENCY_TYPE] = { "agency_type", "UPDATE units SET agency_type = ?, updated_at = ? WHERE id = ?", 0, 0 },
	[UC_ADDRESS] = { "address", "UPDATE units SET address = ?, updated_at = ? WHERE id = ?", 0, 0 },
	[UC_STAGES] = { "stages", "UPDATE units SET stages = ?, updated_at = ? WHERE id = ?", 0, 0 },
	[UC_OFFICE_NAME] = { "office_name", "UPDATE units SET office_name = ?, updated_at = ? WHERE id = ?", 0, 1 },
	[UC_OFFICE_PHONE] = { "office_phone", "UPDATE units SET office_phone = ?, updated_at = ? WHERE id = ?", 0, 1 },
	[UC_OFFICE_EMAIL] = { "office_email", "UPDATE units SET office_email = ?, updated_at = ? WHERE id = ?", 0, 1 },
	[UC_LEGAL_VP_PHONE] = { "legal_vp_phone", "UPDATE units SET legal_vp_phone = ?, updated_at = ? WHERE id = ?", 0, 1 },
	[UC_SAFETY_LEAD_PHONE] = { "safety_lead_phone", "UPDATE units SET safety_lead_phone = ?, updated_at = ? WHERE id = ?", 0, 1 },
	[UC_ACTIVE] = { "active", "UPDATE units SET active = ?, updated_at = ? WHERE id = ?", 1, 0 },
};

const char *
unit_col_name(enum unit_col c)
{
	return (unsigned)c < UC__COUNT ? unit_cols[c].name : "";
}

int
unit_col_is_contact(enum unit_col c)
{
	return (unsigned)c < UC__COUNT && unit_cols[c].contact;
}

/* Checks a value against what its column may hold: the enumerations of
 * org.h for the typed columns, 0/1 for the flags. */
static int
unit_value_ok(enum unit_col c, const char *text, int64_t num)
{
	switch (c) {
	case UC_NAME:
		return text != NULL && text[0] != '\0';
	case UC_SCHOOL_TYPE:
		return text != NULL && (text[0] == '\0' || in_list(school_types, text));
	case UC_AGENCY_TYPE:
		return text != NULL && (text[0] == '\0' || in_list(agency_types, text));
	case UC_OWNERSHIP:
		return text != NULL && (text[0] == '\0' || strcmp(text, "public") == 0 ||
		    strcmp(text, "private") == 0);
	case UC_STAGES:
		return text != NULL && stages_ok(text);
	case UC_DIRECT:
	case UC_ACTIVE:
		return num == 0 || num == 1;
	case UC_CODE:
		return 1;
	default:
		return text != NULL;
	}
}

xa_err
unit_set(db *conn, int64_t id, enum unit_col c, const char *text, int64_t num,
    int64_t now)
{
	db_stmt *st = NULL;
	if ((unsigned)c >= UC__COUNT || !unit_value_ok(c, text, num))
		return XA_EINVAL;
	xa_err e = db_prepare(conn, unit_cols[c].sql, &st);
	if (e != XA_OK)
		return e;
	if (unit_cols[c].numeric)
		db_bind_int(st, 1, num);
	else if (c == UC_CODE && (text == NULL || text[0] == '\0'))
		db_bind_null(st, 1);
	else
		db_bind_text(st, 1, text, -1);
	db_bind_int(st, 2, now);
	db_bind_int(st, 3, id);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	return db_changes(conn) == 1 ? XA_OK : XA_ENOTFOUND;
}

xa_err
unit_move_school(db *conn, int64_t id, int64_t township_id, int64_t now)
{
	char parent[96], path[128];
	int64_t pid = township_id;
	db_stmt *st = NULL;
	xa_err e;
	if (township_id == 0) {
		e = unit_bureau(conn, &pid, parent, sizeof parent);
	} else {
		e = db_prepare(conn, "SELECT path FROM units WHERE id = ? AND kind = 'township'",
		    &st);
		if (e != XA_OK)
			return e;
		db_bind_int(st, 1, township_id);
		e = XA_EINVAL;
		if (db_step(st) == 1) {
			int n = snprintf(parent, sizeof parent, "%s", db_col_text(st, 0));
			e = n < 0 || (size_t)n >= sizeof parent ? XA_ETOOBIG : XA_OK;
		}
		db_done(st);
	}
	if (e != XA_OK)
		return e;
	int n = snprintf(path, sizeof path, "%s%lld/", parent, (long long)id);
	if (n < 0 || (size_t)n >= 96)
		return XA_ETOOBIG;
	if ((e = db_prepare(conn, "UPDATE units SET parent_id = ?, township_id = ?,"
	    " path = ?, updated_at = ? WHERE id = ? AND kind = 'school'", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, pid);
	if (township_id != 0)
		db_bind_int(st, 2, township_id);
	else
		db_bind_null(st, 2);
	db_bind_text(st, 3, path, -1);
	db_bind_int(st, 4, now);
	db_bind_int(st, 5, id);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	return db_changes(conn) == 1 ? XA_OK : XA_ENOTFOUND;
}

xa_err
classes_replace(db *conn, int64_t unit, const class_row *rows, size_t n)
{
	/* A class that stays (same grade and name) keeps its id, so what
	 * names it by id (a survey's slips) still finds it; the others go,
	 * and the new ones come. Marked first, then swept. */
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "UPDATE classes SET boys = -1 - boys WHERE unit_id = ?",
	    &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	for (size_t i = 0; i < n; i++) {
		const class_row *c = &rows[i];
		if (c->grade < 1 || c->grade > 12 || c->name == NULL || c->name[0] == '\0' ||
		    c->boys < 0 || c->girls < 0)
			return XA_EINVAL;
		for (size_t k = 0; k < i; k++)
			if (rows[k].grade == c->grade && strcmp(rows[k].name, c->name) == 0)
				return XA_EEXIST;
		if ((e = db_prepare(conn, "INSERT INTO classes (unit_id, grade, name, boys,"
		    " girls) VALUES (?, ?, ?, ?, ?) ON CONFLICT (unit_id, grade, name) DO UPDATE"
		    " SET boys = excluded.boys, girls = excluded.girls", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, unit);
		db_bind_int(st, 2, c->grade);
		db_bind_text(st, 3, c->name, -1);
		db_bind_int(st, 4, c->boys);
		db_bind_int(st, 5, c->girls);
		rc = db_step(st);
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
	}
	/* Still marked: not in the new list. */
	if ((e = db_prepare(conn, "DELETE FROM classes WHERE unit_id = ? AND boys < 0",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

xa_err
committee_add(db *conn, const member_new *m, int64_t now, int64_t *id)
{
	db_stmt *st = NULL;
	const char *to = m->to_date ? m->to_date : "";
	if (!in_list(committee_roles, m->role) || !in_list(member_types, m->member_type) ||
	    m->name == NULL || m->name[0] == '\0' || m->from_date == NULL ||
	    strlen(m->from_date) != 10 || (to[0] != '\0' && strcmp(to, m->from_date) < 0))
		return XA_EINVAL;
	xa_err e = db_prepare(conn, "INSERT INTO committee_members (unit_id, account_id,"
	    " name, role, member_type, from_date, to_date, created_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, m->unit_id);
	if (m->account_id != 0)
		db_bind_int(st, 2, m->account_id);
	else
		db_bind_null(st, 2);
	db_bind_text(st, 3, m->name, -1);
	db_bind_text(st, 4, m->role, -1);
	db_bind_text(st, 5, m->member_type, -1);
	db_bind_text(st, 6, m->from_date, -1);
	db_bind_text(st, 7, to, -1);
	db_bind_int(st, 8, now);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (id != NULL)
		*id = db_last_id(conn);
	return XA_OK;
}

xa_err
committee_end(db *conn, int64_t unit, int64_t member, const char *to_date)
{
	db_stmt *st = NULL;
	char from[16] = "", to[16] = "";
	xa_err e = db_prepare(conn, "SELECT from_date, to_date FROM committee_members"
	    " WHERE id = ? AND unit_id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, member);
	db_bind_int(st, 2, unit);
	e = XA_ENOTFOUND;
	if (db_step(st) == 1) {
		snprintf(from, sizeof from, "%s", db_col_text(st, 0));
		snprintf(to, sizeof to, "%s", db_col_text(st, 1));
		e = XA_OK;
	}
	db_done(st);
	if (e != XA_OK)
		return e;
	if (to[0] != '\0')
		return XA_EEXIST;
	if (to_date == NULL || strlen(to_date) != 10 || strcmp(to_date, from) < 0)
		return XA_EINVAL;
	if ((e = db_prepare(conn, "UPDATE committee_members SET to_date = ?"
	    " WHERE id = ? AND unit_id = ? AND to_date = ''", &st)) != XA_OK)
		return e;
	db_bind_text(st, 1, to_date, -1);
	db_bind_int(st, 2, member);
	db_bind_int(st, 3, unit);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	return db_changes(conn) == 1 ? XA_OK : XA_EEXIST;
}

int
committee_student_rep_required(long rule, const char *stages)
{
	if (rule >= 2)
		return 1;
	return rule == 1 && stages != NULL && stages_beyond_compulsory(stages);
}

xa_err
committee_check_on(db *conn, int64_t unit, const char *day, long rule,
    const char *stages, committee_check *out)
{
	db_stmt *st = NULL;
	memset(out, 0, sizeof *out);
	out->student_rep_required = committee_student_rep_required(rule, stages);
	xa_err e = db_prepare(conn, "SELECT role, member_type FROM committee_members"
	    " WHERE unit_id = ? AND from_date <= ? AND (to_date = '' OR to_date >= ?)",
	    &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	db_bind_text(st, 2, day, -1);
	db_bind_text(st, 3, day, -1);
	int rc;
	while ((rc = db_step(st)) == 1) {
		const char *role = db_col_text(st, 0), *type = db_col_text(st, 1);
		out->members++;
		out->chair |= strcmp(role, "chair") == 0;
		out->legal |= strcmp(type, "legal_vp") == 0 || strcmp(type, "legal_adviser") == 0;
		out->parent_rep |= strcmp(type, "parent_rep") == 0;
		out->outside_expert |= strcmp(type, "outside_expert") == 0;
		out->student_rep |= strcmp(type, "student_rep") == 0;
	}
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

int
committee_complete(const committee_check *c)
{
	return c->chair && c->legal && c->parent_rep && c->outside_expert &&
	    (c->student_rep || !c->student_rep_required);
}
