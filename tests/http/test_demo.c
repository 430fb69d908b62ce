/* test_demo.c: `xiaoan demo` as a visitor and an operator meet it: the
 * same seed builds the same city twice (the logins file byte for byte,
 * the rows by aggregate), at the scale of the mission (about 300 schools,
 * 150,000 to 200,000 students, every type of school), with a principal
 * and a committee chair in every school; `xiaoan verify` passes; the
 * server lets the printed logins in without a password change or
 * two-factor and rehashes them at the full cost.
 *
 * It asserts no time at all (speed is for `make bench`): it prints how
 * long the demo took. The city's reports and cases are built too, at a
 * tenth of their scale here (test_demo_cases.c checks them). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "harness.h"
#include "org/org.h"
#include "store/db.h"

static char root[64];
/* ROOT/a and ROOT/b (harness folders), their data folders, their logins
 * files and what those hold */
static struct city_dir {
	char folder[80];
	char data[96];
	char csv[256];
	char *text;
	size_t len;
} dirs[2];

#define X(...) ((char *[]){ (char *)xiaoan_bin(), __VA_ARGS__, NULL })

static int
setup(void **state)
{
	snprintf(root, sizeof root, "/tmp/xiaoan-demo-XXXXXX");
	if (mkdtemp(root) == NULL)
		return -1;
	setenv("XIAOAN_DEMO_CASES_PERCENT", "10", 1);
	for (int i = 0; i < 2; i++) {
		snprintf(dirs[i].folder, sizeof dirs[i].folder, "%s/%c", root, 'a' + i);
		snprintf(dirs[i].data, sizeof dirs[i].data, "%s/%c/data", root, 'a' + i);
		if (mkdir(dirs[i].folder, 0700) != 0)
			return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	free(dirs[0].text);
	free(dirs[1].text);
	char *argv[] = { "rm", "-rf", root, NULL };
	return run_cmd(argv, NULL);
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The logins file the demo named in its output (the last word ending in
 * ".csv"), else DATA/demo-accounts.csv. */
static void
find_csv(const char *out, const char *datadir, char *path, size_t len)
{
	const char *hit = NULL;
	for (const char *p = strstr(out, ".csv"); p != NULL; p = strstr(p + 1, ".csv"))
		hit = p;
	if (hit != NULL) {
		const char *start = hit;
		while (start > out && start[-1] != ' ' && start[-1] != '\n' &&
		    start[-1] != '\t')
			start--;
		int n = (int)(hit + 4 - start);
		snprintf(path, len, "%.*s", n, start);
		if (access(path, R_OK) == 0)
			return;
	}
	snprintf(path, len, "%s/demo-accounts.csv", datadir);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	for (;;) {
		if (n + 4096 > cap) {
			cap *= 2;
			b = realloc(b, cap);
		}
		size_t r = fread(b + n, 1, cap - n - 1, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	b[n] = '\0';
	*len = n;
	return b;
}

/* The password and role of username in a logins file's text (CSV with an
 * optional BOM; the demo's fields hold no commas or quotes). */
static int
csv_login(const char *text, const char *username, char *pw, size_t pwlen,
    char *role, size_t rolelen)
{
	const char *p = text;
	if (strncmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	size_t ul = strlen(username);
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		if (n > ul && strncmp(p, username, ul) == 0 && p[ul] == ',') {
			const char *f1 = p + ul + 1;
			const char *c1 = memchr(f1, ',', n - ul - 1);
			if (c1 == NULL)
				return -1;
			const char *f2 = c1 + 1;
			const char *c2 = memchr(f2, ',', (size_t)(p + n - f2));
			if (c2 == NULL)
				return -1;
			snprintf(pw, pwlen, "%.*s", (int)(c1 - f1), f1);
			snprintf(role, rolelen, "%.*s", (int)(c2 - f2), f2);
			return 0;
		}
		if (eol == NULL)
			break;
		p = eol + 1;
	}
	return -1;
}

/* The first row's first column as text (malloc'd), or NULL. */
static char *
q_text(db *d, const char *sql)
{
	db_stmt *st = NULL;
	char *v = NULL;
	if (db_prepare(d, sql, &st) != XA_OK)
		return NULL;
	if (db_step(st) == 1)
		v = strdup(db_col_text(st, 0));
	db_done(st);
	return v;
}

static int64_t
q_int(db *d, const char *sql)
{
	int64_t v = -1;
	if (db_query_int(d, sql, &v) != XA_OK)
		return -1;
	return v;
}

static db *
open_ro(const char *datadir)
{
	char url[192];
	db *d = NULL;
	snprintf(url, sizeof url, "sqlite:%s/xiaoan.db", datadir);
	if (db_open(url, DB_READONLY, &d) != XA_OK)
		return NULL;
	return d;
}

/* Builds the city twice from seed 7 and keeps both logins files. */
static void
test_demo_twice(void **state)
{
	for (int i = 0; i < 2; i++) {
		char *out = NULL;
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int rc = run_cmd(X("demo", "--data", dirs[i].data, "--seed", "7"), &out);
		double took = seconds_since(&t0);
		if (rc != 0)
			fprintf(stderr, "xiaoan demo failed (%d): %s\n", rc, out ? out : "");
		assert_int_equal(rc, 0);
		printf("xiaoan demo --seed 7 (run %d) took %.2f s\n", i + 1, took);
		find_csv(out, dirs[i].data, dirs[i].csv, sizeof dirs[i].csv);
		/* the output names the main logins */
		assert_non_null(strstr(out, "leader"));
		assert_non_null(strstr(out, "sysadmin"));
		free(out);
		struct stat sb;
		assert_int_equal(stat(dirs[i].csv, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
		dirs[i].text = slurp(dirs[i].csv, &dirs[i].len);
		assert_non_null(dirs[i].text);
	}
	assert_int_equal(dirs[0].len, dirs[1].len);
	assert_memory_equal(dirs[0].text, dirs[1].text, dirs[0].len);
	assert_non_null(strstr(dirs[0].text, "username,password,role,unit"));
}

/* Both databases hold the same city (password hashes are salted, so they
 * are compared by the logins file instead). */
static void
test_same_city(void **state)
{
	static const char *const queries[] = {
		"SELECT COUNT(*) || ':' || SUM(kind = 'school') || ':' ||"
		" SUM(kind = 'township') || ':' || SUM(kind = 'agency') FROM units",
		"SELECT group_concat(x, '|') FROM (SELECT path || '/' || kind || '/' ||"
		" name || '/' || ifnull(code, '') || '/' || school_type || '/' ||"
		" ownership || '/' || direct || '/' || ifnull(township_id, '') || '/' ||"
		" address || '/' || stages || '/' || office_phone || '/' ||"
		" legal_vp_phone AS x FROM units ORDER BY id)",
		"SELECT COUNT(*) || ':' || SUM(boys) || ':' || SUM(girls) FROM classes",
		"SELECT group_concat(x, '|') FROM (SELECT c.unit_id || '/' || c.grade ||"
		" '/' || c.name || '/' || c.boys || '/' || c.girls AS x FROM classes c"
		" ORDER BY c.unit_id, c.grade, c.name)",
		"SELECT group_concat(x, '|') FROM (SELECT a.username || '/' ||"
		" a.display_name || '/' || a.unit_id || '/' || a.must_change || '/' ||"
		" r.role || '/' || r.member_type AS x FROM accounts a JOIN account_roles r"
		" ON r.account_id = a.id ORDER BY a.username, r.role)",
		"SELECT group_concat(x, '|') FROM (SELECT unit_id || '/' ||"
		" ifnull(account_id, '') || '/' || name || '/' || role || '/' ||"
		" member_type || '/' || from_date || '/' || to_date AS x"
		" FROM committee_members ORDER BY id)",
		"SELECT group_concat(key || '=' || value, ',') FROM (SELECT key, value"
		" FROM settings ORDER BY key)",
	};
	db *a = open_ro(dirs[0].data), *b = open_ro(dirs[1].data);
	assert_non_null(a);
	assert_non_null(b);
	for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
		char *va = q_text(a, queries[i]), *vb = q_text(b, queries[i]);
		assert_non_null(va);
		assert_non_null(vb);
		assert_true(strlen(va) > 0);
		if (strcmp(va, vb) != 0)
			fprintf(stderr, "differs: %s\n", queries[i]);
		assert_string_equal(va, vb);
		free(va);
		free(vb);
	}
	db_close(a);
	db_close(b);
}

/* The scale and shape the mission asks for. */
static void
test_city_shape(void **state)
{
	db *d = open_ro(dirs[0].data);
	assert_non_null(d);
	int64_t students = q_int(d, "SELECT SUM(boys + girls) FROM classes");
	int64_t schools = q_int(d, "SELECT COUNT(*) FROM units WHERE kind = 'school'");
	printf("demo city: %lld schools, %lld students\n", (long long)schools,
	    (long long)students);
	assert_in_range(students, 150000, 200000);
	assert_in_range(schools, 280, 320);
	static const char *const types[] = { "primary", "junior", "senior", "nine_year",
		"twelve_year", "vocational", "special" };
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		db_stmt *st = NULL;
		assert_int_equal(db_prepare(d, "SELECT COUNT(*) FROM units WHERE"
		    " kind = 'school' AND school_type = ?", &st), XA_OK);
		db_bind_text(st, 1, types[i], -1);
		assert_int_equal(db_step(st), 1);
		int64_t n = db_col_int(st, 0);
		db_done(st);
		if (n == 0)
			fprintf(stderr, "no %s school\n", types[i]);
		assert_true(n > 0);
	}
	int64_t priv = q_int(d, "SELECT COUNT(*) FROM units WHERE kind = 'school'"
	    " AND ownership = 'private'");
	assert_in_range(priv * 100 / schools, 5, 15);
	assert_true(q_int(d, "SELECT COUNT(*) FROM units WHERE kind = 'school'"
	    " AND direct = 1 AND parent_id = 1 AND township_id IS NOT NULL") > 0);
	assert_in_range(q_int(d, "SELECT COUNT(*) FROM units WHERE kind = 'township'"),
	    12, 20);
	/* every township has a centre school under it */
	assert_int_equal(q_int(d, "SELECT COUNT(*) FROM units t WHERE t.kind = 'township'"
	    " AND NOT EXISTS (SELECT 1 FROM units s WHERE s.parent_id = t.id AND"
	    " s.kind = 'school' AND s.name LIKE '%中心%')"), 0);
	/* every school: code, contact, classes, a principal's login, a chair */
	assert_int_equal(q_int(d, "SELECT COUNT(*) FROM units WHERE kind = 'school'"
	    " AND (code IS NULL OR address = '' OR stages = '' OR office_name = ''"
	    " OR office_phone = '' OR legal_vp_phone = '' OR safety_lead_phone = '')"), 0);
	assert_int_equal(q_int(d, "SELECT COUNT(*) FROM units u WHERE u.kind = 'school'"
	    " AND NOT EXISTS (SELECT 1 FROM classes c WHERE c.unit_id = u.id)"), 0);
	assert_int_equal(q_int(d, "SELECT COUNT(*) FROM units u WHERE u.kind = 'school'"
	    " AND NOT EXISTS (SELECT 1 FROM accounts a JOIN account_roles r ON"
	    " r.account_id = a.id WHERE a.unit_id = u.id AND r.role = 'principal')"), 0);
	assert_int_equal(q_int(d, "SELECT COUNT(*) FROM units u WHERE u.kind = 'school'"
	    " AND NOT EXISTS (SELECT 1 FROM committee_members c WHERE c.unit_id = u.id"
	    " AND c.role = 'chair' AND c.to_date = '' AND c.account_id IS NOT NULL)"), 0);
	assert_int_equal(q_int(d, "SELECT COUNT(*) FROM units u WHERE u.kind = 'school'"
	    " AND NOT EXISTS (SELECT 1 FROM committee_members c WHERE c.unit_id = u.id"
	    " AND c.member_type = 'legal_vp' AND c.to_date = '')"), 0);
	/* a student on the committee wherever senior or vocational grades are */
	assert_int_equal(q_int(d, "SELECT COUNT(*) FROM units u WHERE u.kind = 'school'"
	    " AND (instr(u.stages, 'senior') > 0 OR instr(u.stages, 'vocational') > 0)"
	    " AND NOT EXISTS (SELECT 1 FROM committee_members c WHERE c.unit_id = u.id"
	    " AND c.member_type = 'student_rep' AND c.to_date = '')"), 0);
	assert_true(q_int(d, "SELECT COUNT(*) FROM committee_members WHERE"
	    " to_date LIKE '2026-07-%'") > 0);
	/* every committee complete by the registry's own rule in the school
	 * year, and the showcase schools' former ones before it */
	db_stmt *st = NULL;
	assert_int_equal(db_prepare(d, "SELECT id, stages, code FROM units"
	    " WHERE kind = 'school' ORDER BY code", &st), XA_OK);
	int checked = 0;
	while (db_step(st) == 1) {
		committee_check cc;
		char stages[64], code[16];
		int64_t id = db_col_int(st, 0);
		snprintf(stages, sizeof stages, "%s", db_col_text(st, 1));
		snprintf(code, sizeof code, "%s", db_col_text(st, 2));
		assert_int_equal(committee_check_on(d, id, "2026-10-01", 1, stages, &cc),
		    XA_OK);
		if (!committee_complete(&cc))
			fprintf(stderr, "committee of %s incomplete\n", code);
		assert_true(committee_complete(&cc));
		if (strcmp(code, "4101840001") == 0) {
			assert_int_equal(committee_check_on(d, id, "2026-03-01", 1, stages,
			    &cc), XA_OK);
			assert_true(cc.chair && cc.legal);
		}
		checked++;
	}
	db_done(st);
	assert_int_equal(checked, schools);
	/* classes in the grades of the school's stages, 35 to 55 a class
	 * outside the special school */
	assert_int_equal(q_int(d, "SELECT COUNT(*) FROM classes c JOIN units u ON"
	    " u.id = c.unit_id WHERE (c.grade <= 6 AND instr(u.stages, 'primary') = 0)"
	    " OR (c.grade BETWEEN 7 AND 9 AND instr(u.stages, 'junior') = 0)"
	    " OR (c.grade >= 10 AND instr(u.stages, 'senior') = 0 AND"
	    " instr(u.stages, 'vocational') = 0)"), 0);
	assert_int_equal(q_int(d, "SELECT COUNT(*) FROM classes c JOIN units u ON"
	    " u.id = c.unit_id WHERE u.school_type != 'special' AND"
	    " (c.boys + c.girls < 35 OR c.boys + c.girls > 55)"), 0);
	/* the bureau's office with the notice's public contact, nine kinds of
	 * partner agency, each with a liaison */
	assert_int_equal(q_int(d, "SELECT COUNT(*) FROM units WHERE kind = 'office'"
	    " AND office_phone = '62666010' AND office_email = 'xzjtjzzxfb@126.com'"), 1);
	assert_int_equal(q_int(d, "SELECT COUNT(DISTINCT agency_type) FROM units"
	    " WHERE kind = 'agency'"), 9);
	assert_int_equal(q_int(d, "SELECT COUNT(*) FROM units u WHERE u.kind = 'agency'"
	    " AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.unit_id = u.id)"), 0);
	/* a login for every role, none to be changed at first sign-in */
	assert_int_equal(q_int(d, "SELECT COUNT(DISTINCT role) FROM account_roles"), 14);
	assert_int_equal(q_int(d, "SELECT COUNT(*) FROM accounts WHERE must_change != 0"), 0);
	assert_int_equal(q_int(d, "SELECT COUNT(*) FROM settings WHERE"
	    " key = 'mfa.required' AND value = '0'"), 1);
	/* no real person: the officials the notice names */
	assert_int_equal(q_int(d, "SELECT COUNT(*) FROM accounts WHERE display_name"
	    " IN ('刘学敏', '郭海峰')"), 0);
	assert_int_equal(q_int(d, "SELECT COUNT(*) FROM committee_members WHERE name"
	    " IN ('刘学敏', '郭海峰')"), 0);
	/* one line in the logins file per account, the administrators too */
	int64_t accounts = q_int(d, "SELECT COUNT(*) FROM accounts");
	int64_t lines = 0;
	for (const char *p = dirs[0].text; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, accounts + 1);
	char pw[64], role[64];
	assert_int_equal(csv_login(dirs[0].text, "sysadmin", pw, sizeof pw, role,
	    sizeof role), 0);
	assert_string_equal(role, "sysadmin");
	db_close(d);
}

static void
test_verify_and_if_empty(void **state)
{
	char *out = NULL;
	assert_int_equal(run_cmd(X("verify", "--data", dirs[0].data), &out), 0);
	assert_non_null(strstr(out, "audit chain OK"));
	free(out);
	/* Never over a city that is there: refused, or left alone with
	 * --if-empty (as `make run` calls it). */
	assert_int_not_equal(run_cmd(X("demo", "--data", dirs[1].data, "--seed", "8"), &out), 0);
	free(out);
	assert_int_equal(run_cmd(X("demo", "--data", dirs[1].data, "--seed", "8",
	    "--if-empty"), &out), 0);
	free(out);
	size_t n = 0;
	char *again = slurp(dirs[1].csv, &n);
	assert_non_null(again);
	assert_int_equal(n, dirs[1].len);
	assert_memory_equal(again, dirs[1].text, n);
	free(again);
	db *d = open_ro(dirs[1].data);
	assert_non_null(d);
	assert_in_range(q_int(d, "SELECT COUNT(*) FROM units WHERE kind = 'school'"),
	    280, 320);
	db_close(d);
}

/* Signs in as username with the password from the logins file and checks
 * the account needs neither a new password nor two-factor. */
static void
sign_in(const struct srv *s, const char *username, const char *want_role)
{
	char pw[64], role[64];
	assert_int_equal(csv_login(dirs[0].text, username, pw, sizeof pw, role,
	    sizeof role), 0);
	assert_string_equal(role, want_role);
	struct session se;
	assert_int_equal(fx_signin(s, username, pw, &se), 0);
	struct resp r;
	assert_int_equal(fx_req(s, &se, "GET", "/api/v1/me", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	json_t *j = json_loads(r.body, 0, NULL);
	assert_non_null(j);
	json_t *u = json_object_get(j, "user");
	assert_true(json_is_false(json_object_get(u, "must_change")));
	assert_true(json_is_false(json_object_get(u, "needs_mfa")));
	int has = 0;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(u, "roles"), i, v)
		has |= strcmp(json_string_value(json_object_get(v, "name")), want_role) == 0;
	assert_true(has);
	json_decref(j);
	resp_free(&r);
	/* a wrong password is still refused */
	char body[160];
	snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"Xa-not-it-9\"}",
	    username);
	assert_int_equal(http_req(s, "POST", "/api/v1/session", "application/json",
	    body, strlen(body), NULL, &r), 0);
	assert_int_equal(r.status, 401);
	resp_free(&r);
}

static void
test_serve_and_sign_in(void **state)
{
	struct srv s;
	memset(&s, 0, sizeof s);
	snprintf(s.dir, sizeof s.dir, "%s", dirs[0].folder);
	assert_int_equal(srv_start(&s, NULL), 0);
	sign_in(&s, "leader", "leader");
	sign_in(&s, "p4101840001", "principal");
	sign_in(&s, "police", "agency_liaison");
	assert_int_equal(srv_stop(&s), 0);
	/* the demo's cheap hashes were replaced at the configured cost */
	db *d = open_ro(dirs[0].data);
	assert_non_null(d);
	char *h = q_text(d, "SELECT password_hash FROM accounts WHERE username = 'leader'");
	assert_non_null(h);
	assert_non_null(strstr(h, "$100000$"));
	free(h);
	db_close(d);
	char *out = NULL;
	assert_int_equal(run_cmd(X("verify", "--data", dirs[0].data), &out), 0);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_twice),
		cmocka_unit_test(test_same_city),
		cmocka_unit_test(test_city_shape),
		cmocka_unit_test(test_verify_and_if_empty),
		cmocka_unit_test(test_serve_and_sign_in),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
