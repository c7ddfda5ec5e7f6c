/*
 * A set of host ids.  A DCD has at most TM_DCD_MAX_HOSTS hosts: 256 is the
 * width of the per-host reference bitmaps of DC List Tags (CXL r3.2 FM-API
 * 5608h, 32 bytes each), so every host of a device can be named there.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define TM_DCD_MAX_HOSTS 256

typedef struct {
    uint64_t bits[TM_DCD_MAX_HOSTS / 64];
} TmHostSet;

static inline void tm_host_set_add(TmHostSet *set, uint16_t host)
{
    set->bits[host / 64] |= UINT64_C(1) << (host % 64);
}

static inline void tm_host_set_remove(TmHostSet *set, uint16_t host)
{
    set->bits[host / 64] &= ~(UINT64_C(1) << (host % 64));
}

static inline bool tm_host_set_contains(const TmHostSet *set, uint16_t host)
{
    return (set->bits[host / 64] >> (host % 64)) & 1;
}

static inline bool tm_host_set_is_empty(const TmHostSet *set)
{
    for (unsigned i = 0; i < TM_DCD_MAX_HOSTS / 64; i++) {
        if (set->bits[i]) {
            return false;
        }
    }
    return true;
}

/* The lowest host id in @set, or -1 when it is empty. */
static inline int tm_host_set_first(const TmHostSet *set)
{
    for (unsigned i = 0; i < TM_DCD_MAX_HOSTS / 64; i++) {
        if (set->bits[i]) {
            return (int)(i * 64 + __builtin_ctzll(set->bits[i]));
        }
    }
    return -1;
}
