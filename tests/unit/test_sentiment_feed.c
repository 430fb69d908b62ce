/* test_sentiment_feed.c: the feed reader (src/sentiment/feed.c).
 *
 * Parsing: RSS 2.0, RSS 1.0, Atom and JSON Feed fixtures with Chinese
 * text, HTML in descriptions (tags dropped, references decoded, inline
 * tags not splitting words), a GBK- and a GB2312-encoded RSS, dates in
 * both RFCs, malformed and non-feed documents, an XXE attempt (internal
 * subset and external DTD) whose secret must never show, a billion-laughs
 * document that must fail fast, the item and text caps.
 * Fetching: a real HTTP server on loopback, run by a thread of this test,
 * serving a feed with validators (then a 304 for them), redirects (3
 * followed, a 4th refused, none to ftp), a slow
 * server (timed out within the limit, while another fetch goes through),
 * a 500, garbage, a huge body with and without Content-Length (aborted at
 * the cap), a fetch cancelled by its flag while the slow server dribbles,
 * a refused connection, bad URLs and validators. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/utf8.h"
#include "sentiment/feed.h"
#include "tests/fake/loopsrv.h"

#define ZONE8 (8 * 3600L)

static double
now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static feed
parse_ok(const char *doc)
{
	feed f;
	char why[FEED_WHY_MAX];
	xa_err e = feed_parse(doc, strlen(doc), ZONE8, &f, why, sizeof why);
	if (e != XA_OK)
		fail_msg("feed_parse: %s (%s)", xa_strerror(e), why);
	return f;
}

/* ------------------------------------------------------------- fixtures */

static const char rss_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">"
    "<channel><title>晚报 &amp; 社会</title><link>https://news.example.cn/</link>"
    "<item><title>某中学发生&lt;b&gt;校园欺凌&lt;/b&gt;事件</title>"
    "<link>https://news.example.cn/a/1.html</link>"
    "<guid isPermaLink=\"false\">news-0001</guid>"
    "<pubDate>Sat, 01 Mar 2025 10:00:00 +0800</pubDate>"
    "<description><![CDATA[<p>据家长反映，某<b>中学</b>初二学生&nbsp;遭同学"
    "殴打&amp;辱骂。</p>\n\n   <p>教育局已介入&hellip;</p>"
    "<script>alert('x')</script><style>p{color:red}</style>"
    "<!-- 注释 --><img src=\"x.png\">&#x56FE;&#29255;&bogus; a<b]]></description>"
    "</item>"
    "<item><title>Second</title>"
    "<guid>https://news.example.cn/a/2.html</guid>"
    "<pubDate>Sun, 02 Mar 2025 09:30:00 GMT</pubDate>"
    "<description>&lt;p&gt;Escaped &amp;amp; HTML&lt;/p&gt;</description>"
    "<content:encoded><![CDATA[<div>全文 <i>内容</i></div>]]></content:encoded>"
    "</item>"
    "<item><title>Bad link</title><link>javascript:alert(1)</link>"
    "<description>x</description></item>"
    "</channel></rss>\n";

static void
test_rss(void **state)
{
	feed f = parse_ok(rss_doc);
	assert_int_equal(f.format, FEED_RSS);
	assert_string_equal(f.title, "晚报 & 社会");
	assert_int_equal(f.n, 3);
	assert_int_equal(f.dropped, 0);

	feed_item *a = &f.items[0];
	assert_string_equal(a->id, "news-0001");
	assert_string_equal(a->link, "https://news.example.cn/a/1.html");
	/* An escaped inline tag inside the title is dropped, and the words
	 * around it stay joined. */
	assert_string_equal(a->title, "某中学发生校园欺凌事件");
	assert_int_equal(a->published, 1740794400);	/* 02:00 UTC */
	/* Blocks become one space, inline tags nothing; script, style and
	 * comments vanish; an unknown reference stays as text; a tag that
	 * never closes is dropped. */
	assert_string_equal(a->text, "据家长反映，某中学初二学生 遭同学殴打&辱骂。 "
	    "教育局已介入… 图片&bogus; a");

	feed_item *b = &f.items[1];
	/* A permalink guid is the link too; content:encoded wins over the
	 * description. */
	assert_string_equal(b->id, "https://news.example.cn/a/2.html");
	assert_string_equal(b->link, "https://news.example.cn/a/2.html");
	assert_int_equal(b->published, 1740907800);
	assert_string_equal(b->text, "全文 内容");

	feed_item *c = &f.items[2];
	assert_string_equal(c->link, "");
	assert_string_equal(c->id, "Bad link");
	assert_int_equal(c->published, 0);
	for (size_t k = 0; k < f.n; k++)
		assert_true(utf8_valid(f.items[k].text, strlen(f.items[k].text)));
	feed_free(&f);
	assert_null(f.items);
}

