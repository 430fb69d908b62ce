/* survey.c: the survey's model behind survey.h: slip codes, answers
 * checked against their questionnaire, the counts per class, the slips of
 * a school, and the demo's two campaigns.
 *
 * Never: keep a slip's code (only its SM3), keep a time finer than the
 * day with a slip or any time with an answer, or put the last question's
 * answer (help, a name) into what is stored with the answers. */
#include "survey.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/audit.h"
#include "../auth/keys.h"
#include "../core/calendar.h"
#include "../core/utf8.h"

const char *const survey_freqs[] = { "never", "once_twice", "monthly", "weekly",
	"several_weekly", NULL };

/* --- Slip codes. */

static const char slip_alphabet[] = "23456789ABCDEFGHJKMNPQRSTWXYZ";
#define SYMBOLS 29u

/* Hashed for a malformed code: lower case, which no code holds. */
static const char slip_dummy[SLIP_LEN + 1] = "xxxxxxxxxxxxxxxx";

/* The slip key: HMAC-SM3(data key, label), apart from every other use of
 * the data key; kept per thread beside the data key it came from. */
static xa_err
slip_key(uint8_t out[32])
{
	static const char label[] = "xiaoan survey slip v1";
	static _Thread_local struct {
		bool set;
		uint8_t data[32], key[32];
	} cache;
	const keys *k = keys_get();
	if (k == NULL)
		return XA_ECRYPTO;
	if (cache.set && crypto_equal(cache.data, k->data, sizeof cache.data)) {
		memcpy(out, cache.key, 32);
		return XA_OK;
	}
	xa_err e = crypto_hmac_sm3(k->data, sizeof k->data, label, sizeof label - 1, out);
	if (e == XA_OK) {
		memcpy(cache.data, k->data, sizeof cache.data);
		memcpy(cache.key, out, 32);
		cache.set = true;
	}
	return e;
}

static void
hash_hex(const char *s, char hex[SLIP_HASH_LEN + 1])
{
	uint8_t h[SM3_LEN];
	if (crypto_sm3(s, SLIP_LEN, h) != XA_OK)
		memset(h, 0, sizeof h);
	crypto_hex(h, sizeof h, hex);
}

/* The mask that hides a slip's id in its code: 29 bits of HMAC-SM3 of
 * the code's tag, so that codes of neighbouring slips look unrelated. */
static xa_err
id_mask(const uint8_t key[32], uint64_t tag, uint64_t *mask)
{
	uint8_t msg[7] = { 'm' }, mac[SM3_LEN];
	for (int i = 0; i < 6; i++)
		msg[1 + i] = (uint8_t)(tag >> (40 - 8 * i));
	xa_err e = crypto_hmac_sm3(key, 32, msg, sizeof msg, mac);
	*mask = ((uint64_t)mac[0] << 24 | (uint64_t)mac[1] << 16 | (uint64_t)mac[2] << 8 |
	    mac[3]) & ((uint64_t)SLIP_ID_MAX - 1);
	OPENSSL_cleanse(mac, sizeof mac);
	return e;
}

xa_err
slip_make(int64_t id, char code[SLIP_LEN + 1], char hash[SLIP_HASH_LEN + 1])
{
	uint8_t key[32], mac[SM3_LEN], msg[8];
	if (id < 1 || id >= SLIP_ID_MAX)
		return XA_EINVAL;
	for (int i = 0; i < 8; i++)
		msg[i] = (uint8_t)((uint64_t)id >> (56 - 8 * i));
	uint64_t tag = 0, mask = 0;
	xa_err e = slip_key(key);
	if (e == XA_OK)
		e = crypto_hmac_sm3(key, sizeof key, msg, sizeof msg, mac);
	for (int i = 0; i < 6; i++)
		tag = tag << 8 | mac[i];
	if (e == XA_OK)
		e = id_mask(key, tag, &mask);
	OPENSSL_cleanse(key, sizeof key);
	OPENSSL_cleanse(mac, sizeof mac);
	if (e != XA_OK)
		return e;
	unsigned __int128 v = (unsigned __int128)((uint64_t)id ^ mask) << 48 | tag;
	for (int k = SLIP_LEN - 1; k >= 0; k--) {
		code[k] = slip_alphabet[(unsigned)(v % SYMBOLS)];
		v /= SYMBOLS;
	}
	code[SLIP_LEN] = '\0';
	hash_hex(code, hash);
	return XA_OK;
}

