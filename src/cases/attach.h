/* attach.h: photos and screenshots that come with a report, cleaned
 * before they are sealed and stored.
 *
 * Only JPEG and PNG are taken, recognised by their first bytes (never by
 * the file's name or the type the browser declared). Cleaning removes what
 * can identify a person or a place without touching the picture: JPEG
 * APP1..APP15 segments (EXIF with GPS and the phone's serial, XMP, ICC,
 * maker notes) except a bare Adobe transform flag, and comments; PNG text
 * chunks, eXIf, tIME and every ancillary chunk not needed to show the
 * image. Anything after the end marker is dropped. A JPEG segment of a
 * kind not known to be needed (frame, tables, restart interval, scan) is
 * refused rather than copied. A file that is malformed or truncated
 * anywhere is refused whole.
 *
 * Never: trust a length field before checking it against what is left, or
 * write past the output (it is never longer than the input). Pure: no
 * database, no clock, no globals; fuzz-safe by construction. */
#ifndef XA_ATTACH_H
#define XA_ATTACH_H

#include <stddef.h>

#include "../core/arena.h"
#include "../core/err.h"

/* At most this many files with one report. */
#define ATTACH_MAX_FILES 4

/* "image/jpeg" or "image/png" from data's first bytes, or NULL for
 * anything else (a GIF, a PDF, an executable, too short to tell). */
const char *attach_sniff(const void *data, size_t n);

/* Cleans data[0..n): *mime receives "image/jpeg" or "image/png", *out a
 * new arena copy without the metadata, *outlen its length (<= n).
 * XA_EINVAL for a type other than JPEG and PNG, or a file that is
 * malformed or truncated (a chunk running past the end, a bad PNG CRC, no
 * end marker); XA_ENOMEM. On failure the outputs are untouched. */
xa_err attach_clean(arena *a, const void *data, size_t n, const char **mime,
    void **out, size_t *outlen);

#endif
