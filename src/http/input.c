/* input.c: checks what a client sent against a route's declared table and
 * turns it into a JSON object of typed values.
 *
 * This is the edge: after it, a handler sees only fields it declared, with
 * values of the declared type, length and range. It must never pass a
 * value through unchecked, never report a field the table does not name,
 * and never return a partly built object: on error *out is NULL. */
#include "input.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../core/utf8.h"

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* Drops leading and trailing ASCII whitespace from s[0..*n). */
static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_space((*s)[*n - 1]))
		(*n)--;
}

/* Case-insensitive (ASCII) equality of s[0..n) with lowercase literal. */
static bool
ieq(const char *s, size_t n, const char *lit)
{
	size_t i = 0;

	for (; i < n && lit[i] != '\0'; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != lit[i])
			return false;
	}
	return i == n && lit[i] == '\0';
}

/* min/max of a field for lengths: max 0 means no upper bound; a negative
 * min is no lower bound. */
static xa_err
check_len(const field *f, size_t len)
{
	if (f->max > 0 && len > (unsigned long long)f->max)
		return XA_ETOOBIG;
	if (f->min > 0 && len < (unsigned long long)f->min)
		return XA_EINVAL;
	return XA_OK;
}

/* Bounds of an FT_INT: min and max both 0 means unbounded, otherwise the
 * value must lie in [min, max]. */
static bool
int_in_bounds(const field *f, long long v)
{
	if (f->min == 0 && f->max == 0)
		return true;
	return v >= f->min && v <= f->max;
}

/*
 * Parses a decimal integer [+-]?[0-9]+ that fills s[0..n) exactly. strtoll
 * gets a NUL-terminated copy (the value is not terminated where it ends)
 * and its overflow is reported, never clamped.
 */
static xa_err
parse_int(const char *s, size_t n, long long *out)
{
	char tmp[32];
	char *end = NULL;
	size_t i = 0;

	if (n == 0 || n >= sizeof tmp)
		return XA_EINVAL;
	if (s[0] == '+' || s[0] == '-')
		i = 1;
	if (i == n)
		return XA_EINVAL;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return XA_EINVAL;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	long long v = strtoll(tmp, &end, 10);
	if (errno != 0 || end != tmp + n)
		return XA_EINVAL;
	*out = v;
	return XA_OK;
}

