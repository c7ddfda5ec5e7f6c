/*
 * bench-state: what --state-dir costs (docs/durable-state.md), in one run.
 *
 *   bench-state [--cycles N] [TAGMEMD]   (TAGMEMD defaults to $TAGMEMD)
 *
 * Table 1: the same cycle against two daemons, one without --state-dir
 * (the reference) and one with, alternating cycle by cycle so that other
 * load falls on both alike: QMP cxl-add-dynamic-capacity of one 2 MiB
 * extent to host 0; the host (a raw CCI client here) accepts it (4802h),
 * clears its DC log (0101h) and releases it (4803h).  Every step is a
 * recorded change.  Median and p99 per step, and the ratio with/without.
 *
 * Table 2: restart time -- a daemon holding N accepted extents is killed
 * (SIGKILL) and started again on its state directory; the time from the
 * start until QMP answers (the journal replayed) -- and the journal's size
 * per extent, for N extents (1,000 to 100,000) added and accepted one per
 * request (as an orchestrator adding one extent at a time leaves it) and
 * 1,000 per request.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"
#include "cci_client.h"
#include "daemon_harness.h"

#define MiB (UINT64_C(1) << 20)
#define KiB (UINT64_C(1) << 10)
#define RC_SUCCESS 0
#define OP_GET_EVENT_RECORDS 0x0100
#define OP_CLEAR_EVENT_RECORDS 0x0101
#define OP_ADD_DC_RESPONSE 0x4802
#define OP_RELEASE_DC 0x4803

enum { STEP_QMP_ADD, STEP_ACCEPT, STEP_CLEAR, STEP_RELEASE, STEPS };
static const char *const step_names[STEPS] = {
    "QMP cxl-add-dynamic-capacity", "4802h Add DC Response", "0101h Clear Event Records",
    "4803h Release DC",
};

typedef struct {
    TmTestDaemon *daemon;
    TmQmpConn *qmp;
    int host;
    GArray *samples[STEPS];     /* uint64_t ns */
} Subject;

static void put_le(uint8_t *out, uint64_t value, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        out[i] = (uint8_t)(value >> (8 * i));
    }
}

static void subject_start(Subject *subject, const char *const *args)
{
    subject->daemon = tm_test_daemon_start(args);
    subject->qmp = tm_test_daemon_connect(subject->daemon);
    g_autofree char *path = g_build_filename(subject->daemon->dir, "tagmem", "host0.sock", NULL);
    subject->host = tm_test_cci_connect_host(path);
    for (int i = 0; i < STEPS; i++) {
        subject->samples[i] = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    }
}

static void subject_stop(Subject *subject)
{
    close(subject->host);
    tm_qmp_conn_free(subject->qmp);
    tm_test_daemon_stop(subject->daemon, SIGTERM);
    tm_test_daemon_free(subject->daemon);
    for (int i = 0; i < STEPS; i++) {
        g_array_unref(subject->samples[i]);
    }
}

static void qmp_ok(TmQmpConn *qmp, const char *command, const char *args)
{
    json_object *reply = tm_test_execute(qmp, command, args);

    if (!json_object_object_get_ex(reply, "return", NULL)) {
        g_error("bench-state: %s failed: %s", command, json_object_to_json_string(reply));
    }
    json_object_put(reply);
}

static void cci_ok(int host, uint16_t opcode, const void *payload, size_t length)
{
    g_auto(TmTestCciPacket) response;

    tm_test_cci_call(host, opcode, payload, length, &response, NULL);
    if (response.return_code != RC_SUCCESS) {
        g_error("bench-state: %04Xh returned %u", opcode, response.return_code);
    }
}

/* A 4802h or 4803h of @n extents of @length from @dpa on. */
static GByteArray *extent_list(uint64_t dpa, uint64_t length, guint n)
{
    GByteArray *payload = g_byte_array_sized_new(8 + 24 * n);

    g_byte_array_set_size(payload, 8 + 24 * n);
    memset(payload->data, 0, payload->len);
    put_le(payload->data, n, 4);
    for (guint i = 0; i < n; i++) {
        put_le(payload->data + 8 + 24 * i, dpa + i * length, 8);
        put_le(payload->data + 16 + 24 * i, length, 8);
    }
    return payload;
}

