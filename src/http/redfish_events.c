#include "http/redfish_events.h"

#include "core/guid.h"
#include "http/redfish_json.h"

typedef struct {
    guint id;
    TmRedfishEventSink fn;
    gpointer opaque;
} Sink;

typedef struct {
    TmDcd *dev;
    guint observer_id;
} Watch;

struct TmRedfishEvents {
    GArray *watches;  /* Watch */
    GArray *sinks;    /* Sink */
    guint next_sink_id;
    guint64 next_event_id;
};

/*
 * The message of each notice, in the service's own registry "Tagmem.1.0"
 * (the Base and ResourceEvent registries have nothing for DC capacity);
 * NULL for notices that are not events.
 */
typedef struct {
    const char *message_id;
    const char *verb;
    const char *severity;
} NoticeMessage;

static const NoticeMessage *notice_message(TmDcdNoticeKind kind)
{
    static const NoticeMessage offered = { "Tagmem.1.0.CapacityOffered", "offered to", "OK" };
    static const NoticeMessage accepted = { "Tagmem.1.0.CapacityAccepted", "accepted by", "OK" };
    static const NoticeMessage rejected = { "Tagmem.1.0.CapacityRejected", "rejected by", "OK" };
    static const NoticeMessage released = { "Tagmem.1.0.CapacityReleased", "released by", "OK" };
    static const NoticeMessage withdrawn = { "Tagmem.1.0.CapacityWithdrawn", "withdrawn from",
                                             "OK" };
    static const NoticeMessage unsanitized = { "Tagmem.1.0.SanitizeFailed", "not zeroed after",
                                               "Warning" };

    switch (kind) {
    case TM_DCD_NOTICE_OFFERED:
        return &offered;
    case TM_DCD_NOTICE_COMMITTED:
        return &accepted;
    case TM_DCD_NOTICE_REJECTED:
        return &rejected;
    case TM_DCD_NOTICE_RELEASED:
        return &released;
    case TM_DCD_NOTICE_WITHDRAWN:
        return &withdrawn;
    case TM_DCD_NOTICE_SANITIZE_FAILED:
        return &unsanitized;
    /* Not DC capacity changes: RAS reaches Redfish clients through no event yet. */
    case TM_DCD_NOTICE_EVENTS_QUEUED:
    case TM_DCD_NOTICE_BACKGROUND_DONE:
    case TM_DCD_NOTICE_POISON_CHANGED:
    case TM_DCD_NOTICE_RECORD_QUEUED:
        break;
    }
    return NULL;
}

/*
 * The resource the event is about: the tag's MemoryChunk when the
 * capacity is tagged (CXL r3.1 7.6.7.6.5: the tag names shared capacity),
 * else the region's MemoryDomain.
 */
static json_object *origin(const TmDcd *dev, const TmDcdNotice *notice)
{
    const TmBackedExtent *first = &notice->extents[0];
    g_autofree char *domain = g_strdup_printf("/redfish/v1/Chassis/%s/MemoryDomains/%u",
                                              tm_dcd_id(dev), first->region);

    if (tm_guid_is_null(&first->extent.tag)) {
        return tm_redfish_link(domain);
    }
    g_autofree char *tag = tm_guid_to_string(&first->extent.tag);
    g_autofree char *chunk = g_strdup_printf("%s/MemoryChunks/%s", domain, tag);
    return tm_redfish_link(chunk);
}

static json_object *extent_json(const TmDcd *dev, const TmBackedExtent *extent)
{
    json_object *obj = json_object_new_object();
    const TmDcRegion *region = tm_dcd_region(dev, extent->region);

    json_object_object_add(obj, "Region", json_object_new_int(extent->region));
    json_object_object_add(obj, "DPA", json_object_new_uint64(extent->extent.dpa));
    json_object_object_add(obj, "Offset",
                           json_object_new_uint64(extent->extent.dpa - region->base));
    json_object_object_add(obj, "Length", json_object_new_uint64(extent->extent.length));
    json_object_object_add(obj, "SharedSeq", json_object_new_int(extent->extent.shared_seq));
    if (!tm_guid_is_null(&extent->extent.tag)) {
        g_autofree char *tag = tm_guid_to_string(&extent->extent.tag);
        json_object_object_add(obj, "Tag", json_object_new_string(tag));
    } else {
        json_object_object_add(obj, "Tag", NULL);
    }
    return obj;
}

static json_object *oem_details(const TmDcd *dev, const TmDcdNotice *notice)
{
    json_object *details = json_object_new_object();
    json_object *extents = json_object_new_array_ext((int)notice->n_extents);

    json_object_object_add(details, "Device", json_object_new_string(tm_dcd_id(dev)));
    json_object_object_add(details, "Host", notice->host_id == TM_DCD_NO_HOST
                                                ? NULL : json_object_new_int(notice->host_id));
    for (guint i = 0; i < notice->n_extents; i++) {
        json_object_array_add(extents, extent_json(dev, &notice->extents[i]));
    }
    json_object_object_add(details, "Extents", extents);
    if (notice->kind == TM_DCD_NOTICE_RELEASED) {
        json_object_object_add(details, "Forced", json_object_new_boolean(notice->forced));
    }
    if (notice->kind == TM_DCD_NOTICE_SANITIZE_FAILED) {
        json_object_object_add(details, "Reason", json_object_new_string(notice->message));
    }
    json_object *oem = json_object_new_object();
    json_object_object_add(oem, "Tagmem", details);
    return oem;
}

