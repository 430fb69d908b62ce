/* test_sentiment_admin.c: the settings of public-opinion monitoring and
 * its bimonthly 通报 (src/sentiment/sentiment_admin_http.c), against the
 * real server.
 *
 * Feeds: added, changed, disabled and enabled again (API and page form),
 * a failing feed's error shown as a warning; a bad URL (ftp://, a space,
 * too long) or interval is refused 400 with the field, the page shown
 * again with what was typed, and nothing stored or audited. Tokens:
 * issued (the token passes sr_token_check and, when the push route is
 * there, pushes), shown once (the next page does not hold it), never in
 * the database, the audit log or the server's log; revoked (then refused),
 * revoked twice (409). The lexicon: a term added, a shipped one
 * re-weighted, removed and restored, an added one removed for good; bad
 * weights and categories refused. The 通报: stories put straight into the
 * table, counted right by the page, the API and the CSV (BOM, formula
 * neutralised), none of which holds an item's words, link, outlet,
 * reason or response; each read audited. Who: the office director
 * configures, office staff read but may not change (403), a prin
 * sees nothing (404 like a missing page), nobody signed in gets 401. */
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
#include "sentiment/match.h"
#include "sentiment/register.h"

static struct srv S;
static struct session director, staff, prin;
static int64_t town_a, school_a, school_f;

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

/* A page request by cookie, with the CSRF token in the form. */
static long
page(const struct session *as, const char *method, const char *path, const char *form,
    struct resp *r)
{
	char body[8192];
	if (form != NULL)
		snprintf(body, sizeof body, "%s&_csrf=%s", form, as->csrf);
	if (fx_req_cookie(&S, as, method, path, form ? "application/x-www-form-urlencoded" :
	    NULL, form ? body : NULL, 1, r) != 0)
		return -1;
	return r->status;
}

