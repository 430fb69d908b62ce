/* static.h: the assets compiled into the binary (CSS, icons).
 *
 * Served with a strong ETag and 304 on a match. Pages link assets under
 * /static/VERSION/NAME, where VERSION is a hash of all assets, so those
 * URLs may be cached for a year; /static/NAME is also served, with a short
 * lifetime, for anything that cannot know the version. */
#ifndef XA_STATIC_H
#define XA_STATIC_H

#include "server.h"

/* "/static/0123456789abcdef": the base every page should link under. */
const char *static_base(void);
/* Answers r with the asset named by its {file} path parameter; the
 * {ver} parameter, when present and current, allows long-lived caching. */
void static_serve(req *r);

#endif
