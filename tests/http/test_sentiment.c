/* test_sentiment.c: the register of public-opinion monitoring over HTTP
 * (src/sentiment/sentiment_http.c), on the real server.
 *
 * An outside service pushes with its token (issued with sr_token_issue on
 * the fixture's connection): absent, malformed, unknown and revoked
 * tokens, and a session instead of a token, all get the same 401 and
 * store nothing; a bad item is refused with its field and nothing of the
 * push is stored; the same id twice is "seen"; the same story from a
 * second service folds into one story with two copies; the urgent notice
 * is raised once per story; a story about bullying at a fixture school
 * scores at the threshold and names it, an unrelated one does not alert.
 * Then every handling action and each refused transition, a link to a
 * case, a report (channel media, in the school's queue, its body opening
 * to the title), the official response; an item entered by hand with a
 * PNG and the screenshot's reach; the pages for the office and 404 for a
 * principal and a section's staff; the register's filters. */
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
#include "sentiment/register.h"
#include "store/db.h"

static struct srv S;
static struct session office, prin, section;
static int64_t school, school2, township, case_id;
static char tok_a[SR_TOKEN_LEN + 1], tok_b[SR_TOKEN_LEN + 1], tok_gone[SR_TOKEN_LEN + 1];
static int64_t story_bully, story_other;

#define PW "Fixture-Pass-123"
#define SCHOOL "新郑市第二初级中学"
#define BULLY_TITLE "新郑市第二初级中学学生在校内遭多人殴打"
#define BULLY_TEXT "网传视频显示，新郑市第二初级中学一名初二学生在厕所被几名同学围殴、扇耳光并辱骂，班主任称已报告学校。"
#define OTHER_TITLE "龙湖镇举办春季田径运动会"
#define OTHER_TEXT "本周末龙湖镇体育场举行春季田径运动会，各村代表队参加比赛。"

/* --- Helpers. */

/* One request; the body as JSON (fails the test on another status). */
static json_t *
call(const struct session *s, const char *method, const char *path, const char *json,
    long want)
{
	struct resp r;
	assert_int_equal(fx_req(&S, s, method, path, json, &r), 0);
	if (r.status != want)
		fail_msg("%s %s: %ld, want %ld: %s", method, path, r.status, want,
		    r.body ? r.body : "");
	json_t *j = json_loads(r.body && r.body[0] ? r.body : "null", JSON_DECODE_ANY, NULL);
	resp_free(&r);
	assert_non_null(j);
	return j;
}

/* A push with Authorization header auth (NULL: none); status into *st,
 * body returned (the caller frees). */
static char *
push_raw(const char *auth, const char *body, long *st)
{
	char h[128];
	struct resp r;
	if (auth != NULL)
		snprintf(h, sizeof h, "Authorization: %s", auth);
	const char *hs[] = { auth ? h : NULL, NULL };
	assert_int_equal(http_req(&S, "POST", "/api/v1/sentiment/items", "application/json",
	    body, strlen(body), hs, &r), 0);
	*st = r.status;
	char *b = strdup(r.body ? r.body : "");
	resp_free(&r);
	return b;
}

static json_t *
push(const char *tok, const char *body, long want)
{
	char auth[80];
	long st = 0;
	snprintf(auth, sizeof auth, "Bearer %s", tok);
	char *b = push_raw(auth, body, &st);
	if (st != want)
		fail_msg("push: %ld, want %ld: %s", st, want, b);
	json_t *j = json_loads(b, 0, NULL);
	free(b);
	assert_non_null(j);
	return j;
}

static int64_t
items_count(void)
{
	return fx_int("SELECT count(*) FROM sentiment_items");
}

static int64_t
alerts_count(void)
{
	return fx_int("SELECT count(*) FROM notices WHERE kind = 'sentiment.alert'");
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int64_t
q1(const char *fmt, int64_t a)
{
	char sql[512];
	snprintf(sql, sizeof sql, fmt, (long long)a);
	return fx_int(sql);
}

static char *
path1(const char *fmt, int64_t id)
{
	static char p[4][200];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof p[k], fmt, (long long)id);
	return p[k];
}
#pragma GCC diagnostic pop

