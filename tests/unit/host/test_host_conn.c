/*
 * The host connection against a scripted peer on a real SEQPACKET socket:
 * the peer writes hand-built packets (responses, notifications, a
 * descriptor with SCM_RIGHTS) and reads back the request bytes.
 */
#include <endian.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include <tagmem/tagmem.h>

#include "host/host_commands.h"
#include "host/host_error.h"
#include "host/memory_map.h"

typedef struct {
    char *dir;
    char *path;
    int listener;
    int peer;              /* the daemon's end */
    TmHostConn conn;
    TmHostLogger logger;
} ConnFixture;

static void fixture_setup(ConnFixture *fx, int timeout_ms)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    fx->dir = g_dir_make_tmp("tagmem-host-conn-XXXXXX", NULL);
    g_assert_nonnull(fx->dir);
    fx->path = g_build_filename(fx->dir, "host0.sock", NULL);
    g_assert_cmpuint(strlen(fx->path), <, sizeof(addr.sun_path));
    strcpy(addr.sun_path, fx->path);
    fx->listener = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    g_assert_cmpint(fx->listener, >=, 0);
    g_assert_cmpint(bind(fx->listener, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    g_assert_cmpint(listen(fx->listener, 1), ==, 0);
    fx->logger = (TmHostLogger){ 0 };
    g_assert_true(tm_host_conn_open(&fx->conn, fx->path, timeout_ms, &fx->logger, NULL));
    fx->peer = accept4(fx->listener, NULL, NULL, SOCK_CLOEXEC);
    g_assert_cmpint(fx->peer, >=, 0);
}

static void fixture_teardown(ConnFixture *fx)
{
    tm_host_conn_close(&fx->conn);
    if (fx->peer >= 0) {
        close(fx->peer);
    }
    close(fx->listener);
    g_unlink(fx->path);
    g_rmdir(fx->dir);
    g_free(fx->path);
    g_free(fx->dir);
}

/* Send one packet from the daemon's end, with @fd (if >= 0) as SCM_RIGHTS. */
static void peer_send(ConnFixture *fx, const uint8_t *bytes, size_t len, int fd)
{
    union {
        struct cmsghdr align;
        char bytes[CMSG_SPACE(sizeof(int))];
    } control = { 0 };
    struct iovec iov = { .iov_base = (void *)bytes, .iov_len = len };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

    if (fd >= 0) {
        msg.msg_control = control.bytes;
        msg.msg_controllen = sizeof(control.bytes);
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    }
    g_assert_cmpint(sendmsg(fx->peer, &msg, 0), ==, (ssize_t)len);
}

/* A response header: response, @tag, @opcode, @payload_len bytes, @rc. */
static void response_header(uint8_t out[13], uint8_t tag, uint16_t opcode,
                            uint32_t payload_len, uint16_t rc)
{
    uint8_t header[13] = {
        0x08, 0x01, tag, 0x00, (uint8_t)opcode, (uint8_t)(opcode >> 8),
        (uint8_t)payload_len, (uint8_t)(payload_len >> 8), (uint8_t)(payload_len >> 16),
        (uint8_t)rc, (uint8_t)(rc >> 8), 0x00, 0x00,
    };

    memcpy(out, header, sizeof(header));
}

static void peer_respond(ConnFixture *fx, uint8_t tag, uint16_t opcode, const void *payload,
                         size_t payload_len, uint16_t rc, int fd)
{
    g_autofree uint8_t *packet = g_malloc(13 + payload_len);

    response_header(packet, tag, opcode, (uint32_t)payload_len, rc);
    if (payload_len > 0) {
        memcpy(packet + 13, payload, payload_len);
    }
    peer_send(fx, packet, 13 + payload_len, fd);
}

static const uint8_t notification[] = {
    0x08, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x10, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
};

/* Identify with max message size 2^10. */
static const uint8_t identify_output[18] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 10, 0x03,
};

/* The notification that comes before the response is recorded, not lost. */
static void test_notification_while_waiting(void)
{
    ConnFixture fx;
    uint8_t request[64];
    size_t max_payload = 0;

    fixture_setup(&fx, 2000);
    peer_send(&fx, notification, sizeof(notification), -1);
    peer_respond(&fx, 1, 0x0001, identify_output, sizeof(identify_output), 0, -1);
    g_assert_true(tm_host_identify(&fx.conn, &max_payload, NULL));
    g_assert_cmpuint(max_payload, ==, 1024);
    g_assert_true(fx.conn.notified);
    g_assert_cmphex(fx.conn.notified_logs, ==, 0x10);

    /* What the host sent: Identify, tag 1, no payload. */
    static const uint8_t expected[] = { 0x08, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
                                        0x00, 0x00, 0x00, 0x00 };
    g_assert_cmpint(recv(fx.peer, request, sizeof(request), 0), ==, sizeof(expected));
    g_assert_cmpmem(request, sizeof(expected), expected, sizeof(expected));

    g_assert_true(tm_host_conn_take_notification(&fx.conn));
    g_assert_false(tm_host_conn_take_notification(&fx.conn));
    fixture_teardown(&fx);
}

