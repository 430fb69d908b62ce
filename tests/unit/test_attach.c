/* test_attach.c: cleaning report attachments (src/cases/attach.c) with
 * small hand-built JPEG and PNG files: EXIF, XMP, comments, thumbnails,
 * text chunks and trailing bytes come out; the picture's own segments and
 * chunks stay byte for byte; anything truncated, malformed or of another
 * type is refused; and thousands of mutated files neither crash nor grow. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cases/attach.h"
#include "core/arena.h"

/* --- Building files. */

struct b {
	uint8_t d[4096];
	size_t n;
};

static void
put(struct b *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof b->d);
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void
putc8(struct b *b, uint8_t c)
{
	put(b, &c, 1);
}

/* A JPEG segment: FF marker, length, payload. */
static void
seg(struct b *b, uint8_t marker, const void *p, size_t n)
{
	putc8(b, 0xFF);
	putc8(b, marker);
	putc8(b, (uint8_t)((n + 2) >> 8));
	putc8(b, (uint8_t)(n + 2));
	put(b, p, n);
}

static const uint8_t jfif[14] = { 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0 };
/* The same with a 1x1 thumbnail (3 bytes of RGB: "THU"). */
static const uint8_t jfif_thumb[17] = { 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 1, 1,
	'T', 'H', 'U' };
static const char exif[] = "Exif\0\0MM\0*GPS-SECRET-34.39N-113.74E iPhone-serial-XYZ";
static const char xmp[] = "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>author-secret</x:xmpmeta>";
static const char comment[] = "comment-secret-from-camera";
static const uint8_t adobe[12] = { 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 1 };
static const uint8_t sof0[9] = { 8, 0, 1, 0, 1, 1, 1, 0x11, 0 };
static const uint8_t sos[6] = { 1, 1, 0, 0, 0x3F, 0 };
static const uint8_t scan[] = { 0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD0, 0x78, 0x9A };

static void
dqt_dht(struct b *b)
{
	uint8_t q[65] = { 0 };
	for (int i = 1; i < 65; i++)
		q[i] = (uint8_t)i;
	seg(b, 0xDB, q, sizeof q);
	uint8_t h[29] = { 0 };
	h[1] = 1;
	seg(b, 0xC4, h, sizeof h);
}

/* The dirty file as a phone might send it. */
static void
jpeg_dirty(struct b *b)
{
	b->n = 0;
	putc8(b, 0xFF);
	putc8(b, 0xD8);
	seg(b, 0xE0, jfif_thumb, sizeof jfif_thumb);
	seg(b, 0xE1, exif, sizeof exif - 1);
	seg(b, 0xE1, xmp, sizeof xmp - 1);
	seg(b, 0xE2, "ICC_PROFILE\0device-model", 24);
	seg(b, 0xEE, adobe, sizeof adobe);
	seg(b, 0xEE, "Adobe-but-longer-than-the-flags", 31);
	seg(b, 0xFE, comment, sizeof comment - 1);
	dqt_dht(b);
	seg(b, 0xC0, sof0, sizeof sof0);
	seg(b, 0xDA, sos, sizeof sos);
	put(b, scan, sizeof scan);
	putc8(b, 0xFF);		/* a fill byte before the end marker */
	putc8(b, 0xFF);
	putc8(b, 0xD9);
	put(b, "TRAILER-SECRET", 14);
}

/* What it must become. */
static void
jpeg_clean_expected(struct b *b)
{
	b->n = 0;
	putc8(b, 0xFF);
	putc8(b, 0xD8);
	seg(b, 0xE0, jfif, sizeof jfif);
	seg(b, 0xEE, adobe, sizeof adobe);
	dqt_dht(b);
	seg(b, 0xC0, sof0, sizeof sof0);
	seg(b, 0xDA, sos, sizeof sos);
	put(b, scan, sizeof scan);
	putc8(b, 0xFF);
	putc8(b, 0xD9);
}

static int
contains(const void *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp((const uint8_t *)hay + i, needle, k) == 0)
			return 1;
	return 0;
}

static uint32_t
crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
	}
	return c ^ 0xFFFFFFFFu;
}

