/* The device timestamp (CXL r3.1 §8.2.9.4), on host and FM ports. */
#include "cci/mailbox_internal.h"

#include <endian.h>
#include <string.h>

#include "cci/cxl_commands.h"

/* CXL r3.1 §8.2.9.4.1: Get Timestamp (0300h). */
TmCxlReturnCode tm_mailbox_get_timestamp(const TmMailboxRequest *request,
                                         TmMailboxResponse *response, GError **err)
{
    TmCxlTimestamp out = { .timestamp_ns = htole64(tm_dcd_timestamp_ns(request->dev)) };

    (void)err;
    memcpy(response->payload, &out, sizeof(out));
    response->length = sizeof(out);
    return TM_CXL_RC_SUCCESS;
}

/*
 * CXL r3.1 §8.2.9.4.2: Set Timestamp (0301h).  The device then counts
 * from the value set; event records carry it.
 */
TmCxlReturnCode tm_mailbox_set_timestamp(const TmMailboxRequest *request,
                                         TmMailboxResponse *response, GError **err)
{
    TmCxlTimestamp in;

    (void)err;
    memcpy(&in, request->payload, sizeof(in));
    tm_dcd_set_timestamp_ns(request->dev, le64toh(in.timestamp_ns));
    response->length = 0;
    return TM_CXL_RC_SUCCESS;
}