/* A late response (tag of an earlier request) is dropped; the right one is taken. */
static void test_stale_response_dropped(void)
{
    ConnFixture fx;
    size_t max_payload = 0;

    fixture_setup(&fx, 2000);
    peer_respond(&fx, 200, 0x0001, identify_output, sizeof(identify_output), 0, -1);
    peer_respond(&fx, 1, 0x0001, identify_output, sizeof(identify_output), 0, -1);
    g_assert_true(tm_host_identify(&fx.conn, &max_payload, NULL));
    g_assert_cmpuint(fx.conn.next_tag, ==, 2);
    fixture_teardown(&fx);
}

typedef struct {
    const char *name;
    uint8_t tag;
    uint16_t opcode;
    uint16_t rc;
    int timeout_ms;
    bool close_peer;
    bool fm_api_type;
    int expected_code;
    const char *fragment;
} CallFaultRow;

static const CallFaultRow call_faults[] = {
    { "refused", 1, 0x0001, 0x03, 2000, false, false, EREMOTEIO,
      "the device refused request 0001h: return code 03h" },
    { "other opcode", 1, 0x0100, 0x00, 2000, false, false, EPROTO,
      "response opcode 0100h does not echo request opcode 0001h" },
    { "timeout", 0, 0, 0, 50, false, false, ETIMEDOUT,
      "no response to request 0001h (tag 1) within 50 ms" },
    { "peer closed", 0, 0, 0, 2000, true, false, ECONNRESET,
      "the daemon closed the CCI connection" },
    { "bad framing", 1, 0x0001, 0x00, 2000, false, true, EPROTO,
      "MCTP message type 0x07 is not CXL CCI" },
};

static void test_call_fault(gconstpointer data)
{
    const CallFaultRow *row = data;
    g_autoptr(GError) err = NULL;
    ConnFixture fx;
    size_t max_payload = 0;

    fixture_setup(&fx, row->timeout_ms);
    if (row->close_peer) {
        close(fx.peer);
        fx.peer = -1;
    } else if (row->tag != 0) {
        uint8_t packet[13 + sizeof(identify_output)];

        response_header(packet, row->tag, row->opcode, sizeof(identify_output), row->rc);
        memcpy(packet + 13, identify_output, sizeof(identify_output));
        if (row->fm_api_type) {
            packet[0] = 0x07;
        }
        peer_send(&fx, packet, sizeof(packet), -1);
    }
    g_assert_false(tm_host_identify(&fx.conn, &max_payload, &err));
    g_assert_error(err, TM_HOST_ERROR, row->expected_code);
    if (strstr(err->message, row->fragment) == NULL) {
        g_error("%s: '%s' lacks '%s'", row->name, err->message, row->fragment);
    }
    if (row->expected_code == EREMOTEIO) {
        g_assert_cmphex(fx.conn.last_return_code, ==, row->rc);
    }
    fixture_teardown(&fx);
}

