/*
 * Scan Media payloads (CXL r3.1 §8.2.9.9.4.4-§8.2.9.9.4.6): Get Scan
 * Media Capabilities (4303h), Scan Media (4304h), Get Scan Media Results
 * (4305h).  A pure wire header; the media error records are Get Poison
 * List's (cxl_poison_wire.h).  Little-endian.
 */
#pragma once

#include <stdint.h>

/* §8.2.9.9.4.4 Get Scan Media Capabilities input. */
typedef struct __attribute__((packed)) {
    uint64_t dpa;       /* 64-byte aligned */
    uint64_t length;    /* in 64-byte lines */
} TmCxlGetScanMediaCapsRequest;
_Static_assert(sizeof(TmCxlGetScanMediaCapsRequest) == 16,
               "Get Scan Media Capabilities input is 16 bytes");

typedef struct __attribute__((packed)) {
    uint32_t estimated_scan_ms;
} TmCxlGetScanMediaCapsResponse;
_Static_assert(sizeof(TmCxlGetScanMediaCapsResponse) == 4,
               "Get Scan Media Capabilities output is 4 bytes");

/* §8.2.9.9.4.5 Scan Media input. */
typedef struct __attribute__((packed)) {
    uint64_t dpa;       /* 64-byte aligned */
    uint64_t length;    /* in 64-byte lines */
    uint8_t flags;      /* TM_CXL_SCAN_MEDIA_NO_EVENT_LOG */
} TmCxlScanMediaRequest;
_Static_assert(sizeof(TmCxlScanMediaRequest) == 17, "Scan Media input is 17 bytes");

#define TM_CXL_SCAN_MEDIA_NO_EVENT_LOG 0x01u

/* §8.2.9.9.4.6 Get Scan Media Results output, before its media error records. */
typedef struct __attribute__((packed)) {
    uint64_t restart_dpa;      /* where to scan again after a stopped scan */
    uint64_t restart_length;   /* in 64-byte lines */
    uint8_t flags;             /* TM_CXL_SCAN_RESULTS_* */
    uint8_t reserved1;
    uint16_t count;            /* media error records that follow */
    uint8_t reserved2[12];
} TmCxlGetScanMediaResultsResponse;
_Static_assert(sizeof(TmCxlGetScanMediaResultsResponse) == 32,
               "Get Scan Media Results header is 32 bytes");

#define TM_CXL_SCAN_RESULTS_MORE 0x01u
#define TM_CXL_SCAN_RESULTS_STOPPED 0x02u
