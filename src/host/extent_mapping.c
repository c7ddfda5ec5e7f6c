/*
 * Mapping a range of accepted capacity from the daemon's memory objects:
 * C001h answers one object (one DC block) at a time, so a range is asked
 * for, and mapped, piece by piece (docs/host-protocol.md, C001h).
 */
#include "host/host_internal.h"

#include <sys/stat.h>
#include <unistd.h>

#include "host/host_commands.h"
#include "host/host_error.h"
#include "host/memory_map.h"

/* Map one answer at @addr; false with @err when it cannot be mapped. */
static bool map_answer(uint8_t *addr, uint64_t dpa, const TmHostExtentMemory *memory,
                       GError **err)
{
    bool writable = (memory->flags & TM_VENDOR_EXTENT_MEMORY_WRITABLE) != 0;

    if (!tm_host_mappable(dpa, memory->length, memory->file_offset)) {
        g_set_error(err, TM_HOST_ERROR, EINVAL,
                    "DPA 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER "x is not "
                    "page-aligned", dpa, memory->length);
        return false;
    }
    return tm_host_map_fd(addr, memory->length, writable, memory->fd, memory->file_offset, err);
}

TmHostMapResult tm_host_map_range(TagmemHost *host, uint8_t *addr, uint64_t dpa,
                                  uint64_t length, uint32_t *flags, GError **err)
{
    uint32_t all_flags = TM_VENDOR_EXTENT_MEMORY_WRITABLE;
    uint64_t done = 0;

    while (done < length) {
        TmHostExtentMemory memory;
        g_autoptr(GError) local = NULL;

        if (!tm_host_get_extent_memory(&host->conn, dpa + done, length - done, &memory,
                                       &local)) {
            bool refused = tm_host_error_is_refusal(local);
            g_propagate_error(err, g_steal_pointer(&local));
            if (done > 0) {
                tm_host_make_inaccessible(addr, done, NULL);
            }
            return refused ? TM_HOST_MAP_SLOW_PATH : TM_HOST_MAP_BROKEN;
        }
        bool mapped = map_answer(addr + done, dpa + done, &memory, err);
        struct stat st;
        if (mapped && fstat(memory.fd, &st) == 0) {
            /* What a reconnect compares with (host_reconnect.c). */
            g_hash_table_insert(host->mapped_inodes, GSIZE_TO_POINTER(dpa + done),
                                GSIZE_TO_POINTER(st.st_ino));
        }
        close(memory.fd);
        if (!mapped) {
            tm_host_make_inaccessible(addr, done + memory.length, NULL);
            return TM_HOST_MAP_SLOW_PATH;
        }
        /* Writable only if every piece is; shared if any is. */
        all_flags = (all_flags & ~TM_VENDOR_EXTENT_MEMORY_WRITABLE) |
                    (all_flags & memory.flags & TM_VENDOR_EXTENT_MEMORY_WRITABLE) |
                    (memory.flags & ~TM_VENDOR_EXTENT_MEMORY_WRITABLE);
        done += memory.length;
    }
    *flags = all_flags;
    return TM_HOST_MAP_OK;
}
