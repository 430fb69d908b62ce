/* returns_export.c: a month of returns as the bureau files it: an xlsx
 * workbook (libxlsxwriter) with a summary sheet by township and the city,
 * and one sheet per township listing its schools; and the same schools
 * as CSV. Numbers are written as numbers, headings in the reader's
 * language (Chinese first).
 *
 * Runs on a worker thread (the xlsx) or the loop (the CSV) over data the
 * handler collected: it must never touch the database, and never write
 * anything that names a person — schools, townships, states and counts
 * only (the schools' remarks stay on their pages). */
#include "returns.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "../core/arena.h"
#include "../core/buf.h"
#include "../core/csv.h"
#include "../core/i18n.h"
#include "../core/utf8.h"

/* Caps: a sheet name (Excel's rule) and an export. */
#define SHEET_NAME_MAX 31
#define EXPORT_MAX (16u << 20)

/* The label of figure k. */
static const char *
fig_label(const char *lang, int k)
{
	char key[80];
	snprintf(key, sizeof key, "returns.fig.%s", return_figs[k].name);
	return i18n(lang, key);
}

/* The value of figure k as a spreadsheet shows it: training in hours. */
static double
fig_value(const ret_figures *f, int k)
{
	return k == RF_TRAINING_TENTHS ? (double)f->v[k] / 10.0 : (double)f->v[k];
}

static const char *
state_label(const char *lang, const return_school *s)
{
	char key[48];
	if (s->missing)
		return i18n(lang, "returns.state.missing");
	snprintf(key, sizeof key, "returns.state.%s", return_states[s->state]);
	return i18n(lang, key);
}

/* "2026-10-03 09:12" in the bureau's configured zone (the handler passes
 * it), as its pages show the same time. */
static void
when_text(int64_t at, long zone, char out[17])
{
	if (at <= 0) {
		out[0] = '\0';
		return;
	}
	time_format(at, zone, ' ', out);
}

/* A sheet name from a township's: Excel forbids []:*?/\ and more than
 * 31 characters; a clash gets a number. */
static void
sheet_name(lxw_workbook *wb, const char *name, char *out, size_t len)
{
	size_t n = 0, chars = 0;
	for (const char *p = name; *p && chars < SHEET_NAME_MAX - 4 && n + 5 < len;) {
		size_t k = 1;
		unsigned char c = (unsigned char)*p;
		if (c >= 0xf0)
			k = 4;
		else if (c >= 0xe0)
			k = 3;
		else if (c >= 0xc0)
			k = 2;
		if (strchr("[]:*?/\\'", *p) != NULL && k == 1) {
			out[n++] = '_';
		} else {
			for (size_t i = 0; i < k && p[i]; i++)
				out[n++] = p[i];
		}
		p += k;
		chars++;
	}
	out[n] = '\0';
	if (n == 0)
		snprintf(out, len, "Sheet");
	/* base holds at most SHEET_NAME_MAX - 4 characters of 4 bytes; the
	 * number is added whole or not at all, never cutting a character. */
	char base[128];
	(void)utf8_copy(base, sizeof base, out);
	for (int i = 2; workbook_validate_sheet_name(wb, out) != LXW_NO_ERROR && i < 1000; i++) {
		int w = snprintf(out, len, "%s(%d)", base, i);
		if (w < 0 || (size_t)w >= len) {
			(void)utf8_copy(out, len, base);
			break;
		}
	}
}

/* Sums of the counted returns of s[from..to). */
struct tally {
	long schools, counted, accepted, sent_back, late, missing;
	ret_figures f;
};

static void
tally_add(struct tally *t, const return_school *s)
{
	t->schools++;
	if (s->counted)
		t->counted++;
	if (s->state == RS_ACCEPTED)
		t->accepted++;
	if (s->state == RS_SENT_BACK)
		t->sent_back++;
	if (s->late)
		t->late++;
	if (s->missing)
		t->missing++;
	if (s->counted)
		for (int k = 0; k < RF__COUNT; k++)
			t->f.v[k] += s->f.v[k];
}

static const char *
township_of(const char *lang, const return_school *s)
{
	return s->township_id != 0 ? s->township : i18n(lang, "returns.direct");
}

