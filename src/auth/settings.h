/* settings.h: what the bureau may change at run time, with defaults.
 *
 * Stored in the settings table as text; an absent key means the default
 * written here, so a new setting needs no migration. Each setting says
 * which administrator may change it: the security administrator owns the
 * security policy (三员分立), the system administrator the rest. Reads go
 * through the caller's connection (a loop's read connection or the
 * writer's). */
#ifndef XA_SETTINGS_H
#define XA_SETTINGS_H

#include <stdint.h>

#include "../core/err.h"
#include "../store/db.h"
#include "auth.h"

enum setting {
	S_PW_MIN_LEN,		/* characters, default 8 */
	S_PW_CLASSES,		/* of lower, upper, digit, symbol; default 3 */
	S_PW_ROTATION_DAYS,	/* 0 = never; default 90 */
	S_PW_COST,		/* PBKDF2-HMAC-SM3 iterations */
	S_LOCKOUT_AFTER,	/* failed sign-ins; default 5 */
	S_LOCKOUT_MINUTES,	/* default 15 */
	S_SESSION_IDLE_MIN,	/* default 15 */
	S_SESSION_MAX_HOURS,	/* default 12 */
	S_MFA_REQUIRED,		/* 1: bureau roles and administrators must use 2FA */
	S_SIGNIN_PER_ADDR,	/* sign-in attempts per address per 5 minutes */
	S_COMMITTEE_STUDENT_REP, /* 0 never, 1 where senior-high, 2 always */
	S__COUNT
};

struct setting_def {
	const char *key;
	long def, min, max;
	enum action who;	/* A_POLICY_WRITE or A_SETTINGS_WRITE */
};

extern const struct setting_def setting_defs[S__COUNT];

/* The value of s, or its default when unset or unreadable. */
long setting_get(db *conn, enum setting s);
/* Finds a setting by key. XA_ENOTFOUND if there is none. */
xa_err setting_find(const char *key, enum setting *out);
/* Stores value (checked against min..max: XA_EINVAL outside). Writer only. */
xa_err setting_set(db *conn, enum setting s, long value, int64_t by,
    int64_t now);

#endif
