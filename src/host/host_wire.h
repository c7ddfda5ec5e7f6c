/*
 * The payloads a host sends and receives, as packed little-endian structs.
 *
 * libtagmem shares only pure wire headers with the daemon: cci_message.h
 * (framing), cxl_opcodes.h and cxl_return_codes.h.  The daemon's payload
 * headers (cxl_commands.h, cxl_dc_extent.h, cxl_event_record.h) include
 * the device model's types, so the host side declares the few payloads it
 * needs here, with the same layouts (the unit tests check them against the
 * daemon's codecs).  The vendor commands are tagmem's (docs/host-protocol.md).
 */
#pragma once

#include <stdint.h>

#include "cci/cci_message.h"
#include "cci/cxl_opcodes.h"
#include "cci/cxl_return_codes.h"

/* tagmem's vendor command set (docs/host-protocol.md). */
#define TM_HOST_OP_EVENT_NOTIFICATION 0xC000u
#define TM_HOST_OP_GET_EXTENT_MEMORY 0xC001u
#define TM_HOST_OP_READ_DPA 0xC002u
#define TM_HOST_OP_WRITE_DPA 0xC003u

/* CXL r3.1 §8.2.9.2: the Dynamic Capacity event log. */
#define TM_HOST_EVENT_LOG_DYNAMIC_CAPACITY 0x04

/* CXL r3.1 §8.2.9.1.1: Identify (0001h) output. */
typedef struct __attribute__((packed)) {
    uint16_t vendor_id;
    uint16_t device_id;
    uint16_t subsystem_vendor_id;
    uint16_t subsystem_id;
    uint64_t serial_number;
    uint8_t max_message_size;  /* 2^n bytes */
    uint8_t component_type;
} TmHostIdentifyResponse;
_Static_assert(sizeof(TmHostIdentifyResponse) == 18, "Identify output is 18 bytes");

/* CXL r3.1 §8.2.9.2.2, Table 8-53: Get Event Records (0100h) output header. */
#define TM_HOST_GET_EVENT_FLAG_OVERFLOW 0x01
#define TM_HOST_GET_EVENT_FLAG_MORE_RECORDS 0x02
typedef struct __attribute__((packed)) {
    uint8_t flags;
    uint8_t reserved1;
    uint16_t overflow_count;
    uint64_t first_overflow_timestamp;
    uint64_t last_overflow_timestamp;
    uint16_t record_count;
    uint8_t reserved2[10];
} TmHostGetEventRecordsResponse;
_Static_assert(sizeof(TmHostGetEventRecordsResponse) == 32,
               "Get Event Records output header is 32 bytes");

/* CXL r3.1 §8.2.9.2.3, Table 8-54: Clear Event Records (0101h) input header. */
typedef struct __attribute__((packed)) {
    uint8_t event_log;
    uint8_t flags;
    uint8_t handle_count;
    uint8_t reserved[3];
} TmHostClearEventRecordsRequest;
_Static_assert(sizeof(TmHostClearEventRecordsRequest) == 6,
               "Clear Event Records input header is 6 bytes");

/* CXL r3.1 §8.2.9.2.1.6, Table 8-51: Dynamic Capacity Extent. */
typedef struct __attribute__((packed)) {
    uint64_t start_dpa;
    uint64_t length;
    uint8_t tag[16];
    uint16_t shared_seq;
    uint8_t reserved[6];
} TmHostDcExtent;
_Static_assert(sizeof(TmHostDcExtent) == 40, "DC extent is 40 bytes");

/* CXL r3.1 §8.2.9.9.9.3: an Updated Extent List entry of 4802h/4803h. */
typedef struct __attribute__((packed)) {
    uint64_t start_dpa;
    uint64_t length;
    uint8_t reserved[8];
} TmHostUpdatedExtent;
_Static_assert(sizeof(TmHostUpdatedExtent) == 24, "updated extent entry is 24 bytes");

/* CXL r3.1 §8.2.9.2.1, r3.2 Table 8-55: common event record, DC form (Table 8-50). */
#define TM_HOST_EVENT_RECORD_SIZE 128
#define TM_HOST_DC_EVENT_FLAG_MORE 0x01
typedef struct __attribute__((packed)) {
    uint8_t record_uuid[16];
    uint8_t length;
    uint8_t flags[3];
    uint16_t handle;
    uint16_t related_handle;
    uint64_t timestamp;
    uint8_t maint_op_class;
    uint8_t maint_op_subclass;
    uint16_t ld_id;
    uint8_t head_id;
    uint8_t reserved0[11];
    uint8_t event_type;
    uint8_t validity_flags;
    uint16_t host_id;
    uint8_t updated_region;
    uint8_t dc_flags;
    uint8_t reserved1[2];
    TmHostDcExtent extent;
    uint8_t reserved2[24];
    uint32_t available_extents;
    uint32_t available_tags;
} TmHostDcEventRecord;
_Static_assert(sizeof(TmHostDcEventRecord) == TM_HOST_EVENT_RECORD_SIZE,
               "DC event record is 128 bytes");

