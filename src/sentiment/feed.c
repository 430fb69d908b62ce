/* feed.c: reads RSS, Atom and JSON feeds, and fetches them over HTTP.
 *
 * The parser turns a document into items of plain, valid UTF-8 text; the
 * fetcher makes one conditional GET with libcurl and hands a 200 to the
 * parser (feed.h; docs/internals/sentiment-feed.md). It must never read a
 * file or the network on a document's say-so (no external entity, no DTD
 * loading, no entity expansion: a document that declares an entity is
 * refused), never hold more than the size cap of a body in memory, never
 * block past the request's timeout, never raise a signal, and never put
 * the URL into a reason. No state survives a call except libcurl's and
 * libxml2's global set-up. */
#include "sentiment/feed.h"

#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "core/buf.h"
#include "core/utf8.h"
#include "version.h"

#define DOC_MAX (16L << 20)	/* bytes of a document feed_parse takes */
#define RAW_MAX (1L << 20)	/* bytes of one field gathered before cleaning */
#define VALIDATOR_MAX 512	/* bytes of an ETag or Last-Modified */
#define DEF_TIMEOUT_MS 30000L
#define DEF_CONNECT_MS 10000L
#define DEF_MAX_BYTES ((size_t)2 << 20)
#define MAX_REDIRECTS 3L

#define NS_ATOM "http://www.w3.org/2005/Atom"
#define NS_RSS1 "http://purl.org/rss/1.0/"
#define NS_CONTENT "http://purl.org/rss/1.0/modules/content/"
#define NS_DC "http://purl.org/dc/elements/1.1/"

/* ---------------------------------------------------------------- set-up */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void
init_all(void)
{
	xmlInitParser();
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

xa_err
feed_global_init(void)
{
	pthread_once(&init_once, init_all);
	return curl_init_rc == CURLE_OK ? XA_OK : XA_EIO;
}

/* ------------------------------------------------------------ plain text */

/* The text being written: white space is held back as one pending space,
 * written only before the next visible character, so runs collapse and
 * nothing leads or trails. full is set once the cap is reached. */
struct text {
	buf b;
	bool space;
	bool full;
};

/* The code point at s[*i] (s has n bytes), advancing *i; U+FFFD for a
 * byte that starts no valid sequence (the inputs are valid UTF-8, from
 * libxml2 or jansson, but this must not read past n whatever it gets). */
static uint32_t
next_cp(const unsigned char *s, size_t n, size_t *i)
{
	unsigned char c = s[*i];
	size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 :
	    c >= 0xc0 ? 2 : 0;
	if (len == 0 || *i + len > n || !utf8_valid((const char *)s + *i, len)) {
		(*i)++;
		return 0xfffd;
	}
	uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f :
	    c & 0x07;
	for (size_t k = 1; k < len; k++)
		cp = (cp << 6) | (s[*i + k] & 0x3f);
	*i += len;
	return cp;
}

/* Writes code point cp into t, after the pending space if any. */
static void
put_cp(struct text *t, uint32_t cp)
{
	char u[5];
	size_t n;

	if (t->full)
		return;
	if (cp == 0x20 || (cp >= 0x09 && cp <= 0x0d) || cp == 0xa0 ||
	    cp == 0x3000 || cp == 0x2028 || cp == 0x2029 || cp == 0x1680 ||
	    (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f || cp == 0x205f) {
		t->space = true;
		return;
	}
	/* Controls, the C1 block, zero-width marks and the BOM carry nothing
	 * a reader sees; surrogates and beyond U+10FFFF are no characters. */
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x200b ||
	    cp == 0xfeff || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (t->space && t->b.len > 0 && buf_putc(&t->b, ' ') != XA_OK) {
		t->full = true;
		return;
	}
	t->space = false;
	if (buf_append(&t->b, u, n) != XA_OK) {
		t->full = true;
		/* A space written just before must not trail. */
		if (t->b.len > 0 && t->b.data[t->b.len - 1] == ' ')
			t->b.data[--t->b.len] = '\0';
	}
}

static const struct {
	const char *name;
	uint32_t cp;
} entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "nbsp", 0xa0 }, { "ensp", 0x2002 },
	{ "emsp", 0x2003 }, { "thinsp", 0x2009 }, { "ldquo", 0x201c },
	{ "rdquo", 0x201d }, { "lsquo", 0x2018 }, { "rsquo", 0x2019 },
	{ "mdash", 0x2014 }, { "ndash", 0x2013 }, { "hellip", 0x2026 },
	{ "middot", 0xb7 }, { "bull", 0x2022 }, { "copy", 0xa9 },
	{ "reg", 0xae }, { "trade", 0x2122 }, { "times", 0xd7 },
	{ "divide", 0xf7 }, { "deg", 0xb0 }, { "laquo", 0xab },
	{ "raquo", 0xbb }, { "yen", 0xa5 }, { "para", 0xb6 },
	{ "sect", 0xa7 },
};

/* Decodes the HTML character reference at s[*i] ('&'), advancing *i past
 * it; false (and *i unchanged) when it is none we know, so the '&' stays
 * as text. A numeric one naming no character gives U+FFFD. */
