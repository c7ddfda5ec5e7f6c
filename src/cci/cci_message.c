#include "cci/cci_message.h"

#include <endian.h>
#include <string.h>

#include "cci/cxl_opcodes.h"
#include "core/error.h"

void tm_cci_header_encode(const TmCciHeader *header, uint8_t *out)
{
    g_return_if_fail(header->payload_length <= TM_CCI_MAX_PAYLOAD_LENGTH);

    TmCciWireHeader wire = { 0 };
    uint32_t length_bg = header->payload_length;

    if (header->background) {
        length_bg |= TM_CCI_BACKGROUND_OPERATION;
    }
    wire.category = header->category & TM_CCI_CATEGORY_MASK;
    wire.tag = header->tag;
    wire.command = TM_CXL_OPCODE_COMMAND(header->opcode);
    wire.command_set = TM_CXL_OPCODE_SET(header->opcode);
    wire.length_bg[0] = (uint8_t)length_bg;
    wire.length_bg[1] = (uint8_t)(length_bg >> 8);
    wire.length_bg[2] = (uint8_t)(length_bg >> 16);
    wire.return_code = htole16(header->return_code);
    wire.vendor_status = htole16(header->vendor_status);

    out[0] = header->mctp_type;
    memcpy(out + 1, &wire, sizeof(wire));
}

bool tm_cci_header_decode(const uint8_t *message, size_t message_len, TmCciHeader *out,
                          GError **err)
{
    TmCciWireHeader wire;

    if (message_len < TM_CCI_MESSAGE_HEADER_SIZE) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "CCI message of %zu bytes is shorter than its %d-byte header",
                    message_len, TM_CCI_MESSAGE_HEADER_SIZE);
        return false;
    }
    memcpy(&wire, message + 1, sizeof(wire));

    uint32_t length_bg = wire.length_bg[0] | (uint32_t)wire.length_bg[1] << 8 |
                         (uint32_t)wire.length_bg[2] << 16;

    out->mctp_type = message[0];
    out->category = wire.category & TM_CCI_CATEGORY_MASK;
    out->tag = wire.tag;
    out->opcode = TM_CXL_OPCODE(wire.command_set, wire.command);
    out->payload_length = length_bg & TM_CCI_PAYLOAD_LENGTH_MASK;
    out->background = (length_bg & TM_CCI_BACKGROUND_OPERATION) != 0;
    out->return_code = le16toh(wire.return_code);
    out->vendor_status = le16toh(wire.vendor_status);
    return true;
}

bool tm_cci_request_check(const TmCciHeader *request, size_t message_len, GError **err)
{
    if (request->mctp_type != TM_MCTP_TYPE_FM_API && request->mctp_type != TM_MCTP_TYPE_CXL_CCI) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "MCTP message type 0x%02x is neither FM-API (0x07) nor CXL CCI (0x08)",
                    request->mctp_type);
        return false;
    }
    if (request->category != TM_CCI_CATEGORY_REQUEST) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "CCI message category %u is not a request (0)", request->category);
        return false;
    }
    size_t payload_bytes = message_len >= TM_CCI_MESSAGE_HEADER_SIZE
                           ? message_len - TM_CCI_MESSAGE_HEADER_SIZE : 0;
    if (message_len < TM_CCI_MESSAGE_HEADER_SIZE || request->payload_length != payload_bytes) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "CCI payload length field says %u bytes but the %zu-byte message "
                    "carries %zu after its header",
                    request->payload_length, message_len, payload_bytes);
        return false;
    }
    return true;
}

TmCciHeader tm_cci_response_header(const TmCciHeader *request, uint16_t return_code,
                                   uint32_t payload_length)
{
    return (TmCciHeader){
        .mctp_type = request->mctp_type,
        .category = TM_CCI_CATEGORY_RESPONSE,
        .tag = request->tag,
        .opcode = request->opcode,
        .payload_length = payload_length,
        .return_code = return_code,
    };
}

uint8_t tm_cci_mctp_type_for_opcode(uint16_t opcode)
{
    uint8_t set = TM_CXL_OPCODE_SET(opcode);

    return set >= 0x51 && set <= 0x5F ? TM_MCTP_TYPE_FM_API : TM_MCTP_TYPE_CXL_CCI;
}