xa_err
returns_xlsx(const char *lang, const ret_month *m, xa_day due, const return_school *s,
    size_t n, long zone, const char *tmpdir, char **data, size_t *len)
{
	*data = NULL;
	*len = 0;
	char path[512];
	int w = snprintf(path, sizeof path, "%s/xiaoan-returns-XXXXXX", tmpdir ? tmpdir : "/tmp");
	if (w < 0 || (size_t)w >= sizeof path)
		return XA_ETOOBIG;
	int fd = mkstemp(path);
	if (fd < 0)
		return XA_EIO;
	close(fd);
	lxw_workbook_options opt = { .constant_memory = LXW_FALSE,
		.tmpdir = (char *)(tmpdir ? tmpdir : "/tmp"), .use_zip64 = LXW_FALSE };
	lxw_workbook *wb = workbook_new_opt(path, &opt);
	if (wb == NULL) {
		unlink(path);
		return XA_EIO;
	}
	lxw_format *head = workbook_add_format(wb);
	format_set_bold(head);
	format_set_text_wrap(head);
	format_set_bg_color(head, 0xDDEBF7);
	format_set_border(head, LXW_BORDER_THIN);
	lxw_format *bold = workbook_add_format(wb);
	format_set_bold(bold);
	lxw_format *hours = workbook_add_format(wb);
	format_set_num_format(hours, "0.0");
	char mon[8], duet[11];
	ret_month_format(m, mon);
	day_format(due, duet);

	/* The summary: one row per township, then the city. */
	lxw_worksheet *sum = workbook_add_worksheet(wb, i18n(lang, "returns.x.summary"));
	arena *a = arena_new(4096, 0);
	const char *title = a ? i18n_fill(a, lang, "returns.x.title", "month", mon, "due", duet,
	    NULL) : mon;
	worksheet_write_string(sum, 0, 0, title, bold);
	static const char *const tally_keys[] = { "returns.x.township", "returns.x.schools",
		"returns.x.counted", "returns.x.accepted", "returns.x.sent_back", "returns.x.late",
		"returns.x.missing" };
	const int nt = 7;
	for (int c = 0; c < nt; c++)
		worksheet_write_string(sum, 2, (lxw_col_t)c, i18n(lang, tally_keys[c]), head);
	for (int k = 0; k < RF__COUNT; k++)
		worksheet_write_string(sum, 2, (lxw_col_t)(nt + k), fig_label(lang, k), head);
	worksheet_set_column(sum, 0, 0, 22, NULL);
	worksheet_set_column(sum, 1, (lxw_col_t)(nt + RF__COUNT - 1), 11, NULL);
	worksheet_set_column(sum, (lxw_col_t)(nt + RF_TRAINING_TENTHS),
	    (lxw_col_t)(nt + RF_TRAINING_TENTHS), 11, hours);
	worksheet_freeze_panes(sum, 3, 1);
	struct tally city;
	memset(&city, 0, sizeof city);
	lxw_row_t row = 3;
	int ok = 1;
	for (size_t i = 0; i < n && ok;) {
		size_t j = i;
		struct tally t;
		memset(&t, 0, sizeof t);
		while (j < n && s[j].township_id == s[i].township_id)
			tally_add(&t, &s[j++]);
		for (size_t k = i; k < j; k++)
			tally_add(&city, &s[k]);
		const char *tn = township_of(lang, &s[i]);
		long tv[] = { t.schools, t.counted, t.accepted, t.sent_back, t.late, t.missing };
		worksheet_write_string(sum, row, 0, tn, NULL);
		for (int c = 0; c < 6; c++)
			worksheet_write_number(sum, row, (lxw_col_t)(c + 1), (double)tv[c], NULL);
		for (int k = 0; k < RF__COUNT; k++)
			worksheet_write_number(sum, row, (lxw_col_t)(nt + k), fig_value(&t.f, k), NULL);
		row++;

		/* The township's own sheet: its schools. */
		char name[160];
		sheet_name(wb, tn, name, sizeof name);
		lxw_worksheet *ws = workbook_add_worksheet(wb, name);
		if (ws == NULL) {
			ok = 0;
			break;
		}
		static const char *const cols[] = { "returns.x.school", "returns.x.state",
			"returns.x.late", "returns.x.submitted_at" };
		for (int c = 0; c < 4; c++)
			worksheet_write_string(ws, 0, (lxw_col_t)c, i18n(lang, cols[c]), head);
		for (int k = 0; k < RF__COUNT; k++)
			worksheet_write_string(ws, 0, (lxw_col_t)(4 + k), fig_label(lang, k), head);
		worksheet_set_column(ws, 0, 0, 28, NULL);
		worksheet_set_column(ws, 1, 2, 10, NULL);
		worksheet_set_column(ws, 3, 3, 17, NULL);
		worksheet_set_column(ws, 4, (lxw_col_t)(4 + RF__COUNT - 1), 11, NULL);
		worksheet_set_column(ws, (lxw_col_t)(4 + RF_TRAINING_TENTHS),
		    (lxw_col_t)(4 + RF_TRAINING_TENTHS), 11, hours);
		worksheet_freeze_panes(ws, 1, 1);
		lxw_row_t r = 1;
		for (size_t k = i; k < j; k++, r++) {
			char at[17];
			when_text(s[k].submitted_at, zone, at);
			worksheet_write_string(ws, r, 0, s[k].name, NULL);
			worksheet_write_string(ws, r, 1, state_label(lang, &s[k]), NULL);
			worksheet_write_string(ws, r, 2, s[k].late ? i18n(lang, "returns.x.yes") : "", NULL);
			worksheet_write_string(ws, r, 3, at, NULL);
			if (!s[k].counted)
				continue;
			for (int f = 0; f < RF__COUNT; f++)
				worksheet_write_number(ws, r, (lxw_col_t)(4 + f), fig_value(&s[k].f, f),
				    NULL);
		}
		i = j;
	}
	long cv[] = { city.schools, city.counted, city.accepted, city.sent_back, city.late,
		city.missing };
	worksheet_write_string(sum, row, 0, i18n(lang, "returns.x.city"), bold);
	for (int c = 0; c < 6; c++)
		worksheet_write_number(sum, row, (lxw_col_t)(c + 1), (double)cv[c], bold);
	for (int k = 0; k < RF__COUNT; k++)
		worksheet_write_number(sum, row, (lxw_col_t)(nt + k), fig_value(&city.f, k), bold);
	worksheet_write_string(sum, row + 2, 0, i18n(lang, "returns.x.note"), NULL);
	arena_free(a);
	lxw_error le = workbook_close(wb);
	if (!ok || le != LXW_NO_ERROR) {
		unlink(path);
		return XA_EIO;
	}
	FILE *f = fopen(path, "rb");
	xa_err e = XA_OK;
	if (f == NULL) {
		unlink(path);
		return XA_EIO;
	}
	buf b;
	buf_init(&b, EXPORT_MAX);
	char chunk[65536];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 && e == XA_OK)
		e = buf_append(&b, chunk, got);
	if (ferror(f))
		e = XA_EIO;
	fclose(f);
	unlink(path);
	if (e != XA_OK) {
		buf_free(&b);
		return e;
	}
	*data = b.data;
	*len = b.len;
	return XA_OK;
}

