/* sentiment_http.h: the route table of public-opinion monitoring
 * (舆情监测, issue 8): the register and its handling, the push API of
 * outside services, the feeds, tokens and lexicon, the bimonthly 通报
 * (sentiment_http.c, sentiment_admin_http.c). */
#ifndef XA_SENTIMENT_HTTP_H
#define XA_SENTIMENT_HTTP_H

#include <stddef.h>

#include "../http/router.h"

extern const route sentiment_routes[];
extern const size_t sentiment_routes_count;
/* The feeds, the services' tokens, the lexicon and the bimonthly 通报
 * (sentiment_admin_http.c). */
extern const route sentiment_admin_routes[];
extern const size_t sentiment_admin_routes_count;

#endif
