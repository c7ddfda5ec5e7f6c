/*
 * bench-poison: what tracking poison costs the data path, and paging
 * through a long poison list.
 *
 * One device, one 1 GiB DC region of 4 KiB blocks backed by an untagged
 * memory-backend-ram, poison-list-max-records 200,000.  Host 0 holds
 * [0, 4 MiB) and never clears its DC log (65,535 records deep).  Poisoned
 * lines are injected as QMP cxl-inject-poison does (4301h stops at its
 * limit of 65,535 records), every other line from 512 MiB up, so that no
 * two merge and every lookup of the data path searches the whole list and
 * finds nothing, as in the common case.  Everything goes through
 * tm_mailbox_dispatch() in-process, so the socket is not what is timed.
 *
 *   C002h         Read DPA of 64 bytes at a random line of [0, 4 MiB)
 *   4802h         one-extent add (device API) and its Add DC Response;
 *                 only the 4802h is timed; the extent is released after
 *   lookup        tm_dcd_poison_find() of one line, alone
 *
 * each with 0 poisoned lines (the reference: the list is empty and the
 * check returns before any search), 1,000 and 100,000; then Get Poison
 * List (4300h) paged with More through 100,000 records, with the default
 * 2 KiB response limit and with 1 MiB; then Scan Media (4304h) of the
 * 4 MiB host 0 holds (no poison: the reference) and of the whole 1 GiB
 * (100,000 ranges), from the request to its end seen by polling 0002h, and
 * Get Scan Media Results (4305h) read to the end, against what Get Scan
 * Media Capabilities (4303h) estimated.
 *
 * Usage: bench-poison, or meson test -C BUILD --benchmark poison (best in
 * a release build)
 */
#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend_registry.h"
#include "bench_util.h"
#include "cci/cxl_commands.h"
#include "cci/cxl_opcodes.h"
#include "cci/cxl_poison_wire.h"
#include "cci/cxl_scan_media_wire.h"
#include "cci/mailbox.h"
#include "cci/vendor_commands.h"
#include "device/dcd_poison.h"
#include "device/device_registry.h"

#define KiB (UINT64_C(1) << 10)
#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define BLOCK (4 * KiB)
#define HELD (4 * MiB)
#define POISON_BASE (512 * MiB)
#define READS 200000u
#define ADDS 10000u
#define LOOKUPS 2000000u
#define PAGING_ROUNDS 5u

typedef struct {
    TmBackendRegistry *backends;
    TmDeviceRegistry *devices;
    TmDcd *dev;
    TmMailboxCaller caller;
    uint8_t *response;
    uint8_t request[64];
} Bench;

static void die(const char *what, const GError *err)
{
    fprintf(stderr, "bench-poison: %s: %s\n", what, err ? err->message : "failed");
    exit(1);
}

static size_t call(Bench *b, uint16_t opcode, size_t payload_len)
{
    g_autoptr(GError) err = NULL;
    TmMailboxRequest request = {
        .dev = b->dev,
        .caller = &b->caller,
        .opcode = opcode,
        .payload = b->request,
        .payload_len = payload_len,
    };
    TmMailboxResponse response = { .payload = b->response };

    if (tm_mailbox_dispatch(&request, &response, &err) != TM_CXL_RC_SUCCESS) {
        die(tm_cxl_opcode_name(opcode), err);
    }
    return response.length;
}

static void add(Bench *b, uint64_t dpa, uint64_t length)
{
    g_autoptr(GError) err = NULL;
    TmExtent extent = { .dpa = dpa, .length = length };
    TmDcAddRequest request = {
        .host_id = 0,
        .policy = TM_DC_SELECT_PRESCRIPTIVE,
        .extents = &extent,
        .n_extents = 1,
    };

    if (tm_dcd_add_request(b->dev, &request, &err) != TM_DC_OK) {
        die("add request", err);
    }
}

