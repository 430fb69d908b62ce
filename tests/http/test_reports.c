/* test_reports.c: staff-entered reports and the triage queues over HTTP
 * (src/cases/reports_http.c): a teacher enters a report and owns it (首问
 * 负责); it is in her "mine" list and the principal's queue; a report
 * naming no school lands in the office's queue and the office assigns it
 * to a school; hand-over; a prank found with a sealed reason, kept, and
 * reopened; a case opened from a report and a second report joined to
 * it; validation errors in Chinese that change nothing; every route
 * answers another school's report exactly like a missing one; an
 * inspector cannot triage; no plaintext of a narrative, contact or reason
 * in the database file or its WAL.
 *
 * It must never depend on the wall clock beyond "now" and "a few days
 * from now", nor on the order of rows the server does not promise. One
 * server for the whole file; tests run in order. */
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
#include <unistd.h>

#include "auth/auth.h"
#include "fixture.h"
#include "harness.h"

#define PW "Fixture-Pass-123"

/* Markers that must never reach the database file in the clear. */
#define M_WHAT "Zq7NarrativeMarkerXy"
#define M_WHAT_ZH "他们在厕所里把我堵住要钱"
#define M_CONTACT "Zq7ContactMarkerXy"
#define M_REASON "Zq7ReasonMarkerXy"
#define M_REOPEN "Zq7ReopenMarkerXy"

static struct srv S;
static struct session teacher_a, teacher_a2, principal_a, principal_b, office,
    inspector;
static int64_t school_a, school_b, office_unit, acc_teacher_a2, acc_principal_b;

/* Reports made along the way, used by later tests. */
static int64_t rep_teacher, rep_office;

/* --- Helpers. */

/* A request as s (Bearer) expecting status want; the parsed body. */
static json_t *
call(const struct session *s, const char *method, const char *path,
    const char *json, long want)
{
	struct resp r;
	assert_int_equal(fx_req(&S, s, method, path, json, &r), 0);
	if (r.status != want)
		fail_msg("%s %s: %ld, want %ld: %s", method, path, r.status, want,
		    r.body ? r.body : "");
	json_t *j = json_loads(r.body && r.len ? r.body : "null", JSON_DECODE_ANY, NULL);
	resp_free(&r);
	assert_non_null(j);
	return j;
}

/* The error code of a refused request. */
static void
expect_error(const struct session *s, const char *method, const char *path,
    const char *json, long want, const char *code)
{
	json_t *j = call(s, method, path, json, want);
	const char *c = json_string_value(json_object_get(json_object_get(j, "error"),
	    "code"));
	if (c == NULL || strcmp(c, code) != 0)
		fail_msg("%s %s: code %s, want %s", method, path, c ? c : "(none)", code);
	json_decref(j);
}

