/*
 * The devices of a daemon, by id, as QEMU's "/machine/peripheral/ID".
 * Devices resolve their links and tags through the backend registry they
 * are given (borrowed: it must outlive the device registry).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

#include "backend/backend_registry.h"
#include "device/dcd.h"

typedef struct TmDeviceRegistry TmDeviceRegistry;

TmDeviceRegistry *tm_device_registry_new(TmBackendRegistry *backends);
void tm_device_registry_free(TmDeviceRegistry *registry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmDeviceRegistry, tm_device_registry_free)

/*
 * Create, complete and register a device of @type_name (only "cxl-type3").
 * Errors: unknown type, missing, invalid or duplicate id, unknown or
 * ill-typed property, the device's own checks.
 */
TmDcd *tm_device_registry_create(TmDeviceRegistry *registry, const char *type_name,
                                 const char *id, const TmPropAssignment *props,
                                 size_t n_props, GError **err);

/* Refused while the device has capacity pending or accepted. */
bool tm_device_registry_delete(TmDeviceRegistry *registry, const char *id, GError **err);

TmDcd *tm_device_registry_find(const TmDeviceRegistry *registry, const char *id);

/* "/machine/peripheral/ID", or the bare id (a QOM partial path), or NULL. */
TmDcd *tm_device_registry_resolve_path(const TmDeviceRegistry *registry, const char *path);

guint tm_device_registry_count(const TmDeviceRegistry *registry);

/* Devices in creation order; the array does not own them. */
GPtrArray *tm_device_registry_list(const TmDeviceRegistry *registry);
