/* questionnaire.c: checking and normalising an edited questionnaire
 * (questionnaire.h). Never lets a stored questionnaire change what the
 * statistics count, or ask a free-text question other than the name a
 * pupil may leave with the request for help. */
#include "questionnaire.h"

#include <stdio.h>
#include <string.h>

#include "../core/utf8.h"

#define FREQS { "never", "once_twice", "monthly", "weekly", "several_weekly", NULL }

/* The questions the statistics read, with what of them is fixed. */
static const struct core {
	const char *id, *type;
	bool optional, removable;
	const char *if_q;		/* skip rule: the question it looks at */
	bool if_in;			/* in (true) or not (false) if_value */
	const char *if_value;
	const char *values[QN_MAX_OPTIONS + 2];
} cores[] = {
	{ "gender", "one", true, true, NULL, false, NULL, { "m", "f", "x", NULL } },
	{ "victim", "one", false, false, NULL, false, NULL, FREQS },
	{ "victim_forms", "many", false, true, "victim", false, "never",
	  { "physical", "verbal", "property", "exclusion", "online", "other", NULL } },
	{ "victim_places", "many", false, true, "victim", false, "never",
	  { "classroom", "corridor", "toilet", "playground", "canteen", "way", "online",
	    "other", NULL } },
	{ "told", "many", false, true, "victim", false, "never",
	  { "nobody", "head_teacher", "teacher", "parent", "friend", "other", NULL } },
	{ "adult_helped", "one", false, true, "victim", false, "never",
	  { "yes", "tried", "no", "not_told", NULL } },
	{ "bully", "one", false, false, NULL, false, NULL, FREQS },
	{ "help", "one", true, false, NULL, false, NULL, { "no", "counsellor", "name", NULL } },
	{ "help_name", "text", true, false, "help", true, "name", { NULL } },
};
#define NCORES (sizeof cores / sizeof cores[0])

static const struct core *
core_of(const char *id)
{
	for (size_t i = 0; id != NULL && i < NCORES; i++)
		if (strcmp(cores[i].id, id) == 0)
			return &cores[i];
	return NULL;
}

bool
questionnaire_is_core(const char *id)
{
	return core_of(id) != NULL;
}

/* 1..QN_MAX_EXTRA for "extra1".., else 0. */
static int
extra_no(const char *id)
{
	if (id == NULL || strncmp(id, "extra", 5) != 0 || id[5] < '1' ||
	    id[5] > '0' + QN_MAX_EXTRA || id[6] != '\0')
		return 0;
	return id[5] - '0';
}

/* A text of 1..max code points, valid UTF-8, no control characters. */
static bool
text_ok(const json_t *v, size_t max)
{
	const char *s = json_string_value(v);
	if (s == NULL)
		return false;
	size_t n = strlen(s), cp = utf8_count(s, n);
	if (!utf8_valid(s, n) || !utf8_no_controls(s, n, false))
		return false;
	/* Only spaces is nothing. */
	size_t k = 0;
	while (s[k] == ' ')
		k++;
	return s[k] != '\0' && cp >= 1 && cp <= max;
}

static int
fail(const char **why, const char **where, const char *w, const char *at)
{
	*why = w;
	*where = at;
	return -1;
}

/* The options of core question c from q, in q's order: every value of
 * c's exactly once, each with a text. NULL (and *why) when not. */
static json_t *
core_options(const struct core *c, const json_t *q, const char **why, const char **where)
{
	const json_t *in = json_object_get(q, "options");
	size_t want = 0;
	while (c->values[want] != NULL)
		want++;
	if (!json_is_array(in) || json_array_size(in) != want) {
		fail(why, where, "qn_core_options", c->id);
		return NULL;
	}
	json_t *out = json_array();
	bool seen[QN_MAX_OPTIONS + 2] = { false };
	size_t i;
	json_t *o;
	json_array_foreach(in, i, o) {
		const char *v = json_string_value(json_object_get(o, "value"));
		size_t k = 0;
		while (c->values[k] != NULL && (v == NULL || strcmp(c->values[k], v) != 0))
			k++;
		if (c->values[k] == NULL || seen[k]) {
			json_decref(out);
			fail(why, where, "qn_core_options", c->id);
			return NULL;
		}
		seen[k] = true;
		if (!text_ok(json_object_get(o, "text"), QN_OPTION_MAX)) {
			json_decref(out);
			fail(why, where, "qn_option_text", c->id);
			return NULL;
		}
		json_array_append_new(out, json_pack("{s:s, s:O}", "value", c->values[k], "text",
		    json_object_get(o, "text")));
	}
	return out;
}

