#include "cci/cci_server.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib-unix.h>

#include "cci/cci_connection.h"
#include "cci/cxl_opcodes.h"
#include "core/error.h"
#include "device/host_set.h"

/* After running out of file descriptors, accept again this much later. */
#define ACCEPT_RETRY_MS 100
#define LISTEN_BACKLOG 64
#define SOCKET_MODE 0600

/* A device whose hosts the server notifies. */
typedef struct {
    TmCciServer *server;
    TmDcd *dev;
    guint observer_id;
    /* Hosts notified that have not asked for their events since. */
    TmHostSet notified;
} TmCciDeviceWatch;

typedef struct {
    TmCciServer *server;
    TmCciDeviceWatch *watch;
    TmMailboxCaller caller;    /* the port every connection on this socket is */
    int fd;
    char *path;
    guint accept_watch;        /* 0 while accepting is paused */
    guint retry_timer;
} TmCciListener;

struct TmCciServer {
    uint32_t max_payload;
    GPtrArray *watches;        /* TmCciDeviceWatch *, owned */
    GPtrArray *listeners;      /* TmCciListener *, owned */
    GPtrArray *connections;    /* open TmCciConnection *, owned */
    GPtrArray *closed;         /* closed, freed from an idle callback */
    guint reap_idle;
    /* Every packet is read here and served before the next is read. */
    uint8_t *receive_buffer;
    size_t receive_size;
};

static void listener_free(TmCciListener *listener)
{
    g_clear_handle_id(&listener->accept_watch, g_source_remove);
    g_clear_handle_id(&listener->retry_timer, g_source_remove);
    close(listener->fd);
    unlink(listener->path);
    g_free(listener->path);
    g_free(listener);
}

static void watch_free(TmCciDeviceWatch *watch)
{
    tm_dcd_remove_observer(watch->dev, watch->observer_id);
    g_free(watch);
}

TmCciServer *tm_cci_server_new(uint32_t max_payload)
{
    TmCciServer *server = g_new0(TmCciServer, 1);
    TmMailboxCaller caller = { .max_payload = max_payload };

    server->max_payload = max_payload;
    server->watches = g_ptr_array_new_with_free_func((GDestroyNotify)watch_free);
    server->listeners = g_ptr_array_new_with_free_func((GDestroyNotify)listener_free);
    server->connections =
        g_ptr_array_new_with_free_func((GDestroyNotify)tm_cci_connection_free);
    server->closed = g_ptr_array_new_with_free_func((GDestroyNotify)tm_cci_connection_free);
    /* The largest packet; recvmsg() reports a longer one with MSG_TRUNC. */
    server->receive_size = TM_CCI_MESSAGE_HEADER_SIZE + tm_mailbox_payload_limit(&caller);
    server->receive_buffer = g_malloc(server->receive_size);
    return server;
}

/* ---- Notifications ---- */

static bool is_host_connection(const TmCciConnection *connection, const TmDcd *dev,
                               uint16_t host_id)
{
    const TmMailboxCaller *caller = tm_cci_connection_caller(connection);

    return !tm_cci_connection_is_closed(connection) &&
           tm_cci_connection_device(connection) == dev &&
           caller->port == TM_MAILBOX_PORT_HOST && caller->host_id == host_id;
}

/* Open connections of @host_id of @dev (a copy: sending may close some). */
static GPtrArray *host_connections(TmCciServer *server, const TmDcd *dev, uint16_t host_id)
{
    GPtrArray *found = g_ptr_array_new();

    for (guint i = 0; i < server->connections->len; i++) {
        TmCciConnection *connection = g_ptr_array_index(server->connections, i);
        if (is_host_connection(connection, dev, host_id)) {
            g_ptr_array_add(found, connection);
        }
    }
    return found;
}

