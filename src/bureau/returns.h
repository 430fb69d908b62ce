/* returns.h: the schools' monthly returns (月报, issue 7): one return per
 * school per month, drafted live from the school's own cases and
 * prevention records, checked and submitted by the school (the figures
 * frozen then), accepted or sent back by the bureau's office; the due
 * date, lateness, the city's sums and the demo's school year.
 *
 * A month is a calendar month in the bureau's zone. A return's id is the
 * pair (school, month) as one number, unit_id * 1000000 + YYYYMM, so a
 * draft has an address before anything is stored; a row exists from the
 * first submission on (0010_returns.sql).
 *
 * Nothing here reads the clock (callers pass now), answers a request or
 * writes an audit record: writers run on the writer's connection inside
 * a writer job (or the demo's transaction) and the caller audits beside
 * them. Never: count a name, or change a submitted return's figures
 * except by the school's own resubmission after a send-back. */
#ifndef XA_RETURNS_H
#define XA_RETURNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/calendar.h"
#include "../core/config.h"
#include "../core/err.h"
#include "../store/db.h"

/* A unit's name as the registry takes it: at most 100 code points
 * (org_http.c), up to 4 bytes each in UTF-8, and the NUL. */
#define RET_NAME_MAX 100
#define RET_NAME_BYTES (RET_NAME_MAX * 4 + 1)

/* How far back a return may be drafted and submitted: the current month
 * and the RET_MONTHS_BACK before it (docs/internals/returns.md). */
#define RET_MONTHS_BACK 24

/* ---- Months. */

typedef struct ret_month {
	int year;	/* 2000..9999 */
	int mon;	/* 1..12 */
} ret_month;

/* Parses "YYYY-MM" (years 2000..9999). XA_EINVAL otherwise. */
xa_err ret_month_parse(const char *s, ret_month *out);
/* Writes "YYYY-MM". */
void ret_month_format(const ret_month *m, char out[8]);
/* The month a day falls in. */
void ret_month_of(xa_day d, ret_month *out);
/* m moved by delta months (negative: back). */
void ret_month_add(ret_month *m, int delta);
/* <0, 0, >0 as a is before, the same as, after b. */
int ret_month_cmp(const ret_month *a, const ret_month *b);
/* The month's first day, and the first day of the month after. */
xa_day ret_month_first(const ret_month *m);
xa_day ret_month_next(const ret_month *m);
/* The due date of m's return: day due_day (1..28) of the next month. */
xa_day return_due(const ret_month *m, long due_day);
/* The earliest month a return may be submitted for on today: the
 * month RET_MONTHS_BACK before today's. */
void return_month_floor(xa_day today, ret_month *out);


/* ---- Ids. */

/* The id of school unit's return for m. */
int64_t return_id(int64_t unit, const ret_month *m);
/* The school and month of an id; XA_EINVAL when it names no month. */
xa_err return_id_split(int64_t id, int64_t *unit, ret_month *m);

/* ---- Figures. */

enum return_fig {
	RF_NEW, RF_CLOSED, RF_OPEN, RF_OVERDUE, RF_APPEALED, RF_REFERRED,
	RF_BULLYING, RF_NOT_BULLYING,
	RF_TIER_GENERAL, RF_TIER_SERIOUS, RF_TIER_REPEATED, RF_TIER_UNLAWFUL,
	RF_BEH_PHYSICAL, RF_BEH_VERBAL, RF_BEH_PROPERTY, RF_BEH_EXCLUSION, RF_BEH_ONLINE,
	RF_BEH_OTHER,
	RF_STAGE_PRIMARY, RF_STAGE_JUNIOR, RF_STAGE_SENIOR, RF_STAGE_VOCATIONAL,
	RF_STAGE_UNKNOWN,
	RF_PLACE_IN_SCHOOL, RF_PLACE_OUTSIDE, RF_PLACE_ONLINE, RF_PLACE_UNKNOWN,
	RF_SESSIONS, RF_PARENT_SESSIONS, RF_STAFF_SESSIONS, RF_PARTICIPANTS,
	RF_CLASS_MEETINGS, RF_SCREENINGS, RF_TRAINING, RF_TRAINING_TENTHS,
	RF__COUNT
};

/* Each figure's stored name ("cases.new", "tier.general", ...; its label
 * is the catalog key "returns.fig.<name>") and its group: cases,
 * incidents, tier, behaviour, stage, place, prevention. */
struct return_fig_def {
	const char *name;
	const char *group;
};
extern const struct return_fig_def return_figs[RF__COUNT];

typedef struct ret_figures {
	long long v[RF__COUNT];
} ret_figures;

/* 1 when every figure is 0: a zero return. */
bool ret_figures_zero(const ret_figures *f);

/* Drafts school unit's figures for m from its rows on conn, months and
 * days in zone (see docs/internals/returns.md for what each counts). */
xa_err return_draft(db *conn, int64_t unit, const ret_month *m, long zone,
    ret_figures *out);

/* ---- Stored returns. */

enum return_state { RS_DRAFT, RS_SUBMITTED, RS_ACCEPTED, RS_SENT_BACK, RS__COUNT };
/* "draft" "submitted" "accepted" "sent_back", NULL-terminated; the
 * catalog key is "returns.state.<name>". */
