/*
 * The public API (include/tagmem/tagmem.h): handle life cycle, error
 * reporting, event processing entry points, queries, read/write and
 * release.  Internal functions report GErrors whose codes are errno
 * values; each entry point turns a failure into -errno plus a message.
 */
#include "host/host_internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cci/vendor_commands.h"
#include "core/runtime_dir_rule.h"
#include "host/accept_policy.h"
#include "host/host_commands.h"
#include "host/host_error.h"
#include "host/host_extent.h"
#include "host/memory_map.h"

#define DEFAULT_TIMEOUT_MS 5000
#define DEFAULT_RECONNECT_MS 30000
/* Event Notification bitmap bit 4: the Dynamic Capacity log. */
#define DC_LOG_BIT (1u << TM_HOST_EVENT_LOG_DYNAMIC_CAPACITY)
/* Logs 00h-03h: informational, warning, failure, fatal (the device's own records). */
#define DEVICE_LOG_BITS 0x0Fu

void tm_host_emit(TagmemHost *host, TagmemEventKind kind, const TagmemExtent *extent,
                  TagmemVerdict verdict, bool slow_path)
{
    TagmemEvent event = {
        .kind = kind,
        .extent = *extent,
        .verdict = verdict,
        .slow_path = slow_path,
    };

    if (host->opts.event_fn != NULL) {
        host->opts.event_fn(host->opts.event_data, &event);
    }
}

/* Record @error as the handle's last failure; returns -errno. */
static int fail(TagmemHost *host, GError *error)
{
    int code = error->domain == TM_HOST_ERROR && error->code > 0 ? error->code : EIO;

    g_free(host->last_error);
    host->last_error = g_strdup(error->message);
    host->last_return_code = code == EREMOTEIO ? host->conn.last_return_code : 0;
    g_error_free(error);
    return -code;
}

static void succeed(TagmemHost *host)
{
    g_clear_pointer(&host->last_error, g_free);
    host->last_return_code = 0;
}

static bool check_options(const TagmemHostOptions *opts, GError **err)
{
    if (opts->policy > TAGMEM_POLICY_CALLBACK) {
        g_set_error(err, TM_HOST_ERROR, EINVAL, "policy %d is not a TagmemPolicy",
                    (int)opts->policy);
        return false;
    }
    if (opts->policy == TAGMEM_POLICY_CALLBACK && opts->policy_fn == NULL) {
        g_set_error(err, TM_HOST_ERROR, EINVAL,
                    "policy TAGMEM_POLICY_CALLBACK without a policy_fn");
        return false;
    }
    if (opts->sequence_base > 1) {
        g_set_error(err, TM_HOST_ERROR, EINVAL, "sequence_base %u is neither 0 nor 1",
                    opts->sequence_base);
        return false;
    }
    return true;
}

static TagmemHost *host_new(const TagmemHostOptions *opts)
{
    TagmemHost *host = g_new0(TagmemHost, 1);

    if (opts != NULL) {
        host->opts = *opts;
    }
    if (host->opts.max_pending_extents == 0) {
        host->opts.max_pending_extents = TM_ACCEPT_DEFAULT_MAX_PENDING;
    }
    if (host->opts.timeout_ms == 0) {
        host->opts.timeout_ms = DEFAULT_TIMEOUT_MS;
    }
    host->logger = (TmHostLogger){ .fn = host->opts.log_fn, .data = host->opts.log_data };
    host->conn.fd = -1;
    host->reconnect_ms = DEFAULT_RECONNECT_MS;
    host->mapped_inodes = g_hash_table_new(g_direct_hash, g_direct_equal);
    host->regions = g_array_new(FALSE, FALSE, sizeof(TagmemRegion));
    host->committed = tm_committed_new();
    host->pending_chain = g_array_new(FALSE, FALSE, sizeof(TagmemExtent));
    host->tag_views = tm_tag_views_new();
    host->view_arenas = g_array_new(FALSE, FALSE, sizeof(TmReservation));
    host->device_event_fd = -1;
    return host;
}

