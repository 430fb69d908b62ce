/* cityreport.c: the bureau's city report for a school year (the notice's
 * 四(三)): its model assembled from the platform's own records — cases,
 * the survey's results, prevention records and training, monthly returns,
 * inspections and accountability, the self-evaluations — and that model
 * rendered as an A4 PDF with charts (cairo + pango, the charts by
 * chart.c) and as an xlsx workbook (libxlsxwriter).
 *
 * The model reads counts only: no query here selects a name of a case's
 * party, a narrative or anything sealed; schools and townships are named,
 * people never. Every count of cases or of pupils below the survey's
 * min_cell setting is shown as "<N", with whatever would give it away by
 * subtraction (eval_suppress; the survey's own cells come suppressed by
 * results.c).
 *
 * Never: put model text into a printf format, pango markup or the PDF's
 * metadata beyond the title; leave a temporary file behind; block an
 * event loop (the renderers run on the worker pool). */
#include "evaluation.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <xlsxwriter.h>

#include "../auth/settings.h"
#include "../cases/cases.h"
#include "../core/arena.h"
#include "../core/i18n.h"
#include "../org/org.h"
#include "../prevention/records.h"
#include "../prevention/results.h"
#include "chart.h"

#define MAX_TOWNS 200

/* ------------------------------------------------------------------ */
/* Building the model. */

struct town {
	int64_t id;		/* 0: schools directly under the bureau */
	char name[EVAL_NAME_BYTES];
	int schools;
};

struct rb {
	db *c;
	const cityreport_opts *o;
	arena *a;
	long min;
	xa_day first, last, today;
	int64_t t0, t1;		/* the school year's span, UTC seconds */
	char like[112];		/* scope || '%' */
	char small[64];		/* "<5" */
	char withheld[64];	/* "*" */
	struct town towns[MAX_TOWNS + 1];
	size_t ntowns;
	int schools;
	json_t *sections;
};

static const char *
tr(struct rb *b, const char *key, ...)
{
	va_list ap;
	va_start(ap, key);
	const char *s = i18n_vfill(b->a, b->o->lang, key, ap);
	va_end(ap);
	return s;
}

static const char *
num(struct rb *b, long long n)
{
	const char *s = arena_printf(b->a, "%lld", n);
	return s ? s : "";
}

/* A count as a cell: the number; when hidden, "<N" for a small count and
 * the withheld mark for one hidden only so that a small one cannot be
 * worked out (saying "<N" of it would be false). */
static json_t *
cell(struct rb *b, int64_t n, int hidden)
{
	if (!hidden)
		return json_integer(n);
	return json_string(n < b->min ? b->small : b->withheld);
}

/* A count shown alone: hidden when 0 < n < min. */
static json_t *
cell1(struct rb *b, int64_t n)
{
	return cell(b, n, n > 0 && n < b->min);
}

/* "12.5%" of part in whole (tenths of a point), or "—" for no whole. */
static json_t *
pct_cell(struct rb *b, int64_t part, int64_t whole)
{
	if (whole <= 0)
		return json_string("—");
	long long pm = (long long)((part * 1000 + whole / 2) / whole);
	const char *t = arena_printf(b->a, "%lld.%lld%%", pm / 10, pm % 10);
	return json_string(t ? t : "");
}

static json_t *
section(struct rb *b, const char *key, const char *heading_key, const char *sheet_key)
{
	json_t *s = json_pack("{s:s, s:s, s:s, s:[], s:[], s:[]}", "key", key, "heading",
	    i18n(b->o->lang, heading_key), "sheet", i18n(b->o->lang, sheet_key), "paragraphs",
	    "tables", "charts");
	if (s != NULL)
		json_array_append_new(b->sections, s);
	return s;
}

static void
para(json_t *s, const char *text)
{
	json_array_append_new(json_object_get(s, "paragraphs"), json_string(text));
}

/* A table with columns from catalog keys (NULL-terminated). */
static json_t *
table(struct rb *b, json_t *s, const char *title, const char *const *cols)
{
	json_t *t = json_pack("{s:s, s:[], s:[]}", "title", title, "columns", "rows");
	if (t == NULL)
		return NULL;
	for (size_t i = 0; cols[i] != NULL; i++)
		json_array_append_new(json_object_get(t, "columns"),
		    json_string(i18n(b->o->lang, cols[i])));
	json_array_append_new(json_object_get(s, "tables"), t);
	return t;
}

/* Appends a row: a label and cells (json_t *, taken), NULL-terminated. */
static void
row(json_t *t, const char *label, ...)
{
	va_list ap;
	json_t *r = json_array();
	json_array_append_new(r, json_string(label));
	va_start(ap, label);
	for (json_t *v; (v = va_arg(ap, json_t *)) != NULL;)
		json_array_append_new(r, v);
	va_end(ap);
	json_array_append_new(json_object_get(t, "rows"), r);
}

/* A chart of the model: kind, title, labels, values, hidden flags. */
static json_t *
chart_j(json_t *s, const char *kind, const char *title, const char *unit, int decimals)
{
	json_t *c = json_pack("{s:s, s:s, s:s, s:i, s:[], s:[], s:[]}", "kind", kind, "title",
	    title, "unit", unit ? unit : "", "decimals", decimals, "labels", "values", "hidden");
	if (c != NULL)
		json_array_append_new(json_object_get(s, "charts"), c);
	return c;
}

static void
point(json_t *c, const char *label, double v, int hidden)
{
	if (label != NULL)
		json_array_append_new(json_object_get(c, "labels"), json_string(label));
	json_array_append_new(json_object_get(c, "values"), json_real(hidden ? 0 : v));
	json_array_append_new(json_object_get(c, "hidden"), json_boolean(hidden));
}

static int64_t
q_int(struct rb *b, const char *sql, int bind_year)
{
	db_stmt *st = NULL;
	int64_t v = 0;
	if (db_prepare(b->c, sql, &st) != XA_OK)
		return 0;
	db_bind_text(st, 1, b->like, -1);
	if (bind_year) {
		db_bind_int(st, 2, b->t0);
		db_bind_int(st, 3, b->t1);
	}
	if (db_step(st) == 1)
		v = db_col_int(st, 0);
	db_done(st);
	return v;
}

/* The index of township id in b->towns, or the last (the bureau's own). */
static size_t
town_of(struct rb *b, int64_t id)
{
	for (size_t i = 0; i < b->ntowns; i++)
		if (b->towns[i].id == id)
			return i;
	return b->ntowns - 1;
}

static xa_err
load_towns(struct rb *b)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(b->c, "SELECT id, name FROM units WHERE kind = 'township'"
	    " AND path LIKE ? AND active = 1 ORDER BY id", &st);
	if (e != XA_OK)
		return e;
	db_bind_text(st, 1, b->like, -1);
	while (db_step(st) == 1 && b->ntowns < MAX_TOWNS) {
		struct town *t = &b->towns[b->ntowns++];
		t->id = db_col_int(st, 0);
		snprintf(t->name, sizeof t->name, "%s", db_col_text(st, 1));
		t->schools = 0;
	}
	db_done(st);
	struct town *own = &b->towns[b->ntowns++];
	own->id = 0;
	snprintf(own->name, sizeof own->name, "%s", i18n(b->o->lang,
	    "evaluation.report.direct_schools"));
	own->schools = 0;
	if ((e = db_prepare(b->c, "SELECT coalesce(township_id, 0), count(*) FROM units"
	    " WHERE kind = 'school' AND active = 1 AND path LIKE ? GROUP BY 1", &st)) != XA_OK)
		return e;
	db_bind_text(st, 1, b->like, -1);
	while (db_step(st) == 1) {
		size_t i = town_of(b, db_col_int(st, 0));
		b->towns[i].schools += (int)db_col_int(st, 1);
		b->schools += (int)db_col_int(st, 1);
	}
	db_done(st);
	return XA_OK;
}

/* Adds a breakdown as table rows and a chart, suppressed as one:
 * labels[i], counts[i], and a total row. */
static void
breakdown(struct rb *b, json_t *t, json_t *c, const char *const *labels, const int64_t *counts,
    size_t n, int with_total)
{
	unsigned char hidden[MAX_TOWNS + 16];
	int total_hidden = 0;
	int64_t total = 0;
	if (n > sizeof hidden)
		n = sizeof hidden;
	eval_suppress(counts, n, b->min, hidden, &total_hidden);
	for (size_t i = 0; i < n; i++) {
		total += counts[i];
		row(t, labels[i], cell(b, counts[i], hidden[i]), NULL);
		if (c != NULL)
			point(c, labels[i], (double)counts[i], hidden[i]);
	}
	if (with_total)
		row(t, i18n(b->o->lang, "evaluation.report.total"),
		    cell(b, total, total_hidden || (total > 0 && total < b->min)), NULL);
}

/* ---- Cases. */

