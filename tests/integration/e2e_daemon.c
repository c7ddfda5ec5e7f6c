#include "e2e_daemon.h"

#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "host_agent_client.h"

void tm_e2e_start(TmE2e *e2e, const char *const *args)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();

    g_ptr_array_add(argv, "-nodefaults");
    for (const char *const *arg = args; *arg != NULL; arg++) {
        g_ptr_array_add(argv, (gpointer)*arg);
    }
    g_ptr_array_add(argv, NULL);
    e2e->daemon = tm_test_daemon_start((const char *const *)argv->pdata);
    e2e->qmp = tm_test_daemon_connect(e2e->daemon);
}

void tm_e2e_stop(TmE2e *e2e)
{
    g_clear_pointer(&e2e->qmp, tm_qmp_conn_free);
    g_assert_cmpint(tm_test_daemon_stop(e2e->daemon, SIGTERM), ==, 0);
    g_clear_pointer(&e2e->daemon, tm_test_daemon_free);
}

char *tm_e2e_host_socket(const TmE2e *e2e, unsigned host)
{
    g_autofree char *name = g_strdup_printf("host%u.sock", host);

    return g_build_filename(e2e->daemon->dir, "tagmem", name, NULL);
}

static json_object *execute_on_dcd0(TmE2e *e2e, const char *command, const char *format,
                                    va_list args)
{
    g_autofree char *fields = g_strdup_vprintf(format, args);
    g_autofree char *arguments = g_strdup_printf("{\"path\": \"/machine/peripheral/dcd0\"%s%s}",
                                                 fields[0] != '\0' ? ", " : "", fields);

    return tm_test_execute(e2e->qmp, command, arguments);
}

void tm_e2e_qmp_ok(TmE2e *e2e, const char *command, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    json_object *reply = execute_on_dcd0(e2e, command, format, args);
    va_end(args);
    tm_test_assert_return(reply);
    json_object_put(reply);
}

void tm_e2e_qmp_error(TmE2e *e2e, const char *fragment, const char *command,
                      const char *format, ...)
{
    va_list args;

    va_start(args, format);
    json_object *reply = execute_on_dcd0(e2e, command, format, args);
    va_end(args);
    tm_test_assert_error(reply, "GenericError", fragment);
    json_object_put(reply);
}

/* "12M" → 12 MiB, "4096" → 4096. */
static uint64_t parse_size(const char *text)
{
    char *end;
    uint64_t value = g_ascii_strtoull(text, &end, 0);

    if (strcmp(end, "M") == 0) {
        return value * MiB;
    }
    g_assert_cmpstr(end, ==, "");
    return value;
}

/* "4M:2M 0:2M" → [{"offset": 4194304, "len": 2097152}, ...] */
static char *extents_json(const char *extents)
{
    g_auto(GStrv) items = g_strsplit(extents, " ", -1);
    GString *json = g_string_new("[");

    for (char **item = items; *item != NULL; item++) {
        g_auto(GStrv) parts = g_strsplit(*item, ":", 2);

        g_assert_nonnull(parts[1]);
        g_string_append_printf(json, "%s{\"offset\": %" PRIu64 ", \"len\": %" PRIu64 "}",
                               item == items ? "" : ", ", parse_size(parts[0]),
                               parse_size(parts[1]));
    }
    g_string_append(json, "]");
    return g_string_free(json, FALSE);
}

static char *tag_field(const char *tag)
{
    return tag != NULL ? g_strdup_printf(", \"tag\": \"%s\"", tag) : g_strdup("");
}

void tm_e2e_add(TmE2e *e2e, unsigned host, unsigned region, const char *tag,
                const char *extents)
{
    g_autofree char *list = extents_json(extents);
    g_autofree char *tag_text = tag_field(tag);

    tm_e2e_qmp_ok(e2e, "cxl-add-dynamic-capacity",
                  "\"host-id\": %u, \"selection-policy\": \"prescriptive\", \"region\": %u%s, "
                  "\"extents\": %s", host, region, tag_text, list);
}

void tm_e2e_share(TmE2e *e2e, unsigned host, unsigned region, const char *tag)
{
    tm_e2e_qmp_ok(e2e, "cxl-add-dynamic-capacity",
                  "\"host-id\": %u, \"selection-policy\": \"enable-shared-access\", "
                  "\"region\": %u, \"tag\": \"%s\", \"extents\": []", host, region, tag);
}

void tm_e2e_release(TmE2e *e2e, unsigned host, unsigned region, const char *tag,
                    const char *extents, bool forced, bool sanitize)
{
    g_autofree char *list = extents != NULL ? extents_json(extents) : g_strdup("[]");
    g_autofree char *tag_text = tag_field(tag);

    tm_e2e_qmp_ok(e2e, "cxl-release-dynamic-capacity",
                  "\"host-id\": %u, \"removal-policy\": \"%s\", \"forced-removal\": %s, "
                  "\"sanitize-on-release\": %s, \"region\": %u%s, \"extents\": %s", host,
                  extents != NULL ? "prescriptive" : "tag-based", forced ? "true" : "false",
                  sanitize ? "true" : "false", region, tag_text, list);
}

