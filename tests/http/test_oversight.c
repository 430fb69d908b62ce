/* test_oversight.c: the bureau's oversight of cases over HTTP
 * (src/cases/oversight_http.c): supervision (督办) opened by the office,
 * answered by the school, closed by the office; the office's queue with
 * supervised, automatic, overdue and unsupervised serious cases and no
 * names in it; appeals on the case's oversight part with the panel only
 * for those who may see it; requests to see identities, approved,
 * expired, refused, never self-approved; and, on every route, that a
 * school-B account gets for school A's objects exactly the 404 a missing
 * object gets, and that a denied or invalid request changed nothing;
 * nothing opened or answered in a closed or archived case, also when it
 * was closed while the request waited for the writer; every opening of a
 * panel recorded before the answer leaves (the case page's own record
 * names it).
 *
 * Cases are opened with case_open() on the fixture's own connection (the
 * store's function the case API uses), with the server's keys, so their
 * keys and chronology are real. It must never depend on the wall clock
 * beyond "today", nor on the order of rows the server does not promise. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "auth/keys.h"
#include "cases/cases.h"
#include "core/arena.h"
#include "core/calendar.h"
#include "fixture.h"
#include "harness.h"
#include "store/db.h"

#define PW "Fixture-Pass-123"
#define ZONE (8 * 3600L)
#define NAME_V "张小明"	/* a victim's name: sealed, never in a bureau list */
#define NAME_P "李大壮"

static struct srv S;
static struct session office, director, leader, inspector, head_a, comm_a, teach_a,
    head_b;
static int64_t town_a, town_b, school_a, school_b;
static keys K;

/* --- Helpers. */

/* A request as s (Bearer) expecting status; returns the parsed body. */
static json_t *
call(const struct session *s, const char *method, const char *path, const char *json,
    long want)
{
	struct resp r;
	assert_int_equal(fx_req(&S, s, method, path, json, &r), 0);
	if (r.status != want)
		fail_msg("%s %s: %ld, want %ld: %s", method, path, r.status, want,
		    r.body ? r.body : "");
	json_t *j = json_loads(r.body ? r.body : "null", JSON_DECODE_ANY, NULL);
	resp_free(&r);
	assert_non_null(j);
	return j;
}

/* The status and body (malloc'd) of a request as s. */
static long
send_req(const struct session *s, const char *method, const char *path, const char *json,
    char **body)
{
	struct resp r;
	assert_int_equal(fx_req(&S, s, method, path, json, &r), 0);
	long st = r.status;
	if (body != NULL)
		*body = strdup(r.body ? r.body : "");
	resp_free(&r);
	return st;
}

/* fmt with its first %lld replaced by a and the second by b, and %% by %
 * (the format is one of this file's literals; no printf on it, so the
 * compiler need not check a format it cannot see). */
static void
subst(char *out, size_t n, const char *fmt, int64_t a, int64_t b)
{
	size_t k = 0;
	int used = 0;
	for (const char *p = fmt; *p && k + 24 < n; p++) {
		if (strncmp(p, "%lld", 4) == 0) {
			k += (size_t)snprintf(out + k, n - k, "%lld", (long long)(used++ ? b : a));
			p += 3;
		} else if (strncmp(p, "%%", 2) == 0) {
			out[k++] = '%';
			p++;
		} else {
			out[k++] = *p;
		}
	}
	out[k] = '\0';
}

/* Asserts that path on case_a answers s exactly as the same path on a
 * missing case does: 404, same body. fmt has one %lld for the case id
 * (and may have a second, for sid, given in sid). */
static void
same_as_missing(const struct session *s, const char *method, const char *fmt,
    int64_t case_a, int64_t sid, const char *json)
{
	char p1[160], p2[160];
	subst(p1, sizeof p1, fmt, case_a, sid);
	subst(p2, sizeof p2, fmt, 987654321, sid);
	char *b1 = NULL, *b2 = NULL;
	long s1 = send_req(s, method, p1, json, &b1);
	long s2 = send_req(s, method, p2, json, &b2);
	if (s1 != 404 || s2 != 404 || strcmp(b1, b2) != 0)
		fail_msg("%s %s: %ld %s / missing: %ld %s", method, p1, s1, b1, s2, b2);
	free(b1);
	free(b2);
}

static int64_t
qint(const char *fmt, int64_t a)
{
	char sql[512];
	subst(sql, sizeof sql, fmt, a, 0);
	return fx_int(sql);
}

static int
qsql(const char *fmt, int64_t a)
{
	char sql[512];
	subst(sql, sizeof sql, fmt, a, 0);
	return fx_sql(sql);
}

/* Today plus days, as YYYY-MM-DD in the bureau's zone. */
static void
day_plus(int days, char out[11])
{
	day_format(day_of((int64_t)time(NULL), ZONE) + days, out);
}

/* Opens a case at school unit with two parties whose names are sealed
 * with the case's key. serious: supervision_auto() opens an automatic
 * supervision. */
static int64_t
make_case(int64_t unit, bool serious)
{
	db *c = fx_conn();
	audit_entry who = { 0, 1, "", "", 0, "", "", "test fixture" };
	case_new n = { unit, "测试事件", serious, 0, 0, NULL, 0 };
	int64_t id = 0;
	assert_int_equal(db_begin(c), XA_OK);
	assert_int_equal(case_open(c, &n, &who, (int64_t)time(NULL), ZONE, &id), XA_OK);
	uint8_t key[32];
	assert_int_equal(case_key(c, id, key), XA_OK);
	arena *a = arena_new(4096, 0);
	static const char *const names[2][3] = {
		{ "victim", "学生A", NAME_V }, { "perpetrator", "学生B", NAME_P },
	};
	for (int i = 0; i < 2; i++) {
		void *nb = NULL, *gb = NULL;
		size_t nl = 0, gl = 0;
		assert_int_equal(seal_blob(a, key, names[i][2], strlen(names[i][2]), &nb, &nl),
		    XA_OK);
		assert_int_equal(seal_blob(a, key, "[]", 2, &gb, &gl), XA_OK);
		db_stmt *st = NULL;
		assert_int_equal(db_prepare(c, "INSERT INTO case_parties (case_id, role, alias,"
		    " name, guardians, created_at) VALUES (?, ?, ?, ?, ?, 0)", &st), XA_OK);
		db_bind_int(st, 1, id);
		db_bind_text(st, 2, names[i][0], -1);
		db_bind_text(st, 3, names[i][1], -1);
		db_bind_blob(st, 4, nb, nl);
		db_bind_blob(st, 5, gb, gl);
		assert_int_equal(db_step(st), 0);
		db_done(st);
	}
	arena_free(a);
	assert_int_equal(db_commit(c), XA_OK);
	return id;
}

/* A party's id of case (role). */
static int64_t
party_of(int64_t case_id, const char *role)
{
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT id FROM case_parties WHERE case_id = %lld"
	    " AND role = '%s'", (long long)case_id, role);
	return fx_int(sql);
}

/* The oversight part of a case as s sees it (200 expected). */
static json_t *
oversight(const struct session *s, int64_t id)
{
	char p[96];
	snprintf(p, sizeof p, "/api/v1/cases/%lld/oversight", (long long)id);
	return call(s, "GET", p, NULL, 200);
}

