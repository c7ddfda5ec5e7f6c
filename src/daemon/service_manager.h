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
 * Descriptors the daemon keeps in the service manager's descriptor store
 * (FDSTORE=1) are named with this prefix: at start they come back with
 * LISTEN_FDS beside the sockets.
 */
#define TM_SERVICE_STORED_PREFIX "obj."

/* A stored descriptor given back at start. */
typedef struct {
    char *name;
    int fd;
} TmStoredFd;

void tm_stored_fd_free(TmStoredFd *stored);

/*
 * The sockets passed with LISTEN_FDS (for this process: LISTEN_PID),
 * by the path they are bound to; empty without any.  Descriptors named
 * TM_SERVICE_STORED_PREFIX... go to @stored (TmStoredFd *) instead.  Fails
 * when another one is not a listening UNIX socket bound to a path.  The
 * environment variables are unset, so that processes the daemon starts do
 * not take them.
 */
TmInheritedSockets *tm_service_inherited_sockets(GPtrArray *stored, GError **err);

/* A service manager listens for notifications (NOTIFY_SOCKET): it may store descriptors. */
bool tm_service_can_store_fds(void);

/* FDSTORE=1 of @fd (a duplicate stays with the manager) named @name; FDSTOREREMOVE=1. */
void tm_service_store_fd(const char *name, int fd);
void tm_service_remove_fd(const char *name);

/* READY=1 with @status: every socket serves. */
void tm_service_notify_ready(const char *status);

/* STOPPING=1: the daemon is shutting down. */
void tm_service_notify_stopping(void);

/*
 * WATCHDOG=1 pings from the main loop at half the interval the manager
 * asked for (WATCHDOG_USEC); the source id, 0 when no watchdog is set.
 */
guint tm_service_watchdog_start(void);
