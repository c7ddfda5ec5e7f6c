/*
 * A backend whose memory is handed to hosts (memfd, or ram with share=on)
 * is made of memory objects, one per DC block in use, keyed by backend
 * offset (docs/memory-model.md).  A descriptor then reaches exactly one
 * block, and revoking a block is forgetting its object: whoever still maps
 * the old one keeps only those pages, and the next user of the block gets
 * a fresh, zeroed object.  A worker thread closes dropped objects and
 * populates the replacements of blocks that were in full use
 * (object_worker.h).  Other backends (private memory, files) are one
 * mapping or one file that never leaves the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/backend_registry.h"
#include "backend/host_nodes.h"
#include "backend/hostmem_internal.h"
#include "backend/mem_object.h"
#include "backend/object_worker.h"
#include "core/error.h"
#include "core/fd_io.h"

bool tm_hostmem_passes_fds(const TmHostMem *backend)
{
    return backend->share && backend->ops->object_flags != NULL;
}

/* Apply host-nodes through a mapping that touches no page: shmem keeps the policy. */
static bool place_object(const TmHostMem *backend, TmMemObject *object, GError **err)
{
    if (backend->policy == TM_HOSTMEM_POLICY_DEFAULT) {
        return true;
    }
    size_t length = tm_mem_object_length(object);
    void *memory = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED,
                        tm_mem_object_fd(object), 0);
    if (memory == MAP_FAILED) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "cannot map a memory object: %s",
                    g_strerror(errno));
        return false;
    }
    bool bound = tm_host_nodes_bind(memory, length, backend->policy, backend->host_nodes, err);
    munmap(memory, length);
    return bound;
}

/*
 * prealloc=on populates each object as it is made.  Huge pages are taken
 * now in any case, as a mapping of them would reserve them: a host must
 * not find out by SIGBUS that there were none.
 */
static bool populate_now(const TmHostMem *backend)
{
    return backend->prealloc || (backend->ops->object_flags(backend) & MFD_HUGETLB) != 0;
}

static bool populate_object(const TmHostMem *backend, TmMemObject *object, GError **err)
{
    if (populate_now(backend) &&
        fallocate(tm_mem_object_fd(object), 0, 0, (off_t)tm_mem_object_length(object)) != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "cannot preallocate a memory object: %s",
                    g_strerror(errno));
        return false;
    }
    return true;
}

static TmMemObject *create_object(TmHostMem *backend, uint64_t offset, uint64_t length,
                                  GError **err)
{
    g_autofree char *name = g_strdup_printf("tagmem:%.200s@0x%" PRIx64,
                                            tm_hostmem_id(backend), offset);

    if (length % backend->page_size != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "a block of 0x%" PRIx64 " bytes is not a multiple of the page size 0x%"
                    PRIx64, length, backend->page_size);
        return NULL;
    }
    g_autoptr(TmMemObject) object = tm_mem_object_new(name, length,
                                                      backend->ops->object_flags(backend), err);
    if (object == NULL || !place_object(backend, object, err) ||
        !populate_object(backend, object, err) || !tm_mem_object_seal(object, err)) {
        return NULL;
    }
    return g_steal_pointer(&object);
}

/*
 * A block dropped in full use is likely to be used in full again: its
 * replacement (whichever block it is for) is populated by the worker,
 * ahead of the new holder's page faults.  Never more pages than the
 * dropped objects had, so the backend holds no more than before.
 */
static void populate_as_before(TmHostMem *backend, TmMemObject *object)
{
    if (backend->full_blocks_dropped > 0 && !populate_now(backend)) {
        backend->full_blocks_dropped--;
        tm_object_worker_populate(backend->object_worker, tm_mem_object_ref(object));
    }
}

/* Every page of @object is allocated: its holders used all of it. */
static bool object_is_full(TmMemObject *object)
{
    struct stat st;

    return fstat(tm_mem_object_fd(object), &st) == 0 &&
           (uint64_t)st.st_blocks * 512 >= tm_mem_object_length(object);
}

static void ensure_objects(TmHostMem *backend)
{
    if (backend->objects == NULL) {
        backend->objects = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                                 (GDestroyNotify)tm_mem_object_unref);
        backend->object_worker = tm_object_worker_new();
    }
}

static const TmObjectWatch *object_watch(const TmHostMem *backend)
{
    return backend->registry ? tm_backend_registry_object_watch(backend->registry) : NULL;
}

static void tell_made(TmHostMem *backend, uint64_t offset, TmMemObject *object)
{
    const TmObjectWatch *watch = object_watch(backend);

    if (watch != NULL) {
        watch->made(watch->opaque, backend, offset, object);
    }
}

static void tell_dropped(TmHostMem *backend, uint64_t offset)
{
    const TmObjectWatch *watch = object_watch(backend);

    if (watch != NULL) {
        watch->dropped(watch->opaque, backend, offset);
    }
}

