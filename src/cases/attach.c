/* attach.c: cleaning the photos and screenshots sent with a report (see
 * attach.h): JPEG and PNG only, recognised by their magic bytes, metadata
 * removed, anything malformed or truncated refused.
 *
 * Both walkers read the input strictly left to right and check every
 * length against what is left before using it; the output only ever
 * receives bytes already read, so it can never be longer than the input
 * (emit() checks that too). Never: keep a segment or chunk we do not know
 * to be harmless, or follow an offset stored in the file. */
#include "attach.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* The output being written: a buffer as long as the input. */
struct out {
	uint8_t *p;
	size_t n, cap;
};

/* Appends s[0..n); false when it would pass the end (cannot happen for
 * a correct walker, but a bug must not become an overflow). */
static bool
emit(struct out *o, const void *s, size_t n)
{
	if (n > o->cap - o->n)
		return false;
	memcpy(o->p + o->n, s, n);
	o->n += n;
	return true;
}

static bool
emit2(struct out *o, uint8_t a, uint8_t b)
{
	uint8_t t[2] = { a, b };
	return emit(o, t, 2);
}

static const uint8_t png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

const char *
attach_sniff(const void *data, size_t n)
{
	const uint8_t *d = data;
	if (d == NULL)
		return NULL;
	if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
		return "image/jpeg";
	if (n >= sizeof png_sig && memcmp(d, png_sig, sizeof png_sig) == 0)
		return "image/png";
	return NULL;
}

/* --- JPEG. */

