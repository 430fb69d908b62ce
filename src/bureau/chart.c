/* chart.c: the bureau's charts laid out once and drawn as SVG or with
 * cairo, behind chart.h.
 *
 * The layout is plain arithmetic over the data and an estimate of text
 * widths; the two painters only walk the primitives it made. Never: write
 * a caller's text into SVG without escaping it, hand it to pango as
 * markup, or keep anything between calls. */
#include "chart.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <pango/pangocairo.h>

#define FONT "Noto Sans CJK SC"
#define SVG_FONTS "'Noto Sans CJK SC','Noto Sans SC','Source Han Sans SC'," \
	"'PingFang SC','Microsoft YaHei',sans-serif"

#define C_INK 0x1A202Cu
#define C_MUTED 0x4A5568u
#define C_GRID 0xE2E8F0u
#define C_AXIS 0x718096u
#define C_BAR 0x2F6DB5u
#define C_HIDDEN 0xCBD5E0u
#define C_WHITE 0xFFFFFFu

#define TITLE_SIZE 13.0
#define TITLE_H 26.0
#define LABEL_SIZE 9.0
#define VALUE_SIZE 8.5
#define HEAT_ROW_H 22.0
#define HEAT_HEAD_H 24.0
#define LEGEND_H 26.0

/* ------------------------------------------------------------------ */
/* The plot's storage. */

static chart_prim *
prim_new(chart_plot *p, enum chart_prim_kind kind)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		chart_prim *np = realloc(p->prims, cap * sizeof *np);
		if (np == NULL)
			return NULL;
		p->prims = np;
		p->cap = cap;
	}
	chart_prim *q = &p->prims[p->n++];
	memset(q, 0, sizeof *q);
	q->kind = kind;
	q->fill = CHART_NONE;
	q->stroke = CHART_NONE;
	return q;
}

static char *
dup_text(const char *s)
{
	size_t n = strlen(s);
	char *d = malloc(n + 1);
	if (d != NULL)
		memcpy(d, s, n + 1);
	return d;
}

static xa_err
add_rect(chart_plot *p, double x, double y, double w, double h, uint32_t fill,
    uint32_t stroke, const char *tip)
{
	chart_prim *q = prim_new(p, CP_RECT);
	if (q == NULL)
		return XA_ENOMEM;
	q->x = x;
	q->y = y;
	q->w = w;
	q->h = h;
	q->fill = fill;
	q->stroke = stroke;
	q->stroke_w = stroke == CHART_NONE ? 0 : 1;
	if (tip != NULL && (q->text = dup_text(tip)) == NULL)
		return XA_ENOMEM;
	return XA_OK;
}

static xa_err
add_line(chart_plot *p, double x1, double y1, double x2, double y2, uint32_t stroke,
    double width)
{
	chart_prim *q = prim_new(p, CP_LINE);
	if (q == NULL)
		return XA_ENOMEM;
	q->x = x1;
	q->y = y1;
	q->w = x2;
	q->h = y2;
	q->stroke = stroke;
	q->stroke_w = width;
	return XA_OK;
}

static xa_err
add_text(chart_plot *p, double x, double y, const char *t, double size,
    enum chart_anchor anchor, uint32_t colour, int bold)
{
	chart_prim *q = prim_new(p, CP_TEXT);
	if (q == NULL)
		return XA_ENOMEM;
	q->x = x;
	q->y = y;
	q->size = size;
	q->anchor = anchor;
	q->fill = colour;
	q->bold = bold;
	if ((q->text = dup_text(t)) == NULL)
		return XA_ENOMEM;
	return XA_OK;
}

static xa_err
add_point(chart_plot *p, double x, double y)
{
	if (p->npts == p->pts_cap) {
		size_t cap = p->pts_cap ? p->pts_cap * 2 : 32;
		double *np = realloc(p->pts, 2 * cap * sizeof *np);
		if (np == NULL)
			return XA_ENOMEM;
		p->pts = np;
		p->pts_cap = cap;
	}
	p->pts[2 * p->npts] = x;
	p->pts[2 * p->npts + 1] = y;
	p->npts++;
	return XA_OK;
}

void
chart_plot_free(chart_plot *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->prims[i].text);
	free(p->prims);
	free(p->pts);
	free(p->title);
	free(p);
}

/* ------------------------------------------------------------------ */
/* Text. */

/* The width of t at size, estimated: a character outside ASCII (CJK,
 * full-width punctuation) one em, an ASCII one a little over half. */
