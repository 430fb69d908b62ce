/* test_sentiment_register.c: the register of public-opinion monitoring
 * (src/sentiment/register.c) against a real SQLite file: the places and
 * their short forms, taking items in (dedup, folding into stories, the
 * alert once a story), handling, feeds' bookkeeping, tokens, the lexicon
 * edits and the de-identified 通报. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/crypto.h"
#include "sentiment/match.h"
#include "sentiment/register.h"
#include "store/db.h"

#define SHANGHAI (8 * 3600)
/* 2026-11-02 10:00 in Shanghai. */
#define T0 1793584800
#define DAY 86400

static char dir[64], path[128];
static db *d;

/* units: 1 bureau, 2 township 龙湖镇, 3 新郑市第一高级中学, 4 新郑市龙湖镇中心
 * 小学 (alias 龙湖中心校), 5 新郑市实验初级中学 (aliases 实验初中、三中). */
enum { TOWN = 2, YIGAO = 3, LONGHU = 4, SHIYAN = 5 };

static int64_t
one(const char *sql)
{
	int64_t v = -1;
	if (db_query_int(d, sql, &v) != XA_OK)
		fail_msg("query failed: %s: %s", sql, db_errmsg(d));
	return v;
}

static void
exec_ok(const char *sql)
{
	if (db_exec(d, sql) != XA_OK)
		fail_msg("%s: %s", sql, db_errmsg(d));
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/xiaoan-sentiment-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/x.db", dir);
	if (db_open(path, DB_CREATE, &d) != XA_OK || db_migrate(d, NULL, NULL) != XA_OK)
		return -1;
	const char *seed =
	    "INSERT INTO units (id, parent_id, path, kind, name, aliases, township_id,"
	    " created_at, updated_at) VALUES"
	    " (1, NULL, '/1/', 'bureau', '新郑市教育体育局', '', NULL, 0, 0),"
	    " (2, 1, '/1/2/', 'township', '龙湖镇', '', NULL, 0, 0),"
	    " (3, 1, '/1/3/', 'school', '新郑市第一高级中学', '', 2, 0, 0),"
	    " (4, 2, '/1/2/4/', 'school', '新郑市龙湖镇中心小学', '龙湖中心校', 2, 0, 0),"
	    " (5, 1, '/1/5/', 'school', '新郑市实验初级中学', '实验初中、三中', NULL, 0, 0);"
	    "INSERT INTO accounts (id, unit_id, username, display_name, created_at, updated_at)"
	    " VALUES (10, 1, 'office', '赵干事', 0, 0);"
	    "INSERT INTO cases (id, unit_id, year, seq, summary, state, state_since, opened_at)"
	    " VALUES (77, 3, 2026, 12, x'00', 'investigating', 0, 0);";
	return db_exec(d, seed) == XA_OK ? 0 : -1;
}

static int
rm_one(const char *file, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(file);
}

