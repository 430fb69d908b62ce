/* results.c: the survey's results and early warnings behind results.h:
 * class counts summed up the levels, the suppression of small cells and
 * of the cells that would give them away, prevalences and warnings.
 *
 * Never: read survey_responses (only survey_counts), or let a hidden
 * cell's numbers out of an sv_agg other than through its `hidden` flag. */
#include "results.h"
#include "survey.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/settings.h"

/* ------------------------------------------------------------------ */
/* Building. */

static int
class_cmp(const void *a, const void *b)
{
	const struct sv_class_in *x = a, *y = b;
	if (x->township_id != y->township_id)
		return x->township_id < y->township_id ? -1 : 1;
	if (x->school_id != y->school_id)
		return x->school_id < y->school_id ? -1 : 1;
	if (x->grade != y->grade)
		return x->grade < y->grade ? -1 : 1;
	if (x->class_id != y->class_id)
		return x->class_id < y->class_id ? -1 : 1;
	return 0;
}

struct idx { int64_t id; size_t i; };

static int
idx_cmp(const void *a, const void *b)
{
	const struct idx *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What a measure counts: a cell's field of a sex, or an extra measure
 * (-1 in field). */
enum { F_N, F_VICTIM, F_BULLY };

static bool
fixed_measure(const char *m, int *field, int *sex)
{
	static const char *const names[3] = { "responses", "victim", "bully" };
	for (int f = 0; f < 3; f++) {
		size_t l = strlen(names[f]);
		if (strncmp(m, names[f], l) != 0)
			continue;
		*field = f;
		if (m[l] == '\0')
			*sex = SV_ALL;
		else if (strcmp(m + l, ".m") == 0)
			*sex = SV_M;
		else if (strcmp(m + l, ".f") == 0)
			*sex = SV_F;
		else
			continue;
		return true;
	}
	return false;
}

static bool
extra_measure(const char *m)
{
	return strncmp(m, "form.", 5) == 0 || strncmp(m, "place.", 6) == 0 ||
	    strncmp(m, "told.", 5) == 0 || strcmp(m, "adult_helped") == 0 ||
	    strcmp(m, "help_wanted") == 0 || strncmp(m, "x.", 2) == 0;
}

static int64_t *
cell_field(struct sv_cell *c, int f)
{
	return f == F_N ? &c->n : f == F_VICTIM ? &c->victim : &c->bully;
}

/* Hides the cell of the equation cells[0..n) with the fewest respondents
 * among those shown and not empty, skipping index skip (-1: none);
 * true when one was hidden. */
static bool
hide_smallest(struct sv_cell **cells, size_t n, size_t skip)
{
	struct sv_cell *best = NULL;
	for (size_t i = 0; i < n; i++) {
		if (i == skip || cells[i]->hidden || cells[i]->n == 0)
			continue;
		if (best == NULL || cells[i]->n < best->n)
			best = cells[i];
	}
	if (best == NULL)
		return false;
	best->hidden = true;
	return true;
}

/* One equation: cells[0] = the sum of the others (a parent and its
 * children) or the node's all = boys + girls. A hidden cell alone in an
 * equation would be its total less the rest, so a second one goes: a
 * child (the smallest) rather than the parent when a child is alone,
 * and the parent only when no child is left. true when something changed. */
static bool
fix_equation(struct sv_cell **cells, size_t n)
{
	size_t hidden = 0, which = 0;
	for (size_t i = 0; i < n; i++) {
		if (cells[i]->hidden) {
			hidden++;
			which = i;
		}
	}
	if (hidden != 1)
		return false;
	if (which == 0)
		return hide_smallest(cells + 1, n - 1, (size_t)-1);
	if (hide_smallest(cells + 1, n - 1, which - 1))
		return true;
	if (!cells[0]->hidden && cells[0]->n > 0) {
		cells[0]->hidden = true;
		return true;
	}
	return false;
}

/* Primary suppression, then complementary suppression to a fixed point
 * (it only ever hides more, so it ends). */
static xa_err
suppress(sv_agg *g)
{
	size_t maxkids = 1;
	for (size_t i = 0; i < g->n; i++)
		if (g->nodes[i].nchild + 1 > maxkids)
			maxkids = g->nodes[i].nchild + 1;
	struct sv_cell **eq = malloc(maxkids * sizeof *eq);
	/* The pupils who did not say boy or girl: all = boys + girls + these,
	 * never shown but known whenever the three are, so they take part in
	 * every equation as a cell of their own (hidden when few), lest
	 * all − boys − girls tell one child's answers. */
	struct sv_cell *xs = calloc(g->n ? g->n : 1, sizeof *xs);
	if (eq == NULL || xs == NULL) {
		free(eq);
		free(xs);
		return XA_ENOMEM;
	}
	for (size_t i = 0; i < g->n; i++) {
		for (int s = 0; s < SV__SEXES; s++) {
			struct sv_cell *c = &g->nodes[i].cell[s];
			c->hidden = c->primary = c->n > 0 && c->n < g->min_cell;
		}
		const struct sv_cell *c = g->nodes[i].cell;
		xs[i].n = c[SV_ALL].n - c[SV_M].n - c[SV_F].n;
		xs[i].victim = c[SV_ALL].victim - c[SV_M].victim - c[SV_F].victim;
		xs[i].bully = c[SV_ALL].bully - c[SV_M].bully - c[SV_F].bully;
		if (xs[i].n < 0)
			xs[i].n = 0;
		xs[i].hidden = xs[i].primary = xs[i].n > 0 && xs[i].n < g->min_cell;
	}
	bool changed = true;
	while (changed) {
		changed = false;
		for (size_t i = 0; i < g->n; i++) {
			struct sv_node *nd = &g->nodes[i];
			/* A hidden node hides its split by sex with it. */
			if (nd->cell[SV_ALL].hidden) {
				for (int s = SV_M; s <= SV_F; s++) {
					if (!nd->cell[s].hidden && nd->cell[s].n > 0) {
						nd->cell[s].hidden = true;
						changed = true;
					}
				}
			}
			struct sv_cell *row[4] = { &nd->cell[SV_ALL], &nd->cell[SV_M],
			    &nd->cell[SV_F], &xs[i] };
			changed |= fix_equation(row, 4);
			if (nd->nchild == 0)
				continue;
			for (int s = 0; s <= SV__SEXES; s++) {
				eq[0] = s < SV__SEXES ? &nd->cell[s] : &xs[i];
				for (size_t k = 0; k < nd->nchild; k++)
					eq[k + 1] = s < SV__SEXES ?
					    &g->nodes[nd->child0 + k].cell[s] : &xs[nd->child0 + k];
				changed |= fix_equation(eq, nd->nchild + 1);
			}
		}
	}
	free(eq);
	free(xs);
	return XA_OK;
}

/* The column of extra measure m in g, or -1. */
static int
extra_col(const sv_agg *g, const char *m)
{
	size_t lo = 0, hi = g->nextra;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(m, g->extra_names[mid]);
		if (c == 0)
			return (int)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/* A small cache of what each distinct measure pointer means (the loader
 * interns its names, so most rows hit on the pointer alone). */
struct mcache {
	const char *p[64];
	int field[64], sex[64], col[64];
	size_t n;
};

static void
classify(const sv_agg *g, struct mcache *mc, const char *m, int *field, int *sex,
    int *col)
{
	for (size_t i = 0; i < mc->n; i++) {
		if (mc->p[i] == m) {
			*field = mc->field[i], *sex = mc->sex[i], *col = mc->col[i];
			return;
		}
	}
	*col = -1;
	*field = -1;
	*sex = SV_ALL;
	if (!fixed_measure(m, field, sex)) {
		*field = -1;
		*col = extra_col(g, m);
	}
	if (mc->n < 64) {
		mc->p[mc->n] = m, mc->field[mc->n] = *field;
		mc->sex[mc->n] = *sex, mc->col[mc->n] = *col;
		mc->n++;
	}
}

/* The extra measures' names of counts, sorted and unique, into g. */
static xa_err
collect_extra(sv_agg *g, const struct sv_count_in *counts, size_t ncounts)
{
	const char *last = NULL;
	for (size_t i = 0; i < ncounts; i++) {
		const char *m = counts[i].measure;
		if (m == NULL || m == last || !extra_measure(m))
			continue;
		last = m;
		bool seen = false;
		for (size_t k = 0; k < g->nextra && !seen; k++)
			seen = strcmp(g->extra_names[k], m) == 0;
		if (seen || g->nextra == SV_EXTRA_MAX)
			continue;
		if ((g->extra_names[g->nextra] = strdup(m)) == NULL)
			return XA_ENOMEM;
		g->nextra++;
	}
	qsort(g->extra_names, g->nextra, sizeof g->extra_names[0], str_cmp);
	return XA_OK;
}

xa_err
sv_build(const struct sv_class_in *classes, size_t nclasses,
    const struct sv_count_in *counts, size_t ncounts, long min_cell, sv_agg **out)
{
	xa_err e = XA_ENOMEM;
	struct sv_class_in *cl = NULL;
	struct idx *byid = NULL;
	sv_agg *g = calloc(1, sizeof *g);
	*out = NULL;
	if (g == NULL)
		return XA_ENOMEM;
	g->min_cell = min_cell < 1 ? 1 : min_cell;
	if (nclasses > 0 && (cl = malloc(nclasses * sizeof *cl)) == NULL)
		goto fail;
	if (nclasses > 0)
		memcpy(cl, classes, nclasses * sizeof *cl);
	qsort(cl, nclasses, sizeof *cl, class_cmp);

	/* How many nodes of each level. */
	size_t per[SV__LEVELS] = { 1, 0, 0, 0, 0 };
	for (size_t i = 0; i < nclasses; i++) {
		const struct sv_class_in *c = &cl[i], *p = i ? &cl[i - 1] : NULL;
		bool nt = p == NULL || p->township_id != c->township_id;
		bool ns = nt || p->school_id != c->school_id;
		bool ngr = ns || p->grade != c->grade;
		per[SV_TOWNSHIP] += nt;
		per[SV_SCHOOL] += ns;
		per[SV_GRADE] += ngr;
		per[SV_CLASS]++;
	}
	g->level0[0] = 0;
	for (int l = 0; l < SV__LEVELS; l++)
		g->level0[l + 1] = g->level0[l] + per[l];
	g->n = g->level0[SV__LEVELS];
	if ((g->nodes = calloc(g->n, sizeof *g->nodes)) == NULL)
		goto fail;

	/* The nodes, level by level; a parent's children are contiguous
	 * because the classes are sorted by township, school, grade. */
	size_t cur[SV__LEVELS];
	for (int l = 0; l < SV__LEVELS; l++)
		cur[l] = g->level0[l];
	struct sv_node *city = &g->nodes[0];
	city->level = SV_CITY;
	city->parent = SIZE_MAX;
	size_t ti = 0, si = 0, gi = 0;
	for (size_t i = 0; i < nclasses; i++) {
		const struct sv_class_in *c = &cl[i], *p = i ? &cl[i - 1] : NULL;
		bool nt = p == NULL || p->township_id != c->township_id;
		bool ns = nt || p->school_id != c->school_id;
		bool ngr = ns || p->grade != c->grade;
		if (nt) {
			ti = cur[SV_TOWNSHIP]++;
			g->nodes[ti] = (struct sv_node){ .level = SV_TOWNSHIP,
			    .id = c->township_id, .parent = 0 };
			if (city->nchild++ == 0)
				city->child0 = ti;
		}
		if (ns) {
			si = cur[SV_SCHOOL]++;
			g->nodes[si] = (struct sv_node){ .level = SV_SCHOOL,
			    .id = c->school_id, .school_id = c->school_id, .parent = ti };
			if (g->nodes[ti].nchild++ == 0)
				g->nodes[ti].child0 = si;
		}
		if (ngr) {
			gi = cur[SV_GRADE]++;
			g->nodes[gi] = (struct sv_node){ .level = SV_GRADE,
			    .id = c->grade, .school_id = c->school_id, .grade = c->grade,
			    .parent = si };
			if (g->nodes[si].nchild++ == 0)
				g->nodes[si].child0 = gi;
		}
		size_t ci = cur[SV_CLASS]++;
		g->nodes[ci] = (struct sv_node){ .level = SV_CLASS, .id = c->class_id,
		    .school_id = c->school_id, .grade = c->grade, .parent = gi };
		g->nodes[ci].heads[SV_M] = c->boys;
		g->nodes[ci].heads[SV_F] = c->girls;
		g->nodes[ci].heads[SV_ALL] = c->boys + c->girls;
		if (g->nodes[gi].nchild++ == 0)
			g->nodes[gi].child0 = ci;
	}

	/* The counts, into their classes. */
	if ((e = collect_extra(g, counts, ncounts)) != XA_OK)
		goto fail;
	e = XA_ENOMEM;
	if (g->nextra > 0 && (g->extra = calloc(g->n * g->nextra, sizeof *g->extra)) == NULL)
		goto fail;
	if (per[SV_CLASS] > 0 && (byid = malloc(per[SV_CLASS] * sizeof *byid)) == NULL)
		goto fail;
	for (size_t k = 0; k < per[SV_CLASS]; k++)
		byid[k] = (struct idx){ g->nodes[g->level0[SV_CLASS] + k].id,
		    g->level0[SV_CLASS] + k };
	qsort(byid, per[SV_CLASS], sizeof *byid, idx_cmp);
	struct mcache mc = { .n = 0 };
	const struct idx *hit = NULL;
	for (size_t i = 0; i < ncounts; i++) {
		const struct sv_count_in *r = &counts[i];
		if (r->measure == NULL || r->n <= 0)
			continue;
		if (hit == NULL || hit->id != r->class_id) {
			struct idx key = { r->class_id, 0 };
			hit = per[SV_CLASS] ? bsearch(&key, byid, per[SV_CLASS],
			    sizeof *byid, idx_cmp) : NULL;
			if (hit == NULL)
				continue;
		}
		int field, sex, col;
		classify(g, &mc, r->measure, &field, &sex, &col);
		struct sv_node *nd = &g->nodes[hit->i];
		if (field >= 0)
			*cell_field(&nd->cell[sex], field) += r->n;
		else if (col >= 0)
			g->extra[hit->i * g->nextra + (size_t)col] += r->n;
	}

	/* Up the levels: children come after their parents, so walking
	 * backwards adds each node in before its parent is added on. */
	for (size_t i = g->n; i-- > 1;) {
		struct sv_node *nd = &g->nodes[i], *pa = &g->nodes[nd->parent];
		for (int s = 0; s < SV__SEXES; s++) {
			pa->heads[s] += nd->heads[s];
			pa->cell[s].n += nd->cell[s].n;
			pa->cell[s].victim += nd->cell[s].victim;
			pa->cell[s].bully += nd->cell[s].bully;
		}
		for (size_t k = 0; k < g->nextra; k++)
			g->extra[nd->parent * g->nextra + k] += g->extra[i * g->nextra + k];
	}
	if ((e = suppress(g)) != XA_OK)
		goto fail;
	free(cl);
	free(byid);
	*out = g;
	return XA_OK;
fail:
	free(cl);
	free(byid);
	sv_free(g);
	return e;
}

void
sv_free(sv_agg *g)
{
	if (g == NULL)
		return;
	for (size_t i = 0; i < g->nextra; i++)
		free(g->extra_names[i]);
	free(g->extra);
	free(g->nodes);
	free(g);
}

/* ------------------------------------------------------------------ */
/* Reading. */

const struct sv_node *
sv_find(const sv_agg *g, enum sv_level level, int64_t id, int64_t school)
{
	if (g == NULL || (unsigned)level >= SV__LEVELS)
		return NULL;
	/* Each level is sorted by (township, school, grade, class), so a
	 * linear look is the simple way; levels are a few thousand nodes. */
	for (size_t i = g->level0[level]; i < g->level0[level + 1]; i++) {
		const struct sv_node *nd = &g->nodes[i];
		if (nd->id == id && (level != SV_GRADE || nd->school_id == school))
			return nd;
	}
	return NULL;
}

int64_t
sv_extra(const sv_agg *g, size_t i, const char *name)
{
	if (i >= g->n || g->nodes[i].cell[SV_ALL].hidden)
		return -1;
	int c = extra_col(g, name);
	return c < 0 ? 0 : g->extra[i * g->nextra + (size_t)c];
}

static int
permille(int64_t part, int64_t whole)
{
	return (int)((part * 1000 + whole / 2) / whole);
}

int
sv_permille_victim(const struct sv_cell *c)
{
	return c->hidden || c->n <= 0 ? -1 : permille(c->victim, c->n);
}

int
sv_permille_bully(const struct sv_cell *c)
{
	return c->hidden || c->n <= 0 ? -1 : permille(c->bully, c->n);
}

int
sv_response_permille(const struct sv_node *nd, enum sv_sex s)
{
	const struct sv_cell *c = &nd->cell[s];
	return c->hidden || nd->heads[s] <= 0 ? -1 : permille(c->n, nd->heads[s]);
}

/* ------------------------------------------------------------------ */
/* Warnings. */

void
sv_warnings(const sv_agg *cur, const sv_agg *prev, long warn_percent,
    long rise_points, struct sv_warning *out, size_t max, size_t *nout)
{
	size_t n = 0;
	for (int l = SV_SCHOOL; l <= SV_CLASS; l += SV_CLASS - SV_SCHOOL) {
		for (size_t i = cur->level0[l]; i < cur->level0[l + 1]; i++) {
			const struct sv_node *nd = &cur->nodes[i];
			const struct sv_cell *c = &nd->cell[SV_ALL];
			if (c->hidden || c->n <= 0)
				continue;
			int64_t cls = l == SV_CLASS ? nd->id : 0;
			const struct sv_node *pn = sv_find(prev, (enum sv_level)l, nd->id, 0);
			const struct sv_cell *pc = pn ? &pn->cell[SV_ALL] : NULL;
			int before = pc ? sv_permille_victim(pc) : -1;
			struct sv_warning w = { nd->school_id, cls, NULL,
			    sv_permille_victim(c), before };
			/* Exact: victim/n ≥ p% ⇔ 100·victim ≥ p·n. */
			if (100 * c->victim >= (int64_t)warn_percent * c->n) {
				w.reason = SVW_HIGH;
				if (n < max)
					out[n] = w;
				n++;
			}
			/* v1/n1 − v0/n0 ≥ r/100 ⇔ 100(v1·n0 − v0·n1) ≥ r·n0·n1. */
			if (before >= 0 && 100 * (c->victim * pc->n - pc->victim * c->n) >=
			    (int64_t)rise_points * pc->n * c->n) {
				w.reason = SVW_RISE;
				if (n < max)
					out[n] = w;
				n++;
			}
		}
	}
	*nout = n;
}

/* ------------------------------------------------------------------ */
/* From the database. */

static void
copy_text(char *dst, size_t len, const char *s)
{
	size_t l = s ? strlen(s) : 0;
	if (l >= len)
		l = len - 1;
	if (l > 0)
		memcpy(dst, s, l);
	dst[l] = '\0';
}

xa_err
sv_campaign_get(db *conn, int64_t id, struct sv_campaign *out)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT id, unit_id, semester, state, name FROM"
	    " survey_campaigns WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == 1) {
		out->id = db_col_int(st, 0);
		out->unit_id = db_col_int(st, 1);
		copy_text(out->semester, sizeof out->semester, db_col_text(st, 2));
		copy_text(out->state, sizeof out->state, db_col_text(st, 3));
		copy_text(out->name, sizeof out->name, db_col_text(st, 4));
	}
	db_done(st);
	return rc == 1 ? XA_OK : rc == 0 ? XA_ENOTFOUND : (xa_err)-rc;
}

