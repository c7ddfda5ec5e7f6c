#include "cli/qmp_conn.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/error.h"

#define RECEIVE_TIMEOUT_MS 30000

struct TmQmpConn {
    int fd;
    char *path;
    json_tokener *tokener;
    GQueue parsed; /* json_object *, received but not yet returned */
};

static bool io_error(GError **err, const TmQmpConn *conn, const char *what, int errnum)
{
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "QMP socket '%s': %s: %s", conn->path, what,
                g_strerror(errnum));
    return false;
}

TmQmpConn *tm_qmp_conn_connect(const char *path, GError **err)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    g_autoptr(TmQmpConn) conn = g_new0(TmQmpConn, 1);

    conn->fd = -1;
    conn->path = g_strdup(path);
    conn->tokener = json_tokener_new();
    g_queue_init(&conn->parsed);
    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "QMP socket path '%s' is too long", path);
        return NULL;
    }
    strcpy(addr.sun_path, path);
    conn->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (conn->fd < 0) {
        io_error(err, conn, "socket", errno);
        return NULL;
    }
    if (connect(conn->fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        int saved = errno;
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Cannot connect to QMP socket '%s': %s (is tagmemd running?)", path,
                    g_strerror(saved));
        return NULL;
    }
    return g_steal_pointer(&conn);
}

static void put_json(gpointer value)
{
    json_object_put(value);
}

void tm_qmp_conn_free(TmQmpConn *conn)
{
    if (conn == NULL) {
        return;
    }
    if (conn->fd >= 0) {
        close(conn->fd);
    }
    g_queue_clear_full(&conn->parsed, put_json);
    json_tokener_free(conn->tokener);
    g_free(conn->path);
    g_free(conn);
}

int tm_qmp_conn_fd(const TmQmpConn *conn)
{
    return conn->fd;
}

bool tm_qmp_conn_send_raw(TmQmpConn *conn, const void *data, size_t length,
                          GError **err)
{
    const char *bytes = data;

    while (length > 0) {
        ssize_t sent = send(conn->fd, bytes, length, MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR) {
                continue;
            }
            return io_error(err, conn, "send", errno);
        }
        bytes += sent;
        length -= (size_t)sent;
    }
    return true;
}

bool tm_qmp_conn_send(TmQmpConn *conn, json_object *message, GError **err)
{
    const char *text = json_object_to_json_string_ext(message, JSON_C_TO_STRING_PLAIN);
    g_autofree char *line = g_strconcat(text, "\n", NULL);

    return tm_qmp_conn_send_raw(conn, line, strlen(line), err);
}

/* Feed @length bytes to the tokener, queueing every complete value. */
static bool parse_bytes(TmQmpConn *conn, const char *bytes, size_t length, GError **err)
{
    while (length > 0) {
        json_object *value = json_tokener_parse_ex(conn->tokener, bytes, (int)length);
        enum json_tokener_error status = json_tokener_get_error(conn->tokener);
        if (value == NULL && status == json_tokener_continue) {
            return true;
        }
        if (value == NULL) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "QMP socket '%s': bad JSON from server: %s",
                        conn->path, json_tokener_error_desc(status));
            return false;
        }
        size_t used = json_tokener_get_parse_end(conn->tokener);
        g_queue_push_tail(&conn->parsed, value);
        json_tokener_reset(conn->tokener);
        bytes += used;
        length -= used;
    }
    return true;
}

static bool wait_readable(TmQmpConn *conn, int timeout_ms, GError **err)
{
    struct pollfd pfd = { .fd = conn->fd, .events = POLLIN };
    int ready;

    do {
        ready = poll(&pfd, 1, timeout_ms);
    } while (ready < 0 && errno == EINTR);
    if (ready < 0) {
        return io_error(err, conn, "poll", errno);
    }
    if (ready == 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "QMP socket '%s': no reply within %d ms", conn->path, timeout_ms);
        return false;
    }
    return true;
}

json_object *tm_qmp_conn_receive(TmQmpConn *conn, int timeout_ms, GError **err)
{
    char buffer[65536];

    while (g_queue_is_empty(&conn->parsed)) {
        if (!wait_readable(conn, timeout_ms, err)) {
            return NULL;
        }
        ssize_t received = recv(conn->fd, buffer, sizeof(buffer), 0);
        if (received < 0 && errno == EINTR) {
            continue;
        }
        if (received < 0) {
            io_error(err, conn, "recv", errno);
            return NULL;
        }
        if (received == 0) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                        "QMP socket '%s': connection closed by the server", conn->path);
            return NULL;
        }
        if (!parse_bytes(conn, buffer, (size_t)received, err)) {
            return NULL;
        }
    }
    return g_queue_pop_head(&conn->parsed);
}

static bool is_reply(json_object *message)
{
    return json_object_object_get_ex(message, "return", NULL) ||
           json_object_object_get_ex(message, "error", NULL);
}

json_object *tm_qmp_conn_execute(TmQmpConn *conn, const char *command,
                                 json_object *arguments, GError **err)
{
    json_object *request = json_object_new_object();

    json_object_object_add(request, "execute", json_object_new_string(command));
    if (arguments) {
        json_object_object_add(request, "arguments", arguments);
    }
    bool sent = tm_qmp_conn_send(conn, request, err);
    json_object_put(request);
    if (!sent) {
        return NULL;
    }
    for (;;) {
        json_object *message = tm_qmp_conn_receive(conn, RECEIVE_TIMEOUT_MS, err);
        if (message == NULL || is_reply(message)) {
            return message;
        }
        json_object_put(message);
    }
}

bool tm_qmp_conn_negotiate(TmQmpConn *conn, GError **err)
{
    json_object *greeting = tm_qmp_conn_receive(conn, RECEIVE_TIMEOUT_MS, err);

    if (greeting == NULL) {
        return false;
    }
    bool is_qmp = json_object_object_get_ex(greeting, "QMP", NULL);
    json_object_put(greeting);
    if (!is_qmp) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "QMP socket '%s': the server did not send a QMP greeting", conn->path);
        return false;
    }
    json_object *reply = tm_qmp_conn_execute(conn, "qmp_capabilities", NULL, err);
    if (reply == NULL) {
        return false;
    }
    bool accepted = json_object_object_get_ex(reply, "return", NULL);
    json_object_put(reply);
    if (!accepted) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "QMP socket '%s': capabilities negotiation refused", conn->path);
    }
    return accepted;
}
