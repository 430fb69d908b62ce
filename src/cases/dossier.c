/* dossier.c: the printed case file (专门档案) as an A4 PDF, laid out with
 * pango and drawn with cairo, behind dossier.h.
 *
 * The handler has already chosen and translated every text; this file only
 * places it. It must never pass model text to a printf format or to pango
 * markup, never put anything but the title into the PDF's metadata, never
 * keep state between calls (each call owns its surface, context and
 * layouts), and never leave half a PDF in the caller's buffer.
 *
 * How: every piece of text becomes a "block" (one PangoLayout, maybe with
 * a label beside it) in reading order. One pagination routine walks the
 * blocks line by line; it runs twice over the same layouts, first only
 * counting pages, then drawing with the total known, so both passes break
 * pages at exactly the same lines. */
#include "dossier.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

/* Geometry, in PDF points (1/72 inch). */
#define MM (72.0 / 25.4)
#define PAGE_W (210.0 * MM)
#define PAGE_H (297.0 * MM)
#define MARGIN (20.0 * MM)
#define CONTENT_W (PAGE_W - 2 * MARGIN)
#define BODY_TOP MARGIN
#define BODY_BOTTOM (PAGE_H - 26.0 * MM)
#define FOOT_RULE (PAGE_H - 23.0 * MM)
#define FOOT_TEXT (PAGE_H - 21.5 * MM)
#define LABEL_W (36.0 * MM)
#define LABEL_GAP (4.0 * MM)

/* Body text: the font's own line height (about 1.45 em for Noto CJK)
 * times this, as Chinese print sets it, a little looser than Latin. */
#define BODY_LEADING 1.2f

#define SANS "Noto Sans CJK SC"
#define SERIF "Noto Serif CJK SC"

/* Caps far above any real dossier (a long case is a few dozen pages),
 * far below what would tie up a worker for long: pango needs about 100
 * bytes of memory per character laid out, so 2 MiB of text costs a few
 * hundred MB and a second or two at worst. */
#define MAX_TEXT (2u << 20)	/* bytes of text in the whole model */
#define MAX_PARAS 50000		/* line feeds in the whole model */
#define MAX_BLOCKS 20000
/* What one layout holds at most (see piece_len). */
#define PIECE_BYTES 32768
#define PIECE_PARAS 200
#define MAX_PAGES 2000
#define MAX_FOOT 512		/* bytes of each text in the foot */

/* One piece of text in the flow. */
typedef struct block {
	PangoLayout *main;	/* placed line by line; never NULL */
	PangoLayout *side;	/* a label in the left column, or NULL */
	double x;		/* main's left edge, from the left margin */
	double before;		/* space above; dropped at a page's top */
	double pad_top;		/* space above, always kept (table rows) */
	double pad_bottom;	/* space below, always kept */
	double after;		/* space below */
	double grey;		/* main's ink: 0 black */
	bool keep_before;	/* keep before even at a page's top */
	bool keep_next;		/* never last on a page; implies whole */
	bool whole;		/* not split unless taller than a page */
	bool page_before;	/* starts a new page */
	bool rule_top;		/* a table's first row: a rule above */
	bool in_table;		/* a table row: a rule above at a page's top */
	bool rule_below;
	bool outline;		/* listed in the PDF's outline (bookmarks) */
	/* Measured once the layout is set, in points. */
	double first_h, main_h, side_h;
} block;

typedef struct doc {
	PangoContext *ctx;
	block *b;
	size_t n, cap;
	size_t text_bytes, paras;
	char *confidential;	/* the foot's line, cleaned, or NULL */
	char *page_fmt;		/* labels.page, cleaned, or NULL */
	PangoFontDescription *f_title, *f_school, *f_number, *f_mark,
	    *f_head, *f_body, *f_label, *f_item, *f_foot;
} doc;

/* Where the output goes; err set once the buffer refuses. */
typedef struct sink {
	buf *out;
	xa_err err;
} sink;

/* One pass of pagination. cr is NULL while counting. */
typedef struct flow {
	const doc *d;
	cairo_t *cr;
	cairo_surface_t *surf;
	const sink *sk;
	int page, pages;
	double y;
	bool at_top;
	bool over;		/* past MAX_PAGES */
} flow;

/* cairo's write callback: appends to the caller's buf and remembers the
 * first refusal (the cap: XA_ETOOBIG). After that it quietly drops the
 * rest instead of reporting a write error: cairo 1.16 trips an assertion
 * (abort) when it finishes a document with bookmarks after a failed write,
 * so cairo is never told; the flow stops at its next line instead. */
