/* test_config.c: the four layers (defaults < file < environment < flags),
 * values and their errors, and config_check. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"

static char dir[64];
static char ini[128];

static int
setup(void **state)
{
	snprintf(dir, sizeof dir, "/tmp/xiaoan-config-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(ini, sizeof ini, "%s/xiaoan.ini", dir);
	return 0;
}

static int
teardown(void **state)
{
	unlink(ini);
	rmdir(dir);
	return 0;
}

static void
write_ini(const char *text)
{
	FILE *f = fopen(ini, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_defaults(void **state)
{
	config c;
	char err[256];
	config_defaults(&c);
	assert_string_equal(c.listen, "127.0.0.1:8080");
	assert_string_equal(c.data, "data");
	assert_int_equal(c.body_max, 1024 * 1024);
	assert_int_equal(c.upload_max, 10 * 1024 * 1024);
	assert_int_equal(c.timeout, 30);
	assert_string_equal(c.hotline, "62666010");
	assert_int_equal(c.conns_per_addr, 256);
	assert_string_equal(c.bureau_name, "新郑市教育体育局");
	assert_string_equal(c.db_url, "");
	assert_true(c.access_log);
	assert_int_equal(config_check(&c, err, sizeof err), XA_OK);
	char url[300];
	assert_int_equal(config_db_url(&c, url, sizeof url), XA_OK);
	assert_string_equal(url, "sqlite:data/xiaoan.db");
}

static void
test_layers(void **state)
{
	config c;
	char err[256];
	char *rest[8];
	int nrest = 0;
	write_ini("; comment\n[server]\nlisten = 127.0.0.1:9000\nbody_max = 2M\n"
	    "timeout = 10\nhotline = \"0371-62666010\"\n# another\n[limits]\nfields_max=50\n");
	setenv("XIAOAN_TIMEOUT", "20", 1);
	setenv("XIAOAN_FIELDS_MAX", "60", 1);
	char d[96];
	snprintf(d, sizeof d, "--data=%s", dir);
	char *argv[] = { d, "--fields-max", "70", "--check-config", "extra", NULL };
	assert_int_equal(config_load(&c, 5, argv, rest, &nrest, err, sizeof err), XA_OK);
	unsetenv("XIAOAN_TIMEOUT");
	unsetenv("XIAOAN_FIELDS_MAX");
	/* The file read is DATA/xiaoan.ini, found through --data. */
	assert_string_equal(c.config_file, ini);
	assert_string_equal(c.listen, "127.0.0.1:9000");	/* file */
	assert_int_equal(c.body_max, 2 * 1024 * 1024);		/* file, with suffix */
	assert_string_equal(c.hotline, "0371-62666010");	/* file, quoted */
	assert_int_equal(c.timeout, 20);			/* env over file */
	assert_int_equal(c.fields_max, 70);			/* flag over env */
	assert_string_equal(c.data, dir);
	/* What is not an option stays for the command. */
	assert_int_equal(nrest, 2);
	assert_string_equal(rest[0], "--check-config");
	assert_string_equal(rest[1], "extra");
}

static void
test_explicit_config_file(void **state)
{
	config c;
	char err[256];
	char *rest[4];
	int nrest;
	char other[160];
	snprintf(other, sizeof other, "%s/other.ini", dir);
	FILE *f = fopen(other, "w");
	fputs("listen = [::1]:8443\n", f);
	fclose(f);
	char *argv[] = { "--config", other, NULL };
	assert_int_equal(config_load(&c, 2, argv, rest, &nrest, err, sizeof err), XA_OK);
	assert_string_equal(c.listen, "[::1]:8443");
	char host[64];
	int port;
	assert_int_equal(config_split_listen(c.listen, host, sizeof host, &port), XA_OK);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 8443);
	assert_int_equal(config_check(&c, err, sizeof err), XA_OK);
	unlink(other);
	/* A missing explicit file is an error, not a silent default. */
	assert_int_equal(config_load(&c, 2, argv, rest, &nrest, err, sizeof err), XA_EIO);
	assert_non_null(strstr(err, "other.ini"));
}

