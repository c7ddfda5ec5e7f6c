#include "cli/qmp_client.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/error.h"

#define RECEIVE_TIMEOUT_MS 30000

struct TmQmpClient {
    int fd;
    char *path;
    json_tokener *tokener;
    GQueue parsed; /* json_object *, received but not yet returned */
};

static bool io_error(GError **err, const TmQmpClient *client, const char *what, int errnum)
{
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "QMP socket '%s': %s: %s", client->path, what,
                g_strerror(errnum));
    return false;
}

TmQmpClient *tm_qmp_client_connect(const char *path, GError **err)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    g_autoptr(TmQmpClient) client = g_new0(TmQmpClient, 1);

    client->fd = -1;
    client->path = g_strdup(path);
    client->tokener = json_tokener_new();
    g_queue_init(&client->parsed);
    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "QMP socket path '%s' is too long", path);
        return NULL;
    }
    strcpy(addr.sun_path, path);
    client->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (client->fd < 0) {
        io_error(err, client, "socket", errno);
        return NULL;
    }
    if (connect(client->fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        int saved = errno;
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Cannot connect to QMP socket '%s': %s (is tagmemd running?)", path,
                    g_strerror(saved));
        return NULL;
    }
    return g_steal_pointer(&client);
}

void tm_qmp_client_free(TmQmpClient *client)
{
    if (client == NULL) {
        return;
    }
    if (client->fd >= 0) {
        close(client->fd);
    }
    g_queue_clear_full(&client->parsed, (GDestroyNotify)json_object_put);
    json_tokener_free(client->tokener);
    g_free(client->path);
    g_free(client);
}

int tm_qmp_client_fd(const TmQmpClient *client)
{
    return client->fd;
}

bool tm_qmp_client_send_raw(TmQmpClient *client, const void *data, size_t length,
                            GError **err)
{
    const char *bytes = data;

    while (length > 0) {
        ssize_t sent = send(client->fd, bytes, length, MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR) {
                continue;
            }
            return io_error(err, client, "send", errno);
        }
        bytes += sent;
        length -= (size_t)sent;
    }
    return true;
}

bool tm_qmp_client_send(TmQmpClient *client, json_object *message, GError **err)
{
    const char *text = json_object_to_json_string_ext(message, JSON_C_TO_STRING_PLAIN);
    g_autofree char *line = g_strconcat(text, "\n", NULL);

    return tm_qmp_client_send_raw(client, line, strlen(line), err);
}

/* Feed @length bytes to the tokener, queueing every complete value. */
static bool parse_bytes(TmQmpClient *client, const char *bytes, size_t length, GError **err)
{
    while (length > 0) {
        json_object *value = json_tokener_parse_ex(client->tokener, bytes, (int)length);
        enum json_tokener_error status = json_tokener_get_error(client->tokener);
        if (value == NULL && status == json_tokener_continue) {
            return true;
        }
        if (value == NULL) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "QMP socket '%s': bad JSON from server: %s",
                        client->path, json_tokener_error_desc(status));
            return false;
        }
        size_t used = json_tokener_get_parse_end(client->tokener);
        g_queue_push_tail(&client->parsed, value);
        json_tokener_reset(client->tokener);
        bytes += used;
        length -= used;
    }
    return true;
}

static bool wait_readable(TmQmpClient *client, int timeout_ms, GError **err)
{
    struct pollfd pfd = { .fd = client->fd, .events = POLLIN };
    int ready;

    do {
        ready = poll(&pfd, 1, timeout_ms);
    } while (ready < 0 && errno == EINTR);
    if (ready < 0) {
        return io_error(err, client, "poll", errno);
    }
    if (ready == 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "QMP socket '%s': no reply within %d ms", client->path, timeout_ms);
        return false;
    }
    return true;
}

json_object *tm_qmp_client_receive(TmQmpClient *client, int timeout_ms, GError **err)
{
    char buffer[65536];

    while (g_queue_is_empty(&client->parsed)) {
        if (!wait_readable(client, timeout_ms, err)) {
            return NULL;
        }
        ssize_t received = recv(client->fd, buffer, sizeof(buffer), 0);
        if (received < 0 && errno == EINTR) {
            continue;
        }
        if (received < 0) {
            io_error(err, client, "recv", errno);
            return NULL;
        }
        if (received == 0) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                        "QMP socket '%s': connection closed by the server", client->path);
            return NULL;
        }
        if (!parse_bytes(client, buffer, (size_t)received, err)) {
            return NULL;
        }
    }
    return g_queue_pop_head(&client->parsed);
}

static bool is_reply(json_object *message)
{
    return json_object_object_get_ex(message, "return", NULL) ||
           json_object_object_get_ex(message, "error", NULL);
}

json_object *tm_qmp_client_execute(TmQmpClient *client, const char *command,
                                   json_object *arguments, GError **err)
{
    json_object *request = json_object_new_object();

    json_object_object_add(request, "execute", json_object_new_string(command));
    if (arguments) {
        json_object_object_add(request, "arguments", arguments);
    }
    bool sent = tm_qmp_client_send(client, request, err);
    json_object_put(request);
    if (!sent) {
        return NULL;
    }
    for (;;) {
        json_object *message = tm_qmp_client_receive(client, RECEIVE_TIMEOUT_MS, err);
        if (message == NULL || is_reply(message)) {
            return message;
        }
        json_object_put(message);
    }
}

bool tm_qmp_client_negotiate(TmQmpClient *client, GError **err)
{
    json_object *greeting = tm_qmp_client_receive(client, RECEIVE_TIMEOUT_MS, err);

    if (greeting == NULL) {
        return false;
    }
    bool is_qmp = json_object_object_get_ex(greeting, "QMP", NULL);
    json_object_put(greeting);
    if (!is_qmp) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "QMP socket '%s': the server did not send a QMP greeting", client->path);
        return false;
    }
    json_object *reply = tm_qmp_client_execute(client, "qmp_capabilities", NULL, err);
    if (reply == NULL) {
        return false;
    }
    bool accepted = json_object_object_get_ex(reply, "return", NULL);
    json_object_put(reply);
    if (!accepted) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "QMP socket '%s': capabilities negotiation refused", client->path);
    }
    return accepted;
}
