/*
 * The capacity a host holds, kept in step with the device: committed
 * extents mapped into the direct-alias window (or on the slow path),
 * forgotten ranges made PROT_NONE, and releases answered with 4803h.
 */
#include "host/host_internal.h"

#include <string.h>
#include <unistd.h>

#include "host/host_commands.h"
#include "host/host_error.h"
#include "host/host_extent.h"
#include "host/memory_map.h"

/*
 * Map @held at window + DPA from the memory objects C001h hands over.  When
 * the daemon does not hand out the memory (Unsupported) or the range cannot
 * be mapped, the extent stays on the slow path (C002h/C003h).
 */
static bool map_into_window(TagmemHost *host, TmCommittedExtent *held, GError **err)
{
    const TagmemExtent *extent = &held->extent;
    g_autoptr(GError) local = NULL;
    uint32_t flags = 0;

    if (extent->dpa + extent->length > host->window_size) {
        tm_host_log(&host->logger, TAGMEM_LOG_WARNING,
                    "extent at DPA 0x%" G_GINT64_MODIFIER "x lies beyond the DC regions: "
                    "slow path", extent->dpa);
        return true;
    }
    switch (tm_host_map_range(host, host->window + extent->dpa, extent->dpa, extent->length,
                              &flags, &local)) {
    case TM_HOST_MAP_OK:
        held->writable = (flags & TM_VENDOR_EXTENT_MEMORY_WRITABLE) != 0;
        held->shared = (flags & TM_VENDOR_EXTENT_MEMORY_SHARED) != 0;
        held->mapped = true;
        return true;
    case TM_HOST_MAP_SLOW_PATH:
        tm_host_log(&host->logger, host->conn.last_return_code == TM_CXL_RC_UNSUPPORTED
                    ? TAGMEM_LOG_INFO : TAGMEM_LOG_WARNING,
                    "extent at DPA 0x%" G_GINT64_MODIFIER "x: slow path (%s)", extent->dpa,
                    local->message);
        return true;
    case TM_HOST_MAP_BROKEN:
        break;
    }
    g_propagate_error(err, g_steal_pointer(&local));
    return false;
}

bool tm_host_commit_extent(TagmemHost *host, const TagmemExtent *extent, bool *mapped,
                           GError **err)
{
    TmCommittedExtent held = { .extent = *extent };
    bool ok = map_into_window(host, &held, err);

    /* Held by the device either way: record it even if the connection broke. */
    tm_committed_insert(host->committed, &held);
    *mapped = held.mapped;
    return ok;
}

void tm_host_forget_range(TagmemHost *host, uint64_t dpa, uint64_t length)
{
    g_autoptr(GArray) pieces = tm_committed_pieces(host->committed, dpa, length);

    for (guint i = 0; i < pieces->len; i++) {
        const TmCommittedExtent *piece = &g_array_index(pieces, TmCommittedExtent, i);

        if (piece->mapped) {
            tm_host_make_inaccessible(host->window + piece->extent.dpa, piece->extent.length,
                                      NULL);
        }
    }
    tm_committed_remove(host->committed, dpa, length);
    for (guint i = 0; i < pieces->len; i++) {
        const TmCommittedExtent *piece = &g_array_index(pieces, TmCommittedExtent, i);

        if (!tm_host_tag_is_null(piece->extent.tag)) {
            tm_tag_view_forget(host, piece->extent.tag, piece->extent.dpa,
                               piece->extent.length);
        }
    }
}

static bool device_lists(const GArray *device, const TagmemExtent *extent)
{
    for (guint i = 0; i < device->len; i++) {
        const TagmemExtent *listed = &g_array_index(device, TagmemExtent, i);

        if (listed->dpa == extent->dpa && listed->length == extent->length) {
            return true;
        }
    }
    return false;
}