static bool
identities_visible(const struct session *s, int64_t id)
{
	json_t *j = oversight(s, id);
	bool v = json_is_true(json_object_get(json_object_get(j, "identity"), "visible"));
	json_decref(j);
	return v;
}

/* Whether the case's own API (cases_http.c) shows s the victim's name. */
static bool
case_shows_name(const struct session *s, int64_t id)
{
	char p[96];
	char *body = NULL;
	snprintf(p, sizeof p, "/api/v1/cases/%lld", (long long)id);
	assert_int_equal(send_req(s, "GET", p, NULL, &body), 200);
	bool v = strstr(body, NAME_V) != NULL;
	free(body);
	return v;
}

/* Opens a supervision of case id as s; returns its id. */
static int64_t
open_supervision(const struct session *s, int64_t id)
{
	char p[96], body[256], due[11];
	day_plus(10, due);
	snprintf(p, sizeof p, "/api/v1/cases/%lld/supervision", (long long)id);
	snprintf(body, sizeof body, "{\"due_on\":\"%s\",\"required\":\"请在期限内完成调查并报告结果\"}",
	    due);
	json_t *j = call(s, "POST", p, body, 201);
	int64_t sid = json_integer_value(json_object_get(json_object_get(j, "supervision"),
	    "id"));
	json_decref(j);
	assert_true(sid > 0);
	return sid;
}

static int
setup(void **state)
{
	(void)state;
	memset(&S, 0, sizeof S);
	if (srv_start(&S, NULL) != 0 || fx_setup(&S) != 0)
		return -1;
	char data[200];
	snprintf(data, sizeof data, "%s/data", S.dir);
	if (keys_load(data, &K) != XA_OK)
		return -1;
	keys_set(&K);
	int64_t off = fx_unit(1, "office", "办公室", NULL);
	int64_t sec = fx_unit(1, "section", "督导室", NULL);
	town_a = fx_unit(1, "township", "城关镇", NULL);
	town_b = fx_unit(1, "township", "新村镇", NULL);
	school_a = fx_unit(town_a, "school", "城关一小", "primary");
	school_b = fx_unit(town_b, "school", "新村二小", "primary");
	if (off < 0 || sec < 0 || school_a < 0 || school_b < 0 ||
	    qsql("UPDATE units SET township_id = parent_id WHERE id = %lld", school_a) ||
	    qsql("UPDATE units SET township_id = parent_id WHERE id = %lld", school_b))
		return -1;
	if (fx_account(off, "ov_office", PW, ROLE_BIT(ROLE_OFFICE_STAFF)) < 0 ||
	    fx_account(off, "ov_director", PW, ROLE_BIT(ROLE_OFFICE_DIRECTOR)) < 0 ||
	    fx_account(1, "ov_leader", PW, ROLE_BIT(ROLE_LEADER)) < 0 ||
	    fx_account(sec, "ov_inspector", PW, ROLE_BIT(ROLE_INSPECTOR)) < 0 ||
	    fx_account(school_a, "ov_head_a", PW, ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(school_a, "ov_comm_a", PW, ROLE_BIT(ROLE_COMMITTEE)) < 0 ||
	    fx_account(school_a, "ov_teach_a", PW, ROLE_BIT(ROLE_TEACHER)) < 0 ||
	    fx_account(school_b, "ov_head_b", PW, ROLE_BIT(ROLE_PRINCIPAL)) < 0)
		return -1;
	return fx_signin(&S, "ov_office", PW, &office) ||
	    fx_signin(&S, "ov_director", PW, &director) ||
	    fx_signin(&S, "ov_leader", PW, &leader) ||
	    fx_signin(&S, "ov_inspector", PW, &inspector) ||
	    fx_signin(&S, "ov_head_a", PW, &head_a) ||
	    fx_signin(&S, "ov_comm_a", PW, &comm_a) ||
	    fx_signin(&S, "ov_teach_a", PW, &teach_a) ||
	    fx_signin(&S, "ov_head_b", PW, &head_b);
}

static int
teardown(void **state)
{
	(void)state;
	fx_done();
	int rc = srv_stop(&S);
	srv_cleanup(&S);
	return rc;
}

/* --- Supervision. */

static void
test_supervision_open_answer_close(void **state)
{
	(void)state;
	int64_t id = make_case(school_a, false);
	char p[160], body[512], due[11], past[11];
	assert_int_equal(qint("SELECT supervised FROM cases WHERE id = %lld", id), 0);

	/* Invalid input changes nothing. */
	int64_t audit0 = fx_int("SELECT count(*) FROM audit_log");
	snprintf(p, sizeof p, "/api/v1/cases/%lld/supervision", (long long)id);
	day_plus(-1, past);
	snprintf(body, sizeof body, "{\"due_on\":\"%s\",\"required\":\"尽快完成调查\"}", past);
	json_t *j = call(&office, "POST", p, body, 400);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"),
	    "code")), "oversight_due_past");
	json_decref(j);
	day_plus(5, due);
	snprintf(body, sizeof body, "{\"due_on\":\"%s\",\"required\":\"快\"}", due);
	json_decref(call(&office, "POST", p, body, 400));
	snprintf(body, sizeof body, "{\"due_on\":\"2026-02-30\",\"required\":\"尽快完成调查\"}");
	json_decref(call(&office, "POST", p, body, 400));
	assert_int_equal(qint("SELECT count(*) FROM supervisions WHERE case_id = %lld", id), 0);
	assert_int_equal(qint("SELECT supervised FROM cases WHERE id = %lld", id), 0);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log"), audit0);

	/* The office opens it. */
	snprintf(body, sizeof body, "{\"due_on\":\"%s\",\"required\":\"请在期限内完成调查，"
	    "通知双方监护人，并报告处理结果。\"}", due);
	j = call(&office, "POST", p, body, 201);
	json_t *sj = json_object_get(j, "supervision");
	int64_t sid = json_integer_value(json_object_get(sj, "id"));
	assert_true(sid > 0);
	assert_string_equal(json_string_value(json_object_get(sj, "state")), "open");
	assert_string_equal(json_string_value(json_object_get(sj, "due_on")), due);
	assert_false(json_is_true(json_object_get(sj, "automatic")));
	json_decref(j);
	assert_int_equal(qint("SELECT supervised FROM cases WHERE id = %lld", id), 1);
	assert_int_equal(qint("SELECT count(*) FROM case_events WHERE case_id = %lld"
	    " AND kind = 'supervision' AND meta LIKE '%%\"action\":\"open\"%%'", id), 1);
	assert_int_equal(qint("SELECT count(*) FROM audit_log WHERE action = 'supervision.open'"
	    " AND object_id = %lld", sid), 1);

	/* A second open one is refused. */
	j = call(&office, "POST", p, body, 409);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"),
	    "code")), "oversight_open_exists");
	json_decref(j);
	assert_int_equal(qint("SELECT count(*) FROM supervisions WHERE case_id = %lld", id), 1);

	/* The case's part shows it, with the answer form for the school and
	 * the close form for the office. */
	j = oversight(&head_a, id);
	json_t *s0 = json_array_get(json_object_get(j, "supervisions"), 0);
	assert_true(json_is_true(json_object_get(s0, "can_answer")));
	assert_false(json_is_true(json_object_get(s0, "can_close")));
	assert_null(json_object_get(j, "supervision_new"));
	json_decref(j);
	j = oversight(&office, id);
	s0 = json_array_get(json_object_get(j, "supervisions"), 0);
	assert_false(json_is_true(json_object_get(s0, "can_answer")));
	assert_true(json_is_true(json_object_get(s0, "can_close")));
	/* Days left in working days (no holidays entered: Monday to Friday). */
	xa_day today = day_of((int64_t)time(NULL), ZONE), dd = 0;
	assert_int_equal(day_parse(due, &dd), XA_OK);
	assert_int_equal(json_integer_value(json_object_get(s0, "days")),
	    workdays_between(NULL, today, dd));
	assert_false(json_is_true(json_object_get(s0, "overdue")));
	json_decref(j);

	/* The office cannot answer; the school cannot close. */
	snprintf(p, sizeof p, "/api/v1/cases/%lld/supervision/%lld/answer", (long long)id,
	    (long long)sid);
	json_decref(call(&office, "POST", p, "{\"answer\":\"已经处理完毕\"}", 404));
	snprintf(p, sizeof p, "/api/v1/cases/%lld/supervision/%lld/close", (long long)id,
	    (long long)sid);
	json_decref(call(&head_a, "POST", p, "{\"note\":\"\"}", 404));
	json_decref(call(&comm_a, "POST", p, "{}", 404));
	assert_int_equal(qint("SELECT count(*) FROM supervisions WHERE id = %lld"
	    " AND state = 'open'", sid), 1);

	/* The school answers. */
	snprintf(p, sizeof p, "/api/v1/cases/%lld/supervision/%lld/answer", (long long)id,
	    (long long)sid);
	json_decref(call(&comm_a, "POST", p, "{\"answer\":\"短\"}", 400));
	j = call(&comm_a, "POST", p, "{\"answer\":\"已完成调查，已通知双方监护人，处理结果已告知。\"}",
	    200);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "supervision"),
	    "state")), "answered");
	json_decref(j);
	json_decref(call(&head_a, "POST", p, "{\"answer\":\"再答复一次试试看\"}", 409));
	assert_int_equal(qint("SELECT count(*) FROM supervisions WHERE id = %lld"
	    " AND state = 'answered' AND answered_at > 0", sid), 1);
	assert_int_equal(qint("SELECT count(*) FROM audit_log WHERE action = 'supervision.answer'"
	    " AND object_id = %lld", sid), 1);

	/* Still not closed: no second one may be opened. */
	snprintf(p, sizeof p, "/api/v1/cases/%lld/supervision", (long long)id);
	json_decref(call(&office, "POST", p, body, 409));

	/* The office closes it; the case stays marked as supervised. */
	snprintf(p, sizeof p, "/api/v1/cases/%lld/supervision/%lld/close", (long long)id,
	    (long long)sid);
	j = call(&office, "POST", p, "{\"note\":\"处理到位，予以办结。\"}", 200);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "supervision"),
	    "state")), "closed");
	json_decref(j);
	json_decref(call(&office, "POST", p, "{}", 409));
	assert_int_equal(qint("SELECT supervised FROM cases WHERE id = %lld", id), 1);
	assert_int_equal(qint("SELECT count(*) FROM case_events WHERE case_id = %lld"
	    " AND kind = 'supervision'", id), 3);
	/* The closing note is sealed in the chronology, not plain. */
	assert_int_equal(qint("SELECT count(*) FROM case_events WHERE case_id = %lld"
	    " AND kind = 'supervision' AND body IS NOT NULL AND instr(body, '办结') = 0", id), 1);
	assert_int_equal(qint("SELECT count(*) FROM audit_log WHERE action = 'supervision.close'"
	    " AND object_id = %lld", sid), 1);

	/* Closed: a new one may be opened again. */
	j = oversight(&office, id);
	assert_non_null(json_object_get(j, "supervision_new"));
	json_decref(j);
	int64_t sid2 = open_supervision(&leader, id);
	assert_true(sid2 != sid);
}

