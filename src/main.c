/* main.c: the xiaoan command line.
 *
 *   xiaoan serve | init | migrate | backup | verify | version | help
 *
 * Each command takes --help. Options come from the config file, the
 * environment and flags (src/core/config.h). Errors go to stderr in plain
 * words with a non-zero exit; nothing here is ever silent about a failure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "auth/accounts.h"
#include "auth/audit.h"
#include "auth/auth.h"
#include "auth/keys.h"
#include "auth/settings.h"
#include "cases/demo_cases.h"
#include "notify/notify.h"
#include "prevention/records.h"
#include "prevention/results.h"
#include "prevention/survey.h"
#include "bureau/directory.h"
#include "bureau/evaluation.h"
#include "bureau/inspect.h"
#include "bureau/returns.h"
#include "sentiment/feed.h"
#include "sentiment/register.h"
#include "core/crypto.h"
#include "org/demo.h"
#include "org/org.h"
#include "core/config.h"
#include "core/log.h"
#include "http/server.h"
#include "store/db.h"
#include "store/writer.h"
#include "version.h"

/* The demo's logins, inside the data folder. */
#define DEMO_ACCOUNTS_FILE "demo-accounts.csv"

struct command {
	const char *name;
	int (*run)(config *c, int argc, char **argv);
	const char *args;
	const char *summary;
	const char *help;
};

static int cmd_help(config *c, int argc, char **argv);

static void
print_options(FILE *f)
{
	fprintf(f, "\nOptions (flag, or key in the config file, or XIAOAN_KEY in the\n"
	    "environment; a flag overrides the environment, which overrides the file):\n"
	    "  --config FILE          the config file (default: DATA/xiaoan.ini if present)\n");
	for (size_t i = 0; config_options[i].name != NULL; i++) {
		char flag[64];
		snprintf(flag, sizeof flag, "--%s", config_options[i].name);
		for (char *p = flag + 2; *p; p++)
			if (*p == '_')
				*p = '-';
		fprintf(f, "  %-22s %s (default: %s)\n", flag, config_options[i].help,
		    config_options[i].def[0] ? config_options[i].def : "none");
	}
}

static int
wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

