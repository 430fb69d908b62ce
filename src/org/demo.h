/* demo.h: the demo city behind `xiaoan demo`: a fictitious but plausible
 * Xinzheng with its bureau, sections, townships, about 300 schools with
 * classes and committees, partner agencies and a login for every role.
 *
 * It must never run against a database that already holds schools, never
 * name a real person, and never be mistaken for real data: its passwords
 * are predictable from the seed and its phone numbers are made up
 * (docs/demo.md). It never begins or commits a transaction of its own. */
#ifndef XA_DEMO_H
#define XA_DEMO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/err.h"
#include "../store/db.h"

/* The seed `xiaoan demo` uses when none is given: the date of the 2018
 * notice the product implements. */
#define DEMO_DEFAULT_SEED 20180807u

/* Builds the demo city into an initialised, empty-of-schools database d:
 * writes the demo logins to csv_path (username,password,role,unit) and a
 * short list of the main logins to out. Deterministic from seed.
 *
 * d must hold what `xiaoan init` makes (the bureau and the three
 * administrators, whose passwords are reset to demo ones with nothing to
 * change at first sign-in) and be inside the caller's transaction; the
 * keys must be loaded (keys_set). Everything written gets its audit
 * record. csv_path is written with mode 0600 (UTF-8 with a BOM, CRLF, as
 * csv.h writes), its first fifteen logins the ones a visitor starts with
 * (the bureau's, the administrators', the first showcase school's, the
 * police liaison); it may be NULL to skip it. out (may be NULL) receives
 * the city's totals and those fifteen logins. On
 * failure err holds a sentence and the caller rolls back. XA_EEXIST when
 * d already holds schools. */
xa_err demo_build(db *d, uint64_t seed, const char *csv_path, FILE *out,
    char *err, size_t errlen);

#endif
