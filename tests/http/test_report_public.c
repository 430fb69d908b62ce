/* test_report_public.c: the anonymous report channel over real HTTP.
 *
 * The round trip (a report by JSON and by the page's form, with and
 * without a school, with photos whose EXIF and text chunks are gone when
 * the school downloads them), the receipt code (shown once, stored as a
 * hash, typed in any case and with or without dashes), the thread (the
 * school answers, the reporter reads "school" and never a name, the
 * reporter answers), wrong, malformed and unknown codes answered byte
 * for byte alike, every validation error in Chinese with nothing stored,
 * the rate limits, another school's staff getting the same 404 as for a
 * missing report, no address in any public audit record, and no
 * plaintext of anything sensitive in the database or its WAL. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/keys.h"
#include "cases/receipt.h"
#include "core/crypto.h"
#include "fixture.h"
#include "harness.h"

static struct srv S;
static struct session head_a, head_b, teacher_a, office;
static int64_t office_id, school_a, school_b;

#define CODE_RE_LEN 34

static int
setup(void **state)
{
	memset(&S, 0, sizeof S);
	if (srv_start(&S, NULL) != 0 || fx_setup(&S) != 0)
		return -1;
	/* The office sits under a section, as in the demo city: a report
	 * naming no school must still reach it (not the bureau). */
	int64_t section = fx_unit(1, "section", "安全稳定科", NULL);
	office_id = section > 0 ? fx_unit(section, "office", "教体局办公室", NULL) : -1;
	int64_t town = fx_unit(1, "township", "龙湖镇", NULL);
	school_a = fx_unit(town, "school", "龙湖镇第一小学", "primary");
	school_b = fx_unit(town, "school", "龙湖镇第二小学", "primary");
	int64_t direct = fx_unit(1, "school", "新郑市实验小学", "primary");
	if (office_id < 0 || town < 0 || school_a < 0 || school_b < 0 || direct < 0)
		return -1;
	if (fx_account(school_a, "head_a", "Head-pass-1", ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(school_b, "head_b", "Head-pass-2", ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(school_a, "teach_a", "Teach-pass-1", ROLE_BIT(ROLE_TEACHER)) < 0 ||
	    fx_account(office_id, "office1", "Office-pass-1", ROLE_BIT(ROLE_OFFICE_STAFF)) < 0)
		return -1;
	/* Every test here posts from 127.0.0.1: lift the limits, except in
	 * the test of the limits. */
	if (fx_sql("INSERT INTO settings (key, value, updated_at) VALUES"
	    " ('public.reports_per_address_10min', '100000', 0),"
	    " ('public.lookups_per_address_10min', '100000', 0)") != 0)
		return -1;
	return fx_signin(&S, "head_a", "Head-pass-1", &head_a) ||
	    fx_signin(&S, "head_b", "Head-pass-2", &head_b) ||
	    fx_signin(&S, "teach_a", "Teach-pass-1", &teacher_a) ||
	    fx_signin(&S, "office1", "Office-pass-1", &office);
}

/* --- Helpers. */

static int
has_han(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s >= 0xe4 && (unsigned char)*s <= 0xe9)
			return 1;
	return 0;
}

static int
post_json(const char *path, const char *json, struct resp *r)
{
	return http_req(&S, "POST", path, "application/json", json, strlen(json), NULL, r);
}

static int
post_form(const char *path, const char *body, struct resp *r)
{
	return http_req(&S, "POST", path, "application/x-www-form-urlencoded", body,
	    strlen(body), NULL, r);
}

/* A report by JSON; returns the receipt (static) or fails the test. */
static const char *
report_json(const char *json, int64_t *id)
{
	static char code[64];
	struct resp r;
	assert_int_equal(post_json("/api/v1/public/reports", json, &r), 0);
	if (r.status != 201)
		fail_msg("report: %ld %s", r.status, r.body);
	json_t *j = json_loads(r.body, 0, NULL);
	assert_non_null(j);
	const char *c = json_string_value(json_object_get(j, "receipt"));
	assert_non_null(c);
	assert_int_equal(strlen(c), CODE_RE_LEN);
	snprintf(code, sizeof code, "%s", c);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "received");
	assert_true(has_han(json_string_value(json_object_get(j, "status_text"))));
	json_decref(j);
	assert_string_equal(resp_header(&r, "Cache-Control"), "no-store");
	resp_free(&r);
	if (id != NULL)
		*id = fx_int("SELECT max(id) FROM reports");
	return code;
}

/* The receipt code from a page (inside <code class="secret" id="receipt">). */
static void
code_from_page(const char *body, char out[64])
{
	const char *p = strstr(body, "id=\"receipt\">");
	assert_non_null(p);
	p += strlen("id=\"receipt\">");
	const char *e = strchr(p, '<');
	assert_non_null(e);
	assert_int_equal(e - p, CODE_RE_LEN);
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
}

static json_t *
status_of(const char *code, long want)
{
	char path[128];
	struct resp r;
	snprintf(path, sizeof path, "/api/v1/public/reports/%s", code);
	assert_int_equal(http_get(&S, path, &r), 0);
	if (r.status != want)
		fail_msg("status of %s: %ld %s", code, r.status, r.body);
	json_t *j = json_loads(r.body, 0, NULL);
	resp_free(&r);
	return j;
}

/* Multipart bodies. */
#define BOUNDARY "xaTestBoundary7MA4YWxkTrZu0gW"
#define MP_CTYPE "multipart/form-data; boundary=" BOUNDARY

struct mp {
	char d[65536];
	size_t n;
};

static void
mp_put(struct mp *m, const void *p, size_t n)
{
	assert_true(m->n + n < sizeof m->d);
	memcpy(m->d + m->n, p, n);
	m->n += n;
}

static void
mp_field(struct mp *m, const char *name, const char *value)
{
	char h[256];
	snprintf(h, sizeof h, "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n",
	    name);
	mp_put(m, h, strlen(h));
	mp_put(m, value, strlen(value));
	mp_put(m, "\r\n", 2);
}

static void
mp_file(struct mp *m, const char *name, const char *filename, const char *ctype,
    const void *data, size_t n)
{
	char h[512];
	snprintf(h, sizeof h, "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\";"
	    " filename=\"%s\"\r\nContent-Type: %s\r\n\r\n", name, filename, ctype);
	mp_put(m, h, strlen(h));
	mp_put(m, data, n);
	mp_put(m, "\r\n", 2);
}

static void
mp_end(struct mp *m)
{
	mp_put(m, "--" BOUNDARY "--\r\n", strlen("--" BOUNDARY "--\r\n"));
}

static int
post_mp(const char *path, const struct mp *m, struct resp *r)
{
	return http_req(&S, "POST", path, MP_CTYPE, m->d, m->n, NULL, r);
}

/* A small JPEG with EXIF (GPS), a comment, and pixels that must not be
 * stored in the clear. */
struct bytes {
	unsigned char d[1024];
	size_t n;
};

static void
b_put(struct bytes *b, const void *p, size_t n)
{
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void
b_seg(struct bytes *b, unsigned char m, const void *p, size_t n)
{
	unsigned char h[4] = { 0xFF, m, (unsigned char)((n + 2) >> 8), (unsigned char)(n + 2) };
	b_put(b, h, 4);
	b_put(b, p, n);
}

static void
jpeg_with_exif(struct bytes *b)
{
	static const unsigned char jfif[14] = { 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0 };
	static const char exif[] = "Exif\0\0MM\0*GPS-SECRET-HTTP-34.39N";
	static const unsigned char sof0[9] = { 8, 0, 1, 0, 1, 1, 1, 0x11, 0 };
	static const unsigned char sos[6] = { 1, 1, 0, 0, 0x3F, 0 };
	unsigned char q[65] = { 0 };
	b->n = 0;
	b_put(b, "\xff\xd8", 2);
	b_seg(b, 0xE0, jfif, sizeof jfif);
	b_seg(b, 0xE1, exif, sizeof exif - 1);
	b_seg(b, 0xFE, "COMMENT-SECRET-HTTP", 19);
	b_seg(b, 0xDB, q, sizeof q);
	b_seg(b, 0xC0, sof0, sizeof sof0);
	b_seg(b, 0xDA, sos, sizeof sos);
	b_put(b, "PIXELS-UNIQUE-7", 15);
	b_put(b, "\xff\xd9", 2);
}

static int
contains(const void *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp((const char *)hay + i, needle, k) == 0)
			return 1;
	return 0;
}