/* Creates dir (and its parents) with mode 0700 if missing. */
static int
make_dir(const char *dir)
{
	char path[CONFIG_STR + 32];
	int n = snprintf(path, sizeof path, "%s", dir);
	if (n < 0 || (size_t)n >= sizeof path)
		return -1;
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* Opens the configured database, creating it when create is set, and
 * brings its schema up to date. Prints why on failure. */
static int
open_db(const config *c, int create, db **out)
{
	char url[CONFIG_STR + 32];
	int from = 0, to = 0;
	if (config_db_url(c, url, sizeof url) != XA_OK) {
		fprintf(stderr, "xiaoan: the database path is too long\n");
		return 1;
	}
	xa_err e = db_open(url, create ? DB_CREATE : 0, out);
	if (e == XA_ENOTFOUND) {
		fprintf(stderr, "xiaoan: there is no database in %s; create it with "
		    "\"xiaoan init --data %s\"\n", c->data, c->data);
		return 1;
	}
	if (e != XA_OK) {
		fprintf(stderr, "xiaoan: cannot open the database %s: %s\n", url,
		    xa_strerror(e));
		return 1;
	}
	e = db_migrate(*out, &from, &to);
	if (e == XA_ESCHEMA) {
		fprintf(stderr, "xiaoan: the database in %s was written by a newer "
		    "version of xiaoan (schema %d; this program knows up to %d); "
		    "upgrade xiaoan before using it\n", c->data, from, db_schema_latest());
		db_close(*out);
		return 1;
	}
	if (e != XA_OK) {
		fprintf(stderr, "xiaoan: updating the database schema failed: %s\n",
		    xa_strerror(e));
		db_close(*out);
		return 1;
	}
	if (from != to)
		log_info("database schema updated from %d to %d", from, to);
	return 0;
}

/* Loads DATA/keys for the commands that need them. */
static int
load_keys(const config *c)
{
	keys k;
	xa_err e = keys_load(c->data, &k);
	if (e == XA_ENOTFOUND) {
		fprintf(stderr, "xiaoan: the keys in %s/keys are missing; a data folder "
		    "is made with \"xiaoan init\" and its keys must be restored with it\n",
		    c->data);
		return 1;
	}
	if (e != XA_OK) {
		fprintf(stderr, "xiaoan: cannot read the keys in %s/keys: %s\n", c->data,
		    xa_strerror(e));
		return 1;
	}
	keys_set(&k);
	explicit_bzero(&k, sizeof k);
	return 0;
}

static int
check_or_fail(const config *c)
{
	char err[512];
	if (config_check(c, err, sizeof err) != XA_OK) {
		fprintf(stderr, "xiaoan: configuration: %s\n", err);
		return 1;
	}
	log_set_level((enum log_level)log_level_parse(c->log_level));
	return 0;
}

static int
cmd_serve(config *c, int argc, char **argv)
{
	int check_only = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--check-config") == 0) {
			check_only = 1;
		} else {
			fprintf(stderr, "xiaoan serve: unknown argument \"%s\" "
			    "(see xiaoan serve --help)\n", argv[i]);
			return 2;
		}
	}
	if (check_or_fail(c) != 0)
		return 1;
	if (check_only) {
		printf("configuration OK%s%s\n", c->config_file[0] ? " (" : "",
		    c->config_file[0] ? c->config_file : "");
		if (c->config_file[0])
			printf(")\n");
		return 0;
	}
	db *d = NULL;
	if (load_keys(c) != 0 || open_db(c, 0, &d) != 0)
		return 1;
	db_close(d);
	/* libxml2 and libcurl set up once, before the poller's threads. */
	if (feed_global_init() != XA_OK) {
		fprintf(stderr, "xiaoan serve: cannot set up the feed reader\n");
		return 1;
	}
	server_app app;
	app_get(&app);
	server *s = NULL;
	char err[512];
	if (server_new(c, &app, &s, err, sizeof err) != XA_OK) {
		fprintf(stderr, "xiaoan serve: %s\n", err);
		return 1;
	}
	char host[CONFIG_STR];
	int port = 0;
	config_split_listen(c->listen, host, sizeof host, &port);
	int v6 = strchr(host, ':') != NULL;
	printf("xiaoan %s serving on %s://%s%s%s:%d\n", XIAOAN_VERSION,
	    c->tls_cert[0] ? "https" : "http", v6 ? "[" : "",
	    host[0] ? host : "0.0.0.0", v6 ? "]" : "", server_port(s));
	fflush(stdout);
	int rc = server_run(s);
	server_free(s);
	return rc;
}

/* The bureau and its three administrators with fresh temporary passwords
 * (written into the three buffers), with their audit records. Runs inside
 * the caller's transaction. */
static xa_err
init_city(const config *c, db *d, char *sys_pw, char *sec_pw, char *aud_pw)
{
	int64_t now = (int64_t)time(NULL), bureau = 0;
	struct {
		const char *username, *name;
		enum role role;
		char *pw;
	} admins[] = {
		{ "sysadmin", "系统管理员", ROLE_SYSADMIN, sys_pw },
		{ "secadmin", "安全管理员", ROLE_SECADMIN, sec_pw },
		{ "auditadmin", "审计管理员", ROLE_AUDITADMIN, aud_pw },
	};
	unit_new u = { 0, "bureau", c->bureau_name, NULL, "", "", 0, "", 0, "", "" };
	xa_err e = unit_insert(d, &u, now, &bureau);
	for (size_t i = 0; e == XA_OK && i < 3; i++) {
		char hash[CRYPTO_PWHASH_LEN];
		int64_t id = 0;
		e = password_generate(admins[i].pw);
		if (e == XA_OK)
			e = crypto_password_hash(admins[i].pw,
			    (unsigned)setting_defs[S_PW_COST].def, hash, sizeof hash);
		account_new a = { bureau, admins[i].username, admins[i].name, NULL, NULL,
			hash, ROLE_BIT(admins[i].role), NULL, 1 };
		if (e == XA_OK)
			e = account_insert(d, &a, now, &id);
		audit_entry ae = { 0, bureau, "account.create", "account", id,
			"username,roles", "", "xiaoan init" };
		if (e == XA_OK)
			e = audit_append(d, keys_get()->audit, &ae, now);
	}
	audit_entry ie = { 0, bureau, "system.init", "unit", bureau, "", "", "xiaoan init" };
	if (e == XA_OK)
		e = audit_append(d, keys_get()->audit, &ie, now);
	return e;
}

