/* send.c: one delivery attempt of a notice, by e-mail (SMTP) or by SMS
 * (an HTTP gateway), through libcurl.
 *
 * It builds the message, hands it to the far end and sorts the outcome
 * into three classes: delivered, worth retrying, never going to work
 * (send.h; docs/internals/notify-send.md). It must never block past
 * notify_timeout, never raise a signal (CURLOPT_NOSIGNAL), never follow a
 * redirect, and never put the message text, a password or a gateway URL
 * (which may carry a key, a phone number and the text) into a reason or
 * a log line. No state survives a call except libcurl's global set-up. */
#include "notify/send.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/utf8.h"
#include "version.h"

#define ADDR_MAX 254		/* RFC 5321's limit for a path */
#define SUBJECT_MAX 2000	/* bytes of a subject */
#define EMAIL_TEXT_MAX (1L << 20)	/* bytes of an e-mail's text */
#define SMS_TEXT_MAX 8192	/* bytes of an SMS text */
#define WORD_BYTES 42		/* text per encoded-word: 56 base64 chars,
				 * 68 with "=?UTF-8?B?" and "?=", so even
				 * "Subject: " and one word fit in 78 */
#define BODY_LINE 76		/* base64 characters per body line */
#define SMS_HEADERS_MAX 16

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void
curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* libcurl's global set-up, once per process, from whichever thread
 * sends first. */
static xa_err
curl_ready(char *why, size_t whylen)
{
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK) {
		snprintf(why, whylen, "libcurl did not initialise: %s",
		    curl_easy_strerror(curl_init_rc));
		return XA_EIO;
	}
	return XA_OK;
}

bool
send_email_enabled(const config *c)
{
	return c->smtp_url[0] != '\0' && c->smtp_from[0] != '\0';
}

bool
send_sms_enabled(const config *c)
{
	return c->sms_url[0] != '\0';
}

/* The same smallest shape config.c checks for smtp_from: one '@' with
 * something on both sides, no spaces, controls, or characters that would
 * end an <address> or a header. */
static bool
addr_ok(const char *a)
{
	size_t n = strlen(a);
	const char *at = strchr(a, '@');
	if (n > ADDR_MAX || at == NULL || at == a || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL || !utf8_valid(a, n))
		return false;
	for (const unsigned char *p = (const unsigned char *)a; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("<>()[],;:\\\"", *p) != NULL)
			return false;
	return true;
}

/* Digits, optionally after one '+', 5 to 20 of them. */
static bool
phone_ok(const char *p)
{
	size_t n = 0;
	if (*p == '+')
		p++;
	for (; *p != '\0'; p++, n++)
		if (*p < '0' || *p > '9')
			return false;
	return n >= 5 && n <= 20;
}

/* Appends the base64 (RFC 4648, with padding) of in[0..n) to b. */
static xa_err
put_base64(buf *b, const unsigned char *in, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char q[4];
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		q[0] = tab[(v >> 18) & 63];
		q[1] = tab[(v >> 12) & 63];
		q[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? tab[v & 63] : '=';
		xa_err e = buf_append(b, q, 4);
		if (e != XA_OK)
			return e;
	}
	return XA_OK;
}

/* Bytes of the UTF-8 sequence led by c (the text was validated). */
static size_t
seq_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xf0)
		return 4;
	if (c >= 0xe0)
		return 3;
	return 2;
}

/* Appends s as RFC 2047 encoded-words (UTF-8, B encoding), each holding
 * whole characters and at most WORD_BYTES of text, so no word passes 75
 * characters; words after the first go on folded lines. */
static xa_err
put_words(buf *b, const char *s)
{
	size_t n = strlen(s), i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && j - i + seq_len((unsigned char)s[j]) <= WORD_BYTES)
			j += seq_len((unsigned char)s[j]);
		xa_err e = buf_puts(b, i == 0 ? "=?UTF-8?B?" : "\r\n =?UTF-8?B?");
		if (e == XA_OK)
			e = put_base64(b, (const unsigned char *)s + i, j - i);
		if (e == XA_OK)
			e = buf_puts(b, "?=");
		if (e != XA_OK)
			return e;
		i = j;
	}
	return XA_OK;
}

