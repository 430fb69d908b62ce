/* test_org.c: the organisation registry over HTTP (src/org/org_http.c):
 * the unit list and its filters, creating and reading units within and
 * outside the caller's reach (outside answered exactly like missing),
 * what a principal may change, classes and head counts, the committee
 * over time and its composition check under each setting, CSV import in
 * UTF-8 and GB18030 with the all-or-nothing rule and its row errors,
 * staff accounts with temporary passwords, export round trips, CSRF on
 * the forms, the pages themselves, and `xiaoan verify` after it all.
 *
 * It must never depend on the order of rows the server does not promise
 * nor on the wall clock beyond "today". One server for the whole file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "fixture.h"
#include "harness.h"

static struct srv S;
static struct session office, director, pa, ta, pb, auditor;
static int64_t town, school_a, school_b, acc_pa;

#define PW "Fixture-Pass-123"

/* --- Helpers. */

/* A request as s (Bearer) expecting status; returns the parsed body. */
static json_t *
call(const struct session *s, const char *method, const char *path,
    const char *json, long want)
{
	struct resp r;
	assert_int_equal(fx_req(&S, s, method, path, json, &r), 0);
	if (r.status != want)
		fail_msg("%s %s: %ld, want %ld: %s", method, path, r.status, want,
		    r.body ? r.body : "");
	json_t *j = json_loads(r.body ? r.body : "null", JSON_DECODE_ANY, NULL);
	resp_free(&r);
	assert_non_null(j);
	return j;
}

/* The same, answering only the status. */
static long
status_of(const struct session *s, const char *method, const char *path,
    const char *json)
{
	struct resp r;
	assert_int_equal(fx_req(&S, s, method, path, json, &r), 0);
	long st = r.status;
	resp_free(&r);
	return st;
}

/* A request with a raw body and content type, by Bearer token. */
static void
raw(const struct session *s, const char *method, const char *path,
    const char *ctype, const char *body, size_t len, struct resp *out)
{
	char auth[96];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", s->token);
	const char *h[] = { auth, NULL };
	assert_int_equal(http_req(&S, method, path, ctype, body, len, h, out), 0);
}

/* POSTs a CSV file to /api/v1/import/KIND as text/csv; returns the
 * answer's JSON and its status. */
static json_t *
import_csv(const struct session *s, const char *kind, const char *csv, size_t len,
    long *status)
{
	char path[64];
	struct resp r;
	snprintf(path, sizeof path, "/api/v1/import/%s", kind);
	raw(s, "POST", path, "text/csv", csv, len, &r);
	*status = r.status;
	json_t *j = json_loads(r.body ? r.body : "null", JSON_DECODE_ANY, NULL);
	if (j == NULL)
		fail_msg("import %s: %ld %s", kind, r.status, r.body ? r.body : "");
	resp_free(&r);
	return j;
}

static int64_t
count(const char *sql)
{
	int64_t n = fx_int(sql);
	assert_true(n >= 0);
	return n;
}

/* A string field of a JSON object, or "". */
static const char *
sget(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

static int64_t
iget(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* Percent-encodes s into out (for urlencoded form bodies). */
static const char *
enc(const char *s, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && n + 4 < len; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.') {
			out[n++] = (char)*p;
		} else {
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		}
	}
	out[n] = '\0';
	return out;
}

