/* demo.c: the demo city (demo.h, docs/demo.md).
 *
 * Three steps. First the whole city is planned in memory from the seed:
 * units, the accounts and their passwords. Then the password hashes are
 * started on worker threads while this thread writes the units, classes
 * and settings; it joins the hashing when it is done. Last the accounts,
 * the committees, the logins file and the summary are written. Every row
 * gets its audit record, so `xiaoan verify` passes afterwards.
 *
 * It must never name a real person (the generator skips a list of real
 * names, among them the officials the notice names), never build SQL
 * text, never begin or commit a transaction (the caller owns it), and
 * never write a password anywhere but the logins file the caller names. */
#include "demo.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../auth/accounts.h"
#include "../auth/audit.h"
#include "../auth/auth.h"
#include "../auth/keys.h"
#include "../auth/settings.h"
#include "../core/buf.h"
#include "../core/crypto.h"
#include "../core/csv.h"
#include "org.h"

/* The lowest cost the verifier's setting allows (password.pbkdf2_iterations
 * has a minimum of 10,000). The server rehashes at the configured cost on
 * each account's first sign-in (session.c), so the demo pays a tenth of
 * the full cost once and real sign-ins are as strong as any. */
#define DEMO_PW_COST 10000u
#define DEMO_SOURCE "xiaoan demo"
#define DEMO_MAX_THREADS 8
/* The start of the 2026 school year: when the current committees sit. */
#define FROM_DATE "2026-09-01"

#define NAME_LEN 16	/* a Chinese name of three characters and its NUL */
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* --- The seeded generator: splitmix64, one stream per purpose, so one
 * school's classes do not shift when another school changes. */

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
	r->s = mix64(seed ^ mix64(stream + 0x5851f42d4c957f2dULL));
}

static uint64_t
rng_next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

/* 0..n-1; the modulo bias over a 64-bit draw is far below what a demo
 * could show. */
static unsigned
rng_below(struct rng *r, size_t n)
{
	return (unsigned)(rng_next(r) % n);
}

static int
rng_range(struct rng *r, int lo, int hi)
{
	return lo + (int)rng_below(r, (size_t)(hi - lo + 1));
}

#define PICK(r, list) ((list)[rng_below((r), COUNT(list))])

enum {
	STREAM_PLAN = 1,
	STREAM_CLASSES = 1000,
	STREAM_COMMITTEE = 2000,
};

/* --- Names. Surnames and given-name characters common in Henan; people
 * get two-character given names (fewer collisions with public figures
 * than one-character ones). */

static const char *const surnames_top[] = { "王", "李", "张", "刘", "陈", "杨",
	"赵", "郭", "周", "孙" };
static const char *const surnames[] = { "王", "李", "张", "刘", "陈", "杨",
	"赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭",
	"马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "肖",
	"程", "曹", "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢",
	"蒋", "蔡", "贾", "丁", "魏", "薛", "叶", "闫", "余", "潘", "杜", "戴",
	"夏", "钟", "汪", "田", "任", "姜", "范", "方", "石", "姚", "谭", "邹",
	"金", "陆", "郝", "孔", "白", "崔", "康", "毛", "邱", "秦", "史", "侯",
	"邵", "孟", "段", "雷", "尹", "常", "武", "乔", "贺", "龚", "牛", "申",
	"岳", "耿", "楚", "翟", "司", "葛" };
static const char *const given1[] = { "建", "国", "志", "文", "晓", "海", "红",
	"玉", "秀", "俊", "雅", "思", "梦", "浩", "宇", "嘉", "欣", "佳", "雨",
	"明", "伟", "丽", "静", "慧", "春", "永", "立", "新", "振", "卫", "保",
	"长", "德", "桂", "金", "书", "少", "家", "天", "凯", "瑞", "素", "淑",
	"亚", "向", "跃", "爱", "艳", "彦", "东" };
static const char *const given2[] = { "华", "平", "军", "强", "伟", "芳", "敏",
	"丽", "娟", "霞", "杰", "涛", "斌", "辉", "鹏", "磊", "超", "刚", "勇",
	"峰", "琳", "婷", "颖", "洁", "燕", "萍", "红", "英", "兰", "梅", "宁",
	"波", "亮", "飞", "洋", "晶", "鑫", "怡", "璐", "博", "航", "然", "源",
	"彬", "珍", "琴", "莉", "成", "民", "山" };
static const char *const young1[] = { "子", "梓", "一", "欣", "雨", "浩", "思",
	"诗", "宇", "俊", "嘉", "佳", "语", "若", "可", "沐", "昊", "睿", "书",
	"铭" };
static const char *const young2[] = { "涵", "轩", "诺", "怡", "桐", "然", "琪",
	"睿", "萱", "泽", "晨", "瑶", "航", "彤", "阳", "熙", "宁", "博", "楠",
	"妍" };

/* Real people: the officials the 2018 notice names, and public figures a
 * combination of the lists above could spell. */
static const char *const real_names[] = { "刘学敏", "郭海峰", "许海峰", "刘德华",
	"杨振宁", "杨丽萍", "李玉刚", "陈建斌", "黄晓明", "赵丽颖", "林俊杰",
	"唐国强", "王志飞", "张国强", "孙海英", "王志刚", "胡春华", "孙春兰",
	"李书磊", "王一博", "刘昊然", "赵子琪", "张伟丽", "邓亚萍", "王海峰",
	"李建华", "张建国", "王建国" };

static int
is_real_name(const char *name)
{
	for (size_t i = 0; i < COUNT(real_names); i++)
		if (strcmp(real_names[i], name) == 0)
			return 1;
	return 0;
}

/* A fictitious name into out (NAME_LEN bytes); young: a student's. */
static void
person_name(struct rng *r, int young, char *out)
{
	for (;;) {
		const char *sur = rng_below(r, 2) == 0 ? PICK(r, surnames_top) :
		    PICK(r, surnames);
		const char *g1 = young ? PICK(r, young1) : PICK(r, given1);
		const char *g2 = young ? PICK(r, young2) : PICK(r, given2);
		size_t a = strlen(sur), b = strlen(g1), c = strlen(g2);
		if (a + b + c >= NAME_LEN || strcmp(g1, g2) == 0)
			continue;
		memcpy(out, sur, a);
		memcpy(out + a, g1, b);
		memcpy(out + a + b, g2, c);
		out[a + b + c] = '\0';
		if (!is_real_name(out))
			return;
	}
}

/* --- Places. */

/* The bureau's sections, in the order the notice lists them. */
static const char *const sections[] = { "人事科", "基础教育科", "青少年服务中心",
	"安全科", "督导室", "职教科", "综治信访办" };
enum { SEC_BASIC_ED = 1, SEC_SAFETY = 3, SEC_INSPECTION = 4, SEC_OFFICE_HOST = 6 };

/* Xinzheng's 3 subdistricts (街道), 9 towns (镇) and 3 townships (乡). For a
 * subdistrict, `villages` counts its road-named primary schools. */