static int
teardown(void **state)
{
	(void)state;
	db_close(d);
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* Each test starts with an empty register. */
static int
clean(void **state)
{
	(void)state;
	return db_exec(d, "DELETE FROM notices; DELETE FROM sentiment_items;"
	    " DELETE FROM sentiment_files; DELETE FROM sentiment_feeds;"
	    " DELETE FROM sentiment_tokens; DELETE FROM sentiment_terms;") == XA_OK ? 0 : -1;
}

/* The place named name in s, or NULL. */
static const struct sm_place *
place(const sr_sources *s, const char *name)
{
	for (size_t i = 0; i < s->nplaces; i++)
		if (strcmp(s->places[i].name, name) == 0)
			return &s->places[i];
	return NULL;
}

static const struct sm_term *
term(const sr_sources *s, const char *name)
{
	for (size_t i = 0; i < s->nterms; i++)
		if (strcmp(s->terms[i].term, name) == 0)
			return &s->terms[i];
	return NULL;
}

static void
test_places(void **state)
{
	(void)state;
	sr_sources s;
	assert_int_equal(sr_sources_load(d, &s), XA_OK);
	static const struct {
		const char *name;
		int64_t unit;
		enum sm_place_kind kind;
		bool weak;
	} want[] = {
		{ "新郑市", 1, SM_CITY, false },
		{ "新郑", 1, SM_CITY, false },
		{ "龙湖镇", TOWN, SM_TOWNSHIP, false },
		{ "新郑市第一高级中学", YIGAO, SM_SCHOOL, false },
		{ "新郑市第一高中", YIGAO, SM_SCHOOL, false },
		{ "第一高级中学", YIGAO, SM_SCHOOL, true },
		{ "新郑一高", YIGAO, SM_SCHOOL, false },
		{ "一高", YIGAO, SM_SCHOOL, true },
		{ "龙湖镇中心小学", LONGHU, SM_SCHOOL, false },
		{ "新郑龙湖镇中心小学", LONGHU, SM_SCHOOL, false },
		{ "龙湖中心校", LONGHU, SM_SCHOOL, false },
		{ "实验初级中学", SHIYAN, SM_SCHOOL, true },
		{ "实验初中", SHIYAN, SM_SCHOOL, true },
		{ "新郑实验初中", SHIYAN, SM_SCHOOL, false },
		{ "三中", SHIYAN, SM_SCHOOL, true },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct sm_place *p = place(&s, want[i].name);
		if (p == NULL)
			fail_msg("no place %s", want[i].name);
		assert_int_equal(p->unit_id, want[i].unit);
		assert_int_equal(p->kind, want[i].kind);
		if (p->weak != want[i].weak)
			fail_msg("%s: weak %d", want[i].name, p->weak);
	}
	/* 实验初中 comes once: the registry's alias and the derived form. */
	size_t n = 0;
	for (size_t i = 0; i < s.nplaces; i++)
		n += strcmp(s.places[i].name, "实验初中") == 0;
	assert_int_equal(n, 1);
	/* The shipped lexicon is in force. */
	size_t nlex = 0;
	sm_default_lexicon(&nlex);
	assert_int_equal(s.nterms, nlex);
	sr_sources_free(&s);
}

/* Matches title and body with the register's matcher into it. */
static void
match(sr_item *it, const char *title, const char *body)
{
	struct sm_matcher *m = NULL;
	assert_int_equal(sr_matcher_load(d, &m), XA_OK);
	it->title = title;
	it->body = body;
	assert_int_equal(sm_match(m, title, strlen(title), body, body ? strlen(body) : 0,
	    &it->m), XA_OK);
	sm_free(m);
}

static const char story_a[] =
    "网传视频显示，新郑一高几名学生在宿舍内对一名同学拳打脚踢，被打学生多次求饶。"
    "视频在网上引发关注，有网友称该学生长期被同宿舍学生欺凌、索要钱财。";
static const char story_a_copy[] =
    "【转载】网传视频显示，新郑一高几名学生在宿舍内对一名同学拳打脚踢，被打学生多次求饶。"
    "视频在网上引发关注，有网友称该学生长期被同宿舍学生欺凌、索要钱财。";
static const char story_b[] =
    "龙湖镇中心小学举行防欺凌主题班会，邀请法治副校长为学生讲解如何保护自己，"
    "同学们积极参与讨论。";

static int64_t
alerts(void)
{
	return one("SELECT count(*) FROM notices WHERE kind = 'sentiment.alert'");
}

static void
test_ingest_fold_alert(void **state)
{
	(void)state;
	assert_int_equal(db_begin(d), XA_OK);
	sr_item a = { .source = SR_FEED, .ext_id = "guid-1", .outlet = "本地新闻",
		.url = "https://news.example.cn/a/1", .published = T0 - 3600 };
	exec_ok("INSERT INTO sentiment_feeds (id, name, url, created_by, created_at,"
	    " updated_at) VALUES (1, '本地新闻', 'https://news.example.cn/rss', 10, 0, 0),"
	    " (2, '论坛', 'https://bbs.example.cn/rss', 10, 0, 0)");
	a.feed_id = 1;
	match(&a, "新郑一高学生宿舍内被围殴", story_a);
	assert_true(a.m.score >= SM_THRESHOLD);
	assert_int_equal(a.m.school_id, YIGAO);
	sr_outcome o;
	assert_int_equal(sr_ingest(d, &a, T0, &o), XA_OK);
	assert_int_equal(o.kind, SR_ADDED);
	assert_int_equal(o.story_id, o.id);
	assert_int_equal(o.alerted, 1);
	int64_t story = o.story_id;
	assert_int_equal(alerts(), 1);
	assert_int_equal(one("SELECT count(*) FROM notices WHERE kind = 'sentiment.alert'"
	    " AND unit_id = 3 AND dedup LIKE 'sentiment:%'"), 1);
	/* The feed polled again: the same item is seen, nothing added. */
	assert_int_equal(sr_ingest(d, &a, T0 + 600, &o), XA_OK);
	assert_int_equal(o.kind, SR_SEEN);
	assert_int_equal(o.story_id, story);
	assert_int_equal(one("SELECT count(*) FROM sentiment_items"), 1);
	/* A repost on another feed, a label added: folded, no new notice. */
	sr_item b = { .source = SR_FEED, .feed_id = 2, .ext_id = "t-99", .outlet = "论坛",
		.url = "https://bbs.example.cn/t/99" };
	match(&b, "【转载】新郑一高学生宿舍内被围殴", story_a_copy);
	assert_int_equal(sr_ingest(d, &b, T0 + 1200, &o), XA_OK);
	assert_int_equal(o.kind, SR_FOLDED);
	assert_int_equal(o.story_id, story);
	assert_int_equal(o.alerted, 0);
	assert_int_equal(alerts(), 1);
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT copies FROM sentiment_items WHERE id = %lld",
	    (long long)story);
	assert_int_equal(one(sql), 2);
	/* The same link from a service: folded by its link whatever its words. */
	sr_item c = { .source = SR_PUSH, .ext_id = "svc-1", .url = "https://bbs.example.cn/t/99" };
	match(&c, "帖子", "内容已删除");
	assert_int_equal(sr_ingest(d, &c, T0 + 1300, &o), XA_OK);
	assert_int_equal(o.kind, SR_FOLDED);
	assert_int_equal(o.story_id, story);
	assert_int_equal(one(sql), 3);
	/* Counted on their feeds. */
	assert_int_equal(one("SELECT items_total FROM sentiment_feeds WHERE id = 2"), 1);
	/* A prevention story: another story, low, no notice. */
	sr_item p = { .source = SR_MANUAL, .entered_by = 10, .outlet = "电话" };
	match(&p, "龙湖中心校开展防欺凌主题班会", story_b);
	assert_true(p.m.score < SM_THRESHOLD);
	assert_int_equal(sr_ingest(d, &p, T0 + 1400, &o), XA_OK);
	assert_int_equal(o.kind, SR_ADDED);
	assert_int_not_equal(o.story_id, story);
	assert_int_equal(o.alerted, 0);
	assert_int_equal(alerts(), 1);
	/* The fold window is SR_FOLD_DAYS: the same words later are a new story. */
	sr_item late = { .source = SR_FEED, .feed_id = 1, .ext_id = "guid-2" };
	match(&late, "新郑一高学生宿舍内被围殴", story_a);
	assert_int_equal(sr_ingest(d, &late, T0 + (SR_FOLD_DAYS + 1) * DAY, &o), XA_OK);
	assert_int_equal(o.kind, SR_ADDED);
	assert_int_equal(o.alerted, 1);
	assert_int_equal(alerts(), 2);
	assert_int_equal(db_commit(d), XA_OK);
}

