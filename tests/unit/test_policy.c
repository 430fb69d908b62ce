/* test_policy.c: the one policy function, role by role and action by
 * action, with objects in the caller's own unit, elsewhere in the bureau,
 * and system-wide; and the role names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth/auth.h"

/* The city: bureau /1/, its office /1/3/, school A /1/7/20/, school B
 * /1/8/31/ (another township), an agency /1/40/. */
#define BUREAU "/1/"
#define OFFICE "/1/3/"
#define SCHOOL_A "/1/7/20/"
#define SCHOOL_B "/1/8/31/"
#define AGENCY "/1/40/"

static principal
who(enum role r, const char *unit, const char *scope)
{
	principal p;
	memset(&p, 0, sizeof p);
	p.roles = ROLE_BIT(r);
	snprintf(p.unit_path, sizeof p.unit_path, "%s", unit);
	snprintf(p.scope_path, sizeof p.scope_path, "%s", scope);
	return p;
}

static principal
bureau_role(enum role r)
{
	return who(r, OFFICE, BUREAU);
}

static principal
school_role(enum role r)
{
	return who(r, SCHOOL_A, SCHOOL_A);
}

static void
test_nobody_and_nonsense(void **state)
{
	assert_false(policy_allow(NULL, A_UNIT_READ, SCHOOL_A));
	principal p = bureau_role(ROLE_LEADER);
	assert_false(policy_allow(&p, A__COUNT, SCHOOL_A));
	assert_false(policy_allow(&p, (enum action)-1, SCHOOL_A));
	principal none = who(ROLE_LEADER, OFFICE, BUREAU);
	none.roles = 0;
	for (int a = 0; a < A__COUNT; a++)
		assert_false(policy_allow(&none, (enum action)a, SCHOOL_A));
}

static void
test_bureau_reaches_every_school(void **state)
{
	static const enum role bureau[] = { ROLE_LEADER, ROLE_OFFICE_DIRECTOR,
		ROLE_OFFICE_STAFF, ROLE_INSPECTOR, ROLE_SECTION_STAFF };
	for (size_t i = 0; i < sizeof bureau / sizeof bureau[0]; i++) {
		principal p = bureau_role(bureau[i]);
		assert_true(policy_allow(&p, A_UNIT_READ, SCHOOL_A));
		assert_true(policy_allow(&p, A_UNIT_READ, SCHOOL_B));
		assert_true(policy_allow(&p, A_COMMITTEE_READ, SCHOOL_B));
		/* Never the administrators' own business. */
		assert_false(policy_allow(&p, A_AUDIT_READ, NULL));
		assert_false(policy_allow(&p, A_ROLE_ASSIGN, SCHOOL_A));
		assert_false(policy_allow(&p, A_ACCOUNT_WRITE, SCHOOL_A));
		assert_false(policy_allow(&p, A_POLICY_WRITE, NULL));
		/* A bureau's reach ends at the bureau. */
		assert_false(policy_allow(&p, A_UNIT_READ, "/2/5/"));
		assert_false(policy_allow(&p, A_UNIT_READ, "/10/"));
	}
	principal office = bureau_role(ROLE_OFFICE_STAFF);
	assert_true(policy_allow(&office, A_UNIT_CREATE, BUREAU));
	assert_true(policy_allow(&office, A_COMMITTEE_WRITE, SCHOOL_B));
	assert_true(policy_allow(&office, A_IMPORT, BUREAU));
	assert_true(policy_allow(&office, A_CALENDAR_WRITE, BUREAU));
	principal inspector = bureau_role(ROLE_INSPECTOR);
	assert_false(policy_allow(&inspector, A_CALENDAR_WRITE, BUREAU));
	assert_false(policy_allow(&inspector, A_UNIT_UPDATE, SCHOOL_A));
	assert_false(policy_allow(&inspector, A_COMMITTEE_WRITE, SCHOOL_A));
	principal director = bureau_role(ROLE_OFFICE_DIRECTOR);
	assert_true(policy_allow(&director, A_ACCOUNT_READ, SCHOOL_B));
	assert_false(policy_allow(&office, A_ACCOUNT_READ, SCHOOL_B));
}

