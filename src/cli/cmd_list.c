/*
 * tagmem list: what tagmemd holds, from QMP query-cxl-dynamic-capacity and
 * query-memdev, turned into records of six kinds -- devices, regions,
 * hosts, extents (pending, accepted, releasing), tags, backends -- with
 * cxl list's lower_snake_case keys.  Filters (-d DEVICE, -H HOST, -t TAG,
 * -r REGION) keep the records that match; -E, -T, -B pick extents, tags,
 * backends (default: all kinds).  People get one table per kind with rows
 * (empty ones left out); --json prints, as cxl list does, the records of
 * one kind as a flat array, or of several kinds as an array of
 * {"KIND": [...]} objects; -u writes sizes and addresses for people there
 * too.  docs/cli.md has the key mapping.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_qmp.h"
#include "cli/cli_table.h"
#include "core/guid.h"
#include "core/size.h"

typedef enum {
    KIND_DEVICES,
    KIND_REGIONS,
    KIND_HOSTS,
    KIND_EXTENTS,
    KIND_TAGS,
    KIND_BACKENDS,
    KIND_COUNT,
} RecordKind;

static const char *const kind_names[KIND_COUNT] = {
    "devices", "regions", "hosts", "extents", "tags", "backends",
};

typedef struct {
    const char *device;   /* -d */
    gint host;            /* -H, or -1 */
    TmGuid tag;           /* -t */
    bool has_tag;
    gint region;          /* -r, or -1 */
} Filters;

/* A table column: its header, the record's key, and how the value reads. */
typedef enum { CELL_TEXT, CELL_SIZE, CELL_HEX, CELL_BOOL, CELL_LIST, CELL_OF } CellStyle;

typedef struct {
    const char *header;
    const char *key;
    CellStyle style;
    const char *second_key;   /* CELL_OF: "key/second_key" */
} Column;

#define COL(h, k, s) { .header = (h), .key = (k), .style = (s), .second_key = NULL }
#define COL_OF(h, k, second) { .header = (h), .key = (k), .style = CELL_OF, .second_key = (second) }
#define COL_END { .header = NULL, .key = NULL, .style = CELL_TEXT, .second_key = NULL }

static const Column device_columns[] = {
    COL("DEVICE", "device", CELL_TEXT), COL("PATH", "path", CELL_TEXT),
    COL("DC-SIZE", "dc_size", CELL_SIZE), COL("REGIONS", "num_regions", CELL_TEXT),
    COL("HOSTS", "num_hosts", CELL_TEXT),
    COL_OF("FREE-TAGS", "tags_available", "tags_supported"),
    COL("STATIC-MEMDEV", "static_memdev", CELL_TEXT), COL_END,
};
static const Column region_columns[] = {
    COL("DEVICE", "device", CELL_TEXT), COL("REGION", "region", CELL_TEXT),
    COL("BASE", "base", CELL_HEX), COL("LENGTH", "size", CELL_SIZE),
    COL("BLOCK", "block_size", CELL_SIZE), COL("SHARABLE", "sharable", CELL_BOOL),
    COL("SANITIZE", "sanitize_on_release", CELL_BOOL), COL_END,
};
static const Column host_columns[] = {
    COL("DEVICE", "device", CELL_TEXT), COL("HOST", "host", CELL_TEXT),
    COL("GENERATION", "generation", CELL_TEXT), COL("PENDING-GROUPS", "pending_groups", CELL_TEXT),
    COL("EXTENTS", "extents", CELL_TEXT),
    COL_OF("FREE-EXTENTS", "extents_available", "extents_supported"), COL_END,
};
static const Column extent_columns[] = {
    COL("DEVICE", "device", CELL_TEXT), COL("HOST", "host", CELL_TEXT),
    COL("STATE", "state", CELL_TEXT), COL("REGION", "region", CELL_TEXT),
    COL("DPA", "dpa", CELL_HEX), COL("LENGTH", "size", CELL_SIZE),
    COL("SEQ", "shared_seq", CELL_TEXT), COL("TAG", "tag", CELL_TEXT),
    COL("BACKEND", "backend", CELL_TEXT), COL("BACKEND-OFFSET", "backend_offset", CELL_HEX),
    COL_END,
};
static const Column tag_columns[] = {
    COL("TAG", "tag", CELL_TEXT), COL("DEVICE", "device", CELL_TEXT),
    COL("STATE", "state", CELL_TEXT), COL("REGION", "region", CELL_TEXT),
    COL("BACKEND", "backend", CELL_TEXT), COL("ALLOCATED", "allocated", CELL_SIZE),
    COL("PENDING-HOSTS", "pending_hosts", CELL_LIST),
    COL("COMMITTED-HOSTS", "committed_hosts", CELL_LIST), COL_END,
};
static const Column backend_columns[] = {
    COL("BACKEND", "backend", CELL_TEXT), COL("SIZE", "size", CELL_SIZE),
    COL("SHARE", "share", CELL_BOOL), COL("PREALLOC", "prealloc", CELL_BOOL),
    COL("POLICY", "policy", CELL_TEXT), COL("TAG", "tag", CELL_TEXT), COL_END,
};
static const Column *const kind_columns[KIND_COUNT] = {
    device_columns, region_columns, host_columns, extent_columns, tag_columns, backend_columns,
};

