/* notify.h: notices that arrive, and escalate until someone acknowledges.
 *
 * An event that must be told (a new report, a serious case, a deadline, a
 * supervision order…) calls notify_emit() inside its own transaction: one
 * row, so that what happened and the duty to tell it commit together. The
 * scheduler (sched.c) then, each in a writer job:
 *   - fans a new notice out by the bureau's rules (notify_rules): the
 *     first rung's accounts get it in their inbox, and in the outbox by
 *     e-mail and SMS where the rule says so and the account has an
 *     address; an ordinary notice waits out the quiet hours, an urgent
 *     one does not;
 *   - climbs an urgent notice that nobody acknowledged within
 *     notify.escalate_minutes to the next rung, and so on to the last;
 *   - warns of deadlines coming (notify.deadline_warn_hours) and passed;
 *   - delivers the outbox: an attempt is recorded before the message
 *     leaves and settled after the far end answered, with backoff.
 * Nothing a notice says outside the app names a minor or tells a detail:
 * it says what happened, where, and where to look.
 *
 * Every function taking a db runs inside a transaction its caller holds
 * and takes the time as a parameter (tests inject it). */
#ifndef XA_NOTIFY_H
#define XA_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "../core/arena.h"
#include "../core/config.h"
#include "../core/err.h"
#include "../store/db.h"

/* What an event tells. kind is one of notify_kinds. */
typedef struct notice_new {
	const char *kind;
	int64_t unit_id;		/* the school (or unit) it concerns */
	const char *object_type;	/* "report", "case", "supervision", … */
	int64_t object_id;
	int64_t case_id;		/* shown on this case's page; 0: none */
	int64_t actor_id;		/* first receiver or case owner; 0: none */
	const char *school;		/* the school's name for the words; NULL: none */
	const char *case_no;		/* "2025-0012"; NULL: none */
	const char *due;		/* a date or time for the words; NULL: none */
	const char *link;		/* where to look in the app, a path */
	const char *dedup;		/* at most one notice with this key; NULL: none */
} notice_new;

/* The kinds, NULL-terminated: report.new, case.serious, deadline.near,
 * deadline.passed, supervision.order, return.due, return.late,
 * return.sent_back, sentiment.alert. */
extern const char *const notify_kinds[];
/* Who a rung can name, NULL-terminated: chair, principal,
 * first_receiver, case_owner, office, office_director, leader. */
extern const char *const notify_whos[];

/* Records a notice to tell (status 'new'). A second notice with the same
 * dedup key is silently not recorded. XA_EINVAL for an unknown kind. */
xa_err notify_emit(db *conn, const notice_new *n, int64_t now);

/* The two common cases, for the domains that emit: a new report in a
 * queue (unit: the school, or the office when it names none; first: its
 * first receiver, 0 for an anonymous one), and a case's event (kind;
 * due: a date for the words, or NULL). The school's name and the case
 * number are looked up here. */
xa_err notify_report(db *conn, int64_t report_id, int64_t unit, int64_t first,
    int64_t now);
xa_err notify_case(db *conn, const char *kind, int64_t case_id, const char *due,
    int64_t now);

/* The scheduler's steps; *done counts what each did. cfg gives the zone,
 * the public address for links and which transports are on. */
xa_err notify_fanout(db *conn, const config *cfg, int64_t now, size_t max,
    size_t *done);
xa_err notify_climb(db *conn, const config *cfg, int64_t now, size_t max,
    size_t *done);
xa_err notify_deadlines(db *conn, const config *cfg, int64_t now, size_t *done);

/* One message of the outbox, claimed for an attempt. */
typedef struct outbox_item {
	int64_t id, attempt_id;
	int attempts;			/* including this one */
	bool urgent;
	char channel[8];		/* email | sms */
	char address[256];
	char subject[256];
	char body[2048];
} outbox_item;

/* Claims the oldest due message: records an attempt as begun, counts it,
 * and moves the message's next_at past lease seconds so that no other
 * tick takes it meanwhile. *found is 0 when nothing is due. */
xa_err notify_claim(db *conn, int64_t now, int64_t lease, outbox_item *it,
    int *found);
/* Settles a claimed attempt: result XA_OK (sent, for good), XA_EIO (try
 * again after a backoff — an ordinary message not in the quiet hours — or
 * give up after notify.max_attempts) or any other error (give up). why is
 * kept with the attempt. A message sent or given up keeps its text without
 * the one-tap link's secret. */
xa_err notify_settle(db *conn, const config *cfg, const outbox_item *it, xa_err result,
    const char *why, int64_t now);
/* At start-up: attempts a previous run left begun (it stopped or crashed
 * mid-delivery) are marked cut off and their messages made due now. A
 * message the far end confirmed is never sent again; one cut off may
 * arrive twice, which is better than not at all. */
xa_err notify_recover(db *conn, const config *cfg, int64_t now, size_t *done);

/* Acknowledges the notice of inbox item id for account: the item, the
 * notice and the reports' notices folded into it (first acknowledgement
 * wins; the ladder stops), and cancels its messages not yet sent.
 * XA_ENOTFOUND when the item is not this account's. */
xa_err notify_ack(db *conn, int64_t inbox_id, int64_t account_id, int64_t now);
/* The same from a one-tap link's token (ID.SECRET); *inbox_id receives the
 * item. XA_ENOTFOUND for a malformed, unknown or wrong token, a disabled
 * account's, or one older than 30 days. */
xa_err notify_ack_token(db *conn, const char *token, int64_t now,
    int64_t *inbox_id);

/* For `xiaoan demo`: looks for deadlines as of now, fans every notice
 * out as of now, and marks those older than two days acknowledged by
 * their first recipient within the hour they were raised, as a working
 * city would have; the last two days' stay open (some climbing). Prints
 * one line to out (may be NULL). */
xa_err notify_demo(db *conn, const config *cfg, int64_t now, FILE *out);

/* The words of a notice in lang: its title and its text (with the link
 * when base is given). Allocated in a (an arena). */
xa_err notify_words(arena *a, const char *lang, const char *kind,
    const char *params, const char *link, const char *base, const char **title,
    const char **text);

#endif