static const char *
sget(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static int64_t
iget(json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

static const char *
err_field(json_t *j)
{
	return sget(json_object_get(j, "error"), "field");
}

static int64_t
count(const char *sql)
{
	return fx_int(sql);
}

static int
setup(void **state)
{
	(void)state;
	static const char *const extra[] = { "--loops", "2", NULL };
	memset(&S, 0, sizeof S);
	if (srv_start(&S, extra) != 0 || fx_setup(&S) != 0)
		return -1;
	int64_t off = fx_unit(1, "office", "领导小组办公室", NULL);
	town_a = fx_unit(1, "township", "龙湖镇", NULL);
	school_a = fx_unit(town_a, "school", "龙湖镇实验小学", "primary");
	school_f = fx_unit(town_a, "school", "=HYPERLINK学校", "primary");
	char sql[256];
	snprintf(sql, sizeof sql, "UPDATE units SET township_id = parent_id WHERE id IN"
	    " (%lld, %lld)", (long long)school_a, (long long)school_f);
	if (fx_sql(sql) != 0)
		return -1;
	if (fx_account(off, "dir-1", "Sa-pass-1", ROLE_BIT(ROLE_OFFICE_DIRECTOR)) < 0 ||
	    fx_account(off, "staff-1", "Sa-pass-1", ROLE_BIT(ROLE_OFFICE_STAFF)) < 0 ||
	    fx_account(school_a, "prin-1", "Sa-pass-1", ROLE_BIT(ROLE_PRINCIPAL)) < 0)
		return -1;
	if (fx_signin(&S, "dir-1", "Sa-pass-1", &director) != 0 ||
	    fx_signin(&S, "staff-1", "Sa-pass-1", &staff) != 0 ||
	    fx_signin(&S, "prin-1", "Sa-pass-1", &prin) != 0)
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
	int bad = rc != 0 || vrc != 0 || file_contains(S.log, "Sanitizer") ||
	    file_contains(S.log, "runtime error") || file_contains(S.log, "gave no answer") ||
	    file_contains(S.log, "answered twice");
	if (bad)
		fprintf(stderr, "the server stopped with %d, verify %d; see %s\n", rc, vrc, S.log);
	else
		srv_cleanup(&S);
	return bad ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Feeds. */

static json_t *
feed_of(json_t *list, int64_t id)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(list, "feeds"), i, v)
		if (iget(v, "id") == id)
			return v;
	return NULL;
}

static void
test_feeds(void **state)
{
	(void)state;
	long st;
	struct resp r;
	json_t *j = call(&director, "POST", "/api/v1/sentiment/feeds",
	    "{\"name\":\"郑州日报·教育\",\"url\":\"https://news.example.cn/edu/rss.xml\","
	    "\"interval_min\":30}", &st);
	assert_int_equal(st, 201);
	int64_t id = iget(j, "id");
	assert_true(id > 0);
	json_decref(j);
	char sql[256], path[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM sentiment_feeds WHERE id = %lld AND"
	    " name = '郑州日报·教育' AND url = 'https://news.example.cn/edu/rss.xml' AND"
	    " interval_min = 30 AND enabled = 1", (long long)id);
	assert_int_equal(count(sql), 1);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'sentiment.feed.add'"),
	    1);

	/* Listed, with its state; staff may read it too. */
	j = call(&staff, "GET", "/api/v1/sentiment/feeds", NULL, &st);
	assert_int_equal(st, 200);
	json_t *f = feed_of(j, id);
	assert_non_null(f);
	assert_string_equal(sget(f, "state"), "ok");
	assert_int_equal(iget(f, "interval_min"), 30);
	assert_true(json_is_true(json_object_get(f, "enabled")));
	assert_false(json_is_true(j ? json_object_get(j, "can_config") : NULL));
	json_decref(j);

	/* Changed: what the API leaves out stays. */
	snprintf(path, sizeof path, "/api/v1/sentiment/feeds/%lld", (long long)id);
	j = call(&director, "POST", path, "{\"name\":\"郑州日报教育频道\",\"interval_min\":60}", &st);
	assert_int_equal(st, 200);
	json_decref(j);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM sentiment_feeds WHERE id = %lld AND"
	    " name = '郑州日报教育频道' AND url = 'https://news.example.cn/edu/rss.xml' AND"
	    " interval_min = 60 AND enabled = 1", (long long)id);
	assert_int_equal(count(sql), 1);

	/* Disabled. */
	j = call(&director, "POST", path, "{\"enabled\":false}", &st);
	assert_int_equal(st, 200);
	json_decref(j);
	snprintf(sql, sizeof sql, "SELECT enabled FROM sentiment_feeds WHERE id = %lld",
	    (long long)id);
	assert_int_equal(count(sql), 0);
	j = call(&director, "GET", "/api/v1/sentiment/feeds", NULL, &st);
	f = feed_of(j, id);
	assert_non_null(f);
	assert_string_equal(sget(f, "state"), "disabled");
	assert_string_equal(sget(f, "next_at"), "");
	json_decref(j);

	/* The page's form enables it again (the box ticked). */
	snprintf(path, sizeof path, "/sentiment/feeds/%lld", (long long)id);
	assert_int_equal(page(&director, "POST", path, "name=%E9%83%91%E5%B7%9E%E6%97%A5%E6%8A%A5"
	    "&url=https%3A%2F%2Fnews.example.cn%2Fedu%2Fatom.xml&interval_min=45&enabled=1", &r),
	    303);
	resp_free(&r);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM sentiment_feeds WHERE id = %lld AND"
	    " name = '郑州日报' AND url = 'https://news.example.cn/edu/atom.xml' AND"
	    " interval_min = 45 AND enabled = 1", (long long)id);
	assert_int_equal(count(sql), 1);
	/* ... and, the box left unticked, disables it. */
	assert_int_equal(page(&director, "POST", path, "name=%E9%83%91%E5%B7%9E%E6%97%A5%E6%8A%A5"
	    "&url=https%3A%2F%2Fnews.example.cn%2Fedu%2Fatom.xml&interval_min=45", &r), 303);
	resp_free(&r);
	snprintf(sql, sizeof sql, "SELECT enabled FROM sentiment_feeds WHERE id = %lld",
	    (long long)id);
	assert_int_equal(count(sql), 0);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action ="
	    " 'sentiment.feed.update'"), 4);

	/* A failing feed: its error as a warning on the page. */
	snprintf(sql, sizeof sql, "UPDATE sentiment_feeds SET enabled = 1, failures = 3,"
	    " last_error = 'HTTP 502 from the site' WHERE id = %lld", (long long)id);
	assert_int_equal(fx_sql(sql), 0);
	assert_int_equal(page(&staff, "GET", "/sentiment/feeds", NULL, &r), 200);
	assert_non_null(strstr(r.body, "HTTP 502 from the site"));
	assert_non_null(strstr(r.body, "alert-warning"));
	assert_non_null(strstr(r.body, "已连续 3 次读取失败"));
	/* Staff see no form that changes anything. */
	assert_null(strstr(r.body, "action=\"/sentiment/feeds"));
	resp_free(&r);
	assert_int_equal(page(&director, "GET", "/sentiment/feeds", NULL, &r), 200);
	assert_non_null(strstr(r.body, "action=\"/sentiment/feeds\""));
	assert_non_null(strstr(r.body, "RSS"));
	resp_free(&r);
}

