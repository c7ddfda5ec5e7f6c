/*
 * tagmem list [--json]: what tagmemd holds, from QMP query-cxl-dynamic-
 * capacity and query-memdev.  People get one table each for devices,
 * regions, hosts, extents (pending and accepted), tags and backends
 * (empty ones left out); --json prints {"devices": [...], "backends":
 * [...]}, the two replies as they are, like `cxl list`.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cli_qmp.h"
#include "cli/cli_table.h"
#include "core/size.h"

typedef struct {
    TmCliTable *devices;
    TmCliTable *regions;
    TmCliTable *hosts;
    TmCliTable *extents;
    TmCliTable *tags;
    TmCliTable *backends;
} ListTables;

/* ---- cells ---- */

static json_object *member(json_object *object, const char *name)
{
    return json_object_object_get(object, name);
}

static char *text_cell(json_object *object, const char *name)
{
    json_object *value = member(object, name);

    return g_strdup(value ? json_object_get_string(value) : "-");
}

static char *uint_cell(json_object *object, const char *name)
{
    return g_strdup_printf("%" PRIu64, json_object_get_uint64(member(object, name)));
}

static char *hex_cell(json_object *object, const char *name)
{
    return g_strdup_printf("0x%" PRIx64, json_object_get_uint64(member(object, name)));
}

static char *size_cell(json_object *object, const char *name)
{
    return tm_size_to_human(json_object_get_uint64(member(object, name)));
}

static char *bool_cell(json_object *object, const char *name)
{
    return g_strdup(json_object_get_boolean(member(object, name)) ? "yes" : "no");
}

/* "0,3" from a JSON list of host ids; "-" when empty. */
static char *ids_cell(json_object *object, const char *name)
{
    json_object *ids = member(object, name);
    size_t n = ids ? json_object_array_length(ids) : 0;
    GString *text = g_string_new(n == 0 ? "-" : "");

    for (size_t i = 0; i < n; i++) {
        g_string_append_printf(text, "%s%" PRIu64, i ? "," : "",
                               json_object_get_uint64(json_object_array_get_idx(ids, i)));
    }
    return g_string_free(text, FALSE);
}

static GStrv row(char *first, ...)
{
    g_autoptr(GPtrArray) cells = g_ptr_array_new();
    va_list args;

    va_start(args, first);
    for (char *cell = first; cell; cell = va_arg(args, char *)) {
        g_ptr_array_add(cells, cell);
    }
    va_end(args);
    g_ptr_array_add(cells, NULL);
    return (GStrv)g_ptr_array_free(g_steal_pointer(&cells), FALSE);
}

/* ---- rows ---- */

static void add_device(ListTables *tables, json_object *device)
{
    json_object *regions = member(device, "regions");
    g_autofree char *free_tags = uint_cell(device, "available-tags");

    tm_cli_table_add(tables->devices,
                     row(text_cell(device, "id"), text_cell(device, "path"),
                         size_cell(device, "total-size"),
                         g_strdup_printf("%zu", regions ? json_object_array_length(regions) : 0),
                         uint_cell(device, "num-hosts"),
                         g_strdup_printf("%s/%" PRIu64, free_tags,
                                         json_object_get_uint64(member(device, "supported-tags"))),
                         text_cell(device, "volatile-dc-memdev"), NULL));
    for (size_t i = 0; regions && i < json_object_array_length(regions); i++) {
        json_object *region = json_object_array_get_idx(regions, i);
        tm_cli_table_add(tables->regions,
                         row(text_cell(device, "id"), uint_cell(region, "region"),
                             hex_cell(region, "base"), size_cell(region, "length"),
                             size_cell(region, "block-size"), bool_cell(region, "sharable"),
                             bool_cell(region, "sanitize-on-release"), NULL));
    }
}

