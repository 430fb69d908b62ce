/* test_case_rules.c: the case state machine of regulation.md §3 — every
 * allowed and every refused edge, what each step needs and the Chinese
 * sentence for each missing item, the discipline grades refused in
 * compulsory education, and the time limits across holidays and make-up
 * working days with the clock injected. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cases/cases.h"
#include "core/i18n.h"

#define SHANGHAI (8 * 3600)

static xa_day
D(const char *s)
{
	xa_day d = 0;
	if (day_parse(s, &d) != XA_OK)
		fail_msg("bad date in test: %s", s);
	return d;
}

/* 2026-10-08 09:00 in Shanghai, as UTC seconds. */
static int64_t
at(const char *day, int hour)
{
	return day_start(D(day), SHANGHAI) + (int64_t)hour * 3600;
}

/* The edges the regulation's procedure allows; everything else refused. */
static void
test_every_edge(void **state)
{
	static const struct { enum case_state from, to; } allowed[] = {
		{ CS_REPORTED, CS_IMMEDIATE }, { CS_IMMEDIATE, CS_INVESTIGATING },
		{ CS_INVESTIGATING, CS_AWAITING }, { CS_AWAITING, CS_DETERMINED },
		{ CS_AWAITING, CS_INVESTIGATING }, { CS_DETERMINED, CS_MEASURES },
		{ CS_DETERMINED, CS_CLOSED }, { CS_DETERMINED, CS_APPEAL },
		{ CS_MEASURES, CS_FOLLOW_UP }, { CS_MEASURES, CS_APPEAL },
		{ CS_FOLLOW_UP, CS_CLOSED }, { CS_FOLLOW_UP, CS_APPEAL },
		{ CS_CLOSED, CS_ARCHIVED }, { CS_CLOSED, CS_APPEAL },
		{ CS_APPEAL, CS_REVIEW }, { CS_REVIEW, CS_DETERMINED },
	};
	for (int from = 0; from < CS__COUNT; from++)
		for (int to = 0; to < CS__COUNT; to++) {
			int want = 0;
			for (size_t k = 0; k < sizeof allowed / sizeof allowed[0]; k++)
				if ((int)allowed[k].from == from && (int)allowed[k].to == to)
					want = 1;
			if (case_edge((enum case_state)from, (enum case_state)to, CS__COUNT) != want)
				fail_msg("edge %s -> %s: want %d", case_state_name(from),
				    case_state_name(to), want);
		}
	/* Out of an appeal, back to where it was, and only there. */
	assert_true(case_edge(CS_APPEAL, CS_MEASURES, CS_MEASURES));
	assert_false(case_edge(CS_APPEAL, CS_CLOSED, CS_MEASURES));
	assert_true(case_edge(CS_APPEAL, CS_CLOSED, CS_CLOSED));
	assert_false(case_edge(CS_APPEAL, CS_REPORTED, CS_REPORTED));
	/* A refused edge says so, whatever the facts. */
	case_facts f = { .state = CS_REPORTED, .victims = 1, .finding = "", .tier = "" };
	transition_in in = { .to = CS_DETERMINED };
	missing m;
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.keys[0], "missing.no_such_step");
	assert_false(case_edge(CS_ARCHIVED, CS_CLOSED, CS__COUNT));
	assert_true(case_state_final(CS_CLOSED));
	assert_true(case_state_final(CS_ARCHIVED));
	assert_false(case_state_final(CS_FOLLOW_UP));
}

static int
has(const missing *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->keys[i], key) == 0)
			return 1;
	return 0;
}

/* A case with everything every step asks for. */
static case_facts
complete(enum case_state s)
{
	case_facts f = { .state = s, .resume = CS__COUNT, .finding = "bullying",
		.tier = "general", .victims = 1, .perpetrators = 2,
		.victims_notified = 1, .perpetrators_notified = 2, .stop_events = 1,
		.protection_events = 1, .investigation_records = 2, .measures = 3,
		.outcome_notified = 3, .now = at("2026-11-01", 9) };
	return f;
}

