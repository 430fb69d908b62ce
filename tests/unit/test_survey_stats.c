/* test_survey_stats.c: the survey's results as pure functions
 * (src/prevention/results.c): class counts summed up to grade, school,
 * township and city; prevalences, response rates and extra measures;
 * primary suppression of small cells and complementary suppression within
 * a level, across levels and across the split by sex; an exhaustive check
 * on random cities that no hidden cell can be worked out from the cells
 * shown by any sum or difference of totals (linear algebra over a prime
 * field, so every subtraction there is is tried); the early warnings from
 * fixtures of known prevalence, and the rise since last semester, at
 * their exact boundaries and never on a hidden cell. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prevention/results.h"

/* --- Fixture helpers. */

#define MAXC 64
#define MAXR 1024

struct fx {
	struct sv_class_in cl[MAXC];
	size_t ncl;
	struct sv_count_in ct[MAXR];
	size_t nct;
};

static void
add_count(struct fx *f, int64_t cls, const char *m, int64_t n)
{
	assert_true(f->nct < MAXR);
	f->ct[f->nct++] = (struct sv_count_in){ cls, m, n };
}

/* A class with nm boys and nf girls answering, of whom vm, vf were
 * bullied and bm, bf bullied others; head counts boys, girls. */
static void
add_class(struct fx *f, int64_t id, int64_t school, int64_t town, int grade,
    int64_t boys, int64_t girls, int64_t nm, int64_t nf, int64_t vm, int64_t vf,
    int64_t bm, int64_t bf)
{
	assert_true(f->ncl < MAXC);
	f->cl[f->ncl++] = (struct sv_class_in){ id, school, town, grade, boys, girls };
	add_count(f, id, "responses", nm + nf);
	add_count(f, id, "responses.m", nm);
	add_count(f, id, "responses.f", nf);
	add_count(f, id, "victim", vm + vf);
	add_count(f, id, "victim.m", vm);
	add_count(f, id, "victim.f", vf);
	add_count(f, id, "bully", bm + bf);
	add_count(f, id, "bully.m", bm);
	add_count(f, id, "bully.f", bf);
}

static sv_agg *
build(const struct fx *f, long min_cell)
{
	sv_agg *g = NULL;
	assert_int_equal(sv_build(f->cl, f->ncl, f->ct, f->nct, min_cell, &g), XA_OK);
	assert_non_null(g);
	return g;
}

static const struct sv_node *
node(const sv_agg *g, enum sv_level l, int64_t id, int64_t school)
{
	const struct sv_node *nd = sv_find(g, l, id, school);
	assert_non_null(nd);
	return nd;
}

static size_t
index_of(const sv_agg *g, const struct sv_node *nd)
{
	return (size_t)(nd - g->nodes);
}

/* --- The exhaustive check: no hidden cell is determined by the shown
 * ones. Unknowns are the hidden cells; the equations are every node's
 * all = boys + girls and every parent's cell = the sum of its children's,
 * per sex. A hidden cell x is worked out by some combination of totals
 * exactly when the unit vector of x lies in the row space of the
 * equations restricted to the unknowns. */

#define P 2147483647LL

static int64_t
md(int64_t a)
{
	a %= P;
	return a < 0 ? a + P : a;
}

static int64_t
inv(int64_t a)
{
	int64_t r = 1, e = P - 2;
	a = md(a);
	while (e > 0) {
		if (e & 1)
			r = r * a % P;
		a = a * a % P;
		e >>= 1;
	}
	return r;
}

/* Returns the number of hidden cells that can be worked out (0 is safe),
 * and fails the test naming the first. */
