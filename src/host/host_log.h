/* The log hook of a handle: lines go to the application's TagmemLogFn, if any. */
#pragma once

#include <glib.h>

#include "tagmem/tagmem.h"

typedef struct {
    TagmemLogFn fn;
    void *data;
} TmHostLogger;

void tm_host_log(const TmHostLogger *logger, TagmemLogLevel level, const char *format, ...)
    G_GNUC_PRINTF(3, 4);
