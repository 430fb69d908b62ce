/* fakes.c: the fake SMTP server and HTTP gateway of fakes.h.
 *
 * One thread per fake, one connection at a time, every blocking wait a
 * poll() that also watches a wake-up pipe, so stopping never hangs on a
 * silent client. Speaks just enough SMTP (RFC 5321, AUTH PLAIN and LOGIN
 * of RFC 4954) and HTTP/1.1 for libcurl. Test code: it trusts its caller,
 * caps what a client may send, and must never be linked into xiaoan. */
#include "fakes.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IDLE_MS 30000		/* a silent client is dropped after this */
#define DATA_MAX (16u << 20)	/* bytes of one message or body */
#define HEAD_MAX (64u << 10)	/* bytes of one HTTP header block */

/* What both fakes share: the socket, the thread, the lock. */
struct server {
	int lfd;
	int wake[2];		/* written once to stop: poll sees it forever */
	int port;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* signalled when something is recorded */
};

/* A buffered reader on one client connection. */
struct conn {
	int fd;
	int wake;
	char buf[8192];
	size_t len, off;
};

/* A growable byte string for test data, capped at DATA_MAX. */
struct bytes {
	char *p;
	size_t len, cap;
};

static int
bytes_add(struct bytes *b, const void *p, size_t n)
{
	if (b->len + n + 1 > DATA_MAX)
		return -1;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *q = realloc(b->p, cap);
		if (q == NULL)
			return -1;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static char *
dup_or_die(const char *s)
{
	char *d = strdup(s != NULL ? s : "");
	if (d == NULL)
		abort();	/* test code: out of memory is not a case to test */
	return d;
}

static char *
dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d == NULL)
		abort();
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* Binds 127.0.0.1 on a port the kernel picks and starts fn(arg). */
static int
server_start(struct server *s, void *(*fn)(void *), void *arg)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int one = 1;
	s->lfd = -1;
	s->wake[0] = s->wake[1] = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pipe2(s->wake, O_CLOEXEC) != 0)
		goto fail;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		goto fail;
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(s->lfd, 64) != 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&sa, &sl) != 0)
		goto fail;
	s->port = ntohs(sa.sin_port);
	if (pthread_create(&s->th, NULL, fn, arg) != 0)
		goto fail;
	return s->port;
fail:
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->wake[0] >= 0) {
		close(s->wake[0]);
		close(s->wake[1]);
	}
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	return -1;
}

static void
server_stop(struct server *s)
{
	ssize_t w;
	do
		w = write(s->wake[1], "x", 1);
	while (w < 0 && errno == EINTR);
	pthread_join(s->th, NULL);
	close(s->lfd);
	close(s->wake[0]);
	close(s->wake[1]);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
}

/* The next connection, or -1 once stopped. */
static int
server_accept(struct server *s)
{
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = s->lfd, .events = POLLIN },
			{ .fd = s->wake[0], .events = POLLIN },
		};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (p[1].revents != 0)
			return -1;
		int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN)
			return -1;
	}
}

/* Sleeps ms, or less when stopped; -1 when stopped. */
static int
nap(int wake, int ms)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		long left = ms - ((t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			return 0;
		struct pollfd p = { .fd = wake, .events = POLLIN };
		int r = poll(&p, 1, (int)left);
		if (r > 0)
			return -1;
	}
}

/* Waits until *count >= n under s->mu; 0, or -1 after ms. */
static int
wait_count(struct server *s, const size_t *count, size_t n, int ms)
{
	struct timespec dl;
	int rc = 0;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += ms / 1000;
	dl.tv_nsec += (long)(ms % 1000) * 1000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&s->mu);
	while (*count < n && rc == 0)
		rc = pthread_cond_timedwait(&s->cv, &s->mu, &dl);
	int ok = *count >= n ? 0 : -1;
	pthread_mutex_unlock(&s->mu);
	return ok;
}