static int64_t
q(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One integer from SQL built from fmt (test-only: ids we made). */
static int64_t
q(const char *fmt, ...)
{
	char sql[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	return fx_int(sql);
}

/* Everything a refused request must leave alone: the reports (their
 * stamps move on every change), their audit records, cases and events. */
static void
fingerprint(char out[256])
{
	snprintf(out, 256, "%lld/%lld/%lld/%lld/%lld/%lld/%lld",
	    (long long)fx_int("SELECT count(*) FROM reports"),
	    (long long)fx_int("SELECT COALESCE(sum(updated_at), 0) FROM reports"),
	    (long long)fx_int("SELECT COALESCE(sum(id * (length(status) + 7 * COALESCE(owner_id, 0)"
	    " + 13 * COALESCE(unit_id, 0) + 17 * queue_unit_id + 19 * COALESCE(case_id, 0))), 0)"
	    " FROM reports"),
	    (long long)fx_int("SELECT count(*) FROM audit_log WHERE action LIKE 'report.%'"
	    " AND action <> 'report.read'"),
	    (long long)fx_int("SELECT count(*) FROM cases"),
	    (long long)fx_int("SELECT count(*) FROM case_events"),
	    (long long)fx_int("SELECT COALESCE(sum(length(reason)), 0) FROM reports"));
}

/* 1 when id is among the ids of the list's reports. */
static int
list_has(json_t *list, int64_t id)
{
	size_t i;
	json_t *row;
	json_array_foreach(json_object_get(list, "reports"), i, row) {
		if (json_integer_value(json_object_get(row, "id")) == id)
			return 1;
	}
	return 0;
}

/* A report entered by s with narrative what (and fixed other fields);
 * unit > 0 names a school (the office only). Returns its id. */
static int64_t
enter(const struct session *s, const char *what, int64_t unit)
{
	char body[2048];
	char school[64] = "";
	if (unit > 0)
		snprintf(school, sizeof school, ",\"unit_id\":%lld", (long long)unit);
	snprintf(body, sizeof body, "{\"channel\":\"in_person\",\"what\":\"%s\","
	    "\"contact\":\"妈妈 13800138000 " M_CONTACT "\",\"reporter\":\"parent\","
	    "\"behaviours\":[\"verbal\",\"physical\"],\"place\":\"in_school\","
	    "\"place_text\":\"三楼厕所\",\"frequency\":\"several\","
	    "\"involved\":\"五年级两个男生\"%s}", what, school);
	json_t *j = call(s, "POST", "/api/v1/reports", body, 201);
	int64_t id = json_integer_value(json_object_get(j, "id"));
	json_decref(j);
	assert_true(id > 0);
	return id;
}

/* The day n days from now (UTC), as YYYY-MM-DD. */
static void
day_from_now(int n, char out[11])
{
	time_t t = time(NULL) + (time_t)n * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Reads a whole file into a malloc'd buffer (NULL when missing). */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc(n > 0 ? (size_t)n : 1);
	*len = b && n > 0 ? fread(b, 1, (size_t)n, f) : 0;
	fclose(f);
	return b;
}

static int
bytes_have(const char *hay, size_t n, const char *needle)
{
	return hay != NULL && memmem(hay, n, needle, strlen(needle)) != NULL;
}

/* --- Setup. */

static int
setup(void **state)
{
	/* One loop: test_messages_keep_version counts the requests waiting
	 * for the writer, and with one loop a request that is counted has
	 * been read and handled up to its write. */
	static const char *const extra[] = { "--loops", "1", NULL };
	memset(&S, 0, sizeof S);
	if (srv_start(&S, extra) != 0 || fx_setup(&S) != 0)
		return -1;
	office_unit = fx_unit(1, "office", "教育局办公室", NULL);
	school_a = fx_unit(1, "school", "新郑市第一小学", "primary");
	school_b = fx_unit(1, "school", "新郑市第二小学", "primary");
	if (office_unit < 0 || school_a < 0 || school_b < 0)
		return -1;
	acc_teacher_a2 = fx_account(school_a, "teacher_a2", PW, ROLE_BIT(ROLE_TEACHER));
	acc_principal_b = fx_account(school_b, "principal_b", PW, ROLE_BIT(ROLE_PRINCIPAL));
	if (fx_account(school_a, "teacher_a", PW, ROLE_BIT(ROLE_TEACHER)) < 0 ||
	    acc_teacher_a2 < 0 || acc_principal_b < 0 ||
	    fx_account(school_a, "principal_a", PW, ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(office_unit, "office1", PW, ROLE_BIT(ROLE_OFFICE_STAFF)) < 0 ||
	    fx_account(1, "inspector1", PW, ROLE_BIT(ROLE_INSPECTOR)) < 0)
		return -1;
	return fx_signin(&S, "teacher_a", PW, &teacher_a) ||
	    fx_signin(&S, "teacher_a2", PW, &teacher_a2) ||
	    fx_signin(&S, "principal_a", PW, &principal_a) ||
	    fx_signin(&S, "principal_b", PW, &principal_b) ||
	    fx_signin(&S, "office1", PW, &office) ||
	    fx_signin(&S, "inspector1", PW, &inspector);
}

static int
teardown(void **state)
{
	fx_done();
	int rc = srv_stop(&S);
	srv_cleanup(&S);
	return rc;
}

/* --- Tests. */

/* A teacher enters a report: she is its first receiver and owner; it is
 * in her list and in the principal's queue, not in another school's. */
static void
test_staff_entry(void **state)
{
	rep_teacher = enter(&teacher_a, "课间" M_WHAT_ZH "，已经好几次了。" M_WHAT, 0);
	assert_int_equal(q("SELECT received_by FROM reports WHERE id = %lld",
	    (long long)rep_teacher), teacher_a.account_id);
	assert_int_equal(q("SELECT owner_id FROM reports WHERE id = %lld",
	    (long long)rep_teacher), teacher_a.account_id);
	assert_int_equal(q("SELECT unit_id FROM reports WHERE id = %lld",
	    (long long)rep_teacher), school_a);
	assert_int_equal(q("SELECT queue_unit_id FROM reports WHERE id = %lld",
	    (long long)rep_teacher), school_a);
	assert_int_equal(q("SELECT count(*) FROM reports WHERE id = %lld AND status = 'new'"
	    " AND channel = 'in_person' AND behaviours = 'physical,verbal'"
	    " AND place = 'in_school' AND frequency = 'several' AND reporter = 'parent'",
	    (long long)rep_teacher), 1);
	assert_int_equal(q("SELECT count(*) FROM audit_log WHERE action = 'report.create'"
	    " AND object_id = %lld", (long long)rep_teacher), 1);

	/* Hers ("mine"), and the principal's queue. */
	json_t *j = call(&teacher_a, "GET", "/api/v1/reports", NULL, 200);
	assert_string_equal(json_string_value(json_object_get(j, "view")), "mine");
	assert_true(list_has(j, rep_teacher));
	/* The list holds plain columns only. */
	char *dump = json_dumps(j, 0);
	assert_null(strstr(dump, M_WHAT));
	assert_null(strstr(dump, M_CONTACT));
	free(dump);
	json_decref(j);
	j = call(&principal_a, "GET", "/api/v1/reports", NULL, 200);
	assert_string_equal(json_string_value(json_object_get(j, "view")), "queue");
	assert_true(list_has(j, rep_teacher));
	json_t *row = json_array_get(json_object_get(j, "reports"), 0);
	assert_string_equal(json_string_value(json_object_get(row, "unit_name")), "新郑市第一小学");
	assert_string_equal(json_string_value(json_object_get(row, "owner_name")), "teacher_a");
	assert_string_equal(json_string_value(json_object_get(row, "status")), "new");
	assert_non_null(json_string_value(json_object_get(row, "received_text")));
	assert_false(json_is_true(json_object_get(row, "unanswered")));
	json_decref(j);
	j = call(&principal_b, "GET", "/api/v1/reports", NULL, 200);
	assert_false(list_has(j, rep_teacher));
	json_decref(j);
	/* Another teacher of the school did not take it. */
	j = call(&teacher_a2, "GET", "/api/v1/reports", NULL, 200);
	assert_false(list_has(j, rep_teacher));
	json_decref(j);

	/* Reading it opens the seal and is recorded first. */
	char path[64];
	snprintf(path, sizeof path, "/api/v1/reports/%lld", (long long)rep_teacher);
	int64_t reads = fx_int("SELECT count(*) FROM audit_log WHERE action = 'report.read'");
	j = call(&teacher_a, "GET", path, NULL, 200);
	json_t *content = json_object_get(j, "content");
	assert_string_equal(json_string_value(json_object_get(content, "contact")),
	    "妈妈 13800138000 " M_CONTACT);
	assert_non_null(strstr(json_string_value(json_array_get(json_object_get(content,
	    "what_lines"), 0)), M_WHAT));
	/* The teacher may hand it on but not triage it. */
	json_t *acts = json_object_get(j, "actions");
	assert_true(json_is_true(json_object_get(acts, "handover")));
	assert_false(json_is_true(json_object_get(acts, "accept")));
	assert_false(json_is_true(json_object_get(acts, "dismiss")));
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'report.read'"),
	    reads + 1);
	/* The principal sees the triage steps, and the page. */
	j = call(&principal_a, "GET", path, NULL, 200);
	acts = json_object_get(j, "actions");
	assert_true(json_is_true(json_object_get(acts, "accept")));
	assert_true(json_is_true(json_object_get(acts, "open_case")));
	assert_false(json_is_true(json_object_get(acts, "assign")));
	json_decref(j);
	struct resp r;
	snprintf(path, sizeof path, "/reports/%lld", (long long)rep_teacher);
	assert_int_equal(fx_req_cookie(&S, &principal_a, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, M_WHAT_ZH));
	assert_non_null(strstr(r.body, "action=\"/reports/"));
	resp_free(&r);
	assert_int_equal(fx_req_cookie(&S, &principal_a, "GET", "/reports", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "新郑市第一小学"));
	assert_null(strstr(r.body, M_WHAT_ZH));
	resp_free(&r);

	/* The page form: a teacher enters one and is sent to it. */
	assert_int_equal(fx_req_cookie(&S, &teacher_a, "GET", "/reports/new", NULL, NULL, 0,
	    &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "name=\"what\""));
	assert_null(strstr(r.body, "name=\"unit_id\""));	/* always her school */
	resp_free(&r);
	int64_t before = fx_int("SELECT count(*) FROM reports");
	assert_int_equal(fx_req_cookie(&S, &teacher_a, "POST", "/reports/new",
	    "application/x-www-form-urlencoded", "channel=hotline&what=%E6%9C%89%E5%AD%A6"
	    "%E7%94%9F%E5%9C%A8%E6%93%8D%E5%9C%BA%E8%A2%AB%E6%8E%A8%E5%80%92%E4%BA%86"
	    "&behaviours=physical&serious=1&unit_id=999", 1, &r), 0);
	assert_int_equal(r.status, 303);
	int64_t id = fx_int("SELECT max(id) FROM reports");
	snprintf(path, sizeof path, "/reports/%lld", (long long)id);
	assert_string_equal(resp_header(&r, "Location"), path);
	resp_free(&r);
	assert_int_equal(fx_int("SELECT count(*) FROM reports"), before + 1);
	assert_int_equal(q("SELECT unit_id FROM reports WHERE id = %lld", (long long)id),
	    school_a);
	/* Serious: the page says so at the top. */
	assert_int_equal(fx_req_cookie(&S, &teacher_a, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "必须立即报告公安机关和教育局"));
	resp_free(&r);
}

/* A report naming no school goes to the office's queue; the office
 * passes it to school A, whose principal then sees it. */
static void
test_office_queue_and_assign(void **state)
{
	rep_office = enter(&office, "热线电话：有孩子说在学校被同学孤立、被起侮辱性绰号。", 0);
	assert_int_equal(q("SELECT count(*) FROM reports WHERE id = %lld AND unit_id IS NULL"
	    " AND queue_unit_id = %lld", (long long)rep_office, (long long)office_unit), 1);
	json_t *j = call(&office, "GET", "/api/v1/reports", NULL, 200);
	assert_string_equal(json_string_value(json_object_get(j, "view")), "queue");
	assert_true(list_has(j, rep_office));
	assert_false(list_has(j, rep_teacher));	/* school A's queue, not the office's */
	json_decref(j);
	/* With a filter, the office sees a school's queue. */
	char path[96];
	snprintf(path, sizeof path, "/api/v1/reports?unit_id=%lld", (long long)school_a);
	j = call(&office, "GET", path, NULL, 200);
	assert_true(list_has(j, rep_teacher));
	assert_false(list_has(j, rep_office));
	json_decref(j);
	j = call(&principal_a, "GET", "/api/v1/reports", NULL, 200);
	assert_false(list_has(j, rep_office));
	json_decref(j);
	/* No school yet: the school cannot see it, nobody can open a case. */
	snprintf(path, sizeof path, "/api/v1/reports/%lld", (long long)rep_office);
	json_decref(call(&principal_a, "GET", path, NULL, 404));
	snprintf(path, sizeof path, "/api/v1/reports/%lld/case", (long long)rep_office);
	char fp[256], fp2[256];
	fingerprint(fp);
	expect_error(&office, "POST", path, "{}", 409, "intake_no_school");
	/* Assigning: a school it is, or nothing changes. */
	snprintf(path, sizeof path, "/api/v1/reports/%lld/assign", (long long)rep_office);
	char body[64];
	snprintf(body, sizeof body, "{\"unit_id\":%lld}", (long long)office_unit);
	expect_error(&office, "POST", path, body, 400, "intake_bad_school");
	expect_error(&office, "POST", path, "{\"unit_id\":99999}", 400, "intake_bad_school");
	/* Only the office assigns. */
	snprintf(body, sizeof body, "{\"unit_id\":%lld}", (long long)school_a);
	json_decref(call(&principal_a, "POST", path, body, 404));
	fingerprint(fp2);
	assert_string_equal(fp, fp2);
	j = call(&office, "POST", path, body, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "unit_id")), school_a);
	json_decref(j);
	assert_int_equal(q("SELECT count(*) FROM reports WHERE id = %lld AND unit_id = %lld"
	    " AND queue_unit_id = %lld", (long long)rep_office, (long long)school_a,
	    (long long)school_a), 1);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'report.assign'"),
	    1);
	j = call(&principal_a, "GET", "/api/v1/reports", NULL, 200);
	assert_true(list_has(j, rep_office));
	json_decref(j);
	j = call(&office, "GET", "/api/v1/reports", NULL, 200);
	assert_false(list_has(j, rep_office));
	json_decref(j);
	/* The office still took it and still owns it. */
	j = call(&office, "GET", "/api/v1/reports?view=mine", NULL, 200);
	assert_true(list_has(j, rep_office));
	json_decref(j);
	/* The office's page of its queue offers the schools. */
	struct resp r;
	assert_int_equal(fx_req_cookie(&S, &office, "GET", "/reports", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "name=\"unit_id\""));
	resp_free(&r);
	/* The office's form offers the schools too. */
	assert_int_equal(fx_req_cookie(&S, &office, "GET", "/reports/new", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "新郑市第二小学"));
	resp_free(&r);
	/* An office entry naming a school goes straight to its queue. */
	int64_t id = enter(&office, "来信反映：学生在校外被高年级学生抢走零花钱。", school_b);
	assert_int_equal(q("SELECT queue_unit_id FROM reports WHERE id = %lld", (long long)id),
	    school_b);
	j = call(&principal_b, "GET", "/api/v1/reports", NULL, 200);
	assert_true(list_has(j, id));
	json_decref(j);
}