/* "Tue, 01 Jul 2025 09:30:00 +0800" in the bureau's zone, spelled out by
 * hand so that no locale can change it (RFC 5322 section 3.3). */
static xa_err
put_date(buf *b, long zone)
{
	static const char *const days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
	};
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	struct tm tm;
	time_t t = time(NULL) + (time_t)zone;
	if (gmtime_r(&t, &tm) == NULL)
		return XA_EINVAL;
	long off = zone < 0 ? -zone : zone;
	return buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld\r\n",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    zone < 0 ? '-' : '+', off / 3600, (off % 3600) / 60);
}

/* The whole message: headers, a blank line, and text as base64 lines of
 * BODY_LINE characters. Line breaks in text become CRLF first, as
 * RFC 2045 wants of text before it is encoded. */
static xa_err
build_message(const config *c, const char *to, const char *subject,
    const char *text, buf *m)
{
	xa_err e;
	buf t;
	buf_init(&t, 2 * (size_t)EMAIL_TEXT_MAX + 16);
	uint8_t rnd[12];
	char hex[2 * sizeof rnd + 1];
	const char *domain = strchr(c->smtp_from, '@') + 1;

	if ((e = put_date(m, config_zone(c))) != XA_OK)
		goto done;
	if ((e = buf_puts(m, "From: ")) != XA_OK)
		goto done;
	if (c->bureau_name[0] != '\0' &&
	    utf8_valid(c->bureau_name, strlen(c->bureau_name))) {
		if ((e = put_words(m, c->bureau_name)) != XA_OK ||
		    (e = buf_puts(m, "\r\n ")) != XA_OK)
			goto done;
	}
	if ((e = buf_printf(m, "<%s>\r\nTo: <%s>\r\nSubject:", c->smtp_from,
	    to)) != XA_OK)
		goto done;
	if (subject[0] != '\0' && ((e = buf_putc(m, ' ')) != XA_OK ||
	    (e = put_words(m, subject)) != XA_OK))
		goto done;
	if ((e = crypto_random(rnd, sizeof rnd)) != XA_OK)
		goto done;
	crypto_hex(rnd, sizeof rnd, hex);
	if ((e = buf_printf(m, "\r\nMessage-ID: <%lld.%s@%s>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "\r\n", (long long)time(NULL), hex, domain)) != XA_OK)
		goto done;
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\r' && p[1] == '\n')
			p++;
		e = *p == '\r' || *p == '\n' ? buf_append(&t, "\r\n", 2) :
		    buf_putc(&t, *p);
		if (e != XA_OK)
			goto done;
	}
	for (size_t i = 0; i < t.len; i += BODY_LINE / 4 * 3) {
		size_t n = t.len - i < BODY_LINE / 4 * 3 ? t.len - i :
		    BODY_LINE / 4 * 3;
		if ((e = put_base64(m, (unsigned char *)t.data + i, n)) != XA_OK ||
		    (e = buf_append(m, "\r\n", 2)) != XA_OK)
			goto done;
	}
done:
	buf_free(&t);
	return e;
}

/* What libcurl reads the message from. */
struct reader {
	const char *data;
	size_t len, pos;
};

static size_t
read_cb(char *out, size_t size, size_t nmemb, void *arg)
{
	struct reader *r = arg;
	size_t n = size * nmemb;
	if (n > r->len - r->pos)
		n = r->len - r->pos;
	memcpy(out, r->data + r->pos, n);
	r->pos += n;
	return n;
}

/* The server's last reply line and its last refusal (4xx or 5xx), for
 * the reason. Replies carry no secret: what we send, AUTH included, never
 * comes back. The refusal is kept apart because libcurl goes on to QUIT,
 * whose "221" would hide it. */
struct replies {
	char last[128];
	char refusal[128];
};

static size_t
reply_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct replies *r = arg;
	char line[sizeof r->last];
	size_t n = size * nmemb, k = 0;
	for (size_t i = 0; i < n && k + 1 < sizeof line; i++) {
		unsigned char ch = (unsigned char)data[i];
		if (ch == '\r' || ch == '\n')
			break;
		line[k++] = ch < ' ' || ch >= 0x7f ? '?' : (char)ch;
	}
	line[k] = '\0';
	if (k > 0)
		memcpy(r->last, line, k + 1);
	if (k >= 3 && (line[0] == '4' || line[0] == '5'))
		memcpy(r->refusal, line, k + 1);
	return size * nmemb;
}

/* One attempt's own deadline, and the sockets libcurl has open for it. */
struct deadline {
	double end;			/* monotonic seconds */
	curl_socket_t fds[4];
	int nfds;
};

static double
mono_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
sockopt_cb(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	struct deadline *d = arg;
	(void)purpose;
	if (d->nfds < (int)(sizeof d->fds / sizeof d->fds[0]))
		d->fds[d->nfds++] = fd;
	return CURL_SOCKOPT_OK;
}

static int
closesocket_cb(void *arg, curl_socket_t fd)
{
	struct deadline *d = arg;
	for (int i = 0; i < d->nfds; i++)
		if (d->fds[i] == fd) {
			d->fds[i] = d->fds[--d->nfds];
			break;
		}
	return close(fd);
}

/* Ends the attempt at notify_timeout. CURLOPT_TIMEOUT alone is not
 * enough for SMTP: when it strikes while waiting for the answer to DATA,
 * libcurl 7.88 still sends QUIT and waits for its answer, without the
 * overall timeout and without calling this. So this comes first (libcurl's
 * waits call it at least once a second), and shuts the connection down
 * (never closes it: the descriptor stays libcurl's) so that the QUIT
 * fails at once. */
static int
deadline_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct deadline *d = arg;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if (mono_now() < d->end)
		return 0;
	for (int i = 0; i < d->nfds; i++)
		shutdown(d->fds[i], SHUT_RDWR);
	return 1;
}

