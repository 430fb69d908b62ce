/* test_notify_delivery.c: notices leave the real server by e-mail and SMS,
 * to a real SMTP server and a real HTTP gateway on loopback (tests/fake/),
 * and survive a crash.
 *
 * An anonymous report about a school reaches its committee chair by
 * e-mail (a Chinese subject, the school's name, a one-tap link; never the
 * report's words) and by SMS through the gateway's templates; a refused
 * delivery is recorded and retried later; a server killed while the SMTP
 * server holds its answer loses nothing (the message goes again after the
 * restart, the cut-off attempt is on record), and a message the far end
 * confirmed is not sent again after another crash. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "../fake/fakes.h"
#include "fixture.h"
#include "harness.h"

static struct srv S;
static fake_smtp *smtp;
static fake_http *gw;
static int64_t school;
static char a_smtp[64], a_sms[128];
static const char *extra[20];

#define SECRET_WORDS "UNIQUE-NARRATIVE-每天放学在车棚被高年级同学拦住要钱"

static void
args(void)
{
	snprintf(a_smtp, sizeof a_smtp, "smtp://127.0.0.1:%d", fake_smtp_port(smtp));
	snprintf(a_sms, sizeof a_sms, "http://127.0.0.1:%d/sms/send", fake_http_port(gw));
	const char *const v[] = { "--smtp-url", a_smtp, "--smtp-starttls", "false",
		"--smtp-from", "xiaoan@xinzheng.example.cn", "--sms-url", a_sms,
		"--sms-method", "POST", "--sms-headers",
		"Content-Type: application/json | X-Api-Key: k-123",
		"--sms-body", "{\"mobile\":\"{phone_json}\",\"content\":\"{text_json}\"}",
		"--public-url", "https://xiaoan.example.cn", NULL };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		extra[i] = v[i];
}

static int
setup(void **state)
{
	(void)state;
	if (fake_smtp_start(&smtp) < 0 || fake_http_start(&gw) < 0)
		return -1;
	args();
	if (srv_start(&S, extra) != 0 || fx_setup(&S) != 0)
		return -1;
	int64_t town = fx_unit(1, "township", "龙湖镇", NULL);
	school = fx_unit(town, "school", "龙湖镇第一小学", "primary");
	int64_t chair = fx_account(school, "chair", "Chair-pass-1", ROLE_BIT(ROLE_COMMITTEE));
	int64_t head = fx_account(school, "head", "Head-pass-1", ROLE_BIT(ROLE_PRINCIPAL));
	if (school < 0 || chair < 0 || head < 0)
		return -1;
	char sql[512];
	snprintf(sql, sizeof sql, "UPDATE accounts SET email = 'chair@school.example.cn',"
	    " phone = '13800000001' WHERE id = %lld; INSERT INTO committee_members (unit_id,"
	    " account_id, name, role, member_type, from_date, created_at) VALUES (%lld, %lld,"
	    " '王主任', 'chair', 'staff', '2020-01-01', 0)", (long long)chair, (long long)school,
	    (long long)chair);
	return fx_sql(sql);
}

static int
teardown(void **state)
{
	(void)state;
	fx_done();
	srv_stop(&S);
	srv_cleanup(&S);
	fake_smtp_stop(smtp);
	fake_http_stop(gw);
	return 0;
}

/* A new report, after the earlier notices were acknowledged (else it
 * would join the one still open, and nothing new would be sent). */
static void
report(void)
{
	assert_int_equal(fx_sql("UPDATE notices SET acked_at = 1, next_rung_at = 0"
	    " WHERE acked_at = 0"), 0);
	char body[512];
	struct resp r;
	snprintf(body, sizeof body, "{\"school_id\":%lld,\"what\":\"%s\"}", (long long)school,
	    SECRET_WORDS);
	assert_int_equal(http_req(&S, "POST", "/api/v1/public/reports", "application/json", body,
	    strlen(body), NULL, &r), 0);
	assert_int_equal(r.status, 201);
	resp_free(&r);
}

/* The base64 body of a message, decoded (lines of 76, CRLF). */
static char *
mail_text(const char *data)
{
	const char *p = strstr(data, "\r\n\r\n");
	assert_non_null(p);
	p += 4;
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = calloc(1, strlen(p) + 1);
	size_t n = 0;
	unsigned acc = 0;
	int bits = 0;
	for (; *p; p++) {
		const char *q = strchr(b64, *p);
		if (*p == '=' || q == NULL)
			continue;
		acc = acc << 6 | (unsigned)(q - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xFF);
		}
	}
	out[n] = '\0';
	return out;
}

static int64_t
wait_int(const char *sql, int64_t want, int ms)
{
	int64_t v = -1;
	for (int t = 0; t < ms; t += 100) {
		if ((v = fx_int(sql)) == want)
			return v;
		usleep(100 * 1000);
	}
	return v;
}

/* One report: an e-mail and an SMS to the chair, with the words a
 * notice may carry and nothing more. */
