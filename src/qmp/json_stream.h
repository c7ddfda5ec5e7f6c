/*
 * A streaming JSON message framer: feed it bytes in chunks of any size,
 * split anywhere, and it hands over each complete top-level JSON value in
 * order (several back to back, pretty-printed or not), or an error in its
 * place.  Values are built by json-c's tokener in strict mode; see
 * json_scan.h for what is refused beyond that.
 *
 * Bounds: a value may hold at most max_message bytes (counted from its
 * first byte).  The stream buffers nothing but the tokener's partial
 * value, so memory stays bounded whatever is fed.
 *
 * Resynchronisation after an error, so the connection is kept:
 *   - inside a value (within brackets or a string): the rest of that value
 *     is skipped, following strings, escapes and brackets, up to the byte
 *     that closes it.  This also applies to a value over max_message bytes.
 *   - outside any value (garbage where a value should start, or a broken
 *     bare number or keyword): bytes are skipped up to the next whitespace,
 *     '{' or '['; one error is reported per run of garbage.
 */
#pragma once

#include <stddef.h>
#include <glib.h>
#include <json-c/json.h>

#define TM_JSON_STREAM_DEFAULT_MAX (1024 * 1024)
/* json-c counts lengths in int; keep well below. */
#define TM_JSON_STREAM_LIMIT_MAX (1024 * 1024 * 1024)
/* QMP messages are shallow; the tokener's nesting limit. */
#define TM_JSON_STREAM_MAX_DEPTH 64

/*
 * Called once per top-level value, in stream order.  Exactly one of the
 * two applies: @error is NULL and @value is the value (NULL for JSON
 * null), or @error says why the value was refused.  The callback owns
 * both.  It must not feed, finish or free the stream.
 */
typedef void (*TmJsonStreamEmitFn)(void *opaque, json_object *value, GError *error);

typedef struct TmJsonStream TmJsonStream;

/* @max_message: 0 for TM_JSON_STREAM_DEFAULT_MAX; at most TM_JSON_STREAM_LIMIT_MAX. */
TmJsonStream *tm_json_stream_new(size_t max_message, TmJsonStreamEmitFn emit, void *opaque);
void tm_json_stream_free(TmJsonStream *stream);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmJsonStream, tm_json_stream_free)

void tm_json_stream_feed(TmJsonStream *stream, const void *data, size_t len);

/*
 * End of input: a bare value still open (a number) is completed; a value
 * cut short is reported as an error.  The stream may then be fed again.
 */
void tm_json_stream_finish(TmJsonStream *stream);
