/*
 * The rule for tagmem's runtime directory, in one place for the daemon
 * (core/runtime_dir.c) and libtagmem (which links nothing of the daemon's,
 * so the rule is header-only):
 *
 *   $XDG_RUNTIME_DIR/tagmem    when XDG_RUNTIME_DIR is an absolute path
 *   /tmp/tagmem-$UID           otherwise (the XDG Base Directory spec says
 *                              a relative value is to be ignored)
 */
#pragma once

#include <unistd.h>
#include <glib.h>

/* The directory for the current environment and user; caller frees. */
static inline char *tm_runtime_dir_rule(void)
{
    const char *xdg = g_getenv("XDG_RUNTIME_DIR");

    if (xdg != NULL && g_path_is_absolute(xdg)) {
        return g_build_filename(xdg, "tagmem", NULL);
    }
    return g_strdup_printf("/tmp/tagmem-%u", (unsigned)getuid());
}