/* The window covers the DPA space up to the end of the last DC region. */
static bool reserve_window(TagmemHost *host, GError **err)
{
    for (guint i = 0; i < host->regions->len; i++) {
        const TagmemRegion *region = &g_array_index(host->regions, TagmemRegion, i);

        host->window_size = MAX(host->window_size, region->base + region->length);
    }
    if (host->window_size == 0) {
        tm_host_log(&host->logger, TAGMEM_LOG_WARNING, "the device has no DC region");
        return true;
    }
    return tm_host_reserve(host->window_size, &host->window, err);
}

/*
 * Requests are held to what the socket's send buffer takes as well as to
 * the device's maximum (docs/host-protocol.md), rounded down to a power of
 * two like every maximum the device reports.
 */
bool tm_host_fit_max_payload(TagmemHost *host, GError **err)
{
    size_t fitted = 256;

    if (host->conn.max_request_payload < fitted) {
        g_set_error(err, TM_HOST_ERROR, ENOBUFS,
                    "the socket send buffer takes %zu-byte payloads, less than the 256 the "
                    "protocol needs", host->conn.max_request_payload);
        return false;
    }
    while (fitted * 2 <= host->conn.max_request_payload && fitted * 2 <= host->max_payload) {
        fitted *= 2;
    }
    host->max_payload = MIN(host->max_payload, fitted);
    return true;
}

static bool host_start(TagmemHost *host, const char *path, GError **err)
{
    size_t handled = 0;

    host->socket_path = g_strdup(path);
    if (!check_options(&host->opts, err) ||
        !tm_host_device_events_init(host, err) ||
        !tm_host_conn_open(&host->conn, path, host->opts.timeout_ms, &host->logger, err) ||
        !tm_host_identify(&host->conn, &host->max_payload, err) ||
        !tm_host_fit_max_payload(host, err) ||
        !tm_host_enable_events(&host->conn, host->max_payload, err) ||
        !tm_host_get_dc_config(&host->conn, host->regions, err) ||
        !reserve_window(host, err) ||
        !tm_host_sync_committed(host, err)) {
        return false;
    }
    tm_host_log(&host->logger, TAGMEM_LOG_INFO,
                "connected to %s: %u DC regions, window of 0x%" G_GINT64_MODIFIER "x bytes at %p,"
                " %u extents held, max payload %zu", path, host->regions->len,
                host->window_size, (void *)host->window, host->committed->len,
                host->max_payload);
    /* Records logged before this connection get no notification of their own. */
    tm_host_conn_take_notification(&host->conn);
    return tm_host_drain_events(host, &handled, err) &&
           tm_host_drain_device_events(host, DEVICE_LOG_BITS, &handled, err) &&
           tm_host_refresh_poison(host, true, err);
}

/* The daemon's default: host0.sock in the runtime directory both find by one rule. */
TAGMEM_API char *tagmem_host_default_socket(void)
{
    g_autofree char *dir = tm_runtime_dir_rule();

    return g_build_filename(dir, "host0.sock", NULL);
}

TAGMEM_API TagmemHost *tagmem_host_connect(const char *path, const TagmemHostOptions *opts,
                                           char **error)
{
    g_autofree char *default_path = path == NULL ? tagmem_host_default_socket() : NULL;
    TagmemHost *host = host_new(opts);
    g_autoptr(GError) local = NULL;

    if (!host_start(host, path != NULL ? path : default_path, &local)) {
        if (error != NULL) {
            *error = g_strdup(local->message);
        }
        tagmem_host_close(host);
        return NULL;
    }
    return host;
}

