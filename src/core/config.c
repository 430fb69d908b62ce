/* config.c: the option table and the four layers of config.h.
 *
 * Must never exit or print: every failure comes back as a code and a
 * sentence in err for the command line to show. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "calendar.h"
#include "log.h"
#include "utf8.h"

enum opt_type { T_STR, T_LONG, T_SIZE, T_BOOL };

struct opt {
	const char *name;
	enum opt_type type;
	size_t offset, size;
	long min, max;
};

#define STR(f) T_STR, offsetof(config, f), sizeof(((config *)0)->f), 0, 0
#define NUM(f, lo, hi) T_LONG, offsetof(config, f), sizeof(long), lo, hi
#define SZ(f, lo, hi) T_SIZE, offsetof(config, f), sizeof(long), lo, hi
#define BOOL(f) T_BOOL, offsetof(config, f), sizeof(bool), 0, 1

static const struct opt opts[] = {
	{ "data", STR(data) },
	{ "listen", STR(listen) },
	{ "db_url", STR(db_url) },
	{ "loops", NUM(loops, 0, 64) },
	{ "body_max", SZ(body_max, 1024, 64L << 20) },
	{ "upload_max", SZ(upload_max, 1024, 256L << 20) },
	{ "fields_max", NUM(fields_max, 1, 10000) },
	{ "field_len_max", SZ(field_len_max, 16, 16L << 20) },
	{ "json_depth_max", NUM(json_depth_max, 1, 64) },
	{ "parts_max", NUM(parts_max, 1, 1000) },
	{ "header_max", SZ(header_max, 1024, 1L << 20) },
	{ "timeout", NUM(timeout, 1, 3600) },
	{ "conns_per_addr", NUM(conns_per_addr, 1, 100000) },
	{ "shutdown_grace", NUM(shutdown_grace, 0, 600) },
	{ "tls_cert", STR(tls_cert) },
	{ "tls_key", STR(tls_key) },
	{ "trusted_proxies", STR(trusted_proxies) },
	{ "log_level", STR(log_level) },
	{ "access_log", BOOL(access_log) },
	{ "hotline", STR(hotline) },
	{ "bureau_name", STR(bureau_name) },
	{ "public_url", STR(public_url) },
	{ "timezone", STR(timezone) },
	{ "metrics_allow", STR(metrics_allow) },
	{ "smtp_url", STR(smtp_url) },
	{ "smtp_starttls", BOOL(smtp_starttls) },
	{ "smtp_user", STR(smtp_user) },
	{ "smtp_password", STR(smtp_password) },
	{ "smtp_from", STR(smtp_from) },
	{ "smtp_ca_file", STR(smtp_ca_file) },
	{ "sms_url", STR(sms_url) },
	{ "sms_method", STR(sms_method) },
	{ "sms_headers", STR(sms_headers) },
	{ "sms_body", STR(sms_body) },
	{ "notify_timeout", NUM(notify_timeout, 1, 600) },
};
#define NOPTS (sizeof opts / sizeof opts[0])

const config_option config_options[] = {
	{ "data", "folder of the database, keys and uploads", "data" },
	{ "listen", "address and port to serve on", "127.0.0.1:8080" },
	{ "db_url", "database URL, sqlite:PATH (empty: sqlite:DATA/xiaoan.db)", "" },
	{ "loops", "event loops (0: one per core)", "0" },
	{ "body_max", "largest request body other than uploads", "1M" },
	{ "upload_max", "largest uploaded file", "10M" },
	{ "fields_max", "most fields in one query or form", "200" },
	{ "field_len_max", "largest field value", "64K" },
	{ "json_depth_max", "deepest nesting of a JSON body", "16" },
	{ "parts_max", "most parts in a multipart body", "32" },
	{ "header_max", "largest request header block", "16K" },
	{ "timeout", "seconds a slow client may take to send or read", "30" },
	{ "conns_per_addr", "open connections allowed per client address", "256" },
	{ "shutdown_grace", "seconds to finish in-flight requests on stop", "20" },
	{ "tls_cert", "PEM certificate chain; serve HTTPS when set", "" },
	{ "tls_key", "PEM private key for tls_cert", "" },
	{ "trusted_proxies", "proxies whose X-Forwarded-For is believed", "" },
	{ "log_level", "error, warn, info or debug", "info" },
	{ "access_log", "one log line per request", "true" },
	{ "hotline", "the bureau office's public phone", "62666010" },
	{ "bureau_name", "the bureau's name on public pages", "新郑市教育体育局" },
	{ "public_url", "the address users reach xiaoan at (https://…), for links in e-mail and SMS",
	  "" },
	{ "timezone", "the bureau's time zone", "Asia/Shanghai" },
	{ "metrics_allow", "client addresses that may read /metrics", "127.0.0.1,::1" },
	{ "smtp_url", "mail server for notices: smtp://HOST:PORT (STARTTLS) "
	    "or smtps://HOST:PORT (TLS); empty: no e-mail", "" },
	{ "smtp_starttls", "with smtp://, require STARTTLS (false only for a "
	    "relay on this host)", "true" },
	{ "smtp_user", "user for SMTP AUTH; empty: no AUTH", "" },
	{ "smtp_password", "password for SMTP AUTH", "" },
	{ "smtp_from", "sender address of notices (needed with smtp_url)", "" },
	{ "smtp_ca_file", "CA bundle for the mail server's certificate "
	    "(empty: the system's)", "" },
	{ "sms_url", "SMS gateway URL template with {phone} and {text} "
	    "(URL-encoded); empty: no SMS", "" },
	{ "sms_method", "GET or POST for the SMS gateway", "POST" },
	{ "sms_headers", "extra SMS request headers, \"Name: value | Name: value\"",
	    "" },
	{ "sms_body", "SMS POST body template; {phone_json} and {text_json} "
	    "go inside JSON strings, {phone_raw} and {text_raw} as they are", "" },
	{ "notify_timeout", "seconds one e-mail or SMS delivery attempt may take",
	    "20" },
	{ NULL, NULL, NULL },
};

void
config_defaults(config *c)
{
	char err[128];
	memset(c, 0, sizeof *c);
	for (size_t i = 0; config_options[i].name != NULL; i++) {
		/* The defaults are ours and valid; a failure here is a bug. */
		if (config_set(c, config_options[i].name, config_options[i].def,
		    err, sizeof err) != XA_OK && config_options[i].def[0] != '\0')
			log_error("config default %s: %s", config_options[i].name, err);
	}
}

