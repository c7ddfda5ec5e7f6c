/*
 * The CCI sockets of the real daemon (docs/host-protocol.md): where they
 * are and their modes, Identify over host and FM sockets, malformed
 * packets, the Event Notification after a QMP add, the data path (Get
 * Extent Memory's descriptor, Read/Write DPA) and its ownership checks,
 * 64 hosts at once, and SIGTERM with hosts connected.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cci_client.h"
#include "daemon_harness.h"

#define MiB (UINT64_C(1) << 20)
#define TAG_A "0123abcd-0000-4000-8000-00000000000a"
#define RESPONSE_TIMEOUT_MS 10000

/* Opcodes and return codes, written out: the test does not use src/cci. */
#define OP_IDENTIFY 0x0001
#define OP_GET_EVENT_RECORDS 0x0100
#define OP_IDENTIFY_MEMORY_DEVICE 0x4000
#define OP_ADD_DC_RESPONSE 0x4802
#define OP_GET_DCD_INFO 0x5600
#define OP_EVENT_NOTIFICATION 0xC000
#define OP_GET_EXTENT_MEMORY 0xC001
#define OP_READ_DPA 0xC002
#define OP_WRITE_DPA 0xC003
#define RC_SUCCESS 0x00
#define RC_UNSUPPORTED 0x03
#define RC_INVALID_PHYSICAL_ADDRESS 0x0F
#define RC_INVALID_PAYLOAD_LENGTH 0x16

typedef struct {
    TmTestDaemon *daemon;
    TmQmpConn *qmp;
    char *host_path[2];  /* host 0: the default path; host 1: -host */
    char *fm_path;       /* the default path */
} CciDaemon;

/*
 * dcd0: two 256 MiB regions over memfd dc0, two hosts; host 1's socket
 * named with -host, the others at their defaults in DIR/tagmem; payloads
 * of at most 4 KiB.
 */
static void cci_daemon_start(CciDaemon *cd)
{
    char *dir = tm_test_make_dir();
    g_autofree char *qmp_path = g_build_filename(dir, "qmp.sock", NULL);
    g_autofree char *qmp = g_strdup_printf("unix:%s,server=on,wait=off", qmp_path);
    g_autofree char *host1 = g_build_filename(dir, "h1.sock", NULL);
    g_autofree char *host1_option = g_strdup_printf("id=1,socket=%s", host1);
    const char *args[] = {
        "-qmp", qmp,
        "-object", "memory-backend-memfd,id=dc0,size=512M",
        "-object", "memory-backend-memfd,id=t1,size=4M,tag=" TAG_A,
        "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=2,num-hosts=2",
        "-host", host1_option,
        "--max-payload", "4K",
        NULL,
    };

    cd->host_path[0] = g_build_filename(dir, "tagmem", "host0.sock", NULL);
    cd->host_path[1] = g_strdup(host1);
    cd->fm_path = g_build_filename(dir, "tagmem", "fm.sock", NULL);
    cd->daemon = tm_test_daemon_start_in(dir, args, NULL, qmp_path);
    cd->qmp = tm_test_daemon_connect(cd->daemon);
}

static void cci_daemon_stop(CciDaemon *cd)
{
    tm_qmp_conn_free(cd->qmp);
    g_assert_cmpint(tm_test_daemon_stop(cd->daemon, SIGTERM), ==, 0);
    tm_test_daemon_free(cd->daemon);
    g_free(cd->host_path[0]);
    g_free(cd->host_path[1]);
    g_free(cd->fm_path);
}

static void qmp_ok(TmQmpConn *qmp, const char *command, const char *arguments)
{
    json_object *reply = tm_test_execute(qmp, command, arguments);

    tm_test_assert_return(reply);
    json_object_put(reply);
}

static uint16_t call_rc(int fd, uint16_t opcode, const void *payload, size_t length)
{
    g_auto(TmTestCciPacket) response;

    tm_test_cci_call(fd, opcode, payload, length, &response, NULL);
    return response.return_code;
}

/* Send raw bytes and return the response's return code (echo checked by the caller). */
static uint16_t raw_rc(int fd, const GByteArray *packet)
{
    g_auto(TmTestCciPacket) response;

    g_assert_true(tm_test_cci_send(fd, packet->data, packet->len));
    g_assert_true(tm_test_cci_receive(fd, RESPONSE_TIMEOUT_MS, &response));
    g_assert_cmpuint(response.category, ==, 1);
    g_assert_cmpuint(response.tag, ==, packet->data[2]);
    g_assert_cmpuint(response.mctp_type, ==, packet->data[0]);
    g_assert_cmpuint(response.payload_length, ==, response.payload_size);
    return response.return_code;
}