static cairo_status_t
sink_write(void *closure, const unsigned char *data, unsigned int len)
{
	sink *s = closure;

	if (s->err != XA_OK)
		return CAIRO_STATUS_SUCCESS;
	xa_err e = buf_append(s->out, data, len);
	if (e != XA_OK)
		s->err = e;
	return CAIRO_STATUS_SUCCESS;
}

/* A malloc'd copy of s (n bytes) that pango takes safely: invalid UTF-8
 * becomes U+FFFD, C0 controls other than \n and \t are dropped (a lone
 * \r becomes \n, \r\n becomes \n), DEL and C1 controls are dropped. With
 * oneline, \n and \t become spaces. NULL when out of memory. */
static char *
clean_text(const char *s, size_t n, bool oneline)
{
	/* U+FFFD is 3 bytes for at least 1 byte in: 3n+1 is always enough. */
	if (n > (SIZE_MAX - 1) / 3)
		return NULL;
	char *o = malloc(3 * n + 1);
	if (o == NULL)
		return NULL;
	size_t j = 0;
	const char *p = s, *end = s + n;
	while (p < end) {
		gunichar c = g_utf8_get_char_validated(p, end - p);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			memcpy(o + j, "\xEF\xBF\xBD", 3);
			j += 3;
			p++;
			continue;
		}
		const char *next = g_utf8_next_char(p);
		if (c == '\r') {
			if (next < end && *next == '\n') {
				p = next;
				continue;
			}
			c = '\n';
		}
		if (c == '\n' || c == '\t')
			o[j++] = oneline ? ' ' : (char)c;
		else if (c >= 0x20 && !(c >= 0x7F && c <= 0x9F)) {
			memcpy(o + j, p, (size_t)(next - p));
			j += (size_t)(next - p);
		}
		p = next;
	}
	o[j] = '\0';
	return o;
}

/* The text of o[key] for printing: a string, or an integer written out;
 * NULL for anything else (wrong types are ignored). tmp holds the
 * integer's digits. */
static const char *
field(const json_t *o, const char *key, char tmp[32])
{
	const json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(tmp, 32, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return tmp;
	}
	return NULL;
}

/* The length of s's first n bytes, shortened so as not to end inside a
 * UTF-8 sequence (s is at least n bytes long). */
