/* test_measures.c: the graded catalogue of measures, the measures of a
 * case, protection plans and follow-up check-ins, over HTTP against the
 * real binary.
 *
 * The catalogue: the bureau's default is shown before anything is
 * written, a school replaces its own (a bad item is refused in Chinese
 * and changes nothing; a measure left out is retired, not deleted), the
 * page's text form, copying the default in. A case (opened and given its
 * parties through the case API, then put in "determined" by hand, since
 * the determination is the case part's to test): 开除 refused for a
 * primary-school student with the reason, allowed for a senior-high one,
 * measures only for the right side, guardians told and measures done
 * unlocking measures → follow_up, the protection plan and its reviews,
 * the follow-up for every student unlocking follow_up → closed, a prior
 * finding suggested and never acted on, another school's principal
 * answered like a missing case on every route, readers who may not write
 * refused, and no note, plan or check-in text in the database file.
 * Also: a stage given wrongly does not take a younger student out of
 * compulsory education; earlier findings suggested only to those who
 * decide and may open that case; follow-up check-ins only once measures
 * are under way (also when the case moved back while the request waited
 * for the writer); guardians told or a measure done not before it was
 * decided. */
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
#include "cases/cases.h"
#include "core/calendar.h"
#include "fixture.h"
#include "harness.h"
#include "store/db.h"

static struct srv S;
static struct session head_a, head_b, head_c, head_e, teacher_a, teacher_e, teacher2_e,
    counsellor_e, office;
static int64_t school_a, school_b, school_c, school_e;

/* The case of the measures tests and its parties. */
static int64_t c1, victim1, prim1, senior1;
static int64_t m_senior, m_victim, m_prim;

static int
setup(void **state)
{
	memset(&S, 0, sizeof S);
	if (srv_start(&S, NULL) != 0 || fx_setup(&S) != 0)
		return -1;
	int64_t o = fx_unit(1, "office", "办公室", NULL);
	int64_t t = fx_unit(1, "township", "新建镇", NULL);
	school_a = fx_unit(t, "school", "甲小学", "primary");
	school_b = fx_unit(t, "school", "乙小学", "primary");
	school_c = fx_unit(t, "school", "丙初中", "junior");
	school_e = fx_unit(t, "school", "实验学校", "primary,junior,senior");
	if (o < 0 || school_a < 0 || school_b < 0 || school_c < 0 || school_e < 0)
		return -1;
	struct {
		int64_t unit;
		const char *user;
		unsigned roles;
		struct session *s;
	} people[] = {
		{ school_a, "ma_head", ROLE_BIT(ROLE_PRINCIPAL), &head_a },
		{ school_b, "mb_head", ROLE_BIT(ROLE_PRINCIPAL), &head_b },
		{ school_c, "mc_head", ROLE_BIT(ROLE_PRINCIPAL), &head_c },
		{ school_e, "me_head", ROLE_BIT(ROLE_PRINCIPAL), &head_e },
		{ school_a, "ma_teacher", ROLE_BIT(ROLE_TEACHER), &teacher_a },
		{ school_e, "me_teacher", ROLE_BIT(ROLE_TEACHER), &teacher_e },
		{ school_e, "me_teacher2", ROLE_BIT(ROLE_TEACHER), &teacher2_e },
		{ school_e, "me_counsel", ROLE_BIT(ROLE_COUNSELLOR), &counsellor_e },
		{ o, "m_office", ROLE_BIT(ROLE_OFFICE_STAFF), &office },
	};
	for (size_t i = 0; i < sizeof people / sizeof people[0]; i++) {
		if (fx_account(people[i].unit, people[i].user, "Measure-pass-1", people[i].roles) < 0 ||
		    fx_signin(&S, people[i].user, "Measure-pass-1", people[i].s) != 0)
			return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	fx_done();
	int rc = srv_stop(&S);
	srv_cleanup(&S);
	return rc;
}

/* --- helpers */

/* A request as `as` (Bearer, JSON); the status, and the body parsed into
 * *out when out is given (NULL when it is not JSON). */
static long
api(const struct session *as, const char *method, const char *path, const char *json,
    json_t **out)
{
	struct resp r;
	if (fx_req(&S, as, method, path, json, &r) != 0)
		return -1;
	long st = r.status;
	if (out != NULL)
		*out = json_loads(r.body ? r.body : "", 0, NULL);
	resp_free(&r);
	return st;
}

/* The same, keeping the raw body (malloc'd) for comparing answers. */
static long
api_raw(const struct session *as, const char *method, const char *path, const char *json,
    char **body)
{
	struct resp r;
	if (fx_req(&S, as, method, path, json, &r) != 0)
		return -1;
	long st = r.status;
	*body = strdup(r.body ? r.body : "");
	resp_free(&r);
	return st;
}

/* A page request with the session's cookie and CSRF token. */
static long
page(const struct session *as, const char *method, const char *path, const char *form,
    struct resp *r)
{
	if (fx_req_cookie(&S, as, method, path, form ? "application/x-www-form-urlencoded" : NULL,
	    form, 1, r) != 0)
		return -1;
	return r->status;
}

static const char *
jget_s(json_t *j, const char *path)
{
	json_t *v = j;
	char buf[128];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf, *dot; p != NULL; p = dot ? dot + 1 : NULL) {
		dot = strchr(p, '.');
		if (dot)
			*dot = '\0';
		if (json_is_array(v))
			v = json_array_get(v, (size_t)strtol(p, NULL, 10));
		else
			v = json_object_get(v, p);
	}
	return json_string_value(v);
}

static int64_t
jget_i(json_t *j, const char *key)
{
	return json_integer_value(json_object_get(j, key));
}

/* Everything the measures write, as one number: a denied or refused
 * request must leave it as it was. */
static int64_t
fingerprint(void)
{
	return fx_int("SELECT (SELECT count(*) FROM measure_catalogue) * 1000003"
	    " + (SELECT coalesce(sum(active * 7 + length(name) + length(tier) + length(grade)), 0)"
	    "    FROM measure_catalogue) * 101"
	    " + (SELECT count(*) FROM case_measures) * 100003"
	    " + (SELECT coalesce(sum(guardians_told_at % 1000 + done_at % 1000), 0)"
	    "    FROM case_measures) * 13"
	    " + (SELECT count(*) FROM case_reviews) * 10007"
	    " + (SELECT coalesce(sum(done_at % 1000), 0) FROM case_reviews) * 17"
	    " + (SELECT count(*) FROM case_events) * 1009"
	    " + (SELECT count(*) FROM audit_log) * 3");
}

