/*
 * One connection on a CCI socket (internal to the server): non-blocking
 * SOCK_SEQPACKET I/O on its own GLib source, a packet at a time through
 * tm_cci_frame_serve(), at most one reply waiting to be sent, and the
 * Event Notification it may owe its host.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "cci/cci_frame.h"

typedef struct TmCciConnection TmCciConnection;

typedef struct {
    /* Called once when the connection is over; the owner frees it later. */
    void (*closed)(TmCciConnection *connection, void *opaque);
    /* Called after each request was answered (the reply may still wait to be sent). */
    void (*served)(TmCciConnection *connection, const TmCciFrameReply *reply, void *opaque);
    void *opaque;
} TmCciConnectionHooks;

/*
 * Take @fd (a connected SOCK_SEQPACKET socket, non-blocking) as a port of
 * @dev described by @caller.  Packets are received into @receive_buffer
 * (@receive_size bytes, shared by every connection: a packet is served
 * completely before the next is read).  The connection's own max payload
 * is @caller's, or less when the socket cannot send a reply that large.
 */
TmCciConnection *tm_cci_connection_new(int fd, TmDcd *dev, const TmMailboxCaller *caller,
                                       uint8_t *receive_buffer, size_t receive_size,
                                       const TmCciConnectionHooks *hooks);
void tm_cci_connection_free(TmCciConnection *connection);

TmDcd *tm_cci_connection_device(const TmCciConnection *connection);
const TmMailboxCaller *tm_cci_connection_caller(const TmCciConnection *connection);
bool tm_cci_connection_is_closed(const TmCciConnection *connection);

/*
 * Send the host the C000h Event Notification for the logs in @log_bitmap
 * (bit n = log n), now or, when its socket is full, as soon as it drains
 * (bitmaps of notifications still waiting are merged).
 */
void tm_cci_connection_notify(TmCciConnection *connection, uint8_t log_bitmap);
