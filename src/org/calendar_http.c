/* calendar_http.c: the bureau's working calendar — holidays and make-up
 * working days (调休) — as a page and an API, and its loader for the code
 * that counts deadlines (calendar.h).
 *
 * Everyone signed in may read it (every deadline depends on it); the
 * bureau office and the system administrator change it, one year at a
 * time, with an audit record. The national schedule is not built in: it
 * is published every year and the bureau enters it. */
#include "org_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../auth/auth.h"
#include "../auth/session.h"
#include "../core/calendar.h"
#include "../core/i18n.h"
#include "../core/utf8.h"
#include "../http/input.h"
#include "../http/server.h"
#include "org.h"

#define MAX_LINES 400

xa_err
calendar_load(db *conn, calendar *out)
{
	struct cal_entry *e = NULL;
	size_t n = 0, cap = 0;
	db_stmt *st = NULL;
	xa_err err = db_prepare(conn, "SELECT day, kind FROM calendar_days", &st);
	if (err != XA_OK)
		return err;
	int rc;
	while ((rc = db_step(st)) == 1) {
		xa_day d;
		if (day_parse(db_col_text(st, 0), &d) != XA_OK)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			struct cal_entry *g = realloc(e, cap * sizeof *e);
			if (g == NULL) {
				err = XA_ENOMEM;
				goto done;
			}
			e = g;
		}
		e[n].day = d;
		e[n].kind = strcmp(db_col_text(st, 1), "workday") == 0 ? DAY_WORKDAY :
		    DAY_HOLIDAY;
		n++;
	}
	err = rc < 0 ? (xa_err)-rc : calendar_make(e, n, out);
done:
	db_done(st);
	free(e);
	return err;
}

static const field calendar_query[] = {
	{ "year", FT_INT, 0, 2000, 2100, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const field calendar_fields[] = {
	{ "year", FT_INT, F_REQUIRED, 2000, 2100, NULL },
	{ "days", FT_TEXT, 0, 0, 20000, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

struct line {
	char day[11];
	const char *kind;
	const char *name;
};

struct replace {
	req *r;
	long year;
	struct line *lines;
	size_t n;
	int64_t now;
};

static long
this_year(req *r)
{
	char d[11];
	day_format(day_of((int64_t)time(NULL), config_zone(server_config(r->srv))), d);
	return strtol(d, NULL, 10);
}

static int
can_edit(req *r)
{
	/* The calendar is the bureau's: the object is the bureau itself. */
	char bureau[96];
	size_t n = strcspn(r->user->unit_path + 1, "/");
	snprintf(bureau, sizeof bureau, "%.*s", (int)n + 2, r->user->unit_path);
	return policy_allow(r->user, A_CALENDAR_WRITE, bureau);
}

/* The page and API model for year. */
static json_t *
calendar_model(req *r, long year)
{
	char like[16];
	snprintf(like, sizeof like, "%04ld-%%", year);
	json_t *days = json_array();
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT day, kind, name FROM calendar_days WHERE day LIKE ?"
	    " ORDER BY day", &st) == XA_OK) {
		db_bind_text(st, 1, like, -1);
		while (db_step(st) == 1) {
			xa_day d = 0;
			day_parse(db_col_text(st, 0), &d);
			char wkey[16];
			snprintf(wkey, sizeof wkey, "calendar.wd%d", day_weekday(d));
			const char *kind = db_col_text(st, 1);
			json_array_append_new(days, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}",
			    "day", db_col_text(st, 0), "kind", kind, "name", db_col_text(st, 2),
			    "weekday", i18n(r->lang, wkey),
			    "kind_label", i18n(r->lang, strcmp(kind, "workday") == 0 ?
			    "calendar.workday" : "calendar.holiday"),
			    "workday", strcmp(kind, "workday") == 0));
		}
		db_done(st);
	}
	/* The text form of the year, for editing, in the reader's words. */
	buf text;
	buf_init(&text, 64 * 1024);
	size_t i;
	json_t *d;
	int zh = strcmp(r->lang, "zh") == 0;
	json_array_foreach(days, i, d) {
		const char *name = json_string_value(json_object_get(d, "name"));
		int work = json_is_true(json_object_get(d, "workday"));
		const char *kind = zh ? (work ? "上班" : "放假") : (work ? "workday" : "holiday");
		buf_printf(&text, "%s,%s%s%s\n", json_string_value(json_object_get(d, "day")),
		    kind, name[0] ? "," : "", name);
	}
	char prev[24], next[24];
	snprintf(prev, sizeof prev, "%ld", year - 1);
	snprintf(next, sizeof next, "%ld", year + 1);
	json_t *m = json_pack("{s:{s:s}, s:I, s:o, s:s, s:b, s:s, s:s}",
	    "page", "title_key", "calendar.title", "year", (json_int_t)year,
	    "days", days, "text", text.data ? text.data : "", "can_edit", can_edit(r),
	    "prev", prev, "next", next);
	buf_free(&text);
	return m;
}

static void
calendar_show(req *r)
{
	long year = (long)input_int(r->q, "year", this_year(r));
	req_answer(r, 200, calendar_model(r, year));
}