/* 4802h accepting [dpa, dpa + length); returns its time. */
static uint64_t accept(Bench *b, uint64_t dpa, uint64_t length)
{
    TmCxlAddDcResponseRequest header = { .extent_count = htole32(1) };
    TmCxlUpdatedExtent entry = { .start_dpa = htole64(dpa), .length = htole64(length) };

    memcpy(b->request, &header, sizeof(header));
    memcpy(b->request + sizeof(header), &entry, sizeof(entry));
    uint64_t t0 = tm_bench_now_ns();
    call(b, TM_CXL_OP_ADD_DC_RESPONSE, sizeof(header) + sizeof(entry));
    return tm_bench_now_ns() - t0;
}

static void release(Bench *b, uint64_t dpa, uint64_t length)
{
    TmCxlReleaseDcRequest header = { .extent_count = htole32(1) };
    TmCxlUpdatedExtent entry = { .start_dpa = htole64(dpa), .length = htole64(length) };

    memcpy(b->request, &header, sizeof(header));
    memcpy(b->request + sizeof(header), &entry, sizeof(entry));
    call(b, TM_CXL_OP_RELEASE_DC, sizeof(header) + sizeof(entry));
}

static void bench_init(Bench *b)
{
    g_autoptr(GError) err = NULL;
    TmPropAssignment backend_props[] = {
        { .name = "size", .value = { .kind = TM_PROP_SIZE, .uint = 1 * GiB } },
    };
    TmPropAssignment device_props[] = {
        { .name = "num-dc-regions", .value = { .kind = TM_PROP_UINT, .uint = 1 } },
        { .name = "volatile-dc-memdev", .value = { .kind = TM_PROP_LINK, .str = "mem0" } },
        { .name = "dc-block-size", .value = { .kind = TM_PROP_SIZE, .uint = BLOCK } },
        { .name = "poison-list-max-records", .value = { .kind = TM_PROP_UINT, .uint = 200000 } },
        /* The host never clears its log: room for every add of the run. */
        { .name = "dc-event-log-depth", .value = { .kind = TM_PROP_UINT, .uint = 65535 } },
    };

    memset(b, 0, sizeof(*b));
    b->backends = tm_backend_registry_new();
    b->devices = tm_device_registry_new(b->backends);
    if (!tm_backend_registry_create(b->backends, "memory-backend-ram", "mem0", backend_props,
                                    G_N_ELEMENTS(backend_props), &err)) {
        die("memory backend", err);
    }
    b->dev = tm_device_registry_create(b->devices, TM_DCD_TYPE, "dcd0", device_props,
                                       G_N_ELEMENTS(device_props), &err);
    if (b->dev == NULL) {
        die("device", err);
    }
    b->caller = (TmMailboxCaller) {
        .port = TM_MAILBOX_PORT_HOST,
        .max_payload = TM_MAILBOX_DEFAULT_MAX_PAYLOAD,
        .response_limit = TM_MAILBOX_DEFAULT_MAX_PAYLOAD,
    };
    b->response = g_malloc(TM_MAILBOX_DEFAULT_MAX_PAYLOAD);
    add(b, 0, HELD);
    accept(b, 0, HELD);
}

/* Poison lines every other line from POISON_BASE until @total are poisoned. */
static uint64_t poison_up_to(Bench *b, guint total)
{
    uint64_t t0 = tm_bench_now_ns();
    guint had = tm_dcd_poison_count(b->dev);

    /* The device call QMP's cxl-inject-poison makes: 4301h stops at its 65,535 limit. */
    for (guint i = had; i < total; i++) {
        g_autoptr(GError) err = NULL;

        if (tm_dcd_inject_poison(b->dev, POISON_BASE + (uint64_t)i * 128, 64, &err) !=
            TM_DC_OK) {
            die("cxl-inject-poison", err);
        }
    }
    return total > had ? (tm_bench_now_ns() - t0) / (total - had) : 0;
}

typedef struct {
    double read_ns;
    double accept_ns;
    double lookup_ns;
} Row;