static const struct township_def {
	const char *name, *short_name;
	int urban, villages, juniors, nine_year, centre_nine, big;
} townships[] = {
	{ "新建路街道", "新建路", 1, 7, 1, 0, 0, 1 },
	{ "新华路街道", "新华路", 1, 7, 1, 0, 0, 1 },
	{ "新烟街道", "新烟", 1, 6, 1, 0, 0, 1 },
	{ "龙湖镇", "龙湖", 0, 16, 3, 2, 1, 1 },
	{ "新村镇", "新村", 0, 15, 2, 1, 0, 0 },
	{ "辛店镇", "辛店", 0, 18, 2, 1, 1, 0 },
	{ "观音寺镇", "观音寺", 0, 16, 2, 0, 0, 0 },
	{ "郭店镇", "郭店", 0, 16, 2, 1, 0, 0 },
	{ "梨河镇", "梨河", 0, 14, 2, 0, 0, 0 },
	{ "和庄镇", "和庄", 0, 17, 2, 1, 0, 0 },
	{ "薛店镇", "薛店", 0, 16, 2, 1, 0, 0 },
	{ "孟庄镇", "孟庄", 0, 15, 2, 1, 0, 0 },
	{ "城关乡", "城关", 0, 14, 2, 0, 1, 0 },
	{ "八千乡", "八千", 0, 13, 1, 1, 0, 0 },
	{ "龙王乡", "龙王", 0, 12, 1, 0, 0, 0 },
};
enum { T_XINJIANLU, T_XINHUALU, T_XINYAN, T_LONGHU, T_XINCUN, T_XINDIAN,
	T_GUANYINSI, T_GUODIAN, T_LIHE, T_HEZHUANG, T_XUEDIAN, T_MENGZHUANG,
	T_CHENGGUAN, T_BAQIAN, T_LONGWANG };

/* Roads of the city proper, for the subdistricts' primary schools and for
 * street addresses (house numbers are invented). */
static const char *const roads[] = { "人民路", "文化路", "中华路", "轩辕路",
	"郑韩路", "金城路", "解放路", "黄水路", "梅山路", "华阳路", "祥和路",
	"溱水路", "洧水路", "始祖路", "具茨路", "长安路", "永安路", "兴业路",
	"学院路", "车站路", "炎黄路", "双洎路" };
static const char *const town_roads[] = { "府前路", "建设路", "文化路", "中心街",
	"学府路", "育才路", "团结路", "振兴路" };
static const char *const village_pre[] = { "王", "李", "张", "刘", "陈", "杨",
	"赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "高",
	"罗", "郑", "梁", "宋", "谢", "韩", "唐", "冯", "于", "董", "程", "曹",
	"袁", "许", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁",
	"魏", "薛", "岳", "牛", "孟", "申", "侯", "史", "常", "范", "白", "崔",
	"秦", "耿", "潘", "任", "路", "东", "西", "南", "北", "前", "后", "大",
	"小", "新", "老", "上", "下", "双", "三", "沙", "柳", "枣", "杏", "槐",
	"石" };
static const char *const village_suf[] = { "庄", "寨", "岗", "沟", "店", "楼",
	"营", "河", "湖", "坡", "屯", "集", "桥", "洼", "园", "庙", "湾", "岭" };

/* Schools the bureau runs itself (局直). The first three are the showcase
 * schools with logins for every school role: a primary, a junior and a
 * senior school. lo..hi: classes per grade. */
static const struct direct_def {
	const char *name, *type;
	int township, lo, hi;
} direct_schools[] = {
	{ "新郑市实验小学", "primary", T_XINJIANLU, 7, 9 },
	{ "新郑市实验初级中学", "junior", T_XINHUALU, 10, 12 },
	{ "新郑市第一高级中学", "senior", T_XINJIANLU, 16, 20 },
	{ "新郑市第二高级中学", "senior", T_XINYAN, 14, 18 },
	{ "新郑市第三高级中学", "senior", T_LONGHU, 12, 16 },
	{ "新郑市实验高级中学", "senior", T_XINHUALU, 10, 14 },
	{ "新郑市第一初级中学", "junior", T_XINJIANLU, 9, 11 },
	{ "新郑市第二初级中学", "junior", T_XINYAN, 8, 10 },
	{ "新郑市第三初级中学", "junior", T_XINHUALU, 8, 10 },
	{ "新郑市第四初级中学", "junior", T_LONGHU, 8, 10 },
	{ "新郑市第二实验小学", "primary", T_XINHUALU, 6, 8 },
	{ "新郑市第三实验小学", "primary", T_XINYAN, 6, 8 },
	{ "新郑市第四实验小学", "primary", T_LONGHU, 6, 8 },
	{ "新郑市第五实验小学", "primary", T_XINJIANLU, 5, 7 },
	{ "新郑市实验学校", "nine_year", T_XINYAN, 4, 6 },
	{ "新郑市职业教育中心", "vocational", T_XINYAN, 12, 16 },
	{ "新郑市中等专业学校", "vocational", T_XINJIANLU, 8, 12 },
	{ "新郑市特殊教育学校", "special", T_XINHUALU, 1, 1 },
};
#define SHOWCASE_SCHOOLS 3

/* Private schools (民办), about a tenth. The names follow common patterns;
 * a match with a real school is a coincidence. */
static const struct private_def {
	const char *name, *type;
	int township;
} private_schools[] = {
	{ "新郑市育才小学", "primary", T_XINJIANLU },
	{ "新郑市启航双语小学", "primary", T_LONGHU },
	{ "新郑市明德小学", "primary", T_XINHUALU },
	{ "新郑市博文小学", "primary", T_XINYAN },
	{ "新郑市春晖小学", "primary", T_LONGHU },
	{ "新郑市阳光小学", "primary", T_XINCUN },
	{ "新郑市英才小学", "primary", T_XINJIANLU },
	{ "新郑市致远小学", "primary", T_GUODIAN },
	{ "新郑市树人小学", "primary", T_XUEDIAN },
	{ "新郑市晨曦小学", "primary", T_HEZHUANG },
	{ "新郑市弘毅初级中学", "junior", T_XINHUALU },
	{ "新郑市求实初级中学", "junior", T_LONGHU },
	{ "新郑市崇德初级中学", "junior", T_XINYAN },
	{ "新郑市新知初级中学", "junior", T_XINDIAN },
	{ "新郑市龙湖双语学校", "nine_year", T_LONGHU },
	{ "新郑市文翰学校", "nine_year", T_XINJIANLU },
	{ "新郑市明珠实验学校", "nine_year", T_XINYAN },
	{ "新郑市思源学校", "nine_year", T_GUODIAN },
	{ "新郑市卓越学校", "nine_year", T_LONGHU },
	{ "新郑市正心学校", "nine_year", T_CHENGGUAN },
	{ "新郑市立人学校", "nine_year", T_XUEDIAN },
	{ "新郑市星辰学校", "nine_year", T_XINCUN },
	{ "新郑市华英外国语学校", "twelve_year", T_LONGHU },
	{ "新郑市嘉德学校", "twelve_year", T_XINHUALU },
	{ "新郑市博雅学校", "twelve_year", T_XINYAN },
	{ "新郑市睿思学校", "twelve_year", T_LONGHU },
	{ "新郑市育英高级中学", "senior", T_XINJIANLU },
	{ "新郑市华夏高级中学", "senior", T_LONGHU },
	{ "新郑市东方高级中学", "senior", T_XINYAN },
	{ "新郑市轩辕职业技术学校", "vocational", T_XINYAN },
};

/* Partner agencies (notice 三(二)), each with a liaison login. */
static const struct agency_def {
	const char *name, *type, *username;
} agencies[] = {
	{ "新郑市公安局", "police", "police" },
	{ "新郑市公安局新建路派出所", "police", "police-xjl" },
	{ "新郑市公安局新华路派出所", "police", "police-xhl" },
	{ "新郑市公安局新烟派出所", "police", "police-xy" },
	{ "新郑市公安局龙湖派出所", "police", "police-lh" },
	{ "新郑市公安局和庄派出所", "police", "police-hz" },
	{ "新郑市人民法院", "court", "court" },
	{ "新郑市人民检察院", "procuratorate", "procuratorate" },
	{ "新郑市民政局", "civil_affairs", "civil-affairs" },
	{ "新郑市司法局", "justice", "justice" },
	{ "新郑市人力资源和社会保障局", "hr_social_security", "hrss" },
	{ "共青团新郑市委员会", "youth_league", "youth-league" },
	{ "新郑市妇女联合会", "womens_federation", "womens-federation" },
	{ "新郑市残疾人联合会", "disabled_federation", "disabled-federation" },
};

