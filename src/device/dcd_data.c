/*
 * The data path a host uses (tagmem's vendor commands C001h-C003h,
 * docs/host-protocol.md): the memory object behind a block the host has
 * accepted, and reads and writes by DPA.  A host reaches only capacity it
 * has accepted; every range is checked against its accepted list before
 * any byte moves.
 */
#include "device/dcd_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>

#include "backend/mem_object.h"
#include "device/dcd_poison.h"

/* Some byte of [dpa, dpa + length) is in @host_id's accepted capacity: O(log n). */
static bool host_holds_part(const TmDcd *dev, uint16_t host_id, uint64_t dpa, uint64_t length)
{
    guint low = 0;
    guint high = tm_dcd_host_accepted_count(dev, host_id);

    /* The first extent that ends after @dpa (the list is sorted and disjoint). */
    while (low < high) {
        guint mid = low + (high - low) / 2;
        if (tm_extent_end(&tm_dcd_host_accepted(dev, host_id, mid)->extent) <= dpa) {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    return low < tm_dcd_host_accepted_count(dev, host_id) &&
           tm_dcd_host_accepted(dev, host_id, low)->extent.dpa < dpa + length;
}

static bool held_by_another_host(const TmDcd *dev, uint16_t host_id, uint64_t dpa,
                                 uint64_t length)
{
    for (uint16_t other = 0; other < dev->num_hosts; other++) {
        if (other != host_id && host_holds_part(dev, other, dpa, length)) {
            return true;
        }
    }
    return false;
}

/* Checks of C001h, in order: length, region, block alignment, one accepted extent. */
static TmDcStatus find_extent_of_range(const TmDcd *dev, uint16_t host_id, uint64_t dpa,
                                       uint64_t length, const TmBackedExtent **out,
                                       const TmDcRegion **region_out, GError **err)
{
    if (length == 0) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                          "Get Extent Memory: length 0 at DPA 0x%" PRIx64, dpa);
    }
    int r = tm_dc_region_find(dev->regions, dev->num_dc_regions, dpa, length);
    if (r < 0) {
        return tm_dc_fail(err, TM_DC_INVALID_PHYSICAL_ADDRESS,
                          "Get Extent Memory: DPA range 0x%" PRIx64 "+0x%" PRIx64
                          " is not inside one DC region", dpa, length);
    }
    const TmDcRegion *region = &dev->regions[r];
    if (!tm_dc_region_aligned(region, dpa, length)) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                          "Get Extent Memory: DPA range 0x%" PRIx64 "+0x%" PRIx64
                          " is not aligned to the region's block size 0x%" PRIx64, dpa,
                          length, region->block_size);
    }
    const TmBackedExtent *extent = tm_dcd_host_find_accepted(dev, host_id, dpa);
    if (extent == NULL || !tm_extent_contains(&extent->extent, dpa, length)) {
        return tm_dc_fail(err, TM_DC_INVALID_PHYSICAL_ADDRESS,
                          "Get Extent Memory: DPA range 0x%" PRIx64 "+0x%" PRIx64
                          " is not inside one extent host %u has accepted", dpa, length,
                          host_id);
    }
    *out = extent;
    *region_out = region;
    return TM_DC_OK;
}

TmDcStatus tm_dcd_host_extent_memory(TmDcd *dev, uint16_t host_id, uint64_t dpa,
                                     uint64_t length, TmDcExtentMemory *out, GError **err)
{
    const TmBackedExtent *extent = NULL;
    const TmDcRegion *region = NULL;
    g_autoptr(GError) local = NULL;
    TmDcStatus status = find_extent_of_range(dev, host_id, dpa, length, &extent, &region, err);

    if (status != TM_DC_OK) {
        return status;
    }
    TmHostMem *backend = extent->backend;
    if (!tm_hostmem_passes_fds(backend)) {
        return tm_dc_fail(err, TM_DC_UNSUPPORTED,
                          "Get Extent Memory: memory backend '%s' is %s, which is never handed "
                          "to a host; use Read DPA (C002h) and Write DPA (C003h)",
                          tm_hostmem_id(backend),
                          tm_hostmem_is_shareable(backend)
                              ? "a file (a file cannot be sealed against truncation)"
                              : "private memory (share=off)");
    }
    /* One block per answer: a descriptor reaches exactly one block the host holds. */
    uint64_t block_offset = extent->backend_offset + (dpa - extent->extent.dpa);
    TmMemObject *object = tm_hostmem_block_object(backend, block_offset, region->block_size,
                                                  &local);
    if (object == NULL) {
        return tm_dc_fail(err, TM_DC_RESOURCES_EXHAUSTED, "Get Extent Memory: %s",
                          local->message);
    }
    int fd = fcntl(tm_mem_object_fd(object), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        return tm_dc_fail(err, TM_DC_RESOURCES_EXHAUSTED,
                          "Get Extent Memory: cannot duplicate a descriptor of memory backend "
                          "'%s': %s", tm_hostmem_id(backend), g_strerror(errno));
    }
    *out = (TmDcExtentMemory) {
        .fd = fd,
        .file_offset = 0,
        .length = region->block_size,
        .writable = !tm_hostmem_is_readonly(backend),
        .tagged = !tm_guid_is_null(&extent->extent.tag),
        .shared = held_by_another_host(dev, host_id, dpa, region->block_size),
    };
    return TM_DC_OK;
}

