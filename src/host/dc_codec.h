/*
 * Decoding what the daemon returns about Dynamic Capacity: extents (CXL
 * r3.1 Table 8-51), the DC event records of Get Event Records (0100h), the
 * region configurations of Get DC Configuration (4800h) and the extent list
 * of Get DC Extent List (4801h).  Every decoder checks lengths first.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "host/host_wire.h"
#include "tagmem/tagmem.h"

/* Dynamic Capacity event types (CXL r3.1 Table 8-50). */
typedef enum {
    TM_HOST_DC_ADD_CAPACITY = 0x00,
    TM_HOST_DC_RELEASE_CAPACITY = 0x01,
    TM_HOST_DC_FORCED_CAPACITY_RELEASE = 0x02,
    TM_HOST_DC_REGION_CONFIGURATION_UPDATED = 0x03,
    TM_HOST_DC_ADD_CAPACITY_RESPONSE = 0x04,
    TM_HOST_DC_CAPACITY_RELEASED = 0x05,
} TmHostDcEventType;

/* One record of the DC event log, decoded. */
typedef struct {
    uint16_t handle;
    bool is_dc;            /* the record UUID is the DC event record's */
    uint8_t event_type;    /* TmHostDcEventType when is_dc */
    bool more;             /* another record of the same request follows */
    uint8_t region;        /* updated region ID */
    TagmemExtent extent;
} TmHostDcRecord;

/* A Get Event Records (0100h) output, decoded. */
typedef struct {
    bool overflow;
    bool more_records;
    uint16_t overflow_count;
    GArray *records;       /* of TmHostDcRecord; owned */
} TmHostEventBatch;

void tm_host_dc_extent_decode(const TmCxlDcExtent *wire, TagmemExtent *out);

/*
 * The fixed part of a Get Event Records output (CXL r3.1 §8.2.9.2.2), any
 * log: *@count records of 128 bytes follow it, exactly filling @payload.
 */
bool tm_host_event_records_header(const uint8_t *payload, size_t payload_len,
                                  TmCxlGetEventRecordsResponse *header, size_t *count,
                                  GError **err);

bool tm_host_event_batch_decode(const uint8_t *payload, size_t payload_len,
                                TmHostEventBatch *out, GError **err);
void tm_host_event_batch_clear(TmHostEventBatch *batch);

/*
 * A Get DC Configuration (4800h) output: appends the returned regions to
 * @regions (of TagmemRegion) and sets *available to the device's count.
 */
bool tm_host_dc_config_decode(const uint8_t *payload, size_t payload_len, GArray *regions,
                              unsigned *available, GError **err);

/*
 * A Get DC Extent List (4801h) output: appends the returned extents to
 * @extents (of TagmemExtent) and sets *total to the host's count.
 */
bool tm_host_extent_list_decode(const uint8_t *payload, size_t payload_len, GArray *extents,
                                uint32_t *total, GError **err);