/* Vocational majors and the share of boys in their classes (percent). */
static const struct major_def {
	const char *name;
	int boys;
} majors[] = {
	{ "机电技术应用", 86 }, { "计算机应用", 62 }, { "汽车运用与维修", 90 },
	{ "幼儿保育", 8 }, { "电子商务", 45 }, { "数控技术应用", 84 },
	{ "会计事务", 24 }, { "护理", 10 },
};

/* --- The plan. */

enum { U_BUREAU = -1 };	/* a parent or account unit meaning the bureau */

struct punit {
	int parent;		/* plan index, or U_BUREAU */
	int township;		/* plan index of the township, or -1 */
	const char *kind, *school_type, *ownership, *agency_type;
	int direct;
	char name[96], code[16], address[128], stages[40], aliases[64];
	char office_name[64], office_phone[24], office_email[64];
	char lvp_phone[16], safety_phone[16];
	int rural, village;	/* outside the city proper; a village school */
	int school_no;		/* 1.. in code order; 0 unless a school */
	unsigned char per_grade[13];	/* classes in grades 1..12 */
	unsigned char size_lo, size_hi;
	/* accounts (plan indexes, -1: none) that the committee names */
	int principal, secretary, counsellor, head_teacher, teacher;
	int64_t id;
};

struct pacct {
	int unit;		/* plan index, or U_BUREAU */
	char username[33];
	char display[NAME_LEN];
	char password[16];
	char phone[16];
	unsigned roles;
	const char *member_type;
	int reset;		/* an administrator from init: reset, not insert */
	int featured;		/* among the first lines of the logins file */
	char hash[CRYPTO_PWHASH_LEN];
	xa_err hash_err;
	int64_t id;
};

struct pool {
	struct pacct *a;
	size_t n;
	atomic_size_t next;
	atomic_int stop;
};

struct city {
	db *d;
	const uint8_t *akey;
	uint64_t seed;
	int64_t now, bureau;
	char bureau_name[128];
	struct rng r;			/* the plan's stream */
	struct punit *u;
	size_t nu, capu;
	struct pacct *a;
	size_t na, capa;
	int schools;			/* schools planned (the last code) */
	char used[512][24];		/* village and road names taken */
	size_t nused;
	xa_err sticky;			/* the first formatting overflow */
	struct pool pool;
	const struct pacct *feat[16];	/* the logins shown first */
	size_t nfeat;
	/* what was written */
	long classes, boys, girls, members, audits, townships, agencies;
	int by_type[7];
	int private_count, direct_count;
};

/* snprintf that records an overflow in c->sticky instead of truncating
 * silently; every plan buffer is sized so this never fires. */
static void __attribute__((format(printf, 4, 5)))
cfmt(struct city *c, char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if ((n < 0 || (size_t)n >= len) && c->sticky == XA_OK)
		c->sticky = XA_ETOOBIG;
}

/* The next unit slot. The capacity is counted from the tables before
 * planning, so running out is a broken invariant. */
static struct punit *
add_unit(struct city *c, int parent, const char *kind)
{
	if (c->nu >= c->capu)
		abort();
	struct punit *p = &c->u[c->nu++];
	p->parent = parent;
	p->township = -1;
	p->kind = kind;
	p->school_type = p->ownership = p->agency_type = "";
	p->principal = p->secretary = p->counsellor = p->head_teacher = -1;
	p->teacher = -1;
	return p;
}

/* The password of an account: "Xa", six characters and a digit, from the
 * seed and the username alone, so the list of other accounts does not
 * change it. Passes the default policy (9 characters, three classes). */
static void
demo_password(uint64_t seed, const char *username, char out[16])
{
	static const char all[] =
	    "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	static const char digit[] = "23456789";
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)username; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	struct rng r;
	rng_seed(&r, seed, h);
	out[0] = 'X';
	out[1] = 'a';
	for (int i = 2; i < 8; i++)
		out[i] = all[rng_below(&r, sizeof all - 1)];
	out[8] = digit[rng_below(&r, sizeof digit - 1)];
	out[9] = '\0';
}

static int
add_acct(struct city *c, int unit, const char *username, const char *display,
    unsigned roles, const char *member_type)
{
	if (c->na >= c->capa)
		abort();
	int idx = (int)c->na++;
	struct pacct *a = &c->a[idx];
	a->unit = unit;
	cfmt(c, a->username, sizeof a->username, "%s", username);
	cfmt(c, a->display, sizeof a->display, "%s", display);
	/* 138-0000-5000 onwards: the accounts' block (docs/demo.md). */
	cfmt(c, a->phone, sizeof a->phone, "1380000%04d", 5000 + idx);
	a->roles = roles;
	a->member_type = member_type;
	demo_password(c->seed, a->username, a->password);
	return idx;
}

/* 1 when name is not yet taken by a village or road-named school. */
static int
take_name(struct city *c, const char *name)
{
	for (size_t i = 0; i < c->nused; i++)
		if (strcmp(c->used[i], name) == 0)
			return 0;
	if (c->nused >= COUNT(c->used) || strlen(name) >= sizeof c->used[0])
		return 0;
	memcpy(c->used[c->nused++], name, strlen(name) + 1);
	return 1;
}

static int
type_index(const char *type)
{
	for (int i = 0; school_types[i] != NULL; i++)
		if (strcmp(school_types[i], type) == 0)
			return i;
	return 0;
}

/* Grades 1..6 primary, 7..9 junior, 10..12 senior or vocational: the
 * classes per grade of one stage of school s. */
static void
set_stage(struct city *c, struct punit *s, int first, int last, int lo, int hi)
{
	for (int g = first; g <= last; g++)
		s->per_grade[g] = (unsigned char)rng_range(&c->r, lo, hi);
}

/* A school with its code, stages, principal's login and public contact
 * (notice 四(四)). The caller sets its name, address and classes. */
static struct punit *
add_school(struct city *c, int parent, int township, const char *type,
    const char *ownership, int direct)
{
	struct punit *s = add_unit(c, parent, "school");
	int no = ++c->schools;
	s->township = township;
	s->school_type = type;
	s->ownership = ownership;
	s->direct = direct;
	s->school_no = no;
	s->size_lo = 45;
	s->size_hi = 55;
	cfmt(c, s->code, sizeof s->code, "410184%04d", no);
	cfmt(c, s->stages, sizeof s->stages, "%s", stages_for_type(type));
	cfmt(c, s->office_name, sizeof s->office_name, "学生欺凌防治办公室");
	/* 0371-6000NNNN, 138-0000-1NNN, 138-0000-2NNN: docs/demo.md. */
	cfmt(c, s->office_phone, sizeof s->office_phone, "0371-6000%04d", no);
	cfmt(c, s->office_email, sizeof s->office_email, "fqb%s@example.org", s->code);
	cfmt(c, s->lvp_phone, sizeof s->lvp_phone, "1380000%04d", 1000 + no);
	cfmt(c, s->safety_phone, sizeof s->safety_phone, "1380000%04d", 2000 + no);
	char name[NAME_LEN], user[33];
	person_name(&c->r, 0, name);
	cfmt(c, user, sizeof user, "p%s", s->code);
	s->principal = add_acct(c, (int)(s - c->u), user, name,
	    ROLE_BIT(ROLE_PRINCIPAL) | ROLE_BIT(ROLE_COMMITTEE), "staff");
	return s;
}

