/*
 * A Dynamic Capacity extent as the device model holds it (CXL r3.1
 * §8.2.9.2.1.6, Table 8-51, minus the wire encoding, which lives in cci/).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/guid.h"

typedef struct {
    uint64_t dpa;          /* starting device physical address */
    uint64_t length;       /* bytes */
    TmGuid tag;            /* all zero: untagged */
    uint16_t shared_seq;   /* shared extent sequence (sharable regions) */
} TmExtent;

static inline uint64_t tm_extent_end(const TmExtent *extent)
{
    return extent->dpa + extent->length;
}

static inline bool tm_ranges_overlap(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len)
{
    return a < b + b_len && b < a + a_len;
}

/* [dpa, dpa+len) lies entirely inside @outer. */
static inline bool tm_extent_contains(const TmExtent *outer, uint64_t dpa, uint64_t length)
{
    return dpa >= outer->dpa && dpa + length <= tm_extent_end(outer) && dpa + length >= dpa;
}