static void
test_bad_values(void **state)
{
	config c;
	char err[256];
	config_defaults(&c);
	assert_int_equal(config_set(&c, "timeout", "ten", err, sizeof err), XA_ECONFIG);
	assert_non_null(strstr(err, "timeout"));
	assert_int_equal(config_set(&c, "timeout", "0", err, sizeof err), XA_ECONFIG);
	assert_int_equal(config_set(&c, "timeout", "99999", err, sizeof err), XA_ECONFIG);
	assert_int_equal(config_set(&c, "body_max", "3X", err, sizeof err), XA_ECONFIG);
	assert_int_equal(config_set(&c, "body_max", "-5", err, sizeof err), XA_ECONFIG);
	assert_int_equal(config_set(&c, "access_log", "maybe", err, sizeof err), XA_ECONFIG);
	assert_int_equal(config_set(&c, "no_such_thing", "1", err, sizeof err), XA_ENOTFOUND);
	char longv[400];
	memset(longv, 'a', sizeof longv - 1);
	longv[sizeof longv - 1] = '\0';
	assert_int_equal(config_set(&c, "listen", longv, err, sizeof err), XA_ECONFIG);
	/* Nothing above changed the values. */
	assert_int_equal(c.timeout, 30);
	assert_int_equal(c.body_max, 1024 * 1024);
	assert_string_equal(c.listen, "127.0.0.1:8080");
	assert_int_equal(config_set(&c, "access_log", "off", err, sizeof err), XA_OK);
	assert_false(c.access_log);
	assert_int_equal(config_set(&c, "upload_max", "20MiB", err, sizeof err), XA_OK);
	assert_int_equal(c.upload_max, 20L << 20);
}

static void
test_file_errors(void **state)
{
	config c;
	char err[256];
	config_defaults(&c);
	write_ini("listen = 127.0.0.1:1\nthis line is wrong\n");
	assert_int_equal(config_load_file(&c, ini, err, sizeof err), XA_ECONFIG);
	assert_non_null(strstr(err, ":2:"));
	write_ini("colour = blue\n");
	assert_int_equal(config_load_file(&c, ini, err, sizeof err), XA_ECONFIG);
	assert_non_null(strstr(err, "colour"));
	char *rest[2];
	int nrest;
	char *argv[] = { "--timeout", NULL };
	assert_int_equal(config_load(&c, 1, argv, rest, &nrest, err, sizeof err), XA_ECONFIG);
	setenv("XIAOAN_LOOPS", "many", 1);
	char *none[] = { NULL };
	assert_int_equal(config_load(&c, 0, none, rest, &nrest, err, sizeof err), XA_ECONFIG);
	assert_non_null(strstr(err, "XIAOAN_LOOPS"));
	unsetenv("XIAOAN_LOOPS");
	unlink(ini);
}

static void
test_check(void **state)
{
	config c;
	char err[256];
	config_defaults(&c);
	snprintf(c.listen, sizeof c.listen, "localhost:80");
	assert_int_equal(config_check(&c, err, sizeof err), XA_ECONFIG);
	assert_non_null(strstr(err, "listen"));
	snprintf(c.listen, sizeof c.listen, "127.0.0.1:70000");
	assert_int_equal(config_check(&c, err, sizeof err), XA_ECONFIG);
	snprintf(c.listen, sizeof c.listen, ":8080");
	assert_int_equal(config_check(&c, err, sizeof err), XA_OK);
	snprintf(c.tls_cert, sizeof c.tls_cert, "/nonexistent.pem");
	assert_int_equal(config_check(&c, err, sizeof err), XA_ECONFIG);
	assert_non_null(strstr(err, "together"));
	snprintf(c.tls_key, sizeof c.tls_key, "/nonexistent.key");
	assert_int_equal(config_check(&c, err, sizeof err), XA_ECONFIG);
	assert_non_null(strstr(err, "cannot read"));
	c.tls_cert[0] = c.tls_key[0] = '\0';
	snprintf(c.trusted_proxies, sizeof c.trusted_proxies, "10.0.0.1, proxy.local");
	assert_int_equal(config_check(&c, err, sizeof err), XA_ECONFIG);
	assert_non_null(strstr(err, "proxy.local"));
	snprintf(c.trusted_proxies, sizeof c.trusted_proxies, "10.0.0.1,::1");
	assert_int_equal(config_check(&c, err, sizeof err), XA_OK);
	snprintf(c.log_level, sizeof c.log_level, "loud");
	assert_int_equal(config_check(&c, err, sizeof err), XA_ECONFIG);
	snprintf(c.log_level, sizeof c.log_level, "info");
	snprintf(c.timezone, sizeof c.timezone, "Asia/Shangai");
	assert_int_equal(config_check(&c, err, sizeof err), XA_ECONFIG);
	assert_non_null(strstr(err, "timezone"));
	snprintf(c.timezone, sizeof c.timezone, "Asia/Urumqi");
	assert_int_equal(config_check(&c, err, sizeof err), XA_OK);
	assert_int_equal(config_zone(&c), 6 * 3600);
	snprintf(c.timezone, sizeof c.timezone, "Asia/Shanghai");
	assert_int_equal(config_zone(&c), 8 * 3600);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_explicit_config_file),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_check),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
