/*
 * bench-qmp: QMP round-trip latency of tagmemd, each beside a reference
 * measured in the same run.
 *
 *   bench-qmp [--rounds N] [--dc-rounds N] [TAGMEMD]  (TAGMEMD defaults to $TAGMEMD)
 *
 * 1. qom-get: starts tagmemd, creates one tagged backend, then times N
 *    qom-get round trips of its tag on one connection (request written,
 *    reply line read; no JSON work on the client side).  The reference is
 *    a bare UNIX stream socket echo server in a thread of this process that
 *    answers each request line with a reply of the same byte size.
 *
 * 2. cxl-add-dynamic-capacity: tagmemd and QEMU 10 (qemu-system-x86_64,
 *    or $QEMU; docs/qemu-compat.md, no guest) run the same memdev and
 *    cxl-type3 lines and get the same requests, one daemon after the other:
 *    each a prescriptive add of one fresh 2 MiB extent, walking the
 *    regions round-robin so that no two adds overlap.  No guest accepts,
 *    so every add stays pending and both pending lists grow by one group
 *    per round.  tagmem also checks the per-host extent limit (pending
 *    plus accepted; QEMU checks none), so its device line raises
 *    dc-max-extents to the number of adds.  Without QEMU only tagmemd's
 *    row is printed.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon_harness.h"
#include "qemu_harness.h"
#include "bench_util.h"

#define WARMUP_ROUNDS 1000
#define LINE_MAX_BYTES 4096

/* Table 2: QEMU's default DC block size, 8 regions walked round-robin. */
#define DC_BLOCK_SIZE (2u * 1024 * 1024)
#define DC_REGIONS 8
#define DC_REGION_ALIGN (256u * 1024 * 1024) /* QEMU: region lengths are multiples */
#define DC_WARMUP_ROUNDS 192
#define DC_DEVICE_PATH "/machine/peripheral/cxl-dcd0"
/* tagmem's limit on dc-max-extents (16-bit event log handles). */
#define DC_MAX_ADDS 65535

static const char qom_get_request[] =
    "{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"/objects/bench0\","
    " \"property\": \"tag\"}}\n";

typedef struct {
    const char *name;
    double median_us;
    double p99_us;
    double min_us;
    size_t reply_bytes;
} Result;

/*
 * Read one reply line into @line.  Each side waits for the answer before
 * sending again, so a line ends a read; leading blank lines (a "\r\n"
 * left over from setup) are dropped.
 */
static size_t read_line(int fd, char *line)
{
    size_t length = 0;

    for (;;) {
        ssize_t got = recv(fd, line + length, LINE_MAX_BYTES - length, 0);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return 0;
        }
        length += (size_t)got;
        if (line[length - 1] == '\n') {
            size_t start = 0;
            while (start < length && g_ascii_isspace(line[start])) {
                start++;
            }
            if (start < length) {
                memmove(line, line + start, length - start);
                return length - start;
            }
            length = 0;
        }
        if (length == LINE_MAX_BYTES) {
            g_error("reply line longer than %d bytes", LINE_MAX_BYTES);
        }
    }
}

/* One request/reply round trip on @fd, in ns; the reply must be a "return". */
static uint64_t round_trip(const char *name, int fd, const char *request, size_t *reply_bytes)
{
    char line[LINE_MAX_BYTES];
    uint64_t start = tm_bench_now_ns();

    tm_bench_write_all(fd, request, strlen(request));
    *reply_bytes = read_line(fd, line);
    uint64_t elapsed = tm_bench_now_ns() - start;
    if (*reply_bytes == 0 || memmem(line, *reply_bytes, "\"return\"", 8) == NULL) {
        g_error("%s: bad reply '%.*s' to %s", name, (int)*reply_bytes, line, request);
    }
    return elapsed;
}

/* Sorts @samples. */
static Result summarize(const char *name, uint64_t *samples, guint n, size_t reply_bytes)
{
    qsort(samples, n, sizeof(uint64_t), tm_bench_compare_u64);
    return (Result){
        .name = name,
        .median_us = samples[n / 2] / 1000.0,
        .p99_us = samples[(guint)(n * 0.99)] / 1000.0,
        .min_us = samples[0] / 1000.0,
        .reply_bytes = reply_bytes,
    };
}

