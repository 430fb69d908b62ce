/* test_sentiment_match.c: the public-opinion matcher
 * (src/sentiment/match.c).
 *
 * The labelled fixture set (sentiment_items.h, over 200 items) run through
 * the matcher: precision and recall of "about bullying at one of our
 * schools, and which one" printed, and the test fails below the floor it
 * sets. Then single cases: names inside longer words (十二中, 二中队,
 * 城关镇), weak aliases (郑州二中 is not ours), every alias of a school
 * giving its id, traditional characters folded, the reasons, an edited
 * lexicon, SimHash folding the same story and not two stories, and bad
 * input refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sentiment/match.h"
#include "sentiment_items.h"

#define NPLACES (sizeof(fixture_places) / sizeof(fixture_places[0]))
#define NITEMS (sizeof(fixture_items) / sizeof(fixture_items[0]))

/* The floor: below it the matcher has got worse. */
#define MIN_PRECISION 0.90
#define MIN_RECALL 0.85

static int
setup(void **state)
{
	const struct sm_term *lex;
	size_t n;
	struct sm_matcher *m = NULL;

	lex = sm_default_lexicon(&n);
	if (sm_new(lex, n, fixture_places, NPLACES, &m) != XA_OK)
		return -1;
	*state = m;
	return 0;
}

static int
teardown(void **state)
{
	sm_free(*state);
	return 0;
}

/* Match title and body (C strings); assert it succeeds. */
static struct sm_result
run(const struct sm_matcher *m, const char *title, const char *body)
{
	struct sm_result r;

	assert_int_equal(sm_match(m, title, strlen(title), body, strlen(body),
	    &r), XA_OK);
	return r;
}

/* The school an item is judged to be about (0: none). */
static int64_t
verdict(const struct sm_result *r)
{
	return r->score >= SM_THRESHOLD ? r->school_id : 0;
}

static bool
has_reason(const struct sm_result *r, const char *want)
{
	size_t i;

	for (i = 0; i < r->nreasons; i++)
		if (strcmp(r->reasons[i], want) == 0)
			return true;
	return false;
}

static void
test_fixture_set(void **state)
{
	const struct sm_matcher *m = *state;
	size_t i, tp = 0, fp = 0, fn = 0, pos = 0;
	double precision, recall;

	assert_true(NITEMS >= 200);
	for (i = 0; i < NITEMS; i++) {
		const struct fixture_item *it = &fixture_items[i];
		struct sm_result r = run(m, it->title, it->body);
		int64_t got = verdict(&r);

		if (it->school != 0)
			pos++;
		if (got != 0 && got == it->school) {
			tp++;
			continue;
		}
		if (got != 0)
			fp++;
		if (it->school != 0)
			fn++;
		if (got != it->school)
			printf("  miss #%zu: want %lld got %lld (score %d) %s\n",
			    i, (long long)it->school, (long long)got, r.score,
			    it->title[0] != '\0' ? it->title : it->body);
	}
	precision = tp + fp > 0 ? (double)tp / (double)(tp + fp) : 0.0;
	recall = pos > 0 ? (double)tp / (double)pos : 0.0;
	printf("sentiment matcher: %zu items, %zu about our schools; "
	    "tp %zu fp %zu fn %zu; precision %.3f recall %.3f "
	    "(floor %.2f / %.2f)\n", (size_t)NITEMS, pos, tp, fp, fn,
	    precision, recall, MIN_PRECISION, MIN_RECALL);
	assert_true(pos >= 80 && NITEMS - pos >= 80);
	assert_true(precision >= MIN_PRECISION);
	assert_true(recall >= MIN_RECALL);
}

