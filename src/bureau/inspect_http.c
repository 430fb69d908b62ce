/* inspect_http.c: the pages and API of inspection (督导), rectification
 * (整改) and accountability (问责) (inspect.h, docs/internals/inspection.md).
 *
 * The office and the inspectors (A_INSPECT_WRITE) edit checklists, run
 * campaigns, fill a school's sheet on a tablet item by item, write
 * findings and re-check the school's answers; the bureau reads every
 * school's results, a school its own (A_INSPECT_READ) and answers its
 * tasks (A_RECTIFY). Accountability records are read by the office
 * (A_ACCOUNTABILITY_READ) and recorded by its director and the leader
 * (A_ACCOUNTABILITY_WRITE); a record is never edited, only corrected by
 * another record naming it. Every change writes its audit record in the
 * same writer job.
 *
 * Never: answer an object out of the caller's reach other than exactly
 * like a missing one (404), show a school another school's sheet, task
 * or result, show a draft's scores to the school, or take a file other
 * than JPEG, PNG (cleaned of metadata) or PDF as evidence. */
#include "bureau_http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../auth/auth.h"
#include "../auth/session.h"
#include "../cases/attach.h"
#include "../cases/cases.h"
#include "../core/calendar.h"
#include "../core/config.h"
#include "../core/i18n.h"
#include "../core/utf8.h"
#include "../http/handler.h"
#include "../http/input.h"
#include "../http/server.h"
#include "inspect.h"

#define ID_MAX 999999999999LL
#define LIST_MAX 2000

/* ------------------------------------------------------------------ */
/* Small helpers. */

static xa_day
today_of(req *r)
{
	return day_of(now_s(), zone_of(r));
}

static const char *
label(const req *r, const char *prefix, const char *name)
{
	return i18n_name(r->lang, prefix, name);
}

static const char *
part_label(const req *r, int part)
{
	char k[4];
	snprintf(k, sizeof k, "%d", part);
	return label(r, "inspect.part", k);
}

/* "YYYY-MM-DD HH:MM" of t in the bureau's zone, in the arena. */
static const char *
when(req *r, int64_t t)
{
	char s[17];
	time_format(t, zone_of(r), ' ', s);
	const char *o = arena_strdup(r->a, s);
	return o ? o : "";
}

static int
is_school(const req *r)
{
	return strcmp(r->user->unit_kind, "school") == 0;
}

/* May the caller do a to the bureau-wide things (checklists, campaigns)? */
static int
bureau_may(const req *r, enum action a)
{
	return !is_school(r) && policy_allow(r->user, a, r->user->scope_path);
}

/* A copy of text in the request's arena ("" when out of memory). */
static const char *
adup(req *r, const char *text)
{
	const char *s = arena_strdup(r->a, text ? text : "");
	return s ? s : "";
}

/* A unit's path and name (in the arena); 0 when there is none. */
static int
unit_get(req *r, int64_t id, const char *kind, char path[96], const char **name)
{
	db_stmt *st = NULL;
	int found = 0;
	path[0] = '\0';
	*name = "";
	if (db_prepare(r->rdb, "SELECT path, name, kind FROM units WHERE id = ?", &st) != XA_OK)
		return 0;
	db_bind_int(st, 1, id);
	/* A path that does not fit names no unit a reach check could pass. */
	if (db_step(st) == 1 && (kind == NULL || strcmp(db_col_text(st, 2), kind) == 0) &&
	    utf8_copy(path, 96, db_col_text(st, 0))) {
		*name = adup(r, db_col_text(st, 1));
		found = 1;
	}
	db_done(st);
	return found;
}

static void
not_found(req *r)
{
	req_error(r, 404, "not_found", NULL);
}

/* A list of value/label options from a NULL-terminated list. */
static json_t *
options(const req *r, const char *prefix, const char *const *list)
{
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && list[i] != NULL; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "value", list[i], "label",
		    label(r, prefix, list[i])));
	return a;
}

static json_t *
part_options(const req *r)
{
	json_t *a = json_array();
	for (int p = 1; a != NULL && p <= INSP_PARTS; p++)
		json_array_append_new(a, json_pack("{s:i, s:s}", "value", p, "label",
		    part_label(r, p)));
	return a;
}

/* ------------------------------------------------------------------ */
/* Objects the caller may reach. */

/* Texts of any length are the arena's; short fixed words are copied. */
struct camp {
	int64_t id;
	const char *name;
	char starts_on[11], ends_on[11];
	int64_t checklist_id;
	const char *checklist;
	char scope[16];
	int64_t township_id;
	int rectify_days;
	char state[16];
	char owner[96];		/* the owning unit's path (INSP_CAMPAIGN_OWNER) */
};

/* 1 when campaign c covers school unit. */
static int
covers(req *r, int64_t campaign, int64_t unit)
{
	db_stmt *st = NULL;
	int yes = 0;
	if (db_prepare(r->rdb, "SELECT 1 FROM insp_campaign_schools WHERE campaign_id = ?"
	    " AND unit_id = ?", &st) != XA_OK)
		return 0;
	db_bind_int(st, 1, campaign);
	db_bind_int(st, 2, unit);
	yes = db_step(st) == 1;
	db_done(st);
	return yes;
}

/* The campaign of path parameter {id}: the bureau's readers see the
 * campaigns whose owning unit is in their reach, a school's only those
 * covering it, once open. 0 (answered 404) else. */
static int
camp_load(req *r, struct camp *c)
{
	db_stmt *st = NULL;
	int found = 0;
	memset(c, 0, sizeof *c);
	if (req_param_int(r, "id", &c->id) == XA_OK && db_prepare(r->rdb, "SELECT c.name,"
	    " c.starts_on, c.ends_on, c.checklist_id, l.name, c.scope, coalesce(c.township_id, 0),"
	    " c.rectify_days, c.state, " INSP_CAMPAIGN_OWNER " FROM insp_campaigns c"
	    " JOIN insp_checklists l ON l.id = c.checklist_id WHERE c.id = ?", &st) == XA_OK) {
		db_bind_int(st, 1, c->id);
		/* Dates, scope and state are short words the store wrote; an
		 * owner's path that does not fit is in nobody's reach. */
		if (db_step(st) == 1 && utf8_copy(c->owner, sizeof c->owner,
		    db_col_text(st, 9))) {
			c->name = adup(r, db_col_text(st, 0));
			snprintf(c->starts_on, sizeof c->starts_on, "%s", db_col_text(st, 1));
			snprintf(c->ends_on, sizeof c->ends_on, "%s", db_col_text(st, 2));
			c->checklist_id = db_col_int(st, 3);
			c->checklist = adup(r, db_col_text(st, 4));
			snprintf(c->scope, sizeof c->scope, "%s", db_col_text(st, 5));
			c->township_id = db_col_int(st, 6);
			c->rectify_days = (int)db_col_int(st, 7);
			snprintf(c->state, sizeof c->state, "%s", db_col_text(st, 8));
			found = 1;
		}
		db_done(st);
	}
	if (found && bureau_may(r, A_INSPECT_READ) &&
	    policy_allow(r->user, A_INSPECT_READ, c->owner))
		return 1;
	/* A school does not see a campaign before it opens. */
	if (found && is_school(r) && strcmp(c->state, "draft") != 0 &&
	    policy_allow(r->user, A_INSPECT_READ, r->user->unit_path) &&
	    covers(r, c->id, r->user->unit_id))
		return 1;
	not_found(r);
	return 0;
}

struct school {
	int64_t id;
	char path[96];
	const char *name;
};

/* The school of path parameter pname that the caller may act on with a;
 * 0 (answered 404) when there is none or it is out of reach. */
static int
school_load(req *r, const char *pname, enum action a, struct school *s)
{
	memset(s, 0, sizeof *s);
	if (req_param_int(r, pname, &s->id) != XA_OK ||
	    !unit_get(r, s->id, "school", s->path, &s->name) ||
	    !policy_allow(r->user, a, s->path)) {
		not_found(r);
		return 0;
	}
	return 1;
}

struct task {
	int64_t id;
	int64_t unit_id;
	char path[96];
	const char *school;
	int64_t campaign_id;
	const char *campaign;
	int64_t inspection_id;
	int64_t item_id;
	const char *finding;		/* up to INSP_TEXT_MAX code points */
	const char *requirement;
	char due_on[11];
	char state[16];
	int round;
	int64_t created_at;
};