extern const char *const return_states[];

/* The school's remarks and the office's reason, in code points (the
 * forms' limits, returns_http.c). */
#define RET_REMARKS_MAX 1000
#define RET_REASON_MAX 500

typedef struct return_row {
	int64_t id, unit_id;
	ret_month month;
	bool stored;			/* a row exists (submitted at least once) */
	enum return_state state;	/* RS_DRAFT when not stored */
	bool zero, late;
	char due_on[11];		/* as first submitted; "" for a draft */
	int submissions;
	int64_t first_submitted_at, submitted_at, submitted_by;
	int64_t reviewed_at, reviewed_by;
	char remarks[RET_REMARKS_MAX * 4 + 1];
	char reason[RET_REASON_MAX * 4 + 1];
} return_row;

/* The return of id as stored, or a draft (stored false) when no row is.
 * Says nothing about whether the school exists. Text longer than its
 * field (written behind the program's back) is cut between characters. */
xa_err return_get(db *conn, int64_t id, return_row *out);
/* The frozen figures of a stored return. */
xa_err return_figures_get(db *conn, int64_t id, ret_figures *out);

/* Submits school unit's return for m: drafts it on conn, freezes the
 * figures, records the history. unit must be an active school
 * (XA_ENOTFOUND otherwise); the month must have ended by now and not lie
 * before return_month_floor (XA_EINVAL otherwise); a zero return needs
 * confirm_zero (XA_EMISSING);
 * only a draft or a sent-back return may be submitted (XA_ECONFLICT).
 * The due date and lateness are fixed at the first submission. *zero
 * (may be NULL) receives whether it was a zero return. Writer only. */
xa_err return_submit(db *conn, int64_t unit, const ret_month *m, const char *remarks,
    bool confirm_zero, long due_day, long zone, int64_t by, int64_t now, bool *zero);
/* The office accepts a submitted return (accept) or sends it back with
 * reason. XA_ENOTFOUND when nothing was submitted, XA_ECONFLICT unless it
 * is waiting for review. Writer only. */
xa_err return_review(db *conn, int64_t id, bool accept, const char *reason, int64_t by,
    int64_t now);

/* ---- A month across the schools. */

typedef struct return_school {
	int64_t unit_id, township_id;	/* township 0: directly under the bureau */
	char name[RET_NAME_BYTES], path[96], township[RET_NAME_BYTES];
	enum return_state state;	/* RS_DRAFT: nothing submitted */
	bool late;			/* first submitted after the due date */
	bool missing;			/* not submitted and the due date has passed */
	bool counted;			/* submitted or accepted: f holds its figures */
	int64_t submitted_at;
	ret_figures f;
} return_school;

/* Every active school whose path lies under scope, with its return for
 * m: state, lateness, and the frozen figures of those submitted or
 * accepted (a draft or a sent-back return counts in no sum). due is the
 * due date under today's setting, for the missing ones. *out is
 * malloc'd (free() it), ordered by township (registry order, schools
 * directly under the bureau last), then name. */
xa_err return_month_list(db *conn, const char *scope, const ret_month *m, xa_day due,
    xa_day today, return_school **out, size_t *n);

/* The city's (scope's) sums of counted returns for the 12 months ending
 * with m: sums[0] is the oldest; reported[i] how many returns counted. */
xa_err return_trend(db *conn, const char *scope, const ret_month *m, ret_figures sums[12],
    long reported[12]);

/* ---- Export (returns_export.c). Labels in lang; nothing that names a
 * person: schools, townships and counts. */

/* The month as an xlsx workbook: a summary sheet (per township and the
 * city) and one sheet per township (its schools). Times of submission
 * in zone (seconds east of UTC, the bureau's configured zone). Written to
 * a temporary file under tmpdir and read back into *data (malloc'd). */
xa_err returns_xlsx(const char *lang, const ret_month *m, xa_day due,
    const return_school *s, size_t n, long zone, const char *tmpdir, char **data,
    size_t *len);
/* The month as CSV (UTF-8 with BOM, formulas neutralised), one row per
 * school, times in zone, into *data (malloc'd). */
xa_err returns_csv(const char *lang, const ret_month *m, const return_school *s, size_t n,
    long zone, char **data, size_t *len);

/* ---- Reminders. */

/* For the scheduler, once a minute (sched.h): for last month's return of
 * every active school that has submitted nothing, one return.due notice
 * from RET_REMIND_DAYS days before the due day, and one return.late after
 * it (the key the office's first look uses too), so a school is told of
 * each at most once a month. Writer only; *done: notices recorded. */
#define RET_REMIND_DAYS 3
xa_err returns_remind(db *conn, const config *cfg, int64_t now, size_t *done);

/* ---- Demo. */

/* Adds the school year's returns (September up to last month) to the
 * demo city in d, inside the caller's transaction, with audit records
 * (source "xiaoan demo"): most submitted in time and accepted, some late,
 * some sent back with a reason, some missing, figures drafted from the
 * demo's cases and records. Deterministic from seed. Prints one line to
 * out (may be NULL). On failure err holds a sentence. */
xa_err returns_demo(db *d, uint64_t seed, int64_t now, FILE *out, char *err,
    size_t errlen);

#endif