static bool
html_entity(const char *s, size_t n, size_t *i, uint32_t *cp)
{
	size_t j = *i + 1, k;
	char name[12];

	for (k = 0; j + k < n && k < sizeof name - 1 &&
	    (isalnum((unsigned char)s[j + k]) || s[j + k] == '#'); k++)
		name[k] = s[j + k];
	name[k] = '\0';
	if (k == 0 || j + k >= n || s[j + k] != ';')
		return false;
	if (name[0] == '#') {
		bool hex = name[1] == 'x' || name[1] == 'X';
		const char *d = name + (hex ? 2 : 1);
		uint32_t v = 0;
		if (*d == '\0')
			return false;
		for (; *d != '\0'; d++) {
			int x = isdigit((unsigned char)*d) ? *d - '0' :
			    hex && isxdigit((unsigned char)*d) ?
			    tolower((unsigned char)*d) - 'a' + 10 : -1;
			if (x < 0)
				return false;
			if (v <= 0x10ffff)
				v = v * (hex ? 16 : 10) + (uint32_t)x;
		}
		*cp = v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) ?
		    0xfffd : v;
	} else {
		size_t e;
		for (e = 0; e < sizeof entities / sizeof entities[0]; e++)
			if (strcmp(entities[e].name, name) == 0)
				break;
		if (e == sizeof entities / sizeof entities[0])
			return false;
		*cp = entities[e].cp;
	}
	*i = j + k + 1;
	return true;
}

/* Case-insensitive: does s[i..n) start with the ASCII word w? */
static bool
starts(const char *s, size_t n, size_t i, const char *w)
{
	size_t l = strlen(w);
	return i + l <= n && strncasecmp(s + i, w, l) == 0;
}

/* Skips an HTML tag, comment or declaration starting at s[i] ('<'),
 * and for <script> and <style> their contents too; returns the index
 * after it (n when it never closes). */
static size_t
skip_tag(const char *s, size_t n, size_t i)
{
	const char *end;
	if (starts(s, n, i, "<!--")) {
		for (size_t j = i + 4; j + 3 <= n; j++)
			if (memcmp(s + j, "-->", 3) == 0)
				return j + 3;
		return n;
	}
	end = NULL;
	if (starts(s, n, i, "<script") && (i + 7 == n ||
	    !isalnum((unsigned char)s[i + 7])))
		end = "</script";
	else if (starts(s, n, i, "<style") && (i + 6 == n ||
	    !isalnum((unsigned char)s[i + 6])))
		end = "</style";
	if (end != NULL) {
		size_t j;
		for (j = i + 1; j < n && !starts(s, n, j, end); j++)
			;
		i = j;
	}
	while (i < n && s[i] != '>')
		i++;
	return i < n ? i + 1 : n;
}

/* Is name (lower case) an element that breaks the text, as a block or a
 * line break does? Inline ones (b, a, span, font...) don't. */
static bool
block_name(const char *name)
{
	static const char *const blocks[] = { "p", "br", "div", "li", "ul",
	    "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
	    "td", "th", "table", "blockquote", "pre", "hr", "section",
	    "article", "header", "footer", "figure", "figcaption", "img",
	    "script", "style", "title", "caption", "address", "main", "nav",
	    "aside", "iframe", "video", "audio", "form", "textarea",
	    "select", "option", "button" };
	for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++)
		if (strcmp(blocks[b], name) == 0)
			return true;
	return false;
}

/* Does the tag at s[i] ('<') break the text? Comments don't. */
static bool
is_block(const char *s, size_t n, size_t i)
{
	char name[16];
	size_t k = 0, j = i + 1;
	if (j < n && s[j] == '/')
		j++;
	while (j < n && k < sizeof name - 1 && isalnum((unsigned char)s[j]))
		name[k++] = (char)tolower((unsigned char)s[j++]);
	name[k] = '\0';
	if (k == 0 || (j < n && isalnum((unsigned char)s[j])))
		return false;
	return block_name(name);
}

enum mode { PLAIN, HTML };

/* Cleans n bytes of s into a new string of at most cap bytes: in HTML
 * mode tags are dropped (each counts as a space), scripts and styles with
 * them, and character references decoded; in both modes white space is
 * collapsed and controls dropped. The result (never NULL on XA_OK) is
 * the caller's to free. */
static xa_err
clean(const char *s, size_t n, enum mode m, size_t cap, char **out)
{
	struct text t = { .space = false, .full = false };
	size_t i = 0;
	uint32_t cp;

	buf_init(&t.b, cap);
	while (i < n && !t.full) {
		if (m == HTML && s[i] == '<' && i + 1 < n &&
		    (isalpha((unsigned char)s[i + 1]) || s[i + 1] == '/' ||
		    s[i + 1] == '!' || s[i + 1] == '?')) {
			/* Only a block ends a word: "某<b>中学</b>" is one
			 * run of Chinese, and must stay so for matching. */
			if (is_block(s, n, i))
				t.space = true;
			i = skip_tag(s, n, i);
			continue;
		}
		if (m == HTML && s[i] == '&' && html_entity(s, n, &i, &cp)) {
			put_cp(&t, cp);
			continue;
		}
		put_cp(&t, next_cp((const unsigned char *)s, n, &i));
	}
	if (t.b.data == NULL) {
		*out = strdup("");
		return *out == NULL ? XA_ENOMEM : XA_OK;
	}
	if (!utf8_valid(t.b.data, t.b.len)) {
		/* put_cp writes only whole, valid sequences. */
		buf_free(&t.b);
		return XA_EUTF8;
	}
	*out = buf_steal(&t.b, NULL);
	return XA_OK;
}

/* ----------------------------------------------------------------- dates */

static int
month_of(const char *m)
{
	static const char *const names[] = { "jan", "feb", "mar", "apr",
	    "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec" };
	for (int k = 0; k < 12; k++)
		if (strncasecmp(m, names[k], 3) == 0)
			return k;
	return -1;
}

