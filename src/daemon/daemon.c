#include "daemon/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "backend/backend_registry.h"
#include "cci/cci_server.h"
#include "core/error.h"
#include "core/fd_dispatcher.h"
#include "core/runtime_dir.h"
#include "daemon/cci_sockets.h"
#include "daemon/device_option.h"
#include "daemon/durable_state.h"
#include "daemon/object_store.h"
#include "daemon/memory_trim.h"
#include "daemon/object_option.h"
#include "daemon/pidfile.h"
#include "daemon/service_manager.h"
#include "daemon/signals.h"
#include "device/device_registry.h"
#include "qmp/qmp_cxl_events.h"
#include "qmp/qmp_server.h"
#include "daemon/redfish_engine.h"
#include "daemon/redfish_option.h"
#include "http/redfish_server.h"

/*
 * The device a daemon has when no -device is given (and no -nodefaults):
 * 32 GiB of DPA space in two 16 GiB regions, two hosts, region 1 sharable
 * (dc-region-sharable bit 1) so that both hosts can map one tagged
 * allocation, no static memdev.  No region sanitizes on its own: a release
 * request asks for it (sanitize-on-release).  It costs no memory: capacity
 * is added with tags, backed by the tagged backends the user creates
 * (docs/configuration.md).
 */
#define TM_DEFAULT_DEVICE \
    "cxl-type3,id=dcd0,num-dc-regions=2,dc-regions-total-size=32G,num-hosts=2," \
    "dc-region-sharable=2"

struct TmDaemon {
    GMainLoop *loop;
    TmFdDispatcher *dispatcher; /* every listening socket and connection */
    TmBackendRegistry *backends;
    TmDeviceRegistry *devices; /* its devices use the backends */
    TmQmpEnv qmp_env;         /* borrowed by the QMP server */
    TmQmpServer *qmp;
    GPtrArray *qmp_sockets;   /* paths being served */
    TmCciServer *cci;         /* the devices' FM and host sockets */
    GPtrArray *cci_sockets;   /* paths being served */
    GPtrArray *redfish;       /* TmRedfishServer: one per -redfish */
    TmRedfishEngine redfish_engine; /* their writes, as QMP requests on qmp_env */
    TmPidfile *pidfile;       /* set once written */
    TmSignals *signals;       /* the signals that stop it (signals.h) */
    guint offer_timer_source;  /* dc-offer-timeout checks; 0 when no device has one */
    TmInheritedSockets *inherited; /* sockets from the service manager */
    guint watchdog_source;     /* 0 when the service manager wants no pings */
    TmDurableState *state;     /* --state-dir; NULL: state lives in memory only */
    GPtrArray *stored_fds;     /* TmStoredFd *: given back by the service manager */
    TmObjectStore *object_store; /* memory objects in the manager's descriptor store */
    TmMemoryTrim *memory_trim; /* gives freed memory back while running */
};

static void request_quit(void *opaque)
{
    TmDaemon *daemon = opaque;

    g_message("quit requested over QMP; shutting down");
    g_main_loop_quit(daemon->loop);
}

static void shut_down_on(void *opaque, const char *signal_name)
{
    TmDaemon *daemon = opaque;

    g_message("%s received; shutting down", signal_name);
    g_main_loop_quit(daemon->loop);
}

/*
 * Host connections and memory objects each hold a descriptor: take all the
 * system allows (the hard limit), as servers do.  Descriptors are watched
 * with epoll (docs/event-loop.md), never select(), so numbers past 1024
 * are fine.
 */
static void raise_descriptor_limit(void)
{
    struct rlimit limit;

    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) {
        return;
    }
    rlim_t before = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) == 0) {
        g_debug("RLIMIT_NOFILE raised from %ju to %ju", (uintmax_t)before,
                (uintmax_t)limit.rlim_cur);
    }
}

static bool create_backends(TmDaemon *daemon, const GPtrArray *objects, GError **err)
{
    for (guint i = 0; i < objects->len; i++) {
        const TmObjectOption *option = g_ptr_array_index(objects, i);
        if (tm_object_option_create(option, daemon->backends, err) == NULL) {
            g_prefix_error(err, "-object %s: ", option->text);
            return false;
        }
        g_debug("created %s '%s'", option->qom_type, option->id);
    }
    return true;
}