/* A page as a session by cookie: status, body in *body (caller frees). */
static long
page(const struct session *s, const char *method, const char *path, const char *form,
    char **body, char *location, size_t loclen)
{
	struct resp r;
	char buf[4096];
	const char *b = NULL;
	if (form != NULL) {
		snprintf(buf, sizeof buf, "%s&_csrf=%s", form, s->csrf);
		b = buf;
	}
	assert_int_equal(fx_req_cookie(&S, s, method, path, form ?
	    "application/x-www-form-urlencoded" : NULL, b, 1, &r), 0);
	long st = r.status;
	if (location != NULL) {
		const char *l = resp_header(&r, "Location");
		snprintf(location, loclen, "%s", l ? l : "");
	}
	if (body != NULL)
		*body = strdup(r.body ? r.body : "");
	resp_free(&r);
	return st;
}

/* A story's state from the API. */
static const char *
state_of(int64_t id)
{
	static char out[16];
	json_t *j = call(&office, "GET", path1("/api/v1/sentiment/items/%lld", id), NULL, 200);
	snprintf(out, sizeof out, "%s", json_string_value(json_object_get(j, "state")));
	json_decref(j);
	return out;
}

/* --- Setup. */

static xa_err
issue(db *c, const char *name, char tok[SR_TOKEN_LEN + 1], int64_t *id)
{
	xa_err e = db_begin(c);
	if (e != XA_OK)
		return e;
	e = sr_token_issue(c, name, 1, (int64_t)time(NULL), tok, id);
	if (e == XA_OK)
		e = db_commit(c);
	else
		db_rollback(c);
	return e;
}

