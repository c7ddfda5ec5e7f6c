/*
 * tagmem's vendor-defined data-path commands (command set C0h, host ports
 * only; docs/host-protocol.md): the memory object behind an accepted block
 * as a file descriptor the host maps (C001h), and reads and writes by DPA
 * for memory that is never handed out (C002h, C003h).  The rules (what a
 * host may reach) are the device's (device/dcd_data.c); this file decodes
 * and encodes.
 */
#include "cci/mailbox_internal.h"

#include <endian.h>
#include <inttypes.h>
#include <string.h>

#include "cci/return_code_mapping.h"
#include "cci/cxl_dc_extent.h"
#include "cci/vendor_commands.h"

/* C001h Get Extent Memory: one block's memory object and where the block is in it. */
TmCxlReturnCode tm_mailbox_get_extent_memory(const TmMailboxRequest *request,
                                             TmMailboxResponse *response, GError **err)
{
    TmVendorGetExtentMemoryRequest in;
    TmDcExtentMemory memory;

    memcpy(&in, request->payload, sizeof(in));
    TmDcStatus status = tm_dcd_host_extent_memory(request->dev, request->caller->host_id,
                                                  le64toh(in.dpa), le64toh(in.length),
                                                  &memory, err);
    if (status != TM_DC_OK) {
        return tm_cxl_return_code_from_dc_status(status);
    }
    uint32_t flags = (memory.writable ? TM_VENDOR_EXTENT_MEMORY_WRITABLE : 0) |
                     (memory.tagged ? TM_VENDOR_EXTENT_MEMORY_TAGGED : 0) |
                     (memory.shared ? TM_VENDOR_EXTENT_MEMORY_SHARED : 0);
    TmVendorGetExtentMemoryResponse out = {
        .file_offset = htole64(memory.file_offset),
        .length = htole64(memory.length),
        .flags = htole32(flags),
    };
    memcpy(response->payload, &out, sizeof(out));
    response->length = sizeof(out);
    /* The transport sends and closes it. */
    response->fd = memory.fd;
    return TM_CXL_RC_SUCCESS;
}

/* C002h Read DPA: the bytes of the range, which may span extents. */
TmCxlReturnCode tm_mailbox_read_dpa(const TmMailboxRequest *request,
                                    TmMailboxResponse *response, GError **err)
{
    TmVendorDpaAccessRequest in;
    size_t limit = tm_mailbox_payload_limit(request->caller);

    memcpy(&in, request->payload, sizeof(in));
    uint64_t dpa = le64toh(in.dpa);
    uint32_t length = le32toh(in.length);
    if (length == 0) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "Read DPA: length 0 at DPA 0x%" PRIx64, dpa);
    }
    if (length > limit) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "Read DPA: length %" PRIu32 " is more than the %zu bytes a "
                               "response carries", length, limit);
    }
    TmDcStatus status = tm_dcd_host_read(request->dev, request->caller->host_id, dpa,
                                         response->payload, length, err);
    if (status != TM_DC_OK) {
        return tm_cxl_return_code_from_dc_status(status);
    }
    response->length = length;
    return TM_CXL_RC_SUCCESS;
}

/* C003h Write DPA: the bytes after the header, written only once the whole range checks out. */
TmCxlReturnCode tm_mailbox_write_dpa(const TmMailboxRequest *request,
                                     TmMailboxResponse *response, GError **err)
{
    TmVendorDpaAccessRequest in;

    memcpy(&in, request->payload, sizeof(in));
    uint64_t dpa = le64toh(in.dpa);
    uint32_t length = le32toh(in.length);
    if (length == 0) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "Write DPA: length 0 at DPA 0x%" PRIx64, dpa);
    }
    /* The table checked that the payload is the header plus exactly @length bytes. */
    TmDcStatus status = tm_dcd_host_write(request->dev, request->caller->host_id, dpa,
                                          request->payload + sizeof(in), length, err);
    response->length = 0;
    return tm_cxl_return_code_from_dc_status(status);
}

/*
 * C004h Get Pending Offer: the extents of the offer the host's next 4802h
 * answers, as many as fit from the starting index.  A host process that
 * restarts in the middle of reading an offer's records (records it cleared
 * are gone from the log) learns the whole offer here and answers all of it
 * (docs/host-protocol.md).
 */
TmCxlReturnCode tm_mailbox_get_pending_offer(const TmMailboxRequest *request,
                                             TmMailboxResponse *response, GError **err)
{
    TmVendorGetPendingOfferRequest in;
    TmDcPendingGroupInfo group = { 0 };

    memcpy(&in, request->payload, sizeof(in));
    bool pending = tm_dcd_host_front_group(request->dev, request->caller->host_id, &group);
    uint32_t start = le32toh(in.start_index);
    if (start > group.n_extents) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "starting index %u is beyond the offer's %u extents", start,
                               group.n_extents);
    }
    size_t returned = tm_mailbox_entries_that_fit(request, sizeof(TmVendorGetPendingOfferResponse),
                                                  sizeof(TmCxlDcExtent), group.n_extents - start);
    TmVendorGetPendingOfferResponse header = {
        .total_count = htole32(group.n_extents),
        .returned_count = htole32((uint32_t)returned),
        .group_id = htole64(pending ? group.id : 0),
    };
    memcpy(response->payload, &header, sizeof(header));
    for (size_t i = 0; i < returned; i++) {
        TmCxlDcExtent wire;

        tm_cxl_dc_extent_encode(&group.extents[start + i].extent, &wire);
        memcpy(response->payload + sizeof(header) + i * sizeof(wire), &wire, sizeof(wire));
    }
    response->length = sizeof(header) + returned * sizeof(TmCxlDcExtent);
    return TM_CXL_RC_SUCCESS;
}