static int64_t
count_all(void)
{
	return fx_int("SELECT (SELECT count(*) FROM reports) * 1000000 +"
	    " (SELECT count(*) FROM attachments) * 1000 + (SELECT count(*) FROM report_messages)");
}

/* --- Tests. */

static void
test_form_page(void **state)
{
	struct resp r;
	assert_int_equal(http_get(&S, "/report", &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "enctype=\"multipart/form-data\""));
	assert_non_null(strstr(r.body, "<optgroup label=\"龙湖镇\">"));
	assert_non_null(strstr(r.body, "龙湖镇第一小学"));
	assert_non_null(strstr(r.body, "新郑市实验小学"));
	assert_non_null(strstr(r.body, "不确定是哪所学校"));
	assert_non_null(strstr(r.body, "tel:62666010"));
	assert_non_null(strstr(r.body, "tel:110"));
	assert_non_null(strstr(r.body, "name=\"behaviours\" value=\"exclusion\""));
	assert_null(strstr(r.body, "value=\"staff\""));	/* staff report elsewhere */
	assert_null(strstr(r.body, "教体局办公室"));	/* only schools */
	assert_null(strstr(r.body, "<script"));
	resp_free(&r);
	assert_int_equal(http_get(&S, "/report/status", &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "action=\"/report/status\""));
	resp_free(&r);
}

/* The whole way: report, receipt, the school answers, the reporter reads
 * and answers. */
static void
test_json_round_trip(void **state)
{
	char body[1024];
	int64_t id;
	snprintf(body, sizeof body, "{\"school_id\":%lld,\"what\":\"UNIQUE-NARR-1 他们在厕所里推我，还抢了我的饭卡。\","
	    "\"when\":\"2025-09-01\",\"when_text\":\"上周五放学后\",\"place\":\"in_school\","
	    "\"place_text\":\"UNIQUE-PLACE-1 三楼厕所\",\"behaviours\":[\"physical\",\"property\",\"physical\"],"
	    "\"involved\":\"UNIQUE-NAME-1 张某某\",\"frequency\":\"ongoing\",\"reporter\":\"witness\","
	    "\"contact\":\"UNIQUE-CONTACT-1 13800000000\"}", (long long)school_a);
	const char *c = report_json(body, &id);
	char code[64];
	snprintf(code, sizeof code, "%s", c);
	for (int i = 0; i < CODE_RE_LEN; i++) {
		if ((i + 1) % 5 == 0)
			assert_int_equal(code[i], '-');
		else
			assert_non_null(strchr("23456789ABCDEFGHJKMNPQRSTWXYZ", code[i]));
	}
	/* What is stored in the clear: kinds and dates, never the words. */
	char q[512];
	snprintf(q, sizeof q, "SELECT count(*) FROM reports WHERE id = %lld AND unit_id = %lld"
	    " AND queue_unit_id = %lld AND channel = 'online' AND status = 'new'"
	    " AND occurred_on = '2025-09-01' AND place = 'in_school'"
	    " AND behaviours = 'physical,property' AND frequency = 'ongoing'"
	    " AND reporter = 'witness' AND length(receipt) = 64 AND receipt_hash IS NULL"
	    " AND wkey IS NOT NULL",
	    (long long)id, (long long)school_a, (long long)school_a);
	assert_int_equal(fx_int(q), 1);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'report.receive'"
	    " AND account_id = 0 AND object_type = 'report' AND object_id = (SELECT max(id) FROM reports)"), 1);
	/* The receipt works, typed any way. */
	json_t *j = status_of(code, 200);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "received");
	assert_non_null(strstr(json_string_value(json_object_get(j, "status_text")), "已收到"));
	assert_int_equal(json_array_size(json_object_get(j, "messages")), 0);
	json_decref(j);
	char loose[64];
	size_t n = 0;
	for (const char *p = code; *p; p++)
		if (*p != '-')
			loose[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	loose[n] = '\0';
	json_decref(status_of(loose, 200));
	/* The school answers. */
	char path[96];
	struct resp r;
	snprintf(path, sizeof path, "/api/v1/reports/%lld/messages", (long long)id);
	assert_int_equal(fx_req(&S, &head_a, "POST", path,
	    "{\"text\":\"UNIQUE-REPLY-1 谢谢你告诉我们。能说说是哪个班的同学吗？\"}", &r), 0);
	assert_int_equal(r.status, 201);
	resp_free(&r);
	/* The reporter reads it: from the school, and from nobody by name. */
	j = status_of(code, 200);
	json_t *msgs = json_object_get(j, "messages");
	assert_int_equal(json_array_size(msgs), 1);
	json_t *m0 = json_array_get(msgs, 0);
	assert_string_equal(json_string_value(json_object_get(m0, "from")), "school");
	assert_non_null(strstr(json_string_value(json_object_get(m0, "text")), "UNIQUE-REPLY-1"));
	assert_int_equal(strlen(json_string_value(json_object_get(m0, "at"))), 16);
	char *dump = json_dumps(j, 0);
	assert_null(strstr(dump, "head_a"));
	free(dump);
	json_decref(j);
	/* The reporter answers. */
	snprintf(path, sizeof path, "/api/v1/public/reports/%s/messages", code);
	assert_int_equal(post_json(path, "{\"text\":\"UNIQUE-ANSWER-1 是七年级二班的。\"}", &r), 0);
	assert_int_equal(r.status, 201);
	j = json_loads(r.body, 0, NULL);
	msgs = json_object_get(j, "messages");
	assert_int_equal(json_array_size(msgs), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 1), "from")),
	    "reporter");
	json_decref(j);
	resp_free(&r);
	/* The school's side holds both, the reporter's without an account. */
	snprintf(q, sizeof q, "SELECT count(*) FROM report_messages WHERE report_id = %lld",
	    (long long)id);
	assert_int_equal(fx_int(q), 2);
	snprintf(q, sizeof q, "SELECT count(*) FROM report_messages WHERE report_id = %lld"
	    " AND from_reporter = 1 AND account_id IS NULL", (long long)id);
	assert_int_equal(fx_int(q), 1);
	snprintf(q, sizeof q, "SELECT count(*) FROM report_messages WHERE report_id = %lld"
	    " AND from_reporter = 0 AND account_id = %lld", (long long)id,
	    (long long)head_a.account_id);
	assert_int_equal(fx_int(q), 1);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'report.reply'"
	    " AND account_id > 0"), 1);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'report.message'"), 1);
	/* The office reaches every queue (the bureau's triage). */
	snprintf(path, sizeof path, "/api/v1/reports/%lld/messages", (long long)id);
	assert_int_equal(fx_req(&S, &office, "POST", path, "{\"text\":\"教体局已关注。\"}", &r), 0);
	assert_int_equal(r.status, 201);
	resp_free(&r);
	/* The staff read the thread with who wrote what. */
	snprintf(path, sizeof path, "/api/v1/reports/%lld/messages", (long long)id);
	assert_int_equal(fx_req(&S, &head_a, "GET", path, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	j = json_loads(r.body, 0, NULL);
	resp_free(&r);
	msgs = json_object_get(j, "messages");
	assert_int_equal(json_array_size(msgs), 3);
	static const char *const from[][2] = { { "school", "head_a" }, { "reporter", "" },
		{ "bureau", "office1" } };
	for (size_t i = 0; i < 3; i++) {
		json_t *mi = json_array_get(msgs, i);
		assert_string_equal(json_string_value(json_object_get(mi, "from")), from[i][0]);
		assert_string_equal(json_string_value(json_object_get(mi, "author")), from[i][1]);
	}
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(msgs, 1), "text")),
	    "UNIQUE-ANSWER-1"));
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'report.thread.read'"
	    " AND account_id > 0"), 1);
	struct resp base;
	assert_int_equal(fx_req(&S, &head_b, "GET", "/api/v1/reports/999999/messages", NULL, &base), 0);
	assert_int_equal(base.status, 404);
	assert_int_equal(fx_req(&S, &head_b, "GET", path, NULL, &r), 0);
	assert_int_equal(r.status, 404);
	assert_int_equal(r.len, base.len);
	assert_memory_equal(r.body, base.body, base.len);
	resp_free(&r);
	resp_free(&base);
	/* The status follows the report: accepted, joined to a case under
	 * way, joined to a closed one; never "prank" in any words. */
	snprintf(q, sizeof q, "INSERT INTO cases (unit_id, year, seq, summary, state, state_since,"
	    " opened_at) VALUES (%lld, 2026, 901, x'00', 'investigating', 0, 0)", (long long)school_a);
	assert_int_equal(fx_sql(q), 0);
	snprintf(q, sizeof q, "UPDATE reports SET status = 'joined', case_id = (SELECT max(id) FROM cases)"
	    " WHERE id = %lld", (long long)id);
	assert_int_equal(fx_sql(q), 0);
	j = status_of(code, 200);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "in_progress");
	json_decref(j);
	assert_int_equal(fx_sql("UPDATE cases SET state = 'closed' WHERE id = (SELECT max(id) FROM cases)"), 0);
	j = status_of(code, 200);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "handled");
	assert_non_null(strstr(json_string_value(json_object_get(j, "status_text")), "已处理"));
	json_decref(j);
	snprintf(q, sizeof q, "UPDATE reports SET case_id = NULL WHERE id = %lld", (long long)id);
	assert_int_equal(fx_sql(q), 0);
	snprintf(q, sizeof q, "UPDATE reports SET status = 'accepted' WHERE id = %lld", (long long)id);
	assert_int_equal(fx_sql(q), 0);
	j = status_of(code, 200);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "in_progress");
	json_decref(j);
	snprintf(q, sizeof q, "UPDATE reports SET status = 'prank' WHERE id = %lld", (long long)id);
	assert_int_equal(fx_sql(q), 0);
	j = status_of(code, 200);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "handled");
	dump = json_dumps(j, 0);
	assert_null(strstr(dump, "prank"));
	assert_null(strstr(dump, "恶作剧"));
	free(dump);
	json_decref(j);
	snprintf(q, sizeof q, "UPDATE reports SET status = 'new' WHERE id = %lld", (long long)id);
	assert_int_equal(fx_sql(q), 0);
}

