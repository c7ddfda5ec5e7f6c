/*
 * The device's RAS events and health over the real sockets: each QMP
 * injection (QEMU's names and arguments) read back with Get Event
 * Records (0100h) on both hosts of a 2-host device, with the C000h
 * notification naming the log; a log whose Event Interrupt Policy
 * (0103h) is "no interrupt" stays silent; a full informational log
 * overflows; a warning threshold set with 4202h crossed by an injection
 * gives exactly one Memory Module record; bad injections change nothing.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cci_client.h"
#include "daemon_harness.h"

#define RESPONSE_TIMEOUT_MS 10000

/* Opcodes and log ids written out: the test does not use src/cci. */
#define OP_GET_EVENT_RECORDS 0x0100
#define OP_CLEAR_EVENT_RECORDS 0x0101
#define OP_SET_EVENT_INTERRUPT_POLICY 0x0103
#define OP_GET_HEALTH_INFO 0x4200
#define OP_SET_ALERT_CONFIG 0x4202
#define OP_EVENT_NOTIFICATION 0xC000
#define LOG_INFO 0
#define LOG_WARNING 1
#define LOG_FAILURE 2
#define LOG_FATAL 3

#define PATH "\"path\": \"/machine/peripheral/dcd0\""

static const uint8_t general_media_uuid[16] = {
    0xfb, 0xcd, 0x0a, 0x77, 0xc2, 0x60, 0x41, 0x7f,
    0x85, 0xa9, 0x08, 0x8b, 0x16, 0x21, 0xeb, 0xa6,
};
static const uint8_t dram_uuid[16] = {
    0x60, 0x1d, 0xcb, 0xb3, 0x9c, 0x06, 0x4e, 0xab,
    0xb8, 0xaf, 0x4e, 0x9b, 0xfb, 0x5c, 0x96, 0x24,
};
static const uint8_t memory_module_uuid[16] = {
    0xfe, 0x92, 0x74, 0x75, 0xdd, 0x59, 0x43, 0x39,
    0xa5, 0x86, 0x79, 0xba, 0xb1, 0x13, 0xb7, 0x74,
};

typedef struct {
    TmTestDaemon *daemon;
    TmQmpConn *qmp;
    int host[2];
} RasDaemon;

/* dcd0: two 256 MiB regions, two hosts; both hosts connected, every log notifying. */
static void ras_daemon_start(RasDaemon *rd)
{
    static const uint8_t every_log[5] = { 1, 1, 1, 1, 1 };
    char *dir = tm_test_make_dir();
    g_autofree char *qmp_path = g_build_filename(dir, "qmp.sock", NULL);
    g_autofree char *qmp = g_strdup_printf("unix:%s,server=on,wait=off", qmp_path);
    const char *args[] = {
        "-qmp", qmp,
        "-object", "memory-backend-memfd,id=dc0,size=512M",
        "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=2,num-hosts=2",
        NULL,
    };

    rd->daemon = tm_test_daemon_start_in(dir, args, NULL, qmp_path);
    rd->qmp = tm_test_daemon_connect(rd->daemon);
    for (int h = 0; h < 2; h++) {
        g_autofree char *name = g_strdup_printf("host%d.sock", h);
        g_autofree char *path = g_build_filename(dir, "tagmem", name, NULL);
        g_auto(TmTestCciPacket) response;

        rd->host[h] = tm_test_cci_connect_host(path);
        tm_test_cci_call(rd->host[h], OP_SET_EVENT_INTERRUPT_POLICY, every_log,
                         sizeof(every_log), &response, NULL);
        g_assert_cmpuint(response.return_code, ==, 0);
    }
}

static void ras_daemon_stop(RasDaemon *rd)
{
    close(rd->host[0]);
    close(rd->host[1]);
    tm_qmp_conn_free(rd->qmp);
    g_assert_cmpint(tm_test_daemon_stop(rd->daemon, SIGTERM), ==, 0);
    tm_test_daemon_free(rd->daemon);
}

static void qmp_ok(TmQmpConn *qmp, const char *command, const char *arguments)
{
    json_object *reply = tm_test_execute(qmp, command, arguments);

    tm_test_assert_return(reply);
    json_object_put(reply);
}

