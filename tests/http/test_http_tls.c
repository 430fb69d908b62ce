/* test_http_tls.c: serve speaks TLS itself when given a certificate and a
 * key: the pages answer over HTTPS with HSTS, plain HTTP on the same port
 * gets nothing useful, and a key that does not match is refused before
 * serving. The certificate is made for the test with the openssl tool. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char dir[64], cert[128], key[128], key2[128];

static int
make_cert(const char *c, const char *k)
{
	char *argv[] = { "openssl", "req", "-x509", "-newkey", "ec",
		"-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
		(char *)k, "-out", (char *)c, "-days", "2", "-subj", "/CN=localhost",
		NULL };
	char *out = NULL;
	int rc = run_cmd(argv, &out);
	if (rc != 0)
		fprintf(stderr, "openssl: %s\n", out);
	free(out);
	return rc;
}

static int
setup(void **state)
{
	snprintf(dir, sizeof dir, "/tmp/xiaoan-tls-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cert, sizeof cert, "%s/cert.pem", dir);
	snprintf(key, sizeof key, "%s/key.pem", dir);
	snprintf(key2, sizeof key2, "%s/other-key.pem", dir);
	char other[128];
	snprintf(other, sizeof other, "%s/other-cert.pem", dir);
	return make_cert(cert, key) == 0 && make_cert(other, key2) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	char *argv[] = { "rm", "-rf", dir, NULL };
	return run_cmd(argv, NULL);
}

static void
test_https(void **state)
{
	struct srv s;
	memset(&s, 0, sizeof s);
	const char *const extra[] = { "--tls-cert", cert, "--tls-key", key,
		"--loops", "2", NULL };
	assert_int_equal(srv_start(&s, extra), 0);
	assert_non_null(strstr(s.base, "https://"));
	struct resp r;
	assert_int_equal(http_get(&s, "/", &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "62666010"));
	const char *hsts = resp_header(&r, "Strict-Transport-Security");
	assert_non_null(hsts);
	assert_non_null(strstr(hsts, "max-age="));
	resp_free(&r);
	/* The language cookie is Secure over TLS. */
	assert_int_equal(http_get(&s, "/?lang=en", &r), 0);
	assert_non_null(strstr(resp_header(&r, "Set-Cookie"), "Secure"));
	resp_free(&r);
	/* Plain HTTP to the TLS port gets no HTTP answer. */
	int fd = raw_connect(&s);
	assert_true(fd >= 0);
	static const char get[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
	assert_int_equal(write(fd, get, sizeof get - 1), (ssize_t)(sizeof get - 1));
	char buf[512];
	ssize_t n = raw_read(fd, buf, sizeof buf, 1000);
	assert_true(n <= 0 || strstr(buf, "{\"status\":\"ok\"}") == NULL);
	close(fd);
	assert_int_equal(srv_stop(&s), 0);
	srv_cleanup(&s);
}

static void
test_mismatched_key_refused(void **state)
{
	char data[96];
	snprintf(data, sizeof data, "%s/data", dir);
	char *init[] = { (char *)xiaoan_bin(), "init", "--data", data, NULL };
	assert_int_equal(run_cmd(init, NULL), 0);
	char *argv[] = { (char *)xiaoan_bin(), "serve", "--data", data, "--listen",
		"127.0.0.1:0", "--tls-cert", cert, "--tls-key", key2, NULL };
	char *out = NULL;
	assert_int_not_equal(run_cmd(argv, &out), 0);
	assert_non_null(strstr(out, "tls_key"));
	free(out);
	/* Only one of the two is a configuration error, caught by the check. */
	char *check[] = { (char *)xiaoan_bin(), "serve", "--data", data,
		"--tls-cert", cert, "--check-config", NULL };
	assert_int_equal(run_cmd(check, &out), 1);
	assert_non_null(strstr(out, "together"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_https),
		cmocka_unit_test(test_mismatched_key_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
