/*
 * Which CCI sockets tagmemd serves (docs/host-protocol.md, Sockets): the
 * -host and -fm options, and for every port of every device that none
 * names, the default path in the runtime directory:
 *
 *   <runtime dir>/fm.sock, <runtime dir>/host<N>.sock   the first device
 *   <runtime dir>/<ID>-fm.sock, <ID>-host<N>.sock       any other device ID
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "cci/cci_server.h"
#include "device/device_registry.h"

/*
 * Listen on every CCI socket of every device in @devices, as @options (an
 * array of TmCciSocketOption) and the defaults say.  Errors: a device=
 * that names no device, a host the device does not have, two sockets for
 * one port, one path for two ports, or a socket that cannot be served.
 * Sockets already made on failure stay with @server (freeing it removes
 * them).  The paths served are appended to @paths (char *).
 */
bool tm_cci_sockets_listen(TmCciServer *server, TmDeviceRegistry *devices,
                           const GPtrArray *options, GPtrArray *paths, GError **err);
