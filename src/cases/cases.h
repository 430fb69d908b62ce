/* cases.h: reports and cases — the rules of regulation.md §1–4 and §7 as
 * code, and the storage of a case's file.
 *
 * Three layers, one header:
 *   - names: the fixed vocabularies (states, tiers, behaviours, ...), each
 *     a NULL-terminated list whose catalog key is "<list>.<name>";
 *   - rules (rules.c): the state machine and what each transition needs,
 *     as pure functions over a case's facts, so they are tested without a
 *     database; the time limits (timers) over calendar.h;
 *   - store (store.c, keys in casekey.c): per-record data keys wrapped by
 *     the master key, sealing, opening a case, appending to the
 *     chronology — each write next to its audit record.
 * The HTTP handlers (reports_*.c, cases_http.c, ...) use these and never
 * write SQL for the rules' facts themselves.
 *
 * Never: store a sensitive value unsealed, or let a transition through
 * whose check found something missing. */
#ifndef XA_CASES_H
#define XA_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../auth/audit.h"
#include "../auth/auth.h"
#include "../core/arena.h"
#include "../core/calendar.h"
#include "../core/err.h"
#include "../store/db.h"

/* ------------------------------------------------------------------ */
/* Names. Every list is NULL-terminated; the catalog key of a name is
 * "<prefix>.<name>" with the prefix given beside each list. */

/* report.channel.*: how a report came in. */
extern const char *const report_channels[];	/* online hotline school_phone in_person letter email observed survey media */
/* report.place.* */
extern const char *const report_places[];	/* in_school outside online unknown */
/* behaviour.*: the five kinds of regulation.md §1 and "other". */
extern const char *const behaviour_kinds[];	/* physical verbal property exclusion online other */
/* report.frequency.* */
extern const char *const report_frequencies[];	/* once several ongoing unknown */
/* report.reporter.* */
extern const char *const reporter_kinds[];	/* victim witness parent staff other */
/* report.status.* */
extern const char *const report_statuses[];	/* new accepted unfounded prank joined */
/* party.role.* */
extern const char *const party_roles[];		/* victim perpetrator witness bystander */
/* harm.* */
extern const char *const harm_kinds[];		/* physical property mental */
/* intent.* */
extern const char *const intent_kinds[];	/* deliberate malicious none */
/* imbalance.*: where the stronger side was stronger. */
extern const char *const imbalance_kinds[];	/* age body numbers none */
/* repetition.* */
extern const char *const repetition_kinds[];	/* once repeated */
/* tier.* (regulation.md §4) */
extern const char *const case_tiers[];		/* general serious repeated unlawful */
/* finding.* */
extern const char *const case_findings[];	/* bullying not_bullying */
/* basis.*: the legal definition a determination was made under; an old
 * record keeps its basis when the law changes. */
extern const char *const determination_bases[];	/* mpl2020_130 moe50_2021 jd2017_10 */
/* measure.kind.* */
extern const char *const measure_kinds[];	/* education discipline protection family police other */
/* grade.*: discipline grades, mildest first. */
extern const char *const discipline_grades[];	/* warning serious_warning demerit probation expulsion_order expulsion */
/* event.kind.*: what a chronology entry is. */
extern const char *const event_kinds[];
/* opened note interview evidence guardian_notice stop protection
 * referral bureau_report transition determination measure measure_told
 * measure_done followup counselling supervision appeal identity_access
 * correction legal_process message attachment */

/* 1 when name is in list. */
bool names_has(const char *const *list, const char *name);
/* 1 when every comma-separated name of csv is in list and none repeats;
 * the empty string is not valid. */
bool names_csv_ok(const char *const *list, const char *csv);

/* 1 for a discipline grade a student in compulsory education may not be
 * given (留校察看, 勒令退学, 开除: regulation.md §4). */
bool grade_needs_noncompulsory(const char *grade);

/* ------------------------------------------------------------------ */
/* The state machine (regulation.md §3). */

enum case_state {
	CS_REPORTED,		/* reported */
	CS_IMMEDIATE,		/* immediate_action */
	CS_INVESTIGATING,	/* investigating */
	CS_AWAITING,		/* awaiting_determination */
	CS_DETERMINED,		/* determined */
	CS_MEASURES,		/* measures */
	CS_FOLLOW_UP,		/* follow_up */
	CS_CLOSED,		/* closed */
	CS_ARCHIVED,		/* archived */
	CS_APPEAL,		/* appeal */
	CS_REVIEW,		/* county_review */
	CS__COUNT
};

/* "immediate_action" and back; the catalog key is "state.NAME". */
const char *case_state_name(enum case_state s);
xa_err case_state_parse(const char *name, enum case_state *out);

