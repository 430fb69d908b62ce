/* test_inspect.c: inspection, rectification and accountability over HTTP
 * (src/bureau/inspect*.c), against the real server.
 *
 * An edit of the checklist does not change a campaign already open; a
 * score over an item's maximum is refused with the rule's message and
 * changes nothing; submitting wants every item scored and the evidence
 * required; items below full score and findings written out become
 * tasks; the school answers, the inspector re-checks (not passed: back
 * to the school with a new deadline; passed: closed); overdue follows the
 * deadline, with a fixed day through the store's functions and with a
 * deadline moved into the past over HTTP; results per school and
 * township come out of known scores; a school sees its own results and
 * tasks and gets for another's exactly the 404 of a missing one;
 * accountability is read by the office, recorded by its director, never
 * by a school, audited, and corrected only by a correction record. */
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
#include "bureau/inspect.h"
#include "core/calendar.h"
#include "fixture.h"
#include "harness.h"
#include "store/db.h"

#define PW "Insp-pass-123"
#define ZONE (8 * 3600L)

static struct srv S;
static struct session office, inspector, director, prin_a1, prin_a2, prin_b, teach_a1, section;
static int64_t town_a, town_b, a1, a2, b1, insp_id;

/* --- Helpers. */

static json_t *
call(const struct session *s, const char *method, const char *path, const char *json,
    long want)
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

/* The status and body (malloc'd) of a request. */
static long
send_req(const struct session *s, const char *method, const char *path, const char *json,
    char **body)
{
	struct resp r;
	assert_int_equal(fx_req(&S, s, method, path, json, &r), 0);
	long st = r.status;
	if (body != NULL)
		*body = strdup(r.body ? r.body : "");
	resp_free(&r);
	return st;
}

/* Asserts that path answers s exactly as missing (the same path with a
 * missing object) does: 404, the same body. */
static void
same_as_missing(const struct session *s, const char *method, const char *path,
    const char *missing, const char *json)
{
	char *x1 = NULL, *x2 = NULL;
	long s1 = send_req(s, method, path, json, &x1);
	long s2 = send_req(s, method, missing, json, &x2);
	if (s1 != 404 || s2 != 404 || strcmp(x1, x2) != 0)
		fail_msg("%s %s: %ld %s / missing: %ld %s", method, path, s1, x1, s2, x2);
	free(x1);
	free(x2);
}

/* A day offset days from today, as YYYY-MM-DD. */
static void
day_off(int offset, char out[11])
{
	day_format(day_of((int64_t)time(NULL), ZONE) + offset, out);
}

static const char *
err_code(json_t *j)
{
	return json_string_value(json_object_get(json_object_get(j, "error"), "code"));
}

static const char *
err_msg(json_t *j)
{
	return json_string_value(json_object_get(json_object_get(j, "error"), "message"));
}

/* A new campaign over the listed schools (JSON array text), opened. */
static int64_t
campaign(const char *name, const char *schools)
{
	char body[512];
	snprintf(body, sizeof body, "{\"name\":\"%s\",\"starts_on\":\"2026-01-05\","
	    "\"ends_on\":\"2026-12-20\",\"checklist_id\":1,\"scope\":\"list\",\"schools\":%s,"
	    "\"inspectors\":[%lld],\"rectify_days\":20}", name, schools, (long long)insp_id);
	json_t *j = call(&office, "POST", "/api/v1/inspections", body, 201);
	int64_t id = json_integer_value(json_object_get(json_object_get(j, "campaign"), "id"));
	json_decref(j);
	char p[96];
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/open", (long long)id);
	json_decref(call(&inspector, "POST", p, "{}", 200));
	return id;
}

/* The items of campaign c (ids in order) and their maxima; returns n. */
static size_t
items_of(int64_t c, int64_t *ids, int *max, int *ev, int *part, size_t cap)
{
	char p[96];
	snprintf(p, sizeof p, "/api/v1/inspections/%lld", (long long)c);
	json_t *j = call(&office, "GET", p, NULL, 200);
	size_t n = 0, i, k;
	json_t *pv, *it;
	json_array_foreach(json_object_get(j, "parts"), i, pv) {
		json_array_foreach(json_object_get(pv, "items"), k, it) {
			if (n == cap)
				break;
			ids[n] = json_integer_value(json_object_get(it, "id"));
			max[n] = (int)json_integer_value(json_object_get(it, "max_score"));
			ev[n] = json_is_true(json_object_get(it, "evidence_required"));
			part[n] = (int)json_integer_value(json_object_get(pv, "part"));
			n++;
		}
	}
	json_decref(j);
	return n;
}

static const char pdf[] = "%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n";

/* Scores item of school in campaign c as inspector, with a PDF as
 * evidence when ev; the status. */
static long
score(int64_t c, int64_t school, int64_t item, int value, int ev)
{
	char p[160];
	struct resp r;
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/schools/%lld/items/%lld", (long long)c,
	    (long long)school, (long long)item);
	if (!ev) {
		char body[96];
		snprintf(body, sizeof body, "{\"score\":%d,\"note\":\"备注%d\"}", value, value);
		assert_int_equal(fx_req(&S, &inspector, "POST", p, body, &r), 0);
	} else {
		char mp[1024];
		snprintf(mp, sizeof mp, "--xaB\r\nContent-Disposition: form-data; name=\"score\"\r\n\r\n"
		    "%d\r\n--xaB\r\nContent-Disposition: form-data; name=\"files\"; filename=\"制度.pdf\""
		    "\r\nContent-Type: application/pdf\r\n\r\n%s\r\n--xaB--\r\n", value, pdf);
		assert_int_equal(fx_req_ctype(&S, &inspector, "POST", p,
		    "multipart/form-data; boundary=xaB", mp, &r), 0);
	}
	long st = r.status;
	if (st != 200)
		fprintf(stderr, "score: %ld %s\n", st, r.body);
	resp_free(&r);
	return st;
}

/* Fills the whole sheet of school in c: every item at full marks minus
 * short[k] (short_ may be NULL), evidence where required, the visit's
 * day; then submits it. The number of tasks made. */
static int
fill_submit(int64_t c, int64_t school, const int *short_, size_t nshort)
{
	int64_t ids[128];
	int max[128], ev[128], part[128];
	size_t n = items_of(c, ids, max, ev, part, 128);
	for (size_t k = 0; k < n; k++) {
		int s = max[k] - (short_ != NULL && k < nshort ? short_[k] : 0);
		assert_int_equal(score(c, school, ids[k], s, ev[k]), 200);
	}
	char p[160], day[11], body[96];
	day_off(-1, day);
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/schools/%lld", (long long)c,
	    (long long)school);
	snprintf(body, sizeof body, "{\"visited_on\":\"%s\",\"summary\":\"总体较好\"}", day);
	json_decref(call(&inspector, "POST", p, body, 200));
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/schools/%lld/submit", (long long)c,
	    (long long)school);
	json_t *j = call(&inspector, "POST", p, "{}", 200);
	int t = (int)json_integer_value(json_object_get(json_object_get(j, "inspection"), "tasks"));
	json_decref(j);
	return t;
}

/* The row of unit in a JSON list (by key), or NULL. */
static json_t *
row_of(json_t *list, const char *key, int64_t id)
{
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o)
		if (json_integer_value(json_object_get(o, key)) == id)
			return o;
	return NULL;
}

/* --- Setup. */

