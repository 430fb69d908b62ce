/* reports.h: what the staff side of reports (reports_http.c) uses from
 * the anonymous channel (report_public.c): the two-way thread with a
 * reporter, the report's attachments, and the status a reporter sees.
 *
 * The staff routes of the thread and of attachment downloads live in
 * report_public_routes (report_public.c):
 *   GET  /api/v1/reports/{id}/messages           → {"report_id","messages"}
 *   POST /api/v1/reports/{id}/messages   {text}  → 201 {"id","report_id"}
 *   POST /reports/{id}/messages          (form)  → 303 /reports/{id}
 *   GET  /api/v1/reports/{id}/attachments/{aid}  → the file (download)
 * each allowed when report_staff_may() says so, else 404 like a missing
 * report.
 *
 * The models below open sealed content but write no audit record: the
 * caller reads the report anyway and audits that read (one record for
 * the page). Never: show a reporter who answered them, or show anyone the
 * reporter's address (it is never stored). */
#ifndef XA_REPORTS_H
#define XA_REPORTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../http/server.h"

/* The thread of report_id for staff, oldest first, as an array of
 *   {"from": "reporter"|"school"|"bureau", "from_label": "反映人"|...,
 *    "author": display name of the staff account ("" for the reporter),
 *    "text": "...", "lines": ["...", ...] (text split at newlines, for
 *    templates), "at": "2026-11-29 10:30" (the bureau's zone)}
 * from is the kind of the writing account's unit (a school, else the
 * bureau). key is the report's key (report_key()). A message that does
 * not open is left out. Never NULL (an empty array on any failure). */
json_t *report_thread_model(req *r, int64_t report_id, const uint8_t key[32]);

/* The report's attachments for staff: an array of {"id", "mime", "size",
 * "name" (the original file name, opened), "href" (the download
 * address)}. Never NULL. */
json_t *report_attachments_model(req *r, int64_t report_id,
    const uint8_t key[32]);

/* Whether r->user may read and answer a report queued at queue_path:
 * A_REPORT_TRIAGE over the queue's unit, or the account that received
 * or owns it (0: none) while the report's queue lies within their scope
 * (a report moved to another school leaves its first receiver's reach). */
bool report_staff_may(const req *r, const char *queue_path,
    int64_t received_by, int64_t owner_id);

/* What the reporter sees of a report's status, in plain words:
 * "received" (new), "in_progress" (accepted, or joined to a case that is
 * not closed or archived), "handled" (unfounded, prank, or joined to a
 * closed or archived case). case_state may be NULL or "" (no case). The
 * catalog key of its text is "public.status.<answer>". */
const char *report_public_status(const char *status, const char *case_state);

#endif
