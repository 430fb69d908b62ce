/* test_cases_http.c: the case lists, the case page and the state machine
 * over HTTP (src/cases/cases_http.c), on the real server.
 *
 * One case is taken from opening to the archive through the API: parties,
 * immediate action, investigation, a determination refused with the exact
 * missing items (in Chinese), then accepted; measures, follow-up, closing,
 * archiving; after which the file is read-only. Around it: an unlawful
 * tier without a police report, a skipped state, a stale version, the
 * bureau's de-identified view, a counselling note hidden from a committee
 * member, the legal-process flag, attachments, lists and their views, the
 * page forms (a refused determination keeps what was typed), cross-school
 * isolation on every route (the same 404 as a missing case, nothing
 * changed), no plaintext of names or narratives in the database file or
 * its WAL, and the dossier PDF read back with pdftotext. Also: a
 * correction of a counselling note kept from the same readers; a party's
 * stage and grade checked against the school; meeting dates in the future
 * or before the case refused and the day's whole committee recorded;
 * going back to investigate keeps the first deadline; overdue days the
 * same on the list, the page and the office's queue; and changes refused
 * by the writer when the case was closed while they waited (racing()).
 *
 * Measures and follow-ups are written with fx_sql while their own routes
 * (measures_http.c) are not in this file's scope. Never depends on the
 * wall clock beyond "today" and "not in the future". */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth/auth.h"
#include "core/calendar.h"
#include "core/i18n.h"
#include "fixture.h"
#include "harness.h"
#include "store/db.h"

static struct srv S;
static struct session pa, ca, coa, ta, pb, insp, office;
static int64_t school_a, school_b, acc_pa, acc_ca;
static int64_t seat_chair, seat_legal, seat_parent, seat_expert, seat_staff, seat_gone;
static char today[11], yesterday[11];

#define PW "Fixture-Pass-123"

/* The strings that must never reach the database unsealed. */
#define VICTIM "UNIQ-VICTIM-张小明"
#define PERP "UNIQ-PERP-李大壮"
#define PERP2 "UNIQ-PERP2-王二虎"
#define GUARD "UNIQ-GUARD-李父13800001111"
#define SUMMARY "UNIQ-SUMMARY-课间在三楼楼道推搡"
#define INTERVIEW "UNIQ-INTERVIEW-本人承认推了对方"
#define COUNSEL "UNIQ-COUNSEL-情绪低落需持续关注"
#define REASONS "UNIQ-REASONS-多次推搡并辱骂"
#define CORRECTED "UNIQ-CORRECTED-应为长期失眠"

/* --- Helpers. */

static json_t *
call(const struct session *s, const char *method, const char *path,
    const char *json, long want)
{
	struct resp r;
	assert_int_equal(fx_req(&S, s, method, path, json, &r), 0);
	if (r.status != want)
		fail_msg("%s %s: %ld, want %ld: %s", method, path, r.status, want,
		    r.body ? r.body : "");
	json_t *j = json_loads(r.body && r.body[0] ? r.body : "null", JSON_DECODE_ANY, NULL);
	resp_free(&r);
	assert_non_null(j);
	return j;
}

/* The body of an answer, with its status. The caller frees. */
static char *
body_of(const struct session *s, const char *method, const char *path,
    const char *json, long *status)
{
	struct resp r;
	assert_int_equal(fx_req(&S, s, method, path, json, &r), 0);
	*status = r.status;
	char *b = strdup(r.body ? r.body : "");
	resp_free(&r);
	return b;
}

/* The helpers below format one id into SQL or a path: their formats are
 * this file's literals, so the non-literal format warning is off here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int64_t
q1(const char *fmt, int64_t a)
{
	char sql[512];
	snprintf(sql, sizeof sql, fmt, (long long)a);
	return fx_int(sql);
}

static void
exec1(const char *fmt, int64_t a)
{
	char sql[512];
	snprintf(sql, sizeof sql, fmt, (long long)a);
	assert_int_equal(fx_sql(sql), 0);
}

/* A formatted path in one of four rotating buffers. */
static char *
path1(const char *fmt, int64_t id)
{
	static char p[4][160];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof p[k], fmt, (long long)id);
	return p[k];
}
#pragma GCC diagnostic pop

static int64_t
version_of(int64_t id)
{
	return q1("SELECT version FROM cases WHERE id = %lld", id);
}

static const char *
state_of(int64_t id)
{
	static char buf[40];
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT state FROM cases WHERE id = %lld", (long long)id);
	/* fx_int reads integers only: compare against each state. */
	static const char *const states[] = { "reported", "immediate_action",
		"investigating", "awaiting_determination", "determined", "measures",
		"follow_up", "closed", "archived", "appeal", "county_review", NULL };
	for (size_t i = 0; states[i]; i++) {
		snprintf(sql, sizeof sql, "SELECT count(*) FROM cases WHERE id = %lld AND"
		    " state = '%s'", (long long)id, states[i]);
		if (fx_int(sql) == 1) {
			snprintf(buf, sizeof buf, "%s", states[i]);
			return buf;
		}
	}
	return "";
}

/* POST .../transitions to `to` with the case's current version and extra
 * JSON members (may be ""); expects want; returns the answer. */
static json_t *
move(const struct session *s, int64_t id, const char *to, const char *extra, long want)
{
	char body[4096];
	snprintf(body, sizeof body, "{\"to\":\"%s\",\"version\":%lld%s%s}", to,
	    (long long)version_of(id), extra && extra[0] ? "," : "", extra ? extra : "");
	return call(s, "POST", path1("/api/v1/cases/%lld/transitions", id), body, want);
}

/* The missing keys of a 409 answer, as one comma-separated string; each
 * message must be the Chinese catalog text of its key. */
static void
missing_keys(json_t *j, char *out, size_t len)
{
	json_t *err = json_object_get(j, "error");
	assert_string_equal(json_string_value(json_object_get(err, "code")), "precondition");
	json_t *m = json_object_get(err, "missing");
	out[0] = '\0';
	size_t i;
	json_t *x;
	json_array_foreach(m, i, x) {
		const char *k = json_string_value(json_object_get(x, "key"));
		const char *msg = json_string_value(json_object_get(x, "message"));
		assert_non_null(k);
		assert_non_null(msg);
		assert_string_equal(msg, i18n("zh", k));
		assert_true(strcmp(msg, k) != 0);	/* a real text, not the key */
		size_t n = strlen(out);
		snprintf(out + n, len - n, "%s%s", n ? "," : "", k);
	}
}

static void
expect_missing(const struct session *s, int64_t id, const char *to, const char *extra,
    const char *want)
{
	json_t *j = move(s, id, to, extra, 409);
	char got[1024];
	missing_keys(j, got, sizeof got);
	assert_string_equal(got, want);
	json_decref(j);
}

static int64_t
add_party(const struct session *s, int64_t id, const char *role, const char *name,
    const char *extra)
{
	char body[1024];
	snprintf(body, sizeof body, "{\"role\":\"%s\",\"name\":\"%s\"%s%s}", role, name,
	    extra && extra[0] ? "," : "", extra ? extra : "");
	json_t *j = call(s, "POST", path1("/api/v1/cases/%lld/parties", id), body, 201);
	int64_t pid = json_integer_value(json_object_get(j, "id"));
	json_decref(j);
	assert_true(pid > 0);
	return pid;
}

static int64_t
add_event(const struct session *s, int64_t id, const char *json)
{
	json_t *j = call(s, "POST", path1("/api/v1/cases/%lld/events", id), json, 201);
	int64_t eid = json_integer_value(json_object_get(j, "id"));
	json_decref(j);
	return eid;
}

static int64_t
open_case(const struct session *s, const char *summary, int serious)
{
	char body[512];
	snprintf(body, sizeof body, "{\"summary\":\"%s\",\"serious\":%s}", summary,
	    serious ? "true" : "false");
	json_t *j = call(s, "POST", "/api/v1/cases", body, 201);
	int64_t id = json_integer_value(json_object_get(j, "id"));
	assert_string_equal(json_string_value(json_object_get(j, "state")), "reported");
	assert_non_null(json_string_value(json_object_get(j, "number")));
	json_decref(j);
	return id;
}

static int64_t
seat(const char *name, int64_t account, const char *role, const char *type,
    const char *from, const char *to)
{
	char body[512], path[96];
	if (account > 0)
		snprintf(body, sizeof body, "{\"account_id\":%lld,\"role\":\"%s\","
		    "\"member_type\":\"%s\",\"from_date\":\"%s\"%s%s%s}", (long long)account,
		    role, type, from, to ? ",\"to_date\":\"" : "", to ? to : "", to ? "\"" : "");
	else
		snprintf(body, sizeof body, "{\"name\":\"%s\",\"role\":\"%s\","
		    "\"member_type\":\"%s\",\"from_date\":\"%s\"%s%s%s}", name, role, type,
		    from, to ? ",\"to_date\":\"" : "", to ? to : "", to ? "\"" : "");
	snprintf(path, sizeof path, "/api/v1/units/%lld/committee", (long long)school_a);
	struct resp r;
	assert_int_equal(fx_req(&S, &pa, "POST", path, body, &r), 0);
	if (r.status != 200 && r.status != 201)
		fail_msg("committee: %ld %s", r.status, r.body);
	resp_free(&r);
	return fx_int("SELECT max(id) FROM committee_members");
}

