/*
 * bench-fm: the fabric manager's cycle over FM-API beside the same cycle
 * over QMP and beside bare SOCK_SEQPACKET round trips, in one run.
 *
 *   bench-fm [--cycles N] [TAGMEMD]   (TAGMEMD defaults to $TAGMEMD)
 *
 * One cycle: the FM adds one 2 MiB extent to host 0 (FM-API 5604h, or QMP
 * cxl-add-dynamic-capacity); the host, a raw CCI client in this process,
 * takes the notification, reads its DC log (0100h), clears it (0101h) and
 * accepts (4802h); the FM releases it by force (5605h, or QMP
 * cxl-release-dynamic-capacity with forced-removal), and the host reads
 * and clears the Forced Capacity Release record the next cycle.  The
 * floor replays the same number of request/response round trips (and the
 * notification) on a socketpair against an echo thread: what the cycle
 * would cost if the daemon did nothing but answer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cci_client.h"
#include "daemon_harness.h"
#include "bench_util.h"

#define MiB (UINT64_C(1) << 20)
#define TIMEOUT_MS 10000
#define WARMUP_CYCLES 200

#define OP_GET_EVENT_RECORDS 0x0100
#define OP_CLEAR_EVENT_RECORDS 0x0101
#define OP_ADD_DC_RESPONSE 0x4802
#define OP_INITIATE_DC_ADD 0x5604
#define OP_INITIATE_DC_RELEASE 0x5605

/* Round trips per cycle: FM add and release; host 0100h, 0101h, 4802h; plus a notification. */
#define ROUND_TRIPS_PER_CYCLE 5

typedef struct {
    TmTestDaemon *daemon;
    TmQmpConn *qmp;
    int fm;
    int host;
} Bench;

static void put_le(uint8_t *out, uint64_t value, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        out[i] = (uint8_t)(value >> (8 * i));
    }
}

static void call_ok(int fd, uint16_t opcode, const void *payload, size_t length,
                    TmTestCciPacket *response)
{
    tm_test_cci_call(fd, opcode, payload, length, response, NULL);
    if (response->return_code != 0) {
        g_error("%04Xh returned %02Xh", opcode, response->return_code);
    }
}

/* The host's part: notification, read and clear every record, accept @dpa. */
static void host_accepts(int host, uint64_t dpa)
{
    g_auto(TmTestCciPacket) note;
    g_auto(TmTestCciPacket) records;
    g_auto(TmTestCciPacket) cleared;
    g_auto(TmTestCciPacket) accepted;
    uint8_t dc_log = 4;

    if (!tm_test_cci_receive(host, TIMEOUT_MS, &note)) {
        g_error("no notification: %s", g_strerror(errno));
    }
    call_ok(host, OP_GET_EVENT_RECORDS, &dc_log, 1, &records);
    uint16_t count = tm_test_le16(records.payload + 20);
    uint8_t clear[6 + 2 * 8] = { 4, 0, (uint8_t)count };
    g_assert_cmpuint(count, <=, 8);
    for (uint16_t i = 0; i < count; i++) {
        memcpy(clear + 6 + 2 * i, records.payload + 32 + 128 * i + 20, 2);
    }
    call_ok(host, OP_CLEAR_EVENT_RECORDS, clear, 6 + 2u * count, &cleared);
    uint8_t accept[8 + 24] = { 1 };
    put_le(accept + 8, dpa, 8);
    put_le(accept + 16, 2 * MiB, 8);
    call_ok(host, OP_ADD_DC_RESPONSE, accept, sizeof(accept), &accepted);
}

/* 5604h/5605h with one extent at @dpa. */
static void fm_request(int fm, uint16_t opcode, uint8_t policy_or_flags, uint64_t dpa)
{
    uint8_t payload[32 + 40] = { 0 };
    g_auto(TmTestCciPacket) response;

    payload[2] = policy_or_flags;
    put_le(payload + 28, 1, 4);
    put_le(payload + 32, dpa, 8);
    put_le(payload + 40, 2 * MiB, 8);
    call_ok(fm, opcode, payload, sizeof(payload), &response);
}

