/* config.h: every setting of xiaoan, from four layers.
 *
 * Defaults, then an INI file, then environment variables, then command-line
 * flags; each later layer overrides the earlier. Every option can be set
 * in all three: key "body_max" in the file (any [section] is only for
 * grouping), XIAOAN_BODY_MAX in the environment, --body-max on the command
 * line. The file is --config FILE, else $XIAOAN_CONFIG, else DATA/xiaoan.ini
 * when it exists. config_check() validates the whole before anything
 * starts; nothing here touches the network or the database. */
#ifndef XA_CONFIG_H
#define XA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define CONFIG_STR 256
#define CONFIG_STR_LONG 1024	/* SMS templates: a JSON body, a bearer token */

typedef struct config {
	char data[CONFIG_STR];		/* the data folder */
	char config_file[CONFIG_STR];	/* the INI file actually read, or "" */
	char listen[CONFIG_STR];	/* ADDR:PORT, [v6]:PORT */
	char db_url[CONFIG_STR];	/* "" → sqlite:DATA/xiaoan.db */
	long loops;			/* event loops; 0 → one per core */
	long body_max;			/* bytes of a non-upload body */
	long upload_max;		/* bytes of one uploaded file */
	long fields_max;		/* fields in one query or body */
	long field_len_max;		/* bytes in one field value */
	long json_depth_max;		/* nesting of a JSON body */
	long parts_max;			/* parts of one multipart body */
	long header_max;		/* bytes of all request headers */
	long timeout;			/* seconds a slow client may take */
	long conns_per_addr;		/* open connections per client address */
	long shutdown_grace;		/* seconds to finish in-flight work */
	char tls_cert[CONFIG_STR];	/* PEM certificate chain, or "" */
	char tls_key[CONFIG_STR];	/* PEM private key, or "" */
	char trusted_proxies[CONFIG_STR]; /* comma-separated addresses */
	char log_level[16];		/* error, warn, info, debug */
	bool access_log;		/* one line per request */
	char hotline[64];		/* the bureau office's public phone */
	char bureau_name[CONFIG_STR];	/* shown on public pages */
	char public_url[CONFIG_STR];	/* https://HOST as users reach it, for links in messages */
	char timezone[64];		/* the bureau's zone (config_zone) */
	char metrics_allow[CONFIG_STR];	/* addresses that may read /metrics */
	/* Notices by e-mail (docs/internals/notify-send.md). */
	char smtp_url[CONFIG_STR];	/* "", smtp://HOST[:PORT], smtps://… */
	bool smtp_starttls;		/* smtp:// must upgrade with STARTTLS */
	char smtp_user[CONFIG_STR];	/* AUTH user, or "" for none */
	char smtp_password[CONFIG_STR];
	char smtp_from[CONFIG_STR];	/* envelope and From: address */
	char smtp_ca_file[CONFIG_STR];	/* CA bundle, or "" for the system's */
	/* Notices by SMS through an HTTP gateway: templates with {phone},
	 * {text} and their _json and _raw forms. */
	char sms_url[CONFIG_STR_LONG];	/* "" = no SMS */
	char sms_method[8];		/* GET or POST */
	char sms_headers[CONFIG_STR_LONG]; /* "Name: value | Name: value" */
	char sms_body[CONFIG_STR_LONG];	/* POST body */
	long notify_timeout;		/* seconds for one delivery attempt */
} config;

/* Describes one option for --help and the docs. */
typedef struct config_option {
	const char *name;	/* file key; the flag is --name with '-' for '_' */
	const char *help;
	const char *def;	/* default, as text */
} config_option;

/* The option table, terminated by a NULL name. */
extern const config_option config_options[];

/* Fills c with the defaults. */
void config_defaults(config *c);
/* Sets option name from text; XA_ENOTFOUND for an unknown option,
 * XA_ECONFIG for a bad value (err says why). */
xa_err config_set(config *c, const char *name, const char *value,
    char *err, size_t errlen);
/* Reads an INI file: "key = value" lines, [sections], ; and # comments.
 * XA_EIO if unreadable, XA_ECONFIG with "file:line: why" in err. */
xa_err config_load_file(config *c, const char *path, char *err, size_t errlen);
/* Applies every XIAOAN_<NAME> variable present in the environment. */
xa_err config_load_env(config *c, char *err, size_t errlen);

/* Loads all four layers. argv[0..argc) are the command's arguments after
 * the command name; recognised --name VALUE / --name=VALUE pairs are
 * consumed and the rest are left, in order, in rest (which has room for
 * argc entries) for the command to parse; *nrest receives their count. */
xa_err config_load(config *c, int argc, char **argv, char **rest,
    int *nrest, char *err, size_t errlen);

/* Checks the whole: listen address, TLS files (both or neither, readable),
 * proxies, sizes, level, the mail server and the SMS templates (only the
 * known placeholders). XA_ECONFIG with the reason in err. */
xa_err config_check(const config *c, char *err, size_t errlen);

/* The database URL: db_url, or sqlite:DATA/xiaoan.db. */
xa_err config_db_url(const config *c, char *out, size_t len);

/* Splits "host:port" or "[v6]:port"; host may be empty (all addresses). */
xa_err config_split_listen(const char *listen, char *host, size_t hostlen,
    int *port);

/* The bureau's zone's offset from UTC in seconds (calendar.h). The zone
 * was checked by config_check(); an unknown one reads as UTC+8. */
long config_zone(const config *c);

#endif