/* 1 when the file holds needle (binary-safe). */
static int
file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return 0;
	size_t n = strlen(needle), cap = 1u << 20, len = 0;
	char *b = malloc(cap);
	int found = 0;
	for (;;) {
		size_t got = fread(b + len, 1, cap - len, f);
		len += got;
		for (size_t i = 0; i + n <= len; i++)
			if (memcmp(b + i, needle, n) == 0) {
				found = 1;
				break;
			}
		if (found || got == 0)
			break;
		/* keep the tail for a match across the boundary */
		if (len > n) {
			memmove(b, b + len - n, n);
			len = n;
		}
	}
	free(b);
	fclose(f);
	return found;
}

/* Sends a request as s while the fixture holds the database's write
 * lock with `sql` applied but not yet committed: the handler reads the
 * case as it was (its read connection sees only what is committed) and
 * queues its job; the writer waits for the lock, so nothing is answered
 * until the change is committed, and then the job must see it. The
 * status and the body (into body, blen) of the answer. When the handler
 * is slower than the pause, it sees the change itself and refuses the
 * request on its own: the test then passes without reaching the writer's
 * check, it never fails for that. */
static long
racing(const struct session *s, const char *method, const char *path,
    const char *ctype, const char *payload, size_t plen, const char *sql, char *body,
    size_t blen)
{
	assert_int_equal(db_begin(fx_conn()), XA_OK);
	assert_int_equal(fx_sql(sql), 0);
	int fd = raw_connect(&S);
	assert_true(fd >= 0);
	char head[1024];
	int n = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Authorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", method, path, s->token, ctype, plen);
	assert_true(n > 0 && (size_t)n < sizeof head);
	assert_int_equal(write(fd, head, (size_t)n), n);
	assert_int_equal(write(fd, payload, plen), (ssize_t)plen);
	char buf[16384];
	/* No answer while the writer waits. */
	assert_int_equal(raw_read(fd, buf, sizeof buf, 800), 0);
	assert_int_equal(db_commit(fx_conn()), XA_OK);
	ssize_t got = raw_read(fd, buf, sizeof buf, 20000);
	close(fd);
	assert_true(got > 12);
	long status = strtol(buf + 9, NULL, 10);
	const char *b = strstr(buf, "\r\n\r\n");
	snprintf(body, blen, "%s", b ? b + 4 : "");
	return status;
}

/* --- Setup. */

/* Says which fixture step failed. */
#define FX(x) do { if ((x) < 0) { fprintf(stderr, "setup: %s failed\n", #x); \
	return -1; } } while (0)

/* Under AddressSanitizer the server renders the dossier with cairo
 * 1.16, which leaks a CFF font index per document inside
 * cairo_surface_finish, and fontconfig keeps a few bytes of its
 * configuration (see tests/unit/test_dossier.c). The server is our child:
 * it gets those two suppressions and nothing else, so any other leak
 * still fails the run. Ignored by a build without the sanitizer. */
static char lsan_file[64];

static void
sanitizer_env(void)
{
	snprintf(lsan_file, sizeof lsan_file, "/tmp/xiaoan-lsan-XXXXXX");
	int fd = mkstemp(lsan_file);
	if (fd < 0) {
		lsan_file[0] = '\0';
		return;
	}
	static const char supp[] = "leak:cairo_surface_finish\nleak:libfontconfig.so\n";
	if (write(fd, supp, sizeof supp - 1) != (ssize_t)(sizeof supp - 1))
		lsan_file[0] = '\0';
	close(fd);
	if (lsan_file[0] == '\0')
		return;
	char opt[128];
	snprintf(opt, sizeof opt, "suppressions=%s", lsan_file);
	setenv("LSAN_OPTIONS", opt, 1);
	setenv("ASAN_OPTIONS", "fast_unwind_on_malloc=0:malloc_context_size=20", 0);
}

static int
setup(void **state)
{
	memset(&S, 0, sizeof S);
	sanitizer_env();
	if (srv_start(&S, NULL) != 0 || fx_setup(&S) != 0)
		return -1;
	day_format(day_of((int64_t)time(NULL), 8 * 3600), today);
	day_format(day_of((int64_t)time(NULL), 8 * 3600) - 1, yesterday);
	int64_t off;
	FX(off = fx_unit(1, "office", "教体局办公室", NULL));
	FX(school_a = fx_unit(1, "school", "新郑市第九初级中学", "junior"));
	FX(school_b = fx_unit(1, "school", "新郑市第十初级中学", "junior"));
	FX(acc_pa = fx_account(school_a, "prin_a", PW, ROLE_BIT(ROLE_PRINCIPAL) |
	    ROLE_BIT(ROLE_COMMITTEE)));
	FX(acc_ca = fx_account(school_a, "cm_a", PW, ROLE_BIT(ROLE_COMMITTEE)));
	FX(fx_account(school_a, "couns_a", PW, ROLE_BIT(ROLE_COUNSELLOR)));
	FX(fx_account(school_a, "teach_a", PW, ROLE_BIT(ROLE_TEACHER)));
	FX(fx_account(school_b, "prin_b", PW, ROLE_BIT(ROLE_PRINCIPAL) | ROLE_BIT(ROLE_COMMITTEE)));
	FX(fx_account(1, "insp1", PW, ROLE_BIT(ROLE_INSPECTOR)));
	FX(fx_account(off, "office1", PW, ROLE_BIT(ROLE_OFFICE_STAFF)));
	FX(fx_signin(&S, "prin_a", PW, &pa));
	FX(fx_signin(&S, "cm_a", PW, &ca));
	FX(fx_signin(&S, "couns_a", PW, &coa));
	FX(fx_signin(&S, "teach_a", PW, &ta));
	FX(fx_signin(&S, "prin_b", PW, &pb));
	FX(fx_signin(&S, "insp1", PW, &insp));
	FX(fx_signin(&S, "office1", PW, &office));
	return 0;
}

static int
teardown(void **state)
{
	fx_done();
	int rc = srv_stop(&S);
	if (rc != 0) {
		/* Say why (a sanitizer's report, say) before the folder goes. */
		char *argv[] = { "tail", "-n", "60", S.log, NULL };
		char *out = NULL;
		run_cmd(argv, &out);
		fprintf(stderr, "server exited %d:\n%s\n", rc, out ? out : "");
		free(out);
	}
	srv_cleanup(&S);
	if (lsan_file[0] != '\0')
		unlink(lsan_file);
	return rc;
}

static void
test_committee_roster(void **state)
{
	seat_chair = seat(NULL, acc_pa, "chair", "staff", "2020-01-01", NULL);
	seat_legal = seat("王警官", 0, "vice_chair", "legal_vp", "2020-01-01", NULL);
	seat_parent = seat("赵家长", 0, "member", "parent_rep", "2020-01-01", NULL);
	seat_expert = seat("钱专家", 0, "member", "outside_expert", "2020-01-01", NULL);
	seat_staff = seat(NULL, acc_ca, "secretary", "staff", "2020-01-01", NULL);
	seat_gone = seat("孙老师", 0, "member", "staff", "2020-01-01", "2021-06-30");
	assert_true(seat_gone > seat_staff);
}

/* --- The whole case, opening to archive. */

static int64_t main_case, p_victim, p_perp, p_perp2;

static void
test_open_and_parties(void **state)
{
	/* A teacher without case rights cannot open one; nothing is made. */
	json_t *j = call(&ta, "POST", "/api/v1/cases", "{\"summary\":\"x\"}", 404);
	json_decref(j);
	j = call(&ca, "POST", "/api/v1/cases", "{\"serious\":false}", 400);
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM cases"), 0);

	main_case = open_case(&ca, SUMMARY, 0);
	assert_string_equal(state_of(main_case), "reported");
	assert_int_equal(q1("SELECT owner_id FROM cases WHERE id = %lld", main_case), acc_ca);
	/* Nobody to protect yet: immediate action is refused, in Chinese. */
	expect_missing(&ca, main_case, "immediate_action", "", "missing.victim_party");
	/* A skipped state. */
	expect_missing(&ca, main_case, "determined", "", "missing.no_such_step");
	expect_missing(&ca, main_case, "archived", "", "missing.no_such_step");
	/* Bad party input changes nothing. */
	j = call(&ca, "POST", path1("/api/v1/cases/%lld/parties", main_case),
	    "{\"role\":\"king\",\"name\":\"x\"}", 400);
	json_decref(j);
	j = call(&ca, "POST", path1("/api/v1/cases/%lld/parties", main_case),
	    "{\"role\":\"victim\",\"name\":\"x\",\"grade\":13}", 400);
	json_decref(j);
	j = call(&ca, "POST", path1("/api/v1/cases/%lld/parties", main_case),
	    "{\"role\":\"victim\",\"name\":\"12345678901234567890123456789012345678901\"}", 400);
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM case_parties"), 0);

	p_victim = add_party(&ca, main_case, "victim", VICTIM,
	    "\"grade\":7,\"class_name\":\"2班\",\"stage\":\"junior\",\"under14\":true");
	p_perp = add_party(&ca, main_case, "perpetrator", PERP,
	    "\"grade\":8,\"class_name\":\"1班\",\"stage\":\"junior\",\"under14\":false,"
	    "\"guardians\":\"" GUARD "\"");
	assert_int_equal(q1("SELECT count(*) FROM case_parties WHERE id = %lld AND"
	    " alias = '学生A'", p_victim), 1);
	assert_int_equal(q1("SELECT count(*) FROM case_parties WHERE id = %lld AND"
	    " alias = '学生B' AND compulsory = 1 AND under14 = 0 AND length(student_ref) = 64",
	    p_perp), 1);
	assert_true(fx_int("SELECT count(*) FROM audit_log WHERE action = 'case.party'") == 2);
}

