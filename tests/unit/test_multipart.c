/* test_multipart.c: the multipart/form-data parser (src/http/multipart.c).
 *
 * Bodies are written out byte for byte as browsers and curl send them,
 * then broken one way at a time: framing, headers, names, filenames,
 * caps. Must never depend on the network or a server. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/form.h"

#define CT "multipart/form-data; boundary=XyZ"

struct fx {
	arena *a;
	form_limits lim;
};

static int
setup(void **state)
{
	static struct fx fx;
	fx.a = arena_new(4096, 0);
	if (fx.a == NULL)
		return -1;
	form_limits_default(&fx.lim);
	*state = &fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	arena_free(fx->a);
	return 0;
}

static xa_err
parse_ct(struct fx *fx, const char *ct, const char *body, multipart *mp)
{
	return form_parse_multipart(fx->a, ct, body, strlen(body), &fx->lim,
	    mp);
}

static xa_err
parse(struct fx *fx, const char *body, multipart *mp)
{
	return parse_ct(fx, CT, body, mp);
}

/* Asserts that a failed parse left an empty result. */
static void
assert_empty(const multipart *mp)
{
	assert_int_equal(mp->fields.n, 0);
	assert_null(mp->fields.items);
	assert_null(mp->files);
	assert_int_equal(mp->nfiles, 0);
}

static void
test_fields_and_file(void **state)
{
	struct fx *fx = *state;
	multipart mp;
	const char *body =
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"title\"\r\n"
	    "\r\n"
	    "校园欺凌事件报告\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"note\"\r\n"
	    "\r\n"
	    "line one\r\nline two\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"photo\"; "
	    "filename=\"a.png\"\r\n"
	    "Content-Type: image/png\r\n"
	    "\r\n"
	    "\x89PNG\r\n\x1a\n\0\xff\r\n"
	    "--XyZ--\r\n";
	size_t n = strlen(body);
	/* strlen stops at the NUL inside the file: pass the real length. */
	n = 0;
	while (memcmp(body + n, "--XyZ--", 7) != 0)
		n++;
	n += 9;
	assert_int_equal(form_parse_multipart(fx->a, CT, body, n, &fx->lim,
	    &mp), XA_OK);
	assert_int_equal(mp.fields.n, 2);
	assert_string_equal(params_get(&mp.fields, "title"), "校园欺凌事件报告");
	assert_string_equal(params_get(&mp.fields, "note"),
	    "line one\r\nline two");
	assert_int_equal(mp.fields.items[1].value_len, 18);
	assert_int_equal(mp.nfiles, 1);
	assert_string_equal(mp.files[0].field, "photo");
	assert_string_equal(mp.files[0].filename, "a.png");
	assert_string_equal(mp.files[0].content_type, "image/png");
	assert_int_equal(mp.files[0].len, 10);
	assert_memory_equal(mp.files[0].data, "\x89PNG\r\n\x1a\n\0\xff", 10);
	/* The result is a copy, not a view of the body. */
	assert_true((const char *)mp.files[0].data < body ||
	    (const char *)mp.files[0].data >= body + n);
}

static void
test_preamble_epilogue_padding(void **state)
{
	struct fx *fx = *state;
	multipart mp;
	assert_int_equal(parse(fx,
	    "This is a preamble.\r\n"
	    "--XyZ  \t\r\n"
	    "content-disposition: FORM-DATA; NAME=a\r\n"
	    "X-Ignored: yes\r\n"
	    "\r\n"
	    "1\r\n"
	    "--XyZ--"
	    "epilogue, ignored\r\n--XyZ\r\ngarbage", &mp), XA_OK);
	assert_int_equal(mp.fields.n, 1);
	assert_string_equal(params_get(&mp.fields, "a"), "1");
}

