/* app.h: the application xiaoan serves: its routes and the model every
 * page shares. Domain folders add their routes to routes.c. */
#ifndef XA_APP_H
#define XA_APP_H

#include "../http/server.h"

/* The server hooks: every route, and the page decorator. */
void app_get(server_app *app);

/* Handlers of the site itself (site.c). */
void site_home(req *r);
void site_healthz(req *r);
void site_metrics(req *r);
void site_csp_report(req *r);
void site_static(req *r);
/* Adds the "site" block every page template reads. */
void site_decorate(req *r, json_t *model);

#endif
