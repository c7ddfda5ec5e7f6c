/* Generic component commands (CXL r3.1 §8.2.9.1), on host and FM ports. */
#include "cci/mailbox_internal.h"

#include <endian.h>
#include <string.h>

#include "cci/cxl_commands.h"
#include "cci/return_code_mapping.h"

/*
 * CXL r3.1 §8.2.9.1.1: Identify (0001h).  The PCI IDs are the device's
 * properties (tm_dcd_pci_identity); the serial number is its "sn".
 */
TmCxlReturnCode tm_mailbox_identify(const TmMailboxRequest *request,
                                    TmMailboxResponse *response, GError **err)
{
    TmDcPciIdentity pci = tm_dcd_pci_identity(request->dev);
    TmCxlIdentifyResponse out = {
        .vendor_id = htole16(pci.vendor_id),
        .device_id = htole16(pci.device_id),
        .subsystem_vendor_id = htole16(pci.subsystem_vendor_id),
        .subsystem_id = htole16(pci.subsystem_id),
        .serial_number = htole64(tm_dcd_serial(request->dev)),
        /* 2^n bytes; the caller's max payload is a power of two. */
        .max_message_size = (uint8_t)__builtin_ctz(request->caller->max_payload),
        .component_type = TM_CXL_COMPONENT_TYPE_TYPE3,
    };

    memcpy(response->payload, &out, sizeof(out));
    response->length = sizeof(out);
    return TM_CXL_RC_SUCCESS;
}

/*
 * CXL r3.1 §8.2.9.1.2: Background Operation Status (0002h).  The device's
 * one background operation, whichever port started it: bit 0 of the
 * status byte says it runs, bits 7:1 the percentage done; the opcode is
 * the last one started and the return code that of the last one ended
 * (all zero until one ran).
 */
TmCxlReturnCode tm_mailbox_background_operation_status(const TmMailboxRequest *request,
                                                      TmMailboxResponse *response,
                                                      GError **err)
{
    TmBackgroundStatus status = tm_dcd_background_status(request->dev);
    TmCxlReturnCode code = status.running || status.opcode == 0
                               ? TM_CXL_RC_SUCCESS
                               : tm_cxl_return_code_from_dc_status(status.status);
    TmCxlBackgroundOperationStatusResponse out = {
        .status = (uint8_t)((status.percent << 1) | (status.running ? 1 : 0)),
        .opcode = htole16(status.opcode),
        .return_code = htole16(code),
    };

    (void)err;
    memcpy(response->payload, &out, sizeof(out));
    response->length = sizeof(out);
    return TM_CXL_RC_SUCCESS;
}

static uint8_t log2_of(size_t power_of_two)
{
    return (uint8_t)__builtin_ctzl(power_of_two);
}

/* CXL r3.1 §8.2.9.1.3: Get Response Message Limit (0003h): this connection's, as 2^n. */
TmCxlReturnCode tm_mailbox_get_response_message_limit(const TmMailboxRequest *request,
                                                     TmMailboxResponse *response, GError **err)
{
    /* The payload limit may be 2^20 - 1 (the length field); the limit is a power of two. */
    TmCxlResponseMessageLimit out = {
        .limit_log2 = log2_of(MIN(tm_mailbox_response_limit(request->caller),
                                  (size_t)request->caller->max_payload)),
    };

    (void)err;
    memcpy(response->payload, &out, sizeof(out));
    response->length = sizeof(out);
    return TM_CXL_RC_SUCCESS;
}

/*
 * CXL r3.1 §8.2.9.1.4: Set Response Message Limit (0004h): 2^n bytes, n
 * from 8 to 20, at most the connection's max payload (a larger n is held
 * to it); the answer is the limit in force.  It bounds the commands that
 * return as many list entries as fit (Get Event Records and the DC lists).
 */
TmCxlReturnCode tm_mailbox_set_response_message_limit(const TmMailboxRequest *request,
                                                     TmMailboxResponse *response, GError **err)
{
    TmCxlResponseMessageLimit in;

    memcpy(&in, request->payload, sizeof(in));
    if (in.limit_log2 < 8 || in.limit_log2 > 20) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "response message limit 2^%u is outside 2^8..2^20",
                               in.limit_log2);
    }
    request->caller->response_limit = MIN(1u << in.limit_log2, request->caller->max_payload);
    return tm_mailbox_get_response_message_limit(request, response, err);
}
