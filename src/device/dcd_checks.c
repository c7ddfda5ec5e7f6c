/* Checks shared by the flows, with QEMU's texts where QEMU makes them. */
#include "device/dcd_internal.h"

#include <inttypes.h>

TmDcStatus tm_dcd_check_host(const TmDcd *dev, uint16_t host_id, GError **err)
{
    if (host_id >= dev->num_hosts) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                          "host-id %u is out of range: device '%s' has %" PRIu64 " hosts",
                          host_id, tm_dcd_id(dev), dev->num_hosts);
    }
    return TM_DC_OK;
}

TmDcStatus tm_dcd_check_region(const TmDcd *dev, unsigned region, GError **err)
{
    if (dev->num_dc_regions == 0) {
        return tm_dc_fail(err, TM_DC_UNSUPPORTED, "No dynamic capacity support from the device");
    }
    if (region >= dev->num_dc_regions) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT, "region id is too large");
    }
    return TM_DC_OK;
}

TmDcStatus tm_dcd_check_listed_range(const TmDcRegion *region, const TmExtent *extent,
                                     TmRangeSet *seen, GError **err)
{
    if (extent->length == 0) {
        return tm_dc_fail(err, TM_DC_INVALID_EXTENT_LIST, "extent with 0 length is not allowed");
    }
    if (extent->dpa < region->base) {
        return tm_dc_fail(err, TM_DC_INVALID_EXTENT_LIST,
                          "extent DPA 0x%" PRIx64 " is below the region base 0x%" PRIx64,
                          extent->dpa, region->base);
    }
    if (!tm_dc_region_aligned(region, extent->dpa, extent->length)) {
        return tm_dc_fail(err, TM_DC_INVALID_EXTENT_LIST,
                          "dpa or len is not aligned to region block size");
    }
    if (!tm_dc_region_contains(region, extent->dpa, extent->length)) {
        return tm_dc_fail(err, TM_DC_INVALID_EXTENT_LIST, "extent range is beyond the region end");
    }
    if (!tm_range_set_add(seen, extent->dpa, extent->length)) {
        return tm_dc_fail(err, TM_DC_INVALID_EXTENT_LIST,
                          "duplicate or overlapped extents are detected");
    }
    return TM_DC_OK;
}

TmDcStatus tm_dcd_check_log_room(TmDcd *dev, uint16_t host_id, guint n_records, GError **err)
{
    TmEventLog *log = tm_dcd_host(dev, host_id)->logs[TM_EVENT_LOG_DYNAMIC_CAPACITY];
    guint room = tm_event_log_free_slots(log);

    if (n_records > room) {
        return tm_dc_fail(err, TM_DC_RESOURCES_EXHAUSTED,
                          "the DC event log of host %u has room for %u records, the request "
                          "needs %u", host_id, room, n_records);
    }
    return TM_DC_OK;
}

TmDcStatus tm_dcd_check_host_extents(const TmDcd *dev, TmRangeSet *seen,
                                     const TmExtent *extents, guint n_extents, GError **err)
{
    for (guint i = 0; i < n_extents; i++) {
        const TmExtent *extent = &extents[i];

        if (extent->length == 0) {
            return tm_dc_fail(err, TM_DC_INVALID_EXTENT_LIST,
                              "extent 0x%" PRIx64 " has length 0", extent->dpa);
        }
        int r = tm_dc_region_find(dev->regions, dev->num_dc_regions, extent->dpa,
                                  extent->length);
        if (r < 0) {
            return tm_dc_fail(err, TM_DC_INVALID_PHYSICAL_ADDRESS,
                              "extent 0x%" PRIx64 "+0x%" PRIx64 " is not inside one DC region",
                              extent->dpa, extent->length);
        }
        if (!tm_dc_region_aligned(&dev->regions[r], extent->dpa, extent->length)) {
            return tm_dc_fail(err, TM_DC_INVALID_EXTENT_LIST,
                              "extent 0x%" PRIx64 "+0x%" PRIx64 " is not aligned to the block "
                              "size 0x%" PRIx64 " of region %d", extent->dpa, extent->length,
                              dev->regions[r].block_size, r);
        }
        if (!tm_range_set_add(seen, extent->dpa, extent->length)) {
            return tm_dc_fail(err, TM_DC_INVALID_EXTENT_LIST,
                              "extent 0x%" PRIx64 "+0x%" PRIx64 " overlaps another extent of "
                              "the list", extent->dpa, extent->length);
        }
    }
    return TM_DC_OK;
}