/* Reads up to max digits (at least min) at *p into *v. */
static bool
digits(const char **p, int min, int max, int *v)
{
	int k = 0, x = 0;
	while (k < max && isdigit((unsigned char)(*p)[k])) {
		x = x * 10 + ((*p)[k] - '0');
		k++;
	}
	if (k < min)
		return false;
	*p += k;
	*v = x;
	return true;
}

static void
skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n')
		(*p)++;
}

/* A numeric "+hhmm", "+hh:mm" or a zone name at *p into seconds east of
 * UTC; false for anything else. */
static bool
zone_of(const char **p, long *off)
{
	static const struct {
		const char *name;
		int hours;
	} names[] = {
		{ "UTC", 0 }, { "GMT", 0 }, { "UT", 0 }, { "Z", 0 },
		{ "EST", -5 }, { "EDT", -4 }, { "CST", -6 }, { "CDT", -5 },
		{ "MST", -7 }, { "MDT", -6 }, { "PST", -8 }, { "PDT", -7 },
	};
	const char *q = *p;
	int h, m = 0;
	if (*q == '+' || *q == '-') {
		int sign = *q == '-' ? -1 : 1;
		q++;
		if (!digits(&q, 2, 2, &h))
			return false;
		if (*q == ':')
			q++;
		if (!digits(&q, 2, 2, &m))
			return false;
		if (h > 23 || m > 59)
			return false;
		*off = sign * (h * 3600L + m * 60L);
		*p = q;
		return true;
	}
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
		size_t l = strlen(names[k].name);
		if (strncasecmp(q, names[k].name, l) == 0 &&
		    !isalpha((unsigned char)q[l])) {
			*off = names[k].hours * 3600L;
			*p = q + l;
			return true;
		}
	}
	return false;
}

/* UTC seconds of a civil date and time at offset off; false when a field
 * is out of range. */
static bool
to_utc(int y, int mo, int d, int h, int mi, int s, long off, int64_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	struct tm tm;
	if (y < 1970 || y > 9999 || mo < 0 || mo > 11 || d < 1 ||
	    d > mdays[mo] || h > 23 || mi > 59 || s > 60)
		return false;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s == 60 ? 59 : s;
	time_t t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != d)	/* 29 February of 2025 */
		return false;
	*out = (int64_t)t - off;
	return true;
}

xa_err
feed_parse_date(const char *s, long zone, int64_t *out)
{
	const char *p = s;
	int y, mo, d, h, mi, sec = 0;
	long off = zone;

	skip_ws(&p);
	if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && isdigit((unsigned char)p[3]) &&
	    p[4] == '-') {
		/* RFC 3339. */
		if (!digits(&p, 4, 4, &y) || *p++ != '-' ||
		    !digits(&p, 2, 2, &mo) || *p++ != '-' ||
		    !digits(&p, 2, 2, &d))
			return XA_EINVAL;
		h = mi = 0;
		if (*p == 'T' || *p == 't' || *p == ' ') {
			p++;
			if (!digits(&p, 2, 2, &h) || *p++ != ':' ||
			    !digits(&p, 2, 2, &mi))
				return XA_EINVAL;
			if (*p == ':') {
				p++;
				if (!digits(&p, 2, 2, &sec))
					return XA_EINVAL;
				if (*p == '.' || *p == ',') {
					p++;
					if (!isdigit((unsigned char)*p))
						return XA_EINVAL;
					while (isdigit((unsigned char)*p))
						p++;
				}
			}
			skip_ws(&p);
			if (*p != '\0' && !zone_of(&p, &off))
				return XA_EINVAL;
		}
	} else {
		/* RFC 822 / 1123: [Day,] DD Mon YYYY HH:MM[:SS] zone. */
		if (isalpha((unsigned char)*p)) {
			while (isalpha((unsigned char)*p))
				p++;
			if (*p == ',')
				p++;
			skip_ws(&p);
		}
		if (!digits(&p, 1, 2, &d))
			return XA_EINVAL;
		skip_ws(&p);
		if ((mo = month_of(p)) < 0)
			return XA_EINVAL;
		while (isalpha((unsigned char)*p))
			p++;
		skip_ws(&p);
		const char *ys = p;
		if (!digits(&p, 2, 4, &y) || p - ys == 3)
			return XA_EINVAL;
		if (p - ys == 2)
			y += y < 50 ? 2000 : 1900;
		skip_ws(&p);
		if (!digits(&p, 1, 2, &h) || *p++ != ':' ||
		    !digits(&p, 2, 2, &mi))
			return XA_EINVAL;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, 2, &sec))
				return XA_EINVAL;
		}
		skip_ws(&p);
		if (*p != '\0' && !zone_of(&p, &off))
			return XA_EINVAL;
		mo++;
	}
	skip_ws(&p);
	if (*p != '\0')
		return XA_EINVAL;
	return to_utc(y, mo - 1, d, h, mi, sec, off, out) ? XA_OK : XA_EINVAL;
}

/* ----------------------------------------------------------------- items */

/* The fields of one item as the document gave them, before cleaning. */
struct raw {
	buf id, link, title, text, date;
	enum mode title_mode, text_mode;
};

static void
raw_init(struct raw *r)
{
	buf_init(&r->id, FEED_URL_MAX * 4);
	buf_init(&r->link, FEED_URL_MAX * 4);
	buf_init(&r->title, RAW_MAX);
	buf_init(&r->text, RAW_MAX);
	buf_init(&r->date, 256);
	r->title_mode = PLAIN;
	r->text_mode = HTML;
}