static void
test_supervision_pages(void **state)
{
	(void)state;
	int64_t id = make_case(school_a, false);
	char p[160], body[512], due[11], loc[96];
	struct resp r;
	day_plus(3, due);
	snprintf(p, sizeof p, "/cases/%lld/supervision", (long long)id);
	snprintf(body, sizeof body, "due_on=%s&required=%%E8%%AF%%B7%%E5%%B0%%BD%%E5%%BF%%AB"
	    "%%E5%%AE%%8C%%E6%%88%%90%%E8%%B0%%83%%E6%%9F%%A5", due);
	/* Without the CSRF token: refused, nothing written. */
	assert_int_equal(fx_req_cookie(&S, &office, "POST", p,
	    "application/x-www-form-urlencoded", body, 0, &r), 0);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	assert_int_equal(qint("SELECT count(*) FROM supervisions WHERE case_id = %lld", id), 0);
	assert_int_equal(fx_req_cookie(&S, &office, "POST", p,
	    "application/x-www-form-urlencoded", body, 1, &r), 0);
	assert_int_equal(r.status, 303);
	snprintf(loc, sizeof loc, "/cases/%lld#oversight", (long long)id);
	assert_string_equal(resp_header(&r, "Location"), loc);
	resp_free(&r);
	int64_t sid = qint("SELECT id FROM supervisions WHERE case_id = %lld", id);
	assert_true(sid > 0);
	/* The school answers by its form; an error shows a page. */
	snprintf(p, sizeof p, "/cases/%lld/supervision/%lld/answer", (long long)id,
	    (long long)sid);
	assert_int_equal(fx_req_cookie(&S, &head_a, "POST", p,
	    "application/x-www-form-urlencoded", "answer=ok", 1, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "<html"));
	resp_free(&r);
	assert_int_equal(fx_req_cookie(&S, &head_a, "POST", p,
	    "application/x-www-form-urlencoded",
	    "answer=%E5%B7%B2%E7%BB%8F%E5%A4%84%E7%90%86%E5%AE%8C%E6%AF%95", 1, &r), 0);
	assert_int_equal(r.status, 303);
	assert_string_equal(resp_header(&r, "Location"), loc);
	resp_free(&r);
	snprintf(p, sizeof p, "/cases/%lld/supervision/%lld/close", (long long)id,
	    (long long)sid);
	assert_int_equal(fx_req_cookie(&S, &director, "POST", p,
	    "application/x-www-form-urlencoded", "note=", 1, &r), 0);
	assert_int_equal(r.status, 303);
	resp_free(&r);
	assert_int_equal(qint("SELECT count(*) FROM supervisions WHERE id = %lld"
	    " AND state = 'closed'", sid), 1);
}

/* A teacher, an inspector, a principal: none may supervise; the school
 * of another township sees nothing. Nothing changes. */