/* 1 when the graph has an edge from → to (whatever the facts). From
 * CS_APPEAL the edge back is to the state the appeal interrupted (resume),
 * which the caller passes in resume. */
bool case_edge(enum case_state from, enum case_state to,
    enum case_state resume);

/* 1 for a case whose file may no longer change (closed or archived),
 * except for the transitions the graph allows out of closed. */
bool case_state_final(enum case_state s);

/* What the rules need to know about a case: counted from its rows by
 * case_facts_load(), or filled by hand in tests. */
typedef struct case_facts {
	enum case_state state;
	enum case_state resume;		/* for CS_APPEAL */
	const char *finding;		/* "" | bullying | not_bullying */
	const char *tier;		/* "" | general | ... */
	bool serious_flag;		/* possibly serious or unlawful at intake */
	int victims, perpetrators;
	/* Parties of each side whose guardians have a guardian_notice. */
	int victims_notified, perpetrators_notified;
	int stop_events;		/* the bullying was stopped (kind stop) */
	int protection_events;		/* the victim was protected */
	int police_referrals;		/* referral events to the police */
	int bureau_reports;		/* bureau_report events */
	int investigation_records;	/* interviews and evidence */
	int perpetrators_without_measure;
	int measures, measures_not_done, measures_not_told;
	int victims_without_followup, perpetrators_without_followup;
	int open_supervisions;
	int open_appeals;
	int outcome_notified;		/* guardian notices of the result */
	long appeal_window_days;	/* 0: no window */
	int64_t closed_at;		/* for the appeal window */
	xa_day determined_day;		/* the last determination's day (zone), 0: none */
	int64_t now;
} case_facts;

/* What a transition request carries (POST .../transitions). Strings may
 * be NULL; lists are comma-separated names. */
typedef struct transition_in {
	enum case_state to;
	/* Determination (to CS_DETERMINED from CS_AWAITING or CS_REVIEW). */
	const char *finding, *tier, *behaviours, *harms, *intent;
	const char *imbalance, *repetition, *place, *basis, *reasons;
	const char *meeting_date;	/* YYYY-MM-DD: the committee's sitting */
	int roster_members;		/* who sat on the committee that day */
	int participants;		/* members who took part (all on the roster) */
	bool participants_off_roster;	/* someone named was not sitting then */
	bool roster_complete;		/* committee_complete() on that day */
	/* Appeal (to CS_APPEAL), and its outcome (out of CS_APPEAL / CS_REVIEW). */
	const char *lodged_on, *lodged_by, *outcome, *panel;
	/* Any transition: a note for the chronology. */
	const char *note;
} transition_in;

/* What is missing before a transition may happen: catalog keys
 * ("missing.guardians_victim", ...), in the order a person would fix
 * them. */
#define MISSING_MAX 24
typedef struct missing {
	const char *keys[MISSING_MAX];
	size_t n;
} missing;

/* Checks to against the facts and the input; fills m (m->n == 0: the
 * transition may happen). An edge the graph lacks is the single key
 * "missing.no_such_step". */
void case_check(const case_facts *f, const transition_in *in, missing *m);

/* Counts the facts of case id from its rows (parties, events, measures,
 * reviews, supervisions, appeals) on conn. now is passed in. */
xa_err case_facts_load(db *conn, int64_t id, int64_t now, case_facts *f);

/* ------------------------------------------------------------------ */
/* Time limits (regulation.md §3): settings with the rule's defaults. */

typedef struct case_limit {
	long amount;
	enum limit_unit unit;
} case_limit;

typedef struct case_limits {
	case_limit immediate;	/* immediate action: default 0 days (the same day) */
	case_limit police;		/* police / bureau report of a serious case: 0 days */
	case_limit investigation;	/* default 10 days */
	case_limit review;		/* county review: default 15 days */
	long appeal_window_days;	/* 0: none (the default) */
	long followup_days;	/* first check-in after the measures: 14 */
} case_limits;

/* Reads the limits from the settings (setting_get) on conn. */
void case_limits_load(db *conn, case_limits *out);

/* When the state entered at `since` falls due under lim (0: the state
 * has no limit). Pure: zone and calendar are passed in. */
int64_t case_due(enum case_state s, int64_t since, const case_limits *lim,
    const calendar *cal, long zone);

/* ------------------------------------------------------------------ */
/* Keys and sealing (casekey.c). Each report and case has its own 32-byte
 * key, stored wrapped (crypto_seal under the master data key, keys.h). */

#define WRAPPED_KEY_LEN (32 + 3 + 16 + 32)