/* Accepted extents name their backend; pending ones are backed once accepted. */
static void add_extent(ListTables *tables, const char *device_id, const char *host_id,
                       const char *state, json_object *extent, bool accepted)
{
    tm_cli_table_add(tables->extents,
                     row(g_strdup(device_id), g_strdup(host_id), g_strdup(state),
                         uint_cell(extent, "region"), hex_cell(extent, "dpa"),
                         size_cell(extent, "len"), uint_cell(extent, "shared-seq"),
                         text_cell(extent, "tag"),
                         accepted ? text_cell(extent, "backend") : g_strdup("-"),
                         accepted ? hex_cell(extent, "backend-offset") : g_strdup("-"), NULL));
}

static void add_host(ListTables *tables, const char *device_id, json_object *host)
{
    json_object *pending = member(host, "pending");
    json_object *accepted = member(host, "accepted");
    g_autofree char *host_id = uint_cell(host, "host-id");

    tm_cli_table_add(tables->hosts,
                     row(g_strdup(device_id), g_strdup(host_id), uint_cell(host, "generation"),
                         g_strdup_printf("%zu", pending ? json_object_array_length(pending) : 0),
                         g_strdup_printf("%zu", accepted ? json_object_array_length(accepted) : 0),
                         g_strdup_printf("%" PRIu64 "/%" PRIu64,
                                         json_object_get_uint64(member(host, "available-extents")),
                                         json_object_get_uint64(member(host, "supported-extents"))),
                         NULL));
    for (size_t i = 0; pending && i < json_object_array_length(pending); i++) {
        json_object *extents = member(json_object_array_get_idx(pending, i), "extents");
        for (size_t e = 0; extents && e < json_object_array_length(extents); e++) {
            add_extent(tables, device_id, host_id, "pending",
                       json_object_array_get_idx(extents, e), false);
        }
    }
    for (size_t i = 0; accepted && i < json_object_array_length(accepted); i++) {
        json_object *extent = json_object_array_get_idx(accepted, i);
        bool releasing = json_object_get_boolean(member(extent, "release-pending"));
        add_extent(tables, device_id, host_id, releasing ? "releasing" : "accepted", extent, true);
    }
}

static void add_tag(ListTables *tables, const char *device_id, json_object *tag)
{
    tm_cli_table_add(tables->tags,
                     row(text_cell(tag, "tag"), g_strdup(device_id), text_cell(tag, "state"),
                         uint_cell(tag, "region"), text_cell(tag, "backend"),
                         size_cell(tag, "allocated"), ids_cell(tag, "pending-hosts"),
                         ids_cell(tag, "committed-hosts"), NULL));
}

static void add_backend(ListTables *tables, json_object *backend)
{
    tm_cli_table_add(tables->backends,
                     row(text_cell(backend, "id"), size_cell(backend, "size"),
                         bool_cell(backend, "share"), bool_cell(backend, "prealloc"),
                         text_cell(backend, "policy"), text_cell(backend, "tag"), NULL));
}

/* ---- output ---- */

static void list_tables_init(ListTables *tables)
{
    static const char *const devices[] = { "DEVICE", "PATH", "DC-SIZE", "REGIONS", "HOSTS",
                                           "FREE-TAGS", "STATIC-MEMDEV", NULL };
    static const char *const regions[] = { "DEVICE", "REGION", "BASE", "LENGTH", "BLOCK",
                                           "SHARABLE", "SANITIZE", NULL };
    static const char *const hosts[] = { "DEVICE", "HOST", "GENERATION", "PENDING-GROUPS",
                                         "EXTENTS", "FREE-EXTENTS", NULL };
    static const char *const extents[] = { "DEVICE", "HOST", "STATE", "REGION", "DPA", "LENGTH",
                                           "SEQ", "TAG", "BACKEND", "BACKEND-OFFSET", NULL };
    static const char *const tags[] = { "TAG", "DEVICE", "STATE", "REGION", "BACKEND",
                                        "ALLOCATED", "PENDING-HOSTS", "COMMITTED-HOSTS", NULL };
    static const char *const backends[] = { "BACKEND", "SIZE", "SHARE", "PREALLOC", "POLICY",
                                            "TAG", NULL };

    tables->devices = tm_cli_table_new(devices);
    tables->regions = tm_cli_table_new(regions);
    tables->hosts = tm_cli_table_new(hosts);
    tables->extents = tm_cli_table_new(extents);
    tables->tags = tm_cli_table_new(tags);
    tables->backends = tm_cli_table_new(backends);
}

