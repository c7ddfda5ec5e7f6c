/*
 * Reconfiguring a region (FM-API Set DC Region Configuration, CXL r3.2
 * §7.6.7.6.3): its block size and whether released capacity is zeroed.
 * Only an idle region changes -- nothing offered, accepted or kept out of
 * use in it, no tagged allocation living there -- because every extent,
 * bitmap and memory object of a region is counted in its blocks.  Every
 * host is told with a Region Configuration Updated record and re-reads the
 * region (4800h).
 */
#include "device/dcd_internal.h"

#include <inttypes.h>

static bool is_power_of_two(uint64_t value)
{
    return value != 0 && (value & (value - 1)) == 0;
}

uint64_t tm_dcd_supported_block_sizes(const TmDcd *dev, unsigned region)
{
    (void)dev;
    (void)region;
    /* Every power of two from a page to 256 MiB (the region length's granule) divides it. */
    return (TM_DC_CAPACITY_MULTIPLIER << 1) - TM_DC_MIN_BLOCK_SIZE;
}

/* Something lives in @region: an allocated range or a tag's allocation. */
static bool region_in_use(const TmDcd *dev, unsigned r)
{
    const TmDcRegion *region = &dev->regions[r];

    if (tm_alloc_map_overlaps(dev->alloc_map, region->base, region->len)) {
        return true;
    }
    for (guint i = 0; i < dev->tags->len; i++) {
        const TmDcTag *tag = g_ptr_array_index(dev->tags, i);

        if (tag->region == r && tag->backend != NULL) {
            return true;
        }
    }
    return false;
}

static TmDcStatus check_region_config(TmDcd *dev, unsigned r, uint64_t block_size,
                                      GError **err)
{
    TmDcStatus status = tm_dcd_check_region(dev, r, err);

    if (status != TM_DC_OK) {
        return status;
    }
    if (!is_power_of_two(block_size) ||
        (block_size & tm_dcd_supported_block_sizes(dev, r)) == 0) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                          "block size 0x%" PRIx64 " is not a power of two from 0x%" PRIx64
                          " to 0x%" PRIx64, block_size, TM_DC_MIN_BLOCK_SIZE,
                          TM_DC_CAPACITY_MULTIPLIER);
    }
    if (region_in_use(dev, r)) {
        return tm_dc_fail(err, TM_DC_UNSUPPORTED,
                          "region %u holds or is offering capacity: it can be reconfigured only "
                          "when nothing is pending, accepted or allocated in it", r);
    }
    for (uint16_t h = 0; h < dev->num_hosts; h++) {
        status = tm_dcd_check_log_room(dev, h, 1, err);
        if (status != TM_DC_OK) {
            return status;
        }
    }
    return TM_DC_OK;
}

static void log_region_updated(TmDcd *dev, uint16_t host_id, unsigned r)
{
    TmBackedExtent marker = { .region = (uint8_t)r };

    /* The record carries the region; its extent is unused (all zero). */
    tm_dcd_log_events(dev, host_id, TM_DC_EVENT_REGION_CONFIGURATION_UPDATED, &marker, 1);
}

TmDcStatus tm_dcd_set_region_config(TmDcd *dev, unsigned r, uint64_t block_size,
                                    bool sanitize_on_release, GError **err)
{
    TmDcStatus status = check_region_config(dev, r, block_size, err);

    if (status != TM_DC_OK) {
        return status;
    }
    TmDcRegion *region = &dev->regions[r];
    region->block_size = block_size;
    region->sanitize_on_release = sanitize_on_release;
    for (uint16_t h = 0; h < dev->num_hosts; h++) {
        TmDcHost *host = tm_dcd_host(dev, h);

        /* Empty (the region is idle), and sized in the old blocks: made anew on next accept. */
        g_clear_pointer(&host->backed[r], tm_block_bitmap_free);
        log_region_updated(dev, h, r);
    }
    return TM_DC_OK;
}