/* The owner or a triager hands a report to a colleague of the school. */
static void
test_handover(void **state)
{
	char path[96], body[64], fp[256], fp2[256];
	snprintf(path, sizeof path, "/api/v1/reports/%lld/handover", (long long)rep_teacher);
	fingerprint(fp);
	/* Not to another school's account, not to nobody, not to the owner. */
	snprintf(body, sizeof body, "{\"account_id\":%lld}", (long long)acc_principal_b);
	expect_error(&teacher_a, "POST", path, body, 400, "intake_bad_account");
	expect_error(&teacher_a, "POST", path, "{}", 400, "intake_bad_account");
	snprintf(body, sizeof body, "{\"account_id\":%lld}", (long long)teacher_a.account_id);
	expect_error(&teacher_a, "POST", path, body, 409, "intake_same_owner");
	/* A colleague who neither took nor owns it may not. */
	snprintf(body, sizeof body, "{\"account_id\":%lld}", (long long)acc_teacher_a2);
	json_decref(call(&teacher_a2, "POST", path, body, 404));
	fingerprint(fp2);
	assert_string_equal(fp, fp2);
	/* The owner hands it on. */
	json_t *j = call(&teacher_a, "POST", path, body, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "owner_id")), acc_teacher_a2);
	json_decref(j);
	assert_int_equal(q("SELECT owner_id FROM reports WHERE id = %lld",
	    (long long)rep_teacher), acc_teacher_a2);
	assert_int_equal(q("SELECT received_by FROM reports WHERE id = %lld",
	    (long long)rep_teacher), teacher_a.account_id);
	j = call(&teacher_a2, "GET", "/api/v1/reports", NULL, 200);
	assert_true(list_has(j, rep_teacher));
	json_decref(j);
	/* The first receiver still sees it. */
	j = call(&teacher_a, "GET", "/api/v1/reports", NULL, 200);
	assert_true(list_has(j, rep_teacher));
	json_decref(j);
	/* The principal (a triager) hands it back, by the page form. */
	struct resp r;
	char page[96], form[64];
	snprintf(page, sizeof page, "/reports/%lld/handover", (long long)rep_teacher);
	snprintf(form, sizeof form, "account_id=%lld", (long long)teacher_a.account_id);
	assert_int_equal(fx_req_cookie(&S, &principal_a, "POST", page,
	    "application/x-www-form-urlencoded", form, 1, &r), 0);
	assert_int_equal(r.status, 303);
	snprintf(page, sizeof page, "/reports/%lld", (long long)rep_teacher);
	assert_string_equal(resp_header(&r, "Location"), page);
	resp_free(&r);
	assert_int_equal(q("SELECT owner_id FROM reports WHERE id = %lld",
	    (long long)rep_teacher), teacher_a.account_id);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'report.handover'"),
	    2);
}