/* The settings both transports share. libcurl's own limits stay as a
 * backstop a little after the deadline. */
static void
set_common(CURL *h, const config *c, char *errbuf, struct deadline *d)
{
	d->end = mono_now() + (double)c->notify_timeout;
	d->nfds = 0;
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, c->notify_timeout + 2);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->notify_timeout);
	curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, c->notify_timeout);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, deadline_cb);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, d);
	curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, sockopt_cb);
	curl_easy_setopt(h, CURLOPT_SOCKOPTDATA, d);
	curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, closesocket_cb);
	curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, d);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
}

/* The class of a transfer that libcurl ended with rc: XA_EINVAL when the
 * set-up itself is wrong, else XA_EIO (network, timeout, TLS). */
static xa_err
curl_class(CURLcode rc)
{
	switch (rc) {
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_NOT_BUILT_IN:
	case CURLE_LOGIN_DENIED:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_CACERT_BADFILE:
		return XA_EINVAL;
	default:
		return XA_EIO;
	}
}

/* libcurl's error text, or its description of rc, for a reason. */
static const char *
curl_why(CURLcode rc, const char *errbuf)
{
	if (rc == CURLE_ABORTED_BY_CALLBACK)
		return "no answer within notify_timeout";
	return errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
}

xa_err
send_email(const config *c, const char *to, const char *subject,
    const char *text, char *why, size_t whylen)
{
	xa_err e;
	CURL *h = NULL;
	struct curl_slist *rcpt = NULL;
	buf m;
	char errbuf[CURL_ERROR_SIZE] = "";
	char to_path[ADDR_MAX + 3], from_path[CONFIG_STR + 3];
	struct replies rep = { "", "" };
	struct deadline dl;
	buf_init(&m, 4 * (size_t)EMAIL_TEXT_MAX);
	why[0] = '\0';

	if (!send_email_enabled(c)) {
		snprintf(why, whylen, "e-mail is not configured (smtp_url, smtp_from)");
		e = XA_EINVAL;
		goto done;
	}
	if (!addr_ok(c->smtp_from)) {
		snprintf(why, whylen, "smtp_from is not an e-mail address");
		e = XA_EINVAL;
		goto done;
	}
	if (!addr_ok(to)) {
		snprintf(why, whylen, "the recipient is not an e-mail address");
		e = XA_EINVAL;
		goto done;
	}
	size_t sl = strlen(subject);
	if (sl > SUBJECT_MAX || !utf8_valid(subject, sl) ||
	    !utf8_no_controls(subject, sl, false)) {
		snprintf(why, whylen, "the subject is too long, not UTF-8, or has "
		    "a line break or control character");
		e = XA_EINVAL;
		goto done;
	}
	size_t tl = strlen(text);
	if (tl > (size_t)EMAIL_TEXT_MAX || !utf8_valid(text, tl)) {
		snprintf(why, whylen, "the text is over %ld bytes or not UTF-8",
		    EMAIL_TEXT_MAX);
		e = XA_EINVAL;
		goto done;
	}
	if ((e = build_message(c, to, subject, text, &m)) != XA_OK) {
		snprintf(why, whylen, "cannot build the message: %s", xa_strerror(e));
		e = XA_EINVAL;
		goto done;
	}
	if ((e = curl_ready(why, whylen)) != XA_OK)
		goto done;
	if ((h = curl_easy_init()) == NULL) {
		snprintf(why, whylen, "libcurl: cannot create a handle");
		e = XA_EIO;
		goto done;
	}
	/* Both lengths were checked by addr_ok. */
	int n1 = snprintf(to_path, sizeof to_path, "<%s>", to);
	int n2 = snprintf(from_path, sizeof from_path, "<%s>", c->smtp_from);
	if (n1 < 0 || (size_t)n1 >= sizeof to_path || n2 < 0 ||
	    (size_t)n2 >= sizeof from_path) {
		snprintf(why, whylen, "an address is too long");
		e = XA_EINVAL;
		goto done;
	}
	if ((rcpt = curl_slist_append(NULL, to_path)) == NULL) {
		snprintf(why, whylen, "out of memory");
		e = XA_EIO;
		goto done;
	}
	struct reader r = { m.data, m.len, 0 };
	set_common(h, c, errbuf, &dl);
	curl_easy_setopt(h, CURLOPT_URL, c->smtp_url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from_path);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, reply_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &rep);
	if (strncasecmp(c->smtp_url, "smtp://", 7) == 0)
		curl_easy_setopt(h, CURLOPT_USE_SSL, c->smtp_starttls ?
		    (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
	if (c->smtp_ca_file[0] != '\0')
		curl_easy_setopt(h, CURLOPT_CAINFO, c->smtp_ca_file);
	if (c->smtp_user[0] != '\0') {
		curl_easy_setopt(h, CURLOPT_USERNAME, c->smtp_user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->smtp_password);
	}

	CURLcode rc = curl_easy_perform(h);
	long code = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	/* No QUIT: after the 250 the message is the server's, and libcurl's
	 * wait for the "221" (at clean-up) would answer to no deadline. */
	for (int i = 0; i < dl.nfds; i++)
		shutdown(dl.fds[i], SHUT_RDWR);
	if (rc == CURLE_OK) {
		e = XA_OK;
		snprintf(why, whylen, "accepted: %s", rep.last);
	} else if (code >= 400 && code <= 599) {
		e = code < 500 ? XA_EIO : XA_EINVAL;
		char want[8];
		snprintf(want, sizeof want, "%ld", code);
		if (strncmp(rep.refusal, want, 3) == 0)
			snprintf(why, whylen, "SMTP %s: %s", code < 500 ?
			    "temporary failure" : "refused", rep.refusal);
		else
			snprintf(why, whylen, "SMTP %s: %ld (%s)", code < 500 ?
			    "temporary failure" : "refused", code, curl_why(rc, errbuf));
	} else {
		e = curl_class(rc);
		if (rc == CURLE_USE_SSL_FAILED)
			snprintf(why, whylen, "the mail server offers no STARTTLS "
			    "(see smtp_starttls)");
		else
			snprintf(why, whylen, "SMTP: %s", curl_why(rc, errbuf));
	}
done:
	curl_slist_free_all(rcpt);
	if (h != NULL)
		curl_easy_cleanup(h);
	buf_free(&m);
	return e;
}

/* Appends s with every byte outside RFC 3986's unreserved set as %XX. */
static xa_err
put_url(buf *b, const char *s)
{
	static const char hexd[] = "0123456789ABCDEF";
	xa_err e = XA_OK;
	for (const unsigned char *p = (const unsigned char *)s;
	    *p != '\0' && e == XA_OK; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			e = buf_putc(b, (char)*p);
		} else {
			char q[3] = { '%', hexd[*p >> 4], hexd[*p & 15] };
			e = buf_append(b, q, 3);
		}
	}
	return e;
}

