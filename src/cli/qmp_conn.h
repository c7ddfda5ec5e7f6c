/*
 * A small blocking QMP conn over a UNIX socket, for the tagmem CLI, the
 * integration tests and the benchmarks.  Replies are read with a streaming
 * JSON parser, so it does not depend on how the server splits lines.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>
#include <json-c/json.h>

typedef struct TmQmpConn TmQmpConn;

/* Connect to @path; the greeting is left unread. */
TmQmpConn *tm_qmp_conn_connect(const char *path, GError **err);
void tm_qmp_conn_free(TmQmpConn *conn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmQmpConn, tm_qmp_conn_free)

/* Read the greeting and leave capabilities negotiation. */
bool tm_qmp_conn_negotiate(TmQmpConn *conn, GError **err);

/* Send bytes as they are (tests use this for malformed input). */
bool tm_qmp_conn_send_raw(TmQmpConn *conn, const void *data, size_t length,
                          GError **err);

/* Send @message as one line of JSON. */
bool tm_qmp_conn_send(TmQmpConn *conn, json_object *message, GError **err);

/*
 * The next JSON value from the server (reply, event or greeting), waiting
 * at most @timeout_ms (-1: forever).  Caller puts the reference.
 */
json_object *tm_qmp_conn_receive(TmQmpConn *conn, int timeout_ms, GError **err);

/*
 * Send {"execute": @command, "arguments": @arguments} (arguments may be
 * NULL; the call takes the reference) and return the server's reply, the
 * whole {"return": ...} or {"error": ...} object.  Events that arrive
 * first are skipped.  NULL only on an I/O or protocol failure.
 */
json_object *tm_qmp_conn_execute(TmQmpConn *conn, const char *command,
                                 json_object *arguments, GError **err);

/* The socket's file descriptor (tests check that it is still open). */
int tm_qmp_conn_fd(const TmQmpConn *conn);
