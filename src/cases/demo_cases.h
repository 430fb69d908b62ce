/* demo_cases.h: a school year of reports and cases for the demo city
 * (docs/demo.md, "Reports and cases").
 *
 * Called by demo_build() once the city, its accounts and committees are
 * written, inside the same transaction. Every case is built by walking
 * the real path through the store (cases.h): each transition is checked
 * by case_check() first, so a case the rules would refuse is a bug here,
 * never something written. It must never write a name, a narrative or a
 * contact unsealed, never name a real person or a real phone number, and
 * never begin or commit a transaction of its own. */
#ifndef XA_DEMO_CASES_H
#define XA_DEMO_CASES_H

#include <stdint.h>
#include <stdio.h>

#include "../core/err.h"
#include "../store/db.h"

/* The number of cases the full demo makes (about; schools draw around
 * it), and the environment variable that scales it for tests: a whole
 * percentage, 0 to 100 (0: no reports and no cases). */
#define DEMO_CASES_TARGET 3000
#define DEMO_CASES_ENV "XIAOAN_DEMO_CASES_PERCENT"

/* Builds reports and cases for the school year that began 2025-09-01 up
 * to now (UTC seconds: the real time, so "overdue" means overdue today)
 * into d, which holds the demo city (demo_build). Deterministic from seed
 * for a given day: the same seed on the same day makes the same rows
 * (timestamps within the day aside; keys and seals are random).
 *
 * percent scales the number of reports and cases (100: the full demo);
 * a negative percent means "100, unless DEMO_CASES_ENV says otherwise".
 * It adds the committees' 2025–26 seats where the city has none (so each
 * determination names who sat that day), writes every row with its audit
 * record (who: the school's principal or committee accounts, the office's
 * staff; source "xiaoan demo"), and prints one summary line to out (may
 * be NULL). On failure err holds a sentence (the case and what the rules
 * found missing, when a check refused) and the caller rolls back. */
xa_err demo_cases_build(db *d, uint64_t seed, int64_t now, int percent, FILE *out,
    char *err, size_t errlen);

#endif