/* A street address in the city proper or a town centre. */
static void
street_address(struct city *c, struct punit *s, const char *township, int urban)
{
	cfmt(c, s->address, sizeof s->address, "新郑市%s%s%d号", township,
	    urban ? PICK(&c->r, roads) : PICK(&c->r, town_roads),
	    rng_range(&c->r, 1, 300));
}

/* The showcase school's logins for every school role: a committee member
 * (the 德育 director, the committee's secretary), a counsellor, a
 * teacher and three head teachers (first, middle and last grade). */
static void
plan_showcase(struct city *c, struct punit *s)
{
	int idx = (int)(s - c->u), first = 0, last = 0;
	char name[NAME_LEN], user[33];
	for (int g = 1; g <= 12; g++) {
		if (s->per_grade[g] == 0)
			continue;
		if (first == 0)
			first = g;
		last = g;
	}
	person_name(&c->r, 0, name);
	cfmt(c, user, sizeof user, "cm-%s", s->code);
	s->secretary = add_acct(c, idx, user, name, ROLE_BIT(ROLE_COMMITTEE), "staff");
	person_name(&c->r, 0, name);
	cfmt(c, user, sizeof user, "co-%s", s->code);
	s->counsellor = add_acct(c, idx, user, name, ROLE_BIT(ROLE_COUNSELLOR), NULL);
	person_name(&c->r, 0, name);
	cfmt(c, user, sizeof user, "t-%s", s->code);
	s->teacher = add_acct(c, idx, user, name, ROLE_BIT(ROLE_TEACHER), NULL);
	int grades[3] = { first, (first + last) / 2, last };
	for (int i = 0; i < 3; i++) {
		person_name(&c->r, 0, name);
		cfmt(c, user, sizeof user, "ht-%s-%d-1", s->code, grades[i]);
		int a = add_acct(c, idx, user, name, ROLE_BIT(ROLE_HEAD_TEACHER) |
		    ROLE_BIT(ROLE_TEACHER), NULL);
		if (i == 0)
			s->head_teacher = a;
	}
}

/* Classes per grade for a school of the given type, private or public
 * outside the townships' own schools. */
static void
plan_type_classes(struct city *c, struct punit *s, int lo, int hi)
{
	const char *t = s->school_type;
	if (strcmp(t, "primary") == 0) {
		set_stage(c, s, 1, 6, lo, hi);
	} else if (strcmp(t, "junior") == 0) {
		set_stage(c, s, 7, 9, lo, hi);
	} else if (strcmp(t, "senior") == 0) {
		set_stage(c, s, 10, 12, lo, hi);
		s->size_lo = 50;
	} else if (strcmp(t, "nine_year") == 0) {
		set_stage(c, s, 1, 6, lo, hi);
		set_stage(c, s, 7, 9, lo + 1, hi + 1);
	} else if (strcmp(t, "twelve_year") == 0) {
		set_stage(c, s, 1, 6, lo, hi);
		set_stage(c, s, 7, 9, lo, hi + 1);
		set_stage(c, s, 10, 12, lo + 1, hi + 1);
	} else if (strcmp(t, "vocational") == 0) {
		set_stage(c, s, 10, 12, lo, hi);
		s->size_lo = 38;
		s->size_hi = 50;
	} else {
		/* special education: one small class per grade (特殊教育学校
		 * classes hold about a dozen pupils, not 35 to 55) */
		set_stage(c, s, 1, 9, 1, 1);
		s->size_lo = 8;
		s->size_hi = 14;
	}
}

/* Schools of one township: its centre school (乡镇中心校), its junior and
 * nine-year schools and its village (or, in a subdistrict, road-named)
 * primary schools. Town centres and the city proper have larger schools
 * than villages. */
static void
plan_township(struct city *c, int ti)
{
	const struct township_def *t = &townships[ti];
	int tu = -1;
	for (size_t i = 0; i < c->nu; i++)
		if (strcmp(c->u[i].kind, "township") == 0 &&
		    strcmp(c->u[i].name, t->name) == 0)
			tu = (int)i;
	struct punit *s = add_school(c, tu, tu, t->centre_nine ? "nine_year" : "primary",
	    "public", 0);
	s->rural = !t->urban;
	cfmt(c, s->name, sizeof s->name, "新郑市%s中心%s", t->name,
	    t->centre_nine ? "学校" : "小学");
	cfmt(c, s->aliases, sizeof s->aliases, "%s中心校", t->name);
	street_address(c, s, t->name, t->urban);
	if (t->urban) {
		set_stage(c, s, 1, 6, 5, 7);
	} else {
		set_stage(c, s, 1, 6, t->big ? 4 : 2, t->big ? 6 : 4);
		s->size_lo = 42;
		s->size_hi = 52;
		if (t->centre_nine)
			set_stage(c, s, 7, 9, t->big ? 5 : 3, t->big ? 7 : 5);
	}
	for (int j = 0; j < t->juniors; j++) {
		static const char *const nth[] = { "第一", "第二", "第三", "第四" };
		s = add_school(c, tu, tu, "junior", "public", 0);
		s->rural = !t->urban;
		cfmt(c, s->name, sizeof s->name, "新郑市%s%s初级中学", t->name,
		    t->juniors == 1 ? "" : nth[j % 4]);
		street_address(c, s, t->name, t->urban);
		if (t->urban || t->big)
			set_stage(c, s, 7, 9, 6, 8);
		else
			set_stage(c, s, 7, 9, 3, 5);
	}
	char village[24];
	for (int j = 0; j < t->nine_year; j++) {
		do {
			cfmt(c, village, sizeof village, "%s%s", PICK(&c->r, village_pre),
			    PICK(&c->r, village_suf));
		} while (!take_name(c, village));
		s = add_school(c, tu, tu, "nine_year", "public", 0);
		s->rural = 1;
		cfmt(c, s->name, sizeof s->name, "新郑市%s%s学校", t->name, village);
		cfmt(c, s->address, sizeof s->address, "新郑市%s%s村", t->name, village);
		set_stage(c, s, 1, 6, 1, 2);
		set_stage(c, s, 7, 9, 2, 3);
		s->size_lo = 38;
		s->size_hi = 50;
	}
	for (int j = 0; j < t->villages; j++) {
		s = add_school(c, tu, tu, "primary", "public", 0);
		if (t->urban) {
			const char *road;
			do {
				road = PICK(&c->r, roads);
			} while (!take_name(c, road));
			cfmt(c, s->name, sizeof s->name, "新郑市%s小学", road);
			cfmt(c, s->address, sizeof s->address, "新郑市%s%s%d号", t->name,
			    road, rng_range(&c->r, 1, 300));
			set_stage(c, s, 1, 6, 3, 4);
			continue;
		}
		do {
			cfmt(c, village, sizeof village, "%s%s", PICK(&c->r, village_pre),
			    PICK(&c->r, village_suf));
		} while (!take_name(c, village));
		s->rural = s->village = 1;
		cfmt(c, s->name, sizeof s->name, "新郑市%s%s小学", t->name, village);
		cfmt(c, s->address, sizeof s->address, "新郑市%s%s村", t->name, village);
		/* most villages have one class a grade, some two; in a big
		 * town near the city one or two */
		int two = t->big || rng_below(&c->r, 8) == 0;
		set_stage(c, s, 1, 6, t->big ? 1 : two ? 2 : 1, two ? 2 : 1);
		s->size_lo = 35;
		s->size_hi = 40;
	}
}