static int
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
sendf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
sendf(int fd, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line)
		return -1;
	return send_all(fd, line, (size_t)n);
}

/* Reads more into c->buf; -1 on close, error, idle timeout or stop. */
static int
conn_fill(struct conn *c)
{
	if (c->off > 0) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	if (c->len == sizeof c->buf)
		return -1;
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = c->fd, .events = POLLIN },
			{ .fd = c->wake, .events = POLLIN },
		};
		int r = poll(p, 2, IDLE_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || p[1].revents != 0)
			return -1;
		ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c->len += (size_t)n;
		return 0;
	}
}

/* One line without its CRLF (or bare LF) into out. 0; 1 when longer than
 * cap (the line is consumed); -1 when the connection is gone. */
static int
conn_line(struct conn *c, char *out, size_t cap, size_t *outlen)
{
	size_t n = 0;
	bool toolong = false;
	for (;;) {
		char *nl = memchr(c->buf + c->off, '\n', c->len - c->off);
		size_t avail = nl != NULL ? (size_t)(nl - (c->buf + c->off)) :
		    c->len - c->off;
		size_t take = avail;
		if (n + take + 1 > cap) {
			toolong = true;
			take = n + 1 < cap ? cap - 1 - n : 0;
		}
		memcpy(out + n, c->buf + c->off, take);
		n += take;
		if (nl != NULL) {
			c->off += avail + 1;
			if (!toolong && n > 0 && out[n - 1] == '\r')
				n--;
			out[n] = '\0';
			*outlen = n;
			return toolong ? 1 : 0;
		}
		c->off = c->len;
		if (conn_fill(c) != 0)
			return -1;
	}
}

/* Exactly n bytes into b; -1 when the connection is gone. */
static int
conn_read(struct conn *c, struct bytes *b, size_t n)
{
	while (n > 0) {
		if (c->off == c->len && conn_fill(c) != 0)
			return -1;
		size_t take = c->len - c->off < n ? c->len - c->off : n;
		if (bytes_add(b, c->buf + c->off, take) != 0)
			return -1;
		c->off += take;
		n -= take;
	}
	return 0;
}

/* Decodes base64 text into out (NUL-ended); the length, or -1. */
static long
unbase64(const char *in, char *out, size_t cap)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;
	for (; *in != '\0' && *in != '='; in++) {
		const char *tab =
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *p = strchr(tab, *in);
		if (p == NULL)
			return -1;
		acc = (acc << 6) | (uint32_t)(p - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n + 1 >= cap)
				return -1;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	return (long)n;
}

/* ================================ SMTP ================================ */

struct fake_smtp {
	struct server s;
	fake_mail *mails;
	size_t nmails, cap;
	size_t attempts, connections;
	int fail_code, fail_n;
	int delay_ms;
	char *need_user, *need_pass;
	char mechs[64];
};

/* One SMTP transaction in progress. */
struct txn {
	char *from;
	char **rcpts;
	size_t nrcpts;
};

static void
txn_reset(struct txn *t)
{
	free(t->from);
	for (size_t i = 0; i < t->nrcpts; i++)
		free(t->rcpts[i]);
	free(t->rcpts);
	memset(t, 0, sizeof *t);
}

/* The address of "FROM:<a> params" after the command's keyword. */
static char *
path_arg(const char *s, const char *key)
{
	size_t kl = strlen(key);
	if (strncasecmp(s, key, kl) != 0)
		return NULL;
	s += kl;
	while (*s == ' ')
		s++;
	if (*s != '<')
		return NULL;
	const char *end = strchr(s, '>');
	if (end == NULL)
		return NULL;
	return dupn(s + 1, (size_t)(end - s - 1));
}

/* Checks credentials against the knob; true to accept. */
static bool
smtp_creds_ok(fake_smtp *f, const char *user, const char *pass)
{
	pthread_mutex_lock(&f->s.mu);
	bool ok = f->need_user == NULL ||
	    (strcmp(user, f->need_user) == 0 && strcmp(pass, f->need_pass) == 0);
	pthread_mutex_unlock(&f->s.mu);
	return ok;
}

