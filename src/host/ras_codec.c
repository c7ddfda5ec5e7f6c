#include "host/ras_codec.h"

#include <endian.h>
#include <string.h>

#include "cci/cxl_event_record_wire.h"
#include "host/dc_codec.h"
#include "host/host_error.h"
#include "host/host_wire.h"

/* CXL r3.1 §8.2.9.2.1.1-3: the record UUIDs, in string byte order. */
static const uint8_t general_media_uuid[16] = {
    0xfb, 0xcd, 0x0a, 0x77, 0xc2, 0x60, 0x41, 0x7f,
    0x85, 0xa9, 0x08, 0x8b, 0x16, 0x21, 0xeb, 0xa6,
};
static const uint8_t dram_uuid[16] = {
    0x60, 0x1d, 0xcb, 0xb3, 0x9c, 0x06, 0x4e, 0xab,
    0xb8, 0xaf, 0x4e, 0x9b, 0xfb, 0x5c, 0x96, 0x24,
};
static const uint8_t memory_module_uuid[16] = {
    0xfe, 0x92, 0x74, 0x75, 0xdd, 0x59, 0x43, 0x39,
    0xa5, 0x86, 0x79, 0xba, 0xb1, 0x13, 0xb7, 0x74,
};

/* Physical Address bits 63:6 (bits 2:0 are flags, CXL r3.1 Table 8-45). */
#define PHYSICAL_ADDRESS_DPA_MASK (~(uint64_t)0x3F)

static TagmemDeviceEventType record_type(const TmCxlEventRecordHeader *header)
{
    if (memcmp(header->record_uuid, general_media_uuid, 16) == 0) {
        return TAGMEM_DEVICE_EVENT_GENERAL_MEDIA;
    }
    if (memcmp(header->record_uuid, dram_uuid, 16) == 0) {
        return TAGMEM_DEVICE_EVENT_DRAM;
    }
    if (memcmp(header->record_uuid, memory_module_uuid, 16) == 0) {
        return TAGMEM_DEVICE_EVENT_MEMORY_MODULE;
    }
    return TAGMEM_DEVICE_EVENT_OTHER;
}

/*
 * General Media and DRAM records begin alike: Physical Address, Memory
 * Event Descriptor, Memory Event Type (Tables 8-45, 8-46).
 */
static void decode_media(const uint8_t *bytes, TagmemDeviceEvent *out)
{
    TmCxlGeneralMediaEventRecord wire;

    memcpy(&wire, bytes, sizeof(wire));
    out->has_dpa = true;
    out->dpa = le64toh(wire.physical_address) & PHYSICAL_ADDRESS_DPA_MASK;
    out->descriptor = wire.descriptor;
    out->event_type = wire.type;
}

static bool record_decode(const uint8_t *bytes, TagmemDeviceLog log, TagmemDeviceEvent *out,
                          uint16_t *handle, GError **err)
{
    TmCxlEventRecordHeader header;

    memcpy(&header, bytes, sizeof(header));
    if (header.length != TM_CXL_EVENT_RECORD_SIZE) {
        g_set_error(err, TM_HOST_ERROR, EPROTO, "event record length %u is not %d",
                    header.length, TM_CXL_EVENT_RECORD_SIZE);
        return false;
    }
    *out = (TagmemDeviceEvent){
        .log = log,
        .type = record_type(&header),
        .flags = header.flags[0] | (uint32_t)header.flags[1] << 8 |
                 (uint32_t)header.flags[2] << 16,
        .timestamp_ns = le64toh(header.timestamp),
    };
    memcpy(out->record, bytes, sizeof(out->record));
    *handle = le16toh(header.handle);
    if (out->type == TAGMEM_DEVICE_EVENT_GENERAL_MEDIA || out->type == TAGMEM_DEVICE_EVENT_DRAM) {
        decode_media(bytes, out);
    } else if (out->type == TAGMEM_DEVICE_EVENT_MEMORY_MODULE) {
        out->event_type = bytes[sizeof(TmCxlEventRecordHeader)];
    }
    return true;
}

bool tm_host_device_batch_decode(const uint8_t *payload, size_t payload_len, TagmemDeviceLog log,
                                 TmHostDeviceBatch *out, GError **err)
{
    TmCxlGetEventRecordsResponse header;
    size_t count;

    if (!tm_host_event_records_header(payload, payload_len, &header, &count, err)) {
        return false;
    }
    g_autoptr(GArray) events = g_array_sized_new(FALSE, TRUE, sizeof(TagmemDeviceEvent),
                                                 (guint)count);
    g_autoptr(GArray) handles = g_array_sized_new(FALSE, TRUE, sizeof(uint16_t), (guint)count);
    for (size_t i = 0; i < count; i++) {
        TagmemDeviceEvent event;
        uint16_t handle;

        if (!record_decode(payload + sizeof(header) + i * TM_CXL_EVENT_RECORD_SIZE, log, &event,
                           &handle, err)) {
            return false;
        }
        g_array_append_val(events, event);
        g_array_append_val(handles, handle);
    }
    out->overflow = (header.flags & TM_CXL_GET_EVENT_FLAG_OVERFLOW) != 0;
    out->overflow_count = le16toh(header.overflow_count);
    out->events = g_steal_pointer(&events);
    out->handles = g_steal_pointer(&handles);
    return true;
}

void tm_host_device_batch_clear(TmHostDeviceBatch *batch)
{
    g_clear_pointer(&batch->events, g_array_unref);
    g_clear_pointer(&batch->handles, g_array_unref);
}
