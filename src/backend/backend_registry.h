/*
 * The set of memory backends of a daemon ("/objects/ID"): lookup by id and
 * by tag in O(1), and the operations that must keep both indexes
 * consistent (create, delete, tag change).  Every operation is
 * all-or-nothing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "backend/hostmem.h"
#include "core/guid.h"
#include "object/value.h"

/* One property assignment of a create request, already typed. */
typedef struct {
    const char *name;
    TmValue value;
} TmPropAssignment;

/*
 * Told of every memory object a backend makes (first use of a block, or
 * adoption) and drops (release, or the backend's end): the daemon keeps
 * them in the service manager's descriptor store (docs/durable-state.md).
 */
typedef struct {
    void (*made)(void *opaque, TmHostMem *backend, uint64_t offset, TmMemObject *object);
    void (*dropped)(void *opaque, TmHostMem *backend, uint64_t offset);
    void *opaque;
} TmObjectWatch;

TmBackendRegistry *tm_backend_registry_new(void);
void tm_backend_registry_free(TmBackendRegistry *registry);

/* @watch (borrowed; NULL: none) hears of the objects of every backend. */
void tm_backend_registry_watch_objects(TmBackendRegistry *registry, const TmObjectWatch *watch);
const TmObjectWatch *tm_backend_registry_object_watch(const TmBackendRegistry *registry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmBackendRegistry, tm_backend_registry_free)

/*
 * Create, complete and register a backend of @type_name.  Errors: unknown
 * type ("Parameter 'qom-type' does not accept value ..."), invalid or
 * duplicate id, unknown or ill-typed property, property checks of the type,
 * a tag another backend holds (the message names that backend).
 */
TmHostMem *tm_backend_registry_create(TmBackendRegistry *registry, const char *type_name,
                                      const char *id, const TmPropAssignment *props,
                                      size_t n_props, GError **err);

/* How an asynchronous creation reports back (on the main loop). */
typedef struct {
    /* Bytes preallocated so far, at most once a second; may be NULL. */
    void (*progress)(void *opaque, const char *id, uint64_t done, uint64_t total);
    /* Exactly once: the registered backend, or NULL and why not. */
    void (*finished)(void *opaque, TmHostMem *backend, const GError *error);
    void *opaque;
} TmBackendCreateCallbacks;

typedef enum {
    TM_BACKEND_CREATE_FAILED,  /* refused; *err is set, nothing changed */
    TM_BACKEND_CREATE_DONE,    /* created and registered now */
    TM_BACKEND_CREATE_STARTED, /* being preallocated; @callbacks will tell */
} TmBackendCreateResult;

/*
 * tm_backend_registry_create, but a backend with one whole mapping to
 * preallocate (prealloc=on, not made of memory objects) is preallocated
 * by prealloc-threads worker threads while the default main context keeps
 * running.  Until it finishes, the backend is invisible (no lookup, list
 * or count finds it) but its id and tag are taken; deleting its id, or
 * freeing the registry, cancels it.  @callbacks is copied.
 * tm_backend_registry_create does the same work in the caller's time and
 * logs progress.
 */
TmBackendCreateResult tm_backend_registry_create_async(TmBackendRegistry *registry,
                                                       const char *type_name, const char *id,
                                                       const TmPropAssignment *props,
                                                       size_t n_props,
                                                       const TmBackendCreateCallbacks *callbacks,
                                                       GError **err);

/*
 * Refused when the backend is in use; the message names the user.  A
 * backend still being preallocated is cancelled instead (its creation
 * finishes with an error saying so).
 */
bool tm_backend_registry_delete(TmBackendRegistry *registry, const char *id, GError **err);

TmHostMem *tm_backend_registry_find_by_id(const TmBackendRegistry *registry, const char *id);
TmHostMem *tm_backend_registry_find_by_tag(const TmBackendRegistry *registry,
                                           const TmGuid *tag);

/*
 * Change a registered backend's tag (NULL removes it), keeping the tag
 * index consistent.  Refused while the backend is in use, for the null
 * GUID, and for a tag another backend holds.  Called by the "tag"
 * property setter once the backend is registered.
 */
bool tm_backend_registry_retag(TmBackendRegistry *registry, TmHostMem *backend,
                               const TmGuid *tag, GError **err);

guint tm_backend_registry_count(const TmBackendRegistry *registry);
/* How many backends have a tag (the size of the tag index). */
guint tm_backend_registry_tag_count(const TmBackendRegistry *registry);

/* Backends in creation order; the array does not own them. */
GPtrArray *tm_backend_registry_list(const TmBackendRegistry *registry);
/*
 * Backends @start to @start + @count - 1 of that order (fewer at the end,
 * none past it), in O(count) plus a walk from the nearer end, for paged queries.
 */
GPtrArray *tm_backend_registry_list_range(const TmBackendRegistry *registry, guint start,
                                          guint count);
/* A key that orders backends as they were created: O(1), for sorting a few into that order. */
uint64_t tm_backend_registry_creation_key(const TmBackendRegistry *registry,
                                          const TmHostMem *backend);