static int
task_load(req *r, enum action a, struct task *t)
{
	db_stmt *st = NULL;
	int found = 0;
	memset(t, 0, sizeof *t);
	if (req_param_int(r, "id", &t->id) == XA_OK && db_prepare(r->rdb, "SELECT t.unit_id,"
	    " u.path, u.name, t.campaign_id, c.name, t.inspection_id, coalesce(t.item_id, 0),"
	    " t.finding, t.requirement, t.due_on, t.state, t.round, t.created_at FROM insp_tasks t"
	    " JOIN units u ON u.id = t.unit_id JOIN insp_campaigns c ON c.id = t.campaign_id"
	    " WHERE t.id = ?", &st) == XA_OK) {
		db_bind_int(st, 1, t->id);
		if (db_step(st) == 1 && utf8_copy(t->path, sizeof t->path, db_col_text(st, 1))) {
			t->unit_id = db_col_int(st, 0);
			t->school = adup(r, db_col_text(st, 2));
			t->campaign_id = db_col_int(st, 3);
			t->campaign = adup(r, db_col_text(st, 4));
			t->inspection_id = db_col_int(st, 5);
			t->item_id = db_col_int(st, 6);
			t->finding = adup(r, db_col_text(st, 7));
			t->requirement = adup(r, db_col_text(st, 8));
			snprintf(t->due_on, sizeof t->due_on, "%s", db_col_text(st, 9));
			snprintf(t->state, sizeof t->state, "%s", db_col_text(st, 10));
			t->round = (int)db_col_int(st, 11);
			t->created_at = db_col_int(st, 12);
			found = 1;
		}
		db_done(st);
	}
	if (!found || !policy_allow(r->user, a, t->path)) {
		not_found(r);
		return 0;
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* Writes: one job shape for every form. */

enum op {
	OP_CHECKLIST_NEW, OP_ITEM_ADD, OP_ITEM_SET, OP_ITEM_DEL, OP_CAMPAIGN_NEW, OP_OPEN,
	OP_CLOSE, OP_HEAD, OP_SCORE, OP_FINDING, OP_SUBMIT, OP_ANSWER, OP_RECHECK, OP_ACC
};

struct efile {
	const char *name;
	const char *mime;
	const void *data;
	size_t len;
};

struct job {
	req *r;
	enum op op;
	int64_t now;
	int64_t a, b, c;		/* ids: see each op */
	int ia, ib;
	const char *s1, *s2, *s3;
	insp_campaign_new cn;
	acc_record acc;
	struct efile files[INSP_EVIDENCE_FILES];
	size_t nfiles;
	const char *file_error;	/* set by the cleaning */
	/* results */
	int64_t id;
	int64_t sheet;
	enum insp_missing missing;
	int64_t miss_item;
	int ntasks;
	const char *back;	/* where a page goes after success */
};

static const char *const op_action[] = {
	[OP_CHECKLIST_NEW] = "inspect.checklist_create",
	[OP_ITEM_ADD] = "inspect.item_add",
	[OP_ITEM_SET] = "inspect.item_change",
	[OP_ITEM_DEL] = "inspect.item_remove",
	[OP_CAMPAIGN_NEW] = "inspect.campaign_create",
	[OP_OPEN] = "inspect.campaign_open",
	[OP_CLOSE] = "inspect.campaign_close",
	[OP_HEAD] = "inspect.visit",
	[OP_SCORE] = "inspect.score",
	[OP_FINDING] = "inspect.finding",
	[OP_SUBMIT] = "inspect.submit",
	[OP_ANSWER] = "inspect.answer",
	[OP_RECHECK] = "inspect.recheck",
	[OP_ACC] = "accountability.record",
};

/* Stores the job's evidence files, of a score or of an answer event. */
static xa_err
files_store(db *conn, struct job *j, int64_t unit, int64_t inspection, int64_t item,
    int64_t event)
{
	for (size_t i = 0; i < j->nfiles; i++) {
		int64_t id;
		xa_err e = insp_evidence_add(conn, unit, inspection, item, event, j->files[i].name,
		    j->files[i].mime, j->files[i].data, j->files[i].len, j->r->user->account_id,
		    j->now, &id);
		if (e != XA_OK)
			return e;
	}
	return XA_OK;
}

static xa_err
job_run(db *conn, void *p)
{
	struct job *j = p;
	req *r = j->r;
	int64_t by = r->user->account_id;
	xa_err e = XA_OK;
	const char *otype = "insp_campaign", *fields = "";
	int64_t oid = 0, event = 0;
	switch (j->op) {
	case OP_CHECKLIST_NEW:
		e = insp_checklist_create(conn, j->s1, j->a, by, j->now, &j->id);
		otype = "insp_checklist";
		oid = j->id;
		fields = j->a > 0 ? "name,copy_from" : "name";
		break;
	case OP_ITEM_ADD:
		e = insp_item_add(conn, j->a, j->ia, j->s1, j->ib, j->c != 0, j->now, &j->id);
		otype = "insp_checklist_item";
		oid = j->id;
		fields = "checklist_id,part,text,max_score,evidence_required";
		break;
	case OP_ITEM_SET:
		e = insp_item_set(conn, j->a, j->b, j->ia, j->s1, j->ib, j->c != 0, j->now);
		otype = "insp_checklist_item";
		oid = j->id = j->b;
		fields = "part,text,max_score,evidence_required";
		break;
	case OP_ITEM_DEL:
		e = insp_item_remove(conn, j->a, j->b, j->now);
		otype = "insp_checklist_item";
		oid = j->id = j->b;
		break;
	case OP_CAMPAIGN_NEW:
		e = insp_campaign_create(conn, &j->cn, by, j->now, &j->id);
		oid = j->id;
		fields = "name,starts_on,ends_on,checklist_id,scope,township_id,schools,inspectors,"
		    "rectify_days";
		break;
	case OP_OPEN:
		e = insp_campaign_open(conn, j->a, j->now);
		oid = j->id = j->a;
		fields = "state,items";
		break;
	case OP_CLOSE:
		e = insp_campaign_close(conn, j->a, j->now);
		oid = j->id = j->a;
		fields = "state";
		break;
	case OP_HEAD:
	case OP_SCORE:
	case OP_FINDING:
	case OP_SUBMIT:
		/* a: the campaign, b: the school. */
		e = insp_sheet(conn, j->a, j->b, by, j->now, &j->sheet);
		otype = "insp_inspection";
		oid = j->sheet;
		if (e != XA_OK)
			break;
		if (j->op == OP_HEAD) {
			e = insp_head_set(conn, j->sheet, j->s1, j->s2, by, j->now);
			fields = "visited_on,summary";
		} else if (j->op == OP_SCORE) {
			/* c: the item; ia: the score. */
			e = insp_score_set(conn, j->sheet, j->c, j->ia, j->s1, by, j->now);
			if (e == XA_OK)
				e = files_store(conn, j, j->b, j->sheet, j->c, 0);
			fields = j->nfiles > 0 ? "item,score,note,evidence" : "item,score,note";
		} else if (j->op == OP_FINDING) {
			e = insp_finding_add(conn, j->sheet, j->s1, j->s2, j->s3, by, j->now, &j->id);
			otype = "insp_task";
			oid = j->id;
			fields = "finding,requirement,due_on";
		} else {
			e = insp_submit(conn, j->sheet, j->s3, by, j->now, &j->missing, &j->miss_item,
			    &j->ntasks);
			fields = "state,total,tasks";
		}
		break;
	case OP_ANSWER:
		e = insp_task_answer(conn, j->a, j->s1, by, j->now, &event);
		if (e == XA_OK)
			e = files_store(conn, j, j->b, 0, 0, event);
		otype = "insp_task";
		oid = j->id = j->a;
		fields = j->nfiles > 0 ? "state,answer,evidence" : "state,answer";
		break;
	case OP_RECHECK:
		e = insp_task_recheck(conn, j->a, j->ia, j->s1, j->s3, by, j->now, &event);
		otype = "insp_task";
		oid = j->id = j->a;
		fields = j->ia ? "state,result,note" : "state,result,note,due_on";
		break;
	case OP_ACC:
		e = acc_record_add(conn, &j->acc, by, j->now, &j->id);
		otype = "accountability";
		oid = j->id;
		fields = j->acc.corrects > 0 ? "corrects,subject,unit_id,reason,reference,measure,"
		    "decided_by,decided_on,decision" : "subject,unit_id,reason,reference,measure,"
		    "decided_by,decided_on,decision";
		break;
	}
	if (e != XA_OK)
		return e;
	return audit_req(conn, r, op_action[j->op], otype, oid, fields, j->now);
}

/* The answer to a refused write: code and field by op and error. */
static void
job_refused(req *r, struct job *j, xa_err e)
{
	switch (e) {
	case XA_ETOOBIG:
		req_error(r, 400, "inspect_score_over_max", "score");
		return;
	case XA_ETOOMANY:
		req_error(r, 400, "inspect_too_many_items", NULL);
		return;
	case XA_EMISSING:
		req_error(r, 400, j->missing == IM_SCORE ? "inspect_unscored" :
		    j->missing == IM_EVIDENCE ? "inspect_evidence_missing" : "inspect_no_visit",
		    j->missing == IM_VISIT ? "visited_on" : "item");
		return;
	case XA_EINVAL:
		req_error(r, 400, j->op == OP_CAMPAIGN_NEW ? "inspect_bad_campaign" :
		    j->op == OP_OPEN ? "inspect_empty_checklist" :
		    j->op == OP_ACC ? "inspect_acc_invalid" :
		    j->op == OP_RECHECK ? "inspect_due_required" : "invalid_field", NULL);
		return;
	case XA_ENOTFOUND:
		if (j->op == OP_ACC) {
			req_error(r, 400, "inspect_acc_ref_unknown", "ref_id");
			return;
		}
		if (j->op == OP_CAMPAIGN_NEW) {
			req_error(r, 400, "inspect_no_checklist", "checklist_id");
			return;
		}
		not_found(r);
		return;
	case XA_ECONFLICT:
		req_error(r, 409, j->op == OP_OPEN ? "inspect_not_draft" :
		    j->op == OP_CLOSE ? "inspect_not_open" :
		    j->op == OP_ANSWER ? "inspect_task_not_open" :
		    j->op == OP_RECHECK ? "inspect_task_not_answered" :
		    j->op == OP_ACC ? "inspect_acc_corrected" :
		    j->op == OP_FINDING ? "inspect_campaign_closed" : "inspect_sheet_locked", NULL);
		return;
	default:
		req_error(r, 503, "unavailable", NULL);
	}
}

static void
job_done(req *r, void *ctx, xa_err result)
{
	struct job *j = ctx;
	if (result != XA_OK) {
		job_refused(r, j, result);
		return;
	}
	if (!is_api(r)) {
		/* A new record (or correction) opens on its own page. */
		req_redirect(r, j->op == OP_ACC ? arena_printf(r->a, "/accountability/%lld",
		    (long long)j->id) : j->back);
		return;
	}
	switch (j->op) {
	case OP_CHECKLIST_NEW:
		req_json(r, 201, json_pack("{s:{s:I}}", "checklist", "id", (json_int_t)j->id));
		return;
	case OP_ITEM_ADD:
		req_json(r, 201, json_pack("{s:{s:I}}", "item", "id", (json_int_t)j->id));
		return;
	case OP_ITEM_SET:
	case OP_ITEM_DEL:
		req_json(r, 200, json_pack("{s:{s:I, s:b}}", "item", "id", (json_int_t)j->id,
		    "removed", j->op == OP_ITEM_DEL));
		return;
	case OP_CAMPAIGN_NEW:
		req_json(r, 201, json_pack("{s:{s:I, s:s}}", "campaign", "id", (json_int_t)j->id,
		    "state", "draft"));
		return;
	case OP_OPEN:
	case OP_CLOSE:
		req_json(r, 200, json_pack("{s:{s:I, s:s}}", "campaign", "id", (json_int_t)j->id,
		    "state", j->op == OP_OPEN ? "open" : "closed"));
		return;
	case OP_HEAD:
	case OP_SCORE:
		req_json(r, 200, json_pack("{s:{s:I, s:s}}", "inspection", "id",
		    (json_int_t)j->sheet, "state", "draft"));
		return;
	case OP_FINDING:
		req_json(r, 201, json_pack("{s:{s:I, s:s, s:s}}", "task", "id", (json_int_t)j->id,
		    "state", "open", "due_on", j->s3));
		return;
	case OP_SUBMIT:
		req_json(r, 200, json_pack("{s:{s:I, s:s, s:i}}", "inspection", "id",
		    (json_int_t)j->sheet, "state", "submitted", "tasks", j->ntasks));
		return;
	case OP_ANSWER:
	case OP_RECHECK:
		req_json(r, 200, json_pack("{s:{s:I, s:s}}", "task", "id", (json_int_t)j->id,
		    "state", j->op == OP_ANSWER ? "answered" : j->ia ? "closed" : "open"));
		return;
	case OP_ACC:
		req_json(r, 201, json_pack("{s:{s:I, s:I}}", "record", "id", (json_int_t)j->id,
		    "corrects", (json_int_t)j->acc.corrects));
		return;
	}
	req_error(r, 500, "internal", NULL);
}

static struct job *
job_new(req *r, enum op op)
{
	struct job *j = arena_calloc(r->a, 1, sizeof *j);
	if (j == NULL) {
		req_error(r, 500, "internal", NULL);
		return NULL;
	}
	j->r = r;
	j->op = op;
	j->now = now_s();
	return j;
}

/* ---- Evidence files: checked on the loop, cleaned on a worker. */

static const char *
pdf_sniff(const unsigned char *d, size_t n)
{
	return n >= 5 && memcmp(d, "%PDF-", 5) == 0 ? "application/pdf" : NULL;
}

/* Takes the request's files into j: at most INSP_EVIDENCE_FILES, each
 * within the size cap, JPEG, PNG or PDF by their first bytes. 0 (and
 * answered 400) when one is refused. */
static int
files_take(req *r, struct job *j)
{
	size_t n = r->files ? r->files->nfiles : 0;
	size_t max = (size_t)INSP_EVIDENCE_MAX;
	if ((size_t)server_config(r->srv)->upload_max < max)
		max = (size_t)server_config(r->srv)->upload_max;
	if (n > INSP_EVIDENCE_FILES) {
		req_error(r, 400, "inspect_too_many_files", "files");
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const upload *u = &r->files->files[i];
		if (u->len == 0 || u->len > max) {
			req_error(r, 400, "inspect_file_too_large", "files");
			return 0;
		}
		const char *mime = attach_sniff(u->data, u->len);
		if (mime == NULL)
			mime = pdf_sniff(u->data, u->len);
		if (mime == NULL) {
			req_error(r, 400, "inspect_file_type", "files");
			return 0;
		}
		j->files[i].name = u->filename;
		j->files[i].mime = mime;
		j->files[i].data = u->data;
		j->files[i].len = u->len;
	}
	j->nfiles = n;
	return 1;
}

/* On a worker: photos lose their metadata (EXIF with places and
 * serials); a PDF is kept as it came. */
static void
files_clean(void *ctx)
{
	struct job *j = ctx;
	for (size_t i = 0; i < j->nfiles; i++) {
		if (strcmp(j->files[i].mime, "application/pdf") == 0)
			continue;
		const char *mime = NULL;
		void *out = NULL;
		size_t outlen = 0;
		if (attach_clean(j->r->a, j->files[i].data, j->files[i].len, &mime, &out,
		    &outlen) != XA_OK) {
			j->file_error = "inspect_file_type";
			return;
		}
		j->files[i].mime = mime;
		j->files[i].data = out;
		j->files[i].len = outlen;
	}
}

static void
files_cleaned(req *r, void *ctx, xa_err unused)
{
	struct job *j = ctx;
	(void)unused;
	if (j->file_error != NULL) {
		req_error(r, 400, j->file_error, "files");
		return;
	}
	req_write(r, job_run, j, job_done);
}

/* Runs j: through the cleaning first when it carries files. */
static void
job_go(req *r, struct job *j)
{
	if (j->nfiles > 0) {
		req_offload(r, files_clean, j, files_cleaned);
		return;
	}
	req_write(r, job_run, j, job_done);
}

/* ------------------------------------------------------------------ */
/* Checklists. */

static json_t *
checklist_items(req *r, int64_t checklist, int *total, int *count)
{
	db_stmt *st = NULL;
	json_t *parts = json_array();
	json_t *items[INSP_PARTS];
	int pmax[INSP_PARTS] = { 0 };
	for (int p = 0; p < INSP_PARTS; p++)
		items[p] = json_array();
	*total = *count = 0;
	if (db_prepare(r->rdb, "SELECT id, part, position, text, max_score, evidence_required"
	    " FROM insp_checklist_items WHERE checklist_id = ? ORDER BY part, position, id",
	    &st) == XA_OK) {
		db_bind_int(st, 1, checklist);
		while (db_step(st) == 1) {
			int p = (int)db_col_int(st, 1);
			if (p < 1 || p > INSP_PARTS)
				continue;
			int max = (int)db_col_int(st, 4);
			pmax[p - 1] += max;
			*total += max;
			(*count)++;
			json_array_append_new(items[p - 1], json_pack("{s:I, s:i, s:i, s:s, s:i, s:b}",
			    "id", (json_int_t)db_col_int(st, 0), "part", p, "position",
			    (int)db_col_int(st, 2), "text", db_col_text(st, 3), "max_score", max,
			    "evidence_required", (int)db_col_int(st, 5)));
		}
		db_done(st);
	}
	for (int p = 0; p < INSP_PARTS; p++)
		json_array_append_new(parts, json_pack("{s:i, s:s, s:i, s:o}", "part", p + 1,
		    "label", part_label(r, p + 1), "max_score", pmax[p], "items", items[p]));
	return parts;
}

/* GET /api/v1/inspections/checklists and the page. */
static void
checklists_list(req *r)
{
	db_stmt *st = NULL;
	if (!bureau_may(r, A_INSPECT_READ) && !(is_school(r) &&
	    policy_allow(r->user, A_INSPECT_READ, r->user->unit_path))) {
		not_found(r);
		return;
	}
	json_t *a = json_array();
	if (a != NULL && db_prepare(r->rdb, "SELECT l.id, l.name, l.updated_at, count(i.id),"
	    " coalesce(sum(i.max_score), 0) FROM insp_checklists l LEFT JOIN insp_checklist_items i"
	    " ON i.checklist_id = l.id GROUP BY l.id, l.name, l.updated_at ORDER BY l.id", &st) == XA_OK) {
		while (db_step(st) == 1) {
			int64_t id = db_col_int(st, 0);
			json_array_append_new(a, json_pack("{s:I, s:s, s:i, s:i, s:s, s:s}", "id",
			    (json_int_t)id, "name", db_col_text(st, 1), "items", (int)db_col_int(st, 3),
			    "total", (int)db_col_int(st, 4), "updated", db_col_int(st, 2) > 0 ?
			    when(r, db_col_int(st, 2)) : "", "href", arena_printf(r->a,
			    "/inspections/checklists/%lld", (long long)id)));
		}
		db_done(st);
	}
	req_answer(r, 200, json_pack("{s:{s:s}, s:o, s:b}", "page", "title_key",
	    "inspect.checklists_title", "checklists", a ? a : json_array(), "can_write",
	    bureau_may(r, A_INSPECT_WRITE)));
}

/* The checklist of path parameter {id} and its name (in the arena); 0
 * (answered 404) when none. */
static int
checklist_load(req *r, int64_t *id, const char **name)
{
	db_stmt *st = NULL;
	int found = 0;
	if (req_param_int(r, "id", id) == XA_OK && db_prepare(r->rdb,
	    "SELECT name FROM insp_checklists WHERE id = ?", &st) == XA_OK) {
		db_bind_int(st, 1, *id);
		if (db_step(st) == 1) {
			*name = adup(r, db_col_text(st, 0));
			found = 1;
		}
		db_done(st);
	}
	if (!found) {
		not_found(r);
		return 0;
	}
	return 1;
}

/* GET /api/v1/inspections/checklists/{id} and the page. */
static void
checklist_get(req *r)
{
	int64_t id;
	const char *name;
	int total, count;
	if (!bureau_may(r, A_INSPECT_READ) && !(is_school(r) &&
	    policy_allow(r->user, A_INSPECT_READ, r->user->unit_path))) {
		not_found(r);
		return;
	}
	if (!checklist_load(r, &id, &name))
		return;
	json_t *parts = checklist_items(r, id, &total, &count);
	json_t *m = json_pack("{s:{s:s}, s:{s:I, s:s}, s:o, s:i, s:i, s:b, s:s}", "page",
	    "title_key", "inspect.checklist_title", "checklist", "id", (json_int_t)id, "name", name,
	    "parts", parts ? parts : json_array(), "total", total, "count", count, "can_write",
	    bureau_may(r, A_INSPECT_WRITE), "action_base", arena_printf(r->a,
	    "/inspections/checklists/%lld", (long long)id));
	if (m != NULL) {
		json_object_set_new(m, "part_options", part_options(r));
		json_object_set_new(m, "total_text", jstr(tr(r, "inspect.checklist_total", "n",
		    num(r, count), "total", num(r, total), NULL)));
	}
	req_answer(r, 200, m);
}

static const field checklist_new_fields[] = {
	{ "name", FT_STRING, F_REQUIRED, 2, 100, NULL },
	{ "copy_from", FT_INT, 0, 1, ID_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* POST /api/v1/inspections/checklists and the page's form. */
static void
checklist_new(req *r)
{
	if (!bureau_may(r, A_INSPECT_WRITE)) {
		not_found(r);
		return;
	}
	struct job *j = job_new(r, OP_CHECKLIST_NEW);
	if (j == NULL)
		return;
	j->s1 = input_str(r->in, "name");
	j->a = input_int(r->in, "copy_from", 0);
	j->back = "/inspections/checklists";
	req_write(r, job_run, j, job_done);
}

static const field item_fields[] = {
	{ "part", FT_INT, F_REQUIRED, 1, INSP_PARTS, NULL },
	{ "text", FT_TEXT, F_REQUIRED, 2, 500, NULL },
	{ "max_score", FT_INT, F_REQUIRED, 1, INSP_MAX_SCORE, NULL },
	{ "evidence_required", FT_BOOL, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static void
item_write(req *r, enum op op)
{
	int64_t id, item = 0;
	const char *name;
	if (!bureau_may(r, A_INSPECT_WRITE)) {
		not_found(r);
		return;
	}
	if (!checklist_load(r, &id, &name))
		return;
	if (op != OP_ITEM_ADD && req_param_int(r, "item", &item) != XA_OK) {
		not_found(r);
		return;
	}
	struct job *j = job_new(r, op);
	if (j == NULL)
		return;
	j->a = id;
	j->b = item;
	j->ia = (int)input_int(r->in, "part", 0);
	j->ib = (int)input_int(r->in, "max_score", 0);
	j->s1 = input_str(r->in, "text");
	j->c = json_is_true(json_object_get(r->in, "evidence_required"));
	j->back = arena_printf(r->a, "/inspections/checklists/%lld", (long long)id);
	req_write(r, job_run, j, job_done);
}

static void item_add(req *r) { item_write(r, OP_ITEM_ADD); }
static void item_set(req *r) { item_write(r, OP_ITEM_SET); }
static void item_del(req *r) { item_write(r, OP_ITEM_DEL); }

/* ------------------------------------------------------------------ */
/* Campaigns. */

static const char *const camp_states[] = { "draft", "open", "closed", NULL };
static const char *const camp_chips[] = { "chip-grey", "chip-green", "chip" };

static const char *
camp_chip(const char *state)
{
	for (int i = 0; camp_states[i] != NULL; i++)
		if (strcmp(camp_states[i], state) == 0)
			return camp_chips[i];
	return "chip";
}

/* Options for the new campaign form: checklists, townships, schools and
 * inspectors in the caller's reach. */
static void
campaign_form(req *r, json_t *m)
{
	db_stmt *st = NULL;
	json_t *cl = json_array(), *tw = json_array(), *sc = json_array(), *in = json_array();
	const char *scope = r->user->scope_path;
	if (db_prepare(r->rdb, "SELECT id, name FROM insp_checklists ORDER BY id", &st) == XA_OK) {
		while (db_step(st) == 1)
			json_array_append_new(cl, json_pack("{s:I, s:s}", "value",
			    (json_int_t)db_col_int(st, 0), "label", db_col_text(st, 1)));
		db_done(st);
	}
	if (db_prepare(r->rdb, "SELECT id, name FROM units WHERE kind = 'township' AND active = 1"
	    " AND substr(path, 1, length(?)) = ? ORDER BY id", &st) == XA_OK) {
		db_bind_text(st, 1, scope, -1);
		db_bind_text(st, 2, scope, -1);
		while (db_step(st) == 1)
			json_array_append_new(tw, json_pack("{s:I, s:s}", "value",
			    (json_int_t)db_col_int(st, 0), "label", db_col_text(st, 1)));
		db_done(st);
	}
	if (db_prepare(r->rdb, "SELECT u.id, u.name, coalesce(t.name, '') FROM units u"
	    " LEFT JOIN units t ON t.id = u.township_id WHERE u.kind = 'school' AND u.active = 1"
	    " AND substr(u.path, 1, length(?)) = ? ORDER BY coalesce(u.township_id, 0) = 0,"
	    " u.township_id, u.name LIMIT 2000", &st) == XA_OK) {
		db_bind_text(st, 1, scope, -1);
		db_bind_text(st, 2, scope, -1);
		while (db_step(st) == 1) {
			const char *t = db_col_text(st, 2);
			json_array_append_new(sc, json_pack("{s:I, s:s}", "value",
			    (json_int_t)db_col_int(st, 0), "label", t[0] ? arena_printf(r->a,
			    "%s · %s", t, db_col_text(st, 1)) : db_col_text(st, 1)));
		}
		db_done(st);
	}
	if (db_prepare(r->rdb, "SELECT DISTINCT a.id, a.display_name FROM accounts a"
	    " JOIN account_roles ro ON ro.account_id = a.id JOIN units u ON u.id = a.unit_id"
	    " WHERE a.disabled = 0 AND ro.role IN ('inspector', 'office_director', 'office_staff')"
	    " AND substr(u.path, 1, length(?)) = ? ORDER BY a.display_name LIMIT 500", &st) == XA_OK) {
		db_bind_text(st, 1, scope, -1);
		db_bind_text(st, 2, scope, -1);
		while (db_step(st) == 1)
			json_array_append_new(in, json_pack("{s:I, s:s}", "value",
			    (json_int_t)db_col_int(st, 0), "label", db_col_text(st, 1)));
		db_done(st);
	}
	json_object_set_new(m, "checklists", cl);
	json_object_set_new(m, "townships", tw);
	json_object_set_new(m, "schools", sc);
	json_object_set_new(m, "inspectors", in);
	json_object_set_new(m, "scopes", options(r, "inspect.scope", insp_scopes));
}

/* GET /api/v1/inspections and the page: the campaigns (a school: those
 * covering it). */
static void
campaigns_list(req *r)
{
	db_stmt *st = NULL;
	int school = is_school(r);
	if (!(school ? policy_allow(r->user, A_INSPECT_READ, r->user->unit_path) :
	    bureau_may(r, A_INSPECT_READ))) {
		not_found(r);
		return;
	}
	json_t *a = json_array();
	xa_err e = school ? db_prepare(r->rdb, "SELECT c.id, c.name, c.starts_on, c.ends_on,"
	    " c.state, 1, (SELECT count(*) FROM insp_inspections i WHERE i.campaign_id = c.id"
	    " AND i.unit_id = ? AND i.state = 'submitted') FROM insp_campaigns c"
	    " JOIN insp_campaign_schools cs ON cs.campaign_id = c.id AND cs.unit_id = ?"
	    " WHERE c.state <> 'draft' ORDER BY c.starts_on DESC, c.id DESC LIMIT 2000", &st) :
	    db_prepare(r->rdb, "SELECT c.id, c.name, c.starts_on, c.ends_on, c.state,"
	    " (SELECT count(*) FROM insp_campaign_schools cs WHERE cs.campaign_id = c.id),"
	    " (SELECT count(*) FROM insp_inspections i WHERE i.campaign_id = c.id"
	    " AND i.state = 'submitted'), " INSP_CAMPAIGN_OWNER " FROM insp_campaigns c"
	    " ORDER BY c.starts_on DESC, c.id DESC LIMIT 2000", &st);
	if (a != NULL && e == XA_OK) {
		if (school) {
			db_bind_int(st, 1, r->user->unit_id);
			db_bind_int(st, 2, r->user->unit_id);
		}
		while (db_step(st) == 1) {
			int64_t id = db_col_int(st, 0);
			const char *state = db_col_text(st, 4);
			/* The bureau's: only campaigns whose owner is in reach. */
			if (!school && !policy_allow(r->user, A_INSPECT_READ, db_col_text(st, 7)))
				continue;
			json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i,"
			    " s:s, s:s}", "id", (json_int_t)id, "name", db_col_text(st, 1), "starts_on",
			    db_col_text(st, 2), "ends_on", db_col_text(st, 3), "state", state,
			    "state_label", label(r, "inspect.campaign_state", state), "chip",
			    camp_chip(state), "schools", (int)db_col_int(st, 5), "submitted",
			    (int)db_col_int(st, 6), "progress", tr(r, "inspect.progress", "done",
			    num(r, db_col_int(st, 6)), "n", num(r, db_col_int(st, 5)), NULL),
			    "href", arena_printf(r->a, "/inspections/%lld", (long long)id)));
		}
		db_done(st);
	}
	json_t *m = json_pack("{s:{s:s}, s:o, s:b, s:b}", "page", "title_key",
	    "inspect.campaigns_title", "campaigns", a ? a : json_array(), "can_write",
	    bureau_may(r, A_INSPECT_WRITE), "bureau", !school);
	if (m == NULL) {
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (school)
		json_object_set_new(m, "school_href", jstr(arena_printf(r->a, "/inspections/schools/%lld",
		    (long long)r->user->unit_id)));
	if (bureau_may(r, A_INSPECT_WRITE) && !is_api(r))
		campaign_form(r, m);
	char td[11];
	day_format(today_of(r), td);
	json_object_set_new(m, "today", jstr(td));
	req_answer(r, 200, m);
}

static const field campaign_fields[] = {
	{ "name", FT_STRING, F_REQUIRED, 2, 100, NULL },
	{ "starts_on", FT_DATE, F_REQUIRED, 0, 0, NULL },
	{ "ends_on", FT_DATE, F_REQUIRED, 0, 0, NULL },
	{ "checklist_id", FT_INT, F_REQUIRED, 1, ID_MAX, NULL },
	{ "scope", FT_ENUM, F_REQUIRED, 0, 0, insp_scopes },
	{ "township_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ "schools", FT_INT, F_MULTI, 1, ID_MAX, NULL },
	{ "inspectors", FT_INT, F_MULTI, 1, ID_MAX, NULL },
	{ "rectify_days", FT_INT, 0, 1, 365, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The integers of a F_MULTI field, in the arena. */
static int64_t *
ints_of(req *r, const char *name, size_t *n)
{
	json_t *arr = json_object_get(r->in, name);
	*n = json_array_size(arr);
	if (*n == 0)
		return NULL;
	int64_t *v = arena_calloc(r->a, *n, sizeof *v);
	if (v == NULL) {
		*n = 0;
		return NULL;
	}
	for (size_t i = 0; i < *n; i++)
		v[i] = json_integer_value(json_array_get(arr, i));
	return v;
}

/* POST /api/v1/inspections and the page's form: a draft campaign. */
static void
campaign_new(req *r)
{
	if (!bureau_may(r, A_INSPECT_WRITE)) {
		not_found(r);
		return;
	}
	struct job *j = job_new(r, OP_CAMPAIGN_NEW);
	if (j == NULL)
		return;
	insp_campaign_new *c = &j->cn;
	c->name = input_str(r->in, "name");
	c->starts_on = input_str(r->in, "starts_on");
	c->ends_on = input_str(r->in, "ends_on");
	c->checklist_id = input_int(r->in, "checklist_id", 0);
	c->scope = input_str(r->in, "scope");
	c->township_id = input_int(r->in, "township_id", 0);
	c->schools = ints_of(r, "schools", &c->nschools);
	c->inspectors = ints_of(r, "inspectors", &c->ninspectors);
	c->rectify_days = (int)input_int(r->in, "rectify_days", 30);
	c->within = r->user->scope_path;
	if (strcmp(c->starts_on, c->ends_on) > 0) {
		req_error(r, 400, "inspect_dates_order", "ends_on");
		return;
	}
	if (strcmp(c->scope, "township") == 0 && c->township_id <= 0) {
		req_error(r, 400, "inspect_township_required", "township_id");
		return;
	}
	if (strcmp(c->scope, "list") == 0 && c->nschools == 0) {
		req_error(r, 400, "inspect_schools_required", "schools");
		return;
	}
	j->back = "/inspections";
	req_write(r, job_run, j, job_done);
}

static void
campaign_state_post(req *r, enum op op)
{
	struct camp c;
	if (!bureau_may(r, A_INSPECT_WRITE)) {
		not_found(r);
		return;
	}
	if (!camp_load(r, &c))
		return;
	/* Read in reach, but written only by whom the owner's unit allows. */
	if (!policy_allow(r->user, A_INSPECT_WRITE, c.owner)) {
		not_found(r);
		return;
	}
	struct job *j = job_new(r, op);
	if (j == NULL)
		return;
	j->a = c.id;
	j->back = arena_printf(r->a, "/inspections/%lld", (long long)c.id);
	req_write(r, job_run, j, job_done);
}

static void campaign_open(req *r) { campaign_state_post(r, OP_OPEN); }
static void campaign_close(req *r) { campaign_state_post(r, OP_CLOSE); }

/* The campaign's frozen items by part (the checklist's until it opens). */
static json_t *
campaign_parts(req *r, const struct camp *c)
{
	int total, count;
	if (strcmp(c->state, "draft") == 0)
		return checklist_items(r, c->checklist_id, &total, &count);
	db_stmt *st = NULL;
	json_t *parts = json_array();
	json_t *items[INSP_PARTS];
	int pmax[INSP_PARTS] = { 0 };
	for (int p = 0; p < INSP_PARTS; p++)
		items[p] = json_array();
	if (db_prepare(r->rdb, "SELECT id, part, text, max_score, evidence_required"
	    " FROM insp_campaign_items WHERE campaign_id = ? ORDER BY part, position, id",
	    &st) == XA_OK) {
		db_bind_int(st, 1, c->id);
		while (db_step(st) == 1) {
			int p = (int)db_col_int(st, 1);
			if (p < 1 || p > INSP_PARTS)
				continue;
			pmax[p - 1] += (int)db_col_int(st, 3);
			json_array_append_new(items[p - 1], json_pack("{s:I, s:s, s:i, s:b}", "id",
			    (json_int_t)db_col_int(st, 0), "text", db_col_text(st, 2), "max_score",
			    (int)db_col_int(st, 3), "evidence_required", (int)db_col_int(st, 4)));
		}
		db_done(st);
	}
	for (int p = 0; p < INSP_PARTS; p++)
		json_array_append_new(parts, json_pack("{s:i, s:s, s:i, s:o}", "part", p + 1,
		    "label", part_label(r, p + 1), "max_score", pmax[p], "items", items[p]));
	return parts;
}

/* Average in tenths as "87.5". */
static const char *
tenths(const req *r, long t)
{
	const char *s = arena_printf(r->a, "%ld.%ld", t / 10, t % 10);
	return s ? s : "";
}

/* One school's result row. */
static json_t *
result_json(req *r, const struct camp *c, const insp_result *x)
{
	json_t *parts = json_array();
	for (int p = 0; parts != NULL && p < INSP_PARTS; p++)
		json_array_append_new(parts, json_pack("{s:i, s:s, s:i, s:i}", "part", p + 1,
		    "label", part_label(r, p + 1), "score", x->part[p], "max_score", x->part_max[p]));
	const char *sheet = x->submitted ? "submitted" : x->inspection_id > 0 ? "draft" : "none";
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:i, s:i, s:s}",
	    "unit_id", (json_int_t)x->unit_id, "school", x->name, "township", x->township,
	    "sheet", sheet, "sheet_label", label(r, "inspect.sheet_state", sheet), "submitted",
	    x->submitted, "total", x->submitted ? json_integer(x->total) : json_null(),
	    "max_total", x->submitted ? json_integer(x->max_total) : json_null(), "parts",
	    parts ? parts : json_array(), "open_tasks", x->open_tasks, "overdue_tasks",
	    x->overdue_tasks, "href", arena_printf(r->a, "/inspections/%lld/schools/%lld",
	    (long long)c->id, (long long)x->unit_id));
}

/* GET /api/v1/inspections/{id} and the page: the campaign, its items,
 * each school's result and each township's (a school: its own only). */
static void
campaign_get(req *r)
{
	struct camp c;
	if (!camp_load(r, &c))
		return;
	int school = is_school(r);
	insp_result *res = NULL;
	insp_township *tw = NULL;
	size_t n = 0, nt = 0;
	if (insp_results(r->rdb, c.id, today_of(r), &res, &n, &tw, &nt) != XA_OK) {
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	/* Only the schools in the caller's reach, and the townships' sums
	 * taken again over them alone. */
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (policy_allow(r->user, A_INSPECT_READ, res[i].path) &&
		    (!school || res[i].unit_id == r->user->unit_id))
			res[k++] = res[i];
	n = k;
	free(tw);
	tw = NULL;
	nt = 0;
	if (!school && insp_townships(res, n, &tw, &nt) != XA_OK) {
		free(res);
		req_error(r, 503, "unavailable", NULL);
		return;
	}
	json_t *schools = json_array(), *towns = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(schools, result_json(r, &c, &res[i]));
	for (size_t i = 0; !school && i < nt; i++)
		json_array_append_new(towns, json_pack("{s:I, s:s, s:i, s:i, s:o, s:s, s:i, s:i}",
		    "id", (json_int_t)tw[i].id, "name", tw[i].id ? tw[i].name :
		    i18n(r->lang, "inspect.direct_schools"), "schools", tw[i].schools, "inspected",
		    tw[i].inspected, "average", tw[i].inspected > 0 ?
		    json_real((double)tw[i].avg_tenths / 10.0) : json_null(), "average_text",
		    tw[i].inspected > 0 ? tenths(r, tw[i].avg_tenths) : "—", "open_tasks",
		    tw[i].open_tasks, "overdue_tasks", tw[i].overdue_tasks));
	free(res);
	free(tw);
	json_t *inspectors = json_array();
	db_stmt *st = NULL;
	if (db_prepare(r->rdb, "SELECT a.display_name FROM insp_campaign_inspectors ci"
	    " JOIN accounts a ON a.id = ci.account_id WHERE ci.campaign_id = ? ORDER BY a.id",
	    &st) == XA_OK) {
		db_bind_int(st, 1, c.id);
		while (db_step(st) == 1)
			json_array_append_new(inspectors, jstr(db_col_text(st, 0)));
		db_done(st);
	}
	int can_write = bureau_may(r, A_INSPECT_WRITE);
	json_t *m = json_pack("{s:{s:s}, s:{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:i,"
	    " s:s}, s:o, s:o, s:o, s:o, s:b, s:b, s:b, s:b}", "page", "title_key",
	    "inspect.campaign_title", "campaign", "id", (json_int_t)c.id, "name", c.name,
	    "starts_on", c.starts_on, "ends_on", c.ends_on, "checklist_id",
	    (json_int_t)c.checklist_id, "checklist", c.checklist, "scope", c.scope, "state",
	    c.state, "state_label", label(r, "inspect.campaign_state", c.state), "rectify_days",
	    c.rectify_days, "chip", camp_chip(c.state), "parts", campaign_parts(r, &c),
	    "schools", schools, "townships", towns, "inspectors", inspectors, "can_write",
	    can_write, "can_open", can_write && strcmp(c.state, "draft") == 0, "can_close",
	    can_write && strcmp(c.state, "open") == 0, "bureau", !school);
	if (m != NULL)
		json_object_set_new(m, "action_base", jstr(arena_printf(r->a, "/inspections/%lld",
		    (long long)c.id)));
	req_answer(r, 200, m);
}

/* ------------------------------------------------------------------ */
/* A school's sheet. */

/* The sheet of campaign c and school s: 0 when there is none yet. */
static int64_t
sheet_find(req *r, int64_t campaign, int64_t unit, json_t **head)
{
	db_stmt *st = NULL;
	int64_t id = 0;
	*head = NULL;
	if (db_prepare(r->rdb, "SELECT id, state, visited_on, summary, total, max_total,"
	    " updated_at, coalesce(submitted_at, 0) FROM insp_inspections WHERE campaign_id = ?"
	    " AND unit_id = ?", &st) != XA_OK)
		return 0;
	db_bind_int(st, 1, campaign);
	db_bind_int(st, 2, unit);
	if (db_step(st) == 1) {
		id = db_col_int(st, 0);
		const char *state = db_col_text(st, 1);
		int sub = strcmp(state, "submitted") == 0;
		*head = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s}", "id",
		    (json_int_t)id, "state", state, "state_label", label(r, "inspect.sheet_state",
		    state), "visited_on", db_col_text(st, 2), "summary", db_col_text(st, 3), "total",
		    sub ? json_integer(db_col_int(st, 4)) : json_null(), "max_total",
		    sub ? json_integer(db_col_int(st, 5)) : json_null(), "updated",
		    when(r, db_col_int(st, 6)), "submitted_at", db_col_int(st, 7) > 0 ?
		    when(r, db_col_int(st, 7)) : "");
	}
	db_done(st);
	return id;
}

/* The evidence of a score, or of an answer event. */
static json_t *
evidence_json(req *r, int64_t inspection, int64_t item, int64_t event)
{
	db_stmt *st = NULL;
	json_t *a = json_array();
	xa_err e = event > 0 ? db_prepare(r->rdb, "SELECT id, filename, mime, size FROM"
	    " insp_evidence WHERE event_id = ? ORDER BY id", &st) : db_prepare(r->rdb,
	    "SELECT id, filename, mime, size FROM insp_evidence WHERE inspection_id = ?"
	    " AND item_id = ? ORDER BY id", &st);
	if (a == NULL || e != XA_OK)
		return a;
	if (event > 0) {
		db_bind_int(st, 1, event);
	} else {
		db_bind_int(st, 1, inspection);
		db_bind_int(st, 2, item);
	}
	while (db_step(st) == 1) {
		int64_t id = db_col_int(st, 0);
		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:I, s:s}", "id", (json_int_t)id,
		    "filename", db_col_text(st, 1), "mime", db_col_text(st, 2), "size",
		    (json_int_t)db_col_int(st, 3), "href", arena_printf(r->a,
		    "/inspections/evidence/%lld", (long long)id)));
	}
	db_done(st);
	return a;
}

static const char *
task_chip(const char *state, int overdue)
{
	if (overdue)
		return "chip-red";
	return strcmp(state, "open") == 0 ? "chip-amber" : strcmp(state, "answered") == 0 ?
	    "chip-grey" : "chip-green";
}

/* A task row; columns: id, unit_id, school, campaign_id, campaign,
 * finding, requirement, due_on, state, round, the school's path. */
static json_t *
task_row(req *r, db_stmt *st, xa_day today)
{
	int64_t id = db_col_int(st, 0);
	const char *state = db_col_text(st, 8), *due = db_col_text(st, 7);
	int over = insp_task_overdue(state, due, today);
	xa_day d;
	long days = 0;
	if (over && day_parse(due, &d) == XA_OK)
		days = (long)(today - d);
	return json_pack("{s:I, s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:i, s:s, s:s,"
	    " s:i}", "id", (json_int_t)id, "unit_id", (json_int_t)db_col_int(st, 1), "school",
	    db_col_text(st, 2), "campaign_id", (json_int_t)db_col_int(st, 3), "campaign",
	    db_col_text(st, 4), "finding", db_col_text(st, 5), "requirement", db_col_text(st, 6),
	    "due_on", due, "state", state, "state_label", label(r, "inspect.task_state", state),
	    "overdue", over, "overdue_days", (int)days, "overdue_text", over ?
	    tr(r, "inspect.overdue_days", "n", num(r, days), NULL) : "", "href",
	    arena_printf(r->a, "/inspections/tasks/%lld", (long long)id), "round",
	    (int)db_col_int(st, 9));
}

#define TASK_COLS "t.id, t.unit_id, u.name, t.campaign_id, c.name, t.finding, t.requirement," \
	" t.due_on, t.state, t.round, u.path FROM insp_tasks t JOIN units u ON u.id = t.unit_id" \
	" JOIN insp_campaigns c ON c.id = t.campaign_id"

/* GET /api/v1/inspections/{id}/schools/{school} and the page: the sheet
 * with its items, scores, notes and evidence, and its tasks. The school
 * sees scores only once the sheet is submitted. */
static void
sheet_get(req *r)
{
	struct camp c;
	struct school s;
	if (!camp_load(r, &c) || !school_load(r, "school", A_INSPECT_READ, &s))
		return;
	if (!covers(r, c.id, s.id)) {
		not_found(r);
		return;
	}
	json_t *head = NULL;
	int64_t sheet = sheet_find(r, c.id, s.id, &head);
	const char *hs = head ? json_string_value(json_object_get(head, "state")) : "none";
	int submitted = hs != NULL && strcmp(hs, "submitted") == 0;
	int may_write = policy_allow(r->user, A_INSPECT_WRITE, s.path);
	int show = submitted || may_write;
	int can_fill = may_write && strcmp(c.state, "open") == 0 && !submitted;
	/* Scores of the sheet by item. */
	json_t *parts = campaign_parts(r, &c);
	size_t pi;
	json_t *pv;
	json_array_foreach(parts, pi, pv) {
		size_t ii;
		json_t *it;
		int psum = 0, pscored = 0;
		json_array_foreach(json_object_get(pv, "items"), ii, it) {
			int64_t item = json_integer_value(json_object_get(it, "id"));
			db_stmt *st = NULL;
			json_object_set_new(it, "score", json_null());
			json_object_set_new(it, "scored", json_false());
			json_object_set_new(it, "note", jstr(""));
			if (sheet > 0 && show && db_prepare(r->rdb, "SELECT score, note FROM insp_scores"
			    " WHERE inspection_id = ? AND item_id = ?", &st) == XA_OK) {
				db_bind_int(st, 1, sheet);
				db_bind_int(st, 2, item);
				if (db_step(st) == 1) {
					int sc = (int)db_col_int(st, 0);
					json_object_set_new(it, "score", json_integer(sc));
					json_object_set_new(it, "scored", json_true());
					json_object_set_new(it, "note", jstr(db_col_text(st, 1)));
					json_object_set_new(it, "short", json_boolean(sc <
					    json_integer_value(json_object_get(it, "max_score"))));
					psum += sc;
					pscored = 1;
				}
				db_done(st);
			}
			json_object_set_new(it, "evidence", sheet > 0 && show ?
			    evidence_json(r, sheet, item, 0) : json_array());
			json_object_set_new(it, "action", jstr(arena_printf(r->a,
			    "/inspections/%lld/schools/%lld/items/%lld", (long long)c.id, (long long)s.id,
			    (long long)item)));
		}
		json_object_set_new(pv, "score", pscored ? json_integer(psum) : json_null());
		json_object_set_new(pv, "scored", json_boolean(pscored));
	}
	/* Its tasks (findings). */
	json_t *tasks = json_array();
	db_stmt *st = NULL;
	xa_day today = today_of(r);
	if (db_prepare(r->rdb, "SELECT " TASK_COLS " WHERE t.campaign_id = ? AND t.unit_id = ?"
	    " ORDER BY t.id", &st) == XA_OK) {
		db_bind_int(st, 1, c.id);
		db_bind_int(st, 2, s.id);
		while (db_step(st) == 1)
			json_array_append_new(tasks, task_row(r, st, today));
		db_done(st);
	}
	char td[11], due[11];
	day_format(today, td);
	day_format(today + c.rectify_days, due);
	json_t *m = json_pack("{s:{s:s}, s:{s:I, s:s, s:s}, s:{s:I, s:s}, s:o, s:o, s:o, s:b,"
	    " s:b, s:s, s:s, s:s}", "page", "title_key", "inspect.sheet_title", "campaign", "id",
	    (json_int_t)c.id, "name", c.name, "state", c.state, "school", "id", (json_int_t)s.id,
	    "name", s.name, "inspection", head ? head : json_null(), "parts", parts ? parts :
	    json_array(), "tasks", tasks ? tasks : json_array(), "can_fill", can_fill,
	    "can_find", may_write && strcmp(c.state, "closed") != 0, "today", td, "default_due", due,
	    "action_base", arena_printf(r->a, "/inspections/%lld/schools/%lld", (long long)c.id,
	    (long long)s.id));
	if (m != NULL)
		json_object_set_new(m, "campaign_href", jstr(arena_printf(r->a, "/inspections/%lld",
		    (long long)c.id)));
	req_answer(r, 200, m);
}

/* The campaign and school of a sheet write; 0 when answered. */
static int
sheet_target(req *r, struct job *j, struct camp *c, struct school *s)
{
	if (!camp_load(r, c) || !school_load(r, "school", A_INSPECT_WRITE, s))
		return 0;
	if (!covers(r, c->id, s->id)) {
		not_found(r);
		return 0;
	}
	j->a = c->id;
	j->b = s->id;
	j->back = arena_printf(r->a, "/inspections/%lld/schools/%lld", (long long)c->id,
	    (long long)s->id);
	return 1;
}

static const field head_fields[] = {
	{ "visited_on", FT_DATE, 0, 0, 0, NULL },
	{ "summary", FT_TEXT, 0, 0, 4000, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* POST /api/v1/inspections/{id}/schools/{school}: the visit's day and
 * the summary. */
static void
sheet_head(req *r)
{
	struct camp c;
	struct school s;
	struct job *j = job_new(r, OP_HEAD);
	if (j == NULL || !sheet_target(r, j, &c, &s))
		return;
	j->s1 = input_str(r->in, "visited_on");
	j->s2 = input_str(r->in, "summary");
	xa_day d;
	if (j->s1 != NULL && day_parse(j->s1, &d) == XA_OK && d > today_of(r)) {
		req_error(r, 400, "inspect_visit_future", "visited_on");
		return;
	}
	if (j->s1 == NULL && j->s2 == NULL && !is_api(r))
		j->s2 = "";
	req_write(r, job_run, j, job_done);
}

static const field score_fields[] = {
	{ "score", FT_INT, F_REQUIRED, 0, INSP_MAX_SCORE * 10, NULL },
	{ "note", FT_TEXT, 0, 0, 2000, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* POST /api/v1/inspections/{id}/schools/{school}/items/{item}: one
 * item's score, note and evidence (multipart "files"), saved as a draft.
 * A score over the item's maximum is refused by the store (the table
 * lets it through so that the message can name the rule). */
static void
sheet_score(req *r)
{
	struct camp c;
	struct school s;
	struct job *j = job_new(r, OP_SCORE);
	if (j == NULL || !sheet_target(r, j, &c, &s))
		return;
	if (req_param_int(r, "item", &j->c) != XA_OK) {
		not_found(r);
		return;
	}
	j->ia = (int)input_int(r->in, "score", -1);
	j->s1 = input_str(r->in, "note");
	j->back = arena_printf(r->a, "/inspections/%lld/schools/%lld#item-%lld", (long long)c.id,
	    (long long)s.id, (long long)j->c);
	if (!files_take(r, j))
		return;
	job_go(r, j);
}

static const field finding_fields[] = {
	{ "finding", FT_TEXT, F_REQUIRED, 2, 2000, NULL },
	{ "requirement", FT_TEXT, 0, 0, 2000, NULL },
	{ "due_on", FT_DATE, F_REQUIRED, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* 1 when day s is after today; else answered 400 for field. */
static int
future_day(req *r, const char *s, const char *fname)
{
	xa_day d;
	if (s == NULL || day_parse(s, &d) != XA_OK || d <= today_of(r)) {
		req_error(r, 400, "inspect_due_past", fname);
		return 0;
	}
	return 1;
}

/* POST /api/v1/inspections/{id}/schools/{school}/findings: a finding
 * written out, a task for the school at once. */
static void
sheet_finding(req *r)
{
	struct camp c;
	struct school s;
	struct job *j = job_new(r, OP_FINDING);
	if (j == NULL || !sheet_target(r, j, &c, &s))
		return;
	j->s1 = input_str(r->in, "finding");
	j->s2 = input_str(r->in, "requirement");
	j->s3 = input_str(r->in, "due_on");
	if (!future_day(r, j->s3, "due_on"))
		return;
	req_write(r, job_run, j, job_done);
}

static const field submit_fields[] = {
	{ "due_on", FT_DATE, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* POST /api/v1/inspections/{id}/schools/{school}/submit: the sheet is
 * final; items below full score become tasks due on due_on (default:
 * the campaign's days from today). */
static void
sheet_submit(req *r)
{
	struct camp c;
	struct school s;
	struct job *j = job_new(r, OP_SUBMIT);
	if (j == NULL || !sheet_target(r, j, &c, &s))
		return;
	j->s3 = input_str(r->in, "due_on");
	if (j->s3 == NULL) {
		char *d = arena_alloc(r->a, 11);
		if (d == NULL) {
			req_error(r, 500, "internal", NULL);
			return;
		}
		day_format(today_of(r) + c.rectify_days, d);
		j->s3 = d;
	}
	if (!future_day(r, j->s3, "due_on"))
		return;
	req_write(r, job_run, j, job_done);
}

/* GET /inspections/evidence/{id}: an evidence file, for those who may
 * read the school's inspection (a school: not of a sheet still a draft). */
static void
evidence_get(req *r)
{
	db_stmt *st = NULL;
	int64_t id;
	char path[96] = "", state[16] = "";
	if (req_param_int(r, "id", &id) != XA_OK || db_prepare(r->rdb, "SELECT u.path,"
	    " coalesce(i.state, 'submitted'), v.filename, v.mime, v.data, v.size FROM insp_evidence v"
	    " JOIN units u ON u.id = v.unit_id LEFT JOIN insp_inspections i ON i.id = v.inspection_id"
	    " WHERE v.id = ?", &st) != XA_OK) {
		not_found(r);
		return;
	}
	db_bind_int(st, 1, id);
	if (db_step(st) != 1) {
		db_done(st);
		not_found(r);
		return;
	}
	snprintf(path, sizeof path, "%s", db_col_text(st, 0));
	snprintf(state, sizeof state, "%s", db_col_text(st, 1));
	if (!policy_allow(r->user, A_INSPECT_READ, path) || (strcmp(state, "draft") == 0 &&
	    !policy_allow(r->user, A_INSPECT_WRITE, path))) {
		db_done(st);
		not_found(r);
		return;
	}
	const char *name = arena_strdup(r->a, db_col_text(st, 2));
	const char *mime = arena_strdup(r->a, db_col_text(st, 3));
	size_t len = db_col_len(st, 4);
	void *data = arena_alloc(r->a, len > 0 ? len : 1);
	if (name == NULL || mime == NULL || data == NULL) {
		db_done(st);
		req_error(r, 500, "internal", NULL);
		return;
	}
	if (len > 0)
		memcpy(data, db_col_blob(st, 4), len);
	db_done(st);
	req_file(r, mime, name, data, len);
}

/* ------------------------------------------------------------------ */
/* Rectification tasks. */

static const field tasks_query[] = {
	{ "campaign", FT_INT, 0, 1, ID_MAX, NULL },
	{ "school", FT_INT, 0, 1, ID_MAX, NULL },
	{ "state", FT_ENUM, 0, 0, 0, insp_task_states },
	{ "overdue", FT_BOOL, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* GET /api/v1/inspections/tasks and the page: the tasks in the caller's
 * reach (a school: its own), newest deadline last, overdue marked. */
static void
tasks_list(req *r)
{
	db_stmt *st = NULL;
	int school = is_school(r);
	if (!(school ? policy_allow(r->user, A_INSPECT_READ, r->user->unit_path) :
	    bureau_may(r, A_INSPECT_READ))) {
		not_found(r);
		return;
	}
	int64_t camp = input_int(r->q, "campaign", 0), unit = input_int(r->q, "school", 0);
	const char *state = input_str(r->q, "state");
	int only_over = json_is_true(json_object_get(r->q, "overdue"));
	if (school)
		unit = unit == 0 || unit == r->user->unit_id ? r->user->unit_id : -1;
	xa_day today = today_of(r);
	json_t *a = json_array();
	int nopen = 0, nover = 0, nans = 0;
	if (a != NULL && db_prepare(r->rdb, "SELECT " TASK_COLS " WHERE (? = 0 OR"
	    " t.campaign_id = ?) AND (? = 0 OR t.unit_id = ?) AND (? = '' OR t.state = ?)"
	    " ORDER BY t.state = 'closed', t.due_on, t.id LIMIT 2000", &st) == XA_OK) {
		db_bind_int(st, 1, camp);
		db_bind_int(st, 2, camp);
		db_bind_int(st, 3, unit);
		db_bind_int(st, 4, unit);
		db_bind_text(st, 5, state ? state : "", -1);
		db_bind_text(st, 6, state ? state : "", -1);
		while (db_step(st) == 1) {
			if (!policy_allow(r->user, A_INSPECT_READ, db_col_text(st, 10)))
				continue;
			int over = insp_task_overdue(db_col_text(st, 8), db_col_text(st, 7), today);
			if (only_over && !over)
				continue;
			nopen += strcmp(db_col_text(st, 8), "open") == 0;
			nans += strcmp(db_col_text(st, 8), "answered") == 0;
			nover += over;
			json_array_append_new(a, task_row(r, st, today));
		}
		db_done(st);
	}
	json_t *m = json_pack("{s:{s:s}, s:o, s:i, s:i, s:i, s:b, s:o}", "page", "title_key",
	    "inspect.tasks_title", "tasks", a ? a : json_array(), "open", nopen, "answered", nans,
	    "overdue", nover, "bureau", !school, "states", options(r, "inspect.task_state",
	    insp_task_states));
	if (m != NULL)
		json_object_set_new(m, "summary_text", jstr(tr(r, "inspect.tasks_summary", "open",
		    num(r, nopen), "overdue", num(r, nover), "answered", num(r, nans), NULL)));
	req_answer(r, 200, m);
}

/* GET /api/v1/inspections/tasks/{id} and the page: the task and its
 * answers and re-checks. */
static void
task_get(req *r)
{
	struct task t;
	if (!task_load(r, A_INSPECT_READ, &t))
		return;
	xa_day today = today_of(r);
	int over = insp_task_overdue(t.state, t.due_on, today);
	json_t *ev = json_array();
	db_stmt *st = NULL;
	if (ev != NULL && db_prepare(r->rdb, "SELECT e.id, e.kind, e.text, e.new_due_on, e.at,"
	    " coalesce(a.display_name, '') FROM insp_task_events e LEFT JOIN accounts a"
	    " ON a.id = e.by_account WHERE e.task_id = ? ORDER BY e.id", &st) == XA_OK) {
		db_bind_int(st, 1, t.id);
		/* Every event, however many rounds the task has been through:
		 * the list grows (the evidence is read once the statement is
		 * done, so only one is open at a time). */
		struct evr {
			int64_t id;
			json_t *o;
		} *list = NULL;
		size_t n = 0, cap = 0;
		while (db_step(st) == 1) {
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 16;
				struct evr *nl = realloc(list, nc * sizeof *nl);
				if (nl == NULL)
					break;
				list = nl;
				cap = nc;
			}
			const char *kind = db_col_text(st, 1);
			list[n].id = db_col_int(st, 0);
			list[n].o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
			    (json_int_t)list[n].id, "kind", kind, "label", label(r, "inspect.event", kind),
			    "text", db_col_text(st, 2), "new_due_on", db_col_text(st, 3), "at",
			    when(r, db_col_int(st, 4)), "by", db_col_text(st, 5));
			n++;
		}
		db_done(st);
		for (size_t i = 0; i < n; i++) {
			if (list[i].o == NULL)
				continue;
			json_object_set_new(list[i].o, "evidence", evidence_json(r, 0, 0, list[i].id));
			json_array_append_new(ev, list[i].o);
		}
		free(list);
	}
	char td[11];
	day_format(today, td);
	json_t *m = json_pack("{s:{s:s}, s:{s:I, s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:b,"
	    " s:i, s:s, s:s, s:s}, s:o, s:b, s:b, s:s, s:s}", "page", "title_key",
	    "inspect.task_title", "task", "id", (json_int_t)t.id, "unit_id", (json_int_t)t.unit_id,
	    "school", t.school, "campaign_id", (json_int_t)t.campaign_id, "campaign", t.campaign,
	    "finding", t.finding, "requirement", t.requirement, "due_on", t.due_on, "state",
	    t.state, "state_label", label(r, "inspect.task_state", t.state), "overdue", over,
	    "round", t.round, "chip", task_chip(t.state, over), "created", when(r, t.created_at),
	    "sheet_href", arena_printf(r->a, "/inspections/%lld/schools/%lld",
	    (long long)t.campaign_id, (long long)t.unit_id), "events", ev ? ev : json_array(),
	    "can_answer", strcmp(t.state, "open") == 0 && policy_allow(r->user, A_RECTIFY, t.path),
	    "can_recheck", strcmp(t.state, "answered") == 0 &&
	    policy_allow(r->user, A_INSPECT_WRITE, t.path), "today", td, "action_base",
	    arena_printf(r->a, "/inspections/tasks/%lld", (long long)t.id));
	req_answer(r, 200, m);
}

static const field answer_fields[] = {
	{ "text", FT_TEXT, F_REQUIRED, 2, 4000, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* POST /api/v1/inspections/tasks/{id}/answer: what the school did, with
 * evidence (multipart "files"). */
static void
task_answer(req *r)
{
	struct task t;
	if (!task_load(r, A_RECTIFY, &t))
		return;
	struct job *j = job_new(r, OP_ANSWER);
	if (j == NULL)
		return;
	j->a = t.id;
	j->b = t.unit_id;
	j->s1 = input_str(r->in, "text");
	j->back = arena_printf(r->a, "/inspections/tasks/%lld", (long long)t.id);
	if (!files_take(r, j))
		return;
	job_go(r, j);
}

static const char *const recheck_results[] = { "passed", "failed", NULL };

static const field recheck_fields[] = {
	{ "result", FT_ENUM, F_REQUIRED, 0, 0, recheck_results },
	{ "note", FT_TEXT, 0, 0, 2000, NULL },
	{ "due_on", FT_DATE, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* POST /api/v1/inspections/tasks/{id}/recheck: passed closes the task;
 * failed sends it back to the school with a new deadline (due_on). */
static void
task_recheck(req *r)
{
	struct task t;
	if (!task_load(r, A_INSPECT_WRITE, &t))
		return;
	struct job *j = job_new(r, OP_RECHECK);
	if (j == NULL)
		return;
	j->a = t.id;
	j->ia = strcmp(input_str(r->in, "result"), "passed") == 0;
	j->s1 = input_str(r->in, "note");
	j->s3 = input_str(r->in, "due_on");
	if (!j->ia) {
		if (j->s3 == NULL) {
			req_error(r, 400, "inspect_due_required", "due_on");
			return;
		}
		if (!future_day(r, j->s3, "due_on"))
			return;
	}
	j->back = arena_printf(r->a, "/inspections/tasks/%lld", (long long)t.id);
	req_write(r, job_run, j, job_done);
}

/* GET /api/v1/inspections/schools/{id} and the page: one school's
 * results in every campaign that covers it, and its tasks. */
static void
school_view(req *r)
{
	struct school s;
	if (!school_load(r, "id", A_INSPECT_READ, &s))
		return;
	db_stmt *st = NULL;
	json_t *rows = json_array(), *tasks = json_array();
	xa_day today = today_of(r);
	if (db_prepare(r->rdb, "SELECT c.id, c.name, c.state, coalesce(i.state, ''),"
	    " coalesce(i.total, 0), coalesce(i.max_total, 0), coalesce(i.visited_on, ''), "
	    INSP_CAMPAIGN_OWNER " FROM insp_campaign_schools cs"
	    " JOIN insp_campaigns c ON c.id = cs.campaign_id"
	    " LEFT JOIN insp_inspections i ON i.campaign_id = c.id AND i.unit_id = cs.unit_id"
	    " WHERE cs.unit_id = ? AND c.state <> 'draft' ORDER BY c.starts_on DESC, c.id DESC",
	    &st) == XA_OK) {
		db_bind_int(st, 1, s.id);
		while (db_step(st) == 1) {
			/* The bureau's: campaigns whose owner is in its reach
			 * (camp_load's rule); the school: those covering it. */
			if (!is_school(r) && !policy_allow(r->user, A_INSPECT_READ, db_col_text(st, 7)))
				continue;
			const char *is = db_col_text(st, 3);
			int sub = strcmp(is, "submitted") == 0;
			const char *sheet = sub ? "submitted" : is[0] ? "draft" : "none";
			json_array_append_new(rows, json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:s,"
			    " s:s}", "campaign_id", (json_int_t)db_col_int(st, 0), "campaign",
			    db_col_text(st, 1), "campaign_state", db_col_text(st, 2), "sheet", sheet,
			    "sheet_label", label(r, "inspect.sheet_state", sheet), "total",
			    sub ? json_integer(db_col_int(st, 4)) : json_null(), "max_total",
			    sub ? json_integer(db_col_int(st, 5)) : json_null(), "visited_on",
			    sub ? db_col_text(st, 6) : "", "href", arena_printf(r->a,
			    "/inspections/%lld/schools/%lld", (long long)db_col_int(st, 0),
			    (long long)s.id)));
		}
		db_done(st);
	}
	if (db_prepare(r->rdb, "SELECT " TASK_COLS " WHERE t.unit_id = ?"
	    " ORDER BY t.state = 'closed', t.due_on, t.id LIMIT 2000", &st) == XA_OK) {
		db_bind_int(st, 1, s.id);
		while (db_step(st) == 1)
			json_array_append_new(tasks, task_row(r, st, today));
		db_done(st);
	}
	req_answer(r, 200, json_pack("{s:{s:s}, s:{s:I, s:s}, s:o, s:o}", "page", "title_key",
	    "inspect.school_title", "school", "id", (json_int_t)s.id, "name", s.name, "results",
	    rows ? rows : json_array(), "tasks", tasks ? tasks : json_array()));
}

/* ------------------------------------------------------------------ */
/* Accountability. */

/* A record's model; columns: id, subject_kind, person_name, person_post,
 * unit_id, unit name, reason, ref_id, reference, measure, decided_by,
 * decided_on, decision, corrects, corrected_by, recorded_at, recorder,
 * unit path. */
#define ACC_COLS "a.id, a.subject_kind, a.person_name, a.person_post, a.unit_id, u.name," \
	" a.reason, a.ref_id, a.reference, a.measure, a.decided_by, a.decided_on, a.decision," \
	" coalesce(a.corrects, 0), coalesce(a.corrected_by, 0), a.recorded_at," \
	" coalesce(r.display_name, ''), u.path FROM accountability a JOIN units u" \
	" ON u.id = a.unit_id LEFT JOIN accounts r ON r.id = a.recorded_by"

/* What the record is for, as people read it. */
static const char *
acc_ref_text(req *r, const char *reason, int64_t ref, const char *reference)
{
	if (strcmp(reason, "case") == 0) {
		db_stmt *st = NULL;
		char no[16] = "";
		if (db_prepare(r->rdb, "SELECT year, seq FROM cases WHERE id = ?", &st) == XA_OK) {
			db_bind_int(st, 1, ref);
			if (db_step(st) == 1)
				case_number((int)db_col_int(st, 0), (int)db_col_int(st, 1), no);
			db_done(st);
		}
		return tr(r, "inspect.acc_ref_case", "no", no, NULL);
	}
	if (strcmp(reason, "inspection") == 0) {
		db_stmt *st = NULL;
		const char *name = "";
		if (db_prepare(r->rdb, "SELECT c.name FROM insp_inspections i JOIN insp_campaigns c"
		    " ON c.id = i.campaign_id WHERE i.id = ?", &st) == XA_OK) {
			db_bind_int(st, 1, ref);
			if (db_step(st) == 1)
				name = arena_strdup(r->a, db_col_text(st, 0));
			db_done(st);
		}
		return tr(r, "inspect.acc_ref_inspection", "name", name ? name : "", NULL);
	}
	if (strcmp(reason, "late_return") == 0)
		return tr(r, "inspect.acc_ref_return", "month", reference, NULL);
	return reference;
}

static json_t *
acc_row(req *r, db_stmt *st)
{
	int64_t id = db_col_int(st, 0);
	const char *subject = db_col_text(st, 1), *reason = db_col_text(st, 6);
	const char *measure = db_col_text(st, 9);
	int person = strcmp(subject, "person") == 0;
	const char *who = person ? tr(r, "inspect.acc_who", "name", db_col_text(st, 2), "post",
	    db_col_text(st, 3), "unit", db_col_text(st, 5), NULL) : db_col_text(st, 5);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:s,"
	    " s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "subject", subject,
	    "subject_label", label(r, "inspect.acc_subject", subject), "person_name",
	    db_col_text(st, 2), "person_post", db_col_text(st, 3), "unit_id",
	    (json_int_t)db_col_int(st, 4), "unit", db_col_text(st, 5), "who", who ? who : "",
	    "ref_id", (json_int_t)db_col_int(st, 7), "reference", db_col_text(st, 8), "reason",
	    reason, "reason_label", label(r, "inspect.acc_reason", reason), "ref_text",
	    acc_ref_text(r, reason, db_col_int(st, 7), db_col_text(st, 8)), "measure", measure,
	    "measure_label", label(r, "inspect.acc_measure", measure), "decided_by",
	    db_col_text(st, 10), "corrects", (json_int_t)db_col_int(st, 13), "corrected_by",
	    (json_int_t)db_col_int(st, 14), "decided_on", db_col_text(st, 11), "decision",
	    db_col_text(st, 12), "href", arena_printf(r->a, "/accountability/%lld", (long long)id));
}

/* The units a record may be about (the form's choice). */
static json_t *
acc_units(req *r)
{
	db_stmt *st = NULL;
	json_t *a = json_array();
	if (a != NULL && db_prepare(r->rdb, "SELECT id, name, kind FROM units WHERE active = 1"
	    " AND kind IN ('bureau', 'section', 'office', 'township', 'school')"
	    " AND substr(path, 1, length(?)) = ? ORDER BY path LIMIT 3000", &st) == XA_OK) {
		db_bind_text(st, 1, r->user->scope_path, -1);
		db_bind_text(st, 2, r->user->scope_path, -1);
		while (db_step(st) == 1)
			json_array_append_new(a, json_pack("{s:I, s:s}", "value",
			    (json_int_t)db_col_int(st, 0), "label", db_col_text(st, 1)));
		db_done(st);
	}
	return a;
}

static void
acc_form(req *r, json_t *m)
{
	char td[11];
	day_format(today_of(r), td);
	json_object_set_new(m, "units", acc_units(r));
	json_object_set_new(m, "subjects", options(r, "inspect.acc_subject", acc_subjects));
	json_object_set_new(m, "reasons", options(r, "inspect.acc_reason", acc_reasons));
	json_object_set_new(m, "measures", options(r, "inspect.acc_measure", acc_measures));
	json_object_set_new(m, "today", jstr(td));
}

/* GET /api/v1/accountability and the page. */
static void
acc_list(req *r)
{
	db_stmt *st = NULL;
	if (!bureau_may(r, A_ACCOUNTABILITY_READ)) {
		not_found(r);
		return;
	}
	json_t *a = json_array();
	if (a != NULL && db_prepare(r->rdb, "SELECT " ACC_COLS " ORDER BY a.decided_on DESC,"
	    " a.id DESC LIMIT 2000", &st) == XA_OK) {
		while (db_step(st) == 1)
			if (policy_allow(r->user, A_ACCOUNTABILITY_READ, db_col_text(st, 17)))
				json_array_append_new(a, acc_row(r, st));
		db_done(st);
	}
	int can_write = bureau_may(r, A_ACCOUNTABILITY_WRITE);
	json_t *m = json_pack("{s:{s:s}, s:o, s:b}", "page", "title_key", "inspect.acc_title",
	    "records", a ? a : json_array(), "can_write", can_write);
	if (m != NULL && can_write && !is_api(r))
		acc_form(r, m);
	req_answer(r, 200, m);
}

/* GET /api/v1/accountability/{id} and the page, with the correction form. */
static void
acc_get(req *r)
{
	db_stmt *st = NULL;
	int64_t id;
	json_t *rec = NULL;
	if (req_param_int(r, "id", &id) == XA_OK && bureau_may(r, A_ACCOUNTABILITY_READ) &&
	    db_prepare(r->rdb, "SELECT " ACC_COLS " WHERE a.id = ?", &st) == XA_OK) {
		db_bind_int(st, 1, id);
		if (db_step(st) == 1 && policy_allow(r->user, A_ACCOUNTABILITY_READ,
		    db_col_text(st, 17))) {
			rec = acc_row(r, st);
			if (rec != NULL) {
				json_object_set_new(rec, "recorded_at", jstr(when(r, db_col_int(st, 15))));
				json_object_set_new(rec, "recorded_by", jstr(db_col_text(st, 16)));
			}
		}
		db_done(st);
	}
	if (rec == NULL) {
		not_found(r);
		return;
	}
	int can_write = bureau_may(r, A_ACCOUNTABILITY_WRITE);
	int can_correct = can_write && json_integer_value(json_object_get(rec, "corrected_by")) == 0;
	json_t *m = json_pack("{s:{s:s}, s:o, s:b}", "page", "title_key",
	    "inspect.acc_record_title", "record", rec, "can_correct", can_correct);
	if (m != NULL && can_correct && !is_api(r))
		acc_form(r, m);
	req_answer(r, 200, m);
}

static const field acc_fields[] = {
	{ "subject", FT_ENUM, F_REQUIRED, 0, 0, acc_subjects },
	{ "person_name", FT_STRING, 0, 0, 64, NULL },
	{ "person_post", FT_STRING, 0, 0, 64, NULL },
	{ "unit_id", FT_INT, F_REQUIRED, 1, ID_MAX, NULL },
	{ "reason", FT_ENUM, F_REQUIRED, 0, 0, acc_reasons },
	{ "ref_id", FT_INT, 0, 1, ID_MAX, NULL },
	{ "reference", FT_STRING, 0, 0, 200, NULL },
	{ "measure", FT_ENUM, F_REQUIRED, 0, 0, acc_measures },
	{ "decided_by", FT_STRING, F_REQUIRED, 2, 100, NULL },
	{ "decided_on", FT_DATE, F_REQUIRED, 0, 0, NULL },
	{ "decision", FT_TEXT, F_REQUIRED, 2, 4000, NULL },
	{ "corrects", FT_INT, 0, 1, ID_MAX, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The unit path of what a record refers to (a case's or an inspection's
 * school); "" when there is none. */
static void
ref_path(req *r, const char *reason, int64_t ref, char path[96])
{
	db_stmt *st = NULL;
	path[0] = '\0';
	xa_err e = strcmp(reason, "case") == 0 ? db_prepare(r->rdb, "SELECT u.path FROM cases c"
	    " JOIN units u ON u.id = c.unit_id WHERE c.id = ?", &st) :
	    db_prepare(r->rdb, "SELECT u.path FROM insp_inspections i JOIN units u"
	    " ON u.id = i.unit_id WHERE i.id = ?", &st);
	if (e != XA_OK)
		return;
	db_bind_int(st, 1, ref);
	if (db_step(st) == 1)
		snprintf(path, 96, "%s", db_col_text(st, 0));
	db_done(st);
}

/* POST /api/v1/accountability and the page's form: a record, or (with
 * corrects) the correction of one. */
static void
acc_post(req *r)
{
	char upath[96];
	const char *uname;
	struct job *j;
	if (!bureau_may(r, A_ACCOUNTABILITY_WRITE)) {
		not_found(r);
		return;
	}
	int64_t unit = input_int(r->in, "unit_id", 0);
	if (!unit_get(r, unit, NULL, upath, &uname) ||
	    !policy_allow(r->user, A_ACCOUNTABILITY_WRITE, upath)) {
		not_found(r);
		return;
	}
	if ((j = job_new(r, OP_ACC)) == NULL)
		return;
	acc_record *a = &j->acc;
	a->subject = input_str(r->in, "subject");
	a->person_name = input_str(r->in, "person_name");
	a->person_post = input_str(r->in, "person_post");
	a->unit_id = unit;
	a->reason = input_str(r->in, "reason");
	a->ref_id = input_int(r->in, "ref_id", 0);
	a->reference = input_str(r->in, "reference");
	a->measure = input_str(r->in, "measure");
	a->decided_by = input_str(r->in, "decided_by");
	a->decided_on = input_str(r->in, "decided_on");
	a->decision = input_str(r->in, "decision");
	a->corrects = input_int(r->in, "corrects", 0);
	if (strcmp(a->subject, "person") == 0 && (a->person_name == NULL ||
	    a->person_post == NULL)) {
		req_error(r, 400, "inspect_acc_person", a->person_name == NULL ? "person_name" :
		    "person_post");
		return;
	}
	if (strcmp(a->reason, "case") == 0 || strcmp(a->reason, "inspection") == 0) {
		char rp[96];
		if (a->ref_id <= 0) {
			req_error(r, 400, "inspect_acc_ref_required", "ref_id");
			return;
		}
		ref_path(r, a->reason, a->ref_id, rp);
		if (rp[0] == '\0' || !policy_allow(r->user, A_ACCOUNTABILITY_WRITE, rp)) {
			req_error(r, 400, "inspect_acc_ref_unknown", "ref_id");
			return;
		}
	} else if (a->reference == NULL) {
		req_error(r, 400, "inspect_acc_ref_required", "reference");
		return;
	}
	xa_day d;
	if (day_parse(a->decided_on, &d) != XA_OK || d > today_of(r)) {
		req_error(r, 400, "inspect_acc_future", "decided_on");
		return;
	}
	if (a->corrects > 0) {
		/* The record corrected must be one the caller may read. */
		db_stmt *st = NULL;
		int ok = 0;
		if (db_prepare(r->rdb, "SELECT u.path FROM accountability a JOIN units u"
		    " ON u.id = a.unit_id WHERE a.id = ?", &st) == XA_OK) {
			db_bind_int(st, 1, a->corrects);
			ok = db_step(st) == 1 && policy_allow(r->user, A_ACCOUNTABILITY_READ,
			    db_col_text(st, 0));
			db_done(st);
		}
		if (!ok) {
			not_found(r);
			return;
		}
	}
	j->back = "/accountability";
	req_write(r, job_run, j, job_done);
}

/* ------------------------------------------------------------------ */

#define API (R_API | R_AUTH)
#define PAGE R_AUTH
#define V "/api/v1/inspections"
#define CL "/checklists/{id:int}"
#define SH "/{id:int}/schools/{school:int}"
#define T "/tasks/{id:int}"

const route inspect_routes[] = {
	/* Checklists. */
	{ M_GET, V "/checklists", checklists_list, API, NULL, NULL, NULL, "api_inspect_checklists" },
	{ M_POST, V "/checklists", checklist_new, API, NULL, checklist_new_fields, NULL,
	  "api_inspect_checklist_new" },
	{ M_GET, V CL, checklist_get, API, NULL, NULL, NULL, "api_inspect_checklist" },
	{ M_POST, V CL "/items", item_add, API, NULL, item_fields, NULL, "api_inspect_item_add" },
	{ M_POST, V CL "/items/{item:int}", item_set, API, NULL, item_fields, NULL,
	  "api_inspect_item_set" },
	{ M_POST, V CL "/items/{item:int}/delete", item_del, API, NULL, NULL, NULL,
	  "api_inspect_item_delete" },
	/* Campaigns, sheets and results. */
	{ M_GET, V, campaigns_list, API, NULL, NULL, NULL, "api_inspect_campaigns" },
	{ M_POST, V, campaign_new, API, NULL, campaign_fields, NULL, "api_inspect_campaign_new" },
	{ M_GET, V "/{id:int}", campaign_get, API, NULL, NULL, NULL, "api_inspect_campaign" },
	{ M_POST, V "/{id:int}/open", campaign_open, API, NULL, NULL, NULL,
	  "api_inspect_campaign_open" },
	{ M_POST, V "/{id:int}/close", campaign_close, API, NULL, NULL, NULL,
	  "api_inspect_campaign_close" },
	{ M_GET, V SH, sheet_get, API, NULL, NULL, NULL, "api_inspect_sheet" },
	{ M_POST, V SH, sheet_head, API, NULL, head_fields, NULL, "api_inspect_sheet_head" },
	{ M_POST, V SH "/items/{item:int}", sheet_score, API, NULL, score_fields, NULL,
	  "api_inspect_score" },
	{ M_POST, V SH "/findings", sheet_finding, API, NULL, finding_fields, NULL,
	  "api_inspect_finding" },
	{ M_POST, V SH "/submit", sheet_submit, API, NULL, submit_fields, NULL,
	  "api_inspect_submit" },
	{ M_GET, V "/schools/{id:int}", school_view, API, NULL, NULL, NULL, "api_inspect_school" },
	/* Rectification. */
	{ M_GET, V "/tasks", tasks_list, API, tasks_query, NULL, NULL, "api_inspect_tasks" },
	{ M_GET, V T, task_get, API, NULL, NULL, NULL, "api_inspect_task" },
	{ M_POST, V T "/answer", task_answer, API, NULL, answer_fields, NULL,
	  "api_inspect_task_answer" },
	{ M_POST, V T "/recheck", task_recheck, API, NULL, recheck_fields, NULL,
	  "api_inspect_task_recheck" },
	/* Accountability. */
	{ M_GET, "/api/v1/accountability", acc_list, API, NULL, NULL, NULL, "api_accountability" },
	{ M_POST, "/api/v1/accountability", acc_post, API, NULL, acc_fields, NULL,
	  "api_accountability_record" },
	{ M_GET, "/api/v1/accountability/{id:int}", acc_get, API, NULL, NULL, NULL,
	  "api_accountability_get" },
	/* The pages. */
	{ M_GET, "/inspections/checklists", checklists_list, PAGE, NULL, NULL,
	  "inspect_checklists", "inspect_checklists" },
	{ M_POST, "/inspections/checklists", checklist_new, PAGE, NULL, checklist_new_fields,
	  "inspect_checklists", "inspect_checklist_new_form" },
	{ M_GET, "/inspections" CL, checklist_get, PAGE, NULL, NULL, "inspect_checklist",
	  "inspect_checklist" },
	{ M_POST, "/inspections" CL "/items", item_add, PAGE, NULL, item_fields,
	  "inspect_checklist", "inspect_item_add_form" },
	{ M_POST, "/inspections" CL "/items/{item:int}", item_set, PAGE, NULL, item_fields,
	  "inspect_checklist", "inspect_item_set_form" },
	{ M_POST, "/inspections" CL "/items/{item:int}/delete", item_del, PAGE, NULL, NULL,
	  "inspect_checklist", "inspect_item_delete_form" },
	{ M_GET, "/inspections", campaigns_list, PAGE, NULL, NULL, "inspect_campaigns",
	  "inspect_campaigns" },
	{ M_POST, "/inspections", campaign_new, PAGE, NULL, campaign_fields, "inspect_campaigns",
	  "inspect_campaign_new_form" },
	{ M_GET, "/inspections/{id:int}", campaign_get, PAGE, NULL, NULL, "inspect_campaign",
	  "inspect_campaign" },
	{ M_POST, "/inspections/{id:int}/open", campaign_open, PAGE, NULL, NULL,
	  "inspect_campaign", "inspect_campaign_open_form" },
	{ M_POST, "/inspections/{id:int}/close", campaign_close, PAGE, NULL, NULL,
	  "inspect_campaign", "inspect_campaign_close_form" },
	{ M_GET, "/inspections" SH, sheet_get, PAGE, NULL, NULL, "inspect_sheet", "inspect_sheet" },
	{ M_POST, "/inspections" SH, sheet_head, PAGE, NULL, head_fields, "inspect_sheet",
	  "inspect_sheet_head_form" },
	{ M_POST, "/inspections" SH "/items/{item:int}", sheet_score, PAGE, NULL, score_fields,
	  "inspect_sheet", "inspect_score_form" },
	{ M_POST, "/inspections" SH "/findings", sheet_finding, PAGE, NULL, finding_fields,
	  "inspect_sheet", "inspect_finding_form" },
	{ M_POST, "/inspections" SH "/submit", sheet_submit, PAGE, NULL, submit_fields,
	  "inspect_sheet", "inspect_submit_form" },
	{ M_GET, "/inspections/evidence/{id:int}", evidence_get, PAGE, NULL, NULL, NULL,
	  "inspect_evidence" },
	{ M_GET, "/inspections/schools/{id:int}", school_view, PAGE, NULL, NULL, "inspect_school",
	  "inspect_school" },
	{ M_GET, "/inspections/tasks", tasks_list, PAGE, tasks_query, NULL, "inspect_tasks",
	  "inspect_tasks" },
	{ M_GET, "/inspections" T, task_get, PAGE, NULL, NULL, "inspect_task", "inspect_task" },
	{ M_POST, "/inspections" T "/answer", task_answer, PAGE, NULL, answer_fields,
	  "inspect_task", "inspect_task_answer_form" },
	{ M_POST, "/inspections" T "/recheck", task_recheck, PAGE, NULL, recheck_fields,
	  "inspect_task", "inspect_task_recheck_form" },
	{ M_GET, "/accountability", acc_list, PAGE, NULL, NULL, "accountability_list",
	  "accountability_list" },
	{ M_POST, "/accountability", acc_post, PAGE, NULL, acc_fields, "accountability_list",
	  "accountability_form" },
	{ M_GET, "/accountability/{id:int}", acc_get, PAGE, NULL, NULL, "accountability_record",
	  "accountability_record" },
};
const size_t inspect_routes_count = sizeof inspect_routes / sizeof inspect_routes[0];
