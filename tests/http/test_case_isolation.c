/* test_case_isolation.c: the authorisation matrix of reports and cases.
 *
 * Built from the route tables themselves, so a route added later is
 * covered without a new row: every route of the report and case parts
 * that names an object by id is called by each role of school A — and by
 * the roles that must never reach case content (a partner agency, the
 * three administrators) — with school B's object and with an id that
 * does not exist. The two answers must be the same (status, and for the
 * API the very body), neither may succeed, and nothing may change. Every
 * route that needs an account refuses someone not signed in. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify/notify_http.h"
#include "app/app.h"
#include "auth/auth.h"
#include "cases/cases_http.h"
#include "fixture.h"
#include "harness.h"

static struct srv S;
static int64_t school_a, school_b, office, agency;
static int64_t case_b, report_b, request_b, supervision_b, office_staff;

struct who {
	const char *user;
	unsigned roles;
	int64_t *unit;
	struct session s;
};
static struct who people[] = {
	{ "a-principal", ROLE_BIT(ROLE_PRINCIPAL), &school_a, { { 0 } } },
	{ "a-committee", ROLE_BIT(ROLE_COMMITTEE), &school_a, { { 0 } } },
	{ "a-counsellor", ROLE_BIT(ROLE_COUNSELLOR), &school_a, { { 0 } } },
	{ "a-head", ROLE_BIT(ROLE_HEAD_TEACHER), &school_a, { { 0 } } },
	{ "a-teacher", ROLE_BIT(ROLE_TEACHER), &school_a, { { 0 } } },
	{ "police", ROLE_BIT(ROLE_AGENCY), &agency, { { 0 } } },
	{ "sys", ROLE_BIT(ROLE_SYSADMIN), NULL, { { 0 } } },
	{ "sec", ROLE_BIT(ROLE_SECADMIN), NULL, { { 0 } } },
	{ "aud", ROLE_BIT(ROLE_AUDITADMIN), NULL, { { 0 } } },
};
#define NPEOPLE (sizeof people / sizeof people[0])

static const struct {
	const route *t;
	const size_t *n;
} parts[] = {
	{ report_public_routes, &report_public_routes_count },
	{ reports_routes, &reports_routes_count },
	{ cases_routes, &cases_routes_count },
	{ measures_routes, &measures_routes_count },
	{ oversight_routes, &oversight_routes_count },
	{ notify_routes, &notify_routes_count },
};

static int64_t
fingerprint(void)
{
	return fx_int("SELECT (SELECT count(*) FROM audit_log) * 1000003"
	    " + (SELECT count(*) FROM cases) * 7 + (SELECT coalesce(sum(version), 0) FROM cases) * 11"
	    " + (SELECT count(*) FROM reports) * 13 + (SELECT count(*) FROM case_events) * 17"
	    " + (SELECT count(*) FROM case_parties) * 19 + (SELECT count(*) FROM case_measures) * 23"
	    " + (SELECT count(*) FROM case_reviews) * 29 + (SELECT count(*) FROM supervisions) * 31"
	    " + (SELECT count(*) FROM appeals) * 37 + (SELECT count(*) FROM identity_requests) * 41"
	    " + (SELECT count(*) FROM report_messages) * 43 + (SELECT count(*) FROM attachments) * 47"
	    " + (SELECT count(*) FROM measure_catalogue) * 53"
	    " + (SELECT count(*) FROM reports WHERE status <> 'new') * 59"
	    " + (SELECT count(*) FROM supervisions WHERE state <> 'open') * 61"
	    " + (SELECT count(*) FROM identity_requests WHERE state <> 'pending') * 67");
}

static int
setup(void **state)
{
	static const char *const extra[] = { "--loops", "2", "--access-log", "off", NULL };
	memset(&S, 0, sizeof S);
	if (srv_start(&S, extra) != 0 || fx_setup(&S) != 0)
		return -1;
	office = fx_unit(1, "office", "办公室", NULL);
	int64_t ta = fx_unit(1, "township", "甲镇", NULL);
	int64_t tb = fx_unit(1, "township", "乙镇", NULL);
	school_a = fx_unit(ta, "school", "甲校", "primary");
	school_b = fx_unit(tb, "school", "乙校", "primary");
	agency = fx_unit(1, "agency", "派出所", NULL);
	int64_t bureau = 1;
	for (size_t i = 0; i < NPEOPLE; i++) {
		int64_t unit = people[i].unit ? *people[i].unit : bureau;
		if (fx_account(unit, people[i].user, "Matrix-pass-1", people[i].roles) < 0 ||
		    fx_signin(&S, people[i].user, "Matrix-pass-1", &people[i].s) != 0)
			return -1;
	}
	office_staff = fx_account(office, "office-staff", "Matrix-pass-1",
	    ROLE_BIT(ROLE_OFFICE_STAFF));
	/* School B's objects, written behind the program's back: the access
	 * decision reads only plain columns, so the sealed ones hold a dummy. */
	char sql[1024];
	snprintf(sql, sizeof sql, "INSERT INTO cases (unit_id, year, seq, wkey, summary, state,"
	    " state_since, opened_at, owner_id) VALUES (%lld, 2026, 1, X'00', X'00', 'investigating',"
	    " 0, 0, NULL)", (long long)school_b);
	if (fx_sql(sql) != 0)
		return -1;
	case_b = fx_int("SELECT max(id) FROM cases");
	snprintf(sql, sizeof sql, "INSERT INTO reports (unit_id, queue_unit_id, channel, wkey, body,"
	    " created_at, updated_at) VALUES (%lld, %lld, 'hotline', X'00', X'00', 0, 0)",
	    (long long)school_b, (long long)school_b);
	if (fx_sql(sql) != 0)
		return -1;
	report_b = fx_int("SELECT max(id) FROM reports");
	snprintf(sql, sizeof sql, "INSERT INTO identity_requests (case_id, account_id, reason,"
	    " created_at) VALUES (%lld, %lld, 'for the test', 0)", (long long)case_b,
	    (long long)office_staff);
	if (fx_sql(sql) != 0)
		return -1;
	request_b = fx_int("SELECT max(id) FROM identity_requests");
	snprintf(sql, sizeof sql, "INSERT INTO supervisions (case_id, due_on, opened_at)"
	    " VALUES (%lld, '2026-12-01', 0)", (long long)case_b);
	if (fx_sql(sql) != 0)
		return -1;
	supervision_b = fx_int("SELECT max(id) FROM supervisions");
	return 0;
}

