/* server.c: the evhttp adapter behind server.h.
 *
 * Threads: one per event loop, the writer's, and the caller of
 * server_run(), which only waits for a signal. Everything about a request
 * happens on its loop's thread; the writer hands results back through
 * loop_post(). Must never block a loop on I/O other than the loop's own
 * SQLite read connection, and must never send a response without the
 * security headers. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>

#include "../core/i18n.h"
#include "../core/log.h"
#include "../core/utf8.h"
#include "input.h"

#define LAT_BUCKETS 12
static const double lat_bounds[LAT_BUCKETS - 1] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
};
static const int status_codes[] = {
	200, 201, 204, 301, 302, 303, 304, 400, 401, 403, 404, 405, 409, 413,
	415, 422, 429, 500, 503,
};
#define NSTATUS (sizeof status_codes / sizeof status_codes[0] + 1)

#define CONN_BUCKETS 1024

/* A connection this loop has seen, to count connections per address. */
struct conn_track {
	struct evhttp_connection *conn;
	struct loop *loop;
	char addr[48];
	int counted;		/* holds a place in the per-address count */
	struct conn_track *next;
};

struct addr_count {
	char addr[48];
	long n;
	struct addr_count *next;
};

struct loop {
	server *srv;
	size_t idx;
	pthread_t thread;
	int started;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	db *rdb;
	uint64_t rng;
	uint64_t db_checked_ns;		/* when /healthz last asked the database */
	int db_ok;
	int post_fd;			/* eventfd that wakes the loop */
	struct event *post_ev;
	pthread_mutex_t post_mu;
	struct posted *post_head, *post_tail;
	struct conn_track *conns[CONN_BUCKETS];
	/* Metrics, read by whichever loop serves /metrics. */
	_Atomic uint64_t *count;	/* [route][status] */
	_Atomic uint64_t lat[LAT_BUCKETS];
	_Atomic uint64_t lat_sum_us;
};

struct server {
	config cfg;
	server_app app;
	char db_url[CONFIG_STR + 16];
	router *rt;
	tmpl_set *tmpl;
	writer *w;
	form_limits lim;
	SSL_CTX *ssl;
	int lfd;
	int port;
	size_t nloops;
	struct loop *loops;
	atomic_long in_flight;
	atomic_int stopping;
	pthread_mutex_t addr_mu;
	struct addr_count *addrs[CONN_BUCKETS];
	long open_conns;
	char proxies[16][48];
	size_t nproxies;
	/* The worker pool for slow, CPU-bound work. */
	pthread_t *workers;
	size_t nworkers;
	pthread_mutex_t work_mu;
	pthread_cond_t work_cv;
	struct work *work_head, *work_tail;
	int work_stop;
};