/* Percent-encodes s for a form body. */
static char *
urlenc(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(s) * 3 + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.') {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

/* Opens a case through the case API as `as`; its id. */
static int64_t
open_case(const struct session *as, const char *summary)
{
	char body[256];
	json_t *j = NULL;
	snprintf(body, sizeof body, "{\"summary\":\"%s\"}", summary);
	long st = api(as, "POST", "/api/v1/cases", body, &j);
	int64_t id = st == 201 ? jget_i(j, "id") : -1;
	if (id <= 0)
		fprintf(stderr, "open_case: %ld\n", st);
	json_decref(j);
	return id;
}

/* Adds a party through the case API; its id. */
static int64_t
add_party(const struct session *as, int64_t id, const char *role, const char *name,
    const char *stage)
{
	char path[64], body[256];
	json_t *j = NULL;
	snprintf(path, sizeof path, "/api/v1/cases/%lld/parties", (long long)id);
	snprintf(body, sizeof body, "{\"role\":\"%s\",\"name\":\"%s\",\"stage\":\"%s\","
	    "\"guardians\":\"家长电话 13800000000\"}", role, name, stage);
	long st = api(as, "POST", path, body, &j);
	int64_t pid = st == 201 ? jget_i(j, "id") : -1;
	if (pid <= 0)
		fprintf(stderr, "add_party: %ld\n", st);
	json_decref(j);
	return pid;
}

/* Puts a case in a state by hand (the determination is the case part's
 * to test). */
static void
set_state(int64_t id, const char *state, const char *finding, const char *tier)
{
	char sql[256];
	snprintf(sql, sizeof sql, "UPDATE cases SET state = '%s', finding = '%s', tier = '%s',"
	    " version = version + 1 WHERE id = %lld", state, finding, tier, (long long)id);
	assert_int_equal(fx_sql(sql), 0);
}

/* Asks the case API to move case id to `to`; the status, and the answer. */
static long
transition(int64_t id, const char *to, char **body)
{
	char path[64], sql[96], in[96];
	snprintf(sql, sizeof sql, "SELECT version FROM cases WHERE id = %lld", (long long)id);
	snprintf(in, sizeof in, "{\"to\":\"%s\",\"version\":%lld}", to, (long long)fx_int(sql));
	snprintf(path, sizeof path, "/api/v1/cases/%lld/transitions", (long long)id);
	return api_raw(&head_e, "POST", path, in, body);
}

/* One integer from a query written with printf arguments. */
static int64_t count_sql(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int64_t
count_sql(const char *fmt, ...)
{
	char sql[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	return fx_int(sql);
}

/* tmpl with @c, @s and @p replaced by the numbers c, s and p. */
static void
subst(char *out, size_t n, const char *tmpl, int64_t c, int64_t sub, int64_t p)
{
	size_t o = 0;
	for (const char *t = tmpl; *t && o + 24 < n; t++) {
		if (t[0] == '@' && (t[1] == 'c' || t[1] == 's' || t[1] == 'p')) {
			long long v = t[1] == 'c' ? c : t[1] == 's' ? sub : p;
			o += (size_t)snprintf(out + o, n - o, "%lld", v);
			t++;
		} else {
			out[o++] = *t;
		}
	}
	out[o] = '\0';
}

/* --- the catalogue */

static void
test_catalogue_default_shown(void **state)
{
	json_t *j = NULL;
	assert_int_equal(api(&head_a, "GET", "/api/v1/catalogue", NULL, &j), 200);
	assert_false(json_is_true(json_object_get(j, "own")));
	assert_true(json_is_true(json_object_get(j, "showing_default")));
	assert_true(json_is_true(json_object_get(j, "can_edit")));
	json_t *items = json_object_get(j, "items");
	assert_int_equal(json_array_size(items), 22);
	int criticism = 0, expulsion = 0;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		const char *name = json_string_value(json_object_get(it, "name"));
		criticism |= strcmp(name, "批评教育") == 0;
		if (strcmp(name, "纪律处分：开除") == 0) {
			expulsion = 1;
			assert_string_equal(jget_s(it, "grade"), "expulsion");
			assert_string_equal(jget_s(it, "tier"), "repeated");
			assert_true(json_is_true(json_object_get(it, "noncompulsory_only")));
		}
		assert_true(json_is_null(json_object_get(it, "id")));
	}
	assert_true(criticism && expulsion);
	json_decref(j);
	/* Computed, not written. */
	assert_int_equal(fx_int("SELECT count(*) FROM measure_catalogue"), 0);

	/* The page: the list, the text form and the copy button for the
	 * principal; neither for a teacher. */
	struct resp r;
	assert_int_equal(page(&head_a, "GET", "/catalogue", NULL, &r), 200);
	assert_non_null(strstr(r.body, "批评教育"));
	assert_non_null(strstr(r.body, "name=\"text\""));
	assert_non_null(strstr(r.body, "/catalogue/copy-defaults"));
	assert_non_null(strstr(r.body, "一般,教育,批评教育"));
	resp_free(&r);
	assert_int_equal(page(&teacher_a, "GET", "/catalogue", NULL, &r), 200);
	assert_non_null(strstr(r.body, "批评教育"));
	assert_null(strstr(r.body, "name=\"text\""));
	assert_null(strstr(r.body, "/catalogue/copy-defaults"));
	resp_free(&r);

	/* The office sees the default as the bureau's, and may change it. */
	assert_int_equal(api(&office, "GET", "/api/v1/catalogue", NULL, &j), 200);
	assert_true(json_is_true(json_object_get(json_object_get(j, "unit"), "bureau")));
	assert_true(json_is_true(json_object_get(j, "can_edit")));
	json_decref(j);

	/* Another school's catalogue answers like a missing unit. */
	char path[64], *b1 = NULL, *b2 = NULL;
	snprintf(path, sizeof path, "/api/v1/catalogue?unit_id=%lld", (long long)school_a);
	assert_int_equal(api_raw(&head_b, "GET", path, NULL, &b1), 404);
	assert_int_equal(api_raw(&head_b, "GET", "/api/v1/catalogue?unit_id=99999999", NULL, &b2),
	    404);
	assert_string_equal(b1, b2);
	free(b1);
	free(b2);
	snprintf(path, sizeof path, "/catalogue?unit_id=%lld", (long long)school_a);
	assert_int_equal(page(&head_b, "GET", path, NULL, &r), 404);
	resp_free(&r);
}

static void
test_catalogue_replace(void **state)
{
	char bad[8][512];
	long long a = (long long)school_a;
	snprintf(bad[0], sizeof bad[0], "{\"unit_id\":%lld,\"items\":[{\"tier\":\"general\","
	    "\"kind\":\"education\",\"name\":\"谈心谈话\"},{\"tier\":\"severe\",\"kind\":"
	    "\"education\",\"name\":\"专题班会\"}]}", a);
	snprintf(bad[1], sizeof bad[1], "{\"unit_id\":%lld,\"items\":[{\"tier\":\"general\","
	    "\"kind\":\"education\",\"name\":\"谈心谈话\",\"grade\":\"warning\"}]}", a);
	snprintf(bad[2], sizeof bad[2], "{\"unit_id\":%lld,\"items\":[{\"tier\":\"general\","
	    "\"kind\":\"discipline\",\"name\":\"警告处分\"}]}", a);
	snprintf(bad[3], sizeof bad[3], "{\"unit_id\":%lld,\"items\":[{\"tier\":\"general\","
	    "\"kind\":\"education\",\"name\":\"%s\"}]}", a,
	    "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"
	    "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一");
	snprintf(bad[4], sizeof bad[4], "{\"unit_id\":%lld,\"items\":[{\"tier\":\"general\","
	    "\"kind\":\"education\",\"code\":\"Bad-Code\",\"name\":\"谈心谈话\"}]}", a);
	snprintf(bad[5], sizeof bad[5], "{\"unit_id\":%lld,\"items\":[{\"tier\":\"general\","
	    "\"kind\":\"education\",\"code\":\"talk\",\"name\":\"谈心谈话\"},{\"tier\":\"serious\","
	    "\"kind\":\"education\",\"code\":\"talk\",\"name\":\"专题班会\"}]}", a);
	snprintf(bad[6], sizeof bad[6], "{\"unit_id\":%lld,\"items\":[]}", a);
	snprintf(bad[7], sizeof bad[7], "{\"unit_id\":%lld,\"items\":[{\"tier\":\"general\","
	    "\"kind\":\"sport\",\"name\":\"跑步\"}]}", a);
	static const char *const codes[] = {
		"measures_item_tier", "measures_item_grade_only", "measures_item_grade_needed",
		"measures_item_name", "measures_item_code", "measures_item_code_dup",
		"measures_items_empty", "measures_item_kind",
	};
	int64_t before = fingerprint();
	for (int i = 0; i < 8; i++) {
		json_t *j = NULL;
		assert_int_equal(api(&head_a, "PUT", "/api/v1/catalogue", bad[i], &j), 400);
		json_t *e = json_object_get(j, "error");
		assert_string_equal(jget_s(e, "code"), codes[i]);
		const char *msg = jget_s(e, "message");
		assert_non_null(msg);
		/* Chinese, with the item's number where there is one. */
		assert_true((unsigned char)msg[0] >= 0xe4);
		if (i == 0)
			assert_non_null(strstr(msg, "第2项"));
		json_decref(j);
		assert_int_equal(fingerprint(), before);
	}

	/* A valid list replaces the school's catalogue. */
	char good[1024];
	snprintf(good, sizeof good, "{\"unit_id\":%lld,\"items\":["
	    "{\"tier\":\"general\",\"kind\":\"education\",\"code\":\"talk\",\"name\":\"谈心谈话\"},"
	    "{\"tier\":\"general\",\"kind\":\"discipline\",\"grade\":\"warning\",\"name\":\"警告处分\"},"
	    "{\"tier\":\"serious\",\"kind\":\"protection\",\"name\":\"调整座位\"}]}", a);
	json_t *j = NULL;
	assert_int_equal(api(&head_a, "PUT", "/api/v1/catalogue", good, &j), 200);
	assert_true(json_is_true(json_object_get(j, "own")));
	assert_int_equal(json_array_size(json_object_get(j, "items")), 3);
	json_decref(j);
	assert_int_equal(count_sql("SELECT count(*) FROM measure_catalogue WHERE unit_id = %lld"
	    " AND active = 1", a), 3);
	assert_int_equal(fx_int("SELECT count(*) FROM measure_catalogue WHERE unit_id IS NULL"), 0);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'catalogue.replace'"),
	    1);

	/* A measure left out is retired, not deleted. */
	snprintf(good, sizeof good, "{\"unit_id\":%lld,\"items\":["
	    "{\"tier\":\"general\",\"kind\":\"discipline\",\"grade\":\"warning\",\"name\":\"警告处分\"},"
	    "{\"tier\":\"serious\",\"kind\":\"protection\",\"name\":\"调整座位\"}]}", a);
	assert_int_equal(api(&head_a, "PUT", "/api/v1/catalogue", good, &j), 200);
	assert_int_equal(json_array_size(json_object_get(j, "retired")), 1);
	json_decref(j);
	assert_int_equal(count_sql("SELECT count(*) FROM measure_catalogue WHERE unit_id = %lld", a),
	    3);
	assert_int_equal(count_sql("SELECT active FROM measure_catalogue WHERE unit_id = %lld"
	    " AND code = 'talk'", a), 0);

	/* Others may not change it: another school's principal as for a
	 * missing unit, a teacher refused; nothing changes. */
	before = fingerprint();
	char *b1 = NULL, *b2 = NULL;
	assert_int_equal(api_raw(&head_b, "PUT", "/api/v1/catalogue", good, &b1), 404);
	assert_int_equal(api_raw(&head_b, "PUT", "/api/v1/catalogue",
	    "{\"unit_id\":99999999,\"items\":[{\"tier\":\"general\",\"kind\":\"education\","
	    "\"name\":\"谈心谈话\"}]}", &b2), 404);
	assert_string_equal(b1, b2);
	free(b1);
	free(b2);
	assert_int_equal(api(&teacher_a, "PUT", "/api/v1/catalogue", good, NULL), 403);
	/* The page forms likewise. */
	struct resp r;
	char form[2048];
	snprintf(form, sizeof form, "unit_id=%lld&text=%%E4%%B8%%80%%E8%%88%%AC%%2C%%E6%%95%%99"
	    "%%E8%%82%%B2%%2Cx", a);
	assert_int_equal(page(&head_b, "POST", "/catalogue", form, &r), 404);
	resp_free(&r);
	assert_int_equal(page(&head_b, "POST", "/catalogue", "unit_id=99999999&text=x", &r), 404);
	resp_free(&r);
	assert_int_equal(page(&teacher_a, "POST", "/catalogue", form, &r), 403);
	resp_free(&r);
	snprintf(form, sizeof form, "unit_id=%lld", a);
	assert_int_equal(page(&head_b, "POST", "/catalogue/copy-defaults", form, &r), 404);
	resp_free(&r);
	assert_int_equal(page(&head_b, "POST", "/catalogue/copy-defaults", "unit_id=99999999", &r),
	    404);
	resp_free(&r);
	assert_int_equal(fingerprint(), before);

	/* The page's text form: one "tier,kind,name" line per measure, a
	 * discipline written as its grade; the default's names keep their
	 * codes. */
	char *text = urlenc("一般,教育,批评教育\n严重，记过，纪律处分：记过\n# 注释\n一般,家庭,家庭教育指导\n");
	snprintf(form, sizeof form, "unit_id=%lld&text=%s", a, text);
	free(text);
	assert_int_equal(page(&head_a, "POST", "/catalogue", form, &r), 303);
	char loc[64];
	snprintf(loc, sizeof loc, "/catalogue?unit_id=%lld", a);
	assert_string_equal(resp_header(&r, "Location"), loc);
	resp_free(&r);
	assert_int_equal(count_sql("SELECT count(*) FROM measure_catalogue WHERE unit_id = %lld"
	    " AND active = 1", a), 3);
	assert_int_equal(count_sql("SELECT count(*) FROM measure_catalogue WHERE unit_id = %lld"
	    " AND code = 'criticism' AND active = 1", a), 1);
	assert_int_equal(count_sql("SELECT count(*) FROM measure_catalogue WHERE unit_id = %lld"
	    " AND grade = 'demerit' AND kind = 'discipline' AND tier = 'serious'", a), 1);
	assert_int_equal(count_sql("SELECT count(*) FROM measure_catalogue WHERE unit_id = %lld", a),
	    6);

	/* A wrong line: the page again with the line's number, nothing changed. */
	before = fingerprint();
	text = urlenc("一般,教育,批评教育\n一般,运动会\n");
	snprintf(form, sizeof form, "unit_id=%lld&text=%s", a, text);
	free(text);
	assert_int_equal(page(&head_a, "POST", "/catalogue", form, &r), 400);
	assert_non_null(strstr(r.body, "role=\"alert\""));
	assert_non_null(strstr(r.body, "第2行"));
	resp_free(&r);
	assert_int_equal(fingerprint(), before);
}

static void
test_copy_defaults(void **state)
{
	char body[64], *b1 = NULL, *b2 = NULL;
	int64_t before = fingerprint();
	snprintf(body, sizeof body, "{\"unit_id\":%lld}", (long long)school_c);
	assert_int_equal(api_raw(&head_b, "POST", "/api/v1/catalogue/copy-defaults", body, &b1),
	    404);
	assert_int_equal(api_raw(&head_b, "POST", "/api/v1/catalogue/copy-defaults",
	    "{\"unit_id\":99999999}", &b2), 404);
	assert_string_equal(b1, b2);
	free(b1);
	free(b2);
	json_t *j = NULL;
	assert_int_equal(api(&office, "POST", "/api/v1/catalogue/copy-defaults", "{\"unit_id\":1}",
	    &j), 400);
	assert_string_equal(jget_s(json_object_get(j, "error"), "code"), "measures_not_school");
	json_decref(j);
	assert_int_equal(fingerprint(), before);

	assert_int_equal(api(&head_c, "POST", "/api/v1/catalogue/copy-defaults", "{}", &j), 200);
	assert_true(json_is_true(json_object_get(j, "own")));
	assert_false(json_is_true(json_object_get(j, "showing_default")));
	json_decref(j);
	assert_int_equal(count_sql("SELECT count(*) FROM measure_catalogue WHERE unit_id = %lld"
	    " AND active = 1", (long long)school_c), 22);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action ="
	    " 'catalogue.copy_defaults'"), 1);
	/* The page's button does the same, again without doubling anything. */
	struct resp r;
	snprintf(body, sizeof body, "unit_id=%lld", (long long)school_c);
	assert_int_equal(page(&head_c, "POST", "/catalogue/copy-defaults", body, &r), 303);
	resp_free(&r);
	assert_int_equal(count_sql("SELECT count(*) FROM measure_catalogue WHERE unit_id = %lld",
	    (long long)school_c), 22);
}