/* ---- records from the QMP replies ---- */

static json_object *member(json_object *object, const char *name)
{
    return json_object_object_get(object, name);
}

/* Copy @from[@qmp_key] into @to[@key] when present. */
static void copy(json_object *to, const char *key, json_object *from, const char *qmp_key)
{
    json_object *value = member(from, qmp_key);

    if (value) {
        json_object_object_add(to, key, json_object_get(value));
    }
}

static json_object *record(const char *device)
{
    json_object *rec = json_object_new_object();

    if (device) {
        json_object_object_add(rec, "device", json_object_new_string(device));
    }
    return rec;
}

static bool tag_matches(const Filters *f, json_object *tag_value)
{
    TmGuid seen;

    if (!f->has_tag) {
        return true;
    }
    return tag_value && tm_guid_parse(json_object_get_string(tag_value), "tag", &seen, NULL) &&
           tm_guid_equal(&seen, &f->tag);
}

static bool region_matches(const Filters *f, json_object *region)
{
    return f->region < 0 || (region && json_object_get_int(region) == f->region);
}

static bool host_matches(const Filters *f, json_object *host)
{
    return f->host < 0 || (host && json_object_get_int(host) == f->host);
}

/* True when @hosts (a JSON list of ids) holds the -H host. */
static bool host_listed(const Filters *f, json_object *hosts)
{
    for (size_t i = 0; f->host >= 0 && hosts && i < json_object_array_length(hosts); i++) {
        if (json_object_get_int(json_object_array_get_idx(hosts, i)) == f->host) {
            return true;
        }
    }
    return f->host < 0;
}

static void add_device_records(json_object **lists, json_object *device, const Filters *f)
{
    const char *id = json_object_get_string(member(device, "id"));
    json_object *regions = member(device, "regions");
    json_object *rec = record(id);

    copy(rec, "path", device, "path");
    copy(rec, "dc_size", device, "total-size");
    json_object_object_add(rec, "num_regions",
                           json_object_new_int((int)(regions ? json_object_array_length(regions)
                                                             : 0)));
    copy(rec, "num_hosts", device, "num-hosts");
    copy(rec, "tags_supported", device, "supported-tags");
    copy(rec, "tags_available", device, "available-tags");
    copy(rec, "static_memdev", device, "volatile-dc-memdev");
    json_object_array_add(lists[KIND_DEVICES], rec);
    for (size_t i = 0; regions && i < json_object_array_length(regions); i++) {
        json_object *region = json_object_array_get_idx(regions, i);

        if (!region_matches(f, member(region, "region"))) {
            continue;
        }
        rec = record(id);
        copy(rec, "region", region, "region");
        copy(rec, "base", region, "base");
        copy(rec, "size", region, "length");
        copy(rec, "decode_size", region, "decode-length");
        copy(rec, "block_size", region, "block-size");
        copy(rec, "sharable", region, "sharable");
        copy(rec, "sanitize_on_release", region, "sanitize-on-release");
        json_object_array_add(lists[KIND_REGIONS], rec);
    }
}

static void add_extent_record(json_object **lists, const char *device, json_object *host_id,
                              const char *state, json_object *extent, const Filters *f)
{
    if (!region_matches(f, member(extent, "region")) || !tag_matches(f, member(extent, "tag"))) {
        return;
    }
    json_object *rec = record(device);
    json_object_object_add(rec, "host", json_object_get(host_id));
    json_object_object_add(rec, "state", json_object_new_string(state));
    copy(rec, "region", extent, "region");
    copy(rec, "dpa", extent, "dpa");
    copy(rec, "offset", extent, "offset");
    copy(rec, "size", extent, "len");
    copy(rec, "shared_seq", extent, "shared-seq");
    copy(rec, "tag", extent, "tag");
    copy(rec, "backend", extent, "backend");
    copy(rec, "backend_offset", extent, "backend-offset");
    json_object_array_add(lists[KIND_EXTENTS], rec);
}

