/* records.h: a school's prevention work by semester (regulation.md §5):
 * anti-bullying education sessions (for students, parents or staff),
 * class meetings per class, screenings of hidden places with their video
 * coverage, training with its assessment per person; and the compliance
 * view that counts them against the bureau's settings.
 *
 * Semesters follow the Chinese school year: 'YYYY-YYYY-1' runs from 1
 * September to 31 January, 'YYYY-YYYY-2' from 1 February to 31 August
 * (the summer's late entries belong to it); its duties fall due at the end
 * of January and of July. Training counts by school year (September to
 * August) and falls due with the second semester.
 *
 * Records are append-and-correct: a correction is a new record naming the
 * one it replaces; the old one stays, marked superseded, and no longer
 * counts. Nothing here reads the clock: callers pass today, so tests
 * inject it. Writers take the writer's connection inside a writer job (or
 * the demo's transaction) and never write an audit record themselves: the
 * caller writes it beside the change. */
#ifndef XA_RECORDS_H
#define XA_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/arena.h"
#include "../core/calendar.h"
#include "../core/err.h"
#include "../store/db.h"

/* ---- Semesters. */

typedef struct semester {
	char name[16];		/* "2026-2027-1" */
	char year[12];		/* "2026-2027": the school year */
	int half;		/* 1 or 2 */
	xa_day first;		/* 1 September or 1 February */
	xa_day end;		/* when its duties fall due: 31 January or 31 July */
	xa_day last;		/* its last day: 31 January or 31 August */
	xa_day year_end;	/* when the school year's duties (training) fall due */
} semester;

/* The semester a day belongs to. */
void semester_of(xa_day d, semester *out);
/* Parses "YYYY-YYYY-N" (the second year one after the first, N 1 or 2,
 * years 1971..9998). XA_EINVAL otherwise. */
xa_err semester_parse(const char *s, semester *out);
/* The semester before s. */
void semester_prev(const semester *s, semester *out);

/* ---- Records. */

enum prev_kind {
	PK_SESSION,		/* education session (students, parents, staff) */
	PK_MEETING,		/* class meeting */
	PK_SCREENING,		/* screening of hidden places */
	PK_TRAINING,		/* one person's course */
	PK__COUNT
};

extern const char *const prev_audiences[];	/* students parents staff */
extern const char *const prev_places[];		/* stairwell rooftop storeroom toilet ... */
extern const char *const prev_video[];		/* yes partial no */
extern const char *const prev_training_roles[];	/* principal ... other_staff */

/* One record as entered; the fields of other kinds are ignored. */
typedef struct prev_record {
	enum prev_kind kind;
	int64_t unit_id;
	int64_t replaces;	/* 0, or the id of the same school's record it corrects */
	const char *held_on;	/* YYYY-MM-DD, a real date */
	/* sessions and meetings */
	const char *topic;
	const char *notes;
	const char *audience;	/* sessions */
	int participants;	/* sessions */
	int grade;		/* meetings: the class */
	const char *class_name;
	/* screenings */
	const char *places;	/* comma-separated prev_places */
	const char *findings;
	const char *video;
	const char *fixes;
	/* training */
	int64_t account_id;	/* 0: a person without an account */
	const char *name;
	const char *role;
	const char *course;
	int hours_tenths;	/* 1..2000 */
	const char *provider;
	int score;		/* 0..100, or -1: none */
	int passed;		/* 0, 1, or -1: none */
} prev_record;

/* Inserts rec (its semester from held_on) and, when it replaces another,
 * marks that one superseded and carries its evidence files over to the
 * new record. XA_EINVAL for a bad date or value, XA_ENOTFOUND when the
 * replaced record is not one of this school's records of this kind,
 * XA_ECONFLICT when it was already corrected. Writer only. */
xa_err prev_record_add(db *conn, const prev_record *rec, int64_t by, int64_t now,
    int64_t *id);

/* Hours as entered ("4", "1.5", "0.5"; at most one decimal) into tenths,
 * 1..2000. XA_EINVAL otherwise. */
xa_err prev_hours_parse(const char *s, int *tenths);

/* The account of unit whose display name is name, when exactly one has
 * it (and is not disabled); else 0. */
int64_t prev_account_by_name(db *conn, int64_t unit, const char *name);

/* 1 when a training record of unit with the same person (name), course,
 * date and provider as rec is current (a second import of the same row);
 * 0 when not; a negative xa_err when the read fails. */
int prev_training_exists(db *conn, const prev_record *rec);

/* ---- Evidence files: photos (JPEG, PNG, cleaned of their metadata by
 * attach_clean) and PDFs (recognised by "%PDF-") that show the work was
 * done, up to PREV_EVIDENCE_MAX per record of every kind but training,
 * each at most PREV_EVIDENCE_BYTES. Stored sealed (crypto_seal under the
 * data key: a photo shows children's faces). */