static const struct opt *
find(const char *name)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	return NULL;
}

/* Parses a decimal long, with an optional K/M/G suffix when size. */
static int
parse_long(const char *s, int size, long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || errno != 0 || v < 0)
		return -1;
	if (size && *end != '\0') {
		long long mul = 1;
		switch (toupper((unsigned char)*end)) {
		case 'K': mul = 1024; break;
		case 'M': mul = 1024 * 1024; break;
		case 'G': mul = 1024LL * 1024 * 1024; break;
		default: return -1;
		}
		end++;
		if (*end == 'i')
			end++;
		if (toupper((unsigned char)*end) == 'B')
			end++;
		if (v > LLONG_MAX / mul)
			return -1;
		v *= mul;
	}
	if (*end != '\0' || v > LONG_MAX)
		return -1;
	*out = (long)v;
	return 0;
}

xa_err
config_set(config *c, const char *name, const char *value, char *err,
    size_t errlen)
{
	const struct opt *o = find(name);
	if (o == NULL) {
		snprintf(err, errlen, "unknown option \"%s\"", name);
		return XA_ENOTFOUND;
	}
	char *field = (char *)c + o->offset;
	switch (o->type) {
	case T_STR: {
		size_t n = strlen(value);
		if (n >= o->size) {
			snprintf(err, errlen, "%s: value too long (max %zu bytes)",
			    name, o->size - 1);
			return XA_ECONFIG;
		}
		memcpy(field, value, n + 1);
		return XA_OK;
	}
	case T_LONG:
	case T_SIZE: {
		long v;
		if (parse_long(value, o->type == T_SIZE, &v) != 0 ||
		    v < o->min || v > o->max) {
			snprintf(err, errlen, "%s: \"%s\" is not a number between %ld and %ld",
			    name, value, o->min, o->max);
			return XA_ECONFIG;
		}
		memcpy(field, &v, sizeof v);
		return XA_OK;
	}
	case T_BOOL: {
		bool v;
		if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 ||
		    strcmp(value, "on") == 0 || strcmp(value, "1") == 0)
			v = true;
		else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 ||
		    strcmp(value, "off") == 0 || strcmp(value, "0") == 0)
			v = false;
		else {
			snprintf(err, errlen, "%s: \"%s\" is not true or false", name, value);
			return XA_ECONFIG;
		}
		memcpy(field, &v, sizeof v);
		return XA_OK;
	}
	}
	return XA_ECONFIG;
}