static bool create_device(TmDaemon *daemon, const TmDeviceOption *option, GError **err)
{
    TmDcd *dev = tm_device_option_create(option, daemon->devices, err);

    if (dev == NULL) {
        g_prefix_error(err, "-device %s: ", option->text);
        return false;
    }
    tm_qmp_cxl_watch_device(&daemon->qmp_env, dev);
    g_debug("created %s '%s'", option->driver, option->id);
    return true;
}

static bool create_devices(TmDaemon *daemon, const TmDaemonOptions *options, GError **err)
{
    if (options->devices->len == 0 && !options->no_defaults) {
        g_autoptr(TmDeviceOption) option = tm_device_option_parse(TM_DEFAULT_DEVICE, NULL);
        g_assert(option != NULL);
        return create_device(daemon, option, err);
    }
    for (guint i = 0; i < options->devices->len; i++) {
        if (!create_device(daemon, g_ptr_array_index(options->devices, i), err)) {
            return false;
        }
    }
    return true;
}

static void emit_event(void *opaque, const char *name, json_object *data)
{
    TmDaemon *daemon = opaque;

    tm_qmp_server_emit_event(daemon->qmp, name, data);
}

static bool wants_events(void *opaque)
{
    TmDaemon *daemon = opaque;

    return tm_qmp_server_wants_events(daemon->qmp);
}

/* The default socket lives in a private directory made for it. */
static bool choose_sockets(TmDaemon *daemon, const GPtrArray *requested, GError **err)
{
    for (guint i = 0; i < requested->len; i++) {
        g_ptr_array_add(daemon->qmp_sockets, g_strdup(g_ptr_array_index(requested, i)));
    }
    if (requested->len > 0) {
        return true;
    }
    g_autofree char *dir = tm_runtime_dir_default();
    if (!tm_runtime_dir_ensure(dir, err)) {
        return false;
    }
    g_ptr_array_add(daemon->qmp_sockets, g_build_filename(dir, TM_QMP_SOCKET_NAME, NULL));
    return true;
}

static bool listen_all(TmDaemon *daemon, GError **err)
{
    for (guint i = 0; i < daemon->qmp_sockets->len; i++) {
        const char *path = g_ptr_array_index(daemon->qmp_sockets, i);
        if (!tm_qmp_server_listen_unix(daemon->qmp, path, err)) {
            g_prefix_error(err, "-qmp unix:%s: ", path);
            return false;
        }
    }
    return true;
}

/* dc-offer-timeout: withdraw what hosts left unanswered too long, once a second. */
static gboolean expire_offers(gpointer data)
{
    TmDaemon *daemon = data;
    g_autoptr(GPtrArray) devices = tm_device_registry_list(daemon->devices);
    int64_t now_us = g_get_monotonic_time();

    for (guint i = 0; i < devices->len; i++) {
        TmDcd *dev = g_ptr_array_index(devices, i);
        g_autoptr(GArray) offers = g_array_new(FALSE, FALSE, sizeof(TmDcWithdrawnOffer));
        guint withdrawn = tm_dcd_withdraw_expired(dev, now_us, offers);

        if (withdrawn > 0) {
            g_message("%s: withdrew %u add request(s) unanswered for %" G_GUINT64_FORMAT " s",
                      tm_dcd_path(dev), withdrawn, tm_dcd_offer_timeout(dev));
        }
        if (daemon->state != NULL) {
            tm_durable_state_record_withdrawn(daemon->state, tm_dcd_path(dev), offers);
        }
    }
    return G_SOURCE_CONTINUE;
}

/*
 * --state-dir: rebuild what was recorded on top of what the command line
 * made, then record every change from here on, before sockets open.
 */