/* The whole city in memory, in the order it is written: sections, the
 * leading group's office, townships, schools (the bureau's own first, so
 * the showcase schools have the first codes; then the townships'; then
 * the private ones), agencies; and every account. */
static void
plan_city(struct city *c)
{
	char name[NAME_LEN];
	int section_idx[COUNT(sections)];
	for (size_t i = 0; i < COUNT(sections); i++) {
		struct punit *p = add_unit(c, U_BUREAU, "section");
		cfmt(c, p->name, sizeof p->name, "%s", sections[i]);
		section_idx[i] = (int)(p - c->u);
	}
	struct punit *o = add_unit(c, section_idx[SEC_OFFICE_HOST], "office");
	int office = (int)(o - c->u);
	cfmt(c, o->name, sizeof o->name, "学生欺凌防治工作领导小组办公室");
	cfmt(c, o->aliases, sizeof o->aliases, "领导小组办公室");
	cfmt(c, o->office_name, sizeof o->office_name, "%s", o->name);
	/* The bureau's public contact from the notice, not a person's. */
	cfmt(c, o->office_phone, sizeof o->office_phone, "62666010");
	cfmt(c, o->office_email, sizeof o->office_email, "xzjtjzzxfb@126.com");
	int township_idx[COUNT(townships)];
	for (size_t i = 0; i < COUNT(townships); i++) {
		struct punit *p = add_unit(c, U_BUREAU, "township");
		cfmt(c, p->name, sizeof p->name, "%s", townships[i].name);
		cfmt(c, p->address, sizeof p->address, "新郑市%s", townships[i].name);
		township_idx[i] = (int)(p - c->u);
		take_name(c, townships[i].short_name);
	}

	/* The bureau's own: leader, office, inspection, sections. */
	person_name(&c->r, 0, name);
	add_acct(c, U_BUREAU, "leader", name, ROLE_BIT(ROLE_LEADER), NULL);
	person_name(&c->r, 0, name);
	add_acct(c, office, "director", name, ROLE_BIT(ROLE_OFFICE_DIRECTOR), NULL);
	person_name(&c->r, 0, name);
	add_acct(c, office, "office1", name, ROLE_BIT(ROLE_OFFICE_STAFF), NULL);
	person_name(&c->r, 0, name);
	add_acct(c, office, "office2", name, ROLE_BIT(ROLE_OFFICE_STAFF), NULL);
	person_name(&c->r, 0, name);
	add_acct(c, section_idx[SEC_INSPECTION], "inspector", name,
	    ROLE_BIT(ROLE_INSPECTOR), NULL);
	person_name(&c->r, 0, name);
	add_acct(c, section_idx[SEC_BASIC_ED], "section1", name,
	    ROLE_BIT(ROLE_SECTION_STAFF), NULL);
	person_name(&c->r, 0, name);
	add_acct(c, section_idx[SEC_SAFETY], "section2", name,
	    ROLE_BIT(ROLE_SECTION_STAFF), NULL);
	static const struct {
		const char *username;
		enum role role;
	} admins[] = { { "sysadmin", ROLE_SYSADMIN }, { "secadmin", ROLE_SECADMIN },
		{ "auditadmin", ROLE_AUDITADMIN } };
	for (size_t i = 0; i < COUNT(admins); i++) {
		int a = add_acct(c, U_BUREAU, admins[i].username, "",
		    ROLE_BIT(admins[i].role), NULL);
		c->a[a].reset = 1;
	}

	for (size_t i = 0; i < COUNT(direct_schools); i++) {
		const struct direct_def *dd = &direct_schools[i];
		struct punit *s = add_school(c, U_BUREAU, township_idx[dd->township],
		    dd->type, "public", 1);
		cfmt(c, s->name, sizeof s->name, "%s", dd->name);
		street_address(c, s, townships[dd->township].name, 1);
		plan_type_classes(c, s, dd->lo, dd->hi);
		if (strcmp(dd->type, "senior") == 0 || strcmp(dd->type, "junior") == 0)
			s->size_lo = 48;
		if (i < SHOWCASE_SCHOOLS)
			plan_showcase(c, s);
	}
	for (size_t i = 0; i < COUNT(townships); i++)
		plan_township(c, (int)i);
	for (size_t i = 0; i < COUNT(private_schools); i++) {
		const struct private_def *pd = &private_schools[i];
		struct punit *s = add_school(c, U_BUREAU, township_idx[pd->township],
		    pd->type, "private", 0);
		cfmt(c, s->name, sizeof s->name, "%s", pd->name);
		street_address(c, s, townships[pd->township].name,
		    townships[pd->township].urban || townships[pd->township].big);
		s->size_lo = 40;
		s->size_hi = 50;
		if (strcmp(pd->type, "senior") == 0)
			plan_type_classes(c, s, 6, 9);
		else if (strcmp(pd->type, "vocational") == 0)
			plan_type_classes(c, s, 6, 9);
		else if (strcmp(pd->type, "junior") == 0)
			plan_type_classes(c, s, 3, 5);
		else
			plan_type_classes(c, s, 2, 3);
	}
	for (size_t i = 0; i < COUNT(agencies); i++) {
		struct punit *p = add_unit(c, U_BUREAU, "agency");
		cfmt(c, p->name, sizeof p->name, "%s", agencies[i].name);
		p->agency_type = agencies[i].type;
		person_name(&c->r, 0, name);
		add_acct(c, (int)(p - c->u), agencies[i].username, name,
		    ROLE_BIT(ROLE_AGENCY), NULL);
	}
}

/* How many units and accounts the tables make, for the two arrays. */
static void
plan_size(size_t *units, size_t *accts)
{
	size_t schools = COUNT(direct_schools) + COUNT(private_schools);
	for (size_t i = 0; i < COUNT(townships); i++)
		schools += 1 + (size_t)(townships[i].villages + townships[i].juniors +
		    townships[i].nine_year);
	*units = COUNT(sections) + 1 + COUNT(townships) + schools + COUNT(agencies);
	/* bureau 7, administrators 3, a principal per school, 6 more in each
	 * showcase school, a liaison per agency */
	*accts = 7 + 3 + schools + 6 * SHOWCASE_SCHOOLS + COUNT(agencies);
}

/* --- Hashing on worker threads. */

/* Takes accounts off the shared counter until none is left (or stop). */
static void
hash_some(struct pool *p)
{
	for (;;) {
		if (atomic_load(&p->stop))
			return;
		size_t i = atomic_fetch_add(&p->next, 1);
		if (i >= p->n)
			return;
		struct pacct *a = &p->a[i];
		a->hash_err = crypto_password_hash(a->password, DEMO_PW_COST, a->hash,
		    sizeof a->hash);
	}
}

static void *
hash_thread(void *arg)
{
	hash_some(arg);
	return NULL;
}

/* --- Writing. */

static xa_err
audit_one(struct city *c, const char *action, const char *type, int64_t id,
    const char *fields)
{
	audit_entry e = { 0, c->bureau, action, type, id, fields, "", DEMO_SOURCE };
	c->audits++;
	return audit_append(c->d, c->akey, &e, c->now);
}

static int64_t
unit_id_of(const struct city *c, int idx)
{
	return idx == U_BUREAU ? c->bureau : c->u[idx].id;
}

static const char *
unit_name_of(const struct city *c, int idx)
{
	return idx == U_BUREAU ? c->bureau_name : c->u[idx].name;
}

/* One unit, its public contact and aliases (through the registry's own
 * setters), and its audit record. */
