/* test_questionnaire.c: editing the survey's questionnaires
 * (src/prevention/questionnaire.c): the shipped ones pass unchanged; the
 * counted questions keep their ids, types, values, skip rules and
 * whether they are optional, whatever is sent; only the questions that
 * may go can be left out; the bureau's own questions are numbered and
 * checked; the request for help always comes last; the editing form's
 * fields make the same questionnaire; and an answer to an own question
 * is counted per questionnaire level (src/prevention/survey.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prevention/questionnaire.h"
#include "prevention/survey.h"
#include "store/db.h"

static json_t *shipped[2];	/* primary, secondary, from the migrations */

static int
setup(void **state)
{
	char dir[] = "/tmp/xiaoan-qn-XXXXXX", path[64];
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/x.db", dir);
	db *d = NULL;
	if (db_open(path, DB_CREATE, &d) != XA_OK || db_migrate(d, NULL, NULL) != XA_OK)
		return -1;
	db_stmt *st = NULL;
	if (db_prepare(d, "SELECT body FROM survey_templates WHERE standard = 1 ORDER BY id",
	    &st) != XA_OK)
		return -1;
	for (int i = 0; i < 2 && db_step(st) == 1; i++)
		shipped[i] = json_loads(db_col_text(st, 0), 0, NULL);
	db_done(st);
	db_close(d);
	unlink(path);
	rmdir(dir);
	return shipped[0] && shipped[1] ? 0 : -1;
}

static int
teardown(void **state)
{
	json_decref(shipped[0]);
	json_decref(shipped[1]);
	return 0;
}

/* The question id of body, or NULL. */
static json_t *
q_of(const json_t *body, const char *id)
{
	size_t i;
	json_t *q;
	json_array_foreach(json_object_get(body, "questions"), i, q)
		if (strcmp(json_string_value(json_object_get(q, "id")), id) == 0)
			return q;
	return NULL;
}

/* Appends s to dst (cap bytes), like strlcat. */
static void
append(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(dst);
	snprintf(dst + n, cap - n, "%s", s);
}

static const char *
last_id(const json_t *body, size_t from_end)
{
	const json_t *qs = json_object_get(body, "questions");
	return json_string_value(json_object_get(json_array_get(qs,
	    json_array_size(qs) - 1 - from_end), "id"));
}

/* normalise(in) must fail with why at where. */
static void
refused(const json_t *in, const char *level, const char *want_why, const char *want_where)
{
	json_t *out = NULL;
	const char *why = NULL, *where = NULL;
	assert_int_equal(questionnaire_normalise(in, level, &out, &why, &where), XA_EINVAL);
	assert_null(out);
	assert_non_null(why);
	assert_string_equal(why, want_why);
	if (want_where != NULL) {
		assert_non_null(where);
		assert_string_equal(where, want_where);
	}
}

static json_t *
ok(const json_t *in, const char *level)
{
	json_t *out = NULL;
	const char *why = NULL, *where = NULL;
	xa_err e = questionnaire_normalise(in, level, &out, &why, &where);
	if (e != XA_OK)
		fail_msg("refused: %s at %s", why ? why : "?", where ? where : "?");
	return out;
}

static void
test_shipped_pass_unchanged(void **state)
{
	static const char *const levels[] = { "primary", "secondary" };
	for (int l = 0; l < 2; l++) {
		json_t *out = ok(shipped[l], levels[l]);
		assert_true(json_equal(out, shipped[l]));
		json_decref(out);
	}
	/* The wrong level is refused. */
	refused(shipped[0], "secondary", "qn_level", "level");
}

