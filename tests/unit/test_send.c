/* test_send.c: the delivery transports of src/notify/send.c, against the
 * fake SMTP server and HTTP gateway of tests/fake/fakes.c, and the
 * e-mail and SMS options of config.c.
 *
 * What arrives is taken apart here with code of its own (header unfolding,
 * RFC 2047 words, base64, URL decoding, jansson for JSON), so an encoder
 * bug in send.c cannot hide behind the same bug in a decoder. Must only
 * ever talk to 127.0.0.1, and stays under a few seconds: the slow-server
 * cases use notify_timeout = 1. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "core/config.h"
#include "fake/fakes.h"
#include "notify/send.h"

static const char *const pw = "s3cret-Pa55";

static void
set(config *c, const char *name, const char *value)
{
	char err[256];
	if (config_set(c, name, value, err, sizeof err) != XA_OK)
		fail_msg("config_set %s: %s", name, err);
}

/* A configuration that mails through the fake on port. */
static void
mail_config(config *c, int port)
{
	char url[64];
	char err[256];
	config_defaults(c);
	snprintf(url, sizeof url, "smtp://127.0.0.1:%d", port);
	set(c, "smtp_url", url);
	set(c, "smtp_starttls", "false");
	set(c, "smtp_from", "notice@jyj.xinzheng.gov.cn");
	set(c, "notify_timeout", "5");
	assert_int_equal(config_check(c, err, sizeof err), XA_OK);
}

/* A configuration that texts through the fake on port. */
static void
sms_config(config *c, int port, const char *method, const char *path,
    const char *headers, const char *body)
{
	char url[512];
	char err[256];
	config_defaults(c);
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
	set(c, "sms_url", url);
	set(c, "sms_method", method);
	set(c, "sms_headers", headers);
	set(c, "sms_body", body);
	set(c, "notify_timeout", "5");
	if (config_check(c, err, sizeof err) != XA_OK)
		fail_msg("config_check: %s", err);
}

static double
now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Decodes base64 (whitespace skipped, padding required where due); the
 * length, or -1 when anything else turns up. out gets a NUL. */
