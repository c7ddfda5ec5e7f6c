#include "cci/cci_frame.h"

#include <endian.h>
#include <string.h>

#include "cci/cxl_opcodes.h"
#include "cci/vendor_commands.h"
#include "core/error.h"

_Static_assert(TM_CCI_NOTIFICATION_SIZE ==
               TM_CCI_MESSAGE_HEADER_SIZE + sizeof(TmVendorEventNotification),
               "the notification packet is its header and its payload");

static bool set_in(uint8_t set, uint8_t first, uint8_t last)
{
    return set >= first && set <= last;
}

bool tm_cci_port_takes_set(TmMailboxPortKind port, uint8_t command_set)
{
    /*
     * CXL r3.1 §8.2.9: generic 00h-04h; memory device 40h-4Ah; FM-API
     * 51h-5Fh; and tagmem's vendor sets C0h (hosts) and C1h (FMs).
     */
    if (set_in(command_set, 0x00, 0x04)) {
        return true;
    }
    if (port == TM_MAILBOX_PORT_HOST) {
        return set_in(command_set, 0x40, 0x4A) || command_set == TM_CXL_SET_TAGMEM_VENDOR;
    }
    return port == TM_MAILBOX_PORT_FM &&
           (set_in(command_set, 0x51, 0x5F) || command_set == TM_CXL_SET_TAGMEM_FM_VENDOR);
}

/* Answer with @code and no payload; @err was set by the check that chose it. */
static TmCciFrameVerdict reply_code(TmCciFrameReply *reply, TmCxlReturnCode code)
{
    reply->return_code = code;
    reply->length = 0;
    return TM_CCI_FRAME_REPLY;
}

/* Framing and routing; TM_CXL_RC_SUCCESS when the mailbox may take the request. */
static TmCxlReturnCode check_frame(const TmMailboxCaller *caller, const TmCciHeader *request,
                                   size_t received, size_t packet_len, GError **err)
{
    size_t limit = tm_mailbox_payload_limit(caller);
    size_t payload_bytes = packet_len - TM_CCI_MESSAGE_HEADER_SIZE;
    uint8_t set = TM_CXL_OPCODE_SET(request->opcode);

    if (received < packet_len || payload_bytes > limit) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "packet of %zu bytes is longer than the %zu-byte header plus the %zu-byte "
                    "maximum payload", packet_len, (size_t)TM_CCI_MESSAGE_HEADER_SIZE, limit);
        return TM_CXL_RC_INVALID_PAYLOAD_LENGTH;
    }
    if (request->payload_length != payload_bytes) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "payload length field says %u bytes but %zu follow the header",
                    request->payload_length, payload_bytes);
        return TM_CXL_RC_INVALID_PAYLOAD_LENGTH;
    }
    if (request->mctp_type != tm_cci_mctp_type_for_opcode(request->opcode)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "MCTP message type 0x%02x does not carry command set %02Xh (0x%02x does)",
                    request->mctp_type, set, tm_cci_mctp_type_for_opcode(request->opcode));
        return TM_CXL_RC_UNSUPPORTED;
    }
    if (!tm_cci_port_takes_set(caller->port, set)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "command set %02Xh is not served on the %s socket", set,
                    caller->port == TM_MAILBOX_PORT_FM ? "FM" : "host");
        return TM_CXL_RC_UNSUPPORTED;
    }
    return TM_CXL_RC_SUCCESS;
}

static TmCciFrameVerdict decide(TmDcd *dev, TmMailboxCaller *caller,
                                const uint8_t *packet, size_t received, size_t packet_len,
                                TmCciFrameReply *reply, GError **err)
{
    TmCciHeader *request = &reply->request;

    if (!tm_cci_header_decode(packet, MIN(received, packet_len), request, err)) {
        return TM_CCI_FRAME_CLOSE;
    }
    if (request->category != TM_CCI_CATEGORY_REQUEST) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "CCI message category %u is not a request (0)", request->category);
        return TM_CCI_FRAME_CLOSE;
    }
    TmCxlReturnCode code = check_frame(caller, request, received, packet_len, err);
    if (code != TM_CXL_RC_SUCCESS) {
        return reply_code(reply, code);
    }
    TmMailboxRequest mailbox_request = {
        .dev = dev,
        .caller = caller,
        .opcode = request->opcode,
        .payload = packet + TM_CCI_MESSAGE_HEADER_SIZE,
        .payload_len = packet_len - TM_CCI_MESSAGE_HEADER_SIZE,
    };
    TmMailboxResponse response = { .payload = reply->payload, .fd = -1 };

    reply->return_code = tm_mailbox_dispatch(&mailbox_request, &response, err);
    reply->length = response.length;
    reply->fd = response.fd;
    return TM_CCI_FRAME_REPLY;
}

TmCciFrameVerdict tm_cci_frame_serve(TmDcd *dev, TmMailboxCaller *caller,
                                     const uint8_t *packet, size_t received, size_t packet_len,
                                     TmCciFrameReply *reply, GError **err)
{
    reply->length = 0;
    reply->fd = -1;
    reply->return_code = TM_CXL_RC_SUCCESS;
    memset(&reply->request, 0, sizeof(reply->request));

    TmCciFrameVerdict verdict = decide(dev, caller, packet, received, packet_len, reply, err);
    if (verdict == TM_CCI_FRAME_REPLY) {
        /* CXL r3.1 §7.6.3: echo type, tag and opcode; the length is what follows. */
        TmCciHeader header = tm_cci_response_header(&reply->request, reply->return_code,
                                                    (uint32_t)reply->length);
        tm_cci_header_encode(&header, reply->header);
    }
    return verdict;
}

void tm_cci_notification_encode(uint8_t log_bitmap, uint8_t flags, uint32_t dc_record_count,
                                uint8_t *out)
{
    TmCciHeader header = {
        .mctp_type = TM_MCTP_TYPE_CXL_CCI,
        .category = TM_CCI_CATEGORY_REQUEST,
        .tag = 0,
        .opcode = TM_CXL_OP_EVENT_NOTIFICATION,
        .payload_length = sizeof(TmVendorEventNotification),
    };
    TmVendorEventNotification payload = {
        .log_bitmap = log_bitmap,
        .flags = flags,
        .dc_record_count = htole32(dc_record_count),
    };

    tm_cci_header_encode(&header, out);
    memcpy(out + TM_CCI_MESSAGE_HEADER_SIZE, &payload, sizeof(payload));
}
