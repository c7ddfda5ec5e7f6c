/*
 * Table 1: full cycles of 1, 64 and 1024 extents of 2 MiB per request.
 *
 * tagmem: the FM adds the extents with QMP cxl-add-dynamic-capacity; the
 * daemon notifies host 0; libtagmem reads the records (Get Event
 * Records), clears them, accepts with one Add DC Response (4802h), gets
 * each extent's memory (C001h) and maps it at window + DPA; the bench
 * touches every page; libtagmem releases the range
 * (tagmem_host_release_range: each extent made PROT_NONE, one 4803h per
 * extent); the FM reads the cycle's QMP events (committed, released).
 *
 * floor: the same exchange with nothing behind it.  One cycle's packets
 * are recorded through a relay between libtagmem and the host socket
 * (sizes, direction, passed descriptors), the FM's request, reply and
 * events are added by size, and the whole is replayed over a bare
 * SOCK_SEQPACKET socketpair against an echo thread that sends packets of
 * the recorded sizes, a memfd descriptor where the daemon passed one.
 * The replay maps each descriptor, touches every page and makes the range
 * PROT_NONE piece by piece as libtagmem does, on a memfd of the same
 * size.  tagmem and floor cycles alternate, so that other load on the
 * machine falls on both alike.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host_tables.h"
#include "packet_trace.h"

#define MIN_TIMED_CYCLES 3u
#define MAX_REGIONS 8

static const guint request_extents[] = { 1, 64, MAX_REQUEST_EXTENTS };

enum { PHASE_ADD, PHASE_ACCEPT, PHASE_TOUCH, PHASE_RELEASE, PHASE_EVENTS, PHASES };

typedef struct {
    uint64_t ns[PHASES];    /* summed over the timed cycles */
    guint cycles;
} Phases;

/* A host connection doing full cycles of @n extents at the start of region 0. */
typedef struct {
    TmQmpConn *qmp;
    TagmemHost *host;
    HostTally tally;
    const char *add_request;
    size_t reply_bytes;     /* of the last QMP reply */
    guint n;
    uint64_t dpa;           /* region 0's base */
    uint8_t *memory;        /* window + dpa */
    TmTraceRecorder *recorder;  /* while recording the floor's trace */
    GArray *event_sizes;        /* while recording: the FM's events (uint32_t) */
    bool check;             /* verify the mappings (an untimed cycle) */
} Cycle;

/* The floor's host end: its socket, its memory, and the echo thread across. */
typedef struct {
    const GArray *trace;
    int fd;
    uint8_t *buffer;        /* TM_TRACE_MAX_PACKET */
    uint8_t *window;        /* n extents, PROT_NONE between cycles */
    uint64_t window_bytes;
    int memfd;
    TmTraceEcho *echo;
} Floor;

/* A prescriptive add of @n untagged 2 MiB extents, back to back from region 0's start. */
static char *untagged_add_request(guint n)
{
    GString *text = g_string_new("{\"execute\": \"cxl-add-dynamic-capacity\", \"arguments\": "
                                 "{\"path\": \"dcd0\", \"host-id\": 0, \"selection-policy\": "
                                 "\"prescriptive\", \"region\": 0, \"extents\": [");

    for (guint i = 0; i < n; i++) {
        g_string_append_printf(text, "%s{\"offset\": %" PRIu64 ", \"len\": %" PRIu64 "}",
                               i ? ", " : "", i * EXTENT_BYTES, EXTENT_BYTES);
    }
    g_string_append(text, "]}}\n");
    return g_string_free(text, FALSE);
}

static void touch_pages(uint8_t *memory, uint64_t bytes, uint8_t stamp)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

    for (uint64_t offset = 0; offset < bytes; offset += page) {
        ((volatile uint8_t *)memory)[offset] = stamp;
    }
}

static void add_phases(Phases *phases, const uint64_t *t)
{
    if (phases == NULL) {
        return;
    }
    for (int i = 0; i < PHASES; i++) {
        phases->ns[i] += t[i + 1] - t[i];
    }
    phases->cycles++;
}

