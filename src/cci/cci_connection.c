#include "cci/cci_connection.h"

#include <errno.h>
#include <sys/mman.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cci/cci_server.h"
#include "cci/cxl_opcodes.h"

/*
 * Linux refuses a datagram longer than the socket's send buffer less 32
 * bytes (EMSGSIZE, net/unix/af_unix.c); keep a page more in hand.
 */
#define SEND_BUFFER_OVERHEAD 32
#define SEND_BUFFER_SLACK 4096

typedef enum {
    SEND_DONE,
    SEND_BLOCKED, /* the peer's queue is full: try again when writable */
    SEND_FAILED,  /* the connection is closed */
} SendResult;

struct TmCciConnection {
    int fd;
    guint id;
    TmDcd *dev;
    TmMailboxCaller caller;
    TmCciShared *shared;       /* borrowed */
    TmCciConnectionHooks hooks;
    /*
     * The reply being sent: its payload is in the shared reply buffer while
     * the request is served, then in a copy of its own (@reply_held) if it
     * has to wait for the socket.
     */
    TmCciFrameReply reply;
    bool reply_held;
    bool reply_waiting;
    uint8_t notification_logs; /* logs of a notification not yet sent, 0: none */
    uint8_t notification_flags;/* TM_VENDOR_NOTIFY_* of that notification, 0: none */
    TmFdWatch *watch;          /* the socket on the server's dispatcher */
    bool closed;
};

/* The held copy of a reply is gone (sent, or the connection closed). */
static void release_held_reply(TmCciConnection *connection)
{
    if (connection->reply_held) {
        connection->shared->held_bytes -= connection->reply.length;
        g_free(connection->reply.payload);
        connection->reply_held = false;
    }
    connection->reply.payload = connection->shared->reply_buffer;
}

static void connection_close(TmCciConnection *connection)
{
    if (connection->closed) {
        return;
    }
    release_held_reply(connection);
    connection->closed = true;
    g_clear_pointer(&connection->watch, tm_fd_watch_free);
    close(connection->fd);
    connection->fd = -1;
    if (connection->reply.fd >= 0) {
        close(connection->reply.fd);
        connection->reply.fd = -1;
    }
    connection->reply_waiting = false;
    connection->notification_logs = 0;
    connection->notification_flags = 0;
    connection->hooks.closed(connection, connection->hooks.opaque);
}

