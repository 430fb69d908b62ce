/* auth.h: who is asking, and may they. Roles, the signed-in principal,
 * and the one policy function that decides every access.
 *
 * Roles belong to an account in its unit. Scope comes from the unit tree:
 * a bureau role reaches every unit under the bureau; a school or agency
 * role reaches its own unit only; the three separated administrators
 * (三员分立) reach everything, but only for their own kind of action
 * (accounts and settings; roles and policy; the audit log) and never case
 * content. An object outside the caller's scope must be answered exactly
 * like a missing one (404), which is why policy_allow() takes the
 * object's unit and nothing else about it. */
#ifndef XA_AUTH_H
#define XA_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/err.h"

enum role {
	ROLE_LEADER,		/* 领导小组组长 (bureau head) */
	ROLE_OFFICE_DIRECTOR,	/* 办公室主任 */
	ROLE_OFFICE_STAFF,	/* 办公室工作人员 */
	ROLE_INSPECTOR,		/* 督导室 */
	ROLE_SECTION_STAFF,	/* 科室工作人员 */
	ROLE_PRINCIPAL,		/* 校长 */
	ROLE_COMMITTEE,		/* 学生欺凌治理委员会委员 (with a member type) */
	ROLE_HEAD_TEACHER,	/* 班主任 */
	ROLE_COUNSELLOR,	/* 心理健康教师 */
	ROLE_TEACHER,		/* 教师 */
	ROLE_AGENCY,		/* 协作单位联络员 */
	ROLE_SYSADMIN,		/* 系统管理员 */
	ROLE_SECADMIN,		/* 安全管理员 */
	ROLE_AUDITADMIN,	/* 审计管理员 */
	ROLE__COUNT
};

#define ROLE_BIT(r) (1u << (r))
#define ROLES_BUREAU (ROLE_BIT(ROLE_LEADER) | ROLE_BIT(ROLE_OFFICE_DIRECTOR) | \
	ROLE_BIT(ROLE_OFFICE_STAFF) | ROLE_BIT(ROLE_INSPECTOR) | ROLE_BIT(ROLE_SECTION_STAFF))
#define ROLES_SCHOOL (ROLE_BIT(ROLE_PRINCIPAL) | ROLE_BIT(ROLE_COMMITTEE) | \
	ROLE_BIT(ROLE_HEAD_TEACHER) | ROLE_BIT(ROLE_COUNSELLOR) | ROLE_BIT(ROLE_TEACHER))
#define ROLES_ADMIN (ROLE_BIT(ROLE_SYSADMIN) | ROLE_BIT(ROLE_SECADMIN) | \
	ROLE_BIT(ROLE_AUDITADMIN))

/* "office_director" and back; the catalog key of a role is "role.NAME". */
const char *role_name(enum role r);
xa_err role_parse(const char *name, enum role *out);

/* Committee member types (regulation.md §2). */
extern const char *const member_types[];	/* NULL-terminated */

/* The signed-in account, as the server hands it to handlers. */
typedef struct principal {
	int64_t account_id;
	int64_t session_id;
	int64_t unit_id;
	char unit_path[96];	/* "/1/4/27/" */
	char scope_path[96];	/* where TREE grants reach: the bureau's path
				 * for accounts of the bureau and its sections,
				 * else unit_path */
	char unit_kind[16];	/* bureau, school, agency, ... */
	char username[64];
	char display_name[96];
	unsigned roles;		/* ROLE_BIT()s */
	char csrf[48];		/* the session's CSRF token */
	bool must_change;	/* password expired or temporary */
	bool needs_mfa;		/* two-factor required but not set up */
} principal;