/* The protection of the mapping that holds @addr, from /proc/self/maps ("rw-s", "---p"). */
static char *protection_at(const void *addr)
{
    g_autofree char *maps = NULL;

    g_assert_true(g_file_get_contents("/proc/self/maps", &maps, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(maps, "\n", -1);
    for (char **line = lines; *line != NULL; line++) {
        unsigned long start, end;
        char prot[5];

        if (sscanf(*line, "%lx-%lx %4s", &start, &end, prot) == 3 &&
            (uintptr_t)addr >= start && (uintptr_t)addr < end) {
            return g_strdup(prot);
        }
    }
    return g_strdup("unmapped");
}

/*
 * C001h: the descriptor arrives with the response, is mapped MAP_SHARED at
 * the window, shows what the file holds, and turns PROT_NONE (still
 * reserved) when made inaccessible.
 */
static void test_extent_memory_descriptor(void)
{
    const uint64_t length = 2u << 20;
    ConnFixture fx;
    TmHostExtentMemory memory;
    uint8_t *window = NULL;
    uint8_t request[64];

    fixture_setup(&fx, 2000);
    int memfd = memfd_create("extent", MFD_CLOEXEC);
    g_assert_cmpint(memfd, >=, 0);
    g_assert_cmpint(ftruncate(memfd, 3 * length), ==, 0);
    g_assert_cmpint(pwrite(memfd, "tagged", 6, length), ==, 6);

    uint8_t output[24] = { 0 };
    uint64_t file_offset = htole64(length);
    uint64_t le_length = htole64(length);
    memcpy(output, &file_offset, 8);
    memcpy(output + 8, &le_length, 8);
    output[16] = 0x03;                      /* writable, tagged */
    peer_respond(&fx, 1, 0xC001, output, sizeof(output), 0, memfd);
    close(memfd);                           /* the host holds its own copy now */

    g_assert_true(tm_host_get_extent_memory(&fx.conn, 0x10000000, length, &memory, NULL));
    g_assert_cmpint(memory.fd, >=, 0);
    g_assert_cmphex(memory.file_offset, ==, length);
    g_assert_cmphex(memory.flags, ==, 0x03);
    g_assert_cmpint(recv(fx.peer, request, sizeof(request), 0), ==, 13 + 16);
    g_assert_cmphex(request[4], ==, 0x01);
    g_assert_cmphex(request[5], ==, 0xC0);
    g_assert_cmphex(request[13 + 3], ==, 0x10); /* DPA 0x10000000 */

    g_assert_true(tm_host_reserve(4 * length, &window, NULL));
    g_assert_cmpuint((uintptr_t)window % (1u << 30), ==, 0);
    g_assert_true(tm_host_map_fd(window + length, length, true, memory.fd, memory.file_offset,
                                 NULL));
    close(memory.fd);
    g_assert_cmpmem(window + length, 6, "tagged", 6);
    window[length + 6] = '!';               /* shared: lands in the file */
    g_autofree char *prot_mapped = protection_at(window + length);
    g_assert_cmpstr(prot_mapped, ==, "rw-s");
    g_autofree char *prot_around = protection_at(window);
    g_assert_cmpstr(prot_around, ==, "---p");

    g_assert_true(tm_host_make_inaccessible(window + length, length, NULL));
    g_autofree char *prot_after = protection_at(window + length);
    g_assert_cmpstr(prot_after, ==, "---p");
    tm_host_unreserve(window, 4 * length);
    fixture_teardown(&fx);
}

/* Waiting: a notification ends the wait; a timeout without one is not an error. */
static void test_wait_notification(void)
{
    ConnFixture fx;
    bool notified = true;

    fixture_setup(&fx, 2000);
    g_assert_true(tm_host_conn_wait_notification(&fx.conn, 20, &notified, NULL));
    g_assert_false(notified);
    /* A late response is dropped while waiting. */
    peer_respond(&fx, 77, 0x0001, identify_output, sizeof(identify_output), 0, -1);
    peer_send(&fx, notification, sizeof(notification), -1);
    g_assert_true(tm_host_conn_wait_notification(&fx.conn, 2000, &notified, NULL));
    g_assert_true(notified);
    g_assert_true(tm_host_conn_take_notification(&fx.conn));
    g_assert_true(tm_host_conn_wait_notification(&fx.conn, 0, &notified, NULL));
    g_assert_false(notified);
    fixture_teardown(&fx);
}

/* libtagmem finds host0.sock where the daemon puts it, by the same rule. */
static void test_default_socket(void)
{
    g_autofree char *saved = g_strdup(g_getenv("XDG_RUNTIME_DIR"));
    g_autofree char *fallback = g_strdup_printf("/tmp/tagmem-%u/host0.sock", (unsigned)getuid());

    g_setenv("XDG_RUNTIME_DIR", "/run/user/4242", TRUE);
    g_autofree char *absolute = tagmem_host_default_socket();
    g_assert_cmpstr(absolute, ==, "/run/user/4242/tagmem/host0.sock");
    /* A relative value is ignored, as by the daemon (core/runtime_dir.c). */
    g_setenv("XDG_RUNTIME_DIR", "relative/dir", TRUE);
    g_autofree char *relative = tagmem_host_default_socket();
    g_assert_cmpstr(relative, ==, fallback);
    g_setenv("XDG_RUNTIME_DIR", "", TRUE);
    g_autofree char *empty = tagmem_host_default_socket();
    g_assert_cmpstr(empty, ==, fallback);
    if (saved) {
        g_setenv("XDG_RUNTIME_DIR", saved, TRUE);
    } else {
        g_unsetenv("XDG_RUNTIME_DIR");
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/conn/notification-while-waiting", test_notification_while_waiting);
    g_test_add_func("/host/conn/stale-response-dropped", test_stale_response_dropped);
    for (size_t i = 0; i < G_N_ELEMENTS(call_faults); i++) {
        g_autofree char *path = g_strdup_printf("/host/conn/fault/%s", call_faults[i].name);

        g_test_add_data_func(path, &call_faults[i], test_call_fault);
    }
    g_test_add_func("/host/conn/extent-memory-descriptor", test_extent_memory_descriptor);
    g_test_add_func("/host/conn/wait-notification", test_wait_notification);
    g_test_add_func("/host/conn/default-socket", test_default_socket);
    return g_test_run();
}
