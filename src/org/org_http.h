/* org_http.h: the registry's pages and API (units, classes, committees,
 * CSV import and export). The route table is joined into the server's
 * by src/app/routes.c. */
#ifndef XA_ORG_HTTP_H
#define XA_ORG_HTTP_H

#include <stddef.h>

#include "../http/router.h"

extern const route org_routes[];
extern const size_t org_routes_count;
/* The bureau's working calendar (calendar_http.c). */
extern const route calendar_routes[];
extern const size_t calendar_routes_count;

#endif
