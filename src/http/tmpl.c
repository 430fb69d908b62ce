/* tmpl.c: the template engine behind tmpl.h (a logic-less mustache subset).
 *
 * Beyond the tags tmpl.h lists, {{%name}} writes the catalog's text for
 * the key that the value name holds (escaped), for models that carry a key
 * rather than text, e.g. page.title_key or a link's label_key; and a
 * numeric part of a dotted name indexes an array ({{#links.0}}).
 *
 * Every embedded template is parsed once, at start-up, into a flat array of
 * nodes; a section node knows where its body ends, a partial node points at
 * the template it includes, and an i18n node carries its text already
 * escaped in both languages. Rendering walks those arrays with a context
 * stack kept on the C stack, so it allocates nothing but the output buffer.
 *
 * It must never write a value unescaped unless the template asked for it
 * with {{{ }}}, never modify the set after tmpl_set_load (any thread may
 * render with it), and never fail a render because a value is missing. */
#include "tmpl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/i18n.h"

/* Partials nested deeper than this fail with XA_EDEPTH. */
#define MAX_PARTIAL_DEPTH 32
/* Nodes one render may visit: far above any real page (a long list is a
 * few hundred thousand), far below a run-away nesting of sections. */
#define MAX_RENDER_STEPS 4000000
/* Sections nested deeper than this inside one template are a parse error,
 * which bounds the recursion of a render. */
#define MAX_SECTION_DEPTH 64
/* Where "x.html" is called "x". */
#define SUFFIX ".html"
#define SUFFIX_LEN (sizeof SUFFIX - 1)

enum node_kind {
	N_TEXT,		/* literal bytes */
	N_VAR,		/* {{name}}, escaped */
	N_RAW,		/* {{{name}}} */
	N_SECTION,	/* {{#name}} */
	N_INVERTED,	/* {{^name}} */
	N_PARTIAL,	/* {{>name}} */
	N_CONTENT,	/* {{>content}}: the page */
	N_I18N,		/* {{@key}} */
	N_I18N_VAR,	/* {{%name}}: the catalog text for the key name holds */
};

/* A dotted name split into NUL-separated parts; parts == 0 means "{{.}}". */
struct name {
	char *s;
	unsigned parts;
};

struct tmpl;

struct node {
	enum node_kind kind;
	int line;
	const char *text;	/* N_TEXT, and a section's name as written:
				 * points into the template's source */
	size_t len;
	struct name name;	/* N_VAR, N_RAW, N_SECTION, N_INVERTED,
				 * N_I18N_VAR */
	size_t end;		/* sections: index just past the body */
	char *pname;		/* N_PARTIAL: the name, until resolved */
	const struct tmpl *partial;
	char *i18n[2];		/* N_I18N: escaped text in zh, en */
	size_t i18n_len[2];
};

struct tmpl {
	char *name;		/* without ".html" */
	char *file;		/* as embedded, for error messages */
	char *src;		/* our copy of the text; N_TEXT points here */
	struct node *nodes;
	size_t n, cap;
};

struct tmpl_set {
	struct tmpl *t;		/* sorted by name */
	size_t n;
};

/* One level of the context stack; lives on the C stack of the render. */
struct frame {
	json_t *v;
	const struct frame *up;
};

struct render {
	const struct tmpl *page;
	int lang;		/* 0 zh, 1 en */
	buf *out;
	size_t *steps;		/* nodes visited so far */
};

/* ---- escaping ---- */

struct esc {
	const char *s;
	size_t n;
};

#define ESC(x) { x, sizeof x - 1 }
static const struct esc esc_table[256] = {
	['\0'] = ESC("&#65533;"),
	['&'] = ESC("&amp;"),
	['<'] = ESC("&lt;"),
	['>'] = ESC("&gt;"),
	['"'] = ESC("&quot;"),
	['\''] = ESC("&#39;"),
	['`'] = ESC("&#96;"),
	['='] = ESC("&#61;"),
};
#undef ESC

/* Appends s[0..n) escaped; copies runs of safe bytes in one append. On
 * failure out is left as it was before the call. */
xa_err
html_escape(buf *out, const char *s, size_t n)
{
	size_t start = 0, before = out->len;
	xa_err e = XA_OK;
	for (size_t i = 0; i < n; i++) {
		const struct esc *r = &esc_table[(unsigned char)s[i]];
		if (r->s == NULL)
			continue;
		if (i > start &&
		    (e = buf_append(out, s + start, i - start)) != XA_OK)
			goto done;
		if ((e = buf_append(out, r->s, r->n)) != XA_OK)
			goto done;
		start = i + 1;
	}
	if (n > start)
		e = buf_append(out, s + start, n - start);
done:
	if (e != XA_OK && out->data != NULL) {
		out->len = before;
		out->data[before] = '\0';
	}
	return e;
}