static transition_in
determination(void)
{
	transition_in in = { .to = CS_DETERMINED, .finding = "bullying",
		.tier = "general", .behaviours = "verbal,exclusion", .harms = "mental",
		.intent = "deliberate", .imbalance = "numbers", .repetition = "repeated",
		.place = "in_school", .basis = "moe50_2021", .reasons = "多次起侮辱性绰号。",
		.meeting_date = "2026-10-20", .roster_members = 7, .participants = 5,
		.roster_complete = true };
	return in;
}

static void
test_immediate_action(void **state)
{
	missing m;
	case_facts f = complete(CS_REPORTED);
	transition_in in = { .to = CS_IMMEDIATE };
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 0);
	f.victims = 0;
	case_check(&f, &in, &m);
	assert_true(has(&m, "missing.victim_party"));

	f = complete(CS_IMMEDIATE);
	in.to = CS_INVESTIGATING;
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 0);
	f.stop_events = 0;
	f.protection_events = 0;
	f.perpetrators_notified = 1;
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 3);
	assert_string_equal(m.keys[0], "missing.stop");
	assert_string_equal(m.keys[1], "missing.protection");
	assert_string_equal(m.keys[2], "missing.guardians_perpetrator");
	/* A serious case: the police and the bureau, without delay (law). */
	f = complete(CS_IMMEDIATE);
	f.serious_flag = true;
	case_check(&f, &in, &m);
	assert_true(has(&m, "missing.police_report"));
	assert_true(has(&m, "missing.bureau_report"));
	f.police_referrals = 1;
	f.bureau_reports = 1;
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 0);
}

static void
test_investigation(void **state)
{
	missing m;
	case_facts f = complete(CS_INVESTIGATING);
	transition_in in = { .to = CS_AWAITING };
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 0);
	f.investigation_records = 0;
	f.perpetrators = 0;
	case_check(&f, &in, &m);
	assert_true(has(&m, "missing.investigation"));
	assert_true(has(&m, "missing.perpetrator_party"));
	/* The committee may send it back. */
	f = complete(CS_AWAITING);
	in.to = CS_INVESTIGATING;
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 0);
}

static void
test_determination(void **state)
{
	missing m;
	case_facts f = complete(CS_AWAITING);
	transition_in in = determination();
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 0);

	/* Nothing given: everything is asked for, in order. */
	transition_in bare = { .to = CS_DETERMINED };
	f.perpetrators_notified = 0;
	case_check(&f, &bare, &m);
	assert_true(has(&m, "missing.meeting_date"));
	assert_true(has(&m, "missing.participants"));
	assert_true(has(&m, "missing.guardians_perpetrator"));
	assert_true(has(&m, "missing.finding"));
	assert_true(has(&m, "missing.reasons"));
	f = complete(CS_AWAITING);

	/* The roster of that day, and who took part. */
	in = determination();
	in.roster_members = 0;
	case_check(&f, &in, &m);
	assert_true(has(&m, "missing.roster"));
	in = determination();
	in.roster_complete = false;
	case_check(&f, &in, &m);
	assert_true(has(&m, "missing.roster_incomplete"));
	in = determination();
	in.participants_off_roster = true;
	case_check(&f, &in, &m);
	assert_true(has(&m, "missing.participants_off_roster"));

	/* Each element of a finding of bullying. */
	struct { const char **field; const char *bad; const char *key; } cases[] = {
		{ &in.behaviours, "", "missing.behaviours" },
		{ &in.behaviours, "verbal,verbal", "missing.behaviours" },
		{ &in.behaviours, "teasing", "missing.behaviours" },
		{ &in.harms, NULL, "missing.harms" },
		{ &in.intent, "none", "missing.intent_for_bullying" },
		{ &in.intent, "maybe", "missing.intent" },
		{ &in.imbalance, "none", "missing.imbalance_for_bullying" },
		{ &in.imbalance, "", "missing.imbalance" },
		{ &in.repetition, NULL, "missing.repetition" },
		{ &in.place, "unknown", "missing.place" },
		{ &in.basis, "law", "missing.basis" },
		{ &in.tier, "", "missing.tier" },
		{ &in.reasons, "", "missing.reasons" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		in = determination();
		*cases[i].field = cases[i].bad;
		case_check(&f, &in, &m);
		if (!has(&m, cases[i].key))
			fail_msg("case %zu: %s not asked for", i, cases[i].key);
	}
	/* The unlawful tier needs the police referral recorded. */
	in = determination();
	in.tier = "unlawful";
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.keys[0], "missing.police_referral_unlawful");
	f.police_referrals = 1;
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 0);

	/* Not bullying: reasons and basis, no tier or behaviours needed. */
	f = complete(CS_AWAITING);
	transition_in nb = { .to = CS_DETERMINED, .finding = "not_bullying",
		.basis = "moe50_2021", .reasons = "双方系打闹嬉戏。", .meeting_date = "2026-10-20",
		.roster_members = 7, .participants = 4, .roster_complete = true };
	case_check(&f, &nb, &m);
	assert_int_equal(m.n, 0);

	/* The county review decides without the school's roster. */
	f = complete(CS_REVIEW);
	in = determination();
	in.meeting_date = NULL;
	in.participants = 0;
	in.roster_members = 0;
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 0);
}

