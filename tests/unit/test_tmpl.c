/* test_tmpl.c: the template engine (src/http/tmpl.c) against its contract
 * in tmpl.h: escaping, raw values, sections and their truthiness, context
 * lookup, partials and the content page, the depth and output caps, every
 * parse error, catalog tags in both languages, and the real embedded
 * templates rendered with the model the server passes.
 *
 * It must never depend on a network, a clock or files outside the build. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/embed.h"
#include "core/i18n.h"
#include "http/tmpl.h"

#define MAX_FILES 48

/* A set built from name/text pairs; fails the test on a load error. */
static tmpl_set *
load_pairs(const char *const *pairs, size_t n)
{
	embedded_file files[MAX_FILES];
	char err[256];
	tmpl_set *set = NULL;
	assert_true(n <= MAX_FILES);
	for (size_t i = 0; i < n; i++) {
		files[i].name = pairs[2 * i];
		files[i].data = (const unsigned char *)pairs[2 * i + 1];
		files[i].len = strlen(pairs[2 * i + 1]);
	}
	xa_err e = tmpl_set_load(files, n, &set, err, sizeof err);
	if (e != XA_OK)
		fail_msg("load failed: %s", err);
	assert_non_null(set);
	return set;
}

/* Loads one template "t.html" with text. */
static tmpl_set *
load1(const char *text)
{
	const char *pairs[] = { "t.html", text };
	return load_pairs(pairs, 1);
}

/* The error message of loading pairs, which must fail with XA_EINVAL. */
static void
load_error(const char *const *pairs, size_t n, char *err, size_t errlen)
{
	embedded_file files[MAX_FILES];
	tmpl_set *set = NULL;
	for (size_t i = 0; i < n; i++) {
		files[i].name = pairs[2 * i];
		files[i].data = (const unsigned char *)pairs[2 * i + 1];
		files[i].len = strlen(pairs[2 * i + 1]);
	}
	assert_int_equal(tmpl_set_load(files, n, &set, err, errlen), XA_EINVAL);
	assert_null(set);
}

static json_t *
parse_json(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (j == NULL)
		fail_msg("bad test JSON: %s: %s", je.text, text);
	return j;
}

/* Renders name (page, lang) over model JSON text and compares. */
static void
expect_render(const tmpl_set *set, const char *name, const char *page,
    const char *model, const char *lang, const char *want)
{
	json_t *m = model ? parse_json(model) : NULL;
	buf out;
	buf_init(&out, 1 << 20);
	assert_int_equal(tmpl_render(set, name, page, m, lang, &out), XA_OK);
	assert_non_null(out.data);
	assert_string_equal(out.data, want);
	assert_int_equal(out.len, strlen(want));
	buf_free(&out);
	json_decref(m);
}

/* One template, rendered in Chinese. */
static void
check1(const char *text, const char *model, const char *want)
{
	tmpl_set *set = load1(text);
	expect_render(set, "t", NULL, model, "zh", want);
	tmpl_set_free(set);
}

