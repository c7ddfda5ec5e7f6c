#include "daemon/service_manager.h"

#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "core/error.h"

void tm_stored_fd_free(TmStoredFd *stored)
{
    if (stored->fd >= 0) {
        close(stored->fd);
    }
    g_free(stored->name);
    g_free(stored);
}

TmInheritedSockets *tm_service_inherited_sockets(GPtrArray *stored, GError **err)
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
    int n_stored = 0;
    for (int i = 0; i < n; i++) {
        const char *name = names ? names[i] : NULL;
        if (name != NULL && g_str_has_prefix(name, TM_SERVICE_STORED_PREFIX)) {
            TmStoredFd *kept = g_new0(TmStoredFd, 1);
            kept->name = g_strdup(name);
            kept->fd = SD_LISTEN_FDS_START + i;
            g_ptr_array_add(stored, kept);
            n_stored++;
            continue;
        }
        /* Every descriptor is taken (and closed on failure), not just those before one failed. */
        GError **slot = ok ? err : NULL;
        ok = tm_inherited_sockets_add(sockets, SD_LISTEN_FDS_START + i, name, slot) && ok;
    }
    if (!ok) {
        return NULL;
    }
    if (n > n_stored) {
        g_info("%d listening socket(s) inherited from the service manager", n - n_stored);
    }
    return g_steal_pointer(&sockets);
}

bool tm_service_can_store_fds(void)
{
    const char *socket = g_getenv("NOTIFY_SOCKET");

    return socket != NULL && *socket != '\0';
}

void tm_service_store_fd(const char *name, int fd)
{
    g_autofree char *message = g_strdup_printf("FDSTORE=1\nFDNAME=%s", name);
    int rc = sd_pid_notify_with_fds(0, 0, message, &fd, 1);

    if (rc <= 0) {
        g_warning("cannot keep %s in the service manager's descriptor store: %s", name,
                  rc < 0 ? g_strerror(-rc) : "no service manager");
    }
}

void tm_service_remove_fd(const char *name)
{
    sd_notifyf(0, "FDSTOREREMOVE=1\nFDNAME=%s", name);
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