static void
test_immediate_action(void **state)
{
	json_t *j = move(&ca, main_case, "immediate_action", "\"note\":\"当天处置\"", 200);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "immediate_action");
	assert_true(json_integer_value(json_object_get(j, "due_at")) > 0);
	json_decref(j);
	/* A stale version gives the conflict, and changes nothing. */
	char body[128];
	snprintf(body, sizeof body, "{\"to\":\"investigating\",\"version\":%lld}",
	    (long long)(version_of(main_case) - 1));
	expect_missing(&ca, main_case, "investigating", "",
	    "missing.stop,missing.protection,missing.guardians_victim,"
	    "missing.guardians_perpetrator");
	/* Kind-specific fields are checked. */
	j = call(&ca, "POST", path1("/api/v1/cases/%lld/events", main_case),
	    "{\"kind\":\"guardian_notice\",\"party_id\":1}", 400);
	json_decref(j);
	j = call(&ca, "POST", path1("/api/v1/cases/%lld/events", main_case),
	    "{\"kind\":\"protection\"}", 400);
	json_decref(j);
	j = call(&ca, "POST", path1("/api/v1/cases/%lld/events", main_case),
	    "{\"kind\":\"referral\"}", 400);
	json_decref(j);
	j = call(&ca, "POST", path1("/api/v1/cases/%lld/events", main_case),
	    "{\"kind\":\"stop\",\"occurred_at\":\"2999-01-01 10:00\"}", 400);
	json_decref(j);
	j = call(&ca, "POST", path1("/api/v1/cases/%lld/events", main_case),
	    "{\"kind\":\"stop\",\"occurred_at\":\"yesterday\"}", 400);
	json_decref(j);
	j = call(&ca, "POST", path1("/api/v1/cases/%lld/events", main_case),
	    "{\"kind\":\"opened\"}", 400);
	json_decref(j);
	assert_int_equal(q1("SELECT count(*) FROM case_events WHERE case_id = %lld AND"
	    " kind NOT IN ('opened', 'transition')", main_case), 0);

	char ev[256];
	add_event(&ca, main_case, "{\"kind\":\"stop\",\"text\":\"班主任当场制止\"}");
	snprintf(ev, sizeof ev, "{\"kind\":\"protection\",\"party_id\":%lld,"
	    "\"text\":\"调整座位，放学由家长接送\"}", (long long)p_victim);
	add_event(&ca, main_case, ev);
	snprintf(ev, sizeof ev, "{\"kind\":\"guardian_notice\",\"party_id\":%lld,"
	    "\"about\":\"incident\",\"method\":\"phone\"}", (long long)p_victim);
	add_event(&ca, main_case, ev);
	snprintf(ev, sizeof ev, "{\"kind\":\"guardian_notice\",\"party_id\":%lld,"
	    "\"about\":\"incident\",\"method\":\"in_person\",\"occurred_at\":\"%sT08:05\"}",
	    (long long)p_perp, yesterday);
	add_event(&ca, main_case, ev);
	/* A stale version: 409 and the case stays where it was. */
	j = call(&ca, "POST", path1("/api/v1/cases/%lld/transitions", main_case), body, 409);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"),
	    "code")), "conflict");
	json_decref(j);
	assert_string_equal(state_of(main_case), "immediate_action");
	j = move(&ca, main_case, "investigating", "", 200);
	json_decref(j);
	assert_string_equal(state_of(main_case), "investigating");
	/* Ten days for the investigation: due in the future. */
	assert_true(q1("SELECT due_at FROM cases WHERE id = %lld", main_case) >
	    (int64_t)time(NULL) + 5 * 86400);
}

static int64_t counsel_event;

static void
test_investigation_and_counselling(void **state)
{
	expect_missing(&ca, main_case, "awaiting_determination", "",
	    "missing.investigation");
	char ev[512];
	snprintf(ev, sizeof ev, "{\"kind\":\"interview\",\"party_id\":%lld,\"text\":\"%s\"}",
	    (long long)p_perp, INTERVIEW);
	add_event(&ca, main_case, ev);
	add_event(&ca, main_case, "{\"kind\":\"evidence\",\"text\":\"走廊监控截图两张\"}");
	/* A counselling note: only the counsellor writes it; the committee
	 * member does not read it, the principal does. */
	snprintf(ev, sizeof ev, "{\"kind\":\"counselling\",\"party_id\":%lld,\"text\":\"%s\"}",
	    (long long)p_victim, COUNSEL);
	json_t *j = call(&ca, "POST", path1("/api/v1/cases/%lld/events", main_case), ev, 403);
	json_decref(j);
	counsel_event = add_event(&coa, main_case, ev);
	assert_int_equal(q1("SELECT restricted FROM case_events WHERE id = %lld",
	    counsel_event), 1);
	long st;
	char *b = body_of(&ca, "GET", path1("/api/v1/cases/%lld", main_case), NULL, &st);
	assert_int_equal(st, 200);
	assert_null(strstr(b, COUNSEL));
	assert_non_null(strstr(b, INTERVIEW));
	assert_non_null(strstr(b, VICTIM));
	assert_non_null(strstr(b, "\"hidden\":true"));
	assert_non_null(strstr(b, i18n("zh", "case.restricted_entry")));
	free(b);
	b = body_of(&pa, "GET", path1("/api/v1/cases/%lld", main_case), NULL, &st);
	assert_int_equal(st, 200);
	assert_non_null(strstr(b, COUNSEL));
	free(b);
	b = body_of(&coa, "GET", path1("/api/v1/cases/%lld", main_case), NULL, &st);
	assert_int_equal(st, 200);
	assert_non_null(strstr(b, COUNSEL));
	free(b);
	/* The committee page also hides it. */
	struct resp r;
	assert_int_equal(fx_req_cookie(&S, &ca, "GET", path1("/cases/%lld", main_case), NULL,
	    NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, COUNSEL));
	assert_non_null(strstr(r.body, i18n("zh", "case.restricted_hint")));
	resp_free(&r);
	/* Every read of sealed content is recorded. */
	assert_true(q1("SELECT count(*) FROM audit_log WHERE action = 'case.read' AND"
	    " object_type = 'case' AND object_id = %lld", main_case) >= 4);
	assert_true(q1("SELECT count(*) FROM audit_log WHERE action = 'case.read' AND"
	    " object_id = %lld AND fields LIKE '%%counselling%%'", main_case) >= 2);

	j = move(&ca, main_case, "awaiting_determination", "", 200);
	json_decref(j);
	/* A second perpetrator turns up; their guardians are not told yet. */
	p_perp2 = add_party(&ca, main_case, "perpetrator", PERP2,
	    "\"grade\":8,\"class_name\":\"1班\",\"stage\":\"junior\"");
}

/* A correction of a counselling note says what the note said: it is kept
 * from the same readers (the committee member reads neither, in the
 * JSON, on the page or later in the dossier). */
static void
test_counselling_correction(void **state)
{
	char ev[512];
	snprintf(ev, sizeof ev, "{\"kind\":\"counselling\",\"party_id\":%lld,"
	    "\"text\":\"UNIQ-COUNSEL2 睡眠不好\"}", (long long)p_victim);
	int64_t note = add_event(&pa, main_case, ev);
	snprintf(ev, sizeof ev, "{\"kind\":\"correction\",\"corrects_id\":%lld,"
	    "\"text\":\"%s\"}", (long long)note, CORRECTED);
	int64_t corr = add_event(&pa, main_case, ev);
	assert_int_equal(q1("SELECT restricted FROM case_events WHERE id = %lld", corr), 1);
	/* The committee member: neither text, in the JSON or on the page. */
	long st;
	char *b = body_of(&ca, "GET", path1("/api/v1/cases/%lld", main_case), NULL, &st);
	assert_int_equal(st, 200);
	assert_null(strstr(b, CORRECTED));
	assert_null(strstr(b, "UNIQ-COUNSEL2"));
	free(b);
	struct resp r;
	assert_int_equal(fx_req_cookie(&S, &ca, "GET", path1("/cases/%lld", main_case), NULL,
	    NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, CORRECTED));
	resp_free(&r);
	/* Nor may they correct it in turn. */
	snprintf(ev, sizeof ev, "{\"kind\":\"correction\",\"corrects_id\":%lld,"
	    "\"text\":\"再更正\"}", (long long)corr);
	json_decref(call(&ca, "POST", path1("/api/v1/cases/%lld/events", main_case), ev, 400));
	/* The principal, who reads counselling, sees the correction. */
	b = body_of(&pa, "GET", path1("/api/v1/cases/%lld", main_case), NULL, &st);
	assert_int_equal(st, 200);
	assert_non_null(strstr(b, CORRECTED));
	free(b);
}

/* A party's stage must be one the school teaches, and the grade one of
 * the stage's; refused in Chinese, nothing written. */
static void
test_party_stage(void **state)
{
	int64_t parties = fx_int("SELECT count(*) FROM case_parties");
	json_t *j = call(&ca, "POST", path1("/api/v1/cases/%lld/parties", main_case),
	    "{\"role\":\"witness\",\"name\":\"某某\",\"stage\":\"senior\"}", 400);
	json_t *e = json_object_get(j, "error");
	assert_string_equal(json_string_value(json_object_get(e, "code")),
	    "case_stage_not_taught");
	assert_string_equal(json_string_value(json_object_get(e, "message")),
	    i18n("zh", "error.case_stage_not_taught"));
	json_decref(j);
	j = call(&ca, "POST", path1("/api/v1/cases/%lld/parties", main_case),
	    "{\"role\":\"witness\",\"name\":\"某某\",\"stage\":\"junior\",\"grade\":10}",
	    400);
	e = json_object_get(j, "error");
	assert_string_equal(json_string_value(json_object_get(e, "code")), "case_grade_stage");
	assert_string_equal(json_string_value(json_object_get(e, "message")),
	    i18n("zh", "error.case_grade_stage"));
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM case_parties"), parties);
	/* The form offers only the school's stages. */
	j = call(&ca, "GET", path1("/api/v1/cases/%lld", main_case), NULL, 200);
	json_t *stages = json_object_get(json_object_get(j, "forms"), "stages");
	assert_int_equal(json_array_size(stages), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(stages, 0),
	    "name")), "junior");
	json_decref(j);
}

