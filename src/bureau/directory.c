/* directory.c: the filings of the public directory of anti-bullying
 * offices (备案), the live list the public reads, the demo's filings and
 * the work plans it draws, behind directory.h.
 *
 * It must never put a filing that was not approved into the live list,
 * let a change replace the live entry before it is approved, keep two
 * live or two waiting filings for one unit (the schema's unique indexes
 * say so too), or take a plan that is not a PDF by its own bytes. It
 * never writes an audit record (the callers do, beside the change) and
 * never reads the clock. */
#include "directory.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include "../auth/audit.h"
#include "../auth/keys.h"
#include "../core/crypto.h"
#include "../core/utf8.h"
#include "../org/org.h"

/* ------------------------------------------------------------------ */
/* Checks. */

int
dir_is_pdf(const void *data, size_t n)
{
	const unsigned char *p = data;
	if (p == NULL || n < 16 || memcmp(p, "%PDF-", 5) != 0)
		return 0;
	/* The end marker, then at most line ends and blanks, within the
	 * last KiB: a file cut off in transfer has no end marker. */
	size_t from = n > 1024 ? n - 1024 : 0;
	for (size_t i = n - 5 + 1; i-- > from;) {
		if (memcmp(p + i, "%%EOF", 5) != 0)
			continue;
		for (size_t k = i + 5; k < n; k++)
			if (p[k] != '\r' && p[k] != '\n' && p[k] != ' ' && p[k] != '\t' &&
			    p[k] != '\0')
				return 0;
		return 1;
	}
	return 0;
}

int
dir_phone_ok(const char *s)
{
	static const char *const wide[] = { "转", "、", "，", "（", "）", NULL };
	int digits = 0;
	size_t n;
	if (s == NULL || !utf8_valid(s, (n = strlen(s))))
		return 0;
	size_t cp = utf8_count(s, n);
	if (cp < 5 || cp > 32)
		return 0;
	for (const char *p = s; *p != '\0';) {
		if (*p >= '0' && *p <= '9') {
			digits++;
			p++;
			continue;
		}
		if (strchr(" -+()/,", *p) != NULL) {
			p++;
			continue;
		}
		int ok = 0;
		for (int i = 0; wide[i] != NULL && !ok; i++) {
			size_t l = strlen(wide[i]);
			if (strncmp(p, wide[i], l) == 0) {
				p += l;
				ok = 1;
			}
		}
		if (!ok)
			return 0;
	}
	return digits >= 5;
}

int
dir_email_ok(const char *s)
{
	if (s == NULL)
		return 0;
	size_t n = strlen(s);
	const char *at = strchr(s, '@');
	if (n < 6 || n > 100 || at == NULL || at == s || at - s > 64 ||
	    strchr(at + 1, '@') != NULL)
		return 0;
	for (const char *p = s; p < at; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._%+-", *p) != NULL))
			return 0;
	/* The domain: labels of letters, digits and hyphens, dot-separated,
	 * at least two, the last of two letters or more. */
	int labels = 0;
	size_t label = 0, letters = 0;
	for (const char *p = at + 1;; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0 || p[-1] == '-')
				return 0;
			labels++;
			if (*p == '\0')
				break;
			label = letters = 0;
			continue;
		}
		int letter = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');
		if (!letter && !(*p >= '0' && *p <= '9') && *p != '-')
			return 0;
		if (label == 0 && *p == '-')
			return 0;
		label++;
		letters += (size_t)letter;
	}
	return labels >= 2 && label >= 2 && letters == label;
}

/* 1 when s is NULL/empty and may be, or holds min..max characters of
 * one line (text: newlines allowed). */
static int
text_ok(const char *s, size_t min, size_t max, int text)
{
	if (s == NULL || s[0] == '\0')
		return min == 0;
	size_t n = strlen(s);
	if (!utf8_valid(s, n) || !utf8_no_controls(s, n, text != 0))
		return 0;
	size_t cp = utf8_count(s, n);
	return cp >= min && cp <= max;
}

static int
entry_ok(const dir_entry *e)
{
	return text_ok(e->office_name, 2, 64, 0) && dir_phone_ok(e->phone) &&
	    dir_email_ok(e->email) && text_ok(e->hours, 0, 100, 0) &&
	    text_ok(e->location, 0, 100, 0) && text_ok(e->contact, 0, 32, 0) &&
	    text_ok(e->note, 0, 1000, 1);
}

/* ------------------------------------------------------------------ */
/* Writes. */

