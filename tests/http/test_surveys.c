/* test_surveys.c: the all-student survey, collection side, over HTTP
 * (src/prevention/survey_http.c): a school and the office open campaigns
 * (slips made from head counts, one open campaign per school and
 * semester); the slips' codes only for the school's own people (another
 * school: 404), the PDF with the codes in it; a student answers once (JSON
 * and the form), a used, made-up or malformed code is refused with the
 * same answer, answers a skip rule hides are dropped, the counts follow;
 * the request for help becomes a sealed report in the school's queue with
 * nothing that ties it to the answer; closing deletes the slips; failed
 * codes are limited per address.
 *
 * One server for the whole file; tests run in order. */
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

#include "auth/auth.h"
#include "fixture.h"
#include "harness.h"

#define PW "Fixture-Pass-123"
#define HELP_NAME "Zq7HelpNameMarker"

static struct srv S;
static struct session principal_a, head_a, teacher_a, principal_b, office;
static int64_t school_a, school_b, office_unit, class_a4, class_a8, class_b3;
static int64_t camp_a, camp_b;
static char codes[8][32];	/* class_a4's codes, as shown */
static size_t ncodes;

static int64_t
q(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int64_t
q(const char *fmt, ...)
{
	char sql[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	return fx_int(sql);
}

/* A request as s expecting status want; the parsed body. */
static json_t *
call(const struct session *s, const char *method, const char *path, const char *json,
    long want)
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

/* An anonymous request; returns the status, the body in out (malloc'd). */
static long
anon(const char *method, const char *path, const char *ctype, const char *body,
    char **out)
{
	struct resp r;
	assert_int_equal(http_req(&S, method, path, ctype, body, body ? strlen(body) : 0,
	    NULL, &r), 0);
	long st = r.status;
	if (out != NULL)
		*out = strdup(r.body ? r.body : "");
	resp_free(&r);
	return st;
}

static long
answer_json(const char *code, const char *json, char **out)
{
	char path[96];
	snprintf(path, sizeof path, "/api/v1/public/surveys/%s", code);
	return anon("POST", path, "application/json", json, out);
}

static int64_t
count(int64_t camp, int64_t cls, const char *measure)
{
	return q("SELECT coalesce((SELECT n FROM survey_counts WHERE campaign_id = %lld AND"
	    " class_id = %lld AND measure = '%s'), 0)", (long long)camp, (long long)cls, measure);
}

static int
setup(void **state)
{
	memset(&S, 0, sizeof S);
	if (srv_start(&S, NULL) != 0 || fx_setup(&S) != 0)
		return -1;
	office_unit = fx_unit(1, "office", "教育局办公室", NULL);
	school_a = fx_unit(1, "school", "新郑市实验学校", "primary,junior");
	school_b = fx_unit(1, "school", "新郑市第二小学", "primary");
	if (office_unit < 0 || school_a < 0 || school_b < 0)
		return -1;
	char sql[256];
	snprintf(sql, sizeof sql, "INSERT INTO classes (unit_id, grade, name, boys, girls)"
	    " VALUES (%lld, 4, '四年级1班', 3, 3), (%lld, 8, '八年级2班', 2, 2),"
	    " (%lld, 3, '三年级1班', 2, 1)", (long long)school_a, (long long)school_a,
	    (long long)school_b);
	if (fx_sql(sql) != 0)
		return -1;
	class_a4 = q("SELECT id FROM classes WHERE grade = 4");
	class_a8 = q("SELECT id FROM classes WHERE grade = 8");
	class_b3 = q("SELECT id FROM classes WHERE grade = 3");
	if (fx_account(school_a, "principal_a", PW, ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(school_a, "head_a", PW, ROLE_BIT(ROLE_HEAD_TEACHER)) < 0 ||
	    fx_account(school_a, "teacher_a", PW, ROLE_BIT(ROLE_TEACHER)) < 0 ||
	    fx_account(school_b, "principal_b", PW, ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(office_unit, "office1", PW, ROLE_BIT(ROLE_OFFICE_STAFF)) < 0)
		return -1;
	return fx_signin(&S, "principal_a", PW, &principal_a) ||
	    fx_signin(&S, "head_a", PW, &head_a) ||
	    fx_signin(&S, "teacher_a", PW, &teacher_a) ||
	    fx_signin(&S, "principal_b", PW, &principal_b) ||
	    fx_signin(&S, "office1", PW, &office);
}

static int
teardown(void **state)
{
	fx_done();
	int rc = srv_stop(&S);
	srv_cleanup(&S);
	return rc;
}

/* A school opens one for itself (a slip per student), the office one for
 * school B; a second open one for A this semester is refused; so are a
 * bad semester and a teacher. Each sees what is theirs. */
static void
test_open(void **state)
{
	json_t *j = call(&principal_a, "POST", "/api/v1/surveys",
	    "{\"name\":\"本校问卷\",\"semester\":\"2025-2026-1\"}", 201);
	camp_a = json_integer_value(json_object_get(j, "id"));
	assert_int_equal(json_integer_value(json_object_get(j, "slips")), 10);
	json_decref(j);
	/* The slips to come: a class's are made when first asked for. */
	assert_int_equal(q("SELECT count(*) FROM survey_slips WHERE campaign_id = %lld",
	    (long long)camp_a), 0);
	assert_int_equal(q("SELECT boys + girls FROM survey_campaign_classes WHERE"
	    " campaign_id = %lld AND class_id = %lld", (long long)camp_a, (long long)class_a4), 6);
	char body[160];
	snprintf(body, sizeof body, "{\"name\":\"全市问卷\",\"semester\":\"2025-2026-1\","
	    "\"schools\":[%lld]}", (long long)school_b);
	j = call(&office, "POST", "/api/v1/surveys", body, 201);
	camp_b = json_integer_value(json_object_get(j, "id"));
	json_decref(j);
	assert_true(camp_b > camp_a);
	/* A again, this semester: refused, nothing made. */
	snprintf(body, sizeof body, "{\"name\":\"再来一次\",\"semester\":\"2025-2026-1\","
	    "\"schools\":[%lld]}", (long long)school_a);
	json_decref(call(&office, "POST", "/api/v1/surveys", body, 409));
	json_decref(call(&principal_a, "POST", "/api/v1/surveys",
	    "{\"name\":\"学期错\",\"semester\":\"2025-2027-1\"}", 400));
	json_decref(call(&teacher_a, "POST", "/api/v1/surveys",
	    "{\"name\":\"老师开\",\"semester\":\"2025-2026-2\"}", 404));
	assert_int_equal(q("SELECT count(*) FROM survey_campaigns"), 2);
	assert_int_equal(q("SELECT count(*) FROM audit_log WHERE action = 'survey.open'"), 2);
	/* B's principal sees the office's, not A's own. */
	j = call(&principal_b, "GET", "/api/v1/surveys", NULL, 200);
	json_t *list = json_object_get(j, "surveys");
	assert_int_equal(json_array_size(list), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "id")),
	    camp_b);
	json_decref(j);
	j = call(&office, "GET", "/api/v1/surveys", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "surveys")), 2);
	assert_int_equal(json_array_size(json_object_get(j, "classes")), 0);
	json_decref(j);
	/* A's head teacher: A's classes, with the ids ?class= takes. */
	j = call(&head_a, "GET", "/api/v1/surveys", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "classes")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    json_object_get(j, "classes"), 0), "id")), class_a4);
	json_decref(j);
	/* The page lists it with the class's PDF for the head teacher. */
	struct resp r;
	assert_int_equal(fx_req_cookie(&S, &head_a, "GET", "/surveys", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	/* A head teacher reads the school's results: the link is there. */
	char results[64];
	snprintf(results, sizeof results, "href=\"/surveys/%lld/results\"", (long long)camp_a);
	assert_non_null(strstr(r.body, results));
	char href[96];
	snprintf(href, sizeof href, "/surveys/%lld/slips.pdf?class&#61;%lld", (long long)camp_a,
	    (long long)class_a4);
	if (strstr(r.body, href) == NULL) {
		FILE *f = fopen("/tmp/sv/page.html", "w");
		if (f) { fputs(r.body, f); fclose(f); }
		fail_msg("no %s in the page", href);
	}
	resp_free(&r);
}

/* The codes of a class: for A's own people only; another school's
 * principal gets 404, like a class that does not exist. */
static void
test_slips(void **state)
{
	char path[128];
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/slips?class=%lld", (long long)camp_a,
	    (long long)class_a4);
	json_t *j = call(&head_a, "GET", path, NULL, 200);
	json_t *list = json_object_get(j, "codes");
	assert_int_equal(json_array_size(list), 6);
	ncodes = 0;
	size_t i;
	json_t *c;
	json_array_foreach(list, i, c) {
		const char *code = json_string_value(json_object_get(c, "code"));
		assert_non_null(code);
		assert_int_equal(strlen(code), 19);
		assert_int_equal(code[4], '-');
		assert_non_null(strstr(json_string_value(json_object_get(c, "url")), "/s/"));
		for (size_t k = 0; k < ncodes; k++)
			assert_string_not_equal(codes[k], code);
		snprintf(codes[ncodes++], sizeof codes[0], "%s", code);
		/* Stored only as a hash. */
		char plain[17];
		size_t p = 0;
		for (const char *x = code; *x; x++)
			if (*x != '-')
				plain[p++] = *x;
		plain[p] = '\0';
		assert_int_equal(q("SELECT count(*) FROM survey_slips WHERE secret LIKE '%%%s%%'",
		    plain), 0);
	}
	json_decref(j);
	json_decref(call(&principal_b, "GET", path, NULL, 404));
	json_decref(call(&office, "GET", path, NULL, 404));
	json_decref(call(&teacher_a, "GET", path, NULL, 404));
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/slips?class=%lld", (long long)camp_a,
	    (long long)class_b3);
	json_decref(call(&principal_b, "GET", path, NULL, 404));
	assert_true(q("SELECT count(*) FROM audit_log WHERE action = 'survey.slips'") >= 1);
	/* The same codes again (a lost PDF can be printed again). */
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/slips?class=%lld", (long long)camp_a,
	    (long long)class_a4);
	j = call(&principal_a, "GET", path, NULL, 200);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "codes"), 0), "code")), codes[0]);
	json_decref(j);
	/* Made once, the first time: asked again, the same six. */
	assert_int_equal(q("SELECT count(*) FROM survey_slips WHERE campaign_id = %lld AND"
	    " class_id = %lld", (long long)camp_a, (long long)class_a4), 6);
}

