/*
 * tagmem's vendor-defined data-path commands (command set C0h, host ports
 * only; docs/host-protocol.md): the memory behind an accepted extent as a
 * file descriptor the host maps (C001h), and reads and writes by DPA for
 * memory that cannot be passed to another process (C002h, C003h).
 *
 * A host reaches only capacity it has accepted (SPEC.md §7: no host can
 * see another host's extents); every range is checked against the
 * calling host's accepted list before any byte moves.
 */
#include "cci/mailbox_internal.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>

#include "cci/vendor_commands.h"
#include "core/error.h"

/* A piece of a DPA range and where its bytes are in the daemon. */
typedef struct {
    uint8_t *memory;
    uint64_t length;
} TmDpaSegment;

static const TmDcRegion *find_region(const TmDcd *dev, uint64_t dpa, uint64_t length)
{
    for (unsigned i = 0; i < tm_dcd_num_regions(dev); i++) {
        const TmDcRegion *region = tm_dcd_region(dev, i);
        if (tm_dc_region_contains(region, dpa, length)) {
            return region;
        }
    }
    return NULL;
}

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
    for (uint16_t other = 0; other < tm_dcd_num_hosts(dev); other++) {
        if (other != host_id && host_holds_part(dev, other, dpa, length)) {
            return true;
        }
    }
    return false;
}

/*
 * Checks of C001h, in order: length, region, block alignment, then the
 * range must lie inside one extent the caller has accepted.
 */
static TmCxlReturnCode find_extent_of_range(const TmMailboxRequest *request, uint64_t dpa,
                                            uint64_t length, const TmBackedExtent **out,
                                            GError **err)
{
    const TmDcd *dev = request->dev;
    uint16_t host_id = request->caller->host_id;

    if (length == 0) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "Get Extent Memory: length 0 at DPA 0x%" PRIx64, dpa);
    }
    const TmDcRegion *region = find_region(dev, dpa, length);
    if (region == NULL) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
                               "Get Extent Memory: DPA range 0x%" PRIx64 "+0x%" PRIx64
                               " is not inside one DC region", dpa, length);
    }
    if (!tm_dc_region_aligned(region, dpa, length)) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "Get Extent Memory: DPA range 0x%" PRIx64 "+0x%" PRIx64
                               " is not aligned to the region's block size 0x%" PRIx64, dpa,
                               length, region->block_size);
    }
    const TmBackedExtent *extent = tm_dcd_host_find_accepted(dev, host_id, dpa);
    if (extent == NULL || !tm_extent_contains(&extent->extent, dpa, length)) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
                               "Get Extent Memory: DPA range 0x%" PRIx64 "+0x%" PRIx64
                               " is not inside one extent host %u has accepted", dpa, length,
                               host_id);
    }
    *out = extent;
    return TM_CXL_RC_SUCCESS;
}

/*
 * C001h Get Extent Memory: a descriptor of the backend behind the range,
 * and where the range is in its file: the backend's own offset in the
 * file, plus where the extent starts in the backend, plus where the range
 * starts in the extent.
 */
TmCxlReturnCode tm_mailbox_get_extent_memory(const TmMailboxRequest *request,
                                             TmMailboxResponse *response, GError **err)
{
    TmVendorGetExtentMemoryRequest in;
    const TmBackedExtent *extent = NULL;
    uint64_t backend_fd_offset = 0;
    g_autoptr(GError) local_err = NULL;

    memcpy(&in, request->payload, sizeof(in));
    uint64_t dpa = le64toh(in.dpa);
    uint64_t length = le64toh(in.length);
    TmCxlReturnCode code = find_extent_of_range(request, dpa, length, &extent, err);
    if (code != TM_CXL_RC_SUCCESS) {
        return code;
    }
    TmHostMem *backend = extent->backend;
    if (!tm_hostmem_is_shareable(backend)) {
        return tm_mailbox_fail(err, TM_CXL_RC_UNSUPPORTED,
                               "Get Extent Memory: memory backend '%s' is private memory that "
                               "cannot be passed to another process; use Read DPA (C002h) and "
                               "Write DPA (C003h)", tm_hostmem_id(backend));
    }
    int backend_fd = tm_hostmem_get_fd(backend, &backend_fd_offset, &local_err);
    if (backend_fd < 0) {
        return tm_mailbox_fail(err, TM_CXL_RC_INTERNAL_ERROR, "Get Extent Memory: %s",
                               local_err->message);
    }
    /* The backend keeps its descriptor; the transport sends and closes this one. */
    int fd = fcntl(backend_fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        return tm_mailbox_fail(err, TM_CXL_RC_INTERNAL_ERROR,
                               "Get Extent Memory: cannot duplicate the descriptor of memory "
                               "backend '%s': %s", tm_hostmem_id(backend), g_strerror(errno));
    }

    uint32_t flags = 0;
    if (!tm_hostmem_is_readonly(backend)) {
        flags |= TM_VENDOR_EXTENT_MEMORY_WRITABLE;
    }
    if (!tm_guid_is_null(&extent->extent.tag)) {
        flags |= TM_VENDOR_EXTENT_MEMORY_TAGGED;
    }
    if (held_by_another_host(request->dev, request->caller->host_id, dpa, length)) {
        flags |= TM_VENDOR_EXTENT_MEMORY_SHARED;
    }
    TmVendorGetExtentMemoryResponse out = {
        .file_offset = htole64(backend_fd_offset + extent->backend_offset +
                               (dpa - extent->extent.dpa)),
        .length = htole64(length),
        .flags = htole32(flags),
    };
    memcpy(response->payload, &out, sizeof(out));
    response->length = sizeof(out);
    response->fd = fd;
    return TM_CXL_RC_SUCCESS;
}