/* A story first seen below the threshold raises its notice when a copy
 * naming the school lifts it, and a dismissed story never does. */
static void
test_alert_later_and_dismissed(void **state)
{
	(void)state;
	assert_int_equal(db_begin(d), XA_OK);
	sr_item a = { .source = SR_PUSH, .ext_id = "x1", .url = "https://bbs.example.cn/t/7" };
	const char *body = "据网友爆料，一名初二学生在放学路上被几名高年级学生围殴，"
	    "还被要求每周交保护费，家长已报警。";
	match(&a, "学生放学路上被围殴", body);
	assert_int_equal(a.m.school_id, 0);
	sr_outcome o;
	assert_int_equal(sr_ingest(d, &a, T0, &o), XA_OK);
	assert_int_equal(o.alerted, 0);
	int64_t story = o.story_id;
	/* The same post, edited to name the school: one story, which learns
	 * the school and raises its notice now. */
	sr_item b = { .source = SR_FEED, .ext_id = "x2", .url = "https://bbs.example.cn/t/7" };
	const char *body2 = "据网友爆料，新郑市实验初级中学一名初二学生在放学路上被几名高年级学生围殴，"
	    "还被要求每周交保护费，家长已报警。";
	match(&b, "学生放学路上被围殴", body2);
	assert_int_equal(b.m.school_id, SHIYAN);
	assert_true(b.m.score >= SM_THRESHOLD);
	assert_int_equal(sr_ingest(d, &b, T0 + 60, &o), XA_OK);
	assert_int_equal(o.kind, SR_FOLDED);
	assert_int_equal(o.story_id, story);
	assert_int_equal(o.alerted, 1);
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT school_id FROM sentiment_items WHERE id = %lld",
	    (long long)story);
	assert_int_equal(one(sql), SHIYAN);
	snprintf(sql, sizeof sql, "SELECT story_score FROM sentiment_items WHERE id = %lld",
	    (long long)story);
	assert_int_equal(one(sql), b.m.score);
	assert_int_equal(alerts(), 1);
	/* Dismissed, then a copy: folded quietly. */
	sr_item c = { .source = SR_PUSH, .ext_id = "y1" };
	match(&c, "新郑一高学生宿舍内被围殴", story_a);
	assert_int_equal(sr_ingest(d, &c, T0 + 100, &o), XA_OK);
	int64_t s2 = o.story_id;
	exec_ok("DELETE FROM notices");
	snprintf(sql, sizeof sql, "UPDATE sentiment_items SET state = 'dismissed', alerted_at = 0"
	    " WHERE id = %lld", (long long)s2);
	exec_ok(sql);
	c.ext_id = "y2";
	assert_int_equal(sr_ingest(d, &c, T0 + 200, &o), XA_OK);
	assert_int_equal(o.kind, SR_FOLDED);
	assert_int_equal(o.alerted, 0);
	assert_int_equal(alerts(), 0);
	assert_int_equal(db_commit(d), XA_OK);
}

/* Bad input to sr_ingest: a javascript: link is dropped, text is cut on a
 * character, an unknown source refused. */