static xa_err
write_unit(struct city *c, struct punit *p)
{
	int64_t township = p->township >= 0 ? c->u[p->township].id : 0;
	unit_new n = { unit_id_of(c, p->parent), p->kind, p->name,
		p->code[0] ? p->code : NULL, p->school_type, p->ownership, p->direct,
		p->agency_type, township, p->address, p->stages };
	const struct {
		enum unit_col col;
		const char *v;
	} extra[] = {
		{ UC_ALIASES, p->aliases }, { UC_OFFICE_NAME, p->office_name },
		{ UC_OFFICE_PHONE, p->office_phone }, { UC_OFFICE_EMAIL, p->office_email },
		{ UC_LEGAL_VP_PHONE, p->lvp_phone }, { UC_SAFETY_LEAD_PHONE, p->safety_phone },
	};
	xa_err e = unit_insert(c->d, &n, c->now, &p->id);
	for (size_t i = 0; e == XA_OK && i < COUNT(extra); i++)
		if (extra[i].v[0] != '\0')
			e = unit_set(c->d, p->id, extra[i].col, extra[i].v, 0, c->now);
	if (e != XA_OK)
		return e;
	const char *fields = "parent_id,kind,name,address";
	if (strcmp(p->kind, "school") == 0)
		fields = "parent_id,kind,name,code,school_type,ownership,direct,"
		    "township_id,address,stages,aliases,office_name,office_phone,"
		    "office_email,legal_vp_phone,safety_lead_phone";
	else if (strcmp(p->kind, "office") == 0)
		fields = "parent_id,kind,name,aliases,office_name,office_phone,office_email";
	else if (strcmp(p->kind, "agency") == 0)
		fields = "parent_id,kind,name,agency_type";
	return audit_one(c, "unit.create", "unit", p->id, fields);
}

/* A school's classes by grade with head counts by gender, in one
 * classes_replace() and one audit record as the registry writes them;
 * vocational classes are named by major and lean to the major's mix. */
static xa_err
write_classes(struct city *c, const struct punit *s, size_t idx)
{
	xa_err e = XA_OK;
	struct rng r;
	size_t n = 0, total = 0;
	int voc = strcmp(s->school_type, "vocational") == 0;
	for (int g = 1; g <= 12; g++)
		total += s->per_grade[g];
	class_row *rows = calloc(total ? total : 1, sizeof *rows);
	char (*names)[48] = calloc(total ? total : 1, sizeof *names);
	if (rows == NULL || names == NULL) {
		e = XA_ENOMEM;
		goto cleanup;
	}
	rng_seed(&r, c->seed, STREAM_CLASSES + idx);
	for (int g = 1; g <= 12; g++) {
		for (int k = 0; k < s->per_grade[g]; k++, n++) {
			int size = rng_range(&r, s->size_lo, s->size_hi);
			int share = rng_range(&r, 49, 55);
			if (voc) {
				const struct major_def *m = &majors[(size_t)k % COUNT(majors)];
				cfmt(c, names[n], sizeof names[n], "%s%d班", m->name,
				    k / (int)COUNT(majors) + 1);
				share = m->boys + rng_range(&r, -4, 4);
			} else {
				cfmt(c, names[n], sizeof names[n], "%d班", k + 1);
			}
			int boys = (size * share + 50) / 100;
			if (boys > size)
				boys = size;
			if (boys < 0)
				boys = 0;
			rows[n] = (class_row){ g, names[n], boys, size - boys };
			c->boys += boys;
			c->girls += size - boys;
		}
	}
	if ((e = classes_replace(c->d, s->id, rows, n)) != XA_OK)
		goto cleanup;
	c->classes += (long)n;
	e = audit_one(c, "classes.replace", "unit", s->id, "classes");
cleanup:
	free(rows);
	free(names);
	return e;
}

/* mfa.required = 0, so the printed logins work without an authenticator;
 * every other setting keeps its default. */
static xa_err
write_settings(struct city *c)
{
	xa_err e = setting_set(c->d, S_MFA_REQUIRED, 0, 0, c->now);
	if (e == XA_OK)
		e = audit_one(c, "settings.update", "settings", 0,
		    setting_defs[S_MFA_REQUIRED].key);
	return e;
}

/* Units in plan order (parents come first), then each school's classes. */
static xa_err
write_units(struct city *c, char *err, size_t errlen)
{
	xa_err e = XA_OK;
	size_t i = 0;
	for (i = 0; i < c->nu; i++) {
		struct punit *p = &c->u[i];
		if ((e = write_unit(c, p)) != XA_OK)
			goto cleanup;
		if (strcmp(p->kind, "school") == 0) {
			if ((e = write_classes(c, p, i)) != XA_OK)
				goto cleanup;
			c->by_type[type_index(p->school_type)]++;
			c->private_count += strcmp(p->ownership, "private") == 0;
			c->direct_count += p->direct;
		}
		c->townships += strcmp(p->kind, "township") == 0;
		c->agencies += strcmp(p->kind, "agency") == 0;
	}
cleanup:
	if (e != XA_OK)
		snprintf(err, errlen, "writing the unit %s failed: %s",
		    i < c->nu ? c->u[i].name : "", xa_strerror(e));
	return e;
}

/* A new account, or, for init's administrators, a demo password with
 * nothing to change at first sign-in. */
static xa_err
write_account(struct city *c, struct pacct *a)
{
	db_stmt *st = NULL;
	xa_err e = XA_OK;
	if (a->reset) {
		if ((e = db_prepare(c->d, "UPDATE accounts SET password_hash = ?,"
		    " password_changed_at = ?, must_change = 0, updated_at = ?"
		    " WHERE username = ?", &st)) != XA_OK)
			goto cleanup;
		db_bind_text(st, 1, a->hash, -1);
		db_bind_int(st, 2, c->now);
		db_bind_int(st, 3, c->now);
		db_bind_text(st, 4, a->username, -1);
		int rc = db_step(st);
		if (rc < 0) {
			e = (xa_err)-rc;
			goto cleanup;
		}
		if (db_changes(c->d) != 1) {
			e = XA_ENOTFOUND;
			goto cleanup;
		}
		db_done(st);
		st = NULL;
		if ((e = db_prepare(c->d, "SELECT id, display_name FROM accounts"
		    " WHERE username = ?", &st)) != XA_OK)
			goto cleanup;
		db_bind_text(st, 1, a->username, -1);
		if (db_step(st) != 1) {
			e = XA_ENOTFOUND;
			goto cleanup;
		}
		a->id = db_col_int(st, 0);
		cfmt(c, a->display, sizeof a->display, "%s", db_col_text(st, 1));
		e = audit_one(c, "account.reset_password", "account", a->id,
		    "password,must_change");
		goto cleanup;
	}
	account_new n = { unit_id_of(c, a->unit), a->username, a->display, a->phone,
		NULL, a->hash, a->roles, a->member_type, 0 };
	if ((e = account_insert(c->d, &n, c->now, &a->id)) != XA_OK)
		goto cleanup;
	e = audit_one(c, "account.create", "account", a->id,
	    a->member_type ? "username,display_name,phone,roles,member_type" :
	    "username,display_name,phone,roles");
cleanup:
	db_done(st);
	return e;
}

/* One committee seat (committee_add) and its audit record. account < 0:
 * the member has no login. */
static xa_err
add_member(struct city *c, const struct punit *s, int account, const char *name,
    const char *role, const char *type, const char *from, const char *to)
{
	int64_t id = 0;
	member_new m = { s->id, account >= 0 ? c->a[account].id : 0, name, role, type,
		from, to };
	xa_err e = committee_add(c->d, &m, c->now, &id);
	if (e != XA_OK)
		return e;
	c->members++;
	return audit_one(c, "committee.add", "committee_member", id, to[0] != '\0' ?
	    "name,role,member_type,from_date,to_date" : "name,role,member_type,from_date");
}