static int
setup(void **state)
{
	static const char *const extra[] = { "--loops", "2", "--access-log", "off", NULL };
	memset(&S, 0, sizeof S);
	if (srv_start(&S, extra) != 0 || fx_setup(&S) != 0)
		return -1;
	if (fx_sql("UPDATE units SET name = '新郑市教育体育局' WHERE id = 1") != 0)
		return -1;
	int64_t off = fx_unit(1, "office", "办公室", NULL);
	int64_t sec = fx_unit(1, "section", "基础教育科", NULL);
	township = fx_unit(1, "township", "龙湖镇", NULL);
	school = fx_unit(township, "school", SCHOOL, "junior");
	school2 = fx_unit(township, "school", "新郑市龙湖镇中心小学", "primary");
	char sql[256];
	snprintf(sql, sizeof sql, "UPDATE units SET township_id = %lld WHERE id IN (%lld, %lld)",
	    (long long)township, (long long)school, (long long)school2);
	if (fx_sql(sql) != 0)
		return -1;
	if (fx_account(off, "office-s", PW, ROLE_BIT(ROLE_OFFICE_STAFF)) < 0 ||
	    fx_account(school, "prin-s", PW, ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(sec, "section-s", PW, ROLE_BIT(ROLE_SECTION_STAFF)) < 0)
		return -1;
	if (fx_signin(&S, "office-s", PW, &office) != 0 || fx_signin(&S, "prin-s", PW, &prin) != 0 ||
	    fx_signin(&S, "section-s", PW, &section) != 0)
		return -1;
	int64_t ida = 0, idb = 0, idg = 0;
	if (issue(fx_conn(), "舆情服务甲", tok_a, &ida) != XA_OK ||
	    issue(fx_conn(), "舆情服务乙", tok_b, &idb) != XA_OK ||
	    issue(fx_conn(), "已停用服务", tok_gone, &idg) != XA_OK)
		return -1;
	snprintf(sql, sizeof sql, "UPDATE sentiment_tokens SET revoked_at = 1, revoked_by = 1"
	    " WHERE id = %lld", (long long)idg);
	if (fx_sql(sql) != 0)
		return -1;
	/* A case of the school to link to: its number is this year's 12th. */
	snprintf(sql, sizeof sql, "INSERT INTO cases (unit_id, year, seq, summary, state,"
	    " state_since, opened_at) VALUES (%lld, 2026, 12, x'00', 'reported', 0, 0)",
	    (long long)school);
	if (fx_sql(sql) != 0)
		return -1;
	case_id = fx_int("SELECT max(id) FROM cases");
	return 0;
}

static int
teardown(void **state)
{
	fx_done();
	int rc = srv_stop(&S);
	char data[200];
	snprintf(data, sizeof data, "%s/data", S.dir);
	char *argv[] = { (char *)xiaoan_bin(), "verify", "--data", data, NULL };
	int vrc = run_cmd(argv, NULL);
	srv_cleanup(&S);
	return rc || vrc;
}

/* --- The push. */

static void
test_push_refused(void **state)
{
	static const char body[] = "{\"id\":\"x1\",\"title\":\"" BULLY_TITLE "\"}";
	char unknown[80], revoked[80], session[80];
	snprintf(unknown, sizeof unknown, "Bearer xst_%040d", 7);
	snprintf(revoked, sizeof revoked, "Bearer %s", tok_gone);
	snprintf(session, sizeof session, "Bearer %s", office.token);
	const char *auths[] = { NULL, "Bearer abc", "Basic eHN0Og==", unknown, revoked, session };
	char *first = NULL;
	for (size_t i = 0; i < sizeof auths / sizeof auths[0]; i++) {
		long st = 0;
		char *b = push_raw(auths[i], body, &st);
		assert_int_equal(st, 401);
		assert_non_null(strstr(b, "unauthorized"));
		/* The same answer for each: nothing tells them apart. */
		if (first == NULL)
			first = b;
		else {
			assert_string_equal(b, first);
			free(b);
		}
	}
	free(first);
	assert_int_equal(items_count(), 0);
	/* A signed-in office account by cookie gets nothing either. */
	struct resp r;
	char cookie[96], csrf[96];
	snprintf(cookie, sizeof cookie, "Cookie: xa_session=%s", office.token);
	snprintf(csrf, sizeof csrf, "X-CSRF-Token: %s", office.csrf);
	const char *h[] = { cookie, csrf, NULL };
	assert_int_equal(http_req(&S, "POST", "/api/v1/sentiment/items", "application/json", body,
	    strlen(body), h, &r), 0);
	assert_int_equal(r.status, 401);
	resp_free(&r);
	assert_int_equal(items_count(), 0);
}

static void
test_push_bad(void **state)
{
	json_t *j = push(tok_a, "{\"items\": [", 400);
	json_decref(j);
	j = push(tok_a, "{\"items\": []}", 400);
	json_decref(j);
	/* The second item has no id: nothing of the push is stored. */
	j = push(tok_a, "{\"items\": [{\"id\":\"ok-1\",\"title\":\"a\"},{\"title\":\"b\"}]}", 400);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"),
	    "field")), "items[1].id");
	json_decref(j);
	j = push(tok_a, "{\"items\": [{\"id\":\"ok-1\",\"published\":\"yesterday\"}]}", 400);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"),
	    "field")), "items[0].published");
	json_decref(j);
	j = push(tok_a, "{\"id\":\"ok-2\",\"url\":\"javascript:alert(1)\"}", 400);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"),
	    "field")), "url");
	json_decref(j);
	/* An id over 512 bytes. */
	char big[700];
	memset(big, 0, sizeof big);
	snprintf(big, sizeof big, "{\"id\":\"");
	memset(big + 7, 'x', 513);
	snprintf(big + 7 + 513, sizeof big - 520, "\"}");
	j = push(tok_a, big, 400);
	json_decref(j);
	/* 101 items. */
	size_t cap = 101 * 24 + 32;
	char *many = malloc(cap);
	assert_non_null(many);
	size_t n = (size_t)snprintf(many, cap, "{\"items\":[");
	for (int i = 0; i < 101; i++)
		n += (size_t)snprintf(many + n, cap - n, "%s{\"id\":\"m%d\"}", i ? "," : "", i);
	snprintf(many + n, cap - n, "]}");
	j = push(tok_a, many, 413);
	free(many);
	json_decref(j);
	assert_int_equal(items_count(), 0);
}