static void assert_identify(int fd, uint8_t max_message_size)
{
    g_auto(TmTestCciPacket) response;

    tm_test_cci_call(fd, OP_IDENTIFY, NULL, 0, &response, NULL);
    g_assert_cmpuint(response.return_code, ==, RC_SUCCESS);
    g_assert_cmpuint(response.payload_size, ==, 18);
    g_assert_cmphex(tm_test_le16(response.payload), ==, 0x8086);
    g_assert_cmphex(tm_test_le16(response.payload + 2), ==, 0x0d93);
    g_assert_cmpuint(tm_test_le64(response.payload + 8), ==, UINT64_MAX);
    g_assert_cmpuint(response.payload[16], ==, max_message_size);
    g_assert_cmpuint(response.payload[17], ==, 0x03);
}

static void assert_mode_0600(const char *path)
{
    struct stat st;

    g_assert_cmpint(lstat(path, &st), ==, 0);
    g_assert_true(S_ISSOCK(st.st_mode));
    g_assert_cmpint(st.st_mode & 07777, ==, 0600);
}

static void test_sockets(void)
{
    CciDaemon cd;

    cci_daemon_start(&cd);
    assert_mode_0600(cd.host_path[0]);
    assert_mode_0600(cd.host_path[1]);
    assert_mode_0600(cd.fm_path);

    int host0 = tm_test_cci_connect_host(cd.host_path[0]);
    int host1 = tm_test_cci_connect_host(cd.host_path[1]);
    int fm = tm_test_cci_connect(cd.fm_path);
    /* --max-payload 4K: Identify says 2^12. */
    assert_identify(host0, 12);
    assert_identify(host1, 12);
    assert_identify(fm, 12);
    g_assert_cmpuint(call_rc(host0, OP_IDENTIFY_MEMORY_DEVICE, NULL, 0), ==, RC_SUCCESS);
    close(host0);
    close(host1);
    close(fm);
    cci_daemon_stop(&cd);
}

static GByteArray *request(uint8_t type, uint16_t opcode, const void *payload, size_t length)
{
    return tm_test_cci_request(type, (uint8_t)g_random_int(), opcode, payload, length);
}

static void test_malformed_packets(void)
{
    CciDaemon cd;

    cci_daemon_start(&cd);
    int good = tm_test_cci_connect_host(cd.host_path[0]);
    int fm = tm_test_cci_connect(cd.fm_path);
    assert_identify(good, 12);

    /* A truncated header closes that connection only. */
    int bad = tm_test_cci_connect_host(cd.host_path[0]);
    g_autoptr(GByteArray) identify = request(TM_TEST_CCI_TYPE_CCI, OP_IDENTIFY, NULL, 0);
    g_assert_true(tm_test_cci_send(bad, identify->data, 12));
    g_assert_true(tm_test_cci_closed_by_peer(bad, RESPONSE_TIMEOUT_MS));
    close(bad);
    assert_identify(good, 12);

    /* Wrong message type, unknown command set. */
    g_autoptr(GByteArray) wrong_type = request(TM_TEST_CCI_TYPE_FM_API, OP_IDENTIFY, NULL, 0);
    g_assert_cmpuint(raw_rc(good, wrong_type), ==, RC_UNSUPPORTED);
    g_autoptr(GByteArray) unknown_set = request(TM_TEST_CCI_TYPE_CCI, 0x2001, NULL, 0);
    g_assert_cmpuint(raw_rc(good, unknown_set), ==, RC_UNSUPPORTED);

    /* The payload-length field must be the bytes that follow. */
    uint8_t one = 4;
    g_autoptr(GByteArray) lying = request(TM_TEST_CCI_TYPE_CCI, OP_GET_EVENT_RECORDS, &one, 1);
    lying->data[6] = 2;
    g_assert_cmpuint(raw_rc(good, lying), ==, RC_INVALID_PAYLOAD_LENGTH);

    /* Larger than 13 + 4 KiB: cut by the kernel, refused. */
    g_autofree uint8_t *big = g_malloc0(4096 + 1);
    g_autoptr(GByteArray) too_big = request(TM_TEST_CCI_TYPE_CCI, OP_WRITE_DPA, big, 4096 + 1);
    g_assert_cmpuint(raw_rc(good, too_big), ==, RC_INVALID_PAYLOAD_LENGTH);

    /* FM-API on a host socket; a host's command on the FM socket. */
    g_assert_cmpuint(call_rc(good, OP_GET_DCD_INFO, NULL, 0), ==, RC_UNSUPPORTED);
    g_assert_cmpuint(call_rc(fm, OP_IDENTIFY_MEMORY_DEVICE, NULL, 0), ==, RC_UNSUPPORTED);
    g_assert_cmpuint(call_rc(fm, OP_READ_DPA, big, 16), ==, RC_UNSUPPORTED);

    /* Both still served. */
    assert_identify(good, 12);
    assert_identify(fm, 12);
    close(good);
    close(fm);
    cci_daemon_stop(&cd);
}