static void
test_not_sure_goes_to_office(void **state)
{
	int64_t id;
	report_json("{\"school_id\":0,\"what\":\"在校门口有几个高年级的学生天天堵人要钱。\"}", &id);
	char q[512];
	snprintf(q, sizeof q, "SELECT count(*) FROM reports WHERE id = %lld AND unit_id IS NULL"
	    " AND queue_unit_id = %lld", (long long)id, (long long)office_id);
	assert_int_equal(fx_int(q), 1);
	/* No school at all is the same; defaults for what was not said. */
	report_json("{\"what\":\"网上有人建群专门骂我们班的一个同学。\"}", &id);
	snprintf(q, sizeof q, "SELECT count(*) FROM reports WHERE id = %lld AND unit_id IS NULL"
	    " AND queue_unit_id = %lld AND place = 'unknown' AND frequency = 'unknown'"
	    " AND reporter = 'other' AND behaviours = '' AND occurred_on = ''",
	    (long long)id, (long long)office_id);
	assert_int_equal(fx_int(q), 1);
	/* A school principal does not reach the office's queue. */
	char path[96];
	struct resp r;
	snprintf(path, sizeof path, "/api/v1/reports/%lld/messages", (long long)id);
	assert_int_equal(fx_req(&S, &head_a, "POST", path, "{\"text\":\"你好\"}", &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
}

/* The page's form with two photos: their metadata is gone, the school
 * downloads them, another school cannot. */
static void
test_form_with_attachments(void **state)
{
	struct bytes jpg;
	jpeg_with_exif(&jpg);
	static const unsigned char png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
		0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0,
		0x90, 0x77, 0x53, 0xde,
		0, 0, 0, 18, 't', 'E', 'X', 't', 'A', 'u', 't', 'h', 'o', 'r', 0,
		'P', 'N', 'G', '-', 'S', 'E', 'C', 'R', 'E', 'T', 0x00,
		0, 0, 0, 0,	/* CRC filled below */
		0, 0, 0, 12, 'I', 'D', 'A', 'T', 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
		0x00, 0x03, 0x01, 0x01, 0x00, 0, 0, 0, 0,
		0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82,
	};
	unsigned char p[sizeof png];
	memcpy(p, png, sizeof png);
	/* The CRCs of IHDR, tEXt and IDAT (type and data). */
	size_t spans[3][2] = { { 12, 4 + 13 }, { 33 + 4, 4 + 18 }, { 33 + 30 + 4, 4 + 12 } };
	for (int k = 0; k < 3; k++) {
		unsigned c = 0xFFFFFFFFu;
		for (size_t i = 0; i < spans[k][1]; i++) {
			c ^= p[spans[k][0] + i];
			for (int b = 0; b < 8; b++)
				c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		}
		c ^= 0xFFFFFFFFu;
		size_t at = spans[k][0] + spans[k][1];
		p[at] = (unsigned char)(c >> 24);
		p[at + 1] = (unsigned char)(c >> 16);
		p[at + 2] = (unsigned char)(c >> 8);
		p[at + 3] = (unsigned char)c;
	}
	struct mp m = { .n = 0 };
	char school[24];
	snprintf(school, sizeof school, "%lld", (long long)school_a);
	mp_field(&m, "school_id", school);
	mp_field(&m, "what", "UNIQUE-NARR-2 课间有人把我的书包扔进垃圾桶，还拍照发到群里。");
	mp_field(&m, "place", "in_school");
	mp_field(&m, "behaviours", "property");
	mp_field(&m, "behaviours", "online");
	mp_field(&m, "reporter", "victim");
	mp_field(&m, "frequency", "several");
	mp_field(&m, "involved", "UNIQUE-NAME-2");
	mp_file(&m, "files", "SECRET-FILENAME-2.jpeg", "image/jpeg", jpg.d, jpg.n);
	mp_file(&m, "files", "screenshot.png", "image/png", p, sizeof p);
	mp_file(&m, "files", "", "application/octet-stream", "", 0);	/* an empty input */
	mp_end(&m);
	struct resp r;
	assert_int_equal(post_mp("/report", &m, &r), 0);
	if (r.status != 201)
		fail_msg("form: %ld %s", r.status, r.body);
	assert_string_equal(resp_header(&r, "Cache-Control"), "no-store");
	char code[64];
	code_from_page(r.body, code);
	assert_non_null(strstr(r.body, "href=\"/report/status\""));
	resp_free(&r);
	int64_t id = fx_int("SELECT max(id) FROM reports");
	char q[512];
	snprintf(q, sizeof q, "SELECT count(*) FROM attachments WHERE report_id = %lld", (long long)id);
	assert_int_equal(fx_int(q), 2);
	snprintf(q, sizeof q, "SELECT count(*) FROM reports WHERE id = %lld AND"
	    " behaviours = 'property,online' AND reporter = 'victim'", (long long)id);
	assert_int_equal(fx_int(q), 1);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'report.receive'"
	    " AND fields = 'body,attachments'"), 1);
	snprintf(q, sizeof q, "SELECT id FROM attachments WHERE report_id = %lld AND mime = 'image/jpeg'"
	    " AND size < %zu", (long long)id, jpg.n);
	int64_t aid = fx_int(q);
	assert_true(aid > 0);
	snprintf(q, sizeof q, "SELECT id FROM attachments WHERE report_id = %lld AND mime = 'image/png'",
	    (long long)id);
	int64_t pid = fx_int(q);
	assert_true(pid > 0);
	/* The school downloads the photos, without what identified them. */
	char path[128];
	snprintf(path, sizeof path, "/api/v1/reports/%lld/attachments/%lld", (long long)id,
	    (long long)aid);
	assert_int_equal(fx_req(&S, &head_a, "GET", path, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(resp_header(&r, "Content-Type"), "image/jpeg");
	assert_non_null(strstr(resp_header(&r, "Content-Disposition"), "attachment"));
	assert_non_null(strstr(resp_header(&r, "Content-Disposition"), "SECRET-FILENAME-2.jpg"));
	assert_true(r.len > 4 && (unsigned char)r.body[0] == 0xFF && (unsigned char)r.body[1] == 0xD8);
	assert_false(contains(r.body, r.len, "GPS-SECRET-HTTP"));
	assert_false(contains(r.body, r.len, "COMMENT-SECRET-HTTP"));
	assert_true(contains(r.body, r.len, "PIXELS-UNIQUE-7"));
	assert_true(contains(r.body, r.len, "JFIF"));
	resp_free(&r);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'report.attachment.read'"
	    " AND account_id > 0"), 1);
	snprintf(path, sizeof path, "/api/v1/reports/%lld/attachments/%lld", (long long)id,
	    (long long)pid);
	assert_int_equal(fx_req(&S, &head_a, "GET", path, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(resp_header(&r, "Content-Type"), "image/png");
	assert_false(contains(r.body, r.len, "PNG-SECRET"));
	assert_false(contains(r.body, r.len, "tEXt"));
	assert_true(contains(r.body, r.len, "IDAT"));
	assert_true(r.len < sizeof p);
	resp_free(&r);
	/* Another school's principal, a teacher without triage, a missing
	 * report, a missing attachment, an attachment of another report: all
	 * the same 404. */
	struct resp base;
	assert_int_equal(fx_req(&S, &head_b, "GET", "/api/v1/reports/999999/attachments/1", NULL,
	    &base), 0);
	assert_int_equal(base.status, 404);
	struct { const struct session *who; int64_t rid, aid; } deny[] = {
		{ &head_b, id, aid }, { &teacher_a, id, aid }, { &head_a, id, 999999 },
		{ &head_a, 1, aid },
	};
	int64_t before = fx_int("SELECT count(*) FROM audit_log");
	for (size_t i = 0; i < sizeof deny / sizeof deny[0]; i++) {
		snprintf(path, sizeof path, "/api/v1/reports/%lld/attachments/%lld",
		    (long long)deny[i].rid, (long long)deny[i].aid);
		assert_int_equal(fx_req(&S, deny[i].who, "GET", path, NULL, &r), 0);
		assert_int_equal(r.status, 404);
		assert_int_equal(r.len, base.len);
		assert_memory_equal(r.body, base.body, base.len);
		resp_free(&r);
	}
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log"), before);
	resp_free(&base);
	/* The same for replies: school B to school A's report is a missing one. */
	assert_int_equal(fx_req(&S, &head_b, "POST", "/api/v1/reports/999999/messages",
	    "{\"text\":\"你好\"}", &base), 0);
	assert_int_equal(base.status, 404);
	int64_t msgs = fx_int("SELECT count(*) FROM report_messages");
	snprintf(path, sizeof path, "/api/v1/reports/%lld/messages", (long long)id);
	const struct session *who[] = { &head_b, &teacher_a };
	for (int i = 0; i < 2; i++) {
		assert_int_equal(fx_req(&S, who[i], "POST", path, "{\"text\":\"你好\"}", &r), 0);
		assert_int_equal(r.status, 404);
		assert_int_equal(r.len, base.len);
		assert_memory_equal(r.body, base.body, base.len);
		resp_free(&r);
	}
	resp_free(&base);
	assert_int_equal(fx_int("SELECT count(*) FROM report_messages"), msgs);
	/* The staff form: answered, then back to the report's page. */
	snprintf(path, sizeof path, "/reports/%lld/messages", (long long)id);
	assert_int_equal(fx_req_cookie(&S, &head_a, "POST", path,
	    "application/x-www-form-urlencoded", "text=%E6%94%B6%E5%88%B0", 1, &r), 0);
	assert_int_equal(r.status, 303);
	snprintf(q, sizeof q, "/reports/%lld", (long long)id);
	assert_string_equal(resp_header(&r, "Location"), q);
	resp_free(&r);
	/* Without the session's token it is refused, and nothing is added. */
	assert_int_equal(fx_req_cookie(&S, &head_a, "POST", path,
	    "application/x-www-form-urlencoded", "text=%E6%94%B6%E5%88%B0", 0, &r), 0);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	assert_int_equal(fx_int("SELECT count(*) FROM report_messages"), msgs + 1);
	/* The reporter's page: the code, then the thread and the reply. */
	char form[160];
	snprintf(form, sizeof form, "code=%s", code);
	assert_int_equal(post_form("/report/status", form, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "已收到"));
	assert_non_null(strstr(r.body, "收到"));
	assert_non_null(strstr(r.body, "学校"));
	assert_null(strstr(r.body, "head_a"));
	assert_non_null(strstr(r.body, "action=\"/report/status/reply\""));
	resp_free(&r);
	snprintf(form, sizeof form, "code=%s&text=UNIQUE-ANSWER-2%%20%%E8%%B0%%A2%%E8%%B0%%A2", code);
	assert_int_equal(post_form("/report/status/reply", form, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "UNIQUE-ANSWER-2 谢谢"));
	assert_non_null(strstr(r.body, "role=\"status\""));
	resp_free(&r);
	/* An empty reply (or one of spaces) is refused and adds nothing;
	 * the page says why and still shows the thread, and that read is
	 * recorded like any other. */
	int64_t all = count_all();
	static const char *const empties[] = { "", "%20%20%0D%0A%E3%80%80" };
	for (size_t i = 0; i < 2; i++) {
		int64_t reads = fx_int("SELECT count(*) FROM audit_log WHERE action ="
		    " 'report.status.read'");
		snprintf(form, sizeof form, "code=%s&text=%s", code, empties[i]);
		assert_int_equal(post_form("/report/status/reply", form, &r), 0);
		assert_int_equal(r.status, 400);
		assert_non_null(strstr(r.body, "请写下你想说的话"));
		assert_non_null(strstr(r.body, "UNIQUE-ANSWER-2 谢谢"));
		assert_non_null(strstr(r.body, "action=\"/report/status/reply\""));
		resp_free(&r);
		assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action ="
		    " 'report.status.read'"), reads + 1);
	}
	assert_int_equal(count_all(), all);
	/* The API refuses a reply of spaces alike. */
	snprintf(form, sizeof form, "/api/v1/public/reports/%s/messages", code);
	assert_int_equal(post_json(form, "{\"text\":\"  \\n \"}", &r), 0);
	assert_int_equal(r.status, 400);
	assert_true(has_han(r.body));
	resp_free(&r);
	assert_int_equal(count_all(), all);
}

