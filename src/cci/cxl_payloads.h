/*
 * Payloads of the CCI commands tagmem implements, one packed struct per
 * command payload, named after the command.  A payload that ends in a list
 * is described by its fixed part; the list entries follow it directly.
 * All fields little-endian: convert with le16toh()/htole64() and friends.
 * Pure layouts, shared by the daemon and libtagmem: the codecs of the
 * extent and record lists are in cxl_dc_extent.h and cxl_event_record.h.
 */
#pragma once

#include <stdint.h>

#include "cci/cxl_dc_extent_wire.h"
#include "cci/cxl_event_record_wire.h"

/* ---- Generic commands ------------------------------------------------- */

/* CXL r3.1 §8.2.9.1.1: Identify (0001h) output. */
#define TM_CXL_COMPONENT_TYPE_TYPE3 0x03
typedef struct __attribute__((packed)) {
    uint16_t vendor_id;
    uint16_t device_id;
    uint16_t subsystem_vendor_id;
    uint16_t subsystem_id;
    uint64_t serial_number;
    uint8_t max_message_size;  /* 2^n bytes */
    uint8_t component_type;
} TmCxlIdentifyResponse;
_Static_assert(sizeof(TmCxlIdentifyResponse) == 18, "Identify output is 18 bytes");

/* CXL r3.1 §8.2.9.1.2: Background Operation Status (0002h) output. */
typedef struct __attribute__((packed)) {
    uint8_t status;            /* bit 0: running; bits 7:1 percent complete */
    uint8_t reserved;
    uint16_t opcode;           /* of the last background command */
    uint16_t return_code;
    uint16_t vendor_status;
} TmCxlBackgroundOperationStatusResponse;
_Static_assert(sizeof(TmCxlBackgroundOperationStatusResponse) == 8,
               "Background Operation Status output is 8 bytes");

/*
 * CXL r3.1 §8.2.9.1.3, §8.2.9.1.4: Get Response Message Limit output, Set
 * Response Message Limit input and output: the limit is 2^n bytes, n 8..20.
 */
typedef struct __attribute__((packed)) {
    uint8_t limit_log2;
} TmCxlResponseMessageLimit;
_Static_assert(sizeof(TmCxlResponseMessageLimit) == 1, "a response message limit is 1 byte");

/*
 * CXL r3.1 §8.2.9.2.4, §8.2.9.2.5: Get Event Interrupt Policy output, Set
 * Event Interrupt Policy input (the DC byte may be left out).
 */
typedef struct __attribute__((packed)) {
    uint8_t informational;
    uint8_t warning;
    uint8_t failure;
    uint8_t fatal;
    uint8_t dynamic_capacity;
} TmCxlEventInterruptPolicy;
_Static_assert(sizeof(TmCxlEventInterruptPolicy) == 5, "Event Interrupt Policy is 5 bytes");

/* CXL r3.1 §8.2.9.4.1, §8.2.9.4.2: Get Timestamp output, Set Timestamp input. */
typedef struct __attribute__((packed)) {
    uint64_t timestamp_ns;     /* since 1970-01-01 00:00 UTC */
} TmCxlTimestamp;
_Static_assert(sizeof(TmCxlTimestamp) == 8, "a timestamp is 8 bytes");

/* CXL r3.1 §8.2.9.5.2.1: the Command Effects Log's identifier. */
#define TM_CXL_CEL_UUID "0da9c0b5-bf41-4b78-8f79-96b1623b3f17"

/* CXL r3.1 §8.2.9.5.1: Get Supported Logs (0400h) output, followed by entries. */
typedef struct __attribute__((packed)) {
    uint16_t entry_count;
    uint8_t reserved[6];
} TmCxlGetSupportedLogsResponse;
_Static_assert(sizeof(TmCxlGetSupportedLogsResponse) == 8,
               "Get Supported Logs output header is 8 bytes");

typedef struct __attribute__((packed)) {
    uint8_t log_id[16];
    uint32_t log_size;         /* bytes */
} TmCxlSupportedLogEntry;
_Static_assert(sizeof(TmCxlSupportedLogEntry) == 20, "a supported log entry is 20 bytes");

