/*
 * What the backend types and the registry share about a backend; not for
 * other layers (they use hostmem.h).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "backend/hostmem.h"
#include "backend/prealloc.h"
#include "core/guid.h"
#include "object/object.h"

/* The per-type steps of a backend's life, set by each type's init. */
typedef struct {
    /* At completion, after the common checks: check the type's own
     * properties and acquire what must exist from creation on (the file). */
    bool (*prepare)(TmHostMem *backend, GError **err);
    /* At allocation: give backend->fd its descriptor before the memory is
     * mapped.  NULL for types whose fd, if any, exists from completion. */
    bool (*open_fd)(TmHostMem *backend, GError **err);
    /* The memfd_create() flags of the type's memory objects (huge pages);
     * NULL for types whose memory cannot be handed out in objects (files). */
    unsigned int (*object_flags)(const TmHostMem *backend);
} TmHostMemOps;

/* Kernel mempolicy modes in the order of the "policy" enum (MPOL_*). */
typedef enum {
    TM_HOSTMEM_POLICY_DEFAULT,
    TM_HOSTMEM_POLICY_PREFERRED,
    TM_HOSTMEM_POLICY_BIND,
    TM_HOSTMEM_POLICY_INTERLEAVE,
} TmHostMemPolicy;

struct TmHostMem {
    TmObject parent;
    const TmHostMemOps *ops;

    /* Where the backend is registered; NULL before. */
    TmBackendRegistry *registry;
    /*
     * Its neighbours in the registry's creation order: linked through the
     * backends themselves, as a list link of its own would come from
     * GLib 2.74's slice allocator, whose pages stay pinned in the heap
     * after the backends are deleted.
     */
    TmHostMem *created_before;
    TmHostMem *created_after;
    uint64_t creation_serial;   /* orders backends by creation (1, 2, ...) */

    /* Properties common to every type. */
    uint64_t size;
    bool share;
    bool prealloc;
    uint64_t prealloc_threads;
    bool reserve;
    bool merge;
    bool dump;
    TmHostMemPolicy policy;
    GArray *host_nodes; /* uint64_t node numbers, sorted, unique; NULL when none */
    bool has_tag;
    TmGuid tag;         /* the tag index's key points here */

    /* How the memory is mapped; set by the types' properties and prepare. */
    bool readonly;      /* file: PROT_READ only */
    uint64_t align;     /* file: mapping alignment, 0 for the page size */
    uint64_t page_size; /* the system page size, or the huge page size */

    /* The memory, once allocated. */
    int fd;             /* -1 when there is none (yet) */
    uint64_t fd_offset; /* where byte 0 of the backend sits in the file */
    void *memory;       /* NULL until allocated */
    size_t mapped_length;

    /* Memory objects by backend offset (GSIZE_TO_POINTER), when the memory
     * is handed out in objects (tm_hostmem_passes_fds); created on first use. */
    GHashTable *objects;
    /* Closes dropped objects and populates replacements (object_worker.h);
     * made with @objects.  Blocks dropped in full use whose replacements
     * are still to be populated. */
    struct TmObjectWorker *object_worker;
    uint64_t full_blocks_dropped;

    /* Descriptions of the users, in registration order; NULL when unused. */
    GPtrArray *users;
};

/* Unchecked downcast, for hooks that are only ever called on backends. */
static inline TmHostMem *tm_hostmem_cast(TmObject *obj)
{
    return (TmHostMem *)obj;
}

/*
 * Map the memory and apply the advice and the policy.  Preallocation is a
 * separate step (tm_hostmem_prealloc*), run by the registry: it may take
 * long enough to need worker threads.
 */
bool tm_hostmem_allocate(TmHostMem *backend, GError **err);
/* Undo tm_hostmem_allocate: unmap, and close an fd opened by open_fd. */
void tm_hostmem_release_memory(TmHostMem *backend);
/* Apply the merge and dump advice to mapped memory. */
void tm_hostmem_apply_advice(TmHostMem *backend);

/* A memfd named after the backend, sized to it, then given @seals (0: none). */
int tm_hostmem_memfd_create(const TmHostMem *backend, unsigned int flags, unsigned int seals,
                            GError **err);

/* Refuse the null GUID as a tag (in CXL it means untagged); NULL passes. */
bool tm_hostmem_check_tag(const TmGuid *tag, GError **err);

/* Registry bookkeeping, for backend_registry.c. */
void tm_hostmem_set_registry(TmHostMem *backend, TmBackendRegistry *registry);
/* Store (or with NULL drop) the tag without any index update. */
void tm_hostmem_store_tag(TmHostMem *backend, const TmGuid *tag);

/* prealloc=on with one whole mapping (made at completion) still to fault in. */
bool tm_hostmem_needs_prealloc(const TmHostMem *backend);
/* Fault the whole mapping in with prealloc-threads workers; see prealloc.h. */
TmPreallocJob *tm_hostmem_prealloc_start(TmHostMem *backend);
/* The same, waiting for it and logging progress; the error names the backend. */
bool tm_hostmem_prealloc(TmHostMem *backend, GError **err);