static Row measure(Bench *b, GRand *rand)
{
    Row row = { 0 };
    uint64_t elapsed = 0;
    uint64_t hits = 0;

    for (unsigned i = 0; i < READS; i++) {
        TmVendorDpaAccessRequest in = {
            .dpa = htole64((uint64_t)g_rand_int_range(rand, 0, HELD / 64) * 64),
            .length = htole32(64),
        };
        memcpy(b->request, &in, sizeof(in));
        uint64_t t0 = tm_bench_now_ns();
        call(b, TM_CXL_OP_READ_DPA, sizeof(in));
        elapsed += tm_bench_now_ns() - t0;
    }
    row.read_ns = (double)elapsed / READS;
    elapsed = 0;
    for (unsigned i = 0; i < ADDS; i++) {
        uint64_t dpa = HELD + (uint64_t)(i % 1024) * BLOCK;
        add(b, dpa, BLOCK);
        elapsed += accept(b, dpa, BLOCK);
        release(b, dpa, BLOCK);
    }
    row.accept_ns = (double)elapsed / ADDS;
    uint64_t t0 = tm_bench_now_ns();
    for (unsigned i = 0; i < LOOKUPS; i++) {
        hits += tm_dcd_poison_find(b->dev, (uint64_t)(i % (HELD / 64)) * 64, 64, NULL);
    }
    row.lookup_ns = (double)(tm_bench_now_ns() - t0) / LOOKUPS;
    if (hits != 0) {
        die("lookup found poison where there is none", NULL);
    }
    return row;
}

/* Page through the whole list with More; returns ns per full listing. */
static double page_through(Bench *b, uint32_t limit, guint expected, guint *pages)
{
    TmCxlGetPoisonListRequest in = { .dpa = 0, .length = htole64(GiB / 64) };
    uint64_t t0 = tm_bench_now_ns();

    b->caller.response_limit = limit;
    for (unsigned round = 0; round < PAGING_ROUNDS; round++) {
        guint records = 0;
        bool more = true;

        *pages = 0;
        while (more) {
            memcpy(b->request, &in, sizeof(in));
            call(b, TM_CXL_OP_GET_POISON_LIST, sizeof(in));
            records += le16toh(((TmCxlGetPoisonListResponse *)b->response)->count);
            more = (b->response[0] & TM_CXL_POISON_FLAG_MORE) != 0;
            (*pages)++;
        }
        if (records != expected) {
            die("Get Poison List lost records", NULL);
        }
    }
    b->caller.response_limit = TM_MAILBOX_DEFAULT_MAX_PAYLOAD;
    return (double)(tm_bench_now_ns() - t0) / PAGING_ROUNDS;
}

typedef struct {
    uint32_t estimate_ms;   /* 4303h's */
    double scan_ns;         /* 4304h to its end (0002h polled) */
    double read_ns;         /* 4305h until More is clear */
} ScanRow;

/* One Scan Media of [dpa, dpa + length); @expected the records it must find. */
static ScanRow scan_media(Bench *b, uint64_t dpa, uint64_t length, guint expected)
{
    TmCxlScanMediaRequest in = { .dpa = htole64(dpa), .length = htole64(length / 64) };
    TmMailboxRequest request = { .dev = b->dev, .caller = &b->caller,
                                 .opcode = TM_CXL_OP_SCAN_MEDIA, .payload = b->request,
                                 .payload_len = sizeof(in) };
    TmMailboxResponse response = { .payload = b->response };
    g_autoptr(GError) err = NULL;
    ScanRow row;

    memcpy(b->request, &in, 16);
    call(b, TM_CXL_OP_GET_SCAN_MEDIA_CAPS, 16);
    row.estimate_ms = le32toh(*(uint32_t *)b->response);
    memcpy(b->request, &in, sizeof(in));
    uint64_t t0 = tm_bench_now_ns();
    if (tm_mailbox_dispatch(&request, &response, &err) != TM_CXL_RC_BACKGROUND_COMMAND_STARTED) {
        die("Scan Media", err);
    }
    do {
        call(b, TM_CXL_OP_BACKGROUND_OPERATION_STATUS, 0);
    } while (b->response[0] & 1);
    uint64_t t1 = tm_bench_now_ns();
    guint records = 0;
    bool more = true;
    while (more) {
        call(b, TM_CXL_OP_GET_SCAN_MEDIA_RESULTS, 0);
        records += le16toh(((TmCxlGetScanMediaResultsResponse *)b->response)->count);
        more = (b->response[16] & TM_CXL_SCAN_RESULTS_MORE) != 0;
    }
    row.read_ns = (double)(tm_bench_now_ns() - t1);
    row.scan_ns = (double)(t1 - t0);
    if (records != expected) {
        die("Scan Media lost records", NULL);
    }
    return row;
}