/* AUTH PLAIN or LOGIN; on success fills user and mech. -1 when the
 * connection is gone. */
static int
smtp_auth(fake_smtp *f, struct conn *c, const char *args, char *user,
    size_t ulen, char *mech, size_t mlen, bool *authed)
{
	char line[1024], dec[1024], pass[512] = "", who[512] = "";
	size_t n;
	char mechs[sizeof f->mechs + 2];
	pthread_mutex_lock(&f->s.mu);
	snprintf(mechs, sizeof mechs, " %s ", f->mechs);
	pthread_mutex_unlock(&f->s.mu);
	char name[16] = "";
	size_t k = 0;
	while (args[k] != '\0' && args[k] != ' ' && k + 1 < sizeof name) {
		name[k] = args[k];
		k++;
	}
	name[k] = '\0';
	const char *initial = args[k] == ' ' ? args + k + 1 : NULL;
	char padded[24];
	snprintf(padded, sizeof padded, " %s ", name);
	if (name[0] == '\0' || strcasestr(mechs, padded) == NULL)
		return sendf(c->fd, "504 5.5.4 mechanism not supported\r\n");
	if (strcasecmp(name, "PLAIN") == 0) {
		if (initial == NULL || strcmp(initial, "=") == 0) {
			if (sendf(c->fd, "334 \r\n") != 0 ||
			    conn_line(c, line, sizeof line, &n) != 0)
				return -1;
			initial = line;
		}
		long dl = unbase64(initial, dec, sizeof dec);
		/* authzid NUL user NUL password */
		const char *u = dl > 0 ? memchr(dec, '\0', (size_t)dl) : NULL;
		const char *p = u != NULL ? memchr(u + 1, '\0',
		    (size_t)(dec + dl - (u + 1))) : NULL;
		if (p == NULL)
			return sendf(c->fd, "501 5.5.2 bad AUTH PLAIN response\r\n");
		snprintf(who, sizeof who, "%s", u + 1);
		snprintf(pass, sizeof pass, "%.*s", (int)(dec + dl - (p + 1)), p + 1);
	} else if (strcasecmp(name, "LOGIN") == 0) {
		if (initial == NULL) {
			if (sendf(c->fd, "334 VXNlcm5hbWU6\r\n") != 0 ||
			    conn_line(c, line, sizeof line, &n) != 0)
				return -1;
			initial = line;
		}
		if (unbase64(initial, who, sizeof who) < 0)
			return sendf(c->fd, "501 5.5.2 bad user\r\n");
		if (sendf(c->fd, "334 UGFzc3dvcmQ6\r\n") != 0 ||
		    conn_line(c, line, sizeof line, &n) != 0)
			return -1;
		if (unbase64(line, pass, sizeof pass) < 0)
			return sendf(c->fd, "501 5.5.2 bad password\r\n");
	} else {
		return sendf(c->fd, "504 5.5.4 mechanism not supported\r\n");
	}
	if (!smtp_creds_ok(f, who, pass))
		return sendf(c->fd, "535 5.7.8 authentication credentials invalid\r\n");
	snprintf(user, ulen, "%s", who);
	snprintf(mech, mlen, "%s", strcasecmp(name, "PLAIN") == 0 ? "PLAIN" : "LOGIN");
	*authed = true;
	return sendf(c->fd, "235 2.7.0 authentication successful\r\n");
}

/* Reads DATA up to the lone "." line, unstuffing leading dots. 0; 1 when
 * over DATA_MAX (read to the end all the same); -1 when gone. */