xa_err
returns_csv(const char *lang, const ret_month *m, const return_school *s, size_t n,
    long zone, char **data, size_t *len)
{
	(void)m;
	*data = NULL;
	*len = 0;
	buf b;
	buf_init(&b, EXPORT_MAX);
	xa_err e = csv_put_bom(&b);
	static const char *const cols[] = { "returns.x.township", "returns.x.school",
		"returns.x.state", "returns.x.late", "returns.x.submitted_at" };
	for (int c = 0; c < 5 && e == XA_OK; c++)
		e = csv_put(&b, i18n(lang, cols[c]), c == 0);
	for (int k = 0; k < RF__COUNT && e == XA_OK; k++)
		e = csv_put(&b, fig_label(lang, k), 0);
	if (e == XA_OK)
		e = csv_end_row(&b);
	for (size_t i = 0; i < n && e == XA_OK; i++) {
		char at[17];
		when_text(s[i].submitted_at, zone, at);
		e = csv_put(&b, township_of(lang, &s[i]), 1);
		if (e == XA_OK)
			e = csv_put(&b, s[i].name, 0);
		if (e == XA_OK)
			e = csv_put(&b, state_label(lang, &s[i]), 0);
		if (e == XA_OK)
			e = csv_put(&b, s[i].late ? i18n(lang, "returns.x.yes") : "", 0);
		if (e == XA_OK)
			e = csv_put(&b, at, 0);
		for (int k = 0; k < RF__COUNT && e == XA_OK; k++) {
			char v[32] = "";
			if (s[i].counted && k == RF_TRAINING_TENTHS)
				snprintf(v, sizeof v, "%lld.%lld", s[i].f.v[k] / 10, s[i].f.v[k] % 10);
			else if (s[i].counted)
				snprintf(v, sizeof v, "%lld", s[i].f.v[k]);
			e = csv_put(&b, v, 0);
		}
		if (e == XA_OK)
			e = csv_end_row(&b);
	}
	if (e != XA_OK) {
		buf_free(&b);
		return e;
	}
	*data = b.data;
	*len = b.len;
	return XA_OK;
}