static void
test_feeds_bad(void **state)
{
	(void)state;
	static const char *const bad[][2] = {
		{ "{\"name\":\"甲\",\"url\":\"ftp://news.example.cn/rss\",\"interval_min\":30}", "url" },
		{ "{\"name\":\"甲\",\"url\":\"https://news.example.cn/a b.xml\",\"interval_min\":30}",
		  "url" },
		{ "{\"name\":\"甲\",\"url\":\"news.example.cn/rss\",\"interval_min\":30}", "url" },
		{ "{\"name\":\"甲\",\"url\":\"https://\",\"interval_min\":30}", "url" },
		{ "{\"name\":\"甲\",\"url\":\"https://news.example.cn/rss\",\"interval_min\":4}",
		  "interval_min" },
		{ "{\"name\":\"甲\",\"url\":\"https://news.example.cn/rss\",\"interval_min\":1441}",
		  "interval_min" },
		{ "{\"name\":\"甲\",\"url\":\"https://news.example.cn/rss\",\"interval_min\":\"abc\"}",
		  "interval_min" },
		{ "{\"url\":\"https://news.example.cn/rss\",\"interval_min\":30}", "name" },
	};
	long st;
	struct resp r;
	int64_t feeds = count("SELECT count(*) FROM sentiment_feeds");
	int64_t audits = count("SELECT count(*) FROM audit_log");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *j = call(&director, "POST", "/api/v1/sentiment/feeds", bad[i][0], &st);
		assert_int_equal(st, 400);
		assert_string_equal(err_field(j), bad[i][1]);
		json_decref(j);
	}
	/* Too long: over 2048 bytes. */
	char big[2400 + 200];
	int n = snprintf(big, sizeof big, "{\"name\":\"长\",\"interval_min\":30,\"url\":\"https://"
	    "news.example.cn/");
	for (int k = 0; k < 2100; k++)
		big[n++] = 'a';
	snprintf(big + n, sizeof big - (size_t)n, "\"}");
	json_t *j = call(&director, "POST", "/api/v1/sentiment/feeds", big, &st);
	assert_int_equal(st, 400);
	assert_string_equal(err_field(j), "url");
	json_decref(j);

	/* The page: shown again with the message and what was typed. */
	assert_int_equal(page(&director, "POST", "/sentiment/feeds", "name=%E6%B5%8B%E8%AF%95%E6%BA%90"
	    "&url=ftp%3A%2F%2Ftyped.example.cn%2Ffeed&interval_min=30", &r), 400);
	assert_non_null(strstr(r.body, "ftp://typed.example.cn/feed"));
	assert_non_null(strstr(r.body, "测试源"));
	assert_non_null(strstr(r.body, "地址要以"));
	resp_free(&r);
	assert_int_equal(page(&director, "POST", "/sentiment/feeds", "name=%E6%B5%8B%E8%AF%95%E6%BA%90"
	    "&url=https%3A%2F%2Ftyped.example.cn%2Ffeed&interval_min=2", &r), 400);
	assert_non_null(strstr(r.body, "https://typed.example.cn/feed"));
	assert_non_null(strstr(r.body, "读取间隔要在5到1440分钟之间"));
	resp_free(&r);
	/* A change refused keeps the feed as it was. */
	int64_t id = count("SELECT min(id) FROM sentiment_feeds");
	char path[96], sql[160];
	snprintf(path, sizeof path, "/api/v1/sentiment/feeds/%lld", (long long)id);
	j = call(&director, "POST", path, "{\"url\":\"ftp://x.example.cn/\"}", &st);
	assert_int_equal(st, 400);
	assert_string_equal(err_field(j), "url");
	json_decref(j);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM sentiment_feeds WHERE id = %lld AND"
	    " url LIKE 'https://%%'", (long long)id);
	assert_int_equal(count(sql), 1);
	snprintf(path, sizeof path, "/sentiment/feeds/%lld", (long long)id);
	assert_int_equal(page(&director, "POST", path, "name=%E6%94%B9&url=ftp%3A%2F%2Fedit.example.cn"
	    "%2Frss&interval_min=30&enabled=1", &r), 400);
	assert_non_null(strstr(r.body, "<details open>"));
	assert_non_null(strstr(r.body, "ftp://edit.example.cn/rss"));
	resp_free(&r);
	assert_int_equal(count(sql), 1);
	j = call(&director, "POST", "/api/v1/sentiment/feeds/999999", "{\"enabled\":true}", &st);
	assert_int_equal(st, 404);
	json_decref(j);
	assert_int_equal(count("SELECT count(*) FROM sentiment_feeds"), feeds);
	assert_int_equal(count("SELECT count(*) FROM audit_log"), audits);
}

/* ------------------------------------------------------------------ */
/* Tokens. */

/* Pushes one item with token; the status, or 0 when the push route is
 * not there (the register's own helper may not have built it yet). */
static long
push(const char *token, const char *ext)
{
	char auth[128], body[256];
	struct resp r;
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	snprintf(body, sizeof body, "{\"items\":[{\"id\":\"%s\",\"title\":\"新郑教育新闻\","
	    "\"text\":\"学校开展读书活动\"}]}", ext);
	const char *h[] = { auth, NULL };
	if (http_req(&S, "POST", "/api/v1/sentiment/items", "application/json", body,
	    strlen(body), h, &r) != 0)
		return -1;
	long st = r.status;
	resp_free(&r);
	return st == 404 || st == 405 ? 0 : st;
}

