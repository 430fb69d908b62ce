/* directory.h: the public directory of anti-bullying offices and its
 * filing (备案), the notice's 四(四).
 *
 * A school files its office's entry (name, phone, e-mail, hours, place,
 * a contact when it chooses to name one, its work plan as a PDF); the
 * bureau's office approves or refuses it with a reason. Only an approved
 * filing is live, and only live entries reach the public. A change is a
 * new filing: the live entry stays up until the change is approved, then
 * the old one is marked superseded. Filing again while a filing waits
 * withdraws the waiting one. The bureau's own entry is set by its office
 * and is live at once (the office would otherwise approve its own work).
 *
 * Writers take the writer's connection inside a writer job (or the
 * demo's transaction) and never write an audit record: the caller writes
 * it beside the change. Nothing here reads the clock. */
#ifndef XA_DIRECTORY_H
#define XA_DIRECTORY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/buf.h"
#include "../core/err.h"
#include "../store/db.h"

/* The largest plan accepted (the server's upload_max may be lower). */
#define DIR_PLAN_MAX (10u << 20)
/* A unit's name (the registry's 100 characters) as UTF-8, with its NUL:
 * every buffer that holds a school's or a township's name has this size,
 * so a name is never cut inside a character. */
#define DIR_NAME_BYTES (100 * 4 + 1)
/* A plan's stored file name, in characters: it is sent back in a
 * Content-Disposition header, percent-encoded, which must fit. */
#define DIR_PLAN_NAME_MAX 60
#define DIR_PLAN_NAME_BYTES (DIR_PLAN_NAME_MAX * 4 + 1)

/* An entry as filed. hours, location, contact and note may be NULL. */
typedef struct dir_entry {
	const char *office_name;	/* 2..64 characters */
	const char *phone;		/* dir_phone_ok() */
	const char *email;		/* dir_email_ok() */
	const char *hours;		/* office hours, free text */
	const char *location;		/* where the office is */
	const char *contact;		/* a person to ask for, the school's choice */
	const char *note;		/* to the office, never published */
} dir_entry;

/* A plan as uploaded. */
typedef struct dir_plan {
	const char *name;		/* the file's name as sent */
	const void *data;
	size_t len;
	const char *digest;		/* SM3 of data in hex, or NULL: computed
					 * here (slow for a large file: the
					 * handlers compute it on a worker) */
} dir_plan;

/* 1 when data starts with "%PDF-" and ends (give or take trailing
 * blanks, within its last 1 KiB) with "%%EOF": a PDF, and not cut off. */
int dir_is_pdf(const void *data, size_t n);
/* 1 for a phone number as people write them: 5 to 32 characters, at
 * least 5 digits, otherwise only spaces, - + ( ) / , and 转 、，（）. */
int dir_phone_ok(const char *s);
/* 1 for an e-mail address: local@domain.tld in ASCII, up to 100 bytes. */
int dir_email_ok(const char *s);

/* The name a plan is stored and sent under, from the name it was
 * uploaded with, into out: "plan.pdf" for a missing name or one that is
 * not one line of UTF-8; a name of more than DIR_PLAN_NAME_MAX characters
 * cut on a character boundary so that, with its ".pdf" kept (or added),
 * it holds DIR_PLAN_NAME_MAX. */
void dir_plan_name(const char *name, char out[DIR_PLAN_NAME_BYTES]);

/* Files e (and plan, or NULL) for unit. A new plan is stored (under
 * dir_plan_name()); without one, the filing keeps the plan of the unit's
 * live entry, if any. A filing already waiting is withdrawn (*withdrawn
 * gets its id, else 0). With live_now (the bureau's own entry), the
 * filing is live at once and supersedes the live one (*superseded gets
 * its id, else 0). The caller audits each filing that changed. XA_EINVAL
 * for a bad field or a plan that is not a PDF; XA_ETOOBIG for a plan
 * over DIR_PLAN_MAX. Writer only. */
xa_err dir_file(db *conn, int64_t unit, const dir_entry *e, const dir_plan *plan,
    int live_now, int64_t by, int64_t now, int64_t *id, int64_t *withdrawn,
    int64_t *superseded);

/* Approves unit's waiting filing, which must be `filing` (not 0: the
 * office approves only the filing it saw): it goes live and the live one
 * is superseded (*superseded gets its id, else 0). XA_EINVAL for filing
 * 0; XA_ECONFLICT when nothing waits or another filing does. *id gets
 * the filing's id. Writer only. */
xa_err dir_approve(db *conn, int64_t unit, int64_t filing, int64_t by,
    int64_t now, int64_t *id, int64_t *superseded);
/* Refuses it with a reason (1..500 characters); the live entry stays.
 * Same errors, and XA_EINVAL for an empty reason. Writer only. */
xa_err dir_refuse(db *conn, int64_t unit, int64_t filing, const char *reason,
    int64_t by, int64_t now, int64_t *id);

/* One live entry, as the public sees it. */
typedef struct dir_row {
	int64_t unit_id;
	int64_t township_id;		/* 0: directly under the bureau */
	int64_t filing_id;
	int64_t approved_at;
	int64_t plan_size;		/* 0: no plan */
	char name[DIR_NAME_BYTES];	/* the school */
	char township[DIR_NAME_BYTES];
	char office_name[256];
	char phone[136];
	char email[104];
	char hours[408];
	char location[408];
	char contact[136];
} dir_row;

/* The live entries of active schools, ordered by township (the
 * registry's order; schools directly under the bureau last) then name;
 * only those whose name or aliases contain q (when q is not NULL or
 * empty; ASCII letters match either case, and spaces around q are
 * ignored) and, when township >= 0, in that township (0: directly under
 * the bureau). *out is malloc'd (free() it); *n may be 0. */
xa_err dir_live(db *conn, const char *q, int64_t township, dir_row **out,
    size_t *n);

/* The bureau's live entry into *out (unit_id is the bureau's); 0 in
 * filing_id when the office has set none. */
xa_err dir_bureau_live(db *conn, dir_row *out);

/* Draws a one-page A4 work plan "SCHOOL防治学生欺凌工作方案" with a few
 * real sections, in Chinese, as a PDF appended to out (the demo's
 * plans). Slow (tens of milliseconds): never on an event loop. */
xa_err dir_demo_plan_pdf(const char *school, const char *office,
    const char *phone, const char *date, buf *out);

/* Adds this part's demo data to the demo city (one transaction, the
 * caller's): the bureau's own entry; every school's filing approved with
 * a drawn plan, except a couple that never filed; a few schools with a
 * change waiting for approval and one refused. Each row with its audit
 * record (source "xiaoan demo"). Deterministic from seed besides the
 * audit chain's times. Prints one line to out (may be NULL). */
xa_err directory_demo(db *d, uint64_t seed, int64_t now, FILE *out, char *err,
    size_t errlen);

#endif