TAGMEM_API void tagmem_host_close(TagmemHost *host)
{
    if (host == NULL) {
        return;
    }
    tm_tag_views_free(host);
    g_hash_table_unref(host->tag_views);
    g_array_unref(host->view_arenas);
    tm_host_unreserve(host->window, host->window_size);
    tm_host_conn_close(&host->conn);
    tm_host_device_events_free(host);
    g_array_unref(host->regions);
    g_array_unref(host->committed);
    g_array_unref(host->pending_chain);
    if (host->poisoned) {
        g_array_unref(host->poisoned);
    }
    g_hash_table_unref(host->mapped_inodes);
    g_free(host->socket_path);
    g_free(host->last_error);
    g_free(host);
}

TAGMEM_API const char *tagmem_host_last_error(const TagmemHost *host)
{
    return host->last_error != NULL ? host->last_error : "";
}

TAGMEM_API uint16_t tagmem_host_last_return_code(const TagmemHost *host)
{
    return host->last_return_code;
}

TAGMEM_API int tagmem_host_fd(const TagmemHost *host)
{
    return host->conn.fd;
}

/* Drain the logs notified for as long as notifications keep arriving. */
static bool drain_while_notified(TagmemHost *host, size_t *handled, GError **err)
{
    *handled = 0;
    while (host->conn.notified) {
        uint8_t logs = host->conn.notified_logs;
        bool dc_log = (logs & DC_LOG_BIT) != 0 || logs == 0;
        bool poison = (logs & TM_VENDOR_NOTIFY_POISON_CHANGED) != 0;
        size_t batch = 0;

        tm_host_conn_take_notification(&host->conn);
        if ((dc_log && !tm_host_drain_events(host, &batch, err)) ||
            !tm_host_drain_device_events(host, logs & DEVICE_LOG_BITS, &batch, err)) {
            return false;
        }
        /* The daemon also sets the bit when capacity the host accepts holds poison. */
        if (poison && !tm_host_refresh_poison(host, false, err)) {
            return false;
        }
        *handled += batch;
    }
    return true;
}

/* A call broke on the daemon going away: reconnect (and resynchronise) when allowed. */
static bool recovered(TagmemHost *host, GError **error, size_t *handled)
{
    size_t answered = 0;

    if (!tm_host_may_reconnect(host, *error)) {
        return false;
    }
    g_clear_error(error);
    if (!tm_host_reconnect(host, &answered, error)) {
        return false;
    }
    if (handled != NULL) {
        *handled += answered;
    }
    return true;
}

static int process(TagmemHost *host, int timeout_ms)
{
    GError *error = NULL;
    bool notified = false;
    size_t handled = 0;

    if ((!tm_host_conn_wait_notification(&host->conn, timeout_ms, &notified, &error) ||
         !drain_while_notified(host, &handled, &error)) &&
        !recovered(host, &error, &handled)) {
        return fail(host, error);
    }
    succeed(host);
    return (int)MIN(handled, (size_t)G_MAXINT);
}

TAGMEM_API void tagmem_host_set_reconnect(TagmemHost *host, int timeout_ms)
{
    host->reconnect_ms = MAX(timeout_ms, 0);
}

TAGMEM_API int tagmem_host_dispatch(TagmemHost *host)
{
    return process(host, 0);
}

TAGMEM_API int tagmem_host_process_events(TagmemHost *host, int timeout_ms)
{
    return process(host, timeout_ms);
}

TAGMEM_API void tagmem_host_window(const TagmemHost *host, void **base, uint64_t *size)
{
    *base = host->window;
    *size = host->window_size;
}

TAGMEM_API int tagmem_host_find_tag(TagmemHost *host, const uint8_t tag[16], void **addr,
                                    size_t *size)
{
    const TmTagView *view = g_hash_table_lookup(host->tag_views, tag);
    char tag_text[TM_HOST_TAG_STRING_LEN + 1];
    GError *error = NULL;

    tm_host_tag_format(tag, tag_text);
    if (view == NULL) {
        g_set_error(&error, TM_HOST_ERROR, ENOENT, "this host holds no capacity with tag %s",
                    tag_text);
        return fail(host, error);
    }
    if (view->base == NULL) {
        g_set_error(&error, TM_HOST_ERROR, ENOTSUP,
                    "tag %s has no contiguous view: some of its capacity is on the slow path "
                    "(use tagmem_host_read/write)", tag_text);
        return fail(host, error);
    }
    *addr = view->base;
    *size = view->size;
    succeed(host);
    return 0;
}