/* The PDF: a PDF, and pdftotext reads every code in it. */
static void
test_slips_pdf(void **state)
{
	char path[128];
	snprintf(path, sizeof path, "/surveys/%lld/slips.pdf?class=%lld", (long long)camp_a,
	    (long long)class_a4);
	struct resp r;
	assert_int_equal(fx_req_cookie(&S, &head_a, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_true(r.len > 1000);
	assert_memory_equal(r.body, "%PDF", 4);
	char file[] = "/tmp/xiaoan-slips-XXXXXX";
	int fd = mkstemp(file);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, r.body, r.len), (ssize_t)r.len);
	close(fd);
	resp_free(&r);
	char *out = NULL;
	char *const argv[] = { "pdftotext", "-enc", "UTF-8", file, "-", NULL };
	assert_int_equal(run_cmd(argv, &out), 0);
	unlink(file);
	assert_non_null(out);
	for (size_t i = 0; i < ncodes; i++)
		if (strstr(out, codes[i]) == NULL) {
			FILE *f = fopen("/tmp/sv/pdf.txt", "w");
			if (f) { fputs(out, f); fclose(f); }
			fail_msg("code %s not in the PDF", codes[i]);
		}
	assert_non_null(strstr(out, "答题卡"));
	free(out);
	/* Another school's principal: 404. */
	assert_int_equal(fx_req_cookie(&S, &principal_b, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
}

/* A student answers once; the code again, a made-up one and a malformed
 * one get the same refusal; the counts follow the answer. */
static void
test_answer_once(void **state)
{
	char *body = NULL;
	/* A required question missing: refused, the slip still good. */
	assert_int_equal(answer_json(codes[0], "{\"gender\":\"f\"}", &body), 400);
	assert_non_null(strstr(body, "survey_missing"));
	free(body);
	assert_int_equal(answer_json(codes[0], "{\"victim\":\"daily\",\"bully\":\"never\"}",
	    &body), 400);
	free(body);
	assert_int_equal(q("SELECT count(*) FROM survey_slips WHERE used_at <> 0"), 0);
	assert_int_equal(answer_json(codes[0], "{\"gender\":\"f\",\"victim\":\"weekly\","
	    "\"victim_forms\":[\"verbal\",\"online\"],\"victim_places\":[\"classroom\"],"
	    "\"told\":[\"parent\"],\"adult_helped\":\"tried\",\"bully\":\"never\"}", &body), 201);
	assert_non_null(strstr(body, "received"));
	free(body);
	assert_int_equal(count(camp_a, class_a4, "responses"), 1);
	assert_int_equal(count(camp_a, class_a4, "responses.f"), 1);
	assert_int_equal(count(camp_a, class_a4, "responses.m"), 0);
	assert_int_equal(count(camp_a, class_a4, "victim"), 1);
	assert_int_equal(count(camp_a, class_a4, "victim.f"), 1);
	assert_int_equal(count(camp_a, class_a4, "form.verbal"), 1);
	assert_int_equal(count(camp_a, class_a4, "form.online"), 1);
	assert_int_equal(count(camp_a, class_a4, "form.physical"), 0);
	assert_int_equal(count(camp_a, class_a4, "place.classroom"), 1);
	assert_int_equal(count(camp_a, class_a4, "told.parent"), 1);
	assert_int_equal(count(camp_a, class_a4, "adult_helped"), 1);
	assert_int_equal(count(camp_a, class_a4, "bully"), 0);
	assert_int_equal(q("SELECT unit_id FROM survey_counts WHERE campaign_id = %lld AND"
	    " measure = 'responses'", (long long)camp_a), school_a);
	/* The slip keeps the day only. */
	assert_int_equal(q("SELECT count(*) FROM survey_slips WHERE used_at <> 0 AND"
	    " used_at %% 86400 = 0"), 1);
	/* Once only; used, made-up and malformed read the same. */
	char *used = NULL, *made = NULL, *bad = NULL;
	const char *ans = "{\"victim\":\"never\",\"bully\":\"never\"}";
	assert_int_equal(answer_json(codes[0], ans, &used), 404);
	assert_int_equal(answer_json("ABCD-EFGH-JKMN-PQRS", ans, &made), 404);
	assert_int_equal(answer_json("nonsense", ans, &bad), 404);
	assert_string_equal(used, made);
	assert_string_equal(used, bad);
	assert_non_null(strstr(used, "这个编码已经用过或不存在"));
	free(used);
	free(made);
	free(bad);
	assert_int_equal(count(camp_a, class_a4, "responses"), 1);
	/* The page says the same for a used code. */
	char path[64];
	snprintf(path, sizeof path, "/s/%s", codes[0]);
	assert_int_equal(anon("GET", path, NULL, NULL, &body), 404);
	assert_non_null(strstr(body, "这个编码已经用过或不存在"));
	free(body);
}

/* The form, without JavaScript: the primary wording for grade 4; a skip
 * rule drops the hidden answers. */
static void
test_answer_form(void **state)
{
	char path[64], *body = NULL;
	snprintf(path, sizeof path, "/s/%s", codes[1]);
	assert_int_equal(anon("GET", path, NULL, NULL, &body), 200);
	assert_non_null(strstr(body, "有没有同学故意欺负你"));	/* primary */
	assert_non_null(strstr(body, "name=\"victim\""));
	assert_null(strstr(body, "<script"));
	free(body);
	assert_int_equal(anon("POST", path, "application/x-www-form-urlencoded",
	    "gender=m&victim=never&victim_forms=physical&bully=weekly&help=no", &body), 201);
	assert_non_null(strstr(body, "提交成功"));
	free(body);
	assert_int_equal(count(camp_a, class_a4, "responses"), 2);
	assert_int_equal(count(camp_a, class_a4, "responses.m"), 1);
	assert_int_equal(count(camp_a, class_a4, "form.physical"), 0);	/* hidden */
	assert_int_equal(count(camp_a, class_a4, "bully"), 1);
	assert_int_equal(count(camp_a, class_a4, "bully.m"), 1);
	assert_int_equal(count(camp_a, class_a4, "help_wanted"), 0);
	assert_int_equal(q("SELECT count(*) FROM survey_responses WHERE answers LIKE"
	    " '%%victim_forms%%'"), 1);
	/* The secondary wording for grade 8. */
	char p2[128];
	snprintf(p2, sizeof p2, "/api/v1/surveys/%lld/slips?class=%lld", (long long)camp_a,
	    (long long)class_a8);
	json_t *j = call(&principal_a, "GET", p2, NULL, 200);
	snprintf(path, sizeof path, "/s/%s", json_string_value(json_object_get(
	    json_array_get(json_object_get(j, "codes"), 0), "code")));
	json_decref(j);
	assert_int_equal(anon("GET", path, NULL, NULL, &body), 200);
	assert_non_null(strstr(body, "欺凌过"));
	assert_null(strstr(body, "有没有同学故意欺负你"));
	free(body);
	/* Typed on a Chinese keyboard (full-width, lower case): the same
	 * slip, and the form posts to the code as it is. */
	char plain[64], wide[256], action[96];
	size_t w = 0;
	snprintf(plain, sizeof plain, "%s", path + 3);
	w += (size_t)snprintf(wide, sizeof wide, "/s/");
	for (const char *c = plain; *c && w + 10 < sizeof wide; c++) {
		if (*c == '-')
			continue;
		unsigned cp = 0xFEE0u + (unsigned char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
		/* URL-encoded UTF-8 of the full-width form */
		w += (size_t)snprintf(wide + w, sizeof wide - w, "%%%02X%%%02X%%%02X",
		    0xE0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F));
	}
	assert_int_equal(anon("GET", wide, NULL, NULL, &body), 200);
	size_t k = 0;
	char norm[64];
	for (const char *c = plain; *c && k + 1 < sizeof norm; c++)
		if (*c != '-')
			norm[k++] = *c;
	norm[k] = '\0';
	snprintf(action, sizeof action, "action=\"/s/%s\"", norm);
	assert_non_null(strstr(body, action));
	free(body);
}

/* Asking for someone to talk to: a sealed report in school A's queue,
 * told to the school, and nothing that ties it to the answer. */
static void
test_help_request(void **state)
{
	int64_t reports = q("SELECT count(*) FROM reports");
	int64_t notices = q("SELECT count(*) FROM notices");
	char *body = NULL;
	long st = answer_json(codes[2], "{\"gender\":\"x\",\"victim\":\"several_weekly\","
	    "\"bully\":\"never\",\"help\":\"name\",\"help_name\":\"" HELP_NAME " 四年级1班\"}",
	    &body);
	if (st != 201)
		fail_msg("help: %ld %s", st, body);
	assert_non_null(strstr(body, "\"help\":\"sent\""));
	free(body);
	assert_int_equal(q("SELECT count(*) FROM reports"), reports + 1);
	assert_true(q("SELECT count(*) FROM notices") > notices);
	int64_t rep = q("SELECT max(id) FROM reports");
	assert_int_equal(q("SELECT queue_unit_id FROM reports WHERE id = %lld", (long long)rep),
	    school_a);
	assert_int_equal(q("SELECT count(*) FROM reports WHERE id = %lld AND channel = 'survey'"
	    " AND status = 'new' AND wkey IS NOT NULL AND receipt IS NULL", (long long)rep), 1);
	assert_int_equal(count(camp_a, class_a4, "help_wanted"), 1);
	/* No column ties them: the answers' table holds only these columns,
	 * the answer neither the help nor the name, the report no id or
	 * text of the survey in the clear. */
	assert_int_equal(q("SELECT count(*) FROM pragma_table_info('survey_responses')"), 6);
	assert_int_equal(q("SELECT count(*) FROM pragma_table_info('survey_responses') WHERE"
	    " name NOT IN ('id', 'campaign_id', 'unit_id', 'class_id', 'grade', 'answers')"), 0);
	assert_int_equal(q("SELECT count(*) FROM survey_responses WHERE answers LIKE '%%\"help%%'"
	    " OR answers LIKE '%%" HELP_NAME "%%'"), 0);
	assert_int_equal(q("SELECT count(*) FROM reports WHERE id = %lld AND (unit_id <> %lld"
	    " OR case_id IS NOT NULL OR body LIKE '%%" HELP_NAME "%%')", (long long)rep,
	    (long long)school_a), 0);
	assert_int_equal(q("SELECT count(*) FROM pragma_table_info('survey_slips') WHERE name"
	    " LIKE '%%report%%' OR name LIKE '%%response%%'"), 0);
	/* The school reads the name the pupil left (sealed at rest). */
	char rpath[64];
	snprintf(rpath, sizeof rpath, "/api/v1/reports/%lld", (long long)rep);
	json_t *rj = call(&principal_a, "GET", rpath, NULL, 200);
	json_t *content = json_object_get(rj, "content");
	char *rtext = json_dumps(content ? content : json_object_get(rj, "report"), 0);
	assert_non_null(rtext);
	if (strstr(rtext, HELP_NAME) == NULL)
		fail_msg("the report does not name the pupil: %s", rtext);
	free(rtext);
	json_decref(rj);
	/* Response ids are random, not in arrival order. */
	assert_true(q("SELECT max(id) FROM survey_responses") > 1000000);
	/* Nothing in the audit log of the answer; the report's receipt only. */
	assert_int_equal(q("SELECT count(*) FROM audit_log WHERE object_type = 'survey' AND"
	    " action NOT IN ('survey.open', 'survey.slips', 'survey.close')"), 0);
	/* The name is nowhere in the clear. */
	char path[256];
	snprintf(path, sizeof path, "%s/xiaoan.db", S.dir);
	assert_false(file_contains(path, HELP_NAME));
	snprintf(path, sizeof path, "%s/xiaoan.db-wal", S.dir);
	assert_false(file_contains(path, HELP_NAME));
	/* The counsellor without a name: a report too. */
	assert_int_equal(answer_json(codes[3], "{\"victim\":\"never\",\"bully\":\"never\","
	    "\"help\":\"counsellor\"}", &body), 201);
	free(body);
	assert_int_equal(q("SELECT count(*) FROM reports WHERE channel = 'survey'"), 2);
}

/* Closing: the office may not close A's own; A may; the slips go and the
 * remaining codes are refused. */
/* The school updates its class list while the campaign is open: a class
 * that stays keeps its id (its slips still name it), one that goes stays
 * in the campaign with the head count its slips were made from, and the
 * registry takes the new list (before, the slips' reference to the
 * class refused the update). */
static void
test_class_list_changes(void **state)
{
	char path[128];
	snprintf(path, sizeof path, "/api/v1/units/%lld/classes", (long long)school_a);
	json_decref(call(&principal_a, "PUT", path, "{\"classes\":[{\"grade\":4,\"name\":"
	    "\"四年级1班\",\"boys\":4,\"girls\":4},{\"grade\":5,\"name\":\"五年级3班\","
	    "\"boys\":10,\"girls\":9}]}", 200));
	assert_int_equal(q("SELECT id FROM classes WHERE unit_id = %lld AND grade = 4",
	    (long long)school_a), class_a4);
	assert_int_equal(q("SELECT boys FROM classes WHERE id = %lld", (long long)class_a4), 4);
	assert_int_equal(q("SELECT count(*) FROM classes WHERE id = %lld", (long long)class_a8), 0);
	/* The campaign keeps what it was opened with. */
	assert_int_equal(q("SELECT boys + girls FROM survey_campaign_classes WHERE"
	    " campaign_id = %lld AND class_id = %lld", (long long)camp_a, (long long)class_a4), 6);
	assert_int_equal(q("SELECT count(*) FROM survey_campaign_classes WHERE campaign_id ="
	    " %lld AND class_id = %lld", (long long)camp_a, (long long)class_a8), 1);
	assert_int_equal(q("SELECT count(*) FROM survey_campaign_classes WHERE campaign_id ="
	    " %lld AND name = '五年级3班'", (long long)camp_a), 0);
	/* The slips of both are still there to print. */
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/slips?class=%lld", (long long)camp_a,
	    (long long)class_a8);
	json_t *j = call(&principal_a, "GET", path, NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "codes")), 4);
	json_decref(j);
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/slips?class=%lld", (long long)camp_a,
	    (long long)class_a4);
	j = call(&principal_a, "GET", path, NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "codes")), 6);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "codes"), 5), "code")), codes[5]);
	json_decref(j);
	/* The results' head count is the campaign's. */
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/results", (long long)camp_a);
	j = call(&principal_a, "GET", path, NULL, 200);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(j,
	    "totals"), "all"), "heads")), 6 + 4);
	json_decref(j);
}