/* Where a piece of an accepted extent is: its backend block and offset. */
typedef struct {
    TmHostMem *backend;
    uint64_t block_offset;
    uint64_t block_size;
    uint64_t offset;
    uint64_t length;
} TmDpaPiece;

/*
 * The pieces of [dpa, dpa + length) (one per block), which must lie inside
 * capacity @host_id has accepted (it may span extents).
 */
static TmDcStatus accepted_pieces(const TmDcd *dev, uint16_t host_id, const char *name,
                                  uint64_t dpa, uint64_t length, bool for_writing,
                                  GArray *pieces, GError **err)
{
    uint64_t end = dpa + length;

    if (end < dpa) {
        return tm_dc_fail(err, TM_DC_INVALID_PHYSICAL_ADDRESS,
                          "%s: DPA range 0x%" PRIx64 "+0x%" PRIx64 " wraps around", name, dpa,
                          length);
    }
    for (uint64_t at = dpa; at < end;) {
        const TmBackedExtent *extent = tm_dcd_host_find_accepted(dev, host_id, at);
        if (extent == NULL) {
            return tm_dc_fail(err, TM_DC_INVALID_PHYSICAL_ADDRESS,
                              "%s: DPA 0x%" PRIx64 " is not in capacity host %u has accepted",
                              name, at, host_id);
        }
        if (for_writing && tm_hostmem_is_readonly(extent->backend)) {
            return tm_dc_fail(err, TM_DC_UNSUPPORTED,
                              "%s: DPA 0x%" PRIx64 " is in memory backend '%s', which is "
                              "read-only", name, at, tm_hostmem_id(extent->backend));
        }
        uint64_t block_size = dev->regions[extent->region].block_size;
        uint64_t region_base = dev->regions[extent->region].base;
        uint64_t block_dpa = at - (at - region_base) % block_size;
        uint64_t piece_end = MIN(MIN(tm_extent_end(&extent->extent), end),
                                 block_dpa + block_size);
        uint64_t offset = extent->backend_offset + (at - extent->extent.dpa);
        TmDpaPiece piece = {
            .backend = extent->backend,
            .block_offset = offset - (at - block_dpa),
            .block_size = block_size,
            .offset = offset,
            .length = piece_end - at,
        };
        g_array_append_val(pieces, piece);
        at = piece_end;
    }
    return TM_DC_OK;
}

static TmDcStatus access_failed(const char *name, uint64_t dpa, GError *cause, GError **err)
{
    return tm_dc_fail(err, TM_DC_INTERNAL_ERROR, "%s: DPA 0x%" PRIx64 ": %s", name, dpa,
                      cause->message);
}

TmDcStatus tm_dcd_host_read(TmDcd *dev, uint16_t host_id, uint64_t dpa, void *buf,
                            uint64_t length, GError **err)
{
    g_autoptr(GArray) pieces = g_array_new(FALSE, FALSE, sizeof(TmDpaPiece));
    TmDcStatus status = accepted_pieces(dev, host_id, "Read DPA", dpa, length, false, pieces,
                                        err);
    uint8_t *out = buf;
    uint64_t poisoned;

    /*
     * A poisoned line has no data to give (CXL r3.1 §8.2.9.9.4): the read
     * fails whole, naming the first such line (dcd_poison.h).
     */
    if (status == TM_DC_OK && tm_dcd_poison_find(dev, dpa, length, &poisoned)) {
        return tm_dc_fail(err, TM_DC_MEDIA_ERROR,
                          "Read DPA: DPA 0x%" PRIx64 " is poisoned (media error)", poisoned);
    }
    for (guint i = 0; status == TM_DC_OK && i < pieces->len; i++) {
        const TmDpaPiece *p = &g_array_index(pieces, TmDpaPiece, i);
        g_autoptr(GError) local = NULL;

        if (!tm_hostmem_block_read(p->backend, p->block_offset, p->block_size, p->offset, out,
                                   p->length, &local)) {
            return access_failed("Read DPA", dpa + (uint64_t)(out - (uint8_t *)buf), local,
                                 err);
        }
        out += p->length;
    }
    return status;
}

TmDcStatus tm_dcd_host_write(TmDcd *dev, uint16_t host_id, uint64_t dpa, const void *buf,
                             uint64_t length, GError **err)
{
    g_autoptr(GArray) pieces = g_array_new(FALSE, FALSE, sizeof(TmDpaPiece));
    TmDcStatus status = accepted_pieces(dev, host_id, "Write DPA", dpa, length, true, pieces,
                                        err);
    const uint8_t *in = buf;

    /* Checked whole above before any byte is written. */
    for (guint i = 0; status == TM_DC_OK && i < pieces->len; i++) {
        const TmDpaPiece *p = &g_array_index(pieces, TmDpaPiece, i);
        g_autoptr(GError) local = NULL;

        if (!tm_hostmem_block_write(p->backend, p->block_offset, p->block_size, p->offset, in,
                                    p->length, &local)) {
            return access_failed("Write DPA", dpa + (uint64_t)(in - (const uint8_t *)buf),
                                 local, err);
        }
        in += p->length;
    }
    return status;
}
