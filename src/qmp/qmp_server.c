#include "qmp/qmp_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include "core/admission.h"
#include "core/unix_listener.h"
#include "qmp/qmp_client.h"

/*
 * Whoever can connect controls the whole daemon, so the socket is 0600
 * whatever the umask, even outside the private default directory.  A
 * stale socket file at the path is replaced, one a process still serves
 * (another tagmemd) never.
 */
static const TmUnixListenerConfig socket_config = {
    .type = SOCK_STREAM,
    .mode = 0600,
    .label = "QMP",
    .refuse_live = true,
};

/* A listening QMP socket and its admission of clients. */
typedef struct {
    TmQmpServer *server;
    TmUnixListener *listener;
    TmAdmission admission;
} TmQmpSocket;

static void qmp_socket_free(TmQmpSocket *socket)
{
    tm_unix_listener_free(socket->listener);
    tm_admission_clear(&socket->admission);
    g_free(socket);
}

struct TmQmpServer {
    TmQmpEnv *env;
    TmFdDispatcher *dispatcher; /* borrowed: watches the sockets */
    guint max_connections;     /* QMP clients at once, all sockets together */
    GPtrArray *listeners;      /* TmQmpSocket *, owned */
    GPtrArray *clients;        /* open TmQmpClient *, owned */
    GPtrArray *closed_clients; /* closed, freed from an idle callback */
    guint reap_idle;
    guint next_client_id;      /* names clients in log lines */
    TmInheritedSockets *inherited; /* borrowed; NULL: none */
};

void tm_qmp_server_use_inherited(TmQmpServer *server, TmInheritedSockets *inherited)
{
    server->inherited = inherited;
}

TmQmpServer *tm_qmp_server_new(TmQmpEnv *env, TmFdDispatcher *dispatcher,
                               guint max_connections)
{
    TmQmpServer *server = g_new0(TmQmpServer, 1);

    server->env = env;
    server->dispatcher = dispatcher;
    server->max_connections = max_connections;
    server->listeners = g_ptr_array_new_with_free_func((GDestroyNotify)qmp_socket_free);
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

static void on_accept(int client_fd, void *opaque)
{
    TmQmpSocket *socket = opaque;
    TmQmpServer *server = socket->server;
    g_autoptr(GError) err = NULL;

    /* No descriptor reserve: the CCI sockets keep theirs for QMP. */
    if (!tm_admission_admit(&socket->admission, server->clients->len, client_fd)) {
        close(client_fd);
        return;
    }
    TmQmpClient *client = tm_qmp_client_new(server->dispatcher, client_fd, server->env,
                                            ++server->next_client_id, on_client_closed, server,
                                            &err);
    if (client == NULL) {
        g_warning("QMP client %u refused: %s", server->next_client_id, err->message);
        close(client_fd);
        return;
    }
    g_ptr_array_add(server->clients, client);
}

bool tm_qmp_server_listen_unix(TmQmpServer *server, const char *path, GError **err)
{
    TmQmpSocket *socket = g_new0(TmQmpSocket, 1);
    g_autofree char *label = g_strdup_printf("QMP socket %s", path);

    socket->server = server;
    tm_admission_init(&socket->admission, label, server->max_connections, 0);
    TmUnixListenerConfig config = socket_config;
    config.inherited = server->inherited;
    socket->listener = tm_unix_listener_new(server->dispatcher, path, &config, on_accept,
                                            socket, err);
    if (socket->listener == NULL) {
        qmp_socket_free(socket);
        return false;
    }
    g_ptr_array_add(server->listeners, socket);
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

bool tm_qmp_server_wants_events(const TmQmpServer *server)
{
    for (guint i = 0; i < server->clients->len; i++) {
        if (tm_qmp_client_wants_events(g_ptr_array_index(server->clients, i))) {
            return true;
        }
    }
    return false;
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