xa_err
sv_campaign_previous(db *conn, const struct sv_campaign *c, int64_t *prev_id)
{
	db_stmt *st = NULL;
	*prev_id = 0;
	xa_err e = db_prepare(conn, "SELECT id FROM survey_campaigns WHERE unit_id = ?"
	    " AND semester < ? ORDER BY semester DESC, id DESC LIMIT 1", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, c->unit_id);
	db_bind_text(st, 2, c->semester, -1);
	int rc = db_step(st);
	if (rc == 1)
		*prev_id = db_col_int(st, 0);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* Interned measure names of one load: the rows come in the same few
 * dozen names, so each is stored once. */
struct names {
	char *v[128];
	size_t n;
};

static const char *
intern(struct names *nm, const char *s, size_t *guess)
{
	if (*guess < nm->n && strcmp(nm->v[*guess], s) == 0)
		return nm->v[(*guess)++];
	for (size_t i = 0; i < nm->n; i++) {
		if (strcmp(nm->v[i], s) == 0) {
			*guess = i + 1;
			return nm->v[i];
		}
	}
	if (nm->n == 128 || (nm->v[nm->n] = strdup(s)) == NULL)
		return NULL;
	*guess = nm->n + 1;
	return nm->v[nm->n++];
}

xa_err
sv_load(db *conn, int64_t campaign_id, sv_agg **out)
{
	struct sv_class_in *cl = NULL;
	struct sv_count_in *ct = NULL;
	size_t ncl = 0, capcl = 0, nct = 0, capct = 0;
	struct names nm = { .n = 0 };
	db_stmt *st = NULL;
	xa_err e;
	int rc;
	*out = NULL;
	long min_cell = setting_get(conn, S_SURVEY_MIN_CELL);

	if ((e = db_prepare(conn, "SELECT c.class_id, c.unit_id, c.grade, c.boys, c.girls,"
	    " CASE WHEN t.kind = 'township' THEN t.id ELSE 0 END"
	    " FROM survey_campaign_classes c"
	    " JOIN units s ON s.id = c.unit_id LEFT JOIN units t ON t.id = s.parent_id"
	    " WHERE c.campaign_id = ?", &st)) != XA_OK)
		goto done;
	db_bind_int(st, 1, campaign_id);
	while ((rc = db_step(st)) == 1) {
		if (ncl == capcl) {
			size_t nc = capcl ? capcl * 2 : 256;
			void *p = realloc(cl, nc * sizeof *cl);
			if (p == NULL) {
				e = XA_ENOMEM;
				goto done;
			}
			cl = p, capcl = nc;
		}
		cl[ncl++] = (struct sv_class_in){ .class_id = db_col_int(st, 0),
		    .school_id = db_col_int(st, 1), .grade = (int)db_col_int(st, 2),
		    .boys = db_col_int(st, 3), .girls = db_col_int(st, 4),
		    .township_id = db_col_int(st, 5) };
	}
	db_done(st);
	st = NULL;
	if (rc < 0) {
		e = (xa_err)-rc;
		goto done;
	}

	if ((e = db_prepare(conn, "SELECT class_id, measure, n FROM survey_counts"
	    " WHERE campaign_id = ?", &st)) != XA_OK)
		goto done;
	db_bind_int(st, 1, campaign_id);
	size_t guess = 0;
	while ((rc = db_step(st)) == 1) {
		if (nct == capct) {
			size_t nc = capct ? capct * 2 : 4096;
			void *p = realloc(ct, nc * sizeof *ct);
			if (p == NULL) {
				e = XA_ENOMEM;
				goto done;
			}
			ct = p, capct = nc;
		}
		const char *m = intern(&nm, db_col_text(st, 1), &guess);
		if (m == NULL)
			continue;
		ct[nct++] = (struct sv_count_in){ db_col_int(st, 0), m, db_col_int(st, 2) };
	}
	db_done(st);
	st = NULL;
	if (rc < 0) {
		e = (xa_err)-rc;
		goto done;
	}
	e = sv_build(cl, ncl, ct, nct, min_cell, out);
done:
	if (st != NULL)
		db_done(st);
	for (size_t i = 0; i < nm.n; i++)
		free(nm.v[i]);
	free(cl);
	free(ct);
	return e;
}

/* ------------------------------------------------------------------ */
/* The shared cache: a few campaigns' aggregates, each freed by whoever
 * lets go of it last once it has left the table. */

#define CACHE_SLOTS 16

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static sv_agg *cache[CACHE_SLOTS];

/* With cache_mu held: one reference fewer; frees g at none. */
static void
unref_locked(sv_agg *g)
{
	if (g != NULL && --g->refs == 0)
		sv_free(g);
}

xa_err
sv_load_cached(db *conn, int64_t campaign_id, int64_t now, const sv_agg **out)
{
	long min_cell = setting_get(conn, S_SURVEY_MIN_CELL);
	*out = NULL;
	pthread_mutex_lock(&cache_mu);
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		sv_agg *g = cache[i];
		if (g != NULL && g->campaign_id == campaign_id && g->min_cell == min_cell &&
		    now >= g->built_at && now - g->built_at < SV_CACHE_SECONDS) {
			g->refs++;
			*out = g;
			pthread_mutex_unlock(&cache_mu);
			return XA_OK;
		}
	}
	pthread_mutex_unlock(&cache_mu);
	sv_agg *g = NULL;
	xa_err e = sv_load(conn, campaign_id, &g);
	if (e != XA_OK)
		return e;
	g->campaign_id = campaign_id;
	g->built_at = now;
	g->refs = 2;	/* the table's and the caller's */
	pthread_mutex_lock(&cache_mu);
	size_t slot = 0;
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		if (cache[i] == NULL || cache[i]->campaign_id == campaign_id) {
			slot = i;
			break;
		}
		if (cache[i]->built_at < cache[slot]->built_at)
			slot = i;
	}
	unref_locked(cache[slot]);
	cache[slot] = g;
	pthread_mutex_unlock(&cache_mu);
	*out = g;
	return XA_OK;
}