static bool restore_state(TmDaemon *daemon, const char *dir, GError **err)
{
    daemon->state = tm_durable_state_open(dir, err);
    if (daemon->state == NULL || !tm_durable_state_replay(daemon->state, &daemon->qmp_env, err)) {
        return false;
    }
    tm_durable_state_record_qmp(daemon->state, &daemon->qmp_env);
    tm_cci_server_use_recorder(daemon->cci, tm_durable_state_mailbox_recorder(daemon->state));
    tm_durable_state_record_background(daemon->state, daemon->devices);
    return true;
}

static bool any_offer_timeout(const TmDeviceRegistry *registry)
{
    g_autoptr(GPtrArray) devices = tm_device_registry_list(registry);

    for (guint i = 0; i < devices->len; i++) {
        if (tm_dcd_offer_timeout(g_ptr_array_index(devices, i)) > 0) {
            return true;
        }
    }
    return false;
}

static bool start_redfish(TmDaemon *daemon, const GPtrArray *options, GError **err)
{
    tm_redfish_qmp_engine_init(&daemon->redfish_engine, &daemon->qmp_env);
    for (guint i = 0; i < options->len; i++) {
        const TmRedfishOption *option = g_ptr_array_index(options, i);
        TmRedfishServerConfig config = {
            .host = option->host, .port = option->port, .users_file = option->users_file,
            .tls_cert = option->tls_cert, .tls_key = option->tls_key,
            .idle_timeout_s = option->idle_timeout_s, .engine = &daemon->redfish_engine,
        };
        TmRedfishServer *server = tm_redfish_server_new(daemon->devices, &config, err);
        if (server == NULL) {
            g_prefix_error(err, "-redfish addr=%s:%u: ", option->host, option->port);
            return false;
        }
        g_ptr_array_add(daemon->redfish, server);
        g_message("redfish: %s://%s%s%s:%u/redfish/v1 (%s)", option->tls_cert ? "https" : "http",
                  strchr(option->host, ':') ? "[" : "", option->host,
                  strchr(option->host, ':') ? "]" : "", tm_redfish_server_port(server),
                  option->users_file ? "users: HTTP Basic and sessions"
                                     : "loopback clients, no credentials");
    }
    return true;
}

TmDaemon *tm_daemon_new(const TmDaemonOptions *options, GError **err)
{
    g_autoptr(TmDaemon) daemon = g_new0(TmDaemon, 1);

    daemon->loop = g_main_loop_new(NULL, FALSE);
    daemon->backends = tm_backend_registry_new();
    daemon->devices = tm_device_registry_new(daemon->backends);
    daemon->qmp_env.backends = daemon->backends;
    daemon->qmp_env.devices = daemon->devices;
    daemon->qmp_env.request_quit = request_quit;
    daemon->qmp_env.quit_opaque = daemon;
    daemon->qmp_env.emit_event = emit_event;
    daemon->qmp_env.wants_events = wants_events;
    daemon->qmp_env.event_opaque = daemon;
    raise_descriptor_limit();
    daemon->dispatcher = tm_fd_dispatcher_new(NULL, err);
    if (daemon->dispatcher == NULL) {
        return NULL;
    }
    daemon->qmp = tm_qmp_server_new(&daemon->qmp_env, daemon->dispatcher,
                                    options->max_connections);
    daemon->qmp_sockets = g_ptr_array_new_with_free_func(g_free);
    daemon->cci = tm_cci_server_new(daemon->dispatcher, options->max_payload,
                                    options->max_connections);
    daemon->cci_sockets = g_ptr_array_new_with_free_func(g_free);
    daemon->redfish = g_ptr_array_new_with_free_func((GDestroyNotify)tm_redfish_server_free);
    daemon->stored_fds = g_ptr_array_new_with_free_func((GDestroyNotify)tm_stored_fd_free);
    daemon->inherited = tm_service_inherited_sockets(daemon->stored_fds, err);
    if (daemon->inherited == NULL) {
        return NULL;
    }
    tm_qmp_server_use_inherited(daemon->qmp, daemon->inherited);
    tm_cci_server_use_inherited(daemon->cci, daemon->inherited);

    /*
     * Sockets and pidfile come last: a failure before them leaves no file,
     * and freeing the servers removes the sockets made before a failure.
     * The CCI sockets come before QMP's, so that a client that sees QMP
     * answer finds every host socket ready.
     */
    if (!create_backends(daemon, options->objects, err) || !create_devices(daemon, options, err) ||
        (options->state_dir && !restore_state(daemon, options->state_dir, err)) ||
        !(daemon->object_store = tm_object_store_new(daemon->backends, daemon->devices,
                                                      daemon->stored_fds,
                                                      options->state_dir != NULL)) ||
        !tm_cci_sockets_listen(daemon->cci, daemon->devices, options->cci_sockets,
                               daemon->cci_sockets, err) ||
        !start_redfish(daemon, options->redfish, err) ||
        !choose_sockets(daemon, options->qmp_sockets, err) || !listen_all(daemon, err) ||
        (options->pidfile &&
         (daemon->pidfile = tm_pidfile_acquire(options->pidfile, err)) == NULL) ||
        (daemon->signals = tm_signals_watch(shut_down_on, daemon, err)) == NULL) {
        return NULL;
    }
    tm_inherited_sockets_close_unused(daemon->inherited);
    if (any_offer_timeout(daemon->devices)) {
        daemon->offer_timer_source = g_timeout_add_seconds(1, expire_offers, daemon);
    }
    return g_steal_pointer(&daemon);
}

