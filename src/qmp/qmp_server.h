/*
 * The QMP server: UNIX stream sockets on the daemon's descriptor
 * dispatcher (core/fd_dispatcher.h), greeting, capabilities negotiation,
 * command dispatch, events.
 * Wire behaviour follows QEMU's docs/interop/qmp-spec.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>
#include <json-c/json.h>

#include "core/fd_dispatcher.h"
#include "core/inherited_sockets.h"
#include "qmp/qmp_env.h"

typedef struct TmQmpServer TmQmpServer;

/*
 * A server for @env whose sockets @dispatcher (borrowed; it outlives the
 * server) watches, taking at most @max_connections QMP clients at once (all
 * its sockets together); more are closed at once, with a log line.
 */
TmQmpServer *tm_qmp_server_new(TmQmpEnv *env, TmFdDispatcher *dispatcher,
                               guint max_connections);

/*
 * Listening sockets the daemon inherited (borrowed; NULL: none): a later
 * listen on one of their paths uses it instead of binding.
 */
void tm_qmp_server_use_inherited(TmQmpServer *server, TmInheritedSockets *inherited);

/*
 * Listen on the UNIX stream socket @path, mode 0600 whatever the umask
 * (a QMP connection controls the whole daemon), or on the inherited
 * socket bound to it.  A stale socket file at @path is replaced; a socket
 * on which a process still accepts connections, or any other file, is
 * not.  May be called more than once for several sockets.
 */
bool tm_qmp_server_listen_unix(TmQmpServer *server, const char *path, GError **err);

/*
 * Send {"event": @name, "data": @data, "timestamp": {...}} to every client
 * that has left capabilities negotiation.  Takes ownership of @data (may
 * be NULL for an event without data).
 */
void tm_qmp_server_emit_event(TmQmpServer *server, const char *name, json_object *data);

/* Some client has left capabilities negotiation: an event now would reach it. */
bool tm_qmp_server_wants_events(const TmQmpServer *server);

/* Number of connected clients (for tests and the daemon's status). */
guint tm_qmp_server_client_count(const TmQmpServer *server);

/* Closes every connection and listening socket, removes socket files. */
void tm_qmp_server_free(TmQmpServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmQmpServer, tm_qmp_server_free)