/* 1 when the database files hold s anywhere. */
static int
in_db(const char *s)
{
	char p[256];
	snprintf(p, sizeof p, "%s/data/xiaoan.db", S.dir);
	if (file_contains(p, s))
		return 1;
	snprintf(p, sizeof p, "%s/data/xiaoan.db-wal", S.dir);
	return file_contains(p, s);
}

static void
test_tokens(void **state)
{
	(void)state;
	long st;
	struct resp r;
	json_t *j = call(&director, "POST", "/api/v1/sentiment/tokens",
	    "{\"name\":\"某舆情监测平台\"}", &st);
	assert_int_equal(st, 201);
	char token[SR_TOKEN_LEN + 1];
	snprintf(token, sizeof token, "%s", sget(j, "token"));
	int64_t id = iget(j, "id");
	json_decref(j);
	assert_int_equal(strlen(token), SR_TOKEN_LEN);
	assert_memory_equal(token, "xst_", 4);

	/* It works. */
	int64_t got = 0;
	assert_int_equal(sr_token_check(fx_conn(), token, &got), XA_OK);
	assert_int_equal(got, id);
	long pst = push(token, "sa-1");
	assert_true(pst == 0 || pst == 200);

	/* Listed by its first characters only, never whole. */
	j = call(&staff, "GET", "/api/v1/sentiment/tokens", NULL, &st);
	assert_int_equal(st, 200);
	char *dump = json_dumps(j, 0);
	assert_non_null(dump);
	assert_null(strstr(dump, token));
	assert_non_null(strstr(dump, "某舆情监测平台"));
	free(dump);
	json_decref(j);

	/* The page issues one and shows it this once. */
	assert_int_equal(page(&director, "POST", "/sentiment/tokens",
	    "name=%E7%BD%91%E9%A1%B5%E5%8F%91%E6%94%BE", &r), 200);
	assert_non_null(strstr(r.body, "只显示这一次，请立即复制"));
	const char *cc = resp_header(&r, "Cache-Control");
	assert_non_null(cc);
	assert_non_null(strstr(cc, "no-store"));
	const char *t2p = strstr(r.body, "class=\"secret\">xst_");
	assert_non_null(t2p);
	char token2[SR_TOKEN_LEN + 1];
	snprintf(token2, sizeof token2, "%s", t2p + strlen("class=\"secret\">"));
	resp_free(&r);
	assert_int_equal(sr_token_check(fx_conn(), token2, &got), XA_OK);
	assert_int_not_equal(got, id);
	assert_int_equal(page(&director, "GET", "/sentiment/tokens", NULL, &r), 200);
	assert_null(strstr(r.body, token2));
	assert_null(strstr(r.body, token));
	assert_null(strstr(r.body, "只显示这一次"));
	char prefix[9];
	memcpy(prefix, token2, 8);
	prefix[8] = '\0';
	assert_non_null(strstr(r.body, prefix));
	assert_non_null(strstr(r.body, "Authorization: Bearer"));
	resp_free(&r);

	/* Never stored, audited or logged. */
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action ="
	    " 'sentiment.token.issue'"), 2);
	assert_false(in_db(token));
	assert_false(in_db(token2));
	assert_false(file_contains(S.log, token));
	assert_false(file_contains(S.log, token2));

	/* Revoked: refused from then on; twice is a conflict. */
	char path[96];
	snprintf(path, sizeof path, "/api/v1/sentiment/tokens/%lld/revoke", (long long)id);
	j = call(&director, "POST", path, "{}", &st);
	assert_int_equal(st, 200);
	json_decref(j);
	assert_int_equal(sr_token_check(fx_conn(), token, &got), XA_ENOTFOUND);
	pst = push(token, "sa-2");
	assert_true(pst == 0 || pst == 401);
	j = call(&director, "POST", path, "{}", &st);
	assert_int_equal(st, 409);
	json_decref(j);
	j = call(&director, "POST", "/api/v1/sentiment/tokens/999999/revoke", "{}", &st);
	assert_int_equal(st, 404);
	json_decref(j);
	/* The other still works; the page revokes it. */
	assert_int_equal(sr_token_check(fx_conn(), token2, &got), XA_OK);
	snprintf(path, sizeof path, "/sentiment/tokens/%lld/revoke", (long long)got);
	assert_int_equal(page(&director, "POST", path, "x=1", &r), 303);
	resp_free(&r);
	assert_int_equal(sr_token_check(fx_conn(), token2, &got), XA_ENOTFOUND);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action ="
	    " 'sentiment.token.revoke'"), 2);

	/* A name is needed. */
	int64_t n = count("SELECT count(*) FROM sentiment_tokens");
	j = call(&director, "POST", "/api/v1/sentiment/tokens", "{\"name\":\"\"}", &st);
	assert_int_equal(st, 400);
	assert_string_equal(err_field(j), "name");
	json_decref(j);
	assert_int_equal(page(&director, "POST", "/sentiment/tokens", "name=", &r), 400);
	assert_non_null(strstr(r.body, "alert-error"));
	resp_free(&r);
	assert_int_equal(count("SELECT count(*) FROM sentiment_tokens"), n);
	/* Staff may not issue one. */
	j = call(&staff, "POST", "/api/v1/sentiment/tokens", "{\"name\":\"staff\"}", &st);
	assert_int_equal(st, 403);
	json_decref(j);
	assert_int_equal(count("SELECT count(*) FROM sentiment_tokens"), n);
}