/* CXL r3.1 §8.2.9.5.2: Get Log (0401h) input; the output is the log's bytes. */
typedef struct __attribute__((packed)) {
    uint8_t log_id[16];
    uint32_t offset;
    uint32_t length;
} TmCxlGetLogRequest;
_Static_assert(sizeof(TmCxlGetLogRequest) == 24, "Get Log input is 24 bytes");

/* CXL r3.1 §8.2.9.5.2.1: one Command Effects Log entry. */
typedef struct __attribute__((packed)) {
    uint16_t opcode;
    uint16_t effects;          /* TM_CXL_EFFECT_* bits */
} TmCxlCelEntry;
_Static_assert(sizeof(TmCxlCelEntry) == 4, "a Command Effects Log entry is 4 bytes");

/* Command Effect bits of a CEL entry (CXL r3.1 §8.2.9.5.2.1). */
#define TM_CXL_EFFECT_IMMEDIATE_CONFIG_CHANGE (1u << 1)
#define TM_CXL_EFFECT_IMMEDIATE_DATA_CHANGE (1u << 2)
#define TM_CXL_EFFECT_IMMEDIATE_POLICY_CHANGE (1u << 3)
#define TM_CXL_EFFECT_IMMEDIATE_LOG_CHANGE (1u << 4)
#define TM_CXL_EFFECT_SECURITY_STATE_CHANGE (1u << 5)
#define TM_CXL_EFFECT_BACKGROUND_OPERATION (1u << 6)

/* CXL r3.1 §8.2.9.2.2, Table 8-52: Get Event Records (0100h) input. */
typedef struct __attribute__((packed)) {
    uint8_t event_log;         /* TmEventLogType */
} TmCxlGetEventRecordsRequest;
_Static_assert(sizeof(TmCxlGetEventRecordsRequest) == 1, "Get Event Records input is 1 byte");

/*
 * CXL r3.1 §8.2.9.2.2, Table 8-53: Get Event Records (0100h) output,
 * followed by record_count 128-byte records.
 */
#define TM_CXL_GET_EVENT_FLAG_OVERFLOW 0x01
#define TM_CXL_GET_EVENT_FLAG_MORE_RECORDS 0x02
typedef struct __attribute__((packed)) {
    uint8_t flags;
    uint8_t reserved1;
    uint16_t overflow_count;
    uint64_t first_overflow_timestamp;
    uint64_t last_overflow_timestamp;
    uint16_t record_count;
    uint8_t reserved2[10];
} TmCxlGetEventRecordsResponse;
_Static_assert(sizeof(TmCxlGetEventRecordsResponse) == 32,
               "Get Event Records output header is 32 bytes");

/*
 * CXL r3.1 §8.2.9.2.3, Table 8-54: Clear Event Records (0101h) input,
 * followed by handle_count 2-byte handles.
 */
#define TM_CXL_CLEAR_EVENT_FLAG_CLEAR_ALL 0x01
typedef struct __attribute__((packed)) {
    uint8_t event_log;         /* TmEventLogType */
    uint8_t flags;
    uint8_t handle_count;
    uint8_t reserved[3];
} TmCxlClearEventRecordsRequest;
_Static_assert(sizeof(TmCxlClearEventRecordsRequest) == 6,
               "Clear Event Records input header is 6 bytes");

/* ---- Memory device commands ------------------------------------------- */

/*
 * CXL r3.1 §8.2.9.9.1.1: Identify Memory Device (4000h) output.
 * Capacities are in multiples of 256 MiB.
 */
typedef struct __attribute__((packed)) {
    char fw_revision[16];
    uint64_t total_capacity;
    uint64_t volatile_only_capacity;
    uint64_t persistent_only_capacity;
    uint64_t partition_alignment;
    uint16_t info_event_log_size;
    uint16_t warning_event_log_size;
    uint16_t failure_event_log_size;
    uint16_t fatal_event_log_size;
    uint32_t lsa_size;
    uint8_t poison_list_max_records[3];
    uint16_t inject_poison_limit;
    uint8_t poison_caps;
    uint8_t qos_telemetry_caps;
    uint16_t dc_event_log_size;
} TmCxlIdentifyMemoryDeviceResponse;
_Static_assert(sizeof(TmCxlIdentifyMemoryDeviceResponse) == 69,
               "Identify Memory Device output is 69 bytes");

