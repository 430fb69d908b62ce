/* test_crypto.c: the crypto façade of src/core/crypto.c.
 *
 * Known answers where a standard publishes them (GB/T 32905 for SM3,
 * GB/T 32907 for SM4 reached through CTR, RFC 6238 for TOTP, RFC 4648 for
 * base32) or where the openssl command line computed them once (HMAC-SM3,
 * PBKDF2-HMAC-SM3); the rest are properties: round trips, tampering and
 * malformed input refused. The seal layout is also rebuilt here with plain
 * EVP calls, so the format in docs/internals/crypto.md is pinned. Must never
 * use real keys or passwords, and must stay fast (1000 PBKDF2 rounds). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/crypto.h"

/* Decodes a hex literal the test trusts; fails the test if it is not. */
static void
unhex_ok(const char *hex, uint8_t *out, size_t len)
{
	size_t got = 0;
	assert_int_equal(crypto_unhex(hex, out, len, &got), XA_OK);
	assert_int_equal(got, len);
}

static void
assert_digest_hex(const uint8_t d[SM3_LEN], const char *want)
{
	char hex[2 * SM3_LEN + 1];
	crypto_hex(d, SM3_LEN, hex);
	assert_string_equal(hex, want);
}

static const uint8_t test_key[CRYPTO_KEY_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

/* GB/T 32905-2016 appendix A, plus the empty message. */
static void
test_sm3_known_answers(void **state)
{
	(void)state;
	uint8_t d[SM3_LEN];
	char msg[65];

	assert_int_equal(crypto_sm3("abc", 3, d), XA_OK);
	assert_digest_hex(d, "66c7f0f462eeedd9d1f2d46bdc10e4e2"
	    "4167c4875cf2f7a2297da02b8f4ba8e0");

	for (int i = 0; i < 16; i++)
		memcpy(msg + 4 * i, "abcd", 4);
	assert_int_equal(crypto_sm3(msg, 64, d), XA_OK);
	assert_digest_hex(d, "debe9ff92275b8a138604889c18e5a4d"
	    "6fdb70e5387e5765293dcba39c0c5732");

	assert_int_equal(crypto_sm3(NULL, 0, d), XA_OK);
	assert_digest_hex(d, "1ab21d8355cfa17f8e61194831e81a8f"
	    "22bec8c728fefb747ed035eb5082aa2b");
}

/* HMAC-SM3 built by hand from SM3 (RFC 2104), for keys the CLI cannot
 * take. */
static void
hmac_by_hand(const uint8_t *key, size_t klen, const void *data, size_t n,
    uint8_t out[SM3_LEN])
{
	uint8_t k[64] = { 0 };
	uint8_t *buf = malloc(64 + (n > SM3_LEN ? n : SM3_LEN));
	assert_non_null(buf);
	if (klen > 64)
		assert_int_equal(crypto_sm3(key, klen, k), XA_OK);
	else if (klen > 0)
		memcpy(k, key, klen);
	for (int i = 0; i < 64; i++)
		buf[i] = k[i] ^ 0x36;
	if (n > 0)
		memcpy(buf + 64, data, n);
	uint8_t inner[SM3_LEN];
	assert_int_equal(crypto_sm3(buf, 64 + n, inner), XA_OK);
	for (int i = 0; i < 64; i++)
		buf[i] = k[i] ^ 0x5c;
	memcpy(buf + 64, inner, SM3_LEN);
	assert_int_equal(crypto_sm3(buf, 64 + SM3_LEN, out), XA_OK);
	free(buf);
}

/* Vectors from `printf DATA | openssl dgst -sm3 -hmac KEY` (and -macopt
 * hexkey: for the 100-byte key) on Debian 12's OpenSSL 3.0. */
static void
test_hmac_sm3(void **state)
{
	(void)state;
	uint8_t d[SM3_LEN], h[SM3_LEN];
	uint8_t longkey[100];
	const char *fox = "The quick brown fox jumps over the lazy dog";

	assert_int_equal(crypto_hmac_sm3("key", 3, "abc", 3, d), XA_OK);
	assert_digest_hex(d, "28e63256e7c5a087b1f073265dc53092"
	    "163f7b82729735d06f28f10af9d52393");

	assert_int_equal(crypto_hmac_sm3("key", 3, fox, strlen(fox), d),
	    XA_OK);
	assert_digest_hex(d, "bd4a34077888162b210645b8ebf74b9a"
	    "f357303789357a27c7fc457244ebd398");

	memset(longkey, 'k', sizeof longkey);
	assert_int_equal(crypto_hmac_sm3(longkey, sizeof longkey, "xiaoan", 6,
	    d), XA_OK);
	assert_digest_hex(d, "aaab8daa257034f1a2576c49af176a90"
	    "f2de33869d1a65121f5d3212c111fad0");
	hmac_by_hand(longkey, sizeof longkey, "xiaoan", 6, h);
	assert_memory_equal(d, h, SM3_LEN);

	/* Empty key and empty message are legal HMAC inputs. */
	assert_int_equal(crypto_hmac_sm3(NULL, 0, "abc", 3, d), XA_OK);
	hmac_by_hand(NULL, 0, "abc", 3, h);
	assert_memory_equal(d, h, SM3_LEN);
	assert_int_equal(crypto_hmac_sm3("key", 3, NULL, 0, d), XA_OK);
	hmac_by_hand((const uint8_t *)"key", 3, NULL, 0, h);
	assert_memory_equal(d, h, SM3_LEN);

	assert_int_equal(crypto_hmac_sm3(NULL, 3, "abc", 3, d), XA_EINVAL);
}

static void
test_equal(void **state)
{
	(void)state;
	assert_true(crypto_equal("abc", "abc", 3));
	assert_false(crypto_equal("abc", "abd", 3));
	assert_false(crypto_equal("abc", "bbc", 3));
	assert_true(crypto_equal("abc", "abd", 2));
	assert_true(crypto_equal("x", "y", 0));
}

static void
test_random(void **state)
{
	(void)state;
	uint8_t a[32] = { 0 }, b[32] = { 0 }, zero[32] = { 0 };
	assert_int_equal(crypto_random(a, sizeof a), XA_OK);
	assert_int_equal(crypto_random(b, sizeof b), XA_OK);
	assert_false(crypto_equal(a, b, sizeof a));
	assert_false(crypto_equal(a, zero, sizeof a));
	assert_int_equal(crypto_random(NULL, 0), XA_OK);
}

static void
test_hex(void **state)
{
	(void)state;
	uint8_t all[256], back[256];
	char hex[513];
	size_t n = 99;

	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	crypto_hex(all, sizeof all, hex);
	assert_int_equal(strlen(hex), 512);
	assert_memory_equal(hex, "000102030405060708090a0b0c0d0e0f10", 34);
	assert_string_equal(hex + 480, "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
	assert_int_equal(crypto_unhex(hex, back, sizeof back, &n), XA_OK);
	assert_int_equal(n, 256);
	assert_memory_equal(all, back, 256);

	crypto_hex(all, 0, hex);
	assert_string_equal(hex, "");
	assert_int_equal(crypto_unhex("", back, 0, &n), XA_OK);
	assert_int_equal(n, 0);

	assert_int_equal(crypto_unhex("DEADbeef", back, 4, &n), XA_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(back, "\xde\xad\xbe\xef", 4);

	assert_int_equal(crypto_unhex("abc", back, 4, &n), XA_EINVAL);
	assert_int_equal(crypto_unhex("0g", back, 4, &n), XA_EINVAL);
	assert_int_equal(crypto_unhex("g0", back, 4, &n), XA_EINVAL);
	assert_int_equal(crypto_unhex("0/", back, 4, &n), XA_EINVAL);
	assert_int_equal(crypto_unhex("0:", back, 4, &n), XA_EINVAL);
	assert_int_equal(crypto_unhex("@0", back, 4, &n), XA_EINVAL);
	assert_int_equal(crypto_unhex("0 ", back, 4, &n), XA_EINVAL);
	assert_int_equal(crypto_unhex(NULL, back, 4, &n), XA_EINVAL);
	assert_int_equal(crypto_unhex("0011", back, 1, &n), XA_ETOOBIG);
}

/* RFC 4648 section 10 (without the padding we never write). */
static void
test_base32_vectors(void **state)
{
	(void)state;
	static const char *const v[][2] = {
		{ "", "" }, { "f", "MY" }, { "fo", "MZXQ" }, { "foo", "MZXW6" },
		{ "foob", "MZXW6YQ" }, { "fooba", "MZXW6YTB" },
		{ "foobar", "MZXW6YTBOI" },
	};
	char out[32];
	uint8_t back[16];
	size_t n;

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		size_t len = strlen(v[i][0]);
		assert_int_equal(crypto_base32(v[i][0], len, out, sizeof out),
		    XA_OK);
		assert_string_equal(out, v[i][1]);
		assert_int_equal(crypto_unbase32(v[i][1], back, sizeof back,
		    &n), XA_OK);
		assert_int_equal(n, len);
		assert_memory_equal(back, v[i][0], len);
	}
	/* The padded forms RFC 4648 prints, lower case, spaces. */
	static const char *const padded[][2] = {
		{ "MY======", "f" }, { "MZXQ====", "fo" }, { "MZXW6===", "foo" },
		{ "MZXW6YQ=", "foob" }, { "MZXW6YTBOI======", "foobar" },
		{ "mzxw6ytboi", "foobar" }, { "mzxw 6ytb oi", "foobar" },
		{ " MZXW6YTBOI ====== ", "foobar" },
	};
	for (size_t i = 0; i < sizeof padded / sizeof padded[0]; i++) {
		size_t len = strlen(padded[i][1]);
		assert_int_equal(crypto_unbase32(padded[i][0], back,
		    sizeof back, &n), XA_OK);
		assert_int_equal(n, len);
		assert_memory_equal(back, padded[i][1], len);
	}
}

static void
test_base32_errors(void **state)
{
	(void)state;
	uint8_t back[16];
	char out[32];
	size_t n;

	/* Not in the alphabet: digits 0, 1, 8, 9 and punctuation. */
	assert_int_equal(crypto_unbase32("MZXW6YT0", back, 16, &n), XA_EINVAL);
	assert_int_equal(crypto_unbase32("MZXW6YT1", back, 16, &n), XA_EINVAL);
	assert_int_equal(crypto_unbase32("MZXW6YT8", back, 16, &n), XA_EINVAL);
	assert_int_equal(crypto_unbase32("MZXW-6YTB", back, 16, &n),
	    XA_EINVAL);
	assert_int_equal(crypto_unbase32("MZ\tXQ", back, 16, &n), XA_EINVAL);
	/* Lengths no encoder makes. */
	assert_int_equal(crypto_unbase32("M", back, 16, &n), XA_EINVAL);
	assert_int_equal(crypto_unbase32("MZX", back, 16, &n), XA_EINVAL);
	assert_int_equal(crypto_unbase32("MZXW6Y", back, 16, &n), XA_EINVAL);
	/* Padding in the middle, too much, too little. */
	assert_int_equal(crypto_unbase32("MY==MY==", back, 16, &n), XA_EINVAL);
	assert_int_equal(crypto_unbase32("MY=======", back, 16, &n),
	    XA_EINVAL);
	assert_int_equal(crypto_unbase32("MY=====", back, 16, &n), XA_EINVAL);
	assert_int_equal(crypto_unbase32("========", back, 16, &n),
	    XA_EINVAL);
	/* Non-zero leftover bits: "MZ" is not what "f" encodes to. */
	assert_int_equal(crypto_unbase32("MZ", back, 16, &n), XA_EINVAL);
	assert_int_equal(crypto_unbase32(NULL, back, 16, &n), XA_EINVAL);
	/* Output space. */
	assert_int_equal(crypto_unbase32("MZXW6YTBOI", back, 5, &n),
	    XA_ETOOBIG);
	assert_int_equal(crypto_unbase32("MZXW6YTBOI", back, 6, &n), XA_OK);
	assert_int_equal(crypto_base32("foobar", 6, out, 10), XA_ETOOBIG);
	assert_int_equal(crypto_base32("foobar", 6, out, 11), XA_OK);
}

static void
test_base32_round_trip(void **state)
{
	(void)state;
	uint8_t in[64], back[64];
	char b32[128];
	size_t n;
	assert_int_equal(crypto_random(in, sizeof in), XA_OK);
	for (size_t len = 0; len <= sizeof in; len++) {
		assert_int_equal(crypto_base32(in, len, b32, sizeof b32), XA_OK);
		assert_int_equal(strlen(b32), (len * 8 + 4) / 5);
		assert_int_equal(crypto_unbase32(b32, back, sizeof back, &n),
		    XA_OK);
		assert_int_equal(n, len);
		assert_memory_equal(in, back, len);
	}
}

/* Seals then opens n bytes of pattern and checks the blob's shape. */
static void
round_trip(size_t n)
{
	uint8_t *in = malloc(n ? n : 1);
	uint8_t *blob = malloc(n + CRYPTO_SEAL_OVERHEAD);
	uint8_t *back = malloc(n ? n : 1);
	size_t blen = 0, blen2 = 0;
	assert_non_null(in);
	assert_non_null(blob);
	assert_non_null(back);
	for (size_t i = 0; i < n; i++)
		in[i] = (uint8_t)(i * 31 + 7);

	assert_int_equal(crypto_seal(test_key, in, n, blob,
	    n + CRYPTO_SEAL_OVERHEAD, &blen), XA_OK);
	assert_int_equal(blen, n + CRYPTO_SEAL_OVERHEAD);
	assert_memory_equal(blob, "XA1", 3);
	if (n >= 16)
		assert_memory_not_equal(blob + 19, in, 16);
	assert_int_equal(crypto_open(test_key, blob, blen, back, n, &blen2),
	    XA_OK);
	assert_int_equal(blen2, n);
	if (n > 0)
		assert_memory_equal(in, back, n);
	free(in);
	free(blob);
	free(back);
}

static void
test_seal_round_trips(void **state)
{
	(void)state;
	round_trip(0);
	round_trip(1);
	round_trip(15);
	round_trip(16);
	round_trip(17);
	round_trip(1000);
	round_trip(1u << 20);
}

/* GB/T 32907-2016 appendix A, example 1: E_K(P) = 681edf34…4246. In CTR the
 * first keystream block is E_K(iv), so a blob whose iv is P and whose
 * ciphertext is E_K(P) must open to sixteen zero bytes. The tag is made
 * here as the format describes it. */
static void
test_seal_sm4_known_answer(void **state)
{
	(void)state;
	uint8_t key[CRYPTO_KEY_LEN];
	uint8_t blob[16 + CRYPTO_SEAL_OVERHEAD];
	uint8_t mackey[SM3_LEN], out[16], zero[16] = { 0 };
	size_t n = 0;

	unhex_ok("0123456789abcdeffedcba9876543210", key, 16);
	memset(key + 16, 0xa5, 16);
	memcpy(blob, "XA1", 3);
	unhex_ok("0123456789abcdeffedcba9876543210", blob + 3, 16);
	unhex_ok("681edf34d206965e86b3e94f536e4246", blob + 19, 16);
	assert_int_equal(crypto_hmac_sm3(key, 32, "xiaoan seal mac v1",
	    18, mackey), XA_OK);
	assert_int_equal(crypto_hmac_sm3(mackey, sizeof mackey, blob, 35,
	    blob + 35), XA_OK);
	assert_int_equal(crypto_open(key, blob, sizeof blob, out, sizeof out,
	    &n), XA_OK);
	assert_int_equal(n, 16);
	assert_memory_equal(out, zero, 16);
}

/* GB/T 32907-2016 appendix A, example 1, one block each way; and the
 * two directions are inverses on a random block. */
static void
test_sm4_block(void **state)
{
	(void)state;
	uint8_t key[16], plain[16], want[16], out[16], back[16];
	unhex_ok("0123456789abcdeffedcba9876543210", key, 16);
	unhex_ok("0123456789abcdeffedcba9876543210", plain, 16);
	unhex_ok("681edf34d206965e86b3e94f536e4246", want, 16);
	assert_int_equal(crypto_sm4_block(key, 1, plain, out), XA_OK);
	assert_memory_equal(out, want, 16);
	assert_int_equal(crypto_sm4_block(key, 0, want, back), XA_OK);
	assert_memory_equal(back, plain, 16);
	assert_int_equal(crypto_random(plain, sizeof plain), XA_OK);
	assert_int_equal(crypto_sm4_block(key, 1, plain, out), XA_OK);
	assert_memory_not_equal(out, plain, 16);
	assert_int_equal(crypto_sm4_block(key, 0, out, back), XA_OK);
	assert_memory_equal(back, plain, 16);
}

/* Rebuilds what crypto_seal wrote with plain EVP calls: the documented
 * layout, the MAC key derivation and SM4-CTR with the iv as the first
 * counter block. */
static void
test_seal_layout(void **state)
{
	(void)state;
	const char *msg = "校安: sealed at rest, opened by the case team only";
	size_t n = strlen(msg), blen = 0;
	uint8_t blob[256], mackey[SM3_LEN], tag[SM3_LEN], plain[256];
	int len = 0, fin = 0;

	assert_int_equal(crypto_seal(test_key, msg, n, blob, sizeof blob,
	    &blen), XA_OK);
	assert_int_equal(crypto_hmac_sm3(test_key, 32,
	    "xiaoan seal mac v1", 18, mackey), XA_OK);
	assert_int_equal(crypto_hmac_sm3(mackey, sizeof mackey, blob,
	    3 + 16 + n, tag), XA_OK);
	assert_memory_equal(tag, blob + 3 + 16 + n, SM3_LEN);

	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	assert_non_null(ctx);
	assert_int_equal(EVP_DecryptInit_ex2(ctx, EVP_sm4_ctr(), test_key,
	    blob + 3, NULL), 1);
	assert_int_equal(EVP_DecryptUpdate(ctx, plain, &len, blob + 19,
	    (int)n), 1);
	assert_int_equal(EVP_DecryptFinal_ex(ctx, plain + len, &fin), 1);
	EVP_CIPHER_CTX_free(ctx);
	assert_int_equal((size_t)(len + fin), n);
	assert_memory_equal(plain, msg, n);

	/* Another format name is refused even under a tag that fits it. */
	size_t olen = 9;
	blob[2] = '2';
	assert_int_equal(crypto_hmac_sm3(mackey, sizeof mackey, blob,
	    3 + 16 + n, blob + 3 + 16 + n), XA_OK);
	assert_int_equal(crypto_open(test_key, blob, blen, plain, sizeof plain,
	    &olen), XA_ECRYPTO);
	assert_int_equal(olen, 0);
}

static void
test_seal_tamper(void **state)
{
	(void)state;
	const char *msg = "witness statement, grade 7, class 3";
	size_t n = strlen(msg), blen = 0, olen = 99;
	uint8_t blob[128], out[128];

	assert_int_equal(crypto_seal(test_key, msg, n, blob, sizeof blob,
	    &blen), XA_OK);
	for (size_t i = 0; i < blen; i++) {
		static const uint8_t flips[] = { 0x01, 0x80, 0xff };
		for (size_t f = 0; f < sizeof flips; f++) {
			blob[i] ^= flips[f];
			assert_int_equal(crypto_open(test_key, blob, blen, out,
			    sizeof out, &olen), XA_ECRYPTO);
			assert_int_equal(olen, 0);
			blob[i] ^= flips[f];
		}
	}
	/* Untouched, it still opens. */
	assert_int_equal(crypto_open(test_key, blob, blen, out, sizeof out,
	    &olen), XA_OK);
	assert_int_equal(olen, n);
	assert_memory_equal(out, msg, n);
}

static void
test_seal_wrong_key_and_length(void **state)
{
	(void)state;
	const char *msg = "counselling note";
	size_t n = strlen(msg), blen = 0, olen;
	uint8_t blob[128], out[128], key2[CRYPTO_KEY_LEN];

	assert_int_equal(crypto_seal(test_key, msg, n, blob, sizeof blob,
	    &blen), XA_OK);

	/* Another key (say audit.key given for data.key) fails, and so does
	 * a change to any one bit of it: the MAC key comes from all 32 bytes. */
	assert_int_equal(crypto_random(key2, sizeof key2), XA_OK);
	assert_int_equal(crypto_open(key2, blob, blen, out, sizeof out, &olen),
	    XA_ECRYPTO);
	for (size_t i = 0; i < CRYPTO_KEY_LEN; i++) {
		memcpy(key2, test_key, sizeof key2);
		key2[i] ^= 0x40;
		assert_int_equal(crypto_open(key2, blob, blen, out, sizeof out,
		    &olen), XA_ECRYPTO);
	}

	/* Every truncation and one extra byte fail. */
	for (size_t len = 0; len < blen; len++)
		assert_int_equal(crypto_open(test_key, blob, len, out,
		    sizeof out, &olen), XA_ECRYPTO);
	blob[blen] = 0;
	assert_int_equal(crypto_open(test_key, blob, blen + 1, out, sizeof out,
	    &olen), XA_ECRYPTO);

	/* Output too small: seal and open. */
	assert_int_equal(crypto_open(test_key, blob, blen, out, n - 1, &olen),
	    XA_ETOOBIG);
	assert_int_equal(crypto_seal(test_key, msg, n, blob,
	    n + CRYPTO_SEAL_OVERHEAD - 1, &blen), XA_ETOOBIG);
	assert_int_equal(blen, 0);
	assert_int_equal(crypto_seal(test_key, msg, SIZE_MAX - 10, blob,
	    sizeof blob, &blen), XA_ETOOBIG);
}

static void
test_seal_random_iv(void **state)
{
	(void)state;
	const char *msg = "same plaintext";
	size_t n = strlen(msg), l1, l2;
	uint8_t a[128], b[128];

	assert_int_equal(crypto_seal(test_key, msg, n, a, sizeof a, &l1),
	    XA_OK);
	assert_int_equal(crypto_seal(test_key, msg, n, b, sizeof b, &l2),
	    XA_OK);
	assert_int_equal(l1, l2);
	assert_memory_not_equal(a + 3, b + 3, 16);	/* iv */
	assert_memory_not_equal(a + 19, b + 19, n);	/* ciphertext */
	assert_memory_not_equal(a + 19 + n, b + 19 + n, 32);	/* tag */
}

#define PW_ITER 1000

/* Checks stored against "pbkdf2-sm3$ITER$<32 hex>$<64 hex>". */
static void
assert_pw_format(const char *stored, const char *iter)
{
	const char *prefix = "pbkdf2-sm3$";
	size_t pl = strlen(prefix), il = strlen(iter);
	assert_memory_equal(stored, prefix, pl);
	assert_memory_equal(stored + pl, iter, il);
	const char *p = stored + pl + il;
	assert_int_equal(p[0], '$');
	for (int i = 1; i <= 32; i++)
		assert_non_null(strchr("0123456789abcdef", p[i]));
	assert_int_equal(p[33], '$');
	for (int i = 34; i < 34 + 64; i++)
		assert_non_null(strchr("0123456789abcdef", p[i]));
	assert_int_equal(p[34 + 64], '\0');
}

static void
test_password_round_trip(void **state)
{
	(void)state;
	char h1[CRYPTO_PWHASH_LEN], h2[CRYPTO_PWHASH_LEN];
	int ok = -1, stale = -1;

	assert_int_equal(crypto_password_hash("正确 horse battery", PW_ITER, h1,
	    sizeof h1), XA_OK);
	assert_pw_format(h1, "1000");
	assert_int_equal(crypto_password_verify("正确 horse battery", h1,
	    PW_ITER, &ok, &stale), XA_OK);
	assert_int_equal(ok, 1);
	assert_int_equal(stale, 0);

	assert_int_equal(crypto_password_verify("正确 horse batterY", h1,
	    PW_ITER, &ok, &stale), XA_OK);
	assert_int_equal(ok, 0);
	assert_int_equal(stale, 0);
	assert_int_equal(crypto_password_verify("", h1, PW_ITER, &ok, &stale),
	    XA_OK);
	assert_int_equal(ok, 0);

	/* Fresh salt each time. */
	assert_int_equal(crypto_password_hash("正确 horse battery", PW_ITER, h2,
	    sizeof h2), XA_OK);
	assert_string_not_equal(h1, h2);
	assert_memory_not_equal(h1 + 16, h2 + 16, 32);

	/* The empty password hashes and verifies like any other. */
	assert_int_equal(crypto_password_hash("", PW_ITER, h2, sizeof h2),
	    XA_OK);
	assert_int_equal(crypto_password_verify("", h2, PW_ITER, &ok, NULL),
	    XA_OK);
	assert_int_equal(ok, 1);
}

/* From `openssl kdf -keylen 32 -kdfopt digest:SM3 -kdfopt
 * pass:correct-horse -kdfopt hexsalt:000102…0f -kdfopt iter:1000 PBKDF2`. */
static void
test_password_known_answer(void **state)
{
	(void)state;
	const char *stored = "pbkdf2-sm3$1000$000102030405060708090a0b0c0d0e0f$"
	    "8df86f5fb6d51583edfdf814208b7e7828b6f117dbc520061157d1b74f7d0c98";
	int ok = 0, stale = 0;
	assert_int_equal(crypto_password_verify("correct-horse", stored, 1000,
	    &ok, &stale), XA_OK);
	assert_int_equal(ok, 1);
	/* Upper-case hex is read too: hex is hex. */
	const char *upper = "pbkdf2-sm3$1000$000102030405060708090A0B0C0D0E0F$"
	    "8DF86F5FB6D51583EDFDF814208B7E7828B6F117DBC520061157D1B74F7D0C98";
	assert_int_equal(crypto_password_verify("correct-horse", upper, 1000,
	    &ok, &stale), XA_OK);
	assert_int_equal(ok, 1);
}

static void
test_password_stale(void **state)
{
	(void)state;
	char h[CRYPTO_PWHASH_LEN];
	int ok = -1, stale = -1;

	assert_int_equal(crypto_password_hash("pw", PW_ITER, h, sizeof h),
	    XA_OK);
	assert_int_equal(crypto_password_verify("pw", h, PW_ITER + 1, &ok,
	    &stale), XA_OK);
	assert_int_equal(ok, 1);
	assert_int_equal(stale, 1);
	assert_int_equal(crypto_password_verify("pw", h, 500, &ok, &stale),
	    XA_OK);
	assert_int_equal(ok, 1);
	assert_int_equal(stale, 0);
	/* A wrong password is never "stale": nothing to rehash. */
	assert_int_equal(crypto_password_verify("pW", h, 100000, &ok, &stale),
	    XA_OK);
	assert_int_equal(ok, 0);
	assert_int_equal(stale, 0);
}

static void
test_password_malformed(void **state)
{
	(void)state;
	static const char salt[] = "000102030405060708090a0b0c0d0e0f";
	static const char hash[] =
	    "8df86f5fb6d51583edfdf814208b7e7828b6f117dbc520061157d1b74f7d0c98";
	char s[256];
	int ok, stale;
	/* Each line breaks exactly one thing. */
	static const char *const bad[][4] = {
		/* prefix, iter, salt, hash */
		{ "pbkdf2-sm4$", "1000", NULL, NULL },
		{ "PBKDF2-SM3$", "1000", NULL, NULL },
		{ "pbkdf2-sha256$", "1000", NULL, NULL },
		{ "", "1000", NULL, NULL },
		{ NULL, "999", NULL, NULL },
		{ NULL, "10000001", NULL, NULL },
		{ NULL, "100000000000000000000", NULL, NULL },
		{ NULL, "01000", NULL, NULL },
		{ NULL, "+1000", NULL, NULL },
		{ NULL, "-1000", NULL, NULL },
		{ NULL, " 1000", NULL, NULL },
		{ NULL, "1000 ", NULL, NULL },
		{ NULL, "1e4", NULL, NULL },
		{ NULL, "", NULL, NULL },
		{ NULL, NULL, "000102030405060708090a0b0c0d0e0", NULL },
		{ NULL, NULL, "000102030405060708090a0b0c0d0e0f0", NULL },
		{ NULL, NULL, "000102030405060708090a0b0c0d0e0g", NULL },
		{ NULL, NULL, "", NULL },
		{ NULL, NULL, NULL, "8df86f5fb6d51583edfdf814208b7e7828b6f117"
		    "dbc520061157d1b74f7d0c9" },
		{ NULL, NULL, NULL, "8df86f5fb6d51583edfdf814208b7e7828b6f117"
		    "dbc520061157d1b74f7d0c988" },
		{ NULL, NULL, NULL, "8df86f5fb6d51583edfdf814208b7e7828b6f117"
		    "dbc520061157d1b74f7d0c9x" },
		{ NULL, NULL, NULL, "8df86f5fb6d51583edfdf814208b7e7828b6f117"
		    "dbc520061157d1b74f7d0c98$" },
		{ NULL, NULL, NULL, "" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int w = snprintf(s, sizeof s, "%s%s$%s$%s",
		    bad[i][0] ? bad[i][0] : "pbkdf2-sm3$",
		    bad[i][1] ? bad[i][1] : "1000",
		    bad[i][2] ? bad[i][2] : salt,
		    bad[i][3] ? bad[i][3] : hash);
		assert_true(w > 0 && (size_t)w < sizeof s);
		ok = stale = -1;
		assert_int_equal(crypto_password_verify("correct-horse", s, 1000,
		    &ok, &stale), XA_EINVAL);
		assert_int_equal(ok, 0);
		assert_int_equal(stale, 0);
	}
	/* Missing fields and separators. */
	static const char *const short_forms[] = {
		"", "pbkdf2-sm3", "pbkdf2-sm3$", "pbkdf2-sm3$1000",
		"pbkdf2-sm3$1000$",
		"pbkdf2-sm3$1000$000102030405060708090a0b0c0d0e0f",
		"pbkdf2-sm3$1000$000102030405060708090a0b0c0d0e0f$",
		"pbkdf2-sm3$1000000102030405060708090a0b0c0d0e0f$x",
		"$2b$12$abcdefghijklmnopqrstuv",
	};
	for (size_t i = 0; i < sizeof short_forms / sizeof short_forms[0];
	    i++)
		assert_int_equal(crypto_password_verify("x", short_forms[i],
		    1000, &ok, &stale), XA_EINVAL);
	assert_int_equal(crypto_password_verify("x", NULL, 1000, &ok, &stale),
	    XA_EINVAL);

	/* The control: the same pieces unbroken verify. */
	int w = snprintf(s, sizeof s, "pbkdf2-sm3$1000$%s$%s", salt, hash);
	assert_true(w > 0);
	assert_int_equal(crypto_password_verify("correct-horse", s, 1000, &ok,
	    &stale), XA_OK);
	assert_int_equal(ok, 1);
}

static void
test_password_hash_args(void **state)
{
	(void)state;
	char h[CRYPTO_PWHASH_LEN];
	assert_int_equal(crypto_password_hash("pw", 999, h, sizeof h),
	    XA_EINVAL);
	assert_int_equal(crypto_password_hash("pw", 10000001, h, sizeof h),
	    XA_EINVAL);
	assert_int_equal(crypto_password_hash(NULL, PW_ITER, h, sizeof h),
	    XA_EINVAL);
	/* "pbkdf2-sm3$1000$" + 32 + "$" + 64 = 113 characters. */
	assert_int_equal(crypto_password_hash("pw", PW_ITER, h, 113),
	    XA_ETOOBIG);
	assert_int_equal(crypto_password_hash("pw", PW_ITER, h, 114), XA_OK);
	assert_int_equal(strlen(h), 113);
}

/* RFC 6238 appendix B, SHA1 column; the seed is the ASCII string. */
static const uint8_t rfc_seed[] = "12345678901234567890";
#define RFC_SEED_LEN 20

static void
test_totp_rfc6238(void **state)
{
	(void)state;
	static const struct {
		uint64_t t;
		const char *code;
	} v[] = {
		{ 59, "94287082" }, { 1111111109, "07081804" },
		{ 1111111111, "14050471" }, { 1234567890, "89005924" },
		{ 2000000000, "69279037" }, { 20000000000ull, "65353130" },
	};
	char out[9];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		assert_int_equal(crypto_totp(rfc_seed, RFC_SEED_LEN, v[i].t, 30,
		    8, out), XA_OK);
		assert_string_equal(out, v[i].code);
		/* Six digits are the low six of the same number. */
		assert_int_equal(crypto_totp(rfc_seed, RFC_SEED_LEN, v[i].t, 30,
		    6, out), XA_OK);
		assert_string_equal(out, v[i].code + 2);
		uint64_t used = 0;
		assert_true(crypto_totp_check(rfc_seed, RFC_SEED_LEN, v[i].t,
		    30, v[i].code, &used));
		assert_true(used == v[i].t / 30);
	}
	assert_int_equal(crypto_totp(rfc_seed, RFC_SEED_LEN, 59, 30, 5, out),
	    XA_EINVAL);
	assert_int_equal(crypto_totp(rfc_seed, RFC_SEED_LEN, 59, 30, 9, out),
	    XA_EINVAL);
	assert_int_equal(crypto_totp(rfc_seed, RFC_SEED_LEN, 59, 0, 6, out),
	    XA_EINVAL);
	assert_int_equal(crypto_totp(rfc_seed, 0, 59, 30, 6, out), XA_EINVAL);
}

static void
test_totp_window(void **state)
{
	(void)state;
	const uint64_t t = 1234567890;	/* counter 41152263 */
	const uint64_t c = t / 30;
	char code[9];
	uint64_t used;

	assert_int_equal(crypto_totp(rfc_seed, RFC_SEED_LEN, t, 30, 6, code),
	    XA_OK);
	/* The same code seen from one step later and one step earlier. */
	used = 0;
	assert_true(crypto_totp_check(rfc_seed, RFC_SEED_LEN, t + 30, 30, code,
	    &used));
	assert_true(used == c);
	used = 0;
	assert_true(crypto_totp_check(rfc_seed, RFC_SEED_LEN, t - 30, 30, code,
	    &used));
	assert_true(used == c);
	/* Two steps away it is refused, and step_used is left alone. */
	used = 7;
	assert_false(crypto_totp_check(rfc_seed, RFC_SEED_LEN, t + 60, 30,
	    code, &used));
	assert_false(crypto_totp_check(rfc_seed, RFC_SEED_LEN, t - 60, 30,
	    code, &used));
	assert_true(used == 7);

	/* Codes of the neighbouring counters, checked at t. */
	char prev[9], next[9], far[9];
	assert_int_equal(crypto_totp(rfc_seed, RFC_SEED_LEN, t - 30, 30, 6,
	    prev), XA_OK);
	assert_int_equal(crypto_totp(rfc_seed, RFC_SEED_LEN, t + 30, 30, 6,
	    next), XA_OK);
	assert_int_equal(crypto_totp(rfc_seed, RFC_SEED_LEN, t + 60, 30, 6,
	    far), XA_OK);
	assert_true(crypto_totp_check(rfc_seed, RFC_SEED_LEN, t, 30, prev,
	    &used));
	assert_true(used == c - 1);
	assert_true(crypto_totp_check(rfc_seed, RFC_SEED_LEN, t, 30, next,
	    &used));
	assert_true(used == c + 1);
	assert_false(crypto_totp_check(rfc_seed, RFC_SEED_LEN, t, 30, far,
	    &used));

	/* At counter 0 there is no step before; nothing wraps. */
	assert_int_equal(crypto_totp(rfc_seed, RFC_SEED_LEN, 0, 30, 6, code),
	    XA_OK);
	assert_true(crypto_totp_check(rfc_seed, RFC_SEED_LEN, 10, 30, code,
	    &used));
	assert_true(used == 0);
	/* Works without step_used too. */
	assert_true(crypto_totp_check(rfc_seed, RFC_SEED_LEN, 10, 30, code,
	    NULL));

	/* At the last counter there is no step after; nothing wraps. */
	assert_int_equal(crypto_totp(rfc_seed, RFC_SEED_LEN, UINT64_MAX, 1, 6,
	    code), XA_OK);
	assert_true(crypto_totp_check(rfc_seed, RFC_SEED_LEN, UINT64_MAX, 1,
	    code, &used));
	assert_true(used == UINT64_MAX);
}

static void
test_totp_bad_codes(void **state)
{
	(void)state;
	const uint64_t t = 59;
	uint64_t used = 5;
	/* 94287082 is right at t=59 in 8 digits; 287082 in 6. */
	assert_true(crypto_totp_check(rfc_seed, RFC_SEED_LEN, t, 30, "287082",
	    &used));
	static const char *const bad[] = {
		"", "28708", "2870820", "94287083", "942870820",
		"28708a", " 287082", "287082 ", "+287082", "２８７０８２",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(crypto_totp_check(rfc_seed, RFC_SEED_LEN, t, 30,
		    bad[i], &used));
	assert_false(crypto_totp_check(rfc_seed, RFC_SEED_LEN, t, 30, NULL,
	    &used));
	assert_false(crypto_totp_check(rfc_seed, RFC_SEED_LEN, t, 0, "287082",
	    &used));
	assert_false(crypto_totp_check(rfc_seed, 0, t, 30, "287082", &used));
	assert_true(used == 1);
}

/* A base32 secret as an authenticator app shows it drives TOTP. */
static void
test_totp_base32_secret(void **state)
{
	(void)state;
	char b32[64], code[9];
	uint8_t secret[32];
	size_t n = 0;
	assert_int_equal(crypto_base32(rfc_seed, RFC_SEED_LEN, b32, sizeof b32),
	    XA_OK);
	assert_string_equal(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	assert_int_equal(crypto_unbase32("gezd gnbv gy3t qojq gezd gnbv gy3t "
	    "qojq", secret, sizeof secret, &n), XA_OK);
	assert_int_equal(n, RFC_SEED_LEN);
	assert_int_equal(crypto_totp(secret, n, 59, 30, 8, code), XA_OK);
	assert_string_equal(code, "94287082");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sm3_known_answers),
		cmocka_unit_test(test_hmac_sm3),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_base32_vectors),
		cmocka_unit_test(test_base32_errors),
		cmocka_unit_test(test_base32_round_trip),
		cmocka_unit_test(test_seal_round_trips),
		cmocka_unit_test(test_seal_sm4_known_answer),
		cmocka_unit_test(test_sm4_block),
		cmocka_unit_test(test_seal_layout),
		cmocka_unit_test(test_seal_tamper),
		cmocka_unit_test(test_seal_wrong_key_and_length),
		cmocka_unit_test(test_seal_random_iv),
		cmocka_unit_test(test_password_round_trip),
		cmocka_unit_test(test_password_known_answer),
		cmocka_unit_test(test_password_stale),
		cmocka_unit_test(test_password_malformed),
		cmocka_unit_test(test_password_hash_args),
		cmocka_unit_test(test_totp_rfc6238),
		cmocka_unit_test(test_totp_window),
		cmocka_unit_test(test_totp_bad_codes),
		cmocka_unit_test(test_totp_base32_secret),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