static char *
trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

xa_err
config_load_file(config *c, const char *path, char *err, size_t errlen)
{
	xa_err e = XA_OK;
	/* Room for the longest value (an SMS template) after its key. */
	char line[CONFIG_STR_LONG + 256];
	int lineno = 0;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "cannot read config file %s: %s", path,
		    strerror(errno));
		return XA_EIO;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path, lineno);
			e = XA_ECONFIG;
			goto done;
		}
		char *s = trim(line);
		if (*s == '\0' || *s == ';' || *s == '#' || *s == '[')
			continue;
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
			e = XA_ECONFIG;
			goto done;
		}
		*eq = '\0';
		char *key = trim(s), *val = trim(eq + 1);
		size_t vl = strlen(val);
		if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
			val[vl - 1] = '\0';
			val++;
		}
		char why[256];
		if (config_set(c, key, val, why, sizeof why) != XA_OK) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
			e = XA_ECONFIG;
			goto done;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "error reading %s", path);
		e = XA_EIO;
	}
	size_t pl = strlen(path);
	if (e == XA_OK && pl < sizeof c->config_file)
		memcpy(c->config_file, path, pl + 1);
done:
	fclose(f);
	return e;
}

/* XIAOAN_ + upper-cased name. */
static void
env_name(const char *name, char *out, size_t len)
{
	int n = snprintf(out, len, "XIAOAN_");
	for (size_t i = 0; name[i] != '\0' && (size_t)n + 1 < len; i++)
		out[n++] = (char)toupper((unsigned char)name[i]);
	out[n] = '\0';
}

xa_err
config_load_env(config *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < NOPTS; i++) {
		char name[64];
		env_name(opts[i].name, name, sizeof name);
		const char *v = getenv(name);
		if (v == NULL)
			continue;
		char why[256];
		if (config_set(c, opts[i].name, v, why, sizeof why) != XA_OK) {
			snprintf(err, errlen, "environment %s: %s", name, why);
			return XA_ECONFIG;
		}
	}
	return XA_OK;
}

/* If arg is --name or --name=value for a known option (or --config),
 * returns its option name in name (with '_' for '-'). */
static int
flag_name(const char *arg, char *name, size_t len, const char **inline_val)
{
	if (strncmp(arg, "--", 2) != 0)
		return 0;
	arg += 2;
	size_t i = 0;
	for (; arg[i] != '\0' && arg[i] != '='; i++) {
		if (i + 1 >= len)
			return 0;
		name[i] = arg[i] == '-' ? '_' : arg[i];
	}
	name[i] = '\0';
	*inline_val = arg[i] == '=' ? arg + i + 1 : NULL;
	return strcmp(name, "config") == 0 || find(name) != NULL;
}

