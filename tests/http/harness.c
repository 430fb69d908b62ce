/* harness.c: see harness.h. Test code: failures print why and return
 * non-zero so the calling test can assert. */
#include "harness.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *
xiaoan_bin(void)
{
	const char *b = getenv("XIAOAN_BIN");
	return b ? b : "build/xiaoan";
}

int
run_cmd(char *const argv[], char **out)
{
	int pfd[2];
	if (pipe(pfd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	for (;;) {
		if (n + 1024 > cap) {
			cap *= 2;
			b = realloc(b, cap);
		}
		ssize_t r = read(pfd[0], b + n, cap - n - 1);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	close(pfd[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	if (out != NULL)
		*out = b;
	else
		free(b);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void
curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
}

int
srv_start(struct srv *s, const char *const *extra)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, curl_init_once);
	if (s->dir[0] == '\0') {
		snprintf(s->dir, sizeof s->dir, "/tmp/xiaoan-test-XXXXXX");
		if (mkdtemp(s->dir) == NULL)
			return -1;
		char data[160];
		snprintf(data, sizeof data, "%s/data", s->dir);
		char *argv[] = { (char *)xiaoan_bin(), "init", "--data", data, NULL };
		char *out = NULL;
		int rc = run_cmd(argv, &out);
		if (rc != 0) {
			fprintf(stderr, "xiaoan init failed (%d): %s\n", rc, out);
			free(out);
			return -1;
		}
		free(out);
	}
	snprintf(s->log, sizeof s->log, "%s/server.log", s->dir);
	char outpath[160], data[160];
	snprintf(outpath, sizeof outpath, "%s/server.out", s->dir);
	snprintf(data, sizeof data, "%s/data", s->dir);
	const char *argv[64];
	int n = 0;
	argv[n++] = xiaoan_bin();
	argv[n++] = "serve";
	argv[n++] = "--data";
	argv[n++] = data;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	for (int i = 0; extra != NULL && extra[i] != NULL && n < 62; i++) {
		argv[n++] = extra[i];
		if (strcmp(extra[i], "--tls-cert") == 0)
			s->tls = 1;
	}
	argv[n] = NULL;
	unlink(outpath);
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		int o = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(o, 1);
		dup2(e, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	/* The server prints "... serving on http://127.0.0.1:PORT". */
	for (int i = 0; i < 1000; i++) {
		char line[256] = "";
		FILE *f = fopen(outpath, "r");
		if (f != NULL) {
			if (fgets(line, sizeof line, f) == NULL)
				line[0] = '\0';
			fclose(f);
		}
		char *colon = strrchr(line, ':');
		if (strstr(line, "serving on") != NULL && colon != NULL) {
			s->port = (int)strtol(colon + 1, NULL, 10);
			break;
		}
		int st;
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			fprintf(stderr, "xiaoan serve exited early; log %s\n", s->log);
			s->pid = 0;
			return -1;
		}
		sleep_ms(10);
	}
	if (s->port == 0)
		return -1;
	snprintf(s->base, sizeof s->base, "%s://127.0.0.1:%d",
	    s->tls ? "https" : "http", s->port);
	for (int i = 0; i < 500; i++) {
		struct resp r;
		if (http_get(s, "/healthz", &r) == 0 && r.status == 200) {
			resp_free(&r);
			return 0;
		}
		resp_free(&r);
		sleep_ms(10);
	}
	return -1;
}

int
srv_stop(struct srv *s)
{
	int st = 0;
	if (s->pid <= 0)
		return -1;
	kill(s->pid, SIGTERM);
	for (int i = 0; i < 3000; i++) {
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			s->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		sleep_ms(10);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &st, 0);
	s->pid = 0;
	return -1;
}

void
srv_kill(struct srv *s)
{
	int st;
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &st, 0);
	s->pid = 0;
	s->port = 0;
}

void
srv_cleanup(struct srv *s)
{
	if (s->pid > 0)
		srv_kill(s);
	if (s->dir[0] != '\0') {
		char *argv[] = { "rm", "-rf", s->dir, NULL };
		run_cmd(argv, NULL);
		s->dir[0] = '\0';
	}
}

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	char **dst = arg;
	size_t add = size * n;
	size_t old = *dst ? strlen(*dst) : 0;
	char *b = realloc(*dst, old + add + 1);
	if (b == NULL)
		return 0;
	memcpy(b + old, p, add);
	b[old + add] = '\0';
	*dst = b;
	return add;
}

struct body {
	char *data;
	size_t len;
};

static size_t
collect_body(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t add = size * n;
	char *d = realloc(b->data, b->len + add + 1);
	if (d == NULL)
		return 0;
	memcpy(d + b->len, p, add);
	b->len += add;
	d[b->len] = '\0';
	b->data = d;
	return add;
}

int
http_req(const struct srv *s, const char *method, const char *path,
    const char *ctype, const char *body, size_t len,
    const char *const *headers, struct resp *out)
{
	char url[8192];
	struct body b = { NULL, 0 };
	char *hdrs = NULL;
	struct curl_slist *hl = NULL;
	memset(out, 0, sizeof *out);
	snprintf(url, sizeof url, "%s%s", s->base, path);
	CURL *c = curl_easy_init();
	if (c == NULL)
		return -1;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &hdrs);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	}
	char ct[256];
	if (ctype != NULL) {
		snprintf(ct, sizeof ct, "Content-Type: %s", ctype);
		hl = curl_slist_append(hl, ct);
	}
	hl = curl_slist_append(hl, "Expect:");
	for (int i = 0; headers != NULL && headers[i] != NULL; i++)
		hl = curl_slist_append(hl, headers[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	out->body = b.data ? b.data : calloc(1, 1);
	out->len = b.len;
	out->headers = hdrs ? hdrs : calloc(1, 1);
	return rc == CURLE_OK ? 0 : -1;
}

int
http_get(const struct srv *s, const char *path, struct resp *out)
{
	return http_req(s, "GET", path, NULL, NULL, 0, NULL, out);
}

const char *
resp_header(const struct resp *r, const char *name)
{
	static __thread char value[2048];
	size_t nl = strlen(name);
	const char *p = r->headers;
	while (p != NULL && *p) {
		const char *eol = strstr(p, "\r\n");
		if (eol == NULL)
			eol = p + strlen(p);
		if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			size_t vl = (size_t)(eol - v);
			if (vl >= sizeof value)
				vl = sizeof value - 1;
			memcpy(value, v, vl);
			value[vl] = '\0';
			return value;
		}
		p = *eol ? eol + 2 : eol;
	}
	return NULL;
}

void
resp_free(struct resp *r)
{
	free(r->body);
	free(r->headers);
	r->body = r->headers = NULL;
}

int
raw_connect(const struct srv *s)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)s->port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

ssize_t
raw_read(int fd, char *buf, size_t len, int ms)
{
	size_t n = 0;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (n + 1 < len) {
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		long spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= ms)
			break;
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, (int)(ms - spent)) <= 0)
			break;
		ssize_t r = read(fd, buf + n, len - n - 1);
		if (r <= 0) {
			if (n == 0)
				return r;
			break;
		}
		n += (size_t)r;
		buf[n] = '\0';
		/* Stop at the end of one whole response. */
		char *end = strstr(buf, "\r\n\r\n");
		char *cl = strcasestr(buf, "\r\nContent-Length:");
		if (end != NULL && cl != NULL && cl < end &&
		    (size_t)(end + 4 - buf) + (size_t)strtol(cl + 17, NULL, 10) <= n)
			break;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

int
file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	char line[4096];
	int found = 0;
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}