/* Found a prank with a reason: kept, status set, reason sealed; then
 * reopened with the old reason kept. Nothing readable in the file. */
static void
test_dismiss_and_reopen(void **state)
{
	int64_t id = enter(&teacher_a, "匿名电话说" M_WHAT_ZH "，" M_WHAT, 0);
	char path[96], fp[256], fp2[256];
	snprintf(path, sizeof path, "/api/v1/reports/%lld/dismiss", (long long)id);
	fingerprint(fp);
	/* The teacher does not triage; bad input changes nothing. */
	json_decref(call(&teacher_a, "POST", path, "{\"status\":\"prank\",\"reason\":\"查无此事，核实过\"}",
	    404));
	expect_error(&principal_a, "POST", path, "{\"status\":\"prank\",\"reason\":\"太短\"}", 400,
	    "intake_reason");
	expect_error(&principal_a, "POST", path, "{\"reason\":\"核实过了，没有这回事\"}", 400,
	    "intake_dismiss_status");
	json_decref(call(&principal_a, "POST", path, "{\"status\":\"joined\",\"reason\":\"核实过了，没有这回事\"}",
	    400));
	fingerprint(fp2);
	assert_string_equal(fp, fp2);
	json_t *j = call(&principal_a, "POST", path, "{\"status\":\"prank\",\"reason\":"
	    "\"与班主任和涉及学生分别核实，当天无此事。" M_REASON "\"}", 200);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "prank");
	json_decref(j);
	assert_int_equal(q("SELECT count(*) FROM reports WHERE id = %lld AND status = 'prank'"
	    " AND reason IS NOT NULL", (long long)id), 1);
	/* Kept: still listed under its status; dismissing again is refused. */
	j = call(&principal_a, "GET", "/api/v1/reports?status=prank", NULL, 200);
	assert_true(list_has(j, id));
	json_decref(j);
	j = call(&principal_a, "GET", "/api/v1/reports", NULL, 200);
	assert_false(list_has(j, id));
	json_decref(j);
	fingerprint(fp);
	expect_error(&principal_a, "POST", path, "{\"status\":\"unfounded\",\"reason\":"
	    "\"再认定一次试试看\"}", 409, "intake_dismissed");
	char p2[96];
	snprintf(p2, sizeof p2, "/api/v1/reports/%lld/accept", (long long)id);
	expect_error(&principal_a, "POST", p2, NULL, 409, "intake_dismissed");
	snprintf(p2, sizeof p2, "/api/v1/reports/%lld/case", (long long)id);
	expect_error(&principal_a, "POST", p2, "{}", 409, "intake_dismissed");
	fingerprint(fp2);
	assert_string_equal(fp, fp2);
	/* The reason reads back for those handling it. */
	snprintf(p2, sizeof p2, "/api/v1/reports/%lld", (long long)id);
	j = call(&principal_a, "GET", p2, NULL, 200);
	assert_non_null(strstr(json_string_value(json_object_get(j, "reason")), M_REASON));
	assert_true(json_is_true(json_object_get(json_object_get(j, "actions"), "reopen")));
	json_decref(j);
	/* Reopened: new again, both reasons kept. */
	snprintf(p2, sizeof p2, "/api/v1/reports/%lld/reopen", (long long)id);
	expect_error(&principal_a, "POST", p2, "{}", 400, "intake_reason");
	j = call(&principal_a, "POST", p2, "{\"reason\":\"家长又来反映，重新核实。" M_REOPEN "\"}",
	    200);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "new");
	json_decref(j);
	expect_error(&principal_a, "POST", p2, "{\"reason\":\"再重新打开一次\"}", 409,
	    "intake_not_dismissed");
	snprintf(p2, sizeof p2, "/api/v1/reports/%lld", (long long)id);
	j = call(&principal_a, "GET", p2, NULL, 200);
	const char *reason = json_string_value(json_object_get(j, "reason"));
	assert_non_null(strstr(reason, M_REASON));
	assert_non_null(strstr(reason, M_REOPEN));
	assert_non_null(strstr(reason, "principal_a"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "report"),
	    "status")), "new");
	json_decref(j);
	assert_int_equal(q("SELECT count(*) FROM audit_log WHERE object_type = 'report' AND"
	    " object_id = %lld AND action IN ('report.dismiss', 'report.reopen')", (long long)id), 2);
	/* The page form, with a refused reason shown on the page. */
	struct resp r;
	char page[96];
	snprintf(page, sizeof page, "/reports/%lld/dismiss", (long long)id);
	fingerprint(fp);
	assert_int_equal(fx_req_cookie(&S, &principal_a, "POST", page,
	    "application/x-www-form-urlencoded", "status=unfounded&reason=%E5%A4%AA%E7%9F%AD",
	    1, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "请写明理由，5 到 1000 字。"));
	assert_non_null(strstr(r.body, "role=\"alert\""));
	resp_free(&r);
	fingerprint(fp2);
	assert_string_equal(fp, fp2);

	/* Nothing of the narrative, contact or reasons in the file or WAL. */
	static const char *const names[] = { "xiaoan.db", "xiaoan.db-wal" };
	static const char *const secrets[] = { M_WHAT, M_WHAT_ZH, M_CONTACT, M_REASON,
		M_REOPEN, "13800138000" };
	int seen = 0, plain = 0;
	for (size_t i = 0; i < 2; i++) {
		char file[256];
		size_t n = 0;
		snprintf(file, sizeof file, "%s/data/%s", S.dir, names[i]);
		char *b = slurp(file, &n);
		if (b == NULL)
			continue;
		seen++;
		for (size_t k = 0; k < sizeof secrets / sizeof secrets[0]; k++)
			if (bytes_have(b, n, secrets[k]))
				fail_msg("%s holds '%s' in the clear", names[i], secrets[k]);
		/* The search can fail: the plain columns are found. */
		plain += bytes_have(b, n, "report.dismiss") && bytes_have(b, n, "in_person");
		free(b);
	}
	assert_true(seen >= 1);
	assert_true(plain >= 1);
}