static void
raw_free(struct raw *r)
{
	buf_free(&r->id);
	buf_free(&r->link);
	buf_free(&r->title);
	buf_free(&r->text);
	buf_free(&r->date);
}

/* Appends as much of s (valid UTF-8) as b still holds, cut on a
 * character. Never fails: a field cut short is still a field. */
static void
put_cut(buf *b, const char *s, size_t n)
{
	size_t room = b->max > b->len ? b->max - b->len : 0;
	if (n > room) {
		n = room;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	if (n > 0)
		(void)buf_append(b, s, n);
}

static bool
is_http(const char *u)
{
	return strncasecmp(u, "http://", 7) == 0 ||
	    strncasecmp(u, "https://", 8) == 0;
}

static void
item_free(feed_item *it)
{
	free(it->id);
	free(it->link);
	free(it->title);
	free(it->text);
}

/* Cleans r into a new item at the end of f; skips an item with nothing
 * in it, counts one past FEED_ITEMS_MAX in f->dropped. */
static xa_err
add_item(feed *f, struct raw *r, long zone)
{
	feed_item it = { NULL, NULL, NULL, NULL, 0 };
	xa_err e;
	int64_t t;

	if (f->n >= FEED_ITEMS_MAX) {
		f->dropped++;
		return XA_OK;
	}
	if ((e = clean(r->id.data ? r->id.data : "", r->id.len, PLAIN,
	    FEED_URL_MAX, &it.id)) != XA_OK ||
	    (e = clean(r->link.data ? r->link.data : "", r->link.len, PLAIN,
	    FEED_URL_MAX * 2, &it.link)) != XA_OK ||
	    (e = clean(r->title.data ? r->title.data : "", r->title.len,
	    r->title_mode, FEED_TITLE_MAX, &it.title)) != XA_OK ||
	    (e = clean(r->text.data ? r->text.data : "", r->text.len,
	    r->text_mode, FEED_TEXT_MAX, &it.text)) != XA_OK)
		goto undo;
	/* A link is kept only whole, without spaces, and only http(s): a
	 * "javascript:" link must never reach a page. */
	if (!is_http(it.link) || strlen(it.link) >= FEED_URL_MAX ||
	    strchr(it.link, ' ') != NULL)
		it.link[0] = '\0';
	if (it.id[0] == '\0') {
		const char *alt = it.link[0] != '\0' ? it.link : it.title;
		free(it.id);
		if ((e = clean(alt, strlen(alt), PLAIN, FEED_URL_MAX,
		    &it.id)) != XA_OK)
			goto undo;
	}
	if (r->date.data != NULL && feed_parse_date(r->date.data, zone, &t) ==
	    XA_OK && t > 0)
		it.published = t;
	if (it.id[0] == '\0' && it.text[0] == '\0') {
		item_free(&it);
		return XA_OK;
	}
	if (f->n % 16 == 0) {
		feed_item *p = realloc(f->items, (f->n + 16) * sizeof *p);
		if (p == NULL) {
			e = XA_ENOMEM;
			goto undo;
		}
		f->items = p;
	}
	f->items[f->n++] = it;
	return XA_OK;
undo:
	item_free(&it);
	return e;
}

void
feed_free(feed *f)
{
	if (f == NULL)
		return;
	for (size_t k = 0; k < f->n; k++)
		item_free(&f->items[k]);
	free(f->items);
	free(f->title);
	memset(f, 0, sizeof *f);
}

/* ------------------------------------------------------------------- XML */

/* Is n an element called name, in namespace ns (NULL: in none, or in
 * RSS 1.0's, which RSS 2.0's names share)? */
static bool
is_el(const xmlNode *n, const char *name, const char *ns)
{
	if (n->type != XML_ELEMENT_NODE ||
	    strcmp((const char *)n->name, name) != 0)
		return false;
	if (ns == NULL)
		return n->ns == NULL ||
		    strcmp((const char *)n->ns->href, NS_RSS1) == 0;
	return n->ns != NULL && strcmp((const char *)n->ns->href, ns) == 0;
}

/* Appends the text inside n (text and CDATA, descending into elements,
 * a space around a block element such as XHTML's p) to b. Entity references are skipped: none
 * can be declared (see no_entity), so they name nothing. */
static void
gather(const xmlNode *n, buf *b, int depth)
{
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		if ((c->type == XML_TEXT_NODE ||
		    c->type == XML_CDATA_SECTION_NODE) && c->content != NULL)
			put_cut(b, (const char *)c->content,
			    strlen((const char *)c->content));
		else if (c->type == XML_ELEMENT_NODE && depth < 64) {
			bool blk = block_name((const char *)c->name);
			if (blk)
				put_cut(b, " ", 1);
			gather(c, b, depth + 1);
			if (blk)
				put_cut(b, " ", 1);
		}
	}
}

/* Replaces b's contents with the text inside n. */
static void
take(const xmlNode *n, buf *b)
{
	buf_reset(b);
	gather(n, b, 0);
}

static const char *
attr(const xmlNode *n, const char *name)
{
	for (const xmlAttr *a = n->properties; a != NULL; a = a->next)
		if (strcmp((const char *)a->name, name) == 0 && a->children != NULL &&
		    a->children->type == XML_TEXT_NODE)
			return (const char *)a->children->content;
	return NULL;
}

