#include "cci/cxl_event_record.h"

#include <endian.h>
#include <string.h>

#include "core/error.h"

const TmGuid tm_cxl_dc_event_record_uuid = { {
    0xca, 0x95, 0xaf, 0xa7, 0xf1, 0x83, 0x40, 0x18,
    0x8c, 0x2f, 0x95, 0x26, 0x8e, 0x10, 0x1a, 0x2a,
} };

static void encode_flags24(uint32_t flags, uint8_t out[3])
{
    out[0] = (uint8_t)flags;
    out[1] = (uint8_t)(flags >> 8);
    out[2] = (uint8_t)(flags >> 16);
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