/* CXL r3.1 §8.2.9.9.9.1: Get Dynamic Capacity Configuration (4800h) input. */
typedef struct __attribute__((packed)) {
    uint8_t region_count;
    uint8_t start_region;
} TmCxlGetDcConfigRequest;
_Static_assert(sizeof(TmCxlGetDcConfigRequest) == 2, "Get DC Config input is 2 bytes");

/*
 * CXL r3.1 §8.2.9.9.9.1: Get Dynamic Capacity Configuration (4800h)
 * output: this header, regions_returned TmCxlDcRegionConfig, then one
 * TmCxlDcResourceCounts.
 */
typedef struct __attribute__((packed)) {
    uint8_t available_regions;
    uint8_t regions_returned;
    uint8_t reserved[6];
} TmCxlGetDcConfigResponse;
_Static_assert(sizeof(TmCxlGetDcConfigResponse) == 8, "Get DC Config output header is 8 bytes");

/* DC Region Configuration flags bit 0: Sanitize on Release. */
#define TM_CXL_DC_REGION_FLAG_SANITIZE_ON_RELEASE 0x01

/* One region in the 4800h output (base and lengths in bytes; decode length in 256 MiB units). */
typedef struct __attribute__((packed)) {
    uint64_t base;
    uint64_t decode_length;    /* multiples of 256 MiB */
    uint64_t length;
    uint64_t block_size;
    uint32_t dsmad_handle;
    uint8_t flags;
    uint8_t reserved[3];
} TmCxlDcRegionConfig;
_Static_assert(sizeof(TmCxlDcRegionConfig) == 40, "DC region configuration is 40 bytes");

/* The extent and tag counts that end the 4800h and 5601h outputs. */
typedef struct __attribute__((packed)) {
    uint32_t supported_extents;
    uint32_t available_extents;
    uint32_t supported_tags;
    uint32_t available_tags;
} TmCxlDcResourceCounts;
_Static_assert(sizeof(TmCxlDcResourceCounts) == 16, "DC extent/tag counts are 16 bytes");

/* CXL r3.1 §8.2.9.9.9.2: Get Dynamic Capacity Extent List (4801h) input. */
typedef struct __attribute__((packed)) {
    uint32_t extent_count;
    uint32_t start_index;
} TmCxlGetDcExtentListRequest;
_Static_assert(sizeof(TmCxlGetDcExtentListRequest) == 8, "Get DC Extent List input is 8 bytes");

/* 4801h output, followed by returned_count TmCxlDcExtent. */
typedef struct __attribute__((packed)) {
    uint32_t returned_count;
    uint32_t total_count;
    uint32_t generation;
    uint8_t reserved[4];
} TmCxlGetDcExtentListResponse;
_Static_assert(sizeof(TmCxlGetDcExtentListResponse) == 16,
               "Get DC Extent List output header is 16 bytes");

/*
 * CXL r3.1 §8.2.9.9.9.3: Add Dynamic Capacity Response (4802h) input,
 * followed by extent_count TmCxlUpdatedExtent.  Flags bit 0 (More, r3.2):
 * further 4802h commands of the same response follow.
 */
#define TM_CXL_DC_RESPONSE_FLAG_MORE 0x01
typedef struct __attribute__((packed)) {
    uint32_t extent_count;
    uint8_t flags;
    uint8_t reserved[3];
} TmCxlAddDcResponseRequest;
_Static_assert(sizeof(TmCxlAddDcResponseRequest) == 8, "Add DC Response input header is 8 bytes");

/* CXL r3.1 §8.2.9.9.9.4: Release Dynamic Capacity (4803h) input: the same layout. */
typedef TmCxlAddDcResponseRequest TmCxlReleaseDcRequest;

/* ---- FM-API DCD management (CXL r3.2 §7.6.7.6) ------------------------ */