int main(void)
{
    static const guint counts[] = { 0, 1000, 100000 };
    g_autoptr(GRand) rand = g_rand_new_with_seed(7);
    Row rows[G_N_ELEMENTS(counts)];
    uint64_t inject_ns[G_N_ELEMENTS(counts)];
    Bench b;

    bench_init(&b);
    /* Warm-up, so that the reference row does not pay for first touches. */
    measure(&b, rand);
    for (size_t i = 0; i < G_N_ELEMENTS(counts); i++) {
        inject_ns[i] = poison_up_to(&b, counts[i]);
        rows[i] = measure(&b, rand);
    }
    printf("bench-poison: in-process dispatch, %u reads, %u accepts, %u lookups per row\n",
           READS, ADDS, LOOKUPS);
    printf("%-18s %14s %10s %16s %10s %14s %10s %14s\n", "poisoned lines", "C002h ns/op",
           "ratio", "4802h ns/op", "ratio", "lookup ns/op", "ratio", "inject ns/op");
    for (size_t i = 0; i < G_N_ELEMENTS(counts); i++) {
        printf("%-18u %14.0f %9.2fx %16.0f %9.2fx %14.1f %9.2fx %14" PRIu64 "\n", counts[i],
               rows[i].read_ns, rows[i].read_ns / rows[0].read_ns, rows[i].accept_ns,
               rows[i].accept_ns / rows[0].accept_ns, rows[i].lookup_ns,
               rows[i].lookup_ns / rows[0].lookup_ns, inject_ns[i]);
    }
    printf("(reference: the first row, the same build with an empty poison list)\n");

    guint small_pages = 0;
    guint large_pages = 0;
    double small = page_through(&b, 2 * KiB, 100000, &small_pages);
    double large = page_through(&b, TM_MAILBOX_DEFAULT_MAX_PAYLOAD, 100000, &large_pages);
    printf("Get Poison List through 100000 records: 2 KiB limit %u pages %.2f ms (%.0f ns/record), "
           "1 MiB limit %u pages %.2f ms (%.0f ns/record), ratio %.2fx\n", small_pages,
           small / 1e6, small / 100000, large_pages, large / 1e6, large / 100000, small / large);
    ScanRow none = scan_media(&b, 0, HELD, 0);
    ScanRow all = scan_media(&b, 0, GiB, 100000);
    printf("%-28s %12s %12s %10s %14s\n", "Scan Media", "4303h est ms", "4304h ms", "ratio",
           "4305h read ms");
    printf("%-28s %12" PRIu32 " %12.3f %9.2fx %14.3f\n", "4 MiB, no poison (reference)",
           none.estimate_ms, none.scan_ns / 1e6, 1.0, none.read_ns / 1e6);
    printf("%-28s %12" PRIu32 " %12.3f %9.2fx %14.3f\n", "1 GiB, 100000 ranges",
           all.estimate_ms, all.scan_ns / 1e6, all.scan_ns / none.scan_ns, all.read_ns / 1e6);
    tm_device_registry_free(b.devices);
    tm_backend_registry_free(b.backends);
    g_free(b.response);
    return 0;
}