static void list_tables_clear(ListTables *tables)
{
    tm_cli_table_free(tables->devices);
    tm_cli_table_free(tables->regions);
    tm_cli_table_free(tables->hosts);
    tm_cli_table_free(tables->extents);
    tm_cli_table_free(tables->tags);
    tm_cli_table_free(tables->backends);
}

static void print_tables(json_object *devices, json_object *backends)
{
    ListTables tables;

    list_tables_init(&tables);
    for (size_t d = 0; d < json_object_array_length(devices); d++) {
        json_object *device = json_object_array_get_idx(devices, d);
        const char *id = json_object_get_string(member(device, "id"));
        json_object *hosts = member(device, "hosts");
        json_object *tags = member(device, "tags");

        add_device(&tables, device);
        for (size_t h = 0; hosts && h < json_object_array_length(hosts); h++) {
            add_host(&tables, id, json_object_array_get_idx(hosts, h));
        }
        for (size_t t = 0; tags && t < json_object_array_length(tags); t++) {
            add_tag(&tables, id, json_object_array_get_idx(tags, t));
        }
    }
    for (size_t b = 0; b < json_object_array_length(backends); b++) {
        add_backend(&tables, json_object_array_get_idx(backends, b));
    }
    const TmCliTable *order[] = { tables.devices, tables.regions, tables.hosts, tables.extents,
                                  tables.tags, tables.backends };
    bool first = true;
    for (size_t i = 0; i < G_N_ELEMENTS(order); i++) {
        if (tm_cli_table_rows(order[i]) > 0) {
            fputs(first ? "" : "\n", stdout);
            tm_cli_table_print(order[i], stdout);
            first = false;
        }
    }
    if (first) {
        puts("no devices, no backends");
    }
    list_tables_clear(&tables);
}

/* The "return" value of @command as a new reference; NULL after printing why. */
static json_object *query(TmQmpConn *conn, const char *command)
{
    g_autoptr(GError) err = NULL;
    json_object *reply = tm_qmp_conn_execute(conn, command, NULL, &err);
    json_object *value = NULL;

    if (reply == NULL) {
        tm_cli_fail("%s", err->message);
        return NULL;
    }
    if (!json_object_object_get_ex(reply, "return", &value) ||
        !json_object_is_type(value, json_type_array)) {
        g_autofree char *message = tm_cli_qmp_error_message(reply);
        tm_cli_fail("%s: %s", command, message);
        json_object_put(reply);
        return NULL;
    }
    json_object_get(value);
    json_object_put(reply);
    return value;
}

int tm_cli_cmd_list(const TmCliGlobal *global, int argc, char **argv)
{
    gboolean json = FALSE;
    const GOptionEntry entries[] = {
        { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
          "Print {\"devices\": [...], \"backends\": [...]} as JSON", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GError) err = NULL;

    if (!tm_cli_parse_options("list", "",
                              "List tagmemd's devices, regions, hosts, extents, tags and "
                              "backends.",
                              entries, &argc, &argv)) {
        return 1;
    }
    if (argc > 1) {
        return tm_cli_fail("list takes no arguments, got '%s'", argv[1]);
    }
    g_autofree char *socket_path = tm_cli_qmp_socket(global);
    g_autoptr(TmQmpConn) conn = tm_cli_qmp_open(socket_path, &err);
    if (conn == NULL) {
        return tm_cli_fail("%s", err->message);
    }
    json_object *devices = query(conn, "query-cxl-dynamic-capacity");
    json_object *backends = devices ? query(conn, "query-memdev") : NULL;
    if (backends == NULL) {
        json_object_put(devices);
        return 1;
    }
    if (json) {
        json_object *all = json_object_new_object();
        json_object_object_add(all, "devices", devices);
        json_object_object_add(all, "backends", backends);
        puts(tm_cli_qmp_format(all));
        json_object_put(all);
    } else {
        print_tables(devices, backends);
        json_object_put(devices);
        json_object_put(backends);
    }
    return 0;
}
