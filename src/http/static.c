/* static.c: serving embedded assets with ETags and caching.
 *
 * Hashes are computed once, on first use, under a pthread_once; after
 * that everything here is read-only. Never serves anything that is not in
 * the embedded table (no file system access, so no path traversal). */
#include "static.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "../core/embed.h"

#define MAX_ASSETS 256

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char etags[MAX_ASSETS][20];
static char base[32];

static uint64_t
fnv1a(const unsigned char *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static void
compute(void)
{
	uint64_t all = 1469598103934665603ULL;
	for (size_t i = 0; i < embedded_static_count && i < MAX_ASSETS; i++) {
		const embedded_file *f = &embedded_static[i];
		uint64_t h = fnv1a(f->data, f->len, 1469598103934665603ULL);
		snprintf(etags[i], sizeof etags[i], "\"%016llx\"", (unsigned long long)h);
		all = fnv1a((const unsigned char *)f->name, strlen(f->name), all);
		all = fnv1a((const unsigned char *)&h, sizeof h, all);
	}
	snprintf(base, sizeof base, "/static/%016llx", (unsigned long long)all);
}

const char *
static_base(void)
{
	pthread_once(&once, compute);
	return base;
}

static const char *
content_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
		{ ".woff2", "font/woff2" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".pdf", "application/pdf" },
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

void
static_serve(req *r)
{
	pthread_once(&once, compute);
	const char *name = req_param(r, "file");
	const char *ver = req_param(r, "ver");
	const embedded_file *f = name ?
	    embedded_find(embedded_static, embedded_static_count, name) : NULL;
	if (f == NULL) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	size_t idx = (size_t)(f - embedded_static);
	const char *etag = idx < MAX_ASSETS ? etags[idx] : "\"0\"";
	int current = ver != NULL && strcmp(ver, base + sizeof "/static/" - 1) == 0;
	req_header(r, "ETag", etag);
	req_header(r, "Cache-Control", current ?
	    "public, max-age=31536000, immutable" : "public, max-age=300");
	const char *inm = req_get_header(r, "If-None-Match");
	if (inm != NULL && (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0)) {
		req_text(r, 304, NULL, "", 0);
		return;
	}
	req_text(r, 200, content_type(name), (const char *)f->data, f->len);
}
