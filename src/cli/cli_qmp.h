/*
 * What the QMP subcommands share: one negotiated connection, a command's
 * reply, and JSON printed for people.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>

#include "cli/qmp_conn.h"

/* Connect to @socket_path and leave capabilities negotiation. */
TmQmpConn *tm_cli_qmp_open(const char *socket_path, GError **err);

/*
 * Connect, negotiate and execute @command with @arguments (may be NULL;
 * the call takes the reference).  Returns the whole reply ({"return": ...}
 * or {"error": ...}), or NULL on an I/O or protocol failure.
 */
json_object *tm_cli_qmp_execute(const char *socket_path, const char *command,
                                json_object *arguments, GError **err);

/* "CLASS: DESC" of an error reply; caller frees. */
char *tm_cli_qmp_error_message(json_object *reply);

/* Indented JSON text of @value ("{}" and "[]" on one line), owned by @value. */
const char *tm_cli_qmp_format(json_object *value);