/* The options of an extra question: 2..QN_MAX_OPTIONS texts, distinct,
 * numbered o1.. in order (whatever values came with them). */
static json_t *
extra_options(const char *id, const json_t *q, const char **why, const char **where)
{
	const json_t *in = json_object_get(q, "options");
	size_t n = json_array_size(in);
	if (!json_is_array(in) || n < 2 || n > QN_MAX_OPTIONS) {
		fail(why, where, "qn_extra_options", id);
		return NULL;
	}
	json_t *out = json_array();
	size_t i;
	json_t *o;
	json_array_foreach(in, i, o) {
		const json_t *t = json_is_string(o) ? o : json_object_get(o, "text");
		if (!text_ok(t, QN_OPTION_MAX)) {
			json_decref(out);
			fail(why, where, "qn_option_text", id);
			return NULL;
		}
		for (size_t k = 0; k < i; k++)
			if (strcmp(json_string_value(json_object_get(json_array_get(out, k), "text")),
			    json_string_value(t)) == 0) {
				json_decref(out);
				fail(why, where, "qn_option_twice", id);
				return NULL;
			}
		char v[24];
		snprintf(v, sizeof v, "o%zu", i + 1);
		json_array_append_new(out, json_pack("{s:s, s:O}", "value", v, "text", t));
	}
	return out;
}

/* An extra question's skip rule against the questions before it (out so
 * far): {q, in | not: [values]}, q a choice question, the values its own. */
static json_t *
extra_rule(const char *id, const json_t *rule, const json_t *before, const char **why,
    const char **where)
{
	const char *q = json_string_value(json_object_get(rule, "q"));
	const json_t *in = json_object_get(rule, "in"), *not = json_object_get(rule, "not");
	const json_t *vals = in != NULL ? in : not;
	const json_t *target = NULL;
	size_t i;
	json_t *x;
	json_array_foreach(before, i, x)
		if (q != NULL && strcmp(json_string_value(json_object_get(x, "id")), q) == 0)
			target = x;
	const char *tt = json_string_value(json_object_get(target, "type"));
	if (target == NULL || tt == NULL || strcmp(tt, "text") == 0 ||
	    (in != NULL) == (not != NULL) || !json_is_array(vals) ||
	    json_array_size(vals) == 0 || json_array_size(vals) > QN_MAX_OPTIONS + 1) {
		fail(why, where, "qn_skip_rule", id);
		return NULL;
	}
	json_t *list = json_array();
	json_array_foreach(vals, i, x) {
		const char *v = json_string_value(x);
		bool known = false;
		size_t k;
		json_t *o;
		json_array_foreach(json_object_get(target, "options"), k, o)
			known = known || (v != NULL &&
			    strcmp(json_string_value(json_object_get(o, "value")), v) == 0);
		if (!known) {
			json_decref(list);
			fail(why, where, "qn_skip_rule", id);
			return NULL;
		}
		json_array_append_new(list, json_string(v));
	}
	return json_pack("{s:s, s:o}", "q", q, in != NULL ? "in" : "not", list);
}

