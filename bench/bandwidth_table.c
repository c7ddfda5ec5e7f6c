/*
 * Tables 2 and 3: a tagged memfd allocation of --size MiB is added to
 * host 0, which maps it; memcpy into (write) and out of (read) the
 * pointer tagmem_host_find_tag() returns, beside memcpy on private
 * anonymous memory of the same size, as mapped by default and with
 * MADV_HUGEPAGE; then the slow path, tagmem_host_write / tagmem_host_read
 * of the same capacity by DPA (C003h / C002h).  Every buffer is touched
 * and copied once before timing; passes interleave the buffers so that
 * other load on the machine falls on each alike; medians are printed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "cci_client.h"
#include "host_tables.h"

#define OP_IDENTIFY 0x0001
#define DPA_ACCESS_HEADER 16    /* C002h/C003h request: DPA, length, reserved */
#define CCI_HEADER 13           /* MCTP type and CCI message header */

enum { ROW_NATIVE, ROW_NATIVE_HUGE, ROW_ALIAS, ROW_SLOW, ROWS };

typedef struct {
    char *name;
    guint passes;
    double *write_gbs;      /* per pass, 10^9 bytes per second */
    double *read_gbs;
} Row;

static void row_init(Row *row, char *name, guint passes)
{
    row->name = name;
    row->passes = passes;
    row->write_gbs = g_new0(double, passes);
    row->read_gbs = g_new0(double, passes);
}

