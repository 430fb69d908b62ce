/* admin.h: the administrators' pages and API: accounts (system
 * administrator), roles and security policy (security administrator),
 * settings, and the audit log (audit administrator). The route table is
 * joined into the server's by src/app/routes.c. */
#ifndef XA_ADMIN_H
#define XA_ADMIN_H

#include <stddef.h>

#include "../http/router.h"

extern const route admin_routes[];
extern const size_t admin_routes_count;

#endif