static size_t
leaks(const sv_agg *g, bool report)
{
	size_t ncell = g->n * SV__SEXES;
	long *unk = malloc(ncell * sizeof *unk);
	size_t nu = 0;
	for (size_t i = 0; i < ncell; i++) {
		const struct sv_cell *c = &g->nodes[i / SV__SEXES].cell[i % SV__SEXES];
		unk[i] = c->hidden ? (long)nu++ : -1;
	}
	if (nu == 0) {
		free(unk);
		return 0;
	}
	size_t neq = g->n * (1 + SV__SEXES);
	int64_t *m = calloc(neq * nu, sizeof *m);
	size_t r = 0;
#define SET(row, cell, v) do { if (unk[(cell)] >= 0) \
	m[(row) * nu + (size_t)unk[(cell)]] = md(m[(row) * nu + (size_t)unk[(cell)]] + (v)); } while (0)
	for (size_t i = 0; i < g->n; i++) {
		SET(r, i * 3 + SV_ALL, 1);
		SET(r, i * 3 + SV_M, -1);
		SET(r, i * 3 + SV_F, -1);
		r++;
		const struct sv_node *nd = &g->nodes[i];
		if (nd->nchild == 0)
			continue;
		for (int s = 0; s < SV__SEXES; s++) {
			SET(r, i * 3 + (size_t)s, 1);
			for (size_t k = 0; k < nd->nchild; k++)
				SET(r, (nd->child0 + k) * 3 + (size_t)s, -1);
			r++;
		}
	}
#undef SET
	/* Reduced row echelon form. */
	size_t *pivcol = malloc(r * sizeof *pivcol);
	size_t rank = 0;
	for (size_t c = 0; c < nu && rank < r; c++) {
		size_t p = rank;
		while (p < r && m[p * nu + c] == 0)
			p++;
		if (p == r)
			continue;
		for (size_t k = 0; k < nu; k++) {
			int64_t t = m[p * nu + k];
			m[p * nu + k] = m[rank * nu + k];
			m[rank * nu + k] = t;
		}
		int64_t iv = inv(m[rank * nu + c]);
		for (size_t k = 0; k < nu; k++)
			m[rank * nu + k] = m[rank * nu + k] * iv % P;
		for (size_t q = 0; q < r; q++) {
			if (q == rank || m[q * nu + c] == 0)
				continue;
			int64_t f = m[q * nu + c];
			for (size_t k = 0; k < nu; k++)
				m[q * nu + k] = md(m[q * nu + k] - f * m[rank * nu + k]);
		}
		pivcol[rank++] = c;
	}
	/* e_x is in the row space iff some row of the RREF is exactly e_x
	 * (its pivot at x and zero elsewhere). */
	size_t bad = 0;
	for (size_t q = 0; q < rank; q++) {
		size_t nz = 0;
		for (size_t k = 0; k < nu; k++)
			nz += m[q * nu + k] != 0;
		if (nz == 1) {
			bad++;
			if (report) {
				for (size_t i = 0; i < ncell; i++) {
					if (unk[i] == (long)pivcol[q])
						print_error("leak: node %zu (level %d id %lld) sex %zu\n",
						    i / 3, g->nodes[i / 3].level,
						    (long long)g->nodes[i / 3].id, i % 3);
				}
			}
		}
	}
	free(pivcol);
	free(m);
	free(unk);
	return bad;
}

/* --- Aggregation. */

/* Town 10: school 100 (grade 1: classes 1, 2; grade 2: class 3) and
 * school 101 (grade 1: class 4); town 11: school 110 (class 5); and
 * school 120 under no township. */
static void
city_fixture(struct fx *f)
{
	memset(f, 0, sizeof *f);
	add_class(f, 1, 100, 10, 1, 20, 20, 18, 19, 2, 3, 1, 0);
	add_class(f, 2, 100, 10, 1, 22, 18, 20, 15, 4, 1, 2, 1);
	add_class(f, 3, 100, 10, 2, 25, 25, 24, 22, 0, 6, 0, 2);
	add_class(f, 4, 101, 10, 1, 30, 30, 28, 27, 5, 5, 3, 3);
	add_class(f, 5, 110, 11, 3, 15, 15, 10, 12, 1, 1, 0, 0);
	add_class(f, 6, 120, 0, 7, 40, 40, 35, 36, 7, 7, 4, 4);
	add_count(f, 1, "form.verbal", 4);
	add_count(f, 2, "form.verbal", 3);
	add_count(f, 3, "form.physical", 2);
	add_count(f, 4, "place.toilet", 1);
	add_count(f, 99, "responses", 50);	/* no such class: skipped */
	add_count(f, 1, "nonsense", 9);		/* no such measure: skipped */
}

