/* test_notify.c: notices against a real SQLite file with an injected
 * clock — the fan-out by the rules, the ladder climbing rung by rung to
 * the bureau leader unless someone acknowledges, empty rungs skipped,
 * quiet hours for ordinary notices and not for urgent ones, deadline
 * warnings once each, the outbox's attempts, backoff and giving up, the
 * recovery of deliveries cut off by a crash, the one-tap link, and that
 * nothing leaving the app names a pupil. */
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
#include "core/config.h"
#include "core/crypto.h"
#include "notify/notify.h"
#include "store/db.h"

#define SHANGHAI (8 * 3600)
/* 2026-03-02 (a Monday) 10:00 in Shanghai. */
#define T0 1772416800
#define MIN 60

static char dir[64], path[128];
static db *d;
static keys k;
static config cfg;
/* units: 1 bureau, 2 office, 3 school A, 4 school B; accounts: */
enum { CHAIR = 10, PRINCIPAL = 11, TEACHER = 12, STAFF = 13, DIRECTOR = 14,
	LEADER = 15, STAFF2 = 16, PRINCIPAL_B = 17 };

static int64_t
one(const char *fmt, ...)
{
	char sql[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	int64_t v = -1;
	if (db_query_int(d, sql, &v) != XA_OK)
		fail_msg("query failed: %s: %s", sql, db_errmsg(d));
	return v;
}

static void
exec_ok(const char *sql)
{
	if (db_exec(d, sql) != XA_OK)
		fail_msg("%s: %s", sql, db_errmsg(d));
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/xiaoan-notify-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/x.db", dir);
	if (crypto_random(k.audit, 32) != XA_OK || crypto_random(k.data, 32) != XA_OK)
		return -1;
	keys_set(&k);
	config_defaults(&cfg);
	snprintf(cfg.smtp_url, sizeof cfg.smtp_url, "smtp://127.0.0.1:1");
	snprintf(cfg.smtp_from, sizeof cfg.smtp_from, "xiaoan@example.cn");
	cfg.smtp_starttls = false;
	snprintf(cfg.sms_url, sizeof cfg.sms_url, "http://127.0.0.1:1/sms?to={phone}&t={text}");
	snprintf(cfg.sms_method, sizeof cfg.sms_method, "GET");
	snprintf(cfg.public_url, sizeof cfg.public_url, "https://xiaoan.example.cn");
	if (db_open(path, DB_CREATE, &d) != XA_OK || db_migrate(d, NULL, NULL) != XA_OK)
		return -1;
	const char *seed =
	    "INSERT INTO units (id, parent_id, path, kind, name, created_at, updated_at) VALUES"
	    " (1, NULL, '/1/', 'bureau', '新郑市教育体育局', 0, 0),"
	    " (2, 1, '/1/2/', 'office', '教体局办公室', 0, 0),"
	    " (3, 1, '/1/3/', 'school', '龙湖镇第一小学', 0, 0),"
	    " (4, 1, '/1/4/', 'school', '龙湖镇第二小学', 0, 0);"
	    "INSERT INTO accounts (id, unit_id, username, display_name, phone, email, created_at,"
	    " updated_at) VALUES"
	    " (10, 3, 'chair', '王主任', '13800000010', 'chair@school.cn', 0, 0),"
	    " (11, 3, 'head', '李校长', '13800000011', 'head@school.cn', 0, 0),"
	    " (12, 3, 'teach', '张老师', '', 'teach@school.cn', 0, 0),"
	    " (13, 2, 'staff', '赵干事', '13800000013', '', 0, 0),"
	    " (14, 2, 'director', '钱主任', '13800000014', 'dir@bureau.cn', 0, 0),"
	    " (15, 1, 'leader', '孙局长', '13800000015', 'leader@bureau.cn', 0, 0),"
	    " (16, 2, 'staff2', '周干事', '', '', 0, 0),"
	    " (17, 4, 'head_b', '吴校长', '13800000017', 'headb@school.cn', 0, 0);"
	    "INSERT INTO account_roles (account_id, role) VALUES (10, 'committee'),"
	    " (11, 'principal'), (12, 'teacher'), (13, 'office_staff'), (14, 'office_director'),"
	    " (15, 'leader'), (16, 'office_staff'), (17, 'principal');"
	    "INSERT INTO committee_members (unit_id, account_id, name, role, member_type,"
	    " from_date, created_at) VALUES (3, 10, '王主任', 'chair', 'staff', '2025-09-01', 0);";
	return db_exec(d, seed) == XA_OK ? 0 : -1;
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
	(void)state;
	db_close(d);
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* Each test starts with no notices. */
static int
clean(void **state)
{
	(void)state;
	return db_exec(d, "DELETE FROM outbox_attempts; DELETE FROM outbox; DELETE FROM inbox;"
	    " DELETE FROM notices;") == XA_OK ? 0 : -1;
}

static size_t
fanout(int64_t now)
{
	size_t n = 0;
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_fanout(d, &cfg, now, 100, &n), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	return n;
}

static size_t
climb(int64_t now)
{
	size_t n = 0;
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_climb(d, &cfg, now, 100, &n), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	return n;
}

static int64_t
report(int64_t unit, int64_t first, int64_t id, int64_t now)
{
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_report(d, id, unit, first, now), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	return one("SELECT max(id) FROM notices");
}

static int64_t
told(int64_t notice, int64_t account)
{
	return one("SELECT count(*) FROM inbox WHERE notice_id = %lld AND account_id = %lld",
	    (long long)notice, (long long)account);
}

/* A new report: the chair and the first receiver, in the inbox and by
 * e-mail and SMS where they have an address; urgent; the next rung due
 * after notify.escalate_minutes (30). */
static void
test_fanout(void **state)
{
	(void)state;
	int64_t n = report(3, TEACHER, 501, T0);
	assert_int_equal(one("SELECT status = 'new' FROM notices WHERE id = %lld", (long long)n), 1);
	assert_int_equal(fanout(T0), 1);
	assert_int_equal(told(n, CHAIR), 1);
	assert_int_equal(told(n, TEACHER), 1);
	assert_int_equal(told(n, PRINCIPAL), 0);
	assert_int_equal(told(n, PRINCIPAL_B), 0);
	assert_int_equal(one("SELECT count(*) FROM inbox WHERE notice_id = %lld", (long long)n), 2);
	/* chair: e-mail and SMS; teacher: e-mail only (no phone). */
	assert_int_equal(one("SELECT count(*) FROM outbox"), 3);
	assert_int_equal(one("SELECT count(*) FROM outbox WHERE channel = 'sms'"
	    " AND address = '13800000010'"), 1);
	assert_int_equal(one("SELECT count(*) FROM outbox WHERE next_at = %lld AND urgent = 1",
	    (long long)T0), 3);
	assert_int_equal(one("SELECT urgent * 1000 + rung FROM notices WHERE id = %lld",
	    (long long)n), 1000);
	assert_int_equal(one("SELECT next_rung_at FROM notices WHERE id = %lld", (long long)n),
	    T0 + 30 * MIN);
	/* The words: the school by name, where to look, the one-tap link. */
	assert_int_equal(one("SELECT count(*) FROM outbox WHERE body LIKE '%%龙湖镇第一小学%%'"
	    " AND body LIKE '%%https://xiaoan.example.cn/ack/%%'"), 3);
	/* The inbox reads the words as told: the school's name is kept. */
	assert_int_equal(one("SELECT count(*) FROM notices WHERE id = %lld AND params LIKE"
	    " '%%龙湖镇第一小学%%'", (long long)n), 1);
	/* A second pass does nothing more. */
	assert_int_equal(fanout(T0 + 1), 0);
	assert_int_equal(one("SELECT count(*) FROM inbox"), 2);
}

/* Nobody acknowledges: principal, then the office (both staff and the
 * director), then the director (already told: nothing new), then the
 * leader, each after 30 minutes; then it stops. */
static void
test_ladder(void **state)
{
	(void)state;
	int64_t n = report(3, 0, 502, T0);
	fanout(T0);
	assert_int_equal(told(n, CHAIR), 1);
	assert_int_equal(climb(T0 + 29 * MIN), 0);
	assert_int_equal(told(n, PRINCIPAL), 0);
	assert_int_equal(climb(T0 + 30 * MIN), 1);
	assert_int_equal(told(n, PRINCIPAL), 1);
	assert_int_equal(one("SELECT rung FROM inbox WHERE notice_id = %lld AND account_id = %d",
	    (long long)n, PRINCIPAL), 1);
	assert_int_equal(climb(T0 + 60 * MIN), 1);
	assert_int_equal(told(n, STAFF) + told(n, STAFF2) + told(n, DIRECTOR), 3);
	assert_int_equal(told(n, LEADER), 0);
	assert_int_equal(climb(T0 + 90 * MIN), 1);	/* the director's rung: told already */
	assert_int_equal(one("SELECT rung FROM notices WHERE id = %lld", (long long)n), 3);
	assert_int_equal(told(n, LEADER), 0);
	assert_int_equal(climb(T0 + 120 * MIN), 1);
	assert_int_equal(told(n, LEADER), 1);
	assert_int_equal(one("SELECT next_rung_at FROM notices WHERE id = %lld", (long long)n), 0);
	assert_int_equal(climb(T0 + 600 * MIN), 0);
	assert_int_equal(one("SELECT count(*) FROM inbox WHERE notice_id = %lld", (long long)n), 6);
}

/* Acknowledged on the first rung: the ladder stops there; only the
 * account's own item can be acknowledged. */
static void
test_ack_stops(void **state)
{
	(void)state;
	int64_t n = report(3, 0, 503, T0);
	fanout(T0);
	int64_t item = one("SELECT id FROM inbox WHERE notice_id = %lld AND account_id = %d",
	    (long long)n, CHAIR);
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_ack(d, item, PRINCIPAL_B, T0 + 5 * MIN), XA_ENOTFOUND);
	assert_int_equal(notify_ack(d, item, CHAIR, T0 + 10 * MIN), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	assert_int_equal(one("SELECT acked_by FROM notices WHERE id = %lld", (long long)n), CHAIR);
	assert_int_equal(one("SELECT acked_at FROM notices WHERE id = %lld", (long long)n),
	    T0 + 10 * MIN);
	assert_int_equal(climb(T0 + 30 * MIN), 0);
	assert_int_equal(climb(T0 + 300 * MIN), 0);
	assert_int_equal(told(n, PRINCIPAL), 0);
}

/* The one-tap link: its token is only in the message; unknown tokens
 * find nothing. */
static void
test_ack_link(void **state)
{
	(void)state;
	int64_t n = report(3, 0, 504, T0);
	fanout(T0);
	db_stmt *st = NULL;
	assert_int_equal(db_prepare(d, "SELECT body FROM outbox WHERE channel = 'email'"
	    " AND address = 'chair@school.cn'", &st), XA_OK);
	assert_int_equal(db_step(st), 1);
	const char *p = strstr(db_col_text(st, 0), "/ack/");
	assert_non_null(p);
	char token[80];
	size_t len = strspn(p + 5, "0123456789abcdef.");
	snprintf(token, sizeof token, "%.*s", (int)len, p + 5);
	db_done(st);
	const char *dot = strchr(token, '.');
	assert_non_null(dot);
	assert_int_equal(strlen(dot + 1), 32);
	/* Only the hash of the secret is stored. */
	assert_int_equal(one("SELECT count(*) FROM inbox WHERE token_hash LIKE '%%%s%%'", dot + 1), 0);
	/* The same id with another secret, or a made-up one, finds nothing. */
	char wrong[80];
	snprintf(wrong, sizeof wrong, "%s", token);
	char *w = strchr(wrong, '.') + 1;
	w[0] = w[0] == 'a' ? 'b' : 'a';
	int64_t item = 0;
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_ack_token(d, wrong, T0, &item), XA_ENOTFOUND);
	assert_int_equal(notify_ack_token(d, "1.00000000000000000000000000000000", T0, &item),
	    XA_ENOTFOUND);
	assert_int_equal(notify_ack_token(d, "not a token", T0, &item), XA_ENOTFOUND);
	assert_int_equal(notify_ack_token(d, ".00000000000000000000000000000000", T0, &item),
	    XA_ENOTFOUND);
	assert_int_equal(one("SELECT acked_at FROM notices WHERE id = %lld", (long long)n), 0);
	assert_int_equal(notify_ack_token(d, token, T0 + 2 * MIN, &item), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	assert_int_equal(one("SELECT account_id FROM inbox WHERE id = %lld", (long long)item), CHAIR);
	assert_int_equal(one("SELECT acked_by FROM notices WHERE id = %lld", (long long)n), CHAIR);
}

/* A report naming no school goes to the office queue: no chair, no
 * principal there, so the office is told at once. */
static void
test_empty_rungs_skipped(void **state)
{
	(void)state;
	int64_t n = report(2, 0, 505, T0);
	fanout(T0);
	assert_int_equal(one("SELECT rung FROM notices WHERE id = %lld", (long long)n), 2);
	assert_int_equal(told(n, STAFF) + told(n, STAFF2) + told(n, DIRECTOR), 3);
	assert_int_equal(told(n, CHAIR) + told(n, PRINCIPAL), 0);
	assert_int_equal(climb(T0 + 30 * MIN), 1);
	assert_int_equal(told(n, LEADER), 0);	/* the director's rung first */
	assert_int_equal(climb(T0 + 60 * MIN), 1);
	assert_int_equal(told(n, LEADER), 1);
}

/* 23:30 in Shanghai: an ordinary notice's messages wait until 07:00; an
 * urgent one's leave at once; the inbox has both at once. */
static void
test_quiet_hours(void **state)
{
	(void)state;
	int64_t late = T0 + 13 * 3600 + 30 * MIN;	/* 23:30 */
	int64_t seven = T0 + 21 * 3600;			/* 07:00 next day */
	exec_ok("INSERT INTO cases (id, unit_id, year, seq, summary, state, state_since,"
	    " opened_at) VALUES (900, 3, 2026, 1, x'00', 'investigating', 0, 0)");
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_case(d, "supervision.order", 900, "2026-03-10", late), XA_OK);
	assert_int_equal(notify_report(d, 506, 3, 0, late), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	fanout(late);
	int64_t ord = one("SELECT id FROM notices WHERE kind = 'supervision.order'");
	int64_t urg = one("SELECT id FROM notices WHERE kind = 'report.new'");
	assert_int_equal(told(ord, PRINCIPAL), 1);
	assert_int_equal(one("SELECT min(o.next_at) FROM outbox o JOIN inbox i ON i.id = o.inbox_id"
	    " WHERE i.notice_id = %lld", (long long)ord), seven);
	assert_int_equal(one("SELECT max(o.next_at) FROM outbox o JOIN inbox i ON i.id = o.inbox_id"
	    " WHERE i.notice_id = %lld", (long long)urg), late);
	/* Nothing ordinary is claimed before seven. */
	outbox_item it;
	int found = 0;
	int claimed_ord = 0;
	assert_int_equal(db_begin(d), XA_OK);
	for (;;) {
		assert_int_equal(notify_claim(d, late + 60, 60, &it, &found), XA_OK);
		if (!found)
			break;
		if (one("SELECT i.notice_id FROM outbox o JOIN inbox i ON i.id = o.inbox_id"
		    " WHERE o.id = %lld", (long long)it.id) == ord)
			claimed_ord++;
	}
	assert_int_equal(db_commit(d), XA_OK);
	assert_int_equal(claimed_ord, 0);
	/* The case number and the date are in the words; nothing else. */
	assert_int_equal(one("SELECT count(*) FROM outbox WHERE body LIKE '%%2026-0001%%'"), 2);
	exec_ok("DELETE FROM cases WHERE id = 900");
	/* In the daytime an ordinary message leaves at once. */
	clean(NULL);
	exec_ok("INSERT INTO cases (id, unit_id, year, seq, summary, state, state_since,"
	    " opened_at) VALUES (900, 3, 2026, 1, x'00', 'investigating', 0, 0)");
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_case(d, "supervision.order", 900, NULL, T0), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	fanout(T0);
	assert_int_equal(one("SELECT min(next_at) FROM outbox"), T0);
	exec_ok("DELETE FROM cases WHERE id = 900");
}

/* A deadline within the warning: one warning to the owner, however often
 * the scan runs; passed: an urgent notice that climbs; closed cases and
 * cases without a limit: nothing. */
static void
test_deadlines(void **state)
{
	(void)state;
	exec_ok("INSERT INTO cases (id, unit_id, year, seq, summary, state, state_since, due_at,"
	    " owner_id, opened_at) VALUES"
	    " (901, 3, 2026, 2, x'00', 'investigating', 0, 1772424000, 12, 0),"
	    " (902, 3, 2026, 3, x'00', 'closed', 0, 1772424000, 12, 0),"
	    " (903, 3, 2026, 4, x'00', 'investigating', 0, 0, 12, 0),"
	    " (904, 3, 2026, 5, x'00', 'investigating', 0, 1773000000, 12, 0)");
	size_t n = 0;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(db_begin(d), XA_OK);
		assert_int_equal(notify_deadlines(d, &cfg, T0 + i * MIN, &n), XA_OK);
		assert_int_equal(db_commit(d), XA_OK);
		assert_int_equal(n, i == 0 ? 1 : 0);
	}
	assert_int_equal(one("SELECT count(*) FROM notices WHERE kind = 'deadline.near'"
	    " AND case_id = 901 AND actor_id = 12"), 1);
	assert_int_equal(one("SELECT count(*) FROM notices WHERE case_id IN (902, 903, 904)"), 0);
	fanout(T0);
	assert_int_equal(one("SELECT count(*) FROM inbox i JOIN notices n ON n.id = i.notice_id"
	    " WHERE n.case_id = 901 AND i.account_id = 12"), 1);
	assert_int_equal(one("SELECT urgent FROM notices WHERE case_id = 901"), 0);
	/* Passed: urgent, the owner first, then the chair. */
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_deadlines(d, &cfg, 1772424000 + 1, &n), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	assert_int_equal(n, 1);
	int64_t p = one("SELECT id FROM notices WHERE kind = 'deadline.passed' AND case_id = 901");
	fanout(1772424001);
	assert_int_equal(one("SELECT urgent FROM notices WHERE id = %lld", (long long)p), 1);
	assert_int_equal(told(p, TEACHER), 1);
	assert_int_equal(told(p, CHAIR), 0);
	assert_int_equal(climb(1772424001 + 30 * MIN), 1);
	assert_int_equal(told(p, CHAIR), 1);
	exec_ok("DELETE FROM cases WHERE id IN (901, 902, 903, 904)");
}

/* Claim, fail, back off, give up; succeed; never send what was sent. */
static void
test_outbox(void **state)
{
	(void)state;
	report(3, 0, 507, T0);
	fanout(T0);
	int64_t total = one("SELECT count(*) FROM outbox");
	assert_int_equal(total, 2);	/* the chair: e-mail and SMS */
	outbox_item it;
	int found = 0;
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_claim(d, T0, 80, &it, &found), XA_OK);
	assert_int_equal(found, 1);
	assert_int_equal(it.attempts, 1);
	outbox_item it2;
	assert_int_equal(notify_claim(d, T0, 80, &it2, &found), XA_OK);
	assert_int_equal(found, 1);
	assert_true(it2.id != it.id);
	outbox_item probe;
	assert_int_equal(notify_claim(d, T0 + 10, 80, &probe, &found), XA_OK);
	assert_int_equal(found, 0);	/* both leased */
	assert_int_equal(notify_settle(d, &cfg, &it, XA_EIO, "timed out", T0 + 5), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	assert_int_equal(one("SELECT next_at FROM outbox WHERE id = %lld", (long long)it.id),
	    T0 + 5 + 60);
	assert_int_equal(one("SELECT count(*) FROM outbox_attempts WHERE outbox_id = %lld"
	    " AND result = 'retry' AND detail = 'timed out'", (long long)it.id), 1);
	/* The second attempt waits twice as long. */
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_claim(d, T0 + 65, 80, &it, &found), XA_OK);
	assert_int_equal(found, 1);
	assert_int_equal(it.attempts, 2);
	assert_int_equal(notify_settle(d, &cfg, &it, XA_EIO, "refused", T0 + 70), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	assert_int_equal(one("SELECT next_at FROM outbox WHERE id = %lld", (long long)it.id),
	    T0 + 70 + 120);
	/* A permanent failure: given up at once. */
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_settle(d, &cfg, &it2, XA_EINVAL, "550 no such user", T0 + 71), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	assert_int_equal(one("SELECT status = 'failed' FROM outbox WHERE id = %lld",
	    (long long)it2.id), 1);
	/* Success: sent, and never claimed again. */
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_claim(d, T0 + 200, 80, &it, &found), XA_OK);
	assert_int_equal(found, 1);
	assert_int_equal(notify_settle(d, &cfg, &it, XA_OK, "", T0 + 201), XA_OK);
	assert_int_equal(notify_claim(d, T0 + 100000, 80, &it2, &found), XA_OK);
	assert_int_equal(found, 0);
	assert_int_equal(db_commit(d), XA_OK);
	assert_int_equal(one("SELECT status = 'sent' AND sent_at = %lld FROM outbox WHERE id = %lld",
	    (long long)(T0 + 201), (long long)it.id), 1);
	/* notify.max_attempts: with 2, the second transient failure gives up. */
	clean(NULL);
	exec_ok("INSERT INTO settings (key, value, updated_at) VALUES"
	    " ('notify.max_attempts', '2', 0)");
	report(3, 0, 508, T0);
	fanout(T0);
	for (int a = 1; a <= 2; a++) {
		assert_int_equal(db_begin(d), XA_OK);
		assert_int_equal(notify_claim(d, T0 + a * 1000, 80, &it, &found), XA_OK);
		assert_int_equal(found, 1);
		while (it.channel[0] != 'e') {	/* the e-mail one */
			assert_int_equal(notify_settle(d, &cfg, &it, XA_OK, "", T0 + a * 1000), XA_OK);
			assert_int_equal(notify_claim(d, T0 + a * 1000, 80, &it, &found), XA_OK);
			assert_int_equal(found, 1);
		}
		assert_int_equal(notify_settle(d, &cfg, &it, XA_EIO, "busy", T0 + a * 1000), XA_OK);
		assert_int_equal(db_commit(d), XA_OK);
	}
	assert_int_equal(one("SELECT count(*) FROM outbox WHERE channel = 'email'"
	    " AND status = 'failed' AND attempts = 2"), 1);
	exec_ok("DELETE FROM settings WHERE key = 'notify.max_attempts'");
}

