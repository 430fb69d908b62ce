/* results.h: the all-student survey's results (issue 6, regulation.md §5,
 * §7): per-class counts summed up the levels (class → grade within its
 * school → school → township → city), prevalences, response rates, the
 * change since the previous semester, the suppression of small cells
 * (including complementary suppression, so that no hidden cell can be
 * worked out by subtraction from the cells shown), and the early
 * warnings (苗头迹象) raised from them.
 *
 * The input is only survey_counts (kept per class by the collection side
 * as answers arrive) and the registry's head counts: nothing here ever
 * reads a raw response. The aggregate (sv_agg) is plain memory built by
 * sv_build(), so the arithmetic and the suppression are tested without a
 * database.
 *
 * Never: show a number of a hidden cell, or raise a warning on one. */
#ifndef XA_RESULTS_H
#define XA_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../store/db.h"

enum sv_level { SV_CITY, SV_TOWNSHIP, SV_SCHOOL, SV_GRADE, SV_CLASS, SV__LEVELS };
enum sv_sex { SV_ALL, SV_M, SV_F, SV__SEXES };

/* Measures beyond respondents, victims and bullies (forms, places, whom
 * the student told, adult_helped, help_wanted, the bureau's own questions
 * x.extraN.oK), by name, at most: */
#define SV_EXTRA_MAX 64

/* One cell: a node's respondents of one sex and how many of them were
 * bullied / bullied others at "2–3 times a month or more". */
struct sv_cell {
	int64_t n, victim, bully;
	bool hidden;		/* suppressed: no number of it may be shown */
	bool primary;		/* hidden because 0 < n < min_cell */
};

struct sv_node {
	enum sv_level level;
	int64_t id;		/* unit id (township 0: schools under no
				 * township), class id, or the grade number */
	int64_t school_id;	/* grade and class nodes: their school */
	int grade;		/* grade and class nodes */
	size_t parent;		/* index; SIZE_MAX for the city */
	size_t child0, nchild;	/* children: nodes[child0 .. child0+nchild) */
	int64_t heads[SV__SEXES];	/* head count: all, boys, girls */
	struct sv_cell cell[SV__SEXES];
};

/* A class as the registry has it, and where it sits. */
struct sv_class_in {
	int64_t class_id, school_id, township_id;	/* township 0: none */
	int grade;
	int64_t boys, girls;
};

/* One row of survey_counts. */
struct sv_count_in {
	int64_t class_id;
	const char *measure;
	int64_t n;
};

typedef struct sv_agg {
	struct sv_node *nodes;	/* the city first, then each level in turn */
	size_t n;
	size_t level0[SV__LEVELS + 1];	/* nodes of level l: [level0[l], level0[l+1]) */
	char *extra_names[SV_EXTRA_MAX];	/* "form.physical", ... sorted */
	size_t nextra;
	int64_t *extra;		/* n × nextra, of the SV_ALL cell */
	long min_cell;
	/* The shared cache's (sv_load_cached): which campaign, when built,
	 * how many hold it. */
	int64_t campaign_id, built_at;
	unsigned refs;
} sv_agg;

/* Builds the aggregate of classes[0..nclasses) with counts[0..ncounts)
 * (rows of unknown classes or measures are skipped) and suppresses every
 * cell with 0 < n < min_cell and, complementarily, whatever more a total
 * would give away: in every equation (a node's all = boys + girls, and a
 * parent's cell = the sum of its children's of the same sex) no hidden
 * cell is ever alone. A cell with n = 0 holds nothing and is shown as 0.
 * *out is the caller's, freed with sv_free(). */
xa_err sv_build(const struct sv_class_in *classes, size_t nclasses,
    const struct sv_count_in *counts, size_t ncounts, long min_cell,
    sv_agg **out);
void sv_free(sv_agg *g);

/* The node of level with id (grades: id is the grade, school the school),
 * or NULL. */
const struct sv_node *sv_find(const sv_agg *g, enum sv_level level,
    int64_t id, int64_t school);
/* The count of extra measure name in node i's SV_ALL cell, or -1 when the
 * cell is hidden; 0 when the measure was never counted. */
int64_t sv_extra(const sv_agg *g, size_t i, const char *name);

/* Percentages in tenths of a point, so that comparisons are exact: the
 * share of cell's respondents who were bullied (victim) or bullied
 * others; -1 when the cell is hidden or has no respondents. */
int sv_permille_victim(const struct sv_cell *c);
int sv_permille_bully(const struct sv_cell *c);
/* Respondents against head count, in tenths of a percent; -1 when the
 * cell is hidden or the head count is 0. */
int sv_response_permille(const struct sv_node *nd, enum sv_sex s);

/* Early-warning reasons. */
#define SVW_HIGH "high"	/* victim share at or above the threshold */
#define SVW_RISE "rise"	/* risen by at least so many points */

struct sv_warning {
	int64_t school_id, class_id;	/* class 0: the school itself */
	const char *reason;		/* SVW_HIGH or SVW_RISE */
	int permille, previous;		/* previous -1: none */
};

/* The warnings of cur against prev (NULL: no previous campaign): each
 * class and school whose SV_ALL cell is shown, with respondents, and whose
 * victim share is at least warn_percent, or has risen by at least
 * rise_points since prev's same node (shown there too). Into out[0..max);
 * *nout receives how many there are (may exceed max: only max are
 * written). */
void sv_warnings(const sv_agg *cur, const sv_agg *prev, long warn_percent,
    long rise_points, struct sv_warning *out, size_t max, size_t *nout);

/* --- From the database. */

/* A campaign's row. */
struct sv_campaign {
	int64_t id, unit_id;
	char semester[16];
	char state[12];
	char name[160];
};
xa_err sv_campaign_get(db *conn, int64_t id, struct sv_campaign *out);
/* The previous semester's campaign of the same scope (same unit, latest
 * semester before this one's); *prev_id 0 when there is none. */
xa_err sv_campaign_previous(db *conn, const struct sv_campaign *c,
    int64_t *prev_id);
/* The aggregate of campaign_id: its schools' classes with their head
 * counts now, and its survey_counts; min_cell from the settings. */
xa_err sv_load(db *conn, int64_t campaign_id, sv_agg **out);

/* The same, shared between the event loops: an aggregate built at most
 * SV_CACHE_SECONDS before now with the min_cell setting now in force, or
 * built now (answers arriving count within that many seconds). Read it
 * only; hand it back with sv_release(). Thread-safe. */
#define SV_CACHE_SECONDS 5
xa_err sv_load_cached(db *conn, int64_t campaign_id, int64_t now, const sv_agg **out);
void sv_release(const sv_agg *g);
/* Drops every cached aggregate (tests, shutdown). */
void sv_cache_clear(void);

/* Raises the warnings of campaign_id that are not yet raised (one per
 * campaign, school, class and reason, however often it runs), state
 * 'raised', at now; *raised receives how many were new. Runs on a writer
 * connection (inside the writer's transaction, or its own). */
xa_err survey_warnings_raise(db *conn, int64_t campaign_id, int64_t now,
    size_t *raised);

#endif
