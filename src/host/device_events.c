/*
 * The device's own events (General Media, DRAM, Memory Module records in
 * the informational, warning, failure and fatal logs): read and cleared
 * batch by batch like the DC log, each record located in what the host
 * holds (tag and offset within the tag's allocation), then handed to the
 * application's callback or queued for tagmem_host_next_device_event().
 */
#include "host/host_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <string.h>
#include <unistd.h>

#include "host/host_commands.h"
#include "host/host_error.h"

/* The queue keeps the latest events; an application that never takes them costs this much. */
#define MAX_QUEUED_EVENTS 4096

#define DEVICE_LOGS 4

bool tm_host_device_events_init(TagmemHost *host, GError **err)
{
    host->device_events = g_queue_new();
    host->device_event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (host->device_event_fd < 0) {
        int saved = errno;

        g_set_error(err, TM_HOST_ERROR, saved, "eventfd for device events: %s",
                    g_strerror(saved));
        return false;
    }
    return true;
}

void tm_host_device_events_free(TagmemHost *host)
{
    if (host->device_events != NULL) {
        g_queue_free_full(host->device_events, g_free);
    }
    if (host->device_event_fd >= 0) {
        close(host->device_event_fd);
    }
}

/* The tag and offset of @event's DPA when the host holds it as tagged capacity. */
static void locate(const TagmemHost *host, TagmemDeviceEvent *event)
{
    g_autoptr(GArray) held = tm_committed_pieces(host->committed, event->dpa, 1);

    if (held->len == 0) {
        return;
    }
    const TagmemExtent *extent = &g_array_index(held, TmCommittedExtent, 0).extent;
    const TmTagView *view = g_hash_table_lookup(host->tag_views, extent->tag);
    for (guint i = 0; view != NULL && i < view->pieces->len; i++) {
        const TmTagViewPiece *piece = &g_array_index(view->pieces, TmTagViewPiece, i);

        if (event->dpa >= piece->dpa && event->dpa - piece->dpa < piece->length) {
            event->in_tag = true;
            memcpy(event->tag, extent->tag, sizeof(event->tag));
            event->tag_offset = piece->offset + (event->dpa - piece->dpa);
            return;
        }
    }
}

static void enqueue(TagmemHost *host, const TagmemDeviceEvent *event)
{
    uint64_t one = 1;

    if (g_queue_get_length(host->device_events) == MAX_QUEUED_EVENTS) {
        g_free(g_queue_pop_head(host->device_events));
        tm_host_log(&host->logger, TAGMEM_LOG_WARNING,
                    "%d device events wait untaken: dropping the oldest", MAX_QUEUED_EVENTS);
    }
    g_queue_push_tail(host->device_events, g_memdup2(event, sizeof(*event)));
    /* Counts up; a full counter still polls readable, so a failed write loses nothing. */
    (void)!write(host->device_event_fd, &one, sizeof(one));
}

static void deliver(TagmemHost *host, TagmemDeviceEvent *event)
{
    if (event->has_dpa) {
        locate(host, event);
    }
    tm_host_log(&host->logger, TAGMEM_LOG_INFO, "%s event in the %s log, DPA 0x%" PRIx64,
                tagmem_device_event_type_name(event->type), tagmem_device_log_name(event->log),
                event->dpa);
    if (host->device_event_fn != NULL) {
        host->device_event_fn(host->device_event_data, event);
    } else {
        enqueue(host, event);
    }
}

/* Read @log until it is empty, handing each record over, clearing each batch. */
static bool drain_log(TagmemHost *host, TagmemDeviceLog log, size_t *handled, GError **err)
{
    for (;;) {
        TmHostDeviceBatch batch = { 0 };

        if (!tm_host_get_device_events(&host->conn, log, &batch, err)) {
            return false;
        }
        guint n = batch.events->len;
        for (guint i = 0; i < n; i++) {
            deliver(host, &g_array_index(batch.events, TagmemDeviceEvent, i));
        }
        if (batch.overflow) {
            tm_host_log(&host->logger, TAGMEM_LOG_WARNING, "the %s log overflowed: %u records lost",
                        tagmem_device_log_name(log), batch.overflow_count);
        }
        bool ok = n == 0 ||
                  tm_host_clear_events(&host->conn, host->max_payload, (uint8_t)log,
                                       (const uint16_t *)(void *)batch.handles->data, n, err);
        tm_host_device_batch_clear(&batch);
        if (!ok || n == 0) {
            return ok;
        }
        *handled += n;
    }
}

bool tm_host_drain_device_events(TagmemHost *host, uint8_t log_bitmap, size_t *handled,
                                 GError **err)
{
    for (unsigned log = 0; log < DEVICE_LOGS; log++) {
        if ((log_bitmap & (1u << log)) && !drain_log(host, (TagmemDeviceLog)log, handled, err)) {
            return false;
        }
    }
    return true;
}

TAGMEM_API const char *tagmem_device_log_name(TagmemDeviceLog log)
{
    static const char *const names[] = { "informational", "warning", "failure", "fatal" };

    return (unsigned)log < G_N_ELEMENTS(names) ? names[log] : "unknown";
}

TAGMEM_API const char *tagmem_device_event_type_name(TagmemDeviceEventType type)
{
    switch (type) {
    case TAGMEM_DEVICE_EVENT_GENERAL_MEDIA:
        return "general-media";
    case TAGMEM_DEVICE_EVENT_DRAM:
        return "dram";
    case TAGMEM_DEVICE_EVENT_MEMORY_MODULE:
        return "memory-module";
    case TAGMEM_DEVICE_EVENT_OTHER:
        break;
    }
    return "other";
}

TAGMEM_API void tagmem_host_set_device_event_callback(TagmemHost *host, TagmemDeviceEventFn fn,
                                                      void *data)
{
    host->device_event_fn = fn;
    host->device_event_data = data;
}

TAGMEM_API int tagmem_host_device_event_fd(const TagmemHost *host)
{
    return host->device_event_fd;
}

TAGMEM_API int tagmem_host_next_device_event(TagmemHost *host, TagmemDeviceEvent *out)
{
    g_autofree TagmemDeviceEvent *event = g_queue_pop_head(host->device_events);
    uint64_t count;

    if (g_queue_is_empty(host->device_events)) {
        /* Nothing waits any more: the descriptor stops polling readable. */
        (void)!read(host->device_event_fd, &count, sizeof(count));
    }
    if (event == NULL) {
        return 0;
    }
    *out = *event;
    return 1;
}