static void
test_core_wording_only(void **state)
{
	json_t *in = json_deep_copy(shipped[0]);
	json_t *v = q_of(in, "victim");
	json_object_set_new(v, "text", json_string("新的措辞：有没有人欺负你？"));
	json_object_set_new(json_array_get(json_object_get(v, "options"), 0), "text",
	    json_string("从来没有"));
	/* Attempts to change what the statistics rest on are undone. */
	json_object_set_new(v, "optional", json_true());
	json_object_set_new(q_of(in, "victim_forms"), "show_if",
	    json_pack("{s:s, s:[s]}", "q", "gender", "in", "m"));
	json_t *out = ok(in, "primary");
	json_t *ov = q_of(out, "victim");
	assert_string_equal(json_string_value(json_object_get(ov, "text")), "新的措辞：有没有人欺负你？");
	json_t *o0 = json_array_get(json_object_get(ov, "options"), 0);
	assert_string_equal(json_string_value(json_object_get(o0, "value")), "never");
	assert_string_equal(json_string_value(json_object_get(o0, "text")), "从来没有");
	assert_null(json_object_get(ov, "optional"));
	json_t *rule = json_object_get(q_of(out, "victim_forms"), "show_if");
	assert_string_equal(json_string_value(json_object_get(rule, "q")), "victim");
	assert_string_equal(json_string_value(json_array_get(json_object_get(rule, "not"), 0)),
	    "never");
	json_decref(out);

	/* A value changed, an option dropped or added, a type changed. */
	json_object_set_new(json_array_get(json_object_get(v, "options"), 0), "value",
	    json_string("nope"));
	refused(in, "primary", "qn_core_options", "victim");
	json_object_set_new(json_array_get(json_object_get(v, "options"), 0), "value",
	    json_string("never"));
	json_array_remove(json_object_get(v, "options"), 4);
	refused(in, "primary", "qn_core_options", "victim");
	json_decref(in);

	in = json_deep_copy(shipped[0]);
	json_object_set_new(q_of(in, "bully"), "type", json_string("many"));
	refused(in, "primary", "qn_core_type", "bully");
	json_decref(in);
	in = json_deep_copy(shipped[0]);
	json_object_set_new(json_array_get(json_object_get(q_of(in, "told"), "options"), 2),
	    "text", json_string(""));
	refused(in, "primary", "qn_option_text", "told");
	json_decref(in);
	/* A question's text: not empty, not only spaces, no control
	 * characters, not over 400 code points. */
	static const char *const bad_texts[] = { "", "   ", "a\x01b", NULL };
	for (int i = 0; bad_texts[i] != NULL; i++) {
		in = json_deep_copy(shipped[1]);
		json_object_set_new(q_of(in, "bully"), "text", json_string(bad_texts[i]));
		refused(in, "secondary", "qn_question_text", "bully");
		json_decref(in);
	}
	char longtext[401 * 3 + 1] = "";
	for (int i = 0; i < 401; i++)
		append(longtext, sizeof longtext, "欺");
	in = json_deep_copy(shipped[1]);
	json_object_set_new(q_of(in, "bully"), "text", json_string(longtext));
	refused(in, "secondary", "qn_question_text", "bully");
	longtext[400 * 3] = '\0';
	json_object_set_new(q_of(in, "bully"), "text", json_string(longtext));
	json_decref(ok(in, "secondary"));
	json_decref(in);
}

/* Removes question id from body. */
static void
drop(json_t *body, const char *id)
{
	json_t *qs = json_object_get(body, "questions");
	for (size_t i = 0; i < json_array_size(qs); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(qs, i), "id")), id) == 0) {
			json_array_remove(qs, i);
			return;
		}
	fail_msg("no question %s", id);
}

static void
test_leaving_out(void **state)
{
	static const char *const may_go[] = { "gender", "victim_forms", "victim_places", "told",
		"adult_helped", NULL };
	json_t *in = json_deep_copy(shipped[0]);
	for (int i = 0; may_go[i] != NULL; i++)
		drop(in, may_go[i]);
	json_t *out = ok(in, "primary");
	assert_int_equal(json_array_size(json_object_get(out, "questions")), 4);
	json_decref(out);
	json_decref(in);
	static const char *const needed[] = { "victim", "bully", "help", "help_name", NULL };
	for (int i = 0; needed[i] != NULL; i++) {
		in = json_deep_copy(shipped[0]);
		drop(in, needed[i]);
		refused(in, "primary", "qn_question_needed", needed[i]);
		json_decref(in);
	}
	/* A skip rule's question must come before it. */
	in = json_deep_copy(shipped[0]);
	json_t *qs = json_object_get(in, "questions");
	json_t *forms = json_incref(q_of(in, "victim_forms"));
	drop(in, "victim_forms");
	json_array_insert_new(qs, 0, forms);
	refused(in, "primary", "qn_order", "victim_forms");
	json_decref(in);
	/* Twice, unknown. */
	in = json_deep_copy(shipped[0]);
	json_array_append(json_object_get(in, "questions"), q_of(in, "gender"));
	refused(in, "primary", "qn_question_twice", "gender");
	json_decref(in);
	in = json_deep_copy(shipped[0]);
	json_object_set_new(q_of(in, "gender"), "id", json_string("extra5"));
	refused(in, "primary", "qn_question_id", "extra5");
	json_decref(in);
}