static void
test_who_may_not_supervise(void **state)
{
	(void)state;
	int64_t id = make_case(school_a, false);
	char p[160], body[256], due[11];
	day_plus(4, due);
	snprintf(p, sizeof p, "/api/v1/cases/%lld/supervision", (long long)id);
	snprintf(body, sizeof body, "{\"due_on\":\"%s\",\"required\":\"请尽快完成调查\"}", due);
	int64_t audit0 = fx_int("SELECT count(*) FROM audit_log");
	const struct session *no[] = { &teach_a, &inspector, &head_a, &comm_a, &head_b };
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		json_decref(call(no[i], "POST", p, body, 404));
	same_as_missing(&head_b, "POST", "/api/v1/cases/%lld/supervision", id, 0, body);
	same_as_missing(&teach_a, "POST", "/api/v1/cases/%lld/supervision", id, 0, body);
	assert_int_equal(qint("SELECT count(*) FROM supervisions WHERE case_id = %lld", id), 0);
	assert_int_equal(qint("SELECT supervised FROM cases WHERE id = %lld", id), 0);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log"), audit0);
	/* The inspector reads the case, without a form to supervise it. */
	json_t *j = oversight(&inspector, id);
	assert_null(json_object_get(j, "supervision_new"));
	json_decref(j);
	j = oversight(&office, id);
	assert_non_null(json_object_get(j, "supervision_new"));
	json_decref(j);
}

/* Every route with school A's case and supervision, as school B's
 * principal: the same 404 as for a missing one, nothing changed. */
static void
test_cross_school_isolation(void **state)
{
	(void)state;
	int64_t id = make_case(school_a, false);
	int64_t sid = open_supervision(&office, id);
	int64_t other = make_case(school_a, false);
	int64_t audit0 = fx_int("SELECT count(*) FROM audit_log");
	same_as_missing(&head_b, "GET", "/api/v1/cases/%lld/oversight", id, 0, NULL);
	same_as_missing(&head_b, "POST", "/api/v1/cases/%lld/supervision/%lld/answer", id, sid,
	    "{\"answer\":\"别的学校的答复\"}");
	same_as_missing(&head_b, "POST", "/api/v1/cases/%lld/supervision/%lld/close", id, sid,
	    "{}");
	same_as_missing(&head_b, "POST", "/api/v1/cases/%lld/identity-requests", id, 0,
	    "{\"reason\":\"想看看这个事件里的学生是谁\"}");
	/* A supervision of another case answers like a missing one too. */
	char p1[160], p2[160];
	char *b1 = NULL, *b2 = NULL;
	snprintf(p1, sizeof p1, "/api/v1/cases/%lld/supervision/%lld/answer", (long long)other,
	    (long long)sid);
	snprintf(p2, sizeof p2, "/api/v1/cases/%lld/supervision/%lld/answer", (long long)other,
	    (long long)987654321);
	assert_int_equal(send_req(&head_a, "POST", p1, "{\"answer\":\"答复错的督办\"}", &b1), 404);
	assert_int_equal(send_req(&head_a, "POST", p2, "{\"answer\":\"答复错的督办\"}", &b2), 404);
	assert_string_equal(b1, b2);
	free(b1);
	free(b2);
	/* The pages' forms, too. */
	struct resp r1, r2;
	snprintf(p1, sizeof p1, "/cases/%lld/supervision/%lld/answer", (long long)id,
	    (long long)sid);
	snprintf(p2, sizeof p2, "/cases/%lld/supervision/%lld/answer", (long long)987654321,
	    (long long)sid);
	assert_int_equal(fx_req_cookie(&S, &head_b, "POST", p1,
	    "application/x-www-form-urlencoded", "answer=%E7%AD%94%E5%A4%8D%E4%B8%80%E4%B8%8B%E5%90%A7", 1,
	    &r1), 0);
	assert_int_equal(fx_req_cookie(&S, &head_b, "POST", p2,
	    "application/x-www-form-urlencoded", "answer=%E7%AD%94%E5%A4%8D%E4%B8%80%E4%B8%8B%E5%90%A7", 1,
	    &r2), 0);
	assert_int_equal(r1.status, 404);
	assert_int_equal(r2.status, 404);
	assert_string_equal(r1.body, r2.body);
	resp_free(&r1);
	resp_free(&r2);
	assert_int_equal(qint("SELECT count(*) FROM supervisions WHERE id = %lld"
	    " AND state = 'open' AND answer = ''", sid), 1);
	/* The queue and the request list are not theirs at all. */
	json_decref(call(&head_b, "GET", "/api/v1/supervision", NULL, 404));
	json_decref(call(&head_a, "GET", "/api/v1/supervision", NULL, 404));
	json_decref(call(&head_b, "GET", "/api/v1/identity-requests", NULL, 404));
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log"), audit0);
}

/* --- The queue. */

static bool
list_has(json_t *list, int64_t case_id)
{
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o)
		if (json_integer_value(json_object_get(o, "case_id")) == case_id)
			return true;
	return false;
}

static json_t *
list_item(json_t *list, int64_t case_id)
{
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o)
		if (json_integer_value(json_object_get(o, "case_id")) == case_id)
			return o;
	return NULL;
}