/* The by-state breakdown's suppression. Three sums are printed or follow
 * from what is: opened (all states), open_now (the states before closed
 * and archived, "cases open" in the summary) and their difference (the
 * closed and archived ones). counts[i] of states with open[i] set sum to
 * open_now. Hides every count with 0 < n < min, then, while any of the
 * three equations holds a single hidden unknown (open_now is one of the
 * second and third when hidden), hides one more of its members: the
 * smallest other non-zero count, of the hidden one's own group first,
 * else open_now. hidden[i] per count; *open_hidden for open_now. */
static void
state_suppress(struct rb *b, const int64_t *counts, const int *open, size_t n,
    int64_t opened, int64_t open_now, unsigned char *hidden, int *open_hidden)
{
	int opened_shown = !(opened > 0 && opened < b->min);
	*open_hidden = open_now > 0 && open_now < b->min;
	for (size_t i = 0; i < n; i++)
		hidden[i] = counts[i] > 0 && counts[i] < b->min;
	for (int changed = 1; changed;) {
		changed = 0;
		/* 0: all states = opened; 1: open ones = open_now; 2: the
		 * others = opened - open_now. */
		for (int q = 0; q < 3; q++) {
			if (q != 1 && !opened_shown)
				continue;
			size_t nh = 0, lone = n;
			for (size_t i = 0; i < n; i++)
				if ((q == 0 || (q == 1) == (open[i] != 0)) && hidden[i]) {
					nh++;
					lone = i;
				}
			if (q != 0 && *open_hidden)
				nh++;
			if (nh != 1)
				continue;
			size_t best = n;
			for (int pass = 0; pass < 2 && best == n; pass++)
				for (size_t i = 0; i < n; i++) {
					if (hidden[i] || counts[i] <= 0)
						continue;
					if (q != 0 && (q == 1) != (open[i] != 0))
						continue;
					/* Pass 0: the lone hidden count's own group. */
					if (pass == 0 && lone < n && (open[i] != 0) != (open[lone] != 0))
						continue;
					if (best == n || counts[i] < counts[best])
						best = i;
				}
			if (best < n) {
				hidden[best] = 1;
				changed = 1;
			} else if (!*open_hidden && open_now > 0) {
				*open_hidden = 1;
				changed = 1;
			}
		}
	}
}

static void
sec_cases(struct rb *b, json_t *overview)
{
	const char *lang = b->o->lang;
	json_t *s = section(b, "cases", "evaluation.report.cases", "evaluation.report.sheet_cases");
	static const char *const cols[] = { "evaluation.report.col_item",
		"evaluation.report.col_cases", NULL };
	int64_t opened = q_int(b, "SELECT count(*) FROM cases c JOIN units u ON u.id = c.unit_id"
	    " WHERE u.path LIKE ? AND c.opened_at >= ? AND c.opened_at < ?", 1);
	int64_t open_now = q_int(b, "SELECT count(*) FROM cases c JOIN units u ON u.id = c.unit_id"
	    " WHERE u.path LIKE ? AND c.opened_at >= ? AND c.opened_at < ?"
	    " AND c.state NOT IN ('closed', 'archived')", 1);
	int64_t supervised = q_int(b, "SELECT count(*) FROM cases c JOIN units u"
	    " ON u.id = c.unit_id WHERE u.path LIKE ? AND c.opened_at >= ? AND c.opened_at < ?"
	    " AND c.supervised = 1", 1);
	int64_t appealed = q_int(b, "SELECT count(*) FROM cases c JOIN units u"
	    " ON u.id = c.unit_id WHERE u.path LIKE ? AND c.opened_at >= ? AND c.opened_at < ?"
	    " AND c.appealed = 1", 1);
	db_stmt *st = NULL;
	int64_t overdue = 0;
	if (db_prepare(b->c, "SELECT count(*) FROM cases c JOIN units u ON u.id = c.unit_id"
	    " WHERE u.path LIKE ? AND c.opened_at >= ? AND c.opened_at < ?"
	    " AND c.state NOT IN ('closed', 'archived') AND c.due_at > 0 AND c.due_at < ?",
	    &st) == XA_OK) {
		db_bind_text(st, 1, b->like, -1);
		db_bind_int(st, 2, b->t0);
		db_bind_int(st, 3, b->t1);
		db_bind_int(st, 4, b->o->now);
		if (db_step(st) == 1)
			overdue = db_col_int(st, 0);
		db_done(st);
	}
	/* The cases by state now, counted here: "cases open" is their sum
	 * over the open states, so both are suppressed together. */
	const char *state_labels[CS__COUNT];
	int64_t state_counts[CS__COUNT];
	int state_open[CS__COUNT];
	unsigned char state_hidden[CS__COUNT];
	size_t nstate = 0;
	for (int i = 0; i < CS__COUNT; i++) {
		const char *sn = case_state_name((enum case_state)i);
		state_labels[nstate] = i18n_name(lang, "state", sn);
		state_open[nstate] = strcmp(sn, "closed") != 0 && strcmp(sn, "archived") != 0;
		state_counts[nstate] = 0;
		if (db_prepare(b->c, "SELECT count(*) FROM cases c JOIN units u ON u.id = c.unit_id"
		    " WHERE u.path LIKE ? AND c.opened_at >= ? AND c.opened_at < ? AND c.state = ?",
		    &st) == XA_OK) {
			db_bind_text(st, 1, b->like, -1);
			db_bind_int(st, 2, b->t0);
			db_bind_int(st, 3, b->t1);
			db_bind_text(st, 4, sn, -1);
			if (db_step(st) == 1)
				state_counts[nstate] = db_col_int(st, 0);
			db_done(st);
		}
		nstate++;
	}
	int open_hidden = 0;
	state_suppress(b, state_counts, state_open, nstate, opened, open_now, state_hidden,
	    &open_hidden);
	row(overview, i18n(lang, "evaluation.report.cases_opened"), cell1(b, opened), NULL);
	para(s, tr(b, "evaluation.report.cases_text", "n", opened > 0 && opened < b->min ?
	    b->small : num(b, opened), NULL));
	json_t *t = table(b, s, i18n(lang, "evaluation.report.cases_summary"), cols);
	row(t, i18n(lang, "evaluation.report.cases_opened"), cell1(b, opened), NULL);
	row(t, i18n(lang, "evaluation.report.cases_open"), cell(b, open_now, open_hidden), NULL);
	row(t, i18n(lang, "evaluation.report.cases_overdue"), cell1(b, overdue), NULL);
	row(t, i18n(lang, "evaluation.report.cases_supervised"), cell1(b, supervised), NULL);
	row(t, i18n(lang, "evaluation.report.cases_appealed"), cell1(b, appealed), NULL);

	/* By finding and tier: every case once. */
	const char *labels[16];
	int64_t counts[16];
	size_t n = 0;
	for (size_t i = 0; case_tiers[i] != NULL && n < 8; i++) {
		labels[n] = i18n_name(lang, "tier", case_tiers[i]);
		counts[n] = 0;
		if (db_prepare(b->c, "SELECT count(*) FROM cases c JOIN units u ON u.id = c.unit_id"
		    " WHERE u.path LIKE ? AND c.opened_at >= ? AND c.opened_at < ?"
		    " AND c.finding = 'bullying' AND c.tier = ?", &st) == XA_OK) {
			db_bind_text(st, 1, b->like, -1);
			db_bind_int(st, 2, b->t0);
			db_bind_int(st, 3, b->t1);
			db_bind_text(st, 4, case_tiers[i], -1);
			if (db_step(st) == 1)
				counts[n] = db_col_int(st, 0);
			db_done(st);
		}
		n++;
	}
	labels[n] = i18n(lang, "evaluation.report.bullying_untiered");
	counts[n++] = q_int(b, "SELECT count(*) FROM cases c JOIN units u ON u.id = c.unit_id"
	    " WHERE u.path LIKE ? AND c.opened_at >= ? AND c.opened_at < ?"
	    " AND c.finding = 'bullying' AND c.tier NOT IN ('general', 'serious', 'repeated',"
	    " 'unlawful')", 1);
	labels[n] = i18n_name(lang, "finding", "not_bullying");
	counts[n++] = q_int(b, "SELECT count(*) FROM cases c JOIN units u ON u.id = c.unit_id"
	    " WHERE u.path LIKE ? AND c.opened_at >= ? AND c.opened_at < ?"
	    " AND c.finding = 'not_bullying'", 1);
	labels[n] = i18n(lang, "evaluation.report.undetermined");
	counts[n++] = q_int(b, "SELECT count(*) FROM cases c JOIN units u ON u.id = c.unit_id"
	    " WHERE u.path LIKE ? AND c.opened_at >= ? AND c.opened_at < ?"
	    " AND c.finding NOT IN ('bullying', 'not_bullying')", 1);
	t = table(b, s, i18n(lang, "evaluation.report.by_tier"), cols);
	json_t *c = chart_j(s, "bar", i18n(lang, "evaluation.report.by_tier"),
	    NULL, 0);
	breakdown(b, t, c, labels, counts, n, 1);

	/* By kind of behaviour (a case of several kinds counts in each). */
	n = 0;
	for (size_t i = 0; behaviour_kinds[i] != NULL && n < 16; i++) {
		labels[n] = i18n_name(lang, "behaviour", behaviour_kinds[i]);
		counts[n] = 0;
		if (db_prepare(b->c, "SELECT count(DISTINCT c.id) FROM cases c JOIN units u"
		    " ON u.id = c.unit_id JOIN reports r ON r.case_id = c.id WHERE u.path LIKE ?"
		    " AND c.opened_at >= ? AND c.opened_at < ?"
		    " AND (',' || r.behaviours || ',') LIKE ('%,' || ? || ',%')", &st) == XA_OK) {
			db_bind_text(st, 1, b->like, -1);
			db_bind_int(st, 2, b->t0);
			db_bind_int(st, 3, b->t1);
			db_bind_text(st, 4, behaviour_kinds[i], -1);
			if (db_step(st) == 1)
				counts[n] = db_col_int(st, 0);
			db_done(st);
		}
		n++;
	}
	t = table(b, s, i18n(lang, "evaluation.report.by_behaviour"), cols);
	c = chart_j(s, "bar", i18n(lang, "evaluation.report.by_behaviour"),
	    NULL, 0);
	/* Overlapping counts: no total, each hidden on its own. */
	for (size_t i = 0; i < n; i++) {
		int h = counts[i] > 0 && counts[i] < b->min;
		row(t, labels[i], cell(b, counts[i], h), NULL);
		point(c, labels[i], (double)counts[i], h);
	}

	/* By state now, suppressed with "cases open" (state_suppress). */
	t = table(b, s, i18n(lang, "evaluation.report.by_state"), cols);
	for (size_t i = 0; i < nstate; i++)
		row(t, state_labels[i], cell(b, state_counts[i], state_hidden[i]), NULL);
	row(t, i18n(lang, "evaluation.report.total"), cell1(b, opened), NULL);

	/* By township. */
	const char *tl[MAX_TOWNS + 1];
	int64_t tc[MAX_TOWNS + 1];
	for (size_t i = 0; i < b->ntowns; i++) {
		tl[i] = b->towns[i].name;
		tc[i] = 0;
	}
	if (db_prepare(b->c, "SELECT coalesce(u.township_id, 0), count(*) FROM cases c"
	    " JOIN units u ON u.id = c.unit_id WHERE u.path LIKE ? AND c.opened_at >= ?"
	    " AND c.opened_at < ? GROUP BY 1", &st) == XA_OK) {
		db_bind_text(st, 1, b->like, -1);
		db_bind_int(st, 2, b->t0);
		db_bind_int(st, 3, b->t1);
		while (db_step(st) == 1)
			tc[town_of(b, db_col_int(st, 0))] += db_col_int(st, 1);
		db_done(st);
	}
	static const char *const tcols[] = { "evaluation.report.col_township",
		"evaluation.report.col_cases", NULL };
	t = table(b, s, i18n(lang, "evaluation.report.by_township"), tcols);
	breakdown(b, t, NULL, tl, tc, b->ntowns, 1);

	/* Month by month, September to August. */
	const char *ml[12];
	int64_t mc[12];
	for (int m = 0; m < 12; m++) {
		char key[40];
		snprintf(key, sizeof key, "evaluation.month.%d", (m + 8) % 12 + 1);
		ml[m] = i18n(lang, key);
		mc[m] = 0;
	}
	if (db_prepare(b->c, "SELECT c.opened_at FROM cases c JOIN units u ON u.id = c.unit_id"
	    " WHERE u.path LIKE ? AND c.opened_at >= ? AND c.opened_at < ?", &st) == XA_OK) {
		db_bind_text(st, 1, b->like, -1);
		db_bind_int(st, 2, b->t0);
		db_bind_int(st, 3, b->t1);
		while (db_step(st) == 1) {
			char d[11];
			day_format(day_of(db_col_int(st, 0), b->o->zone), d);
			int mo = (d[5] - '0') * 10 + (d[6] - '0');
			mc[(mo + 3) % 12]++;	/* September first */
		}
		db_done(st);
	}
	static const char *const mcols[] = { "evaluation.report.col_month",
		"evaluation.report.col_cases", NULL };
	t = table(b, s, i18n(lang, "evaluation.report.by_month"), mcols);
	c = chart_j(s, "line", i18n(lang, "evaluation.report.by_month"),
	    NULL, 0);
	breakdown(b, t, c, ml, mc, 12, 0);
}