static void
test_escape_each_char(void **state)
{
	static const char *const cases[][2] = {
		{ "&", "&amp;" }, { "<", "&lt;" }, { ">", "&gt;" },
		{ "\"", "&quot;" }, { "'", "&#39;" }, { "`", "&#96;" },
		{ "=", "&#61;" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		buf b;
		buf_init(&b, 64);
		assert_int_equal(html_escape(&b, cases[i][0], 1), XA_OK);
		assert_string_equal(b.data, cases[i][1]);
		buf_free(&b);

		json_t *m = json_pack("{s:s}", "x", cases[i][0]);
		char want[32];
		snprintf(want, sizeof want, "[%s]", cases[i][1]);
		tmpl_set *set = load1("[{{x}}]");
		buf_init(&b, 64);
		assert_int_equal(tmpl_render(set, "t", NULL, m, "zh", &b), XA_OK);
		assert_string_equal(b.data, want);
		buf_free(&b);
		tmpl_set_free(set);
		json_decref(m);
	}
	check1("{{x}}", "{\"x\":\"<a href=\\\"x\\\" onclick='y'>&`=</a>\"}",
	    "&lt;a href&#61;&quot;x&quot; onclick&#61;&#39;y&#39;&gt;"
	    "&amp;&#96;&#61;&lt;/a&gt;");
}

static void
test_escape_plain_and_nul(void **state)
{
	buf b;
	(void)state;
	buf_init(&b, 256);
	assert_int_equal(html_escape(&b, "abc 校安 123", strlen("abc 校安 123")),
	    XA_OK);
	assert_string_equal(b.data, "abc 校安 123");
	buf_reset(&b);
	assert_int_equal(html_escape(&b, "a\0b", 3), XA_OK);
	assert_string_equal(b.data, "a&#65533;b");
	buf_free(&b);
	/* A NUL inside a JSON string is escaped too, not a truncation. */
	check1("{{x}}", "{\"x\":\"a\\u0000<\"}", "a&#65533;&lt;");
}

static void
test_escape_cap_leaves_buffer(void **state)
{
	buf b;
	(void)state;
	buf_init(&b, 10);
	assert_int_equal(buf_puts(&b, "ok"), XA_OK);
	assert_int_equal(html_escape(&b, "<<<", 3), XA_ETOOBIG);
	assert_string_equal(b.data, "ok");
	assert_int_equal(b.len, 2);
	buf_free(&b);
}

static void
test_raw(void **state)
{
	(void)state;
	check1("{{{x}}}|{{x}}", "{\"x\":\"<b>&'\"}", "<b>&'|&lt;b&gt;&amp;&#39;");
	check1("{{{ x }}}", "{\"x\":\"<i>\"}", "<i>");
	check1("{{{.}}}", "\"<p>\"", "<p>");
}

static void
test_scalars(void **state)
{
	(void)state;
	check1("{{i}},{{n}},{{r}},{{t}},{{f}},[{{z}}],[{{o}}],[{{a}}],[{{m}}]",
	    "{\"i\":42,\"n\":-7,\"r\":2.5,\"t\":true,\"f\":false,\"z\":null,"
	    "\"o\":{\"k\":1},\"a\":[1,2]}",
	    "42,-7,2.5,true,false,[],[],[],[]");
	check1("{{r}}", "{\"r\":0.1}", "0.1");
	check1("{{{i}}}", "{\"i\":9007199254740993}", "9007199254740993");
}

static void
test_section_array(void **state)
{
	(void)state;
	check1("{{#list}}<{{name}}>{{/list}}",
	    "{\"list\":[{\"name\":\"a\"},{\"name\":\"b&c\"}]}",
	    "<a><b&amp;c>");
	check1("{{#list}}{{.}},{{/list}}", "{\"list\":[\"x\",1,true]}",
	    "x,1,true,");
	check1("[{{#list}}x{{/list}}]", "{\"list\":[]}", "[]");
}

static void
test_section_object(void **state)
{
	(void)state;
	check1("{{#user}}{{name}} ({{role}}){{/user}}",
	    "{\"user\":{\"name\":\"王老师\",\"role\":\"teacher\"}}",
	    "王老师 (teacher)");
	/* An empty object is an object: rendered once. */
	check1("[{{#o}}x{{/o}}]", "{\"o\":{}}", "[x]");
}

static void
test_section_truthiness(void **state)
{
	static const char *const falsy[] = {
		"false", "null", "\"\"", "0", "0.0", "[]",
	};
	static const char *const truthy[] = {
		"true", "\"x\"", "1", "-1", "0.5", "[0]", "{}",
	};
	char model[64];
	(void)state;
	for (size_t i = 0; i < sizeof falsy / sizeof falsy[0]; i++) {
		snprintf(model, sizeof model, "{\"v\":%s}", falsy[i]);
		check1("[{{#v}}yes{{/v}}{{^v}}no{{/v}}]", model, "[no]");
	}
	for (size_t i = 0; i < sizeof truthy / sizeof truthy[0]; i++) {
		snprintf(model, sizeof model, "{\"v\":%s}", truthy[i]);
		check1("[{{#v}}yes{{/v}}{{^v}}no{{/v}}]", model, "[yes]");
	}
	/* Missing: the section is skipped, the inverted one rendered. */
	check1("[{{#v}}yes{{/v}}{{^v}}no{{/v}}]", "{}", "[no]");
	check1("[{{#v}}yes{{/v}}{{^v}}no{{/v}}]", NULL, "[no]");
	/* A scalar section pushes the value itself. */
	check1("{{#v}}<{{.}}>{{/v}}", "{\"v\":\"hi\"}", "<hi>");
}

static void
test_nested_lookup(void **state)
{
	(void)state;
	/* Names not in the item are found further up the stack. */
	check1("{{#list}}{{name}}@{{school}};{{/list}}",
	    "{\"school\":\"一中\",\"list\":[{\"name\":\"a\"},"
	    "{\"name\":\"b\",\"school\":\"二中\"}]}",
	    "a@一中;b@二中;");
	check1("{{a.b.c}}|{{a.b}}|{{a.x.c}}",
	    "{\"a\":{\"b\":{\"c\":\"deep\"}}}", "deep||");
	/* A dotted name that starts in an inner context does not fall back
	 * to the outer one for its later parts. */
	check1("{{#in}}[{{a.b}}]{{/in}}",
	    "{\"a\":{\"b\":\"outer\"},\"in\":{\"a\":{\"c\":1}}}", "[]");
	check1("{{#in}}[{{a.b}}]{{/in}}",
	    "{\"a\":{\"b\":\"outer\"},\"in\":{\"x\":1}}", "[outer]");
	/* Lookups through scalars give nothing. */
	check1("[{{s.x}}]", "{\"s\":\"str\"}", "[]");
	/* {{.}} at the root. */
	check1("{{.}}", "\"root<\"", "root&lt;");
	/* Array items by index, and the "not empty" idiom. */
	check1("{{l.1.n}}|{{l.9.n}}|{{l.x}}|{{#l.0}}some{{/l.0}}",
	    "{\"l\":[{\"n\":\"a\"},{\"n\":\"b\"}]}", "b|||some");
	check1("[{{#l.0}}some{{/l.0}}]", "{\"l\":[]}", "[]");
	/* Spaces inside tags are allowed. */
	check1("{{ a }}{{# s }}{{ b }}{{/ s }}", "{\"a\":1,\"s\":{\"b\":2}}",
	    "12");
}

static void
test_standalone_lines(void **state)
{
	(void)state;
	check1("a\n{{#x}}\nb\n{{/x}}\nc\n", "{\"x\":true}", "a\nb\nc\n");
	check1("a\n  {{^x}}  \nb\n  {{/x}}\nc", "{\"x\":true}", "a\nc");
	check1("a\n{{! note }}\nb", NULL, "a\nb");
	/* Standalone tags on consecutive lines, from the very first line. */
	check1("{{#x}}\n{{#y}}\nb\n{{/y}}\n{{/x}}\n",
	    "{\"x\":1,\"y\":1}", "b\n");
	/* Not alone on its line: nothing is removed around it. */
	check1("a {{#x}}b{{/x}} c\n", "{\"x\":1}", "a b c\n");
	check1("a\n{{x}}\nb", "{\"x\":\"v\"}", "a\nv\nb");
	check1("a\r\n{{#x}}\r\nb\r\n{{/x}}\r\n", "{\"x\":1}", "a\r\nb\r\n");
}

static void
test_comments(void **state)
{
	(void)state;
	check1("a{{! hidden <b> }}b", NULL, "ab");
	check1("a{{!\nmany\nlines\n}}b", NULL, "ab");
	check1("{{!}}x", NULL, "x");
}

static void
test_partials(void **state)
{
	const char *pairs[] = {
		"page.html", "<ul>{{#items}}{{>item}}{{/items}}</ul>",
		"item.html", "<li>{{name}} {{>badge}}</li>",
		"badge.html", "[{{tag}}]",
	};
	(void)state;
	tmpl_set *set = load_pairs(pairs, 3);
	assert_true(tmpl_exists(set, "page"));
	assert_true(tmpl_exists(set, "badge"));
	assert_false(tmpl_exists(set, "page.html"));
	assert_false(tmpl_exists(set, "nope"));
	assert_false(tmpl_exists(set, NULL));
	expect_render(set, "page", NULL,
	    "{\"tag\":\"new\",\"items\":[{\"name\":\"a\"},"
	    "{\"name\":\"b\",\"tag\":\"<old>\"}]}", "zh",
	    "<ul><li>a [new]</li><li>b [&lt;old&gt;]</li></ul>");
	tmpl_set_free(set);
}

static void
test_content_page(void **state)
{
	const char *pairs[] = {
		"layout.html", "<main>{{>content}}</main><p>{{site.x}}</p>",
		"home.html", "<h1>{{title}}</h1>",
		"other.html", "<h1>other {{site.x}}</h1>",
	};
	(void)state;
	tmpl_set *set = load_pairs(pairs, 3);
	const char *m = "{\"title\":\"首页\",\"site\":{\"x\":\"s\"}}";
	expect_render(set, "layout", "home", m, "zh",
	    "<main><h1>首页</h1></main><p>s</p>");
	expect_render(set, "layout", "other", m, "zh",
	    "<main><h1>other s</h1></main><p>s</p>");
	/* No page: {{>content}} renders nothing. */
	expect_render(set, "layout", NULL, m, "zh", "<main></main><p>s</p>");
	expect_render(set, "home", NULL, m, "zh", "<h1>首页</h1>");

	buf out;
	buf_init(&out, 1024);
	assert_int_equal(tmpl_render(set, "layout", "missing", NULL, "zh", &out),
	    XA_ENOTFOUND);
	assert_int_equal(tmpl_render(set, "missing", NULL, NULL, "zh", &out),
	    XA_ENOTFOUND);
	assert_int_equal(tmpl_render(set, "layout.html", NULL, NULL, "zh",
	    &out), XA_ENOTFOUND);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	tmpl_set_free(set);
}

/* A chain c00 -> c01 -> ... -> cNN of partials, rendered from c00. */
static xa_err
render_chain(int n, buf *out)
{
	static char names[MAX_FILES][24], texts[MAX_FILES][32];
	const char *pairs[2 * MAX_FILES];
	for (int i = 0; i <= n; i++) {
		snprintf(names[i], sizeof names[i], "c%02d.html", i);
		if (i < n)
			snprintf(texts[i], sizeof texts[i], "%d{{>c%02d}}", i,
			    i + 1);
		else
			snprintf(texts[i], sizeof texts[i], "end");
		pairs[2 * i] = names[i];
		pairs[2 * i + 1] = texts[i];
	}
	tmpl_set *set = load_pairs(pairs, (size_t)n + 1);
	xa_err e = tmpl_render(set, "c00", NULL, NULL, "zh", out);
	tmpl_set_free(set);
	return e;
}

static void
test_depth_cap(void **state)
{
	buf out;
	(void)state;
	buf_init(&out, 1 << 16);
	/* 32 nested partials are allowed... */
	assert_int_equal(render_chain(32, &out), XA_OK);
	assert_non_null(strstr(out.data, "31end"));
	buf_reset(&out);
	/* ...the 33rd is not, and the output is left as it was. */
	assert_int_equal(buf_puts(&out, "keep"), XA_OK);
	assert_int_equal(render_chain(33, &out), XA_EDEPTH);
	assert_string_equal(out.data, "keep");
	buf_free(&out);

	/* A template that includes itself stops at the cap too. */
	tmpl_set *set = load1("x{{>t}}");
	buf_init(&out, 1 << 16);
	assert_int_equal(tmpl_render(set, "t", NULL, NULL, "zh", &out),
	    XA_EDEPTH);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	tmpl_set_free(set);

	/* So does a page that holds {{>content}} itself. */
	const char *pairs[] = {
		"l.html", "{{>content}}", "p.html", "p{{>content}}",
	};
	set = load_pairs(pairs, 2);
	buf_init(&out, 1 << 16);
	assert_int_equal(tmpl_render(set, "l", "p", NULL, "zh", &out),
	    XA_EDEPTH);
	buf_free(&out);
	tmpl_set_free(set);
}

static void
test_output_cap(void **state)
{
	buf out;
	(void)state;
	tmpl_set *set = load1("<p>{{#l}}{{.}}{{/l}}</p>");
	json_t *m = parse_json("{\"l\":[\"aaaa\",\"<<\",\"bbbb\"]}");
	/* "<p>aaaa&lt;&lt;bbbb</p>" is 23 bytes. */
	buf_init(&out, 23);
	assert_int_equal(tmpl_render(set, "t", NULL, m, "zh", &out), XA_OK);
	assert_string_equal(out.data, "<p>aaaa&lt;&lt;bbbb</p>");
	buf_free(&out);
	for (size_t max = 0; max < 23; max++) {
		buf_init(&out, max);
		assert_int_equal(tmpl_render(set, "t", NULL, m, "zh", &out),
		    XA_ETOOBIG);
		assert_int_equal(out.len, 0);
		buf_free(&out);
	}
	/* What was in the buffer before a failed render stays. */
	buf_init(&out, 27);
	assert_int_equal(buf_puts(&out, "head|"), XA_OK);
	assert_int_equal(tmpl_render(set, "t", NULL, m, "zh", &out),
	    XA_ETOOBIG);
	assert_string_equal(out.data, "head|");
	buf_free(&out);
	json_decref(m);
	tmpl_set_free(set);
}

/* Twenty nested sections over a three-item list render nothing but
 * would visit 3^20 nodes: the step budget stops it, at once. */
static void
test_step_budget(void **state)
{
	char text[512];
	size_t n = 0;
	(void)state;
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "{{#items}}");
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "{{/items}}");
	tmpl_set *set = load1(text);
	json_t *m = parse_json("{\"items\":[1,2,3]}");
	buf out;
	buf_init(&out, 1 << 20);
	assert_int_equal(tmpl_render(set, "t", NULL, m, "zh", &out), XA_ETOOBIG);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	/* Five levels (3^5 visits) are fine. */
	tmpl_set *five = load1("{{#items}}{{#items}}{{#items}}{{#items}}{{#items}}x"
	    "{{/items}}{{/items}}{{/items}}{{/items}}{{/items}}");
	buf_init(&out, 1 << 20);
	assert_int_equal(tmpl_render(five, "t", NULL, m, "zh", &out), XA_OK);
	assert_int_equal(out.len, 243);
	buf_free(&out);
	json_decref(m);
	tmpl_set_free(set);
	tmpl_set_free(five);
}