static void
test_boundaries(void **state)
{
	const struct sm_matcher *m = *state;
	struct sm_result r;

	/* The alias inside a longer name or word: no school. */
	r = run(m, "新郑十二中学生被围殴", "新郑市十二中一名学生被同学围殴。");
	assert_int_equal(r.school_id, 0);
	r = run(m, "", "新郑市实验学校三年级二中队的同学欺负了一名队员。");
	assert_int_equal(r.school_id, 0);
	r = run(m, "", "新郑市三十二中发生学生被打事件。");
	assert_int_equal(r.school_id, 0);
	/* 城关镇 is the township, 城关中学 the school. */
	r = run(m, "", "城关镇中学生被围殴，家长报警。");
	assert_int_equal(r.school_id, 0);
	assert_int_equal(r.township_id, 201);
	assert_true(has_reason(&r, "township:城关镇"));
	assert_true(r.score < SM_THRESHOLD + 10);
	r = run(m, "", "城关镇城关中学一名学生被围殴。");
	assert_int_equal(r.school_id, 104);
	assert_int_equal(r.township_id, 201);
	/* The name in a sentence, right before another word: found. */
	r = run(m, "", "新郑二中学生被同学殴打，视频流传。");
	assert_int_equal(r.school_id, 101);
	assert_true(r.score >= SM_THRESHOLD);
	r = run(m, "", "据说在新郑二中读书的孩子被同学殴打。");
	assert_int_equal(r.school_id, 101);
	/* A weak alias: ours with the city named, not glued to another. */
	r = run(m, "", "新郑市二中一名学生被同学殴打。");
	assert_int_equal(r.school_id, 101);
	r = run(m, "", "郑州二中一名学生被同学殴打。");
	assert_int_equal(r.school_id, 0);
	r = run(m, "", "新郑网友称，郑州二中一名学生被同学殴打。");
	assert_int_equal(r.school_id, 0);
	r = run(m, "", "某县二中一名学生被同学殴打。");
	assert_int_equal(r.school_id, 0);
	r = run(m, "新郑", "在二中上学的孩子被同学殴打。");
	assert_int_equal(r.school_id, 101);
}

static void
test_aliases(void **state)
{
	const struct sm_matcher *m = *state;
	static const char *const names[] = {"新郑市第二初级中学", "新郑二中",
	    "新郑市二中"};
	char body[256];
	size_t i;
	int w;
	struct sm_result r;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		w = snprintf(body, sizeof(body), "%s一名学生遭同学围殴。",
		    names[i]);
		assert_true(w > 0 && (size_t)w < sizeof(body));
		r = run(m, "", body);
		assert_int_equal(r.school_id, 101);
		assert_true(r.score >= SM_THRESHOLD);
	}
	r = run(m, "", "龙湖镇第一初级中学学生被打。");
	assert_int_equal(r.school_id, 105);
	r = run(m, "", "龙湖一中学生被打。");
	assert_int_equal(r.school_id, 105);
	/* Two schools: the one next to the act. */
	r = run(m, "", "新郑一中的老师说，新郑三中一名学生被同学殴打。");
	assert_int_equal(r.school_id, 106);
}

static void
test_traditional(void **state)
{
	const struct sm_matcher *m = *state;
	struct sm_result s, t;

	s = run(m, "新郑二中学生遭围殴", "家长称孩子被同学殴打、辱骂。");
	t = run(m, "新鄭二中學生遭圍毆", "家長稱孩子被同學毆打、辱罵。");
	assert_int_equal(t.school_id, 101);
	assert_int_equal(t.score, s.score);
	assert_int_equal(t.simhash, s.simhash);
	t = run(m, "", "龍湖鎮第一初級中學學生被霸凌");
	assert_int_equal(t.school_id, 105);
	/* Full-width letters and digits fold too. */
	t = run(m, "", "新郑二中学生被ＡＢ同学殴打");
	s = run(m, "", "新郑二中学生被ab同学殴打");
	assert_int_equal(t.simhash, s.simhash);
}

static void
test_reasons_and_score(void **state)
{
	const struct sm_matcher *m = *state;
	struct sm_result r;

	r = run(m, "", "新郑二中一名学生被同学殴打。");
	assert_true(has_reason(&r, "lexicon:殴打"));
	assert_true(has_reason(&r, "place:新郑二中"));
	assert_true(has_reason(&r, "context:学生"));
	assert_true(r.score >= SM_THRESHOLD && r.score <= 100);
	/* 欺凌 inside 防欺凌 is the prevention word, not the act. */
	r = run(m, "", "新郑二中开展防欺凌主题班会。");
	assert_false(has_reason(&r, "lexicon:欺凌"));
	assert_true(has_reason(&r, "mitigating:防欺凌"));
	assert_true(r.score < SM_THRESHOLD);
	/* Bullying with no place of ours stays below the threshold. */
	r = run(m, "", "某地学生被同学围殴、辱骂、勒索，校园欺凌引关注。");
	assert_int_equal(r.school_id, 0);
	assert_true(r.score < SM_THRESHOLD);
	/* Our school with no bullying: below too. */
	r = run(m, "", "新郑二中学生篮球队夺冠。");
	assert_int_equal(r.school_id, 101);
	assert_true(r.score < SM_THRESHOLD);
	/* Context far from any act does not count. */
	r = run(m, "", "学生们今天去始祖山春游，天气很好，大家一路唱歌爬山，"
	    "玩得很开心，中午在山顶野餐，下午三点返回。"
	    "晚上看到新闻：新郑二中附近有人殴打");
	assert_false(has_reason(&r, "context:学生"));
	r = run(m, "", "");
	assert_int_equal(r.score, 0);
	assert_int_equal(r.nreasons, 0);
}