/* Selection and removal policy bits advertised by Get DCD Info. */
#define TM_CXL_DC_ADD_POLICY_FREE_BIT (1u << 0)
#define TM_CXL_DC_ADD_POLICY_CONTIGUOUS_BIT (1u << 1)
#define TM_CXL_DC_ADD_POLICY_PRESCRIPTIVE_BIT (1u << 2)
#define TM_CXL_DC_ADD_POLICY_ENABLE_SHARED_ACCESS_BIT (1u << 3)
#define TM_CXL_DC_REMOVAL_POLICY_TAG_BASED_BIT (1u << 0)
#define TM_CXL_DC_REMOVAL_POLICY_PRESCRIPTIVE_BIT (1u << 1)

/* r3.2 §7.6.7.6.1: Get DCD Info (5600h) output; capacity in 256 MiB units. */
typedef struct __attribute__((packed)) {
    uint8_t num_hosts;
    uint8_t num_supported_regions;
    uint8_t reserved1[2];
    uint16_t add_selection_policies;
    uint8_t reserved2[2];
    uint16_t removal_policies;
    uint8_t sanitize_on_release_mask;
    uint8_t reserved3;
    uint64_t total_dynamic_capacity;
    uint64_t region_block_size_masks[8]; /* bit n: block size 2^n supported */
} TmCxlGetDcdInfoResponse;
_Static_assert(sizeof(TmCxlGetDcdInfoResponse) == 84, "Get DCD Info output is 84 bytes");

/* r3.2 §7.6.7.6.2: Get Host DC Region Configuration (5601h) input. */
typedef struct __attribute__((packed)) {
    uint16_t host_id;
    uint8_t region_count;
    uint8_t start_region;
} TmCxlGetHostDcRegionConfigRequest;
_Static_assert(sizeof(TmCxlGetHostDcRegionConfigRequest) == 4,
               "Get Host DC Region Config input is 4 bytes");

/*
 * 5601h output: this header, regions_returned TmCxlHostDcRegionConfig,
 * then one TmCxlDcResourceCounts.
 */
typedef struct __attribute__((packed)) {
    uint16_t host_id;
    uint8_t available_regions;
    uint8_t regions_returned;
} TmCxlGetHostDcRegionConfigResponse;
_Static_assert(sizeof(TmCxlGetHostDcRegionConfigResponse) == 4,
               "Get Host DC Region Config output header is 4 bytes");

typedef struct __attribute__((packed)) {
    uint64_t base;
    uint64_t decode_length;    /* multiples of 256 MiB */
    uint64_t length;
    uint64_t block_size;
    uint8_t flags;
    uint8_t reserved1[3];
    uint8_t sanitize_on_release;
    uint8_t reserved2[3];
} TmCxlHostDcRegionConfig;
_Static_assert(sizeof(TmCxlHostDcRegionConfig) == 40, "host DC region configuration is 40 bytes");

/* r3.2 §7.6.7.6.3: Set DC Region Configuration (5602h) input. */
typedef struct __attribute__((packed)) {
    uint8_t region;
    uint8_t reserved1[3];
    uint64_t block_size;
    uint8_t sanitize_on_release;
    uint8_t reserved2[3];
} TmCxlSetDcRegionConfigRequest;
_Static_assert(sizeof(TmCxlSetDcRegionConfigRequest) == 16,
               "Set DC Region Config input is 16 bytes");

/* r3.2 §7.6.7.6.4: Get DC Region Extent Lists (5603h) input. */
typedef struct __attribute__((packed)) {
    uint16_t host_id;
    uint8_t reserved[2];
    uint32_t extent_count;
    uint32_t start_index;
} TmCxlGetDcRegionExtentListsRequest;
_Static_assert(sizeof(TmCxlGetDcRegionExtentListsRequest) == 12,
               "Get DC Region Extent Lists input is 12 bytes");

/* 5603h output, followed by returned_count TmCxlDcExtent. */
typedef struct __attribute__((packed)) {
    uint16_t host_id;
    uint8_t reserved1[2];
    uint32_t start_index;
    uint32_t returned_count;
    uint32_t total_count;
    uint32_t generation;
    uint8_t reserved2[4];
} TmCxlGetDcRegionExtentListsResponse;
_Static_assert(sizeof(TmCxlGetDcRegionExtentListsResponse) == 24,
               "Get DC Region Extent Lists output header is 24 bytes");

