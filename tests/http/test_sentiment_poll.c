/* test_sentiment_poll.c: the feed poller (src/sentiment/poll.c) inside
 * the real server, against real HTTP servers on loopback run by threads
 * of this test.
 *
 * Five feeds: (1) an RSS feed of three items, one about bullying at a
 * school of the city, with an ETag and a 304 for it; (2) a feed that
 * never answers within the fetch's timeout; (3) a 500; (4) 64 MB, far
 * over the 2 MB cap; (5) another site copying the bullying story,
 * reworded by its punctuation and a 【转载】 label, with no validators.
 * Checked: feed 1's
 * items are in while feed 2 still hangs, and feed 5's come in too (a
 * slow feed holds one fetcher, not the others nor the next round); 3 and
 * 4 are failures on record (reason, back-off beyond the interval), and
 * their URLs (which carry a key) never reach the log; the story from 1
 * and 5 is one story with two copies and exactly one urgent notice; a
 * second poll of feed 1 sends If-None-Match and stores nothing, and one
 * of feed 5 (a 200 again) stores nothing twice; the server stops within
 * seconds while feed 2 still hangs, closing its connection. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "tests/fake/loopsrv.h"
#include "store/db.h"
#include "harness.h"

/* A key in every feed's URL: it must never show in the server's log. */
#define KEY "k3y-SECRET-7f1c2d"

static struct srv S;
static int64_t school, town;

static double
now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ the feeds */

static const char news_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<rss version=\"2.0\"><channel><title>郑州晚报·新郑频道</title>\n"
    "<item><guid>news-1</guid><title>新郑市第九初级中学一学生遭多名同学围殴，"
    "视频在网上流传</title><link>https://news.example.cn/a/1001.html</link>"
    "<description>近日，一段视频在网上流传：位于龙湖镇的新郑市第九初级中学初二"
    "学生小李在厕所内遭到多名同学围殴、扇耳光，还被辱骂、勒索零花钱。家长称孩子"
    "长期被孤立，已向学校和教育部门反映。目前学校尚未回应。</description>"
    "<pubDate>Mon, 03 Nov 2025 09:30:00 +0800</pubDate></item>\n"
    "<item><guid>news-2</guid><title>新郑市教育体育局召开秋季开学工作会议</title>"
    "<link>https://news.example.cn/a/1002.html</link><description>会议部署了"
    "秋季学期的教学和后勤保障工作。</description></item>\n"
    "<item><guid>news-3</guid><title>龙湖镇举办农民丰收节</title>"
    "<link>https://news.example.cn/a/1003.html</link><description>丰收节上，"
    "各村展示了今年的新粮和特色农产品。</description></item>\n"
    "</channel></rss>\n";

static const char copy_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<rss version=\"2.0\"><channel><title>本地热点</title>\n"
    "<item><guid>hot-77</guid><title>【转载】新郑市第九初级中学一学生遭多名同学"
    "围殴！视频在网上流传</title><link>https://hot.example.com/p/77</link>"
    "<description>近日,一段视频在网上流传:位于龙湖镇的新郑市第九初级中学初二"
    "学生小李在厕所内遭到多名同学围殴 扇耳光,还被辱骂 勒索零花钱!家长称孩子"
    "长期被孤立……已向学校和教育部门反映. 目前学校尚未回应</description></item>\n"
    "</channel></rss>\n";

static loopsrv feeds;
static struct {
	atomic_int news_gets;		/* requests for feed 1 */
	atomic_int news_304;		/* of which answered 304 */
	atomic_int news_inm;		/* of which carried If-None-Match "n1" */
	atomic_int copy_gets;
	atomic_bool slow_asked;		/* feed 2's request arrived */
	atomic_bool slow_done;		/* its connection ended */
	atomic_bool slow_peer_closed;	/* ended by the client closing it */
	atomic_size_t huge_sent;
	atomic_int broken_gets, huge_gets;
} fs;