/* ------------------------------------------------------------------ */
/* The lexicon. */

static json_t *
term_of(json_t *lex, const char *list, const char *term)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(lex, list), i, v)
		if (strcmp(sget(v, "term"), term) == 0)
			return v;
	return NULL;
}

/* "term=" and s percent-encoded into out. */
static void
urlenc(const char *s, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = (size_t)snprintf(out, len, "term=");
	for (const unsigned char *p = (const unsigned char *)s; *p && n + 4 < len; p++) {
		out[n++] = '%';
		out[n++] = hex[*p >> 4];
		out[n++] = hex[*p & 15];
	}
	out[n] = '\0';
}

static void
test_lexicon(void **state)
{
	(void)state;
	long st;
	struct resp r;
	size_t nlex = 0;
	const struct sm_term *lex = sm_default_lexicon(&nlex);
	assert_true(nlex > 2);
	/* Two shipped terms of the acts (not mitigating). */
	const struct sm_term *t0 = NULL, *t1 = NULL;
	for (size_t i = 0; i < nlex && t1 == NULL; i++)
		if (lex[i].cat != SM_MITIGATING && lex[i].cat != SM_CONTEXT) {
			if (t0 == NULL)
				t0 = &lex[i];
			else
				t1 = &lex[i];
		}
	assert_non_null(t1);

	json_t *j = call(&staff, "GET", "/api/v1/sentiment/lexicon", NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(j, "terms")), nlex);
	assert_string_equal(sget(term_of(j, "terms", t0->term), "status"), "shipped");
	json_decref(j);

	/* Added. */
	j = call(&director, "POST", "/api/v1/sentiment/lexicon",
	    "{\"term\":\"扒衣服\",\"weight\":30,\"cat\":\"physical\"}", &st);
	assert_int_equal(st, 200);
	json_decref(j);
	/* Re-weighted. */
	int w0 = t0->weight < 50 ? t0->weight + 1 : t0->weight - 1;
	char body[256];
	snprintf(body, sizeof body, "{\"term\":\"%s\",\"weight\":%d,\"cat\":\"%s\"}", t0->term, w0,
	    sr_cat_name(t0->cat));
	j = call(&director, "POST", "/api/v1/sentiment/lexicon", body, &st);
	assert_int_equal(st, 200);
	json_decref(j);
	/* A shipped one removed. */
	snprintf(body, sizeof body, "{\"term\":\"%s\"}", t1->term);
	j = call(&director, "POST", "/api/v1/sentiment/lexicon/remove", body, &st);
	assert_int_equal(st, 200);
	json_decref(j);

	j = call(&staff, "GET", "/api/v1/sentiment/lexicon", NULL, &st);
	json_t *a = term_of(j, "terms", "扒衣服");
	assert_non_null(a);
	assert_string_equal(sget(a, "status"), "added");
	assert_int_equal(iget(a, "weight"), 30);
	assert_string_equal(sget(a, "cat"), "physical");
	json_t *b = term_of(j, "terms", t0->term);
	assert_non_null(b);
	assert_string_equal(sget(b, "status"), "reweighted");
	assert_int_equal(iget(b, "weight"), w0);
	assert_int_equal(iget(b, "shipped_weight"), t0->weight);
	assert_null(term_of(j, "terms", t1->term));
	assert_non_null(term_of(j, "removed", t1->term));
	assert_int_equal(json_array_size(json_object_get(j, "terms")), nlex);
	json_decref(j);
	assert_int_equal(page(&staff, "GET", "/sentiment/lexicon", NULL, &r), 200);
	assert_non_null(strstr(r.body, "本局新增"));
	assert_non_null(strstr(r.body, "本局调整"));
	assert_non_null(strstr(r.body, "扒衣服"));
	assert_null(strstr(r.body, "action=\"/sentiment/lexicon"));
	resp_free(&r);

	/* Removed twice: not in force. */
	j = call(&director, "POST", "/api/v1/sentiment/lexicon/remove", body, &st);
	assert_int_equal(st, 404);
	json_decref(j);
	/* Restored, both. */
	j = call(&director, "POST", "/api/v1/sentiment/lexicon/restore", body, &st);
	assert_int_equal(st, 200);
	json_decref(j);
	urlenc(t0->term, body, sizeof body);
	assert_int_equal(page(&director, "POST", "/sentiment/lexicon/restore", body, &r), 303);
	resp_free(&r);
	/* The added one removed for good; it cannot be restored. */
	j = call(&director, "POST", "/api/v1/sentiment/lexicon/remove", "{\"term\":\"扒衣服\"}",
	    &st);
	assert_int_equal(st, 200);
	json_decref(j);
	j = call(&director, "POST", "/api/v1/sentiment/lexicon/restore", "{\"term\":\"扒衣服\"}",
	    &st);
	assert_int_equal(st, 404);
	json_decref(j);

	j = call(&staff, "GET", "/api/v1/sentiment/lexicon", NULL, &st);
	assert_string_equal(sget(term_of(j, "terms", t0->term), "status"), "shipped");
	assert_int_equal(iget(term_of(j, "terms", t0->term), "weight"), t0->weight);
	assert_string_equal(sget(term_of(j, "terms", t1->term), "status"), "shipped");
	assert_null(term_of(j, "terms", "扒衣服"));
	assert_int_equal(json_array_size(json_object_get(j, "removed")), 0);
	assert_int_equal(json_array_size(json_object_get(j, "terms")), nlex);
	json_decref(j);

	/* Bad input: nothing changes. */
	static const char *const bad[][2] = {
		{ "{\"term\":\"推搡\",\"weight\":0,\"cat\":\"physical\"}", "weight" },
		{ "{\"term\":\"推搡\",\"weight\":51,\"cat\":\"physical\"}", "weight" },
		{ "{\"term\":\"推搡\",\"weight\":-5,\"cat\":\"physical\"}", "weight" },
		{ "{\"term\":\"讲座\",\"weight\":5,\"cat\":\"mitigating\"}", "weight" },
		{ "{\"term\":\"推搡\",\"weight\":5,\"cat\":\"kicking\"}", "cat" },
		{ "{\"term\":\"推搡\",\"weight\":5}", "cat" },
		{ "{\"weight\":5,\"cat\":\"physical\"}", "term" },
		{ "{\"term\":\"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一\","
		  "\"weight\":5,\"cat\":\"physical\"}", "term" },
	};
	int64_t terms = count("SELECT count(*) FROM sentiment_terms");
	int64_t audits = count("SELECT count(*) FROM audit_log");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		j = call(&director, "POST", "/api/v1/sentiment/lexicon", bad[i][0], &st);
		assert_int_equal(st, 400);
		assert_string_equal(err_field(j), bad[i][1]);
		json_decref(j);
	}
	assert_int_equal(page(&director, "POST", "/sentiment/lexicon",
	    "term=%E6%8E%A8%E6%90%A1%E6%89%93%E9%97%B9&weight=99&cat=physical", &r), 400);
	assert_non_null(strstr(r.body, "推搡打闹"));
	assert_non_null(strstr(r.body, "权重要在1到50之间"));
	assert_non_null(strstr(r.body, "value=\"99\""));
	resp_free(&r);
	j = call(&staff, "POST", "/api/v1/sentiment/lexicon",
	    "{\"term\":\"推搡\",\"weight\":5,\"cat\":\"physical\"}", &st);
	assert_int_equal(st, 403);
	json_decref(j);
	assert_int_equal(count("SELECT count(*) FROM sentiment_terms"), terms);
	assert_int_equal(count("SELECT count(*) FROM audit_log"), audits);
}