/* Normalises what was typed; true when exactly SLIP_LEN symbols. */
bool
slip_normalise(const char *typed, char out[SLIP_LEN + 1])
{
	return utf8_code_normalise(typed, slip_alphabet, SLIP_LEN, out);
}

bool
slip_read(const char *typed, int64_t *id, char hash[SLIP_HASH_LEN + 1])
{
	char norm[SLIP_LEN + 1];
	*id = 0;
	if (!slip_normalise(typed, norm)) {
		hash_hex(slip_dummy, hash);
		return false;
	}
	unsigned __int128 v = 0;
	for (int k = 0; k < SLIP_LEN; k++)
		v = v * SYMBOLS + (unsigned)(strchr(slip_alphabet, norm[k]) - slip_alphabet);
	unsigned __int128 top = v >> 48;
	uint64_t tag = (uint64_t)(v & (((unsigned __int128)1 << 48) - 1)), mask = 0;
	uint8_t key[32];
	if (top < (unsigned __int128)SLIP_ID_MAX && slip_key(key) == XA_OK) {
		if (id_mask(key, tag, &mask) == XA_OK)
			*id = (int64_t)((uint64_t)top ^ mask);
		OPENSSL_cleanse(key, sizeof key);
	}
	hash_hex(norm, hash);
	return true;
}

void
slip_format(const char *code, char out[SLIP_SHOWN + 1])
{
	size_t o = 0;
	for (size_t i = 0; i < SLIP_LEN && code[i] != '\0'; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = code[i];
	}
	out[o] = '\0';
}

const char *
survey_level(int grade)
{
	return grade <= 6 ? "primary" : "secondary";
}

/* --- Answers. */

/* The value the answer to question qid holds so far ("one" questions),
 * or NULL. */
static const char *
chosen(json_t *stored, const char *qid)
{
	json_t *v = json_object_get(stored, qid);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* 1 when rule (NULL: none) lets the question show, given the answers so
 * far: {q, in: [...]} or {q, not: [...]}; a question whose condition is
 * unanswered is hidden. */
static int
shown(const json_t *rule, json_t *stored)
{
	if (!json_is_object(rule))
		return 1;
	const char *v = chosen(stored, json_string_value(json_object_get(rule, "q")));
	if (v == NULL)
		return 0;
	json_t *in = json_object_get(rule, "in"), *not = json_object_get(rule, "not");
	size_t i;
	json_t *x;
	if (json_is_array(in)) {
		json_array_foreach(in, i, x)
			if (json_is_string(x) && strcmp(json_string_value(x), v) == 0)
				return 1;
		return 0;
	}
	json_array_foreach(not, i, x)
		if (json_is_string(x) && strcmp(json_string_value(x), v) == 0)
			return 0;
	return 1;
}

static int
is_option(const json_t *q, const char *v)
{
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(q, "options"), i, o) {
		const char *ov = json_string_value(json_object_get(o, "value"));
		if (ov != NULL && strcmp(ov, v) == 0)
			return 1;
	}
	return 0;
}

static void
measure(survey_answer *a, const char *m, const char *tail)
{
	if (a->nmeasures >= SURVEY_MAX_MEASURES)
		return;
	int n = snprintf(a->measures[a->nmeasures], sizeof a->measures[0], "%s%s%s", m,
	    tail ? "." : "", tail ? tail : "");
	if (n > 0 && (size_t)n < sizeof a->measures[0])
		a->nmeasures++;
}

static int
freq_index(const char *v)
{
	for (int i = 0; v != NULL && survey_freqs[i] != NULL; i++)
		if (strcmp(v, survey_freqs[i]) == 0)
			return i;
	return -1;
}