static void
test_queue(void **state)
{
	(void)state;
	int64_t now = (int64_t)time(NULL);
	/* Supervised by hand, due soon. */
	int64_t sup = make_case(school_a, false);
	open_supervision(&office, sup);
	/* Answered by the school, waiting for the office. */
	int64_t ans = make_case(school_a, false);
	int64_t ans_sid = open_supervision(&office, ans);
	char ap[128];
	snprintf(ap, sizeof ap, "/api/v1/cases/%lld/supervision/%lld/answer", (long long)ans,
	    (long long)ans_sid);
	json_decref(call(&head_a, "POST", ap, "{\"answer\":\"已完成调查并告知双方家长\"}", 200));
	/* Serious at intake: supervised by itself. */
	int64_t aut = make_case(school_a, true);
	assert_int_equal(qint("SELECT count(*) FROM supervisions WHERE case_id = %lld"
	    " AND automatic = 1 AND state = 'open'", aut), 1);
	/* Past its time limit (B's school), and one longer past (A's). */
	int64_t over = make_case(school_b, false);
	int64_t over2 = make_case(school_a, false);
	char sql[256];
	snprintf(sql, sizeof sql, "UPDATE cases SET due_at = %lld WHERE id = %lld",
	    (long long)(now - 3 * 86400), (long long)over);
	assert_int_equal(fx_sql(sql), 0);
	snprintf(sql, sizeof sql, "UPDATE cases SET due_at = %lld WHERE id = %lld",
	    (long long)(now - 20 * 86400), (long long)over2);
	assert_int_equal(fx_sql(sql), 0);
	/* Not yet due, and closed though overdue: neither is escalated. */
	int64_t fine = make_case(school_a, false), done = make_case(school_a, false);
	snprintf(sql, sizeof sql, "UPDATE cases SET due_at = %lld WHERE id = %lld",
	    (long long)(now + 5 * 86400), (long long)fine);
	assert_int_equal(fx_sql(sql), 0);
	snprintf(sql, sizeof sql, "UPDATE cases SET due_at = %lld, state = 'closed'"
	    " WHERE id = %lld", (long long)(now - 5 * 86400), (long long)done);
	assert_int_equal(fx_sql(sql), 0);
	/* Found serious, never supervised (as if supervision_auto had not run). */
	int64_t ser = make_case(school_b, false);
	assert_int_equal(qsql("UPDATE cases SET tier = 'unlawful', finding = 'bullying'"
	    " WHERE id = %lld", ser), 0);

	struct resp r;
	assert_int_equal(fx_req(&S, &office, "GET", "/api/v1/supervision", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, NAME_V));
	assert_null(strstr(r.body, NAME_P));
	assert_null(strstr(r.body, "测试事件"));
	json_t *j = json_loads(r.body, 0, NULL);
	resp_free(&r);
	json_t *sups = json_object_get(j, "supervisions"), *ov = json_object_get(j, "overdue");
	json_t *uns = json_object_get(j, "unsupervised");
	assert_true(list_has(sups, sup));
	assert_true(list_has(sups, aut));
	assert_true(json_is_true(json_object_get(list_item(sups, aut), "automatic")));
	assert_false(json_is_true(json_object_get(list_item(sups, sup), "automatic")));
	assert_string_equal(json_string_value(json_object_get(list_item(sups, sup), "school")),
	    "城关一小");
	assert_non_null(json_object_get(list_item(sups, sup), "number"));
	assert_non_null(json_object_get(list_item(sups, aut), "days_text"));
	/* Most urgent first: those waiting for the school, by due date, then
	 * those answered, by due date. */
	size_t i;
	json_t *o;
	const char *prev = "";
	bool answered = false;
	json_array_foreach(sups, i, o) {
		const char *d = json_string_value(json_object_get(o, "due_on"));
		bool a = json_is_true(json_object_get(o, "is_answered"));
		assert_true(a || !answered);
		if (a && !answered)
			prev = "";
		answered = a;
		assert_true(strcmp(prev, d) <= 0);
		prev = d;
	}
	assert_true(json_is_true(json_object_get(list_item(sups, ans), "is_answered")));
	assert_true(list_has(ov, over));
	assert_true(list_has(ov, over2));
	assert_false(list_has(ov, fine));
	assert_false(list_has(ov, done));
	/* Most overdue first. */
	size_t at_over = 0, at_over2 = 0;
	json_array_foreach(ov, i, o) {
		if (json_integer_value(json_object_get(o, "case_id")) == over)
			at_over = i;
		if (json_integer_value(json_object_get(o, "case_id")) == over2)
			at_over2 = i;
	}
	assert_true(at_over2 < at_over);
	assert_true(json_integer_value(json_object_get(list_item(ov, over2), "days")) >= 10);
	assert_true(list_has(uns, ser));
	assert_false(list_has(uns, aut));
	assert_false(list_has(uns, sup));
	json_decref(j);

	/* Filters. */
	char p[96];
	snprintf(p, sizeof p, "/api/v1/supervision?school=%lld", (long long)school_b);
	j = call(&leader, "GET", p, NULL, 200);
	assert_false(list_has(json_object_get(j, "supervisions"), sup));
	assert_true(list_has(json_object_get(j, "overdue"), over));
	assert_false(list_has(json_object_get(j, "overdue"), over2));
	assert_true(list_has(json_object_get(j, "unsupervised"), ser));
	json_decref(j);
	snprintf(p, sizeof p, "/api/v1/supervision?township=%lld", (long long)town_a);
	j = call(&director, "GET", p, NULL, 200);
	assert_true(list_has(json_object_get(j, "supervisions"), sup));
	assert_false(list_has(json_object_get(j, "overdue"), over));
	assert_false(list_has(json_object_get(j, "unsupervised"), ser));
	json_decref(j);
	json_decref(call(&office, "GET", "/api/v1/supervision?school=abc", NULL, 400));

	/* The page, for the office only. */
	assert_int_equal(fx_req_cookie(&S, &office, "GET", "/supervision", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "城关一小"));
	assert_non_null(strstr(r.body, "新村二小"));
	assert_non_null(strstr(r.body, "自动督办"));
	assert_null(strstr(r.body, NAME_V));
	assert_null(strstr(r.body, NAME_P));
	resp_free(&r);
	const struct session *no[] = { &inspector, &head_a, &teach_a, &head_b };
	for (size_t k = 0; k < sizeof no / sizeof no[0]; k++) {
		assert_int_equal(fx_req_cookie(&S, no[k], "GET", "/supervision", NULL, NULL, 0, &r),
		    0);
		assert_int_equal(r.status, 404);
		resp_free(&r);
		json_decref(call(no[k], "GET", "/api/v1/supervision", NULL, 404));
	}
}

/* --- Appeals on the case's part. */

static void
test_appeals_display(void **state)
{
	(void)state;
	int64_t id = make_case(school_a, false);
	int64_t victim = party_of(id, "victim");
	/* An appeal as the case API records it, with a sealed panel. */
	uint8_t key[32];
	assert_int_equal(case_key(fx_conn(), id, key), XA_OK);
	arena *a = arena_new(4096, 0);
	static const char panel[] = "[{\"name\":\"王专家\",\"role\":\"outside_expert\"},"
	    "{\"name\":\"赵家长\",\"role\":\"parent_rep\"}]";
	void *pb = NULL;
	size_t pl = 0;
	assert_int_equal(seal_blob(a, key, panel, strlen(panel), &pb, &pl), XA_OK);
	db_stmt *st = NULL;
	assert_int_equal(db_prepare(fx_conn(), "INSERT INTO appeals (case_id, party_id,"
	    " lodged_on, lodged_by, state, panel, review_due, created_at)"
	    " VALUES (?, ?, '2026-03-02', 'guardian', 'review', ?, ?, 0)", &st), XA_OK);
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, victim);
	db_bind_blob(st, 3, pb, pl);
	db_bind_int(st, 4, day_start(day_of((int64_t)time(NULL), ZONE) + 15, ZONE));
	assert_int_equal(db_step(st), 0);
	db_done(st);
	arena_free(a);
	assert_int_equal(qsql("UPDATE cases SET appealed = 1 WHERE id = %lld", id), 0);

	/* The school's handlers see the panel; so does the office. */
	json_t *j = oversight(&head_a, id);
	json_t *ap = json_array_get(json_object_get(j, "appeals"), 0);
	assert_non_null(ap);
	assert_string_equal(json_string_value(json_object_get(ap, "lodged_on")), "2026-03-02");
	assert_string_equal(json_string_value(json_object_get(ap, "party")), "学生A");
	assert_string_equal(json_string_value(json_object_get(ap, "state_label")), "复查中");
	assert_non_null(strstr(json_string_value(json_object_get(ap, "panel")), "王专家"));
	assert_true(strlen(json_string_value(json_object_get(ap, "review_due"))) == 10);
	json_decref(j);
	j = oversight(&office, id);
	ap = json_array_get(json_object_get(j, "appeals"), 0);
	assert_non_null(strstr(json_string_value(json_object_get(ap, "panel")), "赵家长"));
	/* Appealed: the bureau sees identities, and says why. */
	assert_true(json_is_true(json_object_get(json_object_get(j, "identity"), "visible")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "identity"),
	    "why_key")), "identity.why_appealed");
	json_decref(j);
	/* The inspector reads the case without the panel. */
	j = oversight(&inspector, id);
	ap = json_array_get(json_object_get(j, "appeals"), 0);
	assert_string_equal(json_string_value(json_object_get(ap, "panel")), "");
	json_decref(j);
	/* Each opening of the panel was recorded before the answer left. */
	assert_int_equal(qint("SELECT count(*) FROM audit_log WHERE action = 'appeal.read'"
	    " AND object_type = 'appeal' AND object_id = (SELECT id FROM appeals"
	    " WHERE case_id = %lld)", id), 2);
	/* The case page shows the panel too: its own read record names it. */
	char p[96];
	struct resp r;
	snprintf(p, sizeof p, "/cases/%lld", (long long)id);
	assert_int_equal(fx_req_cookie(&S, &head_a, "GET", p, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "王专家"));
	resp_free(&r);
	assert_int_equal(qint("SELECT count(*) FROM audit_log WHERE action = 'case.read'"
	    " AND object_type = 'case' AND object_id = %lld AND fields LIKE '%%panel%%'"
	    " AND account_id = (SELECT id FROM accounts WHERE username = 'ov_head_a')", id), 1);
	/* Nothing else, nor later (a write to flush anything still queued). */
	open_supervision(&office, make_case(school_a, false));
	assert_int_equal(qint("SELECT count(*) FROM audit_log WHERE action = 'appeal.read'"
	    " AND object_type = 'appeal' AND object_id = (SELECT id FROM appeals"
	    " WHERE case_id = %lld)", id), 2);
}