static void
test_rss_escaped_description(void **state)
{
	feed f = parse_ok("<rss><channel><item><title>t</title>"
	    "<description>&lt;p&gt;Escaped &amp;amp; HTML&lt;/p&gt;&lt;br/&gt;next"
	    "</description></item></channel></rss>");
	assert_int_equal(f.n, 1);
	assert_string_equal(f.items[0].text, "Escaped & HTML next");
	feed_free(&f);
}

static void
test_rdf(void **state)
{
	feed f = parse_ok("<?xml version=\"1.0\"?>"
	    "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
	    "xmlns=\"http://purl.org/rss/1.0/\" "
	    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
	    "<channel rdf:about=\"https://x.example/\"><title>RDF 频道</title></channel>"
	    "<item rdf:about=\"https://x.example/1\"><title>一</title>"
	    "<link>https://x.example/1</link><dc:date>2025-01-01T00:00:00+08:00</dc:date>"
	    "<description>正文</description></item></rdf:RDF>");
	assert_int_equal(f.format, FEED_RSS);
	assert_string_equal(f.title, "RDF 频道");
	assert_int_equal(f.n, 1);
	assert_string_equal(f.items[0].id, "https://x.example/1");
	assert_int_equal(f.items[0].published, 1735660800);
	assert_string_equal(f.items[0].text, "正文");
	feed_free(&f);
}

