/* test_i18n.c: the translation catalog (src/core/i18n.c) and the choice of
 * language, and the completeness of po/zh/ and po/en/: every key in
 * both, every key a template uses in both, every error code the server
 * uses with its heading and message.
 *
 * It must never depend on the environment's locale or on files outside
 * the build: it reads only the tables compiled into the binary. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/embed.h"
#include "core/i18n.h"

static void
test_lookup(void **state)
{
	(void)state;
	assert_string_equal(i18n("zh", "app.name"), "校安");
	assert_string_equal(i18n("en", "app.name"), "Xiao'an");
	assert_string_equal(i18n("zh", "app.subtitle"), "新郑市中小学生欺凌防治平台");
	assert_string_equal(i18n("zh", "error.body_too_large"),
	    "请求内容过大，请精简后重试。");
	assert_true(i18n_has("zh", "error.not_found"));
	assert_true(i18n_has("en", "error.not_found.title"));
	assert_false(i18n_has("zh", "no.such.key"));
	assert_false(i18n_has("en", "no.such.key"));
	assert_false(i18n_has("en", NULL));
	/* Near misses are misses: the search is exact. */
	assert_false(i18n_has("zh", "app.nam"));
	assert_false(i18n_has("zh", "app.name "));
	assert_false(i18n_has("zh", ""));
}

static void
test_fallbacks(void **state)
{
	static const char key[] = "no.such.key";
	(void)state;
	/* A missing key comes back as itself (the same string). */
	assert_ptr_equal(i18n("zh", key), key);
	assert_ptr_equal(i18n("en", key), key);
	assert_string_equal(i18n("zh", NULL), "");
	/* Anything but "en" is Chinese. */
	assert_string_equal(i18n(NULL, "app.name"), "校安");
	assert_string_equal(i18n("fr", "app.name"), "校安");
	assert_string_equal(i18n("EN", "app.name"), "校安");
	assert_string_equal(i18n("", "app.name"), "校安");
	assert_true(i18n_has(NULL, "app.name"));
}

static void
test_pick(void **state)
{
	static const char *const cases[][3] = {
		/* choice, Accept-Language, expected */
		{ NULL, NULL, "zh" },
		{ "zh", "en", "zh" },
		{ "en", "zh", "en" },
		{ "zh-CN", NULL, "zh" },
		{ "zh-TW", "en", "zh" },
		{ "zh_Hans", "en", "zh" },
		{ "en-US", NULL, "en" },
		{ "EN-gb", "zh", "en" },
		{ " en ", NULL, "en" },
		{ "fr", "en", "en" },
		{ "", "en", "en" },
		{ "english", NULL, "zh" },
		{ "zhx", "en", "en" },
		{ NULL, "", "zh" },
		{ NULL, "en-US,en;q=0.9,zh;q=0.8", "en" },
		{ NULL, "zh-CN,zh;q=0.9,en;q=0.8", "zh" },
		{ NULL, "fr, zh-TW;q=0.5", "zh" },
		{ NULL, "fr, en-GB;q=0.5, zh;q=0.4", "en" },
		{ NULL, "en;q=0", "zh" },
		{ NULL, "en;q=0, zh;q=0", "zh" },
		{ NULL, "en;q=0.000", "zh" },
		{ NULL, "zh;q=0.2, en;q=0.7", "en" },
		{ NULL, "zh;q=0.7, en;q=0.7", "zh" },
		{ NULL, "en;q=0.7, zh;q=0.7", "en" },
		{ NULL, "en; q=1.0", "en" },
		{ NULL, "en;Q=0.5", "en" },
		{ NULL, "de", "zh" },
		{ NULL, "de, *;q=0.1", "zh" },
		{ NULL, "*", "zh" },
		{ NULL, "en;q=0, *", "zh" },
		{ NULL, "zh;q=0, *", "en" },
		{ NULL, "*;q=0.5, en", "en" },
		{ NULL, "zh;q=0.1, *;q=0.5", "en" },
		{ NULL, "en;q=2", "zh" },
		{ NULL, "en;q=0.5x", "zh" },
		{ NULL, "en;q=", "zh" },
		{ NULL, "en;q=0.1234", "zh" },
		{ NULL, "en;level=1", "en" },
		{ NULL, "en;level=1;q=0", "zh" },
		{ NULL, ",,, ;;, en", "en" },
		{ NULL, "en-US;q=0.1, en;q=0.9, zh;q=0.5", "en" },
		{ NULL, "en;q=0.5, zh;q=0.5, en-US;q=0.5", "en" },
		{ NULL, "EN-us", "en" },
		{ NULL, "enx", "zh" },
		{ NULL, "e", "zh" },
		{ NULL, ";q=1", "zh" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = i18n_pick(cases[i][0], cases[i][1]);
		if (strcmp(got, cases[i][2]) != 0)
			fail_msg("pick(%s, %s) = %s, want %s",
			    cases[i][0] ? cases[i][0] : "NULL",
			    cases[i][1] ? cases[i][1] : "NULL", got,
			    cases[i][2]);
	}
	/* The answer is one of two static strings. */
	assert_ptr_equal(i18n_pick("en", NULL), i18n_pick(NULL, "en"));
	assert_ptr_equal(i18n_pick(NULL, NULL), i18n_pick("zh-CN", NULL));
}

static void
test_pick_long_header(void **state)
{
	char h[8192];
	size_t n = 0;
	(void)state;
	/* Many unknown languages, then English: read to the end, no limit. */
	while (n + 16 < sizeof h - 32)
		n += (size_t)snprintf(h + n, sizeof h - n, "x-%zu;q=0.9,", n);
	snprintf(h + n, sizeof h - n, "en;q=0.1");
	assert_string_equal(i18n_pick(NULL, h), "en");
}

/* Both tables sorted, unique, with text. */
static void
check_table(const catalog_entry *t, size_t n)
{
	assert_true(n > 0);
	assert_null(t[n].key);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(t[i].key);
		assert_non_null(t[i].text);
		assert_true(t[i].text[0] != '\0');
		if (i > 0)
			assert_true(strcmp(t[i - 1].key, t[i].key) < 0);
	}
}