static int
setup(void **state)
{
	(void)state;
	static const char *const extra[] = { "--loops", "2", "--access-log", "off", NULL };
	memset(&S, 0, sizeof S);
	if (srv_start(&S, extra) != 0 || fx_setup(&S) != 0)
		return -1;
	int64_t off = fx_unit(1, "office", "办公室", NULL);
	int64_t sec = fx_unit(1, "section", "基础教育科", NULL);
	town_a = fx_unit(1, "township", "甲镇", NULL);
	town_b = fx_unit(1, "township", "乙镇", NULL);
	a1 = fx_unit(town_a, "school", "甲镇一小", "primary");
	a2 = fx_unit(town_a, "school", "甲镇二小", "primary");
	b1 = fx_unit(town_b, "school", "乙镇一小", "primary");
	char sql[256];
	snprintf(sql, sizeof sql, "UPDATE units SET township_id = parent_id WHERE id IN (%lld, %lld,"
	    " %lld)", (long long)a1, (long long)a2, (long long)b1);
	if (fx_sql(sql) != 0)
		return -1;
	if (fx_account(off, "office-i", PW, ROLE_BIT(ROLE_OFFICE_STAFF)) < 0 ||
	    (insp_id = fx_account(off, "insp-i", PW, ROLE_BIT(ROLE_INSPECTOR))) < 0 ||
	    fx_account(off, "dir-i", PW, ROLE_BIT(ROLE_OFFICE_DIRECTOR)) < 0 ||
	    fx_account(sec, "sec-i", PW, ROLE_BIT(ROLE_SECTION_STAFF)) < 0 ||
	    fx_account(a1, "prin-a1", PW, ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(a2, "prin-a2", PW, ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(b1, "prin-b1", PW, ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(a1, "teach-a1", PW, ROLE_BIT(ROLE_TEACHER)) < 0)
		return -1;
	if (fx_signin(&S, "office-i", PW, &office) != 0 ||
	    fx_signin(&S, "insp-i", PW, &inspector) != 0 ||
	    fx_signin(&S, "dir-i", PW, &director) != 0 ||
	    fx_signin(&S, "sec-i", PW, &section) != 0 ||
	    fx_signin(&S, "prin-a1", PW, &prin_a1) != 0 ||
	    fx_signin(&S, "prin-a2", PW, &prin_a2) != 0 ||
	    fx_signin(&S, "prin-b1", PW, &prin_b) != 0 ||
	    fx_signin(&S, "teach-a1", PW, &teach_a1) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	fx_done();
	int rc = srv_stop(&S);
	char data[200];
	snprintf(data, sizeof data, "%s/data", S.dir);
	char *argv[] = { (char *)xiaoan_bin(), "verify", "--data", data, NULL };
	int vrc = run_cmd(argv, NULL);
	srv_cleanup(&S);
	return rc || vrc;
}

/* --- Tests. */

/* The default checklist: the six parts, 100 points, as seeded. */
static void
test_default_checklist(void **state)
{
	(void)state;
	json_t *j = call(&office, "GET", "/api/v1/inspections/checklists/1", NULL, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 100);
	assert_int_equal(json_array_size(json_object_get(j, "parts")), 6);
	int n = (int)json_integer_value(json_object_get(j, "count"));
	assert_true(n >= 15 && n <= 25);
	json_t *p1 = json_array_get(json_object_get(j, "parts"), 0);
	assert_string_equal(json_string_value(json_object_get(p1, "label")), "落实工作机构");
	json_decref(j);
	/* A school reads it; only the office and inspectors edit it. */
	json_decref(call(&prin_a1, "GET", "/api/v1/inspections/checklists/1", NULL, 200));
	json_decref(call(&prin_a1, "POST", "/api/v1/inspections/checklists/1/items",
	    "{\"part\":1,\"text\":\"不该有的条目\",\"max_score\":5}", 404));
	json_decref(call(&section, "POST", "/api/v1/inspections/checklists/1/items",
	    "{\"part\":1,\"text\":\"不该有的条目\",\"max_score\":5}", 404));
	assert_int_equal(fx_int("SELECT count(*) FROM insp_checklist_items WHERE text ="
	    " '不该有的条目'"), 0);
	/* A bad part or maximum is refused by the table. */
	json_decref(call(&office, "POST", "/api/v1/inspections/checklists/1/items",
	    "{\"part\":7,\"text\":\"第七部分\",\"max_score\":5}", 400));
	json_decref(call(&office, "POST", "/api/v1/inspections/checklists/1/items",
	    "{\"part\":1,\"text\":\"零分条目\",\"max_score\":0}", 400));
}

/* Editing the checklist after a campaign opened changes only campaigns
 * opened later. */
static void
test_checklist_edit_keeps_open_campaign(void **state)
{
	(void)state;
	json_t *j = call(&office, "POST", "/api/v1/inspections/checklists",
	    "{\"name\":\"测试检查表\",\"copy_from\":1}", 201);
	int64_t cl = json_integer_value(json_object_get(json_object_get(j, "checklist"), "id"));
	json_decref(j);
	char body[512], p[128];
	snprintf(body, sizeof body, "{\"name\":\"冻结测试\",\"starts_on\":\"2026-01-05\","
	    "\"ends_on\":\"2026-12-20\",\"checklist_id\":%lld,\"scope\":\"list\",\"schools\":[%lld]}",
	    (long long)cl, (long long)a1);
	j = call(&office, "POST", "/api/v1/inspections", body, 201);
	int64_t c = json_integer_value(json_object_get(json_object_get(j, "campaign"), "id"));
	json_decref(j);
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/open", (long long)c);
	json_decref(call(&office, "POST", p, "{}", 200));
	/* Opened twice: refused. */
	json_decref(call(&office, "POST", p, "{}", 409));
	/* The first item of the copy, changed; one added; one removed. */
	int64_t first = fx_int("SELECT min(id) FROM insp_checklist_items WHERE checklist_id ="
	    " (SELECT max(id) FROM insp_checklists)");
	snprintf(p, sizeof p, "/api/v1/inspections/checklists/%lld/items/%lld", (long long)cl,
	    (long long)first);
	json_decref(call(&office, "POST", p, "{\"part\":1,\"text\":\"改过的条目\",\"max_score\":9,"
	    "\"evidence_required\":false}", 200));
	snprintf(p, sizeof p, "/api/v1/inspections/checklists/%lld/items", (long long)cl);
	json_decref(call(&office, "POST", p, "{\"part\":6,\"text\":\"新增的条目\",\"max_score\":4}",
	    201));
	snprintf(p, sizeof p, "/api/v1/inspections/checklists/%lld/items/%lld/delete",
	    (long long)cl, (long long)first + 1);
	json_decref(call(&office, "POST", p, "{}", 200));
	json_decref(call(&office, "POST", p, "{}", 404));
	/* The campaign is as it was. */
	snprintf(p, sizeof p, "/api/v1/inspections/%lld", (long long)c);
	j = call(&office, "GET", p, NULL, 200);
	char *text = json_dumps(j, 0);
	assert_null(strstr(text, "改过的条目"));
	assert_null(strstr(text, "新增的条目"));
	assert_non_null(strstr(text, "成立学生欺凌防治工作领导小组"));
	assert_non_null(strstr(text, "明确防治学生欺凌工作办公室及联系人"));
	free(text);
	json_decref(j);
	assert_int_equal(fx_int("SELECT sum(max_score) FROM insp_campaign_items WHERE"
	    " campaign_id = (SELECT max(id) FROM insp_campaigns)"), 100);
	/* A campaign opened now takes the checklist as it stands. */
	snprintf(body, sizeof body, "{\"name\":\"冻结测试二\",\"starts_on\":\"2026-01-05\","
	    "\"ends_on\":\"2026-12-20\",\"checklist_id\":%lld,\"scope\":\"township\","
	    "\"township_id\":%lld}", (long long)cl, (long long)town_a);
	j = call(&office, "POST", "/api/v1/inspections", body, 201);
	int64_t c2 = json_integer_value(json_object_get(json_object_get(j, "campaign"), "id"));
	json_decref(j);
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/open", (long long)c2);
	json_decref(call(&office, "POST", p, "{}", 200));
	snprintf(p, sizeof p, "/api/v1/inspections/%lld", (long long)c2);
	j = call(&office, "GET", p, NULL, 200);
	text = json_dumps(j, 0);
	assert_non_null(strstr(text, "改过的条目"));
	assert_non_null(strstr(text, "新增的条目"));
	assert_null(strstr(text, "明确防治学生欺凌工作办公室及联系人"));
	/* The township's two schools, not the other township's. */
	assert_int_equal(json_array_size(json_object_get(j, "schools")), 2);
	free(text);
	json_decref(j);
	/* Both campaigns closed, so later tests see only their own. */
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/close", (long long)c2);
	json_decref(call(&office, "POST", p, "{}", 200));
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/close", (long long)c);
	json_decref(call(&office, "POST", p, "{}", 200));
	/* A closed campaign's sheets cannot change. */
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/schools/%lld", (long long)c,
	    (long long)a1);
	j = call(&inspector, "POST", p, "{\"summary\":\"晚了\"}", 409);
	assert_string_equal(err_code(j), "inspect_sheet_locked");
	json_decref(j);
}

/* A score over the maximum (or below zero) is refused, clearly, and
 * changes nothing. */
static void
test_score_refused(void **state)
{
	(void)state;
	char schools[64];
	snprintf(schools, sizeof schools, "[%lld]", (long long)a1);
	int64_t c = campaign("评分测试", schools);
	int64_t ids[128];
	int max[128], ev[128], part[128];
	size_t n = items_of(c, ids, max, ev, part, 128);
	assert_true(n > 0);
	char p[160], body[64];
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/schools/%lld/items/%lld", (long long)c,
	    (long long)a1, (long long)ids[0]);
	snprintf(body, sizeof body, "{\"score\":%d}", max[0] + 1);
	int64_t before = fx_int("SELECT count(*) FROM insp_scores");
	int64_t audit = fx_int("SELECT count(*) FROM audit_log");
	json_t *j = call(&inspector, "POST", p, body, 400);
	assert_string_equal(err_code(j), "inspect_score_over_max");
	assert_non_null(strstr(err_msg(j), "满分"));
	json_decref(j);
	j = call(&inspector, "POST", p, "{\"score\":-1}", 400);
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM insp_scores"), before);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log"), audit);
	/* The full score is taken, and saved as a draft. */
	snprintf(body, sizeof body, "{\"score\":%d}", max[0]);
	j = call(&inspector, "POST", p, body, 200);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "inspection"),
	    "state")), "draft");
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM insp_scores"), before + 1);
	/* An item of another campaign is not this sheet's. */
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/schools/%lld/items/%lld", (long long)c,
	    (long long)a1, (long long)999999);
	json_decref(call(&inspector, "POST", p, "{\"score\":1}", 404));
	/* A school not in the campaign. */
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/schools/%lld/items/%lld", (long long)c,
	    (long long)b1, (long long)ids[0]);
	json_decref(call(&inspector, "POST", p, "{\"score\":1}", 404));
	/* The school never scores itself. */
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/schools/%lld/items/%lld", (long long)c,
	    (long long)a1, (long long)ids[0]);
	json_decref(call(&prin_a1, "POST", p, "{\"score\":1}", 404));
	/* The draft's scores are not shown to the school. */
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/schools/%lld", (long long)c, (long long)a1);
	j = call(&prin_a1, "GET", p, NULL, 200);
	json_t *it = json_array_get(json_object_get(json_array_get(json_object_get(j, "parts"), 0),
	    "items"), 0);
	assert_true(json_is_null(json_object_get(it, "score")));
	json_decref(j);
	j = call(&inspector, "GET", p, NULL, 200);
	it = json_array_get(json_object_get(json_array_get(json_object_get(j, "parts"), 0),
	    "items"), 0);
	assert_int_equal(json_integer_value(json_object_get(it, "score")), max[0]);
	json_decref(j);
	/* Submitting an incomplete sheet names what is missing. */
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/schools/%lld/submit", (long long)c,
	    (long long)a1);
	j = call(&inspector, "POST", p, "{}", 400);
	assert_string_equal(err_code(j), "inspect_unscored");
	json_decref(j);
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/close", (long long)c);
	json_decref(call(&office, "POST", p, "{}", 200));
}

