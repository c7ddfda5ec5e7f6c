/*
 * Wire forms of a Dynamic Capacity extent and their codecs to and from the
 * device model's TmExtent.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "device/extent.h"

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

void tm_cxl_dc_extent_encode(const TmExtent *extent, TmCxlDcExtent *wire);
void tm_cxl_dc_extent_decode(const TmCxlDcExtent *wire, TmExtent *extent);

/* Only DPA and length travel; the decoded tag is null and the sequence 0. */
void tm_cxl_updated_extent_encode(const TmExtent *extent, TmCxlUpdatedExtent *wire);
void tm_cxl_updated_extent_decode(const TmCxlUpdatedExtent *wire, TmExtent *extent);

/*
 * Arrays of @count entries in a payload buffer (any alignment).  Decoders
 * trust @count: the caller has checked that the payload holds that many.
 */
void tm_cxl_dc_extents_encode(const TmExtent *extents, size_t count, uint8_t *out);
void tm_cxl_dc_extents_decode(const uint8_t *bytes, size_t count, TmExtent *extents);
void tm_cxl_updated_extents_encode(const TmExtent *extents, size_t count, uint8_t *out);
void tm_cxl_updated_extents_decode(const uint8_t *bytes, size_t count, TmExtent *extents);
