/* slips_pdf.c: the slips of a class as a PDF to print and cut (survey.h
 * slips_pdf): A4, ten slips a page in two columns, each with the school,
 * the class, the QR code of its answering address (libqrencode, drawn
 * module by module with cairo), the code in large letters and how to
 * answer, laid out by pango in the Noto CJK fonts. Runs on a worker.
 *
 * Never: put anything on a slip that could name the student who gets it
 * (a slip is handed out at random), or pass model text to a format. */
#include "survey.h"

#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#define PAGE_W 595.28
#define PAGE_H 841.89
#define MARGIN 36.0
#define COLS 2
#define ROWS 5
#define CELL_W ((PAGE_W - 2 * MARGIN) / COLS)
#define CELL_H ((PAGE_H - 2 * MARGIN) / ROWS)
#define QR_SIZE 92.0
#define PAD 10.0
#define SANS "Noto Sans CJK SC"

typedef struct sink {
	buf *out;
	xa_err err;
} sink;

/* cairo's write callback: appends, and after a refusal (the cap) drops
 * the rest quietly (see dossier.c on cairo's assertion). */
static cairo_status_t
sink_write(void *closure, const unsigned char *data, unsigned int len)
{
	sink *s = closure;
	if (s->err == XA_OK)
		s->err = buf_append(s->out, data, len);
	return CAIRO_STATUS_SUCCESS;
}

/* Text at (x, y), width points wide (-1: one line, never wrapped), in the font "SANS <weight> <size>". */
static void
text(cairo_t *cr, const char *t, double x, double y, double width, const char *font)
{
	PangoLayout *l = pango_cairo_create_layout(cr);
	PangoFontDescription *fd = pango_font_description_from_string(font);
	pango_layout_set_font_description(l, fd);
	pango_layout_set_width(l, width < 0 ? -1 : (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_text(l, t, -1);
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, l);
	pango_font_description_free(fd);
	g_object_unref(l);
}

/* The QR code of url, size points square, at (x, y). */
static xa_err
qr(cairo_t *cr, const char *url, double x, double y, double size)
{
	QRcode *q = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (q == NULL)
		return XA_ENOMEM;
	int quiet = 2;
	double m = size / (q->width + 2 * quiet);
	cairo_set_source_rgb(cr, 0, 0, 0);
	for (int r = 0; r < q->width; r++)
		for (int c = 0; c < q->width; c++)
			if (q->data[r * q->width + c] & 1)
				cairo_rectangle(cr, x + (c + quiet) * m, y + (r + quiet) * m, m, m);
	cairo_fill(cr);
	QRcode_free(q);
	return XA_OK;
}

/* The dashed lines to cut along. */
static void
cut_lines(cairo_t *cr)
{
	static const double dash[] = { 4.0, 3.0 };
	cairo_save(cr);
	cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
	cairo_set_line_width(cr, 0.5);
	cairo_set_dash(cr, dash, 2, 0);
	for (int c = 0; c <= COLS; c++) {
		cairo_move_to(cr, MARGIN + c * CELL_W, MARGIN);
		cairo_line_to(cr, MARGIN + c * CELL_W, PAGE_H - MARGIN);
	}
	for (int r = 0; r <= ROWS; r++) {
		cairo_move_to(cr, MARGIN, MARGIN + r * CELL_H);
		cairo_line_to(cr, PAGE_W - MARGIN, MARGIN + r * CELL_H);
	}
	cairo_stroke(cr);
	cairo_restore(cr);
}

static const char *
str(const json_t *m, const char *k)
{
	const char *s = json_string_value(json_object_get(m, k));
	return s ? s : "";
}

xa_err
slips_pdf(const json_t *model, buf *out)
{
	const json_t *slips = json_object_get(model, "slips");
	if (!json_is_array(slips))
		return XA_EINVAL;
	sink sk = { out, XA_OK };
	cairo_surface_t *surf = cairo_pdf_surface_create_for_stream(sink_write, &sk, PAGE_W,
	    PAGE_H);
	cairo_t *cr = cairo_create(surf);
	xa_err e = XA_OK;
	char head[512], url[256];
	const char *base = str(model, "base");
	snprintf(head, sizeof head, "%s · %s", str(model, "school"), str(model, "class_name"));
	size_t n = json_array_size(slips);
	for (size_t i = 0; i < n && e == XA_OK && sk.err == XA_OK; i++) {
		size_t k = i % (COLS * ROWS);
		if (k == 0) {
			if (i > 0)
				cairo_show_page(cr);
			cut_lines(cr);
		}
		double x = MARGIN + (double)(k % COLS) * CELL_W + PAD;
		double y = MARGIN + (double)(k / COLS) * CELL_H + PAD;
		const char *shown = json_string_value(json_array_get(slips, i));
		if (shown == NULL)
			continue;
		/* The address in the QR code: the code without dashes. */
		char plain[SLIP_LEN + 1];
		size_t p = 0;
		for (const char *c = shown; *c && p < SLIP_LEN; c++)
			if (*c != '-')
				plain[p++] = *c;
		plain[p] = '\0';
		int w = snprintf(url, sizeof url, "%s%s", base, plain);
		if (w < 0 || (size_t)w >= sizeof url) {
			e = XA_ETOOBIG;
			break;
		}
		cairo_set_source_rgb(cr, 0, 0, 0);
		text(cr, str(model, "title"), x, y, CELL_W - 2 * PAD, SANS " Bold 10");
		text(cr, head, x, y + 16, CELL_W - 2 * PAD, SANS " 8");
		text(cr, shown, x, y + 31, -1, "DejaVu Sans Mono Bold 13");
		e = qr(cr, url, x - 4, y + 50, QR_SIZE);
		double tx = x + QR_SIZE + 2, tw = CELL_W - 2 * PAD - QR_SIZE - 2;
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		text(cr, str(model, "how"), tx, y + 58, tw, SANS " 7");
		text(cr, base, tx, y + 116, tw, "DejaVu Sans Mono 6");
	}
	cairo_destroy(cr);
	cairo_surface_finish(surf);
	if (e == XA_OK && cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS)
		e = XA_EIO;
	cairo_surface_destroy(surf);
	if (e == XA_OK)
		e = sk.err;
	return e;
}