static void
today(char out[11])
{
	time_t t = time(NULL) + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* --- The fixture: a township, school A (primary, in the township) and
 * school B (junior and senior, under the bureau), office staff at the
 * bureau, a principal and a teacher in A, a principal in B, an audit
 * administrator. */

static int
setup(void **state)
{
	static const char *const extra[] = { "--loops", "2", NULL };
	char sql[512];
	memset(&S, 0, sizeof S);
	if (srv_start(&S, extra) != 0 || fx_setup(&S) != 0)
		return -1;
	/* The lowest hashing cost keeps staff imports and sign-ins quick. */
	if (fx_sql("INSERT INTO settings (key, value, updated_at) VALUES "
	    "('password.pbkdf2_iterations', '10000', 0)") != 0)
		return -1;
	town = fx_unit(1, "township", "城关镇", NULL);
	school_a = fx_unit(town, "school", "城关镇第一小学", "primary");
	school_b = fx_unit(1, "school", "新郑市第二高级中学", "junior,senior");
	if (town < 0 || school_a < 0 || school_b < 0)
		return -1;
	snprintf(sql, sizeof sql, "UPDATE units SET township_id = %lld, code = '410184101',"
	    " aliases = '城关一小' WHERE id = %lld", (long long)town, (long long)school_a);
	if (fx_sql(sql) != 0)
		return -1;
	snprintf(sql, sizeof sql, "UPDATE units SET code = '410184901',"
	    " school_type = 'twelve_year' WHERE id = %lld", (long long)school_b);
	if (fx_sql(sql) != 0)
		return -1;
	acc_pa = fx_account(school_a, "pa_principal", PW, ROLE_BIT(ROLE_PRINCIPAL));
	if (fx_account(1, "office1", PW, ROLE_BIT(ROLE_OFFICE_STAFF)) < 0 || acc_pa < 0 ||
	    fx_account(school_a, "ta_teacher", PW, ROLE_BIT(ROLE_TEACHER)) < 0 ||
	    fx_account(school_b, "pb_principal", PW, ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(1, "auditor2", PW, ROLE_BIT(ROLE_AUDITADMIN)) < 0 ||
	    fx_account(1, "director1", PW, ROLE_BIT(ROLE_OFFICE_DIRECTOR)) < 0)
		return -1;
	return fx_signin(&S, "office1", PW, &office) || fx_signin(&S, "pa_principal", PW, &pa) ||
	    fx_signin(&S, "ta_teacher", PW, &ta) || fx_signin(&S, "pb_principal", PW, &pb) ||
	    fx_signin(&S, "auditor2", PW, &auditor) ||
	    fx_signin(&S, "director1", PW, &director);
}

static int
teardown(void **state)
{
	fx_done();
	int rc = srv_stop(&S);
	/* XIAOAN_KEEP=1 keeps the data folder and the server's log. */
	if (getenv("XIAOAN_KEEP") == NULL)
		srv_cleanup(&S);
	else
		fprintf(stderr, "kept %s\n", S.dir);
	return rc;
}

/* --- The list. */

static void
test_list(void **state)
{
	json_t *j = call(&office, "GET", "/api/v1/units", NULL, 200);
	assert_true(iget(j, "total") >= 4);
	json_decref(j);
	/* Search by part of the name, by alias, by code. */
	j = call(&office, "GET", "/api/v1/units?q=%E7%AC%AC%E4%B8%80", NULL, 200);
	assert_int_equal(iget(j, "total"), 1);
	assert_int_equal(iget(json_array_get(json_object_get(j, "units"), 0), "id"), school_a);
	json_decref(j);
	j = call(&office, "GET", "/api/v1/units?q=%E5%9F%8E%E5%85%B3%E4%B8%80%E5%B0%8F", NULL, 200);
	assert_int_equal(iget(j, "total"), 1);
	json_decref(j);
	j = call(&office, "GET", "/api/v1/units?q=410184901", NULL, 200);
	assert_int_equal(iget(j, "total"), 1);
	assert_int_equal(iget(json_array_get(json_object_get(j, "units"), 0), "id"), school_b);
	json_decref(j);
	/* A LIKE wildcard in the search is only a character. */
	j = call(&office, "GET", "/api/v1/units?q=%25", NULL, 200);
	assert_int_equal(iget(j, "total"), 0);
	json_decref(j);
	char path[128];
	snprintf(path, sizeof path, "/api/v1/units?kind=school&township=%lld", (long long)town);
	j = call(&office, "GET", path, NULL, 200);
	assert_int_equal(iget(j, "total"), 1);
	json_decref(j);
	j = call(&office, "GET", "/api/v1/units?kind=township", NULL, 200);
	assert_int_equal(iget(j, "total"), 1);
	json_decref(j);
	/* A principal sees its own school only; the audit administrator
	 * nothing at all. */
	j = call(&pa, "GET", "/api/v1/units", NULL, 200);
	assert_int_equal(iget(j, "total"), 1);
	assert_int_equal(iget(json_array_get(json_object_get(j, "units"), 0), "id"), school_a);
	json_decref(j);
	j = call(&auditor, "GET", "/api/v1/units", NULL, 200);
	assert_int_equal(iget(j, "total"), 0);
	json_decref(j);
	/* Bad filters are refused before any handler runs. */
	assert_int_equal(status_of(&office, "GET", "/api/v1/units?kind=castle", NULL), 400);
	assert_int_equal(status_of(&office, "GET", "/api/v1/units?page=0", NULL), 400);
	/* Nobody signed in: 401. */
	struct resp r;
	assert_int_equal(http_get(&S, "/api/v1/units", &r), 0);
	assert_int_equal(r.status, 401);
	resp_free(&r);
}

/* --- Creating. */

static void
test_create(void **state)
{
	char body[512];
	int64_t before = count("SELECT count(*) FROM units");
	snprintf(body, sizeof body, "{\"kind\":\"school\",\"name\":\"城关镇第三小学\","
	    "\"school_type\":\"primary\",\"township_id\":%lld,\"code\":\"410184103\","
	    "\"office_phone\":\"0371-62660103\"}", (long long)town);
	json_t *j = call(&office, "POST", "/api/v1/units", body, 201);
	json_t *u = json_object_get(j, "unit");
	assert_string_equal(sget(u, "name"), "城关镇第三小学");
	assert_int_equal(iget(u, "township_id"), town);
	assert_string_equal(sget(json_object_get(u, "contact"), "office_phone"), "0371-62660103");
	json_t *st = json_object_get(u, "stages");
	assert_int_equal(json_array_size(st), 1);
	assert_string_equal(json_string_value(json_array_get(st, 0)), "primary");
	int64_t id = iget(u, "id");
	json_decref(j);
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM units WHERE id = %lld AND path = "
	    "'/1/%lld/%lld/'", (long long)id, (long long)town, (long long)id);
	assert_int_equal(count(sql), 1);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE action = 'unit.create'"
	    " AND object_id = %lld", (long long)id);
	assert_int_equal(count(sql), 1);
	/* An agency under the bureau. */
	j = call(&office, "POST", "/api/v1/units", "{\"kind\":\"agency\",\"name\":"
	    "\"新郑市公安局城关派出所\",\"agency_type\":\"police\"}", 201);
	assert_string_equal(sget(json_object_get(j, "unit"), "agency_type"), "police");
	json_decref(j);
	/* The same code again, a bad e-mail, a school without a type. */
	j = call(&office, "POST", "/api/v1/units", "{\"kind\":\"school\",\"name\":\"重复\","
	    "\"school_type\":\"primary\",\"code\":\"410184103\"}", 409);
	assert_string_equal(sget(json_object_get(j, "error"), "code"), "code_taken");
	json_decref(j);
	j = call(&office, "POST", "/api/v1/units", "{\"kind\":\"school\",\"name\":\"某校\","
	    "\"school_type\":\"primary\",\"office_email\":\"not-an-address\"}", 400);
	assert_string_equal(sget(json_object_get(j, "error"), "field"), "office_email");
	json_decref(j);
	j = call(&office, "POST", "/api/v1/units", "{\"kind\":\"school\",\"name\":\"某校\"}", 400);
	assert_string_equal(sget(json_object_get(j, "error"), "field"), "school_type");
	json_decref(j);
	/* A principal may not add units: answered as if nothing were there. */
	j = call(&pa, "POST", "/api/v1/units", "{\"kind\":\"school\",\"name\":\"某校\","
	    "\"school_type\":\"primary\"}", 404);
	assert_string_equal(sget(json_object_get(j, "error"), "code"), "not_found");
	json_decref(j);
	assert_int_equal(count("SELECT count(*) FROM units"), before + 2);
	/* The form: urlencoded with _csrf, then 303 to the new unit. */
	char name[128], form[512];
	struct resp r;
	snprintf(form, sizeof form, "_csrf=%s&kind=township&name=%s", office.csrf,
	    enc("龙湖镇", name, sizeof name));
	assert_int_equal(fx_req_cookie(&S, &office, "POST", "/units/new",
	    "application/x-www-form-urlencoded", form, 0, &r), 0);
	assert_int_equal(r.status, 303);
	assert_non_null(resp_header(&r, "Location"));
	assert_int_equal(strncmp(resp_header(&r, "Location"), "/units/", 7), 0);
	resp_free(&r);
	assert_int_equal(count("SELECT count(*) FROM units WHERE kind = 'township'"), 2);
}

/* --- Reading within and outside one's reach. */

static void
test_read_scope(void **state)
{
	char path[64], path2[64];
	struct resp r1, r2;
	snprintf(path, sizeof path, "/api/v1/units/%lld", (long long)school_a);
	json_t *j = call(&pa, "GET", path, NULL, 200);
	assert_string_equal(sget(json_object_get(j, "unit"), "name"), "城关镇第一小学");
	assert_true(json_is_true(json_object_get(json_object_get(j, "can"), "edit")));
	assert_false(json_is_true(json_object_get(json_object_get(j, "can"), "edit_profile")));
	json_decref(j);
	/* School B and a unit that does not exist: the same answer. */
	snprintf(path, sizeof path, "/api/v1/units/%lld", (long long)school_b);
	snprintf(path2, sizeof path2, "/api/v1/units/%d", 987654);
	assert_int_equal(fx_req(&S, &pa, "GET", path, NULL, &r1), 0);
	assert_int_equal(fx_req(&S, &pa, "GET", path2, NULL, &r2), 0);
	assert_int_equal(r1.status, 404);
	assert_int_equal(r2.status, 404);
	assert_string_equal(r1.body, r2.body);
	resp_free(&r1);
	resp_free(&r2);
	/* The same for its classes and committee, and on the pages. */
	snprintf(path, sizeof path, "/api/v1/units/%lld/classes", (long long)school_b);
	assert_int_equal(status_of(&pa, "GET", path, NULL), 404);
	snprintf(path, sizeof path, "/api/v1/units/%lld/committee", (long long)school_b);
	assert_int_equal(status_of(&pa, "GET", path, NULL), 404);
	snprintf(path, sizeof path, "/units/%lld", (long long)school_b);
	assert_int_equal(fx_req_cookie(&S, &pa, "GET", path, NULL, NULL, 0, &r1), 0);
	assert_int_equal(r1.status, 404);
	resp_free(&r1);
	/* The bureau's office reads everything under the bureau. */
	snprintf(path, sizeof path, "/api/v1/units/%lld", (long long)school_b);
	j = call(&office, "GET", path, NULL, 200);
	assert_true(json_is_true(json_object_get(json_object_get(j, "unit"),
	    "beyond_compulsory")));
	json_decref(j);
}

