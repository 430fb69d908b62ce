/* test_notify_http.c: notices over HTTP (src/notify/notify_http.c), against
 * the real server and its scheduler thread: an anonymous report for school
 * A reaches school A's committee chair at the first rung and, once the
 * ladder climbs, its principal at the second; never school B's principal;
 * the words say what happened and where to look, never the narrative; the
 * inbox marks what it showed as read; an acknowledgement by the API stops
 * the ladder and is recorded; another account's item answers like a
 * missing one; an acknowledgement link shows the title on GET and changes
 * nothing, acknowledges on POST (recorded for the link's account), and an
 * unknown token gets the page any unknown address gets; the rules are
 * listed whole, changed only by the office director (audited, by API and
 * by the page's form), and a bad ladder or channel is refused with a
 * sentence naming the field and changes nothing; the ladder of a case is
 * on its JSON and its page for school A and answers school B exactly like
 * a missing case; the menu carries the inbox with its count and the rules
 * for those who may change them; the audit chain still verifies.
 *
 * The scheduler runs once a second: the tests poll (up to 8 s) for what it
 * does and never depend on the wall clock beyond that. */
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

#include "auth/auth.h"
#include "core/crypto.h"
#include "fixture.h"
#include "harness.h"

#define PW "Fixture-Pass-123"
#define NARR "NH-NARR-7 小刚在厕所里被几个人推倒，还被抢了饭卡。"
#define SECRET "0123456789abcdef0123456789abcdef"
#define LL(x) ((long long)(x))

static struct srv S;
static struct session director, office, head_a, chair_a, head_b;
static int64_t school_a, school_b, id_director, id_head_a, id_chair_a;
/* The report of test_report_reaches_school_a and its notice. */
static int64_t report_id, notice_id, case_id;

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

/* A page request by session cookie (with its CSRF token); body may be a
 * form. Returns the status; *out receives the body (malloc'd) and the
 * Location header into loc when given. */
static long
page_req(const struct session *s, const char *method, const char *path, const char *form,
    char **out, char *loc, size_t loclen)
{
	struct resp r;
	assert_int_equal(fx_req_cookie(&S, s, method, path,
	    form ? "application/x-www-form-urlencoded" : NULL, form, 1, &r), 0);
	long st = r.status;
	if (out != NULL)
		*out = strdup(r.body ? r.body : "");
	if (loc != NULL) {
		const char *l = resp_header(&r, "Location");
		snprintf(loc, loclen, "%s", l ? l : "");
	}
	resp_free(&r);
	return st;
}

/* One integer from the SQL that fmt and its arguments make. */
static int64_t qint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int64_t
qint(const char *fmt, ...)
{
	char sql[768];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof sql);
	return fx_int(sql);
}

/* Runs the SQL that fmt and its arguments make; 0 on success. */
static int qsql(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int
qsql(const char *fmt, ...)
{
	char sql[768];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof sql);
	return fx_sql(sql);
}

/* Waits up to 8 s for the query to give want (the scheduler's tick is a
 * second); returns what it gave last. */
static int64_t wait_int(int64_t want, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int64_t
wait_int(int64_t want, const char *fmt, ...)
{
	char sql[768];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof sql);
	int64_t v = -1;
	for (int i = 0; i < 80; i++) {
		v = fx_int(sql);
		if (v == want)
			break;
		usleep(100 * 1000);
	}
	return v;
}

/* The account's inbox (all: with acknowledged items) as JSON. */
static json_t *
inbox(const struct session *s, bool all)
{
	return call(s, "GET", all ? "/api/v1/inbox?all=1" : "/api/v1/inbox", NULL, 200);
}

/* How many items of s's inbox wait for an acknowledgement. */
static int64_t
unacked_of(const struct session *s)
{
	json_t *box = inbox(s, false);
	int64_t n = json_integer_value(json_object_get(box, "unacked"));
	json_decref(box);
	return n;
}

/* The item of notice nid in an inbox answer, or NULL. */
static json_t *
item_of(json_t *box, int64_t nid)
{
	json_t *items = json_object_get(box, "items");
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *it = json_array_get(items, i);
		if (json_integer_value(json_object_get(it, "notice_id")) == nid)
			return it;
	}
	return NULL;
}

/* Everything an acknowledgement or a rule could change, in one number. */
static int64_t
fingerprint(void)
{
	return fx_int("SELECT (SELECT count(*) FROM audit_log) * 1000003"
	    " + (SELECT coalesce(sum(acked_at), 0) FROM inbox) % 1000003"
	    " + (SELECT coalesce(sum(acked_at + acked_by + next_rung_at), 0) FROM notices)"
	    " % 999983 + (SELECT coalesce(sum(updated_at + updated_by + enabled + urgent"
	    " + length(rungs) + length(channels)), 0) FROM notify_rules) % 999979");
}