/* The mode of an Atom text construct by its type attribute; xhtml's
 * markup is elements already, so its text is gathered as plain. */
static enum mode
atom_mode(const xmlNode *n)
{
	const char *t = attr(n, "type");
	return t != NULL && strcmp(t, "html") == 0 ? HTML : PLAIN;
}

static xa_err
rss_item(feed *f, const xmlNode *item, long zone)
{
	struct raw r;
	bool have_content = false, have_date = false;
	const xmlNode *guid = NULL;
	xa_err e;

	raw_init(&r);
	r.title_mode = HTML;	/* titles are often escaped HTML */
	for (const xmlNode *c = item->children; c != NULL; c = c->next) {
		if (is_el(c, "title", NULL))
			take(c, &r.title);
		else if (is_el(c, "link", NULL))
			take(c, &r.link);
		else if (is_el(c, "guid", NULL)) {
			take(c, &r.id);
			guid = c;
		} else if (is_el(c, "pubDate", NULL)) {
			take(c, &r.date);
			have_date = true;
		} else if (is_el(c, "date", NS_DC) && !have_date)
			take(c, &r.date);
		else if (is_el(c, "encoded", NS_CONTENT)) {
			take(c, &r.text);
			have_content = true;
		} else if (is_el(c, "description", NULL) && !have_content)
			take(c, &r.text);
	}
	/* RSS 1.0 names the item by its rdf:about. */
	if (r.id.len == 0) {
		const char *about = attr(item, "about");
		if (about != NULL)
			put_cut(&r.id, about, strlen(about));
	}
	/* A guid that is a permalink is the link when none is given. */
	if (r.link.len == 0 && guid != NULL && r.id.data != NULL) {
		const char *pl = attr(guid, "isPermaLink");
		if (pl == NULL || strcmp(pl, "false") != 0)
			put_cut(&r.link, r.id.data, r.id.len);
	}
	e = add_item(f, &r, zone);
	raw_free(&r);
	return e;
}

static xa_err
atom_entry(feed *f, const xmlNode *entry, long zone)
{
	struct raw r;
	bool have_content = false, have_published = false, have_link = false;
	xa_err e;

	raw_init(&r);
	for (const xmlNode *c = entry->children; c != NULL; c = c->next) {
		if (is_el(c, "id", NS_ATOM))
			take(c, &r.id);
		else if (is_el(c, "title", NS_ATOM)) {
			take(c, &r.title);
			r.title_mode = atom_mode(c);
		} else if (is_el(c, "link", NS_ATOM) && !have_link) {
			const char *rel = attr(c, "rel"), *href = attr(c, "href");
			if (href != NULL && (rel == NULL ||
			    strcmp(rel, "alternate") == 0)) {
				buf_reset(&r.link);
				put_cut(&r.link, href, strlen(href));
				have_link = true;
			}
		} else if (is_el(c, "published", NS_ATOM)) {
			take(c, &r.date);
			have_published = true;
		} else if (is_el(c, "updated", NS_ATOM) && !have_published)
			take(c, &r.date);
		else if (is_el(c, "content", NS_ATOM) && attr(c, "src") == NULL) {
			take(c, &r.text);
			r.text_mode = atom_mode(c);
			have_content = true;
		} else if (is_el(c, "summary", NS_ATOM) && !have_content) {
			take(c, &r.text);
			r.text_mode = atom_mode(c);
		}
	}
	e = add_item(f, &r, zone);
	raw_free(&r);
	return e;
}

/* The feed's own title: the first child element called title of n. */
static xa_err
feed_title(feed *f, const xmlNode *n, const char *ns, enum mode m)
{
	buf b;
	xa_err e = XA_OK;
	buf_init(&b, RAW_MAX);
	for (const xmlNode *c = n->children; c != NULL; c = c->next)
		if (is_el(c, "title", ns)) {
			gather(c, &b, 0);
			break;
		}
	free(f->title);
	e = clean(b.data ? b.data : "", b.len, m, FEED_TITLE_MAX, &f->title);
	buf_free(&b);
	return e;
}

/* Called by libxml2 for every entity declaration, general or parameter,
 * internal or external: none is ever acceptable in a feed (an external
 * one reads files, nested internal ones multiply), so it stops the
 * parse. ctx is the parser context (the push parser's user data). */
static void
no_entity(void *ctx, const xmlChar *name, int type, const xmlChar *pub,
    const xmlChar *sys, xmlChar *content)
{
	xmlParserCtxtPtr c = ctx;
	*(bool *)c->_private = true;
	xmlStopParser(c);
}

static void
no_unparsed(void *ctx, const xmlChar *name, const xmlChar *pub,
    const xmlChar *sys, const xmlChar *notation)
{
	no_entity(ctx, name, 0, pub, sys, NULL);
}