static const char atom_doc[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
    "<feed xmlns=\"http://www.w3.org/2005/Atom\" "
    "xmlns:media=\"http://search.yahoo.com/mrss/\">"
    "<title type=\"text\">教育舆情</title>"
    "<entry><id>tag:example.cn,2025:1</id>"
    "<title type=\"html\">&lt;em&gt;学生&lt;/em&gt;冲突</title>"
    "<link rel=\"self\" href=\"https://example.cn/self\"/>"
    "<link rel=\"alternate\" href=\"https://example.cn/story/1\"/>"
    "<updated>2025-03-05T00:00:00Z</updated>"
    "<published>2025-03-01T10:00:00+08:00</published>"
    "<summary>摘要 &lt;b&gt;不是标签&lt;/b&gt;</summary>"
    "<media:content url=\"https://example.cn/v.mp4\">媒体</media:content>"
    "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">"
    "<p>第一段<b>加粗</b>文字</p><p>第二段 1 &lt; 2</p></div></content>"
    "</entry>"
    "<entry><id>tag:example.cn,2025:2</id><title>只有摘要</title>"
    "<link href=\"https://example.cn/story/2\"/>"
    "<updated>2025-03-02T01:30:00.123Z</updated>"
    "<summary type=\"html\">&lt;p&gt;A&amp;amp;B&lt;/p&gt;</summary>"
    "</entry></feed>";

static void
test_atom(void **state)
{
	feed f = parse_ok(atom_doc);
	assert_int_equal(f.format, FEED_ATOM);
	assert_string_equal(f.title, "教育舆情");
	assert_int_equal(f.n, 2);
	feed_item *a = &f.items[0];
	assert_string_equal(a->id, "tag:example.cn,2025:1");
	assert_string_equal(a->title, "学生冲突");
	assert_string_equal(a->link, "https://example.cn/story/1");
	assert_int_equal(a->published, 1740794400);	/* published, not updated */
	/* xhtml content: elements are markup, "&lt;" in it is text. */
	assert_string_equal(a->text, "第一段加粗文字 第二段 1 < 2");
	feed_item *b = &f.items[1];
	assert_string_equal(b->link, "https://example.cn/story/2");
	assert_int_equal(b->published, 1740879000);
	assert_string_equal(b->text, "A&B");
	feed_free(&f);

	/* A text summary keeps "<b>" as text. */
	f = parse_ok("<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><id>x</id>"
	    "<summary>摘要 &lt;b&gt;不是标签&lt;/b&gt;</summary></entry></feed>");
	assert_string_equal(f.items[0].text, "摘要 <b>不是标签</b>");
	feed_free(&f);
}

static void
test_json_feed(void **state)
{
	feed f = parse_ok("{\"version\":\"https://jsonfeed.org/version/1.1\","
	    "\"title\":\"JSON 舆情\",\"items\":["
	    "{\"id\":\"j1\",\"url\":\"https://j.example/1\",\"title\":\"标题一\","
	    "\"content_html\":\"<p>某小学<span>学生</span>被</p><p>欺负&amp;受伤</p>\","
	    "\"date_published\":\"2025-03-01T10:00:00+08:00\"},"
	    "{\"id\":42,\"url\":\"javascript:alert(1)\",\"title\":\"t2\","
	    "\"content_text\":\"a\\u0001b  \\u3000 c\\n\\td <p>\","
	    "\"content_html\":\"ignored\",\"date_modified\":\"2025-03-02 09:30:00\"},"
	    "{\"summary\":\"只有摘要\"}, 7, "
	    "{\"id\":\"\",\"title\":\"\"}"
	    "]}");
	assert_int_equal(f.format, FEED_JSON);
	assert_string_equal(f.title, "JSON 舆情");
	assert_int_equal(f.n, 3);	/* the number and the empty item skipped */
	assert_string_equal(f.items[0].text, "某小学学生被 欺负&受伤");
	assert_int_equal(f.items[0].published, 1740794400);
	assert_string_equal(f.items[1].id, "42");
	assert_string_equal(f.items[1].link, "");
	/* content_text is plain: controls dropped, spaces collapsed, "<p>"
	 * kept as text. */
	assert_string_equal(f.items[1].text, "ab c d <p>");
	/* No zone: the bureau's zone is assumed. */
	assert_int_equal(f.items[1].published, 1740879000);
	assert_string_equal(f.items[2].text, "只有摘要");
	assert_string_equal(f.items[2].id, "");
	feed_free(&f);
}

/* "<?xml … encoding=GBK?>" and GB2312, with the title 校园欺凌事件，某中学
 * in those bytes. */
static void
test_gbk(void **state)
{
	static const char gbk_title[] = "\xd0\xa3\xd4\xb0\xc6\xdb\xc1\xe8\xca\xc2"
	    "\xbc\xfe\xa3\xac\xc4\xb3\xd6\xd0\xd1\xa7";
	const char *encs[] = { "GBK", "GB2312", "gb18030" };
	for (size_t k = 0; k < 3; k++) {
		char doc[1024];
		int n = snprintf(doc, sizeof doc, "<?xml version=\"1.0\" "
		    "encoding=\"%s\"?><rss version=\"2.0\"><channel><title>%s"
		    "</title><item><title>%s</title><description>&lt;p&gt;%s"
		    "&lt;/p&gt;</description></item></channel></rss>",
		    encs[k], gbk_title, gbk_title, gbk_title);
		assert_true(n > 0 && (size_t)n < sizeof doc);
		feed f = parse_ok(doc);
		assert_string_equal(f.title, "校园欺凌事件，某中学");
		assert_int_equal(f.n, 1);
		assert_string_equal(f.items[0].title, "校园欺凌事件，某中学");
		assert_string_equal(f.items[0].text, "校园欺凌事件，某中学");
		feed_free(&f);
	}
}

static void
expect_bad(const char *doc, xa_err want, const char *why_part)
{
	feed f;
	char why[FEED_WHY_MAX] = "x";
	xa_err e = feed_parse(doc, strlen(doc), 0, &f, why, sizeof why);
	if (e != want)
		fail_msg("want %s, got %s (%s) for %.60s", xa_strerror(want),
		    xa_strerror(e), why, doc);
	assert_int_equal(f.n, 0);
	assert_null(f.items);
	if (strstr(why, why_part) == NULL)
		fail_msg("reason \"%s\" lacks \"%s\"", why, why_part);
	feed_free(&f);
}

static void
test_malformed(void **state)
{
	expect_bad("<rss><channel><item><title>x</item></channel></rss>",
	    XA_EINVAL, "malformed XML");
	expect_bad("<rss><channel><item><title>\xff\xfe</title></item>"
	    "</channel></rss>", XA_EINVAL, "malformed XML");
	expect_bad("<html><body>not a feed</body></html>", XA_EINVAL,
	    "neither RSS nor Atom");
	expect_bad("<rss version=\"2.0\"></rss>", XA_EINVAL, "without a channel");
	expect_bad("<feed><entry/></feed>", XA_EINVAL, "neither");	/* no ns */
	expect_bad("{\"items\": [", XA_EINVAL, "malformed JSON");
	expect_bad("{\"version\":\"1\",\"items\":[]}", XA_EINVAL, "JSON Feed");
	expect_bad("{\"version\":\"https://jsonfeed.org/version/1.1\"}",
	    XA_EINVAL, "without items");
	expect_bad("   \n", XA_EINVAL, "empty");
	expect_bad("garbage", XA_EINVAL, "malformed XML");
}

static char secret_path[] = "/tmp/xa-feed-secret-XXXXXX";
static char dtd_path[] = "/tmp/xa-feed-dtd-XXXXXX";
#define SECRET "TOP-SECRET-4d2a91"

static void
write_file(char *tmpl, const char *text)
{
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void
test_xxe(void **state)
{
	char doc[2048], dtd[512];
	feed f;
	char why[FEED_WHY_MAX];

	write_file(secret_path, SECRET "\n");
	/* An external entity in the internal subset: refused outright. */
	snprintf(doc, sizeof doc, "<?xml version=\"1.0\"?>"
	    "<!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file://%s\">]>"
	    "<rss><channel><title>&xxe;</title><item><title>&xxe;</title>"
	    "<description>&xxe;</description></item></channel></rss>",
	    secret_path);
	xa_err e = feed_parse(doc, strlen(doc), 0, &f, why, sizeof why);
	assert_int_equal(e, XA_EINVAL);
	assert_non_null(strstr(why, "entity"));
	assert_null(strstr(why, SECRET));
	feed_free(&f);

	/* A parameter entity pulling a DTD: refused as well. */
	snprintf(doc, sizeof doc, "<!DOCTYPE rss [<!ENTITY %% p SYSTEM "
	    "\"file://%s\"> %%p;]><rss><channel><item><title>t</title>"
	    "</item></channel></rss>", secret_path);
	e = feed_parse(doc, strlen(doc), 0, &f, why, sizeof why);
	assert_int_equal(e, XA_EINVAL);
	feed_free(&f);

	/* An external DTD that would declare the entity: never loaded, so
	 * the reference stays empty and the secret never shows. */
	snprintf(dtd, sizeof dtd, "<!ENTITY xxe SYSTEM \"file://%s\">",
	    secret_path);
	write_file(dtd_path, dtd);
	snprintf(doc, sizeof doc, "<!DOCTYPE rss SYSTEM \"file://%s\">"
	    "<rss><channel><title>a&xxe;b</title><item><title>x&xxe;y</title>"
	    "<description>p&xxe;q</description></item></channel></rss>",
	    dtd_path);
	e = feed_parse(doc, strlen(doc), 0, &f, why, sizeof why);
	assert_int_equal(e, XA_OK);
	assert_int_equal(f.n, 1);
	assert_null(strstr(f.title, SECRET));
	assert_null(strstr(f.items[0].title, SECRET));
	assert_null(strstr(f.items[0].text, SECRET));
	assert_string_equal(f.title, "ab");
	assert_string_equal(f.items[0].title, "xy");
	assert_string_equal(f.items[0].text, "pq");
	feed_free(&f);
	unlink(secret_path);
	unlink(dtd_path);
}

static void
test_billion_laughs(void **state)
{
	static const char doc[] =
	    "<?xml version=\"1.0\"?><!DOCTYPE lolz ["
	    "<!ENTITY lol \"lol\">"
	    "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
	    "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
	    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
	    "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
	    "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
	    "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
	    "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
	    "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
	    "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">"
	    "]><rss><channel><item><title>&lol9;</title>"
	    "<description>&lol9;&lol9;</description></item></channel></rss>";
	feed f;
	char why[FEED_WHY_MAX];
	double t0 = now_s();
	xa_err e = feed_parse(doc, sizeof doc - 1, 0, &f, why, sizeof why);
	double dt = now_s() - t0;
	assert_int_equal(e, XA_EINVAL);
	assert_non_null(strstr(why, "entity"));
	assert_true(dt < 0.5);
	feed_free(&f);
}

static void
test_dates(void **state)
{
	static const struct {
		const char *s;
		int64_t want;
	} ok[] = {
		{ "Sat, 01 Mar 2025 10:00:00 +0800", 1740794400 },
		{ "01 Mar 2025 02:00:00 GMT", 1740794400 },
		{ "Sat, 1 Mar 2025 02:00 UT", 1740794400 },
		{ "Fri, 28 Feb 2025 21:00:00 EST", 1740794400 },
		{ "Sat, 01 Mar 25 02:00:00 Z", 1740794400 },
		{ "Sat, 01 Mar 2025 10:00:00", 1740794400 },	/* zone: +8 */
		{ "2025-03-01T02:00:00Z", 1740794400 },
		{ "2025-03-01t10:00:00.999+08:00", 1740794400 },
		{ "2025-02-28T21:00:00-05:00", 1740794400 },
		{ "2025-03-01 10:00:00", 1740794400 },
		{ " 2025-03-01T10:00+08:00 ", 1740794400 },
		{ "2024-02-29T00:00:00Z", 1709164800 },
	};
	static const char *const bad[] = {
		"", "yesterday", "2025-02-29T00:00:00Z", "2025-13-01T00:00:00Z",
		"2025-03-01T25:00:00Z", "2025-03-01T10:00:00+08:00junk",
		"Sat, 32 Mar 2025 10:00:00 +0800", "Sat, 01 Foo 2025 10:00:00 GMT",
		"Sat, 01 Mar 2025 10:00:00 XYZ", "2025-03-01T10:00:00.+08:00",
		"1969-12-31T23:59:59Z", "Sat, 01 Mar 202 10:00:00 GMT",
	};
	int64_t t;
	for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
		t = -1;
		if (feed_parse_date(ok[k].s, ZONE8, &t) != XA_OK || t != ok[k].want)
			fail_msg("%s: got %lld", ok[k].s, (long long)t);
	}
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
		if (feed_parse_date(bad[k], ZONE8, &t) != XA_EINVAL)
			fail_msg("%s accepted", bad[k]);
}

static void
test_limits(void **state)
{
	char *doc = malloc(4u << 20);
	size_t n = 0;
	assert_non_null(doc);
	n += (size_t)snprintf(doc + n, 64, "<rss><channel>");
	/* First an item with 90,000 bytes of Chinese, past the text cap. */
	n += (size_t)snprintf(doc + n, 64, "<item><guid>big</guid><description>");
	for (int k = 0; k < 30000; k++) {
		memcpy(doc + n, "欺", 3);
		n += 3;
	}
	n += (size_t)snprintf(doc + n, 64, "</description></item>");
	for (int k = 0; k < FEED_ITEMS_MAX + 100; k++)
		n += (size_t)snprintf(doc + n, 128, "<item><guid>g%d</guid>"
		    "<title>t</title></item>", k);
	n += (size_t)snprintf(doc + n, 64, "</channel></rss>");

	feed f;
	char why[FEED_WHY_MAX];
	assert_int_equal(feed_parse(doc, n, 0, &f, why, sizeof why), XA_OK);
	assert_int_equal(f.n, FEED_ITEMS_MAX);
	assert_int_equal(f.dropped, 101);
	assert_string_equal(f.items[0].id, "big");
	size_t l = strlen(f.items[0].text);
	assert_true(l <= FEED_TEXT_MAX && l > FEED_TEXT_MAX - 3);
	assert_int_equal(l % 3, 0);
	assert_true(utf8_valid(f.items[0].text, l));
	assert_string_equal(f.items[1].id, "g0");
	assert_string_equal(f.items[FEED_ITEMS_MAX - 1].id, "g498");
	feed_free(&f);
	free(doc);

	/* Over the document cap: refused before any parsing. */
	char small[8] = "<rss/>";
	assert_int_equal(feed_parse(small, (size_t)(16 << 20) + 1, 0, &f, why,
	    sizeof why), XA_ETOOBIG);
}

/* ------------------------------------------------- the loopback server */

static loopsrv srv;
static struct {
	pthread_mutex_t mu;
	char last_req[4096];	/* the latest request's head */
	atomic_size_t huge_sent;
	atomic_bool slow_done;
} seen;

/* The feeds the fetch tests ask for, by path. */
static void
serve(loopsrv *s, int fd, const char *req)
{
	pthread_mutex_lock(&seen.mu);
	snprintf(seen.last_req, sizeof seen.last_req, "%s", req);
	pthread_mutex_unlock(&seen.mu);

	if (strncmp(req, "GET /rss ", 9) == 0) {
		if (strstr(req, "\r\nIf-None-Match: \"v1\"\r\n") != NULL)
			loopsrv_respond(fd, "304 Not Modified", "ETag: \"v1\"\r\n", "");
		else
			loopsrv_respond(fd, "200 OK", "Content-Type: application/rss+xml\r\n"
			    "ETag: \"v1\"\r\n"
			    "Last-Modified: Sat, 01 Mar 2025 02:00:00 GMT\r\n",
			    rss_doc);
	} else if (strncmp(req, "GET /plain ", 11) == 0) {
		loopsrv_respond(fd, "200 OK", "", rss_doc);
	} else if (strncmp(req, "GET /redir2 ", 12) == 0) {
		loopsrv_respond(fd, "302 Found", "Location: /plain\r\nETag: \"old\"\r\n"
		    "Last-Modified: Sat, 01 Mar 2025 02:00:00 GMT\r\n", "");
	} else if (strncmp(req, "GET /redir ", 11) == 0) {
		loopsrv_respond(fd, "302 Found", "Location: /rss\r\nETag: \"old\"\r\n", "");
	} else if (strncmp(req, "GET /r", 6) == 0 && req[6] >= '0' &&
	    req[6] <= '9' && req[7] == ' ') {
		/* /rN redirects N times before /rss. */
		char loc[64];
		if (req[6] == '0')
			snprintf(loc, sizeof loc, "Location: /rss\r\n");
		else
			snprintf(loc, sizeof loc, "Location: /r%c\r\n", req[6] - 1);
		loopsrv_respond(fd, "301 Moved Permanently", loc, "");
	} else if (strncmp(req, "GET /ftp ", 9) == 0) {
		loopsrv_respond(fd, "302 Found", "Location: ftp://127.0.0.1/x\r\n", "");
	} else if (strncmp(req, "GET /500 ", 9) == 0) {
		loopsrv_respond(fd, "500 Internal Server Error", "", "oops");
	} else if (strncmp(req, "GET /garbage ", 13) == 0) {
		loopsrv_respond(fd, "200 OK", "", "\x01\x02 this is <<< not a feed");
	} else if (strncmp(req, "GET /slow ", 10) == 0) {
		/* Headers, then a byte every 200 ms: each read succeeds, only
		 * the whole fetch's limit can end it. */
		static const char h[] = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n"
		    "Connection: close\r\n\r\n<rss>";
		if (loopsrv_send_all(fd, h, sizeof h - 1))
			for (int k = 0; k < 100 && !loopsrv_stopping(s); k++) {
				if (loopsrv_peer_closed(fd, 200) || !loopsrv_send_all(fd, " ", 1))
					break;
			}
		atomic_store(&seen.slow_done, true);
	} else if (strncmp(req, "GET /huge ", 10) == 0 ||
	    strncmp(req, "GET /hugecl ", 12) == 0) {
		bool cl = req[9] == 'c';
		char chunk[8192];
		size_t sent = 0, total = (size_t)256 << 20;
		char h[256];
		snprintf(h, sizeof h, "HTTP/1.1 200 OK\r\n%s"
		    "Connection: close\r\n\r\n<rss><channel>",
		    cl ? "Content-Length: 268435456\r\n" : "");
		memset(chunk, 'x', sizeof chunk);
		if (loopsrv_send_all(fd, h, strlen(h)))
			while (sent < total && !loopsrv_stopping(s) &&
			    loopsrv_send_all(fd, chunk, sizeof chunk))
				sent += sizeof chunk;
		atomic_store(&seen.huge_sent, sent);
	} else {
		loopsrv_respond(fd, "404 Not Found", "", "");
	}
}

static int
server_start(void **state)
{
	pthread_mutex_init(&seen.mu, NULL);
	if (loopsrv_start(&srv, serve, NULL) != 0)
		return -1;
	return feed_global_init() == XA_OK ? 0 : -1;
}

static int
server_stop(void **state)
{
	loopsrv_stop(&srv);
	pthread_mutex_destroy(&seen.mu);
	return 0;
}

static void
url(char *out, size_t n, const char *path)
{
	int k = snprintf(out, n, "http://127.0.0.1:%d%s", srv.port, path);
	assert_true(k > 0 && (size_t)k < n);
}

static void
last_request(char *out, size_t n)
{
	pthread_mutex_lock(&seen.mu);
	snprintf(out, n, "%s", seen.last_req);
	pthread_mutex_unlock(&seen.mu);
}

/* ------------------------------------------------------------ fetching */

static void
test_fetch_and_304(void **state)
{
	char u[128], req[4096];
	feed_request rq = { 0 };
	feed_result r;

	url(u, sizeof u, "/rss");
	rq.url = u;
	rq.timeout_ms = 5000;
	rq.zone = ZONE8;
	assert_int_equal(feed_fetch(&rq, &r), XA_OK);
	assert_int_equal(r.status, FEED_NEW);
	assert_int_equal(r.failure, FEED_FAIL_NONE);
	assert_int_equal(r.http_code, 200);
	assert_string_equal(r.etag, "\"v1\"");
	assert_string_equal(r.last_modified, "Sat, 01 Mar 2025 02:00:00 GMT");
	assert_int_equal(r.doc.n, 3);
	assert_string_equal(r.doc.items[0].title, "某中学发生校园欺凌事件");
	assert_string_equal(r.why, "");
	last_request(req, sizeof req);
	assert_non_null(strstr(req, "\r\nUser-Agent: xiaoan/"));
	assert_null(strstr(req, "If-None-Match"));

	/* Again, with the validators: 304, nothing parsed. */
	feed_request rq2 = rq;
	rq2.etag = r.etag;
	rq2.last_modified = r.last_modified;
	feed_result r2;
	assert_int_equal(feed_fetch(&rq2, &r2), XA_OK);
	assert_int_equal(r2.status, FEED_NOT_MODIFIED);
	assert_int_equal(r2.http_code, 304);
	assert_int_equal(r2.doc.n, 0);
	assert_string_equal(r2.etag, "\"v1\"");
	last_request(req, sizeof req);
	assert_non_null(strstr(req, "\r\nIf-None-Match: \"v1\"\r\n"));
	assert_non_null(strstr(req,
	    "\r\nIf-Modified-Since: Sat, 01 Mar 2025 02:00:00 GMT\r\n"));
	feed_result_free(&r2);
	feed_result_free(&r);

	/* A redirect is followed; the validators are the final answer's. */
	rq.user_agent = "test-agent/1";
	url(u, sizeof u, "/redir");
	assert_int_equal(feed_fetch(&rq, &r), XA_OK);
	assert_int_equal(r.status, FEED_NEW);
	assert_string_equal(r.etag, "\"v1\"");
	last_request(req, sizeof req);
	assert_non_null(strstr(req, "\r\nUser-Agent: test-agent/1\r\n"));
	feed_result_free(&r);

	/* The redirect's own validators are not the feed's. */
	url(u, sizeof u, "/redir2");
	assert_int_equal(feed_fetch(&rq, &r), XA_OK);
	assert_int_equal(r.status, FEED_NEW);
	assert_null(r.etag);
	assert_null(r.last_modified);
	feed_result_free(&r);

	/* Three redirects in a row are still followed. */
	url(u, sizeof u, "/r2");
	assert_int_equal(feed_fetch(&rq, &r), XA_OK);
	assert_int_equal(r.status, FEED_NEW);
	assert_int_equal(r.doc.n, 3);
	feed_result_free(&r);
}

static void
expect_fail(const char *path, long timeout_ms, size_t max, xa_err want_e,
    feed_failure want_f, const char *why_part)
{
	char u[128];
	feed_request rq = { 0 };
	feed_result r;
	url(u, sizeof u, path);
	rq.url = u;
	rq.timeout_ms = timeout_ms;
	rq.max_bytes = max;
	xa_err e = feed_fetch(&rq, &r);
	if (e != want_e || r.failure != want_f)
		fail_msg("%s: got %s, failure %d (%s)", path, xa_strerror(e),
		    r.failure, r.why);
	assert_int_equal(r.status, FEED_FAILED);
	assert_int_equal(r.doc.n, 0);
	assert_null(r.etag);
	if (strstr(r.why, why_part) == NULL)
		fail_msg("%s: reason \"%s\" lacks \"%s\"", path, r.why, why_part);
	assert_null(strstr(r.why, "127.0.0.1:"));	/* never the URL */
	feed_result_free(&r);
}

static void
test_broken(void **state)
{
	expect_fail("/500", 5000, 0, XA_EIO, FEED_FAIL_HTTP, "HTTP status 500");
	expect_fail("/nothing", 5000, 0, XA_EIO, FEED_FAIL_HTTP, "404");
	expect_fail("/garbage", 5000, 0, XA_EINVAL, FEED_FAIL_PARSE, "malformed");
	/* Four redirects are one too many. */
	expect_fail("/r3", 5000, 0, XA_EIO, FEED_FAIL_REDIRECTS, "redirects");
	expect_fail("/ftp", 5000, 0, XA_EINVAL, FEED_FAIL_URL, "URL");
}

struct slow_arg {
	feed_result r;
	xa_err e;
	double took;
};

static void *
slow_fetch(void *arg)
{
	struct slow_arg *a = arg;
	char u[128];
	feed_request rq = { 0 };
	url(u, sizeof u, "/slow");
	rq.url = u;
	rq.timeout_ms = 1500;
	double t0 = now_s();
	a->e = feed_fetch(&rq, &a->r);
	a->took = now_s() - t0;
	return NULL;
}

static void
test_slow(void **state)
{
	struct slow_arg a;
	pthread_t th;
	char u[128];
	feed_request rq = { 0 };
	feed_result r;

	atomic_store(&seen.slow_done, false);
	assert_int_equal(pthread_create(&th, NULL, slow_fetch, &a), 0);
	usleep(200 * 1000);
	/* The slow one does not hold up another fetch. */
	url(u, sizeof u, "/rss");
	rq.url = u;
	rq.timeout_ms = 5000;
	double t0 = now_s();
	assert_int_equal(feed_fetch(&rq, &r), XA_OK);
	assert_true(now_s() - t0 < 0.5);
	assert_int_equal(r.status, FEED_NEW);
	assert_false(atomic_load(&seen.slow_done));
	feed_result_free(&r);

	pthread_join(th, NULL);
	assert_int_equal(a.e, XA_EIO);
	assert_int_equal(a.r.status, FEED_FAILED);
	assert_int_equal(a.r.failure, FEED_FAIL_TIMEOUT);
	assert_non_null(strstr(a.r.why, "1500 ms"));
	assert_true(a.took >= 1.4 && a.took < 2.5);
	feed_result_free(&a.r);
}

struct cancel_arg {
	feed_result r;
	xa_err e;
	double took;
	atomic_int flag;
};

static void *
cancel_fetch(void *arg)
{
	struct cancel_arg *a = arg;
	char u[128];
	feed_request rq = { 0 };
	url(u, sizeof u, "/slow");
	rq.url = u;
	rq.timeout_ms = 15000;
	rq.cancel = &a->flag;
	double t0 = now_s();
	a->e = feed_fetch(&rq, &a->r);
	a->took = now_s() - t0;
	return NULL;
}

/* A fetch in progress ends within about a second of its cancel flag being
 * set, long before its own timeout, and says so; a flag already set
 * stops a fetch before it starts; a flag left clear changes nothing. */
static void
test_cancel(void **state)
{
	struct cancel_arg a;
	pthread_t th;
	char u[128];
	feed_request rq = { 0 };
	feed_result r;

	memset(&a, 0, sizeof a);
	atomic_init(&a.flag, 0);
	atomic_store(&seen.slow_done, false);
	assert_int_equal(pthread_create(&th, NULL, cancel_fetch, &a), 0);
	usleep(700 * 1000);
	assert_false(atomic_load(&seen.slow_done));
	double t0 = now_s();
	atomic_store(&a.flag, 1);
	pthread_join(th, NULL);
	double after = now_s() - t0;
	print_message("cancel: ended %.2f s after the flag was set\n", after);
	assert_true(after < 1.6);
	assert_true(a.took < 3.0);
	assert_int_equal(a.e, XA_EIO);
	assert_int_equal(a.r.status, FEED_FAILED);
	assert_int_equal(a.r.failure, FEED_FAIL_NETWORK);
	assert_string_equal(a.r.why, "cancelled");
	assert_int_equal(a.r.doc.n, 0);
	feed_result_free(&a.r);

	/* Already set: nothing is fetched. */
	atomic_int set;
	atomic_init(&set, 1);
	url(u, sizeof u, "/rss");
	rq.url = u;
	rq.timeout_ms = 5000;
	rq.cancel = &set;
	assert_int_equal(feed_fetch(&rq, &r), XA_EIO);
	assert_int_equal(r.failure, FEED_FAIL_NETWORK);
	assert_string_equal(r.why, "cancelled");
	feed_result_free(&r);

	/* Clear: the fetch goes through as without a flag. */
	atomic_int clear;
	atomic_init(&clear, 0);
	rq.cancel = &clear;
	assert_int_equal(feed_fetch(&rq, &r), XA_OK);
	assert_int_equal(r.status, FEED_NEW);
	assert_int_equal(r.doc.n, 3);
	feed_result_free(&r);
}

static void
test_huge(void **state)
{
	/* No Content-Length: the body is cut at the cap as it streams. */
	atomic_store(&seen.huge_sent, 0);
	double t0 = now_s();
	expect_fail("/huge", 20000, (size_t)2 << 20, XA_ETOOBIG,
	    FEED_FAIL_TOOBIG, "over 2097152 bytes");
	assert_true(now_s() - t0 < 10);
	/* The server stopped long before its 256 MB: the reader closed. */
	for (int k = 0; k < 100 && atomic_load(&seen.huge_sent) == 0; k++)
		usleep(20 * 1000);
	size_t sent = atomic_load(&seen.huge_sent);
	print_message("huge: the server sent %zu bytes before the reader closed\n",
	    sent);
	assert_true(sent > 0 && sent < ((size_t)64 << 20));

	/* A Content-Length over the cap: refused before the body. */
	atomic_store(&seen.huge_sent, 0);
	expect_fail("/hugecl", 20000, (size_t)2 << 20, XA_ETOOBIG,
	    FEED_FAIL_TOOBIG, "over");
}

static void
test_bad_requests(void **state)
{
	feed_request rq = { 0 };
	feed_result r;
	char u[128];

	rq.url = "ftp://127.0.0.1/feed";
	assert_int_equal(feed_fetch(&rq, &r), XA_EINVAL);
	assert_int_equal(r.failure, FEED_FAIL_URL);
	feed_result_free(&r);
	rq.url = "file:///etc/passwd";
	assert_int_equal(feed_fetch(&rq, &r), XA_EINVAL);
	assert_int_equal(r.failure, FEED_FAIL_URL);
	feed_result_free(&r);
	rq.url = NULL;
	assert_int_equal(feed_fetch(&rq, &r), XA_EINVAL);
	feed_result_free(&r);

	/* A stored validator that would inject a header. */
	url(u, sizeof u, "/rss");
	rq.url = u;
	rq.etag = "\"v1\"\r\nX-Evil: 1";
	assert_int_equal(feed_fetch(&rq, &r), XA_EINVAL);
	assert_int_equal(r.failure, FEED_FAIL_URL);
	feed_result_free(&r);

	/* Nobody listening: a network failure, quickly. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	close(fd);	/* the port is now closed */
	snprintf(u, sizeof u, "http://127.0.0.1:%d/rss", ntohs(a.sin_port));
	rq.etag = NULL;
	rq.url = u;
	rq.timeout_ms = 3000;
	assert_int_equal(feed_fetch(&rq, &r), XA_EIO);
	assert_int_equal(r.failure, FEED_FAIL_NETWORK);
	assert_non_null(strstr(r.why, "network"));
	feed_result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest parsing[] = {
		cmocka_unit_test(test_rss),
		cmocka_unit_test(test_rss_escaped_description),
		cmocka_unit_test(test_rdf),
		cmocka_unit_test(test_atom),
		cmocka_unit_test(test_json_feed),
		cmocka_unit_test(test_gbk),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_xxe),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_limits),
	};
	const struct CMUnitTest fetching[] = {
		cmocka_unit_test(test_fetch_and_304),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_slow),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_bad_requests),
	};
	int fails = cmocka_run_group_tests_name("feed parsing", parsing, NULL,
	    NULL);
	fails += cmocka_run_group_tests_name("feed fetching", fetching,
	    server_start, server_stop);
	return fails != 0;
}
