/* rules.c: the case state machine of regulation.md §3 and what each step
 * needs, and the time limits.
 *
 * Pure functions over case_facts and transition_in: no database, no
 * clock, so every allowed and refused transition is tested directly
 * (tests/unit/test_case_rules.c). A limit that has passed never blocks a
 * step: time limits warn and escalate, they do not refuse. What is
 * missing is said as catalog keys ("missing.*") in the order a person
 * would put it right. */
#include "cases.h"

#include <string.h>

#include "../auth/settings.h"

static const char *const state_names[CS__COUNT] = {
	[CS_REPORTED] = "reported",
	[CS_IMMEDIATE] = "immediate_action",
	[CS_INVESTIGATING] = "investigating",
	[CS_AWAITING] = "awaiting_determination",
	[CS_DETERMINED] = "determined",
	[CS_MEASURES] = "measures",
	[CS_FOLLOW_UP] = "follow_up",
	[CS_CLOSED] = "closed",
	[CS_ARCHIVED] = "archived",
	[CS_APPEAL] = "appeal",
	[CS_REVIEW] = "county_review",
};

const char *
case_state_name(enum case_state s)
{
	return (unsigned)s < CS__COUNT ? state_names[s] : "";
}

xa_err
case_state_parse(const char *name, enum case_state *out)
{
	if (name == NULL)
		return XA_EINVAL;
	for (int i = 0; i < CS__COUNT; i++)
		if (strcmp(state_names[i], name) == 0) {
			*out = (enum case_state)i;
			return XA_OK;
		}
	return XA_EINVAL;
}

/* The states from which a party may appeal: once there is a
 * determination, until the case is archived. */
static bool
appealable(enum case_state s)
{
	return s == CS_DETERMINED || s == CS_MEASURES || s == CS_FOLLOW_UP ||
	    s == CS_CLOSED;
}

bool
case_edge(enum case_state from, enum case_state to, enum case_state resume)
{
	switch (from) {
	case CS_REPORTED:
		return to == CS_IMMEDIATE;
	case CS_IMMEDIATE:
		return to == CS_INVESTIGATING;
	case CS_INVESTIGATING:
		return to == CS_AWAITING;
	case CS_AWAITING:
		/* The committee may send it back for more investigation. */
		return to == CS_DETERMINED || to == CS_INVESTIGATING;
	case CS_DETERMINED:
		return to == CS_MEASURES || to == CS_CLOSED || to == CS_APPEAL;
	case CS_MEASURES:
		return to == CS_FOLLOW_UP || to == CS_APPEAL;
	case CS_FOLLOW_UP:
		return to == CS_CLOSED || to == CS_APPEAL;
	case CS_CLOSED:
		return to == CS_ARCHIVED || to == CS_APPEAL;
	case CS_ARCHIVED:
		return false;
	case CS_APPEAL:
		return to == CS_REVIEW || (appealable(resume) && to == resume);
	case CS_REVIEW:
		return to == CS_DETERMINED;
	default:
		return false;
	}
}

bool
case_state_final(enum case_state s)
{
	return s == CS_CLOSED || s == CS_ARCHIVED;
}

static bool
empty(const char *s)
{
	return s == NULL || *s == '\0';
}

static void
need(missing *m, const char *key)
{
	if (m->n < MISSING_MAX)
		m->keys[m->n++] = key;
}

/* Both sides' guardians told (未成年人保护法 第三十九条). */
static void
need_guardians(const case_facts *f, missing *m)
{
	if (f->victims_notified < f->victims)
		need(m, "missing.guardians_victim");
	if (f->perpetrators_notified < f->perpetrators)
		need(m, "missing.guardians_perpetrator");
}

/* A determination by the school's committee (from CS_AWAITING) or by the
 * county review (from CS_REVIEW: the panel decides, not the roster). */
