/*
 * libFuzzer target: sequences of CCI requests through the mailbox
 * dispatcher, against a device rebuilt for every input with capacity
 * accepted (tagged and untagged), capacity pending and event records
 * queued (DC records, and the device's General Media, DRAM and Memory
 * Module records in the other logs), so that 4801h-4803h, 0100h/0101h and
 * 4200h-4202h have something to work on.
 *
 * Input layout: messages back to back, each
 *   byte 0      bit 0: FM port (else host); bit 1: host 1 (else host 0);
 *               bits 2-5: max payload 2^(8 + n % 13) bytes (256 .. 1 MiB)
 *   bytes 1-2   opcode, little-endian
 *   bytes 3-4   payload length, little-endian (cut to what is left)
 *   then        the payload
 * After each message: a valid return code, a payload no longer than the
 * caller's limit and empty on failure, a descriptor only from a successful
 * Get Extent Memory (C001h; the ram backends here are private, so never).
 *
 *   meson test -C build-fuzz --suite fuzz fuzz_mailbox
 *   ./fuzz_mailbox CORPUS_DIR fuzz/corpus/mailbox
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cci/cxl_opcodes.h"
#include "cci/mailbox.h"
#include "device/dcd_ras.h"
#include "fuzz_device_fixture.h"

#define MESSAGE_HEADER 5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Region 0 is [0, 256M), region 1 [256M, 512M).  Host 0: [0, 4M) accepted,
 * [256M, 260M) accepted with the tag, [8M, 10M) + [12M, 14M) pending;
 * host 1: [16M, 18M) pending.
 */
static void build(TmFuzzDevice *fx)
{
    TmExtent untagged[] = { { .dpa = 0, .length = 4 * MiB } };
    TmExtent tagged[] = { { .dpa = 256 * MiB, .length = 2 * MiB },
                          { .dpa = 258 * MiB, .length = 2 * MiB } };
    TmExtent pending[] = { { .dpa = 8 * MiB, .length = 2 * MiB },
                           { .dpa = 12 * MiB, .length = 2 * MiB } };
    TmExtent other_host[] = { { .dpa = 16 * MiB, .length = 2 * MiB } };

    tm_fuzz_device_init(fx, "memory-backend-ram");
    tm_fuzz_device_offer(fx, 0, 0, NULL, untagged, 1);
    tm_fuzz_device_accept(fx, 0, untagged, 1);
    tm_fuzz_device_offer(fx, 0, 1, TM_FUZZ_TAG, tagged, 2);
    tm_fuzz_device_accept(fx, 0, tagged, 2);
    tm_fuzz_device_offer(fx, 0, 0, NULL, pending, 2);
    tm_fuzz_device_offer(fx, 1, 0, NULL, other_host, 1);
    TmGeneralMediaEvent media = { .common = { .dpa = 257 * MiB | 1 } };
    TmDramEvent dram = { .common = { .flags = 2, .dpa = 64, .descriptor = 1 } };
    TmMemoryModuleEvent module = { .flags = 1, .type = 2, .health = { .life_used = 10 } };
    tm_dcd_append_general_media(fx->dev, TM_EVENT_LOG_INFO, &media);
    tm_dcd_append_dram(fx->dev, TM_EVENT_LOG_FAILURE, &dram);
    tm_dcd_append_memory_module(fx->dev, TM_EVENT_LOG_WARNING, &module);
}

static void check_response(const TmMailboxCaller *caller, uint16_t opcode,
                           TmCxlReturnCode rc, const TmMailboxResponse *response,
                           const GError *err)
{
    if (strcmp(tm_cxl_return_code_name(rc), "Unknown") == 0 ||
        response->length > tm_mailbox_payload_limit(caller) ||
        (response->fd >= 0) != (rc == TM_CXL_RC_SUCCESS &&
                                opcode == TM_CXL_OP_GET_EXTENT_MEMORY) ||
        (rc != TM_CXL_RC_SUCCESS && response->length != 0) ||
        (rc != TM_CXL_RC_SUCCESS && rc != TM_CXL_RC_BACKGROUND_COMMAND_STARTED) !=
            (err != NULL)) {
        abort();
    }
}

static size_t run_message(TmFuzzDevice *fx, const uint8_t *message, size_t size)
{
    TmMailboxCaller caller = {
        .port = (message[0] & 1) ? TM_MAILBOX_PORT_FM : TM_MAILBOX_PORT_HOST,
        .host_id = (message[0] >> 1) & 1,
        .max_payload = 1u << (8 + ((message[0] >> 2) & 0x0f) % 13),
    };
    size_t length = MIN((size_t)(message[3] | message[4] << 8), size - MESSAGE_HEADER);
    TmMailboxRequest request = {
        .dev = fx->dev,
        .caller = &caller,
        .opcode = (uint16_t)(message[1] | message[2] << 8),
        .payload = message + MESSAGE_HEADER,
        .payload_len = length,
    };
    TmMailboxResponse response = { .payload = fx->payload };
    GError *err = NULL;

    if (!tm_mailbox_caller_check(fx->dev, &caller, NULL)) {
        abort();
    }
    TmCxlReturnCode rc = tm_mailbox_dispatch(&request, &response, &err);
    check_response(&caller, request.opcode, rc, &response, err);
    if (response.fd >= 0) {
        close(response.fd);
    }
    g_clear_error(&err);
    return MESSAGE_HEADER + length;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    TmFuzzDevice fx;

    if (size < MESSAGE_HEADER) {
        return 0;
    }
    build(&fx);
    for (size_t off = 0; size - off >= MESSAGE_HEADER;) {
        off += run_message(&fx, data + off, size - off);
    }
    tm_fuzz_device_clear(&fx);
    return 0;
}
