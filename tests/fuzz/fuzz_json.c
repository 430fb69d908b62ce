/* fuzz_json.c: libFuzzer target for form_parse_json.
 *
 * The input is the body. On success the value must be no deeper than the
 * limit and must survive a dump and a second parse unchanged; on failure
 * no value may be returned. It must never keep state between inputs and
 * releases every value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise is a crash, whatever NDEBUG says. */
#define CHECK(c) do { if (!(c)) abort(); } while (0)

/* The nesting of v (a scalar is 0). Recursion is bounded by the depth
 * limit the parser enforced. */
static size_t
depth(json_t *v)
{
	size_t d = 0, i;
	const char *k;
	json_t *x;

	if (json_is_array(v)) {
		json_array_foreach(v, i, x) {
			size_t c = depth(x);
			if (c > d)
				d = c;
		}
		return d + 1;
	}
	if (json_is_object(v)) {
		json_object_foreach(v, k, x) {
			size_t c = depth(x);
			if (c > d)
				d = c;
		}
		return d + 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	form_limits lim;
	json_t *v = (json_t *)&lim, *again = NULL;
	char *text = NULL;

	form_limits_default(&lim);
	lim.max_json_depth = 8;
	xa_err e = form_parse_json((const char *)data, size, &lim, &v);
	if (e != XA_OK) {
		CHECK(e == XA_EINVAL || e == XA_EUTF8 || e == XA_EDEPTH ||
		    e == XA_ENOMEM);
		CHECK(v == NULL);
		return 0;
	}
	CHECK(v != NULL);
	CHECK(depth(v) <= lim.max_json_depth);
	text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	if (text != NULL) {
		CHECK(form_parse_json(text, strlen(text), &lim, &again) ==
		    XA_OK);
		CHECK(json_equal(v, again));
	}
	json_decref(again);
	free(text);
	json_decref(v);
	return 0;
}
