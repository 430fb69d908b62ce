/* crypto.c: the façade over OpenSSL 3.0 libcrypto that crypto.h declares.
 *
 * National suite (SM3, HMAC-SM3, PBKDF2-HMAC-SM3, SM4-CTR + HMAC-SM3 in
 * encrypt-then-MAC), RFC 6238 TOTP on HMAC-SHA1, hex and base32. See
 * docs/internals/crypto.md for the formats.
 *
 * This file must never log, never print or return a secret in an error,
 * never compare secrets with memcmp or an early-exit loop, never release
 * plaintext from crypto_open before the tag has been checked, and never
 * leave key material or intermediate secrets on its stack: every local that
 * held one is cleared with OPENSSL_cleanse before return. Its only state
 * is the algorithms fetched once and a per-thread digest context and store
 * of random bytes, so every function is safe to call from any thread. */
#include "crypto.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <pthread.h>

#define SEAL_MAGIC "XA1"
#define SEAL_MAGIC_LEN 3
#define SEAL_IV_LEN 16
#define SEAL_TAG_LEN SM3_LEN
#define SEAL_HEAD_LEN (SEAL_MAGIC_LEN + SEAL_IV_LEN)
#define SEAL_ENC_KEY_LEN 16
#define SEAL_MAC_LABEL "xiaoan seal mac v1"

#define PW_PREFIX "pbkdf2-sm3$"
#define PW_SALT_LEN 16
#define PW_HASH_LEN 32
#define PW_ITER_MIN 1000u
#define PW_ITER_MAX 10000000u

/* OpenSSL counts lengths in int; longer inputs go through in chunks. */
#define CHUNK_MAX (1u << 30)

/* OpenSSL leaves its reasons on a per-thread queue. We report failures
 * through xa_err only, so drop them rather than let them surface later in
 * someone else's error check. */
static xa_err
ossl_fail(void)
{
	ERR_clear_error();
	return XA_ECRYPTO;
}

/* Per-thread state, made on a thread's first call and freed (cleared) when
 * the thread ends: a digest context to reuse for HMAC-SM3, and a small
 * store of random bytes. RAND_bytes costs about the same for 16 bytes as
 * for 256, and a report takes five small draws; bytes are wiped from the
 * store as they are handed out. */
#define RND_STORE 256
struct per_thread {
	EVP_MD_CTX *md;
	size_t rnd_left;		/* unused bytes at the end of rnd */
	unsigned char rnd[RND_STORE];
};
static pthread_key_t pt_key;
static pthread_once_t pt_once = PTHREAD_ONCE_INIT;

static void
pt_free(void *p)
{
	struct per_thread *t = p;
	EVP_MD_CTX_free(t->md);
	OPENSSL_clear_free(t, sizeof *t);
}

static void
pt_init(void)
{
	if (pthread_key_create(&pt_key, pt_free) != 0)
		abort();
}

/* The calling thread's state; NULL when memory runs out. */
static struct per_thread *
pt_get(void)
{
	pthread_once(&pt_once, pt_init);
	struct per_thread *t = pthread_getspecific(pt_key);
	if (t != NULL)
		return t;
	if ((t = OPENSSL_zalloc(sizeof *t)) == NULL)
		return NULL;
	if ((t->md = EVP_MD_CTX_new()) == NULL || pthread_setspecific(pt_key, t) != 0) {
		EVP_MD_CTX_free(t->md);
		OPENSSL_free(t);
		return NULL;
	}
	return t;
}

xa_err
crypto_random(void *out, size_t n)
{
	unsigned char *p = out;
	if (n == 0)
		return XA_OK;
	struct per_thread *t = n <= 64 ? pt_get() : NULL;
	if (t != NULL) {
		if (t->rnd_left < n) {
			if (RAND_bytes(t->rnd, RND_STORE) != 1) {
				t->rnd_left = 0;
				return ossl_fail();
			}
			t->rnd_left = RND_STORE;
		}
		unsigned char *from = t->rnd + RND_STORE - t->rnd_left;
		memcpy(p, from, n);
		OPENSSL_cleanse(from, n);
		t->rnd_left -= n;
		return XA_OK;
	}
	while (n > 0) {
		size_t k = n > CHUNK_MAX ? CHUNK_MAX : n;
		if (RAND_bytes(p, (int)k) != 1)
			return ossl_fail();
		p += k;
		n -= k;
	}
	return XA_OK;
}

