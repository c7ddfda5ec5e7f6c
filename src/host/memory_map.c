#include "host/memory_map.h"

#include <sys/mman.h>
#include <unistd.h>

#include "host/host_error.h"

#define RESERVATION_ALIGNMENT (UINT64_C(1) << 30)

bool tm_host_reserve(uint64_t size, uint8_t **out, GError **err)
{
    uint64_t padded = size + RESERVATION_ALIGNMENT;

    if (size == 0 || padded < size || padded > SIZE_MAX) {
        g_set_error(err, TM_HOST_ERROR, ENOMEM, "cannot reserve 0x%" G_GINT64_MODIFIER "x bytes",
                    size);
        return false;
    }
    uint8_t *raw = mmap(NULL, padded, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED) {
        int saved = errno;
        g_set_error(err, TM_HOST_ERROR, saved,
                    "reserving 0x%" G_GINT64_MODIFIER "x bytes of address space: %s", size,
                    g_strerror(saved));
        return false;
    }
    /* Keep the aligned part; give back the head and the tail. */
    uintptr_t start = ((uintptr_t)raw + RESERVATION_ALIGNMENT - 1) &
                      ~(uintptr_t)(RESERVATION_ALIGNMENT - 1);
    uint8_t *base = (uint8_t *)start;
    size_t head = (size_t)(base - raw);
    size_t tail = (size_t)(padded - head - size);
    if (head > 0) {
        munmap(raw, head);
    }
    if (tail > 0) {
        munmap(base + size, tail);
    }
    *out = base;
    return true;
}

void tm_host_unreserve(uint8_t *base, uint64_t size)
{
    if (base != NULL && size > 0) {
        munmap(base, size);
    }
}

bool tm_host_make_inaccessible(uint8_t *addr, uint64_t length, GError **err)
{
    void *mapped = mmap(addr, length, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);

    if (mapped == MAP_FAILED) {
        int saved = errno;
        g_set_error(err, TM_HOST_ERROR, saved,
                    "making 0x%" G_GINT64_MODIFIER "x bytes at %p inaccessible: %s", length,
                    (void *)addr, g_strerror(saved));
        return false;
    }
    return true;
}

bool tm_host_mappable(uint64_t dpa, uint64_t length, uint64_t file_offset)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

    return dpa % page == 0 && length % page == 0 && file_offset % page == 0 && length > 0;
}

bool tm_host_map_fd(uint8_t *addr, uint64_t length, bool writable, int fd,
                    uint64_t file_offset, GError **err)
{
    int prot = PROT_READ | (writable ? PROT_WRITE : 0);
    void *mapped = mmap(addr, length, prot, MAP_SHARED | MAP_FIXED, fd, (off_t)file_offset);

    if (mapped == MAP_FAILED) {
        int saved = errno;
        /* A failed MAP_FIXED may have unmapped the range: hold it again. */
        tm_host_make_inaccessible(addr, length, NULL);
        g_set_error(err, TM_HOST_ERROR, saved,
                    "mapping 0x%" G_GINT64_MODIFIER "x bytes of descriptor %d at offset 0x%"
                    G_GINT64_MODIFIER "x: %s", length, fd, file_offset, g_strerror(saved));
        return false;
    }
    return true;
}