static void
be32(struct b *b, uint32_t v)
{
	putc8(b, (uint8_t)(v >> 24));
	putc8(b, (uint8_t)(v >> 16));
	putc8(b, (uint8_t)(v >> 8));
	putc8(b, (uint8_t)v);
}

static void
chunk(struct b *b, const char *type, const void *p, size_t n)
{
	be32(b, (uint32_t)n);
	size_t at = b->n;
	put(b, type, 4);
	put(b, p, n);
	be32(b, crc32(b->d + at, n + 4));
}

static const uint8_t png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
static const uint8_t ihdr[13] = { 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0 };
/* zlib of one filter byte and one RGB pixel */
static const uint8_t idat[] = { 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00, 0x00, 0x03,
	0x01, 0x01, 0x00 };
static const uint8_t phys[9] = { 0, 0, 0x0b, 0x13, 0, 0, 0x0b, 0x13, 1 };

static void
png_dirty(struct b *b)
{
	b->n = 0;
	put(b, png_sig, sizeof png_sig);
	chunk(b, "IHDR", ihdr, sizeof ihdr);
	chunk(b, "tEXt", "Author\0text-secret", 18);
	chunk(b, "zTXt", "Comment\0\0ztxt-secret", 20);
	chunk(b, "iTXt", "GPS\0\0\0\0\0itxt-secret", 20);
	chunk(b, "eXIf", "MM\0*exif-secret", 15);
	chunk(b, "tIME", "\x07\xea\x0b\x1d\x0a\x1e\x00", 7);
	chunk(b, "iCCP", "profile-secret\0\0x", 17);
	chunk(b, "prVt", "private-secret", 14);
	chunk(b, "pHYs", phys, sizeof phys);
	chunk(b, "IDAT", idat, sizeof idat);
	chunk(b, "IEND", "", 0);
	put(b, "TRAILER-SECRET", 14);
}

static void
png_clean_expected(struct b *b)
{
	b->n = 0;
	put(b, png_sig, sizeof png_sig);
	chunk(b, "IHDR", ihdr, sizeof ihdr);
	chunk(b, "pHYs", phys, sizeof phys);
	chunk(b, "IDAT", idat, sizeof idat);
	chunk(b, "IEND", "", 0);
}

static const char *const secrets[] = {
	"GPS-SECRET", "serial", "author-secret", "device-model", "comment-secret",
	"TRAILER", "THU", "longer-than", "text-secret", "ztxt-secret", "itxt-secret",
	"exif-secret", "profile-secret", "private-secret", "tEXt", "tIME", "eXIf",
};

static xa_err
clean(arena *a, const struct b *in, const char **mime, const uint8_t **out,
    size_t *n)
{
	void *o = NULL;
	xa_err e = attach_clean(a, in->d, in->n, mime, &o, n);
	*out = o;
	return e;
}

/* --- Tests. */

static void
test_jpeg_loses_metadata(void **state)
{
	arena *a = arena_new(4096, 0);
	struct b in, want;
	jpeg_dirty(&in);
	jpeg_clean_expected(&want);
	const char *mime = NULL;
	const uint8_t *out = NULL;
	size_t n = 0;
	assert_string_equal(attach_sniff(in.d, in.n), "image/jpeg");
	assert_int_equal(clean(a, &in, &mime, &out, &n), XA_OK);
	assert_string_equal(mime, "image/jpeg");
	assert_int_equal(n, want.n);
	assert_memory_equal(out, want.d, n);
	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
		if (contains(out, n, secrets[i]))
			fail_msg("'%s' survived", secrets[i]);
	assert_true(contains(out, n, "JFIF"));
	/* Cleaning a clean file changes nothing. */
	const uint8_t *again = NULL;
	size_t n2 = 0;
	assert_int_equal(clean(a, &want, &mime, &again, &n2), XA_OK);
	assert_int_equal(n2, want.n);
	assert_memory_equal(again, want.d, n2);
	arena_free(a);
}

