/* inspect.c: checklists, campaigns, sheets, rectification tasks, results
 * and accountability records (inspect.h), and the demo's campaign.
 *
 * Never: change a campaign's frozen items, a submitted sheet or a closed
 * campaign's sheets; update or delete an accountability record other than
 * marking it corrected; name a minor; read the clock. */
#include "inspect.h"

#include <stdlib.h>
#include <string.h>

#include "../auth/audit.h"
#include "../auth/keys.h"
#include "../core/utf8.h"

const char *const insp_scopes[] = { "all", "township", "list", NULL };
const char *const insp_task_states[] = { "open", "answered", "closed", NULL };
const char *const acc_subjects[] = { "person", "unit", NULL };
const char *const acc_reasons[] = { "case", "inspection", "late_return", "other", NULL };
const char *const acc_measures[] = { "circular", "interview", "discipline", "other", NULL };

/* 1 when v is one of the NULL-terminated list's names. */
static int
known(const char *const *list, const char *v)
{
	for (size_t i = 0; v != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], v) == 0)
			return 1;
	return 0;
}

static int
empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

/* Runs one statement with no result; XA_OK or the step's error. */
static xa_err
step_done(db_stmt *st)
{
	int rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* The first column of the first row as an integer into *out; XA_ENOTFOUND
 * without a row. The statement is finished. */
static xa_err
step_int(db_stmt *st, int64_t *out)
{
	int rc = db_step(st);
	if (rc == 1)
		*out = db_col_int(st, 0);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : rc == 1 ? XA_OK : XA_ENOTFOUND;
}

/* 1 when s is a real date. */
static int
date_ok(const char *s)
{
	xa_day d;
	return s != NULL && day_parse(s, &d) == XA_OK;
}

/* ------------------------------------------------------------------ */
/* Checklists. */

static xa_err
checklist_touch(db *conn, int64_t checklist, int64_t now)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "UPDATE insp_checklists SET updated_at = ? WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, checklist);
	if ((e = step_done(st)) != XA_OK)
		return e;
	return db_changes(conn) == 1 ? XA_OK : XA_ENOTFOUND;
}

