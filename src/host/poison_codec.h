/*
 * Get Poison List (4300h) output as the host decodes it (CXL r3.1
 * §8.2.9.9.4.1): the media error records' ranges and the More flag.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

typedef struct {
    uint64_t dpa;       /* the record's address without its source bits */
    uint64_t length;    /* bytes */
} TmHostPoisonRange;

/*
 * Append the records of one output to @ranges (TmHostPoisonRange); *more:
 * the device has more for the same request.  False, with nothing appended,
 * when the length does not match the record count.
 */
bool tm_host_poison_list_decode(const uint8_t *payload, size_t len, GArray *ranges, bool *more,
                                GError **err);