/* Makes DATA and its folders and keys, and opens a new database. */
static int
new_data_folder(const config *c, const char *cmd, db **d)
{
	char path[CONFIG_STR + 32];
	static const char *const sub[] = { "", "/keys", "/uploads", "/backups" };
	for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
		snprintf(path, sizeof path, "%s%s", c->data, sub[i]);
		if (make_dir(path) != 0) {
			fprintf(stderr, "xiaoan %s: cannot create %s: %s\n", cmd, path,
			    strerror(errno));
			return 1;
		}
	}
	if (keys_create(c->data) != XA_OK || load_keys(c) != 0) {
		fprintf(stderr, "xiaoan %s: cannot create the keys in %s/keys\n", cmd,
		    c->data);
		return 1;
	}
	return open_db(c, 1, d);
}

/* Removes a database that a failed command left half made, so the next
 * attempt starts clean. */
static void
remove_db(const config *c)
{
	static const char *const ext[] = { "", "-wal", "-shm" };
	for (size_t i = 0; i < 3; i++) {
		char path[CONFIG_STR + 32];
		snprintf(path, sizeof path, "%s/xiaoan.db%s", c->data, ext[i]);
		unlink(path);
	}
}

/* 1 when DATA already holds a database (and db_url is the default). */
static int
has_database(const config *c)
{
	char path[CONFIG_STR + 32];
	snprintf(path, sizeof path, "%s/xiaoan.db", c->data);
	return c->db_url[0] == '\0' && access(path, F_OK) == 0;
}

static int
cmd_init(config *c, int argc, char **argv)
{
	int if_empty = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--if-empty") == 0) {
			if_empty = 1;
		} else {
			fprintf(stderr, "xiaoan init: unknown argument \"%s\"\n", argv[i]);
			return 2;
		}
	}
	if (check_or_fail(c) != 0)
		return 1;
	if (has_database(c)) {
		if (if_empty)
			return 0;
		fprintf(stderr, "xiaoan init: %s already holds a database; "
		    "nothing was changed\n", c->data);
		return 1;
	}
	db *d = NULL;
	if (new_data_folder(c, "init", &d) != 0)
		return 1;
	char pw[3][16];
	xa_err e = db_begin(d);
	if (e == XA_OK)
		e = init_city(c, d, pw[0], pw[1], pw[2]);
	if (e == XA_OK)
		e = db_commit(d);
	else
		db_rollback(d);
	db_close(d);
	if (e != XA_OK) {
		remove_db(c);
		fprintf(stderr, "xiaoan init: setting up the bureau and its administrators "
		    "failed: %s\n", xa_strerror(e));
		return 1;
	}
	printf("created the data folder %s (schema %d)\n\n"
	    "The three administrators (三员分立) and their temporary passwords,\n"
	    "shown this once; each must choose a new password at first sign-in:\n"
	    "  sysadmin     %s\n  secadmin     %s\n  auditadmin   %s\n",
	    c->data, db_schema_latest(), pw[0], pw[1], pw[2]);
	explicit_bzero(pw, sizeof pw);
	return 0;
}

