/* test_chart.c: the bureau's charts (src/bureau/chart.c).
 *
 * Known data laid out and written as SVG: one bar (with its <title>) per
 * shown value, the labels and numbers as text, hidden values drawn as
 * "—" without a bar, a line's points and its break at a hidden point,
 * the heat map's cells coloured by share, texts escaped (a label with
 * markup stays text), bad charts refused, the output cap respected. Then
 * the same plots painted with cairo onto a recording surface (ink where
 * the bars are) and onto a PDF surface, without error. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bureau/chart.h"
#include "core/buf.h"
#include "core/utf8.h"

/* Under AddressSanitizer: cairo 1.16 and fontconfig keep a little memory
 * that no call of ours frees (see tests/unit/test_dossier.c). */
const char *__asan_default_options(void);
const char *__lsan_default_suppressions(void);

const char *
__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0:malloc_context_size=20";
}

const char *
__lsan_default_suppressions(void)
{
	return "leak:cairo_surface_finish\n"
	    "leak:libfontconfig.so\n"
	    "leak:libpango\n"
	    "leak:libharfbuzz\n";
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static const char *const months[] = { "9月", "10月", "11月", "12月" };

static char *
render(const chart *c)
{
	buf b;
	buf_init(&b, 1u << 20);
	assert_int_equal(chart_render_svg(c, &b), XA_OK);
	size_t len;
	return buf_steal(&b, &len);
}

static void
test_bars(void **state)
{
	(void)state;
	const double v[] = { 3, 12, 0, 7 };
	chart c = { .kind = CHART_BAR, .title = "各月受理事件数", .n = 4, .labels = months,
		.values = v, .unit = "件" };
	char *s = render(&c);
	assert_true(strncmp(s, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
	assert_non_null(strstr(s, "</svg>"));
	assert_non_null(strstr(s, "<title>各月受理事件数</title>"));
	assert_non_null(strstr(s, "aria-label=\"各月受理事件数\""));
	/* One bar per value, each with its tooltip; a zero bar has no
	 * height but is there. */
	assert_int_equal(count(s, "<rect "), 4);
	assert_non_null(strstr(s, "<title>10月：12件</title>"));
	assert_non_null(strstr(s, "<title>9月：3件</title>"));
	/* Labels and values as text. */
	assert_non_null(strstr(s, ">11月</text>"));
	assert_non_null(strstr(s, ">12件</text>"));
	assert_non_null(strstr(s, ">7件</text>"));
	/* The axis reaches past the largest value: 15 with a step of 5. */
	assert_non_null(strstr(s, ">15</text>"));
	/* The tallest bar is the 12. */
	chart_plot *p = NULL;
	assert_int_equal(chart_layout(&c, &p), XA_OK);
	double hmax = 0, h12 = -1;
	for (size_t i = 0; i < p->n; i++)
		if (p->prims[i].kind == CP_RECT) {
			if (p->prims[i].h > hmax)
				hmax = p->prims[i].h;
			if (strcmp(p->prims[i].text, "10月：12件") == 0)
				h12 = p->prims[i].h;
		}
	assert_true(hmax > 0 && h12 == hmax);
	chart_plot_free(p);
	free(s);
}

static void
test_hidden_and_escaping(void **state)
{
	(void)state;
	const char *const labels[] = { "甲镇", "<b>乙镇</b>", "丙&丁" };
	const double v[] = { 8, 3, 9 };
	const unsigned char hid[] = { 0, 1, 0 };
	chart c = { .kind = CHART_BAR, .title = "A \"title\" <x>", .n = 3, .labels = labels,
		.values = v, .hidden = hid };
	char *s = render(&c);
	/* Two bars only; the hidden value is a dash, its number nowhere. */
	assert_int_equal(count(s, "<rect "), 2);
	assert_non_null(strstr(s, ">—</text>"));
	assert_null(strstr(s, ">3</text>"));
	/* Markup in data stays text. */
	assert_null(strstr(s, "<b>"));
	assert_non_null(strstr(s, "&lt;b&gt;乙镇&lt;/b&gt;"));
	assert_non_null(strstr(s, "丙&amp;丁"));
	assert_non_null(strstr(s, "A &quot;title&quot; &lt;x&gt;"));
	free(s);
}

static void
test_line(void **state)
{
	(void)state;
	const double v[] = { 4, 6, 5, 9 };
	const unsigned char hid[] = { 0, 0, 1, 0 };
	chart c = { .kind = CHART_LINE, .title = "趋势", .n = 4, .labels = months, .values = v };
	char *s = render(&c);
	assert_int_equal(count(s, "<polyline "), 1);
	assert_int_equal(count(s, "<circle "), 4);
	assert_non_null(strstr(s, "<title>12月：9</title>"));
	free(s);
	/* A hidden point breaks the line in two and has no point. */
	c.hidden = hid;
	s = render(&c);
	assert_int_equal(count(s, "<polyline "), 2);
	assert_int_equal(count(s, "<circle "), 3);
	assert_null(strstr(s, "11月：5"));
	free(s);
}

static void
test_heat(void **state)
{
	(void)state;
	const char *const cols[] = { "专题教育", "主题班会" };
	const char *const rows[] = { "甲镇", "乙镇", "丙镇" };
	const double v[] = { 100, 50, 0, 80, 60, 20 };
	const unsigned char hid[] = { 0, 0, 0, 0, 1, 0 };
	chart c = { .kind = CHART_HEAT, .title = "完成情况", .n = 2, .labels = cols,
		.values = v, .hidden = hid, .rows = 3, .row_labels = rows, .unit = "%" };
	char *s = render(&c);
	/* Six cells with tooltips, plus the legend's six swatches. */
	assert_int_equal(count(s, "<rect "), 6 + 6);
	assert_non_null(strstr(s, "<title>甲镇 · 专题教育：100%</title>"));
	assert_non_null(strstr(s, "<title>乙镇 · 专题教育：0%</title>"));
	assert_non_null(strstr(s, "<title>丙镇 · 专题教育：—</title>"));
	assert_non_null(strstr(s, ">主题班会</text>"));
	assert_non_null(strstr(s, ">丙镇</text>"));
	/* Colour by share: green at 100, red at 0. */
	char want[32];
	snprintf(want, sizeof want, "fill=\"#%06X\"", (unsigned)chart_heat_colour(100));
	assert_non_null(strstr(s, want));
	assert_int_equal(chart_heat_colour(100), 0x2F9E5B);
	assert_int_equal(chart_heat_colour(0), 0xD9534F);
	assert_int_equal(chart_heat_colour(50), 0xF0B429);
	free(s);
}

static void
test_refused(void **state)
{
	(void)state;
	const double v[] = { 1 };
	const char *const l[] = { "x" };
	chart_plot *p = NULL;
	chart c = { .kind = CHART_BAR, .title = NULL, .n = 1, .labels = l, .values = v };
	assert_int_equal(chart_layout(&c, &p), XA_EINVAL);
	c.title = "";
	assert_int_equal(chart_layout(&c, &p), XA_EINVAL);
	c.title = "t";
	c.n = 0;
	assert_int_equal(chart_layout(&c, &p), XA_EINVAL);
	c.n = CHART_MAX_LABELS + 1;
	assert_int_equal(chart_layout(&c, &p), XA_EINVAL);
	c.n = 1;
	c.kind = CHART_HEAT;
	assert_int_equal(chart_layout(&c, &p), XA_EINVAL);
	assert_null(p);
	/* The output cap: nothing half written. */
	c.kind = CHART_BAR;
	buf b;
	buf_init(&b, 64);
	assert_int_equal(buf_puts(&b, "x"), XA_OK);
	assert_int_equal(chart_render_svg(&c, &b), XA_ETOOBIG);
	assert_int_equal(b.len, 1);
	assert_string_equal(b.data, "x");
	buf_free(&b);
}

static cairo_status_t
sink(void *closure, const unsigned char *data, unsigned int len)
{
	size_t *n = closure;
	(void)data;
	*n += len;
	return CAIRO_STATUS_SUCCESS;
}

static void
test_cairo(void **state)
{
	(void)state;
	const double v[] = { 3, 12, 0, 7 };
	chart c = { .kind = CHART_BAR, .title = "各月受理事件数", .n = 4, .labels = months,
		.values = v };
	chart_plot *p = NULL;
	assert_int_equal(chart_layout(&c, &p), XA_OK);
	/* A recording surface: ink inside the plot's box. */
	cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
	cairo_t *cr = cairo_create(rec);
	chart_cairo(p, cr, 10, 20, 1);
	assert_int_equal(cairo_status(cr), CAIRO_STATUS_SUCCESS);
	cairo_destroy(cr);
	double x, y, w, h;
	cairo_recording_surface_ink_extents(rec, &x, &y, &w, &h);
	assert_true(w > 100 && h > 100);
	assert_true(x >= 9 && y >= 19);
	assert_true(x + w <= 10 + p->width + 2 && y + h <= 20 + p->height + 2);
	cairo_surface_destroy(rec);

	/* A PDF surface, the heat map scaled to half, as the report does. */
	const char *const cols[] = { "专题教育", "主题班会" };
	const char *const rows[] = { "甲镇", "乙镇" };
	const double hv[] = { 100, 50, 0, 80 };
	chart hc = { .kind = CHART_HEAT, .title = "完成情况", .n = 2, .labels = cols,
		.values = hv, .rows = 2, .row_labels = rows, .unit = "%" };
	chart_plot *hp = NULL;
	assert_int_equal(chart_layout(&hc, &hp), XA_OK);
	size_t bytes = 0;
	cairo_surface_t *pdf = cairo_pdf_surface_create_for_stream(sink, &bytes, 595, 842);
	cr = cairo_create(pdf);
	chart_cairo(p, cr, 50, 50, 1);
	chart_cairo(hp, cr, 50, 400, 0.5);
	assert_int_equal(cairo_status(cr), CAIRO_STATUS_SUCCESS);
	cairo_show_page(cr);
	cairo_destroy(cr);
	cairo_surface_finish(pdf);
	assert_int_equal(cairo_surface_status(pdf), CAIRO_STATUS_SUCCESS);
	cairo_surface_destroy(pdf);
	assert_true(bytes > 1000);
	chart_plot_free(p);
	chart_plot_free(hp);
}

/* Labels longer than the drawing's buffers (a township of 120
 * characters is 360 bytes; the tooltips held 256 and 320): the SVG stays
 * UTF-8, each text cut on a character (a cut inside one made the page's
 * JSON refuse the chart). */
static void
test_long_labels(void **state)
{
	(void)state;
	char lng[512];
	size_t k = 0;
	for (int i = 0; i < 120; i++)
		k += (size_t)snprintf(lng + k, sizeof lng - k, "长");
	const char *const cols[] = { "专题教育", "主题班会" };
	const char *const rows[] = { lng, "乙镇" };
	const double v[] = { 100, 50, 0, 80 };
	chart h = { .kind = CHART_HEAT, .title = lng, .n = 2, .labels = cols, .values = v,
		.rows = 2, .row_labels = rows, .unit = "%" };
	char *s = render(&h);
	assert_true(utf8_valid(s, strlen(s)));
	/* The tooltip keeps as much of the name as fits, whole characters. */
	assert_non_null(strstr(s, "<title>长长长长长长长长长长"));
	free(s);
	const char *const labels[] = { lng, "乙镇", lng, "丁镇" };
	const double bv[] = { 3, 9, 12, 4 };
	chart b = { .kind = CHART_BAR, .title = "各乡镇", .n = 4, .labels = labels, .values = bv };
	s = render(&b);
	assert_true(utf8_valid(s, strlen(s)));
	free(s);
	b.kind = CHART_LINE;
	s = render(&b);
	assert_true(utf8_valid(s, strlen(s)));
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bars),
		cmocka_unit_test(test_hidden_and_escaping),
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_heat),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_cairo),
		cmocka_unit_test(test_long_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
