/*
 * One QMP connection: non-blocking reads through the JSON stream, requests
 * answered strictly in order, a bounded output queue, events.
 *
 * Flow control: while more than TM_QMP_CLIENT_OUTPUT_HIGH bytes wait to be
 * sent, the client's requests wait and its socket is not read, so a client
 * that does not read its answers holds only one read's worth of requests.
 * Events are not held back; a client whose queue passes
 * TM_QMP_CLIENT_OUTPUT_MAX is disconnected rather than let it grow.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>
#include <json-c/json.h>

#include "qmp/qmp_env.h"

#define TM_QMP_CLIENT_OUTPUT_HIGH (1024 * 1024)
#define TM_QMP_CLIENT_OUTPUT_MAX (64 * 1024 * 1024)
#define TM_QMP_CLIENT_READ_SIZE (64 * 1024)

typedef struct TmQmpClient TmQmpClient;

/*
 * Called once when the connection is over (end of input answered, I/O
 * error, output overflow).  The client has stopped watching its socket;
 * the owner frees it later, outside any of the client's own calls.
 */
typedef void (*TmQmpClientClosedFn)(TmQmpClient *client, void *opaque);

/* Takes ownership of @fd (a connected stream socket); queues the greeting. */
TmQmpClient *tm_qmp_client_new(int fd, TmQmpEnv *env, TmQmpClientClosedFn closed,
                               void *opaque);
void tm_qmp_client_free(TmQmpClient *client);

/* Queue @message (borrowed) for sending, if the client is still open. */
void tm_qmp_client_send(TmQmpClient *client, json_object *message);

/* Events go only to clients that have completed capabilities negotiation. */
bool tm_qmp_client_wants_events(const TmQmpClient *client);
