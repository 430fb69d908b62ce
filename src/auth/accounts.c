/* accounts.c: account rows, password policy, temporary passwords. */
#include "accounts.h"

#include <string.h>

#include "../core/crypto.h"
#include "../core/utf8.h"

int
username_ok(const char *u)
{
	size_t n = strlen(u);
	if (n < 3 || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = u[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

xa_err
password_check(const char *pw, const char *username, long min_len,
    long classes, const char **why)
{
	size_t n = strlen(pw);
	if (!utf8_valid(pw, n)) {
		*why = "password_invalid";
		return XA_EINVAL;
	}
	if ((long)utf8_count(pw, n) < min_len) {
		*why = "password_too_short";
		return XA_EINVAL;
	}
	if (n > 128) {
		*why = "password_too_long";
		return XA_EINVAL;
	}
	int lower = 0, upper = 0, digit = 0, other = 0;
	for (const unsigned char *p = (const unsigned char *)pw; *p; p++) {
		if (*p >= 'a' && *p <= 'z')
			lower = 1;
		else if (*p >= 'A' && *p <= 'Z')
			upper = 1;
		else if (*p >= '0' && *p <= '9')
			digit = 1;
		else
			other = 1;
	}
	if (lower + upper + digit + other < classes) {
		*why = "password_too_simple";
		return XA_EINVAL;
	}
	if (username != NULL && strcmp(pw, username) == 0) {
		*why = "password_is_username";
		return XA_EINVAL;
	}
	*why = NULL;
	return XA_OK;
}

xa_err
password_generate(char out[16])
{
	static const char lower[] = "abcdefghijkmnpqrstuvwxyz";
	static const char upper[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";
	static const char digit[] = "23456789";
	static const char all[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char rnd[12];
	xa_err e = crypto_random(rnd, sizeof rnd);
	if (e != XA_OK)
		return e;
	/* The first three from each class guarantee the policy; the rest
	 * from everything. Modulo bias over these small alphabets is below
	 * what matters for a password that must be changed at once. */
	out[0] = upper[rnd[0] % (sizeof upper - 1)];
	out[1] = lower[rnd[1] % (sizeof lower - 1)];
	out[2] = digit[rnd[2] % (sizeof digit - 1)];
	for (int i = 3; i < 12; i++)
		out[i] = all[rnd[i] % (sizeof all - 1)];
	out[12] = '\0';
	return XA_OK;
}

xa_err
account_insert(db *conn, const account_new *a, int64_t now, int64_t *id)
{
	db_stmt *st = NULL;
	if (!username_ok(a->username))
		return XA_EINVAL;
	xa_err e = db_prepare(conn,
	    "INSERT INTO accounts (unit_id, username, display_name, phone, email,"
	    " password_hash, password_changed_at, must_change, created_at, updated_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, a->unit_id);
	db_bind_text(st, 2, a->username, -1);
	db_bind_text(st, 3, a->display_name, -1);
	db_bind_text(st, 4, a->phone ? a->phone : "", -1);
	db_bind_text(st, 5, a->email ? a->email : "", -1);
	db_bind_text(st, 6, a->password_hash ? a->password_hash : "", -1);
	db_bind_int(st, 7, now);
	db_bind_int(st, 8, a->must_change);
	db_bind_int(st, 9, now);
	db_bind_int(st, 10, now);
	int rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return (xa_err)-rc;
	int64_t aid = db_last_id(conn);
	for (int r = 0; r < ROLE__COUNT; r++) {
		if ((a->roles & ROLE_BIT(r)) == 0)
			continue;
		const char *mt = "";
		if (r == ROLE_COMMITTEE) {
			mt = a->member_type ? a->member_type : "staff";
			int known = 0;
			for (int k = 0; member_types[k] != NULL; k++)
				known |= strcmp(member_types[k], mt) == 0;
			if (!known)
				return XA_EINVAL;
		}
		e = db_prepare(conn, "INSERT INTO account_roles (account_id, role,"
		    " member_type) VALUES (?, ?, ?)", &st);
		if (e != XA_OK)
			return e;
		db_bind_int(st, 1, aid);
		db_bind_text(st, 2, role_name((enum role)r), -1);
		db_bind_text(st, 3, mt, -1);
		rc = db_step(st);
		db_done(st);
		if (rc < 0)
			return (xa_err)-rc;
	}
	if (id != NULL)
		*id = aid;
	return XA_OK;
}
