/* test_http_limits.c: caps and bad input over real HTTP: body size,
 * invalid UTF-8, repeated and invalid parameters, too many fields, JSON
 * depth, slow clients, and connections per address. Bad input must get a
 * clear error and change nothing. */
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

static struct srv S;

static int
setup(void **state)
{
	static const char *const extra[] = { "--loops", "2", "--body-max", "4K",
		"--field-len-max", "1K", "--fields-max", "20", "--timeout", "1",
		"--conns-per-addr", "4", NULL };
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
assert_error(const struct resp *r, long status, const char *code)
{
	assert_int_equal(r->status, status);
	json_t *j = json_loads(r->body, 0, NULL);
	assert_non_null(j);
	json_t *e = json_object_get(j, "error");
	assert_string_equal(json_string_value(json_object_get(e, "code")), code);
	assert_non_null(json_string_value(json_object_get(e, "message")));
	assert_non_null(resp_header(r, "Content-Security-Policy"));
	json_decref(j);
}

static const char report[] =
    "{\"csp-report\":{\"document-uri\":\"https://x/\",\"violated-directive\":"
    "\"script-src\",\"blocked-uri\":\"inline\"}}";

static long
count_reports(void)
{
	struct resp r;
	/* The count comes from the database file through the sqlite3 tool. */
	char db[200];
	snprintf(db, sizeof db, "%s/data/xiaoan.db", S.dir);
	char *argv[] = { "sqlite3", db, "SELECT count(*) FROM csp_reports", NULL };
	char *out = NULL;
	if (run_cmd(argv, &out) != 0) {
		free(out);
		return -1;
	}
	long n = strtol(out, NULL, 10);
	free(out);
	(void)r;
	return n;
}

static void
test_body_too_large(void **state)
{
	long before = count_reports();
	size_t n = 5000;
	char *big = malloc(n + 1);
	memset(big, ' ', n);
	memcpy(big, report, sizeof report - 1);
	big[n] = '\0';
	struct resp r;
	assert_int_equal(http_req(&S, "POST", "/api/v1/csp-reports",
	    "application/csp-report", big, n, NULL, &r), 0);
	assert_error(&r, 413, "body_too_large");
	resp_free(&r);
	free(big);
	assert_int_equal(count_reports(), before);
	/* The same report at a proper size is stored. */
	assert_int_equal(http_req(&S, "POST", "/api/v1/csp-reports",
	    "application/csp-report", report, sizeof report - 1, NULL, &r), 0);
	assert_int_equal(r.status, 204);
	resp_free(&r);
	assert_int_equal(count_reports(), before + 1);
}

static void
test_bad_utf8(void **state)
{
	struct resp r;
	assert_int_equal(http_get(&S, "/api/v1/public/site?x=%FF%FE", &r), 0);
	assert_error(&r, 400, "bad_utf8");
	resp_free(&r);
	assert_int_equal(http_get(&S, "/api/v1/%C0%AF", &r), 0);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	/* Overlong encodings and surrogates are not UTF-8 either. */
	assert_int_equal(http_get(&S, "/api/v1/public/site?x=%ED%A0%80", &r), 0);
	assert_error(&r, 400, "bad_utf8");
	resp_free(&r);
	long before = count_reports();
	static const char bad[] = "{\"csp-report\":{\"document-uri\":\"\xff\","
	    "\"violated-directive\":\"x\"}}";
	assert_int_equal(http_req(&S, "POST", "/api/v1/csp-reports",
	    "application/csp-report", bad, sizeof bad - 1, NULL, &r), 0);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	assert_int_equal(count_reports(), before);
}

static void
test_repeated_and_invalid_params(void **state)
{
	struct resp r;
	assert_int_equal(http_get(&S, "/api/v1/public/site?lang=en&lang=zh", &r), 0);
	assert_error(&r, 400, "duplicate_param");
	json_t *j = json_loads(r.body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(j, "error"), "field")), "lang");
	json_decref(j);
	resp_free(&r);
	assert_int_equal(http_get(&S, "/api/v1/public/site?lang=fr", &r), 0);
	assert_error(&r, 400, "invalid_field");
	resp_free(&r);
	assert_int_equal(http_get(&S, "/api/v1/public/site?lang=%zz", &r), 0);
	assert_int_equal(r.status, 400);
	resp_free(&r);
}