static void
test_sums_up_the_levels(void **state)
{
	(void)state;
	struct fx f;
	city_fixture(&f);
	sv_agg *g = build(&f, 5);
	assert_int_equal(g->level0[SV_CLASS + 1] - g->level0[SV_CLASS], 6);
	assert_int_equal(g->level0[SV_TOWNSHIP + 1] - g->level0[SV_TOWNSHIP], 3);
	const struct sv_node *city = &g->nodes[0];
	assert_int_equal(city->level, SV_CITY);
	assert_int_equal(city->cell[SV_ALL].n, 37 + 35 + 46 + 55 + 22 + 71);
	assert_int_equal(city->cell[SV_M].n, 18 + 20 + 24 + 28 + 10 + 35);
	assert_int_equal(city->cell[SV_F].victim, 3 + 1 + 6 + 5 + 1 + 7);
	assert_int_equal(city->heads[SV_ALL], 40 + 40 + 50 + 60 + 30 + 80);
	const struct sv_node *s100 = node(g, SV_SCHOOL, 100, 0);
	assert_int_equal(s100->cell[SV_ALL].n, 37 + 35 + 46);
	assert_int_equal(s100->cell[SV_ALL].victim, 5 + 5 + 6);
	assert_int_equal(s100->cell[SV_ALL].bully, 1 + 3 + 2);
	assert_int_equal(s100->nchild, 2);
	const struct sv_node *g1 = node(g, SV_GRADE, 1, 100);
	assert_int_equal(g1->cell[SV_ALL].n, 72);
	assert_int_equal(g1->nchild, 2);
	assert_int_equal(g1->heads[SV_M], 42);
	/* grade 1 of school 101 is a different node. */
	assert_int_equal(node(g, SV_GRADE, 1, 101)->cell[SV_ALL].n, 55);
	const struct sv_node *t10 = node(g, SV_TOWNSHIP, 10, 0);
	assert_int_equal(t10->cell[SV_ALL].n, 37 + 35 + 46 + 55);
	assert_int_equal(node(g, SV_TOWNSHIP, 0, 0)->cell[SV_ALL].n, 71);
	/* Prevalences in tenths of a percent: 16 of 118 = 13.559 → 136. */
	assert_int_equal(sv_permille_victim(&s100->cell[SV_ALL]), 136);
	assert_int_equal(sv_permille_bully(&s100->cell[SV_ALL]), 51);
	/* Response rate: 118 of 130. */
	assert_int_equal(sv_response_permille(s100, SV_ALL), 908);
	/* Extra measures up the levels. */
	assert_int_equal(sv_extra(g, index_of(g, s100), "form.verbal"), 7);
	assert_int_equal(sv_extra(g, 0, "form.physical"), 2);
	assert_int_equal(sv_extra(g, 0, "place.toilet"), 1);
	assert_int_equal(sv_extra(g, 0, "told.teacher"), 0);
	/* Nothing here is small: nothing hidden. */
	for (size_t i = 0; i < g->n; i++)
		for (int s = 0; s < SV__SEXES; s++)
			assert_false(g->nodes[i].cell[s].hidden);
	sv_free(g);
}

/* --- Suppression. */

static void
test_small_class_and_its_complement(void **state)
{
	(void)state;
	struct fx f;
	memset(&f, 0, sizeof f);
	/* One school, one grade: classes of 30, 12, 3 (primary), 20. */
	add_class(&f, 1, 100, 10, 1, 20, 20, 15, 15, 3, 3, 1, 1);
	add_class(&f, 2, 100, 10, 1, 10, 10, 6, 6, 1, 1, 0, 0);
	add_class(&f, 3, 100, 10, 1, 10, 10, 2, 1, 1, 0, 0, 0);
	add_class(&f, 4, 100, 10, 1, 10, 10, 10, 10, 2, 0, 1, 0);
	sv_agg *g = build(&f, 5);
	const struct sv_node *c1 = node(g, SV_CLASS, 1, 0), *c2 = node(g, SV_CLASS, 2, 0);
	const struct sv_node *c3 = node(g, SV_CLASS, 3, 0), *c4 = node(g, SV_CLASS, 4, 0);
	assert_true(c3->cell[SV_ALL].hidden);
	assert_true(c3->cell[SV_ALL].primary);
	/* The grade is shown, so class 3 = grade − 1 − 2 − 4: the smallest
	 * other class (2, with 12) goes too. */
	assert_false(node(g, SV_GRADE, 1, 100)->cell[SV_ALL].hidden);
	assert_true(c2->cell[SV_ALL].hidden);
	assert_false(c2->cell[SV_ALL].primary);
	assert_false(c1->cell[SV_ALL].hidden);
	assert_false(c4->cell[SV_ALL].hidden);
	/* Hidden cells say nothing. */
	assert_int_equal(sv_permille_victim(&c2->cell[SV_ALL]), -1);
	assert_int_equal(sv_response_permille(c2, SV_ALL), -1);
	assert_int_equal(sv_extra(g, index_of(g, c3), "form.verbal"), -1);
	/* A hidden class hides its split by sex (boys 6 and girls 6 of class
	 * 2 would add up to it). */
	assert_true(c2->cell[SV_M].hidden && c2->cell[SV_F].hidden);
	assert_int_equal(leaks(g, true), 0);
	sv_free(g);

	/* Without the complementary rule class 3 would be a plain
	 * difference: show that the checker sees it. */
	g = build(&f, 5);
	struct sv_node *m2 = &g->nodes[index_of(g, node(g, SV_CLASS, 2, 0))];
	for (int s = 0; s < SV__SEXES; s++)
		m2->cell[s].hidden = false;
	assert_true(leaks(g, false) > 0);
	sv_free(g);
}

