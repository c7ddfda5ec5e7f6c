/*
 * The CCI socket server in-process: real SOCK_SEQPACKET sockets in a
 * temporary directory, the GLib main loop pumped by the test between
 * sends and receives, a real device behind it.  Socket files and modes,
 * several connections, faults that close one connection only, fairness,
 * bounded output, notifications, descriptors passed with SCM_RIGHTS.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "cci/cci_server.h"
#include "cci/cxl_opcodes.h"
#include "cci/vendor_commands.h"
#include "cci_client.h"
#include "mailbox_test_util.h"

#define TAG "5be9d7a4-1c2e-4f3a-9b8d-0e6f7a8b9c0d"
#define DEVICE_PROPS "num-dc-regions=2,volatile-dc-memdev=static0,num-hosts=2"
#define PUMP_TIMEOUT_US (10 * G_USEC_PER_SEC)

typedef struct {
    DcdFixture fx;
    char *dir;
    char *host_path[2];
    char *fm_path;
    TmFdDispatcher *dispatcher;
    TmCciServer *server;
} ServerFixture;

static void server_fixture_init(ServerFixture *sf, uint32_t max_payload)
{
    g_autoptr(GError) err = NULL;

    fixture_init(&sf->fx, NULL);
    fixture_typed_backend(&sf->fx, "memory-backend-memfd", "static0", 512 * MiB, NULL);
    fixture_device(&sf->fx, DEVICE_PROPS);
    sf->dir = g_dir_make_tmp("tagmem-cci-XXXXXX", &err);
    g_assert_no_error(err);
    sf->dispatcher = tm_fd_dispatcher_new(NULL, &err);
    g_assert_no_error(err);
    sf->server = tm_cci_server_new(sf->dispatcher, max_payload, 64);
    for (uint16_t host = 0; host < 2; host++) {
        g_autofree char *name = g_strdup_printf("host%u.sock", host);
        sf->host_path[host] = g_build_filename(sf->dir, name, NULL);
        g_assert_true(tm_cci_server_listen(sf->server, sf->fx.dev, TM_MAILBOX_PORT_HOST, host,
                                           sf->host_path[host], &err));
        g_assert_no_error(err);
    }
    sf->fm_path = g_build_filename(sf->dir, "fm.sock", NULL);
    g_assert_true(tm_cci_server_listen(sf->server, sf->fx.dev, TM_MAILBOX_PORT_FM, 0,
                                       sf->fm_path, &err));
    g_assert_no_error(err);
}

static void server_fixture_clear(ServerFixture *sf)
{
    tm_cci_server_free(sf->server);
    tm_fd_dispatcher_free(sf->dispatcher);
    /* The server removed its socket files: the directory is empty. */
    g_assert_cmpint(g_rmdir(sf->dir), ==, 0);
    for (int host = 0; host < 2; host++) {
        g_free(sf->host_path[host]);
    }
    g_free(sf->fm_path);
    g_free(sf->dir);
    fixture_clear(&sf->fx);
}

/* Run the main loop until @fd has a packet (true) or is closed (false). */
static bool pump_receive(int fd, TmTestCciPacket *out)
{
    gint64 deadline = g_get_monotonic_time() + PUMP_TIMEOUT_US;

    while (!tm_test_cci_receive(fd, 0, out)) {
        if (errno == 0) {
            return false;
        }
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        if (!g_main_context_iteration(NULL, FALSE)) {
            g_usleep(1000);
        }
    }
    return true;
}

/* Run the main loop until it has nothing left to do. */
static void pump_idle(void)
{
    for (int quiet = 0; quiet < 3;) {
        if (g_main_context_iteration(NULL, FALSE)) {
            quiet = 0;
        } else {
            quiet++;
            g_usleep(1000);
        }
    }
}