/* Time @rounds qom-get round trips on @fd. */
static Result measure(const char *name, int fd, guint rounds)
{
    g_autofree uint64_t *samples = g_new(uint64_t, rounds);
    size_t reply_bytes = 0;

    for (guint i = 0; i < WARMUP_ROUNDS + rounds; i++) {
        uint64_t elapsed = round_trip(name, fd, qom_get_request, &reply_bytes);
        if (i >= WARMUP_ROUNDS) {
            samples[i - WARMUP_ROUNDS] = elapsed;
        }
    }
    return summarize(name, samples, rounds, reply_bytes);
}

typedef struct {
    int listen_fd;
    char *reply;
} EchoServer;

/* Answer each request line with the canned reply, until the peer closes. */
static gpointer run_echo_server(gpointer data)
{
    EchoServer *server = data;
    char line[LINE_MAX_BYTES];
    int fd = accept(server->listen_fd, NULL, NULL);

    if (fd < 0) {
        g_error("accept: %s", g_strerror(errno));
    }
    while (read_line(fd, line) > 0) {
        tm_bench_write_all(fd, server->reply, strlen(server->reply));
    }
    close(fd);
    return NULL;
}

static int listen_unix(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 1) != 0) {
        g_error("echo socket %s: %s", path, g_strerror(errno));
    }
    return fd;
}

static Result measure_echo(const char *dir, size_t reply_bytes, guint rounds)
{
    g_autofree char *path = g_build_filename(dir, "echo.sock", NULL);
    EchoServer server = { .listen_fd = listen_unix(path) };
    g_autoptr(GError) err = NULL;

    /* A JSON-looking line of exactly tagmemd's reply size. */
    server.reply = g_strnfill(reply_bytes, 'x');
    memcpy(server.reply, "{\"return\": \"", 12);
    memcpy(server.reply + reply_bytes - 3, "\"}\n", 3);
    GThread *thread = g_thread_new("echo", run_echo_server, &server);
    TmQmpConn *client = tm_qmp_conn_connect(path, &err);
    g_assert_no_error(err);
    Result result = measure("UNIX socket echo, same sizes (floor)",
                            tm_qmp_conn_fd(client), rounds);
    tm_qmp_conn_free(client);
    g_thread_join(thread);
    close(server.listen_fd);
    unlink(path);
    g_free(server.reply);
    return result;
}

static void print_row(const Result *result)
{
    printf("%-40s %8zu %11.2f %11.2f %11.2f\n", result->name, result->reply_bytes,
           result->median_us, result->p99_us, result->min_us);
}

static void print_header(void)
{
    printf("%-40s %8s %11s %11s %11s\n", "operation", "reply B", "median us", "p99 us",
           "min us");
}

static void print_table(const Result *results, gsize n, guint rounds)
{
    printf("bench-qmp: %u round trips on one connection, request %zu bytes\n\n", rounds,
           strlen(qom_get_request));
    print_header();
    for (gsize i = 0; i < n; i++) {
        print_row(&results[i]);
    }
    printf("\ntagmemd median / floor median: %.1fx\n", results[0].median_us / results[1].median_us);
}

/* ---- table 2: cxl-add-dynamic-capacity, tagmemd beside QEMU 10 ---- */

typedef struct {
    guint adds;              /* warm-up plus timed */
    uint64_t region_bytes;
    char *memdev_line;
    char *device_line;       /* QEMU's line; tagmemd's adds dc-max-extents */
    char *tagmem_device_line;
} DcSetup;

