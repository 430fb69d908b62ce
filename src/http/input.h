/* input.h: validation of input against a declared table, before any
 * handler runs (the kcgi habit).
 *
 * A route declares the fields it accepts for its query and its body. The
 * server checks what came (query string, urlencoded or multipart form, or a
 * JSON object) against that table and hands the handler a JSON object of
 * typed values: a handler never sees unvalidated data, and a browser form
 * and an API call reach the same handler with the same model. Fields not in
 * the table are ignored. */
#ifndef XA_INPUT_H
#define XA_INPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/err.h"
#include "form.h"

enum field_type {
	FT_STRING,	/* one line of text; min/max in code points */
	FT_TEXT,	/* text with newlines; min/max in code points */
	FT_INT,		/* a decimal integer; min/max are its bounds */
	FT_BOOL,	/* true/false, 1/0, on/off (a checkbox) */
	FT_ENUM,	/* one of choices */
	FT_DATE,	/* YYYY-MM-DD, a real calendar date */
	FT_MONTH,	/* YYYY-MM */
	FT_TOKEN,	/* [A-Za-z0-9_-], min/max in bytes (codes, slugs) */
};

#define F_REQUIRED 0x1u	/* must be present and non-empty */
#define F_MULTI 0x2u	/* may repeat; arrives as a JSON array */

typedef struct field {
	const char *name;
	enum field_type type;
	unsigned flags;
	long long min, max;		/* 0,0: no bound */
	const char *const *choices;	/* FT_ENUM: NULL-terminated */
} field;

/* A table ends with an entry whose name is NULL. */

typedef struct input_error {
	xa_err code;		/* XA_EMISSING, XA_EINVAL, XA_EDUP, XA_ETOOBIG */
	const char *field;	/* the offending field's name (static) */
} input_error;

/* Checks params against spec. On success *out is a new object (strings as
 * JSON strings, FT_INT as integers, FT_BOOL as booleans, F_MULTI fields as
 * arrays). A field given twice without F_MULTI is XA_EDUP. An empty value
 * counts as absent. On failure *out is NULL and err says which field. */
xa_err input_from_params(const field *spec, const params *p, json_t **out,
    input_error *err);

/* The same for a JSON body, which must be an object; numbers may be sent
 * as JSON integers or strings, booleans as JSON booleans. */
xa_err input_from_json(const field *spec, json_t *body, json_t **out,
    input_error *err);

/* Reading a validated object: the string (or NULL), the integer (or def). */
const char *input_str(json_t *in, const char *name);
int64_t input_int(json_t *in, const char *name, int64_t def);

#endif