struct work {
	req *r;
	void (*fn)(void *);
	void (*done)(req *, void *, xa_err);
	void *ctx;
	struct work *next;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static unsigned
hash_str(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* --- Posting work to a loop from another thread.
 *
 * A queue under a mutex and an eventfd the loop watches: the poster
 * appends and writes the eventfd, which wakes the loop even when it has
 * nothing else to do. (event_base_once() from another thread does not
 * reliably wake an idle base in libevent 2.1.) */

struct posted {
	void (*fn)(void *);
	void *arg;
	struct posted *next;
};

static void
posted_drain(evutil_socket_t fd, short what, void *p)
{
	struct loop *l = p;
	uint64_t n;
	ssize_t rd = read(fd, &n, sizeof n);
	(void)rd;
	pthread_mutex_lock(&l->post_mu);
	struct posted *list = l->post_head;
	l->post_head = l->post_tail = NULL;
	pthread_mutex_unlock(&l->post_mu);
	while (list != NULL) {
		struct posted *next = list->next;
		list->fn(list->arg);
		free(list);
		list = next;
	}
}

/* Runs fn(arg) on l's thread soon, in posting order. Thread-safe. */
static int
loop_post(struct loop *l, void (*fn)(void *), void *arg)
{
	struct posted *ps = malloc(sizeof *ps);
	if (ps == NULL)
		return -1;
	ps->fn = fn;
	ps->arg = arg;
	ps->next = NULL;
	pthread_mutex_lock(&l->post_mu);
	bool was_empty = l->post_head == NULL;
	if (l->post_tail != NULL)
		l->post_tail->next = ps;
	else
		l->post_head = ps;
	l->post_tail = ps;
	pthread_mutex_unlock(&l->post_mu);
	/* Only the post that finds the queue empty wakes the loop: a queue
	 * with something in it has a wake-up on its way, and the drain that
	 * follows it (it reads the eventfd before it takes the queue) takes
	 * everything posted until then. A batch of replies from the writer
	 * so costs one wake-up, not one each. */
	if (was_empty) {
		uint64_t one = 1;
		if (write(l->post_fd, &one, sizeof one) != sizeof one)
			log_error("loop %zu: cannot wake the loop: %s", l->idx,
			    strerror(errno));
	}
	return 0;
}

/* --- Connections per address. */

static int
is_trusted_proxy(const server *s, const char *addr)
{
	for (size_t i = 0; i < s->nproxies; i++)
		if (strcmp(s->proxies[i], addr) == 0)
			return 1;
	return 0;
}

/* Adds one connection for addr; 0 when over the cap (nothing counted). */
static int
addr_acquire(server *s, const char *addr)
{
	int ok = 1;
	unsigned b = hash_str(addr) % CONN_BUCKETS;
	pthread_mutex_lock(&s->addr_mu);
	struct addr_count *a = s->addrs[b];
	while (a != NULL && strcmp(a->addr, addr) != 0)
		a = a->next;
	if (a == NULL) {
		a = calloc(1, sizeof *a);
		if (a == NULL) {
			ok = 0;
			goto done;
		}
		snprintf(a->addr, sizeof a->addr, "%s", addr);
		a->next = s->addrs[b];
		s->addrs[b] = a;
	}
	if (a->n >= s->cfg.conns_per_addr && !is_trusted_proxy(s, addr)) {
		ok = 0;
		goto done;
	}
	a->n++;
	s->open_conns++;
done:
	pthread_mutex_unlock(&s->addr_mu);
	return ok;
}

static void
addr_release(server *s, const char *addr)
{
	unsigned b = hash_str(addr) % CONN_BUCKETS;
	pthread_mutex_lock(&s->addr_mu);
	struct addr_count **pp = &s->addrs[b];
	while (*pp != NULL && strcmp((*pp)->addr, addr) != 0)
		pp = &(*pp)->next;
	if (*pp != NULL) {
		s->open_conns--;
		if (--(*pp)->n <= 0) {
			struct addr_count *dead = *pp;
			*pp = dead->next;
			free(dead);
		}
	}
	pthread_mutex_unlock(&s->addr_mu);
}

static void
conn_closed(struct evhttp_connection *conn, void *arg)
{
	struct conn_track *t = arg;
	struct loop *l = t->loop;
	unsigned b = (unsigned)(((uintptr_t)conn >> 4) % CONN_BUCKETS);
	struct conn_track **pp = &l->conns[b];
	while (*pp != NULL && *pp != t)
		pp = &(*pp)->next;
	if (*pp != NULL)
		*pp = t->next;
	if (t->counted)
		addr_release(l->srv, t->addr);
	free(t);
}

static void
sockaddr_text(const struct sockaddr *sa, char *out, size_t len)
{
	out[0] = '\0';
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
		    (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
		    out, (socklen_t)len);
}

/* Finds or starts tracking the request's connection. Returns 0 when the
 * connection is over its address's cap. peer receives the TCP peer. */
static int
conn_admit(struct loop *l, struct evhttp_request *ev, char *peer, size_t len)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(ev);
	peer[0] = '\0';
	if (conn == NULL)
		return 1;
	unsigned b = (unsigned)(((uintptr_t)conn >> 4) % CONN_BUCKETS);
	for (struct conn_track *t = l->conns[b]; t != NULL; t = t->next) {
		if (t->conn == conn) {
			snprintf(peer, len, "%s", t->addr);
			return t->counted;
		}
	}
	struct conn_track *t = calloc(1, sizeof *t);
	if (t == NULL)
		return 0;
	t->conn = conn;
	t->loop = l;
	sockaddr_text(evhttp_connection_get_addr(conn), t->addr, sizeof t->addr);
	t->counted = addr_acquire(l->srv, t->addr);
	t->next = l->conns[b];
	l->conns[b] = t;
	evhttp_connection_set_closecb(conn, conn_closed, t);
	snprintf(peer, len, "%s", t->addr);
	return t->counted;
}

/* --- Metrics. */

static size_t
status_index(int status)
{
	for (size_t i = 0; i < NSTATUS - 1; i++)
		if (status_codes[i] == status)
			return i;
	return NSTATUS - 1;
}

static void
metrics_record(struct loop *l, const route *rt, int status, uint64_t ns)
{
	server *s = l->srv;
	size_t ri = rt ? (size_t)(rt - s->app.routes) : s->app.nroutes;
	atomic_fetch_add_explicit(&l->count[ri * NSTATUS + status_index(status)],
	    1, memory_order_relaxed);
	double secs = (double)ns / 1e9;
	size_t b = 0;
	while (b < LAT_BUCKETS - 1 && secs > lat_bounds[b])
		b++;
	atomic_fetch_add_explicit(&l->lat[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&l->lat_sum_us, ns / 1000, memory_order_relaxed);
}

xa_err
server_metrics(server *s, buf *out)
{
	xa_err e = XA_OK;
	size_t nr = s->app.nroutes + 1;
	e = buf_puts(out,
	    "# HELP xiaoan_http_requests_total Requests answered, by route and status.\n"
	    "# TYPE xiaoan_http_requests_total counter\n");
	for (size_t ri = 0; ri < nr && e == XA_OK; ri++) {
		const char *name = ri < s->app.nroutes ?
		    (s->app.routes[ri].name ? s->app.routes[ri].name : s->app.routes[ri].pattern) :
		    "unmatched";
		for (size_t si = 0; si < NSTATUS && e == XA_OK; si++) {
			uint64_t n = 0;
			for (size_t li = 0; li < s->nloops; li++)
				n += atomic_load_explicit(&s->loops[li].count[ri * NSTATUS + si],
				    memory_order_relaxed);
			if (n == 0)
				continue;
			if (si < NSTATUS - 1)
				e = buf_printf(out,
				    "xiaoan_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
				    name, status_codes[si], (unsigned long long)n);
			else
				e = buf_printf(out,
				    "xiaoan_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
				    name, (unsigned long long)n);
		}
	}
	if (e == XA_OK)
		e = buf_puts(out,
		    "# HELP xiaoan_http_request_duration_seconds Time from request to answer.\n"
		    "# TYPE xiaoan_http_request_duration_seconds histogram\n");
	uint64_t cum = 0, sum_us = 0;
	for (size_t li = 0; li < s->nloops; li++)
		sum_us += atomic_load_explicit(&s->loops[li].lat_sum_us, memory_order_relaxed);
	for (size_t b = 0; b < LAT_BUCKETS && e == XA_OK; b++) {
		for (size_t li = 0; li < s->nloops; li++)
			cum += atomic_load_explicit(&s->loops[li].lat[b], memory_order_relaxed);
		if (b < LAT_BUCKETS - 1)
			e = buf_printf(out,
			    "xiaoan_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
			    lat_bounds[b], (unsigned long long)cum);
		else
			e = buf_printf(out,
			    "xiaoan_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
			    "xiaoan_http_request_duration_seconds_sum %.6f\n"
			    "xiaoan_http_request_duration_seconds_count %llu\n",
			    (unsigned long long)cum, (double)sum_us / 1e6,
			    (unsigned long long)cum);
	}
	struct writer_stats ws;
	writer_stats_get(s->w, &ws);
	static const char *const le[8] = { "1", "3", "7", "15", "31", "63", "127", "+Inf" };
	if (e == XA_OK)
		e = buf_printf(out,
		    "# HELP xiaoan_commit_batches_total Transactions the writer committed.\n"
		    "# TYPE xiaoan_commit_batches_total counter\n"
		    "xiaoan_commit_batches_total %llu\n"
		    "# HELP xiaoan_commit_batches_failed_total Batches whose commit failed.\n"
		    "# TYPE xiaoan_commit_batches_failed_total counter\n"
		    "xiaoan_commit_batches_failed_total %llu\n"
		    "# HELP xiaoan_commit_jobs_total Writes the writer ran.\n"
		    "# TYPE xiaoan_commit_jobs_total counter\n"
		    "xiaoan_commit_jobs_total %llu\n"
		    "# HELP xiaoan_commit_jobs_failed_total Writes rolled back.\n"
		    "# TYPE xiaoan_commit_jobs_failed_total counter\n"
		    "xiaoan_commit_jobs_failed_total %llu\n"
		    "# HELP xiaoan_commit_batch_size Writes per committed batch.\n"
		    "# TYPE xiaoan_commit_batch_size histogram\n",
		    (unsigned long long)ws.batches, (unsigned long long)ws.failed_batches,
		    (unsigned long long)ws.jobs, (unsigned long long)ws.failed_jobs);
	cum = 0;
	for (size_t b = 0; b < 8 && e == XA_OK; b++) {
		cum += ws.size_hist[b];
		e = buf_printf(out, "xiaoan_commit_batch_size_bucket{le=\"%s\"} %llu\n",
		    le[b], (unsigned long long)cum);
	}
	if (e == XA_OK)
		e = buf_printf(out,
		    "xiaoan_commit_batch_size_sum %llu\nxiaoan_commit_batch_size_count %llu\n"
		    "# HELP xiaoan_http_in_flight Requests being handled now.\n"
		    "# TYPE xiaoan_http_in_flight gauge\nxiaoan_http_in_flight %ld\n",
		    (unsigned long long)ws.jobs, (unsigned long long)cum,
		    atomic_load(&s->in_flight));
	pthread_mutex_lock(&s->addr_mu);
	long open = s->open_conns;
	pthread_mutex_unlock(&s->addr_mu);
	if (e == XA_OK)
		e = buf_printf(out,
		    "# HELP xiaoan_http_connections Open client connections.\n"
		    "# TYPE xiaoan_http_connections gauge\nxiaoan_http_connections %ld\n",
		    open);
	return e;
}

/* --- Answers. */

static const char csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'; report-uri /api/v1/csp-reports";
static const char *
method_name(unsigned m)
{
	switch (m) {
	case M_GET: return "GET";
	case M_HEAD: return "HEAD";
	case M_POST: return "POST";
	case M_PUT: return "PUT";
	case M_PATCH: return "PATCH";
	case M_DELETE: return "DELETE";
	case M_OPTIONS: return "OPTIONS";
	default: return "-";
	}
}

/* Frees what the request holds. Not while its handler is still running:
 * then on_request() (or the write completion) frees it on return. */
static void
req_release(req *r)
{
	if (r->q != NULL)
		json_decref(r->q);
	if (r->in != NULL)
		json_decref(r->in);
	atomic_fetch_sub(&r->srv->in_flight, 1);
	arena_free(r->a);
}

/* 1 when a request that matched no route (or not its method) went to
 * where the anonymous reporters' routes live (/api/v1/public/..., /report
 * and what starts like it, but not the staff's /reports tree; the
 * pupils' survey pages under /s/): a
 * mistyped address there (a trailing slash after a receipt code) may
 * hold a code, and its sender is as anonymous as on the routes
 * themselves. */
static bool
anon_unmatched(const req *r)
{
	if (r->route != NULL || r->path == NULL)
		return false;
	if (strncmp(r->path, "/api/v1/public/", 15) == 0)
		return true;
	/* The pupils' survey pages: /s and /s/CODE, mistyped or not. */
	if (strcmp(r->path, "/s") == 0 || strncmp(r->path, "/s/", 3) == 0)
		return true;
	if (strncmp(r->path, "/report", 7) != 0)
		return false;
	return !(strncmp(r->path, "/reports", 8) == 0 &&
	    (r->path[8] == '\0' || r->path[8] == '/'));
}

/* Ends a request: metrics and the access-log line. */
static void
req_finish(req *r)
{
	uint64_t ns = now_ns() - r->t0_ns;
	metrics_record(r->loop, r->route, r->status, ns);
	if (r->srv->cfg.access_log) {
		/* An anonymous reporter leaves no address and no code behind,
		 * on its routes (their pattern is logged) and beside them
		 * ("-"). */
		bool anon = r->route != NULL && (r->route->flags & R_ANON);
		bool near = anon_unmatched(r);
		log_access("%s %s %d %zu %.3fms %s %s", method_name(r->method),
		    anon ? r->route->pattern : near || r->path == NULL ? "-" : r->path,
		    r->status, r->bytes_out, (double)ns / 1e6, r->id,
		    anon || near ? "-" : r->client);
	}
	if (!r->in_handler)
		req_release(r);
}

/* Calls fn(r, ...) as a handler: afterwards r is answered, or waiting for
 * the writer, or answered here with a 500 (a handler bug), and freed once
 * answered. */
static void
run_handler(req *r, void (*fn)(req *, void *, xa_err), void *ctx, xa_err res)
{
	r->in_handler = true;
	r->pending = false;
	fn(r, ctx, res);
	r->in_handler = false;
	if (!r->answered && !r->pending) {
		log_error("request %s: handler gave no answer", r->id);
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (r->answered)
		req_release(r);
}

/* Sends status with body[0..len) and the headers every answer carries. */
static void
send_answer(req *r, int status, const char *ctype, const char *body,
    size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->ev);
	if (r->answered) {
		log_error("request %s answered twice", r->id);
		return;
	}
	r->answered = true;
	r->status = status;
	if (ctype != NULL)
		evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Content-Security-Policy", csp);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "same-origin");
	evhttp_add_header(h, "Cross-Origin-Opener-Policy", "same-origin");
	evhttp_add_header(h, "Permissions-Policy",
	    "camera=(), microphone=(), geolocation=(), payment=()");
	if (r->route == NULL || (r->route->flags & R_PUBLIC) == 0 || status >= 400) {
		evhttp_remove_header(h, "Cache-Control");
		evhttp_add_header(h, "Cache-Control", "no-store");
	}
	if (r->tls)
		evhttp_add_header(h, "Strict-Transport-Security",
		    "max-age=31536000; includeSubDomains");
	evhttp_add_header(h, "X-Request-Id", r->id);
	if (atomic_load(&r->srv->stopping))
		evhttp_add_header(h, "Connection", "close");
	struct evbuffer *out = evbuffer_new();
	if (out != NULL && len > 0 && evbuffer_add(out, body, len) != 0)
		len = 0;
	r->bytes_out = len;
	evhttp_send_reply(r->ev, status, NULL, out);
	if (out != NULL)
		evbuffer_free(out);
	req_finish(r);
}

void
req_header(req *r, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(r->ev), name, value);
}

const char *
req_get_header(req *r, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(r->ev), name);
}