static void
test_ingest_input(void **state)
{
	(void)state;
	assert_int_equal(db_begin(d), XA_OK);
	char *big = malloc(SR_BODY_MAX + 100);
	assert_non_null(big);
	size_t n = 0;
	while (n + 3 < SR_BODY_MAX + 90) {
		memcpy(big + n, "欺", 3);
		n += 3;
	}
	big[n] = '\0';
	sr_item a = { .source = SR_PUSH, .ext_id = "big", .url = "javascript:alert(1)" };
	match(&a, "标题", "正文");
	a.body = big;
	sr_outcome o;
	assert_int_equal(sr_ingest(d, &a, T0, &o), XA_OK);
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT length(CAST(body AS BLOB)) FROM sentiment_items"
	    " WHERE id = %lld", (long long)o.id);
	int64_t len = one(sql);
	assert_true(len < SR_BODY_MAX && len % 3 == 0);
	snprintf(sql, sizeof sql, "SELECT length(url) FROM sentiment_items WHERE id = %lld",
	    (long long)o.id);
	assert_int_equal(one(sql), 0);
	free(big);
	a.source = (enum sr_source)9;
	assert_int_equal(sr_ingest(d, &a, T0, &o), XA_EINVAL);
	assert_int_equal(db_commit(d), XA_OK);
}

/* Texts too short for a SimHash never fold by it; two services' ids are
 * their own; two long ids sharing their beginning stay two. */
static void
test_ingest_keys(void **state)
{
	(void)state;
	assert_int_equal(db_begin(d), XA_OK);
	static const char *const shorts[] = { "来电", "投诉", "视频" };
	sr_outcome o;
	for (size_t i = 0; i < 3; i++) {
		sr_item a = { .source = SR_MANUAL, .entered_by = 10 };
		match(&a, shorts[i], NULL);
		assert_int_equal(a.m.simhash, 0);
		assert_int_equal(sr_ingest(d, &a, T0 + (int64_t)i, &o), XA_OK);
		assert_int_equal(o.kind, SR_ADDED);
	}
	exec_ok("INSERT INTO sentiment_tokens (id, name, token_hash, prefix, created_by,"
	    " created_at) VALUES (1, 'A', 'h1', 'xst_a', 10, 0), (2, 'B', 'h2', 'xst_b', 10, 0)");
	sr_item a = { .source = SR_PUSH, .token_id = 1, .ext_id = "1" };
	match(&a, "新郑一高学生宿舍内被围殴", story_a);
	assert_int_equal(sr_ingest(d, &a, T0 + 10, &o), XA_OK);
	assert_int_equal(o.kind, SR_ADDED);
	sr_item b = { .source = SR_PUSH, .token_id = 2, .ext_id = "1" };
	match(&b, "龙湖中心校开展防欺凌主题班会", story_b);
	assert_int_equal(sr_ingest(d, &b, T0 + 11, &o), XA_OK);
	assert_int_equal(o.kind, SR_ADDED);
	assert_int_equal(sr_ingest(d, &b, T0 + 12, &o), XA_OK);
	assert_int_equal(o.kind, SR_SEEN);
	assert_int_equal(one("SELECT items_total FROM sentiment_tokens WHERE id = 2"), 1);
	char id1[SR_EXTID_MAX + 40], id2[SR_EXTID_MAX + 40];
	memset(id1, 'a', sizeof id1 - 1);
	id1[sizeof id1 - 1] = '\0';
	memcpy(id2, id1, sizeof id2);
	id2[sizeof id2 - 2] = 'b';
	sr_item c = { .source = SR_FEED, .feed_id = 0, .ext_id = id1 };
	match(&c, "学生放学路上被围殴", "一名初二学生在放学路上被几名高年级学生围殴。");
	assert_int_equal(sr_ingest(d, &c, T0 + 20, &o), XA_OK);
	assert_int_equal(o.kind, SR_ADDED);
	c.ext_id = id2;
	assert_int_equal(sr_ingest(d, &c, T0 + 21, &o), XA_OK);
	assert_int_equal(o.kind, SR_FOLDED);
	c.ext_id = id1;
	assert_int_equal(sr_ingest(d, &c, T0 + 22, &o), XA_OK);
	assert_int_equal(o.kind, SR_SEEN);
	assert_int_equal(db_commit(d), XA_OK);
}

static int64_t
new_story(const char *ext, const char *title, const char *body)
{
	sr_item a = { .source = SR_PUSH, .ext_id = ext };
	match(&a, title, body);
	sr_outcome o;
	assert_int_equal(sr_ingest(d, &a, T0, &o), XA_OK);
	return o.story_id;
}