TAGMEM_API size_t tagmem_host_extents(const TagmemHost *host, TagmemMapping *out, size_t max)
{
    for (guint i = 0; i < host->committed->len && i < max; i++) {
        const TmCommittedExtent *held = &g_array_index(host->committed, TmCommittedExtent, i);

        out[i] = (TagmemMapping){
            .extent = held->extent,
            .addr = held->mapped ? host->window + held->extent.dpa : NULL,
            .writable = held->writable,
            .shared = held->shared,
        };
    }
    return host->committed->len;
}

TAGMEM_API size_t tagmem_host_regions(const TagmemHost *host, TagmemRegion *out, size_t max)
{
    for (guint i = 0; i < host->regions->len && i < max; i++) {
        out[i] = g_array_index(host->regions, TagmemRegion, i);
    }
    return host->regions->len;
}

static bool check_held(const TagmemHost *host, uint64_t dpa, size_t length, GError **err)
{
    if (!tm_committed_covers(host->committed, dpa, length)) {
        g_set_error(err, TM_HOST_ERROR, EINVAL,
                    "DPA 0x%" G_GINT64_MODIFIER "x+0x%zx is not all held by this host", dpa,
                    length);
        return false;
    }
    return true;
}

TAGMEM_API int tagmem_host_read(TagmemHost *host, uint64_t dpa, void *buf, size_t length)
{
    GError *error = NULL;

    if (!check_held(host, dpa, length, &error) ||
        (!tm_host_read_dpa(&host->conn, host->max_payload, dpa, buf, length, &error) &&
         (!recovered(host, &error, NULL) || !check_held(host, dpa, length, &error) ||
          !tm_host_read_dpa(&host->conn, host->max_payload, dpa, buf, length, &error)))) {
        return fail(host, error);
    }
    succeed(host);
    return 0;
}

TAGMEM_API int tagmem_host_write(TagmemHost *host, uint64_t dpa, const void *buf,
                                 size_t length)
{
    GError *error = NULL;

    if (!check_held(host, dpa, length, &error) ||
        (!tm_host_write_dpa(&host->conn, host->max_payload, dpa, buf, length, &error) &&
         (!recovered(host, &error, NULL) || !check_held(host, dpa, length, &error) ||
          !tm_host_write_dpa(&host->conn, host->max_payload, dpa, buf, length, &error)))) {
        return fail(host, error);
    }
    succeed(host);
    return 0;
}

TAGMEM_API int tagmem_host_release_tag(TagmemHost *host, const uint8_t tag[16])
{
    GError *error = NULL;
    bool found = false;

    if (!tm_host_release_held_tag(host, tag, &found, &error)) {
        /* After a restart, what the daemon did not take back yet is released again. */
        bool again = false;
        if (!recovered(host, &error, NULL) ||
            !tm_host_release_held_tag(host, tag, &again, &error)) {
            return fail(host, error);
        }
    }
    if (!found) {
        char tag_text[TM_HOST_TAG_STRING_LEN + 1];

        tm_host_tag_format(tag, tag_text);
        g_set_error(&error, TM_HOST_ERROR, ENOENT, "this host holds no capacity with tag %s",
                    tag_text);
        return fail(host, error);
    }
    succeed(host);
    return 0;
}

TAGMEM_API int tagmem_host_release_range(TagmemHost *host, uint64_t dpa, uint64_t length)
{
    GError *error = NULL;

    if (!tm_host_release_held_range(host, dpa, length, &error) &&
        (!recovered(host, &error, NULL) ||
         /* After a restart the range is still held only if the daemon did not take it. */
         (tm_committed_covers(host->committed, dpa, length) &&
          !tm_host_release_held_range(host, dpa, length, &error)))) {
        return fail(host, error);
    }
    succeed(host);
    return 0;
}
