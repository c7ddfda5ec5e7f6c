/*
 * A backend's memory: lazy allocation (map, advise, bind, preallocate),
 * handing it out as a pointer or a file descriptor, and zeroing ranges of
 * it for sanitize-on-release.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend/host_nodes.h"
#include "backend/hostmem_internal.h"
#include "backend/prealloc.h"
#include "core/error.h"
#include "core/fd_io.h"
#include "core/size.h"

static uint64_t round_up(uint64_t value, uint64_t unit)
{
    return (value + unit - 1) / unit * unit;
}

/*
 * mmap() aligned to @align: reserve @align more address space than needed,
 * map over its aligned part, and give the rest back.
 */
static void *map_aligned(size_t length, size_t align, int prot, int flags, int fd, off_t offset)
{
    size_t span = length + align;
    char *area = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (area == MAP_FAILED) {
        return MAP_FAILED;
    }
    char *start = (char *)round_up((uintptr_t)area, align);
    if (mmap(start, length, prot, flags | MAP_FIXED, fd, offset) == MAP_FAILED) {
        int saved_errno = errno;
        munmap(area, span);
        errno = saved_errno;
        return MAP_FAILED;
    }
    if (start > area) {
        munmap(area, (size_t)(start - area));
    }
    size_t tail = (size_t)((area + span) - (start + length));
    if (tail > 0) {
        munmap(start + length, tail);
    }
    return start;
}

static void *map_backend(const TmHostMem *backend, size_t length)
{
    int prot = backend->readonly ? PROT_READ : PROT_READ | PROT_WRITE;
    int flags = backend->share ? MAP_SHARED : MAP_PRIVATE;

    if (backend->fd < 0) {
        flags |= MAP_ANONYMOUS;
    }
    if (!backend->reserve) {
        flags |= MAP_NORESERVE;
    }
    if (backend->align > backend->page_size) {
        return map_aligned(length, backend->align, prot, flags, backend->fd,
                           (off_t)backend->fd_offset);
    }
    return mmap(NULL, length, prot, flags, backend->fd, (off_t)backend->fd_offset);
}

void tm_hostmem_apply_advice(TmHostMem *backend)
{
    if (backend->memory == NULL) {
        return;
    }
    /*
     * Hints, as in QEMU (qemu_madvise results are ignored there too): a
     * kernel without KSM refuses MADV_MERGEABLE, and that must not make the
     * memory unusable.
     */
    (void)madvise(backend->memory, backend->mapped_length,
                  backend->merge ? MADV_MERGEABLE : MADV_UNMERGEABLE);
    (void)madvise(backend->memory, backend->mapped_length,
                  backend->dump ? MADV_DODUMP : MADV_DONTDUMP);
}

void tm_hostmem_release_memory(TmHostMem *backend)
{
    if (backend->memory) {
        munmap(backend->memory, backend->mapped_length);
        backend->memory = NULL;
        backend->mapped_length = 0;
    }
    /* Only a descriptor made for the mapping goes; a file stays open. */
    if (backend->ops->open_fd && backend->fd >= 0) {
        close(backend->fd);
        backend->fd = -1;
    }
}

bool tm_hostmem_needs_prealloc(const TmHostMem *backend)
{
    /* Memory handed out in objects is preallocated object by object. */
    return backend->prealloc && backend->memory != NULL;
}

TmPreallocJob *tm_hostmem_prealloc_start(TmHostMem *backend)
{
    g_assert(tm_hostmem_needs_prealloc(backend));
    return tm_prealloc_job_start(backend->memory, backend->mapped_length, backend->page_size,
                                 (unsigned int)backend->prealloc_threads, !backend->readonly);
}

bool tm_hostmem_prealloc(TmHostMem *backend, GError **err)
{
    g_autofree char *what = g_strdup_printf("memory backend '%s'", tm_hostmem_id(backend));

    g_assert(tm_hostmem_needs_prealloc(backend));
    if (!tm_prealloc_pages(what, backend->memory, backend->mapped_length, backend->page_size,
                           (unsigned int)backend->prealloc_threads, !backend->readonly, err)) {
        g_prefix_error(err, "%s: ", what);
        return false;
    }
    return true;
}

bool tm_hostmem_allocate(TmHostMem *backend, GError **err)
{
    const char *id = tm_hostmem_id(backend);

    g_assert(backend->memory == NULL);
    if (backend->ops->open_fd && !backend->ops->open_fd(backend, err)) {
        g_prefix_error(err, "memory backend '%s': ", id);
        return false;
    }
    size_t length = round_up(backend->size, backend->page_size);
    void *memory = map_backend(backend, length);
    if (memory == MAP_FAILED) {
        g_autofree char *human = tm_size_to_human(length);
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "memory backend '%s': cannot map %s of memory: %s", id, human,
                    g_strerror(errno));
        tm_hostmem_release_memory(backend);
        return false;
    }
    backend->memory = memory;
    backend->mapped_length = length;
    tm_hostmem_apply_advice(backend);
    if (!tm_host_nodes_bind(backend->memory, backend->mapped_length, backend->policy,
                            backend->host_nodes, err)) {
        g_prefix_error(err, "memory backend '%s': ", id);
        tm_hostmem_release_memory(backend);
        return false;
    }
    return true;
}

