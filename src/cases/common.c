/* common.c: what every report and case handler shares — loading a case
 * with the caller's access, the case's key, the "what is still missing"
 * answer, the audit who/where and the bureau's zone.
 *
 * case_load() is the one door to a case: a case out of the caller's reach
 * is answered exactly like a missing one. Never answer from here with
 * anything that tells the two apart. */
#include "cases_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../auth/session.h"
#include "../core/i18n.h"

static const char *
dup(req *r, const char *s)
{
	const char *d = arena_strdup(r->a, s ? s : "");
	return d ? d : "";
}

xa_err
case_load(req *r, int64_t id, case_row *c, case_access *acc)
{
	memset(c, 0, sizeof *c);
	memset(acc, 0, sizeof *acc);
	if (r->user == NULL)
		return XA_ENOTFOUND;
	db_stmt *st = NULL;
	xa_err e = db_prepare(r->rdb, "SELECT c.unit_id, u.path, u.name, u.stages, c.year,"
	    " c.seq, c.state, c.resume_state, c.finding, c.tier, c.serious_flag,"
	    " c.legal_process, c.supervised, c.appealed, c.owner_id, c.state_since,"
	    " c.due_at, c.opened_at, c.closed_at, c.archived_at, c.version"
	    " FROM cases c JOIN units u ON u.id = c.unit_id WHERE c.id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc != 1) {
		db_done(st);
		return rc == 0 ? XA_ENOTFOUND : (xa_err)-rc;
	}
	c->id = id;
	c->unit_id = db_col_int(st, 0);
	c->unit_path = dup(r, db_col_text(st, 1));
	c->unit_name = dup(r, db_col_text(st, 2));
	c->stages = dup(r, db_col_text(st, 3));
	c->year = (int)db_col_int(st, 4);
	c->seq = (int)db_col_int(st, 5);
	case_number(c->year, c->seq, c->number);
	if (case_state_parse(db_col_text(st, 6), &c->state) != XA_OK)
		c->state = CS_REPORTED;
	if (case_state_parse(db_col_text(st, 7), &c->resume) != XA_OK)
		c->resume = CS__COUNT;
	c->finding = dup(r, db_col_text(st, 8));
	c->tier = dup(r, db_col_text(st, 9));
	c->serious_flag = db_col_int(st, 10) != 0;
	c->legal_process = db_col_int(st, 11) != 0;
	c->supervised = db_col_int(st, 12) != 0;
	c->appealed = db_col_int(st, 13) != 0;
	c->owner_id = db_col_is_null(st, 14) ? 0 : db_col_int(st, 14);
	c->state_since = db_col_int(st, 15);
	c->due_at = db_col_int(st, 16);
	c->opened_at = db_col_int(st, 17);
	c->closed_at = db_col_int(st, 18);
	c->archived_at = db_col_int(st, 19);
	c->version = db_col_int(st, 20);
	db_done(st);
	if ((e = case_access_for(r->rdb, r->user, id, c->unit_path, (int64_t)time(NULL),
	    acc)) != XA_OK)
		return e;
	if (!acc->read) {
		memset(acc, 0, sizeof *acc);
		return XA_ENOTFOUND;
	}
	return XA_OK;
}

int
case_load_or_404(req *r, case_row *c, case_access *acc)
{
	int64_t id = 0;
	if (req_param_int(r, "id", &id) != XA_OK) {
		req_error(r, 404, "not_found", NULL);
		return 0;
	}
	xa_err e = case_load(r, id, c, acc);
	if (e == XA_ENOTFOUND) {
		req_error(r, 404, "not_found", NULL);
		return 0;
	}
	if (e != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return 0;
	}
	return 1;
}

xa_err
case_row_key(req *r, const case_row *c, uint8_t key[32])
{
	return case_key(r->rdb, c->id, key);
}

void
case_missing_answer(req *r, const missing *m, json_t *page_model)
{
	json_t *list = json_array();
	buf msg;
	buf_init(&msg, 8192);
	buf_puts(&msg, i18n(r->lang, "error.precondition"));
	for (size_t i = 0; i < m->n; i++) {
		const char *text = i18n(r->lang, m->keys[i]);
		json_array_append_new(list, json_pack("{s:s, s:s}", "key", m->keys[i],
		    "message", text));
		buf_printf(&msg, "%s%s", i == 0 ? "" : i18n(r->lang, "missing.separator"), text);
	}
	const char *message = msg.data ? msg.data : "";
	if (r->route != NULL && (r->route->flags & R_API)) {
		json_decref(page_model);
		req_json(r, 409, json_pack("{s:{s:s, s:s, s:o}}", "error", "code",
		    "precondition", "message", message, "missing", list));
		buf_free(&msg);
		return;
	}
	if (page_model == NULL) {
		json_t *model = json_pack("{s:{s:i, s:s, s:s, s:s, s:o}, s:{s:s}}", "error",
		    "status", 409, "code", "precondition", "title_key", "error.precondition.title",
		    "message", message, "missing", list, "page", "title_key",
		    "error.precondition.title");
		buf_free(&msg);
		req_render(r, 409, "error", model);
		return;
	}
	json_object_set_new(page_model, "missing", list);
	json_object_set_new(page_model, "error", json_string(message));
	buf_free(&msg);
	req_page(r, 409, page_model);
}

void
case_who(const req *r, audit_entry *who)
{
	audit_from_req(r, who);
}

long
case_zone(req *r)
{
	return config_zone(server_config(r->srv));
}