/* Sends a request as s while the fixture holds the database's write
 * lock with `sql` applied but not yet committed: the handler sees the
 * case as it was and queues its job; the writer waits for the lock, so
 * no answer comes until the change is committed, and the job must then
 * see it. The status, and the answer's body into body. (A handler slower
 * than the pause sees the change itself and refuses on its own: the test
 * then passes without reaching the writer's check; it never fails for
 * that.) */
static long
racing(const struct session *s, const char *path, const char *json, const char *sql,
    char *body, size_t blen)
{
	assert_int_equal(db_begin(fx_conn()), XA_OK);
	assert_int_equal(fx_sql(sql), 0);
	int fd = raw_connect(&S);
	assert_true(fd >= 0);
	char req[2048];
	int n = snprintf(req, sizeof req, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", path, s->token,
	    strlen(json), json);
	assert_true(n > 0 && (size_t)n < sizeof req);
	assert_int_equal(write(fd, req, (size_t)n), n);
	char buf[8192];
	assert_int_equal(raw_read(fd, buf, sizeof buf, 800), 0);
	assert_int_equal(db_commit(fx_conn()), XA_OK);
	ssize_t got = raw_read(fd, buf, sizeof buf, 20000);
	close(fd);
	assert_true(got > 12);
	const char *b = strstr(buf, "\r\n\r\n");
	snprintf(body, blen, "%s", b ? b + 4 : "");
	return strtol(buf + 9, NULL, 10);
}

static const char *
error_code(const char *body)
{
	static char code[64];
	json_t *j = json_loads(body, 0, NULL);
	snprintf(code, sizeof code, "%s", json_string_value(json_object_get(json_object_get(j,
	    "error"), "code")) ? json_string_value(json_object_get(json_object_get(j, "error"),
	    "code")) : "");
	json_decref(j);
	return code;
}

/* A closed case's file no longer changes: no supervision is opened or
 * answered in it (the office may still close one), also when it was
 * closed while the request waited for the writer. */
static void
test_closed_case(void **state)
{
	(void)state;
	char p[160], body[256], due[11], out[4096];
	day_plus(5, due);
	snprintf(body, sizeof body, "{\"due_on\":\"%s\",\"required\":\"请在期限内完成调查\"}", due);
	/* Closed, and archived: no new supervision. */
	static const char *const finals[] = { "closed", "archived" };
	for (int k = 0; k < 2; k++) {
		int64_t id = make_case(school_a, false);
		char sql[160];
		snprintf(sql, sizeof sql, "UPDATE cases SET state = '%s', closed_at = 1 WHERE id = %lld",
		    finals[k], (long long)id);
		assert_int_equal(fx_sql(sql), 0);
		int64_t audit0 = fx_int("SELECT count(*) FROM audit_log");
		snprintf(p, sizeof p, "/api/v1/cases/%lld/supervision", (long long)id);
		json_t *j = call(&office, "POST", p, body, 409);
		assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"),
		    "code")), "oversight_case_final");
		json_decref(j);
		j = oversight(&office, id);
		assert_null(json_object_get(j, "supervision_new"));
		json_decref(j);
		assert_int_equal(qint("SELECT count(*) FROM supervisions WHERE case_id = %lld", id), 0);
		assert_int_equal(fx_int("SELECT count(*) FROM audit_log"), audit0);
	}
	/* Supervised, then closed: the school's answer is refused, and not
	 * offered; the office still closes it. */
	int64_t id = make_case(school_a, false);
	int64_t sid = open_supervision(&office, id);
	assert_int_equal(qsql("UPDATE cases SET state = 'closed', closed_at = 1 WHERE id = %lld",
	    id), 0);
	json_t *j = oversight(&head_a, id);
	assert_false(json_is_true(json_object_get(json_array_get(json_object_get(j,
	    "supervisions"), 0), "can_answer")));
	json_decref(j);
	snprintf(p, sizeof p, "/api/v1/cases/%lld/supervision/%lld/answer", (long long)id,
	    (long long)sid);
	j = call(&head_a, "POST", p, "{\"answer\":\"已经处理完毕，请查收\"}", 409);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"),
	    "code")), "oversight_answer_final");
	json_decref(j);
	assert_int_equal(qint("SELECT count(*) FROM supervisions WHERE id = %lld"
	    " AND state = 'open' AND answer = ''", sid), 1);
	snprintf(p, sizeof p, "/api/v1/cases/%lld/supervision/%lld/close", (long long)id,
	    (long long)sid);
	json_decref(call(&office, "POST", p, "{}", 200));

	/* Closed while the request waited for the writer. */
	id = make_case(school_a, false);
	char close_sql[160];
	snprintf(close_sql, sizeof close_sql, "UPDATE cases SET state = 'closed', closed_at = 1"
	    " WHERE id = %lld", (long long)id);
	snprintf(p, sizeof p, "/api/v1/cases/%lld/supervision", (long long)id);
	long st = racing(&office, p, body, close_sql, out, sizeof out);
	if (st != 409)
		fail_msg("open: %ld %s", st, out);
	assert_string_equal(error_code(out), "oversight_case_final");
	assert_int_equal(qint("SELECT count(*) FROM supervisions WHERE case_id = %lld", id), 0);
	assert_int_equal(qint("SELECT supervised FROM cases WHERE id = %lld", id), 0);
	id = make_case(school_a, false);
	sid = open_supervision(&office, id);
	snprintf(close_sql, sizeof close_sql, "UPDATE cases SET state = 'closed', closed_at = 1"
	    " WHERE id = %lld", (long long)id);
	snprintf(p, sizeof p, "/api/v1/cases/%lld/supervision/%lld/answer", (long long)id,
	    (long long)sid);
	st = racing(&head_a, p, "{\"answer\":\"已经处理完毕，请查收\"}", close_sql, out, sizeof out);
	if (st != 409)
		fail_msg("answer: %ld %s", st, out);
	assert_string_equal(error_code(out), "oversight_answer_final");
	assert_int_equal(qint("SELECT count(*) FROM supervisions WHERE id = %lld"
	    " AND state = 'open' AND answer = ''", sid), 1);
}

/* --- Requests to see identities. */

static int64_t
request_identity(const struct session *s, int64_t id, long want)
{
	char p[96];
	snprintf(p, sizeof p, "/api/v1/cases/%lld/identity-requests", (long long)id);
	json_t *j = call(s, "POST", p, "{\"reason\":\"需要核实受害学生是否已转学，以便跟进保护措施。\"}",
	    want);
	int64_t rid = json_integer_value(json_object_get(json_object_get(j, "request"), "id"));
	json_decref(j);
	return rid;
}

