/* router.c: pattern matching for router.h.
 *
 * Patterns are split into segments once; a match walks the table in
 * order. With a few hundred routes a linear walk over pre-split segments
 * costs well under a microsecond, and it keeps the rule of "first
 * declared wins" obvious. Never allocates except for parameter values. */
#include "router.h"

#include <stdlib.h>
#include <string.h>

#include "../core/log.h"

#define MAX_SEGS 16

enum seg_kind { SEG_LIT, SEG_STR, SEG_INT };

struct seg {
	enum seg_kind kind;
	const char *text;	/* literal text or parameter name */
	size_t len;
};

struct compiled {
	const route *r;
	size_t nseg;
	int trailing_slash;
	struct seg seg[MAX_SEGS];
};

struct router {
	struct compiled *items;
	size_t n;
	char *names;	/* storage for parameter names */
};

/* Splits pattern into segs; names are copied into *store. */
static xa_err
compile(const route *r, struct compiled *c, char **store)
{
	const char *p = r->pattern;
	if (p == NULL || p[0] != '/')
		return XA_EINVAL;
	c->r = r;
	c->nseg = 0;
	c->trailing_slash = 0;
	p++;
	while (*p != '\0') {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == 0)
			return XA_EINVAL;
		if (c->nseg == MAX_SEGS)
			return XA_ETOOMANY;
		struct seg *s = &c->seg[c->nseg++];
		if (p[0] == '{') {
			if (p[len - 1] != '}' || len < 3)
				return XA_EINVAL;
			const char *colon = memchr(p, ':', len);
			size_t nlen = colon ? (size_t)(colon - p - 1) : len - 2;
			s->kind = SEG_STR;
			if (colon != NULL) {
				size_t tlen = (size_t)(p + len - 1 - colon - 1);
				if (tlen == 3 && memcmp(colon + 1, "int", 3) == 0)
					s->kind = SEG_INT;
				else if (tlen == 3 && memcmp(colon + 1, "str", 3) == 0)
					s->kind = SEG_STR;
				else
					return XA_EINVAL;
			}
			if (nlen == 0)
				return XA_EINVAL;
			memcpy(*store, p + 1, nlen);
			(*store)[nlen] = '\0';
			s->text = *store;
			s->len = nlen;
			*store += nlen + 1;
		} else {
			if (memchr(p, '{', len) != NULL || memchr(p, '}', len) != NULL)
				return XA_EINVAL;
			s->kind = SEG_LIT;
			s->text = p;
			s->len = len;
		}
		if (end == NULL)
			break;
		p = end + 1;
		if (*p == '\0')
			c->trailing_slash = 1;
	}
	return XA_OK;
}

xa_err
router_new(const route *routes, size_t n, router **out)
{
	xa_err e = XA_ENOMEM;
	size_t names = 0;
	router *rt = calloc(1, sizeof *rt);
	if (rt == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++)
		names += strlen(routes[i].pattern) + 1;
	rt->items = calloc(n ? n : 1, sizeof *rt->items);
	rt->names = malloc(names ? names : 1);
	if (rt->items == NULL || rt->names == NULL)
		goto fail;
	char *store = rt->names;
	for (size_t i = 0; i < n; i++) {
		e = compile(&routes[i], &rt->items[i], &store);
		if (e != XA_OK) {
			log_error("router: bad pattern %s", routes[i].pattern);
			goto fail;
		}
	}
	rt->n = n;
	*out = rt;
	return XA_OK;
fail:
	router_free(rt);
	return e;
}

void
router_free(router *rt)
{
	if (rt == NULL)
		return;
	free(rt->items);
	free(rt->names);
	free(rt);
}

static int
int_segment(const char *s, size_t len)
{
	if (len == 0 || len > 18 || (s[0] == '0' && len > 1))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* 1 when path matches c; parameter values are collected into vals. */
static int
match_one(const struct compiled *c, const char *path, const char **vals,
    size_t *vlens)
{
	const char *p = path + 1;
	size_t i = 0;
	if (path[0] != '/')
		return 0;
	if (*p == '\0')
		return c->nseg == 0;
	for (;;) {
		if (i == c->nseg)
			return 0;
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const struct seg *s = &c->seg[i];
		if (len == 0)
			return 0;
		if (s->kind == SEG_LIT) {
			if (len != s->len || memcmp(p, s->text, len) != 0)
				return 0;
		} else if (s->kind == SEG_INT && !int_segment(p, len)) {
			return 0;
		}
		vals[i] = p;
		vlens[i] = len;
		i++;
		if (end == NULL)
			return i == c->nseg && !c->trailing_slash;
		p = end + 1;
		if (*p == '\0')
			return i == c->nseg && c->trailing_slash;
	}
}

enum match_result
router_match(const router *rt, arena *a, unsigned method, const char *path,
    const route **route_out, params *pp, unsigned *allowed)
{
	const char *vals[MAX_SEGS];
	size_t vlens[MAX_SEGS];
	unsigned allow = 0;
	unsigned want = method == M_HEAD ? (M_HEAD | M_GET) : method;
	pp->items = NULL;
	pp->n = 0;
	for (size_t i = 0; i < rt->n; i++) {
		const struct compiled *c = &rt->items[i];
		if (!match_one(c, path, vals, vlens))
			continue;
		if ((c->r->methods & want) == 0) {
			if (allow == 0)
				*route_out = c->r;
			allow |= c->r->methods;
			continue;
		}
		size_t np = 0;
		for (size_t k = 0; k < c->nseg; k++)
			if (c->seg[k].kind != SEG_LIT)
				np++;
		if (np > 0) {
			pp->items = arena_calloc(a, np, sizeof *pp->items);
			if (pp->items == NULL)
				return MATCH_NOT_FOUND;
			for (size_t k = 0; k < c->nseg; k++) {
				if (c->seg[k].kind == SEG_LIT)
					continue;
				param *q = &pp->items[pp->n++];
				q->name = c->seg[k].text;
				q->value = arena_strndup(a, vals[k], vlens[k]);
				q->value_len = vlens[k];
				if (q->value == NULL)
					return MATCH_NOT_FOUND;
			}
		}
		*route_out = c->r;
		return MATCH_OK;
	}
	if (allow != 0) {
		if (allow & M_GET)
			allow |= M_HEAD;
		*allowed = allow;
		return MATCH_BAD_METHOD;
	}
	return MATCH_NOT_FOUND;
}

static const struct {
	unsigned m;
	const char *name;
} methods[] = {
	{ M_GET, "GET" }, { M_HEAD, "HEAD" }, { M_POST, "POST" },
	{ M_PUT, "PUT" }, { M_PATCH, "PATCH" }, { M_DELETE, "DELETE" },
	{ M_OPTIONS, "OPTIONS" },
};

const char *
router_allow_header(unsigned m, char *buf, size_t len)
{
	size_t used = 0;
	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		if ((m & methods[i].m) == 0)
			continue;
		size_t nl = strlen(methods[i].name);
		size_t sep = used ? 2 : 0;
		if (used + sep + nl + 1 > len)
			break;
		if (sep) {
			memcpy(buf + used, ", ", 2);
			used += 2;
		}
		memcpy(buf + used, methods[i].name, nl + 1);
		used += nl;
	}
	return buf;
}

unsigned
router_method(const char *name)
{
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (strcmp(name, methods[i].name) == 0)
			return methods[i].m;
	return 0;
}