static void
test_measures_followup_close_archive(void **state)
{
	missing m;
	transition_in in = { .to = CS_MEASURES };
	case_facts f = complete(CS_DETERMINED);
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 0);
	f.perpetrators_without_measure = 1;
	f.outcome_notified = 2;
	case_check(&f, &in, &m);
	assert_true(has(&m, "missing.measures_each_perpetrator"));
	assert_true(has(&m, "missing.outcome_notice"));
	f = complete(CS_DETERMINED);
	f.finding = "not_bullying";
	case_check(&f, &in, &m);
	assert_true(has(&m, "missing.not_bullying_no_measures"));
	in.to = CS_CLOSED;
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 0);
	f.finding = "bullying";
	case_check(&f, &in, &m);
	assert_true(has(&m, "missing.bullying_needs_measures"));

	f = complete(CS_MEASURES);
	in.to = CS_FOLLOW_UP;
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 0);
	f.measures_not_told = 1;
	f.measures_not_done = 2;
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.keys[0], "missing.measures_not_told");
	assert_string_equal(m.keys[1], "missing.measures_not_done");

	f = complete(CS_FOLLOW_UP);
	in.to = CS_CLOSED;
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 0);
	f.victims_without_followup = 1;
	f.perpetrators_without_followup = 1;
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 2);

	f = complete(CS_CLOSED);
	f.closed_at = at("2026-10-30", 10);
	in.to = CS_ARCHIVED;
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 0);
	f.open_supervisions = 1;
	f.open_appeals = 1;
	case_check(&f, &in, &m);
	assert_true(has(&m, "missing.open_supervision"));
	assert_true(has(&m, "missing.open_appeal"));
	/* A window the bureau set: not archived before it has passed. */
	f = complete(CS_CLOSED);
	f.closed_at = at("2026-10-30", 10);
	f.appeal_window_days = 5;
	f.now = at("2026-11-02", 10);
	case_check(&f, &in, &m);
	assert_true(has(&m, "missing.appeal_window"));
	f.now = at("2026-11-05", 11);
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 0);
}

static void
test_appeal(void **state)
{
	missing m;
	case_facts f = complete(CS_MEASURES);
	transition_in in = { .to = CS_APPEAL };
	case_check(&f, &in, &m);
	assert_true(has(&m, "missing.appeal_lodged_on"));
	assert_true(has(&m, "missing.appeal_lodged_by"));
	in.lodged_on = "2026-11-03";
	in.lodged_by = "受欺凌学生的监护人";
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 0);
	/* No window by default; a window of 5 days from the determination. */
	f.appeal_window_days = 5;
	f.determined_day = D("2026-10-20");
	case_check(&f, &in, &m);
	assert_true(has(&m, "missing.appeal_late"));
	in.lodged_on = "2026-10-25";
	case_check(&f, &in, &m);
	assert_int_equal(m.n, 0);
	f.open_appeals = 1;
	case_check(&f, &in, &m);
	assert_true(has(&m, "missing.appeal_pending"));

	f = complete(CS_APPEAL);
	f.resume = CS_MEASURES;
	transition_in up = { .to = CS_MEASURES };
	case_check(&f, &up, &m);
	assert_true(has(&m, "missing.appeal_outcome"));
	up.outcome = "upheld";
	case_check(&f, &up, &m);
	assert_int_equal(m.n, 0);
	transition_in rv = { .to = CS_REVIEW, .outcome = "review" };
	case_check(&f, &rv, &m);
	assert_true(has(&m, "missing.review_panel"));
	rv.panel = "学校代表 王某；家长代表 李某；校外专家 赵某";
	case_check(&f, &rv, &m);
	assert_int_equal(m.n, 0);
	/* Archived cases cannot be appealed. */
	f = complete(CS_ARCHIVED);
	in.to = CS_APPEAL;
	case_check(&f, &in, &m);
	assert_true(has(&m, "missing.no_such_step"));
}