static const char *
state_of(int64_t id)
{
	static char s[16];
	db_stmt *st = NULL;
	s[0] = '\0';
	assert_int_equal(db_prepare(d, "SELECT state FROM sentiment_items WHERE id = ?", &st),
	    XA_OK);
	db_bind_int(st, 1, id);
	if (db_step(st) == 1)
		snprintf(s, sizeof s, "%s", db_col_text(st, 0));
	db_done(st);
	return s;
}

static void
test_handling(void **state)
{
	(void)state;
	assert_int_equal(db_begin(d), XA_OK);
	int64_t s = new_story("h1", "新郑一高学生宿舍内被围殴", story_a);
	int64_t other = new_story("h2", "龙湖中心校开展防欺凌主题班会", story_b);
	/* A copy is no story: handled only through its story. */
	sr_item c = { .source = SR_PUSH, .ext_id = "h1-copy" };
	match(&c, "【转载】新郑一高学生宿舍内被围殴", story_a_copy);
	sr_outcome o;
	assert_int_equal(sr_ingest(d, &c, T0 + 5, &o), XA_OK);
	assert_int_equal(o.kind, SR_FOLDED);
	assert_int_equal(sr_verify(d, o.id, 10, T0), XA_ENOTFOUND);
	assert_int_equal(sr_verify(d, 999999, 10, T0), XA_ENOTFOUND);
	/* new → verified, once. */
	assert_int_equal(sr_verify(d, s, 10, T0 + 10), XA_OK);
	assert_string_equal(state_of(s), "verified");
	assert_int_equal(sr_verify(d, s, 10, T0 + 11), XA_ECONFLICT);
	/* Linking: the case must exist. */
	assert_int_equal(sr_link_case(d, s, 4242, 10, T0 + 12), XA_EINVAL);
	assert_int_equal(sr_link_case(d, s, 77, 10, T0 + 12), XA_OK);
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT case_id FROM sentiment_items WHERE id = %lld",
	    (long long)s);
	assert_int_equal(one(sql), 77);
	/* Linked: no longer dismissable. */
	assert_int_equal(sr_dismiss(d, s, "误报", 10, T0 + 13), XA_ECONFLICT);
	/* A report once. */
	exec_ok("INSERT INTO reports (id, queue_unit_id, channel, body, created_at, updated_at)"
	    " VALUES (500, 3, 'media', x'00', 0, 0), (501, 3, 'media', x'00', 0, 0)");
	assert_int_equal(sr_set_report(d, s, 500, 10, T0 + 14), XA_OK);
	assert_int_equal(sr_set_report(d, s, 501, 10, T0 + 15), XA_ECONFLICT);
	/* The response: text, channel, a time not in the future. */
	assert_int_equal(sr_respond(d, s, "", "官方微博", T0, 10, T0 + 20), XA_EINVAL);
	assert_int_equal(sr_respond(d, s, "已介入调查", "", T0, 10, T0 + 20), XA_EINVAL);
	assert_int_equal(sr_respond(d, s, "已介入调查", "官方微博", T0 + 30, 10, T0 + 20),
	    XA_EINVAL);
	assert_int_equal(sr_respond(d, s, "   ", "官方微博", T0, 10, T0 + 20), XA_EINVAL);
	assert_int_equal(sr_respond(d, s, "市教体局已责成学校调查处理。", "官方微博", T0 + 15,
	    10, T0 + 20), XA_OK);
	snprintf(sql, sizeof sql, "SELECT response_at FROM sentiment_items WHERE id = %lld",
	    (long long)s);
	assert_int_equal(one(sql), T0 + 15);
	/* Dismissing needs a reason; a dismissed story cannot be linked,
	 * can be reopened, and can still be answered (辟谣). */
	assert_int_equal(sr_dismiss(d, other, "", 10, T0 + 30), XA_EINVAL);
	assert_string_equal(state_of(other), "new");
	assert_int_equal(sr_dismiss(d, other, "正面宣传报道，非欺凌事件", 10, T0 + 31), XA_OK);
	assert_string_equal(state_of(other), "dismissed");
	assert_int_equal(sr_dismiss(d, other, "再次", 10, T0 + 32), XA_ECONFLICT);
	assert_int_equal(sr_link_case(d, other, 77, 10, T0 + 33), XA_ECONFLICT);
	assert_int_equal(sr_set_report(d, other, 501, 10, T0 + 33), XA_ECONFLICT);
	assert_int_equal(sr_respond(d, other, "经核实，该信息不实。", "回复网友", T0 + 34, 10,
	    T0 + 35), XA_OK);
	assert_int_equal(sr_reopen(d, s, "重新研判", 10, T0 + 36), XA_ECONFLICT);
	assert_int_equal(sr_reopen(d, other, "", 10, T0 + 36), XA_EINVAL);
	assert_int_equal(sr_reopen(d, other, "家长补充了新情况", 10, T0 + 36), XA_OK);
	assert_string_equal(state_of(other), "new");
	assert_int_equal(db_commit(d), XA_OK);
}

