/* policy.c: roles and the policy table behind auth.h.
 *
 * The table says, per action, which roles may act and how far their reach
 * goes. It is data on purpose: the authorisation-matrix test walks every
 * route × role × own/other unit against it, and a reviewer can read the
 * whole of the rule in one screen. Never add a special case outside it. */
#include "auth.h"

#include <string.h>

static const char *const role_names[ROLE__COUNT] = {
	[ROLE_LEADER] = "leader",
	[ROLE_OFFICE_DIRECTOR] = "office_director",
	[ROLE_OFFICE_STAFF] = "office_staff",
	[ROLE_INSPECTOR] = "inspector",
	[ROLE_SECTION_STAFF] = "section_staff",
	[ROLE_PRINCIPAL] = "principal",
	[ROLE_COMMITTEE] = "committee_member",
	[ROLE_HEAD_TEACHER] = "head_teacher",
	[ROLE_COUNSELLOR] = "counsellor",
	[ROLE_TEACHER] = "teacher",
	[ROLE_AGENCY] = "agency_liaison",
	[ROLE_SYSADMIN] = "sysadmin",
	[ROLE_SECADMIN] = "secadmin",
	[ROLE_AUDITADMIN] = "auditadmin",
};

const char *const member_types[] = {
	"staff", "legal_vp", "legal_adviser", "outside_expert", "parent_rep",
	"student_rep", "community_worker", NULL,
};

const char *
role_name(enum role r)
{
	return (unsigned)r < ROLE__COUNT ? role_names[r] : "";
}

xa_err
role_parse(const char *name, enum role *out)
{
	for (int i = 0; i < ROLE__COUNT; i++) {
		if (strcmp(name, role_names[i]) == 0) {
			*out = (enum role)i;
			return XA_OK;
		}
	}
	return XA_EINVAL;
}

/* How far a grant reaches. */
enum reach {
	OWN,	/* the principal's own unit only */
	TREE,	/* the principal's unit and everything under it */
	ALL,	/* everything (administrators, system-wide objects) */
};

struct grant {
	unsigned roles;
	enum reach reach;
};

#define B(r) ROLE_BIT(r)
#define BUREAU_OFFICE (B(ROLE_LEADER) | B(ROLE_OFFICE_DIRECTOR) | B(ROLE_OFFICE_STAFF))

