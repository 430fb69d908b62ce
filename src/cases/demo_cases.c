/* demo_cases.c: a school year of reports and cases for the demo city
 * (demo_cases.h, docs/demo.md "Reports and cases").
 *
 * Three steps. First every report and case is planned in memory from the
 * seed: who, what, where, and each step of its handling with the moment
 * it happens (school days, working hours, the winter holiday), cut at the
 * current hour so nothing lies in the future. Then the steps of all cases
 * are sorted by time and run through the store (cases.h) in that order,
 * so case numbers follow the calendar and the audit chain reads like the
 * year it records. Every transition is checked with case_check() on the
 * facts case_facts_load() counts from the rows written so far; a refusal
 * stops the demo with the case and the missing keys (a bug here, never
 * something to skip). Last, one summary line. Before all that, the
 * committees of 2025–26 get the seats the city lacks for that year, so
 * that each determination names who sat that day.
 *
 * It must never write a name, a narrative or a contact unsealed (names,
 * guardians, bodies and reasons are sealed with the record's own key;
 * what stays plain is what statistics need, and the supervision texts,
 * which name nobody), never name a real person (students' names are
 * drawn from common characters and checked against a list of public
 * figures; guardians' phones are in the 170/171 virtual-carrier blocks,
 * docs/demo.md), and never begin or commit a transaction. */
#include "demo_cases.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/audit.h"
#include "../auth/keys.h"
#include "../auth/settings.h"
#include "../core/buf.h"
#include "../core/calendar.h"
#include "../core/crypto.h"
#include "../core/i18n.h"
#include "../org/org.h"
#include "../notify/notify.h"
#include "cases.h"

#define SOURCE "xiaoan demo"
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define NAME_LEN 16
#define YEAR_START "2025-09-01"	/* the school year the demo starts in */
/* The 2025–26 committee's term: the spring term's last day (the city's
 * former parent representatives leave the same day, demo.c). */
#define PRIOR_FROM "2025-09-01"
#define PRIOR_TO "2026-07-10"
#define ZONE (8 * 3600)		/* Asia/Shanghai: the demo city's zone */
#define MINUTE 60
#define HOUR 3600
#define DAY 86400

/* Formats the product's handlers read (cases_http.c, reports_http.c,
 * measures_http.c, oversight_http.c). */
#define APPEAL_BY_VICTIM "victim_guardian"
#define APPEAL_BY_PERPETRATOR "perpetrator_guardian"

/* ------------------------------------------------------------------ */
/* The seeded generator: splitmix64 as in demo.c, one stream a purpose. */

struct rng {
	uint64_t s;
};

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	r->s = mix64(seed ^ mix64(stream + 0x2545f4914f6cdd1dULL));
}

static uint64_t
rng_next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

static unsigned
rng_below(struct rng *r, size_t n)
{
	return n == 0 ? 0 : (unsigned)(rng_next(r) % n);
}

static int
rng_range(struct rng *r, int lo, int hi)
{
	return hi <= lo ? lo : lo + (int)rng_below(r, (size_t)(hi - lo + 1));
}

/* 1 with probability pct percent. */
static int
chance(struct rng *r, unsigned pct)
{
	return rng_below(r, 100) < pct;
}

#define PICK(r, list) ((list)[rng_below((r), COUNT(list))])

enum {
	STREAM_SCHOOLS = 1,
	STREAM_COMMITTEE = 3000,
	STREAM_CASE = 10000,
	STREAM_LOOSE = 900000,
	STREAM_TEXT = 2000000,
};

/* ------------------------------------------------------------------ */
/* Names: invented, from common surnames and the characters children and
 * parents are given; a list of public figures is skipped. */

static const char *const surnames[] = { "王", "李", "张", "刘", "陈", "杨", "赵",
	"黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
	"罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "肖", "程",
	"曹", "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋",
	"蔡", "贾", "丁", "魏", "薛", "叶", "闫", "余", "潘", "杜", "戴", "夏",
	"钟", "汪", "田", "任", "姜", "范", "方", "石", "姚", "谭", "邹", "金",
	"陆", "郝", "孔", "白", "崔", "康", "毛", "邱", "秦", "史", "侯", "邵",
	"孟", "段", "雷", "尹", "常", "武", "乔", "贺", "牛", "申", "岳", "耿" };
static const char *const young1[] = { "子", "梓", "一", "欣", "雨", "浩", "思",
	"诗", "宇", "俊", "嘉", "佳", "语", "若", "可", "沐", "昊", "睿", "书",
	"铭", "奕", "依", "锦", "博", "星", "乐", "晨", "安" };
static const char *const young2[] = { "涵", "轩", "诺", "怡", "桐", "然", "琪",
	"睿", "萱", "泽", "晨", "瑶", "航", "彤", "阳", "熙", "宁", "博", "楠",
	"妍", "辰", "豪", "悦", "希", "扬", "洋", "琳", "凡" };
/* Grown-ups' given names: men's and women's characters (guardians are
 * fathers, mothers and grandfathers; committee members either). */
static const char *const man1[] = { "建", "国", "志", "文", "晓", "海", "俊",
	"永", "立", "新", "振", "卫", "金", "少", "家", "天", "向", "东", "明",
	"长", "保", "德", "跃" };
static const char *const man2[] = { "华", "平", "军", "强", "伟", "杰", "涛",
	"斌", "辉", "鹏", "磊", "超", "刚", "勇", "峰", "波", "亮", "飞", "成",
	"民", "山", "林", "龙" };
static const char *const woman1[] = { "红", "玉", "秀", "雅", "丽", "静", "慧",
	"春", "素", "淑", "亚", "爱", "艳", "晓", "桂", "彩", "美", "月", "金",
	"海", "小" };
static const char *const woman2[] = { "芳", "敏", "丽", "娟", "霞", "琳", "婷",
	"颖", "洁", "燕", "萍", "英", "兰", "梅", "红", "华", "玲", "霞", "娜",
	"莉", "珍" };
/* Public figures the lists above could spell, and the officials the
 * 2018 notice names. */
static const char *const real_names[] = { "刘学敏", "郭海峰", "王一博", "刘昊然",
	"赵子琪", "张子枫", "欧阳娜娜", "王俊凯", "易烊千玺", "杨紫", "关晓彤",
	"张一山", "刘诗诗", "杨洋", "李一桐", "宋轶", "张嘉倪", "李沁", "陈思诚",
	"黄子韬", "张艺兴", "周冬雨", "刘亦菲", "杨超越", "王子文", "张雨绮",
	"李宇春", "林心如", "陈晓", "邓伦", "王鹤棣", "白宇", "朱一龙", "李现",
	"马思纯", "吴宣仪", "孟子义", "宋雨琦", "张天爱", "吴磊", "刘宇宁",
	"杨幂", "赵丽颖", "王建国", "张建国", "李建华", "王海峰", "许海峰" };

static bool
is_real_name(const char *name)
{
	for (size_t i = 0; i < COUNT(real_names); i++)
		if (strcmp(real_names[i], name) == 0)
			return true;
	return false;
}

/* A fictitious name into out. kind: 0 a student, 1 a man, 2 a woman,
 * 3 a grown-up of either. sur: a surname to use (a child's father's), or
 * NULL. */
enum { N_CHILD, N_MAN, N_WOMAN, N_ADULT };

static void
make_name(struct rng *r, int kind, const char *sur, char out[NAME_LEN])
{
	for (;;) {
		const char *s = sur ? sur : PICK(r, surnames);
		if (kind == N_ADULT)
			kind = chance(r, 50) ? N_MAN : N_WOMAN;
		const char *a = kind == N_CHILD ? PICK(r, young1) : kind == N_MAN ?
		    PICK(r, man1) : PICK(r, woman1);
		const char *b = kind == N_CHILD ? PICK(r, young2) : kind == N_MAN ?
		    PICK(r, man2) : PICK(r, woman2);
		if (strcmp(a, b) == 0)
			continue;
		snprintf(out, NAME_LEN, "%s%s%s", s, a, b);
		if (!is_real_name(out))
			return;
	}
}

/* The first character (surname) of a name into out. */
static void
surname_of(const char *name, char out[8])
{
	size_t n = 1;
	unsigned char c = (unsigned char)name[0];
	if (c >= 0xf0)
		n = 4;
	else if (c >= 0xe0)
		n = 3;
	else if (c >= 0xc0)
		n = 2;
	if (n >= 8)
		n = 1;
	memcpy(out, name, n);
	out[n] = '\0';
}

/* ------------------------------------------------------------------ */
/* The city as the demo wrote it, read back. */

struct klass {
	int grade;
	char name[48];
};

struct member {
	int64_t id, account;
	char name[NAME_LEN * 2];
	char role[16], type[24];
	xa_day from, to;	/* to: INT32_MAX while sitting */
};

struct school {
	int64_t id;
	char code[16], name[96], stages[48], type[16];
	int students;
	size_t k0, nk;		/* classes */
	size_t m0, nm;		/* committee members */
	/* accounts: the principal always, the rest in showcase schools */
	int64_t principal, secretary, counsellor, teacher, head_teacher;
	int quiet;
	int archives;		/* archives its closed cases each term */
	/* names used in this school's cases, so two students never share one */
	char (*names)[NAME_LEN];
	size_t nnames, capnames;
};

/* ------------------------------------------------------------------ */
/* The plan. */

enum role_ix { R_VICTIM, R_PERP, R_WITNESS };

struct party {
	int c;			/* case */
	int role;
	char alias[16];
	char name[NAME_LEN];
	char guardian[2][NAME_LEN];
	const char *relation[2];
	char phone[2][16];
	int ng;
	int grade;
	const char *klass;
	const char *stage;
	bool compulsory, under14, boy;
	int64_t id;
};

struct preport {
	int school;		/* the school named, -1: none */
	int assign;		/* the office sends it to this school (-1: no) */
	int c;			/* its case, -1: none */
	int kind;		/* main behaviour */
	int channel, reporter, place, frequency;
	char behaviours[48];
	int status;		/* as it ends: new accepted unfounded prank joined */
	int victims, perps;
	xa_day occurred;
	int64_t created_at;
	int64_t received_by;	/* 0: came in by itself (online) */
	int64_t id;
};

struct pmeasure {
	int c, party;
	const char *kind, *name, *grade;
	int64_t id;
};

struct preview {
	int c, party;
	const char *kind;
	xa_day due;
	int64_t id;
};

enum { FIND_BULLYING, FIND_NOT };
enum { T_GENERAL, T_SERIOUS, T_REPEATED, T_UNLAWFUL, T_NONE };
enum { AP_NONE, AP_UPHELD, AP_REVIEW };
/* Fates: a few cases are made to end up where a demo must show
 * something whatever the scale: left untouched since opening, immediate
 * action overdue, an investigation far past its limit, an appeal and a
 * county review still pending (the review overdue), and, earlier in the
 * year, the rarest tier (unlawful, one of them in the legal process). */
enum { F_NONE, F_REPORTED, F_IMMEDIATE, F_INVESTIGATING, F_APPEAL, F_REVIEW, F_UNLAWFUL,
	F__COUNT };
#define FAR_DAYS 120	/* a wait that runs past the cut-off */

struct pcase {
	int school;
	int p0, np, nv, nperp;
	int r0, nr;
	int m0, nm;
	int kind;			/* main behaviour */
	char behaviours[48];
	int place;			/* index in report_places */
	int frequency;
	int finding, tier;		/* as the committee finds it */
	int finding2, tier2;		/* after a county review */
	bool serious_flag, legal, manual_sup;
	int appeal;			/* AP_* */
	int fate;			/* F_*: the tail the demo makes sure of */
	int appeal_party;
	xa_day incident, meeting;
	int64_t handler;		/* who writes most of the file */
	uint32_t tseed;
	/* filled while running */
	int64_t id, appeal_id, sup_id;
	int year, seq;
	int state;
};

enum op {
	OP_REPORT,		/* a report comes in */
	OP_ASSIGN,		/* the office sends a report to a school */
	OP_TRIAGE,		/* unfounded / prank / accepted */
	OP_OPEN,		/* case_open from the first report */
	OP_JOIN,		/* a later report joined to the case */
	OP_PARTY,
	OP_EVENT,
	OP_STATE,		/* check and move (determinations too) */
	OP_MEASURE,
	OP_TOLD,
	OP_DONE,
	OP_REVIEW_PLAN,
	OP_REVIEW_DONE,
	OP_SUP_OPEN,		/* the office supervises by hand */
	OP_SUP_ANSWER,
	OP_SUP_CLOSE,
	OP_LEGAL,
};

/* Event kinds the plan writes through OP_EVENT. */
enum ev {
	EV_STOP, EV_PROTECT, EV_NOTICE, EV_RESULT, EV_INTERVIEW, EV_EVIDENCE,
	EV_COUNSEL, EV_BUREAU, EV_POLICE,
};

struct step {
	int64_t at;
	uint32_t seq;
	uint8_t op, sub;
	int32_t obj;		/* case or report */
	int32_t arg;		/* party, measure, review, or -1 */
};

struct gen {
	db *d;
	uint64_t seed;
	int64_t now, cutoff;
	xa_day today, start;
	int percent;
	const uint8_t *akey;
	int64_t bureau, office, office_staff[2], director;
	struct school *s;
	size_t ns;
	struct klass *k;
	size_t nk, capk;
	struct member *m;
	size_t nm, capm;
	struct party *p;
	size_t np, capp;
	struct preport *r;
	size_t nr, capr;
	struct pmeasure *me;
	size_t nme, capme;
	struct preview *rv;
	size_t nrv, caprv;
	struct pcase *c;
	size_t nc, capc;
	struct step *st;
	size_t nst, capst;
	case_limits lim;
	calendar cal;
	long student_rule;
	buf text;		/* scratch for narratives */
	xa_err sticky;		/* an allocation failed while planning */
	char *err;
	size_t errlen;
	long seats;
	int64_t audits_before;	/* the chain's length when the cases began */
};

/* Grows *arr (of elem bytes) to hold one more; 0 on failure. */
static int
grow(struct gen *g, void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 1;
	size_t nc = *cap ? *cap * 2 : 256;
	void *p = realloc(*arr, nc * elem);
	if (p == NULL) {
		g->sticky = XA_ENOMEM;
		return 0;
	}
	memset((char *)p + *cap * elem, 0, (nc - *cap) * elem);
	*arr = p;
	*cap = nc;
	return 1;
}

#define GROW(g, arr, n, cap) grow((g), (void **)&(arr), &(cap), (n), sizeof *(arr))

/* ------------------------------------------------------------------ */
/* Days and hours. */

static int64_t
at_local(xa_day d, int minutes)
{
	return day_start(d, ZONE) + (int64_t)minutes * MINUTE;
}

static int
minute_of(int64_t t)
{
	return (int)((t - day_start(day_of(t, ZONE), ZONE)) / MINUTE);
}

static bool
weekend(xa_day d)
{
	return day_weekday(d) >= 6;
}

static xa_day
day_from(const char *s)
{
	xa_day d = 0;
	day_parse(s, &d);
	return d;
}

/* The terms: 1 September to about 22 January, and about 24 February to
 * 10 July; the national holiday's first week is off. */
static bool
term_day(xa_day d)
{
	char s[11];
	day_format(d, s);
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int dd = (s[8] - '0') * 10 + (s[9] - '0');
	if (m == 7 && dd > 10)
		return false;
	if (m == 8)
		return false;
	if (m == 1 && dd > 22)
		return false;
	if (m == 2 && dd < 24)
		return false;
	if (m == 10 && dd <= 7)
		return false;
	if (m == 1 && dd == 1)
		return false;
	return true;
}

static bool
school_day(xa_day d)
{
	return !weekend(d) && term_day(d);
}

/* The first school day on or after d. */
static xa_day
next_school_day(xa_day d)
{
	for (int i = 0; i < 60 && !school_day(d); i++)
		d++;
	return d;
}

/* t if it falls in a school day's working hours (07:40–18:30), else the
 * next school day's morning (08:00 plus up to jitter minutes). */
static int64_t
work_time(struct rng *r, int64_t t, int jitter)
{
	xa_day d = day_of(t, ZONE);
	int m = minute_of(t);
	if (school_day(d) && m >= 460 && m <= 1110)
		return t;
	if (!school_day(d) || m > 1110)
		d = next_school_day(d + 1);
	else
		d = next_school_day(d);
	return at_local(d, 480 + rng_range(r, 0, jitter));
}

/* Like work_time, but the office works on any weekday in the holidays. */
static int64_t
office_time(struct rng *r, int64_t t)
{
	xa_day d = day_of(t, ZONE);
	int m = minute_of(t);
	if (!weekend(d) && m >= 500 && m <= 1050)
		return t;
	if (weekend(d) || m > 1050)
		d++;
	while (weekend(d))
		d++;
	return at_local(d, 510 + rng_range(r, 0, 90));
}

/* t plus lo..hi minutes, then into working hours. */
static int64_t
later(struct rng *r, int64_t t, int lo, int hi)
{
	return work_time(r, t + (int64_t)rng_range(r, lo, hi) * MINUTE, 40);
}

/* The day after d's day, lo..hi school days on, at a working time. */
static int64_t
days_later(struct rng *r, int64_t t, int lo, int hi)
{
	xa_day d = day_of(t, ZONE);
	int n = rng_range(r, lo, hi);
	for (int i = 0; i < n; i++)
		d = next_school_day(d + 1);
	int64_t u = at_local(d, rng_range(r, 480, 1050));
	return u > t ? u : later(r, t, 10, 60);
}

/* lo..hi minutes after t, kept to the same evening (by 21:00): what
 * must happen the same day is compressed after a late start. */
static int64_t
same_evening(struct rng *r, int64_t t, int lo, int hi)
{
	int64_t v = t + (int64_t)rng_range(r, lo, hi) * MINUTE;
	if (day_of(v, ZONE) == day_of(t, ZONE) && minute_of(v) <= 1260)
		return v;
	return t + (int64_t)rng_range(r, 2, 20) * MINUTE;
}

/* ------------------------------------------------------------------ */
/* Reading the city. */

static xa_err
q_int1(db *d, const char *sql, const char *arg, int64_t *out)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(d, sql, &st);
	if (e != XA_OK)
		return e;
	if (arg != NULL)
		db_bind_text(st, 1, arg, -1);
	int rc = db_step(st);
	if (rc == 1)
		*out = db_col_int(st, 0);
	else
		e = rc == 0 ? XA_ENOTFOUND : (xa_err)-rc;
	db_done(st);
	return e;
}

static int64_t
account_by_name(struct gen *g, const char *username)
{
	int64_t id = 0;
	if (q_int1(g->d, "SELECT id FROM accounts WHERE username = ?", username, &id) != XA_OK)
		return 0;
	return id;
}

