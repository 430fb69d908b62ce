/* test_evaluation.c: the yearly self-evaluation and the city report
 * (src/bureau/evaluation*.c, cityreport.c), against the real server.
 *
 * A school saves a draft, is told what is missing, submits (then the
 * evaluation is frozen), the office returns it with a reason and the
 * school submits again; every change is audited and a refused one changes
 * nothing. Another school's evaluation answers exactly like a missing one
 * (404), a teacher and the bureau cannot write, a school cannot return;
 * the bureau sees a draft's state but not its answers; the lists hold what
 * each may read. Evidence files: a PDF stored sealed and served back, a
 * CSV refused, nothing added once submitted. The city report: small
 * counts suppressed with what would give them away, the PDF read back by
 * pdftotext with its Chinese headings and without the fixture's pupils'
 * names, the xlsx read back with minizip holding the expected cells; only
 * the office may have it. */
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
#include <unzip.h>

#include "auth/auth.h"
#include "bureau/evaluation.h"
#include "fixture.h"
#include "harness.h"

static struct srv S;
static struct session prin_a, comm_a, teach_a, prin_b, office, insp;
static int64_t town_a, town_b, town_c, school_a, school_a2, school_b, school_c;
/* The school year now under way (its report): the calendar year of the
 * next 31 August. */
static int cur_year;
/* A past school year for the evaluations, whatever day the test runs. */
#define YEAR 2025

#define VICTIM "欧阳晓明"
#define PERP "司马晓红"

static json_t *
call(const struct session *as, const char *method, const char *path, const char *body,
    long *status)
{
	struct resp r;
	if (fx_req(&S, as, method, path, body, &r) != 0) {
		*status = -1;
		return NULL;
	}
	*status = r.status;
	json_t *j = json_loads(r.body ? r.body : "null", JSON_DECODE_ANY, NULL);
	resp_free(&r);
	return j;
}

static long
status_of(const struct session *as, const char *method, const char *path, const char *body)
{
	long st;
	json_decref(call(as, method, path, body, &st));
	return st;
}

static const char *
ev_path(int64_t school, int year, const char *tail)
{
	static char p[4][160];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof p[k], "/api/v1/evaluations/%lld/%d%s", (long long)school, year,
	    tail ? tail : "");
	return p[k];
}

/* Every question answered and every part rated. */
static const char FULL[] = "{"
	"\"organisation_committee\":\"yes\",\"organisation_office\":\"yes\","
	"\"organisation_plan\":\"yes\",\"organisation_meetings\":4,\"organisation_rating\":5,"
	"\"organisation_text\":\"成立了治理委员会。\","
	"\"division_legal_vp\":\"yes\",\"division_agencies\":\"no\",\"division_joint_events\":2,"
	"\"division_rating\":3,"
	"\"daily_procedures\":\"yes\",\"daily_sanctions\":\"yes\",\"daily_duties\":\"yes\","
	"\"daily_screenings\":3,\"daily_rating\":4,"
	"\"prevention_sessions\":2,\"prevention_class_meetings\":24,"
	"\"prevention_parent_sessions\":2,\"prevention_survey\":\"yes\",\"prevention_rating\":4,"
	"\"procedure_cases\":3,\"procedure_closed\":3,\"procedure_archives\":\"yes\","
	"\"procedure_referrals\":0,\"procedure_rating\":4,"
	"\"longterm_trained_staff\":40,\"longterm_assessment\":\"yes\","
	"\"longterm_self_check\":\"yes\",\"longterm_accountability\":\"no\","
	"\"longterm_rating\":3,\"do\":\"submit\"}";