static xa_err
parse_xml(const char *data, size_t len, long zone, feed *f, char *why,
    size_t whylen)
{
	xmlSAXHandler sax;
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	bool entity = false;
	xa_err e = XA_OK;
	int first = len < 4 ? (int)len : 4;

	memset(&sax, 0, sizeof sax);
	xmlSAXVersion(&sax, 2);
	sax.entityDecl = no_entity;
	sax.unparsedEntityDecl = no_unparsed;
	sax.externalSubset = NULL;	/* never load a DTD */
	/* The first bytes go in at creation so the encoding is detected. */
	ctxt = xmlCreatePushParserCtxt(&sax, NULL, data, first, NULL);
	if (ctxt == NULL) {
		snprintf(why, whylen, "out of memory");
		return XA_ENOMEM;
	}
	ctxt->_private = &entity;
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR |
	    XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	xmlParseChunk(ctxt, data + first, (int)(len - (size_t)first), 1);
	doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	if (entity) {
		snprintf(why, whylen, "the document declares an entity "
		    "(refused: external entities and entity expansion)");
		e = XA_EINVAL;
		goto done;
	}
	if (!ctxt->wellFormed || doc == NULL) {
		const xmlError *x = xmlCtxtGetLastError(ctxt);
		char msg[160] = "";
		if (x != NULL && x->message != NULL) {
			snprintf(msg, sizeof msg, "%s", x->message);
			msg[strcspn(msg, "\r\n")] = '\0';
		}
		snprintf(why, whylen, "malformed XML (line %d): %s",
		    x != NULL ? x->line : 0, msg[0] ? msg : "unknown error");
		e = XA_EINVAL;
		goto done;
	}

	const xmlNode *root = xmlDocGetRootElement(doc);
	if (root != NULL && root->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)root->name, "rss") == 0) {
		f->format = FEED_RSS;
		const xmlNode *ch = NULL;
		for (const xmlNode *c = root->children; c != NULL; c = c->next)
			if (is_el(c, "channel", NULL)) {
				ch = c;
				break;
			}
		if (ch == NULL) {
			snprintf(why, whylen, "an RSS document without a channel");
			e = XA_EINVAL;
			goto done;
		}
		if ((e = feed_title(f, ch, NULL, HTML)) != XA_OK)
			goto done;
		for (const xmlNode *c = ch->children; c != NULL && e == XA_OK;
		    c = c->next)
			if (is_el(c, "item", NULL))
				e = rss_item(f, c, zone);
	} else if (root != NULL && strcmp((const char *)root->name, "RDF") == 0) {
		f->format = FEED_RSS;
		for (const xmlNode *c = root->children; c != NULL && e == XA_OK;
		    c = c->next) {
			if (is_el(c, "channel", NULL))
				e = feed_title(f, c, NULL, HTML);
			else if (is_el(c, "item", NULL))
				e = rss_item(f, c, zone);
		}
	} else if (root != NULL && is_el(root, "feed", NS_ATOM)) {
		f->format = FEED_ATOM;
		if ((e = feed_title(f, root, NS_ATOM, PLAIN)) != XA_OK)
			goto done;
		for (const xmlNode *c = root->children; c != NULL && e == XA_OK;
		    c = c->next)
			if (is_el(c, "entry", NS_ATOM))
				e = atom_entry(f, c, zone);
	} else {
		snprintf(why, whylen, "XML that is neither RSS nor Atom");
		e = XA_EINVAL;
		goto done;
	}
	if (e != XA_OK)
		snprintf(why, whylen, "cannot keep the items: %s",
		    xa_strerror(e));
done:
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return e;
}

/* ------------------------------------------------------------------ JSON */

/* Appends the string member key of o, if it is one, to b. */
static bool
jtake(json_t *o, const char *key, buf *b)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v))
		return false;
	buf_reset(b);
	put_cut(b, json_string_value(v), json_string_length(v));
	return true;
}

static xa_err
parse_json(const char *data, size_t len, long zone, feed *f, char *why,
    size_t whylen)
{
	json_error_t je;
	json_t *root, *items, *v;
	xa_err e = XA_OK;
	buf t;

	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		snprintf(why, whylen, "malformed JSON (line %d): %s", je.line,
		    je.text);
		return XA_EINVAL;
	}
	v = json_object_get(root, "version");
	if (!json_is_object(root) || !json_is_string(v) ||
	    strncmp(json_string_value(v), "https://jsonfeed.org/version/1",
	    30) != 0) {
		snprintf(why, whylen, "JSON that is not a JSON Feed version 1");
		e = XA_EINVAL;
		goto done;
	}
	f->format = FEED_JSON;
	buf_init(&t, RAW_MAX);
	jtake(root, "title", &t);
	e = clean(t.data ? t.data : "", t.len, PLAIN, FEED_TITLE_MAX, &f->title);
	buf_free(&t);
	if (e != XA_OK)
		goto kept;
	items = json_object_get(root, "items");
	if (!json_is_array(items)) {
		snprintf(why, whylen, "a JSON Feed without items");
		e = XA_EINVAL;
		goto done;
	}
	for (size_t k = 0; k < json_array_size(items) && e == XA_OK; k++) {
		json_t *it = json_array_get(items, k);
		struct raw r;
		if (!json_is_object(it))
			continue;
		raw_init(&r);
		v = json_object_get(it, "id");
		if (json_is_integer(v))
			buf_printf(&r.id, "%lld", (long long)json_integer_value(v));
		else
			jtake(it, "id", &r.id);
		if (!jtake(it, "url", &r.link))
			jtake(it, "external_url", &r.link);
		jtake(it, "title", &r.title);
		if (jtake(it, "content_text", &r.text))
			r.text_mode = PLAIN;
		else if (jtake(it, "content_html", &r.text))
			r.text_mode = HTML;
		else if (jtake(it, "summary", &r.text))
			r.text_mode = PLAIN;
		if (!jtake(it, "date_published", &r.date))
			jtake(it, "date_modified", &r.date);
		e = add_item(f, &r, zone);
		raw_free(&r);
	}
kept:
	if (e != XA_OK)
		snprintf(why, whylen, "cannot keep the items: %s",
		    xa_strerror(e));
done:
	json_decref(root);
	return e;
}