static double
text_w(const char *t, double size)
{
	double w = 0;
	for (const unsigned char *s = (const unsigned char *)t; *s; s++) {
		if (*s < 0x80)
			w += 0.56 * size;
		else if ((*s & 0xC0) != 0x80)
			w += size;
	}
	return w;
}

/* Drops an incomplete UTF-8 sequence at the end of s (what snprintf
 * leaves when it cuts a longer text inside a character), so that a cut
 * text stays valid UTF-8 for the SVG and for JSON. */
static void
utf8_cut_tail(char *s)
{
	size_t n = strlen(s), k = n;
	while (k > 0 && ((unsigned char)s[k - 1] & 0xC0) == 0x80)
		k--;
	if (k == 0)
		return;
	unsigned char lead = (unsigned char)s[k - 1];
	size_t need = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
	if (n - (k - 1) < need)
		s[k - 1] = '\0';
}

/* snprintf into out, cut at a character when it does not fit. */
static void put_text(char *out, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
put_text(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (n < 0)
		out[0] = '\0';
	else if ((size_t)n >= len)
		utf8_cut_tail(out);
}

/* t cut (at a character) so that it fits width at size, with "…" when
 * cut; into out. */
static void
fit_text(const char *t, double size, double width, char *out, size_t len)
{
	int whole = strlen(t) < len;
	put_text(out, len, "%s", t);
	if (whole && text_w(out, size) <= width)
		return;
	size_t n = strlen(out);
	while (n > 0) {
		n--;
		while (n > 0 && ((unsigned char)out[n] & 0xC0) == 0x80)
			n--;
		if (n + 4 > len)
			continue;
		memcpy(out + n, "…", 4);
		if (text_w(out, size) <= width)
			return;
	}
	snprintf(out, len, "…");
}

/* A value as its chart writes it: "12", "12.5", "73%". */
static void
value_text(const chart *c, double v, char *out, size_t len)
{
	int n = snprintf(out, len, c->decimals > 0 ? "%.1f" : "%.0f", v);
	if (n < 0 || (size_t)n >= len) {
		snprintf(out, len, "?");
		return;
	}
	if (c->unit != NULL)
		snprintf(out + n, len - (size_t)n, "%s", c->unit);
}

static int
is_hidden(const chart *c, size_t i)
{
	return c->hidden != NULL && c->hidden[i];
}

static const char *
hidden_text(const chart *c)
{
	return c->hidden_text != NULL ? c->hidden_text : "—";
}

/* ------------------------------------------------------------------ */
/* Layouts. */

/* A round upper bound for the value axis and its step (1, 2 or 5 times
 * a power of ten, at most five steps). */
static void
nice_scale(double vmax, int integral, double *top, double *step)
{
	if (vmax <= 0)
		vmax = integral ? 4 : 1;
	double raw = vmax / 4;
	double mag = pow(10, floor(log10(raw)));
	double s = mag;
	if (raw > 5 * mag)
		s = 10 * mag;
	else if (raw > 2 * mag)
		s = 5 * mag;
	else if (raw > mag)
		s = 2 * mag;
	if (integral && s < 1)
		s = 1;
	*step = s;
	*top = s * ceil(vmax / s);
	if (*top <= 0)
		*top = s;
}

/* Bars and lines share the frame: the title, the value axis with its
 * grid, the labels under their slots. */
static xa_err
layout_xy(const chart *c, chart_plot *p)
{
	double W = p->width, H = p->height;
	double vmax = 0;
	for (size_t i = 0; i < c->n; i++)
		if (!is_hidden(c, i) && c->values[i] > vmax)
			vmax = c->values[i];
	double top, step;
	nice_scale(vmax, c->decimals == 0, &top, &step);
	char t[160];
	/* The axis' widest label decides the left margin. */
	snprintf(t, sizeof t, c->decimals > 0 ? "%.1f" : "%.0f", top);
	double x0 = text_w(t, LABEL_SIZE) + 10, x1 = W - 6;
	double y0 = TITLE_H + 10, y1 = H - 22;
	xa_err e;

	for (double v = 0; v <= top + step / 2; v += step) {
		double y = y1 - (v / top) * (y1 - y0);
		if ((e = add_line(p, x0, y, x1, y, v == 0 ? C_AXIS : C_GRID, v == 0 ? 1 : 0.6)))
			return e;
		snprintf(t, sizeof t, c->decimals > 0 ? "%.1f" : "%.0f", v);
		if ((e = add_text(p, x0 - 4, y + 3, t, LABEL_SIZE, CA_END, C_MUTED, 0)))
			return e;
	}
	double slot = (x1 - x0) / (double)c->n;
	/* Labels: a size that fits the slots (at least 7), then cut. */
	double lsize = LABEL_SIZE;
	for (size_t i = 0; i < c->n; i++)
		while (lsize > 7 && text_w(c->labels[i] ? c->labels[i] : "", lsize) > slot - 2)
			lsize -= 0.5;
	size_t first_pt = p->npts, run_start = p->npts;
	for (size_t i = 0; i < c->n; i++) {
		const char *label = c->labels[i] ? c->labels[i] : "";
		double cx = x0 + slot * ((double)i + 0.5);
		fit_text(label, lsize, slot - 2, t, sizeof t);
		if ((e = add_text(p, cx, y1 + 13, t, lsize, CA_MIDDLE, C_INK, 0)))
			return e;
		char val[48], tip[256];
		if (is_hidden(c, i))
			snprintf(val, sizeof val, "%s", hidden_text(c));
		else
			value_text(c, c->values[i], val, sizeof val);
		put_text(tip, sizeof tip, "%s：%s", label, val);
		if (is_hidden(c, i)) {
			if ((e = add_text(p, cx, y1 - 4, val, VALUE_SIZE, CA_MIDDLE, C_AXIS, 0)))
				return e;
			/* A hidden point ends a line's run. */
			if (c->kind == CHART_LINE && p->npts > run_start) {
				chart_prim *q = prim_new(p, CP_POLYLINE);
				if (q == NULL)
					return XA_ENOMEM;
				q->pt0 = run_start;
				q->npts = p->npts - run_start;
				q->stroke = C_BAR;
				q->stroke_w = 2;
				run_start = p->npts;
			}
			continue;
		}
		double v = c->values[i] < 0 ? 0 : c->values[i];
		double h = (v / top) * (y1 - y0);
		if (c->kind == CHART_BAR) {
			double bw = slot * 0.62;
			if ((e = add_rect(p, cx - bw / 2, y1 - h, bw, h, C_BAR, CHART_NONE, tip)))
				return e;
		} else {
			if ((e = add_point(p, cx, y1 - h)))
				return e;
		}
		if ((e = add_text(p, cx, y1 - h - 4, val, VALUE_SIZE, CA_MIDDLE, C_INK, 0)))
			return e;
	}
	if (c->kind == CHART_LINE) {
		if (p->npts > run_start) {
			chart_prim *q = prim_new(p, CP_POLYLINE);
			if (q == NULL)
				return XA_ENOMEM;
			q->pt0 = run_start;
			q->npts = p->npts - run_start;
			q->stroke = C_BAR;
			q->stroke_w = 2;
		}
		/* The points over the line, each with its tooltip. */
		size_t k = first_pt;
		for (size_t i = 0; i < c->n; i++) {
			if (is_hidden(c, i))
				continue;
			char val[48], tip[256];
			value_text(c, c->values[i], val, sizeof val);
			put_text(tip, sizeof tip, "%s：%s", c->labels[i] ? c->labels[i] : "", val);
			chart_prim *q = prim_new(p, CP_CIRCLE);
			if (q == NULL)
				return XA_ENOMEM;
			q->x = p->pts[2 * k];
			q->y = p->pts[2 * k + 1];
			q->w = 3;
			q->fill = C_WHITE;
			q->stroke = C_BAR;
			q->stroke_w = 1.5;
			if ((q->text = dup_text(tip)) == NULL)
				return XA_ENOMEM;
			k++;
		}
	}
	return XA_OK;
}

uint32_t
chart_heat_colour(double share)
{
	/* Red (#D9534F) at 0, amber (#F0B429) at 50, green (#2F9E5B) at 100. */
	static const double stops[3][3] = { { 0xD9, 0x53, 0x4F }, { 0xF0, 0xB4, 0x29 },
		{ 0x2F, 0x9E, 0x5B } };
	if (!(share >= 0))
		share = 0;
	if (share > 100)
		share = 100;
	int k = share < 50 ? 0 : 1;
	double f = (share - 50.0 * k) / 50.0;
	uint32_t rgb = 0;
	for (int i = 0; i < 3; i++) {
		double v = stops[k][i] + (stops[k + 1][i] - stops[k][i]) * f;
		rgb = (rgb << 8) | (uint32_t)lround(v);
	}
	return rgb;
}

static xa_err
layout_heat(const chart *c, chart_plot *p)
{
	double W = p->width;
	double lw = 0;
	xa_err e;
	char t[160];
	for (size_t r = 0; r < c->rows; r++) {
		double w = text_w(c->row_labels[r] ? c->row_labels[r] : "", LABEL_SIZE + 0.5);
		if (w > lw)
			lw = w;
	}
	lw += 10;
	if (lw > W * 0.34)
		lw = W * 0.34;
	double cw = (W - lw) / (double)c->n;
	double y = TITLE_H + HEAT_HEAD_H;
	double hsize = LABEL_SIZE;
	for (size_t i = 0; i < c->n; i++)
		while (hsize > 7 && text_w(c->labels[i] ? c->labels[i] : "", hsize) > cw - 4)
			hsize -= 0.5;
	for (size_t i = 0; i < c->n; i++) {
		fit_text(c->labels[i] ? c->labels[i] : "", hsize, cw - 4, t, sizeof t);
		if ((e = add_text(p, lw + cw * ((double)i + 0.5), y - 8, t, hsize, CA_MIDDLE,
		    C_INK, 1)))
			return e;
	}
	for (size_t r = 0; r < c->rows; r++) {
		const char *rl = c->row_labels[r] ? c->row_labels[r] : "";
		double ry = y + HEAT_ROW_H * (double)r;
		fit_text(rl, LABEL_SIZE + 0.5, lw - 8, t, sizeof t);
		if ((e = add_text(p, 0, ry + HEAT_ROW_H / 2 + 3.5, t, LABEL_SIZE + 0.5, CA_START,
		    C_INK, 0)))
			return e;
		for (size_t i = 0; i < c->n; i++) {
			size_t k = r * c->n + i;
			char val[48], tip[320];
			int hid = is_hidden(c, k);
			if (hid)
				snprintf(val, sizeof val, "%s", hidden_text(c));
			else
				value_text(c, c->values[k], val, sizeof val);
			put_text(tip, sizeof tip, "%s · %s：%s", rl, c->labels[i] ? c->labels[i] : "",
			    val);
			uint32_t fill = hid ? C_HIDDEN : chart_heat_colour(c->values[k]);
			if ((e = add_rect(p, lw + cw * (double)i, ry, cw, HEAT_ROW_H, fill, C_WHITE,
			    tip)))
				return e;
			/* Dark text on the light middle of the scale, white on
			 * the ends. */
			double v = hid ? 50 : c->values[k];
			uint32_t ink = hid || (v > 25 && v < 80) ? C_INK : C_WHITE;
			if ((e = add_text(p, lw + cw * ((double)i + 0.5), ry + HEAT_ROW_H / 2 + 3.2,
			    val, VALUE_SIZE, CA_MIDDLE, ink, 0)))
				return e;
		}
	}
	/* The legend: five swatches from 0 to 100. */
	double ly = y + HEAT_ROW_H * (double)c->rows + 8;
	for (int k = 0; k <= 4; k++) {
		double share = 25.0 * k;
		double lx = lw + 52.0 * k;
		if ((e = add_rect(p, lx, ly, 14, 10, chart_heat_colour(share), CHART_NONE, NULL)))
			return e;
		snprintf(t, sizeof t, "%d%%", 25 * k);
		if ((e = add_text(p, lx + 18, ly + 9, t, VALUE_SIZE, CA_START, C_MUTED, 0)))
			return e;
	}
	if ((e = add_rect(p, lw + 52.0 * 5, ly, 14, 10, C_HIDDEN, CHART_NONE, NULL)))
		return e;
	return add_text(p, lw + 52.0 * 5 + 18, ly + 9, hidden_text(c), VALUE_SIZE, CA_START,
	    C_MUTED, 0);
}

xa_err
chart_layout(const chart *c, chart_plot **out)
{
	*out = NULL;
	if (c == NULL || c->title == NULL || c->title[0] == '\0' || c->values == NULL ||
	    c->labels == NULL || c->n == 0 || c->n > CHART_MAX_LABELS)
		return XA_EINVAL;
	if (c->kind == CHART_HEAT && (c->rows == 0 || c->rows > CHART_MAX_ROWS ||
	    c->row_labels == NULL))
		return XA_EINVAL;
	if (c->kind != CHART_BAR && c->kind != CHART_LINE && c->kind != CHART_HEAT)
		return XA_EINVAL;
	chart_plot *p = calloc(1, sizeof *p);
	if (p == NULL)
		return XA_ENOMEM;
	p->width = c->width > 0 ? c->width : 480;
	if (c->kind == CHART_HEAT)
		p->height = TITLE_H + HEAT_HEAD_H + HEAT_ROW_H * (double)c->rows + LEGEND_H;
	else
		p->height = c->height > 0 ? c->height : 220;
	xa_err e = XA_ENOMEM;
	if ((p->title = dup_text(c->title)) == NULL)
		goto fail;
	char t[200];
	fit_text(c->title, TITLE_SIZE, p->width, t, sizeof t);
	if ((e = add_text(p, 0, 16, t, TITLE_SIZE, CA_START, C_INK, 1)) != XA_OK)
		goto fail;
	e = c->kind == CHART_HEAT ? layout_heat(c, p) : layout_xy(c, p);
	if (e != XA_OK)
		goto fail;
	*out = p;
	return XA_OK;
fail:
	chart_plot_free(p);
	return e;
}

/* ------------------------------------------------------------------ */
/* SVG. */

/* Appends s escaped for element text and quoted attributes. */
static xa_err
put_esc(buf *b, const char *s)
{
	xa_err e = XA_OK;
	for (; *s && e == XA_OK; s++) {
		switch (*s) {
		case '&': e = buf_puts(b, "&amp;"); break;
		case '<': e = buf_puts(b, "&lt;"); break;
		case '>': e = buf_puts(b, "&gt;"); break;
		case '"': e = buf_puts(b, "&quot;"); break;
		case '\'': e = buf_puts(b, "&#39;"); break;
		default:
			/* Control characters have no place in SVG text. */
			e = (unsigned char)*s < 0x20 ? buf_putc(b, ' ') : buf_putc(b, *s);
		}
	}
	return e;
}

static xa_err
put_colour(buf *b, const char *attr, uint32_t c)
{
	if (c == CHART_NONE)
		return buf_printf(b, " %s=\"none\"", attr);
	return buf_printf(b, " %s=\"#%06X\"", attr, (unsigned)c);
}

static xa_err
svg_prim(const chart_plot *p, const chart_prim *q, buf *b)
{
	static const char *const anchors[] = { "start", "middle", "end" };
	xa_err e = XA_OK;
	switch (q->kind) {
	case CP_RECT:
		e = buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"",
		    q->x, q->y, q->w, q->h);
		if (e == XA_OK)
			e = put_colour(b, "fill", q->fill);
		if (e == XA_OK && q->stroke != CHART_NONE) {
			e = put_colour(b, "stroke", q->stroke);
			if (e == XA_OK)
				e = buf_printf(b, " stroke-width=\"%.1f\"", q->stroke_w);
		}
		break;
	case CP_LINE:
		e = buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\""
		    " stroke-width=\"%.1f\"", q->x, q->y, q->w, q->h, q->stroke_w);
		if (e == XA_OK)
			e = put_colour(b, "stroke", q->stroke);
		break;
	case CP_POLYLINE:
		e = buf_puts(b, "<polyline fill=\"none\" points=\"");
		for (size_t i = 0; i < q->npts && e == XA_OK; i++)
			e = buf_printf(b, "%s%.1f,%.1f", i ? " " : "", p->pts[2 * (q->pt0 + i)],
			    p->pts[2 * (q->pt0 + i) + 1]);
		if (e == XA_OK)
			e = buf_printf(b, "\" stroke-width=\"%.1f\" stroke-linejoin=\"round\"",
			    q->stroke_w);
		if (e == XA_OK)
			e = put_colour(b, "stroke", q->stroke);
		break;
	case CP_CIRCLE:
		e = buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" stroke-width=\"%.1f\"",
		    q->x, q->y, q->w, q->stroke_w);
		if (e == XA_OK)
			e = put_colour(b, "fill", q->fill);
		if (e == XA_OK)
			e = put_colour(b, "stroke", q->stroke);
		break;
	case CP_TEXT:
		e = buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.1f\""
		    " text-anchor=\"%s\"%s", q->x, q->y, q->size, anchors[q->anchor],
		    q->bold ? " font-weight=\"bold\"" : "");
		if (e == XA_OK)
			e = put_colour(b, "fill", q->fill);
		if (e == XA_OK)
			e = buf_putc(b, '>');
		if (e == XA_OK)
			e = put_esc(b, q->text);
		if (e == XA_OK)
			e = buf_puts(b, "</text>");
		return e;
	}
	if (e != XA_OK)
		return e;
	if (q->text == NULL)
		return buf_puts(b, "/>");
	e = buf_puts(b, "><title>");
	if (e == XA_OK)
		e = put_esc(b, q->text);
	if (e == XA_OK)
		e = buf_printf(b, "</title></%s>", q->kind == CP_RECT ? "rect" :
		    q->kind == CP_CIRCLE ? "circle" : q->kind == CP_LINE ? "line" : "polyline");
	return e;
}

