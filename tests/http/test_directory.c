/* test_directory.c: the public directory of anti-bullying offices and its
 * filing (src/bureau/directory*.c), against the real server.
 *
 * The public list (page and API, no account) shows only approved
 * filings; a change waits while the old entry stays up, and replaces it
 * only once approved; a refused filing never shows; search by name and
 * township; the plan is served as application/pdf, only for live
 * entries, with a working ETag, and its bytes come back whole; a plan
 * that is not a PDF (or is cut off) is refused with a clear error and
 * nothing changes; a school cannot file for, read or download another
 * school's filing (404 exactly like a missing one); the public answer
 * holds no account data; the bureau's own entry is live at once and
 * only the office may set it; the page form re-shows what was typed
 * after an error; every change is audited. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cairo.h>
#include <jansson.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "bureau/directory.h"
#include "fixture.h"
#include "harness.h"

/* Under AddressSanitizer (ignored otherwise): test_checks draws the
 * demo's plan in this process, and two leaks there are not ours (as
 * tests/unit/test_dossier.c explains): cairo 1.16.0 keeps a CFF index per
 * CID font it subsets inside cairo_surface_finish, and fontconfig keeps a
 * few bytes of its configuration. Suppressed by where they are made, so
 * any other leak still fails the test; the server, our child, draws
 * nothing here. */
const char *__asan_default_options(void);
const char *__lsan_default_suppressions(void);

const char *
__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0:malloc_context_size=20";
}

const char *
__lsan_default_suppressions(void)
{
	return "leak:cairo_surface_finish\n"
	    "leak:libfontconfig.so\n";
}

static struct srv S;
static struct session prin_a, teach_a, prin_b, office, inspector;
static int64_t town_a, town_b, school_a, school_b, school_c;

/* A small PDF with bytes a text routine would stumble on (a NUL, high
 * bytes) in a comment: they must come back as sent. */
static const char pdf1[] = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    "1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>endobj\n"
    "% one\0 two\n"
    "trailer<</Root 1 0 R>>\n%%EOF\n";
#define PDF1_LEN (sizeof pdf1 - 1)
static const char pdf2[] = "%PDF-1.7\n"
    "1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    "2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    "trailer<</Root 1 0 R>>\n%%EOF";
#define PDF2_LEN (sizeof pdf2 - 1)

static json_t *
call(const struct session *as, const char *method, const char *path, const char *body,
    long *status)
{
	struct resp r;
	if (fx_req(&S, as, method, path, body, &r) != 0) {
		*status = -1;
		return NULL;
	}
	*status = r.status;
	json_t *j = json_loads(r.body ? r.body : "null", JSON_DECODE_ANY, NULL);
	resp_free(&r);
	return j;
}

/* Anyone, no account. */
static json_t *
public_list(const char *query, long *status)
{
	struct resp r;
	char path[256];
	snprintf(path, sizeof path, "/api/v1/public/directory%s", query ? query : "");
	if (http_get(&S, path, &r) != 0) {
		*status = -1;
		return NULL;
	}
	*status = r.status;
	json_t *j = json_loads(r.body ? r.body : "null", 0, NULL);
	resp_free(&r);
	return j;
}

/* The public entry of unit in list j, or NULL. */
static json_t *
entry_of(json_t *j, int64_t unit)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(j, "schools"), i, v)
		if (json_integer_value(json_object_get(v, "id")) == unit)
			return v;
	return NULL;
}