/* Send a request and pump until its response; notifications are counted. */
static void call(int fd, uint8_t type, uint16_t opcode, const void *payload, size_t length,
                 TmTestCciPacket *response, guint *notifications)
{
    uint8_t tag = (uint8_t)g_random_int();
    g_autoptr(GByteArray) request = tm_test_cci_request(type, tag, opcode, payload, length);

    g_assert_true(tm_test_cci_send(fd, request->data, request->len));
    for (;;) {
        g_assert_true(pump_receive(fd, response));
        if (response->category == 1) {
            break;
        }
        if (notifications) {
            (*notifications)++;
        }
        tm_test_cci_packet_clear(response);
    }
    g_assert_cmpuint(response->mctp_type, ==, type);
    g_assert_cmpuint(response->tag, ==, tag);
    g_assert_cmphex(response->opcode, ==, opcode);
    g_assert_cmpuint(response->payload_length, ==, response->payload_size);
}

/* A host connection as libtagmem makes it: full-size lists and DC notifications. */
static int connect_host(const char *path)
{
    int fd = tm_test_cci_connect(path);
    const uint8_t limit = 20;
    const uint8_t policy[5] = { 0, 0, 0, 0, 0x01 };
    g_auto(TmTestCciPacket) response;
    g_auto(TmTestCciPacket) enabled;

    call(fd, TM_TEST_CCI_TYPE_CCI, 0x0004, &limit, 1, &response, NULL);
    g_assert_cmpuint(response.return_code, ==, 0);
    call(fd, TM_TEST_CCI_TYPE_CCI, 0x0103, policy, sizeof(policy), &enabled, NULL);
    g_assert_cmpuint(enabled.return_code, ==, 0);
    return fd;
}

