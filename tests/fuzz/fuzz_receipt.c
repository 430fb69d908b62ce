/* fuzz_receipt.c: libFuzzer target for the receipt code reader
 * (src/cases/receipt.h): whatever a person types, receipt_read answers
 * without reading past the input, always fills the hash, names no report
 * for a malformed code, and a well-formed code comes back the same from
 * its shown form. It keeps no state between inputs but the fixed key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/keys.h"
#include "cases/receipt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int keyed;
	if (!keyed) {
		keys k;
		memset(&k, 0x5a, sizeof k);
		keys_set(&k);
		keyed = 1;
	}
	if (size > 4096)
		return 0;
	char *typed = malloc(size + 1);
	if (typed == NULL)
		return 0;
	memcpy(typed, data, size);
	typed[size] = '\0';
	char norm[RC_LEN + 1], hash[RC_HASH_LEN + 1];
	int64_t id = -1;
	bool ok = receipt_read(typed, norm, &id, hash);
	CHECK(strlen(hash) == RC_HASH_LEN);
	CHECK(id >= 0 && id < RC_ID_MAX);
	if (!ok) {
		CHECK(id == 0);
	} else {
		char shown[RC_SHOWN + 1], norm2[RC_LEN + 1], hash2[RC_HASH_LEN + 1];
		int64_t id2 = -1;
		CHECK(strlen(norm) == RC_LEN);
		receipt_format(norm, shown);
		CHECK(receipt_read(shown, norm2, &id2, hash2));
		CHECK(strcmp(norm, norm2) == 0 && strcmp(hash, hash2) == 0 && id == id2);
	}
	free(typed);
	return 0;
}