static void expect_notification(int fd, uint32_t records)
{
    g_auto(TmTestCciPacket) packet;

    g_assert_true(tm_test_cci_receive(fd, RESPONSE_TIMEOUT_MS, &packet));
    g_assert_cmpuint(packet.bytes->len, ==, 21);
    g_assert_cmpuint(packet.mctp_type, ==, TM_TEST_CCI_TYPE_CCI);
    g_assert_cmpuint(packet.category, ==, 0);
    g_assert_cmphex(packet.opcode, ==, OP_EVENT_NOTIFICATION);
    g_assert_cmpuint(packet.payload_length, ==, 8);
    g_assert_cmphex(packet.payload[0], ==, 0x10);
    g_assert_cmpuint(tm_test_le32(packet.payload + 4), ==, records);
}

static void expect_silence(int fd)
{
    TmTestCciPacket packet;

    g_assert_false(tm_test_cci_receive(fd, 200, &packet));
    g_assert_cmpint(errno, ==, ETIMEDOUT);
}

/* 4802h accepting one extent. */
static void accept_extent(int fd, uint64_t dpa, uint64_t length)
{
    uint8_t payload[8 + 24] = { 1 };

    for (int i = 0; i < 8; i++) {
        payload[8 + i] = (uint8_t)(dpa >> (8 * i));
        payload[16 + i] = (uint8_t)(length >> (8 * i));
    }
    g_assert_cmpuint(call_rc(fd, OP_ADD_DC_RESPONSE, payload, sizeof(payload)), ==, RC_SUCCESS);
}

static void put_le64(uint8_t *out, uint64_t value)
{
    for (int i = 0; i < 8; i++) {
        out[i] = (uint8_t)(value >> (8 * i));
    }
}

static void put_le32(uint8_t *out, uint32_t value)
{
    for (int i = 0; i < 4; i++) {
        out[i] = (uint8_t)(value >> (8 * i));
    }
}

static GByteArray *dpa_access(uint64_t dpa, uint32_t length, const void *data)
{
    uint8_t header[16] = { 0 };
    GByteArray *payload = g_byte_array_new();

    put_le64(header, dpa);
    put_le32(header + 8, length);
    g_byte_array_append(payload, header, sizeof(header));
    if (data) {
        g_byte_array_append(payload, data, length);
    }
    return payload;
}

