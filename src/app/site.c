/* site.c: the pages and endpoints of the site itself: the public home,
 * health, metrics, static assets, and CSP violation reports.
 *
 * Nothing here knows of cases or schools. CSP reports come from any
 * browser without an account, so what is kept is capped in size and in
 * number and never includes the reporter's address. */
#include "app.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../auth/auth.h"
#include "../core/buf.h"
#include "../core/i18n.h"
#include "../core/log.h"
#include "../http/form.h"
#include "../http/static.h"
#include "../notify/notify_http.h"

/* How many CSP reports are kept; older ones are dropped as new arrive. */
#define CSP_KEEP 10000
/* Longest text kept from one field of a report. */
#define CSP_FIELD 512

/* The menu of a signed-in account: only what its roles may open. */
static void
site_nav(req *r, json_t *nav)
{
	const principal *p = r->user;
	static const struct {
		const char *href, *label_key;
		enum action need;
		int unit_scoped;
		enum action also;	/* another action that also shows it */
	} items[] = {
		{ "/cases", "nav.cases", A_CASE_READ, 1, A_REPORT_CREATE },
		{ "/reports", "nav.reports", A_REPORT_CREATE, 1, A_REPORT_TRIAGE },
		{ "/supervision", "nav.supervision", A_SUPERVISE, 2, A__COUNT },
		{ "/sentiment", "nav.sentiment", A_SENTIMENT, 2, A__COUNT },
		{ "/identity-requests", "nav.identity", A_IDENTITY_APPROVE, 2, A__COUNT },
		{ "/catalogue", "nav.catalogue", A_CATALOGUE_WRITE, 1, A__COUNT },
		{ "/surveys", "nav.surveys", A_SURVEY_RESULTS, 1, A_SURVEY_OPEN },
		{ "/survey-warnings", "nav.survey_warnings", A_SURVEY_WARNING, 1, A_SURVEY_RESULTS },
		{ "/prevention", "nav.prevention", A_PREVENTION_READ, 1, A__COUNT },
		{ "/dashboard", "evaluation.dashboard_title", A_DASHBOARD, 1, A__COUNT },
		{ "/returns", "returns.nav", A_RETURN_READ, 1, A__COUNT },
		{ "/inspections", "inspect.campaigns_title", A_INSPECT_READ, 1, A__COUNT },
		{ "/inspections/tasks", "inspect.tasks_title", A_INSPECT_READ, 1, A__COUNT },
		{ "/accountability", "inspect.acc_title", A_ACCOUNTABILITY_READ, 2, A__COUNT },
		{ "/evaluations", "evaluation.title_list", A_EVALUATION_READ, 1, A__COUNT },
		{ "/city-report", "evaluation.report_title", A_CITY_REPORT, 2, A__COUNT },
		{ "/directory/filings", "directory.nav_review", A_DIRECTORY_APPROVE, 2, A__COUNT },
		{ "/directory/mine", "directory.nav_filing", A_DIRECTORY_FILE, 1, A__COUNT },
		{ "/units", "nav.units", A_UNIT_READ, 1, A__COUNT },
		{ "/accounts", "nav.accounts", A_ACCOUNT_READ, 1, A__COUNT },
		{ "/calendar", "nav.calendar", A_CALENDAR_WRITE, 2, A__COUNT },
		{ "/audit", "nav.audit", A_AUDIT_READ, 0, A__COUNT },
		{ "/settings", "nav.settings", A_POLICY_WRITE, 0, A__COUNT },
	};
	if (r->user_pending)
		return;
	/* The inbox first, for everyone, with what still waits for an
	 * acknowledgement. */
	int64_t waiting = notify_unacked(r->rdb, p->account_id);
	char count[24];
	snprintf(count, sizeof count, "%lld", (long long)waiting);
	json_array_append_new(nav, json_pack("{s:s, s:s, s:I}", "href", "/inbox",
	    "label", waiting > 0 ? i18n_fill(r->a, r->lang, "inbox.nav_count", "N", count, NULL) :
	    i18n(r->lang, "inbox.nav"), "count", (json_int_t)waiting));
	for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
		const char *path = items[i].unit_scoped == 1 ? p->unit_path :
		    items[i].unit_scoped == 2 ? p->scope_path : NULL;
		int ok = policy_allow(p, items[i].need, path);
		if (!ok && items[i].also != A__COUNT)
			ok = policy_allow(p, items[i].also, path);
		if (!ok && items[i].need == A_POLICY_WRITE)
			ok = policy_allow(p, A_SETTINGS_WRITE, NULL);
		if (!ok)
			continue;
		json_array_append_new(nav, json_pack("{s:s, s:s}", "href", items[i].href,
		    "label", i18n(r->lang, items[i].label_key)));
	}
	if (notify_rules_allowed(p))
		json_array_append_new(nav, json_pack("{s:s, s:s}", "href", "/notify/rules",
		    "label", i18n(r->lang, "rules.nav")));
}

void
site_decorate(req *r, json_t *model)
{
	const config *c = server_config(r->srv);
	int en = strcmp(r->lang, "en") == 0;
	json_t *site = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s}, s:s, s:s, s:n}",
	    "lang", r->lang,
	    "html_lang", en ? "en" : "zh-CN",
	    "other_lang", en ? "zh" : "en",
	    "other_lang_label", en ? "中文" : "English",
	    "path", r->path ? r->path : "/",
	    "hotline", c->hotline,
	    "bureau", "name", c->bureau_name,
	    "youth_hotline", "12355",
	    "static", static_base(),
	    "user");
	if (site != NULL && r->user != NULL) {
		const principal *p = r->user;
		json_object_set_new(site, "user", json_pack("{s:s, s:s, s:b}",
		    "display_name", p->display_name, "username", p->username,
		    "pending", r->user_pending));
		json_object_set_new(site, "csrf", json_string(p->csrf));
		json_t *nav = json_array();
		site_nav(r, nav);
		json_object_set_new(site, "nav", nav);
	}
	if (site != NULL)
		json_object_set_new(model, "site", site);
}


