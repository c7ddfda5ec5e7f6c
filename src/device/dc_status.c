#include "device/dc_status.h"

#include "core/error.h"

const char *tm_dc_status_name(TmDcStatus status)
{
    switch (status) {
    case TM_DC_OK:
        return "Success";
    case TM_DC_INVALID_INPUT:
        return "Invalid Input";
    case TM_DC_UNSUPPORTED:
        return "Unsupported";
    case TM_DC_INTERNAL_ERROR:
        return "Internal Error";
    case TM_DC_INVALID_PHYSICAL_ADDRESS:
        return "Invalid Physical Address";
    case TM_DC_INJECT_POISON_LIMIT:
        return "Inject Poison Limit Reached";
    case TM_DC_MEDIA_ERROR:
        return "Media Disabled";
    case TM_DC_RESOURCES_EXHAUSTED:
        return "Resources Exhausted";
    case TM_DC_INVALID_EXTENT_LIST:
        return "Invalid Extent List";
    case TM_DC_BUSY:
        return "Busy";
    case TM_DC_MEDIA_DISABLED:
        return "Media Disabled";
    case TM_DC_ABORTED:
        return "Aborted";
    }
    return "Unknown";
}

TmDcStatus tm_dc_fail(GError **err, TmDcStatus status, const char *format, ...)
{
    va_list args;

    g_assert(status != TM_DC_OK);
    va_start(args, format);
    g_autofree char *message = g_strdup_vprintf(format, args);
    va_end(args);
    g_set_error_literal(err, TM_ERROR, TM_ERROR_GENERIC, message);
    return status;
}