/* The five feeds, by path. */
static void
serve(loopsrv *s, int fd, const char *req)
{
	static const char news_req[] = "GET /news.xml?key=" KEY " ";
	if (strncmp(req, news_req, sizeof news_req - 1) == 0) {
		atomic_fetch_add(&fs.news_gets, 1);
		if (strstr(req, "\r\nIf-None-Match: \"n1\"\r\n") != NULL) {
			atomic_fetch_add(&fs.news_inm, 1);
			atomic_fetch_add(&fs.news_304, 1);
			loopsrv_respond(fd, "304 Not Modified", "ETag: \"n1\"\r\n", "");
		} else {
			loopsrv_respond(fd, "200 OK", "Content-Type: application/rss+xml\r\n"
			    "ETag: \"n1\"\r\n", news_doc);
		}
	} else if (strncmp(req, "GET /copy.xml?key=", 18) == 0) {
		atomic_fetch_add(&fs.copy_gets, 1);
		loopsrv_respond(fd, "200 OK", "Content-Type: application/rss+xml\r\n",
		    copy_doc);
	} else if (strncmp(req, "GET /slow.xml?key=", 18) == 0) {
		/* Says nothing for 28 s, longer than the test, shorter than
		 * the poller's 30 s timeout: only a stop can end it early. */
		atomic_store(&fs.slow_asked, true);
		for (int k = 0; k < 280 && !loopsrv_stopping(s); k++)
			if (loopsrv_peer_closed(fd, 100)) {
				atomic_store(&fs.slow_peer_closed, true);
				break;
			}
		atomic_store(&fs.slow_done, true);
	} else if (strncmp(req, "GET /broken.xml?key=", 20) == 0) {
		atomic_fetch_add(&fs.broken_gets, 1);
		loopsrv_respond(fd, "500 Internal Server Error", "", "database is down");
	} else if (strncmp(req, "GET /huge.xml?key=", 18) == 0) {
		/* 64 MB of a never-ending channel, no Content-Length. */
		char chunk[8192];
		size_t sent = 0, total = (size_t)64 << 20;
		static const char h[] = "HTTP/1.1 200 OK\r\nConnection: close\r\n"
		    "Content-Type: application/rss+xml\r\n\r\n<rss><channel>";
		atomic_fetch_add(&fs.huge_gets, 1);
		memset(chunk, ' ', sizeof chunk);
		if (loopsrv_send_all(fd, h, sizeof h - 1))
			while (sent < total && !loopsrv_stopping(s) &&
			    loopsrv_send_all(fd, chunk, sizeof chunk))
				sent += sizeof chunk;
		atomic_store(&fs.huge_sent, sent);
	} else {
		loopsrv_respond(fd, "404 Not Found", "", "");
	}
}

static int
feeds_start(void)
{
	return loopsrv_start(&feeds, serve, NULL);
}

static void
feeds_stop(void)
{
	loopsrv_stop(&feeds);
}

/* ------------------------------------------------------------- helpers */