/* --- Changing. */

static void
test_patch(void **state)
{
	char path[64], pathb[64], sql[256];
	snprintf(path, sizeof path, "/api/v1/units/%lld", (long long)school_a);
	snprintf(pathb, sizeof pathb, "/api/v1/units/%lld", (long long)school_b);
	json_t *j = call(&pa, "PATCH", path, "{\"office_name\":\"学生欺凌防治办公室\","
	    "\"office_phone\":\"0371-62660101\",\"office_email\":\"fqlb@cg1x.example.cn\","
	    "\"legal_vp_phone\":\"13800000001\",\"safety_lead_phone\":\"13800000002\"}", 200);
	json_t *c = json_object_get(json_object_get(j, "unit"), "contact");
	assert_string_equal(sget(c, "office_phone"), "0371-62660101");
	assert_string_equal(sget(c, "office_email"), "fqlb@cg1x.example.cn");
	json_decref(j);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE action = 'unit.update'"
	    " AND object_id = %lld AND fields = 'office_name,office_phone,office_email,"
	    "legal_vp_phone,safety_lead_phone'", (long long)school_a);
	assert_int_equal(count(sql), 1);
	/* Not its name or type: 400, nothing changed. */
	int64_t audits = count("SELECT count(*) FROM audit_log");
	j = call(&pa, "PATCH", path, "{\"name\":\"改名\",\"office_phone\":\"0371-1111111\"}", 400);
	assert_string_equal(sget(json_object_get(j, "error"), "code"), "field_not_allowed");
	assert_string_equal(sget(json_object_get(j, "error"), "field"), "name");
	json_decref(j);
	j = call(&pa, "PATCH", path, "{\"school_type\":\"junior\"}", 400);
	assert_string_equal(sget(json_object_get(j, "error"), "field"), "school_type");
	json_decref(j);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM units WHERE id = %lld AND name = "
	    "'城关镇第一小学' AND school_type = 'primary' AND office_phone = '0371-62660101'",
	    (long long)school_a);
	assert_int_equal(count(sql), 1);
	assert_int_equal(count("SELECT count(*) FROM audit_log"), audits);
	/* Not another school's: 404, and B is unchanged. */
	j = call(&pa, "PATCH", pathb, "{\"office_phone\":\"0371-99999999\"}", 404);
	json_decref(j);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM units WHERE id = %lld AND"
	    " office_phone = ''", (long long)school_b);
	assert_int_equal(count(sql), 1);
	/* A teacher may not change the school at all. */
	assert_int_equal(status_of(&ta, "PATCH", path, "{\"office_phone\":\"0371-62660109\"}"), 404);
	/* Malformed contact: the field is named, nothing changes. */
	j = call(&pa, "PATCH", path, "{\"office_phone\":\"call me maybe\"}", 400);
	assert_string_equal(sget(json_object_get(j, "error"), "code"), "bad_phone");
	json_decref(j);
	j = call(&pa, "PATCH", path, "{\"office_email\":\"a@b\"}", 400);
	assert_string_equal(sget(json_object_get(j, "error"), "field"), "office_email");
	json_decref(j);
	j = call(&pa, "PATCH", path, "{\"office_phone\":\"1234\"}", 400);
	assert_string_equal(sget(json_object_get(j, "error"), "field"), "office_phone");
	json_decref(j);
	/* The office changes the profile, and moves school B into the
	 * township and back. */
	j = call(&office, "PATCH", path, "{\"aliases\":\"城关一小、一小\",\"address\":"
	    "\"新郑市人民路1号\"}", 200);
	assert_string_equal(sget(json_object_get(j, "unit"), "address"), "新郑市人民路1号");
	json_decref(j);
	char body[96];
	snprintf(body, sizeof body, "{\"township_id\":%lld}", (long long)town);
	j = call(&office, "PATCH", pathb, body, 200);
	assert_int_equal(iget(json_object_get(j, "unit"), "township_id"), town);
	json_decref(j);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM units WHERE id = %lld AND path = "
	    "'/1/%lld/%lld/'", (long long)school_b, (long long)town, (long long)school_b);
	assert_int_equal(count(sql), 1);
	j = call(&office, "PATCH", pathb, "{\"township_id\":0}", 200);
	assert_true(json_is_null(json_object_get(json_object_get(j, "unit"), "township_id")));
	json_decref(j);
	/* A code already used by another unit. */
	j = call(&office, "PATCH", pathb, "{\"code\":\"410184101\"}", 409);
	json_decref(j);
	/* School B's principal still reads B after it came back. */
	json_decref(call(&pb, "GET", pathb, NULL, 200));
}

/* --- Classes. */