static xa_err
load_schools(struct gen *g)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(g->d, "SELECT id, code, name, stages, school_type FROM units"
	    " WHERE kind = 'school' ORDER BY code", &st);
	if (e != XA_OK)
		return e;
	size_t cap = 0;
	int rc;
	while ((rc = db_step(st)) == 1) {
		if (!GROW(g, g->s, g->ns, cap)) {
			db_done(st);
			return XA_ENOMEM;
		}
		struct school *s = &g->s[g->ns++];
		memset(s, 0, sizeof *s);
		s->id = db_col_int(st, 0);
		snprintf(s->code, sizeof s->code, "%s", db_col_text(st, 1));
		snprintf(s->name, sizeof s->name, "%s", db_col_text(st, 2));
		snprintf(s->stages, sizeof s->stages, "%s", db_col_text(st, 3));
		snprintf(s->type, sizeof s->type, "%s", db_col_text(st, 4));
	}
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	/* classes, in the schools' order */
	if ((e = db_prepare(g->d, "SELECT grade, name, boys + girls FROM classes"
	    " WHERE unit_id = ? ORDER BY grade, name", &st)) != XA_OK)
		return e;
	for (size_t i = 0; i < g->ns; i++) {
		struct school *s = &g->s[i];
		s->k0 = g->nk;
		db_bind_int(st, 1, s->id);
		while ((rc = db_step(st)) == 1) {
			if (!GROW(g, g->k, g->nk, g->capk)) {
				db_done(st);
				return XA_ENOMEM;
			}
			struct klass *k = &g->k[g->nk++];
			k->grade = (int)db_col_int(st, 0);
			snprintf(k->name, sizeof k->name, "%s", db_col_text(st, 1));
			s->students += (int)db_col_int(st, 2);
		}
		s->nk = g->nk - s->k0;
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
		if ((e = db_prepare(g->d, "SELECT grade, name, boys + girls FROM classes"
		    " WHERE unit_id = ? ORDER BY grade, name", &st)) != XA_OK)
			return e;
	}
	db_done(st);
	/* the school's logins (demo.c: p CODE, and in showcase schools
	 * cm-, co-, t- and the first grade's head teacher) */
	for (size_t i = 0; i < g->ns; i++) {
		struct school *s = &g->s[i];
		char u[48];
		snprintf(u, sizeof u, "p%s", s->code);
		s->principal = account_by_name(g, u);
		snprintf(u, sizeof u, "cm-%s", s->code);
		s->secretary = account_by_name(g, u);
		snprintf(u, sizeof u, "co-%s", s->code);
		s->counsellor = account_by_name(g, u);
		snprintf(u, sizeof u, "t-%s", s->code);
		s->teacher = account_by_name(g, u);
		if (s->nk > 0) {
			snprintf(u, sizeof u, "ht-%s-%d-1", s->code, g->k[s->k0].grade);
			s->head_teacher = account_by_name(g, u);
		}
		if (s->principal == 0) {
			snprintf(g->err, g->errlen, "the school %s has no principal's login",
			    s->code);
			return XA_ENOTFOUND;
		}
	}
	return XA_OK;
}

/* Loads the committee members of every school (after the 2025–26 seats
 * were added), in the schools' order. */
static xa_err
load_members(struct gen *g)
{
	db_stmt *st = NULL;
	xa_err e = XA_OK;
	g->nm = 0;
	for (size_t i = 0; i < g->ns && e == XA_OK; i++) {
		struct school *s = &g->s[i];
		s->m0 = g->nm;
		if ((e = db_prepare(g->d, "SELECT id, COALESCE(account_id, 0), name, role,"
		    " member_type, from_date, to_date FROM committee_members"
		    " WHERE unit_id = ? ORDER BY id", &st)) != XA_OK)
			break;
		db_bind_int(st, 1, s->id);
		int rc;
		while ((rc = db_step(st)) == 1) {
			if (!GROW(g, g->m, g->nm, g->capm)) {
				e = XA_ENOMEM;
				break;
			}
			struct member *m = &g->m[g->nm++];
			m->id = db_col_int(st, 0);
			m->account = db_col_int(st, 1);
			snprintf(m->name, sizeof m->name, "%s", db_col_text(st, 2));
			snprintf(m->role, sizeof m->role, "%s", db_col_text(st, 3));
			snprintf(m->type, sizeof m->type, "%s", db_col_text(st, 4));
			m->from = day_from(db_col_text(st, 5));
			const char *to = db_col_text(st, 6);
			m->to = to[0] ? day_from(to) : INT32_MAX;
		}
		db_done(st);
		if (e == XA_OK && rc < 0)
			e = (xa_err)-rc;
		s->nm = g->nm - s->m0;
	}
	return e;
}

static xa_err
audit(struct gen *g, int64_t account, int64_t unit, const char *action,
    const char *type, int64_t id, const char *fields, int64_t at)
{
	audit_entry e = { account, unit, action, type, id, fields, "", SOURCE };
	return audit_append(g->d, g->akey, &e, at);
}

/* 1 when some member of type (or role, when type is NULL) sits through
 * the whole of [from, to]. */
static bool
covered(const struct gen *g, const struct school *s, const char *role,
    const char *type, xa_day from, xa_day to)
{
	for (size_t i = s->m0; i < s->m0 + s->nm; i++) {
		const struct member *m = &g->m[i];
		if (m->from > from || m->to < to)
			continue;
		if (type != NULL && strcmp(m->type, type) == 0)
			return true;
		if (type == NULL && strcmp(m->role, role) == 0)
			return true;
	}
	return false;
}

/* One 2025–26 seat and its audit record, as the registry writes one. */
static xa_err
add_seat(struct gen *g, const struct school *s, int64_t account, const char *name,
    const char *role, const char *type)
{
	member_new n = { s->id, account, name, role, type, PRIOR_FROM, PRIOR_TO };
	int64_t id = 0;
	xa_err e = committee_add(g->d, &n, g->now, &id);
	if (e != XA_OK)
		return e;
	g->seats++;
	return audit(g, 0, g->bureau, "committee.add", "committee_member", id,
	    "name,role,member_type,from_date,to_date", g->now);
}

/* The city's committees sit from 2026-09-01 (demo.c); a year of cases
 * needs the committee of 2025–26 too. Each school gets the seats its
 * roster lacks for that year: the principal in the chair, the same legal
 * vice-principal, secretary, staff and outside expert as now (people
 * stay), and that year's parent and student representatives (they
 * change). Schools that already have a former chair or a parent
 * representative for the year keep them. */
static xa_err
add_prior_committees(struct gen *g)
{
	xa_err e = load_members(g);
	if (e != XA_OK)
		return e;
	xa_day from = day_from(PRIOR_FROM), to = day_from(PRIOR_TO);
	for (size_t i = 0; i < g->ns; i++) {
		struct school *s = &g->s[i];
		struct rng r;
		rng_seed(&r, g->seed, STREAM_COMMITTEE + i);
		char name[NAME_LEN];
		bool chair = covered(g, s, "chair", NULL, from, to);
		bool legal = covered(g, s, NULL, "legal_vp", from, to) ||
		    covered(g, s, NULL, "legal_adviser", from, to);
		bool parent = covered(g, s, NULL, "parent_rep", from, to);
		int staff = 0;
		/* the current roster (sitting from 2026-09-01), copied */
		size_t end = s->m0 + s->nm;
		for (size_t k = s->m0; k < end && e == XA_OK; k++) {
			const struct member *m = &g->m[k];
			if (m->to != INT32_MAX)
				continue;
			if (strcmp(m->role, "chair") == 0) {
				if (!chair)
					e = add_seat(g, s, m->account, m->name, "chair", m->type);
			} else if (strcmp(m->type, "legal_vp") == 0) {
				if (!legal)
					e = add_seat(g, s, 0, m->name, m->role, m->type);
			} else if (strcmp(m->type, "staff") == 0 && staff < 3) {
				staff++;
				e = add_seat(g, s, m->account, m->name, m->role, m->type);
			} else if (strcmp(m->type, "outside_expert") == 0 ||
			    strcmp(m->type, "legal_adviser") == 0 ||
			    strcmp(m->type, "community_worker") == 0) {
				e = add_seat(g, s, 0, m->name, m->role, m->type);
			}
		}
		if (e == XA_OK && !parent) {
			make_name(&r, N_ADULT, NULL, name);
			e = add_seat(g, s, 0, name, "member", "parent_rep");
		}
		if (e == XA_OK && committee_student_rep_required(g->student_rule, s->stages)) {
			make_name(&r, N_CHILD, NULL, name);
			e = add_seat(g, s, 0, name, "member", "student_rep");
		}
		if (e != XA_OK) {
			snprintf(g->err, g->errlen, "adding the 2025-26 committee of %s failed: %s",
			    s->code, xa_strerror(e));
			return e;
		}
	}
	return load_members(g);
}

/* ------------------------------------------------------------------ */
/* Planning: people. */

static const char *
stage_of(const struct school *s, int grade)
{
	if (grade <= 6)
		return "primary";
	if (grade <= 9)
		return "junior";
	return strcmp(s->type, "vocational") == 0 ? "vocational" : "senior";
}

/* 1 when name was not yet used in school s; records it. */
static bool
take_name(struct gen *g, struct school *s, const char *name)
{
	for (size_t i = 0; i < s->nnames; i++)
		if (strcmp(s->names[i], name) == 0)
			return false;
	if (!GROW(g, s->names, s->nnames, s->capnames))
		return true;
	snprintf(s->names[s->nnames++], NAME_LEN, "%s", name);
	return true;
}

/* A guardian's mobile: 170-0xxx-xxxx or 171-0xxx-xxxx, the virtual
 * carriers' blocks the demo keeps to (docs/demo.md). */
static void
phone(struct rng *r, char out[16])
{
	snprintf(out, 16, "17%d0%03u%04u", rng_range(r, 0, 1), rng_below(r, 1000),
	    rng_below(r, 10000));
}

/* A new student of school s in a class of grade lo..hi (a class the
 * school has), with one or two guardians. */
static void
new_student(struct gen *g, struct rng *r, struct school *s, struct party *p,
    int glo, int ghi)
{
	const struct klass *k = NULL;
	for (int tries = 0; tries < 40 && k == NULL; tries++) {
		const struct klass *c = &g->k[s->k0 + rng_below(r, s->nk)];
		if (c->grade >= glo && c->grade <= ghi)
			k = c;
	}
	if (k == NULL)
		k = &g->k[s->k0 + rng_below(r, s->nk)];
	p->grade = k->grade;
	p->klass = k->name;
	p->stage = stage_of(s, k->grade);
	p->compulsory = k->grade <= 9;
	p->under14 = k->grade <= 7 || (k->grade == 8 && chance(r, 50));
	char fam[8];
	do {
		make_name(r, N_CHILD, NULL, p->name);
	} while (!take_name(g, s, p->name));
	surname_of(p->name, fam);
	p->ng = chance(r, 70) ? 2 : 1;
	int mother_first = chance(r, 55);
	for (int i = 0; i < p->ng; i++) {
		bool mother = (i == 0) == (mother_first != 0);
		if (mother) {
			make_name(r, N_WOMAN, NULL, p->guardian[i]);
			p->relation[i] = "母亲";
		} else {
			make_name(r, N_MAN, fam, p->guardian[i]);
			p->relation[i] = chance(r, 92) ? "父亲" : "祖父";
		}
		phone(r, p->phone[i]);
	}
}

/* ------------------------------------------------------------------ */
/* Planning: steps. */

static void
add_step(struct gen *g, int64_t at, enum op op, int sub, int obj, int arg)
{
	if (at > g->cutoff)
		return;
	if (!GROW(g, g->st, g->nst, g->capst))
		return;
	struct step *s = &g->st[g->nst];
	s->at = at;
	s->seq = (uint32_t)g->nst;
	s->op = (uint8_t)op;
	s->sub = (uint8_t)sub;
	s->obj = obj;
	s->arg = arg;
	g->nst++;
}

static int
add_measure(struct gen *g, int c, int party, const char *kind, const char *name,
    const char *grade)
{
	if (!GROW(g, g->me, g->nme, g->capme))
		return -1;
	struct pmeasure *m = &g->me[g->nme];
	m->c = c;
	m->party = party;
	m->kind = kind;
	m->name = name;
	m->grade = grade;
	m->id = 0;
	return (int)g->nme++;
}

static int
add_review(struct gen *g, int c, int party, const char *kind, xa_day due)
{
	if (!GROW(g, g->rv, g->nrv, g->caprv))
		return -1;
	struct preview *v = &g->rv[g->nrv];
	v->c = c;
	v->party = party;
	v->kind = kind;
	v->due = due;
	v->id = 0;
	return (int)g->nrv++;
}

/* The measures of the bureau's default catalogue (measures_http.c) the
 * demo decides, by code: kind, grade, and the name if the catalog has
 * none (the name is the catalog's text "catalogue.item.CODE"). */
static const struct mdef {
	const char *code, *kind, *grade, *name;
} mdefs[] = {
	{ "criticism", "education", "", "批评教育" },
	{ "apology", "education", "", "书面或当面赔礼道歉" },
	{ "special_education", "education", "", "专题教育" },
	{ "campus_service", "education", "", "校园服务" },
	{ "psych_intervention", "education", "", "心理辅导或行为干预" },
	{ "family_guidance", "family", "", "家庭教育指导" },
	{ "protect_company", "protection", "", "安排陪伴" },
	{ "protect_seat", "protection", "", "调整座位或班级" },
	{ "protect_counselling", "protection", "", "心理疏导" },
	{ "discipline_warning", "discipline", "warning", "纪律处分：警告" },
	{ "discipline_serious_warning", "discipline", "serious_warning", "纪律处分：严重警告" },
	{ "police_education", "education", "", "警示教育（邀请公安机关）" },
	{ "discipline_demerit", "discipline", "demerit", "纪律处分：记过" },
	{ "discipline_probation", "discipline", "probation", "纪律处分：留校察看" },
	{ "quality_record", "other", "", "记入综合素质评价" },
	{ "police_reprimand", "police", "", "训诫（由公安机关决定，学校记录）" },
};

static void
measure(struct gen *g, int c, int pi, const char *code, int *n)
{
	for (size_t i = 0; i < COUNT(mdefs); i++) {
		if (strcmp(mdefs[i].code, code) != 0)
			continue;
		char key[96];
		snprintf(key, sizeof key, "catalogue.item.%s", code);
		const char *name = i18n_has("zh", key) ? i18n("zh", key) : mdefs[i].name;
		/* never a grade outside compulsory education for a student in it */
		if (grade_needs_noncompulsory(mdefs[i].grade) && g->p[pi].compulsory)
			return;
		if (add_measure(g, c, pi, mdefs[i].kind, name, mdefs[i].grade) >= 0)
			(*n)++;
		return;
	}
}

/* The measures the committee decides for one party of case c (regulation
 * §4), from the default catalogue: education for every perpetrator,
 * discipline from the serious tier on, family guidance; protection and
 * counselling for the victim. Returns how many; their indexes are
 * consecutive. */
static int
plan_measures(struct gen *g, struct rng *r, int c, int pi)
{
	const struct pcase *k = &g->c[c];
	const struct party *p = &g->p[pi];
	int tier = k->appeal == AP_REVIEW ? k->tier2 : k->tier;
	int n = 0;
	if (p->role == R_PERP) {
		measure(g, c, pi, "criticism", &n);
		if (chance(r, 70) || tier >= T_SERIOUS)
			measure(g, c, pi, "apology", &n);
		if (tier == T_GENERAL) {
			if (chance(r, 25))
				measure(g, c, pi, "special_education", &n);
			if (chance(r, 35))
				measure(g, c, pi, "family_guidance", &n);
			return n;
		}
		if (tier == T_SERIOUS)
			measure(g, c, pi, chance(r, 60) ? "discipline_warning" :
			    "discipline_serious_warning", &n);
		else if (!p->compulsory && chance(r, 50))
			measure(g, c, pi, "discipline_probation", &n);
		else
			measure(g, c, pi, "discipline_demerit", &n);
		if (chance(r, 50))
			measure(g, c, pi, "campus_service", &n);
		if (chance(r, 40))
			measure(g, c, pi, "psych_intervention", &n);
		if (chance(r, 40))
			measure(g, c, pi, "quality_record", &n);
		measure(g, c, pi, "family_guidance", &n);
		if (tier == T_UNLAWFUL)
			measure(g, c, pi, "police_reprimand", &n);
		else if (chance(r, 30))
			measure(g, c, pi, "police_education", &n);
	} else if (p->role == R_VICTIM) {
		measure(g, c, pi, "protect_counselling", &n);
		if (chance(r, 50) || tier >= T_SERIOUS)
			measure(g, c, pi, chance(r, 50) ? "protect_seat" : "protect_company", &n);
		if (tier >= T_SERIOUS && chance(r, 60))
			measure(g, c, pi, "family_guidance", &n);
	}
	return n;
}

/* A committee day for school s on or after d: a school day on which its
 * roster is complete; 0 when none within 80 days. */
static xa_day
meeting_day(struct gen *g, const struct school *s, xa_day d)
{
	for (int i = 0; i < 80; i++, d++) {
		if (!school_day(d))
			continue;
		bool chair = false, legal = false, parent = false, expert = false,
		    student = false;
		for (size_t k = s->m0; k < s->m0 + s->nm; k++) {
			const struct member *m = &g->m[k];
			if (m->from > d || m->to < d)
				continue;
			chair |= strcmp(m->role, "chair") == 0;
			legal |= strcmp(m->type, "legal_vp") == 0 ||
			    strcmp(m->type, "legal_adviser") == 0;
			parent |= strcmp(m->type, "parent_rep") == 0;
			expert |= strcmp(m->type, "outside_expert") == 0;
			student |= strcmp(m->type, "student_rep") == 0;
		}
		if (chair && legal && parent && expert &&
		    (student || !committee_student_rep_required(g->student_rule, s->stages)))
			return d;
	}
	return 0;
}

/* The parties' indexes of one role in case c. */
#define FOR_PARTIES(g, k, i) for (int i = (k)->p0; i < (k)->p0 + (k)->np; i++)

/* The handling of case c from its opening on, step by step; t is when
 * the case is opened. Stops where the plan ends (closed or archived) or
 * goes past the cut-off (add_step drops what lies beyond). */