/* ---- loading ---- */

static void
node_free(struct node *nd)
{
	free(nd->name.s);
	free(nd->pname);
	free(nd->i18n[0]);
	free(nd->i18n[1]);
}

static void
tmpl_free_one(struct tmpl *t)
{
	for (size_t i = 0; i < t->n; i++)
		node_free(&t->nodes[i]);
	free(t->nodes);
	free(t->name);
	free(t->file);
	free(t->src);
}

/* Appends a zeroed node to t; *out points at it until the next push. */
static xa_err
push_node(struct tmpl *t, enum node_kind kind, int line, struct node **out)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct node *p = realloc(t->nodes, cap * sizeof *p);
		if (p == NULL)
			return XA_ENOMEM;
		t->nodes = p;
		t->cap = cap;
	}
	*out = &t->nodes[t->n++];
	memset(*out, 0, sizeof **out);
	(*out)->kind = kind;
	(*out)->line = line;
	return XA_OK;
}

static int
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/* Whether s[0..n) is a valid name: name characters, no empty dotted part
 * (".", alone, is the current context and allowed by the caller). */
static int
valid_name(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!name_char(s[i]))
			return 0;
		if (s[i] == '.' && s[i + 1] == '.')
			return 0;
	}
	return 1;
}

/* Splits s[0..n) (already validated, or ".") into nm. */
static xa_err
split_name(const char *s, size_t n, struct name *nm)
{
	nm->s = NULL;
	nm->parts = 0;
	if (n == 1 && s[0] == '.')
		return XA_OK;
	nm->s = malloc(n + 1);
	if (nm->s == NULL)
		return XA_ENOMEM;
	memcpy(nm->s, s, n);
	nm->s[n] = '\0';
	nm->parts = 1;
	for (size_t i = 0; i < n; i++) {
		if (nm->s[i] == '.') {
			nm->s[i] = '\0';
			nm->parts++;
		}
	}
	return XA_OK;
}

/* A malloc'd, escaped copy of the catalog text for key in lang. */
static xa_err
escaped_text(const char *lang, const char *key, char **out, size_t *len)
{
	const char *s = i18n(lang, key);
	buf b;
	buf_init(&b, (size_t)1 << 20);
	xa_err e = html_escape(&b, s, strlen(s));
	if (e == XA_OK && b.data == NULL)
		e = buf_append(&b, "", 0);
	if (e != XA_OK) {
		buf_free(&b);
		return e;
	}
	*out = buf_steal(&b, len);
	return XA_OK;
}

