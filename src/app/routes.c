/* routes.c: the route table, the one place that says what xiaoan answers.
 *
 * Order matters only where patterns overlap: the first match wins. Every
 * route that takes input declares its fields here, so validation happens
 * before any handler runs. */
#include "app.h"
#include "../notify/notify_http.h"
#include "../notify/sched.h"
#include "../prevention/prevention_http.h"
#include "../bureau/bureau_http.h"
#include "../bureau/returns.h"
#include "../sentiment/poll.h"
#include "../sentiment/sentiment_http.h"

#include <stdlib.h>

#include "../admin/admin.h"
#include "../auth/session.h"
#include "../cases/cases_http.h"
#include "../org/org_http.h"

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
	/* Signing in and the account's own page. */
	{ M_GET, "/signin", auth_signin_page, 0, auth_signin_query, NULL, "signin",
	  "signin_page" },
	{ M_POST, "/signin", auth_signin, R_NO_CSRF, NULL, auth_signin_fields,
	  "signin", "signin_form" },
	{ M_POST, "/api/v1/session", auth_signin, R_API | R_NO_CSRF, NULL,
	  auth_signin_fields, NULL, "session_create" },
	{ M_DELETE, "/api/v1/session", auth_signout, R_API | R_AUTH | R_PENDING_OK,
	  NULL, NULL, NULL, "session_delete" },
	{ M_POST, "/signout", auth_signout, R_AUTH | R_PENDING_OK, NULL, NULL, NULL,
	  "signout" },
	{ M_GET, "/api/v1/me", auth_me, R_API | R_AUTH | R_PENDING_OK, NULL, NULL,
	  NULL, "me" },
	{ M_GET, "/me", auth_me, R_AUTH | R_PENDING_OK, NULL, NULL, "me", "me_page" },
	{ M_POST, "/api/v1/me/password", auth_password, R_API | R_AUTH | R_PENDING_OK,
	  NULL, auth_password_fields, NULL, "me_password" },
	{ M_POST, "/me/password", auth_password, R_AUTH | R_PENDING_OK, NULL,
	  auth_password_fields, "me", "me_password_form" },
	{ M_POST, "/api/v1/me/totp", auth_totp_begin, R_API | R_AUTH | R_PENDING_OK,
	  NULL, NULL, NULL, "me_totp" },
	{ M_POST, "/me/totp", auth_totp_begin, R_AUTH | R_PENDING_OK, NULL, NULL,
	  "me", "me_totp_form" },
	{ M_POST, "/api/v1/me/totp/confirm", auth_totp_confirm,
	  R_API | R_AUTH | R_PENDING_OK, NULL, auth_totp_fields, NULL, "me_totp_confirm" },
	{ M_POST, "/me/totp/confirm", auth_totp_confirm, R_AUTH | R_PENDING_OK, NULL,
	  auth_totp_fields, "me", "me_totp_confirm_form" },
	{ M_GET, "/static/{file}", site_static, R_PUBLIC, NULL, NULL, NULL,
	  "static" },
	{ M_GET, "/static/{ver}/{file}", site_static, R_PUBLIC, NULL, NULL, NULL,
	  "static" },
};

/* Each part of the product declares its own table; they are joined here
 * once at start-up. */
static const struct {
	const route *table;
	const size_t *count;
} parts[] = {
	{ org_routes, &org_routes_count },
	{ calendar_routes, &calendar_routes_count },
	{ admin_routes, &admin_routes_count },
	{ report_public_routes, &report_public_routes_count },
	{ reports_routes, &reports_routes_count },
	{ cases_routes, &cases_routes_count },
	{ measures_routes, &measures_routes_count },
	{ oversight_routes, &oversight_routes_count },
	{ notify_routes, &notify_routes_count },
	{ survey_routes, &survey_routes_count },
	{ questionnaire_routes, &questionnaire_routes_count },
	{ results_routes, &results_routes_count },
	{ records_routes, &records_routes_count },
	{ returns_routes, &returns_routes_count },
	{ inspect_routes, &inspect_routes_count },
	{ directory_routes, &directory_routes_count },
	{ evaluation_routes, &evaluation_routes_count },
	{ dashboard_routes, &dashboard_routes_count },
	{ sentiment_routes, &sentiment_routes_count },
	{ sentiment_admin_routes, &sentiment_admin_routes_count },
};

static route *all;

/* The background threads: the notices' scheduler and the feed poller. */
struct bg {
	void *sched, *poller;
};

static void *
bg_start(server *s)
{
	struct bg *b = calloc(1, sizeof *b);
	if (b == NULL)
		return NULL;
	b->sched = sched_start(s);
	b->poller = sentiment_poller_start(s);
	return b;
}

static void
bg_stop(void *h)
{
	struct bg *b = h;
	if (b == NULL)
		return;
	/* The poller first: its last writes may raise notices. */
	sentiment_poller_stop(b->poller);
	sched_stop(b->sched);
	free(b);
}

void
app_get(server_app *app)
{
	size_t n = sizeof routes / sizeof routes[0];
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		n += *parts[i].count;
	if (all == NULL) {
		all = calloc(n, sizeof *all);
		if (all == NULL)
			abort();	/* at start-up, before anything is served */
		size_t k = 0;
		for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
			all[k++] = routes[i];
		for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
			for (size_t j = 0; j < *parts[i].count; j++)
				all[k++] = parts[i].table[j];
	}
	app->routes = all;
	app->nroutes = n;
	app->decorate = site_decorate;
	app->authenticate = auth_authenticate;
	/* The monthly returns' reminders, once a minute with the deadlines. */
	sched_add_periodic(returns_remind);
	app->bg_start = bg_start;
	app->bg_stop = bg_stop;
}
