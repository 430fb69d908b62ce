/* access.c: who may see what of one case, beyond policy_allow() on its
 * school (regulation.md §7; 未成年人网络保护条例 第三十六条).
 *
 * The school's handlers read and write their own cases with names; a
 * teacher reaches only the cases they own or reported; counselling notes
 * only the counsellor and the principal (the committee's chair). The
 * bureau reads cases de-identified unless the case is supervised or
 * appealed, or the reader holds an approved, unexpired identity request.
 * The administrators never reach case content. Never grant more here
 * than policy_allow() would on the school for a school role. */
#include "cases.h"

#include <string.h>

xa_err
case_access_for(db *conn, const principal *p, int64_t id, const char *unit_path,
    int64_t now, case_access *out)
{
	memset(out, 0, sizeof *out);
	if (p == NULL)
		return XA_OK;
	db_stmt *st = NULL;
	xa_err e = db_prepare(conn, "SELECT owner_id, supervised, appealed,"
	    " (SELECT count(*) FROM reports WHERE case_id = cases.id AND"
	    "  (received_by = ? OR owner_id = ?)) FROM cases WHERE id = ?", &st);
	if (e != XA_OK)
		return e;
	db_bind_int(st, 1, p->account_id);
	db_bind_int(st, 2, p->account_id);
	db_bind_int(st, 3, id);
	int rc = db_step(st);
	if (rc != 1) {
		db_done(st);
		return rc == 0 ? XA_ENOTFOUND : (xa_err)-rc;
	}
	int64_t owner = db_col_is_null(st, 0) ? 0 : db_col_int(st, 0);
	bool supervised = db_col_int(st, 1) != 0, appealed = db_col_int(st, 2) != 0;
	bool reported = db_col_int(st, 3) > 0;
	db_done(st);

	bool own_school = (p->roles & ROLES_SCHOOL) != 0 &&
	    strcmp(p->unit_path, unit_path) == 0;
	if (own_school) {
		out->read = policy_allow(p, A_CASE_READ, unit_path);
		out->write = policy_allow(p, A_CASE_WRITE, unit_path);
		/* The teacher who owns the case, or took the first report
		 * (首问负责), handles it with the committee. */
		if (owner == p->account_id || reported)
			out->read = out->write = true;
		out->counselling = policy_allow(p, A_COUNSEL_READ, unit_path);
		out->identities = out->read;
		return XA_OK;
	}
	if ((p->roles & ROLES_BUREAU) == 0 || !policy_allow(p, A_CASE_READ, unit_path))
		return XA_OK;
	out->read = true;
	if (supervised || appealed) {
		out->identities = true;
		return XA_OK;
	}
	if ((e = db_prepare(conn, "SELECT count(*) FROM identity_requests WHERE case_id = ?"
	    " AND account_id = ? AND state = 'approved' AND expires_at > ?", &st)) != XA_OK)
		return e;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, p->account_id);
	db_bind_int(st, 3, now);
	if (db_step(st) == 1 && db_col_int(st, 0) > 0)
		out->identities = true;
	db_done(st);
	return XA_OK;
}
