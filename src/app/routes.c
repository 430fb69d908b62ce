/* routes.c: the route table, the one place that says what xiaoan answers.
 *
 * Order matters only where patterns overlap: the first match wins. Every
 * route that takes input declares its fields here, so validation happens
 * before any handler runs. */
#include "app.h"

static const char *const languages[] = { "zh", "en", NULL };
static const field site_query[] = {
	{ "lang", FT_ENUM, 0, 0, 0, languages },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const route routes[] = {
	{ M_GET, "/", site_home, 0, NULL, NULL, "home", "home" },
	{ M_GET, "/api/v1/public/site", site_home, R_API, site_query, NULL, NULL,
	  "api_public_site" },
	{ M_GET, "/healthz", site_healthz, R_API, NULL, NULL, NULL, "healthz" },
	{ M_GET, "/metrics", site_metrics, R_API, NULL, NULL, NULL, "metrics" },
	{ M_POST, "/api/v1/csp-reports", site_csp_report, R_API | R_RAW_BODY,
	  NULL, NULL, NULL, "csp_reports" },
	{ M_GET, "/static/{file}", site_static, R_PUBLIC, NULL, NULL, NULL,
	  "static" },
	{ M_GET, "/static/{ver}/{file}", site_static, R_PUBLIC, NULL, NULL, NULL,
	  "static" },
};

void
app_get(server_app *app)
{
	app->routes = routes;
	app->nroutes = sizeof routes / sizeof routes[0];
	app->decorate = site_decorate;
}