static size_t
utf8_cut(const char *s, size_t n)
{
	if (s[n] == '\0')
		return n;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

static bool
blank(const char *s)
{
	return s == NULL || s[0] == '\0';
}

/* Measures b's layouts into first_h, main_h and side_h. */
static void
measure(block *b)
{
	PangoLayoutIter *it = pango_layout_get_iter(b->main);
	int y0, y1;

	pango_layout_iter_get_line_yrange(it, &y0, &y1);
	b->first_h = (double)(y1 - y0) / PANGO_SCALE;
	while (pango_layout_iter_next_line(it))
		pango_layout_iter_get_line_yrange(it, &y0, &y1);
	b->main_h = (double)y1 / PANGO_SCALE;
	pango_layout_iter_free(it);
	b->side_h = 0;
	if (b->side != NULL) {
		PangoRectangle log;
		pango_layout_get_extents(b->side, NULL, &log);
		b->side_h = (double)(log.y + log.height) / PANGO_SCALE;
	}
}

/* A layout of the n bytes of clean text at t in font, width points wide,
 * wrapping where a word or, failing that, a character allows (Chinese
 * has no spaces). */
static PangoLayout *
new_layout(const doc *d, const char *t, size_t n,
    const PangoFontDescription *font, double width, PangoAlignment align)
{
	PangoLayout *l = pango_layout_new(d->ctx);

	pango_layout_set_font_description(l, font);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(l, align);
	if (font == d->f_body)
		pango_layout_set_line_spacing(l, BODY_LEADING);
	pango_layout_set_text(l, t, (int)n);
	return l;
}

/* The length of the next piece of clean text t (n bytes left) to give a
 * layout of its own; *skip is 1 when the '\n' after it ended its last
 * paragraph and is to be dropped. Pieces keep pango fast (some of its
 * per-line work is linear in the layout's length, so one huge layout is
 * quadratic) and within what it can shape (a single paragraph of some
 * 200 000 characters comes out unwrapped). A piece ends at a paragraph's
 * end when it can; a paragraph longer than a piece is cut after its last
 * "。" in reach, or at a character, and goes on on the next line. */
static size_t
piece_len(const char *t, size_t n, size_t *skip)
{
	size_t lim = n < PIECE_BYTES ? n : PIECE_BYTES;
	size_t paras = 0;
	const char *cut = NULL;

	*skip = 0;
	for (size_t i = 0; i < lim; i++) {
		if (t[i] == '\n') {
			cut = t + i;
			if (++paras == PIECE_PARAS)
				break;
		}
	}
	if (n <= PIECE_BYTES && paras < PIECE_PARAS)
		return n;
	if (cut != NULL) {
		*skip = 1;
		return (size_t)(cut - t);
	}
	/* n > PIECE_BYTES here, so t[lim] exists. */
	size_t i = lim;
	while (i > 0 && ((unsigned char)t[i] & 0xC0) == 0x80)
		i--;
	for (size_t k = i; k >= 3 && k + PIECE_BYTES / 4 > i; k--)
		if (memcmp(t + k - 3, "。", 3) == 0)
			return k;
	return i;
}

/* Appends raw text (from the model) as one or more blocks in font, x
 * points from the left margin and width wide; *first is the index of
 * the first. oneline turns line feeds and tabs into spaces. Counts the
 * text against MAX_TEXT and its line feeds against MAX_PARAS before
 * pango sees any of it. The caller sets the blocks' spacing and flags. */
static xa_err
add_text(doc *d, const char *raw, bool oneline,
    const PangoFontDescription *font, double x, double width,
    PangoAlignment align, size_t *first)
{
	size_t n = strlen(raw);

	if (n > MAX_TEXT || d->text_bytes > MAX_TEXT - n)
		return XA_ETOOBIG;
	d->text_bytes += n;
	char *t = clean_text(raw, n, oneline);
	if (t == NULL)
		return XA_ENOMEM;
	xa_err e = XA_OK;
	n = strlen(t);
	for (const char *p = t; (p = strchr(p, '\n')) != NULL; p++)
		if (++d->paras > MAX_PARAS) {
			e = XA_ETOOBIG;
			goto done;
		}
	*first = d->n;
	size_t at = 0;
	do {
		size_t skip, len = piece_len(t + at, n - at, &skip);
		if (d->n == d->cap) {
			if (d->n >= MAX_BLOCKS) {
				e = XA_ETOOBIG;
				goto done;
			}
			size_t cap = d->cap ? d->cap * 2 : 64;
			block *nb = realloc(d->b, cap * sizeof *nb);
			if (nb == NULL) {
				e = XA_ENOMEM;
				goto done;
			}
			d->b = nb;
			d->cap = cap;
		}
		block *b = &d->b[d->n++];
		memset(b, 0, sizeof *b);
		b->x = x;
		b->main = new_layout(d, t + at, len, font, width, align);
		measure(b);
		at += len + skip;
	} while (at < n);
done:
	free(t);
	return e;
}

/* The blocks from i on (to the last one added) carry one text: the
 * first keeps the space above, the last the space below. */
static void
spacing(doc *d, size_t i, double before, double after)
{
	d->b[i].before = before;
	d->b[d->n - 1].after = after;
}

/* Appends one label/value row of a two-column table; first says it opens
 * the table. Rows with neither label nor value are skipped. */
static xa_err
add_row(doc *d, const json_t *row, bool *first)
{
	char t1[32], t2[32];
	const char *label = field(row, "label", t1);
	const char *value = field(row, "value", t2);
	size_t i;

	if (!json_is_object(row) || (blank(label) && blank(value)))
		return XA_OK;
	xa_err e = add_text(d, value ? value : "", false, d->f_body,
	    LABEL_W + LABEL_GAP, CONTENT_W - LABEL_W - LABEL_GAP,
	    PANGO_ALIGN_LEFT, &i);
	if (e != XA_OK)
		return e;
	spacing(d, i, *first ? 6 : 0, 0);
	for (size_t k = i; k < d->n; k++)
		d->b[k].in_table = true;
	d->b[i].pad_top = 3.5;
	d->b[i].rule_top = *first;
	d->b[d->n - 1].pad_bottom = 3.5;
	d->b[d->n - 1].rule_below = true;
	*first = false;
	if (!blank(label)) {
		char *l = clean_text(label, strlen(label), false);
		if (l == NULL)
			return XA_ENOMEM;
		/* A label is short; a long one is cut to what a page holds. */
		size_t n = strlen(l);
		size_t skip, len = piece_len(l, n, &skip);
		if (n > MAX_TEXT || d->text_bytes > MAX_TEXT - n) {
			free(l);
			return XA_ETOOBIG;
		}
		d->text_bytes += n;
		d->b[i].side = new_layout(d, l, len, d->f_label, LABEL_W,
		    PANGO_ALIGN_LEFT);
		free(l);
		measure(&d->b[i]);
		if (d->b[i].side_h > BODY_BOTTOM - BODY_TOP - 2 * 3.5) {
			pango_layout_set_height(d->b[i].side, (int)((BODY_BOTTOM -
			    BODY_TOP - 2 * 3.5) * PANGO_SCALE));
			pango_layout_set_ellipsize(d->b[i].side,
			    PANGO_ELLIPSIZE_END);
			measure(&d->b[i]);
		}
	}
	return XA_OK;
}

/* Appends a two-column table of rows (an array; anything else is
 * ignored). */
static xa_err
add_rows(doc *d, const json_t *rows)
{
	size_t i;
	const json_t *row;
	bool first = true;

	if (!json_is_array(rows))
		return XA_OK;
	json_array_foreach(rows, i, row) {
		xa_err e = add_row(d, row, &first);
		if (e != XA_OK)
			return e;
	}
	return XA_OK;
}

/* Appends one chronology item: a small bold line "when · title · by",
 * kept with the first line of its text, then the text, its paragraphs
 * kept. Items with nothing in them are skipped. */
static xa_err
add_item(doc *d, const json_t *item)
{
	static const char *const keys[] = { "when", "title", "by" };
	char tmp[32], t2[32];
	buf head;
	xa_err e = XA_OK;
	size_t i;

	if (!json_is_object(item))
		return XA_OK;
	buf_init(&head, MAX_TEXT);
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		const char *v = field(item, keys[k], tmp);
		if (blank(v))
			continue;
		if (head.len > 0 && (e = buf_puts(&head, " · ")) != XA_OK)
			goto done;
		if ((e = buf_puts(&head, v)) != XA_OK)
			goto done;
	}
	const char *text = field(item, "text", t2);
	if (head.len > 0) {
		if ((e = add_text(d, head.data, true, d->f_item, 0, CONTENT_W,
		    PANGO_ALIGN_LEFT, &i)) != XA_OK)
			goto done;
		spacing(d, i, 9, 2);
		for (size_t k = i; k < d->n; k++) {
			d->b[k].grey = 0.2;
			d->b[k].whole = true;
		}
		d->b[d->n - 1].keep_next = !blank(text);
	}
	if (!blank(text)) {
		if ((e = add_text(d, text, false, d->f_body, 0, CONTENT_W,
		    PANGO_ALIGN_LEFT, &i)) != XA_OK)
			goto done;
		spacing(d, i, head.len > 0 ? 0 : 9, 0);
	}
done:
	buf_free(&head);
	return e;
}

