/* test_receipt.c: the receipt code (src/cases/receipt.c): a code names its
 * report under the data key and no other, reads back however a person
 * types it, and every malformed code takes the same path to nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "auth/keys.h"
#include "cases/receipt.h"

static const char alphabet[] = "23456789ABCDEFGHJKMNPQRSTWXYZ";

static void
use_key(int fill)
{
	keys k;
	memset(&k, fill, sizeof k);
	keys_set(&k);
}

static int
setup(void **state)
{
	(void)state;
	use_key(0x5a);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	keys_set(NULL);
	return 0;
}

/* Made, formatted, typed back: the same id and the same hash. */
static void
test_round_trip(void **state)
{
	(void)state;
	const int64_t ids[] = { 1, 2, 255, 256, 65537, 4000000, 123456789012LL,
		RC_ID_MAX - 1 };
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		char code[RC_LEN + 1], hash[RC_HASH_LEN + 1], norm[RC_LEN + 1];
		char shown[RC_SHOWN + 1], hash2[RC_HASH_LEN + 1];
		int64_t id = -1;
		assert_int_equal(receipt_make(ids[i], code, hash), XA_OK);
		assert_int_equal(strlen(code), RC_LEN);
		assert_int_equal(strspn(code, alphabet), RC_LEN);
		assert_int_equal(strlen(hash), RC_HASH_LEN);
		receipt_format(code, shown);
		assert_int_equal(strlen(shown), RC_SHOWN);
		for (size_t k = 4; k < RC_SHOWN; k += 5)
			assert_int_equal(shown[k], '-');
		assert_true(receipt_read(shown, norm, &id, hash2));
		assert_string_equal(norm, code);
		assert_true(id == ids[i]);
		assert_string_equal(hash2, hash);
	}
}

/* Ids a code cannot name are refused. */
static void
test_id_bounds(void **state)
{
	(void)state;
	char code[RC_LEN + 1], hash[RC_HASH_LEN + 1];
	assert_int_equal(receipt_make(0, code, hash), XA_EINVAL);
	assert_int_equal(receipt_make(-5, code, hash), XA_EINVAL);
	assert_int_equal(receipt_make(RC_ID_MAX, code, hash), XA_EINVAL);
}

/* Two codes for one report differ; each position uses the whole alphabet
 * (a code is not a counter in disguise). */
static void
test_random_looking(void **state)
{
	(void)state;
	enum { N = 2000 };
	static char codes[N][RC_LEN + 1];
	int seen[RC_LEN][29];
	memset(seen, 0, sizeof seen);
	for (int i = 0; i < N; i++) {
		char hash[RC_HASH_LEN + 1];
		assert_int_equal(receipt_make(i % 3 + 1, codes[i], hash), XA_OK);
		for (int k = 0; k < RC_LEN; k++)
			seen[k][strchr(alphabet, codes[i][k]) - alphabet]++;
	}
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			assert_string_not_equal(codes[i], codes[j]);
	for (int k = 0; k < RC_LEN; k++)
		for (int d = 0; d < 29; d++)
			assert_true(seen[k][d] > 0);
}

/* What a person types: lower case, spaces, full-width letters and
 * dashes from a Chinese keyboard. */
static void
test_typed_forms(void **state)
{
	(void)state;
	char code[RC_LEN + 1], hash[RC_HASH_LEN + 1], norm[RC_LEN + 1];
	char typed[256], h2[RC_HASH_LEN + 1];
	int64_t id = 0;
	assert_int_equal(receipt_make(77, code, hash), XA_OK);
	/* lower case with spaces */
	size_t o = 0;
	for (int k = 0; k < RC_LEN; k++) {
		char c = code[k];
		typed[o++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
		if (k % 4 == 3)
			typed[o++] = ' ';
	}
	typed[o] = '\0';
	assert_true(receipt_read(typed, norm, &id, h2));
	assert_true(id == 77);
	assert_string_equal(h2, hash);
	/* full-width letters and digits, ideographic dashes */
	o = 0;
	for (int k = 0; k < RC_LEN; k++) {
		unsigned cp = 0xFEE0u + (unsigned char)code[k];
		typed[o++] = (char)(0xE0 | (cp >> 12));
		typed[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		typed[o++] = (char)(0x80 | (cp & 0x3F));
		if (k % 4 == 3 && k + 1 < RC_LEN) {
			memcpy(typed + o, "\xE2\x80\x94", 3);	/* an em dash */
			o += 3;
		}
	}
	typed[o] = '\0';
	id = 0;
	assert_true(receipt_read(typed, norm, &id, h2));
	assert_true(id == 77);
	assert_string_equal(h2, hash);
}

/* Malformed codes: refused, naming nothing, and all hashed alike (one
 * path for all of them). */
static void
test_malformed(void **state)
{
	(void)state;
	const char *bad[] = { "", "ABC", "2222-2222-2222-2222-2222-2222-222",
		"2222-2222-2222-2222-2222-2222-22222", "0000-2222-2222-2222-2222-2222-2222",
		"OIL1-2222-2222-2222-2222-2222-2222", "2222-2222-2222-2222-2222-2222-222中",
		"2222\xff" };
	char first[RC_HASH_LEN + 1] = "";
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char norm[RC_LEN + 1], hash[RC_HASH_LEN + 1];
		int64_t id = 99;
		assert_false(receipt_read(bad[i], norm, &id, hash));
		assert_true(id == 0);
		assert_int_equal(strlen(hash), RC_HASH_LEN);
		if (i == 0)
			snprintf(first, sizeof first, "%s", hash);
		else
			assert_string_equal(hash, first);
	}
	char norm[RC_LEN + 1], hash[RC_HASH_LEN + 1];
	int64_t id = 99;
	assert_false(receipt_read(NULL, norm, &id, hash));
	assert_string_equal(hash, first);
}

/* One symbol changed: the code no longer matches its report (it names
 * another id, or the same id with another hash). */
static void
test_one_symbol_off(void **state)
{
	(void)state;
	char code[RC_LEN + 1], hash[RC_HASH_LEN + 1];
	assert_int_equal(receipt_make(4242, code, hash), XA_OK);
	for (int k = 0; k < RC_LEN; k++) {
		char typo[RC_LEN + 1], norm[RC_LEN + 1], h2[RC_HASH_LEN + 1];
		int64_t id = 0;
		memcpy(typo, code, sizeof typo);
		typo[k] = code[k] == '2' ? '3' : '2';
		(void)receipt_read(typo, norm, &id, h2);
		assert_true(id != 4242 || strcmp(h2, hash) != 0);
		assert_string_not_equal(h2, hash);
	}
}

/* Under another data key the same code names another report (or none):
 * the id is not written in the code. And with no key, no code is made. */
static void
test_key_matters(void **state)
{
	(void)state;
	char code[RC_LEN + 1], hash[RC_HASH_LEN + 1], norm[RC_LEN + 1];
	char h2[RC_HASH_LEN + 1];
	int64_t id = 0;
	assert_int_equal(receipt_make(31337, code, hash), XA_OK);
	use_key(0x33);
	(void)receipt_read(code, norm, &id, h2);
	assert_true(id != 31337);
	use_key(0x5a);
	assert_true(receipt_read(code, norm, &id, h2));
	assert_true(id == 31337);
	keys_set(NULL);
	assert_int_not_equal(receipt_make(1, code, hash), XA_OK);
	use_key(0x5a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_id_bounds),
		cmocka_unit_test(test_random_looking),
		cmocka_unit_test(test_typed_forms),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_one_symbol_off),
		cmocka_unit_test(test_key_matters),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