/* A case opened from a report, a second report joined into it. */
static void
test_case_and_join(void **state)
{
	int64_t first = enter(&teacher_a, "有同学在宿舍被几个人推搡、抢走生活费，持续了一周。", 0);
	int64_t second = enter(&teacher_a2, "另一位家长反映同一宿舍的孩子被推搡、被抢生活费。", 0);
	char path[96], fp[256], fp2[256];
	/* A teacher may not open a case; the office may not either. */
	snprintf(path, sizeof path, "/api/v1/reports/%lld/case", (long long)first);
	fingerprint(fp);
	json_decref(call(&teacher_a, "POST", path, "{}", 404));
	json_decref(call(&office, "POST", path, "{}", 404));
	fingerprint(fp2);
	assert_string_equal(fp, fp2);
	json_t *j = call(&principal_a, "POST", path, "{\"serious\":false}", 201);
	int64_t cid = json_integer_value(json_object_get(j, "case_id"));
	const char *number = json_string_value(json_object_get(j, "number"));
	assert_true(cid > 0);
	assert_non_null(number);
	assert_int_equal(strlen(number), 9);	/* 2026-0001 */
	json_decref(j);
	assert_int_equal(q("SELECT unit_id FROM cases WHERE id = %lld", (long long)cid), school_a);
	assert_int_equal(q("SELECT count(*) FROM reports WHERE id = %lld AND status = 'joined'"
	    " AND case_id = %lld", (long long)first, (long long)cid), 1);
	/* Twice is refused. */
	fingerprint(fp);
	expect_error(&principal_a, "POST", path, "{}", 409, "intake_joined");
	char p2[96];
	snprintf(p2, sizeof p2, "/api/v1/reports/%lld/dismiss", (long long)first);
	expect_error(&principal_a, "POST", p2, "{\"status\":\"unfounded\",\"reason\":"
	    "\"核实后不属实的理由\"}", 409, "intake_joined");
	/* Joining: the case must be the school's. */
	snprintf(p2, sizeof p2, "/api/v1/reports/%lld/join", (long long)second);
	expect_error(&principal_a, "POST", p2, "{\"case_id\":99999}", 400, "intake_bad_case");
	expect_error(&principal_a, "POST", p2, "{}", 400, "intake_bad_case");
	json_decref(call(&teacher_a2, "POST", p2, "{\"case_id\":1}", 404));
	fingerprint(fp2);
	assert_string_equal(fp, fp2);
	char body[64];
	snprintf(body, sizeof body, "{\"case_id\":%lld}", (long long)cid);
	j = call(&principal_a, "POST", p2, body, 200);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "joined");
	json_decref(j);
	assert_int_equal(q("SELECT count(*) FROM reports WHERE case_id = %lld AND status = 'joined'",
	    (long long)cid), 2);
	assert_int_equal(q("SELECT count(*) FROM case_events WHERE case_id = %lld AND kind = 'note'"
	    " AND meta LIKE '%%\"report_id\":%lld%%'", (long long)cid, (long long)second), 1);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'report.join'"), 1);
	/* A dismissed report cannot join. */
	int64_t third = enter(&teacher_a, "第三条：同样的事情，但核实后是误会，不是欺凌。", 0);
	snprintf(p2, sizeof p2, "/api/v1/reports/%lld/dismiss", (long long)third);
	json_decref(call(&principal_a, "POST", p2, "{\"status\":\"unfounded\",\"reason\":"
	    "\"核实后是同学间的误会\"}", 200));
	snprintf(p2, sizeof p2, "/api/v1/reports/%lld/join", (long long)third);
	fingerprint(fp);
	expect_error(&principal_a, "POST", p2, body, 409, "intake_dismissed");
	fingerprint(fp2);
	assert_string_equal(fp, fp2);
	/* The page: opening a case by the form sends you to the case. */
	int64_t fourth = enter(&teacher_a, "第四条：操场上有学生被反复辱骂、起外号。", 0);
	struct resp r;
	char page[96];
	snprintf(page, sizeof page, "/reports/%lld/case", (long long)fourth);
	assert_int_equal(fx_req_cookie(&S, &principal_a, "POST", page,
	    "application/x-www-form-urlencoded", "summary=%E6%93%8D%E5%9C%BA%E8%BE%B1%E9%AA%82",
	    1, &r), 0);
	assert_int_equal(r.status, 303);
	assert_non_null(strstr(resp_header(&r, "Location"), "/cases/"));
	resp_free(&r);
	/* The report page links the case. */
	snprintf(page, sizeof page, "/api/v1/reports/%lld", (long long)first);
	j = call(&principal_a, "GET", page, NULL, 200);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "report"),
	    "case_id")), cid);
	assert_false(json_is_true(json_object_get(json_object_get(j, "actions"), "any")));
	json_decref(j);
}