static void
test_classes(void **state)
{
	char path[64], sql[160];
	struct resp r;
	snprintf(path, sizeof path, "/api/v1/units/%lld/classes", (long long)school_a);
	json_t *j = call(&pa, "PUT", path, "[{\"grade\":1,\"name\":\"1班\",\"boys\":20,"
	    "\"girls\":22},{\"grade\":1,\"name\":\"2班\",\"boys\":21,\"girls\":19},"
	    "{\"grade\":2,\"name\":\"1班\",\"boys\":18,\"girls\":20}]", 200);
	json_t *t = json_object_get(json_object_get(j, "classes"), "totals");
	assert_int_equal(iget(t, "classes"), 3);
	assert_int_equal(iget(t, "boys"), 59);
	assert_int_equal(iget(t, "girls"), 61);
	assert_int_equal(iget(t, "students"), 120);
	json_t *g = json_object_get(json_object_get(j, "classes"), "grades");
	assert_int_equal(json_array_size(g), 2);
	assert_int_equal(iget(json_array_get(g, 0), "students"), 82);
	json_decref(j);
	j = call(&ta, "GET", path, NULL, 200);
	assert_int_equal(json_array_size(json_object_get(json_object_get(j, "classes"),
	    "items")), 3);
	json_decref(j);
	/* Two classes alike, a grade out of range, a negative count. */
	j = call(&pa, "PUT", path, "{\"classes\":[{\"grade\":1,\"name\":\"1班\"},"
	    "{\"grade\":1,\"name\":\"1班\"}]}", 400);
	assert_string_equal(sget(json_object_get(j, "error"), "code"), "duplicate_class");
	json_decref(j);
	j = call(&pa, "PUT", path, "[{\"grade\":13,\"name\":\"1班\"}]", 400);
	assert_string_equal(sget(json_object_get(j, "error"), "field"), "classes.0.grade");
	json_decref(j);
	json_decref(call(&pa, "PUT", path, "[{\"grade\":1,\"name\":\"1班\",\"boys\":-1}]", 400));
	snprintf(sql, sizeof sql, "SELECT count(*) FROM classes WHERE unit_id = %lld",
	    (long long)school_a);
	assert_int_equal(count(sql), 3);
	/* Another school's principal, a teacher: as if missing. */
	assert_int_equal(status_of(&pb, "PUT", path, "[]"), 404);
	assert_int_equal(status_of(&ta, "PUT", path, "[]"), 404);
	/* Not JSON. */
	raw(&pa, "PUT", path, "text/plain", "1,1班,2,3", 9, &r);
	assert_int_equal(r.status, 415);
	resp_free(&r);
	/* The edit page's text form: grades in words, a heading line. */
	char text[256], form[1024], p2[64];
	snprintf(form, sizeof form, "_csrf=%s&classes=%s", pa.csrf,
	    enc("年级,班级,男生,女生\n一年级,1班,20,22\n二年级，1班，18，20\n初一,1班,30,31\n", text,
	    sizeof text));
	snprintf(p2, sizeof p2, "/units/%lld/classes", (long long)school_a);
	assert_int_equal(fx_req_cookie(&S, &pa, "POST", p2,
	    "application/x-www-form-urlencoded", form, 0, &r), 0);
	assert_int_equal(r.status, 303);
	resp_free(&r);
	assert_int_equal(count(sql), 3);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM classes WHERE unit_id = %lld AND"
	    " grade = 7 AND boys = 30", (long long)school_a);
	assert_int_equal(count(sql), 1);
	/* A bad line: the page again with the line, nothing written. */
	snprintf(form, sizeof form, "_csrf=%s&classes=%s", pa.csrf,
	    enc("一年级,1班,20,22\n幼儿园,小班,10,10\n", text, sizeof text));
	assert_int_equal(fx_req_cookie(&S, &pa, "POST", p2,
	    "application/x-www-form-urlencoded", form, 0, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "第2行"));
	resp_free(&r);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM classes WHERE unit_id = %lld",
	    (long long)school_a);
	assert_int_equal(count(sql), 3);
	/* Put back the three classes of the start for the tests after. */
	json_decref(call(&pa, "PUT", path, "[{\"grade\":1,\"name\":\"1班\",\"boys\":20,"
	    "\"girls\":22},{\"grade\":1,\"name\":\"2班\",\"boys\":21,\"girls\":19},"
	    "{\"grade\":2,\"name\":\"1班\",\"boys\":18,\"girls\":20}]", 200));
}

/* --- The committee. */

/* Whether the check in a committee model lists key as missing. */
static int
missing(json_t *j, const char *key)
{
	json_t *m = json_object_get(json_object_get(json_object_get(j, "committee"), "check"),
	    "missing"), *v;
	size_t i;
	json_array_foreach(m, i, v)
		if (strcmp(sget(v, "key"), key) == 0)
			return 1;
	return 0;
}

/* Whether key is required by the check at all. */
static int
required(json_t *j, const char *key)
{
	json_t *m = json_object_get(json_object_get(json_object_get(j, "committee"), "check"),
	    "requirements"), *v;
	size_t i;
	json_array_foreach(m, i, v)
		if (strcmp(sget(v, "key"), key) == 0)
			return json_is_true(json_object_get(v, "required"));
	return -1;
}

static int
complete(json_t *j)
{
	return json_is_true(json_object_get(json_object_get(json_object_get(j, "committee"),
	    "check"), "complete"));
}

static int64_t
add_member(const struct session *s, int64_t school, const char *json)
{
	char path[96];
	snprintf(path, sizeof path, "/api/v1/units/%lld/committee", (long long)school);
	json_t *j = call(s, "POST", path, json, 201);
	int64_t id = iget(json_object_get(j, "member"), "id");
	json_decref(j);
	return id;
}

