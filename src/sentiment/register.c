/* register.c: the register of public-opinion monitoring (register.h).
 *
 * The matcher's inputs (the lexicon in force, the city's places and their
 * short forms), taking items in (dedup, folding into stories, the alert
 * once a story), the handling of a story, the feeds' bookkeeping for the
 * poller, the services' tokens, the office's lexicon edits and the
 * de-identified bimonthly 通报.
 *
 * Never: read the clock (callers pass now), fetch anything, write an audit
 * record (callers do, beside the change), or let an item's words, link or
 * outlet into the bulletin. */
#include "register.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/calendar.h"
#include "../core/crypto.h"
#include "../core/utf8.h"
#include "../notify/notify.h"

#define DAY 86400

static const char *const cat_names[SM_CAT__COUNT] = {
	[SM_PHYSICAL] = "physical", [SM_VERBAL] = "verbal", [SM_ONLINE] = "online",
	[SM_PROPERTY] = "property", [SM_EXCLUSION] = "exclusion",
	[SM_GENERAL] = "general", [SM_CONTEXT] = "context",
	[SM_MITIGATING] = "mitigating",
};

const char *
sr_cat_name(enum sm_cat c)
{
	return (unsigned)c < SM_CAT__COUNT ? cat_names[c] : "";
}

xa_err
sr_cat_parse(const char *name, enum sm_cat *out)
{
	for (int i = 0; i < SM_CAT__COUNT; i++)
		if (name != NULL && strcmp(name, cat_names[i]) == 0) {
			*out = (enum sm_cat)i;
			return XA_OK;
		}
	return XA_EINVAL;
}

