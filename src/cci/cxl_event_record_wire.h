/*
 * Event records as Get Event Records (0100h) returns them: the 128-byte
 * common event record (CXL r3.2 §8.2.10.2.1, Table 8-55; r3.1 §8.2.9.2.1)
 * and its Dynamic Capacity form (r3.1 §8.2.9.2.1.6, Table 8-50).  Pure
 * layouts, shared by the daemon and libtagmem; the codec from the device
 * model's TmEventRecord is in cxl_event_record.h.
 */
#pragma once

#include <stdint.h>

#include "cci/cxl_dc_extent_wire.h"

#define TM_CXL_EVENT_RECORD_SIZE 128
#define TM_CXL_EVENT_RECORD_DATA_SIZE 80

/*
 * Event Record Flags (3 bytes).  Bits 1:0 are the severity; bits 2..8
 * (Permanent Condition, Maintenance Needed, Performance Degraded, Hardware
 * Replacement Needed, Maintenance Operation Subclass valid, LD-ID valid,
 * Head ID valid) do not apply to DC records and stay 0.  CXL r3.1
 * §8.2.9.2.1.6: every DC event record has severity Informational.
 */
#define TM_CXL_EVENT_FLAGS_SEVERITY_MASK 0x000003u
#define TM_CXL_EVENT_SEVERITY_INFORMATIONAL 0x0
#define TM_CXL_EVENT_SEVERITY_WARNING 0x1
#define TM_CXL_EVENT_SEVERITY_FAILURE 0x2
#define TM_CXL_EVENT_SEVERITY_FATAL 0x3

/* Common event record header, offsets 00h-2Fh. */
typedef struct __attribute__((packed)) {
    uint8_t record_uuid[16];   /* identifies the record-specific format */
    uint8_t length;            /* 128 */
    uint8_t flags[3];          /* little-endian 24-bit */
    uint16_t handle;
    uint16_t related_handle;
    uint64_t timestamp;        /* ns */
    uint8_t maint_op_class;
    uint8_t maint_op_subclass;
    uint16_t ld_id;            /* r3.2 */
    uint8_t head_id;           /* r3.2 */
    uint8_t reserved[11];
} TmCxlEventRecordHeader;
_Static_assert(sizeof(TmCxlEventRecordHeader) == 48, "common event record header is 48 bytes");

/* Any event record: header plus 80 bytes of record-specific data. */
typedef struct __attribute__((packed)) {
    TmCxlEventRecordHeader header;
    uint8_t data[TM_CXL_EVENT_RECORD_DATA_SIZE];
} TmCxlEventRecord;
_Static_assert(sizeof(TmCxlEventRecord) == TM_CXL_EVENT_RECORD_SIZE, "event record is 128 bytes");

/* Validity Flags bit 0: Number of Available Tags is valid (r3.2). */
#define TM_CXL_DC_EVENT_VALID_AVAILABLE_TAGS 0x01
/* Flags bit 0: More -- another record of the same request follows. */
#define TM_CXL_DC_EVENT_FLAG_MORE 0x01

/* CXL r3.1 §8.2.9.2.1.6, Table 8-50: Dynamic Capacity Event Record. */
typedef struct __attribute__((packed)) {
    TmCxlEventRecordHeader header;
    uint8_t event_type;        /* TmDcEventType */
    uint8_t validity_flags;
    uint16_t host_id;
    uint8_t updated_region;
    uint8_t flags;
    uint8_t reserved1[2];
    TmCxlDcExtent extent;
    uint8_t reserved2[24];
    uint32_t available_extents; /* r3.2 */
    uint32_t available_tags;    /* r3.2 */
} TmCxlDcEventRecord;
_Static_assert(sizeof(TmCxlDcEventRecord) == TM_CXL_EVENT_RECORD_SIZE,
               "DC event record is 128 bytes");