/* body with the bureau's question added before the request for help. */
static json_t *
with_extra(const json_t *base, json_t *q)
{
	json_t *in = json_deep_copy(base);
	json_t *qs = json_object_get(in, "questions");
	json_array_insert_new(qs, json_array_size(qs) - 2, q);
	return in;
}

static void
test_own_questions(void **state)
{
	/* Values numbered o1.. whatever came; a rule on an earlier choice. */
	json_t *in = with_extra(shipped[0], json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}, s, s],"
	    " s:{s:s, s:[s]}, s:b}", "id", "extra1", "type", "one", "text", "你在学校有好朋友吗？",
	    "options", "value", "zzz", "text", "有", "没有", "不知道", "show_if", "q", "victim",
	    "not", "never", "optional", 1));
	/* The request for help given first still comes last. */
	json_t *qs = json_object_get(in, "questions");
	json_t *help = json_incref(q_of(in, "help"));
	drop(in, "help");
	json_array_insert_new(qs, 0, help);
	json_t *out = ok(in, "primary");
	json_t *e = q_of(out, "extra1");
	assert_non_null(e);
	assert_true(json_is_true(json_object_get(e, "optional")));
	json_t *opts = json_object_get(e, "options");
	assert_int_equal(json_array_size(opts), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(opts, 0), "value")), "o1");
	assert_string_equal(json_string_value(json_object_get(json_array_get(opts, 2), "value")), "o3");
	assert_string_equal(json_string_value(json_object_get(json_array_get(opts, 2), "text")),
	    "不知道");
	assert_string_equal(last_id(out, 0), "help_name");
	assert_string_equal(last_id(out, 1), "help");
	json_decref(out);
	json_decref(in);

	struct {
		const char *json, *why;
	} bad[] = {
		{ "{\"id\":\"extra2\",\"type\":\"text\",\"text\":\"写下名字\",\"options\":[\"a\",\"b\"]}",
		  "qn_extra_type" },
		{ "{\"id\":\"extra2\",\"type\":\"one\",\"text\":\"问\",\"options\":[\"a\"]}",
		  "qn_extra_options" },
		{ "{\"id\":\"extra2\",\"type\":\"many\",\"text\":\"问\",\"options\":[\"1\",\"2\",\"3\","
		  "\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]}", "qn_extra_options" },
		{ "{\"id\":\"extra2\",\"type\":\"one\",\"text\":\"问\",\"options\":[\"a\",\"a\"]}",
		  "qn_option_twice" },
		{ "{\"id\":\"extra2\",\"type\":\"one\",\"text\":\"问\",\"options\":[\"a\",\"\"]}",
		  "qn_option_text" },
		{ "{\"id\":\"extra2\",\"type\":\"one\",\"text\":\"问\",\"options\":[\"a\",\"b\"],"
		  "\"optional\":\"yes\"}", "qn_extra_optional" },
		/* Rules: on a later question, on a value it does not have, on
		 * a text question, with both in and not, empty. */
		{ "{\"id\":\"extra2\",\"type\":\"one\",\"text\":\"问\",\"options\":[\"a\",\"b\"],"
		  "\"show_if\":{\"q\":\"help\",\"in\":[\"name\"]}}", "qn_skip_rule" },
		{ "{\"id\":\"extra2\",\"type\":\"one\",\"text\":\"问\",\"options\":[\"a\",\"b\"],"
		  "\"show_if\":{\"q\":\"victim\",\"in\":[\"sometimes\"]}}", "qn_skip_rule" },
		{ "{\"id\":\"extra2\",\"type\":\"one\",\"text\":\"问\",\"options\":[\"a\",\"b\"],"
		  "\"show_if\":{\"q\":\"victim\",\"in\":[\"never\"],\"not\":[\"monthly\"]}}",
		  "qn_skip_rule" },
		{ "{\"id\":\"extra2\",\"type\":\"one\",\"text\":\"问\",\"options\":[\"a\",\"b\"],"
		  "\"show_if\":{\"q\":\"victim\",\"in\":[]}}", "qn_skip_rule" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *q = json_loads(bad[i].json, 0, NULL);
		assert_non_null(q);
		in = with_extra(shipped[1], q);
		refused(in, "secondary", bad[i].why, "extra2");
		json_decref(in);
	}
	/* A rule on an earlier own question is fine. */
	in = with_extra(shipped[1], json_pack("{s:s, s:s, s:s, s:[s, s]}", "id", "extra1",
	    "type", "one", "text", "问一", "options", "是", "否"));
	json_t *qs2 = json_object_get(in, "questions");
	json_array_insert_new(qs2, json_array_size(qs2) - 2, json_pack("{s:s, s:s, s:s, s:[s, s],"
	    " s:{s:s, s:[s]}}", "id", "extra2", "type", "many", "text", "问二", "options", "甲",
	    "乙", "show_if", "q", "extra1", "in", "o1"));
	out = ok(in, "secondary");
	json_t *r2 = json_object_get(q_of(out, "extra2"), "show_if");
	assert_string_equal(json_string_value(json_object_get(r2, "q")), "extra1");
	json_decref(out);
	json_decref(in);
}