static void
test_push_fold_alert(void **state)
{
	/* Service A reports bullying at the school: a new story, alerted. */
	json_t *j = push(tok_a, "{\"items\":[{\"id\":\"a-1\",\"title\":\"" BULLY_TITLE "\","
	    "\"text\":\"" BULLY_TEXT "\",\"outlet\":\"某短视频平台\","
	    "\"url\":\"https://v.example.com/a1\",\"published\":\"2026-03-02T09:00:00+08:00\"},"
	    "{\"id\":\"a-2\",\"title\":\"" OTHER_TITLE "\",\"text\":\"" OTHER_TEXT "\","
	    "\"published\":1772409600}]}", 200);
	assert_int_equal(json_integer_value(json_object_get(j, "received")), 2);
	json_t *it = json_array_get(json_object_get(j, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(it, "id")), "a-1");
	assert_string_equal(json_string_value(json_object_get(it, "status")), "added");
	story_bully = json_integer_value(json_object_get(it, "story"));
	assert_int_equal(json_integer_value(json_object_get(it, "item")), story_bully);
	it = json_array_get(json_object_get(j, "items"), 1);
	assert_string_equal(json_string_value(json_object_get(it, "status")), "added");
	story_other = json_integer_value(json_object_get(it, "story"));
	assert_true(story_other != story_bully);
	json_decref(j);
	assert_int_equal(alerts_count(), 1);
	assert_int_equal(q1("SELECT count(*) FROM audit_log WHERE action = 'sentiment.push'"
	    " AND object_id > %lld", 0), 1);
	assert_true(q1("SELECT used_at FROM sentiment_tokens WHERE id = (SELECT token_id FROM"
	    " sentiment_items WHERE id = %lld)", story_bully) > 0);

	/* It scores at the threshold and names the school; the other not. */
	j = call(&office, "GET", path1("/api/v1/sentiment/items/%lld", story_bully), NULL, 200);
	assert_true(json_integer_value(json_object_get(j, "story_score")) >= 60);
	assert_int_equal(json_integer_value(json_object_get(j, "school_id")), school);
	assert_string_equal(json_string_value(json_object_get(j, "school")), SCHOOL);
	assert_true(json_is_true(json_object_get(j, "alerted")));
	char *dump = json_dumps(json_object_get(j, "reasons"), 0);
	assert_non_null(strstr(dump, "lexicon:殴打"));
	assert_non_null(strstr(dump, "用词「殴打」"));
	free(dump);
	json_decref(j);
	j = call(&office, "GET", path1("/api/v1/sentiment/items/%lld", story_other), NULL, 200);
	assert_true(json_integer_value(json_object_get(j, "story_score")) < 60);
	assert_false(json_is_true(json_object_get(j, "alerted")));
	json_decref(j);

	/* The same id again: seen, nothing added. */
	int64_t before = items_count();
	j = push(tok_a, "{\"id\":\"a-1\",\"title\":\"" BULLY_TITLE "\"}", 200);
	it = json_array_get(json_object_get(j, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(it, "status")), "seen");
	assert_int_equal(json_integer_value(json_object_get(it, "item")), story_bully);
	json_decref(j);
	assert_int_equal(items_count(), before);

	/* Service B copies the story: folded into it, two copies, no new
	 * notice. */
	j = push(tok_b, "{\"id\":\"b-77\",\"title\":\"" BULLY_TITLE "\",\"text\":\"" BULLY_TEXT
	    "\",\"outlet\":\"某论坛\",\"url\":\"https://bbs.example.org/t/9\"}", 200);
	it = json_array_get(json_object_get(j, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(it, "status")), "folded");
	assert_int_equal(json_integer_value(json_object_get(it, "story")), story_bully);
	int64_t copy = json_integer_value(json_object_get(it, "item"));
	assert_true(copy != story_bully);
	json_decref(j);
	assert_int_equal(alerts_count(), 1);
	j = call(&office, "GET", path1("/api/v1/sentiment/items/%lld", story_bully), NULL, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "copies_n")), 2);
	assert_int_equal(json_array_size(json_object_get(j, "copies")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j,
	    "copies"), 0), "outlet")), "某论坛");
	json_decref(j);
	/* The copy's own address names its story; its page goes there. */
	j = call(&office, "GET", path1("/api/v1/sentiment/items/%lld", copy), NULL, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "story")), story_bully);
	json_decref(j);
	char loc[200];
	assert_int_equal(page(&office, "GET", path1("/sentiment/items/%lld", copy), NULL, NULL, loc,
	    sizeof loc), 303);
	assert_string_equal(loc, path1("/sentiment/items/%lld", story_bully));
	/* Handling a copy is refused like a missing item. */
	j = call(&office, "POST", path1("/api/v1/sentiment/items/%lld/verify", copy), "{}", 404);
	json_decref(j);
}

/* --- Handling. */