/* The algorithms, fetched from the provider once. OpenSSL 3 otherwise
 * looks each one up by name on every call (EVP_sm3() and the one-shot
 * HMAC() do), which cost more than the hashing itself for the short
 * values sealed and chained here. The HMAC-SHA1 context (for TOTP) is a
 * template with its digest set, duplicated per call: a duplicate needs no
 * lookup.
 * Fetched once, kept for the life of the process. */
static struct {
	pthread_once_t once;
	EVP_MD *sm3;
	EVP_CIPHER *sm4_ctr, *sm4_ecb;
	EVP_MAC *hmac;
	EVP_MAC_CTX *hmac_sha1;
} algs = { .once = PTHREAD_ONCE_INIT };

static EVP_MAC_CTX *
hmac_template(const char *digest)
{
	EVP_MAC_CTX *c = algs.hmac ? EVP_MAC_CTX_new(algs.hmac) : NULL;
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0),
		OSSL_PARAM_construct_end(),
	};
	if (c != NULL && EVP_MAC_CTX_set_params(c, p) != 1) {
		EVP_MAC_CTX_free(c);
		c = NULL;
	}
	return c;
}

static void
algs_fetch(void)
{
	algs.sm3 = EVP_MD_fetch(NULL, "SM3", NULL);
	algs.sm4_ctr = EVP_CIPHER_fetch(NULL, "SM4-CTR", NULL);
	algs.sm4_ecb = EVP_CIPHER_fetch(NULL, "SM4-ECB", NULL);
	algs.hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	algs.hmac_sha1 = hmac_template("SHA1");
	ERR_clear_error();
}

/* 1 when every algorithm is there (a provider without SM4 would fail
 * every seal: say so once, loudly, rather than per call). */
static int
algs_ready(void)
{
	pthread_once(&algs.once, algs_fetch);
	return algs.sm3 && algs.sm4_ctr && algs.sm4_ecb && algs.hmac_sha1;
}

xa_err
crypto_sm3(const void *data, size_t n, uint8_t out[SM3_LEN])
{
	unsigned int len = 0;
	if (data == NULL && n != 0)
		return XA_EINVAL;
	if (!algs_ready())
		return XA_ECRYPTO;
	if (EVP_Digest(n ? data : "", n, out, &len, algs.sm3, NULL) != 1 ||
	    len != SM3_LEN)
		return ossl_fail();
	return XA_OK;
}

/* HMAC over the digest of template tpl. A zero-length key is passed as a
 * real (empty) buffer because OpenSSL reads a NULL key as "no key given". */
static xa_err
hmac_md(EVP_MAC_CTX *tpl, const void *key, size_t klen, const void *data,
    size_t n, uint8_t *out, unsigned int want)
{
	static const unsigned char empty[1];
	if ((key == NULL && klen != 0) || (data == NULL && n != 0))
		return XA_EINVAL;
	if (klen > INT_MAX)
		return XA_ETOOBIG;
	EVP_MAC_CTX *c = EVP_MAC_CTX_dup(tpl);
	size_t len = 0;
	int ok = c != NULL && EVP_MAC_init(c, klen ? key : empty, klen, NULL) == 1 &&
	    EVP_MAC_update(c, n ? data : empty, n) == 1 &&
	    EVP_MAC_final(c, out, &len, want) == 1 && len == want;
	EVP_MAC_CTX_free(c);
	return ok ? XA_OK : ossl_fail();
}

/* HMAC-SM3 by RFC 2104 on the thread's reused digest context: known answers
 * in the tests) at two thirds of the cost of EVP_MAC's, which matters as every stored record takes a few. */
