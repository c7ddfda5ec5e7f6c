/*
 * Framing of the packets on a host's CCI socket (docs/host-protocol.md):
 * byte 0 the MCTP message type, then the 12-byte CCI message header (CXL
 * r3.1 §7.6.3, Figure 7-19), then the payload.  Pure functions over bytes,
 * so that hand-built packets test them.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "host/host_wire.h"

/* Write the MCTP type and CCI header of a request (TM_CCI_MESSAGE_HEADER_SIZE bytes). */
void tm_host_request_header_encode(uint8_t tag, uint16_t opcode, uint32_t payload_length,
                                   uint8_t out[TM_CCI_MESSAGE_HEADER_SIZE]);

/*
 * Decode a packet the daemon sent: at least the header, MCTP type CXL CCI,
 * category request or response, and a payload-length field equal to the
 * bytes that follow the header.  The payload starts at
 * packet + TM_CCI_MESSAGE_HEADER_SIZE.
 */
bool tm_host_packet_decode(const uint8_t *packet, size_t packet_len, TmCciHeader *out,
                           GError **err);

/* A response answers the request with @tag and @opcode. */
bool tm_host_response_matches(const TmCciHeader *response, uint8_t tag, uint16_t opcode,
                              GError **err);

/* An Event Notification (C000h), decoded. */
typedef struct {
    uint8_t log_bitmap;        /* bit n: event log n gained records */
    uint32_t dc_record_count;  /* records now in the DC log */
} TmHostNotification;

/*
 * A request-category packet from the daemon is a notification: opcode
 * C000h with an 8-byte payload (longer is tolerated: later fields).
 */
bool tm_host_notification_decode(const TmCciHeader *header, const uint8_t *payload,
                                 TmHostNotification *out, GError **err);