/* --- measures in a case */

static void
decide_path(char *out, size_t n, int64_t id)
{
	snprintf(out, n, "/api/v1/cases/%lld/measures", (long long)id);
}

static void
test_decide(void **state)
{
	c1 = open_case(&head_e, "测试事件");
	assert_true(c1 > 0);
	victim1 = add_party(&head_e, c1, "victim", "李小红", "primary");
	prim1 = add_party(&head_e, c1, "perpetrator", "张小刚", "primary");
	senior1 = add_party(&head_e, c1, "perpetrator", "王大明", "senior");
	assert_true(victim1 > 0 && prim1 > 0 && senior1 > 0);
	assert_int_equal(count_sql("SELECT compulsory FROM case_parties WHERE id = %lld",
	    (long long)prim1), 1);
	assert_int_equal(count_sql("SELECT compulsory FROM case_parties WHERE id = %lld",
	    (long long)senior1), 0);

	char path[64], body[512];
	json_t *j = NULL;
	decide_path(path, sizeof path, c1);
	/* Not yet found to be bullying. */
	int64_t before = fingerprint();
	snprintf(body, sizeof body, "{\"party_id\":%lld,\"code\":\"criticism\"}", (long long)prim1);
	assert_int_equal(api(&head_e, "POST", path, body, &j), 409);
	assert_string_equal(jget_s(json_object_get(j, "error"), "code"), "measures_not_determined");
	json_decref(j);
	assert_int_equal(fingerprint(), before);

	set_state(c1, "determined", "bullying", "repeated");
	/* 开除 for a primary-school student: refused, with the reason. */
	static const char reason[] = "该学生处于义务教育阶段，不能给予留校察看、勒令退学或开除处分";
	snprintf(body, sizeof body, "{\"party_id\":%lld,\"code\":\"discipline_expulsion\"}",
	    (long long)prim1);
	assert_int_equal(api(&head_e, "POST", path, body, &j), 400);
	assert_string_equal(jget_s(json_object_get(j, "error"), "code"), "measures_compulsory");
	assert_non_null(strstr(jget_s(json_object_get(j, "error"), "message"), reason));
	json_decref(j);
	snprintf(body, sizeof body, "{\"party_id\":%lld,\"kind\":\"discipline\",\"grade\":"
	    "\"probation\",\"name\":\"留校察看一年\"}", (long long)prim1);
	assert_int_equal(api(&head_e, "POST", path, body, &j), 400);
	assert_non_null(strstr(jget_s(json_object_get(j, "error"), "message"), reason));
	json_decref(j);
	/* The page form: the reason on a small page leading back to the case. */
	struct resp r;
	char ppath[64], form[256], back[64];
	snprintf(ppath, sizeof ppath, "/cases/%lld/measures", (long long)c1);
	snprintf(form, sizeof form, "party_id=%lld&code=discipline_expulsion", (long long)prim1);
	assert_int_equal(page(&head_e, "POST", ppath, form, &r), 400);
	assert_non_null(strstr(r.body, reason));
	assert_non_null(strstr(r.body, "role=\"alert\""));
	snprintf(back, sizeof back, "/cases/%lld#measures", (long long)c1);
	assert_non_null(strstr(r.body, back));
	resp_free(&r);
	assert_int_equal(fingerprint(), before);

	/* The wrong side. */
	snprintf(body, sizeof body, "{\"party_id\":%lld,\"code\":\"criticism\"}",
	    (long long)victim1);
	assert_int_equal(api(&head_e, "POST", path, body, &j), 400);
	assert_string_equal(jget_s(json_object_get(j, "error"), "code"),
	    "measures_perpetrators_only");
	json_decref(j);
	snprintf(body, sizeof body, "{\"party_id\":%lld,\"code\":\"protect_seat\"}",
	    (long long)prim1);
	assert_int_equal(api(&head_e, "POST", path, body, &j), 400);
	assert_string_equal(jget_s(json_object_get(j, "error"), "code"), "measures_victims_only");
	json_decref(j);
	/* Not a party of this case; not in the catalogue; a grade on an
	 * education measure. */
	snprintf(body, sizeof body, "{\"party_id\":99999999,\"code\":\"criticism\"}");
	assert_int_equal(api(&head_e, "POST", path, body, NULL), 400);
	snprintf(body, sizeof body, "{\"party_id\":%lld,\"code\":\"no_such_measure\"}",
	    (long long)prim1);
	assert_int_equal(api(&head_e, "POST", path, body, NULL), 400);
	int64_t other = count_sql("SELECT min(id) FROM measure_catalogue WHERE unit_id = %lld",
	    (long long)school_c);
	snprintf(body, sizeof body, "{\"party_id\":%lld,\"catalogue_id\":%lld}", (long long)prim1,
	    (long long)other);
	assert_int_equal(api(&head_e, "POST", path, body, &j), 400);
	assert_string_equal(jget_s(json_object_get(j, "error"), "code"), "measures_catalogue");
	json_decref(j);
	snprintf(body, sizeof body, "{\"party_id\":%lld,\"kind\":\"education\",\"grade\":"
	    "\"warning\",\"name\":\"谈话\"}", (long long)prim1);
	assert_int_equal(api(&head_e, "POST", path, body, NULL), 400);
	assert_int_equal(fingerprint(), before);

	/* 开除 for a senior-high student: the committee may. The default
	 * catalogue is written on this first use. */
	snprintf(body, sizeof body, "{\"party_id\":%lld,\"code\":\"discipline_expulsion\"}",
	    (long long)senior1);
	assert_int_equal(api(&head_e, "POST", path, body, &j), 201);
	m_senior = jget_i(j, "id");
	int64_t ev = jget_i(j, "event_id");
	assert_true(m_senior > 0 && ev > 0);
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM measure_catalogue WHERE unit_id IS NULL"), 22);
	assert_int_equal(count_sql("SELECT count(*) FROM case_measures m JOIN measure_catalogue c"
	    " ON c.id = m.catalogue_id WHERE m.id = %lld AND c.unit_id IS NULL AND"
	    " c.code = 'discipline_expulsion' AND m.grade = 'expulsion' AND m.kind = 'discipline'"
	    " AND m.decided_at > 0 AND m.decided_by IS NOT NULL", (long long)m_senior), 1);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM case_events WHERE id = %lld AND kind ="
	    " 'measure' AND meta LIKE '%%\"measure_id\":%lld%%' AND party_id = %lld",
	    (long long)ev, (long long)m_senior, (long long)senior1);
	assert_int_equal(fx_int(sql), 1);
	assert_int_equal(count_sql("SELECT event_id FROM case_measures WHERE id = %lld",
	    (long long)m_senior), ev);

	/* The victim's protection, and criticism for the younger one, with
	 * sealed notes; then family guidance for the victim's family. */
	snprintf(body, sizeof body, "{\"party_id\":%lld,\"code\":\"protect_seat\",\"note\":"
	    "\"NOTE-SECRET-1 座位调到讲台旁边\"}", (long long)victim1);
	assert_int_equal(api(&head_e, "POST", path, body, &j), 201);
	m_victim = jget_i(j, "id");
	json_decref(j);
	snprintf(form, sizeof form, "party_id=%lld&code=criticism&note=NOTE-SECRET-5",
	    (long long)prim1);
	assert_int_equal(page(&head_e, "POST", ppath, form, &r), 303);
	assert_string_equal(resp_header(&r, "Location"), back);
	resp_free(&r);
	m_prim = count_sql("SELECT max(id) FROM case_measures WHERE party_id = %lld",
	    (long long)prim1);
	assert_true(m_prim > 0);
	assert_int_equal(count_sql("SELECT count(*) FROM case_measures WHERE case_id = %lld",
	    (long long)c1), 3);

	/* The measures part shows them in the reader's language. */
	assert_int_equal(api(&head_e, "GET", path, NULL, &j), 200);
	assert_int_equal(json_array_size(json_object_get(j, "measures")), 3);
	assert_string_equal(jget_s(j, "measures.0.label"), "纪律处分：开除");
	assert_string_equal(jget_s(j, "measures.0.grade_label"), "开除");
	assert_true(json_is_true(json_object_get(j, "measures_can_decide")));
	assert_true(json_array_size(json_object_get(j, "catalogue")) > 0);
	json_decref(j);
	char auth[96];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", head_e.token);
	const char *hdr[] = { auth, "Accept-Language: en", NULL };
	assert_int_equal(http_req(&S, "GET", path, NULL, NULL, 0, hdr, &r), 0);
	assert_int_equal(r.status, 200);
	j = json_loads(r.body, 0, NULL);
	assert_string_equal(jget_s(j, "measures.0.label"), "Discipline: expulsion");
	json_decref(j);
	resp_free(&r);
}