/* Loads t.html with text; the error must be exactly want. */
static void
expect_parse_error(const char *text, const char *want)
{
	const char *pairs[] = { "ok.html", "fine", "t.html", text };
	char err[256];
	memset(err, 'x', sizeof err);
	load_error(pairs, 2, err, sizeof err);
	assert_string_equal(err, want);
}

static void
test_parse_errors(void **state)
{
	(void)state;
	expect_parse_error("a\n{{#s}}\nb",
	    "t.html:2: unclosed section '{{#s}}'");
	expect_parse_error("{{#a}}{{^b}}{{/b}}",
	    "t.html:1: unclosed section '{{#a}}'");
	expect_parse_error("{{#a}}\n{{#b}}\n{{/a}}{{/b}}",
	    "t.html:3: mismatched close '{{/a}}' for '{{#b}}' opened on "
	    "line 2");
	expect_parse_error("{{#a.b}}{{/a}}",
	    "t.html:1: mismatched close '{{/a}}' for '{{#a.b}}' opened on "
	    "line 1");
	expect_parse_error("x\n\n{{/a}}", "t.html:3: '{{/a}}' closes no open "
	    "section");
	expect_parse_error("a\nb\nc {{name", "t.html:3: unterminated tag");
	expect_parse_error("{{a {{b}}", "t.html:1: unterminated tag");
	expect_parse_error("\n{{{raw}}", "t.html:2: unterminated tag");
	expect_parse_error("{{! never closed", "t.html:1: unterminated tag");
	expect_parse_error("a\n{{>nope}}", "t.html:2: unknown partial "
	    "'{{>nope}}'");
	expect_parse_error("{{}}", "t.html:1: empty tag");
	expect_parse_error("{{# }}", "t.html:1: empty tag");
	expect_parse_error("{{a b}}", "t.html:1: bad name in tag 'a b'");
	expect_parse_error("{{a..b}}", "t.html:1: bad name in tag 'a..b'");
	expect_parse_error("{{.a}}", "t.html:1: bad name in tag '.a'");
	expect_parse_error("{{a.}}", "t.html:1: bad name in tag 'a.'");
	expect_parse_error("{{=<% %>=}}", "t.html:1: bad name in tag "
	    "'=<% %>='");
	expect_parse_error("{{&x}}", "t.html:1: bad name in tag '&x'");
	expect_parse_error("{{#.}}{{/.}}",
	    "t.html:1: '.' cannot be used in this tag");
	expect_parse_error("{{>.}}", "t.html:1: '.' cannot be used in this "
	    "tag");
	/* Lines are counted through comments and multi-line tags. */
	expect_parse_error("{{!\n\n}}\n{{#a}}", "t.html:4: unclosed section "
	    "'{{#a}}'");

	char deep[64 * 6 + 80];
	size_t n = 0;
	for (int i = 0; i < 65; i++)
		n += (size_t)snprintf(deep + n, sizeof deep - n, "{{#a}}");
	expect_parse_error(deep, "t.html:1: sections nested more than 64 "
	    "deep");

	/* Two files with the same name once ".html" is dropped. */
	const char *dup[] = { "x.html", "a", "x", "b" };
	char err[128];
	load_error(dup, 2, err, sizeof err);
	assert_non_null(strstr(err, "two templates called 'x'"));

	/* The message is cut to the buffer, never overflowing it. */
	const char *pairs[] = { "t.html", "{{#unclosed_section_name}}" };
	char small[12];
	memset(small, 'x', sizeof small);
	load_error(pairs, 1, small, sizeof small);
	assert_string_equal(small, "t.html:1: u");

	/* {{>content}} needs no template called content. */
	tmpl_set *set = load1("{{>content}}");
	tmpl_set_free(set);
}

