/* org.h: the organisation registry: the unit tree (the bureau, its
 * sections and office, townships, schools, partner agencies), schools'
 * classes and head counts, and school committees over time.
 *
 * Writers take the writer's connection and are called inside a writer
 * job or the command line's own transaction, next to their audit
 * record. Readers take any connection. */
#ifndef XA_ORG_H
#define XA_ORG_H

#include <stdint.h>

#include "../core/err.h"
#include "../store/db.h"

/* kind */
extern const char *const unit_kinds[];		/* bureau section office township school agency */
extern const char *const school_types[];	/* primary junior senior nine_year twelve_year vocational special */
extern const char *const agency_types[];	/* police court procuratorate civil_affairs justice hr_social_security youth_league womens_federation disabled_federation */
extern const char *const stage_names[];		/* primary junior senior vocational */

typedef struct unit_new {
	int64_t parent_id;		/* 0 only for the bureau itself */
	const char *kind;
	const char *name;
	const char *code;		/* NULL: none */
	const char *school_type;	/* "" unless a school */
	const char *ownership;		/* public | private | "" */
	int direct;			/* 局直 */
	const char *agency_type;	/* "" unless an agency */
	int64_t township_id;		/* 0: none */
	const char *address;
	const char *stages;		/* "primary,junior" */
} unit_new;

/* Inserts a unit under parent_id and sets its path ("/1/4/27/"). XA_EINVAL
 * for an unknown kind, type or stage, or a parent that does not exist;
 * XA_EEXIST for a code already used. */
xa_err unit_insert(db *conn, const unit_new *u, int64_t now, int64_t *id);

/* The path of unit id into out. XA_ENOTFOUND if there is none. */
xa_err unit_path(db *conn, int64_t id, char *out, size_t len);

/* 1 when the stages list names a stage outside compulsory education
 * (senior, vocational): such a school may use the discipline grades
 * 勒令退学 and 开除 and, by the default rule, needs a student
 * representative on its committee. */
int stages_beyond_compulsory(const char *stages);

/* --- Added for the registry's pages and API (org_http.c). */

/* 1 when v is one of the NULL-terminated list's names. */
int org_known(const char *const *list, const char *v);

/* 1 when every comma-separated name in stages is a known stage (the
 * empty list too). */
int org_stages_ok(const char *stages);

/* The stages a school of this type teaches when none are given:
 * nine_year → "primary,junior", twelve_year → "primary,junior,senior",
 * special → "primary,junior", the others their own stage. */
const char *stages_for_type(const char *school_type);

/* The bureau: the root unit (kind bureau, no parent). XA_ENOTFOUND on an
 * empty database. */
xa_err unit_bureau(db *conn, int64_t *id, char *path, size_t len);

/* A unit's columns that may change after it was created. The table of
 * them lives in units.c; each has its own UPDATE statement, so no SQL is
 * ever built from a name. */
enum unit_col {
	UC_NAME, UC_ALIASES, UC_CODE, UC_SCHOOL_TYPE, UC_OWNERSHIP, UC_DIRECT,
	UC_AGENCY_TYPE, UC_ADDRESS, UC_STAGES, UC_OFFICE_NAME, UC_OFFICE_PHONE,
	UC_OFFICE_EMAIL, UC_LEGAL_VP_PHONE, UC_SAFETY_LEAD_PHONE, UC_ACTIVE,
	UC__COUNT
};
/* The column's name ("office_phone"), as in the API and the audit log. */
const char *unit_col_name(enum unit_col c);
/* 1 for the public contact's columns (what a principal may change). */
int unit_col_is_contact(enum unit_col c);

/* Sets one column of unit id. Text columns take text (NULL for UC_CODE
 * clears the code); UC_DIRECT and UC_ACTIVE take num. XA_EEXIST when a
 * code is already used, XA_EINVAL for a value the column cannot hold.
 * Writer only. */
xa_err unit_set(db *conn, int64_t id, enum unit_col c, const char *text,
    int64_t num, int64_t now);

/* Moves a school to another township (or to the bureau when township_id
 * is 0): its parent, its township and its path change together. A
 * school has no units under it, so no other path changes. Writer only. */
xa_err unit_move_school(db *conn, int64_t id, int64_t township_id,
    int64_t now);

/* One class of a school with its head count. */
typedef struct class_row {
	int grade;		/* 1..12: 一年级 .. 高三 */
	const char *name;	/* "1班" */
	int boys, girls;
} class_row;

/* Replaces the classes of unit by rows[0..n): a class of the same grade
 * and name keeps its id (and takes the new head counts), the others are
 * deleted and the new ones added. XA_EEXIST when two rows share grade
 * and name. Writer only. */
xa_err classes_replace(db *conn, int64_t unit, const class_row *rows,
    size_t n);

/* The committee's roles, and one member as added. */
extern const char *const committee_roles[];	/* chair vice_chair member secretary */

typedef struct member_new {
	int64_t unit_id;
	int64_t account_id;	/* 0: a member without an account */
	const char *name;
	const char *role;
	const char *member_type;
	const char *from_date;	/* YYYY-MM-DD */
	const char *to_date;	/* "" while sitting; the last day, inclusive */
} member_new;

/* Adds a member. XA_EINVAL for an unknown role or type, or dates out of
 * order. Writer only. */
xa_err committee_add(db *conn, const member_new *m, int64_t now, int64_t *id);

/* Ends member's term on to_date (its last day). XA_ENOTFOUND when the
 * member is not on unit's roll, XA_EEXIST when the term has already
 * ended, XA_EINVAL when to_date is before the term began. Writer only. */
xa_err committee_end(db *conn, int64_t unit, int64_t member,
    const char *to_date);

/* What the composition check found on one day (regulation.md §2). */
typedef struct committee_check {
	int chair;		/* a member with role chair (the principal) */
	int legal;		/* a legal vice-principal or legal adviser */
	int parent_rep;
	int outside_expert;
	int student_rep;
	int student_rep_required;	/* by the committee.student_rep rule */
	int members;		/* how many sat that day */
} committee_check;

/* Whether the rule (setting committee.student_rep: 0 never, 1 where the
 * school teaches beyond compulsory education, 2 always) asks a school
 * with these stages for a student representative. */
int committee_student_rep_required(long rule, const char *stages);

/* Checks the roster of unit on day (YYYY-MM-DD) under rule. */
xa_err committee_check_on(db *conn, int64_t unit, const char *day, long rule,
    const char *stages, committee_check *out);
/* 1 when every required member is there. */
int committee_complete(const committee_check *c);

/* The bureau's calendar (calendar_days) as a calendar.h table; the caller
 * frees it with calendar_free(). */
struct calendar;
xa_err calendar_load(db *conn, struct calendar *out);

#endif