static void
test_determination(void **state)
{
	char extra[1024];
	/* No participants, a perpetrator's guardians not told, no harm. */
	snprintf(extra, sizeof extra, "\"finding\":\"bullying\",\"tier\":\"general\","
	    "\"behaviours\":[\"physical\",\"verbal\"],\"intent\":\"deliberate\","
	    "\"imbalance\":[\"numbers\"],\"repetition\":\"repeated\",\"place\":\"in_school\","
	    "\"basis\":\"mpl2020_130\",\"reasons\":\"%s\",\"meeting_date\":\"%s\"", REASONS,
	    today);
	expect_missing(&ca, main_case, "determined", extra,
	    "missing.participants,missing.guardians_perpetrator,missing.harms");
	assert_string_equal(state_of(main_case), "awaiting_determination");
	/* Someone who no longer sat that day. */
	snprintf(extra, sizeof extra, "\"finding\":\"bullying\",\"tier\":\"general\","
	    "\"behaviours\":[\"physical\"],\"harms\":[\"physical\",\"mental\"],"
	    "\"intent\":\"deliberate\",\"imbalance\":[\"numbers\"],\"repetition\":\"repeated\","
	    "\"place\":\"in_school\",\"basis\":\"mpl2020_130\",\"reasons\":\"%s\","
	    "\"meeting_date\":\"%s\",\"participants\":[%lld,%lld]", REASONS, today,
	    (long long)seat_chair, (long long)seat_gone);
	expect_missing(&ca, main_case, "determined", extra,
	    "missing.participants_off_roster,missing.guardians_perpetrator");
	char ev[256];
	snprintf(ev, sizeof ev, "{\"kind\":\"guardian_notice\",\"party_id\":%lld,"
	    "\"about\":\"incident\",\"method\":\"letter\"}", (long long)p_perp2);
	add_event(&ca, main_case, ev);
	/* Unlawful without a police referral. */
	snprintf(extra, sizeof extra, "\"finding\":\"bullying\",\"tier\":\"unlawful\","
	    "\"behaviours\":[\"physical\"],\"harms\":[\"physical\"],\"intent\":\"malicious\","
	    "\"imbalance\":[\"numbers\",\"body\"],\"repetition\":\"repeated\","
	    "\"place\":\"in_school\",\"basis\":\"mpl2020_130\",\"reasons\":\"%s\","
	    "\"meeting_date\":\"%s\",\"participants\":[%lld,%lld,%lld]", REASONS, today,
	    (long long)seat_chair, (long long)seat_legal, (long long)seat_parent);
	expect_missing(&ca, main_case, "determined", extra,
	    "missing.police_referral_unlawful");
	assert_int_equal(q1("SELECT count(*) FROM case_events WHERE case_id = %lld AND"
	    " kind = 'determination'", main_case), 0);
	/* A meeting that has not happened yet, or before the case was opened:
	 * refused in Chinese, nothing changed. */
	char later[11];
	day_format(day_of((int64_t)time(NULL), 8 * 3600) + 1, later);
	static const char *const bad_days[][2] = {
		{ NULL, "case_meeting_future" }, { "2020-01-02", "case_meeting_before_open" },
	};
	for (int k = 0; k < 2; k++) {
		snprintf(extra, sizeof extra, "\"finding\":\"bullying\",\"tier\":\"general\","
		    "\"behaviours\":[\"physical\"],\"harms\":[\"physical\"],"
		    "\"intent\":\"deliberate\",\"imbalance\":[\"numbers\"],"
		    "\"repetition\":\"repeated\",\"place\":\"in_school\","
		    "\"basis\":\"mpl2020_130\",\"reasons\":\"x\",\"meeting_date\":\"%s\","
		    "\"participants\":[%lld,%lld,%lld]", bad_days[k][0] ? bad_days[k][0] : later,
		    (long long)seat_chair, (long long)seat_legal, (long long)seat_parent);
		json_t *bad = move(&ca, main_case, "determined", extra, 400);
		json_t *err = json_object_get(bad, "error");
		assert_string_equal(json_string_value(json_object_get(err, "code")),
		    bad_days[k][1]);
		char key[64];
		snprintf(key, sizeof key, "error.%s", bad_days[k][1]);
		assert_string_equal(json_string_value(json_object_get(err, "message")),
		    i18n("zh", key));
		json_decref(bad);
	}
	assert_string_equal(state_of(main_case), "awaiting_determination");
	assert_int_equal(q1("SELECT count(*) FROM case_events WHERE case_id = %lld AND"
	    " kind = 'determination'", main_case), 0);
	/* Accepted: a general tier. */
	snprintf(extra, sizeof extra, "\"finding\":\"bullying\",\"tier\":\"general\","
	    "\"behaviours\":[\"physical\",\"verbal\"],\"harms\":[\"physical\",\"mental\"],"
	    "\"intent\":\"deliberate\",\"imbalance\":[\"numbers\"],\"repetition\":\"repeated\","
	    "\"place\":\"in_school\",\"basis\":\"mpl2020_130\",\"reasons\":\"%s\","
	    "\"meeting_date\":\"%s\",\"participants\":[%lld,%lld,%lld,%lld,%lld]", REASONS,
	    today, (long long)seat_chair, (long long)seat_legal, (long long)seat_parent,
	    (long long)seat_expert, (long long)seat_staff);
	json_t *j = move(&ca, main_case, "determined", extra, 200);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "determined");
	assert_string_equal(json_string_value(json_object_get(j, "tier")), "general");
	json_decref(j);
	assert_int_equal(q1("SELECT count(*) FROM cases WHERE id = %lld AND"
	    " finding = 'bullying' AND tier = 'general'", main_case), 1);
	/* Who sat, by name and role, in the determination's meta. */
	assert_int_equal(q1("SELECT count(*) FROM case_events WHERE case_id = %lld AND"
	    " kind = 'determination' AND meta LIKE '%%王警官%%' AND meta LIKE '%%vice_chair%%'"
	    " AND meta NOT LIKE '%%孙老师%%' AND body IS NOT NULL", main_case), 1);
	/* And the whole committee as it stood that day, whether complete. */
	assert_int_equal(q1("SELECT json_array_length(meta, '$.roster') FROM case_events"
	    " WHERE case_id = %lld AND kind = 'determination'", main_case), 5);
	assert_int_equal(q1("SELECT count(*) FROM case_events WHERE case_id = %lld AND"
	    " kind = 'determination' AND json_type(meta, '$.roster_complete') IN"
	    " ('true', 'false') AND json_extract(meta, '$.roster[0].role') = 'chair'"
	    " AND json_extract(meta, '$.roster[0].member_type') = 'staff'"
	    " AND json_extract(meta, '$.roster[1].name') = '王警官'", main_case), 1);
	assert_int_equal(q1("SELECT supervised FROM cases WHERE id = %lld", main_case), 0);
	assert_int_equal(q1("SELECT count(*) FROM audit_log WHERE action = 'case.determine'"
	    " AND object_id = %lld", main_case), 1);
}

static void
test_measures_to_archive(void **state)
{
	/* Not before measures and the result told. */
	expect_missing(&ca, main_case, "measures", "",
	    "missing.measures_each_perpetrator,missing.outcome_notice");
	int64_t now = (int64_t)time(NULL);
	char sql[512];
	int64_t perps[] = { p_perp, p_perp2 };
	for (int i = 0; i < 2; i++) {
		snprintf(sql, sizeof sql, "INSERT INTO case_measures (case_id, party_id, kind,"
		    " name, decided_at, guardians_told_at, done_at) VALUES (%lld, %lld,"
		    " 'education', '批评教育', %lld, 0, 0)", (long long)main_case,
		    (long long)perps[i], (long long)now);
		assert_int_equal(fx_sql(sql), 0);
	}
	int64_t all[] = { p_victim, p_perp, p_perp2 };
	for (int i = 0; i < 3; i++) {
		char ev[256];
		snprintf(ev, sizeof ev, "{\"kind\":\"guardian_notice\",\"party_id\":%lld,"
		    "\"about\":\"result\",\"method\":\"phone\"}", (long long)all[i]);
		add_event(&ca, main_case, ev);
	}
	json_t *j = move(&ca, main_case, "measures", "", 200);
	json_decref(j);
	expect_missing(&ca, main_case, "follow_up", "",
	    "missing.measures_not_told,missing.measures_not_done");
	exec1("UPDATE case_measures SET guardians_told_at = 1, done_at = 1 WHERE case_id = %lld",
	    main_case);
	j = move(&ca, main_case, "follow_up", "", 200);
	json_decref(j);
	expect_missing(&ca, main_case, "closed", "",
	    "missing.followup_victim,missing.followup_perpetrator");
	for (int i = 0; i < 3; i++) {
		snprintf(sql, sizeof sql, "INSERT INTO case_reviews (case_id, party_id, kind,"
		    " due_on, done_at) VALUES (%lld, %lld, 'followup', '%s', %lld)",
		    (long long)main_case, (long long)all[i], today, (long long)now);
		assert_int_equal(fx_sql(sql), 0);
	}
	j = move(&ca, main_case, "closed", "\"note\":\"回访正常，结案\"", 200);
	json_decref(j);
	assert_true(q1("SELECT closed_at FROM cases WHERE id = %lld", main_case) > 0);
	/* Closed is read-only: no entries, no parties, no flag. */
	int64_t events = q1("SELECT count(*) FROM case_events WHERE case_id = %lld", main_case);
	j = call(&ca, "POST", path1("/api/v1/cases/%lld/events", main_case),
	    "{\"kind\":\"note\",\"text\":\"补记\"}", 409);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"),
	    "code")), "case_closed");
	json_decref(j);
	j = move(&ca, main_case, "archived", "", 200);
	json_decref(j);
	assert_string_equal(state_of(main_case), "archived");
	j = call(&ca, "POST", path1("/api/v1/cases/%lld/events", main_case),
	    "{\"kind\":\"note\",\"text\":\"补记\"}", 409);
	json_decref(j);
	j = call(&ca, "POST", path1("/api/v1/cases/%lld/parties", main_case),
	    "{\"role\":\"witness\",\"name\":\"某某\"}", 409);
	json_decref(j);
	j = call(&ca, "POST", path1("/api/v1/cases/%lld/legal", main_case), "{\"on\":true}", 409);
	json_decref(j);
	assert_int_equal(q1("SELECT count(*) FROM case_events WHERE case_id = %lld", main_case),
	    events + 1);	/* the archiving transition alone */
	expect_missing(&ca, main_case, "closed", "", "missing.no_such_step");
	/* The page says so, and offers no forms. */
	struct resp r;
	assert_int_equal(fx_req_cookie(&S, &ca, "GET", path1("/cases/%lld", main_case), NULL,
	    NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, i18n("zh", "case.read_only")));
	assert_null(strstr(r.body, "/events\""));
	resp_free(&r);
}

