/*
 * Memory objects kept in the service manager's descriptor store, so that
 * memory of memfd backends outlives the daemon (docs/durable-state.md).
 *
 * With --state-dir, every object a backend makes is stored (FDSTORE=1)
 * under "obj.<offset in hex>.<backend id>" and removed when it is dropped
 * (FDSTOREREMOVE=1).  At start, after the journal has rebuilt who holds
 * what, each object given back is adopted by its backend at its offset if
 * a device still has that memory allocated, and let go otherwise: memory a
 * former holder may map never reaches a new one.
 */
#pragma once

#include <glib.h>

#include "backend/backend_registry.h"
#include "device/device_registry.h"

typedef struct TmObjectStore TmObjectStore;

/*
 * Adopt what @stored (TmStoredFd *, emptied) holds for @devices; then,
 * when @keep (--state-dir), store every new object from now on.
 */
TmObjectStore *tm_object_store_new(TmBackendRegistry *backends, TmDeviceRegistry *devices,
                                   GPtrArray *stored, bool keep);
void tm_object_store_free(TmObjectStore *store);