/* 1 when the rule of kind has exactly these rungs and channels. */
static int
rule_is(const char *kind, const char *rungs, const char *channels)
{
	char sql[512];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM notify_rules WHERE kind = '%s'"
	    " AND rungs = '%s' AND channels = '%s'", kind, rungs, channels);
	return fx_int(sql) == 1;
}

/* --- Setup. */

static int
setup(void **state)
{
	(void)state;
	memset(&S, 0, sizeof S);
	if (srv_start(&S, NULL) != 0 || fx_setup(&S) != 0)
		return -1;
	int64_t off = fx_unit(1, "office", "办公室", NULL);
	int64_t town = fx_unit(1, "township", "城关镇", NULL);
	school_a = fx_unit(town, "school", "城关一小", "primary");
	school_b = fx_unit(town, "school", "新村二小", "primary");
	if (off < 0 || school_a < 0 || school_b < 0)
		return -1;
	id_director = fx_account(off, "nh_director", PW, ROLE_BIT(ROLE_OFFICE_DIRECTOR));
	int64_t id_office = fx_account(off, "nh_office", PW, ROLE_BIT(ROLE_OFFICE_STAFF));
	id_head_a = fx_account(school_a, "nh_head_a", PW, ROLE_BIT(ROLE_PRINCIPAL));
	id_chair_a = fx_account(school_a, "nh_chair_a", PW, ROLE_BIT(ROLE_COMMITTEE));
	int64_t id_head_b = fx_account(school_b, "nh_head_b", PW, ROLE_BIT(ROLE_PRINCIPAL));
	if (id_director < 0 || id_office < 0 || id_head_a < 0 || id_chair_a < 0 ||
	    id_head_b < 0)
		return -1;
	/* Names people read on the ladder; the chair of school A's committee. */
	if (qsql("UPDATE accounts SET display_name = '王校长' WHERE id = %lld", LL(id_head_a)) ||
	    qsql("UPDATE accounts SET display_name = '李主任' WHERE id = %lld", LL(id_chair_a)) ||
	    qsql("UPDATE accounts SET display_name = '赵处长' WHERE id = %lld", LL(id_director)) ||
	    qsql("INSERT INTO committee_members (unit_id, account_id, name, role, member_type,"
	    " from_date, created_at) VALUES (%lld, %lld, '李主任', 'chair', 'staff',"
	    " '2000-01-01', 0)", LL(school_a), LL(id_chair_a)))
		return -1;
	return fx_signin(&S, "nh_director", PW, &director) ||
	    fx_signin(&S, "nh_office", PW, &office) ||
	    fx_signin(&S, "nh_head_a", PW, &head_a) ||
	    fx_signin(&S, "nh_chair_a", PW, &chair_a) ||
	    fx_signin(&S, "nh_head_b", PW, &head_b);
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

/* --- The inbox and the ladder. */

/* An anonymous report for school A: the scheduler tells the chair at the
 * first rung (the first receiver of an anonymous report is nobody); the
 * principal only when the ladder climbs; school B never. */
static void
test_report_reaches_school_a(void **state)
{
	(void)state;
	char body[512];
	snprintf(body, sizeof body, "{\"school_id\":%lld,\"what\":\"%s\"}", (long long)school_a,
	    NARR);
	struct resp r;
	assert_int_equal(http_req(&S, "POST", "/api/v1/public/reports", "application/json",
	    body, strlen(body), NULL, &r), 0);
	if (r.status != 201)
		fail_msg("report: %ld %s", r.status, r.body);
	resp_free(&r);
	report_id = fx_int("SELECT max(id) FROM reports");
	assert_true(report_id > 0);
	notice_id = qint("SELECT id FROM notices WHERE object_type = 'report' AND object_id = %lld"
	    " AND kind = 'report.new'", LL(report_id));
	assert_true(notice_id > 0);
	assert_int_equal(wait_int(1, "SELECT count(*) FROM inbox WHERE notice_id = %lld"
	    " AND account_id = %lld", LL(notice_id), LL(id_chair_a)), 1);
	/* Urgent, on its first rung, due to climb; nobody else told yet. */
	assert_int_equal(qint("SELECT urgent FROM notices WHERE id = %lld", LL(notice_id)), 1);
	assert_int_equal(qint("SELECT rung FROM notices WHERE id = %lld", LL(notice_id)), 0);
	assert_true(qint("SELECT next_rung_at FROM notices WHERE id = %lld", LL(notice_id)) >
	    (int64_t)time(NULL));
	assert_int_equal(qint("SELECT count(*) FROM inbox WHERE notice_id = %lld", LL(notice_id)), 1);

	json_t *box = inbox(&chair_a, false);
	json_t *it = item_of(box, notice_id);
	assert_non_null(it);
	assert_string_equal(json_string_value(json_object_get(it, "kind")), "report.new");
	assert_non_null(strstr(json_string_value(json_object_get(it, "title")),
	    "收到新的欺凌举报"));
	assert_non_null(strstr(json_string_value(json_object_get(it, "text")), "请尽快"));
	assert_true(json_is_true(json_object_get(it, "urgent")));
	assert_true(json_is_true(json_object_get(it, "unread")));
	assert_false(json_is_true(json_object_get(it, "acked")));
	assert_true(json_is_null(json_object_get(it, "notice_acked")));
	assert_int_equal(json_integer_value(json_object_get(it, "rung")), 1);
	assert_int_equal(strlen(json_string_value(json_object_get(it, "created_at"))), 16);
	assert_true(json_integer_value(json_object_get(box, "unacked")) >= 1);
	/* What happened and where to look; never what the child wrote. */
	char *dump = json_dumps(box, 0);
	assert_null(strstr(dump, "NH-NARR-7"));
	assert_null(strstr(dump, "小刚"));
	free(dump);
	json_decref(box);
	/* Reading the inbox marks what it showed as read (a detached write). */
	assert_true(wait_int(1, "SELECT count(*) FROM inbox WHERE notice_id = %lld AND account_id ="
	    " %lld AND read_at > 0", LL(notice_id), LL(id_chair_a)) == 1);
	box = inbox(&chair_a, false);
	assert_false(json_is_true(json_object_get(item_of(box, notice_id), "unread")));
	json_decref(box);

	/* Not the principal yet; never school B's. */
	box = inbox(&head_a, true);
	assert_null(item_of(box, notice_id));
	json_decref(box);

	/* Nobody acknowledged: the ladder climbs (its time moved to the past
	 * behind the program's back) to the principal, at the second rung. */
	assert_int_equal(qsql("UPDATE notices SET next_rung_at = 1 WHERE id = %lld",
	    LL(notice_id)), 0);
	assert_int_equal(wait_int(1, "SELECT count(*) FROM inbox WHERE notice_id = %lld"
	    " AND account_id = %lld", LL(notice_id), LL(id_head_a)), 1);
	assert_int_equal(wait_int(1, "SELECT rung FROM notices WHERE id = %lld", LL(notice_id)), 1);
	box = inbox(&head_a, false);
	it = item_of(box, notice_id);
	assert_non_null(it);
	assert_int_equal(json_integer_value(json_object_get(it, "rung")), 2);
	assert_non_null(json_object_get(it, "ack_action"));
	json_decref(box);
	box = inbox(&head_b, true);
	assert_null(item_of(box, notice_id));
	json_decref(box);
	assert_int_equal(qint("SELECT count(*) FROM inbox i JOIN accounts a ON a.id = i.account_id"
	    " WHERE i.notice_id = %lld AND a.unit_id = %lld", LL(notice_id), LL(school_b)), 0);
}

/* Acknowledging by the API: the ladder stops, the notice says who, the
 * others' items show it and leave their open list; recorded once. Another
 * account's item answers exactly like a missing one and changes nothing. */
static void
test_ack_stops_the_ladder(void **state)
{
	(void)state;
	assert_true(notice_id > 0);
	int64_t item_a = qint("SELECT id FROM inbox WHERE notice_id = %lld AND account_id = %lld",
	    LL(notice_id), LL(id_head_a));
	int64_t item_chair = qint("SELECT id FROM inbox WHERE notice_id = %lld AND account_id ="
	    " %lld", LL(notice_id), LL(id_chair_a));
	assert_true(item_a > 0 && item_chair > 0);
	assert_true(qint("SELECT next_rung_at FROM notices WHERE id = %lld", LL(notice_id)) > 0);

	/* School B's principal, and the chair, on the principal's item. */
	char p[96], pm[96];
	snprintf(p, sizeof p, "/api/v1/inbox/%lld/ack", (long long)item_a);
	snprintf(pm, sizeof pm, "/api/v1/inbox/%lld/ack", 987654321LL);
	int64_t before = fingerprint();
	char *b1 = NULL, *b2 = NULL;
	assert_int_equal(send_req(&head_b, "POST", p, "{}", &b1), 404);
	assert_int_equal(send_req(&head_b, "POST", pm, "{}", &b2), 404);
	assert_string_equal(b1, b2);
	free(b1);
	free(b2);
	assert_int_equal(send_req(&chair_a, "POST", p, "{}", NULL), 404);
	assert_int_equal(fingerprint(), before);
	assert_int_equal(qint("SELECT acked_at FROM notices WHERE id = %lld", LL(notice_id)), 0);

	int64_t audits = fx_int("SELECT count(*) FROM audit_log WHERE action = 'notice.ack'");
	int64_t waiting = unacked_of(&head_a);
	json_t *j = call(&head_a, "POST", p, "{}", 200);
	json_t *it = json_object_get(j, "item");
	assert_true(json_is_true(json_object_get(it, "acked")));
	assert_int_equal(strlen(json_string_value(json_object_get(it, "acked_at"))), 16);
	assert_string_equal(json_string_value(json_object_get(json_object_get(it, "notice_acked"),
	    "by")), "王校长");
	assert_null(json_object_get(it, "ack_action"));
	json_decref(j);
	assert_int_equal(qint("SELECT next_rung_at FROM notices WHERE id = %lld", LL(notice_id)), 0);
	assert_int_equal(qint("SELECT acked_by FROM notices WHERE id = %lld", LL(notice_id)),
	    id_head_a);
	assert_true(qint("SELECT acked_at FROM inbox WHERE id = %lld", LL(item_a)) > 0);
	assert_int_equal(qint("SELECT acked_at FROM inbox WHERE id = %lld", LL(item_chair)), 0);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'notice.ack'"),
	    audits + 1);
	assert_int_equal(qint("SELECT count(*) FROM audit_log WHERE action = 'notice.ack'"
	    " AND account_id = %lld AND object_id = %lld", LL(id_head_a), LL(notice_id)), 1);
	/* Again: nothing more changes, nothing more recorded. */
	json_decref(call(&head_a, "POST", p, "{}", 200));
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'notice.ack'"),
	    audits + 1);
	/* The ladder stays stopped past what would have been its next time. */
	assert_int_equal(qint("SELECT count(*) FROM inbox WHERE notice_id = %lld", LL(notice_id)), 2);

	/* The principal's open list lost it, the full one keeps it. */
	json_t *box = inbox(&head_a, false);
	assert_null(item_of(box, notice_id));
	assert_int_equal(json_integer_value(json_object_get(box, "unacked")), waiting - 1);
	json_decref(box);
	box = inbox(&head_a, true);
	assert_non_null(item_of(box, notice_id));
	json_decref(box);
	/* The chair sees who acknowledged it. */
	box = inbox(&chair_a, true);
	it = item_of(box, notice_id);
	assert_non_null(it);
	assert_false(json_is_true(json_object_get(it, "acked")));
	json_t *na = json_object_get(it, "notice_acked");
	assert_string_equal(json_string_value(json_object_get(na, "by")), "王校长");
	assert_false(json_is_true(json_object_get(na, "by_me")));
	json_decref(box);
	box = inbox(&chair_a, false);
	assert_null(item_of(box, notice_id));
	json_decref(box);
}