/* A crash between the attempt's begin and its end: at start-up the
 * message is due again and the attempt marked cut off; sent ones stay. */
static void
test_recover(void **state)
{
	(void)state;
	report(3, 0, 509, T0);
	fanout(T0);
	outbox_item a, b;
	int found = 0;
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_claim(d, T0, 80, &a, &found), XA_OK);
	assert_int_equal(notify_claim(d, T0, 80, &b, &found), XA_OK);
	assert_int_equal(notify_settle(d, &cfg, &b, XA_OK, "", T0 + 1), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	/* "crash": a is left begun. */
	size_t n = 0;
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_recover(d, &cfg, T0 + 30, &n), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	assert_int_equal(n, 1);
	assert_int_equal(one("SELECT next_at FROM outbox WHERE id = %lld", (long long)a.id), T0 + 30);
	assert_int_equal(one("SELECT count(*) FROM outbox_attempts WHERE result = 'cut_off'"), 1);
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_claim(d, T0 + 30, 80, &a, &found), XA_OK);
	assert_int_equal(found, 1);
	assert_int_equal(a.attempts, 2);
	assert_int_equal(notify_claim(d, T0 + 30, 80, &b, &found), XA_OK);
	assert_int_equal(found, 0);	/* the sent one is not taken again */
	assert_int_equal(db_commit(d), XA_OK);
}