/* ---- The survey. */

/* 1 when unit id lies in the report's scope; its name into *name (the
 * arena's) when it does. */
static int
unit_in_reach(struct rb *b, int64_t id, const char **name)
{
	db_stmt *st = NULL;
	int in = 0;
	if (db_prepare(b->c, "SELECT name FROM units WHERE id = ? AND path LIKE ?", &st) != XA_OK)
		return 0;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, b->like, -1);
	if (db_step(st) == 1) {
		in = 1;
		if (name != NULL)
			*name = arena_strdup(b->a, db_col_text(st, 0));
	}
	db_done(st);
	return in;
}

/* Whether township node nd of g is in the report's reach, and its label:
 * a township (open or closed since) by its own name when its unit lies in
 * the scope; the node of schools under no township (id 0) when every one
 * of its schools does. */
static int
survey_town(struct rb *b, const sv_agg *g, const struct sv_node *nd, const char **label)
{
	if (nd->id != 0) {
		*label = NULL;
		return unit_in_reach(b, nd->id, label) && *label != NULL;
	}
	for (size_t k = 0; k < nd->nchild; k++)
		if (!unit_in_reach(b, g->nodes[nd->child0 + k].id, NULL))
			return 0;
	*label = i18n(b->o->lang, "evaluation.report.direct_schools");
	return 1;
}

static void
sec_survey(struct rb *b)
{
	const char *lang = b->o->lang;
	json_t *s = section(b, "survey", "evaluation.report.survey",
	    "evaluation.report.sheet_survey");
	char s1[16], s2[16];
	snprintf(s1, sizeof s1, "%d-%d-1", b->o->year - 1, b->o->year);
	snprintf(s2, sizeof s2, "%d-%d-2", b->o->year - 1, b->o->year);
	db_stmt *st = NULL;
	int64_t ids[8];
	char names[8][EVAL_NAME_BYTES], sems[8][16];
	size_t n = 0;
	/* The city's campaigns: those of the bureau and its offices, not a
	 * school's own. */
	if (db_prepare(b->c, "SELECT c.id, c.name, c.semester FROM survey_campaigns c"
	    " JOIN units u ON u.id = c.unit_id WHERE u.kind <> 'school' AND u.path LIKE ?"
	    " AND c.semester IN (?, ?) ORDER BY c.semester, c.id", &st) == XA_OK) {
		db_bind_text(st, 1, b->like, -1);
		db_bind_text(st, 2, s1, -1);
		db_bind_text(st, 3, s2, -1);
		while (db_step(st) == 1 && n < 8) {
			ids[n] = db_col_int(st, 0);
			snprintf(names[n], sizeof names[n], "%s", db_col_text(st, 1));
			snprintf(sems[n], sizeof sems[n], "%s", db_col_text(st, 2));
			n++;
		}
		db_done(st);
	}
	if (n == 0) {
		para(s, i18n(lang, "evaluation.report.survey_none"));
		return;
	}
	para(s, tr(b, "evaluation.report.survey_text", "n", num(b, b->min), NULL));
	static const char *const cols[] = { "evaluation.report.col_township",
		"evaluation.report.col_respondents", "evaluation.report.col_victim",
		"evaluation.report.col_bully", "evaluation.report.col_response", NULL };
	for (size_t k = 0; k < n; k++) {
		sv_agg *g = NULL;
		if (sv_load(b->c, ids[k], &g) != XA_OK || g == NULL)
			continue;
		semester sem;
		const char *slabel = sems[k];
		if (semester_parse(sems[k], &sem) == XA_OK)
			slabel = tr(b, sem.half == 1 ? "evaluation.report.semester_1" :
			    "evaluation.report.semester_2", NULL);
		json_t *t = table(b, s, arena_printf(b->a, "%s（%s）", names[k], slabel), cols);
		json_t *c = chart_j(s, "bar", tr(b, "evaluation.report.victim_chart", "name",
		    names[k], NULL), "%", 1);
		/* Only the townships in the caller's reach; the city's row only
		 * when the campaign has none outside it. */
		int all_in = 1;
		for (size_t i = g->level0[SV_TOWNSHIP]; i < g->level0[SV_TOWNSHIP + 1]; i++) {
			const struct sv_node *nd = &g->nodes[i];
			const struct sv_cell *ce = &nd->cell[SV_ALL];
			const char *tn = NULL;
			if (!survey_town(b, g, nd, &tn)) {
				all_in = 0;
				continue;
			}
			int hid = ce->hidden;
			int pv = sv_permille_victim(ce), pb = sv_permille_bully(ce);
			int pr = sv_response_permille(nd, SV_ALL);
			row(t, tn, cell(b, ce->n, hid),
			    pv < 0 ? json_string(hid ? b->withheld : "—") :
			    json_string(arena_printf(b->a, "%d.%d%%", pv / 10, pv % 10)),
			    pb < 0 ? json_string(hid ? b->withheld : "—") :
			    json_string(arena_printf(b->a, "%d.%d%%", pb / 10, pb % 10)),
			    pr < 0 ? json_string("—") :
			    json_string(arena_printf(b->a, "%d.%d%%", pr / 10, pr % 10)), NULL);
			point(c, tn, pv < 0 ? 0 : pv / 10.0, pv < 0);
		}
		const struct sv_node *city = &g->nodes[0];
		const struct sv_cell *ce = &city->cell[SV_ALL];
		int pv = sv_permille_victim(ce), pb = sv_permille_bully(ce);
		int pr = sv_response_permille(city, SV_ALL);
		if (all_in)
			row(t, i18n(lang, "evaluation.report.city"), cell(b, ce->n, ce->hidden),
			    pv < 0 ? json_string("—") :
			    json_string(arena_printf(b->a, "%d.%d%%", pv / 10, pv % 10)),
			    pb < 0 ? json_string("—") :
			    json_string(arena_printf(b->a, "%d.%d%%", pb / 10, pb % 10)),
			    pr < 0 ? json_string("—") :
			    json_string(arena_printf(b->a, "%d.%d%%", pr / 10, pr % 10)), NULL);
		if (json_array_size(json_object_get(c, "labels")) == 0) {
			json_t *charts = json_object_get(s, "charts");
			json_array_remove(charts, json_array_size(charts) - 1);
		}
		sv_free(g);
	}
	/* The early warnings raised by the year's campaigns. */
	static const char *const wcols[] = { "evaluation.report.col_item",
		"evaluation.report.col_count", NULL };
	json_t *t = table(b, s, i18n(lang, "evaluation.report.warnings"), wcols);
	int64_t raised = 0, closed = 0;
	if (db_prepare(b->c, "SELECT count(*), coalesce(sum(CASE WHEN w.state = 'closed'"
	    " THEN 1 ELSE 0 END), 0) FROM survey_warnings w JOIN survey_campaigns c"
	    " ON c.id = w.campaign_id JOIN units u ON u.id = w.unit_id WHERE u.path LIKE ?"
	    " AND c.semester IN (?, ?)", &st) == XA_OK) {
		db_bind_text(st, 1, b->like, -1);
		db_bind_text(st, 2, s1, -1);
		db_bind_text(st, 3, s2, -1);
		if (db_step(st) == 1) {
			raised = db_col_int(st, 0);
			closed = db_col_int(st, 1);
		}
		db_done(st);
	}
	/* Warnings count classes and schools, not pupils: not suppressed. */
	row(t, i18n(lang, "evaluation.report.warnings_raised"), json_integer(raised), NULL);
	row(t, i18n(lang, "evaluation.report.warnings_closed"), json_integer(closed), NULL);
}