static int
smtp_read_data(struct conn *c, struct bytes *b)
{
	char line[4096];
	size_t n;
	bool over = false;
	for (;;) {
		int r = conn_line(c, line, sizeof line, &n);
		if (r < 0)
			return -1;
		/* A line longer than our buffer is cut; SMTP caps lines at 1000. */
		if (r == 0 && n == 1 && line[0] == '.')
			return over ? 1 : 0;
		const char *p = line[0] == '.' ? line + 1 : line;
		size_t pl = line[0] == '.' ? n - 1 : n;
		if (!over && (bytes_add(b, p, pl) != 0 || bytes_add(b, "\r\n", 2) != 0))
			over = true;
	}
}

/* Ends a DATA: refuses it by the knob, or records it, waits the delay and
 * answers 250. -1 when the connection is gone. */
static int
smtp_finish(fake_smtp *f, struct conn *c, struct txn *t, struct bytes *b,
    const char *user, const char *mech)
{
	pthread_mutex_lock(&f->s.mu);
	f->attempts++;
	if (f->fail_n > 0) {
		int code = f->fail_code;
		f->fail_n--;
		pthread_mutex_unlock(&f->s.mu);
		return sendf(c->fd, "%d %d.0.0 fake refusal\r\n", code, code / 100);
	}
	if (f->nmails == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 8;
		fake_mail *m = realloc(f->mails, cap * sizeof *m);
		if (m == NULL)
			abort();
		f->mails = m;
		f->cap = cap;
	}
	fake_mail *m = &f->mails[f->nmails];
	memset(m, 0, sizeof *m);
	m->from = t->from;
	m->rcpts = t->rcpts;
	m->nrcpts = t->nrcpts;
	memset(t, 0, sizeof *t);
	m->data = b->p != NULL ? b->p : dup_or_die("");
	m->len = b->len;
	memset(b, 0, sizeof *b);
	m->auth_user = dup_or_die(user);
	snprintf(m->auth_mech, sizeof m->auth_mech, "%s", mech);
	size_t id = ++f->nmails;
	int delay = f->delay_ms;
	pthread_cond_broadcast(&f->s.cv);
	pthread_mutex_unlock(&f->s.mu);
	if (delay > 0 && nap(c->wake, delay) != 0)
		return -1;
	return sendf(c->fd, "250 2.0.0 OK queued as %zu\r\n", id);
}

