#include "mailbox_server.h"

#include <endian.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "cci/cci_message.h"
#include "cci/cxl_opcodes.h"

#define PACKET_SIZE (TM_CCI_MESSAGE_HEADER_SIZE + TM_CCI_MAX_PAYLOAD_LENGTH)

/* Wait for @fd to be readable; false when asked to stop. */
static bool wait_or_stop(MailboxServer *server, int fd)
{
    struct pollfd pfds[2] = {
        { .fd = fd, .events = POLLIN },
        { .fd = server->stop_pipe[0], .events = POLLIN },
    };

    while (poll(pfds, 2, -1) < 0) {
        g_assert_cmpint(errno, ==, EINTR);
    }
    return (pfds[1].revents & POLLIN) == 0;
}

/* One packet, with @fd (if >= 0) as SCM_RIGHTS; the descriptor is closed once sent. */
static void send_response(int fd, const uint8_t *packet, size_t len, int passed_fd)
{
    union {
        struct cmsghdr align;
        char bytes[CMSG_SPACE(sizeof(int))];
    } control = { 0 };
    struct iovec iov = { .iov_base = (void *)packet, .iov_len = len };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

    if (passed_fd >= 0) {
        msg.msg_control = control.bytes;
        msg.msg_controllen = sizeof(control.bytes);
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &passed_fd, sizeof(int));
    }
    g_assert_cmpint(sendmsg(fd, &msg, MSG_NOSIGNAL), ==, (ssize_t)len);
    if (passed_fd >= 0) {
        close(passed_fd);
    }
}

static bool opcode_unsupported(const MailboxServer *server, uint16_t opcode)
{
    for (size_t i = 0; i < G_N_ELEMENTS(server->unsupported); i++) {
        if (server->unsupported[i] != 0 && server->unsupported[i] == opcode) {
            return true;
        }
    }
    return false;
}

static void serve_request(MailboxServer *server, int fd, const uint8_t *packet, size_t len,
                          uint8_t *response)
{
    TmCciHeader request;
    TmMailboxResponse out = { .payload = response + TM_CCI_MESSAGE_HEADER_SIZE, .fd = -1 };

    g_assert_true(tm_cci_header_decode(packet, len, &request, NULL));
    g_assert_true(tm_cci_request_check(&request, len, NULL));
    TmMailboxRequest in = {
        .caller = &server->mf.caller,
        .opcode = request.opcode,
        .payload = packet + TM_CCI_MESSAGE_HEADER_SIZE,
        .payload_len = request.payload_length,
    };
    g_mutex_lock(&server->lock);
    in.dev = server->mf.fx.dev;
    TmCxlReturnCode rc = opcode_unsupported(server, request.opcode)
                             ? TM_CXL_RC_UNSUPPORTED
                             : tm_mailbox_dispatch(&in, &out, NULL);
    server->requests_served++;
    if (request.opcode == TM_CXL_OP_ADD_DC_RESPONSE && rc == TM_CXL_RC_SUCCESS &&
        (in.payload[4] & 0x01) != 0) {
        server->responses_more++;
    }
    if (request.opcode == TM_CXL_OP_RELEASE_DC && rc == TM_CXL_RC_SUCCESS) {
        server->releases++;
    }
    g_mutex_unlock(&server->lock);
    TmCciHeader header = tm_cci_response_header(&request, rc, (uint32_t)out.length);
    tm_cci_header_encode(&header, response);
    send_response(fd, response, TM_CCI_MESSAGE_HEADER_SIZE + out.length, out.fd);
}

/* Serve one connection until the client closes it; false when asked to stop. */
static bool serve_connection(MailboxServer *server, int fd)
{
    g_autofree uint8_t *packet = g_malloc(PACKET_SIZE);
    g_autofree uint8_t *response = g_malloc(PACKET_SIZE);

    for (;;) {
        if (!wait_or_stop(server, fd)) {
            return false;
        }
        ssize_t n = recv(fd, packet, PACKET_SIZE, 0);
        if (n <= 0) {
            return true;
        }
        serve_request(server, fd, packet, (size_t)n, response);
    }
}

static gpointer serve(gpointer data)
{
    MailboxServer *server = data;

    while (wait_or_stop(server, server->listener)) {
        int fd = accept4(server->listener, NULL, NULL, SOCK_CLOEXEC);

        g_assert_cmpint(fd, >=, 0);
        g_mutex_lock(&server->lock);
        server->conn_fd = fd;
        g_mutex_unlock(&server->lock);
        bool go_on = serve_connection(server, fd);
        g_mutex_lock(&server->lock);
        server->conn_fd = -1;
        g_mutex_unlock(&server->lock);
        close(fd);
        if (!go_on) {
            break;
        }
    }
    return NULL;
}

void mailbox_server_start(MailboxServer *server, const char *device_props, uint32_t max_payload)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    mailbox_fixture_init(&server->mf, 1 * GiB, device_props);
    server->mf.caller.max_payload = max_payload;
    g_mutex_init(&server->lock);
    server->dir = g_dir_make_tmp("tagmem-host-flow-XXXXXX", NULL);
    server->path = g_build_filename(server->dir, "host0.sock", NULL);
    strcpy(addr.sun_path, server->path);
    server->listener = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    g_assert_cmpint(bind(server->listener, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    g_assert_cmpint(listen(server->listener, 4), ==, 0);
    g_assert_cmpint(pipe2(server->stop_pipe, O_CLOEXEC), ==, 0);
    server->conn_fd = -1;
    server->requests_served = 0;
    server->responses_more = 0;
    server->releases = 0;
    server->thread = g_thread_new("mailbox-server", serve, server);
}

void mailbox_server_stop(MailboxServer *server)
{
    g_assert_cmpint(write(server->stop_pipe[1], "x", 1), ==, 1);
    g_thread_join(server->thread);
    close(server->stop_pipe[0]);
    close(server->stop_pipe[1]);
    close(server->listener);
    g_unlink(server->path);
    g_rmdir(server->dir);
    g_free(server->path);
    g_free(server->dir);
    g_mutex_clear(&server->lock);
    mailbox_fixture_clear(&server->mf);
}

void mailbox_server_notify(MailboxServer *server)
{
    static const uint8_t notification[] = {
        0x08, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    };

    g_mutex_lock(&server->lock);
    g_assert_cmpint(server->conn_fd, >=, 0);
    g_assert_cmpint(send(server->conn_fd, notification, sizeof(notification), MSG_NOSIGNAL), ==,
                    sizeof(notification));
    g_mutex_unlock(&server->lock);
}
