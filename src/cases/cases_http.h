/* cases_http.h: the pages and API of reports and cases, and what the case
 * page's parts share.
 *
 * Each file declares its own route table; src/app/routes.c joins them.
 *   report_public.c  the anonymous report, its receipt and thread (no account)
 *   reports_http.c   staff-entered reports and the triage queues
 *   cases_http.c     case lists, the case page, parties, chronology, steps
 *   measures_http.c  the graded catalogue, measures, follow-up and protection
 *   oversight_http.c supervision (督办), appeals, identity requests
 * Every handler finds the case through case_load(), which answers a case
 * out of the caller's reach exactly like a missing one. */
#ifndef XA_CASES_HTTP_H
#define XA_CASES_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../http/server.h"
#include "cases.h"

extern const route report_public_routes[];
extern const size_t report_public_routes_count;
extern const route reports_routes[];
extern const size_t reports_routes_count;
extern const route cases_routes[];
extern const size_t cases_routes_count;
extern const route measures_routes[];
extern const size_t measures_routes_count;
extern const route oversight_routes[];
extern const size_t oversight_routes_count;

/* One case row as the handlers need it. Strings are arena copies. */
typedef struct case_row {
	int64_t id;
	int64_t unit_id;
	const char *unit_path;
	const char *unit_name;
	const char *stages;		/* the school's stages */
	int year, seq;
	char number[16];		/* "2026-0007" */
	enum case_state state;
	enum case_state resume;
	const char *finding, *tier;
	bool serious_flag, legal_process, supervised, appealed;
	int64_t owner_id;
	int64_t state_since, due_at, opened_at, closed_at, archived_at;
	int64_t version;
} case_row;

/* Loads case id for r->user with its access. XA_ENOTFOUND when there is
 * no such case or the caller may not read it (answer 404 either way). */
xa_err case_load(req *r, int64_t id, case_row *out, case_access *acc);

/* Loads the case named by the route's {id} and answers 404 itself when it
 * cannot be read; returns 0 then, 1 when c and acc are filled. */
int case_load_or_404(req *r, case_row *c, case_access *acc);

/* The case's key into key (for sealing and opening in a handler). */
xa_err case_row_key(req *r, const case_row *c, uint8_t key[32]);

/* Answers 409 with what is missing: {"error":{"code":"precondition",
 * "message": "...", "missing":[{"key","message"}]}} for the API, or the
 * route's page with the list for a browser (page_model, owned, may be
 * NULL). */
void case_missing_answer(req *r, const missing *m, json_t *page_model);

/* Adds the parts of other files to the case page's model (called by
 * cases_http.c when it builds the page; each may add keys to model). */
void measures_case_model(req *r, const case_row *c, const case_access *acc,
    json_t *model);
void oversight_case_model(req *r, const case_row *c, const case_access *acc,
    json_t *model);

/* The who/where of r for the store's audit records. */
void case_who(const req *r, audit_entry *who);

/* The bureau's zone offset (seconds) from the configuration. */
long case_zone(req *r);

#endif