static void
test_i18n_tags(void **state)
{
	(void)state;
	tmpl_set *set = load1("{{@app.name}}|{{@no.such.key}}|{{%k}}|{{%n}}");
	const char *m = "{\"k\":\"error.not_found.title\",\"n\":5}";
	char want[512];
	snprintf(want, sizeof want, "校安|no.such.key|%s|",
	    i18n("zh", "error.not_found.title"));
	expect_render(set, "t", NULL, m, "zh", want);
	/* English: the apostrophe in "Xiao'an" is escaped. */
	snprintf(want, sizeof want, "Xiao&#39;an|no.such.key|%s|",
	    i18n("en", "error.not_found.title"));
	assert_string_equal(i18n("en", "app.name"), "Xiao'an");
	expect_render(set, "t", NULL, m, "en", want);
	/* Anything but "en" is Chinese. */
	snprintf(want, sizeof want, "校安|no.such.key|%s|",
	    i18n("zh", "error.not_found.title"));
	expect_render(set, "t", NULL, m, NULL, want);
	expect_render(set, "t", NULL, m, "fr", want);
	tmpl_set_free(set);
	assert_string_not_equal(i18n("zh", "error.not_found.title"),
	    i18n("en", "error.not_found.title"));
}

static void
test_chinese_text(void **state)
{
	(void)state;
	check1("<h1>欺凌防治：{{name}}</h1>{{#l}}「{{.}}」{{/l}}",
	    "{\"name\":\"新郑市第一中学<一>\",\"l\":[\"班主任\",\"法治副校长\"]}",
	    "<h1>欺凌防治：新郑市第一中学&lt;一&gt;</h1>「班主任」「法治副校长」");
}

