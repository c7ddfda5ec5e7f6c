/*
 * tagmem monitor [--json] [--count N]: follow tagmemd's QMP events, like
 * `cxl monitor`: one line per event for people, or one JSON object per
 * line (the event as QMP sends it) with --json, until interrupted, until
 * N events were shown, or until the daemon stops (said on stderr, exit 0).
 */
#include <inttypes.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cli_session.h"
#include "core/size.h"

/* "0x400000000+2 MiB" for each extent of an event, comma separated. */
static char *extents_text(json_object *extents)
{
    GString *text = g_string_new(NULL);

    for (size_t i = 0; extents && i < json_object_array_length(extents); i++) {
        json_object *extent = json_object_array_get_idx(extents, i);
        g_autofree char *length = tm_size_to_human(
            json_object_get_uint64(json_object_object_get(extent, "len")));
        json_object *tag = json_object_object_get(extent, "tag");

        g_string_append_printf(text, "%s0x%" PRIx64 "+%s%s%s", i ? ", " : "",
                               json_object_get_uint64(json_object_object_get(extent, "dpa")),
                               length, tag ? " tag " : "", tag ? json_object_get_string(tag) : "");
    }
    return g_string_free(text, FALSE);
}

/* "2026-12-04T02:10:00.123456 CXL_DC_CAPACITY_COMMITTED dcd0 host 0: 0x0+2 MiB" */
static void print_event(json_object *event)
{
    json_object *timestamp = json_object_object_get(event, "timestamp");
    json_object *data = json_object_object_get(event, "data");
    g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc(
        json_object_get_int64(json_object_object_get(timestamp, "seconds")));
    g_autofree char *stamp = when ? g_date_time_format(when, "%Y-%m-%dT%H:%M:%S") : g_strdup("?");
    json_object *device = json_object_object_get(data, "device");
    json_object *host = json_object_object_get(data, "host-id");
    json_object *forced = json_object_object_get(data, "forced");
    json_object *message = json_object_object_get(data, "message");
    g_autofree char *extents = extents_text(json_object_object_get(data, "extents"));

    printf("%s.%06" PRId64 " %s", stamp,
           json_object_get_int64(json_object_object_get(timestamp, "microseconds")),
           json_object_get_string(json_object_object_get(event, "event")));
    if (device) {
        printf(" %s", json_object_get_string(device));
    }
    if (host) {
        printf(" host %s", json_object_get_string(host));
    }
    if (forced && json_object_get_boolean(forced)) {
        printf(" (forced)");
    }
    printf("%s%s%s%s\n", *extents ? ": " : "", extents, message ? ": " : "",
           message ? json_object_get_string(message) : "");
}

int tm_cli_cmd_monitor(const TmCliGlobal *global, int argc, char **argv)
{
    gboolean json = FALSE;
    gint count = 0;
    const GOptionEntry entries[] = {
        { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "one JSON object per event and line", NULL },
        { "count", 'c', 0, G_OPTION_ARG_INT, &count, "stop after N events", "N" },
        G_OPTION_ENTRY_NULL,
    };
    TmCliSession session = { 0 };

    if (!tm_cli_parse_options("monitor", "",
                              "Print tagmemd's events as they happen, until interrupted.",
                              entries, &argc, &argv)) {
        return 1;
    }
    if (argc > 1) {
        return tm_cli_fail("monitor: unexpected argument '%s'", argv[1]);
    }
    if (count < 0) {
        return tm_cli_fail("monitor: --count %d: expected 0 (no limit) or more", count);
    }
    if (!tm_cli_session_open(&session, global, "monitor", false)) {
        return 1;
    }
    for (gint seen = 0; count == 0 || seen < count;) {
        g_autoptr(GError) err = NULL;
        json_object *message = tm_qmp_conn_receive(session.conn, -1, &err);

        if (message == NULL) {
            fprintf(stderr, "tagmem: monitor: tagmemd stopped (%s)\n", err->message);
            break;
        }
        if (json_object_object_get_ex(message, "event", NULL)) {
            if (json) {
                puts(json_object_to_json_string_ext(message, JSON_C_TO_STRING_NOSLASHESCAPE));
            } else {
                print_event(message);
            }
            fflush(stdout);
            seen++;
        }
        json_object_put(message);
    }
    tm_cli_session_close(&session);
    return 0;
}