/* Appends s escaped for the inside of a JSON string (RFC 8259); UTF-8
 * beyond ASCII stays as it is. */
static xa_err
put_json(buf *b, const char *s)
{
	xa_err e = XA_OK;
	for (const unsigned char *p = (const unsigned char *)s;
	    *p != '\0' && e == XA_OK; p++) {
		switch (*p) {
		case '"': e = buf_puts(b, "\\\""); break;
		case '\\': e = buf_puts(b, "\\\\"); break;
		case '\n': e = buf_puts(b, "\\n"); break;
		case '\r': e = buf_puts(b, "\\r"); break;
		case '\t': e = buf_puts(b, "\\t"); break;
		default:
			if (*p < 0x20)
				e = buf_printf(b, "\\u%04x", *p);
			else
				e = buf_putc(b, (char)*p);
		}
	}
	return e;
}

/* Appends template t with its placeholders filled in. A placeholder is
 * '{', a name (a letter or '_', then letters, digits, '_'), '}'; other
 * braces are text. The same rule as config.c's check; an unknown name
 * here (a configuration that skipped config_check) is XA_EINVAL. */
static xa_err
expand(buf *b, const char *t, const char *phone, const char *text)
{
	xa_err e = XA_OK;
	const char *p = t;
	while (*p != '\0' && e == XA_OK) {
		size_t n = 0;
		if (*p != '{' || (!isalpha((unsigned char)p[1]) && p[1] != '_')) {
			e = buf_putc(b, *p++);
			continue;
		}
		while (isalnum((unsigned char)p[1 + n]) || p[1 + n] == '_')
			n++;
		if (p[1 + n] != '}') {
			e = buf_putc(b, *p++);
			continue;
		}
#define IS(name) (n == sizeof(name) - 1 && memcmp(p + 1, name, n) == 0)
		if (IS("phone"))
			e = put_url(b, phone);
		else if (IS("text"))
			e = put_url(b, text);
		else if (IS("phone_json"))
			e = put_json(b, phone);
		else if (IS("text_json"))
			e = put_json(b, text);
		else if (IS("phone_raw"))
			e = buf_puts(b, phone);
		else if (IS("text_raw"))
			e = buf_puts(b, text);
		else
			return XA_EINVAL;
#undef IS
		p += n + 2;
	}
	return e;
}

