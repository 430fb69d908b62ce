/* err.c: descriptions of the error codes, for logs and stderr. */
#include "err.h"

const char *
xa_strerror(xa_err err)
{
	static const char *const text[XA_ERR__COUNT] = {
		[XA_OK] = "success",
		[XA_ENOMEM] = "out of memory",
		[XA_EINVAL] = "malformed input",
		[XA_ETOOBIG] = "input too large",
		[XA_ETOOMANY] = "too many fields",
		[XA_EDEPTH] = "nesting too deep",
		[XA_EUTF8] = "invalid UTF-8",
		[XA_EDUP] = "parameter given more than once",
		[XA_EMISSING] = "required field missing",
		[XA_ENOTFOUND] = "not found",
		[XA_EEXIST] = "already exists",
		[XA_EIO] = "input/output error",
		[XA_EDB] = "database error",
		[XA_EBUSY] = "busy",
		[XA_ECONFIG] = "configuration error",
		[XA_ESCHEMA] = "database schema is newer than this program",
		[XA_ECRYPTO] = "cryptographic failure",
		[XA_ESTOPPED] = "shutting down",
		[XA_ECONFLICT] = "changed meanwhile",
	};
	if ((unsigned)err >= XA_ERR__COUNT || text[err] == 0)
		return "unknown error";
	return text[err];
}
