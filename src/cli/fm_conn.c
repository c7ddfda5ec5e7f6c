#include "cli/fm_conn.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cci/cci_message.h"
#include "core/error.h"

/* A response the daemon does not send within this is a failure, not a hang. */
#define TM_FM_RESPONSE_TIMEOUT_MS 30000

struct TmFmConn {
    int fd;
    uint8_t next_tag;
    uint8_t *buffer;   /* one message: header + the largest payload */
};

TmFmConn *tm_fm_conn_connect(const char *path, GError **err)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "FM socket path '%s' is too long", path);
        return NULL;
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "cannot connect to FM socket '%s': %s",
                    path, g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return NULL;
    }
    TmFmConn *conn = g_new0(TmFmConn, 1);
    conn->fd = fd;
    conn->buffer = g_malloc(TM_CCI_MESSAGE_HEADER_SIZE + TM_CCI_MAX_PAYLOAD_LENGTH);
    return conn;
}

void tm_fm_conn_free(TmFmConn *conn)
{
    if (conn) {
        close(conn->fd);
        g_free(conn->buffer);
        g_free(conn);
    }
}

static bool send_request(TmFmConn *conn, const TmCciHeader *header, const void *payload,
                         size_t length, GError **err)
{
    g_autofree uint8_t *message = g_malloc(TM_CCI_MESSAGE_HEADER_SIZE + length);

    tm_cci_header_encode(header, message);
    if (length > 0) {
        memcpy(message + TM_CCI_MESSAGE_HEADER_SIZE, payload, length);
    }
    if (send(conn->fd, message, TM_CCI_MESSAGE_HEADER_SIZE + length, MSG_NOSIGNAL) < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "cannot send to the FM socket: %s",
                    g_strerror(errno));
        return false;
    }
    return true;
}

static ssize_t receive_message(TmFmConn *conn, GError **err)
{
    struct pollfd pfd = { .fd = conn->fd, .events = POLLIN };
    int ready = poll(&pfd, 1, TM_FM_RESPONSE_TIMEOUT_MS);

    if (ready <= 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "no response from the FM socket: %s",
                    ready == 0 ? "timed out" : g_strerror(errno));
        return -1;
    }
    ssize_t n = recv(conn->fd, conn->buffer, TM_CCI_MESSAGE_HEADER_SIZE +
                     TM_CCI_MAX_PAYLOAD_LENGTH, 0);
    if (n <= 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "the FM socket %s",
                    n == 0 ? "was closed by the daemon" : g_strerror(errno));
        return -1;
    }
    return n;
}

/* The response must answer the request it follows, byte for byte in its header. */
static bool check_response(const TmCciHeader *request, const TmCciHeader *response,
                           size_t message_len, GError **err)
{
    if (response->category != TM_CCI_CATEGORY_RESPONSE || response->tag != request->tag ||
        response->opcode != request->opcode || response->mctp_type != request->mctp_type ||
        response->payload_length != message_len - TM_CCI_MESSAGE_HEADER_SIZE) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "malformed response to %04Xh (tag %u): opcode %04Xh, tag %u, length %u",
                    request->opcode, request->tag, response->opcode, response->tag,
                    response->payload_length);
        return false;
    }
    return true;
}

bool tm_fm_conn_call(TmFmConn *conn, uint16_t opcode, const void *payload, size_t length,
                     uint16_t *return_code, GByteArray **out, GError **err)
{
    TmCciHeader request = {
        .mctp_type = tm_cci_mctp_type_for_opcode(opcode),
        .category = TM_CCI_CATEGORY_REQUEST,
        .tag = conn->next_tag++,
        .opcode = opcode,
        .payload_length = (uint32_t)length,
    };
    TmCciHeader response;

    if (!send_request(conn, &request, payload, length, err)) {
        return false;
    }
    ssize_t n = receive_message(conn, err);
    if (n < 0 || !tm_cci_header_decode(conn->buffer, (size_t)n, &response, err) ||
        !check_response(&request, &response, (size_t)n, err)) {
        return false;
    }
    *return_code = response.return_code;
    *out = g_byte_array_sized_new(response.payload_length);
    g_byte_array_append(*out, conn->buffer + TM_CCI_MESSAGE_HEADER_SIZE,
                        response.payload_length);
    return true;
}
