#include "cci/cci_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include "cci/cci_connection.h"
#include "cci/cxl_opcodes.h"
#include "cci/vendor_commands.h"
#include "core/admission.h"
#include "device/dcd_poison.h"
#include "core/unix_listener.h"
#include "device/host_set.h"

/* One packet = one CCI message; the file mode is the access control. */
static const TmUnixListenerConfig socket_config = {
    .type = SOCK_SEQPACKET,
    .mode = 0600,
    .label = "CCI",
    .refuse_live = true,
};

/* A device whose hosts the server notifies. */
typedef struct {
    TmCciServer *server;
    TmDcd *dev;
    guint observer_id;
    /*
     * Per log: hosts notified of it that have not asked for events since.
     * Per log, so that a record in one log is announced even while the
     * host owes a read of another.
     */
    TmHostSet notified[TM_EVENT_LOG_COUNT];
    /*
     * Open connections of each host (TmCciConnection *, borrowed; NULL
     * until the host's first): a notice reaches them without a walk
     * through every connection of the server.
     */
    GPtrArray **host_connections;
} TmCciDeviceWatch;

typedef struct {
    TmCciServer *server;
    TmCciDeviceWatch *watch;
    TmMailboxCaller caller;    /* the port every connection on this socket is */
    TmUnixListener *socket;
    TmAdmission admission;     /* how many connections it takes */
    guint open_connections;    /* accepted, not yet closed */
} TmCciListener;

struct TmCciServer {
    TmFdDispatcher *dispatcher; /* borrowed: watches the sockets */
    uint32_t max_payload;
    guint max_connections;     /* per socket */
    GPtrArray *watches;        /* TmCciDeviceWatch *, owned */
    GPtrArray *listeners;      /* TmCciListener *, owned */
    GPtrArray *connections;    /* open TmCciConnection *, owned */
    GPtrArray *closed;         /* closed, freed from an idle callback */
    guint reap_idle;
    TmCciShared shared;        /* the connections' buffers */
    guint next_connection_id;  /* names connections in log lines */
    TmInheritedSockets *inherited; /* borrowed; NULL: none */
    const TmMailboxRecorder *recorder; /* borrowed; NULL: changes are not recorded */
};

static void listener_free(TmCciListener *listener)
{
    tm_unix_listener_free(listener->socket);
    tm_admission_clear(&listener->admission);
    g_free(listener);
}

static void watch_free(TmCciDeviceWatch *watch)
{
    tm_dcd_remove_observer(watch->dev, watch->observer_id);
    for (uint16_t host = 0; host < tm_dcd_num_hosts(watch->dev); host++) {
        if (watch->host_connections[host] != NULL) {
            g_ptr_array_unref(watch->host_connections[host]);
        }
    }
    g_free(watch->host_connections);
    g_free(watch);
}

TmCciServer *tm_cci_server_new(TmFdDispatcher *dispatcher, uint32_t max_payload,
                               guint max_connections)
{
    TmCciServer *server = g_new0(TmCciServer, 1);
    TmMailboxCaller caller = { .max_payload = max_payload };

    server->dispatcher = dispatcher;
    server->max_payload = max_payload;
    server->max_connections = max_connections;
    server->watches = g_ptr_array_new_with_free_func((GDestroyNotify)watch_free);
    server->listeners = g_ptr_array_new_with_free_func((GDestroyNotify)listener_free);
    server->connections =
        g_ptr_array_new_with_free_func((GDestroyNotify)tm_cci_connection_free);
    server->closed = g_ptr_array_new_with_free_func((GDestroyNotify)tm_cci_connection_free);
    /* The largest packet; recvmsg() reports a longer one with MSG_TRUNC. */
    tm_cci_shared_init(&server->shared,
                       TM_CCI_MESSAGE_HEADER_SIZE + tm_mailbox_payload_limit(&caller),
                       tm_mailbox_payload_limit(&caller));
    return server;
}

/* ---- Notifications ---- */

/* Open connections of @host_id (a copy: sending may close some). */
static GPtrArray *host_connections(const TmCciDeviceWatch *watch, uint16_t host_id)
{
    const GPtrArray *open = watch->host_connections[host_id];

    return open != NULL ? g_ptr_array_copy((GPtrArray *)open, NULL, NULL) : g_ptr_array_new();
}

/*
 * The background operation ended: every connection of every host that
 * asked for notification packets gets one with the flag set (the
 * background command completion interrupt, CXL r3.1 §8.2.8.4.6), not
 * coalesced with event notifications (it says nothing about the logs).
 */