/* The model the server passes to every page. */
static json_t *
site_model(const char *lang, const char *extra)
{
	int en = strcmp(lang, "en") == 0;
	json_t *m = json_pack("{s:{s:s,s:s,s:s,s:s,s:s,s:s,s:{s:s},s:s,s:n},"
	    "s:{s:s}}",
	    "site", "lang", lang, "html_lang", en ? "en" : "zh-CN",
	    "other_lang", en ? "zh" : "en",
	    "other_lang_label", en ? "中文" : "English", "path", "/",
	    "hotline", "62666010", "bureau", "name", "新郑市教育体育局",
	    "youth_hotline", "12355", "user",
	    "page", "title_key", "home.title");
	assert_non_null(m);
	if (extra != NULL) {
		json_t *x = parse_json(extra);
		assert_int_equal(json_object_update(m, x), 0);
		json_decref(x);
	}
	return m;
}

static char *
render_page(const tmpl_set *set, const char *page, json_t *m,
    const char *lang)
{
	buf out;
	buf_init(&out, 1 << 20);
	assert_int_equal(tmpl_render(set, "layout", page, m, lang, &out), XA_OK);
	return buf_steal(&out, NULL);
}

/* Checks what every page must hold and must never hold. */
static void
check_page_rules(const char *html, const char *lang)
{
	int en = strcmp(lang, "en") == 0;
	assert_int_equal(strncmp(html, "<!doctype html>", 15), 0);
	assert_non_null(strstr(html, en ? "<html lang=\"en\">" :
	    "<html lang=\"zh-CN\">"));
	assert_non_null(strstr(html, "<meta charset=\"utf-8\">"));
	assert_non_null(strstr(html, "name=\"viewport\""));
	assert_non_null(strstr(html, "href=\"/static/xiaoan.css\""));
	assert_non_null(strstr(html, "href=\"/static/favicon.svg\""));
	assert_non_null(strstr(html, "<main"));
	assert_non_null(strstr(html, "<header"));
	assert_non_null(strstr(html, "<footer"));
	assert_non_null(strstr(html, "href=\"tel:62666010\""));
	assert_non_null(strstr(html, "href=\"tel:12355\""));
	assert_non_null(strstr(html, "href=\"tel:110\""));
	assert_non_null(strstr(html, en ? "href=\"?lang=zh\"" :
	    "href=\"?lang=en\""));
	assert_non_null(strstr(html, i18n(lang, "app.subtitle")));
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "style="));
	assert_null(strstr(html, "<style"));
	assert_null(strstr(html, "http://"));
	assert_null(strstr(html, "https://"));
	assert_null(strstr(html, "{{"));
	/* A string from the other language would mean a missing key. */
	assert_null(strstr(html, en ? "欺凌防治平台" : "Xiao'an"));
}

