/*
 * The selection policies in which the device picks the extents of an add
 * request (CXL r3.2 §7.6.7.6.5): free, contiguous, and enable shared
 * access.  The device's free capacity is what its allocation map does not
 * hold, so capacity pending for any host is never picked twice.
 */
#include "device/dcd_internal.h"

#include <inttypes.h>
#include <stdlib.h>

static void append_extent(GArray *out, unsigned region, uint64_t dpa, uint64_t length)
{
    TmBackedExtent extent = {
        .extent = { .dpa = dpa, .length = length },
        .region = (uint8_t)region,
    };

    g_array_append_val(out, extent);
}

static TmDcStatus check_length(const TmDcRegion *region, uint64_t length, GError **err)
{
    if (length == 0 || length % region->block_size != 0) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                          "length 0x%" PRIx64 " is not a non-zero multiple of the region block "
                          "size 0x%" PRIx64, length, region->block_size);
    }
    return TM_DC_OK;
}

static uint64_t free_bytes(const TmDcd *dev, const TmDcRegion *region)
{
    uint64_t pos = region->base;
    uint64_t gap;
    uint64_t total = 0;

    while (tm_alloc_map_next_gap(dev->alloc_map, &pos, tm_dc_region_end(region), &gap)) {
        total += gap;
        pos += gap;
    }
    return total;
}

TmDcStatus tm_dcd_select_free(const TmDcd *dev, unsigned region_index, uint64_t length,
                              GArray *out, GError **err)
{
    const TmDcRegion *region = &dev->regions[region_index];
    TmDcStatus status = check_length(region, length, err);
    uint64_t available = free_bytes(dev, region);
    uint64_t pos = region->base;
    uint64_t gap;

    if (status != TM_DC_OK) {
        return status;
    }
    if (available < length) {
        return tm_dc_fail(err, TM_DC_RESOURCES_EXHAUSTED,
                          "not enough free capacity in region %u: 0x%" PRIx64 " bytes "
                          "requested, 0x%" PRIx64 " free", region_index, length, available);
    }
    while (length > 0 &&
           tm_alloc_map_next_gap(dev->alloc_map, &pos, tm_dc_region_end(region), &gap)) {
        uint64_t take = MIN(gap, length);

        append_extent(out, region_index, pos, take);
        pos += take;
        length -= take;
    }
    return TM_DC_OK;
}

TmDcStatus tm_dcd_select_contiguous(const TmDcd *dev, unsigned region_index, uint64_t length,
                                    GArray *out, GError **err)
{
    const TmDcRegion *region = &dev->regions[region_index];
    TmDcStatus status = check_length(region, length, err);
    uint64_t pos = region->base;
    uint64_t gap;

    if (status != TM_DC_OK) {
        return status;
    }
    while (tm_alloc_map_next_gap(dev->alloc_map, &pos, tm_dc_region_end(region), &gap)) {
        if (gap >= length) {
            append_extent(out, region_index, pos, length);
            return TM_DC_OK;
        }
        pos += gap;
    }
    return tm_dc_fail(err, TM_DC_RESOURCES_EXHAUSTED,
                      "no contiguous free range of 0x%" PRIx64 " bytes in region %u", length,
                      region_index);
}

static gint compare_backend_offset(gconstpointer a, gconstpointer b)
{
    const TmBackedExtent *ea = a;
    const TmBackedExtent *eb = b;

    return ea->backend_offset < eb->backend_offset ? -1
                                                   : ea->backend_offset > eb->backend_offset;
}

TmDcStatus tm_dcd_select_shared(const TmDcd *dev, uint16_t host_id, unsigned region_index,
                                const TmGuid *tag_guid, GArray *out, GError **err)
{
    char tag_text[TM_GUID_STRING_LEN + 1];

    if (tm_guid_is_null(tag_guid)) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT, "enable-shared-access needs a tag");
    }
    tm_guid_format(tag_guid, tag_text);
    if (!dev->regions[region_index].sharable) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                          "region %u is not sharable (see dc-region-sharable)", region_index);
    }
    const TmDcTag *tag = tm_dcd_tag_lookup(dev, tag_guid);
    if (tag == NULL || !tm_dcd_tag_is_live(tag) || tag->region != region_index) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT, "tag %s has no capacity in region %u",
                          tag_text, region_index);
    }
    if (tm_host_set_contains(&tag->committed_hosts, host_id)) {
        return tm_dc_fail(err, TM_DC_INVALID_EXTENT_LIST,
                          "cannot add DPA already accessible to the same LD");
    }
    if (tm_host_set_contains(&tag->pending_hosts, host_id)) {
        return tm_dc_fail(err, TM_DC_INVALID_EXTENT_LIST,
                          "cannot add DPA again while still pending");
    }
    guint first = out->len;
    const TmAllocRange *range;
    for (TmRangePos pos = tm_alloc_map_first(dev->alloc_map);
         (range = tm_alloc_map_at(dev->alloc_map, pos)) != NULL;
         pos = tm_alloc_map_next(dev->alloc_map, pos)) {
        /* Ranges nobody holds and no reference retains are kept out of use after a failed
         * sanitize. */
        if (tm_guid_equal(&range->range.extent.tag, tag_guid) &&
            (range->retained || !tm_host_set_is_empty(&range->holders))) {
            g_array_append_val(out, range->range);
        }
    }
    /* Shared-sequence order, which is the order the extents tile the backend. */
    qsort(out->data + first * sizeof(TmBackedExtent), out->len - first,
          sizeof(TmBackedExtent), compare_backend_offset);
    return TM_DC_OK;
}
