/* names.c: the fixed vocabularies of reports and cases (cases.h).
 *
 * Each name is stored as is in the database and is the tail of its catalog
 * key, so a list here, a CHECK in a handler and the texts in
 * po/{zh,en}/casenames.po must agree; tests/unit/test_case_rules.c checks
 * that every name has its text in both languages. Never reorder a list
 * whose order means something (discipline grades go mildest first). */
#include "cases.h"

#include <string.h>

const char *const report_channels[] = { "online", "hotline", "school_phone",
	"in_person", "letter", "email", "observed", "survey", "media", NULL };
const char *const report_places[] = { "in_school", "outside", "online", "unknown",
	NULL };
const char *const behaviour_kinds[] = { "physical", "verbal", "property",
	"exclusion", "online", "other", NULL };
const char *const report_frequencies[] = { "once", "several", "ongoing", "unknown",
	NULL };
const char *const reporter_kinds[] = { "victim", "witness", "parent", "staff",
	"other", NULL };
const char *const report_statuses[] = { "new", "accepted", "unfounded", "prank",
	"joined", NULL };
const char *const party_roles[] = { "victim", "perpetrator", "witness",
	"bystander", NULL };
const char *const harm_kinds[] = { "physical", "property", "mental", NULL };
const char *const intent_kinds[] = { "deliberate", "malicious", "none", NULL };
const char *const imbalance_kinds[] = { "age", "body", "numbers", "none", NULL };
const char *const repetition_kinds[] = { "once", "repeated", NULL };
const char *const case_tiers[] = { "general", "serious", "repeated", "unlawful",
	NULL };
const char *const case_findings[] = { "bullying", "not_bullying", NULL };
const char *const determination_bases[] = { "mpl2020_130", "moe50_2021",
	"jd2017_10", NULL };
const char *const measure_kinds[] = { "education", "discipline", "protection",
	"family", "police", "other", NULL };
const char *const discipline_grades[] = { "warning", "serious_warning", "demerit",
	"probation", "expulsion_order", "expulsion", NULL };
const char *const event_kinds[] = { "opened", "note", "interview", "evidence",
	"guardian_notice", "stop", "protection", "referral", "bureau_report",
	"transition", "determination", "measure", "measure_told", "measure_done",
	"followup", "counselling", "supervision", "appeal", "identity_access",
	"correction", "legal_process", "message", "attachment", NULL };

bool
names_has(const char *const *list, const char *name)
{
	if (name == NULL)
		return false;
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

/* Walks "a,b,c": each item must be a known name, none twice. */
bool
names_csv_ok(const char *const *list, const char *csv)
{
	if (csv == NULL || *csv == '\0')
		return false;
	size_t seen = 0;	/* one bit per list position; lists are short */
	const char *p = csv;
	for (;;) {
		size_t n = strcspn(p, ",");
		size_t i;
		for (i = 0; list[i] != NULL; i++)
			if (strlen(list[i]) == n && strncmp(list[i], p, n) == 0)
				break;
		if (list[i] == NULL || i >= 8 * sizeof seen || (seen & ((size_t)1 << i)))
			return false;
		seen |= (size_t)1 << i;
		if (p[n] == '\0')
			return true;
		p += n + 1;
	}
}

bool
grade_needs_noncompulsory(const char *grade)
{
	return grade != NULL && (strcmp(grade, "probation") == 0 ||
	    strcmp(grade, "expulsion_order") == 0 || strcmp(grade, "expulsion") == 0);
}
