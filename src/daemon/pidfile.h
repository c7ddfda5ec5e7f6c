/*
 * The daemon's pidfile (--pidfile), written only into a regular file that
 * no other live tagmemd holds: opened without following a symbolic link
 * and without blocking (a FIFO is refused, not waited on), locked before it
 * is truncated, and removed at exit only by the daemon that holds it.
 */
#pragma once

#include <glib.h>

typedef struct TmPidfile TmPidfile;

/* Lock @path and write our pid into it; NULL with @err naming the path and why. */
TmPidfile *tm_pidfile_acquire(const char *path, GError **err);

/* Remove the file and let the lock go. */
void tm_pidfile_release(TmPidfile *pidfile);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmPidfile, tm_pidfile_release)