/* --- Lists. */

static int
list_has(const struct session *s, const char *query, int64_t id)
{
	char path[160];
	snprintf(path, sizeof path, "/api/v1/cases%s", query);
	json_t *j = call(s, "GET", path, NULL, 200);
	int found = 0;
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(j, "items"), i, x)
		if (json_integer_value(json_object_get(x, "id")) == id)
			found = 1;
	json_decref(j);
	return found;
}

static int64_t open2;

static void
test_lists(void **state)
{
	open2 = open_case(&pa, "UNIQ-SUMMARY-2 食堂排队时被起绰号", 0);
	assert_true(list_has(&ca, "?view=archive", main_case));
	assert_false(list_has(&ca, "?view=open", main_case));
	assert_true(list_has(&ca, "?view=open", open2));
	assert_true(list_has(&ca, "?view=mine", main_case));
	assert_false(list_has(&ca, "?view=mine", open2));
	assert_true(list_has(&pa, "?view=mine", open2));
	assert_false(list_has(&ca, "?view=overdue", open2));
	/* Overdue: most overdue first, in working days. */
	int64_t open3 = open_case(&pa, "UNIQ-SUMMARY-3", 0);
	exec1("UPDATE cases SET due_at = strftime('%%s','now') - 20 * 86400 WHERE id = %lld", open2);
	exec1("UPDATE cases SET due_at = strftime('%%s','now') - 40 * 86400 WHERE id = %lld", open3);
	json_t *j = call(&ca, "GET", "/api/v1/cases?view=overdue", NULL, 200);
	json_t *items = json_object_get(j, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), open3);
	assert_true(json_integer_value(json_object_get(json_array_get(items, 0),
	    "overdue_days")) >= 20);
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(items, 0),
	    "overdue_text")), "个工作日"));
	json_decref(j);
	/* The page of the overdue case warns, and does not block. */
	struct resp r;
	assert_int_equal(fx_req_cookie(&S, &pa, "GET", path1("/cases/%lld", open3), NULL,
	    NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "立即处置已超期"));
	resp_free(&r);
	/* Paging. */
	j = call(&ca, "GET", "/api/v1/cases?view=open&limit=1", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	assert_non_null(json_object_get(j, "next_href"));
	json_decref(j);
	/* A teacher sees only "mine", and no other list. */
	j = call(&ta, "GET", "/api/v1/cases", NULL, 200);
	assert_string_equal(json_string_value(json_object_get(j, "view")), "mine");
	assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
	j = call(&ta, "GET", "/api/v1/cases?view=open", NULL, 404);
	json_decref(j);
	/* School B sees none of school A's cases. */
	assert_false(list_has(&pb, "?view=open", open2));
	assert_false(list_has(&pb, "?view=archive", main_case));
	/* The bureau sees every school, filtered by one, without names. */
	assert_true(list_has(&insp, "?view=archive", main_case));
	char q[64];
	snprintf(q, sizeof q, "?view=open&unit_id=%lld", (long long)school_a);
	assert_true(list_has(&insp, q, open2));
	snprintf(q, sizeof q, "?view=open&unit_id=%lld", (long long)school_b);
	assert_false(list_has(&insp, q, open2));
	long st;
	char *b = body_of(&insp, "GET", "/api/v1/cases?view=archive", NULL, &st);
	assert_int_equal(st, 200);
	assert_null(strstr(b, "UNIQ-"));
	assert_non_null(strstr(b, "新郑市第九初级中学"));
	free(b);
	/* The list page. */
	assert_int_equal(fx_req_cookie(&S, &insp, "GET", "/cases?view=archive", NULL, NULL, 0,
	    &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "UNIQ-"));
	assert_non_null(strstr(r.body, "name=\"unit_id\""));
	resp_free(&r);
}

/* --- The bureau's view. */

static void
test_bureau_deidentified(void **state)
{
	long st;
	char *b = body_of(&insp, "GET", path1("/api/v1/cases/%lld", main_case), NULL, &st);
	assert_int_equal(st, 200);
	assert_null(strstr(b, "UNIQ-"));
	assert_null(strstr(b, "张小明"));
	assert_null(strstr(b, "13800001111"));
	assert_non_null(strstr(b, "学生A"));
	assert_non_null(strstr(b, "\"deidentified\":true"));
	free(b);
	/* The English page says Student A. */
	struct resp r;
	char cookie[96];
	snprintf(cookie, sizeof cookie, "Cookie: xa_session=%s", insp.token);
	const char *h[] = { cookie, "Accept-Language: en", NULL };
	assert_int_equal(http_req(&S, "GET", path1("/cases/%lld", main_case), NULL, NULL, 0,
	    h, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "UNIQ-"));
	assert_non_null(strstr(r.body, "Student A"));
	resp_free(&r);
	/* No sealed content was opened for it: no read record by the bureau. */
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'case.read'"
	    " AND account_id = (SELECT id FROM accounts WHERE username = 'insp1')"), 0);
	/* Nor may it change the case. */
	json_t *j = call(&insp, "POST", path1("/api/v1/cases/%lld/events", open2),
	    "{\"kind\":\"note\",\"text\":\"x\"}", 403);
	json_decref(j);
}

/* --- Cross-school isolation. */

static void
same_404(const char *method, const char *fmt, const char *json)
{
	long s1, s2;
	char *a = body_of(&pb, method, path1(fmt, open2), json, &s1);
	char *b = body_of(&pb, method, path1(fmt, 987654321), json, &s2);
	if (s1 != 404 || s2 != 404 || strcmp(a, b) != 0)
		fail_msg("%s %s: %ld/%ld\n%s\n%s", method, fmt, s1, s2, a, b);
	free(a);
	free(b);
}

static void
test_isolation(void **state)
{
	int64_t events = fx_int("SELECT count(*) FROM case_events");
	int64_t parties = fx_int("SELECT count(*) FROM case_parties");
	int64_t audit_reads = fx_int("SELECT count(*) FROM audit_log WHERE action LIKE 'case.%'");
	int64_t v = version_of(open2);
	char tbody[128];
	snprintf(tbody, sizeof tbody, "{\"to\":\"immediate_action\",\"version\":%lld}",
	    (long long)v);
	same_404("GET", "/api/v1/cases/%lld", NULL);
	same_404("POST", "/api/v1/cases/%lld/parties", "{\"role\":\"victim\",\"name\":\"x\"}");
	same_404("POST", "/api/v1/cases/%lld/events", "{\"kind\":\"note\",\"text\":\"x\"}");
	same_404("POST", "/api/v1/cases/%lld/transitions", tbody);
	same_404("POST", "/api/v1/cases/%lld/legal", "{\"on\":true}");
	same_404("GET", "/api/v1/cases/%lld/attachments/1", NULL);
	same_404("GET", "/api/v1/cases/%lld/dossier.pdf", NULL);
	/* The pages too. */
	struct resp r1, r2;
	assert_int_equal(fx_req_cookie(&S, &pb, "GET", path1("/cases/%lld", open2), NULL, NULL,
	    0, &r1), 0);
	assert_int_equal(fx_req_cookie(&S, &pb, "GET", "/cases/987654321", NULL, NULL, 0, &r2), 0);
	assert_int_equal(r1.status, 404);
	assert_int_equal(r2.status, 404);
	resp_free(&r1);
	resp_free(&r2);
	assert_int_equal(fx_req_cookie(&S, &pb, "GET", path1("/cases/%lld/step/immediate_action",
	    open2), NULL, NULL, 0, &r1), 0);
	assert_int_equal(r1.status, 404);
	resp_free(&r1);
	/* A teacher of school A who is not on the case: the same. */
	long st;
	char *b = body_of(&ta, "GET", path1("/api/v1/cases/%lld", open2), NULL, &st);
	assert_int_equal(st, 404);
	free(b);
	/* Nothing changed. */
	assert_int_equal(fx_int("SELECT count(*) FROM case_events"), events);
	assert_int_equal(fx_int("SELECT count(*) FROM case_parties"), parties);
	assert_int_equal(version_of(open2), v);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action LIKE 'case.%'"),
	    audit_reads);
}

