#include "cci/return_code_mapping.h"

TmCxlReturnCode tm_cxl_return_code_from_dc_status(TmDcStatus status)
{
    switch (status) {
    case TM_DC_OK:
        return TM_CXL_RC_SUCCESS;
    case TM_DC_INVALID_INPUT:
        return TM_CXL_RC_INVALID_INPUT;
    case TM_DC_UNSUPPORTED:
        return TM_CXL_RC_UNSUPPORTED;
    case TM_DC_INTERNAL_ERROR:
        return TM_CXL_RC_INTERNAL_ERROR;
    case TM_DC_INVALID_PHYSICAL_ADDRESS:
        return TM_CXL_RC_INVALID_PHYSICAL_ADDRESS;
    case TM_DC_INJECT_POISON_LIMIT:
        return TM_CXL_RC_INJECT_POISON_LIMIT_REACHED;
    case TM_DC_MEDIA_ERROR:
        return TM_CXL_RC_MEDIA_DISABLED;
    case TM_DC_RESOURCES_EXHAUSTED:
        return TM_CXL_RC_RESOURCES_EXHAUSTED;
    case TM_DC_INVALID_EXTENT_LIST:
        return TM_CXL_RC_INVALID_EXTENT_LIST;
    case TM_DC_BUSY:
        return TM_CXL_RC_BUSY;
    case TM_DC_MEDIA_DISABLED:
        return TM_CXL_RC_MEDIA_DISABLED;
    case TM_DC_ABORTED:
        return TM_CXL_RC_ABORTED;
    }
    return TM_CXL_RC_INTERNAL_ERROR;
}

TmCxlReturnCode tm_cxl_return_code_from_dc_result(TmDcStatus status, GError *local,
                                                  GError **err)
{
    if (status != TM_DC_OK) {
        g_propagate_error(err, local);
    }
    return tm_cxl_return_code_from_dc_status(status);
}

TmCxlReturnCode tm_cxl_return_code_from_event_clear(TmEventClearResult result)
{
    switch (result) {
    case TM_EVENT_CLEAR_OK:
        return TM_CXL_RC_SUCCESS;
    case TM_EVENT_CLEAR_INVALID_HANDLE:
        return TM_CXL_RC_INVALID_HANDLE;
    case TM_EVENT_CLEAR_INVALID_INPUT:
        return TM_CXL_RC_INVALID_INPUT;
    }
    return TM_CXL_RC_INTERNAL_ERROR;
}