/* In place: the host's event callback keeps a pointer to @cycle's tally. */
static void cycle_open(Cycle *cycle, TmQmpConn *qmp, const char *path, guint n,
                       const char *add_request)
{
    TagmemRegion regions[MAX_REGIONS];
    void *window;
    uint64_t window_size;

    *cycle = (Cycle){ .qmp = qmp, .n = n, .add_request = add_request };
    cycle->host = bench_host_connect(path, n, &cycle->tally);
    if (tagmem_host_regions(cycle->host, regions, MAX_REGIONS) < 1) {
        g_error("bench-host: the device reports no DC region");
    }
    tagmem_host_window(cycle->host, &window, &window_size);
    cycle->dpa = regions[0].base;
    cycle->memory = (uint8_t *)window + cycle->dpa;
}

/* Each extent is mapped at window + DPA, and what was written there is what the daemon holds. */
static void check_cycle(Cycle *cycle, uint8_t stamp)
{
    g_autofree TagmemMapping *mappings = g_new(TagmemMapping, cycle->n);
    size_t held = tagmem_host_extents(cycle->host, mappings, cycle->n);
    uint64_t last_page = EXTENT_BYTES - (uint64_t)sysconf(_SC_PAGESIZE);

    if (held != cycle->n) {
        g_error("bench-host: the host holds %zu extents, not %u", held, cycle->n);
    }
    for (guint i = 0; i < cycle->n; i++) {
        uint8_t byte = 0;

        if (mappings[i].addr != cycle->memory + (uint64_t)i * EXTENT_BYTES) {
            g_error("bench-host: extent %u is not mapped at window + DPA", i);
        }
        if (tagmem_host_read(cycle->host, mappings[i].extent.dpa + last_page, &byte, 1) != 0) {
            bench_die_host(cycle->host, "reading back by DPA");
        }
        if (byte != stamp) {
            g_error("bench-host: DPA 0x%" PRIx64 " reads %u by DPA, %u was written",
                    mappings[i].extent.dpa + last_page, byte, stamp);
        }
    }
}

/* FM add; notification .. mappings; touch; release; FM events.  @phases NULL: untimed. */
static void real_cycle(Cycle *cycle, uint8_t stamp, Phases *phases)
{
    uint64_t bytes = (uint64_t)cycle->n * EXTENT_BYTES;
    uint64_t t[PHASES + 1];

    t[0] = bench_now_ns();
    cycle->reply_bytes = bench_qmp_request(cycle->qmp, cycle->add_request);
    t[1] = bench_now_ns();
    bench_host_accept(cycle->host, &cycle->tally, cycle->n);
    if (cycle->recorder) {
        tm_trace_recorder_mark(cycle->recorder, TM_TRACE_MARK_TOUCH);
    }
    t[2] = bench_now_ns();
    touch_pages(cycle->memory, bytes, stamp);
    t[3] = bench_now_ns();
    if (cycle->check) {
        check_cycle(cycle, stamp);
    }
    if (tagmem_host_release_range(cycle->host, cycle->dpa, bytes) != 0) {
        bench_die_host(cycle->host, "releasing");
    }
    t[4] = bench_now_ns();
    bench_qmp_read_cycle_events(cycle->qmp, cycle->n, cycle->event_sizes);
    t[5] = bench_now_ns();
    add_phases(phases, t);
}

static void append(GArray *trace, TmTraceKind kind, uint32_t size)
{
    TmTraceEntry entry = { .kind = kind, .size = size };

    g_array_append_val(trace, entry);
}

/*
 * One cycle through a relay that records the host's packets.  The FM's
 * request and reply go first and its events last, by size: on the floor
 * they travel the same socketpair.
 */
static GArray *record_trace(const Bench *bench, guint n, const char *add_request)
{
    g_autofree char *relay_path = g_build_filename(bench->daemon->dir, "relay.sock", NULL);
    TmTraceRecorder *recorder = tm_trace_recorder_start(relay_path, bench->host_path);
    g_autoptr(GArray) event_sizes = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    GArray *trace = g_array_new(FALSE, FALSE, sizeof(TmTraceEntry));
    Cycle cycle;
    guint packets, fds;
    uint64_t bytes;

    cycle_open(&cycle, bench->qmp, relay_path, n, add_request);
    cycle.recorder = recorder;
    cycle.event_sizes = event_sizes;
    tm_trace_recorder_begin(recorder);
    real_cycle(&cycle, 1, NULL);
    tagmem_host_close(cycle.host);
    g_autoptr(GArray) recorded = tm_trace_recorder_finish(recorder);
    unlink(relay_path);

    append(trace, TM_TRACE_TO_DEVICE, (uint32_t)strlen(add_request));
    append(trace, TM_TRACE_FROM_DEVICE, (uint32_t)cycle.reply_bytes);
    append(trace, TM_TRACE_MARK_ADDED, 0);
    g_array_append_vals(trace, recorded->data, recorded->len);
    append(trace, TM_TRACE_MARK_RELEASED, 0);
    for (guint i = 0; i < event_sizes->len; i++) {
        append(trace, TM_TRACE_FROM_DEVICE, g_array_index(event_sizes, uint32_t, i));
    }
    tm_trace_totals(trace, &packets, &bytes, &fds);
    if (fds != n) {
        g_error("bench-host: one cycle of %u extents passed %u descriptors", n, fds);
    }
    return trace;
}

