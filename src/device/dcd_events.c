/*
 * What the device tells the outside: Dynamic Capacity event records in a
 * host's log, and notices to the observers (QMP events, host wake-ups).
 */
#include "device/dcd_internal.h"

void tm_dcd_log_events(TmDcd *dev, uint16_t host_id, TmDcEventType type,
                       const TmBackedExtent *extents, guint n_extents)
{
    TmEventLog *log = tm_dcd_host(dev, host_id)->logs[TM_EVENT_LOG_DYNAMIC_CAPACITY];
    TmDcLimits limits = tm_dcd_limits(dev, host_id);
    uint64_t now_ns = tm_dcd_timestamp_ns(dev);

    for (guint i = 0; i < n_extents; i++) {
        TmDcEvent event = {
            .type = type,
            .host_id = host_id,
            .region = extents[i].region,
            .more = i + 1 < n_extents,
            .extent = extents[i].extent,
            .available_extents = limits.available_extents,
            .available_tags = limits.available_tags,
        };
        bool appended = tm_event_log_append(log, &event, now_ns);

        /*
         * Callers check the room first, so a request is never half logged;
         * only a forced release may overflow the log (dcd_release.c), and
         * the log then counts what it lost.
         */
        g_assert(appended || type == TM_DC_EVENT_FORCED_CAPACITY_RELEASE);
    }
    if (n_extents > 0) {
        TmDcdNotice notice = { .kind = TM_DCD_NOTICE_EVENTS_QUEUED, .host_id = host_id };
        tm_dcd_notify(dev, &notice);
    }
}

/* ---- Observers ---- */

guint tm_dcd_add_observer(TmDcd *dev, TmDcdObserver observer, gpointer opaque)
{
    TmDcdObserverEntry entry = {
        .id = dev->next_observer_id++, .fn = observer, .opaque = opaque,
    };

    g_array_append_val(dev->observers, entry);
    return entry.id;
}

void tm_dcd_remove_observer(TmDcd *dev, guint observer_id)
{
    for (guint i = 0; i < dev->observers->len; i++) {
        if (g_array_index(dev->observers, TmDcdObserverEntry, i).id == observer_id) {
            g_array_remove_index(dev->observers, i);
            return;
        }
    }
}

void tm_dcd_notify(TmDcd *dev, const TmDcdNotice *notice)
{
    for (guint i = 0; i < dev->observers->len; i++) {
        TmDcdObserverEntry entry = g_array_index(dev->observers, TmDcdObserverEntry, i);
        entry.fn(dev, notice, entry.opaque);
    }
}