xa_err
chart_svg(const chart_plot *p, buf *out)
{
	size_t start = out->len;
	xa_err e = buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\""
	    " viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" role=\"img\" font-family=\"%s\""
	    " aria-label=\"", p->width, p->height, SVG_FONTS);
	if (e == XA_OK)
		e = put_esc(out, p->title);
	if (e == XA_OK)
		e = buf_puts(out, "\"><title>");
	if (e == XA_OK)
		e = put_esc(out, p->title);
	if (e == XA_OK)
		e = buf_puts(out, "</title>");
	for (size_t i = 0; i < p->n && e == XA_OK; i++)
		e = svg_prim(p, &p->prims[i], out);
	if (e == XA_OK)
		e = buf_puts(out, "</svg>");
	if (e != XA_OK) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
	}
	return e;
}

xa_err
chart_render_svg(const chart *c, buf *out)
{
	chart_plot *p = NULL;
	xa_err e = chart_layout(c, &p);
	if (e == XA_OK)
		e = chart_svg(p, out);
	chart_plot_free(p);
	return e;
}

/* ------------------------------------------------------------------ */
/* cairo. */

static void
set_rgb(cairo_t *cr, uint32_t c)
{
	cairo_set_source_rgb(cr, ((c >> 16) & 0xFF) / 255.0, ((c >> 8) & 0xFF) / 255.0,
	    (c & 0xFF) / 255.0);
}