static void add_host_records(json_object **lists, const char *device, json_object *host,
                             const Filters *f)
{
    json_object *host_id = member(host, "host-id");
    json_object *pending = member(host, "pending");
    json_object *accepted = member(host, "accepted");

    if (!host_matches(f, host_id)) {
        return;
    }
    json_object *rec = record(device);
    json_object_object_add(rec, "host", json_object_get(host_id));
    copy(rec, "generation", host, "generation");
    json_object_object_add(rec, "pending_groups",
                           json_object_new_int((int)json_object_array_length(pending)));
    json_object_object_add(rec, "extents",
                           json_object_new_int((int)json_object_array_length(accepted)));
    copy(rec, "extents_supported", host, "supported-extents");
    copy(rec, "extents_available", host, "available-extents");
    json_object_array_add(lists[KIND_HOSTS], rec);
    for (size_t i = 0; i < json_object_array_length(pending); i++) {
        json_object *extents = member(json_object_array_get_idx(pending, i), "extents");
        for (size_t e = 0; extents && e < json_object_array_length(extents); e++) {
            add_extent_record(lists, device, host_id, "pending",
                              json_object_array_get_idx(extents, e), f);
        }
    }
    for (size_t i = 0; i < json_object_array_length(accepted); i++) {
        json_object *extent = json_object_array_get_idx(accepted, i);
        bool releasing = json_object_get_boolean(member(extent, "release-pending"));
        add_extent_record(lists, device, host_id, releasing ? "releasing" : "accepted", extent,
                          f);
    }
}

static void add_tag_record(json_object **lists, const char *device, json_object *tag,
                           const Filters *f)
{
    if (!tag_matches(f, member(tag, "tag")) || !region_matches(f, member(tag, "region")) ||
        !(host_listed(f, member(tag, "pending-hosts")) ||
          host_listed(f, member(tag, "committed-hosts")))) {
        return;
    }
    json_object *rec = json_object_new_object();
    copy(rec, "tag", tag, "tag");
    json_object_object_add(rec, "device", json_object_new_string(device));
    copy(rec, "state", tag, "state");
    copy(rec, "region", tag, "region");
    copy(rec, "backend", tag, "backend");
    copy(rec, "allocated", tag, "allocated");
    copy(rec, "pending_hosts", tag, "pending-hosts");
    copy(rec, "committed_hosts", tag, "committed-hosts");
    copy(rec, "referenced", tag, "referenced");
    json_object_array_add(lists[KIND_TAGS], rec);
}

static void add_backend_record(json_object **lists, json_object *backend, const Filters *f)
{
    if (!tag_matches(f, member(backend, "tag"))) {
        return;
    }
    json_object *rec = json_object_new_object();
    copy(rec, "backend", backend, "id");
    copy(rec, "size", backend, "size");
    copy(rec, "share", backend, "share");
    copy(rec, "prealloc", backend, "prealloc");
    copy(rec, "policy", backend, "policy");
    copy(rec, "tag", backend, "tag");
    json_object_array_add(lists[KIND_BACKENDS], rec);
}

static void build_records(json_object **lists, json_object *devices, json_object *backends,
                          const Filters *f)
{
    for (int k = 0; k < KIND_COUNT; k++) {
        lists[k] = json_object_new_array();
    }
    for (size_t d = 0; d < json_object_array_length(devices); d++) {
        json_object *device = json_object_array_get_idx(devices, d);
        const char *id = json_object_get_string(member(device, "id"));
        json_object *hosts = member(device, "hosts");
        json_object *tags = member(device, "tags");

        if (f->device && strcmp(f->device, id) != 0) {
            continue;
        }
        add_device_records(lists, device, f);
        for (size_t h = 0; hosts && h < json_object_array_length(hosts); h++) {
            add_host_records(lists, id, json_object_array_get_idx(hosts, h), f);
        }
        for (size_t t = 0; tags && t < json_object_array_length(tags); t++) {
            add_tag_record(lists, id, json_object_array_get_idx(tags, t), f);
        }
    }
    for (size_t b = 0; b < json_object_array_length(backends); b++) {
        add_backend_record(lists, json_object_array_get_idx(backends, b), f);
    }
}

/* ---- tables ---- */

