/* test_http_basic.c: the real server over loopback: routing, statuses,
 * the headers every response carries, languages, static assets, health,
 * metrics, the access log, proxies, and downloads' file names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "harness.h"
#include "http/server.h"

static struct srv S;

static int
setup(void **state)
{
	static const char *const extra[] = { "--loops", "2", NULL };
	memset(&S, 0, sizeof S);
	return srv_start(&S, extra);
}

static int
teardown(void **state)
{
	int rc = srv_stop(&S);
	srv_cleanup(&S);
	return rc;
}

static void
assert_security_headers(const struct resp *r)
{
	const char *csp = resp_header(r, "Content-Security-Policy");
	assert_non_null(csp);
	assert_non_null(strstr(csp, "default-src 'self'"));
	assert_non_null(strstr(csp, "frame-ancestors 'none'"));
	assert_null(strstr(csp, "unsafe-inline"));
	assert_string_equal(resp_header(r, "X-Content-Type-Options"), "nosniff");
	assert_non_null(resp_header(r, "Referrer-Policy"));
	assert_non_null(resp_header(r, "X-Request-Id"));
	assert_null(resp_header(r, "Server"));
	assert_null(resp_header(r, "Strict-Transport-Security"));
}

static void
test_healthz(void **state)
{
	struct resp r;
	assert_int_equal(http_get(&S, "/healthz", &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"status\":\"ok\"}");
	assert_string_equal(resp_header(&r, "Content-Type"),
	    "application/json; charset=utf-8");
	assert_string_equal(resp_header(&r, "Cache-Control"), "no-store");
	assert_security_headers(&r);
	resp_free(&r);
}

static void
test_home_page(void **state)
{
	struct resp r;
	assert_int_equal(http_get(&S, "/", &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(resp_header(&r, "Content-Type"), "text/html; charset=utf-8");
	assert_non_null(strstr(r.body, "<html lang=\"zh-CN\""));
	assert_non_null(strstr(r.body, "62666010"));
	assert_non_null(strstr(r.body, "12355"));
	assert_null(strstr(r.body, "<script"));
	assert_null(strstr(r.body, "style=\""));
	assert_security_headers(&r);
	resp_free(&r);
}

static void
test_english_by_accept_language(void **state)
{
	static const char *const h[] = { "Accept-Language: en-US,en;q=0.9", NULL };
	struct resp r;
	assert_int_equal(http_req(&S, "GET", "/", NULL, NULL, 0, h, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "<html lang=\"en\""));
	resp_free(&r);
}

static void
test_language_switch_sets_cookie(void **state)
{
	struct resp r;
	assert_int_equal(http_get(&S, "/?lang=en", &r), 0);
	assert_int_equal(r.status, 303);
	assert_string_equal(resp_header(&r, "Location"), "/");
	const char *c = resp_header(&r, "Set-Cookie");
	assert_non_null(c);
	assert_non_null(strstr(c, "lang=en"));
	assert_non_null(strstr(c, "SameSite=Lax"));
	resp_free(&r);
	/* The rest of the address is kept. */
	assert_int_equal(http_get(&S, "/signin?next=%2Fme&lang=en", &r), 0);
	assert_int_equal(r.status, 303);
	assert_string_equal(resp_header(&r, "Location"), "/signin?next=/me");
	resp_free(&r);
	static const char *const h[] = { "Cookie: lang=en", "Accept-Language: zh", NULL };
	assert_int_equal(http_req(&S, "GET", "/", NULL, NULL, 0, h, &r), 0);
	assert_non_null(strstr(r.body, "<html lang=\"en\""));
	resp_free(&r);
}

static void
test_api_is_the_page_model(void **state)
{
	struct resp r;
	assert_int_equal(http_get(&S, "/api/v1/public/site?lang=en", &r), 0);
	assert_int_equal(r.status, 200);
	json_t *j = json_loads(r.body, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "lang")), "en");
	json_t *contact = json_object_get(j, "contact");
	assert_string_equal(json_string_value(json_object_get(contact, "hotline")),
	    "62666010");
	assert_string_equal(json_string_value(json_object_get(contact, "bureau")),
	    "新郑市教育体育局");
	json_decref(j);
	resp_free(&r);
}

static void
assert_api_error(const struct resp *r, long status, const char *code)
{
	assert_int_equal(r->status, status);
	json_t *j = json_loads(r->body, 0, NULL);
	assert_non_null(j);
	json_t *e = json_object_get(j, "error");
	assert_string_equal(json_string_value(json_object_get(e, "code")), code);
	const char *msg = json_string_value(json_object_get(e, "message"));
	assert_non_null(msg);
	assert_true(strlen(msg) > 3);
	assert_null(strstr(msg, "error."));
	json_decref(j);
}