json_object *tm_e2e_query(TmE2e *e2e)
{
    json_object *reply = tm_test_execute(e2e->qmp, "query-cxl-dynamic-capacity", NULL);
    json_object *devices = tm_test_assert_return(reply);

    g_assert_cmpuint(json_object_array_length(devices), ==, 1);
    json_object *device = json_object_get(json_object_array_get_idx(devices, 0));
    json_object_put(reply);
    return device;
}

static json_object *member(json_object *object, const char *key)
{
    json_object *value = NULL;

    if (!json_object_object_get_ex(object, key, &value)) {
        g_error("'%s' missing in %s", key, json_object_to_json_string(object));
    }
    return value;
}

static json_object *host_entry(json_object *device, unsigned host)
{
    json_object *hosts = member(device, "hosts");

    g_assert_cmpuint(host, <, json_object_array_length(hosts));
    return json_object_array_get_idx(hosts, host);
}

static void append_extents(GString *summary, json_object *extents)
{
    for (size_t i = 0; i < json_object_array_length(extents); i++) {
        json_object *extent = json_object_array_get_idx(extents, i);

        g_string_append_printf(summary, "%s0x%" PRIx64 "+0x%" PRIx64 "#%" PRIu64,
                               summary->len > 0 ? " " : "",
                               json_object_get_uint64(member(extent, "dpa")),
                               json_object_get_uint64(member(extent, "len")),
                               json_object_get_uint64(member(extent, "shared-seq")));
    }
}

char *tm_e2e_accepted(TmE2e *e2e, unsigned host)
{
    json_object *device = tm_e2e_query(e2e);
    GString *summary = g_string_new(NULL);

    append_extents(summary, member(host_entry(device, host), "accepted"));
    json_object_put(device);
    return g_string_free(summary, FALSE);
}

char *tm_e2e_pending(TmE2e *e2e, unsigned host)
{
    json_object *device = tm_e2e_query(e2e);
    json_object *groups = member(host_entry(device, host), "pending");
    GString *summary = g_string_new(NULL);

    for (size_t i = 0; i < json_object_array_length(groups); i++) {
        GString *group = g_string_new(NULL);

        append_extents(group, member(json_object_array_get_idx(groups, i), "extents"));
        g_string_append_printf(summary, "%s%s", i > 0 ? " | " : "", group->str);
        g_string_free(group, TRUE);
    }
    json_object_put(device);
    return g_string_free(summary, FALSE);
}

uint64_t tm_e2e_generation(TmE2e *e2e, unsigned host)
{
    json_object *device = tm_e2e_query(e2e);
    uint64_t generation = json_object_get_uint64(member(host_entry(device, host),
                                                        "generation"));

    json_object_put(device);
    return generation;
}

static char *host_list(json_object *hosts)
{
    GString *text = g_string_new(NULL);

    for (size_t i = 0; i < json_object_array_length(hosts); i++) {
        g_string_append_printf(text, "%s%" PRIu64, i > 0 ? "," : "",
                               json_object_get_uint64(json_object_array_get_idx(hosts, i)));
    }
    return g_string_free(text, FALSE);
}

char *tm_e2e_tag_state(TmE2e *e2e, const char *tag)
{
    json_object *device = tm_e2e_query(e2e);
    json_object *tags = member(device, "tags");
    char *state = g_strdup("absent");

    for (size_t i = 0; i < json_object_array_length(tags); i++) {
        json_object *entry = json_object_array_get_idx(tags, i);

        if (strcmp(json_object_get_string(member(entry, "tag")), tag) == 0) {
            g_autofree char *pending = host_list(member(entry, "pending-hosts"));
            g_autofree char *committed = host_list(member(entry, "committed-hosts"));
            g_free(state);
            state = g_strdup_printf("%s pending=%s committed=%s",
                                    json_object_get_string(member(entry, "state")), pending,
                                    committed);
        }
    }
    json_object_put(device);
    return state;
}

TmQmpConn *tm_e2e_listen(TmE2e *e2e)
{
    return tm_test_daemon_connect(e2e->daemon);
}

json_object *tm_e2e_next_event(TmQmpConn *listener, const char *name)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)TM_AGENT_TIMEOUT_MS * 1000;

    for (;;) {
        g_autoptr(GError) err = NULL;
        int left_ms = (int)MAX((deadline - g_get_monotonic_time()) / 1000, 0);
        json_object *message = tm_qmp_conn_receive(listener, left_ms, &err);
        json_object *event;

        g_assert_no_error(err);
        g_assert_nonnull(message);
        if (json_object_object_get_ex(message, "event", &event) &&
            strcmp(json_object_get_string(event), name) == 0) {
            return message;
        }
        json_object_put(message);
    }
}

char *tm_e2e_event_extents(json_object *event)
{
    GString *summary = g_string_new(NULL);

    append_extents(summary, member(member(event, "data"), "extents"));
    return g_string_free(summary, FALSE);
}
