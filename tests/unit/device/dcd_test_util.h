/*
 * Helpers for the device unit tests: real backends and devices created
 * through their registries, a recorder for device notices, and short-hands
 * for requests.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

#include "backend/backend_registry.h"
#include "device/dcd.h"
#include "device/device_registry.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

/* A TmExtent initializer: (dpa, length), untagged. */
#define EXT(dpa_, length_) { .dpa = (dpa_), .length = (length_) }

typedef struct {
    TmDcdNoticeKind kind;
    uint16_t host_id;
    GArray *extents; /* TmBackedExtent */
    bool forced;
} RecordedNotice;

typedef struct {
    TmBackendRegistry *backends;
    TmDeviceRegistry *devices;
    TmDcd *dev;
    GArray *notices; /* RecordedNotice */
} DcdFixture;

/*
 * A device "dcd0" made from "key=value,..." property text (each value
 * parsed as the property's kind), with a notice recorder attached.
 */
void fixture_init(DcdFixture *fx, const char *device_props);
/* Create "dcd0" now (e.g. after its backends), with the recorder attached. */
void fixture_device(DcdFixture *fx, const char *device_props);
void fixture_clear(DcdFixture *fx);

/* A memory-backend-ram of @size bytes, tagged with @tag when not NULL. */
TmHostMem *fixture_backend(DcdFixture *fx, const char *id, uint64_t size, const char *tag);

/* Create a device from property text; NULL with @err on failure. */
TmDcd *test_create_device(TmDeviceRegistry *devices, const char *id, const char *props_text,
                          GError **err);

TmGuid test_guid(const char *text);

/* Requests; extents are (dpa, length) pairs. */
TmDcStatus add_prescriptive(DcdFixture *fx, uint16_t host, uint8_t region, const char *tag,
                            const TmExtent *extents, guint n, GError **err);
TmDcStatus add_by_length(DcdFixture *fx, uint16_t host, TmDcSelectionPolicy policy,
                         uint8_t region, const char *tag, uint64_t length, GError **err);
TmDcStatus release_prescriptive(DcdFixture *fx, uint16_t host, uint8_t region, bool forced,
                                bool sanitize, const TmExtent *extents, guint n, GError **err);
TmDcStatus release_tag(DcdFixture *fx, uint16_t host, uint8_t region, bool forced,
                       bool sanitize, const char *tag, GError **err);

/* Accept every extent of the host's oldest pending group. */
void accept_all(DcdFixture *fx, uint16_t host);

/* Add prescriptively and accept, asserting success. */
void add_and_accept(DcdFixture *fx, uint16_t host, uint8_t region, const char *tag,
                    const TmExtent *extents, guint n);

/* The notices recorded so far of @kind, and forget all of them. */
guint count_notices(const DcdFixture *fx, TmDcdNoticeKind kind);
void forget_notices(DcdFixture *fx);

/* Assert the host's accepted list is exactly these (dpa, length) pairs. */
void assert_accepted(DcdFixture *fx, uint16_t host, const TmExtent *expected, guint n);

/* Assert the error message contains @fragment. */
void assert_error_contains(const GError *err, const char *fragment);