static char *cell(json_object *rec, const Column *column)
{
    json_object *value = member(rec, column->key);

    if (value == NULL) {
        return g_strdup("-");
    }
    switch (column->style) {
    case CELL_SIZE:
        return tm_size_to_human(json_object_get_uint64(value));
    case CELL_HEX:
        return g_strdup_printf("0x%" PRIx64, json_object_get_uint64(value));
    case CELL_BOOL:
        return g_strdup(json_object_get_boolean(value) ? "yes" : "no");
    case CELL_OF:
        return g_strdup_printf("%s/%s", json_object_get_string(value),
                               json_object_get_string(member(rec, column->second_key)));
    case CELL_LIST: {
        GString *text = g_string_new(json_object_array_length(value) ? "" : "-");
        for (size_t i = 0; i < json_object_array_length(value); i++) {
            g_string_append_printf(text, "%s%s", i ? "," : "",
                                   json_object_get_string(json_object_array_get_idx(value, i)));
        }
        return g_string_free(text, FALSE);
    }
    case CELL_TEXT:
        break;
    }
    return g_strdup(json_object_get_string(value));
}

static void print_table(json_object *records, const Column *columns, bool *first)
{
    g_autoptr(GPtrArray) headers = g_ptr_array_new();

    if (json_object_array_length(records) == 0) {
        return;
    }
    for (const Column *c = columns; c->header; c++) {
        g_ptr_array_add(headers, (gpointer)c->header);
    }
    g_ptr_array_add(headers, NULL);
    g_autoptr(TmCliTable) table = tm_cli_table_new((const char *const *)headers->pdata);
    for (size_t i = 0; i < json_object_array_length(records); i++) {
        GStrvBuilder *cells = g_strv_builder_new();

        for (const Column *c = columns; c->header; c++) {
            g_autofree char *text = cell(json_object_array_get_idx(records, i), c);
            g_strv_builder_add(cells, text);
        }
        tm_cli_table_add(table, g_strv_builder_end(cells));
        g_strv_builder_unref(cells);
    }
    fputs(*first ? "" : "\n", stdout);
    tm_cli_table_print(table, stdout);
    *first = false;
}

/* ---- JSON ---- */

/* cxl list -u: "2.00 MiB (2.10 MB)" for sizes, "0x..." for addresses. */
static void humanize(json_object *rec)
{
    static const char *const sizes[] = { "dc_size", "size", "decode_size", "block_size",
                                          "allocated", NULL };
    static const char *const addresses[] = { "base", "dpa", "offset", "backend_offset", NULL };

    for (int i = 0; sizes[i]; i++) {
        json_object *value = member(rec, sizes[i]);
        if (value) {
            uint64_t bytes = json_object_get_uint64(value);
            g_autofree char *binary = tm_size_to_human(bytes);
            g_autofree char *text = g_strdup_printf("%s (%.2f MB)", binary, bytes / 1e6);
            json_object_object_add(rec, sizes[i], json_object_new_string(text));
        }
    }
    for (int i = 0; addresses[i]; i++) {
        json_object *value = member(rec, addresses[i]);
        if (value) {
            g_autofree char *text = g_strdup_printf("0x%" PRIx64, json_object_get_uint64(value));
            json_object_object_add(rec, addresses[i], json_object_new_string(text));
        }
    }
}

static void print_json(json_object **lists, const bool *selected, bool human)
{
    json_object *out = json_object_new_array();
    int n_selected = 0;

    for (int k = 0; k < KIND_COUNT; k++) {
        n_selected += selected[k];
        for (size_t i = 0; human && i < json_object_array_length(lists[k]); i++) {
            humanize(json_object_array_get_idx(lists[k], i));
        }
    }
    for (int k = 0; k < KIND_COUNT; k++) {
        if (!selected[k]) {
            continue;
        }
        if (n_selected == 1) {
            json_object_put(out);
            out = json_object_get(lists[k]);
            break;
        }
        json_object *group = json_object_new_object();
        json_object_object_add(group, kind_names[k], json_object_get(lists[k]));
        json_object_array_add(out, group);
    }
    puts(tm_cli_qmp_format(out));
    json_object_put(out);
}

/* ---- the command ---- */

/* The "return" value of @command as a new reference; NULL after printing why. */
static json_object *query(TmQmpConn *conn, const char *command)
{
    g_autoptr(GError) err = NULL;
    json_object *reply = tm_qmp_conn_execute(conn, command, NULL, &err);
    json_object *value = NULL;

    if (reply == NULL) {
        tm_cli_fail("list: %s", err->message);
        return NULL;
    }
    if (!json_object_object_get_ex(reply, "return", &value) ||
        !json_object_is_type(value, json_type_array)) {
        g_autofree char *message = tm_cli_qmp_error_message(reply);
        tm_cli_fail("list: %s: %s", command, message);
        json_object_put(reply);
        return NULL;
    }
    json_object_get(value);
    json_object_put(reply);
    return value;
}