static void
test_png_loses_metadata(void **state)
{
	arena *a = arena_new(4096, 0);
	struct b in, want;
	png_dirty(&in);
	png_clean_expected(&want);
	const char *mime = NULL;
	const uint8_t *out = NULL;
	size_t n = 0;
	assert_string_equal(attach_sniff(in.d, in.n), "image/png");
	assert_int_equal(clean(a, &in, &mime, &out, &n), XA_OK);
	assert_string_equal(mime, "image/png");
	assert_int_equal(n, want.n);
	assert_memory_equal(out, want.d, n);
	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
		if (contains(out, n, secrets[i]))
			fail_msg("'%s' survived", secrets[i]);
	arena_free(a);
}

/* Every prefix of a file, up to its end marker, is refused. */
static void
test_truncated(void **state)
{
	arena *a = arena_new(4096, 0);
	struct b j, p;
	jpeg_clean_expected(&j);
	png_clean_expected(&p);
	const struct b *files[] = { &j, &p };
	for (size_t f = 0; f < 2; f++) {
		for (size_t k = 0; k < files[f]->n; k++) {
			struct b cut = *files[f];
			cut.n = k;
			const char *mime = "unchanged";
			const uint8_t *out = NULL;
			size_t n = 12345;
			if (clean(a, &cut, &mime, &out, &n) != XA_EINVAL)
				fail_msg("file %zu cut at %zu was accepted", f, k);
			assert_string_equal(mime, "unchanged");
			assert_int_equal(n, 12345);
		}
	}
	arena_free(a);
}

