#include "qmp/qmp_server.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib-unix.h>

#include "core/error.h"
#include "qmp/qmp_client.h"

/* After running out of file descriptors, accept again this much later. */
#define ACCEPT_RETRY_MS 100
#define LISTEN_BACKLOG 64

typedef struct {
    TmQmpServer *server;
    int fd;
    char *path;
    guint accept_watch; /* 0 while accepting is paused */
    guint retry_timer;
} TmQmpListener;

struct TmQmpServer {
    TmQmpEnv *env;
    GPtrArray *listeners;      /* TmQmpListener *, owned */
    GPtrArray *clients;        /* open TmQmpClient *, owned */
    GPtrArray *closed_clients; /* closed, freed from an idle callback */
    guint reap_idle;
};

static void listener_free(TmQmpListener *listener)
{
    g_clear_handle_id(&listener->accept_watch, g_source_remove);
    g_clear_handle_id(&listener->retry_timer, g_source_remove);
    close(listener->fd);
    unlink(listener->path);
    g_free(listener->path);
    g_free(listener);
}

TmQmpServer *tm_qmp_server_new(TmQmpEnv *env)
{
    TmQmpServer *server = g_new0(TmQmpServer, 1);

    server->env = env;
    server->listeners = g_ptr_array_new_with_free_func((GDestroyNotify)listener_free);
    server->clients = g_ptr_array_new_with_free_func((GDestroyNotify)tm_qmp_client_free);
    server->closed_clients = g_ptr_array_new_with_free_func((GDestroyNotify)tm_qmp_client_free);
    return server;
}

static gboolean reap_closed_clients(gpointer data)
{
    TmQmpServer *server = data;

    g_ptr_array_set_size(server->closed_clients, 0);
    server->reap_idle = 0;
    return G_SOURCE_REMOVE;
}

/* A client may close deep inside its own callbacks; free it once they return. */
static void on_client_closed(TmQmpClient *client, void *opaque)
{
    TmQmpServer *server = opaque;
    guint index;

    if (g_ptr_array_find(server->clients, client, &index)) {
        g_ptr_array_add(server->closed_clients,
                        g_ptr_array_steal_index(server->clients, index));
    }
    if (server->reap_idle == 0) {
        server->reap_idle = g_idle_add_full(G_PRIORITY_DEFAULT, reap_closed_clients, server,
                                            NULL);
    }
}

static gboolean on_accept(int fd, GIOCondition condition, gpointer data);

static gboolean resume_accept(gpointer data)
{
    TmQmpListener *listener = data;

    listener->retry_timer = 0;
    listener->accept_watch = g_unix_fd_add(listener->fd, G_IO_IN, on_accept, listener);
    return G_SOURCE_REMOVE;
}

/* Out of descriptors: the socket stays readable, so stop polling it for a while. */
static gboolean pause_accept(TmQmpListener *listener)
{
    g_warning("QMP socket %s: cannot accept: %s; retrying", listener->path, g_strerror(errno));
    listener->accept_watch = 0;
    listener->retry_timer = g_timeout_add(ACCEPT_RETRY_MS, resume_accept, listener);
    return G_SOURCE_REMOVE;
}

static gboolean on_accept(int fd, GIOCondition condition, gpointer data)
{
    TmQmpListener *listener = data;
    TmQmpServer *server = listener->server;

    for (;;) {
        int client_fd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client_fd >= 0) {
            g_ptr_array_add(server->clients, tm_qmp_client_new(client_fd, server->env,
                                                               on_client_closed, server));
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED) {
            continue;
        }
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            return pause_accept(listener);
        }
        /* EAGAIN: every waiting connection taken. */
        return G_SOURCE_CONTINUE;
    }
}

/* Replace a stale socket file, but never anything else found at @path. */
static bool remove_stale_socket(const char *path, GError **err)
{
    struct stat st;

    if (lstat(path, &st) < 0) {
        return true;
    }
    if (!S_ISSOCK(st.st_mode)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "QMP socket path '%s' exists and is not a socket", path);
        return false;
    }
    if (unlink(path) < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Cannot remove old QMP socket '%s': %s",
                    path, g_strerror(errno));
        return false;
    }
    return true;
}

static int bind_unix_socket(const char *path, GError **err)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "QMP socket path '%s' is longer than %zu bytes", path,
                    sizeof(addr.sun_path) - 1);
        return -1;
    }
    if (!remove_stale_socket(path, err)) {
        return -1;
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(fd, LISTEN_BACKLOG) < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Cannot listen on QMP socket '%s': %s",
                    path, g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

bool tm_qmp_server_listen_unix(TmQmpServer *server, const char *path, GError **err)
{
    int fd = bind_unix_socket(path, err);

    if (fd < 0) {
        return false;
    }
    TmQmpListener *listener = g_new0(TmQmpListener, 1);
    listener->server = server;
    listener->fd = fd;
    listener->path = g_strdup(path);
    listener->accept_watch = g_unix_fd_add(fd, G_IO_IN, on_accept, listener);
    g_ptr_array_add(server->listeners, listener);
    return true;
}

/* QEMU's event shape: {"timestamp": {...}, "event": NAME, "data": {...}}. */
static json_object *build_event(const char *name, json_object *data)
{
    gint64 now = g_get_real_time();
    json_object *timestamp = json_object_new_object();
    json_object *event = json_object_new_object();

    json_object_object_add(timestamp, "seconds", json_object_new_int64(now / G_USEC_PER_SEC));
    json_object_object_add(timestamp, "microseconds",
                           json_object_new_int64(now % G_USEC_PER_SEC));
    json_object_object_add(event, "timestamp", timestamp);
    json_object_object_add(event, "event", json_object_new_string(name));
    if (data) {
        json_object_object_add(event, "data", data);
    }
    return event;
}

void tm_qmp_server_emit_event(TmQmpServer *server, const char *name, json_object *data)
{
    json_object *event = build_event(name, data);
    /* Sending may close a client, which leaves server->clients (it is freed later). */
    g_autoptr(GPtrArray) targets = g_ptr_array_copy(server->clients, NULL, NULL);

    g_ptr_array_set_free_func(targets, NULL);

    for (guint i = 0; i < targets->len; i++) {
        TmQmpClient *client = g_ptr_array_index(targets, i);
        if (tm_qmp_client_wants_events(client)) {
            tm_qmp_client_send(client, event);
        }
    }
    json_object_put(event);
}

guint tm_qmp_server_client_count(const TmQmpServer *server)
{
    return server->clients->len;
}

void tm_qmp_server_free(TmQmpServer *server)
{
    if (server == NULL) {
        return;
    }
    g_clear_handle_id(&server->reap_idle, g_source_remove);
    g_ptr_array_unref(server->listeners);
    g_ptr_array_unref(server->clients);
    g_ptr_array_unref(server->closed_clients);
    g_free(server);
}