static void
test_edited_lexicon(void **state)
{
	static const struct sm_term lex[] = {
		{"推搡", 45, SM_PHYSICAL},
		{"学生", 5, SM_CONTEXT},
	};
	struct sm_matcher *m = NULL;
	struct sm_result r;

	(void)state;
	assert_int_equal(sm_new(lex, 2, fixture_places, NPLACES, &m), XA_OK);
	r = run(m, "", "新郑二中一名学生被同学推搡。");
	assert_true(has_reason(&r, "lexicon:推搡"));
	assert_true(r.score >= SM_THRESHOLD);
	r = run(m, "", "新郑二中一名学生被同学殴打。");
	assert_false(has_reason(&r, "lexicon:殴打"));
	assert_true(r.score < SM_THRESHOLD);
	sm_free(m);
}

static const char story[] =
    "近日，一段视频在网上流传。视频显示，新郑二中几名学生在学校厕所内对一名"
    "初二男生拳打脚踢，其间还有人用手机拍摄，被打学生蹲在墙角不敢还手。"
    "据家长介绍，孩子已经多次被这几名同学索要钱财，不给就会挨打，事发后孩子"
    "情绪低落，不愿再去学校。家长已向当地派出所报警，并向新郑市教育局反映了"
    "情况。记者联系新郑二中，学校工作人员表示，学校已经成立工作专班，正在"
    "调查核实，对涉事学生将依规严肃处理，同时安排心理老师对受害学生进行疏导。"
    "新郑市教育局相关负责人表示，将督促学校妥善处理，并在全市开展校园欺凌"
    "专项排查，切实保护学生身心健康。";

static uint64_t
hash_of(const char *s)
{
	uint64_t h;

	assert_int_equal(sm_simhash(s, strlen(s), &h), XA_OK);
	return h;
}