/*
 * The pieces of [dpa, dpa + length), which must lie inside capacity the
 * caller has accepted (it may span extents), appended to @segments.
 */
static TmCxlReturnCode map_accepted_range(const TmMailboxRequest *request, const char *name,
                                          uint64_t dpa, uint64_t length, bool for_writing,
                                          GArray *segments, GError **err)
{
    uint16_t host_id = request->caller->host_id;
    uint64_t end = dpa + length;

    if (end < dpa) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
                               "%s: DPA range 0x%" PRIx64 "+0x%" PRIx64 " wraps around", name,
                               dpa, length);
    }
    for (uint64_t at = dpa; at < end;) {
        const TmBackedExtent *extent = tm_dcd_host_find_accepted(request->dev, host_id, at);
        if (extent == NULL) {
            return tm_mailbox_fail(err, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
                                   "%s: DPA 0x%" PRIx64 " is not in capacity host %u has "
                                   "accepted", name, at, host_id);
        }
        if (for_writing && tm_hostmem_is_readonly(extent->backend)) {
            return tm_mailbox_fail(err, TM_CXL_RC_UNSUPPORTED,
                                   "%s: DPA 0x%" PRIx64 " is in memory backend '%s', which is "
                                   "read-only", name, at, tm_hostmem_id(extent->backend));
        }
        g_autoptr(GError) local_err = NULL;
        uint8_t *memory = tm_hostmem_get_memory(extent->backend, &local_err);
        if (memory == NULL) {
            return tm_mailbox_fail(err, TM_CXL_RC_INTERNAL_ERROR, "%s: %s", name,
                                   local_err->message);
        }
        uint64_t piece_end = MIN(tm_extent_end(&extent->extent), end);
        TmDpaSegment segment = {
            .memory = memory + extent->backend_offset + (at - extent->extent.dpa),
            .length = piece_end - at,
        };
        g_array_append_val(segments, segment);
        at = piece_end;
    }
    return TM_CXL_RC_SUCCESS;
}

/* The checks Read DPA and Write DPA share, then the pieces of the range. */
static TmCxlReturnCode check_dpa_access(const TmMailboxRequest *request, const char *name,
                                        uint64_t dpa, uint32_t length, bool for_writing,
                                        GArray *segments, GError **err)
{
    size_t limit = tm_mailbox_payload_limit(request->caller);

    if (length == 0) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT, "%s: length 0 at DPA 0x%" PRIx64,
                               name, dpa);
    }
    if (!for_writing && length > limit) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "%s: length %" PRIu32 " is more than the %zu bytes a response "
                               "carries", name, length, limit);
    }
    return map_accepted_range(request, name, dpa, length, for_writing, segments, err);
}

/* C002h Read DPA: the bytes of the range, which may span extents. */
TmCxlReturnCode tm_mailbox_read_dpa(const TmMailboxRequest *request,
                                    TmMailboxResponse *response, GError **err)
{
    TmVendorDpaAccessRequest in;
    g_autoptr(GArray) segments = g_array_new(FALSE, FALSE, sizeof(TmDpaSegment));

    memcpy(&in, request->payload, sizeof(in));
    uint32_t length = le32toh(in.length);
    TmCxlReturnCode code = check_dpa_access(request, "Read DPA", le64toh(in.dpa), length, false,
                                            segments, err);
    if (code != TM_CXL_RC_SUCCESS) {
        return code;
    }
    uint8_t *out = response->payload;
    for (guint i = 0; i < segments->len; i++) {
        const TmDpaSegment *segment = &g_array_index(segments, TmDpaSegment, i);
        memcpy(out, segment->memory, segment->length);
        out += segment->length;
    }
    response->length = length;
    return TM_CXL_RC_SUCCESS;
}

/* C003h Write DPA: the bytes after the header, written only once the whole range checks out. */
TmCxlReturnCode tm_mailbox_write_dpa(const TmMailboxRequest *request,
                                     TmMailboxResponse *response, GError **err)
{
    TmVendorDpaAccessRequest in;
    g_autoptr(GArray) segments = g_array_new(FALSE, FALSE, sizeof(TmDpaSegment));

    memcpy(&in, request->payload, sizeof(in));
    TmCxlReturnCode code = check_dpa_access(request, "Write DPA", le64toh(in.dpa),
                                            le32toh(in.length), true, segments, err);
    if (code != TM_CXL_RC_SUCCESS) {
        return code;
    }
    /* The table checked that the payload is the header plus exactly @length bytes. */
    const uint8_t *data = request->payload + sizeof(in);
    for (guint i = 0; i < segments->len; i++) {
        const TmDpaSegment *segment = &g_array_index(segments, TmDpaSegment, i);
        memcpy(segment->memory, data, segment->length);
        data += segment->length;
    }
    response->length = 0;
    return TM_CXL_RC_SUCCESS;
}