static void
test_close(void **state)
{
	char path[64];
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/close", (long long)camp_a);
	json_decref(call(&principal_b, "POST", path, "{}", 404));
	json_decref(call(&head_a, "POST", path, "{}", 404));
	json_decref(call(&principal_a, "POST", path, "{}", 200));
	json_decref(call(&principal_a, "POST", path, "{}", 409));
	/* The slips stay, so that no slip id is ever made twice; a later
	 * campaign's slips come after them. */
	int64_t last = q("SELECT max(id) FROM survey_slips");
	assert_true(q("SELECT count(*) FROM survey_slips WHERE campaign_id = %lld",
	    (long long)camp_a) > 0);
	assert_int_equal(count(camp_a, class_a4, "responses"), 4);
	json_decref(call(&principal_a, "POST", "/api/v1/surveys",
	    "{\"name\":\"下一次\",\"semester\":\"2026-2027-1\"}", 201));
	assert_int_equal(q("SELECT count(*) FROM survey_slips WHERE id <= %lld AND campaign_id <>"
	    " %lld AND campaign_id IN (SELECT id FROM survey_campaigns WHERE name = '下一次')",
	    (long long)last, (long long)camp_a), 0);
	char *body = NULL;
	assert_int_equal(answer_json(codes[4], "{\"victim\":\"never\",\"bully\":\"never\"}",
	    &body), 404);
	free(body);
}

/* Made-up codes: after 30 failures an address waits (429), whatever
 * code it tries next. */
static void
test_rate_limit(void **state)
{
	char *body = NULL;
	long st = 0;
	int n = 0;
	for (; n < 40; n++) {
		char code[32];
		snprintf(code, sizeof code, "ZZZZ-ZZZZ-ZZZZ-ZZ%02d", n % 70 + 22);
		st = answer_json(code, "{\"victim\":\"never\",\"bully\":\"never\"}", &body);
		free(body);
		if (st == 429)
			break;
		assert_int_equal(st, 404);
	}
	assert_int_equal(st, 429);
	assert_true(n >= 25 && n <= 31);
	assert_int_equal(anon("GET", "/s/ABCD-EFGH-JKMN-PQRS", NULL, NULL, &body), 429);
	free(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_slips),
		cmocka_unit_test(test_slips_pdf),
		cmocka_unit_test(test_answer_once),
		cmocka_unit_test(test_answer_form),
		cmocka_unit_test(test_help_request),
		cmocka_unit_test(test_class_list_changes),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_rate_limit),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
