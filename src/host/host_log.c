#include "host/host_log.h"

void tm_host_log(const TmHostLogger *logger, TagmemLogLevel level, const char *format, ...)
{
    va_list args;

    if (logger->fn == NULL) {
        return;
    }
    va_start(args, format);
    g_autofree char *message = g_strdup_vprintf(format, args);
    va_end(args);
    logger->fn(logger->data, level, message);
}
