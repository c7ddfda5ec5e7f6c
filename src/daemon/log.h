/*
 * tagmemd's log: one line per message on stderr, "tagmemd: LEVEL: text",
 * filtered by --log-level.  Code logs with GLib's g_debug/g_info/
 * g_message/g_warning/g_critical; g_message counts as info.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

typedef enum {
    TM_LOG_ERROR,
    TM_LOG_WARNING,
    TM_LOG_INFO,
    TM_LOG_DEBUG,
} TmLogLevel;

/* "error", "warning", "info" or "debug". */
bool tm_log_level_parse(const char *text, TmLogLevel *out, GError **err);

/* Route every GLib log message of this process to stderr, up to @max_level. */
void tm_log_init(TmLogLevel max_level);