/* Wrong, malformed and unknown codes: one answer, byte for byte. */
static void
test_codes_alike(void **state)
{
	const char *real = report_json("{\"what\":\"有同学每天都在路上拦我要零花钱。\"}", NULL);
	char wrong[64];
	snprintf(wrong, sizeof wrong, "%s", real);
	wrong[0] = wrong[0] == 'A' ? 'B' : 'A';		/* one symbol off */
	const char *codes[] = {
		wrong,
		"ABCD-EFGH-JKMN-PQRS-TWXY-Z234-5678",	/* well formed, unknown */
		"hello",				/* malformed: short */
		"0000-OOOO-1111-IIII-LLLL-UUUU-VVVV",	/* look-alikes */
		"ABCD-EFGH-JKMN-PQRS-TWXY-Z234-56789",	/* one too many */
		"ABCD%2FEFGH",				/* a slash inside */
		"%E4%B8%AD%E6%96%87",			/* Chinese */
	};
	struct resp base, r;
	char path[160];
	snprintf(path, sizeof path, "/api/v1/public/reports/%s", codes[0]);
	assert_int_equal(http_get(&S, path, &base), 0);
	assert_int_equal(base.status, 404);
	assert_true(has_han(base.body));
	for (size_t i = 1; i < sizeof codes / sizeof codes[0]; i++) {
		snprintf(path, sizeof path, "/api/v1/public/reports/%s", codes[i]);
		assert_int_equal(http_get(&S, path, &r), 0);
		if (r.status != 404 || r.len != base.len || memcmp(r.body, base.body, r.len) != 0)
			fail_msg("%s: %ld %s", codes[i], r.status, r.body);
		resp_free(&r);
	}
	/* The same for messages to them: nothing is added. */
	int64_t all = count_all();
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		snprintf(path, sizeof path, "/api/v1/public/reports/%s/messages", codes[i]);
		assert_int_equal(post_json(path, "{\"text\":\"你好\"}", &r), 0);
		if (r.status != 404 || r.len != base.len || memcmp(r.body, base.body, r.len) != 0)
			fail_msg("message to %s: %ld %s", codes[i], r.status, r.body);
		resp_free(&r);
	}
	assert_int_equal(count_all(), all);
	resp_free(&base);
	/* And the page. */
	char form[160];
	snprintf(form, sizeof form, "code=%s", codes[0]);
	assert_int_equal(post_form("/report/status", form, &base), 0);
	assert_int_equal(base.status, 404);
	assert_non_null(strstr(base.body, "没有找到"));
	for (size_t i = 1; i < sizeof codes / sizeof codes[0]; i++) {
		snprintf(form, sizeof form, "code=%s", codes[i]);
		assert_int_equal(post_form("/report/status", form, &r), 0);
		if (r.status != 404 || r.len != base.len || memcmp(r.body, base.body, r.len) != 0)
			fail_msg("page %s: %ld", codes[i], r.status);
		resp_free(&r);
	}
	assert_int_equal(post_form("/report/status", "code=", &r), 0);
	assert_int_equal(r.status, 404);
	assert_int_equal(r.len, base.len);
	assert_memory_equal(r.body, base.body, base.len);
	resp_free(&r);
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		snprintf(form, sizeof form, "code=%s&text=%%E4%%BD%%A0%%E5%%A5%%BD", codes[i]);
		assert_int_equal(post_form("/report/status/reply", form, &r), 0);
		if (r.status != 404 || r.len != base.len || memcmp(r.body, base.body, r.len) != 0)
			fail_msg("page reply %s: %ld", codes[i], r.status);
		resp_free(&r);
	}
	assert_int_equal(count_all(), all);
	resp_free(&base);
	/* The real one, in full-width letters as a Chinese keyboard types
	 * them, with an ideographic space for a dash. */
	char path2[512];
	size_t n = (size_t)snprintf(path2, sizeof path2, "/api/v1/public/reports/");
	static const char hex[] = "0123456789ABCDEF";
	for (const char *p = real; *p; p++) {
		unsigned c = *p == '-' ? 0x3000u : 0xFF00u + (unsigned)*p - 0x20u;
		unsigned char u[3] = { (unsigned char)(0xE0 | (c >> 12)),
			(unsigned char)(0x80 | ((c >> 6) & 0x3F)), (unsigned char)(0x80 | (c & 0x3F)) };
		for (int k = 0; k < 3; k++) {
			path2[n++] = '%';
			path2[n++] = hex[u[k] >> 4];
			path2[n++] = hex[u[k] & 15];
		}
	}
	path2[n] = '\0';
	assert_int_equal(http_get(&S, path2, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	/* The code itself is nowhere in the database. */
	char q[512], bare[40];
	size_t k = 0;
	for (const char *p = real; *p; p++)
		if (*p != '-')
			bare[k++] = *p;
	bare[k] = '\0';
	snprintf(q, sizeof q, "SELECT count(*) FROM reports WHERE receipt_hash LIKE '%%%s%%'"
	    " OR receipt_hash LIKE '%%%s%%'", real, bare);
	assert_int_equal(fx_int(q), 0);
}

/* Every refusal: 400 in Chinese, and nothing stored. */
static void
test_validation(void **state)
{
	char json[10][256];
	snprintf(json[0], sizeof json[0], "{\"school_id\":%lld}", (long long)school_a);
	snprintf(json[1], sizeof json[1], "{\"school_id\":%lld,\"what\":\"太短了\"}", (long long)school_a);
	snprintf(json[2], sizeof json[2], "{\"school_id\":%lld,\"what\":\"明天会有人在操场打架。真的会发生。\","
	    "\"when\":\"2999-01-01\"}", (long long)school_a);
	snprintf(json[3], sizeof json[3], "{\"school_id\":%lld,\"what\":\"有人每天在班里嘲笑他的口音。\","
	    "\"behaviours\":[\"verbal\",\"kicking\"]}", (long long)school_a);
	snprintf(json[4], sizeof json[4], "{\"school_id\":999999,\"what\":\"有人每天在班里嘲笑他的口音。\"}");
	snprintf(json[5], sizeof json[5], "{\"school_id\":%lld,\"what\":\"有人每天在班里嘲笑他的口音。\"}",
	    (long long)office_id);
	snprintf(json[6], sizeof json[6], "{\"school_id\":%lld,\"what\":\"有人每天在班里嘲笑他的口音。\","
	    "\"reporter\":\"staff\"}", (long long)school_a);
	snprintf(json[7], sizeof json[7], "{\"school_id\":%lld,\"what\":\"有人每天在班里嘲笑他的口音。\","
	    "\"place\":\"moon\"}", (long long)school_a);
	/* Before 2000: a slip of the finger. */
	snprintf(json[8], sizeof json[8], "{\"school_id\":%lld,\"what\":\"有人每天在班里嘲笑他的口音。\","
	    "\"when\":\"1999-12-31\"}", (long long)school_a);
	snprintf(json[9], sizeof json[9], "{\"what\":\"有人每天在班里嘲笑他的口音。\","
	    "\"when\":\"0201-05-04\"}");
	static const char *const codes[] = { "missing_field", "public_what_short",
		"public_future_date", "invalid_field", "public_unknown_school",
		"public_unknown_school", "invalid_field", "invalid_field", "public_old_date",
		"public_old_date" };
	int64_t all = count_all();
	int64_t audits = fx_int("SELECT count(*) FROM audit_log");
	struct resp r;
	for (size_t i = 0; i < 10; i++) {
		assert_int_equal(post_json("/api/v1/public/reports", json[i], &r), 0);
		if (r.status != 400 || strstr(r.body, codes[i]) == NULL || !has_han(r.body))
			fail_msg("case %zu: %ld %s", i, r.status, r.body);
		resp_free(&r);
	}
	/* Files: five, a GIF, a broken JPEG, a PNG named .jpg is fine. */
	struct bytes jpg;
	jpeg_with_exif(&jpg);
	char school[24];
	snprintf(school, sizeof school, "%lld", (long long)school_a);
	static const unsigned char gif[] = { 'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80,
		0, 0, 0xff, 0xff, 0xff, 0, 0, 0, '!', 0xf9, 4, 1, 0, 0, 0, 0, ',', 0, 0, 0, 0, 1,
		0, 1, 0, 0, 2, 2, 'D', 1, 0, ';' };
	for (int c = 0; c < 3; c++) {
		struct mp m = { .n = 0 };
		mp_field(&m, "school_id", school);
		mp_field(&m, "what", "UNIQUE-NARR-REFUSED 有人把他的作业本撕了。");
		if (c == 0)
			for (int k = 0; k < 5; k++)
				mp_file(&m, "files", "a.jpg", "image/jpeg", jpg.d, jpg.n);
		else if (c == 1)
			mp_file(&m, "files", "cat.jpg", "image/jpeg", gif, sizeof gif);
		else
			mp_file(&m, "files", "half.jpg", "image/jpeg", jpg.d, jpg.n - 5);
		mp_end(&m);
		static const char *const want[] = { "public_too_many_files", "public_file_type",
			"public_file_damaged" };
		assert_int_equal(http_req(&S, "POST", "/api/v1/public/reports", MP_CTYPE, m.d, m.n,
		    NULL, &r), 0);
		if (r.status != 400 || strstr(r.body, want[c]) == NULL || !has_han(r.body))
			fail_msg("file case %d: %ld %s", c, r.status, r.body);
		resp_free(&r);
		/* The page shows the form again, with what was written. */
		assert_int_equal(post_mp("/report", &m, &r), 0);
		assert_int_equal(r.status, 400);
		assert_non_null(strstr(r.body, "role=\"alert\""));
		assert_non_null(strstr(r.body, "UNIQUE-NARR-REFUSED"));
		assert_non_null(strstr(r.body, "enctype=\"multipart/form-data\""));
		resp_free(&r);
	}
	/* The page: no school chosen, and a narrative too short. */
	assert_int_equal(post_form("/report", "what=UNIQUE-NARR-NOSCHOOL%20%E6%9C%89%E4%BA%BA%E6%89%93%E4%BA%BA", &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "请选择学校"));
	assert_non_null(strstr(r.body, "UNIQUE-NARR-NOSCHOOL"));
	resp_free(&r);
	char form[256];
	snprintf(form, sizeof form, "school_id=%lld&what=%%E6%%89%%93", (long long)school_a);
	assert_int_equal(post_form("/report", form, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "至少10个字"));
	resp_free(&r);
	/* A day before 2000 on the page: said in Chinese, the form kept. */
	snprintf(form, sizeof form, "school_id=%lld&when=1998-06-01&what=UNIQUE-NARR-REFUSED"
	    "%%20%%E6%%9C%%89%%E4%%BA%%BA%%E6%%89%%93%%E4%%BA%%BA", (long long)school_a);
	assert_int_equal(post_form("/report", form, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "不能早于2000年"));
	assert_non_null(strstr(r.body, "UNIQUE-NARR-REFUSED"));
	resp_free(&r);
	assert_int_equal(count_all(), all);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log"), audits);
}

/* The limits per address: 429 with the numbers to call, nothing stored. */
static void
test_rate_limits(void **state)
{
	struct resp r;
	assert_int_equal(fx_sql("UPDATE settings SET value = '1' WHERE key ="
	    " 'public.reports_per_address_10min'"), 0);
	int64_t all = count_all();
	int limited = 0, stored = 0;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(post_json("/api/v1/public/reports",
		    "{\"what\":\"有人在宿舍里欺负新来的同学。\"}", &r), 0);
		if (r.status == 429) {
			limited++;
			assert_non_null(strstr(r.body, "62666010"));
			assert_non_null(strstr(r.body, "110"));
			assert_true(has_han(r.body));
			assert_non_null(resp_header(&r, "Retry-After"));
		} else {
			assert_int_equal(r.status, 201);
			stored++;
		}
		resp_free(&r);
	}
	assert_true(limited >= 2);
	assert_int_equal(count_all(), all + stored * 1000000);
	/* The page too. */
	assert_int_equal(post_form("/report", "school_id=0&what=x", &r), 0);
	assert_int_equal(r.status, 429);
	assert_non_null(strstr(r.body, "62666010"));
	resp_free(&r);
	const char *code = NULL;
	assert_int_equal(fx_sql("UPDATE settings SET value = '100000' WHERE key ="
	    " 'public.reports_per_address_10min'"), 0);
	code = report_json("{\"what\":\"有人在宿舍里欺负新来的同学。\"}", NULL);
	char mine[64], path[128], form[160];
	snprintf(mine, sizeof mine, "%s", code);
	assert_int_equal(fx_sql("UPDATE settings SET value = '1' WHERE key ="
	    " 'public.reports_per_address_10min'"), 0);
	/* A reply looks a code up: it costs one lookup, not a report. With
	 * the reports spent, replies still go through. */
	snprintf(path, sizeof path, "/api/v1/public/reports/%s/messages", mine);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(post_json(path, "{\"text\":\"补充一下\"}", &r), 0);
		assert_int_equal(r.status, 201);
		resp_free(&r);
	}
	/* Lookups have their own limit, and replies count against it. */
	assert_int_equal(fx_sql("UPDATE settings SET value = '1' WHERE key ="
	    " 'public.lookups_per_address_10min'"), 0);
	int64_t msgs = fx_int("SELECT count(*) FROM report_messages");
	limited = 0;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(post_json(path, "{\"text\":\"再补充一下\"}", &r), 0);
		if (r.status == 429) {
			limited++;
			assert_non_null(strstr(r.body, "62666010"));
			assert_non_null(resp_header(&r, "Retry-After"));
		} else {
			assert_int_equal(r.status, 201);
		}
		resp_free(&r);
	}
	assert_true(limited >= 2);
	assert_int_equal(fx_int("SELECT count(*) FROM report_messages"), msgs + 3 - limited);
	snprintf(form, sizeof form, "code=%s&text=%%E8%%A1%%A5%%E5%%85%%85", mine);
	assert_int_equal(post_form("/report/status/reply", form, &r), 0);
	assert_int_equal(r.status, 429);
	resp_free(&r);
	assert_int_equal(fx_int("SELECT count(*) FROM report_messages"), msgs + 3 - limited);
	snprintf(path, sizeof path, "/api/v1/public/reports/%s", mine);
	assert_int_equal(http_get(&S, path, &r), 0);
	assert_int_equal(r.status, 429);
	resp_free(&r);
	assert_int_equal(post_form("/report/status", "code=x", &r), 0);
	assert_int_equal(r.status, 429);
	resp_free(&r);
	assert_int_equal(fx_sql("UPDATE settings SET value = '100000' WHERE key IN"
	    " ('public.reports_per_address_10min', 'public.lookups_per_address_10min')"), 0);
	assert_int_equal(http_get(&S, path, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

/* Anything a reporter did is audited without an address or a request id;
 * each read of the thread is audited. */
static void
test_public_audit_has_no_address(void **state)
{
	assert_true(fx_int("SELECT count(*) FROM audit_log WHERE action IN"
	    " ('report.receive', 'report.message', 'report.status.read')") >= 5);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action IN"
	    " ('report.receive', 'report.message', 'report.status.read')"
	    " AND (source != '' OR request_id != '' OR account_id != 0)"), 0);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE source LIKE '%127.0.0.1%'"
	    " AND object_type = 'report' AND action NOT IN ('report.reply',"
	    " 'report.attachment.read', 'report.thread.read')"), 0);
}

