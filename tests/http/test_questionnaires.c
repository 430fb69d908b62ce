/* test_questionnaires.c: the survey's questionnaires edited over HTTP
 * (src/prevention/questionnaire_http.c) and used: who reads and who
 * edits; the standard ones never change; a copy reworded and given a
 * question of the bureau's, through JSON and through the page's form; a
 * refused edit changes nothing; a campaign opened with the copy asks it,
 * counts the own question per class, shows it in the results once closed
 * (and only then), and keeps it after the copy is deleted.
 *
 * One server for the whole file; tests run in order. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "fixture.h"
#include "harness.h"

#define PW "Fixture-Pass-123"
#define OWN_Q "你在学校有可以说心里话的朋友吗？"

static struct srv S;
static struct session office, head, teacher;
static int64_t school, klass, copy_id, camp;

static int64_t q(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
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

static int
setup(void **state)
{
	memset(&S, 0, sizeof S);
	if (srv_start(&S, NULL) != 0 || fx_setup(&S) != 0)
		return -1;
	int64_t off = fx_unit(1, "office", "教育局办公室", NULL);
	school = fx_unit(1, "school", "新郑市第三小学", "primary");
	if (off < 0 || school < 0)
		return -1;
	char sql[256];
	snprintf(sql, sizeof sql, "INSERT INTO classes (unit_id, grade, name, boys, girls)"
	    " VALUES (%lld, 5, '五年级1班', 3, 3)", (long long)school);
	if (fx_sql(sql) != 0)
		return -1;
	klass = q("SELECT id FROM classes WHERE grade = 5");
	if (fx_account(off, "qn_office", PW, ROLE_BIT(ROLE_OFFICE_STAFF)) < 0 ||
	    fx_account(school, "qn_principal", PW, ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(school, "qn_teacher", PW, ROLE_BIT(ROLE_TEACHER)) < 0)
		return -1;
	return fx_signin(&S, "qn_office", PW, &office) ||
	    fx_signin(&S, "qn_principal", PW, &head) ||
	    fx_signin(&S, "qn_teacher", PW, &teacher);
}

static int
teardown(void **state)
{
	fx_done();
	int rc = srv_stop(&S);
	srv_cleanup(&S);
	return rc;
}

/* The office copies the standard primary questionnaire; a principal
 * reads but cannot copy; a teacher sees nothing; the standard ones
 * cannot be changed or deleted. */
static void
test_read_and_copy(void **state)
{
	json_t *j = call(&office, "GET", "/api/v1/survey-templates", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "templates")), 2);
	json_decref(j);
	j = call(&head, "GET", "/api/v1/survey-templates/1", NULL, 200);
	json_t *t = json_object_get(j, "template");
	assert_true(json_is_true(json_object_get(t, "standard")));
	assert_false(json_is_true(json_object_get(t, "may_edit")));
	assert_string_equal(json_string_value(json_object_get(t, "level")), "primary");
	json_decref(j);
	json_decref(call(&teacher, "GET", "/api/v1/survey-templates", NULL, 404));
	json_decref(call(&head, "POST", "/api/v1/survey-templates",
	    "{\"from\":1,\"name\":\"学校的副本\"}", 403));
	json_decref(call(&office, "POST", "/api/v1/survey-templates",
	    "{\"from\":99,\"name\":\"不存在\"}", 400));
	j = call(&office, "POST", "/api/v1/survey-templates",
	    "{\"from\":1,\"name\":\"新郑市小学问卷\"}", 201);
	copy_id = json_integer_value(json_object_get(j, "id"));
	json_decref(j);
	assert_true(copy_id > 2);
	assert_int_equal(q("SELECT body = (SELECT body FROM survey_templates WHERE id = 1)"
	    " FROM survey_templates WHERE id = %lld", (long long)copy_id), 1);
	json_decref(call(&office, "PUT", "/api/v1/survey-templates/1",
	    "{\"name\":\"改标准\"}", 409));
	json_decref(call(&office, "DELETE", "/api/v1/survey-templates/2", NULL, 409));
	assert_int_equal(q("SELECT count(*) FROM survey_templates WHERE standard = 1"), 2);
	assert_int_equal(q("SELECT count(*) FROM audit_log WHERE action ="
	    " 'survey_template.copy'"), 1);
}

/* JSON: reword a counted question, add an own one; a refused body
 * changes nothing. */
