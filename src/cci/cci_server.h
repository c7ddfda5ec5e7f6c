/*
 * The CCI socket server (docs/host-protocol.md): UNIX SOCK_SEQPACKET
 * listeners on the daemon's descriptor dispatcher (core/fd_dispatcher.h),
 * one packet = one CCI message.  Each listening socket is a port of one device -- its FM port, or the port of
 * one of its hosts -- and every connection accepted on it speaks as that
 * port: the socket a connection arrives on is its identity, and the
 * socket's mode (0600) is the access control.
 *
 * Connections are served fairly: each takes at most a few packets per
 * pass of the dispatcher, and a connection whose reply cannot be sent
 * yet is not read until it can, so a host that does not read holds one reply
 * and never blocks the loop or the other hosts.
 *
 * Hosts are told when their event logs gain records with the unsolicited
 * C000h Event Notification, coalesced per log: a host that was notified
 * of a log gets no further notification of it until one of its
 * connections sends Get Event Records (0100h), or until it has had no
 * connection at all.  Only connections whose Event Interrupt Policy
 * (0103h) asks for interrupts of that log are sent the packet.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "cci/mailbox.h"
#include "core/fd_dispatcher.h"
#include "core/inherited_sockets.h"

typedef struct TmCciServer TmCciServer;

/*
 * Fairness: packets one connection may have served per pass of the
 * dispatcher before the others get their turn.
 */
#define TM_CCI_SERVER_PACKETS_PER_TURN 4

/*
 * Descriptors a CCI socket leaves free when it takes a connection: QMP and
 * new memory objects need some when hosts have taken the rest.
 */
#define TM_CCI_FD_RESERVE 64

/*
 * A server whose sockets @dispatcher (borrowed; it outlives the server)
 * watches, whose connections take payloads of up to @max_payload bytes
 * (a power of two, 256 .. 1 MiB; see tm_mailbox_caller_check()).  A
 * connection reports less in Identify when the system's socket buffer
 * limit (net.core.wmem_max) cannot hold a reply of that size.  Each socket
 * takes at most @max_connections connections at once, and none that would
 * leave fewer than TM_CCI_FD_RESERVE descriptors; more are closed at once.
 */
TmCciServer *tm_cci_server_new(TmFdDispatcher *dispatcher, uint32_t max_payload,
                               guint max_connections);

/*
 * Listening sockets the daemon inherited (borrowed; NULL: none): a later
 * listen on one of their paths uses it instead of binding.
 */
void tm_cci_server_use_inherited(TmCciServer *server, TmInheritedSockets *inherited);

/*
 * Listen on the UNIX socket @path (mode 0600, whatever the umask), or on
 * the inherited socket bound to it, as
 * @port of @dev; @host_id names the host for TM_MAILBOX_PORT_HOST and is
 * ignored for the FM port.  A stale socket file at @path is replaced; a
 * socket on which a process still accepts connections, or any other file,
 * is not.  @dev must outlive the server.
 */
/* Record the changes of device state that connections make (before listening). */
void tm_cci_server_use_recorder(TmCciServer *server, const TmMailboxRecorder *recorder);

bool tm_cci_server_listen(TmCciServer *server, TmDcd *dev, TmMailboxPortKind port,
                          uint16_t host_id, const char *path, GError **err);

/* Open connections, on all sockets. */
guint tm_cci_server_connection_count(const TmCciServer *server);

/* Close every connection and listening socket, remove the socket files. */
void tm_cci_server_free(TmCciServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmCciServer, tm_cci_server_free)
