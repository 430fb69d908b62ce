/* questionnaire.h: editing the survey's questionnaires (issue 6,
 * docs/internals/survey.md "Editing a questionnaire").
 *
 * A questionnaire is JSON (survey.h): intro, questions with id, type,
 * text, options, optional, show_if. The statistics read nine questions by
 * their ids and option values (the core: gender, victim, victim_forms,
 * victim_places, told, adult_helped, bully, help, help_name), so in those
 * only the wording may change — the question, and each option's text —
 * and five of them may be left out (gender, victim_forms, victim_places,
 * told, adult_helped); their type, values, whether they are optional and
 * their skip rules are the product's. Up to QN_MAX_EXTRA questions of the
 * bureau's own (extra1..extra4: one or many choices, 2 to QN_MAX_OPTIONS
 * options, optional or not, shown always or after an answer to an earlier
 * question) are counted per class like the rest. Never a free-text
 * question of the bureau's: text a pupil types can name them, and cannot
 * be counted. The request for help (help, help_name) is always last.
 *
 * Pure: no database, no clock; the HTTP side is questionnaire_http.c. */
#ifndef XA_QUESTIONNAIRE_H
#define XA_QUESTIONNAIRE_H

#include <jansson.h>
#include <stdbool.h>

#include "../core/err.h"

#define QN_MAX_EXTRA 4
#define QN_MAX_OPTIONS 8
#define QN_INTRO_MAX 500	/* code points */
#define QN_TEXT_MAX 400
#define QN_OPTION_MAX 100

/* Checks the questionnaire in for level ("primary" or "secondary") and
 * makes the body to store: the core questions' fixed parts put back,
 * the extras' option values numbered o1.., help and help_name moved
 * last. XA_OK with *out (a new reference); XA_EINVAL with *why an error
 * code (the catalog's "error.<why>") and *where the question's id or the
 * field ("intro"), or NULL. Nothing is allocated on failure. */
xa_err questionnaire_normalise(const json_t *in, const char *level, json_t **out,
    const char **why, const char **where);

/* The questionnaire the editing form describes, from the body being
 * edited (current) and the form's fields (validated input): intro;
 * t_<id> a question's text; o_<id> its options' texts, one per line (a
 * core question's in its present order and number); del_<id> leaves out
 * a core question that may go; for k in 1..QN_MAX_EXTRA, type_extrak
 * (none | one | many), t_extrak, o_extrak, opt_extrak (optional),
 * if_extrak (always | victim | bully: shown to those bullied / who
 * bullied). The result still goes through questionnaire_normalise().
 * NULL on out of memory. */
json_t *questionnaire_from_form(const json_t *current, const json_t *form);

/* True for a question id the statistics know (a core question). */
bool questionnaire_is_core(const char *id);

#endif