static void test_notification_and_data_path(void)
{
    CciDaemon cd;
    uint8_t dc_log = 4;

    cci_daemon_start(&cd);
    int a = tm_test_cci_connect_host(cd.host_path[0]);
    int b = tm_test_cci_connect_host(cd.host_path[0]);
    int other = tm_test_cci_connect_host(cd.host_path[1]);
    assert_identify(a, 12);
    assert_identify(b, 12);
    assert_identify(other, 12);

    /* A QMP add for host 0: each of host 0's connections is told, host 1 is not. */
    qmp_ok(cd.qmp, "cxl-add-dynamic-capacity",
           "{\"path\": \"/machine/peripheral/dcd0\", \"host-id\": 0, \"selection-policy\": "
           "\"prescriptive\", \"region\": 0, \"extents\": [{\"offset\": 0, \"len\": 4194304}]}");
    expect_notification(a, 1);
    expect_notification(b, 1);
    expect_silence(other);

    g_auto(TmTestCciPacket) records;
    tm_test_cci_call(a, OP_GET_EVENT_RECORDS, &dc_log, 1, &records, NULL);
    g_assert_cmpuint(records.return_code, ==, RC_SUCCESS);
    g_assert_cmpuint(tm_test_le16(records.payload + 20), ==, 1);
    accept_extent(a, 0, 4 * MiB);

    /* Write through one connection with C003h ... */
    g_autoptr(GByteArray) write = dpa_access(1 * MiB + 5, 5, "hello");
    g_assert_cmpuint(call_rc(a, OP_WRITE_DPA, write->data, write->len), ==, RC_SUCCESS);

    /*
     * ... map the extent through the other with C001h, and read it there.
     * Each answer is one block's memory object, exactly the block long.
     */
    uint8_t range[16];
    put_le64(range, 0);
    put_le64(range + 8, 4 * MiB);
    g_auto(TmTestCciPacket) memory;
    tm_test_cci_call(b, OP_GET_EXTENT_MEMORY, range, sizeof(range), &memory, NULL);
    g_assert_cmpuint(memory.return_code, ==, RC_SUCCESS);
    g_assert_cmpuint(memory.payload_size, ==, 24);
    g_assert_cmpint(memory.fd, >=, 0);
    g_assert_cmpuint(tm_test_le64(memory.payload), ==, 0);
    g_assert_cmpuint(tm_test_le64(memory.payload + 8), ==, 2 * MiB);
    g_assert_cmphex(tm_test_le32(memory.payload + 16), ==, 0x1); /* writable */
    struct stat st;
    g_assert_cmpint(fstat(memory.fd, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 2 * MiB);
    uint8_t *map = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, memory.fd, 0);
    g_assert_true(map != MAP_FAILED);
    g_assert_cmpmem(map + 1 * MiB + 5, 5, "hello", 5);
    munmap(map, 2 * MiB);

    /* The other way: written in the second block's mapping, read with C002h. */
    put_le64(range, 2 * MiB);
    put_le64(range + 8, 2 * MiB);
    g_auto(TmTestCciPacket) second;
    tm_test_cci_call(b, OP_GET_EXTENT_MEMORY, range, sizeof(range), &second, NULL);
    g_assert_cmpuint(second.return_code, ==, RC_SUCCESS);
    g_assert_cmpuint(tm_test_le64(second.payload + 8), ==, 2 * MiB);
    map = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, second.fd, 0);
    g_assert_true(map != MAP_FAILED);
    memcpy(map + 1 * MiB, "zero-copy", 9);
    g_autoptr(GByteArray) read = dpa_access(3 * MiB, 9, NULL);
    g_auto(TmTestCciPacket) bytes;
    tm_test_cci_call(a, OP_READ_DPA, read->data, read->len, &bytes, NULL);
    g_assert_cmpuint(bytes.return_code, ==, RC_SUCCESS);
    g_assert_cmpmem(bytes.payload, bytes.payload_size, "zero-copy", 9);
    munmap(map, 2 * MiB);
    put_le64(range, 0);
    put_le64(range + 8, 4 * MiB);

    /* Host 1 can neither map nor read nor write host 0's capacity. */
    g_auto(TmTestCciPacket) refused;
    tm_test_cci_call(other, OP_GET_EXTENT_MEMORY, range, sizeof(range), &refused, NULL);
    g_assert_cmpuint(refused.return_code, ==, RC_INVALID_PHYSICAL_ADDRESS);
    g_assert_cmpint(refused.fd, ==, -1);
    g_assert_cmpuint(call_rc(other, OP_READ_DPA, read->data, read->len), ==,
                     RC_INVALID_PHYSICAL_ADDRESS);
    g_autoptr(GByteArray) intrude = dpa_access(3 * MiB, 9, "intruder!");
    g_assert_cmpuint(call_rc(other, OP_WRITE_DPA, intrude->data, intrude->len), ==,
                     RC_INVALID_PHYSICAL_ADDRESS);
    g_auto(TmTestCciPacket) again;
    tm_test_cci_call(a, OP_READ_DPA, read->data, read->len, &again, NULL);
    g_assert_cmpmem(again.payload, again.payload_size, "zero-copy", 9);

    /* Tagged capacity for host 1: one block of the tag's backend, flagged tagged. */
    qmp_ok(cd.qmp, "cxl-add-dynamic-capacity",
           "{\"path\": \"dcd0\", \"host-id\": 1, \"selection-policy\": \"prescriptive\", "
           "\"region\": 1, \"tag\": \"" TAG_A "\", "
           "\"extents\": [{\"offset\": 0, \"len\": 4194304}]}");
    expect_notification(other, 1);
    accept_extent(other, 256 * MiB, 4 * MiB);
    put_le64(range, 256 * MiB + 2 * MiB);
    put_le64(range + 8, 2 * MiB);
    g_auto(TmTestCciPacket) tagged;
    tm_test_cci_call(other, OP_GET_EXTENT_MEMORY, range, sizeof(range), &tagged, NULL);
    g_assert_cmpuint(tagged.return_code, ==, RC_SUCCESS);
    g_assert_cmpuint(tm_test_le64(tagged.payload), ==, 0);
    g_assert_cmpuint(tm_test_le64(tagged.payload + 8), ==, 2 * MiB);
    g_assert_cmphex(tm_test_le32(tagged.payload + 16), ==, 0x3); /* writable, tagged */
    g_assert_cmpint(fstat(tagged.fd, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 2 * MiB);
    expect_silence(a);

    close(a);
    close(b);
    close(other);
    cci_daemon_stop(&cd);
}

