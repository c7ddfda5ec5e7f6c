/*
 * One QMP request in, one response out, in-process: what the server runs
 * for every JSON object a client sends, and what tests and the fuzzer
 * call directly.  Wire rules follow QEMU's docs/interop/qmp-spec and
 * qapi/qmp-dispatch.c, messages included.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>
#include <json-c/json.h>

#include "qmp/qmp_env.h"

/* The per-connection state commands may change. */
typedef struct {
    bool negotiated;     /* qmp_capabilities accepted: all commands allowed */
    /*
     * Set by "quit".  The caller queues the response first, then clears
     * this and calls env->request_quit.
     */
    bool quit_requested;
} TmQmpSession;

/*
 * Answer @request (any JSON value; NULL is JSON null): {"return": ...} or
 * {"error": {"class": ..., "desc": ...}}, with the request's "id" echoed
 * verbatim when it has one.  Never NULL; the caller owns the response.
 */
json_object *tm_qmp_dispatch(TmQmpEnv *env, TmQmpSession *session, json_object *request);

/* {"error": {"class": ..., "desc": ...}} for @error, without an id. */
json_object *tm_qmp_error_response(const GError *error);