#define SM3_BLOCK 64
xa_err
crypto_hmac_sm3(const void *key, size_t klen, const void *data, size_t n,
    uint8_t out[SM3_LEN])
{
	if ((key == NULL && klen != 0) || (data == NULL && n != 0))
		return XA_EINVAL;
	if (!algs_ready())
		return XA_ECRYPTO;
	struct per_thread *t = pt_get();
	if (t == NULL)
		return XA_ENOMEM;
	uint8_t k0[SM3_BLOCK] = { 0 }, pad[SM3_BLOCK], inner[SM3_LEN];
	unsigned int len = 0;
	xa_err e = XA_ECRYPTO;
	if (klen > SM3_BLOCK) {
		if (crypto_sm3(key, klen, k0) != XA_OK)
			goto done;
	} else if (klen > 0) {
		memcpy(k0, key, klen);
	}
	for (int i = 0; i < SM3_BLOCK; i++)
		pad[i] = k0[i] ^ 0x36;
	if (EVP_DigestInit_ex2(t->md, algs.sm3, NULL) != 1 ||
	    EVP_DigestUpdate(t->md, pad, SM3_BLOCK) != 1)
		goto done;
	for (const unsigned char *p = data; n > 0;) {
		size_t k = n > CHUNK_MAX ? CHUNK_MAX : n;
		if (EVP_DigestUpdate(t->md, p, k) != 1)
			goto done;
		p += k;
		n -= k;
	}
	if (EVP_DigestFinal_ex(t->md, inner, &len) != 1 || len != SM3_LEN)
		goto done;
	for (int i = 0; i < SM3_BLOCK; i++)
		pad[i] = k0[i] ^ 0x5c;
	if (EVP_DigestInit_ex2(t->md, algs.sm3, NULL) != 1 ||
	    EVP_DigestUpdate(t->md, pad, SM3_BLOCK) != 1 ||
	    EVP_DigestUpdate(t->md, inner, SM3_LEN) != 1 ||
	    EVP_DigestFinal_ex(t->md, out, &len) != 1 || len != SM3_LEN)
		goto done;
	e = XA_OK;
done:
	if (e != XA_OK)
		ERR_clear_error();
	OPENSSL_cleanse(k0, sizeof k0);
	OPENSSL_cleanse(pad, sizeof pad);
	OPENSSL_cleanse(inner, sizeof inner);
	return e;
}

int
crypto_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

/* The hex digit for v (0..15), computed without a table or a branch so the
 * time taken does not depend on the secret being encoded. */
static char
hex_digit(unsigned v)
{
	/* For v > 9, 9 - v wraps and its high bits are all ones. */
	unsigned skip = ((9u - v) >> 8) & ('a' - '0' - 10);
	return (char)('0' + v + skip);
}

/* The value of hex digit c (either case); sets *bad to 1 when c is not
 * one. Branch-free for the same reason: hex often carries key material. */
static unsigned
hex_value(unsigned char c, unsigned *bad)
{
	unsigned num = (unsigned)c - '0';
	unsigned let = ((unsigned)c | 0x20u) - 'a';
	unsigned is_num = 0u - (unsigned)(num <= 9);
	unsigned is_let = 0u - (unsigned)(let <= 5);
	*bad |= ~(is_num | is_let) & 1u;
	return ((num & is_num) | ((let + 10) & is_let)) & 0x0fu;
}

void
crypto_hex(const void *in, size_t n, char *out)
{
	const unsigned char *p = in;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex_digit(p[i] >> 4);
		out[2 * i + 1] = hex_digit(p[i] & 0x0f);
	}
	out[2 * n] = '\0';
}

