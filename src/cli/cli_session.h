/*
 * What the operator verbs (create-backend, add-capacity, status, monitor,
 * ...) share: one QMP connection, the verb's name for messages, --verbose
 * (each QMP request is shown on stderr before it is sent, so a person
 * learns the QMP a verb stands for), and the device a verb works on.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>
#include <json-c/json.h>

#include "cli/cli.h"
#include "cli/qmp_conn.h"

typedef struct {
    const char *verb;
    bool verbose;
    TmQmpConn *conn;
} TmCliSession;

/* Connect and negotiate; false after printing why (which socket, how to start tagmemd). */
bool tm_cli_session_open(TmCliSession *session, const TmCliGlobal *global, const char *verb,
                         bool verbose);
void tm_cli_session_close(TmCliSession *session);

/* "-> {QMP request}" on stderr: what --verbose shows. */
void tm_cli_show_request(const char *command, json_object *arguments);

/*
 * Execute @command with @arguments (taken; may be NULL).  On success
 * *@ret (may be NULL) is the "return" value, a new reference.  An error
 * reply prints "tagmem: VERB: DESC" -- the daemon's own message -- and
 * returns false.
 */
bool tm_cli_call(TmCliSession *session, const char *command, json_object *arguments,
                 json_object **ret);

/* Called with each QMP event (a borrowed reference) that arrives before a reply. */
typedef void (*TmCliEventFn)(void *data, json_object *event);

/*
 * tm_cli_call() for a command that takes long: the events the daemon
 * sends meanwhile (progress) go to @on_event until the reply comes.
 */
bool tm_cli_call_with_events(TmCliSession *session, const char *command,
                             json_object *arguments, json_object **ret, TmCliEventFn on_event,
                             void *data);

/*
 * The device of @devices (a query-cxl-dynamic-capacity reply) named
 * @wanted, else the only one; otherwise NULL after printing the choices.
 * Borrowed from @devices.
 */
json_object *tm_cli_choose_device(TmCliSession *session, json_object *devices,
                                  const char *wanted);

/*
 * The device id a verb works on: @wanted (checked to exist), else the
 * only device; otherwise false after printing the choices.
 */
bool tm_cli_pick_device(TmCliSession *session, const char *wanted, char **device_id);