/* Prints the first lines of the demo logins file. */
static void
print_logins(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	if (f == NULL)
		return;
	printf("\nDemo logins (username,password,role,unit), all in %s:\n", path);
	for (int i = 0; i < 16 && fgets(line, sizeof line, f) != NULL; i++) {
		char *p = line;
		if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
		    (unsigned char)p[2] == 0xBF)
			p += 3;
		p[strcspn(p, "\r\n")] = '\0';
		printf("  %s\n", p);
	}
	fclose(f);
}

/* Raises the early warnings of every survey campaign of the demo. */
static xa_err
demo_survey_warnings(db *d, int64_t now, FILE *out)
{
	db_stmt *st = NULL;
	int64_t ids[16];
	size_t n = 0, raised = 0;
	xa_err e = db_prepare(d, "SELECT id FROM survey_campaigns ORDER BY id", &st);
	if (e != XA_OK)
		return e;
	while (n < 16 && db_step(st) == 1)
		ids[n++] = db_col_int(st, 0);
	db_done(st);
	for (size_t i = 0; e == XA_OK && i < n; i++) {
		size_t k = 0;
		e = survey_warnings_raise(d, ids[i], now, &k);
		raised += k;
	}
	if (e == XA_OK && out != NULL)
		fprintf(out, "Survey warnings: %zu classes and schools above the thresholds.\n", raised);
	return e;
}

static int
cmd_demo(config *c, int argc, char **argv)
{
	int if_empty = 0, percent = -1;
	uint64_t seed = DEMO_DEFAULT_SEED;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--if-empty") == 0) {
			if_empty = 1;
		} else if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc) {
			char *end;
			errno = 0;
			long v = strtol(argv[++i], &end, 10);
			if (*end != '\0' || errno != 0 || v < 0 || v > 100 || argv[i][0] == '\0') {
				fprintf(stderr, "xiaoan demo: --cases takes a percentage, 0 to 100\n");
				return 2;
			}
			percent = (int)v;
		} else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(argv[++i], &end, 10);
			if (*end != '\0' || errno != 0 || argv[i][0] == '-') {
				fprintf(stderr, "xiaoan demo: --seed takes a whole number\n");
				return 2;
			}
			seed = v;
		} else {
			fprintf(stderr, "xiaoan demo: unknown argument \"%s\"\n", argv[i]);
			return 2;
		}
	}
	if (check_or_fail(c) != 0)
		return 1;
	char csv[CONFIG_STR + 32];
	snprintf(csv, sizeof csv, "%s/%s", c->data, DEMO_ACCOUNTS_FILE);
	if (has_database(c)) {
		if (if_empty) {
			print_logins(csv);
			return 0;
		}
		fprintf(stderr, "xiaoan demo: %s already holds a database; "
		    "nothing was changed\n", c->data);
		return 1;
	}
	db *d = NULL;
	if (new_data_folder(c, "demo", &d) != 0)
		return 1;
	char pw[3][16], err[512] = "";
	xa_err e = db_begin(d);
	/* One transaction: the audit chain's head is written once, at the end. */
	if (e == XA_OK)
		audit_batch_begin(d);
	if (e == XA_OK)
		e = init_city(c, d, pw[0], pw[1], pw[2]);
	explicit_bzero(pw, sizeof pw);
	if (e == XA_OK)
		e = demo_build(d, seed, csv, stdout, err, sizeof err);
	/* A school year of reports and cases on top of the city. */
	if (e == XA_OK)
		e = demo_cases_build(d, seed, (int64_t)time(NULL), percent, stdout, err,
		    sizeof err);
	/* Last semester's finished survey and this semester's, under way. */
	if (e == XA_OK)
		e = survey_demo(d, seed, (int64_t)time(NULL), stdout, err, sizeof err);
	/* The early warnings the surveys' results raise. */
	if (e == XA_OK)
		e = demo_survey_warnings(d, (int64_t)time(NULL), stdout);
	/* A semester of public-opinion items, their alerts and handling. */
	if (e == XA_OK)
		e = sentiment_demo(d, seed, (int64_t)time(NULL), stdout, err, sizeof err);
	/* Their notices, told and mostly acknowledged, as a working city's. */
	if (e == XA_OK)
		e = notify_demo(d, c, (int64_t)time(NULL), stdout);
	/* A semester of sessions, class meetings, screenings and training. */
	if (e == XA_OK)
		e = prevention_demo(d, seed, (int64_t)time(NULL), stdout, err, sizeof err);
	/* The school year's monthly returns, some late, sent back or missing. */
	if (e == XA_OK)
		e = returns_demo(d, seed, (int64_t)time(NULL), stdout, err, sizeof err);
	/* An inspection campaign with findings and open rectification tasks. */
	if (e == XA_OK)
		e = inspect_demo(d, seed, (int64_t)time(NULL), stdout, err, sizeof err);
	/* The directory's filings, a few still waiting for approval. */
	if (e == XA_OK)
		e = directory_demo(d, seed, (int64_t)time(NULL), stdout, err, sizeof err);
	/* Last year's self-evaluations. */
	if (e == XA_OK)
		e = evaluation_demo(d, seed, (int64_t)time(NULL), stdout, err, sizeof err);
	if (e == XA_OK)
		e = audit_batch_flush(d);
	if (e == XA_OK) {
		e = db_commit(d);
	} else {
		audit_batch_abort(d);
		db_rollback(d);
	}
	db_close(d);
	if (e != XA_OK) {
		remove_db(c);
		unlink(csv);
		fprintf(stderr, "xiaoan demo: building the demo city failed: %s\n",
		    err[0] ? err : xa_strerror(e));
		return 1;
	}
	printf("\nbuilt the demo city in %s (seed %llu)\n", c->data,
	    (unsigned long long)seed);
	return 0;
}