static SendResult send_packet(TmCciConnection *connection, struct iovec *iov, size_t n_iov,
                              int fd)
{
    union {
        struct cmsghdr header;
        char bytes[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr msg = { .msg_iov = iov, .msg_iovlen = n_iov };

    if (fd >= 0) {
        memset(&control, 0, sizeof(control));
        msg.msg_control = control.bytes;
        msg.msg_controllen = sizeof(control.bytes);
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    }
    for (;;) {
        if (sendmsg(connection->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
            return SEND_DONE;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return SEND_BLOCKED;
        }
        g_debug("CCI connection: cannot send: %s; closing it", g_strerror(errno));
        connection_close(connection);
        return SEND_FAILED;
    }
}

static SendResult send_reply(TmCciConnection *connection)
{
    TmCciFrameReply *reply = &connection->reply;
    struct iovec iov[2] = {
        { .iov_base = reply->header, .iov_len = sizeof(reply->header) },
        { .iov_base = reply->payload, .iov_len = reply->length },
    };
    SendResult result = send_packet(connection, iov, reply->length > 0 ? 2 : 1, reply->fd);

    if (result == SEND_DONE) {
        connection->reply_waiting = false;
        release_held_reply(connection);
        if (reply->fd >= 0) {
            close(reply->fd);
            reply->fd = -1;
        }
    }
    return result;
}

/*
 * The peer's socket is full: the reply leaves the shared buffer for a copy
 * of its own, within the server's budget for such copies.  False when the
 * budget is spent: the connection is closed.
 */
static bool hold_reply(TmCciConnection *connection)
{
    TmCciShared *shared = connection->shared;
    size_t length = connection->reply.length;

    if (shared->held_bytes + length > shared->held_budget) {
        g_warning("CCI connection %u does not read its replies and the replies waiting on all "
                  "connections (%zu bytes) would pass the budget of %zu with this one (%zu "
                  "bytes); closing it", connection->id, shared->held_bytes, shared->held_budget,
                  length);
        connection_close(connection);
        return false;
    }
    connection->reply.payload = g_memdup2(shared->reply_buffer, length);
    connection->reply_held = true;
    shared->held_bytes += length;
    return true;
}

static SendResult send_notification(TmCciConnection *connection)
{
    uint8_t packet[TM_CCI_NOTIFICATION_SIZE];
    /* The count is the log's when the packet leaves, not when it was owed. */
    TmEventLog *log = tm_dcd_host_event_log(connection->dev, connection->caller.host_id,
                                            TM_EVENT_LOG_DYNAMIC_CAPACITY);
    struct iovec iov = { .iov_base = packet, .iov_len = sizeof(packet) };

    tm_cci_notification_encode(connection->notification_logs, connection->notification_flags,
                               tm_event_log_count(log), packet);
    SendResult result = send_packet(connection, &iov, 1, -1);
    if (result == SEND_DONE) {
        connection->notification_logs = 0;
        connection->notification_flags = 0;
    }
    return result;
}

/* Send what waits, in order: the reply, then the notification. */
static SendResult flush(TmCciConnection *connection)
{
    if (connection->reply_waiting) {
        SendResult result = send_reply(connection);
        if (result != SEND_DONE) {
            return result;
        }
    }
    if (connection->notification_logs != 0 || connection->notification_flags != 0) {
        return send_notification(connection);
    }
    return SEND_DONE;
}

static bool output_waiting(const TmCciConnection *connection)
{
    return connection->reply_waiting || connection->notification_logs != 0 ||
           connection->notification_flags != 0;
}

/* Read only while nothing waits to be sent: a host that does not read holds one reply. */
static void update_events(TmCciConnection *connection)
{
    if (!connection->closed) {
        tm_fd_watch_set_interest(connection->watch,
                                 output_waiting(connection) ? G_IO_OUT : G_IO_IN);
    }
}

static uint8_t *map_buffer(size_t size)
{
    void *buffer = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (buffer == MAP_FAILED) {
        g_error("cannot map a %zu-byte CCI buffer: %s", size, g_strerror(errno));
    }
    return buffer;
}

void tm_cci_shared_init(TmCciShared *shared, size_t receive_size, size_t reply_size)
{
    *shared = (TmCciShared){
        .receive_buffer = map_buffer(receive_size),
        .receive_size = receive_size,
        .reply_buffer = map_buffer(reply_size),
        .reply_size = reply_size,
        .held_budget = TM_CCI_HELD_REPLY_BUDGET,
    };
}

void tm_cci_shared_clear(TmCciShared *shared)
{
    munmap(shared->receive_buffer, shared->receive_size);
    munmap(shared->reply_buffer, shared->reply_size);
}

/* Give back the pages of @buffer past the kept part that a message of @used bytes touched. */
static void release_tail(uint8_t *buffer, size_t size, size_t used)
{
    if (used > TM_CCI_SHARED_KEPT_BYTES) {
        madvise(buffer + TM_CCI_SHARED_KEPT_BYTES, MIN(used, size) - TM_CCI_SHARED_KEPT_BYTES,
                MADV_DONTNEED);
    }
}

/*
 * Receive one packet and answer it.  Returns false when there is nothing
 * more to do now (no packet, the reply is waiting, or the connection closed).
 */
static bool serve_one_packet(TmCciConnection *connection)
{
    struct iovec iov = { .iov_base = connection->shared->receive_buffer,
                         .iov_len = connection->shared->receive_size };
    /* No control buffer: descriptors a client sends are dropped by the kernel. */
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    g_autoptr(GError) err = NULL;
    ssize_t n;

    do {
        /* MSG_TRUNC: the packet's real length, even when longer than the buffer. */
        n = recvmsg(connection->fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return false;
    }
    if (n <= 0) {
        /* End of stream, an error, or an empty packet (shorter than any header). */
        connection_close(connection);
        return false;
    }
    size_t received = MIN((size_t)n, connection->shared->receive_size);
    TmCciFrameVerdict verdict = tm_cci_frame_serve(connection->dev, &connection->caller,
                                                   connection->shared->receive_buffer, received,
                                                   (size_t)n, &connection->reply, &err);
    if (verdict == TM_CCI_FRAME_CLOSE) {
        g_debug("CCI connection: %s; closing it", err->message);
        connection_close(connection);
        return false;
    }
    if (err) {
        g_debug("CCI %04Xh: %s (%s)", connection->reply.request.opcode,
                tm_cxl_return_code_name(connection->reply.return_code), err->message);
    }
    connection->reply_waiting = true;
    connection->hooks.served(connection, &connection->reply, connection->hooks.opaque);
    SendResult result = flush(connection);
    if (result == SEND_BLOCKED && connection->reply_waiting) {
        hold_reply(connection);
    }
    /* Both buffers are free again: the packet is served, its reply sent or copied out. */
    release_tail(connection->shared->receive_buffer, connection->shared->receive_size, received);
    release_tail(connection->shared->reply_buffer, connection->shared->reply_size,
                 connection->reply.length);
    return result == SEND_DONE;
}

static void on_ready(GIOCondition revents, void *opaque)
{
    TmCciConnection *connection = opaque;

    if (output_waiting(connection) && flush(connection) != SEND_DONE) {
        update_events(connection);
        return;
    }
    if (revents & (G_IO_IN | G_IO_HUP | G_IO_ERR)) {
        /* Fairness: a few packets, then the other connections' turn. */
        for (int i = 0; i < TM_CCI_SERVER_PACKETS_PER_TURN; i++) {
            if (!serve_one_packet(connection)) {
                break;
            }
        }
    }
    update_events(connection);
}

static uint32_t largest_power_of_two_at_most(size_t value)
{
    uint32_t power = 1;

    while ((size_t)power * 2 <= value) {
        power *= 2;
    }
    return power;
}

/*
 * Grow the send buffer so that one reply of @max_payload fits, and return
 * the max payload the buffer the kernel granted allows (a power of two,
 * never below the mailbox minimum).
 */
static uint32_t fit_send_buffer(int fd, uint32_t max_payload)
{
    size_t limit = MIN((size_t)max_payload, (size_t)TM_CCI_MAX_PAYLOAD_LENGTH);
    size_t reserve = TM_CCI_MESSAGE_HEADER_SIZE + SEND_BUFFER_OVERHEAD + SEND_BUFFER_SLACK;
    int wanted = (int)(limit + reserve);
    int granted = 0;
    socklen_t length = sizeof(granted);

    /* The kernel doubles the value and caps it at twice net.core.wmem_max. */
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &wanted, sizeof(wanted)) < 0 ||
        getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &granted, &length) < 0) {
        g_debug("CCI connection: cannot size its send buffer: %s", g_strerror(errno));
        return max_payload;
    }
    size_t room = (size_t)granted > reserve ? (size_t)granted - reserve : 0;
    if (room >= limit) {
        return max_payload;
    }
    uint32_t fitted = MAX(largest_power_of_two_at_most(room), TM_MAILBOX_MIN_MAX_PAYLOAD);
    g_debug("CCI connection: a %d-byte send buffer limits its payloads to %u bytes "
            "(raise net.core.wmem_max for %u)", granted, fitted, max_payload);
    return fitted;
}

TmCciConnection *tm_cci_connection_new(TmFdDispatcher *dispatcher, int fd, TmDcd *dev,
                                       const TmMailboxCaller *caller, TmCciShared *shared,
                                       guint id, const TmCciConnectionHooks *hooks,
                                       GError **err)
{
    TmCciConnection *connection = g_new0(TmCciConnection, 1);

    connection->watch = tm_fd_watch_new(dispatcher, fd, G_IO_IN, on_ready, connection, err);
    if (connection->watch == NULL) {
        g_free(connection);
        return NULL;
    }
    connection->fd = fd;
    connection->id = id;
    connection->dev = dev;
    connection->caller = *caller;
    connection->caller.connection_id = id;
    connection->caller.max_payload = fit_send_buffer(fd, caller->max_payload);
    connection->shared = shared;
    connection->hooks = *hooks;
    connection->reply.payload = shared->reply_buffer;
    connection->reply.fd = -1;
    return connection;
}

void tm_cci_connection_free(TmCciConnection *connection)
{
    if (connection == NULL) {
        return;
    }
    if (!connection->closed) {
        tm_fd_watch_free(connection->watch);
        close(connection->fd);
        if (connection->reply.fd >= 0) {
            close(connection->reply.fd);
        }
    }
    release_held_reply(connection);
    g_free(connection);
}

const TmMailboxCaller *tm_cci_connection_caller(const TmCciConnection *connection)
{
    return &connection->caller;
}

void tm_cci_connection_notify(TmCciConnection *connection, uint8_t log_bitmap, uint8_t flags)
{
    if (connection->closed) {
        return;
    }
    bool was_waiting = output_waiting(connection);

    connection->notification_logs |= log_bitmap;
    connection->notification_flags |= flags;
    /* Behind a reply that waits, it goes when the socket drains. */
    if (!was_waiting) {
        flush(connection);
    }
    update_events(connection);
}
