/*
 * The Redfish service (docs/redfish.md): libsoup 3's HTTP(S) server on
 * the GLib main loop.  Each -redfish option is one listening address;
 * with a users file every request needs credentials of a user in it
 * (HTTP Basic or a session's X-Auth-Token), without one only loopback
 * clients are served and need none.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

#include "device/device_registry.h"
#include "http/redfish_engine.h"

typedef struct TmRedfishServer TmRedfishServer;

typedef struct {
    const char *host;
    guint16 port;
    const char *users_file;       /* NULL: no credentials */
    const char *tls_cert;         /* NULL: plain HTTP */
    const char *tls_key;          /* with tls_cert */
    guint idle_timeout_s;         /* close a connection silent this long */
    const TmRedfishEngine *engine; /* how writes run (borrowed) */
} TmRedfishServerConfig;

/* Serve @devices (borrowed) as @config says. */
TmRedfishServer *tm_redfish_server_new(TmDeviceRegistry *devices,
                                       const TmRedfishServerConfig *config, GError **err);
void tm_redfish_server_free(TmRedfishServer *server);
/* The port it listens on (the chosen one when asked for port 0). */
guint16 tm_redfish_server_port(const TmRedfishServer *server);