/* --- Page forms. */

static void
test_page_forms(void **state)
{
	struct resp r;
	/* Opening from the page form. */
	assert_int_equal(fx_req_cookie(&S, &ca, "GET", "/cases/new", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "name=\"summary\""));
	resp_free(&r);
	int64_t before = fx_int("SELECT count(*) FROM cases");
	assert_int_equal(fx_req_cookie(&S, &ca, "POST", "/cases/new",
	    "application/x-www-form-urlencoded", "summary=", 1, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, i18n("zh", "error.case_summary")));
	resp_free(&r);
	assert_int_equal(fx_int("SELECT count(*) FROM cases"), before);
	assert_int_equal(fx_req_cookie(&S, &ca, "POST", "/cases/new",
	    "application/x-www-form-urlencoded",
	    "summary=UNIQ-SUMMARY-4%20%E5%9C%A8%E6%93%8D%E5%9C%BA", 1, &r), 0);
	assert_int_equal(r.status, 303);
	int64_t id = fx_int("SELECT max(id) FROM cases");
	assert_string_equal(resp_header(&r, "Location"), path1("/cases/%lld", id));
	resp_free(&r);
	/* A party by the form; the page shows the next step's needs. */
	assert_int_equal(fx_req_cookie(&S, &ca, "GET", path1("/cases/%lld", id), NULL, NULL, 0,
	    &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "要进入「立即处置」还需要："));
	assert_non_null(strstr(r.body, i18n("zh", "missing.victim_party")));
	resp_free(&r);
	assert_int_equal(fx_req_cookie(&S, &ca, "POST", path1("/cases/%lld/parties", id),
	    "application/x-www-form-urlencoded",
	    "role=victim&name=UNIQ-V4&grade=3&under14=1&guardians=", 1, &r), 0);
	assert_int_equal(r.status, 303);
	resp_free(&r);
	/* The step by its button; then a determination form keeps what was
	 * typed when refused. */
	char form[512];
	snprintf(form, sizeof form, "to=immediate_action&version=%lld&note=",
	    (long long)version_of(id));
	assert_int_equal(fx_req_cookie(&S, &ca, "POST", path1("/cases/%lld/transitions", id),
	    "application/x-www-form-urlencoded", form, 1, &r), 0);
	assert_int_equal(r.status, 303);
	resp_free(&r);
	assert_string_equal(state_of(id), "immediate_action");
	snprintf(form, sizeof form, "to=investigating&version=%lld", (long long)version_of(id));
	assert_int_equal(fx_req_cookie(&S, &ca, "POST", path1("/cases/%lld/transitions", id),
	    "application/x-www-form-urlencoded", form, 1, &r), 0);
	assert_int_equal(r.status, 409);
	assert_non_null(strstr(r.body, i18n("zh", "missing.stop")));
	resp_free(&r);
	/* The determination's form on its own page (the case is not there
	 * yet: its step does not exist). */
	assert_int_equal(fx_req_cookie(&S, &ca, "GET", path1("/cases/%lld/step/determined", id),
	    NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	exec1("UPDATE cases SET state = 'awaiting_determination', version = version + 1"
	    " WHERE id = %lld", id);
	assert_int_equal(fx_req_cookie(&S, &ca, "GET", path1("/cases/%lld/step/determined", id),
	    NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "name=\"participants\""));
	assert_non_null(strstr(r.body, "王警官"));
	assert_null(strstr(r.body, "孙老师"));	/* left in 2021 */
	resp_free(&r);
	snprintf(form, sizeof form, "to=determined&version=%lld&meeting_date=%s&finding=bullying"
	    "&behaviours=verbal&reasons=UNIQ-KEPT-TEXT&participants=%lld",
	    (long long)version_of(id), today, (long long)seat_chair);
	assert_int_equal(fx_req_cookie(&S, &ca, "POST", path1("/cases/%lld/transitions", id),
	    "application/x-www-form-urlencoded", form, 1, &r), 0);
	assert_int_equal(r.status, 409);
	assert_non_null(strstr(r.body, i18n("zh", "missing.harms")));
	assert_non_null(strstr(r.body, i18n("zh", "missing.guardians_victim")));
	assert_non_null(strstr(r.body, "UNIQ-KEPT-TEXT"));
	assert_non_null(strstr(r.body, "value=\"verbal\" checked"));
	resp_free(&r);
	assert_string_equal(state_of(id), "awaiting_determination");
	/* A meeting date after today: the form again, with the reason and
	 * what was typed. */
	char later[11];
	day_format(day_of((int64_t)time(NULL), 8 * 3600) + 2, later);
	snprintf(form, sizeof form, "to=determined&version=%lld&meeting_date=%s&finding=bullying"
	    "&behaviours=verbal&reasons=UNIQ-KEPT-TEXT&participants=%lld",
	    (long long)version_of(id), later, (long long)seat_chair);
	assert_int_equal(fx_req_cookie(&S, &ca, "POST", path1("/cases/%lld/transitions", id),
	    "application/x-www-form-urlencoded", form, 1, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, i18n("zh", "error.case_meeting_future")));
	assert_non_null(strstr(r.body, "UNIQ-KEPT-TEXT"));
	resp_free(&r);
	assert_string_equal(state_of(id), "awaiting_determination");
	/* Without the CSRF token a form changes nothing. */
	assert_int_equal(fx_req_cookie(&S, &ca, "POST", path1("/cases/%lld/events", id),
	    "application/x-www-form-urlencoded", "kind=stop", 0, &r), 0);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	/* An entry by the form, with a local time. */
	snprintf(form, sizeof form, "kind=stop&occurred_at=%sT23:59&text=%%E5%%88%%B6%%E6%%AD%%A2",
	    yesterday);
	assert_int_equal(fx_req_cookie(&S, &ca, "POST", path1("/cases/%lld/events", id),
	    "application/x-www-form-urlencoded", form, 1, &r), 0);
	assert_int_equal(r.status, 303);
	resp_free(&r);
	assert_int_equal(q1("SELECT count(*) FROM case_events WHERE case_id = %lld AND"
	    " kind = 'stop'", id), 1);
}

/* --- Corrections, the legal flag, attachments. */

static const unsigned char png1x1[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
	0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
	0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
	0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00,
	0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

static void
test_corrections_legal_attachments(void **state)
{
	char ev[256];
	int64_t note = add_event(&pa, open2, "{\"kind\":\"note\",\"text\":\"第一次记录有误\"}");
	/* A correction of another case's entry is refused. */
	snprintf(ev, sizeof ev, "{\"kind\":\"correction\",\"corrects_id\":%lld,\"text\":\"x\"}",
	    (long long)counsel_event);
	json_t *j = call(&pa, "POST", path1("/api/v1/cases/%lld/events", open2), ev, 400);
	json_decref(j);
	snprintf(ev, sizeof ev, "{\"kind\":\"correction\",\"corrects_id\":%lld,"
	    "\"text\":\"应为第二节课后\"}", (long long)note);
	int64_t corr = add_event(&pa, open2, ev);
	j = call(&pa, "GET", path1("/api/v1/cases/%lld", open2), NULL, 200);
	int seen_corrected = 0, seen_correction = 0;
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(j, "events"), i, x) {
		json_int_t eid = json_integer_value(json_object_get(x, "id"));
		if (eid == note && json_is_true(json_object_get(x, "corrected")) &&
		    json_integer_value(json_object_get(x, "corrected_by")) == corr)
			seen_corrected = 1;
		if (eid == corr && json_integer_value(json_object_get(x, "corrects_id")) == note)
			seen_correction = 1;
	}
	json_decref(j);
	assert_true(seen_corrected && seen_correction);
	/* The original is still there, unchanged. */
	assert_int_equal(q1("SELECT count(*) FROM case_events WHERE id = %lld AND kind = 'note'",
	    note), 1);

	/* The legal-process flag. */
	j = call(&pa, "POST", path1("/api/v1/cases/%lld/legal", open2),
	    "{\"on\":true,\"note\":\"已由派出所受理\"}", 200);
	json_decref(j);
	assert_int_equal(q1("SELECT legal_process FROM cases WHERE id = %lld", open2), 1);
	assert_int_equal(q1("SELECT count(*) FROM case_events WHERE case_id = %lld AND"
	    " kind = 'legal_process'", open2), 1);
	j = call(&pa, "POST", path1("/api/v1/cases/%lld/legal", open2), "{}", 400);
	json_decref(j);

	/* An attachment: cleaned, sealed, downloaded with a record. */
	char body[2048];
	static const char head[] = "--XAB\r\nContent-Disposition: form-data; name=\"file\";"
	    " filename=\"现场照片.png\"\r\nContent-Type: image/png\r\n\r\n";
	static const char tail[] = "\r\n--XAB--\r\n";
	size_t n = 0;
	memcpy(body, head, sizeof head - 1);
	n += sizeof head - 1;
	memcpy(body + n, png1x1, sizeof png1x1);
	n += sizeof png1x1;
	memcpy(body + n, tail, sizeof tail - 1);
	n += sizeof tail - 1;
	char auth[96];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", pa.token);
	const char *h[] = { auth, NULL };
	struct resp r;
	assert_int_equal(http_req(&S, "POST", path1("/api/v1/cases/%lld/attachments", open2),
	    "multipart/form-data; boundary=XAB", body, n, h, &r), 0);
	if (r.status != 201)
		fail_msg("attach: %ld %s", r.status, r.body);
	j = json_loads(r.body, 0, NULL);
	int64_t aid = json_integer_value(json_object_get(j, "id"));
	json_decref(j);
	resp_free(&r);
	/* Not a picture: refused, nothing stored. */
	static const char bad[] = "--XAB\r\nContent-Disposition: form-data; name=\"file\";"
	    " filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\nGIF89a-not-a-png\r\n--XAB--\r\n";
	assert_int_equal(http_req(&S, "POST", path1("/api/v1/cases/%lld/attachments", open2),
	    "multipart/form-data; boundary=XAB", bad, sizeof bad - 1, h, &r), 0);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	assert_int_equal(fx_int("SELECT count(*) FROM attachments"), 1);
	assert_int_equal(fx_int("SELECT count(*) FROM attachments WHERE data LIKE '%PNG%'"), 0);
	char apath[128];
	snprintf(apath, sizeof apath, "/api/v1/cases/%lld/attachments/%lld", (long long)open2,
	    (long long)aid);
	assert_int_equal(fx_req(&S, &ca, "GET", apath, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_true(r.len > 8 && memcmp(r.body, "\x89PNG", 4) == 0);
	assert_non_null(strstr(resp_header(&r, "Content-Type"), "image/png"));
	resp_free(&r);
	assert_true(aid > 0);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE"
	    " action = 'case.attachment_read'"), 1);
	/* The bureau without identities does not get it. */
	assert_int_equal(fx_req(&S, &insp, "GET", apath, NULL, &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
}

/* --- Appeals and the county review (the bureau office records them). */

#define PANEL "UNIQ-PANEL-学校代表刘某家长代表陈某专家周某"

/* Takes a new case of school A to awaiting_determination; returns it
 * and its victim. */
static int64_t
case_to_awaiting(int64_t *victim)
{
	int64_t id = open_case(&pa, "UNIQ-SUMMARY-A 放学路上被拦截索要零花钱", 0);
	*victim = add_party(&pa, id, "victim", "UNIQ-VA", "\"grade\":8");
	int64_t perp = add_party(&pa, id, "perpetrator", "UNIQ-PA", "\"grade\":9");
	json_decref(move(&pa, id, "immediate_action", "", 200));
	char ev[256];
	add_event(&pa, id, "{\"kind\":\"stop\"}");
	snprintf(ev, sizeof ev, "{\"kind\":\"protection\",\"party_id\":%lld}",
	    (long long)*victim);
	add_event(&pa, id, ev);
	int64_t both[] = { *victim, perp };
	for (int i = 0; i < 2; i++) {
		snprintf(ev, sizeof ev, "{\"kind\":\"guardian_notice\",\"party_id\":%lld,"
		    "\"about\":\"incident\",\"method\":\"phone\"}", (long long)both[i]);
		add_event(&pa, id, ev);
	}
	json_decref(move(&pa, id, "investigating", "", 200));
	add_event(&pa, id, "{\"kind\":\"evidence\",\"text\":\"证人证言\"}");
	json_decref(move(&pa, id, "awaiting_determination", "", 200));
	return id;
}

static void
test_appeal_and_review(void **state)
{
	int64_t victim;
	int64_t id = case_to_awaiting(&victim);
	/* A serious tier puts the case under the bureau's supervision. */
	char extra[1024];
	snprintf(extra, sizeof extra, "\"finding\":\"bullying\",\"tier\":\"serious\","
	    "\"behaviours\":[\"property\"],\"harms\":[\"property\",\"mental\"],"
	    "\"intent\":\"malicious\",\"imbalance\":[\"age\"],\"repetition\":\"repeated\","
	    "\"place\":\"outside\",\"basis\":\"moe50_2021\",\"reasons\":\"多次索要财物\","
	    "\"meeting_date\":\"%s\",\"participants\":[%lld,%lld,%lld,%lld]", today,
	    (long long)seat_chair, (long long)seat_legal, (long long)seat_parent,
	    (long long)seat_expert);
	json_decref(move(&pa, id, "determined", extra, 200));
	assert_int_equal(q1("SELECT supervised FROM cases WHERE id = %lld", id), 1);
	assert_int_equal(q1("SELECT count(*) FROM supervisions WHERE case_id = %lld AND"
	    " automatic = 1 AND state = 'open'", id), 1);
	/* Four took part; all five sitting that day are on the record. */
	assert_int_equal(q1("SELECT count(*) FROM case_events WHERE case_id = %lld AND"
	    " kind = 'determination' AND json_array_length(meta, '$.participants') = 4"
	    " AND json_array_length(meta, '$.roster') = 5 AND meta LIKE '%%secretary%%'", id), 1);
	xa_day due;
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM supervisions WHERE case_id = %lld"
	    " AND due_on > '%s'", (long long)id, today);
	assert_int_equal(fx_int(sql), 1);
	(void)due;

	/* The school does not record appeals; the bureau office does. */
	json_decref(move(&pa, id, "appeal", "\"lodged_on\":\"2026-01-01\","
	    "\"lodged_by\":\"victim_guardian\"", 403));
	expect_missing(&office, id, "appeal", "",
	    "missing.appeal_lodged_on,missing.appeal_lodged_by");
	struct resp r;
	assert_int_equal(fx_req_cookie(&S, &office, "GET", path1("/cases/%lld/step/appeal", id),
	    NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "name=\"lodged_by\""));
	resp_free(&r);
	snprintf(extra, sizeof extra, "\"lodged_on\":\"%s\",\"lodged_by\":\"victim_guardian\","
	    "\"party_id\":%lld", today, (long long)victim);
	json_decref(move(&office, id, "appeal", extra, 200));
	assert_string_equal(state_of(id), "appeal");
	assert_int_equal(q1("SELECT appealed FROM cases WHERE id = %lld", id), 1);
	assert_int_equal(q1("SELECT count(*) FROM appeals WHERE case_id = %lld AND"
	    " state = 'lodged' AND lodged_by = 'victim_guardian'", id), 1);
	/* Upheld: back where it was. */
	expect_missing(&office, id, "determined", "", "missing.appeal_outcome");
	json_decref(move(&office, id, "determined", "\"outcome\":\"upheld\"", 200));
	assert_string_equal(state_of(id), "determined");
	assert_int_equal(q1("SELECT count(*) FROM appeals WHERE case_id = %lld AND"
	    " state = 'upheld' AND decided_at > 0", id), 1);
	/* Appealed again; this time a county review. */
	json_decref(move(&office, id, "appeal", extra, 200));
	expect_missing(&office, id, "county_review", "\"outcome\":\"review\"",
	    "missing.review_panel");
	json_decref(move(&office, id, "county_review", "\"outcome\":\"review\","
	    "\"panel\":\"" PANEL "\"", 200));
	assert_int_equal(q1("SELECT count(*) FROM appeals WHERE case_id = %lld AND"
	    " state = 'review' AND review_due > 0 AND panel IS NOT NULL", id), 1);
	/* The review decides: not bullying after all. */
	json_decref(move(&pa, id, "determined", "\"finding\":\"not_bullying\"", 403));
	expect_missing(&office, id, "determined", "\"finding\":\"not_bullying\"",
	    "missing.basis,missing.reasons");
	json_decref(move(&office, id, "determined", "\"finding\":\"not_bullying\","
	    "\"basis\":\"moe50_2021\",\"reasons\":\"复查认为系双方纠纷\"", 200));
	assert_int_equal(q1("SELECT count(*) FROM cases WHERE id = %lld AND"
	    " finding = 'not_bullying' AND tier = ''", id), 1);
	assert_int_equal(q1("SELECT count(*) FROM appeals WHERE case_id = %lld AND"
	    " state = 'decided' AND outcome = 'reviewed'", id), 1);
	/* Supervised and appealed: the bureau reads names now, recorded. */
	long st;
	char *b = body_of(&insp, "GET", path1("/api/v1/cases/%lld", id), NULL, &st);
	assert_int_equal(st, 200);
	assert_non_null(strstr(b, "UNIQ-VA"));
	free(b);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'case.read'"
	    " AND account_id = (SELECT id FROM accounts WHERE username = 'insp1')"), 1);
}

/* Going back to investigate more does not restart the investigation's
 * ten days: the deadline still counts from when it first began. */
static void
test_investigation_clock(void **state)
{
	int64_t victim;
	int64_t id = case_to_awaiting(&victim);
	/* The investigation began eight days ago. */
	int64_t t0 = (int64_t)time(NULL) - 8 * 86400;
	char sql[320];
	snprintf(sql, sizeof sql, "UPDATE case_events SET occurred_at = %lld WHERE case_id = %lld"
	    " AND kind = 'transition' AND meta LIKE '%%\"to\":\"investigating\"%%'",
	    (long long)t0, (long long)id);
	assert_int_equal(fx_sql(sql), 0);
	json_decref(move(&pa, id, "investigating", "\"note\":\"需要补充询问证人\"", 200));
	assert_string_equal(state_of(id), "investigating");
	assert_int_equal(q1("SELECT due_at FROM cases WHERE id = %lld", id),
	    deadline_due(NULL, t0, 10, LIMIT_DAYS, 8 * 3600));
	/* And again: still the first start. */
	add_event(&pa, id, "{\"kind\":\"interview\",\"text\":\"补充询问\"}");
	json_decref(move(&pa, id, "awaiting_determination", "", 200));
	json_decref(move(&pa, id, "investigating", "", 200));
	assert_int_equal(q1("SELECT due_at FROM cases WHERE id = %lld", id),
	    deadline_due(NULL, t0, 10, LIMIT_DAYS, 8 * 3600));
}

/* How late a case is reads the same on its list, on its page and in the
 * office's queue: a limit that fell due when day D ended is stored as
 * D+1 00:00, and D is the last day, not D+1. */
static void
test_overdue_days(void **state)
{
	int64_t id = open_case(&pa, "UNIQ-SUMMARY-5 超期", 0);
	long zone = 8 * 3600;
	xa_day now_day = day_of((int64_t)time(NULL), zone);
	/* A working day at least three days back, as the day after the last. */
	xa_day d = now_day - 3;
	while (workdays_between(NULL, d - 1, d) != 1)
		d--;
	char sql[160];
	snprintf(sql, sizeof sql, "UPDATE cases SET due_at = %lld WHERE id = %lld",
	    (long long)day_start(d, zone), (long long)id);
	assert_int_equal(fx_sql(sql), 0);
	long want = workdays_between(NULL, d - 1, now_day);
	assert_true(want >= 1);
	/* The list. */
	json_t *j = call(&pa, "GET", "/api/v1/cases?view=overdue&limit=200", NULL, 200);
	json_int_t listed = -1;
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(j, "items"), i, x)
		if (json_integer_value(json_object_get(x, "id")) == id)
			listed = json_integer_value(json_object_get(x, "overdue_days"));
	json_decref(j);
	assert_int_equal(listed, want);
	/* The case page. */
	j = call(&pa, "GET", path1("/api/v1/cases/%lld", id), NULL, 200);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "case"),
	    "overdue_days")), want);
	json_decref(j);
	/* The office's queue. */
	j = call(&office, "GET", "/api/v1/supervision", NULL, 200);
	json_int_t queued = -1;
	json_array_foreach(json_object_get(j, "overdue"), i, x)
		if (json_integer_value(json_object_get(x, "case_id")) == id)
			queued = json_integer_value(json_object_get(x, "days"));
	json_decref(j);
	assert_int_equal(queued, want);
}