/* The counts one answer adds (survey.h, the table's comment). */
static void
measures_of(survey_answer *a, json_t *stored, char lv)
{
	const char *g = chosen(stored, "gender");
	const char *gt = g && (strcmp(g, "m") == 0 || strcmp(g, "f") == 0) ? g : NULL;
	measure(a, "responses", NULL);
	if (gt)
		measure(a, "responses", gt);
	if (freq_index(chosen(stored, "victim")) >= SURVEY_FREQ_COUNTED) {
		measure(a, "victim", NULL);
		if (gt)
			measure(a, "victim", gt);
		static const char *const lists[][2] = { { "victim_forms", "form" },
			{ "victim_places", "place" }, { "told", "told" } };
		for (size_t l = 0; l < 3; l++) {
			size_t i;
			json_t *x;
			json_array_foreach(json_object_get(stored, lists[l][0]), i, x)
				measure(a, lists[l][1], json_string_value(x));
		}
		const char *h = chosen(stored, "adult_helped");
		if (h && (strcmp(h, "yes") == 0 || strcmp(h, "tried") == 0))
			measure(a, "adult_helped", NULL);
	}
	if (freq_index(chosen(stored, "bully")) >= SURVEY_FREQ_COUNTED) {
		measure(a, "bully", NULL);
		if (gt)
			measure(a, "bully", gt);
	}
	if (a->help > 0)
		measure(a, "help_wanted", NULL);
	/* The bureau's own questions (questionnaire.h), by the level of the
	 * questionnaire (two of a campaign may ask different ones): x.L.n
	 * those asked, x.L.extraN.oK each choice. */
	if (lv == 0)
		return;
	char m[32];
	snprintf(m, sizeof m, "%c.n", lv);
	measure(a, "x", m);
	const char *k;
	json_t *v;
	json_object_foreach(stored, k, v) {
		if (strncmp(k, "extra", 5) != 0)
			continue;
		if (json_is_string(v)) {
			snprintf(m, sizeof m, "%c.%s.%s", lv, k, json_string_value(v));
			measure(a, "x", m);
		}
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) {
			snprintf(m, sizeof m, "%c.%s.%s", lv, k, json_string_value(x));
			measure(a, "x", m);
		}
	}
}

xa_err
survey_check(const json_t *tmpl, json_t *in, survey_answer *out, const char **bad)
{
	memset(out, 0, sizeof *out);
	*bad = NULL;
	/* stored: what is kept with the answer; seen: everything answered,
	 * for the skip rules (the request for help is seen, never stored, and
	 * the name it asks for is shown by it). */
	json_t *stored = json_object(), *seen = json_object();
	if (stored == NULL || seen == NULL) {
		json_decref(stored);
		json_decref(seen);
		return XA_ENOMEM;
	}
	xa_err e = XA_OK;
	size_t i;
	json_t *q;
	json_array_foreach(json_object_get(tmpl, "questions"), i, q) {
		const char *id = json_string_value(json_object_get(q, "id"));
		const char *type = json_string_value(json_object_get(q, "type"));
		if (id == NULL || type == NULL || !shown(json_object_get(q, "show_if"), seen))
			continue;
		/* A question behind a skip rule is never required: a child who
		 * answered the first part has done enough. */
		bool optional = json_is_true(json_object_get(q, "optional")) ||
		    json_is_object(json_object_get(q, "show_if"));
		json_t *v = json_object_get(in, id);
		if (strcmp(type, "one") == 0) {
			/* A form field that may repeat (the bureau's own
			 * questions) brings one choice as an array of one. */
			if (json_is_array(v) && json_array_size(v) == 1)
				v = json_array_get(v, 0);
			const char *s = json_string_value(v);
			if (s == NULL || s[0] == '\0') {
				if (!optional) {
					*bad = id;
					e = XA_EMISSING;
					break;
				}
				continue;
			}
			if (!is_option(q, s)) {
				*bad = id;
				e = XA_EINVAL;
				break;
			}
			json_object_set_new(seen, id, json_string(s));
			if (strcmp(id, "help") == 0) {
				out->help = strcmp(s, "counsellor") == 0 ? 1 :
				    strcmp(s, "name") == 0 ? 2 : 0;
				continue;	/* never stored with the answers */
			}
			json_object_set_new(stored, id, json_string(s));
		} else if (strcmp(type, "many") == 0) {
			json_t *arr = json_array(), *x;
			size_t k;
			if (json_is_string(v))
				v = NULL;	/* a single value arrives as an array */
			json_array_foreach(v, k, x) {
				const char *s = json_string_value(x);
				if (s == NULL || !is_option(q, s)) {
					*bad = id;
					e = XA_EINVAL;
					break;
				}
				size_t m;
				json_t *y;
				bool dup = false;
				json_array_foreach(arr, m, y)
					dup = dup || strcmp(json_string_value(y), s) == 0;
				if (!dup)
					json_array_append_new(arr, json_string(s));
			}
			if (e != XA_OK) {
				json_decref(arr);
				break;
			}
			if (json_array_size(arr) > 0) {
				json_object_set(seen, id, arr);
				json_object_set_new(stored, id, arr);
			} else {
				json_decref(arr);
			}
		} else if (strcmp(type, "text") == 0 && strcmp(id, "help_name") == 0) {
			const char *s = json_string_value(v);
			if (s != NULL && s[0] != '\0')
				out->help_name = s;	/* for the report only */
		}
	}
	json_decref(seen);
	if (e != XA_OK) {
		json_decref(stored);
		return e;
	}
	/* A name asked for but not given: the counsellor comes instead. */
	if (out->help == 2 && out->help_name == NULL)
		out->help = 1;
	out->stored = stored;
	/* 'p' or 's' when the questionnaire asks questions of the bureau's. */
	char lv = 0;
	json_array_foreach(json_object_get(tmpl, "questions"), i, q)
		if (strncmp(json_string_value(json_object_get(q, "id")) ?
		    json_string_value(json_object_get(q, "id")) : "", "extra", 5) == 0) {
			const char *l = json_string_value(json_object_get(tmpl, "level"));
			lv = l != NULL && strcmp(l, "secondary") == 0 ? 's' : 'p';
		}
	measures_of(out, stored, lv);
	return XA_OK;
}

