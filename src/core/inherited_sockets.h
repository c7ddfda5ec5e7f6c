/*
 * Listening sockets the daemon was started with (systemd socket
 * activation, sd_listen_fds(3)), found by the path they are bound to.  A
 * listener asks for its path before binding one itself; what nobody asks
 * for is closed with a warning once every socket is set up.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

typedef struct TmInheritedSockets TmInheritedSockets;

TmInheritedSockets *tm_inherited_sockets_new(void);

/*
 * Take @fd (closed on failure): a listening UNIX socket bound to a path.
 * Anything else is an error naming @name (the descriptor's name, or NULL).
 */
bool tm_inherited_sockets_add(TmInheritedSockets *sockets, int fd, const char *name,
                              GError **err);

/* The socket bound to @path (compared as canonical absolute paths), or -1; the caller's now. */
int tm_inherited_sockets_take(TmInheritedSockets *sockets, const char *path);

/* Close, with a warning each, the sockets nobody took. */
void tm_inherited_sockets_close_unused(TmInheritedSockets *sockets);

guint tm_inherited_sockets_count(const TmInheritedSockets *sockets);

void tm_inherited_sockets_free(TmInheritedSockets *sockets);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmInheritedSockets, tm_inherited_sockets_free)
