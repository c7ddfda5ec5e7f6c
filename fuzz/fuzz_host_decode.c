/*
 * libtagmem's decoders of what the daemon sends: the packet header, the
 * Event Notification, Get Event Records (DC log and the device's own
 * logs), Get DC Configuration, Get DC Extent List and Get Poison List outputs.  Byte 0 picks the decoder; the rest is its input.
 * Whatever the bytes, a decoder either fails with a message or yields
 * values inside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <glib.h>

#include "host/dc_codec.h"
#include "host/host_message.h"
#include "host/poison_codec.h"
#include "host/ras_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decode_packet(const uint8_t *bytes, size_t len)
{
    g_autoptr(GError) err = NULL;
    TmCciHeader header;
    TmHostNotification notification;

    if (!tm_host_packet_decode(bytes, len, &header, &err)) {
        g_assert_nonnull(err);
        return;
    }
    g_assert_cmpuint(header.payload_length + TM_CCI_MESSAGE_HEADER_SIZE, ==, len);
    if (header.category == TM_CCI_CATEGORY_REQUEST &&
        !tm_host_notification_decode(&header, bytes + TM_CCI_MESSAGE_HEADER_SIZE, &notification,
                                     &err)) {
        g_assert_nonnull(err);
    }
    g_clear_error(&err);
    tm_host_response_matches(&header, bytes[2 % len], TM_CXL_OP_IDENTIFY, &err);
}

static void decode_events(const uint8_t *bytes, size_t len)
{
    TmHostEventBatch batch = { 0 };
    g_autoptr(GError) err = NULL;

    if (tm_host_event_batch_decode(bytes, len, &batch, &err)) {
        g_assert_cmpuint(32 + batch.records->len * TM_CXL_EVENT_RECORD_SIZE, ==, len);
        tm_host_event_batch_clear(&batch);
    } else {
        g_assert_nonnull(err);
        g_assert_null(batch.records);
    }
}

/* The device's logs: every record kept with its raw bytes, the DPA only for media records. */
static void decode_device_events(const uint8_t *bytes, size_t len)
{
    TmHostDeviceBatch batch = { 0 };
    g_autoptr(GError) err = NULL;

    if (!tm_host_device_batch_decode(bytes, len, TAGMEM_DEVICE_LOG_WARNING, &batch, &err)) {
        g_assert_nonnull(err);
        g_assert_null(batch.events);
        return;
    }
    g_assert_cmpuint(32 + batch.events->len * TM_CXL_EVENT_RECORD_SIZE, ==, len);
    g_assert_cmpuint(batch.handles->len, ==, batch.events->len);
    for (guint i = 0; i < batch.events->len; i++) {
        const TagmemDeviceEvent *event = &g_array_index(batch.events, TagmemDeviceEvent, i);

        g_assert_cmpint(memcmp(event->record, bytes + 32 + i * 128, 128), ==, 0);
        g_assert_true(event->has_dpa == (event->type == TAGMEM_DEVICE_EVENT_GENERAL_MEDIA ||
                                         event->type == TAGMEM_DEVICE_EVENT_DRAM));
        g_assert_cmphex(event->dpa & 0x3F, ==, 0);
        g_assert_cmpuint(event->flags, <=, 0xFFFFFF);
    }
    tm_host_device_batch_clear(&batch);
}

static void decode_lists(const uint8_t *bytes, size_t len)
{
    g_autoptr(GArray) regions = g_array_new(FALSE, FALSE, sizeof(TagmemRegion));
    g_autoptr(GArray) extents = g_array_new(FALSE, FALSE, sizeof(TagmemExtent));
    unsigned available = 0;
    uint32_t total = 0;

    if (tm_host_dc_config_decode(bytes, len, regions, &available, NULL)) {
        g_assert_cmpuint(8 + regions->len * 40 + 16, <=, len);
    }
    if (tm_host_extent_list_decode(bytes, len, extents, &total, NULL)) {
        g_assert_cmpuint(16 + extents->len * 40, ==, len);
    }
    g_autoptr(GArray) poison = g_array_new(FALSE, FALSE, sizeof(TmHostPoisonRange));
    bool more = false;
    if (tm_host_poison_list_decode(bytes, len, poison, &more, NULL)) {
        g_assert_cmpuint(32 + poison->len * 16, ==, len);
    } else {
        g_assert_cmpuint(poison->len, ==, 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    switch (data[0] % 4) {
    case 0:
        if (size > 1) {
            decode_packet(data + 1, size - 1);
        }
        break;
    case 1:
        decode_events(data + 1, size - 1);
        break;
    case 2:
        decode_lists(data + 1, size - 1);
        break;
    default:
        decode_device_events(data + 1, size - 1);
        break;
    }
    return 0;
}