/* The inbox page and its one-tap form; the menu's entries. */
static void
test_inbox_page_and_menu(void **state)
{
	(void)state;
	/* A fresh notice for the chair, written as notify.c writes one. */
	int64_t now = (int64_t)time(NULL);
	assert_int_equal(qsql("INSERT INTO notices (kind, status, urgent, unit_id, object_type,"
	    " params, link, rung, next_rung_at, created_at) VALUES ('return.due', 'sent', 0, %lld,"
	    " 'return', '{\"school\":\"城关一小\",\"due\":\"2030-01-05\"}', '/cases', 0, 0, %lld)",
	    LL(school_a), LL(now)), 0);
	int64_t nid = fx_int("SELECT max(id) FROM notices");
	assert_int_equal(qsql("INSERT INTO inbox (notice_id, account_id, rung, token_hash,"
	    " created_at) VALUES (%lld, %lld, 0, 'nh-page-item', 0)", LL(nid), LL(id_chair_a)), 0);
	int64_t item = fx_int("SELECT max(id) FROM inbox");
	int64_t waiting = unacked_of(&chair_a);
	assert_true(waiting >= 1);

	char *html = NULL;
	assert_int_equal(page_req(&chair_a, "GET", "/inbox", NULL, &html, NULL, 0), 200);
	assert_non_null(strstr(html, "请城关一小在2030-01-05前报送学生欺凌防治月度报表。"));
	assert_non_null(strstr(html, "确认收到"));
	char want[64];
	snprintf(want, sizeof want, "action=\"/inbox/%lld/ack\"", (long long)item);
	assert_non_null(strstr(html, want));
	/* The menu: the inbox with its count; no rules for the chair. */
	snprintf(want, sizeof want, "通知（%lld）", (long long)waiting);
	assert_non_null(strstr(html, want));
	assert_null(strstr(html, "href=\"/notify/rules\""));
	free(html);
	assert_int_equal(page_req(&director, "GET", "/inbox", NULL, &html, NULL, 0), 200);
	assert_non_null(strstr(html, "href=\"/notify/rules\""));
	assert_non_null(strstr(html, "href=\"/inbox\""));
	free(html);

	/* The form acknowledges and goes back to the inbox. */
	char p[64], loc[128];
	snprintf(p, sizeof p, "/inbox/%lld/ack", (long long)item);
	assert_int_equal(page_req(&chair_a, "POST", p, "x=1", NULL, loc, sizeof loc), 303);
	assert_string_equal(loc, "/inbox");
	assert_true(qint("SELECT acked_at FROM inbox WHERE id = %lld", LL(item)) > 0);
	assert_int_equal(qint("SELECT acked_by FROM notices WHERE id = %lld", LL(nid)),
	    id_chair_a);
	assert_int_equal(unacked_of(&chair_a),
	    waiting - 1);
	/* Another's item by the page: the not-found page, nothing changed. */
	int64_t before = fingerprint();
	assert_int_equal(page_req(&head_b, "POST", p, "x=1", NULL, NULL, 0), 404);
	assert_int_equal(fingerprint(), before);
}