static void
test_who_may_decide(void **state)
{
	char path[64], body[128], nowhere[64], *b1 = NULL, *b2 = NULL;
	decide_path(path, sizeof path, c1);
	decide_path(nowhere, sizeof nowhere, 99999999);
	snprintf(body, sizeof body, "{\"party_id\":%lld,\"code\":\"criticism\"}", (long long)prim1);
	int64_t before = fingerprint();
	/* A teacher who neither owns nor reported the case does not see it;
	 * a counsellor and the office read it but may not decide. */
	assert_int_equal(api(&teacher2_e, "POST", path, body, NULL), 404);
	assert_int_equal(api(&counsellor_e, "POST", path, body, NULL), 403);
	assert_int_equal(api(&office, "POST", path, body, NULL), 403);
	/* Another school's principal: exactly as for a missing case. */
	assert_int_equal(api_raw(&head_b, "POST", path, body, &b1), 404);
	assert_int_equal(api_raw(&head_b, "POST", nowhere, body, &b2), 404);
	assert_string_equal(b1, b2);
	free(b1);
	free(b2);
	assert_int_equal(fingerprint(), before);
}

static void
test_told_done_and_transition(void **state)
{
	char path[96], body[128], *out = NULL;
	json_t *j = NULL;
	int64_t ms[3] = { m_senior, m_victim, m_prim };
	set_state(c1, "measures", "bullying", "repeated");
	/* Neither told nor done: the step to follow-up is refused. */
	assert_int_equal(transition(c1, "follow_up", &out), 409);
	assert_non_null(strstr(out, "missing.measures_not_told"));
	free(out);

	int64_t before = fingerprint();
	snprintf(path, sizeof path, "/api/v1/cases/%lld/measures/%lld/told", (long long)c1,
	    (long long)m_senior);
	assert_int_equal(api(&head_e, "POST", path, "{\"told_at\":\"2999-01-01\"}", &j), 400);
	assert_string_equal(jget_s(json_object_get(j, "error"), "code"), "measures_future");
	json_decref(j);
	assert_int_equal(api(&counsellor_e, "POST", path, "{}", NULL), 403);
	/* Nor before the measure was decided. */
	assert_int_equal(api(&head_e, "POST", path, "{\"told_at\":\"2020-01-01\"}", &j), 400);
	assert_string_equal(jget_s(json_object_get(j, "error"), "code"), "measures_before_decided");
	assert_non_null(strstr(jget_s(json_object_get(j, "error"), "message"), "决定这项措施"));
	json_decref(j);
	snprintf(path, sizeof path, "/api/v1/cases/%lld/measures/%lld/done", (long long)c1,
	    (long long)m_senior);
	assert_int_equal(api(&head_e, "POST", path, "{\"done_at\":\"2020-01-01\"}", &j), 400);
	assert_string_equal(jget_s(json_object_get(j, "error"), "code"), "measures_before_decided");
	json_decref(j);
	assert_int_equal(fingerprint(), before);

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "/api/v1/cases/%lld/measures/%lld/told", (long long)c1,
		    (long long)ms[i]);
		assert_int_equal(api(&head_e, "POST", path, "{\"method\":\"phone\"}", NULL), 200);
		assert_int_equal(api(&head_e, "POST", path, "{\"method\":\"phone\"}", &j), 409);
		assert_string_equal(jget_s(json_object_get(j, "error"), "code"), "measures_already");
		json_decref(j);
	}
	assert_int_equal(count_sql("SELECT count(*) FROM case_measures WHERE case_id = %lld"
	    " AND guardians_told_at > 0", (long long)c1), 3);
	assert_int_equal(count_sql("SELECT count(*) FROM case_events WHERE case_id = %lld"
	    " AND kind = 'measure_told'", (long long)c1), 3);
	/* Told, not yet done. */
	assert_int_equal(transition(c1, "follow_up", &out), 409);
	assert_null(strstr(out, "missing.measures_not_told"));
	assert_non_null(strstr(out, "missing.measures_not_done"));
	free(out);

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "/api/v1/cases/%lld/measures/%lld/done", (long long)c1,
		    (long long)ms[i]);
		snprintf(body, sizeof body, "{\"note\":\"NOTE-SECRET-2 落实%d\"}", i);
		if (i < 2) {
			assert_int_equal(api(&head_e, "POST", path, body, NULL), 200);
		} else {
			struct resp r;
			snprintf(path, sizeof path, "/cases/%lld/measures/%lld/done", (long long)c1,
			    (long long)ms[i]);
			assert_int_equal(page(&head_e, "POST", path, "note=NOTE-SECRET-2", &r), 303);
			resp_free(&r);
		}
	}
	assert_int_equal(count_sql("SELECT count(*) FROM case_measures WHERE case_id = %lld"
	    " AND done_at > 0", (long long)c1), 3);
	/* The rules now count every measure told and done. */
	case_facts f;
	memset(&f, 0, sizeof f);
	assert_int_equal(case_facts_load(fx_conn(), c1, (int64_t)time(NULL), &f), XA_OK);
	assert_int_equal(f.measures, 3);
	assert_int_equal(f.measures_not_told, 0);
	assert_int_equal(f.measures_not_done, 0);
	long st = transition(c1, "follow_up", &out);
	if (st != 200 && st != 201)
		fprintf(stderr, "follow_up: %ld %s\n", st, out);
	assert_true(st == 200 || st == 201);
	free(out);
	assert_int_equal(count_sql("SELECT count(*) FROM cases WHERE id = %lld AND state ="
	    " 'follow_up'", (long long)c1), 1);
}

