#include "cci/cxl_event_record.h"

#include <endian.h>
#include <string.h>

#include "core/error.h"

const TmGuid tm_cxl_dc_event_record_uuid = { {
    0xca, 0x95, 0xaf, 0xa7, 0xf1, 0x83, 0x40, 0x18,
    0x8c, 0x2f, 0x95, 0x26, 0x8e, 0x10, 0x1a, 0x2a,
} };

/* CXL r3.1 §8.2.9.2.1.1-3: the record UUIDs, in wire (string) byte order. */
const TmGuid tm_cxl_general_media_event_record_uuid = { {
    0xfb, 0xcd, 0x0a, 0x77, 0xc2, 0x60, 0x41, 0x7f,
    0x85, 0xa9, 0x08, 0x8b, 0x16, 0x21, 0xeb, 0xa6,
} };
const TmGuid tm_cxl_dram_event_record_uuid = { {
    0x60, 0x1d, 0xcb, 0xb3, 0x9c, 0x06, 0x4e, 0xab,
    0xb8, 0xaf, 0x4e, 0x9b, 0xfb, 0x5c, 0x96, 0x24,
} };
const TmGuid tm_cxl_memory_module_event_record_uuid = { {
    0xfe, 0x92, 0x74, 0x75, 0xdd, 0x59, 0x43, 0x39,
    0xa5, 0x86, 0x79, 0xba, 0xb1, 0x13, 0xb7, 0x74,
} };

static void encode_flags24(uint32_t flags, uint8_t out[3])
{
    out[0] = (uint8_t)flags;
    out[1] = (uint8_t)(flags >> 8);
    out[2] = (uint8_t)(flags >> 16);
}

static void encode_header(const TmEventRecord *record, const TmGuid *uuid, uint32_t flags,
                          TmCxlEventRecordHeader *header)
{
    memcpy(header->record_uuid, uuid->bytes, sizeof(header->record_uuid));
    header->length = TM_CXL_EVENT_RECORD_SIZE;
    encode_flags24(flags, header->flags);
    header->handle = htole16(record->handle);
    header->timestamp = htole64(record->timestamp_ns);
}

static void encode_general_media(const TmEventRecord *record, TmCxlGeneralMediaEventRecord *wire)
{
    const TmGeneralMediaEvent *event = &record->media;

    encode_header(record, &tm_cxl_general_media_event_record_uuid, event->common.flags,
                  &wire->header);
    wire->physical_address = htole64(event->common.dpa);
    wire->descriptor = event->common.descriptor;
    wire->type = event->common.type;
    wire->transaction_type = event->common.transaction_type;
    wire->validity_flags = htole16(event->common.validity);
    wire->channel = event->channel;
    wire->rank = event->rank;
    encode_flags24(event->device, wire->device);
    memcpy(wire->component_id, event->component_id, sizeof(wire->component_id));
}

static void encode_dram(const TmEventRecord *record, TmCxlDramEventRecord *wire)
{
    const TmDramEvent *event = &record->dram;

    encode_header(record, &tm_cxl_dram_event_record_uuid, event->common.flags, &wire->header);
    wire->physical_address = htole64(event->common.dpa);
    wire->descriptor = event->common.descriptor;
    wire->type = event->common.type;
    wire->transaction_type = event->common.transaction_type;
    wire->validity_flags = htole16(event->common.validity);
    wire->channel = event->channel;
    wire->rank = event->rank;
    encode_flags24(event->nibble_mask, wire->nibble_mask);
    wire->bank_group = event->bank_group;
    wire->bank = event->bank;
    encode_flags24(event->row, wire->row);
    wire->column = htole16(event->column);
    for (size_t i = 0; i < G_N_ELEMENTS(wire->correction_mask); i++) {
        wire->correction_mask[i] = htole64(event->correction_mask[i]);
    }
}

static void encode_memory_module(const TmEventRecord *record, TmCxlMemoryModuleEventRecord *wire)
{
    const TmMemoryModuleEvent *event = &record->module;

    encode_header(record, &tm_cxl_memory_module_event_record_uuid, event->flags, &wire->header);
    wire->event_type = event->type;
    wire->health_status = event->health.health_status;
    wire->media_status = event->health.media_status;
    wire->additional_status = event->health.additional_status;
    wire->life_used = event->health.life_used;
    wire->temperature = (int16_t)htole16((uint16_t)event->health.temperature);
    wire->dirty_shutdown_count = htole32(event->health.dirty_shutdown_count);
    wire->corrected_volatile_errors = htole32(event->health.corrected_volatile_errors);
    wire->corrected_persistent_errors = htole32(event->health.corrected_persistent_errors);
}

