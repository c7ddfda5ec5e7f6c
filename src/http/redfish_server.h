/*
 * The Redfish service (docs/redfish.md): libsoup 3's HTTP server on the
 * GLib main loop, read-only for now.  Each -redfish option is one
 * listening address; with a users file every request needs HTTP Basic
 * credentials of a user in it, without one only loopback clients are
 * served and need none.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

#include "device/device_registry.h"

typedef struct TmRedfishServer TmRedfishServer;

/* Serve @devices (borrowed) on @host:@port; @users_file may be NULL. */
TmRedfishServer *tm_redfish_server_new(TmDeviceRegistry *devices, const char *host,
                                       guint16 port, const char *users_file, GError **err);
void tm_redfish_server_free(TmRedfishServer *server);
/* The port it listens on (the chosen one when asked for port 0). */
guint16 tm_redfish_server_port(const TmRedfishServer *server);
