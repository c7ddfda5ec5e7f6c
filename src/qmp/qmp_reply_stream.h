/*
 * Answers too large to build at once (query-cxl-dynamic-capacity with 100k
 * extents is ~14 MB of JSON): the command hands its session a producer
 * that writes the return value's text piece by piece.  The server sends
 * each piece before asking for the next, and serves other clients in
 * between, so one large query neither stalls the daemon nor holds the
 * whole text in memory.  In-process callers (tests, the fuzzer) get the
 * same value parsed into one json_object, so both paths answer alike.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>
#include <json-c/json.h>

#include "qmp/qmp_dispatch.h"

typedef struct {
    /*
     * Append the next piece of the value's JSON text (plain, no newlines)
     * to @out, roughly @budget bytes; true once the value is complete.
     */
    bool (*produce)(void *state, GString *out, size_t budget);
    void (*free)(void *state);
} TmQmpProducerOps;

/* A whole response in the making: {"return": VALUE, "id": ...} CR LF. */
typedef struct TmQmpReplyStream TmQmpReplyStream;

/*
 * Answer the running command with the value @ops produces from @state
 * (owned from here on).  A session that streams takes it as
 * session->stream and *@ret stays NULL; any other gets the parsed value.
 */
void tm_qmp_session_return_stream(TmQmpSession *session, const TmQmpProducerOps *ops,
                                  void *state, json_object **ret);

/* The dispatcher: the request had id @id (NULL is JSON null) when @has_id. */
void tm_qmp_reply_stream_set_id(TmQmpReplyStream *stream, bool has_id, json_object *id);

/*
 * Append the next piece of the response text, about @budget bytes; true
 * when the response, its CR LF included, is complete.
 */
bool tm_qmp_reply_stream_next(TmQmpReplyStream *stream, GString *out, size_t budget);

void tm_qmp_reply_stream_free(TmQmpReplyStream *stream);
