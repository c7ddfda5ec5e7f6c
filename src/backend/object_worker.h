/*
 * Work on memory objects done away from the main loop (docs/memory-model.md,
 * "Costs"): closing the objects a backend dropped, and populating the
 * objects that replace them.
 *
 * Revocation by replacement means that a block used again after a release
 * is a new object whose pages the kernel must allocate and zero, and that
 * the dropped object's pages are freed when its last descriptor closes.
 * Left where they fall, the freeing runs on the daemon's main loop and the
 * zeroing on the next holder's page faults, one page at a time.  A worker
 * thread takes both: it closes retired objects, and populates (fallocate)
 * the objects it is given, usually just after a host was handed them and
 * while the host is still touching them, so that most of the host's page
 * faults find their page ready.
 */
#pragma once

#include <glib.h>

#include "backend/mem_object.h"

typedef struct TmObjectWorker TmObjectWorker;

TmObjectWorker *tm_object_worker_new(void);

/* Close every retired object (population still queued is skipped), then free. */
void tm_object_worker_free(TmObjectWorker *worker);

/* Give up the caller's reference to @object in the worker. */
void tm_object_worker_retire(TmObjectWorker *worker, TmMemObject *object);

/* Allocate every page of @object in the worker; takes the caller's reference. */
void tm_object_worker_populate(TmObjectWorker *worker, TmMemObject *object);

/* Wait until the worker has done everything it was given. */
void tm_object_worker_wait_idle(TmObjectWorker *worker);
