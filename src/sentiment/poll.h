/* poll.h: the feed poller of public-opinion monitoring (舆情监测).
 *
 * A thread of `xiaoan serve`, beside the notices' scheduler: every few
 * seconds it claims the feeds that are due (register.h, sr_feeds_claim;
 * no more than there are idle fetchers, so a claim's lease covers its
 * fetch), fetches them in parallel on a few threads of its own
 * (feed_fetch, with the stored validators), matches the new items
 * (match.h) and stores them (sr_ingest) with the poll's outcome
 * (sr_feed_polled), each in a writer job. A slow or broken feed holds up
 * only its own fetch; a failure is recorded on the feed and retried with
 * a back-off. Never fetches inside a writer job or on an event loop. */
#ifndef XA_SENTIMENT_POLL_H
#define XA_SENTIMENT_POLL_H

#include "../http/server.h"

/* Fetches at once, at most. */
#define SP_FETCHERS 4

/* Starts the poller (a claiming thread and SP_FETCHERS fetchers); NULL
 * when it cannot (logged). Call from the main thread, before the writer
 * stops: every database step is a writer job (server_write_wait). */
void *sentiment_poller_start(server *s);
/* Asks it to stop: fetches in progress are cut off within about a second
 * (not recorded as failures: the feed's lease runs out and the next start
 * polls it), items already fetched are stored; then joins the threads and
 * frees it. Call before the writer stops. NULL: no-op. */
void sentiment_poller_stop(void *h);

#endif