static long
b64dec(const char *in, size_t n, char *out, size_t cap)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t acc = 0;
	int bits = 0, pad = 0;
	size_t k = 0, sym = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = in[i];
		if (ch == '\r' || ch == '\n')
			continue;
		if (ch == '=') {
			pad++;
			sym++;
			continue;
		}
		const char *p = ch != '\0' ? strchr(tab, ch) : NULL;
		if (p == NULL || pad > 0)
			return -1;
		sym++;
		acc = (acc << 6) | (uint32_t)(p - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (k + 1 >= cap)
				return -1;
			out[k++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (sym % 4 != 0 || pad > 2)
		return -1;
	out[k] = '\0';
	return (long)k;
}

/* The header block of a message (up to the blank line), or fails. */
static size_t
head_len(const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");
	assert_non_null(end);
	return (size_t)(end - msg) + 2;
}

/* The unfolded value of header name (first one), in out; 0 or -1. */
static int
header(const char *msg, const char *name, char *out, size_t cap)
{
	size_t hl = head_len(msg), nl = strlen(name);
	for (const char *p = msg; p < msg + hl;) {
		const char *eol = strstr(p, "\r\n");
		if ((size_t)(eol - p) > nl && p[nl] == ':' &&
		    strncasecmp(p, name, nl) == 0) {
			size_t k = 0;
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			for (;;) {
				while (v < eol && k + 1 < cap)
					out[k++] = *v++;
				/* A folded line: CRLF then a space or tab. */
				if (eol[2] != ' ' && eol[2] != '\t')
					break;
				v = eol + 2;
				eol = strstr(v, "\r\n");
			}
			out[k] = '\0';
			return 0;
		}
		p = eol + 2;
	}
	return -1;
}

/* Decodes an unfolded header value made of RFC 2047 words (UTF-8, B)
 * separated by white space, which between words is dropped. Text not in
 * a word is kept, from its first character. Fails the test on a word
 * longer than 75 or not UTF-8/B. */
static void
decode_words(const char *v, char *out, size_t cap)
{
	size_t k = 0;
	out[0] = '\0';
	while (*v != '\0') {
		while (*v == ' ' || *v == '\t')
			v++;
		if (strncmp(v, "=?", 2) != 0) {
			size_t rest = strlen(v);
			assert_true(k + rest < cap);
			memcpy(out + k, v, rest + 1);
			return;
		}
		const char *end = strstr(v + 2, "?=");
		assert_non_null(end);
		size_t wl = (size_t)(end + 2 - v);
		assert_true(wl <= 75);
		assert_int_equal(strncasecmp(v, "=?UTF-8?B?", 10), 0);
		long n = b64dec(v + 10, (size_t)(end - (v + 10)), out + k, cap - k);
		assert_true(n >= 0);
		k += (size_t)n;
		v = end + 2;
	}
}

/* Every header line at most 78 characters, as RFC 5322 wants. */
static void
assert_short_lines(const char *msg)
{
	size_t hl = head_len(msg);
	for (const char *p = msg; p < msg + hl;) {
		const char *eol = strstr(p, "\r\n");
		if (eol - p > 78)
			fail_msg("header line of %d chars: %.*s", (int)(eol - p),
			    (int)(eol - p), p);
		p = eol + 2;
	}
}

/* The body, its lines checked (base64 only, at most 76) and decoded. */
static void
decode_body(const char *msg, char *out, size_t cap)
{
	const char *b = strstr(msg, "\r\n\r\n");
	assert_non_null(b);
	b += 4;
	for (const char *p = b; *p != '\0';) {
		const char *eol = strstr(p, "\r\n");
		assert_non_null(eol);
		assert_true(eol - p <= 76);
		p = eol + 2;
	}
	assert_true(b64dec(b, strlen(b), out, cap) >= 0);
}

static void
test_enabled_and_defaults(void **state)
{
	(void)state;
	config c;
	char err[256];
	config_defaults(&c);
	assert_false(send_email_enabled(&c));
	assert_false(send_sms_enabled(&c));
	assert_true(c.smtp_starttls);
	assert_string_equal(c.sms_method, "POST");
	assert_int_equal(c.notify_timeout, 20);
	assert_int_equal(config_check(&c, err, sizeof err), XA_OK);

	char why[256];
	assert_int_equal(send_email(&c, "a@b.cn", "s", "t", why, sizeof why),
	    XA_EINVAL);
	assert_non_null(strstr(why, "not configured"));
	assert_int_equal(send_sms(&c, "13800138000", "t", why, sizeof why),
	    XA_EINVAL);

	set(&c, "smtp_url", "smtp://127.0.0.1:25");
	assert_false(send_email_enabled(&c));
	set(&c, "smtp_from", "a@b.cn");
	assert_true(send_email_enabled(&c));
	set(&c, "sms_url", "https://sms.example.cn/send?m={phone}");
	assert_true(send_sms_enabled(&c));
}

/* Sets name = value on a good configuration and expects config_check to
 * refuse it with a reason that mentions want. */
static void
check_refused(const char *name, const char *value, const char *want)
{
	config c;
	char err[256] = "";
	config_defaults(&c);
	set(&c, "smtp_url", "smtps://smtp.example.cn:465");
	set(&c, "smtp_from", "notice@example.cn");
	set(&c, "sms_url", "https://sms.example.cn/send?m={phone}&t={text}");
	assert_int_equal(config_check(&c, err, sizeof err), XA_OK);
	set(&c, name, value);
	if (config_check(&c, err, sizeof err) != XA_ECONFIG)
		fail_msg("%s = %s was accepted", name, value);
	if (strstr(err, want) == NULL)
		fail_msg("%s = %s: \"%s\" does not mention \"%s\"", name, value,
		    err, want);
}

static void
test_config_checks(void **state)
{
	(void)state;
	config c;
	char err[256] = "";

	config_defaults(&c);
	set(&c, "smtp_url", "smtp://mail.example.cn:587");
	assert_int_equal(config_check(&c, err, sizeof err), XA_ECONFIG);
	assert_non_null(strstr(err, "smtp_from"));

	check_refused("smtp_url", "http://mail.example.cn", "smtp_url");
	check_refused("smtp_url", "smtp://", "smtp_url");
	check_refused("smtp_url", "smtp://bob:hunter2@mail.example.cn", "smtp_user");
	/* ...and the refusal does not repeat the password. */
	config_defaults(&c);
	set(&c, "smtp_url", "smtp://bob:hunter2@mail.example.cn");
	set(&c, "smtp_from", "a@b.cn");
	assert_int_equal(config_check(&c, err, sizeof err), XA_ECONFIG);
	assert_null(strstr(err, "hunter2"));
	check_refused("smtp_from", "not an address", "smtp_from");
	check_refused("smtp_from", "a@b@c", "smtp_from");
	check_refused("smtp_password", "x", "smtp_user");
	check_refused("smtp_ca_file", "/nonexistent/ca.pem", "smtp_ca_file");
	check_refused("sms_url", "https://gw/send?m={phone}&t={txt}", "{txt}");
	check_refused("sms_url", "ftp://gw/{phone}", "sms_url");
	check_refused("sms_url", "https://gw/send?t={text_raw}", "{text_raw}");
	check_refused("sms_body", "{\"t\":\"{Text_json}\"}", "{Text_json}");
	check_refused("sms_body", "to={phone}&x={_x}", "{_x}");
	check_refused("sms_headers", "X-Key: {key}", "{key}");
	check_refused("sms_headers", "X-Text: {text_raw}", "{text_raw}");
	check_refused("sms_headers", "Content-Type: application/json | NoColon",
	    "header 2");
	check_refused("sms_method", "PUT", "sms_method");

	/* GET has no body. */
	config_defaults(&c);
	set(&c, "sms_url", "https://gw/send?m={phone}&t={text}");
	set(&c, "sms_method", "GET");
	assert_int_equal(config_check(&c, err, sizeof err), XA_OK);
	set(&c, "sms_body", "{text_raw}");
	assert_int_equal(config_check(&c, err, sizeof err), XA_ECONFIG);
	assert_non_null(strstr(err, "sms_body"));

	/* Braces that are not placeholders are text. */
	set(&c, "sms_method", "post");
	set(&c, "sms_body", "{\"a\":{\"b\":\"{text_json}\"},\"c\":{},\"d\":\"{ 1}\"}");
	set(&c, "sms_headers", "Content-Type: application/json | "
	    "Authorization: Bearer abc | X-To: {phone}");
	assert_int_equal(config_check(&c, err, sizeof err), XA_OK);

	assert_int_equal(config_set(&c, "notify_timeout", "0", err, sizeof err),
	    XA_ECONFIG);
	assert_int_equal(config_set(&c, "notify_timeout", "601", err, sizeof err),
	    XA_ECONFIG);
	assert_int_equal(config_set(&c, "smtp_starttls", "maybe", err, sizeof err),
	    XA_ECONFIG);

	/* sms_body takes 1023 bytes; the INI reader takes such a line. */
	char big[1100];
	memset(big, 'x', sizeof big);
	big[1023] = '\0';
	assert_int_equal(config_set(&c, "sms_body", big, err, sizeof err), XA_OK);
	big[1023] = 'x';
	big[1024] = '\0';
	assert_int_equal(config_set(&c, "sms_body", big, err, sizeof err),
	    XA_ECONFIG);
	char ini[] = "/tmp/xiaoan-send-XXXXXX";
	int fd = mkstemp(ini);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	big[1000] = '\0';
	fprintf(f, "[notify]\nsms_body = \"{text_json}%s\"\nnotify_timeout = 7\n", big);
	fclose(f);
	config_defaults(&c);
	xa_err e = config_load_file(&c, ini, err, sizeof err);
	unlink(ini);
	assert_int_equal(e, XA_OK);
	assert_int_equal(strlen(c.sms_body), 1011);
	assert_int_equal(c.notify_timeout, 7);
}

static const char *const long_subject =
    "【校园欺凌事件】第二中学八年级三班的事件已超过调查期限，请立即处理（第2次提醒）";

static void
test_email_chinese(void **state)
{
	(void)state;
	fake_smtp *fs;
	int port = fake_smtp_start(&fs);
	assert_true(port > 0);
	config c;
	mail_config(&c, port);
	const char *text =
	    "王老师：\n\n第二中学报告的事件（编号 XZ-2025-0042）需要您在3个工作日内确认。\n"
	    ".这一行以句点开头，测试点填充。\n"
	    ".\n"
	    "请登录校安平台查看详情。\r\n谢谢！";
	char why[256];
	assert_int_equal(send_email(&c, "wang.laoshi@school2.xz.cn", long_subject,
	    text, why, sizeof why), XA_OK);
	assert_non_null(strstr(why, "250"));
	assert_int_equal(fake_smtp_count(fs), 1);

	fake_mail m;
	assert_int_equal(fake_smtp_get(fs, 0, &m), 0);
	assert_string_equal(m.from, "notice@jyj.xinzheng.gov.cn");
	assert_int_equal(m.nrcpts, 1);
	assert_string_equal(m.rcpts[0], "wang.laoshi@school2.xz.cn");
	assert_string_equal(m.auth_user, "");
	assert_short_lines(m.data);

	char v[2048], d[2048];
	assert_int_equal(header(m.data, "Subject", v, sizeof v), 0);
	/* Long enough to need several words. */
	assert_non_null(strstr(v, "?= =?UTF-8?B?"));
	decode_words(v, d, sizeof d);
	assert_string_equal(d, long_subject);

	assert_int_equal(header(m.data, "From", v, sizeof v), 0);
	const char *lt = strrchr(v, '<');
	assert_non_null(lt);
	assert_string_equal(lt, "<notice@jyj.xinzheng.gov.cn>");
	if (lt == v || lt[-1] != ' ')
		fail_msg("no space before the address: %s", v);
	char name[512];
	snprintf(name, sizeof name, "%.*s", (int)(lt - v), v);
	decode_words(name, d, sizeof d);
	assert_string_equal(d, "新郑市教育体育局");

	assert_int_equal(header(m.data, "To", v, sizeof v), 0);
	assert_non_null(strstr(v, "wang.laoshi@school2.xz.cn"));

	assert_int_equal(header(m.data, "Date", v, sizeof v), 0);
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = strptime(v, "%a, %d %b %Y %H:%M:%S %z", &tm);
	assert_non_null(end);
	assert_int_equal(*end, '\0');
	assert_non_null(strstr(v, " +0800"));	/* the bureau's zone */
	/* Within a minute of now. */
	long gmtoff = tm.tm_gmtoff;
	assert_int_equal(gmtoff, 8 * 3600);
	time_t sent = timegm(&tm) - gmtoff;
	assert_true(labs((long)(sent - time(NULL))) < 60);

	assert_int_equal(header(m.data, "Message-ID", v, sizeof v), 0);
	assert_int_equal(v[0], '<');
	assert_int_equal(v[strlen(v) - 1], '>');
	assert_non_null(strstr(v, "@jyj.xinzheng.gov.cn>"));
	assert_int_equal(header(m.data, "MIME-Version", v, sizeof v), 0);
	assert_string_equal(v, "1.0");
	assert_int_equal(header(m.data, "Content-Type", v, sizeof v), 0);
	assert_string_equal(v, "text/plain; charset=UTF-8");
	assert_int_equal(header(m.data, "Content-Transfer-Encoding", v, sizeof v), 0);
	assert_string_equal(v, "base64");

	/* The text, its line breaks as CRLF. */
	decode_body(m.data, d, sizeof d);
	assert_string_equal(d,
	    "王老师：\r\n\r\n第二中学报告的事件（编号 XZ-2025-0042）需要您在3个工作日内确认。\r\n"
	    ".这一行以句点开头，测试点填充。\r\n"
	    ".\r\n"
	    "请登录校安平台查看详情。\r\n谢谢！");
	char mid1[256];
	assert_int_equal(header(m.data, "Message-ID", mid1, sizeof mid1), 0);
	fake_mail_free(&m);

	/* A second message: a new Message-ID; an ASCII subject, an empty one;
	 * a long text over several body lines. */
	char longtext[4000];
	size_t k = 0;
	static const char piece[] = "校园欺凌防治，人人有责。";
	for (int i = 0; k + sizeof piece + 2 < sizeof longtext; i++) {
		memcpy(longtext + k, piece, sizeof piece - 1);
		k += sizeof piece - 1;
		if (i % 5 == 4)
			longtext[k++] = '\n';
	}
	longtext[k] = '\0';
	char longcrlf[8000];
	size_t kk = 0;
	for (size_t i = 0; i < k; i++) {
		if (longtext[i] == '\n')
			longcrlf[kk++] = '\r';
		longcrlf[kk++] = longtext[i];
	}
	longcrlf[kk] = '\0';
	assert_int_equal(send_email(&c, "a@b.cn", "Reminder", longtext, why,
	    sizeof why), XA_OK);
	assert_int_equal(send_email(&c, "a@b.cn", "", "x", why, sizeof why), XA_OK);
	assert_int_equal(fake_smtp_get(fs, 1, &m), 0);
	assert_int_equal(header(m.data, "Message-ID", v, sizeof v), 0);
	assert_string_not_equal(v, mid1);
	assert_int_equal(header(m.data, "Subject", v, sizeof v), 0);
	decode_words(v, d, sizeof d);
	assert_string_equal(d, "Reminder");
	char *body = malloc(8192);
	assert_non_null(body);
	decode_body(m.data, body, 8192);
	assert_string_equal(body, longcrlf);
	free(body);
	fake_mail_free(&m);
	assert_int_equal(fake_smtp_get(fs, 2, &m), 0);
	assert_int_equal(header(m.data, "Subject", v, sizeof v), 0);
	assert_string_equal(v, "");
	fake_mail_free(&m);
	fake_smtp_stop(fs);
}

static void
test_email_auth(void **state)
{
	(void)state;
	fake_smtp *fs;
	int port = fake_smtp_start(&fs);
	assert_true(port > 0);
	fake_smtp_require_auth(fs, "notice", pw);
	config c;
	char why[256];
	mail_config(&c, port);

	/* No credentials: the server wants them (530): won't work as is. */
	assert_int_equal(send_email(&c, "a@b.cn", "s", "t", why, sizeof why),
	    XA_EINVAL);
	assert_non_null(strstr(why, "530"));
	assert_int_equal(fake_smtp_count(fs), 0);

	set(&c, "smtp_user", "notice");
	set(&c, "smtp_password", pw);
	assert_int_equal(send_email(&c, "a@b.cn", "s", "t", why, sizeof why), XA_OK);
	fake_mail m;
	assert_int_equal(fake_smtp_get(fs, 0, &m), 0);
	assert_string_equal(m.auth_user, "notice");
	assert_string_equal(m.auth_mech, "PLAIN");
	fake_mail_free(&m);

	/* A server that speaks only LOGIN. */
	fake_smtp_set_mechs(fs, "LOGIN");
	assert_int_equal(send_email(&c, "a@b.cn", "s", "t", why, sizeof why), XA_OK);
	assert_int_equal(fake_smtp_get(fs, 1, &m), 0);
	assert_string_equal(m.auth_user, "notice");
	assert_string_equal(m.auth_mech, "LOGIN");
	fake_mail_free(&m);

	/* A wrong password (535) will not fix itself: XA_EINVAL, and the
	 * reason never carries the password. */
	fake_smtp_set_mechs(fs, "PLAIN LOGIN");
	set(&c, "smtp_password", "wrong-password-42");
	assert_int_equal(send_email(&c, "a@b.cn", "s", "secret text", why,
	    sizeof why), XA_EINVAL);
	assert_non_null(strstr(why, "535"));
	assert_null(strstr(why, "wrong-password-42"));
	assert_null(strstr(why, "secret text"));
	assert_int_equal(fake_smtp_count(fs), 2);
	fake_smtp_stop(fs);
}

static void
test_email_refusals(void **state)
{
	(void)state;
	fake_smtp *fs;
	int port = fake_smtp_start(&fs);
	assert_true(port > 0);
	config c;
	char why[256];
	mail_config(&c, port);
	set(&c, "smtp_user", "notice");
	set(&c, "smtp_password", pw);

	fake_smtp_fail_next(fs, 451, 1);
	assert_int_equal(send_email(&c, "a@b.cn", "主题", "正文 secret", why,
	    sizeof why), XA_EIO);
	assert_non_null(strstr(why, "451"));
	assert_null(strstr(why, pw));
	assert_null(strstr(why, "secret"));
	assert_int_equal(fake_smtp_attempts(fs), 1);
	assert_int_equal(fake_smtp_count(fs), 0);

	fake_smtp_fail_next(fs, 554, 1);
	assert_int_equal(send_email(&c, "a@b.cn", "主题", "正文", why, sizeof why),
	    XA_EINVAL);
	assert_non_null(strstr(why, "554"));
	assert_int_equal(fake_smtp_attempts(fs), 2);
	assert_int_equal(fake_smtp_count(fs), 0);

	/* The knob is spent: the next goes through. */
	assert_int_equal(send_email(&c, "a@b.cn", "主题", "正文", why, sizeof why),
	    XA_OK);
	assert_int_equal(fake_smtp_count(fs), 1);

	/* STARTTLS required, and this server offers none: a set-up error. */
	set(&c, "smtp_starttls", "true");
	assert_int_equal(send_email(&c, "a@b.cn", "s", "t", why, sizeof why),
	    XA_EINVAL);
	assert_non_null(strstr(why, "STARTTLS"));
	assert_int_equal(fake_smtp_count(fs), 1);
	fake_smtp_stop(fs);

	/* Nothing listening any more: worth retrying. */
	set(&c, "smtp_starttls", "false");
	assert_int_equal(send_email(&c, "a@b.cn", "s", "t", why, sizeof why), XA_EIO);
	assert_true(why[0] != '\0');
}

static void
test_email_bad_input(void **state)
{
	(void)state;
	fake_smtp *fs;
	int port = fake_smtp_start(&fs);
	assert_true(port > 0);
	config c;
	char why[256];
	mail_config(&c, port);
	static const char *const bad_to[] = {
		"a@b.cn\r\nBcc: x@evil.cn", "a@b.cn\nBcc: x@evil.cn", "no-at.cn",
		"a@b@c.cn", "a b@c.cn", "@b.cn", "a@", "", "a@b.cn>", "<a@b.cn",
		"a\t@b.cn", "a@b.cn,x@evil.cn", "a@\x01.cn", "a@b.cn\r",
	};
	for (size_t i = 0; i < sizeof bad_to / sizeof bad_to[0]; i++) {
		if (send_email(&c, bad_to[i], "s", "t", why, sizeof why) != XA_EINVAL)
			fail_msg("recipient %zu was accepted", i);
	}
	assert_int_equal(send_email(&c, "a@b.cn", "主题\r\nBcc: x@evil.cn", "t",
	    why, sizeof why), XA_EINVAL);
	assert_int_equal(send_email(&c, "a@b.cn", "line\nbreak", "t", why,
	    sizeof why), XA_EINVAL);
	assert_int_equal(send_email(&c, "a@b.cn", "bad \xff utf8", "t", why,
	    sizeof why), XA_EINVAL);
	assert_int_equal(send_email(&c, "a@b.cn", "s", "bad \xc3", why,
	    sizeof why), XA_EINVAL);
	/* A sender that slipped past config_check. */
	snprintf(c.smtp_from, sizeof c.smtp_from, "a@b.cn\r\nBcc: x@evil.cn");
	assert_int_equal(send_email(&c, "a@b.cn", "s", "t", why, sizeof why),
	    XA_EINVAL);
	/* None of it reached the server. */
	assert_int_equal(fake_smtp_connections(fs), 0);
	fake_smtp_stop(fs);
}

static void
test_email_slow_server(void **state)
{
	(void)state;
	fake_smtp *fs;
	int port = fake_smtp_start(&fs);
	assert_true(port > 0);
	config c;
	char why[256];
	mail_config(&c, port);
	/* libcurl would wait notify_timeout for the DATA answer and as long
	 * again for the QUIT answer; send.c cuts the second wait short. */
	set(&c, "notify_timeout", "2");
	fake_smtp_set_delay(fs, 6000);
	double t0 = now_s();
	assert_int_equal(send_email(&c, "a@b.cn", "s", "t", why, sizeof why), XA_EIO);
	double took = now_s() - t0;
	if (took < 1.9 || took >= 3.2)
		fail_msg("took %.2f s: %s", took, why);
	assert_non_null(strstr(why, "notify_timeout"));
	/* The server had the whole message when the client gave up: the
	 * outbox will send it again, and the reader may see it twice. */
	assert_int_equal(fake_smtp_count(fs), 1);
	fake_smtp_stop(fs);
}

/* Decodes %XX (and nothing else) of s[0..n) into out. */
static void
url_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		assert_true(k + 1 < cap);
		if (s[i] == '%') {
			assert_true(i + 2 < n);
			char hex[3] = { s[i + 1], s[i + 2], 0 };
			out[k++] = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			out[k++] = s[i];
		}
	}
	out[k] = '\0';
}