static void
test_simhash(void **state)
{
	char buf[4096];
	uint64_t a, b;
	int w;

	(void)state;
	a = hash_of(story);
	/* Reposted with a source line and a label. */
	w = snprintf(buf, sizeof(buf), "【转载】%s（来源：某某新闻网）", story);
	assert_true(w > 0 && (size_t)w < sizeof(buf));
	b = hash_of(buf);
	printf("simhash repost: %d bits\n", sm_hamming(a, b));
	assert_true(sm_near_dup(a, b));
	/* A word changed here and there. */
	b = hash_of("近日，一段视频在网上流传。视频显示，新郑二中几名学生在学校厕所里对一名"
	    "初二男生拳打脚踢，其间还有人用手机拍摄，被打学生蹲在墙角不敢还手。"
	    "据家长介绍，孩子已经多次被这几名同学索要钱财，不给就会挨打，事发后孩子"
	    "情绪低落，不愿再去学校。家长已向当地派出所报案，并向新郑市教育局反映了"
	    "情况。记者联系新郑二中，学校工作人员表示，学校已经成立工作专班，正在"
	    "调查核实，对涉事学生将依规严肃处理，同时安排心理老师对受害学生进行疏导。"
	    "新郑市教育局相关负责人表示，将督促学校妥善处理，并在全市开展校园欺凌"
	    "专项排查，切实保护学生身心健康。");
	printf("simhash two words changed: %d bits\n", sm_hamming(a, b));
	assert_true(sm_near_dup(a, b));
	/* Punctuation and spacing changed only. */
	b = hash_of("近日 一段视频在网上流传！视频显示：新郑二中几名学生在学校厕所内对一名"
	    "初二男生拳打脚踢；其间还有人用手机拍摄，被打学生蹲在墙角不敢还手……"
	    "据家长介绍 孩子已经多次被这几名同学索要钱财 不给就会挨打。事发后孩子"
	    "情绪低落、不愿再去学校。家长已向当地派出所报警 并向新郑市教育局反映了"
	    "情况。记者联系新郑二中 学校工作人员表示：学校已经成立工作专班，正在"
	    "调查核实，对涉事学生将依规严肃处理；同时安排心理老师对受害学生进行疏导。"
	    "新郑市教育局相关负责人表示，将督促学校妥善处理，并在全市开展校园欺凌"
	    "专项排查，切实保护学生身心健康");
	assert_int_equal(a, b);
	/* A different story about the same school: not folded. */
	b = hash_of("新郑二中篮球队在全市中学生篮球联赛中三战全胜夺得冠军。"
	    "比赛中，队员们团结协作，顽强拼搏，展现了良好的精神风貌。"
	    "学校负责人表示，学校一直重视体育工作，每天保证学生一小时体育活动，"
	    "今后将继续开展丰富多彩的体育活动，促进学生全面发展。");
	printf("simhash other story: %d bits\n", sm_hamming(a, b));
	assert_false(sm_near_dup(a, b));
	/* A different bullying story at another school: not folded. */
	b = hash_of("龙湖一中一名学生在宿舍内被多名同学殴打，经医院诊断为多处"
	    "软组织挫伤。家长称，孩子入学以来一直被室友排挤，被起外号，生活用品"
	    "经常被扔掉。学校表示已对涉事学生进行批评教育，并通知双方家长到校。"
	    "龙湖镇派出所已介入调查，目前事件正在进一步处理中。");
	printf("simhash other bullying story: %d bits\n", sm_hamming(a, b));
	assert_false(sm_near_dup(a, b));
	assert_int_equal(sm_hamming(0, 0), 0);
	assert_int_equal(sm_hamming(0, 0xFFULL), 8);
	assert_true(sm_near_dup(0, 7));
	assert_false(sm_near_dup(0, 15));
	assert_int_equal(hash_of(""), 0);
}

static void
test_bad_input(void **state)
{
	const struct sm_matcher *m = *state;
	static const struct sm_term bad_weight[] = {{"殴打", 80, SM_PHYSICAL}};
	static const struct sm_term bad_mit[] = {{"讲座", 10, SM_MITIGATING}};
	static const struct sm_term empty[] = {{"", 10, SM_PHYSICAL}};
	static const struct sm_term badutf[] = {{"\xE6\xAC", 10, SM_PHYSICAL}};
	static const struct sm_place badkind[] = {{"二中", 1, (enum
	    sm_place_kind)9, false}};
	struct sm_matcher *x = NULL;
	struct sm_result r;
	uint64_t h;
	char *big;
	size_t n = (size_t)SM_MAX_TEXT + 10, i;

	assert_int_equal(sm_new(bad_weight, 1, NULL, 0, &x), XA_EINVAL);
	assert_null(x);
	assert_int_equal(sm_new(bad_mit, 1, NULL, 0, &x), XA_EINVAL);
	assert_int_equal(sm_new(empty, 1, NULL, 0, &x), XA_EINVAL);
	assert_int_equal(sm_new(badutf, 1, NULL, 0, &x), XA_EUTF8);
	assert_int_equal(sm_new(NULL, 0, badkind, 1, &x), XA_EINVAL);
	assert_int_equal(sm_match(m, "\xC3\x28", 2, "", 0, &r), XA_EUTF8);
	assert_int_equal(sm_match(m, "", 0, "ok\xFF", 3, &r), XA_EUTF8);
	assert_int_equal(sm_simhash("\xED\xA0\x80", 3, &h), XA_EUTF8);
	big = malloc(n);
	assert_non_null(big);
	for (i = 0; i < n; i++)
		big[i] = 'a';
	assert_int_equal(sm_match(m, "", 0, big, n, &r), XA_ETOOBIG);
	assert_int_equal(sm_simhash(big, n, &h), XA_ETOOBIG);
	/* Just under the cap: fine (title + separator + body). */
	assert_int_equal(sm_match(m, "", 0, big, SM_MAX_TEXT - 1, &r), XA_OK);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_set),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_traditional),
		cmocka_unit_test(test_reasons_and_score),
		cmocka_unit_test(test_edited_lexicon),
		cmocka_unit_test(test_simhash),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