/* The value of the k ASCII digits at s, or -1 if one is not a digit. */
static int
digits(const char *s, int k)
{
	int v = 0;

	for (int i = 0; i < k; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
days_in_month(int y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

/* YYYY-MM (n == 7) or YYYY-MM-DD (n == 10): year 0001..9999, month
 * 01..12, and for a date a day that exists in that month. */
static bool
valid_date(const char *s, size_t n, bool with_day)
{
	if (n != (with_day ? 10u : 7u) || s[4] != '-')
		return false;
	int y = digits(s, 4), m = digits(s + 5, 2);
	if (y < 1 || m < 1 || m > 12)
		return false;
	if (!with_day)
		return true;
	if (s[7] != '-')
		return false;
	int d = digits(s + 8, 2);
	return d >= 1 && d <= days_in_month(y, m);
}

/* A string JSON value from s[0..n); FT_TEXT turns CRLF and lone CR into
 * LF so stored text has one kind of line end. */
static xa_err
make_string(const field *f, const char *s, size_t n, json_t **jv)
{
	char *norm = NULL;
	xa_err e = XA_OK;

	if (f->type == FT_TEXT && memchr(s, '\r', n) != NULL) {
		size_t k = 0;
		norm = malloc(n);
		if (norm == NULL) {
			e = XA_ENOMEM;
			goto done;
		}
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '\r') {
				norm[k++] = '\n';
				if (i + 1 < n && s[i + 1] == '\n')
					i++;
			} else
				norm[k++] = s[i];
		}
		s = norm;
		n = k;
	}
	if (f->type == FT_STRING || f->type == FT_TEXT) {
		e = check_len(f, utf8_count(s, n));
		if (e != XA_OK)
			goto done;
	}
	*jv = json_stringn(s, n);
	if (*jv == NULL)
		e = XA_ENOMEM;
done:
	free(norm);
	return e;
}

/*
 * Checks one textual value s[0..n), already trimmed and not empty, against
 * f and makes its JSON value. All text must be UTF-8 without controls
 * (FT_TEXT may hold newlines).
 */
static xa_err
check_text(const field *f, const char *s, size_t n, json_t **jv)
{
	long long v;
	xa_err e = XA_OK;

	*jv = NULL;
	if (!utf8_valid(s, n) || !utf8_no_controls(s, n, f->type == FT_TEXT))
		return XA_EINVAL;
	switch (f->type) {
	case FT_STRING:
	case FT_TEXT:
		return make_string(f, s, n, jv);
	case FT_INT:
		e = parse_int(s, n, &v);
		if (e != XA_OK)
			return e;
		if (!int_in_bounds(f, v))
			return XA_EINVAL;
		*jv = json_integer(v);
		break;
	case FT_BOOL:
		if (ieq(s, n, "true") || ieq(s, n, "1") || ieq(s, n, "on") ||
		    ieq(s, n, "yes"))
			*jv = json_true();
		else if (ieq(s, n, "false") || ieq(s, n, "0") ||
		    ieq(s, n, "off") || ieq(s, n, "no"))
			*jv = json_false();
		else
			return XA_EINVAL;
		break;
	case FT_ENUM:
		for (const char *const *c = f->choices; c != NULL && *c != NULL;
		    c++)
			if (strlen(*c) == n && memcmp(*c, s, n) == 0)
				return make_string(f, s, n, jv);
		return XA_EINVAL;
	case FT_DATE:
	case FT_MONTH:
		if (!valid_date(s, n, f->type == FT_DATE))
			return XA_EINVAL;
		return make_string(f, s, n, jv);
	case FT_TOKEN:
		for (size_t i = 0; i < n; i++) {
			char c = s[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '_' || c == '-'))
				return XA_EINVAL;
		}
		e = check_len(f, n);
		if (e != XA_OK)
			return e;
		return make_string(f, s, n, jv);
	default:
		return XA_EINVAL;
	}
	return *jv == NULL ? XA_ENOMEM : XA_OK;
}

/*
 * Checks one JSON value against f. *jv stays NULL when the value counts
 * as absent (null, or a string that is empty once trimmed). Integers are
 * taken for FT_INT (and 0/1 for FT_BOOL), booleans for FT_BOOL, strings
 * for every type; anything else is XA_EINVAL.
 */
static xa_err
check_json(const field *f, json_t *v, json_t **jv)
{
	*jv = NULL;
	if (json_is_null(v))
		return XA_OK;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		trim(&s, &n);
		if (n == 0)
			return XA_OK;
		return check_text(f, s, n, jv);
	}
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (f->type == FT_INT) {
			if (!int_in_bounds(f, i))
				return XA_EINVAL;
			*jv = json_integer(i);
		} else if (f->type == FT_BOOL && (i == 0 || i == 1))
			*jv = json_boolean(i == 1);
		else
			return XA_EINVAL;
		return *jv == NULL ? XA_ENOMEM : XA_OK;
	}
	if (json_is_boolean(v) && f->type == FT_BOOL) {
		*jv = json_boolean(json_is_true(v));
		return XA_OK;
	}
	return XA_EINVAL;
}

/* Records a failure for field name (which may be NULL). */
static xa_err
fail(input_error *err, xa_err code, const char *name)
{
	if (err != NULL) {
		err->code = code;
		err->field = name;
	}
	return code;
}

/*
 * Adds field f's checked value to obj: a multi field always as an array
 * (maybe empty), a single one only when present. vals is an array of the
 * values found (multi) or holds at most one. Takes the reference to vals.
 */
static xa_err
put(json_t *obj, const field *f, json_t *vals)
{
	json_t *v = vals;
	xa_err e = XA_OK;

	if ((f->flags & F_REQUIRED) && json_array_size(vals) == 0) {
		e = XA_EMISSING;
		goto done;
	}
	if (!(f->flags & F_MULTI)) {
		if (json_array_size(vals) == 0)
			goto done;
		v = json_incref(json_array_get(vals, 0));
	} else
		json_incref(v);
	if (json_object_set_new(obj, f->name, v) != 0)
		e = XA_ENOMEM;
done:
	json_decref(vals);
	return e;
}