/* A start-of-frame marker (the picture's size and components). */
static bool
jpeg_sof(uint8_t m)
{
	return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

/* The segments a decoder needs to draw the picture, kept as they are:
 * frame headers, Huffman and arithmetic-coding tables, quantisation
 * tables, the number of lines, the restart interval, and scan headers
 * (with the entropy-coded data that follows them). Anything else that is
 * not an APPn or a comment (hierarchical and extension markers, reserved
 * ones) is refused: we cannot know what it carries. */
static bool
jpeg_picture(uint8_t m)
{
	return jpeg_sof(m) || m == 0xC4 || m == 0xCC || m == 0xDB || m == 0xDC ||
	    m == 0xDD || m == 0xDA;
}

/* Appends a JFIF APP0 segment rewritten without its thumbnail (a
 * thumbnail can show what the sender cropped away). seg points at the
 * segment's length bytes, len is that length. Other APP0 kinds (JFXX,
 * which is only thumbnails) are dropped. */
static bool
jpeg_app0(struct out *o, const uint8_t *seg, size_t len)
{
	/* "JFIF\0", version (2), units (1), densities (4), thumb w, h. */
	if (len < 2 + 14 || memcmp(seg + 2, "JFIF", 5) != 0)
		return true;
	uint8_t j[2 + 2 + 14];
	j[0] = 0xFF;
	j[1] = 0xE0;
	j[2] = 0;
	j[3] = 16;
	memcpy(j + 4, seg + 2, 12);
	j[16] = 0;
	j[17] = 0;
	return emit(o, j, sizeof j);
}

/* The Adobe APP14 segment carries only the colour transform a decoder
 * needs for CMYK and some YCbCr files: 12 bytes, nothing personal. */
static bool
jpeg_adobe(const uint8_t *seg, size_t len)
{
	return len == 2 + 12 && memcmp(seg + 2, "Adobe", 5) == 0;
}

/* Copies the entropy-coded data after a scan header, starting at *pos:
 * up to the next marker that is neither a stuffed 0xFF00 nor a restart.
 * False when the data runs to the end of the file (truncated). */
static bool
jpeg_scan(struct out *o, const uint8_t *d, size_t n, size_t *pos)
{
	size_t start = *pos, i = *pos;
	for (;;) {
		if (i >= n)
			return false;
		const uint8_t *ff = memchr(d + i, 0xFF, n - i);
		if (ff == NULL)
			return false;
		i = (size_t)(ff - d);
		if (i + 1 >= n)
			return false;
		uint8_t nx = d[i + 1];
		if (nx == 0x00 || (nx >= 0xD0 && nx <= 0xD7)) {
			i += 2;
			continue;
		}
		break;	/* a marker (0xFF: a fill byte before one) */
	}
	if (!emit(o, d + start, i - start))
		return false;
	*pos = i;
	return true;
}

static xa_err
jpeg_clean(const uint8_t *d, size_t n, struct out *o)
{
	bool sof = false, sos = false;
	size_t pos = 2;
	if (n < 4 || d[0] != 0xFF || d[1] != 0xD8 || !emit2(o, 0xFF, 0xD8))
		return XA_EINVAL;
	for (;;) {
		if (pos >= n || d[pos] != 0xFF)
			return XA_EINVAL;	/* truncated, or bytes between segments */
		while (pos < n && d[pos] == 0xFF)
			pos++;			/* fill bytes */
		if (pos >= n)
			return XA_EINVAL;
		uint8_t m = d[pos++];
		if (m == 0x00 || m == 0xD8)
			return XA_EINVAL;
		if (m == 0xD9) {		/* end of image: drop whatever follows */
			if (!sos || !emit2(o, 0xFF, 0xD9))
				return XA_EINVAL;
			return XA_OK;
		}
		if ((m >= 0xD0 && m <= 0xD7) || m == 0x01)
			return XA_EINVAL;	/* a restart outside a scan; TEM */
		if (n - pos < 2)
			return XA_EINVAL;
		size_t len = (size_t)d[pos] << 8 | d[pos + 1];
		if (len < 2 || len > n - pos)
			return XA_EINVAL;
		const uint8_t *seg = d + pos;
		bool ok = true;
		if (m == 0xE0)
			ok = jpeg_app0(o, seg, len);
		else if ((m >= 0xE1 && m <= 0xEF) || m == 0xFE)
			ok = m != 0xEE || !jpeg_adobe(seg, len) ||
			    (emit2(o, 0xFF, m) && emit(o, seg, len));
		else if (jpeg_picture(m))
			ok = emit2(o, 0xFF, m) && emit(o, seg, len);
		else
			ok = false;	/* unknown: refused, never copied */
		if (!ok)
			return XA_EINVAL;
		pos += len;
		if (jpeg_sof(m))
			sof = true;
		if (m == 0xDA) {
			if (!sof || !jpeg_scan(o, d, n, &pos))
				return XA_EINVAL;
			sos = true;
		}
	}
}

/* --- PNG. */

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void
crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

/* The CRC-32 of PNG (ISO 3309); the table is built once, whichever
 * thread comes first. */
static uint32_t
png_crc(const uint8_t *p, size_t n)
{
	pthread_once(&crc_once, crc_init);
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++)
		c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Ancillary chunks that only say how to show the picture. Everything
 * else ancillary (text, eXIf, tIME, iCCP with its profile name, private
 * chunks) is dropped. */
static bool
png_keep(const uint8_t *t)
{
	static const char keep[][5] = {
		"tRNS", "gAMA", "cHRM", "sRGB", "sBIT", "bKGD", "pHYs",
		"cICP", "mDCv", "cLLi", "acTL", "fcTL", "fdAT",
	};
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
		if (memcmp(t, keep[i], 4) == 0)
			return true;
	return false;
}

static bool
png_letters(const uint8_t *t)
{
	for (int i = 0; i < 4; i++)
		if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z')))
			return false;
	return true;
}

static xa_err
png_clean(const uint8_t *d, size_t n, struct out *o)
{
	bool ihdr = false, idat = false;
	size_t pos = sizeof png_sig;
	if (n < pos || memcmp(d, png_sig, pos) != 0 || !emit(o, d, pos))
		return XA_EINVAL;
	for (;;) {
		if (n - pos < 12)
			return XA_EINVAL;
		uint32_t len = be32(d + pos);
		if (len > 0x7FFFFFFFu || len > n - pos - 12)
			return XA_EINVAL;
		const uint8_t *type = d + pos + 4;
		if (!png_letters(type) ||
		    png_crc(type, 4 + (size_t)len) != be32(type + 4 + len))
			return XA_EINVAL;
		size_t whole = 12 + (size_t)len;
		bool critical = type[0] >= 'A' && type[0] <= 'Z';
		bool keep;
		if (!ihdr) {
			if (memcmp(type, "IHDR", 4) != 0 || len != 13)
				return XA_EINVAL;
			ihdr = true;
			keep = true;
		} else if (critical) {
			if (memcmp(type, "IDAT", 4) == 0)
				idat = true;
			else if (memcmp(type, "IEND", 4) == 0) {
				if (!idat || len != 0 || !emit(o, d + pos, whole))
					return XA_EINVAL;
				return XA_OK;	/* drop whatever follows */
			} else if (memcmp(type, "PLTE", 4) != 0)
				return XA_EINVAL;	/* a second IHDR, or unknown */
			keep = true;
		} else {
			keep = png_keep(type);
		}
		if (keep && !emit(o, d + pos, whole))
			return XA_EINVAL;
		pos += whole;
	}
}

xa_err
attach_clean(arena *a, const void *data, size_t n, const char **mime,
    void **out, size_t *outlen)
{
	const char *kind = attach_sniff(data, n);
	if (kind == NULL)
		return XA_EINVAL;
	struct out o = { arena_alloc(a, n), 0, n };
	if (o.p == NULL)
		return XA_ENOMEM;
	xa_err e = strcmp(kind, "image/jpeg") == 0 ? jpeg_clean(data, n, &o) : png_clean(data, n, &o);
	if (e != XA_OK)
		return e;
	*mime = kind;
	*out = o.p;
	*outlen = o.n;
	return XA_OK;
}