xa_err
crypto_unhex(const char *hex, uint8_t *out, size_t outcap, size_t *outlen)
{
	xa_err e = XA_OK;
	size_t len = 0;
	if (hex == NULL) {
		e = XA_EINVAL;
		goto cleanup;
	}
	size_t n = strlen(hex);
	if (n % 2 != 0) {
		e = XA_EINVAL;
		goto cleanup;
	}
	if (n / 2 > outcap) {
		e = XA_ETOOBIG;
		goto cleanup;
	}
	unsigned bad = 0;
	for (size_t i = 0; i < n; i += 2) {
		unsigned hi = hex_value((unsigned char)hex[i], &bad);
		unsigned lo = hex_value((unsigned char)hex[i + 1], &bad);
		out[len++] = (uint8_t)((hi << 4) | lo);
	}
	if (bad) {
		OPENSSL_cleanse(out, len);
		len = 0;
		e = XA_EINVAL;
	}
cleanup:
	if (outlen != NULL)
		*outlen = len;
	return e;
}

/* The letter of RFC 4648's base32 alphabet (A-Z then 2-7) for v (0..31);
 * branch-free like hex_digit. */
static char
b32_digit(unsigned v)
{
	/* v 0..25 → 'A'..'Z'; v 26..31 → '2'..'7', a step of '2' - 'A' - 26
	 * (negative, so added modulo 2^32). */
	unsigned late = 0u - (unsigned)(v >= 26);
	unsigned shift = (unsigned)('2' - 'A' - 26) & late;
	return (char)(('A' + v + shift) & 0x7fu);
}

/* The value of base32 letter c (either case); sets *bad to 1 when c is
 * not one. */
static unsigned
b32_value(unsigned char c, unsigned *bad)
{
	unsigned let = ((unsigned)c | 0x20u) - 'a';
	unsigned dig = (unsigned)c - '2';
	unsigned is_let = 0u - (unsigned)(let <= 25);
	unsigned is_dig = 0u - (unsigned)(dig <= 5);
	*bad |= ~(is_let | is_dig) & 1u;
	return ((let & is_let) | ((dig + 26) & is_dig)) & 0x1fu;
}

xa_err
crypto_base32(const void *in, size_t n, char *out, size_t outcap)
{
	const unsigned char *p = in;
	if (n > (SIZE_MAX - 5) / 8)
		return XA_ETOOBIG;
	size_t need = (n * 8 + 4) / 5 + 1;
	if (outcap < need)
		return XA_ETOOBIG;
	size_t o = 0;
	unsigned acc = 0, bits = 0;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | p[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = b32_digit((acc >> bits) & 31u);
		}
		acc &= (1u << bits) - 1;	/* keep only the unwritten bits */
	}
	if (bits > 0)
		out[o++] = b32_digit((acc << (5 - bits)) & 31u);
	out[o] = '\0';
	OPENSSL_cleanse(&acc, sizeof acc);
	return XA_OK;
}

/* Decodes base32 as authenticator apps show it: either case, spaces
 * anywhere, '=' padding optional but, when present, only at the end and of
 * the right length. Leftover bits must be zero (a canonical encoding), and
 * lengths that no encoder produces (1, 3 or 6 letters past a multiple of 8)
 * are refused. */