static void
plan_handling(struct gen *g, struct rng *r, int c, int64_t t, int stall,
    int invest_days)
{
	struct pcase *k = &g->c[c];
	struct school *s = &g->s[k->school];
	/* The parties are named within minutes of the opening: a case whose
	 * parties would fall past the cut-off is not opened yet either, so
	 * that a case just reported still names its victim. */
	struct rng ahead = *r;
	int64_t last_party = t;
	FOR_PARTIES(g, k, i)
		last_party += rng_range(&ahead, 2, 9) * MINUTE;
	if (last_party > g->cutoff)
		return;
	add_step(g, t, OP_OPEN, 0, c, -1);
	int64_t u = t;
	FOR_PARTIES(g, k, i) {
		u += rng_range(r, 2, 9) * MINUTE;
		add_step(g, u, OP_PARTY, 0, c, i);
	}
	u += rng_range(r, 5, 25) * MINUTE;
	if (stall == 1)		/* opened, then left: nobody acted for days */
		u = work_time(r, u + (int64_t)(g->c[c].fate == F_REPORTED ? FAR_DAYS :
		    rng_range(r, 1, 6)) * DAY, 300);
	add_step(g, u, OP_STATE, CS_IMMEDIATE, c, -1);
	/* Immediate action: stop it, protect the victim, tell both families;
	 * a serious case goes to the police and the bureau the same day. */
	int64_t imm = stall == 2 ? work_time(r, u + (int64_t)(k->fate == F_IMMEDIATE ?
	    FAR_DAYS : rng_range(r, 2, 8)) * DAY, 300) : u;
	int64_t last = imm;
	int64_t v = same_evening(r, imm, 3, 30);
	add_step(g, v, OP_EVENT, EV_STOP, c, -1);
	last = v > last ? v : last;
	v = same_evening(r, imm, 20, 120);
	FOR_PARTIES(g, k, i)
		if (g->p[i].role == R_VICTIM) {
			add_step(g, v, OP_EVENT, EV_PROTECT, c, i);
			last = v > last ? v : last;
			break;
		}
	FOR_PARTIES(g, k, i) {
		if (g->p[i].role == R_WITNESS)
			continue;
		v = same_evening(r, imm, 30, 300);
		add_step(g, v, OP_EVENT, EV_NOTICE, c, i);
		last = v > last ? v : last;
	}
	if (k->serious_flag) {
		v = same_evening(r, imm, 20, 90);
		add_step(g, v, OP_EVENT, EV_POLICE, c, -1);
		last = v > last ? v : last;
		v = same_evening(r, imm, 40, 180);
		add_step(g, v, OP_EVENT, EV_BUREAU, c, -1);
		last = v > last ? v : last;
	}
	int64_t i0 = later(r, last, 10, 60);
	add_step(g, i0, OP_STATE, CS_INVESTIGATING, c, -1);
	/* The investigation: everyone heard, some evidence, counselling. */
	last = i0;
	int span = invest_days < 4 ? invest_days : 4;
	FOR_PARTIES(g, k, i) {
		v = i0 + rng_range(r, 20, 200) * MINUTE + (int64_t)rng_range(r, 0, span) * DAY;
		v = work_time(r, v, 60);
		add_step(g, v, OP_EVENT, EV_INTERVIEW, c, i);
		last = v > last ? v : last;
	}
	int nev = rng_range(r, 1, 3);
	for (int e = 0; e < nev; e++) {
		v = work_time(r, i0 + (int64_t)rng_range(r, 60, 600) * MINUTE +
		    (int64_t)rng_range(r, 0, span) * DAY, 60);
		add_step(g, v, OP_EVENT, EV_EVIDENCE, c, -1);
		last = v > last ? v : last;
	}
	if (chance(r, 45)) {
		FOR_PARTIES(g, k, i)
			if (g->p[i].role == R_VICTIM) {
				v = work_time(r, i0 + (int64_t)rng_range(r, 1, 4) * DAY, 300);
				add_step(g, v, OP_EVENT, EV_COUNSEL, c, i);
				break;
			}
	}
	if (k->tier == T_UNLAWFUL && !k->serious_flag) {
		/* found out in the investigation: police now */
		v = work_time(r, i0 + (int64_t)rng_range(r, 1, 3) * DAY, 200);
		add_step(g, v, OP_EVENT, EV_POLICE, c, -1);
		last = v > last ? v : last;
	}
	if (k->legal) {
		v = work_time(r, i0 + (int64_t)rng_range(r, 2, 6) * DAY, 300);
		add_step(g, v, OP_LEGAL, 0, c, -1);
	}
	int64_t aw = work_time(r, at_local(day_of(i0, ZONE) + invest_days,
	    rng_range(r, 600, 1050)), 300);
	if (aw <= last)
		aw = later(r, last, 30, 180);
	/* The office supervises an investigation that runs late. */
	if (k->manual_sup) {
		int64_t due = case_due(CS_INVESTIGATING, i0, &g->lim, &g->cal, ZONE);
		int64_t so = office_time(r, due + (int64_t)rng_range(r, 1, 3) * DAY);
		add_step(g, so, OP_SUP_OPEN, 0, c, -1);
		int64_t sa = days_later(r, so, 1, 4);
		add_step(g, sa, OP_SUP_ANSWER, 0, c, -1);
		if (aw < sa)
			aw = later(r, sa, 60, 600);
	}
	add_step(g, aw, OP_STATE, CS_AWAITING, c, -1);
	if (k->serious_flag) {
		/* the intake supervision (case_open opened it): the school
		 * answers during the investigation */
		add_step(g, days_later(r, t, 2, 5), OP_SUP_ANSWER, 0, c, -1);
	}
	/* The committee sits. */
	xa_day md = meeting_day(g, s, day_of(aw, ZONE) + rng_range(r, 1, 5));
	if (md == 0)
		md = meeting_day(g, s, day_of(aw, ZONE) + 1);
	k->meeting = md;
	int64_t det = at_local(md, rng_range(r, 900, 1050));
	if (det <= aw)
		det = aw + rng_range(r, 30, 90) * MINUTE;
	add_step(g, det, OP_STATE, CS_DETERMINED, c, 0);
	int64_t tt = det;
	/* The result, told to both families. */
	FOR_PARTIES(g, k, i) {
		if (g->p[i].role == R_WITNESS)
			continue;
		v = days_later(r, det, 0, 1);
		add_step(g, v, OP_EVENT, EV_RESULT, c, i);
		tt = v > tt ? v : tt;
	}
	int finding = k->finding, tier = k->tier;
	if (k->appeal != AP_NONE) {
		/* A family disagrees: the county body upholds the school's
		 * result, or reviews the case and decides again. */
		int64_t lodge = office_time(r, tt + (int64_t)rng_range(r, 1, 4) * DAY);
		add_step(g, lodge, OP_STATE, CS_APPEAL, c, -1);
		if (k->appeal == AP_UPHELD) {
			int64_t up = office_time(r, lodge + (int64_t)(k->fate == F_APPEAL ?
			    FAR_DAYS : rng_range(r, 4, 12)) * DAY);
			add_step(g, up, OP_STATE, CS_DETERMINED, c, 1);
			tt = up;
		} else {
			int64_t rv = office_time(r, lodge + (int64_t)rng_range(r, 2, 6) * DAY);
			add_step(g, rv, OP_STATE, CS_REVIEW, c, -1);
			int len = k->fate == F_REVIEW ? FAR_DAYS :
			    chance(r, k->incident + 60 >= g->today ? 45 : 15) ?
			    rng_range(r, 17, 26) : rng_range(r, 6, 14);
			int64_t dec = office_time(r, rv + (int64_t)len * DAY);
			add_step(g, dec, OP_STATE, CS_DETERMINED, c, 2);
			tt = dec;
			finding = k->finding2;
			tier = k->tier2;
			FOR_PARTIES(g, k, i) {
				if (g->p[i].role == R_WITNESS)
					continue;
				v = days_later(r, dec, 0, 2);
				add_step(g, v, OP_EVENT, EV_RESULT, c, i);
				tt = v > tt ? v : tt;
			}
		}
	}
	int64_t closed;
	if (finding == FIND_NOT) {
		closed = days_later(r, tt, 0, 2);
		add_step(g, closed, OP_STATE, CS_CLOSED, c, -1);
	} else {
		/* Measures decided for each side, told to the families, carried
		 * out; then the follow-up visits. */
		int64_t md0 = days_later(r, det > tt ? det : tt, 0, 1);
		if (md0 < tt)
			md0 = later(r, tt, 20, 90);
		int64_t allset = md0;
		int first = (int)g->nme;
		FOR_PARTIES(g, k, i) {
			if (g->p[i].role == R_WITNESS)
				continue;
			int from = (int)g->nme;
			int n = plan_measures(g, r, c, i);
			for (int j = from; j < from + n; j++) {
				int64_t dm = md0 + (int64_t)(j - first) * MINUTE;
				add_step(g, dm, OP_MEASURE, 0, c, j);
				int64_t told = work_time(r, dm + (int64_t)rng_range(r, 30, 1500) * MINUTE, 200);
				add_step(g, told, OP_TOLD, 0, c, j);
				const char *kind = g->me[j].kind;
				int lo = 1, hi = 6;
				if (strcmp(kind, "discipline") == 0)
					lo = 0, hi = 2;
				else if (strcmp(kind, "protection") == 0 ||
				    strcmp(kind, "family") == 0)
					lo = 3, hi = 12;
				int64_t done = days_later(r, told, lo, hi);
				add_step(g, done, OP_DONE, 0, c, j);
				allset = done > allset ? done : allset;
			}
		}
		k->m0 = first;
		k->nm = (int)g->nme - first;
		add_step(g, md0 + (int64_t)(k->nm + 1) * MINUTE, OP_STATE, CS_MEASURES, c, -1);
		int64_t fu = later(r, allset, 20, 240);
		add_step(g, fu, OP_STATE, CS_FOLLOW_UP, c, -1);
		xa_day fud = day_of(fu, ZONE);
		int64_t lastdone = fu;
		int rounds = tier >= T_SERIOUS ? 2 : 1;
		for (int round = 0; round < rounds; round++) {
			FOR_PARTIES(g, k, i) {
				if (g->p[i].role == R_WITNESS)
					continue;
				xa_day due = fud + (xa_day)(round == 0 ? g->lim.followup_days :
				    g->lim.followup_days + 30);
				int ri = add_review(g, c, i, "followup", due);
				if (ri < 0)
					continue;
				add_step(g, fu + (int64_t)(ri % 50 + 1), OP_REVIEW_PLAN, 0, c, ri);
				int64_t done = work_time(r, at_local(due + rng_range(r, -3, 2),
				    rng_range(r, 480, 1050)), 200);
				if (done <= fu)
					done = later(r, fu, 60, 600);
				add_step(g, done, OP_REVIEW_DONE, 0, c, ri);
				lastdone = done > lastdone ? done : lastdone;
			}
		}
		if (tier >= T_SERIOUS) {
			FOR_PARTIES(g, k, i)
				if (g->p[i].role == R_VICTIM) {
					xa_day due = fud + 21;
					int ri = add_review(g, c, i, "protection_review", due);
					if (ri < 0)
						break;
					add_step(g, fu + 60, OP_REVIEW_PLAN, 0, c, ri);
					int64_t done = work_time(r, at_local(due, rng_range(r, 480,
					    1050)), 200);
					add_step(g, done, OP_REVIEW_DONE, 0, c, ri);
					lastdone = done > lastdone ? done : lastdone;
				}
		}
		closed = days_later(r, lastdone, 1, 5);
		add_step(g, closed, OP_STATE, CS_CLOSED, c, -1);
	}
	/* The office closes its supervision once the result is in. */
	if (k->serious_flag || k->manual_sup ||
	    ((tier == T_SERIOUS || tier == T_UNLAWFUL) && finding == FIND_BULLYING) ||
	    ((k->tier == T_SERIOUS || k->tier == T_UNLAWFUL) && k->finding == FIND_BULLYING)) {
		if ((k->tier == T_SERIOUS || k->tier == T_UNLAWFUL) &&
		    k->finding == FIND_BULLYING && !k->serious_flag && !k->manual_sup)
			add_step(g, days_later(r, det, 3, 7), OP_SUP_ANSWER, 0, c, -1);
		int64_t sc = office_time(r, closed - (int64_t)rng_range(r, 0, 2) * DAY);
		if (sc <= det + HOUR)
			sc = office_time(r, det + 2 * DAY);
		add_step(g, sc > closed ? sc : closed + 2 * HOUR, OP_SUP_CLOSE, 0, c, -1);
	}
	/* Archived at the end of the term, by the schools that keep their
	 * archive up to date. */
	if (s->archives) {
		xa_day cd = day_of(closed, ZONE);
		char ds[11];
		day_format(cd, ds);
		int y = (ds[0] - '0') * 1000 + (ds[1] - '0') * 100 + (ds[2] - '0') * 10 +
		    (ds[3] - '0');
		int m = (ds[5] - '0') * 10 + (ds[6] - '0');
		char end[11];
		unsigned yy = (unsigned)y % 10000u;
		if (m >= 8)
			snprintf(end, sizeof end, "%04u-01-22", (yy + 1) % 10000u);
		else if (m == 1)
			snprintf(end, sizeof end, "%04u-01-22", yy);
		else
			snprintf(end, sizeof end, "%04u-07-10", yy);
		xa_day ed = day_from(end);
		if (ed < cd + 5)
			ed = ed + (m == 1 ? 170 : 190);	/* the next term's end */
		xa_day ad = ed - rng_range(r, 0, 4);
		while (weekend(ad))
			ad--;
		int64_t ar = at_local(ad, rng_range(r, 540, 1020));
		if (ar <= closed + 3 * HOUR)
			ar = closed + 3 * DAY;
		add_step(g, ar, OP_STATE, CS_ARCHIVED, c, -1);
	}
}

/* Channel, reporter and the moment a case's first report came in. */
enum ch { CH_ONLINE, CH_HOTLINE, CH_PHONE, CH_PERSON, CH_LETTER, CH_EMAIL,
	CH_OBSERVED, CH_SURVEY };
enum rp { RP_VICTIM, RP_WITNESS, RP_PARENT, RP_STAFF, RP_OTHER };

static int
pick_channel(struct rng *r)
{
	static const int w[] = { 24, 5, 11, 24, 3, 5, 18, 10 };
	int x = (int)rng_below(r, 100), acc = 0;
	for (size_t i = 0; i < COUNT(w); i++) {
		acc += w[i];
		if (x < acc)
			return (int)i;
	}
	return CH_PERSON;
}

static int
pick_reporter(struct rng *r, int channel)
{
	switch (channel) {
	case CH_OBSERVED:
		return RP_STAFF;
	case CH_HOTLINE:
	case CH_LETTER:
		return chance(r, 80) ? RP_PARENT : RP_OTHER;
	case CH_SURVEY:
		return chance(r, 65) ? RP_VICTIM : RP_WITNESS;
	case CH_ONLINE:
		return (int)PICK(r, ((const int[]){ RP_VICTIM, RP_VICTIM, RP_WITNESS,
		    RP_WITNESS, RP_PARENT, RP_PARENT, RP_OTHER }));
	default:
		return (int)PICK(r, ((const int[]){ RP_VICTIM, RP_PARENT, RP_PARENT,
		    RP_WITNESS, RP_STAFF }));
	}
}

/* When a report by channel of an incident on day d arrives. */
static int64_t
report_time(struct rng *r, int channel, xa_day d)
{
	switch (channel) {
	case CH_OBSERVED:
		return at_local(d, rng_range(r, 470, 1060));
	case CH_ONLINE:
	case CH_EMAIL:
		return at_local(d + rng_range(r, 0, 4), rng_range(r, 390, 1400));
	case CH_HOTLINE:
		return office_time(r, at_local(d + rng_range(r, 1, 5), rng_range(r, 500, 1040)));
	case CH_LETTER:
		return office_time(r, at_local(d + rng_range(r, 3, 9), rng_range(r, 500, 1040)));
	case CH_SURVEY:
		return work_time(r, at_local(d + rng_range(r, 3, 15), rng_range(r, 480, 1000)), 60);
	case CH_PHONE:
		return at_local(d + rng_range(r, 0, 2), rng_range(r, 450, 1260));
	default:
		return work_time(r, at_local(d + rng_range(r, 0, 2), rng_range(r, 460, 1080)), 60);
	}
}

/* The account that takes a report by channel at school s. */
static int64_t
receiver(struct gen *g, struct rng *r, const struct school *s, int channel)
{
	switch (channel) {
	case CH_ONLINE:
		return 0;
	case CH_HOTLINE:
	case CH_LETTER:
		return g->office_staff[rng_below(r, 2)];
	case CH_OBSERVED:
		if (s->head_teacher)
			return chance(r, 50) ? s->head_teacher : s->teacher;
		return s->principal;
	default:
		return s->secretary ? s->secretary : s->principal;
	}
}

static int
new_report(struct gen *g)
{
	if (!GROW(g, g->r, g->nr, g->capr))
		return -1;
	struct preport *p = &g->r[g->nr];
	memset(p, 0, sizeof *p);
	p->school = p->assign = p->c = -1;
	return (int)g->nr++;
}

static const char *const kind_names[] = { "physical", "verbal", "property",
	"exclusion", "online" };

/* The behaviours of an incident whose main kind is kind. */
static void
behaviours_of(struct rng *r, int kind, char out[48])
{
	int second = -1;
	if (chance(r, 35)) {
		static const int with[][2] = { { 1, 2 }, { 0, 3 }, { 0, 1 }, { 1, 4 },
			{ 1, 3 } };
		second = with[kind][rng_below(r, 2)];
	}
	if (second >= 0 && second != kind)
		snprintf(out, 48, "%s,%s", kind_names[kind < second ? kind : second],
		    kind_names[kind < second ? second : kind]);
	else
		snprintf(out, 48, "%s", kind_names[kind]);
}

/* The school days from start to the last one that leaves a fortnight
 * before the term ends, up to today: the days an incident may happen. */
static xa_day *
incident_days(struct gen *g, size_t *n)
{
	xa_day *v = calloc((size_t)(g->today - g->start + 2), sizeof *v);
	if (v == NULL)
		return NULL;
	*n = 0;
	for (xa_day d = g->start; d <= g->today; d++) {
		if (!school_day(d))
			continue;
		/* the last fortnight before the summer is for exams */
		char s[11];
		day_format(d, s);
		if (strncmp(s + 5, "06-2", 4) == 0 || strncmp(s + 5, "07-", 3) == 0)
			continue;
		v[(*n)++] = d;
	}
	return v;
}

/* Plans case ci of school si, whose incident was on day d: what happened
 * and what the committee will find, the parties, the reports, and (by
 * plan_handling) every step of its handling; fate steers it (F_*). */