static void
test_protection_and_followup(void **state)
{
	char path[96], body[512], *out = NULL;
	json_t *j = NULL;
	snprintf(path, sizeof path, "/api/v1/cases/%lld/protection", (long long)c1);
	int64_t before = fingerprint();
	snprintf(body, sizeof body, "{\"party_id\":%lld,\"text\":\"不适用\",\"review_dates\":"
	    "[\"2030-01-10\"]}", (long long)prim1);
	assert_int_equal(api(&head_e, "POST", path, body, &j), 400);
	assert_string_equal(jget_s(json_object_get(j, "error"), "code"),
	    "measures_protection_victim");
	json_decref(j);
	assert_int_equal(fingerprint(), before);

	snprintf(body, sizeof body, "{\"party_id\":%lld,\"text\":\"PLAN-SECRET-3"
	    " 安排同伴陪同上下学\",\"review_dates\":[\"2030-01-10\",\"2030-02-10\"]}",
	    (long long)victim1);
	assert_int_equal(api(&head_e, "POST", path, body, NULL), 201);
	char q[192];
	snprintf(q, sizeof q, "SELECT count(*) FROM case_reviews WHERE case_id = %lld AND"
	    " kind = 'protection_review' AND party_id = %lld", (long long)c1, (long long)victim1);
	assert_int_equal(fx_int(q), 2);
	assert_int_equal(count_sql("SELECT count(*) FROM case_events WHERE case_id = %lld AND"
	    " kind = 'protection' AND meta LIKE '%%2030-02-10%%'", (long long)c1), 1);

	/* In follow-up, the first check-ins are offered, dated after the
	 * bureau's interval. */
	snprintf(path, sizeof path, "/api/v1/cases/%lld/measures", (long long)c1);
	assert_int_equal(api(&head_e, "GET", path, NULL, &j), 200);
	json_t *offer = json_object_get(j, "measures_followup");
	assert_true(json_is_object(offer));
	assert_int_equal(jget_i(offer, "students"), 3);
	char due[11];
	long days = (long)fx_int("SELECT coalesce((SELECT CAST(value AS INTEGER) FROM settings"
	    " WHERE key = 'case.followup_days'), 14)");
	day_format(day_of((int64_t)time(NULL), 8 * 3600) + (xa_day)days, due);
	assert_string_equal(jget_s(offer, "due_on"), due);
	assert_int_equal(json_array_size(json_object_get(j, "reviews")), 2);
	json_decref(j);

	/* Planned for every student on either side at once; not twice. */
	snprintf(path, sizeof path, "/api/v1/cases/%lld/reviews", (long long)c1);
	assert_int_equal(api(&head_e, "POST", path, "{\"every\":true,\"kind\":\"protection_review\","
	    "\"due_on\":\"2030-01-15\"}", NULL), 400);
	assert_int_equal(api(&head_e, "POST", path, "{\"every\":true,\"kind\":\"followup\","
	    "\"due_on\":\"2030-01-15\"}", NULL), 201);
	assert_int_equal(count_sql("SELECT count(*) FROM case_reviews WHERE case_id = %lld AND"
	    " kind = 'followup'", (long long)c1), 3);
	assert_int_equal(api(&head_e, "POST", path, "{\"every\":true,\"kind\":\"followup\","
	    "\"due_on\":\"2030-01-15\"}", &j), 409);
	assert_string_equal(jget_s(json_object_get(j, "error"), "code"),
	    "measures_followup_planned");
	json_decref(j);
	/* One more, by the page form. */
	struct resp r;
	char ppath[64], form[128];
	snprintf(ppath, sizeof ppath, "/cases/%lld/reviews", (long long)c1);
	snprintf(form, sizeof form, "party_id=%lld&kind=followup&due_on=2030-03-01",
	    (long long)senior1);
	assert_int_equal(page(&head_e, "POST", ppath, form, &r), 303);
	resp_free(&r);
	assert_int_equal(count_sql("SELECT count(*) FROM case_reviews WHERE case_id = %lld AND"
	    " kind = 'followup'", (long long)c1), 4);

	/* Not yet done: the case cannot close. */
	assert_int_equal(transition(c1, "closed", &out), 409);
	assert_non_null(strstr(out, "missing.followup_victim"));
	free(out);

	/* Each check-in happens. */
	int64_t ids[8];
	size_t n = 0;
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT id FROM case_reviews WHERE case_id = %lld AND kind ="
	    " 'followup' ORDER BY id", (long long)c1);
	for (int k = 0; k < 4; k++) {
		char q2[200];
		snprintf(q2, sizeof q2, "%s LIMIT 1 OFFSET %d", sql, k);
		ids[n++] = fx_int(q2);
	}
	for (size_t k = 0; k < n; k++) {
		snprintf(path, sizeof path, "/api/v1/cases/%lld/reviews/%lld/done", (long long)c1,
		    (long long)ids[k]);
		assert_int_equal(api(&head_e, "POST", path, "{}", NULL), 400);	/* no text */
		assert_int_equal(api(&head_e, "POST", path, "{\"text\":\"CHECKIN-SECRET-4"
		    " 情绪稳定\"}", &j), 200);
		assert_true(jget_i(j, "event_id") > 0);
		json_decref(j);
		assert_int_equal(api(&head_e, "POST", path, "{\"text\":\"再次\"}", NULL), 409);
	}
	snprintf(sql, sizeof sql, "SELECT count(*) FROM case_events WHERE case_id = %lld AND"
	    " kind = 'followup' AND meta LIKE '%%review_id%%'", (long long)c1);
	assert_int_equal(fx_int(sql), 4);
	/* A protection review too, by the page form. */
	int64_t prv = count_sql("SELECT min(id) FROM case_reviews WHERE case_id = %lld AND"
	    " kind = 'protection_review'", (long long)c1);
	snprintf(ppath, sizeof ppath, "/cases/%lld/reviews/%lld/done", (long long)c1,
	    (long long)prv);
	assert_int_equal(page(&head_e, "POST", ppath, "text=CHECKIN-SECRET-4&done_at=2020-01-02",
	    &r), 303);
	resp_free(&r);
	assert_int_equal(count_sql("SELECT count(*) FROM case_reviews WHERE id = %lld AND"
	    " done_at > 0 AND event_id IS NOT NULL", (long long)prv), 1);

	long st = transition(c1, "closed", &out);
	if (st != 200 && st != 201)
		fprintf(stderr, "closed: %ld %s\n", st, out);
	assert_true(st == 200 || st == 201);
	free(out);

	/* Closed: nothing more is added. */
	before = fingerprint();
	int64_t open = count_sql("SELECT max(id) FROM case_reviews WHERE case_id = %lld AND"
	    " done_at = 0", (long long)c1);
	snprintf(path, sizeof path, "/api/v1/cases/%lld/reviews/%lld/done", (long long)c1,
	    (long long)open);
	assert_int_equal(api(&head_e, "POST", path, "{\"text\":\"晚了\"}", &j), 409);
	assert_string_equal(jget_s(json_object_get(j, "error"), "code"), "measures_closed");
	json_decref(j);
	snprintf(path, sizeof path, "/api/v1/cases/%lld/measures", (long long)c1);
	snprintf(body, sizeof body, "{\"party_id\":%lld,\"code\":\"criticism\"}", (long long)prim1);
	assert_int_equal(api(&head_e, "POST", path, body, NULL), 409);
	assert_int_equal(fingerprint(), before);
}