xa_err
crypto_unbase32(const char *in, uint8_t *out, size_t outcap, size_t *outlen)
{
	xa_err e = XA_OK;
	size_t len = 0, letters = 0, pads = 0;
	unsigned acc = 0, bits = 0;
	if (in == NULL) {
		e = XA_EINVAL;
		goto cleanup;
	}
	for (const char *s = in; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == ' ')
			continue;
		if (c == '=') {
			pads++;
			continue;
		}
		unsigned bad = 0;
		unsigned v = b32_value(c, &bad);
		if (bad || pads > 0) {
			e = XA_EINVAL;
			goto cleanup;
		}
		letters++;
		acc = (acc << 5) | v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (len >= outcap) {
				e = XA_ETOOBIG;
				goto cleanup;
			}
			out[len++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	switch (letters % 8) {
	case 1: case 3: case 6:
		e = XA_EINVAL;
		goto cleanup;
	default:
		break;
	}
	if (pads > 0 && (pads >= 8 || (letters + pads) % 8 != 0)) {
		e = XA_EINVAL;
		goto cleanup;
	}
	if (acc != 0)
		e = XA_EINVAL;
cleanup:
	if (e != XA_OK && out != NULL) {
		OPENSSL_cleanse(out, len);
		len = 0;
	}
	OPENSSL_cleanse(&acc, sizeof acc);
	if (outlen != NULL)
		*outlen = len;
	return e;
}

/* PBKDF2-HMAC-SM3 of password with salt into out[PW_HASH_LEN]. */
static xa_err
pw_derive(const char *password, const uint8_t salt[PW_SALT_LEN],
    unsigned iterations, uint8_t out[PW_HASH_LEN])
{
	size_t plen = strlen(password);
	if (plen > INT_MAX)
		return XA_ETOOBIG;
	if (PKCS5_PBKDF2_HMAC(password, (int)plen, salt, PW_SALT_LEN,
	    (int)iterations, algs_ready() ? algs.sm3 : EVP_sm3(), PW_HASH_LEN, out) != 1)
		return ossl_fail();
	return XA_OK;
}

xa_err
crypto_password_hash(const char *password, unsigned iterations, char *out,
    size_t outlen)
{
	xa_err e;
	uint8_t salt[PW_SALT_LEN];
	uint8_t hash[PW_HASH_LEN];
	char salthex[2 * PW_SALT_LEN + 1];
	char hashhex[2 * PW_HASH_LEN + 1];

	if (password == NULL || out == NULL ||
	    iterations < PW_ITER_MIN || iterations > PW_ITER_MAX) {
		e = XA_EINVAL;
		goto cleanup;
	}
	if ((e = crypto_random(salt, sizeof salt)) != XA_OK)
		goto cleanup;
	if ((e = pw_derive(password, salt, iterations, hash)) != XA_OK)
		goto cleanup;
	crypto_hex(salt, sizeof salt, salthex);
	crypto_hex(hash, sizeof hash, hashhex);
	int w = snprintf(out, outlen, PW_PREFIX "%u$%s$%s", iterations,
	    salthex, hashhex);
	if (w < 0) {
		e = XA_EINVAL;
		goto cleanup;
	}
	if ((size_t)w >= outlen) {
		e = XA_ETOOBIG;
		goto cleanup;
	}
	e = XA_OK;
cleanup:
	if (e != XA_OK && out != NULL && outlen > 0)
		OPENSSL_cleanse(out, outlen);
	OPENSSL_cleanse(hash, sizeof hash);
	OPENSSL_cleanse(hashhex, sizeof hashhex);
	OPENSSL_cleanse(salt, sizeof salt);
	OPENSSL_cleanse(salthex, sizeof salthex);
	return e;
}

/* Reads the iteration count of a stored hash: decimal digits only, no sign,
 * no leading zero, within PW_ITER_MIN..PW_ITER_MAX, ending at '$'. *end
 * points at that '$'. */
static xa_err
pw_parse_iter(const char *s, unsigned *iter, const char **end)
{
	unsigned long v = 0;
	size_t i = 0;
	if (s[0] == '0')
		return XA_EINVAL;
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		if (i >= 8)	/* PW_ITER_MAX has 8 digits */
			return XA_EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (i == 0 || s[i] != '$' || v < PW_ITER_MIN || v > PW_ITER_MAX)
		return XA_EINVAL;
	*iter = (unsigned)v;
	*end = s + i;
	return XA_OK;
}

/* Decodes exactly 2*n hex digits at s, followed by stop. */
static xa_err
pw_parse_hex(const char *s, size_t n, char stop, uint8_t *out)
{
	char tmp[2 * PW_HASH_LEN + 1];
	size_t got = 0;
	xa_err e = XA_EINVAL;
	if (n > PW_HASH_LEN || strnlen(s, 2 * n + 1) < 2 * n ||
	    s[2 * n] != stop)
		goto cleanup;
	memcpy(tmp, s, 2 * n);
	tmp[2 * n] = '\0';
	if (crypto_unhex(tmp, out, n, &got) != XA_OK || got != n) {
		e = XA_EINVAL;
		goto cleanup;
	}
	e = XA_OK;
cleanup:
	OPENSSL_cleanse(tmp, sizeof tmp);
	return e;
}

xa_err
crypto_password_verify(const char *password, const char *stored,
    unsigned want_iterations, int *ok, int *stale)
{
	xa_err e;
	unsigned iter = 0;
	const char *p;
	uint8_t salt[PW_SALT_LEN];
	uint8_t want[PW_HASH_LEN];
	uint8_t got[PW_HASH_LEN];

	if (ok != NULL)
		*ok = 0;
	if (stale != NULL)
		*stale = 0;
	if (password == NULL || stored == NULL || ok == NULL) {
		e = XA_EINVAL;
		goto cleanup;
	}
	if (strncmp(stored, PW_PREFIX, sizeof PW_PREFIX - 1) != 0) {
		e = XA_EINVAL;
		goto cleanup;
	}
	p = stored + sizeof PW_PREFIX - 1;
	if ((e = pw_parse_iter(p, &iter, &p)) != XA_OK)
		goto cleanup;
	p++;
	if ((e = pw_parse_hex(p, PW_SALT_LEN, '$', salt)) != XA_OK)
		goto cleanup;
	p += 2 * PW_SALT_LEN + 1;
	if ((e = pw_parse_hex(p, PW_HASH_LEN, '\0', want)) != XA_OK)
		goto cleanup;
	if ((e = pw_derive(password, salt, iter, got)) != XA_OK)
		goto cleanup;
	*ok = CRYPTO_memcmp(got, want, PW_HASH_LEN) == 0;
	if (stale != NULL)
		*stale = *ok && iter < want_iterations;
	e = XA_OK;
cleanup:
	OPENSSL_cleanse(got, sizeof got);
	OPENSSL_cleanse(want, sizeof want);
	OPENSSL_cleanse(salt, sizeof salt);
	return e;
}

xa_err
crypto_sm4_block(const uint8_t key[16], int encrypt, const uint8_t in[16],
    uint8_t out[16])
{
	xa_err e = XA_ECRYPTO;
	int len = 0;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return XA_ENOMEM;
	if (algs_ready() &&
	    EVP_CipherInit_ex2(ctx, algs.sm4_ecb, key, NULL, encrypt ? 1 : 0, NULL) == 1 &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	    EVP_CipherUpdate(ctx, out, &len, in, 16) == 1 && len == 16)
		e = XA_OK;
	if (e != XA_OK)
		ERR_clear_error();
	EVP_CIPHER_CTX_free(ctx);	/* clears the key schedule */
	return e;
}

/* SM4-CTR of in[0..n) into out with a 16-byte key and a 16-byte initial
 * counter block. CTR is its own inverse, so this both seals and opens. */
static xa_err
sm4_ctr(const uint8_t key[SEAL_ENC_KEY_LEN], const uint8_t iv[SEAL_IV_LEN],
    const uint8_t *in, size_t n, uint8_t *out)
{
	xa_err e = XA_ECRYPTO;
	int len = 0;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL) {
		e = XA_ENOMEM;
		goto cleanup;
	}
	if (!algs_ready() || EVP_EncryptInit_ex2(ctx, algs.sm4_ctr, key, iv, NULL) != 1)
		goto cleanup;
	while (n > 0) {
		size_t k = n > CHUNK_MAX ? CHUNK_MAX : n;
		if (EVP_EncryptUpdate(ctx, out, &len, in, (int)k) != 1 ||
		    (size_t)len != k)
			goto cleanup;
		in += k;
		out += k;
		n -= k;
	}
	if (EVP_EncryptFinal_ex(ctx, out, &len) != 1 || len != 0)
		goto cleanup;
	e = XA_OK;
cleanup:
	if (e != XA_OK)
		ERR_clear_error();
	EVP_CIPHER_CTX_free(ctx);	/* clears the key schedule */
	return e;
}