/* A fresh key and its wrapped form. */
xa_err ckey_new(uint8_t key[32], uint8_t wrapped[WRAPPED_KEY_LEN]);
/* Unwraps. XA_ENOTFOUND when the key was destroyed (NULL/empty blob),
 * XA_ECRYPTO when it does not open. */
xa_err ckey_unwrap(const void *wrapped, size_t len, uint8_t key[32]);
/* The key of case id / report id from its row. XA_ENOTFOUND: no such
 * row, or its key was destroyed. */
xa_err case_key(db *conn, int64_t id, uint8_t key[32]);
xa_err report_key(db *conn, int64_t id, uint8_t key[32]);
/* Seals text[0..n) into a new arena blob. */
xa_err seal_blob(arena *a, const uint8_t key[32], const void *text, size_t n,
    void **out, size_t *outlen);
/* Opens a sealed blob into a NUL-terminated arena string. */
xa_err open_blob(arena *a, const uint8_t key[32], const void *blob, size_t n,
    char **out, size_t *outlen);
/* The student_ref of a party: hex HMAC-SM3 under the data key of
 * "<unit_id>|<name with spaces removed>". out needs 65 bytes. */
xa_err student_ref(int64_t unit_id, const char *name, char out[65]);
/* Destroys case id's key (and the keys of the reports joined to it):
 * the sealed content can never be read again. Writer only; the caller
 * audits. */
xa_err case_shred(db *conn, int64_t id, int64_t now);

/* ------------------------------------------------------------------ */
/* The store (store.c). Writers take the writer's connection and append
 * their own audit record, whose who/where comes from `who` (action,
 * object and fields are filled in here). */

typedef struct case_new {
	int64_t unit_id;		/* the school */
	const char *summary;		/* sealed */
	bool serious;			/* possibly serious or unlawful */
	int64_t owner_id;		/* who handles it (0: none yet) */
	int64_t created_by;
	const int64_t *reports;		/* reports joined into it */
	size_t nreports;
} case_new;

/* Opens a case: the next number of the school for the year of now (in
 * zone), a new key, state reported, an "opened" event, the reports'
 * status set to joined. Audited as case.open. XA_EINVAL when a report
 * is not the school's or already joined. */
xa_err case_open(db *conn, const case_new *c, const audit_entry *who,
    int64_t now, long zone, int64_t *id);

/* "2026-0007": the case number as people say it. */
void case_number(int year, int seq, char out[16]);

typedef struct event_new {
	int64_t case_id;
	const char *kind;		/* one of event_kinds */
	int64_t party_id;		/* 0: none */
	int64_t corrects_id;		/* 0: none */
	int64_t occurred_at;		/* 0: now */
	int64_t author_id;
	const char *meta;		/* plain JSON object text, or NULL: {} */
	const char *body;		/* sealed; NULL: none */
	size_t body_len;
	bool restricted;		/* counselling */
} event_new;

/* Appends an event to the chronology, sealed with the case's key, and
 * its audit record (case.event; fields "kind=...;sm3=..." with the SM3 of
 * the stored row, so the chain vouches for each entry). XA_EINVAL for an
 * unknown kind or a corrects_id of another case. */
xa_err case_event_add(db *conn, const event_new *e, const audit_entry *who,
    int64_t now, int64_t *id);

/* Puts case id under the office's supervision by itself (a serious or
 * unlawful tier, or a serious flag at intake), due in `days` calendar
 * days, unless an open supervision exists. Sets cases.supervised. */
xa_err supervision_auto(db *conn, int64_t id, const char *due_on,
    const char *required, int64_t now);

/* Moves case id to state to (after case_check found nothing missing),
 * records a transition event with meta {"from","to"} and sets state_since,
 * due_at, resume_state, closed_at, archived_at as the state asks. version
 * must match the row's (optimistic concurrency): XA_ECONFLICT otherwise. */
xa_err case_set_state(db *conn, int64_t id, enum case_state to,
    int64_t version, int64_t due_at, const char *note,
    const audit_entry *who, int64_t now);

/* ------------------------------------------------------------------ */
/* Who may see what of a case (beyond policy_allow on its school). */

typedef struct case_access {
	bool read;		/* may open the case at all */
	bool write;		/* may add to it and move it on */
	bool identities;	/* sees names; else aliases only */
	bool counselling;	/* reads restricted events */
} case_access;

/* Decides p's access to case id of the school at unit_path: school roles
 * by policy (A_CASE_READ / A_CASE_WRITE), teachers to the cases they own
 * or reported; the bureau de-identified unless the case is supervised or
 * appealed, or p holds an approved, unexpired identity request. */
xa_err case_access_for(db *conn, const principal *p, int64_t id,
    const char *unit_path, int64_t now, case_access *out);

#endif