static void
test_complement_across_levels(void **state)
{
	(void)state;
	struct fx f;
	memset(&f, 0, sizeof f);
	/* School 100: grade 1 with one class of 4 (primary, so the grade is
	 * too), grade 2 with classes of 30 and 40. The school is shown, so
	 * grade 1 = school − grade 2: grade 2 must go, and then, its classes
	 * being all shown, one of them as well (else grade 2 = their sum). */
	add_class(&f, 1, 100, 10, 1, 5, 5, 2, 2, 1, 0, 0, 0);
	add_class(&f, 2, 100, 10, 2, 20, 20, 15, 15, 3, 3, 1, 1);
	add_class(&f, 3, 100, 10, 2, 20, 20, 20, 20, 3, 3, 1, 1);
	/* A second school in the township, so the township is shown. */
	add_class(&f, 4, 101, 10, 1, 30, 30, 25, 25, 3, 3, 1, 1);
	sv_agg *g = build(&f, 5);
	assert_true(node(g, SV_GRADE, 1, 100)->cell[SV_ALL].primary);
	assert_true(node(g, SV_GRADE, 2, 100)->cell[SV_ALL].hidden);
	assert_true(node(g, SV_CLASS, 2, 0)->cell[SV_ALL].hidden);	/* 30 < 40 */
	assert_false(node(g, SV_CLASS, 3, 0)->cell[SV_ALL].hidden);
	assert_false(node(g, SV_SCHOOL, 100, 0)->cell[SV_ALL].hidden);
	assert_int_equal(leaks(g, true), 0);
	sv_free(g);
}

static void
test_complement_across_sex(void **state)
{
	(void)state;
	struct fx f;
	memset(&f, 0, sizeof f);
	/* Class 1: 3 boys and 20 girls answered. Its total (23) is shown, so
	 * girls = total − boys: the girls go too. Then, in the grade, boys of
	 * class 1 = grade's boys − class 2's boys: class 2's boys go, and so
	 * its girls. */
	add_class(&f, 1, 100, 10, 1, 5, 22, 3, 20, 1, 5, 0, 1);
	add_class(&f, 2, 100, 10, 1, 15, 15, 12, 14, 2, 2, 1, 1);
	add_class(&f, 3, 100, 10, 1, 15, 15, 14, 14, 2, 2, 1, 1);
	sv_agg *g = build(&f, 5);
	const struct sv_node *c1 = node(g, SV_CLASS, 1, 0), *c2 = node(g, SV_CLASS, 2, 0);
	assert_false(c1->cell[SV_ALL].hidden);
	assert_true(c1->cell[SV_M].primary);
	assert_true(c1->cell[SV_F].hidden);
	assert_false(c1->cell[SV_F].primary);
	assert_true(c2->cell[SV_M].hidden);	/* 12 < 14 */
	assert_true(c2->cell[SV_F].hidden);
	assert_false(c2->cell[SV_ALL].hidden);
	assert_false(node(g, SV_CLASS, 3, 0)->cell[SV_M].hidden);
	assert_int_equal(leaks(g, true), 0);
	sv_free(g);
}