void
req_text(req *r, int status, const char *ctype, const char *body, size_t len)
{
	send_answer(r, status, ctype, body, len);
}

void
req_json(req *r, int status, json_t *model)
{
	char *text = NULL;
	if (model != NULL)
		text = json_dumps(model, JSON_COMPACT);
	if (model != NULL)
		json_decref(model);
	if (text == NULL) {
		static const char oops[] =
		    "{\"error\":{\"code\":\"internal\",\"message\":\"\"}}";
		send_answer(r, 500, "application/json; charset=utf-8", oops,
		    sizeof oops - 1);
		return;
	}
	send_answer(r, status, "application/json; charset=utf-8", text, strlen(text));
	free(text);
}

void
req_render(req *r, int status, const char *page, json_t *model)
{
	buf out;
	buf_init(&out, 8u << 20);
	if (model == NULL)
		model = json_object();
	if (r->srv->app.decorate != NULL)
		r->srv->app.decorate(r, model);
	xa_err e = tmpl_render(r->srv->tmpl, "layout", page, model, r->lang, &out);
	json_decref(model);
	if (e != XA_OK) {
		log_error("request %s: rendering %s failed: %s", r->id, page,
		    xa_strerror(e));
		buf_free(&out);
		static const char oops[] = "<!doctype html><title>500</title>"
		    "<p>系统出了点问题，请稍后再试。 / Something went wrong; please try again later.</p>";
		send_answer(r, 500, "text/html; charset=utf-8", oops, sizeof oops - 1);
		return;
	}
	send_answer(r, status, "text/html; charset=utf-8", out.data ? out.data : "",
	    out.len);
	buf_free(&out);
}

void
req_page(req *r, int status, json_t *model)
{
	req_render(r, status, r->route && r->route->page ? r->route->page : "home",
	    model);
}

void
req_answer(req *r, int status, json_t *model)
{
	if (r->route != NULL && (r->route->flags & R_API))
		req_json(r, status, model);
	else
		req_page(r, status, model);
}

static int
is_api(const req *r)
{
	if (r->route != NULL)
		return (r->route->flags & R_API) != 0;
	return r->path != NULL && strncmp(r->path, "/api/", 5) == 0;
}

void
req_error(req *r, int status, const char *code, const char *fname)
{
	char key[96], tkey[112];
	snprintf(key, sizeof key, "error.%s", code);
	snprintf(tkey, sizeof tkey, "error.%s.title", code);
	const char *msg = i18n(r->lang, key);
	if (is_api(r) || r->method == M_HEAD) {
		json_t *err = json_pack("{s:s, s:s}", "code", code, "message", msg);
		if (err != NULL && fname != NULL)
			json_object_set_new(err, "field", json_string(fname));
		req_json(r, status, json_pack("{s:o}", "error", err));
		return;
	}
	json_t *model = json_pack("{s:{s:i, s:s, s:s, s:s}, s:{s:s}}", "error",
	    "status", status, "code", code, "title_key", tkey, "message", msg,
	    "page", "title_key", tkey);
	if (model != NULL) {
		json_t *e = json_object_get(model, "error");
		if (fname != NULL)
			json_object_set_new(e, "field", json_string(fname));
	}
	req_render(r, status, "error", model);
}