xa_err
feed_parse(const char *data, size_t len, long zone, feed *out, char *why,
    size_t whylen)
{
	xa_err e;
	size_t i = 0;

	memset(out, 0, sizeof *out);
	why[0] = '\0';
	if (len > (size_t)DOC_MAX) {
		snprintf(why, whylen, "the document is over %ld bytes", DOC_MAX);
		return XA_ETOOBIG;
	}
	if (feed_global_init() != XA_OK) {
		snprintf(why, whylen, "libcurl did not initialise");
		return XA_EIO;
	}
	/* A UTF-8 byte order mark, then white space, before '{' or '<'. */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && isspace((unsigned char)data[i]))
		i++;
	if (i == len) {
		snprintf(why, whylen, "an empty document");
		return XA_EINVAL;
	}
	if (data[i] == '{')
		e = parse_json(data + i, len - i, zone, out, why, whylen);
	else
		e = parse_xml(data, len, zone, out, why, whylen);
	if (e != XA_OK)
		feed_free(out);
	return e;
}

/* ------------------------------------------------------------------ HTTP */

struct fetch {
	buf body;
	bool toobig, nomem;
	char etag[VALIDATOR_MAX];
	char modified[VALIDATOR_MAX];
};

static size_t
body_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fetch *f = arg;
	size_t n = size * nmemb;
	xa_err e = buf_append(&f->body, data, n);
	if (e != XA_OK) {
		f->toobig = e == XA_ETOOBIG;
		f->nomem = e == XA_ENOMEM;
		return 0;	/* libcurl ends the transfer */
	}
	return n;
}

/* Keeps the value of a header line "name: value" in out when the name
 * matches; a value that is not printable ASCII, or too long to send back,
 * is dropped. */
static void
keep_header(const char *line, size_t n, const char *name, char *out)
{
	size_t l = strlen(name), a, z;
	if (n <= l || strncasecmp(line, name, l) != 0 || line[l] != ':')
		return;
	for (a = l + 1; a < n && (line[a] == ' ' || line[a] == '\t'); a++)
		;
	for (z = n; z > a && isspace((unsigned char)line[z - 1]); z--)
		;
	out[0] = '\0';
	if (z - a == 0 || z - a >= VALIDATOR_MAX)
		return;
	for (size_t k = a; k < z; k++)
		if ((unsigned char)line[k] < 0x20 || (unsigned char)line[k] > 0x7e)
			return;
	memcpy(out, line + a, z - a);
	out[z - a] = '\0';
}

static size_t
header_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fetch *f = arg;
	size_t n = size * nmemb;
	/* Each answer in a chain of redirects starts with its status line;
	 * only the last answer's validators count. */
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		f->etag[0] = '\0';
		f->modified[0] = '\0';
	}
	keep_header(data, n, "ETag", f->etag);
	keep_header(data, n, "Last-Modified", f->modified);
	return n;
}

/* True when v may go into a request header: printable ASCII, short. */
static bool
header_ok(const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n >= VALIDATOR_MAX)
		return false;
	for (size_t k = 0; k < n; k++)
		if ((unsigned char)v[k] < 0x20 || (unsigned char)v[k] > 0x7e)
			return false;
	return true;
}

/* libcurl's progress callback, set only when the caller gave a cancel
 * flag: a non-zero return ends the transfer (CURLE_ABORTED_BY_CALLBACK).
 * libcurl calls it about once a second even while nothing arrives. */
static int
cancel_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	const atomic_int *cancel = arg;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return atomic_load(cancel) != 0;
}

static xa_err
fail(feed_result *r, feed_failure why, xa_err e)
{
	r->status = FEED_FAILED;
	r->failure = why;
	return e;
}

void
feed_result_free(feed_result *r)
{
	if (r == NULL)
		return;
	free(r->etag);
	free(r->last_modified);
	feed_free(&r->doc);
	r->etag = r->last_modified = NULL;
}