static DcSetup dc_setup(guint timed_rounds)
{
    DcSetup setup = { .adds = DC_WARMUP_ROUNDS + timed_rounds };
    uint64_t blocks_per_region = (setup.adds + DC_REGIONS - 1) / DC_REGIONS;

    setup.region_bytes = (blocks_per_region * DC_BLOCK_SIZE + DC_REGION_ALIGN - 1) /
                         DC_REGION_ALIGN * DC_REGION_ALIGN;
    /* reserve=off: nothing touches the memory; only the address space is needed. */
    setup.memdev_line = g_strdup_printf("memory-backend-ram,id=dc0,reserve=off,size=%" PRIu64,
                                        setup.region_bytes * DC_REGIONS);
    setup.device_line = g_strdup_printf("cxl-type3,bus=rp0,volatile-dc-memdev=dc0,"
                                        "num-dc-regions=%d,id=cxl-dcd0", DC_REGIONS);
    setup.tagmem_device_line = g_strdup_printf("%s,dc-max-extents=%u", setup.device_line,
                                               setup.adds);
    return setup;
}

static void dc_setup_clear(DcSetup *setup)
{
    g_free(setup->memdev_line);
    g_free(setup->device_line);
    g_free(setup->tagmem_device_line);
}

/* Round @i adds block i / DC_REGIONS of region i % DC_REGIONS: never an overlap. */
static char *dc_add_arguments(guint i)
{
    return g_strdup_printf("{\"path\": \"" DC_DEVICE_PATH "\", \"host-id\": 0,"
                           " \"selection-policy\": \"prescriptive\", \"region\": %u,"
                           " \"extents\": [{\"offset\": %" PRIu64 ", \"len\": %u}]}",
                           i % DC_REGIONS, (uint64_t)(i / DC_REGIONS) * DC_BLOCK_SIZE,
                           DC_BLOCK_SIZE);
}

static char *dc_add_request(guint i)
{
    g_autofree char *arguments = dc_add_arguments(i);

    return g_strdup_printf("{\"execute\": \"cxl-add-dynamic-capacity\", \"arguments\": %s}\n",
                           arguments);
}

typedef struct {
    const char *name;
    int fd;
    uint64_t *samples;
    size_t reply_bytes;
} DcSide;

static void dc_time_round(DcSide *side, const char *add, guint i)
{
    size_t reply_bytes;
    uint64_t elapsed = round_trip(side->name, side->fd, add, &reply_bytes);

    if (i >= DC_WARMUP_ROUNDS) {
        side->samples[i - DC_WARMUP_ROUNDS] = elapsed;
        side->reply_bytes = reply_bytes;
    }
}

/*
 * The same adds to each side, one side after the other.  Interleaving them
 * round by round charges each side for the other's work: QEMU spends about
 * 0.9 ms of CPU per add, and next to it tagmemd's median doubled (measured
 * on 2 CPUs) although tagmemd did the same work.
 */
static void dc_run_adds(DcSide *sides, gsize n_sides, guint adds)
{
    for (gsize k = 0; k < n_sides; k++) {
        for (guint i = 0; i < adds; i++) {
            g_autofree char *add = dc_add_request(i);
            dc_time_round(&sides[k], add, i);
        }
    }
}

/* Median of the last tenth of @samples (in round order: the longest pending list). */
static double dc_tail_median_us(const uint64_t *samples, guint n)
{
    guint tail = MAX(n / 10, 1);
    g_autofree uint64_t *copy = g_memdup2(samples + n - tail, tail * sizeof(uint64_t));

    qsort(copy, tail, sizeof(uint64_t), tm_bench_compare_u64);
    return copy[tail / 2] / 1000.0;
}

/* Round 0's extent again: both must still hold it pending. */
static void dc_check_still_pending(TmQmpConn *conn)
{
    g_autofree char *arguments = dc_add_arguments(0);
    json_object *reply = tm_test_execute(conn, "cxl-add-dynamic-capacity", arguments);

    tm_test_assert_error(reply, "GenericError", "cannot add DPA again while still pending");
    json_object_put(reply);
}

/* tagmemd's own count: one pending group per add, the extent limit used up. */
static void dc_check_tagmem_pending(TmQmpConn *conn, guint adds)
{
    json_object *reply = tm_test_execute(conn, "query-cxl-dynamic-capacity", NULL);
    json_object *device = json_object_array_get_idx(tm_test_assert_return(reply), 0);
    json_object *host = json_object_array_get_idx(json_object_object_get(device, "hosts"), 0);
    size_t pending = json_object_array_length(json_object_object_get(host, "pending"));
    int64_t available = json_object_get_int64(json_object_object_get(host, "available-extents"));

    if (pending != adds || available != 0) {
        g_error("tagmemd: %zu pending groups, %" PRId64 " extents available after %u adds",
                pending, available, adds);
    }
    json_object_put(reply);
}

