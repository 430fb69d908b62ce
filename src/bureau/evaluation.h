/* evaluation.h: the yearly self-evaluation of each school (自评, the
 * notice's 四(三)) against the six parts of its 三 (六个落实), and the
 * bureau's city report assembled for the same school year.
 *
 * A school year is named by the calendar year it ends in: year 2026 is
 * the school year from 1 September 2025 to 31 August 2026, whose
 * self-evaluation is due on the evaluation.due_month/day setting of 2026
 * (10 September) and whose city report on city_report.due_month/day (15
 * September).
 *
 * One evaluation per school and year: a draft the school fills in
 * (structured answers per part — yes/no, counts, a self-rating from 1 to
 * 5 — free text, evidence files), submitted (then frozen), and possibly
 * returned by the office with a reason, which makes it editable again
 * until it is submitted anew. It holds no student's personal information:
 * the form asks for counts and the school's own work.
 *
 * Writers take the writer's connection inside a writer job (or the
 * demo's transaction) and never write an audit record themselves: the
 * caller writes it beside the change. Nothing here reads the clock. */
#ifndef XA_EVALUATION_H
#define XA_EVALUATION_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/buf.h"
#include "../core/calendar.h"
#include "../core/err.h"
#include "../http/input.h"
#include "../store/db.h"

/* ---- The form. */

enum eval_qtype {
	EQ_YESNO,	/* "yes" or "no" */
	EQ_COUNT,	/* 0..EVAL_COUNT_MAX */
};

#define EVAL_COUNT_MAX 100000
#define EVAL_TEXT_MAX 2000	/* code points of a part's free text */
#define EVAL_REASON_MAX 500	/* of the office's reason for returning */
#define EVAL_FILES_MAX 12	/* evidence files per evaluation */
/* A unit's or a campaign's name (up to 100 characters) as UTF-8 with its
 * NUL: buffers of names have this size, so none is cut in a character
 * (a cut name is not UTF-8, and jansson refuses it). */
#define EVAL_NAME_BYTES (100 * 4 + 1)

typedef struct eval_question {
	const char *key;	/* "committee"; the field is "<part>_<key>" and the
				 * catalog key "evaluation.q.<part>_<key>" */
	enum eval_qtype type;
} eval_question;

typedef struct eval_part {
	const char *key;	/* "organisation": catalog key "evaluation.part.<key>" */
	const eval_question *questions;
	size_t nq;
} eval_part;

#define EVAL_PARTS 6
extern const eval_part eval_parts[EVAL_PARTS];
/* Every field of the form: each question, and per part "<part>_rating"
 * (1..5) and "<part>_text"; all optional (a draft may be partial). */
extern const field eval_fields[];
/* The part keys, NULL-terminated (for an evidence file's part). */
extern const char *const eval_part_keys[];

/* The answers to store from validated input (fields of eval_fields):
 * {"<part>": {"<question>": "yes"|"no"|count, "rating": n, "text": "…"}},
 * only what was given. *out is a new reference. */
xa_err eval_answers_from_input(json_t *in, json_t **out);

/* The first thing a submission still lacks in answers: every yes/no and
 * count answered and every part rated. NULL when complete; else the
 * field's name ("organisation_rating"). */
const char *eval_missing(const json_t *answers);

/* ---- Dates. */

/* The due days of year's self-evaluation and city report, from the
 * settings on conn. A day past 28 in a short month falls on its last. */
xa_day eval_due(db *conn, int year);
xa_day city_report_due(db *conn, int year);
/* The school year a day belongs to: the year of the 31 August that ends
 * it (1 September 2025 .. 31 August 2026 → 2026). */
int eval_school_year(xa_day d);
/* The first and last day of school year `year`. */
void eval_year_span(int year, xa_day *first, xa_day *last);

/* ---- Storage. */

enum eval_state { ES_NONE, ES_DRAFT, ES_SUBMITTED, ES_RETURNED };
extern const char *const eval_state_names[];	/* none draft submitted returned */

typedef struct eval_row {
	int64_t id;		/* 0: nothing stored yet (ES_NONE) */
	int64_t unit_id;
	int year;
	enum eval_state state;
	char *answers;		/* JSON text, malloc'd ("{}" when none) */
	int64_t first_submitted_at, submitted_at, submitted_by;
	int64_t returned_at, returned_by;
	char reason[EVAL_REASON_MAX * 4 + 1];
	int64_t updated_at, updated_by;
} eval_row;

