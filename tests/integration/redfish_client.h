/*
 * Test side of the Redfish service: a tagmemd with -redfish on a free
 * loopback port, plain HTTP requests over libsoup's client, and the
 * daemon's SSE stream read line by line.  Failures abort the test.
 */
#pragma once

#include <gio/gio.h>
#include <json-c/json.h>
#include <libsoup/soup.h>

#include "daemon_harness.h"

typedef struct {
    TmTestDaemon *daemon;
    guint16 port;
} TmRedfishTestDaemon;

/* A loopback port free now (whoever binds it next gets it). */
guint16 tm_redfish_test_free_port(void);

/* "tagmem passwd FILE USER --role ROLE" ($TAGMEM), @password on its standard input. */
void tm_redfish_test_set_password(const char *file, const char *user, const char *role,
                                  const char *password);

/* tagmemd with "-redfish addr=127.0.0.1:PORT" and @extra_args (NULL-terminated, may be NULL). */
void tm_redfish_test_start(TmRedfishTestDaemon *rd, const char *const *extra_args);
void tm_redfish_test_stop(TmRedfishTestDaemon *rd);

/* @method @path with @body (JSON text, or NULL); the status, and the body parsed (or NULL). */
guint tm_redfish_test_request(const TmRedfishTestDaemon *rd, const char *method,
                              const char *path, const char *body, json_object **reply);

/* GET @path, asserting 200; the body (a new reference). */
json_object *tm_redfish_test_get(const TmRedfishTestDaemon *rd, const char *path);

/*
 * "tagmem host-agent --host @host --once --policy @policy" on the daemon's
 * host socket: answer what is offered ("accept-all", "reject-all", ...).
 */
void tm_redfish_test_answer(const TmRedfishTestDaemon *rd, int host, const char *policy);

/* An open SSE stream. */
typedef struct {
    SoupSession *session;
    SoupMessage *msg;
    GDataInputStream *lines;
} TmRedfishTestStream;

void tm_redfish_test_stream_open(TmRedfishTestStream *stream, const TmRedfishTestDaemon *rd);
/* The next event's data (an Event resource) and its id; fails the test after 10 s. */
json_object *tm_redfish_test_stream_next(TmRedfishTestStream *stream, char **event_id);
void tm_redfish_test_stream_close(TmRedfishTestStream *stream);

/* The string at JSON pointer @pointer in @obj (asserted to exist). */
const char *tm_redfish_test_str_at(json_object *obj, const char *pointer);