static void
test_not_found(void **state)
{
	struct resp r;
	assert_int_equal(http_get(&S, "/api/v1/nothing-here", &r), 0);
	assert_api_error(&r, 404, "not_found");
	assert_security_headers(&r);
	resp_free(&r);
	/* A page answers with the error page, in Chinese by default. */
	assert_int_equal(http_get(&S, "/no/such/page", &r), 0);
	assert_int_equal(r.status, 404);
	assert_string_equal(resp_header(&r, "Content-Type"), "text/html; charset=utf-8");
	assert_non_null(strstr(r.body, "404"));
	assert_security_headers(&r);
	resp_free(&r);
}

static void
test_wrong_method(void **state)
{
	struct resp r;
	assert_int_equal(http_req(&S, "DELETE", "/healthz", NULL, NULL, 0, NULL, &r), 0);
	assert_api_error(&r, 405, "method_not_allowed");
	assert_string_equal(resp_header(&r, "Allow"), "GET, HEAD");
	assert_security_headers(&r);
	resp_free(&r);
	assert_int_equal(http_req(&S, "GET", "/api/v1/csp-reports", NULL, NULL, 0, NULL, &r), 0);
	assert_int_equal(r.status, 405);
	assert_string_equal(resp_header(&r, "Allow"), "POST");
	resp_free(&r);
}

