#include "packet_trace.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct TmTraceRecorder {
    int listen_fd;
    char *target_path;
    GThread *thread;
    GMutex lock;            /* guards recording and trace */
    bool recording;
    GArray *trace;
};

struct TmTraceEcho {
    int fd;
    const GArray *trace;
    int memfd;
    GThread *thread;
};

static void die_errno(const char *what)
{
    g_error("bench-host: %s: %s", what, g_strerror(errno));
}

static struct sockaddr_un unix_address(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_error("bench-host: socket path too long: %s", path);
    }
    strcpy(addr.sun_path, path);
    return addr;
}

void tm_trace_size_buffers(int fd)
{
    int size = TM_TRACE_SOCKET_BUFFER;

    /* Above net.core.[rw]mem_max Linux silently caps; the packets are smaller anyway. */
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

/* One packet and the descriptor that came with it (or -1); 0 bytes at end of stream. */
static ssize_t receive_packet(int fd, uint8_t *buffer, int *passed_fd)
{
    struct iovec iov = { .iov_base = buffer, .iov_len = TM_TRACE_MAX_PACKET };
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.space,
        .msg_controllen = sizeof(control.space),
    };
    ssize_t got;

    do {
        got = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    } while (got < 0 && errno == EINTR);
    if (got < 0) {
        die_errno("recvmsg");
    }
    if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
        g_error("bench-host: a packet or its descriptors did not fit the buffer");
    }
    *passed_fd = -1;
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    if (cmsg != NULL && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
        memcpy(passed_fd, CMSG_DATA(cmsg), sizeof(int));
    }
    return got;
}

static void send_packet(int fd, const uint8_t *bytes, size_t size, int pass_fd)
{
    struct iovec iov = { .iov_base = (void *)bytes, .iov_len = size };
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    ssize_t sent;

    if (pass_fd >= 0) {
        memset(&control, 0, sizeof(control));
        msg.msg_control = control.space;
        msg.msg_controllen = sizeof(control.space);
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &pass_fd, sizeof(int));
    }
    do {
        sent = sendmsg(fd, &msg, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    if (sent != (ssize_t)size) {
        die_errno("sendmsg");
    }
}

static void record(TmTraceRecorder *recorder, TmTraceKind kind, size_t size, bool has_fd)
{
    TmTraceEntry entry = { .kind = kind, .size = (uint32_t)size, .has_fd = has_fd };

    g_mutex_lock(&recorder->lock);
    if (recorder->recording) {
        g_array_append_val(recorder->trace, entry);
    }
    g_mutex_unlock(&recorder->lock);
}

static int connect_target(const char *path)
{
    struct sockaddr_un addr = unix_address(path);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        die_errno(path);
    }
    tm_trace_size_buffers(fd);
    return fd;
}

/*
 * Relay one packet from @from to @to, recorded as @kind.  The packet is
 * recorded before it is sent on, so that whatever the client has
 * received is in the trace by the time the client can add a mark.
 */
static bool relay_one(TmTraceRecorder *recorder, int from, int to, TmTraceKind kind,
                      uint8_t *buffer)
{
    int passed_fd;
    ssize_t size = receive_packet(from, buffer, &passed_fd);

    if (size == 0) {
        return false;
    }
    record(recorder, kind, (size_t)size, passed_fd >= 0);
    send_packet(to, buffer, (size_t)size, passed_fd);
    if (passed_fd >= 0) {
        close(passed_fd);
    }
    return true;
}

/* Relay until either side closes its end. */
static gpointer run_recorder(gpointer data)
{
    TmTraceRecorder *recorder = data;
    g_autofree uint8_t *buffer = g_malloc(TM_TRACE_MAX_PACKET);
    int client = accept4(recorder->listen_fd, NULL, NULL, SOCK_CLOEXEC);

    if (client < 0) {
        die_errno("accept");
    }
    tm_trace_size_buffers(client);
    int daemon = connect_target(recorder->target_path);
    struct pollfd fds[2] = { { .fd = client, .events = POLLIN }, { .fd = daemon, .events = POLLIN } };
    bool open = true;

    while (open) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            die_errno("poll");
        }
        if (fds[0].revents != 0) {
            open = relay_one(recorder, client, daemon, TM_TRACE_TO_DEVICE, buffer);
        } else if (fds[1].revents != 0) {
            open = relay_one(recorder, daemon, client, TM_TRACE_FROM_DEVICE, buffer);
        }
    }
    close(daemon);
    close(client);
    return NULL;
}