static void notify_background_done(TmCciDeviceWatch *watch, TmDcd *dev)
{
    for (uint16_t host = 0; host < tm_dcd_num_hosts(dev); host++) {
        g_autoptr(GPtrArray) targets = host_connections(watch, host);
        for (guint i = 0; i < targets->len; i++) {
            TmCciConnection *connection = g_ptr_array_index(targets, i);
            if (tm_mailbox_caller_notifies_log(tm_cci_connection_caller(connection),
                                               TM_EVENT_LOG_DYNAMIC_CAPACITY)) {
                tm_cci_connection_notify(connection, 0, TM_VENDOR_NOTIFY_BACKGROUND_DONE);
            }
        }
    }
}

/*
 * Poison changed in capacity the host holds: every connection that takes
 * notifications hears of it, uncoalesced, since no log read re-arms it.
 */
static void notify_poison(TmCciDeviceWatch *watch, uint16_t host_id)
{
    g_autoptr(GPtrArray) targets = host_connections(watch, host_id);

    for (guint i = 0; i < targets->len; i++) {
        TmCciConnection *connection = g_ptr_array_index(targets, i);

        if (tm_mailbox_caller_notifies_log(tm_cci_connection_caller(connection),
                                           TM_EVENT_LOG_DYNAMIC_CAPACITY)) {
            tm_cci_connection_notify(connection, TM_VENDOR_NOTIFY_POISON_CHANGED, 0);
        }
    }
}

/* Capacity the host just accepted holds poisoned lines already. */
static bool committed_poisoned(const TmDcd *dev, const TmDcdNotice *notice)
{
    for (guint i = 0; i < notice->n_extents; i++) {
        const TmExtent *extent = &notice->extents[i].extent;

        if (tm_dcd_poison_find(dev, extent->dpa, extent->length, NULL)) {
            return true;
        }
    }
    return false;
}

/* The log a notice announces a record in, or -1 for other notices. */
static int queued_log(const TmDcdNotice *notice)
{
    switch (notice->kind) {
    case TM_DCD_NOTICE_EVENTS_QUEUED:
        return TM_EVENT_LOG_DYNAMIC_CAPACITY;
    case TM_DCD_NOTICE_RECORD_QUEUED:
        return (int)notice->log;
    default:
        return -1;
    }
}

static void forget_notified(TmCciDeviceWatch *watch, uint16_t host_id)
{
    for (unsigned log = 0; log < TM_EVENT_LOG_COUNT; log++) {
        tm_host_set_remove(&watch->notified[log], host_id);
    }
}

static void on_device_notice(TmDcd *dev, const TmDcdNotice *notice, gpointer opaque)
{
    TmCciDeviceWatch *watch = opaque;
    int log = queued_log(notice);

    if (notice->kind == TM_DCD_NOTICE_BACKGROUND_DONE) {
        notify_background_done(watch, dev);
        return;
    }
    if (notice->kind == TM_DCD_NOTICE_POISON_CHANGED ||
        (notice->kind == TM_DCD_NOTICE_COMMITTED && committed_poisoned(dev, notice))) {
        notify_poison(watch, notice->host_id);
        return;
    }
    if (log < 0 || tm_host_set_contains(&watch->notified[log], notice->host_id)) {
        return;
    }
    g_autoptr(GPtrArray) targets = host_connections(watch, notice->host_id);
    /*
     * Only connections that asked for interrupts of this log (0103h) get
     * packets they did not ask for: "no interrupt" means no packet.
     */
    for (guint i = targets->len; i-- > 0;) {
        if (!tm_mailbox_caller_notifies_log(
                tm_cci_connection_caller(g_ptr_array_index(targets, i)), (TmEventLogType)log)) {
            g_ptr_array_remove_index(targets, i);
        }
    }
    if (targets->len == 0) {
        return;
    }
    tm_host_set_add(&watch->notified[log], notice->host_id);
    for (guint i = 0; i < targets->len; i++) {
        tm_cci_connection_notify(g_ptr_array_index(targets, i), (uint8_t)(1u << log), 0);
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
        watch->host_connections = g_new0(GPtrArray *, tm_dcd_num_hosts(dev));
        g_ptr_array_add(server->watches, watch);
    }
    return watch;
}

/*
 * A host that asked for its events may be notified again.  Whichever log
 * it read, every log's notice is re-armed: at worst a host is told twice,
 * never not at all.
 */