/* A request as `who` (Bearer) to path and the same to the same route of
 * a missing report: both must be 404 with the same body. */
static void
same_as_missing(const struct session *who, const char *method, const char *path,
    const char *missing, const char *json)
{
	struct resp a, b;
	assert_int_equal(fx_req(&S, who, method, path, json, &a), 0);
	assert_int_equal(fx_req(&S, who, method, missing, json, &b), 0);
	if (a.status != 404 || b.status != 404 || a.len != b.len ||
	    memcmp(a.body, b.body, a.len) != 0)
		fail_msg("%s %s: %ld %s vs missing %ld %s", method, path, a.status,
		    a.body ? a.body : "", b.status, b.body ? b.body : "");
	resp_free(&a);
	resp_free(&b);
}

/* What a refused request must leave alone here. */
static void
moved_fingerprint(char out[160])
{
	snprintf(out, 160, "%lld/%lld/%lld/%lld/%lld",
	    (long long)fx_int("SELECT count(*) FROM reports"),
	    (long long)fx_int("SELECT COALESCE(sum(id * (COALESCE(owner_id, 0) + 7 *"
	    " queue_unit_id + 13 * COALESCE(unit_id, 0))), 0) FROM reports"),
	    (long long)fx_int("SELECT COALESCE(sum(updated_at), 0) FROM reports"),
	    (long long)fx_int("SELECT count(*) FROM report_messages"),
	    (long long)fx_int("SELECT count(*) FROM audit_log"));
}