static void fm_cycle(Bench *b, guint i)
{
    uint64_t dpa = (uint64_t)(i % 64) * 2 * MiB;

    fm_request(b->fm, OP_INITIATE_DC_ADD, 2, dpa);
    host_accepts(b->host, dpa);
    fm_request(b->fm, OP_INITIATE_DC_RELEASE, 0x11, dpa);
}

static void qmp_ok(TmQmpConn *qmp, const char *command, const char *arguments)
{
    json_object *reply = tm_test_execute(qmp, command, arguments);

    tm_test_assert_return(reply);
    json_object_put(reply);
}

static void qmp_cycle(Bench *b, guint i)
{
    uint64_t dpa = (uint64_t)(i % 64) * 2 * MiB;
    g_autofree char *extents = g_strdup_printf("[{\"offset\": %" PRIu64 ", \"len\": %" PRIu64
                                               "}]", dpa, 2 * MiB);
    g_autofree char *add = g_strdup_printf(
        "{\"path\": \"dcd0\", \"host-id\": 0, \"selection-policy\": \"prescriptive\", "
        "\"region\": 0, \"extents\": %s}", extents);
    g_autofree char *release = g_strdup_printf(
        "{\"path\": \"dcd0\", \"host-id\": 0, \"removal-policy\": \"prescriptive\", "
        "\"forced-removal\": true, \"region\": 0, \"extents\": %s}", extents);

    qmp_ok(b->qmp, "cxl-add-dynamic-capacity", add);
    host_accepts(b->host, dpa);
    qmp_ok(b->qmp, "cxl-release-dynamic-capacity", release);
}

typedef void (*CycleFn)(Bench *b, guint i);

static double cycles_per_second(Bench *b, CycleFn cycle, guint cycles)
{
    for (guint i = 0; i < WARMUP_CYCLES; i++) {
        cycle(b, i);
    }
    uint64_t start = tm_bench_now_ns();
    for (guint i = 0; i < cycles; i++) {
        cycle(b, i);
    }
    return cycles / ((tm_bench_now_ns() - start) / 1e9);
}

/* ---- the floor: the same round trips against an echo thread ---- */

static gpointer echo_thread(gpointer data)
{
    int fd = GPOINTER_TO_INT(data);
    uint8_t buffer[256];
    ssize_t n;

    while ((n = recv(fd, buffer, sizeof(buffer), 0)) > 0) {
        if (buffer[0] == 'N' && send(fd, buffer, 21, MSG_NOSIGNAL) < 0) {
            break;    /* the notification of a cycle */
        }
        if (send(fd, buffer, (size_t)n, MSG_NOSIGNAL) < 0) {
            break;
        }
    }
    return NULL;
}

static void floor_round_trip(int fd, uint8_t *buffer, size_t length)
{
    if (send(fd, buffer, length, MSG_NOSIGNAL) < 0 || recv(fd, buffer, 256, 0) <= 0) {
        g_error("floor: %s", g_strerror(errno));
    }
}

static double floor_cycles_per_second(guint cycles)
{
    int pair[2];
    uint8_t buffer[256] = { 0 };

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair), ==, 0);
    GThread *thread = g_thread_new("echo", echo_thread, GINT_TO_POINTER(pair[1]));
    uint64_t start = tm_bench_now_ns();
    for (guint i = 0; i < cycles; i++) {
        buffer[0] = 'N';
        floor_round_trip(pair[0], buffer, 13 + 72);          /* add, with the notification */
        g_assert_cmpint(recv(pair[0], buffer, sizeof(buffer), 0), >, 0);
        buffer[0] = 0;
        floor_round_trip(pair[0], buffer, 13 + 1);           /* 0100h */
        floor_round_trip(pair[0], buffer, 13 + 8);           /* 0101h */
        floor_round_trip(pair[0], buffer, 13 + 32);          /* 4802h */
        floor_round_trip(pair[0], buffer, 13 + 72);          /* release */
    }
    double rate = cycles / ((tm_bench_now_ns() - start) / 1e9);
    shutdown(pair[0], SHUT_RDWR);
    g_thread_join(thread);
    close(pair[0]);
    close(pair[1]);
    return rate;
}

