/* records.c: semesters, the prevention records' writes and their
 * evidence files, the compliance count and the demo's semester of work
 * (records.h).
 *
 * Never: update or delete a record other than marking it superseded by
 * its correction, count a superseded record, store an evidence file
 * unsealed or a photo uncleaned, or read the clock. */
#include "records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/audit.h"
#include "../auth/keys.h"
#include "../auth/settings.h"
#include "../cases/attach.h"
#include "../core/crypto.h"

const char *const prev_audiences[] = { "students", "parents", "staff", NULL };
const char *const prev_places[] = { "stairwell", "rooftop", "storeroom", "toilet",
	"corner", "dormitory", "playground_edge", "other", NULL };
const char *const prev_video[] = { "yes", "partial", "no", NULL };
const char *const prev_training_roles[] = { "principal", "committee_member",
	"head_teacher", "counsellor", "teacher", "other_staff", NULL };

/* ------------------------------------------------------------------ */
/* Semesters. */

/* The four digits at s as a number (the caller checked they are digits). */
static int
year4(const char *s)
{
	return (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
}

/* The day y-m-d; assumes a valid date. */
static xa_day
ymd(int y, int m, int d)
{
	char s[32];
	xa_day out = 0;
	snprintf(s, sizeof s, "%04d-%02d-%02d", y, m, d);
	(void)day_parse(s, &out);
	return out;
}

/* Fills out for half 1 or 2 of the school year starting in September
 * of y. */
static void
semester_make(int y, int half, semester *out)
{
	memset(out, 0, sizeof *out);
	/* Years stay within 1970..9999 (semester_parse, day_parse). */
	y = y < 1970 ? 1970 : y > 9998 ? 9998 : y;
	snprintf(out->name, sizeof out->name, "%04d-%04d-%d", y, y + 1, half);
	snprintf(out->year, sizeof out->year, "%04d-%04d", y, y + 1);
	out->half = half;
	if (half == 1) {
		out->first = ymd(y, 9, 1);
		out->end = ymd(y + 1, 1, 31);
		out->last = out->end;
	} else {
		out->first = ymd(y + 1, 2, 1);
		out->end = ymd(y + 1, 7, 31);
		out->last = ymd(y + 1, 8, 31);
	}
	out->year_end = ymd(y + 1, 7, 31);
}

void
semester_of(xa_day d, semester *out)
{
	char s[11];
	day_format(d, s);
	int y = year4(s);
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	if (m >= 9)
		semester_make(y, 1, out);
	else if (m == 1)
		semester_make(y - 1, 1, out);
	else
		semester_make(y - 1, 2, out);
}

xa_err
semester_parse(const char *s, semester *out)
{
	if (s == NULL || strlen(s) != 11 || s[4] != '-' || s[9] != '-' ||
	    (s[10] != '1' && s[10] != '2'))
		return XA_EINVAL;
	for (int i = 0; i < 4; i++)
		if (s[i] < '0' || s[i] > '9' || s[5 + i] < '0' || s[5 + i] > '9')
			return XA_EINVAL;
	int y1 = year4(s), y2 = year4(s + 5);
	if (y2 != y1 + 1 || y1 < 1971 || y1 > 9998)
		return XA_EINVAL;
	semester_make(y1, s[10] - '0', out);
	return XA_OK;
}

void
semester_prev(const semester *s, semester *out)
{
	int y = year4(s->year);
	if (s->half == 2)
		semester_make(y, 1, out);
	else
		semester_make(y - 1, 2, out);
}

/* ------------------------------------------------------------------ */
/* Records. */

/* 1 when v is one of the NULL-terminated list's names. */
static int
known(const char *const *list, const char *v)
{
	for (size_t i = 0; v != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], v) == 0)
			return 1;
	return 0;
}

/* 1 when v names one or more known places, comma-separated, none twice. */
static int
places_ok(const char *v)
{
	size_t n = 0;
	unsigned seen = 0;
	if (v == NULL || v[0] == '\0')
		return 0;
	for (const char *p = v; *p != '\0'; n++) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		int found = -1;
		for (int i = 0; prev_places[i] != NULL; i++)
			if (strlen(prev_places[i]) == len && strncmp(prev_places[i], p, len) == 0)
				found = i;
		if (found < 0 || (seen & (1u << found)))
			return 0;
		seen |= 1u << found;
		p = c ? c + 1 : p + len;
		if (c != NULL && *p == '\0')
			return 0;
	}
	return n > 0;
}