static void
test_handling(void **state)
{
	json_t *j;
	/* The unrelated story: dismissed with a reason, then nothing but a
	 * response or reopening. */
	j = call(&office, "POST", path1("/api/v1/sentiment/items/%lld/dismiss", story_other),
	    "{}", 400);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"),
	    "field")), "reason");
	json_decref(j);
	assert_string_equal(state_of(story_other), "new");
	json_decref(call(&office, "POST", path1("/api/v1/sentiment/items/%lld/dismiss",
	    story_other), "{\"reason\":\"与校园欺凌无关\"}", 200));
	assert_string_equal(state_of(story_other), "dismissed");
	json_decref(call(&office, "POST", path1("/api/v1/sentiment/items/%lld/verify", story_other),
	    "{}", 409));
	json_decref(call(&office, "POST", path1("/api/v1/sentiment/items/%lld/dismiss",
	    story_other), "{\"reason\":\"x\"}", 409));
	json_decref(call(&office, "POST", path1("/api/v1/sentiment/items/%lld/report", story_other),
	    "{}", 409));
	char body[160];
	snprintf(body, sizeof body, "{\"case\":\"%lld\"}", (long long)case_id);
	json_decref(call(&office, "POST", path1("/api/v1/sentiment/items/%lld/link", story_other),
	    body, 409));
	/* The page refuses it too, and shows the story again with why. */
	char *html = NULL;
	assert_int_equal(page(&office, "POST", path1("/sentiment/items/%lld/verify", story_other),
	    "x=1", &html, NULL, 0), 409);
	assert_non_null(strstr(html, OTHER_TITLE));
	assert_non_null(strstr(html, "alert-error"));
	free(html);
	json_decref(call(&office, "POST", path1("/api/v1/sentiment/items/%lld/reopen", story_other),
	    "{\"reason\":\"需再核实\"}", 200));
	assert_string_equal(state_of(story_other), "new");
	json_decref(call(&office, "POST", path1("/api/v1/sentiment/items/%lld/reopen", story_other),
	    "{\"reason\":\"再来一次\"}", 409));

	/* The bullying story: verified, linked to the case by its number,
	 * then it cannot be dismissed. */
	json_decref(call(&office, "POST", path1("/api/v1/sentiment/items/%lld/verify", story_bully),
	    "{}", 200));
	assert_string_equal(state_of(story_bully), "verified");
	json_decref(call(&office, "POST", path1("/api/v1/sentiment/items/%lld/verify", story_bully),
	    "{}", 409));
	j = call(&office, "POST", path1("/api/v1/sentiment/items/%lld/link", story_bully),
	    "{\"case\":\"2026-0099\"}", 400);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"),
	    "field")), "case");
	json_decref(j);
	j = call(&office, "POST", path1("/api/v1/sentiment/items/%lld/link", story_bully),
	    "{\"case\":\"2026-0012\"}", 200);
	assert_int_equal(json_integer_value(json_object_get(j, "case_id")), case_id);
	json_decref(j);
	assert_int_equal(q1("SELECT case_id FROM sentiment_items WHERE id = %lld", story_bully),
	    case_id);
	json_decref(call(&office, "POST", path1("/api/v1/sentiment/items/%lld/dismiss",
	    story_bully), "{\"reason\":\"x\"}", 409));

	/* Turned into a report: channel media, the school's queue, sealed. */
	int64_t reports = fx_int("SELECT count(*) FROM reports");
	j = call(&office, "POST", path1("/api/v1/sentiment/items/%lld/report", story_bully), "{}",
	    200);
	int64_t rid = json_integer_value(json_object_get(j, "report_id"));
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM reports"), reports + 1);
	assert_int_equal(q1("SELECT count(*) FROM reports WHERE id = %lld AND channel = 'media'",
	    rid), 1);
	assert_int_equal(q1("SELECT queue_unit_id FROM reports WHERE id = %lld", rid), school);
	assert_int_equal(q1("SELECT count(*) FROM audit_log WHERE action = 'report.create' AND"
	    " object_id = %lld", rid), 1);
	/* The school's principal opens it to the title. */
	struct resp r;
	assert_int_equal(fx_req(&S, &prin, "GET", path1("/api/v1/reports/%lld", rid), NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, BULLY_TITLE));
	resp_free(&r);
	json_decref(call(&office, "POST", path1("/api/v1/sentiment/items/%lld/report", story_bully),
	    "{}", 409));
	assert_int_equal(fx_int("SELECT count(*) FROM reports"), reports + 1);

	/* The official response: never in the future; then recorded. */
	j = call(&office, "POST", path1("/api/v1/sentiment/items/%lld/respond", story_bully),
	    "{\"text\":\"已责成学校调查处理\",\"channel\":\"官方微博\",\"at\":\"2099-01-01 10:00\"}", 400);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"),
	    "field")), "at");
	json_decref(j);
	json_decref(call(&office, "POST", path1("/api/v1/sentiment/items/%lld/respond",
	    story_bully), "{\"text\":\"已责成学校调查处理\",\"channel\":\"官方微博\"}", 200));
	j = call(&office, "GET", path1("/api/v1/sentiment/items/%lld", story_bully), NULL, 200);
	json_t *resp = json_object_get(j, "response");
	assert_string_equal(json_string_value(json_object_get(resp, "channel")), "官方微博");
	assert_string_equal(json_string_value(json_object_get(resp, "text")), "已责成学校调查处理");
	assert_string_equal(json_string_value(json_object_get(j, "state")), "verified");
	json_decref(j);
	/* A time in the bureau's zone, by the page. */
	char loc[200];
	assert_int_equal(page(&office, "POST", path1("/sentiment/items/%lld/respond", story_bully),
	    "text=%E5%B7%B2%E8%BE%9F%E8%B0%A3&channel=%E6%96%B0%E9%97%BB%E5%8F%91%E5%B8%83%E4%BC%9A"
	    "&at=2026-03-02T15%3A30", NULL, loc, sizeof loc), 303);
	assert_non_null(strstr(loc, "done=respond"));
	/* 2026-03-02 15:30 in Shanghai is 07:30 UTC. */
	assert_int_equal(q1("SELECT response_at FROM sentiment_items WHERE id = %lld",
	    story_bully), 1772436600);
	/* The form starts from the response recorded, to correct it. */
	html = NULL;
	assert_int_equal(page(&office, "GET", path1("/sentiment/items/%lld", story_bully), NULL,
	    &html, NULL, 0), 200);
	assert_non_null(strstr(html, ">已辟谣</textarea>"));
	assert_non_null(strstr(html, "value=\"新闻发布会\""));
	assert_non_null(strstr(html, "value=\"2026-03-02T15:30\""));
	free(html);
	/* Each action was audited. */
	assert_true(q1("SELECT count(*) FROM audit_log WHERE object_type = 'sentiment_item' AND"
	    " object_id = %lld AND action IN ('sentiment.verify', 'sentiment.link',"
	    " 'sentiment.report', 'sentiment.respond')", story_bully) >= 5);
}