/* The raw value of query parameter name in target. */
static void
query_param(const char *target, const char *name, char *out, size_t cap)
{
	char key[64];
	snprintf(key, sizeof key, "%s=", name);
	const char *q = strchr(target, '?');
	assert_non_null(q);
	for (const char *p = q + 1; p != NULL; p = strchr(p, '&')) {
		if (*p == '&')
			p++;
		if (strncmp(p, key, strlen(key)) == 0) {
			p += strlen(key);
			const char *e = strchr(p, '&');
			size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
			assert_true(n < cap);
			memcpy(out, p, n);
			out[n] = '\0';
			return;
		}
	}
	fail_msg("no %s in %s", name, target);
}

static const char *const sms_text =
    "【校安】家长您好：\"小明\" 的事件\\已登记 & 受理=1+1?\n请于3日内处理\t完毕\x01。";

static void
test_sms_get(void **state)
{
	(void)state;
	fake_http *fh;
	int port = fake_http_start(&fh);
	assert_true(port > 0);
	config c;
	char why[256];
	sms_config(&c, port, "GET",
	    "/api/send?to={phone}&msg={text}&key=k%2Fy~z&raw={phone_raw}", "", "");
	assert_int_equal(send_sms(&c, "+8613800138000", sms_text, why, sizeof why),
	    XA_OK);
	assert_non_null(strstr(why, "200"));
	assert_int_equal(fake_http_count(fh), 1);
	fake_req r;
	assert_int_equal(fake_http_get(fh, 0, &r), 0);
	assert_string_equal(r.method, "GET");
	assert_int_equal(r.len, 0);
	assert_int_equal(strncmp(r.target, "/api/send?", 10), 0);
	char raw[2048], dec[1024];
	query_param(r.target, "to", raw, sizeof raw);
	assert_string_equal(raw, "%2B8613800138000");
	query_param(r.target, "msg", raw, sizeof raw);
	/* Only unreserved characters are left bare. */
	for (const char *p = raw; *p != '\0'; p++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-._~%", *p));
	url_decode(raw, strlen(raw), dec, sizeof dec);
	assert_string_equal(dec, sms_text);
	query_param(r.target, "key", raw, sizeof raw);
	assert_string_equal(raw, "k%2Fy~z");	/* the template's own text, untouched */
	query_param(r.target, "raw", raw, sizeof raw);
	assert_string_equal(raw, "+8613800138000");
	fake_req_free(&r);
	fake_http_stop(fh);
}

static void
test_sms_post_json(void **state)
{
	(void)state;
	fake_http *fh;
	int port = fake_http_start(&fh);
	assert_true(port > 0);
	config c;
	char why[256];
	sms_config(&c, port, "POST", "/v2/sms?sig=abc",
	    "Content-Type: application/json | Authorization: Bearer abc.DEF-123 | "
	    "X-To: {phone}",
	    "{\"mobile\":\"{phone_json}\",\"content\":\"{text_json}\","
	    "\"sign\":\"校安通知\",\"raw\":\"{phone_raw}\",\"n\":{\"k\":1}}");
	assert_int_equal(send_sms(&c, "13800138000", sms_text, why, sizeof why),
	    XA_OK);
	fake_req r;
	assert_int_equal(fake_http_get(fh, 0, &r), 0);
	assert_string_equal(r.method, "POST");
	assert_string_equal(r.target, "/v2/sms?sig=abc");
	char v[256];
	assert_int_equal(fake_req_header(&r, "content-type", v, sizeof v), 0);
	assert_string_equal(v, "application/json");
	assert_int_equal(fake_req_header(&r, "Authorization", v, sizeof v), 0);
	assert_string_equal(v, "Bearer abc.DEF-123");
	assert_int_equal(fake_req_header(&r, "X-To", v, sizeof v), 0);
	assert_string_equal(v, "13800138000");
	assert_int_equal(fake_req_header(&r, "Content-Length", v, sizeof v), 0);
	assert_int_equal(strtol(v, NULL, 10), (long)r.len);
	assert_int_equal(fake_req_header(&r, "Expect", v, sizeof v), -1);

	json_error_t jerr;
	json_t *j = json_loadb(r.body, r.len, 0, &jerr);
	if (j == NULL)
		fail_msg("body is not JSON (%s): %s", jerr.text, r.body);
	assert_string_equal(json_string_value(json_object_get(j, "content")),
	    sms_text);
	assert_string_equal(json_string_value(json_object_get(j, "mobile")),
	    "13800138000");
	assert_string_equal(json_string_value(json_object_get(j, "raw")),
	    "13800138000");
	assert_string_equal(json_string_value(json_object_get(j, "sign")),
	    "校安通知");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "n"),
	    "k")), 1);
	json_decref(j);
	fake_req_free(&r);

	/* A form body with {text} and {text_raw}. */
	sms_config(&c, port, "POST", "/form", "", "m={phone}&t={text}&r={text_raw}");
	assert_int_equal(send_sms(&c, "13800138000", "你好 a+b", why, sizeof why),
	    XA_OK);
	assert_int_equal(fake_http_get(fh, 1, &r), 0);
	assert_string_equal(r.body,
	    "m=13800138000&t=%E4%BD%A0%E5%A5%BD%20a%2Bb&r=你好 a+b");
	assert_int_equal(fake_req_header(&r, "Content-Type", v, sizeof v), 0);
	assert_string_equal(v, "application/x-www-form-urlencoded");
	fake_req_free(&r);

	/* An unknown placeholder that skipped config_check sends nothing. */
	snprintf(c.sms_body, sizeof c.sms_body, "t={txt}");
	assert_int_equal(send_sms(&c, "13800138000", "x", why, sizeof why),
	    XA_EINVAL);
	assert_int_equal(fake_http_count(fh), 2);
	fake_http_stop(fh);
}