/* ---- Prevention and training. */

static void
sec_prevention(struct rb *b, json_t *overview)
{
	const char *lang = b->o->lang;
	json_t *s = section(b, "prevention", "evaluation.report.prevention",
	    "evaluation.report.sheet_prevention");
	semester s1, s2;
	char name[16];
	snprintf(name, sizeof name, "%d-%d-1", b->o->year - 1, b->o->year);
	if (semester_parse(name, &s1) != XA_OK)
		return;
	snprintf(name, sizeof name, "%d-%d-2", b->o->year - 1, b->o->year);
	if (semester_parse(name, &s2) != XA_OK)
		return;
	prev_requirements rq;
	prev_requirements_load(b->c, &rq);
	prev_school *l1 = NULL, *l2 = NULL;
	size_t n1 = 0, n2 = 0;
	if (prev_compliance(b->c, &s1, &rq, b->today, b->o->scope, 0, &l1, &n1) != XA_OK ||
	    prev_compliance(b->c, &s2, &rq, b->today, b->o->scope, 0, &l2, &n2) != XA_OK) {
		free(l1);
		free(l2);
		return;
	}
	/* Per township, the share of schools that met each duty in both
	 * semesters (training: over the year, due with the second). */
	enum { D_SESS, D_MEET, D_SCREEN, D_PARENT, D_TRAIN, ND };
	static const char *const dkeys[ND] = { "sessions", "class_meetings", "screenings",
		"parent_sessions", "training" };
	int met[MAX_TOWNS + 1][ND], all[MAX_TOWNS + 1];
	memset(met, 0, sizeof met);
	memset(all, 0, sizeof all);
	int64_t staff = 0, covered = 0;
	for (size_t i = 0; i < n2; i++) {
		const prev_school *p2 = &l2[i], *p1 = NULL;
		for (size_t k = 0; k < n1 && p1 == NULL; k++)
			if (l1[k].id == p2->id)
				p1 = &l1[k];
		size_t ti = town_of(b, p2->township_id);
		all[ti]++;
		const prev_duty *d2[ND] = { &p2->sessions, &p2->meetings, &p2->screenings,
			&p2->parents, &p2->training };
		const prev_duty *d1[ND] = { p1 ? &p1->sessions : NULL, p1 ? &p1->meetings : NULL,
			p1 ? &p1->screenings : NULL, p1 ? &p1->parents : NULL, NULL };
		for (int d = 0; d < ND; d++)
			if (d2[d]->state == DUTY_MET && (d1[d] == NULL || d1[d]->state == DUTY_MET))
				met[ti][d]++;
		staff += p2->training.required;
		covered += p2->training.done;
	}
	free(l1);
	free(l2);
	const char *lang_d[ND];
	for (int d = 0; d < ND; d++)
		lang_d[d] = i18n_name(lang, "prevention.duty", dkeys[d]);
	json_t *heat = json_pack("{s:s, s:s, s:s, s:i, s:[], s:[], s:[], s:[]}", "kind", "heat",
	    "title", i18n(lang, "evaluation.report.compliance_heat"), "unit", "%", "decimals", 0,
	    "labels", "values", "hidden", "rows");
	json_array_append_new(json_object_get(s, "charts"), heat);
	for (int d = 0; d < ND; d++)
		json_array_append_new(json_object_get(heat, "labels"), json_string(lang_d[d]));
	static const char *const cols[] = { "evaluation.report.col_township",
		"evaluation.report.col_schools", "prevention.duty.sessions",
		"prevention.duty.class_meetings", "prevention.duty.screenings",
		"prevention.duty.parent_sessions", "prevention.duty.training", NULL };
	json_t *t = table(b, s, i18n(lang, "evaluation.report.compliance_table"), cols);
	int tot_all = 0, tot_met[ND] = { 0 };
	for (size_t i = 0; i < b->ntowns; i++) {
		if (all[i] == 0)
			continue;
		json_array_append_new(json_object_get(heat, "rows"), json_string(b->towns[i].name));
		json_t *r = json_array();
		json_array_append_new(r, json_string(b->towns[i].name));
		json_array_append_new(r, json_integer(all[i]));
		for (int d = 0; d < ND; d++) {
			point(heat, NULL, 100.0 * met[i][d] / all[i], 0);
			json_array_append_new(r, pct_cell(b, met[i][d], all[i]));
			tot_met[d] += met[i][d];
		}
		tot_all += all[i];
		json_array_append_new(json_object_get(t, "rows"), r);
	}
	json_t *r = json_array();
	json_array_append_new(r, json_string(i18n(lang, "evaluation.report.city")));
	json_array_append_new(r, json_integer(tot_all));
	for (int d = 0; d < ND; d++)
		json_array_append_new(r, pct_cell(b, tot_met[d], tot_all));
	json_array_append_new(json_object_get(t, "rows"), r);
	if (json_array_size(json_object_get(heat, "rows")) == 0) {
		json_t *charts = json_object_get(s, "charts");
		json_array_remove(charts, json_array_size(charts) - 1);
	}
	/* What was done: counts of events, not of pupils (not suppressed). */
	static const char *const kinds[][2] = {
		{ "evaluation.report.sessions_held", "SELECT count(*) FROM prevention_sessions p"
		  " JOIN units u ON u.id = p.unit_id WHERE u.path LIKE ? AND p.semester IN (?, ?)"
		  " AND p.superseded_by IS NULL AND p.audience = 'students'" },
		{ "evaluation.report.parent_sessions_held", "SELECT count(*) FROM prevention_sessions p"
		  " JOIN units u ON u.id = p.unit_id WHERE u.path LIKE ? AND p.semester IN (?, ?)"
		  " AND p.superseded_by IS NULL AND p.audience = 'parents'" },
		{ "evaluation.report.meetings_held", "SELECT count(*) FROM prevention_class_meetings p"
		  " JOIN units u ON u.id = p.unit_id WHERE u.path LIKE ? AND p.semester IN (?, ?)"
		  " AND p.superseded_by IS NULL" },
		{ "evaluation.report.screenings_held", "SELECT count(*) FROM prevention_screenings p"
		  " JOIN units u ON u.id = p.unit_id WHERE u.path LIKE ? AND p.semester IN (?, ?)"
		  " AND p.superseded_by IS NULL" },
	};
	static const char *const wcols[] = { "evaluation.report.col_item",
		"evaluation.report.col_count", NULL };
	t = table(b, s, i18n(lang, "evaluation.report.work_done"), wcols);
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		db_stmt *st = NULL;
		int64_t v = 0;
		if (db_prepare(b->c, kinds[k][1], &st) == XA_OK) {
			db_bind_text(st, 1, b->like, -1);
			db_bind_text(st, 2, s1.name, -1);
			db_bind_text(st, 3, s2.name, -1);
			if (db_step(st) == 1)
				v = db_col_int(st, 0);
			db_done(st);
		}
		row(t, i18n(lang, kinds[k][0]), json_integer(v), NULL);
	}
	row(t, i18n(lang, "evaluation.report.training_staff"), json_integer(staff), NULL);
	row(t, i18n(lang, "evaluation.report.training_covered"), json_integer(covered), NULL);
	row(t, i18n(lang, "evaluation.report.training_rate"), pct_cell(b, covered, staff), NULL);
	row(overview, i18n(lang, "evaluation.report.training_rate"), pct_cell(b, covered, staff),
	    NULL);
	para(s, tr(b, "evaluation.report.prevention_text", "covered", num(b, covered), "staff",
	    num(b, staff), NULL));
}