static void
test_committee(void **state)
{
	char path[96], pathb[96], body[256], day[11];
	today(day);
	snprintf(path, sizeof path, "/api/v1/units/%lld/committee", (long long)school_a);
	snprintf(pathb, sizeof pathb, "/api/v1/units/%lld/committee", (long long)school_b);
	snprintf(body, sizeof body, "{\"account_id\":%lld,\"role\":\"chair\","
	    "\"member_type\":\"staff\",\"from_date\":\"2023-09-01\"}", (long long)acc_pa);
	add_member(&pa, school_a, body);
	add_member(&pa, school_a, "{\"name\":\"李律师\",\"role\":\"member\","
	    "\"member_type\":\"legal_adviser\",\"from_date\":\"2023-09-01\"}");
	add_member(&pa, school_a, "{\"name\":\"王教授\",\"role\":\"member\","
	    "\"member_type\":\"outside_expert\",\"from_date\":\"2023-09-01\"}");
	int64_t parent = add_member(&pa, school_a, "{\"name\":\"赵家长\",\"role\":\"member\","
	    "\"member_type\":\"parent_rep\",\"from_date\":\"2023-09-01\"}");
	/* Complete today; then the parent's term ends on 31 August 2024. */
	json_t *j = call(&ta, "GET", path, NULL, 200);
	assert_true(complete(j));
	assert_string_equal(sget(json_object_get(j, "committee"), "on"), day);
	assert_int_equal(json_array_size(json_object_get(json_object_get(j, "committee"),
	    "members")), 4);
	/* The account's name fills an empty name; the chair comes first. */
	assert_string_equal(sget(json_array_get(json_object_get(json_object_get(j,
	    "committee"), "members"), 0), "name"), "pa_principal");
	json_decref(j);
	char end[128];
	snprintf(end, sizeof end, "%s/%lld/end", path, (long long)parent);
	j = call(&pa, "POST", end, "{\"to_date\":\"2024-08-31\"}", 200);
	assert_string_equal(sget(json_object_get(j, "member"), "to_date"), "2024-08-31");
	json_decref(j);
	/* Ending it again, or before it began; a teacher may not. */
	json_decref(call(&pa, "POST", end, "{\"to_date\":\"2024-09-30\"}", 409));
	int64_t p2 = add_member(&pa, school_a, "{\"name\":\"孙家长\",\"role\":\"member\","
	    "\"member_type\":\"parent_rep\",\"from_date\":\"2030-01-01\"}");
	snprintf(end, sizeof end, "%s/%lld/end", path, (long long)p2);
	j = call(&pa, "POST", end, "{\"to_date\":\"2029-12-31\"}", 400);
	assert_string_equal(sget(json_object_get(j, "error"), "code"), "bad_date_range");
	json_decref(j);
	assert_int_equal(status_of(&ta, "POST", end, "{}"), 404);
	assert_int_equal(status_of(&ta, "POST", path, "{\"name\":\"某人\",\"role\":\"member\","
	    "\"member_type\":\"staff\"}"), 404);
	/* School B's member cannot be ended through school A. */
	snprintf(end, sizeof end, "%s/%lld/end", pathb, (long long)parent);
	assert_int_equal(status_of(&office, "POST", end, "{}"), 404);
	/* On a past day the parent sat; today one is missing. */
	char on[128];
	snprintf(on, sizeof on, "%s?on=2024-03-01", path);
	j = call(&pa, "GET", on, NULL, 200);
	assert_true(complete(j));
	assert_int_equal(json_array_size(json_object_get(json_object_get(j, "committee"),
	    "members")), 4);
	json_decref(j);
	snprintf(on, sizeof on, "%s?on=2023-08-31", path);
	j = call(&pa, "GET", on, NULL, 200);
	assert_int_equal(json_array_size(json_object_get(json_object_get(j, "committee"),
	    "members")), 0);
	assert_true(missing(j, "chair"));
	json_decref(j);
	j = call(&pa, "GET", path, NULL, 200);
	assert_false(complete(j));
	assert_true(missing(j, "parent_rep"));
	assert_false(missing(j, "chair"));
	assert_false(missing(j, "legal"));
	assert_int_equal(required(j, "student_rep"), 0);	/* a primary school */
	json_decref(j);
	/* A bad date, a bad role, an account of another school. */
	assert_int_equal(status_of(&pa, "GET", "/api/v1/units/1/committee?on=2024-02-30", NULL), 400);
	json_decref(call(&pa, "POST", path, "{\"name\":\"某人\",\"role\":\"boss\","
	    "\"member_type\":\"staff\"}", 400));
	j = call(&office, "POST", path, "{\"account_id\":1,\"role\":\"member\","
	    "\"member_type\":\"staff\"}", 400);
	assert_string_equal(sget(json_object_get(j, "error"), "code"), "bad_account");
	json_decref(j);
	/* School B teaches senior high: under the default rule it needs a
	 * student representative. */
	add_member(&pb, school_b, "{\"name\":\"周校长\",\"role\":\"chair\","
	    "\"member_type\":\"staff\",\"from_date\":\"2024-09-01\"}");
	add_member(&pb, school_b, "{\"name\":\"吴副校长\",\"role\":\"member\","
	    "\"member_type\":\"legal_vp\",\"from_date\":\"2024-09-01\"}");
	add_member(&pb, school_b, "{\"name\":\"郑专家\",\"role\":\"member\","
	    "\"member_type\":\"outside_expert\",\"from_date\":\"2024-09-01\"}");
	add_member(&pb, school_b, "{\"name\":\"冯家长\",\"role\":\"member\","
	    "\"member_type\":\"parent_rep\",\"from_date\":\"2024-09-01\"}");
	j = call(&pb, "GET", pathb, NULL, 200);
	assert_false(complete(j));
	assert_true(missing(j, "student_rep"));
	assert_int_equal(json_array_size(json_object_get(json_object_get(json_object_get(j,
	    "committee"), "check"), "missing")), 1);
	json_decref(j);
	/* Setting 0: never required. */
	assert_int_equal(fx_sql("INSERT INTO settings (key, value, updated_at) VALUES "
	    "('committee.student_rep', '0', 0)"), 0);
	j = call(&pb, "GET", pathb, NULL, 200);
	assert_true(complete(j));
	assert_int_equal(required(j, "student_rep"), 0);
	json_decref(j);
	/* Setting 2: always, even for the primary school. */
	assert_int_equal(fx_sql("UPDATE settings SET value = '2' WHERE key = "
	    "'committee.student_rep'"), 0);
	snprintf(on, sizeof on, "%s?on=2024-03-01", path);
	j = call(&pa, "GET", on, NULL, 200);
	assert_true(missing(j, "student_rep"));
	json_decref(j);
	assert_int_equal(fx_sql("DELETE FROM settings WHERE key = 'committee.student_rep'"), 0);
	/* The principal of A may not touch B's committee. */
	assert_int_equal(status_of(&pa, "POST", pathb, "{\"name\":\"某人\",\"role\":\"member\","
	    "\"member_type\":\"staff\"}"), 404);
	/* The unit page carries today's check. */
	char up[64];
	snprintf(up, sizeof up, "/api/v1/units/%lld", (long long)school_b);
	j = call(&pb, "GET", up, NULL, 200);
	assert_true(missing(j, "student_rep"));
	json_decref(j);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'committee.end'"), 1);
	assert_true(count("SELECT count(*) FROM audit_log WHERE action = 'committee.add'") >= 9);
}

/* --- Import. */

static const char good_schools[] =
    "\xEF\xBB\xBF学校代码,学校名称,类型,办学性质,局直,所属乡镇,学段,办公室电话,电子邮箱\r\n"
    "410184111,城关镇第十一小学,小学,公办,否,城关镇,,0371-62660111,xx@example.cn\r\n"
    "410184801,新郑市实验中学,初中,公办,是,,,0371-62660801,\r\n";

/* The same kind of file as Excel saves it on a Chinese Windows: GB18030,
 * with 𠮷 (a four-byte sequence) in a name. Made with
 * iconv -f UTF-8 -t GB18030 from:
 *   学校代码,学校名称,类型,办学性质,所属乡镇,办公室电话
 *   410184201,城关镇第二小学,小学,公办,城关镇,0371-62660201
 *   410184202,龙湖镇𠮷祥小学,九年一贯制,民办,,0371-62660202 */
static const unsigned char gb_schools[] = {
	0xd1, 0xa7, 0xd0, 0xa3, 0xb4, 0xfa, 0xc2, 0xeb, 0x2c, 0xd1, 0xa7, 0xd0,
	0xa3, 0xc3, 0xfb, 0xb3, 0xc6, 0x2c, 0xc0, 0xe0, 0xd0, 0xcd, 0x2c, 0xb0,
	0xec, 0xd1, 0xa7, 0xd0, 0xd4, 0xd6, 0xca, 0x2c, 0xcb, 0xf9, 0xca, 0xf4,
	0xcf, 0xe7, 0xd5, 0xf2, 0x2c, 0xb0, 0xec, 0xb9, 0xab, 0xca, 0xd2, 0xb5,
	0xe7, 0xbb, 0xb0, 0x0d, 0x0a, 0x34, 0x31, 0x30, 0x31, 0x38, 0x34, 0x32,
	0x30, 0x31, 0x2c, 0xb3, 0xc7, 0xb9, 0xd8, 0xd5, 0xf2, 0xb5, 0xda, 0xb6,
	0xfe, 0xd0, 0xa1, 0xd1, 0xa7, 0x2c, 0xd0, 0xa1, 0xd1, 0xa7, 0x2c, 0xb9,
	0xab, 0xb0, 0xec, 0x2c, 0xb3, 0xc7, 0xb9, 0xd8, 0xd5, 0xf2, 0x2c, 0x30,
	0x33, 0x37, 0x31, 0x2d, 0x36, 0x32, 0x36, 0x36, 0x30, 0x32, 0x30, 0x31,
	0x0d, 0x0a, 0x34, 0x31, 0x30, 0x31, 0x38, 0x34, 0x32, 0x30, 0x32, 0x2c,
	0xc1, 0xfa, 0xba, 0xfe, 0xd5, 0xf2, 0x95, 0x34, 0xb2, 0x35, 0xcf, 0xe9,
	0xd0, 0xa1, 0xd1, 0xa7, 0x2c, 0xbe, 0xc5, 0xc4, 0xea, 0xd2, 0xbb, 0xb9,
	0xe1, 0xd6, 0xc6, 0x2c, 0xc3, 0xf1, 0xb0, 0xec, 0x2c, 0x2c, 0x30, 0x33,
	0x37, 0x31, 0x2d, 0x36, 0x32, 0x36, 0x36, 0x30, 0x32, 0x30, 0x32, 0x0d,
	0x0a,
};