static void
test_edit_json(void **state)
{
	char path[96];
	snprintf(path, sizeof path, "/api/v1/survey-templates/%lld", (long long)copy_id);
	json_t *j = call(&office, "GET", path, NULL, 200);
	json_t *body = json_deep_copy(json_object_get(json_object_get(j, "template"), "body"));
	json_decref(j);
	json_t *qs = json_object_get(body, "questions");
	/* Without the question on being bullied: refused, nothing stored. */
	json_t *bad = json_deep_copy(body);
	json_array_remove(json_object_get(bad, "questions"), 1);
	json_t *wrap = json_pack("{s:o}", "body", bad);
	char *text = json_dumps(wrap, JSON_COMPACT);
	json_decref(wrap);
	j = call(&office, "PUT", path, text, 400);
	free(text);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"),
	    "code")), "qn_question_needed");
	json_decref(j);
	assert_int_equal(q("SELECT count(*) FROM survey_templates WHERE id = %lld AND"
	    " updated_at = created_at", (long long)copy_id), 1);
	/* Reworded, and an own question before the request for help. */
	json_object_set_new(json_array_get(qs, 1), "text", json_string("这学期有没有同学故意欺负你？"));
	json_array_insert_new(qs, json_array_size(qs) - 2, json_pack("{s:s, s:s, s:s,"
	    " s:[s, s, s]}", "id", "extra1", "type", "one", "text", OWN_Q, "options", "有",
	    "没有", "说不清"));
	json_t *req = json_pack("{s:s, s:o}", "name", "新郑市小学问卷（2026）", "body", body);
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	json_decref(call(&office, "PUT", path, text, 200));
	free(text);
	j = call(&office, "GET", path, NULL, 200);
	json_t *t = json_object_get(j, "template");
	assert_string_equal(json_string_value(json_object_get(t, "name")), "新郑市小学问卷（2026）");
	assert_int_equal(json_integer_value(json_object_get(t, "own_questions")), 1);
	json_t *stored = json_object_get(json_object_get(t, "body"), "questions");
	json_t *e = json_array_get(stored, json_array_size(stored) - 3);
	assert_string_equal(json_string_value(json_object_get(e, "id")), "extra1");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(e, "options"), 1), "value")), "o2");
	json_decref(j);
	/* A name that is not one line of 2 to 60 characters: refused. */
	json_decref(call(&office, "PUT", path, "{\"name\":\"a\\nb\"}", 400));
	json_decref(call(&office, "PUT", path, "{\"name\":\"新\"}", 400));
	/* The principal may not. */
	json_decref(call(&head, "PUT", path, "{\"name\":\"学校改\"}", 403));
}

/* The page's form: the edit page shows the own question; a form without
 * a question's text comes back with the error and what was typed, and
 * stores nothing. */
static void
test_edit_form(void **state)
{
	char path[96];
	struct resp r;
	snprintf(path, sizeof path, "/surveys/templates/%lld", (long long)copy_id);
	assert_int_equal(fx_req_cookie(&S, &office, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, OWN_Q));
	assert_non_null(strstr(r.body, "name=\"del_told\""));
	assert_null(strstr(r.body, "name=\"del_victim\""));
	resp_free(&r);
	char *name = curl_easy_escape(NULL, "表单改的名字", 0);
	char *intro = curl_easy_escape(NULL, "新的开头说明", 0);
	char body[512];
	snprintf(body, sizeof body, "name=%s&intro=%s&t_victim=&type_extra1=one", name, intro);
	int64_t before = q("SELECT updated_at FROM survey_templates WHERE id = %lld",
	    (long long)copy_id);
	assert_int_equal(fx_req_cookie(&S, &office, "POST", path,
	    "application/x-www-form-urlencoded", body, 1, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "题目不能为空"));
	assert_non_null(strstr(r.body, "新的开头说明"));
	resp_free(&r);
	assert_int_equal(q("SELECT updated_at FROM survey_templates WHERE id = %lld",
	    (long long)copy_id), before);
	curl_free(name);
	curl_free(intro);
	/* The standard one's page has no form. */
	assert_int_equal(fx_req_cookie(&S, &office, "GET", "/surveys/templates/1", NULL, NULL, 0,
	    &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "name=\"t_victim\""));
	resp_free(&r);
}

/* A campaign opened with the copy asks the own question, counts it, and
 * shows it only once closed. */