/* ---- Monthly returns (the returns part's tables, when present). */

static void
sec_returns(struct rb *b)
{
	int have = 0;
	if (db_table_exists(b->c, "monthly_returns", &have) != XA_OK || !have)
		return;
	const char *lang = b->o->lang;
	json_t *s = section(b, "returns", "evaluation.report.returns",
	    "evaluation.report.sheet_returns");
	static const char *const cols[] = { "evaluation.report.col_month",
		"evaluation.report.col_expected", "evaluation.report.col_submitted",
		"evaluation.report.col_late", "evaluation.report.col_zero",
		"evaluation.report.col_missing", NULL };
	json_t *t = table(b, s, i18n(lang, "evaluation.report.returns_table"), cols);
	json_t *c = chart_j(s, "bar", i18n(lang, "evaluation.report.returns_chart"), "%", 0);
	int64_t tot_exp = 0, tot_sub = 0;
	for (int m = 0; m < 12; m++) {
		int mo = (m + 8) % 12 + 1, y = mo >= 9 ? b->o->year - 1 : b->o->year;
		char month[8], key[40];
		snprintf(month, sizeof month, "%04d-%02d", y, mo);
		snprintf(key, sizeof key, "evaluation.month.%d", mo);
		/* Only months that have ended by today are due. */
		xa_day d;
		char first[11];
		snprintf(first, sizeof first, "%s-01", month);
		if (day_parse(first, &d) != XA_OK || d + 28 > b->today)
			break;
		db_stmt *st = NULL;
		int64_t sub = 0, late = 0, zero = 0;
		if (db_prepare(b->c, "SELECT count(*), coalesce(sum(r.late), 0),"
		    " coalesce(sum(r.zero), 0) FROM monthly_returns r JOIN units u ON u.id = r.unit_id"
		    " WHERE u.path LIKE ? AND r.month = ?", &st) == XA_OK) {
			db_bind_text(st, 1, b->like, -1);
			db_bind_text(st, 2, month, -1);
			if (db_step(st) == 1) {
				sub = db_col_int(st, 0);
				late = db_col_int(st, 1);
				zero = db_col_int(st, 2);
			}
			db_done(st);
		}
		int64_t expected = b->schools;
		int64_t absent = expected > sub ? expected - sub : 0;
		row(t, i18n(lang, key), json_integer(expected), json_integer(sub), json_integer(late),
		    json_integer(zero), json_integer(absent), NULL);
		point(c, i18n(lang, key), expected > 0 ? 100.0 * sub / expected : 0, expected == 0);
		tot_exp += expected;
		tot_sub += sub;
	}
	if (json_array_size(json_object_get(c, "labels")) == 0) {
		json_t *charts = json_object_get(s, "charts");
		json_array_remove(charts, json_array_size(charts) - 1);
	}
	para(s, tr(b, "evaluation.report.returns_text", "submitted", num(b, tot_sub), "expected",
	    num(b, tot_exp), NULL));
}

/* ---- Inspection and accountability (the inspection part's tables). */

static void
sec_inspection(struct rb *b)
{
	int have = 0;
	if (db_table_exists(b->c, "insp_inspections", &have) != XA_OK || !have)
		return;
	const char *lang = b->o->lang;
	json_t *s = section(b, "inspection", "evaluation.report.inspection",
	    "evaluation.report.sheet_inspection");
	char f[11], l[11];
	day_format(b->first, f);
	day_format(b->last, l);
	static const char *const cols[] = { "evaluation.report.col_campaign",
		"evaluation.report.col_inspected", "evaluation.report.col_score",
		"evaluation.report.col_tasks", "evaluation.report.col_tasks_closed",
		"evaluation.report.col_tasks_overdue", NULL };
	json_t *t = table(b, s, i18n(lang, "evaluation.report.inspection_table"), cols);
	db_stmt *st = NULL;
	char today[11];
	day_format(b->today, today);
	if (db_prepare(b->c, "SELECT c.name, (SELECT count(*) FROM insp_inspections i JOIN units u"
	    " ON u.id = i.unit_id WHERE i.campaign_id = c.id AND i.state = 'submitted'"
	    " AND u.path LIKE ?), (SELECT coalesce(sum(i.total), 0) FROM insp_inspections i"
	    " JOIN units u ON u.id = i.unit_id WHERE i.campaign_id = c.id AND i.state = 'submitted'"
	    " AND u.path LIKE ?), (SELECT coalesce(sum(i.max_total), 0) FROM insp_inspections i"
	    " JOIN units u ON u.id = i.unit_id WHERE i.campaign_id = c.id AND i.state = 'submitted'"
	    " AND u.path LIKE ?), (SELECT count(*) FROM insp_tasks k JOIN units u ON u.id = k.unit_id"
	    " WHERE k.campaign_id = c.id AND k.state <> 'pending' AND u.path LIKE ?),"
	    " (SELECT count(*) FROM insp_tasks k JOIN units u ON u.id = k.unit_id"
	    " WHERE k.campaign_id = c.id AND k.state = 'closed' AND u.path LIKE ?),"
	    " (SELECT count(*) FROM insp_tasks k JOIN units u ON u.id = k.unit_id"
	    " WHERE k.campaign_id = c.id AND k.state IN ('open', 'answered') AND k.due_on < ?"
	    " AND u.path LIKE ?) FROM insp_campaigns c WHERE c.state <> 'draft'"
	    " AND c.starts_on >= ? AND c.starts_on <= ? ORDER BY c.starts_on, c.id LIMIT 50",
	    &st) == XA_OK) {
		for (int i = 1; i <= 5; i++)
			db_bind_text(st, i, b->like, -1);
		db_bind_text(st, 6, today, -1);
		db_bind_text(st, 7, b->like, -1);
		db_bind_text(st, 8, f, -1);
		db_bind_text(st, 9, l, -1);
		while (db_step(st) == 1)
			row(t, db_col_text(st, 0), json_integer(db_col_int(st, 1)),
			    pct_cell(b, db_col_int(st, 2), db_col_int(st, 3)),
			    json_integer(db_col_int(st, 4)), json_integer(db_col_int(st, 5)),
			    json_integer(db_col_int(st, 6)), NULL);
		db_done(st);
	}
	if (json_array_size(json_object_get(t, "rows")) == 0)
		para(s, i18n(lang, "evaluation.report.inspection_none"));
	if (db_table_exists(b->c, "accountability", &have) != XA_OK || !have)
		return;
	/* Accountability by measure: counts of decisions, never who. */
	static const char *const measures[] = { "circular", "interview", "discipline", "other",
		NULL };
	static const char *const acols[] = { "evaluation.report.col_measure",
		"evaluation.report.col_count", NULL };
	json_t *at = table(b, s, i18n(lang, "evaluation.report.accountability"), acols);
	for (size_t i = 0; measures[i] != NULL; i++) {
		int64_t v = 0;
		if (db_prepare(b->c, "SELECT count(*) FROM accountability a JOIN units u"
		    " ON u.id = a.unit_id WHERE u.path LIKE ? AND a.measure = ?"
		    " AND a.decided_on >= ? AND a.decided_on <= ? AND a.corrected_by IS NULL",
		    &st) == XA_OK) {
			db_bind_text(st, 1, b->like, -1);
			db_bind_text(st, 2, measures[i], -1);
			db_bind_text(st, 3, f, -1);
			db_bind_text(st, 4, l, -1);
			if (db_step(st) == 1)
				v = db_col_int(st, 0);
			db_done(st);
		}
		row(at, i18n_name(lang, "evaluation.measure", measures[i]), json_integer(v), NULL);
	}
}

/* ---- The self-evaluations. */