static void
test_import_schools(void **state)
{
	long st = 0;
	int64_t before = count("SELECT count(*) FROM units WHERE kind = 'school'");
	json_t *j = import_csv(&office, "schools", good_schools, sizeof good_schools - 1, &st);
	assert_int_equal(st, 200);
	assert_int_equal(iget(j, "created"), 2);
	assert_string_equal(sget(j, "encoding"), "UTF-8");
	json_decref(j);
	assert_int_equal(count("SELECT count(*) FROM units WHERE kind = 'school'"), before + 2);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM units WHERE code = '410184111' AND"
	    " township_id = %lld AND stages = 'primary' AND office_email = 'xx@example.cn'",
	    (long long)town);
	assert_int_equal(count(sql), 1);
	assert_int_equal(count("SELECT count(*) FROM units WHERE code = '410184801' AND"
	    " school_type = 'junior' AND direct = 1 AND township_id IS NULL"), 1);
	/* GB18030, as Excel writes it. */
	j = import_csv(&office, "schools", (const char *)gb_schools, sizeof gb_schools, &st);
	assert_int_equal(st, 200);
	assert_string_equal(sget(j, "encoding"), "GB18030");
	assert_int_equal(iget(j, "created"), 2);
	json_decref(j);
	assert_int_equal(count("SELECT count(*) FROM units WHERE name = '龙湖镇𠮷祥小学' AND"
	    " school_type = 'nine_year' AND ownership = 'private' AND stages = 'primary,junior'"), 1);
	/* One bad row among good ones: 400 with its line, nothing written. */
	before = count("SELECT count(*) FROM units");
	int64_t audits = count("SELECT count(*) FROM audit_log");
	static const char bad[] =
	    "code,name,type,township\n"
	    "410184301,甲小学,primary,城关镇\n"
	    "410184302,乙幼儿园,幼儿园,城关镇\n"
	    "410184303,丙小学,primary,没有这个镇\n"
	    "410184301,丁小学,primary,\n";
	j = import_csv(&office, "schools", bad, sizeof bad - 1, &st);
	assert_int_equal(st, 400);
	assert_string_equal(sget(json_object_get(j, "error"), "code"), "import_rows");
	json_t *errs = json_object_get(j, "errors");
	assert_int_equal(json_array_size(errs), 3);
	assert_int_equal(iget(json_array_get(errs, 0), "row"), 3);
	assert_string_equal(sget(json_array_get(errs, 0), "column"), "type");
	assert_string_equal(sget(json_array_get(errs, 0), "value"), "幼儿园");
	assert_true(strlen(sget(json_array_get(errs, 0), "message")) > 0);
	assert_int_equal(iget(json_array_get(errs, 1), "row"), 4);
	assert_int_equal(iget(json_array_get(errs, 2), "row"), 5);
	json_decref(j);
	assert_int_equal(count("SELECT count(*) FROM units"), before);
	assert_int_equal(count("SELECT count(*) FROM audit_log"), audits);
	/* A missing column, an empty file, a damaged one, not CSV at all. */
	j = import_csv(&office, "schools", "学校代码,学校名称\n1,甲\n",
	    strlen("学校代码,学校名称\n1,甲\n"), &st);
	assert_int_equal(st, 400);
	assert_int_equal(iget(json_array_get(json_object_get(j, "errors"), 0), "row"), 1);
	json_decref(j);
	j = import_csv(&office, "schools", "学校代码,学校名称,类型\n",
	    strlen("学校代码,学校名称,类型\n"), &st);
	assert_int_equal(st, 400);
	json_decref(j);
	j = import_csv(&office, "schools", "a,\"b\n", 5, &st);
	assert_int_equal(st, 400);
	assert_string_equal(sget(json_object_get(j, "error"), "code"), "import_malformed");
	json_decref(j);
	j = import_csv(&office, "schools", "\xff\xfe\x00\x41", 4, &st);
	assert_int_equal(st, 400);
	json_decref(j);
	assert_int_equal(count("SELECT count(*) FROM units"), before);
	/* Only checking writes nothing. */
	static const char one[] = "code,name,type\n410184901,新郑市第二高级中学,twelve_year\n"
	    "410184401,戊小学,primary\n";
	struct resp r;
	raw(&office, "POST", "/api/v1/import/schools?check_only=1", "text/csv", one,
	    sizeof one - 1, &r);
	assert_int_equal(r.status, 200);
	j = json_loads(r.body, 0, NULL);
	resp_free(&r);
	assert_true(json_is_true(json_object_get(j, "check_only")));
	assert_int_equal(iget(j, "created"), 1);
	assert_int_equal(iget(j, "unchanged"), 1);
	json_decref(j);
	assert_int_equal(count("SELECT count(*) FROM units"), before);
	/* A principal may not import; nor may anyone import a kind that
	 * does not exist. */
	j = import_csv(&pa, "schools", one, sizeof one - 1, &st);
	assert_int_equal(st, 404);
	json_decref(j);
	j = import_csv(&office, "castles", one, sizeof one - 1, &st);
	assert_int_equal(st, 404);
	json_decref(j);
	/* Classes: one unknown school fails the file. */
	static const char classes[] = "学校代码,年级,班级,男生人数,女生人数\n"
	    "410184111,一年级,1班,20,21\n410184111,1,2班,22,23\n410184999,1,1班,1,1\n";
	j = import_csv(&office, "classes", classes, sizeof classes - 1, &st);
	assert_int_equal(st, 400);
	assert_int_equal(iget(json_array_get(json_object_get(j, "errors"), 0), "row"), 4);
	json_decref(j);
	assert_int_equal(count("SELECT count(*) FROM classes c JOIN units u ON u.id ="
	    " c.unit_id WHERE u.code = '410184111'"), 0);
	j = import_csv(&office, "classes", classes,
	    (size_t)(strstr(classes, "410184999") - classes), &st);
	assert_int_equal(st, 200);
	assert_int_equal(iget(j, "updated"), 1);
	json_decref(j);
	assert_int_equal(count("SELECT count(*) FROM classes c JOIN units u ON u.id ="
	    " c.unit_id WHERE u.code = '410184111'"), 2);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'import.schools'"), 2);
}