/* A rule the bureau turned off: kept in the register, told to no one; an
 * edited ladder is followed. */
static void
test_rules_edited(void **state)
{
	(void)state;
	exec_ok("UPDATE notify_rules SET enabled = 0 WHERE kind = 'supervision.order'");
	exec_ok("INSERT INTO cases (id, unit_id, year, seq, summary, state, state_since,"
	    " opened_at) VALUES (905, 3, 2026, 6, x'00', 'investigating', 0, 0)");
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_case(d, "supervision.order", 905, NULL, T0), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	fanout(T0);
	assert_int_equal(one("SELECT count(*) FROM notices WHERE kind = 'supervision.order'"
	    " AND status = 'untold'"), 1);
	assert_int_equal(one("SELECT count(*) FROM inbox"), 0);
	exec_ok("UPDATE notify_rules SET enabled = 1 WHERE kind = 'supervision.order'");
	exec_ok("UPDATE notify_rules SET rungs = 'leader', channels = '' WHERE kind = 'report.new'");
	int64_t n = report(3, 0, 510, T0);
	fanout(T0);
	assert_int_equal(told(n, LEADER), 1);
	assert_int_equal(told(n, CHAIR), 0);
	assert_int_equal(one("SELECT count(*) FROM outbox"), 0);
	assert_int_equal(one("SELECT next_rung_at FROM notices WHERE id = %lld", (long long)n), 0);
	exec_ok("UPDATE notify_rules SET rungs ="
	    " 'chair,first_receiver>principal>office>office_director>leader',"
	    " channels = 'email,sms' WHERE kind = 'report.new'");
	exec_ok("DELETE FROM cases WHERE id = 905");
	/* An unknown kind is refused. */
	notice_new bad = { .kind = "gossip" };
	assert_int_equal(notify_emit(d, &bad, T0), XA_EINVAL);
}