/* One question of in, checked and rebuilt; NULL (and *why) when bad. */
static json_t *
question(const json_t *q, const json_t *before, const char **why, const char **where)
{
	const char *id = json_string_value(json_object_get(q, "id"));
	const struct core *c = core_of(id);
	int x = extra_no(id);
	if (c == NULL && x == 0) {
		fail(why, where, "qn_question_id", id);
		return NULL;
	}
	if (!text_ok(json_object_get(q, "text"), QN_TEXT_MAX)) {
		fail(why, where, "qn_question_text", id);
		return NULL;
	}
	const char *type = json_string_value(json_object_get(q, "type"));
	json_t *out = json_pack("{s:s, s:O}", "id", id, "text", json_object_get(q, "text"));
	if (c != NULL) {
		if (type != NULL && strcmp(type, c->type) != 0) {
			json_decref(out);
			fail(why, where, "qn_core_type", id);
			return NULL;
		}
		/* A skip rule looks at an answer given before it. */
		bool after = c->if_q == NULL || strcmp(c->if_q, "help") == 0;
		size_t k;
		json_t *y;
		json_array_foreach(before, k, y)
			after = after || strcmp(json_string_value(json_object_get(y, "id")),
			    c->if_q) == 0;
		if (!after) {
			json_decref(out);
			fail(why, where, "qn_order", id);
			return NULL;
		}
		json_object_set_new(out, "type", json_string(c->type));
		if (c->optional)
			json_object_set_new(out, "optional", json_true());
		if (c->if_q != NULL)
			json_object_set_new(out, "show_if", json_pack("{s:s, s:[s]}", "q", c->if_q,
			    c->if_in ? "in" : "not", c->if_value));
		if (c->values[0] != NULL) {
			json_t *opts = core_options(c, q, why, where);
			if (opts == NULL) {
				json_decref(out);
				return NULL;
			}
			json_object_set_new(out, "options", opts);
		}
		return out;
	}
	if (type == NULL || (strcmp(type, "one") != 0 && strcmp(type, "many") != 0)) {
		json_decref(out);
		fail(why, where, "qn_extra_type", id);
		return NULL;
	}
	json_object_set_new(out, "type", json_string(type));
	const json_t *opt = json_object_get(q, "optional");
	if (opt != NULL && !json_is_boolean(opt)) {
		json_decref(out);
		fail(why, where, "qn_extra_optional", id);
		return NULL;
	}
	if (json_is_true(opt))
		json_object_set_new(out, "optional", json_true());
	const json_t *rule = json_object_get(q, "show_if");
	if (rule != NULL && !json_is_null(rule)) {
		json_t *r = extra_rule(id, rule, before, why, where);
		if (r == NULL) {
			json_decref(out);
			return NULL;
		}
		json_object_set_new(out, "show_if", r);
	}
	json_t *opts = extra_options(id, q, why, where);
	if (opts == NULL) {
		json_decref(out);
		return NULL;
	}
	json_object_set_new(out, "options", opts);
	return out;
}

xa_err
questionnaire_normalise(const json_t *in, const char *level, json_t **out, const char **why,
    const char **where)
{
	*why = NULL;
	*where = NULL;
	const json_t *qs = json_object_get(in, "questions");
	const char *lv = json_string_value(json_object_get(in, "level"));
	if (!json_is_object(in) || !json_is_array(qs)) {
		fail(why, where, "qn_shape", "questions");
		return XA_EINVAL;
	}
	if (lv != NULL && strcmp(lv, level) != 0) {
		fail(why, where, "qn_level", "level");
		return XA_EINVAL;
	}
	if (!text_ok(json_object_get(in, "intro"), QN_INTRO_MAX)) {
		fail(why, where, "qn_intro", "intro");
		return XA_EINVAL;
	}
	if (json_array_size(qs) > NCORES + QN_MAX_EXTRA) {
		fail(why, where, "qn_too_many", "questions");
		return XA_EINVAL;
	}
	/* The questions that cannot go, before anything that may rest on them. */
	static const char *const needed[] = { "victim", "bully", "help", "help_name" };
	for (size_t n = 0; n < sizeof needed / sizeof needed[0]; n++) {
		bool found = false;
		size_t k;
		json_t *y;
		json_array_foreach(qs, k, y) {
			const char *id = json_string_value(json_object_get(y, "id"));
			found = found || (id != NULL && strcmp(id, needed[n]) == 0);
		}
		if (!found) {
			fail(why, where, "qn_question_needed", needed[n]);
			return XA_EINVAL;
		}
	}
	/* Everything but the request for help, in the order given; then it. */
	json_t *list = json_array(), *help[2] = { NULL, NULL };
	size_t i;
	json_t *q;
	json_array_foreach(qs, i, q) {
		const char *id = json_string_value(json_object_get(q, "id"));
		bool twice = false;
		size_t k;
		json_t *y;
		json_array_foreach(list, k, y)
			twice = twice || (id && strcmp(json_string_value(json_object_get(y, "id")),
			    id) == 0);
		for (int h = 0; h < 2; h++)
			twice = twice || (id && help[h] && strcmp(json_string_value(
			    json_object_get(help[h], "id")), id) == 0);
		if (twice) {
			fail(why, where, "qn_question_twice", id);
			goto bad;
		}
		json_t *nq = question(q, list, why, where);
		if (nq == NULL)
			goto bad;
		if (strcmp(id, "help") == 0)
			help[0] = nq;
		else if (strcmp(id, "help_name") == 0)
			help[1] = nq;
		else
			json_array_append_new(list, nq);
	}
	json_array_append_new(list, help[0]);
	json_array_append_new(list, help[1]);
	*out = json_pack("{s:s, s:O, s:o}", "level", level, "intro",
	    json_object_get(in, "intro"), "questions", list);
	return *out ? XA_OK : XA_ENOMEM;
bad:
	json_decref(list);
	json_decref(help[0]);
	json_decref(help[1]);
	return XA_EINVAL;
}