/* The writer batch's counts, added up (writer thread only): an open
 * addressing table on (campaign, class, measure). */
struct tally {
	int64_t campaign, class_id, unit, n;
	char measure[32];
};
static struct {
	bool on;
	struct tally *t;
	size_t cap, used;
} batch;

static uint64_t
tally_hash(int64_t campaign, int64_t class_id, const char *m)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)campaign * 0x9e3779b97f4a7c15ull;
	h ^= (uint64_t)class_id * 0xc2b2ae3d27d4eb4full;
	for (const unsigned char *p = (const unsigned char *)m; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h ^ (h >> 29);
}

static xa_err
tally_grow(void)
{
	size_t ncap = batch.cap ? batch.cap * 2 : 4096;
	struct tally *nt = calloc(ncap, sizeof *nt);
	if (nt == NULL)
		return XA_ENOMEM;
	for (size_t i = 0; i < batch.cap; i++) {
		struct tally *o = &batch.t[i];
		if (o->n == 0)
			continue;
		size_t k = tally_hash(o->campaign, o->class_id, o->measure) & (ncap - 1);
		while (nt[k].n != 0)
			k = (k + 1) & (ncap - 1);
		nt[k] = *o;
	}
	free(batch.t);
	batch.t = nt;
	batch.cap = ncap;
	return XA_OK;
}

void
survey_batch_enable(void)
{
	batch.on = true;
}

void
survey_batch_begin(db *conn)
{
	(void)conn;
	if (batch.used > 0 && batch.t != NULL)
		memset(batch.t, 0, batch.cap * sizeof *batch.t);
	batch.used = 0;
}

/* A job that failed added nothing: survey_count comes last in it. */
void
survey_batch_forget(db *conn)
{
	(void)conn;
}

void
survey_batch_abort(db *conn)
{
	survey_batch_begin(conn);
}

xa_err
survey_batch_flush(db *conn)
{
	if (batch.used == 0)
		return XA_OK;
	xa_err e = XA_OK;
	for (size_t i = 0; i < batch.cap && e == XA_OK; i++) {
		struct tally *t = &batch.t[i];
		if (t->n == 0)
			continue;
		db_stmt *st = NULL;
		if ((e = db_prepare(conn, "INSERT INTO survey_counts (campaign_id, class_id,"
		    " unit_id, measure, n) VALUES (?, ?, ?, ?, ?) ON CONFLICT (campaign_id,"
		    " class_id, measure) DO UPDATE SET n = n + excluded.n", &st)) != XA_OK)
			break;
		db_bind_int(st, 1, t->campaign);
		db_bind_int(st, 2, t->class_id);
		db_bind_int(st, 3, t->unit);
		db_bind_text(st, 4, t->measure, -1);
		db_bind_int(st, 5, t->n);
		int rc = db_step(st);
		db_done(st);
		if (rc < 0)
			e = (xa_err)-rc;
	}
	survey_batch_begin(conn);
	return e;
}

