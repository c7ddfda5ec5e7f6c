#include "host/host_conn.h"

#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "host/host_error.h"
#include "host/host_message.h"

#define PACKET_BUFFER_SIZE (TM_CCI_MESSAGE_HEADER_SIZE + TM_CCI_MAX_PAYLOAD_LENGTH)
/* A response carries at most one descriptor; room for a few more to close them. */
#define MAX_FDS_PER_PACKET 4
#define NO_DEADLINE G_MININT64

/*
 * Linux refuses a datagram longer than the socket's send buffer less 32
 * bytes (EMSGSIZE), and the default buffer (about 208 KiB) is smaller than
 * a 1 MiB message: grow it, and return the request payload it now takes.
 * The kernel doubles the value asked for and caps it at twice
 * net.core.wmem_max, so the grant may still be less than a full message.
 */
#define SEND_BUFFER_OVERHEAD 32
#define SEND_BUFFER_SLACK 64

static size_t fit_send_buffer(int fd)
{
    int wanted = PACKET_BUFFER_SIZE + SEND_BUFFER_OVERHEAD + SEND_BUFFER_SLACK;
    int granted = 0;
    socklen_t length = sizeof(granted);
    size_t reserve = TM_CCI_MESSAGE_HEADER_SIZE + SEND_BUFFER_OVERHEAD + SEND_BUFFER_SLACK;

    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &wanted, sizeof(wanted)) < 0 ||
        getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &granted, &length) < 0 ||
        (size_t)granted <= reserve) {
        return 0;
    }
    return MIN((size_t)granted - reserve, (size_t)TM_CCI_MAX_PAYLOAD_LENGTH);
}

bool tm_host_conn_open(TmHostConn *conn, const char *path, int timeout_ms,
                       const TmHostLogger *logger, GError **err)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_set_error(err, TM_HOST_ERROR, ENAMETOOLONG,
                    "socket path '%s' is longer than %zu bytes", path, sizeof(addr.sun_path) - 1);
        return false;
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int saved = errno;
        g_set_error(err, TM_HOST_ERROR, saved, "socket(AF_UNIX, SOCK_SEQPACKET): %s",
                    g_strerror(saved));
        return false;
    }
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        int saved = errno;
        g_set_error(err, TM_HOST_ERROR, saved, "connect to '%s': %s", path, g_strerror(saved));
        close(fd);
        return false;
    }
    *conn = (TmHostConn){
        .fd = fd,
        .packet = g_malloc(PACKET_BUFFER_SIZE),
        .next_tag = 1,
        .timeout_ms = timeout_ms,
        .logger = logger,
        .max_request_payload = fit_send_buffer(fd),
    };
    return true;
}

void tm_host_conn_close(TmHostConn *conn)
{
    if (conn->fd >= 0) {
        close(conn->fd);
        conn->fd = -1;
    }
    g_clear_pointer(&conn->packet, g_free);
}

static gint64 deadline_after(int timeout_ms)
{
    return timeout_ms < 0 ? NO_DEADLINE : g_get_monotonic_time() + (gint64)timeout_ms * 1000;
}

static int milliseconds_until(gint64 deadline)
{
    if (deadline == NO_DEADLINE) {
        return -1;
    }
    gint64 left_us = deadline - g_get_monotonic_time();
    return left_us <= 0 ? 0 : (int)MIN((left_us + 999) / 1000, G_MAXINT);
}

/* *ready: a packet (or a hang-up) is there before @deadline. */
static bool wait_readable(TmHostConn *conn, gint64 deadline, bool *ready, GError **err)
{
    struct pollfd pfd = { .fd = conn->fd, .events = POLLIN };

    for (;;) {
        int n = poll(&pfd, 1, milliseconds_until(deadline));
        if (n >= 0) {
            *ready = n > 0;
            return true;
        }
        if (errno != EINTR) {
            int saved = errno;
            g_set_error(err, TM_HOST_ERROR, saved, "poll on the CCI socket: %s",
                        g_strerror(saved));
            return false;
        }
    }
}