/* Items below full score and findings written out become tasks; the
 * school answers; the inspector re-checks. */
static void
test_findings_and_rectification(void **state)
{
	(void)state;
	char schools[64];
	snprintf(schools, sizeof schools, "[%lld]", (long long)a2);
	int64_t c = campaign("整改测试", schools);
	int64_t ids[128];
	int max[128], ev[128], part[128];
	size_t n = items_of(c, ids, max, ev, part, 128);
	/* Evidence is required: without it the sheet cannot be submitted. */
	size_t evk = 0;
	while (evk < n && !ev[evk])
		evk++;
	assert_true(evk < n);
	for (size_t k = 0; k < n; k++)
		assert_int_equal(score(c, a2, ids[k], k == 2 ? max[k] - 2 : max[k], 0), 200);
	char p[160], day[11], body[256];
	day_off(-2, day);
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/schools/%lld", (long long)c, (long long)a2);
	snprintf(body, sizeof body, "{\"visited_on\":\"%s\"}", day);
	json_decref(call(&inspector, "POST", p, body, 200));
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/schools/%lld/submit", (long long)c,
	    (long long)a2);
	json_t *j = call(&inspector, "POST", p, "{}", 400);
	assert_string_equal(err_code(j), "inspect_evidence_missing");
	json_decref(j);
	/* A file of another type is refused; a PDF is taken. */
	char mp[512];
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/schools/%lld/items/%lld", (long long)c,
	    (long long)a2, (long long)ids[evk]);
	snprintf(mp, sizeof mp, "--xaB\r\nContent-Disposition: form-data; name=\"score\"\r\n\r\n1\r\n"
	    "--xaB\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.exe\"\r\n"
	    "Content-Type: application/pdf\r\n\r\nMZjunk\r\n--xaB--\r\n");
	struct resp r;
	assert_int_equal(fx_req_ctype(&S, &inspector, "POST", p, "multipart/form-data; boundary=xaB",
	    mp, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "inspect_file_type"));
	resp_free(&r);
	for (size_t k = 0; k < n; k++)
		if (ev[k])
			assert_int_equal(score(c, a2, ids[k], k == 2 ? max[k] - 2 : max[k], 1), 200);
	assert_int_equal(fx_int("SELECT count(*) FROM insp_evidence WHERE mime ="
	    " 'application/pdf'") > 0, 1);
	/* A finding written out before the submission. */
	char due[11];
	day_off(15, due);
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/schools/%lld/findings", (long long)c,
	    (long long)a2);
	snprintf(body, sizeof body, "{\"finding\":\"楼梯拐角无监控\",\"requirement\":\"加装摄像头\","
	    "\"due_on\":\"%s\"}", due);
	j = call(&inspector, "POST", p, body, 201);
	int64_t found = json_integer_value(json_object_get(json_object_get(j, "task"), "id"));
	json_decref(j);
	/* A deadline in the past is refused. */
	day_off(-1, day);
	snprintf(body, sizeof body, "{\"finding\":\"过期\",\"due_on\":\"%s\"}", day);
	j = call(&inspector, "POST", p, body, 400);
	assert_string_equal(err_code(j), "inspect_due_past");
	json_decref(j);
	/* Submitted: item 3 was two points short, so one task more. */
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/schools/%lld/submit", (long long)c,
	    (long long)a2);
	j = call(&inspector, "POST", p, "{}", 200);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "inspection"),
	    "tasks")), 1);
	json_decref(j);
	json_decref(call(&inspector, "POST", p, "{}", 409));
	int64_t short_task = fx_int("SELECT id FROM insp_tasks WHERE item_id IS NOT NULL"
	    " AND campaign_id = (SELECT max(id) FROM insp_campaigns)");
	assert_true(short_task > 0);
	/* Its deadline: the campaign's 20 days from today. */
	char want[11];
	day_off(20, want);
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM insp_tasks WHERE id = %lld AND due_on = '%s'",
	    (long long)short_task, want);
	assert_int_equal(fx_int(sql), 1);
	/* The school sees both tasks; another school sees none of them. */
	j = call(&prin_a2, "GET", "/api/v1/inspections/tasks", NULL, 200);
	assert_non_null(row_of(json_object_get(j, "tasks"), "id", found));
	assert_non_null(row_of(json_object_get(j, "tasks"), "id", short_task));
	json_decref(j);
	j = call(&prin_b, "GET", "/api/v1/inspections/tasks", NULL, 200);
	assert_null(row_of(json_object_get(j, "tasks"), "id", found));
	json_decref(j);
	/* Re-check before the answer: refused. */
	snprintf(p, sizeof p, "/api/v1/inspections/tasks/%lld/recheck", (long long)found);
	j = call(&inspector, "POST", p, "{\"result\":\"passed\"}", 409);
	assert_string_equal(err_code(j), "inspect_task_not_answered");
	json_decref(j);
	/* The school answers, with a file. */
	snprintf(p, sizeof p, "/api/v1/inspections/tasks/%lld/answer", (long long)found);
	snprintf(mp, sizeof mp, "--xaB\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n"
	    "已加装摄像头两处\r\n--xaB\r\nContent-Disposition: form-data; name=\"files\";"
	    " filename=\"验收单.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%s\r\n--xaB--\r\n", pdf);
	assert_int_equal(fx_req_ctype(&S, &prin_a2, "POST", p, "multipart/form-data; boundary=xaB",
	    mp, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	/* Not again while the inspector has it; not by the inspector; not by
	 * another school. */
	json_decref(call(&prin_a2, "POST", p, "{\"text\":\"再次报告\"}", 409));
	json_decref(call(&inspector, "POST", p, "{\"text\":\"代报\"}", 404));
	same_as_missing(&prin_b, "POST", p, "/api/v1/inspections/tasks/999999/answer",
	    "{\"text\":\"越权\"}");
	/* Not passed: a new deadline is required. */
	snprintf(p, sizeof p, "/api/v1/inspections/tasks/%lld/recheck", (long long)found);
	j = call(&inspector, "POST", p, "{\"result\":\"failed\",\"note\":\"只装了一处\"}", 400);
	assert_string_equal(err_code(j), "inspect_due_required");
	json_decref(j);
	json_decref(call(&prin_a2, "POST", p, "{\"result\":\"passed\"}", 404));
	char due2[11];
	day_off(30, due2);
	snprintf(body, sizeof body, "{\"result\":\"failed\",\"note\":\"只装了一处\",\"due_on\":\"%s\"}",
	    due2);
	j = call(&inspector, "POST", p, body, 200);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "task"), "state")),
	    "open");
	json_decref(j);
	snprintf(p, sizeof p, "/api/v1/inspections/tasks/%lld", (long long)found);
	j = call(&prin_a2, "GET", p, NULL, 200);
	json_t *t = json_object_get(j, "task");
	assert_string_equal(json_string_value(json_object_get(t, "due_on")), due2);
	assert_int_equal(json_integer_value(json_object_get(t, "round")), 2);
	json_t *evs = json_object_get(j, "events");
	assert_int_equal(json_array_size(evs), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(evs, 0), "kind")),
	    "answer");
	assert_int_equal(json_array_size(json_object_get(json_array_get(evs, 0), "evidence")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(evs, 1), "kind")),
	    "failed");
	/* The evidence opens for the school, not for another. */
	const char *href = json_string_value(json_object_get(json_array_get(json_object_get(
	    json_array_get(evs, 0), "evidence"), 0), "href"));
	char ehref[96];
	snprintf(ehref, sizeof ehref, "%s", href);
	json_decref(j);
	assert_int_equal(fx_req_cookie(&S, &prin_a2, "GET", ehref, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(memcmp(r.body, "%PDF-", 5), 0);
	resp_free(&r);
	assert_int_equal(fx_req_cookie(&S, &prin_b, "GET", ehref, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	/* Answered again, then passed: closed. */
	snprintf(p, sizeof p, "/api/v1/inspections/tasks/%lld/answer", (long long)found);
	json_decref(call(&prin_a2, "POST", p, "{\"text\":\"又加装一处，全部覆盖\"}", 200));
	snprintf(p, sizeof p, "/api/v1/inspections/tasks/%lld/recheck", (long long)found);
	json_decref(call(&inspector, "POST", p, "{\"result\":\"passed\",\"note\":\"已整改到位\"}",
	    200));
	snprintf(sql, sizeof sql, "SELECT count(*) FROM insp_tasks WHERE id = %lld AND state ="
	    " 'closed' AND closed_at IS NOT NULL", (long long)found);
	assert_int_equal(fx_int(sql), 1);
	snprintf(p, sizeof p, "/api/v1/inspections/tasks/%lld/answer", (long long)found);
	json_decref(call(&prin_a2, "POST", p, "{\"text\":\"已销号还报\"}", 409));
	/* Every step audited. */
	assert_true(fx_int("SELECT count(*) FROM audit_log WHERE action = 'inspect.answer'") >= 2);
	assert_true(fx_int("SELECT count(*) FROM audit_log WHERE action = 'inspect.recheck'") >= 2);
	assert_true(fx_int("SELECT count(*) FROM audit_log WHERE action = 'inspect.submit'") >= 1);
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/close", (long long)c);
	json_decref(call(&office, "POST", p, "{}", 200));
}

/* Results per school and township from known scores; overdue with a
 * fixed day (the store's functions) and with a deadline moved into the
 * past (over HTTP); a school sees only its own. */
static void
test_results_and_overdue(void **state)
{
	(void)state;
	char schools[96];
	snprintf(schools, sizeof schools, "[%lld,%lld,%lld]", (long long)a1, (long long)a2,
	    (long long)b1);
	int64_t c = campaign("结果测试", schools);
	/* A1 loses 10 points, A2 5, B1 nothing: 90, 95, 100. */
	static const int lose_a1[] = { 5, 5 };		/* items 1 and 2 (part 1) */
	static const int lose_a2[] = { 0, 0, 0, 0, 0, 5 };	/* item 6 (part 3) */
	assert_int_equal(fill_submit(c, a1, lose_a1, 2), 2);
	assert_int_equal(fill_submit(c, a2, lose_a2, 6), 1);
	assert_int_equal(fill_submit(c, b1, NULL, 0), 0);
	char p[96];
	snprintf(p, sizeof p, "/api/v1/inspections/%lld", (long long)c);
	json_t *j = call(&office, "GET", p, NULL, 200);
	json_t *rows = json_object_get(j, "schools");
	assert_int_equal(json_array_size(rows), 3);
	json_t *ra1 = row_of(rows, "unit_id", a1), *ra2 = row_of(rows, "unit_id", a2);
	json_t *rb1 = row_of(rows, "unit_id", b1);
	assert_int_equal(json_integer_value(json_object_get(ra1, "total")), 90);
	assert_int_equal(json_integer_value(json_object_get(ra1, "max_total")), 100);
	assert_int_equal(json_integer_value(json_object_get(ra2, "total")), 95);
	assert_int_equal(json_integer_value(json_object_get(rb1, "total")), 100);
	/* By part: A1 lost its 10 in part 1 (15 points), A2 its 5 in part 3. */
	json_t *pa1 = json_object_get(ra1, "parts"), *pa2 = json_object_get(ra2, "parts");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(pa1, 0), "score")), 5);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(pa1, 0), "max_score")),
	    15);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(pa1, 2), "score")), 20);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(pa2, 2), "score")), 15);
	assert_int_equal(json_integer_value(json_object_get(ra1, "open_tasks")), 2);
	assert_int_equal(json_integer_value(json_object_get(ra2, "open_tasks")), 1);
	/* Townships: A averages (90 + 95) / 2 = 92.5 over two schools. */
	json_t *tw = json_object_get(j, "townships");
	json_t *ta = row_of(tw, "id", town_a), *tb = row_of(tw, "id", town_b);
	assert_non_null(ta);
	assert_int_equal(json_integer_value(json_object_get(ta, "schools")), 2);
	assert_int_equal(json_integer_value(json_object_get(ta, "inspected")), 2);
	assert_string_equal(json_string_value(json_object_get(ta, "average_text")), "92.5");
	assert_int_equal(json_integer_value(json_object_get(ta, "open_tasks")), 3);
	assert_string_equal(json_string_value(json_object_get(tb, "average_text")), "100.0");
	assert_int_equal(json_integer_value(json_object_get(tb, "open_tasks")), 0);
	json_decref(j);

	/* Overdue with a fixed day: the tasks of A1 are due in 20 days. */
	xa_day today = day_of((int64_t)time(NULL), ZONE);
	char due[11];
	day_off(20, due);
	assert_false(insp_task_overdue("open", due, today + 20));
	assert_true(insp_task_overdue("open", due, today + 21));
	assert_false(insp_task_overdue("answered", due, today + 21));
	assert_false(insp_task_overdue("closed", due, today + 21));
	insp_result *res = NULL;
	insp_township *towns = NULL;
	size_t n = 0, nt = 0;
	assert_int_equal(insp_results(fx_conn(), c, today + 21, &res, &n, &towns, &nt), XA_OK);
	int over = 0;
	for (size_t i = 0; i < n; i++)
		over += res[i].overdue_tasks;
	assert_int_equal(over, 3);
	for (size_t i = 0; i < nt; i++)
		if (towns[i].id == town_a)
			assert_int_equal(towns[i].avg_tenths, 925);
	free(res);
	free(towns);
	assert_int_equal(insp_results(fx_conn(), c, today + 20, &res, &n, &towns, &nt), XA_OK);
	over = 0;
	for (size_t i = 0; i < n; i++)
		over += res[i].overdue_tasks;
	assert_int_equal(over, 0);
	free(res);
	free(towns);

	/* Over HTTP: one of A1's deadlines moved into the past. */
	char sql[256], past[11];
	day_off(-3, past);
	snprintf(sql, sizeof sql, "UPDATE insp_tasks SET due_on = '%s' WHERE id = (SELECT min(id)"
	    " FROM insp_tasks WHERE unit_id = %lld AND campaign_id = %lld)", past, (long long)a1,
	    (long long)c);
	assert_int_equal(fx_sql(sql), 0);
	snprintf(p, sizeof p, "/api/v1/inspections/tasks?campaign=%lld&overdue=1", (long long)c);
	j = call(&office, "GET", p, NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "tasks")), 1);
	json_t *t0 = json_array_get(json_object_get(j, "tasks"), 0);
	assert_true(json_is_true(json_object_get(t0, "overdue")));
	assert_int_equal(json_integer_value(json_object_get(t0, "overdue_days")), 3);
	assert_int_equal(json_integer_value(json_object_get(j, "overdue")), 1);
	json_decref(j);

	/* A school: its own row only, no townships; another's sheet, tasks
	 * and results answer like missing ones. */
	j = call(&prin_a1, "GET", p, NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "tasks")), 1);
	json_decref(j);
	snprintf(p, sizeof p, "/api/v1/inspections/%lld", (long long)c);
	j = call(&prin_a1, "GET", p, NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "schools")), 1);
	assert_non_null(row_of(json_object_get(j, "schools"), "unit_id", a1));
	assert_int_equal(json_array_size(json_object_get(j, "townships")), 0);
	char *text = json_dumps(j, 0);
	assert_null(strstr(text, "乙镇一小"));
	assert_null(strstr(text, "甲镇二小"));
	free(text);
	json_decref(j);
	j = call(&prin_b, "GET", "/api/v1/inspections/tasks", NULL, 200);
	text = json_dumps(j, 0);
	assert_null(strstr(text, "甲镇"));
	free(text);
	json_decref(j);
	char pa[128], pm[128];
	snprintf(pa, sizeof pa, "/api/v1/inspections/%lld/schools/%lld", (long long)c, (long long)b1);
	snprintf(pm, sizeof pm, "/api/v1/inspections/%lld/schools/999999", (long long)c);
	same_as_missing(&prin_a1, "GET", pa, pm, NULL);
	snprintf(pa, sizeof pa, "/api/v1/inspections/schools/%lld", (long long)b1);
	same_as_missing(&prin_a1, "GET", pa, "/api/v1/inspections/schools/999999", NULL);
	int64_t tb1 = fx_int("SELECT max(id) FROM insp_tasks");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM insp_tasks WHERE id = %lld AND unit_id = %lld",
	    (long long)tb1, (long long)a2);
	assert_int_equal(fx_int(sql), 1);
	snprintf(pa, sizeof pa, "/api/v1/inspections/tasks/%lld", (long long)tb1);
	same_as_missing(&prin_a1, "GET", pa, "/api/v1/inspections/tasks/999999", NULL);
	snprintf(pa, sizeof pa, "/api/v1/inspections/schools/%lld", (long long)a1);
	same_as_missing(&teach_a1, "GET", pa, "/api/v1/inspections/schools/999999", NULL);
	/* Its own: results and tasks. */
	snprintf(pa, sizeof pa, "/api/v1/inspections/schools/%lld", (long long)a1);
	j = call(&prin_a1, "GET", pa, NULL, 200);
	json_t *rr = row_of(json_object_get(j, "results"), "campaign_id", c);
	assert_non_null(rr);
	assert_int_equal(json_integer_value(json_object_get(rr, "total")), 90);
	assert_int_equal(json_array_size(json_object_get(j, "tasks")), 2);
	json_decref(j);
	/* A campaign not covering the school is not the school's to see. */
	snprintf(schools, sizeof schools, "[%lld]", (long long)b1);
	int64_t cb = campaign("只查乙镇", schools);
	snprintf(pa, sizeof pa, "/api/v1/inspections/%lld", (long long)cb);
	same_as_missing(&prin_a1, "GET", pa, "/api/v1/inspections/999999", NULL);
	j = call(&prin_a1, "GET", "/api/v1/inspections", NULL, 200);
	assert_null(row_of(json_object_get(j, "campaigns"), "id", cb));
	assert_non_null(row_of(json_object_get(j, "campaigns"), "id", c));
	json_decref(j);
	/* Nor a draft covering it, until it opens. */
	char dbody[256];
	snprintf(dbody, sizeof dbody, "{\"name\":\"草稿\",\"starts_on\":\"2026-01-05\","
	    "\"ends_on\":\"2026-12-20\",\"checklist_id\":1,\"scope\":\"list\","
	    "\"schools\":[%lld]}", (long long)a1);
	j = call(&office, "POST", "/api/v1/inspections", dbody, 201);
	int64_t cd = json_integer_value(json_object_get(json_object_get(j, "campaign"), "id"));
	json_decref(j);
	snprintf(pa, sizeof pa, "/api/v1/inspections/%lld", (long long)cd);
	same_as_missing(&prin_a1, "GET", pa, "/api/v1/inspections/999999", NULL);
	json_decref(call(&section, "GET", pa, NULL, 200));
	/* The bureau's section reads results but cannot fill a sheet. */
	snprintf(p, sizeof p, "/api/v1/inspections/%lld", (long long)c);
	json_decref(call(&section, "GET", p, NULL, 200));
	snprintf(pa, sizeof pa, "/api/v1/inspections/%lld/schools/%lld/findings", (long long)cb,
	    (long long)b1);
	json_decref(call(&section, "POST", pa, "{\"finding\":\"问题\",\"due_on\":\"2099-01-01\"}",
	    404));
	/* A teacher sees no inspection at all. */
	json_decref(call(&teach_a1, "GET", "/api/v1/inspections", NULL, 404));
}