static void
test_grades_and_names(void **state)
{
	assert_true(grade_needs_noncompulsory("probation"));
	assert_true(grade_needs_noncompulsory("expulsion_order"));
	assert_true(grade_needs_noncompulsory("expulsion"));
	assert_false(grade_needs_noncompulsory("demerit"));
	assert_false(grade_needs_noncompulsory("warning"));
	assert_false(grade_needs_noncompulsory(NULL));
	assert_true(names_csv_ok(behaviour_kinds, "physical"));
	assert_true(names_csv_ok(behaviour_kinds, "online,physical,other"));
	assert_false(names_csv_ok(behaviour_kinds, "physical,"));
	assert_false(names_csv_ok(behaviour_kinds, ",physical"));
	assert_false(names_csv_ok(behaviour_kinds, "physical,physical"));
	assert_false(names_csv_ok(behaviour_kinds, NULL));
	for (int s = 0; s < CS__COUNT; s++) {
		enum case_state back;
		assert_int_equal(case_state_parse(case_state_name(s), &back), XA_OK);
		assert_int_equal(back, s);
	}
	enum case_state x;
	assert_int_equal(case_state_parse("done", &x), XA_EINVAL);
	/* Every name and state has its words in both languages. */
	static const struct { const char *prefix; const char *const *list; } lists[] = {
		{ "report.channel", report_channels }, { "report.place", report_places },
		{ "behaviour", behaviour_kinds }, { "report.frequency", report_frequencies },
		{ "report.reporter", reporter_kinds }, { "report.status", report_statuses },
		{ "party.role", party_roles }, { "harm", harm_kinds }, { "intent", intent_kinds },
		{ "imbalance", imbalance_kinds }, { "repetition", repetition_kinds },
		{ "tier", case_tiers }, { "finding", case_findings },
		{ "basis", determination_bases }, { "measure.kind", measure_kinds },
		{ "grade", discipline_grades }, { "event.kind", event_kinds },
	};
	char key[96];
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
		for (size_t k = 0; lists[i].list[k]; k++) {
			snprintf(key, sizeof key, "%s.%s", lists[i].prefix, lists[i].list[k]);
			if (!i18n_has("zh", key) || !i18n_has("en", key))
				fail_msg("no text for %s", key);
		}
	for (int s = 0; s < CS__COUNT; s++) {
		snprintf(key, sizeof key, "state.%s", case_state_name(s));
		assert_true(i18n_has("zh", key) && i18n_has("en", key));
	}
	assert_string_equal(i18n("zh", "grade.expulsion"), "开除");
	assert_string_equal(i18n("zh", "state.county_review"), "县级复查");
}

