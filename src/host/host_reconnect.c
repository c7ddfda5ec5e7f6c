/*
 * Carrying on across a daemon restart (docs/host-protocol.md, "When the
 * daemon restarts").  A restarted tagmemd with --state-dir rebuilds the
 * host's extents, offers and event log, and with a descriptor store hands
 * out the same memory objects; the host's mappings hold their own
 * descriptors and never stopped working.  So a handle whose connection
 * broke connects again, checks that the device and the memory behind each
 * mapped block are still the same, takes the extent list, and answers the
 * event log, as at connect: the application sees nothing but events for
 * what really changed.
 */
#include "host/host_internal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/host_commands.h"
#include "host/host_error.h"

#define FIRST_RETRY_MS 10
#define LONGEST_RETRY_MS 1000

bool tm_host_may_reconnect(const TagmemHost *host, const GError *error)
{
    return host->reconnect_ms > 0 && error != NULL && error->domain == TM_HOST_ERROR &&
           error->code == ECONNRESET;
}

/* Connect again until the window closes, backing off; the old descriptor number is kept. */
static bool connect_again(TagmemHost *host, GError **err)
{
    int64_t deadline = g_get_monotonic_time() + (int64_t)host->reconnect_ms * 1000;
    int delay_ms = FIRST_RETRY_MS;
    TmHostConn fresh;

    for (;;) {
        g_autoptr(GError) local = NULL;
        if (tm_host_conn_open(&fresh, host->socket_path, host->opts.timeout_ms, &host->logger,
                              &local)) {
            break;
        }
        if (g_get_monotonic_time() + delay_ms * 1000 > deadline) {
            g_set_error(err, TM_HOST_ERROR, ECONNRESET,
                        "the daemon closed the CCI connection and did not come back within %d "
                        "ms (%s)", host->reconnect_ms, local->message);
            return false;
        }
        g_usleep((gulong)delay_ms * 1000);
        delay_ms = MIN(delay_ms * 2, LONGEST_RETRY_MS);
    }
    /* An application polling tagmem_host_fd() keeps polling the same number. */
    int fd = host->conn.fd;
    if (dup3(fresh.fd, fd, O_CLOEXEC) < 0) {
        int saved = errno;
        tm_host_conn_close(&fresh);
        g_set_error(err, TM_HOST_ERROR, saved, "dup3: %s", g_strerror(saved));
        return false;
    }
    close(fresh.fd);
    fresh.fd = fd;
    host->conn.fd = -1;
    tm_host_conn_close(&host->conn);
    host->conn = fresh;
    return true;
}

static bool same_regions(const GArray *a, const GArray *b)
{
    if (a->len != b->len) {
        return false;
    }
    for (guint i = 0; i < a->len; i++) {
        const TagmemRegion *x = &g_array_index(a, TagmemRegion, i);
        const TagmemRegion *y = &g_array_index(b, TagmemRegion, i);
        if (x->base != y->base || x->length != y->length || x->block_size != y->block_size) {
            return false;
        }
    }
    return true;
}

/* Identify, events and the DC configuration of the new connection, as at connect. */
static bool check_device(TagmemHost *host, GError **err)
{
    g_autoptr(GArray) regions = g_array_new(FALSE, FALSE, sizeof(TagmemRegion));

    if (!tm_host_identify(&host->conn, &host->max_payload, err) ||
        !tm_host_fit_max_payload(host, err) ||
        !tm_host_enable_events(&host->conn, host->max_payload, err) ||
        !tm_host_get_dc_config(&host->conn, regions, err)) {
        return false;
    }
    if (!same_regions(regions, host->regions)) {
        g_set_error(err, TM_HOST_ERROR, EPROTO,
                    "the device's DC regions changed across the daemon's restart");
        return false;
    }
    return true;
}

/* Every block of @held is behind the same memory object as when it was mapped. */
static bool same_memory(TagmemHost *host, const TagmemExtent *held, bool *same, GError **err)
{
    uint64_t done = 0;

    *same = true;
    while (done < held->length && *same) {
        TmHostExtentMemory memory;
        struct stat st;

        if (!tm_host_get_extent_memory(&host->conn, held->dpa + done, held->length - done,
                                       &memory, err)) {
            return false;
        }
        gpointer known = g_hash_table_lookup(host->mapped_inodes,
                                             GSIZE_TO_POINTER(held->dpa + done));
        *same = fstat(memory.fd, &st) == 0 && known == GSIZE_TO_POINTER(st.st_ino);
        close(memory.fd);
        done += memory.length;
    }
    return true;
}

/*
 * Memory the daemon no longer has (it was restarted without a descriptor
 * store) is not what this host maps: reported as a forced release, and
 * mapped afresh by the extent list that follows.
 */
static bool check_memory(TagmemHost *host, GError **err)
{
    g_autoptr(GArray) changed = g_array_new(FALSE, FALSE, sizeof(TagmemExtent));

    for (guint i = 0; i < host->committed->len; i++) {
        const TmCommittedExtent *held = &g_array_index(host->committed, TmCommittedExtent, i);
        bool same = true;
        if (held->mapped && !same_memory(host, &held->extent, &same, err)) {
            if (!tm_host_error_is_refusal(*err)) {
                return false;
            }
            g_clear_error(err);     /* not held any more: the extent list says so next */
        }
        if (!same) {
            g_array_append_val(changed, held->extent);
        }
    }
    for (guint i = 0; i < changed->len; i++) {
        const TagmemExtent *gone = &g_array_index(changed, TagmemExtent, i);
        tm_host_log(&host->logger, TAGMEM_LOG_WARNING,
                    "the memory behind DPA 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER
                    "x changed across the daemon's restart: what was written there is lost",
                    gone->dpa, gone->length);
        tm_host_forget_range(host, gone->dpa, gone->length);
        tm_host_emit(host, TAGMEM_EVENT_FORCED_RELEASE, gone, TAGMEM_VERDICT_ACCEPT, false);
    }
    return true;
}

bool tm_host_reconnect(TagmemHost *host, size_t *handled, GError **err)
{
    int64_t start = g_get_monotonic_time();

    *handled = 0;
    tm_host_log(&host->logger, TAGMEM_LOG_WARNING,
                "the daemon closed the CCI connection: reconnecting to %s", host->socket_path);
    g_array_set_size(host->pending_chain, 0);   /* the daemon dropped its parts too */
    if (!connect_again(host, err) || !check_device(host, err) || !check_memory(host, err) ||
        !tm_host_sync_committed(host, err)) {
        return false;
    }
    tm_host_log(&host->logger, TAGMEM_LOG_INFO,
                "reconnected to %s after %" G_GINT64_FORMAT " ms: %u extents held",
                host->socket_path, (g_get_monotonic_time() - start) / 1000,
                host->committed->len);
    tm_host_conn_take_notification(&host->conn);
    /* Logs 00h-03h too (records logged while the daemon was away); poison may have come or gone. */
    return tm_host_drain_events(host, handled, err) &&
           tm_host_drain_device_events(host, 0x0F, handled, err) &&
           tm_host_refresh_poison(host, true, err);
}
