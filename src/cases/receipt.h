/* receipt.h: the anonymous reporter's receipt code.
 *
 * 28 symbols of an alphabet without look-alikes (no 0/O, 1/I/L, U/V),
 * shown in groups of four: "ABCD-EFGH-…". The code is the reporter's only
 * key to the report, so it must not be guessable, and it is stored only as
 * the SM3 of its normalised form.
 *
 * It also says which report it belongs to, so that finding a report by its
 * code is a look-up by id (and the writer never has to insert into an index
 * of random hashes, which cost a random page per report). The code is the
 * base-29 writing of E·2^128 + SM4_k(id ‖ r): r is 88 random bits, E is
 * uniform in [0, 260), k is derived from the data key (outside the
 * database). To anyone without k the code is 136 bits of noise; with k,
 * 96 bits of it are still random and checked against the stored hash. */
#ifndef XA_RECEIPT_H
#define XA_RECEIPT_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/crypto.h"
#include "../core/err.h"

#define RC_LEN 28			/* symbols */
#define RC_GROUP 4
#define RC_SHOWN (RC_LEN + RC_LEN / RC_GROUP - 1)	/* with dashes: 34 */
#define RC_HASH_LEN (2 * SM3_LEN)	/* the stored hex */
#define RC_ID_MAX ((int64_t)1 << 40)	/* ids a code can name: below this */

/* A new code for report id (1 <= id < RC_ID_MAX) into code, and the hex
 * SM3 of it, to store, into hash. Needs the data key (keys_set). */
xa_err receipt_make(int64_t id, char code[RC_LEN + 1], char hash[RC_HASH_LEN + 1]);

/* What a person typed. Always fills hash: the SM3 of the normalised code,
 * or of a fixed string that no code normalises to when it is malformed, so
 * that every code takes the same path. *id is the report a well-formed
 * code names (0 when it names none). norm receives the normalised code.
 * True when the code is well-formed: RC_LEN symbols of the alphabet once
 * letters are upper-cased, dashes and spaces dropped, and full-width
 * forms (a Chinese keyboard's) taken as their ASCII letters and digits. */
bool receipt_read(const char *typed, char norm[RC_LEN + 1], int64_t *id,
    char hash[RC_HASH_LEN + 1]);

/* "ABCD-EFGH-…" from a normalised code. */
void receipt_format(const char *norm, char out[RC_SHOWN + 1]);

#endif
