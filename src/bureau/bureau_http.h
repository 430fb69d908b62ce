/* bureau_http.h: the route tables of the bureau's oversight (issue 7):
 * monthly returns (returns_http.c), inspection and accountability
 * (inspect_http.c), the public directory and its filing
 * (directory_http.c), the yearly self-evaluation and the city report
 * (evaluation_http.c), the dashboards (dashboard_http.c). */
#ifndef XA_BUREAU_HTTP_H
#define XA_BUREAU_HTTP_H

#include <stddef.h>

#include "../http/router.h"

extern const route returns_routes[];
extern const size_t returns_routes_count;
extern const route inspect_routes[];
extern const size_t inspect_routes_count;
extern const route directory_routes[];
extern const size_t directory_routes_count;

extern const route evaluation_routes[];
extern const size_t evaluation_routes_count;
extern const route dashboard_routes[];
extern const size_t dashboard_routes_count;

#endif