enum action {
	A_UNIT_READ,		/* see a unit's profile, classes, contact */
	A_UNIT_CREATE,		/* add a unit under another */
	A_UNIT_UPDATE,		/* change a unit's profile */
	A_CLASS_WRITE,		/* change a school's classes and head counts */
	A_COMMITTEE_READ,
	A_COMMITTEE_WRITE,
	A_ACCOUNT_READ,		/* list and see accounts of a unit */
	A_ACCOUNT_WRITE,	/* create, disable, reset accounts */
	A_ROLE_ASSIGN,		/* give or take roles */
	A_AUDIT_READ,		/* read and export the audit log */
	A_SETTINGS_WRITE,	/* system settings */
	A_POLICY_WRITE,		/* security policy: passwords, lockout, 2FA */
	A_IMPORT,		/* CSV import of schools, classes, staff */
	A_CALENDAR_WRITE,	/* the bureau's holidays and make-up days */
	A_REPORT_CREATE,	/* enter a report taken by phone, letter, in person */
	A_REPORT_TRIAGE,	/* read a queue's reports, assign, find unfounded */
	A_CASE_READ,		/* open a school's cases (the bureau: de-identified) */
	A_CASE_WRITE,		/* handle a case: parties, chronology, steps */
	A_CATALOGUE_WRITE,	/* a school's graded catalogue of measures */
	A_COUNSEL_READ,		/* counselling notes (counsellor, chair) */
	A_SUPERVISE,		/* bureau supervision of cases (督办) */
	A_APPEAL,		/* record appeals and the county review */
	A_IDENTITY_APPROVE,	/* approve a request to see identities */
	A_NOTIFY_RULES,		/* what notifies whom (the bureau's rules) */
	A_SURVEY_RESULTS,	/* read a survey's results and early warnings */
	A_SURVEY_WARNING,	/* raise, acknowledge, act on, close warnings */
	A_SURVEY_OPEN,		/* open and close a survey campaign */
	A_SURVEY_SLIPS,		/* a school's slip codes and their PDF */
	A_SURVEY_TEMPLATE,	/* edit the city's questionnaires */
	A_PREVENTION_READ,	/* a school's prevention records and compliance */
	A_PREVENTION_WRITE,	/* record sessions, class meetings, screenings, training */
	/* The bureau's oversight (issue 7). */
	A_RETURN_READ,		/* read a school's monthly returns */
	A_RETURN_SUBMIT,	/* check, remark on and submit the school's return */
	A_RETURN_REVIEW,	/* accept a return or send it back; late lists, export */
	A_INSPECT_READ,		/* inspection results and rectification tasks */
	A_INSPECT_WRITE,	/* campaigns, checklists, filling them, findings, re-checks */
	A_RECTIFY,		/* a school reports what it did about a finding */
	A_ACCOUNTABILITY_READ,	/* read accountability records (问责) */
	A_ACCOUNTABILITY_WRITE,	/* decide and record accountability */
	A_DIRECTORY_FILE,	/* file the school's anti-bullying office entry (备案) */
	A_DIRECTORY_APPROVE,	/* approve or refuse a filing */
	A_EVALUATION_READ,	/* read yearly self-evaluations */
	A_EVALUATION_WRITE,	/* fill and submit the school's self-evaluation */
	A_CITY_REPORT,		/* assemble and export the city's yearly report */
	A_DASHBOARD,		/* the dashboard: a school's own, the bureau's city */
	A_SENTIMENT,		/* public-opinion register: read, enter, handle items */
	A_SENTIMENT_CONFIG,	/* its feeds, service tokens and lexicon */
	A__COUNT
};

/* "unit.read" and so on, for the audit log and the authorisation tests. */
const char *action_name(enum action a);

/* The one decision: may p do a to an object in the unit whose path is
 * object_path ("/1/4/27/")? object_path NULL means "not tied to a unit"
 * (system-wide objects: settings, the audit log). A NULL p (not signed
 * in) is never allowed. */
bool policy_allow(const principal *p, enum action a, const char *object_path);

/* 1 when unit path `inner` is `outer` or lies under it. */
bool unit_within(const char *inner, const char *outer);

#endif