static const char *
sget(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* A multipart body of fields (name, value pairs, NULL-ended) and a file
 * part "plan" (when data is not NULL). */
static size_t
multipart(char *out, size_t cap, const char *csrf, const char *fname, const void *data,
    size_t len, ...)
{
	va_list ap;
	size_t n = 0;
	if (csrf != NULL)
		n += (size_t)snprintf(out + n, cap - n, "--xaD\r\nContent-Disposition: form-data;"
		    " name=\"_csrf\"\r\n\r\n%s\r\n", csrf);
	va_start(ap, len);
	for (;;) {
		const char *k = va_arg(ap, const char *);
		if (k == NULL)
			break;
		const char *v = va_arg(ap, const char *);
		n += (size_t)snprintf(out + n, cap - n, "--xaD\r\nContent-Disposition: form-data;"
		    " name=\"%s\"\r\n\r\n%s\r\n", k, v);
	}
	va_end(ap);
	if (data != NULL) {
		n += (size_t)snprintf(out + n, cap - n, "--xaD\r\nContent-Disposition: form-data;"
		    " name=\"plan\"; filename=\"%s\"\r\nContent-Type: application/pdf\r\n\r\n", fname);
		memcpy(out + n, data, len);
		n += len;
		n += (size_t)snprintf(out + n, cap - n, "\r\n");
	}
	n += (size_t)snprintf(out + n, cap - n, "--xaD--\r\n");
	return n;
}

/* Posts a multipart body as as (Bearer); the status, the answer in *j. */
static long
post_mp(const struct session *as, const char *path, const char *body, size_t len, json_t **j)
{
	char auth[96];
	struct resp r;
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", as->token);
	const char *h[] = { auth, NULL };
	if (http_req(&S, "POST", path, "multipart/form-data; boundary=xaD", body, len, h, &r) != 0)
		return -1;
	long st = r.status;
	if (j != NULL)
		*j = json_loads(r.body ? r.body : "null", 0, NULL);
	resp_free(&r);
	return st;
}

/* Files for unit as as: the office's name, phone and e-mail, and plan
 * (may be NULL). The status; the filing's id in *id. */
static long
file_entry(const struct session *as, int64_t unit, const char *office_name, const char *phone,
    const void *plan, size_t plan_len, int64_t *id)
{
	static char body[65536];
	char path[128];
	snprintf(path, sizeof path, "/api/v1/directory/units/%lld/filings", (long long)unit);
	size_t n = multipart(body, sizeof body, NULL, "工作方案.pdf", plan, plan_len,
	    "office_name", office_name, "phone", phone, "email", "fqb@example.org",
	    "hours", "工作日 8:00—17:30", "contact", "", "note", "给审核人员的说明", NULL);
	json_t *j = NULL;
	long st = post_mp(as, path, body, n, &j);
	if (id != NULL)
		*id = json_integer_value(json_object_get(json_object_get(j, "filing"), "id"));
	json_decref(j);
	return st;
}

static long
decide(const struct session *as, int64_t unit, const char *what, const char *body)
{
	char path[128];
	long st;
	snprintf(path, sizeof path, "/api/v1/directory/units/%lld/%s", (long long)unit, what);
	json_decref(call(as, "POST", path, body, &st));
	return st;
}

static int
setup(void **state)
{
	(void)state;
	static const char *const extra[] = { "--loops", "2", "--access-log", "off",
		"--hotline", "62666010", NULL };
	memset(&S, 0, sizeof S);
	if (srv_start(&S, extra) != 0 || fx_setup(&S) != 0)
		return -1;
	int64_t off = fx_unit(1, "office", "领导小组办公室", NULL);
	town_a = fx_unit(1, "township", "甲镇", NULL);
	town_b = fx_unit(1, "township", "乙镇", NULL);
	school_a = fx_unit(town_a, "school", "甲镇实验小学", "primary");
	school_b = fx_unit(town_b, "school", "乙镇第一中学", "junior");
	school_c = fx_unit(town_b, "school", "乙镇Star外国语学校", "junior");
	char sql[512];
	snprintf(sql, sizeof sql, "UPDATE units SET township_id = parent_id WHERE id IN"
	    " (%lld, %lld, %lld)", (long long)school_a, (long long)school_b, (long long)school_c);
	if (fx_sql(sql) != 0)
		return -1;
	/* The registry's contact, a new filing's defaults. */
	snprintf(sql, sizeof sql, "UPDATE units SET office_name = '德育处防欺凌办',"
	    " office_phone = '0371-61110001', office_email = 'a@example.org' WHERE id = %lld",
	    (long long)school_a);
	if (fx_sql(sql) != 0)
		return -1;
	if (fx_account(school_a, "prin-a", "Dir-pass-1", ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(school_a, "teach-a", "Dir-pass-1", ROLE_BIT(ROLE_TEACHER)) < 0 ||
	    fx_account(school_b, "prin-b", "Dir-pass-1", ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(off, "office-1", "Dir-pass-1", ROLE_BIT(ROLE_OFFICE_STAFF)) < 0 ||
	    fx_account(off, "insp-1", "Dir-pass-1", ROLE_BIT(ROLE_INSPECTOR)) < 0)
		return -1;
	if (fx_signin(&S, "prin-a", "Dir-pass-1", &prin_a) != 0 ||
	    fx_signin(&S, "teach-a", "Dir-pass-1", &teach_a) != 0 ||
	    fx_signin(&S, "prin-b", "Dir-pass-1", &prin_b) != 0 ||
	    fx_signin(&S, "office-1", "Dir-pass-1", &office) != 0 ||
	    fx_signin(&S, "insp-1", "Dir-pass-1", &inspector) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	/* The fonts pango and cairo keep for the process (test_checks). */
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	fx_done();
	int rc = srv_stop(&S);
	char data[200];
	snprintf(data, sizeof data, "%s/data", S.dir);
	char *argv[] = { (char *)xiaoan_bin(), "verify", "--data", data, NULL };
	int vrc = run_cmd(argv, NULL);
	srv_cleanup(&S);
	return rc || vrc;
}

/* ------------------------------------------------------------------ */

static void
test_checks(void **state)
{
	(void)state;
	assert_true(dir_is_pdf(pdf1, PDF1_LEN));
	assert_true(dir_is_pdf(pdf2, PDF2_LEN));
	/* Cut off in transfer: no end marker. */
	assert_false(dir_is_pdf(pdf1, PDF1_LEN - 10));
	assert_false(dir_is_pdf("\x89PNG\r\n\x1a\n0000000000000000%%EOF", 28));
	assert_false(dir_is_pdf(" %PDF-1.4 ........ %%EOF", 24));
	assert_true(dir_phone_ok("0371-62666010"));
	assert_true(dir_phone_ok("0371-62666010转8001"));
	assert_true(dir_phone_ok("138 0000 1001"));
	assert_false(dir_phone_ok("1234"));
	assert_false(dir_phone_ok("call 0371-62666010"));
	assert_false(dir_phone_ok("<script>12345"));
	assert_true(dir_email_ok("fqb@example.org"));
	assert_true(dir_email_ok("xzjtjzzxfb@126.com"));
	assert_false(dir_email_ok("fqb@example"));
	assert_false(dir_email_ok("fqb@@example.org"));
	assert_false(dir_email_ok("f qb@example.org"));
	assert_false(dir_email_ok("fqb@-x.org"));
	assert_false(dir_email_ok("fqb@example.c0m"));
	/* A plan's name: kept up to 60 characters, else cut on a character
	 * with its ".pdf" kept; "plan.pdf" for nothing usable. */
	char nm[DIR_PLAN_NAME_BYTES], want[DIR_PLAN_NAME_BYTES], longer[512];
	dir_plan_name("工作方案.pdf", nm);
	assert_string_equal(nm, "工作方案.pdf");
	dir_plan_name(NULL, nm);
	assert_string_equal(nm, "plan.pdf");
	dir_plan_name("\xe5\xb7", nm);
	assert_string_equal(nm, "plan.pdf");
	size_t k = 0;
	for (int i = 0; i < 100; i++)
		k += (size_t)snprintf(longer + k, sizeof longer - k, "方");
	snprintf(longer + k, sizeof longer - k, ".PDF");
	dir_plan_name(longer, nm);
	memcpy(want, longer, 56 * 3);
	memcpy(want + 56 * 3, ".PDF", 5);
	assert_string_equal(nm, want);
	longer[k] = '\0';	/* no extension: ".pdf" added */
	dir_plan_name(longer, nm);
	memcpy(want + 56 * 3, ".pdf", 5);
	assert_string_equal(nm, want);
	/* Exactly 60 characters: kept as they are. */
	memcpy(want, longer, 56 * 3);
	memcpy(want + 56 * 3, "abcd", 5);
	dir_plan_name(want, nm);
	assert_string_equal(nm, want);
	/* The demo's plan is a real PDF. */
	buf b;
	buf_init(&b, DIR_PLAN_MAX);
	assert_int_equal(dir_demo_plan_pdf("甲镇实验小学", "学生欺凌防治办公室", "0371-60000001",
	    "2026年3月1日", &b), XA_OK);
	assert_true(b.len > 1000);
	assert_true(dir_is_pdf(b.data, b.len));
	buf_free(&b);
}

/* Nothing approved: the public list is empty but for the bureau's
 * office (the configured hotline until the office sets its entry), the
 * youth hotline and the report link; no account needed. */
static void
test_public_empty(void **state)
{
	(void)state;
	long st;
	json_t *j = public_list(NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(j, "schools")), 0);
	assert_string_equal(sget(json_object_get(j, "bureau"), "phone"), "62666010");
	assert_string_equal(sget(json_object_get(j, "youth_hotline"), "phone"), "12355");
	assert_string_equal(sget(j, "report_url"), "/report");
	json_decref(j);
	struct resp r;
	assert_int_equal(http_get(&S, "/directory", &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "12355"));
	assert_non_null(strstr(r.body, "共青团12355青少年服务台"));
	assert_non_null(strstr(r.body, "href=\"/report\""));
	resp_free(&r);
}

/* A filing shows only once approved; the plan is served only then; a
 * change waits while the old entry stays up. */
static void
test_file_approve_change(void **state)
{
	(void)state;
	long st;
	int64_t f1 = 0, f2 = 0;
	int64_t audit0 = fx_int("SELECT count(*) FROM audit_log WHERE action LIKE 'directory.%'");
	assert_int_equal(file_entry(&prin_a, school_a, "学生欺凌防治办公室", "0371-61110001",
	    pdf1, PDF1_LEN, &f1), 201);
	assert_true(f1 > 0);
	/* Waiting: not public, and neither is its plan. */
	json_t *j = public_list(NULL, &st);
	assert_null(entry_of(j, school_a));
	json_decref(j);
	char path[160];
	struct resp r;
	snprintf(path, sizeof path, "/directory/schools/%lld/plan.pdf", (long long)school_a);
	assert_int_equal(http_get(&S, path, &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	/* The office reads the waiting plan; it is the bytes sent. */
	char spath[160];
	snprintf(spath, sizeof spath, "/directory/units/%lld/plan.pdf", (long long)school_a);
	assert_int_equal(fx_req(&S, &office, "GET", spath, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, PDF1_LEN);
	assert_memory_equal(r.body, pdf1, PDF1_LEN);
	resp_free(&r);
	/* Approving names the filing it saw. */
	char body[64];
	snprintf(body, sizeof body, "{\"filing\":%lld}", (long long)(f1 + 1000));
	assert_int_equal(decide(&office, school_a, "approve", body), 409);
	snprintf(body, sizeof body, "{\"filing\":%lld}", (long long)f1);
	assert_int_equal(decide(&prin_a, school_a, "approve", body), 404);
	assert_int_equal(decide(&office, school_a, "approve", body), 200);
	assert_int_equal(decide(&office, school_a, "approve", body), 409);
	j = public_list(NULL, &st);
	json_t *e = entry_of(j, school_a);
	assert_non_null(e);
	assert_string_equal(sget(e, "phone"), "0371-61110001");
	assert_string_equal(sget(e, "township"), "甲镇");
	const char *url = sget(json_object_get(e, "plan"), "url");
	assert_string_equal(url, path);
	json_decref(j);
	/* The public plan: a PDF download with an ETag that answers 304. */
	assert_int_equal(http_get(&S, path, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(resp_header(&r, "Content-Type"), "application/pdf");
	assert_int_equal(r.len, PDF1_LEN);
	assert_memory_equal(r.body, pdf1, PDF1_LEN);
	char etag[80];
	snprintf(etag, sizeof etag, "If-None-Match: %s", resp_header(&r, "ETag"));
	assert_non_null(strstr(resp_header(&r, "Cache-Control"), "public"));
	resp_free(&r);
	const char *h[] = { etag, NULL };
	assert_int_equal(http_req(&S, "GET", path, NULL, NULL, 0, h, &r), 0);
	assert_int_equal(r.status, 304);
	resp_free(&r);

	/* A change (a new phone, no new plan) waits; the live entry stays. */
	assert_int_equal(file_entry(&prin_a, school_a, "学生欺凌防治办公室", "0371-61119999",
	    NULL, 0, &f2), 201);
	j = public_list(NULL, &st);
	assert_string_equal(sget(entry_of(j, school_a), "phone"), "0371-61110001");
	json_decref(j);
	snprintf(spath, sizeof spath, "/api/v1/directory/units/%lld", (long long)school_a);
	j = call(&prin_a, "GET", spath, NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(sget(json_object_get(j, "live"), "phone"), "0371-61110001");
	assert_string_equal(sget(json_object_get(j, "pending"), "phone"), "0371-61119999");
	/* The waiting change keeps the plan. */
	assert_true(json_is_object(json_object_get(json_object_get(j, "pending"), "plan")));
	assert_string_equal(sget(json_object_get(j, "form"), "phone"), "0371-61119999");
	json_decref(j);
	/* Filing again withdraws the waiting change. */
	int64_t f3 = 0;
	assert_int_equal(file_entry(&prin_a, school_a, "学生欺凌防治办公室", "0371-61118888",
	    pdf2, PDF2_LEN, &f3), 201);
	char q[160];
	snprintf(q, sizeof q, "SELECT count(*) FROM directory_filings WHERE id = %lld"
	    " AND state = 'withdrawn'", (long long)f2);
	assert_int_equal(fx_int(q), 1);
	/* Approving without naming the filing is refused (it could publish
	 * a change the office never saw), and changes nothing. */
	int64_t a1 = fx_int("SELECT count(*) FROM audit_log");
	int64_t s1 = fx_int("SELECT count(*) FROM directory_filings WHERE state = 'pending'");
	snprintf(q, sizeof q, "/api/v1/directory/units/%lld/approve", (long long)school_a);
	j = call(&office, "POST", q, "{}", &st);
	assert_int_equal(st, 400);
	assert_string_equal(sget(json_object_get(j, "error"), "field"), "filing");
	json_decref(j);
	snprintf(q, sizeof q, "/directory/units/%lld/approve", (long long)school_a);
	char form[160];
	snprintf(form, sizeof form, "_csrf=%s", office.csrf);
	assert_int_equal(fx_req_cookie(&S, &office, "POST", q,
	    "application/x-www-form-urlencoded", form, 1, &r), 0);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log"), a1);
	assert_int_equal(fx_int("SELECT count(*) FROM directory_filings WHERE state = 'pending'"),
	    s1);
	j = public_list(NULL, &st);
	assert_string_equal(sget(entry_of(j, school_a), "phone"), "0371-61110001");
	json_decref(j);
	snprintf(body, sizeof body, "{\"filing\":%lld}", (long long)f3);
	assert_int_equal(decide(&office, school_a, "approve", body), 200);
	j = public_list(NULL, &st);
	assert_string_equal(sget(entry_of(j, school_a), "phone"), "0371-61118888");
	json_decref(j);
	/* The old entry is superseded, the new plan is served. */
	snprintf(q, sizeof q, "SELECT count(*) FROM directory_filings WHERE id = %lld"
	    " AND state = 'superseded'", (long long)f1);
	assert_int_equal(fx_int(q), 1);
	assert_int_equal(http_get(&S, path, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, PDF2_LEN);
	resp_free(&r);
	assert_int_equal(fx_int("SELECT count(*) FROM directory_filings WHERE unit_id = 1"
	    " OR state = 'live'"), 1);
	/* Every change has its audit record: three filings, two approvals,
	 * and one under each filing that changed besides: f2 withdrawn by
	 * f3, f1 superseded when f3 went live. */
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action LIKE 'directory.%'")
	    - audit0, 7);
	snprintf(q, sizeof q, "SELECT count(*) FROM audit_log WHERE action = 'directory.withdraw'"
	    " AND object_type = 'directory_filing' AND object_id = %lld", (long long)f2);
	assert_int_equal(fx_int(q), 1);
	snprintf(q, sizeof q, "SELECT count(*) FROM audit_log WHERE action = 'directory.supersede'"
	    " AND object_type = 'directory_filing' AND object_id = %lld", (long long)f1);
	assert_int_equal(fx_int(q), 1);
}

/* A refused filing never shows, and the school reads why. */
static void
test_refused(void **state)
{
	(void)state;
	long st;
	int64_t f = 0;
	assert_int_equal(file_entry(&prin_b, school_b, "防欺凌办公室", "0371-62220002", pdf1,
	    PDF1_LEN, &f), 201);
	assert_int_equal(decide(&office, school_b, "refuse", "{\"reason\":\"\"}"), 400);
	assert_int_equal(decide(&office, school_b, "refuse",
	    "{\"reason\":\"请上传盖章后的工作方案。\"}"), 200);
	json_t *j = public_list(NULL, &st);
	assert_null(entry_of(j, school_b));
	json_decref(j);
	char path[128];
	snprintf(path, sizeof path, "{\"filing\":%lld}", (long long)f);
	assert_int_equal(decide(&office, school_b, "approve", path), 409);
	snprintf(path, sizeof path, "/api/v1/directory/units/%lld", (long long)school_b);
	j = call(&prin_b, "GET", path, NULL, &st);
	assert_int_equal(st, 200);
	assert_true(json_is_null(json_object_get(j, "live")));
	json_t *h0 = json_array_get(json_object_get(j, "history"), 0);
	assert_string_equal(sget(h0, "state"), "refused");
	assert_string_equal(sget(h0, "reason"), "请上传盖章后的工作方案。");
	json_decref(j);
	struct resp r;
	snprintf(path, sizeof path, "/directory/schools/%lld/plan.pdf", (long long)school_b);
	assert_int_equal(http_get(&S, path, &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
}

/* A plan that is not a PDF, or is cut off, or a bad phone: a clear error
 * in the caller's language, and nothing written. */
static void
test_bad_input(void **state)
{
	(void)state;
	int64_t n0 = fx_int("SELECT count(*) FROM directory_filings");
	int64_t p0 = fx_int("SELECT count(*) FROM directory_plans");
	static char body[8192];
	static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR not really a picture";
	char path[128];
	json_t *j = NULL;
	snprintf(path, sizeof path, "/api/v1/directory/units/%lld/filings", (long long)school_c);
	size_t n = multipart(body, sizeof body, NULL, "方案.pdf", png, sizeof png - 1,
	    "office_name", "防欺凌办", "phone", "0371-63330003", "email", "c@example.org", NULL);
	assert_int_equal(post_mp(&prin_a, path, body, n, NULL), 404);
	assert_int_equal(fx_account(school_c, "prin-c", "Dir-pass-1", ROLE_BIT(ROLE_PRINCIPAL)) > 0,
	    1);
	struct session prin_c;
	assert_int_equal(fx_signin(&S, "prin-c", "Dir-pass-1", &prin_c), 0);
	assert_int_equal(post_mp(&prin_c, path, body, n, &j), 400);
	json_t *err = json_object_get(j, "error");
	assert_string_equal(sget(err, "code"), "directory_plan_not_pdf");
	assert_non_null(strstr(sget(err, "message"), "PDF"));
	json_decref(j);
	/* Cut off: no end marker. */
	n = multipart(body, sizeof body, NULL, "方案.pdf", pdf1, PDF1_LEN - 8, "office_name",
	    "防欺凌办", "phone", "0371-63330003", "email", "c@example.org", NULL);
	assert_int_equal(post_mp(&prin_c, path, body, n, NULL), 400);
	n = multipart(body, sizeof body, NULL, NULL, NULL, 0, "office_name", "防欺凌办", "phone",
	    "请打办公室电话", "email", "c@example.org", NULL);
	assert_int_equal(post_mp(&prin_c, path, body, n, &j), 400);
	assert_string_equal(sget(json_object_get(j, "error"), "code"), "directory_bad_phone");
	json_decref(j);
	n = multipart(body, sizeof body, NULL, NULL, NULL, 0, "office_name", "防欺凌办", "phone",
	    "0371-63330003", "email", "c@example", NULL);
	assert_int_equal(post_mp(&prin_c, path, body, n, &j), 400);
	assert_string_equal(sget(json_object_get(j, "error"), "code"), "directory_bad_email");
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM directory_filings"), n0);
	assert_int_equal(fx_int("SELECT count(*) FROM directory_plans"), p0);

	/* The page form: the error in Chinese, the typed values kept. */
	struct resp r;
	char cookie[96], csrf[96];
	snprintf(path, sizeof path, "/directory/units/%lld/filings", (long long)school_c);
	n = multipart(body, sizeof body, prin_c.csrf, "方案.pdf", png, sizeof png - 1,
	    "office_name", "德育处办公室", "phone", "0371-63330003", "email", "c@example.org",
	    NULL);
	snprintf(cookie, sizeof cookie, "Cookie: xa_session=%s", prin_c.token);
	snprintf(csrf, sizeof csrf, "X-CSRF-Token: %s", prin_c.csrf);
	const char *h[] = { cookie, csrf, NULL };
	assert_int_equal(http_req(&S, "POST", path, "multipart/form-data; boundary=xaD", body, n,
	    h, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "工作方案只能上传 PDF 文件"));
	assert_non_null(strstr(r.body, "value=\"德育处办公室\""));
	resp_free(&r);
	/* And the same form with a PDF: filed, back to the school's page. */
	n = multipart(body, sizeof body, prin_c.csrf, "方案.pdf", pdf2, PDF2_LEN,
	    "office_name", "德育处办公室", "phone", "0371-63330003", "email", "c@example.org",
	    NULL);
	assert_int_equal(http_req(&S, "POST", path, "multipart/form-data; boundary=xaD", body, n,
	    h, &r), 0);
	assert_int_equal(r.status, 303);
	assert_non_null(strstr(resp_header(&r, "Location"), "/directory/units/"));
	resp_free(&r);
	assert_int_equal(fx_int("SELECT count(*) FROM directory_filings"), n0 + 1);
	snprintf(path, sizeof path, "{\"filing\":%lld}", (long long)fx_int("SELECT max(id)"
	    " FROM directory_filings"));
	assert_int_equal(decide(&office, school_c, "approve", path), 200);
}

/* A school never reaches another school's filing: 404 exactly like a
 * unit that does not exist; a teacher and an inspector reach none. */
static void
test_isolation(void **state)
{
	(void)state;
	static const char *const tails[] = { "", "/plan.pdf" };
	for (size_t i = 0; i < 2; i++) {
		char pa[128], pm[128];
		struct resp a, m;
		snprintf(pa, sizeof pa, "%s/directory/units/%lld%s", i ? "" : "/api/v1",
		    (long long)school_a, tails[i]);
		snprintf(pm, sizeof pm, "%s/directory/units/%lld%s", i ? "" : "/api/v1", 999999LL,
		    tails[i]);
		assert_int_equal(fx_req(&S, &prin_b, "GET", pa, NULL, &a), 0);
		assert_int_equal(fx_req(&S, &prin_b, "GET", pm, NULL, &m), 0);
		assert_int_equal(a.status, 404);
		assert_int_equal(m.status, 404);
		assert_string_equal(a.body, m.body);
		resp_free(&a);
		resp_free(&m);
		assert_int_equal(fx_req(&S, &teach_a, "GET", pa, NULL, &a), 0);
		assert_int_equal(a.status, 404);
		resp_free(&a);
		assert_int_equal(fx_req(&S, &inspector, "GET", pa, NULL, &a), 0);
		assert_int_equal(a.status, 404);
		resp_free(&a);
	}
	int64_t n0 = fx_int("SELECT count(*) FROM directory_filings");
	assert_int_equal(file_entry(&prin_b, school_a, "冒名办公室", "0371-69999999", pdf1, PDF1_LEN,
	    NULL), 404);
	assert_int_equal(file_entry(&office, school_a, "代报办公室", "0371-69999999", NULL, 0,
	    NULL), 404);
	assert_int_equal(fx_int("SELECT count(*) FROM directory_filings"), n0);
	/* The bureau's entry is the office's alone. */
	assert_int_equal(file_entry(&prin_a, 1, "冒名", "0371-69999999", NULL, 0, NULL), 404);
	/* The overview is the office's. */
	long st;
	json_t *j = call(&prin_a, "GET", "/api/v1/directory/filings", NULL, &st);
	assert_int_equal(st, 404);
	json_decref(j);
	j = call(&office, "GET", "/api/v1/directory/filings", NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "counts"),
	    "schools")), 3);
	json_decref(j);
}

/* Search by name (ASCII letters in either case) and by township. */
static void
test_search(void **state)
{
	(void)state;
	long st;
	json_t *j = public_list("?q=%E5%AE%9E%E9%AA%8C", &st);	/* 实验 */
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(j, "schools")), 1);
	assert_non_null(entry_of(j, school_a));
	json_decref(j);
	j = public_list("?q=+star+", &st);
	assert_int_equal(json_array_size(json_object_get(j, "schools")), 1);
	assert_non_null(entry_of(j, school_c));
	json_decref(j);
	char q[64];
	snprintf(q, sizeof q, "?township=%lld", (long long)town_b);
	j = public_list(q, &st);
	assert_int_equal(json_array_size(json_object_get(j, "schools")), 1);
	assert_non_null(entry_of(j, school_c));
	json_decref(j);
	snprintf(q, sizeof q, "?township=%lld&q=%%E7%%94%%B2", (long long)town_b);	/* 甲 */
	j = public_list(q, &st);
	assert_int_equal(json_array_size(json_object_get(j, "schools")), 0);
	json_decref(j);
	j = public_list("?township=abc", &st);
	assert_int_equal(st, 400);
	json_decref(j);
	/* The page too. */
	struct resp r;
	assert_int_equal(http_get(&S, "/directory?q=%E5%AE%9E%E9%AA%8C", &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "甲镇实验小学"));
	assert_null(strstr(r.body, "乙镇Star外国语学校"));
	/* Searched, the townships' folds are open; the whole list folds each
	 * township away, with how many schools it holds. */
	assert_non_null(strstr(r.body, "<details class=\"dir-group\" open>"));
	resp_free(&r);
	assert_int_equal(http_get(&S, "/directory", &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "<details class=\"dir-group\">"));
	assert_null(strstr(r.body, "<details class=\"dir-group\" open>"));
	assert_non_null(strstr(r.body, "共 1 所学校"));
	resp_free(&r);
}

/* The public answer names no account and keeps the note to the office
 * to itself; it is cacheable and revalidates to 304 until it changes. */
static void
test_public_no_account_data(void **state)
{
	(void)state;
	struct resp r;
	assert_int_equal(http_get(&S, "/api/v1/public/directory", &r), 0);
	assert_int_equal(r.status, 200);
	static const char *const never[] = { "prin-a", "prin-b", "office-1", "filed_by",
		"decided_by", "account", "给审核人员的说明", "note", "username", "withdrawn" };
	for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
		if (strstr(r.body, never[i]) != NULL)
			fail_msg("the public directory holds \"%s\"", never[i]);
	assert_non_null(strstr(resp_header(&r, "Cache-Control"), "public"));
	char etag[96];
	snprintf(etag, sizeof etag, "If-None-Match: %s", resp_header(&r, "ETag"));
	resp_free(&r);
	const char *h[] = { etag, NULL };
	assert_int_equal(http_req(&S, "GET", "/api/v1/public/directory", NULL, NULL, 0, h, &r), 0);
	assert_int_equal(r.status, 304);
	resp_free(&r);
	/* Signed in, the page is never stored. */
	assert_int_equal(fx_req_cookie(&S, &prin_a, "GET", "/directory", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(resp_header(&r, "Cache-Control"), "no-store"));
	resp_free(&r);
	/* A change makes the old ETag stale. */
	int64_t f = 0;
	assert_int_equal(file_entry(&prin_b, school_b, "防欺凌办公室", "0371-62220002", NULL, 0,
	    &f), 201);
	char body[64];
	snprintf(body, sizeof body, "{\"filing\":%lld}", (long long)f);
	assert_int_equal(decide(&office, school_b, "approve", body), 200);
	assert_int_equal(http_req(&S, "GET", "/api/v1/public/directory", NULL, NULL, 0, h, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

/* The bureau's own entry: the office sets it, live at once. */
static void
test_bureau_entry(void **state)
{
	(void)state;
	long st;
	int64_t f = 0;
	assert_int_equal(file_entry(&office, 1, "学生欺凌防治工作领导小组办公室", "0371-62666010",
	    pdf2, PDF2_LEN, &f), 201);
	/* Set again: the first entry is superseded, with its own record. */
	int64_t f0 = f;
	assert_int_equal(file_entry(&office, 1, "学生欺凌防治工作领导小组办公室", "0371-62666010",
	    pdf2, PDF2_LEN, &f), 201);
	char q[200];
	snprintf(q, sizeof q, "SELECT count(*) FROM audit_log WHERE action = 'directory.supersede'"
	    " AND object_id = %lld", (long long)f0);
	assert_int_equal(fx_int(q), 1);
	json_t *j = public_list(NULL, &st);
	json_t *b = json_object_get(j, "bureau");
	assert_string_equal(sget(b, "phone"), "0371-62666010");
	assert_string_equal(sget(b, "office_name"), "学生欺凌防治工作领导小组办公室");
	assert_string_equal(sget(json_object_get(b, "plan"), "url"),
	    "/directory/schools/1/plan.pdf");
	/* Not a school: not in the list. */
	assert_null(entry_of(j, 1));
	json_decref(j);
	j = call(&office, "GET", "/api/v1/directory/units/1", NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(sget(json_object_get(j, "live"), "state"), "live");
	json_decref(j);
	/* Every school has filed by now. */
	j = call(&office, "GET", "/api/v1/directory/filings?show=none", NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(j, "schools")), 0);
	json_decref(j);
}

/* A school that never filed sees the registry's contact in its form. */
static void
test_prefill(void **state)
{
	(void)state;
	long st;
	int64_t t = fx_unit(town_a, "school", "甲镇第二小学", "primary");
	char sql[256];
	snprintf(sql, sizeof sql, "UPDATE units SET township_id = parent_id, office_name ="
	    " '少先队办公室', office_phone = '0371-64440004' WHERE id = %lld", (long long)t);
	assert_int_equal(fx_sql(sql), 0);
	assert_true(fx_account(t, "prin-t", "Dir-pass-1", ROLE_BIT(ROLE_PRINCIPAL)) > 0);
	struct session prin_t;
	assert_int_equal(fx_signin(&S, "prin-t", "Dir-pass-1", &prin_t), 0);
	char path[128];
	snprintf(path, sizeof path, "/api/v1/directory/units/%lld", (long long)t);
	json_t *j = call(&prin_t, "GET", path, NULL, &st);
	assert_int_equal(st, 200);
	json_t *form = json_object_get(j, "form");
	assert_string_equal(sget(form, "office_name"), "少先队办公室");
	assert_string_equal(sget(form, "phone"), "0371-64440004");
	assert_string_equal(sget(form, "source"), "registry");
	json_decref(j);
	/* Never filed: not public; the office's overview lists it so. */
	j = call(&office, "GET", "/api/v1/directory/filings?show=none", NULL, &st);
	assert_int_equal(json_array_size(json_object_get(j, "schools")), 1);
	json_decref(j);
	struct resp r;
	assert_int_equal(fx_req_cookie(&S, &prin_t, "GET", "/directory/mine", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 303);
	resp_free(&r);
	/* Filing does not touch the registry. */
	assert_int_equal(file_entry(&prin_t, t, "新办公室", "0371-65550005", NULL, 0, NULL), 201);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM units WHERE id = %lld AND office_phone ="
	    " '0371-64440004'", (long long)t);
	assert_int_equal(fx_int(sql), 1);
}

/* A school and a township of 60 characters each (180 bytes: they were
 * cut inside a character into small buffers, and the school fell out of
 * the public list), and a plan whose name is 100 characters (stored cut
 * to 60 with its ".pdf", so that it downloads). Last: adds a school. */
static void
test_long_names(void **state)
{
	(void)state;
	char tname[256], sname[256], fname[512], want[256];
	size_t k = 0;
	for (int i = 0; i < 59; i++)
		k += (size_t)snprintf(tname + k, sizeof tname - k, "长");
	snprintf(tname + k, sizeof tname - k, "镇");
	k = 0;
	for (int i = 0; i < 58; i++)
		k += (size_t)snprintf(sname + k, sizeof sname - k, "明");
	snprintf(sname + k, sizeof sname - k, "小学");
	k = 0;
	for (int i = 0; i < 100; i++)
		k += (size_t)snprintf(fname + k, sizeof fname - k, "案");
	snprintf(fname + k, sizeof fname - k, ".pdf");
	memcpy(want, fname, 56 * 3);
	memcpy(want + 56 * 3, ".pdf", 5);
	int64_t t = fx_unit(1, "township", tname, NULL);
	int64_t sc = fx_unit(t, "school", sname, "primary");
	char sql[256];
	snprintf(sql, sizeof sql, "UPDATE units SET township_id = %lld WHERE id = %lld",
	    (long long)t, (long long)sc);
	assert_int_equal(fx_sql(sql), 0);
	assert_true(fx_account(sc, "prin-long", "Dir-pass-1", ROLE_BIT(ROLE_PRINCIPAL)) > 0);
	struct session prin;
	assert_int_equal(fx_signin(&S, "prin-long", "Dir-pass-1", &prin), 0);
	static char body[65536];
	char path[160];
	snprintf(path, sizeof path, "/api/v1/directory/units/%lld/filings", (long long)sc);
	size_t n = multipart(body, sizeof body, NULL, fname, pdf1, PDF1_LEN, "office_name",
	    "防欺凌办公室", "phone", "0371-67770007", "email", "l@example.org", NULL);
	json_t *j = NULL;
	assert_int_equal(post_mp(&prin, path, body, n, &j), 201);
	int64_t f = json_integer_value(json_object_get(json_object_get(j, "filing"), "id"));
	json_decref(j);
	char b[64];
	snprintf(b, sizeof b, "{\"filing\":%lld}", (long long)f);
	assert_int_equal(decide(&office, sc, "approve", b), 200);
	/* The plan's name, cut. */
	char q[512];
	snprintf(q, sizeof q, "SELECT count(*) FROM directory_plans WHERE unit_id = %lld"
	    " AND name = '%s'", (long long)sc, want);
	assert_int_equal(fx_int(q), 1);
	/* The public list and page hold the school whole. */
	long st;
	j = public_list(NULL, &st);
	assert_int_equal(st, 200);
	json_t *e = entry_of(j, sc);
	assert_non_null(e);
	assert_string_equal(sget(e, "name"), sname);
	assert_string_equal(sget(e, "township"), tname);
	json_decref(j);
	struct resp r;
	assert_int_equal(http_get(&S, "/directory", &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, sname));
	assert_non_null(strstr(r.body, tname));
	resp_free(&r);
	/* The unit's page for the office; the plan downloads, public and
	 * staff, under its cut name. */
	snprintf(path, sizeof path, "/api/v1/directory/units/%lld", (long long)sc);
	j = call(&office, "GET", path, NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(sget(json_object_get(j, "unit"), "name"), sname);
	json_decref(j);
	snprintf(path, sizeof path, "/directory/schools/%lld/plan.pdf", (long long)sc);
	assert_int_equal(http_get(&S, path, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, PDF1_LEN);
	assert_non_null(strstr(resp_header(&r, "Content-Disposition"), "filename*=UTF-8''"));
	resp_free(&r);
	snprintf(path, sizeof path, "/directory/units/%lld/plan.pdf", (long long)sc);
	assert_int_equal(fx_req(&S, &office, "GET", path, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_public_empty),
		cmocka_unit_test(test_file_approve_change),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_isolation),
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_public_no_account_data),
		cmocka_unit_test(test_bureau_entry),
		cmocka_unit_test(test_prefill),
		cmocka_unit_test(test_long_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