static void timed(Subject *subject, int step, uint64_t start)
{
    uint64_t elapsed = tm_bench_now_ns() - start;

    g_array_append_val(subject->samples[step], elapsed);
}

/* 0101h naming every record the DC log hands out now (Clear All is not for the DC log). */
static GByteArray *clear_request(int host)
{
    uint8_t dc_log = 4;
    g_auto(TmTestCciPacket) records;

    tm_test_cci_call(host, OP_GET_EVENT_RECORDS, &dc_log, 1, &records, NULL);
    /* The request names at most 255 handles (a one-byte count). */
    uint16_t count = MIN((uint16_t)(records.payload[20] | records.payload[21] << 8), 255);
    GByteArray *clear = g_byte_array_sized_new(6 + 2 * count);
    g_byte_array_set_size(clear, 6 + 2 * count);
    memset(clear->data, 0, clear->len);
    clear->data[0] = 4;
    clear->data[2] = (uint8_t)count;
    for (uint16_t i = 0; i < count; i++) {
        memcpy(clear->data + 6 + 2 * i, records.payload + 32 + 128 * i + 20, 2);
    }
    return clear;
}

/* Clear the DC log until it is empty. */
static void clear_log(int host)
{
    for (;;) {
        g_autoptr(GByteArray) clear = clear_request(host);
        if (clear->data[2] == 0) {
            return;
        }
        cci_ok(host, OP_CLEAR_EVENT_RECORDS, clear->data, clear->len);
    }
}

static void one_cycle(Subject *subject, bool record)
{
    g_autoptr(GByteArray) one = extent_list(0, 2 * MiB, 1);
    uint64_t t = tm_bench_now_ns();

    qmp_ok(subject->qmp, "cxl-add-dynamic-capacity",
           "{\"path\": \"dcd0\", \"host-id\": 0, \"selection-policy\": \"prescriptive\", "
           "\"region\": 0, \"extents\": [{\"offset\": 0, \"len\": 2097152}]}");
    if (record) {
        timed(subject, STEP_QMP_ADD, t);
    }
    t = tm_bench_now_ns();
    cci_ok(subject->host, OP_ADD_DC_RESPONSE, one->data, one->len);
    if (record) {
        timed(subject, STEP_ACCEPT, t);
    }
    g_autoptr(GByteArray) clear = clear_request(subject->host);
    t = tm_bench_now_ns();
    cci_ok(subject->host, OP_CLEAR_EVENT_RECORDS, clear->data, clear->len);
    if (record) {
        timed(subject, STEP_CLEAR, t);
    }
    t = tm_bench_now_ns();
    cci_ok(subject->host, OP_RELEASE_DC, one->data, one->len);
    if (record) {
        timed(subject, STEP_RELEASE, t);
    }
}

static uint64_t percentile(GArray *samples, double p)
{
    qsort(samples->data, samples->len, sizeof(uint64_t), tm_bench_compare_u64);
    return g_array_index(samples, uint64_t, (guint)((samples->len - 1) * p));
}

static void cycle_table(guint cycles)
{
    const char *plain[] = { "-nodefaults", "-object", "memory-backend-memfd,id=m0,size=512M",
                            "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=m0,num-dc-regions=1,num-hosts=1",
                            NULL };
    g_autofree char *state_root = tm_test_make_dir();
    g_autofree char *state_dir = g_build_filename(state_root, "state", NULL);
    const char *durable[] = { "-nodefaults", "-object", "memory-backend-memfd,id=m0,size=512M",
                              "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=m0,num-dc-regions=1,num-hosts=1",
                              "--state-dir", state_dir, NULL };
    Subject without, with;

    subject_start(&without, plain);
    subject_start(&with, durable);
    for (guint i = 0; i < cycles / 10; i++) {
        one_cycle(&without, false);
        one_cycle(&with, false);
    }
    for (guint i = 0; i < cycles; i++) {
        one_cycle(&without, true);
        one_cycle(&with, true);
    }
    printf("Table 1: one cycle's steps, %u cycles each, alternating; us\n", cycles);
    printf("%-30s %10s %10s %10s %10s %8s\n", "step", "plain p50", "state p50", "plain p99",
           "state p99", "p50 x");
    for (int s = 0; s < STEPS; s++) {
        double p50 = percentile(without.samples[s], 0.5) / 1e3;
        double d50 = percentile(with.samples[s], 0.5) / 1e3;
        double p99 = percentile(without.samples[s], 0.99) / 1e3;
        double d99 = percentile(with.samples[s], 0.99) / 1e3;
        printf("%-30s %10.1f %10.1f %10.1f %10.1f %7.2fx\n", step_names[s], p50, d50, p99, d99,
               d50 / p50);
    }
    subject_stop(&without);
    subject_stop(&with);
    tm_test_remove_tree(state_root);
}