static void
sec_evaluations(struct rb *b, json_t *overview)
{
	const char *lang = b->o->lang;
	json_t *s = section(b, "evaluations", "evaluation.report.evaluations",
	    "evaluation.report.sheet_evaluations");
	xa_day due = eval_due(b->c, b->o->year);
	int64_t due_end = day_start(due + 1, b->o->zone);
	char dd[11];
	day_format(due, dd);
	int on_time[MAX_TOWNS + 1], late[MAX_TOWNS + 1], absent[MAX_TOWNS + 1];
	memset(on_time, 0, sizeof on_time);
	memset(late, 0, sizeof late);
	memset(absent, 0, sizeof absent);
	double rating_sum[EVAL_PARTS] = { 0 };
	int rating_n[EVAL_PARTS] = { 0 };
	json_t *missing_list = json_array();
	db_stmt *st = NULL;
	if (db_prepare(b->c, "SELECT u.name, coalesce(u.township_id, 0), coalesce(e.state, ''),"
	    " coalesce(e.first_submitted_at, 0), coalesce(e.answers, '{}') FROM units u"
	    " LEFT JOIN evaluations e ON e.unit_id = u.id AND e.year = ?"
	    " WHERE u.kind = 'school' AND u.active = 1 AND u.path LIKE ? ORDER BY u.id",
	    &st) == XA_OK) {
		db_bind_int(st, 1, b->o->year);
		db_bind_text(st, 2, b->like, -1);
		while (db_step(st) == 1) {
			size_t ti = town_of(b, db_col_int(st, 1));
			const char *state = db_col_text(st, 2);
			int64_t first = db_col_int(st, 3);
			if (first == 0) {
				absent[ti]++;
				json_array_append_new(missing_list, json_pack("[s, s]",
				    db_col_text(st, 0), b->towns[ti].name));
				continue;
			}
			if (first < due_end)
				on_time[ti]++;
			else
				late[ti]++;
			if (strcmp(state, "submitted") != 0)
				continue;
			json_t *a = json_loads(db_col_text(st, 4), 0, NULL);
			for (size_t p = 0; p < EVAL_PARTS; p++) {
				json_t *r = json_object_get(json_object_get(a, eval_parts[p].key),
				    "rating");
				if (json_is_integer(r)) {
					rating_sum[p] += (double)json_integer_value(r);
					rating_n[p]++;
				}
			}
			json_decref(a);
		}
		db_done(st);
	}
	static const char *const cols[] = { "evaluation.report.col_township",
		"evaluation.report.col_schools", "evaluation.report.col_on_time",
		"evaluation.report.col_late", "evaluation.report.col_missing", NULL };
	json_t *t = table(b, s, i18n(lang, "evaluation.report.evaluations_table"), cols);
	int tot[4] = { 0 };
	for (size_t i = 0; i < b->ntowns; i++) {
		if (b->towns[i].schools == 0)
			continue;
		row(t, b->towns[i].name, json_integer(b->towns[i].schools), json_integer(on_time[i]),
		    json_integer(late[i]), json_integer(absent[i]), NULL);
		tot[0] += b->towns[i].schools;
		tot[1] += on_time[i];
		tot[2] += late[i];
		tot[3] += absent[i];
	}
	row(t, i18n(lang, "evaluation.report.city"), json_integer(tot[0]), json_integer(tot[1]),
	    json_integer(tot[2]), json_integer(tot[3]), NULL);
	para(s, tr(b, "evaluation.report.evaluations_text", "due", dd, "schools", num(b, tot[0]),
	    "on_time", num(b, tot[1]), "late", num(b, tot[2]), "missing", num(b, tot[3]), NULL));
	row(overview, i18n(lang, "evaluation.report.evaluations_submitted"),
	    json_integer(tot[1] + tot[2]), NULL);
	json_t *c = chart_j(s, "bar", i18n(lang, "evaluation.report.rating_chart"), NULL, 1);
	int any = 0;
	for (size_t p = 0; p < EVAL_PARTS; p++) {
		char key[64];
		snprintf(key, sizeof key, "evaluation.part_short.%s", eval_parts[p].key);
		point(c, i18n(lang, key), rating_n[p] ? rating_sum[p] / rating_n[p] : 0,
		    rating_n[p] == 0);
		any |= rating_n[p] > 0;
	}
	if (!any) {
		json_t *charts = json_object_get(s, "charts");
		json_array_remove(charts, json_array_size(charts) - 1);
	}
	if (json_array_size(missing_list) > 0) {
		static const char *const mcols[] = { "evaluation.report.col_school",
			"evaluation.report.col_township", NULL };
		json_t *mt = table(b, s, i18n(lang, "evaluation.report.evaluations_missing"), mcols);
		size_t i;
		json_t *v;
		json_array_foreach(missing_list, i, v)
			row(mt, json_string_value(json_array_get(v, 0)),
			    json_incref(json_array_get(v, 1)), NULL);
	}
	json_decref(missing_list);
}

xa_err
cityreport_model(db *conn, const cityreport_opts *o, json_t **out)
{
	struct rb *b = calloc(1, sizeof *b);
	xa_err e = XA_ENOMEM;
	*out = NULL;
	if (b == NULL)
		return XA_ENOMEM;
	b->c = conn;
	b->o = o;
	b->a = arena_new(16384, 8u << 20);
	b->sections = json_array();
	if (b->a == NULL || b->sections == NULL)
		goto done;
	b->min = setting_get(conn, S_SURVEY_MIN_CELL);
	eval_year_span(o->year, &b->first, &b->last);
	b->t0 = day_start(b->first, o->zone);
	b->t1 = day_start(b->last + 1, o->zone);
	b->today = day_of(o->now, o->zone);
	snprintf(b->like, sizeof b->like, "%s%%", o->scope);
	snprintf(b->small, sizeof b->small, "%s", tr(b, "evaluation.report.small", "n",
	    num(b, b->min), NULL));
	snprintf(b->withheld, sizeof b->withheld, "%s", i18n(o->lang,
	    "evaluation.report.withheld"));
	if ((e = load_towns(b)) != XA_OK)
		goto done;
	int64_t bureau = 0;
	char bpath[96], bname[EVAL_NAME_BYTES] = "";
	if (unit_bureau(conn, &bureau, bpath, sizeof bpath) == XA_OK) {
		db_stmt *st = NULL;
		if (db_prepare(conn, "SELECT name FROM units WHERE id = ?", &st) == XA_OK) {
			db_bind_int(st, 1, bureau);
			if (db_step(st) == 1)
				snprintf(bname, sizeof bname, "%s", db_col_text(st, 0));
			db_done(st);
		}
	}
	char y1[16], y2[16], gen[11], f[11], l[11];
	snprintf(y1, sizeof y1, "%d", o->year - 1);
	snprintf(y2, sizeof y2, "%d", o->year);
	day_format(b->today, gen);
	day_format(b->first, f);
	day_format(b->last, l);
	const char *sy = tr(b, "evaluation.school_year", "from", y1, "to", y2, NULL);
	json_t *ov = section(b, "overview", "evaluation.report.overview",
	    "evaluation.report.sheet_overview");
	static const char *const cols[] = { "evaluation.report.col_item",
		"evaluation.report.col_value", NULL };
	json_t *overview = table(b, ov, i18n(o->lang, "evaluation.report.key_figures"), cols);
	int ntown = 0;
	for (size_t i = 0; i + 1 < b->ntowns; i++)
		ntown++;
	para(ov, tr(b, "evaluation.report.overview_text", "year", sy, "from", f, "to", l,
	    "schools", num(b, b->schools), "townships", num(b, ntown), NULL));
	row(overview, i18n(o->lang, "evaluation.report.schools"), json_integer(b->schools), NULL);
	sec_cases(b, overview);
	sec_survey(b);
	sec_prevention(b, overview);
	sec_returns(b);
	sec_inspection(b);
	sec_evaluations(b, overview);
	char due[11];
	day_format(city_report_due(conn, o->year), due);
	json_t *m = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s}",
	    "title", tr(b, "evaluation.report.title", "bureau", bname, "year", sy, NULL),
	    "bureau", bname, "school_year", sy, "year", o->year, "from", f, "to", l,
	    "generated", gen, "due", due, "note", tr(b, "evaluation.report.note", "n",
	    num(b, b->min), NULL), "min_cell", (int)b->min,
	    "footer", i18n(o->lang, "evaluation.report.footer"),
	    "page", i18n(o->lang, "evaluation.report.page"));
	if (m == NULL) {
		e = XA_ENOMEM;
		goto done;
	}
	json_object_set_new(m, "subtitle", json_string(tr(b, "evaluation.report.subtitle",
	    "generated", gen, NULL)));
	json_object_set(m, "sections", b->sections);
	*out = m;
	e = XA_OK;
done:
	json_decref(b->sections);
	arena_free(b->a);
	free(b);
	return e;
}

/* ------------------------------------------------------------------ */
/* A chart of the model as chart.h's struct. */

struct cj {
	chart c;
	const char *labels[CHART_MAX_LABELS];
	const char *rows[CHART_MAX_ROWS];
	double values[CHART_MAX_LABELS * CHART_MAX_ROWS];
	unsigned char hidden[CHART_MAX_LABELS * CHART_MAX_ROWS];
};