/* 64 hosts, each on its own default socket, all connected at once. */
/*
 * A client written for real devices: one request, one reply.  It never
 * asked for interrupts, so it gets no notification packet, and its list
 * replies fit a CXL mailbox's 2 KiB until it sets a larger limit.
 */
static void test_generic_client(void)
{
    CciDaemon cd;
    uint8_t dc_log = 4;
    GString *extents = g_string_new("[");

    cci_daemon_start(&cd);
    int host = tm_test_cci_connect(cd.host_path[0]);
    for (int i = 0; i < 21; i++) {
        g_string_append_printf(extents, "%s{\"offset\": %d, \"len\": 2097152}", i ? ", " : "",
                               i * 4 * 1024 * 1024);
    }
    g_string_append(extents, "]");
    g_autofree char *add = g_strdup_printf(
        "{\"path\": \"/machine/peripheral/dcd0\", \"host-id\": 0, \"selection-policy\": "
        "\"prescriptive\", \"region\": 0, \"extents\": %s}", extents->str);
    g_string_free(extents, TRUE);
    qmp_ok(cd.qmp, "cxl-add-dynamic-capacity", add);
    expect_silence(host);

    guint notifications = 0;
    g_auto(TmTestCciPacket) records;
    tm_test_cci_call(host, OP_GET_EVENT_RECORDS, &dc_log, 1, &records, &notifications);
    g_assert_cmpuint(notifications, ==, 0);
    g_assert_cmpuint(records.return_code, ==, RC_SUCCESS);
    g_assert_cmpuint(records.payload_size, <=, 2048);
    g_assert_cmpuint(tm_test_le16(records.payload + 20), ==, 15);
    g_assert_cmphex(records.payload[0] & 0x02, ==, 0x02);   /* more records */

    /* Asking for DC interrupts brings the packet with the next records. */
    const uint8_t policy[5] = { 0, 0, 0, 0, 0x01 };
    g_assert_cmpuint(call_rc(host, 0x0103, policy, sizeof(policy)), ==, RC_SUCCESS);
    qmp_ok(cd.qmp, "cxl-add-dynamic-capacity",
           "{\"path\": \"/machine/peripheral/dcd0\", \"host-id\": 0, \"selection-policy\": "
           "\"prescriptive\", \"region\": 1, \"extents\": [{\"offset\": 0, \"len\": 2097152}]}");
    expect_notification(host, 22);
    close(host);
    cci_daemon_stop(&cd);
}

