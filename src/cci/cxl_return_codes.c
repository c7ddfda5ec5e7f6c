#include "cci/cxl_return_codes.h"

#include <stddef.h>

const char *tm_cxl_return_code_name(uint16_t code)
{
    static const struct {
        TmCxlReturnCode code;
        const char *name;
    } names[] = {
        { TM_CXL_RC_SUCCESS, "Success" },
        { TM_CXL_RC_BACKGROUND_COMMAND_STARTED, "Background Command Started" },
        { TM_CXL_RC_INVALID_INPUT, "Invalid Input" },
        { TM_CXL_RC_UNSUPPORTED, "Unsupported" },
        { TM_CXL_RC_INTERNAL_ERROR, "Internal Error" },
        { TM_CXL_RC_RETRY_REQUIRED, "Retry Required" },
        { TM_CXL_RC_BUSY, "Busy" },
        { TM_CXL_RC_MEDIA_DISABLED, "Media Disabled" },
        { TM_CXL_RC_INVALID_HANDLE, "Invalid Handle" },
        { TM_CXL_RC_INVALID_PHYSICAL_ADDRESS, "Invalid Physical Address" },
        { TM_CXL_RC_INJECT_POISON_LIMIT_REACHED, "Inject Poison Limit Reached" },
        { TM_CXL_RC_ABORTED, "Aborted" },
        { TM_CXL_RC_UNSUPPORTED_MAILBOX_OR_CCI, "Unsupported Mailbox or CCI" },
        { TM_CXL_RC_INVALID_PAYLOAD_LENGTH, "Invalid Payload Length" },
        { TM_CXL_RC_INVALID_LOG, "Invalid Log" },
        { TM_CXL_RC_INTERRUPTED, "Interrupted" },
        { TM_CXL_RC_RESOURCES_EXHAUSTED, "Resources Exhausted" },
        { TM_CXL_RC_INVALID_EXTENT_LIST, "Invalid Extent List" },
        { TM_CXL_RC_TRANSFER_OUT_OF_ORDER, "Transfer Out of Order" },
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i].code == code) {
            return names[i].name;
        }
    }
    return "Unknown";
}
