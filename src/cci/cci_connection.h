/*
 * One connection on a CCI socket (internal to the server): non-blocking
 * SOCK_SEQPACKET I/O on the server's descriptor dispatcher, a packet at a
 * time through tm_cci_frame_serve(), at most one reply waiting to be sent, and the
 * Event Notification it may owe its host.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "cci/cci_frame.h"
#include "core/fd_dispatcher.h"

typedef struct TmCciConnection TmCciConnection;

/*
 * What every connection of a server shares.  A packet is read into
 * @receive_buffer and its reply written into @reply_buffer, and both are
 * done with before the next packet is read, so one pair serves all
 * connections.  A reply the peer's socket cannot take now is copied out,
 * exactly its size, and waits; @held_bytes counts those copies, and a
 * connection whose copy would take them over @held_budget is closed (the
 * daemon's memory does not grow with clients that do not read).
 */
typedef struct {
    uint8_t *receive_buffer;   /* page-aligned mappings (tm_cci_shared_init) */
    size_t receive_size;
    uint8_t *reply_buffer;     /* tm_mailbox_payload_limit() of the server's max payload */
    size_t reply_size;
    size_t held_bytes;
    size_t held_budget;
} TmCciShared;

/*
 * The buffers are mapped, not allocated: after a packet or reply larger
 * than TM_CCI_SHARED_KEPT_BYTES their pages past that are given back
 * (MADV_DONTNEED), so one large message does not keep a megabyte or two
 * resident for the rest of the daemon's life.
 */
#define TM_CCI_SHARED_KEPT_BYTES (64u * 1024)

void tm_cci_shared_init(TmCciShared *shared, size_t receive_size, size_t reply_size);
void tm_cci_shared_clear(TmCciShared *shared);

/* Replies waiting to be sent, all connections together (64 MiB: 64 of the largest). */
#define TM_CCI_HELD_REPLY_BUDGET (64u * 1024 * 1024)

typedef struct {
    /* Called once when the connection is over; the owner frees it later. */
    void (*closed)(TmCciConnection *connection, void *opaque);
    /* Called after each request was answered (the reply may still wait to be sent). */
    void (*served)(TmCciConnection *connection, const TmCciFrameReply *reply, void *opaque);
    void *opaque;
} TmCciConnectionHooks;

/*
 * Take @fd (a connected SOCK_SEQPACKET socket, non-blocking), watched by
 * @dispatcher, as a port of @dev described by @caller, with the server's
 * @shared buffers (borrowed).  The connection's own max payload is
 * @caller's, or less when the socket cannot send a reply that large.  @id
 * names it in log lines.  NULL when the socket cannot be watched: @fd is
 * then still the caller's.
 */
TmCciConnection *tm_cci_connection_new(TmFdDispatcher *dispatcher, int fd, TmDcd *dev,
                                       const TmMailboxCaller *caller, TmCciShared *shared,
                                       guint id, const TmCciConnectionHooks *hooks,
                                       GError **err);
void tm_cci_connection_free(TmCciConnection *connection);

const TmMailboxCaller *tm_cci_connection_caller(const TmCciConnection *connection);

/*
 * Send the host the C000h Event Notification for the logs in @log_bitmap
 * (bit n = log n) and the TM_VENDOR_NOTIFY_* @flags, now or, when its
 * socket is full, as soon as it drains (bitmaps and flags of notifications
 * still waiting are merged).
 */
void tm_cci_connection_notify(TmCciConnection *connection, uint8_t log_bitmap, uint8_t flags);