static void
test_wrong_types(void **state)
{
	static const struct {
		const char *what;
		const char *data;
		size_t n;
	} bad[] = {
		{ "gif", "GIF89a\x01\x00\x01\x00\x80\x00\x00", 13 },
		{ "pdf", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", 15 },
		{ "bmp", "BM\x3a\x00\x00\x00\x00\x00", 8 },
		{ "webp", "RIFF\x10\x00\x00\x00WEBPVP8 ", 16 },
		{ "elf", "\x7f" "ELF\x02\x01\x01", 7 },
		{ "html", "<html><script>", 14 },
		{ "empty", "", 0 },
		{ "soi only", "\xff\xd8", 2 },
		{ "png sig cut", "\x89PNG\r\n\x1a", 7 },
	};
	arena *a = arena_new(4096, 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *mime = NULL;
		void *out = NULL;
		size_t n = 0;
		assert_null(attach_sniff(bad[i].data, bad[i].n));
		if (attach_clean(a, bad[i].data, bad[i].n, &mime, &out, &n) != XA_EINVAL)
			fail_msg("%s accepted", bad[i].what);
		assert_null(out);
	}
	assert_null(attach_sniff(NULL, 0));
	arena_free(a);
}

static void
test_malformed_jpeg(void **state)
{
	arena *a = arena_new(4096, 0);
	const char *mime;
	const uint8_t *out;
	size_t n;
	struct b b;
	/* A scan before any frame header. */
	b.n = 0;
	putc8(&b, 0xFF);
	putc8(&b, 0xD8);
	dqt_dht(&b);
	seg(&b, 0xDA, sos, sizeof sos);
	put(&b, scan, sizeof scan);
	putc8(&b, 0xFF);
	putc8(&b, 0xD9);
	assert_int_equal(clean(a, &b, &mime, &out, &n), XA_EINVAL);
	/* No scan at all. */
	b.n = 0;
	putc8(&b, 0xFF);
	putc8(&b, 0xD8);
	seg(&b, 0xC0, sof0, sizeof sof0);
	putc8(&b, 0xFF);
	putc8(&b, 0xD9);
	assert_int_equal(clean(a, &b, &mime, &out, &n), XA_EINVAL);
	/* A segment whose length runs past the end. */
	b.n = 0;
	putc8(&b, 0xFF);
	putc8(&b, 0xD8);
	put(&b, "\xff\xe1\xff\xf0" "Exif", 8);
	assert_int_equal(clean(a, &b, &mime, &out, &n), XA_EINVAL);
	/* A length below 2. */
	b.n = 0;
	putc8(&b, 0xFF);
	putc8(&b, 0xD8);
	put(&b, "\xff\xdb\x00\x01", 4);
	assert_int_equal(clean(a, &b, &mime, &out, &n), XA_EINVAL);
	/* Garbage between segments, and a second start of image. */
	jpeg_clean_expected(&b);
	b.d[2] = 0x00;
	assert_int_equal(clean(a, &b, &mime, &out, &n), XA_EINVAL);
	jpeg_clean_expected(&b);
	b.d[3] = 0xD8;
	assert_int_equal(clean(a, &b, &mime, &out, &n), XA_EINVAL);
	/* Entropy data ending in a lone 0xFF. */
	b.n = 0;
	putc8(&b, 0xFF);
	putc8(&b, 0xD8);
	seg(&b, 0xC0, sof0, sizeof sof0);
	seg(&b, 0xDA, sos, sizeof sos);
	put(&b, scan, sizeof scan);
	putc8(&b, 0xFF);
	assert_int_equal(clean(a, &b, &mime, &out, &n), XA_EINVAL);
	arena_free(a);
}

/* Only the segments a decoder needs are kept (besides the APPn and
 * comments that are dropped): a reserved or unknown marker, a
 * hierarchical one, or a restart outside a scan makes the file refused,
 * never copied through. The ones a picture does need pass unchanged. */
static void
test_jpeg_unknown_segments(void **state)
{
	arena *a = arena_new(4096, 0);
	const char *mime;
	const uint8_t *out;
	size_t n;
	struct b b;
	static const uint8_t unknown[] = { 0xF0, 0xF7, 0xFD, 0xDE, 0xDF, 0xC8, 0x02, 0xBF,
		0x4F, 0xD0, 0x01 };
	for (size_t i = 0; i < sizeof unknown; i++) {
		b.n = 0;
		putc8(&b, 0xFF);
		putc8(&b, 0xD8);
		seg(&b, 0xE0, jfif, sizeof jfif);
		if (unknown[i] == 0xD0 || unknown[i] == 0x01) {
			putc8(&b, 0xFF);	/* no length of their own */
			putc8(&b, unknown[i]);
		} else {
			seg(&b, unknown[i], "HIDDEN-IN-RESERVED", 18);
		}
		dqt_dht(&b);
		seg(&b, 0xC0, sof0, sizeof sof0);
		seg(&b, 0xDA, sos, sizeof sos);
		put(&b, scan, sizeof scan);
		putc8(&b, 0xFF);
		putc8(&b, 0xD9);
		mime = "unchanged";
		out = NULL;
		n = 12345;
		if (clean(a, &b, &mime, &out, &n) != XA_EINVAL)
			fail_msg("marker FF%02X was accepted", unknown[i]);
		assert_string_equal(mime, "unchanged");
		assert_int_equal(n, 12345);
	}
	/* DRI, DAC and DNL (with the usual tables) are kept as they are. */
	b.n = 0;
	putc8(&b, 0xFF);
	putc8(&b, 0xD8);
	dqt_dht(&b);
	seg(&b, 0xDD, "\x00\x04", 2);		/* restart every 4 blocks */
	seg(&b, 0xCC, "\x00\x10", 2);		/* arithmetic conditioning */
	seg(&b, 0xC0, sof0, sizeof sof0);
	seg(&b, 0xDA, sos, sizeof sos);
	put(&b, scan, sizeof scan);
	seg(&b, 0xDC, "\x00\x01", 2);		/* the number of lines */
	seg(&b, 0xDA, sos, sizeof sos);
	put(&b, scan, sizeof scan);
	putc8(&b, 0xFF);
	putc8(&b, 0xD9);
	assert_int_equal(clean(a, &b, &mime, &out, &n), XA_OK);
	assert_int_equal(n, b.n);
	assert_memory_equal(out, b.d, n);
	arena_free(a);
}

static void
test_malformed_png(void **state)
{
	arena *a = arena_new(4096, 0);
	const char *mime;
	const uint8_t *out;
	size_t n;
	struct b b;
	/* A wrong CRC. */
	png_clean_expected(&b);
	b.d[8 + 8 + 5] ^= 1;	/* a byte of IHDR's data */
	assert_int_equal(clean(a, &b, &mime, &out, &n), XA_EINVAL);
	/* A chunk before IHDR. */
	b.n = 0;
	put(&b, png_sig, sizeof png_sig);
	chunk(&b, "tEXt", "a\0b", 3);
	chunk(&b, "IHDR", ihdr, sizeof ihdr);
	chunk(&b, "IDAT", idat, sizeof idat);
	chunk(&b, "IEND", "", 0);
	assert_int_equal(clean(a, &b, &mime, &out, &n), XA_EINVAL);
	/* An unknown critical chunk; a second IHDR; no IDAT. */
	static const char *const crit[] = { "ABCD", "IHDR", NULL };
	for (int i = 0; i < 3; i++) {
		b.n = 0;
		put(&b, png_sig, sizeof png_sig);
		chunk(&b, "IHDR", ihdr, sizeof ihdr);
		if (crit[i] != NULL) {
			chunk(&b, crit[i], ihdr, sizeof ihdr);
			chunk(&b, "IDAT", idat, sizeof idat);
		}
		chunk(&b, "IEND", "", 0);
		assert_int_equal(clean(a, &b, &mime, &out, &n), XA_EINVAL);
	}
	/* A length of 2^31 and more, and one just past the end. */
	static const uint32_t lens[] = { 0x80000000u, 0xFFFFFFFFu, 0x7FFFFFFFu, 40 };
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		png_clean_expected(&b);
		size_t at = 8 + 12 + 13;	/* the IDAT chunk's length */
		b.d[at] = (uint8_t)(lens[i] >> 24);
		b.d[at + 1] = (uint8_t)(lens[i] >> 16);
		b.d[at + 2] = (uint8_t)(lens[i] >> 8);
		b.d[at + 3] = (uint8_t)lens[i];
		assert_int_equal(clean(a, &b, &mime, &out, &n), XA_EINVAL);
	}
	/* A chunk type that is not letters. */
	b.n = 0;
	put(&b, png_sig, sizeof png_sig);
	chunk(&b, "IHDR", ihdr, sizeof ihdr);
	chunk(&b, "a\x01" "cd", "", 0);
	chunk(&b, "IDAT", idat, sizeof idat);
	chunk(&b, "IEND", "", 0);
	assert_int_equal(clean(a, &b, &mime, &out, &n), XA_EINVAL);
	arena_free(a);
}