/* The seal tag over blob[0..n) ("XA1" | iv | ciphertext): HMAC-SM3 under a
 * MAC key that is HMAC-SM3(the whole 32-byte key, label), so the MAC key is
 * never the same bytes as the cipher key and a key wrong in any bit fails
 * the tag before anything is decrypted. */
static xa_err
seal_tag(const uint8_t key[CRYPTO_KEY_LEN], const uint8_t *blob, size_t n,
    uint8_t tag[SEAL_TAG_LEN])
{
	uint8_t mackey[SM3_LEN];
	xa_err e = crypto_hmac_sm3(key, CRYPTO_KEY_LEN, SEAL_MAC_LABEL,
	    sizeof SEAL_MAC_LABEL - 1, mackey);
	if (e != XA_OK)
		goto cleanup;
	e = crypto_hmac_sm3(mackey, sizeof mackey, blob, n, tag);
cleanup:
	OPENSSL_cleanse(mackey, sizeof mackey);
	return e;
}

/* out receives "XA1" | iv | SM4-CTR(key[0..16), iv, in) | tag. in and out
 * must not overlap. */
xa_err
crypto_seal(const uint8_t key[32], const void *in, size_t n, uint8_t *out,
    size_t outcap, size_t *outlen)
{
	xa_err e;
	size_t total = 0, touched = 0;
	if (outlen != NULL)
		*outlen = 0;
	if (key == NULL || (in == NULL && n != 0) || out == NULL) {
		e = XA_EINVAL;
		goto cleanup;
	}
	if (n > SIZE_MAX - CRYPTO_SEAL_OVERHEAD ||
	    outcap < n + CRYPTO_SEAL_OVERHEAD) {
		e = XA_ETOOBIG;
		goto cleanup;
	}
	touched = n + CRYPTO_SEAL_OVERHEAD;
	memcpy(out, SEAL_MAGIC, SEAL_MAGIC_LEN);
	if ((e = crypto_random(out + SEAL_MAGIC_LEN, SEAL_IV_LEN)) != XA_OK)
		goto cleanup;
	if ((e = sm4_ctr(key, out + SEAL_MAGIC_LEN, in, n,
	    out + SEAL_HEAD_LEN)) != XA_OK)
		goto cleanup;
	if ((e = seal_tag(key, out, SEAL_HEAD_LEN + n,
	    out + SEAL_HEAD_LEN + n)) != XA_OK)
		goto cleanup;
	total = touched;
	e = XA_OK;
cleanup:
	/* A half-made blob must not be mistaken for a sealed one. */
	if (e != XA_OK && touched > 0)
		OPENSSL_cleanse(out, touched);
	if (outlen != NULL)
		*outlen = total;
	return e;
}