/* Every missing key any check can produce has its sentence. */
static void
test_missing_texts(void **state)
{
	case_facts all_bad = { .state = CS_IMMEDIATE, .serious_flag = true, .victims = 1,
		.perpetrators = 1, .finding = "", .tier = "" };
	static const enum case_state from[] = { CS_REPORTED, CS_IMMEDIATE,
		CS_INVESTIGATING, CS_AWAITING, CS_DETERMINED, CS_MEASURES, CS_FOLLOW_UP,
		CS_CLOSED, CS_APPEAL, CS_REVIEW };
	size_t seen = 0;
	for (size_t i = 0; i < sizeof from / sizeof from[0]; i++)
		for (int to = 0; to < CS__COUNT; to++) {
			case_facts f = all_bad;
			f.state = from[i];
			f.victims = 0;
			f.resume = CS_MEASURES;
			f.measures_not_done = f.measures_not_told = 1;
			f.victims_without_followup = 1;
			f.open_supervisions = f.open_appeals = 1;
			transition_in in = { .to = (enum case_state)to, .finding = "bullying",
				.tier = "unlawful", .intent = "none", .imbalance = "none" };
			missing m;
			case_check(&f, &in, &m);
			for (size_t k = 0; k < m.n; k++, seen++)
				if (!i18n_has("zh", m.keys[k]) || !i18n_has("en", m.keys[k]))
					fail_msg("no text for %s", m.keys[k]);
		}
	assert_true(seen > 20);
}

/* The time limits: 10 calendar days; working days skip the National Day
 * holiday and count its make-up Saturday; hours are plain hours. */
static void
test_limits(void **state)
{
	case_limits lim = { .immediate = { 0, LIMIT_DAYS }, .police = { 0, LIMIT_DAYS },
		.investigation = { 10, LIMIT_DAYS }, .review = { 15, LIMIT_DAYS } };
	struct cal_entry e[] = {
		{ D("2026-10-01"), DAY_HOLIDAY }, { D("2026-10-02"), DAY_HOLIDAY },
		{ D("2026-10-05"), DAY_HOLIDAY }, { D("2026-10-06"), DAY_HOLIDAY },
		{ D("2026-10-07"), DAY_HOLIDAY }, { D("2026-10-10"), DAY_WORKDAY },
	};
	calendar cal;
	assert_int_equal(calendar_make(e, sizeof e / sizeof e[0], &cal), XA_OK);
	int64_t start = at("2026-09-29", 16);	/* a Tuesday afternoon */
	/* Reported: by the end of the same day. */
	assert_int_equal(case_due(CS_REPORTED, start, &lim, &cal, SHANGHAI),
	    day_start(D("2026-09-30"), SHANGHAI));
	/* Investigation: ten calendar days, holidays or not. */
	assert_int_equal(case_due(CS_INVESTIGATING, start, &lim, &cal, SHANGHAI),
	    day_start(D("2026-10-10"), SHANGHAI));
	/* The same ten in working days: 9-30, 10-8, 10-9, 10-10 (调休 Saturday),
	 * 10-12 .. 10-16, 10-19 → due at the end of Monday 19 October. */
	lim.investigation.unit = LIMIT_WORKDAYS;
	assert_int_equal(case_due(CS_INVESTIGATING, start, &lim, &cal, SHANGHAI),
	    day_start(D("2026-10-20"), SHANGHAI));
	/* Without the make-up day it would be a day later. */
	assert_int_equal(case_due(CS_INVESTIGATING, start, &lim, NULL, SHANGHAI) >
	    day_start(D("2026-10-10"), SHANGHAI), 1);
	/* Hours. */
	lim.immediate = (case_limit){ 24, LIMIT_HOURS };
	assert_int_equal(case_due(CS_IMMEDIATE, start, &lim, &cal, SHANGHAI),
	    start + 24 * 3600);
	/* The county review: 15 days. States without a limit: 0. */
	assert_int_equal(case_due(CS_REVIEW, start, &lim, &cal, SHANGHAI),
	    day_start(D("2026-10-15"), SHANGHAI));
	assert_int_equal(case_due(CS_DETERMINED, start, &lim, &cal, SHANGHAI), 0);
	assert_int_equal(case_due(CS_CLOSED, start, &lim, &cal, SHANGHAI), 0);
	calendar_free(&cal);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_edge),
		cmocka_unit_test(test_immediate_action),
		cmocka_unit_test(test_investigation),
		cmocka_unit_test(test_determination),
		cmocka_unit_test(test_measures_followup_close_archive),
		cmocka_unit_test(test_appeal),
		cmocka_unit_test(test_grades_and_names),
		cmocka_unit_test(test_missing_texts),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
