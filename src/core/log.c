/* log.c: line-atomic logging to stderr. */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int current = LOG_INFO;

void
log_set_level(enum log_level level)
{
	atomic_store(&current, (int)level);
}

int
log_level_parse(const char *s)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static void emit(const char *tag, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void
emit(const char *tag, const char *fmt, va_list ap)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof line,
	    "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    ts.tv_nsec / 1000000, tag);
	if (n < 0 || (size_t)n >= sizeof line)
		return;
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const tags[] = { "error", "warn", "info", "debug" };
	if ((int)level > atomic_load(&current))
		return;
	va_list ap;
	va_start(ap, fmt);
	emit(tags[level], fmt, ap);
	va_end(ap);
}

void
log_access(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("access", fmt, ap);
	va_end(ap);
}