static int
chart_of(const json_t *j, struct cj *x)
{
	memset(x, 0, sizeof *x);
	const char *kind = json_string_value(json_object_get(j, "kind"));
	if (kind == NULL)
		return 0;
	x->c.kind = strcmp(kind, "line") == 0 ? CHART_LINE : strcmp(kind, "heat") == 0 ?
	    CHART_HEAT : CHART_BAR;
	x->c.title = json_string_value(json_object_get(j, "title"));
	const char *unit = json_string_value(json_object_get(j, "unit"));
	x->c.unit = unit != NULL && unit[0] != '\0' ? unit : NULL;
	x->c.decimals = (int)json_integer_value(json_object_get(j, "decimals"));
	const json_t *labels = json_object_get(j, "labels"), *values = json_object_get(j, "values");
	const json_t *hidden = json_object_get(j, "hidden"), *rows = json_object_get(j, "rows");
	size_t n = json_array_size(labels), nr = x->c.kind == CHART_HEAT ? json_array_size(rows) : 1;
	if (n == 0 || n > CHART_MAX_LABELS || nr == 0 || nr > CHART_MAX_ROWS ||
	    json_array_size(values) != n * nr)
		return 0;
	for (size_t i = 0; i < n; i++)
		x->labels[i] = json_string_value(json_array_get(labels, i));
	for (size_t i = 0; i < n * nr; i++) {
		x->values[i] = json_number_value(json_array_get(values, i));
		x->hidden[i] = json_is_true(json_array_get(hidden, i));
	}
	for (size_t r = 0; x->c.kind == CHART_HEAT && r < nr; r++)
		x->rows[r] = json_string_value(json_array_get(rows, r));
	x->c.n = n;
	x->c.labels = x->labels;
	x->c.values = x->values;
	x->c.hidden = x->hidden;
	x->c.rows = x->c.kind == CHART_HEAT ? nr : 0;
	x->c.row_labels = x->rows;
	return 1;
}

/* ------------------------------------------------------------------ */
/* The PDF. */

#define MM (72.0 / 25.4)
#define PAGE_W (210.0 * MM)
#define PAGE_H (297.0 * MM)
#define MARGIN (20.0 * MM)
#define CONTENT_W (PAGE_W - 2 * MARGIN)
#define BODY_BOTTOM (PAGE_H - 24.0 * MM)
#define ROW_H 17.0
#define SANS "Noto Sans CJK SC"
#define SERIF "Noto Serif CJK SC"

typedef struct pdf {
	cairo_t *cr;
	PangoContext *ctx;
	double y;
	int page;
	const char *footer, *page_fmt;
	buf *out;
	xa_err err;
} pdf;

static cairo_status_t
pdf_write(void *closure, const unsigned char *data, unsigned int len)
{
	pdf *p = closure;
	if (p->err != XA_OK)
		return CAIRO_STATUS_SUCCESS;
	xa_err e = buf_append(p->out, data, len);
	if (e != XA_OK)
		p->err = e;
	return CAIRO_STATUS_SUCCESS;
}

static PangoLayout *
layout(pdf *p, const char *text, const char *family, double size, int bold, double width)
{
	PangoLayout *l = pango_layout_new(p->ctx);
	PangoFontDescription *fd = pango_font_description_new();
	pango_font_description_set_family(fd, family);
	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_text(l, text ? text : "", -1);
	return l;
}

static double
layout_h(PangoLayout *l)
{
	PangoRectangle log;
	pango_layout_get_extents(l, NULL, &log);
	return (double)(log.y + log.height) / PANGO_SCALE;
}

/* The page's foot, then a new page. */
static void
page_end(pdf *p)
{
	char n[16];
	snprintf(n, sizeof n, "%d", p->page);
	/* The page text: the catalog's, with {n} replaced. */
	buf t;
	buf_init(&t, 512);
	const char *fmt = p->page_fmt ? p->page_fmt : "{n}";
	const char *at = strstr(fmt, "{n}");
	if (at != NULL) {
		buf_append(&t, fmt, (size_t)(at - fmt));
		buf_puts(&t, n);
		buf_puts(&t, at + 3);
	} else {
		buf_puts(&t, fmt);
	}
	cairo_set_source_rgb(p->cr, 0.6, 0.6, 0.6);
	cairo_set_line_width(p->cr, 0.5);
	cairo_move_to(p->cr, MARGIN, PAGE_H - 20 * MM);
	cairo_line_to(p->cr, PAGE_W - MARGIN, PAGE_H - 20 * MM);
	cairo_stroke(p->cr);
	cairo_set_source_rgb(p->cr, 0.35, 0.35, 0.35);
	PangoLayout *l = layout(p, p->footer, SANS, 8, 0, CONTENT_W * 0.75);
	cairo_move_to(p->cr, MARGIN, PAGE_H - 18.5 * MM);
	pango_cairo_show_layout(p->cr, l);
	g_object_unref(l);
	l = layout(p, t.data ? t.data : "", SANS, 8, 0, CONTENT_W * 0.25);
	pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
	cairo_move_to(p->cr, MARGIN + CONTENT_W * 0.75, PAGE_H - 18.5 * MM);
	pango_cairo_show_layout(p->cr, l);
	g_object_unref(l);
	buf_free(&t);
	cairo_show_page(p->cr);
	p->page++;
	p->y = MARGIN;
}

static void
need(pdf *p, double h)
{
	if (p->y + h > BODY_BOTTOM && p->y > MARGIN)
		page_end(p);
}

static void
text_block(pdf *p, const char *text, const char *family, double size, int bold, double grey,
    double before, double after)
{
	PangoLayout *l = layout(p, text, family, size, bold, CONTENT_W);
	if (strcmp(family, SANS) == 0 && !bold)
		pango_layout_set_line_spacing(l, 1.3f);
	double h = layout_h(l);
	p->y += before;
	need(p, h);
	cairo_set_source_rgb(p->cr, grey, grey, grey);
	cairo_move_to(p->cr, MARGIN, p->y);
	pango_cairo_show_layout(p->cr, l);
	p->y += h + after;
	g_object_unref(l);
}

/* One table row: cells of texts, right-aligned from the second column on. */
static void
table_row(pdf *p, const char *const *cells, size_t n, const double *w, int head)
{
	double x = MARGIN;
	if (head) {
		cairo_set_source_rgb(p->cr, 0.93, 0.95, 0.97);
		cairo_rectangle(p->cr, MARGIN, p->y, CONTENT_W, ROW_H);
		cairo_fill(p->cr);
	}
	for (size_t i = 0; i < n; i++) {
		PangoLayout *l = layout(p, cells[i], SANS, 9, head, w[i] - 6);
		pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
		pango_layout_set_height(l, 0);
		if (i > 0)
			pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
		cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
		cairo_move_to(p->cr, x + 3, p->y + 3);
		pango_cairo_show_layout(p->cr, l);
		g_object_unref(l);
		x += w[i];
	}
	p->y += ROW_H;
	cairo_set_source_rgb(p->cr, 0.8, 0.82, 0.85);
	cairo_set_line_width(p->cr, 0.5);
	cairo_move_to(p->cr, MARGIN, p->y);
	cairo_line_to(p->cr, MARGIN + CONTENT_W, p->y);
	cairo_stroke(p->cr);
}

/* The text of a model cell. */
static const char *
cell_text(const json_t *v, char tmp[32])
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(tmp, 32, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return tmp;
	}
	return "";
}

#define TABLE_COLS 12

static void
table_block(pdf *p, const json_t *t)
{
	const json_t *cols = json_object_get(t, "columns"), *rows = json_object_get(t, "rows");
	size_t nc = json_array_size(cols);
	if (nc == 0 || nc > TABLE_COLS)
		return;
	double w[TABLE_COLS];
	double first = nc > 2 ? CONTENT_W * 0.3 : CONTENT_W * 0.6;
	w[0] = first;
	for (size_t i = 1; i < nc; i++)
		w[i] = (CONTENT_W - first) / (double)(nc - 1);
	const char *head[TABLE_COLS];
	for (size_t i = 0; i < nc; i++)
		head[i] = json_string_value(json_array_get(cols, i));
	/* The title is kept with the header and the first rows. */
	p->y += 8;
	need(p, 18 + ROW_H * (json_array_size(rows) < 3 ? 1 + json_array_size(rows) : 4));
	text_block(p, json_string_value(json_object_get(t, "title")), SANS, 10, 1, 0.15, 0, 3);
	table_row(p, head, nc, w, 1);
	size_t i;
	const json_t *r;
	json_array_foreach(rows, i, r) {
		if (p->y + ROW_H > BODY_BOTTOM) {
			page_end(p);
			table_row(p, head, nc, w, 1);
		}
		const char *cells[TABLE_COLS];
		char tmp[TABLE_COLS][32];
		for (size_t k = 0; k < nc; k++)
			cells[k] = cell_text(json_array_get(r, k), tmp[k]);
		table_row(p, cells, nc, w, 0);
	}
	p->y += 4;
}