static void
test_embedded_home(void **state)
{
	char err[256];
	tmpl_set *set = NULL;
	(void)state;
	assert_int_equal(tmpl_set_load(embedded_templates,
	    embedded_templates_count, &set, err, sizeof err), XA_OK);
	assert_true(tmpl_exists(set, "layout"));
	assert_true(tmpl_exists(set, "home"));
	assert_true(tmpl_exists(set, "error"));

	for (int l = 0; l < 2; l++) {
		const char *lang = l ? "en" : "zh";
		json_t *m = site_model(lang, NULL);
		char *html = render_page(set, "home", m, lang);
		check_page_rules(html, lang);
		char title[256];
		snprintf(title, sizeof title, "<title>%s - %s</title>",
		    i18n(lang, "home.title"), l ? "Xiao&#39;an" : "校安");
		assert_non_null(strstr(html, title));
		assert_non_null(strstr(html, l ? "Being bullied? Tell us." :
		    "遇到欺凌，请告诉我们"));
		/* No links in the model: no list, no empty nav. */
		assert_null(strstr(html, "class=\"links\""));
		free(html);
		json_decref(m);

		m = site_model(lang, "{\"links\":[{\"href\":\"/a?x=1\","
		    "\"label_key\":\"error.home_link\"},{\"href\":\"/b\","
		    "\"label_key\":\"home.title\"}]}");
		html = render_page(set, "home", m, lang);
		assert_non_null(strstr(html, "class=\"links\""));
		char link[256];
		snprintf(link, sizeof link, "<a href=\"/a?x&#61;1\">%s</a>",
		    i18n(lang, "error.home_link"));
		assert_non_null(strstr(html, link));
		snprintf(link, sizeof link, "<a href=\"/b\">%s</a>",
		    i18n(lang, "home.title"));
		assert_non_null(strstr(html, link));
		free(html);
		json_decref(m);
	}

	/* Assets under the versioned base when the model gives one. */
	json_t *m = site_model("zh", NULL);
	json_object_set_new(json_object_get(m, "site"), "static",
	    json_string("/static/0123abcd"));
	char *html = render_page(set, "home", m, "zh");
	assert_non_null(strstr(html,
	    "href=\"/static/0123abcd/xiaoan.css\""));
	assert_non_null(strstr(html,
	    "href=\"/static/0123abcd/favicon.svg\""));
	assert_non_null(strstr(html, "src=\"/static/0123abcd/favicon.svg\""));
	assert_null(strstr(html, "\"/static/xiaoan.css"));
	free(html);
	json_decref(m);
	tmpl_set_free(set);
}