/* Compulsory education cannot be left through a wrongly given stage: a
 * stage the school does not teach and a grade that is not the stage's are
 * refused, and a grade of 1 to 9 keeps 留校察看/勒令退学/开除 refused. */
static void
test_compulsory_stage(void **state)
{
	int64_t c4 = open_case(&head_e, "第四起事件");
	assert_true(c4 > 0);
	set_state(c4, "determined", "bullying", "repeated");
	char path[64];
	snprintf(path, sizeof path, "/api/v1/cases/%lld/parties", (long long)c4);
	int64_t parties = fx_int("SELECT count(*) FROM case_parties");
	json_t *j = NULL;
	/* The grade-7 student entered as senior high. */
	assert_int_equal(api(&head_e, "POST", path, "{\"role\":\"perpetrator\",\"name\":"
	    "\"周小七\",\"grade\":7,\"stage\":\"senior\"}", &j), 400);
	assert_string_equal(jget_s(json_object_get(j, "error"), "code"), "case_grade_stage");
	assert_true((unsigned char)jget_s(json_object_get(j, "error"), "message")[0] >= 0xe4);
	json_decref(j);
	/* A stage this school does not teach. */
	assert_int_equal(api(&head_e, "POST", path, "{\"role\":\"perpetrator\",\"name\":"
	    "\"周小七\",\"grade\":11,\"stage\":\"vocational\"}", &j), 400);
	assert_string_equal(jget_s(json_object_get(j, "error"), "code"), "case_stage_not_taught");
	assert_true((unsigned char)jget_s(json_object_get(j, "error"), "message")[0] >= 0xe4);
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM case_parties"), parties);
	/* Grade 7 without a stage, or junior: compulsory; 开除 stays refused. */
	assert_int_equal(api(&head_e, "POST", path, "{\"role\":\"perpetrator\",\"name\":"
	    "\"周小七\",\"grade\":7}", &j), 201);
	int64_t p7 = jget_i(j, "id");
	json_decref(j);
	assert_int_equal(count_sql("SELECT compulsory FROM case_parties WHERE id = %lld",
	    (long long)p7), 1);
	char mpath[64], body[128];
	decide_path(mpath, sizeof mpath, c4);
	int64_t before = fingerprint();
	snprintf(body, sizeof body, "{\"party_id\":%lld,\"code\":\"discipline_expulsion\"}",
	    (long long)p7);
	assert_int_equal(api(&head_e, "POST", mpath, body, &j), 400);
	assert_string_equal(jget_s(json_object_get(j, "error"), "code"), "measures_compulsory");
	json_decref(j);
	assert_int_equal(fingerprint(), before);
	/* Grade 11 in senior high: not compulsory. */
	assert_int_equal(api(&head_e, "POST", path, "{\"role\":\"perpetrator\",\"name\":"
	    "\"吴十一\",\"grade\":11,\"stage\":\"senior\"}", &j), 201);
	int64_t p11 = jget_i(j, "id");
	json_decref(j);
	assert_int_equal(count_sql("SELECT compulsory FROM case_parties WHERE id = %lld",
	    (long long)p11), 0);
}

/* Sends a request as s while the fixture holds the database's write lock
 * with `sql` applied but not committed: the handler sees the case as it
 * was and queues its job; the writer waits for the lock, so nothing is
 * answered until the change is committed, and the job must then see it.
 * (A handler slower than the pause sees the change and refuses by
 * itself: the test then passes without the writer's check, never fails
 * for that.) The status; the answer's body into body. */
static long
racing(const struct session *s, const char *path, const char *json, const char *sql,
    char *body, size_t blen)
{
	assert_int_equal(db_begin(fx_conn()), XA_OK);
	assert_int_equal(fx_sql(sql), 0);
	int fd = raw_connect(&S);
	assert_true(fd >= 0);
	char req[2048];
	int n = snprintf(req, sizeof req, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", path, s->token,
	    strlen(json), json);
	assert_true(n > 0 && (size_t)n < sizeof req);
	assert_int_equal(write(fd, req, (size_t)n), n);
	char buf[16384];
	assert_int_equal(raw_read(fd, buf, sizeof buf, 800), 0);
	assert_int_equal(db_commit(fx_conn()), XA_OK);
	ssize_t got = raw_read(fd, buf, sizeof buf, 20000);
	close(fd);
	assert_true(got > 12);
	const char *b = strstr(buf, "\r\n\r\n");
	snprintf(body, blen, "%s", b ? b + 4 : "");
	return strtol(buf + 9, NULL, 10);
}