/* The non-empty lines of text s, trimmed of spaces and \r, as strings. */
static json_t *
lines(const char *s)
{
	json_t *arr = json_array();
	while (s != NULL && *s != '\0') {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		size_t a = 0, b = n;
		while (a < b && (s[a] == ' ' || s[a] == '\t'))
			a++;
		while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\r' || s[b - 1] == '\t'))
			b--;
		if (b > a)
			json_array_append_new(arr, json_stringn(s + a, b - a));
		s = e ? e + 1 : s + n;
	}
	return arr;
}

static const char *
field(const json_t *form, const char *prefix, const char *id)
{
	char key[40];
	snprintf(key, sizeof key, "%s%s", prefix, id);
	return json_string_value(json_object_get(form, key));
}

json_t *
questionnaire_from_form(const json_t *current, const json_t *form)
{
	json_t *qs = json_array();
	if (qs == NULL)
		return NULL;
	const char *intro = json_string_value(json_object_get(form, "intro"));
	size_t i;
	json_t *q;
	json_t *help = json_array();
	json_array_foreach(json_object_get(current, "questions"), i, q) {
		const char *id = json_string_value(json_object_get(q, "id"));
		const struct core *c = core_of(id);
		if (c == NULL)
			continue;	/* the extras come from their own fields */
		char key[40];
		snprintf(key, sizeof key, "del_%s", id);
		if (c->removable && json_is_true(json_object_get(form, key)))
			continue;
		const char *t = field(form, "t_", id);
		json_t *nq = json_pack("{s:s, s:s, s:s}", "id", id, "type", c->type, "text",
		    t ? t : "");
		if (c->values[0] != NULL) {
			/* The lines name the options in their present order. */
			json_t *texts = lines(field(form, "o_", id)), *opts = json_array(), *o;
			size_t k;
			json_array_foreach(json_object_get(q, "options"), k, o) {
				json_t *t2 = json_array_get(texts, k);
				json_array_append_new(opts, json_pack("{s:O, s:o}", "value",
				    json_object_get(o, "value"), "text", t2 ? json_incref(t2) :
				    json_string("")));
			}
			/* More lines than options: the check refuses the count. */
			if (json_array_size(texts) > json_array_size(opts))
				json_array_append_new(opts, json_pack("{s:s, s:s}", "value", "",
				    "text", ""));
			json_decref(texts);
			json_object_set_new(nq, "options", opts);
		}
		json_array_append_new(strcmp(id, "help") == 0 || strcmp(id, "help_name") == 0 ?
		    help : qs, nq);
	}
	for (int k = 1; k <= QN_MAX_EXTRA; k++) {
		char id[8];
		snprintf(id, sizeof id, "extra%d", k);
		const char *type = field(form, "type_", id);
		if (type == NULL || strcmp(type, "none") == 0)
			continue;
		const char *t = field(form, "t_", id), *rule = field(form, "if_", id);
		char key[40];
		snprintf(key, sizeof key, "opt_%s", id);
		json_t *nq = json_pack("{s:s, s:s, s:s, s:o, s:b}", "id", id, "type", type,
		    "text", t ? t : "", "options", lines(field(form, "o_", id)), "optional",
		    json_is_true(json_object_get(form, key)));
		if (rule != NULL && (strcmp(rule, "victim") == 0 || strcmp(rule, "bully") == 0))
			json_object_set_new(nq, "show_if", json_pack("{s:s, s:[s]}", "q", rule,
			    "not", "never"));
		json_array_append_new(qs, nq);
	}
	json_array_extend(qs, help);
	json_decref(help);
	return json_pack("{s:s, s:o}", "intro", intro ? intro : "", "questions", qs);
}