/* Wrong input is refused in Chinese and changes nothing. */
static void
test_validation(void **state)
{
	char fp[256], fp2[256], body[512], day[11];
	fingerprint(fp);
	expect_error(&teacher_a, "POST", "/api/v1/reports",
	    "{\"channel\":\"hotline\",\"what\":\"太短了\"}", 400, "intake_what");
	expect_error(&teacher_a, "POST", "/api/v1/reports",
	    "{\"what\":\"有学生在楼道里被推倒了，膝盖受伤。\"}", 400, "intake_channel");
	/* online and survey are not entered by staff. */
	json_decref(call(&teacher_a, "POST", "/api/v1/reports",
	    "{\"channel\":\"online\",\"what\":\"有学生在楼道里被推倒了，膝盖受伤。\"}", 400));
	day_from_now(3, day);
	snprintf(body, sizeof body, "{\"channel\":\"hotline\",\"what\":\"有学生在楼道里被推倒了，"
	    "膝盖受伤。\",\"received_at\":\"%sT10:00\"}", day);
	expect_error(&teacher_a, "POST", "/api/v1/reports", body, 400, "intake_received_future");
	snprintf(body, sizeof body, "{\"channel\":\"hotline\",\"what\":\"有学生在楼道里被推倒了，"
	    "膝盖受伤。\",\"occurred_on\":\"%s\"}", day);
	expect_error(&teacher_a, "POST", "/api/v1/reports", body, 400, "intake_occurred_future");
	expect_error(&teacher_a, "POST", "/api/v1/reports", "{\"channel\":\"hotline\",\"what\":"
	    "\"有学生在楼道里被推倒了，膝盖受伤。\",\"received_at\":\"昨天下午\"}", 400,
	    "intake_received_at");
	/* The messages are in Chinese. */
	json_t *j = call(&teacher_a, "POST", "/api/v1/reports",
	    "{\"channel\":\"hotline\",\"what\":\"太短了\"}", 400);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"),
	    "message")), "请写下发生了什么，10 到 4000 字。");
	json_decref(j);
	/* The office may not name a school out of its reach or a non-school. */
	snprintf(body, sizeof body, "{\"channel\":\"letter\",\"what\":\"来信反映学生被孤立排挤。\","
	    "\"unit_id\":%lld}", (long long)office_unit);
	expect_error(&office, "POST", "/api/v1/reports", body, 400, "intake_bad_school");
	/* The page form keeps what was typed and says what is wrong. */
	struct resp r;
	assert_int_equal(fx_req_cookie(&S, &teacher_a, "POST", "/reports/new",
	    "application/x-www-form-urlencoded", "channel=letter&what=%E5%A4%AA%E7%9F%AD"
	    "&place_text=Zq7PlaceKept", 1, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "请写下发生了什么，10 到 4000 字。"));
	assert_non_null(strstr(r.body, "Zq7PlaceKept"));
	assert_non_null(strstr(r.body, "aria-invalid=\"true\""));
	resp_free(&r);
	/* Without the CSRF token a form changes nothing. */
	assert_int_equal(fx_req_cookie(&S, &teacher_a, "POST", "/reports/new",
	    "application/x-www-form-urlencoded", "channel=letter&what=%E6%9C%89%E5%AD%A6"
	    "%E7%94%9F%E5%9C%A8%E6%93%8D%E5%9C%BA%E8%A2%AB%E6%8E%A8%E5%80%92%E4%BA%86", 0, &r), 0);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	fingerprint(fp2);
	assert_string_equal(fp, fp2);
	/* Dates: not before 2000, not after the day it was reported, and a
	 * time received no more than a year ago. */
	char day2[11];
	snprintf(body, sizeof body, "{\"channel\":\"hotline\",\"what\":\"有学生在楼道里被推倒了，"
	    "膝盖受伤。\",\"occurred_on\":\"1999-12-31\"}");
	expect_error(&teacher_a, "POST", "/api/v1/reports", body, 400, "intake_occurred_old");
	day_from_now(-3, day);
	day_from_now(-1, day2);
	snprintf(body, sizeof body, "{\"channel\":\"hotline\",\"what\":\"有学生在楼道里被推倒了，"
	    "膝盖受伤。\",\"received_at\":\"%sT10:00\",\"occurred_on\":\"%s\"}", day, day2);
	expect_error(&teacher_a, "POST", "/api/v1/reports", body, 400,
	    "intake_occurred_after_received");
	j = call(&teacher_a, "POST", "/api/v1/reports", body, 400);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"),
	    "message")), "发生日期不能晚于接报日期，请核对这两个时间。");
	json_decref(j);
	day_from_now(-400, day);
	snprintf(body, sizeof body, "{\"channel\":\"hotline\",\"what\":\"有学生在楼道里被推倒了，"
	    "膝盖受伤。\",\"received_at\":\"%sT10:00\"}", day);
	expect_error(&teacher_a, "POST", "/api/v1/reports", body, 400, "intake_received_old");
	/* The page says so in Chinese and keeps what was typed. */
	assert_int_equal(fx_req_cookie(&S, &teacher_a, "POST", "/reports/new",
	    "application/x-www-form-urlencoded", "channel=letter&occurred_on=1990-05-01"
	    "&what=%E6%9C%89%E5%AD%A6%E7%94%9F%E5%9C%A8%E6%93%8D%E5%9C%BA%E8%A2%AB%E6%8E%A8"
	    "%E5%80%92%E4%BA%86&place_text=Zq7PlaceKept", 1, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "发生日期不能早于2000年1月1日"));
	assert_non_null(strstr(r.body, "Zq7PlaceKept"));
	resp_free(&r);
	fingerprint(fp2);
	assert_string_equal(fp, fp2);
	/* A time in the past is taken as given. */
	day_from_now(-2, day);
	snprintf(body, sizeof body, "{\"channel\":\"school_phone\",\"what\":\"前天接到电话，"
	    "有学生被同学勒索。\",\"received_at\":\"%sT08:30\",\"occurred_on\":\"%s\"}", day, day);
	j = call(&teacher_a, "POST", "/api/v1/reports", body, 201);
	int64_t id = json_integer_value(json_object_get(j, "id"));
	json_decref(j);
	int64_t at = q("SELECT created_at FROM reports WHERE id = %lld", (long long)id);
	assert_true(at < (int64_t)time(NULL) - 86400);
	assert_int_equal(q("SELECT count(*) FROM reports WHERE id = %lld AND occurred_on = '%s'",
	    (long long)id, day), 1);
}

/* An anonymous online report: its thread shows on the report page, the
 * queue marks a reporter's message that has no answer yet, and a staff
 * answer clears the mark. */
static void
test_online_thread(void **state)
{
	char body[512], path[128];
	snprintf(body, sizeof body, "{\"school_id\":%lld,\"what\":\"我在班里一直被几个同学孤立，"
	    "他们在群里骂我。\",\"behaviours\":[\"exclusion\",\"online\"]}", (long long)school_a);
	json_t *j = call(NULL, "POST", "/api/v1/public/reports", body, 201);
	const char *receipt = json_string_value(json_object_get(j, "receipt"));
	assert_non_null(receipt);
	snprintf(path, sizeof path, "/api/v1/public/reports/%s/messages", receipt);
	json_decref(j);
	int64_t id = fx_int("SELECT max(id) FROM reports WHERE channel = 'online'");
	assert_true(id > 0);
	json_decref(call(NULL, "POST", path, "{\"text\":\"老师，今天他们又在群里说我了。\"}", 201));
	j = call(&principal_a, "GET", "/api/v1/reports?channel=online", NULL, 200);
	json_t *row = json_array_get(json_object_get(j, "reports"), 0);
	assert_int_equal(json_integer_value(json_object_get(row, "id")), id);
	assert_true(json_is_true(json_object_get(row, "unanswered")));
	json_decref(j);
	/* The page shows the thread and a reply form. */
	struct resp r;
	snprintf(path, sizeof path, "/reports/%lld", (long long)id);
	assert_int_equal(fx_req_cookie(&S, &principal_a, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "今天他们又在群里说我了"));
	snprintf(path, sizeof path, "action=\"/reports/%lld/messages\"", (long long)id);
	assert_non_null(strstr(r.body, path));
	resp_free(&r);
	/* Answered: the mark goes. */
	snprintf(path, sizeof path, "/api/v1/reports/%lld/messages", (long long)id);
	json_decref(call(&principal_a, "POST", path, "{\"text\":\"收到，我们今天就找你了解情况。\"}",
	    201));
	j = call(&principal_a, "GET", "/api/v1/reports?channel=online", NULL, 200);
	row = json_array_get(json_object_get(j, "reports"), 0);
	assert_int_equal(json_integer_value(json_object_get(row, "id")), id);
	assert_false(json_is_true(json_object_get(row, "unanswered")));
	json_decref(j);
	/* The thread is in the report's JSON, with the reads recorded. */
	snprintf(path, sizeof path, "/api/v1/reports/%lld", (long long)id);
	j = call(&principal_a, "GET", path, NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "thread")), 2);
	json_decref(j);
	assert_int_equal(q("SELECT count(*) FROM audit_log WHERE action = 'report.read' AND"
	    " object_id = %lld AND fields LIKE '%%messages%%'", (long long)id), 2);
}