/* Reads the evaluation of unit and year into *out (state ES_NONE and
 * answers "{}" when there is none). Free with eval_row_clear(). */
xa_err eval_get(db *conn, int64_t unit, int year, eval_row *out);
void eval_row_clear(eval_row *r);

/* Stores answers as the draft (created when missing). XA_ECONFLICT when
 * the evaluation is submitted. *id receives its id. Writer only. */
xa_err eval_save(db *conn, int64_t unit, int year, const json_t *answers, int64_t by,
    int64_t now, int64_t *id);
/* Submits the stored draft: XA_ENOTFOUND when none is stored,
 * XA_ECONFLICT when already submitted, XA_EINVAL when incomplete (the
 * field in *missing). Writer only. */
xa_err eval_submit(db *conn, int64_t unit, int year, int64_t by, int64_t now, int64_t *id,
    const char **missing);
/* Returns a submitted evaluation with reason: XA_ECONFLICT when it is not
 * submitted (or none is stored). Writer only. */
xa_err eval_return(db *conn, int64_t unit, int year, const char *reason, int64_t by,
    int64_t now, int64_t *id);

/* Evidence: adds a file prepared (cleaned and sealed under the data
 * key) by prev_file_prepare() (prevention/records.h) to evaluation
 * eval_id (XA_ENOTFOUND when there is none, XA_ETOOMANY past
 * EVAL_FILES_MAX, XA_ECONFLICT when the evaluation is submitted), or
 * removes one (XA_ENOTFOUND when it is not this evaluation's). Writer
 * only. */
struct prev_file;
xa_err eval_file_add(db *conn, int64_t eval_id, const char *part, const struct prev_file *f,
    int64_t by, int64_t now, int64_t *id);
xa_err eval_file_remove(db *conn, int64_t eval_id, int64_t file_id, int64_t now);

/* ---- The city report (cityreport.c). */

/* What the report needs to know besides the database. */
typedef struct cityreport_opts {
	int year;		/* the school year, by its last calendar year */
	const char *lang;	/* "zh" or "en" */
	long zone;		/* the bureau's zone offset (config_zone) */
	int64_t now;
	const char *scope;	/* unit path the report covers ("/1/") */
} cityreport_opts;

/* Builds the report's model on conn: sections of texts, tables and charts
 * from the cases, surveys, prevention records and training, monthly
 * returns and inspections (when their tables exist) and the
 * self-evaluations; every count of a case or of pupils below the
 * survey.min_cell setting suppressed (with what would give it away by
 * subtraction), and nothing that names a student. *out is a new
 * reference (see docs/internals/evaluation.md for its shape). */
xa_err cityreport_model(db *conn, const cityreport_opts *o, json_t **out);
/* Renders a model as an A4 PDF with its charts (cairo, pango, Noto CJK),
 * or as an xlsx workbook (libxlsxwriter, through a temporary file in
 * tmpdir, removed before returning), appended to out. Slow: for the
 * worker pool. */
xa_err cityreport_pdf(const json_t *model, buf *out);
xa_err cityreport_xlsx(const json_t *model, const char *tmpdir, buf *out);
/* Appends the SVG of one of the model's charts (chart.h) to out. */
xa_err cityreport_chart_svg(const json_t *chart_model, buf *out);

/* Suppression of one breakdown: counts[0..n) with their total shown:
 * every count with 0 < n < min is hidden, and when that would leave a
 * single hidden count (which the total would give away), the smallest
 * other non-zero count too, or the total when there is none. hidden[i]
 * set per count; *total_hidden for the total. */
void eval_suppress(const int64_t *counts, size_t n, long min, unsigned char *hidden,
    int *total_hidden);

/* ---- Demo. */

/* Adds the self-evaluations of the school year whose due date passed
 * last to the demo city in d (inside the caller's transaction, with an
 * audit record per row): most schools on time, a few late, one returned
 * with a reason, two not submitted. Deterministic from seed. Prints one
 * line to out (may be NULL). On failure err holds a sentence. */
xa_err evaluation_demo(db *d, uint64_t seed, int64_t now, FILE *out, char *err,
    size_t errlen);

#endif
