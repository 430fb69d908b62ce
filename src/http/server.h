/* server.h: the HTTP server adapter over libevent's evhttp.
 *
 * One event loop per core, all accepting from one listening socket; a
 * request is parsed, routed, its input validated against the route's
 * declared tables, and its handler called on the loop's thread with a
 * per-request arena. A handler answers at once (req_json, req_page, ...)
 * or hands a durable write to the writer with req_write(), and answers in
 * its done callback, back on the same loop, once the write is on disk.
 * Every response carries the security headers; every request gets one
 * access-log line. Handlers must never block a loop for long: reads from
 * the loop's own read connection are fine, anything slow is not. */
#ifndef XA_SERVER_H
#define XA_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/arena.h"
#include "../core/config.h"
#include "../store/db.h"
#include "../store/writer.h"
#include "form.h"
#include "router.h"
#include "tmpl.h"

typedef struct server server;
struct loop;
struct principal;

typedef struct req {
	struct evhttp_request *ev;
	struct loop *loop;
	server *srv;
	arena *a;
	db *rdb;		/* this loop's read connection */
	const route *route;
	unsigned method;
	const char *path;	/* decoded, valid UTF-8 */
	params query;		/* the query string as sent */
	params path_params;	/* from the route pattern */
	json_t *q;		/* validated query fields (object) */
	json_t *in;		/* validated body fields (object) */
	multipart *files;	/* uploads of a multipart body, or NULL */
	const char *body;	/* R_RAW_BODY routes: the raw body */
	size_t body_len;
	const char *content_type;
	const char *lang;	/* "zh" or "en" */
	char id[17];		/* request id, also in X-Request-Id */
	char client[64];	/* client address (after trusted proxies) */
	bool tls;
	/* Set by the application's authenticate hook. */
	const struct principal *user;	/* NULL: nobody signed in */
	const char *csrf_expected;	/* the session's CSRF token */
	bool cookie_auth;		/* the session came from a cookie */
	bool user_pending;		/* must change password / set up 2FA */
	const char *csrf_sent;		/* _csrf field or X-CSRF-Token */
	bool answered;
	bool in_handler;	/* the server's own bookkeeping */
	bool pending;		/* waiting for the writer */
	int status;
	size_t bytes_out;
	uint64_t t0_ns;
} req;

/* Hooks the application gives the server. */
typedef struct server_app {
	const route *routes;
	size_t nroutes;
	/* Adds what every page needs (the "site" block) to a page model. */
	void (*decorate)(req *r, json_t *model);
	/* Finds who is asking (session cookie or bearer token) and sets
	 * r->user, r->csrf_expected, r->cookie_auth, r->user_pending. Runs
	 * for every routed request before input is read; must not answer. */
	void (*authenticate)(req *r);
	/* Background work beside the loops (the scheduler): started once the
	 * loops run, stopped after they have stopped and before the writer
	 * does. Either may be NULL. */
	void *(*bg_start)(server *s);
	void (*bg_stop)(void *handle);
} server_app;

/* Binds the listening socket and prepares the loops, the templates, the
 * read connections and the writer. Prints nothing; errors go to err. */
xa_err server_new(const config *cfg, const server_app *app, server **out,
    char *err, size_t errlen);
/* Serves until SIGTERM or SIGINT, then stops accepting, lets in-flight
 * requests finish (up to shutdown_grace seconds), flushes the writer, and
 * returns. Returns 0 after a clean stop. */
int server_run(server *s);
void server_free(server *s);
/* The port actually bound (useful when listening on port 0). */
int server_port(const server *s);
const config *server_config(const server *s);
/* Runs run(conn, ctx) as a writer job and waits for its batch to commit:
 * for background threads only, never a loop. Its result, or XA_ESTOPPED
 * once the writer stops. */
xa_err server_write_wait(server *s, xa_err (*run)(db *, void *), void *ctx);

/* --- Answers. Each takes ownership of model. Exactly one per request. */
void req_json(req *r, int status, json_t *model);
/* Renders the route's page template inside the layout. */
void req_page(req *r, int status, json_t *model);
/* The route's own form: JSON on API routes, its page otherwise. */
void req_answer(req *r, int status, json_t *model);
/* Renders page (a template name) inside the layout. */
void req_render(req *r, int status, const char *page, json_t *model);
/* An error in the caller's language: JSON {"error":{"code","message"}}
 * for API routes, the error page for pages. code is the catalog key's
 * tail: "not_found" → error.not_found. field may be NULL. */
void req_error(req *r, int status, const char *code, const char *field);
/* 303 See Other to a local path. */
void req_redirect(req *r, const char *location);
/* A download; filename may be Chinese (RFC 6266 / 5987). */
void req_file(req *r, const char *content_type, const char *filename,
    const void *data, size_t len);
/* A plain body with its own content type (e.g. /metrics). */
void req_text(req *r, int status, const char *content_type,
    const char *body, size_t len);
/* Adds a response header (before answering). */
void req_header(req *r, const char *name, const char *value);
/* A request header, or NULL. */
const char *req_get_header(req *r, const char *name);
/* A path parameter as an integer; XA_ENOTFOUND if absent. */
xa_err req_param_int(req *r, const char *name, int64_t *out);
const char *req_param(req *r, const char *name);

/* Hands run to the writer; done(r, result) is called on r's loop after
 * the batch holding it is durable. The request stays open meanwhile. */
void req_write(req *r, xa_err (*run)(db *conn, void *ctx), void *ctx,
    void (*done)(req *r, void *ctx, xa_err result));

/* Runs work(ctx) on a worker thread (for slow, CPU-bound work: password
 * hashing, PDF, xlsx), then done(r, ctx) on r's loop. The request stays
 * open meanwhile. */
void req_offload(req *r, void (*work)(void *ctx), void *ctx,
    void (*done)(req *r, void *ctx, xa_err unused));

/* Queues a write that answers no request (bookkeeping such as a
 * session's last-seen time); its result is only logged. Thread-safe. */
void server_write_detached(server *s, xa_err (*run)(db *conn, void *ctx),
    void *ctx, void (*cleanup)(void *ctx));

/* The data folder's path and the site's session cookie name. */
const char *server_session_cookie(const server *s);

/* Builds a Content-Disposition value for filename: an ASCII fallback
 * and filename*=UTF-8''... Returns XA_ETOOBIG if out is too small. */
xa_err http_content_disposition(const char *filename, char *out, size_t len);

/* For /metrics: appends the Prometheus text to out. */
xa_err server_metrics(server *s, buf *out);
/* 1 when the database answers (for /healthz). */
int server_db_ok(req *r);

#endif
