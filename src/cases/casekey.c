/* casekey.c: one data key per report and per case, wrapped by the master
 * data key (DATA/keys/data.key, keys.h), and sealing with it.
 *
 * A destroyed key (wkey NULL) makes the record's sealed content
 * unreadable for good while the rows and the audit chain stay whole: that
 * is how retention is enforced (crypto-shredding). Never log a key, never
 * return an unwrapped key in anything but the caller's buffer, and wipe
 * stack copies after use. */
#include "cases.h"

#include <openssl/crypto.h>
#include <string.h>

#include "../auth/keys.h"
#include "../core/crypto.h"

xa_err
ckey_new(uint8_t key[32], uint8_t wrapped[WRAPPED_KEY_LEN])
{
	const keys *k = keys_get();
	if (k == NULL)
		return XA_ECRYPTO;
	xa_err e = crypto_random(key, 32);
	if (e != XA_OK)
		return e;
	size_t n = 0;
	e = crypto_seal(k->data, key, 32, wrapped, WRAPPED_KEY_LEN, &n);
	if (e == XA_OK && n != WRAPPED_KEY_LEN)
		e = XA_ECRYPTO;
	return e;
}

xa_err
ckey_unwrap(const void *wrapped, size_t len, uint8_t key[32])
{
	const keys *k = keys_get();
	if (wrapped == NULL || len == 0)
		return XA_ENOTFOUND;
	if (k == NULL || len != WRAPPED_KEY_LEN)
		return XA_ECRYPTO;
	size_t n = 0;
	xa_err e = crypto_open(k->data, wrapped, len, key, 32, &n);
	if (e == XA_OK && n != 32)
		e = XA_ECRYPTO;
	return e;
}

/* Reads one wkey column by id with sql and unwraps it. */
static xa_err
key_of(db *conn, const char *sql, int64_t id, uint8_t key[32])
{
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, sql, &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == 1)
		e = ckey_unwrap(db_col_blob(st, 0), db_col_len(st, 0), key);
	else
		e = rc == 0 ? XA_ENOTFOUND : (xa_err)-rc;
	db_done(st);
	return e;
}

xa_err
case_key(db *conn, int64_t id, uint8_t key[32])
{
	return key_of(conn, "SELECT wkey FROM cases WHERE id = ?", id, key);
}

xa_err
report_key(db *conn, int64_t id, uint8_t key[32])
{
	return key_of(conn, "SELECT wkey FROM reports WHERE id = ?", id, key);
}

xa_err
seal_blob(arena *a, const uint8_t key[32], const void *text, size_t n,
    void **out, size_t *outlen)
{
	uint8_t *b = arena_alloc(a, n + CRYPTO_SEAL_OVERHEAD);
	if (b == NULL)
		return XA_ENOMEM;
	xa_err e = crypto_seal(key, text, n, b, n + CRYPTO_SEAL_OVERHEAD, outlen);
	if (e != XA_OK)
		return e;
	*out = b;
	return XA_OK;
}

xa_err
open_blob(arena *a, const uint8_t key[32], const void *blob, size_t n,
    char **out, size_t *outlen)
{
	if (blob == NULL || n < CRYPTO_SEAL_OVERHEAD)
		return XA_ECRYPTO;
	char *t = arena_alloc(a, n - CRYPTO_SEAL_OVERHEAD + 1);
	if (t == NULL)
		return XA_ENOMEM;
	size_t len = 0;
	xa_err e = crypto_open(key, blob, n, (uint8_t *)t, n - CRYPTO_SEAL_OVERHEAD, &len);
	if (e != XA_OK)
		return e;
	t[len] = '\0';
	*out = t;
	if (outlen != NULL)
		*outlen = len;
	return XA_OK;
}

xa_err
student_ref(int64_t unit_id, const char *name, char out[65])
{
	const keys *k = keys_get();
	if (k == NULL)
		return XA_ECRYPTO;
	/* Domain-separated from every other use of the data key. */
	char msg[256];
	int n = snprintf(msg, sizeof msg, "student_ref|%lld|", (long long)unit_id);
	if (n < 0 || (size_t)n >= sizeof msg)
		return XA_ETOOBIG;
	size_t len = (size_t)n;
	for (const char *p = name; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t')
			continue;
		if (len + 1 >= sizeof msg)
			return XA_ETOOBIG;
		msg[len++] = *p;
	}
	uint8_t mac[SM3_LEN];
	xa_err e = crypto_hmac_sm3(k->data, 32, msg, len, mac);
	if (e == XA_OK)
		crypto_hex(mac, sizeof mac, out);
	OPENSSL_cleanse(msg, sizeof msg);
	return e;
}

xa_err
case_shred(db *conn, int64_t id, int64_t now)
{
	(void)now;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "UPDATE cases SET wkey = NULL WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	if (db_changes(conn) == 0)
		return XA_ENOTFOUND;
	if ((e = db_prepare(conn, "UPDATE reports SET wkey = NULL WHERE case_id = ?",
	    &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	rc = db_step(st);
	db_done(st);
	return rc < 0 ? (xa_err)-rc : XA_OK;
}