static void bench_start(Bench *b)
{
    static const char *const args[] = {
        "-object", "memory-backend-memfd,id=dc0,size=256M",
        "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=1,num-hosts=1",
        "--log-level", "warning", NULL,
    };
    char *dir = tm_test_make_dir();
    g_autofree char *qmp_path = g_build_filename(dir, "qmp.sock", NULL);
    g_autofree char *qmp = g_strdup_printf("unix:%s,server=on,wait=off", qmp_path);
    const char *full[G_N_ELEMENTS(args) + 2] = { "-qmp", qmp };
    g_autofree char *fm = g_build_filename(dir, "tagmem", "fm.sock", NULL);
    g_autofree char *host = g_build_filename(dir, "tagmem", "host0.sock", NULL);

    memcpy(full + 2, args, sizeof(args));
    b->daemon = tm_test_daemon_start_in(dir, full, NULL, qmp_path);
    b->qmp = tm_test_daemon_connect(b->daemon);
    b->fm = tm_test_cci_connect(fm);
    b->host = tm_test_cci_connect_host(host);
}

static void bench_stop(Bench *b)
{
    close(b->fm);
    close(b->host);
    tm_qmp_conn_free(b->qmp);
    tm_test_daemon_stop(b->daemon, SIGTERM);
    tm_test_daemon_free(b->daemon);
}

int main(int argc, char **argv)
{
    gint cycles = 5000;
    const GOptionEntry entries[] = {
        { "cycles", 'n', 0, G_OPTION_ARG_INT, &cycles, "timed cycles per row (default 5000)",
          "N" },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context = g_option_context_new("[TAGMEMD]");
    g_autoptr(GError) err = NULL;
    Bench b;

    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, &argc, &argv, &err) || cycles < 1 || argc > 2) {
        fprintf(stderr, "bench-fm: %s\n", err ? err->message : "usage: bench-fm [-n N>=1] [TAGMEMD]");
        return 1;
    }
    if (argc == 2) {
        g_setenv("TAGMEMD", argv[1], TRUE);
    }
    bench_start(&b);
    double fm_rate = cycles_per_second(&b, fm_cycle, (guint)cycles);
    double qmp_rate = cycles_per_second(&b, qmp_cycle, (guint)cycles);
    bench_stop(&b);
    double floor_rate = floor_cycles_per_second((guint)cycles);

    printf("bench-fm: add one 2 MiB extent, host accepts, forced release; %d cycles per row\n"
           "(%d request/response round trips and one notification per cycle)\n\n", cycles,
           ROUND_TRIPS_PER_CYCLE);
    printf("%-34s %12s %12s %10s\n", "cycle", "cycles/s", "us/cycle", "x floor");
    printf("%-34s %12.0f %12.1f %9.2fx\n", "FM-API 5604h / 5605h", fm_rate, 1e6 / fm_rate,
           floor_rate / fm_rate);
    printf("%-34s %12.0f %12.1f %9.2fx\n", "QMP add / release", qmp_rate, 1e6 / qmp_rate,
           floor_rate / qmp_rate);
    printf("%-34s %12.0f %12.1f %9.2fx\n", "floor: SEQPACKET echo round trips", floor_rate,
           1e6 / floor_rate, 1.0);
    printf("\nFM-API / QMP: %.2fx the cycles per second\n", fm_rate / qmp_rate);
    return 0;
}
