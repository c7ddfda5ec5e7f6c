/*
 * Payloads of tagmem's vendor-defined commands: command set C0h on host
 * sockets, C1h on FM sockets (CXL r3.1 §8.2.9 leaves C000h-FFFFh to
 * vendors).  docs/host-protocol.md is
 * the contract; one packed struct per payload, all fields little-endian.
 */
#pragma once

#include <stdint.h>

/*
 * C000h Event Notification: sent by the device, unsolicited, to every
 * connection of a host whose event logs gained records.  Bit n of
 * log_bitmap: log n (TmEventLogType) gained records.
 */
typedef struct __attribute__((packed)) {
    uint8_t log_bitmap;
    uint8_t flags;             /* TM_VENDOR_NOTIFY_* */
    uint8_t reserved[2];
    uint32_t dc_record_count;  /* records now in the Dynamic Capacity log */
} TmVendorEventNotification;
/*
 * The device's background operation ended (0002h says how): the packet
 * stands in for the background command completion interrupt (CXL r3.1
 * §8.2.8.4.6).
 */
#define TM_VENDOR_NOTIFY_BACKGROUND_DONE 0x01u
_Static_assert(sizeof(TmVendorEventNotification) == 8, "Event Notification payload is 8 bytes");

/*
 * log_bitmap bit 7, tagmem's own (no event log has that number): the
 * poison of capacity the host has accepted changed -- lines were poisoned
 * or cleared, or capacity it just accepted holds poisoned lines.  The host
 * reads Get Poison List (4300h) for what it maps.
 */
#define TM_VENDOR_NOTIFY_POISON_CHANGED (1u << 7)

/* C001h Get Extent Memory input: a range inside one accepted extent. */
typedef struct __attribute__((packed)) {
    uint64_t dpa;
    uint64_t length;
} TmVendorGetExtentMemoryRequest;
_Static_assert(sizeof(TmVendorGetExtentMemoryRequest) == 16,
               "Get Extent Memory input is 16 bytes");

#define TM_VENDOR_EXTENT_MEMORY_WRITABLE (1u << 0) /* the host may map it PROT_WRITE */
#define TM_VENDOR_EXTENT_MEMORY_TAGGED (1u << 1)   /* backed by the tag's backend */
#define TM_VENDOR_EXTENT_MEMORY_SHARED (1u << 2)   /* another host holds part of it too */

/*
 * C001h output; the descriptor travels beside it (SCM_RIGHTS).  The range's
 * first byte is at file_offset in the descriptor's file.
 */
typedef struct __attribute__((packed)) {
    uint64_t file_offset;
    uint64_t length;
    uint32_t flags;
    uint32_t reserved;
} TmVendorGetExtentMemoryResponse;
_Static_assert(sizeof(TmVendorGetExtentMemoryResponse) == 24,
               "Get Extent Memory output is 24 bytes");

/*
 * C004h Get Pending Offer output, followed by returned_count 40-byte
 * Dynamic Capacity Extents: the offer the host's next Add DC Response
 * answers, in the order its records were logged, from start_index (input:
 * one uint32_t).  total_count 0: nothing is pending.
 */
typedef struct __attribute__((packed)) {
    uint32_t start_index;
} TmVendorGetPendingOfferRequest;
_Static_assert(sizeof(TmVendorGetPendingOfferRequest) == 4, "Get Pending Offer input is 4 bytes");

typedef struct __attribute__((packed)) {
    uint32_t total_count;
    uint32_t returned_count;
    uint64_t group_id;         /* the add request, as query-cxl-dynamic-capacity names it */
} TmVendorGetPendingOfferResponse;
_Static_assert(sizeof(TmVendorGetPendingOfferResponse) == 16,
               "Get Pending Offer output header is 16 bytes");

/*
 * C002h Read DPA input (the output is the bytes read), and the fixed part
 * of C003h Write DPA input, which the @length bytes to write follow.
 */
typedef struct __attribute__((packed)) {
    uint64_t dpa;
    uint32_t length;
    uint32_t reserved;
} TmVendorDpaAccessRequest;
_Static_assert(sizeof(TmVendorDpaAccessRequest) == 16, "Read/Write DPA input header is 16 bytes");

/*
 * C100h Withdraw Dynamic Capacity (FM socket): take back add requests
 * @host_id has not answered yet, the FM-API twin of QMP's
 * cxl-withdraw-dynamic-capacity.  add_request_id 0 means every pending
 * request (of the tag, when TM_VENDOR_WITHDRAW_BY_TAG is set); no output.
 */
#define TM_VENDOR_WITHDRAW_BY_TAG (1u << 0)

typedef struct __attribute__((packed)) {
    uint16_t host_id;
    uint8_t flags;
    uint8_t reserved[5];
    uint64_t add_request_id;
    uint8_t tag[16];
} TmVendorWithdrawRequest;
_Static_assert(sizeof(TmVendorWithdrawRequest) == 32, "Withdraw Dynamic Capacity input is 32 bytes");