/* Checks the header and the tag of in (constant-time) and only then
 * decrypts into out. Anything wrong with the blob is XA_ECRYPTO, without
 * saying what, so a caller cannot be used as a padding-style oracle; a too
 * small out is XA_ETOOBIG. in and out must not overlap. */
xa_err
crypto_open(const uint8_t key[32], const void *in, size_t n, uint8_t *out,
    size_t outcap, size_t *outlen)
{
	xa_err e;
	const uint8_t *blob = in;
	size_t clen = 0, total = 0;
	uint8_t tag[SEAL_TAG_LEN];

	if (outlen != NULL)
		*outlen = 0;
	if (key == NULL || (in == NULL && n != 0)) {
		e = XA_EINVAL;
		goto cleanup;
	}
	if (n < CRYPTO_SEAL_OVERHEAD ||
	    memcmp(blob, SEAL_MAGIC, SEAL_MAGIC_LEN) != 0) {
		e = XA_ECRYPTO;
		goto cleanup;
	}
	clen = n - CRYPTO_SEAL_OVERHEAD;
	if (outcap < clen) {
		e = XA_ETOOBIG;
		goto cleanup;
	}
	if (out == NULL && clen != 0) {
		e = XA_EINVAL;
		goto cleanup;
	}
	if ((e = seal_tag(key, blob, SEAL_HEAD_LEN + clen, tag)) != XA_OK)
		goto cleanup;
	if (CRYPTO_memcmp(tag, blob + SEAL_HEAD_LEN + clen, SEAL_TAG_LEN)
	    != 0) {
		e = XA_ECRYPTO;
		goto cleanup;
	}
	if ((e = sm4_ctr(key, blob + SEAL_MAGIC_LEN, blob + SEAL_HEAD_LEN,
	    clen, out)) != XA_OK) {
		OPENSSL_cleanse(out, clen);
		goto cleanup;
	}
	total = clen;
	e = XA_OK;
cleanup:
	OPENSSL_cleanse(tag, sizeof tag);
	if (outlen != NULL)
		*outlen = total;
	return e;
}