xa_err
config_load(config *c, int argc, char **argv, char **rest, int *nrest,
    char *err, size_t errlen)
{
	xa_err e;
	const char *cfgfile = getenv("XIAOAN_CONFIG");
	int explicit_file = cfgfile != NULL;
	const char *data = NULL;
	char name[64];
	const char *val;
	*nrest = 0;
	config_defaults(c);
	/* First pass: where the file is, and check every flag's shape. */
	for (int i = 0; i < argc; i++) {
		if (!flag_name(argv[i], name, sizeof name, &val)) {
			rest[(*nrest)++] = argv[i];
			continue;
		}
		if (val == NULL) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "%s needs a value", argv[i]);
				return XA_ECONFIG;
			}
			val = argv[++i];
		}
		if (strcmp(name, "config") == 0) {
			cfgfile = val;
			explicit_file = 1;
		} else if (strcmp(name, "data") == 0) {
			data = val;
		}
	}
	if (data == NULL)
		data = getenv("XIAOAN_DATA");
	if (data == NULL)
		data = c->data;
	char dflt[CONFIG_STR + 16];
	if (cfgfile == NULL) {
		int n = snprintf(dflt, sizeof dflt, "%s/xiaoan.ini", data);
		if (n > 0 && (size_t)n < sizeof dflt && access(dflt, F_OK) == 0)
			cfgfile = dflt;
	}
	if (cfgfile != NULL) {
		e = config_load_file(c, cfgfile, err, errlen);
		if (e != XA_OK)
			return e;
	}
	(void)explicit_file;
	e = config_load_env(c, err, errlen);
	if (e != XA_OK)
		return e;
	for (int i = 0; i < argc; i++) {
		if (!flag_name(argv[i], name, sizeof name, &val))
			continue;
		if (val == NULL)
			val = argv[++i];
		if (strcmp(name, "config") == 0)
			continue;
		char why[256];
		if (config_set(c, name, val, why, sizeof why) != XA_OK) {
			snprintf(err, errlen, "--%s: %s", argv[i][0] == '-' ? argv[i] + 2 : name, why);
			return XA_ECONFIG;
		}
	}
	return XA_OK;
}

xa_err
config_split_listen(const char *listen, char *host, size_t hostlen, int *port)
{
	const char *colon;
	size_t hl;
	const char *h = listen;
	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');
		if (close == NULL || close[1] != ':')
			return XA_ECONFIG;
		h = listen + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(listen, ':');
		if (colon == NULL)
			return XA_ECONFIG;
		hl = (size_t)(colon - listen);
	}
	if (hl >= hostlen)
		return XA_ECONFIG;
	memcpy(host, h, hl);
	host[hl] = '\0';
	char *end;
	errno = 0;
	long p = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end != '\0' || errno != 0 || p < 0 || p > 65535)
		return XA_ECONFIG;
	*port = (int)p;
	return XA_OK;
}

static int
is_addr(const char *s)
{
	unsigned char tmp[16];
	return inet_pton(AF_INET, s, tmp) == 1 || inet_pton(AF_INET6, s, tmp) == 1;
}

/* True for an address of the smallest shape mail servers take: one '@'
 * with something on both sides, no spaces, controls or the characters
 * that would end an <address> or a header. send.c checks the same. */
