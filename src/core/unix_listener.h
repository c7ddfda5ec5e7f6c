/*
 * A listening UNIX socket on a descriptor dispatcher, shared by the QMP
 * and the CCI servers: it binds @path with a fixed file mode, replaces a
 * stale socket file left by a daemon that died (never another kind of
 * file, and on request never a live socket), accepts waiting connections
 * when the socket is readable (a few per pass of the dispatcher), backs
 * off for a while when out of file descriptors, and removes the socket
 * file when freed.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <glib.h>

#include "core/fd_dispatcher.h"
#include "core/inherited_sockets.h"

typedef struct TmUnixListener TmUnixListener;

/* A connection accepted (non-blocking, close-on-exec); the callee owns @fd. */
typedef void (*TmUnixAcceptFunc)(int fd, void *opaque);

typedef struct {
    int type;          /* SOCK_STREAM or SOCK_SEQPACKET */
    mode_t mode;       /* the socket file's mode, whatever the umask */
    const char *label; /* names the socket in messages: "QMP", "CCI" (kept, not copied) */
    /*
     * Refuse a socket file on which a process still accepts connections;
     * false replaces it like a stale one (a caller that checks first).
     */
    bool refuse_live;
    /*
     * Sockets the daemon was started with (may be NULL): one bound to the
     * path is used as it is, and its file is left in place when freed (it
     * is the service manager's).
     */
    TmInheritedSockets *inherited;
} TmUnixListenerConfig;

/*
 * Listen on @path as @config says and call @accepted for each connection
 * from @dispatcher's passes (a few per pass: fairness).  Fails, creating nothing, when @path is too long for
 * a socket address, is a file that is not a socket, or (with refuse_live)
 * is a socket on which a process still accepts connections; or when the
 * inherited socket for @path is not of config->type.
 */
TmUnixListener *tm_unix_listener_new(TmFdDispatcher *dispatcher, const char *path,
                                     const TmUnixListenerConfig *config,
                                     TmUnixAcceptFunc accepted, void *opaque, GError **err);

/* Stop accepting, close the socket and remove its file. */
void tm_unix_listener_free(TmUnixListener *listener);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmUnixListener, tm_unix_listener_free)
