/* fuzz_input.c: libFuzzer target for the declared-table validator.
 *
 * An input starting with '{' or '[' is a JSON body (form_parse_json, then
 * input_from_json); anything else is a query string (form_parse_urlencoded,
 * then input_from_params). One table exercises every field type and flag.
 * On success the object must hold only declared fields, each of its type;
 * on failure nothing is returned and the error names a field. It must
 * never keep state between inputs and frees everything it allocates. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "http/input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise is a crash, whatever NDEBUG says. */
#define CHECK(c) do { if (!(c)) abort(); } while (0)

static const char *const colours[] = { "red", "绿", "blue-ish", NULL };

static const field spec[] = {
	{ "s", FT_STRING, 0, 1, 8, NULL },
	{ "t", FT_TEXT, 0, 0, 40, NULL },
	{ "i", FT_INT, 0, -5, 1000, NULL },
	{ "j", FT_INT, F_MULTI, 0, 0, NULL },
	{ "b", FT_BOOL, 0, 0, 0, NULL },
	{ "e", FT_ENUM, 0, 0, 0, colours },
	{ "d", FT_DATE, 0, 0, 0, NULL },
	{ "m", FT_MONTH, F_MULTI, 0, 0, NULL },
	{ "k", FT_TOKEN, 0, 2, 6, NULL },
	{ "r", FT_STRING, F_REQUIRED | F_MULTI, 0, 3, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* The declared field called name, or NULL. */
static const field *
declared(const char *name)
{
	for (const field *f = spec; f->name != NULL; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

/* Checks one output value of field f. */
static void
check_value(const field *f, json_t *v)
{
	switch (f->type) {
	case FT_INT:
		CHECK(json_is_integer(v));
		if (f->min != 0 || f->max != 0)
			CHECK(json_integer_value(v) >= f->min &&
			    json_integer_value(v) <= f->max);
		break;
	case FT_BOOL:
		CHECK(json_is_boolean(v));
		break;
	default: {
		CHECK(json_is_string(v));
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		CHECK(n > 0);
		CHECK(utf8_valid(s, n));
		CHECK(utf8_no_controls(s, n, f->type == FT_TEXT));
		CHECK(s[0] != ' ' && s[n - 1] != ' ');
		if (f->type == FT_STRING || f->type == FT_TEXT)
			CHECK(f->max == 0 ||
			    utf8_count(s, n) <= (size_t)f->max);
		if (f->type == FT_TEXT)
			CHECK(memchr(s, '\r', n) == NULL);
		break;
	}
	}
}

/* Checks a result of either entry point. */
static void
check(xa_err e, json_t *out, const input_error *err)
{
	const char *k;
	json_t *v;

	CHECK(err->code == e);
	if (e != XA_OK) {
		CHECK(out == NULL);
		CHECK(e == XA_EINVAL || e == XA_EMISSING || e == XA_EDUP ||
		    e == XA_ETOOBIG || e == XA_ENOMEM);
		CHECK(err->field == NULL || declared(err->field) != NULL);
		return;
	}
	CHECK(json_is_object(out));
	CHECK(json_object_get(out, "r") != NULL);
	json_object_foreach(out, k, v) {
		const field *f = declared(k);
		CHECK(f != NULL);
		if (f->flags & F_MULTI) {
			size_t i;
			json_t *x;
			CHECK(json_is_array(v));
			json_array_foreach(v, i, x)
				check_value(f, x);
		} else
			check_value(f, v);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	form_limits lim;
	input_error err;
	json_t *out = NULL, *body = NULL;
	arena *a = NULL;
	xa_err e;

	form_limits_default(&lim);
	if (size > 0 && (s[0] == '{' || s[0] == '[')) {
		if (form_parse_json(s, size, &lim, &body) != XA_OK)
			goto done;
		e = input_from_json(spec, body, &out, &err);
		if (!json_is_object(body))
			CHECK(e == XA_EINVAL && err.field == NULL);
		check(e, out, &err);
	} else {
		params p;
		a = arena_new(4096, 0);
		if (a == NULL)
			goto done;
		if (form_parse_urlencoded(a, s, size, &lim, &p) != XA_OK)
			goto done;
		e = input_from_params(spec, &p, &out, &err);
		check(e, out, &err);
		if (e == XA_OK)
			for (const field *f = spec; f->name != NULL; f++)
				if (!(f->flags & F_MULTI))
					CHECK(params_count(&p, f->name) <= 1);
	}
done:
	json_decref(out);
	json_decref(body);
	arena_free(a);
	return 0;
}