/* A report the office moved to another school is that school's: the
 * teacher who took it (its receiver and owner) at the first school, and
 * a teacher it was handed to there, get the same 404 as for a missing
 * report on every route, and nothing changes; the new school and the
 * office reach it. */
static void
test_moved_report(void **state)
{
	char path[160], missing[160], body[160], fp[160], fp2[160];
	struct resp r;
	/* One the teacher took in person (received and owned by her). */
	assert_int_equal(fx_req(&S, &teacher_a, "POST", "/api/v1/reports",
	    "{\"channel\":\"in_person\",\"what\":\"课间有同学在走廊里推搡他，还抢他的文具。\"}",
	    &r), 0);
	assert_int_equal(r.status, 201);
	resp_free(&r);
	int64_t taken = fx_int("SELECT max(id) FROM reports");
	char q[256];
	snprintf(q, sizeof q, "SELECT count(*) FROM reports WHERE id = %lld AND received_by = %lld"
	    " AND owner_id = %lld AND queue_unit_id = %lld", (long long)taken,
	    (long long)teacher_a.account_id, (long long)teacher_a.account_id, (long long)school_a);
	assert_int_equal(fx_int(q), 1);
	/* One sent online with a photo, handed to her by her principal. */
	struct bytes jpg;
	jpeg_with_exif(&jpg);
	struct mp m = { .n = 0 };
	char school[24];
	snprintf(school, sizeof school, "%lld", (long long)school_a);
	mp_field(&m, "school_id", school);
	mp_field(&m, "what", "放学路上总有人跟着他，还拍他的照片发到网上。");
	mp_file(&m, "files", "photo.jpg", "image/jpeg", jpg.d, jpg.n);
	mp_end(&m);
	assert_int_equal(http_req(&S, "POST", "/api/v1/public/reports", MP_CTYPE, m.d, m.n,
	    NULL, &r), 0);
	assert_int_equal(r.status, 201);
	resp_free(&r);
	int64_t online = fx_int("SELECT max(id) FROM reports");
	snprintf(q, sizeof q, "SELECT id FROM attachments WHERE report_id = %lld", (long long)online);
	int64_t aid = fx_int(q);
	assert_true(aid > 0);
	snprintf(path, sizeof path, "/api/v1/reports/%lld/handover", (long long)online);
	snprintf(body, sizeof body, "{\"account_id\":%lld}", (long long)teacher_a.account_id);
	assert_int_equal(fx_req(&S, &head_a, "POST", path, body, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	/* Before the move she reaches both. */
	int64_t ids[2] = { taken, online };
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "/api/v1/reports/%lld", (long long)ids[i]);
		assert_int_equal(fx_req(&S, &teacher_a, "GET", path, NULL, &r), 0);
		assert_int_equal(r.status, 200);
		resp_free(&r);
	}
	snprintf(path, sizeof path, "/api/v1/reports/%lld/attachments/%lld", (long long)online,
	    (long long)aid);
	assert_int_equal(fx_req(&S, &teacher_a, "GET", path, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	/* The office moves both to school B. */
	snprintf(body, sizeof body, "{\"unit_id\":%lld}", (long long)school_b);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "/api/v1/reports/%lld/assign", (long long)ids[i]);
		assert_int_equal(fx_req(&S, &office, "POST", path, body, &r), 0);
		assert_int_equal(r.status, 200);
		resp_free(&r);
	}
	/* Now she gets what a missing report gets, and changes nothing. */
	moved_fingerprint(fp);
	static const struct {
		const char *method, *tail, *json;
	} routes[] = {
		{ "GET", "", NULL },
		{ "GET", "/messages", NULL },
		{ "POST", "/messages", "{\"text\":\"我再问问情况。\"}" },
		{ "POST", "/handover", NULL },	/* to her principal, filled below */
		{ "POST", "/accept", NULL },
		{ "POST", "/dismiss", "{\"status\":\"unfounded\",\"reason\":\"核实后不属实\"}" },
		{ "POST", "/case", "{}" },
	};
	char handover[64];
	snprintf(handover, sizeof handover, "{\"account_id\":%lld}", (long long)head_a.account_id);
	for (int i = 0; i < 2; i++) {
		for (size_t k = 0; k < sizeof routes / sizeof routes[0]; k++) {
			const char *json = routes[k].json;
			if (strcmp(routes[k].tail, "/handover") == 0)
				json = handover;
			snprintf(path, sizeof path, "/api/v1/reports/%lld%s", (long long)ids[i],
			    routes[k].tail);
			snprintf(missing, sizeof missing, "/api/v1/reports/999999%s", routes[k].tail);
			same_as_missing(&teacher_a, routes[k].method, path, missing, json);
		}
	}
	snprintf(path, sizeof path, "/api/v1/reports/%lld/attachments/%lld", (long long)online,
	    (long long)aid);
	snprintf(missing, sizeof missing, "/api/v1/reports/999999/attachments/%lld",
	    (long long)aid);
	same_as_missing(&teacher_a, "GET", path, missing, NULL);
	/* The pages too. */
	struct resp a, b;
	snprintf(path, sizeof path, "/reports/%lld", (long long)taken);
	assert_int_equal(fx_req_cookie(&S, &teacher_a, "GET", path, NULL, NULL, 0, &a), 0);
	assert_int_equal(fx_req_cookie(&S, &teacher_a, "GET", "/reports/999999", NULL, NULL, 0,
	    &b), 0);
	assert_int_equal(a.status, 404);
	assert_int_equal(b.status, 404);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.body, b.body, a.len);
	resp_free(&a);
	resp_free(&b);
	/* Her list no longer holds them. */
	assert_int_equal(fx_req(&S, &teacher_a, "GET", "/api/v1/reports?view=mine&status=all",
	    NULL, &r), 0);
	assert_int_equal(r.status, 200);
	json_t *j = json_loads(r.body, 0, NULL);
	resp_free(&r);
	size_t i;
	json_t *row;
	json_array_foreach(json_object_get(j, "reports"), i, row) {
		int64_t id = json_integer_value(json_object_get(row, "id"));
		assert_true(id != taken && id != online);
	}
	json_decref(j);
	moved_fingerprint(fp2);
	assert_string_equal(fp, fp2);
	/* School B's principal has them, with B's people to hand them to;
	 * the office keeps its reach. */
	snprintf(path, sizeof path, "/api/v1/reports/%lld", (long long)taken);
	assert_int_equal(fx_req(&S, &head_b, "GET", path, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	j = json_loads(r.body, 0, NULL);
	resp_free(&r);
	json_t *accounts = json_object_get(json_object_get(j, "actions"), "accounts");
	assert_true(json_array_size(accounts) > 0);
	json_array_foreach(accounts, i, row) {
		int64_t acc = json_integer_value(json_object_get(row, "value"));
		assert_true(acc != teacher_a.account_id && acc != head_a.account_id);
	}
	json_decref(j);
	assert_int_equal(fx_req(&S, &office, "GET", path, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	snprintf(path, sizeof path, "/api/v1/reports/%lld/attachments/%lld", (long long)online,
	    (long long)aid);
	assert_int_equal(fx_req(&S, &head_b, "GET", path, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

/* Using the anonymous form while signed in leaves the session alone:
 * refreshing its last_seen would tie the report's time to an account.
 * The page shows the signed-out header. */
static void
test_anon_keeps_session(void **state)
{
	char q[256], form[256];
	struct resp r;
	int64_t aged = (int64_t)time(NULL) - 600;
	snprintf(q, sizeof q, "UPDATE sessions SET last_seen = %lld WHERE account_id = %lld",
	    (long long)aged, (long long)teacher_a.account_id);
	assert_int_equal(fx_sql(q), 0);
	snprintf(q, sizeof q, "SELECT count(*) FROM sessions WHERE account_id = %lld"
	    " AND last_seen <> %lld", (long long)teacher_a.account_id, (long long)aged);
	assert_int_equal(fx_int(q), 0);
	assert_int_equal(fx_req_cookie(&S, &teacher_a, "GET", "/report", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "teach_a"));
	resp_free(&r);
	assert_int_equal(fx_req_cookie(&S, &teacher_a, "GET", "/report/status", NULL, NULL, 0,
	    &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	snprintf(form, sizeof form, "school_id=%lld&what=%%E6%%9C%%89%%E5%%90%%8C%%E5%%AD%%A6"
	    "%%E5%%9C%%A8%%E5%%AE%%BF%%E8%%88%%8D%%E9%%87%%8C%%E8%%A2%%AB%%E6%%AC%%BA%%E8%%B4%%9F"
	    "%%E4%%BA%%86%%E5%%A5%%BD%%E5%%87%%A0%%E6%%AC%%A1", (long long)school_a);
	assert_int_equal(fx_req_cookie(&S, &teacher_a, "POST", "/report",
	    "application/x-www-form-urlencoded", form, 1, &r), 0);
	assert_int_equal(r.status, 201);
	char code[64];
	code_from_page(r.body, code);
	assert_null(strstr(r.body, "teach_a"));
	resp_free(&r);
	assert_int_equal(fx_req_cookie(&S, &teacher_a, "POST", "/api/v1/public/reports",
	    "application/json", "{\"what\":\"有同学在宿舍里被欺负了好几次。\"}", 0, &r), 0);
	assert_int_equal(r.status, 201);
	resp_free(&r);
	snprintf(form, sizeof form, "code=%s&text=%%E8%%A1%%A5%%E5%%85%%85", code);
	assert_int_equal(fx_req_cookie(&S, &teacher_a, "POST", "/report/status/reply",
	    "application/x-www-form-urlencoded", form, 0, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	/* The writes above were queued after any refresh of the session,
	 * so one would be on disk by now. */
	snprintf(q, sizeof q, "SELECT count(*) FROM sessions WHERE account_id = %lld"
	    " AND last_seen <> %lld", (long long)teacher_a.account_id, (long long)aged);
	assert_int_equal(fx_int(q), 0);
	/* A staff page does refresh it (so the check above can see one). */
	assert_int_equal(fx_req_cookie(&S, &teacher_a, "GET", "/reports", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	assert_int_equal(post_json("/api/v1/public/reports",
	    "{\"what\":\"有同学在宿舍里被欺负了好几次。\"}", &r), 0);
	assert_int_equal(r.status, 201);
	resp_free(&r);
	assert_int_equal(fx_int(q), 1);
}

/* The access-log line of request id (without its newline), or "". */
static void
log_line(const char *id, char *out, size_t len)
{
	out[0] = '\0';
	for (int tries = 0; tries < 200 && out[0] == '\0'; tries++) {
		FILE *f = fopen(S.log, "r");
		char line[1024];
		while (f != NULL && fgets(line, sizeof line, f) != NULL) {
			if (strstr(line, id) != NULL) {
				line[strcspn(line, "\n")] = '\0';
				snprintf(out, len, "%s", line);
				break;
			}
		}
		if (f != NULL)
			fclose(f);
		if (out[0] == '\0')
			usleep(10000);
	}
	if (out[0] == '\0')
		fail_msg("no log line for request %s", id);
}

/* A mistyped address beside the anonymous routes (a trailing slash after
 * a receipt code, a page that is not there) leaves neither the code nor
 * the sender's address in the access log. */
static void
test_log_beside_anon(void **state)
{
	const char *c = report_json("{\"what\":\"有人在操场角落里打低年级的同学。\"}", NULL);
	char code[64], bare[64];
	snprintf(code, sizeof code, "%s", c);
	size_t k = 0;
	for (const char *p = code; *p; p++)
		if (*p != '-')
			bare[k++] = *p;
	bare[k] = '\0';
	char paths[4][160];
	snprintf(paths[0], sizeof paths[0], "/api/v1/public/reports/%s/", code);
	snprintf(paths[1], sizeof paths[1], "/api/v1/public/reports/%s/messages/x", bare);
	snprintf(paths[2], sizeof paths[2], "/report/status/%s", code);
	snprintf(paths[3], sizeof paths[3], "/reportx/%s", bare);
	for (int i = 0; i < 4; i++) {
		struct resp r;
		assert_int_equal(http_get(&S, paths[i], &r), 0);
		assert_int_equal(r.status, 404);
		char id[32], line[1024];
		snprintf(id, sizeof id, "%s", resp_header(&r, "X-Request-Id"));
		resp_free(&r);
		log_line(id, line, sizeof line);
		if (strstr(line, code) != NULL || strstr(line, bare) != NULL ||
		    strstr(line, code + 5) != NULL || strstr(line, "127.0.0.1") != NULL)
			fail_msg("%s logged as: %s", paths[i], line);
		assert_non_null(strstr(line, " 404 "));
	}
	/* A wrong method on an anonymous route: its pattern, no address. */
	struct resp r;
	char path[160], id[32], line[1024];
	snprintf(path, sizeof path, "/api/v1/public/reports/%s", code);
	assert_int_equal(http_req(&S, "DELETE", path, NULL, NULL, 0, NULL, &r), 0);
	assert_int_equal(r.status, 405);
	snprintf(id, sizeof id, "%s", resp_header(&r, "X-Request-Id"));
	resp_free(&r);
	log_line(id, line, sizeof line);
	if (strstr(line, code) != NULL || strstr(line, "127.0.0.1") != NULL)
		fail_msg("%s logged as: %s", path, line);
	/* The staff's own lost pages are logged as before (so the checks
	 * above can see an address). */
	assert_int_equal(http_get(&S, "/reports/no-such-page", &r), 0);
	assert_int_equal(r.status, 404);
	snprintf(id, sizeof id, "%s", resp_header(&r, "X-Request-Id"));
	resp_free(&r);
	log_line(id, line, sizeof line);
	assert_non_null(strstr(line, "/reports/no-such-page"));
	assert_non_null(strstr(line, "127.0.0.1"));
}

static int
file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return 0;
	size_t cap = 1 << 20, n = 0;
	char *b = malloc(cap);
	size_t got;
	while (b != NULL && (got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			b = realloc(b, cap);
		}
	}
	fclose(f);
	int found = b != NULL && contains(b, n, needle);
	free(b);
	return found;
}

static const char *const plain[] = {
	"UNIQUE-NARR-1", "UNIQUE-NAME-1", "UNIQUE-CONTACT-1", "UNIQUE-PLACE-1",
	"UNIQUE-REPLY-1", "UNIQUE-ANSWER-1", "UNIQUE-NARR-2", "UNIQUE-NAME-2",
	"UNIQUE-ANSWER-2", "PIXELS-UNIQUE-7", "GPS-SECRET-HTTP", "SECRET-FILENAME-2",
	"PNG-SECRET", "UNIQUE-NARR-REFUSED", "13800000000",
};

/* Scans the database, its WAL and its shared memory for any of plain;
 * returns how many were found (printing them). */
static int
scan_files(void)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	int found = 0;
	for (size_t s = 0; s < 3; s++) {
		char path[256];
		snprintf(path, sizeof path, "%s/data/xiaoan.db%s", S.dir, suffix[s]);
		for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
			if (file_has(path, plain[i])) {
				fprintf(stderr, "%s holds %s\n", path, plain[i]);
				found++;
			}
		}
	}
	return found;
}

/* A code names its report and must match it: a code given before codes
 * named their report (migration 0005) still finds it; a code made with the
 * server's own key for a report that has no code (entered by staff) finds
 * nothing, with the one answer for every wrong code. */
static void
test_codes_name_reports(void **state)
{
	(void)state;
	struct resp r, base;
	char path[160];
	/* the one answer */
	assert_int_equal(http_get(&S, "/api/v1/public/reports/ABCD-EFGH-JKMN-PQRS-TWXY-Z234-5678",
	    &base), 0);
	assert_int_equal(base.status, 404);
	/* An old code: only its hash, in receipt_hash. */
	const char *old = "23456789ABCDEFGHJKMNPQRSTWXY";
	uint8_t h[SM3_LEN];
	char hex[2 * SM3_LEN + 1], sql[1024];
	assert_int_equal(crypto_sm3(old, strlen(old), h), XA_OK);
	crypto_hex(h, sizeof h, hex);
	snprintf(sql, sizeof sql, "INSERT INTO reports (unit_id, queue_unit_id, channel,"
	    " receipt_hash, wkey, body, status, created_at, updated_at)"
	    " SELECT unit_id, queue_unit_id, channel, '%s', wkey, body, 'new', created_at,"
	    " updated_at FROM reports WHERE receipt IS NOT NULL ORDER BY id LIMIT 1", hex);
	if (fx_int("SELECT count(*) FROM reports WHERE receipt IS NOT NULL") == 0)
		(void)report_json("{\"what\":\"放学后总有人在校门口堵我。\"}", NULL);
	assert_int_equal(fx_sql(sql), 0);
	assert_int_equal(http_get(&S, "/api/v1/public/reports/2345-6789-abcd-efgh-jkmn-pqrs-twxy",
	    &r), 0);
	if (r.status != 200)
		fail_msg("an old code: %ld %s", r.status, r.body);
	assert_non_null(strstr(r.body, "\"received\""));
	resp_free(&r);
	/* A staff report has no code: one made for its id with the real key
	 * is just a wrong code. */
	int64_t staff = fx_int("SELECT coalesce(max(id), 0) + 1 FROM reports");
	snprintf(sql, sizeof sql, "INSERT INTO reports (id, unit_id, queue_unit_id, channel,"
	    " wkey, body, status, created_at, updated_at) SELECT %lld, unit_id, queue_unit_id,"
	    " 'phone', wkey, body, 'new', created_at, updated_at FROM reports ORDER BY id"
	    " LIMIT 1", (long long)staff);
	assert_int_equal(fx_sql(sql), 0);
	keys k;
	char dd[200];
	snprintf(dd, sizeof dd, "%s/data", S.dir);
	assert_int_equal(keys_load(dd, &k), XA_OK);
	keys_set(&k);
	char code[RC_LEN + 1], hash[RC_HASH_LEN + 1], shown[RC_SHOWN + 1];
	assert_int_equal(receipt_make(staff, code, hash), XA_OK);
	keys_set(NULL);
	receipt_format(code, shown);
	snprintf(path, sizeof path, "/api/v1/public/reports/%s", shown);
	assert_int_equal(http_get(&S, path, &r), 0);
	assert_int_equal(r.status, 404);
	assert_int_equal(r.len, base.len);
	assert_memory_equal(r.body, base.body, base.len);
	resp_free(&r);
	/* And with its hash stored, the same code finds it: the path works. */
	snprintf(sql, sizeof sql, "UPDATE reports SET receipt = '%s' WHERE id = %lld", hash,
	    (long long)staff);
	assert_int_equal(fx_sql(sql), 0);
	assert_int_equal(http_get(&S, path, &r), 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	resp_free(&base);
}

static void
test_no_plaintext_on_disk(void **state)
{
	char db[256], wal[256];
	snprintf(db, sizeof db, "%s/data/xiaoan.db", S.dir);
	snprintf(wal, sizeof wal, "%s/data/xiaoan.db-wal", S.dir);
	/* The scan can fail: the files do hold what is stored plain. */
	assert_true(file_has(db, "龙湖镇第一小学") || file_has(wal, "龙湖镇第一小学"));
	assert_true(file_has(db, "report.receive") || file_has(wal, "report.receive"));
	assert_int_equal(scan_files(), 0);
}

static int
teardown(void **state)
{
	fx_done();
	int rc = srv_stop(&S);
	/* After the last checkpoint, once more. */
	int found = scan_files();
	char data[200];
	snprintf(data, sizeof data, "%s/data", S.dir);
	char *argv[] = { (char *)xiaoan_bin(), "verify", "--data", data, NULL };
	char *out = NULL;
	int vrc = run_cmd(argv, &out);
	if (vrc != 0)
		fprintf(stderr, "verify: %s\n", out);
	free(out);
	srv_cleanup(&S);
	return rc || vrc || found;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_page),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_not_sure_goes_to_office),
		cmocka_unit_test(test_form_with_attachments),
		cmocka_unit_test(test_codes_alike),
		cmocka_unit_test(test_codes_name_reports),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_rate_limits),
		cmocka_unit_test(test_public_audit_has_no_address),
		cmocka_unit_test(test_moved_report),
		cmocka_unit_test(test_anon_keeps_session),
		cmocka_unit_test(test_log_beside_anon),
		cmocka_unit_test(test_no_plaintext_on_disk),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
