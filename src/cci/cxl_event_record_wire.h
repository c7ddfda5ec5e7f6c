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

/* General Media and DRAM Validity Flags (CXL r3.1 Tables 8-45, 8-46). */
#define TM_CXL_MEDIA_VALID_CHANNEL 0x0001
#define TM_CXL_MEDIA_VALID_RANK 0x0002
#define TM_CXL_GM_VALID_DEVICE 0x0004
#define TM_CXL_GM_VALID_COMPONENT_ID 0x0008
#define TM_CXL_DRAM_VALID_NIBBLE_MASK 0x0004
#define TM_CXL_DRAM_VALID_BANK_GROUP 0x0008
#define TM_CXL_DRAM_VALID_BANK 0x0010
#define TM_CXL_DRAM_VALID_ROW 0x0020
#define TM_CXL_DRAM_VALID_COLUMN 0x0040
#define TM_CXL_DRAM_VALID_CORRECTION_MASK 0x0080

/*
 * CXL r3.1 §8.2.9.2.1.1: General Media Event Record (record UUID
 * fbcd0a77-c260-417f-85a9-088b1621eba6).  The fields r3.1 adds after the
 * Component Identifier are left reserved (0), as QEMU does.
 */
typedef struct __attribute__((packed)) {
    TmCxlEventRecordHeader header;
    uint64_t physical_address;  /* DPA in 63:6, flags in 2:0 */
    uint8_t descriptor;
    uint8_t type;
    uint8_t transaction_type;
    uint16_t validity_flags;
    uint8_t channel;
    uint8_t rank;
    uint8_t device[3];
    uint8_t component_id[16];
    uint8_t reserved[46];
} TmCxlGeneralMediaEventRecord;
_Static_assert(sizeof(TmCxlGeneralMediaEventRecord) == TM_CXL_EVENT_RECORD_SIZE,
               "General Media event record is 128 bytes");

/* CXL r3.1 §8.2.9.2.1.2: DRAM Event Record (601dcbb3-9c06-4eab-b8af-4e9bfb5c9624). */
typedef struct __attribute__((packed)) {
    TmCxlEventRecordHeader header;
    uint64_t physical_address;
    uint8_t descriptor;
    uint8_t type;
    uint8_t transaction_type;
    uint16_t validity_flags;
    uint8_t channel;
    uint8_t rank;
    uint8_t nibble_mask[3];
    uint8_t bank_group;
    uint8_t bank;
    uint8_t row[3];
    uint16_t column;
    uint64_t correction_mask[4];
    uint8_t reserved[23];
} TmCxlDramEventRecord;
_Static_assert(sizeof(TmCxlDramEventRecord) == TM_CXL_EVENT_RECORD_SIZE,
               "DRAM event record is 128 bytes");

/*
 * CXL r3.1 §8.2.9.2.1.3: Memory Module Event Record
 * (fe927475-dd59-4339-a586-79bab113b774): the event type and the Get
 * Health Info output (4200h) at the event.
 */
typedef struct __attribute__((packed)) {
    TmCxlEventRecordHeader header;
    uint8_t event_type;
    uint8_t health_status;
    uint8_t media_status;
    uint8_t additional_status;
    uint8_t life_used;
    int16_t temperature;
    uint32_t dirty_shutdown_count;
    uint32_t corrected_volatile_errors;
    uint32_t corrected_persistent_errors;
    uint8_t reserved[61];
} TmCxlMemoryModuleEventRecord;
_Static_assert(sizeof(TmCxlMemoryModuleEventRecord) == TM_CXL_EVENT_RECORD_SIZE,
               "Memory Module event record is 128 bytes");
