/* receipt.c: the receipt code (see receipt.h).
 *
 * Never: keep a code anywhere but in the answer that shows it; let a
 * malformed code take a shorter path than a well-formed one; use the
 * locator key for anything else. */
#include "receipt.h"

#include <openssl/crypto.h>
#include <string.h>

#include "../auth/keys.h"
#include "../core/utf8.h"

/* 29 symbols: 28 of them carry 136 bits. */
static const char rc_alphabet[] = "23456789ABCDEFGHJKMNPQRSTWXYZ";
#define RC_SYMBOLS 29
/* E·2^128 + block < 29^28 for every E below this (29^28 / 2^128 ≈ 260.2). */
#define RC_EXTRA 260
#define NUM_LEN 18			/* bytes of the 137-bit number, big-endian */
#define ID_BYTES 5			/* 40 bits of id at the head of the block */

/* What is hashed for a malformed code: lower case, which no normalised
 * code contains. */
static const char rc_dummy[RC_LEN + 1] = "xxxxxxxxxxxxxxxxxxxxxxxxxxxx";

/* The locator key: 16 bytes of HMAC-SM3(data key, label), so that it is
 * apart from every other use of the data key. Kept per thread beside the
 * data key it came from (which lives in memory as long anyway), as every
 * report and every look-up needs it. */
static xa_err
locator_key(uint8_t out[16])
{
	static const char label[] = "xiaoan receipt locator v1";
	static _Thread_local struct {
		bool set;
		uint8_t data[32], key[16];
	} cache;
	const keys *k = keys_get();
	uint8_t mac[SM3_LEN];
	if (k == NULL)
		return XA_ECRYPTO;
	if (cache.set && crypto_equal(cache.data, k->data, sizeof cache.data)) {
		memcpy(out, cache.key, 16);
		return XA_OK;
	}
	xa_err e = crypto_hmac_sm3(k->data, sizeof k->data, label, sizeof label - 1, mac);
	if (e == XA_OK) {
		memcpy(out, mac, 16);
		memcpy(cache.data, k->data, sizeof cache.data);
		memcpy(cache.key, mac, 16);
		cache.set = true;
	}
	OPENSSL_cleanse(mac, sizeof mac);
	return e;
}

static void
hash_hex(const char *s, char hex[RC_HASH_LEN + 1])
{
	uint8_t h[SM3_LEN];
	if (crypto_sm3(s, RC_LEN, h) != XA_OK)
		memset(h, 0, sizeof h);
	crypto_hex(h, sizeof h, hex);
}

xa_err
receipt_make(int64_t id, char code[RC_LEN + 1], char hash[RC_HASH_LEN + 1])
{
	if (id <= 0 || id >= RC_ID_MAX)
		return XA_EINVAL;
	uint8_t key[16], plain[16], num[NUM_LEN];
	uint16_t extra;
	xa_err e = locator_key(key);
	if (e != XA_OK)
		return e;
	for (int i = 0; i < ID_BYTES; i++)
		plain[i] = (uint8_t)((uint64_t)id >> (8 * (ID_BYTES - 1 - i)));
	if ((e = crypto_random(plain + ID_BYTES, sizeof plain - ID_BYTES)) != XA_OK)
		goto done;
	/* E uniform in [0, RC_EXTRA): 65520 = 252 · 260. */
	do {
		if ((e = crypto_random(&extra, sizeof extra)) != XA_OK)
			goto done;
	} while (extra >= 65520);
	extra %= RC_EXTRA;
	num[0] = (uint8_t)(extra >> 8);
	num[1] = (uint8_t)extra;
	if ((e = crypto_sm4_block(key, 1, plain, num + 2)) != XA_OK)
		goto done;
	/* Base 29, the last symbol first: divide the number by 29, RC_LEN
	 * times; what is left is 0 because the number is below 29^28. */
	for (int k = RC_LEN - 1; k >= 0; k--) {
		unsigned rem = 0;
		for (int i = 0; i < NUM_LEN; i++) {
			unsigned cur = rem << 8 | num[i];
			num[i] = (uint8_t)(cur / RC_SYMBOLS);
			rem = cur % RC_SYMBOLS;
		}
		code[k] = rc_alphabet[rem];
	}
	code[RC_LEN] = '\0';
	hash_hex(code, hash);
done:
	OPENSSL_cleanse(key, sizeof key);
	OPENSSL_cleanse(plain, sizeof plain);
	OPENSSL_cleanse(num, sizeof num);
	return e;
}

/* Normalises what a person typed; true when it is exactly RC_LEN symbols
 * of the alphabet. */
static bool
normalise(const char *s, char out[RC_LEN + 1])
{
	return utf8_code_normalise(s, rc_alphabet, RC_LEN, out);
}

/* The id a normalised code names, 0 when none (E out of range, no key). */
static int64_t
locate(const char *norm)
{
	uint8_t num[NUM_LEN] = { 0 }, key[16], plain[16];
	for (int k = 0; k < RC_LEN; k++) {
		unsigned carry = (unsigned)(strchr(rc_alphabet, norm[k]) - rc_alphabet);
		for (int i = NUM_LEN - 1; i >= 0; i--) {
			unsigned cur = num[i] * RC_SYMBOLS + carry;
			num[i] = (uint8_t)cur;
			carry = cur >> 8;
		}
	}
	int64_t id = 0;
	unsigned extra = (unsigned)num[0] << 8 | num[1];
	if (locator_key(key) == XA_OK) {
		if (crypto_sm4_block(key, 0, num + 2, plain) == XA_OK && extra < RC_EXTRA)
			for (int i = 0; i < ID_BYTES; i++)
				id = id << 8 | plain[i];
		OPENSSL_cleanse(key, sizeof key);
	}
	OPENSSL_cleanse(num, sizeof num);
	OPENSSL_cleanse(plain, sizeof plain);
	return id;
}

bool
receipt_read(const char *typed, char norm[RC_LEN + 1], int64_t *id,
    char hash[RC_HASH_LEN + 1])
{
	bool ok = normalise(typed, norm);
	/* The same work for every code: a malformed one is located and
	 * hashed as the dummy. */
	int64_t found = locate(ok ? norm : "2222222222222222222222222222");
	hash_hex(ok ? norm : rc_dummy, hash);
	*id = ok ? found : 0;
	return ok;
}

void
receipt_format(const char *norm, char out[RC_SHOWN + 1])
{
	size_t o = 0;
	for (size_t i = 0; i < RC_LEN; i++) {
		if (i > 0 && i % RC_GROUP == 0)
			out[o++] = '-';
		out[o++] = norm[i];
	}
	out[o] = '\0';
}
