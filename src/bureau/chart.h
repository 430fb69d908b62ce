/* chart.h: the bureau's charts — bars, a trend line, and a heat map
 * (rows × columns, coloured by a share) — laid out once and drawn either
 * as SVG text (inline in a page, readable without JavaScript: a <title>
 * for the chart, a <title> per bar, point and cell, every number also
 * written as text) or onto a cairo context (the city report's PDF).
 *
 * How: chart_layout() turns the data into a plot, a list of primitives
 * (rectangles, lines, a polyline, circles, texts) in the chart's own
 * units (a PDF point each); chart_svg() writes that list as SVG and
 * chart_cairo() paints the same list, so a page and the PDF show the same
 * picture. Text widths are estimated from the characters (a CJK character
 * one em, others about half), the same for both, so nothing depends on
 * the fonts a browser has.
 *
 * Never: put a caller's text into SVG unescaped, or into a printf format
 * or pango markup; read the database, the clock or any global state.
 * Thread-safe: each plot is its caller's. */
#ifndef XA_CHART_H
#define XA_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/err.h"

enum chart_kind {
	CHART_BAR,	/* one bar per label */
	CHART_LINE,	/* one point per label, joined: a trend */
	CHART_HEAT,	/* rows × labels cells, coloured by value (0..100) */
};

/* Caps: far above any chart the bureau draws (twelve months, a few
 * dozen townships), far below what would make a page heavy. */
#define CHART_MAX_LABELS 64
#define CHART_MAX_ROWS 64

typedef struct chart {
	enum chart_kind kind;
	const char *title;	/* above the chart, and its <title>; required */
	size_t n;		/* labels (bars, points, heat columns): 1..CHART_MAX_LABELS */
	const char *const *labels;
	/* Bars and lines: values[0..n). Heat: values[r * n + c] for
	 * r < rows, a share from 0 to 100. */
	const double *values;
	/* NULL, or a flag per value: 1 when the value is suppressed (too
	 * small to show) or missing; it is drawn as hidden_text, no bar,
	 * no point, a grey cell. */
	const unsigned char *hidden;
	size_t rows;		/* heat: 1..CHART_MAX_ROWS */
	const char *const *row_labels;	/* heat: rows names */
	const char *unit;	/* after a number in texts ("件", "%"), or NULL */
	int decimals;		/* digits after the point in texts: 0 or 1 */
	const char *hidden_text;	/* NULL: "—" */
	double width;		/* 0: 480 */
	double height;		/* bars, lines: 0: 220; heat: from the rows */
} chart;

/* One drawing instruction of a plot. Colours are 0xRRGGBB; CHART_NONE
 * draws no fill or no stroke. */
#define CHART_NONE 0xFFFFFFFFu

enum chart_prim_kind { CP_RECT, CP_LINE, CP_POLYLINE, CP_CIRCLE, CP_TEXT };
enum chart_anchor { CA_START, CA_MIDDLE, CA_END };

typedef struct chart_prim {
	enum chart_prim_kind kind;
	double x, y, w, h;	/* rect: corner and size; line: x,y → w,h
				 * (the end point); circle: centre and
				 * radius in w; text: the baseline's anchor */
	size_t pt0, npts;	/* polyline: points pts[2*pt0 ..] */
	uint32_t fill, stroke;
	double stroke_w;
	double size;		/* text: font size */
	enum chart_anchor anchor;
	int bold;
	char *text;		/* text: what is written; others: the
				 * tooltip (<title>), or NULL. Owned. */
} chart_prim;

typedef struct chart_plot {
	double width, height;
	char *title;		/* owned */
	chart_prim *prims;
	size_t n, cap;
	double *pts;		/* polyline points, x,y pairs */
	size_t npts, pts_cap;
} chart_plot;

/* Lays out c into a new plot (*out, freed with chart_plot_free()).
 * XA_EINVAL for a chart without a title or values, with no labels or more
 * than the caps, or a heat map without rows; XA_ENOMEM. */
xa_err chart_layout(const chart *c, chart_plot **out);
void chart_plot_free(chart_plot *p);

/* Appends p as one <svg> element (a viewBox of the plot's size, scaled to
 * the width of its container) to out. XA_ETOOBIG at out's cap (out is
 * then as it was). */
xa_err chart_svg(const chart_plot *p, buf *out);

/* Paints p onto cr with its top left corner at (x, y) and scale s (1: a
 * unit is a point), texts with pango in Noto Sans CJK. The cairo state is
 * saved and restored. */
struct _cairo;
void chart_cairo(const chart_plot *p, struct _cairo *cr, double x, double y,
    double s);

/* Lays out c and appends its SVG to out in one call. */
xa_err chart_render_svg(const chart *c, buf *out);

/* The heat map's colour of a share (0..100): red through amber to green. */
uint32_t chart_heat_colour(double share);

#endif
