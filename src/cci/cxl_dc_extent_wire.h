/*
 * Wire forms of a Dynamic Capacity extent: pure layouts, shared by the
 * daemon and libtagmem (no device-model types; the codecs to TmExtent are
 * in cxl_dc_extent.h).
 */
#pragma once

#include <stdint.h>

/* CXL r3.1 §8.2.9.2.1.6, Table 8-51: Dynamic Capacity Extent. */
typedef struct __attribute__((packed)) {
    uint64_t start_dpa;
    uint64_t length;
    uint8_t tag[16];           /* TmGuid byte order; all zero = untagged */
    uint16_t shared_seq;       /* shared extent sequence */
    uint8_t reserved[6];
} TmCxlDcExtent;
_Static_assert(sizeof(TmCxlDcExtent) == 40, "DC extent is 40 bytes");

/*
 * CXL r3.1 §8.2.9.9.9.3 and §8.2.9.9.9.4: one entry of the Updated
 * Extent List of Add Dynamic Capacity Response (4802h) and Release Dynamic
 * Capacity (4803h).
 */
typedef struct __attribute__((packed)) {
    uint64_t start_dpa;
    uint64_t length;
    uint8_t reserved[8];
} TmCxlUpdatedExtent;
_Static_assert(sizeof(TmCxlUpdatedExtent) == 24, "updated extent list entry is 24 bytes");