void tm_cxl_event_record_encode(const TmEventRecord *record, TmCxlEventRecord *wire)
{
    /* Each kind is encoded in its own layout, then copied: no type punning. */
    union {
        TmCxlDcEventRecord dc;
        TmCxlGeneralMediaEventRecord media;
        TmCxlDramEventRecord dram;
        TmCxlMemoryModuleEventRecord module;
    } out;

    memset(&out, 0, sizeof(out));
    switch (record->kind) {
    case TM_EVENT_KIND_DYNAMIC_CAPACITY:
        tm_cxl_dc_event_record_encode(record, &out.dc);
        break;
    case TM_EVENT_KIND_GENERAL_MEDIA:
        encode_general_media(record, &out.media);
        break;
    case TM_EVENT_KIND_DRAM:
        encode_dram(record, &out.dram);
        break;
    case TM_EVENT_KIND_MEMORY_MODULE:
        encode_memory_module(record, &out.module);
        break;
    }
    G_STATIC_ASSERT(sizeof(out) == sizeof(*wire));
    memcpy(wire, &out, sizeof(*wire));
}

void tm_cxl_dc_event_record_encode(const TmEventRecord *record, TmCxlDcEventRecord *wire)
{
    const TmDcEvent *event = &record->dc;

    memset(wire, 0, sizeof(*wire));
    memcpy(wire->header.record_uuid, tm_cxl_dc_event_record_uuid.bytes,
           sizeof(wire->header.record_uuid));
    wire->header.length = TM_CXL_EVENT_RECORD_SIZE;
    encode_flags24(TM_CXL_EVENT_SEVERITY_INFORMATIONAL, wire->header.flags);
    wire->header.handle = htole16(record->handle);
    wire->header.timestamp = htole64(record->timestamp_ns);

    wire->event_type = (uint8_t)event->type;
    /* tagmem always reports the number of available tags. */
    wire->validity_flags = TM_CXL_DC_EVENT_VALID_AVAILABLE_TAGS;
    wire->host_id = htole16(event->host_id);
    wire->updated_region = event->region;
    wire->flags = event->more ? TM_CXL_DC_EVENT_FLAG_MORE : 0;
    tm_cxl_dc_extent_encode(&event->extent, &wire->extent);
    wire->available_extents = htole32(event->available_extents);
    wire->available_tags = htole32(event->available_tags);
}

bool tm_cxl_dc_event_record_decode(const TmCxlDcEventRecord *wire, TmEventRecord *record,
                                   GError **err)
{
    if (memcmp(wire->header.record_uuid, tm_cxl_dc_event_record_uuid.bytes,
               sizeof(wire->header.record_uuid)) != 0) {
        TmGuid uuid;

        memcpy(uuid.bytes, wire->header.record_uuid, sizeof(uuid.bytes));
        g_autofree char *text = tm_guid_to_string(&uuid);
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Event record UUID %s is not the Dynamic Capacity record's", text);
        return false;
    }
    if (wire->header.length != TM_CXL_EVENT_RECORD_SIZE) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Event record length %u is not %d", wire->header.length,
                    TM_CXL_EVENT_RECORD_SIZE);
        return false;
    }
    if (wire->event_type > TM_DC_EVENT_CAPACITY_RELEASED) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Dynamic Capacity event type 0x%02x is not defined", wire->event_type);
        return false;
    }

    memset(record, 0, sizeof(*record));
    record->handle = le16toh(wire->header.handle);
    record->timestamp_ns = le64toh(wire->header.timestamp);
    record->dc.type = (TmDcEventType)wire->event_type;
    record->dc.host_id = le16toh(wire->host_id);
    record->dc.region = wire->updated_region;
    record->dc.more = (wire->flags & TM_CXL_DC_EVENT_FLAG_MORE) != 0;
    tm_cxl_dc_extent_decode(&wire->extent, &record->dc.extent);
    record->dc.available_extents = le32toh(wire->available_extents);
    /* Without the validity bit the count means nothing; report 0. */
    if (wire->validity_flags & TM_CXL_DC_EVENT_VALID_AVAILABLE_TAGS) {
        record->dc.available_tags = le32toh(wire->available_tags);
    }
    return true;
}