/* Writes "file:line: message" into errbuf. */
static void set_error(char *errbuf, size_t errlen, const struct tmpl *t,
    int line, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
set_error(char *errbuf, size_t errlen, const struct tmpl *t, int line,
    const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	n = snprintf(errbuf, errlen, "%s:%d: %s", t->file, line, msg);
	if (n < 0)
		errbuf[0] = '\0';
}

static size_t
count_lines(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += s[i] == '\n';
	return c;
}

/* One tag as the scanner found it. */
struct tag {
	char sigil;		/* 0, or one of { # ^ / > @ % ! */
	const char *b;		/* the name, trimmed */
	size_t blen;
	int line;
};

/* The parser's state for one template. */
struct parser {
	struct tmpl *t;
	size_t open[MAX_SECTION_DEPTH];	/* indices of open sections */
	size_t depth;
	char *errbuf;
	size_t errlen;
};

static xa_err
push_text(struct tmpl *t, const char *p, const char *e, int line)
{
	struct node *nd;
	xa_err err = XA_OK;
	if (e > p && (err = push_node(t, N_TEXT, line, &nd)) == XA_OK) {
		nd->text = p;
		nd->len = (size_t)(e - p);
	}
	return err;
}

/* Whether a tag of this sigil is removed with its line when alone on it;
 * values and catalog texts are output, so they never are. */
static int
may_stand_alone(char sigil)
{
	return sigil != 0 && strchr("#^/>!", sigil) != NULL;
}

/* Closes the innermost section, which must be the one called tg's name. */
static xa_err
close_section(struct parser *ps, const struct tag *tg)
{
	struct tmpl *t = ps->t;
	int bl = (int)(tg->blen > 40 ? 40 : tg->blen);
	if (ps->depth == 0) {
		set_error(ps->errbuf, ps->errlen, t, tg->line,
		    "'{{/%.*s}}' closes no open section", bl, tg->b);
		return XA_EINVAL;
	}
	struct node *sec = &t->nodes[ps->open[ps->depth - 1]];
	if (tg->blen != sec->len || memcmp(tg->b, sec->text, tg->blen) != 0) {
		set_error(ps->errbuf, ps->errlen, t, tg->line,
		    "mismatched close '{{/%.*s}}' for '{{%c%.*s}}' opened on "
		    "line %d", bl, tg->b, sec->kind == N_SECTION ? '#' : '^',
		    (int)(sec->len > 40 ? 40 : sec->len), sec->text,
		    sec->line);
		return XA_EINVAL;
	}
	sec->end = t->n;
	ps->depth--;
	return XA_OK;
}

/* A node for {{@key}}, carrying the key's text escaped in both
 * languages. */
static xa_err
add_i18n(struct parser *ps, const struct tag *tg)
{
	struct node *nd;
	char key[128];
	xa_err e;
	if (tg->blen >= sizeof key) {
		set_error(ps->errbuf, ps->errlen, ps->t, tg->line,
		    "catalog key too long");
		return XA_EINVAL;
	}
	memcpy(key, tg->b, tg->blen);
	key[tg->blen] = '\0';
	if ((e = push_node(ps->t, N_I18N, tg->line, &nd)) != XA_OK)
		return e;
	if ((e = escaped_text("zh", key, &nd->i18n[0], &nd->i18n_len[0])) !=
	    XA_OK)
		return e;
	return escaped_text("en", key, &nd->i18n[1], &nd->i18n_len[1]);
}

/* Checks tg's name and adds the node it stands for. */
static xa_err
add_tag(struct parser *ps, const struct tag *tg)
{
	struct tmpl *t = ps->t;
	struct node *nd;
	xa_err e = XA_OK;
	int dot = tg->blen == 1 && tg->b[0] == '.';

	if (tg->sigil == '!')
		return XA_OK;
	if (tg->blen == 0) {
		set_error(ps->errbuf, ps->errlen, t, tg->line, "empty tag");
		return XA_EINVAL;
	}
	if (!dot && !valid_name(tg->b, tg->blen)) {
		set_error(ps->errbuf, ps->errlen, t, tg->line,
		    "bad name in tag '%.*s'",
		    (int)(tg->blen > 40 ? 40 : tg->blen), tg->b);
		return XA_EINVAL;
	}
	if (dot && tg->sigil != 0 && tg->sigil != '{' && tg->sigil != '%') {
		set_error(ps->errbuf, ps->errlen, t, tg->line,
		    "'.' cannot be used in this tag");
		return XA_EINVAL;
	}
	switch (tg->sigil) {
	case 0:
	case '{':
	case '%':
		e = push_node(t, tg->sigil == 0 ? N_VAR : tg->sigil == '{' ?
		    N_RAW : N_I18N_VAR, tg->line, &nd);
		if (e == XA_OK)
			e = split_name(tg->b, tg->blen, &nd->name);
		return e;
	case '#':
	case '^':
		if (ps->depth == MAX_SECTION_DEPTH) {
			set_error(ps->errbuf, ps->errlen, t, tg->line,
			    "sections nested more than %d deep",
			    MAX_SECTION_DEPTH);
			return XA_EINVAL;
		}
		e = push_node(t, tg->sigil == '#' ? N_SECTION : N_INVERTED,
		    tg->line, &nd);
		if (e == XA_OK)
			e = split_name(tg->b, tg->blen, &nd->name);
		if (e != XA_OK)
			return e;
		/* The name as written, to match its close. */
		nd->text = tg->b;
		nd->len = tg->blen;
		ps->open[ps->depth++] = t->n - 1;
		return XA_OK;
	case '/':
		return close_section(ps, tg);
	case '>':
		if (tg->blen == 7 && memcmp(tg->b, "content", 7) == 0)
			return push_node(t, N_CONTENT, tg->line, &nd);
		if ((e = push_node(t, N_PARTIAL, tg->line, &nd)) != XA_OK)
			return e;
		nd->pname = strndup(tg->b, tg->blen);
		return nd->pname == NULL ? XA_ENOMEM : XA_OK;
	case '@':
		return add_i18n(ps, tg);
	default:
		abort();
	}
}

/* Parses t->src into t->nodes. Tags that stand alone on their line
 * (sections, closes, comments, partials) take the whole line with them, as
 * in mustache, so templates can be laid out readably without blank lines
 * in the output. Partial names are resolved later, by resolve_partials. */
static xa_err
parse_one(struct tmpl *t, size_t srclen, char *errbuf, size_t errlen)
{
	struct parser ps = { .t = t, .errbuf = errbuf, .errlen = errlen };
	const char *src = t->src, *end = src + srclen, *p = src;
	int line = 1, at_line_start = 1;
	xa_err e = XA_OK;

	while (p < end && e == XA_OK) {
		const char *o = strstr(p, "{{");
		if (o == NULL) {
			e = push_text(t, p, end, line);
			break;
		}
		struct tag tg;
		tg.line = line + (int)count_lines(p, (size_t)(o - p));
		int triple = o[2] == '{';
		const char *body = o + (triple ? 3 : 2);
		const char *close = strstr(body, triple ? "}}}" : "}}");
		if (close == NULL ||
		    memmem(body, (size_t)(close - body), "{{", 2) != NULL) {
			set_error(errbuf, errlen, t, tg.line,
			    "unterminated tag");
			e = XA_EINVAL;
			goto done;
		}
		const char *after = close + (triple ? 3 : 2);
		tg.sigil = triple ? '{' : 0;
		if (!triple && strchr("#^/>@%!", *body) != NULL)
			tg.sigil = *body++;
		tg.b = body;
		const char *be = close;
		while (tg.b < be && (*tg.b == ' ' || *tg.b == '\t'))
			tg.b++;
		while (be > tg.b && (be[-1] == ' ' || be[-1] == '\t'))
			be--;
		tg.blen = (size_t)(be - tg.b);

		/* Does the tag stand alone on its line? */
		int alone = 0;
		const char *ls = o, *rest = after;
		if (may_stand_alone(tg.sigil)) {
			while (ls > p && (ls[-1] == ' ' || ls[-1] == '\t'))
				ls--;
			int before = ls > p ? ls[-1] == '\n' : at_line_start;
			while (rest < end && (*rest == ' ' || *rest == '\t'))
				rest++;
			if (rest + 1 < end && rest[0] == '\r' &&
			    rest[1] == '\n')
				rest++;
			alone = before && (rest == end || *rest == '\n');
		}
		if ((e = push_text(t, p, alone ? ls : o, line)) != XA_OK)
			goto done;
		const char *next = after;
		if (alone)
			next = rest < end ? rest + 1 : end;
		line = tg.line + (int)count_lines(o, (size_t)(next - o));
		at_line_start = alone;
		p = next;
		e = add_tag(&ps, &tg);
	}
	if (e == XA_OK && ps.depth > 0) {
		const struct node *sec = &t->nodes[ps.open[ps.depth - 1]];
		set_error(errbuf, errlen, t, sec->line,
		    "unclosed section '{{%c%.*s}}'",
		    sec->kind == N_SECTION ? '#' : '^', (int)sec->len,
		    sec->text);
		e = XA_EINVAL;
	}
done:
	return e;
}

static int
tmpl_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tmpl *)a)->name,
	    ((const struct tmpl *)b)->name);
}