static bool
mail_addr_ok(const char *a)
{
	const char *at = strchr(a, '@');
	if (strlen(a) > 254 || at == NULL || at == a || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return false;
	for (const unsigned char *p = (const unsigned char *)a; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("<>()[],;:\\\"", *p) != NULL)
			return false;
	return true;
}

/* True when s has no byte that may not stand in a URL or a header line. */
static bool
no_space_ctl(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

/* The placeholders of the SMS templates. A placeholder is '{', a name
 * (a letter or '_', then letters, digits, '_'), '}'; any other brace is
 * text, so JSON bodies need no escaping. send.c expands by the same rule. */
static const char *const sms_placeholders[] = {
	"phone", "text", "phone_json", "text_json", "phone_raw", "text_raw", NULL,
};

/* Checks the placeholders of template t (option name opt). raw_text_ok
 * false refuses {text_raw}, whose newlines and spaces would break a URL
 * or a header line. */
static xa_err
check_template(const char *opt, const char *t, bool raw_text_ok, char *err,
    size_t errlen)
{
	for (const char *p = strchr(t, '{'); p != NULL; p = strchr(p + 1, '{')) {
		size_t n = 0;
		if (!isalpha((unsigned char)p[1]) && p[1] != '_')
			continue;
		while (isalnum((unsigned char)p[1 + n]) || p[1 + n] == '_')
			n++;
		if (p[1 + n] != '}')
			continue;
		size_t i = 0;
		for (; sms_placeholders[i] != NULL; i++)
			if (strlen(sms_placeholders[i]) == n &&
			    memcmp(sms_placeholders[i], p + 1, n) == 0)
				break;
		if (sms_placeholders[i] == NULL) {
			snprintf(err, errlen, "%s: unknown placeholder {%.*s} (known: "
			    "{phone} {text} {phone_json} {text_json} {phone_raw} "
			    "{text_raw})", opt, (int)(n > 40 ? 40 : n), p + 1);
			return XA_ECONFIG;
		}
		if (!raw_text_ok && strcmp(sms_placeholders[i], "text_raw") == 0) {
			snprintf(err, errlen, "%s: {text_raw} cannot go here (spaces "
			    "and line breaks); use {text}", opt);
			return XA_ECONFIG;
		}
	}
	return XA_OK;
}

/* Checks the e-mail and SMS options (docs/internals/notify-send.md). */
static xa_err
check_notify(const config *c, char *err, size_t errlen)
{
	if (c->smtp_url[0] != '\0') {
		const char *host = NULL;
		if (strncasecmp(c->smtp_url, "smtp://", 7) == 0)
			host = c->smtp_url + 7;
		else if (strncasecmp(c->smtp_url, "smtps://", 8) == 0)
			host = c->smtp_url + 8;
		if (host == NULL || *host == '\0' || *host == '/' || *host == ':' ||
		    !no_space_ctl(c->smtp_url)) {
			snprintf(err, errlen, "smtp_url: \"%s\" is not smtp://HOST:PORT "
			    "or smtps://HOST:PORT", c->smtp_url);
			return XA_ECONFIG;
		}
		if (strchr(c->smtp_url, '@') != NULL) {
			/* Not echoed: it may hold a password. */
			snprintf(err, errlen, "smtp_url: put the user and password in "
			    "smtp_user and smtp_password, not in the URL");
			return XA_ECONFIG;
		}
		if (c->smtp_from[0] == '\0') {
			snprintf(err, errlen, "smtp_from: the sender address must be set "
			    "when smtp_url is");
			return XA_ECONFIG;
		}
	}
	if (c->smtp_from[0] != '\0' && !mail_addr_ok(c->smtp_from)) {
		snprintf(err, errlen, "smtp_from: \"%s\" is not an e-mail address",
		    c->smtp_from);
		return XA_ECONFIG;
	}
	if (c->smtp_password[0] != '\0' && c->smtp_user[0] == '\0') {
		snprintf(err, errlen, "smtp_password is set without smtp_user");
		return XA_ECONFIG;
	}
	if (c->smtp_ca_file[0] != '\0' && access(c->smtp_ca_file, R_OK) != 0) {
		snprintf(err, errlen, "smtp_ca_file: cannot read %s: %s",
		    c->smtp_ca_file, strerror(errno));
		return XA_ECONFIG;
	}
	bool get = strcasecmp(c->sms_method, "GET") == 0;
	if (!get && strcasecmp(c->sms_method, "POST") != 0) {
		snprintf(err, errlen, "sms_method: \"%s\" is not GET or POST",
		    c->sms_method);
		return XA_ECONFIG;
	}
	if (c->sms_url[0] == '\0')
		return XA_OK;
	if ((strncasecmp(c->sms_url, "http://", 7) != 0 &&
	    strncasecmp(c->sms_url, "https://", 8) != 0) ||
	    !no_space_ctl(c->sms_url)) {
		/* Not echoed: gateway URLs often carry a key. */
		snprintf(err, errlen, "sms_url: not an http:// or https:// URL "
		    "template without spaces");
		return XA_ECONFIG;
	}
	xa_err e = check_template("sms_url", c->sms_url, false, err, errlen);
	if (e != XA_OK)
		return e;
	if (get && c->sms_body[0] != '\0') {
		snprintf(err, errlen, "sms_body is only sent with sms_method = POST");
		return XA_ECONFIG;
	}
	e = check_template("sms_body", c->sms_body, true, err, errlen);
	if (e != XA_OK)
		return e;
	/* Each header "Name: value", the list separated by " | ". */
	const char *h = c->sms_headers;
	int nh = 0;
	while (*h != '\0') {
		const char *sep = strstr(h, " | ");
		size_t len = sep != NULL ? (size_t)(sep - h) : strlen(h);
		char one[CONFIG_STR_LONG];
		memcpy(one, h, len);
		one[len] = '\0';
		char *t = trim(one);
		h += len + (sep != NULL ? 3 : 0);
		if (*t == '\0')
			continue;
		size_t nl = 0;
		while (t[nl] != '\0' && t[nl] > ' ' && t[nl] < 0x7f && t[nl] != ':' &&
		    strchr("()<>@,;\\\"/[]?={}", t[nl]) == NULL)
			nl++;
		if (nl == 0 || t[nl] != ':' || !utf8_no_controls(t, strlen(t), false)) {
			snprintf(err, errlen, "sms_headers: header %d is not "
			    "\"Name: value\"", nh + 1);
			return XA_ECONFIG;
		}
		e = check_template("sms_headers", t + nl + 1, false, err, errlen);
		if (e != XA_OK)
			return e;
		if (++nh > 16) {
			snprintf(err, errlen, "sms_headers: at most 16 headers");
			return XA_ECONFIG;
		}
	}
	return XA_OK;
}

xa_err
config_check(const config *c, char *err, size_t errlen)
{
	char host[CONFIG_STR];
	int port;
	if (c->data[0] == '\0') {
		snprintf(err, errlen, "data: the data folder must be set");
		return XA_ECONFIG;
	}
	if (config_split_listen(c->listen, host, sizeof host, &port) != XA_OK ||
	    (host[0] != '\0' && !is_addr(host))) {
		snprintf(err, errlen,
		    "listen: \"%s\" is not ADDRESS:PORT (e.g. 127.0.0.1:8080 or [::1]:8080)",
		    c->listen);
		return XA_ECONFIG;
	}
	if ((c->tls_cert[0] == '\0') != (c->tls_key[0] == '\0')) {
		snprintf(err, errlen, "tls_cert and tls_key must be set together");
		return XA_ECONFIG;
	}
	if (c->tls_cert[0] != '\0') {
		if (access(c->tls_cert, R_OK) != 0) {
			snprintf(err, errlen, "tls_cert: cannot read %s: %s",
			    c->tls_cert, strerror(errno));
			return XA_ECONFIG;
		}
		if (access(c->tls_key, R_OK) != 0) {
			snprintf(err, errlen, "tls_key: cannot read %s: %s",
			    c->tls_key, strerror(errno));
			return XA_ECONFIG;
		}
	}
	char list[CONFIG_STR];
	memcpy(list, c->trusted_proxies, sizeof list);
	char *save = NULL;
	for (char *t = strtok_r(list, ", ", &save); t != NULL;
	    t = strtok_r(NULL, ", ", &save)) {
		if (!is_addr(t)) {
			snprintf(err, errlen, "trusted_proxies: \"%s\" is not an IP address", t);
			return XA_ECONFIG;
		}
	}
	memcpy(list, c->metrics_allow, sizeof list);
	save = NULL;
	for (char *t = strtok_r(list, ", ", &save); t != NULL;
	    t = strtok_r(NULL, ", ", &save)) {
		if (!is_addr(t)) {
			snprintf(err, errlen, "metrics_allow: \"%s\" is not an IP address", t);
			return XA_ECONFIG;
		}
	}
	if (log_level_parse(c->log_level) < 0) {
		snprintf(err, errlen, "log_level: \"%s\" is not error, warn, info or debug",
		    c->log_level);
		return XA_ECONFIG;
	}
	long zone;
	if (zone_offset(c->timezone, &zone) != XA_OK) {
		snprintf(err, errlen, "timezone: \"%s\" is not a zone this program knows "
		    "(Asia/Shanghai, Asia/Urumqi or UTC)", c->timezone);
		return XA_ECONFIG;
	}
	if (c->hotline[0] == '\0') {
		snprintf(err, errlen, "hotline: the public phone number must be set");
		return XA_ECONFIG;
	}
	if (c->field_len_max > c->body_max) {
		snprintf(err, errlen, "field_len_max cannot exceed body_max");
		return XA_ECONFIG;
	}
	return check_notify(c, err, errlen);
}

xa_err
config_db_url(const config *c, char *out, size_t len)
{
	int n;
	if (c->db_url[0] != '\0')
		n = snprintf(out, len, "%s", c->db_url);
	else
		n = snprintf(out, len, "sqlite:%s/xiaoan.db", c->data);
	if (n < 0 || (size_t)n >= len)
		return XA_ETOOBIG;
	return XA_OK;
}

long
config_zone(const config *c)
{
	long zone = 8 * 3600;
	if (zone_offset(c->timezone, &zone) != XA_OK)
		zone = 8 * 3600;
	return zone;
}