static char *qemu_version(TmQmpConn *conn)
{
    json_object *reply = tm_test_execute(conn, "query-version", NULL);
    json_object *qemu = json_object_object_get(tm_test_assert_return(reply), "qemu");
    char *version = g_strdup_printf("QEMU %d.%d.%d",
                                    json_object_get_int(json_object_object_get(qemu, "major")),
                                    json_object_get_int(json_object_object_get(qemu, "minor")),
                                    json_object_get_int(json_object_object_get(qemu, "micro")));

    json_object_put(reply);
    return version;
}

/* Sorts the samples. */
static void print_dc_table(const DcSetup *setup, DcSide *sides, gsize n_sides, guint rounds,
                           const char *skipped)
{
    g_autofree char *sample = dc_add_request(0);
    double tail_us[2];
    Result results[2];

    printf("\nbench-qmp: cxl-add-dynamic-capacity, %u timed round trips (after %d untimed),"
           " request ~%zu bytes\n", rounds, DC_WARMUP_ROUNDS, strlen(sample));
    printf("each a prescriptive add of one fresh %u MiB extent, walking %d regions of %" PRIu64
           " MiB\nround-robin; no guest accepts, so every add stays pending on both: the"
           " pending list\ngrows by one group per round, to %u.\n",
           DC_BLOCK_SIZE >> 20, DC_REGIONS, setup->region_bytes >> 20, setup->adds);
    printf("tagmemd's device line sets dc-max-extents=%u (default 512), the number of adds:\n"
           "tagmem checks the per-host extent limit on add (pending + accepted), QEMU does"
           " not.\n\n", setup->adds);
    print_header();
    for (gsize k = 0; k < n_sides; k++) {
        tail_us[k] = dc_tail_median_us(sides[k].samples, rounds);
        results[k] = summarize(sides[k].name, sides[k].samples, rounds, sides[k].reply_bytes);
        print_row(&results[k]);
    }
    printf("\nmedian over the last tenth of rounds (longest pending list): tagmemd %.2f us",
           tail_us[0]);
    if (n_sides == 2) {
        printf(", QEMU %.2f us", tail_us[1]);
    }
    printf("\n");
    if (skipped) {
        printf("QEMU reference skipped: %s\n", skipped);
        return;
    }
    printf("tagmemd median / QEMU median: %.2fx   (p99: %.2fx)\n",
           results[0].median_us / results[1].median_us, results[0].p99_us / results[1].p99_us);
}

/* QEMU with @setup's lines in @dir; NULL with the reason in *@skipped. */
static TmTestQemu *dc_start_qemu(const DcSetup *setup, const char *dir, char **skipped)
{
    const char *binary = tm_test_qemu_binary();
    g_autofree char *why = NULL;

    if (binary == NULL) {
        *skipped = g_strdup("qemu-system-x86_64 not found in PATH (set QEMU to its path)");
        return NULL;
    }
    TmTestQemu *qemu = tm_test_qemu_start(binary, dir, setup->memdev_line, setup->device_line,
                                          &why);
    if (qemu == NULL) {
        *skipped = g_strdup_printf("%s cannot run the reference CXL machine: %s", binary,
                                   g_strstrip(why));
    }
    return qemu;
}