/* A school's 学生欺凌治理委员会 from 2026-09-01, complete by the registry's
 * rule (committee_complete): the principal in the chair, the legal
 * vice-principal (a police officer of the local station) as vice-chair,
 * staff, a parent, an outside expert, in a third of the schools a legal
 * adviser too, a student where the school teaches beyond the compulsory
 * grades, and in half the rural schools a village committee member; and
 * some members who left in July 2026. */
static xa_err
write_committee(struct city *c, const struct punit *s, size_t idx)
{
	struct rng r;
	char name[NAME_LEN];
	xa_err e;
	rng_seed(&r, c->seed, STREAM_COMMITTEE + idx);
#define SEAT(acct, nm, role, type) \
	do { \
		if ((e = add_member(c, s, (acct), (nm), (role), (type), FROM_DATE, \
		    "")) != XA_OK) \
			goto cleanup; \
	} while (0)
#define NEW_SEAT(young, role, type) \
	do { \
		person_name(&r, (young), name); \
		SEAT(-1, name, (role), (type)); \
	} while (0)
	SEAT(s->principal, c->a[s->principal].display, "chair", "staff");
	NEW_SEAT(0, "vice_chair", "legal_vp");
	if (s->secretary >= 0)
		SEAT(s->secretary, c->a[s->secretary].display, "secretary", "staff");
	else
		NEW_SEAT(0, "secretary", "staff");
	NEW_SEAT(0, "member", "staff");		/* the safety lead */
	if (!s->village) {
		/* the mental-health teacher and a head teachers' delegate */
		if (s->counsellor >= 0)
			SEAT(-1, c->a[s->counsellor].display, "member", "staff");
		else
			NEW_SEAT(0, "member", "staff");
		if (s->head_teacher >= 0)
			SEAT(-1, c->a[s->head_teacher].display, "member", "staff");
		else
			NEW_SEAT(0, "member", "staff");
	}
	NEW_SEAT(0, "member", "parent_rep");
	NEW_SEAT(0, "member", "outside_expert");
	if (rng_below(&r, 3) == 0)
		NEW_SEAT(0, "member", "legal_adviser");	/* 法治辅导员 */
	if (stages_beyond_compulsory(s->stages))
		NEW_SEAT(1, "member", "student_rep");
	if (s->rural && rng_below(&r, 2) == 0)
		NEW_SEAT(0, "member", "community_worker");
	if (s->school_no % 5 == 2) {
		person_name(&r, 0, name);
		if ((e = add_member(c, s, -1, name, "member", "parent_rep", "2025-09-01",
		    "2026-07-10")) != XA_OK)
			goto cleanup;
	}
	if (s->secretary >= 0) {
		/* the showcase schools' former chair and legal vice-principal */
		person_name(&r, 0, name);
		if ((e = add_member(c, s, -1, name, "chair", "staff", "2022-09-01",
		    "2026-07-15")) != XA_OK)
			goto cleanup;
		person_name(&r, 0, name);
		if ((e = add_member(c, s, -1, name, "vice_chair", "legal_vp", "2024-09-01",
		    "2026-07-15")) != XA_OK)
			goto cleanup;
	}
#undef NEW_SEAT
#undef SEAT
	e = XA_OK;
cleanup:
	return e;
}

/* Accounts in plan order, then the committees that name them, then one
 * closing record of the demo itself. */
static xa_err
write_people(struct city *c, char *err, size_t errlen)
{
	xa_err e = XA_OK;
	const char *what = "";
	for (size_t i = 0; i < c->na; i++) {
		what = c->a[i].username;
		if ((e = c->a[i].hash_err) != XA_OK ||
		    (e = write_account(c, &c->a[i])) != XA_OK)
			goto cleanup;
	}
	for (size_t i = 0; i < c->nu; i++) {
		what = c->u[i].name;
		if (strcmp(c->u[i].kind, "school") == 0 &&
		    (e = write_committee(c, &c->u[i], i)) != XA_OK)
			goto cleanup;
	}
	what = "the closing audit record";
	e = audit_one(c, "demo.build", "unit", c->bureau,
	    "units,classes,committee_members,accounts,settings");
cleanup:
	if (e != XA_OK)
		snprintf(err, errlen, "writing %s failed: %s", what, xa_strerror(e));
	return e;
}

/* The name of an account's first role, for the logins file. */
static const char *
first_role(unsigned roles)
{
	for (int r = 0; r < ROLE__COUNT; r++)
		if (roles & ROLE_BIT(r))
			return role_name((enum role)r);
	return "";
}

/* The logins file: username,password,role,unit, one line an account, as
 * csv.h writes CSV (UTF-8 with a BOM, CRLF), mode 0600 even when the file
 * was there before. */