/* The page form: multipart with _csrf, the result on the page. */
static void
test_import_page(void **state)
{
	char body[2048];
	struct resp r;
	static const char csv[] = "学校代码,学校名称,类型\n410184501,己小学,小学\n";
	int n = snprintf(body, sizeof body,
	    "--XAB\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n%s\r\n"
	    "--XAB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"学校.csv\"\r\n"
	    "Content-Type: text/csv\r\n\r\n%s\r\n--XAB--\r\n", office.csrf, csv);
	char cookie[96];
	snprintf(cookie, sizeof cookie, "Cookie: xa_session=%s", office.token);
	const char *h[] = { cookie, NULL };
	assert_int_equal(http_req(&S, "POST", "/import/schools",
	    "multipart/form-data; boundary=XAB", body, (size_t)n, h, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "导入成功"));
	resp_free(&r);
	assert_int_equal(count("SELECT count(*) FROM units WHERE code = '410184501'"), 1);
	/* Without the token: refused, nothing written. */
	n = snprintf(body, sizeof body,
	    "--XAB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n"
	    "Content-Type: text/csv\r\n\r\n学校代码,学校名称,类型\n410184502,庚小学,小学\n\r\n"
	    "--XAB--\r\n");
	assert_int_equal(http_req(&S, "POST", "/import/schools",
	    "multipart/form-data; boundary=XAB", body, (size_t)n, h, &r), 0);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	assert_int_equal(count("SELECT count(*) FROM units WHERE code = '410184502'"), 0);
}

static void
test_import_staff(void **state)
{
	long st = 0;
	static const char staff[] = "学校代码,用户名,姓名,手机,电子邮箱,角色,委员类型\n"
	    "410184101,ZhangLaoshi,张老师,13800000011,,班主任、教师,\n"
	    "410184101,li.weiyuan,李委员,13800000012,li@example.cn,欺凌治理委员会委员,法治副校长\n";
	int64_t before = count("SELECT count(*) FROM accounts");
	json_t *j = import_csv(&office, "staff", staff, sizeof staff - 1, &st);
	assert_int_equal(st, 200);
	assert_int_equal(iget(j, "created"), 2);
	json_t *acc = json_object_get(j, "accounts");
	assert_int_equal(json_array_size(acc), 2);
	assert_string_equal(sget(json_array_get(acc, 0), "username"), "zhanglaoshi");
	char pw[32];
	snprintf(pw, sizeof pw, "%s", sget(json_array_get(acc, 0), "password"));
	assert_int_equal(strlen(pw), 12);
	json_decref(j);
	assert_int_equal(count("SELECT count(*) FROM accounts"), before + 2);
	assert_int_equal(count("SELECT count(*) FROM accounts a JOIN account_roles r ON"
	    " r.account_id = a.id WHERE a.username = 'zhanglaoshi' AND a.must_change = 1"), 2);
	assert_int_equal(count("SELECT count(*) FROM account_roles r JOIN accounts a ON"
	    " a.id = r.account_id WHERE a.username = 'li.weiyuan' AND r.role ="
	    " 'committee_member' AND r.member_type = 'legal_vp'"), 1);
	assert_int_equal(count("SELECT count(*) FROM accounts WHERE username = 'zhanglaoshi'"
	    " AND password_hash != ''"), 1);
	/* The temporary password signs in, and must be changed first. */
	struct session z;
	assert_int_equal(fx_signin(&S, "zhanglaoshi", pw, &z), 0);
	j = call(&z, "GET", "/api/v1/me", NULL, 200);
	assert_true(json_is_true(json_object_get(json_object_get(j, "user"), "must_change")));
	json_decref(j);
	j = call(&z, "GET", "/api/v1/units", NULL, 403);
	assert_string_equal(sget(json_object_get(j, "error"), "code"), "account_setup_required");
	json_decref(j);
	/* The same file again changes nothing. */
	j = import_csv(&office, "staff", staff, sizeof staff - 1, &st);
	assert_int_equal(st, 200);
	assert_int_equal(iget(j, "created"), 0);
	assert_int_equal(iget(j, "unchanged"), 2);
	assert_int_equal(json_array_size(json_object_get(j, "accounts")), 0);
	json_decref(j);
	/* No administrator roles, no usernames taken elsewhere, no twins. */
	static const char bad[] = "code,username,name,roles\n"
	    "410184101,wang1,王一,系统管理员\n"
	    "410184901,li.weiyuan,李二,teacher\n"
	    "410184101,zhao3,赵三,teacher\n"
	    "410184101,zhao3,赵四,teacher\n"
	    "410184101,x,短名,teacher\n";
	before = count("SELECT count(*) FROM accounts");
	j = import_csv(&office, "staff", bad, sizeof bad - 1, &st);
	assert_int_equal(st, 400);
	json_t *errs = json_object_get(j, "errors");
	if (json_array_size(errs) != 4)
		fail_msg("%s", json_dumps(errs, 0));
	assert_int_equal(iget(json_array_get(errs, 0), "row"), 2);
	assert_string_equal(sget(json_array_get(errs, 0), "column"), "roles");
	assert_int_equal(iget(json_array_get(errs, 1), "row"), 3);
	assert_int_equal(iget(json_array_get(errs, 2), "row"), 5);
	assert_int_equal(iget(json_array_get(errs, 3), "row"), 6);
	json_decref(j);
	assert_int_equal(count("SELECT count(*) FROM accounts"), before);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'account.create'"
	    " AND object_id IN (SELECT id FROM accounts WHERE username IN ('zhanglaoshi',"
	    " 'li.weiyuan'))"), 2);
}

/* --- Export, and back in. */

/* Downloads an export as the office director (who may read staff
 * accounts); returns its body (malloc'd) and checks the headers every
 * export carries. */