/* --- By hand, and the screenshot. */

static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
	'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xde };

/* Posts the hand-entry form with file data[0..n) as "shot". */
static long
manual_form(const char *title, const void *data, size_t n, char *loc, size_t loclen)
{
	char head[2048], cookie[96];
	int k = snprintf(head, sizeof head,
	    "--xaB\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n%s\r\n"
	    "--xaB\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n%s\r\n"
	    "--xaB\r\nContent-Disposition: form-data; name=\"outlet\"\r\n\r\n微信群\r\n"
	    "--xaB\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n家长在微信群里说孩子被同学欺负\r\n"
	    "--xaB\r\nContent-Disposition: form-data; name=\"shot\"; filename=\"截图.png\"\r\n"
	    "Content-Type: image/png\r\n\r\n", office.csrf, title);
	size_t total = (size_t)k + n + 10;
	char *b = malloc(total);
	assert_non_null(b);
	memcpy(b, head, (size_t)k);
	memcpy(b + k, data, n);
	memcpy(b + k + n, "\r\n--xaB--\r\n", 10);
	snprintf(cookie, sizeof cookie, "Cookie: xa_session=%s", office.token);
	const char *h[] = { cookie, NULL };
	struct resp r;
	assert_int_equal(http_req(&S, "POST", "/sentiment/new", "multipart/form-data; boundary=xaB",
	    b, total, h, &r), 0);
	free(b);
	long st = r.status;
	const char *l = resp_header(&r, "Location");
	snprintf(loc, loclen, "%s", l ? l : "");
	resp_free(&r);
	return st;
}