/*
 * For each declared field: collects its values from p, refuses a repeat
 * of a single-valued field, trims, drops empty values, checks the rest.
 */
xa_err
input_from_params(const field *spec, const params *p, json_t **out,
    input_error *err)
{
	json_t *obj = json_object(), *vals = NULL;
	const field *f = spec;
	xa_err e = XA_OK;

	*out = NULL;
	fail(err, XA_OK, NULL);
	if (obj == NULL) {
		e = XA_ENOMEM;
		goto done;
	}
	for (; f->name != NULL; f++) {
		if (!(f->flags & F_MULTI) && params_count(p, f->name) > 1) {
			e = XA_EDUP;
			goto done;
		}
		vals = json_array();
		if (vals == NULL) {
			e = XA_ENOMEM;
			goto done;
		}
		for (size_t i = 0; i < p->n; i++) {
			const param *it = &p->items[i];
			if (strcmp(it->name, f->name) != 0)
				continue;
			const char *s = it->value;
			size_t n = it->value_len;
			json_t *jv;
			trim(&s, &n);
			if (n == 0)
				continue;
			e = check_text(f, s, n, &jv);
			if (e != XA_OK)
				goto done;
			if (json_array_append_new(vals, jv) != 0) {
				e = XA_ENOMEM;
				goto done;
			}
		}
		e = put(obj, f, vals);
		vals = NULL;
		if (e != XA_OK)
			goto done;
	}
	*out = obj;
	obj = NULL;
done:
	json_decref(vals);
	json_decref(obj);
	if (e != XA_OK)
		fail(err, e, f->name);
	return e;
}

/*
 * The same for a JSON object. A multi field takes an array or a single
 * value; a single field refuses an array. Duplicate keys cannot occur:
 * form_parse_json rejects them.
 */
xa_err
input_from_json(const field *spec, json_t *body, json_t **out,
    input_error *err)
{
	json_t *obj = NULL, *vals = NULL;
	const field *f = spec;
	xa_err e = XA_OK;

	*out = NULL;
	fail(err, XA_OK, NULL);
	if (!json_is_object(body)) {
		f = NULL;
		e = XA_EINVAL;
		goto done;
	}
	obj = json_object();
	if (obj == NULL) {
		e = XA_ENOMEM;
		goto done;
	}
	for (; f->name != NULL; f++) {
		json_t *v = json_object_get(body, f->name), *jv;
		vals = json_array();
		if (vals == NULL) {
			e = XA_ENOMEM;
			goto done;
		}
		if (v != NULL && json_is_array(v)) {
			if (!(f->flags & F_MULTI)) {
				e = XA_EINVAL;
				goto done;
			}
			size_t i;
			json_t *item;
			json_array_foreach(v, i, item) {
				if (json_is_array(item) || json_is_object(item)) {
					e = XA_EINVAL;
					goto done;
				}
				e = check_json(f, item, &jv);
				if (e != XA_OK)
					goto done;
				if (jv != NULL &&
				    json_array_append_new(vals, jv) != 0) {
					e = XA_ENOMEM;
					goto done;
				}
			}
		} else if (v != NULL) {
			e = check_json(f, v, &jv);
			if (e != XA_OK)
				goto done;
			if (jv != NULL && json_array_append_new(vals, jv) != 0) {
				e = XA_ENOMEM;
				goto done;
			}
		}
		e = put(obj, f, vals);
		vals = NULL;
		if (e != XA_OK)
			goto done;
	}
	*out = obj;
	obj = NULL;
done:
	json_decref(vals);
	json_decref(obj);
	if (e != XA_OK)
		fail(err, e, f != NULL ? f->name : NULL);
	return e;
}

const char *
input_str(json_t *in, const char *name)
{
	json_t *v = json_object_get(in, name);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int64_t
input_int(json_t *in, const char *name, int64_t def)
{
	json_t *v = json_object_get(in, name);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}
