#include "host/host_message.h"

#include <endian.h>
#include <string.h>

#include "host/host_error.h"

void tm_host_request_header_encode(uint8_t tag, uint16_t opcode, uint32_t payload_length,
                                   uint8_t out[TM_CCI_MESSAGE_HEADER_SIZE])
{
    TmCciWireHeader wire = {
        .category = TM_CCI_CATEGORY_REQUEST,
        .tag = tag,
        .command = TM_CXL_OPCODE_COMMAND(opcode),
        .command_set = TM_CXL_OPCODE_SET(opcode),
        .length_bg = {
            (uint8_t)payload_length,
            (uint8_t)(payload_length >> 8),
            (uint8_t)((payload_length >> 16) & 0x0F),
        },
    };

    out[0] = TM_MCTP_TYPE_CXL_CCI;
    memcpy(out + 1, &wire, sizeof(wire));
}

bool tm_host_packet_decode(const uint8_t *packet, size_t packet_len, TmCciHeader *out,
                           GError **err)
{
    TmCciWireHeader wire;

    if (packet_len < TM_CCI_MESSAGE_HEADER_SIZE) {
        g_set_error(err, TM_HOST_ERROR, EPROTO,
                    "packet of %zu bytes is shorter than the %d-byte message header",
                    packet_len, TM_CCI_MESSAGE_HEADER_SIZE);
        return false;
    }
    memcpy(&wire, packet + 1, sizeof(wire));
    uint32_t length_bg = wire.length_bg[0] | (uint32_t)wire.length_bg[1] << 8 |
                         (uint32_t)wire.length_bg[2] << 16;
    *out = (TmCciHeader){
        .mctp_type = packet[0],
        .category = wire.category & TM_CCI_CATEGORY_MASK,
        .tag = wire.tag,
        .opcode = TM_CXL_OPCODE(wire.command_set, wire.command),
        .payload_length = length_bg & TM_CCI_PAYLOAD_LENGTH_MASK,
        .background = (length_bg & TM_CCI_BACKGROUND_OPERATION) != 0,
        .return_code = le16toh(wire.return_code),
        .vendor_status = le16toh(wire.vendor_status),
    };
    if (out->mctp_type != TM_MCTP_TYPE_CXL_CCI) {
        g_set_error(err, TM_HOST_ERROR, EPROTO,
                    "MCTP message type 0x%02x is not CXL CCI (0x08)", out->mctp_type);
        return false;
    }
    if (out->category != TM_CCI_CATEGORY_REQUEST && out->category != TM_CCI_CATEGORY_RESPONSE) {
        g_set_error(err, TM_HOST_ERROR, EPROTO,
                    "message category %u is neither request (0) nor response (1)",
                    out->category);
        return false;
    }
    size_t payload_bytes = packet_len - TM_CCI_MESSAGE_HEADER_SIZE;
    if (out->payload_length != payload_bytes) {
        g_set_error(err, TM_HOST_ERROR, EPROTO,
                    "payload length field says %u bytes but the %zu-byte packet carries %zu "
                    "after its header", out->payload_length, packet_len, payload_bytes);
        return false;
    }
    return true;
}

bool tm_host_response_matches(const TmCciHeader *response, uint8_t tag, uint16_t opcode,
                              GError **err)
{
    if (response->category != TM_CCI_CATEGORY_RESPONSE) {
        g_set_error(err, TM_HOST_ERROR, EPROTO, "message category %u is not a response (1)",
                    response->category);
        return false;
    }
    if (response->tag != tag) {
        g_set_error(err, TM_HOST_ERROR, EPROTO, "response tag %u does not echo request tag %u",
                    response->tag, tag);
        return false;
    }
    if (response->opcode != opcode) {
        g_set_error(err, TM_HOST_ERROR, EPROTO,
                    "response opcode %04Xh does not echo request opcode %04Xh",
                    response->opcode, opcode);
        return false;
    }
    return true;
}

bool tm_host_notification_decode(const TmCciHeader *header, const uint8_t *payload,
                                 TmHostNotification *out, GError **err)
{
    TmVendorEventNotification wire;

    if (header->opcode != TM_CXL_OP_EVENT_NOTIFICATION) {
        g_set_error(err, TM_HOST_ERROR, EPROTO,
                    "request opcode %04Xh from the daemon is not Event Notification (C000h)",
                    header->opcode);
        return false;
    }
    if (header->payload_length < sizeof(wire)) {
        g_set_error(err, TM_HOST_ERROR, EPROTO,
                    "Event Notification payload of %u bytes is shorter than %zu",
                    header->payload_length, sizeof(wire));
        return false;
    }
    memcpy(&wire, payload, sizeof(wire));
    out->log_bitmap = wire.log_bitmap;
    out->dc_record_count = le32toh(wire.dc_record_count);
    return true;
}