/* Reports pouring in at a school whose first notice nobody acknowledged
 * yet join it (counted) instead of ringing again; another school, or a
 * report someone entered themselves, is its own notice; once
 * acknowledged, the next report rings afresh. */
static void
test_fold(void **state)
{
	(void)state;
	int64_t first = report(3, 0, 601, T0);
	fanout(T0);
	report(3, 0, 602, T0 + 10);
	report(3, 0, 603, T0 + 20);
	int64_t other = report(4, 0, 604, T0 + 30);
	int64_t staff = report(3, TEACHER, 605, T0 + 40);
	fanout(T0 + 60);
	assert_int_equal(one("SELECT events FROM notices WHERE id = %lld", (long long)first), 3);
	assert_int_equal(one("SELECT count(*) FROM notices WHERE status = 'folded' AND folded_into"
	    " = %lld", (long long)first), 2);
	assert_int_equal(one("SELECT count(*) FROM inbox i JOIN notices n ON n.id = i.notice_id"
	    " WHERE i.account_id = %d AND n.unit_id = 3 AND n.actor_id = 0", CHAIR), 1);
	assert_int_equal(told(other, PRINCIPAL_B), 1);	/* school B: no chair, its principal */
	assert_int_equal(one("SELECT status = 'sent' FROM notices WHERE id = %lld", (long long)other),
	    1);
	assert_int_equal(told(staff, TEACHER), 1);
	/* In one step too: the first opens, the rest join. */
	clean(NULL);
	int64_t a = report(3, 0, 606, T0);
	report(3, 0, 607, T0);
	report(3, 0, 608, T0);
	fanout(T0);
	assert_int_equal(one("SELECT events FROM notices WHERE id = %lld", (long long)a), 3);
	assert_int_equal(one("SELECT count(*) FROM inbox"), 1);
	/* Acknowledged: the next one rings again. */
	int64_t item = one("SELECT id FROM inbox WHERE notice_id = %lld", (long long)a);
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_ack(d, item, CHAIR, T0 + 60), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	int64_t b = report(3, 0, 609, T0 + 120);
	fanout(T0 + 120);
	assert_int_equal(one("SELECT status = 'sent' AND events = 1 FROM notices WHERE id = %lld",
	    (long long)b), 1);
	assert_int_equal(told(b, CHAIR), 1);
}