static void row_clear(Row *row)
{
    g_free(row->name);
    g_free(row->write_gbs);
    g_free(row->read_gbs);
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* Sorts @values. */
static double median(double *values, guint n)
{
    qsort(values, n, sizeof(double), compare_double);
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* The connection's maximum payload, 2^n bytes (Identify, byte 16 of its output). */
static guint probe_message_log2(const char *path)
{
    g_auto(TmTestCciPacket) response;
    int fd = tm_test_cci_connect_host(path);

    tm_test_cci_call(fd, OP_IDENTIFY, NULL, 0, &response, NULL);
    close(fd);
    if (response.payload_size < 17) {
        g_error("bench-host: Identify output of %zu bytes", response.payload_size);
    }
    return response.payload[16];
}

/* The transparent huge page setting: the bracketed word of the sysfs file. */
static char *thp_setting(void)
{
    g_autofree char *text = NULL;

    if (!g_file_get_contents("/sys/kernel/mm/transparent_hugepage/enabled", &text, NULL, NULL)) {
        return g_strdup("unknown");
    }
    char *open = strchr(text, '[');
    char *close = open ? strchr(open, ']') : NULL;
    return open && close ? g_strndup(open + 1, (gsize)(close - open - 1)) : g_strdup("unknown");
}

/* Private anonymous memory, every page touched. */
static uint8_t *map_anonymous(uint64_t size, bool huge_pages)
{
    uint8_t *memory = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                           -1, 0);

    if (memory == MAP_FAILED) {
        g_error("bench-host: mmap of %" PRIu64 " bytes: %s", size, g_strerror(errno));
    }
    if (huge_pages) {
        madvise(memory, size, MADV_HUGEPAGE);
    }
    memset(memory, 0, size);
    return memory;
}

static void fill_pattern(uint8_t *memory, uint64_t size, uint64_t seed)
{
    uint64_t state = seed | 1;

    /* xorshift64: cheap bytes that a stale copy would not match. */
    for (uint64_t i = 0; i + 8 <= size; i += 8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        memcpy(memory + i, &state, 8);
    }
}

static void check_same(const uint8_t *a, const uint8_t *b, uint64_t size, const char *what)
{
    if (memcmp(a, b, size) != 0) {
        g_error("bench-host: %s: the bytes differ", what);
    }
}

static double timed_copy(void *to, const void *from, uint64_t size)
{
    uint64_t start = bench_now_ns();

    memcpy(to, from, size);
    return (double)size / (double)(bench_now_ns() - start);
}

/* Pass 0 is untimed; each pass copies into and out of each target in turn. */
static void copy_passes(uint8_t *const *targets, const uint8_t *src, uint8_t *dst, uint64_t size,
                        Row *rows, int n_rows)
{
    for (guint p = 0; p <= rows[0].passes; p++) {
        for (int r = 0; r < n_rows; r++) {
            double write = timed_copy(targets[r], src, size);
            double read = timed_copy(dst, targets[r], size);
            if (p > 0) {
                rows[r].write_gbs[p - 1] = write;
                rows[r].read_gbs[p - 1] = read;
            }
        }
    }
}

/*
 * The largest C003h data part libtagmem can send as it is: it does not
 * raise its socket's send buffer (host-protocol.md: a client that sends
 * large requests must), and Linux refuses a datagram longer than the
 * buffer less 32 bytes (EMSGSIZE).  Whole messages once it does.
 */
static size_t write_chunk(TagmemHost *host, guint message_log2)
{
    size_t max_data = ((size_t)1 << message_log2) - 1 - DPA_ACCESS_HEADER;
    int sndbuf = 0;
    socklen_t length = sizeof(sndbuf);

    if (getsockopt(tagmem_host_fd(host), SOL_SOCKET, SO_SNDBUF, &sndbuf, &length) != 0) {
        g_error("bench-host: SO_SNDBUF: %s", g_strerror(errno));
    }
    size_t fits = (size_t)sndbuf - 32 - CCI_HEADER - DPA_ACCESS_HEADER;
    return fits >= max_data ? max_data : fits / (4 * KiB) * (4 * KiB);
}

static void write_by_dpa(TagmemHost *host, uint64_t dpa, const uint8_t *src, uint64_t size,
                         size_t chunk)
{
    for (uint64_t done = 0; done < size; done += chunk) {
        if (tagmem_host_write(host, dpa + done, src + done, MIN(chunk, size - done)) != 0) {
            bench_die_host(host, "writing by DPA");
        }
    }
}

/* Pass 0 is untimed. */
static void slow_passes(TagmemHost *host, uint64_t dpa, const uint8_t *src, uint8_t *dst,
                        uint64_t size, size_t chunk, Row *row)
{
    for (guint p = 0; p <= row->passes; p++) {
        uint64_t start = bench_now_ns();
        write_by_dpa(host, dpa, src, size, chunk);
        uint64_t middle = bench_now_ns();
        if (tagmem_host_read(host, dpa, dst, size) != 0) {
            bench_die_host(host, "reading by DPA");
        }
        uint64_t end = bench_now_ns();
        if (p > 0) {
            row->write_gbs[p - 1] = (double)size / (double)(middle - start);
            row->read_gbs[p - 1] = (double)size / (double)(end - middle);
        }
    }
}

/* The tagged allocation added to host 0; returns its contiguous view and its DPA. */
static uint8_t *add_tagged(const Bench *bench, TagmemHost *host, HostTally *tally,
                           const uuid_t tag, uint64_t size, uint64_t *dpa)
{
    g_autofree char *request = g_strdup_printf(
        "{\"execute\": \"cxl-add-dynamic-capacity\", \"arguments\": {\"path\": \"dcd0\", "
        "\"host-id\": 0, \"selection-policy\": \"prescriptive\", \"region\": 1, "
        "\"tag\": \"" BENCH_TAG "\", \"extents\": [{\"offset\": 0, \"len\": %" PRIu64 "}]}}\n",
        size);
    TagmemMapping mapping;
    void *alias;
    size_t alias_size;

    bench_qmp_request(bench->qmp, request);
    bench_host_accept(host, tally, 1);
    if (tagmem_host_find_tag(host, tag, &alias, &alias_size) != 0) {
        bench_die_host(host, "finding the tag");
    }
    if (alias_size != size || tagmem_host_extents(host, &mapping, 1) != 1) {
        g_error("bench-host: the tag's view is %zu bytes, not %" PRIu64 " in one extent",
                alias_size, size);
    }
    *dpa = mapping.extent.dpa;
    return alias;
}

static void print_row(Row *row, Row *native)
{
    double write = median(row->write_gbs, row->passes);
    double read = median(row->read_gbs, row->passes);

    printf("%-50s %10.2f %9.2f %8.1f%% %7.1f%%\n", row->name, write, read,
           100 * write / median(native->write_gbs, native->passes),
           100 * read / median(native->read_gbs, native->passes));
}

static void print_table(Row *rows, const BenchOptions *opts)
{
    printf("\nbench-host 2+3: copy bandwidth, %" PRIu64 " MiB tagged memfd allocation, median of "
           "%u passes\n(%u by DPA); every buffer touched and copied once untimed first; "
           "%% = of the first row\n\n", opts->size / MiB, opts->passes, opts->slow_passes);
    printf("%-50s %10s %9s %9s %8s\n", "memcpy / call", "write GB/s", "read GB/s", "write",
           "read");
    for (int r = 0; r < ROWS; r++) {
        print_row(&rows[r], &rows[ROW_NATIVE]);
    }
    double write = 100 * median(rows[ROW_ALIAS].write_gbs, opts->passes) /
                   median(rows[ROW_NATIVE].write_gbs, opts->passes);
    double read = 100 * median(rows[ROW_ALIAS].read_gbs, opts->passes) /
                  median(rows[ROW_NATIVE].read_gbs, opts->passes);
    printf("\ndirect alias / native: write %.1f%%, read %.1f%% (goal >= 95%%: %s)\n", write, read,
           write >= 95 && read >= 95 ? "met" : "NOT met");
}

void bench_run_bandwidth_table(const Bench *bench, const BenchOptions *opts)
{
    uint64_t size = opts->size;
    guint message_log2 = probe_message_log2(bench->host_path);
    g_autofree char *thp = thp_setting();
    HostTally tally = { 0 };
    TagmemHost *host = bench_host_connect(bench->host_path, 0, &tally);
    Row rows[ROWS];
    uint64_t dpa;
    uuid_t tag;

    if (uuid_parse(BENCH_TAG, tag) != 0) {
        g_error("bench-host: bad tag " BENCH_TAG);
    }
    uint8_t *targets[3] = {
        [ROW_NATIVE] = map_anonymous(size, false),
        [ROW_NATIVE_HUGE] = map_anonymous(size, true),
        [ROW_ALIAS] = add_tagged(bench, host, &tally, tag, size, &dpa),
    };
    uint8_t *src = map_anonymous(size, false);
    uint8_t *dst = map_anonymous(size, false);
    size_t chunk = write_chunk(host, message_log2);

    row_init(&rows[ROW_NATIVE], g_strdup_printf("native, private anonymous (THP %s)", thp),
             opts->passes);
    row_init(&rows[ROW_NATIVE_HUGE], g_strdup("native, private anonymous, MADV_HUGEPAGE"),
             opts->passes);
    row_init(&rows[ROW_ALIAS], g_strdup("direct alias (tagmem_host_find_tag)"), opts->passes);
    row_init(&rows[ROW_SLOW], g_strdup_printf("by DPA, C003h %zu KiB / C002h %zu KiB messages",
                                              (chunk + DPA_ACCESS_HEADER) / KiB,
                                              ((size_t)1 << message_log2) / KiB),
             opts->slow_passes);

    memset(targets[ROW_ALIAS], 0, size);
    fill_pattern(src, size, 0x5eed);
    copy_passes(targets, src, dst, size, rows, 3);
    check_same(targets[ROW_ALIAS], src, size, "the alias after memcpy");
    check_same(dst, src, size, "memcpy out of the alias");
    fill_pattern(src, size, 0xd1ce);
    slow_passes(host, dpa, src, dst, size, chunk, &rows[ROW_SLOW]);
    check_same(targets[ROW_ALIAS], src, size, "the alias after writes by DPA");
    check_same(dst, src, size, "reads by DPA");
    print_table(rows, opts);

    for (int r = 0; r < ROWS; r++) {
        row_clear(&rows[r]);
    }
    munmap(targets[ROW_NATIVE], size);
    munmap(targets[ROW_NATIVE_HUGE], size);
    munmap(src, size);
    munmap(dst, size);
    if (tagmem_host_release_tag(host, tag) != 0) {
        bench_die_host(host, "releasing the tag");
    }
    tagmem_host_close(host);
}