/* Sends a request (JSON body, as s by Bearer or anonymous when s is
 * NULL) on its own connection without waiting for the answer. */
static int
raw_send(const struct session *s, const char *method, const char *path,
    const char *json)
{
	int fd = raw_connect(&S);
	assert_true(fd >= 0);
	char auth[96] = "";
	if (s != NULL)
		snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", s->token);
	char req[4096];
	int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
	    method, path, S.port, auth, strlen(json), json);
	assert_true(n > 0 && (size_t)n < sizeof req);
	assert_int_equal(write(fd, req, (size_t)n), n);
	return fd;
}

/* The status of the answer on fd (closes it). */
static long
raw_status(int fd)
{
	char buf[8192];
	ssize_t n = raw_read(fd, buf, sizeof buf, 20000);
	close(fd);
	long st = 0;
	if (n > 12 && strncmp(buf, "HTTP/1.1 ", 9) == 0)
		st = strtol(buf + 9, NULL, 10);
	return st;
}

/* Waits until n requests (besides the asking one) are being handled:
 * with one loop, each has been read and has queued its write. */
static void
wait_in_flight(long n)
{
	for (int i = 0; i < 2000; i++) {
		struct resp r;
		assert_int_equal(http_get(&S, "/metrics", &r), 0);
		assert_int_equal(r.status, 200);
		const char *p = strstr(r.body, "\nxiaoan_http_in_flight ");
		long v = p ? strtol(p + 23, NULL, 10) : -1;
		resp_free(&r);
		if (v == n + 1)
			return;
		usleep(2000);
	}
	fail_msg("never %ld requests in flight", n);
}

/* A report's updated_at is triage's version (it only moves forward): a
 * message from the reporter or an answer from staff leaves it alone. Set
 * ahead of the clock (several changes within one second, or a clock set
 * back), a message must not move it back. And the race: a triager reads
 * the report (version T), another hands it over, the reporter writes,
 * then the first one's stale hand-over is refused (409), not written
 * over the other's. */
static void
test_messages_keep_version(void **state)
{
	char body[512], path[160], mpath[160];
	snprintf(body, sizeof body, "{\"school_id\":%lld,\"what\":\"有人在宿舍里偷偷拿走我的生活费，"
	    "还威胁我不许说。\"}", (long long)school_a);
	json_t *j = call(NULL, "POST", "/api/v1/public/reports", body, 201);
	char receipt[64];
	snprintf(receipt, sizeof receipt, "%s", json_string_value(json_object_get(j, "receipt")));
	json_decref(j);
	int64_t id = fx_int("SELECT max(id) FROM reports WHERE channel = 'online'");
	snprintf(mpath, sizeof mpath, "/api/v1/public/reports/%s/messages", receipt);
	snprintf(path, sizeof path, "/api/v1/reports/%lld/messages", (long long)id);
	int64_t ahead = (int64_t)time(NULL) + 1000;
	char sql[256];
	snprintf(sql, sizeof sql, "UPDATE reports SET updated_at = %lld WHERE id = %lld",
	    (long long)ahead, (long long)id);
	assert_int_equal(fx_sql(sql), 0);
	json_decref(call(NULL, "POST", mpath, "{\"text\":\"老师，他们今天又来了。\"}", 201));
	assert_int_equal(q("SELECT updated_at FROM reports WHERE id = %lld", (long long)id), ahead);
	json_decref(call(&principal_a, "POST", path, "{\"text\":\"收到，我们马上处理。\"}", 201));
	assert_int_equal(q("SELECT updated_at FROM reports WHERE id = %lld", (long long)id), ahead);

	/* The race, held at the writer: the fixture takes the write lock,
	 * the three requests are read and queued in order, then the lock
	 * is let go. It tells something only when the reporter's message
	 * is stamped in the second the report's version was set to (that
	 * is when resetting updated_at to "now" would bring back the old
	 * version); tried until it is. */
	char hand_y[64], hand_x[64], hpath[160];
	snprintf(hand_y, sizeof hand_y, "{\"account_id\":%lld}", (long long)acc_teacher_a2);
	snprintf(hand_x, sizeof hand_x, "{\"account_id\":%lld}", (long long)teacher_a.account_id);
	snprintf(hpath, sizeof hpath, "/api/v1/reports/%lld/handover", (long long)id);
	int told = 0;
	for (int attempt = 0; attempt < 10 && !told; attempt++) {
		int64_t v = (int64_t)time(NULL);
		snprintf(sql, sizeof sql, "UPDATE reports SET updated_at = %lld, owner_id = NULL"
		    " WHERE id = %lld", (long long)v, (long long)id);
		assert_int_equal(fx_sql(sql), 0);
		assert_int_equal(fx_sql("BEGIN IMMEDIATE"), 0);
		int fy = raw_send(&principal_a, "POST", hpath, hand_y);
		wait_in_flight(1);
		int fm = raw_send(NULL, "POST", mpath, "{\"text\":\"还有一件事想告诉老师。\"}");
		wait_in_flight(2);
		int fx = raw_send(&office, "POST", hpath, hand_x);
		wait_in_flight(3);
		assert_int_equal(fx_sql("COMMIT"), 0);
		long sy = raw_status(fy), sm = raw_status(fm), sx = raw_status(fx);
		assert_int_equal(sy, 200);
		assert_int_equal(sm, 201);
		/* Whatever the clock did, the stale one is refused and the
		 * first hand-over stands. */
		if (sx != 409)
			fail_msg("stale hand-over answered %ld (attempt %d)", sx, attempt);
		assert_int_equal(q("SELECT owner_id FROM reports WHERE id = %lld", (long long)id),
		    acc_teacher_a2);
		told = q("SELECT created_at FROM report_messages WHERE id = (SELECT max(id)"
		    " FROM report_messages WHERE report_id = %lld)", (long long)id) == v;
	}
	assert_true(told);
	/* The refused one left no record. */
	assert_int_equal(q("SELECT count(*) FROM audit_log WHERE action = 'report.handover'"
	    " AND object_id = %lld AND account_id = %lld", (long long)id,
	    (long long)office.account_id), 0);
}