static void
test_sms_status(void **state)
{
	(void)state;
	fake_http *fh;
	int port = fake_http_start(&fh);
	assert_true(port > 0);
	config c;
	char why[256];
	sms_config(&c, port, "POST", "/s?k=APIKEY123", "", "t={text}");
	static const struct {
		int status;
		xa_err want;
	} cases[] = {
		{ 500, XA_EIO }, { 503, XA_EIO }, { 429, XA_EIO }, { 400, XA_EINVAL },
		{ 401, XA_EINVAL }, { 404, XA_EINVAL }, { 302, XA_EINVAL },
		{ 204, XA_OK }, { 202, XA_OK },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fake_http_fail_next(fh, cases[i].status, 1);
		xa_err e = send_sms(&c, "13800138000", "秘密正文", why, sizeof why);
		if (e != cases[i].want)
			fail_msg("HTTP %d gave %d (%s)", cases[i].status, e, why);
		char code[8];
		snprintf(code, sizeof code, "%d", cases[i].status);
		assert_non_null(strstr(why, code));
		assert_null(strstr(why, "APIKEY123"));
		assert_null(strstr(why, "13800138000"));
		assert_null(strstr(why, "秘密正文"));
	}
	assert_int_equal(send_sms(&c, "13800138000", "x", why, sizeof why), XA_OK);
	assert_int_equal(fake_http_count(fh), sizeof cases / sizeof cases[0] + 1);

	/* Bad numbers never leave. */
	static const char *const bad[] = {
		"1234", "+", "", "12ab5678", "138 0013 8000", "+86-13800138000",
		"++8613800138000", "123456789012345678901", "13800138000\r\nX: y",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (send_sms(&c, bad[i], "x", why, sizeof why) != XA_EINVAL)
			fail_msg("phone %zu was accepted", i);
	assert_int_equal(send_sms(&c, "12345", "x", why, sizeof why), XA_OK);
	assert_int_equal(send_sms(&c, "+12345678901234567890", "x", why, sizeof why),
	    XA_OK);
	assert_int_equal(send_sms(&c, "12345", "bad \xff", why, sizeof why),
	    XA_EINVAL);
	assert_int_equal(fake_http_count(fh), sizeof cases / sizeof cases[0] + 3);
	fake_http_stop(fh);

	/* Nothing listening. */
	assert_int_equal(send_sms(&c, "13800138000", "x", why, sizeof why), XA_EIO);
	assert_null(strstr(why, "APIKEY123"));
}

static void
test_sms_slow_gateway(void **state)
{
	(void)state;
	fake_http *fh;
	int port = fake_http_start(&fh);
	assert_true(port > 0);
	config c;
	char why[256];
	sms_config(&c, port, "GET", "/s?t={text}", "", "");
	set(&c, "notify_timeout", "1");
	fake_http_set_delay(fh, 4000);
	double t0 = now_s();
	assert_int_equal(send_sms(&c, "13800138000", "x", why, sizeof why), XA_EIO);
	double took = now_s() - t0;
	if (took < 0.9 || took >= 2.2)
		fail_msg("took %.2f s: %s", took, why);
	assert_non_null(strstr(why, "notify_timeout"));
	assert_int_equal(fake_http_count(fh), 1);
	fake_http_stop(fh);
}

struct sender {
	const config *mail, *sms;
	int ok;
};

static void *
sender_main(void *arg)
{
	struct sender *s = arg;
	char why[256];
	for (int i = 0; i < 3; i++) {
		if (send_email(s->mail, "a@b.cn", "并发", "正文", why, sizeof why) == XA_OK)
			s->ok++;
		if (send_sms(s->sms, "13800138000", "并发", why, sizeof why) == XA_OK)
			s->ok++;
	}
	return NULL;
}

/* Several threads at once (the first send of each runs curl's global
 * set-up): all arrive. */
static void
test_threads(void **state)
{
	(void)state;
	fake_smtp *fs;
	fake_http *fh;
	int sp = fake_smtp_start(&fs), hp = fake_http_start(&fh);
	assert_true(sp > 0 && hp > 0);
	config mc, sc;
	mail_config(&mc, sp);
	sms_config(&sc, hp, "POST", "/s", "", "t={text}");
	struct sender s[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		s[i] = (struct sender){ &mc, &sc, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, sender_main, &s[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(s[i].ok, 6);
	}
	assert_int_equal(fake_smtp_wait(fs, 12, 1000), 0);
	assert_int_equal(fake_http_wait(fh, 12, 1000), 0);
	assert_int_equal(fake_smtp_wait(fs, 13, 100), -1);
	fake_smtp_clear(fs);
	assert_int_equal(fake_smtp_count(fs), 0);
	fake_smtp_stop(fs);
	fake_http_stop(fh);
}

struct upload {
	const char *p;
	size_t left;
};

static size_t
upload_cb(char *out, size_t size, size_t n, void *arg)
{
	struct upload *u = arg;
	size_t k = size * n < u->left ? size * n : u->left;
	memcpy(out, u->p, k);
	u->p += k;
	u->left -= k;
	return k;
}

/* The fake itself, driven by plain libcurl: lines that start with a dot
 * come back as sent (libcurl stuffs, the fake unstuffs), and two
 * recipients are both recorded. The HTTP tests rely on this. */
static void
test_fake_smtp_raw(void **state)
{
	(void)state;
	fake_smtp *fs;
	int port = fake_smtp_start(&fs);
	assert_true(port > 0);
	assert_int_equal(fake_smtp_port(fs), port);
	static const char msg[] = "Subject: dots\r\n\r\n.one\r\n..two\r\n.\r\nend\r\n";
	struct upload u = { msg, sizeof msg - 1 };
	char url[64];
	snprintf(url, sizeof url, "smtp://127.0.0.1:%d", port);
	CURL *h = curl_easy_init();
	assert_non_null(h);
	struct curl_slist *rcpt = curl_slist_append(NULL, "<a@b.cn>");
	rcpt = curl_slist_append(rcpt, "<c@d.cn>");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, "<x@y.cn>");
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, upload_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &u);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 5L);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	curl_easy_cleanup(h);
	curl_slist_free_all(rcpt);
	fake_mail m;
	assert_int_equal(fake_smtp_get(fs, 1, &m), -1);
	assert_int_equal(fake_smtp_get(fs, 0, &m), 0);
	assert_string_equal(m.data, msg);
	assert_int_equal(m.len, sizeof msg - 1);
	assert_string_equal(m.from, "x@y.cn");
	assert_int_equal(m.nrcpts, 2);
	assert_string_equal(m.rcpts[1], "c@d.cn");
	fake_mail_free(&m);
	assert_int_equal(fake_smtp_connections(fs), 1);
	fake_smtp_stop(fs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_fake_smtp_raw),
		cmocka_unit_test(test_enabled_and_defaults),
		cmocka_unit_test(test_config_checks),
		cmocka_unit_test(test_email_chinese),
		cmocka_unit_test(test_email_auth),
		cmocka_unit_test(test_email_refusals),
		cmocka_unit_test(test_email_bad_input),
		cmocka_unit_test(test_email_slow_server),
		cmocka_unit_test(test_sms_get),
		cmocka_unit_test(test_sms_post_json),
		cmocka_unit_test(test_sms_status),
		cmocka_unit_test(test_sms_slow_gateway),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