static int
setup(void **state)
{
	(void)state;
	static const char *const extra[] = { "--loops", "2", "--access-log", "off", NULL };
	memset(&S, 0, sizeof S);
	if (srv_start(&S, extra) != 0 || fx_setup(&S) != 0)
		return -1;
	int64_t off = fx_unit(1, "office", "办公室", NULL);
	town_a = fx_unit(1, "township", "甲镇", NULL);
	town_b = fx_unit(1, "township", "乙镇", NULL);
	town_c = fx_unit(1, "township", "丙镇", NULL);
	school_a = fx_unit(town_a, "school", "甲小学", "primary");
	school_a2 = fx_unit(town_a, "school", "甲二小", "primary");
	school_b = fx_unit(town_b, "school", "乙小学", "primary");
	school_c = fx_unit(town_c, "school", "丙小学", "primary");
	char sql[512];
	snprintf(sql, sizeof sql, "UPDATE units SET township_id = parent_id WHERE kind = 'school'");
	if (fx_sql(sql) != 0)
		return -1;
	if (fx_account(school_a, "prin-a", "Eval-pass-1", ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(school_a, "comm-a", "Eval-pass-1", ROLE_BIT(ROLE_COMMITTEE)) < 0 ||
	    fx_account(school_a, "teach-a", "Eval-pass-1", ROLE_BIT(ROLE_TEACHER)) < 0 ||
	    fx_account(school_b, "prin-b", "Eval-pass-1", ROLE_BIT(ROLE_PRINCIPAL)) < 0 ||
	    fx_account(off, "office-1", "Eval-pass-1", ROLE_BIT(ROLE_OFFICE_STAFF)) < 0 ||
	    fx_account(1, "insp-1", "Eval-pass-1", ROLE_BIT(ROLE_INSPECTOR)) < 0)
		return -1;
	if (fx_signin(&S, "prin-a", "Eval-pass-1", &prin_a) != 0 ||
	    fx_signin(&S, "comm-a", "Eval-pass-1", &comm_a) != 0 ||
	    fx_signin(&S, "teach-a", "Eval-pass-1", &teach_a) != 0 ||
	    fx_signin(&S, "prin-b", "Eval-pass-1", &prin_b) != 0 ||
	    fx_signin(&S, "office-1", "Eval-pass-1", &office) != 0 ||
	    fx_signin(&S, "insp-1", "Eval-pass-1", &insp) != 0)
		return -1;
	time_t t = time(NULL) + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	cur_year = tm.tm_year + 1900 + (tm.tm_mon >= 8 ? 1 : 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	fx_done();
	int rc = srv_stop(&S);
	char data[200];
	snprintf(data, sizeof data, "%s/data", S.dir);
	char *argv[] = { (char *)xiaoan_bin(), "verify", "--data", data, NULL };
	int vrc = run_cmd(argv, NULL);
	srv_cleanup(&S);
	return rc || vrc;
}

static int64_t
audits(const char *action)
{
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE action = '%s'", action);
	return fx_int(sql);
}

static const char *
jstr(json_t *j, const char *a, const char *b)
{
	json_t *o = json_object_get(j, a);
	return json_string_value(b ? json_object_get(o, b) : o);
}

/* ------------------------------------------------------------------ */

static void
test_draft_submit_freeze_return(void **state)
{
	(void)state;
	long st;
	char sql[256];
	json_t *j = call(&prin_a, "GET", ev_path(school_a, YEAR, NULL), NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(jstr(j, "state", NULL), "none");
	assert_string_equal(jstr(j, "school", "name"), "甲小学");
	assert_int_equal(json_array_size(json_object_get(j, "parts")), 6);
	json_decref(j);
	assert_int_equal(fx_int("SELECT count(*) FROM evaluations"), 0);

	/* A partial draft. */
	j = call(&prin_a, "POST", ev_path(school_a, YEAR, NULL),
	    "{\"organisation_committee\":\"yes\",\"organisation_meetings\":4,"
	    "\"organisation_text\":\"草稿\"}", &st);
	assert_int_equal(st, 200);
	assert_string_equal(jstr(j, "evaluation", "state"), "draft");
	json_decref(j);
	assert_int_equal(audits("evaluation.save"), 1);
	assert_int_equal(fx_int("SELECT count(*) FROM evaluations WHERE state = 'draft'"), 1);

	/* Submitting it: what is missing, named; still a draft. */
	j = call(&prin_a, "POST", ev_path(school_a, YEAR, "/submit"), "{}", &st);
	assert_int_equal(st, 400);
	assert_string_equal(jstr(j, "error", "code"), "evaluation_incomplete");
	assert_string_equal(jstr(j, "error", "field"), "organisation_office");
	json_decref(j);
	assert_int_equal(audits("evaluation.submit"), 0);

	/* Bad input changes nothing. */
	int64_t a0 = fx_int("SELECT count(*) FROM audit_log");
	assert_int_equal(status_of(&prin_a, "POST", ev_path(school_a, YEAR, NULL),
	    "{\"organisation_rating\":6}"), 400);
	assert_int_equal(status_of(&prin_a, "POST", ev_path(school_a, YEAR, NULL),
	    "{\"organisation_committee\":\"maybe\"}"), 400);
	assert_int_equal(status_of(&prin_a, "POST", ev_path(school_a, YEAR, NULL),
	    "{\"daily_screenings\":-1}"), 400);
	assert_int_equal(status_of(&prin_a, "GET", ev_path(school_a, 1999, NULL), NULL), 404);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log"), a0);
	assert_int_equal(fx_int("SELECT count(*) FROM evaluations WHERE answers LIKE '%草稿%'"), 1);

	/* The whole form, submitted by a committee member in one go. */
	j = call(&comm_a, "POST", ev_path(school_a, YEAR, NULL), FULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(jstr(j, "evaluation", "state"), "submitted");
	json_decref(j);
	assert_int_equal(audits("evaluation.submit"), 1);
	int64_t first = fx_int("SELECT first_submitted_at FROM evaluations");
	assert_true(first > 0);

	/* Frozen: neither saved nor submitted again, nothing changed. */
	a0 = fx_int("SELECT count(*) FROM audit_log");
	j = call(&prin_a, "POST", ev_path(school_a, YEAR, NULL),
	    "{\"organisation_text\":\"改了\"}", &st);
	assert_int_equal(st, 409);
	assert_string_equal(jstr(j, "error", "code"), "evaluation_frozen");
	json_decref(j);
	assert_int_equal(status_of(&prin_a, "POST", ev_path(school_a, YEAR, "/submit"), "{}"), 409);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log"), a0);
	assert_int_equal(fx_int("SELECT count(*) FROM evaluations WHERE answers LIKE '%改了%'"), 0);

	/* The office reads the answers. */
	j = call(&office, "GET", ev_path(school_a, YEAR, NULL), NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(jstr(j, "state", NULL), "submitted");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(j,
	    "answers"), "prevention"), "class_meetings")), 24);
	assert_true(json_is_true(json_object_get(j, "can_return")));
	assert_false(json_is_true(json_object_get(j, "can_write")));
	json_decref(j);

	/* Returning needs a reason; a school and the inspector may not. */
	assert_int_equal(status_of(&office, "POST", ev_path(school_a, YEAR, "/return"), "{}"), 400);
	assert_int_equal(status_of(&prin_a, "POST", ev_path(school_a, YEAR, "/return"),
	    "{\"reason\":\"自己退回\"}"), 404);
	st = status_of(&insp, "POST", ev_path(school_a, YEAR, "/return"), "{\"reason\":\"督导室\"}");
	assert_true(st == 404 || st == 403);
	assert_int_equal(audits("evaluation.return"), 0);
	j = call(&office, "POST", ev_path(school_a, YEAR, "/return"),
	    "{\"reason\":\"第五部分办结数与受理数不一致，请核实。\"}", &st);
	assert_int_equal(st, 200);
	assert_string_equal(jstr(j, "evaluation", "state"), "returned");
	json_decref(j);
	assert_int_equal(audits("evaluation.return"), 1);
	/* Only a submitted one can be returned. */
	j = call(&office, "POST", ev_path(school_a, YEAR, "/return"), "{\"reason\":\"再退\"}", &st);
	assert_int_equal(st, 409);
	assert_string_equal(jstr(j, "error", "code"), "evaluation_not_submitted");
	json_decref(j);

	/* The school sees why, changes it and submits again; lateness stays
	 * with the first submission. */
	j = call(&prin_a, "GET", ev_path(school_a, YEAR, NULL), NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(jstr(j, "state", NULL), "returned");
	assert_string_equal(jstr(j, "returned", "reason"), "第五部分办结数与受理数不一致，请核实。");
	assert_true(json_is_true(json_object_get(j, "can_write")));
	json_decref(j);
	/* While the school reworks it, the office does not read the draft
	 * (nor the answers it returned): only the state and the reason. */
	assert_int_equal(status_of(&prin_a, "POST", ev_path(school_a, YEAR, NULL),
	    "{\"organisation_text\":\"退回后正在修改的草稿\"}"), 200);
	j = call(&office, "GET", ev_path(school_a, YEAR, NULL), NULL, &st);
	assert_int_equal(st, 200);
	assert_false(json_is_true(json_object_get(j, "show_answers")));
	assert_int_equal(json_object_size(json_object_get(j, "answers")), 0);
	char *seen = json_dumps(j, 0);
	assert_null(strstr(seen, "退回后正在修改的草稿"));
	assert_null(strstr(seen, "成立了治理委员会。"));
	free(seen);
	json_decref(j);
	j = call(&prin_a, "POST", ev_path(school_a, YEAR, NULL), FULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(jstr(j, "evaluation", "state"), "submitted");
	json_decref(j);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM evaluations WHERE first_submitted_at = %lld"
	    " AND submitted_at >= first_submitted_at AND state = 'submitted'", (long long)first);
	assert_int_equal(fx_int(sql), 1);
	assert_int_equal(audits("evaluation.submit"), 2);
	j = call(&office, "GET", ev_path(school_a, YEAR, NULL), NULL, &st);
	assert_int_equal(st, 200);
	assert_true(json_is_true(json_object_get(j, "show_answers")));
	assert_string_equal(jstr(json_object_get(j, "answers"), "organisation", "text"),
	    "成立了治理委员会。");
	json_decref(j);

	/* The page: the form is gone, the answers are shown. */
	struct resp r;
	char page[128];
	snprintf(page, sizeof page, "/evaluations/%lld/%d", (long long)school_a, YEAR);
	assert_int_equal(fx_req_cookie(&S, &prin_a, "GET", page, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "落实工作机构"));
	assert_non_null(strstr(r.body, "成立了治理委员会。"));
	assert_null(strstr(r.body, "name=\"do\""));
	resp_free(&r);
}

/* The page's form: saving and submitting with the buttons. */
static void
test_page_form(void **state)
{
	(void)state;
	char page[128], body[2048];
	struct resp r;
	snprintf(page, sizeof page, "/evaluations/%lld/%d", (long long)school_a, YEAR - 1);
	assert_int_equal(fx_req_cookie(&S, &prin_a, "GET", page, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "name=\"organisation_committee\""));
	assert_non_null(strstr(r.body, "name=\"do\" value=\"submit\""));
	resp_free(&r);
	/* Submitting an incomplete form saves it and says what is missing. */
	snprintf(body, sizeof body, "organisation_committee=yes&organisation_text=%s&do=submit"
	    "&_csrf=%s", "%E9%A1%B5%E9%9D%A2", prin_a.csrf);
	assert_int_equal(fx_req_cookie(&S, &prin_a, "POST", page,
	    "application/x-www-form-urlencoded", body, 1, &r), 0);
	assert_int_equal(r.status, 303);
	const char *loc = resp_header(&r, "Location");
	assert_non_null(loc);
	assert_non_null(strstr(loc, "missing=organisation_office"));
	char next[256];
	snprintf(next, sizeof next, "%s", loc);
	resp_free(&r);
	assert_int_equal(fx_req_cookie(&S, &prin_a, "GET", next, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "已保存，但尚未提交"));
	assert_non_null(strstr(r.body, "设立防欺凌工作办公室并公布电话"));
	resp_free(&r);
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM evaluations WHERE year = %d AND"
	    " state = 'draft' AND answers LIKE '%%页面%%'", YEAR - 1);
	assert_int_equal(fx_int(sql), 1);
}

/* Another school's evaluation is a missing one; roles without the right
 * change nothing; the bureau sees a draft's state, not its answers. */
static void
test_permissions(void **state)
{
	(void)state;
	long st;
	struct resp other, missing;
	assert_int_equal(fx_req(&S, &prin_b, "GET", ev_path(school_a, YEAR, NULL), NULL, &other), 0);
	assert_int_equal(fx_req(&S, &prin_b, "GET", ev_path(999999, YEAR, NULL), NULL, &missing), 0);
	assert_int_equal(other.status, 404);
	assert_int_equal(missing.status, 404);
	assert_string_equal(other.body, missing.body);
	resp_free(&other);
	resp_free(&missing);
	int64_t a0 = fx_int("SELECT count(*) FROM audit_log");
	assert_int_equal(status_of(&prin_b, "POST", ev_path(school_a, YEAR + 1, NULL), FULL), 404);
	assert_int_equal(status_of(&prin_b, "POST", ev_path(school_a, YEAR, "/submit"), "{}"), 404);
	assert_int_equal(status_of(&teach_a, "GET", ev_path(school_a, YEAR, NULL), NULL), 404);
	assert_int_equal(status_of(&teach_a, "POST", ev_path(school_a, YEAR + 1, NULL), FULL), 404);
	assert_int_equal(status_of(&office, "POST", ev_path(school_a, YEAR + 1, NULL), FULL), 404);
	assert_int_equal(fx_int("SELECT count(*) FROM audit_log"), a0);

	/* School B's draft: the bureau sees that it exists, not what it says. */
	assert_int_equal(status_of(&prin_b, "POST", ev_path(school_b, YEAR, NULL),
	    "{\"organisation_text\":\"乙校的草稿内容\"}"), 200);
	json_t *j = call(&office, "GET", ev_path(school_b, YEAR, NULL), NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(jstr(j, "state", NULL), "draft");
	char *dump = json_dumps(j, 0);
	assert_null(strstr(dump, "乙校的草稿内容"));
	free(dump);
	json_decref(j);

	/* The lists. */
	j = call(&prin_a, "GET", "/api/v1/evaluations", NULL, &st);
	assert_int_equal(st, 200);
	dump = json_dumps(j, 0);
	assert_non_null(strstr(dump, "甲小学"));
	assert_null(strstr(dump, "乙小学"));
	free(dump);
	json_decref(j);
	char q[64];
	snprintf(q, sizeof q, "/api/v1/evaluations?year=%d", YEAR);
	j = call(&office, "GET", q, NULL, &st);
	assert_int_equal(st, 200);
	json_t *counts = json_object_get(j, "counts");
	assert_int_equal(json_integer_value(json_object_get(counts, "schools")), 4);
	/* A submitted (late: the test's year is long past), B a draft, two
	 * not begun. */
	assert_int_equal(json_integer_value(json_object_get(counts, "late")), 1);
	assert_int_equal(json_integer_value(json_object_get(counts, "on_time")), 0);
	assert_int_equal(json_integer_value(json_object_get(counts, "missing")), 3);
	assert_int_equal(json_array_size(json_object_get(j, "late")), 3);
	assert_int_equal(json_array_size(json_object_get(j, "townships")), 3);
	dump = json_dumps(j, 0);
	assert_non_null(strstr(dump, "甲小学"));
	assert_non_null(strstr(dump, "乙小学"));
	free(dump);
	json_decref(j);
	assert_int_equal(status_of(&teach_a, "GET", "/api/v1/evaluations", NULL), 404);
}

/* A minimal PDF without NUL bytes. */
static const char PDF[] = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n";

static long
upload_file(const struct session *as, int64_t school, int year, const char *name,
    const char *ctype, const char *content, long long *id)
{
	char body[2048];
	snprintf(body, sizeof body,
	    "--xaB\r\nContent-Disposition: form-data; name=\"part\"\r\n\r\ndaily\r\n"
	    "--xaB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
	    "Content-Type: %s\r\n\r\n%s\r\n--xaB--\r\n", name, ctype, content);
	struct resp r;
	assert_int_equal(fx_req_ctype(&S, as, "POST", ev_path(school, year, "/files"),
	    "multipart/form-data; boundary=xaB", body, &r), 0);
	long st = r.status;
	if (id != NULL && st == 201) {
		json_t *j = json_loads(r.body, 0, NULL);
		*id = json_integer_value(json_object_get(j, "id"));
		json_decref(j);
	}
	resp_free(&r);
	return st;
}

static void
test_files(void **state)
{
	(void)state;
	long long fid = 0;
	int y = YEAR + 2;
	assert_int_equal(upload_file(&prin_a, school_a, y, "签到表.pdf", "application/pdf", PDF, &fid),
	    201);
	assert_true(fid > 0);
	assert_int_equal(audits("evaluation.file_add"), 1);
	/* Stored sealed, served back whole. */
	assert_int_equal(fx_int("SELECT count(*) FROM evaluation_files WHERE instr(data, '%PDF') > 0"),
	    0);
	char path[200];
	snprintf(path, sizeof path, "%s/%lld", ev_path(school_a, y, "/files"), fid);
	struct resp r;
	assert_int_equal(fx_req(&S, &prin_a, "GET", path, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, strlen(PDF));
	assert_memory_equal(r.body, PDF, strlen(PDF));
	assert_non_null(strstr(resp_header(&r, "Content-Type"), "application/pdf"));
	resp_free(&r);
	/* Another school's principal: a missing file. */
	struct resp m;
	assert_int_equal(fx_req(&S, &prin_b, "GET", path, NULL, &r), 0);
	snprintf(path, sizeof path, "%s/%lld", ev_path(school_a, y, "/files"), fid + 1000);
	assert_int_equal(fx_req(&S, &prin_b, "GET", path, NULL, &m), 0);
	assert_int_equal(r.status, 404);
	assert_int_equal(m.status, 404);
	assert_string_equal(r.body, m.body);
	resp_free(&r);
	resp_free(&m);
	/* The bureau does not see a draft's evidence. */
	snprintf(path, sizeof path, "%s/%lld", ev_path(school_a, y, "/files"), fid);
	assert_int_equal(status_of(&office, "GET", path, NULL), 404);
	/* Not a PDF or a picture: refused, nothing stored. */
	assert_int_equal(upload_file(&prin_a, school_a, y, "a.csv", "text/csv", "a,b\r\n1,2", NULL), 400);
	assert_int_equal(upload_file(&prin_b, school_a, y, "x.pdf", "application/pdf", PDF, NULL), 404);
	assert_int_equal(fx_int("SELECT count(*) FROM evaluation_files"), 1);
	/* Removed, then gone. */
	long long f2 = 0;
	assert_int_equal(upload_file(&prin_a, school_a, y, "b.pdf", "application/pdf", PDF, &f2), 201);
	snprintf(path, sizeof path, "%s/%lld", ev_path(school_a, y, "/files"), f2);
	assert_int_equal(status_of(&prin_b, "DELETE", path, NULL), 404);
	assert_int_equal(status_of(&prin_a, "DELETE", path, NULL), 200);
	assert_int_equal(status_of(&prin_a, "GET", path, NULL), 404);
	/* Submitted: no more files. */
	char full[sizeof FULL];
	snprintf(full, sizeof full, "%s", FULL);
	assert_int_equal(status_of(&prin_a, "POST", ev_path(school_a, y, NULL), full), 200);
	assert_int_equal(upload_file(&prin_a, school_a, y, "c.pdf", "application/pdf", PDF, NULL), 409);
	/* Now the bureau sees the evidence. */
	snprintf(path, sizeof path, "%s/%lld", ev_path(school_a, y, "/files"), fid);
	assert_int_equal(status_of(&office, "GET", path, NULL), 200);
	/* Returned: the school may change it, so the bureau waits for the
	 * next submission; then it sees it again. */
	assert_int_equal(status_of(&office, "POST", ev_path(school_a, y, "/return"),
	    "{\"reason\":\"请补充签到表。\"}"), 200);
	assert_int_equal(status_of(&office, "GET", path, NULL), 404);
	assert_int_equal(status_of(&prin_a, "GET", path, NULL), 200);
	assert_int_equal(status_of(&prin_a, "POST", ev_path(school_a, y, NULL), full), 200);
	assert_int_equal(status_of(&office, "GET", path, NULL), 200);
}

/* ------------------------------------------------------------------ */
/* The city report. */

/* Opens a case at school with a victim and a perpetrator named, through
 * the API as its committee member. */
static void
open_named_case(const struct session *as)
{
	long st;
	json_t *j = call(as, "POST", "/api/v1/cases",
	    "{\"summary\":\"课间在走廊被推搡\",\"serious\":false}", &st);
	if (st != 201)
		fail_msg("open case: %ld", st);
	int64_t id = json_integer_value(json_object_get(j, "id"));
	json_decref(j);
	char p[96];
	snprintf(p, sizeof p, "/api/v1/cases/%lld/parties", (long long)id);
	assert_int_equal(status_of(as, "POST", p, "{\"role\":\"victim\",\"name\":\"" VICTIM
	    "\",\"grade\":3,\"class_name\":\"1班\"}"), 201);
	assert_int_equal(status_of(as, "POST", p, "{\"role\":\"perpetrator\",\"name\":\"" PERP
	    "\",\"grade\":3,\"class_name\":\"1班\"}"), 201);
}

/* n plain cases of school (numbered from seq), opened now. */
static void
plain_cases(int64_t school, int n, int seq, const char *state)
{
	char sql[400];
	for (int i = 0; i < n; i++) {
		snprintf(sql, sizeof sql, "INSERT INTO cases (unit_id, year, seq, summary, state,"
		    " state_since, opened_at) VALUES (%lld, %d, %d, x'00', '%s', %lld, %lld)",
		    (long long)school, cur_year, seq + i, state, (long long)time(NULL),
		    (long long)time(NULL));
		assert_int_equal(fx_sql(sql), 0);
	}
}

/* The row of table `title` whose first cell is label, in the model. */
static json_t *
model_row(json_t *m, const char *sec, const char *title, const char *label)
{
	size_t i, k, q;
	json_t *s, *t, *r;
	json_array_foreach(json_object_get(m, "sections"), i, s) {
		if (strcmp(json_string_value(json_object_get(s, "key")), sec) != 0)
			continue;
		json_array_foreach(json_object_get(s, "tables"), k, t) {
			if (strcmp(json_string_value(json_object_get(t, "title")), title) != 0)
				continue;
			json_array_foreach(json_object_get(t, "rows"), q, r)
				if (strcmp(json_string_value(json_array_get(r, 0)), label) == 0)
					return json_array_get(r, 1);
		}
	}
	return NULL;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	size_t got = fread(s, 1, (size_t)n, f);
	s[got] = '\0';
	fclose(f);
	*len = got;
	return s;
}

static void
save(const struct resp *r, const char *path)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(r->body, 1, r->len, f), r->len);
	fclose(f);
}

/* The text of one member of a zip (xlsx), or NULL. */
static char *
zip_member(const char *zip, const char *name)
{
	unzFile z = unzOpen(zip);
	if (z == NULL)
		return NULL;
	char *out = NULL;
	if (unzLocateFile(z, name, 1) == UNZ_OK && unzOpenCurrentFile(z) == UNZ_OK) {
		unz_file_info info;
		if (unzGetCurrentFileInfo(z, &info, NULL, 0, NULL, 0, NULL, 0) == UNZ_OK) {
			out = malloc(info.uncompressed_size + 1);
			int n = unzReadCurrentFile(z, out, (unsigned)info.uncompressed_size);
			out[n > 0 ? n : 0] = '\0';
		}
		unzCloseCurrentFile(z);
	}
	unzClose(z);
	return out;
}

/* 1 when the sheet holds the number v as a number cell (not a shared
 * string's index). */
static int
has_number(const char *sheet, long v)
{
	char want[32];
	snprintf(want, sizeof want, "><v>%ld</v>", v);
	for (const char *p = sheet; (p = strstr(p, want)) != NULL; p++)
		if (p - sheet < 6 || strncmp(p - 6, " t=\"s\"", 6) != 0)
			return 1;
	return 0;
}

static void
test_city_report(void **state)
{
	(void)state;
	char q[96];
	long st;
	/* Cases this school year: 甲镇 6 (one named through the API), 乙镇 2,
	 * 丙镇 7, one of 丙镇's closed. */
	open_named_case(&comm_a);
	plain_cases(school_a, 3, 100, "investigating");
	plain_cases(school_a2, 2, 100, "reported");
	plain_cases(school_b, 2, 100, "investigating");
	plain_cases(school_c, 6, 100, "measures");
	plain_cases(school_c, 1, 200, "closed");
	snprintf(q, sizeof q, "/api/v1/city-report?year=%d", cur_year);
	json_t *m = call(&office, "GET", q, NULL, &st);
	assert_int_equal(st, 200);
	char *dump = json_dumps(m, 0);
	assert_null(strstr(dump, VICTIM));
	assert_null(strstr(dump, PERP));
	free(dump);
	/* By township: 乙镇's 2 suppressed as "少于5"; 甲镇's 6 withheld ("略") with it
	 * (or the total would give 2 away); 丙镇's 7 and the total shown. */
	json_t *v = model_row(m, "cases", "按乡镇（街道）", "乙镇");
	assert_non_null(v);
	assert_true(json_is_string(v));
	assert_string_equal(json_string_value(v), "少于5");
	v = model_row(m, "cases", "按乡镇（街道）", "甲镇");
	assert_true(json_is_string(v));
	assert_string_equal(json_string_value(v), "略");
	v = model_row(m, "cases", "按乡镇（街道）", "丙镇");
	assert_true(json_is_integer(v));
	assert_int_equal(json_integer_value(v), 7);
	v = model_row(m, "cases", "按乡镇（街道）", "合计");
	assert_int_equal(json_integer_value(v), 15);
	v = model_row(m, "cases", "事件总体情况", "受理事件");
	assert_int_equal(json_integer_value(v), 15);
	/* One closed case: a count below five, suppressed; 14 cases open
	 * beside 15 opened would give it away, so that is withheld too. */
	v = model_row(m, "cases", "按办理阶段", "已结案");
	assert_non_null(v);
	assert_string_equal(json_string_value(v), "少于5");
	v = model_row(m, "cases", "事件总体情况", "尚在办理");
	assert_true(json_is_string(v));
	assert_string_equal(json_string_value(v), "略");
	/* The self-evaluations of the year: none yet, four missing. */
	v = model_row(m, "evaluations", "各乡镇自评提交情况", "全市");
	assert_non_null(v);
	assert_int_equal(json_integer_value(v), 4);
	json_decref(m);

	/* The PDF: Chinese headings readable, no pupil's name. */
	struct resp r;
	snprintf(q, sizeof q, "/api/v1/city-report.pdf?year=%d", cur_year);
	assert_int_equal(fx_req(&S, &office, "GET", q, NULL, &r), 0);
	if (r.status != 200)
		fail_msg("pdf: %ld %s", r.status, r.body);
	assert_non_null(strstr(resp_header(&r, "Content-Type"), "application/pdf"));
	assert_true(r.len > 1000 && memcmp(r.body, "%PDF", 4) == 0);
	char pdf[256], txt[256];
	snprintf(pdf, sizeof pdf, "%s/report.pdf", S.dir);
	snprintf(txt, sizeof txt, "%s/report.txt", S.dir);
	save(&r, pdf);
	resp_free(&r);
	char *argv[] = { "pdftotext", "-enc", "UTF-8", pdf, txt, NULL };
	assert_int_equal(run_cmd(argv, NULL), 0);
	assert_true(file_contains(txt, "学生欺凌事件处置情况"));
	assert_true(file_contains(txt, "总体情况"));
	assert_true(file_contains(txt, "学校年度自评情况"));
	assert_true(file_contains(txt, "乙镇"));
	assert_false(file_contains(txt, VICTIM));
	assert_false(file_contains(txt, PERP));
	assert_false(file_contains(txt, "欧阳"));

	/* The xlsx: opens, holds the sheets and cells. */
	snprintf(q, sizeof q, "/api/v1/city-report.xlsx?year=%d", cur_year);
	assert_int_equal(fx_req(&S, &office, "GET", q, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_true(r.len > 1000 && memcmp(r.body, "PK", 2) == 0);
	char xlsx[256];
	snprintf(xlsx, sizeof xlsx, "%s/report.xlsx", S.dir);
	save(&r, xlsx);
	resp_free(&r);
	char *wb = zip_member(xlsx, "xl/workbook.xml");
	assert_non_null(wb);
	assert_non_null(strstr(wb, "name=\"欺凌事件\""));
	assert_non_null(strstr(wb, "name=\"学校自评\""));
	free(wb);
	char *ss = zip_member(xlsx, "xl/sharedStrings.xml");
	assert_non_null(ss);
	assert_non_null(strstr(ss, "按乡镇（街道）"));
	assert_non_null(strstr(ss, "少于5"));
	assert_non_null(strstr(ss, "略"));
	assert_non_null(strstr(ss, "丙镇"));
	assert_null(strstr(ss, VICTIM));
	assert_null(strstr(ss, PERP));
	free(ss);
	/* Sheet 3 is the cases: 15 and 7 as numbers. */
	char *sheet = zip_member(xlsx, "xl/worksheets/sheet3.xml");
	assert_non_null(sheet);
	assert_true(has_number(sheet, 15));
	assert_true(has_number(sheet, 7));
	free(sheet);
	size_t len = 0;
	char *raw = slurp(xlsx, &len);
	assert_non_null(raw);
	free(raw);

	/* Only the office has it; the page shows the due date and the links. */
	assert_int_equal(status_of(&prin_a, "GET", q, NULL), 404);
	assert_int_equal(status_of(&insp, "GET", q, NULL), 404);
	snprintf(q, sizeof q, "/city-report?year=%d", cur_year);
	assert_int_equal(fx_req_cookie(&S, &office, "GET", q, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "报送截止日期"));
	assert_non_null(strstr(r.body, "/api/v1/city-report.pdf?year"));
	assert_non_null(strstr(r.body, "<svg xmlns"));
	assert_null(strstr(r.body, VICTIM));
	resp_free(&r);
}

/* 1 when cell v is withheld or "<N". */
static int
hidden_cell(json_t *v)
{
	return json_is_string(v);
}

/* The value of cell v, which must be shown. */
static int64_t
shown(json_t *v)
{
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* A state's count cannot be recovered from "cases open" and the
 * by-state table (found in review): investigating 3, awaiting
 * determination 10, closed 20, archived 7 with min 5 once showed open 13
 * and awaiting 10 (so investigating 3), the complementary cell being
 * chosen among the closed states. In a year of its own. */
static void
test_state_subtraction(void **state)
{
	(void)state;
	int y = cur_year - 3;
	static const struct { const char *state; int n; } fx[] = {
		{ "investigating", 3 }, { "awaiting_determination", 10 }, { "closed", 20 },
		{ "archived", 7 },
	};
	/* 15 January of the year: inside school year y. */
	struct tm tm = { .tm_year = y - 1900, .tm_mon = 0, .tm_mday = 15, .tm_hour = 4 };
	long long at = (long long)timegm(&tm);
	int seq = 1;
	for (size_t k = 0; k < sizeof fx / sizeof fx[0]; k++)
		for (int i = 0; i < fx[k].n; i++) {
			char sql[400];
			snprintf(sql, sizeof sql, "INSERT INTO cases (unit_id, year, seq, summary,"
			    " state, state_since, opened_at) VALUES (%lld, %d, %d, x'00', '%s', %lld,"
			    " %lld)", (long long)school_c, y, seq++, fx[k].state, at, at);
			assert_int_equal(fx_sql(sql), 0);
		}
	char q[96];
	long st;
	snprintf(q, sizeof q, "/api/v1/city-report?year=%d", y);
	json_t *m = call(&office, "GET", q, NULL, &st);
	assert_int_equal(st, 200);
	const char *T = "按办理阶段";
	assert_int_equal(shown(model_row(m, "cases", "事件总体情况", "受理事件")), 40);
	assert_int_equal(shown(model_row(m, "cases", T, "合计")), 40);
	json_t *inv = model_row(m, "cases", T, "调查中");
	assert_string_equal(json_string_value(inv), "少于5");
	json_t *open = model_row(m, "cases", "事件总体情况", "尚在办理");
	json_t *dec = model_row(m, "cases", T, "待认定");
	json_t *clo = model_row(m, "cases", T, "已结案");
	json_t *arc = model_row(m, "cases", T, "已归档");
	assert_non_null(open);
	assert_non_null(dec);
	/* No equation with one hidden cell: open = inv + dec, opened − open =
	 * closed + archived, opened = all four. */
	assert_int_not_equal(hidden_cell(inv) + hidden_cell(dec) + hidden_cell(open), 1);
	assert_int_not_equal(hidden_cell(clo) + hidden_cell(arc) + hidden_cell(open), 1);
	assert_int_not_equal(hidden_cell(inv) + hidden_cell(dec) + hidden_cell(clo) +
	    hidden_cell(arc), 1);
	/* Here: awaiting withheld beside the open total, which stays. */
	assert_true(hidden_cell(dec));
	assert_int_equal(shown(open), 13);
	json_decref(m);
}

/* The threshold is the survey's min_cell setting. */
static void
test_suppression_setting(void **state)
{
	(void)state;
	char q[96];
	long st;
	assert_int_equal(fx_sql("INSERT INTO settings (key, value, updated_at) VALUES"
	    " ('survey.min_cell', '2', 0) ON CONFLICT (key) DO UPDATE SET value = '2'"), 0);
	snprintf(q, sizeof q, "/api/v1/city-report?year=%d", cur_year);
	json_t *m = call(&office, "GET", q, NULL, &st);
	assert_int_equal(st, 200);
	json_t *v = model_row(m, "cases", "按乡镇（街道）", "乙镇");
	assert_true(json_is_integer(v));
	assert_int_equal(json_integer_value(v), 2);
	v = model_row(m, "cases", "按乡镇（街道）", "甲镇");
	assert_int_equal(json_integer_value(v), 6);
	json_decref(m);
	assert_int_equal(fx_sql("DELETE FROM settings WHERE key = 'survey.min_cell'"), 0);
}

/* The rule itself: small counts hidden, and never one alone beside a
 * total that would give it away. */
static void
test_suppress_rule(void **state)
{
	(void)state;
	unsigned char h[4];
	int th;
	const int64_t a[] = { 2, 6, 7 };
	eval_suppress(a, 3, 5, h, &th);
	assert_true(h[0] && h[1] && !h[2] && !th);
	const int64_t b[] = { 2, 0, 0 };
	eval_suppress(b, 3, 5, h, &th);
	assert_true(h[0] && !h[1] && !h[2] && th);
	const int64_t c[] = { 2, 3, 9, 40 };
	eval_suppress(c, 4, 5, h, &th);
	assert_true(h[0] && h[1] && !h[2] && !h[3] && !th);
	const int64_t d[] = { 0, 5, 12 };
	eval_suppress(d, 3, 5, h, &th);
	assert_true(!h[0] && !h[1] && !h[2] && !th);
	/* The smallest other count goes with it, not just any. */
	const int64_t e[] = { 30, 1, 8, 6 };
	eval_suppress(e, 4, 5, h, &th);
	assert_true(!h[0] && h[1] && !h[2] && h[3] && !th);
}

/* "ch" n times, then tail, into out. */
static void
repeat(char *out, size_t len, const char *ch, int n, const char *tail)
{
	size_t k = 0;
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		k += (size_t)snprintf(out + k, len - k, "%s", ch);
	snprintf(out + k, len - k, "%s", tail);
}

/* A school and a township of 60 characters each (180 bytes: names were
 * cut inside a character into 128-byte buffers, and jansson refused the
 * rest): in the evaluation's page and API, both lists and the city
 * report. Last: it adds a school. */
static void
test_long_names(void **state)
{
	(void)state;
	char tname[256], sname[256], q[160];
	long st;
	repeat(tname, sizeof tname, "长", 59, "镇");
	repeat(sname, sizeof sname, "明", 58, "小学");
	int64_t t = fx_unit(1, "township", tname, NULL);
	int64_t sc = fx_unit(t, "school", sname, "primary");
	assert_true(t > 0 && sc > 0);
	snprintf(q, sizeof q, "UPDATE units SET township_id = %lld WHERE id = %lld", (long long)t,
	    (long long)sc);
	assert_int_equal(fx_sql(q), 0);
	struct session prin;
	assert_true(fx_account(sc, "prin-long", "Eval-pass-1", ROLE_BIT(ROLE_PRINCIPAL)) > 0);
	assert_int_equal(fx_signin(&S, "prin-long", "Eval-pass-1", &prin), 0);
	/* The evaluation, as the school and as the office. */
	json_t *j = call(&prin, "GET", ev_path(sc, YEAR, NULL), NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(jstr(j, "school", "name"), sname);
	assert_string_equal(jstr(j, "school", "township"), tname);
	json_decref(j);
	j = call(&office, "GET", ev_path(sc, YEAR, NULL), NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(jstr(j, "school", "name"), sname);
	json_decref(j);
	struct resp r;
	snprintf(q, sizeof q, "/evaluations/%lld/%d", (long long)sc, YEAR);
	assert_int_equal(fx_req_cookie(&S, &office, "GET", q, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, sname));
	resp_free(&r);
	/* The lists: the school's own and the office's. */
	j = call(&prin, "GET", "/api/v1/evaluations", NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(jstr(j, "school", "name"), sname);
	json_decref(j);
	snprintf(q, sizeof q, "/api/v1/evaluations?year=%d", YEAR);
	j = call(&office, "GET", q, NULL, &st);
	assert_int_equal(st, 200);
	char *dump = json_dumps(j, 0);
	assert_non_null(strstr(dump, sname));
	assert_non_null(strstr(dump, tname));
	free(dump);
	json_decref(j);
	/* The city report: the township's row, whole. */
	snprintf(q, sizeof q, "/api/v1/city-report?year=%d", cur_year);
	j = call(&office, "GET", q, NULL, &st);
	assert_int_equal(st, 200);
	assert_non_null(model_row(j, "cases", "按乡镇（街道）", tname));
	json_decref(j);
	snprintf(q, sizeof q, "/city-report?year=%d", cur_year);
	assert_int_equal(fx_req_cookie(&S, &office, "GET", q, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, tname));
	resp_free(&r);
}

/* The survey's section lists a township closed since by its own name,
 * not as the schools directly under the bureau (the label the report's
 * list of open townships fell back to). Last: closes a township. */
static void
test_survey_closed_township(void **state)
{
	(void)state;
	char sql[600];
	snprintf(sql, sizeof sql, "INSERT INTO survey_campaigns (id, unit_id, name, semester,"
	    " state, primary_body, secondary_body, opened_at, closed_at) VALUES (900, 1,"
	    " '全市欺凌状况调查', '%d-%d-1', 'closed', '{}', '{}', 1, 2)", cur_year - 1, cur_year);
	assert_int_equal(fx_sql(sql), 0);
	snprintf(sql, sizeof sql, "INSERT INTO survey_campaign_classes (campaign_id, class_id,"
	    " unit_id, grade, name, boys, girls) VALUES (900, 9001, %lld, 4, '1班', 20, 20),"
	    " (900, 9002, %lld, 4, '1班', 20, 20)", (long long)school_a, (long long)school_b);
	assert_int_equal(fx_sql(sql), 0);
	snprintf(sql, sizeof sql, "UPDATE units SET active = 0 WHERE id = %lld", (long long)town_b);
	assert_int_equal(fx_sql(sql), 0);
	char q[96];
	long st;
	snprintf(q, sizeof q, "/api/v1/city-report?year=%d", cur_year);
	json_t *m = call(&office, "GET", q, NULL, &st);
	assert_int_equal(st, 200);
	size_t i;
	json_t *s, *t = NULL;
	json_array_foreach(json_object_get(m, "sections"), i, s)
		if (strcmp(json_string_value(json_object_get(s, "key")), "survey") == 0)
			t = json_array_get(json_object_get(s, "tables"), 0);
	assert_non_null(t);
	assert_non_null(strstr(json_string_value(json_object_get(t, "title")), "全市欺凌状况调查"));
	int towns_a = 0, towns_b = 0, direct = 0;
	json_t *r;
	json_array_foreach(json_object_get(t, "rows"), i, r) {
		const char *label = json_string_value(json_array_get(r, 0));
		towns_a += strcmp(label, "甲镇") == 0;
		towns_b += strcmp(label, "乙镇") == 0;
		direct += strstr(label, "局直") != NULL;
	}
	assert_int_equal(towns_a, 1);
	assert_int_equal(towns_b, 1);
	assert_int_equal(direct, 0);
	json_decref(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suppress_rule),
		cmocka_unit_test(test_draft_submit_freeze_return),
		cmocka_unit_test(test_page_form),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_city_report),
		cmocka_unit_test(test_suppression_setting),
		cmocka_unit_test(test_state_subtraction),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_survey_closed_township),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
