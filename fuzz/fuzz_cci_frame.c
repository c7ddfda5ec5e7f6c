/*
 * libFuzzer target: raw packets through tm_cci_frame_serve(), the function
 * the CCI socket server runs on every packet it receives, against a device
 * rebuilt for every input with accepted capacity (untagged and tagged,
 * both in shareable memfd backends, so Get Extent Memory can succeed) and
 * pending capacity.
 *
 * Input layout: packets back to back, each
 *   byte 0      bits 0-1: port (0 host 0, 1 host 1, 2-3 FM);
 *               bits 2-5: max payload 2^(8 + n % 13) bytes (256 .. 1 MiB)
 *   bytes 1-2   packet bytes that follow, little-endian (cut to what is left)
 *   byte 3      n > 0: the kernel cut the packet, whose real length was
 *               n * 64 bytes more than what follows
 *   then        the packet
 * After each packet: CLOSE carries a reason; a REPLY echoes the request's
 * type, tag and opcode as a response whose length field is its payload,
 * within the caller's limit, empty unless Success, with a descriptor only
 * for a successful Get Extent Memory.
 *
 *   meson test -C build-fuzz --suite fuzz fuzz_cci_frame
 *   ./fuzz_cci_frame CORPUS_DIR fuzz/corpus/cci_frame
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cci/cci_frame.h"
#include "cci/cxl_opcodes.h"
#include "fuzz_device_fixture.h"

#define RECORD_HEADER 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Region 0 is [0, 256M), region 1 [256M, 512M).  Host 0: [0, 4M) and
 * [256M, 260M) (tagged) accepted; host 1: [16M, 18M) pending.
 */
static void build(TmFuzzDevice *fx)
{
    TmExtent untagged[] = { { .dpa = 0, .length = 4 * MiB } };
    TmExtent tagged[] = { { .dpa = 256 * MiB, .length = 4 * MiB } };
    TmExtent pending[] = { { .dpa = 16 * MiB, .length = 2 * MiB } };

    tm_fuzz_device_init(fx, "memory-backend-memfd");
    tm_fuzz_device_offer(fx, 0, 0, NULL, untagged, 1);
    tm_fuzz_device_accept(fx, 0, untagged, 1);
    tm_fuzz_device_offer(fx, 0, 1, TM_FUZZ_TAG, tagged, 1);
    tm_fuzz_device_accept(fx, 0, tagged, 1);
    tm_fuzz_device_offer(fx, 1, 0, NULL, pending, 1);
}

static void check_reply(const TmMailboxCaller *caller, const uint8_t *packet,
                        const TmCciFrameReply *reply, const GError *err)
{
    TmCciHeader header;
    bool success = reply->return_code == TM_CXL_RC_SUCCESS;

    if (!tm_cci_header_decode(reply->header, sizeof(reply->header), &header, NULL) ||
        header.mctp_type != packet[0] || header.category != TM_CCI_CATEGORY_RESPONSE ||
        header.tag != packet[2] || header.opcode != TM_CXL_OPCODE(packet[5], packet[4]) ||
        header.payload_length != reply->length || header.return_code != reply->return_code ||
        strcmp(tm_cxl_return_code_name(reply->return_code), "Unknown") == 0 ||
        reply->length > tm_mailbox_payload_limit(caller) || (!success && reply->length != 0) ||
        (success || reply->return_code == TM_CXL_RC_BACKGROUND_COMMAND_STARTED) ==
            (err != NULL) ||
        (reply->fd >= 0) != (success && header.opcode == TM_CXL_OP_GET_EXTENT_MEMORY)) {
        abort();
    }
}

static size_t run_packet(TmFuzzDevice *fx, const uint8_t *record, size_t size)
{
    TmMailboxCaller caller = {
        .port = (record[0] & 2) ? TM_MAILBOX_PORT_FM : TM_MAILBOX_PORT_HOST,
        .host_id = record[0] & 1,
        .max_payload = 1u << (8 + ((record[0] >> 2) & 0x0f) % 13),
    };
    size_t received = MIN((size_t)(record[1] | record[2] << 8), size - RECORD_HEADER);
    size_t packet_len = received + (size_t)record[3] * 64;
    const uint8_t *packet = record + RECORD_HEADER;
    TmCciFrameReply reply = { .payload = fx->payload };
    GError *err = NULL;

    if (caller.port == TM_MAILBOX_PORT_FM) {
        caller.host_id = 0;
    }
    if (!tm_mailbox_caller_check(fx->dev, &caller, NULL)) {
        abort();
    }
    TmCciFrameVerdict verdict = tm_cci_frame_serve(fx->dev, &caller, packet, received,
                                                   packet_len, &reply, &err);
    if (verdict == TM_CCI_FRAME_CLOSE) {
        if (err == NULL || reply.fd != -1) {
            abort();
        }
    } else {
        check_reply(&caller, packet, &reply, err);
    }
    if (reply.fd >= 0) {
        close(reply.fd);
    }
    g_clear_error(&err);
    return RECORD_HEADER + received;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    TmFuzzDevice fx;

    if (size < RECORD_HEADER) {
        return 0;
    }
    build(&fx);
    for (size_t off = 0; size - off >= RECORD_HEADER;) {
        off += run_packet(&fx, data + off, size - off);
    }
    tm_fuzz_device_clear(&fx);
    return 0;
}