static void
smtp_session(fake_smtp *f, struct conn *c)
{
	char line[4096], user[512] = "", mech[16] = "";
	size_t n;
	bool authed = false;
	struct txn t = { 0 };
	struct bytes b = { 0 };
	if (sendf(c->fd, "220 fake-smtp.test ESMTP ready\r\n") != 0)
		return;
	for (;;) {
		int r = conn_line(c, line, sizeof line, &n);
		if (r < 0)
			break;
		if (r > 0) {
			if (sendf(c->fd, "500 5.5.2 line too long\r\n") != 0)
				break;
			continue;
		}
		int w;
		bool need;
		if (strncasecmp(line, "EHLO", 4) == 0) {
			char mechs[64];
			pthread_mutex_lock(&f->s.mu);
			snprintf(mechs, sizeof mechs, "%s", f->mechs);
			pthread_mutex_unlock(&f->s.mu);
			txn_reset(&t);
			w = mechs[0] != '\0' ?
			    sendf(c->fd, "250-fake-smtp.test\r\n250-AUTH %s\r\n"
			    "250-8BITMIME\r\n250 SIZE %u\r\n", mechs, DATA_MAX) :
			    sendf(c->fd, "250-fake-smtp.test\r\n250-8BITMIME\r\n"
			    "250 SIZE %u\r\n", DATA_MAX);
		} else if (strncasecmp(line, "HELO", 4) == 0) {
			txn_reset(&t);
			w = sendf(c->fd, "250 fake-smtp.test\r\n");
		} else if (strncasecmp(line, "AUTH ", 5) == 0) {
			w = authed ? sendf(c->fd, "503 5.5.1 already authenticated\r\n") :
			    smtp_auth(f, c, line + 5, user, sizeof user, mech,
			    sizeof mech, &authed);
		} else if (strncasecmp(line, "MAIL ", 5) == 0) {
			pthread_mutex_lock(&f->s.mu);
			need = f->need_user != NULL;
			pthread_mutex_unlock(&f->s.mu);
			char *a = path_arg(line + 5, "FROM:");
			if (need && !authed)
				w = sendf(c->fd, "530 5.7.0 authentication required\r\n");
			else if (t.from != NULL)
				w = sendf(c->fd, "503 5.5.1 nested MAIL\r\n");
			else if (a == NULL)
				w = sendf(c->fd, "501 5.5.4 syntax: MAIL FROM:<address>\r\n");
			else {
				t.from = a;
				a = NULL;
				w = sendf(c->fd, "250 2.1.0 sender ok\r\n");
			}
			free(a);
		} else if (strncasecmp(line, "RCPT ", 5) == 0) {
			char *a = path_arg(line + 5, "TO:");
			if (t.from == NULL)
				w = sendf(c->fd, "503 5.5.1 need MAIL first\r\n");
			else if (a == NULL)
				w = sendf(c->fd, "501 5.5.4 syntax: RCPT TO:<address>\r\n");
			else {
				char **rs = realloc(t.rcpts, (t.nrcpts + 1) * sizeof *rs);
				if (rs == NULL)
					abort();
				t.rcpts = rs;
				t.rcpts[t.nrcpts++] = a;
				a = NULL;
				w = sendf(c->fd, "250 2.1.5 recipient ok\r\n");
			}
			free(a);
		} else if (strcasecmp(line, "DATA") == 0) {
			if (t.nrcpts == 0) {
				w = sendf(c->fd, "503 5.5.1 need RCPT first\r\n");
			} else if (sendf(c->fd, "354 end data with <CR><LF>.<CR><LF>\r\n") != 0) {
				w = -1;
			} else {
				r = smtp_read_data(c, &b);
				if (r < 0)
					w = -1;
				else if (r > 0)
					w = sendf(c->fd, "552 5.3.4 message too big\r\n");
				else
					w = smtp_finish(f, c, &t, &b, user, mech);
				txn_reset(&t);
				free(b.p);
				memset(&b, 0, sizeof b);
			}
		} else if (strcasecmp(line, "RSET") == 0) {
			txn_reset(&t);
			w = sendf(c->fd, "250 2.0.0 reset\r\n");
		} else if (strncasecmp(line, "NOOP", 4) == 0) {
			w = sendf(c->fd, "250 2.0.0 ok\r\n");
		} else if (strncasecmp(line, "VRFY", 4) == 0) {
			w = sendf(c->fd, "252 2.1.5 cannot verify\r\n");
		} else if (strcasecmp(line, "QUIT") == 0) {
			sendf(c->fd, "221 2.0.0 bye\r\n");
			break;
		} else {
			w = sendf(c->fd, "502 5.5.2 command not recognised\r\n");
		}
		if (w != 0)
			break;
	}
	txn_reset(&t);
	free(b.p);
}

static void *
smtp_main(void *arg)
{
	fake_smtp *f = arg;
	int fd;
	while ((fd = server_accept(&f->s)) >= 0) {
		pthread_mutex_lock(&f->s.mu);
		f->connections++;
		pthread_mutex_unlock(&f->s.mu);
		struct conn *c = calloc(1, sizeof *c);
		if (c == NULL)
			abort();
		c->fd = fd;
		c->wake = f->s.wake[0];
		smtp_session(f, c);
		free(c);
		close(fd);
	}
	return NULL;
}

int
fake_smtp_start(fake_smtp **out)
{
	fake_smtp *f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	snprintf(f->mechs, sizeof f->mechs, "PLAIN LOGIN");
	int port = server_start(&f->s, smtp_main, f);
	if (port < 0) {
		free(f);
		return -1;
	}
	*out = f;
	return port;
}