/* The RFC 6238 / RFC 4226 code for one counter value: HMAC-SHA1 of the
 * big-endian counter, dynamic truncation, the low `digits` decimal digits
 * written zero-padded into out. */
static xa_err
totp_at(const uint8_t *secret, size_t n, uint64_t counter, unsigned digits,
    char out[9])
{
	static const uint32_t mod[9] = {
		1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
		100000000,
	};
	xa_err e;
	uint8_t msg[8];
	uint8_t mac[20];
	uint32_t bin = 0;
	for (int i = 7; i >= 0; i--) {
		msg[i] = (uint8_t)(counter & 0xff);
		counter >>= 8;
	}
	if (!algs_ready())
		return XA_ECRYPTO;
	if ((e = hmac_md(algs.hmac_sha1, secret, n, msg, sizeof msg, mac,
	    sizeof mac)) != XA_OK)
		goto cleanup;
	unsigned off = mac[19] & 0x0f;
	bin = ((uint32_t)(mac[off] & 0x7f) << 24) |
	    ((uint32_t)mac[off + 1] << 16) | ((uint32_t)mac[off + 2] << 8) |
	    (uint32_t)mac[off + 3];
	int w = snprintf(out, 9, "%0*lu", (int)digits,
	    (unsigned long)(bin % mod[digits]));
	if (w < 0 || (unsigned)w != digits) {
		e = XA_ECRYPTO;
		goto cleanup;
	}
	e = XA_OK;
cleanup:
	OPENSSL_cleanse(mac, sizeof mac);
	OPENSSL_cleanse(&bin, sizeof bin);
	return e;
}

xa_err
crypto_totp(const uint8_t *secret, size_t n, uint64_t t, unsigned step,
    unsigned digits, char out[9])
{
	if (out != NULL)
		out[0] = '\0';
	if (secret == NULL || n == 0 || step == 0 || digits < 6 ||
	    digits > 8 || out == NULL)
		return XA_EINVAL;
	xa_err e = totp_at(secret, n, t / step, digits, out);
	if (e != XA_OK)
		OPENSSL_cleanse(out, 9);
	return e;
}

/* Tries the counters t/step, t/step - 1 and t/step + 1, in that order of
 * preference, comparing every candidate in constant time and always
 * computing all three, so the time taken does not say which one matched.
 * The code must be 6 to 8 ASCII digits. */
int
crypto_totp_check(const uint8_t *secret, size_t n, uint64_t t, unsigned step,
    const char *code, uint64_t *step_used)
{
	static const int64_t delta[3] = { 0, -1, 1 };
	int found = 0;
	uint64_t used = 0, c;
	char cand[9];
	size_t digits;

	if (secret == NULL || n == 0 || step == 0 || code == NULL)
		goto cleanup;
	digits = strnlen(code, 9);
	if (digits < 6 || digits > 8)
		goto cleanup;
	for (size_t i = 0; i < digits; i++)
		if (code[i] < '0' || code[i] > '9')
			goto cleanup;

	c = t / step;
	for (int i = 0; i < 3; i++) {
		if ((delta[i] < 0 && c == 0) ||
		    (delta[i] > 0 && c == UINT64_MAX))
			continue;
		uint64_t k = c + (uint64_t)delta[i];
		if (totp_at(secret, n, k, (unsigned)digits, cand) != XA_OK)
			continue;
		int match = CRYPTO_memcmp(cand, code, digits) == 0;
		if (match && !found) {
			found = 1;
			used = k;
		}
	}
cleanup:
	OPENSSL_cleanse(cand, sizeof cand);
	if (found && step_used != NULL)
		*step_used = used;
	return found;
}
