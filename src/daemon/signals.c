#include "daemon/signals.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <glib-unix.h>

#include "core/error.h"

/* GLib's own signal sources cover these; SIGQUIT it does not, so it comes by signalfd. */
static const struct {
    int number;
    const char *name;
    bool shuts_down;
} glib_signals[] = {
    { SIGINT, "SIGINT", true },
    { SIGTERM, "SIGTERM", true },
    { SIGHUP, "SIGHUP", true },
    { SIGUSR1, "SIGUSR1", false },
    { SIGUSR2, "SIGUSR2", false },
};

typedef struct {
    TmSignals *owner;
    guint index;
} SignalSlot;

struct TmSignals {
    TmShutdownFn shut_down;
    void *opaque;
    guint sources[G_N_ELEMENTS(glib_signals)];
    SignalSlot slots[G_N_ELEMENTS(glib_signals)];
    int quit_fd;           /* signalfd for SIGQUIT */
    guint quit_source;
};

static gboolean on_signal(gpointer data)
{
    const SignalSlot *slot = data;

    if (glib_signals[slot->index].shuts_down) {
        slot->owner->shut_down(slot->owner->opaque, glib_signals[slot->index].name);
    } else {
        g_message("%s received; ignored", glib_signals[slot->index].name);
    }
    return G_SOURCE_CONTINUE;
}

static gboolean on_sigquit(gint fd, GIOCondition condition, gpointer data)
{
    TmSignals *signals = data;
    struct signalfd_siginfo info;

    (void)condition;
    while (read(fd, &info, sizeof(info)) == (ssize_t)sizeof(info)) {
        signals->shut_down(signals->opaque, "SIGQUIT");
    }
    return G_SOURCE_CONTINUE;
}

/* SIGQUIT is blocked, so its default action (a core dump) never runs, and read from an fd. */
static bool watch_sigquit(TmSignals *signals, GError **err)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGQUIT);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0 ||
        (signals->quit_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "cannot watch SIGQUIT: %s",
                    g_strerror(errno));
        return false;
    }
    signals->quit_source = g_unix_fd_add(signals->quit_fd, G_IO_IN, on_sigquit, signals);
    return true;
}

TmSignals *tm_signals_watch(TmShutdownFn shut_down, void *opaque, GError **err)
{
    TmSignals *signals = g_new0(TmSignals, 1);

    signals->shut_down = shut_down;
    signals->opaque = opaque;
    signals->quit_fd = -1;
    signal(SIGPIPE, SIG_IGN);
    for (guint i = 0; i < G_N_ELEMENTS(glib_signals); i++) {
        signals->slots[i] = (SignalSlot){ .owner = signals, .index = i };
        signals->sources[i] = g_unix_signal_add(glib_signals[i].number, on_signal,
                                                &signals->slots[i]);
    }
    if (!watch_sigquit(signals, err)) {
        tm_signals_free(signals);
        return NULL;
    }
    return signals;
}

void tm_signals_free(TmSignals *signals)
{
    if (signals == NULL) {
        return;
    }
    for (guint i = 0; i < G_N_ELEMENTS(glib_signals); i++) {
        if (signals->sources[i]) {
            g_source_remove(signals->sources[i]);
        }
    }
    if (signals->quit_source) {
        g_source_remove(signals->quit_source);
    }
    if (signals->quit_fd >= 0) {
        close(signals->quit_fd);
    }
    g_free(signals);
}