/* Appends one section: its heading (kept with what follows it and listed
 * in the outline), then rows, items and text, each optional. first puts
 * the heading on a new page (the cover ends there). */
static xa_err
add_section(doc *d, const json_t *sec, bool first)
{
	char tmp[32];
	xa_err e;
	size_t i, head_at = 0;

	if (!json_is_object(sec))
		return XA_OK;
	const json_t *rows = json_object_get(sec, "rows");
	const json_t *items = json_object_get(sec, "items");
	const char *text = field(sec, "text", tmp);
	const char *heading = json_string_value(json_object_get(sec, "heading"));
	size_t start = d->n;

	if (!blank(heading)) {
		if ((e = add_text(d, heading, true, d->f_head, 0, CONTENT_W,
		    PANGO_ALIGN_LEFT, &i)) != XA_OK)
			return e;
		spacing(d, i, 20, 4);
		for (size_t k = i; k < d->n; k++)
			d->b[k].whole = true;
		d->b[i].pad_top = 2;
		d->b[i].outline = true;
		head_at = d->n - 1;
		d->b[head_at].pad_bottom = 2;
		d->b[head_at].rule_below = true;
	}
	size_t body = d->n;
	if ((e = add_rows(d, rows)) != XA_OK)
		return e;
	if (json_is_array(items)) {
		const json_t *item;
		json_array_foreach(items, i, item) {
			if ((e = add_item(d, item)) != XA_OK)
				return e;
		}
	}
	if (!blank(text)) {
		if ((e = add_text(d, text, false, d->f_body, 0, CONTENT_W,
		    PANGO_ALIGN_LEFT, &i)) != XA_OK)
			return e;
		spacing(d, i, 9, 0);
	}
	/* The heading is kept with the section's first line only when the
	 * section has one; an empty section is its heading alone. */
	if (body > start)
		d->b[head_at].keep_next = d->n > body;
	if (first && d->n > start)
		d->b[start].page_before = true;
	return XA_OK;
}