/* True when s can stand in a URL or a header line: no control
 * characters (and, in a URL, no space). */
static bool
line_safe(const char *s, bool url)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < ' ' || *p == 0x7f || (url && *p == ' '))
			return false;
	return true;
}

/* Fills *list with sms_headers expanded, one "Name: value" each, plus an
 * empty Expect so that no POST waits for "100 Continue". */
static xa_err
sms_header_list(const config *c, const char *phone, const char *text,
    struct curl_slist **list, char *why, size_t whylen)
{
	xa_err e = XA_OK;
	buf one;
	buf_init(&one, 64 * 1024);
	const char *h = c->sms_headers;
	int nh = 0;
	while (*h != '\0') {
		const char *sep = strstr(h, " | ");
		size_t len = sep != NULL ? (size_t)(sep - h) : strlen(h);
		char tmpl[CONFIG_STR_LONG];
		memcpy(tmpl, h, len);
		tmpl[len] = '\0';
		h += len + (sep != NULL ? 3 : 0);
		char *s = tmpl;
		while (*s == ' ' || *s == '\t')
			s++;
		size_t sl = strlen(s);
		while (sl > 0 && (s[sl - 1] == ' ' || s[sl - 1] == '\t'))
			s[--sl] = '\0';
		if (*s == '\0')
			continue;
		buf_reset(&one);
		if ((e = expand(&one, s, phone, text)) != XA_OK ||
		    (e = buf_putc(&one, '\0')) != XA_OK ||
		    strchr(one.data, ':') == NULL || !line_safe(one.data, false) ||
		    ++nh > SMS_HEADERS_MAX) {
			snprintf(why, whylen, "sms_headers: header %d is not valid "
			    "once filled in", nh + 1);
			e = XA_EINVAL;
			goto done;
		}
		struct curl_slist *l = curl_slist_append(*list, one.data);
		if (l == NULL) {
			snprintf(why, whylen, "out of memory");
			e = XA_EIO;
			goto done;
		}
		*list = l;
	}
	struct curl_slist *l = curl_slist_append(*list, "Expect:");
	if (l == NULL) {
		snprintf(why, whylen, "out of memory");
		e = XA_EIO;
		goto done;
	}
	*list = l;
done:
	buf_free(&one);
	return e;
}