static void
test_from_form(void **state)
{
	json_t *form = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:s, s:s, s:s, s:s, s:s}",
	    "intro", "新的开头", "t_victim", "被欺负过吗？",
	    "o_victim", "没有\r\n一两次\n每月两三次\n\n每周一次\n每周好几次\n", "t_bully", "欺负过别人吗？",
	    "del_gender", 1, "del_victim", 1,	/* victim may not go: ignored */
	    "type_extra1", "many", "t_extra1", "你在哪里感到不安全？", "o_extra1", "教室\n厕所\n  操场  ",
	    "if_extra1", "victim", "type_extra2", "none");
	/* Every other core text as it is. */
	size_t i;
	json_t *q;
	json_array_foreach(json_object_get(shipped[0], "questions"), i, q) {
		const char *id = json_string_value(json_object_get(q, "id"));
		char key[40];
		snprintf(key, sizeof key, "t_%s", id);
		if (json_object_get(form, key) == NULL)
			json_object_set(form, key, json_object_get(q, "text"));
		snprintf(key, sizeof key, "o_%s", id);
		if (json_object_get(form, key) == NULL && json_object_get(q, "options")) {
			char lines[2048] = "";
			size_t k;
			json_t *o;
			json_array_foreach(json_object_get(q, "options"), k, o) {
				append(lines, sizeof lines, json_string_value(json_object_get(o, "text")));
				append(lines, sizeof lines, "\n");
			}
			json_object_set_new(form, key, json_string(lines));
		}
	}
	json_t *in = questionnaire_from_form(shipped[0], form);
	json_t *out = ok(in, "primary");
	assert_string_equal(json_string_value(json_object_get(out, "intro")), "新的开头");
	assert_null(q_of(out, "gender"));
	json_t *v = q_of(out, "victim");
	assert_string_equal(json_string_value(json_object_get(v, "text")), "被欺负过吗？");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(v, "options"), 3), "text")), "每周一次");
	json_t *e = q_of(out, "extra1");
	assert_non_null(e);
	assert_string_equal(json_string_value(json_object_get(e, "type")), "many");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(e, "options"), 2), "text")), "操场");
	assert_string_equal(json_string_value(json_object_get(json_object_get(e, "show_if"), "q")),
	    "victim");
	assert_null(q_of(out, "extra2"));
	assert_string_equal(last_id(out, 0), "help_name");
	assert_string_equal(last_id(out, 2), "extra1");
	json_decref(out);
	json_decref(in);
	/* A line too many for a counted question is refused, not dropped. */
	json_object_set_new(form, "o_victim", json_string("a\nb\nc\nd\ne\nf\n"));
	in = questionnaire_from_form(shipped[0], form);
	refused(in, "primary", "qn_core_options", "victim");
	json_decref(in);
	json_decref(form);
}

