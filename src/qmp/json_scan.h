/*
 * A byte-level JSON scanner that runs beside json-c's tokener.
 *
 * The tokener builds values; this scanner knows where the stream is in
 * the structure (bracket depth, inside a string, inside a bare token such
 * as a number), so that after an error the framer can skip exactly to the
 * end of the broken value while buffering nothing.  It also refuses what
 * json-c's strict mode lets through but QMP must not accept: NaN and
 * Infinity, integers beyond 64 bits (json-c clamps them silently),
 * "\u0000" (json-c truncates object keys there), and raw control
 * characters inside strings (RFC 8259 §7).  And it counts the members
 * each object was written with, because json-c keeps only the last of
 * duplicate keys, where QEMU refuses them ("JSON parse error, duplicate
 * key").
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

#include <json-c/json.h>

/* Longest bare token kept for checking; longer ones are out of range anyway. */
#define TM_JSON_SCAN_TOKEN_MAX 32
/* Containers followed for member counts; deeper ones the tokener refuses anyway. */
#define TM_JSON_SCAN_DEPTH_MAX 72

typedef struct {
    guint depth;          /* open '{' and '[' (a count, not a stack) */
    bool in_string;
    bool escape;          /* after a backslash inside a string */
    guint unicode_left;   /* hex digits still to come of a \uXXXX escape */
    guint unicode_value;
    bool in_token;        /* inside a bare token: number, true, false, null */
    char token[TM_JSON_SCAN_TOKEN_MAX + 1];
    size_t token_len;     /* may exceed TM_JSON_SCAN_TOKEN_MAX; only the head is kept */
    bool token_is_fraction; /* the token has '.', 'e' or 'E': not an integer */
    GArray *members;      /* guint: members written, per object in document order */
    gint open[TM_JSON_SCAN_DEPTH_MAX]; /* per open container: its index in members, -1 array */
} TmJsonScan;

void tm_json_scan_init(TmJsonScan *scan);
void tm_json_scan_clear(TmJsonScan *scan);
/* Forget the value in progress (keeps the scanner's buffers). */
void tm_json_scan_reset(TmJsonScan *scan);

/* @value (just parsed from the scanned bytes) lost no duplicate key: else @err as QEMU's. */
bool tm_json_scan_check_keys(const TmJsonScan *scan, json_object *value, GError **err);

/*
 * Check @len bytes.  Returns how many were accepted; when that is less
 * than @len, the byte at that index is refused, @err says why, and @scan
 * is left as it was before that byte.
 */
size_t tm_json_scan_check(TmJsonScan *scan, const char *data, size_t len, GError **err);

/* Bytes that make up bare tokens (numbers and keywords). */
bool tm_json_scan_is_token_char(char c);

/* Check the bare token in progress, if any, as ended (end of a value). */
bool tm_json_scan_end_token(TmJsonScan *scan, GError **err);

/* True when the scanner is inside a container or a string. */
bool tm_json_scan_in_value(const TmJsonScan *scan);

/*
 * Follow structure only (strings, escapes, brackets) over @len bytes to
 * find where the value in progress ends.  Returns the number of bytes up
 * to and including the one that closes it, or @len when it does not end
 * within them.  *@ended tells which.
 */
size_t tm_json_scan_skip_value(TmJsonScan *scan, const char *data, size_t len, bool *ended);