/* Runs one statement with no result; XA_OK or the step's error. */
static xa_err
step_done(db_stmt *st)
{
	int rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* Checks rec's values for its kind; its day into *day. */
static xa_err
record_check(const prev_record *rec, xa_day *day)
{
	if (rec->held_on == NULL || day_parse(rec->held_on, day) != XA_OK ||
	    rec->unit_id <= 0 || rec->replaces < 0)
		return XA_EINVAL;
	switch (rec->kind) {
	case PK_SESSION:
		if (rec->topic == NULL || rec->topic[0] == '\0' ||
		    !known(prev_audiences, rec->audience) || rec->participants < 0 ||
		    rec->participants > 100000)
			return XA_EINVAL;
		return XA_OK;
	case PK_MEETING:
		if (rec->topic == NULL || rec->topic[0] == '\0' || rec->grade < 1 ||
		    rec->grade > 12 || rec->class_name == NULL || rec->class_name[0] == '\0')
			return XA_EINVAL;
		return XA_OK;
	case PK_SCREENING:
		if (!places_ok(rec->places) || !known(prev_video, rec->video))
			return XA_EINVAL;
		return XA_OK;
	case PK_TRAINING:
		if (rec->name == NULL || rec->name[0] == '\0' || rec->course == NULL ||
		    rec->course[0] == '\0' || !known(prev_training_roles, rec->role) ||
		    rec->hours_tenths < 1 || rec->hours_tenths > 2000 || rec->score < -1 ||
		    rec->score > 100 || rec->passed < -1 || rec->passed > 1)
			return XA_EINVAL;
		return XA_OK;
	default:
		return XA_EINVAL;
	}
}

/* The statements of each kind: whether a record of this school can be
 * replaced (1), was already (0), and marking it replaced. */
static const struct {
	const char *state_sql;
	const char *mark_sql;
} kind_sql[PK__COUNT] = {
	[PK_SESSION] = {
		"SELECT superseded_by IS NULL FROM prevention_sessions WHERE id = ? AND unit_id = ?",
		"UPDATE prevention_sessions SET superseded_by = ? WHERE id = ?"
		" AND superseded_by IS NULL" },
	[PK_MEETING] = {
		"SELECT superseded_by IS NULL FROM prevention_class_meetings WHERE id = ?"
		" AND unit_id = ?",
		"UPDATE prevention_class_meetings SET superseded_by = ? WHERE id = ?"
		" AND superseded_by IS NULL" },
	[PK_SCREENING] = {
		"SELECT superseded_by IS NULL FROM prevention_screenings WHERE id = ? AND unit_id = ?",
		"UPDATE prevention_screenings SET superseded_by = ? WHERE id = ?"
		" AND superseded_by IS NULL" },
	[PK_TRAINING] = {
		"SELECT superseded_by IS NULL FROM prevention_training WHERE id = ? AND unit_id = ?",
		"UPDATE prevention_training SET superseded_by = ? WHERE id = ?"
		" AND superseded_by IS NULL" },
};

/* Binds NULL for a negative v (none), else v. */
static void
bind_opt(db_stmt *st, int i, int64_t v)
{
	if (v < 0)
		db_bind_null(st, i);
	else
		db_bind_int(st, i, v);
}

/* Inserts rec of semester s; its id into *id. */
static xa_err
record_insert(db *conn, const prev_record *rec, const semester *s, int64_t by,
    int64_t now, int64_t *id)
{
	db_stmt *st = NULL;
	xa_err e;
	/* The columns every kind shares come last, from index `tail`. */
	int tail;
	switch (rec->kind) {
	case PK_SESSION:
		e = db_prepare(conn, "INSERT INTO prevention_sessions (unit_id, semester, held_on,"
		    " topic, audience, participants, notes, replaces, created_by, created_at)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
		if (e != XA_OK)
			return e;
		db_bind_text(st, 4, rec->topic, -1);
		db_bind_text(st, 5, rec->audience, -1);
		db_bind_int(st, 6, rec->participants);
		db_bind_text(st, 7, rec->notes ? rec->notes : "", -1);
		tail = 8;
		break;
	case PK_MEETING:
		e = db_prepare(conn, "INSERT INTO prevention_class_meetings (unit_id, semester,"
		    " held_on, grade, class_name, topic, notes, replaces, created_by, created_at)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
		if (e != XA_OK)
			return e;
		db_bind_int(st, 4, rec->grade);
		db_bind_text(st, 5, rec->class_name, -1);
		db_bind_text(st, 6, rec->topic, -1);
		db_bind_text(st, 7, rec->notes ? rec->notes : "", -1);
		tail = 8;
		break;
	case PK_SCREENING:
		e = db_prepare(conn, "INSERT INTO prevention_screenings (unit_id, semester, held_on,"
		    " places, findings, video, fixes, replaces, created_by, created_at)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
		if (e != XA_OK)
			return e;
		db_bind_text(st, 4, rec->places, -1);
		db_bind_text(st, 5, rec->findings ? rec->findings : "", -1);
		db_bind_text(st, 6, rec->video, -1);
		db_bind_text(st, 7, rec->fixes ? rec->fixes : "", -1);
		tail = 8;
		break;
	case PK_TRAINING:
		e = db_prepare(conn, "INSERT INTO prevention_training (unit_id, semester, held_on,"
		    " account_id, name, role, course, school_year, hours_tenths, provider, score,"
		    " passed, replaces, created_by, created_at)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
		if (e != XA_OK)
			return e;
		bind_opt(st, 4, rec->account_id > 0 ? rec->account_id : -1);
		db_bind_text(st, 5, rec->name, -1);
		db_bind_text(st, 6, rec->role, -1);
		db_bind_text(st, 7, rec->course, -1);
		db_bind_text(st, 8, s->year, -1);
		db_bind_int(st, 9, rec->hours_tenths);
		db_bind_text(st, 10, rec->provider ? rec->provider : "", -1);
		bind_opt(st, 11, rec->score);
		bind_opt(st, 12, rec->passed);
		tail = 13;
		break;
	default:
		return XA_EINVAL;
	}
	db_bind_int(st, 1, rec->unit_id);
	db_bind_text(st, 2, s->name, -1);
	db_bind_text(st, 3, rec->held_on, -1);
	bind_opt(st, tail, rec->replaces > 0 ? rec->replaces : -1);
	db_bind_int(st, tail + 1, by);
	db_bind_int(st, tail + 2, now);
	if ((e = step_done(st)) != XA_OK)
		return e;
	*id = db_last_id(conn);
	return XA_OK;
}

xa_err
prev_record_add(db *conn, const prev_record *rec, int64_t by, int64_t now, int64_t *id)
{
	xa_day day;
	semester s;
	db_stmt *st = NULL;
	xa_err e = record_check(rec, &day);
	if (e != XA_OK)
		return e;
	semester_of(day, &s);
	if (rec->replaces > 0) {
		if ((e = db_prepare(conn, kind_sql[rec->kind].state_sql, &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, rec->replaces);
		db_bind_int(st, 2, rec->unit_id);
		int rc = db_step(st);
		int current = rc == 1 ? (int)db_col_int(st, 0) : -1;
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
		if (current < 0)
			return XA_ENOTFOUND;
		if (current == 0)
			return XA_ECONFLICT;
	}
	if ((e = record_insert(conn, rec, &s, by, now, id)) != XA_OK)
		return e;
	if (rec->replaces > 0) {
		if ((e = db_prepare(conn, kind_sql[rec->kind].mark_sql, &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, *id);
		db_bind_int(st, 2, rec->replaces);
		if ((e = step_done(st)) != XA_OK)
			return e;
		if (db_changes(conn) != 1)
			return XA_ECONFLICT;
		/* The files that showed the work stay with its corrected
		 * record (copied: the old row's stay with the old record). */
		const char *ek = prev_evidence_kind(rec->kind);
		if (ek != NULL) {
			if ((e = db_prepare(conn, "INSERT INTO prevention_evidence (unit_id, kind,"
			    " record_id, mime, size, name, data, created_by, created_at)"
			    " SELECT unit_id, kind, ?, mime, size, name, data, created_by, created_at"
			    " FROM prevention_evidence WHERE kind = ? AND record_id = ? ORDER BY id",
			    &st)) != XA_OK)
				return e;
			db_bind_int(st, 1, *id);
			db_bind_text(st, 2, ek, -1);
			db_bind_int(st, 3, rec->replaces);
			if ((e = step_done(st)) != XA_OK)
				return e;
		}
	}
	return XA_OK;
}

int
prev_training_exists(db *conn, const prev_record *rec)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT 1 FROM prevention_training WHERE unit_id = ?"
	    " AND name = ? AND course = ? AND held_on = ? AND provider = ?"
	    " AND superseded_by IS NULL LIMIT 1", &st);
	if (e != XA_OK)
		return -(int)e;
	db_bind_int(st, 1, rec->unit_id);
	db_bind_text(st, 2, rec->name ? rec->name : "", -1);
	db_bind_text(st, 3, rec->course ? rec->course : "", -1);
	db_bind_text(st, 4, rec->held_on ? rec->held_on : "", -1);
	db_bind_text(st, 5, rec->provider ? rec->provider : "", -1);
	int rc = db_step(st);
	db_done(st);
	return rc < 0 ? rc : rc == 1;
}

/* ------------------------------------------------------------------ */
/* Evidence files. */

const char *
prev_evidence_kind(enum prev_kind k)
{
	static const char *const names[PK__COUNT] = { [PK_SESSION] = "session",
		[PK_MEETING] = "class_meeting", [PK_SCREENING] = "screening" };
	return (int)k >= 0 && k < PK__COUNT ? names[k] : NULL;
}

const char *
prev_evidence_sniff(const void *data, size_t n)
{
	const char *img = attach_sniff(data, n);
	if (img != NULL)
		return img;
	if (n >= 5 && memcmp(data, "%PDF-", 5) == 0)
		return "application/pdf";
	return NULL;
}

/* The stored name: the sent name's base (at most 120 bytes, not cut
 * inside a character) with the extension of what the file is. */
static const char *
evidence_name(arena *a, const char *filename, const char *mime)
{
	const char *ext = strcmp(mime, "image/png") == 0 ? ".png" :
	    strcmp(mime, "application/pdf") == 0 ? ".pdf" : ".jpg";
	const char *base = filename ? filename : "";
	size_t n = strlen(base);
	const char *dot = strrchr(base, '.');
	if (dot != NULL && dot != base)
		n = (size_t)(dot - base);
	if (n > 120) {
		n = 120;
		while (n > 0 && ((unsigned char)base[n] & 0xC0) == 0x80)
			n--;
	}
	if (n == 0)
		return arena_printf(a, "%s%s", strcmp(ext, ".pdf") == 0 ? "document" : "photo",
		    ext);
	return arena_printf(a, "%.*s%s", (int)n, base, ext);
}

xa_err
prev_file_prepare(arena *a, const uint8_t key[32], const void *data, size_t n,
    const char *filename, prev_file *out)
{
	const void *plain = data;
	size_t plain_len = n;
	const char *mime = prev_evidence_sniff(data, n);
	if (mime == NULL)
		return XA_EINVAL;
	if (n > PREV_EVIDENCE_BYTES)
		return XA_ETOOBIG;
	if (strcmp(mime, "application/pdf") != 0) {
		void *clean = NULL;
		xa_err e = attach_clean(a, data, n, &mime, &clean, &plain_len);
		if (e != XA_OK)
			return e;
		plain = clean;
	}
	size_t cap = plain_len + CRYPTO_SEAL_OVERHEAD, len = 0;
	uint8_t *sealed = arena_alloc(a, cap);
	const char *name = evidence_name(a, filename, mime);
	if (sealed == NULL || name == NULL)
		return XA_ENOMEM;
	xa_err e = crypto_seal(key, plain, plain_len, sealed, cap, &len);
	if (e != XA_OK)
		return e;
	out->mime = mime;
	out->name = name;
	out->size = plain_len;
	out->sealed = sealed;
	out->sealed_len = len;
	return XA_OK;
}

xa_err
prev_file_open(arena *a, const uint8_t key[32], const void *sealed, size_t n, void **out,
    size_t *outlen)
{
	if (n < CRYPTO_SEAL_OVERHEAD)
		return XA_ECRYPTO;
	size_t cap = n - CRYPTO_SEAL_OVERHEAD;
	uint8_t *buf = arena_alloc(a, cap ? cap : 1);
	if (buf == NULL)
		return XA_ENOMEM;
	xa_err e = crypto_open(key, sealed, n, buf, cap, outlen);
	if (e != XA_OK)
		return e;
	*out = buf;
	return XA_OK;
}

xa_err
prev_evidence_add(db *conn, enum prev_kind k, int64_t unit, int64_t record,
    const prev_file *files, size_t n, int64_t by, int64_t now, int64_t *ids)
{
	const char *ek = prev_evidence_kind(k);
	db_stmt *st = NULL;
	xa_err e;
	int64_t have = 0;
	if (ek == NULL)
		return XA_EINVAL;
	if ((e = db_prepare(conn, kind_sql[k].state_sql, &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, record);
	db_bind_int(st, 2, unit);
	int rc = db_step(st);
	int current = rc == 1 ? (int)db_col_int(st, 0) : -1;
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (current < 0)
		return XA_ENOTFOUND;
	if (current == 0)
		return XA_ECONFLICT;
	if ((e = db_prepare(conn, "SELECT count(*) FROM prevention_evidence WHERE kind = ?"
	    " AND record_id = ?", &st)) != XA_OK)
		return e;
	db_bind_text(st, 1, ek, -1);
	db_bind_int(st, 2, record);
	rc = db_step(st);
	if (rc == 1)
		have = db_col_int(st, 0);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (have + (int64_t)n > PREV_EVIDENCE_MAX)
		return XA_ETOOMANY;
	for (size_t i = 0; i < n; i++) {
		if ((e = db_prepare(conn, "INSERT INTO prevention_evidence (unit_id, kind,"
		    " record_id, mime, size, name, data, created_by, created_at)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, unit);
		db_bind_text(st, 2, ek, -1);
		db_bind_int(st, 3, record);
		db_bind_text(st, 4, files[i].mime, -1);
		db_bind_int(st, 5, (int64_t)files[i].size);
		db_bind_text(st, 6, files[i].name, -1);
		db_bind_blob(st, 7, files[i].sealed, files[i].sealed_len);
		db_bind_int(st, 8, by);
		db_bind_int(st, 9, now);
		if ((e = step_done(st)) != XA_OK)
			return e;
		if (ids != NULL)
			ids[i] = db_last_id(conn);
	}
	return XA_OK;
}

xa_err
prev_hours_parse(const char *s, int *tenths)
{
	long whole = 0;
	int frac = 0, digits = 0;
	const char *p = s;
	if (s == NULL)
		return XA_EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (*p - '0');
		if (++digits > 4)
			return XA_EINVAL;
	}
	if (digits == 0)
		return XA_EINVAL;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return XA_EINVAL;
		frac = *p++ - '0';
		/* Trailing zeros ("1.50") are the same number. */
		while (*p == '0')
			p++;
	}
	if (*p != '\0')
		return XA_EINVAL;
	long t = whole * 10 + frac;
	if (t < 1 || t > 2000)
		return XA_EINVAL;
	*tenths = (int)t;
	return XA_OK;
}

int64_t
prev_account_by_name(db *conn, int64_t unit, const char *name)
{
	db_stmt *st = NULL;
	int64_t id = 0, n = 0;
	if (name == NULL || db_prepare(conn, "SELECT id FROM accounts WHERE unit_id = ?"
	    " AND display_name = ? AND disabled = 0 LIMIT 2", &st) != XA_OK)
		return 0;
	db_bind_int(st, 1, unit);
	db_bind_text(st, 2, name, -1);
	while (db_step(st) == 1) {
		id = db_col_int(st, 0);
		n++;
	}
	db_done(st);
	return n == 1 ? id : 0;
}

/* ------------------------------------------------------------------ */
/* Compliance. */

void
prev_requirements_load(db *conn, prev_requirements *out)
{
	out->sessions = (int)setting_get(conn, S_PREV_SESSIONS);
	out->meetings = (int)setting_get(conn, S_PREV_CLASS_MEETINGS);
	out->screenings = (int)setting_get(conn, S_PREV_SCREENINGS);
	out->parents = (int)setting_get(conn, S_PREV_PARENT_SESSIONS);
	out->training_tenths = (int)setting_get(conn, S_PREV_TRAINING_HOURS) * 10;
	out->due_weeks = (int)setting_get(conn, S_PREV_DUE_WEEKS);
}

enum duty_state
prev_duty_state(int done, int required, xa_day first, xa_day end, xa_day today, int weeks)
{
	if (done >= required)
		return DUTY_MET;
	if (today > end)
		return DUTY_OVERDUE;
	if (today < first)
		return DUTY_OPEN;
	return end - today < (xa_day)weeks * 7 ? DUTY_DUE_SOON : DUTY_OPEN;
}

/* The school of id in list[0..n) (sorted by id), or NULL. */
static prev_school *
school_find(prev_school *list, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (list[mid].id == id)
			return &list[mid];
		if (list[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
by_id(const void *a, const void *b)
{
	const prev_school *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Townships in the registry's order (their ids), schools directly under
 * the bureau last; within one, schools by name. */
static int
by_township(const void *a, const void *b)
{
	const prev_school *x = a, *y = b;
	if (x->township_id != y->township_id) {
		if (x->township_id == 0 || y->township_id == 0)
			return x->township_id == 0 ? 1 : -1;
		return x->township_id < y->township_id ? -1 : 1;
	}
	int c = strcmp(x->name, y->name);
	return c != 0 ? c : (x->id < y->id ? -1 : x->id > y->id);
}

/* Reads the schools (one, or the active ones under scope) into a
 * malloc'd array. */
static xa_err
load_schools(db *conn, const char *scope, int64_t only, prev_school **out, size_t *n)
{
	db_stmt *st = NULL;
	size_t cap = 0, len = 0;
	prev_school *list = NULL;
	xa_err e;
	if (only > 0) {
		e = db_prepare(conn, "SELECT u.id, u.name, u.path, coalesce(u.township_id, 0),"
		    " coalesce(t.name, '') FROM units u LEFT JOIN units t ON t.id = u.township_id"
		    " WHERE u.id = ? AND u.kind = 'school'", &st);
		if (e != XA_OK)
			return e;
		db_bind_int(st, 1, only);
	} else {
		e = db_prepare(conn, "SELECT u.id, u.name, u.path, coalesce(u.township_id, 0),"
		    " coalesce(t.name, '') FROM units u LEFT JOIN units t ON t.id = u.township_id"
		    " WHERE u.kind = 'school' AND u.active = 1"
		    " AND substr(u.path, 1, length(?)) = ?", &st);
		if (e != XA_OK)
			return e;
		db_bind_text(st, 1, scope ? scope : "/", -1);
		db_bind_text(st, 2, scope ? scope : "/", -1);
	}
	int rc;
	while ((rc = db_step(st)) == 1) {
		if (len == cap) {
			size_t nc = cap ? cap * 2 : 64;
			prev_school *nl = realloc(list, nc * sizeof *nl);
			if (nl == NULL) {
				rc = -XA_ENOMEM;
				break;
			}
			list = nl;
			cap = nc;
		}
		prev_school *s = &list[len++];
		memset(s, 0, sizeof *s);
		s->id = db_col_int(st, 0);
		snprintf(s->name, sizeof s->name, "%s", db_col_text(st, 1));
		snprintf(s->path, sizeof s->path, "%s", db_col_text(st, 2));
		s->township_id = db_col_int(st, 3);
		snprintf(s->township, sizeof s->township, "%s", db_col_text(st, 4));
	}
	db_done(st);
	if (rc < 0) {
		free(list);
		return (xa_err)-rc;
	}
	*out = list;
	*n = len;
	return XA_OK;
}

xa_err
prev_compliance(db *conn, const semester *s, const prev_requirements *req,
    xa_day today, const char *scope, int64_t only, prev_school **out, size_t *n)
{
	prev_school *list = NULL;
	size_t len = 0;
	db_stmt *st = NULL;
	int rc = 0;
	xa_err e = load_schools(conn, scope, only, &list, &len);
	if (e != XA_OK)
		return e;
	qsort(list, len, sizeof *list, by_id);
	for (size_t i = 0; i < len; i++) {
		list[i].sessions.required = req->sessions;
		list[i].parents.required = req->parents;
		list[i].screenings.required = req->screenings;
	}
	/* Sessions by audience (staff sessions count for no duty here). */
	if ((e = db_prepare(conn, "SELECT s.unit_id, s.audience, count(*), sum(CASE WHEN EXISTS"
	    " (SELECT 1 FROM prevention_evidence e WHERE e.kind = 'session'"
	    " AND e.record_id = s.id) THEN 1 ELSE 0 END) FROM prevention_sessions s"
	    " WHERE s.semester = ? AND s.superseded_by IS NULL GROUP BY s.unit_id, s.audience",
	    &st)) != XA_OK)
		goto fail;
	db_bind_text(st, 1, s->name, -1);
	while ((rc = db_step(st)) == 1) {
		prev_school *p = school_find(list, len, db_col_int(st, 0));
		const char *aud = db_col_text(st, 1);
		prev_duty *d = NULL;
		if (p == NULL)
			continue;
		if (strcmp(aud, "students") == 0)
			d = &p->sessions;
		else if (strcmp(aud, "parents") == 0)
			d = &p->parents;
		if (d != NULL) {
			d->done = (int)db_col_int(st, 2);
			d->evidenced = (int)db_col_int(st, 3);
		}
	}
	db_done(st);
	if (rc < 0)
		goto step_fail;
	/* Screenings. */
	if ((e = db_prepare(conn, "SELECT s.unit_id, count(*), sum(CASE WHEN EXISTS"
	    " (SELECT 1 FROM prevention_evidence e WHERE e.kind = 'screening'"
	    " AND e.record_id = s.id) THEN 1 ELSE 0 END) FROM prevention_screenings s"
	    " WHERE s.semester = ? AND s.superseded_by IS NULL GROUP BY s.unit_id", &st)) != XA_OK)
		goto fail;
	db_bind_text(st, 1, s->name, -1);
	while ((rc = db_step(st)) == 1) {
		prev_school *p = school_find(list, len, db_col_int(st, 0));
		if (p != NULL) {
			p->screenings.done = (int)db_col_int(st, 1);
			p->screenings.evidenced = (int)db_col_int(st, 2);
		}
	}
	db_done(st);
	if (rc < 0)
		goto step_fail;
	/* Class meetings: those held, counting no class beyond what it
	 * needs, of those every class needs; so done == required exactly
	 * when every class has held enough. */
	if ((e = db_prepare(conn, "SELECT c.unit_id, count(*) * ?,"
	    " sum(CASE WHEN coalesce(m.n, 0) >= ? THEN ? ELSE coalesce(m.n, 0) END),"
	    " sum(CASE WHEN coalesce(m.ev, 0) >= ? THEN ? ELSE coalesce(m.ev, 0) END) FROM classes c"
	    " LEFT JOIN (SELECT x.unit_id, x.grade, x.class_name, count(*) AS n,"
	    " sum(CASE WHEN EXISTS (SELECT 1 FROM prevention_evidence e"
	    " WHERE e.kind = 'class_meeting' AND e.record_id = x.id) THEN 1 ELSE 0 END) AS ev"
	    " FROM prevention_class_meetings x WHERE x.semester = ? AND x.superseded_by IS NULL"
	    " GROUP BY x.unit_id, x.grade, x.class_name) m ON m.unit_id = c.unit_id"
	    " AND m.grade = c.grade AND m.class_name = c.name GROUP BY c.unit_id", &st)) != XA_OK)
		goto fail;
	db_bind_int(st, 1, req->meetings);
	db_bind_int(st, 2, req->meetings);
	db_bind_int(st, 3, req->meetings);
	db_bind_int(st, 4, req->meetings);
	db_bind_int(st, 5, req->meetings);
	db_bind_text(st, 6, s->name, -1);
	while ((rc = db_step(st)) == 1) {
		prev_school *p = school_find(list, len, db_col_int(st, 0));
		if (p == NULL)
			continue;
		p->meetings.required = (int)db_col_int(st, 1);
		p->meetings.done = (int)db_col_int(st, 2);
		p->meetings.evidenced = (int)db_col_int(st, 3);
	}
	db_done(st);
	if (rc < 0)
		goto step_fail;
	/* Training: staff with a school role who took enough hours this
	 * school year, of all such staff. */
	if ((e = db_prepare(conn, "SELECT a.unit_id, count(*),"
	    " sum(CASE WHEN coalesce(t.h, 0) >= ? THEN 1 ELSE 0 END) FROM accounts a"
	    " LEFT JOIN (SELECT account_id, sum(hours_tenths) AS h FROM prevention_training"
	    " WHERE school_year = ? AND superseded_by IS NULL AND account_id IS NOT NULL"
	    " GROUP BY account_id) t ON t.account_id = a.id WHERE a.disabled = 0"
	    " AND EXISTS (SELECT 1 FROM account_roles r WHERE r.account_id = a.id AND r.role IN"
	    " ('principal', 'committee_member', 'head_teacher', 'counsellor', 'teacher'))"
	    " GROUP BY a.unit_id", &st)) != XA_OK)
		goto fail;
	db_bind_int(st, 1, req->training_tenths);
	db_bind_text(st, 2, s->year, -1);
	while ((rc = db_step(st)) == 1) {
		prev_school *p = school_find(list, len, db_col_int(st, 0));
		if (p == NULL)
			continue;
		p->training.required = (int)db_col_int(st, 1);
		p->training.done = (int)db_col_int(st, 2);
	}
	db_done(st);
	if (rc < 0)
		goto step_fail;
	/* Training is a duty of the school year, due with its second half. */
	semester y1 = *s;
	if (s->half == 2)
		semester_prev(s, &y1);
	for (size_t i = 0; i < len; i++) {
		prev_school *p = &list[i];
		prev_duty *sem[] = { &p->sessions, &p->parents, &p->screenings, &p->meetings };
		for (size_t k = 0; k < sizeof sem / sizeof sem[0]; k++)
			sem[k]->state = prev_duty_state(sem[k]->done, sem[k]->required, s->first,
			    s->end, today, req->due_weeks);
		p->training.state = prev_duty_state(p->training.done, p->training.required,
		    y1.first, s->year_end, today, req->due_weeks);
		prev_duty *all[] = { &p->sessions, &p->parents, &p->screenings, &p->meetings,
			&p->training };
		for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
			if (all[k]->state != DUTY_MET)
				p->unmet++;
			if (all[k]->state == DUTY_DUE_SOON || all[k]->state == DUTY_OVERDUE)
				p->behind++;
		}
	}
	qsort(list, len, sizeof *list, by_township);
	*out = list;
	*n = len;
	return XA_OK;
step_fail:
	e = (xa_err)-rc;
fail:
	free(list);
	return e;
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
	long rows;
};

/* splitmix64: the next number of the demo's sequence. */
static uint64_t
demo_next(struct demo *g)
{
	uint64_t z = (g->rng += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* A number in 0..n-1. */
static int
demo_pick(struct demo *g, int n)
{
	return n > 0 ? (int)(demo_next(g) % (uint64_t)n) : 0;
}

/* A day between a and b (inclusive; a when b < a) as "YYYY-MM-DD". */
static void
demo_day(struct demo *g, xa_day a, xa_day b, char out[11])
{
	day_format(b > a ? a + demo_pick(g, (int)(b - a + 1)) : a, out);
}

/* Adds rec with its audit record. */
static xa_err
demo_add(struct demo *g, prev_record *rec, int64_t by, const char *action, const char *type,
    const char *fields)
{
	int64_t id = 0;
	xa_err e = prev_record_add(g->d, rec, by, g->now, &id);
	if (e != XA_OK)
		return e;
	g->rows++;
	audit_entry ae = { by, rec->unit_id, action, type, id, fields, "", DEMO_SOURCE };
	return audit_append(g->d, g->akey, &ae, g->now);
}

static const char *const demo_topics[] = {
	"认识校园欺凌：什么是欺凌，遇到了怎么办",
	"法治教育进校园：未成年人保护法与校园欺凌",
	"做勇敢的旁观者：看见欺凌要报告",
	"网络欺凌的识别与应对",
};
static const char *const demo_meeting_topics[] = {
	"拒绝欺凌，友善相处",
	"我们班的相处约定",
	"遇到欺凌找谁说",
	"尊重差异，团结互助",
};
static const char *const demo_courses[] = {
	"学生欺凌防治专题培训",
	"班主任欺凌事件早期识别与处置",
	"心理危机干预基础",
};
static const char *const demo_providers[] = {
	"市教育局", "市教师进修学校", "市公安局法制大队",
};

/* Laxness bits: what a school leaves undone. */
#define LAX_SESSION 1
#define LAX_PARENTS 2
#define LAX_SCREENING 4
#define LAX_MEETINGS 8
#define LAX_TRAINING 16

/* One semester's work of school unit up to day upto (a part of it when
 * the semester is under way), leaving undone what lax says. */
static xa_err
demo_semester(struct demo *g, int64_t unit, int64_t by, const semester *s, xa_day upto,
    int lax)
{
	prev_record rec;
	char day[11];
	xa_err e = XA_OK;
	xa_day end = upto < s->end ? upto : s->end;
	if (end < s->first)
		return XA_OK;
	/* How far through the semester, in eighths. */
	long span = (long)(s->end - s->first) + 1;
	int part = (int)(8 * ((long)(end - s->first) + 1) / span);
	/* Students' session, early in the semester. */
	if (!(lax & LAX_SESSION) && part >= 2) {
		memset(&rec, 0, sizeof rec);
		rec.kind = PK_SESSION;
		rec.unit_id = unit;
		demo_day(g, s->first + 7, s->first + 35 < end ? s->first + 35 : end, day);
		rec.held_on = day;
		rec.topic = demo_topics[demo_pick(g, 4)];
		rec.audience = "students";
		rec.participants = 300 + demo_pick(g, 900);
		rec.notes = "全校集中开展，各班班主任组织观看并讨论。";
		if ((e = demo_add(g, &rec, by, "prevention.session", "prevention_session",
		    "held_on,topic,audience,participants,notes")) != XA_OK)
			return e;
	}
	/* Parents' session, at the parents' meeting. */
	if (!(lax & LAX_PARENTS) && part >= 4) {
		memset(&rec, 0, sizeof rec);
		rec.kind = PK_SESSION;
		rec.unit_id = unit;
		demo_day(g, s->first + 40, s->first + 70 < end ? s->first + 70 : end, day);
		rec.held_on = day;
		rec.topic = "家长会：如何发现孩子遭受或实施欺凌";
		rec.audience = "parents";
		rec.participants = 200 + demo_pick(g, 600);
		rec.notes = "";
		if ((e = demo_add(g, &rec, by, "prevention.session", "prevention_session",
		    "held_on,topic,audience,participants")) != XA_OK)
			return e;
	}
	/* Screening of hidden places. */
	if (!(lax & LAX_SCREENING) && part >= 3) {
		static const char *const sets[] = { "stairwell,rooftop,storeroom,toilet",
			"stairwell,toilet,corner", "rooftop,storeroom,toilet,dormitory" };
		memset(&rec, 0, sizeof rec);
		rec.kind = PK_SCREENING;
		rec.unit_id = unit;
		demo_day(g, s->first + 14, s->first + 50 < end ? s->first + 50 : end, day);
		rec.held_on = day;
		rec.places = sets[demo_pick(g, 3)];
		int v = demo_pick(g, 3);
		rec.video = prev_video[v];
		rec.findings = v == 0 ? "各处均有监控覆盖，未发现问题。" :
		    "教学楼北侧楼梯拐角无监控，课间无人值守。";
		rec.fixes = v == 0 ? "" : "增设摄像头一处，安排教师课间巡查。";
		if ((e = demo_add(g, &rec, by, "prevention.screening", "prevention_screening",
		    "held_on,places,findings,video,fixes")) != XA_OK)
			return e;
	}
	/* Class meetings: two a semester, the second in its second half. */
	db_stmt *st = NULL;
	struct cls {
		int grade;
		char name[32];
	} *cl = NULL;
	size_t ncl = 0, cap = 0;
	if ((e = db_prepare(g->d, "SELECT grade, name FROM classes WHERE unit_id = ?"
	    " ORDER BY grade, name", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	int rc;
	while ((rc = db_step(st)) == 1) {
		if (ncl == cap) {
			size_t nc = cap ? cap * 2 : 32;
			struct cls *n2 = realloc(cl, nc * sizeof *n2);
			if (n2 == NULL) {
				rc = -XA_ENOMEM;
				break;
			}
			cl = n2;
			cap = nc;
		}
		cl[ncl].grade = (int)db_col_int(st, 0);
		snprintf(cl[ncl].name, sizeof cl[ncl].name, "%s", db_col_text(st, 1));
		ncl++;
	}
	db_done(st);
	if (rc < 0) {
		free(cl);
		return (xa_err)-rc;
	}
	xa_day mid = s->first + (xa_day)(span / 2);
	for (size_t i = 0; i < ncl && e == XA_OK; i++) {
		int want = part >= 6 ? 2 : part >= 2 ? 1 : 0;
		/* A lax school leaves every third class short. */
		if ((lax & LAX_MEETINGS) && i % 3 == 0)
			want = want > 0 ? want - 1 : 0;
		for (int k = 0; k < want && e == XA_OK; k++) {
			memset(&rec, 0, sizeof rec);
			rec.kind = PK_MEETING;
			rec.unit_id = unit;
			if (k == 0)
				demo_day(g, s->first + 7, mid < end ? mid : end, day);
			else
				demo_day(g, mid + 1 < end ? mid + 1 : end, end, day);
			rec.held_on = day;
			rec.grade = cl[i].grade;
			rec.class_name = cl[i].name;
			rec.topic = demo_meeting_topics[demo_pick(g, 4)];
			rec.notes = "";
			e = demo_add(g, &rec, by, "prevention.class_meeting",
			    "prevention_class_meeting", "held_on,grade,class,topic");
		}
	}
	free(cl);
	return e;
}

/* The training of school unit's staff in the school year whose first
 * semester is y1, up to day upto. */
static xa_err
demo_training(struct demo *g, int64_t unit, int64_t by, const semester *y1, xa_day upto,
    int lax)
{
	db_stmt *st = NULL;
	struct person {
		int64_t id;
		char name[96];
		char role[24];
	} *pp = NULL;
	size_t np = 0, cap = 0;
	xa_err e = db_prepare(g->d, "SELECT a.id, a.display_name, min(r.role) FROM accounts a"
	    " JOIN account_roles r ON r.account_id = a.id WHERE a.unit_id = ? AND a.disabled = 0"
	    " AND r.role IN ('principal', 'committee_member', 'head_teacher', 'counsellor',"
	    " 'teacher') GROUP BY a.id, a.display_name ORDER BY a.id", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	int rc;
	while ((rc = db_step(st)) == 1) {
		if (np == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct person *n2 = realloc(pp, nc * sizeof *n2);
			if (n2 == NULL) {
				rc = -XA_ENOMEM;
				break;
			}
			pp = n2;
			cap = nc;
		}
		pp[np].id = db_col_int(st, 0);
		snprintf(pp[np].name, sizeof pp[np].name, "%s", db_col_text(st, 1));
		snprintf(pp[np].role, sizeof pp[np].role, "%s", db_col_text(st, 2));
		np++;
	}
	db_done(st);
	if (rc < 0) {
		free(pp);
		return (xa_err)-rc;
	}
	xa_day end = upto < y1->year_end ? upto : y1->year_end;
	for (size_t i = 0; i < np && e == XA_OK && end > y1->first + 20; i++) {
		/* A lax school has trained half its staff. */
		if ((lax & LAX_TRAINING) && i % 2 == 1)
			continue;
		prev_record rec;
		char day[11];
		memset(&rec, 0, sizeof rec);
		rec.kind = PK_TRAINING;
		rec.unit_id = unit;
		demo_day(g, y1->first + 10, end, day);
		rec.held_on = day;
		rec.account_id = pp[i].id;
		rec.name = pp[i].name;
		rec.role = pp[i].role;
		rec.course = demo_courses[demo_pick(g, 3)];
		rec.hours_tenths = 40 + 5 * demo_pick(g, 5);
		rec.provider = demo_providers[demo_pick(g, 3)];
		rec.score = 70 + demo_pick(g, 31);
		rec.passed = 1;
		e = demo_add(g, &rec, by, "prevention.training", "prevention_training",
		    "held_on,name,role,course,hours,provider,score,passed");
	}
	free(pp);
	return e;
}

xa_err
prevention_demo(db *d, uint64_t seed, int64_t now, FILE *out, char *err, size_t errlen)
{
	struct demo g = { .d = d, .rng = seed ^ 0x70726576656e74ULL, .now = now };
	struct sch {
		int64_t id, by;
	} *list = NULL;
	size_t n = 0, cap = 0;
	db_stmt *st = NULL;
	int behind = 0, behind_prev = 0;
	xa_err e;
	if (keys_get() == NULL) {
		snprintf(err, errlen, "the keys are not loaded");
		return XA_ECONFIG;
	}
	g.akey = keys_get()->audit;
	/* Each school and who records its work: the principal or a
	 * committee member, else the system (0). */
	if ((e = db_prepare(d, "SELECT u.id, coalesce((SELECT min(a.id) FROM accounts a"
	    " JOIN account_roles r ON r.account_id = a.id WHERE a.unit_id = u.id"
	    " AND r.role IN ('principal', 'committee_member')), 0) FROM units u"
	    " WHERE u.kind = 'school' AND u.active = 1 ORDER BY u.id", &st)) != XA_OK) {
		snprintf(err, errlen, "prevention demo: %s", db_errmsg(d));
		return e;
	}
	int rc;
	while ((rc = db_step(st)) == 1) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct sch *n2 = realloc(list, nc * sizeof *n2);
			if (n2 == NULL) {
				rc = -XA_ENOMEM;
				break;
			}
			list = n2;
			cap = nc;
		}
		list[n].id = db_col_int(st, 0);
		list[n].by = db_col_int(st, 1);
		n++;
	}
	db_done(st);
	if (rc < 0) {
		free(list);
		snprintf(err, errlen, "prevention demo: cannot read the schools");
		return (xa_err)-rc;
	}
	xa_day today = day_of(now, DEMO_ZONE);
	semester cur, prev, y1, y0;
	semester_of(today, &cur);
	semester_prev(&cur, &prev);
	y1 = cur.half == 2 ? prev : cur;
	semester_prev(&prev, &y0);
	for (size_t i = 0; i < n && e == XA_OK; i++) {
		/* About one school in five leaves one or two duties undone this
		 * semester, and one in eight left one undone last semester. */
		int lax = 0;
		if (demo_pick(&g, 5) == 0) {
			lax = 1 << demo_pick(&g, 5);
			if (demo_pick(&g, 2) == 0)
				lax |= 1 << demo_pick(&g, 5);
			behind++;
		}
		int lax_prev = 0;
		if (demo_pick(&g, 8) == 0) {
			lax_prev = 1 << demo_pick(&g, 5);
			behind_prev++;
		}
		e = demo_semester(&g, list[i].id, list[i].by, &prev, prev.last, lax_prev & 15);
		if (e == XA_OK)
			e = demo_semester(&g, list[i].id, list[i].by, &cur, today, lax & 15);
		/* Training of the school year under way, and of the one before
		 * when the previous semester belongs to it. */
		if (e == XA_OK && cur.half == 1)
			e = demo_training(&g, list[i].id, list[i].by, &y0, prev.last,
			    lax_prev & LAX_TRAINING);
		if (e == XA_OK)
			e = demo_training(&g, list[i].id, list[i].by, &y1, today, lax & LAX_TRAINING);
	}
	free(list);
	if (e != XA_OK) {
		snprintf(err, errlen, "prevention demo: %s", db_errmsg(d));
		return e;
	}
	if (out != NULL)
		fprintf(out, "prevention: %ld records in %zu schools for %s and %s; %d schools"
		    " left a duty undone last semester, %d are behind this one\n", g.rows, n,
		    prev.name, cur.name, behind_prev, behind);
	return XA_OK;
}