/* Adds a's measures to the batch's tally; all or nothing. */
static xa_err
tally_add(int64_t campaign, int64_t class_id, int64_t unit, const survey_answer *a)
{
	while ((batch.used + a->nmeasures) * 2 > batch.cap)
		if (tally_grow() != XA_OK)
			return XA_ENOMEM;
	for (size_t i = 0; i < a->nmeasures; i++) {
		const char *m = a->measures[i];
		size_t k = tally_hash(campaign, class_id, m) & (batch.cap - 1);
		while (batch.t[k].n != 0 && (batch.t[k].campaign != campaign ||
		    batch.t[k].class_id != class_id || strcmp(batch.t[k].measure, m) != 0))
			k = (k + 1) & (batch.cap - 1);
		struct tally *t = &batch.t[k];
		if (t->n == 0) {
			t->campaign = campaign;
			t->class_id = class_id;
			t->unit = unit;
			snprintf(t->measure, sizeof t->measure, "%s", m);
			batch.used++;
		}
		t->n++;
	}
	return XA_OK;
}

xa_err
survey_count(db *conn, int64_t campaign, int64_t class_id, int64_t unit,
    const survey_answer *a)
{
	if (batch.on)
		return tally_add(campaign, class_id, unit, a);
	/* One statement for all of them: a row per measure. */
	static const char head[] = "INSERT INTO survey_counts (campaign_id, class_id,"
	    " unit_id, measure, n) VALUES ";
	static const char tail[] = " ON CONFLICT (campaign_id, class_id, measure)"
	    " DO UPDATE SET n = n + 1";
	char sql[sizeof head + SURVEY_MAX_MEASURES * 16 + sizeof tail];
	size_t n = a->nmeasures, len = sizeof head - 1;
	if (n == 0)
		return XA_OK;
	memcpy(sql, head, len);
	for (size_t i = 0; i < n; i++) {
		memcpy(sql + len, i ? ", (?, ?, ?, ?, 1)" : "(?, ?, ?, ?, 1)", i ? 17 : 15);
		len += i ? 17 : 15;
	}
	memcpy(sql + len, tail, sizeof tail);
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, sql, &st);
	if (e != XA_OK)
		return e;
	for (size_t i = 0; i < n; i++) {
		db_bind_int(st, (int)(4 * i + 1), campaign);
		db_bind_int(st, (int)(4 * i + 2), class_id);
		db_bind_int(st, (int)(4 * i + 3), unit);
		db_bind_text(st, (int)(4 * i + 4), a->measures[i], -1);
	}
	int rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

/* Inserts count slips for (campaign, unit, class) from id *next on,
 * with used_at = used for the first `used` of them. */
static xa_err
slips_insert(db *conn, int64_t campaign, int64_t unit, int64_t class_id, int64_t count,
    int64_t used, int64_t used_at, int64_t *next)
{
	for (int64_t k = 0; k < count; k++) {
		char code[SLIP_LEN + 1], hash[SLIP_HASH_LEN + 1];
		int64_t id = (*next)++;
		xa_err e = slip_make(id, code, hash);
		OPENSSL_cleanse(code, sizeof code);
		if (e != XA_OK)
			return e;
		db_stmt *st = NULL;
		if ((e = db_prepare(conn, "INSERT INTO survey_slips (id, campaign_id, unit_id,"
		    " class_id, secret, used_at) VALUES (?, ?, ?, ?, ?, ?)", &st)) != XA_OK)
			return e;
		db_bind_int(st, 1, id);
		db_bind_int(st, 2, campaign);
		db_bind_int(st, 3, unit);
		db_bind_int(st, 4, class_id);
		db_bind_text(st, 5, hash, -1);
		db_bind_int(st, 6, k < used ? used_at : 0);
		int rc = db_step(st);
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
	}
	return XA_OK;
}

xa_err
survey_freeze_classes(db *conn, int64_t campaign)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "INSERT OR IGNORE INTO survey_campaign_classes"
	    " (campaign_id, class_id, unit_id, grade, name, boys, girls) SELECT"
	    " cs.campaign_id, c.id, c.unit_id, c.grade, c.name, c.boys, c.girls FROM"
	    " survey_campaign_schools cs JOIN classes c ON c.unit_id = cs.unit_id"
	    " WHERE cs.campaign_id = ? AND c.grade >= ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, campaign);
	db_bind_int(st, 2, SURVEY_MIN_GRADE);
	int rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}

