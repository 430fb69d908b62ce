/* store.c: opening a case, its chronology, its state, and the facts the
 * rules count.
 *
 * Writers run on the writer's connection inside the caller's job and
 * append their own audit record in the same transaction, so a change and
 * its record commit or fail together. The chronology is append-only:
 * nothing here updates or deletes an event. Never store content unsealed. */
#include "cases.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/keys.h"
#include "../auth/settings.h"
#include "../core/crypto.h"
#include "../org/org.h"
#include "../notify/notify.h"

void
case_number(int year, int seq, char out[16])
{
	snprintf(out, 16, "%04d-%04d", year % 10000, seq % 10000);
}

/* Runs one statement that returns no rows; XA_OK or its error. */
static xa_err
step_done(db_stmt *st)
{
	int rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* Seals n bytes into a malloc'd blob the caller frees. */
static xa_err
seal_heap(const uint8_t key[32], const void *p, size_t n, uint8_t **out,
    size_t *outlen)
{
	uint8_t *b = malloc(n + CRYPTO_SEAL_OVERHEAD);
	if (b == NULL)
		return XA_ENOMEM;
	xa_err e = crypto_seal(key, p, n, b, n + CRYPTO_SEAL_OVERHEAD, outlen);
	if (e != XA_OK) {
		free(b);
		return e;
	}
	*out = b;
	return XA_OK;
}

static xa_err
audit_obj(db *conn, const audit_entry *who, const char *action, const char *otype,
    int64_t oid, const char *fields, int64_t now)
{
	audit_entry e;
	if (who != NULL)
		e = *who;
	else
		memset(&e, 0, sizeof e);
	if (e.request_id == NULL)
		e.request_id = "";
	if (e.source == NULL)
		e.source = "";
	e.action = action;
	e.object_type = otype;
	e.object_id = oid;
	e.fields = fields;
	const keys *k = keys_get();
	return k ? audit_append(conn, k->audit, &e, now) : XA_ECRYPTO;
}

xa_err
case_open(db *conn, const case_new *c, const audit_entry *who, int64_t now,
    long zone, int64_t *id)
{
	char day[11];
	day_format(day_of(now, zone), day);
	int year = (int)strtol(day, NULL, 10);
	uint8_t key[32], wrapped[WRAPPED_KEY_LEN], *sum = NULL;
	size_t sumlen = 0;
	int64_t seq = 1;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT COALESCE(MAX(seq), 0) + 1 FROM cases"
	    " WHERE unit_id = ? AND year = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, c->unit_id);
	db_bind_int(st, 2, year);
	if (db_step(st) == 1)
		seq = db_col_int(st, 0);
	db_done(st);
	/* The first limit runs from now: immediate action, and for a case
	 * that may be serious, the police and bureau report if it is sooner. */
	case_limits lim;
	case_limits_load(conn, &lim);
	calendar cal = { 0 };
	int have_cal = calendar_load(conn, &cal) == XA_OK;
	int64_t due = case_due(CS_REPORTED, now, &lim, have_cal ? &cal : NULL, zone);
	if (c->serious) {
		int64_t police = deadline_due(have_cal ? &cal : NULL, now, lim.police.amount,
		    lim.police.unit, zone);
		if (police < due)
			due = police;
	}
	if (have_cal)
		calendar_free(&cal);
	if ((e = ckey_new(key, wrapped)) != XA_OK)
		goto done;
	const char *summary = c->summary ? c->summary : "";
	if ((e = seal_heap(key, summary, strlen(summary), &sum, &sumlen)) != XA_OK)
		goto done;
	if ((e = db_prepare(conn, "INSERT INTO cases (unit_id, year, seq, wkey, summary,"
	    " state, state_since, serious_flag, owner_id, created_by, opened_at, due_at)"
	    " VALUES (?, ?, ?, ?, ?, 'reported', ?, ?, ?, ?, ?, ?)", &st)) != XA_OK)
		goto done;
	db_bind_int(st, 1, c->unit_id);
	db_bind_int(st, 2, year);
	db_bind_int(st, 3, seq);
	db_bind_blob(st, 4, wrapped, sizeof wrapped);
	db_bind_blob(st, 5, sum, sumlen);
	db_bind_int(st, 6, now);
	db_bind_int(st, 7, c->serious ? 1 : 0);
	if (c->owner_id > 0)
		db_bind_int(st, 8, c->owner_id);
	else
		db_bind_null(st, 8);
	if (c->created_by > 0)
		db_bind_int(st, 9, c->created_by);
	else
		db_bind_null(st, 9);
	db_bind_int(st, 10, now);
	db_bind_int(st, 11, due);
	if ((e = step_done(st)) != XA_OK)
		goto done;
	*id = db_last_id(conn);
	/* The reports it joins: the school's own, not yet joined or dismissed. */
	json_t *rep = json_array();
	for (size_t i = 0; i < c->nreports && e == XA_OK; i++) {
		/* updated_at is the report's version for triage: it only moves
		 * forward, even within a second. */
		if ((e = db_prepare(conn, "UPDATE reports SET status = 'joined', case_id = ?,"
		    " updated_at = CASE WHEN updated_at + 1 > ? THEN updated_at + 1 ELSE ? END"
		    " WHERE id = ? AND unit_id = ? AND case_id IS NULL"
		    " AND status IN ('new', 'accepted')", &st)) != XA_OK)
			break;
		db_bind_int(st, 1, *id);
		db_bind_int(st, 2, now);
		db_bind_int(st, 3, now);
		db_bind_int(st, 4, c->reports[i]);
		db_bind_int(st, 5, c->unit_id);
		if ((e = step_done(st)) == XA_OK && db_changes(conn) != 1)
			e = XA_EINVAL;
		json_array_append_new(rep, json_integer(c->reports[i]));
	}
	if (e == XA_OK) {
		json_t *meta = json_pack("{s:o, s:b}", "reports", rep, "serious", c->serious);
		char *mt = meta ? json_dumps(meta, JSON_COMPACT) : NULL;
		json_decref(meta);
		event_new ev = { .case_id = *id, .kind = "opened", .author_id = c->created_by,
			.meta = mt, .occurred_at = now };
		e = mt ? case_event_add(conn, &ev, who, now, NULL) : XA_ENOMEM;
		free(mt);
	} else {
		json_decref(rep);
	}
	if (e == XA_OK) {
		char fields[64];
		snprintf(fields, sizeof fields, "unit=%lld", (long long)c->unit_id);
		e = audit_obj(conn, who, "case.open", "case", *id, fields, now);
	}
	if (e == XA_OK && c->serious) {
		char due_on[11];
		day_format(day_of(now, zone) + 5, due_on);
		e = supervision_auto(conn, *id, due_on, "", now);
	}
done:
	OPENSSL_cleanse(key, sizeof key);
	free(sum);
	return e;
}

xa_err
case_event_add(db *conn, const event_new *ev, const audit_entry *who, int64_t now,
    int64_t *id)
{
	if (!names_has(event_kinds, ev->kind))
		return XA_EINVAL;
	db_stmt *st = NULL;
	xa_err e;
	if (ev->corrects_id > 0) {
		if ((e = db_prepare(conn, "SELECT case_id FROM case_events WHERE id = ?",
		    &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, ev->corrects_id);
		int rc = db_step(st);
		int ok = rc == 1 && db_col_int(st, 0) == ev->case_id;
		db_done(st);
		if (!ok)
			return XA_EINVAL;
	}
	uint8_t key[32], *body = NULL;
	size_t blen = 0;
	if ((e = case_key(conn, ev->case_id, key)) != XA_OK)
		return e;
	if (ev->body != NULL &&
	    (e = seal_heap(key, ev->body, ev->body_len, &body, &blen)) != XA_OK)
		goto done;
	const char *meta = ev->meta ? ev->meta : "{}";
	if ((e = db_prepare(conn, "INSERT INTO case_events (case_id, kind, party_id,"
	    " corrects_id, occurred_at, author_id, meta, body, restricted, created_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st)) != XA_OK)
		goto done;
	db_bind_int(st, 1, ev->case_id);
	db_bind_text(st, 2, ev->kind, -1);
	if (ev->party_id > 0)
		db_bind_int(st, 3, ev->party_id);
	else
		db_bind_null(st, 3);
	if (ev->corrects_id > 0)
		db_bind_int(st, 4, ev->corrects_id);
	else
		db_bind_null(st, 4);
	db_bind_int(st, 5, ev->occurred_at > 0 ? ev->occurred_at : now);
	if (ev->author_id > 0)
		db_bind_int(st, 6, ev->author_id);
	else
		db_bind_null(st, 6);
	db_bind_text(st, 7, meta, -1);
	if (body != NULL)
		db_bind_blob(st, 8, body, blen);
	else
		db_bind_null(st, 8);
	db_bind_int(st, 9, ev->restricted ? 1 : 0);
	db_bind_int(st, 10, now);
	if ((e = step_done(st)) != XA_OK)
		goto done;
	int64_t eid = db_last_id(conn);
	if (id != NULL)
		*id = eid;
	/* The chain vouches for the entry: the SM3 of what was stored. */
	uint8_t h[SM3_LEN];
	size_t ml = strlen(meta);
	size_t total = strlen(ev->kind) + 1 + ml + 1 + blen;
	uint8_t *all = malloc(total);
	if (all == NULL) {
		e = XA_ENOMEM;
		goto done;
	}
	size_t k = strlen(ev->kind);
	memcpy(all, ev->kind, k);
	all[k] = '|';
	memcpy(all + k + 1, meta, ml);
	all[k + 1 + ml] = '|';
	if (blen > 0)
		memcpy(all + k + 2 + ml, body, blen);
	e = crypto_sm3(all, total, h);
	free(all);
	if (e != XA_OK)
		goto done;
	char hex[2 * SM3_LEN + 1], fields[160];
	crypto_hex(h, sizeof h, hex);
	snprintf(fields, sizeof fields, "case=%lld;kind=%s;sm3=%.32s",
	    (long long)ev->case_id, ev->kind, hex);
	e = audit_obj(conn, who, "case.event", "case_event", eid, fields, now);
done:
	OPENSSL_cleanse(key, sizeof key);
	free(body);
	return e;
}

xa_err
case_set_state(db *conn, int64_t id, enum case_state to, int64_t version,
    int64_t due_at, const char *note, const audit_entry *who, int64_t now)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT state, version FROM cases WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	enum case_state from = CS_REPORTED;
	int64_t v = 0;
	if (rc == 1) {
		e = case_state_parse(db_col_text(st, 0), &from);
		v = db_col_int(st, 1);
	} else {
		e = rc == 0 ? XA_ENOTFOUND : (xa_err)-rc;
	}
	db_done(st);
	if (e != XA_OK)
		return e;
	if (v != version)
		return XA_ECONFLICT;
	/* Entering an appeal remembers where to return; leaving it forgets. */
	const char *resume = to == CS_APPEAL ? case_state_name(from) : "";
	if ((e = db_prepare(conn, "UPDATE cases SET state = ?, state_since = ?, due_at = ?,"
	    " resume_state = ?,"
	    " closed_at = CASE WHEN ? = 'closed' AND closed_at = 0 THEN ? ELSE closed_at END,"
	    " archived_at = CASE WHEN ? = 'archived' THEN ? ELSE archived_at END,"
	    " appealed = CASE WHEN ? = 'appeal' THEN 1 ELSE appealed END,"
	    " version = version + 1 WHERE id = ? AND version = ?", &st)) != XA_OK)
		return e;
	const char *tn = case_state_name(to);
	db_bind_text(st, 1, tn, -1);
	db_bind_int(st, 2, now);
	db_bind_int(st, 3, due_at);
	db_bind_text(st, 4, resume, -1);
	db_bind_text(st, 5, tn, -1);
	db_bind_int(st, 6, now);
	db_bind_text(st, 7, tn, -1);
	db_bind_int(st, 8, now);
	db_bind_text(st, 9, tn, -1);
	db_bind_int(st, 10, id);
	db_bind_int(st, 11, version);
	if ((e = step_done(st)) != XA_OK)
		return e;
	if (db_changes(conn) != 1)
		return XA_ECONFLICT;
	char meta[96];
	snprintf(meta, sizeof meta, "{\"from\":\"%s\",\"to\":\"%s\"}", case_state_name(from), tn);
	event_new ev = { .case_id = id, .kind = "transition", .meta = meta,
		.author_id = who ? who->account_id : 0, .occurred_at = now,
		.body = note && *note ? note : NULL, .body_len = note ? strlen(note) : 0 };
	if ((e = case_event_add(conn, &ev, who, now, NULL)) != XA_OK)
		return e;
	char fields[64];
	snprintf(fields, sizeof fields, "state=%s", tn);
	return audit_obj(conn, who, "case.transition", "case", id, fields, now);
}

xa_err
supervision_auto(db *conn, int64_t id, const char *due_on, const char *required,
    int64_t now)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT count(*) FROM supervisions WHERE case_id = ?"
	    " AND state IN ('open', 'answered')", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	int64_t open = db_step(st) == 1 ? db_col_int(st, 0) : 0;
	db_done(st);
	if (open > 0)
		return XA_OK;
	if ((e = db_prepare(conn, "INSERT INTO supervisions (case_id, state, automatic,"
	    " due_on, required, opened_at) VALUES (?, 'open', 1, ?, ?, ?)", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, due_on, -1);
	db_bind_text(st, 3, required ? required : "", -1);
	db_bind_int(st, 4, now);
	if ((e = step_done(st)) != XA_OK)
		return e;
	int64_t sid = db_last_id(conn);
	if ((e = db_prepare(conn, "UPDATE cases SET supervised = 1 WHERE id = ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	if ((e = step_done(st)) != XA_OK)
		return e;
	char meta[96];
	snprintf(meta, sizeof meta, "{\"supervision_id\":%lld,\"action\":\"open\",\"automatic\":true}",
	    (long long)sid);
	event_new ev = { .case_id = id, .kind = "supervision", .meta = meta,
		.occurred_at = now };
	if ((e = case_event_add(conn, &ev, NULL, now, NULL)) != XA_OK ||
	    (e = notify_case(conn, "case.serious", id, due_on, now)) != XA_OK)
		return e;
	char fields[48];
	snprintf(fields, sizeof fields, "case=%lld", (long long)id);
	return audit_obj(conn, NULL, "supervision.auto", "supervision", sid, fields, now);
}

/* --- The facts. */

/* One party as the counting needs it. */
struct pf {
	int64_t id;
	int role;		/* 0 victim, 1 perpetrator, 2 other */
	bool notified, told_result, measured, followed;
};

static struct pf *
party(struct pf *p, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (p[i].id == id)
			return &p[i];
	return NULL;
}

static const char *
meta_str(json_t *m, const char *k)
{
	const char *s = json_string_value(json_object_get(m, k));
	return s ? s : "";
}

xa_err
case_facts_load(db *conn, int64_t id, int64_t now, case_facts *f)
{
	memset(f, 0, sizeof *f);
	f->now = now;
	f->finding = "";
	f->tier = "";
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT state, resume_state, finding, tier,"
	    " serious_flag, closed_at FROM cases WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc != 1) {
		db_done(st);
		return rc == 0 ? XA_ENOTFOUND : (xa_err)-rc;
	}
	case_state_parse(db_col_text(st, 0), &f->state);
	if (case_state_parse(db_col_text(st, 1), &f->resume) != XA_OK)
		f->resume = CS__COUNT;
	/* finding and tier point at the static names, not at the row. */
	for (size_t i = 0; case_findings[i]; i++)
		if (strcmp(case_findings[i], db_col_text(st, 2)) == 0)
			f->finding = case_findings[i];
	for (size_t i = 0; case_tiers[i]; i++)
		if (strcmp(case_tiers[i], db_col_text(st, 3)) == 0)
			f->tier = case_tiers[i];
	f->serious_flag = db_col_int(st, 4) != 0;
	f->closed_at = db_col_int(st, 5);
	db_done(st);

	struct pf *p = NULL;
	size_t np = 0, cap = 0;
	if ((e = db_prepare(conn, "SELECT id, role FROM case_parties WHERE case_id = ?",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	while ((rc = db_step(st)) == 1) {
		if (np == cap) {
			cap = cap ? cap * 2 : 16;
			struct pf *g = realloc(p, cap * sizeof *p);
			if (g == NULL) {
				e = XA_ENOMEM;
				break;
			}
			p = g;
		}
		const char *role = db_col_text(st, 1);
		p[np] = (struct pf){ .id = db_col_int(st, 0),
			.role = strcmp(role, "victim") == 0 ? 0 :
			    strcmp(role, "perpetrator") == 0 ? 1 : 2 };
		if (p[np].role == 0)
			f->victims++;
		else if (p[np].role == 1)
			f->perpetrators++;
		np++;
	}
	db_done(st);
	if (e != XA_OK || rc < 0)
		goto done;

	/* The chronology, counted in C: meta is JSON, and reading it here
	 * keeps the SQL the same on every backend. */
	if ((e = db_prepare(conn, "SELECT kind, party_id, meta, occurred_at FROM case_events"
	    " WHERE case_id = ?", &st)) != XA_OK)
		goto done;
	db_bind_int(st, 1, id);
	/* The appeal window counts whole days from the determination's day,
	 * taken at UTC+8 (Asia/Shanghai, the bureau's zone): the facts read
	 * no configuration. A bureau in another zone would see the window's
	 * edge move by its offset's difference. */
	long zone = 8 * 3600;
	while ((rc = db_step(st)) == 1) {
		const char *kind = db_col_text(st, 0);
		int64_t pid = db_col_is_null(st, 1) ? 0 : db_col_int(st, 1);
		json_t *m = json_loads(db_col_text(st, 2), 0, NULL);
		struct pf *pp = party(p, np, pid);
		if (strcmp(kind, "guardian_notice") == 0 && pp != NULL) {
			const char *about = meta_str(m, "about");
			if (strcmp(about, "result") == 0)
				pp->told_result = true;
			else
				pp->notified = true;
		} else if (strcmp(kind, "stop") == 0) {
			f->stop_events++;
		} else if (strcmp(kind, "protection") == 0) {
			f->protection_events++;
		} else if (strcmp(kind, "referral") == 0) {
			if (strcmp(meta_str(m, "agency"), "police") == 0)
				f->police_referrals++;
		} else if (strcmp(kind, "bureau_report") == 0) {
			f->bureau_reports++;
		} else if (strcmp(kind, "interview") == 0 || strcmp(kind, "evidence") == 0) {
			f->investigation_records++;
		} else if (strcmp(kind, "determination") == 0) {
			f->determined_day = day_of(db_col_int(st, 3), zone);
		}
		json_decref(m);
	}
	db_done(st);
	if (rc < 0) {
		e = (xa_err)-rc;
		goto done;
	}

	if ((e = db_prepare(conn, "SELECT party_id, guardians_told_at, done_at FROM"
	    " case_measures WHERE case_id = ?", &st)) != XA_OK)
		goto done;
	db_bind_int(st, 1, id);
	while ((rc = db_step(st)) == 1) {
		f->measures++;
		if (db_col_int(st, 1) == 0)
			f->measures_not_told++;
		if (db_col_int(st, 2) == 0)
			f->measures_not_done++;
		struct pf *pp = party(p, np, db_col_int(st, 0));
		if (pp != NULL)
			pp->measured = true;
	}
	db_done(st);

	if ((e = db_prepare(conn, "SELECT party_id FROM case_reviews WHERE case_id = ?"
	    " AND kind = 'followup' AND done_at > 0", &st)) != XA_OK)
		goto done;
	db_bind_int(st, 1, id);
	while ((rc = db_step(st)) == 1) {
		struct pf *pp = party(p, np, db_col_is_null(st, 0) ? 0 : db_col_int(st, 0));
		if (pp != NULL)
			pp->followed = true;
	}
	db_done(st);

	for (size_t i = 0; i < np; i++) {
		if (p[i].role == 2)
			continue;
		if (p[i].notified) {
			if (p[i].role == 0)
				f->victims_notified++;
			else
				f->perpetrators_notified++;
		}
		if (p[i].told_result)
			f->outcome_notified++;
		if (p[i].role == 1 && !p[i].measured)
			f->perpetrators_without_measure++;
		if (!p[i].followed) {
			if (p[i].role == 0)
				f->victims_without_followup++;
			else
				f->perpetrators_without_followup++;
		}
	}

	if ((e = db_prepare(conn, "SELECT"
	    " (SELECT count(*) FROM supervisions WHERE case_id = ? AND state IN ('open', 'answered')),"
	    " (SELECT count(*) FROM appeals WHERE case_id = ? AND state IN ('lodged', 'review'))",
	    &st)) != XA_OK)
		goto done;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, id);
	if (db_step(st) == 1) {
		f->open_supervisions = (int)db_col_int(st, 0);
		f->open_appeals = (int)db_col_int(st, 1);
	}
	db_done(st);
	f->appeal_window_days = setting_get(conn, S_CASE_APPEAL_WINDOW);
	e = XA_OK;
done:
	free(p);
	return e;
}