void
req_redirect(req *r, const char *location)
{
	/* Only local paths: never an open redirect. */
	if (location[0] != '/' || location[1] == '/' || location[1] == '\\')
		location = "/";
	req_header(r, "Location", location);
	send_answer(r, 303, "text/plain; charset=utf-8", "", 0);
}

xa_err
http_content_disposition(const char *filename, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	const char *pre = "attachment; filename=\"";
#define PUT(c) do { if (n + 1 >= len) return XA_ETOOBIG; out[n++] = (c); } while (0)
	for (const char *p = pre; *p; p++)
		PUT(*p);
	/* ASCII fallback: non-ASCII and quoting characters become '_'. */
	for (const unsigned char *p = (const unsigned char *)filename; *p; p++) {
		if ((*p & 0xC0) == 0x80)
			continue;
		PUT(*p < 0x20 || *p >= 0x7F || *p == '"' || *p == '\\' ||
		    *p == '/' || *p == ';' ? '_' : (char)*p);
	}
	for (const char *p = "\"; filename*=UTF-8''"; *p; p++)
		PUT(*p);
	for (const unsigned char *p = (const unsigned char *)filename; *p; p++) {
		/* RFC 5987 attr-char */
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p) != NULL) {
			PUT((char)*p);
		} else {
			PUT('%');
			PUT(hex[*p >> 4]);
			PUT(hex[*p & 15]);
		}
	}
#undef PUT
	out[n] = '\0';
	return XA_OK;
}

void
req_file(req *r, const char *content_type, const char *filename,
    const void *data, size_t len)
{
	char cd[1024];
	if (!utf8_valid(filename, strlen(filename)) ||
	    http_content_disposition(filename, cd, sizeof cd) != XA_OK) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	req_header(r, "Content-Disposition", cd);
	send_answer(r, 200, content_type, data, len);
}

const char *
req_param(req *r, const char *name)
{
	return params_get(&r->path_params, name);
}

xa_err
req_param_int(req *r, const char *name, int64_t *out)
{
	const char *v = req_param(r, name);
	if (v == NULL)
		return XA_ENOTFOUND;
	int64_t n = 0;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9' || n > (INT64_MAX - 9) / 10)
			return XA_EINVAL;
		n = n * 10 + (*p - '0');
	}
	*out = n;
	return XA_OK;
}

int
server_db_ok(req *r)
{
	/* Asked at most once a second per loop: a load balancer polling
	 * /healthz should not cost a query each time. */
	struct loop *l = r->loop;
	uint64_t now = now_ns();
	if (l->db_checked_ns != 0 && now - l->db_checked_ns < 1000000000u)
		return l->db_ok;
	int64_t v = 0;
	l->db_ok = r->rdb != NULL &&
	    db_query_int(r->rdb, "SELECT count(*) FROM schema_migrations", &v) == XA_OK &&
	    v > 0;
	l->db_checked_ns = now;
	return l->db_ok;
}

/* --- Durable writes. */

struct wctx {
	write_job job;
	req *r;
	xa_err (*run)(db *, void *);
	void (*done)(req *, void *, xa_err);
	void *ctx;
};

static xa_err
wctx_run(db *conn, void *p)
{
	struct wctx *w = p;
	return w->run(conn, w->ctx);
}

static void
wctx_done(void *p)
{
	struct wctx *w = p;
	run_handler(w->r, w->done, w->ctx, w->job.result);
}

static void
wctx_complete(write_job *job)
{
	struct wctx *w = (struct wctx *)job;
	if (loop_post(w->r->loop, wctx_done, w) != 0)
		log_error("request %s: cannot hand the write back to its loop",
		    w->r->id);
}