xa_err
survey_make_slips(db *conn, int64_t campaign, int64_t class_id, int64_t *n)
{
	*n = 0;
	int64_t have = 0, heads = -1, unit = 0, next = 0;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT unit_id, boys + girls, (SELECT count(*) FROM"
	    " survey_slips s WHERE s.campaign_id = c.campaign_id AND s.class_id = c.class_id)"
	    " FROM survey_campaign_classes c WHERE c.campaign_id = ? AND c.class_id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, campaign);
	db_bind_int(st, 2, class_id);
	int rc = db_step(st);
	if (rc == 1) {
		unit = db_col_int(st, 0);
		heads = db_col_int(st, 1);
		have = db_col_int(st, 2);
	}
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (rc != 1)
		return XA_ENOTFOUND;
	if (have > 0 || heads <= 0 || heads > 200)
		return XA_OK;
	if ((e = db_query_int(conn, "SELECT coalesce(max(id), 0) + 1 FROM survey_slips",
	    &next)) != XA_OK)
		return e;
	if (next + heads >= SLIP_ID_MAX)
		return XA_ETOOMANY;
	if ((e = slips_insert(conn, campaign, unit, class_id, heads, 0, 0, &next)) == XA_OK)
		*n = heads;
	return e;
}

/* --- The demo. */

struct rng {
	uint64_t s;
};

static uint64_t
rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* True with probability p. */
static bool
rng_p(struct rng *r, double p)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0) < p;
}

