/*
 * Media and Poison Management payloads (CXL r3.1 §8.2.9.9.4): Get Poison
 * List (4300h), Inject Poison (4301h), Clear Poison (4302h).  A pure wire
 * header: the host library decodes the same bytes.  Little-endian.
 */
#pragma once

#include <stdint.h>

/* Poison is tracked and reported in 64-byte lines. */
#define TM_CXL_POISON_LINE 64u

/* CXL r3.1 §8.2.9.9.4.1: Get Poison List input. */
typedef struct __attribute__((packed)) {
    uint64_t dpa;       /* 64-byte aligned */
    uint64_t length;    /* in 64-byte lines */
} TmCxlGetPoisonListRequest;
_Static_assert(sizeof(TmCxlGetPoisonListRequest) == 16, "Get Poison List input is 16 bytes");

/* Get Poison List output, before its media error records. */
typedef struct __attribute__((packed)) {
    uint8_t flags;                /* TM_CXL_POISON_FLAG_* */
    uint8_t reserved1;
    uint64_t overflow_timestamp;  /* device time of the overflow, when flagged */
    uint16_t count;               /* media error records that follow */
    uint8_t reserved2[20];
} TmCxlGetPoisonListResponse;
_Static_assert(sizeof(TmCxlGetPoisonListResponse) == 32, "Get Poison List header is 32 bytes");

#define TM_CXL_POISON_FLAG_MORE 0x01u
#define TM_CXL_POISON_FLAG_OVERFLOW 0x02u
#define TM_CXL_POISON_FLAG_SCAN_IN_PROGRESS 0x04u

/* One Media Error Record: the address carries the source in bits 2:0. */
typedef struct __attribute__((packed)) {
    uint64_t address;
    uint32_t length;    /* in 64-byte lines */
    uint32_t reserved;
} TmCxlMediaErrorRecord;
_Static_assert(sizeof(TmCxlMediaErrorRecord) == 16, "a Media Error Record is 16 bytes");

#define TM_CXL_MEDIA_ERROR_SOURCE_MASK 0x07u
#define TM_CXL_MEDIA_ERROR_ADDRESS_MASK (~(uint64_t)0x3F)

/* CXL r3.1 §8.2.9.9.4.2: Inject Poison input. */
typedef struct __attribute__((packed)) {
    uint64_t dpa;
} TmCxlInjectPoisonRequest;
_Static_assert(sizeof(TmCxlInjectPoisonRequest) == 8, "Inject Poison input is 8 bytes");

/* CXL r3.1 §8.2.9.9.4.3: Clear Poison input. */
typedef struct __attribute__((packed)) {
    uint64_t dpa;
    uint8_t write_data[TM_CXL_POISON_LINE];
} TmCxlClearPoisonRequest;
_Static_assert(sizeof(TmCxlClearPoisonRequest) == 72, "Clear Poison input is 72 bytes");