/* --- Acknowledgement links. */

static void
test_ack_link(void **state)
{
	(void)state;
	/* A notice for the director with a link whose secret we chose: only
	 * its SM3 is stored, as notify.c stores it; the link's token is
	 * "ITEM.SECRET". */
	uint8_t h[SM3_LEN];
	char hex[2 * SM3_LEN + 1];
	assert_int_equal(crypto_sm3(SECRET, strlen(SECRET), h), XA_OK);
	crypto_hex(h, sizeof h, hex);
	int64_t later = (int64_t)time(NULL) + 3600;
	assert_int_equal(qsql("INSERT INTO notices (kind, status, urgent, unit_id, params, link,"
	    " rung, next_rung_at, created_at) VALUES ('sentiment.alert', 'sent', 1, %lld,"
	    " '{\"school\":\"城关一小\"}', '/cases', 0, %lld, 1)", LL(school_a), LL(later)), 0);
	int64_t nid = fx_int("SELECT max(id) FROM notices");
	char sql[512];
	snprintf(sql, sizeof sql, "INSERT INTO inbox (notice_id, account_id, rung, token_hash,"
	    " created_at) VALUES (%lld, %lld, 0, '%s', CAST(strftime('%%s', 'now') AS INTEGER))",
	    (long long)nid, (long long)id_director,
	    hex);
	assert_int_equal(fx_sql(sql), 0);
	int64_t item = fx_int("SELECT max(id) FROM inbox");
	char link[96], action[128], wrong[96];
	snprintf(link, sizeof link, "/ack/%lld.%s", LL(item), SECRET);
	snprintf(action, sizeof action, "action=\"%s\"", link);
	snprintf(wrong, sizeof wrong, "/ack/%lld.%s", LL(item), "ffffffffffffffffffffffffffffffff");

	/* GET: the title and one button; nothing changes (mail clients fetch
	 * links by themselves). */
	int64_t before = fingerprint();
	int64_t audits = fx_int("SELECT count(*) FROM audit_log");
	struct resp r;
	assert_int_equal(http_get(&S, link, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "舆情提醒"));
	assert_non_null(strstr(r.body, "确认收到"));
	assert_non_null(strstr(r.body, action));
	/* Only the title: not the text of the notice. */
	assert_null(strstr(r.body, "监测到"));
	resp_free(&r);
	assert_int_equal(fingerprint(), before);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log"), audits);
	assert_int_equal(qint("SELECT read_at + acked_at FROM inbox WHERE id = %lld", LL(item)), 0);
	assert_int_equal(qint("SELECT next_rung_at FROM notices WHERE id = %lld", LL(nid)),
	    later);

	/* A wrong secret, an unknown item, a malformed token: the page any
	 * unknown address gets. */
	static const char *const bad[] = { NULL, "/ack/987654321." SECRET, "/ack/not-a-token",
		"/ack/" SECRET, "/ack/0" SECRET };
	struct resp lost;
	assert_int_equal(http_get(&S, "/no-such-page-at-all", &lost), 0);
	assert_int_equal(lost.status, 404);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *path = bad[i] ? bad[i] : wrong;
		struct resp u;
		assert_int_equal(http_get(&S, path, &u), 0);
		assert_int_equal(u.status, 404);
		assert_string_equal(u.body, lost.body);
		resp_free(&u);
		assert_int_equal(http_req(&S, "POST", path, "application/x-www-form-urlencoded",
		    "x=1", 3, NULL, &u), 0);
		assert_int_equal(u.status, 404);
		assert_string_equal(u.body, lost.body);
		resp_free(&u);
	}
	resp_free(&lost);
	assert_int_equal(fingerprint(), before);

	/* POST, signed out: acknowledged, thanked, with the way in. */
	assert_int_equal(http_req(&S, "POST", link, "application/x-www-form-urlencoded",
	    "x=1", 3, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "已确认，谢谢。"));
	/* (the template escapes '=' as &#61;) */
	assert_true(strstr(r.body, "href=\"/signin?next&#61;/cases\"") != NULL ||
	    strstr(r.body, "href=\"/signin?next=/cases\"") != NULL);
	resp_free(&r);
	assert_true(qint("SELECT acked_at FROM inbox WHERE id = %lld", LL(item)) > 0);
	assert_int_equal(qint("SELECT acked_by FROM notices WHERE id = %lld", LL(nid)),
	    id_director);
	assert_int_equal(qint("SELECT next_rung_at FROM notices WHERE id = %lld", LL(nid)), 0);
	/* Recorded once, for the account the link was sent to. */
	assert_int_equal(qint("SELECT count(*) FROM audit_log WHERE action = 'notice.ack'"
	    " AND account_id = %lld AND object_id = %lld", LL(id_director), LL(nid)), 1);
	/* Used again: the same thanks, nothing more recorded; GET says so. */
	assert_int_equal(http_req(&S, "POST", link, "application/x-www-form-urlencoded",
	    "x=1", 3, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	assert_int_equal(qint("SELECT count(*) FROM audit_log WHERE action = 'notice.ack'"
	    " AND object_id = %lld", LL(nid)), 1);
	assert_int_equal(http_get(&S, link, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "已经确认过了"));
	assert_null(strstr(r.body, "action=\"/ack/"));
	resp_free(&r);
	/* A POST from another site is refused before anything happens. */
	const char *origin[] = { "Origin: https://evil.example", NULL };
	assert_int_equal(qsql("UPDATE inbox SET acked_at = 0 WHERE id = %lld", LL(item)), 0);
	assert_int_equal(http_req(&S, "POST", link, "application/x-www-form-urlencoded",
	    "x=1", 3, origin, &r), 0);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	assert_int_equal(qint("SELECT acked_at FROM inbox WHERE id = %lld", LL(item)), 0);
}

/* --- The rules. */

static void
test_rules_list(void **state)
{
	(void)state;
	static const char *const kinds[] = { "report.new", "case.serious", "deadline.near",
		"deadline.passed", "supervision.order", "return.due", "return.late",
		"return.sent_back", "sentiment.alert" };
	json_t *j = call(&head_a, "GET", "/api/v1/notify/rules", NULL, 200);
	json_t *rules = json_object_get(j, "rules");
	assert_int_equal(json_array_size(rules), 9);
	assert_false(json_is_true(json_object_get(j, "can_edit")));
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		json_t *ru = json_array_get(rules, i);
		assert_string_equal(json_string_value(json_object_get(ru, "kind")), kinds[i]);
		const char *name = json_string_value(json_object_get(ru, "name"));
		assert_non_null(name);
		assert_string_not_equal(name, kinds[i]);
		assert_null(json_object_get(ru, "form"));
	}
	json_t *rn = json_array_get(rules, 0);
	assert_string_equal(json_string_value(json_object_get(rn, "name")), "新举报");
	assert_true(json_is_true(json_object_get(rn, "enabled")));
	assert_true(json_is_true(json_object_get(rn, "urgent")));
	json_t *rungs = json_object_get(rn, "rungs");
	assert_int_equal(json_array_size(rungs), 5);
	json_t *first = json_array_get(rungs, 0);
	assert_int_equal(json_array_size(first), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(first, 0), "who")),
	    "chair");
	assert_string_equal(json_string_value(json_object_get(json_array_get(first, 1), "who")),
	    "first_receiver");
	json_t *second = json_array_get(json_array_get(rungs, 1), 0);
	assert_string_equal(json_string_value(json_object_get(second, "who")), "principal");
	assert_string_equal(json_string_value(json_object_get(second, "label")), "校长");
	assert_string_equal(json_string_value(json_object_get(rn, "rungs_text")),
	    "chair,first_receiver>principal>office>office_director>leader");
	json_t *ch = json_object_get(rn, "channels");
	assert_int_equal(json_array_size(ch), 2);
	assert_string_equal(json_string_value(json_array_get(ch, 0)), "email");
	assert_string_equal(json_string_value(json_array_get(ch, 1)), "sms");
	json_decref(j);
	j = call(&director, "GET", "/api/v1/notify/rules", NULL, 200);
	assert_true(json_is_true(json_object_get(j, "can_edit")));
	json_decref(j);
	/* The page: forms only for those who may change the rules. */
	char *html = NULL;
	assert_int_equal(page_req(&head_a, "GET", "/notify/rules", NULL, &html, NULL, 0), 200);
	assert_non_null(strstr(html, "新举报"));
	assert_null(strstr(html, "action=\"/notify/rules/"));
	free(html);
	assert_int_equal(page_req(&director, "GET", "/notify/rules", NULL, &html, NULL, 0), 200);
	assert_non_null(strstr(html, "action=\"/notify/rules/report.new\""));
	assert_non_null(strstr(html, "name=\"rung2\" value=\"principal\" checked"));
	free(html);
}