static void
test_empty_values_and_parts(void **state)
{
	struct fx *fx = *state;
	multipart mp;
	/* An empty value; a part that ends right after its headers. */
	assert_int_equal(parse(fx,
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"e\"\r\n"
	    "\r\n"
	    "\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"f\"\r\n"
	    "\r\n"
	    "--XyZ--\r\n", &mp), XA_OK);
	assert_int_equal(mp.fields.n, 2);
	assert_string_equal(params_get(&mp.fields, "e"), "");
	assert_string_equal(params_get(&mp.fields, "f"), "");
	/* A body with no parts at all. */
	assert_int_equal(parse(fx, "--XyZ--\r\n", &mp), XA_OK);
	assert_int_equal(mp.fields.n, 0);
	assert_int_equal(mp.nfiles, 0);
	/* A file input left empty: filename="" and no content, dropped. */
	assert_int_equal(parse(fx,
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"up\"; filename=\"\"\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "\r\n"
	    "\r\n"
	    "--XyZ--\r\n", &mp), XA_OK);
	assert_int_equal(mp.nfiles, 0);
	assert_int_equal(mp.fields.n, 0);
	/* An empty file that has a name is kept. */
	assert_int_equal(parse(fx,
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"up\"; filename=\"x\"\r\n"
	    "\r\n"
	    "\r\n"
	    "--XyZ--\r\n", &mp), XA_OK);
	assert_int_equal(mp.nfiles, 1);
	assert_int_equal(mp.files[0].len, 0);
	assert_string_equal(mp.files[0].content_type,
	    "application/octet-stream");
}

static void
test_boundary_from_content_type(void **state)
{
	struct fx *fx = *state;
	multipart mp;
	const char *b1 = "--a'()+_,-./:=?b\r\n"
	    "Content-Disposition: form-data; name=x\r\n\r\nv\r\n"
	    "--a'()+_,-./:=?b--";
	assert_int_equal(parse_ct(fx,
	    "multipart/form-data; boundary=\"a'()+_,-./:=?b\"", b1, &mp),
	    XA_OK);
	assert_string_equal(params_get(&mp.fields, "x"), "v");
	const char *b2 = "--a b\r\n"
	    "Content-Disposition: form-data; name=x\r\n\r\nw\r\n--a b--";
	assert_int_equal(parse_ct(fx,
	    "Multipart/Form-Data ; charset=utf-8; BOUNDARY=\"a b\"", b2, &mp),
	    XA_OK);
	assert_string_equal(params_get(&mp.fields, "x"), "w");
	const char *b3 = "--XyZ\r\n"
	    "Content-Disposition: form-data; name=x\r\n\r\nz\r\n--XyZ--";
	assert_int_equal(parse_ct(fx, "multipart/form-data;boundary=XyZ;",
	    b3, &mp), XA_OK);
	assert_int_equal(parse_ct(fx, "multipart/form-data; boundary=\"X\\yZ\"",
	    b3, &mp), XA_OK);

	assert_int_equal(parse_ct(fx, NULL, b3, &mp), XA_EINVAL);
	assert_empty(&mp);
	assert_int_equal(parse_ct(fx, "text/plain; boundary=XyZ", b3, &mp),
	    XA_EINVAL);
	assert_int_equal(parse_ct(fx, "multipart/mixed; boundary=XyZ", b3,
	    &mp), XA_EINVAL);
	assert_int_equal(parse_ct(fx, "multipart/form-data", b3, &mp),
	    XA_EINVAL);
	assert_int_equal(parse_ct(fx, "multipart/form-data; boundary=", b3,
	    &mp), XA_EINVAL);
	assert_int_equal(parse_ct(fx, "multipart/form-data; boundary=\"\"", b3,
	    &mp), XA_EINVAL);
	assert_int_equal(parse_ct(fx, "multipart/form-data; boundary=\"XyZ",
	    b3, &mp), XA_EINVAL);
	assert_int_equal(parse_ct(fx, "multipart/form-data; boundary=\"a \"",
	    b3, &mp), XA_EINVAL);
	assert_int_equal(parse_ct(fx, "multipart/form-data; boundary=a<b",
	    b3, &mp), XA_EINVAL);
	assert_int_equal(parse_ct(fx,
	    "multipart/form-data; boundary=XyZ; boundary=XyZ", b3, &mp),
	    XA_EINVAL);
	assert_int_equal(parse_ct(fx, "multipart/form-data; XyZ", b3, &mp),
	    XA_EINVAL);
	assert_int_equal(parse_ct(fx, "multipart/form-data boundary=XyZ", b3,
	    &mp), XA_EINVAL);
}