void
site_home(req *r)
{
	const config *c = server_config(r->srv);
	json_t *lang = json_object_get(r->q, "lang");
	if (json_is_string(lang))
		r->lang = strcmp(json_string_value(lang), "en") == 0 ? "en" : "zh";
	/* The model of the public landing page: who to call. The API form of
	 * the same model is what an integration needs to show the same. */
	json_t *m = json_pack("{s:s, s:{s:s}, s:{s:s, s:s, s:s, s:s}, s:[{s:s, s:s}]}",
	    "lang", r->lang, "page", "title_key", "home.title",
	    "contact", "bureau", c->bureau_name, "hotline", c->hotline,
	    "youth_hotline", "12355", "emergency", "110",
	    /* Every school's anti-bullying office, public. */
	    "links", "href", "/directory", "label_key", "directory.nav_public");
	req_answer(r, 200, m);
}

void
site_healthz(req *r)
{
	if (server_db_ok(r))
		req_json(r, 200, json_pack("{s:s}", "status", "ok"));
	else
		req_json(r, 503, json_pack("{s:s}", "status", "unavailable"));
}

/* 1 when addr is in the comma-separated list. */
static int
listed(const char *list, const char *addr)
{
	size_t n = strlen(addr);
	for (const char *p = list; (p = strstr(p, addr)) != NULL; p += n) {
		int start = p == list || p[-1] == ',' || p[-1] == ' ';
		int end = p[n] == '\0' || p[n] == ',' || p[n] == ' ';
		if (start && end)
			return 1;
	}
	return 0;
}

void
site_metrics(req *r)
{
	/* Route counts say little, but they are for operators, not the
	 * public: anyone else is told there is nothing here. */
	if (!listed(server_config(r->srv)->metrics_allow, r->client)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	buf out;
	buf_init(&out, 4u << 20);
	if (server_metrics(r->srv, &out) != XA_OK) {
		buf_free(&out);
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_text(r, 200, "text/plain; version=0.0.4; charset=utf-8",
	    out.data ? out.data : "", out.len);
	buf_free(&out);
}

void
site_static(req *r)
{
	static_serve(r);
}

struct csp {
	const char *document_uri, *directive, *blocked_uri, *source_file;
	int64_t line;
	int64_t at;
};

/* A report field as text, cut to CSP_FIELD bytes on a UTF-8 boundary. */
static const char *
report_field(req *r, json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);
	if (!json_is_string(v) && b != NULL)
		v = json_object_get(o, b);
	if (!json_is_string(v))
		return "";
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (n > CSP_FIELD) {
		n = CSP_FIELD;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	const char *out = arena_strndup(r->a, s, n);
	return out ? out : "";
}

static xa_err
csp_store(db *conn, void *ctx)
{
	struct csp *c = ctx;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn,
	    "INSERT INTO csp_reports (received_at, document_uri, violated_directive,"
	    " blocked_uri, source_file, line) VALUES (?, ?, ?, ?, ?, ?)", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, c->at);
	db_bind_text(st, 2, c->document_uri, -1);
	db_bind_text(st, 3, c->directive, -1);
	db_bind_text(st, 4, c->blocked_uri, -1);
	db_bind_text(st, 5, c->source_file, -1);
	db_bind_int(st, 6, c->line);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	e = db_prepare(conn,
	    "DELETE FROM csp_reports WHERE id <= (SELECT max(id) FROM csp_reports) - ?",
	    &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, CSP_KEEP);
	rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

static void
csp_stored(req *r, void *ctx, xa_err result)
{
	if (result != XA_OK) {
		log_error("request %s: storing a CSP report failed: %s", r->id,
		    xa_strerror(result));
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	req_text(r, 204, NULL, "", 0);
}

void
site_csp_report(req *r)
{
	form_limits lim;
	json_t *j = NULL;
	form_limits_default(&lim);
	lim.max_json_depth = 4;
	if (r->body_len > 16384) {
		req_error(r, 413, "body_too_large", NULL);
		return;
	}
	xa_err e = form_parse_json(r->body, r->body_len, &lim, &j);
	if (e != XA_OK || !json_is_object(j)) {
		json_decref(j);
		req_error(r, 400, e == XA_EUTF8 ? "bad_utf8" : "bad_json", NULL);
		return;
	}
	json_t *rep = json_object_get(j, "csp-report");
	struct csp *c = arena_calloc(r->a, 1, sizeof *c);
	if (!json_is_object(rep) || c == NULL) {
		json_decref(j);
		req_error(r, c ? 400 : 500, c ? "invalid_field" : "internal",
		    c ? "csp-report" : NULL);
		return;
	}
	c->document_uri = report_field(r, rep, "document-uri", NULL);
	c->directive = report_field(r, rep, "violated-directive", "effective-directive");
	c->blocked_uri = report_field(r, rep, "blocked-uri", NULL);
	c->source_file = report_field(r, rep, "source-file", NULL);
	json_t *ln = json_object_get(rep, "line-number");
	c->line = json_is_integer(ln) ? json_integer_value(ln) : 0;
	c->at = (int64_t)time(NULL);
	json_decref(j);
	if (c->document_uri[0] == '\0' || c->directive[0] == '\0') {
		req_error(r, 400, "missing_field",
		    c->document_uri[0] == '\0' ? "document-uri" : "violated-directive");
		return;
	}
	req_write(r, csp_store, c, csp_stored);
}
