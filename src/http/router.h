/* router.h: method + path pattern → route, with typed path parameters.
 *
 * Patterns are literal segments and parameters: "/api/v1/units/{id:int}"
 * or "/r/{code}" (a plain {name} is a string segment). An int parameter
 * matches only decimal digits without a leading zero, up to 18 digits. The
 * table is built once at start-up and read-only after, so every event loop
 * shares it. Matching allocates nothing but the parameter values, from the
 * request's arena. */
#ifndef XA_ROUTER_H
#define XA_ROUTER_H

#include <stddef.h>

#include "../core/arena.h"
#include "../core/err.h"
#include "form.h"
#include "input.h"

enum http_method {
	M_GET = 1u << 0,
	M_HEAD = 1u << 1,
	M_POST = 1u << 2,
	M_PUT = 1u << 3,
	M_PATCH = 1u << 4,
	M_DELETE = 1u << 5,
	M_OPTIONS = 1u << 6,
};

/* Route flags. */
#define R_PUBLIC 0x1u	/* cacheable by shared caches (static assets) */
#define R_API 0x2u	/* answers JSON; errors as JSON */
#define R_RAW_BODY 0x4u	/* the handler reads the body itself */
#define R_AUTH 0x8u	/* only for a signed-in account */
#define R_PENDING_OK 0x10u /* open to an account that must first change its
			    * password or set up two-factor sign-in */
#define R_NO_CSRF 0x20u	/* state-changing without a session (sign-in):
			    * guarded by the same-origin check alone */
#define R_ANON 0x40u	/* an anonymous reporter's route: no session is
			 * looked up (nothing of an account is touched),
			 * and the access log keeps neither the client's
			 * address nor the path as sent (it may hold a
			 * receipt code), only the route's pattern */

struct req;
typedef void (*handler_fn)(struct req *r);

typedef struct route {
	unsigned methods;	/* one or more M_* */
	const char *pattern;
	handler_fn fn;
	unsigned flags;
	const field *query;	/* declared query fields, or NULL: none */
	const field *body;	/* declared body fields, or NULL: none */
	const char *page;	/* template for pages, or NULL */
	const char *name;	/* the label used in metrics */
} route;

typedef struct router router;

/* A router over routes[0..n). XA_EINVAL (with the pattern logged) if a
 * pattern is malformed. The routes array must outlive the router. */
xa_err router_new(const route *routes, size_t n, router **out);
void router_free(router *rt);

enum match_result { MATCH_OK, MATCH_NOT_FOUND, MATCH_BAD_METHOD };

/* Matches a decoded path (no query string). On MATCH_OK *route is set and
 * the path parameters are in *pp; on MATCH_BAD_METHOD *allowed holds the
 * methods the path accepts (for the Allow header) and *route the first
 * route whose pattern matched (so the error can take its form). */
enum match_result router_match(const router *rt, arena *a, unsigned method,
    const char *path, const route **route, params *pp, unsigned *allowed);

/* "GET, HEAD, POST" for an Allow header; returns buf. */
const char *router_allow_header(unsigned methods, char *buf, size_t len);
/* The M_* value for a method name, or 0. */
unsigned router_method(const char *name);

#endif
