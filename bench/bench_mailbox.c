/*
 * bench-mailbox: what a host's add / accept / release cycle costs through
 * the CCI mailbox, and how finding an accepted extent by DPA scales.
 *
 * One device, one 1 GiB DC region of 4 KiB blocks backed by an untagged
 * memory-backend-ram (lazily allocated, never touched), two hosts,
 * dc-max-extents 65535 (the most a host may hold).  A cycle is what a host
 * does for one add request: the request (device API, as QMP would make
 * it), then through tm_mailbox_dispatch() with a 1 MiB max payload: Get
 * Event Records, Clear Event Records (255 handles at most per command),
 * Add DC Response listing every extent, Release DC listing every extent.
 *
 *   cycle/1        one-extent requests
 *   cycle/1k       1000-extent requests
 *   100k           100,000 extents accepted (requests of 1000: host 0 up
 *                  to its limit of 65,535, host 1 the rest), then released
 *                  with 4803h commands of 1000
 *   find           tm_dcd_host_find_accepted() at 65,535 accepted extents
 *                  (a host's maximum), tm_extent_list_find() at 100,000,
 *                  each beside a linear scan of the same list, random DPAs
 *   memory         heap (mallinfo2) and RSS growth per accepted extent at
 *                  100,000, every record cleared
 *
 * Usage: bench-mailbox, or meson test -C BUILD --benchmark mailbox (best in a
 * release build)
 */
#include <endian.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/backend_registry.h"
#include "cci/cxl_commands.h"
#include "cci/cxl_opcodes.h"
#include "cci/mailbox.h"
#include "device/device_registry.h"
#include "bench_util.h"

#define KiB (UINT64_C(1) << 10)
#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define BLOCK (4 * KiB)
#define MAX_EXTENTS 65535u
#define REQUEST_EXTENTS 1000u
#define TOTAL_EXTENTS 100000u
#define CLEAR_BATCH 255u
#define FIND_QUERIES 2000000u
#define SCAN_QUERIES 2000u

typedef struct {
    TmBackendRegistry *backends;
    TmDeviceRegistry *devices;
    TmDcd *dev;
    TmMailboxCaller callers[2];
    uint8_t *response;      /* 1 MiB */
    uint8_t *request;       /* 1 MiB */
    TmExtent *extents;      /* REQUEST_EXTENTS */
    uint64_t step_ns[5];    /* add, get records, clear, 4802h, 4803h */
} Bench;

static void die(const char *what, const GError *err)
{
    fprintf(stderr, "bench-mailbox: %s: %s\n", what, err ? err->message : "failed");
    exit(1);
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
        { .name = "num-hosts", .value = { .kind = TM_PROP_UINT, .uint = 2 } },
        { .name = "dc-max-extents", .value = { .kind = TM_PROP_UINT, .uint = MAX_EXTENTS } },
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
    for (uint16_t h = 0; h < 2; h++) {
        b->callers[h] = (TmMailboxCaller) {
            .port = TM_MAILBOX_PORT_HOST,
            .host_id = h,
            .max_payload = TM_MAILBOX_DEFAULT_MAX_PAYLOAD,
        };
    }
    b->response = g_malloc(TM_MAILBOX_DEFAULT_MAX_PAYLOAD);
    b->request = g_malloc(TM_MAILBOX_DEFAULT_MAX_PAYLOAD);
    b->extents = g_new0(TmExtent, REQUEST_EXTENTS);
}

static void bench_clear(Bench *b)
{
    g_free(b->extents);
    g_free(b->request);
    g_free(b->response);
    tm_device_registry_free(b->devices);
    tm_backend_registry_free(b->backends);
}