static xa_err
write_csv(struct city *c, const char *path, char *err, size_t errlen)
{
	buf b;
	int fd = -1;
	xa_err e;
	buf_init(&b, 4u << 20);
	static const char *const head[] = { "username", "password", "role", "unit" };
	if ((e = csv_put_bom(&b)) != XA_OK)
		goto cleanup;
	for (size_t i = 0; i < COUNT(head); i++)
		if ((e = csv_put(&b, head[i], i == 0)) != XA_OK)
			goto cleanup;
	if ((e = csv_end_row(&b)) != XA_OK)
		goto cleanup;
	/* the featured logins first (`xiaoan demo` shows the file's head),
	 * then every other account in the order it was made */
	for (size_t k = 0; k < c->nfeat + c->na; k++) {
		const struct pacct *a = k < c->nfeat ? c->feat[k] : &c->a[k - c->nfeat];
		if (k >= c->nfeat && a->featured)
			continue;
		if ((e = csv_put(&b, a->username, 1)) != XA_OK ||
		    (e = csv_put(&b, a->password, 0)) != XA_OK ||
		    (e = csv_put(&b, first_role(a->roles), 0)) != XA_OK ||
		    (e = csv_put(&b, unit_name_of(c, a->unit), 0)) != XA_OK ||
		    (e = csv_end_row(&b)) != XA_OK)
			goto cleanup;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || fchmod(fd, 0600) != 0) {
		e = XA_EIO;
		goto cleanup;
	}
	for (size_t off = 0; off < b.len;) {
		ssize_t w = write(fd, b.data + off, b.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = XA_EIO;
			goto cleanup;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		e = XA_EIO;
cleanup:
	if (e != XA_OK)
		snprintf(err, errlen, "writing the logins file %s failed: %s%s%s", path,
		    xa_strerror(e), e == XA_EIO ? ": " : "", e == XA_EIO ? strerror(errno) : "");
	if (fd >= 0 && close(fd) != 0 && e == XA_OK) {
		e = XA_EIO;
		snprintf(err, errlen, "closing the logins file %s failed: %s", path,
		    strerror(errno));
	}
	buf_free(&b);
	return e;
}

/* The logins a visitor starts with: the bureau's, the administrators',
 * the first showcase school's principal, committee member, head teacher
 * and teacher, and the police liaison; fifteen, so they fill the head of
 * the logins file that `xiaoan demo` prints. */
static void
choose_featured(struct city *c)
{
	static const char *const names[] = { "leader", "director", "office1",
		"office2", "inspector", "section1", "section2", "sysadmin",
		"secadmin", "auditadmin", "", "", "", "", "police" };
	const struct punit *first = NULL;
	for (size_t i = 0; i < c->nu && first == NULL; i++)
		if (c->u[i].school_no == 1)
			first = &c->u[i];
	c->nfeat = 0;
	for (size_t i = 0; i < COUNT(names) && c->nfeat < COUNT(c->feat); i++) {
		struct pacct *a = NULL;
		if (names[i][0] != '\0') {
			for (size_t k = 0; k < c->na && a == NULL; k++)
				if (strcmp(c->a[k].username, names[i]) == 0)
					a = &c->a[k];
		} else if (first != NULL) {
			int pick[] = { first->principal, first->secretary,
				first->head_teacher, first->teacher };
			int idx = pick[i - 10];
			a = idx >= 0 ? &c->a[idx] : NULL;
		}
		if (a != NULL && !a->featured) {
			a->featured = 1;
			c->feat[c->nfeat++] = a;
		}
	}
}

/* What was built, and the logins a visitor starts with. */
static void
print_summary(const struct city *c, const char *csv_path, FILE *out)
{
	fprintf(out, "The demo city (seed %llu): %d schools in %ld townships "
	    "(%d run by the bureau, %d private), %ld partner agencies.\n",
	    (unsigned long long)c->seed, c->schools, c->townships, c->direct_count,
	    c->private_count, c->agencies);
	fprintf(out, "Schools by type:");
	for (int i = 0; school_types[i] != NULL; i++)
		fprintf(out, " %s %d", school_types[i], c->by_type[i]);
	fprintf(out, ".\n%ld classes, %ld students (%ld boys, %ld girls); "
	    "%ld committee members; %zu accounts; %ld audit records.\n\n",
	    c->classes, c->boys + c->girls, c->boys, c->girls, c->members, c->na,
	    c->audits);
	fprintf(out, "Demo logins (passwords follow from the seed; two-factor is "
	    "optional):\n  %-22s %-11s %-16s %s\n", "username", "password", "role",
	    "unit");
	for (size_t i = 0; i < c->nfeat; i++) {
		const struct pacct *a = c->feat[i];
		fprintf(out, "  %-22s %-11s %-16s %s\n", a->username, a->password,
		    first_role(a->roles), unit_name_of(c, a->unit));
	}
	if (csv_path != NULL)
		fprintf(out, "\nAll %zu logins: %s\n", c->na, csv_path);
}

/* The bureau from init, its name, and that there are no schools yet. */
static xa_err
check_start(struct city *c, char *err, size_t errlen)
{
	int64_t schools = 0;
	db_stmt *st = NULL;
	xa_err e = db_query_int(c->d, "SELECT COUNT(*) FROM units WHERE kind = 'school'",
	    &schools);
	if (e != XA_OK) {
		snprintf(err, errlen, "reading the units failed: %s", xa_strerror(e));
		goto cleanup;
	}
	if (schools > 0) {
		e = XA_EEXIST;
		snprintf(err, errlen, "the database already holds %lld schools; the demo "
		    "city is only built into a new data folder", (long long)schools);
		goto cleanup;
	}
	char path[96];
	if ((e = unit_bureau(c->d, &c->bureau, path, sizeof path)) != XA_OK) {
		snprintf(err, errlen, e == XA_ENOTFOUND ? "the database holds no bureau; "
		    "make the data folder with xiaoan init first" :
		    "reading the bureau failed");
		goto cleanup;
	}
	if ((e = db_prepare(c->d, "SELECT name FROM units WHERE id = ?", &st)) != XA_OK) {
		snprintf(err, errlen, "reading the bureau failed: %s", xa_strerror(e));
		goto cleanup;
	}
	db_bind_int(st, 1, c->bureau);
	if (db_step(st) != 1) {
		e = XA_ENOTFOUND;
		snprintf(err, errlen, "reading the bureau's name failed");
		goto cleanup;
	}
	cfmt(c, c->bureau_name, sizeof c->bureau_name, "%s", db_col_text(st, 0));
cleanup:
	db_done(st);
	return e;
}

/* Every generated password passes the default policy; a failure here is
 * a bug in demo_password, caught before anything is written. */
static xa_err
check_passwords(const struct city *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->na; i++) {
		const char *why = NULL;
		if (password_check(c->a[i].password, c->a[i].username,
		    setting_defs[S_PW_MIN_LEN].def, setting_defs[S_PW_CLASSES].def,
		    &why) != XA_OK) {
			snprintf(err, errlen, "the demo password of %s fails the policy (%s)",
			    c->a[i].username, why ? why : "");
			return XA_EINVAL;
		}
		if (!username_ok(c->a[i].username)) {
			snprintf(err, errlen, "the demo username %s is malformed",
			    c->a[i].username);
			return XA_EINVAL;
		}
	}
	return XA_OK;
}

xa_err
demo_build(db *d, uint64_t seed, const char *csv_path, FILE *out, char *err,
    size_t errlen)
{
	xa_err e = XA_OK;
	pthread_t th[DEMO_MAX_THREADS];
	int nth = 0;
	struct city *c = calloc(1, sizeof *c);
	char dummy[8];
	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = '\0';
	if (c == NULL) {
		e = XA_ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto cleanup;
	}
	c->d = d;
	c->seed = seed;
	c->now = (int64_t)time(NULL);
	if (keys_get() == NULL) {
		e = XA_ECONFIG;
		snprintf(err, errlen, "the keys are not loaded");
		goto cleanup;
	}
	c->akey = keys_get()->audit;
	if ((e = check_start(c, err, errlen)) != XA_OK)
		goto cleanup;
	plan_size(&c->capu, &c->capa);
	c->u = calloc(c->capu, sizeof *c->u);
	c->a = calloc(c->capa, sizeof *c->a);
	if (c->u == NULL || c->a == NULL) {
		e = XA_ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto cleanup;
	}
	rng_seed(&c->r, seed, STREAM_PLAN);
	plan_city(c);
	if ((e = c->sticky) != XA_OK) {
		snprintf(err, errlen, "planning the demo city failed: %s", xa_strerror(e));
		goto cleanup;
	}
	if ((e = check_passwords(c, err, errlen)) != XA_OK)
		goto cleanup;
	choose_featured(c);

	/* Hash on the other cores while this thread writes the units; it
	 * joins the hashing when it is done. One core: all on this thread. */
	c->pool.a = c->a;
	c->pool.n = c->na;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int want = cores > 1 ? (int)(cores - 1) : 0;
	if (want > DEMO_MAX_THREADS)
		want = DEMO_MAX_THREADS;
	for (; nth < want; nth++)
		if (pthread_create(&th[nth], NULL, hash_thread, &c->pool) != 0)
			break;
	if ((e = write_settings(c)) != XA_OK)
		snprintf(err, errlen, "writing the settings failed: %s", xa_strerror(e));
	if (e == XA_OK)
		e = write_units(c, err, errlen);
	if (e == XA_OK)
		hash_some(&c->pool);
	else
		atomic_store(&c->pool.stop, 1);
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	nth = 0;
	if (e == XA_OK)
		e = write_people(c, err, errlen);
	if (e == XA_OK && (e = c->sticky) != XA_OK)
		snprintf(err, errlen, "a demo text did not fit: %s", xa_strerror(e));
	if (e == XA_OK && csv_path != NULL)
		e = write_csv(c, csv_path, err, errlen);
	if (e == XA_OK && out != NULL)
		print_summary(c, csv_path, out);
cleanup:
	if (c != NULL) {
		if (c->a != NULL) {
			for (size_t i = 0; i < c->na; i++)
				explicit_bzero(c->a[i].password, sizeof c->a[i].password);
			free(c->a);
		}
		free(c->u);
		free(c);
	}
	return e;
}