static void
chart_block(pdf *p, const json_t *j)
{
	struct cj *x = malloc(sizeof *x);
	chart_plot *pl = NULL;
	if (x == NULL)
		return;
	if (chart_of(j, x) && chart_layout(&x->c, &pl) == XA_OK) {
		double s = CONTENT_W / pl->width;
		p->y += 8;
		need(p, pl->height * s);
		chart_cairo(pl, p->cr, MARGIN, p->y, s);
		p->y += pl->height * s + 4;
	}
	chart_plot_free(pl);
	free(x);
}

xa_err
cityreport_pdf(const json_t *m, buf *out)
{
	const char *title = json_string_value(json_object_get(m, "title"));
	if (title == NULL || !json_is_array(json_object_get(m, "sections")))
		return XA_EINVAL;
	size_t start = out->len;
	pdf p = { .out = out, .page = 1, .y = MARGIN };
	p.footer = json_string_value(json_object_get(m, "footer"));
	p.page_fmt = json_string_value(json_object_get(m, "page"));
	cairo_surface_t *surf = cairo_pdf_surface_create_for_stream(pdf_write, &p, PAGE_W, PAGE_H);
	xa_err e = XA_OK;
	if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(surf);
		return XA_ENOMEM;
	}
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "xiaoan");
	p.cr = cairo_create(surf);
	PangoFontMap *fm = pango_cairo_font_map_get_default();
	p.ctx = pango_font_map_create_context(fm);
	cairo_font_options_t *fo = cairo_font_options_create();
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	pango_cairo_context_set_font_options(p.ctx, fo);
	cairo_font_options_destroy(fo);
	pango_cairo_context_set_resolution(p.ctx, 72.0);
	pango_context_set_language(p.ctx, pango_language_from_string("zh-cn"));

	/* The cover's head. */
	p.y = MARGIN + 30 * MM;
	text_block(&p, title, SERIF, 20, 1, 0, 0, 10);
	text_block(&p, json_string_value(json_object_get(m, "subtitle")), SANS, 11, 0, 0.3, 0, 6);
	text_block(&p, json_string_value(json_object_get(m, "note")), SANS, 9, 0, 0.35, 6, 14);
	size_t i;
	const json_t *s;
	json_array_foreach(json_object_get(m, "sections"), i, s) {
		/* A heading is never left alone at a page's foot. */
		p.y += 16;
		need(&p, 90);
		text_block(&p, json_string_value(json_object_get(s, "heading")), SERIF, 14, 1, 0,
		    0, 6);
		size_t k;
		const json_t *v;
		json_array_foreach(json_object_get(s, "paragraphs"), k, v)
			text_block(&p, json_string_value(v), SANS, 10.5, 0, 0.1, 2, 4);
		json_array_foreach(json_object_get(s, "charts"), k, v)
			chart_block(&p, v);
		json_array_foreach(json_object_get(s, "tables"), k, v)
			table_block(&p, v);
	}
	page_end(&p);
	g_object_unref(p.ctx);
	cairo_destroy(p.cr);
	cairo_surface_finish(surf);
	if (p.err != XA_OK)
		e = p.err;
	else if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS)
		e = XA_EIO;
	cairo_surface_destroy(surf);
	if (e != XA_OK && out->data != NULL) {
		out->len = start;
		out->data[start] = '\0';
	}
	return e;
}

/* ------------------------------------------------------------------ */
/* The xlsx. */

/* A sheet name Excel takes: at most 31 characters, none of []:*?/\,
 * unique in the workbook (a number added when taken). */
static void
sheet_name(const char *want, int idx, char *out, size_t len)
{
	size_t n = 0, chars = 0;
	for (const unsigned char *s = (const unsigned char *)(want ? want : ""); *s && chars < 28;) {
		size_t cl = *s < 0x80 ? 1 : (*s & 0xE0) == 0xC0 ? 2 : (*s & 0xF0) == 0xE0 ? 3 : 4;
		if (n + cl + 4 >= len)
			break;
		if (cl == 1 && strchr("[]:*?/\\'", *s) != NULL) {
			s++;
			continue;
		}
		memcpy(out + n, s, cl);
		n += cl;
		s += cl;
		chars++;
	}
	out[n] = '\0';
	if (n == 0)
		snprintf(out, len, "%d", idx + 1);
}

static void
xlsx_cell(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const json_t *v, lxw_format *f)
{
	if (json_is_integer(v))
		worksheet_write_number(ws, r, c, (double)json_integer_value(v), f);
	else if (json_is_real(v))
		worksheet_write_number(ws, r, c, json_real_value(v), f);
	else if (json_is_string(v))
		/* A string cell, never a formula, whatever it starts with. */
		worksheet_write_string(ws, r, c, json_string_value(v), f);
}

xa_err
cityreport_xlsx(const json_t *m, const char *tmpdir, buf *out)
{
	char path[512];
	const char *dir = tmpdir != NULL && tmpdir[0] != '\0' ? tmpdir : "/tmp";
	int n = snprintf(path, sizeof path, "%s/xiaoan-cityreport-XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof path)
		return XA_ETOOBIG;
	if (!json_is_array(json_object_get(m, "sections")))
		return XA_EINVAL;
	int fd = mkstemp(path);
	if (fd < 0)
		return XA_EIO;
	close(fd);
	xa_err e = XA_OK;
	lxw_workbook_options opt = { .constant_memory = 0, .tmpdir = (char *)dir };
	lxw_workbook *wb = workbook_new_opt(path, &opt);
	if (wb == NULL) {
		unlink(path);
		return XA_EIO;
	}
	lxw_format *bold = workbook_add_format(wb);
	format_set_bold(bold);
	lxw_format *head = workbook_add_format(wb);
	format_set_bold(head);
	format_set_bg_color(head, 0xE2E8F0);
	format_set_border(head, LXW_BORDER_THIN);
	lxw_format *title = workbook_add_format(wb);
	format_set_bold(title);
	format_set_font_size(title, 14);
	/* The cover sheet. */
	char name[160];
	sheet_name(json_string_value(json_object_get(m, "school_year")), 0, name, sizeof name);
	lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
	if (ws == NULL) {
		e = XA_EIO;
		goto close;
	}
	worksheet_set_column(ws, 0, 0, 80, NULL);
	worksheet_write_string(ws, 0, 0, json_string_value(json_object_get(m, "title")), title);
	worksheet_write_string(ws, 1, 0, json_string_value(json_object_get(m, "subtitle")), NULL);
	worksheet_write_string(ws, 2, 0, json_string_value(json_object_get(m, "note")), NULL);
	size_t i;
	const json_t *s;
	json_array_foreach(json_object_get(m, "sections"), i, s) {
		char want[128];
		sheet_name(json_string_value(json_object_get(s, "sheet")), (int)i + 1, want,
		    sizeof want);
		/* Unique: a taken name gets the section's number. */
		if (workbook_get_worksheet_by_name(wb, want) != NULL)
			snprintf(name, sizeof name, "%s%d", want, (int)i + 1);
		else
			snprintf(name, sizeof name, "%s", want);
		ws = workbook_add_worksheet(wb, name);
		if (ws == NULL) {
			e = XA_EIO;
			goto close;
		}
		worksheet_set_column(ws, 0, 0, 30, NULL);
		worksheet_set_column(ws, 1, 8, 14, NULL);
		lxw_row_t r = 0;
		worksheet_write_string(ws, r++, 0, json_string_value(json_object_get(s, "heading")),
		    title);
		size_t k;
		const json_t *v;
		json_array_foreach(json_object_get(s, "paragraphs"), k, v)
			worksheet_write_string(ws, r++, 0, json_string_value(v), NULL);
		json_array_foreach(json_object_get(s, "tables"), k, v) {
			r++;
			worksheet_write_string(ws, r++, 0, json_string_value(json_object_get(v,
			    "title")), bold);
			size_t c;
			const json_t *h;
			json_array_foreach(json_object_get(v, "columns"), c, h)
				xlsx_cell(ws, r, (lxw_col_t)c, h, head);
			r++;
			size_t q;
			const json_t *row_j;
			json_array_foreach(json_object_get(v, "rows"), q, row_j) {
				json_array_foreach(row_j, c, h)
					xlsx_cell(ws, r, (lxw_col_t)c, h, NULL);
				r++;
			}
		}
	}
close:
	if (workbook_close(wb) != LXW_NO_ERROR && e == XA_OK)
		e = XA_EIO;
	if (e == XA_OK) {
		FILE *f = fopen(path, "rb");
		if (f == NULL) {
			e = XA_EIO;
		} else {
			char chunk[16384];
			size_t got;
			while (e == XA_OK && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
				e = buf_append(out, chunk, got);
			if (ferror(f) && e == XA_OK)
				e = XA_EIO;
			fclose(f);
		}
	}
	unlink(path);
	return e;
}

xa_err
cityreport_chart_svg(const json_t *chart_model, buf *out)
{
	struct cj *x = malloc(sizeof *x);
	if (x == NULL)
		return XA_ENOMEM;
	xa_err e = chart_of(chart_model, x) ? chart_render_svg(&x->c, out) : XA_EINVAL;
	free(x);
	return e;
}