static void
test_rules_change(void **state)
{
	(void)state;
	int64_t audits = fx_int("SELECT count(*) FROM audit_log WHERE action = 'notify.rules'");
	json_t *j = call(&director, "POST", "/api/v1/notify/rules/deadline.near",
	    "{\"enabled\":true,\"urgent\":true,\"rungs\":\"case_owner, chair > principal\","
	    "\"channels\":[\"sms\",\"email\"]}", 200);
	json_t *ru = json_object_get(j, "rule");
	assert_string_equal(json_string_value(json_object_get(ru, "rungs_text")),
	    "case_owner,chair>principal");
	assert_true(json_is_true(json_object_get(ru, "urgent")));
	assert_string_equal(json_string_value(json_object_get(ru, "updated_by")), "赵处长");
	json_decref(j);
	assert_true(rule_is("deadline.near", "case_owner,chair>principal", "email,sms"));
	assert_int_equal(fx_int("SELECT updated_by FROM notify_rules WHERE kind = 'deadline.near'"),
	    id_director);
	assert_true(fx_int("SELECT updated_at FROM notify_rules WHERE kind = 'deadline.near'") > 0);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'notify.rules'"),
	    audits + 1);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'notify.rules'"
	    " AND fields = 'kind=deadline.near;urgent,rungs,channels'"), 1);
	/* The same again changes nothing and records nothing. */
	json_decref(call(&director, "POST", "/api/v1/notify/rules/deadline.near",
	    "{\"enabled\":true,\"urgent\":true,\"rungs\":\"case_owner,chair>principal\","
	    "\"channels\":\"email,sms\"}", 200));
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'notify.rules'"),
	    audits + 1);

	/* Refused: 400 naming the field with a sentence; nothing changed. */
	static const struct {
		const char *body, *field, *says;
	} bad[] = {
		{ "{\"enabled\":true,\"rungs\":\"principal>janitor\"}", "rungs", "第2级" },
		{ "{\"enabled\":true,\"rungs\":\"principal>>office\"}", "rungs", "第2级还没有" },
		{ "{\"enabled\":true,\"rungs\":\"principal>office>\"}", "rungs", "第3级" },
		{ "{\"enabled\":true,\"rungs\":\">principal\"}", "rungs", "第1级" },
		{ "{\"enabled\":true,\"rungs\":\"principal>office>principal\"}", "rungs", "第1级和第3级" },
		{ "{\"enabled\":true}", "rungs", "至少" },
		/* Nine rungs: more than the ladder climbs (with seven names, one
		 * of them stands twice before the count runs over). */
		{ "{\"enabled\":true,\"rungs\":\"chair>principal>first_receiver>case_owner>office>"
		  "office_director>leader>principal,chair>office\"}", "rungs", "第2级和第8级" },
		{ "{\"enabled\":true,\"rungs\":\"principal\",\"channels\":[\"email\",\"fax\"]}",
		  "channels", "短信" },
	};
	int64_t before = fingerprint();
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		j = call(&director, "POST", "/api/v1/notify/rules/deadline.near", bad[i].body, 400);
		json_t *e = json_object_get(j, "error");
		assert_string_equal(json_string_value(json_object_get(e, "field")), bad[i].field);
		const char *msg = json_string_value(json_object_get(e, "message"));
		if (msg == NULL || strstr(msg, bad[i].says) == NULL)
			fail_msg("%s: %s", bad[i].body, msg ? msg : "(none)");
		json_decref(j);
	}
	assert_int_equal(fingerprint(), before);
	assert_true(rule_is("deadline.near", "case_owner,chair>principal", "email,sms"));

	/* Not the office director or the leader: refused, nothing changed. */
	j = call(&head_a, "POST", "/api/v1/notify/rules/deadline.near",
	    "{\"enabled\":false,\"rungs\":\"principal\"}", 404);
	json_decref(j);
	j = call(&office, "POST", "/api/v1/notify/rules/deadline.near",
	    "{\"enabled\":false,\"rungs\":\"principal\"}", 404);
	json_decref(j);
	assert_int_equal(page_req(&head_a, "POST", "/notify/rules/deadline.near",
	    "rung1=principal", NULL, NULL, 0), 404);
	assert_int_equal(fingerprint(), before);
	/* No such kind. */
	json_decref(call(&director, "POST", "/api/v1/notify/rules/no.such",
	    "{\"rungs\":\"principal\"}", 404));

	/* The page's form: a row of boxes per rung; unticked boxes are off. */
	char loc[128];
	assert_int_equal(page_req(&director, "POST", "/notify/rules/deadline.near",
	    "enabled=1&rung1=principal&rung2=office&rung2=leader&channels=sms", NULL, loc,
	    sizeof loc), 303);
	assert_string_equal(loc, "/notify/rules#rule-deadline-near");
	assert_true(rule_is("deadline.near", "principal>office,leader", "sms"));
	assert_int_equal(fx_int("SELECT urgent FROM notify_rules WHERE kind = 'deadline.near'"), 0);
	/* A gap in the rows: the page again, saying which rung. */
	before = fingerprint();
	char *html = NULL;
	assert_int_equal(page_req(&director, "POST", "/notify/rules/deadline.near",
	    "enabled=1&rung1=principal&rung3=office", &html, NULL, 0), 400);
	assert_non_null(strstr(html, "第2级还没有选择任何对象"));
	free(html);
	assert_int_equal(fingerprint(), before);
	assert_true(rule_is("deadline.near", "principal>office,leader", "sms"));
	/* Back to the default, for the tests after. */
	json_decref(call(&director, "POST", "/api/v1/notify/rules/deadline.near",
	    "{\"enabled\":true,\"rungs\":\"case_owner\",\"channels\":\"email\"}", 200));
	assert_true(rule_is("deadline.near", "case_owner", "email"));
}