/* A pupil who chose "rather not say": all = boys + girls + that one, so
 * with all three shown, all − boys − girls would tell that child's
 * answers. One of boys or girls goes (and what follows from it). */
static void
test_rather_not_say(void **state)
{
	(void)state;
	struct fx f;
	memset(&f, 0, sizeof f);
	add_class(&f, 1, 100, 10, 1, 15, 15, 12, 14, 2, 2, 1, 1);
	add_class(&f, 2, 100, 10, 1, 15, 15, 14, 14, 2, 2, 1, 1);
	/* one more in class 1, no sex given, bullied */
	for (size_t i = 0; i < f.nct; i++)
		if (f.ct[i].class_id == 1 && (strcmp(f.ct[i].measure, "responses") == 0 ||
		    strcmp(f.ct[i].measure, "victim") == 0))
			f.ct[i].n++;
	sv_agg *g = build(&f, 5);
	const struct sv_node *c1 = node(g, SV_CLASS, 1, 0);
	assert_int_equal(c1->cell[SV_ALL].n, 27);
	assert_false(c1->cell[SV_ALL].hidden);
	assert_true(c1->cell[SV_M].hidden || c1->cell[SV_F].hidden);
	/* And the grade cannot give it back: the other class loses the same
	 * split, or the grade's. */
	const struct sv_node *c2 = node(g, SV_CLASS, 2, 0);
	const struct sv_node *gr = &g->nodes[c1->parent];
	for (int s = SV_M; s <= SV_F; s++)
		if (c1->cell[s].hidden)
			assert_true(c2->cell[s].hidden || gr->cell[s].hidden);
	sv_free(g);
	/* Without such a pupil nothing is hidden. */
	memset(&f, 0, sizeof f);
	add_class(&f, 1, 100, 10, 1, 15, 15, 12, 14, 2, 2, 1, 1);
	add_class(&f, 2, 100, 10, 1, 15, 15, 14, 14, 2, 2, 1, 1);
	g = build(&f, 5);
	assert_false(node(g, SV_CLASS, 1, 0)->cell[SV_M].hidden);
	assert_false(node(g, SV_CLASS, 1, 0)->cell[SV_F].hidden);
	sv_free(g);
}

static void
test_empty_and_single_child(void **state)
{
	(void)state;
	struct fx f;
	memset(&f, 0, sizeof f);
	/* A class nobody answered holds nothing: shown as 0, not hidden. A
	 * school whose only class is small is hidden with it all the way. */
	add_class(&f, 1, 100, 10, 1, 20, 20, 0, 0, 0, 0, 0, 0);
	add_class(&f, 2, 100, 10, 1, 20, 20, 10, 10, 2, 2, 0, 0);
	add_class(&f, 3, 101, 10, 1, 5, 5, 2, 1, 1, 0, 0, 0);
	add_class(&f, 4, 102, 10, 1, 30, 30, 20, 20, 1, 1, 0, 0);
	add_class(&f, 5, 103, 10, 1, 30, 30, 25, 25, 1, 1, 0, 0);
	sv_agg *g = build(&f, 5);
	const struct sv_node *c1 = node(g, SV_CLASS, 1, 0);
	assert_false(c1->cell[SV_ALL].hidden);
	assert_int_equal(c1->cell[SV_ALL].n, 0);
	assert_int_equal(sv_permille_victim(&c1->cell[SV_ALL]), -1);	/* no respondents */
	assert_int_equal(sv_response_permille(c1, SV_ALL), 0);
	assert_true(node(g, SV_SCHOOL, 101, 0)->cell[SV_ALL].hidden);
	assert_true(node(g, SV_GRADE, 1, 101)->cell[SV_ALL].hidden);
	/* School 101 = township − 100 − 102 − 103: the smallest other
	 * school (100, with 20) goes. */
	assert_true(node(g, SV_SCHOOL, 100, 0)->cell[SV_ALL].hidden);
	assert_false(node(g, SV_SCHOOL, 102, 0)->cell[SV_ALL].hidden);
	/* And school 100, hidden but big, is not left as the sum of its
	 * classes: one of them goes (class 2, the only one not empty). */
	assert_true(node(g, SV_CLASS, 2, 0)->cell[SV_ALL].hidden);
	assert_int_equal(leaks(g, true), 0);
	sv_free(g);
}