/* Accountability: read and write permissions, checks, audit, and a
 * correction record. */
static void
test_accountability(void **state)
{
	(void)state;
	char body[1024], day[11], p[96];
	day_off(-1, day);
	snprintf(body, sizeof body, "{\"subject\":\"person\",\"person_name\":\"王建国\","
	    "\"person_post\":\"副校长\",\"unit_id\":%lld,\"reason\":\"late_return\","
	    "\"reference\":\"2026-03\",\"measure\":\"interview\",\"decided_by\":\"市教体局\","
	    "\"decided_on\":\"%s\",\"decision\":\"对分管副校长进行约谈。\"}", (long long)a1, day);
	/* The office reads but does not decide; a school neither. */
	json_decref(call(&office, "POST", "/api/v1/accountability", body, 404));
	json_decref(call(&prin_a1, "POST", "/api/v1/accountability", body, 404));
	json_decref(call(&inspector, "POST", "/api/v1/accountability", body, 404));
	assert_int_equal(fx_int("SELECT count(*) FROM accountability"), 0);
	json_t *j = call(&director, "POST", "/api/v1/accountability", body, 201);
	int64_t id = json_integer_value(json_object_get(json_object_get(j, "record"), "id"));
	json_decref(j);
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE action ="
	    " 'accountability.record' AND object_id = %lld", (long long)id);
	assert_int_equal(fx_int(sql), 1);
	j = call(&office, "GET", "/api/v1/accountability", NULL, 200);
	json_t *row = row_of(json_object_get(j, "records"), "id", id);
	assert_non_null(row);
	assert_string_equal(json_string_value(json_object_get(row, "measure_label")), "约谈");
	assert_non_null(strstr(json_string_value(json_object_get(row, "who")), "王建国"));
	json_decref(j);
	json_decref(call(&prin_a1, "GET", "/api/v1/accountability", NULL, 404));
	json_decref(call(&inspector, "GET", "/api/v1/accountability", NULL, 404));
	snprintf(p, sizeof p, "/api/v1/accountability/%lld", (long long)id);
	same_as_missing(&prin_a1, "GET", p, "/api/v1/accountability/999999", NULL);
	json_decref(call(&office, "GET", p, NULL, 200));
	/* Bad input: a person without a post, a malformed month, an unknown
	 * case, a decision dated tomorrow. Nothing recorded. */
	int64_t before = fx_int("SELECT count(*) FROM accountability");
	snprintf(body, sizeof body, "{\"subject\":\"person\",\"person_name\":\"王建国\","
	    "\"unit_id\":%lld,\"reason\":\"late_return\",\"reference\":\"2026-03\","
	    "\"measure\":\"interview\",\"decided_by\":\"市教体局\",\"decided_on\":\"%s\","
	    "\"decision\":\"约谈。\"}", (long long)a1, day);
	j = call(&director, "POST", "/api/v1/accountability", body, 400);
	assert_string_equal(err_code(j), "inspect_acc_person");
	json_decref(j);
	snprintf(body, sizeof body, "{\"subject\":\"unit\",\"unit_id\":%lld,\"reason\":"
	    "\"late_return\",\"reference\":\"三月\",\"measure\":\"circular\",\"decided_by\":"
	    "\"市教体局\",\"decided_on\":\"%s\",\"decision\":\"通报批评。\"}", (long long)a1, day);
	json_decref(call(&director, "POST", "/api/v1/accountability", body, 400));
	snprintf(body, sizeof body, "{\"subject\":\"unit\",\"unit_id\":%lld,\"reason\":\"case\","
	    "\"ref_id\":999999,\"measure\":\"circular\",\"decided_by\":\"市教体局\","
	    "\"decided_on\":\"%s\",\"decision\":\"通报批评。\"}", (long long)a1, day);
	j = call(&director, "POST", "/api/v1/accountability", body, 400);
	assert_string_equal(err_code(j), "inspect_acc_ref_unknown");
	json_decref(j);
	char tomorrow[11];
	day_off(1, tomorrow);
	snprintf(body, sizeof body, "{\"subject\":\"unit\",\"unit_id\":%lld,\"reason\":\"other\","
	    "\"reference\":\"台账缺失\",\"measure\":\"circular\",\"decided_by\":\"市教体局\","
	    "\"decided_on\":\"%s\",\"decision\":\"通报批评。\"}", (long long)a1, tomorrow);
	json_decref(call(&director, "POST", "/api/v1/accountability", body, 400));
	assert_int_equal(fx_int("SELECT count(*) FROM accountability"), before);
	/* For an inspection: its number must exist. */
	int64_t insp = fx_int("SELECT max(id) FROM insp_inspections WHERE state = 'submitted'");
	snprintf(body, sizeof body, "{\"subject\":\"unit\",\"unit_id\":%lld,\"reason\":"
	    "\"inspection\",\"ref_id\":%lld,\"measure\":\"circular\",\"decided_by\":\"市教体局督导室\","
	    "\"decided_on\":\"%s\",\"decision\":\"督导发现问题较多，予以通报批评。\"}",
	    (long long)a1, (long long)insp, day);
	j = call(&director, "POST", "/api/v1/accountability", body, 201);
	json_decref(j);
	/* The correction: a new record naming the first; the first stays,
	 * marked; a second correction of the first is refused. */
	snprintf(body, sizeof body, "{\"subject\":\"person\",\"person_name\":\"王建国\","
	    "\"person_post\":\"副校长（分管安全）\",\"unit_id\":%lld,\"reason\":\"late_return\","
	    "\"reference\":\"2026-03\",\"measure\":\"circular\",\"decided_by\":\"市教体局\","
	    "\"decided_on\":\"%s\",\"decision\":\"更正：问责方式为通报批评。\",\"corrects\":%lld}",
	    (long long)a1, day, (long long)id);
	json_decref(call(&office, "POST", "/api/v1/accountability", body, 404));
	j = call(&director, "POST", "/api/v1/accountability", body, 201);
	int64_t cid = json_integer_value(json_object_get(json_object_get(j, "record"), "id"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "record"),
	    "corrects")), id);
	json_decref(j);
	j = call(&director, "POST", "/api/v1/accountability", body, 409);
	assert_string_equal(err_code(j), "inspect_acc_corrected");
	json_decref(j);
	j = call(&office, "GET", p, NULL, 200);
	json_t *rec = json_object_get(j, "record");
	assert_int_equal(json_integer_value(json_object_get(rec, "corrected_by")), cid);
	assert_string_equal(json_string_value(json_object_get(rec, "measure")), "interview");
	assert_string_equal(json_string_value(json_object_get(rec, "decision")), "对分管副校长进行约谈。");
	json_decref(j);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM accountability WHERE id = %lld AND"
	    " corrects = %lld", (long long)cid, (long long)id);
	assert_int_equal(fx_int(sql), 1);
}