static void
test_feeds(void **state)
{
	(void)state;
	assert_int_equal(db_begin(d), XA_OK);
	int64_t id = 0;
	assert_int_equal(sr_feed_add(d, "新闻", "ftp://x.cn/rss", 30, 10, T0, &id), XA_EINVAL);
	assert_int_equal(sr_feed_add(d, "新闻", "https://x.cn/a b", 30, 10, T0, &id), XA_EINVAL);
	assert_int_equal(sr_feed_add(d, "", "https://x.cn/rss", 30, 10, T0, &id), XA_EINVAL);
	assert_int_equal(sr_feed_add(d, "新闻", "https://x.cn/rss", 4, 10, T0, &id), XA_EINVAL);
	assert_int_equal(sr_feed_add(d, "新闻", "https://x.cn/rss", 1441, 10, T0, &id),
	    XA_EINVAL);
	assert_int_equal(one("SELECT count(*) FROM sentiment_feeds"), 0);
	assert_int_equal(sr_feed_add(d, "新闻", "https://x.cn/rss", 30, 10, T0, &id), XA_OK);
	/* Due at once, claimed once within its lease. */
	sr_feed_due due[4];
	size_t n = 0;
	assert_int_equal(sr_feeds_claim(d, T0, 90, due, 4, &n), XA_OK);
	assert_int_equal(n, 1);
	assert_int_equal(due[0].id, id);
	assert_string_equal(due[0].url, "https://x.cn/rss");
	assert_int_equal(sr_feeds_claim(d, T0 + 60, 90, due, 4, &n), XA_OK);
	assert_int_equal(n, 0);
	/* A success keeps the validators and is due an interval on. */
	assert_int_equal(sr_feed_polled(d, id, 1, "\"v1\"", "Mon, 02 Nov 2026 01:00:00 GMT",
	    NULL, 3, T0 + 10), XA_OK);
	assert_int_equal(one("SELECT next_at FROM sentiment_feeds"), T0 + 10 + 30 * 60);
	assert_int_equal(one("SELECT last_items FROM sentiment_feeds"), 3);
	assert_int_equal(sr_feeds_claim(d, T0 + 10 + 30 * 60, 90, due, 4, &n), XA_OK);
	assert_int_equal(n, 1);
	assert_string_equal(due[0].etag, "\"v1\"");
	assert_string_equal(due[0].last_modified, "Mon, 02 Nov 2026 01:00:00 GMT");
	/* A 304 without validators keeps the old ones. */
	assert_int_equal(sr_feed_polled(d, id, 1, NULL, NULL, NULL, 0, T0 + 2000), XA_OK);
	assert_int_equal(one("SELECT count(*) FROM sentiment_feeds WHERE etag = '\"v1\"'"), 1);
	/* Failures back off: 2, 4, 8 intervals ..., at most a day. */
	int64_t t = T0 + 5000;
	int64_t waits[] = { 60 * 60, 120 * 60, 240 * 60, 480 * 60, 960 * 60, DAY, DAY };
	for (size_t i = 0; i < sizeof waits / sizeof waits[0]; i++) {
		assert_int_equal(sr_feed_polled(d, id, 0, NULL, NULL, "HTTP 500", 0, t), XA_OK);
		assert_int_equal(one("SELECT next_at FROM sentiment_feeds"), t + waits[i]);
		assert_int_equal(one("SELECT failures FROM sentiment_feeds"), (int64_t)i + 1);
	}
	assert_int_equal(one("SELECT count(*) FROM sentiment_feeds WHERE last_error = 'HTTP 500'"),
	    1);
	/* A new address forgets validators and failures and is due at once. */
	assert_int_equal(sr_feed_update(d, id, "新闻", "https://y.cn/rss", 30, 1, t + 1), XA_OK);
	assert_int_equal(one("SELECT failures + length(etag) + length(last_error)"
	    " FROM sentiment_feeds"), 0);
	assert_int_equal(one("SELECT next_at FROM sentiment_feeds"), t + 1);
	/* Disabled: never claimed. */
	assert_int_equal(sr_feed_update(d, id, "新闻", "https://y.cn/rss", 30, 0, t + 2), XA_OK);
	assert_int_equal(sr_feeds_claim(d, t + DAY, 90, due, 4, &n), XA_OK);
	assert_int_equal(n, 0);
	assert_int_equal(sr_feed_update(d, id + 99, "新闻", "https://y.cn/rss", 30, 0, t),
	    XA_ENOTFOUND);
	assert_int_equal(db_commit(d), XA_OK);
}

