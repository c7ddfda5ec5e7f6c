#include "cci_client.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CALL_TIMEOUT_MS 15000
/* Larger than any packet the daemon sends: header + 1 MiB - 1. */
#define RECEIVE_SIZE (TM_TEST_CCI_HEADER_SIZE + (1u << 20))

uint16_t tm_test_le16(const uint8_t *bytes)
{
    return (uint16_t)(bytes[0] | bytes[1] << 8);
}

uint32_t tm_test_le32(const uint8_t *bytes)
{
    return tm_test_le16(bytes) | (uint32_t)tm_test_le16(bytes + 2) << 16;
}

uint64_t tm_test_le64(const uint8_t *bytes)
{
    return tm_test_le32(bytes) | (uint64_t)tm_test_le32(bytes + 4) << 32;
}

int tm_test_cci_try_connect(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpuint(strlen(path), <, sizeof(addr.sun_path));
    strcpy(addr.sun_path, path);
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int tm_test_cci_connect(const char *path)
{
    int fd = tm_test_cci_try_connect(path);

    if (fd < 0) {
        g_error("cannot connect to CCI socket %s: %s", path, g_strerror(errno));
    }
    return fd;
}

GByteArray *tm_test_cci_request(uint8_t mctp_type, uint8_t tag, uint16_t opcode,
                                const void *payload, size_t length)
{
    uint8_t header[TM_TEST_CCI_HEADER_SIZE] = {
        mctp_type,
        0x00,                       /* category: request */
        tag,
        0x00,
        (uint8_t)(opcode & 0xff),   /* command */
        (uint8_t)(opcode >> 8),     /* command set */
        (uint8_t)length, (uint8_t)(length >> 8), (uint8_t)((length >> 16) & 0x0f),
        0x00, 0x00, 0x00, 0x00,
    };
    GByteArray *packet = g_byte_array_sized_new(sizeof(header) + length);

    g_byte_array_append(packet, header, sizeof(header));
    if (length > 0) {
        g_byte_array_append(packet, payload, length);
    }
    return packet;
}

bool tm_test_cci_send(int fd, const void *packet, size_t length)
{
    ssize_t n;

    do {
        n = send(fd, packet, length, MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return false;
    }
    if (n < 0) {
        g_error("cannot send a %zu-byte CCI packet: %s", length, g_strerror(errno));
    }
    g_assert_cmpint(n, ==, (ssize_t)length);
    return true;
}

static bool wait_readable(int fd, int timeout_ms)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    int n;

    do {
        n = poll(&pfd, 1, timeout_ms);
    } while (n < 0 && errno == EINTR);
    g_assert_cmpint(n, >=, 0);
    return n > 0;
}

static void parse(TmTestCciPacket *out)
{
    const uint8_t *bytes = out->bytes->data;

    if (out->bytes->len < TM_TEST_CCI_HEADER_SIZE) {
        return;
    }
    out->mctp_type = bytes[0];
    out->category = bytes[1] & 0x0f;
    out->tag = bytes[2];
    out->opcode = (uint16_t)(bytes[5] << 8 | bytes[4]);
    out->payload_length = (bytes[6] | bytes[7] << 8 | (uint32_t)bytes[8] << 16) & 0xfffff;
    out->return_code = tm_test_le16(bytes + 9);
    out->payload = bytes + TM_TEST_CCI_HEADER_SIZE;
    out->payload_size = out->bytes->len - TM_TEST_CCI_HEADER_SIZE;
}

static int passed_fd(struct msghdr *msg)
{
    int fd = -1;

    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
        if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
            g_assert_cmpuint(cmsg->cmsg_len, ==, CMSG_LEN(sizeof(int)));
            memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
        }
    }
    return fd;
}