bool tm_host_sync_committed(TagmemHost *host, GError **err)
{
    g_autoptr(GArray) device = g_array_new(FALSE, FALSE, sizeof(TagmemExtent));
    g_autoptr(GArray) stale = g_array_new(FALSE, FALSE, sizeof(TagmemExtent));
    g_autoptr(GHashTable) tags = g_hash_table_new(tm_host_tag_hash, tm_host_tag_equal);

    if (!tm_host_get_extent_list(&host->conn, host->max_payload, device, err)) {
        return false;
    }
    for (guint i = 0; i < host->committed->len; i++) {
        const TagmemExtent *held = &g_array_index(host->committed, TmCommittedExtent, i).extent;

        if (!device_lists(device, held)) {
            g_array_append_val(stale, *held);
        }
    }
    for (guint i = 0; i < stale->len; i++) {
        const TagmemExtent *gone = &g_array_index(stale, TagmemExtent, i);

        tm_host_log(&host->logger, TAGMEM_LOG_WARNING,
                    "the device no longer lists DPA 0x%" G_GINT64_MODIFIER "x+0x%"
                    G_GINT64_MODIFIER "x: forgotten", gone->dpa, gone->length);
        tm_host_forget_range(host, gone->dpa, gone->length);
        tm_host_emit(host, TAGMEM_EVENT_FORCED_RELEASE, gone, TAGMEM_VERDICT_ACCEPT, false);
    }
    for (guint i = 0; i < device->len; i++) {
        TagmemExtent *listed = &g_array_index(device, TagmemExtent, i);

        if (tm_committed_holds_exactly(host->committed, listed)) {
            continue;
        }
        /* A range held under other bounds (a split the host missed): map it afresh. */
        tm_host_forget_range(host, listed->dpa, listed->length);
        bool mapped = false;
        if (!tm_host_commit_extent(host, listed, &mapped, err)) {
            return false;
        }
        tm_host_emit(host, TAGMEM_EVENT_ACCEPTED, listed, TAGMEM_VERDICT_ACCEPT, !mapped);
        if (!tm_host_tag_is_null(listed->tag)) {
            g_hash_table_add(tags, listed->tag);
        }
    }
    GHashTableIter iter;
    gpointer tag;
    g_hash_table_iter_init(&iter, tags);
    while (g_hash_table_iter_next(&iter, &tag, NULL)) {
        tm_tag_view_rebuild(host, tag);
    }
    return true;
}

/* After the device refused a release, hold again what it still lists. */
static void resync_after_refusal(TagmemHost *host)
{
    g_autoptr(GError) local = NULL;

    if (!tm_host_sync_committed(host, &local)) {
        tm_host_log(&host->logger, TAGMEM_LOG_ERROR, "re-reading the extent list: %s",
                    local->message);
    }
}

static bool release_pieces(TagmemHost *host, const GArray *pieces, GError **err)
{
    for (guint i = 0; i < pieces->len; i++) {
        const TagmemExtent *piece = &g_array_index(pieces, TmCommittedExtent, i).extent;
        g_autoptr(GError) local = NULL;

        if (!tm_host_release_dc(&host->conn, piece, &local)) {
            if (tm_host_error_is_refusal(local)) {
                resync_after_refusal(host);
            }
            g_propagate_error(err, g_steal_pointer(&local));
            return false;
        }
        tm_host_emit(host, TAGMEM_EVENT_RELEASED, piece, TAGMEM_VERDICT_ACCEPT, false);
    }
    return true;
}

bool tm_host_release_held_range(TagmemHost *host, uint64_t dpa, uint64_t length,
                                GError **err)
{
    g_autoptr(GArray) pieces = NULL;

    if (!tm_committed_covers(host->committed, dpa, length)) {
        g_set_error(err, TM_HOST_ERROR, EINVAL,
                    "DPA 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER "x is not all held "
                    "by this host", dpa, length);
        return false;
    }
    pieces = tm_committed_pieces(host->committed, dpa, length);
    tm_host_forget_range(host, dpa, length);
    return release_pieces(host, pieces, err);
}

bool tm_host_release_held_tag(TagmemHost *host, const uint8_t tag[16], bool *found,
                              GError **err)
{
    g_autoptr(GArray) extents = tm_committed_with_tag(host->committed, tag);

    *found = extents->len > 0;
    /* The whole allocation becomes inaccessible before the device hears of it. */
    for (guint i = 0; i < extents->len; i++) {
        const TagmemExtent *extent = &g_array_index(extents, TmCommittedExtent, i).extent;

        tm_host_forget_range(host, extent->dpa, extent->length);
    }
    return release_pieces(host, extents, err);
}
