/* Sanitize and Secure Erase (CXL r3.1 §8.2.9.9.5), on host ports. */
#include "cci/mailbox_internal.h"

#include "cci/return_code_mapping.h"

/*
 * CXL r3.1 §8.2.9.9.5.1 Sanitize (4400h), §8.2.9.9.5.2 Secure Erase
 * (4401h): no payload either way.  The work runs in the background: the
 * answer is Background Command Started (01h) at once, and 0002h reports
 * progress and the result (tm_dcd_sanitize has the checks).
 */
TmCxlReturnCode tm_mailbox_sanitize(const TmMailboxRequest *request,
                                    TmMailboxResponse *response, GError **err)
{
    GError *local = NULL;
    TmDcStatus status = tm_dcd_sanitize(request->dev, request->opcode, &local);

    response->length = 0;
    if (status != TM_DC_OK) {
        return tm_cxl_return_code_from_dc_result(status, local, err);
    }
    return TM_CXL_RC_BACKGROUND_COMMAND_STARTED;
}