static void
check_determination(const case_facts *f, const transition_in *in, bool committee,
    missing *m)
{
	if (committee) {
		if (empty(in->meeting_date))
			need(m, "missing.meeting_date");
		else if (in->roster_members == 0)
			need(m, "missing.roster");
		else if (!in->roster_complete)
			need(m, "missing.roster_incomplete");
		if (in->participants == 0)
			need(m, "missing.participants");
		if (in->participants_off_roster)
			need(m, "missing.participants_off_roster");
		need_guardians(f, m);
	}
	bool valid = names_has(case_findings, in->finding);
	if (!valid)
		need(m, "missing.finding");
	if (!names_has(determination_bases, in->basis))
		need(m, "missing.basis");
	if (valid && strcmp(in->finding, "bullying") == 0) {
		if (!names_csv_ok(behaviour_kinds, in->behaviours))
			need(m, "missing.behaviours");
		if (!names_csv_ok(harm_kinds, in->harms))
			need(m, "missing.harms");
		if (!names_has(intent_kinds, in->intent))
			need(m, "missing.intent");
		else if (strcmp(in->intent, "none") == 0)
			need(m, "missing.intent_for_bullying");
		if (!names_csv_ok(imbalance_kinds, in->imbalance))
			need(m, "missing.imbalance");
		else if (strstr(in->imbalance, "none") != NULL)
			need(m, "missing.imbalance_for_bullying");
		if (!names_has(repetition_kinds, in->repetition))
			need(m, "missing.repetition");
		if (!names_has(report_places, in->place) ||
		    strcmp(in->place, "unknown") == 0)
			need(m, "missing.place");
		if (!names_has(case_tiers, in->tier))
			need(m, "missing.tier");
		else if (strcmp(in->tier, "unlawful") == 0 && f->police_referrals == 0)
			need(m, "missing.police_referral_unlawful");
	}
	if (empty(in->reasons))
		need(m, "missing.reasons");
}