/* What the review found: a report never joins a notice nobody was told
 * of (rule off) or one long past its last rung; acknowledging cancels
 * what has not left and acknowledges what joined; a sent message keeps no
 * working link; a retry and a recovery respect the quiet hours; a link of
 * a disabled account or an old one does nothing; a name the rules do not
 * know tells nobody, and an empty rung is still a rung. */
static void
test_review_fixes(void **state)
{
	(void)state;
	/* Rule off, then on: the next report is told, not swallowed. */
	exec_ok("UPDATE notify_rules SET enabled = 0 WHERE kind = 'report.new'");
	int64_t off = report(3, 0, 701, T0);
	fanout(T0);
	assert_int_equal(one("SELECT status = 'untold' FROM notices WHERE id = %lld",
	    (long long)off), 1);
	exec_ok("UPDATE notify_rules SET enabled = 1 WHERE kind = 'report.new'");
	int64_t on = report(3, 0, 702, T0 + 86400);
	fanout(T0 + 86400);
	assert_int_equal(told(on, CHAIR), 1);
	/* Past its last rung for days: a new report rings again. */
	exec_ok("UPDATE notices SET next_rung_at = 0");
	int64_t later = report(3, 0, 703, T0 + 3 * 86400);
	fanout(T0 + 3 * 86400);
	assert_int_equal(told(later, CHAIR), 1);
	/* A report joins the live one; acknowledging it acknowledges both,
	 * makes the item unread again first, and cancels what is pending. */
	int64_t joined = report(3, 0, 704, T0 + 3 * 86400 + 60);
	int64_t item = one("SELECT id FROM inbox WHERE notice_id = %lld AND account_id = %d",
	    (long long)later, CHAIR);
	exec_ok("UPDATE inbox SET read_at = 5");
	fanout(T0 + 3 * 86400 + 60);
	assert_int_equal(one("SELECT folded_into FROM notices WHERE id = %lld", (long long)joined),
	    later);
	assert_int_equal(one("SELECT read_at FROM inbox WHERE id = %lld", (long long)item), 0);
	assert_true(one("SELECT count(*) FROM outbox o JOIN inbox i ON i.id = o.inbox_id"
	    " WHERE i.notice_id = %lld AND o.status = 'pending'", (long long)later) > 0);
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_ack(d, item, CHAIR, T0 + 3 * 86400 + 120), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	assert_int_equal(one("SELECT acked_by FROM notices WHERE id = %lld", (long long)joined),
	    CHAIR);
	assert_int_equal(one("SELECT count(*) FROM outbox o JOIN inbox i ON i.id = o.inbox_id"
	    " WHERE i.notice_id = %lld AND o.status = 'pending'", (long long)later), 0);
	assert_true(one("SELECT count(*) FROM outbox WHERE status = 'cancelled'") > 0);
	/* Sent: the text keeps the link's id, not its secret. */
	clean(NULL);
	report(3, 0, 705, T0);
	fanout(T0);
	outbox_item it;
	int found = 0;
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_claim(d, T0, 80, &it, &found), XA_OK);
	assert_int_equal(found, 1);
	assert_non_null(strstr(it.body, "/ack/"));
	assert_int_equal(notify_settle(d, &cfg, &it, XA_OK, "", T0 + 1), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	assert_int_equal(one("SELECT count(*) FROM outbox WHERE id = %lld AND body GLOB '*/ack/[0-9]*'"
	    " AND body NOT GLOB '*/ack/[0-9]*.[0-9a-f]*'", (long long)it.id), 1);
	/* Ordinary, retried at 21:59 + a minute: waits until 07:00. */
	clean(NULL);
	exec_ok("INSERT INTO cases (id, unit_id, year, seq, summary, state, state_since,"
	    " opened_at) VALUES (906, 3, 2026, 7, x'00', 'investigating', 0, 0)");
	int64_t t2159 = T0 + 11 * 3600 + 59 * MIN + 30;
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_case(d, "supervision.order", 906, NULL, t2159), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	fanout(t2159);
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_claim(d, t2159, 80, &it, &found), XA_OK);
	assert_int_equal(found, 1);
	assert_false(it.urgent);
	assert_int_equal(notify_settle(d, &cfg, &it, XA_EIO, "busy", t2159 + 5), XA_OK);
	/* and one cut off by a crash at 23:00 is due at 07:00 too */
	outbox_item it2;
	assert_int_equal(notify_claim(d, t2159, 80, &it2, &found), XA_OK);
	assert_int_equal(found, 1);
	size_t n = 0;
	assert_int_equal(notify_recover(d, &cfg, T0 + 13 * 3600, &n), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	assert_int_equal(one("SELECT next_at FROM outbox WHERE id = %lld", (long long)it.id),
	    T0 + 21 * 3600);
	assert_int_equal(one("SELECT next_at FROM outbox WHERE id = %lld", (long long)it2.id),
	    T0 + 21 * 3600);
	exec_ok("DELETE FROM cases WHERE id = 906");
	/* Links: a disabled account's, and one older than 30 days, do nothing. */
	clean(NULL);
	report(3, 0, 706, T0);
	fanout(T0);
	db_stmt *st = NULL;
	assert_int_equal(db_prepare(d, "SELECT body FROM outbox WHERE channel = 'email'", &st), XA_OK);
	assert_int_equal(db_step(st), 1);
	const char *p = strstr(db_col_text(st, 0), "/ack/");
	char token[80];
	snprintf(token, sizeof token, "%.*s", (int)strspn(p + 5, "0123456789abcdef."), p + 5);
	db_done(st);
	int64_t got = 0;
	exec_ok("UPDATE accounts SET disabled = 1 WHERE id = 10");
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_ack_token(d, token, T0 + 60, &got), XA_ENOTFOUND);
	assert_int_equal(db_commit(d), XA_OK);
	exec_ok("UPDATE accounts SET disabled = 0 WHERE id = 10");
	assert_int_equal(db_begin(d), XA_OK);
	assert_int_equal(notify_ack_token(d, token, T0 + 31 * 86400, &got), XA_ENOTFOUND);
	assert_int_equal(notify_ack_token(d, token, T0 + 29 * 86400, &got), XA_OK);
	assert_int_equal(db_commit(d), XA_OK);
	/* Unknown names tell nobody (never the leader); "a>>b" has three rungs. */
	clean(NULL);
	exec_ok("UPDATE notify_rules SET rungs = 'chiar>>leader', channels = ''"
	    " WHERE kind = 'report.new'");
	int64_t odd = report(3, 0, 707, T0);
	fanout(T0);
	assert_int_equal(told(odd, LEADER), 1);
	assert_int_equal(one("SELECT rung FROM notices WHERE id = %lld", (long long)odd), 2);
	exec_ok("UPDATE notify_rules SET rungs = 'chiar', channels = '' WHERE kind = 'report.new'");
	int64_t none = report(4, 0, 708, T0);
	fanout(T0);
	assert_int_equal(one("SELECT count(*) FROM inbox WHERE notice_id = %lld", (long long)none), 0);
	assert_int_equal(one("SELECT status = 'untold' FROM notices WHERE id = %lld",
	    (long long)none), 1);
	exec_ok("UPDATE notify_rules SET rungs ="
	    " 'chair,first_receiver>principal>office>office_director>leader',"
	    " channels = 'email,sms' WHERE kind = 'report.new'");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_fanout, clean),
		cmocka_unit_test_setup(test_ladder, clean),
		cmocka_unit_test_setup(test_ack_stops, clean),
		cmocka_unit_test_setup(test_ack_link, clean),
		cmocka_unit_test_setup(test_empty_rungs_skipped, clean),
		cmocka_unit_test_setup(test_quiet_hours, clean),
		cmocka_unit_test_setup(test_deadlines, clean),
		cmocka_unit_test_setup(test_outbox, clean),
		cmocka_unit_test_setup(test_recover, clean),
		cmocka_unit_test_setup(test_rules_edited, clean),
		cmocka_unit_test_setup(test_fold, clean),
		cmocka_unit_test_setup(test_review_fixes, clean),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