static int
cmd_migrate(config *c, int argc, char **argv)
{
	if (argc > 0) {
		fprintf(stderr, "xiaoan migrate: unknown argument \"%s\"\n", argv[0]);
		return 2;
	}
	if (check_or_fail(c) != 0)
		return 1;
	char url[CONFIG_STR + 32];
	db *d = NULL;
	int from = 0, to = 0;
	config_db_url(c, url, sizeof url);
	xa_err e = db_open(url, 0, &d);
	if (e != XA_OK) {
		fprintf(stderr, "xiaoan migrate: cannot open %s: %s\n", url, xa_strerror(e));
		return 1;
	}
	e = db_migrate(d, &from, &to);
	db_close(d);
	if (e == XA_ESCHEMA) {
		fprintf(stderr, "xiaoan migrate: the database was written by a newer "
		    "xiaoan (schema %d; this program knows up to %d)\n", from,
		    db_schema_latest());
		return 1;
	}
	if (e != XA_OK) {
		fprintf(stderr, "xiaoan migrate: failed: %s\n", xa_strerror(e));
		return 1;
	}
	if (from == to)
		printf("schema %d is current\n", to);
	else
		printf("schema updated from %d to %d\n", from, to);
	return 0;
}

static int
cmd_backup(config *c, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "xiaoan backup: give the backup file: "
		    "xiaoan backup --data DIR FILE\n");
		return 2;
	}
	if (check_or_fail(c) != 0)
		return 1;
	db *d = NULL;
	if (open_db(c, 0, &d) != 0)
		return 1;
	xa_err e = db_backup(d, argv[0]);
	db_close(d);
	if (e == XA_EEXIST) {
		fprintf(stderr, "xiaoan backup: %s exists already; choose a new name\n",
		    argv[0]);
		return 1;
	}
	if (e != XA_OK) {
		fprintf(stderr, "xiaoan backup: failed: %s\n", xa_strerror(e));
		return 1;
	}
	printf("backup written to %s\n", argv[0]);
	return 0;
}