/* The id and plan of unit's filing in state (0, 0 when there is none). */
static xa_err
filing_in(db *conn, int64_t unit, const char *state, int64_t *id, int64_t *plan)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT id, coalesce(plan_id, 0) FROM directory_filings"
	    " WHERE unit_id = ? AND state = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	db_bind_text(st, 2, state, -1);
	*id = 0;
	if (plan != NULL)
		*plan = 0;
	int rc = db_step(st);
	if (rc == 1) {
		*id = db_col_int(st, 0);
		if (plan != NULL)
			*plan = db_col_int(st, 1);
	}
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* Moves filing id to state, with ended_at = now. */
static xa_err
end_filing(db *conn, int64_t id, const char *state, int64_t now)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "UPDATE directory_filings SET state = ?, ended_at = ?"
	    " WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_text(st, 1, state, -1);
	db_bind_int(st, 2, now);
	db_bind_int(st, 3, id);
	int rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* 1 when the last 4 bytes of s[0..n) are ".pdf" in either case. */
static int
ends_pdf(const char *s, size_t n)
{
	if (n < 4 || s[n - 4] != '.')
		return 0;
	for (size_t i = 0; i < 3; i++)
		if ((s[n - 3 + i] | 0x20) != "pdf"[i])
			return 0;
	return 1;
}

void
dir_plan_name(const char *name, char out[DIR_PLAN_NAME_BYTES])
{
	size_t n = name != NULL ? strlen(name) : 0;
	if (!text_ok(name, 1, SIZE_MAX, 0)) {
		memcpy(out, "plan.pdf", sizeof "plan.pdf");
		return;
	}
	if (utf8_count(name, n) <= DIR_PLAN_NAME_MAX) {
		memcpy(out, name, n + 1);
		return;
	}
	/* The stem cut after its (MAX - 4)th character, then the extension
	 * it had (or ".pdf"): UTF-8 lead bytes start each character. */
	const char *ext = ends_pdf(name, n) ? name + n - 4 : ".pdf";
	size_t cut = 0, chars = 0;
	while (cut < n && chars <= DIR_PLAN_NAME_MAX - 4) {
		if (((unsigned char)name[cut] & 0xC0) != 0x80 && chars++ == DIR_PLAN_NAME_MAX - 4)
			break;
		cut++;
	}
	memcpy(out, name, cut);
	memcpy(out + cut, ext, 4);
	out[cut + 4] = '\0';
}