static void assert_identify(int fd, uint8_t max_message_size)
{
    g_auto(TmTestCciPacket) response;

    call(fd, TM_TEST_CCI_TYPE_CCI, TM_CXL_OP_IDENTIFY, NULL, 0, &response, NULL);
    g_assert_cmpuint(response.return_code, ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(response.payload_size, ==, 18);
    g_assert_cmpuint(response.payload[16], ==, max_message_size);
    g_assert_cmpuint(response.payload[17], ==, 0x03);
}

static void test_sockets_and_modes(void)
{
    ServerFixture sf;
    /* Whatever the umask, the sockets are the user's alone. */
    mode_t old_umask = umask(0);

    server_fixture_init(&sf, TM_MAILBOX_DEFAULT_MAX_PAYLOAD);
    umask(old_umask);
    const char *paths[] = { sf.host_path[0], sf.host_path[1], sf.fm_path };
    for (size_t i = 0; i < G_N_ELEMENTS(paths); i++) {
        struct stat st;
        g_assert_cmpint(lstat(paths[i], &st), ==, 0);
        g_assert_true(S_ISSOCK(st.st_mode));
        g_assert_cmpint(st.st_mode & 07777, ==, 0600);
    }

    /* Several connections on one socket, and every socket answers. */
    int a = connect_host(sf.host_path[0]);
    int b = connect_host(sf.host_path[0]);
    int fm = tm_test_cci_connect(sf.fm_path);
    assert_identify(a, 20);
    assert_identify(b, 20);
    assert_identify(fm, 20);
    g_assert_cmpuint(tm_cci_server_connection_count(sf.server), ==, 3);
    close(b);
    pump_idle();
    g_assert_cmpuint(tm_cci_server_connection_count(sf.server), ==, 2);

    /* Freeing the server with clients connected closes them and removes the files. */
    server_fixture_clear(&sf);
    g_assert_true(tm_test_cci_closed_by_peer(a, 1000));
    g_assert_true(tm_test_cci_closed_by_peer(fm, 1000));
    close(a);
    close(fm);
}

static void test_listen_refused(void)
{
    ServerFixture sf;
    g_autoptr(GError) err = NULL;

    server_fixture_init(&sf, TM_MAILBOX_DEFAULT_MAX_PAYLOAD);
    g_autoptr(TmCciServer) other =
        tm_cci_server_new(sf.dispatcher, TM_MAILBOX_DEFAULT_MAX_PAYLOAD, 64);

    /* A socket another server accepts on is never taken over. */
    g_assert_false(tm_cci_server_listen(other, sf.fx.dev, TM_MAILBOX_PORT_HOST, 0,
                                        sf.host_path[0], &err));
    assert_error_contains(err, "is in use by another process");
    g_clear_error(&err);

    g_autofree char *file = g_build_filename(sf.dir, "file", NULL);
    g_assert_true(g_file_set_contents(file, "x", 1, NULL));
    g_assert_false(tm_cci_server_listen(other, sf.fx.dev, TM_MAILBOX_PORT_FM, 0, file, &err));
    assert_error_contains(err, "exists and is not a socket");
    g_clear_error(&err);
    g_unlink(file);

    g_autofree char *spare = g_build_filename(sf.dir, "spare.sock", NULL);
    g_assert_false(tm_cci_server_listen(other, sf.fx.dev, TM_MAILBOX_PORT_HOST, 2, spare,
                                        &err));
    assert_error_contains(err, "host-id 2 is out of range: device 'dcd0' has 2 hosts");
    g_clear_error(&err);
    g_assert_false(g_file_test(spare, G_FILE_TEST_EXISTS));

    g_autofree char *long_path = g_strnfill(200, 'x');
    g_autofree char *too_long = g_build_filename(sf.dir, long_path, NULL);
    g_assert_false(tm_cci_server_listen(other, sf.fx.dev, TM_MAILBOX_PORT_FM, 0, too_long,
                                        &err));
    assert_error_contains(err, "is longer than 107 bytes");
    g_clear_error(&err);
    g_clear_pointer(&other, tm_cci_server_free);

    /* A stale socket (nobody accepts on it) is replaced. */
    g_autofree char *stale = g_build_filename(sf.dir, "stale.sock", NULL);
    g_autoptr(TmCciServer) first =
        tm_cci_server_new(sf.dispatcher, TM_MAILBOX_DEFAULT_MAX_PAYLOAD, 64);
    g_assert_true(tm_cci_server_listen(first, sf.fx.dev, TM_MAILBOX_PORT_FM, 0, stale, NULL));
    int stale_fd = tm_test_cci_connect(stale);
    close(stale_fd);
    g_clear_pointer(&first, tm_cci_server_free);
    g_assert_false(g_file_test(stale, G_FILE_TEST_EXISTS));
    int leftover = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    strcpy(addr.sun_path, stale);
    g_assert_cmpint(bind(leftover, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    close(leftover);
    g_autoptr(TmCciServer) second =
        tm_cci_server_new(sf.dispatcher, TM_MAILBOX_DEFAULT_MAX_PAYLOAD, 64);
    g_assert_true(tm_cci_server_listen(second, sf.fx.dev, TM_MAILBOX_PORT_FM, 0, stale, &err));
    g_assert_no_error(err);
    int fd = tm_test_cci_connect(stale);
    assert_identify(fd, 20);
    close(fd);
    g_clear_pointer(&second, tm_cci_server_free);
    server_fixture_clear(&sf);
}

/* A header that cannot be trusted closes that connection; the others carry on. */
static void test_bad_packets_close_one_connection(void)
{
    static const uint8_t short_packet[12] = { 0x08, 0x00, 0x01, 0x00, 0x01, 0x00 };
    static const uint8_t response_packet[13] = { 0x08, 0x01, 0x01, 0x00, 0x01, 0x00 };
    ServerFixture sf;

    server_fixture_init(&sf, TM_MAILBOX_DEFAULT_MAX_PAYLOAD);
    int good = connect_host(sf.host_path[0]);
    int bad = connect_host(sf.host_path[0]);
    int worse = connect_host(sf.host_path[1]);
    assert_identify(good, 20);

    g_assert_true(tm_test_cci_send(bad, short_packet, sizeof(short_packet)));
    g_assert_true(tm_test_cci_send(worse, response_packet, sizeof(response_packet)));
    TmTestCciPacket packet;
    g_assert_false(pump_receive(bad, &packet));
    g_assert_false(pump_receive(worse, &packet));
    assert_identify(good, 20);
    g_assert_cmpuint(tm_cci_server_connection_count(sf.server), ==, 1);
    close(bad);
    close(worse);

    /* An empty packet too. */
    bad = connect_host(sf.host_path[0]);
    g_assert_true(tm_test_cci_send(bad, "", 0));
    g_assert_false(pump_receive(bad, &packet));
    close(bad);
    assert_identify(good, 20);
    close(good);
    server_fixture_clear(&sf);
}

/* Faults the header can answer: the return code, and the connection stays. */
static void test_answered_faults(void)
{
    ServerFixture sf;
    g_auto(TmTestCciPacket) response;

    server_fixture_init(&sf, 256);
    int fd = connect_host(sf.host_path[0]);
    int fm = tm_test_cci_connect(sf.fm_path);

    /* Longer than 13 + 256 bytes: cut by the kernel, answered Invalid Payload Length. */
    uint8_t big[300] = { 0 };
    g_autoptr(GByteArray) header = tm_test_cci_request(0x08, 0x42, TM_CXL_OP_WRITE_DPA, big,
                                                       sizeof(big));
    g_assert_true(tm_test_cci_send(fd, header->data, header->len));
    g_assert_true(pump_receive(fd, &response));
    g_assert_cmpuint(response.category, ==, 1);
    g_assert_cmpuint(response.tag, ==, 0x42);
    g_assert_cmphex(response.opcode, ==, TM_CXL_OP_WRITE_DPA);
    g_assert_cmpuint(response.return_code, ==, TM_CXL_RC_INVALID_PAYLOAD_LENGTH);
    g_assert_cmpuint(response.payload_size, ==, 0);
    tm_test_cci_packet_clear(&response);

    /* Length field bigger than what follows. */
    g_autoptr(GByteArray) lying = tm_test_cci_request(0x08, 0x43, TM_CXL_OP_IDENTIFY, NULL, 0);
    lying->data[6] = 4;
    g_assert_true(tm_test_cci_send(fd, lying->data, lying->len));
    g_assert_true(pump_receive(fd, &response));
    g_assert_cmpuint(response.return_code, ==, TM_CXL_RC_INVALID_PAYLOAD_LENGTH);
    tm_test_cci_packet_clear(&response);

    /* FM-API on a host socket, memory device commands on the FM socket. */
    call(fd, TM_TEST_CCI_TYPE_FM_API, TM_CXL_OP_GET_DCD_INFO, NULL, 0, &response, NULL);
    g_assert_cmpuint(response.return_code, ==, TM_CXL_RC_UNSUPPORTED);
    tm_test_cci_packet_clear(&response);
    call(fm, TM_TEST_CCI_TYPE_CCI, TM_CXL_OP_IDENTIFY_MEMORY_DEVICE, NULL, 0, &response, NULL);
    g_assert_cmpuint(response.return_code, ==, TM_CXL_RC_UNSUPPORTED);
    tm_test_cci_packet_clear(&response);

    /* Still served; Identify reports the 256-byte mailbox. */
    assert_identify(fd, 8);
    assert_identify(fm, 8);
    close(fd);
    close(fm);
    server_fixture_clear(&sf);
}

static uint8_t identify_packet[TM_TEST_CCI_HEADER_SIZE] = { 0x08, 0x00, 0x07, 0x00, 0x01, 0x00 };

static guint drain_responses(int fd)
{
    TmTestCciPacket packet;
    guint count = 0;

    while (tm_test_cci_receive(fd, 0, &packet)) {
        g_assert_cmpuint(packet.category, ==, 1);
        g_assert_cmpuint(packet.return_code, ==, TM_CXL_RC_SUCCESS);
        tm_test_cci_packet_clear(&packet);
        count++;
    }
    return count;
}

/* One main-loop iteration serves a few packets of each connection, not all of one. */
static void test_fair_turns(void)
{
    ServerFixture sf;

    server_fixture_init(&sf, TM_MAILBOX_DEFAULT_MAX_PAYLOAD);
    int busy = connect_host(sf.host_path[0]);
    int quiet = connect_host(sf.host_path[1]);
    assert_identify(busy, 20);
    assert_identify(quiet, 20);

    for (int i = 0; i < 3 * TM_CCI_SERVER_PACKETS_PER_TURN; i++) {
        g_assert_true(tm_test_cci_send(busy, identify_packet, sizeof(identify_packet)));
    }
    g_assert_true(tm_test_cci_send(quiet, identify_packet, sizeof(identify_packet)));
    g_main_context_iteration(NULL, FALSE);
    g_assert_cmpuint(drain_responses(busy), ==, TM_CCI_SERVER_PACKETS_PER_TURN);
    g_assert_cmpuint(drain_responses(quiet), ==, 1);
    g_main_context_iteration(NULL, FALSE);
    g_assert_cmpuint(drain_responses(busy), ==, TM_CCI_SERVER_PACKETS_PER_TURN);
    pump_idle();
    g_assert_cmpuint(drain_responses(busy), ==, TM_CCI_SERVER_PACKETS_PER_TURN);
    close(busy);
    close(quiet);
    server_fixture_clear(&sf);
}

/*
 * A host that sends without reading: the server stops reading it once a
 * reply cannot be sent, keeps serving the others, and loses nothing when
 * the host reads again.
 */
static void test_bounded_output(void)
{
    ServerFixture sf;
    guint sent = 0;

    server_fixture_init(&sf, 256);
    int flood = connect_host(sf.host_path[0]);
    int other = connect_host(sf.host_path[1]);
    assert_identify(flood, 8);

    /* Until neither the client's socket nor the server takes more. */
    for (bool progress = true; progress;) {
        progress = false;
        while (tm_test_cci_send(flood, identify_packet, sizeof(identify_packet))) {
            sent++;
            progress = true;
        }
        pump_idle();
    }
    g_assert_cmpuint(sent, >, 0);
    assert_identify(other, 8);

    guint received = 0;
    for (gint64 deadline = g_get_monotonic_time() + PUMP_TIMEOUT_US; received < sent;) {
        received += drain_responses(flood);
        g_main_context_iteration(NULL, FALSE);
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
    }
    g_assert_cmpuint(received, ==, sent);
    close(flood);
    close(other);
    server_fixture_clear(&sf);
}

static TmDcStatus offer(ServerFixture *sf, uint16_t host, uint64_t dpa)
{
    TmExtent extent[] = { EXT(dpa, 2 * MiB) };

    return add_prescriptive(&sf->fx, host, 0, NULL, extent, 1, NULL);
}

static void expect_notification(int fd, uint32_t records)
{
    g_auto(TmTestCciPacket) packet;

    g_assert_true(pump_receive(fd, &packet));
    g_assert_cmpuint(packet.bytes->len, ==, 21);
    g_assert_cmpuint(packet.mctp_type, ==, 0x08);
    g_assert_cmpuint(packet.category, ==, 0);
    g_assert_cmpuint(packet.tag, ==, 0);
    g_assert_cmphex(packet.opcode, ==, TM_CXL_OP_EVENT_NOTIFICATION);
    g_assert_cmpuint(packet.payload_length, ==, 8);
    g_assert_cmphex(packet.payload[0], ==, 0x10);
    g_assert_cmpuint(tm_test_le32(packet.payload + 4), ==, records);
}

static void expect_nothing(int fd)
{
    TmTestCciPacket packet;

    pump_idle();
    g_assert_false(tm_test_cci_receive(fd, 0, &packet));
    g_assert_cmpint(errno, ==, ETIMEDOUT);
}

/* Every connection of the host is told once, until the host reads its events. */
static void test_notifications(void)
{
    ServerFixture sf;
    g_auto(TmTestCciPacket) response;
    uint8_t dc_log = TM_EVENT_LOG_DYNAMIC_CAPACITY;

    server_fixture_init(&sf, TM_MAILBOX_DEFAULT_MAX_PAYLOAD);
    /* No connection: nothing to send, nothing owed. */
    g_assert_cmpint(offer(&sf, 0, 0), ==, TM_DC_OK);
    int a = connect_host(sf.host_path[0]);
    int b = connect_host(sf.host_path[0]);
    int host1 = connect_host(sf.host_path[1]);
    int fm = tm_test_cci_connect(sf.fm_path);
    assert_identify(a, 20);
    assert_identify(b, 20);
    assert_identify(host1, 20);
    assert_identify(fm, 20);

    g_assert_cmpint(offer(&sf, 0, 2 * MiB), ==, TM_DC_OK);
    expect_notification(a, 2);
    expect_notification(b, 2);
    expect_nothing(host1);
    expect_nothing(fm);

    /* Coalesced: the host has not read since. */
    g_assert_cmpint(offer(&sf, 0, 4 * MiB), ==, TM_DC_OK);
    expect_nothing(a);
    expect_nothing(b);

    /* One connection reads: the next records are announced to both again. */
    call(b, TM_TEST_CCI_TYPE_CCI, TM_CXL_OP_GET_EVENT_RECORDS, &dc_log, 1, &response, NULL);
    g_assert_cmpuint(response.return_code, ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(tm_test_le16(response.payload + 20), ==, 3);
    g_assert_cmpint(offer(&sf, 0, 6 * MiB), ==, TM_DC_OK);
    expect_notification(a, 4);
    expect_notification(b, 4);

    /* Host 1 is told of its own records only. */
    g_assert_cmpint(offer(&sf, 1, 100 * MiB), ==, TM_DC_OK);
    expect_notification(host1, 1);
    expect_nothing(a);

    /* A host whose connections all went away starts afresh. */
    close(a);
    close(b);
    pump_idle();
    g_assert_cmpint(offer(&sf, 0, 8 * MiB), ==, TM_DC_OK);
    int c = connect_host(sf.host_path[0]);
    assert_identify(c, 20);
    g_assert_cmpint(offer(&sf, 0, 10 * MiB), ==, TM_DC_OK);
    expect_notification(c, 6);
    close(c);
    close(host1);
    close(fm);
    server_fixture_clear(&sf);
}

/* A notification owed to a host whose socket is full goes once it drains. */
static void test_notification_behind_full_socket(void)
{
    ServerFixture sf;

    server_fixture_init(&sf, 256);
    int fd = connect_host(sf.host_path[0]);
    assert_identify(fd, 8);
    guint sent = 0;
    for (bool progress = true; progress;) {
        progress = false;
        while (tm_test_cci_send(fd, identify_packet, sizeof(identify_packet))) {
            sent++;
            progress = true;
        }
        pump_idle();
    }
    g_assert_cmpint(offer(&sf, 0, 0), ==, TM_DC_OK);

    guint responses = 0;
    guint notifications = 0;
    TmTestCciPacket packet;
    while (responses < sent || notifications == 0) {
        g_assert_true(pump_receive(fd, &packet));
        if (packet.category == 0) {
            notifications++;
        } else {
            responses++;
        }
        tm_test_cci_packet_clear(&packet);
    }
    g_assert_cmpuint(responses, ==, sent);
    g_assert_cmpuint(notifications, ==, 1);
    close(fd);
    server_fixture_clear(&sf);
}

/* C001h over the socket: the descriptor arrives and maps the device's memory. */
static void test_descriptor_passing(void)
{
    ServerFixture sf;
    g_auto(TmTestCciPacket) response;
    TmExtent extent[] = { EXT(4 * MiB, 2 * MiB) };

    server_fixture_init(&sf, TM_MAILBOX_DEFAULT_MAX_PAYLOAD);
    add_and_accept(&sf.fx, 0, 0, NULL, extent, 1);
    int fd = connect_host(sf.host_path[0]);

    TmVendorGetExtentMemoryRequest in = { .dpa = htole64(4 * MiB), .length = htole64(2 * MiB) };
    call(fd, TM_TEST_CCI_TYPE_CCI, TM_CXL_OP_GET_EXTENT_MEMORY, &in, sizeof(in), &response,
         NULL);
    g_assert_cmpuint(response.return_code, ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpint(response.fd, >=, 0);
    /* The block's own memory object, from its first byte. */
    uint64_t offset = tm_test_le64(response.payload);
    g_assert_cmpuint(offset, ==, 0);

    /* Write through C003h, read through the mapping. */
    uint8_t write[16 + 6] = { 0 };
    TmVendorDpaAccessRequest header = { .dpa = htole64(4 * MiB + 64), .length = htole32(6) };
    memcpy(write, &header, sizeof(header));
    memcpy(write + 16, "mapped", 6);
    g_auto(TmTestCciPacket) written;
    call(fd, TM_TEST_CCI_TYPE_CCI, TM_CXL_OP_WRITE_DPA, write, sizeof(write), &written, NULL);
    g_assert_cmpuint(written.return_code, ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpint(written.fd, ==, -1);
    uint8_t *map = mmap(NULL, 2 * MiB, PROT_READ, MAP_SHARED, response.fd, (off_t)offset);
    g_assert_true(map != MAP_FAILED);
    g_assert_cmpmem(map + 64, 6, "mapped", 6);
    munmap(map, 2 * MiB);

    /* Refused: no descriptor. */
    in.dpa = htole64(8 * MiB);
    g_auto(TmTestCciPacket) refused;
    call(fd, TM_TEST_CCI_TYPE_CCI, TM_CXL_OP_GET_EXTENT_MEMORY, &in, sizeof(in), &refused,
         NULL);
    g_assert_cmpuint(refused.return_code, ==, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS);
    g_assert_cmpint(refused.fd, ==, -1);
    close(fd);
    server_fixture_clear(&sf);
}

/* Descriptors a client sends are not kept by the server. */
static void test_client_descriptors_dropped(void)
{
    ServerFixture sf;
    g_auto(TmTestCciPacket) response;

    server_fixture_init(&sf, TM_MAILBOX_DEFAULT_MAX_PAYLOAD);
    int fd = connect_host(sf.host_path[0]);
    int pipe_fds[2];
    g_assert_cmpint(pipe(pipe_fds), ==, 0);

    union {
        struct cmsghdr header;
        char bytes[CMSG_SPACE(sizeof(int))];
    } control = { 0 };
    struct iovec iov = { .iov_base = identify_packet, .iov_len = sizeof(identify_packet) };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.bytes,
                          .msg_controllen = sizeof(control.bytes) };
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &pipe_fds[1], sizeof(int));
    g_assert_cmpint(sendmsg(fd, &msg, 0), ==, sizeof(identify_packet));
    close(pipe_fds[1]);
    g_assert_true(pump_receive(fd, &response));
    g_assert_cmpuint(response.return_code, ==, TM_CXL_RC_SUCCESS);

    /* The only write end is gone: the read end sees end of file, not "no data yet". */
    char byte;
    g_assert_cmpint(fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK), ==, 0);
    g_assert_cmpint(read(pipe_fds[0], &byte, 1), ==, 0);
    close(pipe_fds[0]);
    close(fd);
    server_fixture_clear(&sf);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cci/server/sockets-and-modes", test_sockets_and_modes);
    g_test_add_func("/cci/server/listen-refused", test_listen_refused);
    g_test_add_func("/cci/server/bad-packets-close-one", test_bad_packets_close_one_connection);
    g_test_add_func("/cci/server/answered-faults", test_answered_faults);
    g_test_add_func("/cci/server/fair-turns", test_fair_turns);
    g_test_add_func("/cci/server/bounded-output", test_bounded_output);
    g_test_add_func("/cci/server/notifications", test_notifications);
    g_test_add_func("/cci/server/notification-behind-full-socket",
                    test_notification_behind_full_socket);
    g_test_add_func("/cci/server/descriptor-passing", test_descriptor_passing);
    g_test_add_func("/cci/server/client-descriptors-dropped", test_client_descriptors_dropped);
    return g_test_run();
}