static void on_connection_served(TmCciConnection *connection, const TmCciFrameReply *reply,
                                 void *opaque)
{
    TmCciListener *listener = opaque;
    const TmMailboxCaller *caller = tm_cci_connection_caller(connection);

    if (caller->port == TM_MAILBOX_PORT_HOST &&
        reply->request.opcode == TM_CXL_OP_GET_EVENT_RECORDS &&
        reply->return_code == TM_CXL_RC_SUCCESS) {
        forget_notified(listener->watch, caller->host_id);
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
 * starts afresh: its next records are announced to whoever connects.  An
 * Add DC Response it left half sent is dropped: the next process answers
 * the whole offer.
 */
static void on_connection_closed(TmCciConnection *connection, void *opaque)
{
    TmCciListener *listener = opaque;
    TmCciServer *server = listener->server;
    const TmMailboxCaller *caller = tm_cci_connection_caller(connection);
    guint index;

    if (g_ptr_array_find(server->connections, connection, &index)) {
        g_ptr_array_add(server->closed, g_ptr_array_steal_index(server->connections, index));
    }
    listener->open_connections--;
    if (caller->port == TM_MAILBOX_PORT_HOST) {
        GPtrArray *others = listener->watch->host_connections[caller->host_id];
        g_ptr_array_remove_fast(others, connection);
        tm_dcd_host_connection_gone(listener->watch->dev, caller->host_id,
                                    caller->connection_id);
        if (others->len == 0) {
            forget_notified(listener->watch, caller->host_id);
        }
    }
    if (server->reap_idle == 0) {
        server->reap_idle = g_idle_add_full(G_PRIORITY_DEFAULT, reap_closed, server, NULL);
    }
}

static void on_accept(int connection_fd, void *opaque)
{
    TmCciListener *listener = opaque;
    TmCciServer *server = listener->server;
    TmCciConnectionHooks hooks = {
        .closed = on_connection_closed,
        .served = on_connection_served,
        .opaque = listener,
    };
    g_autoptr(GError) err = NULL;

    if (!tm_admission_admit(&listener->admission, listener->open_connections, connection_fd)) {
        close(connection_fd);
        return;
    }
    TmCciConnection *connection = tm_cci_connection_new(
        server->dispatcher, connection_fd, listener->watch->dev, &listener->caller,
        &server->shared, ++server->next_connection_id, &hooks, &err);
    if (connection == NULL) {
        g_warning("CCI connection %u refused: %s", server->next_connection_id, err->message);
        close(connection_fd);
        return;
    }
    g_ptr_array_add(server->connections, connection);
    listener->open_connections++;
    if (listener->caller.port == TM_MAILBOX_PORT_HOST) {
        GPtrArray **open = &listener->watch->host_connections[listener->caller.host_id];
        if (*open == NULL) {
            *open = g_ptr_array_new();
        }
        g_ptr_array_add(*open, connection);
    }
}

/* ---- Listening sockets ---- */

void tm_cci_server_use_inherited(TmCciServer *server, TmInheritedSockets *inherited)
{
    server->inherited = inherited;
}

void tm_cci_server_use_recorder(TmCciServer *server, const TmMailboxRecorder *recorder)
{
    server->recorder = recorder;
}

bool tm_cci_server_listen(TmCciServer *server, TmDcd *dev, TmMailboxPortKind port,
                          uint16_t host_id, const char *path, GError **err)
{
    TmMailboxCaller caller = {
        .port = port,
        .host_id = port == TM_MAILBOX_PORT_HOST ? host_id : 0,
        .max_payload = server->max_payload,
        .recorder = server->recorder,
    };

    if (!tm_mailbox_caller_check(dev, &caller, err)) {
        return false;
    }
    g_autofree TmCciListener *listener = g_new0(TmCciListener, 1);
    listener->server = server;
    listener->caller = caller;
    TmUnixListenerConfig config = socket_config;
    config.inherited = server->inherited;
    listener->socket = tm_unix_listener_new(server->dispatcher, path, &config, on_accept,
                                            listener, err);
    if (listener->socket == NULL) {
        return false;
    }
    listener->watch = watch_device(server, dev);
    g_autofree char *label = g_strdup_printf("CCI socket %s", path);
    tm_admission_init(&listener->admission, label, server->max_connections,
                      TM_CCI_FD_RESERVE);
    g_ptr_array_add(server->listeners, g_steal_pointer(&listener));
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
    tm_cci_shared_clear(&server->shared);
    g_free(server);
}