static json_t *
decide(const struct session *s, int64_t rid, bool approve, long want)
{
	char p[96];
	snprintf(p, sizeof p, "/api/v1/identity-requests/%lld/decision", (long long)rid);
	return call(s, "POST", p, approve ? "{\"approve\":true,\"note\":\"同意，限本次跟进使用\"}" :
	    "{\"approve\":false}", want);
}

static void
test_identity_request_flow(void **state)
{
	(void)state;
	int64_t id = make_case(school_a, false);
	char p[96];

	/* The inspector reads it without names and may ask. */
	json_t *j = oversight(&inspector, id);
	json_t *idn = json_object_get(j, "identity");
	assert_false(json_is_true(json_object_get(idn, "visible")));
	assert_true(json_is_true(json_object_get(idn, "can_request")));
	json_decref(j);
	/* The school sees names already and has no form. */
	j = oversight(&head_a, id);
	idn = json_object_get(j, "identity");
	assert_true(json_is_true(json_object_get(idn, "visible")));
	assert_false(json_is_true(json_object_get(idn, "can_request")));
	json_decref(j);

	/* Invalid or not theirs: nothing changes. */
	int64_t audit0 = fx_int("SELECT count(*) FROM audit_log");
	snprintf(p, sizeof p, "/api/v1/cases/%lld/identity-requests", (long long)id);
	json_decref(call(&inspector, "POST", p, "{\"reason\":\"太短\"}", 400));
	json_decref(call(&inspector, "POST", p, "{}", 400));
	json_decref(call(&head_a, "POST", p, "{\"reason\":\"本校人员不需要申请查看\"}", 404));
	assert_int_equal(qint("SELECT count(*) FROM identity_requests WHERE case_id = %lld", id),
	    0);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log"), audit0);

	/* Asked once; a second pending request is refused. */
	int64_t rid = request_identity(&inspector, id, 201);
	assert_true(rid > 0);
	json_t *e = call(&inspector, "POST", p, "{\"reason\":\"再申请一次看看行不行\"}", 409);
	assert_string_equal(json_string_value(json_object_get(json_object_get(e, "error"),
	    "code")), "oversight_request_pending");
	json_decref(e);
	assert_int_equal(qint("SELECT count(*) FROM identity_requests WHERE case_id = %lld", id),
	    1);
	assert_int_equal(qint("SELECT count(*) FROM audit_log WHERE action = 'identity.request'"
	    " AND object_id = %lld", rid), 1);
	assert_int_equal(qint("SELECT count(*) FROM case_events WHERE case_id = %lld"
	    " AND kind = 'identity_access'", id), 1);
	j = oversight(&inspector, id);
	assert_true(json_is_true(json_object_get(json_object_get(j, "identity"), "pending")));
	assert_false(json_is_true(json_object_get(json_object_get(j, "identity"), "can_request")));
	json_decref(j);
	assert_false(identities_visible(&inspector, id));
	assert_false(case_shows_name(&inspector, id));
	assert_true(case_shows_name(&head_a, id));

	/* The director's list: who, which case, which school, why; no names. */
	struct resp r;
	assert_int_equal(fx_req(&S, &director, "GET", "/api/v1/identity-requests", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, NAME_V));
	j = json_loads(r.body, 0, NULL);
	resp_free(&r);
	json_t *mine = NULL, *o;
	size_t i;
	json_array_foreach(json_object_get(j, "pending"), i, o)
		if (json_integer_value(json_object_get(o, "id")) == rid)
			mine = o;
	assert_non_null(mine);
	assert_string_equal(json_string_value(json_object_get(mine, "requester")), "ov_inspector");
	assert_string_equal(json_string_value(json_object_get(mine, "school")), "城关一小");
	assert_non_null(strstr(json_string_value(json_object_get(mine, "reason")), "转学"));
	assert_true(json_is_true(json_object_get(mine, "can_decide")));
	json_decref(j);
	/* Neither the office staff nor a school may decide, or list them. */
	json_decref(call(&office, "GET", "/api/v1/identity-requests", NULL, 404));
	json_decref(call(&inspector, "GET", "/api/v1/identity-requests", NULL, 404));
	snprintf(p, sizeof p, "/api/v1/identity-requests/%lld/decision", (long long)rid);
	char *b1 = NULL, *b2 = NULL;
	assert_int_equal(send_req(&head_b, "POST", p, "{\"approve\":true}", &b1), 404);
	assert_int_equal(send_req(&head_b, "POST", "/api/v1/identity-requests/987654321/decision",
	    "{\"approve\":true}", &b2), 404);
	assert_string_equal(b1, b2);
	free(b1);
	free(b2);
	json_decref(call(&office, "POST", p, "{\"approve\":true}", 404));
	json_decref(call(&inspector, "POST", p, "{\"approve\":true}", 404));
	json_decref(call(&director, "POST", p, "{\"note\":\"没有选择\"}", 400));
	assert_int_equal(qint("SELECT count(*) FROM identity_requests WHERE id = %lld"
	    " AND state = 'pending'", rid), 1);

	/* Approved: the inspector sees the names for a week. */
	j = decide(&director, rid, true, 200);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "request"),
	    "state")), "approved");
	json_decref(j);
	int64_t exp = qint("SELECT expires_at - decided_at FROM identity_requests WHERE id = %lld",
	    rid);
	assert_int_equal(exp, 7 * 86400);
	assert_true(identities_visible(&inspector, id));
	assert_true(case_shows_name(&inspector, id));
	j = oversight(&inspector, id);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "identity"),
	    "why_key")), "identity.why_approved");
	assert_int_equal(strlen(json_string_value(json_object_get(json_object_get(j, "identity"),
	    "expires_on"))), 10);
	json_decref(j);
	/* Only the one who asked: the leader still does not. */
	assert_false(identities_visible(&leader, id));
	assert_false(case_shows_name(&leader, id));
	json_decref(decide(&leader, rid, false, 409));
	assert_int_equal(qint("SELECT count(*) FROM audit_log WHERE action = 'identity.approve'"
	    " AND object_id = %lld", rid), 1);
	assert_int_equal(qint("SELECT count(*) FROM case_events WHERE case_id = %lld"
	    " AND kind = 'identity_access' AND meta LIKE '%%\"approve\"%%'", id), 1);
	/* Seeing them already, there is nothing to ask. */
	request_identity(&inspector, id, 409);

	/* Expired: no longer. */
	assert_int_equal(qsql("UPDATE identity_requests SET expires_at = 1000 WHERE id = %lld",
	    rid), 0);
	assert_false(identities_visible(&inspector, id));
	assert_false(case_shows_name(&inspector, id));
	j = oversight(&inspector, id);
	assert_true(json_is_true(json_object_get(json_object_get(j, "identity"), "can_request")));
	json_decref(j);

	/* Refused: still not; and it can be asked again. */
	int64_t rid2 = request_identity(&inspector, id, 201);
	j = decide(&leader, rid2, false, 200);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "request"),
	    "state")), "refused");
	json_decref(j);
	assert_false(identities_visible(&inspector, id));
	json_decref(decide(&director, rid2, true, 409));
	assert_int_equal(qint("SELECT count(*) FROM identity_requests WHERE id = %lld"
	    " AND state = 'refused' AND expires_at = 0", rid2), 1);
	assert_int_equal(qint("SELECT count(*) FROM audit_log WHERE action = 'identity.refuse'"
	    " AND object_id = %lld", rid2), 1);
}

