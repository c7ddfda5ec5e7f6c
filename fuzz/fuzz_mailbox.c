/*
 * libFuzzer target: sequences of CCI requests through the mailbox
 * dispatcher, against a device rebuilt for every input with capacity
 * accepted (tagged and untagged), capacity pending and event records
 * queued, so that 4801h-4803h and 0100h/0101h have something to work on.
 *
 * Input layout: messages back to back, each
 *   byte 0      bit 0: FM port (else host); bit 1: host 1 (else host 0);
 *               bits 2-5: max payload 2^(8 + n % 13) bytes (256 .. 1 MiB)
 *   bytes 1-2   opcode, little-endian
 *   bytes 3-4   payload length, little-endian (cut to what is left)
 *   then        the payload
 * After each message: a valid return code, a payload no longer than the
 * caller's limit and empty on failure, no descriptor.
 *
 *   meson test -C build-fuzz --suite fuzz fuzz_mailbox
 *   ./fuzz_mailbox CORPUS_DIR fuzz/corpus/mailbox
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend_registry.h"
#include "cci/mailbox.h"
#include "device/device_registry.h"

#define MiB (UINT64_C(1) << 20)
#define MESSAGE_HEADER 5
#define TAG "5be9d7a4-1c2e-4f3a-9b8d-0e6f7a8b9c0d"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    TmBackendRegistry *backends;
    TmDeviceRegistry *devices;
    TmDcd *dev;
    uint8_t *buffer;
} Harness;

static void create_backend(Harness *h, const char *id, uint64_t size, const char *tag)
{
    TmPropAssignment props[] = {
        { .name = "size", .value = { .kind = TM_PROP_SIZE, .uint = size } },
        { .name = "tag", .value = { .kind = TM_PROP_GUID, .str = (char *)tag } },
    };

    if (!tm_backend_registry_create(h->backends, "memory-backend-ram", id, props,
                                    tag ? 2 : 1, NULL)) {
        abort();
    }
}

static void create_device(Harness *h)
{
    TmPropAssignment props[] = {
        { .name = "num-dc-regions", .value = { .kind = TM_PROP_UINT, .uint = 2 } },
        { .name = "volatile-dc-memdev", .value = { .kind = TM_PROP_LINK, .str = "mem0" } },
        { .name = "num-hosts", .value = { .kind = TM_PROP_UINT, .uint = 2 } },
        /* Small, so that the limit is reachable. */
        { .name = "dc-max-extents", .value = { .kind = TM_PROP_UINT, .uint = 16 } },
    };

    h->dev = tm_device_registry_create(h->devices, TM_DCD_TYPE, "dcd0", props,
                                       G_N_ELEMENTS(props), NULL);
    if (h->dev == NULL) {
        abort();
    }
}

static void offer(Harness *h, uint16_t host, uint8_t region, const char *tag,
                  const TmExtent *extents, guint n)
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
    if (tm_dcd_add_request(h->dev, &request, NULL) != TM_DC_OK) {
        abort();
    }
}

static void accept_offer(Harness *h, uint16_t host, const TmExtent *extents, guint n)
{
    if (tm_dcd_host_add_response(h->dev, host, extents, n, false, NULL) != TM_DC_OK) {
        abort();
    }
}

/*
 * Region 0 is [0, 256M), region 1 [256M, 512M).  Host 0: [0, 4M) accepted,
 * [256M, 260M) accepted with the tag, [8M, 10M) + [12M, 14M) pending;
 * host 1: [16M, 18M) pending.
 */
static void build(Harness *h)
{
    TmExtent untagged[] = { { .dpa = 0, .length = 4 * MiB } };
    TmExtent tagged[] = { { .dpa = 256 * MiB, .length = 2 * MiB },
                          { .dpa = 258 * MiB, .length = 2 * MiB } };
    TmExtent pending[] = { { .dpa = 8 * MiB, .length = 2 * MiB },
                           { .dpa = 12 * MiB, .length = 2 * MiB } };
    TmExtent other_host[] = { { .dpa = 16 * MiB, .length = 2 * MiB } };

    h->backends = tm_backend_registry_new();
    h->devices = tm_device_registry_new(h->backends);
    create_backend(h, "mem0", 512 * MiB, NULL);
    create_backend(h, "tagged0", 4 * MiB, TAG);
    create_device(h);
    offer(h, 0, 0, NULL, untagged, 1);
    accept_offer(h, 0, untagged, 1);
    offer(h, 0, 1, TAG, tagged, 2);
    accept_offer(h, 0, tagged, 2);
    offer(h, 0, 0, NULL, pending, 2);
    offer(h, 1, 0, NULL, other_host, 1);
    h->buffer = g_malloc(TM_MAILBOX_DEFAULT_MAX_PAYLOAD);
}

static void teardown(Harness *h)
{
    g_free(h->buffer);
    tm_device_registry_free(h->devices);
    tm_backend_registry_free(h->backends);
}

static void check_response(const TmMailboxCaller *caller, TmCxlReturnCode rc,
                           const TmMailboxResponse *response, const GError *err)
{
    if (strcmp(tm_cxl_return_code_name(rc), "Unknown") == 0 ||
        response->length > tm_mailbox_payload_limit(caller) || response->fd != -1 ||
        (rc != TM_CXL_RC_SUCCESS && response->length != 0) ||
        (rc != TM_CXL_RC_SUCCESS) != (err != NULL)) {
        abort();
    }
}

static size_t run_message(Harness *h, const uint8_t *message, size_t size)
{
    TmMailboxCaller caller = {
        .port = (message[0] & 1) ? TM_MAILBOX_PORT_FM : TM_MAILBOX_PORT_HOST,
        .host_id = (message[0] >> 1) & 1,
        .max_payload = 1u << (8 + ((message[0] >> 2) & 0x0f) % 13),
    };
    size_t length = MIN((size_t)(message[3] | message[4] << 8), size - MESSAGE_HEADER);
    TmMailboxRequest request = {
        .dev = h->dev,
        .caller = &caller,
        .opcode = (uint16_t)(message[1] | message[2] << 8),
        .payload = message + MESSAGE_HEADER,
        .payload_len = length,
    };
    TmMailboxResponse response = { .payload = h->buffer };
    GError *err = NULL;

    if (!tm_mailbox_caller_check(h->dev, &caller, NULL)) {
        abort();
    }
    TmCxlReturnCode rc = tm_mailbox_dispatch(&request, &response, &err);
    check_response(&caller, rc, &response, err);
    g_clear_error(&err);
    return MESSAGE_HEADER + length;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Harness harness;

    if (size < MESSAGE_HEADER) {
        return 0;
    }
    build(&harness);
    for (size_t off = 0; size - off >= MESSAGE_HEADER;) {
        off += run_message(&harness, data + off, size - off);
    }
    teardown(&harness);
    return 0;
}