static void
test_manual(void **state)
{
	char loc[200];
	int64_t files = fx_int("SELECT count(*) FROM sentiment_files");
	/* Not a picture: refused, nothing stored. */
	assert_int_equal(manual_form("家长反映", "hello, not a picture", 20, loc, sizeof loc), 400);
	assert_int_equal(fx_int("SELECT count(*) FROM sentiment_files"), files);
	assert_int_equal(manual_form("新郑市龙湖镇中心小学家长反映孩子被欺负", png, sizeof png, loc,
	    sizeof loc), 303);
	assert_non_null(strstr(loc, "/sentiment/items/"));
	int64_t id = strtoll(loc + strlen("/sentiment/items/"), NULL, 10);
	assert_true(id > 0);
	assert_int_equal(fx_int("SELECT count(*) FROM sentiment_files"), files + 1);
	int64_t fid = q1("SELECT file_id FROM sentiment_items WHERE id = %lld", id);
	assert_true(fid > 0);
	assert_int_equal(q1("SELECT count(*) FROM sentiment_items WHERE id = %lld AND source ="
	    " 'manual' AND entered_by > 0", id), 1);
	/* The story's page shows the screenshot. */
	char *html = NULL;
	assert_int_equal(page(&office, "GET", path1("/sentiment/items/%lld", id), NULL, &html, NULL,
	    0), 200);
	assert_non_null(strstr(html, path1("/sentiment/files/%lld", fid)));
	free(html);
	/* The file: the office only, inline, not sniffed. */
	struct resp r;
	assert_int_equal(fx_req_cookie(&S, &office, "GET", path1("/sentiment/files/%lld", fid), NULL,
	    NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, sizeof png);
	assert_memory_equal(r.body, png, sizeof png);
	assert_string_equal(resp_header(&r, "Content-Type"), "image/png");
	assert_string_equal(resp_header(&r, "X-Content-Type-Options"), "nosniff");
	assert_non_null(strstr(resp_header(&r, "Content-Disposition"), "inline"));
	resp_free(&r);
	const struct session *others[] = { &prin, &section };
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(fx_req_cookie(&S, others[i], "GET", path1("/sentiment/files/%lld",
		    fid), NULL, NULL, 0, &r), 0);
		assert_int_equal(r.status, 404);
		resp_free(&r);
	}
	/* The API: JSON, no file; a bad link refused. */
	json_t *j = call(&office, "POST", "/api/v1/sentiment/manual",
	    "{\"title\":\"来电反映\",\"url\":\"ftp://x\"}", 400);
	json_decref(j);
	j = call(&office, "POST", "/api/v1/sentiment/manual",
	    "{\"title\":\"群众来电：某校门口有学生勒索保护费\",\"outlet\":\"电话\","
	    "\"published\":\"2026-03-01\"}", 201);
	assert_true(json_integer_value(json_object_get(j, "story")) > 0);
	json_decref(j);
	assert_int_equal(q1("SELECT count(*) FROM audit_log WHERE action = 'sentiment.enter'"
	    " AND object_id > %lld", 0), 2);
}

/* --- Pages and their reach. */

static void
test_pages(void **state)
{
	char *html = NULL;
	assert_int_equal(page(&office, "GET", "/sentiment", NULL, &html, NULL, 0), 200);
	assert_non_null(strstr(html, BULLY_TITLE));
	assert_non_null(strstr(html, "/sentiment/new"));
	free(html);
	int64_t reads = fx_int("SELECT count(*) FROM audit_log WHERE action = 'sentiment.read'");
	assert_int_equal(page(&office, "GET", path1("/sentiment/items/%lld", story_bully), NULL,
	    &html, NULL, 0), 200);
	assert_non_null(strstr(html, BULLY_TITLE));
	assert_non_null(strstr(html, "用词「殴打」"));
	assert_non_null(strstr(html, "rel=\"noopener noreferrer nofollow\""));
	assert_non_null(strstr(html, "2026-0012"));
	free(html);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'sentiment.read'"),
	    reads + 1);
	assert_int_equal(page(&office, "GET", "/sentiment/new", NULL, &html, NULL, 0), 200);
	free(html);
	/* A principal and a section's staff: 404 everywhere, like nothing. */
	const struct session *others[] = { &prin, &section };
	const char *paths[] = { "/sentiment", "/sentiment/new", path1("/sentiment/items/%lld",
		story_bully), path1("/sentiment/items/%lld", 999999) };
	for (size_t i = 0; i < 2; i++) {
		for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++) {
			assert_int_equal(page(others[i], "GET", paths[k], NULL, &html, NULL, 0), 404);
			assert_null(strstr(html, BULLY_TITLE));
			free(html);
		}
		json_decref(call(others[i], "GET", "/api/v1/sentiment/items", NULL, 404));
		json_decref(call(others[i], "POST", path1("/api/v1/sentiment/items/%lld/verify",
		    story_other), "{}", 404));
	}
	assert_string_equal(state_of(story_other), "new");
}