xa_err
feed_fetch(const feed_request *rq, feed_result *out)
{
	CURL *h = NULL;
	struct curl_slist *hdrs = NULL;
	struct fetch *f = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	char line[VALIDATOR_MAX + 32];
	long timeout = rq->timeout_ms > 0 ? rq->timeout_ms : DEF_TIMEOUT_MS;
	long connect = rq->connect_timeout_ms > 0 ? rq->connect_timeout_ms :
	    DEF_CONNECT_MS;
	size_t max = rq->max_bytes > 0 ? rq->max_bytes : DEF_MAX_BYTES;
	char ua[128];
	xa_err e;
	CURLcode rc;

	memset(out, 0, sizeof *out);
	if (rq->url == NULL || !is_http(rq->url)) {
		snprintf(out->why, sizeof out->why, "not an http or https URL");
		return fail(out, FEED_FAIL_URL, XA_EINVAL);
	}
	if ((rq->etag != NULL && rq->etag[0] != '\0' && !header_ok(rq->etag)) ||
	    (rq->last_modified != NULL && rq->last_modified[0] != '\0' &&
	    !header_ok(rq->last_modified))) {
		snprintf(out->why, sizeof out->why, "a stored ETag or "
		    "Last-Modified is not printable ASCII or is too long");
		return fail(out, FEED_FAIL_URL, XA_EINVAL);
	}
	if (rq->cancel != NULL && atomic_load(rq->cancel) != 0) {
		snprintf(out->why, sizeof out->why, "cancelled");
		return fail(out, FEED_FAIL_NETWORK, XA_EIO);
	}
	if (feed_global_init() != XA_OK) {
		snprintf(out->why, sizeof out->why, "libcurl did not initialise");
		return fail(out, FEED_FAIL_NETWORK, XA_EIO);
	}
	/* On the heap: two validators would make a worker's stack heavy. */
	if ((f = calloc(1, sizeof *f)) == NULL) {
		snprintf(out->why, sizeof out->why, "out of memory");
		return fail(out, FEED_FAIL_NETWORK, XA_ENOMEM);
	}
	buf_init(&f->body, max);
	if ((h = curl_easy_init()) == NULL) {
		snprintf(out->why, sizeof out->why, "libcurl: cannot create a handle");
		e = fail(out, FEED_FAIL_NETWORK, XA_EIO);
		goto done;
	}
	if (rq->etag != NULL && rq->etag[0] != '\0') {
		int k = snprintf(line, sizeof line, "If-None-Match: %s", rq->etag);
		struct curl_slist *p;
		if (k < 0 || (size_t)k >= sizeof line ||
		    (p = curl_slist_append(hdrs, line)) == NULL) {
			e = fail(out, FEED_FAIL_NETWORK, XA_ENOMEM);
			goto done;
		}
		hdrs = p;
	}
	if (rq->last_modified != NULL && rq->last_modified[0] != '\0') {
		int k = snprintf(line, sizeof line, "If-Modified-Since: %s",
		    rq->last_modified);
		struct curl_slist *p;
		if (k < 0 || (size_t)k >= sizeof line ||
		    (p = curl_slist_append(hdrs, line)) == NULL) {
			e = fail(out, FEED_FAIL_NETWORK, XA_ENOMEM);
			goto done;
		}
		hdrs = p;
	}
	int k = snprintf(ua, sizeof ua, "xiaoan/%s feed reader", XIAOAN_VERSION);
	if (k < 0 || (size_t)k >= sizeof ua)
		ua[0] = '\0';

	curl_easy_setopt(h, CURLOPT_URL, rq->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, MAX_REDIRECTS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_USERAGENT,
	    rq->user_agent != NULL && rq->user_agent[0] != '\0' ?
	    rq->user_agent : ua);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	if (rq->cancel != NULL) {
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, cancel_cb);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)rq->cancel);
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	}

	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->http_code);
	if (f->toobig || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(out->why, sizeof out->why, "the body is over %zu bytes",
		    max);
		e = fail(out, FEED_FAIL_TOOBIG, XA_ETOOBIG);
		goto done;
	}
	if (f->nomem) {
		snprintf(out->why, sizeof out->why, "out of memory");
		e = fail(out, FEED_FAIL_NETWORK, XA_ENOMEM);
		goto done;
	}
	switch (rc) {
	case CURLE_OK:
		break;
	case CURLE_ABORTED_BY_CALLBACK:
		snprintf(out->why, sizeof out->why, "cancelled");
		e = fail(out, FEED_FAIL_NETWORK, XA_EIO);
		goto done;
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(out->why, sizeof out->why, "no complete answer within "
		    "%ld ms", timeout);
		e = fail(out, FEED_FAIL_TIMEOUT, XA_EIO);
		goto done;
	case CURLE_TOO_MANY_REDIRECTS:
		snprintf(out->why, sizeof out->why, "more than %ld redirects",
		    MAX_REDIRECTS);
		e = fail(out, FEED_FAIL_REDIRECTS, XA_EIO);
		goto done;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		snprintf(out->why, sizeof out->why, "not a usable http or https "
		    "URL (or a redirect to one)");
		e = fail(out, FEED_FAIL_URL, XA_EINVAL);
		goto done;
	default:
		snprintf(out->why, sizeof out->why, "network: %.200s",
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
		e = fail(out, FEED_FAIL_NETWORK, XA_EIO);
		goto done;
	}
	if (f->etag[0] != '\0' && (out->etag = strdup(f->etag)) == NULL) {
		e = fail(out, FEED_FAIL_NETWORK, XA_ENOMEM);
		goto done;
	}
	if (f->modified[0] != '\0' &&
	    (out->last_modified = strdup(f->modified)) == NULL) {
		e = fail(out, FEED_FAIL_NETWORK, XA_ENOMEM);
		goto done;
	}
	if (out->http_code == 304) {
		out->status = FEED_NOT_MODIFIED;
		e = XA_OK;
		goto done;
	}
	if (out->http_code != 200) {
		snprintf(out->why, sizeof out->why, "HTTP status %ld",
		    out->http_code);
		e = fail(out, FEED_FAIL_HTTP, XA_EIO);
		goto done;
	}
	char why[FEED_WHY_MAX];
	e = feed_parse(f->body.data != NULL ? f->body.data : "", f->body.len,
	    rq->zone, &out->doc, why, sizeof why);
	if (e != XA_OK) {
		snprintf(out->why, sizeof out->why, "%.240s", why);
		e = fail(out, FEED_FAIL_PARSE, e == XA_ENOMEM ? e : XA_EINVAL);
		goto done;
	}
	out->status = FEED_NEW;
done:
	if (e != XA_OK) {
		free(out->etag);
		free(out->last_modified);
		out->etag = out->last_modified = NULL;
		if (out->why[0] == '\0')
			snprintf(out->why, sizeof out->why, "%s", xa_strerror(e));
	}
	curl_slist_free_all(hdrs);
	if (h != NULL)
		curl_easy_cleanup(h);
	buf_free(&f->body);
	free(f);
	return e;
}
