/*
 * One QMP connection: non-blocking reads through the JSON stream, requests
 * answered strictly in order, a bounded output queue, events.
 *
 * Flow control: while more than TM_QMP_CLIENT_OUTPUT_HIGH bytes wait to be
 * sent, the client's requests wait and its socket is not read, so a client
 * that does not read its answers holds only one read's worth of requests
 * and one reply.  Events are not held back, so they have budgets: a client
 * is disconnected (with a log line naming it and the budget) when events
 * queued since its output last drained pass TM_QMP_CLIENT_EVENT_BUDGET,
 * when all clients' queued output passes TM_QMP_OUTPUT_BUDGET as an event
 * is queued for it, or when its own queue passes TM_QMP_CLIENT_OUTPUT_MAX.
 * A daemon with a thousand clients that never read thus stays below
 * TM_QMP_OUTPUT_BUDGET plus one reply each.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>
#include <json-c/json.h>

#include "core/fd_dispatcher.h"
#include "qmp/qmp_env.h"

#define TM_QMP_CLIENT_OUTPUT_HIGH (1024 * 1024)
#define TM_QMP_CLIENT_OUTPUT_MAX (64 * 1024 * 1024)
#define TM_QMP_CLIENT_EVENT_BUDGET (1024 * 1024)
#define TM_QMP_OUTPUT_BUDGET (64 * 1024 * 1024)
#define TM_QMP_CLIENT_READ_SIZE (64 * 1024)
/*
 * Fairness: requests answered per turn of a client (docs/event-loop.md);
 * one read can hold hundreds of pipelined requests.
 */
#define TM_QMP_CLIENT_REQUESTS_PER_TURN 16
/*
 * A streamed response (qmp_reply_stream.h) is written this much at a time:
 * one piece (~30 extents) delays another client's request by ~10-20 us.
 * bench-query measured (100k extents, 2 cores): 4 KiB keeps the others'
 * median latency at 1.6x idle and a whole answer at ~90 ms; 16 KiB gives
 * 3.3x and ~60 ms.
 */
#define TM_QMP_CLIENT_STREAM_PIECE (4 * 1024)

typedef struct TmQmpClient TmQmpClient;

/*
 * Called once when the connection is over (end of input answered, I/O
 * error, output overflow).  The client has stopped watching its socket;
 * the owner frees it later, outside any of the client's own calls.
 */
typedef void (*TmQmpClientClosedFn)(TmQmpClient *client, void *opaque);

/*
 * Takes ownership of @fd (a connected stream socket), watched by
 * @dispatcher; queues the greeting.  NULL when the socket cannot be
 * watched: @fd is then still the caller's.
 */
TmQmpClient *tm_qmp_client_new(TmFdDispatcher *dispatcher, int fd, TmQmpEnv *env, guint id,
                               TmQmpClientClosedFn closed, void *opaque, GError **err);
void tm_qmp_client_free(TmQmpClient *client);

/* Queue @message (borrowed) for sending, if the client is still open. */
void tm_qmp_client_send(TmQmpClient *client, json_object *message);

/* Events go only to clients that have completed capabilities negotiation. */
bool tm_qmp_client_wants_events(const TmQmpClient *client);