/* The pages: rendered for the bureau and the school, and a page form. */
static void
test_pages(void **state)
{
	(void)state;
	struct resp r;
	int64_t c = fx_int("SELECT max(id) FROM insp_campaigns WHERE name = '结果测试'");
	int64_t t = fx_int("SELECT min(id) FROM insp_tasks");
	int64_t acc = fx_int("SELECT min(id) FROM accountability");
	char paths[10][96];
	snprintf(paths[0], 96, "/inspections");
	snprintf(paths[1], 96, "/inspections/%lld", (long long)c);
	snprintf(paths[2], 96, "/inspections/%lld/schools/%lld", (long long)c, (long long)a1);
	snprintf(paths[3], 96, "/inspections/tasks");
	snprintf(paths[4], 96, "/inspections/tasks/%lld", (long long)t);
	snprintf(paths[5], 96, "/inspections/checklists");
	snprintf(paths[6], 96, "/inspections/checklists/1");
	snprintf(paths[7], 96, "/inspections/schools/%lld", (long long)a1);
	snprintf(paths[8], 96, "/accountability");
	snprintf(paths[9], 96, "/accountability/%lld", (long long)acc);
	for (int i = 0; i < 10; i++) {
		const struct session *as = i >= 8 ? &director : &inspector;
		assert_int_equal(fx_req_cookie(&S, as, "GET", paths[i], NULL, NULL, 0, &r), 0);
		if (r.status != 200)
			fail_msg("%s: %ld", paths[i], r.status);
		resp_free(&r);
	}
	assert_int_equal(fx_req_cookie(&S, &inspector, "GET", paths[1], NULL, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, "各乡镇情况"));
	assert_non_null(strstr(r.body, "92.5"));
	resp_free(&r);
	assert_int_equal(fx_req_cookie(&S, &director, "GET", "/accountability", NULL, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, "不得填写任何学生的姓名"));
	resp_free(&r);
	/* The school's page of its own results; its sheet, read only. */
	assert_int_equal(fx_req_cookie(&S, &prin_a1, "GET", paths[7], NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "甲镇一小"));
	resp_free(&r);
	assert_int_equal(fx_req_cookie(&S, &prin_a1, "GET", paths[2], NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "name=\"score\""));
	resp_free(&r);
	/* A page form: a new checklist, then 303. */
	char form[256];
	snprintf(form, sizeof form, "name=%%E9%%A1%%B5%%E9%%9D%%A2%%E8%%A1%%A8&copy_from=1&_csrf=%s",
	    office.csrf);
	assert_int_equal(fx_req_cookie(&S, &office, "POST", "/inspections/checklists",
	    "application/x-www-form-urlencoded", form, 1, &r), 0);
	assert_int_equal(r.status, 303);
	resp_free(&r);
	assert_int_equal(fx_int("SELECT count(*) FROM insp_checklists WHERE name = '页面表'"), 1);
}