static void
test_embedded_error(void **state)
{
	char err[256];
	tmpl_set *set = NULL;
	(void)state;
	assert_int_equal(tmpl_set_load(embedded_templates,
	    embedded_templates_count, &set, err, sizeof err), XA_OK);
	for (int l = 0; l < 2; l++) {
		const char *lang = l ? "en" : "zh";
		char extra[512];
		snprintf(extra, sizeof extra, "{\"page\":{\"title_key\":"
		    "\"error.not_found.title\"},\"error\":{\"status\":404,"
		    "\"title_key\":\"error.not_found.title\",\"message\":"
		    "\"%s <x>\"}}", i18n(lang, "error.not_found"));
		json_t *m = site_model(lang, extra);
		char *html = render_page(set, "error", m, lang);
		check_page_rules(html, lang);
		assert_non_null(strstr(html, "404"));
		char want[512];
		snprintf(want, sizeof want, ">%s</h1>",
		    i18n(lang, "error.not_found.title"));
		assert_non_null(strstr(html, want));
		snprintf(want, sizeof want, "%s &lt;x&gt;",
		    i18n(lang, "error.not_found"));
		assert_non_null(strstr(html, want));
		snprintf(want, sizeof want, "<a class=\"button\" href=\"/\">%s</a>",
		    i18n(lang, "error.home_link"));
		assert_non_null(strstr(html, want));
		free(html);
		json_decref(m);

		/* Without a title key the page still has a heading. */
		m = site_model(lang, "{\"error\":{\"status\":500}}");
		html = render_page(set, "error", m, lang);
		snprintf(want, sizeof want, ">%s</h1>", i18n(lang, "error.title"));
		assert_non_null(strstr(html, want));
		assert_null(strstr(html, "error-message"));
		assert_non_null(strstr(html, "500"));
		free(html);
		json_decref(m);

		/* Without a status, no status line. */
		m = site_model(lang, "{\"error\":{\"message\":\"m\"}}");
		html = render_page(set, "error", m, lang);
		assert_null(strstr(html, "error-status"));
		assert_non_null(strstr(html, "<p class=\"error-message\">m</p>"));
		free(html);
		json_decref(m);
	}
	tmpl_set_free(set);
}

