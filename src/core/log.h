/* log.h: one line per event on stderr, with UTC time and level.
 *
 * A line is formatted whole and written with one write(), so lines from
 * several threads never interleave. Never log a body, a cookie, a token, a
 * password or a minor's personal data. */
#ifndef XA_LOG_H
#define XA_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);
/* Parses "error", "warn", "info", "debug"; -1 if none of these. */
int log_level_parse(const char *s);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The access log: the line as given, prefixed with the time. */
void log_access(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