/* Up to three grants per action; the first that matches allows. */
static const struct {
	const char *name;
	struct grant g[3];
} table[A__COUNT] = {
	[A_UNIT_READ] = { "unit.read", {
		{ ROLES_BUREAU, TREE },
		{ ROLES_SCHOOL | B(ROLE_AGENCY), OWN },
		{ B(ROLE_SYSADMIN) | B(ROLE_SECADMIN), ALL } } },
	[A_UNIT_CREATE] = { "unit.create", {
		{ BUREAU_OFFICE, TREE },
		{ B(ROLE_SYSADMIN), ALL } } },
	[A_UNIT_UPDATE] = { "unit.update", {
		{ BUREAU_OFFICE, TREE },
		{ B(ROLE_PRINCIPAL), OWN },
		{ B(ROLE_SYSADMIN), ALL } } },
	[A_CLASS_WRITE] = { "class.write", {
		{ BUREAU_OFFICE, TREE },
		{ B(ROLE_PRINCIPAL), OWN },
		{ B(ROLE_SYSADMIN), ALL } } },
	[A_COMMITTEE_READ] = { "committee.read", {
		{ ROLES_BUREAU, TREE },
		{ ROLES_SCHOOL, OWN } } },
	[A_COMMITTEE_WRITE] = { "committee.write", {
		{ BUREAU_OFFICE, TREE },
		{ B(ROLE_PRINCIPAL), OWN } } },
	[A_ACCOUNT_READ] = { "account.read", {
		{ B(ROLE_SYSADMIN) | B(ROLE_SECADMIN), ALL },
		{ B(ROLE_PRINCIPAL), OWN },
		{ B(ROLE_OFFICE_DIRECTOR), TREE } } },
	[A_ACCOUNT_WRITE] = { "account.write", {
		{ B(ROLE_SYSADMIN), ALL } } },
	[A_ROLE_ASSIGN] = { "role.assign", {
		{ B(ROLE_SECADMIN), ALL } } },
	[A_AUDIT_READ] = { "audit.read", {
		{ B(ROLE_AUDITADMIN), ALL } } },
	[A_SETTINGS_WRITE] = { "settings.write", {
		{ B(ROLE_SYSADMIN), ALL } } },
	[A_POLICY_WRITE] = { "policy.write", {
		{ B(ROLE_SECADMIN), ALL } } },
	[A_IMPORT] = { "import", {
		{ B(ROLE_OFFICE_DIRECTOR) | B(ROLE_OFFICE_STAFF), TREE },
		{ B(ROLE_SYSADMIN), ALL } } },
	[A_CALENDAR_WRITE] = { "calendar.write", {
		{ BUREAU_OFFICE, TREE },
		{ B(ROLE_SYSADMIN), ALL } } },
	/* Cases: the school's own people handle them; the bureau reads them
	 * de-identified (cases.h decides identities) and supervises; the
	 * administrators never see case content. Teachers reach the cases
	 * they reported or own through case_access_for(), not here. */
	[A_REPORT_CREATE] = { "report.create", {
		{ ROLES_SCHOOL, OWN },
		{ BUREAU_OFFICE, TREE } } },
	[A_REPORT_TRIAGE] = { "report.triage", {
		{ B(ROLE_PRINCIPAL) | B(ROLE_COMMITTEE), OWN },
		{ BUREAU_OFFICE, TREE } } },
	[A_CASE_READ] = { "case.read", {
		{ B(ROLE_PRINCIPAL) | B(ROLE_COMMITTEE) | B(ROLE_COUNSELLOR), OWN },
		{ ROLES_BUREAU, TREE } } },
	[A_CASE_WRITE] = { "case.write", {
		{ B(ROLE_PRINCIPAL) | B(ROLE_COMMITTEE), OWN } } },
	[A_CATALOGUE_WRITE] = { "catalogue.write", {
		{ B(ROLE_PRINCIPAL), OWN },
		{ BUREAU_OFFICE, TREE } } },
	[A_COUNSEL_READ] = { "counsel.read", {
		{ B(ROLE_PRINCIPAL) | B(ROLE_COUNSELLOR), OWN } } },
	[A_SUPERVISE] = { "supervise", {
		{ BUREAU_OFFICE | B(ROLE_LEADER), TREE } } },
	[A_APPEAL] = { "appeal", {
		{ BUREAU_OFFICE, TREE } } },
	[A_IDENTITY_APPROVE] = { "identity.approve", {
		{ B(ROLE_OFFICE_DIRECTOR) | B(ROLE_LEADER), TREE } } },
	[A_NOTIFY_RULES] = { "notify.rules", {
		{ B(ROLE_OFFICE_DIRECTOR) | B(ROLE_LEADER), TREE } } },
	/* The survey's results are aggregates with small cells suppressed:
	 * the school's leaders and the teachers who look after pupils read
	 * their own school's; the bureau reads the city. */
	[A_SURVEY_RESULTS] = { "survey.results", {
		{ B(ROLE_PRINCIPAL) | B(ROLE_COMMITTEE) | B(ROLE_COUNSELLOR) |
		  B(ROLE_HEAD_TEACHER), OWN },
		{ ROLES_BUREAU, TREE } } },
	[A_SURVEY_WARNING] = { "survey.warning", {
		{ B(ROLE_PRINCIPAL) | B(ROLE_COMMITTEE), OWN },
		{ BUREAU_OFFICE, TREE } } },
	/* The survey: the office opens one for schools, a school for itself;
	 * only the school's own people get the codes (a slip is a key). */
	[A_SURVEY_OPEN] = { "survey.open", {
		{ BUREAU_OFFICE, TREE },
		{ B(ROLE_PRINCIPAL) | B(ROLE_COMMITTEE), OWN } } },
	[A_SURVEY_SLIPS] = { "survey.slips", {
		{ B(ROLE_PRINCIPAL) | B(ROLE_COMMITTEE) | B(ROLE_HEAD_TEACHER) |
		  B(ROLE_COUNSELLOR), OWN } } },
	/* The questionnaires are the city's: the bureau office edits them. */
	[A_SURVEY_TEMPLATE] = { "survey.template", {
		{ BUREAU_OFFICE, TREE } } },
	/* Prevention records: the school's own people read them and those
	 * who run the work (principal, committee, head teachers for their
	 * class meetings, the counsellor for sessions) write them; the
	 * bureau reads every school's and writes none. */
	[A_PREVENTION_READ] = { "prevention.read", {
		{ ROLES_SCHOOL, OWN },
		{ ROLES_BUREAU, TREE } } },
	[A_PREVENTION_WRITE] = { "prevention.write", {
		{ B(ROLE_PRINCIPAL) | B(ROLE_COMMITTEE) | B(ROLE_HEAD_TEACHER) |
		  B(ROLE_COUNSELLOR), OWN } } },
	/* The bureau's oversight (issue 7). A school's leaders read and submit
	 * its return; the office reviews every school's. */
	[A_RETURN_READ] = { "return.read", {
		{ B(ROLE_PRINCIPAL) | B(ROLE_COMMITTEE), OWN },
		{ ROLES_BUREAU, TREE } } },
	[A_RETURN_SUBMIT] = { "return.submit", {
		{ B(ROLE_PRINCIPAL) | B(ROLE_COMMITTEE), OWN } } },
	[A_RETURN_REVIEW] = { "return.review", {
		{ BUREAU_OFFICE, TREE } } },
	/* Inspection: inspectors and the office run it; the school sees its
	 * own results and answers its rectification tasks. */
	[A_INSPECT_READ] = { "inspect.read", {
		{ B(ROLE_PRINCIPAL) | B(ROLE_COMMITTEE), OWN },
		{ ROLES_BUREAU, TREE } } },
	[A_INSPECT_WRITE] = { "inspect.write", {
		{ BUREAU_OFFICE | B(ROLE_INSPECTOR), TREE } } },
	[A_RECTIFY] = { "inspect.rectify", {
		{ B(ROLE_PRINCIPAL) | B(ROLE_COMMITTEE), OWN } } },
	/* Accountability names people: the office reads it, its director and
	 * the leader decide it. */
	[A_ACCOUNTABILITY_READ] = { "accountability.read", {
		{ BUREAU_OFFICE, TREE } } },
	[A_ACCOUNTABILITY_WRITE] = { "accountability.write", {
		{ B(ROLE_OFFICE_DIRECTOR) | B(ROLE_LEADER), TREE } } },
	/* The public directory: a school files its entry, the office approves. */
	[A_DIRECTORY_FILE] = { "directory.file", {
		{ B(ROLE_PRINCIPAL) | B(ROLE_COMMITTEE), OWN } } },
	[A_DIRECTORY_APPROVE] = { "directory.approve", {
		{ BUREAU_OFFICE, TREE } } },
	/* The yearly self-evaluation and the city report. */
	[A_EVALUATION_READ] = { "evaluation.read", {
		{ B(ROLE_PRINCIPAL) | B(ROLE_COMMITTEE), OWN },
		{ ROLES_BUREAU, TREE } } },
	[A_EVALUATION_WRITE] = { "evaluation.write", {
		{ B(ROLE_PRINCIPAL) | B(ROLE_COMMITTEE), OWN } } },
	[A_CITY_REPORT] = { "city_report", {
		{ BUREAU_OFFICE, TREE } } },
	[A_DASHBOARD] = { "dashboard", {
		{ B(ROLE_PRINCIPAL) | B(ROLE_COMMITTEE), OWN },
		{ ROLES_BUREAU, TREE } } },
	/* Public-opinion monitoring: the office's own register (items may
	 * name a child, so not every bureau account); its feeds, the tokens
	 * of outside services and the lexicon are the director's and the
	 * leader's. */
	[A_SENTIMENT] = { "sentiment", {
		{ BUREAU_OFFICE, TREE } } },
	[A_SENTIMENT_CONFIG] = { "sentiment.config", {
		{ B(ROLE_OFFICE_DIRECTOR) | B(ROLE_LEADER), TREE } } },
};

const char *
action_name(enum action a)
{
	return (unsigned)a < A__COUNT ? table[a].name : "";
}

bool
unit_within(const char *inner, const char *outer)
{
	size_t n = strlen(outer);
	return n > 0 && strncmp(inner, outer, n) == 0;
}

bool
policy_allow(const principal *p, enum action a, const char *object_path)
{
	if (p == NULL || (unsigned)a >= A__COUNT)
		return false;
	for (int i = 0; i < 3; i++) {
		const struct grant *g = &table[a].g[i];
		if ((g->roles & p->roles) == 0)
			continue;
		switch (g->reach) {
		case ALL:
			return true;
		case TREE:
			if (object_path != NULL && unit_within(object_path, p->scope_path))
				return true;
			break;
		case OWN:
			if (object_path != NULL && strcmp(object_path, p->unit_path) == 0)
				return true;
			break;
		}
	}
	return false;
}
