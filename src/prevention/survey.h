/* survey.h: the all-student anti-bullying survey, collection side (issue
 * 6, docs/internals/survey.md): slip codes, checking an answer against its
 * questionnaire, the counts per class, the slips of a campaign, the demo.
 *
 * A slip code is 16 symbols of the receipt alphabet ("ABCD-EFGH-JKMN-PQRS"),
 * the base-29 writing of (id XOR m(t))·2^48 + t, where t is 48 bits of
 * HMAC-SM3 of the id and m(t) 29 bits of HMAC-SM3 of t, both under a key
 * derived from the data key (outside the database). So a code names
 * its slip (answering is a look-up by id), the school can print its slips
 * again, and the row keeps only the SM3 of the code to check it.
 *
 * Never: store or pass on anything that ties an answer to a student, a
 * slip, an address or a moment; let the request for help carry anything
 * of the answer. */
#ifndef XA_SURVEY_H
#define XA_SURVEY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/arena.h"
#include "../core/buf.h"
#include "../core/crypto.h"
#include "../core/err.h"
#include "../store/db.h"

#define SLIP_LEN 16				/* symbols */
#define SLIP_SHOWN (SLIP_LEN + SLIP_LEN / 4 - 1)	/* with dashes: 19 */
#define SLIP_HASH_LEN (2 * SM3_LEN)
#define SLIP_ID_MAX ((int64_t)1 << 29)		/* ids a code can name: below this */

/* How often (victim, bully), in order; "monthly" (2-3 times a month)
 * and above count as being bullied / bullying others. */
extern const char *const survey_freqs[];	/* never once_twice monthly weekly several_weekly */
#define SURVEY_FREQ_COUNTED 2

/* The code of slip id (1 <= id < SLIP_ID_MAX) into code and the hex SM3
 * of it into hash. Needs the data key (keys_set). */
xa_err slip_make(int64_t id, char code[SLIP_LEN + 1], char hash[SLIP_HASH_LEN + 1]);

/* What a student typed or scanned. Always fills hash (of a fixed string
 * no code normalises to when the code is malformed, so that every code
 * takes the same path); *id is the slip a well-formed code names, else 0.
 * Dashes and spaces are dropped, letters upper-cased, full-width forms
 * taken as ASCII. True when well-formed. */
bool slip_read(const char *typed, int64_t *id, char hash[SLIP_HASH_LEN + 1]);

/* "ABCD-EFGH-JKMN-PQRS" from a code. */
/* What a person typed (dashes, spaces, lower case, full-width forms), as
 * the SLIP_LEN symbols of a code; false when it is not one. */
bool slip_normalise(const char *typed, char out[SLIP_LEN + 1]);
void slip_format(const char *code, char out[SLIP_SHOWN + 1]);

/* The survey asks pupils from grade 3 on: the primary questionnaire is
 * written for grades 3-6, and younger children are not surveyed (no
 * slips, no head count in the results). */
#define SURVEY_MIN_GRADE 3

/* "primary" for grades 3 to 6 (and below), "secondary" above. */
const char *survey_level(int grade);

/* An answer checked against its questionnaire. */
#define SURVEY_MAX_MEASURES 64
typedef struct survey_answer {
	json_t *stored;		/* the answers kept: no help, no name (owned) */
	char measures[SURVEY_MAX_MEASURES][32];	/* survey_counts.measure, +1 each */
	size_t nmeasures;
	int help;		/* 0: none; 1: the counsellor; 2: a name */
	const char *help_name;	/* in `in`, when help is 2 */
} survey_answer;

/* Checks the validated input in (fields named by question ids; "many"
 * questions as arrays) against the questionnaire tmpl: every value one of
 * its options, required questions answered, answers to questions their
 * skip rule hides dropped. XA_EMISSING (with *bad the question id) when a
 * required question is unanswered, XA_EINVAL when a value is not an
 * option. Fills out (free out->stored with json_decref). */
xa_err survey_check(const json_t *tmpl, json_t *in, survey_answer *out,
    const char **bad);

/* Adds 1 to each of measures for (campaign, class) (writer only). Once
 * survey_batch_enable() was called, the counts are added up in memory
 * for the writer's batch and written by survey_batch_flush() before it
 * commits: each class's counter once per batch, not once per answer.
 * Call it last in a job (nothing after it may fail). */
xa_err survey_count(db *conn, int64_t campaign, int64_t class_id, int64_t unit,
    const survey_answer *a);

/* The writer's batch hooks for survey_count (writer.h struct
 * writer_hooks); main() chains them with the audit's and enables. */
void survey_batch_enable(void);
void survey_batch_begin(db *conn);
void survey_batch_forget(db *conn);
xa_err survey_batch_flush(db *conn);
void survey_batch_abort(db *conn);

/* Keeps the classes (grade 3 and up) of campaign's schools as the
 * registry has them now, for slips and results (writer only); a class
 * already kept is left as it was. */
xa_err survey_freeze_classes(db *conn, int64_t campaign);

/* Makes the slips of class_id in campaign, one per pupil of the head
 * count the campaign kept, unless it has them already (writer only):
 * the first time a class's slips are asked for, so that opening a city's
 * campaign does not write 170,000 rows in one job. *n receives how many
 * were made (0 when they were there). XA_ENOTFOUND: not a class of the
 * campaign. */
xa_err survey_make_slips(db *conn, int64_t campaign, int64_t class_id, int64_t *n);

/* The slips of one class as a PDF (slips_pdf.c), appended to out
 * (whose cap bounds it): model {"school", "class", "title", "how",
 * "base" (the answering URL without the code), "slips": ["ABCD-…", …]}.
 * Each class starts a page; slips are cut along the dashed lines. */
xa_err slips_pdf(const json_t *model, buf *out);

/* The demo: a finished campaign for 2024-2025-2 and one in progress for
 * 2025-2026-1 over every school of the demo city, with counts (and
 * answers) in realistic proportions, some classes clearly above the rest;
 * slips for the one in progress. Deterministic from seed; prints one line
 * to out (may be NULL). Inside the caller's transaction. */
xa_err survey_demo(db *d, uint64_t seed, int64_t now, FILE *out, char *err,
    size_t errlen);

#endif