static xa_err
plan_case(struct gen *g, int si, xa_day d, int ci, int fate)
{
	struct rng r;
	rng_seed(&r, g->seed, STREAM_CASE + (uint64_t)ci);
	struct school *s = &g->s[si];
	if (!GROW(g, g->c, g->nc, g->capc))
		return XA_ENOMEM;
	int c = (int)g->nc++;
	struct pcase *k = &g->c[c];
	memset(k, 0, sizeof *k);
	k->school = si;
	k->incident = d;
	k->tseed = (uint32_t)rng_next(&r);
	k->handler = s->secretary ? s->secretary : s->principal;
	k->fate = fate;
	/* what happened */
	int first = g->k[s->k0].grade, lastg = g->k[s->k0 + s->nk - 1].grade;
	int kind = fate == F_UNLAWFUL ? 0 :
	    (int)PICK(&r, ((const int[]){ 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 4 }));
	if (lastg <= 3 && kind == 4)
		kind = 1;		/* the youngest are not yet online */
	k->kind = kind;
	behaviours_of(&r, kind, k->behaviours);
	k->place = kind == 4 ? 2 : chance(&r, 82) ? 0 : 1;
	k->frequency = kind == 3 ? 2 : (int)PICK(&r, ((const int[]){ 0, 0, 0, 1, 1, 2 }));
	/* what the committee will find */
	k->finding = chance(&r, 72) || fate == F_APPEAL || fate == F_UNLAWFUL ? FIND_BULLYING :
	    FIND_NOT;
	k->tier = T_NONE;
	if (k->finding == FIND_BULLYING) {
		int x = (int)rng_below(&r, 100);
		k->tier = x < 78 ? T_GENERAL : x < 93 ? T_SERIOUS : x < 98 ? T_REPEATED :
		    T_UNLAWFUL;
		if (k->tier == T_UNLAWFUL && kind != 0 && kind != 2)
			k->tier = T_SERIOUS;	/* unlawful: violence or extortion */
		if (fate == F_UNLAWFUL)
			k->tier = T_UNLAWFUL;
	}
	/* parties: victims, perpetrators, witnesses; a repeated case names a
	 * student the school found against before */
	int nv = chance(&r, 90) ? 1 : 2;
	int npp = k->tier == T_UNLAWFUL ? rng_range(&r, 2, 3) :
	    (int)PICK(&r, ((const int[]){ 1, 1, 1, 1, 1, 2, 2, 2, 3 }));
	int nw = (int)PICK(&r, ((const int[]){ 0, 0, 1, 1, 1, 2 }));
	k->p0 = (int)g->np;
	int vg = 0;
	for (int i = 0; i < nv + npp + nw; i++) {
		if (!GROW(g, g->p, g->np, g->capp))
			return XA_ENOMEM;
		struct party *p = &g->p[g->np];
		memset(p, 0, sizeof *p);
		p->c = c;
		p->role = i < nv ? R_VICTIM : i < nv + npp ? R_PERP : R_WITNESS;
		snprintf(p->alias, sizeof p->alias, "学生%c", 'A' + i);
		bool reused = false;
		if (p->role == R_PERP && k->tier == T_REPEATED && i == nv) {
			/* the same student as in an earlier case of this school */
			for (int j = c - 1; j >= 0 && !reused; j--) {
				const struct pcase *o = &g->c[j];
				if (o->school != si || o->finding != FIND_BULLYING ||
				    o->incident + 20 > d)
					continue;
				for (int q = o->p0; q < o->p0 + o->np && !reused; q++)
					if (g->p[q].role == R_PERP) {
						const struct party *src = &g->p[q];
						memcpy(p->name, src->name, sizeof p->name);
						memcpy(p->guardian, src->guardian, sizeof p->guardian);
						memcpy(p->relation, src->relation, sizeof p->relation);
						memcpy(p->phone, src->phone, sizeof p->phone);
						p->ng = src->ng;
						p->grade = src->grade;
						p->klass = src->klass;
						p->stage = src->stage;
						p->compulsory = src->compulsory;
						p->under14 = src->under14;
						p->boy = src->boy;
						reused = true;
					}
			}
			if (!reused)
				k->tier = T_SERIOUS;
		}
		if (!reused) {
			int lo = first, hi = lastg;
			if (i > 0 && vg > 0) {
				/* mostly the same class or grade; the stronger side
				 * sometimes older */
				lo = hi = vg + (p->role == R_PERP && chance(&r, 15) ? 1 : 0);
				if (hi > lastg)
					lo = hi = vg;
			}
			new_student(g, &r, s, p, lo, hi);
			if (i == 0)
				vg = p->grade;
			if (i > 0 && p->grade == vg && chance(&r, 70)) {
				/* the same class as the victim */
				p->klass = g->p[k->p0].klass;
			}
			p->boy = p->role == R_PERP ? chance(&r, kind == 0 || kind == 2 ? 85 : 55) :
			    chance(&r, 50);
		}
		g->np++;
	}
	k->np = nv + npp + nw;
	k->nv = nv;
	k->nperp = npp;
	/* intake: a case that looks serious is flagged */
	k->serious_flag = k->tier == T_UNLAWFUL ? chance(&r, 85) :
	    k->tier == T_SERIOUS ? chance(&r, 40) : k->tier == T_REPEATED ?
	    chance(&r, 30) : chance(&r, 2);
	k->legal = k->tier == T_UNLAWFUL && (chance(&r, 60) || fate == F_UNLAWFUL);
	/* an appeal now and then; a review some of those times */
	k->appeal = AP_NONE;
	k->finding2 = k->finding;
	k->tier2 = k->tier;
	/* (more among the recent ones, so that some are still pending) */
	bool recent = d + 45 >= g->today;
	if (fate == F_APPEAL || fate == F_REVIEW || (fate == F_NONE &&
	    chance(&r, recent ? (k->finding == FIND_NOT ? 20 : 12) :
	    (k->finding == FIND_NOT ? 6 : 3)))) {
		k->appeal = fate == F_APPEAL ? AP_UPHELD : fate == F_REVIEW ? AP_REVIEW :
		    chance(&r, 55) ? AP_UPHELD : AP_REVIEW;
		if (k->appeal == AP_REVIEW && chance(&r, 45)) {
			/* the review decides otherwise */
			if (k->finding == FIND_NOT) {
				k->finding2 = FIND_BULLYING;
				k->tier2 = T_GENERAL;
			} else if (k->tier == T_GENERAL) {
				k->tier2 = T_SERIOUS;
			}
		}
		k->appeal_party = k->finding == FIND_NOT || chance(&r, 60) ? k->p0 :
		    k->p0 + nv;
	}
	/* the reports: the first, from which the school opens the case, and
	 * now and then a second or third about the same incident, joined to
	 * it in the days after */
	int channel = pick_channel(&r);
	if (kind == 4 && channel == CH_OBSERVED)
		channel = CH_ONLINE;
	int64_t rt = report_time(&r, channel, d);
	int nrep = chance(&r, 9) ? rng_range(&r, 2, 3) : 1;
	k->r0 = (int)g->nr;
	k->nr = nrep;
	int64_t open = channel == CH_OBSERVED ? rt + rng_range(&r, 20, 90) * MINUTE :
	    later(&r, rt, 20, 240);
	for (int i = 0; i < nrep; i++) {
		int ri = new_report(g);
		if (ri < 0)
			return XA_ENOMEM;
		struct preport *p = &g->r[ri];
		p->school = si;
		p->c = c;
		p->kind = kind;
		p->channel = i == 0 ? channel : (int)PICK(&r, ((const int[]){ CH_ONLINE,
		    CH_PHONE, CH_PERSON, CH_HOTLINE }));
		p->reporter = pick_reporter(&r, p->channel);
		p->place = k->place;
		p->frequency = k->frequency;
		memcpy(p->behaviours, k->behaviours, sizeof p->behaviours);
		p->status = 4;	/* joined */
		p->victims = nv;
		p->perps = npp;
		p->occurred = d;
		p->received_by = receiver(g, &r, s, p->channel);
		if (i == 0) {
			p->created_at = rt;
			add_step(g, rt, OP_REPORT, 0, ri, -1);
			if (open - rt > 30 * MINUTE && chance(&r, 30))
				add_step(g, rt + (open - rt) / 2, OP_TRIAGE, 1, ri, -1);
			continue;
		}
		/* another report about the same incident, after the case was
		 * opened: joined to it */
		int64_t at = open + (int64_t)rng_range(&r, 60, 72 * 60) * MINUTE;
		if (p->channel == CH_HOTLINE)
			at = office_time(&r, at);
		else if (p->channel != CH_ONLINE)
			at = work_time(&r, at, 120);
		p->created_at = at;
		add_step(g, at, OP_REPORT, 0, ri, -1);
		add_step(g, later(&r, at, 30, 300), OP_JOIN, 0, ri, -1);
	}
	/* stalls: an investigation that runs far past its limit (and the
	 * office then supervises it), or immediate action left undone */
	int invest = chance(&r, 70) ? rng_range(&r, 2, 8) : chance(&r, 70) ?
	    rng_range(&r, 9, 10) : rng_range(&r, 11, 15);
	if (d + 75 >= g->today && chance(&r, 12))
		invest = rng_range(&r, 16, 45);
	if (fate == F_INVESTIGATING)
		invest = FAR_DAYS;
	else if (fate == F_APPEAL || fate == F_REVIEW)
		invest = rng_range(&r, 2, 5);
	if (invest > 12 && chance(&r, 55))
		k->manual_sup = true;
	else if (k->tier == T_GENERAL && channel == CH_HOTLINE && chance(&r, 40))
		k->manual_sup = true;
	int stall = fate == F_REPORTED ? 1 : fate == F_IMMEDIATE ? 2 : fate != F_NONE ? 0 :
	    d + 12 >= g->today && chance(&r, 20) ? 2 : d + 8 >= g->today && chance(&r, 15) ? 1 : 0;
	plan_handling(g, &r, c, open, stall, invest);
	return XA_OK;
}

/* Reports that never become a case: found unfounded or a prank, still in
 * a queue, or naming no school (the office's queue, where some are sent
 * on to a school). */
static xa_err
plan_loose_report(struct gen *g, const xa_day *days, size_t ndays, int li, int schools_w)
{
	struct rng r;
	rng_seed(&r, g->seed, STREAM_LOOSE + (uint64_t)li);
	int ri = new_report(g);
	if (ri < 0)
		return XA_ENOMEM;
	struct preport *p = &g->r[ri];
	/* the school: by size, like the cases */
	long pick = (long)rng_below(&r, (size_t)schools_w), acc = 0;
	int si = 0;
	for (size_t i = 0; i < g->ns; i++) {
		acc += g->s[i].quiet ? 0 : g->s[i].students;
		if (pick < acc) {
			si = (int)i;
			break;
		}
	}
	struct school *s = &g->s[si];
	int x = (int)rng_below(&r, 100);
	bool no_school = chance(&r, 14);
	if (no_school && x >= 8 && chance(&r, 20))
		x = (int)rng_below(&r, 8);	/* the office's queue is slower */
	/* recent days for what is still waiting */
	size_t dix = x < 8 ? ndays - 1 - rng_below(&r, ndays < 12 ? ndays : 12) :
	    rng_below(&r, ndays);
	xa_day d = days[dix];
	p->kind = (int)PICK(&r, ((const int[]){ 0, 0, 1, 1, 1, 2, 3, 4, 4 }));
	behaviours_of(&r, p->kind, p->behaviours);
	p->place = p->kind == 4 ? 2 : chance(&r, 75) ? 0 : chance(&r, 50) ? 1 : 3;
	p->frequency = (int)PICK(&r, ((const int[]){ 0, 0, 1, 2, 3 }));
	p->victims = 1;
	p->perps = rng_range(&r, 1, 2);
	p->occurred = d;
	p->channel = (int)PICK(&r, ((const int[]){ CH_ONLINE, CH_ONLINE, CH_ONLINE,
	    CH_ONLINE, CH_PHONE, CH_PERSON, CH_HOTLINE, CH_EMAIL, CH_SURVEY, CH_LETTER }));
	p->reporter = pick_reporter(&r, p->channel);
	p->created_at = report_time(&r, p->channel, d);
	if (no_school) {
		/* "not sure which school": the office's queue */
		p->school = -1;
		p->channel = chance(&r, 75) ? CH_ONLINE : CH_HOTLINE;
		p->received_by = p->channel == CH_HOTLINE ? g->office_staff[rng_below(&r, 2)] : 0;
		p->created_at = report_time(&r, p->channel, d);
		add_step(g, p->created_at, OP_REPORT, 0, ri, -1);
		if (x < 8) {
			p->status = 0;			/* still new */
		} else if (chance(&r, 55)) {
			/* the office finds the school and sends it on */
			p->assign = si;
			int64_t as = office_time(&r, p->created_at + (int64_t)rng_range(&r, 60,
			    1800) * MINUTE);
			add_step(g, as, OP_ASSIGN, 0, ri, -1);
			p->status = chance(&r, 70) ? 2 : 3;
			add_step(g, days_later(&r, as, 1, 6), OP_TRIAGE, (uint8_t)p->status, ri, -1);
		} else {
			p->status = chance(&r, 60) ? 3 : 2;	/* the office dismisses it */
			add_step(g, office_time(&r, p->created_at + (int64_t)rng_range(&r, 1, 3) *
			    DAY), OP_TRIAGE, (uint8_t)p->status, ri, -1);
		}
		return XA_OK;
	}
	p->school = si;
	p->received_by = receiver(g, &r, s, p->channel);
	add_step(g, p->created_at, OP_REPORT, 0, ri, -1);
	if (x < 8) {
		p->status = 0;
	} else if (x < 12) {
		p->status = 1;		/* accepted: the school is looking into it */
		add_step(g, later(&r, p->created_at, 30, 600), OP_TRIAGE, 1, ri, -1);
	} else {
		p->status = chance(&r, 72) ? 2 : 3;
		add_step(g, days_later(&r, p->created_at, 1, 5), OP_TRIAGE, (uint8_t)p->status,
		    ri, -1);
	}
	return XA_OK;
}

/* One case to plan: its school, its day and its fate. */
struct item {
	int school;
	xa_day d;
	int fate;
};

static int
cmp_day_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	return x->d < y->d ? -1 : x->d > y->d;
}