static void
test_too_many_fields(void **state)
{
	char path[1024];
	int n = snprintf(path, sizeof path, "/api/v1/public/site?");
	for (int i = 0; i < 21; i++)
		n += snprintf(path + n, sizeof path - (size_t)n, "f%d=1&", i);
	struct resp r;
	assert_int_equal(http_get(&S, path, &r), 0);
	assert_error(&r, 413, "too_many_fields");
	resp_free(&r);
}

static void
test_field_too_long(void **state)
{
	char path[2048];
	int n = snprintf(path, sizeof path, "/api/v1/public/site?x=");
	memset(path + n, 'a', 1100);
	path[n + 1100] = '\0';
	struct resp r;
	assert_int_equal(http_get(&S, path, &r), 0);
	assert_int_equal(r.status, 400);
	assert_error(&r, 400, "field_too_long");
	resp_free(&r);
}

static void
test_json_depth_and_syntax(void **state)
{
	long before = count_reports();
	static const char deep[] = "{\"csp-report\":{\"a\":{\"b\":{\"c\":{\"d\":1}}}}}";
	struct resp r;
	assert_int_equal(http_req(&S, "POST", "/api/v1/csp-reports",
	    "application/csp-report", deep, sizeof deep - 1, NULL, &r), 0);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	static const char broken[] = "{\"csp-report\": {";
	assert_int_equal(http_req(&S, "POST", "/api/v1/csp-reports",
	    "application/csp-report", broken, sizeof broken - 1, NULL, &r), 0);
	assert_error(&r, 400, "bad_json");
	resp_free(&r);
	static const char missing[] = "{\"csp-report\":{\"blocked-uri\":\"x\"}}";
	assert_int_equal(http_req(&S, "POST", "/api/v1/csp-reports",
	    "application/csp-report", missing, sizeof missing - 1, NULL, &r), 0);
	assert_error(&r, 400, "missing_field");
	resp_free(&r);
	assert_int_equal(count_reports(), before);
}

static void
test_slow_client_is_cut_off(void **state)
{
	int fd = raw_connect(&S);
	assert_true(fd >= 0);
	static const char part[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
	assert_int_equal(write(fd, part, sizeof part - 1), (ssize_t)(sizeof part - 1));
	char buf[512];
	/* timeout is 1 s: well before 4 s the server closes the connection
	 * without ever answering the unfinished request. */
	ssize_t n = raw_read(fd, buf, sizeof buf, 4000);
	assert_true(n <= 0 || strstr(buf, "200 OK") == NULL);
	char probe;
	assert_true(read(fd, &probe, 1) <= 0);
	close(fd);
}

static void
test_connections_per_address(void **state)
{
	int fds[5];
	char buf[2048];
	static const char get[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
	for (int i = 0; i < 5; i++) {
		fds[i] = raw_connect(&S);
		assert_true(fds[i] >= 0);
		assert_int_equal(write(fds[i], get, sizeof get - 1), (ssize_t)(sizeof get - 1));
		ssize_t n = raw_read(fds[i], buf, sizeof buf, 300);
		assert_true(n > 0);
		if (i < 4)
			assert_non_null(strstr(buf, "HTTP/1.1 200"));
		else
			assert_non_null(strstr(buf, "HTTP/1.1 503"));
	}
	/* Freeing a place lets a new connection in. */
	close(fds[0]);
	close(fds[4]);
	usleep(200000);
	int fd = raw_connect(&S);
	assert_int_equal(write(fd, get, sizeof get - 1), (ssize_t)(sizeof get - 1));
	assert_true(raw_read(fd, buf, sizeof buf, 500) > 0);
	assert_non_null(strstr(buf, "HTTP/1.1 200"));
	close(fd);
	for (int i = 1; i < 4; i++)
		close(fds[i]);
	usleep(100000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_too_large),
		cmocka_unit_test(test_bad_utf8),
		cmocka_unit_test(test_repeated_and_invalid_params),
		cmocka_unit_test(test_too_many_fields),
		cmocka_unit_test(test_field_too_long),
		cmocka_unit_test(test_json_depth_and_syntax),
		cmocka_unit_test(test_slow_client_is_cut_off),
		cmocka_unit_test(test_connections_per_address),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
