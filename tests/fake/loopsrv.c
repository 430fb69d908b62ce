/* loopsrv.c: a loopback HTTP server for the feed tests (loopsrv.h). */
#include "loopsrv.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct conn_arg {
	loopsrv *s;
	int fd;
};

bool
loopsrv_send_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t k = send(fd, c, n, MSG_NOSIGNAL);
		if (k <= 0)
			return false;
		c += k;
		n -= (size_t)k;
	}
	return true;
}

void
loopsrv_respond(int fd, const char *status, const char *headers, const char *body)
{
	char head[1024];
	int k = snprintf(head, sizeof head, "HTTP/1.1 %s\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n%s\r\n", status, strlen(body), headers);
	if (k > 0 && (size_t)k < sizeof head && loopsrv_send_all(fd, head, (size_t)k))
		loopsrv_send_all(fd, body, strlen(body));
}

bool
loopsrv_peer_closed(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c[256];
	if (poll(&p, 1, ms) <= 0)
		return false;
	return recv(fd, c, sizeof c, MSG_DONTWAIT) <= 0;
}

bool
loopsrv_stopping(loopsrv *s)
{
	return atomic_load(&s->stop);
}

/* One connection: the request's head, then the handler. */
static void *
conn_main(void *arg)
{
	loopsrv *s = ((struct conn_arg *)arg)->s;
	int fd = ((struct conn_arg *)arg)->fd;
	char req[4096];
	size_t n = 0;
	bool whole = false;

	while (n < sizeof req - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 5000) <= 0)
			break;
		ssize_t k = recv(fd, req + n, sizeof req - 1 - n, 0);
		if (k <= 0)
			break;
		n += (size_t)k;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL) {
			whole = true;
			break;
		}
	}
	if (whole)
		s->fn(s, fd, req);
	close(fd);
	return NULL;
}

static void *
server_main(void *arg)
{
	loopsrv *s = arg;
	struct conn_arg args[LOOPSRV_CONNS];
	while (!atomic_load(&s->stop)) {
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		if (poll(&p, 1, 50) <= 0)
			continue;
		int c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		pthread_mutex_lock(&s->mu);
		if (s->nconns < LOOPSRV_CONNS) {
			args[s->nconns] = (struct conn_arg){ s, c };
			if (pthread_create(&s->conns[s->nconns], NULL, conn_main,
			    &args[s->nconns]) == 0)
				s->nconns++;
			else
				close(c);
		} else {
			close(c);
		}
		pthread_mutex_unlock(&s->mu);
	}
	/* args outlives every connection: loopsrv_stop joins them only
	 * after this thread, and this thread waits for them here. */
	pthread_mutex_lock(&s->mu);
	int n = s->nconns;
	pthread_mutex_unlock(&s->mu);
	for (int k = 0; k < n; k++)
		pthread_join(s->conns[k], NULL);
	return NULL;
}

int
loopsrv_start(loopsrv *s, loopsrv_fn fn, void *ctx)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	int one = 1;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->fn = fn;
	s->ctx = ctx;
	s->nconns = 0;
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -1;
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(s->fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    listen(s->fd, 64) != 0 ||
	    getsockname(s->fd, (struct sockaddr *)&a, &al) != 0) {
		close(s->fd);
		return -1;
	}
	s->port = ntohs(a.sin_port);
	pthread_mutex_init(&s->mu, NULL);
	atomic_store(&s->stop, false);
	if (pthread_create(&s->th, NULL, server_main, s) != 0) {
		close(s->fd);
		pthread_mutex_destroy(&s->mu);
		return -1;
	}
	return 0;
}

void
loopsrv_stop(loopsrv *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->th, NULL);
	close(s->fd);
	pthread_mutex_destroy(&s->mu);
}
