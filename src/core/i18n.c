/* i18n.c: lookups in the translation catalogs and the choice of language.
 *
 * The catalogs are the sorted tables tools/embed generated from po/zh/
 * and po/en/; a lookup is a binary search and never allocates. Choosing
 * a language reads a cookie value or an Accept-Language header, both
 * untrusted: it must never read past their end, allocate, or return
 * anything but one of the static strings "zh" and "en". */
#include "i18n.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "embed.h"

enum { LANG_NONE = -1, LANG_ZH = 0, LANG_EN = 1 };

static const char *const lang_code[] = { "zh", "en" };

/* The entry's text for key in table[0..n), or NULL. */
static const char *
find(const catalog_entry *table, size_t n, const char *key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key, table[mid].key);
		if (c == 0)
			return table[mid].text;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int
is_en(const char *lang)
{
	return lang != NULL && strcmp(lang, "en") == 0;
}

const char *
i18n(const char *lang, const char *key)
{
	const char *s = NULL;
	if (key == NULL)
		return "";
	if (is_en(lang))
		s = find(catalog_en, catalog_en_count, key);
	if (s == NULL)
		s = find(catalog_zh, catalog_zh_count, key);
	return s != NULL ? s : key;
}

int
i18n_has(const char *lang, const char *key)
{
	if (key == NULL)
		return 0;
	if (is_en(lang))
		return find(catalog_en, catalog_en_count, key) != NULL;
	return find(catalog_zh, catalog_zh_count, key) != NULL;
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Which of our languages the tag s[0..n) names: "zh", "zh-CN", "ZH_tw",
 * "en", "en-US"... A bare "*" gives LANG_NONE; the caller handles it. */
static int
lang_of(const char *s, size_t n)
{
	for (int l = LANG_ZH; l <= LANG_EN; l++) {
		const char *c = lang_code[l];
		if (n >= 2 && lower(s[0]) == c[0] && lower(s[1]) == c[1] &&
		    (n == 2 || s[2] == '-' || s[2] == '_'))
			return l;
	}
	return LANG_NONE;
}

/* Parses a q-value "0", "0.5", "1.000" into thousandths; -1 if malformed
 * or over 1. */
static int
parse_q(const char *s, size_t n)
{
	size_t i = 0;
	int q;
	if (n == 0 || (s[0] != '0' && s[0] != '1'))
		return -1;
	q = (s[0] - '0') * 1000;
	i = 1;
	if (i < n && s[i] == '.') {
		int scale = 100;
		for (i++; i < n && scale > 0; i++, scale /= 10) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			q += (s[i] - '0') * scale;
		}
	}
	if (i != n || q > 1000)
		return -1;
	return q;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Trims spaces from both ends of [*s, *e). */
static void
trim(const char **s, const char **e)
{
	while (*s < *e && is_space(**s))
		(*s)++;
	while (*e > *s && is_space((*e)[-1]))
		(*e)--;
}

/* Reads the q parameter of one Accept-Language item's parameters
 * [p, end): 1000 when absent, -1 when malformed. */
static int
item_q(const char *p, const char *end)
{
	int q = 1000;
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *pe = semi != NULL ? semi : end;
		const char *eq = memchr(p, '=', (size_t)(pe - p));
		if (eq != NULL) {
			const char *ks = p, *ke = eq, *vs = eq + 1, *ve = pe;
			trim(&ks, &ke);
			trim(&vs, &ve);
			if (ke - ks == 1 && lower(*ks) == 'q')
				q = parse_q(vs, (size_t)(ve - vs));
		}
		p = semi != NULL ? semi + 1 : end;
	}
	return q;
}

/* The best of our languages in an Accept-Language header, LANG_NONE when
 * it accepts neither. An explicit range beats "*" for the same language;
 * of equal q-values, the earlier item wins. */
static int
from_accept(const char *h)
{
	int q[2] = { -1, -1 }, pos[2] = { 0, 0 };
	int star_q = -1, star_pos = 0, item = 0;
	const char *p = h;
	while (*p != '\0') {
		const char *comma = strchr(p, ',');
		const char *ie = comma != NULL ? comma : p + strlen(p);
		const char *semi = memchr(p, ';', (size_t)(ie - p));
		const char *ts = p, *te = semi != NULL ? semi : ie;
		trim(&ts, &te);
		int iq = item_q(semi != NULL ? semi + 1 : ie, ie);
		item++;
		if (iq >= 0 && te > ts) {
			int l = lang_of(ts, (size_t)(te - ts));
			if (l != LANG_NONE) {
				if (iq > q[l]) {
					q[l] = iq;
					pos[l] = item;
				}
			} else if (te - ts == 1 && *ts == '*' && star_q < 0) {
				star_q = iq;
				star_pos = item;
			}
		}
		p = comma != NULL ? comma + 1 : ie;
	}
	for (int l = LANG_ZH; l <= LANG_EN; l++) {
		if (q[l] < 0) {
			q[l] = star_q;
			pos[l] = star_pos;
		}
	}
	if (q[LANG_ZH] <= 0 && q[LANG_EN] <= 0)
		return LANG_NONE;
	if (q[LANG_ZH] != q[LANG_EN])
		return q[LANG_ZH] > q[LANG_EN] ? LANG_ZH : LANG_EN;
	return pos[LANG_EN] < pos[LANG_ZH] ? LANG_EN : LANG_ZH;
}

const char *
i18n_pick(const char *choice, const char *accept_language)
{
	int l = LANG_NONE;
	if (choice != NULL) {
		const char *s = choice, *e = choice + strlen(choice);
		trim(&s, &e);
		l = lang_of(s, (size_t)(e - s));
	}
	if (l == LANG_NONE && accept_language != NULL)
		l = from_accept(accept_language);
	return lang_code[l == LANG_NONE ? LANG_ZH : l];
}

const char *
i18n_name(const char *lang, const char *prefix, const char *name)
{
	char key[128];
	if (name == NULL || name[0] == '\0')
		return "";
	int n = snprintf(key, sizeof key, "%s.%s", prefix, name);
	if (n < 0 || (size_t)n >= sizeof key || !i18n_has(lang, key))
		return name;
	return i18n(lang, key);
}

const char *
i18n_vfill(arena *a, const char *lang, const char *key, va_list ap)
{
	const char *t = i18n(lang, key), *names[8], *vals[8];
	size_t n = 0;
	while (n < 8 && (names[n] = va_arg(ap, const char *)) != NULL) {
		vals[n] = va_arg(ap, const char *);
		n++;
	}
	buf b;
	buf_init(&b, 64 * 1024);
	for (const char *p = t; *p;) {
		size_t k = 0;
		if (*p == '{') {
			for (; k < n; k++) {
				size_t nl = strlen(names[k]);
				if (strncmp(p + 1, names[k], nl) == 0 && p[1 + nl] == '}')
					break;
			}
		}
		if (*p == '{' && k < n) {
			buf_puts(&b, vals[k] ? vals[k] : "");
			p += strlen(names[k]) + 2;
		} else {
			buf_putc(&b, *p++);
		}
	}
	const char *out = arena_strdup(a, b.data ? b.data : "");
	buf_free(&b);
	return out ? out : "";
}

const char *
i18n_fill(arena *a, const char *lang, const char *key, ...)
{
	va_list ap;
	va_start(ap, key);
	const char *s = i18n_vfill(a, lang, key, ap);
	va_end(ap);
	return s;
}