/* ------------------------------------------------------------------ */
/* The bimonthly 通报. */

/* Words that may name a child: none may leave the register. */
static const char *const secrets[] = { "王小明", "news.example.cn", "wangxiaoming", "朋友圈",
	"家长称", "已约谈", "官方微博号" };

static void
no_secrets(const char *text)
{
	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
		if (strstr(text, secrets[i]) != NULL)
			fail_msg("the bulletin holds '%s'", secrets[i]);
}

static void
test_bulletin(void **state)
{
	(void)state;
	long st;
	struct resp r;
	char sql[4096];
	/* Three stories in Nov–Dec 2025 (one copied once), one in October, and
	 * one of no concern (low, dismissed) that the 通报 leaves out. */
	snprintf(sql, sizeof sql, "INSERT INTO sentiment_items (id, source, dedup_key, outlet, url,"
	    " title, body, received_at, simhash, score, reasons, cats, school_id, township_id,"
	    " story_id, copies, story_score, state, reason, response, response_channel,"
	    " response_at, alerted_at) VALUES"
	    " (9001, 'feed', 'f:9001', '王小明的朋友圈', 'https://news.example.cn/wangxiaoming/1',"
	    " '王小明在龙湖镇实验小学被殴打', '王小明被三名同学殴打', 1762135200, 1, 85,"
	    " 'lexicon:殴打', 'physical', %lld, %lld, 9001, 2, 85, 'verified', '',"
	    " '已约谈王小明家长并核实', '官方微博号', 1762135200 + 3600, 1762135200),"
	    " (9002, 'feed', 'f:9002', '王小明的朋友圈', 'https://news.example.cn/wangxiaoming/2',"
	    " '王小明在龙湖镇实验小学被殴打（转）', '王小明被三名同学殴打', 1762221600, 1, 80,"
	    " 'lexicon:殴打', 'physical', %lld, %lld, 9001, 1, 0, 'new', '', '', '', 0, 0),"
	    " (9003, 'push', 'p:9003', '某论坛', 'https://news.example.cn/wangxiaoming/3',"
	    " '王小明被起外号', '家长称王小明被辱骂', 1763607600, 2, 65, 'lexicon:辱骂',"
	    " 'verbal,online', %lld, %lld, 9003, 1, 65, 'dismissed', '家长称王小明已转学', '', '', 0,"
	    " 0),"
	    " (9004, 'manual', NULL, '电话', '', '王小明家长来电', '王小明', 1765339200, 3, 60, '',"
	    " 'exclusion', %lld, %lld, 9004, 1, 60, 'new', '', '', '', 0, 0),"
	    " (9005, 'feed', 'f:9005', '某站', 'https://news.example.cn/old', '旧闻', '旧闻',"
	    " 1760504400, 4, 70, '', 'physical', %lld, %lld, 9005, 1, 70, 'new', '', '', '', 0, 0),"
	    " (9006, 'feed', 'f:9006', '某站', 'https://news.example.cn/noise', '运动会', '运动会',"
	    " 1763607600, 5, 10, '', '', NULL, NULL, 9006, 1, 10, 'dismissed', '无关', '', '', 0, 0)",
	    (long long)school_a, (long long)town_a, (long long)school_a, (long long)town_a,
	    (long long)school_a, (long long)town_a, (long long)school_f, (long long)town_a,
	    (long long)school_a, (long long)town_a);
	assert_int_equal(fx_sql(sql), 0);
	int64_t audits = count("SELECT count(*) FROM audit_log WHERE action = 'sentiment.bulletin'");

	/* The API. */
	json_t *j = call(&staff, "GET", "/api/v1/sentiment/bulletin?year=2025&bimonth=6", NULL,
	    &st);
	assert_int_equal(st, 200);
	assert_int_equal(iget(j, "year"), 2025);
	assert_int_equal(iget(j, "bimonth"), 6);
	assert_int_equal(iget(j, "stories"), 3);
	assert_int_equal(iget(j, "items"), 4);
	assert_int_equal(iget(j, "verified"), 1);
	assert_int_equal(iget(j, "dismissed"), 1);
	assert_int_equal(iget(j, "new"), 1);
	assert_int_equal(iget(j, "responded"), 1);
	assert_int_equal(iget(j, "responded_in_24h"), 1);
	assert_int_equal(iget(j, "alerted"), 1);
	json_t *src = json_object_get(j, "by_source");
	assert_int_equal(iget(src, "feed"), 1);
	assert_int_equal(iget(src, "push"), 1);
	assert_int_equal(iget(src, "manual"), 1);
	assert_int_equal(json_array_size(json_object_get(j, "stories_list")), 3);
	assert_string_equal(sget(json_array_get(json_object_get(j, "stories_list"), 0), "school"),
	    "龙湖镇实验小学");
	char *dump = json_dumps(j, 0);
	assert_non_null(dump);
	no_secrets(dump);
	free(dump);
	json_decref(j);

	/* The page. */
	assert_int_equal(page(&staff, "GET", "/sentiment/bulletin?year=2025&bimonth=6", NULL, &r),
	    200);
	assert_non_null(strstr(r.body, "学生欺凌舆情监测通报"));
	assert_non_null(strstr(r.body, "2025年第6期，11–12月"));
	assert_non_null(strstr(r.body, "龙湖镇实验小学"));
	assert_non_null(strstr(r.body, "龙湖镇"));
	assert_null(strstr(r.body, "style="));
	assert_null(strstr(r.body, "<script"));
	no_secrets(r.body);
	resp_free(&r);

	/* The CSV: a BOM, a header and three rows, the formula neutralised. */
	assert_int_equal(page(&staff, "GET", "/sentiment/bulletin.csv?year=2025&bimonth=6", NULL,
	    &r), 200);
	assert_non_null(resp_header(&r, "Content-Type"));
	assert_non_null(strstr(resp_header(&r, "Content-Type"), "text/csv"));
	assert_true(r.len > 3);
	assert_memory_equal(r.body, "\xef\xbb\xbf", 3);
	int rows = 0;
	for (const char *p = r.body; (p = strstr(p, "\r\n")) != NULL; p += 2)
		rows++;
	assert_int_equal(rows, 4);
	assert_non_null(strstr(r.body, "'=HYPERLINK学校"));
	assert_non_null(strstr(r.body, "龙湖镇实验小学"));
	no_secrets(r.body);
	resp_free(&r);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'sentiment.bulletin'"),
	    audits + 3);

	/* October is the issue before. */
	j = call(&staff, "GET", "/api/v1/sentiment/bulletin?year=2025&bimonth=5", NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(iget(j, "stories"), 1);
	json_decref(j);

	/* By default: the last complete bimonth in the bureau's zone. */
	time_t now = time(NULL) + 8 * 3600;
	struct tm tm;
	gmtime_r(&now, &tm);
	int y = tm.tm_year + 1900, b = tm.tm_mon / 2 + 1 - 1;
	if (b == 0) {
		b = 6;
		y--;
	}
	j = call(&staff, "GET", "/api/v1/sentiment/bulletin", NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(iget(j, "year"), y);
	assert_int_equal(iget(j, "bimonth"), b);
	json_decref(j);
	j = call(&staff, "GET", "/api/v1/sentiment/bulletin?year=2025&bimonth=7", NULL, &st);
	assert_int_equal(st, 400);
	assert_string_equal(err_field(j), "bimonth");
	json_decref(j);
}

/* ------------------------------------------------------------------ */
/* Who. */

static void
test_who(void **state)
{
	(void)state;
	static const char *const gets[] = { "/api/v1/sentiment/feeds", "/api/v1/sentiment/tokens",
		"/api/v1/sentiment/lexicon", "/api/v1/sentiment/bulletin" };
	static const char *const posts[][2] = {
		{ "/api/v1/sentiment/feeds",
		  "{\"name\":\"x\",\"url\":\"https://x.example.cn/\",\"interval_min\":30}" },
		{ "/api/v1/sentiment/feeds/1", "{\"enabled\":true}" },
		{ "/api/v1/sentiment/tokens", "{\"name\":\"x\"}" },
		{ "/api/v1/sentiment/tokens/1/revoke", "{}" },
		{ "/api/v1/sentiment/lexicon", "{\"term\":\"x\",\"weight\":5,\"cat\":\"physical\"}" },
		{ "/api/v1/sentiment/lexicon/remove", "{\"term\":\"x\"}" },
		{ "/api/v1/sentiment/lexicon/restore", "{\"term\":\"x\"}" },
	};
	long st, mst;
	struct resp r;
	int64_t audits = count("SELECT count(*) FROM audit_log");
	json_t *missing = call(&prin, "GET", "/api/v1/sentiment/nothing-here", NULL, &mst);
	char *mdump = json_dumps(missing, JSON_SORT_KEYS);
	for (size_t i = 0; i < sizeof gets / sizeof gets[0]; i++) {
		json_t *j = call(&prin, "GET", gets[i], NULL, &st);
		assert_int_equal(st, 404);
		char *d = json_dumps(j, JSON_SORT_KEYS);
		if (mst == 404 && d != NULL && mdump != NULL)
			assert_string_equal(d, mdump);
		free(d);
		json_decref(j);
		j = call(&director, "GET", gets[i], NULL, &st);
		assert_int_equal(st, 200);
		assert_true(json_is_true(json_object_get(j, "can_config")) ||
		    strstr(gets[i], "bulletin") != NULL);
		json_decref(j);
		/* Nobody signed in. */
		assert_int_equal(http_get(&S, gets[i], &r), 0);
		assert_int_equal(r.status, 401);
		resp_free(&r);
	}
	free(mdump);
	json_decref(missing);
	for (size_t i = 0; i < sizeof posts / sizeof posts[0]; i++) {
		json_t *j = call(&prin, "POST", posts[i][0], posts[i][1], &st);
		assert_int_equal(st, 404);
		json_decref(j);
		j = call(&staff, "POST", posts[i][0], posts[i][1], &st);
		assert_int_equal(st, 403);
		json_decref(j);
	}
	/* The pages. */
	static const char *const pages[] = { "/sentiment/feeds", "/sentiment/tokens",
		"/sentiment/lexicon", "/sentiment/bulletin", "/sentiment/bulletin.csv" };
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		assert_int_equal(page(&prin, "GET", pages[i], NULL, &r), 404);
		resp_free(&r);
		assert_int_equal(page(&staff, "GET", pages[i], NULL, &r), 200);
		resp_free(&r);
		assert_int_equal(http_get(&S, pages[i], &r), 0);
		assert_int_equal(r.status, 303);
		resp_free(&r);
	}
	/* Reading the 通报 is the only thing above that leaves a record:
	 * the director's API read and staff's page and CSV. */
	assert_int_equal(count("SELECT count(*) FROM audit_log"), audits + 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feeds),
		cmocka_unit_test(test_feeds_bad),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_lexicon),
		cmocka_unit_test(test_bulletin),
		cmocka_unit_test(test_who),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
