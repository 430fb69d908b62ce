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
#include <unistd.h>

#include "app/app.h"
#include "core/config.h"
#include "core/log.h"
#include "http/server.h"
#include "store/db.h"
#include "version.h"

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
	if (open_db(c, 0, &d) != 0)
		return 1;
	db_close(d);
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
	char path[CONFIG_STR + 32];
	snprintf(path, sizeof path, "%s/xiaoan.db", c->data);
	if (c->db_url[0] == '\0' && access(path, F_OK) == 0) {
		if (if_empty)
			return 0;
		fprintf(stderr, "xiaoan init: %s already holds a database; "
		    "nothing was changed\n", c->data);
		return 1;
	}
	static const char *const sub[] = { "", "/keys", "/uploads", "/backups" };
	for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
		snprintf(path, sizeof path, "%s%s", c->data, sub[i]);
		if (make_dir(path) != 0) {
			fprintf(stderr, "xiaoan init: cannot create %s: %s\n", path,
			    strerror(errno));
			return 1;
		}
	}
	db *d = NULL;
	if (open_db(c, 1, &d) != 0)
		return 1;
	db_close(d);
	printf("created the data folder %s (schema %d)\n", c->data, db_schema_latest());
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
	db_close(d);
	if (!bad)
		printf("database OK (schema %d)\n", version);
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
	  "Creates DATA, DATA/keys, DATA/uploads and DATA/backups (mode 0700) and\n"
	  "the database. Refuses a folder that already holds one, unless\n"
	  "--if-empty, which then does nothing." },
	{ "migrate", cmd_migrate, "", "bring the database schema up to date",
	  "Applies the migrations this program has and the database lacks; each\n"
	  "in its own transaction. Refuses a database from a newer xiaoan." },
	{ "backup", cmd_backup, "FILE", "copy a consistent database while serving",
	  "Writes a consistent copy of the database to FILE, which must not exist,\n"
	  "while the server goes on running." },
	{ "verify", cmd_verify, "", "check the database's integrity",
	  "Checks the database file's consistency and its schema version; exits\n"
	  "non-zero naming the first problem found." },
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

int
main(int argc, char **argv)
{
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