static void close_received_fds(struct msghdr *msg, int *first_fd)
{
    *first_fd = -1;
    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL; cmsg = CMSG_NXTHDR(msg, cmsg)) {
        if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) {
            continue;
        }
        size_t n_fds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n_fds; i++) {
            int fd;

            memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
            if (*first_fd < 0) {
                *first_fd = fd;
            } else {
                close(fd);
            }
        }
    }
}

/*
 * Receive the packet that is waiting: its length and the first descriptor
 * that came with it (-1 if none; others are closed).
 */
static bool receive_packet(TmHostConn *conn, size_t *len, int *fd, GError **err)
{
    union {
        struct cmsghdr align;
        char bytes[CMSG_SPACE(sizeof(int) * MAX_FDS_PER_PACKET)];
    } control;
    struct iovec iov = { .iov_base = conn->packet, .iov_len = PACKET_BUFFER_SIZE };
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.bytes,
        .msg_controllen = sizeof(control.bytes),
    };
    ssize_t n;

    do {
        n = recvmsg(conn->fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == ECONNRESET) {
        g_set_error(err, TM_HOST_ERROR, ECONNRESET, "the daemon closed the CCI connection");
        return false;
    }
    if (n < 0) {
        int saved = errno;
        g_set_error(err, TM_HOST_ERROR, saved, "receive from the CCI socket: %s",
                    g_strerror(saved));
        return false;
    }
    close_received_fds(&msg, fd);
    if (n == 0) {
        g_set_error(err, TM_HOST_ERROR, ECONNRESET, "the daemon closed the CCI connection");
    } else if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
        g_set_error(err, TM_HOST_ERROR, EPROTO,
                    "packet larger than %d bytes or with too many descriptors",
                    PACKET_BUFFER_SIZE);
    } else {
        *len = (size_t)n;
        return true;
    }
    if (*fd >= 0) {
        close(*fd);
    }
    return false;
}

/* Hosts never receive requests but notifications (docs/host-protocol.md). */
static void note_request(TmHostConn *conn, const TmCciHeader *header)
{
    TmHostNotification notification;
    g_autoptr(GError) local = NULL;

    if (!tm_host_notification_decode(header, conn->packet + TM_CCI_MESSAGE_HEADER_SIZE,
                                     &notification, &local)) {
        tm_host_log(conn->logger, TAGMEM_LOG_WARNING, "ignored a request: %s", local->message);
        return;
    }
    tm_host_log(conn->logger, TAGMEM_LOG_DEBUG,
                "notification: logs 0x%02x gained records, %u in the DC log",
                notification.log_bitmap, notification.dc_record_count);
    conn->notified = true;
    conn->notified_logs |= notification.log_bitmap;
}

/*
 * The next packet before @deadline, decoded (*header), with its descriptor;
 * *timed_out when none came.
 */
static bool next_packet(TmHostConn *conn, gint64 deadline, TmCciHeader *header, int *fd,
                        bool *timed_out, GError **err)
{
    bool ready = false;
    size_t len = 0;

    *fd = -1;
    if (!wait_readable(conn, deadline, &ready, err)) {
        return false;
    }
    *timed_out = !ready;
    if (!ready) {
        return true;
    }
    if (!receive_packet(conn, &len, fd, err)) {
        return false;
    }
    if (!tm_host_packet_decode(conn->packet, len, header, err)) {
        if (*fd >= 0) {
            close(*fd);
            *fd = -1;
        }
        return false;
    }
    return true;
}

