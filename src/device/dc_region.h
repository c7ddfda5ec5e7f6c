/*
 * Dynamic Capacity regions of a device and how they are carved out of its
 * DC capacity (docs/qemu-compat.md, following QEMU's cxl_create_dc_regions):
 * the regions follow the static capacity, have equal lengths that are
 * multiples of 256 MiB, and sit back to back.  Decode length = length.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#define TM_DC_MAX_REGIONS 8
/* CXL capacity granularity (QEMU's CXL_CAPACITY_MULTIPLIER). */
#define TM_DC_CAPACITY_MULTIPLIER (UINT64_C(256) << 20)
#define TM_DC_DEFAULT_BLOCK_SIZE (UINT64_C(2) << 20)
/* Smallest block: a page, so that every extent can be mapped by a host. */
#define TM_DC_MIN_BLOCK_SIZE (UINT64_C(4) << 10)

typedef struct {
    uint64_t base;
    uint64_t decode_len;
    uint64_t len;
    uint64_t block_size;
    uint32_t dsmad_handle;     /* CDAT DSMAS handle */
    bool sanitize_on_release;  /* region config flag bit 0 (CXL r3.1 Table 8-165) */
    bool sharable;             /* capacity may be shared between hosts */
} TmDcRegion;

/*
 * Carve @n_regions regions (1..TM_DC_MAX_REGIONS) of @dc_size bytes in
 * total, after @static_size bytes of static capacity, with @block_size
 * (a power of two).  tagmem devices have no static capacity yet and pass
 * 0; the base rule is kept so the layout stays QEMU's when they do.
 * Errors use QEMU's messages.
 */
bool tm_dc_regions_carve(uint64_t static_size, uint64_t dc_size, unsigned n_regions,
                         uint64_t block_size, TmDcRegion *out, GError **err);

/* Index of the region holding all of [dpa, dpa + length), or -1. */
int tm_dc_region_find(const TmDcRegion *regions, unsigned n_regions, uint64_t dpa,
                      uint64_t length);

static inline uint64_t tm_dc_region_end(const TmDcRegion *region)
{
    return region->base + region->len;
}

/* [dpa, dpa + length) lies inside @region (overflow-safe). */
static inline bool tm_dc_region_contains(const TmDcRegion *region, uint64_t dpa,
                                         uint64_t length)
{
    return dpa >= region->base && length <= region->len &&
           dpa - region->base <= region->len - length;
}

/* DPA and length are multiples of the region's block size, from its base. */
static inline bool tm_dc_region_aligned(const TmDcRegion *region, uint64_t dpa,
                                        uint64_t length)
{
    return (dpa - region->base) % region->block_size == 0 &&
           length % region->block_size == 0;
}