typedef struct {
    gboolean json, human, extents, tags, backends;
    char *device, *tag;
    gint host, region;
} ListOptions;

static bool check_filters(const ListOptions *o, Filters *f)
{
    *f = (Filters){ .device = o->device, .host = o->host, .region = o->region };
    if (o->host < -1 || o->region < -1) {
        tm_cli_fail("list: -H %d or -r %d: expected a host or region id", o->host, o->region);
        return false;
    }
    if (o->tag) {
        f->has_tag = tm_cli_parse_tag(o->tag, "--tag", &f->tag);
        return f->has_tag;
    }
    return true;
}

static int print_lists(TmQmpConn *conn, const ListOptions *o, const Filters *f)
{
    json_object *devices = query(conn, "query-cxl-dynamic-capacity");
    json_object *backends = devices ? query(conn, "query-memdev") : NULL;
    json_object *lists[KIND_COUNT];
    bool picked = o->extents || o->tags || o->backends;
    bool selected[KIND_COUNT] = {
        [KIND_DEVICES] = !picked, [KIND_REGIONS] = !picked, [KIND_HOSTS] = !picked,
        [KIND_EXTENTS] = !picked || o->extents, [KIND_TAGS] = !picked || o->tags,
        [KIND_BACKENDS] = !picked || o->backends,
    };

    if (backends == NULL) {
        json_object_put(devices);
        return 1;
    }
    build_records(lists, devices, backends, f);
    if (f->device && json_object_array_length(lists[KIND_DEVICES]) == 0) {
        tm_cli_fail("list: -d '%s': no such device", f->device);
    } else if (o->json) {
        print_json(lists, selected, o->human);
    } else {
        bool first = true;
        for (int k = 0; k < KIND_COUNT; k++) {
            if (selected[k]) {
                print_table(lists[k], kind_columns[k], &first);
            }
        }
        if (first) {
            puts("nothing to list");
        }
    }
    int status = f->device && json_object_array_length(lists[KIND_DEVICES]) == 0 ? 1 : 0;
    for (int k = 0; k < KIND_COUNT; k++) {
        json_object_put(lists[k]);
    }
    json_object_put(devices);
    json_object_put(backends);
    return status;
}

static int run_list(const TmCliGlobal *global, const ListOptions *o)
{
    g_autoptr(GError) err = NULL;
    Filters filters;

    if (!check_filters(o, &filters)) {
        return 1;
    }
    g_autofree char *socket_path = tm_cli_qmp_socket(global);
    g_autoptr(TmQmpConn) conn = tm_cli_qmp_open(socket_path, &err);
    if (conn == NULL) {
        return tm_cli_fail("%s", err->message);
    }
    return print_lists(conn, o, &filters);
}

int tm_cli_cmd_list(const TmCliGlobal *global, int argc, char **argv)
{
    ListOptions o = { .host = -1, .region = -1 };
    const GOptionEntry entries[] = {
        { "device", 'd', 0, G_OPTION_ARG_STRING, &o.device, "only this device", "ID" },
        { "host", 'H', 0, G_OPTION_ARG_INT, &o.host, "only what this host holds or is offered",
          "N" },
        { "tag", 't', 0, G_OPTION_ARG_STRING, &o.tag, "only this tag", "UUID" },
        { "region", 'r', 0, G_OPTION_ARG_INT, &o.region, "only this region", "R" },
        { "extents", 'E', 0, G_OPTION_ARG_NONE, &o.extents, "list extents", NULL },
        { "tags", 'T', 0, G_OPTION_ARG_NONE, &o.tags, "list tags", NULL },
        { "backends", 'B', 0, G_OPTION_ARG_NONE, &o.backends, "list backends", NULL },
        { "human", 'u', 0, G_OPTION_ARG_NONE, &o.human,
          "sizes and addresses for people in --json", NULL },
        { "json", 'j', 0, G_OPTION_ARG_NONE, &o.json, "print JSON, as cxl list does", NULL },
        G_OPTION_ENTRY_NULL,
    };
    int status = 1;

    if (tm_cli_parse_options("list", "",
                             "List tagmemd's devices, regions, hosts, extents, tags and "
                             "backends; -E, -T, -B pick kinds, -d, -H, -t, -r filter.",
                             entries, &argc, &argv)) {
        if (argc > 1) {
            tm_cli_fail("list takes no arguments, got '%s'", argv[1]);
        } else {
            status = run_list(global, &o);
        }
    }
    g_free(o.device);
    g_free(o.tag);
    return status;
}
