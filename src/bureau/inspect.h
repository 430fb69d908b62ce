/* inspect.h: inspection (督导), rectification (整改) and accountability
 * (问责), the notice's 四(二) and regulation.md §6.
 *
 * A checklist is data: items under the notice's six parts with a maximum
 * score and whether evidence is required. A campaign names a checklist,
 * its period, its schools and inspectors; opening it copies the items, so
 * editing the checklist later never changes a campaign under way. An
 * inspector fills one sheet per school (a draft, saved item by item, then
 * submitted); items below full score and findings written out become
 * rectification tasks with a deadline, which the school answers and the
 * inspector re-checks (passed: closed; not passed: back to the school
 * with a new deadline). Accountability records name staff or units, never
 * minors; they are never edited: a correction is a new record naming the
 * one it corrects.
 *
 * Writers take the writer's connection inside a writer job (or the
 * demo's transaction) and never write an audit record themselves: the
 * caller writes it beside the change. Nothing here reads the clock:
 * callers pass now and today, so tests inject them. */
#ifndef XA_INSPECT_H
#define XA_INSPECT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/calendar.h"
#include "../core/err.h"
#include "../store/db.h"

#define INSP_PARTS 6		/* the notice's 三(一)..(六) */
#define INSP_MAX_SCORE 100	/* the largest maximum an item may have */
#define INSP_MAX_ITEMS 100	/* items of one checklist */
#define INSP_EVIDENCE_MAX (5L << 20)	/* bytes of one evidence file */
#define INSP_EVIDENCE_FILES 4	/* files with one save or answer */
/* Text limits in code points (the forms' tables, inspect_http.c), and
 * the bytes a buffer needs for them in UTF-8: 4 a code point and the
 * NUL. A unit's name is the registry's limit (org_http.c). */
#define INSP_UNIT_NAME_MAX 100
#define INSP_NAME_MAX 100	/* a checklist's, a campaign's */
#define INSP_TEXT_MAX 2000	/* a finding, a requirement, a note */
#define INSP_BYTES(cp) ((cp) * 4 + 1)

extern const char *const insp_scopes[];		/* all township list */
extern const char *const insp_task_states[];	/* open answered closed */
extern const char *const acc_subjects[];	/* person unit */
extern const char *const acc_reasons[];		/* case inspection late_return other */
extern const char *const acc_measures[];	/* circular interview discipline other */

/* ---- Checklists (the office's). */

/* A new checklist named name: a copy of copy_from's items when it is not
 * 0 (XA_ENOTFOUND when there is no such checklist). */
xa_err insp_checklist_create(db *conn, const char *name, int64_t copy_from, int64_t by,
    int64_t now, int64_t *id);
/* Adds an item at the end of its part. XA_EINVAL for a part outside
 * 1..6, a maximum outside 1..100 or empty text; XA_ENOTFOUND for no such
 * checklist; XA_ETOOMANY when it already has INSP_MAX_ITEMS. */
xa_err insp_item_add(db *conn, int64_t checklist, int part, const char *text,
    int max_score, int evidence, int64_t now, int64_t *id);
/* Changes an item (moving it to the end of another part). XA_ENOTFOUND
 * when item is not one of checklist's. */
xa_err insp_item_set(db *conn, int64_t checklist, int64_t item, int part,
    const char *text, int max_score, int evidence, int64_t now);
/* Removes an item; XA_ENOTFOUND as above. */
xa_err insp_item_remove(db *conn, int64_t checklist, int64_t item, int64_t now);

/* ---- Campaigns. */

typedef struct insp_campaign_new {
	const char *name;
	const char *starts_on, *ends_on;	/* YYYY-MM-DD, in order */
	int64_t checklist_id;
	const char *scope;			/* insp_scopes */
	int64_t township_id;			/* scope township */
	const int64_t *schools;			/* scope list */
	size_t nschools;
	const int64_t *inspectors;		/* accounts with the inspector role or the office's */
	size_t ninspectors;
	int rectify_days;			/* 1..365 */
	const char *within;			/* schools must lie under this path */
} insp_campaign_new;

/* Creates a draft campaign with its schools (the active schools under
 * within, of the township, or those listed). XA_EINVAL for a bad value,
 * an empty choice of schools, or a school, township or inspector that
 * does not exist or lies outside within; XA_ENOTFOUND for no such
 * checklist. */
xa_err insp_campaign_create(db *conn, const insp_campaign_new *c, int64_t by,
    int64_t now, int64_t *id);
/* Opens a draft campaign, copying its checklist's items. XA_ECONFLICT
 * when it is not a draft, XA_EINVAL when the checklist has no item. */
xa_err insp_campaign_open(db *conn, int64_t id, int64_t now);
/* Closes an open campaign (sheets can no longer change; tasks go on).
 * XA_ECONFLICT when it is not open. */
xa_err insp_campaign_close(db *conn, int64_t id, int64_t now);

/* ---- Filling a sheet. */

/* The sheet of school unit in campaign, made as a draft when there is
 * none yet. XA_ENOTFOUND when the campaign does not cover the school,
 * XA_ECONFLICT when the campaign is not open. */
xa_err insp_sheet(db *conn, int64_t campaign, int64_t unit, int64_t by, int64_t now,
    int64_t *inspection);
/* Sets the visit's day and summary of a draft sheet. XA_ECONFLICT once
 * it is submitted or the campaign is not open. */
xa_err insp_head_set(db *conn, int64_t inspection, const char *visited_on,
    const char *summary, int64_t by, int64_t now);
/* Scores item (of the sheet's campaign) on a draft sheet. XA_ETOOBIG for
 * a score over the item's maximum, XA_EINVAL for a negative one,
 * XA_ENOTFOUND for an item of another campaign, XA_ECONFLICT as above. */
