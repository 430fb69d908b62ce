/* feed.h: the feed reader of public-opinion monitoring (舆情监测).
 *
 * Parses RSS 2.0 (and 0.9x, 1.0), Atom 1.0 and JSON Feed 1.x documents
 * into items whose texts are plain, valid UTF-8; fetches a feed over
 * http or https with conditional requests, timeouts and a size cap. It
 * knows nothing of schools, matching or the database: the caller stores
 * the items and the validators (ETag, Last-Modified) and decides when to
 * retry. feed_fetch blocks for at most the request's timeout, so it runs
 * on a worker or the scheduler thread, never on an event loop; it keeps
 * no state between calls and several threads may call it at once.
 * Rules and limits: docs/internals/sentiment-feed.md. */
#ifndef XA_SENTIMENT_FEED_H
#define XA_SENTIMENT_FEED_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define FEED_ITEMS_MAX 500		/* items kept from one document */
#define FEED_TITLE_MAX 1024		/* bytes of a title (cut on a character) */
#define FEED_TEXT_MAX (64 * 1024)	/* bytes of an item's text (ditto) */
#define FEED_URL_MAX 2048		/* bytes of a link or an id */
#define FEED_WHY_MAX 256		/* bytes of a reason, with its NUL */

/* One item. Every string is non-NULL, NUL-terminated, valid UTF-8 without
 * control characters; "" when the feed gave nothing usable. */
typedef struct feed_item {
	char *id;		/* guid / id; else the link; else the title */
	char *link;		/* http or https only; anything else is "" */
	char *title;		/* plain text */
	char *text;		/* summary or content, HTML stripped, entities
				 * decoded, white space collapsed */
	int64_t published;	/* UTC seconds; 0 when absent or unreadable */
} feed_item;

typedef enum feed_format {
	FEED_RSS = 1,		/* RSS 0.9x, 1.0 (RDF) or 2.0 */
	FEED_ATOM,
	FEED_JSON,
} feed_format;

/* A parsed document. The caller owns it and frees it with feed_free. */
typedef struct feed {
	feed_format format;
	char *title;		/* the feed's own title, plain text */
	feed_item *items;	/* in document order */
	size_t n;
	size_t dropped;		/* items past FEED_ITEMS_MAX, not kept */
} feed;

/* Parses len bytes of data (XML in any encoding its declaration names,
 * GBK and GB18030 included, or JSON in UTF-8) into *out, which the caller
 * then owns. zone is the offset in seconds east of UTC assumed for a date
 * that names no zone (config_zone). Never reads a file or the network:
 * a document that declares an entity is refused (XXE, billion laughs),
 * and an external DTD is never loaded. Returns XA_EINVAL for a document that is
 * no feed or is malformed, XA_ETOOBIG over 16 MB, XA_ENOMEM; why (at
 * least FEED_WHY_MAX bytes) gets a short English reason. On failure *out
 * is left empty (safe to feed_free). */
xa_err feed_parse(const char *data, size_t len, long zone, feed *out,
    char *why, size_t whylen);
void feed_free(feed *f);

/* Reads an RFC 822 / RFC 1123 date ("Sat, 01 Mar 2025 10:00:00 +0800",
 * zone names GMT, UT, UTC, Z, EST..PDT) or an RFC 3339 one
 * ("2025-03-01T10:00:00.5+08:00"; a space for the T and a missing zone
 * are tolerated, the latter taken as zone) into UTC seconds.
 * XA_EINVAL when s is neither. */
xa_err feed_parse_date(const char *s, long zone, int64_t *out);

/* One fetch. Strings may be NULL; etag and last_modified are what the
 * previous answer gave (feed_result), sent as If-None-Match and
 * If-Modified-Since. Zero limits take the defaults in brackets. */
typedef struct feed_request {
	const char *url;		/* http:// or https:// only */
	const char *etag;
	const char *last_modified;
	long timeout_ms;		/* the whole fetch [30000] */
	long connect_timeout_ms;	/* connecting, TLS included [10000] */
	size_t max_bytes;		/* the body, after decompression [2 MB] */
	const char *user_agent;		/* ["xiaoan/<version> feed reader"] */
	long zone;			/* as for feed_parse */
	const atomic_int *cancel;	/* NULL, or a flag another thread may
					 * set: a fetch in progress then ends
					 * within about a second, as
					 * FEED_FAIL_NETWORK "cancelled" */
} feed_request;

typedef enum feed_status {
	FEED_NEW = 1,		/* 200: items holds the document */
	FEED_NOT_MODIFIED,	/* 304: nothing changed since the validators */
	FEED_FAILED,		/* see failure and why; retry later */
} feed_status;

typedef enum feed_failure {
	FEED_FAIL_NONE = 0,
	FEED_FAIL_URL,		/* not an http(s) URL, or a bad header value */
	FEED_FAIL_NETWORK,	/* cannot resolve, connect, TLS, reset */
	FEED_FAIL_TIMEOUT,	/* over timeout_ms or connect_timeout_ms */
	FEED_FAIL_TOOBIG,	/* the body passed max_bytes */
	FEED_FAIL_HTTP,		/* an answer other than 200 or 304 */
	FEED_FAIL_REDIRECTS,	/* more than 3 redirects */
	FEED_FAIL_PARSE,	/* 200, but not a feed (feed_parse's reason) */
} feed_failure;

/* What a fetch gave. The caller owns it and frees it with
 * feed_result_free. etag and last_modified are the final answer's
 * validators (NULL when it sent none), to store for the next request;
 * on FEED_NOT_MODIFIED they are the server's or, if it repeated none,
 * NULL (keep the old ones). */
typedef struct feed_result {
	feed_status status;
	feed_failure failure;
	long http_code;		/* the final answer's status; 0 if none */
	char *etag;
	char *last_modified;
	feed doc;		/* FEED_NEW only; else empty */
	char why[FEED_WHY_MAX];	/* short English reason; "" on success */
} feed_result;

/* Fetches rq->url and, on a 200, parses it. Follows at most 3 redirects,
 * only to http or https. Returns XA_OK for FEED_NEW and
 * FEED_NOT_MODIFIED; otherwise out->status is FEED_FAILED and the return
 * is XA_EINVAL (FEED_FAIL_URL, FEED_FAIL_PARSE), XA_ETOOBIG
 * (FEED_FAIL_TOOBIG) or XA_EIO (the others), XA_ENOMEM. The reason never
 * holds the URL (it may carry a key). *out is always initialised. */
xa_err feed_fetch(const feed_request *rq, feed_result *out);
void feed_result_free(feed_result *r);

/* libxml2's and libcurl's process-wide set-up. Call once from the main
 * thread before any worker calls feed_parse or feed_fetch (libxml2 2.9
 * asks for that); feed_parse and feed_fetch also call it, under
 * pthread_once, for callers that did not. */
xa_err feed_global_init(void);

#endif