int
fake_smtp_port(const fake_smtp *f)
{
	return f->s.port;
}

void
fake_mail_free(fake_mail *m)
{
	free(m->from);
	for (size_t i = 0; i < m->nrcpts; i++)
		free(m->rcpts[i]);
	free(m->rcpts);
	free(m->data);
	free(m->auth_user);
	memset(m, 0, sizeof *m);
}

/* Frees the records; f->s.mu held. */
static void
smtp_forget(fake_smtp *f)
{
	for (size_t i = 0; i < f->nmails; i++)
		fake_mail_free(&f->mails[i]);
	f->nmails = 0;
	f->attempts = 0;
	f->connections = 0;
}

void
fake_smtp_stop(fake_smtp *f)
{
	if (f == NULL)
		return;
	server_stop(&f->s);
	smtp_forget(f);
	free(f->mails);
	free(f->need_user);
	free(f->need_pass);
	free(f);
}

size_t
fake_smtp_count(fake_smtp *f)
{
	pthread_mutex_lock(&f->s.mu);
	size_t n = f->nmails;
	pthread_mutex_unlock(&f->s.mu);
	return n;
}

size_t
fake_smtp_attempts(fake_smtp *f)
{
	pthread_mutex_lock(&f->s.mu);
	size_t n = f->attempts;
	pthread_mutex_unlock(&f->s.mu);
	return n;
}

size_t
fake_smtp_connections(fake_smtp *f)
{
	pthread_mutex_lock(&f->s.mu);
	size_t n = f->connections;
	pthread_mutex_unlock(&f->s.mu);
	return n;
}

int
fake_smtp_get(fake_smtp *f, size_t i, fake_mail *out)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&f->s.mu);
	if (i >= f->nmails) {
		pthread_mutex_unlock(&f->s.mu);
		return -1;
	}
	const fake_mail *m = &f->mails[i];
	out->from = dup_or_die(m->from);
	out->nrcpts = m->nrcpts;
	out->rcpts = calloc(m->nrcpts + 1, sizeof *out->rcpts);
	if (out->rcpts == NULL)
		abort();
	for (size_t k = 0; k < m->nrcpts; k++)
		out->rcpts[k] = dup_or_die(m->rcpts[k]);
	out->data = dupn(m->data, m->len);
	out->len = m->len;
	out->auth_user = dup_or_die(m->auth_user);
	memcpy(out->auth_mech, m->auth_mech, sizeof out->auth_mech);
	pthread_mutex_unlock(&f->s.mu);
	return 0;
}

int
fake_smtp_wait(fake_smtp *f, size_t n, int ms)
{
	return wait_count(&f->s, &f->nmails, n, ms);
}

void
fake_smtp_clear(fake_smtp *f)
{
	pthread_mutex_lock(&f->s.mu);
	smtp_forget(f);
	pthread_mutex_unlock(&f->s.mu);
}

void
fake_smtp_fail_next(fake_smtp *f, int code, int n)
{
	pthread_mutex_lock(&f->s.mu);
	f->fail_code = code;
	f->fail_n = n;
	pthread_mutex_unlock(&f->s.mu);
}

void
fake_smtp_require_auth(fake_smtp *f, const char *user, const char *password)
{
	pthread_mutex_lock(&f->s.mu);
	free(f->need_user);
	free(f->need_pass);
	f->need_user = user != NULL ? dup_or_die(user) : NULL;
	f->need_pass = user != NULL ? dup_or_die(password) : NULL;
	pthread_mutex_unlock(&f->s.mu);
}

void
fake_smtp_set_mechs(fake_smtp *f, const char *mechs)
{
	pthread_mutex_lock(&f->s.mu);
	snprintf(f->mechs, sizeof f->mechs, "%s", mechs);
	pthread_mutex_unlock(&f->s.mu);
}