static int
cmp_step(const void *a, const void *b)
{
	const struct step *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The whole year in memory: how many cases each school has (by its size
 * and kind; some schools have none), each case's day and handling, the
 * reports that never became a case; then every step in time order. */
static xa_err
plan_year(struct gen *g)
{
	size_t ndays = 0;
	xa_day *days = incident_days(g, &ndays);
	xa_err e = XA_OK;
	if (days == NULL)
		return XA_ENOMEM;
	if (ndays == 0)
		goto done;
	struct rng r;
	rng_seed(&r, g->seed, STREAM_SCHOOLS);
	double *w = calloc(g->ns, sizeof *w), total = 0;
	if (w == NULL) {
		e = XA_ENOMEM;
		goto done;
	}
	long students = 0;
	for (size_t i = 0; i < g->ns; i++) {
		struct school *s = &g->s[i];
		s->archives = chance(&r, 85);
		/* a quiet school: small ones more often */
		s->quiet = chance(&r, s->students < 600 ? 16 : 3) ||
		    strcmp(s->type, "special") == 0;
		/* The showcase schools (their teachers have logins) always have
		 * cases, so the demo logins open real work. */
		if (s->teacher > 0)
			s->quiet = 0;
		double f = strstr(s->stages, "junior") ? 1.5 : 1.0;
		if (strcmp(s->type, "vocational") == 0)
			f = 1.4;
		else if (strcmp(s->type, "primary") == 0)
			f = 0.8;
		/* schools differ: some report more, some less */
		f *= 0.5 + (double)rng_below(&r, 101) / 100.0;
		w[i] = s->quiet ? 0 : f * s->students;
		total += w[i];
		students += s->quiet ? 0 : s->students;
	}
	double target = (double)DEMO_CASES_TARGET * g->percent / 100.0;
	/* each school's cases by day, in the schools' order */
	struct item *items = NULL;
	size_t ni = 0, capi = 0;
	for (size_t i = 0; i < g->ns && total > 0 && e == XA_OK; i++) {
		double want = target * w[i] / total;
		int n = (int)want;
		if ((double)rng_below(&r, 1000) / 1000.0 < want - n)
			n++;
		size_t first = ni;
		for (int j = 0; j < n; j++) {
			if (!GROW(g, items, ni, capi)) {
				e = XA_ENOMEM;
				break;
			}
			items[ni++] = (struct item){ (int)i, days[rng_below(&r, ndays)], F_NONE };
		}
		qsort(items + first, ni - first, sizeof *items, cmp_day_item);
	}
	/* the tail a demo must show, two cases each, from a window of days
	 * that lets each end up there */
	static const struct {
		int fate, from, to;	/* days before today */
	} windows[] = {
		{ F_REPORTED, 7, 1 }, { F_IMMEDIATE, 10, 2 }, { F_INVESTIGATING, 35, 16 },
		{ F_APPEAL, 55, 25 }, { F_REVIEW, 75, 35 }, { F_UNLAWFUL, 400, 90 },
	};
	size_t start = ni ? rng_below(&r, ni) : 0;
	for (size_t f = 0; f < COUNT(windows); f++) {
		int got = 0;
		for (size_t j = 0; j < ni && got < 2; j++) {
			struct item *it = &items[(start + j * 7919) % ni];
			if (it->fate == F_NONE && it->d >= g->today - windows[f].from &&
			    it->d <= g->today - windows[f].to) {
				it->fate = windows[f].fate;
				got++;
			}
		}
	}
	for (size_t j = 0; j < ni && e == XA_OK; j++)
		e = plan_case(g, items[j].school, items[j].d, (int)j, items[j].fate);
	free(items);
	free(w);
	/* loose reports: about a fifth as many as the cases */
	int loose = (int)(g->nc * 22 / 100 + (g->nc > 0 ? 10 : 0));
	for (int i = 0; i < loose && e == XA_OK && students > 0; i++)
		e = plan_loose_report(g, days, ndays, i, (int)students);
	if (e == XA_OK && g->sticky != XA_OK)
		e = g->sticky;
	if (e == XA_OK)
		qsort(g->st, g->nst, sizeof *g->st, cmp_step);
done:
	free(days);
	return e;
}

/* ------------------------------------------------------------------ */
/* Texts. Sober, plausible, never lurid; the people in them are named by
 * role or alias ("学生A"), never by name, so the de-identified views of a
 * narrative read the same as the full ones. */

struct voice {
	const char *v;		/* the victim, as subject */
	const char *o;		/* the victim, as object later in a sentence */
	const char *q;		/* the victim's (possessive) later in a sentence */
	const char *p;		/* the other side */
};

static const char *const places_in[] = { "教室里", "走廊上", "操场上", "厕所附近",
	"食堂里", "楼梯间", "体育课自由活动时", "课间操排队时" };
static const char *const places_dorm[] = { "宿舍里", "宿舍楼走廊上" };
static const char *const places_out[] = { "放学路上", "校门外的小卖部附近",
	"小区里", "公交站附近" };
static const char *const periods[] = { "近两周以来", "本学期开学以来", "近一个月来",
	"最近一段时间", "这学期以来" };
static const char *const times_of_day[] = { "课间", "中午", "放学后", "体育课上",
	"午休时", "早读前" };

/* Templates by behaviour: [kind][0] for one incident, [kind][1] for a
 * pattern. {T} when, {F} since when, {L} where, {V} victim, {O} the
 * victim again, {Q} the victim's, {P} the other side, {N} a count. */
static const char *const tmpl[5][2][3] = {
	{ { "{T}，{P}在{L}因琐事与{V}发生争执，随后推搡{O}，致{O}摔倒，手肘擦伤。",
	    "{T}，{P}在{L}把{V}堵在角落，用拳头击打{Q}肩膀和后背，并威胁{O}不许告诉老师和家长。",
	    "{T}，{P}在{L}故意伸脚绊倒{V}，又把{Q}水杯打翻，{V}膝盖淤青。" },
	  { "{F}，{P}多次在{L}趁老师不在时踢{V}的椅子、拍打{Q}后脑勺，{V}一直不敢告诉老师。",
	    "{F}，{P}经常在{L}故意撞{V}、拉扯{Q}书包带，有几次把{O}推倒在地。",
	    "{F}，{P}以“闹着玩”为由多次掐、拧{V}的胳膊，{V}胳膊上有多处淤青。" } },
	{ { "{T}，{P}在{L}当众辱骂{V}，说了很多难听的话，还说“再告诉老师就让你好看”。",
	    "{T}，{P}在{L}模仿{V}说话的口音，嘲笑{Q}家庭条件，引得周围同学哄笑。",
	    "{T}，{P}在{L}给{V}起侮辱性的外号，并让其他同学跟着一起喊。" },
	  { "{F}，{P}在{L}给{V}起侮辱性绰号，经常当着其他同学的面嘲笑{Q}外貌。",
	    "{F}，{P}经常挖苦{V}的学习成绩，说{O}“笨”“拖班级后腿”，{V}上课不敢发言。",
	    "{F}，{P}多次用难听的话讥讽{V}的身材，{V}回家后常常哭。" } },
	{ { "{T}，{P}在{L}抢走{V}的文具盒和饭卡，并故意摔坏了文具盒。",
	    "{T}，{P}在{L}把{V}的作业本撕坏，又把{Q}书包扔进了垃圾桶。",
	    "{T}，{P}在{L}强行拿走{V}的零花钱二十元，并不许{O}告诉家长。" },
	  { "{F}，{P}多次在{L}向{V}强行索要零花钱，每次五元到二十元不等，前后约{N}次。",
	    "{F}，{P}以“借用”为名多次拿走{V}的零食和学习用品，一直不还。",
	    "{F}，{P}多次故意弄坏{V}的文具和课本，还把{Q}东西藏起来。" } },
	{ { "{T}，{P}在{L}带头不让{V}参加集体游戏，并对其他同学说“谁和这个同学玩就不理谁”。",
	    "{T}，{P}组织同学集体不理睬{V}，把{O}从学习小组里赶了出来。",
	    "{T}，{P}在分组活动时当众拒绝和{V}一组，并让别的同学也不要和{O}一组。" },
	  { "{F}，{P}在班里号召其他同学不与{V}说话、不和{O}同组活动，{V}近来情绪低落，不愿上学。",
	    "{F}，{P}在分组和座位安排中排挤{V}，课间有意让{O}一个人待着，还在背后议论{Q}家庭情况。",
	    "{F}，{P}经常在{L}故意冷落{V}，并让其他同学孤立{O}，{V}变得不爱说话。" } },
	{ { "{T}，{P}在班级微信群里发了{V}的照片并配上嘲讽的文字，随后又转发到其他群。",
	    "{T}，{P}把{V}的私人聊天记录截图发到年级群里，并附上侮辱性的评论。",
	    "{T}，{P}用{V}的照片制作了恶搞图片，在同学间的聊天群里传播。" },
	  { "{F}，{P}在QQ空间和短视频平台上多次发布关于{V}的不实传言。",
	    "{F}，{P}建了一个没有{V}的聊天群，在群里嘲讽、辱骂{O}，还把截图发给{O}看。",
	    "{F}，{P}多次在班级群里@{V}，发侮辱性的话和表情图片。" } },
};

/* text with each {X} replaced by vals[X - 'A'] (NULL: left as is), into
 * g->text. */
static const char *
fill(struct gen *g, const char *text, const char *const vals[26])
{
	buf_reset(&g->text);
	for (const char *p = text; *p; p++) {
		if (p[0] == '{' && p[1] >= 'A' && p[1] <= 'Z' && p[2] == '}' &&
		    vals[p[1] - 'A'] != NULL) {
			buf_puts(&g->text, vals[p[1] - 'A']);
			p += 2;
			continue;
		}
		buf_putc(&g->text, *p);
	}
	return g->text.data ? g->text.data : "";
}

static const char *const grade_names[] = { "", "一年级", "二年级", "三年级", "四年级",
	"五年级", "六年级", "七年级", "八年级", "九年级", "高一", "高二", "高三" };

/* The narrative of an incident of kind, once or repeated, on day d, in
 * voice v, into out (cap bytes). */
static void
narrative(struct gen *g, struct rng *r, int kind, bool repeated, int place, xa_day d,
    const struct voice *v, const struct school *s, char *out, size_t cap)
{
	char when[48], n[8];
	char ds[11];
	day_format(d, ds);
	snprintf(when, sizeof when, "%d月%d日%s", (ds[5] - '0') * 10 + (ds[6] - '0'),
	    (ds[8] - '0') * 10 + (ds[9] - '0'), PICK(r, times_of_day));
	snprintf(n, sizeof n, "%d", rng_range(r, 3, 8));
	const char *where = place == 1 ? PICK(r, places_out) :
	    strstr(s->stages, "senior") || strstr(s->stages, "vocational") ?
	    (chance(r, 25) ? PICK(r, places_dorm) : PICK(r, places_in)) : PICK(r, places_in);
	const char *vals[26] = { 0 };
	vals['T' - 'A'] = when;
	vals['F' - 'A'] = PICK(r, periods);
	vals['L' - 'A'] = where;
	vals['V' - 'A'] = v->v;
	vals['O' - 'A'] = v->o;
	vals['Q' - 'A'] = v->q;
	vals['P' - 'A'] = v->p;
	vals['N' - 'A'] = n;
	const char *t = tmpl[kind][repeated ? 1 : 0][rng_below(r, 3)];
	snprintf(out, cap, "%s", fill(g, t, vals));
}

/* "学生B" or "学生B、学生C": the aliases of one role in case c. */
static void
aliases(const struct gen *g, const struct pcase *k, int role, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = '\0';
	FOR_PARTIES(g, k, i) {
		if (g->p[i].role != role)
			continue;
		int w = snprintf(out + o, cap - o, "%s%s", o ? "、" : "", g->p[i].alias);
		if (w < 0 || (size_t)w >= cap - o)
			break;
		o += (size_t)w;
	}
}

/* The reporter's words for the victim and the other side. */
static void
reporter_voice(struct rng *r, const struct preport *p, struct voice *v)
{
	static const char *const one[] = { "同班一名同学", "同年级一名学生", "班里一名同学",
		"隔壁班一名学生" };
	static const char *const many[] = { "同班几名同学", "同年级的两名学生",
		"班里几个同学", "高年级的几名学生" };
	v->p = p->perps > 1 ? PICK(r, many) : PICK(r, one);
	switch (p->reporter) {
	case RP_VICTIM:
		v->v = "我";
		v->o = "我";
		v->q = "我的";
		break;
	case RP_PARENT:
		v->v = "我家孩子";
		v->o = "孩子";
		v->q = "孩子的";
		break;
	case RP_WITNESS:
		v->v = "我们班一位同学";
		v->o = "这位同学";
		v->q = "这位同学的";
		break;
	case RP_STAFF:
		v->v = "本班一名学生";
		v->o = "该生";
		v->q = "该生的";
		break;
	default:
		v->v = "一名学生";
		v->o = "该生";
		v->q = "该生的";
		break;
	}
}

static const char *const reasons_unfounded[] = {
	"经调查核实，所反映情况系同学之间课间打闹嬉戏，双方均无欺压、侮辱的情形，双方家长已知情并认可。",
	"经核实，所述事件为一次性的口角冲突，双方当即和好，未造成伤害，不属于学生欺凌，已由班主任进行教育。",
	"经向当事学生、同班同学和任课教师了解，未发现所反映的情况，已与反映人沟通说明。",
	"经调查，所反映的“抢东西”系同学间借用物品未及时归还，已当面归还并相互道歉。",
};
static const char *const reasons_prank[] = {
	"举报所述的班级和学生在本校均不存在，内容与事实明显不符，系恶作剧。",
	"同一时段内提交了多条内容雷同、带有戏谑语言的举报，经核实无相关事件，系恶作剧。",
	"举报内容为玩笑性质，经向相关班级核实无此事，反映人亦承认是开玩笑。",
};

/* Texts of the chronology that depend on what happened: mask has bit
 * 1 << kind for each behaviour kind a text fits. */
struct ktext {
	unsigned mask;
	const char *text;
};

#define K_PHYS (1u << 0)
#define K_VERB (1u << 1)
#define K_PROP (1u << 2)
#define K_EXCL (1u << 3)
#define K_ONLINE (1u << 4)
#define K_INPERSON (K_PHYS | K_VERB | K_PROP | K_EXCL)

static const struct ktext stop_texts[] = {
	{ K_PHYS | K_PROP, "班主任接报后立即到场制止，将双方分开，分别安抚情绪。" },
	{ K_PHYS, "值周教师到场制止，将{P}带离现场，确认{V}暂无明显外伤。" },
	{ K_INPERSON, "德育处老师当即找{P}谈话，要求立即停止相关行为，并讲明后果。" },
	{ K_INPERSON, "班主任当天分别找{P}谈话，明确要求停止相关行为，并安排课间巡查。" },
	{ K_PROP, "班主任找{P}谈话，要求立即停止，并当面归还拿走的物品。" },
	{ K_VERB | K_EXCL, "班主任在班会上明确要求停止起绰号、孤立同学等行为，并单独找{P}谈话。" },
	{ K_ONLINE, "学校要求{P}立即删除相关图片和文字，并在群内说明；班主任已确认相关内容删除。" },
	{ K_ONLINE, "班主任联系{P}及其家长，要求立即删除相关内容、停止在网上发布有关{V}的信息，已确认删除。" },
};
static const struct ktext protect_texts[] = {
	{ K_PHYS, "校医检查{X}的身体情况，处理擦伤，并与家长沟通是否需要到医院检查。" },
	{ K_INPERSON, "安排{X}暂时调换座位，课间由班主任和任课教师留意，告诉{X}遇到问题随时找老师。" },
	{ K_INPERSON | K_ONLINE, "安排心理教师与{X}谈话，了解情绪状况；放学时请家长到校接送。" },
	{ K_INPERSON, "告诉{X}班主任的联系电话，安排两名同学课间陪伴，并加强走廊和厕所附近的巡查。" },
	{ K_ONLINE, "告诉{X}遇到网上的骚扰先截图保存、及时告诉老师和家长；班主任在班级群内提醒文明用语。" },
};
static const struct ktext evidence_texts[] = {
	{ K_PHYS | K_PROP | K_EXCL, "调取相关区域的监控录像，录像显示的经过与当事学生陈述基本一致。" },
	{ K_PHYS, "查看校医处理记录和家长提供的伤情照片。" },
	{ K_PROP, "核对被拿走、损坏的物品清单，家长提供了购买凭证。" },
	{ K_INPERSON, "向任课教师了解双方平时相处情况，已作记录。" },
	{ K_INPERSON, "收集相关同学的书面说明{N}份。" },
	{ K_ONLINE, "收集聊天群截图{N}张，已存档。" },
	{ K_ONLINE, "由家长提供相关网络发布内容的截图，已核对并存档。" },
};

static const char *
ktext(struct rng *r, const struct ktext *list, size_t n, int kind)
{
	size_t fit = 0;
	for (size_t i = 0; i < n; i++)
		fit += (list[i].mask >> kind) & 1u;
	size_t pick = rng_below(r, fit ? fit : 1);
	for (size_t i = 0; i < n; i++)
		if (((list[i].mask >> kind) & 1u) && pick-- == 0)
			return list[i].text;
	return list[0].text;
}

/* ------------------------------------------------------------------ */
/* Running the steps. */

struct run {
	struct gen *g;
	struct rng r;		/* texts and small choices, per step */
	uint8_t key[32];
	char text[2048];
	char meta[1024];
};

static xa_err
fail_at(struct gen *g, const char *what, const struct pcase *k, xa_err e)
{
	if (g->err[0] == '\0') {
		char num[16] = "";
		if (k != NULL && k->id > 0)
			case_number(k->year, k->seq, num);
		snprintf(g->err, g->errlen, "%s%s%s%s: %s", what, k ? " (case " : "",
		    k ? num : "", k ? ")" : "", xa_strerror(e));
	}
	return e;
}

static int64_t
unit_of_account(const struct gen *g, const struct pcase *k, int64_t account)
{
	if (account == g->office_staff[0] || account == g->office_staff[1] ||
	    account == g->director)
		return g->office;
	return g->s[k->school].id;
}

static void
who_of(const struct gen *g, const struct pcase *k, int64_t account, audit_entry *w)
{
	memset(w, 0, sizeof *w);
	w->account_id = account;
	w->unit_id = unit_of_account(g, k, account);
	w->request_id = "";
	w->source = SOURCE;
}

/* A display name, for the reasons' header line. */
static void
display_name(struct gen *g, int64_t account, char *out, size_t cap)
{
	db_stmt *st = NULL;
	out[0] = '\0';
	if (db_prepare(g->d, "SELECT display_name FROM accounts WHERE id = ?", &st) != XA_OK)
		return;
	db_bind_int(st, 1, account);
	if (db_step(st) == 1)
		snprintf(out, cap, "%s", db_col_text(st, 0));
	db_done(st);
}

static xa_err
exec1(db_stmt *st)
{
	int rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* Seals text with key into a malloc'd blob. */
static xa_err
seal(const uint8_t key[32], const char *text, uint8_t **out, size_t *len)
{
	size_t n = strlen(text);
	*out = malloc(n + CRYPTO_SEAL_OVERHEAD);
	if (*out == NULL)
		return XA_ENOMEM;
	xa_err e = crypto_seal(key, text, n, *out, n + CRYPTO_SEAL_OVERHEAD, len);
	if (e != XA_OK) {
		free(*out);
		*out = NULL;
	}
	return e;
}

/* Who chaired the school's committee at t, among the accounts: the
 * principal, except in the showcase schools before 2026-09-01, whose
 * former chair has no account (demo.c): their secretary then. */
static int64_t
chair_at(const struct gen *g, const struct pcase *k, int64_t t)
{
	const struct school *s = &g->s[k->school];
	if (s->secretary && day_of(t, ZONE) < day_from("2026-09-01"))
		return s->secretary;
	return s->principal;
}

static const char *const channel_names[] = { "online", "hotline", "school_phone",
	"in_person", "letter", "email", "observed", "survey" };
static const char *const reporter_names[] = { "victim", "witness", "parent", "staff",
	"other" };
static const char *const status_names[] = { "new", "accepted", "unfounded", "prank",
	"joined" };

/* A report comes in: its own key, the sealed body (as reports_http.c or,
 * online, report_public.c writes it) and its audit record. */
static xa_err
run_report(struct run *x, int ri, int64_t at)
{
	struct gen *g = x->g;
	struct preport *p = &g->r[ri];
	const struct school *s = &g->s[p->school >= 0 ? p->school :
	    (p->assign >= 0 ? p->assign : 0)];
	struct voice v;
	reporter_voice(&x->r, p, &v);
	char what[1024], when[64] = "", involved[160] = "", contact[64] = "";
	narrative(g, &x->r, p->kind, p->frequency == 1 || p->frequency == 2, p->place,
	    p->occurred, &v, s, what, sizeof what);
	if (p->channel == CH_OBSERVED)
		snprintf(what + strlen(what), sizeof what - strlen(what),
		    "本人在现场看到后当即制止。");
	if (p->channel == CH_SURVEY)
		snprintf(what + strlen(what), sizeof what - strlen(what),
		    "（本学期学生欺凌问卷调查中的反映）");
	char ds[11];
	day_format(p->occurred, ds);
	snprintf(when, sizeof when, "%d月%d日", (ds[5] - '0') * 10 + (ds[6] - '0'),
	    (ds[8] - '0') * 10 + (ds[9] - '0'));
	if (p->c >= 0) {
		const struct party *vp = &g->p[g->c[p->c].p0];
		snprintf(involved, sizeof involved, "%s%s", grade_names[vp->grade], vp->klass);
		if (p->reporter == RP_PARENT && p->channel != CH_ONLINE) {
			char fam[8];
			surname_of(vp->guardian[0], fam);
			snprintf(contact, sizeof contact, "%s%s %s", fam,
			    strcmp(vp->relation[0], "母亲") == 0 ? "女士" : "先生", vp->phone[0]);
		}
	} else if (s->nk > 0) {
		const struct klass *k = &g->k[s->k0 + rng_below(&x->r, s->nk)];
		snprintf(involved, sizeof involved, "%s%s", grade_names[k->grade], k->name);
	}
	bool staff = p->channel != CH_ONLINE;
	json_t *b = staff ?
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:b}", "what", what, "when_text", when,
	    "place_text", "", "involved", involved, "contact", contact, "received_at",
	    (json_int_t)at, "serious", p->c >= 0 && g->c[p->c].serious_flag) :
	    json_pack("{s:s, s:s, s:s, s:s, s:s}", "what", what, "when_text", when,
	    "place_text", "", "involved", involved, "contact", contact);
	char *body = b ? json_dumps(b, JSON_COMPACT) : NULL;
	json_decref(b);
	if (body == NULL)
		return XA_ENOMEM;
	uint8_t wrapped[WRAPPED_KEY_LEN], *sealed = NULL;
	size_t slen = 0;
	char hash[2 * SM3_LEN + 1] = "";
	xa_err e = ckey_new(x->key, wrapped);
	if (e == XA_OK)
		e = seal(x->key, body, &sealed, &slen);
	OPENSSL_cleanse(body, strlen(body));
	free(body);
	if (e == XA_OK && !staff) {
		/* the receipt code went to the reporter; only its hash stays */
		uint8_t code[32], h[SM3_LEN];
		e = crypto_random(code, sizeof code);
		if (e == XA_OK)
			e = crypto_sm3(code, sizeof code, h);
		crypto_hex(h, sizeof h, hash);
	}
	db_stmt *st = NULL;
	if (e == XA_OK)
		e = db_prepare(g->d, "INSERT INTO reports (unit_id, queue_unit_id, channel,"
		    " receipt, wkey, body, occurred_on, place, behaviours, frequency,"
		    " reporter, status, received_by, owner_id, created_at, updated_at)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', ?, ?, ?, ?)", &st);
	if (e == XA_OK) {
		if (p->school >= 0)
			db_bind_int(st, 1, s->id);
		else
			db_bind_null(st, 1);
		db_bind_int(st, 2, p->school >= 0 ? s->id : g->office);
		db_bind_text(st, 3, channel_names[p->channel], -1);
		if (hash[0])
			db_bind_text(st, 4, hash, -1);
		else
			db_bind_null(st, 4);
		db_bind_blob(st, 5, wrapped, sizeof wrapped);
		db_bind_blob(st, 6, sealed, slen);
		db_bind_text(st, 7, ds, -1);
		db_bind_text(st, 8, report_places[p->place], -1);
		db_bind_text(st, 9, p->behaviours, -1);
		db_bind_text(st, 10, report_frequencies[p->frequency], -1);
		db_bind_text(st, 11, reporter_names[p->reporter], -1);
		if (p->received_by > 0) {
			db_bind_int(st, 12, p->received_by);
			db_bind_int(st, 13, p->received_by);
		} else {
			db_bind_null(st, 12);
			db_bind_null(st, 13);
		}
		db_bind_int(st, 14, at);
		db_bind_int(st, 15, at);
		e = exec1(st);
	}
	free(sealed);
	OPENSSL_cleanse(x->key, sizeof x->key);
	if (e != XA_OK)
		return fail_at(g, "writing a report", NULL, e);
	p->id = db_last_id(g->d);
	if ((e = notify_report(g->d, p->id, p->school >= 0 ? s->id : g->office,
	    p->received_by > 0 ? p->received_by : 0, at)) != XA_OK)
		return fail_at(g, "writing a report's notice", NULL, e);
	if (!staff)
		return audit(g, 0, 0, "report.receive", "report", p->id, "body", at);
	int64_t unit = p->received_by == g->office_staff[0] ||
	    p->received_by == g->office_staff[1] ? g->office : s->id;
	return audit(g, p->received_by, unit, "report.create", "report", p->id,
	    "channel,received_at,unit_id,what,when_text,occurred_on,place,place_text,"
	    "behaviours,involved,frequency,reporter,contact,serious", at);
}