/* n copies of the three-byte character c, in a malloc'd string. */
static char *
repeat_cjk(const char *c, size_t n)
{
	char *s = malloc(n * 3 + 1);
	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * 3, c, 3);
	s[n * 3] = '\0';
	return s;
}

/* Long Chinese text end to end: a school and its township named with 60
 * characters, a checklist and a campaign with 100 (the forms' limits), a
 * finding and a requirement of 1,500. Each is 3 bytes a character, more
 * than the fixed buffers once held: every page and list answers, whole,
 * and the school is in every list. */
static void
test_long_texts(void **state)
{
	(void)state;
	char *sname = repeat_cjk("校", 60), *tname = repeat_cjk("镇", 60);
	char *cname = repeat_cjk("督", 100), *lname = repeat_cjk("表", 100);
	char *finding = repeat_cjk("查", 1500), *req = repeat_cjk("改", 1500);
	int64_t town = fx_unit(1, "township", tname, NULL);
	int64_t sch = fx_unit(town, "school", sname, "primary");
	assert_true(town > 0 && sch > 0);
	char *q = NULL;
	size_t qn = 8192;
	assert_non_null(q = malloc(qn));
	snprintf(q, qn, "UPDATE units SET township_id = %lld WHERE id = %lld", (long long)town,
	    (long long)sch);
	assert_int_equal(fx_sql(q), 0);
	struct session prin;
	assert_true(fx_account(sch, "prin-long", PW, ROLE_BIT(ROLE_PRINCIPAL)) > 0);
	assert_int_equal(fx_signin(&S, "prin-long", PW, &prin), 0);
	/* The checklist (a copy of the default) and the campaign. */
	snprintf(q, qn, "{\"name\":\"%s\",\"copy_from\":1}", lname);
	json_decref(call(&office, "POST", "/api/v1/inspections/checklists", q, 201));
	int64_t cl = fx_int("SELECT max(id) FROM insp_checklists");
	snprintf(q, qn, "{\"name\":\"%s\",\"starts_on\":\"2026-01-05\",\"ends_on\":\"2026-12-20\","
	    "\"checklist_id\":%lld,\"scope\":\"list\",\"schools\":[%lld],\"inspectors\":[%lld]}",
	    cname, (long long)cl, (long long)sch, (long long)insp_id);
	json_t *j = call(&office, "POST", "/api/v1/inspections", q, 201);
	int64_t c = json_integer_value(json_object_get(json_object_get(j, "campaign"), "id"));
	json_decref(j);
	char p[192];
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/open", (long long)c);
	json_decref(call(&inspector, "POST", p, "{}", 200));
	/* The finding, due in a fortnight. */
	char due[11];
	day_off(14, due);
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/schools/%lld/findings", (long long)c,
	    (long long)sch);
	free(q);
	qn = strlen(finding) + strlen(req) + 128;
	assert_non_null(q = malloc(qn));
	snprintf(q, qn, "{\"finding\":\"%s\",\"requirement\":\"%s\",\"due_on\":\"%s\"}", finding,
	    req, due);
	j = call(&inspector, "POST", p, q, 201);
	int64_t task = json_integer_value(json_object_get(json_object_get(j, "task"), "id"));
	json_decref(j);
	assert_true(task > 0);
	/* The task, whole, to the inspector and to the school. */
	snprintf(p, sizeof p, "/api/v1/inspections/tasks/%lld", (long long)task);
	for (int k = 0; k < 2; k++) {
		j = call(k ? &prin : &inspector, "GET", p, NULL, 200);
		json_t *t = json_object_get(j, "task");
		assert_string_equal(json_string_value(json_object_get(t, "finding")), finding);
		assert_string_equal(json_string_value(json_object_get(t, "requirement")), req);
		assert_string_equal(json_string_value(json_object_get(t, "school")), sname);
		assert_string_equal(json_string_value(json_object_get(t, "campaign")), cname);
		json_decref(j);
	}
	/* The campaign: its name, its checklist's, the school and its
	 * township in the results. */
	snprintf(p, sizeof p, "/api/v1/inspections/%lld", (long long)c);
	j = call(&office, "GET", p, NULL, 200);
	json_t *cj = json_object_get(j, "campaign");
	assert_string_equal(json_string_value(json_object_get(cj, "name")), cname);
	assert_string_equal(json_string_value(json_object_get(cj, "checklist")), lname);
	json_t *row = row_of(json_object_get(j, "schools"), "unit_id", sch);
	assert_non_null(row);
	assert_string_equal(json_string_value(json_object_get(row, "school")), sname);
	assert_string_equal(json_string_value(json_object_get(row, "township")), tname);
	row = row_of(json_object_get(j, "townships"), "id", town);
	assert_non_null(row);
	assert_string_equal(json_string_value(json_object_get(row, "name")), tname);
	json_decref(j);
	/* The lists hold them. */
	j = call(&office, "GET", "/api/v1/inspections", NULL, 200);
	row = row_of(json_object_get(j, "campaigns"), "id", c);
	assert_non_null(row);
	assert_string_equal(json_string_value(json_object_get(row, "name")), cname);
	json_decref(j);
	j = call(&prin, "GET", "/api/v1/inspections/tasks", NULL, 200);
	row = row_of(json_object_get(j, "tasks"), "id", task);
	assert_non_null(row);
	assert_string_equal(json_string_value(json_object_get(row, "finding")), finding);
	json_decref(j);
	snprintf(p, sizeof p, "/api/v1/inspections/checklists/%lld", (long long)cl);
	j = call(&office, "GET", p, NULL, 200);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "checklist"),
	    "name")), lname);
	json_decref(j);
	/* The pages. */
	char paths[6][96];
	snprintf(paths[0], 96, "/inspections/%lld", (long long)c);
	snprintf(paths[1], 96, "/inspections/%lld/schools/%lld", (long long)c, (long long)sch);
	snprintf(paths[2], 96, "/inspections/tasks/%lld", (long long)task);
	snprintf(paths[3], 96, "/inspections/schools/%lld", (long long)sch);
	snprintf(paths[4], 96, "/inspections/checklists/%lld", (long long)cl);
	snprintf(paths[5], 96, "/inspections");
	for (int i = 0; i < 6; i++) {
		struct resp r;
		assert_int_equal(fx_req_cookie(&S, &inspector, "GET", paths[i], NULL, NULL, 0, &r), 0);
		if (r.status != 200)
			fail_msg("%s: %ld", paths[i], r.status);
		assert_non_null(strstr(r.body, i == 4 ? lname : i == 5 ? cname : i == 2 ? finding :
		    sname));
		resp_free(&r);
	}
	free(q);
	free(sname);
	free(tname);
	free(cname);
	free(lname);
	free(finding);
	free(req);
}