static void
cairo_text(cairo_t *cr, const chart_prim *q)
{
	PangoLayout *l = pango_cairo_create_layout(cr);
	PangoFontDescription *fd = pango_font_description_new();
	pango_font_description_set_family(fd, FONT);
	pango_font_description_set_absolute_size(fd, q->size * PANGO_SCALE);
	pango_font_description_set_weight(fd, q->bold ? PANGO_WEIGHT_BOLD :
	    PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(l, fd);
	/* Plain text, never markup. */
	pango_layout_set_text(l, q->text, -1);
	PangoRectangle log;
	pango_layout_get_extents(l, NULL, &log);
	double w = (double)log.width / PANGO_SCALE;
	double base = (double)pango_layout_get_baseline(l) / PANGO_SCALE;
	double x = q->x - (q->anchor == CA_MIDDLE ? w / 2 : q->anchor == CA_END ? w : 0);
	set_rgb(cr, q->fill == CHART_NONE ? C_INK : q->fill);
	cairo_move_to(cr, x, q->y - base);
	pango_cairo_show_layout(cr, l);
	pango_font_description_free(fd);
	g_object_unref(l);
}

void
chart_cairo(const chart_plot *p, cairo_t *cr, double x, double y, double s)
{
	cairo_save(cr);
	cairo_translate(cr, x, y);
	cairo_scale(cr, s, s);
	for (size_t i = 0; i < p->n; i++) {
		const chart_prim *q = &p->prims[i];
		cairo_new_path(cr);
		switch (q->kind) {
		case CP_RECT:
			cairo_rectangle(cr, q->x, q->y, q->w, q->h);
			break;
		case CP_LINE:
			cairo_move_to(cr, q->x, q->y);
			cairo_line_to(cr, q->w, q->h);
			break;
		case CP_POLYLINE:
			for (size_t k = 0; k < q->npts; k++) {
				double px = p->pts[2 * (q->pt0 + k)], py = p->pts[2 * (q->pt0 + k) + 1];
				if (k == 0)
					cairo_move_to(cr, px, py);
				else
					cairo_line_to(cr, px, py);
			}
			cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
			break;
		case CP_CIRCLE:
			cairo_arc(cr, q->x, q->y, q->w, 0, 2 * M_PI);
			break;
		case CP_TEXT:
			cairo_text(cr, q);
			continue;
		}
		if (q->fill != CHART_NONE) {
			set_rgb(cr, q->fill);
			if (q->stroke != CHART_NONE)
				cairo_fill_preserve(cr);
			else
				cairo_fill(cr);
		}
		if (q->stroke != CHART_NONE) {
			set_rgb(cr, q->stroke);
			cairo_set_line_width(cr, q->stroke_w);
			cairo_stroke(cr);
		}
		cairo_new_path(cr);
	}
	cairo_restore(cr);
}