static int
cmd_verify(config *c, int argc, char **argv)
{
	if (argc > 0) {
		fprintf(stderr, "xiaoan verify: unknown argument \"%s\"\n", argv[0]);
		return 2;
	}
	if (check_or_fail(c) != 0)
		return 1;
	char url[CONFIG_STR + 32], msg[512];
	db *d = NULL;
	int version = 0;
	config_db_url(c, url, sizeof url);
	xa_err e = db_open(url, DB_READONLY, &d);
	if (e != XA_OK) {
		fprintf(stderr, "xiaoan verify: cannot open %s: %s\n", url, xa_strerror(e));
		return 1;
	}
	int bad = 0;
	if (db_check(d, msg, sizeof msg) != XA_OK) {
		fprintf(stderr, "xiaoan verify: the database file is damaged: %s\n", msg);
		bad = 1;
	}
	if (db_schema_version(d, &version) != XA_OK) {
		fprintf(stderr, "xiaoan verify: cannot read the schema version\n");
		bad = 1;
	} else if (version != db_schema_latest()) {
		fprintf(stderr, "xiaoan verify: schema %d, this program expects %d "
		    "(run xiaoan migrate)\n", version, db_schema_latest());
		bad = 1;
	}
	int64_t count = 0, bad_id = 0;
	char why[256] = "";
	if (!bad && load_keys(c) != 0) {
		bad = 1;
	} else if (!bad) {
		xa_err ae = audit_verify(d, keys_get()->audit, &count, &bad_id, why, sizeof why);
		if (ae != XA_OK) {
			fprintf(stderr, "xiaoan verify: the audit chain is broken: %s\n",
			    why[0] ? why : xa_strerror(ae));
			bad = 1;
		}
	}
	db_close(d);
	if (!bad)
		printf("database OK (schema %d); audit chain OK (%lld records)\n", version,
		    (long long)count);
	return bad;
}

static int
cmd_version(config *c, int argc, char **argv)
{
	printf("xiaoan %s\n", XIAOAN_VERSION);
	return 0;
}