/* Appends a line of the cover, if text is not blank. */
static xa_err
add_cover_line(doc *d, const char *text, const PangoFontDescription *font,
    double before, PangoAlignment align)
{
	size_t i;

	if (blank(text))
		return XA_OK;
	xa_err e = add_text(d, text, true, font, 0, CONTENT_W, align, &i);
	if (e != XA_OK)
		return e;
	spacing(d, i, before, 0);
	d->b[i].keep_before = true;
	return XA_OK;
}

/* "prefix：value", or value alone without a prefix; into tmp. */
static const char *
labelled(const char *prefix, const char *value, char *tmp, size_t cap)
{
	if (blank(value))
		return NULL;
	if (blank(prefix))
		return value;
	int n = snprintf(tmp, cap, "%s：%s", prefix, value);
	return n > 0 && (size_t)n < cap ? tmp : value;
}

/* Builds every block of the model: the cover, then the sections. */
static xa_err
build(doc *d, const json_t *model)
{
	char t1[32], t2[32], t3[32], tmp[1024];
	const json_t *labels = json_object_get(model, "labels");
	const char *conf = field(model, "confidential", t1);
	const char *page = json_string_value(json_object_get(labels, "page"));
	xa_err e;

	/* The foot is laid out on every page: a sentence or two is all its
	 * texts may be (a longer page label falls back to "n / m"). */
	if (!blank(conf) && (d->confidential = clean_text(conf,
	    utf8_cut(conf, strnlen(conf, MAX_FOOT)), true)) == NULL)
		return XA_ENOMEM;
	if (!blank(page) && (d->page_fmt = clean_text(page,
	    utf8_cut(page, strnlen(page, MAX_FOOT)), true)) == NULL)
		return XA_ENOMEM;

	/* The cover: the confidentiality mark top left (as on official
	 * papers), the title, school and number centred, the key facts, then
	 * who printed it when. */
	if ((e = add_cover_line(d, d->confidential, d->f_mark, 0,
	    PANGO_ALIGN_LEFT)) != XA_OK ||
	    (e = add_cover_line(d, json_string_value(json_object_get(model,
	    "title")), d->f_title, 50 * MM, PANGO_ALIGN_CENTER)) != XA_OK ||
	    (e = add_cover_line(d, field(model, "school", t2), d->f_school,
	    14, PANGO_ALIGN_CENTER)) != XA_OK ||
	    (e = add_cover_line(d, field(model, "number", t3), d->f_number,
	    8, PANGO_ALIGN_CENTER)) != XA_OK)
		return e;
	size_t rows_at = d->n;
	if ((e = add_rows(d, json_object_get(model, "cover"))) != XA_OK)
		return e;
	if (d->n > rows_at)
		d->b[rows_at].before = 24 * MM;
	const char *printed = labelled(
	    json_string_value(json_object_get(labels, "printed")),
	    field(model, "printed", t2), tmp, sizeof tmp);
	if ((e = add_cover_line(d, printed, d->f_body, 18,
	    PANGO_ALIGN_RIGHT)) != XA_OK)
		return e;
	const char *by = labelled(
	    json_string_value(json_object_get(labels, "printed_by")),
	    field(model, "printed_by", t3), tmp, sizeof tmp);
	if ((e = add_cover_line(d, by, d->f_body, printed ? 2 : 18,
	    PANGO_ALIGN_RIGHT)) != XA_OK)
		return e;

	size_t i;
	const json_t *sec;
	bool first = true;
	json_array_foreach(json_object_get(model, "sections"), i, sec) {
		size_t had = d->n;
		if ((e = add_section(d, sec, first)) != XA_OK)
			return e;
		if (d->n > had)
			first = false;
	}
	return XA_OK;
}

