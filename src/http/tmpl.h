/* tmpl.h: logic-less templates (a mustache subset), HTML-escaping by
 * default.
 *
 * Tags:
 *   {{name}} {{a.b.c}} {{.}}  the value, HTML-escaped (& < > " ' `  =)
 *   {{{name}}}               the value raw; a visible, rare opt-out
 *   {{#name}}..{{/name}}     false/null/""/0/empty array: skipped; array:
 *                            once per item with the item as context;
 *                            object: once with it as context; else once
 *   {{^name}}..{{/name}}     rendered when the section above would not be
 *   {{>name}}                another template of the set; {{>content}} is
 *                            the page being rendered inside a layout
 *   {{@key}}                 the catalog's text for key in the request's
 *                            language, HTML-escaped
 *   {{%name}}                the catalog's text for the key that name
 *                            holds (e.g. page.title_key), HTML-escaped
 *   {{!comment}}
 * A numeric part of a dotted name indexes an array: {{#list.0}}..{{/list.0}}
 * renders once when list is not empty.
 * Names resolve up the context stack as in mustache. Templates are parsed
 * once, at start-up, from the embedded table; a parse error names the
 * template and line. Rendering never fails on a missing value (it renders
 * nothing) but fails with XA_ETOOBIG when output passes out->max, and
 * with XA_EDEPTH past 32 nested partials, and with XA_ETOOBIG past four
 * million nodes visited (nested sections over arrays multiply). The set is read-only after
 * loading, so any thread may render with it. */
#ifndef XA_TMPL_H
#define XA_TMPL_H

#include <jansson.h>
#include <stddef.h>

#include "../core/buf.h"
#include "../core/embed.h"
#include "../core/err.h"

typedef struct tmpl_set tmpl_set;

/* Parses every file of files[0..n). On a syntax error returns XA_EINVAL
 * and writes "name:line: what" into errbuf. */
xa_err tmpl_set_load(const embedded_file *files, size_t n, tmpl_set **out,
    char *errbuf, size_t errlen);
void tmpl_set_free(tmpl_set *set);
/* Whether the set holds a template called name. */
int tmpl_exists(const tmpl_set *set, const char *name);

/* Renders template name with model as the root context; {{>content}}
 * inside it renders template page (may be NULL when unused); {{@key}}
 * looks key up in lang ("zh" or "en"). Appends to out. */
xa_err tmpl_render(const tmpl_set *set, const char *name, const char *page,
    json_t *model, const char *lang, buf *out);

/* Appends s[0..n) to out with HTML escaping. */
xa_err html_escape(buf *out, const char *s, size_t n);

#endif