static void
test_school_sees_only_itself(void **state)
{
	static const enum role school[] = { ROLE_PRINCIPAL, ROLE_COMMITTEE,
		ROLE_HEAD_TEACHER, ROLE_COUNSELLOR, ROLE_TEACHER };
	for (size_t i = 0; i < sizeof school / sizeof school[0]; i++) {
		principal p = school_role(school[i]);
		assert_true(policy_allow(&p, A_UNIT_READ, SCHOOL_A));
		assert_true(policy_allow(&p, A_COMMITTEE_READ, SCHOOL_A));
		for (int a = 0; a < A__COUNT; a++) {
			assert_false(policy_allow(&p, (enum action)a, SCHOOL_B));
			assert_false(policy_allow(&p, (enum action)a, BUREAU));
			assert_false(policy_allow(&p, (enum action)a, NULL));
		}
		/* A unit under the school (should one ever exist) is not the school. */
		assert_false(policy_allow(&p, A_UNIT_READ, "/1/7/20/99/"));
	}
	principal head = school_role(ROLE_PRINCIPAL);
	assert_true(policy_allow(&head, A_UNIT_UPDATE, SCHOOL_A));
	assert_true(policy_allow(&head, A_COMMITTEE_WRITE, SCHOOL_A));
	assert_true(policy_allow(&head, A_CLASS_WRITE, SCHOOL_A));
	assert_true(policy_allow(&head, A_ACCOUNT_READ, SCHOOL_A));
	assert_false(policy_allow(&head, A_ACCOUNT_WRITE, SCHOOL_A));
	principal teacher = school_role(ROLE_TEACHER);
	assert_false(policy_allow(&teacher, A_UNIT_UPDATE, SCHOOL_A));
	assert_false(policy_allow(&teacher, A_COMMITTEE_WRITE, SCHOOL_A));
	assert_false(policy_allow(&teacher, A_ACCOUNT_READ, SCHOOL_A));
}

static void
test_agency(void **state)
{
	principal p = who(ROLE_AGENCY, AGENCY, AGENCY);
	assert_true(policy_allow(&p, A_UNIT_READ, AGENCY));
	assert_false(policy_allow(&p, A_UNIT_READ, SCHOOL_A));
	assert_false(policy_allow(&p, A_COMMITTEE_READ, AGENCY));
	assert_false(policy_allow(&p, A_UNIT_UPDATE, AGENCY));
}

static void
test_three_separated_administrators(void **state)
{
	principal sys = who(ROLE_SYSADMIN, BUREAU, BUREAU);
	principal sec = who(ROLE_SECADMIN, BUREAU, BUREAU);
	principal aud = who(ROLE_AUDITADMIN, BUREAU, BUREAU);
	/* System administrator: accounts and settings, anywhere. */
	assert_true(policy_allow(&sys, A_ACCOUNT_WRITE, SCHOOL_B));
	assert_true(policy_allow(&sys, A_SETTINGS_WRITE, NULL));
	assert_true(policy_allow(&sys, A_CALENDAR_WRITE, BUREAU));
	assert_false(policy_allow(&sec, A_CALENDAR_WRITE, BUREAU));
	assert_false(policy_allow(&sys, A_ROLE_ASSIGN, SCHOOL_B));
	assert_false(policy_allow(&sys, A_POLICY_WRITE, NULL));
	assert_false(policy_allow(&sys, A_AUDIT_READ, NULL));
	assert_false(policy_allow(&sys, A_COMMITTEE_READ, SCHOOL_A));
	/* Security administrator: roles and policy. */
	assert_true(policy_allow(&sec, A_ROLE_ASSIGN, SCHOOL_B));
	assert_true(policy_allow(&sec, A_POLICY_WRITE, NULL));
	assert_false(policy_allow(&sec, A_ACCOUNT_WRITE, SCHOOL_B));
	assert_false(policy_allow(&sec, A_SETTINGS_WRITE, NULL));
	assert_false(policy_allow(&sec, A_AUDIT_READ, NULL));
	/* Audit administrator: the audit log and nothing else. */
	assert_true(policy_allow(&aud, A_AUDIT_READ, NULL));
	for (int a = 0; a < A__COUNT; a++)
		if (a != A_AUDIT_READ) {
			assert_false(policy_allow(&aud, (enum action)a, SCHOOL_A));
			assert_false(policy_allow(&aud, (enum action)a, NULL));
		}
}

static void
test_within(void **state)
{
	assert_true(unit_within("/1/7/20/", "/1/"));
	assert_true(unit_within("/1/", "/1/"));
	assert_false(unit_within("/10/", "/1/"));
	assert_false(unit_within("/1/", "/1/7/"));
	assert_false(unit_within("/1/", ""));
}

static void
test_role_names(void **state)
{
	for (int i = 0; i < ROLE__COUNT; i++) {
		enum role r;
		assert_int_equal(role_parse(role_name((enum role)i), &r), XA_OK);
		assert_int_equal(r, i);
	}
	enum role r;
	assert_int_equal(role_parse("root", &r), XA_EINVAL);
	assert_string_equal(role_name(ROLE_OFFICE_DIRECTOR), "office_director");
	assert_string_equal(action_name(A_AUDIT_READ), "audit.read");
	for (int a = 0; a < A__COUNT; a++)
		assert_true(strlen(action_name((enum action)a)) > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nobody_and_nonsense),
		cmocka_unit_test(test_bureau_reaches_every_school),
		cmocka_unit_test(test_school_sees_only_itself),
		cmocka_unit_test(test_agency),
		cmocka_unit_test(test_three_separated_administrators),
		cmocka_unit_test(test_within),
		cmocka_unit_test(test_role_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