static const struct tmpl *
find(const tmpl_set *set, const char *name)
{
	size_t lo = 0, hi = set->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, set->t[mid].name);
		if (c == 0)
			return &set->t[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Points every partial node at its template; an unknown name is an error
 * now rather than a silent gap in a page later. */
static xa_err
resolve_partials(tmpl_set *set, char *errbuf, size_t errlen)
{
	for (size_t i = 0; i < set->n; i++) {
		struct tmpl *t = &set->t[i];
		for (size_t k = 0; k < t->n; k++) {
			struct node *nd = &t->nodes[k];
			if (nd->kind != N_PARTIAL)
				continue;
			nd->partial = find(set, nd->pname);
			if (nd->partial == NULL) {
				set_error(errbuf, errlen, t, nd->line,
				    "unknown partial '{{>%.60s}}'", nd->pname);
				return XA_EINVAL;
			}
		}
	}
	return XA_OK;
}

/* Loads every file; names lose a trailing ".html". On any error nothing is
 * kept and *out is untouched. */
xa_err
tmpl_set_load(const embedded_file *files, size_t n, tmpl_set **out,
    char *errbuf, size_t errlen)
{
	xa_err e = XA_OK;
	tmpl_set *set = calloc(1, sizeof *set);
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (set == NULL)
		return XA_ENOMEM;
	set->t = calloc(n ? n : 1, sizeof *set->t);
	if (set->t == NULL) {
		e = XA_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		struct tmpl *t = &set->t[i];
		const char *fname = files[i].name;
		size_t fl = strlen(fname);
		size_t nl = fl;
		if (fl > SUFFIX_LEN &&
		    memcmp(fname + fl - SUFFIX_LEN, SUFFIX, SUFFIX_LEN) == 0)
			nl = fl - SUFFIX_LEN;
		set->n = i + 1;
		t->file = strdup(fname);
		t->name = strndup(fname, nl);
		t->src = malloc(files[i].len + 1);
		if (t->file == NULL || t->name == NULL || t->src == NULL) {
			e = XA_ENOMEM;
			goto done;
		}
		memcpy(t->src, files[i].data, files[i].len);
		t->src[files[i].len] = '\0';
		if (memchr(t->src, '\0', files[i].len) != NULL) {
			set_error(errbuf, errlen, t, 1, "NUL byte in template");
			e = XA_EINVAL;
			goto done;
		}
		if ((e = parse_one(t, files[i].len, errbuf, errlen)) != XA_OK)
			goto done;
	}
	qsort(set->t, set->n, sizeof *set->t, tmpl_cmp);
	for (size_t i = 1; i < set->n; i++) {
		if (strcmp(set->t[i - 1].name, set->t[i].name) == 0) {
			set_error(errbuf, errlen, &set->t[i], 1,
			    "two templates called '%s'", set->t[i].name);
			e = XA_EINVAL;
			goto done;
		}
	}
	e = resolve_partials(set, errbuf, errlen);
done:
	if (e != XA_OK) {
		if (e == XA_ENOMEM && errbuf != NULL && errlen > 0 &&
		    errbuf[0] == '\0')
			snprintf(errbuf, errlen, "templates: out of memory");
		tmpl_set_free(set);
		return e;
	}
	*out = set;
	return XA_OK;
}

void
tmpl_set_free(tmpl_set *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->n; i++)
		tmpl_free_one(&set->t[i]);
	free(set->t);
	free(set);
}