static void expect_notification(int fd, uint8_t log)
{
    g_auto(TmTestCciPacket) packet;

    g_assert_true(tm_test_cci_receive(fd, RESPONSE_TIMEOUT_MS, &packet));
    g_assert_cmpuint(packet.category, ==, 0);
    g_assert_cmphex(packet.opcode, ==, OP_EVENT_NOTIFICATION);
    g_assert_cmphex(packet.payload[0], ==, 1u << log);
}

static void expect_silence(int fd)
{
    TmTestCciPacket packet;

    g_assert_false(tm_test_cci_receive(fd, 200, &packet));
    g_assert_cmpint(errno, ==, ETIMEDOUT);
}

/* 0100h on @log: the response (header and records). */
static void get_records(int fd, uint8_t log, TmTestCciPacket *response)
{
    tm_test_cci_call(fd, OP_GET_EVENT_RECORDS, &log, 1, response, NULL);
    g_assert_cmpuint(response->return_code, ==, 0);
}

static guint record_count(int fd, uint8_t log)
{
    g_auto(TmTestCciPacket) response;

    get_records(fd, log, &response);
    return tm_test_le16(response.payload + 20);
}

/* Read the one record of @log, check its UUID, clear it by its handle; its bytes into @out. */
static void take_one(int fd, uint8_t log, const uint8_t *uuid, uint8_t *out)
{
    g_auto(TmTestCciPacket) response;
    g_auto(TmTestCciPacket) cleared;

    get_records(fd, log, &response);
    g_assert_cmpuint(tm_test_le16(response.payload + 20), ==, 1);
    g_assert_cmpuint(response.payload_size, ==, 32 + 128);
    memcpy(out, response.payload + 32, 128);
    g_assert_cmpmem(out, 16, uuid, 16);
    uint8_t clear[8] = { log, 0, 1, 0, 0, 0, out[20], out[21] };
    tm_test_cci_call(fd, OP_CLEAR_EVENT_RECORDS, clear, sizeof(clear), &cleared, NULL);
    g_assert_cmpuint(cleared.return_code, ==, 0);
    g_assert_cmpuint(record_count(fd, log), ==, 0);
}

/* Each injection reaches both hosts, notified of its log, with the fields given. */
static void test_injections_reach_both_hosts(void)
{
    RasDaemon rd;
    uint8_t record[128];

    ras_daemon_start(&rd);
    qmp_ok(rd.qmp, "cxl-inject-general-media-event",
           "{" PATH ", \"log\": \"warning\", \"flags\": 1, \"dpa\": 2097217, \"descriptor\": 0,"
           " \"type\": 0, \"transaction-type\": 2, \"channel\": 3, \"component-id\": \"dimm7\"}");
    for (int h = 0; h < 2; h++) {
        expect_notification(rd.host[h], LOG_WARNING);
        take_one(rd.host[h], LOG_WARNING, general_media_uuid, record);
        g_assert_cmphex(tm_test_le64(record + 48), ==, 0x200041);
        g_assert_cmphex(record[58], ==, 2);
        g_assert_cmphex(tm_test_le16(record + 59), ==, 0x0009);   /* channel, component id */
        g_assert_cmphex(record[61], ==, 3);
        g_assert_cmpstr((const char *)record + 66, ==, "dimm7");
    }
    qmp_ok(rd.qmp, "cxl-inject-dram-event",
           "{" PATH ", \"log\": \"failure\", \"flags\": 2, \"dpa\": 4096, \"descriptor\": 1,"
           " \"type\": 1, \"transaction-type\": 0, \"row\": 74565, \"correction-mask\": [9]}");
    for (int h = 0; h < 2; h++) {
        expect_notification(rd.host[h], LOG_FAILURE);
        take_one(rd.host[h], LOG_FAILURE, dram_uuid, record);
        g_assert_cmphex(record[17], ==, 0x02);
        g_assert_cmphex(tm_test_le16(record + 59), ==, 0x00a0);   /* row, correction mask */
        g_assert_cmphex(record[68] | record[69] << 8 | record[70] << 16, ==, 74565);
        g_assert_cmpuint(tm_test_le64(record + 73), ==, 9);
    }
    qmp_ok(rd.qmp, "cxl-inject-memory-module-event",
           "{" PATH ", \"log\": \"fatal\", \"flags\": 3, \"type\": 1, \"health-status\": 4,"
           " \"media-status\": 3, \"additional-status\": 0, \"life-used\": 20,"
           " \"temperature\": -3, \"dirty-shutdown-count\": 5,"
           " \"corrected-volatile-error-count\": 6, \"corrected-persistent-error-count\": 7}");
    for (int h = 0; h < 2; h++) {
        expect_notification(rd.host[h], LOG_FATAL);
        take_one(rd.host[h], LOG_FATAL, memory_module_uuid, record);
        g_assert_cmphex(record[48], ==, 1);
        g_assert_cmphex(record[50], ==, 3);
        g_assert_cmpint((int16_t)tm_test_le16(record + 53), ==, -3);
    }
    /* The health is the device's: Get Health Info and query-cxl-health agree. */
    g_auto(TmTestCciPacket) health;
    tm_test_cci_call(rd.host[1], OP_GET_HEALTH_INFO, NULL, 0, &health, NULL);
    static const uint8_t expected[18] = { 4, 3, 0, 20, 0xfd, 0xff, 5, 0, 0, 0, 6, 0, 0, 0,
                                          7, 0, 0, 0 };
    g_assert_cmpmem(health.payload, health.payload_size, expected, sizeof(expected));
    json_object *reply = tm_test_execute(rd.qmp, "query-cxl-health", "{\"path\": \"dcd0\"}");
    json_object *value = tm_test_assert_return(reply);
    g_assert_cmpint(json_object_get_int(json_object_object_get(value, "temperature")), ==, -3);
    g_assert_cmpint(json_object_get_int(json_object_object_get(value, "life-used")), ==, 20);
    json_object_put(reply);
    ras_daemon_stop(&rd);
}