/* The height block i needs free at the foot of a page to start there:
 * its first line (with its label), or all of it when it must stay whole,
 * plus what it must be kept with. Falls back to less when the chain is
 * taller than a page. */
static double
need(const doc *d, size_t i, int depth)
{
	const block *b = &d->b[i];
	double first = b->first_h > b->side_h ? b->first_h : b->side_h;
	double whole = b->main_h > b->side_h ? b->main_h : b->side_h;
	double h = b->pad_top + first;

	if ((b->whole || b->keep_next) && b->pad_top + whole + b->pad_bottom
	    <= BODY_BOTTOM - BODY_TOP)
		h = b->pad_top + whole + b->pad_bottom;
	if (b->keep_next && depth < 4 && i + 1 < d->n &&
	    !d->b[i + 1].page_before) {
		double more = b->after + d->b[i + 1].before +
		    need(d, i + 1, depth + 1);
		if (h + more <= BODY_BOTTOM - BODY_TOP)
			h += more;
	}
	return h;
}

/* The foot's page text: labels.page with its first "%d" replaced by n and
 * its second by m. The label is never used as a format: anything but
 * exactly two "%d" (or an absurd length) gives the plain "n / m". */
static void
page_label(const char *fmt, int n, int m, char *out, size_t cap)
{
	const char *p1 = fmt ? strstr(fmt, "%d") : NULL;
	const char *p2 = p1 ? strstr(p1 + 2, "%d") : NULL;

	if (p2 == NULL || strstr(p2 + 2, "%d") != NULL ||
	    strlen(fmt) > cap / 2) {
		snprintf(out, cap, "%d / %d", n, m);
		return;
	}
	snprintf(out, cap, "%.*s%d%.*s%d%s", (int)(p1 - fmt), fmt, n,
	    (int)(p2 - p1 - 2), p1 + 2, m, p2 + 2);
}

/* A hairline across the text's width at y. */
static void
rule(cairo_t *cr, double y, double width)
{
	cairo_save(cr);
	cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
	cairo_set_line_width(cr, width);
	cairo_move_to(cr, MARGIN, y);
	cairo_line_to(cr, MARGIN + CONTENT_W, y);
	cairo_stroke(cr);
	cairo_restore(cr);
}

/* Draws the current page's foot: a rule, the confidentiality line on the
 * left (two lines at most, then cut with an ellipsis) and "page n of m"
 * on the right. */
static void
draw_foot(flow *f)
{
	cairo_t *cr = f->cr;
	char label[512];
	PangoRectangle log;

	page_label(f->d->page_fmt, f->page, f->pages, label, sizeof label);
	PangoLayout *pl = pango_layout_new(f->d->ctx);
	pango_layout_set_font_description(pl, f->d->f_foot);
	pango_layout_set_text(pl, label, -1);
	pango_layout_get_extents(pl, NULL, &log);
	double w = (double)log.width / PANGO_SCALE;

	rule(cr, FOOT_RULE, 0.5);
	cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
	cairo_move_to(cr, MARGIN + CONTENT_W - w, FOOT_TEXT);
	pango_cairo_show_layout(cr, pl);
	g_object_unref(pl);

	double room = CONTENT_W - w - 8 * MM;
	if (f->d->confidential != NULL && room > 20 * MM) {
		PangoLayout *cl = pango_layout_new(f->d->ctx);
		pango_layout_set_font_description(cl, f->d->f_foot);
		pango_layout_set_width(cl, (int)(room * PANGO_SCALE));
		pango_layout_set_wrap(cl, PANGO_WRAP_WORD_CHAR);
		pango_layout_set_height(cl, -2);
		pango_layout_set_ellipsize(cl, PANGO_ELLIPSIZE_END);
		pango_layout_set_text(cl, f->d->confidential, -1);
		cairo_move_to(cr, MARGIN, FOOT_TEXT);
		pango_cairo_show_layout(cr, cl);
		g_object_unref(cl);
	}
}

/* Ends the current page (drawing its foot when drawing) and starts the
 * next. */
static void
new_page(flow *f)
{
	if (f->cr != NULL) {
		draw_foot(f);
		cairo_show_page(f->cr);
	}
	f->page++;
	if (f->page > MAX_PAGES)
		f->over = true;
	f->y = BODY_TOP;
	f->at_top = true;
}

/* True once the pass should go no further: past MAX_PAGES, or the output
 * refused (no use drawing pages nobody will get). */
