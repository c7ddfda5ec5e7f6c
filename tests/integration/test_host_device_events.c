/*
 * libtagmem's pollable device-event API in-process against the real
 * daemon: records logged before the connection are queued at connect,
 * later ones after the host's descriptor is dispatched; the event
 * descriptor polls readable exactly while events wait; with a callback
 * set, events go to it and nothing is queued.
 */
#include <poll.h>
#include <string.h>

#include "daemon_harness.h"
#include "tagmem/tagmem.h"

#define WAIT_MS 10000

static void inject_media(TmQmpConn *qmp, const char *log, uint64_t dpa)
{
    g_autofree char *args = g_strdup_printf(
        "{\"path\": \"dcd0\", \"log\": \"%s\", \"flags\": 2, \"dpa\": %" G_GUINT64_FORMAT ","
        " \"descriptor\": 1, \"type\": 2, \"transaction-type\": 0}", log, dpa);
    json_object *reply = tm_test_execute(qmp, "cxl-inject-general-media-event", args);

    tm_test_assert_return(reply);
    json_object_put(reply);
}

static bool readable(int fd, int timeout_ms)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };

    return poll(&pfd, 1, timeout_ms) == 1 && (pfd.revents & POLLIN);
}

/* Dispatch until @fd (the event descriptor) polls readable. */
static void dispatch_until_readable(TagmemHost *host, int fd)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;

    while (!readable(fd, 0)) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        if (readable(tagmem_host_fd(host), 100)) {
            g_assert_cmpint(tagmem_host_dispatch(host), >=, 0);
        }
    }
}

static void count_event(void *data, const TagmemDeviceEvent *event)
{
    GArray *seen = data;

    g_array_append_val(seen, *event);
}

static void test_queue_and_callback(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    g_autoptr(TmQmpConn) qmp = tm_test_daemon_connect(daemon);
    g_autofree char *path = g_build_filename(daemon->dir, "tagmem", "host0.sock", NULL);
    TagmemDeviceEvent event;
    char *error = NULL;

    /* Logged before the host connects: queued at connect, nobody notified it. */
    inject_media(qmp, "failure", 0x1000);
    TagmemHost *host = tagmem_host_connect(path, NULL, &error);
    g_assert_null(error);
    g_assert_nonnull(host);
    int fd = tagmem_host_device_event_fd(host);
    g_assert_true(readable(fd, 0));
    g_assert_cmpint(tagmem_host_next_device_event(host, &event), ==, 1);
    g_assert_cmpint(event.log, ==, TAGMEM_DEVICE_LOG_FAILURE);
    g_assert_cmpint(event.type, ==, TAGMEM_DEVICE_EVENT_GENERAL_MEDIA);
    g_assert_cmphex(event.flags, ==, 2);
    g_assert_cmpuint(event.event_type, ==, 2);
    g_assert_true(event.has_dpa);
    g_assert_cmphex(event.dpa, ==, 0x1000);
    g_assert_false(event.in_tag);
    g_assert_cmpint(tagmem_host_next_device_event(host, &event), ==, 0);
    g_assert_false(readable(fd, 0));

    /* Two later ones, in order; the descriptor stays readable until both are taken. */
    inject_media(qmp, "informational", 0x2000);
    inject_media(qmp, "fatal", 0x3000);
    dispatch_until_readable(host, fd);
    while (tagmem_host_dispatch(host) > 0) {
    }
    g_assert_cmpint(tagmem_host_next_device_event(host, &event), ==, 1);
    g_assert_cmphex(event.dpa, ==, 0x2000);
    g_assert_cmpstr(tagmem_device_log_name(event.log), ==, "informational");
    if (!readable(fd, 0)) {
        /* The fatal one may come with a later notification. */
        dispatch_until_readable(host, fd);
    }
    g_assert_cmpint(tagmem_host_next_device_event(host, &event), ==, 1);
    g_assert_cmphex(event.dpa, ==, 0x3000);
    g_assert_cmpstr(tagmem_device_event_type_name(event.type), ==, "general-media");
    g_assert_false(readable(fd, 0));

    /* With a callback, events go there and the queue stays empty. */
    g_autoptr(GArray) seen = g_array_new(FALSE, FALSE, sizeof(TagmemDeviceEvent));
    tagmem_host_set_device_event_callback(host, count_event, seen);
    inject_media(qmp, "warning", 0x4040);
    gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
    while (seen->len == 0) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_assert_cmpint(tagmem_host_process_events(host, 100), >=, 0);
    }
    g_assert_cmphex(g_array_index(seen, TagmemDeviceEvent, 0).dpa, ==, 0x4040);
    g_assert_cmpint(tagmem_host_next_device_event(host, &event), ==, 0);
    g_assert_false(readable(fd, 0));
    tagmem_host_close(host);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/device_events/queue_and_callback", test_queue_and_callback);
    return g_test_run();
}