TmMemObject *tm_hostmem_block_object(TmHostMem *backend, uint64_t offset, uint64_t length,
                                     GError **err)
{
    g_assert(tm_hostmem_passes_fds(backend));
    g_assert(offset <= backend->size && length <= backend->size - offset);
    ensure_objects(backend);
    TmMemObject *object = g_hash_table_lookup(backend->objects, GSIZE_TO_POINTER(offset));
    if (object != NULL && tm_mem_object_length(object) == length) {
        return object;
    }
    if (object != NULL) {
        /* Only an adopted object can differ (the device's blocks changed): fresh memory. */
        tm_hostmem_drop_objects(backend, offset, length, length);
    }
    object = create_object(backend, offset, length, err);
    if (object == NULL) {
        g_prefix_error(err, "memory backend '%s', block 0x%" PRIx64 "+0x%" PRIx64 ": ",
                       tm_hostmem_id(backend), offset, length);
        return NULL;
    }
    g_hash_table_insert(backend->objects, GSIZE_TO_POINTER(offset), object);
    populate_as_before(backend, object);
    tell_made(backend, offset, object);
    return object;
}

bool tm_hostmem_adopt_object(TmHostMem *backend, uint64_t offset, int fd, GError **err)
{
    g_autoptr(TmMemObject) object = NULL;

    g_assert(tm_hostmem_passes_fds(backend));
    ensure_objects(backend);
    if (g_hash_table_contains(backend->objects, GSIZE_TO_POINTER(offset))) {
        close(fd);
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "memory backend '%s' already has an object at 0x%" PRIx64,
                    tm_hostmem_id(backend), offset);
        return false;
    }
    object = tm_mem_object_adopt(fd, err);
    if (object == NULL) {
        g_prefix_error(err, "memory backend '%s', object at 0x%" PRIx64 ": ",
                       tm_hostmem_id(backend), offset);
        return false;
    }
    uint64_t length = tm_mem_object_length(object);
    if (offset > backend->size || length > backend->size - offset ||
        length % backend->page_size != 0 || offset % backend->page_size != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "memory backend '%s' (0x%" PRIx64 " bytes) has no block 0x%" PRIx64
                    "+0x%" PRIx64, tm_hostmem_id(backend), backend->size, offset, length);
        return false;
    }
    g_hash_table_insert(backend->objects, GSIZE_TO_POINTER(offset), g_steal_pointer(&object));
    tell_made(backend, offset, g_hash_table_lookup(backend->objects, GSIZE_TO_POINTER(offset)));
    return true;
}

void tm_hostmem_drop_objects(TmHostMem *backend, uint64_t offset, uint64_t length,
                             uint64_t block_size)
{
    if (backend->objects == NULL) {
        return;
    }
    for (uint64_t at = offset; at < offset + length; at += block_size) {
        gpointer object;
        if (!g_hash_table_steal_extended(backend->objects, GSIZE_TO_POINTER(at), NULL,
                                         &object)) {
            continue;
        }
        if (object_is_full(object)) {
            backend->full_blocks_dropped++;
        }
        tm_object_worker_retire(backend->object_worker, object);
        tell_dropped(backend, at);
    }
}

guint tm_hostmem_object_count(const TmHostMem *backend)
{
    return backend->objects ? g_hash_table_size(backend->objects) : 0;
}

void tm_hostmem_free_objects(TmHostMem *backend)
{
    g_clear_pointer(&backend->object_worker, tm_object_worker_free);
    g_clear_pointer(&backend->objects, g_hash_table_unref);
}

/* Private memory: only this process maps it, so a plain copy cannot fault on a stranger's doing. */
static uint8_t *private_memory(TmHostMem *backend, uint64_t offset, GError **err)
{
    uint8_t *memory = tm_hostmem_get_memory(backend, err);

    return memory ? memory + offset : NULL;
}

bool tm_hostmem_block_read(TmHostMem *backend, uint64_t block_offset, uint64_t block_length,
                           uint64_t offset, void *buf, uint64_t length, GError **err)
{
    g_assert(offset >= block_offset && offset + length <= block_offset + block_length);
    if (tm_hostmem_passes_fds(backend)) {
        TmMemObject *object = backend->objects
            ? g_hash_table_lookup(backend->objects, GSIZE_TO_POINTER(block_offset)) : NULL;
        if (object == NULL) {
            memset(buf, 0, length); /* a block nobody has used yet is fresh memory */
            return true;
        }
        return tm_mem_object_read(object, offset - block_offset, buf, length, err);
    }
    if (backend->share && backend->fd >= 0) {
        return tm_fd_read_at(backend->fd, backend->fd_offset + offset, buf, length, err);
    }
    uint8_t *memory = private_memory(backend, offset, err);
    if (memory != NULL) {
        memcpy(buf, memory, length);
    }
    return memory != NULL;
}

bool tm_hostmem_block_write(TmHostMem *backend, uint64_t block_offset, uint64_t block_length,
                            uint64_t offset, const void *buf, uint64_t length, GError **err)
{
    g_assert(offset >= block_offset && offset + length <= block_offset + block_length);
    if (tm_hostmem_passes_fds(backend)) {
        TmMemObject *object = tm_hostmem_block_object(backend, block_offset, block_length, err);
        return object && tm_mem_object_write(object, offset - block_offset, buf, length, err);
    }
    if (backend->share && backend->fd >= 0) {
        return tm_fd_write_at(backend->fd, backend->fd_offset + offset, buf, length, err);
    }
    uint8_t *memory = private_memory(backend, offset, err);
    if (memory != NULL) {
        memcpy(memory, buf, length);
    }
    return memory != NULL;
}