static uint64_t total_length(const TmDcdNotice *notice)
{
    uint64_t bytes = 0;

    for (guint i = 0; i < notice->n_extents; i++) {
        bytes += notice->extents[i].extent.length;
    }
    return bytes;
}

static json_object *event_record(const TmDcd *dev, const TmDcdNotice *notice,
                                 const NoticeMessage *message, const char *id)
{
    json_object *record = json_object_new_object();
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format_iso8601(now);
    g_autofree char *host = notice->host_id == TM_DCD_NO_HOST
                                ? g_strdup("no host") : g_strdup_printf("host %u", notice->host_id);
    g_autofree char *bytes = g_strdup_printf("%" G_GUINT64_FORMAT, total_length(notice));
    g_autofree char *text = g_strdup_printf("%s bytes in %u extent(s) of %s %s %s.", bytes,
                                            notice->n_extents, tm_dcd_id(dev), message->verb,
                                            host);
    json_object *args = json_object_new_array();

    json_object_array_add(args, json_object_new_string(tm_dcd_id(dev)));
    json_object_array_add(args, json_object_new_string(host));
    json_object_array_add(args, json_object_new_string(bytes));
    json_object_object_add(record, "EventId", json_object_new_string(id));
    json_object_object_add(record, "EventType", json_object_new_string("Other"));
    json_object_object_add(record, "EventTimestamp", json_object_new_string(stamp));
    json_object_object_add(record, "Severity", json_object_new_string(message->severity));
    json_object_object_add(record, "MessageSeverity", json_object_new_string(message->severity));
    json_object_object_add(record, "MessageId", json_object_new_string(message->message_id));
    json_object_object_add(record, "Message", json_object_new_string(text));
    json_object_object_add(record, "MessageArgs", args);
    json_object_object_add(record, "OriginOfCondition", origin(dev, notice));
    json_object_object_add(record, "Oem", oem_details(dev, notice));
    return record;
}

json_object *tm_redfish_event_new(const TmDcd *dev, const TmDcdNotice *notice, guint64 event_id)
{
    const NoticeMessage *message = notice_message(notice->kind);

    if (message == NULL || notice->n_extents == 0) {
        return NULL;
    }
    g_autofree char *id = g_strdup_printf("%" G_GUINT64_FORMAT, event_id);
    json_object *event = json_object_new_object();
    json_object *records = json_object_new_array();

    json_object_object_add(event, "@odata.type", json_object_new_string("#Event.v1_10_0.Event"));
    json_object_object_add(event, "Id", json_object_new_string(id));
    json_object_object_add(event, "Name", json_object_new_string("tagmem Dynamic Capacity event"));
    json_object_array_add(records, event_record(dev, notice, message, id));
    json_object_object_add(event, "Events", records);
    json_object_object_add(event, "Events@odata.count", json_object_new_int(1));
    return event;
}

static void on_notice(TmDcd *dev, const TmDcdNotice *notice, gpointer opaque)
{
    TmRedfishEvents *events = opaque;

    /* Nobody listens: no event is built (and no number is spent). */
    if (events->sinks->len == 0) {
        return;
    }
    json_object *event = tm_redfish_event_new(dev, notice, events->next_event_id);
    if (event == NULL) {
        return;
    }
    g_autofree char *id = g_strdup_printf("%" G_GUINT64_FORMAT, events->next_event_id++);
    for (guint i = 0; i < events->sinks->len; i++) {
        const Sink *sink = &g_array_index(events->sinks, Sink, i);
        sink->fn(id, event, sink->opaque);
    }
    json_object_put(event);
}

TmRedfishEvents *tm_redfish_events_new(TmDeviceRegistry *devices)
{
    TmRedfishEvents *events = g_new0(TmRedfishEvents, 1);
    g_autoptr(GPtrArray) list = tm_device_registry_list(devices);

    events->watches = g_array_new(FALSE, FALSE, sizeof(Watch));
    events->sinks = g_array_new(FALSE, FALSE, sizeof(Sink));
    events->next_sink_id = 1;
    events->next_event_id = 1;
    for (guint i = 0; i < list->len; i++) {
        Watch watch = { .dev = g_ptr_array_index(list, i) };
        watch.observer_id = tm_dcd_add_observer(watch.dev, on_notice, events);
        g_array_append_val(events->watches, watch);
    }
    return events;
}

void tm_redfish_events_free(TmRedfishEvents *events)
{
    if (events == NULL) {
        return;
    }
    for (guint i = 0; i < events->watches->len; i++) {
        const Watch *watch = &g_array_index(events->watches, Watch, i);
        tm_dcd_remove_observer(watch->dev, watch->observer_id);
    }
    g_array_unref(events->watches);
    g_array_unref(events->sinks);
    g_free(events);
}

guint tm_redfish_events_add_sink(TmRedfishEvents *events, TmRedfishEventSink sink,
                                 gpointer opaque)
{
    Sink entry = { .id = events->next_sink_id++, .fn = sink, .opaque = opaque };

    g_array_append_val(events->sinks, entry);
    return entry.id;
}

void tm_redfish_events_remove_sink(TmRedfishEvents *events, guint sink_id)
{
    for (guint i = 0; i < events->sinks->len; i++) {
        if (g_array_index(events->sinks, Sink, i).id == sink_id) {
            g_array_remove_index(events->sinks, i);
            return;
        }
    }
}