/* Follow-up check-ins come after the measures: not planned nor recorded
 * while the case is only determined (refused in Chinese, nothing
 * written), also when the case went back while the request waited for
 * the writer; a protection review may be planned at any time. */
static void
test_followup_timing(void **state)
{
	int64_t c5 = open_case(&head_e, "第五起事件");
	int64_t v5 = add_party(&head_e, c5, "victim", "郑小五", "junior");
	assert_true(c5 > 0 && v5 > 0);
	set_state(c5, "determined", "bullying", "general");
	char path[96], body[160], out[8192];
	json_t *j = NULL;
	snprintf(path, sizeof path, "/api/v1/cases/%lld/reviews", (long long)c5);
	snprintf(body, sizeof body, "{\"party_id\":%lld,\"kind\":\"followup\","
	    "\"due_on\":\"2030-01-01\"}", (long long)v5);
	int64_t before = fingerprint();
	assert_int_equal(api(&head_e, "POST", path, body, &j), 409);
	assert_string_equal(jget_s(json_object_get(j, "error"), "code"), "measures_followup_early");
	assert_true((unsigned char)jget_s(json_object_get(j, "error"), "message")[0] >= 0xe4);
	json_decref(j);
	assert_int_equal(api(&head_e, "POST", path, "{\"every\":true,\"kind\":\"followup\","
	    "\"due_on\":\"2030-01-01\"}", &j), 409);
	json_decref(j);
	/* The page form likewise, with the reason. */
	struct resp r;
	char ppath[64], form[128];
	snprintf(ppath, sizeof ppath, "/cases/%lld/reviews", (long long)c5);
	snprintf(form, sizeof form, "party_id=%lld&kind=followup&due_on=2030-01-01",
	    (long long)v5);
	assert_int_equal(page(&head_e, "POST", ppath, form, &r), 409);
	assert_non_null(strstr(r.body, "事后回访"));
	resp_free(&r);
	assert_int_equal(fingerprint(), before);
	/* A check-in planned before (as the table may hold) is not recorded
	 * as done either. */
	char sql[256];
	snprintf(sql, sizeof sql, "INSERT INTO case_reviews (case_id, party_id, kind, due_on)"
	    " VALUES (%lld, %lld, 'followup', '2030-01-01')", (long long)c5, (long long)v5);
	assert_int_equal(fx_sql(sql), 0);
	int64_t rid = fx_int("SELECT max(id) FROM case_reviews");
	char dpath[96];
	snprintf(dpath, sizeof dpath, "/api/v1/cases/%lld/reviews/%lld/done", (long long)c5,
	    (long long)rid);
	before = fingerprint();
	assert_int_equal(api(&head_e, "POST", dpath, "{\"text\":\"回访情况良好\"}", &j), 409);
	assert_string_equal(jget_s(json_object_get(j, "error"), "code"), "measures_followup_early");
	json_decref(j);
	assert_int_equal(fingerprint(), before);
	/* A protection review needs no measure first. */
	snprintf(body, sizeof body, "{\"party_id\":%lld,\"kind\":\"protection_review\","
	    "\"due_on\":\"2030-01-01\"}", (long long)v5);
	assert_int_equal(api(&head_e, "POST", path, body, NULL), 201);

	/* In measures, it may; unless the case goes back meanwhile. */
	set_state(c5, "measures", "bullying", "general");
	snprintf(sql, sizeof sql, "UPDATE cases SET state = 'determined', version = version + 1"
	    " WHERE id = %lld", (long long)c5);
	snprintf(body, sizeof body, "{\"party_id\":%lld,\"kind\":\"followup\","
	    "\"due_on\":\"2030-02-01\"}", (long long)v5);
	before = fingerprint();
	long st = racing(&head_e, path, body, sql, out, sizeof out);
	if (st != 409)
		fail_msg("plan: %ld %s", st, out);
	assert_non_null(strstr(out, "measures_changed"));
	set_state(c5, "measures", "bullying", "general");
	st = racing(&head_e, dpath, "{\"text\":\"回访情况良好\"}", sql, out, sizeof out);
	if (st != 409)
		fail_msg("done: %ld %s", st, out);
	assert_int_equal(count_sql("SELECT done_at FROM case_reviews WHERE id = %lld",
	    (long long)rid), 0);
	set_state(c5, "measures", "bullying", "general");
	/* set_state moves the version only: nothing else was written. */
	assert_int_equal(count_sql("SELECT count(*) FROM case_reviews WHERE case_id = %lld AND"
	    " kind = 'followup'", (long long)c5), 1);
	assert_int_equal(api(&head_e, "POST", path, body, NULL), 201);
	assert_int_equal(api(&head_e, "POST", dpath, "{\"text\":\"回访情况良好\"}", NULL), 200);
}

static void
test_suggestion(void **state)
{
	/* The same senior student in a new case: the earlier finding is
	 * suggested to the committee, and nothing is decided by itself. */
	int64_t c2 = open_case(&head_e, "第二起事件");
	assert_true(c2 > 0);
	assert_true(add_party(&head_e, c2, "victim", "赵小华", "senior") > 0);
	assert_true(add_party(&head_e, c2, "perpetrator", "王大明", "senior") > 0);
	set_state(c2, "determined", "bullying", "general");
	char number[16], path[64], href[32];
	case_number((int)count_sql("SELECT year FROM cases WHERE id = %lld", (long long)c1),
	    (int)count_sql("SELECT seq FROM cases WHERE id = %lld", (long long)c1), number);
	snprintf(path, sizeof path, "/api/v1/cases/%lld/measures", (long long)c2);
	snprintf(href, sizeof href, "/cases/%lld", (long long)c1);
	json_t *j = NULL;
	assert_int_equal(api(&head_e, "GET", path, NULL, &j), 200);
	json_t *sug = json_object_get(j, "suggestions");
	assert_int_equal(json_array_size(sug), 1);
	assert_string_equal(jget_s(sug, "0.number"), number);
	assert_string_equal(jget_s(sug, "0.href"), href);
	/* Offered only up to the case's tier. */
	json_t *groups = json_object_get(j, "catalogue");
	assert_int_equal(json_array_size(groups), 1);
	json_decref(j);
	assert_int_equal(count_sql("SELECT count(*) FROM case_measures WHERE case_id = %lld",
	    (long long)c2), 0);
	/* A teacher who owns this case but may not open the earlier one is
	 * not told of it at all: that finding is part of the other file. */
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE cases SET owner_id = %lld WHERE id = %lld",
	    (long long)teacher_e.account_id, (long long)c2);
	assert_int_equal(fx_sql(sql), 0);
	char *raw = NULL;
	assert_int_equal(api_raw(&teacher_e, "GET", path, NULL, &raw), 200);
	assert_null(strstr(raw, number));
	j = json_loads(raw, 0, NULL);
	free(raw);
	assert_true(json_is_true(json_object_get(j, "measures_can_write")));
	assert_int_equal(json_array_size(json_object_get(j, "suggestions")), 0);
	json_decref(j);
	/* Nor a reader who decides nothing (the bureau's office). */
	assert_int_equal(api_raw(&office, "GET", path, NULL, &raw), 200);
	assert_null(strstr(raw, number));
	j = json_loads(raw, 0, NULL);
	free(raw);
	assert_int_equal(json_array_size(json_object_get(j, "suggestions")), 0);
	json_decref(j);
	/* On the case page, in words. */
	struct resp r;
	snprintf(path, sizeof path, "/cases/%lld", (long long)c2);
	assert_int_equal(page(&head_e, "GET", path, NULL, &r), 200);
	char text[128];
	snprintf(text, sizeof text, "该学生此前在案件 <a href=\"/cases/%lld\">%s</a> 中被认定实施欺凌",
	    (long long)c1, number);
	assert_non_null(strstr(r.body, "id=\"measures\""));
	assert_non_null(strstr(r.body, text));
	resp_free(&r);
}