static xa_err
calendar_replace_run(db *conn, void *p)
{
	struct replace *c = p;
	char like[16];
	snprintf(like, sizeof like, "%04ld-%%", c->year);
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "DELETE FROM calendar_days WHERE day LIKE ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_text(st, 1, like, -1);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	for (size_t i = 0; i < c->n; i++) {
		if ((e = db_prepare(conn, "INSERT INTO calendar_days (day, kind, name,"
		    " updated_at, updated_by) VALUES (?, ?, ?, ?, ?)", &st)) != XA_OK)
			return e;
		db_bind_text(st, 1, c->lines[i].day, -1);
		db_bind_text(st, 2, c->lines[i].kind, -1);
		db_bind_text(st, 3, c->lines[i].name, -1);
		db_bind_int(st, 4, c->now);
		db_bind_int(st, 5, c->r->user->account_id);
		rc = db_step(st);
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
	}
	return audit_req(conn, c->r, "calendar.replace", "calendar", c->year, "days",
	    c->now);
}

static void
calendar_replace_done(req *r, void *ctx, xa_err result)
{
	struct replace *c = ctx;
	if (result != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	if (r->route->flags & R_API) {
		req_json(r, 200, calendar_model(r, c->year));
		return;
	}
	char to[32];
	snprintf(to, sizeof to, "/calendar?year=%ld", c->year);
	req_redirect(r, to);
}

/* A bad line: 400, with the line's number, in both forms. */
static void
line_error(req *r, long year, size_t line, const char *text)
{
	char msg[256];
	snprintf(msg, sizeof msg, "%s %zu: %s", i18n(r->lang, "calendar.line"), line,
	    i18n(r->lang, "calendar.bad_line"));
	if (r->route->flags & R_API) {
		req_json(r, 400, json_pack("{s:{s:s, s:s, s:s, s:I}}", "error", "code",
		    "invalid_field", "field", "days", "message", msg, "line", (json_int_t)line));
		return;
	}
	json_t *m = calendar_model(r, year);
	json_object_set_new(m, "error", json_string(msg));
	json_object_set_new(m, "text", json_string(text));
	req_page(r, 400, m);
}

/* Reads one "YYYY-MM-DD,kind[,name]" line into l. */
static int
parse_line(arena *a, char *s, long year, struct line *l)
{
	char *c1 = strchr(s, ',');
	if (c1 == NULL)
		return -1;
	*c1 = '\0';
	char *kind = c1 + 1, *c2 = strchr(kind, ',');
	const char *name = "";
	if (c2 != NULL) {
		*c2 = '\0';
		name = c2 + 1;
	}
	while (*s == ' ')
		s++;
	xa_day d;
	if (day_parse(s, &d) != XA_OK || strtol(s, NULL, 10) != year)
		return -1;
	memcpy(l->day, s, 11);
	while (*kind == ' ')
		kind++;
	size_t kl = strlen(kind);
	while (kl > 0 && kind[kl - 1] == ' ')
		kind[--kl] = '\0';
	if (strcmp(kind, "holiday") == 0 || strcmp(kind, "放假") == 0 ||
	    strcmp(kind, "休") == 0)
		l->kind = "holiday";
	else if (strcmp(kind, "workday") == 0 || strcmp(kind, "上班") == 0 ||
	    strcmp(kind, "班") == 0)
		l->kind = "workday";
	else
		return -1;
	while (*name == ' ')
		name++;
	if (utf8_count(name, strlen(name)) > 32)
		return -1;
	l->name = arena_strdup(a, name);
	return l->name ? 0 : -1;
}

static void
calendar_replace(req *r)
{
	struct replace *c = arena_calloc(r->a, 1, sizeof *c);
	if (c == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (!can_edit(r)) {
		req_error(r, 404, "not_found", NULL);
		return;
	}
	c->r = r;
	c->year = (long)input_int(r->in, "year", 0);
	c->now = (int64_t)time(NULL);
	const char *text = input_str(r->in, "days");
	char *copy = arena_strdup(r->a, text ? text : "");
	c->lines = arena_calloc(r->a, MAX_LINES, sizeof *c->lines);
	if (copy == NULL || c->lines == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	size_t lineno = 0;
	for (char *p = copy; p != NULL && *p != '\0';) {
		char *nl = strchr(p, '\n');
		if (nl != NULL)
			*nl = '\0';
		lineno++;
		size_t len = strlen(p);
		if (len > 0 && p[len - 1] == '\r')
			p[--len] = '\0';
		if (len > 0 && p[0] != '#') {
			if (c->n == MAX_LINES ||
			    parse_line(r->a, p, c->year, &c->lines[c->n]) != 0) {
				line_error(r, c->year, lineno, text);
				return;
			}
			for (size_t k = 0; k < c->n; k++) {
				if (strcmp(c->lines[k].day, c->lines[c->n].day) == 0) {
					line_error(r, c->year, lineno, text);
					return;
				}
			}
			c->n++;
		}
		p = nl ? nl + 1 : NULL;
	}
	req_write(r, calendar_replace_run, c, calendar_replace_done);
}

const route calendar_routes[] = {
	{ M_GET, "/api/v1/calendar", calendar_show, R_API | R_AUTH, calendar_query, NULL,
	  NULL, "api_calendar" },
	{ M_PUT, "/api/v1/calendar", calendar_replace, R_API | R_AUTH, NULL, calendar_fields,
	  NULL, "api_calendar_put" },
	{ M_GET, "/calendar", calendar_show, R_AUTH, calendar_query, NULL, "calendar",
	  "calendar" },
	{ M_POST, "/calendar", calendar_replace, R_AUTH, NULL, calendar_fields, "calendar",
	  "calendar_form" },
};
const size_t calendar_routes_count = sizeof calendar_routes / sizeof calendar_routes[0];