/* "No interrupt" for a log: its records come unannounced; the other host is still told. */
static void test_interrupt_policy_off(void)
{
    static const uint8_t info_off[5] = { 0, 1, 1, 1, 1 };
    static const char *const inject =
        "{" PATH ", \"log\": \"informational\", \"flags\": 0, \"dpa\": 0, \"descriptor\": 1,"
        " \"type\": 1, \"transaction-type\": 0}";
    g_auto(TmTestCciPacket) response;
    RasDaemon rd;

    ras_daemon_start(&rd);
    tm_test_cci_call(rd.host[0], OP_SET_EVENT_INTERRUPT_POLICY, info_off, sizeof(info_off),
                     &response, NULL);
    g_assert_cmpuint(response.return_code, ==, 0);
    qmp_ok(rd.qmp, "cxl-inject-general-media-event", inject);
    expect_notification(rd.host[1], LOG_INFO);
    expect_silence(rd.host[0]);
    g_assert_cmpuint(record_count(rd.host[0], LOG_INFO), ==, 1);
    /* The warning log still notifies host 0. */
    qmp_ok(rd.qmp, "cxl-inject-general-media-event",
           "{" PATH ", \"log\": \"warning\", \"flags\": 1, \"dpa\": 0, \"descriptor\": 1,"
           " \"type\": 1, \"transaction-type\": 0}");
    expect_notification(rd.host[0], LOG_WARNING);
    ras_daemon_stop(&rd);
}

/* 40 records into a 32-deep log: overflow reported, the oldest 32 kept. */
static void test_info_log_overflow(void)
{
    g_auto(TmTestCciPacket) response;
    RasDaemon rd;
    guint notifications = 0;

    ras_daemon_start(&rd);
    for (int i = 0; i < 40; i++) {
        g_autofree char *args = g_strdup_printf(
            "{" PATH ", \"log\": \"informational\", \"flags\": 0, \"dpa\": %d, \"descriptor\": 1,"
            " \"type\": 1, \"transaction-type\": 0}", i * 64);
        qmp_ok(rd.qmp, "cxl-inject-general-media-event", args);
    }
    tm_test_cci_call(rd.host[0], OP_GET_EVENT_RECORDS, (const uint8_t[]){ LOG_INFO }, 1,
                     &response, &notifications);
    g_assert_cmpuint(notifications, ==, 1);      /* coalesced until the host reads */
    g_assert_cmphex(response.payload[0] & 0x01, ==, 0x01);
    g_assert_cmpuint(tm_test_le16(response.payload + 2), ==, 8);
    g_assert_cmpuint(tm_test_le16(response.payload + 20), ==, 32);
    g_assert_cmpuint(tm_test_le64(response.payload + 32 + 48), ==, 0);   /* the oldest */
    ras_daemon_stop(&rd);
}