static int
teardown(void **state)
{
	fx_done();
	return srv_stop(&S);
}

/* Writes pattern with its {name:int} parameters replaced: the first by
 * the object (B's, or a missing id), the rest by small ids. */
static void
expand(const char *pattern, int64_t first, int64_t sub, char *out, size_t len)
{
	size_t n = 0;
	int k = 0;
	for (const char *p = pattern; *p && n + 24 < len;) {
		if (*p == '{') {
			const char *e = strchr(p, '}');
			int64_t v = k++ == 0 ? first : sub;
			n += (size_t)snprintf(out + n, len - n, "%lld", (long long)v);
			p = e ? e + 1 : p + strlen(p);
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
}

/* B's object for the route's first parameter. */
static int64_t
object_of(const char *pattern)
{
	if (strstr(pattern, "identity-requests/{") != NULL)
		return request_b;
	if (strncmp(pattern, "/reports/", 9) == 0 || strncmp(pattern, "/api/v1/reports/", 16) == 0)
		return report_b;
	return case_b;
}

static int
ask(struct who *w, const route *rt, unsigned method, const char *path, struct resp *r)
{
	const char *m = method == M_GET ? "GET" : method == M_POST ? "POST" :
	    method == M_PUT ? "PUT" : method == M_PATCH ? "PATCH" : "DELETE";
	if (rt->flags & R_API)
		return fx_req(&S, &w->s, m, path, method == M_GET ? NULL : "{}", r);
	return fx_req_cookie(&S, &w->s, m, path, "application/x-www-form-urlencoded",
	    method == M_GET ? NULL : "", 1, r);
}

static void
test_other_schools_objects(void **state)
{
	int bad = 0, checked = 0;
	for (size_t pi = 0; pi < sizeof parts / sizeof parts[0]; pi++)
		for (size_t k = 0; k < *parts[pi].n; k++) {
			const route *rt = &parts[pi].t[k];
			if (strstr(rt->pattern, ":int}") == NULL || (rt->flags & R_AUTH) == 0)
				continue;
			unsigned methods[] = { M_GET, M_POST, M_PUT, M_PATCH, M_DELETE };
			for (size_t mi = 0; mi < 5; mi++) {
				if ((rt->methods & methods[mi]) == 0)
					continue;
				char pb[256], pm[256];
				expand(rt->pattern, object_of(rt->pattern), 1, pb, sizeof pb);
				expand(rt->pattern, 987654321, 1, pm, sizeof pm);
				for (size_t wi = 0; wi < NPEOPLE; wi++) {
					struct who *w = &people[wi];
					int64_t before = fingerprint();
					struct resp rb, rm;
					if (ask(w, rt, methods[mi], pb, &rb) != 0 ||
					    ask(w, rt, methods[mi], pm, &rm) != 0) {
						fprintf(stderr, "%s as %s: no answer\n", pb, w->user);
						bad++;
						continue;
					}
					checked++;
					int same = rb.status == rm.status &&
					    (!(rt->flags & R_API) || strcmp(rb.body, rm.body) == 0);
					int refused = rb.status >= 400;
					int unchanged = fingerprint() == before;
					if (!same || !refused || !unchanged) {
						fprintf(stderr, "%s as %s: B %ld %.200s / missing %ld %.200s%s\n",
						    pb, w->user, rb.status, rb.body, rm.status, rm.body,
						    unchanged ? "" : " (something changed)");
						bad++;
					}
					resp_free(&rb);
					resp_free(&rm);
				}
			}
		}
	fprintf(stderr, "# %d answers compared\n", checked);
	assert_int_equal(bad, 0);
}

/* Lists hold nothing of school B for school A's people, the agency and
 * the administrators. */
static void
test_lists_hold_only_ones_own(void **state)
{
	static const char *const lists[] = { "/api/v1/cases?view=open", "/api/v1/cases?view=mine",
		"/api/v1/cases?view=overdue", "/api/v1/cases?view=archive", "/api/v1/reports",
		"/api/v1/supervision", "/api/v1/identity-requests" };
	int bad = 0;
	char needle[64];
	snprintf(needle, sizeof needle, "乙校");
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
		for (size_t wi = 0; wi < NPEOPLE; wi++) {
			struct resp r;
			if (fx_req(&S, &people[wi].s, "GET", lists[i], NULL, &r) != 0) {
				bad++;
				continue;
			}
			if (r.status == 200 && strstr(r.body, needle) != NULL) {
				fprintf(stderr, "%s as %s shows school B: %.300s\n", lists[i],
				    people[wi].user, r.body);
				bad++;
			}
			resp_free(&r);
		}
	assert_int_equal(bad, 0);
}

/* Nobody signed in: 401 from the API, the sign-in page for pages. */
static void
test_nobody(void **state)
{
	int bad = 0;
	for (size_t pi = 0; pi < sizeof parts / sizeof parts[0]; pi++)
		for (size_t k = 0; k < *parts[pi].n; k++) {
			const route *rt = &parts[pi].t[k];
			if ((rt->flags & R_AUTH) == 0)
				continue;
			char path[256];
			expand(rt->pattern, object_of(rt->pattern), 1, path, sizeof path);
			const char *m = (rt->methods & M_GET) ? "GET" : (rt->methods & M_POST) ?
			    "POST" : (rt->methods & M_PUT) ? "PUT" : "DELETE";
			int64_t before = fingerprint();
			struct resp r;
			int body = strcmp(m, "GET") != 0;
			http_req(&S, m, path, body ? "application/json" : NULL, body ? "{}" : NULL,
			    body ? 2 : 0, NULL, &r);
			const char *loc = resp_header(&r, "Location");
			int ok = (rt->flags & R_API) ? r.status == 401 :
			    (r.status == 303 && loc && strncmp(loc, "/signin", 7) == 0) ||
			    r.status == 403 || r.status == 401;
			if (!ok || fingerprint() != before) {
				fprintf(stderr, "%s %s signed out: %ld\n", m, path, r.status);
				bad++;
			}
			resp_free(&r);
		}
	assert_int_equal(bad, 0);
}


/* The menu offers the case pages to exactly the roles that can use them. */
static int
menu_has(const struct session *who, const char *href)
{
	struct resp r;
	char want[96];
	if (fx_req_cookie(&S, who, "GET", "/me", NULL, NULL, 0, &r) != 0)
		return -1;
	snprintf(want, sizeof want, "<li><a href=\"%s\">", href);
	int has = r.status == 200 && strstr(r.body, want) != NULL;
	resp_free(&r);
	return has;
}

static void
test_menu(void **state)
{
	struct session director, inspector;
	assert_true(fx_account(office, "m-director", "Matrix-pass-1",
	    ROLE_BIT(ROLE_OFFICE_DIRECTOR)) > 0);
	assert_true(fx_account(office, "m-inspector", "Matrix-pass-1",
	    ROLE_BIT(ROLE_INSPECTOR)) > 0);
	assert_int_equal(fx_signin(&S, "m-director", "Matrix-pass-1", &director), 0);
	assert_int_equal(fx_signin(&S, "m-inspector", "Matrix-pass-1", &inspector), 0);
	static const char *const hrefs[] = { "/cases", "/reports", "/supervision",
		"/identity-requests", "/catalogue" };
	static const struct {
		const char *who;
		int want[5];
	} rows[] = {
		{ "a-principal", { 1, 1, 0, 0, 1 } },
		{ "a-committee", { 1, 1, 0, 0, 0 } },
		{ "a-counsellor", { 1, 1, 0, 0, 0 } },
		{ "a-teacher", { 1, 1, 0, 0, 0 } },	/* their own reports and cases */
		{ "police", { 0, 0, 0, 0, 0 } },
		{ "sys", { 0, 0, 0, 0, 0 } },
		{ "aud", { 0, 0, 0, 0, 0 } },
		{ "director", { 1, 1, 1, 1, 1 } },
		{ "inspector", { 1, 0, 0, 0, 0 } },
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct session *who = strcmp(rows[i].who, "director") == 0 ? &director :
		    strcmp(rows[i].who, "inspector") == 0 ? &inspector : NULL;
		for (size_t k = 0; who == NULL && k < NPEOPLE; k++)
			if (strcmp(people[k].user, rows[i].who) == 0)
				who = &people[k].s;
		assert_non_null(who);
		for (size_t h = 0; h < 5; h++)
			if (menu_has(who, hrefs[h]) != rows[i].want[h]) {
				fprintf(stderr, "menu of %s: %s should be %s\n", rows[i].who, hrefs[h],
				    rows[i].want[h] ? "there" : "absent");
				bad++;
			}
	}
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_other_schools_objects),
		cmocka_unit_test(test_lists_hold_only_ones_own),
		cmocka_unit_test(test_nobody),
		cmocka_unit_test(test_menu),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