/* --- The register's filters. */

/* The ids the register lists for query q. */
static void
listed(const char *q, int64_t *ids, size_t *n)
{
	char path[300];
	snprintf(path, sizeof path, "/api/v1/sentiment/items%s", q);
	json_t *j = call(&office, "GET", path, NULL, 200);
	json_t *a = json_object_get(j, "items");
	*n = json_array_size(a);
	for (size_t i = 0; i < *n && i < 16; i++)
		ids[i] = json_integer_value(json_object_get(json_array_get(a, i), "id"));
	json_decref(j);
}

static int
has(const int64_t *ids, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

static void
test_filters(void **state)
{
	char *html = NULL;
	int64_t ids[16];
	size_t n;
	char q[96];
	listed("", ids, &n);
	assert_true(n >= 4);
	assert_true(has(ids, n, story_bully) && has(ids, n, story_other));
	/* Only stories: the folded copy is not a row. */
	assert_int_equal(fx_int("SELECT count(*) FROM sentiment_items WHERE story_id = id"),
	    (int64_t)n);
	listed("?matched=1", ids, &n);
	assert_true(has(ids, n, story_bully) && !has(ids, n, story_other));
	listed("?alerted=1", ids, &n);
	assert_true(has(ids, n, story_bully) && !has(ids, n, story_other));
	snprintf(q, sizeof q, "?school=%lld", (long long)school);
	listed(q, ids, &n);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], story_bully);
	snprintf(q, sizeof q, "?township=%lld", (long long)township);
	listed(q, ids, &n);
	assert_true(has(ids, n, story_bully));
	listed("?state=verified", ids, &n);
	assert_true(has(ids, n, story_bully) && !has(ids, n, story_other));
	listed("?state=new&source=push", ids, &n);
	assert_true(!has(ids, n, story_bully) && has(ids, n, story_other));
	listed("?source=manual", ids, &n);
	assert_int_equal(n, 2);
	assert_true(!has(ids, n, story_bully));
	listed("?q=%E8%BF%90%E5%8A%A8%E4%BC%9A", ids, &n);	/* 运动会 */
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], story_other);
	listed("?to=2000-01-01", ids, &n);
	assert_int_equal(n, 0);
	listed("?from=2000-01-01", ids, &n);
	assert_true(n >= 4);
	json_decref(call(&office, "GET", "/api/v1/sentiment/items?state=bogus", NULL, 400));
	/* Unrelated news from a feed (score 0, untouched) is hidden unless all
	 * is asked for; once someone handled it, it shows. */
	assert_int_equal(fx_sql("INSERT INTO sentiment_items (id, source, title, received_at,"
	    " simhash, score, story_id, story_score, state) VALUES (8801, 'feed', '本地天气预报',"
	    " 1772436600, 5, 0, 8801, 0, 'new')"), 0);
	listed("", ids, &n);
	assert_false(has(ids, n, 8801));
	listed("?all=1", ids, &n);
	assert_true(has(ids, n, 8801) && has(ids, n, story_bully));
	html = NULL;
	assert_int_equal(page(&office, "GET", "/sentiment", NULL, &html, NULL, 0), 200);
	assert_null(strstr(html, "本地天气预报"));
	assert_non_null(strstr(html, "另有 1 条订阅源带来的无关新闻"));
	assert_non_null(strstr(html, "href=\"/sentiment?all&#61;1&amp;page&#61;1\""));
	free(html);
	assert_int_equal(fx_sql("UPDATE sentiment_items SET state = 'dismissed' WHERE id = 8801"),
	    0);
	listed("", ids, &n);
	assert_true(has(ids, n, 8801));
	assert_int_equal(fx_sql("DELETE FROM sentiment_items WHERE id = 8801"), 0);
	/* The page filters the same way. */
	assert_int_equal(page(&office, "GET", "/sentiment?q=%E8%BF%90%E5%8A%A8%E4%BC%9A", NULL,
	    &html, NULL, 0), 200);
	assert_non_null(strstr(html, OTHER_TITLE));
	assert_null(strstr(html, BULLY_TITLE));
	free(html);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_refused),
		cmocka_unit_test(test_push_bad),
		cmocka_unit_test(test_push_fold_alert),
		cmocka_unit_test(test_handling),
		cmocka_unit_test(test_manual),
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_filters),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