static void
test_catalogs_complete(void **state)
{
	(void)state;
	check_table(catalog_zh, catalog_zh_count);
	check_table(catalog_en, catalog_en_count);
	for (size_t i = 0; i < catalog_zh_count; i++)
		if (!i18n_has("en", catalog_zh[i].key))
			fail_msg("po/en/ lacks %s", catalog_zh[i].key);
	for (size_t i = 0; i < catalog_en_count; i++)
		if (!i18n_has("zh", catalog_en[i].key))
			fail_msg("po/zh/ lacks %s", catalog_en[i].key);
	assert_int_equal(catalog_zh_count, catalog_en_count);
}

/* Whether s holds a character of the CJK Unified Ideographs block
 * (U+4E00..U+9FFF, UTF-8 lead bytes E4..E9). */
static int
has_han(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0xe4 && c <= 0xe9)
			return 1;
	}
	return 0;
}

static void
test_catalog_languages(void **state)
{
	(void)state;
	/* Chinese text is Chinese; English text has no Chinese in it. */
	for (size_t i = 0; i < catalog_zh_count; i++) {
		/* The language switch, and punctuation between list items. */
		size_t kl = strlen(catalog_zh[i].key);
		int punct = kl > 10 && strcmp(catalog_zh[i].key + kl - 10, ".separator") == 0;
		if (strcmp(catalog_zh[i].key, "nav.lang_switch_label") != 0 && !punct &&
		    !has_han(catalog_zh[i].text))
			fail_msg("zh %s is not Chinese: %s", catalog_zh[i].key,
			    catalog_zh[i].text);
	}
	for (size_t i = 0; i < catalog_en_count; i++)
		if (has_han(catalog_en[i].text))
			fail_msg("en %s holds Chinese: %s", catalog_en[i].key,
			    catalog_en[i].text);
}

