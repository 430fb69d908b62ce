/* fuzz_urlencoded.c: libFuzzer target for form_parse_urlencoded.
 *
 * The input is the query string or body itself. Each input is parsed twice,
 * with the default limits and with tiny ones (so the caps are reached),
 * and every promise of form.h is checked on the result. It must never
 * keep state between inputs and frees everything it allocates. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "http/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise is a crash, whatever NDEBUG says. */
#define CHECK(c) do { if (!(c)) abort(); } while (0)

/* Parses s with lim and checks the result: on success every name is
 * non-empty, within its cap, UTF-8 and NUL-free; every value too; on
 * failure nothing is returned. */
static void
run(const char *s, size_t n, const form_limits *lim)
{
	arena *a = arena_new(4096, 0);
	params p;

	if (a == NULL)
		return;
	xa_err e = form_parse_urlencoded(a, s, n, lim, &p);
	if (e != XA_OK) {
		CHECK(e == XA_EINVAL || e == XA_EUTF8 || e == XA_ETOOMANY ||
		    e == XA_ETOOBIG);
		CHECK(p.n == 0 && p.items == NULL);
		goto done;
	}
	CHECK(p.n <= lim->max_fields);
	for (size_t i = 0; i < p.n; i++) {
		const param *it = &p.items[i];
		size_t nl = strlen(it->name);
		CHECK(nl > 0 && nl <= lim->max_name_len);
		CHECK(utf8_valid(it->name, nl));
		CHECK(it->value_len <= lim->max_value_len);
		CHECK(strlen(it->value) == it->value_len);
		CHECK(utf8_valid(it->value, it->value_len));
		CHECK(params_get(&p, it->name) != NULL);
		CHECK(params_count(&p, it->name) >= 1);
	}
done:
	arena_free(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	form_limits lim;

	form_limits_default(&lim);
	run((const char *)data, size, &lim);
	lim.max_fields = 4;
	lim.max_name_len = 8;
	lim.max_value_len = 16;
	run((const char *)data, size, &lim);
	return 0;
}
