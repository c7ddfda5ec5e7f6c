/*
 * The daemon's root object: the only mutable state of tagmemd.  It owns
 * the backend and device registries, the QMP server and its sockets, the main loop and
 * the pidfile, and tears them all down on quit, SIGINT or SIGTERM.
 */
#pragma once

#include <glib.h>

#include "daemon/options.h"

typedef struct TmDaemon TmDaemon;

/*
 * Create the backends, then the devices (the default one when @options
 * names none and does not say -nodefaults), listen on the QMP sockets (the default one when
 * @options names none) and write the pidfile.  On error nothing is left
 * behind: no socket file, no pidfile.
 */
TmDaemon *tm_daemon_new(const TmDaemonOptions *options, GError **err);

/* Serve until the QMP "quit" command, SIGINT or SIGTERM. */
void tm_daemon_run(TmDaemon *daemon);

/* Close every connection; remove the socket files and the pidfile. */
void tm_daemon_free(TmDaemon *daemon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmDaemon, tm_daemon_free)