/* A case closed while a change to it waited for the writer: the writer
 * looks again and refuses (409, in Chinese), nothing is added. */
static void
test_closed_while_waiting(void **state)
{
	int64_t id = open_case(&pa, "UNIQ-SUMMARY-6 待关闭", 0);
	char close_sql[160], reopen[160], body[4096];
	snprintf(close_sql, sizeof close_sql, "UPDATE cases SET state = 'closed',"
	    " version = version + 1 WHERE id = %lld", (long long)id);
	snprintf(reopen, sizeof reopen, "UPDATE cases SET state = 'reported',"
	    " version = version + 1 WHERE id = %lld", (long long)id);
	int64_t events = q1("SELECT count(*) FROM case_events WHERE case_id = %lld", id);
	int64_t parties = q1("SELECT count(*) FROM case_parties WHERE case_id = %lld", id);
	int64_t files = q1("SELECT count(*) FROM attachments WHERE case_id = %lld", id);
	static const char party[] = "{\"role\":\"victim\",\"name\":\"UNIQ-LATE\"}";
	static const char note[] = "{\"kind\":\"note\",\"text\":\"UNIQ-LATE 补记\"}";
	static const char legal[] = "{\"on\":true}";
	static const char mp_head[] = "--XAB\r\nContent-Disposition: form-data; name=\"file\";"
	    " filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n";
	static const char mp_tail[] = "\r\n--XAB--\r\n";
	char file[1024];
	size_t flen = 0;
	memcpy(file, mp_head, sizeof mp_head - 1);
	flen += sizeof mp_head - 1;
	memcpy(file + flen, png1x1, sizeof png1x1);
	flen += sizeof png1x1;
	memcpy(file + flen, mp_tail, sizeof mp_tail - 1);
	flen += sizeof mp_tail - 1;
	struct {
		const char *path, *ctype, *payload;
		size_t len;
	} writes[] = {
		{ "/api/v1/cases/%lld/parties", "application/json", party, sizeof party - 1 },
		{ "/api/v1/cases/%lld/events", "application/json", note, sizeof note - 1 },
		{ "/api/v1/cases/%lld/legal", "application/json", legal, sizeof legal - 1 },
		{ "/api/v1/cases/%lld/attachments", "multipart/form-data; boundary=XAB", file,
		  flen },
	};
	for (size_t k = 0; k < sizeof writes / sizeof writes[0]; k++) {
		long st = racing(&pa, "POST", path1(writes[k].path, id), writes[k].ctype,
		    writes[k].payload, writes[k].len, close_sql, body, sizeof body);
		if (st != 409)
			fail_msg("%s: %ld %s", writes[k].path, st, body);
		json_t *j = json_loads(body, 0, NULL);
		json_t *e = json_object_get(j, "error");
		assert_string_equal(json_string_value(json_object_get(e, "code")), "case_closed");
		assert_string_equal(json_string_value(json_object_get(e, "message")),
		    i18n("zh", "error.case_closed"));
		json_decref(j);
		assert_int_equal(fx_sql(reopen), 0);
	}
	assert_int_equal(q1("SELECT count(*) FROM case_events WHERE case_id = %lld", id), events);
	assert_int_equal(q1("SELECT count(*) FROM case_parties WHERE case_id = %lld", id),
	    parties);
	assert_int_equal(q1("SELECT count(*) FROM attachments WHERE case_id = %lld", id), files);
	assert_int_equal(q1("SELECT legal_process FROM cases WHERE id = %lld", id), 0);
}