/* 4202h life used warning at 50 %: crossing it once gives one warning record. */
static void test_threshold_crossing(void)
{
    static const uint8_t life_50[12] = { 0x01, 0x01, 50 };
    g_auto(TmTestCciPacket) response;
    RasDaemon rd;
    uint8_t record[128];

    ras_daemon_start(&rd);
    tm_test_cci_call(rd.host[0], OP_SET_ALERT_CONFIG, life_50, sizeof(life_50), &response, NULL);
    g_assert_cmpuint(response.return_code, ==, 0);
    for (int life = 45; life <= 65; life += 10) {
        g_autofree char *args = g_strdup_printf(
            "{" PATH ", \"log\": \"informational\", \"flags\": 0, \"type\": 2,"
            " \"health-status\": 0, \"media-status\": 0, \"additional-status\": 0,"
            " \"life-used\": %d, \"temperature\": 30, \"dirty-shutdown-count\": 0,"
            " \"corrected-volatile-error-count\": 0, \"corrected-persistent-error-count\": 0}",
            life);
        qmp_ok(rd.qmp, "cxl-inject-memory-module-event", args);
    }
    for (int h = 0; h < 2; h++) {
        take_one(rd.host[h], LOG_WARNING, memory_module_uuid, record);
        g_assert_cmphex(record[17], ==, 0x01);     /* warning severity */
        g_assert_cmphex(record[48], ==, 0x02);     /* Life Used Change */
        g_assert_cmpuint(record[52], ==, 55);      /* the health at the crossing */
        g_assert_cmpuint(record_count(rd.host[h], LOG_INFO), ==, 3);
    }
    ras_daemon_stop(&rd);
}

/* Refused injections log nothing: no record, no notification. */
static void test_bad_injections(void)
{
    static const struct {
        const char *command;
        const char *arguments;
        const char *error;
    } cases[] = {
        { "cxl-inject-general-media-event",
          "{\"path\": \"/machine/peripheral/nothing\", \"log\": \"warning\", \"flags\": 1,"
          " \"dpa\": 0, \"descriptor\": 0, \"type\": 0, \"transaction-type\": 0}",
          "Unable to resolve path" },
        { "cxl-inject-general-media-event",
          "{" PATH ", \"log\": \"warning\", \"flags\": 1, \"dpa\": 536870912, \"descriptor\": 0,"
          " \"type\": 0, \"transaction-type\": 0}",
          "dpa 0x20000000 is outside every DC region of device 'dcd0'" },
        { "cxl-inject-dram-event",
          "{" PATH ", \"log\": \"warning\", \"flags\": 1, \"dpa\": 0, \"descriptor\": 0,"
          " \"type\": 0, \"transaction-type\": 0, \"bank\": 256}",
          "Parameter 'bank' expects uint8_t" },
        { "cxl-inject-memory-module-event", "{" PATH ", \"log\": \"warning\"}",
          "Parameter 'flags' is missing" },
        { "cxl-inject-memory-module-event",
          "{" PATH ", \"log\": \"dynamic-capacity\", \"flags\": 0, \"type\": 0,"
          " \"health-status\": 0, \"media-status\": 0, \"additional-status\": 0,"
          " \"life-used\": 0, \"temperature\": 0, \"dirty-shutdown-count\": 0,"
          " \"corrected-volatile-error-count\": 0, \"corrected-persistent-error-count\": 0}",
          "Parameter 'log' does not accept value 'dynamic-capacity'" },
        { "cxl-inject-correctable-error", "{" PATH ", \"type\": \"physical\"}",
          "a tagmem device has no PCIe link" },
        { "query-cxl-health", "{\"path\": \"dc0\"}",
          "Path does not point to a CXL type 3 device" },
    };
    RasDaemon rd;

    ras_daemon_start(&rd);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        json_object *reply = tm_test_execute(rd.qmp, cases[i].command, cases[i].arguments);

        tm_test_assert_error(reply, "GenericError", cases[i].error);
        json_object_put(reply);
    }
    expect_silence(rd.host[0]);
    for (uint8_t log = LOG_INFO; log <= LOG_FATAL; log++) {
        g_assert_cmpuint(record_count(rd.host[0], log), ==, 0);
    }
    ras_daemon_stop(&rd);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ras/injections_reach_both_hosts", test_injections_reach_both_hosts);
    g_test_add_func("/ras/interrupt_policy_off", test_interrupt_policy_off);
    g_test_add_func("/ras/info_log_overflow", test_info_log_overflow);
    g_test_add_func("/ras/threshold_crossing", test_threshold_crossing);
    g_test_add_func("/ras/bad_injections", test_bad_injections);
    return g_test_run();
}