static void
test_head(void **state)
{
	struct resp r;
	assert_int_equal(http_req(&S, "HEAD", "/healthz", NULL, NULL, 0, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 0);
	resp_free(&r);
}

static void
test_api_language(void **state)
{
	static const char *const h[] = { "Accept-Language: en", NULL };
	struct resp r;
	assert_int_equal(http_req(&S, "GET", "/api/v1/nothing", NULL, NULL, 0, h, &r), 0);
	assert_api_error(&r, 404, "not_found");
	json_t *j = json_loads(r.body, 0, NULL);
	const char *en = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
	char *en_copy = strdup(en);
	json_decref(j);
	resp_free(&r);
	assert_int_equal(http_get(&S, "/api/v1/nothing", &r), 0);
	j = json_loads(r.body, 0, NULL);
	const char *zh = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
	assert_string_not_equal(en_copy, zh);
	/* Chinese text: at least one byte outside ASCII. */
	int non_ascii = 0;
	for (const char *p = zh; *p; p++)
		non_ascii |= (unsigned char)*p >= 0x80;
	assert_true(non_ascii);
	free(en_copy);
	json_decref(j);
	resp_free(&r);
}

static void
test_static_assets(void **state)
{
	struct resp r;
	assert_int_equal(http_get(&S, "/", &r), 0);
	/* The page links its stylesheet under the versioned base. */
	const char *link = strstr(r.body, "/static/");
	assert_non_null(link);
	char path[128];
	size_t n = strcspn(link, "\"");
	assert_true(n < sizeof path);
	memcpy(path, link, n);
	path[n] = '\0';
	resp_free(&r);
	assert_int_equal(http_get(&S, path, &r), 0);
	assert_int_equal(r.status, 200);
	assert_true(r.len > 100);
	const char *cc = resp_header(&r, "Cache-Control");
	assert_non_null(cc);
	assert_non_null(strstr(cc, "max-age=31536000"));
	char etag[64];
	snprintf(etag, sizeof etag, "%s", resp_header(&r, "ETag"));
	assert_true(strlen(etag) > 4);
	assert_security_headers(&r);
	resp_free(&r);
	char inm[96];
	snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
	const char *const h[] = { inm, NULL };
	assert_int_equal(http_req(&S, "GET", path, NULL, NULL, 0, h, &r), 0);
	assert_int_equal(r.status, 304);
	assert_int_equal(r.len, 0);
	resp_free(&r);
	/* Unversioned: served, but cached briefly. */
	assert_int_equal(http_get(&S, "/static/xiaoan.css", &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(resp_header(&r, "Content-Type"), "text/css; charset=utf-8");
	assert_non_null(strstr(resp_header(&r, "Cache-Control"), "max-age=300"));
	resp_free(&r);
	assert_int_equal(http_get(&S, "/static/..%2Fxiaoan.db", &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
}

static void
test_metrics(void **state)
{
	struct resp r;
	assert_int_equal(http_get(&S, "/healthz", &r), 0);
	resp_free(&r);
	assert_int_equal(http_get(&S, "/metrics", &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(resp_header(&r, "Content-Type"), "text/plain; version=0.0.4"));
	assert_non_null(strstr(r.body,
	    "xiaoan_http_requests_total{route=\"healthz\",status=\"200\"}"));
	assert_non_null(strstr(r.body, "xiaoan_http_request_duration_seconds_bucket{le=\"+Inf\"}"));
	assert_non_null(strstr(r.body, "xiaoan_commit_batch_size_bucket"));
	assert_non_null(strstr(r.body, "xiaoan_commit_batches_total"));
	resp_free(&r);
}

static void
test_access_log(void **state)
{
	struct resp r;
	assert_int_equal(http_get(&S, "/healthz?secret=hunter2", &r), 0);
	char id[32];
	snprintf(id, sizeof id, "%s", resp_header(&r, "X-Request-Id"));
	resp_free(&r);
	/* The line names the request id; it never holds the query. */
	char want[96];
	snprintf(want, sizeof want, "GET /healthz 200");
	int found = 0;
	for (int i = 0; i < 100 && !found; i++) {
		found = file_contains(S.log, id);
		if (!found)
			usleep(10000);
	}
	assert_true(found);
	assert_true(file_contains(S.log, want));
	assert_false(file_contains(S.log, "hunter2"));
}

static void
test_content_disposition(void **state)
{
	char out[512];
	assert_int_equal(http_content_disposition("2026年11月 月报.xlsx", out, sizeof out), XA_OK);
	assert_string_equal(out, "attachment; filename=\"2026_11_ __.xlsx\"; "
	    "filename*=UTF-8''2026%E5%B9%B411%E6%9C%88%20%E6%9C%88%E6%8A%A5.xlsx");
	assert_int_equal(http_content_disposition("a\"b;c.csv", out, sizeof out), XA_OK);
	assert_string_equal(out, "attachment; filename=\"a_b_c.csv\"; filename*=UTF-8''a%22b%3Bc.csv");
	assert_int_equal(http_content_disposition("报告.pdf", out, 20), XA_ETOOBIG);
}

/* A database that no longer answers makes /healthz say so (within the
 * second it caches the answer for). */
static void
test_healthz_unavailable(void **state)
{
	struct srv h;
	memset(&h, 0, sizeof h);
	static const char *const extra[] = { "--loops", "1", NULL };
	assert_int_equal(srv_start(&h, extra), 0);
	char file[200];
	snprintf(file, sizeof file, "%s/data/xiaoan.db", h.dir);
	char *argv[] = { "sqlite3", file, "DROP TABLE schema_migrations", NULL };
	assert_int_equal(run_cmd(argv, NULL), 0);
	usleep(1100000);
	struct resp r;
	assert_int_equal(http_get(&h, "/healthz", &r), 0);
	assert_int_equal(r.status, 503);
	assert_string_equal(r.body, "{\"status\":\"unavailable\"}");
	assert_non_null(resp_header(&r, "Content-Security-Policy"));
	resp_free(&r);
	srv_kill(&h);
	srv_cleanup(&h);
}

/* A separate server that trusts a proxy: X-Forwarded-For decides the
 * client address only when the peer is that proxy. */
static void
test_trusted_proxy(void **state)
{
	struct srv p;
	memset(&p, 0, sizeof p);
	static const char *const extra[] = { "--trusted-proxies", "127.0.0.1",
		"--metrics-allow", "10.1.2.3", "--loops", "1", NULL };
	assert_int_equal(srv_start(&p, extra), 0);
	struct resp r;
	assert_int_equal(http_get(&p, "/metrics", &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	static const char *const h[] = { "X-Forwarded-For: 10.1.2.3", NULL };
	assert_int_equal(http_req(&p, "GET", "/metrics", NULL, NULL, 0, h, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	/* A spoofed left-most entry does not help: the right-most untrusted one counts. */
	static const char *const h2[] = { "X-Forwarded-For: 10.1.2.3, 192.0.2.7", NULL };
	assert_int_equal(http_req(&p, "GET", "/metrics", NULL, NULL, 0, h2, &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	assert_int_equal(srv_stop(&p), 0);
	srv_cleanup(&p);
	/* The main server trusts no proxy: the header is ignored. */
	assert_int_equal(http_req(&S, "GET", "/metrics", NULL, NULL, 0, h, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthz),
		cmocka_unit_test(test_home_page),
		cmocka_unit_test(test_english_by_accept_language),
		cmocka_unit_test(test_language_switch_sets_cookie),
		cmocka_unit_test(test_api_is_the_page_model),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_wrong_method),
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_api_language),
		cmocka_unit_test(test_static_assets),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_access_log),
		cmocka_unit_test(test_content_disposition),
		cmocka_unit_test(test_trusted_proxy),
		cmocka_unit_test(test_healthz_unavailable),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
