/* form.h: parsers for what a client sends: query strings, urlencoded and
 * multipart/form-data bodies, and JSON bodies.
 *
 * Every parser takes its caps from a form_limits, allocates only from the
 * request's arena, and fails cleanly (a code, nothing half-filled that the
 * caller might use) on malformed input, invalid UTF-8 or a cap exceeded.
 * Names and values come out percent-decoded, NUL-terminated and valid
 * UTF-8. Parsers never touch the network, the database or global state;
 * each one has a fuzz target under tests/fuzz/. */
#ifndef XA_FORM_H
#define XA_FORM_H

#include <jansson.h>
#include <stddef.h>

#include "../core/arena.h"
#include "../core/err.h"

typedef struct form_limits {
	size_t max_fields;	/* names in one query or body (default 200) */
	size_t max_name_len;	/* bytes in one name (default 64) */
	size_t max_value_len;	/* bytes in one value (default 64 KiB) */
	size_t max_parts;	/* parts in one multipart body (default 32) */
	size_t max_upload;	/* bytes in one uploaded file (default 10 MiB) */
	size_t max_json_depth;	/* nesting of a JSON body (default 16) */
} form_limits;

/* The defaults above. */
void form_limits_default(form_limits *lim);

typedef struct param {
	const char *name;
	const char *value;
	size_t value_len;
} param;

typedef struct params {
	param *items;
	size_t n;
} params;

/* Parses "a=1&b=%E4%B8%AD&c" (a query string without '?', or an
 * application/x-www-form-urlencoded body); '+' is a space. n may be 0.
 * Errors: XA_EINVAL (bad %-escape), XA_EUTF8, XA_ETOOMANY (over
 * max_fields), XA_ETOOBIG (a name or value over its cap), XA_ENOMEM. */
xa_err form_parse_urlencoded(arena *a, const char *s, size_t n,
    const form_limits *lim, params *out);

/* First value of name, or NULL. */
const char *params_get(const params *p, const char *name);
/* How many times name occurs. */
size_t params_count(const params *p, const char *name);

typedef struct upload {
	const char *field;		/* the form field's name */
	const char *filename;		/* as sent, valid UTF-8, no path */
	const char *content_type;	/* as sent, or "application/octet-stream" */
	const unsigned char *data;
	size_t len;
} upload;

typedef struct multipart {
	params fields;		/* parts without a filename */
	upload *files;		/* parts with a filename */
	size_t nfiles;
} multipart;

/* Parses a multipart/form-data body; content_type is the request's whole
 * Content-Type header (the boundary is read from it). Field values must be
 * UTF-8; file contents are bytes. Filenames lose any directory part
 * (both / and \) and RFC 5987 filename* is understood.
 * Errors: XA_EINVAL (no boundary, malformed part), XA_EUTF8, XA_ETOOMANY
 * (over max_parts or max_fields), XA_ETOOBIG (a value over max_value_len or
 * a file over max_upload), XA_ENOMEM. */
xa_err form_parse_multipart(arena *a, const char *content_type,
    const char *body, size_t n, const form_limits *lim, multipart *out);

/* Parses a JSON body after checking, without recursion, that its nesting
 * is at most max_json_depth and its strings are valid UTF-8 and hold no
 * NUL. *out is a new reference the caller must json_decref().
 * Errors: XA_EDEPTH, XA_EUTF8, XA_EINVAL (not JSON), XA_ENOMEM. */
xa_err form_parse_json(const char *body, size_t n, const form_limits *lim,
    json_t **out);

#endif
