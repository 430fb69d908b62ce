/* register.h: the register of public-opinion monitoring (舆情监测), the
 * notice's 四(一): items from feeds, from an outside monitoring service and
 * from the office's own hand; each matched (match.h), folded into its
 * story, and raising the urgent notice once a story; then handled by the
 * office (verified, dismissed with a reason, linked to a case, turned into
 * a report, answered officially). Also the feeds the poller reads, the
 * tokens of outside services, and the office's edits of the lexicon.
 *
 * A story is the first item of a run of the same news (near-duplicate
 * SimHash, or the same link, within SR_FOLD_DAYS); its id is the story's
 * id, and the handling lives on it. Folded items keep their own source,
 * link and text.
 *
 * Functions marked "writer" take the writer's connection inside a writer
 * job (or the demo's transaction) and write no audit record: the caller
 * writes it beside the change. "Read" functions take any connection.
 * Nothing here reads the clock or the network. See
 * docs/internals/sentiment.md. */
#ifndef XA_SENTIMENT_REGISTER_H
#define XA_SENTIMENT_REGISTER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "../core/err.h"
#include "../store/db.h"
#include "match.h"

/* Items of one story fold together within this many days. */
#define SR_FOLD_DAYS 14
/* Caps on what is stored of an item (bytes, cut on a character). */
#define SR_TITLE_MAX 1024
#define SR_BODY_MAX (16 * 1024)
#define SR_URL_MAX 2048
#define SR_OUTLET_MAX 200
#define SR_EXTID_MAX 512
/* A dismissal's reason, a response: characters. */
#define SR_REASON_MAX 500
#define SR_RESPONSE_MAX 2000
/* A feed polled at most this often, at least this seldom (minutes). */
#define SR_INTERVAL_MIN 5
#define SR_INTERVAL_MAX 1440
/* A token as handed out: "xst_" and 40 hex characters. */
#define SR_TOKEN_LEN 44

/* ------------------------------------------------------------------ */
/* The matcher's inputs: the lexicon in force and the places. */

/* What the matcher is built from, read from the database. Owns its
 * strings; sr_sources_free. */
typedef struct sr_sources {
	struct sm_term *terms;
	size_t nterms;
	struct sm_place *places;
	size_t nplaces;
	char *strings;		/* one block holding every name and term */
} sr_sources;

/* Reads the lexicon in force (the shipped one with sentiment_terms
 * applied) and the places: the city (from the root bureau's name:
 * "新郑市教育体育局" gives 新郑市 and 新郑), every active township by its
 * name, and every active school by its full name, its name without the
 * city's prefix (weak unless what is left starts with a township's name:
 * 实验初级中学 and 第一高级中学 exist in every city, 龙湖镇中心小学 does
 * not), with the city's short name (新郑实验初级中学), the usual short
 * forms (高级中学 → 高中; 第一高级中学 → 新郑一高, weak 一高; 初级中学 →
 * 初中; 中心学校 → 中心校) and its aliases
 * (units.aliases, separated by , ， 、 or spaces; an alias of at most
 * three characters that starts with a numeral is weak). Duplicate names
 * are kept once (the first school wins). Read. */
xa_err sr_sources_load(db *conn, sr_sources *out);
void sr_sources_free(sr_sources *s);

/* sr_sources_load then sm_new. Read. */
xa_err sr_matcher_load(db *conn, struct sm_matcher **out);

/* The categories' names ("physical" ... "mitigating", in enum sm_cat's
 * order; catalog key "sentiment.cat.NAME") and back. */
const char *sr_cat_name(enum sm_cat c);
xa_err sr_cat_parse(const char *name, enum sm_cat *out);

/* The office edits the lexicon: adds or re-weights a term (weight as
 * sm_term's rules: 1..50, or -50..-1 for mitigating), removes one (a
 * shipped term is marked removed; an added one is deleted), or restores
 * a shipped term to its shipped weight. XA_EINVAL for an empty term,
 * one over SM_MAX_NAME characters, a weight or category out of range;
 * XA_EUTF8; XA_ENOTFOUND to remove a term that is not in force or
 * restore one that was not shipped. Writer. */
xa_err sr_term_set(db *conn, const char *term, int weight, enum sm_cat cat,
    int64_t by, int64_t now);
xa_err sr_term_remove(db *conn, const char *term, int64_t by, int64_t now);
xa_err sr_term_restore(db *conn, const char *term);

/* ------------------------------------------------------------------ */
/* Taking an item in. */

/* 1 for a link the register keeps: http:// or https:// (lower case),
 * a host, at most SR_URL_MAX bytes, no blank or control character. The
 * pages and the push refuse any other at the door. */
int sr_link_ok(const char *u);