static void
test_tokens(void **state)
{
	(void)state;
	assert_int_equal(db_begin(d), XA_OK);
	char tok[SR_TOKEN_LEN + 1];
	int64_t id = 0, got = 0;
	assert_int_equal(sr_token_issue(d, "", 10, T0, tok, &id), XA_EINVAL);
	assert_int_equal(sr_token_issue(d, "某舆情监测服务", 10, T0, tok, &id), XA_OK);
	assert_int_equal(strlen(tok), SR_TOKEN_LEN);
	assert_memory_equal(tok, "xst_", 4);
	/* Only its hash is stored. */
	db_stmt *st = NULL;
	assert_int_equal(db_prepare(d, "SELECT count(*) FROM sentiment_tokens WHERE"
	    " token_hash = ? OR prefix = ?", &st), XA_OK);
	db_bind_text(st, 1, tok, -1);
	db_bind_text(st, 2, tok, -1);
	assert_int_equal(db_step(st), 1);
	assert_int_equal(db_col_int(st, 0), 0);
	db_done(st);
	assert_int_equal(sr_token_check(d, tok, &got), XA_OK);
	assert_int_equal(got, id);
	/* Malformed or unknown. */
	char bad[SR_TOKEN_LEN + 1];
	memcpy(bad, tok, sizeof bad);
	bad[10] = bad[10] == 'a' ? 'b' : 'a';
	assert_int_equal(sr_token_check(d, bad, &got), XA_ENOTFOUND);
	assert_int_equal(sr_token_check(d, "xst_", &got), XA_ENOTFOUND);
	bad[10] = 'Z';
	assert_int_equal(sr_token_check(d, bad, &got), XA_ENOTFOUND);
	assert_int_equal(sr_token_check(d, NULL, &got), XA_ENOTFOUND);
	/* Revoked for good. */
	assert_int_equal(sr_token_revoke(d, id, 10, T0 + 1), XA_OK);
	assert_int_equal(sr_token_check(d, tok, &got), XA_ENOTFOUND);
	assert_int_equal(sr_token_revoke(d, id, 10, T0 + 2), XA_ECONFLICT);
	assert_int_equal(sr_token_revoke(d, id + 5, 10, T0 + 2), XA_ENOTFOUND);
	assert_int_equal(db_commit(d), XA_OK);
}

static void
test_lexicon(void **state)
{
	(void)state;
	assert_int_equal(db_begin(d), XA_OK);
	/* Out of range, wrong sign, empty, too long. */
	assert_int_equal(sr_term_set(d, "锤人", 51, SM_PHYSICAL, 10, T0), XA_EINVAL);
	assert_int_equal(sr_term_set(d, "锤人", -5, SM_PHYSICAL, 10, T0), XA_EINVAL);
	assert_int_equal(sr_term_set(d, "安全教育", 5, SM_MITIGATING, 10, T0), XA_EINVAL);
	assert_int_equal(sr_term_set(d, "", 5, SM_PHYSICAL, 10, T0), XA_EINVAL);
	assert_int_equal(sr_term_set(d, "a b", 5, SM_PHYSICAL, 10, T0), XA_EINVAL);
	assert_int_equal(sr_term_set(d, "锤人", 20, (enum sm_cat)42, 10, T0), XA_EINVAL);
	assert_int_equal(sr_term_set(d, "\xff\xfe", 20, SM_PHYSICAL, 10, T0), XA_EUTF8);
	/* Added, re-weighted, removed, restored. */
	assert_int_equal(sr_term_set(d, "锤人", 20, SM_PHYSICAL, 10, T0), XA_OK);
	size_t nlex = 0;
	const struct sm_term *lex = sm_default_lexicon(&nlex);
	const char *shipped = lex[0].term;
	assert_int_equal(sr_term_set(d, shipped, 7, lex[0].cat, 10, T0), XA_OK);
	sr_sources s;
	assert_int_equal(sr_sources_load(d, &s), XA_OK);
	assert_int_equal(s.nterms, nlex + 1);
	assert_non_null(term(&s, "锤人"));
	assert_int_equal(term(&s, "锤人")->weight, 20);
	assert_int_equal(term(&s, shipped)->weight, 7);
	sr_sources_free(&s);
	/* An item using the new term scores through it. */
	sr_item a = { .source = SR_PUSH, .ext_id = "lx" };
	match(&a, "新郑一高学生被同学锤人", NULL);
	bool found = false;
	for (size_t i = 0; i < a.m.nreasons; i++)
		found |= strcmp(a.m.reasons[i], "lexicon:锤人") == 0;
	assert_true(found);
	assert_int_equal(sr_term_remove(d, shipped, 10, T0), XA_OK);
	assert_int_equal(sr_term_remove(d, shipped, 10, T0), XA_ENOTFOUND);
	assert_int_equal(sr_term_remove(d, "锤人", 10, T0), XA_OK);
	assert_int_equal(sr_term_remove(d, "锤人", 10, T0), XA_ENOTFOUND);
	assert_int_equal(sr_sources_load(d, &s), XA_OK);
	assert_int_equal(s.nterms, nlex - 1);
	assert_null(term(&s, shipped));
	assert_null(term(&s, "锤人"));
	sr_sources_free(&s);
	assert_int_equal(sr_term_restore(d, "锤人"), XA_ENOTFOUND);
	assert_int_equal(sr_term_restore(d, shipped), XA_OK);
	assert_int_equal(sr_sources_load(d, &s), XA_OK);
	assert_int_equal(s.nterms, nlex);
	assert_int_equal(term(&s, shipped)->weight, lex[0].weight);
	sr_sources_free(&s);
	assert_int_equal(db_commit(d), XA_OK);
}

