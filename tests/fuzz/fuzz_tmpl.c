/* fuzz_tmpl.c: libFuzzer target for the template engine (src/http/tmpl.c).
 *
 * The input is loaded as the one template of a set, named "t", and, if it
 * parses, rendered against a small fixed model holding every kind of JSON
 * value, in Chinese or English. The output must stay within its cap. It
 * must never keep state between inputs and frees everything it makes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/embed.h"
#include "http/tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise is a crash, whatever NDEBUG says. */
#define CHECK(c) do { if (!(c)) abort(); } while (0)

#define OUT_MAX (256 * 1024)

static const char model_text[] =
    "{\"title\":\"校安 <b>&\\\"'`=\",\"n\":42,\"x\":-1.5,\"yes\":true,"
    "\"no\":false,\"nil\":null,\"empty\":\"\",\"zero\":0,\"none\":[],"
    "\"items\":[{\"name\":\"一\",\"id\":1},{\"name\":\"<two>\",\"id\":2},"
    "\"plain\",3],\"page\":{\"title_key\":\"error.not_found\","
    "\"user\":{\"name\":\"张三\",\"roles\":[\"school\",\"bureau\"]}},"
    "\"key\":\"nav.home\"}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char errbuf[256];
	unsigned char *src = malloc(size + 1);
	tmpl_set *set = NULL;
	json_t *model = NULL;
	buf out;

	buf_init(&out, OUT_MAX);
	if (src == NULL)
		goto done;
	memcpy(src, data, size);
	src[size] = '\0';
	embedded_file f = { "t", src, size };
	if (tmpl_set_load(&f, 1, &set, errbuf, sizeof errbuf) != XA_OK) {
		CHECK(memchr(errbuf, '\0', sizeof errbuf) != NULL);
		goto done;
	}
	CHECK(tmpl_exists(set, "t"));
	model = json_loads(model_text, 0, NULL);
	CHECK(model != NULL);
	xa_err e = tmpl_render(set, "t", NULL, model, size % 2 ? "en" : "zh",
	    &out);
	CHECK(e == XA_OK || e == XA_ETOOBIG || e == XA_EDEPTH ||
	    e == XA_ENOMEM || e == XA_EINVAL);
	CHECK(out.len <= OUT_MAX);
	if (out.data != NULL)
		CHECK(out.data[out.len] == '\0');
done:
	json_decref(model);
	tmpl_set_free(set);
	buf_free(&out);
	free(src);
	return 0;
}