static char *
export(const char *kind, size_t *len)
{
	char path[64];
	struct resp r;
	snprintf(path, sizeof path, "/api/v1/export/%s.csv", kind);
	assert_int_equal(fx_req(&S, &director, "GET", path, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(resp_header(&r, "Content-Type"), "text/csv"));
	const char *cd = resp_header(&r, "Content-Disposition");
	assert_non_null(cd);
	assert_non_null(strstr(cd, "filename*=UTF-8''"));
	assert_int_equal(memcmp(r.body, "\xEF\xBB\xBF", 3), 0);
	char *b = malloc(r.len + 1);
	memcpy(b, r.body, r.len);
	b[r.len] = '\0';
	*len = r.len;
	resp_free(&r);
	return b;
}

static void
test_export_roundtrip(void **state)
{
	static const char *const kinds[] = { "schools", "classes", "staff" };
	long st = 0;
	for (int i = 0; i < 3; i++) {
		size_t n1 = 0, n2 = 0;
		char *a = export(kinds[i], &n1);
		int64_t audits = count("SELECT count(*) FROM audit_log");
		json_t *j = import_csv(&director, kinds[i], a, n1, &st);
		if (st != 200)
			fail_msg("%s: %ld %s", kinds[i], st, json_dumps(j, 0));
		assert_int_equal(iget(j, "created"), 0);
		assert_int_equal(iget(j, "updated"), 0);
		assert_true(iget(j, "unchanged") > 0);
		json_decref(j);
		/* Only the import's own record: nothing else changed. */
		assert_int_equal(count("SELECT count(*) FROM audit_log"), audits + 1);
		char *b = export(kinds[i], &n2);
		assert_int_equal(n1, n2);
		assert_memory_equal(a, b, n1);
		if (i == 0) {
			assert_non_null(strstr(a, "学校代码,学校名称,类型"));
			assert_non_null(strstr(a, "410184101,城关镇第一小学,小学,公办,否,城关镇,小学"));
			assert_non_null(strstr(a, "十二年一贯制学校"));
		}
		if (i == 2) {
			assert_null(strstr(a, "pbkdf2"));
			assert_null(strstr(a, "sm3"));
			assert_non_null(strstr(a, "li.weiyuan,李委员,13800000012,li@example.cn,"
			    "欺凌治理委员会委员,法治副校长"));
		}
		free(a);
		free(b);
	}
	/* What a principal exports is its own school only. */
	struct resp r;
	assert_int_equal(fx_req(&S, &pa, "GET", "/api/v1/export/schools.csv", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "410184101"));
	assert_null(strstr(r.body, "410184901"));
	resp_free(&r);
	/* Office staff may not read accounts, the auditor nothing: their
	 * staff exports hold headings only. */
	assert_int_equal(fx_req(&S, &office, "GET", "/api/v1/export/staff.csv", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "410184"));
	resp_free(&r);
	assert_int_equal(fx_req(&S, &auditor, "GET", "/api/v1/export/staff.csv", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "410184"));
	resp_free(&r);
}

/* --- CSRF on the forms. */

static void
test_csrf(void **state)
{
	char path[64], form[256], sql[160];
	struct resp r;
	snprintf(path, sizeof path, "/units/%lld/edit", (long long)school_a);
	snprintf(form, sizeof form, "office_phone=0371-12121212");
	assert_int_equal(fx_req_cookie(&S, &pa, "POST", path,
	    "application/x-www-form-urlencoded", form, 0, &r), 0);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM units WHERE id = %lld AND"
	    " office_phone = '0371-62660101'", (long long)school_a);
	assert_int_equal(count(sql), 1);
	/* With the token: the form changes the contact and goes back to the
	 * school; an empty field of the form clears its value. */
	snprintf(form, sizeof form, "_csrf=%s&office_phone=0371-12121212&office_name=x"
	    "&office_email=&legal_vp_phone=13800000001&safety_lead_phone=13800000002", pa.csrf);
	assert_int_equal(fx_req_cookie(&S, &pa, "POST", path,
	    "application/x-www-form-urlencoded", form, 0, &r), 0);
	assert_int_equal(r.status, 303);
	resp_free(&r);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM units WHERE id = %lld AND"
	    " office_phone = '0371-12121212' AND office_email = '' AND name = '城关镇第一小学'",
	    (long long)school_a);
	assert_int_equal(count(sql), 1);
	/* The committee form without the token. */
	snprintf(path, sizeof path, "/units/%lld/committee", (long long)school_a);
	int64_t members = count("SELECT count(*) FROM committee_members");
	assert_int_equal(fx_req_cookie(&S, &pa, "POST", path,
	    "application/x-www-form-urlencoded", "name=x&role=member&member_type=staff", 0,
	    &r), 0);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	assert_int_equal(count("SELECT count(*) FROM committee_members"), members);
	/* A form error shows the form again, with the message. */
	snprintf(path, sizeof path, "/units/%lld/edit", (long long)school_a);
	snprintf(form, sizeof form, "_csrf=%s&office_phone=abcde", pa.csrf);
	assert_int_equal(fx_req_cookie(&S, &pa, "POST", path,
	    "application/x-www-form-urlencoded", form, 0, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "aria-invalid=\"true\""));
	resp_free(&r);
}

/* --- The pages, as a browser gets them. */

static void
page(const struct session *s, const char *path, long want, const char *needle)
{
	struct resp r;
	assert_int_equal(fx_req_cookie(&S, s, "GET", path, NULL, NULL, 0, &r), 0);
	if (r.status != want || (needle && (r.body == NULL || strstr(r.body, needle) == NULL)))
		fail_msg("%s: %ld, want %ld with '%s'", path, r.status, want,
		    needle ? needle : "");
	if (want == 200)
		assert_non_null(strstr(resp_header(&r, "Content-Type"), "text/html"));
	resp_free(&r);
}

static void
test_pages(void **state)
{
	char path[96];
	page(&office, "/units", 200, "城关镇第一小学");
	page(&office, "/units?q=%E4%B8%80%E5%B0%8F&kind=school", 200, "城关镇第一小学");
	page(&office, "/units/new", 200, "name=\"kind\"");
	page(&office, "/import", 200, "学校代码");
	snprintf(path, sizeof path, "/units/%lld", (long long)school_a);
	page(&office, path, 200, "0371-12121212");
	page(&office, path, 200, "学生欺凌治理委员会");
	snprintf(path, sizeof path, "/units/%lld", (long long)town);
	page(&office, path, 200, "城关镇第一小学");
	snprintf(path, sizeof path, "/units/%lld/edit", (long long)school_a);
	page(&office, path, 200, "name=\"name\"");
	page(&pa, path, 200, "name=\"office_phone\"");
	{
		struct resp r;
		assert_int_equal(fx_req_cookie(&S, &pa, "GET", path, NULL, NULL, 0, &r), 0);
		assert_null(strstr(r.body, "name=\"name\""));
		assert_null(strstr(r.body, "name=\"school_type\""));
		resp_free(&r);
	}
	snprintf(path, sizeof path, "/units/%lld/committee?on=2024-03-01", (long long)school_a);
	page(&pa, path, 200, "赵家长");
	page(&ta, path, 200, "赵家长");
	page(&pa, "/import", 404, NULL);
	page(&pa, "/units/new", 404, NULL);
	page(&ta, "/units", 200, "城关镇第一小学");
	/* English. */
	struct resp r;
	char cookie[128];
	snprintf(cookie, sizeof cookie, "Cookie: xa_session=%s; lang=en", office.token);
	const char *h[] = { cookie, NULL };
	assert_int_equal(http_req(&S, "GET", "/units", NULL, NULL, 0, h, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "Schools and units"));
	resp_free(&r);
}

/* --- Every write above left a whole audit chain. */

static void
test_verify(void **state)
{
	char data[192];
	char *out = NULL;
	snprintf(data, sizeof data, "%s/data", S.dir);
	char *argv[] = { (char *)xiaoan_bin(), "verify", "--data", data, NULL };
	int rc = run_cmd(argv, &out);
	if (rc != 0)
		fail_msg("xiaoan verify: %d %s", rc, out ? out : "");
	assert_non_null(strstr(out, "audit chain OK"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_read_scope),
		cmocka_unit_test(test_patch),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_committee),
		cmocka_unit_test(test_import_schools),
		cmocka_unit_test(test_import_page),
		cmocka_unit_test(test_import_staff),
		cmocka_unit_test(test_export_roundtrip),
		cmocka_unit_test(test_csrf),
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_verify),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