void tm_daemon_run(TmDaemon *daemon)
{
    g_autofree char *sockets = NULL;

    g_ptr_array_add(daemon->qmp_sockets, NULL);
    sockets = g_strjoinv(", ", (char **)daemon->qmp_sockets->pdata);
    g_ptr_array_remove_index(daemon->qmp_sockets, daemon->qmp_sockets->len - 1);
    g_autofree char *status = g_strdup_printf(
        "%u backend(s), %u device(s), QMP on %s, %u CCI socket(s)",
        tm_backend_registry_count(daemon->backends), tm_device_registry_count(daemon->devices),
        sockets, daemon->cci_sockets->len);
    g_message("ready: pid %d, %s", (int)getpid(), status);
    tm_service_notify_ready(status);
    daemon->watchdog_source = tm_service_watchdog_start();
    daemon->memory_trim = tm_memory_trim_start();
    g_main_loop_run(daemon->loop);
    tm_service_notify_stopping();
}

void tm_daemon_free(TmDaemon *daemon)
{
    if (daemon == NULL) {
        return;
    }
    g_clear_pointer(&daemon->signals, tm_signals_free);
    g_clear_handle_id(&daemon->offer_timer_source, g_source_remove);
    g_clear_handle_id(&daemon->watchdog_source, g_source_remove);
    g_clear_pointer(&daemon->memory_trim, tm_memory_trim_stop);
    /* The servers close their clients and remove their socket files. */
    g_clear_pointer(&daemon->qmp, tm_qmp_server_free);
    /* Before the devices it reads. */
    g_clear_pointer(&daemon->redfish, g_ptr_array_unref);
    /* Before the devices it observes. */
    g_clear_pointer(&daemon->cci, tm_cci_server_free);
    g_clear_pointer(&daemon->dispatcher, tm_fd_dispatcher_free);
    g_clear_pointer(&daemon->devices, tm_device_registry_free);
    /* Before the backends: their objects stay in the descriptor store at exit. */
    g_clear_pointer(&daemon->object_store, tm_object_store_free);
    g_clear_pointer(&daemon->backends, tm_backend_registry_free);
    /* After everything that could record a change. */
    g_clear_pointer(&daemon->state, tm_durable_state_free);
    g_clear_pointer(&daemon->pidfile, tm_pidfile_release);
    g_clear_pointer(&daemon->qmp_sockets, g_ptr_array_unref);
    g_clear_pointer(&daemon->cci_sockets, g_ptr_array_unref);
    g_clear_pointer(&daemon->inherited, tm_inherited_sockets_free);
    g_clear_pointer(&daemon->stored_fds, g_ptr_array_unref);
    g_clear_pointer(&daemon->loop, g_main_loop_unref);
    g_free(daemon);
}
