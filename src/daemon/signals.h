/*
 * What tagmemd does on each signal (docs/configuration.md, "Stopping"):
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT shut it down cleanly -- sockets and
 * pidfile removed, hosts see their connections end -- as QEMU does for
 * the first three (tagmemd logs to stderr only, so SIGHUP has no log file
 * to reopen); SIGUSR1 and SIGUSR2 are logged and ignored; SIGPIPE is
 * ignored (a client that hangs up mid-reply is an error on that client).
 */
#pragma once

#include <glib.h>

typedef struct TmSignals TmSignals;

typedef void (*TmShutdownFn)(void *opaque, const char *signal_name);

/* Watch the signals from the calling (main) thread's default main context. */
TmSignals *tm_signals_watch(TmShutdownFn shut_down, void *opaque, GError **err);
void tm_signals_free(TmSignals *signals);