/* @n extents of 64 KiB accepted by host 0, @batch per add and per 4802h. */
static void hold_extents(Subject *subject, guint n, guint batch)
{
    for (guint done = 0; done < n; done += batch) {
        guint count = MIN(batch, n - done);
        GString *add = g_string_new("{\"path\": \"dcd0\", \"host-id\": 0, \"selection-policy\": "
                                    "\"prescriptive\", \"region\": 0, \"extents\": [");
        for (guint i = 0; i < count; i++) {
            g_string_append_printf(add, "%s{\"offset\": %" PRIu64 ", \"len\": 65536}",
                                   i ? ", " : "", (done + i) * 64 * KiB);
        }
        g_string_append(add, "]}");
        qmp_ok(subject->qmp, "cxl-add-dynamic-capacity", add->str);
        g_string_free(add, TRUE);
        g_autoptr(GByteArray) accept = extent_list((done)*64 * KiB, 64 * KiB, count);
        cci_ok(subject->host, OP_ADD_DC_RESPONSE, accept->data, accept->len);
        clear_log(subject->host);
    }
}

static uint64_t file_size(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    struct stat st;

    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void restart_row(guint n, guint batch)
{
    g_autofree char *state_root = tm_test_make_dir();
    g_autofree char *state_dir = g_build_filename(state_root, "state", NULL);
    g_autofree char *device = g_strdup_printf(
        "cxl-type3,id=dcd0,volatile-dc-memdev=m0,num-dc-regions=1,num-hosts=1,dc-block-size=64K,"
        "dc-max-extents=%u", MAX(n, 512u));
    const char *args[] = { "-nodefaults", "-object", "memory-backend-memfd,id=m0,size=8G",
                           "-device", device, "--state-dir", state_dir, NULL };
    Subject subject;

    subject_start(&subject, args);
    uint64_t t = tm_bench_now_ns();
    hold_extents(&subject, n, batch);
    double build_s = (tm_bench_now_ns() - t) / 1e9;
    tm_test_daemon_stop(subject.daemon, SIGKILL);
    uint64_t bytes = file_size(state_dir, "journal.sqlite") +
                     file_size(state_dir, "journal.sqlite-wal");
    close(subject.host);
    tm_qmp_conn_free(subject.qmp);
    tm_test_daemon_free(subject.daemon);

    t = tm_bench_now_ns();
    TmTestDaemon *again = tm_test_daemon_start(args);
    TmQmpConn *qmp = tm_test_daemon_connect(again);
    json_object *reply = tm_test_execute(qmp, "query-version", NULL);
    double restart_ms = (tm_bench_now_ns() - t) / 1e6;
    json_object_put(reply);
    printf("%8u %8u %12.2f %12.1f %12.1f\n", n, batch, build_s, restart_ms,
           (double)bytes / n);
    tm_qmp_conn_free(qmp);
    tm_test_daemon_stop(again, SIGTERM);
    tm_test_daemon_free(again);
    for (int i = 0; i < STEPS; i++) {
        g_array_unref(subject.samples[i]);
    }
    tm_test_remove_tree(state_root);
}

int main(int argc, char **argv)
{
    guint cycles = 2000;

    if (argc > 2 && strcmp(argv[1], "--cycles") == 0) {
        cycles = (guint)atoi(argv[2]);
        argc -= 2;
        argv += 2;
    }
    if (argc > 1) {
        g_setenv("TAGMEMD", argv[1], TRUE);
    }
    cycle_table(MAX(cycles, 10u));
    printf("\nTable 2: restart with N extents held (SIGKILL, start on the state directory)\n");
    printf("%8s %8s %12s %12s %12s\n", "extents", "per req", "build s", "restart ms",
           "bytes/ext");
    restart_row(1000, 1);
    restart_row(1000, 1000);
    restart_row(10000, 1);
    restart_row(100000, 1000);
    return 0;
}