/* An answer to an own question is counted by level and choice. */
static void
test_counted(void **state)
{
	json_t *in = with_extra(shipped[1], json_pack("{s:s, s:s, s:s, s:[s, s, s]}", "id",
	    "extra1", "type", "one", "text", "问", "options", "甲", "乙", "丙"));
	json_t *tmpl = ok(in, "secondary");
	json_decref(in);
	/* A one-choice question from a form field that may repeat. */
	json_t *ans = json_pack("{s:s, s:s, s:[s]}", "victim", "never", "bully", "never",
	    "extra1", "o2");
	survey_answer a;
	const char *bad = NULL;
	assert_int_equal(survey_check(tmpl, ans, &a, &bad), XA_OK);
	bool n = false, o2 = false;
	for (size_t i = 0; i < a.nmeasures; i++) {
		n = n || strcmp(a.measures[i], "x.s.n") == 0;
		o2 = o2 || strcmp(a.measures[i], "x.s.extra1.o2") == 0;
		assert_true(strncmp(a.measures[i], "x.p.", 4) != 0);
	}
	assert_true(n);
	assert_true(o2);
	json_decref(a.stored);
	json_decref(ans);
	/* Not an option: refused. */
	ans = json_pack("{s:s, s:s, s:s}", "victim", "never", "bully", "never", "extra1", "o9");
	assert_int_equal(survey_check(tmpl, ans, &a, &bad), XA_EINVAL);
	assert_string_equal(bad, "extra1");
	json_decref(ans);
	/* The standard questionnaire counts nothing of the kind. */
	ans = json_pack("{s:s, s:s}", "victim", "monthly", "bully", "never");
	assert_int_equal(survey_check(shipped[1], ans, &a, &bad), XA_OK);
	for (size_t i = 0; i < a.nmeasures; i++)
		assert_true(strncmp(a.measures[i], "x.", 2) != 0);
	json_decref(a.stored);
	json_decref(ans);
	json_decref(tmpl);
}

/* The writer batch's tally (survey.c): counts added up in memory and
 * written once per class and measure at flush; an abandoned batch writes
 * nothing; a batch wider than the table's first size still adds up. */
static void
test_batched_counts(void **state)
{
	char dir[] = "/tmp/xiaoan-qn-XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/x.db", dir);
	db *d = NULL;
	assert_int_equal(db_open(path, DB_CREATE, &d), XA_OK);
	assert_int_equal(db_migrate(d, NULL, NULL), XA_OK);
	assert_int_equal(db_exec(d, "PRAGMA foreign_keys=OFF"), XA_OK);
	survey_batch_enable();
	survey_answer a;
	memset(&a, 0, sizeof a);
	snprintf(a.measures[0], sizeof a.measures[0], "responses");
	snprintf(a.measures[1], sizeof a.measures[1], "victim");
	a.nmeasures = 2;
	survey_batch_begin(d);
	for (int i = 0; i < 3; i++)
		assert_int_equal(survey_count(d, 7, 100, 5, &a), XA_OK);
	a.nmeasures = 1;
	assert_int_equal(survey_count(d, 7, 101, 5, &a), XA_OK);
	/* Nothing is written before the flush. */
	int64_t n = -1;
	assert_int_equal(db_query_int(d, "SELECT count(*) FROM survey_counts", &n), XA_OK);
	assert_int_equal(n, 0);
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(survey_batch_flush(d), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	assert_int_equal(db_query_int(d, "SELECT n FROM survey_counts WHERE class_id = 100 AND"
	    " measure = 'victim'", &n), XA_OK);
	assert_int_equal(n, 3);
	assert_int_equal(db_query_int(d, "SELECT n FROM survey_counts WHERE class_id = 101 AND"
	    " measure = 'responses'", &n), XA_OK);
	assert_int_equal(n, 1);
	/* Abandoned: nothing. */
	survey_batch_begin(d);
	assert_int_equal(survey_count(d, 7, 100, 5, &a), XA_OK);
	survey_batch_abort(d);
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(survey_batch_flush(d), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	assert_int_equal(db_query_int(d, "SELECT n FROM survey_counts WHERE class_id = 100 AND"
	    " measure = 'responses'", &n), XA_OK);
	assert_int_equal(n, 3);
	/* 5,000 classes twice each: the table grows, every sum is right. */
	survey_batch_begin(d);
	a.nmeasures = 2;
	for (int r = 0; r < 2; r++)
		for (int c = 0; c < 5000; c++)
			assert_int_equal(survey_count(d, 8, 1000 + c, 5, &a), XA_OK);
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(survey_batch_flush(d), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	assert_int_equal(db_query_int(d, "SELECT count(*) FROM survey_counts WHERE"
	    " campaign_id = 8 AND n = 2", &n), XA_OK);
	assert_int_equal(n, 10000);
	db_close(d);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_pass_unchanged),
		cmocka_unit_test(test_core_wording_only),
		cmocka_unit_test(test_leaving_out),
		cmocka_unit_test(test_own_questions),
		cmocka_unit_test(test_from_form),
		cmocka_unit_test(test_counted),
		cmocka_unit_test(test_batched_counts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