static void on_device_notice(TmDcd *dev, const TmDcdNotice *notice, gpointer opaque)
{
    TmCciDeviceWatch *watch = opaque;

    if (notice->kind != TM_DCD_NOTICE_EVENTS_QUEUED ||
        tm_host_set_contains(&watch->notified, notice->host_id)) {
        return;
    }
    g_autoptr(GPtrArray) targets = host_connections(watch->server, dev, notice->host_id);
    if (targets->len == 0) {
        return;
    }
    tm_host_set_add(&watch->notified, notice->host_id);
    for (guint i = 0; i < targets->len; i++) {
        tm_cci_connection_notify(g_ptr_array_index(targets, i),
                                 1u << TM_EVENT_LOG_DYNAMIC_CAPACITY);
    }
}

static TmCciDeviceWatch *find_watch(TmCciServer *server, const TmDcd *dev)
{
    for (guint i = 0; i < server->watches->len; i++) {
        TmCciDeviceWatch *watch = g_ptr_array_index(server->watches, i);
        if (watch->dev == dev) {
            return watch;
        }
    }
    return NULL;
}

/* The device's watch, made (and its observer added) on first use. */
static TmCciDeviceWatch *watch_device(TmCciServer *server, TmDcd *dev)
{
    TmCciDeviceWatch *watch = find_watch(server, dev);

    if (watch == NULL) {
        watch = g_new0(TmCciDeviceWatch, 1);
        watch->server = server;
        watch->dev = dev;
        watch->observer_id = tm_dcd_add_observer(dev, on_device_notice, watch);
        g_ptr_array_add(server->watches, watch);
    }
    return watch;
}

/* A host that asked for its events may be notified again. */
static void on_connection_served(TmCciConnection *connection, const TmCciFrameReply *reply,
                                 void *opaque)
{
    TmCciServer *server = opaque;
    const TmMailboxCaller *caller = tm_cci_connection_caller(connection);

    if (caller->port == TM_MAILBOX_PORT_HOST &&
        reply->request.opcode == TM_CXL_OP_GET_EVENT_RECORDS &&
        reply->return_code == TM_CXL_RC_SUCCESS) {
        TmCciDeviceWatch *watch = find_watch(server, tm_cci_connection_device(connection));
        tm_host_set_remove(&watch->notified, caller->host_id);
    }
}

/* ---- Connections ---- */

static gboolean reap_closed(gpointer data)
{
    TmCciServer *server = data;

    g_ptr_array_set_size(server->closed, 0);
    server->reap_idle = 0;
    return G_SOURCE_REMOVE;
}

/*
 * A connection may close inside its own callbacks or while another one
 * notifies it; free it once they return.  A host left with no connection
 * starts afresh: its next records are announced to whoever connects.
 */
static void on_connection_closed(TmCciConnection *connection, void *opaque)
{
    TmCciServer *server = opaque;
    const TmMailboxCaller *caller = tm_cci_connection_caller(connection);
    TmDcd *dev = tm_cci_connection_device(connection);
    guint index;

    if (g_ptr_array_find(server->connections, connection, &index)) {
        g_ptr_array_add(server->closed, g_ptr_array_steal_index(server->connections, index));
    }
    if (caller->port == TM_MAILBOX_PORT_HOST) {
        g_autoptr(GPtrArray) others = host_connections(server, dev, caller->host_id);
        if (others->len == 0) {
            tm_host_set_remove(&find_watch(server, dev)->notified, caller->host_id);
        }
    }
    if (server->reap_idle == 0) {
        server->reap_idle = g_idle_add_full(G_PRIORITY_DEFAULT, reap_closed, server, NULL);
    }
}

static gboolean on_accept(int fd, GIOCondition condition, gpointer data);

static gboolean resume_accept(gpointer data)
{
    TmCciListener *listener = data;

    listener->retry_timer = 0;
    listener->accept_watch = g_unix_fd_add(listener->fd, G_IO_IN, on_accept, listener);
    return G_SOURCE_REMOVE;
}

/* Out of descriptors: the socket stays readable, so stop polling it for a while. */
static gboolean pause_accept(TmCciListener *listener)
{
    g_warning("CCI socket %s: cannot accept: %s; retrying", listener->path, g_strerror(errno));
    listener->accept_watch = 0;
    listener->retry_timer = g_timeout_add(ACCEPT_RETRY_MS, resume_accept, listener);
    return G_SOURCE_REMOVE;
}

