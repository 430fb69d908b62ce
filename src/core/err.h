/* err.h: the error codes every xiaoan function returns.
 *
 * 0 is success; each other value names one kind of failure that a caller
 * may want to tell apart. Never add a code a caller cannot act on. */
#ifndef XA_ERR_H
#define XA_ERR_H

typedef enum xa_err {
	XA_OK = 0,
	XA_ENOMEM,	/* an allocation failed */
	XA_EINVAL,	/* malformed input */
	XA_ETOOBIG,	/* input over a size cap */
	XA_ETOOMANY,	/* too many fields, parts, items */
	XA_EDEPTH,	/* nesting deeper than allowed */
	XA_EUTF8,	/* text that is not valid UTF-8 */
	XA_EDUP,	/* a single-valued parameter given more than once */
	XA_EMISSING,	/* a required field is absent */
	XA_ENOTFOUND,	/* no such object */
	XA_EEXIST,	/* the object exists already */
	XA_EIO,		/* reading or writing a file or socket failed */
	XA_EDB,		/* the database refused or failed */
	XA_EBUSY,	/* the database or a queue is busy; try again */
	XA_ECONFIG,	/* a configuration value is wrong */
	XA_ESCHEMA,	/* the database was written by a newer xiaoan */
	XA_ECRYPTO,	/* a cryptographic operation failed */
	XA_ESTOPPED,	/* the component is shutting down */
	XA_ECONFLICT,	/* the object changed since it was read */
	XA_ERR__COUNT
} xa_err;

/* A short English description of err, for logs and the command line. */
const char *xa_strerror(xa_err err);

#endif
