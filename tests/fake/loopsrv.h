/* loopsrv.h: a loopback HTTP server for the feed tests (test code only:
 * never link it into the program).
 *
 * One thread accepts on 127.0.0.1 at a port the kernel picks; each
 * connection gets a thread that reads the request's head (up to 4 KiB,
 * 5 s) and hands it to the test's handler, which answers on the socket
 * as it likes (slowly, endlessly, not at all) and returns; the socket is
 * closed after. The listening socket is close-on-exec, so a server
 * process forked by the test does not inherit it. */
#ifndef XA_LOOPSRV_H
#define XA_LOOPSRV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define LOOPSRV_CONNS 256

struct loopsrv;
/* Answers one request: req is its head, NUL-terminated. */
typedef void (*loopsrv_fn)(struct loopsrv *s, int fd, const char *req);

typedef struct loopsrv {
	int fd;
	int port;
	loopsrv_fn fn;
	void *ctx;			/* the test's, untouched here */
	atomic_bool stop;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_t conns[LOOPSRV_CONNS];
	int nconns;
} loopsrv;

/* Starts serving with fn. 0 on success. */
int loopsrv_start(loopsrv *s, loopsrv_fn fn, void *ctx);
/* Asks the handlers to stop (loopsrv_stopping), joins every thread,
 * closes the socket. */
void loopsrv_stop(loopsrv *s);
/* True once loopsrv_stop was called: a handler that streams or waits
 * checks it to end. */
bool loopsrv_stopping(loopsrv *s);

/* Sends all of p[0..n); false when the peer went away. */
bool loopsrv_send_all(int fd, const void *p, size_t n);
/* A whole answer with Content-Length and Connection: close; headers are
 * extra header lines, each ending in CRLF ("" for none). */
void loopsrv_respond(int fd, const char *status, const char *headers, const char *body);
/* True when the peer closed within ms. */
bool loopsrv_peer_closed(int fd, int ms);

#endif