void
req_write(req *r, xa_err (*run)(db *, void *), void *ctx,
    void (*done)(req *, void *, xa_err))
{
	struct wctx *w = arena_calloc(r->a, 1, sizeof *w);
	if (w == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	w->r = r;
	w->run = run;
	w->done = done;
	w->ctx = ctx;
	w->job.run = wctx_run;
	w->job.ctx = w;
	w->job.complete = wctx_complete;
	xa_err e = writer_submit(r->srv->w, &w->job);
	if (e != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	r->pending = true;
}

/* --- The worker pool. */

static void
work_done(void *p)
{
	struct work *w = p;
	run_handler(w->r, w->done, w->ctx, XA_OK);
	free(w);
}

static void *
worker_main(void *arg)
{
	server *s = arg;
	for (;;) {
		pthread_mutex_lock(&s->work_mu);
		while (s->work_head == NULL && !s->work_stop)
			pthread_cond_wait(&s->work_cv, &s->work_mu);
		struct work *w = s->work_head;
		if (w == NULL) {
			pthread_mutex_unlock(&s->work_mu);
			return NULL;
		}
		s->work_head = w->next;
		if (s->work_head == NULL)
			s->work_tail = NULL;
		pthread_mutex_unlock(&s->work_mu);
		w->fn(w->ctx);
		if (loop_post(w->r->loop, work_done, w) != 0)
			log_error("request %s: cannot hand work back to its loop", w->r->id);
	}
}

void
req_offload(req *r, void (*work)(void *), void *ctx,
    void (*done)(req *, void *, xa_err))
{
	server *s = r->srv;
	struct work *w = calloc(1, sizeof *w);
	if (w == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	w->r = r;
	w->fn = work;
	w->done = done;
	w->ctx = ctx;
	pthread_mutex_lock(&s->work_mu);
	if (s->work_tail != NULL)
		s->work_tail->next = w;
	else
		s->work_head = w;
	s->work_tail = w;
	pthread_cond_signal(&s->work_cv);
	pthread_mutex_unlock(&s->work_mu);
	r->pending = true;
}

struct waited {
	write_job job;
	xa_err (*run)(db *, void *);
	void *ctx;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done;
};

static xa_err
waited_run(db *conn, void *p)
{
	struct waited *w = p;
	return w->run(conn, w->ctx);
}

static void
waited_complete(write_job *job)
{
	struct waited *w = (struct waited *)job;
	pthread_mutex_lock(&w->mu);
	w->done = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

xa_err
server_write_wait(server *s, xa_err (*run)(db *, void *), void *ctx)
{
	struct waited w = { .run = run, .ctx = ctx };
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	w.job.run = waited_run;
	w.job.ctx = &w;
	w.job.complete = waited_complete;
	xa_err e = s->w != NULL ? writer_submit(s->w, &w.job) : XA_ESTOPPED;
	if (e == XA_OK) {
		pthread_mutex_lock(&w.mu);
		while (!w.done)
			pthread_cond_wait(&w.cv, &w.mu);
		pthread_mutex_unlock(&w.mu);
		e = w.job.result;
	}
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	return e;
}

struct detached {
	write_job job;
	xa_err (*run)(db *, void *);
	void (*cleanup)(void *);
	void *ctx;
};

static xa_err
detached_run(db *conn, void *p)
{
	struct detached *d = p;
	return d->run(conn, d->ctx);
}

static void
detached_complete(write_job *job)
{
	struct detached *d = (struct detached *)job;
	if (job->result != XA_OK)
		log_warn("a background write failed: %s", xa_strerror(job->result));
	if (d->cleanup != NULL)
		d->cleanup(d->ctx);
	free(d);
}

void
server_write_detached(server *s, xa_err (*run)(db *, void *), void *ctx,
    void (*cleanup)(void *))
{
	struct detached *d = calloc(1, sizeof *d);
	if (d == NULL) {
		if (cleanup != NULL)
			cleanup(ctx);
		return;
	}
	d->run = run;
	d->cleanup = cleanup;
	d->ctx = ctx;
	d->job.run = detached_run;
	d->job.ctx = d;
	d->job.complete = detached_complete;
	if (writer_submit(s->w, &d->job) != XA_OK) {
		if (cleanup != NULL)
			cleanup(ctx);
		free(d);
	}
}

const char *
server_session_cookie(const server *s)
{
	return s->ssl != NULL ? "__Host-xa_session" : "xa_session";
}

/* --- The request path. */

static const char *
input_code(xa_err e)
{
	switch (e) {
	case XA_EUTF8: return "bad_utf8";
	case XA_EDUP: return "duplicate_param";
	case XA_EMISSING: return "missing_field";
	case XA_ETOOMANY: return "too_many_fields";
	case XA_ETOOBIG: return "field_too_long";
	case XA_EDEPTH: return "too_deep";
	case XA_ENOMEM: return "internal";
	default: return "invalid_field";
	}
}

static int
input_status(xa_err e)
{
	if (e == XA_ENOMEM)
		return 500;
	if (e == XA_ETOOMANY)
		return 413;
	return 400;
}

/* Copies src into dst[0..len), cut short if it must be. */
static void
copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The client address: the peer, or for a trusted proxy the nearest
 * address in X-Forwarded-For that is not itself a trusted proxy. */
static void
client_address(req *r, const char *peer)
{
	copy_str(r->client, sizeof r->client, peer);
	if (r->srv->nproxies == 0 || !is_trusted_proxy(r->srv, peer))
		return;
	const char *xff = req_get_header(r, "X-Forwarded-For");
	if (xff == NULL)
		return;
	char list[512];
	snprintf(list, sizeof list, "%s", xff);
	for (;;) {
		char *comma = strrchr(list, ',');
		char *item = comma ? comma + 1 : list;
		while (*item == ' ')
			item++;
		size_t n = strlen(item);
		while (n > 0 && item[n - 1] == ' ')
			item[--n] = '\0';
		unsigned char tmp[16];
		if (inet_pton(AF_INET, item, tmp) != 1 &&
		    inet_pton(AF_INET6, item, tmp) != 1)
			return;
		copy_str(r->client, sizeof r->client, item);
		if (!is_trusted_proxy(r->srv, item) || comma == NULL)
			return;
		*comma = '\0';
	}
}

/* The lang cookie's value, if the Cookie header has one. */
static const char *
cookie_lang(req *r)
{
	const char *c = req_get_header(r, "Cookie");
	if (c == NULL)
		return NULL;
	for (const char *p = c; (p = strstr(p, "lang=")) != NULL; p += 5) {
		if (p != c && p[-1] != ' ' && p[-1] != ';')
			continue;
		if (strncmp(p + 5, "en", 2) == 0 && (p[7] == '\0' || p[7] == ';'))
			return "en";
		if (strncmp(p + 5, "zh", 2) == 0 && (p[7] == '\0' || p[7] == ';'))
			return "zh";
	}
	return NULL;
}

static unsigned
method_of(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET: return M_GET;
	case EVHTTP_REQ_HEAD: return M_HEAD;
	case EVHTTP_REQ_POST: return M_POST;
	case EVHTTP_REQ_PUT: return M_PUT;
	case EVHTTP_REQ_PATCH: return M_PATCH;
	case EVHTTP_REQ_DELETE: return M_DELETE;
	case EVHTTP_REQ_OPTIONS: return M_OPTIONS;
	default: return 0;
	}
}

/* Validates the body against the route's table, by content type. */
static int
read_body(req *r)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->ev);
	size_t n = evbuffer_get_length(in);
	const config *c = &r->srv->cfg;
	const char *ct = req_get_header(r, "Content-Type");
	xa_err e;
	input_error ie = { XA_OK, NULL };
	r->content_type = ct;
	int is_multipart = ct != NULL && strncasecmp(ct, "multipart/form-data", 19) == 0;
	if (!is_multipart && n > (size_t)c->body_max) {
		req_error(r, 413, "body_too_large", NULL);
		return -1;
	}
	const char *body = n ? (const char *)evbuffer_pullup(in, -1) : "";
	if (n && body == NULL) {
		req_error(r, 500, "internal", NULL);
		return -1;
	}
	if (r->route->flags & R_RAW_BODY) {
		r->body = body;
		r->body_len = n;
		r->in = json_object();
		return 0;
	}
	if (r->route->body == NULL) {
		/* Nothing to read but, from a form, the CSRF token. */
		r->in = json_object();
		if (r->csrf_sent == NULL && n > 0 && ct != NULL &&
		    strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
			params p;
			if (form_parse_urlencoded(r->a, body, n, &r->srv->lim, &p) == XA_OK)
				r->csrf_sent = params_get(&p, "_csrf");
		}
		return 0;
	}
	if (n == 0 || (ct != NULL &&
	    strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0)) {
		params p;
		e = form_parse_urlencoded(r->a, body, n, &r->srv->lim, &p);
		if (e == XA_OK) {
			if (r->csrf_sent == NULL)
				r->csrf_sent = params_get(&p, "_csrf");
			e = input_from_params(r->route->body, &p, &r->in, &ie);
		}
		else if (e == XA_EINVAL) {
			req_error(r, 400, "bad_form", NULL);
			return -1;
		}
	} else if (strncasecmp(ct, "application/json", 16) == 0) {
		json_t *j = NULL;
		e = form_parse_json(body, n, &r->srv->lim, &j);
		if (e == XA_EINVAL) {
			req_error(r, 400, "bad_json", NULL);
			return -1;
		}
		if (e == XA_OK) {
			json_t *t = json_object_get(j, "_csrf");
			if (r->csrf_sent == NULL && json_is_string(t))
				r->csrf_sent = arena_strdup(r->a, json_string_value(t));
			e = input_from_json(r->route->body, j, &r->in, &ie);
			json_decref(j);
		}
	} else if (is_multipart) {
		multipart *mp = arena_calloc(r->a, 1, sizeof *mp);
		if (mp == NULL) {
			req_error(r, 500, "internal", NULL);
			return -1;
		}
		e = form_parse_multipart(r->a, ct, body, n, &r->srv->lim, mp);
		if (e == XA_EINVAL) {
			req_error(r, 400, "bad_form", NULL);
			return -1;
		}
		if (e == XA_ETOOBIG) {
			req_error(r, 413, "body_too_large", NULL);
			return -1;
		}
		if (e == XA_OK) {
			r->files = mp;
			if (r->csrf_sent == NULL)
				r->csrf_sent = params_get(&mp->fields, "_csrf");
			e = input_from_params(r->route->body, &mp->fields, &r->in, &ie);
		}
	} else {
		req_error(r, 415, "unsupported_media_type", NULL);
		return -1;
	}
	if (e != XA_OK) {
		req_error(r, input_status(e), input_code(e), ie.field);
		return -1;
	}
	return 0;
}

/* Percent-encodes s for a query value. */
static const char *
url_escape(arena *a, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = arena_alloc(a, n * 3 + 1);
	if (out == NULL)
		return "/";
	char *o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-_.~/", *p) != NULL) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

/* The request's path and query without its lang parameter, for the
 * redirect after a language switch (so /signin?next=/me keeps its next). */
static const char *
without_lang(req *r)
{
	buf b;
	buf_init(&b, 8192);
	int first = 1;
	xa_err e = buf_puts(&b, url_escape(r->a, r->path));
	for (size_t i = 0; e == XA_OK && i < r->query.n; i++) {
		if (strcmp(r->query.items[i].name, "lang") == 0)
			continue;
		e = buf_printf(&b, "%c%s=%s", first ? '?' : '&',
		    url_escape(r->a, r->query.items[i].name),
		    url_escape(r->a, r->query.items[i].value));
		first = 0;
	}
	const char *out = e == XA_OK ? arena_strdup(r->a, b.data) : r->path;
	buf_free(&b);
	return out ? out : "/";
}

/* Constant-time comparison of two NUL-terminated tokens. */
static int
token_equal(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	unsigned char d = na != nb;
	for (size_t i = 0; i < na && i < nb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* A state-changing request must come from our own pages: a browser's
 * Origin (or Sec-Fetch-Site) must say so, and a request authenticated by
 * the session cookie must carry the session's CSRF token (hidden field
 * _csrf or header X-CSRF-Token). Bearer-token clients are not browsers
 * and need no token. */
static int
csrf_ok(req *r)
{
	const char *origin = req_get_header(r, "Origin");
	const char *host = req_get_header(r, "Host");
	if (origin != NULL && strcmp(origin, "null") != 0) {
		const char *o = strstr(origin, "://");
		if (o == NULL || host == NULL || strcmp(o + 3, host) != 0)
			return 0;
	} else if (origin != NULL) {
		return 0;
	}
	const char *site = req_get_header(r, "Sec-Fetch-Site");
	if (site != NULL && strcmp(site, "cross-site") == 0)
		return 0;
	if (!r->cookie_auth || (r->route->flags & R_NO_CSRF))
		return 1;
	return r->csrf_expected != NULL && r->csrf_sent != NULL &&
	    token_equal(r->csrf_sent, r->csrf_expected);
}

static void
next_id(struct loop *l, char *out)
{
	/* xorshift64*: unique enough to find a request in the logs. */
	uint64_t x = l->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	l->rng = x;
	snprintf(out, 17, "%016llx", (unsigned long long)(x * 0x2545F4914F6CDD1DULL));
}

static void
call_route(req *r, void *ctx, xa_err unused)
{
	r->route->fn(r);
}

static void
on_request(struct evhttp_request *ev, void *arg)
{
	struct loop *l = arg;
	server *s = l->srv;
	arena *a = arena_new(8192, 0);
	req *r = a ? arena_calloc(a, 1, sizeof *r) : NULL;
	char peer[48];
	if (r == NULL) {
		arena_free(a);
		evhttp_send_error(ev, 503, NULL);
		return;
	}
	atomic_fetch_add(&s->in_flight, 1);
	r->t0_ns = now_ns();
	r->ev = ev;
	r->a = a;
	r->loop = l;
	r->srv = s;
	r->rdb = l->rdb;
	r->tls = s->ssl != NULL;
	r->lang = "zh";
	next_id(l, r->id);
	int admitted = conn_admit(l, ev, peer, sizeof peer);
	client_address(r, peer);
	r->method = method_of(evhttp_request_get_command(ev));
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
	const char *rawpath = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *rawquery = uri ? evhttp_uri_get_query(uri) : NULL;
	if (!admitted) {
		req_header(r, "Connection", "close");
		req_error(r, 503, "too_many_connections", NULL);
		return;
	}
	if (rawpath == NULL || rawpath[0] == '\0')
		rawpath = "/";
	size_t plen = 0;
	char *dec = evhttp_uridecode(rawpath, 0, &plen);
	if (dec == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	r->path = arena_strndup(a, dec, plen);
	int bad_path = strlen(dec) != plen || !utf8_valid(dec, plen);
	free(dec);
	if (r->path == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	r->lang = i18n_pick(cookie_lang(r), req_get_header(r, "Accept-Language"));
	if (bad_path) {
		r->path = "-";
		req_error(r, 400, "bad_utf8", NULL);
		return;
	}
	xa_err e = form_parse_urlencoded(a, rawquery ? rawquery : "",
	    rawquery ? strlen(rawquery) : 0, &s->lim, &r->query);
	if (e != XA_OK) {
		req_error(r, input_status(e), e == XA_EINVAL ? "bad_form" : input_code(e),
		    NULL);
		return;
	}
	unsigned allowed = 0;
	enum match_result m = r->method == 0 ? MATCH_NOT_FOUND :
	    router_match(s->rt, a, r->method, r->path, &r->route, &r->path_params,
	    &allowed);
	if (m == MATCH_NOT_FOUND) {
		r->route = NULL;
		/* A lost page still shows who is signed in; not beside the
		 * anonymous routes (see below). */
		if (s->app.authenticate != NULL && strncmp(r->path, "/api/", 5) != 0 &&
		    !anon_unmatched(r))
			s->app.authenticate(r);
		req_error(r, 404, "not_found", NULL);
		return;
	}
	if (m == MATCH_BAD_METHOD) {
		char allow[64];
		req_header(r, "Allow", router_allow_header(allowed, allow, sizeof allow));
		req_error(r, 405, "method_not_allowed", NULL);
		return;
	}
	/* A page link "?lang=en" chooses the language for later visits. */
	const char *choice = params_get(&r->query, "lang");
	if (choice != NULL && !(r->route->flags & R_API) &&
	    (r->method == M_GET || r->method == M_HEAD) &&
	    (strcmp(choice, "zh") == 0 || strcmp(choice, "en") == 0)) {
		char cookie[96];
		snprintf(cookie, sizeof cookie,
		    "lang=%s; Path=/; Max-Age=31536000; SameSite=Lax%s", choice,
		    r->tls ? "; Secure" : "");
		req_header(r, "Set-Cookie", cookie);
		req_redirect(r, without_lang(r));
		return;
	}
	/* An anonymous reporter's route never looks at a session: finding
	 * one would refresh its last_seen and tie the report's time to an
	 * account (its handlers never read r->user; the page shows the
	 * signed-out header). */
	if (s->app.authenticate != NULL && !(r->route->flags & R_ANON))
		s->app.authenticate(r);
	if ((r->route->flags & R_AUTH) && r->user == NULL) {
		if (r->route->flags & R_API) {
			req_error(r, 401, "unauthorized", NULL);
		} else {
			const char *next = arena_printf(a, "/signin?next=%s",
			    url_escape(a, r->path));
			req_redirect(r, next ? next : "/signin");
		}
		return;
	}
	if (r->user_pending && (r->route->flags & R_AUTH) &&
	    !(r->route->flags & R_PENDING_OK)) {
		if (r->route->flags & R_API)
			req_error(r, 403, "account_setup_required", NULL);
		else
			req_redirect(r, "/me");
		return;
	}
	if (r->route->query != NULL) {
		input_error ie = { XA_OK, NULL };
		e = input_from_params(r->route->query, &r->query, &r->q, &ie);
		if (e != XA_OK) {
			req_error(r, input_status(e), input_code(e), ie.field);
			return;
		}
	} else {
		r->q = json_object();
	}
	if (r->method & (M_POST | M_PUT | M_PATCH | M_DELETE)) {
		r->csrf_sent = req_get_header(r, "X-CSRF-Token");
		if (read_body(r) != 0)
			return;
		if (!csrf_ok(r)) {
			req_error(r, 403, "csrf", NULL);
			return;
		}
	} else {
		r->in = json_object();
	}
	if (r->q == NULL || r->in == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	run_handler(r, call_route, NULL, XA_OK);
}

/* --- TLS. */

static struct bufferevent *
tls_bev(struct event_base *base, void *arg)
{
	struct loop *l = arg;
	SSL *ssl = SSL_new(l->srv->ssl);
	if (ssl == NULL)
		return NULL;
	return bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

static xa_err
tls_setup(server *s, char *err, size_t errlen)
{
	s->ssl = SSL_CTX_new(TLS_server_method());
	if (s->ssl == NULL) {
		snprintf(err, errlen, "cannot create a TLS context");
		return XA_ECRYPTO;
	}
	SSL_CTX_set_min_proto_version(s->ssl, TLS1_2_VERSION);
	SSL_CTX_set_options(s->ssl, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(s->ssl, s->cfg.tls_cert) != 1) {
		snprintf(err, errlen, "tls_cert: cannot load the certificate from %s",
		    s->cfg.tls_cert);
		return XA_ECONFIG;
	}
	if (SSL_CTX_use_PrivateKey_file(s->ssl, s->cfg.tls_key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(s->ssl) != 1) {
		snprintf(err, errlen, "tls_key: %s is not the key of %s",
		    s->cfg.tls_key, s->cfg.tls_cert);
		return XA_ECONFIG;
	}
	return XA_OK;
}

/* --- Set-up and the run. */

/* A listening socket on the configured address. port: in, the port to
 * bind when > 0 (else the configured one); out, the port bound. With
 * reuse set the socket joins an SO_REUSEPORT group: each loop has its own
 * socket and the kernel spreads connections over them evenly (one shared
 * socket left it to a race, which could give one loop every connection). */
static int
listen_socket(const config *c, int *port, int reuse, char *err, size_t errlen)
{
	char host[CONFIG_STR];
	int p;
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof ss);
	if (config_split_listen(c->listen, host, sizeof host, &p) != XA_OK) {
		snprintf(err, errlen, "listen: bad address %s", c->listen);
		return -1;
	}
	if (*port > 0)
		p = *port;
	if (strchr(host, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1) {
			snprintf(err, errlen, "listen: bad address %s", c->listen);
			return -1;
		}
		sl = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		if (host[0] == '\0')
			s4->sin_addr.s_addr = htonl(INADDR_ANY);
		else if (inet_pton(AF_INET, host, &s4->sin_addr) != 1) {
			snprintf(err, errlen, "listen: bad address %s", c->listen);
			return -1;
		}
		sl = sizeof *s4;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) ||
	    /* Accepted sockets inherit it (Linux): an answer written as headers
	     * and body must not wait for the client's delayed ACK (40 ms). */
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 1024) != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", c->listen, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	sl = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		*port = ntohs(ss.ss_family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static xa_err
loop_init(server *s, struct loop *l, size_t idx, char *err, size_t errlen)
{
	l->srv = s;
	l->idx = idx;
	if (getrandom(&l->rng, sizeof l->rng, 0) != sizeof l->rng)
		l->rng = (uint64_t)now_ns() ^ ((uint64_t)idx << 32);
	l->rng |= 1;
	l->count = calloc((s->app.nroutes + 1) * NSTATUS, sizeof *l->count);
	/* The changelist folds the add/remove pairs evhttp makes on each
	 * request into one epoll_ctl: two system calls a request instead of
	 * four (measured in docs/benchmarks.md). Safe here: no base watches
	 * two descriptors of one file. */
	struct event_config *ec = event_config_new();
	if (ec != NULL) {
		event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
		l->base = event_base_new_with_config(ec);
		event_config_free(ec);
	}
	if (l->base == NULL)
		l->base = event_base_new();
	if (l->count == NULL || l->base == NULL) {
		snprintf(err, errlen, "cannot create event loop %zu", idx);
		return XA_ENOMEM;
	}
	pthread_mutex_init(&l->post_mu, NULL);
	l->post_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	l->post_ev = l->post_fd < 0 ? NULL :
	    event_new(l->base, l->post_fd, EV_READ | EV_PERSIST, posted_drain, l);
	if (l->post_ev == NULL || event_add(l->post_ev, NULL) != 0) {
		snprintf(err, errlen, "cannot create the wake-up event of loop %zu", idx);
		return XA_EIO;
	}
	l->http = evhttp_new(l->base);
	if (l->http == NULL) {
		snprintf(err, errlen, "cannot create the HTTP server");
		return XA_ENOMEM;
	}
	const config *c = &s->cfg;
	/* A multipart body may carry up to four files (a report's photos),
	 * each within upload_max, and its other fields. */
	long body_cap = c->body_max;
	if (4 * c->upload_max + (1L << 20) > body_cap)
		body_cap = 4 * c->upload_max + (1L << 20);
	evhttp_set_max_body_size(l->http, body_cap);
	evhttp_set_max_headers_size(l->http, c->header_max);
	struct timeval tv = { c->timeout, 0 };
	evhttp_set_timeout_tv(l->http, &tv);
	evhttp_set_allowed_methods(l->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS);
	evhttp_set_default_content_type(l->http, "text/plain; charset=utf-8");
	evhttp_set_gencb(l->http, on_request, l);
	if (s->ssl != NULL)
		evhttp_set_bevcb(l->http, tls_bev, l);
	int port = s->port;
	int fd = idx == 0 ? dup(s->lfd) : listen_socket(c, &port, 1, err, errlen);
	if (fd < 0) {
		if (idx == 0)
			snprintf(err, errlen, "dup: %s", strerror(errno));
		return XA_EIO;
	}
	l->bound = evhttp_accept_socket_with_handle(l->http, fd);
	if (l->bound == NULL) {
		close(fd);
		snprintf(err, errlen, "cannot accept on the listening socket");
		return XA_EIO;
	}
	xa_err e = db_open(s->db_url, DB_READONLY, &l->rdb);
	if (e != XA_OK) {
		snprintf(err, errlen, "cannot open the database %s: %s", s->db_url,
		    xa_strerror(e));
		return e;
	}
	return XA_OK;
}

xa_err
server_new(const config *cfg, const server_app *app, server **out, char *err,
    size_t errlen)
{
	xa_err e = XA_ENOMEM;
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, (void (*)(void))evthread_use_pthreads);
	/* SIGTERM and SIGINT are taken by server_run's sigwait alone: block
	 * them before any thread (the writer, the workers) is started, so that
	 * every thread inherits the mask and none of them can be the one the
	 * kernel picks to die of the default action. */
	sigset_t stop_set;
	sigemptyset(&stop_set);
	sigaddset(&stop_set, SIGTERM);
	sigaddset(&stop_set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_set, NULL);
	server *s = calloc(1, sizeof *s);
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return XA_ENOMEM;
	}
	s->lfd = -1;
	s->cfg = *cfg;
	s->app = *app;
	pthread_mutex_init(&s->addr_mu, NULL);
	pthread_mutex_init(&s->work_mu, NULL);
	pthread_cond_init(&s->work_cv, NULL);
	form_limits_default(&s->lim);
	s->lim.max_fields = (size_t)cfg->fields_max;
	s->lim.max_value_len = (size_t)cfg->field_len_max;
	s->lim.max_json_depth = (size_t)cfg->json_depth_max;
	s->lim.max_parts = (size_t)cfg->parts_max;
	s->lim.max_upload = (size_t)cfg->upload_max;
	char list[CONFIG_STR];
	snprintf(list, sizeof list, "%s", cfg->trusted_proxies);
	char *save = NULL;
	for (char *t = strtok_r(list, ", ", &save); t && s->nproxies < 16;
	    t = strtok_r(NULL, ", ", &save))
		snprintf(s->proxies[s->nproxies++], 48, "%s", t);
	if ((e = config_db_url(cfg, s->db_url, sizeof s->db_url)) != XA_OK) {
		snprintf(err, errlen, "database URL too long");
		goto fail;
	}
	if ((e = router_new(app->routes, app->nroutes, &s->rt)) != XA_OK) {
		snprintf(err, errlen, "a route pattern is malformed (see the log)");
		goto fail;
	}
	e = tmpl_set_load(embedded_templates, embedded_templates_count, &s->tmpl,
	    err, errlen);
	if (e != XA_OK)
		goto fail;
	if (cfg->tls_cert[0] != '\0' && (e = tls_setup(s, err, errlen)) != XA_OK)
		goto fail;
	/* SO_REUSEPORT would let a second server share a port already in
	 * use; a plain bind first makes "the port is taken" an error again. */
	int probe_port = 0;
	int probe = listen_socket(cfg, &probe_port, 0, err, errlen);
	if (probe < 0) {
		e = XA_EIO;
		goto fail;
	}
	close(probe);
	s->port = 0;
	{
		char host[CONFIG_STR];
		int want = 0;
		if (config_split_listen(cfg->listen, host, sizeof host, &want) == XA_OK && want == 0)
			s->port = probe_port;	/* keep the port the kernel chose */
	}
	s->lfd = listen_socket(cfg, &s->port, 1, err, errlen);
	if (s->lfd < 0) {
		e = XA_EIO;
		goto fail;
	}
	e = writer_start(s->db_url, 0, &s->w);
	if (e != XA_OK) {
		snprintf(err, errlen, "cannot start the database writer for %s: %s",
		    s->db_url, xa_strerror(e));
		goto fail;
	}
	long n = cfg->loops;
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n <= 0)
		n = 1;
	s->nloops = (size_t)n;
	s->loops = calloc(s->nloops, sizeof *s->loops);
	if (s->loops == NULL) {
		e = XA_ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < s->nloops; i++)
		if ((e = loop_init(s, &s->loops[i], i, err, errlen)) != XA_OK)
			goto fail;
	s->nworkers = s->nloops;
	s->workers = calloc(s->nworkers, sizeof *s->workers);
	if (s->workers == NULL) {
		e = XA_ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	*out = s;
	return XA_OK;
fail:
	server_free(s);
	return e;
}

static void *
loop_main(void *arg)
{
	struct loop *l = arg;
	event_base_dispatch(l->base);
	return NULL;
}

static void
stop_accepting(void *arg)
{
	struct loop *l = arg;
	if (l->bound != NULL) {
		evhttp_del_accept_socket(l->http, l->bound);
		l->bound = NULL;
	}
}

int
server_run(server *s)
{
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	signal(SIGPIPE, SIG_IGN);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	size_t started_workers = 0;
	for (; started_workers < s->nworkers; started_workers++)
		if (pthread_create(&s->workers[started_workers], NULL, worker_main, s) != 0)
			break;
	for (size_t i = 0; i < s->nloops; i++) {
		if (pthread_create(&s->loops[i].thread, NULL, loop_main, &s->loops[i]) != 0) {
			log_error("cannot start event loop %zu", i);
			raise(SIGTERM);
			break;
		}
		s->loops[i].started = 1;
	}
	log_info("serving on %s%s (%zu loops)", s->cfg.listen,
	    s->ssl ? " with TLS" : "", s->nloops);
	void *bg = s->app.bg_start != NULL ? s->app.bg_start(s) : NULL;
	int sig = 0;
	sigwait(&set, &sig);
	log_info("signal %d: finishing in-flight requests", sig);
	atomic_store(&s->stopping, 1);
	for (size_t i = 0; i < s->nloops; i++)
		if (s->loops[i].started)
			loop_post(&s->loops[i], stop_accepting, &s->loops[i]);
	close(s->lfd);
	s->lfd = -1;
	uint64_t deadline = now_ns() + (uint64_t)s->cfg.shutdown_grace * 1000000000u;
	while (atomic_load(&s->in_flight) > 0 && now_ns() < deadline) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	long left = atomic_load(&s->in_flight);
	if (left > 0)
		log_warn("%ld requests still in flight after %lds; stopping anyway",
		    left, s->cfg.shutdown_grace);
	/* Let the loops flush what they have answered, then stop them. */
	struct timeval flush = { 0, 200 * 1000 };
	for (size_t i = 0; i < s->nloops; i++)
		if (s->loops[i].started)
			event_base_loopexit(s->loops[i].base, &flush);
	for (size_t i = 0; i < s->nloops; i++)
		if (s->loops[i].started) {
			pthread_join(s->loops[i].thread, NULL);
			s->loops[i].started = 0;
		}
	pthread_mutex_lock(&s->work_mu);
	s->work_stop = 1;
	pthread_cond_broadcast(&s->work_cv);
	pthread_mutex_unlock(&s->work_mu);
	for (size_t i = 0; i < started_workers; i++)
		pthread_join(s->workers[i], NULL);
	if (bg != NULL && s->app.bg_stop != NULL)
		s->app.bg_stop(bg);
	writer_stop(s->w);
	s->w = NULL;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	log_info("stopped");
	return left > 0 ? 1 : 0;
}

int
server_port(const server *s)
{
	return s->port;
}

const config *
server_config(const server *s)
{
	return &s->cfg;
}

void
server_free(server *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; s->loops != NULL && i < s->nloops; i++) {
		struct loop *l = &s->loops[i];
		if (l->http != NULL)
			evhttp_free(l->http);
		for (size_t b = 0; b < CONN_BUCKETS; b++) {
			struct conn_track *t = l->conns[b];
			while (t != NULL) {
				struct conn_track *next = t->next;
				free(t);
				t = next;
			}
		}
		if (l->post_ev != NULL)
			event_free(l->post_ev);
		if (l->base != NULL)
			event_base_free(l->base);
		if (l->post_fd > 0)
			close(l->post_fd);
		while (l->post_head != NULL) {
			struct posted *next = l->post_head->next;
			free(l->post_head);
			l->post_head = next;
		}
		pthread_mutex_destroy(&l->post_mu);
		db_close(l->rdb);
		free((void *)l->count);
	}
	free(s->loops);
	for (size_t b = 0; b < CONN_BUCKETS; b++) {
		struct addr_count *a = s->addrs[b];
		while (a != NULL) {
			struct addr_count *next = a->next;
			free(a);
			a = next;
		}
	}
	if (s->w != NULL)
		writer_stop(s->w);
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->ssl != NULL)
		SSL_CTX_free(s->ssl);
	tmpl_set_free(s->tmpl);
	router_free(s->rt);
	while (s->work_head != NULL) {
		struct work *next = s->work_head->next;
		free(s->work_head);
		s->work_head = next;
	}
	free(s->workers);
	pthread_mutex_destroy(&s->addr_mu);
	pthread_mutex_destroy(&s->work_mu);
	pthread_cond_destroy(&s->work_cv);
	free(s);
}