/* A statement's step as an error: 0 or 1 → XA_OK. */
static xa_err
step_err(int rc)
{
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* Runs a prepared statement with no rows wanted and finishes it. */
static xa_err
exec_done(db_stmt *st)
{
	int rc = db_step(st);
	db_done(st);
	return step_err(rc);
}

/* ------------------------------------------------------------------ */
/* The matcher's sources. */

/* Places and terms are gathered with their strings as offsets into one
 * buffer, then pointed at it once it stops growing. */
struct gather {
	buf strs;
	struct sm_place *places;
	size_t np, capp;
	struct sm_term *terms;
	size_t nt, capt;
};

static bool
is_numeral(const char *s)
{
	static const char *const nums[] = { "一", "二", "三", "四", "五", "六", "七",
		"八", "九", "十", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", NULL };
	for (size_t i = 0; nums[i] != NULL; i++)
		if (strncmp(s, nums[i], strlen(nums[i])) == 0)
			return true;
	return false;
}

static bool
starts_with(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* Adds a string to the pool; its offset (+1, so 0 means none). */
static xa_err
pool_add(struct gather *g, const char *s, size_t len, uintptr_t *off)
{
	*off = (uintptr_t)g->strs.len + 1;
	xa_err e = buf_append(&g->strs, s, len);
	if (e == XA_OK)
		e = buf_append(&g->strs, "", 1);
	return e;
}

/* Adds a place name of len bytes if the matcher can take it: valid
 * UTF-8, 2..SM_MAX_NAME characters. */
static xa_err
place_add(struct gather *g, const char *name, size_t len, int64_t unit,
    enum sm_place_kind kind, bool weak)
{
	if (len == 0 || !utf8_valid(name, len))
		return XA_OK;
	size_t cps = utf8_count(name, len);
	if (cps < 2 || cps > SM_MAX_NAME)
		return XA_OK;
	if (g->np == g->capp) {
		size_t cap = g->capp ? g->capp * 2 : 256;
		struct sm_place *p = realloc(g->places, cap * sizeof *p);
		if (p == NULL)
			return XA_ENOMEM;
		g->places = p;
		g->capp = cap;
	}
	uintptr_t off;
	xa_err e = pool_add(g, name, len, &off);
	if (e != XA_OK)
		return e;
	g->places[g->np++] = (struct sm_place){ (const char *)off, unit, kind, weak };
	return XA_OK;
}

static xa_err
place_addz(struct gather *g, const char *name, int64_t unit, enum sm_place_kind kind,
    bool weak)
{
	return place_add(g, name, strlen(name), unit, kind, weak);
}

/* s with the first occurrence of from replaced by to, into out; false
 * when from is not in s or it does not fit. */
static bool
replace_once(const char *s, const char *from, const char *to, char *out, size_t cap)
{
	const char *p = strstr(s, from);
	if (p == NULL)
		return false;
	int n = snprintf(out, cap, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
	return n > 0 && (size_t)n < cap;
}

/* A name and its usual short forms (高级中学 → 高中, 初级中学 → 初中,
 * 中心学校 → 中心校). */
static xa_err
name_forms(struct gather *g, const char *name, int64_t unit, bool weak)
{
	static const char *const shorts[][2] = { { "高级中学", "高中" },
		{ "初级中学", "初中" }, { "中心学校", "中心校" } };
	char alt[512];
	xa_err e = place_addz(g, name, unit, SM_SCHOOL, weak);
	for (size_t i = 0; e == XA_OK && i < sizeof shorts / sizeof shorts[0]; i++)
		if (replace_once(name, shorts[i][0], shorts[i][1], alt, sizeof alt))
			e = place_addz(g, alt, unit, SM_SCHOOL, weak);
	return e;
}

/* A numeral of one or two characters at s (一, 十二, 3): its length in
 * bytes, 0 if none. */
static size_t
numeral_len(const char *s)
{
	size_t n = 0;
	for (int k = 0; k < 2 && s[n] != '\0' && is_numeral(s + n); k++)
		n += ((unsigned char)s[n] < 0x80) ? 1 : 3;
	return n;
}

/* Every name of one school: see sr_sources_load in register.h. */
static xa_err
school_places(struct gather *g, int64_t id, const char *name, const char *aliases,
    const char *city, const char *city_short, char (*towns)[404], size_t ntowns)
{
	xa_err e = name_forms(g, name, id, false);
	char buf2[512];
	if (e == XA_OK && city[0] != '\0' && starts_with(name, city)) {
		const char *rest = name + strlen(city);
		bool strong = false;
		for (size_t i = 0; i < ntowns; i++)
			if (towns[i][0] != '\0' && starts_with(rest, towns[i]))
				strong = true;
		if (rest[0] != '\0')
			e = name_forms(g, rest, id, !strong);
		/* 新郑实验初级中学, 新郑实验初中 */
		if (e == XA_OK && rest[0] != '\0' && city_short[0] != '\0') {
			int n = snprintf(buf2, sizeof buf2, "%s%s", city_short, rest);
			if (n > 0 && (size_t)n < sizeof buf2)
				e = name_forms(g, buf2, id, false);
		}
		/* 第一高级中学 → 新郑一高, 一高; 第二中学 → 新郑二中, 二中 */
		if (e == XA_OK && starts_with(rest, "第")) {
			const char *num = rest + strlen("第");
			size_t nl = numeral_len(num);
			const char *tail = num + nl;
			const char *abbr = strcmp(tail, "高级中学") == 0 ? "高" :
			    strcmp(tail, "中学") == 0 ? "中" : NULL;
			if (nl > 0 && abbr != NULL) {
				int n = snprintf(buf2, sizeof buf2, "%s%.*s%s", city_short, (int)nl,
				    num, abbr);
				if (n > 0 && (size_t)n < sizeof buf2 && city_short[0] != '\0')
					e = place_addz(g, buf2, id, SM_SCHOOL, false);
				n = snprintf(buf2, sizeof buf2, "%.*s%s", (int)nl, num, abbr);
				if (e == XA_OK && n > 0 && (size_t)n < sizeof buf2)
					e = place_addz(g, buf2, id, SM_SCHOOL, true);
			}
		}
	}
	/* The registry's aliases, separated by , ， 、 or spaces. */
	const char *p = aliases;
	while (e == XA_OK && *p != '\0') {
		size_t skip = 0;
		if (*p == ',' || *p == ' ')
			skip = 1;
		else if (starts_with(p, "，") || starts_with(p, "、"))
			skip = 3;
		if (skip > 0) {
			p += skip;
			continue;
		}
		const char *q = p;
		while (*q != '\0' && *q != ',' && *q != ' ' && !starts_with(q, "，") &&
		    !starts_with(q, "、"))
			q++;
		size_t len = (size_t)(q - p);
		bool weak = utf8_count(p, len) <= 3 && is_numeral(p);
		e = place_add(g, p, len, id, SM_SCHOOL, weak);
		p = q;
	}
	return e;
}

static int
place_cmp(const void *a, const void *b)
{
	const struct sm_place *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c != 0)
		return c;
	/* The first added wins: a stronger name was added before its weak
	 * twin of another school only by the order of the schools. */
	return x < y ? -1 : x > y;
}

/* The lexicon in force: the shipped one with the office's rows. */
static xa_err
lexicon_gather(db *conn, struct gather *g)
{
	size_t n = 0;
	const struct sm_term *lex = sm_default_lexicon(&n);
	g->capt = n + 64;
	g->terms = calloc(g->capt, sizeof *g->terms);
	if (g->terms == NULL)
		return XA_ENOMEM;
	xa_err e = XA_OK;
	db_stmt *st = NULL;
	/* Shipped terms not overridden. */
	for (size_t i = 0; i < n && e == XA_OK; i++) {
		if ((e = db_prepare(conn, "SELECT 1 FROM sentiment_terms WHERE term = ?", &st)) != XA_OK)
			break;
		db_bind_text(st, 1, lex[i].term, -1);
		int rc = db_step(st);
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
		if (rc == 1)
			continue;
		uintptr_t off;
		if ((e = pool_add(g, lex[i].term, strlen(lex[i].term), &off)) != XA_OK)
			break;
		g->terms[g->nt++] = (struct sm_term){ (const char *)off, lex[i].weight, lex[i].cat };
	}
	if (e != XA_OK)
		return e;
	if ((e = db_prepare(conn, "SELECT term, weight, cat FROM sentiment_terms"
	    " WHERE removed = 0 ORDER BY term", &st)) != XA_OK)
		return e;
	int rc;
	while ((rc = db_step(st)) == 1) {
		enum sm_cat cat;
		if (sr_cat_parse(db_col_text(st, 2), &cat) != XA_OK)
			continue;
		if (g->nt == g->capt) {
			size_t cap = g->capt * 2;
			struct sm_term *t = realloc(g->terms, cap * sizeof *t);
			if (t == NULL) {
				e = XA_ENOMEM;
				break;
			}
			g->terms = t;
			g->capt = cap;
		}
		uintptr_t off;
		const char *term = db_col_text(st, 0);
		if ((e = pool_add(g, term, strlen(term), &off)) != XA_OK)
			break;
		g->terms[g->nt++] = (struct sm_term){ (const char *)off,
			(int)db_col_int(st, 1), cat };
	}
	db_done(st);
	if (e == XA_OK && rc < 0)
		e = (xa_err)-rc;
	return e;
}

/* The city's name from the root bureau's ("新郑市教育体育局" → 新郑市 and
 * 新郑): up to the first 市, 县 or 区. */
static void
city_names(const char *bureau, char city[64], char city_short[64])
{
	static const char *const ends[] = { "市", "县", "区" };
	city[0] = city_short[0] = '\0';
	const char *best = NULL;
	for (size_t i = 0; i < 3; i++) {
		const char *p = strstr(bureau, ends[i]);
		if (p != NULL && (best == NULL || p < best))
			best = p;
	}
	if (best == NULL || best == bureau)
		return;
	size_t n = (size_t)(best - bureau);
	if (n + 3 >= 64)
		return;
	snprintf(city, 64, "%.*s", (int)(n + 3), bureau);
	snprintf(city_short, 64, "%.*s", (int)n, bureau);
	if (utf8_count(city_short, strlen(city_short)) < 2)
		city_short[0] = '\0';
}

xa_err
sr_sources_load(db *conn, sr_sources *out)
{
	struct gather g;
	memset(&g, 0, sizeof g);
	memset(out, 0, sizeof *out);
	buf_init(&g.strs, 16u << 20);
	char (*towns)[404] = NULL;
	size_t ntowns = 0;
	db_stmt *st = NULL;
	char city[64] = "", city_short[64] = "";
	int64_t root = 0;
	int rc;
	xa_err e = lexicon_gather(conn, &g);
	if (e != XA_OK)
		goto fail;
	if ((e = db_prepare(conn, "SELECT id, name FROM units WHERE kind = 'bureau'"
	    " AND parent_id IS NULL ORDER BY id LIMIT 1", &st)) != XA_OK)
		goto fail;
	if ((rc = db_step(st)) == 1) {
		root = db_col_int(st, 0);
		city_names(db_col_text(st, 1), city, city_short);
	}
	db_done(st);
	if (rc < 0) {
		e = (xa_err)-rc;
		goto fail;
	}
	if (city[0] != '\0' && (e = place_addz(&g, city, root, SM_CITY, false)) != XA_OK)
		goto fail;
	if (city_short[0] != '\0' &&
	    (e = place_addz(&g, city_short, root, SM_CITY, false)) != XA_OK)
		goto fail;
	/* Townships. */
	if ((e = db_prepare(conn, "SELECT id, name FROM units WHERE kind = 'township'"
	    " AND active = 1 ORDER BY id", &st)) != XA_OK)
		goto fail;
	while ((rc = db_step(st)) == 1) {
		if (ntowns % 32 == 0) {
			char (*t)[404] = realloc(towns, (ntowns + 32) * sizeof *towns);
			if (t == NULL) {
				e = XA_ENOMEM;
				break;
			}
			towns = t;
		}
		snprintf(towns[ntowns++], sizeof towns[0], "%s", db_col_text(st, 1));
		if ((e = place_addz(&g, db_col_text(st, 1), db_col_int(st, 0), SM_TOWNSHIP,
		    false)) != XA_OK)
			break;
	}
	db_done(st);
	if (e == XA_OK && rc < 0)
		e = (xa_err)-rc;
	if (e != XA_OK)
		goto fail;
	/* Schools. */
	if ((e = db_prepare(conn, "SELECT id, name, aliases FROM units WHERE kind = 'school'"
	    " AND active = 1 ORDER BY id", &st)) != XA_OK)
		goto fail;
	while ((rc = db_step(st)) == 1) {
		if ((e = school_places(&g, db_col_int(st, 0), db_col_text(st, 1),
		    db_col_text(st, 2), city, city_short, towns, ntowns)) != XA_OK)
			break;
	}
	db_done(st);
	if (e == XA_OK && rc < 0)
		e = (xa_err)-rc;
	if (e != XA_OK)
		goto fail;
	/* Point the strings at the pool, then keep each name once. */
	out->strings = g.strs.data;
	g.strs.data = NULL;
	for (size_t i = 0; i < g.np; i++)
		g.places[i].name = out->strings + ((uintptr_t)g.places[i].name - 1);
	for (size_t i = 0; i < g.nt; i++)
		g.terms[i].term = out->strings + ((uintptr_t)g.terms[i].term - 1);
	if (g.np > 0)
		qsort(g.places, g.np, sizeof *g.places, place_cmp);
	size_t k = 0;
	for (size_t i = 0; i < g.np; i++)
		if (k == 0 || strcmp(g.places[k - 1].name, g.places[i].name) != 0)
			g.places[k++] = g.places[i];
	out->places = g.places;
	out->nplaces = k;
	out->terms = g.terms;
	out->nterms = g.nt;
	free(towns);
	buf_free(&g.strs);
	return XA_OK;
fail:
	free(towns);
	free(g.places);
	free(g.terms);
	buf_free(&g.strs);
	return e;
}

void
sr_sources_free(sr_sources *s)
{
	if (s == NULL)
		return;
	free(s->terms);
	free(s->places);
	free(s->strings);
	memset(s, 0, sizeof *s);
}

xa_err
sr_matcher_load(db *conn, struct sm_matcher **out)
{
	sr_sources s;
	xa_err e = sr_sources_load(conn, &s);
	if (e != XA_OK)
		return e;
	e = sm_new(s.terms, s.nterms, s.places, s.nplaces, out);
	sr_sources_free(&s);
	return e;
}

/* ------------------------------------------------------------------ */
/* The office's lexicon edits. */

static const struct sm_term *
shipped(const char *term)
{
	size_t n = 0;
	const struct sm_term *lex = sm_default_lexicon(&n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(lex[i].term, term) == 0)
			return &lex[i];
	return NULL;
}

static xa_err
term_ok(const char *term)
{
	if (term == NULL || term[0] == '\0')
		return XA_EINVAL;
	size_t n = strlen(term);
	if (!utf8_valid(term, n))
		return XA_EUTF8;
	if (!utf8_no_controls(term, n, false) || strchr(term, ' ') != NULL ||
	    utf8_count(term, n) > SM_MAX_NAME)
		return XA_EINVAL;
	return XA_OK;
}

static xa_err
term_put(db *conn, const char *term, int weight, enum sm_cat cat, int removed,
    int64_t by, int64_t now)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "DELETE FROM sentiment_terms WHERE term = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_text(st, 1, term, -1);
	if ((e = exec_done(st)) != XA_OK)
		return e;
	if ((e = db_prepare(conn, "INSERT INTO sentiment_terms (term, weight, cat, removed,"
	    " updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)", &st)) != XA_OK)
		return e;
	db_bind_text(st, 1, term, -1);
	db_bind_int(st, 2, weight);
	db_bind_text(st, 3, sr_cat_name(cat), -1);
	db_bind_int(st, 4, removed);
	db_bind_int(st, 5, by);
	db_bind_int(st, 6, now);
	return exec_done(st);
}

xa_err
sr_term_set(db *conn, const char *term, int weight, enum sm_cat cat, int64_t by,
    int64_t now)
{
	xa_err e = term_ok(term);
	if (e != XA_OK)
		return e;
	if ((unsigned)cat >= SM_CAT__COUNT)
		return XA_EINVAL;
	if (cat == SM_MITIGATING ? (weight < -50 || weight > -1) : (weight < 1 || weight > 50))
		return XA_EINVAL;
	return term_put(conn, term, weight, cat, 0, by, now);
}

/* The office's row for term: 1 found (removed into *removed), 0 none. */
static int
term_row(db *conn, const char *term, int *removed)
{
	db_stmt *st = NULL;
	if (db_prepare(conn, "SELECT removed FROM sentiment_terms WHERE term = ?", &st) != XA_OK)
		return -XA_EDB;
	db_bind_text(st, 1, term, -1);
	int rc = db_step(st);
	if (rc == 1)
		*removed = (int)db_col_int(st, 0);
	db_done(st);
	return rc;
}

xa_err
sr_term_remove(db *conn, const char *term, int64_t by, int64_t now)
{
	xa_err e = term_ok(term);
	if (e != XA_OK)
		return e;
	int removed = 0;
	int rc = term_row(conn, term, &removed);
	if (rc < 0)
		return (xa_err)-rc;
	const struct sm_term *s = shipped(term);
	if (s != NULL) {
		if (rc == 1 && removed)
			return XA_ENOTFOUND;
		return term_put(conn, term, s->weight, s->cat, 1, by, now);
	}
	if (rc == 0)
		return XA_ENOTFOUND;
	db_stmt *st = NULL;
	if ((e = db_prepare(conn, "DELETE FROM sentiment_terms WHERE term = ?", &st)) != XA_OK)
		return e;
	db_bind_text(st, 1, term, -1);
	return exec_done(st);
}

xa_err
sr_term_restore(db *conn, const char *term)
{
	xa_err e = term_ok(term);
	if (e != XA_OK)
		return e;
	if (shipped(term) == NULL)
		return XA_ENOTFOUND;
	db_stmt *st = NULL;
	if ((e = db_prepare(conn, "DELETE FROM sentiment_terms WHERE term = ?", &st)) != XA_OK)
		return e;
	db_bind_text(st, 1, term, -1);
	return exec_done(st);
}

/* The category of a term in force (the office's row, else the shipped
 * one); -1 if none. */
static int
term_cat(db *conn, const char *term)
{
	db_stmt *st = NULL;
	int cat = -1;
	if (db_prepare(conn, "SELECT cat, removed FROM sentiment_terms WHERE term = ?",
	    &st) == XA_OK) {
		db_bind_text(st, 1, term, -1);
		if (db_step(st) == 1) {
			enum sm_cat c;
			if (db_col_int(st, 1) == 0 && sr_cat_parse(db_col_text(st, 0), &c) == XA_OK)
				cat = (int)c;
			db_done(st);
			return cat;
		}
		db_done(st);
	}
	const struct sm_term *s = shipped(term);
	return s != NULL ? (int)s->cat : -1;
}

/* ------------------------------------------------------------------ */
/* Taking an item in. */

/* text cut to cap bytes (with its NUL) on a character, malloc'd; "" for
 * NULL or invalid UTF-8. */
static char *
cut(const char *s, size_t cap)
{
	char *out = malloc(cap);
	if (out == NULL)
		return NULL;
	out[0] = '\0';
	if (s != NULL && utf8_valid(s, strlen(s)))
		utf8_copy(out, cap, s);
	return out;
}

int
sr_link_ok(const char *u)
{
	if (u == NULL)
		return 0;
	size_t skip = starts_with(u, "http://") ? 7 : starts_with(u, "https://") ? 8 : 0;
	size_t n = strlen(u);
	if (skip == 0 || n > SR_URL_MAX || n == skip || u[skip] == '/')
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)u[i] <= 0x20 || u[i] == 0x7f)
			return 0;
	return 1;
}