enum sr_source { SR_FEED = 1, SR_PUSH, SR_MANUAL };

/* An item as it arrives. Strings may be NULL (""), and are cut to the
 * caps above here; m is the caller's sm_match of title and body. */
typedef struct sr_item {
	enum sr_source source;
	int64_t feed_id;		/* SR_FEED */
	int64_t token_id;		/* SR_PUSH */
	int64_t entered_by;		/* SR_MANUAL: the account */
	int64_t file_id;		/* SR_MANUAL: a screenshot, 0 none */
	const char *ext_id;		/* the source's id of the item */
	const char *outlet;		/* site, account, feed title, "电话" */
	const char *url;		/* http(s) only, else dropped */
	const char *title;
	const char *body;
	int64_t published;		/* UTC seconds, 0: unknown */
	struct sm_result m;
} sr_item;

enum sr_outcome_kind {
	SR_ADDED = 1,	/* a new story */
	SR_FOLDED,	/* another copy of a story seen before */
	SR_SEEN,	/* this very item was taken before (dedup_key): nothing done */
};

typedef struct sr_outcome {
	enum sr_outcome_kind kind;
	int64_t id;		/* the item (SR_SEEN: the one taken before) */
	int64_t story_id;
	int alerted;		/* this item raised the story's notice */
} sr_outcome;

/* Takes one item in, at now: stores it (unless its dedup key, from the
 * source and ext_id or else the link, was taken before: "f<feed>:<id>",
 * "p<token>:<id>", an id longer than SR_EXTID_MAX by its SM3), folds it into a story of the last
 * SR_FOLD_DAYS with the same link or a near SimHash (sm_near_dup), keeps
 * the story's highest score, and, the first time a story's score reaches
 * SM_THRESHOLD with a school named, raises sentiment.alert (notify_emit,
 * urgent by the bureau's rules, unit: the school, link
 * /sentiment/items/STORY, dedup "sentiment:STORY"). Counts the item on
 * its feed or token. A story dismissed gets a new copy quietly (folded,
 * no notice). Writer. */
xa_err sr_ingest(db *conn, const sr_item *it, int64_t now, sr_outcome *out);

/* Stores a file (a screenshot) for a manual item; *id gets it. Writer. */
xa_err sr_file_add(db *conn, const char *name, const char *mime, const void *data,
    size_t len, int64_t by, int64_t now, int64_t *id);

/* ------------------------------------------------------------------ */
/* Handling a story. Each acts on the story's first item (id must be a
 * story; another item answers XA_ENOTFOUND like a missing one) and sets
 * handled_by and handled_at. */

/* new → verified. XA_ECONFLICT when not new. */
xa_err sr_verify(db *conn, int64_t story, int64_t by, int64_t now);
/* new or verified → dismissed with a reason (1..SR_REASON_MAX
 * characters; XA_EINVAL without). XA_ECONFLICT when already dismissed or
 * when linked to a case or a report. */
xa_err sr_dismiss(db *conn, int64_t story, const char *reason, int64_t by,
    int64_t now);
/* dismissed → new, with a reason (kept in place of the dismissal's).
 * XA_ECONFLICT when not dismissed. */
xa_err sr_reopen(db *conn, int64_t story, const char *reason, int64_t by,
    int64_t now);
/* Links the story to case_id (which must exist: XA_EINVAL) and marks it
 * verified. XA_ECONFLICT when dismissed. Linking again replaces the
 * link. */
xa_err sr_link_case(db *conn, int64_t story, int64_t case_id, int64_t by,
    int64_t now);
/* Records that the story was turned into report_id (the caller created
 * the report in the same transaction) and marks it verified.
 * XA_ECONFLICT when dismissed or already turned into a report. */
xa_err sr_set_report(db *conn, int64_t story, int64_t report_id, int64_t by,
    int64_t now);
/* Records the office's official response: its text (1..SR_RESPONSE_MAX
 * characters), where it was made (channel, 1..100 characters: 官方微博,
 * 新闻发布会 ...) and when (at: UTC seconds, not after now: XA_EINVAL).
 * Allowed in any state (a dismissed rumour may be answered: 辟谣).
 * Recording again replaces it. */
xa_err sr_respond(db *conn, int64_t story, const char *text, const char *channel,
    int64_t at, int64_t by, int64_t now);

/* ------------------------------------------------------------------ */
/* Feeds. */

/* Adds a feed (name 1..100 characters; url http:// or https://, at most
 * SR_URL_MAX bytes, no spaces; interval SR_INTERVAL_MIN..MAX), due at
 * once. XA_EINVAL for a bad field. Writer. */
xa_err sr_feed_add(db *conn, const char *name, const char *url, int interval_min,
    int64_t by, int64_t now, int64_t *id);