/* A task's history shows every event, not the first 64. */
static void
test_task_history_whole(void **state)
{
	(void)state;
	int64_t task = fx_int("SELECT max(id) FROM insp_tasks");
	assert_true(task > 0);
	int64_t before = fx_int("SELECT count(*) FROM insp_task_events");
	char q[256];
	for (int i = 0; i < 80; i++) {
		snprintf(q, sizeof q, "INSERT INTO insp_task_events (task_id, kind, text, by_account,"
		    " at) VALUES (%lld, '%s', '第%d次', %lld, %lld)", (long long)task,
		    i % 2 ? "failed" : "answer", i + 1, (long long)insp_id,
		    (long long)time(NULL) - 1000 + i);
		assert_int_equal(fx_sql(q), 0);
	}
	snprintf(q, sizeof q, "SELECT count(*) FROM insp_task_events WHERE task_id = %lld",
	    (long long)task);
	int64_t want = fx_int(q);
	assert_true(want >= 80);
	char p[96];
	snprintf(p, sizeof p, "/api/v1/inspections/tasks/%lld", (long long)task);
	json_t *j = call(&inspector, "GET", p, NULL, 200);
	json_t *ev = json_object_get(j, "events");
	assert_int_equal(json_array_size(ev), want);
	/* Oldest first, the last one last. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(ev,
	    json_array_size(ev) - 1), "text")), "第80次");
	json_decref(j);
	snprintf(q, sizeof q, "DELETE FROM insp_task_events WHERE id > (SELECT max(id) - 80"
	    " FROM insp_task_events)");
	assert_int_equal(fx_sql(q), 0);
	assert_int_equal(fx_int("SELECT count(*) FROM insp_task_events"), before);
}

/* Campaigns of another bureau are out of reach: answered as missing,
 * never listed, never opened or closed; and the sums of a campaign in
 * reach count only the schools in reach. */
static void
test_campaign_reach(void **state)
{
	(void)state;
	int64_t top2 = fx_unit(0, "bureau", "乙市教育局", NULL);
	assert_true(top2 > 0);
	int64_t off2 = fx_unit(top2, "office", "乙市防治办", NULL);
	int64_t sch2 = fx_unit(top2, "school", "乙市一小", "primary");
	assert_true(off2 > 0 && sch2 > 0);
	struct session office2, insp2;
	int64_t insp2_id = fx_account(off2, "insp-2", PW, ROLE_BIT(ROLE_INSPECTOR));
	assert_true(fx_account(off2, "office-2", PW, ROLE_BIT(ROLE_OFFICE_STAFF) |
	    ROLE_BIT(ROLE_OFFICE_DIRECTOR)) > 0 && insp2_id > 0);
	assert_int_equal(fx_signin(&S, "office-2", PW, &office2), 0);
	assert_int_equal(fx_signin(&S, "insp-2", PW, &insp2), 0);
	/* Bureau 1's campaign over a1, a draft: bureau 2 cannot reach it. */
	char body[512];
	snprintf(body, sizeof body, "{\"name\":\"一局督导\",\"starts_on\":\"2026-01-05\","
	    "\"ends_on\":\"2026-12-20\",\"checklist_id\":1,\"scope\":\"list\",\"schools\":[%lld],"
	    "\"inspectors\":[%lld]}", (long long)a1, (long long)insp_id);
	json_t *j = call(&office, "POST", "/api/v1/inspections", body, 201);
	int64_t c1 = json_integer_value(json_object_get(json_object_get(j, "campaign"), "id"));
	json_decref(j);
	char p[128], miss[128];
	snprintf(p, sizeof p, "/api/v1/inspections/%lld", (long long)c1);
	snprintf(miss, sizeof miss, "/api/v1/inspections/%lld", (long long)c1 + 1000);
	same_as_missing(&office2, "GET", p, miss, NULL);
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/open", (long long)c1);
	snprintf(miss, sizeof miss, "/api/v1/inspections/%lld/open", (long long)c1 + 1000);
	same_as_missing(&office2, "POST", p, miss, "{}");
	same_as_missing(&insp2, "POST", p, miss, "{}");
	char q[256];
	snprintf(q, sizeof q, "SELECT count(*) FROM insp_campaigns WHERE id = %lld AND state ="
	    " 'draft'", (long long)c1);
	assert_int_equal(fx_int(q), 1);
	json_decref(call(&inspector, "POST", p, "{}", 200));
	snprintf(p, sizeof p, "/api/v1/inspections/%lld/close", (long long)c1);
	snprintf(miss, sizeof miss, "/api/v1/inspections/%lld/close", (long long)c1 + 1000);
	same_as_missing(&insp2, "POST", p, miss, "{}");
	snprintf(q, sizeof q, "SELECT count(*) FROM insp_campaigns WHERE id = %lld AND state ="
	    " 'open'", (long long)c1);
	assert_int_equal(fx_int(q), 1);
	j = call(&office2, "GET", "/api/v1/inspections", NULL, 200);
	assert_null(row_of(json_object_get(j, "campaigns"), "id", c1));
	json_decref(j);
	/* Bureau 2's own campaign: bureau 1 cannot reach it either. */
	snprintf(body, sizeof body, "{\"name\":\"二局督导\",\"starts_on\":\"2026-01-05\","
	    "\"ends_on\":\"2026-12-20\",\"checklist_id\":1,\"scope\":\"list\",\"schools\":[%lld],"
	    "\"inspectors\":[%lld]}", (long long)sch2, (long long)insp2_id);
	j = call(&office2, "POST", "/api/v1/inspections", body, 201);
	int64_t c2 = json_integer_value(json_object_get(json_object_get(j, "campaign"), "id"));
	json_decref(j);
	j = call(&office2, "GET", "/api/v1/inspections", NULL, 200);
	assert_non_null(row_of(json_object_get(j, "campaigns"), "id", c2));
	json_decref(j);
	j = call(&office, "GET", "/api/v1/inspections", NULL, 200);
	assert_null(row_of(json_object_get(j, "campaigns"), "id", c2));
	assert_non_null(row_of(json_object_get(j, "campaigns"), "id", c1));
	json_decref(j);
	snprintf(p, sizeof p, "/api/v1/inspections/%lld", (long long)c2);
	snprintf(miss, sizeof miss, "/api/v1/inspections/%lld", (long long)c2 + 1000);
	same_as_missing(&office, "GET", p, miss, NULL);
	/* A school of bureau 2 slipped into bureau 1's campaign (behind the
	 * program's back), inspected with a total: not in bureau 1's rows,
	 * nor in its townships' sums (it would be a row of its own, the
	 * schools directly under a bureau). */
	snprintf(q, sizeof q, "INSERT INTO insp_campaign_schools (campaign_id, unit_id) VALUES"
	    " (%lld, %lld)", (long long)c1, (long long)sch2);
	assert_int_equal(fx_sql(q), 0);
	snprintf(q, sizeof q, "INSERT INTO insp_inspections (campaign_id, unit_id, state, total,"
	    " max_total, created_by, created_at, updated_by, updated_at) VALUES (%lld, %lld,"
	    " 'submitted', 40, 100, 0, 0, 0, 0)", (long long)c1, (long long)sch2);
	assert_int_equal(fx_sql(q), 0);
	snprintf(p, sizeof p, "/api/v1/inspections/%lld", (long long)c1);
	j = call(&office, "GET", p, NULL, 200);
	assert_null(row_of(json_object_get(j, "schools"), "unit_id", sch2));
	json_t *towns = json_object_get(j, "townships");
	size_t i;
	json_t *t;
	long sum = 0;
	json_array_foreach(towns, i, t) {
		assert_int_not_equal(json_integer_value(json_object_get(t, "id")), 0);
		assert_int_equal(json_integer_value(json_object_get(t, "inspected")), 0);
		sum += (long)json_integer_value(json_object_get(t, "schools"));
	}
	assert_int_equal(sum, json_array_size(json_object_get(j, "schools")));
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_checklist),
		cmocka_unit_test(test_checklist_edit_keeps_open_campaign),
		cmocka_unit_test(test_score_refused),
		cmocka_unit_test(test_findings_and_rectification),
		cmocka_unit_test(test_results_and_overdue),
		cmocka_unit_test(test_accountability),
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_long_texts),
		cmocka_unit_test(test_task_history_whole),
		cmocka_unit_test(test_campaign_reach),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