bool tm_hostmem_is_allocated(const TmHostMem *backend)
{
    return backend->memory != NULL;
}

void *tm_hostmem_get_memory(TmHostMem *backend, GError **err)
{
    g_assert(backend->parent.completed);
    if (backend->memory == NULL && !tm_hostmem_allocate(backend, err)) {
        return NULL;
    }
    return backend->memory;
}

bool tm_hostmem_is_shareable(const TmHostMem *backend)
{
    return backend->share;
}

bool tm_hostmem_is_readonly(const TmHostMem *backend)
{
    return backend->readonly;
}

/*
 * Zero part of a shared file: a hole where the file system can punch one
 * (partial pages are zeroed by the kernel), else zeros written.  Never
 * through a mapping: someone may have cut the file short (an error then,
 * not SIGBUS).
 */
static bool zero_file(TmHostMem *backend, uint64_t offset, uint64_t length, GError **err)
{
    static const uint8_t zeros[64 * 1024];
    uint64_t at = backend->fd_offset + offset;

    if (fallocate(backend->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)at,
                  (off_t)length) == 0) {
        return true;
    }
    if (errno != EOPNOTSUPP && errno != ENODEV) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "memory backend '%s': cannot punch a hole at 0x%" PRIx64 "+0x%" PRIx64
                    ": %s", tm_hostmem_id(backend), offset, length, g_strerror(errno));
        return false;
    }
    for (uint64_t done = 0; done < length;) {
        uint64_t n = MIN(length - done, sizeof(zeros));
        if (!tm_fd_write_at(backend->fd, at + done, zeros, n, err)) {
            g_prefix_error(err, "memory backend '%s': ", tm_hostmem_id(backend));
            return false;
        }
        done += n;
    }
    return true;
}

/*
 * Private memory: whole pages of anonymous memory are given back
 * (MADV_DONTNEED reads as zero); a private copy of a file would show the
 * file again, so it gets zeros written.
 */
static bool discard_pages(TmHostMem *backend, uint64_t offset, uint64_t length, GError **err)
{
    char *start = (char *)backend->memory + offset;

    if (backend->fd < 0) {
        if (madvise(start, length, MADV_DONTNEED) == 0) {
            return true;
        }
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "memory backend '%s': cannot discard 0x%" PRIx64 "+0x%" PRIx64 ": %s",
                    tm_hostmem_id(backend), offset, length, g_strerror(errno));
        return false;
    }
    memset(start, 0, length);
    return true;
}

static bool check_zero_range(const TmHostMem *backend, uint64_t offset, uint64_t length,
                             GError **err)
{
    if (offset > backend->size || length > backend->size - offset) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "range 0x%" PRIx64 "+0x%" PRIx64 " is outside memory backend '%s' "
                    "(size 0x%" PRIx64 ")", offset, length, tm_hostmem_id(backend),
                    backend->size);
        return false;
    }
    if (backend->readonly) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "memory backend '%s' is read-only (readonly=on) and cannot be zeroed",
                    tm_hostmem_id(backend));
        return false;
    }
    return true;
}

bool tm_hostmem_zero_range(TmHostMem *backend, uint64_t offset, uint64_t length, GError **err)
{
    if (!check_zero_range(backend, offset, length, err)) {
        return false;
    }
    /* Objects are dropped, not zeroed (tm_hostmem_drop_objects). */
    g_assert(!tm_hostmem_passes_fds(backend));
    /* Memory never allocated and with no file behind it has never held data. */
    if (length == 0 || (backend->memory == NULL && backend->fd < 0)) {
        return true;
    }
    if (backend->share && backend->fd >= 0) {
        return zero_file(backend, offset, length, err);
    }
    char *memory = tm_hostmem_get_memory(backend, err);
    if (memory == NULL) {
        return false;
    }
    /* Partial pages at either end are written; the whole pages between are discarded. */
    uint64_t end = offset + length;
    uint64_t pages_start = round_up(offset, backend->page_size);
    uint64_t pages_end = end / backend->page_size * backend->page_size;
    if (pages_start >= pages_end) {
        memset(memory + offset, 0, length);
        return true;
    }
    memset(memory + offset, 0, pages_start - offset);
    memset(memory + pages_end, 0, end - pages_end);
    return discard_pages(backend, pages_start, pages_end - pages_start, err);
}
