#include "host_session.h"

#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <time.h>

/* dc-max-extents (and so the event log depth): a whole request and the tagged allocation. */
#define DEVICE_MAX_EXTENTS 2048u

void bench_start(Bench *bench, const BenchOptions *opts)
{
    uint64_t region_bytes = MAX((uint64_t)MAX_REQUEST_EXTENTS * EXTENT_BYTES, opts->size);
    g_autofree char *memdev = g_strdup_printf("memory-backend-memfd,id=dc0,size=%" PRIu64,
                                              2 * region_bytes);
    g_autofree char *tagged = g_strdup_printf("memory-backend-memfd,id=tagged0,size=%" PRIu64
                                              ",tag=" BENCH_TAG, opts->size);
    g_autofree char *device = g_strdup_printf("cxl-type3,id=dcd0,volatile-dc-memdev=dc0,"
                                              "num-dc-regions=2,dc-max-extents=%u",
                                              DEVICE_MAX_EXTENTS);
    const char *args[] = {
        "--log-level", "warning", "-nodefaults", "-object", memdev, "-object", tagged,
        "-device", device, NULL,
    };

    bench->daemon = tm_test_daemon_start(args);
    bench->qmp = tm_test_daemon_connect(bench->daemon);
    bench->host_path = g_build_filename(bench->daemon->dir, "tagmem", "host0.sock", NULL);
}

int bench_stop(Bench *bench)
{
    tm_qmp_conn_free(bench->qmp);
    int status = tm_test_daemon_stop(bench->daemon, SIGTERM);
    tm_test_daemon_free(bench->daemon);
    g_free(bench->host_path);
    return status;
}

uint64_t bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_die_host(TagmemHost *host, const char *what)
{
    g_error("bench-host: %s: %s (CXL return code %02Xh)", what, tagmem_host_last_error(host),
            tagmem_host_last_return_code(host));
}

static void on_host_event(void *data, const TagmemEvent *event)
{
    HostTally *tally = data;

    if (event->kind == TAGMEM_EVENT_ACCEPTED) {
        tally->accepted++;
    } else if (event->kind == TAGMEM_EVENT_REJECTED) {
        tally->rejected++;
        tally->verdict = event->verdict;
    }
}

TagmemHost *bench_host_connect(const char *path, guint max_pending, HostTally *tally)
{
    TagmemHostOptions opts = {
        .policy = TAGMEM_POLICY_LINUX_V11,
        .max_pending_extents = max_pending,
        .timeout_ms = EVENT_TIMEOUT_MS,
        .event_fn = on_host_event,
        .event_data = tally,
    };
    char *error = NULL;
    TagmemHost *host = tagmem_host_connect(path, &opts, &error);

    if (host == NULL) {
        g_error("bench-host: connecting to %s: %s", path, error);
    }
    return host;
}

void bench_host_accept(TagmemHost *host, HostTally *tally, guint n)
{
    guint target = tally->accepted + n;

    while (tally->accepted < target) {
        int handled = tagmem_host_process_events(host, EVENT_TIMEOUT_MS);

        if (handled < 0) {
            bench_die_host(host, "processing events");
        }
        if (handled == 0) {
            g_error("bench-host: no notification within %d ms", EVENT_TIMEOUT_MS);
        }
        if (tally->rejected > 0) {
            g_error("bench-host: the host rejected %u extents (%s)", tally->rejected,
                    tagmem_verdict_name(tally->verdict));
        }
    }
}

/* The bytes tagmemd sent for @message: its plain JSON and the CR LF ending every message. */
static size_t wire_size(json_object *message)
{
    size_t length;

    json_object_to_json_string_length(message,
                                      JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
                                      &length);
    return length + 2;
}

static json_object *receive(TmQmpConn *qmp)
{
    g_autoptr(GError) err = NULL;
    json_object *message = tm_qmp_conn_receive(qmp, EVENT_TIMEOUT_MS, &err);
    json_object *error;

    if (message == NULL) {
        g_error("bench-host: QMP: %s", err->message);
    }
    if (json_object_object_get_ex(message, "error", &error)) {
        g_error("bench-host: QMP error: %s", json_object_to_json_string(error));
    }
    return message;
}

size_t bench_qmp_request(TmQmpConn *qmp, const char *request)
{
    g_autoptr(GError) err = NULL;

    if (!tm_qmp_conn_send_raw(qmp, request, strlen(request), &err)) {
        g_error("bench-host: QMP: %s", err->message);
    }
    for (;;) {
        json_object *message = receive(qmp);

        if (json_object_object_get_ex(message, "return", NULL)) {
            size_t size = wire_size(message);
            json_object_put(message);
            return size;
        }
        json_object_put(message);
    }
}

static guint event_extents(json_object *event)
{
    json_object *data, *extents;

    if (!json_object_object_get_ex(event, "data", &data) ||
        !json_object_object_get_ex(data, "extents", &extents)) {
        g_error("bench-host: event without extents: %s", json_object_to_json_string(event));
    }
    return (guint)json_object_array_length(extents);
}

void bench_qmp_read_cycle_events(TmQmpConn *qmp, guint n, GArray *sizes)
{
    guint committed = 0, released = 0;

    while (committed < n || released < n) {
        json_object *message = receive(qmp);
        json_object *name;

        if (!json_object_object_get_ex(message, "event", &name)) {
            g_error("bench-host: expected an event, got %s", json_object_to_json_string(message));
        }
        const char *event = json_object_get_string(name);
        if (strcmp(event, "CXL_DC_CAPACITY_COMMITTED") == 0) {
            committed += event_extents(message);
        } else if (strcmp(event, "CXL_DC_CAPACITY_RELEASED") == 0) {
            released += event_extents(message);
        } else {
            g_error("bench-host: unexpected event %s", json_object_to_json_string(message));
        }
        if (sizes != NULL) {
            uint32_t size = (uint32_t)wire_size(message);
            g_array_append_val(sizes, size);
        }
        json_object_put(message);
    }
}