struct worker {
	const tmpl_set *set;
	const char *want;
	int ok;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	json_t *m = site_model("zh", NULL);
	w->ok = 1;
	for (int i = 0; i < 200 && w->ok; i++) {
		buf out;
		buf_init(&out, 1 << 20);
		if (tmpl_render(w->set, "layout", "home", m, "zh", &out) != XA_OK ||
		    strcmp(out.data, w->want) != 0)
			w->ok = 0;
		buf_free(&out);
	}
	json_decref(m);
	return NULL;
}

static void
test_threads(void **state)
{
	char err[256];
	tmpl_set *set = NULL;
	pthread_t th[4];
	struct worker w[4];
	(void)state;
	assert_int_equal(tmpl_set_load(embedded_templates,
	    embedded_templates_count, &set, err, sizeof err), XA_OK);
	json_t *m = site_model("zh", NULL);
	char *want = render_page(set, "home", m, "zh");
	json_decref(m);
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ set, want, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]),
		    0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_true(w[i].ok);
	}
	free(want);
	tmpl_set_free(set);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_each_char),
		cmocka_unit_test(test_escape_plain_and_nul),
		cmocka_unit_test(test_escape_cap_leaves_buffer),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_section_array),
		cmocka_unit_test(test_section_object),
		cmocka_unit_test(test_section_truthiness),
		cmocka_unit_test(test_nested_lookup),
		cmocka_unit_test(test_standalone_lines),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_partials),
		cmocka_unit_test(test_content_page),
		cmocka_unit_test(test_depth_cap),
		cmocka_unit_test(test_output_cap),
		cmocka_unit_test(test_step_budget),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_i18n_tags),
		cmocka_unit_test(test_chinese_text),
		cmocka_unit_test(test_embedded_home),
		cmocka_unit_test(test_embedded_error),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
