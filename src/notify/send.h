/* send.h: the delivery transports of the notification outbox.
 *
 * One call is one delivery attempt of one notice: an e-mail through the
 * configured SMTP server, or an SMS through the configured HTTP gateway.
 * The calls block for at most notify_timeout seconds, so they belong on
 * the scheduler thread or a worker, never on an event loop. They keep no
 * state between calls and are safe to call from several threads at once.
 * Formats, placeholders and the retry classes:
 * docs/internals/notify-send.md. Never logs the message text, a phone
 * number or a password. */
#ifndef XA_NOTIFY_SEND_H
#define XA_NOTIFY_SEND_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/err.h"

/* XA_OK: the far end confirmed (SMTP 250 after DATA; HTTP 2xx).
 * XA_EIO: worth retrying (cannot connect, timeout, TLS failure,
 * SMTP 4xx, HTTP 5xx or 429). XA_EINVAL: will never work as it is
 * (SMTP 5xx, HTTP other 4xx, bad address). why gets a short reason
 * in English for the log and the attempts table (never the password,
 * never the message text). */
xa_err send_email(const config *c, const char *to, const char *subject,
    const char *text, char *why, size_t whylen);
xa_err send_sms(const config *c, const char *phone, const char *text,
    char *why, size_t whylen);
/* True when the configuration has a mail server (smtp_url and
 * smtp_from set) or an SMS gateway (sms_url set). */
bool send_email_enabled(const config *c);
bool send_sms_enabled(const config *c);

#endif