xa_err insp_score_set(db *conn, int64_t inspection, int64_t item, int score,
    const char *note, int64_t by, int64_t now);
/* A finding written out, due on due_on: an open task at once (the
 * inspector hands it over when writing it). XA_ECONFLICT when the
 * campaign is closed. */
xa_err insp_finding_add(db *conn, int64_t inspection, const char *finding,
    const char *requirement, const char *due_on, int64_t by, int64_t now,
    int64_t *task);

enum insp_missing { IM_NONE, IM_SCORE, IM_EVIDENCE, IM_VISIT };

/* Submits a draft sheet: every item scored, evidence where required, the
 * visit's day set (else XA_EMISSING, *missing says what and *item which
 * item). Totals are kept; each item below full score becomes an open task
 * due on due_on. *ntasks: tasks opened. */
xa_err insp_submit(db *conn, int64_t inspection, const char *due_on, int64_t by,
    int64_t now, enum insp_missing *missing, int64_t *item, int *ntasks);

/* Stores a file (already checked and cleaned) as evidence of a score
 * (inspection and item) or of an answer (event). */
xa_err insp_evidence_add(db *conn, int64_t unit, int64_t inspection, int64_t item,
    int64_t event, const char *filename, const char *mime, const void *data,
    size_t len, int64_t by, int64_t now, int64_t *id);

/* ---- Rectification. */

/* The school's answer to an open task. XA_ECONFLICT unless it is open. */
xa_err insp_task_answer(db *conn, int64_t task, const char *text, int64_t by,
    int64_t now, int64_t *event);
/* The inspector's re-check of an answered task: passed closes it; not
 * passed reopens it for the school, due on new_due (required, YYYY-MM-DD).
 * XA_ECONFLICT unless it is answered; XA_EINVAL for a missing new_due. */
xa_err insp_task_recheck(db *conn, int64_t task, int passed, const char *note,
    const char *new_due, int64_t by, int64_t now, int64_t *event);
/* 1 when a task in state, due on due_on, is overdue on today: the school's
 * turn (open) and its last day has passed. */
int insp_task_overdue(const char *state, const char *due_on, xa_day today);

/* ---- Results. */

typedef struct insp_result {
	int64_t unit_id;
	char name[INSP_BYTES(INSP_UNIT_NAME_MAX)];
	char path[96];
	int64_t township_id;		/* 0: directly under the bureau */
	char township[INSP_BYTES(INSP_UNIT_NAME_MAX)];
	int64_t inspection_id;		/* 0: not visited yet */
	int submitted;
	int total, max_total;
	int part[INSP_PARTS], part_max[INSP_PARTS];
	int open_tasks;			/* not closed */
	int overdue_tasks;
} insp_result;

typedef struct insp_township {
	int64_t id;			/* 0: schools directly under the bureau */
	char name[INSP_BYTES(INSP_UNIT_NAME_MAX)];
	int schools, inspected;
	long avg_tenths;		/* average total of the inspected, in tenths */
	int open_tasks, overdue_tasks;
} insp_township;

/* The campaign's results on today: a row per school it covers (ordered
 * by township, then name), and a row per township. Both arrays are
 * malloc'd (free() them). A name longer than its buffer (written behind
 * the program's back) is cut between two characters. */
xa_err insp_results(db *conn, int64_t campaign, xa_day today, insp_result **out,
    size_t *n, insp_township **towns, size_t *ntowns);
/* The townships of res[0..n) (ordered as insp_results orders them):
 * schools, inspected, average, open and overdue tasks of those rows
 * only, so a caller that dropped rows out of its reach sums the rest.
 * *towns is malloc'd (free() it). */
xa_err insp_townships(const insp_result *res, size_t n, insp_township **towns,
    size_t *ntowns);


/* SQL for the path of the unit owning campaign c.id (in a query over
 * insp_campaigns c): the unit of the account that created it; "" when
 * there is none. The campaign is in a caller's reach when the policy
 * allows the action on this path. */
#define INSP_CAMPAIGN_OWNER "coalesce((SELECT ou.path FROM accounts oa JOIN units ou" \
	" ON ou.id = oa.unit_id WHERE oa.id = c.created_by), '')"

/* ---- Accountability. */

typedef struct acc_record {
	const char *subject;		/* acc_subjects */
	const char *person_name;	/* person: required */
	const char *person_post;	/* person: required */
	int64_t unit_id;		/* the unit concerned */
	const char *reason;		/* acc_reasons */
	int64_t ref_id;			/* case or inspection id */
	const char *reference;		/* late_return: YYYY-MM; other: text */
	const char *measure;		/* acc_measures */
	const char *decided_by;
	const char *decided_on;		/* YYYY-MM-DD */
	const char *decision;
	int64_t corrects;		/* 0, or the record this one corrects */
} acc_record;

/* Records rec. XA_EINVAL for a bad value; XA_ENOTFOUND for a case or
 * inspection that does not exist, or a record to correct that does not;
 * XA_ECONFLICT when that record was already corrected. */
xa_err acc_record_add(db *conn, const acc_record *rec, int64_t by, int64_t now,
    int64_t *id);

/* ---- Demo. */

/* Adds this year's inspection campaign over part of the demo city (one
 * transaction, the caller's, with an audit record per change): submitted
 * sheets with scores, findings and rectification tasks (some overdue,
 * some answered and waiting for the re-check, some closed), a few sheets
 * not yet visited, and accountability records for a late return and an
 * inspection. Deterministic from seed. */
xa_err inspect_demo(db *d, uint64_t seed, int64_t now, FILE *out, char *err,
    size_t errlen);

#endif