/* One command through the dispatcher; anything but Success ends the run. */
static size_t call(Bench *b, uint16_t host, uint16_t opcode, size_t payload_len)
{
    g_autoptr(GError) err = NULL;
    TmMailboxRequest request = {
        .dev = b->dev,
        .caller = &b->callers[host],
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

static void add_request(Bench *b, uint16_t host, uint64_t first_dpa, guint n)
{
    g_autoptr(GError) err = NULL;

    for (guint i = 0; i < n; i++) {
        b->extents[i] = (TmExtent) { .dpa = first_dpa + i * BLOCK, .length = BLOCK };
    }
    TmDcAddRequest request = {
        .host_id = host,
        .policy = TM_DC_SELECT_PRESCRIPTIVE,
        .region = 0,
        .extents = b->extents,
        .n_extents = n,
    };
    if (tm_dcd_add_request(b->dev, &request, &err) != TM_DC_OK) {
        die("add request", err);
    }
}

/* Read the host's DC log and clear what was read, as a host driver does. */
static void read_and_clear_events(Bench *b, uint16_t host, guint expected)
{
    guint cleared = 0;

    while (cleared < expected) {
        b->request[0] = TM_EVENT_LOG_DYNAMIC_CAPACITY;
        uint64_t t0 = tm_bench_now_ns();
        call(b, host, TM_CXL_OP_GET_EVENT_RECORDS, 1);
        b->step_ns[1] += tm_bench_now_ns() - t0;

        uint16_t count;
        memcpy(&count, b->response + 20, sizeof(count));
        count = le16toh(count);
        for (guint done = 0; done < count;) {
            guint batch = MIN(count - done, CLEAR_BATCH);
            TmCxlClearEventRecordsRequest header = {
                .event_log = TM_EVENT_LOG_DYNAMIC_CAPACITY,
                .handle_count = (uint8_t)batch,
            };
            memcpy(b->request, &header, sizeof(header));
            for (guint i = 0; i < batch; i++) {
                /* Handle at offset 20 of each 128-byte record after the 32-byte header. */
                memcpy(b->request + sizeof(header) + i * 2,
                       b->response + 32 + (done + i) * TM_CXL_EVENT_RECORD_SIZE + 20, 2);
            }
            t0 = tm_bench_now_ns();
            call(b, host, TM_CXL_OP_CLEAR_EVENT_RECORDS, sizeof(header) + batch * 2);
            b->step_ns[2] += tm_bench_now_ns() - t0;
            done += batch;
        }
        cleared += count;
    }
}

/* A 4802h or 4803h payload listing @n extents of BLOCK bytes from @first_dpa. */
static size_t updated_extents(Bench *b, uint64_t first_dpa, guint n)
{
    TmCxlAddDcResponseRequest header = { .extent_count = htole32(n) };

    memcpy(b->request, &header, sizeof(header));
    for (guint i = 0; i < n; i++) {
        TmCxlUpdatedExtent entry = {
            .start_dpa = htole64(first_dpa + i * BLOCK),
            .length = htole64(BLOCK),
        };
        memcpy(b->request + sizeof(header) + i * sizeof(entry), &entry, sizeof(entry));
    }
    return sizeof(header) + n * sizeof(TmCxlUpdatedExtent);
}

static void accept_extents(Bench *b, uint16_t host, uint64_t first_dpa, guint n)
{
    size_t length = updated_extents(b, first_dpa, n);
    uint64_t t0 = tm_bench_now_ns();

    call(b, host, TM_CXL_OP_ADD_DC_RESPONSE, length);
    b->step_ns[3] += tm_bench_now_ns() - t0;
}

static void release_extents(Bench *b, uint16_t host, uint64_t first_dpa, guint n)
{
    size_t length = updated_extents(b, first_dpa, n);
    uint64_t t0 = tm_bench_now_ns();

    call(b, host, TM_CXL_OP_RELEASE_DC, length);
    b->step_ns[4] += tm_bench_now_ns() - t0;
}

static void offer_read_accept(Bench *b, uint16_t host, uint64_t first_dpa, guint n)
{
    uint64_t t0 = tm_bench_now_ns();

    add_request(b, host, first_dpa, n);
    b->step_ns[0] += tm_bench_now_ns() - t0;
    read_and_clear_events(b, host, n);
    accept_extents(b, host, first_dpa, n);
}

static void print_row(const char *name, unsigned cycles, uint64_t extents, uint64_t elapsed_ns)
{
    double seconds = (double)elapsed_ns / 1e9;

    printf("%-34s %8u %8.0f %12.0f %12.0f %10.2f\n", name, cycles, (double)extents / cycles,
           cycles / seconds, extents / seconds, (double)elapsed_ns / cycles / 1000.0);
}

static void print_steps(const Bench *b, unsigned cycles)
{
    static const char *names[] = { "add", "0100h", "0101h", "4802h", "4803h" };

    printf("%-34s", "  per cycle, us:");
    for (unsigned i = 0; i < G_N_ELEMENTS(names); i++) {
        printf(" %s %.2f", names[i], (double)b->step_ns[i] / cycles / 1000.0);
    }
    printf("\n");
}

static void bench_cycles(const char *name, unsigned cycles, guint extents_per_cycle)
{
    Bench b;

    bench_init(&b);
    uint64_t t0 = tm_bench_now_ns();
    for (unsigned c = 0; c < cycles; c++) {
        /* Move through the region so that every cycle uses fresh DPAs. */
        uint64_t first_dpa = (uint64_t)(c % 64) * REQUEST_EXTENTS * BLOCK;

        offer_read_accept(&b, 0, first_dpa, extents_per_cycle);
        release_extents(&b, 0, first_dpa, extents_per_cycle);
    }
    print_row(name, cycles, (uint64_t)cycles * extents_per_cycle, tm_bench_now_ns() - t0);
    print_steps(&b, cycles);
    bench_clear(&b);
}

static size_t heap_in_use(void)
{
    return mallinfo2().uordblks;
}

static size_t rss_bytes(void)
{
    long pages = 0;
    FILE *statm = fopen("/proc/self/statm", "r");

    if (statm) {
        if (fscanf(statm, "%*s %ld", &pages) != 1) {
            pages = 0;
        }
        fclose(statm);
    }
    return (size_t)pages * 4096;
}

static double ns_per_query(uint64_t elapsed_ns, unsigned queries)
{
    return (double)elapsed_ns / queries;
}

/* Linear reference: the first accepted extent of @host holding @dpa. */
static const TmBackedExtent *scan_accepted(const TmDcd *dev, uint16_t host, uint64_t dpa)
{
    guint n = tm_dcd_host_accepted_count(dev, host);

    for (guint i = 0; i < n; i++) {
        const TmBackedExtent *extent = tm_dcd_host_accepted(dev, host, i);

        if (tm_extent_contains(&extent->extent, dpa, 1)) {
            return extent;
        }
    }
    return NULL;
}

static void bench_find_device(const Bench *b, guint accepted, GRand *rand)
{
    uint64_t span = (uint64_t)accepted * BLOCK;
    uint64_t found = 0;

    uint64_t t0 = tm_bench_now_ns();
    for (unsigned q = 0; q < FIND_QUERIES; q++) {
        found += tm_dcd_host_find_accepted(b->dev, 0, g_rand_int_range(rand, 0, (gint32)span))
                 != NULL;
    }
    uint64_t tree_ns = tm_bench_now_ns() - t0;
    t0 = tm_bench_now_ns();
    for (unsigned q = 0; q < SCAN_QUERIES; q++) {
        found += scan_accepted(b->dev, 0, g_rand_int_range(rand, 0, (gint32)span)) != NULL;
    }
    uint64_t scan_ns = tm_bench_now_ns() - t0;
    if (found != FIND_QUERIES + SCAN_QUERIES) {
        die("find", NULL);
    }
    printf("find by DPA, host of %6u extents:  tm_dcd_host_find_accepted %8.1f ns/op   "
           "linear scan %10.1f ns/op\n", accepted, ns_per_query(tree_ns, FIND_QUERIES),
           ns_per_query(scan_ns, SCAN_QUERIES));
}

static void bench_find_list(GRand *rand)
{
    g_autoptr(TmExtentList) list = tm_extent_list_new();
    uint64_t span = (uint64_t)TOTAL_EXTENTS * BLOCK;
    uint64_t found = 0;

    for (guint i = 0; i < TOTAL_EXTENTS; i++) {
        TmBackedExtent extent = { .extent = { .dpa = i * BLOCK, .length = BLOCK } };
        tm_extent_list_insert(list, &extent);
    }
    uint64_t t0 = tm_bench_now_ns();
    for (unsigned q = 0; q < FIND_QUERIES; q++) {
        found += tm_extent_list_find(list, g_rand_int_range(rand, 0, (gint32)span)) != NULL;
    }
    uint64_t tree_ns = tm_bench_now_ns() - t0;
    t0 = tm_bench_now_ns();
    for (unsigned q = 0; q < SCAN_QUERIES; q++) {
        uint64_t dpa = g_rand_int_range(rand, 0, (gint32)span);

        for (guint i = 0; i < tm_extent_list_length(list); i++) {
            if (tm_extent_contains(&tm_extent_list_get(list, i)->extent, dpa, 1)) {
                found++;
                break;
            }
        }
    }
    uint64_t scan_ns = tm_bench_now_ns() - t0;
    if (found != FIND_QUERIES + SCAN_QUERIES) {
        die("find in list", NULL);
    }
    printf("find by DPA, list of %6u extents:  tm_extent_list_find        %8.1f ns/op   "
           "linear scan %10.1f ns/op\n", TOTAL_EXTENTS, ns_per_query(tree_ns, FIND_QUERIES),
           ns_per_query(scan_ns, SCAN_QUERIES));
}

/* 100k extents: host 0 to its limit, host 1 the rest; then all released. */
static void bench_total(void)
{
    guint per_host[2] = { MAX_EXTENTS, TOTAL_EXTENTS - MAX_EXTENTS };
    g_autoptr(GRand) rand = g_rand_new_with_seed(42);
    Bench b;

    bench_init(&b);
    size_t heap_before = heap_in_use();
    size_t rss_before = rss_bytes();
    unsigned requests = 0;
    uint64_t t0 = tm_bench_now_ns();
    for (uint16_t h = 0, dpa_index = 0; h < 2; h++) {
        for (guint done = 0; done < per_host[h]; requests++) {
            guint n = MIN(REQUEST_EXTENTS, per_host[h] - done);

            offer_read_accept(&b, h, (uint64_t)(dpa_index + done) * BLOCK, n);
            done += n;
        }
        dpa_index += per_host[h];
    }
    uint64_t add_ns = tm_bench_now_ns() - t0;
    size_t heap_after = heap_in_use();
    size_t rss_after = rss_bytes();
    if (tm_dcd_host_accepted_count(b.dev, 0) + tm_dcd_host_accepted_count(b.dev, 1) !=
        TOTAL_EXTENTS) {
        die("100k accept", NULL);
    }
    print_row("100k: add+read+clear+accept", requests, TOTAL_EXTENTS, add_ns);
    print_steps(&b, requests);

    bench_find_device(&b, MAX_EXTENTS, rand);

    memset(b.step_ns, 0, sizeof(b.step_ns));
    t0 = tm_bench_now_ns();
    unsigned releases = 0;
    for (uint16_t h = 0, dpa_index = 0; h < 2; h++) {
        for (guint done = 0; done < per_host[h]; releases++) {
            guint n = MIN(REQUEST_EXTENTS, per_host[h] - done);

            release_extents(&b, h, (uint64_t)(dpa_index + done) * BLOCK, n);
            done += n;
        }
        dpa_index += per_host[h];
    }
    print_row("100k: release (4803h of 1000)", releases, TOTAL_EXTENTS, tm_bench_now_ns() - t0);
    if (tm_dcd_has_allocations(b.dev)) {
        die("100k release", NULL);
    }
    printf("memory per accepted extent at %u: heap %.1f B, RSS %.1f B\n", TOTAL_EXTENTS,
           (double)(heap_after - heap_before) / TOTAL_EXTENTS,
           (double)(rss_after - rss_before) / TOTAL_EXTENTS);
    bench_clear(&b);
    bench_find_list(rand);
}

int main(void)
{
    printf("bench-mailbox: 1 GiB region, 4 KiB blocks, 2 hosts, dc-max-extents %u, "
           "max payload 1 MiB\n\n", MAX_EXTENTS);
    printf("%-34s %8s %8s %12s %12s %10s\n", "scenario", "cycles", "ext/cyc", "cycles/s",
           "extents/s", "us/cycle");
    bench_cycles("cycle/1: add-accept-release", 20000, 1);
    bench_cycles("cycle/1k: add-accept-release", 200, REQUEST_EXTENTS);
    bench_total();
    return 0;
}
