/* fuzz_multipart.c: libFuzzer target for form_parse_multipart.
 *
 * The first line of the input (up to '\n') is the Content-Type header, the
 * rest is the body. Limits are small so that every cap is reachable, and
 * every promise of form.h is checked on the result. It must never keep
 * state between inputs and frees everything it allocates. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "http/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise is a crash, whatever NDEBUG says. */
#define CHECK(c) do { if (!(c)) abort(); } while (0)

/* Checks a successful result against lim. */
static void
check(const multipart *mp, const form_limits *lim)
{
	CHECK(mp->fields.n + mp->nfiles <= lim->max_parts);
	CHECK(mp->fields.n <= lim->max_fields);
	for (size_t i = 0; i < mp->fields.n; i++) {
		const param *f = &mp->fields.items[i];
		size_t nl = strlen(f->name);
		CHECK(nl > 0 && nl <= lim->max_name_len);
		CHECK(utf8_valid(f->name, nl));
		CHECK(f->value_len <= lim->max_value_len);
		CHECK(strlen(f->value) == f->value_len);
		CHECK(utf8_valid(f->value, f->value_len));
	}
	for (size_t i = 0; i < mp->nfiles; i++) {
		const upload *u = &mp->files[i];
		size_t nl = strlen(u->field), fl = strlen(u->filename);
		CHECK(nl > 0 && nl <= lim->max_name_len);
		CHECK(utf8_valid(u->filename, fl));
		CHECK(utf8_no_controls(u->filename, fl, false));
		CHECK(memchr(u->filename, '/', fl) == NULL);
		CHECK(memchr(u->filename, '\\', fl) == NULL);
		CHECK(strcmp(u->filename, "..") != 0);
		CHECK(u->content_type != NULL && u->content_type[0] != '\0');
		CHECK(u->len <= lim->max_upload);
		CHECK(u->data != NULL);
		/* Touch every byte so ASan checks the bounds. */
		unsigned sum = 0;
		for (size_t k = 0; k < u->len; k++)
			sum += u->data[k];
		(void)sum;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *nl = memchr(s, '\n', size);
	size_t ctlen = nl != NULL ? (size_t)(nl - s) : size;
	size_t off = nl != NULL ? ctlen + 1 : size;
	char *ct = malloc(ctlen + 1);
	arena *a = arena_new(4096, 0);
	form_limits lim;
	multipart mp;

	if (ct == NULL || a == NULL)
		goto done;
	memcpy(ct, s, ctlen);
	ct[ctlen] = '\0';
	form_limits_default(&lim);
	lim.max_parts = 8;
	lim.max_fields = 6;
	lim.max_name_len = 32;
	lim.max_value_len = 256;
	lim.max_upload = 1024;
	xa_err e = form_parse_multipart(a, ct, s + off, size - off, &lim, &mp);
	if (e == XA_OK)
		check(&mp, &lim);
	else {
		CHECK(e == XA_EINVAL || e == XA_EUTF8 || e == XA_ETOOMANY ||
		    e == XA_ETOOBIG);
		CHECK(mp.fields.n == 0 && mp.fields.items == NULL);
		CHECK(mp.nfiles == 0 && mp.files == NULL);
	}
done:
	arena_free(a);
	free(ct);
	return 0;
}