/* The item taken before under key, if any: *id, *story. */
static int
find_key(db *conn, const char *key, int64_t *id, int64_t *story)
{
	db_stmt *st = NULL;
	if (db_prepare(conn, "SELECT id, story_id FROM sentiment_items WHERE dedup_key = ?",
	    &st) != XA_OK)
		return -XA_EDB;
	db_bind_text(st, 1, key, -1);
	int rc = db_step(st);
	if (rc == 1) {
		*id = db_col_int(st, 0);
		*story = db_col_int(st, 1);
	}
	db_done(st);
	return rc;
}

/* The story this item belongs to: one with the same link, else the
 * nearest SimHash within SM_NEAR_DUP_BITS, among the stories of the
 * fold window; 0 when none. */
static xa_err
find_story(db *conn, const char *url, uint64_t hash, bool use_hash, int64_t since,
    int64_t *story)
{
	db_stmt *st = NULL;
	*story = 0;
	xa_err e;
	int rc;
	if (url[0] != '\0') {
		if ((e = db_prepare(conn, "SELECT story_id FROM sentiment_items WHERE url = ?"
		    " AND received_at >= ? ORDER BY id LIMIT 1", &st)) != XA_OK)
			return e;
		db_bind_text(st, 1, url, -1);
		db_bind_int(st, 2, since);
		rc = db_step(st);
		if (rc == 1)
			*story = db_col_int(st, 0);
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
		if (*story != 0)
			return XA_OK;
	}
	if (!use_hash)
		return XA_OK;
	/* Any copy of a story may be the nearest: a repost of a repost. */
	if ((e = db_prepare(conn, "SELECT story_id, simhash FROM sentiment_items"
	    " WHERE received_at >= ? AND simhash <> 0", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, since);
	int best = SM_NEAR_DUP_BITS + 1;
	while ((rc = db_step(st)) == 1) {
		int d = sm_hamming(hash, (uint64_t)db_col_int(st, 1));
		if (d < best) {
			best = d;
			*story = db_col_int(st, 0);
		}
	}
	db_done(st);
	return step_err(rc);
}

/* The reasons, one per line, and the categories of the acts named
 * ("physical,general"), into two malloc'd strings. */
static xa_err
reasons_text(db *conn, const struct sm_result *m, char **reasons, char **cats)
{
	buf r, c;
	buf_init(&r, 8192);
	buf_init(&c, 256);
	bool seen[SM_CAT__COUNT] = { false };
	xa_err e = XA_OK;
	for (size_t i = 0; i < m->nreasons && i < SM_MAX_REASONS && e == XA_OK; i++) {
		const char *s = m->reasons[i];
		size_t n = strnlen(s, SM_REASON_LEN);
		if (r.len > 0)
			e = buf_append(&r, "\n", 1);
		if (e == XA_OK)
			e = buf_append(&r, s, n);
		if (e == XA_OK && starts_with(s, "lexicon:")) {
			char term[SM_REASON_LEN];
			snprintf(term, sizeof term, "%.*s", (int)(n - 8), s + 8);
			int cat = term_cat(conn, term);
			if (cat >= 0 && cat < SM_CONTEXT && !seen[cat]) {
				seen[cat] = true;
			}
		}
	}
	for (int k = 0; k < SM_CONTEXT && e == XA_OK; k++)
		if (seen[k]) {
			if (c.len > 0)
				e = buf_append(&c, ",", 1);
			if (e == XA_OK)
				e = buf_append(&c, cat_names[k], strlen(cat_names[k]));
		}
	if (e == XA_OK)
		e = buf_append(&r, "", 1);
	if (e == XA_OK)
		e = buf_append(&c, "", 1);
	if (e != XA_OK) {
		buf_free(&r);
		buf_free(&c);
		return e;
	}
	*reasons = r.data;
	*cats = c.data;
	return XA_OK;
}

/* Raises the story's notice if it now deserves one and has none. */
static xa_err
maybe_alert(db *conn, int64_t story, int64_t now, int *alerted)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT i.story_score, coalesce(i.school_id, 0),"
	    " i.alerted_at, i.state, coalesce(u.name, '') FROM sentiment_items i"
	    " LEFT JOIN units u ON u.id = i.school_id WHERE i.id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, story);
	int rc = db_step(st);
	if (rc != 1) {
		db_done(st);
		return rc < 0 ? (xa_err)-rc : XA_ENOTFOUND;
	}
	int score = (int)db_col_int(st, 0);
	int64_t school = db_col_int(st, 1);
	int64_t at = db_col_int(st, 2);
	bool dismissed = strcmp(db_col_text(st, 3), "dismissed") == 0;
	char name[404];
	snprintf(name, sizeof name, "%s", db_col_text(st, 4));
	db_done(st);
	if (at != 0 || dismissed || school == 0 || score < SM_THRESHOLD)
		return XA_OK;
	char link[64], dedup[48];
	snprintf(link, sizeof link, "/sentiment/items/%lld", (long long)story);
	snprintf(dedup, sizeof dedup, "sentiment:%lld", (long long)story);
	notice_new n = { .kind = "sentiment.alert", .unit_id = school,
		.object_type = "sentiment", .object_id = story, .school = name,
		.link = link, .dedup = dedup };
	if ((e = notify_emit(conn, &n, now)) != XA_OK)
		return e;
	if ((e = db_prepare(conn, "UPDATE sentiment_items SET alerted_at = ? WHERE id = ?",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, story);
	if ((e = exec_done(st)) == XA_OK)
		*alerted = 1;
	return e;
}

/* Counts an item taken on its feed or token. */
static xa_err
count_source(db *conn, const sr_item *it)
{
	db_stmt *st = NULL;
	const char *sql = it->source == SR_FEED ?
	    "UPDATE sentiment_feeds SET items_total = items_total + 1 WHERE id = ?" :
	    it->source == SR_PUSH ?
	    "UPDATE sentiment_tokens SET items_total = items_total + 1 WHERE id = ?" : NULL;
	int64_t id = it->source == SR_FEED ? it->feed_id : it->token_id;
	if (sql == NULL || id <= 0)
		return XA_OK;
	xa_err e = db_prepare(conn, sql, &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	return exec_done(st);
}

xa_err
sr_ingest(db *conn, const sr_item *it, int64_t now, sr_outcome *out)
{
	static const char *const sources[] = { "", "feed", "push", "manual" };
	memset(out, 0, sizeof *out);
	if (it->source < SR_FEED || it->source > SR_MANUAL)
		return XA_EINVAL;
	char *title = cut(it->title, SR_TITLE_MAX), *body = cut(it->body, SR_BODY_MAX);
	char *outlet = cut(it->outlet, SR_OUTLET_MAX), *ext = cut(it->ext_id, SR_EXTID_MAX);
	char *url = cut(sr_link_ok(it->url) ? it->url : "", SR_URL_MAX + 1);
	char *reasons = NULL, *cats = NULL;
	char key[SR_EXTID_MAX + SR_URL_MAX + 32] = "";
	db_stmt *st = NULL;
	xa_err e = XA_ENOMEM;
	if (title == NULL || body == NULL || outlet == NULL || ext == NULL || url == NULL)
		goto done;
	/* The source's own id of the item (whole, not as cut), else its
	 * link; one longer than SR_EXTID_MAX by its SM3, so that two long ids
	 * sharing a beginning stay two. */
	const char *own = it->ext_id != NULL && it->ext_id[0] != '\0' &&
	    utf8_valid(it->ext_id, strlen(it->ext_id)) ? it->ext_id : url;
	if (it->source != SR_MANUAL && own[0] != '\0') {
		char hashed[2 * SM3_LEN + 3];
		if (strlen(own) > SR_EXTID_MAX) {
			uint8_t h[SM3_LEN];
			if ((e = crypto_sm3(own, strlen(own), h)) != XA_OK)
				goto done;
			memcpy(hashed, "#", 2);
			crypto_hex(h, sizeof h, hashed + 1);
			own = hashed;
		}
		if (it->source == SR_FEED)
			snprintf(key, sizeof key, "f%lld:%s", (long long)it->feed_id, own);
		else
			snprintf(key, sizeof key, "p%lld:%s", (long long)it->token_id, own);
		int64_t id = 0, story = 0;
		int rc = find_key(conn, key, &id, &story);
		if (rc < 0) {
			e = (xa_err)-rc;
			goto done;
		}
		if (rc == 1) {
			*out = (sr_outcome){ SR_SEEN, id, story, 0 };
			e = XA_OK;
			goto done;
		}
	}
	int64_t story = 0;
	/* A text of fewer than 4 letters has no shingle and a SimHash of 0:
	 * near to every other such text, so it folds by its link alone. */
	bool has_text = (title[0] != '\0' || body[0] != '\0') && it->m.simhash != 0;
	if ((e = find_story(conn, url, it->m.simhash, has_text, now - SR_FOLD_DAYS * DAY,
	    &story)) != XA_OK)
		goto done;
	if ((e = reasons_text(conn, &it->m, &reasons, &cats)) != XA_OK)
		goto done;
	if ((e = db_prepare(conn, "INSERT INTO sentiment_items (source, feed_id, token_id,"
	    " dedup_key, outlet, url, title, body, published_at, received_at, entered_by,"
	    " file_id, simhash, score, reasons, cats, school_id, township_id, story_id,"
	    " story_score, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	    " ?, ?, ?, ?, ?, ?)", &st)) != XA_OK)
		goto done;
	db_bind_text(st, 1, sources[it->source], -1);
	if (it->source == SR_FEED && it->feed_id > 0)
		db_bind_int(st, 2, it->feed_id);
	else
		db_bind_null(st, 2);
	if (it->source == SR_PUSH && it->token_id > 0)
		db_bind_int(st, 3, it->token_id);
	else
		db_bind_null(st, 3);
	if (key[0] != '\0')
		db_bind_text(st, 4, key, -1);
	else
		db_bind_null(st, 4);
	db_bind_text(st, 5, outlet, -1);
	db_bind_text(st, 6, url, -1);
	db_bind_text(st, 7, title, -1);
	db_bind_text(st, 8, body, -1);
	db_bind_int(st, 9, it->published > 0 ? it->published : 0);
	db_bind_int(st, 10, now);
	db_bind_int(st, 11, it->source == SR_MANUAL ? it->entered_by : 0);
	if (it->file_id > 0)
		db_bind_int(st, 12, it->file_id);
	else
		db_bind_null(st, 12);
	db_bind_int(st, 13, (int64_t)it->m.simhash);
	db_bind_int(st, 14, it->m.score);
	db_bind_text(st, 15, reasons, -1);
	db_bind_text(st, 16, cats, -1);
	if (it->m.school_id > 0)
		db_bind_int(st, 17, it->m.school_id);
	else
		db_bind_null(st, 17);
	if (it->m.township_id > 0)
		db_bind_int(st, 18, it->m.township_id);
	else
		db_bind_null(st, 18);
	if (story > 0)
		db_bind_int(st, 19, story);
	else
		db_bind_null(st, 19);
	db_bind_int(st, 20, it->m.score);
	db_bind_int(st, 21, now);
	if ((e = exec_done(st)) != XA_OK)
		goto done;
	out->id = db_last_id(conn);
	if (story == 0) {
		story = out->id;
		out->kind = SR_ADDED;
		if ((e = db_prepare(conn, "UPDATE sentiment_items SET story_id = id WHERE id = ?",
		    &st)) != XA_OK)
			goto done;
		db_bind_int(st, 1, story);
	} else {
		out->kind = SR_FOLDED;
		/* The story keeps its highest score, learns a school or a
		 * township it did not know, and counts the copy. */
		if ((e = db_prepare(conn, "UPDATE sentiment_items SET copies = copies + 1,"
		    " story_score = CASE WHEN story_score < ? THEN ? ELSE story_score END,"
		    " school_id = coalesce(school_id, ?), township_id = coalesce(township_id, ?),"
		    " last_seen_at = ? WHERE id = ?", &st)) != XA_OK)
			goto done;
		db_bind_int(st, 1, it->m.score);
		db_bind_int(st, 2, it->m.score);
		if (it->m.school_id > 0)
			db_bind_int(st, 3, it->m.school_id);
		else
			db_bind_null(st, 3);
		if (it->m.township_id > 0)
			db_bind_int(st, 4, it->m.township_id);
		else
			db_bind_null(st, 4);
		db_bind_int(st, 5, now);
		db_bind_int(st, 6, story);
	}
	if ((e = exec_done(st)) != XA_OK)
		goto done;
	out->story_id = story;
	if ((e = maybe_alert(conn, story, now, &out->alerted)) != XA_OK)
		goto done;
	e = count_source(conn, it);
done:
	free(title);
	free(body);
	free(outlet);
	free(ext);
	free(url);
	free(reasons);
	free(cats);
	return e;
}

xa_err
sr_file_add(db *conn, const char *name, const char *mime, const void *data, size_t len,
    int64_t by, int64_t now, int64_t *id)
{
	char nm[256];
	if (name == NULL || !utf8_valid(name, strlen(name)) ||
	    !utf8_no_controls(name, strlen(name), false))
		name = "file";
	utf8_copy(nm, sizeof nm, name);
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "INSERT INTO sentiment_files (name, mime, size, data,"
	    " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)", &st);
	if (e != XA_OK)
		return e;
	db_bind_text(st, 1, nm, -1);
	db_bind_text(st, 2, mime ? mime : "application/octet-stream", -1);
	db_bind_int(st, 3, (int64_t)len);
	db_bind_blob(st, 4, data, len);
	db_bind_int(st, 5, by);
	db_bind_int(st, 6, now);
	if ((e = exec_done(st)) == XA_OK)
		*id = db_last_id(conn);
	return e;
}

/* ------------------------------------------------------------------ */
/* Handling. */

struct story {
	char state[16];
	int64_t case_id, report_id;
};

/* The story's state; XA_ENOTFOUND when id is no story's first item. */
static xa_err
story_get(db *conn, int64_t id, struct story *s)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT state, coalesce(case_id, 0), coalesce(report_id, 0)"
	    " FROM sentiment_items WHERE id = ? AND story_id = id", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == 1) {
		snprintf(s->state, sizeof s->state, "%s", db_col_text(st, 0));
		s->case_id = db_col_int(st, 1);
		s->report_id = db_col_int(st, 2);
	}
	db_done(st);
	return rc == 1 ? XA_OK : rc < 0 ? (xa_err)-rc : XA_ENOTFOUND;
}

/* 1..max characters of one-line-or-more text without controls. */
static bool
text_ok(const char *s, size_t max)
{
	if (s == NULL)
		return false;
	size_t n = strlen(s);
	if (!utf8_valid(s, n) || !utf8_no_controls(s, n, true))
		return false;
	size_t c = utf8_count(s, n);
	/* Blank is empty. */
	bool blank = true;
	for (size_t i = 0; i < n && blank; i++)
		if (s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
			blank = false;
	return !blank && c >= 1 && c <= max;
}

/* Sets state (and reason when not NULL) with who and when. */
static xa_err
story_set(db *conn, int64_t id, const char *state, const char *reason, int64_t by,
    int64_t now)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, reason != NULL ?
	    "UPDATE sentiment_items SET state = ?, handled_by = ?, handled_at = ?, reason = ?"
	    " WHERE id = ?" :
	    "UPDATE sentiment_items SET state = ?, handled_by = ?, handled_at = ? WHERE id = ?",
	    &st);
	if (e != XA_OK)
		return e;
	int k = 1;
	db_bind_text(st, k++, state, -1);
	db_bind_int(st, k++, by);
	db_bind_int(st, k++, now);
	if (reason != NULL)
		db_bind_text(st, k++, reason, -1);
	db_bind_int(st, k, id);
	return exec_done(st);
}

xa_err
sr_verify(db *conn, int64_t story, int64_t by, int64_t now)
{
	struct story s;
	xa_err e = story_get(conn, story, &s);
	if (e != XA_OK)
		return e;
	if (strcmp(s.state, "new") != 0)
		return XA_ECONFLICT;
	return story_set(conn, story, "verified", NULL, by, now);
}

xa_err
sr_dismiss(db *conn, int64_t story, const char *reason, int64_t by, int64_t now)
{
	if (!text_ok(reason, SR_REASON_MAX))
		return XA_EINVAL;
	struct story s;
	xa_err e = story_get(conn, story, &s);
	if (e != XA_OK)
		return e;
	if (strcmp(s.state, "dismissed") == 0 || s.case_id != 0 || s.report_id != 0)
		return XA_ECONFLICT;
	return story_set(conn, story, "dismissed", reason, by, now);
}

xa_err
sr_reopen(db *conn, int64_t story, const char *reason, int64_t by, int64_t now)
{
	if (!text_ok(reason, SR_REASON_MAX))
		return XA_EINVAL;
	struct story s;
	xa_err e = story_get(conn, story, &s);
	if (e != XA_OK)
		return e;
	if (strcmp(s.state, "dismissed") != 0)
		return XA_ECONFLICT;
	return story_set(conn, story, "new", reason, by, now);
}

xa_err
sr_link_case(db *conn, int64_t story, int64_t case_id, int64_t by, int64_t now)
{
	struct story s;
	xa_err e = story_get(conn, story, &s);
	if (e != XA_OK)
		return e;
	if (strcmp(s.state, "dismissed") == 0)
		return XA_ECONFLICT;
	int64_t found = 0;
	db_stmt *st = NULL;
	if ((e = db_prepare(conn, "SELECT count(*) FROM cases WHERE id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, case_id);
	if (db_step(st) == 1)
		found = db_col_int(st, 0);
	db_done(st);
	if (found == 0)
		return XA_EINVAL;
	if ((e = db_prepare(conn, "UPDATE sentiment_items SET case_id = ? WHERE id = ?",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, case_id);
	db_bind_int(st, 2, story);
	if ((e = exec_done(st)) != XA_OK)
		return e;
	return story_set(conn, story, "verified", NULL, by, now);
}

xa_err
sr_set_report(db *conn, int64_t story, int64_t report_id, int64_t by, int64_t now)
{
	struct story s;
	xa_err e = story_get(conn, story, &s);
	if (e != XA_OK)
		return e;
	if (strcmp(s.state, "dismissed") == 0 || s.report_id != 0)
		return XA_ECONFLICT;
	db_stmt *st = NULL;
	if ((e = db_prepare(conn, "UPDATE sentiment_items SET report_id = ? WHERE id = ?",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, report_id);
	db_bind_int(st, 2, story);
	if ((e = exec_done(st)) != XA_OK)
		return e;
	return story_set(conn, story, "verified", NULL, by, now);
}

xa_err
sr_respond(db *conn, int64_t story, const char *text, const char *channel, int64_t at,
    int64_t by, int64_t now)
{
	if (!text_ok(text, SR_RESPONSE_MAX) || !text_ok(channel, 100) ||
	    strchr(channel, '\n') != NULL || at <= 0 || at > now)
		return XA_EINVAL;
	struct story s;
	xa_err e = story_get(conn, story, &s);
	if (e != XA_OK)
		return e;
	db_stmt *st = NULL;
	if ((e = db_prepare(conn, "UPDATE sentiment_items SET response = ?,"
	    " response_channel = ?, response_at = ?, response_by = ? WHERE id = ?", &st)) != XA_OK)
		return e;
	db_bind_text(st, 1, text, -1);
	db_bind_text(st, 2, channel, -1);
	db_bind_int(st, 3, at);
	db_bind_int(st, 4, by);
	db_bind_int(st, 5, story);
	return exec_done(st);
}

/* ------------------------------------------------------------------ */
/* Feeds. */

static bool
feed_fields_ok(const char *name, const char *url, int interval)
{
	return text_ok(name, 100) && strchr(name, '\n') == NULL && sr_link_ok(url) &&
	    interval >= SR_INTERVAL_MIN && interval <= SR_INTERVAL_MAX;
}

xa_err
sr_feed_add(db *conn, const char *name, const char *url, int interval_min, int64_t by,
    int64_t now, int64_t *id)
{
	if (!feed_fields_ok(name, url, interval_min))
		return XA_EINVAL;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "INSERT INTO sentiment_feeds (name, url, interval_min,"
	    " enabled, next_at, created_by, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?,"
	    " ?, ?)", &st);
	if (e != XA_OK)
		return e;
	db_bind_text(st, 1, name, -1);
	db_bind_text(st, 2, url, -1);
	db_bind_int(st, 3, interval_min);
	db_bind_int(st, 4, now);
	db_bind_int(st, 5, by);
	db_bind_int(st, 6, now);
	db_bind_int(st, 7, now);
	if ((e = exec_done(st)) == XA_OK)
		*id = db_last_id(conn);
	return e;
}

xa_err
sr_feed_update(db *conn, int64_t id, const char *name, const char *url, int interval_min,
    int enabled, int64_t now)
{
	if (!feed_fields_ok(name, url, interval_min))
		return XA_EINVAL;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT url, enabled FROM sentiment_feeds WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	bool url_changed = false, enabling = false;
	if (rc == 1) {
		url_changed = strcmp(db_col_text(st, 0), url) != 0;
		enabling = db_col_int(st, 1) == 0 && enabled;
	}
	db_done(st);
	if (rc != 1)
		return rc < 0 ? (xa_err)-rc : XA_ENOTFOUND;
	if ((e = db_prepare(conn, "UPDATE sentiment_feeds SET name = ?, url = ?,"
	    " interval_min = ?, enabled = ?, updated_at = ? WHERE id = ?", &st)) != XA_OK)
		return e;
	db_bind_text(st, 1, name, -1);
	db_bind_text(st, 2, url, -1);
	db_bind_int(st, 3, interval_min);
	db_bind_int(st, 4, enabled ? 1 : 0);
	db_bind_int(st, 5, now);
	db_bind_int(st, 6, id);
	if ((e = exec_done(st)) != XA_OK)
		return e;
	if (!url_changed && !enabling)
		return XA_OK;
	/* Another address is another feed: its validators and failures are
	 * not this one's. Either way, read it now. */
	if ((e = db_prepare(conn, url_changed ?
	    "UPDATE sentiment_feeds SET etag = '', last_modified = '', failures = 0,"
	    " last_error = '', next_at = ? WHERE id = ?" :
	    "UPDATE sentiment_feeds SET next_at = ? WHERE id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, id);
	return exec_done(st);
}

xa_err
sr_feeds_claim(db *conn, int64_t now, int64_t lease, sr_feed_due *out, size_t max,
    size_t *n)
{
	*n = 0;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT id, url, etag, last_modified, name"
	    " FROM sentiment_feeds WHERE enabled = 1 AND next_at <= ? ORDER BY next_at, id"
	    " LIMIT ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, (int64_t)max);
	int rc = 0;
	while (*n < max && (rc = db_step(st)) == 1) {
		sr_feed_due *f = &out[*n];
		f->id = db_col_int(st, 0);
		utf8_copy(f->url, sizeof f->url, db_col_text(st, 1));
		utf8_copy(f->etag, sizeof f->etag, db_col_text(st, 2));
		utf8_copy(f->last_modified, sizeof f->last_modified, db_col_text(st, 3));
		utf8_copy(f->name, sizeof f->name, db_col_text(st, 4));
		(*n)++;
	}
	db_done(st);
	if (rc < 0) {
		*n = 0;
		return (xa_err)-rc;
	}
	for (size_t i = 0; i < *n; i++) {
		if ((e = db_prepare(conn, "UPDATE sentiment_feeds SET next_at = ? WHERE id = ?",
		    &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, now + lease);
		db_bind_int(st, 2, out[i].id);
		if ((e = exec_done(st)) != XA_OK)
			return e;
	}
	return XA_OK;
}

xa_err
sr_feed_release(db *conn, int64_t id, int64_t now)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "UPDATE sentiment_feeds SET next_at = ? WHERE id = ?"
	    " AND next_at > ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, id);
	db_bind_int(st, 3, now);
	return exec_done(st);
}

xa_err
sr_feed_polled(db *conn, int64_t id, int ok, const char *etag, const char *last_modified,
    const char *why, size_t items, int64_t now)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT interval_min, failures FROM sentiment_feeds"
	    " WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	int64_t interval = 30, failures = 0;
	if (rc == 1) {
		interval = db_col_int(st, 0);
		failures = db_col_int(st, 1);
	}
	db_done(st);
	if (rc != 1)
		return rc < 0 ? (xa_err)-rc : XA_ENOTFOUND;
	if (ok) {
		if ((e = db_prepare(conn, "UPDATE sentiment_feeds SET polled_at = ?, ok_at = ?,"
		    " failures = 0, last_error = '', last_items = ?, next_at = ?,"
		    " etag = coalesce(?, etag), last_modified = coalesce(?, last_modified)"
		    " WHERE id = ?", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, now);
		db_bind_int(st, 2, now);
		db_bind_int(st, 3, (int64_t)items);
		db_bind_int(st, 4, now + interval * 60);
		char ev[512], lv[128];
		if (etag != NULL && utf8_copy(ev, sizeof ev, etag))
			db_bind_text(st, 5, ev, -1);
		else
			db_bind_null(st, 5);
		if (last_modified != NULL && utf8_copy(lv, sizeof lv, last_modified))
			db_bind_text(st, 6, lv, -1);
		else
			db_bind_null(st, 6);
		db_bind_int(st, 7, id);
		return exec_done(st);
	}
	/* interval × 2^failures, at most a day. */
	int64_t wait = interval * 60;
	for (int64_t k = 0; k < failures + 1 && wait < DAY; k++)
		wait *= 2;
	if (wait > DAY)
		wait = DAY;
	char w[256];
	utf8_copy(w, sizeof w, why != NULL && utf8_valid(why, strlen(why)) ? why : "failed");
	if ((e = db_prepare(conn, "UPDATE sentiment_feeds SET polled_at = ?,"
	    " failures = failures + 1, last_error = ?, next_at = ? WHERE id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, now);
	db_bind_text(st, 2, w, -1);
	db_bind_int(st, 3, now + wait);
	db_bind_int(st, 4, id);
	return exec_done(st);
}

/* ------------------------------------------------------------------ */
/* Tokens. */

static void
token_hash(const char *token, char out[2 * SM3_LEN + 1])
{
	uint8_t h[SM3_LEN];
	if (crypto_sm3(token, strlen(token), h) != XA_OK)
		memset(h, 0, sizeof h);
	crypto_hex(h, sizeof h, out);
}

xa_err
sr_token_issue(db *conn, const char *name, int64_t by, int64_t now,
    char token[SR_TOKEN_LEN + 1], int64_t *id)
{
	if (!text_ok(name, 100) || strchr(name, '\n') != NULL)
		return XA_EINVAL;
	uint8_t raw[20];
	xa_err e = crypto_random(raw, sizeof raw);
	if (e != XA_OK)
		return e;
	memcpy(token, "xst_", 4);
	crypto_hex(raw, sizeof raw, token + 4);
	token[SR_TOKEN_LEN] = '\0';
	char th[2 * SM3_LEN + 1], prefix[9];
	token_hash(token, th);
	snprintf(prefix, sizeof prefix, "%.8s", token);
	db_stmt *st = NULL;
	if ((e = db_prepare(conn, "INSERT INTO sentiment_tokens (name, token_hash, prefix,"
	    " created_by, created_at) VALUES (?, ?, ?, ?, ?)", &st)) != XA_OK)
		return e;
	db_bind_text(st, 1, name, -1);
	db_bind_text(st, 2, th, -1);
	db_bind_text(st, 3, prefix, -1);
	db_bind_int(st, 4, by);
	db_bind_int(st, 5, now);
	if ((e = exec_done(st)) == XA_OK)
		*id = db_last_id(conn);
	return e;
}

xa_err
sr_token_revoke(db *conn, int64_t id, int64_t by, int64_t now)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT revoked_at FROM sentiment_tokens WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	int64_t revoked = rc == 1 ? db_col_int(st, 0) : 0;
	db_done(st);
	if (rc != 1)
		return rc < 0 ? (xa_err)-rc : XA_ENOTFOUND;
	if (revoked != 0)
		return XA_ECONFLICT;
	if ((e = db_prepare(conn, "UPDATE sentiment_tokens SET revoked_at = ?, revoked_by = ?"
	    " WHERE id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, by);
	db_bind_int(st, 3, id);
	return exec_done(st);
}

xa_err
sr_token_check(db *conn, const char *token, int64_t *id)
{
	if (token == NULL || strlen(token) != SR_TOKEN_LEN || !starts_with(token, "xst_"))
		return XA_ENOTFOUND;
	for (size_t i = 4; i < SR_TOKEN_LEN; i++)
		if (!((token[i] >= '0' && token[i] <= '9') || (token[i] >= 'a' && token[i] <= 'f')))
			return XA_ENOTFOUND;
	char th[2 * SM3_LEN + 1];
	token_hash(token, th);
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT id FROM sentiment_tokens WHERE token_hash = ?"
	    " AND revoked_at = 0", &st);
	if (e != XA_OK)
		return e;
	db_bind_text(st, 1, th, -1);
	int rc = db_step(st);
	if (rc == 1)
		*id = db_col_int(st, 0);
	db_done(st);
	return rc == 1 ? XA_OK : rc < 0 ? (xa_err)-rc : XA_ENOTFOUND;
}

xa_err
sr_token_used(db *conn, int64_t id, int64_t now)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "UPDATE sentiment_tokens SET used_at = ? WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, id);
	return exec_done(st);
}

/* ------------------------------------------------------------------ */
/* The bimonthly 通报. */

/* The UTC instant at which the first day of month m (1..13: 13 is the
 * next January) of year y begins in the zone. */
static int64_t
month_start(int y, int m, long zone)
{
	if (m == 13) {
		y++;
		m = 1;
	}
	char s[11];
	snprintf(s, sizeof s, "%04d-%02d-01", y, m);
	xa_day d = 0;
	if (day_parse(s, &d) != XA_OK)
		return 0;
	return day_start(d, zone);
}

static json_t *
counter_get(json_t *arr, const char *key, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (strcmp(json_string_value(json_object_get(v, key)), name) == 0)
			return v;
	v = json_pack("{s:s, s:i}", key, name, "n", 0);
	json_array_append_new(arr, v);
	return v;
}

static void
counter_inc(json_t *arr, const char *key, const char *name)
{
	json_t *v = counter_get(arr, key, name);
	if (v != NULL)
		json_object_set_new(v, "n", json_integer(json_integer_value(json_object_get(v,
		    "n")) + 1));
}

static void
inc(json_t *o, const char *key)
{
	json_object_set_new(o, key, json_integer(json_integer_value(json_object_get(o, key)) + 1));
}

xa_err
sr_bulletin(db *conn, int year, int bimonth, long zone, json_t **out)
{
	*out = NULL;
	if (year < 2000 || year > 9999 || bimonth < 1 || bimonth > 6)
		return XA_EINVAL;
	int64_t from = month_start(year, 2 * bimonth - 1, zone);
	int64_t to = month_start(year, 2 * bimonth + 1, zone);
	char f[11], t[11];
	day_format(day_of(from, zone), f);
	day_format(day_of(to - 1, zone), t);
	json_t *o = json_pack("{s:i, s:i, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i,"
	    " s:i, s:i, s:{s:i, s:i, s:i}, s:[], s:[], s:[]}", "year", year, "bimonth", bimonth,
	    "from", f, "to", t, "stories", 0, "items", 0, "alerted", 0, "verified", 0,
	    "dismissed", 0, "new", 0, "linked_cases", 0, "reports", 0, "responded", 0,
	    "responded_in_24h", 0, "by_source", "feed", 0, "push", 0, "manual", 0, "by_cat",
	    "by_township", "stories_list");
	if (o == NULL)
		return XA_ENOMEM;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT i.id, i.received_at, i.source, i.cats, i.copies,"
	    " i.story_score, i.state, coalesce(i.case_id, 0), coalesce(i.report_id, 0),"
	    " i.response_at, i.alerted_at, coalesce(s.name, ''), coalesce(tw.name, ''),"
	    " coalesce(c.year, 0), coalesce(c.seq, 0)"
	    " FROM sentiment_items i LEFT JOIN units s ON s.id = i.school_id"
	    " LEFT JOIN units tw ON tw.id = coalesce(s.township_id, i.township_id)"
	    " LEFT JOIN cases c ON c.id = i.case_id"
	    " WHERE i.story_id = i.id AND i.received_at >= ? AND i.received_at < ?"
	    " AND (i.story_score >= ? OR i.alerted_at > 0 OR i.state = 'verified'"
	    " OR i.case_id IS NOT NULL OR i.report_id IS NOT NULL)"
	    " ORDER BY i.received_at, i.id", &st);
	if (e != XA_OK) {
		json_decref(o);
		return e;
	}
	db_bind_int(st, 1, from);
	db_bind_int(st, 2, to);
	db_bind_int(st, 3, SM_THRESHOLD);
	json_t *list = json_object_get(o, "stories_list");
	json_t *cats = json_object_get(o, "by_cat");
	json_t *towns = json_object_get(o, "by_township");
	json_t *src = json_object_get(o, "by_source");
	int rc, no = 0;
	long items = 0;
	while ((rc = db_step(st)) == 1) {
		int64_t first = db_col_int(st, 1), resp = db_col_int(st, 9);
		const char *state = db_col_text(st, 6);
		inc(o, "stories");
		items += (long)db_col_int(st, 4);
		inc(src, db_col_text(st, 2));
		if (db_col_int(st, 10) != 0)
			inc(o, "alerted");
		if (strcmp(state, "verified") == 0 || strcmp(state, "dismissed") == 0 ||
		    strcmp(state, "new") == 0)
			inc(o, state);
		if (db_col_int(st, 7) != 0)
			inc(o, "linked_cases");
		if (db_col_int(st, 8) != 0)
			inc(o, "reports");
		if (resp != 0) {
			inc(o, "responded");
			if (resp - first <= DAY)
				inc(o, "responded_in_24h");
		}
		json_t *cl = json_array();
		char cs[128];
		snprintf(cs, sizeof cs, "%s", db_col_text(st, 3));
		for (char *p = cs; *p != '\0';) {
			char *q = strchr(p, ',');
			if (q != NULL)
				*q = '\0';
			if (*p != '\0') {
				counter_inc(cats, "cat", p);
				json_array_append_new(cl, json_string(p));
			}
			if (q == NULL)
				break;
			p = q + 1;
		}
		/* A school directly under the bureau counts under "" (the page
		 * says 市直学校); a story naming neither a school nor a township
		 * under no township. */
		const char *town = db_col_text(st, 12);
		if (town[0] != '\0' || db_col_text(st, 11)[0] != '\0')
			counter_inc(towns, "township", town);
		char day[11], resp_day[11] = "", case_no[32] = "";
		day_format(day_of(first, zone), day);
		if (resp != 0)
			day_format(day_of(resp, zone), resp_day);
		if (db_col_int(st, 7) != 0)
			snprintf(case_no, sizeof case_no, "%lld-%04lld", (long long)db_col_int(st, 13),
			    (long long)db_col_int(st, 14));
		json_array_append_new(list, json_pack("{s:i, s:s, s:s, s:s, s:o, s:i, s:i, s:s,"
		    " s:s, s:b, s:s}", "no", ++no, "first_seen", day, "school", db_col_text(st, 11),
		    "township", town, "cats", cl ? cl : json_array(), "copies",
		    (int)db_col_int(st, 4), "score", (int)db_col_int(st, 5), "state", state,
		    "case", case_no, "report", db_col_int(st, 8) != 0, "responded_on", resp_day));
	}
	db_done(st);
	if (rc < 0) {
		json_decref(o);
		return (xa_err)-rc;
	}
	json_object_set_new(o, "items", json_integer(items));
	*out = o;
	return XA_OK;
}