static const struct command commands[] = {
	{ "serve", cmd_serve, "[--check-config] [--listen ADDR:PORT]",
	  "serve the web interface and the API",
	  "Serves until SIGTERM or SIGINT, then finishes in-flight requests and\n"
	  "exits 0. --check-config checks the configuration and exits." },
	{ "init", cmd_init, "[--if-empty]",
	  "create a data folder with an empty database",
	  "Creates DATA, DATA/keys (the audit and data keys), DATA/uploads and\n"
	  "DATA/backups (mode 0700), the database, the bureau, and the three\n"
	  "administrators (system, security, audit) with temporary passwords that\n"
	  "are printed once. Refuses a folder that already holds a database,\n"
	  "unless --if-empty, which then does nothing." },
	{ "demo", cmd_demo, "[--seed N] [--cases PERCENT] [--if-empty]",
	  "create a data folder holding the demo city",
	  "Like init, then builds a fictitious Xinzheng: the bureau and its\n"
	  "sections, townships, about 300 schools with classes and committees,\n"
	  "partner agencies, and an account for every role, with two-factor\n"
	  "sign-in optional. Writes every login to DATA/demo-accounts.csv and\n"
	  "prints the main ones. Then a school year of reports and cases in every\n"
	  "state (--cases scales it, as a percentage; 0: none). The same seed\n"
	  "builds the same city. With --if-empty, a folder that already holds a\n"
	  "database is left alone and its logins are printed again." },
	{ "migrate", cmd_migrate, "", "bring the database schema up to date",
	  "Applies the migrations this program has and the database lacks; each\n"
	  "in its own transaction. Refuses a database from a newer xiaoan." },
	{ "backup", cmd_backup, "FILE", "copy a consistent database while serving",
	  "Writes a consistent copy of the database to FILE, which must not exist,\n"
	  "while the server goes on running." },
	{ "verify", cmd_verify, "", "check the database and the audit chain",
	  "Checks the database file's consistency, its schema version, and every\n"
	  "link of the audit chain against the key in DATA/keys; exits non-zero\n"
	  "naming the first problem found (the first broken link by its id)." },
	{ "version", cmd_version, "", "print the version", "Prints the version." },
	{ "help", cmd_help, "[COMMAND]", "show help", "Shows help on a command." },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const struct command *
find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void
usage(FILE *f)
{
	fprintf(f, "xiaoan (校安) %s: the student-bullying governance platform\n\n"
	    "Usage: xiaoan COMMAND [OPTIONS]\n\nCommands:\n", XIAOAN_VERSION);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nxiaoan COMMAND --help tells more.\n");
}

static void
command_help(const struct command *cmd)
{
	printf("Usage: xiaoan %s %s\n\n%s\n", cmd->name, cmd->args, cmd->help);
	if (cmd->run != cmd_version && cmd->run != cmd_help)
		print_options(stdout);
}

static int
cmd_help(config *c, int argc, char **argv)
{
	if (argc == 0) {
		usage(stdout);
		return 0;
	}
	const struct command *cmd = find_command(argv[0]);
	if (cmd == NULL) {
		fprintf(stderr, "xiaoan: no command \"%s\"\n", argv[0]);
		return 2;
	}
	command_help(cmd);
	return 0;
}

/* LeakSanitizer (the sanitizer build only reads this): cairo 1.16 as
 * shipped in Debian 12 never frees a CFF font's FDArray index when a PDF
 * with CJK fonts is finished (about 2 KB per dossier; fixed in later cairo),
 * and fontconfig keeps its configuration for the life of the process.
 * Neither is ours to free; tests/unit/test_dossier.c checks the renderer
 * itself with a narrower rule. */
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:cairo_surface_finish\n"
	    "leak:libcairo.so\n"
	    "leak:cairo_cff_font_read_cid_fontdict\n"
	    "leak:libfontconfig.so\n";
}

/* The writer's batch hooks: the survey's counts are written before the
 * audit chain's head, both before COMMIT. */
static void
batch_begin(db *conn)
{
	survey_batch_begin(conn);
	audit_batch_begin(conn);
}

static void
batch_forget(db *conn)
{
	survey_batch_forget(conn);
	audit_batch_forget(conn);
}

static xa_err
batch_flush(db *conn)
{
	xa_err e = survey_batch_flush(conn);
	return e != XA_OK ? e : audit_batch_flush(conn);
}

static void
batch_abort(db *conn)
{
	survey_batch_abort(conn);
	audit_batch_abort(conn);
}

int
main(int argc, char **argv)
{
	/* The writer's batches write the audit chain's head once each, and
	 * the survey's counts once per class and measure. */
	static const struct writer_hooks hooks = { batch_begin, batch_forget, batch_flush,
		batch_abort };
	survey_batch_enable();
	writer_set_hooks(&hooks);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const struct command *cmd = find_command(argv[1]);
	if (cmd == NULL) {
		if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[1], "--version") == 0)
			return cmd_version(NULL, 0, NULL);
		fprintf(stderr, "xiaoan: no command \"%s\"\n\n", argv[1]);
		usage(stderr);
		return 2;
	}
	int n = argc - 2;
	char **args = argv + 2;
	if (wants_help(n, args)) {
		command_help(cmd);
		return 0;
	}
	config c;
	char err[512];
	char **rest = calloc((size_t)n + 1, sizeof *rest);
	int nrest = 0;
	if (rest == NULL) {
		fprintf(stderr, "xiaoan: out of memory\n");
		return 1;
	}
	if (config_load(&c, n, args, rest, &nrest, err, sizeof err) != XA_OK) {
		fprintf(stderr, "xiaoan %s: %s\n", cmd->name, err);
		free(rest);
		return 2;
	}
	int rc = cmd->run(&c, nrest, rest);
	free(rest);
	return rc;
}