xa_err
insp_checklist_create(db *conn, const char *name, int64_t copy_from, int64_t by, int64_t now,
    int64_t *id)
{
	db_stmt *st = NULL;
	int64_t one;
	xa_err e;
	if (empty(name))
		return XA_EINVAL;
	if (copy_from > 0) {
		if ((e = db_prepare(conn, "SELECT 1 FROM insp_checklists WHERE id = ?", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, copy_from);
		if ((e = step_int(st, &one)) != XA_OK)
			return e;
	}
	if ((e = db_prepare(conn, "INSERT INTO insp_checklists (name, created_by, created_at,"
	    " updated_at) VALUES (?, ?, ?, ?)", &st)) != XA_OK)
		return e;
	db_bind_text(st, 1, name, -1);
	db_bind_int(st, 2, by);
	db_bind_int(st, 3, now);
	db_bind_int(st, 4, now);
	if ((e = step_done(st)) != XA_OK)
		return e;
	*id = db_last_id(conn);
	if (copy_from <= 0)
		return XA_OK;
	if ((e = db_prepare(conn, "INSERT INTO insp_checklist_items (checklist_id, part, position,"
	    " text, max_score, evidence_required) SELECT ?, part, position, text, max_score,"
	    " evidence_required FROM insp_checklist_items WHERE checklist_id = ?"
	    " ORDER BY part, position, id", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, *id);
	db_bind_int(st, 2, copy_from);
	return step_done(st);
}

/* The next position in part of checklist. */
static xa_err
next_position(db *conn, int64_t checklist, int part, int64_t *pos)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT coalesce(max(position), 0) + 1 FROM"
	    " insp_checklist_items WHERE checklist_id = ? AND part = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, checklist);
	db_bind_int(st, 2, part);
	return step_int(st, pos);
}

static int
item_ok(int part, const char *text, int max_score)
{
	return part >= 1 && part <= INSP_PARTS && !empty(text) && max_score >= 1 &&
	    max_score <= INSP_MAX_SCORE;
}

xa_err
insp_item_add(db *conn, int64_t checklist, int part, const char *text, int max_score,
    int evidence, int64_t now, int64_t *id)
{
	db_stmt *st = NULL;
	int64_t pos = 0, count = 0;
	xa_err e;
	if (!item_ok(part, text, max_score))
		return XA_EINVAL;
	if ((e = checklist_touch(conn, checklist, now)) != XA_OK)
		return e;
	if ((e = db_prepare(conn, "SELECT count(*) FROM insp_checklist_items WHERE checklist_id = ?",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, checklist);
	if ((e = step_int(st, &count)) != XA_OK)
		return e;
	if (count >= INSP_MAX_ITEMS)
		return XA_ETOOMANY;
	if ((e = next_position(conn, checklist, part, &pos)) != XA_OK)
		return e;
	if ((e = db_prepare(conn, "INSERT INTO insp_checklist_items (checklist_id, part, position,"
	    " text, max_score, evidence_required) VALUES (?, ?, ?, ?, ?, ?)", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, checklist);
	db_bind_int(st, 2, part);
	db_bind_int(st, 3, pos);
	db_bind_text(st, 4, text, -1);
	db_bind_int(st, 5, max_score);
	db_bind_int(st, 6, evidence ? 1 : 0);
	if ((e = step_done(st)) != XA_OK)
		return e;
	*id = db_last_id(conn);
	return XA_OK;
}

xa_err
insp_item_set(db *conn, int64_t checklist, int64_t item, int part, const char *text,
    int max_score, int evidence, int64_t now)
{
	db_stmt *st = NULL;
	int64_t cur = 0, pos = 0;
	xa_err e;
	if (!item_ok(part, text, max_score))
		return XA_EINVAL;
	if ((e = db_prepare(conn, "SELECT part FROM insp_checklist_items WHERE id = ?"
	    " AND checklist_id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, item);
	db_bind_int(st, 2, checklist);
	if ((e = step_int(st, &cur)) != XA_OK)
		return e;
	if (cur != part && (e = next_position(conn, checklist, part, &pos)) != XA_OK)
		return e;
	if ((e = db_prepare(conn, "UPDATE insp_checklist_items SET part = ?, position = CASE"
	    " WHEN ? > 0 THEN ? ELSE position END, text = ?, max_score = ?, evidence_required = ?"
	    " WHERE id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, part);
	db_bind_int(st, 2, pos);
	db_bind_int(st, 3, pos);
	db_bind_text(st, 4, text, -1);
	db_bind_int(st, 5, max_score);
	db_bind_int(st, 6, evidence ? 1 : 0);
	db_bind_int(st, 7, item);
	if ((e = step_done(st)) != XA_OK)
		return e;
	return checklist_touch(conn, checklist, now);
}

xa_err
insp_item_remove(db *conn, int64_t checklist, int64_t item, int64_t now)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "DELETE FROM insp_checklist_items WHERE id = ?"
	    " AND checklist_id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, item);
	db_bind_int(st, 2, checklist);
	if ((e = step_done(st)) != XA_OK)
		return e;
	if (db_changes(conn) != 1)
		return XA_ENOTFOUND;
	return checklist_touch(conn, checklist, now);
}

/* ------------------------------------------------------------------ */
/* Campaigns. */

/* Adds school unit to campaign: it must be an active school under within. */
static xa_err
campaign_school(db *conn, int64_t campaign, int64_t unit, const char *within)
{
	db_stmt *st = NULL;
	int64_t one;
	xa_err e = db_prepare(conn, "SELECT 1 FROM units WHERE id = ? AND kind = 'school'"
	    " AND active = 1 AND substr(path, 1, length(?)) = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	db_bind_text(st, 2, within, -1);
	db_bind_text(st, 3, within, -1);
	if ((e = step_int(st, &one)) != XA_OK)
		return e == XA_ENOTFOUND ? XA_EINVAL : e;
	if ((e = db_prepare(conn, "INSERT INTO insp_campaign_schools (campaign_id, unit_id)"
	    " VALUES (?, ?) ON CONFLICT DO NOTHING", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, campaign);
	db_bind_int(st, 2, unit);
	return step_done(st);
}

xa_err
insp_campaign_create(db *conn, const insp_campaign_new *c, int64_t by, int64_t now,
    int64_t *id)
{
	db_stmt *st = NULL;
	int64_t one, n = 0;
	xa_err e;
	const char *within = c->within ? c->within : "/";
	if (empty(c->name) || !date_ok(c->starts_on) || !date_ok(c->ends_on) ||
	    strcmp(c->starts_on, c->ends_on) > 0 || !known(insp_scopes, c->scope) ||
	    c->rectify_days < 1 || c->rectify_days > 365)
		return XA_EINVAL;
	if (strcmp(c->scope, "township") == 0) {
		if ((e = db_prepare(conn, "SELECT 1 FROM units WHERE id = ? AND kind = 'township'"
		    " AND substr(path, 1, length(?)) = ?", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, c->township_id);
		db_bind_text(st, 2, within, -1);
		db_bind_text(st, 3, within, -1);
		if ((e = step_int(st, &one)) != XA_OK)
			return e == XA_ENOTFOUND ? XA_EINVAL : e;
	}
	if (strcmp(c->scope, "list") == 0 && c->nschools == 0)
		return XA_EINVAL;
	if ((e = db_prepare(conn, "SELECT 1 FROM insp_checklists WHERE id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, c->checklist_id);
	if ((e = step_int(st, &one)) != XA_OK)
		return e;
	if ((e = db_prepare(conn, "INSERT INTO insp_campaigns (name, starts_on, ends_on,"
	    " checklist_id, scope, township_id, rectify_days, state, created_by, created_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?)", &st)) != XA_OK)
		return e;
	db_bind_text(st, 1, c->name, -1);
	db_bind_text(st, 2, c->starts_on, -1);
	db_bind_text(st, 3, c->ends_on, -1);
	db_bind_int(st, 4, c->checklist_id);
	db_bind_text(st, 5, c->scope, -1);
	if (strcmp(c->scope, "township") == 0)
		db_bind_int(st, 6, c->township_id);
	else
		db_bind_null(st, 6);
	db_bind_int(st, 7, c->rectify_days);
	db_bind_int(st, 8, by);
	db_bind_int(st, 9, now);
	if ((e = step_done(st)) != XA_OK)
		return e;
	*id = db_last_id(conn);
	if (strcmp(c->scope, "list") == 0) {
		for (size_t i = 0; i < c->nschools; i++)
			if ((e = campaign_school(conn, *id, c->schools[i], within)) != XA_OK)
				return e;
	} else {
		if ((e = db_prepare(conn, "INSERT INTO insp_campaign_schools (campaign_id, unit_id)"
		    " SELECT ?, id FROM units WHERE kind = 'school' AND active = 1"
		    " AND substr(path, 1, length(?)) = ? AND (? = 0 OR township_id = ?)", &st)) != XA_OK)
			return e;
		int64_t town = strcmp(c->scope, "township") == 0 ? c->township_id : 0;
		db_bind_int(st, 1, *id);
		db_bind_text(st, 2, within, -1);
		db_bind_text(st, 3, within, -1);
		db_bind_int(st, 4, town);
		db_bind_int(st, 5, town);
		if ((e = step_done(st)) != XA_OK)
			return e;
	}
	if ((e = db_prepare(conn, "SELECT count(*) FROM insp_campaign_schools WHERE campaign_id = ?",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, *id);
	if ((e = step_int(st, &n)) != XA_OK)
		return e;
	if (n == 0)
		return XA_EINVAL;
	for (size_t i = 0; i < c->ninspectors; i++) {
		/* An inspector is an enabled account of the bureau with a
		 * bureau role. */
		if ((e = db_prepare(conn, "SELECT 1 FROM accounts a JOIN units u ON u.id = a.unit_id"
		    " WHERE a.id = ? AND a.disabled = 0 AND substr(u.path, 1, length(?)) = ?"
		    " AND EXISTS (SELECT 1 FROM account_roles r WHERE r.account_id = a.id"
		    " AND r.role IN ('inspector', 'office_director', 'office_staff', 'leader'))",
		    &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, c->inspectors[i]);
		db_bind_text(st, 2, within, -1);
		db_bind_text(st, 3, within, -1);
		if ((e = step_int(st, &one)) != XA_OK)
			return e == XA_ENOTFOUND ? XA_EINVAL : e;
		if ((e = db_prepare(conn, "INSERT INTO insp_campaign_inspectors (campaign_id,"
		    " account_id) VALUES (?, ?) ON CONFLICT DO NOTHING", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, *id);
		db_bind_int(st, 2, c->inspectors[i]);
		if ((e = step_done(st)) != XA_OK)
			return e;
	}
	return XA_OK;
}

/* The campaign's state into out ("" when there is no such campaign). */
static xa_err
campaign_state(db *conn, int64_t id, char out[16])
{
	db_stmt *st = NULL;
	out[0] = '\0';
	xa_err e = db_prepare(conn, "SELECT state FROM insp_campaigns WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == 1)
		snprintf(out, 16, "%s", db_col_text(st, 0));
	db_done(st);
	return rc < 0 ? (xa_err)-rc : rc == 1 ? XA_OK : XA_ENOTFOUND;
}

xa_err
insp_campaign_open(db *conn, int64_t id, int64_t now)
{
	db_stmt *st = NULL;
	char state[16];
	xa_err e = campaign_state(conn, id, state);
	if (e != XA_OK)
		return e;
	if (strcmp(state, "draft") != 0)
		return XA_ECONFLICT;
	if ((e = db_prepare(conn, "INSERT INTO insp_campaign_items (campaign_id, part, position,"
	    " text, max_score, evidence_required) SELECT c.id, i.part, i.position, i.text,"
	    " i.max_score, i.evidence_required FROM insp_campaigns c JOIN insp_checklist_items i"
	    " ON i.checklist_id = c.checklist_id WHERE c.id = ? ORDER BY i.part, i.position, i.id",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	if ((e = step_done(st)) != XA_OK)
		return e;
	if (db_changes(conn) == 0)
		return XA_EINVAL;
	if ((e = db_prepare(conn, "UPDATE insp_campaigns SET state = 'open', opened_at = ?"
	    " WHERE id = ? AND state = 'draft'", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, id);
	return step_done(st);
}

xa_err
insp_campaign_close(db *conn, int64_t id, int64_t now)
{
	db_stmt *st = NULL;
	char state[16];
	xa_err e = campaign_state(conn, id, state);
	if (e != XA_OK)
		return e;
	if (strcmp(state, "open") != 0)
		return XA_ECONFLICT;
	if ((e = db_prepare(conn, "UPDATE insp_campaigns SET state = 'closed', closed_at = ?"
	    " WHERE id = ? AND state = 'open'", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, id);
	return step_done(st);
}

/* ------------------------------------------------------------------ */
/* Sheets. */

xa_err
insp_sheet(db *conn, int64_t campaign, int64_t unit, int64_t by, int64_t now,
    int64_t *inspection)
{
	db_stmt *st = NULL;
	int64_t one;
	char state[16];
	xa_err e = db_prepare(conn, "SELECT 1 FROM insp_campaign_schools WHERE campaign_id = ?"
	    " AND unit_id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, campaign);
	db_bind_int(st, 2, unit);
	if ((e = step_int(st, &one)) != XA_OK)
		return e;
	if ((e = db_prepare(conn, "SELECT id FROM insp_inspections WHERE campaign_id = ?"
	    " AND unit_id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, campaign);
	db_bind_int(st, 2, unit);
	e = step_int(st, inspection);
	if (e != XA_ENOTFOUND)
		return e;
	if ((e = campaign_state(conn, campaign, state)) != XA_OK)
		return e;
	if (strcmp(state, "open") != 0)
		return XA_ECONFLICT;
	if ((e = db_prepare(conn, "INSERT INTO insp_inspections (campaign_id, unit_id, state,"
	    " created_by, created_at, updated_by, updated_at) VALUES (?, ?, 'draft', ?, ?, ?, ?)",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, campaign);
	db_bind_int(st, 2, unit);
	db_bind_int(st, 3, by);
	db_bind_int(st, 4, now);
	db_bind_int(st, 5, by);
	db_bind_int(st, 6, now);
	if ((e = step_done(st)) != XA_OK)
		return e;
	*inspection = db_last_id(conn);
	return XA_OK;
}

/* Checks that inspection is a draft of an open campaign (XA_ECONFLICT
 * otherwise, XA_ENOTFOUND when there is none); its campaign and unit. */
static xa_err
sheet_writable(db *conn, int64_t inspection, int64_t *campaign, int64_t *unit)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT i.campaign_id, i.unit_id, i.state = 'draft'"
	    " AND c.state = 'open' FROM insp_inspections i JOIN insp_campaigns c"
	    " ON c.id = i.campaign_id WHERE i.id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, inspection);
	int rc = db_step(st);
	int ok = 0;
	if (rc == 1) {
		*campaign = db_col_int(st, 0);
		*unit = db_col_int(st, 1);
		ok = (int)db_col_int(st, 2);
	}
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (rc != 1)
		return XA_ENOTFOUND;
	return ok ? XA_OK : XA_ECONFLICT;
}

static xa_err
sheet_touch(db *conn, int64_t inspection, int64_t by, int64_t now)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "UPDATE insp_inspections SET updated_by = ?, updated_at = ?"
	    " WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, by);
	db_bind_int(st, 2, now);
	db_bind_int(st, 3, inspection);
	return step_done(st);
}

xa_err
insp_head_set(db *conn, int64_t inspection, const char *visited_on, const char *summary,
    int64_t by, int64_t now)
{
	db_stmt *st = NULL;
	int64_t campaign, unit;
	xa_err e;
	if (visited_on != NULL && visited_on[0] != '\0' && !date_ok(visited_on))
		return XA_EINVAL;
	if ((e = sheet_writable(conn, inspection, &campaign, &unit)) != XA_OK)
		return e;
	if ((e = db_prepare(conn, "UPDATE insp_inspections SET visited_on = coalesce(?, visited_on),"
	    " summary = coalesce(?, summary) WHERE id = ?", &st)) != XA_OK)
		return e;
	if (visited_on != NULL)
		db_bind_text(st, 1, visited_on, -1);
	else
		db_bind_null(st, 1);
	if (summary != NULL)
		db_bind_text(st, 2, summary, -1);
	else
		db_bind_null(st, 2);
	db_bind_int(st, 3, inspection);
	if ((e = step_done(st)) != XA_OK)
		return e;
	return sheet_touch(conn, inspection, by, now);
}

xa_err
insp_score_set(db *conn, int64_t inspection, int64_t item, int score, const char *note,
    int64_t by, int64_t now)
{
	db_stmt *st = NULL;
	int64_t campaign, unit, max = 0;
	xa_err e;
	if (score < 0)
		return XA_EINVAL;
	if ((e = sheet_writable(conn, inspection, &campaign, &unit)) != XA_OK)
		return e;
	if ((e = db_prepare(conn, "SELECT max_score FROM insp_campaign_items WHERE id = ?"
	    " AND campaign_id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, item);
	db_bind_int(st, 2, campaign);
	if ((e = step_int(st, &max)) != XA_OK)
		return e;
	if (score > max)
		return XA_ETOOBIG;
	if ((e = db_prepare(conn, "INSERT INTO insp_scores (inspection_id, item_id, score, note,"
	    " updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (inspection_id, item_id)"
	    " DO UPDATE SET score = excluded.score, note = excluded.note,"
	    " updated_by = excluded.updated_by, updated_at = excluded.updated_at", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, inspection);
	db_bind_int(st, 2, item);
	db_bind_int(st, 3, score);
	db_bind_text(st, 4, note ? note : "", -1);
	db_bind_int(st, 5, by);
	db_bind_int(st, 6, now);
	if ((e = step_done(st)) != XA_OK)
		return e;
	return sheet_touch(conn, inspection, by, now);
}

xa_err
insp_finding_add(db *conn, int64_t inspection, const char *finding, const char *requirement,
    const char *due_on, int64_t by, int64_t now, int64_t *task)
{
	db_stmt *st = NULL;
	int64_t campaign = 0, unit = 0;
	char cstate[16] = "";
	xa_err e;
	if (empty(finding) || !date_ok(due_on))
		return XA_EINVAL;
	if ((e = db_prepare(conn, "SELECT i.campaign_id, i.unit_id, c.state"
	    " FROM insp_inspections i JOIN insp_campaigns c ON c.id = i.campaign_id"
	    " WHERE i.id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, inspection);
	int rc = db_step(st);
	if (rc == 1) {
		campaign = db_col_int(st, 0);
		unit = db_col_int(st, 1);
		snprintf(cstate, sizeof cstate, "%s", db_col_text(st, 2));
	}
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (rc != 1)
		return XA_ENOTFOUND;
	if (strcmp(cstate, "closed") == 0)
		return XA_ECONFLICT;
	if ((e = db_prepare(conn, "INSERT INTO insp_tasks (inspection_id, campaign_id, unit_id,"
	    " item_id, finding, requirement, due_on, state, created_by, created_at)"
	    " VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, inspection);
	db_bind_int(st, 2, campaign);
	db_bind_int(st, 3, unit);
	db_bind_text(st, 4, finding, -1);
	db_bind_text(st, 5, requirement ? requirement : "", -1);
	db_bind_text(st, 6, due_on, -1);
	db_bind_text(st, 7, "open", -1);
	db_bind_int(st, 8, by);
	db_bind_int(st, 9, now);
	if ((e = step_done(st)) != XA_OK)
		return e;
	*task = db_last_id(conn);
	return XA_OK;
}

xa_err
insp_submit(db *conn, int64_t inspection, const char *due_on, int64_t by, int64_t now,
    enum insp_missing *missing, int64_t *item, int *ntasks)
{
	db_stmt *st = NULL;
	int64_t campaign, unit, total = 0, max_total = 0;
	xa_err e;
	*missing = IM_NONE;
	*item = 0;
	*ntasks = 0;
	if (!date_ok(due_on))
		return XA_EINVAL;
	if ((e = sheet_writable(conn, inspection, &campaign, &unit)) != XA_OK)
		return e;
	/* The first item unscored, then the first without its evidence. */
	if ((e = db_prepare(conn, "SELECT ci.id, s.score IS NULL, ci.evidence_required = 1"
	    " AND NOT EXISTS (SELECT 1 FROM insp_evidence v WHERE v.inspection_id = ?"
	    " AND v.item_id = ci.id) FROM insp_campaign_items ci LEFT JOIN insp_scores s"
	    " ON s.item_id = ci.id AND s.inspection_id = ? WHERE ci.campaign_id = ?"
	    " ORDER BY ci.part, ci.position, ci.id", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, inspection);
	db_bind_int(st, 2, inspection);
	db_bind_int(st, 3, campaign);
	int rc;
	while ((rc = db_step(st)) == 1) {
		if (db_col_int(st, 1) && *missing != IM_SCORE) {
			*missing = IM_SCORE;
			*item = db_col_int(st, 0);
		} else if (db_col_int(st, 2) && *missing == IM_NONE) {
			*missing = IM_EVIDENCE;
			*item = db_col_int(st, 0);
		}
	}
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (*missing == IM_NONE) {
		int64_t visited = 0;
		if ((e = db_prepare(conn, "SELECT visited_on <> '' FROM insp_inspections WHERE id = ?",
		    &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, inspection);
		if ((e = step_int(st, &visited)) != XA_OK)
			return e;
		if (!visited)
			*missing = IM_VISIT;
	}
	if (*missing != IM_NONE)
		return XA_EMISSING;
	if ((e = db_prepare(conn, "SELECT coalesce(sum(s.score), 0), coalesce(sum(ci.max_score), 0)"
	    " FROM insp_campaign_items ci JOIN insp_scores s ON s.item_id = ci.id"
	    " AND s.inspection_id = ? WHERE ci.campaign_id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, inspection);
	db_bind_int(st, 2, campaign);
	rc = db_step(st);
	if (rc == 1) {
		total = db_col_int(st, 0);
		max_total = db_col_int(st, 1);
	}
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	/* Every item below full score becomes a task. */
	if ((e = db_prepare(conn, "INSERT INTO insp_tasks (inspection_id, campaign_id, unit_id,"
	    " item_id, finding, requirement, due_on, state, created_by, created_at)"
	    " SELECT ?, ?, ?, ci.id, ci.text, s.note, ?, 'open', ?, ? FROM insp_campaign_items ci"
	    " JOIN insp_scores s ON s.item_id = ci.id AND s.inspection_id = ?"
	    " WHERE ci.campaign_id = ? AND s.score < ci.max_score ORDER BY ci.part, ci.position",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, inspection);
	db_bind_int(st, 2, campaign);
	db_bind_int(st, 3, unit);
	db_bind_text(st, 4, due_on, -1);
	db_bind_int(st, 5, by);
	db_bind_int(st, 6, now);
	db_bind_int(st, 7, inspection);
	db_bind_int(st, 8, campaign);
	if ((e = step_done(st)) != XA_OK)
		return e;
	*ntasks = (int)db_changes(conn);
	if ((e = db_prepare(conn, "UPDATE insp_inspections SET state = 'submitted', total = ?,"
	    " max_total = ?, submitted_by = ?, submitted_at = ?, updated_by = ?, updated_at = ?"
	    " WHERE id = ? AND state = 'draft'", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, total);
	db_bind_int(st, 2, max_total);
	db_bind_int(st, 3, by);
	db_bind_int(st, 4, now);
	db_bind_int(st, 5, by);
	db_bind_int(st, 6, now);
	db_bind_int(st, 7, inspection);
	if ((e = step_done(st)) != XA_OK)
		return e;
	return db_changes(conn) == 1 ? XA_OK : XA_ECONFLICT;
}

xa_err
insp_evidence_add(db *conn, int64_t unit, int64_t inspection, int64_t item, int64_t event,
    const char *filename, const char *mime, const void *data, size_t len, int64_t by,
    int64_t now, int64_t *id)
{
	db_stmt *st = NULL;
	xa_err e;
	if (len == 0 || len > (size_t)INSP_EVIDENCE_MAX || empty(mime))
		return XA_EINVAL;
	if ((e = db_prepare(conn, "INSERT INTO insp_evidence (unit_id, inspection_id, item_id,"
	    " event_id, filename, mime, size, data, created_by, created_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	if (inspection > 0) {
		db_bind_int(st, 2, inspection);
		db_bind_int(st, 3, item);
	} else {
		db_bind_null(st, 2);
		db_bind_null(st, 3);
	}
	if (event > 0)
		db_bind_int(st, 4, event);
	else
		db_bind_null(st, 4);
	db_bind_text(st, 5, empty(filename) ? "evidence" : filename, -1);
	db_bind_text(st, 6, mime, -1);
	db_bind_int(st, 7, (int64_t)len);
	db_bind_blob(st, 8, data, len);
	db_bind_int(st, 9, by);
	db_bind_int(st, 10, now);
	if ((e = step_done(st)) != XA_OK)
		return e;
	*id = db_last_id(conn);
	return XA_OK;
}

/* ------------------------------------------------------------------ */
/* Rectification. */

static xa_err
task_event(db *conn, int64_t task, const char *kind, const char *text, const char *due,
    int64_t by, int64_t now, int64_t *event)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "INSERT INTO insp_task_events (task_id, kind, text, new_due_on,"
	    " by_account, at) VALUES (?, ?, ?, ?, ?, ?)", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, task);
	db_bind_text(st, 2, kind, -1);
	db_bind_text(st, 3, text ? text : "", -1);
	db_bind_text(st, 4, due ? due : "", -1);
	db_bind_int(st, 5, by);
	db_bind_int(st, 6, now);
	if ((e = step_done(st)) != XA_OK)
		return e;
	*event = db_last_id(conn);
	return XA_OK;
}

/* Moves task from state `from` to `to`; XA_ECONFLICT when it was not in
 * `from`, XA_ENOTFOUND when there is no such task. */
static xa_err
task_move(db *conn, int64_t task, const char *from, const char *to, const char *due,
    int64_t now)
{
	db_stmt *st = NULL;
	int64_t one;
	xa_err e = db_prepare(conn, "UPDATE insp_tasks SET state = ?, due_on = coalesce(?, due_on),"
	    " round = round + CASE WHEN ? = 'open' THEN 1 ELSE 0 END,"
	    " closed_at = CASE WHEN ? = 'closed' THEN ? ELSE closed_at END"
	    " WHERE id = ? AND state = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_text(st, 1, to, -1);
	if (due != NULL)
		db_bind_text(st, 2, due, -1);
	else
		db_bind_null(st, 2);
	db_bind_text(st, 3, to, -1);
	db_bind_text(st, 4, to, -1);
	db_bind_int(st, 5, now);
	db_bind_int(st, 6, task);
	db_bind_text(st, 7, from, -1);
	if ((e = step_done(st)) != XA_OK)
		return e;
	if (db_changes(conn) == 1)
		return XA_OK;
	if ((e = db_prepare(conn, "SELECT 1 FROM insp_tasks WHERE id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, task);
	e = step_int(st, &one);
	return e == XA_OK ? XA_ECONFLICT : e;
}

xa_err
insp_task_answer(db *conn, int64_t task, const char *text, int64_t by, int64_t now,
    int64_t *event)
{
	if (empty(text))
		return XA_EINVAL;
	xa_err e = task_move(conn, task, "open", "answered", NULL, now);
	if (e != XA_OK)
		return e;
	return task_event(conn, task, "answer", text, NULL, by, now, event);
}

xa_err
insp_task_recheck(db *conn, int64_t task, int passed, const char *note, const char *new_due,
    int64_t by, int64_t now, int64_t *event)
{
	if (!passed && !date_ok(new_due))
		return XA_EINVAL;
	xa_err e = task_move(conn, task, "answered", passed ? "closed" : "open",
	    passed ? NULL : new_due, now);
	if (e != XA_OK)
		return e;
	return task_event(conn, task, passed ? "passed" : "failed", note, passed ? NULL : new_due,
	    by, now, event);
}

int
insp_task_overdue(const char *state, const char *due_on, xa_day today)
{
	xa_day due;
	if (state == NULL || strcmp(state, "open") != 0 || due_on == NULL ||
	    day_parse(due_on, &due) != XA_OK)
		return 0;
	return today > due;
}

/* ------------------------------------------------------------------ */
/* Results. */

static int
result_cmp(const void *a, const void *b)
{
	const insp_result *x = a, *y = b;
	if (x->township_id != y->township_id) {
		if (x->township_id == 0 || y->township_id == 0)
			return x->township_id == 0 ? 1 : -1;
		return x->township_id < y->township_id ? -1 : 1;
	}
	int c = strcmp(x->name, y->name);
	return c != 0 ? c : (x->unit_id < y->unit_id ? -1 : x->unit_id > y->unit_id);
}

static insp_result *
result_find(insp_result *list, size_t n, int64_t unit)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].unit_id == unit)
			return &list[i];
	return NULL;
}

xa_err
insp_results(db *conn, int64_t campaign, xa_day today, insp_result **out, size_t *n,
    insp_township **towns, size_t *ntowns)
{
	db_stmt *st = NULL;
	insp_result *list = NULL;
	insp_township *tl = NULL;
	size_t len = 0, cap = 0, tn = 0;
	xa_err e;
	int rc;
	*out = NULL;
	*towns = NULL;
	*n = *ntowns = 0;
	if ((e = db_prepare(conn, "SELECT u.id, u.name, u.path, coalesce(u.township_id, 0),"
	    " coalesce(t.name, ''), coalesce(i.id, 0), coalesce(i.state = 'submitted', 0),"
	    " coalesce(i.total, 0), coalesce(i.max_total, 0) FROM insp_campaign_schools cs"
	    " JOIN units u ON u.id = cs.unit_id LEFT JOIN units t ON t.id = u.township_id"
	    " LEFT JOIN insp_inspections i ON i.campaign_id = cs.campaign_id"
	    " AND i.unit_id = cs.unit_id WHERE cs.campaign_id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, campaign);
	while ((rc = db_step(st)) == 1) {
		if (len == cap) {
			size_t nc = cap ? cap * 2 : 32;
			insp_result *nl = realloc(list, nc * sizeof *nl);
			if (nl == NULL) {
				rc = -XA_ENOMEM;
				break;
			}
			list = nl;
			cap = nc;
		}
		insp_result *r = &list[len++];
		memset(r, 0, sizeof *r);
		r->unit_id = db_col_int(st, 0);
		/* A path that does not fit names no unit a reach check could
		 * pass: the row is left out. */
		if (!utf8_copy(r->path, sizeof r->path, db_col_text(st, 2))) {
			len--;
			continue;
		}
		(void)utf8_copy(r->name, sizeof r->name, db_col_text(st, 1));
		r->township_id = db_col_int(st, 3);
		(void)utf8_copy(r->township, sizeof r->township, db_col_text(st, 4));
		r->inspection_id = db_col_int(st, 5);
		r->submitted = (int)db_col_int(st, 6);
		r->total = (int)db_col_int(st, 7);
		r->max_total = (int)db_col_int(st, 8);
	}
	db_done(st);
	if (rc < 0)
		goto step_fail;
	/* Scores by part, of submitted sheets. */
	if ((e = db_prepare(conn, "SELECT i.unit_id, ci.part, sum(s.score), sum(ci.max_score)"
	    " FROM insp_inspections i JOIN insp_scores s ON s.inspection_id = i.id"
	    " JOIN insp_campaign_items ci ON ci.id = s.item_id WHERE i.campaign_id = ?"
	    " AND i.state = 'submitted' GROUP BY i.unit_id, ci.part", &st)) != XA_OK)
		goto fail;
	db_bind_int(st, 1, campaign);
	while ((rc = db_step(st)) == 1) {
		insp_result *r = result_find(list, len, db_col_int(st, 0));
		int part = (int)db_col_int(st, 1);
		if (r == NULL || part < 1 || part > INSP_PARTS)
			continue;
		r->part[part - 1] = (int)db_col_int(st, 2);
		r->part_max[part - 1] = (int)db_col_int(st, 3);
	}
	db_done(st);
	if (rc < 0)
		goto step_fail;
	/* Tasks not closed, and those overdue. */
	if ((e = db_prepare(conn, "SELECT unit_id, state, due_on FROM insp_tasks"
	    " WHERE campaign_id = ? AND state IN ('open', 'answered')", &st)) != XA_OK)
		goto fail;
	db_bind_int(st, 1, campaign);
	while ((rc = db_step(st)) == 1) {
		insp_result *r = result_find(list, len, db_col_int(st, 0));
		if (r == NULL)
			continue;
		r->open_tasks++;
		r->overdue_tasks += insp_task_overdue(db_col_text(st, 1), db_col_text(st, 2), today);
	}
	db_done(st);
	if (rc < 0)
		goto step_fail;
	if (len > 0)
		qsort(list, len, sizeof *list, result_cmp);
	if ((e = insp_townships(list, len, &tl, &tn)) != XA_OK)
		goto fail;
	*out = list;
	*n = len;
	*towns = tl;
	*ntowns = tn;
	return XA_OK;
step_fail:
	e = (xa_err)-rc;
fail:
	free(list);
	free(tl);
	return e;
}

xa_err
insp_townships(const insp_result *res, size_t len, insp_township **towns, size_t *ntowns)
{
	size_t tn = 0;
	*towns = NULL;
	*ntowns = 0;
	/* Townships, in the schools' order. */
	insp_township *tl = calloc(len > 0 ? len : 1, sizeof *tl);
	if (tl == NULL)
		return XA_ENOMEM;
	for (size_t i = 0; i < len; i++) {
		const insp_result *r = &res[i];
		insp_township *t = tn > 0 && tl[tn - 1].id == r->township_id ? &tl[tn - 1] : NULL;
		if (t == NULL) {
			t = &tl[tn++];
			t->id = r->township_id;
			(void)utf8_copy(t->name, sizeof t->name, r->township);
		}
		t->schools++;
		if (r->submitted) {
			t->inspected++;
			/* The sum of totals, kept here until the average is taken. */
			t->avg_tenths += r->total;
		}
		t->open_tasks += r->open_tasks;
		t->overdue_tasks += r->overdue_tasks;
	}
	for (size_t i = 0; i < tn; i++) {
		insp_township *t = &tl[i];
		/* Tenths, rounded half up: (20 sum + n) / 2n. */
		t->avg_tenths = t->inspected > 0 ? (t->avg_tenths * 20 + t->inspected) /
		    (2L * t->inspected) : 0;
	}
	*towns = tl;
	*ntowns = tn;
	return XA_OK;
}

/* ------------------------------------------------------------------ */
/* Accountability. */

/* 1 when s is YYYY-MM with a month 01..12. */
static int
month_ok(const char *s)
{
	if (s == NULL || strlen(s) != 7 || s[4] != '-')
		return 0;
	for (int i = 0; i < 7; i++)
		if (i != 4 && (s[i] < '0' || s[i] > '9'))
			return 0;
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	return m >= 1 && m <= 12 && s[0] != '0';
}

xa_err
acc_record_add(db *conn, const acc_record *rec, int64_t by, int64_t now, int64_t *id)
{
	db_stmt *st = NULL;
	int64_t one;
	xa_err e;
	int person = rec->subject != NULL && strcmp(rec->subject, "person") == 0;
	if (!known(acc_subjects, rec->subject) || !known(acc_reasons, rec->reason) ||
	    !known(acc_measures, rec->measure) || rec->unit_id <= 0 || empty(rec->decided_by) ||
	    !date_ok(rec->decided_on) || empty(rec->decision) ||
	    (person && (empty(rec->person_name) || empty(rec->person_post))))
		return XA_EINVAL;
	if (strcmp(rec->reason, "late_return") == 0 && !month_ok(rec->reference))
		return XA_EINVAL;
	if (strcmp(rec->reason, "other") == 0 && empty(rec->reference))
		return XA_EINVAL;
	if (strcmp(rec->reason, "case") == 0 || strcmp(rec->reason, "inspection") == 0) {
		if (rec->ref_id <= 0)
			return XA_EINVAL;
		e = db_prepare(conn, strcmp(rec->reason, "case") == 0 ?
		    "SELECT 1 FROM cases WHERE id = ?" :
		    "SELECT 1 FROM insp_inspections WHERE id = ?", &st);
		if (e != XA_OK)
			return e;
		db_bind_int(st, 1, rec->ref_id);
		if ((e = step_int(st, &one)) != XA_OK)
			return e;
	}
	if ((e = db_prepare(conn, "SELECT 1 FROM units WHERE id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, rec->unit_id);
	if ((e = step_int(st, &one)) != XA_OK)
		return e == XA_ENOTFOUND ? XA_EINVAL : e;
	if (rec->corrects > 0) {
		int64_t free_ = 0;
		if ((e = db_prepare(conn, "SELECT corrected_by IS NULL FROM accountability"
		    " WHERE id = ?", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, rec->corrects);
		if ((e = step_int(st, &free_)) != XA_OK)
			return e;
		if (!free_)
			return XA_ECONFLICT;
	}
	if ((e = db_prepare(conn, "INSERT INTO accountability (subject_kind, person_name,"
	    " person_post, unit_id, reason, ref_id, reference, measure, decided_by, decided_on,"
	    " decision, corrects, recorded_by, recorded_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st)) != XA_OK)
		return e;
	db_bind_text(st, 1, rec->subject, -1);
	db_bind_text(st, 2, person ? rec->person_name : "", -1);
	db_bind_text(st, 3, person ? rec->person_post : "", -1);
	db_bind_int(st, 4, rec->unit_id);
	db_bind_text(st, 5, rec->reason, -1);
	int refd = strcmp(rec->reason, "case") == 0 || strcmp(rec->reason, "inspection") == 0;
	db_bind_int(st, 6, refd ? rec->ref_id : 0);
	db_bind_text(st, 7, refd || rec->reference == NULL ? "" : rec->reference, -1);
	db_bind_text(st, 8, rec->measure, -1);
	db_bind_text(st, 9, rec->decided_by, -1);
	db_bind_text(st, 10, rec->decided_on, -1);
	db_bind_text(st, 11, rec->decision, -1);
	if (rec->corrects > 0)
		db_bind_int(st, 12, rec->corrects);
	else
		db_bind_null(st, 12);
	db_bind_int(st, 13, by);
	db_bind_int(st, 14, now);
	if ((e = step_done(st)) != XA_OK)
		return e;
	*id = db_last_id(conn);
	if (rec->corrects > 0) {
		if ((e = db_prepare(conn, "UPDATE accountability SET corrected_by = ? WHERE id = ?"
		    " AND corrected_by IS NULL", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, *id);
		db_bind_int(st, 2, rec->corrects);
		if ((e = step_done(st)) != XA_OK)
			return e;
		if (db_changes(conn) != 1)
			return XA_ECONFLICT;
	}
	return XA_OK;
}

/* ------------------------------------------------------------------ */
/* The demo. */

#define DEMO_SOURCE "xiaoan demo"
#define DEMO_ZONE (8 * 3600L)

struct demo {
	db *d;
	const uint8_t *akey;
	uint64_t rng;
	int64_t now;
	int64_t by;		/* the inspector (or the system, 0) */
	int64_t unit;		/* the inspector's unit */
};

/* splitmix64. */
static uint64_t
demo_next(struct demo *g)
{
	uint64_t z = (g->rng += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static int
demo_pick(struct demo *g, int n)
{
	return n > 0 ? (int)(demo_next(g) % (uint64_t)n) : 0;
}

static xa_err
demo_audit(struct demo *g, int64_t by, const char *action, const char *type, int64_t id,
    const char *fields)
{
	audit_entry ae = { by, g->unit, action, type, id, fields, "", DEMO_SOURCE };
	return audit_append(g->d, g->akey, &ae, g->now);
}

static const char *const demo_notes[] = {
	"制度文本不全，部分内容未结合本校实际。",
	"台账资料不完整，缺少近两个月的记录。",
	"已开展工作但佐证材料不足。",
	"部分班级未落实，覆盖面不够。",
};
static const char *const demo_answers[] = {
	"已召开专题会议研究整改，补充完善了相关制度并印发全体教职工。",
	"已补齐台账资料，明确专人负责，每月检查一次。",
	"已组织未覆盖班级补开主题班会，并留存照片和签到表。",
};

xa_err
inspect_demo(db *d, uint64_t seed, int64_t now, FILE *out, char *err, size_t errlen)
{
	struct demo g = { .d = d, .rng = seed ^ 0x696e73706563ULL, .now = now };
	db_stmt *st = NULL;
	int64_t bureau = 0, town = 0, inspector = 0, director = 0, cid = 0, one;
	char bpath[96] = "", day[11], y[5];
	xa_err e;
	int sheets = 0, ntasks = 0, overdue = 0, answered = 0, closed = 0, accn = 0;
	if (keys_get() == NULL) {
		snprintf(err, errlen, "the keys are not loaded");
		return XA_ECONFIG;
	}
	g.akey = keys_get()->audit;
	xa_day today = day_of(now, DEMO_ZONE);
	day_format(today, day);
	memcpy(y, day, 4);
	y[4] = '\0';
	/* The bureau, an inspector and the office's director. */
	if ((e = db_prepare(d, "SELECT id, path FROM units WHERE kind = 'bureau' ORDER BY id"
	    " LIMIT 1", &st)) != XA_OK)
		goto fail;
	if (db_step(st) == 1) {
		bureau = db_col_int(st, 0);
		snprintf(bpath, sizeof bpath, "%s", db_col_text(st, 1));
	}
	db_done(st);
	if (bureau == 0) {
		snprintf(err, errlen, "inspection demo: no bureau");
		return XA_ENOTFOUND;
	}
	if ((e = db_prepare(d, "SELECT coalesce(min(a.id), 0) FROM accounts a JOIN account_roles r"
	    " ON r.account_id = a.id WHERE r.role = 'inspector' AND a.disabled = 0", &st)) != XA_OK)
		goto fail;
	(void)step_int(st, &inspector);
	if ((e = db_prepare(d, "SELECT coalesce(min(a.id), 0) FROM accounts a JOIN account_roles r"
	    " ON r.account_id = a.id WHERE r.role IN ('office_director', 'leader')"
	    " AND a.disabled = 0", &st)) != XA_OK)
		goto fail;
	(void)step_int(st, &director);
	g.by = inspector;
	g.unit = bureau;
	/* Part of the city: the first two townships. */
	int64_t towns[2] = { 0, 0 };
	size_t nt = 0;
	if ((e = db_prepare(d, "SELECT id FROM units WHERE kind = 'township' AND active = 1"
	    " ORDER BY id LIMIT 2", &st)) != XA_OK)
		goto fail;
	while (db_step(st) == 1 && nt < 2)
		towns[nt++] = db_col_int(st, 0);
	db_done(st);
	if (nt == 0) {
		if (out != NULL)
			fprintf(out, "inspection: no township, no campaign\n");
		return XA_OK;
	}
	town = towns[0];
	/* This year's campaign, opened in spring and running to August. */
	char starts[11], ends[11], name[128];
	snprintf(starts, sizeof starts, "%s-03-01", y);
	snprintf(ends, sizeof ends, "%s-08-31", y);
	if (strcmp(starts, day) > 0)
		snprintf(starts, sizeof starts, "%s-01-02", y);
	snprintf(name, sizeof name, "%s年学生欺凌防治工作专项督导", y);
	/* The schools of both townships, as a list. */
	int64_t *schools = NULL;
	size_t ns = 0, cap = 0;
	if ((e = db_prepare(d, "SELECT id FROM units WHERE kind = 'school' AND active = 1"
	    " AND township_id IN (?, ?) ORDER BY id", &st)) != XA_OK)
		goto fail;
	db_bind_int(st, 1, towns[0]);
	db_bind_int(st, 2, nt > 1 ? towns[1] : towns[0]);
	int rc;
	while ((rc = db_step(st)) == 1) {
		if (ns == cap) {
			size_t nc = cap ? cap * 2 : 32;
			int64_t *n2 = realloc(schools, nc * sizeof *n2);
			if (n2 == NULL) {
				rc = -XA_ENOMEM;
				break;
			}
			schools = n2;
			cap = nc;
		}
		schools[ns++] = db_col_int(st, 0);
	}
	db_done(st);
	if (rc < 0 || ns == 0) {
		free(schools);
		if (rc < 0) {
			e = (xa_err)-rc;
			goto fail;
		}
		if (out != NULL)
			fprintf(out, "inspection: no school to inspect\n");
		return XA_OK;
	}
	insp_campaign_new c = { .name = name, .starts_on = starts, .ends_on = ends,
		.checklist_id = 1, .scope = "list", .township_id = town, .schools = schools,
		.nschools = ns, .inspectors = inspector > 0 ? &inspector : NULL,
		.ninspectors = inspector > 0 ? 1 : 0, .rectify_days = 30, .within = bpath };
	e = insp_campaign_create(d, &c, g.by, now, &cid);
	if (e == XA_OK)
		e = demo_audit(&g, g.by, "inspect.campaign_create", "insp_campaign", cid,
		    "name,starts_on,ends_on,checklist_id,scope,schools,inspectors,rectify_days");
	if (e == XA_OK)
		e = insp_campaign_open(d, cid, now);
	if (e == XA_OK)
		e = demo_audit(&g, g.by, "inspect.campaign_open", "insp_campaign", cid, "state");
	/* Three schools in four visited and submitted; the last ones wait. */
	for (size_t i = 0; i < ns && e == XA_OK; i++) {
		if (i % 4 == 3)
			continue;
		int64_t sheet = 0, item_missing = 0;
		enum insp_missing miss;
		int nt2 = 0;
		xa_day visit = today - 40 - demo_pick(&g, 30);
		char vd[11], due[11];
		day_format(visit, vd);
		if ((e = insp_sheet(d, cid, schools[i], g.by, now, &sheet)) != XA_OK)
			break;
		if ((e = insp_head_set(d, sheet, vd, "学校防治学生欺凌工作机构健全，"
		    "日常管理和预防措施总体落实，个别方面需要整改。", g.by, now)) != XA_OK)
			break;
		/* Scores: mostly full marks, a few items short. */
		if ((e = db_prepare(d, "SELECT id, max_score, evidence_required FROM"
		    " insp_campaign_items WHERE campaign_id = ? ORDER BY part, position", &st)) != XA_OK)
			break;
		db_bind_int(st, 1, cid);
		struct it {
			int64_t id;
			int max, ev;
		} items[INSP_MAX_ITEMS];
		size_t ni = 0;
		while (db_step(st) == 1 && ni < INSP_MAX_ITEMS) {
			items[ni].id = db_col_int(st, 0);
			items[ni].max = (int)db_col_int(st, 1);
			items[ni].ev = (int)db_col_int(st, 2);
			ni++;
		}
		db_done(st);
		for (size_t k = 0; k < ni && e == XA_OK; k++) {
			int short_ = demo_pick(&g, 7) == 0;
			int score = short_ ? items[k].max - 1 - demo_pick(&g, items[k].max) : items[k].max;
			if (score < 0)
				score = 0;
			e = insp_score_set(d, sheet, items[k].id, score,
			    short_ ? demo_notes[demo_pick(&g, 4)] : "", g.by, now);
			if (e == XA_OK && items[k].ev) {
				/* A scanned page (a tiny PDF) as evidence. */
				static const char pdf[] = "%PDF-1.4\n% xiaoan demo evidence\n%%EOF\n";
				int64_t ev;
				e = insp_evidence_add(d, schools[i], sheet, items[k].id, 0, "佐证材料.pdf",
				    "application/pdf", pdf, sizeof pdf - 1, g.by, now, &ev);
			}
		}
		if (e == XA_OK)
			e = demo_audit(&g, g.by, "inspect.score", "insp_inspection", sheet,
			    "visited_on,summary,scores,notes,evidence");
		/* Deadlines: a third already passed. */
		day_format(i % 3 == 0 ? visit + 20 : today + 10 + demo_pick(&g, 20), due);
		if (e == XA_OK)
			e = insp_submit(d, sheet, due, g.by, now, &miss, &item_missing, &nt2);
		if (e == XA_OK)
			e = demo_audit(&g, g.by, "inspect.submit", "insp_inspection", sheet,
			    "state,total,tasks");
		if (e != XA_OK)
			break;
		sheets++;
		ntasks += nt2;
		/* The school's answers and the re-checks. */
		int64_t prin = 0;
		if ((e = db_prepare(d, "SELECT coalesce(min(a.id), 0) FROM accounts a"
		    " JOIN account_roles r ON r.account_id = a.id WHERE a.unit_id = ?"
		    " AND r.role = 'principal'", &st)) != XA_OK)
			break;
		db_bind_int(st, 1, schools[i]);
		(void)step_int(st, &prin);
		if ((e = db_prepare(d, "SELECT id, due_on FROM insp_tasks WHERE inspection_id = ?"
		    " ORDER BY id", &st)) != XA_OK)
			break;
		db_bind_int(st, 1, sheet);
		int64_t tids[INSP_MAX_ITEMS];
		size_t ntid = 0;
		while (db_step(st) == 1 && ntid < INSP_MAX_ITEMS)
			tids[ntid++] = db_col_int(st, 0);
		db_done(st);
		for (size_t k = 0; k < ntid && e == XA_OK; k++) {
			int fate = demo_pick(&g, 3);	/* 0 left, 1 answered, 2 closed */
			int64_t ev;
			if (fate == 0) {
				overdue += i % 3 == 0;
				continue;
			}
			e = insp_task_answer(d, tids[k], demo_answers[demo_pick(&g, 3)], prin, now, &ev);
			if (e == XA_OK) {
				audit_entry ae = { prin, schools[i], "inspect.answer", "insp_task", tids[k],
					"text", "", DEMO_SOURCE };
				e = audit_append(d, g.akey, &ae, now);
			}
			if (e == XA_OK && fate == 2) {
				e = insp_task_recheck(d, tids[k], 1, "经复查，整改到位。", NULL, g.by, now, &ev);
				if (e == XA_OK)
					e = demo_audit(&g, g.by, "inspect.recheck", "insp_task", tids[k],
					    "result,note");
				closed++;
			} else {
				answered++;
			}
		}
	}
	free(schools);
	if (e != XA_OK)
		goto fail;
	/* Accountability: a late return and an inspection. */
	if ((e = db_prepare(d, "SELECT min(unit_id) FROM insp_inspections WHERE campaign_id = ?"
	    " AND state = 'submitted'", &st)) != XA_OK)
		goto fail;
	db_bind_int(st, 1, cid);
	one = 0;
	(void)step_int(st, &one);
	if (one > 0) {
		int64_t insp = 0, aid;
		char month[8], dec[11];
		xa_day m = today - 40;
		char md[11];
		day_format(m, md);
		snprintf(month, sizeof month, "%.7s", md);
		day_format(today - 5, dec);
		if ((e = db_prepare(d, "SELECT id FROM insp_inspections WHERE campaign_id = ?"
		    " AND unit_id = ?", &st)) != XA_OK)
			goto fail;
		db_bind_int(st, 1, cid);
		db_bind_int(st, 2, one);
		if ((e = step_int(st, &insp)) != XA_OK)
			goto fail;
		acc_record a1 = { .subject = "unit", .unit_id = one, .reason = "late_return",
			.reference = month, .measure = "circular", .decided_by = "市教体局学生欺凌防治工作领导小组办公室",
			.decided_on = dec, .decision = "该校未按时报送学生欺凌事件月报，经催报后仍逾期，"
			"予以通报批评，限期补报并说明情况。" };
		if ((e = acc_record_add(d, &a1, director, now, &aid)) != XA_OK)
			goto fail;
		audit_entry ae = { director, bureau, "accountability.record", "accountability", aid,
			"subject,unit_id,reason,reference,measure,decided_by,decided_on,decision", "",
			DEMO_SOURCE };
		if ((e = audit_append(d, g.akey, &ae, now)) != XA_OK)
			goto fail;
		acc_record a2 = { .subject = "person", .person_name = "王建国", .person_post = "副校长（分管安全）",
			.unit_id = one, .reason = "inspection", .ref_id = insp, .measure = "interview",
			.decided_by = "市教体局督导室", .decided_on = dec, .decision = "督导发现该校防治"
			"学生欺凌工作制度落实不到位、台账缺失，对分管副校长进行约谈，责令限期整改。" };
		if ((e = acc_record_add(d, &a2, director, now, &aid)) != XA_OK)
			goto fail;
		ae.object_id = aid;
		if ((e = audit_append(d, g.akey, &ae, now)) != XA_OK)
			goto fail;
		accn = 2;
	}
	if (out != NULL)
		fprintf(out, "inspection: campaign %lld over %zu schools, %d sheets submitted,"
		    " %d rectification tasks (%d overdue, %d answered awaiting re-check, %d closed),"
		    " %d accountability records\n", (long long)cid, ns, sheets, ntasks, overdue,
		    answered, closed, accn);
	return XA_OK;
fail:
	snprintf(err, errlen, "inspection demo: %s", db_errmsg(d));
	return e;
}