static void
test_isolation(void **state)
{
	/* Every route of a case, as another school's principal: the same
	 * answer as for a missing case, and nothing changed. */
	int64_t mid = m_prim, rid = count_sql("SELECT min(id) FROM case_reviews WHERE case_id ="
	    " %lld", (long long)c1);
	int64_t c3 = open_case(&head_e, "第三起事件");
	int64_t v3 = add_party(&head_e, c3, "victim", "孙小玲", "primary");
	assert_true(c3 > 0 && v3 > 0);
	set_state(c3, "determined", "bullying", "serious");
	struct {
		const char *method, *path, *body;
	} routes[] = {
		{ "GET", "/api/v1/cases/@c/measures", NULL },
		{ "POST", "/api/v1/cases/@c/measures", "{\"party_id\":@p,\"code\":\"protect_seat\"}" },
		{ "POST", "/api/v1/cases/@c/measures/@s/told", "{}" },
		{ "POST", "/api/v1/cases/@c/measures/@s/done", "{}" },
		{ "POST", "/api/v1/cases/@c/reviews", "{\"party_id\":@p,\"kind\":\"followup\","
		  "\"due_on\":\"2030-01-01\"}" },
		{ "POST", "/api/v1/cases/@c/reviews/@s/done", "{\"text\":\"越权\"}" },
		{ "POST", "/api/v1/cases/@c/protection", "{\"party_id\":@p,\"text\":\"越权\"}" },
	};
	int64_t before = fingerprint();
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		char p1[128], p2[128], body[256] = "";
		int64_t sub = strstr(routes[i].path, "@s") == NULL ? 0 :
		    strstr(routes[i].path, "reviews") ? rid : mid;
		int64_t cid = sub ? c1 : c3;
		subst(p1, sizeof p1, routes[i].path, cid, sub, v3);
		subst(p2, sizeof p2, routes[i].path, 99999999, sub, v3);
		if (routes[i].body)
			subst(body, sizeof body, routes[i].body, cid, sub, v3);
		char *b1 = NULL, *b2 = NULL;
		long s1 = api_raw(&head_b, routes[i].method, p1, routes[i].body ? body : NULL, &b1);
		long s2 = api_raw(&head_b, routes[i].method, p2, routes[i].body ? body : NULL, &b2);
		if (s1 != 404 || s2 != 404 || strcmp(b1, b2) != 0)
			fprintf(stderr, "%s %s: %ld %s / %ld %s\n", routes[i].method, p1, s1, b1, s2, b2);
		assert_int_equal(s1, 404);
		assert_int_equal(s2, 404);
		assert_string_equal(b1, b2);
		free(b1);
		free(b2);
	}
	/* The page routes too. */
	static const char *const pages[][2] = {
		{ "/cases/@c/measures", "party_id=@p&code=protect_seat" },
		{ "/cases/@c/measures/@s/told", "method=phone" },
		{ "/cases/@c/measures/@s/done", "note=x" },
		{ "/cases/@c/reviews", "party_id=@p&kind=followup&due_on=2030-01-01" },
		{ "/cases/@c/reviews/@s/done", "text=x" },
		{ "/cases/@c/protection", "party_id=@p&text=x" },
	};
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		char p1[96], form[128];
		struct resp r;
		int64_t sub = strstr(pages[i][0], "@s") == NULL ? 0 :
		    strstr(pages[i][0], "reviews") ? rid : mid;
		int64_t cid = sub ? c1 : c3;
		subst(p1, sizeof p1, pages[i][0], cid, sub, v3);
		subst(form, sizeof form, pages[i][1], cid, sub, v3);
		assert_int_equal(page(&head_b, "POST", p1, form, &r), 404);
		resp_free(&r);
		subst(p1, sizeof p1, pages[i][0], 99999999, sub, v3);
		assert_int_equal(page(&head_b, "POST", p1, form, &r), 404);
		resp_free(&r);
	}
	/* A measure or review of another case, through this one: missing. */
	char p[128];
	snprintf(p, sizeof p, "/api/v1/cases/%lld/measures/%lld/told", (long long)c3,
	    (long long)mid);
	assert_int_equal(api(&head_e, "POST", p, "{}", NULL), 404);
	snprintf(p, sizeof p, "/api/v1/cases/%lld/reviews/%lld/done", (long long)c3,
	    (long long)rid);
	assert_int_equal(api(&head_e, "POST", p, "{\"text\":\"x\"}", NULL), 404);
	assert_int_equal(fingerprint(), before);
}

static void
test_no_plaintext(void **state)
{
	/* Notes, plans and check-in records are sealed: neither the database
	 * file nor its WAL holds them. */
	static const char *const secrets[] = {
		"NOTE-SECRET-1", "NOTE-SECRET-2", "PLAN-SECRET-3", "CHECKIN-SECRET-4",
		"NOTE-SECRET-5", "安排同伴陪同上下学", "座位调到讲台旁边", "情绪稳定",
	};
	char dbfile[256], wal[256];
	snprintf(dbfile, sizeof dbfile, "%s/data/xiaoan.db", S.dir);
	snprintf(wal, sizeof wal, "%s/data/xiaoan.db-wal", S.dir);
	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
		assert_false(file_contains(dbfile, secrets[i]));
		assert_false(file_contains(wal, secrets[i]));
	}
	/* They are there, sealed: the case page opens them for its reader. */
	struct resp r;
	char path[64];
	snprintf(path, sizeof path, "/cases/%lld", (long long)c1);
	assert_int_equal(page(&head_e, "GET", path, NULL, &r), 200);
	assert_non_null(strstr(r.body, "NOTE-SECRET-1"));
	assert_non_null(strstr(r.body, "PLAN-SECRET-3"));
	assert_non_null(strstr(r.body, "CHECKIN-SECRET-4"));
	resp_free(&r);
	/* The de-identified reader of the bureau sees none of it. */
	assert_int_equal(page(&office, "GET", path, NULL, &r), 200);
	assert_null(strstr(r.body, "NOTE-SECRET-1"));
	assert_null(strstr(r.body, "PLAN-SECRET-3"));
	resp_free(&r);
}

static void
test_default_edited_by_office(void **state)
{
	/* The office changes the bureau's default; a school without its own
	 * is offered the changed default; a principal may not change it. */
	static const char list[] = "{\"unit_id\":1,\"items\":["
	    "{\"tier\":\"general\",\"kind\":\"education\",\"code\":\"criticism\",\"name\":\"批评教育\"},"
	    "{\"tier\":\"general\",\"kind\":\"education\",\"name\":\"观看警示教育片\"}]}";
	int64_t before = fingerprint();
	assert_int_equal(api(&head_b, "PUT", "/api/v1/catalogue", list, NULL), 403);
	assert_int_equal(fingerprint(), before);
	json_t *j = NULL;
	assert_int_equal(api(&office, "PUT", "/api/v1/catalogue", list, &j), 200);
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM measure_catalogue WHERE unit_id IS NULL"
	    " AND active = 1"), 2);
	/* Retired, not deleted: decided measures still point at them. */
	assert_int_equal(fx_int("SELECT count(*) FROM measure_catalogue WHERE unit_id IS NULL"), 23);
	assert_int_equal(api(&head_b, "GET", "/api/v1/catalogue", NULL, &j), 200);
	assert_true(json_is_true(json_object_get(j, "showing_default")));
	json_t *tiers = json_object_get(j, "tiers");
	assert_int_equal(json_array_size(json_object_get(json_array_get(tiers, 0), "items")), 2);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogue_default_shown),
		cmocka_unit_test(test_catalogue_replace),
		cmocka_unit_test(test_copy_defaults),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_who_may_decide),
		cmocka_unit_test(test_told_done_and_transition),
		cmocka_unit_test(test_protection_and_followup),
		cmocka_unit_test(test_suggestion),
		cmocka_unit_test(test_compulsory_stage),
		cmocka_unit_test(test_followup_timing),
		cmocka_unit_test(test_isolation),
		cmocka_unit_test(test_no_plaintext),
		cmocka_unit_test(test_default_edited_by_office),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
