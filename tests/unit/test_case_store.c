/* test_case_store.c: the case store against a real SQLite file — case
 * numbers per school per year, the append-only chronology and its audit
 * records, optimistic concurrency on the state, automatic supervision,
 * the facts the rules count, and crypto-shredding: once a case's key is
 * destroyed its content can never be opened again, every row stays, and
 * the audit chain still verifies. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/audit.h"
#include "auth/keys.h"
#include "cases/cases.h"
#include "core/crypto.h"
#include "store/db.h"

#define SHANGHAI (8 * 3600)

static char dir[64], path[128];
static db *d;
static keys k;
static int64_t school_a, school_b;
static const audit_entry who = { .account_id = 0, .request_id = "t", .source = "test" };

static int64_t
one(const char *sql)
{
	int64_t v = -1;
	db_query_int(d, sql, &v);
	return v;
}

static int
setup(void **state)
{
	snprintf(dir, sizeof dir, "/tmp/xiaoan-case-store-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/x.db", dir);
	if (crypto_random(k.audit, 32) != XA_OK || crypto_random(k.data, 32) != XA_OK)
		return -1;
	keys_set(&k);
	if (db_open(path, DB_CREATE, &d) != XA_OK || db_migrate(d, NULL, NULL) != XA_OK)
		return -1;
	if (db_exec(d, "INSERT INTO units (id, parent_id, path, kind, name, created_at, updated_at)"
	    " VALUES (1, NULL, '/1/', 'bureau', '局', 0, 0),"
	    " (2, 1, '/1/2/', 'school', '甲校', 0, 0), (3, 1, '/1/3/', 'school', '乙校', 0, 0)") != XA_OK)
		return -1;
	school_a = 2;
	school_b = 3;
	return 0;
}

/* Removes one file or folder of the test's data folder (nftw). */
static int
rm_one(const char *file, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(file);
}

