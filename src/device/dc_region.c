#include "device/dc_region.h"

#include <inttypes.h>

#include "core/error.h"

bool tm_dc_regions_carve(uint64_t static_size, uint64_t dc_size, unsigned n_regions,
                         uint64_t block_size, TmDcRegion *out, GError **err)
{
    g_assert(n_regions >= 1 && n_regions <= TM_DC_MAX_REGIONS);

    uint64_t region_len = (dc_size + n_regions - 1) / n_regions;

    /*
     * The order of checks and their texts are QEMU's (hw/mem/cxl_type3.c).
     * QEMU's "DC region size is unaligned" check follows the first one but
     * cannot fail after it, so it is not repeated here.
     */
    if (dc_size % (n_regions * TM_DC_CAPACITY_MULTIPLIER) != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "backend size is not multiple of region len: 0x%" PRIx64, region_len);
        return false;
    }
    if (static_size % TM_DC_CAPACITY_MULTIPLIER != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "DC region base not aligned to 0x%" PRIx64, TM_DC_CAPACITY_MULTIPLIER);
        return false;
    }
    if (region_len % block_size != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "dc-block-size 0x%" PRIx64 " does not divide the DC region length 0x%"
                    PRIx64, block_size, region_len);
        return false;
    }

    for (unsigned i = 0; i < n_regions; i++) {
        out[i] = (TmDcRegion) {
            .base = static_size + i * region_len,
            .decode_len = region_len,
            .len = region_len,
            .block_size = block_size,
            .dsmad_handle = i,
        };
    }
    return true;
}

int tm_dc_region_find(const TmDcRegion *regions, unsigned n_regions, uint64_t dpa,
                      uint64_t length)
{
    for (unsigned i = 0; i < n_regions; i++) {
        if (tm_dc_region_contains(&regions[i], dpa, length)) {
            return (int)i;
        }
    }
    return -1;
}