static void
test_min_cell_setting(void **state)
{
	(void)state;
	struct fx f;
	city_fixture(&f);
	/* At 20, class 5 (22) stays, the boys of class 5 (10) do not. */
	sv_agg *g = build(&f, 20);
	assert_false(node(g, SV_CLASS, 5, 0)->cell[SV_ALL].hidden);
	assert_true(node(g, SV_CLASS, 5, 0)->cell[SV_M].primary);
	assert_int_equal(g->min_cell, 20);
	assert_int_equal(leaks(g, true), 0);
	sv_free(g);
	/* At 1 nothing with respondents is small. */
	g = build(&f, 1);
	for (size_t i = 0; i < g->n; i++)
		assert_false(g->nodes[i].cell[SV_ALL].hidden);
	sv_free(g);
}

/* Random cities, many small cells: never a leak, and every primary cell
 * hidden. */
static void
test_random_cities_never_leak(void **state)
{
	(void)state;
	unsigned seed = 12345;
#define RND(k) ((seed = seed * 1103515245u + 12345u), (int64_t)((seed >> 16) % (unsigned)(k)))
	size_t hidden_total = 0;
	for (int round = 0; round < 400; round++) {
		struct fx f;
		memset(&f, 0, sizeof f);
		int64_t cid = 1;
		int towns = 1 + (int)RND(3);
		for (int t = 0; t < towns; t++) {
			int schools = 1 + (int)RND(3);
			for (int s = 0; s < schools; s++) {
				int grades = 1 + (int)RND(3);
				for (int gr = 1; gr <= grades; gr++) {
					int classes = 1 + (int)RND(3);
					for (int c = 0; c < classes && f.ncl < MAXC; c++) {
						int64_t nm = RND(12), nf = RND(12);
						if (RND(5) == 0)
							nm = nf = 0;
						int64_t vm = nm ? RND(nm + 1) : 0, vf = nf ? RND(nf + 1) : 0;
						add_class(&f, cid++, 100 + t * 10 + s, t, gr, nm + 2, nf + 2,
						    nm, nf, vm, vf, 0, 0);
					}
				}
			}
		}
		long k = 3 + (long)RND(6);
		sv_agg *g = build(&f, k);
		for (size_t i = 0; i < g->n; i++) {
			for (int s = 0; s < SV__SEXES; s++) {
				const struct sv_cell *c = &g->nodes[i].cell[s];
				if (c->n > 0 && c->n < k)
					assert_true(c->hidden);
				if (c->n == 0)
					assert_false(c->hidden);
				hidden_total += c->hidden;
			}
		}
		if (leaks(g, true) != 0)
			fail_msg("round %d leaks", round);
		sv_free(g);
	}
	assert_true(hidden_total > 1000);	/* the fixtures do have small cells */
#undef RND
}

/* --- Warnings. */

static void
test_warnings_known_prevalence(void **state)
{
	(void)state;
	struct fx cur;
	memset(&cur, 0, sizeof cur);
	/* School 100: class 1 has 6 of 30 bullied (exactly 20%: warned),
	 * class 2 has 5 of 26 (19.2%: not), class 3 has 3 of 4 (75%, but too
	 * few to show: never warned), class 5 none of 10 (hidden with class 3,
	 * the smallest other). The school: 14 of 70, exactly 20%. School 101:
	 * 2 of 40. */
	add_class(&cur, 1, 100, 10, 1, 15, 15, 15, 15, 3, 3, 0, 0);
	add_class(&cur, 2, 100, 10, 1, 13, 13, 13, 13, 3, 2, 0, 0);
	add_class(&cur, 3, 100, 10, 1, 2, 2, 2, 2, 2, 1, 0, 0);
	add_class(&cur, 5, 100, 10, 1, 5, 5, 5, 5, 0, 0, 0, 0);
	add_class(&cur, 4, 101, 10, 1, 20, 20, 20, 20, 1, 1, 0, 0);
	sv_agg *g = build(&cur, 5);
	assert_true(node(g, SV_CLASS, 5, 0)->cell[SV_ALL].hidden);
	assert_false(node(g, SV_CLASS, 2, 0)->cell[SV_ALL].hidden);
	struct sv_warning w[16];
	size_t n = 0;
	sv_warnings(g, NULL, 20, 10, w, 16, &n);
	assert_int_equal(n, 2);
	bool saw_class = false, saw_school = false;
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(w[i].reason, SVW_HIGH);
		assert_int_equal(w[i].school_id, 100);
		assert_int_equal(w[i].permille, 200);
		assert_int_equal(w[i].previous, -1);
		saw_class |= w[i].class_id == 1;
		saw_school |= w[i].class_id == 0;
	}
	assert_true(saw_class && saw_school);
	/* Just above 20% for the school: only the class (20.0%) is not. */
	sv_warnings(g, NULL, 21, 10, w, 16, &n);
	assert_int_equal(n, 0);
	/* Classes 3 and 5, hidden, never, however low the threshold: classes
	 * 1, 2, 4 and schools 100, 101. */
	sv_warnings(g, NULL, 1, 10, w, 16, &n);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++) {
		assert_int_not_equal(w[i].class_id, 3);
		assert_int_not_equal(w[i].class_id, 5);
	}
	/* Room for two: says five, writes two. */
	sv_warnings(g, NULL, 1, 10, w, 2, &n);
	assert_int_equal(n, 5);
	sv_free(g);
}