/* Initiate Dynamic Capacity Add selection policy (CXL r3.1 Table 7-70). */
typedef enum {
    TM_CXL_DC_ADD_FREE = 0,
    TM_CXL_DC_ADD_CONTIGUOUS = 1,
    TM_CXL_DC_ADD_PRESCRIPTIVE = 2,
    TM_CXL_DC_ADD_ENABLE_SHARED_ACCESS = 3,
} TmCxlDcSelectionPolicy;

/*
 * r3.2 §7.6.7.6.5: Initiate Dynamic Capacity Add (5604h) input, followed
 * by extent_count TmCxlDcExtent.
 */
typedef struct __attribute__((packed)) {
    uint16_t host_id;
    uint8_t selection_policy;  /* TmCxlDcSelectionPolicy */
    uint8_t region;
    uint64_t length;
    uint8_t tag[16];
    uint32_t extent_count;
} TmCxlInitiateDcAddRequest;
_Static_assert(sizeof(TmCxlInitiateDcAddRequest) == 32, "Initiate DC Add input header is 32 bytes");

/* Initiate Dynamic Capacity Release flags (CXL r3.1 Table 7-71). */
#define TM_CXL_DC_RELEASE_POLICY_MASK 0x0F
#define TM_CXL_DC_RELEASE_TAG_BASED 0x0
#define TM_CXL_DC_RELEASE_PRESCRIPTIVE 0x1
#define TM_CXL_DC_RELEASE_FLAG_FORCED (1u << 4)
#define TM_CXL_DC_RELEASE_FLAG_SANITIZE_ON_RELEASE (1u << 5)

/*
 * r3.2 §7.6.7.6.6: Initiate Dynamic Capacity Release (5605h) input,
 * followed by extent_count TmCxlDcExtent.
 */
typedef struct __attribute__((packed)) {
    uint16_t host_id;
    uint8_t flags;
    uint8_t reserved;
    uint64_t length;
    uint8_t tag[16];
    uint32_t extent_count;
} TmCxlInitiateDcReleaseRequest;
_Static_assert(sizeof(TmCxlInitiateDcReleaseRequest) == 32,
               "Initiate DC Release input header is 32 bytes");

/* r3.2 §7.6.7.6.7: Dynamic Capacity Add Reference (5606h) input. */
typedef struct __attribute__((packed)) {
    uint8_t tag[16];
} TmCxlDcAddReferenceRequest;
_Static_assert(sizeof(TmCxlDcAddReferenceRequest) == 16, "DC Add Reference input is 16 bytes");

/* r3.2 §7.6.7.6.8: Dynamic Capacity Remove Reference (5607h) input. */
typedef struct __attribute__((packed)) {
    uint8_t tag[16];
} TmCxlDcRemoveReferenceRequest;
_Static_assert(sizeof(TmCxlDcRemoveReferenceRequest) == 16,
               "DC Remove Reference input is 16 bytes");

/* r3.2 §7.6.7.6.9: Dynamic Capacity List Tags (5608h) input. */
typedef struct __attribute__((packed)) {
    uint32_t start_index;
    uint32_t tag_count;
} TmCxlDcListTagsRequest;
_Static_assert(sizeof(TmCxlDcListTagsRequest) == 8, "DC List Tags input is 8 bytes");

/* 5608h output, followed by returned_count TmCxlDcTagEntry. */
typedef struct __attribute__((packed)) {
    uint32_t generation;
    uint32_t total_tags;
    uint32_t returned_count;
    uint8_t validity_bitmap;
    uint8_t reserved[3];
} TmCxlDcListTagsResponse;
_Static_assert(sizeof(TmCxlDcListTagsResponse) == 16, "DC List Tags output header is 16 bytes");

/* One tag in the 5608h output; bit n of a bitmap stands for host n. */
typedef struct __attribute__((packed)) {
    uint8_t tag[16];
    uint8_t flags;
    uint8_t reserved[3];
    uint8_t reference_bitmap[32];
    uint8_t pending_reference_bitmap[32];
} TmCxlDcTagEntry;
_Static_assert(sizeof(TmCxlDcTagEntry) == 84, "DC List Tags entry is 84 bytes");