/* CXL r3.1 §8.2.9.9.9.1: Get DC Configuration (4800h) input and output. */
typedef struct __attribute__((packed)) {
    uint8_t region_count;
    uint8_t start_region;
} TmHostGetDcConfigRequest;
_Static_assert(sizeof(TmHostGetDcConfigRequest) == 2, "Get DC Config input is 2 bytes");

typedef struct __attribute__((packed)) {
    uint8_t available_regions;
    uint8_t regions_returned;
    uint8_t reserved[6];
} TmHostGetDcConfigResponse;
_Static_assert(sizeof(TmHostGetDcConfigResponse) == 8, "Get DC Config output header is 8 bytes");

#define TM_HOST_DC_REGION_FLAG_SANITIZE_ON_RELEASE 0x01
typedef struct __attribute__((packed)) {
    uint64_t base;
    uint64_t decode_length;    /* 256 MiB units */
    uint64_t length;
    uint64_t block_size;
    uint32_t dsmad_handle;
    uint8_t flags;
    uint8_t reserved[3];
} TmHostDcRegionConfig;
_Static_assert(sizeof(TmHostDcRegionConfig) == 40, "DC region configuration is 40 bytes");

/* CXL r3.1 §8.2.9.9.9.2: Get DC Extent List (4801h) input and output header. */
typedef struct __attribute__((packed)) {
    uint32_t extent_count;
    uint32_t start_index;
} TmHostGetDcExtentListRequest;
_Static_assert(sizeof(TmHostGetDcExtentListRequest) == 8, "Get DC Extent List input is 8 bytes");

typedef struct __attribute__((packed)) {
    uint32_t returned_count;
    uint32_t total_count;
    uint32_t generation;
    uint8_t reserved[4];
} TmHostGetDcExtentListResponse;
_Static_assert(sizeof(TmHostGetDcExtentListResponse) == 16,
               "Get DC Extent List output header is 16 bytes");

/* CXL r3.1 §8.2.9.9.9.3/4: Add DC Response (4802h) and Release DC (4803h) input header. */
#define TM_HOST_DC_RESPONSE_FLAG_MORE 0x01
typedef struct __attribute__((packed)) {
    uint32_t extent_count;
    uint8_t flags;
    uint8_t reserved[3];
} TmHostUpdatedExtentListHeader;
_Static_assert(sizeof(TmHostUpdatedExtentListHeader) == 8,
               "updated extent list header is 8 bytes");

/* C000h Event Notification payload (device → host, unsolicited). */
typedef struct __attribute__((packed)) {
    uint8_t log_bitmap;        /* bit n: log n gained records */
    uint8_t reserved[3];
    uint32_t dc_record_count;  /* records now in the DC log */
} TmHostEventNotification;
_Static_assert(sizeof(TmHostEventNotification) == 8, "Event Notification payload is 8 bytes");

/* C001h Get Extent Memory input and output (one fd with the output on Success). */
typedef struct __attribute__((packed)) {
    uint64_t dpa;
    uint64_t length;
} TmHostGetExtentMemoryRequest;
_Static_assert(sizeof(TmHostGetExtentMemoryRequest) == 16, "Get Extent Memory input is 16 bytes");

#define TM_HOST_EXTENT_MEMORY_WRITABLE 0x01
#define TM_HOST_EXTENT_MEMORY_TAGGED 0x02
#define TM_HOST_EXTENT_MEMORY_SHARED 0x04
typedef struct __attribute__((packed)) {
    uint64_t file_offset;
    uint64_t length;
    uint32_t flags;
    uint32_t reserved;
} TmHostGetExtentMemoryResponse;
_Static_assert(sizeof(TmHostGetExtentMemoryResponse) == 24,
               "Get Extent Memory output is 24 bytes");

/* C002h Read DPA input; C003h Write DPA input header (the bytes follow). */
typedef struct __attribute__((packed)) {
    uint64_t dpa;
    uint32_t length;
    uint32_t reserved;
} TmHostDpaAccessRequest;
_Static_assert(sizeof(TmHostDpaAccessRequest) == 16, "Read/Write DPA input header is 16 bytes");