static void
test_warnings_rise(void **state)
{
	(void)state;
	struct fx cur, prev;
	memset(&cur, 0, sizeof cur);
	memset(&prev, 0, sizeof prev);
	/* Class 1: 1 of 20 (5%) last semester, 3 of 20 (15%) now: a rise of
	 * exactly 10 points. Class 2: 2 of 20 → 3 of 20 (+5). Class 3: hidden
	 * last semester (3 respondents): no rise without a shown previous. */
	add_class(&prev, 1, 100, 10, 1, 10, 10, 10, 10, 1, 0, 0, 0);
	add_class(&prev, 2, 100, 10, 1, 10, 10, 10, 10, 1, 1, 0, 0);
	add_class(&prev, 3, 100, 10, 1, 10, 10, 2, 1, 0, 0, 0, 0);
	add_class(&prev, 4, 100, 10, 1, 10, 10, 10, 10, 0, 0, 0, 0);
	add_class(&cur, 1, 100, 10, 1, 10, 10, 10, 10, 2, 1, 0, 0);
	add_class(&cur, 2, 100, 10, 1, 10, 10, 10, 10, 2, 1, 0, 0);
	add_class(&cur, 3, 100, 10, 1, 10, 10, 10, 10, 2, 1, 0, 0);
	add_class(&cur, 4, 100, 10, 1, 10, 10, 10, 10, 0, 0, 0, 0);
	sv_agg *gp = build(&prev, 5), *gc = build(&cur, 5);
	/* In last semester's grade, class 3 was small, so another went with it. */
	assert_true(node(gp, SV_CLASS, 3, 0)->cell[SV_ALL].hidden);
	struct sv_warning w[16];
	size_t n = 0;
	sv_warnings(gc, gp, 90, 10, w, 16, &n);
	size_t rises = 0;
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(w[i].reason, SVW_RISE);
		assert_int_not_equal(w[i].class_id, 2);
		assert_int_not_equal(w[i].class_id, 3);
		if (w[i].class_id == 1) {
			assert_int_equal(w[i].permille, 150);
			assert_int_equal(w[i].previous, 50);
			rises++;
		}
	}
	assert_int_equal(rises, node(gp, SV_CLASS, 1, 0)->cell[SV_ALL].hidden ? 0 : 1);
	/* At 11 points class 1 no longer counts. */
	sv_warnings(gc, gp, 90, 11, w, 16, &n);
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(w[i].class_id, 1);
	/* Counting without room reports how many there are. */
	size_t n2 = 0;
	sv_warnings(gc, gp, 1, 1, NULL, 0, &n2);
	assert_true(n2 > 0);
	sv_free(gp);
	sv_free(gc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sums_up_the_levels),
		cmocka_unit_test(test_small_class_and_its_complement),
		cmocka_unit_test(test_complement_across_levels),
		cmocka_unit_test(test_complement_across_sex),
		cmocka_unit_test(test_rather_not_say),
		cmocka_unit_test(test_empty_and_single_child),
		cmocka_unit_test(test_min_cell_setting),
		cmocka_unit_test(test_random_cities_never_leak),
		cmocka_unit_test(test_warnings_known_prevalence),
		cmocka_unit_test(test_warnings_rise),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