static double
rng_between(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* The demo's measures, and how often each form, place and confidant is
 * named by a student bullied at least 2-3 times a month. */
static const struct {
	const char *name;
	double p;
} demo_lists[] = {
	{ "form.physical", 0.35 }, { "form.verbal", 0.62 }, { "form.property", 0.2 },
	{ "form.exclusion", 0.32 }, { "form.online", 0.14 }, { "form.other", 0.05 },
	{ "place.classroom", 0.5 }, { "place.corridor", 0.3 }, { "place.toilet", 0.14 },
	{ "place.playground", 0.36 }, { "place.canteen", 0.1 }, { "place.way", 0.2 },
	{ "place.online", 0.14 }, { "place.other", 0.05 },
	{ "told.nobody", 0.3 }, { "told.head_teacher", 0.36 }, { "told.teacher", 0.14 },
	{ "told.parent", 0.45 }, { "told.friend", 0.3 }, { "told.other", 0.04 },
};
#define DEMO_LISTS (sizeof demo_lists / sizeof demo_lists[0])
enum { M_RESP, M_RESP_M, M_RESP_F, M_VIC, M_VIC_M, M_VIC_F, M_BUL, M_BUL_M, M_BUL_F,
	M_HELPED, M_HELP, M__FIXED };
static const char *const demo_fixed[M__FIXED] = { "responses", "responses.m",
	"responses.f", "victim", "victim.m", "victim.f", "bully", "bully.m", "bully.f",
	"adult_helped", "help_wanted" };

struct demo_class {
	int64_t id, unit;
	int grade;
	int boys, girls;
};

/* Simulates one class's answers and writes its counts. */
static xa_err
demo_class_counts(db *d, struct rng *r, int64_t campaign, const struct demo_class *c,
    double rate, bool hot)
{
	int64_t n[M__FIXED + DEMO_LISTS];
	memset(n, 0, sizeof n);
	/* Prevalence by class, at "2-3 times a month or more" as the Olweus
	 * questionnaire counts it: most between 5 and 10% bullied, 3-6%
	 * bullying others; a hot class well above. Primary grades a little
	 * higher. */
	double pv = hot ? rng_between(r, 0.28, 0.38) : rng_between(r, 0.05, 0.10);
	double pb = hot ? rng_between(r, 0.11, 0.16) : rng_between(r, 0.03, 0.06);
	if (c->grade <= 6)
		pv *= 1.1;
	int total = c->boys + c->girls;
	for (int s = 0; s < total; s++) {
		if (!rng_p(r, rate))
			continue;
		bool boy = s < c->boys;
		int g = rng_p(r, 0.04) ? 0 : boy ? 1 : 2;	/* 0: rather not say */
		n[M_RESP]++;
		if (g)
			n[g == 1 ? M_RESP_M : M_RESP_F]++;
		if (rng_p(r, boy ? pv * 1.12 : pv * 0.88)) {
			n[M_VIC]++;
			if (g)
				n[g == 1 ? M_VIC_M : M_VIC_F]++;
			for (size_t k = 0; k < DEMO_LISTS; k++)
				if (rng_p(r, demo_lists[k].p))
					n[M__FIXED + k]++;
			if (rng_p(r, 0.55))
				n[M_HELPED]++;
		}
		if (rng_p(r, boy ? pb * 1.4 : pb * 0.6)) {
			n[M_BUL]++;
			if (g)
				n[g == 1 ? M_BUL_M : M_BUL_F]++;
		}
		if (rng_p(r, 0.025))
			n[M_HELP]++;
	}
	for (size_t k = 0; k < M__FIXED + DEMO_LISTS; k++) {
		if (n[k] == 0)
			continue;
		db_stmt *st = NULL;
		xa_err e = db_prepare(d, "INSERT INTO survey_counts (campaign_id, class_id,"
		    " unit_id, measure, n) VALUES (?, ?, ?, ?, ?)", &st);
		if (e != XA_OK)
			return e;
		db_bind_int(st, 1, campaign);
		db_bind_int(st, 2, c->id);
		db_bind_int(st, 3, c->unit);
		db_bind_text(st, 4, k < M__FIXED ? demo_fixed[k] : demo_lists[k - M__FIXED].name, -1);
		db_bind_int(st, 5, n[k]);
		int rc = db_step(st);
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
	}
	return XA_OK;
}

/* A campaign of the office over every active school. */
static xa_err
demo_campaign(db *d, int64_t office, const char *name, const char *semester,
    const char *state, int64_t opened, int64_t closed, int64_t *id)
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(d, "INSERT INTO survey_campaigns (unit_id, name, semester,"
	    " state, primary_body, secondary_body, opened_at, closed_at)"
	    " SELECT ?, ?, ?, ?, (SELECT body FROM survey_templates WHERE level = 'primary'"
	    " ORDER BY id LIMIT 1), (SELECT body FROM survey_templates WHERE level ="
	    " 'secondary' ORDER BY id LIMIT 1), ?, ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, office);
	db_bind_text(st, 2, name, -1);
	db_bind_text(st, 3, semester, -1);
	db_bind_text(st, 4, state, -1);
	db_bind_int(st, 5, opened);
	db_bind_int(st, 6, closed);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	*id = db_last_id(d);
	if ((e = db_prepare(d, "INSERT INTO survey_campaign_schools (campaign_id, unit_id)"
	    " SELECT ?, id FROM units WHERE kind = 'school' AND active = 1", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, *id);
	rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if ((e = survey_freeze_classes(d, *id)) != XA_OK)
		return e;
	audit_entry a;
	memset(&a, 0, sizeof a);
	a.action = "survey.open";
	a.object_type = "survey";
	a.object_id = *id;
	a.fields = "schools";
	a.request_id = "";
	a.source = "xiaoan demo";
	e = audit_append(d, keys_get()->audit, &a, opened);
	if (e == XA_OK && closed > 0) {
		a.action = "survey.close";
		a.fields = "state";
		e = audit_append(d, keys_get()->audit, &a, closed);
	}
	return e;
}

xa_err
survey_demo(db *d, uint64_t seed, int64_t now, FILE *out, char *err, size_t errlen)
{
	struct demo_class *cls = NULL;
	size_t ncls = 0, cap = 0;
	int64_t office = 0, done_id = 0, live_id = 0, slips = 0, answered = 0;
	xa_err e = XA_OK;
	if (keys_get() == NULL) {
		snprintf(err, errlen, "survey demo: no keys loaded");
		return XA_ECRYPTO;
	}
	db_stmt *st = NULL;
	if ((e = db_prepare(d, "SELECT c.id, c.unit_id, c.grade, c.boys, c.girls FROM classes c"
	    " JOIN units u ON u.id = c.unit_id WHERE u.kind = 'school' AND u.active = 1"
	    " AND c.grade >= ? ORDER BY c.unit_id, c.grade, c.id", &st)) != XA_OK)
		goto done;
	db_bind_int(st, 1, SURVEY_MIN_GRADE);
	int rc;
	while ((rc = db_step(st)) == 1) {
		if (ncls == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			struct demo_class *p = realloc(cls, ncap * sizeof *p);
			if (p == NULL) {
				rc = -(int)XA_ENOMEM;
				break;
			}
			cls = p;
			cap = ncap;
		}
		cls[ncls++] = (struct demo_class){ db_col_int(st, 0), db_col_int(st, 1),
			(int)db_col_int(st, 2), (int)db_col_int(st, 3), (int)db_col_int(st, 4) };
	}
	db_done(st);
	if (rc < 0) {
		e = (xa_err)-rc;
		goto done;
	}
	/* The bureau office opens both, as in the city. */
	if ((e = db_query_int(d, "SELECT coalesce((SELECT id FROM units WHERE kind = 'office'"
	    " AND active = 1 ORDER BY length(path), id LIMIT 1), (SELECT id FROM units"
	    " WHERE parent_id IS NULL ORDER BY id LIMIT 1), 1)", &office)) != XA_OK)
		goto done;
	/* This semester's (as of now, in Beijing: the first from September
	 * to January, the second from February) opened twelve days ago; the
	 * last one's ran for two weeks about half a year ago. */
	time_t bj = (time_t)(now + 8 * 3600);
	struct tm tm;
	gmtime_r(&bj, &tm);
	int y = tm.tm_year + 1900, mon = tm.tm_mon + 1;
	int cy = mon >= 9 ? y : y - 1, cs = mon >= 9 || mon == 1 ? 1 : 2;
	int py = cs == 1 ? cy - 1 : cy, ps = cs == 1 ? 2 : 1;
	char cur[16], prev[16], cur_name[96], prev_name[96];
	snprintf(cur, sizeof cur, "%04d-%04d-%d", cy % 10000, (cy + 1) % 10000, cs);
	snprintf(prev, sizeof prev, "%04d-%04d-%d", py % 10000, (py + 1) % 10000, ps);
	snprintf(cur_name, sizeof cur_name, "%04d—%04d学年第%s学期全员欺凌问卷调查", cy % 10000,
	    (cy + 1) % 10000, cs == 1 ? "一" : "二");
	snprintf(prev_name, sizeof prev_name, "%04d—%04d学年第%s学期全员欺凌问卷调查",
	    py % 10000, (py + 1) % 10000, ps == 1 ? "一" : "二");
	if ((e = demo_campaign(d, office, prev_name, prev, "closed", now - 200 * 86400,
	    now - 186 * 86400, &done_id)) != XA_OK ||
	    (e = demo_campaign(d, office, cur_name, cur, "open", now - 12 * 86400, 0,
	    &live_id)) != XA_OK)
		goto done;
	int64_t next = 0;
	if ((e = db_query_int(d, "SELECT coalesce(max(id), 0) + 1 FROM survey_slips", &next))
	    != XA_OK)
		goto done;
	struct rng r = { seed ^ 0x5eed5a11ULL };
	int64_t school = -1;
	bool school_done = true;
	double school_level = 1.0;
	for (size_t i = 0; i < ncls && e == XA_OK; i++) {
		const struct demo_class *c = &cls[i];
		if (c->unit != school) {
			school = c->unit;
			/* Two schools in three have finished this semester's. */
			school_done = rng_p(&r, 0.67);
			school_level = rng_p(&r, 0.08) ? 1.5 : 1.0;
		}
		bool hot = rng_p(&r, 0.02 * school_level);
		if ((e = demo_class_counts(d, &r, done_id, c, rng_between(&r, 0.86, 0.98),
		    hot && rng_p(&r, 0.7))) != XA_OK)
			break;
		double rate = school_done ? rng_between(&r, 0.85, 0.97) :
		    rng_p(&r, 0.5) ? rng_between(&r, 0.0, 0.45) : 0.0;
		if ((e = demo_class_counts(d, &r, live_id, c, rate, hot)) != XA_OK)
			break;
		/* This semester's slips: as many used as counted. */
		int64_t used = 0;
		db_stmt *q = NULL;
		if ((e = db_prepare(d, "SELECT n FROM survey_counts WHERE campaign_id = ? AND"
		    " class_id = ? AND measure = 'responses'", &q)) != XA_OK)
			break;
		db_bind_int(q, 1, live_id);
		db_bind_int(q, 2, c->id);
		if (db_step(q) == 1)
			used = db_col_int(q, 0);
		db_done(q);
		int64_t total = c->boys + c->girls;
		if ((e = slips_insert(d, live_id, c->unit, c->id, total, used,
		    (now - 12 * 86400) - (now - 12 * 86400) % 86400, &next)) != XA_OK)
			break;
		slips += total;
		answered += used;
	}
	if (e == XA_OK && out != NULL)
		fprintf(out, "surveys: 2 campaigns over %zu classes; this semester %lld of %lld"
		    " slips answered\n", ncls, (long long)answered, (long long)slips);
done:
	if (e != XA_OK && err[0] == '\0')
		snprintf(err, errlen, "survey demo: %s", xa_strerror(e));
	free(cls);
	return e;
}
