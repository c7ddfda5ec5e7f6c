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

/* A response promised for later (tm_qmp_session_defer). */
typedef struct TmQmpLater TmQmpLater;

/* A response sent piece by piece (qmp_reply_stream.h). */
typedef struct TmQmpReplyStream TmQmpReplyStream;

/* Takes ownership of @response, the deferred answer of the connection's command. */
typedef void (*TmQmpDeliverFn)(void *opaque, json_object *response);

/* The per-connection state commands may change. */
typedef struct {
    bool negotiated;     /* qmp_capabilities accepted: all commands allowed */
    /*
     * Set by "quit".  The caller queues the response first, then clears
     * this and calls env->request_quit.
     */
    bool quit_requested;
    /*
     * Set by a connection that can wait for a command to finish later (the
     * server's clients); NULL: every command answers at once.
     */
    TmQmpDeliverFn deliver;
    void *deliver_opaque;
    /* Set by tm_qmp_session_defer during a command; the dispatcher then
     * returns NULL and the caller takes it (to orphan it if it goes away). */
    TmQmpLater *later;
    /* Set by a connection that can send a response piece by piece. */
    bool can_stream;
    /* Set by tm_qmp_session_return_stream during a command; the dispatcher
     * then returns NULL and the caller takes it and sends it. */
    TmQmpReplyStream *stream;
} TmQmpSession;

/*
 * Called by a handler that will answer later (work in other threads):
 * the handler returns true, the dispatcher returns no response, and
 * tm_qmp_later_finish sends it, with the request's id.  NULL when
 * @session cannot wait; the handler must then answer at once.
 */
TmQmpLater *tm_qmp_session_defer(TmQmpSession *session);

/* Answer the deferred command: @ret (owned; NULL means {}) when @error is NULL. */
void tm_qmp_later_finish(TmQmpLater *later, json_object *ret, const GError *error);

/* The connection is gone: the answer, when it comes, is dropped. */
void tm_qmp_later_orphan(TmQmpLater *later);

/*
 * Answer @request (any JSON value; NULL is JSON null): {"return": ...} or
 * {"error": {"class": ..., "desc": ...}}, with the request's "id" echoed
 * verbatim when it has one.  The caller owns the response.  NULL only
 * when the command deferred its answer (session->later is then set) or
 * streams it (session->stream is then set).
 */
json_object *tm_qmp_dispatch(TmQmpEnv *env, TmQmpSession *session, json_object *request);

/* Record a change of state that succeeded (see TmQmpEnv.record). */
void tm_qmp_record(TmQmpEnv *env, const char *command, json_object *args);

/* {"error": {"class": ..., "desc": ...}} for @error, without an id. */
json_object *tm_qmp_error_response(const GError *error);