void
fake_smtp_set_delay(fake_smtp *f, int ms)
{
	pthread_mutex_lock(&f->s.mu);
	f->delay_ms = ms;
	pthread_mutex_unlock(&f->s.mu);
}

/* ================================ HTTP ================================ */

struct fake_http {
	struct server s;
	fake_req *reqs;
	size_t nreqs, cap;
	int fail_status, fail_n;
	int delay_ms;
};

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

static int
http_answer(int fd, int status)
{
	char body[64];
	int n = snprintf(body, sizeof body, "{\"code\":%d,\"status\":%d}\n",
	    status >= 200 && status < 300 ? 0 : 1, status);
	if (n < 0 || (size_t)n >= sizeof body)
		return -1;
	return sendf(fd, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
	    status, reason(status), n, body);
}

/* Value of header name in the raw block hs, into out; 0 or -1. */
static int
header_value(const char *hs, const char *name, char *out, size_t len)
{
	size_t nl = strlen(name);
	for (const char *p = hs; p != NULL && *p != '\0';) {
		const char *eol = strstr(p, "\r\n");
		size_t ll = eol != NULL ? (size_t)(eol - p) : strlen(p);
		if (ll > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
			const char *v = p + nl + 1;
			while (v < p + ll && (*v == ' ' || *v == '\t'))
				v++;
			size_t vl = (size_t)(p + ll - v);
			while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (vl + 1 > len)
				return -1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return 0;
		}
		p = eol != NULL ? eol + 2 : NULL;
	}
	return -1;
}