static size_t
discard_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	(void)data;
	(void)arg;
	return size * nmemb;
}

xa_err
send_sms(const config *c, const char *phone, const char *text, char *why,
    size_t whylen)
{
	xa_err e;
	CURL *h = NULL;
	struct curl_slist *headers = NULL;
	buf url, body;
	struct deadline dl;
	char errbuf[CURL_ERROR_SIZE] = "";
	buf_init(&url, 128 * 1024);
	buf_init(&body, 128 * 1024);
	why[0] = '\0';

	if (!send_sms_enabled(c)) {
		snprintf(why, whylen, "SMS is not configured (sms_url)");
		e = XA_EINVAL;
		goto done;
	}
	if (!phone_ok(phone)) {
		snprintf(why, whylen, "the phone number is not 5 to 20 digits "
		    "with an optional leading +");
		e = XA_EINVAL;
		goto done;
	}
	size_t tl = strlen(text);
	if (tl > SMS_TEXT_MAX || !utf8_valid(text, tl)) {
		snprintf(why, whylen, "the text is over %d bytes or not UTF-8",
		    SMS_TEXT_MAX);
		e = XA_EINVAL;
		goto done;
	}
	bool get = strcasecmp(c->sms_method, "GET") == 0;
	if (!get && strcasecmp(c->sms_method, "POST") != 0) {
		snprintf(why, whylen, "sms_method is not GET or POST");
		e = XA_EINVAL;
		goto done;
	}
	if (expand(&url, c->sms_url, phone, text) != XA_OK ||
	    buf_putc(&url, '\0') != XA_OK || !line_safe(url.data, true)) {
		snprintf(why, whylen, "sms_url is not a valid URL once filled in");
		e = XA_EINVAL;
		goto done;
	}
	if (!get && (expand(&body, c->sms_body, phone, text) != XA_OK ||
	    buf_putc(&body, '\0') != XA_OK)) {
		snprintf(why, whylen, "sms_body cannot be filled in");
		e = XA_EINVAL;
		goto done;
	}
	if ((e = sms_header_list(c, phone, text, &headers, why, whylen)) != XA_OK)
		goto done;
	if ((e = curl_ready(why, whylen)) != XA_OK)
		goto done;
	if ((h = curl_easy_init()) == NULL) {
		snprintf(why, whylen, "libcurl: cannot create a handle");
		e = XA_EIO;
		goto done;
	}
	set_common(h, c, errbuf, &dl);
	curl_easy_setopt(h, CURLOPT_URL, url.data);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "xiaoan/" XIAOAN_VERSION);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_cb);
	if (get) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(body.len - 1));
	}

	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		e = curl_class(rc);
		snprintf(why, whylen, "SMS gateway: %s", curl_why(rc, errbuf));
	} else if (status >= 200 && status <= 299) {
		e = XA_OK;
		snprintf(why, whylen, "accepted: HTTP %ld", status);
	} else if (status >= 500 || status == 429 || status == 408) {
		e = XA_EIO;
		snprintf(why, whylen, "SMS gateway answered HTTP %ld (temporary)",
		    status);
	} else {
		e = XA_EINVAL;
		snprintf(why, whylen, "SMS gateway answered HTTP %ld (refused%s)",
		    status, status < 400 ? "; redirects are not followed" : "");
	}
done:
	curl_slist_free_all(headers);
	if (h != NULL)
		curl_easy_cleanup(h);
	buf_free(&url);
	buf_free(&body);
	return e;
}
