/* fakes.h: a fake SMTP server and a fake HTTP (SMS) gateway for tests.
 *
 * Each fake is one thread in the test's process serving 127.0.0.1 on a
 * port the kernel picks, one connection at a time (others wait in the
 * listen backlog). It records what arrives so a test can read it back,
 * and has knobs to fail or delay. Unit tests point send.c at it; HTTP
 * tests point the separate xiaoan process at it through its config (its
 * sockets are close-on-exec, so a forked server does not inherit them).
 * Every function is thread-safe. No TLS: tests run with
 * smtp_starttls = false and http:// gateways. Test code only: never link
 * it into the program. */
#ifndef XA_FAKES_H
#define XA_FAKES_H

#include <stddef.h>

/* ---- SMTP ---- */

typedef struct fake_smtp fake_smtp;

/* One accepted message (a copy; fake_mail_free releases it). */
typedef struct fake_mail {
	char *from;		/* MAIL FROM address, without < > */
	char **rcpts;		/* RCPT TO addresses, without < > */
	size_t nrcpts;
	char *data;		/* the message after dot-unstuffing, CRLF line
				 * ends, without the final ".\r\n"; NUL-ended */
	size_t len;
	char *auth_user;	/* the user of a successful AUTH, or "" */
	char auth_mech[16];	/* "PLAIN", "LOGIN" or "" */
} fake_mail;

/* Starts the server; *out receives it. Returns the port, or -1. */
int fake_smtp_start(fake_smtp **out);
int fake_smtp_port(const fake_smtp *f);
/* Stops the thread (closing any connection at once) and frees f. */
void fake_smtp_stop(fake_smtp *f);

/* Messages accepted (answered 250 after DATA, or about to be: a message
 * counts from the end of its DATA, before the delay, as a real server's
 * queue would hold it even if the client vanished before the 250). */
size_t fake_smtp_count(fake_smtp *f);
/* Ends of DATA seen, accepted or refused by fake_smtp_fail_next. */
size_t fake_smtp_attempts(fake_smtp *f);
/* Connections accepted. */
size_t fake_smtp_connections(fake_smtp *f);
/* Copies message i (0-based) into out; 0, or -1 if there is no such one. */
int fake_smtp_get(fake_smtp *f, size_t i, fake_mail *out);
void fake_mail_free(fake_mail *m);
/* Waits until at least n messages were accepted; 0, or -1 after ms. */
int fake_smtp_wait(fake_smtp *f, size_t n, int ms);
/* Forgets the recorded messages and the counters. */
void fake_smtp_clear(fake_smtp *f);

/* The next n messages are answered with code (4xx or 5xx) at the end of
 * DATA instead of 250, and not recorded. */
void fake_smtp_fail_next(fake_smtp *f, int code, int n);
/* MAIL needs a successful AUTH with this user and password (NULL user:
 * no AUTH needed, and any credentials are accepted). */
void fake_smtp_require_auth(fake_smtp *f, const char *user,
    const char *password);
/* The mechanisms EHLO advertises, e.g. "LOGIN"; "" for no AUTH at all.
 * Default "PLAIN LOGIN". */
void fake_smtp_set_mechs(fake_smtp *f, const char *mechs);
/* Milliseconds to wait between the end of DATA and the 250. */
void fake_smtp_set_delay(fake_smtp *f, int ms);

/* ---- HTTP ---- */

typedef struct fake_http fake_http;

/* One request (a copy; fake_req_free releases it). */
typedef struct fake_req {
	char method[16];
	char *target;		/* path and query, as sent */
	char *headers;		/* the header lines as sent, each ending CRLF */
	char *body;		/* NUL-ended */
	size_t len;
	int status;		/* what the fake answered */
} fake_req;

/* Starts the gateway; *out receives it. Returns the port, or -1. */
int fake_http_start(fake_http **out);
int fake_http_port(const fake_http *f);
void fake_http_stop(fake_http *f);

/* Requests received (every one, whatever the fake answered). */
size_t fake_http_count(fake_http *f);
int fake_http_get(fake_http *f, size_t i, fake_req *out);
void fake_req_free(fake_req *r);
/* The value of header name (any case) of r, copied into out; 0, or -1 if
 * absent or too long. */
int fake_req_header(const fake_req *r, const char *name, char *out,
    size_t len);
/* Waits until at least n requests arrived; 0, or -1 after ms. */
int fake_http_wait(fake_http *f, size_t n, int ms);
void fake_http_clear(fake_http *f);

/* The next n requests are answered with status (e.g. 500, 429, 400);
 * the others with 200 and {"code":0}. */
void fake_http_fail_next(fake_http *f, int status, int n);
/* Milliseconds to wait between reading a request and answering. */
void fake_http_set_delay(fake_http *f, int ms);

#endif