static int64_t
q(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One integer from a query made with printf. */
static int64_t
q(const char *fmt, ...)
{
	char sql[1024];
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	assert_true(k > 0 && (size_t)k < sizeof sql);
	return fx_int(sql);
}

/* Waits up to secs for the query to give want; the time it took, or -1. */
static double
wait_for(double secs, int64_t want, const char *sql)
{
	double t0 = now_s();
	while (now_s() - t0 < secs) {
		if (fx_int(sql) == want)
			return now_s() - t0;
		usleep(100 * 1000);
	}
	return -1;
}

static int64_t
add_feed(const char *name, const char *path)
{
	char sql[1024];
	int k = snprintf(sql, sizeof sql, "INSERT INTO sentiment_feeds (name, url,"
	    " interval_min, enabled, next_at, created_by, created_at, updated_at)"
	    " VALUES ('%s', 'http://127.0.0.1:%d%s?key=" KEY "', 5, 1, 0, 1, %lld,"
	    " %lld)", name, feeds.port, path, (long long)time(NULL),
	    (long long)time(NULL));
	assert_true(k > 0 && (size_t)k < sizeof sql);
	assert_int_equal(fx_sql(sql), 0);
	return fx_int("SELECT max(id) FROM sentiment_feeds");
}

/* ---------------------------------------------------------------- test */

static void
test_poller(void **state)
{
	(void)state;
	char sql[512], needle[64];

	town = fx_unit(1, "township", "龙湖镇", NULL);
	school = fx_unit(town, "school", "新郑市第九初级中学", "junior");
	assert_true(town > 0 && school > 0);

	/* Oldest due first: 1..4 fill the four fetchers, 5 waits for one. */
	int64_t f1 = add_feed("郑州晚报新郑频道", "/news.xml");
	int64_t f2 = add_feed("慢吞吞论坛", "/slow.xml");
	int64_t f3 = add_feed("坏掉的站", "/broken.xml");
	int64_t f4 = add_feed("超大的站", "/huge.xml");
	int64_t f5 = add_feed("本地热点", "/copy.xml");
	assert_true(f1 > 0 && f5 == f1 + 4);
	double t0 = now_s();

	/* Feed 1 is in while feed 2 hangs. */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM sentiment_items WHERE"
	    " feed_id = %lld", (long long)f1);
	double took = wait_for(20, 3, sql);
	print_message("feed 1 stored %.1f s after it was added\n", took);
	assert_true(took >= 0);
	assert_true(atomic_load(&fs.slow_asked));
	assert_false(atomic_load(&fs.slow_done));
	assert_int_equal(q("SELECT count(*) FROM sentiment_items WHERE feed_id = %lld",
	    (long long)f2), 0);
	/* Stored as the feed gave it, the outlet being the feed's own title. */
	assert_int_equal(q("SELECT count(*) FROM sentiment_items WHERE feed_id = %lld"
	    " AND source = 'feed' AND dedup_key = 'f%lld:news-1' AND outlet ="
	    " '郑州晚报·新郑频道' AND url = 'https://news.example.cn/a/1001.html'"
	    " AND published_at = 1762133400 AND school_id = %lld AND township_id = %lld"
	    " AND score >= 60", (long long)f1, (long long)f1, (long long)school,
	    (long long)town), 1);

	/* Feed 5 too, through a fetcher the slow feed does not hold. */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM sentiment_items WHERE"
	    " feed_id = %lld", (long long)f5);
	took = wait_for(20, 1, sql);
	print_message("feed 5 stored %.1f s later\n", took);
	assert_true(took >= 0);
	assert_false(atomic_load(&fs.slow_done));

	/* One story, two copies, one urgent notice about the school. */
	int64_t story = q("SELECT story_id FROM sentiment_items WHERE feed_id = %lld"
	    " AND dedup_key = 'f%lld:news-1'", (long long)f1, (long long)f1);
	assert_true(story > 0);
	assert_int_equal(q("SELECT story_id FROM sentiment_items WHERE feed_id = %lld",
	    (long long)f5), story);
	assert_int_equal(q("SELECT copies FROM sentiment_items WHERE id = %lld",
	    (long long)story), 2);
	assert_int_equal(fx_int("SELECT count(*) FROM notices WHERE kind ="
	    " 'sentiment.alert'"), 1);
	assert_int_equal(q("SELECT count(*) FROM notices WHERE kind = 'sentiment.alert'"
	    " AND urgent = 1 AND unit_id = %lld", (long long)school), 1);
	/* The other two items are no story about bullying: no notice. */
	assert_int_equal(q("SELECT count(*) FROM sentiment_items WHERE feed_id = %lld"
	    " AND alerted_at > 0", (long long)f1), 1);

	/* Feeds 3 and 4: failures on record, backed off beyond the interval. */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM sentiment_feeds WHERE id IN"
	    " (%lld, %lld) AND failures = 1", (long long)f3, (long long)f4);
	assert_true(wait_for(15, 2, sql) >= 0);
	assert_int_equal(q("SELECT count(*) FROM sentiment_feeds WHERE id = %lld AND"
	    " instr(last_error, 'HTTP status 500') > 0", (long long)f3), 1);
	assert_int_equal(q("SELECT count(*) FROM sentiment_feeds WHERE id = %lld AND"
	    " instr(last_error, 'over 2097152 bytes') > 0", (long long)f4), 1);
	assert_int_equal(q("SELECT count(*) FROM sentiment_feeds WHERE id IN (%lld, %lld)"
	    " AND next_at > polled_at + 5 * 60 AND polled_at > 0 AND ok_at = 0",
	    (long long)f3, (long long)f4), 2);
	assert_int_equal(q("SELECT count(*) FROM sentiment_feeds WHERE instr(last_error,"
	    " '" KEY "') > 0 OR instr(last_error, '127.0.0.1') > 0"), 0);
	/* The reader hung up soon after its 2 MB, long before the 64. */
	for (int k = 0; k < 50 && atomic_load(&fs.huge_sent) == 0; k++)
		usleep(100 * 1000);
	size_t huge = atomic_load(&fs.huge_sent);
	print_message("feed 4 sent %zu bytes before the poller hung up\n", huge);
	assert_true(huge >= ((size_t)2 << 20) && huge < ((size_t)32 << 20));
	assert_int_equal(atomic_load(&fs.broken_gets), 1);	/* not retried at once */
	assert_int_equal(atomic_load(&fs.huge_gets), 1);
	/* The good ones: validators kept, due again after the interval. */
	assert_int_equal(q("SELECT count(*) FROM sentiment_feeds WHERE id = %lld AND"
	    " etag = '\"n1\"' AND failures = 0 AND last_error = '' AND ok_at > 0 AND"
	    " next_at = polled_at + 5 * 60", (long long)f1), 1);
	assert_int_equal(atomic_load(&fs.news_gets), 1);
	assert_int_equal(atomic_load(&fs.news_inm), 0);

	/* Polled again: feed 1 answers 304 to its ETag, feed 5 a 200 of the
	 * same item; nothing new either way. */
	int64_t items = fx_int("SELECT count(*) FROM sentiment_items");
	assert_int_equal(items, 4);
	snprintf(sql, sizeof sql, "UPDATE sentiment_feeds SET next_at = 0 WHERE id IN"
	    " (%lld, %lld)", (long long)f1, (long long)f5);
	assert_int_equal(fx_sql(sql), 0);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM sentiment_feeds WHERE id IN"
	    " (%lld, %lld) AND next_at = polled_at + 5 * 60 AND polled_at > 0",
	    (long long)f1, (long long)f5);
	took = wait_for(15, 2, sql);
	print_message("polled again within %.1f s\n", took);
	assert_true(took >= 0);
	assert_int_equal(atomic_load(&fs.news_gets), 2);
	assert_int_equal(atomic_load(&fs.news_inm), 1);
	assert_int_equal(atomic_load(&fs.news_304), 1);
	assert_int_equal(atomic_load(&fs.copy_gets), 2);
	assert_int_equal(fx_int("SELECT count(*) FROM sentiment_items"), items);
	assert_int_equal(q("SELECT copies FROM sentiment_items WHERE id = %lld",
	    (long long)story), 2);
	assert_int_equal(fx_int("SELECT count(*) FROM notices WHERE kind ="
	    " 'sentiment.alert'"), 1);
	assert_int_equal(q("SELECT count(*) FROM sentiment_feeds WHERE id = %lld AND"
	    " etag = '\"n1\"'", (long long)f1), 1);
	/* The slow feed still holds its fetcher and its lease. */
	assert_false(atomic_load(&fs.slow_done));
	assert_int_equal(q("SELECT polled_at FROM sentiment_feeds WHERE id = %lld",
	    (long long)f2), 0);
	assert_true(now_s() - t0 < 25);

	/* The failures are in the log by feed and name, never by URL. */
	snprintf(needle, sizeof needle, "feed %lld (坏掉的站) failed", (long long)f3);
	assert_true(file_contains(S.log, needle));
	assert_false(file_contains(S.log, KEY));
	snprintf(needle, sizeof needle, "127.0.0.1:%d", feeds.port);
	assert_false(file_contains(S.log, needle));

	/* Stopping does not wait for the slow feed. */
	fx_done();
	double s0 = now_s();
	assert_int_equal(srv_stop(&S), 0);
	double stop = now_s() - s0;
	print_message("the server stopped in %.2f s\n", stop);
	assert_true(stop < 5);
	/* It closed the slow feed's connection, the feed did not end it. */
	for (int k = 0; k < 30 && !atomic_load(&fs.slow_done); k++)
		usleep(100 * 1000);
	assert_true(atomic_load(&fs.slow_peer_closed));
	/* Its claim was given back: the next start reads it at once, not
	 * after the lease. */
	char path[200];
	snprintf(path, sizeof path, "sqlite:%s/data/xiaoan.db", S.dir);
	db *d = NULL;
	assert_int_equal(db_open(path, 0, &d), XA_OK);
	snprintf(sql, sizeof sql, "SELECT next_at FROM sentiment_feeds WHERE id = %lld",
	    (long long)f2);
	int64_t next = -1;
	assert_int_equal(db_query_int(d, sql, &next), XA_OK);
	db_close(d);
	assert_true(next > 0 && next <= (int64_t)time(NULL));
}

static int
setup(void **state)
{
	(void)state;
	if (feeds_start() != 0 || srv_start(&S, NULL) != 0 || fx_setup(&S) != 0)
		return -1;
	return 0;
}

/* Also after a failed assertion: no server left running. */
static int
teardown(void **state)
{
	(void)state;
	fx_done();
	srv_stop(&S);
	srv_cleanup(&S);
	feeds_stop();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poller),
	};
	return cmocka_run_group_tests_name("sentiment poller", tests, setup,
	    teardown);
}
