#include "cci/cxl_dc_extent.h"

#include <endian.h>
#include <string.h>

void tm_cxl_dc_extent_encode(const TmExtent *extent, TmCxlDcExtent *wire)
{
    memset(wire, 0, sizeof(*wire));
    wire->start_dpa = htole64(extent->dpa);
    wire->length = htole64(extent->length);
    memcpy(wire->tag, extent->tag.bytes, sizeof(wire->tag));
    wire->shared_seq = htole16(extent->shared_seq);
}

void tm_cxl_dc_extent_decode(const TmCxlDcExtent *wire, TmExtent *extent)
{
    extent->dpa = le64toh(wire->start_dpa);
    extent->length = le64toh(wire->length);
    memcpy(extent->tag.bytes, wire->tag, sizeof(extent->tag.bytes));
    extent->shared_seq = le16toh(wire->shared_seq);
}

void tm_cxl_updated_extent_encode(const TmExtent *extent, TmCxlUpdatedExtent *wire)
{
    memset(wire, 0, sizeof(*wire));
    wire->start_dpa = htole64(extent->dpa);
    wire->length = htole64(extent->length);
}

void tm_cxl_updated_extent_decode(const TmCxlUpdatedExtent *wire, TmExtent *extent)
{
    memset(extent, 0, sizeof(*extent));
    extent->dpa = le64toh(wire->start_dpa);
    extent->length = le64toh(wire->length);
}

void tm_cxl_dc_extents_encode(const TmExtent *extents, size_t count, uint8_t *out)
{
    for (size_t i = 0; i < count; i++) {
        TmCxlDcExtent wire;

        tm_cxl_dc_extent_encode(&extents[i], &wire);
        memcpy(out + i * sizeof(wire), &wire, sizeof(wire));
    }
}

void tm_cxl_dc_extents_decode(const uint8_t *bytes, size_t count, TmExtent *extents)
{
    for (size_t i = 0; i < count; i++) {
        TmCxlDcExtent wire;

        memcpy(&wire, bytes + i * sizeof(wire), sizeof(wire));
        tm_cxl_dc_extent_decode(&wire, &extents[i]);
    }
}

void tm_cxl_updated_extents_encode(const TmExtent *extents, size_t count, uint8_t *out)
{
    for (size_t i = 0; i < count; i++) {
        TmCxlUpdatedExtent wire;

        tm_cxl_updated_extent_encode(&extents[i], &wire);
        memcpy(out + i * sizeof(wire), &wire, sizeof(wire));
    }
}

void tm_cxl_updated_extents_decode(const uint8_t *bytes, size_t count, TmExtent *extents)
{
    for (size_t i = 0; i < count; i++) {
        TmCxlUpdatedExtent wire;

        memcpy(&wire, bytes + i * sizeof(wire), sizeof(wire));
        tm_cxl_updated_extent_decode(&wire, &extents[i]);
    }
}
