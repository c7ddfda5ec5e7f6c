/*
 * One packet on a tagmem CCI socket, without the socket: the checks a
 * packet must pass before the mailbox sees it, the response packet, and
 * the unsolicited Event Notification (docs/host-protocol.md).  The server
 * (cci_server.c) calls tm_cci_frame_serve() for every packet it receives;
 * the fuzz target calls it on raw bytes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "cci/cci_message.h"
#include "cci/mailbox.h"

/* Bytes of the C000h Event Notification packet: header and its 8-byte payload. */
#define TM_CCI_NOTIFICATION_SIZE (TM_CCI_MESSAGE_HEADER_SIZE + 8)

typedef enum {
    TM_CCI_FRAME_REPLY, /* send the reply */
    TM_CCI_FRAME_CLOSE, /* the header cannot be trusted to answer: drop the connection */
} TmCciFrameVerdict;

typedef struct {
    /* Set by the caller: a buffer of tm_mailbox_payload_limit() bytes. */
    uint8_t *payload;
    /* Set by tm_cci_frame_serve() for TM_CCI_FRAME_REPLY: */
    uint8_t header[TM_CCI_MESSAGE_HEADER_SIZE]; /* the response header, encoded */
    size_t length;            /* payload bytes that follow it (the header says so too) */
    int fd;                   /* to send with it (SCM_RIGHTS) and then close, or -1 */
    TmCciHeader request;      /* the request's header, decoded */
    TmCxlReturnCode return_code;
} TmCciFrameReply;

/*
 * The command sets a port takes (docs/host-protocol.md, Sockets): generic
 * (00h-04h) on both; memory device (40h-4Ah) and tagmem vendor (C0h) on
 * host ports; FM-API (51h-5Fh) on the FM port.
 */
bool tm_cci_port_takes_set(TmMailboxPortKind port, uint8_t command_set);

/*
 * Serve one packet of @packet_len bytes, of which the first @received are
 * in @packet (fewer when the kernel truncated a packet longer than the
 * receive buffer).  In order:
 *   shorter than the message header, or not a request  → CLOSE;
 *   truncated, or longer than 13 + the caller's limit   → Invalid Payload Length;
 *   payload-length field ≠ the bytes after the header   → Invalid Payload Length;
 *   MCTP type not the one of the command set, or a set
 *   the port does not take                              → Unsupported;
 *   otherwise the mailbox's answer.
 * @err (if given) says why on CLOSE and on any return code but Success.
 * On REPLY with reply->fd >= 0 the caller owns the descriptor.
 */
TmCciFrameVerdict tm_cci_frame_serve(TmDcd *dev, TmMailboxCaller *caller,
                                     const uint8_t *packet, size_t received, size_t packet_len,
                                     TmCciFrameReply *reply, GError **err);

/*
 * The C000h Event Notification packet (TM_CCI_NOTIFICATION_SIZE bytes):
 * bit n of @log_bitmap says log n gained records; @flags are
 * TM_VENDOR_NOTIFY_* bits; @dc_record_count is what the Dynamic Capacity
 * log holds now.
 */
void tm_cci_notification_encode(uint8_t log_bitmap, uint8_t flags, uint32_t dc_record_count,
                                uint8_t *out);