/* Another school's report answers exactly like a missing one, on every
 * route, and nothing changes. */
static void
test_isolation(void **state)
{
	static const struct {
		const char *method, *tail, *json;
	} routes[] = {
		{ "GET", "", NULL },
		{ "POST", "/accept", NULL },
		{ "POST", "/assign", "{\"unit_id\":2}" },
		{ "POST", "/handover", "{\"account_id\":2}" },
		{ "POST", "/dismiss", "{\"status\":\"prank\",\"reason\":\"恶作剧，查无此事\"}" },
		{ "POST", "/reopen", "{\"reason\":\"重新打开看看\"}" },
		{ "POST", "/case", "{}" },
		{ "POST", "/join", "{\"case_id\":1}" },
	};
	int64_t id = enter(&teacher_a, "第五条：有学生在网上被散布谣言、恶意传播隐私。", 0);
	char fp[256], fp2[256];
	fingerprint(fp);
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		char p1[128], p2[128];
		struct resp a, b;
		snprintf(p1, sizeof p1, "/api/v1/reports/%lld%s", (long long)id, routes[i].tail);
		snprintf(p2, sizeof p2, "/api/v1/reports/%d%s", 987654, routes[i].tail);
		assert_int_equal(fx_req(&S, &principal_b, routes[i].method, p1, routes[i].json, &a), 0);
		assert_int_equal(fx_req(&S, &principal_b, routes[i].method, p2, routes[i].json, &b), 0);
		if (a.status != 404 || b.status != 404 || strcmp(a.body, b.body) != 0)
			fail_msg("%s %s: %ld %s vs missing %ld %s", routes[i].method, p1, a.status,
			    a.body, b.status, b.body);
		resp_free(&a);
		resp_free(&b);
		/* The pages too. */
		snprintf(p1, sizeof p1, "/reports/%lld%s", (long long)id, routes[i].tail);
		snprintf(p2, sizeof p2, "/reports/%d%s", 987654, routes[i].tail);
		const char *form = routes[i].json ? "reason=%E9%87%8D%E6%96%B0%E6%89%93%E5%BC%80"
		    "%E7%9C%8B%E7%9C%8B&status=prank&unit_id=2&account_id=2&case_id=1" : NULL;
		const char *ct = strcmp(routes[i].method, "POST") == 0 ?
		    "application/x-www-form-urlencoded" : NULL;
		if (ct != NULL && form == NULL)
			form = "";
		assert_int_equal(fx_req_cookie(&S, &principal_b, routes[i].method, p1, ct, form, 1,
		    &a), 0);
		assert_int_equal(fx_req_cookie(&S, &principal_b, routes[i].method, p2, ct, form, 1,
		    &b), 0);
		if (a.status != 404 || b.status != 404 || strcmp(a.body, b.body) != 0)
			fail_msg("page %s %s: %ld vs missing %ld", routes[i].method, p1, a.status,
			    b.status);
		resp_free(&a);
		resp_free(&b);
	}
	fingerprint(fp2);
	assert_string_equal(fp, fp2);
	/* The lists: no filter reaches another school. */
	char path[96];
	snprintf(path, sizeof path, "/api/v1/reports?unit_id=%lld&status=all", (long long)school_a);
	json_t *j = call(&principal_b, "GET", path, NULL, 200);
	assert_false(list_has(j, id));
	assert_false(list_has(j, rep_teacher));
	json_decref(j);
	j = call(&principal_b, "GET", "/api/v1/reports?view=mine&status=all", NULL, 200);
	assert_false(list_has(j, id));
	json_decref(j);
	/* A colleague in the same school who neither took nor triages it. */
	snprintf(path, sizeof path, "/api/v1/reports/%lld", (long long)id);
	json_decref(call(&teacher_a2, "GET", path, NULL, 404));
	/* The office reaches every school's report. */
	json_decref(call(&office, "GET", path, NULL, 200));
}

/* A bureau inspector (no A_REPORT_TRIAGE, no A_REPORT_CREATE) can
 * neither read nor triage reports, nor enter one. */
static void
test_inspector(void **state)
{
	char path[96], fp[256], fp2[256];
	fingerprint(fp);
	snprintf(path, sizeof path, "/api/v1/reports/%lld", (long long)rep_office);
	json_decref(call(&inspector, "GET", path, NULL, 404));
	snprintf(path, sizeof path, "/api/v1/reports/%lld/accept", (long long)rep_office);
	json_decref(call(&inspector, "POST", path, NULL, 404));
	snprintf(path, sizeof path, "/api/v1/reports/%lld/dismiss", (long long)rep_office);
	json_decref(call(&inspector, "POST", path, "{\"status\":\"prank\",\"reason\":"
	    "\"恶作剧，查无此事\"}", 404));
	snprintf(path, sizeof path, "/api/v1/reports/%lld/assign", (long long)rep_office);
	char body[64];
	snprintf(body, sizeof body, "{\"unit_id\":%lld}", (long long)school_b);
	json_decref(call(&inspector, "POST", path, body, 404));
	json_decref(call(&inspector, "POST", "/api/v1/reports",
	    "{\"channel\":\"hotline\",\"what\":\"有学生在楼道里被推倒了，膝盖受伤。\"}", 404));
	json_t *j = call(&inspector, "GET", "/api/v1/reports?view=queue", NULL, 200);
	assert_string_equal(json_string_value(json_object_get(j, "view")), "mine");
	assert_int_equal(json_array_size(json_object_get(j, "reports")), 0);
	assert_false(json_is_true(json_object_get(j, "can_create")));
	json_decref(j);
	struct resp r;
	assert_int_equal(fx_req_cookie(&S, &inspector, "GET", "/reports/new", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	fingerprint(fp2);
	assert_string_equal(fp, fp2);
	/* After all that, the audit chain still verifies. */
	char data[200];
	snprintf(data, sizeof data, "%s/data", S.dir);
	char *argv[] = { (char *)xiaoan_bin(), "verify", "--data", data, NULL };
	char *out = NULL;
	int rc = run_cmd(argv, &out);
	if (rc != 0)
		fail_msg("verify: %d %s", rc, out ? out : "");
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_staff_entry),
		cmocka_unit_test(test_office_queue_and_assign),
		cmocka_unit_test(test_handover),
		cmocka_unit_test(test_dismiss_and_reopen),
		cmocka_unit_test(test_case_and_join),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_online_thread),
		cmocka_unit_test(test_messages_keep_version),
		cmocka_unit_test(test_isolation),
		cmocka_unit_test(test_inspector),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