void
case_check(const case_facts *f, const transition_in *in, missing *m)
{
	m->n = 0;
	enum case_state to = in->to;
	if (!case_edge(f->state, to, f->resume)) {
		need(m, "missing.no_such_step");
		return;
	}
	bool bullying = f->finding != NULL && strcmp(f->finding, "bullying") == 0;
	switch (f->state) {
	case CS_REPORTED:	/* → immediate action: whom to protect */
		if (f->victims == 0)
			need(m, "missing.victim_party");
		break;
	case CS_IMMEDIATE:	/* → investigating: the bullying stopped, the
				 * victim safe, both families told; a serious case
				 * reported to the police and the bureau (law) */
		if (f->stop_events == 0)
			need(m, "missing.stop");
		if (f->protection_events == 0)
			need(m, "missing.protection");
		need_guardians(f, m);
		if (f->serious_flag && f->police_referrals == 0)
			need(m, "missing.police_report");
		if (f->serious_flag && f->bureau_reports == 0)
			need(m, "missing.bureau_report");
		break;
	case CS_INVESTIGATING:	/* → awaiting determination */
		if (f->perpetrators == 0)
			need(m, "missing.perpetrator_party");
		if (f->investigation_records == 0)
			need(m, "missing.investigation");
		break;
	case CS_AWAITING:
		if (to == CS_DETERMINED)
			check_determination(f, in, true, m);
		break;
	case CS_REVIEW:		/* → determined by the county review */
		check_determination(f, in, false, m);
		break;
	case CS_DETERMINED:
		if (to == CS_MEASURES) {
			if (!bullying) {
				need(m, "missing.not_bullying_no_measures");
				break;
			}
			if (f->measures == 0 || f->perpetrators_without_measure > 0)
				need(m, "missing.measures_each_perpetrator");
			if (f->outcome_notified < f->victims + f->perpetrators)
				need(m, "missing.outcome_notice");
		} else if (to == CS_CLOSED) {
			if (bullying)
				need(m, "missing.bullying_needs_measures");
			if (f->outcome_notified < f->victims + f->perpetrators)
				need(m, "missing.outcome_notice");
		}
		break;
	case CS_MEASURES:
		if (to == CS_FOLLOW_UP) {
			if (f->measures_not_told > 0)
				need(m, "missing.measures_not_told");
			if (f->measures_not_done > 0)
				need(m, "missing.measures_not_done");
		}
		break;
	case CS_FOLLOW_UP:
		if (to == CS_CLOSED) {
			if (f->victims_without_followup > 0)
				need(m, "missing.followup_victim");
			if (f->perpetrators_without_followup > 0)
				need(m, "missing.followup_perpetrator");
		}
		break;
	case CS_CLOSED:
		if (to == CS_ARCHIVED) {
			if (f->open_supervisions > 0)
				need(m, "missing.open_supervision");
			if (f->open_appeals > 0)
				need(m, "missing.open_appeal");
			if (f->appeal_window_days > 0 &&
			    f->now < f->closed_at + f->appeal_window_days * 86400)
				need(m, "missing.appeal_window");
		}
		break;
	case CS_APPEAL:
		if (to == CS_REVIEW) {
			if (empty(in->outcome) || strcmp(in->outcome, "review") != 0)
				need(m, "missing.appeal_outcome");
			if (empty(in->panel))
				need(m, "missing.review_panel");
		} else {
			if (empty(in->outcome) || strcmp(in->outcome, "upheld") != 0)
				need(m, "missing.appeal_outcome");
		}
		break;
	default:
		break;
	}
	if (to == CS_APPEAL) {
		if (empty(in->lodged_on))
			need(m, "missing.appeal_lodged_on");
		if (empty(in->lodged_by))
			need(m, "missing.appeal_lodged_by");
		if (f->open_appeals > 0)
			need(m, "missing.appeal_pending");
		/* The window, when the bureau sets one, runs from the
		 * determination's day. */
		xa_day lodged;
		if (!empty(in->lodged_on) && f->appeal_window_days > 0 &&
		    f->determined_day > 0 && day_parse(in->lodged_on, &lodged) == XA_OK &&
		    lodged > f->determined_day + f->appeal_window_days)
			need(m, "missing.appeal_late");
	}
}

/* --- Time limits. */

static enum limit_unit
unit_of(long v)
{
	return v == 0 ? LIMIT_HOURS : v == 2 ? LIMIT_WORKDAYS : LIMIT_DAYS;
}

void
case_limits_load(db *conn, case_limits *out)
{
	out->immediate.amount = setting_get(conn, S_CASE_IMMEDIATE_AMOUNT);
	out->immediate.unit = unit_of(setting_get(conn, S_CASE_IMMEDIATE_UNIT));
	out->police.amount = setting_get(conn, S_CASE_POLICE_AMOUNT);
	out->police.unit = unit_of(setting_get(conn, S_CASE_POLICE_UNIT));
	out->investigation.amount = setting_get(conn, S_CASE_INVEST_AMOUNT);
	out->investigation.unit = unit_of(setting_get(conn, S_CASE_INVEST_UNIT));
	out->review.amount = setting_get(conn, S_CASE_REVIEW_AMOUNT);
	out->review.unit = unit_of(setting_get(conn, S_CASE_REVIEW_UNIT));
	out->appeal_window_days = setting_get(conn, S_CASE_APPEAL_WINDOW);
	out->followup_days = setting_get(conn, S_CASE_FOLLOWUP_DAYS);
}

int64_t
case_due(enum case_state s, int64_t since, const case_limits *lim,
    const calendar *cal, long zone)
{
	const case_limit *l;
	switch (s) {
	case CS_REPORTED:
	case CS_IMMEDIATE:
		l = &lim->immediate;
		break;
	case CS_INVESTIGATING:
		l = &lim->investigation;
		break;
	case CS_REVIEW:
		l = &lim->review;
		break;
	default:
		return 0;
	}
	return deadline_due(cal, since, l->amount, l->unit, zone);
}