static int
teardown(void **state)
{
	db_close(d);
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* 2026-03-02 10:00 and 2027-01-05 10:00 in Shanghai. */
#define T2026 1772416800
#define T2027 1799114400

static int64_t
open_case(int64_t unit, int64_t now, bool serious)
{
	int64_t id = 0;
	case_new c = { .unit_id = unit, .summary = "课间推搡并辱骂同学", .serious = serious };
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(case_open(d, &c, &who, now, SHANGHAI, &id), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	return id;
}

static void
test_numbers_per_school_and_year(void **state)
{
	int64_t a1 = open_case(school_a, T2026, false);
	int64_t a2 = open_case(school_a, T2026 + 60, false);
	int64_t b1 = open_case(school_b, T2026, false);
	int64_t a3 = open_case(school_a, T2027, false);
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT year * 10000 + seq FROM cases WHERE id = %lld", (long long)a1);
	assert_int_equal(one(sql), 20260001);
	snprintf(sql, sizeof sql, "SELECT year * 10000 + seq FROM cases WHERE id = %lld", (long long)a2);
	assert_int_equal(one(sql), 20260002);
	snprintf(sql, sizeof sql, "SELECT year * 10000 + seq FROM cases WHERE id = %lld", (long long)b1);
	assert_int_equal(one(sql), 20260001);
	snprintf(sql, sizeof sql, "SELECT year * 10000 + seq FROM cases WHERE id = %lld", (long long)a3);
	assert_int_equal(one(sql), 20270001);
	char num[16];
	case_number(2026, 7, num);
	assert_string_equal(num, "2026-0007");
	/* Opened: state reported, an "opened" entry, the immediate limit due
	 * by the end of the day, and its audit records. */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM case_events WHERE case_id = %lld"
	    " AND kind = 'opened'", (long long)a1);
	assert_int_equal(one(sql), 1);
	snprintf(sql, sizeof sql, "SELECT due_at FROM cases WHERE id = %lld", (long long)a1);
	assert_int_equal(one(sql), day_start(day_of(T2026, SHANGHAI) + 1, SHANGHAI));
	assert_true(one("SELECT count(*) FROM audit_log WHERE action = 'case.open'") >= 4);
	/* Nothing of the summary is stored in plain text. */
	assert_int_equal(one("SELECT count(*) FROM cases WHERE instr(summary, CAST('推搡' AS BLOB)) > 0"), 0);
}

static void
test_chronology_state_and_facts(void **state)
{
	int64_t id = open_case(school_a, T2026, true);
	char sql[160];
	/* A serious case goes under the office's supervision by itself. */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM supervisions WHERE case_id = %lld"
	    " AND automatic = 1 AND state = 'open'", (long long)id);
	assert_int_equal(one(sql), 1);
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(supervision_auto(d, id, "2026-03-09", "", T2026), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	assert_int_equal(one(sql), 1);	/* not twice */

	snprintf(sql, sizeof sql, "INSERT INTO case_parties (case_id, role, alias, name, guardians,"
	    " created_at) VALUES (%lld, 'victim', '学生A', X'00', X'00', 0)", (long long)id);
	assert_int_equal(db_exec(d, sql), XA_OK);
	int64_t victim = db_last_id(d);
	assert_int_equal(db_begin(d), XA_OK);
	event_new e = { .case_id = id, .kind = "guardian_notice", .party_id = victim,
		.meta = "{\"about\":\"incident\"}", .body = "电话告知了母亲", .body_len = strlen("电话告知了母亲") };
	int64_t eid = 0;
	assert_int_equal(case_event_add(d, &e, &who, T2026, &eid), XA_OK);
	event_new bad = { .case_id = id, .kind = "gossip" };
	assert_int_equal(case_event_add(d, &bad, &who, T2026, NULL), XA_EINVAL);
	event_new corr = { .case_id = id, .kind = "correction", .corrects_id = eid,
		.body = "是父亲", .body_len = strlen("是父亲") };
	assert_int_equal(case_event_add(d, &corr, &who, T2026, NULL), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	/* A correction of another case's entry is refused. */
	int64_t other = open_case(school_b, T2026, false);
	assert_int_equal(db_begin(d), XA_OK);
	event_new cross = { .case_id = other, .kind = "correction", .corrects_id = eid };
	assert_int_equal(case_event_add(d, &cross, &who, T2026, NULL), XA_EINVAL);
	assert_int_equal(db_rollback(d), XA_OK);

	case_facts f;
	assert_int_equal(case_facts_load(d, id, T2026, &f), XA_OK);
	assert_int_equal(f.state, CS_REPORTED);
	assert_true(f.serious_flag);
	assert_int_equal(f.victims, 1);
	assert_int_equal(f.victims_notified, 1);
	assert_int_equal(f.open_supervisions, 1);

	/* The state moves only from the version that was read. */
	snprintf(sql, sizeof sql, "SELECT version FROM cases WHERE id = %lld", (long long)id);
	int64_t v = one(sql);
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(case_set_state(d, id, CS_IMMEDIATE, v, 0, "已制止", &who, T2026), XA_OK);
	assert_int_equal(case_set_state(d, id, CS_INVESTIGATING, v, 0, NULL, &who, T2026),
	    XA_ECONFLICT);
	assert_int_equal(db_commit(d), XA_OK);
	assert_int_equal(one(sql), v + 1);
	/* Every entry is in the audit chain with the SM3 of its stored row. */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE action = 'case.event'"
	    " AND fields LIKE 'case=%lld;%%sm3=%%'", (long long)id);
	assert_true(one(sql) >= 4);
}

static void
test_shred(void **state)
{
	int64_t id = open_case(school_a, T2026, false);
	uint8_t key[32];
	assert_int_equal(case_key(d, id, key), XA_OK);
	arena *a = arena_new(4096, 1 << 20);
	assert_non_null(a);
	db_stmt *st = NULL;
	assert_int_equal(db_prepare(d, "SELECT summary FROM cases WHERE id = ?", &st), XA_OK);
	db_bind_int(st, 1, id);
	assert_int_equal(db_step(st), 1);
	size_t n = db_col_len(st, 0);
	void *blob = arena_alloc(a, n);
	memcpy(blob, db_col_blob(st, 0), n);
	db_done(st);
	char *text = NULL;
	assert_int_equal(open_blob(a, key, blob, n, &text, NULL), XA_OK);
	assert_string_equal(text, "课间推搡并辱骂同学");

	int64_t rows = one("SELECT count(*) FROM case_events");
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(case_shred(d, id, T2026), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	/* The key is gone: nothing of the case opens again ... */
	assert_int_equal(case_key(d, id, key), XA_ENOTFOUND);
	assert_int_equal(db_begin(d), XA_OK);
	event_new e = { .case_id = id, .kind = "note", .body = "x", .body_len = 1 };
	assert_int_equal(case_event_add(d, &e, &who, T2026, NULL), XA_ENOTFOUND);
	assert_int_equal(db_rollback(d), XA_OK);
	/* ... the rows stay, and the audit chain still verifies. */
	assert_int_equal(one("SELECT count(*) FROM case_events"), rows);
	int64_t count = 0, bad_id = 0;
	char why[200];
	assert_int_equal(audit_verify(d, k.audit, &count, &bad_id, why, sizeof why), XA_OK);
	assert_true(count > 0);
	/* A wrong key opens nothing either. */
	uint8_t wrong[32] = { 1 };
	assert_int_not_equal(open_blob(a, wrong, blob, n, &text, NULL), XA_OK);
	arena_free(a);
}

static void
test_student_ref(void **state)
{
	char r1[65], r2[65], r3[65];
	assert_int_equal(student_ref(2, "张 小明", r1), XA_OK);
	assert_int_equal(student_ref(2, "张小明", r2), XA_OK);
	assert_int_equal(student_ref(3, "张小明", r3), XA_OK);
	assert_string_equal(r1, r2);	/* spaces do not matter */
	assert_string_not_equal(r1, r3);	/* another school: another student */
	assert_int_equal(strlen(r1), 64);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers_per_school_and_year),
		cmocka_unit_test(test_chronology_state_and_facts),
		cmocka_unit_test(test_shred),
		cmocka_unit_test(test_student_ref),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