static void test_64_hosts(void)
{
    enum { HOSTS = 64 };
    char *dir = tm_test_make_dir();
    g_autofree char *qmp_path = g_build_filename(dir, "qmp.sock", NULL);
    g_autofree char *qmp = g_strdup_printf("unix:%s,server=on,wait=off", qmp_path);
    const char *args[] = {
        "-qmp", qmp,
        "-device", "cxl-type3,id=dcd0,num-dc-regions=1,dc-regions-total-size=256M,num-hosts=64",
        NULL,
    };
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start_in(dir, args, NULL, qmp_path);
    int fds[HOSTS];
    uint8_t tags[HOSTS];

    for (int host = 0; host < HOSTS; host++) {
        g_autofree char *name = g_strdup_printf("host%d.sock", host);
        g_autofree char *path = g_build_filename(dir, "tagmem", name, NULL);
        assert_mode_0600(path);
        fds[host] = tm_test_cci_connect_host(path);
    }
    /* Every request is in flight before any answer is read. */
    for (int host = 0; host < HOSTS; host++) {
        tags[host] = (uint8_t)host;
        g_autoptr(GByteArray) packet = tm_test_cci_request(TM_TEST_CCI_TYPE_CCI, tags[host],
                                                           OP_IDENTIFY, NULL, 0);
        g_assert_true(tm_test_cci_send(fds[host], packet->data, packet->len));
    }
    for (int host = 0; host < HOSTS; host++) {
        g_auto(TmTestCciPacket) response;
        g_assert_true(tm_test_cci_receive(fds[host], RESPONSE_TIMEOUT_MS, &response));
        g_assert_cmpuint(response.tag, ==, tags[host]);
        g_assert_cmpuint(response.return_code, ==, RC_SUCCESS);
        g_assert_cmpuint(response.payload_size, ==, 18);
    }
    for (int host = 0; host < HOSTS; host++) {
        close(fds[host]);
    }
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

/* SIGTERM with hosts connected: they see the end, the sockets are gone, exit 0. */
static void test_sigterm_with_hosts(void)
{
    CciDaemon cd;

    cci_daemon_start(&cd);
    int host0 = tm_test_cci_connect_host(cd.host_path[0]);
    int host1 = tm_test_cci_connect_host(cd.host_path[1]);
    int fm = tm_test_cci_connect(cd.fm_path);
    assert_identify(host0, 12);
    assert_identify(host1, 12);
    /* One connection mid-request: its packet is sent, its answer never read. */
    g_autoptr(GByteArray) pending = request(TM_TEST_CCI_TYPE_CCI, OP_IDENTIFY, NULL, 0);
    g_assert_true(tm_test_cci_send(fm, pending->data, pending->len));

    tm_qmp_conn_free(cd.qmp);
    g_assert_cmpint(tm_test_daemon_stop(cd.daemon, SIGTERM), ==, 0);
    g_assert_true(tm_test_cci_closed_by_peer(host0, RESPONSE_TIMEOUT_MS));
    g_assert_true(tm_test_cci_closed_by_peer(host1, RESPONSE_TIMEOUT_MS));
    g_assert_false(g_file_test(cd.host_path[0], G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(cd.host_path[1], G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(cd.fm_path, G_FILE_TEST_EXISTS));
    close(host0);
    close(host1);
    close(fm);
    tm_test_daemon_free(cd.daemon);
    g_free(cd.host_path[0]);
    g_free(cd.host_path[1]);
    g_free(cd.fm_path);
}

/* A host socket another daemon serves is not taken over; nothing is left behind. */
static void test_socket_in_use(void)
{
    CciDaemon cd;

    cci_daemon_start(&cd);
    g_autofree char *dir = tm_test_make_dir();
    g_autofree char *qmp = g_strdup_printf("unix:%s/qmp.sock,server=on", dir);
    g_autofree char *host = g_strdup_printf("id=0,socket=%s", cd.host_path[1]);
    const char *args[] = { "-qmp", qmp, "-host", host, NULL };
    g_autofree char *stderr_text = NULL;

    g_assert_cmpint(tm_test_run_tagmemd(args, dir, &stderr_text), ==, 1);
    g_assert_nonnull(strstr(stderr_text, "is in use by another process"));
    g_assert_nonnull(strstr(stderr_text, cd.host_path[1]));
    g_assert_cmpint(g_rmdir(dir), ==, 0);

    int fd = tm_test_cci_connect_host(cd.host_path[1]);
    assert_identify(fd, 12);
    close(fd);
    cci_daemon_stop(&cd);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cci/sockets", test_sockets);
    g_test_add_func("/cci/malformed-packets", test_malformed_packets);
    g_test_add_func("/cci/notification-and-data-path", test_notification_and_data_path);
    g_test_add_func("/cci/generic-client", test_generic_client);
    g_test_add_func("/cci/64-hosts", test_64_hosts);
    g_test_add_func("/cci/sigterm-with-hosts", test_sigterm_with_hosts);
    g_test_add_func("/cci/socket-in-use", test_socket_in_use);
    return g_test_run();
}