static void
test_required_keys(void **state)
{
	static const char *const keys[] = {
		"app.name", "app.subtitle", "nav.lang_switch_label",
		"nav.skip", "footer.heading", "footer.office", "footer.youth",
		"footer.emergency", "home.title", "home.heading", "home.lead",
		"error.title", "error.home_link",
	};
	static const char *const codes[] = {
		"not_found", "method_not_allowed", "body_too_large",
		"bad_utf8", "duplicate_param", "missing_field",
		"invalid_field", "too_many_fields", "field_too_long",
		"too_deep", "bad_json", "bad_form", "unsupported_media_type",
		"internal", "unavailable", "too_many_connections",
		"too_many_requests", "forbidden", "unauthorized", "csrf",
		"timeout",
	};
	/* Words a frightened child or a parent should never be shown. */
	static const char *const jargon[] = {
		"JSON", "UTF", "HTTP", "CSRF", "token", "server", "request",
		"parameter", "field", "payload", "encoding", "error code",
		"服务器", "参数", "字段", "编码", "令牌", "异常",
	};
	char key[96];
	(void)state;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (!i18n_has("zh", keys[i]) || !i18n_has("en", keys[i]))
			fail_msg("missing %s", keys[i]);
	}
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		for (int title = 0; title < 2; title++) {
			snprintf(key, sizeof key, "error.%s%s", codes[i],
			    title ? ".title" : "");
			for (int l = 0; l < 2; l++) {
				const char *lang = l ? "en" : "zh";
				if (!i18n_has(lang, key))
					fail_msg("%s lacks %s", lang, key);
				const char *t = i18n(lang, key);
				for (size_t j = 0; j < sizeof jargon /
				    sizeof jargon[0]; j++)
					if (strstr(t, jargon[j]) != NULL)
						fail_msg("%s %s says '%s': %s",
						    lang, key, jargon[j], t);
			}
		}
	}
}

/* Fails unless every {{@key}} in every embedded template is in both
 * catalogs; returns how many tags it saw. */
static size_t
scan_template_keys(void)
{
	size_t seen = 0;
	for (size_t i = 0; i < embedded_templates_count; i++) {
		const char *s = (const char *)embedded_templates[i].data;
		const char *p = s;
		while ((p = strstr(p, "{{@")) != NULL) {
			const char *b = p + 3, *e = strstr(b, "}}");
			assert_non_null(e);
			while (b < e && *b == ' ')
				b++;
			while (e > b && e[-1] == ' ')
				e--;
			char key[128];
			assert_true((size_t)(e - b) < sizeof key);
			memcpy(key, b, (size_t)(e - b));
			key[e - b] = '\0';
			if (!i18n_has("zh", key) || !i18n_has("en", key))
				fail_msg("%s uses {{@%s}}, missing from a catalog",
				    embedded_templates[i].name, key);
			seen++;
			p = e;
		}
	}
	return seen;
}

static void
test_template_keys(void **state)
{
	(void)state;
	assert_true(embedded_templates_count >= 3);
	/* The layout and the home page use many; zero would mean the scan
	 * is broken. */
	assert_true(scan_template_keys() >= 20);
}


/* Vocabulary words and sentences with named slots. */
static void
test_name_and_fill(void **state)
{
	(void)state;
	assert_string_equal(i18n_name("zh", "tier", "serious"), "情节比较恶劣、造成明显伤害");
	assert_string_equal(i18n_name("en", "state", "closed"), "Closed");
	/* No such word: the name itself; no name: nothing. */
	assert_string_equal(i18n_name("zh", "tier", "made_up"), "made_up");
	assert_string_equal(i18n_name("zh", "tier", ""), "");
	assert_string_equal(i18n_name("zh", "tier", NULL), "");
	arena *a = arena_new(1024, 1 << 20);
	assert_non_null(a);
	assert_string_equal(i18n_fill(a, "zh", "case.step.go", "state", "调查中", NULL),
	    "进入「调查中」");
	/* Unnamed slots and unknown names stay as written; a NULL value is "". */
	assert_string_equal(i18n_fill(a, "zh", "case.step.go", "other", "x", NULL),
	    "进入「{state}」");
	assert_string_equal(i18n_fill(a, "zh", "case.step.go", "state", NULL, NULL), "进入「」");
	/* A value holding a slot's name is not filled again. */
	assert_string_equal(i18n_fill(a, "zh", "case.step.go", "state", "{state}", NULL),
	    "进入「{state}」");
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_name_and_fill),
		cmocka_unit_test(test_fallbacks),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_pick_long_header),
		cmocka_unit_test(test_catalogs_complete),
		cmocka_unit_test(test_catalog_languages),
		cmocka_unit_test(test_required_keys),
		cmocka_unit_test(test_template_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
