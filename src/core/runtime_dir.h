/*
 * Where tagmemd puts its sockets when the command line names none, and
 * where the tagmem CLI looks for them: one rule for both programs.
 *
 *   $XDG_RUNTIME_DIR/tagmem        when XDG_RUNTIME_DIR is an absolute path
 *   /tmp/tagmem-$UID               otherwise
 *
 * The directory is private (mode 0700, owned by the user): a QMP socket
 * gives full control of the daemon, so file permissions are its access
 * control.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

#define TM_QMP_SOCKET_NAME "qmp.sock"

/* The default runtime directory for this user; caller frees. */
char *tm_runtime_dir_default(void);

/* The default QMP socket path, inside tm_runtime_dir_default(); caller frees. */
char *tm_runtime_dir_qmp_socket(void);

/*
 * Create @dir with mode 0700 when it does not exist.  An existing @dir must
 * be a real directory (not a symlink) owned by the caller's user and closed
 * to group and others, or the call fails: someone else could otherwise
 * read the sockets or plant their own.
 */
bool tm_runtime_dir_ensure(const char *dir, GError **err);