void
sv_release(const sv_agg *g)
{
	if (g == NULL)
		return;
	pthread_mutex_lock(&cache_mu);
	unref_locked((sv_agg *)g);
	pthread_mutex_unlock(&cache_mu);
}

void
sv_cache_clear(void)
{
	pthread_mutex_lock(&cache_mu);
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		unref_locked(cache[i]);
		cache[i] = NULL;
	}
	pthread_mutex_unlock(&cache_mu);
}

static const char warn_insert[] = "INSERT OR IGNORE INTO survey_warnings"
    " (campaign_id, unit_id, class_id, reason, prevalence, previous, threshold,"
    " respondents, raised_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

xa_err
survey_warnings_raise(db *conn, int64_t campaign_id, int64_t now, size_t *raised)
{
	struct sv_campaign c;
	sv_agg *cur = NULL, *prev = NULL;
	struct sv_warning *w = NULL;
	db_stmt *st = NULL;
	size_t nw = 0;
	int64_t prev_id = 0;
	*raised = 0;
	xa_err e = sv_campaign_get(conn, campaign_id, &c);
	if (e != XA_OK)
		return e;
	if ((e = sv_campaign_previous(conn, &c, &prev_id)) != XA_OK)
		goto done;
	if ((e = sv_load(conn, campaign_id, &cur)) != XA_OK)
		goto done;
	if (prev_id > 0 && (e = sv_load(conn, prev_id, &prev)) != XA_OK)
		goto done;
	long pct = setting_get(conn, S_SURVEY_WARN_PERCENT);
	long rise = setting_get(conn, S_SURVEY_WARN_RISE);
	sv_warnings(cur, prev, pct, rise, NULL, 0, &nw);
	if (nw == 0)
		goto done;
	e = XA_ENOMEM;
	if ((w = malloc(nw * sizeof *w)) == NULL)
		goto done;
	sv_warnings(cur, prev, pct, rise, w, nw, &nw);
	for (size_t i = 0; i < nw; i++) {
		bool high = strcmp(w[i].reason, SVW_HIGH) == 0;
		const struct sv_node *nd = w[i].class_id ?
		    sv_find(cur, SV_CLASS, w[i].class_id, 0) :
		    sv_find(cur, SV_SCHOOL, w[i].school_id, 0);
		if ((e = db_prepare(conn, warn_insert, &st)) != XA_OK) {
			st = NULL;
			goto done;
		}
		db_bind_int(st, 1, campaign_id);
		db_bind_int(st, 2, w[i].school_id);
		db_bind_int(st, 3, w[i].class_id);
		db_bind_text(st, 4, w[i].reason, -1);
		db_bind_int(st, 5, w[i].permille);
		db_bind_int(st, 6, w[i].previous);
		db_bind_int(st, 7, high ? pct : rise);
		db_bind_int(st, 8, nd ? nd->cell[SV_ALL].n : 0);
		db_bind_int(st, 9, now);
		int rc = db_step(st);
		db_done(st);
		st = NULL;
		if (rc < 0) {
			e = (xa_err)-rc;
			goto done;
		}
		*raised += (size_t)db_changes(conn);
	}
	e = XA_OK;
done:
	if (st != NULL)
		db_done(st);
	free(w);
	sv_free(cur);
	sv_free(prev);
	return e;
}