static gboolean on_accept(int fd, GIOCondition condition, gpointer data)
{
    TmCciListener *listener = data;
    TmCciServer *server = listener->server;
    TmCciConnectionHooks hooks = {
        .closed = on_connection_closed,
        .served = on_connection_served,
        .opaque = server,
    };

    for (;;) {
        int connection_fd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (connection_fd >= 0) {
            g_ptr_array_add(server->connections,
                            tm_cci_connection_new(connection_fd, listener->watch->dev,
                                                  &listener->caller, server->receive_buffer,
                                                  server->receive_size, &hooks));
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

/* ---- Listening sockets ---- */

static bool fill_address(struct sockaddr_un *addr, const char *path, GError **err)
{
    *addr = (struct sockaddr_un){ .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(addr->sun_path)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "CCI socket path '%s' is longer than %zu bytes", path,
                    sizeof(addr->sun_path) - 1);
        return false;
    }
    strcpy(addr->sun_path, path);
    return true;
}

/* True when a process accepts connections on @addr: never steal its socket. */
static bool socket_is_served(const struct sockaddr_un *addr)
{
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    bool served;

    if (fd < 0) {
        return false;
    }
    served = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0;
    close(fd);
    return served;
}

/* Replace a stale socket file, but never a live socket or anything else. */
static bool remove_stale_socket(const struct sockaddr_un *addr, GError **err)
{
    const char *path = addr->sun_path;
    struct stat st;

    if (lstat(path, &st) < 0) {
        return true;
    }
    if (!S_ISSOCK(st.st_mode)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "CCI socket path '%s' exists and is not a socket", path);
        return false;
    }
    if (socket_is_served(addr)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "CCI socket '%s' is in use by another process (another tagmemd?)", path);
        return false;
    }
    if (unlink(path) < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Cannot remove old CCI socket '%s': %s",
                    path, g_strerror(errno));
        return false;
    }
    return true;
}

/*
 * The file is made 0600 whatever the umask, before anyone can connect:
 * bind() creates it with the socket's mode less the umask (so set that
 * first, and a usual umask changes nothing), chmod() restores what a
 * stricter umask took away, and only then does listen() let clients in.
 */
static int bind_seqpacket_socket(const char *path, GError **err)
{
    struct sockaddr_un addr;

    if (!fill_address(&addr, path, err) || !remove_stale_socket(&addr, err)) {
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || fchmod(fd, SOCKET_MODE) < 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Cannot bind CCI socket '%s': %s", path,
                    g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    if (chmod(path, SOCKET_MODE) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Cannot listen on CCI socket '%s': %s",
                    path, g_strerror(errno));
        close(fd);
        unlink(path);
        return -1;
    }
    return fd;
}

bool tm_cci_server_listen(TmCciServer *server, TmDcd *dev, TmMailboxPortKind port,
                          uint16_t host_id, const char *path, GError **err)
{
    TmMailboxCaller caller = {
        .port = port,
        .host_id = port == TM_MAILBOX_PORT_HOST ? host_id : 0,
        .max_payload = server->max_payload,
    };

    if (!tm_mailbox_caller_check(dev, &caller, err)) {
        return false;
    }
    int fd = bind_seqpacket_socket(path, err);
    if (fd < 0) {
        return false;
    }
    TmCciListener *listener = g_new0(TmCciListener, 1);
    listener->server = server;
    listener->watch = watch_device(server, dev);
    listener->caller = caller;
    listener->fd = fd;
    listener->path = g_strdup(path);
    listener->accept_watch = g_unix_fd_add(fd, G_IO_IN, on_accept, listener);
    g_ptr_array_add(server->listeners, listener);
    return true;
}

guint tm_cci_server_connection_count(const TmCciServer *server)
{
    return server->connections->len;
}

void tm_cci_server_free(TmCciServer *server)
{
    if (server == NULL) {
        return;
    }
    g_clear_handle_id(&server->reap_idle, g_source_remove);
    g_ptr_array_unref(server->connections);
    g_ptr_array_unref(server->closed);
    g_ptr_array_unref(server->listeners);
    g_ptr_array_unref(server->watches);
    g_free(server->receive_buffer);
    g_free(server);
}
