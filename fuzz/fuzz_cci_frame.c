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

#include "backend/backend_registry.h"
#include "cci/cci_frame.h"
#include "cci/cxl_opcodes.h"
#include "device/device_registry.h"

#define MiB (UINT64_C(1) << 20)
#define RECORD_HEADER 4
#define TAG "5be9d7a4-1c2e-4f3a-9b8d-0e6f7a8b9c0d"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    TmBackendRegistry *backends;
    TmDeviceRegistry *devices;
    TmDcd *dev;
    uint8_t *payload;
} Harness;

static void create_backend(Harness *h, const char *id, uint64_t size, const char *tag)
{
    TmPropAssignment props[] = {
        { .name = "size", .value = { .kind = TM_PROP_SIZE, .uint = size } },
        { .name = "tag", .value = { .kind = TM_PROP_GUID, .str = (char *)tag } },
    };

    if (!tm_backend_registry_create(h->backends, "memory-backend-memfd", id, props,
                                    tag ? 2 : 1, NULL)) {
        abort();
    }
}

static void create_device(Harness *h)
{
    TmPropAssignment props[] = {
        { .name = "num-dc-regions", .value = { .kind = TM_PROP_UINT, .uint = 2 } },
        { .name = "volatile-dc-memdev", .value = { .kind = TM_PROP_LINK, .str = "static0" } },
        { .name = "num-hosts", .value = { .kind = TM_PROP_UINT, .uint = 2 } },
        { .name = "dc-max-extents", .value = { .kind = TM_PROP_UINT, .uint = 16 } },
    };

    h->dev = tm_device_registry_create(h->devices, TM_DCD_TYPE, "dcd0", props,
                                       G_N_ELEMENTS(props), NULL);
    if (h->dev == NULL) {
        abort();
    }
}

static void offer(Harness *h, uint16_t host, uint8_t region, const char *tag,
                  const TmExtent *extents, guint n, bool accept)
{
    TmDcAddRequest request = {
        .host_id = host,
        .policy = TM_DC_SELECT_PRESCRIPTIVE,
        .region = region,
        .extents = extents,
        .n_extents = n,
    };

    if (tag && !tm_guid_parse(tag, "tag", &request.tag, NULL)) {
        abort();
    }
    if (tm_dcd_add_request(h->dev, &request, NULL) != TM_DC_OK ||
        (accept && tm_dcd_host_add_response(h->dev, host, extents, n, false, NULL) != TM_DC_OK)) {
        abort();
    }
}

/*
 * Region 0 is [0, 256M), region 1 [256M, 512M).  Host 0: [0, 4M) and
 * [256M, 260M) (tagged) accepted; host 1: [16M, 18M) pending.
 */
static void build(Harness *h)
{
    TmExtent untagged[] = { { .dpa = 0, .length = 4 * MiB } };
    TmExtent tagged[] = { { .dpa = 256 * MiB, .length = 4 * MiB } };
    TmExtent pending[] = { { .dpa = 16 * MiB, .length = 2 * MiB } };

    h->backends = tm_backend_registry_new();
    h->devices = tm_device_registry_new(h->backends);
    create_backend(h, "static0", 512 * MiB, NULL);
    create_backend(h, "tagged0", 4 * MiB, TAG);
    create_device(h);
    offer(h, 0, 0, NULL, untagged, 1, true);
    offer(h, 0, 1, TAG, tagged, 1, true);
    offer(h, 1, 0, NULL, pending, 1, false);
    h->payload = g_malloc(TM_MAILBOX_DEFAULT_MAX_PAYLOAD);
}

static void teardown(Harness *h)
{
    g_free(h->payload);
    tm_device_registry_free(h->devices);
    tm_backend_registry_free(h->backends);
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
        success == (err != NULL) ||
        (reply->fd >= 0) != (success && header.opcode == TM_CXL_OP_GET_EXTENT_MEMORY)) {
        abort();
    }
}

static size_t run_packet(Harness *h, const uint8_t *record, size_t size)
{
    TmMailboxCaller caller = {
        .port = (record[0] & 2) ? TM_MAILBOX_PORT_FM : TM_MAILBOX_PORT_HOST,
        .host_id = record[0] & 1,
        .max_payload = 1u << (8 + ((record[0] >> 2) & 0x0f) % 13),
    };
    size_t received = MIN((size_t)(record[1] | record[2] << 8), size - RECORD_HEADER);
    size_t packet_len = received + (size_t)record[3] * 64;
    const uint8_t *packet = record + RECORD_HEADER;
    TmCciFrameReply reply = { .payload = h->payload };
    GError *err = NULL;

    if (caller.port == TM_MAILBOX_PORT_FM) {
        caller.host_id = 0;
    }
    if (!tm_mailbox_caller_check(h->dev, &caller, NULL)) {
        abort();
    }
    TmCciFrameVerdict verdict = tm_cci_frame_serve(h->dev, &caller, packet, received,
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
    Harness harness;

    if (size < RECORD_HEADER) {
        return 0;
    }
    build(&harness);
    for (size_t off = 0; size - off >= RECORD_HEADER;) {
        off += run_packet(&harness, data + off, size - off);
    }
    teardown(&harness);
    return 0;
}