static void
http_session(fake_http *f, struct conn *c)
{
	char line[8192], val[64];
	size_t n;
	struct bytes hs = { 0 }, body = { 0 };
	fake_req q;
	memset(&q, 0, sizeof q);
	int r = conn_line(c, line, sizeof line, &n);
	if (r != 0)
		goto done;
	char *sp1 = strchr(line, ' ');
	char *sp2 = sp1 != NULL ? strchr(sp1 + 1, ' ') : NULL;
	if (sp1 == NULL || sp2 == NULL || (size_t)(sp1 - line) >= sizeof q.method) {
		http_answer(c->fd, 400);
		goto done;
	}
	memcpy(q.method, line, (size_t)(sp1 - line));
	q.target = dupn(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	if (bytes_add(&hs, "", 0) != 0)
		goto done;
	for (;;) {
		r = conn_line(c, line, sizeof line, &n);
		if (r < 0)
			goto done;
		if (r > 0 || hs.len + n + 2 > HEAD_MAX) {
			http_answer(c->fd, 431);
			goto done;
		}
		if (n == 0)
			break;
		if (bytes_add(&hs, line, n) != 0 || bytes_add(&hs, "\r\n", 2) != 0)
			goto done;
	}
	if (header_value(hs.p, "Transfer-Encoding", val, sizeof val) == 0) {
		http_answer(c->fd, 501);	/* libcurl sends a length with POSTFIELDS */
		goto done;
	}
	size_t clen = 0;
	if (header_value(hs.p, "Content-Length", val, sizeof val) == 0) {
		char *end;
		unsigned long long v = strtoull(val, &end, 10);
		if (end == val || *end != '\0' || v > DATA_MAX) {
			http_answer(c->fd, 413);
			goto done;
		}
		clen = (size_t)v;
	}
	if (header_value(hs.p, "Expect", val, sizeof val) == 0 &&
	    strcasecmp(val, "100-continue") == 0 &&
	    sendf(c->fd, "HTTP/1.1 100 Continue\r\n\r\n") != 0)
		goto done;
	if (bytes_add(&body, "", 0) != 0 || conn_read(c, &body, clen) != 0)
		goto done;

	pthread_mutex_lock(&f->s.mu);
	q.status = 200;
	if (f->fail_n > 0) {
		q.status = f->fail_status;
		f->fail_n--;
	}
	if (f->nreqs == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 8;
		fake_req *rs = realloc(f->reqs, cap * sizeof *rs);
		if (rs == NULL)
			abort();
		f->reqs = rs;
		f->cap = cap;
	}
	int status = q.status, delay = f->delay_ms;
	q.headers = hs.p;
	q.body = body.p;
	q.len = body.len;
	f->reqs[f->nreqs++] = q;
	memset(&q, 0, sizeof q);
	memset(&hs, 0, sizeof hs);
	memset(&body, 0, sizeof body);
	pthread_cond_broadcast(&f->s.cv);
	pthread_mutex_unlock(&f->s.mu);
	if (delay > 0 && nap(c->wake, delay) != 0)
		goto done;
	http_answer(c->fd, status);
done:
	free(q.target);
	free(hs.p);
	free(body.p);
}

static void *
http_main(void *arg)
{
	fake_http *f = arg;
	int fd;
	while ((fd = server_accept(&f->s)) >= 0) {
		struct conn *c = calloc(1, sizeof *c);
		if (c == NULL)
			abort();
		c->fd = fd;
		c->wake = f->s.wake[0];
		http_session(f, c);
		free(c);
		/* Let the answer go before the close, so the client reads it
		 * rather than a reset. */
		shutdown(fd, SHUT_WR);
		close(fd);
	}
	return NULL;
}

int
fake_http_start(fake_http **out)
{
	fake_http *f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	int port = server_start(&f->s, http_main, f);
	if (port < 0) {
		free(f);
		return -1;
	}
	*out = f;
	return port;
}

int
fake_http_port(const fake_http *f)
{
	return f->s.port;
}

void
fake_req_free(fake_req *r)
{
	free(r->target);
	free(r->headers);
	free(r->body);
	memset(r, 0, sizeof *r);
}

/* Frees the records; f->s.mu held. */
static void
http_forget(fake_http *f)
{
	for (size_t i = 0; i < f->nreqs; i++)
		fake_req_free(&f->reqs[i]);
	f->nreqs = 0;
}

void
fake_http_stop(fake_http *f)
{
	if (f == NULL)
		return;
	server_stop(&f->s);
	http_forget(f);
	free(f->reqs);
	free(f);
}

size_t
fake_http_count(fake_http *f)
{
	pthread_mutex_lock(&f->s.mu);
	size_t n = f->nreqs;
	pthread_mutex_unlock(&f->s.mu);
	return n;
}

int
fake_http_get(fake_http *f, size_t i, fake_req *out)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&f->s.mu);
	if (i >= f->nreqs) {
		pthread_mutex_unlock(&f->s.mu);
		return -1;
	}
	const fake_req *q = &f->reqs[i];
	memcpy(out->method, q->method, sizeof out->method);
	out->target = dup_or_die(q->target);
	out->headers = dup_or_die(q->headers);
	out->body = dupn(q->body != NULL ? q->body : "", q->len);
	out->len = q->len;
	out->status = q->status;
	pthread_mutex_unlock(&f->s.mu);
	return 0;
}

int
fake_req_header(const fake_req *r, const char *name, char *out, size_t len)
{
	return header_value(r->headers != NULL ? r->headers : "", name, out, len);
}

int
fake_http_wait(fake_http *f, size_t n, int ms)
{
	return wait_count(&f->s, &f->nreqs, n, ms);
}

void
fake_http_clear(fake_http *f)
{
	pthread_mutex_lock(&f->s.mu);
	http_forget(f);
	pthread_mutex_unlock(&f->s.mu);
}

void
fake_http_fail_next(fake_http *f, int status, int n)
{
	pthread_mutex_lock(&f->s.mu);
	f->fail_status = status;
	f->fail_n = n;
	pthread_mutex_unlock(&f->s.mu);
}

void
fake_http_set_delay(fake_http *f, int ms)
{
	pthread_mutex_lock(&f->s.mu);
	f->delay_ms = ms;
	pthread_mutex_unlock(&f->s.mu);
}