#define PREV_EVIDENCE_MAX 4
#define PREV_EVIDENCE_BYTES (8u << 20)

/* The evidence kind of records of kind k ("session", "class_meeting",
 * "screening"), or NULL for a kind without evidence (training). */
const char *prev_evidence_kind(enum prev_kind k);

/* "image/jpeg", "image/png" or "application/pdf" from data's first bytes,
 * or NULL for anything else. */
const char *prev_evidence_sniff(const void *data, size_t n);

/* One file ready to store. */
typedef struct prev_file {
	const char *mime;
	const char *name;	/* the stored name: the sent name's base, the
				 * extension of what the file is */
	size_t size;		/* bytes as served (after cleaning) */
	void *sealed;
	size_t sealed_len;
} prev_file;

/* Cleans (photos) and seals data[0..n) sent as filename (may be NULL)
 * into out, from arena a, under key (32 bytes: the data key). XA_EINVAL
 * for a type other than JPEG, PNG and PDF or a damaged photo, XA_ETOOBIG
 * over PREV_EVIDENCE_BYTES, XA_ENOMEM; the crypto's error. Pure: no
 * database; safe on a worker thread. */
xa_err prev_file_prepare(arena *a, const uint8_t key[32], const void *data, size_t n,
    const char *filename, prev_file *out);

/* Adds files[0..n) to record `record` of kind k of unit; each new id
 * into ids[i] (may be NULL). XA_EINVAL for a kind without evidence,
 * XA_ENOTFOUND when the record is not one of unit's of that kind,
 * XA_ECONFLICT when it was corrected, XA_ETOOMANY when the record would
 * hold more than PREV_EVIDENCE_MAX files. Writer only; the caller
 * audits. */
xa_err prev_evidence_add(db *conn, enum prev_kind k, int64_t unit, int64_t record,
    const prev_file *files, size_t n, int64_t by, int64_t now, int64_t *ids);

/* Opens a stored file's sealed bytes into a new arena buffer. */
xa_err prev_file_open(arena *a, const uint8_t key[32], const void *sealed, size_t n,
    void **out, size_t *outlen);

/* ---- Compliance. */

enum duty_state {
	DUTY_MET,	/* done >= required */
	DUTY_OPEN,	/* not yet, time remains */
	DUTY_DUE_SOON,	/* not yet, fewer than the warning weeks remain */
	DUTY_OVERDUE,	/* not done and the period has ended */
};

typedef struct prev_duty {
	int done;
	int required;
	enum duty_state state;
	int evidenced;	/* of done, those with an evidence file (sessions,
			 * parent sessions, screenings, class meetings) */
} prev_duty;

typedef struct prev_requirements {
	int sessions, meetings, screenings, parents;	/* per semester */
	int training_tenths;				/* per staff member per year */
	int due_weeks;
} prev_requirements;

/* The settings' values, read on conn. */
void prev_requirements_load(db *conn, prev_requirements *out);

typedef struct prev_school {
	int64_t id;
	char name[100 * 4 + 1];	/* a unit name: 100 code points */
	char path[96];
	int64_t township_id;		/* 0: directly under the bureau */
	char township[100 * 4 + 1];	/* a unit name: 100 code points */
	prev_duty sessions;	/* student sessions */
	prev_duty parents;	/* parent sessions */
	prev_duty screenings;
	prev_duty meetings;	/* meetings held (no class counted beyond what it
				 * needs) of those every class needs: met only
				 * when every class has held enough */
	prev_duty training;	/* done: staff trained enough; required: staff */
	int behind;		/* duties due soon or overdue */
	int unmet;		/* duties not met */
} prev_school;

/* The state of a duty with done of required, for a period ending on
 * `end` (and starting on `first`), on day today, warning `weeks` ahead. */
enum duty_state prev_duty_state(int done, int required, xa_day first, xa_day end,
    xa_day today, int weeks);

/* The compliance of every active school whose path lies under scope (or
 * of the one school `only` when it is not 0, whatever scope says) for
 * semester s, on day today. *out is malloc'd (free() it), ordered by
 * township (the registry's order, schools directly under the bureau
 * last) then school name. */
xa_err prev_compliance(db *conn, const semester *s, const prev_requirements *req,
    xa_day today, const char *scope, int64_t only, prev_school **out, size_t *n);

/* ---- Demo. */

/* Adds a semester of prevention work to the demo city in d (inside the
 * caller's transaction, with an audit record per row, source "xiaoan
 * demo"): for the current semester up to now and the whole previous one,
 * sessions, parent sessions, class meetings, screenings and the training
 * of every school's staff in the school years they fall in, with about
 * one school in five behind on something this semester and one in eight
 * having left a duty undone last semester. Deterministic from seed (besides the audit
 * chain's times). Prints one line to out (may be NULL). On failure err
 * holds a sentence and the caller rolls back. */
xa_err prevention_demo(db *d, uint64_t seed, int64_t now, FILE *out, char *err,
    size_t errlen);

#endif