static bool
stopped(const flow *f)
{
	return f->over || (f->sk != NULL && f->sk->err != XA_OK);
}

/* Adds a bookmark for block b's heading, pointing at y on this page. */
static void
outline(flow *f, const block *b, double y)
{
	char dest[64];

	snprintf(dest, sizeof dest, "page=%d pos=[%d %d]", f->page,
	    (int)MARGIN, (int)y);
	cairo_pdf_surface_add_outline(f->surf, CAIRO_PDF_OUTLINE_ROOT,
	    pango_layout_get_text(b->main), dest, 0);
}

/* Places block i: a new page first when its need does not fit, then its
 * label (if any), then its lines one by one, each line going to a new
 * page when it would cross the body's foot. Draws when f->cr is set. */
static void
place(flow *f, size_t i)
{
	const block *b = &f->d->b[i];
	cairo_t *cr = f->cr;

	if (b->page_before && !f->at_top)
		new_page(f);
	double gap = f->at_top && !b->keep_before ? 0 : b->before;
	if (!f->at_top && f->y + gap + need(f->d, i, 0) > BODY_BOTTOM) {
		new_page(f);
		gap = b->keep_before ? b->before : 0;
	}
	f->y += gap;
	double top = f->y;
	int start_page = f->page;
	if (cr != NULL) {
		if (b->rule_top || (b->in_table && f->at_top))
			rule(cr, top, 0.5);
		if (b->outline)
			outline(f, b, top);
	}
	double y0 = top + b->pad_top;	/* where the layout's y=0 lies */
	double side_end = y0 + b->side_h;
	if (cr != NULL && b->side != NULL) {
		cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
		cairo_move_to(cr, MARGIN, y0);
		pango_cairo_show_layout(cr, b->side);
	}
	if (cr != NULL)
		cairo_set_source_rgb(cr, b->grey, b->grey, b->grey);

	PangoLayoutIter *it = pango_layout_get_iter(b->main);
	double off = 0, end = y0;
	bool placed = false;	/* a line of this block is on this page */
	do {
		int ly0, ly1;
		PangoRectangle log;
		pango_layout_iter_get_line_yrange(it, &ly0, &ly1);
		pango_layout_iter_get_line_extents(it, NULL, &log);
		double lt = (double)ly0 / PANGO_SCALE;
		double lb = (double)ly1 / PANGO_SCALE;
		if (placed && y0 + lb - off > BODY_BOTTOM) {
			new_page(f);
			if (cr != NULL)
				cairo_set_source_rgb(cr, b->grey, b->grey,
				    b->grey);
			y0 = BODY_TOP;
			off = lt;
		}
		if (cr != NULL) {
			double base = (double)pango_layout_iter_get_baseline(it) /
			    PANGO_SCALE;
			cairo_move_to(cr, MARGIN + b->x +
			    (double)log.x / PANGO_SCALE, y0 + base - off);
			pango_cairo_show_layout_line(cr,
			    pango_layout_iter_get_line_readonly(it));
		}
		end = y0 + lb - off;
		placed = true;
	} while (pango_layout_iter_next_line(it) && !stopped(f));
	pango_layout_iter_free(it);

	if (f->page == start_page && side_end > end)
		end = side_end;
	f->y = end + b->pad_bottom;
	if (cr != NULL && b->rule_below)
		rule(cr, f->y, b->in_table ? 0.5 : 0.8);
	f->y += b->after;
	f->at_top = false;
}

/* One pass over every block; f->page ends as the page count. Stops early
 * past MAX_PAGES or once the output has been refused. */
static void
run(flow *f)
{
	f->page = 1;
	f->y = BODY_TOP;
	f->at_top = true;
	for (size_t i = 0; i < f->d->n && !stopped(f); i++)
		place(f, i);
	if (f->cr != NULL) {
		draw_foot(f);
		cairo_show_page(f->cr);
	}
}

static PangoFontDescription *
font(const char *family, double size, PangoWeight weight)
{
	PangoFontDescription *fd = pango_font_description_new();
	pango_font_description_set_family(fd, family);
	pango_font_description_set_size(fd, (int)(size * PANGO_SCALE));
	pango_font_description_set_weight(fd, weight);
	return fd;
}

