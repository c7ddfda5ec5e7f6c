/*
 * tagmemd under a service manager (systemd, through libsystemd): the
 * listening sockets it was started with (socket activation, so clients
 * connect while the daemon restarts and are served once it is back) and
 * the readiness protocol (READY=1, STATUS=, STOPPING=1, watchdog pings).
 * Without a service manager every call does nothing (docs/configuration.md).
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

#include "core/inherited_sockets.h"

/*
 * The sockets passed with LISTEN_FDS (for this process: LISTEN_PID),
 * by the path they are bound to; empty without any.  Fails when one is
 * not a listening UNIX socket bound to a path.  The environment variables
 * are unset, so that processes the daemon starts do not take them.
 */
TmInheritedSockets *tm_service_inherited_sockets(GError **err);

/* READY=1 with @status: every socket serves. */
void tm_service_notify_ready(const char *status);

/* STOPPING=1: the daemon is shutting down. */
void tm_service_notify_stopping(void);

/*
 * WATCHDOG=1 pings from the main loop at half the interval the manager
 * asked for (WATCHDOG_USEC); the source id, 0 when no watchdog is set.
 */
guint tm_service_watchdog_start(void);