TmTraceRecorder *tm_trace_recorder_start(const char *listen_path, const char *target_path)
{
    TmTraceRecorder *recorder = g_new0(TmTraceRecorder, 1);
    struct sockaddr_un addr = unix_address(listen_path);

    recorder->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (recorder->listen_fd < 0 ||
        bind(recorder->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        listen(recorder->listen_fd, 1) != 0) {
        die_errno(listen_path);
    }
    recorder->target_path = g_strdup(target_path);
    recorder->trace = g_array_new(FALSE, FALSE, sizeof(TmTraceEntry));
    g_mutex_init(&recorder->lock);
    recorder->thread = g_thread_new("trace-recorder", run_recorder, recorder);
    return recorder;
}

void tm_trace_recorder_begin(TmTraceRecorder *recorder)
{
    g_mutex_lock(&recorder->lock);
    g_array_set_size(recorder->trace, 0);
    recorder->recording = true;
    g_mutex_unlock(&recorder->lock);
}

void tm_trace_recorder_mark(TmTraceRecorder *recorder, TmTraceKind mark)
{
    record(recorder, mark, 0, false);
}

GArray *tm_trace_recorder_finish(TmTraceRecorder *recorder)
{
    GArray *trace;

    g_mutex_lock(&recorder->lock);
    recorder->recording = false;
    g_mutex_unlock(&recorder->lock);
    g_thread_join(recorder->thread);
    close(recorder->listen_fd);
    trace = recorder->trace;
    g_mutex_clear(&recorder->lock);
    g_free(recorder->target_path);
    g_free(recorder);
    return trace;
}

void tm_trace_send(int fd, const uint8_t *buffer, uint32_t size, int pass_fd)
{
    if (size > TM_TRACE_MAX_PACKET) {
        g_error("bench-host: a %u-byte packet is larger than %u", size, TM_TRACE_MAX_PACKET);
    }
    send_packet(fd, buffer, size, pass_fd);
}

uint32_t tm_trace_receive(int fd, uint8_t *buffer, int *passed_fd)
{
    ssize_t size = receive_packet(fd, buffer, passed_fd);

    if (size == 0) {
        g_error("bench-host: the floor's peer closed its end");
    }
    return (uint32_t)size;
}

/* One round of @echo's trace; false when the peer has closed its end. */
static bool echo_round(TmTraceEcho *echo, uint8_t *buffer)
{
    for (guint i = 0; i < echo->trace->len; i++) {
        const TmTraceEntry *entry = &g_array_index(echo->trace, TmTraceEntry, i);
        int passed_fd;

        if (entry->kind == TM_TRACE_TO_DEVICE) {
            ssize_t size = receive_packet(echo->fd, buffer, &passed_fd);
            if (size == 0) {
                return false;
            }
            if ((uint32_t)size != entry->size) {
                g_error("bench-host: the floor's echo got %zd bytes where the trace has %u",
                        size, entry->size);
            }
        } else if (entry->kind == TM_TRACE_FROM_DEVICE) {
            tm_trace_send(echo->fd, buffer, entry->size, entry->has_fd ? echo->memfd : -1);
        }
    }
    return true;
}

static gpointer run_echo(gpointer data)
{
    TmTraceEcho *echo = data;
    g_autofree uint8_t *buffer = g_malloc0(TM_TRACE_MAX_PACKET);

    while (echo_round(echo, buffer)) {
    }
    return NULL;
}

TmTraceEcho *tm_trace_echo_start(int fd, const GArray *trace, int memfd)
{
    TmTraceEcho *echo = g_new0(TmTraceEcho, 1);

    echo->fd = fd;
    echo->trace = trace;
    echo->memfd = memfd;
    echo->thread = g_thread_new("trace-echo", run_echo, echo);
    return echo;
}

void tm_trace_echo_join(TmTraceEcho *echo)
{
    g_thread_join(echo->thread);
    close(echo->fd);
    g_free(echo);
}

void tm_trace_totals(const GArray *trace, guint *packets, uint64_t *bytes, guint *fds)
{
    *packets = 0;
    *bytes = 0;
    *fds = 0;
    for (guint i = 0; i < trace->len; i++) {
        const TmTraceEntry *entry = &g_array_index(trace, TmTraceEntry, i);

        if (entry->kind == TM_TRACE_TO_DEVICE || entry->kind == TM_TRACE_FROM_DEVICE) {
            *packets += 1;
            *bytes += entry->size;
            *fds += entry->has_fd;
        }
    }
}