static void
test_bulletin(void **state)
{
	(void)state;
	assert_int_equal(db_begin(d), XA_OK);
	/* November 2026 is the 6th bimonth. */
	sr_item a = { .source = SR_FEED, .ext_id = "b1", .outlet = "王小明的微博",
		.url = "https://weibo.example.cn/wangxiaoming/1" };
	exec_ok("INSERT INTO sentiment_feeds (id, name, url, created_by, created_at,"
	    " updated_at) VALUES (1, '本地新闻', 'https://news.example.cn/rss', 10, 0, 0)");
	a.feed_id = 1;
	match(&a, "王小明在新郑一高被围殴", story_a);
	sr_outcome o;
	assert_int_equal(sr_ingest(d, &a, T0, &o), XA_OK);
	int64_t s = o.story_id;
	sr_item b = { .source = SR_PUSH, .ext_id = "b2", .url = "https://bbs.example.cn/wxm" };
	match(&b, "【转载】王小明在新郑一高被围殴", story_a_copy);
	assert_int_equal(sr_ingest(d, &b, T0 + 60, &o), XA_OK);
	assert_int_equal(sr_link_case(d, s, 77, 10, T0 + 100), XA_OK);
	assert_int_equal(sr_respond(d, s, "王小明同学已得到保护。", "官方微博", T0 + 3600, 10,
	    T0 + 7200), XA_OK);
	int64_t p = new_story("b3", "龙湖中心校开展防欺凌主题班会", story_b);
	assert_int_equal(sr_dismiss(d, p, "王小明家长来电，系宣传报道", 10, T0 + 100), XA_OK);
	int64_t low = new_story("b4", "家长来电", "王小明家长来电反映孩子在校受委屈。");
	assert_int_equal(sr_verify(d, low, 10, T0 + 100), XA_OK);
	/* A story of October is in the 5th, not here. */
	sr_item old = { .source = SR_MANUAL, .entered_by = 10 };
	match(&old, "新郑市实验初级中学学生被辱骂", "家长来电反映，孩子在班里长期被同学辱骂、起外号。");
	assert_int_equal(sr_ingest(d, &old, T0 - 5 * DAY, &o), XA_OK);
	json_t *j = NULL;
	assert_int_equal(sr_bulletin(d, 2026, 7, SHANGHAI, &j), XA_EINVAL);
	assert_int_equal(sr_bulletin(d, 2026, 6, SHANGHAI, &j), XA_OK);
	assert_string_equal(json_string_value(json_object_get(j, "from")), "2026-11-01");
	assert_string_equal(json_string_value(json_object_get(j, "to")), "2026-12-31");
	/* The prevention story dismissed below the threshold is not in it;
	 * a low one the office verified is. */
	assert_int_equal(json_integer_value(json_object_get(j, "stories")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "items")), 3);
	assert_int_equal(json_integer_value(json_object_get(j, "alerted")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "verified")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "dismissed")), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "linked_cases")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "responded")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "responded_in_24h")), 1);
	json_t *first = json_array_get(json_object_get(j, "stories_list"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "school")),
	    "新郑市第一高级中学");
	assert_string_equal(json_string_value(json_object_get(first, "case")), "2026-0012");
	assert_int_equal(json_integer_value(json_object_get(first, "copies")), 2);
	char *text = json_dumps(j, 0);
	assert_non_null(text);
	/* Nothing of the items' words, links, outlets, reasons, responses. */
	assert_null(strstr(text, "王小明"));
	assert_null(strstr(text, "wangxiaoming"));
	assert_null(strstr(text, "http"));
	assert_null(strstr(text, "围殴"));
	assert_null(strstr(text, "官方微博"));
	free(text);
	json_decref(j);
	assert_int_equal(sr_bulletin(d, 2026, 5, SHANGHAI, &j), XA_OK);
	assert_int_equal(json_integer_value(json_object_get(j, "stories")), 1);
	json_decref(j);
	assert_int_equal(db_commit(d), XA_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_places, clean),
		cmocka_unit_test_setup(test_ingest_fold_alert, clean),
		cmocka_unit_test_setup(test_alert_later_and_dismissed, clean),
		cmocka_unit_test_setup(test_ingest_input, clean),
		cmocka_unit_test_setup(test_ingest_keys, clean),
		cmocka_unit_test_setup(test_handling, clean),
		cmocka_unit_test_setup(test_feeds, clean),
		cmocka_unit_test_setup(test_tokens, clean),
		cmocka_unit_test_setup(test_lexicon, clean),
		cmocka_unit_test_setup(test_bulletin, clean),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
