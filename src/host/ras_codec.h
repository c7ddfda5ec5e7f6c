/*
 * Decoding the device's own event records (CXL r3.1 §8.2.9.2.1.1-3:
 * General Media, DRAM, Memory Module) from a Get Event Records (0100h)
 * output of the informational, warning, failure or fatal log.  Lengths
 * are checked first; a record of a kind the library does not know is kept
 * as TAGMEM_DEVICE_EVENT_OTHER with its raw bytes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "tagmem/tagmem.h"

typedef struct {
    bool overflow;
    uint16_t overflow_count;
    GArray *events;    /* of TagmemDeviceEvent (tag fields unset); owned */
    GArray *handles;   /* of uint16_t, one per event; owned */
} TmHostDeviceBatch;

bool tm_host_device_batch_decode(const uint8_t *payload, size_t payload_len, TagmemDeviceLog log,
                                 TmHostDeviceBatch *out, GError **err);
void tm_host_device_batch_clear(TmHostDeviceBatch *batch);
