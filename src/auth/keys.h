/* keys.h: the secret keys that live outside the database.
 *
 * DATA/keys/ holds two 32-byte keys, each in its own file, mode 0600:
 * audit.key (the HMAC key of the audit chain: with it outside the
 * database, rows forged behind the program's back are caught) and
 * data.key (seals TOTP secrets and, later, uploads). xiaoan init makes
 * them; every other command only reads them. Never logged, never in
 * the database, never in a backup of the database. */
#ifndef XA_KEYS_H
#define XA_KEYS_H

#include <stdint.h>

#include "../core/err.h"

typedef struct keys {
	uint8_t audit[32];
	uint8_t data[32];
} keys;

/* Creates DATA/keys/audit.key and data.key from the CSPRNG when they do
 * not exist (never overwrites). */
xa_err keys_create(const char *data_dir);
/* Reads both. XA_ENOTFOUND when a file is missing, XA_EINVAL when one is
 * not exactly 32 bytes, XA_EIO otherwise. */
xa_err keys_load(const char *data_dir, keys *out);

/* The keys the running program loaded (set once at start-up by main). */
const keys *keys_get(void);
void keys_set(const keys *k);

#endif