static void
test_identity_self_approval(void **state)
{
	(void)state;
	int64_t id = make_case(school_a, false);
	/* The director asks; the director may not decide it, the leader may. */
	int64_t rid = request_identity(&director, id, 201);
	int64_t audit0 = fx_int("SELECT count(*) FROM audit_log");
	json_t *e = decide(&director, rid, true, 403);
	assert_string_equal(json_string_value(json_object_get(json_object_get(e, "error"),
	    "code")), "oversight_own_request");
	json_decref(e);
	json_decref(decide(&director, rid, false, 403));
	assert_int_equal(qint("SELECT count(*) FROM identity_requests WHERE id = %lld"
	    " AND state = 'pending'", rid), 1);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log"), audit0);
	assert_false(identities_visible(&director, id));
	/* The director's own list shows it without the buttons. */
	json_t *j = call(&director, "GET", "/api/v1/identity-requests", NULL, 200);
	size_t i;
	json_t *o, *mine = NULL;
	json_array_foreach(json_object_get(j, "pending"), i, o)
		if (json_integer_value(json_object_get(o, "id")) == rid)
			mine = o;
	assert_non_null(mine);
	assert_true(json_is_true(json_object_get(mine, "own")));
	assert_false(json_is_true(json_object_get(mine, "can_decide")));
	json_decref(j);
	json_decref(decide(&leader, rid, true, 200));
	assert_true(identities_visible(&director, id));
}

/* The pages of the requests: the form on the case part, the list with
 * its buttons, the decision's redirect. */
static void
test_identity_pages(void **state)
{
	(void)state;
	int64_t id = make_case(school_b, false);
	char p[96];
	struct resp r;
	snprintf(p, sizeof p, "/cases/%lld/identity-requests", (long long)id);
	assert_int_equal(fx_req_cookie(&S, &inspector, "POST", p,
	    "application/x-www-form-urlencoded",
	    "reason=%E9%9C%80%E8%A6%81%E6%A0%B8%E5%AE%9E%E5%AD%A6%E7%94%9F%E8%BA%AB%E4%BB%BD"
	    "%E4%BB%A5%E4%BE%BF%E8%B7%9F%E8%BF%9B", 1, &r), 0);
	assert_int_equal(r.status, 303);
	resp_free(&r);
	int64_t rid = qint("SELECT id FROM identity_requests WHERE case_id = %lld", id);
	assert_true(rid > 0);
	assert_int_equal(fx_req_cookie(&S, &director, "GET", "/identity-requests", NULL, NULL, 0,
	    &r), 0);
	assert_int_equal(r.status, 200);
	char action[96];
	snprintf(action, sizeof action, "action=\"/identity-requests/%lld/decision\"",
	    (long long)rid);
	assert_non_null(strstr(r.body, action));
	assert_non_null(strstr(r.body, "name=\"approve\" value=\"0\""));
	assert_non_null(strstr(r.body, "新村二小"));
	assert_null(strstr(r.body, NAME_V));
	resp_free(&r);
	assert_int_equal(fx_req_cookie(&S, &office, "GET", "/identity-requests", NULL, NULL, 0,
	    &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	snprintf(p, sizeof p, "/identity-requests/%lld/decision", (long long)rid);
	assert_int_equal(fx_req_cookie(&S, &leader, "POST", p,
	    "application/x-www-form-urlencoded", "approve=0&note=", 1, &r), 0);
	assert_int_equal(r.status, 303);
	assert_string_equal(resp_header(&r, "Location"), "/identity-requests");
	resp_free(&r);
	assert_int_equal(qint("SELECT count(*) FROM identity_requests WHERE id = %lld"
	    " AND state = 'refused'", rid), 1);
}

/* The case page (cases_http.c) includes this part: the request form for
 * a bureau reader without identities, the supervision form for the
 * office, the answer form for the school; nothing of it for school B. */
static void
test_case_page_part(void **state)
{
	(void)state;
	int64_t id = make_case(school_a, false);
	char p[96], want[128];
	struct resp r;
	snprintf(p, sizeof p, "/cases/%lld", (long long)id);
	assert_int_equal(fx_req_cookie(&S, &inspector, "GET", p, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "id=\"oversight\""));
	snprintf(want, sizeof want, "action=\"/cases/%lld/identity-requests\"", (long long)id);
	assert_non_null(strstr(r.body, want));
	snprintf(want, sizeof want, "action=\"/cases/%lld/supervision\"", (long long)id);
	assert_null(strstr(r.body, want));
	assert_null(strstr(r.body, NAME_V));
	resp_free(&r);
	assert_int_equal(fx_req_cookie(&S, &office, "GET", p, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, want));
	resp_free(&r);
	int64_t sid = open_supervision(&office, id);
	assert_int_equal(fx_req_cookie(&S, &head_a, "GET", p, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	snprintf(want, sizeof want, "action=\"/cases/%lld/supervision/%lld/answer\"",
	    (long long)id, (long long)sid);
	assert_non_null(strstr(r.body, want));
	assert_non_null(strstr(r.body, "请在期限内完成调查并报告结果"));
	resp_free(&r);
	assert_int_equal(fx_req_cookie(&S, &head_b, "GET", p, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 404);
	assert_null(strstr(r.body, "请在期限内完成调查并报告结果"));
	resp_free(&r);
}

/* A supervised case: the bureau sees identities without asking; closing
 * the supervision does not take that away. */
static void
test_supervised_identities(void **state)
{
	(void)state;
	int64_t id = make_case(school_a, false);
	assert_false(identities_visible(&inspector, id));
	int64_t sid = open_supervision(&office, id);
	assert_true(identities_visible(&inspector, id));
	json_t *j = oversight(&inspector, id);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "identity"),
	    "why_key")), "identity.why_supervised");
	json_decref(j);
	request_identity(&inspector, id, 409);
	char p[128];
	snprintf(p, sizeof p, "/api/v1/cases/%lld/supervision/%lld/close", (long long)id,
	    (long long)sid);
	json_decref(call(&office, "POST", p, "{}", 200));
	assert_true(identities_visible(&inspector, id));
}

/* The audit chain still verifies after everything above. */
static void
test_verify(void **state)
{
	(void)state;
	char dir[200];
	snprintf(dir, sizeof dir, "%s/data", S.dir);
	char *const argv[] = { (char *)xiaoan_bin(), "verify", "--data", dir, NULL };
	char *out = NULL;
	int rc = run_cmd(argv, &out);
	if (rc != 0)
		fail_msg("verify: %d %s", rc, out ? out : "");
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_supervision_open_answer_close),
		cmocka_unit_test(test_supervision_pages),
		cmocka_unit_test(test_who_may_not_supervise),
		cmocka_unit_test(test_cross_school_isolation),
		cmocka_unit_test(test_queue),
		cmocka_unit_test(test_appeals_display),
		cmocka_unit_test(test_closed_case),
		cmocka_unit_test(test_identity_request_flow),
		cmocka_unit_test(test_identity_self_approval),
		cmocka_unit_test(test_identity_pages),
		cmocka_unit_test(test_supervised_identities),
		cmocka_unit_test(test_case_page_part),
		cmocka_unit_test(test_verify),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