static void
test_email_and_sms(void **state)
{
	(void)state;
	report();
	assert_int_equal(fake_smtp_wait(smtp, 1, 15000), 0);
	assert_int_equal(fake_http_wait(gw, 1, 15000), 0);
	fake_mail m;
	assert_int_equal(fake_smtp_get(smtp, 0, &m), 0);
	assert_string_equal(m.from, "xiaoan@xinzheng.example.cn");
	assert_int_equal(m.nrcpts, 1);
	assert_string_equal(m.rcpts[0], "chair@school.example.cn");
	assert_non_null(strstr(m.data, "Subject: =?UTF-8?B?"));
	assert_non_null(strstr(m.data, "Message-ID: <"));
	char *text = mail_text(m.data);
	assert_non_null(strstr(text, "龙湖镇第一小学"));
	assert_non_null(strstr(text, "https://xiaoan.example.cn/ack/"));
	assert_null(strstr(text, "UNIQUE-NARRATIVE"));
	assert_null(strstr(m.data, "UNIQUE-NARRATIVE"));
	free(text);
	fake_mail_free(&m);
	fake_req q;
	assert_int_equal(fake_http_get(gw, 0, &q), 0);
	assert_string_equal(q.method, "POST");
	assert_string_equal(q.target, "/sms/send");
	char key[32];
	assert_int_equal(fake_req_header(&q, "X-Api-Key", key, sizeof key), 0);
	assert_string_equal(key, "k-123");
	json_t *j = json_loads(q.body, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "mobile")), "13800000001");
	const char *sms = json_string_value(json_object_get(j, "content"));
	assert_non_null(sms);
	assert_non_null(strstr(sms, "龙湖镇第一小学"));
	assert_null(strstr(sms, "UNIQUE-NARRATIVE"));
	json_decref(j);
	fake_req_free(&q);
	/* On record: both sent, one attempt each. */
	assert_int_equal(wait_int("SELECT count(*) FROM outbox WHERE status = 'sent'", 2, 5000), 2);
	assert_int_equal(fx_int("SELECT count(*) FROM outbox_attempts WHERE result = 'sent'"), 2);
	/* The inbox has it too, acknowledged by no one yet, climbing. */
	assert_int_equal(fx_int("SELECT count(*) FROM notices WHERE kind = 'report.new' AND urgent = 1"
	    " AND acked_at = 0 AND next_rung_at > 0"), 1);
}

/* Refused: a 451 from the mail server and a 500 from the gateway are
 * retried later; the reasons are on record. */
static void
test_refused_retried(void **state)
{
	(void)state;
	fake_smtp_clear(smtp);
	fake_http_clear(gw);
	fake_smtp_fail_next(smtp, 451, 1);
	fake_http_fail_next(gw, 500, 1);
	int64_t before = fx_int("SELECT count(*) FROM outbox");
	report();
	assert_int_equal(wait_int("SELECT count(*) FROM outbox_attempts WHERE result = 'retry'", 2,
	    15000), 2);
	assert_int_equal(fake_smtp_count(smtp), 0);
	assert_int_equal(fake_smtp_attempts(smtp), 1);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox WHERE id > (SELECT coalesce(max(id), 0)"
	    " FROM outbox) - 2 AND status = 'pending' AND attempts = 1 AND next_at >"
	    " strftime('%%s', 'now') + 30 AND last_error <> ''");
	assert_int_equal(fx_int("SELECT count(*) FROM outbox") - before, 2);
	assert_int_equal(fx_int(sql), 2);
	/* Let them go now, as a minute later would. */
	assert_int_equal(fx_sql("UPDATE outbox SET next_at = 0 WHERE status = 'pending'"), 0);
	assert_int_equal(fake_smtp_wait(smtp, 1, 15000), 0);
	assert_int_equal(wait_int("SELECT count(*) FROM outbox WHERE status = 'pending'", 0, 15000),
	    0);
}

/* Killed while the mail server holds its answer: after the restart the
 * message goes again (nothing lost) and the cut-off attempt is on record;
 * killed again after it was confirmed: nothing goes twice. */
static void
test_crash_mid_delivery(void **state)
{
	(void)state;
	fake_smtp_clear(smtp);
	fake_http_clear(gw);
	/* Only e-mail for this one. */
	assert_int_equal(fx_sql("UPDATE notify_rules SET channels = 'email' WHERE kind = 'report.new'"),
	    0);
	fake_smtp_set_delay(smtp, 4000);
	report();
	assert_int_equal(fake_smtp_wait(smtp, 1, 15000), 0);	/* DATA ended, no 250 yet */
	fx_done();
	srv_kill(&S);
	fake_smtp_set_delay(smtp, 0);
	assert_int_equal(srv_start(&S, extra), 0);
	assert_int_equal(fx_setup(&S), 0);
	assert_int_equal(fake_smtp_wait(smtp, 2, 20000), 0);
	assert_int_equal(wait_int("SELECT count(*) FROM outbox WHERE status = 'pending'", 0, 10000),
	    0);
	assert_int_equal(fx_int("SELECT count(*) FROM outbox_attempts WHERE result = 'cut_off'"), 1);
	int64_t sent = fx_int("SELECT count(*) FROM outbox WHERE status = 'sent'");
	/* Confirmed: a second crash sends nothing again. */
	fx_done();
	srv_kill(&S);
	assert_int_equal(srv_start(&S, extra), 0);
	assert_int_equal(fx_setup(&S), 0);
	sleep(3);
	assert_int_equal(fake_smtp_count(smtp), 2);
	assert_int_equal(fx_int("SELECT count(*) FROM outbox WHERE status = 'sent'"), sent);
	assert_int_equal(fx_int("SELECT count(*) FROM outbox_attempts WHERE result = 'cut_off'"), 1);
	assert_int_equal(fx_sql("UPDATE notify_rules SET channels = 'email,sms'"
	    " WHERE kind = 'report.new'"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_email_and_sms),
		cmocka_unit_test(test_refused_retried),
		cmocka_unit_test(test_crash_mid_delivery),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
