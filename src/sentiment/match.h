/* match.h: public-opinion monitoring (舆情监测), the matcher.
 *
 * Given a news or social-media item (title and body, UTF-8), says whether
 * it is about bullying at one of the city's schools: which lexicon terms it
 * uses, which school or township it names, a score 0..100 with the reasons,
 * and a SimHash of its text so the same story on many sites folds into one.
 *
 * How: the text is decoded to code points and folded (traditional to
 * simplified for the characters the lexicon and place names use, full-width
 * ASCII to ASCII, Latin to lower case). Place names are found by a word
 * segmentation of our own (a dynamic programme over a dictionary of the
 * places, the lexicon and a small list of common words that share
 * characters with school names, fewest words first, then fewest single
 * characters, then fewest places), so a name inside a longer word is not a
 * hit (二中 in 十二中 or 二中队, 城关 in 城关镇). See
 * docs/internals/sentiment-match.md.
 *
 * Never: keep state between calls, read the database, the clock or the
 * network; put the item's text into a format string. A matcher is
 * immutable once built: any number of threads may use one at once. */
#ifndef XA_SENTIMENT_MATCH_H
#define XA_SENTIMENT_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

/* At or above this score the lead raises the urgent notice. */
#define SM_THRESHOLD 60
/* Hamming distance of two SimHashes at or below which items are one story. */
#define SM_NEAR_DUP_BITS 3
/* Caps: text decoded per item, reasons kept per result, bytes a reason. */
#define SM_MAX_TEXT 65536
#define SM_MAX_REASONS 16
#define SM_REASON_LEN 160
/* A term or place name: at most this many code points. */
#define SM_MAX_NAME 40

enum sm_cat {
	SM_PHYSICAL,	/* 殴打, 围殴, 扇耳光 */
	SM_VERBAL,	/* 辱骂, 起外号 */
	SM_ONLINE,	/* 网暴, 人肉, 偷拍 */
	SM_PROPERTY,	/* 勒索, 敲诈, 保护费 */
	SM_EXCLUSION,	/* 孤立, 排挤 */
	SM_GENERAL,	/* 欺凌, 霸凌, 校园暴力 */
	SM_CONTEXT,	/* 学生, 班主任: counts only near a term above */
	SM_MITIGATING,	/* 防欺凌, 讲座: a prevention story; weight < 0 */
	SM_CAT__COUNT
};

/* One lexicon entry. weight: 1..50 for the first six categories and
 * context, -50..-1 for mitigating. */
struct sm_term {
	const char *term;
	int weight;
	enum sm_cat cat;
};

enum sm_place_kind {
	SM_SCHOOL,
	SM_TOWNSHIP,
	SM_CITY,	/* the city or county itself (新郑, 新郑市) */
};

/* One name of a place. A school has several (full name, short name,
 * bare alias), each its own entry with the same unit_id. weak: an alias
 * that is ambiguous alone (二中, 一中): it counts only when the item also
 * names the city, a township or a school by a strong name, and when it is
 * not glued to a foreign word before it (郑州二中). */
struct sm_place {
	const char *name;
	int64_t unit_id;
	enum sm_place_kind kind;
	bool weak;
};

struct sm_result {
	int score;		/* 0..100 */
	int64_t school_id;	/* the school the item is about, 0 if none */
	int64_t township_id;	/* a township named, 0 if none */
	bool city;		/* the city itself is named */
	uint64_t simhash;	/* of title + body */
	size_t nreasons;
	char reasons[SM_MAX_REASONS][SM_REASON_LEN];	/* "lexicon:殴打", ... */
};

struct sm_matcher;

/* The shipped lexicon (read-only, static storage); *n gets its length. */
const struct sm_term *sm_default_lexicon(size_t *n);

/* Build a matcher from a lexicon and the places. Copies what it needs: the
 * caller's arrays may be freed after. XA_EINVAL for an empty or over-long
 * term or name, a weight out of range, a bad category or kind;
 * XA_EUTF8 for a term or name that is not UTF-8. *out owns the matcher
 * (sm_free). */
xa_err sm_new(const struct sm_term *lex, size_t nlex,
    const struct sm_place *places, size_t nplaces, struct sm_matcher **out);
void sm_free(struct sm_matcher *m);

/* Match one item. title or body may be NULL when their length is 0.
 * XA_EUTF8 for text that is not UTF-8, XA_ETOOBIG above SM_MAX_TEXT code
 * points together, XA_ENOMEM. *out is filled on XA_OK only. */
xa_err sm_match(const struct sm_matcher *m, const char *title, size_t tlen,
    const char *body, size_t blen, struct sm_result *out);

/* 64-bit SimHash over 4-code-point shingles of the folded text (letters,
 * digits and Han only; punctuation and spaces dropped). XA_EUTF8,
 * XA_ETOOBIG, XA_ENOMEM as sm_match. */
xa_err sm_simhash(const char *text, size_t len, uint64_t *out);

/* Number of differing bits. */
int sm_hamming(uint64_t a, uint64_t b);
/* True when a and b are the same story (Hamming ≤ SM_NEAR_DUP_BITS). */
bool sm_near_dup(uint64_t a, uint64_t b);

#endif