static bool send_request(TmHostConn *conn, uint8_t tag, uint16_t opcode, const void *payload,
                         size_t payload_len, GError **err)
{
    uint8_t header[TM_CCI_MESSAGE_HEADER_SIZE];
    struct iovec iov[2] = {
        { .iov_base = header, .iov_len = sizeof(header) },
        { .iov_base = (void *)payload, .iov_len = payload_len },
    };
    struct msghdr msg = { .msg_iov = iov, .msg_iovlen = payload_len > 0 ? 2 : 1 };
    ssize_t n;

    if (payload_len > TM_CCI_MAX_PAYLOAD_LENGTH) {
        g_set_error(err, TM_HOST_ERROR, EMSGSIZE,
                    "request %04Xh payload of %zu bytes exceeds the 20-bit length field",
                    opcode, payload_len);
        return false;
    }
    tm_host_request_header_encode(tag, opcode, (uint32_t)payload_len, header);
    do {
        n = sendmsg(conn->fd, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
        g_set_error(err, TM_HOST_ERROR, ECONNRESET,
                    "the daemon closed the CCI connection (sending request %04Xh)", opcode);
        return false;
    }
    if (n < 0) {
        int saved = errno;
        g_set_error(err, TM_HOST_ERROR, saved, "send request %04Xh: %s", opcode,
                    g_strerror(saved));
        return false;
    }
    return true;
}

static uint8_t take_tag(TmHostConn *conn)
{
    uint8_t tag = conn->next_tag;

    /* Tag 0 is the notifications'; requests use 1..255. */
    conn->next_tag = tag == 255 ? 1 : tag + 1;
    return tag;
}

static void close_fd(int fd)
{
    if (fd >= 0) {
        close(fd);
    }
}

bool tm_host_conn_call(TmHostConn *conn, uint16_t opcode, const void *payload,
                       size_t payload_len, TmHostReply *reply, GError **err)
{
    uint8_t tag = take_tag(conn);

    if (!send_request(conn, tag, opcode, payload, payload_len, err)) {
        return false;
    }
    gint64 deadline = deadline_after(conn->timeout_ms);
    for (;;) {
        TmCciHeader header;
        bool timed_out = false;
        int fd = -1;

        if (!next_packet(conn, deadline, &header, &fd, &timed_out, err)) {
            return false;
        }
        if (timed_out) {
            g_set_error(err, TM_HOST_ERROR, ETIMEDOUT,
                        "no response to request %04Xh (tag %u) within %d ms", opcode, tag,
                        conn->timeout_ms);
            return false;
        }
        if (header.category == TM_CCI_CATEGORY_REQUEST) {
            note_request(conn, &header);
            close_fd(fd);
            continue;
        }
        if (header.tag != tag) {
            /* The answer to a request that timed out earlier. */
            tm_host_log(conn->logger, TAGMEM_LOG_DEBUG,
                        "dropped a late response (tag %u, opcode %04Xh)", header.tag,
                        header.opcode);
            close_fd(fd);
            continue;
        }
        if (!tm_host_response_matches(&header, tag, opcode, err)) {
            close_fd(fd);
            return false;
        }
        if (header.return_code != TM_CXL_RC_SUCCESS) {
            close_fd(fd);
            conn->last_return_code = header.return_code;
            g_set_error(err, TM_HOST_ERROR, EREMOTEIO,
                        "the device refused request %04Xh: return code %02Xh", opcode,
                        header.return_code);
            return false;
        }
        *reply = (TmHostReply){
            .payload = conn->packet + TM_CCI_MESSAGE_HEADER_SIZE,
            .payload_len = header.payload_length,
            .fd = fd,
        };
        return true;
    }
}

bool tm_host_conn_wait_notification(TmHostConn *conn, int timeout_ms, bool *notified,
                                    GError **err)
{
    gint64 deadline = deadline_after(timeout_ms);

    for (;;) {
        TmCciHeader header;
        bool timed_out = false;
        int fd = -1;

        /* Once notified, only take what has already arrived. */
        if (!next_packet(conn, conn->notified ? g_get_monotonic_time() : deadline, &header,
                         &fd, &timed_out, err)) {
            return false;
        }
        if (timed_out) {
            break;
        }
        close_fd(fd);
        if (header.category == TM_CCI_CATEGORY_REQUEST) {
            note_request(conn, &header);
        } else {
            tm_host_log(conn->logger, TAGMEM_LOG_DEBUG,
                        "dropped a late response (tag %u, opcode %04Xh)", header.tag,
                        header.opcode);
        }
    }
    *notified = conn->notified;
    return true;
}

bool tm_host_conn_take_notification(TmHostConn *conn)
{
    bool notified = conn->notified;

    conn->notified = false;
    conn->notified_logs = 0;
    return notified;
}