static void
doc_free(doc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		g_object_unref(d->b[i].main);
		if (d->b[i].side != NULL)
			g_object_unref(d->b[i].side);
	}
	free(d->b);
	free(d->confidential);
	free(d->page_fmt);
	PangoFontDescription **fds[] = { &d->f_title, &d->f_school,
	    &d->f_number, &d->f_mark, &d->f_head, &d->f_body, &d->f_label,
	    &d->f_item, &d->f_foot };
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if (*fds[i] != NULL)
			pango_font_description_free(*fds[i]);
	if (d->ctx != NULL)
		g_object_unref(d->ctx);
}

/* A pango context for print: 72 units per inch (a PDF point per unit),
 * no hinting (so measuring and drawing agree at any size), Simplified
 * Chinese for the glyph forms and line-breaking rules. */
static PangoContext *
print_context(void)
{
	PangoFontMap *fm = pango_cairo_font_map_get_default();
	PangoContext *ctx = pango_font_map_create_context(fm);
	cairo_font_options_t *fo = cairo_font_options_create();

	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
	pango_cairo_context_set_font_options(ctx, fo);
	cairo_font_options_destroy(fo);
	pango_cairo_context_set_resolution(ctx, 72.0);
	pango_context_set_language(ctx, pango_language_from_string("zh-cn"));
	pango_context_set_base_dir(ctx, PANGO_DIRECTION_LTR);
	return ctx;
}

xa_err
dossier_pdf(const json_t *model, buf *out)
{
	if (model == NULL || out == NULL || !json_is_object(model))
		return XA_EINVAL;
	const json_t *title = json_object_get(model, "title");
	if (!json_is_string(title) || json_string_length(title) == 0 ||
	    !json_is_array(json_object_get(model, "sections")))
		return XA_EINVAL;

	size_t start = out->len;
	sink sk = { out, XA_OK };
	doc d;
	memset(&d, 0, sizeof d);
	cairo_t *cr = NULL;
	char *meta = NULL;
	xa_err e = XA_OK;
	cairo_surface_t *surf = cairo_pdf_surface_create_for_stream(sink_write,
	    &sk, PAGE_W, PAGE_H);
	if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
		e = XA_ENOMEM;
		goto done;
	}
	cr = cairo_create(surf);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		e = XA_ENOMEM;
		goto done;
	}
	d.ctx = print_context();
	d.f_title = font(SERIF, 26, PANGO_WEIGHT_BOLD);
	d.f_school = font(SANS, 15, PANGO_WEIGHT_NORMAL);
	d.f_number = font(SANS, 12, PANGO_WEIGHT_NORMAL);
	d.f_mark = font(SANS, 12, PANGO_WEIGHT_BOLD);
	d.f_head = font(SERIF, 14, PANGO_WEIGHT_BOLD);
	d.f_body = font(SANS, 10.5, PANGO_WEIGHT_NORMAL);
	d.f_label = font(SANS, 10, PANGO_WEIGHT_BOLD);
	d.f_item = font(SANS, 9.5, PANGO_WEIGHT_BOLD);
	d.f_foot = font(SANS, 8.5, PANGO_WEIGHT_NORMAL);
	if ((e = build(&d, model)) != XA_OK)
		goto done;

	/* First pass: count the pages. */
	flow f = { .d = &d };
	run(&f);
	if (f.over) {
		e = XA_ETOOBIG;
		goto done;
	}

	/* The title (never a name: the handler's cover title) is the only
	 * metadata besides cairo's own producer and dates. */
	meta = clean_text(json_string_value(title), json_string_length(title),
	    true);
	if (meta == NULL) {
		e = XA_ENOMEM;
		goto done;
	}
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, meta);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR,
	    "xiaoan");

	/* Second pass: draw, with the total known. */
	flow g = { .d = &d, .cr = cr, .surf = surf, .sk = &sk,
	    .pages = f.page };
	run(&g);
	cairo_destroy(cr);
	cr = NULL;
	cairo_surface_finish(surf);
	if (sk.err != XA_OK)
		e = sk.err;
	else if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS)
		e = cairo_surface_status(surf) == CAIRO_STATUS_NO_MEMORY ?
		    XA_ENOMEM : XA_EIO;
done:
	/* Refuse any further output before cairo flushes on destroy. */
	if (e != XA_OK && sk.err == XA_OK)
		sk.err = e;
	if (cr != NULL)
		cairo_destroy(cr);
	cairo_surface_destroy(surf);
	doc_free(&d);
	free(meta);
	if (e != XA_OK && out->data != NULL) {
		out->len = start;
		out->data[start] = '\0';
	}
	return e;
}