/* The school's handler of a report (the office for its own queue). */
static int64_t
triager(const struct gen *g, const struct preport *p, struct rng *r)
{
	int si = p->school >= 0 ? p->school : p->assign;
	if (si < 0)
		return g->office_staff[rng_below(r, 2)];
	const struct school *s = &g->s[si];
	return s->secretary ? s->secretary : s->principal;
}

/* Accepted, or dismissed as unfounded or a prank with a sealed reason
 * (the reasons' header line as reports_http.c writes it). */
static xa_err
run_triage(struct run *x, int ri, int status, int64_t at)
{
	struct gen *g = x->g;
	struct preport *p = &g->r[ri];
	if (p->id == 0)
		return XA_OK;
	int si = p->school >= 0 ? p->school : p->assign;
	int64_t who = triager(g, p, &x->r);
	int64_t unit = si >= 0 ? g->s[si].id : g->office;
	db_stmt *st = NULL;
	xa_err e;
	if (status == 1) {
		if ((e = db_prepare(g->d, "UPDATE reports SET status = 'accepted', updated_at = ?"
		    " WHERE id = ? AND status = 'new'", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, at);
		db_bind_int(st, 2, p->id);
		if ((e = exec1(st)) != XA_OK)
			return e;
		return audit(g, who, unit, "report.accept", "report", p->id, "status", at);
	}
	char name[64], ds[11];
	display_name(g, who, name, sizeof name);
	day_format(day_of(at, ZONE), ds);
	int m = minute_of(at);
	const char *why = status == 2 ? PICK(&x->r, reasons_unfounded) :
	    PICK(&x->r, reasons_prank);
	snprintf(x->text, sizeof x->text, "%s %02d:%02d %s · %s\n%s", ds, m / 60, m % 60, name,
	    status == 2 ? "经核实不属实" : "恶作剧", why);
	if ((e = report_key(g->d, p->id, x->key)) != XA_OK)
		return e;
	uint8_t *sealed = NULL;
	size_t slen = 0;
	e = seal(x->key, x->text, &sealed, &slen);
	OPENSSL_cleanse(x->key, sizeof x->key);
	if (e == XA_OK)
		e = db_prepare(g->d, "UPDATE reports SET status = ?, reason = ?, updated_at = ?"
		    " WHERE id = ? AND status IN ('new', 'accepted')", &st);
	if (e == XA_OK) {
		db_bind_text(st, 1, status_names[status], -1);
		db_bind_blob(st, 2, sealed, slen);
		db_bind_int(st, 3, at);
		db_bind_int(st, 4, p->id);
		e = exec1(st);
	}
	free(sealed);
	if (e != XA_OK)
		return e;
	return audit(g, who, unit, "report.dismiss", "report", p->id, "status,reason", at);
}

/* The office finds the school a report did not name and sends it on. */
static xa_err
run_assign(struct run *x, int ri, int64_t at)
{
	struct gen *g = x->g;
	struct preport *p = &g->r[ri];
	if (p->id == 0 || p->assign < 0)
		return XA_OK;
	int64_t school = g->s[p->assign].id;
	db_stmt *st = NULL;
	xa_err e = db_prepare(g->d, "UPDATE reports SET unit_id = ?, queue_unit_id = ?,"
	    " updated_at = ? WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, school);
	db_bind_int(st, 2, school);
	db_bind_int(st, 3, at);
	db_bind_int(st, 4, p->id);
	if ((e = exec1(st)) != XA_OK)
		return e;
	return audit(g, g->office_staff[rng_below(&x->r, 2)], g->office, "report.assign",
	    "report", p->id, "unit_id,queue_unit_id", at);
}

/* The neutral summary of case c, with the parties' aliases. */
static void
case_summary(struct run *x, const struct pcase *k, char *out, size_t cap)
{
	struct gen *g = x->g;
	char v[64], p[96];
	aliases(g, k, R_VICTIM, v, sizeof v);
	aliases(g, k, R_PERP, p, sizeof p);
	struct voice vo = { v, "其", "其", p };
	char n[1024];
	narrative(g, &x->r, k->kind, k->frequency != 0, k->place, k->incident, &vo,
	    &g->s[k->school], n, sizeof n);
	snprintf(out, cap, "据报告，%s", n);
}

/* The school opens the case from its first report (as reports_http.c
 * does: the case, then the report's record). */
static xa_err
run_open(struct run *x, int c, int64_t at)
{
	struct gen *g = x->g;
	struct pcase *k = &g->c[c];
	const struct preport *first = &g->r[k->r0];
	if (first->id == 0)
		return XA_OK;
	char summary[1200];
	case_summary(x, k, summary, sizeof summary);
	int64_t reps[1] = { first->id };
	case_new cn = { g->s[k->school].id, summary, k->serious_flag, k->handler, k->handler,
		reps, 1 };
	audit_entry who;
	who_of(g, k, k->handler, &who);
	xa_err e = case_open(g->d, &cn, &who, at, ZONE, &k->id);
	if (e != XA_OK)
		return fail_at(g, "opening a case", k, e);
	db_stmt *st = NULL;
	if ((e = db_prepare(g->d, "SELECT year, seq FROM cases WHERE id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, k->id);
	if (db_step(st) == 1) {
		k->year = (int)db_col_int(st, 0);
		k->seq = (int)db_col_int(st, 1);
	}
	db_done(st);
	k->state = CS_REPORTED;
	return audit(g, k->handler, who.unit_id, "report.case", "report", first->id,
	    "status,case_id", at);
}

/* A later report about the same incident, joined to the open case. */
static xa_err
run_join(struct run *x, int ri, int64_t at)
{
	struct gen *g = x->g;
	struct preport *p = &g->r[ri];
	struct pcase *k = &g->c[p->c];
	if (p->id == 0 || k->id == 0 || case_state_final((enum case_state)k->state))
		return XA_OK;
	db_stmt *st = NULL;
	xa_err e = db_prepare(g->d, "UPDATE reports SET status = 'joined', case_id = ?,"
	    " updated_at = ? WHERE id = ? AND status IN ('new', 'accepted')", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, k->id);
	db_bind_int(st, 2, at);
	db_bind_int(st, 3, p->id);
	if ((e = exec1(st)) != XA_OK)
		return e;
	snprintf(x->meta, sizeof x->meta, "{\"report_id\":%lld}", (long long)p->id);
	audit_entry who;
	who_of(g, k, k->handler, &who);
	event_new ev = { .case_id = k->id, .kind = "note", .author_id = k->handler,
		.meta = x->meta, .occurred_at = at };
	if ((e = case_event_add(g->d, &ev, &who, at, NULL)) != XA_OK)
		return fail_at(g, "joining a report", k, e);
	return audit(g, k->handler, who.unit_id, "report.join", "report", p->id,
	    "status,case_id", at);
}

/* One party: name and guardians sealed with the case's key, the student
 * reference, the de-identified columns, and the record. */
static xa_err
run_party(struct run *x, int c, int pi, int64_t at)
{
	struct gen *g = x->g;
	struct pcase *k = &g->c[c];
	struct party *p = &g->p[pi];
	if (k->id == 0)
		return XA_OK;
	char guardians[256] = "";
	size_t o = 0;
	for (int i = 0; i < p->ng; i++) {
		int w = snprintf(guardians + o, sizeof guardians - o, "%s%s %s %s",
		    i ? "；" : "", p->relation[i], p->guardian[i], p->phone[i]);
		if (w > 0 && (size_t)w < sizeof guardians - o)
			o += (size_t)w;
	}
	char ref[65];
	uint8_t *n = NULL, *gd = NULL;
	size_t nl = 0, gl = 0;
	xa_err e = case_key(g->d, k->id, x->key);
	if (e == XA_OK)
		e = seal(x->key, p->name, &n, &nl);
	if (e == XA_OK)
		e = seal(x->key, guardians, &gd, &gl);
	OPENSSL_cleanse(x->key, sizeof x->key);
	if (e == XA_OK)
		e = student_ref(g->s[k->school].id, p->name, ref);
	db_stmt *st = NULL;
	static const char *const roles[] = { "victim", "perpetrator", "witness" };
	if (e == XA_OK)
		e = db_prepare(g->d, "INSERT INTO case_parties (case_id, role, alias, name,"
		    " guardians, grade, class_name, stage, compulsory, under14, student_ref,"
		    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
	if (e == XA_OK) {
		db_bind_int(st, 1, k->id);
		db_bind_text(st, 2, roles[p->role], -1);
		db_bind_text(st, 3, p->alias, -1);
		db_bind_blob(st, 4, n, nl);
		db_bind_blob(st, 5, gd, gl);
		db_bind_int(st, 6, p->grade);
		db_bind_text(st, 7, p->klass, -1);
		db_bind_text(st, 8, p->stage, -1);
		db_bind_int(st, 9, p->compulsory);
		db_bind_int(st, 10, p->under14);
		db_bind_text(st, 11, ref, -1);
		db_bind_int(st, 12, at);
		e = exec1(st);
	}
	free(n);
	free(gd);
	if (e != XA_OK)
		return fail_at(g, "adding a party", k, e);
	p->id = db_last_id(g->d);
	char fields[96];
	snprintf(fields, sizeof fields, "party=%lld;role=%s;name,guardians", (long long)p->id,
	    roles[p->role]);
	return audit(g, k->handler, g->s[k->school].id, "case.party", "case", k->id, fields, at);
}

/* One chronology entry of the plan's kinds. */
static xa_err
run_event(struct run *x, int c, int kind, int pi, int64_t at)
{
	struct gen *g = x->g;
	struct pcase *k = &g->c[c];
	const struct school *s = &g->s[k->school];
	if (k->id == 0 || case_state_final((enum case_state)k->state))
		return XA_OK;
	const struct party *p = pi >= 0 ? &g->p[pi] : NULL;
	char v[64], pp[96];
	aliases(g, k, R_VICTIM, v, sizeof v);
	aliases(g, k, R_PERP, pp, sizeof pp);
	const char *vals[26] = { 0 };
	vals['V' - 'A'] = v;
	vals['P' - 'A'] = pp;
	vals['X' - 'A'] = p ? p->alias : "";
	const char *ek = "note", *meta = NULL, *t = NULL;
	bool restricted = false;
	int64_t author = k->handler;
	struct rng *r = &x->r;
	switch (kind) {
	case EV_STOP:
		ek = "stop";
		t = ktext(r, stop_texts, COUNT(stop_texts), k->kind);
		if (s->head_teacher)
			author = s->head_teacher;
		break;
	case EV_PROTECT:
		ek = "protection";
		t = ktext(r, protect_texts, COUNT(protect_texts), k->kind);
		break;
	case EV_NOTICE:
		ek = "guardian_notice";
		snprintf(x->meta, sizeof x->meta, "{\"about\":\"incident\",\"method\":\"%s\"}",
		    chance(r, 75) ? "phone" : "in_person");
		meta = x->meta;
		t = p && p->role == R_VICTIM ? PICK(r, ((const char *const[]){
		    "告知{X}的家长事情经过和学校已采取的保护措施，家长表示知悉，约定到校面谈。",
		    "班主任与{X}的监护人通话，说明情况，请家长多关注孩子情绪，家长表示配合。" })) :
		    PICK(r, ((const char *const[]){
		    "告知{X}的家长事情经过，请家长到校配合调查，家长表示会配合。",
		    "与{X}的监护人通话，说明{X}涉及的情况和学校的调查安排，家长表示知悉。" }));
		break;
	case EV_RESULT:
		ek = "guardian_notice";
		snprintf(x->meta, sizeof x->meta, "{\"about\":\"result\",\"method\":\"%s\"}",
		    chance(r, 70) ? "in_person" : "letter");
		meta = x->meta;
		t = "向{X}的监护人送达认定结果和处理意见，并告知如有异议，可向县级防治学生欺凌工作部门申诉。";
		author = chair_at(g, k, at);
		break;
	case EV_INTERVIEW:
		ek = "interview";
		if (p == NULL)
			break;
		if (p->role == R_VICTIM)
			t = PICK(r, ((const char *const[]){
			    "与{X}谈话，了解事情经过和身心状况，已作记录并由本人确认。",
			    "在班主任陪同下与{X}谈话，{X}讲述了经过，情绪基本稳定，已作记录。" }));
		else if (p->role == R_PERP && k->finding == FIND_NOT)
			t = k->kind == 0 ? "与{X}谈话，{X}说明了起因，承认当时有推搡，表示没有想欺负对方。" :
			    "与{X}谈话，{X}说明了起因，称是同学间开玩笑，没有恶意，已如实记录。";
		else if (p->role == R_PERP)
			t = PICK(r, ((const char *const[]){
			    "与{X}谈话，{X}承认了主要事实，表示认识到错误，愿意向对方道歉。",
			    "与{X}谈话，{X}对部分情节有异议，称是“开玩笑”，已如实记录其陈述。",
			    "在家长陪同下与{X}谈话，{X}承认了大部分事实，家长表示会加强教育。" }));
		else
			t = PICK(r, ((const char *const[]){
			    "向在场的{X}了解情况，其陈述与报告内容基本一致。",
			    "向{X}了解双方平时相处的情况，已作记录。" }));
		break;
	case EV_EVIDENCE:
		ek = "evidence";
		t = ktext(r, evidence_texts, COUNT(evidence_texts), k->kind);
		vals['N' - 'A'] = chance(r, 50) ? "三" : "五";
		break;
	case EV_COUNSEL:
		ek = "counselling";
		restricted = true;
		if (s->counsellor)
			author = s->counsellor;
		t = PICK(r, ((const char *const[]){
		    "心理教师与{X}进行个别辅导，{X}情绪有所缓和，约定一周后再次辅导。",
		    "与{X}进行个别辅导，{X}表示仍有些害怕，已与班主任商定课间关注安排。",
		    "个别辅导：{X}睡眠和饮食已基本恢复，愿意参加集体活动。" }));
		break;
	case EV_BUREAU:
		ek = "bureau_report";
		author = chair_at(g, k, at);
		t = "已电话报告市教体局学生欺凌防治工作领导小组办公室，并于当日报送书面情况说明。";
		break;
	case EV_POLICE:
		ek = "referral";
		meta = "{\"agency\":\"police\"}";
		author = chair_at(g, k, at);
		t = PICK(r, ((const char *const[]){
		    "已报告辖区派出所，民警到校了解情况并制作了笔录。",
		    "已向辖区派出所报案，并与法治副校长沟通，民警已介入。" }));
		break;
	default:
		break;
	}
	const char *body = t ? fill(g, t, vals) : NULL;
	snprintf(x->text, sizeof x->text, "%s", body ? body : "");
	audit_entry who;
	who_of(g, k, author, &who);
	event_new ev = { .case_id = k->id, .kind = ek, .party_id = p ? p->id : 0,
		.occurred_at = at, .author_id = author, .meta = meta,
		.body = body ? x->text : NULL, .body_len = body ? strlen(x->text) : 0,
		.restricted = restricted };
	xa_err e = case_event_add(g->d, &ev, &who, at, NULL);
	if (e != XA_OK)
		return fail_at(g, "adding an entry", k, e);
	return XA_OK;
}

/* --- Determinations. */

static const char *const tier_names[] = { "general", "serious", "repeated", "unlawful", "" };

struct finding {
	const char *finding, *tier, *harms, *intent, *imbalance, *repetition, *basis;
	char behaviours[48], harms_buf[32], imbalance_buf[32];
};

/* What the committee (or the county review, second) finds in case c. */
static void
finding_of(struct run *x, const struct pcase *k, bool second, struct finding *f)
{
	struct gen *g = x->g;
	int fi = second ? k->finding2 : k->finding;
	int ti = second ? k->tier2 : k->tier;
	memset(f, 0, sizeof *f);
	snprintf(f->behaviours, sizeof f->behaviours, "%s", k->behaviours);
	f->finding = fi == FIND_BULLYING ? "bullying" : "not_bullying";
	f->tier = fi == FIND_BULLYING ? tier_names[ti] : "";
	/* the basis follows the case, not the moment: one stream per case */
	struct rng r;
	rng_seed(&r, g->seed, STREAM_TEXT + (uint64_t)k->tseed);
	f->basis = chance(&r, 70) ? "mpl2020_130" : "moe50_2021";
	if (fi != FIND_BULLYING) {
		f->harms = "";
		f->intent = "none";
		f->imbalance = "none";
		f->repetition = "once";
		return;
	}
	/* harms: what the behaviours cause; mental harm in nearly all */
	bool phys = strstr(k->behaviours, "physical") != NULL;
	bool prop = strstr(k->behaviours, "property") != NULL;
	snprintf(f->harms_buf, sizeof f->harms_buf, "%s%s%s", phys ? "physical," : "",
	    prop ? "property," : "", "mental");
	f->harms = f->harms_buf;
	f->intent = ti >= T_SERIOUS || chance(&r, 25) ? "malicious" : "deliberate";
	bool older = false;
	FOR_PARTIES(g, k, i)
		if (g->p[i].role == R_PERP && g->p[i].grade > g->p[k->p0].grade)
			older = true;
	snprintf(f->imbalance_buf, sizeof f->imbalance_buf, "%s%s%s",
	    older ? "age" : "", older && (k->nperp > 1 || !older) ? "," : "",
	    k->nperp > 1 ? "numbers" : older ? "" : "body");
	f->imbalance = f->imbalance_buf;
	f->repetition = k->frequency != 0 || ti == T_REPEATED ? "repeated" : "once";
}

static const char *
basis_text(const char *basis)
{
	if (strcmp(basis, "moe50_2021") == 0)
		return "《未成年人学校保护规定》（教育部令第50号）";
	if (strcmp(basis, "jd2017_10") == 0)
		return "《加强中小学生欺凌综合治理方案》（教督〔2017〕10号）";
	return "《中华人民共和国未成年人保护法》第一百三十条第（三）项";
}

/* The reasons (sealed in the determination's body). */
static void
reasons_of(struct run *x, const struct pcase *k, const struct finding *f,
    const char *meeting, bool review, char *out, size_t cap)
{
	struct gen *g = x->g;
	char v[64], p[96];
	aliases(g, k, R_VICTIM, v, sizeof v);
	aliases(g, k, R_PERP, p, sizeof p);
	const char *by = review ? "县级防治学生欺凌工作部门复查" :
	    "学校学生欺凌治理委员会会议研究";
	if (strcmp(f->finding, "bullying") != 0) {
		static const char *const what[] = { "课间打闹嬉戏中的偶发碰撞",
			"因琐事引起的一次性口角，双方互有过错", "玩笑过当，双方已当面和解",
			"同学间的一般矛盾，双方此前关系一直较好" };
		snprintf(out, cap, "经调查核实，%s与%s之间的这次冲突系%s，不存在一方蓄意或恶意"
		    "欺压、侮辱另一方的情形，未造成明显的人身伤害、财产损失或精神损害。依据%s，"
		    "经%s（%s），认定不构成学生欺凌。学校已对相关学生进行教育，并告知双方监护人。",
		    v, p, PICK(&x->r, what), basis_text(f->basis), by, meeting);
		return;
	}
	static const char *const acts[] = { "对{V}实施推搡、踢打等行为",
		"以起侮辱性绰号、当众辱骂等方式侮辱{V}的人格",
		"强行索要、故意损坏{V}的财物", "恶意排斥、孤立{V}", "在网络上散布{V}的照片和不实言论" };
	const char *vals[26] = { 0 };
	vals['V' - 'A'] = v;
	char act[160];
	snprintf(act, sizeof act, "%s", fill(g, acts[k->kind], vals));
	const char *imb = strstr(f->imbalance, "numbers") ? "双方在人数上力量悬殊" :
	    strstr(f->imbalance, "age") ? "对方年龄较大，双方力量不对等" :
	    "双方在身体力量上明显不对等";
	const char *harm = strstr(f->harms, "physical") ? "身体和精神受到伤害" :
	    strstr(f->harms, "property") ? "财产受到损失、精神受到伤害" : "精神受到伤害";
	const char *tier = strcmp(f->tier, "serious") == 0 ?
	    "情节比较恶劣，对受害学生造成明显伤害，属严重欺凌" :
	    strcmp(f->tier, "repeated") == 0 ? "行为人此前已因欺凌行为受到处理，属屡教不改的情形" :
	    strcmp(f->tier, "unlawful") == 0 ?
	    "行为涉嫌违反治安管理，已报公安机关依法处理，学校同步作出处理" :
	    "情节轻微，属一般欺凌";
	snprintf(out, cap, "经调查核实，%s%s%s。上述行为系%s实施，%s，造成%s%s。依据%s，"
	    "经%s（%s），认定构成学生欺凌，%s。",
	    p, strcmp(f->repetition, "repeated") == 0 ? "多次" : "", act,
	    strcmp(f->intent, "malicious") == 0 ? "恶意" : "故意", imb, v, harm,
	    basis_text(f->basis), by, meeting, tier);
}

/* The determination's meta as the case page reads it (cases_http.c
 * determination_meta): every choice, and who sat, by name and role, as
 * the roster stood that day. */
static char *
determination_meta(struct gen *g, const struct pcase *k, const struct finding *f,
    const char *meeting, bool committee, int *roster, int *taking)
{
	json_t *m = json_object();
	json_object_set_new(m, "finding", json_string(f->finding));
	json_object_set_new(m, "tier", json_string(f->tier));
	const char *lists[] = { f->behaviours, f->harms, f->imbalance };
	const char *names[] = { "behaviours", "harms", "imbalance" };
	for (int i = 0; i < 3; i++) {
		json_t *a = json_array();
		for (const char *p = lists[i]; *p;) {
			size_t n = strcspn(p, ",");
			if (strncmp(p, "none", n) != 0 || n != 4 || strcmp(f->finding, "bullying") == 0)
				json_array_append_new(a, json_stringn(p, n));
			p += n;
			if (*p == ',')
				p++;
		}
		json_object_set_new(m, names[i], a);
	}
	json_object_set_new(m, "intent", json_string(f->intent));
	json_object_set_new(m, "repetition", json_string(f->repetition));
	json_object_set_new(m, "place", json_string(report_places[k->place]));
	json_object_set_new(m, "basis", json_string(f->basis));
	json_object_set_new(m, "meeting_date", json_string(meeting));
	json_object_set_new(m, "by", json_string(committee ? "committee" : "county_review"));
	json_t *who = json_array();
	*roster = *taking = 0;
	if (committee) {
		const struct school *s = &g->s[k->school];
		xa_day d = day_from(meeting);
		bool absent = false;	/* one staff member may be away */
		for (size_t i = s->m0; i < s->m0 + s->nm; i++) {
			const struct member *mb = &g->m[i];
			if (mb->from > d || mb->to < d)
				continue;
			(*roster)++;
			if (!absent && strcmp(mb->type, "staff") == 0 &&
			    strcmp(mb->role, "member") == 0 && ((unsigned)k->tseed & 3u) == 0) {
				absent = true;
				continue;
			}
			(*taking)++;
			json_array_append_new(who, json_pack("{s:I, s:s, s:s, s:s}", "id",
			    (json_int_t)mb->id, "name", mb->name, "role", mb->role,
			    "member_type", mb->type));
		}
	}
	json_object_set_new(m, "participants", who);
	char *s = json_dumps(m, JSON_COMPACT);
	json_decref(m);
	return s;
}

/* The review panel (sealed): a school representative, a parent
 * representative and an outside expert (regulation.md §3.6). */
static void
panel_of(struct run *x, char *out, size_t cap)
{
	char a[NAME_LEN], b[NAME_LEN], c[NAME_LEN];
	make_name(&x->r, N_ADULT, NULL, a);
	make_name(&x->r, N_ADULT, NULL, b);
	make_name(&x->r, N_ADULT, NULL, c);
	snprintf(out, cap, "{\"members\":[{\"name\":\"%s\",\"role\":\"school_rep\"},"
	    "{\"name\":\"%s\",\"role\":\"parent_rep\"},{\"name\":\"%s\",\"role\":\"outside_expert\"}]}",
	    a, b, c);
}

static xa_err
case_version(struct gen *g, int64_t id, int64_t *v)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(g->d, "SELECT version FROM cases WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	if (db_step(st) == 1)
		*v = db_col_int(st, 0);
	else
		e = XA_ENOTFOUND;
	db_done(st);
	return e;
}

static const char *
supervision_required(void)
{
	return i18n_has("zh", "case.supervision_required") ?
	    i18n("zh", "case.supervision_required") :
	    "请于期限内报送调查处理进展和结果。";
}

/* A move of case c to state to, checked first against the facts the rows
 * give now, as the transition handler does (cases_http.c), with what
 * goes with it: a determination's event, finding and supervision; an
 * appeal's row and event. how: for CS_DETERMINED, 0 the committee, 1 the
 * appeal upheld (resume), 2 the county review's new determination. */
static xa_err
run_state(struct run *x, int c, int to, int how, int64_t at)
{
	struct gen *g = x->g;
	struct pcase *k = &g->c[c];
	if (k->id == 0)
		return XA_OK;
	const struct school *s = &g->s[k->school];
	case_facts f;
	xa_err e = case_facts_load(g->d, k->id, at, &f);
	if (e != XA_OK)
		return fail_at(g, "reading a case's facts", k, e);
	enum case_state from = f.state;
	transition_in in;
	memset(&in, 0, sizeof in);
	in.to = (enum case_state)to;
	struct finding fd;
	char meeting[11] = "", lodged[11] = "", panel[512] = "", reasons[1200] = "";
	char *meta = NULL;
	int64_t author = k->handler;
	int appeal_party = 0;
	bool determining = to == CS_DETERMINED && from != CS_APPEAL;
	if (determining) {
		bool committee = from == CS_AWAITING;
		finding_of(x, k, !committee, &fd);
		if (committee)
			day_format(k->meeting, meeting);
		else
			day_format(day_of(at, ZONE), meeting);
		reasons_of(x, k, &fd, meeting, !committee, reasons, sizeof reasons);
		in.finding = fd.finding;
		in.tier = fd.tier;
		in.behaviours = fd.behaviours;
		in.harms = fd.harms;
		in.intent = fd.intent;
		in.imbalance = fd.imbalance;
		in.repetition = fd.repetition;
		in.place = report_places[k->place];
		in.basis = fd.basis;
		in.reasons = reasons;
		in.meeting_date = meeting;
		int roster = 0, taking = 0;
		meta = determination_meta(g, k, &fd, meeting, committee, &roster, &taking);
		if (meta == NULL)
			return XA_ENOMEM;
		if (committee) {
			committee_check cc;
			in.roster_members = roster;
			in.participants = taking;
			if ((e = committee_check_on(g->d, s->id, meeting, g->student_rule, s->stages,
			    &cc)) != XA_OK) {
				free(meta);
				return e;
			}
			in.roster_complete = committee_complete(&cc) != 0;
			author = chair_at(g, k, at);
		} else {
			author = g->office_staff[k->seq & 1];
		}
	} else if (to == CS_APPEAL) {
		day_format(day_of(at, ZONE), lodged);
		in.lodged_on = lodged;
		in.lodged_by = g->p[k->appeal_party].role == R_VICTIM ? APPEAL_BY_VICTIM :
		    APPEAL_BY_PERPETRATOR;
		appeal_party = k->appeal_party;
		author = g->office_staff[k->seq & 1];
	} else if (from == CS_APPEAL) {
		in.outcome = to == CS_REVIEW ? "review" : "upheld";
		if (to == CS_REVIEW) {
			panel_of(x, panel, sizeof panel);
			in.panel = panel;
		}
		author = g->office_staff[k->seq & 1];
	} else if (to == CS_CLOSED || to == CS_ARCHIVED || to == CS_MEASURES) {
		author = chair_at(g, k, at);
	}
	if (to == CS_CLOSED)
		in.note = k->finding2 == FIND_NOT && k->finding == FIND_NOT ?
		    "经委员会认定不构成学生欺凌，已告知双方监护人，结案。" :
		    "各项措施已落实，回访情况良好，经委员会同意结案。";
	else if (to == CS_ARCHIVED)
		in.note = "按学期整理归档，纳入学校学生欺凌事件专门档案。";
	missing m;
	case_check(&f, &in, &m);
	if (m.n > 0) {
		char num[16];
		case_number(k->year, k->seq, num);
		size_t o = (size_t)snprintf(g->err, g->errlen, "the rules refuse case %s of %s"
		    " from %s to %s:", num, s->code, case_state_name(from),
		    case_state_name((enum case_state)to));
		for (size_t i = 0; i < m.n && o < g->errlen; i++)
			o += (size_t)snprintf(g->err + o, g->errlen - o, " %s", m.keys[i]);
		free(meta);
		return XA_EINVAL;
	}
	int64_t version = 0;
	if ((e = case_version(g, k->id, &version)) != XA_OK) {
		free(meta);
		return e;
	}
	int64_t due = case_due((enum case_state)to, at, &g->lim, &g->cal, ZONE);
	audit_entry who;
	who_of(g, k, author, &who);
	const char *note = in.note;
	e = case_set_state(g->d, k->id, (enum case_state)to, version, due, note, &who, at);
	if (e != XA_OK) {
		free(meta);
		return fail_at(g, "moving a case", k, e);
	}
	k->state = to;
	db_stmt *st = NULL;
	if (determining) {
		event_new ev = { .case_id = k->id, .kind = "determination", .meta = meta,
			.author_id = author, .occurred_at = at, .body = reasons,
			.body_len = strlen(reasons) };
		e = case_event_add(g->d, &ev, &who, at, NULL);
		if (e == XA_OK)
			e = db_prepare(g->d, "UPDATE cases SET finding = ?, tier = ? WHERE id = ?", &st);
		if (e == XA_OK) {
			db_bind_text(st, 1, fd.finding, -1);
			db_bind_text(st, 2, fd.tier, -1);
			db_bind_int(st, 3, k->id);
			e = exec1(st);
		}
		if (e == XA_OK) {
			char fields[96];
			snprintf(fields, sizeof fields, "finding=%s;tier=%s;reasons", fd.finding,
			    fd.tier);
			e = audit(g, author, who.unit_id, "case.determine", "case", k->id, fields, at);
		}
		bool bull = strcmp(fd.finding, "bullying") == 0;
		if (e == XA_OK && ((bull && (strcmp(fd.tier, "serious") == 0 ||
		    strcmp(fd.tier, "unlawful") == 0)) || k->serious_flag)) {
			char dd[11];
			day_format(day_of(at, ZONE) + 5, dd);
			e = supervision_auto(g->d, k->id, dd, supervision_required(), at);
		}
	}
	free(meta);
	if (e != XA_OK)
		return fail_at(g, "recording a determination", k, e);
	/* the appeal's row and its entry (cases_http.c record_appeal) */
	const char *action = NULL;
	if (to == CS_APPEAL) {
		const struct party *ap = &g->p[appeal_party];
		if ((e = db_prepare(g->d, "INSERT INTO appeals (case_id, party_id, lodged_on,"
		    " lodged_by, state, created_at) VALUES (?, ?, ?, ?, 'lodged', ?)", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, k->id);
		db_bind_int(st, 2, ap->id);
		db_bind_text(st, 3, lodged, -1);
		db_bind_text(st, 4, in.lodged_by, -1);
		db_bind_int(st, 5, at);
		if ((e = exec1(st)) != XA_OK)
			return e;
		k->appeal_id = db_last_id(g->d);
		action = "lodged";
		snprintf(x->meta, sizeof x->meta, "{\"action\":\"lodged\",\"lodged_on\":\"%s\","
		    "\"lodged_by\":\"%s\",\"party_id\":%lld}", lodged, in.lodged_by,
		    (long long)ap->id);
	} else if (from == CS_APPEAL && to == CS_REVIEW) {
		uint8_t *sealed = NULL;
		size_t slen = 0;
		if ((e = case_key(g->d, k->id, x->key)) == XA_OK)
			e = seal(x->key, panel, &sealed, &slen);
		OPENSSL_cleanse(x->key, sizeof x->key);
		if (e == XA_OK)
			e = db_prepare(g->d, "UPDATE appeals SET state = 'review', outcome = 'review',"
			    " panel = ?, review_due = ? WHERE case_id = ? AND state = 'lodged'", &st);
		if (e == XA_OK) {
			db_bind_blob(st, 1, sealed, slen);
			db_bind_int(st, 2, due);
			db_bind_int(st, 3, k->id);
			e = exec1(st);
		}
		free(sealed);
		if (e != XA_OK)
			return e;
		action = "review";
	} else if (from == CS_APPEAL) {
		if ((e = db_prepare(g->d, "UPDATE appeals SET state = 'upheld', outcome = 'upheld',"
		    " decided_at = ? WHERE case_id = ? AND state = 'lodged'", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, at);
		db_bind_int(st, 2, k->id);
		if ((e = exec1(st)) != XA_OK)
			return e;
		action = "upheld";
	} else if (from == CS_REVIEW) {
		if ((e = db_prepare(g->d, "UPDATE appeals SET state = 'decided', outcome = 'reviewed',"
		    " decided_at = ? WHERE case_id = ? AND state = 'review'", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, at);
		db_bind_int(st, 2, k->id);
		if ((e = exec1(st)) != XA_OK)
			return e;
		action = "decided";
	}
	if (action == NULL)
		return XA_OK;
	if (to != CS_APPEAL)
		snprintf(x->meta, sizeof x->meta, "{\"action\":\"%s\"}", action);
	event_new ev = { .case_id = k->id, .kind = "appeal", .meta = x->meta,
		.party_id = to == CS_APPEAL ? g->p[appeal_party].id : 0,
		.author_id = author, .occurred_at = at };
	if ((e = case_event_add(g->d, &ev, &who, at, NULL)) != XA_OK)
		return fail_at(g, "recording an appeal", k, e);
	char fields[64];
	snprintf(fields, sizeof fields, "appeal=%s%s", action, to == CS_REVIEW ? ";panel" : "");
	return audit(g, author, who.unit_id, "case.appeal", "case", k->id, fields, at);
}

/* --- Measures, check-ins, supervision, the legal process. */

/* {"text": s} as measures_http.c stores its bodies. */
static const char *
text_body(struct run *x, const char *s)
{
	json_t *b = json_pack("{s:s}", "text", s);
	char *t = b ? json_dumps(b, JSON_COMPACT) : NULL;
	json_decref(b);
	snprintf(x->text, sizeof x->text, "%s", t ? t : "{}");
	free(t);
	return x->text;
}

static xa_err
run_measure(struct run *x, int mi, int op, int64_t at)
{
	struct gen *g = x->g;
	struct pmeasure *me = &g->me[mi];
	struct pcase *k = &g->c[me->c];
	const struct party *p = &g->p[me->party];
	if (k->id == 0 || (op != OP_MEASURE && me->id == 0) ||
	    case_state_final((enum case_state)k->state))
		return XA_OK;
	int64_t author = op == OP_MEASURE ? chair_at(g, k, at) : k->handler;
	audit_entry who;
	who_of(g, k, author, &who);
	db_stmt *st = NULL;
	xa_err e;
	int64_t eid = 0;
	char on[11];
	day_format(day_of(at, ZONE), on);
	if (op == OP_MEASURE) {
		if ((e = db_prepare(g->d, "INSERT INTO case_measures (case_id, party_id,"
		    " catalogue_id, kind, name, grade, decided_by, decided_at) VALUES"
		    " (?, ?, NULL, ?, ?, ?, ?, ?)", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, k->id);
		db_bind_int(st, 2, p->id);
		db_bind_text(st, 3, me->kind, -1);
		db_bind_text(st, 4, me->name, -1);
		db_bind_text(st, 5, me->grade, -1);
		db_bind_int(st, 6, author);
		db_bind_int(st, 7, at);
		if ((e = exec1(st)) != XA_OK)
			return fail_at(g, "deciding a measure", k, e);
		me->id = db_last_id(g->d);
		json_t *m = json_pack("{s:I, s:s, s:s, s:s, s:I}", "measure_id", (json_int_t)me->id,
		    "kind", me->kind, "name", me->name, "grade", me->grade, "party_id",
		    (json_int_t)p->id);
		char *ms = m ? json_dumps(m, JSON_COMPACT) : NULL;
		json_decref(m);
		if (ms == NULL)
			return XA_ENOMEM;
		snprintf(x->meta, sizeof x->meta, "%s", ms);
		free(ms);
		event_new ev = { .case_id = k->id, .kind = "measure", .party_id = p->id,
			.occurred_at = at, .author_id = author, .meta = x->meta };
		e = case_event_add(g->d, &ev, &who, at, &eid);
		if (e == XA_OK)
			e = db_prepare(g->d, "UPDATE case_measures SET event_id = ? WHERE id = ?", &st);
		if (e == XA_OK) {
			db_bind_int(st, 1, eid);
			db_bind_int(st, 2, me->id);
			e = exec1(st);
		}
		return e == XA_OK ? XA_OK : fail_at(g, "deciding a measure", k, e);
	}
	bool told = op == OP_TOLD;
	if ((e = db_prepare(g->d, told ?
	    "UPDATE case_measures SET guardians_told_at = ? WHERE id = ? AND guardians_told_at = 0" :
	    "UPDATE case_measures SET done_at = ? WHERE id = ? AND done_at = 0", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, at);
	db_bind_int(st, 2, me->id);
	if ((e = exec1(st)) != XA_OK)
		return e;
	const char *body = NULL;
	if (told) {
		snprintf(x->meta, sizeof x->meta, "{\"measure_id\":%lld,\"party_id\":%lld,"
		    "\"method\":\"%s\",\"on\":\"%s\"}", (long long)me->id, (long long)p->id,
		    chance(&x->r, 60) ? "in_person" : "letter", on);
	} else {
		snprintf(x->meta, sizeof x->meta, "{\"measure_id\":%lld,\"party_id\":%lld,"
		    "\"on\":\"%s\"}", (long long)me->id, (long long)p->id, on);
		char t[256];
		snprintf(t, sizeof t, "%s：%s已落实。", p->alias, me->name);
		body = text_body(x, t);
	}
	event_new ev = { .case_id = k->id, .kind = told ? "measure_told" : "measure_done",
		.party_id = p->id, .occurred_at = at, .author_id = author, .meta = x->meta,
		.body = body, .body_len = body ? strlen(body) : 0 };
	e = case_event_add(g->d, &ev, &who, at, NULL);
	return e == XA_OK ? XA_OK : fail_at(g, "marking a measure", k, e);
}

static xa_err
run_review(struct run *x, int ri, int op, int64_t at)
{
	struct gen *g = x->g;
	struct preview *v = &g->rv[ri];
	struct pcase *k = &g->c[v->c];
	const struct party *p = &g->p[v->party];
	if (k->id == 0 || case_state_final((enum case_state)k->state) ||
	    (op == OP_REVIEW_DONE && v->id == 0))
		return XA_OK;
	audit_entry who;
	who_of(g, k, k->handler, &who);
	db_stmt *st = NULL;
	xa_err e;
	char due[11];
	day_format(v->due, due);
	bool protect = strcmp(v->kind, "protection_review") == 0;
	if (op == OP_REVIEW_PLAN) {
		if (protect) {
			/* the victim's protection plan, with its review date */
			snprintf(x->meta, sizeof x->meta, "{\"party_id\":%lld,\"review_dates\":[\"%s\"]}",
			    (long long)p->id, due);
			const char *body = text_body(x, "保护计划：班主任每天关注其在校情况，课间安排"
			    "同伴陪伴；心理教师每周辅导一次；上下学由家长接送；每三周复查一次。");
			event_new ev = { .case_id = k->id, .kind = "protection", .party_id = p->id,
				.occurred_at = at, .author_id = k->handler, .meta = x->meta,
				.body = body, .body_len = strlen(body) };
			if ((e = case_event_add(g->d, &ev, &who, at, NULL)) != XA_OK)
				return fail_at(g, "recording a protection plan", k, e);
		}
		if ((e = db_prepare(g->d, "INSERT INTO case_reviews (case_id, party_id, kind,"
		    " due_on) VALUES (?, ?, ?, ?)", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, k->id);
		db_bind_int(st, 2, p->id);
		db_bind_text(st, 3, v->kind, -1);
		db_bind_text(st, 4, due, -1);
		if ((e = exec1(st)) != XA_OK)
			return fail_at(g, "planning a check-in", k, e);
		v->id = db_last_id(g->d);
		return protect ? XA_OK : audit(g, k->handler, who.unit_id, "case.review_plan",
		    "case", k->id, "case_reviews", at);
	}
	const char *t;
	if (protect)
		t = "复查保护计划：{X}在校情况稳定，陪伴和接送安排按计划落实，继续执行。";
	else if (p->role == R_VICTIM)
		t = PICK(&x->r, ((const char *const[]){
		    "回访{X}：与同学相处正常，未再发生类似情况，家长表示满意。",
		    "回访{X}：情绪稳定，学习状态已恢复，愿意参加集体活动。",
		    "回访{X}及其家长：孩子在校情况良好，家长对处理结果表示认可。" }));
	else
		t = PICK(&x->r, ((const char *const[]){
		    "回访{X}：能遵守承诺，未再发生类似行为。",
		    "回访{X}：行为有明显改善，班主任将继续关注。",
		    "回访{X}及其家长：{X}已认识到错误，与对方同学相处正常。" }));
	const char *vals[26] = { 0 };
	vals['X' - 'A'] = p->alias;
	const char *body = text_body(x, fill(g, t, vals));
	snprintf(x->meta, sizeof x->meta, "{\"review_id\":%lld,\"party_id\":%lld,"
	    "\"review_kind\":\"%s\"}", (long long)v->id, (long long)p->id, v->kind);
	int64_t eid = 0;
	event_new ev = { .case_id = k->id, .kind = "followup", .party_id = p->id,
		.occurred_at = at, .author_id = k->handler, .meta = x->meta, .body = body,
		.body_len = strlen(body) };
	if ((e = case_event_add(g->d, &ev, &who, at, &eid)) != XA_OK)
		return fail_at(g, "recording a check-in", k, e);
	if ((e = db_prepare(g->d, "UPDATE case_reviews SET done_at = ?, event_id = ? WHERE id = ?",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, at);
	db_bind_int(st, 2, eid);
	db_bind_int(st, 3, v->id);
	return exec1(st);
}

/* The office's supervision by hand, the school's answer, the office's
 * closing (oversight_http.c). The answer and the closing apply to what
 * is open when they happen, so an automatic supervision is answered and
 * closed the same way. */
static xa_err
run_supervision(struct run *x, int c, int op, int64_t at)
{
	struct gen *g = x->g;
	struct pcase *k = &g->c[c];
	if (k->id == 0)
		return XA_OK;
	db_stmt *st = NULL;
	xa_err e;
	int64_t open = 0, sid = 0;
	if ((e = db_prepare(g->d, "SELECT id, state FROM supervisions WHERE case_id = ?"
	    " AND state <> 'closed' ORDER BY id DESC", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, k->id);
	while (db_step(st) == 1) {
		open++;
		if (sid == 0 && (op != OP_SUP_ANSWER || strcmp(db_col_text(st, 1), "open") == 0))
			sid = db_col_int(st, 0);
	}
	db_done(st);
	int64_t author = op == OP_SUP_ANSWER ? k->handler :
	    op == OP_SUP_CLOSE ? g->director : g->office_staff[k->seq & 1];
	audit_entry who;
	who_of(g, k, author, &who);
	const char *action, *fields, *body = NULL;
	if (op == OP_SUP_OPEN) {
		if (open > 0 || case_state_final((enum case_state)k->state))
			return XA_OK;
		char due[11];
		day_format(day_of(at, ZONE) + 7, due);
		if ((e = db_prepare(g->d, "INSERT INTO supervisions (case_id, state, automatic,"
		    " due_on, required, opened_by, opened_at) VALUES (?, 'open', 0, ?, ?, ?, ?)",
		    &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, k->id);
		db_bind_text(st, 2, due, -1);
		db_bind_text(st, 3, k->state == CS_INVESTIGATING ?
		    "调查已超过规定时限，请说明原因，并于期限内报送调查进展和认定安排。" :
		    "家长来电反映处理进度，请于期限内报送处理情况和下一步安排。", -1);
		db_bind_int(st, 4, author);
		db_bind_int(st, 5, at);
		if ((e = exec1(st)) != XA_OK)
			return e;
		sid = db_last_id(g->d);
		if ((e = db_prepare(g->d, "UPDATE cases SET supervised = 1 WHERE id = ?", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, k->id);
		if ((e = exec1(st)) != XA_OK)
			return e;
		action = "open";
		fields = "case_id,due_on,required";
	} else if (op == OP_SUP_ANSWER) {
		if (sid == 0)
			return XA_OK;
		if ((e = db_prepare(g->d, "UPDATE supervisions SET state = 'answered', answer = ?,"
		    " answered_by = ?, answered_at = ? WHERE id = ? AND state = 'open'", &st)) != XA_OK)
			return e;
		db_bind_text(st, 1, k->state <= CS_AWAITING ?
		    "调查已基本完成，已安排学生欺凌治理委员会会议，认定结果将及时报送。" :
		    "学生欺凌治理委员会已作出认定，处理结果已告知双方监护人，相关措施正在落实。", -1);
		db_bind_int(st, 2, author);
		db_bind_int(st, 3, at);
		db_bind_int(st, 4, sid);
		if ((e = exec1(st)) != XA_OK)
			return e;
		action = "answer";
		fields = "answer";
	} else {
		if (sid == 0)
			return XA_OK;
		if ((e = db_prepare(g->d, "UPDATE supervisions SET state = 'closed', closed_by = ?,"
		    " closed_at = ? WHERE case_id = ? AND state <> 'closed'", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, author);
		db_bind_int(st, 2, at);
		db_bind_int(st, 3, k->id);
		if ((e = exec1(st)) != XA_OK)
			return e;
		action = "close";
		fields = "state,note";
		body = "学校已按要求报送处理情况，督办结束。";
	}
	snprintf(x->meta, sizeof x->meta, "{\"supervision_id\":%lld,\"action\":\"%s\"}",
	    (long long)sid, action);
	event_new ev = { .case_id = k->id, .kind = "supervision", .author_id = author,
		.occurred_at = at, .meta = x->meta, .body = body,
		.body_len = body ? strlen(body) : 0 };
	if ((e = case_event_add(g->d, &ev, &who, at, NULL)) != XA_OK)
		return fail_at(g, "recording a supervision", k, e);
	char act[32];
	snprintf(act, sizeof act, "supervision.%s", action);
	return audit(g, author, who.unit_id, act, "supervision", sid, fields, at);
}

static xa_err
run_legal(struct run *x, int c, int64_t at)
{
	struct gen *g = x->g;
	struct pcase *k = &g->c[c];
	if (k->id == 0 || case_state_final((enum case_state)k->state))
		return XA_OK;
	const struct school *s = &g->s[k->school];
	db_stmt *st = NULL;
	xa_err e = db_prepare(g->d, "UPDATE cases SET legal_process = 1 WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, k->id);
	if ((e = exec1(st)) != XA_OK)
		return e;
	int64_t chair = chair_at(g, k, at);
	audit_entry who;
	who_of(g, k, chair, &who);
	const char *note = PICK(&x->r, ((const char *const[]){
	    "公安机关已依法受案调查，学校配合提供相关材料，学校的处理程序同步进行。",
	    "案件已进入司法程序，学校继续做好受害学生的保护和心理疏导工作。" }));
	event_new ev = { .case_id = k->id, .kind = "legal_process", .meta = "{\"on\":true}",
		.author_id = chair, .occurred_at = at, .body = note,
		.body_len = strlen(note) };
	if ((e = case_event_add(g->d, &ev, &who, at, NULL)) != XA_OK)
		return fail_at(g, "marking the legal process", k, e);
	return audit(g, chair, s->id, "case.legal", "case", k->id, "legal_process=1", at);
}

static xa_err
run_step(struct run *x, const struct step *s)
{
	rng_seed(&x->r, x->g->seed, STREAM_TEXT + 7919u * (uint64_t)s->seq);
	switch ((enum op)s->op) {
	case OP_REPORT:
		return run_report(x, s->obj, s->at);
	case OP_ASSIGN:
		return run_assign(x, s->obj, s->at);
	case OP_TRIAGE:
		return run_triage(x, s->obj, s->sub, s->at);
	case OP_OPEN:
		return run_open(x, s->obj, s->at);
	case OP_JOIN:
		return run_join(x, s->obj, s->at);
	case OP_PARTY:
		return run_party(x, s->obj, s->arg, s->at);
	case OP_EVENT:
		return run_event(x, s->obj, s->sub, s->arg, s->at);
	case OP_STATE:
		return run_state(x, s->obj, s->sub, s->arg, s->at);
	case OP_MEASURE:
	case OP_TOLD:
	case OP_DONE:
		return run_measure(x, s->arg, s->op, s->at);
	case OP_REVIEW_PLAN:
	case OP_REVIEW_DONE:
		return run_review(x, s->arg, s->op, s->at);
	case OP_SUP_OPEN:
	case OP_SUP_ANSWER:
	case OP_SUP_CLOSE:
		return run_supervision(x, s->obj, s->op, s->at);
	case OP_LEGAL:
		return run_legal(x, s->obj, s->at);
	}
	return XA_OK;
}

/* ------------------------------------------------------------------ */
/* The summary line. */

static xa_err
summary(struct gen *g, FILE *out)
{
	int64_t reports = 0, cases = 0, overdue = 0, supervised = 0, appealed = 0, joined = 0;
	xa_err e = db_query_int(g->d, "SELECT COUNT(*) FROM reports", &reports);
	if (e == XA_OK)
		e = db_query_int(g->d, "SELECT COUNT(*) FROM reports WHERE status = 'joined'", &joined);
	if (e == XA_OK)
		e = db_query_int(g->d, "SELECT COUNT(*) FROM cases", &cases);
	if (e != XA_OK)
		return e;
	db_stmt *st = NULL;
	if ((e = db_prepare(g->d, "SELECT COUNT(*) FROM cases WHERE state NOT IN ('closed',"
	    " 'archived') AND due_at > 0 AND due_at < ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, g->now);
	if (db_step(st) == 1)
		overdue = db_col_int(st, 0);
	db_done(st);
	if ((e = db_query_int(g->d, "SELECT COUNT(*) FROM cases WHERE supervised = 1",
	    &supervised)) != XA_OK ||
	    (e = db_query_int(g->d, "SELECT COUNT(*) FROM cases WHERE appealed = 1",
	    &appealed)) != XA_OK)
		return e;
	if (out == NULL)
		return XA_OK;
	fprintf(out, "\nReports and cases since %s: %lld reports (%lld joined to cases), "
	    "%lld cases (", YEAR_START, (long long)reports, (long long)joined, (long long)cases);
	if ((e = db_prepare(g->d, "SELECT state, COUNT(*) FROM cases GROUP BY state", &st)) != XA_OK)
		return e;
	int64_t by[CS__COUNT] = { 0 };
	while (db_step(st) == 1) {
		enum case_state s;
		if (case_state_parse(db_col_text(st, 0), &s) == XA_OK)
			by[s] = db_col_int(st, 1);
	}
	db_done(st);
	for (int s = 0; s < CS__COUNT; s++)
		fprintf(out, "%s%s %lld", s ? ", " : "", case_state_name((enum case_state)s),
		    (long long)by[s]);
	int64_t audits = 0;
	if ((e = db_query_int(g->d, "SELECT COUNT(*) FROM audit_log", &audits)) != XA_OK)
		return e;
	fprintf(out, "); %lld overdue, %lld supervised, %lld appealed; %ld seats of the 2025-26"
	    " committees; %lld audit records.\n", (long long)overdue, (long long)supervised,
	    (long long)appealed, g->seats, (long long)(audits - g->audits_before));
	return XA_OK;
}

/* ------------------------------------------------------------------ */

static void
gen_free(struct gen *g)
{
	for (size_t i = 0; i < g->ns; i++)
		free(g->s[i].names);
	free(g->s);
	free(g->k);
	free(g->m);
	free(g->p);
	free(g->r);
	free(g->me);
	free(g->rv);
	free(g->c);
	free(g->st);
	buf_free(&g->text);
	calendar_free(&g->cal);
}

xa_err
demo_cases_build(db *d, uint64_t seed, int64_t now, int percent, FILE *out, char *err,
    size_t errlen)
{
	char dummy[8];
	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = '\0';
	if (percent < 0) {
		percent = 100;
		const char *env = getenv(DEMO_CASES_ENV);
		if (env != NULL && env[0] != '\0') {
			char *end = NULL;
			long v = strtol(env, &end, 10);
			if (end == NULL || *end != '\0' || v < 0 || v > 100) {
				snprintf(err, errlen, "%s must be a whole number from 0 to 100",
				    DEMO_CASES_ENV);
				return XA_EINVAL;
			}
			percent = (int)v;
		}
	}
	if (percent > 100)
		percent = 100;
	struct gen g;
	memset(&g, 0, sizeof g);
	g.d = d;
	g.seed = seed;
	g.now = now;
	g.cutoff = now - now % HOUR;
	g.today = day_of(g.cutoff, ZONE);
	g.start = day_from(YEAR_START);
	g.percent = percent;
	g.err = err;
	g.errlen = errlen;
	buf_init(&g.text, 1u << 16);
	xa_err e = XA_OK;
	if (keys_get() == NULL) {
		snprintf(err, errlen, "the keys are not loaded");
		return XA_ECONFIG;
	}
	g.akey = keys_get()->audit;
	/* The year is written in one transaction of about 100 MB: a page
	 * cache that holds it saves re-reading spilled pages (SQLite only;
	 * another backend ignores the failure). */
	(void)db_exec(d, "PRAGMA cache_size=-262144");
	char path[96];
	if ((e = unit_bureau(d, &g.bureau, path, sizeof path)) != XA_OK ||
	    (e = db_query_int(d, "SELECT id FROM units WHERE kind = 'office' ORDER BY id"
	    " LIMIT 1", &g.office)) != XA_OK) {
		snprintf(err, errlen, "the demo city has no bureau office");
		goto cleanup;
	}
	g.office_staff[0] = account_by_name(&g, "office1");
	g.office_staff[1] = account_by_name(&g, "office2");
	g.director = account_by_name(&g, "director");
	if (g.office_staff[0] == 0 || g.office_staff[1] == 0 || g.director == 0) {
		e = XA_ENOTFOUND;
		snprintf(err, errlen, "the demo city has no office staff logins");
		goto cleanup;
	}
	case_limits_load(d, &g.lim);
	if (calendar_load(d, &g.cal) != XA_OK)
		memset(&g.cal, 0, sizeof g.cal);
	g.student_rule = setting_get(d, S_COMMITTEE_STUDENT_REP);
	if ((e = db_query_int(d, "SELECT COUNT(*) FROM audit_log", &g.audits_before)) != XA_OK) {
		snprintf(err, errlen, "reading the audit log failed: %s", xa_strerror(e));
		goto cleanup;
	}
	if ((e = load_schools(&g)) != XA_OK) {
		if (err[0] == '\0')
			snprintf(err, errlen, "reading the schools failed: %s", xa_strerror(e));
		goto cleanup;
	}
	if (percent == 0 || g.today < g.start)
		goto done;
	if ((e = add_prior_committees(&g)) != XA_OK)
		goto cleanup;
	if ((e = plan_year(&g)) != XA_OK) {
		if (err[0] == '\0')
			snprintf(err, errlen, "planning the reports and cases failed: %s",
			    xa_strerror(e));
		goto cleanup;
	}
	struct run x;
	memset(&x, 0, sizeof x);
	x.g = &g;
	for (size_t i = 0; i < g.nst && e == XA_OK; i++)
		e = run_step(&x, &g.st[i]);
	OPENSSL_cleanse(&x, sizeof x);
	if (e != XA_OK) {
		if (err[0] == '\0')
			snprintf(err, errlen, "writing the reports and cases failed: %s",
			    xa_strerror(e));
		goto cleanup;
	}
	audit_entry close = { 0, g.bureau, "demo.cases", "unit", g.bureau,
		"reports,cases,committee_members", "", SOURCE };
	if ((e = audit_append(d, g.akey, &close, now)) != XA_OK)
		goto cleanup;
done:
	if ((e = summary(&g, out)) != XA_OK)
		snprintf(err, errlen, "counting the reports and cases failed: %s",
		    xa_strerror(e));
cleanup:
	gen_free(&g);
	return e;
}