int
tmpl_exists(const tmpl_set *set, const char *name)
{
	return set != NULL && name != NULL && find(set, name) != NULL;
}

/* ---- rendering ---- */

/* The item of array a at the decimal index s ("links.0"), or NULL. */
static json_t *
array_item(json_t *a, const char *s)
{
	size_t i = 0;
	if (*s == '\0')
		return NULL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || i > ((size_t)-1 - 9) / 10)
			return NULL;
		i = i * 10 + (size_t)(*s - '0');
	}
	return json_array_get(a, i);
}

/* The value of a name: "." is the top of the stack; otherwise the first
 * part is looked up from the top down, the rest inside what it found (as
 * in mustache, a miss there does not fall back to outer contexts); a
 * numeric part indexes an array, so {{#list.0}} tests "list is not
 * empty". NULL when absent. */
static json_t *
lookup(const struct frame *f, const struct name *nm)
{
	if (nm->parts == 0)
		return f->v;
	json_t *v = NULL;
	for (; f != NULL; f = f->up) {
		if (json_is_object(f->v) &&
		    (v = json_object_get(f->v, nm->s)) != NULL)
			break;
	}
	const char *part = nm->s;
	for (unsigned k = 1; k < nm->parts && v != NULL; k++) {
		part += strlen(part) + 1;
		if (json_is_object(v))
			v = json_object_get(v, part);
		else if (json_is_array(v))
			v = array_item(v, part);
		else
			v = NULL;
	}
	return v;
}

/* Mustache truthiness: false, null, "", 0 and [] are false. */
static int
truthy(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_NULL:
	case JSON_FALSE:
		return 0;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0.0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	default:
		return 1;
	}
}

/* Writes a scalar as text; objects and arrays write nothing. */
static xa_err
put_value(buf *out, const json_t *v, int raw)
{
	char tmp[64];
	int n;
	if (v == NULL)
		return XA_OK;
	switch (json_typeof(v)) {
	case JSON_STRING:
		if (raw)
			return buf_append(out, json_string_value(v),
			    json_string_length(v));
		return html_escape(out, json_string_value(v),
		    json_string_length(v));
	case JSON_INTEGER:
		n = snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		break;
	case JSON_REAL:
		n = snprintf(tmp, sizeof tmp, "%.15g", json_real_value(v));
		break;
	case JSON_TRUE:
		return buf_append(out, "true", 4);
	case JSON_FALSE:
		return buf_append(out, "false", 5);
	default:
		return XA_OK;
	}
	if (n < 0 || (size_t)n >= sizeof tmp)
		return XA_EINVAL;
	return buf_append(out, tmp, (size_t)n);
}