/* Changes name, url, interval and enabled (a changed url forgets the
 * validators and the failures, and is due at once; enabling makes it due
 * at once). XA_ENOTFOUND, XA_EINVAL. Writer. */
xa_err sr_feed_update(db *conn, int64_t id, const char *name, const char *url,
    int interval_min, int enabled, int64_t now);

/* A feed claimed for one poll. */
typedef struct sr_feed_due {
	int64_t id;
	char url[SR_URL_MAX + 1];
	char etag[512];
	char last_modified[128];
	char name[404];
} sr_feed_due;

/* Claims up to max enabled feeds due at now (next_at <= now), oldest due
 * first, moving each one's next_at to now + lease so that no other poll
 * takes it meanwhile. *n gets how many. Writer. */
xa_err sr_feeds_claim(db *conn, int64_t now, int64_t lease, sr_feed_due *out,
    size_t max, size_t *n);

/* Gives a claim back unfetched (the server is stopping): the feed is
 * due at now, so the next start reads it at once instead of after the
 * lease. A feed not leased past now is left alone. Writer. */
xa_err sr_feed_release(db *conn, int64_t id, int64_t now);

/* Records how a poll ended: ok (1: a 200 or a 304; etag and
 * last_modified replace the stored ones when not NULL; items: how many
 * were new, kept as last_items) or failed (0: why, in English, kept as last_error, and the
 * next poll backs off: interval × 2^failures, at most a day). polled_at
 * is now; the next poll is due interval minutes on. Writer. */
xa_err sr_feed_polled(db *conn, int64_t id, int ok, const char *etag,
    const char *last_modified, const char *why, size_t items, int64_t now);

/* ------------------------------------------------------------------ */
/* Tokens of outside monitoring services. */

/* Issues a token named name (1..100 characters): token (SR_TOKEN_LEN + 1
 * bytes) gets the only copy ever shown; *id its row. Writer. */
xa_err sr_token_issue(db *conn, const char *name, int64_t by, int64_t now,
    char token[SR_TOKEN_LEN + 1], int64_t *id);
/* Revokes it for good. XA_ENOTFOUND; XA_ECONFLICT when already revoked.
 * Writer. */
xa_err sr_token_revoke(db *conn, int64_t id, int64_t by, int64_t now);
/* The live token's id for a token as presented, compared by its SM3;
 * XA_ENOTFOUND for a malformed, unknown or revoked one. Read. */
xa_err sr_token_check(db *conn, const char *token, int64_t *id);
/* Marks a token used at now. Writer. */
xa_err sr_token_used(db *conn, int64_t id, int64_t now);

/* ------------------------------------------------------------------ */
/* The bimonthly 通报. */

/* The de-identified summary of the stories first seen in bimonth
 * (1: Jan–Feb ... 6: Nov–Dec) of year, in the bureau's zone (offset
 * seconds east of UTC) that concern the bureau: those that reached
 * SM_THRESHOLD or raised the notice, and those the office verified or
 * linked to a case or a report (the rest of a general news feed, and
 * what the office dismissed below the threshold, is not public opinion
 * about its schools):
 *   {"year", "bimonth", "from": "2026-11-01", "to": "2026-12-31",
 *    "stories", "items", "alerted", "verified", "dismissed", "new",
 *    "linked_cases", "reports", "responded",
 *    "responded_in_24h",                 stories answered within a day of
 *                                        their first item
 *    "by_source": {"feed", "push", "manual"},
 *    "by_cat": [{"cat", "n"}...],        categories of the stories' acts
 *    "by_township": [{"township", "n"}...],
 *    "stories_list": [{"no", "first_seen": "2026-11-03", "school",
 *                      "township", "cats": ["physical"...], "copies",
 *                      "score", "state", "case", "report",
 *                      "responded_on"}...]}
 * Nothing in it holds an item's title, text, link, outlet, a reason or a
 * response's words: those may name a child. A school's name is kept (the
 * office's duty is the school's). *out is the caller's. Read. */
xa_err sr_bulletin(db *conn, int year, int bimonth, long zone, json_t **out);

/* ------------------------------------------------------------------ */

/* Adds a semester of items to the demo city (one transaction, the
 * caller's): stories about its schools from a couple of feeds, a pushed
 * service and the office's hand, some copied by several sites; most
 * verified and answered, some dismissed, some linked to cases or turned
 * into reports, the last days' still new. No feed at an outside
 * address (the demo's feeds are disabled and point at example.invalid).
 * Each change with its audit record (source "xiaoan demo").
 * Deterministic from seed. One line to out (may be NULL). */
xa_err sentiment_demo(db *d, uint64_t seed, int64_t now, FILE *out, char *err,
    size_t errlen);

#endif