/* Stores plan for unit; *id gets its row. */
static xa_err
plan_store(db *conn, int64_t unit, const dir_plan *plan, int64_t by, int64_t now,
    int64_t *id)
{
	uint8_t h[SM3_LEN];
	char hex[2 * SM3_LEN + 1];
	db_stmt *st = NULL;
	xa_err e;
	if (plan->len > DIR_PLAN_MAX)
		return XA_ETOOBIG;
	if (!dir_is_pdf(plan->data, plan->len))
		return XA_EINVAL;
	if (plan->digest != NULL && strlen(plan->digest) == 2 * SM3_LEN) {
		memcpy(hex, plan->digest, sizeof hex);
	} else {
		if ((e = crypto_sm3(plan->data, plan->len, h)) != XA_OK)
			return e;
		crypto_hex(h, sizeof h, hex);
	}
	char name[DIR_PLAN_NAME_BYTES];
	dir_plan_name(plan->name, name);
	if ((e = db_prepare(conn, "INSERT INTO directory_plans (unit_id, name, size, digest,"
	    " data, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, unit);
	db_bind_text(st, 2, name, -1);
	db_bind_int(st, 3, (int64_t)plan->len);
	db_bind_text(st, 4, hex, -1);
	db_bind_blob(st, 5, plan->data, plan->len);
	db_bind_int(st, 6, by);
	db_bind_int(st, 7, now);
	int rc = db_step(st);
	if (rc == 1)
		*id = db_col_int(st, 0);
	db_done(st);
	return rc == 1 ? XA_OK : rc < 0 ? (xa_err)-rc : XA_EDB;
}

static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

xa_err
dir_file(db *conn, int64_t unit, const dir_entry *e, const dir_plan *plan, int live_now,
    int64_t by, int64_t now, int64_t *id, int64_t *withdrawn, int64_t *superseded)
{
	int64_t pending = 0, pending_plan = 0, live = 0, live_plan = 0, plan_id = 0;
	db_stmt *st = NULL;
	xa_err err;
	*withdrawn = 0;
	*superseded = 0;
	if (!entry_ok(e))
		return XA_EINVAL;
	if ((err = filing_in(conn, unit, "pending", &pending, &pending_plan)) != XA_OK ||
	    (err = filing_in(conn, unit, "live", &live, &live_plan)) != XA_OK)
		return err;
	/* Without a new plan, the filing keeps the newest one the unit
	 * stated: the waiting filing's, else the live entry's. */
	if (plan != NULL && plan->data != NULL && plan->len > 0) {
		if ((err = plan_store(conn, unit, plan, by, now, &plan_id)) != XA_OK)
			return err;
	} else {
		plan_id = pending != 0 ? pending_plan : live_plan;
	}
	if (pending != 0) {
		if ((err = end_filing(conn, pending, "withdrawn", now)) != XA_OK)
			return err;
		*withdrawn = pending;
	}
	if (live_now && live != 0) {
		if ((err = end_filing(conn, live, "superseded", now)) != XA_OK)
			return err;
		*superseded = live;
	}
	if ((err = db_prepare(conn, "INSERT INTO directory_filings (unit_id, state, office_name,"
	    " phone, email, hours, location, contact, note, plan_id, filed_by, filed_at,"
	    " decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	    " RETURNING id", &st)) != XA_OK)
		return err;
	db_bind_int(st, 1, unit);
	db_bind_text(st, 2, live_now ? "live" : "pending", -1);
	db_bind_text(st, 3, e->office_name, -1);
	db_bind_text(st, 4, e->phone, -1);
	db_bind_text(st, 5, e->email, -1);
	db_bind_text(st, 6, or_empty(e->hours), -1);
	db_bind_text(st, 7, or_empty(e->location), -1);
	db_bind_text(st, 8, or_empty(e->contact), -1);
	db_bind_text(st, 9, or_empty(e->note), -1);
	if (plan_id > 0)
		db_bind_int(st, 10, plan_id);
	else
		db_bind_null(st, 10);
	db_bind_int(st, 11, by);
	db_bind_int(st, 12, now);
	db_bind_int(st, 13, live_now ? by : 0);
	db_bind_int(st, 14, live_now ? now : 0);
	int rc = db_step(st);
	if (rc == 1)
		*id = db_col_int(st, 0);
	db_done(st);
	return rc == 1 ? XA_OK : rc < 0 ? (xa_err)-rc : XA_EDB;
}

/* The waiting filing of unit, which must be `filing` when that is set
 * (dir_refuse; dir_approve always names it). */
static xa_err
waiting(db *conn, int64_t unit, int64_t filing, int64_t *id)
{
	xa_err e = filing_in(conn, unit, "pending", id, NULL);
	if (e != XA_OK)
		return e;
	if (*id == 0 || (filing != 0 && *id != filing))
		return XA_ECONFLICT;
	return XA_OK;
}

xa_err
dir_approve(db *conn, int64_t unit, int64_t filing, int64_t by, int64_t now, int64_t *id,
    int64_t *superseded)
{
	int64_t live = 0;
	db_stmt *st = NULL;
	xa_err e;
	*superseded = 0;
	/* Never "whatever waits": the office approves the filing it saw. */
	if (filing <= 0)
		return XA_EINVAL;
	if ((e = waiting(conn, unit, filing, id)) != XA_OK ||
	    (e = filing_in(conn, unit, "live", &live, NULL)) != XA_OK)
		return e;
	if (live != 0) {
		if ((e = end_filing(conn, live, "superseded", now)) != XA_OK)
			return e;
		*superseded = live;
	}
	if ((e = db_prepare(conn, "UPDATE directory_filings SET state = 'live', decided_by = ?,"
	    " decided_at = ? WHERE id = ? AND state = 'pending'", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, by);
	db_bind_int(st, 2, now);
	db_bind_int(st, 3, *id);
	int rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

xa_err
dir_refuse(db *conn, int64_t unit, int64_t filing, const char *reason, int64_t by,
    int64_t now, int64_t *id)
{
	db_stmt *st = NULL;
	xa_err e;
	if (!text_ok(reason, 1, 500, 1))
		return XA_EINVAL;
	if ((e = waiting(conn, unit, filing, id)) != XA_OK)
		return e;
	if ((e = db_prepare(conn, "UPDATE directory_filings SET state = 'refused', decided_by = ?,"
	    " decided_at = ?, ended_at = ?, reason = ? WHERE id = ? AND state = 'pending'",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, by);
	db_bind_int(st, 2, now);
	db_bind_int(st, 3, now);
	db_bind_text(st, 4, reason, -1);
	db_bind_int(st, 5, *id);
	int rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* ------------------------------------------------------------------ */
/* Reads. */

/* q without spaces (ASCII and U+3000) around it, into out; 0 when
 * nothing is left. */
static int
query_trim(const char *q, char *out, size_t len)
{
	size_t n;
	if (q == NULL)
		return 0;
	n = strlen(q);
	for (;;) {
		if (n > 0 && (q[0] == ' ' || q[0] == '\t')) {
			q++;
			n--;
		} else if (n >= 3 && memcmp(q, "\xe3\x80\x80", 3) == 0) {
			q += 3;
			n -= 3;
		} else {
			break;
		}
	}
	for (;;) {
		if (n > 0 && (q[n - 1] == ' ' || q[n - 1] == '\t'))
			n--;
		else if (n >= 3 && memcmp(q + n - 3, "\xe3\x80\x80", 3) == 0)
			n -= 3;
		else
			break;
	}
	if (n == 0 || n >= len)
		return 0;
	memcpy(out, q, n);
	out[n] = '\0';
	return 1;
}

static char
fold(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* 1 when hay contains needle, ASCII letters in either case. */
static int
contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *h = hay; *h != '\0'; h++) {
		size_t i = 0;
		while (i < n && h[i] != '\0' && fold(h[i]) == fold(needle[i]))
			i++;
		if (i == n)
			return 1;
	}
	return n == 0;
}

/* Copies column col of st into a fixed field. */
#define COPY(field, st, col) snprintf((field), sizeof(field), "%s", db_col_text((st), (col)))

/* Fills r from a row of the SELECTs below (columns 0..12). */
static void
row_fill(db_stmt *st, dir_row *r)
{
	memset(r, 0, sizeof *r);
	r->unit_id = db_col_int(st, 0);
	r->township_id = db_col_int(st, 1);
	r->filing_id = db_col_int(st, 2);
	r->approved_at = db_col_int(st, 3);
	r->plan_size = db_col_int(st, 4);
	COPY(r->name, st, 5);
	COPY(r->township, st, 6);
	COPY(r->office_name, st, 7);
	COPY(r->phone, st, 8);
	COPY(r->email, st, 9);
	COPY(r->hours, st, 10);
	COPY(r->location, st, 11);
	COPY(r->contact, st, 12);
}

#define ROW_COLS "u.id, coalesce(u.township_id, 0), f.id, f.decided_at," \
	" coalesce(p.size, 0), u.name, coalesce(t.name, ''), f.office_name, f.phone," \
	" f.email, f.hours, f.location, f.contact"

xa_err
dir_live(db *conn, const char *q, int64_t township, dir_row **out, size_t *n)
{
	char want[256];
	int have_q = query_trim(q, want, sizeof want);
	db_stmt *st = NULL;
	dir_row *list = NULL;
	size_t len = 0, cap = 0;
	int rc;
	*out = NULL;
	*n = 0;
	xa_err e = db_prepare(conn, "SELECT " ROW_COLS ", u.aliases FROM directory_filings f"
	    " JOIN units u ON u.id = f.unit_id LEFT JOIN units t ON t.id = u.township_id"
	    " LEFT JOIN directory_plans p ON p.id = f.plan_id WHERE f.state = 'live'"
	    " AND u.kind = 'school' AND u.active = 1"
	    " ORDER BY CASE WHEN u.township_id IS NULL THEN 1 ELSE 0 END, u.township_id,"
	    " u.name, u.id", &st);
	if (e != XA_OK)
		return e;
	while ((rc = db_step(st)) == 1) {
		if (township >= 0 && db_col_int(st, 1) != township)
			continue;
		if (have_q && !contains(db_col_text(st, 5), want) &&
		    !contains(db_col_text(st, 13), want))
			continue;
		if (len == cap) {
			size_t nc = cap ? cap * 2 : 64;
			dir_row *nl = realloc(list, nc * sizeof *nl);
			if (nl == NULL) {
				rc = -XA_ENOMEM;
				break;
			}
			list = nl;
			cap = nc;
		}
		row_fill(st, &list[len++]);
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
dir_bureau_live(db *conn, dir_row *out)
{
	char path[96];
	int64_t bureau = 0;
	db_stmt *st = NULL;
	memset(out, 0, sizeof *out);
	xa_err e = unit_bureau(conn, &bureau, path, sizeof path);
	if (e != XA_OK)
		return e;
	out->unit_id = bureau;
	if ((e = db_prepare(conn, "SELECT " ROW_COLS " FROM directory_filings f"
	    " JOIN units u ON u.id = f.unit_id LEFT JOIN units t ON t.id = u.township_id"
	    " LEFT JOIN directory_plans p ON p.id = f.plan_id WHERE f.unit_id = ?"
	    " AND f.state = 'live'", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, bureau);
	int rc = db_step(st);
	if (rc == 1)
		row_fill(st, out);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* ------------------------------------------------------------------ */
/* The demo's work plan, one A4 page, in one face: cairo embeds a subset
 * of each face used, and a subset of Noto CJK carries the font's shared
 * routines whole (Sans Regular about 100 KB, each Serif face about
 * 400 KB), so one face keeps 300 demo plans near 30 MB. */

#define MM (72.0 / 25.4)
#define PAGE_W (210.0 * MM)
#define PAGE_H (297.0 * MM)
#define MARGIN (20.0 * MM)
#define TEXT_W (PAGE_W - 2 * MARGIN)

/* cairo's write callback into a buf; the first refusal is kept. */
struct sink {
	buf *out;
	xa_err err;
};

static cairo_status_t
sink_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct sink *s = closure;
	if (s->err == XA_OK)
		s->err = buf_append(s->out, data, len);
	return CAIRO_STATUS_SUCCESS;
}

/* Draws text at y in font, width TEXT_W less indent; returns the height
 * taken. */
static double
draw_text(cairo_t *cr, PangoContext *ctx, const char *text, const char *font,
    double indent, double y, PangoAlignment align, double spacing)
{
	PangoLayout *l = pango_layout_new(ctx);
	PangoFontDescription *fd = pango_font_description_from_string(font);
	int w, h;
	pango_layout_set_font_description(l, fd);
	pango_layout_set_width(l, (int)((TEXT_W - indent) * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(l, align);
	if (spacing > 0)
		pango_layout_set_line_spacing(l, (float)spacing);
	pango_layout_set_text(l, text, -1);
	cairo_move_to(cr, MARGIN + indent, y);
	pango_cairo_show_layout(cr, l);
	pango_layout_get_size(l, &w, &h);
	pango_font_description_free(fd);
	g_object_unref(l);
	return (double)h / PANGO_SCALE;
}

xa_err
dir_demo_plan_pdf(const char *school, const char *office, const char *phone,
    const char *date, buf *out)
{
	static const char *const heads[] = { "一、工作目标", "二、组织机构", "三、预防措施",
		"四、处置程序", "五、联系方式" };
	char paras[5][1024];
	/* School, office and phone are only ever arguments of our formats. */
	int n0 = snprintf(paras[0], sizeof paras[0], "%s",
	    "依据《中华人民共和国未成年人保护法》和教育部等十一部门《加强中小学生欺凌综合治理方案》，"
	    "坚持预防为主、早发现早处置、教育与惩戒相结合，建立健全学生欺凌防治工作机制，"
	    "切实保障学生身心健康，建设平安和谐校园。");
	int n1 = snprintf(paras[1], sizeof paras[1],
	    "学校成立学生欺凌治理委员会，校长任主任，成员包括分管副校长、德育主任、法治副校长、"
	    "心理健康教师、班主任代表、家长代表和校外专家。委员会下设%s，负责日常工作，"
	    "受理学生欺凌事件的报告和投诉。", office);
	int n2 = snprintf(paras[2], sizeof paras[2], "%s",
	    "（一）每学期开展不少于一次防欺凌专题教育，各班召开防欺凌主题班会。\n"
	    "（二）每学期组织教职工专题培训，提高识别和处置学生欺凌的能力。\n"
	    "（三）定期排查楼道、厕所、宿舍等隐蔽场所，完善视频监控和值班巡查。\n"
	    "（四）每学期开展一次全体学生问卷调查，及时发现欺凌苗头。\n"
	    "（五）通过家长会、家长学校指导家长加强家庭教育，共同关注孩子的交往情况。");
	int n3 = snprintf(paras[3], sizeof paras[3], "%s",
	    "接到学生欺凌报告后，学校立即制止欺凌行为，保护被欺凌学生，及时通知双方家长，"
	    "并启动调查。学生欺凌治理委员会依据调查结果作出认定，根据情节轻重分别采取教育、"
	    "惩戒等措施，并按规定时限向教育局报告；涉嫌违法犯罪的，及时报告公安机关。"
	    "处置结束后，学校持续关注当事学生，做好心理疏导和跟踪回访。");
	int n4 = snprintf(paras[4], sizeof paras[4],
	    "%s电话：%s。学生和家长也可拨打教育局学生欺凌防治工作领导小组办公室电话、"
	    "共青团12355青少年服务台，或通过“校安”平台匿名举报。", office, phone);
	int lens[] = { n0, n1, n2, n3, n4 };
	for (size_t i = 0; i < 5; i++)
		if (lens[i] < 0 || (size_t)lens[i] >= sizeof paras[i])
			return XA_ETOOBIG;
	struct sink sk = { out, XA_OK };
	char title[512], para[2048];
	xa_err e = XA_OK;
	if (snprintf(title, sizeof title, "%s防治学生欺凌工作方案", school) >= (int)sizeof title)
		return XA_ETOOBIG;
	cairo_surface_t *surf = cairo_pdf_surface_create_for_stream(sink_write, &sk, PAGE_W,
	    PAGE_H);
	if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(surf);
		return XA_ENOMEM;
	}
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, title);
	cairo_t *cr = cairo_create(surf);
	PangoContext *ctx = pango_cairo_create_context(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	double y = MARGIN;
	y += draw_text(cr, ctx, title, "Noto Sans CJK SC 15", 0, y, PANGO_ALIGN_CENTER, 0);
	y += 4 * MM;
	if (snprintf(para, sizeof para, "（%s印发）", date) < (int)sizeof para)
		y += draw_text(cr, ctx, para, "Noto Sans CJK SC 10", 0, y, PANGO_ALIGN_CENTER, 0);
	y += 6 * MM;
	for (size_t i = 0; i < 5; i++) {
		y += draw_text(cr, ctx, heads[i], "Noto Sans CJK SC 11.5", 0, y,
		    PANGO_ALIGN_LEFT, 0);
		y += 1 * MM;
		y += draw_text(cr, ctx, paras[i], "Noto Sans CJK SC 9.5", 7 * MM, y,
		    PANGO_ALIGN_LEFT, 1.1);
		y += 3 * MM;
	}
	if (snprintf(para, sizeof para, "%s\n%s", school, date) < (int)sizeof para)
		y += 3 * MM + draw_text(cr, ctx, para, "Noto Sans CJK SC 9.5", 0, y + 3 * MM,
		    PANGO_ALIGN_RIGHT, 1.1);
	/* The text is ours and fits; a very long school name must not push
	 * it off the page unnoticed. */
	if (y > PAGE_H - MARGIN)
		e = XA_ETOOBIG;
	g_object_unref(ctx);
	cairo_destroy(cr);
	cairo_surface_finish(surf);
	if (e == XA_OK && cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS)
		e = XA_EIO;
	cairo_surface_destroy(surf);
	if (e == XA_OK)
		e = sk.err;
	return e;
}

/* ------------------------------------------------------------------ */
/* The demo. */

#define DEMO_SOURCE "xiaoan demo"
#define DEMO_ZONE (8 * 3600L)
#define DAY 86400L

/* splitmix64. */
static uint64_t
demo_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

struct dschool {
	int64_t id, unit_by;
	char name[DIR_NAME_BYTES], office[256], phone[136], email[104];
};

struct dctx {
	db *d;
	const uint8_t *akey;
	int64_t office_unit, director;
};

static xa_err
demo_audit(struct dctx *g, int64_t by, int64_t unit, const char *action, int64_t id,
    const char *fields, int64_t at)
{
	audit_entry ae = { by, unit, action, "directory_filing", id, fields, "", DEMO_SOURCE };
	return audit_append(g->d, g->akey, &ae, at);
}

/* Files e for school s at `at` (with plan, or keeping the last), audited. */
static xa_err
demo_file(struct dctx *g, const struct dschool *s, const dir_entry *e, const buf *pdf,
    int64_t at, int64_t *id)
{
	int64_t withdrawn = 0, superseded = 0;
	dir_plan plan = { "防治学生欺凌工作方案.pdf", pdf ? pdf->data : NULL, pdf ? pdf->len : 0,
		NULL };
	xa_err err = dir_file(g->d, s->id, e, pdf ? &plan : NULL, 0, s->unit_by, at, id,
	    &withdrawn, &superseded);
	if (err != XA_OK)
		return err;
	if (withdrawn != 0 && (err = demo_audit(g, s->unit_by, s->id, "directory.withdraw",
	    withdrawn, "state", at)) != XA_OK)
		return err;
	return demo_audit(g, s->unit_by, s->id, "directory.file", *id, pdf ?
	    "office_name,phone,email,hours,location,plan" : "office_name,phone,email,hours,location",
	    at);
}

/* The day of t as "YYYY年M月D日" in the demo's zone. */
static void
demo_date(int64_t t, char out[48])
{
	int64_t days = (t + DEMO_ZONE) / DAY;
	/* Civil from days (Howard Hinnant's algorithm). */
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	snprintf(out, 48, "%d年%d月%d日", (int)((y + (m <= 2)) % 10000), (int)m, (int)d);
}

static const char *const demo_hours[] = {
	"工作日 8:00—12:00，14:30—17:30",
	"工作日 7:50—17:40",
	"周一至周五 8:00—17:00",
	"工作日 8:30—11:30，14:00—17:00",
};
static const char *const demo_places[] = {
	"行政楼二楼德育处",
	"教学楼一楼心理辅导室旁",
	"综合楼三楼",
	"学校大门东侧办公室",
};

/* The schools of the demo city, with what the registry says of their
 * office and who files for them (the principal, else the system). */
static xa_err
demo_schools(db *d, struct dschool **out, size_t *n)
{
	db_stmt *st = NULL;
	size_t len = 0, cap = 0;
	struct dschool *list = NULL;
	int rc;
	xa_err e = db_prepare(d, "SELECT u.id, u.name, u.office_name, u.office_phone,"
	    " u.office_email, coalesce((SELECT min(a.id) FROM accounts a JOIN account_roles r"
	    " ON r.account_id = a.id WHERE a.unit_id = u.id AND r.role = 'principal'), 0)"
	    " FROM units u WHERE u.kind = 'school' AND u.active = 1 ORDER BY u.id", &st);
	if (e != XA_OK)
		return e;
	while ((rc = db_step(st)) == 1) {
		if (len == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct dschool *nl = realloc(list, nc * sizeof *nl);
			if (nl == NULL) {
				rc = -XA_ENOMEM;
				break;
			}
			list = nl;
			cap = nc;
		}
		struct dschool *s = &list[len++];
		s->id = db_col_int(st, 0);
		COPY(s->name, st, 1);
		COPY(s->office, st, 2);
		COPY(s->phone, st, 3);
		COPY(s->email, st, 4);
		s->unit_by = db_col_int(st, 5);
		if (s->office[0] == '\0')
			snprintf(s->office, sizeof s->office, "学生欺凌防治办公室");
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

/* The bureau's office (its unit, its director) and its own entry. */
static xa_err
demo_bureau(struct dctx *g, int64_t at)
{
	char path[96], name[256] = "学生欺凌防治工作领导小组办公室", phone[136] = "62666010",
	    email[104] = "";
	int64_t bureau = 0, id = 0, withdrawn = 0, superseded = 0;
	db_stmt *st = NULL;
	xa_err e = unit_bureau(g->d, &bureau, path, sizeof path);
	if (e != XA_OK)
		return e;
	g->office_unit = bureau;
	if ((e = db_prepare(g->d, "SELECT u.id, u.office_name, u.office_phone, u.office_email,"
	    " coalesce((SELECT min(a.id) FROM accounts a JOIN account_roles r ON"
	    " r.account_id = a.id WHERE a.unit_id = u.id AND r.role = 'office_director'), 0)"
	    " FROM units u WHERE u.kind = 'office' ORDER BY u.id LIMIT 1", &st)) != XA_OK)
		return e;
	if (db_step(st) == 1) {
		g->office_unit = db_col_int(st, 0);
		if (db_col_text(st, 1)[0] != '\0')
			COPY(name, st, 1);
		if (db_col_text(st, 2)[0] != '\0')
			COPY(phone, st, 2);
		COPY(email, st, 3);
		g->director = db_col_int(st, 4);
	}
	db_done(st);
	if (!dir_email_ok(email))
		snprintf(email, sizeof email, "fqb@example.org");
	dir_entry en = { name, phone, email, "工作日 8:30—12:00，14:30—17:30",
		"市教育体育局办公楼三楼", NULL, NULL };
	if ((e = dir_file(g->d, bureau, &en, NULL, 1, g->director, at, &id, &withdrawn,
	    &superseded)) != XA_OK)
		return e;
	if (superseded != 0 && (e = demo_audit(g, g->director, g->office_unit,
	    "directory.supersede", superseded, "state", at)) != XA_OK)
		return e;
	return demo_audit(g, g->director, g->office_unit, "directory.file", id,
	    "office_name,phone,email,hours,location", at);
}

xa_err
directory_demo(db *d, uint64_t seed, int64_t now, FILE *out, char *err, size_t errlen)
{
	struct dctx g = { .d = d };
	struct dschool *list = NULL;
	size_t n = 0;
	uint64_t rng = seed ^ 0x6469726563746f72ULL;
	int live = 0, waiting_n = 0, never = 0, refused = 0;
	buf pdf;
	xa_err e;
	buf_init(&pdf, DIR_PLAN_MAX);
	if (keys_get() == NULL) {
		snprintf(err, errlen, "the keys are not loaded");
		return XA_ECONFIG;
	}
	g.akey = keys_get()->audit;
	/* The filings were made in the spring; a few changes are recent. */
	int64_t t0 = now - 150 * DAY;
	if ((e = demo_bureau(&g, t0)) != XA_OK) {
		snprintf(err, errlen, "directory demo: the bureau's entry: %s", xa_strerror(e));
		return e;
	}
	if ((e = demo_schools(d, &list, &n)) != XA_OK) {
		snprintf(err, errlen, "directory demo: cannot read the schools");
		return e;
	}
	/* Two schools never filed, a few have a change waiting and one had a
	 * change refused; never the first ten (the showcase schools a visitor
	 * signs in to keep the plain case). */
	size_t skip[2] = { (size_t)-1, (size_t)-1 }, wait[5], refuse = (size_t)-1;
	size_t nwait = 0;
	if (n > 20) {
		size_t span = n - 10;
		skip[0] = 10 + demo_next(&rng) % span;
		do
			skip[1] = 10 + demo_next(&rng) % span;
		while (skip[1] == skip[0]);
		while (nwait < 5) {
			size_t k = 10 + demo_next(&rng) % span;
			int dup = k == skip[0] || k == skip[1];
			for (size_t j = 0; j < nwait; j++)
				dup |= wait[j] == k;
			if (!dup)
				wait[nwait++] = k;
		}
		/* The first of the waiting also had a change refused before. */
		refuse = wait[0];
	}
	for (size_t i = 0; i < n && e == XA_OK; i++) {
		struct dschool *s = &list[i];
		if (i == skip[0] || i == skip[1]) {
			never++;
			continue;
		}
		char date[48];
		int64_t at = t0 + (int64_t)(demo_next(&rng) % 30) * DAY + 9 * 3600 +
		    (int64_t)(demo_next(&rng) % 28800);
		int64_t id = 0;
		demo_date(at, date);
		buf_reset(&pdf);
		if ((e = dir_demo_plan_pdf(s->name, s->office, s->phone, date, &pdf)) != XA_OK)
			break;
		dir_entry en = { s->office, s->phone, s->email,
			demo_hours[demo_next(&rng) % 4], demo_places[demo_next(&rng) % 4],
			NULL, NULL };
		if ((e = demo_file(&g, s, &en, &pdf, at, &id)) != XA_OK)
			break;
		int64_t when = at + (1 + (int64_t)(demo_next(&rng) % 5)) * DAY;
		int64_t superseded = 0;
		if ((e = dir_approve(d, s->id, id, g.director, when, &id, &superseded)) != XA_OK ||
		    (e = demo_audit(&g, g.director, g.office_unit, "directory.approve", id, "state",
		    when)) != XA_OK)
			break;
		if (superseded != 0 && (e = demo_audit(&g, g.director, g.office_unit,
		    "directory.supersede", superseded, "state", when)) != XA_OK)
			break;
		live++;
		int waits = 0;
		for (size_t j = 0; j < nwait; j++)
			waits |= wait[j] == i;
		if (i == refuse) {
			/* A change with a mistyped e-mail, refused. */
			dir_entry bad = en;
			bad.email = "fqb@example.con";
			bad.note = "办公室邮箱变更";
			when = now - 20 * DAY;
			if ((e = demo_file(&g, s, &bad, NULL, when, &id)) != XA_OK)
				break;
			when += DAY;
			if ((e = dir_refuse(d, s->id, id, "新邮箱后缀应为 example.org，请核对后重新报备。",
			    g.director, when, &id)) != XA_OK ||
			    (e = demo_audit(&g, g.director, g.office_unit, "directory.refuse", id,
			    "state,reason", when)) != XA_OK)
				break;
			refused++;
		}
		if (waits) {
			/* A new phone line and longer hours, filed a few days ago. */
			char phone[sizeof s->phone + 16];
			snprintf(phone, sizeof phone, "%.60s转8%03d", s->phone, (int)(i % 1000));
			dir_entry ch = en;
			ch.phone = phone;
			ch.hours = "工作日 7:30—18:00";
			ch.contact = "德育处值班老师";
			ch.note = "办公室增设专线，延长接待时间。";
			when = now - (1 + (int64_t)(demo_next(&rng) % 6)) * DAY;
			if ((e = demo_file(&g, s, &ch, NULL, when, &id)) != XA_OK)
				break;
			waiting_n++;
		}
	}
	free(list);
	buf_free(&pdf);
	if (e != XA_OK) {
		snprintf(err, errlen, "directory demo: %s", xa_strerror(e));
		return e;
	}
	if (out != NULL)
		fprintf(out, "directory: %d schools listed, %d changes waiting for approval,"
		    " %d refused, %d never filed\n", live, waiting_n, refused, never);
	return XA_OK;
}