static void
test_campaign_asks_it(void **state)
{
	char body[256];
	snprintf(body, sizeof body, "{\"name\":\"本校问卷\",\"semester\":\"2026-2027-1\","
	    "\"secondary_template\":%lld}", (long long)copy_id);
	json_decref(call(&head, "POST", "/api/v1/surveys", body, 400));
	snprintf(body, sizeof body, "{\"name\":\"本校问卷\",\"semester\":\"2026-2027-1\","
	    "\"primary_template\":%lld}", (long long)copy_id);
	json_t *j = call(&head, "POST", "/api/v1/surveys", body, 201);
	camp = json_integer_value(json_object_get(j, "id"));
	json_decref(j);
	assert_int_equal(q("SELECT count(*) FROM survey_campaigns WHERE id = %lld AND"
	    " primary_template = '新郑市小学问卷（2026）' AND primary_body LIKE '%%extra1%%'",
	    (long long)camp), 1);
	char path[128];
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/slips?class=%lld", (long long)camp,
	    (long long)klass);
	json_t *slips = call(&head, "GET", path, NULL, 200);
	json_t *codes = json_object_get(slips, "codes");
	assert_int_equal(json_array_size(codes), 6);
	/* The form asks it. */
	char code[32];
	snprintf(code, sizeof code, "%s", json_string_value(json_object_get(json_array_get(codes,
	    0), "code")));
	snprintf(path, sizeof path, "/s/%s", code);
	struct resp r;
	assert_int_equal(http_req(&S, "GET", path, NULL, NULL, 0, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, OWN_Q));
	assert_non_null(strstr(r.body, "name=\"extra1\" value=\"o3\""));
	resp_free(&r);
	/* Six pupils: four "有", one "没有", one "说不清"; one not an option. */
	static const char *const pick[] = { "o1", "o1", "o2", "o1", "o3", "o1" };
	for (size_t i = 0; i < 6; i++) {
		snprintf(code, sizeof code, "%s", json_string_value(json_object_get(
		    json_array_get(codes, i), "code")));
		snprintf(path, sizeof path, "/api/v1/public/surveys/%s", code);
		if (i == 0) {
			static const char bad[] =
			    "{\"victim\":\"never\",\"bully\":\"never\",\"extra1\":\"o7\"}";
			assert_int_equal(http_req(&S, "POST", path, "application/json", bad,
			    sizeof bad - 1, NULL, &r), 0);
			assert_int_equal(r.status, 400);
			resp_free(&r);
		}
		char ans[128];
		int n = snprintf(ans, sizeof ans, "{\"victim\":\"never\",\"bully\":\"never\","
		    "\"extra1\":\"%s\"}", pick[i]);
		assert_int_equal(http_req(&S, "POST", path, "application/json", ans, (size_t)n,
		    NULL, &r), 0);
		assert_int_equal(r.status, 201);
		resp_free(&r);
	}
	assert_int_equal(q("SELECT n FROM survey_counts WHERE campaign_id = %lld AND"
	    " measure = 'x.p.extra1.o1'", (long long)camp), 4);
	assert_int_equal(q("SELECT n FROM survey_counts WHERE campaign_id = %lld AND"
	    " measure = 'x.p.n'", (long long)camp), 6);
	/* Open: not in the results yet. */
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/results", (long long)camp);
	j = call(&head, "GET", path, NULL, 200);
	assert_null(json_object_get(j, "own"));
	json_decref(j);
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/close", (long long)camp);
	json_decref(call(&head, "POST", path, "{}", 200));
	/* Deleting the questionnaire leaves the campaign's own copy. */
	snprintf(path, sizeof path, "/api/v1/survey-templates/%lld", (long long)copy_id);
	json_decref(call(&office, "DELETE", path, NULL, 200));
	json_decref(call(&office, "GET", path, NULL, 404));
	snprintf(path, sizeof path, "/api/v1/surveys/%lld/results", (long long)camp);
	j = call(&head, "GET", path, NULL, 200);
	json_t *own = json_object_get(j, "own");
	assert_int_equal(json_array_size(own), 1);
	json_t *o = json_array_get(own, 0);
	assert_string_equal(json_string_value(json_object_get(o, "question")), OWN_Q);
	assert_int_equal(json_integer_value(json_object_get(o, "asked")), 6);
	json_t *opts = json_object_get(o, "options");
	assert_int_equal(json_array_size(opts), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(opts, 0), "label")),
	    "有");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(opts, 0), "n")), 4);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(opts, 0), "permille")),
	    667);
	json_decref(j);
	json_decref(slips);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_and_copy),
		cmocka_unit_test(test_edit_json),
		cmocka_unit_test(test_edit_form),
		cmocka_unit_test(test_campaign_asks_it),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
