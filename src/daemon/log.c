#include "daemon/log.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"

static const char *const level_names[] = {
    [TM_LOG_ERROR] = "error",
    [TM_LOG_WARNING] = "warning",
    [TM_LOG_INFO] = "info",
    [TM_LOG_DEBUG] = "debug",
};

bool tm_log_level_parse(const char *text, TmLogLevel *out, GError **err)
{
    for (gsize i = 0; i < G_N_ELEMENTS(level_names); i++) {
        if (strcmp(text, level_names[i]) == 0) {
            *out = (TmLogLevel)i;
            return true;
        }
    }
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                "Option --log-level expects error, warning, info or debug, got '%s'", text);
    return false;
}

static TmLogLevel level_of(GLogLevelFlags flags)
{
    if (flags & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) {
        return TM_LOG_ERROR;
    }
    if (flags & G_LOG_LEVEL_WARNING) {
        return TM_LOG_WARNING;
    }
    if (flags & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO)) {
        return TM_LOG_INFO;
    }
    return TM_LOG_DEBUG;
}

static GLogWriterOutput write_stderr(GLogLevelFlags flags, const GLogField *fields,
                                     gsize n_fields, gpointer max_level)
{
    TmLogLevel level = level_of(flags);
    const char *message = "";

    if (level > (TmLogLevel)GPOINTER_TO_UINT(max_level)) {
        return G_LOG_WRITER_HANDLED;
    }
    for (gsize i = 0; i < n_fields; i++) {
        if (strcmp(fields[i].key, "MESSAGE") == 0 && fields[i].length < 0) {
            message = fields[i].value;
        }
    }
    fprintf(stderr, "tagmemd: %s: %s\n", level_names[level], message);
    fflush(stderr);
    return G_LOG_WRITER_HANDLED;
}

void tm_log_init(TmLogLevel max_level)
{
    /* The level rides in the writer's user data: no global variable. */
    g_log_set_writer_func(write_stderr, GUINT_TO_POINTER(max_level), NULL);
}
