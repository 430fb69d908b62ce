/* crypto.h: the one façade over OpenSSL's libcrypto.
 *
 * The default suite is the national one: SM3 for hashes, HMAC-SM3 for
 * integrity, PBKDF2-HMAC-SM3 for passwords, SM4-CTR with HMAC-SM3
 * (encrypt-then-MAC) for data at rest. Every stored hash and ciphertext
 * names its algorithm in its own text or header, so the suite can change
 * without migrating old data. TOTP uses HMAC-SHA1 as RFC 6238 and every
 * authenticator app do. Nothing here logs, and every comparison of secrets
 * is constant-time. Thread-safe. */
#ifndef XA_CRYPTO_H
#define XA_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define SM3_LEN 32
#define CRYPTO_KEY_LEN 32	/* a data key for crypto_seal */

/* n bytes from the operating system's CSPRNG. */
xa_err crypto_random(void *out, size_t n);

xa_err crypto_sm3(const void *data, size_t n, uint8_t out[SM3_LEN]);
xa_err crypto_hmac_sm3(const void *key, size_t klen, const void *data,
    size_t n, uint8_t out[SM3_LEN]);
/* 1 when a[0..n) equals b[0..n), in time independent of the contents. */
int crypto_equal(const void *a, const void *b, size_t n);

/* One 16-byte block through SM4 with a 16-byte key, forwards (encrypt
 * 1) or backwards: a keyed permutation of 128-bit values, for short
 * identifiers that must look random (not for data: that is crypto_seal). */
xa_err crypto_sm4_block(const uint8_t key[16], int encrypt, const uint8_t in[16],
    uint8_t out[16]);

/* Lower-case hex of in[0..n) into out (2n+1 bytes with the NUL). */
void crypto_hex(const void *in, size_t n, char *out);
/* Decodes hex; XA_EINVAL on a bad digit or odd length, XA_ETOOBIG if out
 * is too small. *outlen receives the byte count. */
xa_err crypto_unhex(const char *hex, uint8_t *out, size_t outcap,
    size_t *outlen);
/* RFC 4648 base32 without padding (for TOTP secrets) and back; decoding
 * ignores spaces and case. */
xa_err crypto_base32(const void *in, size_t n, char *out, size_t outcap);
xa_err crypto_unbase32(const char *in, uint8_t *out, size_t outcap,
    size_t *outlen);

/* A password hash as text: "pbkdf2-sm3$ITERATIONS$SALT_HEX$HASH_HEX" with a
 * 16-byte random salt and a 32-byte hash. out needs CRYPTO_PWHASH_LEN. */
#define CRYPTO_PWHASH_LEN 160
xa_err crypto_password_hash(const char *password, unsigned iterations,
    char *out, size_t outlen);
/* *ok is 1 when password matches stored. XA_EINVAL when stored is not a
 * hash this program can read. When it matches but was made with fewer
 * iterations than want_iterations, *stale is set (rehash at sign-in). */
xa_err crypto_password_verify(const char *password, const char *stored,
    unsigned want_iterations, int *ok, int *stale);

/* Sealing data at rest with a 32-byte key (16 for SM4, 16 more from which
 * the MAC key is derived by HMAC-SM3): output is
 *   "XA1" | iv[16] | ciphertext[n] | tag[32]
 * (3 + 16 + n + 32 bytes; see CRYPTO_SEAL_OVERHEAD). open checks the tag
 * before decrypting and fails with XA_ECRYPTO on any mismatch. out must
 * hold n + CRYPTO_SEAL_OVERHEAD (seal) or n - CRYPTO_SEAL_OVERHEAD (open). */
#define CRYPTO_SEAL_OVERHEAD (3 + 16 + 32)
xa_err crypto_seal(const uint8_t key[32], const void *in, size_t n,
    uint8_t *out, size_t outcap, size_t *outlen);
xa_err crypto_open(const uint8_t key[32], const void *in, size_t n,
    uint8_t *out, size_t outcap, size_t *outlen);

/* RFC 6238 TOTP: the code (digits 6..8) for secret at unix time t with a
 * step of `step` seconds, HMAC-SHA1, written as a NUL-terminated string. */
xa_err crypto_totp(const uint8_t *secret, size_t n, uint64_t t,
    unsigned step, unsigned digits, char out[9]);
/* 1 when code matches t's window or one step either side; *step_used
 * receives the matching counter (t/step ± 1) so a code is used once. */
int crypto_totp_check(const uint8_t *secret, size_t n, uint64_t t,
    unsigned step, const char *code, uint64_t *step_used);

#endif