static int run_dc_table(guint rounds)
{
    DcSetup setup = dc_setup(rounds);
    const char *tagmem_args[] = {
        "--log-level", "warning", "-nodefaults", "-object", setup.memdev_line,
        "-device", setup.tagmem_device_line, NULL,
    };
    TmTestDaemon *tagmemd = tm_test_daemon_start(tagmem_args);
    TmQmpConn *tagmem_conn = tm_test_daemon_connect(tagmemd);
    g_autofree uint64_t *tagmem_samples = g_new(uint64_t, rounds);
    g_autofree uint64_t *qemu_samples = g_new(uint64_t, rounds);
    DcSide sides[2] = {
        { .name = "cxl-add-dynamic-capacity (tagmemd)", .fd = tm_qmp_conn_fd(tagmem_conn),
          .samples = tagmem_samples },
    };
    gsize n_sides = 1;
    g_autofree char *skipped = NULL;
    g_autofree char *qemu_name = NULL;
    g_autofree char *dir = tm_test_make_dir();
    g_autoptr(TmTestQemu) qemu = dc_start_qemu(&setup, dir, &skipped);
    g_autoptr(TmQmpConn) qemu_conn = qemu ? tm_test_qemu_connect(qemu) : NULL;

    if (qemu_conn) {
        g_autofree char *version = qemu_version(qemu_conn);
        qemu_name = g_strdup_printf("cxl-add-dynamic-capacity (%s)", version);
        sides[n_sides++] = (DcSide){ .name = qemu_name, .fd = tm_qmp_conn_fd(qemu_conn),
                                     .samples = qemu_samples };
    }
    dc_run_adds(sides, n_sides, setup.adds);
    dc_check_tagmem_pending(tagmem_conn, setup.adds);
    dc_check_still_pending(tagmem_conn);
    if (qemu_conn) {
        dc_check_still_pending(qemu_conn);
        tm_test_qemu_quit(qemu, qemu_conn);
    }
    print_dc_table(&setup, sides, n_sides, rounds, skipped);

    tm_test_remove_tree(dir);
    tm_qmp_conn_free(tagmem_conn);
    int status = tm_test_daemon_stop(tagmemd, SIGTERM);
    tm_test_daemon_free(tagmemd);
    dc_setup_clear(&setup);
    return status;
}

int main(int argc, char **argv)
{
    gint rounds = 20000;
    gint dc_rounds = 8000;
    g_autoptr(GError) err = NULL;
    const GOptionEntry entries[] = {
        { "rounds", 'n', 0, G_OPTION_ARG_INT, &rounds,
          "qom-get round trips to time (default 20000)", "N" },
        { "dc-rounds", 'd', 0, G_OPTION_ARG_INT, &dc_rounds,
          "cxl-add-dynamic-capacity round trips to time (default 8000)", "N" },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context = g_option_context_new("[TAGMEMD]");

    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, &argc, &argv, &err) || rounds < 100 || dc_rounds < 100 ||
        dc_rounds > DC_MAX_ADDS - DC_WARMUP_ROUNDS || argc > 2) {
        fprintf(stderr, "bench-qmp: %s\n", err ? err->message
                : "usage: bench-qmp [-n N>=100] [-d 100<=N<=65343] [TAGMEMD]");
        return 1;
    }
    if (argc == 2) {
        g_autofree char *tagmemd = g_canonicalize_filename(argv[1], NULL);
        g_setenv("TAGMEMD", tagmemd, TRUE);
    }

    const char *quiet[] = { "--log-level", "warning", NULL };
    TmTestDaemon *daemon = tm_test_daemon_start(quiet);
    TmQmpConn *client = tm_test_daemon_connect(daemon);
    json_object *reply = tm_test_execute(client, "object-add",
                                         "{\"qom-type\": \"memory-backend-memfd\","
                                         " \"id\": \"bench0\", \"size\": 1048576,"
                                         " \"tag\": \"0b5e6c1c-8d2f-4a3b-9c4d-5e6f7a8b9c0d\"}");
    tm_test_assert_return(reply);
    json_object_put(reply);

    Result results[2];
    results[0] = measure("qom-get tag over QMP (tagmemd)", tm_qmp_conn_fd(client),
                         (guint)rounds);
    results[1] = measure_echo(daemon->dir, results[0].reply_bytes, (guint)rounds);
    print_table(results, G_N_ELEMENTS(results), (guint)rounds);

    tm_qmp_conn_free(client);
    int status = tm_test_daemon_stop(daemon, SIGTERM);
    tm_test_daemon_free(daemon);
    int dc_status = run_dc_table((guint)dc_rounds);
    return status == 0 && dc_status == 0 ? 0 : 1;
}
