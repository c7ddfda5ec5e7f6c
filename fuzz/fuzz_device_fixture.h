/*
 * The device the CCI fuzz targets (fuzz_mailbox, fuzz_cci_frame) rebuild
 * for every input: backends "static0" (512 MiB, untagged) and "tagged0"
 * (4 MiB, tag TM_FUZZ_TAG), and device "dcd0" with two 256 MiB DC regions
 * on static0, two hosts and at most 16 extents (small, so the limit is
 * reachable).  Any failure aborts: the fixture is not under test.
 */
#pragma once

#include <stdint.h>

#include "backend/backend_registry.h"
#include "device/device_registry.h"

#define MiB (UINT64_C(1) << 20)
#define TM_FUZZ_TAG "5be9d7a4-1c2e-4f3a-9b8d-0e6f7a8b9c0d"

typedef struct {
    TmBackendRegistry *backends;
    TmDeviceRegistry *devices;
    TmDcd *dev;
    uint8_t *payload; /* TM_MAILBOX_DEFAULT_MAX_PAYLOAD bytes for response payloads */
} TmFuzzDevice;

/*
 * Build the backends, of @backend_type ("memory-backend-ram", or
 * "memory-backend-memfd" so that Get Extent Memory can succeed), and the
 * device.
 */
void tm_fuzz_device_init(TmFuzzDevice *fx, const char *backend_type);

/* Offer @extents of @region to @host, tagged with @tag when not NULL. */
void tm_fuzz_device_offer(TmFuzzDevice *fx, uint16_t host, uint8_t region, const char *tag,
                          const TmExtent *extents, guint n);

/* @host accepts all of @extents, offered before. */
void tm_fuzz_device_accept(TmFuzzDevice *fx, uint16_t host, const TmExtent *extents, guint n);

void tm_fuzz_device_clear(TmFuzzDevice *fx);

/*
 * One device for the whole run (made on first use): host 0 holds 2 MiB of
 * TM_FUZZ_TAG at DPA 256 MiB in region 1, so that resource trees have a
 * chunk, a connection and endpoints to show.
 */
TmFuzzDevice *tm_fuzz_device_tagged(void);
