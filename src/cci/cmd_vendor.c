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