static void floor_open(Floor *f, const GArray *trace, guint n)
{
    int pair[2];

    *f = (Floor){ .trace = trace, .window_bytes = (uint64_t)n * EXTENT_BYTES };
    f->buffer = g_malloc0(TM_TRACE_MAX_PACKET);
    f->memfd = memfd_create("bench-host-floor", MFD_CLOEXEC);
    if (f->memfd < 0 || ftruncate(f->memfd, (off_t)f->window_bytes) != 0) {
        g_error("bench-host: floor memfd: %s", g_strerror(errno));
    }
    f->window = mmap(NULL, f->window_bytes, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (f->window == MAP_FAILED ||
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
        g_error("bench-host: floor setup: %s", g_strerror(errno));
    }
    tm_trace_size_buffers(pair[0]);
    tm_trace_size_buffers(pair[1]);
    f->fd = pair[0];
    f->echo = tm_trace_echo_start(pair[1], trace, f->memfd);
}

static void floor_close(Floor *f)
{
    close(f->fd);
    tm_trace_echo_join(f->echo);
    munmap(f->window, f->window_bytes);
    close(f->memfd);
    g_free(f->buffer);
}

static void floor_map(Floor *f, guint index, int fd)
{
    uint64_t offset = (uint64_t)index * EXTENT_BYTES;

    if (mmap(f->window + offset, EXTENT_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
             fd, (off_t)offset) == MAP_FAILED) {
        g_error("bench-host: floor mmap: %s", g_strerror(errno));
    }
    close(fd);
}

/* As libtagmem forgets a range: each piece replaced by PROT_NONE, the address space kept. */
static void floor_unmap(Floor *f, guint count)
{
    for (guint i = 0; i < count; i++) {
        if (mmap(f->window + (uint64_t)i * EXTENT_BYTES, EXTENT_BYTES, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED) {
            g_error("bench-host: floor unmap: %s", g_strerror(errno));
        }
    }
}

static void floor_cycle(Floor *f, uint8_t stamp, Phases *phases)
{
    uint64_t t[PHASES + 1];
    guint mapped = 0;

    t[0] = bench_now_ns();
    for (guint i = 0; i < f->trace->len; i++) {
        const TmTraceEntry *entry = &g_array_index(f->trace, TmTraceEntry, i);
        int fd;

        switch (entry->kind) {
        case TM_TRACE_TO_DEVICE:
            tm_trace_send(f->fd, f->buffer, entry->size, -1);
            break;
        case TM_TRACE_FROM_DEVICE:
            tm_trace_receive(f->fd, f->buffer, &fd);
            if (fd >= 0) {
                floor_map(f, mapped++, fd);
            }
            break;
        case TM_TRACE_MARK_ADDED:
            t[1] = bench_now_ns();
            break;
        case TM_TRACE_MARK_TOUCH:
            t[2] = bench_now_ns();
            touch_pages(f->window, (uint64_t)mapped * EXTENT_BYTES, stamp);
            t[3] = bench_now_ns();
            floor_unmap(f, mapped);
            break;
        case TM_TRACE_MARK_RELEASED:
            t[4] = bench_now_ns();
            break;
        }
    }
    t[5] = bench_now_ns();
    add_phases(phases, t);
}

/*
 * After an untimed cycle of each (checked on tagmem's side; it populates
 * the floor's memfd), alternate timed cycles for at least @seconds.
 */
static void measure(const Bench *bench, guint n, const char *add_request, const GArray *trace,
                    double seconds, Phases *real, Phases *floor)
{
    uint64_t budget = (uint64_t)(seconds * 1e9);
    Cycle cycle;
    Floor f;

    cycle_open(&cycle, bench->qmp, bench->host_path, n, add_request);
    floor_open(&f, trace, n);
    cycle.check = true;
    real_cycle(&cycle, 2, NULL);
    cycle.check = false;
    floor_cycle(&f, 2, NULL);
    uint64_t start = bench_now_ns();
    while (real->cycles < MIN_TIMED_CYCLES || bench_now_ns() - start < budget) {
        uint8_t stamp = (uint8_t)(3 + real->cycles);

        real_cycle(&cycle, stamp, real);
        floor_cycle(&f, stamp, floor);
    }
    floor_close(&f);
    tagmem_host_close(cycle.host);
}

static double per_cycle_us(const Phases *phases, int phase)
{
    return phases->ns[phase] / 1000.0 / phases->cycles;
}

static double cycle_us(const Phases *phases)
{
    double total = 0;

    for (int i = 0; i < PHASES; i++) {
        total += per_cycle_us(phases, i);
    }
    return total;
}

static void print_row(guint n, const char *run, const Phases *phases, const Phases *floor)
{
    double us = cycle_us(phases);

    printf("%5u %-6s %6u %9.0f %10.1f", n, run, phases->cycles, n / us * 1e6, us);
    for (int i = 0; i < PHASES; i++) {
        printf(" %9.1f", per_cycle_us(phases, i));
    }
    if (floor != NULL) {
        double touch = per_cycle_us(phases, PHASE_TOUCH);
        double floor_touch = per_cycle_us(floor, PHASE_TOUCH);
        printf(" %6.2fx %6.2fx", us / cycle_us(floor),
               (us - touch) / (cycle_us(floor) - floor_touch));
    }
    printf("\n");
}

static void print_header(const BenchOptions *opts)
{
    printf("bench-host 1: full cycles of 2 MiB extents, 1 / 64 / 1024 per request, at least "
           "%.1f s each\n", opts->seconds);
    printf("FM side: QMP cxl-add-dynamic-capacity.\n");
    printf("host side: libtagmem (Linux v11 rules, max_pending_extents = extents per request).\n"
           "phases, us per cycle: add = QMP request and reply; accept = notification, Get Event"
           "\nRecords, Clear, 4802h, C001h + mmap per extent; touch = one write per 4 KiB page;"
           "\nrelease = tagmem_host_release_range (PROT_NONE, one 4803h per extent); events = the"
           "\nFM reads the cycle's CXL_DC_CAPACITY_* QMP events (committed, one released per 4803h).\n"
           "floor: the same packets (recorded through a relay: sizes, descriptors) and the FM's"
           "\nQMP bytes replayed on a bare SOCK_SEQPACKET socketpair against an echo thread, with"
           "\nthe same mmap / touch / PROT_NONE on a memfd; tagmem and floor cycles alternate.\n"
           "x floor = time per cycle / the floor's; w/o touch = the same without the touch "
           "phase.\n\n");
    printf("%5s %-6s %6s %9s %10s %9s %9s %9s %9s %9s %7s %7s\n", "ext.", "run", "cycles",
           "extents/s", "us/cycle", "add", "accept", "touch", "release", "events", "x floor",
           "w/o tch");
}

static void print_trace_summary(guint n, const GArray *trace)
{
    guint packets, fds;
    uint64_t bytes;

    tm_trace_totals(trace, &packets, &bytes, &fds);
    printf("%5u extents: %u packets, %" PRIu64 " bytes, %u descriptors per cycle\n", n, packets,
           bytes, fds);
}

void bench_run_cycle_table(const Bench *bench, const BenchOptions *opts)
{
    GArray *traces[G_N_ELEMENTS(request_extents)];

    print_header(opts);
    for (gsize i = 0; i < G_N_ELEMENTS(request_extents); i++) {
        guint n = request_extents[i];
        g_autofree char *add_request = untagged_add_request(n);
        Phases real = { 0 }, floor = { 0 };

        traces[i] = record_trace(bench, n, add_request);
        measure(bench, n, add_request, traces[i], opts->seconds, &real, &floor);
        print_row(n, "tagmem", &real, &floor);
        print_row(n, "floor", &floor, NULL);
    }
    printf("\nthe exchange replayed (QMP and CCI packets together):\n");
    for (gsize i = 0; i < G_N_ELEMENTS(request_extents); i++) {
        print_trace_summary(request_extents[i], traces[i]);
        g_array_unref(traces[i]);
    }
}