bool tm_test_cci_receive(int fd, int timeout_ms, TmTestCciPacket *out)
{
    union {
        struct cmsghdr header;
        char bytes[CMSG_SPACE(sizeof(int) * 4)];
    } control;
    g_autoptr(GByteArray) buffer = g_byte_array_sized_new(RECEIVE_SIZE);
    struct iovec iov = { .iov_base = buffer->data, .iov_len = RECEIVE_SIZE };
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = control.bytes, .msg_controllen = sizeof(control.bytes),
    };
    ssize_t n;

    memset(out, 0, sizeof(*out));
    out->fd = -1;
    if (!wait_readable(fd, timeout_ms)) {
        errno = ETIMEDOUT;
        return false;
    }
    do {
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        errno = ETIMEDOUT;
        return false;
    }
    if (n < 0 && errno == ECONNRESET) {
        n = 0;
    }
    g_assert_cmpint(n, >=, 0);
    g_assert_false(msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC));
    if (n == 0) {
        errno = 0;
        return false;
    }
    g_byte_array_set_size(buffer, (guint)n);
    out->bytes = g_steal_pointer(&buffer);
    out->fd = passed_fd(&msg);
    parse(out);
    return true;
}

bool tm_test_cci_closed_by_peer(int fd, int timeout_ms)
{
    TmTestCciPacket packet;
    gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000LL;

    for (;;) {
        int left = (int)MAX((deadline - g_get_monotonic_time()) / 1000, 0);
        if (!tm_test_cci_receive(fd, left, &packet)) {
            return errno == 0;
        }
        /* A notification may come first; a response would mean the request was served. */
        g_assert_cmpuint(packet.category, ==, 0);
        tm_test_cci_packet_clear(&packet);
    }
}

void tm_test_cci_packet_clear(TmTestCciPacket *packet)
{
    if (packet->bytes) {
        g_byte_array_unref(packet->bytes);
        packet->bytes = NULL;
    }
    if (packet->fd >= 0) {
        close(packet->fd);
        packet->fd = -1;
    }
}

void tm_test_cci_call(int fd, uint16_t opcode, const void *payload, size_t length,
                      TmTestCciPacket *response, guint *notifications)
{
    uint8_t tag = (uint8_t)g_random_int();
    uint8_t set = (uint8_t)(opcode >> 8);
    uint8_t type = set >= 0x51 && set <= 0x5f ? TM_TEST_CCI_TYPE_FM_API : TM_TEST_CCI_TYPE_CCI;
    g_autoptr(GByteArray) request = tm_test_cci_request(type, tag, opcode, payload, length);

    g_assert_true(tm_test_cci_send(fd, request->data, request->len));
    for (;;) {
        if (!tm_test_cci_receive(fd, CALL_TIMEOUT_MS, response)) {
            g_error("no response to %04Xh: %s", opcode,
                    errno == 0 ? "the daemon closed the connection" : "timeout");
        }
        if (response->category == 0) {
            if (notifications) {
                (*notifications)++;
            }
            tm_test_cci_packet_clear(response);
            continue;
        }
        break;
    }
    g_assert_cmpuint(response->bytes->len, >=, TM_TEST_CCI_HEADER_SIZE);
    g_assert_cmpuint(response->category, ==, 1);
    g_assert_cmpuint(response->mctp_type, ==, type);
    g_assert_cmpuint(response->tag, ==, tag);
    g_assert_cmphex(response->opcode, ==, opcode);
    g_assert_cmpuint(response->payload_length, ==, response->payload_size);
}

int tm_test_cci_connect_host(const char *path)
{
    int fd = tm_test_cci_connect(path);
    const uint8_t limit = 20;                       /* 2^20: as much as the socket takes */
    const uint8_t policy[5] = { 0, 0, 0, 0, 0x01 }; /* DC log: the notification packet */
    g_auto(TmTestCciPacket) response;
    g_auto(TmTestCciPacket) enabled;

    /* Both optional: a device without them (Unsupported) keeps its defaults, as in libtagmem. */
    tm_test_cci_call(fd, 0x0004, &limit, 1, &response, NULL);
    g_assert_true(response.return_code == 0 || response.return_code == 3);
    tm_test_cci_call(fd, 0x0103, policy, sizeof(policy), &enabled, NULL);
    g_assert_true(enabled.return_code == 0 || enabled.return_code == 3);
    return fd;
}