/* Random mutations (a fixed seed, so a failure can be replayed): never a
 * crash (the sanitizer build watches), never an output longer than the
 * input, and what is accepted still starts with its magic. */
static void
test_mutations(void **state)
{
	uint64_t x = 0x9E3779B97F4A7C15ull;
	struct b src[2];
	jpeg_dirty(&src[0]);
	png_dirty(&src[1]);
	int accepted = 0;
	for (int round = 0; round < 20000; round++) {
		arena *a = arena_new(8192, 0);
		struct b m = src[round & 1];
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int edits = 1 + (int)(x % 4);
		for (int e = 0; e < edits; e++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			size_t at = (size_t)(x >> 16) % m.n;
			switch (x % 3) {
			case 0: m.d[at] = (uint8_t)(x >> 40); break;
			case 1: m.d[at] ^= (uint8_t)(1u << (x >> 8 & 7)); break;
			default: m.n = at + 1; break;	/* cut */
			}
		}
		/* Each in its own allocation, so ASan sees any overread. */
		uint8_t *heap = malloc(m.n);
		assert_non_null(heap);
		memcpy(heap, m.d, m.n);
		const char *mime = NULL;
		void *out = NULL;
		size_t n = 0;
		if (attach_clean(a, heap, m.n, &mime, &out, &n) == XA_OK) {
			accepted++;
			assert_true(n <= m.n);
			assert_non_null(attach_sniff(out, n));
		}
		free(heap);
		arena_free(a);
	}
	/* Some mutations (inside dropped segments, scan data) stay valid. */
	assert_true(accepted > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jpeg_loses_metadata),
		cmocka_unit_test(test_png_loses_metadata),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_malformed_jpeg),
		cmocka_unit_test(test_jpeg_unknown_segments),
		cmocka_unit_test(test_malformed_png),
		cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