/* --- Nothing in the clear. */

static void
test_no_plaintext(void **state)
{
	char dbfile[256], wal[300];
	snprintf(dbfile, sizeof dbfile, "%s/data/xiaoan.db", S.dir);
	struct stat sb;
	assert_int_equal(stat(dbfile, &sb), 0);
	snprintf(wal, sizeof wal, "%s-wal", dbfile);
	static const char *const secrets[] = { VICTIM, PERP, PERP2, GUARD, SUMMARY, INTERVIEW,
		COUNSEL, REASONS, PANEL, CORRECTED, "UNIQ-", "张小明", "李大壮", "13800001111", "现场照片",
		"多次推搡", "已由派出所受理" };
	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
		if (file_has(dbfile, secrets[i]) || file_has(wal, secrets[i]))
			fail_msg("plaintext in the database: %s", secrets[i]);
	}
}

/* --- The dossier. */

static void
test_dossier(void **state)
{
	struct resp r;
	assert_int_equal(fx_req(&S, &ca, "GET", path1("/api/v1/cases/%lld/dossier.pdf",
	    main_case), NULL, &r), 0);
	if (r.status != 200)
		fail_msg("dossier: %ld %s", r.status, r.body ? r.body : "");
	assert_non_null(strstr(resp_header(&r, "Content-Type"), "application/pdf"));
	assert_true(r.len > 1000 && memcmp(r.body, "%PDF", 4) == 0);
	char pdf[256], txt[256];
	snprintf(pdf, sizeof pdf, "%s/dossier.pdf", S.dir);
	snprintf(txt, sizeof txt, "%s/dossier.txt", S.dir);
	FILE *f = fopen(pdf, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(r.body, 1, r.len, f), r.len);
	fclose(f);
	resp_free(&r);
	char *argv[] = { "pdftotext", "-enc", "UTF-8", pdf, txt, NULL };
	assert_int_equal(run_cmd(argv, NULL), 0);
	char number[16];
	snprintf(number, sizeof number, "%.4s-0001", today);
	assert_true(file_contains(txt, "新郑市第九初级中学"));
	assert_true(file_contains(txt, number));
	assert_true(file_contains(txt, i18n("zh", "event.kind.stop")));
	assert_true(file_contains(txt, "班主任当场制止"));
	assert_true(file_contains(txt, "王警官"));
	assert_true(file_contains(txt, i18n("zh", "case.det.roster")));
	/* The committee member's dossier holds no counselling, nor its
	 * correction. */
	assert_false(file_contains(txt, "UNIQ-COUNSEL"));
	assert_false(file_contains(txt, "UNIQ-CORRECTED"));
	assert_int_equal(q1("SELECT count(*) FROM audit_log WHERE action = 'case.dossier' AND"
	    " object_id = %lld", main_case), 1);
	/* The bureau's dossier carries aliases only. */
	assert_int_equal(fx_req(&S, &insp, "GET", path1("/api/v1/cases/%lld/dossier.pdf",
	    main_case), NULL, &r), 0);
	assert_int_equal(r.status, 200);
	f = fopen(pdf, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(r.body, 1, r.len, f), r.len);
	fclose(f);
	resp_free(&r);
	assert_int_equal(run_cmd(argv, NULL), 0);
	assert_true(file_contains(txt, "学生A"));
	assert_false(file_contains(txt, "UNIQ-"));
	assert_false(file_contains(txt, "张小明"));
	/* A teacher not on the case gets nothing. */
	assert_int_equal(fx_req(&S, &ta, "GET", path1("/api/v1/cases/%lld/dossier.pdf",
	    main_case), NULL, &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_committee_roster),
		cmocka_unit_test(test_open_and_parties),
		cmocka_unit_test(test_immediate_action),
		cmocka_unit_test(test_investigation_and_counselling),
		cmocka_unit_test(test_counselling_correction),
		cmocka_unit_test(test_party_stage),
		cmocka_unit_test(test_determination),
		cmocka_unit_test(test_measures_to_archive),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_bureau_deidentified),
		cmocka_unit_test(test_isolation),
		cmocka_unit_test(test_page_forms),
		cmocka_unit_test(test_corrections_legal_attachments),
		cmocka_unit_test(test_appeal_and_review),
		cmocka_unit_test(test_investigation_clock),
		cmocka_unit_test(test_overdue_days),
		cmocka_unit_test(test_closed_while_waiting),
		cmocka_unit_test(test_no_plaintext),
		cmocka_unit_test(test_dossier),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
