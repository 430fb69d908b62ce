/* harness.h: runs the real xiaoan binary for the HTTP tests.
 *
 * Each server gets a fresh data folder under /tmp, listens on a loopback
 * port the kernel picks, and is stopped (SIGTERM, then waited for) by the
 * test. Requests go through libcurl, or raw sockets where a test needs to
 * misbehave like a slow or greedy client. */
#ifndef XA_HARNESS_H
#define XA_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

struct srv {
	pid_t pid;
	int port;
	char dir[128];		/* the data folder */
	char log[160];		/* the server's stderr */
	char base[64];		/* http://127.0.0.1:PORT */
	int tls;
};

struct resp {
	long status;
	char *body;
	size_t len;
	char *headers;		/* raw header block */
};

/* Creates a data folder (xiaoan init) unless dir is already set, then
 * starts "xiaoan serve" with the extra arguments (NULL-terminated list,
 * may be NULL) and waits until /healthz answers. 0 on success. */
int srv_start(struct srv *s, const char *const *extra);
/* Sends SIGTERM and waits; returns the exit status, or -1 if it had to be
 * killed after 30 s. */
int srv_stop(struct srv *s);
/* SIGKILL, no waiting for anything to flush. */
void srv_kill(struct srv *s);
/* Removes the data folder. */
void srv_cleanup(struct srv *s);

/* One request. headers: NULL-terminated "Name: value" strings or NULL. */
int http_req(const struct srv *s, const char *method, const char *path,
    const char *ctype, const char *body, size_t len,
    const char *const *headers, struct resp *out);
int http_get(const struct srv *s, const char *path, struct resp *out);
/* The value of a response header (case-insensitive name), in a static
 * buffer, or NULL. */
const char *resp_header(const struct resp *r, const char *name);
void resp_free(struct resp *r);

/* Runs argv (argv[0] is looked up in PATH unless it has a '/'), captures
 * stdout+stderr into out (malloc'd, may be NULL); returns the exit status. */
int run_cmd(char *const argv[], char **out);
/* The xiaoan binary under test ($XIAOAN_BIN, else build/xiaoan). */
const char *xiaoan_bin(void);
/* A raw TCP connection to the server, or -1. */
int raw_connect(const struct srv *s);
/* Reads what arrives within ms milliseconds, until the connection
 * closes or one whole response (headers and Content-Length bytes) is in. */
ssize_t raw_read(int fd, char *buf, size_t len, int ms);
/* 1 if the file contains needle. */
int file_contains(const char *path, const char *needle);

#endif
