#include "daemon/service_manager.h"

#include <systemd/sd-daemon.h>

#include "core/error.h"

TmInheritedSockets *tm_service_inherited_sockets(GError **err)
{
    g_autoptr(TmInheritedSockets) sockets = tm_inherited_sockets_new();
    char **names = NULL;
    int n = sd_listen_fds_with_names(1, &names);

    if (n < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "LISTEN_FDS: %s", g_strerror(-n));
        return NULL;
    }
    g_auto(GStrv) owned_names = names;
    bool ok = true;
    for (int i = 0; i < n; i++) {
        /* Every descriptor is taken (and closed on failure), not just those before one failed. */
        GError **slot = ok ? err : NULL;
        ok = tm_inherited_sockets_add(sockets, SD_LISTEN_FDS_START + i,
                                      names ? names[i] : NULL, slot) && ok;
    }
    if (!ok) {
        return NULL;
    }
    if (n > 0) {
        g_info("%d listening socket(s) inherited from the service manager", n);
    }
    return g_steal_pointer(&sockets);
}

void tm_service_notify_ready(const char *status)
{
    sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void tm_service_notify_stopping(void)
{
    sd_notify(0, "STOPPING=1\nSTATUS=shutting down");
}

static gboolean ping_watchdog(gpointer unused)
{
    sd_notify(0, "WATCHDOG=1");
    return G_SOURCE_CONTINUE;
}

guint tm_service_watchdog_start(void)
{
    uint64_t usec = 0;

    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) {
        return 0;
    }
    /* Half the interval: a ping is never late because of one slow turn of the loop. */
    guint interval_ms = (guint)MAX(usec / 2000, 1);
    g_info("watchdog: pinging the service manager every %u ms", interval_ms);
    return g_timeout_add(interval_ms, ping_watchdog, NULL);
}