/* --- The ladder of a case. */

static void
test_case_ladder(void **state)
{
	(void)state;
	assert_true(report_id > 0);
	/* The principal opens a case from the report (serious: the office is
	 * told as well, by the case's own notice). */
	char p[128];
	snprintf(p, sizeof p, "/api/v1/reports/%lld/case", (long long)report_id);
	json_t *j = call(&head_a, "POST", p, "{\"summary\":\"操场上的一起冲突\",\"serious\":true}",
	    201);
	case_id = json_integer_value(json_object_get(j, "case_id"));
	json_decref(j);
	assert_true(case_id > 0);
	int64_t serious = wait_int(1, "SELECT count(*) FROM notices WHERE case_id = %lld AND kind ="
	    " 'case.serious' AND status = 'sent'", LL(case_id));
	assert_int_equal(serious, 1);

	snprintf(p, sizeof p, "/api/v1/cases/%lld/notices", (long long)case_id);
	j = call(&head_a, "GET", p, NULL, 200);
	json_t *list = json_object_get(j, "notices");
	assert_int_equal(json_array_size(list), 2);
	/* The report's notice (joined through the report): two rungs, the
	 * chair then the principal, who acknowledged. */
	json_t *n0 = json_array_get(list, 0);
	assert_string_equal(json_string_value(json_object_get(n0, "kind")), "report.new");
	assert_true(json_is_true(json_object_get(n0, "acked")));
	assert_string_equal(json_string_value(json_object_get(n0, "acked_by")), "王校长");
	assert_int_equal(json_integer_value(json_object_get(n0, "rung")), 2);
	json_t *rungs = json_object_get(n0, "rungs");
	assert_int_equal(json_array_size(rungs), 2);
	json_t *r1 = json_array_get(rungs, 0), *r2 = json_array_get(rungs, 1);
	assert_int_equal(json_integer_value(json_object_get(r1, "rung")), 1);
	json_t *who1 = json_array_get(json_object_get(r1, "told"), 0);
	assert_string_equal(json_string_value(json_object_get(who1, "name")), "李主任");
	assert_string_equal(json_string_value(json_object_get(who1, "role")), "欺凌治理委员会委员");
	assert_false(json_is_true(json_object_get(who1, "acked")));
	json_t *who2 = json_array_get(json_object_get(r2, "told"), 0);
	assert_string_equal(json_string_value(json_object_get(who2, "name")), "王校长");
	assert_string_equal(json_string_value(json_object_get(who2, "role")), "校长");
	assert_true(json_is_true(json_object_get(who2, "acked")));
	assert_int_equal(strlen(json_string_value(json_object_get(who2, "acked_at"))), 16);
	/* The case's own notice reached the office at its first rung. */
	json_t *n1 = json_array_get(list, 1);
	assert_string_equal(json_string_value(json_object_get(n1, "kind")), "case.serious");
	assert_false(json_is_true(json_object_get(n1, "acked")));
	json_t *told = json_object_get(json_array_get(json_object_get(n1, "rungs"), 0), "told");
	assert_int_equal(json_array_size(told), 2);
	char *dump = json_dumps(j, 0);
	assert_null(strstr(dump, "NH-NARR-7"));
	free(dump);
	json_decref(j);

	/* School B: exactly what a missing case gets. */
	char pm[96];
	snprintf(pm, sizeof pm, "/api/v1/cases/%lld/notices", 987654321LL);
	char *b1 = NULL, *b2 = NULL;
	assert_int_equal(send_req(&head_b, "GET", p, NULL, &b1), 404);
	assert_int_equal(send_req(&head_b, "GET", pm, NULL, &b2), 404);
	assert_string_equal(b1, b2);
	free(b1);
	free(b2);

	/* The case page carries the section. */
	char *html = NULL;
	snprintf(p, sizeof p, "/cases/%lld", (long long)case_id);
	assert_int_equal(page_req(&head_a, "GET", p, NULL, &html, NULL, 0), 200);
	assert_non_null(strstr(html, "通知与确认"));
	assert_non_null(strstr(html, "已由王校长于"));
	assert_non_null(strstr(html, "李主任"));
	assert_non_null(strstr(html, "第2级"));
	free(html);
}

/* The audit chain still verifies after everything above (the link's
 * record names an account nobody signed in as). */
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
		cmocka_unit_test(test_report_reaches_school_a),
		cmocka_unit_test(test_ack_stops_the_ladder),
		cmocka_unit_test(test_inbox_page_and_menu),
		cmocka_unit_test(test_ack_link),
		cmocka_unit_test(test_rules_list),
		cmocka_unit_test(test_rules_change),
		cmocka_unit_test(test_case_ladder),
		cmocka_unit_test(test_verify),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
