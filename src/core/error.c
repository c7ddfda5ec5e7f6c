#include "core/error.h"

G_DEFINE_QUARK(tagmem-error-quark, tm_error)

const char *tm_error_qmp_class(const GError *error)
{
    if (error->domain == TM_ERROR) {
        switch ((TmErrorCode)error->code) {
        case TM_ERROR_COMMAND_NOT_FOUND:
            return "CommandNotFound";
        case TM_ERROR_DEVICE_NOT_FOUND:
            return "DeviceNotFound";
        case TM_ERROR_GENERIC:
            break;
        }
    }
    return "GenericError";
}