static xa_err render_nodes(const struct render *r, const struct tmpl *t,
    size_t from, size_t to, const struct frame *ctx, int depth);

/* Renders a section's body for v: once per array item, once with an object
 * or another truthy value pushed as context. */
static xa_err
render_section(const struct render *r, const struct tmpl *t, size_t i,
    json_t *v, const struct frame *ctx, int depth)
{
	const struct node *nd = &t->nodes[i];
	xa_err e = XA_OK;
	if (json_is_array(v)) {
		size_t k;
		json_t *item;
		json_array_foreach(v, k, item) {
			struct frame f = { item, ctx };
			e = render_nodes(r, t, i + 1, nd->end, &f, depth);
			if (e != XA_OK)
				break;
		}
		return e;
	}
	struct frame f = { v, ctx };
	return render_nodes(r, t, i + 1, nd->end, &f, depth);
}

/* Renders nodes [from, to) of t. depth counts the partials around us. */
static xa_err
render_nodes(const struct render *r, const struct tmpl *t, size_t from,
    size_t to, const struct frame *ctx, int depth)
{
	xa_err e = XA_OK;
	size_t i = from;
	while (i < to && e == XA_OK) {
		const struct node *nd = &t->nodes[i];
		json_t *v;
		/* Nested sections over arrays multiply: a budget of steps keeps
		 * a template that renders nothing from running for ever. */
		if (++*r->steps > MAX_RENDER_STEPS)
			return XA_ETOOBIG;
		switch (nd->kind) {
		case N_TEXT:
			e = buf_append(r->out, nd->text, nd->len);
			break;
		case N_VAR:
		case N_RAW:
			e = put_value(r->out, lookup(ctx, &nd->name),
			    nd->kind == N_RAW);
			break;
		case N_SECTION:
			v = lookup(ctx, &nd->name);
			if (v != NULL && truthy(v))
				e = render_section(r, t, i, v, ctx, depth);
			i = nd->end;
			continue;
		case N_INVERTED:
			v = lookup(ctx, &nd->name);
			if (v == NULL || !truthy(v))
				e = render_nodes(r, t, i + 1, nd->end, ctx,
				    depth);
			i = nd->end;
			continue;
		case N_PARTIAL:
		case N_CONTENT: {
			const struct tmpl *p = nd->kind == N_PARTIAL ?
			    nd->partial : r->page;
			if (p == NULL)
				break;
			if (depth >= MAX_PARTIAL_DEPTH)
				return XA_EDEPTH;
			e = render_nodes(r, p, 0, p->n, ctx, depth + 1);
			break;
		}
		case N_I18N:
			e = buf_append(r->out, nd->i18n[r->lang],
			    nd->i18n_len[r->lang]);
			break;
		case N_I18N_VAR:
			v = lookup(ctx, &nd->name);
			if (json_is_string(v)) {
				const char *s = i18n(r->lang ? "en" : "zh",
				    json_string_value(v));
				e = html_escape(r->out, s, strlen(s));
			}
			break;
		}
		i++;
	}
	return e;
}

/* Renders name (with page as its content) and appends to out; on failure
 * out is left as it was before the call. */
xa_err
tmpl_render(const tmpl_set *set, const char *name, const char *page,
    json_t *model, const char *lang, buf *out)
{
	const struct tmpl *t, *pg = NULL;
	size_t before = out->len;
	xa_err e;
	if (set == NULL || name == NULL)
		return XA_EINVAL;
	if ((t = find(set, name)) == NULL)
		return XA_ENOTFOUND;
	if (page != NULL && (pg = find(set, page)) == NULL)
		return XA_ENOTFOUND;
	size_t steps = 0;
	struct render r = {
		.page = pg,
		.lang = lang != NULL && strcmp(lang, "en") == 0,
		.out = out,
		.steps = &steps,
	};
	struct frame root = { model, NULL };
	e = render_nodes(&r, t, 0, t->n, &root, 0);
	if (e == XA_OK && out->data == NULL)
		e = buf_append(out, "", 0);
	if (e != XA_OK && out->data != NULL) {
		out->len = before;
		out->data[before] = '\0';
	}
	return e;
}