static void
test_boundary_length(void **state)
{
	struct fx *fx = *state;
	multipart mp;
	char ct[160], body[320];
	char b[72];
	memset(b, 'b', 70);
	b[70] = '\0';
	assert_true(snprintf(ct, sizeof ct, "multipart/form-data; boundary=%s",
	    b) < (int)sizeof ct);
	assert_true(snprintf(body, sizeof body, "--%s\r\nContent-Disposition: "
	    "form-data; name=k\r\n\r\nv\r\n--%s--", b, b) < (int)sizeof body);
	assert_int_equal(parse_ct(fx, ct, body, &mp), XA_OK);
	assert_string_equal(params_get(&mp.fields, "k"), "v");
	b[70] = 'b';
	b[71] = '\0';
	assert_true(snprintf(ct, sizeof ct, "multipart/form-data; boundary=%s",
	    b) < (int)sizeof ct);
	assert_true(snprintf(body, sizeof body, "--%s\r\nContent-Disposition: "
	    "form-data; name=k\r\n\r\nv\r\n--%s--", b, b) < (int)sizeof body);
	assert_int_equal(parse_ct(fx, ct, body, &mp), XA_EINVAL);
}

static void
test_framing_errors(void **state)
{
	struct fx *fx = *state;
	multipart mp;
	const char *part = "Content-Disposition: form-data; name=a\r\n\r\nv";
	char body[256];

	/* Missing final boundary. */
	assert_int_equal(parse(fx, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=a\r\n\r\nv\r\n", &mp),
	    XA_EINVAL);
	assert_empty(&mp);
	assert_int_equal(parse(fx, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ", &mp),
	    XA_EINVAL);
	assert_int_equal(parse(fx, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ-", &mp),
	    XA_EINVAL);
	/* No boundary anywhere; empty body; only the opening. */
	assert_int_equal(parse(fx, "hello", &mp), XA_EINVAL);
	assert_int_equal(form_parse_multipart(fx->a, CT, NULL, 0, &fx->lim,
	    &mp), XA_EINVAL);
	assert_int_equal(parse(fx, "--XyZ", &mp), XA_EINVAL);
	assert_int_equal(parse(fx, "--XyZ\r\n", &mp), XA_EINVAL);
	/* A delimiter followed by junk, not CRLF or "--". */
	snprintf(body, sizeof body, "--XyZjunk\r\n%s\r\n--XyZ--", part);
	assert_int_equal(parse(fx, body, &mp), XA_EINVAL);
	snprintf(body, sizeof body, "--XyZ\r\n%s\r\n--XyZx\r\n%s\r\n--XyZ--",
	    part, part);
	assert_int_equal(parse(fx, body, &mp), XA_EINVAL);
	/* Bare LF instead of CRLF. */
	assert_int_equal(parse(fx, "--XyZ\n"
	    "Content-Disposition: form-data; name=a\n\nv\n--XyZ--", &mp),
	    XA_EINVAL);
	assert_int_equal(parse(fx, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=a\n\r\nv\r\n--XyZ--", &mp),
	    XA_EINVAL);
	/* The boundary must start a line: "x--XyZ" is not a delimiter, so
	 * all before the close delimiter is a preamble, and no part. */
	assert_int_equal(parse(fx, "x--XyZ\r\n"
	    "Content-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ--", &mp),
	    XA_OK);
	assert_int_equal(mp.fields.n, 0);
	assert_int_equal(mp.nfiles, 0);
}

static void
test_header_errors(void **state)
{
	struct fx *fx = *state;
	multipart mp;
	/* No Content-Disposition; no headers at all. */
	assert_int_equal(parse(fx, "--XyZ\r\nContent-Type: text/plain\r\n\r\n"
	    "v\r\n--XyZ--", &mp), XA_EINVAL);
	assert_int_equal(parse(fx, "--XyZ\r\n\r\nv\r\n--XyZ--", &mp),
	    XA_EINVAL);
	/* Not form-data; no name; an empty name; a name given twice. */
	assert_int_equal(parse(fx, "--XyZ\r\nContent-Disposition: attachment; "
	    "name=a\r\n\r\nv\r\n--XyZ--", &mp), XA_EINVAL);
	assert_int_equal(parse(fx, "--XyZ\r\nContent-Disposition: form-data"
	    "\r\n\r\nv\r\n--XyZ--", &mp), XA_EINVAL);
	assert_int_equal(parse(fx, "--XyZ\r\nContent-Disposition: form-data; "
	    "name=\"\"\r\n\r\nv\r\n--XyZ--", &mp), XA_EINVAL);
	assert_int_equal(parse(fx, "--XyZ\r\nContent-Disposition: form-data; "
	    "name=a; name=b\r\n\r\nv\r\n--XyZ--", &mp), XA_EINVAL);
	assert_int_equal(parse(fx, "--XyZ\r\nContent-Disposition: form-data; "
	    "name=a; filename=x; filename=y\r\n\r\nv\r\n--XyZ--", &mp),
	    XA_EINVAL);
	/* Unterminated quote; parameter without '='; empty token value. */
	assert_int_equal(parse(fx, "--XyZ\r\nContent-Disposition: form-data; "
	    "name=\"a\r\n\r\nv\r\n--XyZ--", &mp), XA_EINVAL);
	assert_int_equal(parse(fx, "--XyZ\r\nContent-Disposition: form-data; "
	    "name\r\n\r\nv\r\n--XyZ--", &mp), XA_EINVAL);
	assert_int_equal(parse(fx, "--XyZ\r\nContent-Disposition: form-data; "
	    "name=\r\n\r\nv\r\n--XyZ--", &mp), XA_EINVAL);
	/* Two Content-Disposition or two Content-Type headers. */
	assert_int_equal(parse(fx, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=a\r\n"
	    "Content-Disposition: form-data; name=b\r\n\r\nv\r\n--XyZ--", &mp),
	    XA_EINVAL);
	assert_int_equal(parse(fx, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=a; filename=f\r\n"
	    "Content-Type: a/b\r\nContent-Type: c/d\r\n\r\nv\r\n--XyZ--", &mp),
	    XA_EINVAL);
	/* A folded line, a line without ':', a control byte. */
	assert_int_equal(parse(fx, "--XyZ\r\n"
	    "Content-Disposition: form-data;\r\n name=a\r\n\r\nv\r\n--XyZ--",
	    &mp), XA_EINVAL);
	assert_int_equal(parse(fx, "--XyZ\r\n"
	    "Content-Disposition form-data; name=a\r\n\r\nv\r\n--XyZ--", &mp),
	    XA_EINVAL);
	assert_int_equal(parse(fx, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\x01\"\r\n\r\nv\r\n"
	    "--XyZ--", &mp), XA_EINVAL);
	/* Header lines followed straight by the delimiter (no blank line)
	 * make a part without content (RFC 2046 allows it); a header line
	 * whose CRLF is the delimiter's own is cut short; junk after the
	 * headers without a blank line is malformed. */
	assert_int_equal(parse(fx, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=a\r\n\r\n--XyZ--", &mp),
	    XA_OK);
	assert_string_equal(params_get(&mp.fields, "a"), "");
	assert_int_equal(parse(fx, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=a\r\n--XyZ--", &mp),
	    XA_EINVAL);
	assert_int_equal(parse(fx, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=a\r\nv\r\n--XyZ--", &mp),
	    XA_EINVAL);
}

static void
test_header_caps(void **state)
{
	struct fx *fx = *state;
	multipart mp;
	char *body = malloc(8192);
	char *pad = malloc(5000);
	size_t i;
	int k;
	assert_non_null(body);
	assert_non_null(pad);

	/* 8 header lines are allowed, 9 are not. */
	k = snprintf(body, 8192, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=a\r\n");
	for (i = 0; i < 7; i++)
		k += snprintf(body + k, 8192 - (size_t)k, "X-%zu: y\r\n", i);
	snprintf(body + k, 8192 - (size_t)k, "\r\nv\r\n--XyZ--");
	assert_int_equal(parse(fx, body, &mp), XA_OK);
	snprintf(body + k, 8192 - (size_t)k, "X-8: y\r\n\r\nv\r\n--XyZ--");
	assert_int_equal(parse(fx, body, &mp), XA_ETOOMANY);

	/* 4096 header bytes (CRLFs counted) pass, 4097 do not. The
	 * disposition line is 40 bytes with its CRLF; X-Pad: and CRLF 9. */
	const char *cd = "Content-Disposition: form-data; name=a\r\n";
	assert_int_equal(strlen(cd), 40);
	memset(pad, 'p', 4096 - 40 - 9);
	pad[4096 - 40 - 9] = '\0';
	snprintf(body, 8192, "--XyZ\r\n%sX-Pad: %s\r\n\r\nv\r\n--XyZ--", cd,
	    pad);
	assert_int_equal(parse(fx, body, &mp), XA_OK);
	pad[4096 - 40 - 9] = 'p';
	pad[4096 - 40 - 8] = '\0';
	snprintf(body, 8192, "--XyZ\r\n%sX-Pad: %s\r\n\r\nv\r\n--XyZ--", cd,
	    pad);
	assert_int_equal(parse(fx, body, &mp), XA_ETOOBIG);
	assert_empty(&mp);
	free(body);
	free(pad);
}

static void
test_filenames(void **state)
{
	struct fx *fx = *state;
	multipart mp;
	struct {
		const char *disp;
		const char *want;
	} cases[] = {
		{ "filename=\"report.pdf\"", "report.pdf" },
		{ "filename=\"C:\\\\Users\\\\me\\\\证据.jpg\"", "证据.jpg" },
		{ "filename=\"../../etc/passwd\"", "passwd" },
		{ "filename=\"/abs/dir/x.txt\"", "x.txt" },
		{ "filename=\"dir\\\\sub/a.b\"", "a.b" },
		{ "filename=\"..\"", "" },
		{ "filename=\"a/.\"", "" },
		{ "filename=\"dir/\"", "" },
		{ "filename=\"say \\\"hi\\\".txt\"", "say \"hi\".txt" },
		{ "filename=plain.txt", "plain.txt" },
		/* Raw UTF-8, as browsers send it. */
		{ "filename=\"欺凌记录.docx\"", "欺凌记录.docx" },
		/* RFC 5987 wins over the plain one, whatever the order. */
		{ "filename*=UTF-8''%E8%AF%81%E6%8D%AE.png; filename=\"x.png\"",
		    "证据.png" },
		{ "filename=\"x.png\"; filename*=utf-8'zh-CN'%E8%AF%81.png",
		    "证.png" },
		{ "filename*=UTF-8''..%2F..%2Fa.txt", "a.txt" },
		{ "filename*=\"UTF-8''q.txt\"", "q.txt" },
	};
	char body[512];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(body, sizeof body, "--XyZ\r\nContent-Disposition: "
		    "form-data; name=\"f\"; %s\r\n\r\nDATA\r\n--XyZ--",
		    cases[i].disp);
		assert_int_equal(parse(fx, body, &mp), XA_OK);
		assert_int_equal(mp.nfiles, 1);
		assert_string_equal(mp.files[0].filename, cases[i].want);
		assert_int_equal(mp.files[0].len, 4);
		assert_int_equal(mp.fields.n, 0);
	}
}

static void
test_filename_errors(void **state)
{
	struct fx *fx = *state;
	multipart mp;
	const char *bad[] = {
		"filename*=ISO-8859-1''%E9.txt",	/* charset refused */
		"filename*=UTF-8'%E9.txt",		/* one quote */
		"filename*=UTF-8''%zz.txt",
		"filename*=UTF-8''%E",
		"filename*=UTF-8''a%0D%0Ab.txt",	/* header injection */
		"filename*=UTF-8''a%00b",
		"filename*=UTF-8''a%09b",
	};
	const char *bad_utf8[] = {
		"filename*=UTF-8''%C0%80.txt",
		"filename*=UTF-8''%ED%A0%80",
		"filename=\"\xe4\xb8.txt\"",
	};
	char body[256];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(body, sizeof body, "--XyZ\r\nContent-Disposition: "
		    "form-data; name=f; %s\r\n\r\nD\r\n--XyZ--", bad[i]);
		assert_int_equal(parse(fx, body, &mp), XA_EINVAL);
		assert_empty(&mp);
	}
	for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++) {
		snprintf(body, sizeof body, "--XyZ\r\nContent-Disposition: "
		    "form-data; name=f; %s\r\n\r\nD\r\n--XyZ--", bad_utf8[i]);
		assert_int_equal(parse(fx, body, &mp), XA_EUTF8);
	}
}

static void
test_field_values(void **state)
{
	struct fx *fx = *state;
	multipart mp;
	/* Field values must be UTF-8 without NUL; file bytes need not be. */
	assert_int_equal(parse(fx, "--XyZ\r\nContent-Disposition: form-data; "
	    "name=a\r\n\r\n\xc0\x80\r\n--XyZ--", &mp), XA_EUTF8);
	assert_empty(&mp);
	assert_int_equal(parse(fx, "--XyZ\r\nContent-Disposition: form-data; "
	    "name=a; filename=b\r\n\r\n\xc0\x80\r\n--XyZ--", &mp), XA_OK);
	assert_int_equal(mp.files[0].len, 2);
	const char nul[] = "--XyZ\r\nContent-Disposition: form-data; "
	    "name=a\r\n\r\nx\0y\r\n--XyZ--";
	assert_int_equal(form_parse_multipart(fx->a, CT, nul, sizeof nul - 1,
	    &fx->lim, &mp), XA_EINVAL);
	/* Field names: UTF-8, within max_name_len. */
	assert_int_equal(parse(fx, "--XyZ\r\nContent-Disposition: form-data; "
	    "name=\"\xff\"\r\n\r\nv\r\n--XyZ--", &mp), XA_EUTF8);
	assert_int_equal(parse(fx, "--XyZ\r\nContent-Disposition: form-data; "
	    "name=\"学校\"\r\n\r\n一中\r\n--XyZ--", &mp), XA_OK);
	assert_string_equal(params_get(&mp.fields, "学校"), "一中");
	fx->lim.max_name_len = 3;
	assert_int_equal(parse(fx, "--XyZ\r\nContent-Disposition: form-data; "
	    "name=abc\r\n\r\nv\r\n--XyZ--", &mp), XA_OK);
	assert_int_equal(parse(fx, "--XyZ\r\nContent-Disposition: form-data; "
	    "name=abcd\r\n\r\nv\r\n--XyZ--", &mp), XA_ETOOBIG);
	/* The part's content looks like a boundary but is not one. */
	assert_int_equal(parse(fx, "--XyZ\r\nContent-Disposition: form-data; "
	    "name=abc\r\n\r\nx--XyZ \r\n--Xy\r\n--XyZ--", &mp), XA_OK);
	assert_string_equal(params_get(&mp.fields, "abc"), "x--XyZ \r\n--Xy");
}

static void
test_value_and_upload_caps(void **state)
{
	struct fx *fx = *state;
	multipart mp;
	char body[512];
	fx->lim.max_value_len = 5;
	fx->lim.max_upload = 8;
	snprintf(body, sizeof body, "--XyZ\r\nContent-Disposition: form-data; "
	    "name=a\r\n\r\n12345\r\n--XyZ--");
	assert_int_equal(parse(fx, body, &mp), XA_OK);
	snprintf(body, sizeof body, "--XyZ\r\nContent-Disposition: form-data; "
	    "name=a\r\n\r\n123456\r\n--XyZ--");
	assert_int_equal(parse(fx, body, &mp), XA_ETOOBIG);
	assert_empty(&mp);
	snprintf(body, sizeof body, "--XyZ\r\nContent-Disposition: form-data; "
	    "name=a; filename=f\r\n\r\n12345678\r\n--XyZ--");
	assert_int_equal(parse(fx, body, &mp), XA_OK);
	assert_int_equal(mp.files[0].len, 8);
	snprintf(body, sizeof body, "--XyZ\r\nContent-Disposition: form-data; "
	    "name=a; filename=f\r\n\r\n123456789\r\n--XyZ--");
	assert_int_equal(parse(fx, body, &mp), XA_ETOOBIG);
	assert_empty(&mp);
}

/* Writes a body of nf fields and nu files into b (size cap). */
static void
make_parts(char *b, size_t cap, int nf, int nu)
{
	int k = 0;
	for (int i = 0; i < nf; i++)
		k += snprintf(b + k, cap - (size_t)k, "--XyZ\r\n"
		    "Content-Disposition: form-data; name=f%d\r\n\r\nv\r\n", i);
	for (int i = 0; i < nu; i++)
		k += snprintf(b + k, cap - (size_t)k, "--XyZ\r\n"
		    "Content-Disposition: form-data; name=u%d; filename=x\r\n"
		    "\r\nD\r\n", i);
	snprintf(b + k, cap - (size_t)k, "--XyZ--\r\n");
}

static void
test_part_and_field_counts(void **state)
{
	struct fx *fx = *state;
	multipart mp;
	char *b = malloc(16384);
	assert_non_null(b);
	fx->lim.max_parts = 4;
	fx->lim.max_fields = 3;
	make_parts(b, 16384, 3, 1);
	assert_int_equal(parse(fx, b, &mp), XA_OK);
	assert_int_equal(mp.fields.n, 3);
	assert_int_equal(mp.nfiles, 1);
	assert_string_equal(mp.files[0].field, "u0");
	make_parts(b, 16384, 3, 2);
	assert_int_equal(parse(fx, b, &mp), XA_ETOOMANY);
	assert_empty(&mp);
	make_parts(b, 16384, 4, 0);
	assert_int_equal(parse(fx, b, &mp), XA_ETOOMANY);
	make_parts(b, 16384, 0, 4);
	assert_int_equal(parse(fx, b, &mp), XA_OK);
	assert_int_equal(mp.nfiles, 4);
	make_parts(b, 16384, 0, 5);
	assert_int_equal(parse(fx, b, &mp), XA_ETOOMANY);
	/* The defaults: 32 parts. */
	form_limits_default(&fx->lim);
	make_parts(b, 16384, 32, 0);
	assert_int_equal(parse(fx, b, &mp), XA_OK);
	assert_int_equal(mp.fields.n, 32);
	make_parts(b, 16384, 33, 0);
	assert_int_equal(parse(fx, b, &mp), XA_ETOOMANY);
	free(b);
}

static void
test_content_types(void **state)
{
	struct fx *fx = *state;
	multipart mp;
	assert_int_equal(parse(fx, "--XyZ\r\nContent-Disposition: form-data; "
	    "name=a; filename=f.csv\r\nContent-Type:   text/csv; charset=utf-8 "
	    " \r\n\r\nx,y\r\n--XyZ--", &mp), XA_OK);
	assert_string_equal(mp.files[0].content_type,
	    "text/csv; charset=utf-8");
	assert_int_equal(parse(fx, "--XyZ\r\nContent-Disposition: form-data; "
	    "name=a; filename=f\r\nContent-Type: \xe4\xb8\r\n\r\nx\r\n--XyZ--",
	    &mp), XA_EUTF8);
}

static void
test_arena_cap(void **state)
{
	form_limits lim;
	multipart mp;
	arena *small = arena_new(256, 512);
	char body[2048];
	(void)state;
	assert_non_null(small);
	form_limits_default(&lim);
	int k = snprintf(body, sizeof body, "--XyZ\r\nContent-Disposition: "
	    "form-data; name=a; filename=f\r\n\r\n");
	memset(body + k, 'z', 1000);
	snprintf(body + k + 1000, sizeof body - (size_t)k - 1000,
	    "\r\n--XyZ--");
	assert_int_equal(form_parse_multipart(small, CT, body, strlen(body),
	    &lim, &mp), XA_ENOMEM);
	assert_empty(&mp);
	arena_free(small);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_fields_and_file),
		T(test_preamble_epilogue_padding),
		T(test_empty_values_and_parts),
		T(test_boundary_from_content_type),
		T(test_boundary_length),
		T(test_framing_errors),
		T(test_header_errors),
		T(test_header_caps),
		T(test_filenames),
		T(test_filename_errors),
		T(test_field_values),
		T(test_value_and_upload_caps),
		T(test_part_and_field_counts),
		T(test_content_types),
		cmocka_unit_test(test_arena_cap),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
