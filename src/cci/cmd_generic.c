/* Generic component commands (CXL r3.1 §8.2.9.1), on host and FM ports. */
#include "cci/mailbox_internal.h"

#include <endian.h>
#include <string.h>

#include "cci/cxl_commands.h"

/* CXL r3.1 §8.2.9.1.1: Identify (0001h). */
TmCxlReturnCode tm_mailbox_identify(const TmMailboxRequest *request,
                                    TmMailboxResponse *response, GError **err)
{
    TmCxlIdentifyResponse out = {
        .vendor_id = htole16(TM_MAILBOX_PCI_VENDOR_ID),
        .device_id = htole16(TM_MAILBOX_PCI_DEVICE_ID),
        .subsystem_vendor_id = htole16(TM_MAILBOX_PCI_SUBSYSTEM_VENDOR_ID),
        .subsystem_id = htole16(TM_MAILBOX_PCI_SUBSYSTEM_ID),
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
 * CXL r3.1 §8.2.9.1.2: Background Operation Status (0002h).  No tagmem
 * command runs in the background (each is answered when done), so none is
 * running and none has run: all zero.
 */
TmCxlReturnCode tm_mailbox_background_operation_status(const TmMailboxRequest *request,
                                                      TmMailboxResponse *response,
                                                      GError **err)
{
    TmCxlBackgroundOperationStatusResponse out = { 0 };

    (void)request;
    (void)err;
    memcpy(response->payload, &out, sizeof(out));
    response->length = sizeof(out);
    return TM_CXL_RC_SUCCESS;
}
