#include "host/dc_codec.h"

#include <endian.h>
#include <string.h>

#include "host/host_error.h"

/* CXL r3.1 Table 8-50: ca95afa7-f183-4018-8c2f-95268e101a2a, in string byte order. */
static const uint8_t dc_event_record_uuid[16] = {
    0xca, 0x95, 0xaf, 0xa7, 0xf1, 0x83, 0x40, 0x18,
    0x8c, 0x2f, 0x95, 0x26, 0x8e, 0x10, 0x1a, 0x2a,
};

void tm_host_dc_extent_decode(const TmCxlDcExtent *wire, TagmemExtent *out)
{
    out->dpa = le64toh(wire->start_dpa);
    out->length = le64toh(wire->length);
    memcpy(out->tag, wire->tag, sizeof(out->tag));
    out->shared_seq = le16toh(wire->shared_seq);
}

static bool dc_record_decode(const uint8_t *bytes, TmHostDcRecord *out, GError **err)
{
    TmCxlDcEventRecord wire;

    memcpy(&wire, bytes, sizeof(wire));
    if (wire.header.length != TM_CXL_EVENT_RECORD_SIZE) {
        g_set_error(err, TM_HOST_ERROR, EPROTO, "event record length %u is not %d",
                    wire.header.length, TM_CXL_EVENT_RECORD_SIZE);
        return false;
    }
    *out = (TmHostDcRecord){
        .handle = le16toh(wire.header.handle),
        .is_dc = memcmp(wire.header.record_uuid, dc_event_record_uuid, sizeof(dc_event_record_uuid))
                 == 0,
        .event_type = wire.event_type,
        .more = (wire.flags & TM_CXL_DC_EVENT_FLAG_MORE) != 0,
        .region = wire.updated_region,
    };
    tm_host_dc_extent_decode(&wire.extent, &out->extent);
    return true;
}

bool tm_host_event_records_header(const uint8_t *payload, size_t payload_len,
                                  TmCxlGetEventRecordsResponse *header, size_t *count,
                                  GError **err)
{
    if (payload_len < sizeof(*header)) {
        g_set_error(err, TM_HOST_ERROR, EPROTO,
                    "Get Event Records output of %zu bytes is shorter than its %zu-byte header",
                    payload_len, sizeof(*header));
        return false;
    }
    memcpy(header, payload, sizeof(*header));
    *count = le16toh(header->record_count);
    if (payload_len != sizeof(*header) + *count * TM_CXL_EVENT_RECORD_SIZE) {
        g_set_error(err, TM_HOST_ERROR, EPROTO,
                    "Get Event Records output of %zu bytes does not hold its record count %zu",
                    payload_len, *count);
        return false;
    }
    return true;
}

bool tm_host_event_batch_decode(const uint8_t *payload, size_t payload_len,
                                TmHostEventBatch *out, GError **err)
{
    TmCxlGetEventRecordsResponse header;
    size_t count;

    if (!tm_host_event_records_header(payload, payload_len, &header, &count, err)) {
        return false;
    }
    g_autoptr(GArray) records = g_array_sized_new(FALSE, TRUE, sizeof(TmHostDcRecord),
                                                  (guint)count);
    for (size_t i = 0; i < count; i++) {
        TmHostDcRecord record;

        if (!dc_record_decode(payload + sizeof(header) + i * TM_CXL_EVENT_RECORD_SIZE, &record,
                              err)) {
            return false;
        }
        g_array_append_val(records, record);
    }
    out->overflow = (header.flags & TM_CXL_GET_EVENT_FLAG_OVERFLOW) != 0;
    out->more_records = (header.flags & TM_CXL_GET_EVENT_FLAG_MORE_RECORDS) != 0;
    out->overflow_count = le16toh(header.overflow_count);
    out->records = g_steal_pointer(&records);
    return true;
}

void tm_host_event_batch_clear(TmHostEventBatch *batch)
{
    g_clear_pointer(&batch->records, g_array_unref);
}

bool tm_host_dc_config_decode(const uint8_t *payload, size_t payload_len, GArray *regions,
                              unsigned *available, GError **err)
{
    TmCxlGetDcConfigResponse header;

    if (payload_len < sizeof(header)) {
        g_set_error(err, TM_HOST_ERROR, EPROTO,
                    "Get DC Configuration output of %zu bytes is shorter than its %zu-byte "
                    "header", payload_len, sizeof(header));
        return false;
    }
    memcpy(&header, payload, sizeof(header));
    /* The extent and tag counts (16 bytes) follow the region configurations. */
    size_t needed = sizeof(header) + header.regions_returned * sizeof(TmCxlDcRegionConfig) + 16;
    if (payload_len < needed) {
        g_set_error(err, TM_HOST_ERROR, EPROTO,
                    "Get DC Configuration output of %zu bytes cannot hold %u regions",
                    payload_len, header.regions_returned);
        return false;
    }
    for (unsigned i = 0; i < header.regions_returned; i++) {
        TmCxlDcRegionConfig wire;

        memcpy(&wire, payload + sizeof(header) + i * sizeof(wire), sizeof(wire));
        TagmemRegion region = {
            .base = le64toh(wire.base),
            .length = le64toh(wire.length),
            .block_size = le64toh(wire.block_size),
            .sanitize_on_release = (wire.flags & TM_CXL_DC_REGION_FLAG_SANITIZE_ON_RELEASE) != 0,
        };
        if (region.base + region.length < region.base) {
            g_set_error(err, TM_HOST_ERROR, EPROTO,
                        "DC region %u: base 0x%" G_GINT64_MODIFIER "x + length 0x%"
                        G_GINT64_MODIFIER "x overflows", i, region.base, region.length);
            return false;
        }
        g_array_append_val(regions, region);
    }
    *available = header.available_regions;
    return true;
}

bool tm_host_extent_list_decode(const uint8_t *payload, size_t payload_len, GArray *extents,
                                uint32_t *total, GError **err)
{
    TmCxlGetDcExtentListResponse header;

    if (payload_len < sizeof(header)) {
        g_set_error(err, TM_HOST_ERROR, EPROTO,
                    "Get DC Extent List output of %zu bytes is shorter than its %zu-byte header",
                    payload_len, sizeof(header));
        return false;
    }
    memcpy(&header, payload, sizeof(header));
    size_t returned = le32toh(header.returned_count);
    if (payload_len != sizeof(header) + returned * sizeof(TmCxlDcExtent)) {
        g_set_error(err, TM_HOST_ERROR, EPROTO,
                    "Get DC Extent List output of %zu bytes does not hold its %zu extents",
                    payload_len, returned);
        return false;
    }
    for (size_t i = 0; i < returned; i++) {
        TmCxlDcExtent wire;
        TagmemExtent extent;

        memcpy(&wire, payload + sizeof(header) + i * sizeof(wire), sizeof(wire));
        tm_host_dc_extent_decode(&wire, &extent);
        g_array_append_val(extents, extent);
    }
    *total = le32toh(header.total_count);
    return true;
}
