/*
 * tagmem list: what tagmemd holds, from QMP query-cxl-dynamic-capacity and
 * query-memdev, turned into records of six kinds -- devices, regions,
 * hosts, extents (pending, accepted, releasing), tags, backends -- with
 * cxl list's lower_snake_case keys.  Filters (-d DEVICE, -H HOST, -t TAG,
 * -r REGION, --state) are the queries' own arguments, so the daemon sends
 * only what matches (docs/qmp.md, "Filters and paging"); -E, -T, -B pick
 * extents, tags, backends (default: all kinds); --start and --count list
 * one page of the extents, with the total.  People get one table per kind with rows
 * (empty ones left out); --json prints, as cxl list does, the records of
 * one kind as a flat array, or of several kinds as an array of
 * {"KIND": [...]} objects; -u writes sizes and addresses for people there
 * too.  docs/cli.md has the key mapping.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cci/cxl_opcodes.h"
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
    KIND_POISON,
    KIND_HEALTH,
    KIND_COUNT,
} RecordKind;

static const char *const kind_names[KIND_COUNT] = {
    "devices", "regions", "hosts", "extents", "tags", "backends", "poison", "health",
};


/* A table column: its header, the record's key, and how the value reads. */
typedef enum { CELL_TEXT, CELL_SIZE, CELL_HEX, CELL_BOOL, CELL_LIST, CELL_OF } CellStyle;

typedef struct {
    const char *header;
    const char *key;
    CellStyle style;
    const char *second_key;   /* CELL_OF: "key/second_key" */
    bool optional;            /* shown only when some record has @key */
} Column;

#define COL(h, k, s) { .header = (h), .key = (k), .style = (s), .second_key = NULL }
#define COL_OF(h, k, second) { .header = (h), .key = (k), .style = CELL_OF, .second_key = (second) }
#define COL_OPTIONAL(h, k) { .header = (h), .key = (k), .style = CELL_TEXT, .optional = true }
#define COL_END { .header = NULL, .key = NULL, .style = CELL_TEXT, .second_key = NULL }

static const Column device_columns[] = {
    COL("DEVICE", "device", CELL_TEXT), COL("PATH", "path", CELL_TEXT),
    COL("DC-SIZE", "dc_size", CELL_SIZE), COL("REGIONS", "num_regions", CELL_TEXT),
    COL("HOSTS", "num_hosts", CELL_TEXT),
    COL_OF("FREE-TAGS", "tags_available", "tags_supported"),
    COL("STATIC-MEMDEV", "static_memdev", CELL_TEXT),
    COL_OPTIONAL("BACKGROUND", "background"), COL_END,
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
/* Every poisoned range the device knows (query-cxl-poison), reported or not. */
static const Column poison_columns[] = {
    COL("DEVICE", "device", CELL_TEXT), COL("POISONED-DPA", "dpa", CELL_HEX),
    COL("LENGTH", "size", CELL_SIZE), COL("SOURCE", "source", CELL_TEXT), COL_END,
};
/* Get Health Info (4200h) of each device, from query-cxl-health. */
static const Column health_columns[] = {
    COL("DEVICE", "device", CELL_TEXT), COL("HEALTH", "health_status", CELL_HEX),
    COL("MEDIA", "media_status", CELL_HEX), COL("ADDITIONAL", "additional_status", CELL_HEX),
    COL("LIFE-USED", "life_used", CELL_TEXT), COL("TEMP", "temperature", CELL_TEXT),
    COL("DIRTY-SHUTDOWNS", "dirty_shutdown_count", CELL_TEXT),
    COL("CORRECTED-VOLATILE", "corrected_volatile_errors", CELL_TEXT),
    COL("CORRECTED-PERSISTENT", "corrected_persistent_errors", CELL_TEXT), COL_END,
};
static const Column *const kind_columns[KIND_COUNT] = {
    device_columns, region_columns, host_columns, extent_columns, tag_columns, backend_columns,
    poison_columns, health_columns,
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

/*
 * The device's background operation as people read it: "sanitize 42%"
 * while it runs, then "sanitize done" or "sanitize: Busy" (how it ended).
 */
static void add_background(json_object *rec, json_object *device)
{
    json_object *background = member(device, "background-operation");

    if (background == NULL) {
        return;
    }
    uint16_t opcode = (uint16_t)json_object_get_uint64(member(background, "opcode"));
    const char *name = tm_cxl_opcode_name(opcode);
    g_autofree char *what = name ? g_ascii_strdown(name, -1) : g_strdup_printf("%04Xh", opcode);
    const char *result = json_object_get_string(member(background, "result"));
    char *text;

    if (json_object_get_boolean(member(background, "running"))) {
        text = g_strdup_printf("%s %" PRIu64 "%%", what,
                               json_object_get_uint64(member(background, "percent")));
    } else if (result && strcmp(result, "Success") == 0) {
        text = g_strdup_printf("%s done", what);
    } else {
        text = g_strdup_printf("%s: %s", what, result ? result : "?");
    }
    json_object_object_add(rec, "background", json_object_new_string(text));
    g_free(text);
}

static void add_device_records(json_object **lists, json_object *device)
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
    add_background(rec, device);
    json_object_array_add(lists[KIND_DEVICES], rec);
    for (size_t i = 0; regions && i < json_object_array_length(regions); i++) {
        json_object *region = json_object_array_get_idx(regions, i);

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

/* An extent record; accepted ones the host was asked to give back are "releasing". */
static json_object *extent_record(const char *device, json_object *host_id, bool pending,
                                  json_object *extent)
{
    bool releasing = json_object_get_boolean(member(extent, "release-pending"));
    const char *state = pending ? "pending" : releasing ? "releasing" : "accepted";
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
    return rec;
}

static void add_host_records(json_object **lists, const char *device, json_object *host)
{
    json_object *host_id = member(host, "host-id");
    json_object *pending = member(host, "pending");
    json_object *accepted = member(host, "accepted");
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
            json_object_array_add(lists[KIND_EXTENTS],
                                  extent_record(device, host_id, true,
                                                json_object_array_get_idx(extents, e)));
        }
    }
    for (size_t i = 0; i < json_object_array_length(accepted); i++) {
        json_object_array_add(lists[KIND_EXTENTS],
                              extent_record(device, host_id, false,
                                            json_object_array_get_idx(accepted, i)));
    }
}

static void add_tag_record(json_object **lists, const char *device, json_object *tag)
{
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

static void add_backend_record(json_object **lists, json_object *backend)
{
    json_object *rec = json_object_new_object();
    copy(rec, "backend", backend, "id");
    copy(rec, "size", backend, "size");
    copy(rec, "share", backend, "share");
    copy(rec, "prealloc", backend, "prealloc");
    copy(rec, "policy", backend, "policy");
    copy(rec, "tag", backend, "tag");
    json_object_array_add(lists[KIND_BACKENDS], rec);
}

static void build_records(json_object **lists, json_object *devices, json_object *backends)
{
    for (int k = 0; k < KIND_COUNT; k++) {
        lists[k] = json_object_new_array();
    }
    for (size_t d = 0; d < json_object_array_length(devices); d++) {
        json_object *device = json_object_array_get_idx(devices, d);
        const char *id = json_object_get_string(member(device, "id"));
        json_object *hosts = member(device, "hosts");
        json_object *tags = member(device, "tags");

        add_device_records(lists, device);
        for (size_t h = 0; hosts && h < json_object_array_length(hosts); h++) {
            add_host_records(lists, id, json_object_array_get_idx(hosts, h));
        }
        for (size_t t = 0; tags && t < json_object_array_length(tags); t++) {
            add_tag_record(lists, id, json_object_array_get_idx(tags, t));
        }
    }
    for (size_t b = 0; b < json_object_array_length(backends); b++) {
        add_backend_record(lists, json_object_array_get_idx(backends, b));
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

/* Optional columns appear only when a record has something to show in them. */
static bool column_shown(json_object *records, const Column *column)
{
    if (!column->optional) {
        return true;
    }
    for (size_t i = 0; i < json_object_array_length(records); i++) {
        if (member(json_object_array_get_idx(records, i), column->key) != NULL) {
            return true;
        }
    }
    return false;
}

static void print_table(json_object *records, const Column *columns, bool *first)
{
    g_autoptr(GPtrArray) headers = g_ptr_array_new();

    if (json_object_array_length(records) == 0) {
        return;
    }
    for (const Column *c = columns; c->header; c++) {
        if (column_shown(records, c)) {
            g_ptr_array_add(headers, (gpointer)c->header);
        }
    }
    g_ptr_array_add(headers, NULL);
    g_autoptr(TmCliTable) table = tm_cli_table_new((const char *const *)headers->pdata);
    for (size_t i = 0; i < json_object_array_length(records); i++) {
        GStrvBuilder *cells = g_strv_builder_new();

        for (const Column *c = columns; c->header; c++) {
            if (!column_shown(records, c)) {
                continue;
            }
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

#define NOT_GIVEN G_MININT64

typedef struct {
    gboolean json, human, extents, tags, backends, health;
    char *device, *tag, *state;
    gint host, region;
    gint64 start, count;       /* NOT_GIVEN, or as given: the daemon checks them */
} ListOptions;

/* The "return" value of @command as a new reference; NULL after printing why. */
static json_object *query(TmQmpConn *conn, const ListOptions *o, const char *command,
                          json_object *arguments)
{
    g_autoptr(GError) err = NULL;
    json_object *reply = tm_qmp_conn_execute(conn, command, arguments, &err);
    json_object *value = NULL;

    if (reply == NULL) {
        tm_cli_fail("list: %s", err->message);
        return NULL;
    }
    if (!json_object_object_get_ex(reply, "return", &value)) {
        g_autofree char *message = tm_cli_qmp_error_message(reply);
        /* QEMU's words for a path that is no device: say which option named it. */
        if (o->device && strstr(message, "Unable to resolve CXL type 3 device")) {
            tm_cli_fail("list: -d '%s': no such device", o->device);
        } else {
            tm_cli_fail("list: %s: %s", command, message);
        }
        json_object_put(reply);
        return NULL;
    }
    json_object_get(value);
    json_object_put(reply);
    return value;
}

static bool paged(const ListOptions *o)
{
    return o->start != NOT_GIVEN || o->count != NOT_GIVEN;
}

/* The filters as query-cxl-dynamic-capacity's arguments, and the page when asked. */
static json_object *capacity_arguments(const ListOptions *o)
{
    json_object *args = json_object_new_object();

    if (o->device) {
        json_object_object_add(args, "path", json_object_new_string(o->device));
    }
    if (o->host >= 0) {
        json_object_object_add(args, "host-id", json_object_new_int(o->host));
    }
    if (o->region >= 0) {
        json_object_object_add(args, "region", json_object_new_int(o->region));
    }
    if (o->tag) {
        json_object_object_add(args, "tag", json_object_new_string(o->tag));
    }
    if (o->state) {
        json_object_object_add(args, "state", json_object_new_string(o->state));
    }
    if (o->start != NOT_GIVEN) {
        json_object_object_add(args, "start", json_object_new_int64(o->start));
    }
    if (o->count != NOT_GIVEN) {
        json_object_object_add(args, "count", json_object_new_int64(o->count));
    }
    return args;
}

/* -d keeps the device's backends, -t the tag's (docs/cli.md). */
static json_object *memdev_arguments(const ListOptions *o)
{
    json_object *args = json_object_new_object();

    if (o->device) {
        json_object_object_add(args, "path", json_object_new_string(o->device));
    }

    if (o->tag) {
        json_object_object_add(args, "tag", json_object_new_string(o->tag));
    }
    return args;
}

/* query-cxl-poison of every listed device, as records; false after printing why. */
static bool add_poison_records(TmQmpConn *conn, const ListOptions *o, json_object **lists,
                               json_object *devices)
{
    for (size_t d = 0; d < json_object_array_length(devices); d++) {
        json_object *device = json_object_array_get_idx(devices, d);
        json_object *args = json_object_new_object();

        copy(args, "path", device, "path");
        json_object *answer = query(conn, o, "query-cxl-poison", args);
        if (answer == NULL) {
            return false;
        }
        json_object *ranges = member(answer, "poison");
        for (size_t i = 0; ranges && i < json_object_array_length(ranges); i++) {
            json_object *range = json_object_array_get_idx(ranges, i);
            json_object *rec = record(json_object_get_string(member(device, "id")));

            copy(rec, "dpa", range, "start");
            copy(rec, "size", range, "length");
            copy(rec, "source", range, "source");
            json_object_array_add(lists[KIND_POISON], rec);
        }
        json_object_put(answer);
    }
    return true;
}

/* A health record per device listed (query-cxl-health); false after printing why. */
static bool add_health_records(TmQmpConn *conn, const ListOptions *o, json_object *devices,
                               json_object *list)
{
    for (size_t d = 0; d < json_object_array_length(devices); d++) {
        const char *id = json_object_get_string(member(json_object_array_get_idx(devices, d),
                                                       "id"));
        json_object *args = json_object_new_object();

        json_object_object_add(args, "path", json_object_new_string(id));
        json_object *health = query(conn, o, "query-cxl-health", args);
        if (health == NULL) {
            return false;
        }
        json_object *rec = record(id);
        copy(rec, "health_status", health, "health-status");
        copy(rec, "media_status", health, "media-status");
        copy(rec, "additional_status", health, "additional-status");
        copy(rec, "life_used", health, "life-used");
        copy(rec, "temperature", health, "temperature");
        copy(rec, "dirty_shutdown_count", health, "dirty-shutdown-count");
        copy(rec, "corrected_volatile_errors", health, "corrected-volatile-error-count");
        copy(rec, "corrected_persistent_errors", health, "corrected-persistent-error-count");
        json_object_array_add(list, rec);
        json_object_put(health);
    }
    return true;
}

static int print_lists(TmQmpConn *conn, const ListOptions *o)
{
    json_object *devices = query(conn, o, "query-cxl-dynamic-capacity", capacity_arguments(o));
    json_object *backends = devices ? query(conn, o, "query-memdev", memdev_arguments(o)) : NULL;
    json_object *lists[KIND_COUNT];
    bool picked = o->extents || o->tags || o->backends || o->health;
    bool selected[KIND_COUNT] = {
        [KIND_DEVICES] = !picked, [KIND_REGIONS] = !picked, [KIND_HOSTS] = !picked,
        [KIND_EXTENTS] = !picked || o->extents, [KIND_TAGS] = !picked || o->tags,
        [KIND_BACKENDS] = !picked || o->backends, [KIND_POISON] = !picked,
        [KIND_HEALTH] = o->health,
    };

    if (backends == NULL) {
        json_object_put(devices);
        return 1;
    }
    build_records(lists, devices, backends);
    if ((selected[KIND_POISON] && !add_poison_records(conn, o, lists, devices)) ||
        (o->health && !add_health_records(conn, o, devices, lists[KIND_HEALTH]))) {
        for (int k = 0; k < KIND_COUNT; k++) {
            json_object_put(lists[k]);
        }
        json_object_put(devices);
        json_object_put(backends);
        return 1;
    }
    if (o->json) {
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
    for (int k = 0; k < KIND_COUNT; k++) {
        json_object_put(lists[k]);
    }
    json_object_put(devices);
    json_object_put(backends);
    return 0;
}

/* The extent records of the daemon's paged answer. */
static json_object *page_records(json_object *answer)
{
    json_object *items = member(answer, "extents");
    json_object *records = json_object_new_array();

    for (size_t i = 0; i < json_object_array_length(items); i++) {
        json_object *item = json_object_array_get_idx(items, i);
        bool pending = strcmp(json_object_get_string(member(item, "state")), "pending") == 0;

        json_object_array_add(records,
                              extent_record(json_object_get_string(member(item, "device")),
                                            member(item, "host-id"), pending, item));
    }
    return records;
}

/*
 * --start/--count: one page of the extent records, from the daemon's paged
 * answer {"total", "start", "extents"}; the total is printed with it.
 */
static int print_page(TmQmpConn *conn, const ListOptions *o)
{
    json_object *answer = query(conn, o, "query-cxl-dynamic-capacity", capacity_arguments(o));

    if (answer == NULL) {
        return 1;
    }
    json_object *records = page_records(answer);
    size_t n = json_object_array_length(records);
    uint64_t total = json_object_get_uint64(member(answer, "total"));
    uint64_t start = json_object_get_uint64(member(answer, "start"));
    if (o->json) {
        json_object *out = json_object_new_object();
        for (size_t i = 0; o->human && i < n; i++) {
            humanize(json_object_array_get_idx(records, i));
        }
        json_object_object_add(out, "total", json_object_new_uint64(total));
        json_object_object_add(out, "start", json_object_new_uint64(start));
        json_object_object_add(out, "extents", json_object_get(records));
        puts(tm_cli_qmp_format(out));
        json_object_put(out);
    } else {
        bool first = true;
        print_table(records, extent_columns, &first);
        if (n == 0) {
            printf("no extents from %" PRIu64 " of %" PRIu64 "\n", start, total);
        } else {
            printf("\nextents %" PRIu64 " to %" PRIu64 " of %" PRIu64 "\n", start,
                   start + n - 1, total);
        }
    }
    json_object_put(records);
    json_object_put(answer);
    return 0;
}

static bool check_options(const ListOptions *o)
{
    TmGuid tag;

    if (o->host < -1 || o->region < -1) {
        tm_cli_fail("list: -H %d or -r %d: expected a host or region id", o->host, o->region);
        return false;
    }
    if (o->state && strcmp(o->state, "pending") != 0 && strcmp(o->state, "accepted") != 0) {
        tm_cli_fail("list: --state '%s': expected pending or accepted", o->state);
        return false;
    }
    if (paged(o) && (o->tags || o->backends)) {
        tm_cli_fail("list: --start and --count page extents; -T and -B cannot be paged");
        return false;
    }
    return o->tag == NULL || tm_cli_parse_tag(o->tag, "--tag", &tag);
}

static int run_list(const TmCliGlobal *global, const ListOptions *o)
{
    g_autoptr(GError) err = NULL;

    if (!check_options(o)) {
        return 1;
    }
    g_autofree char *socket_path = tm_cli_qmp_socket(global);
    g_autoptr(TmQmpConn) conn = tm_cli_qmp_open(socket_path, &err);
    if (conn == NULL) {
        return tm_cli_fail("%s", err->message);
    }
    return paged(o) ? print_page(conn, o) : print_lists(conn, o);
}

int tm_cli_cmd_list(const TmCliGlobal *global, int argc, char **argv)
{
    ListOptions o = { .host = -1, .region = -1, .start = NOT_GIVEN, .count = NOT_GIVEN };
    const GOptionEntry entries[] = {
        { "device", 'd', 0, G_OPTION_ARG_STRING, &o.device, "only this device", "ID" },
        { "host", 'H', 0, G_OPTION_ARG_INT, &o.host, "only what this host holds or is offered",
          "N" },
        { "tag", 't', 0, G_OPTION_ARG_STRING, &o.tag, "only this tag", "UUID" },
        { "region", 'r', 0, G_OPTION_ARG_INT, &o.region, "only this region", "R" },
        { "state", 0, 0, G_OPTION_ARG_STRING, &o.state,
          "only pending or only accepted extents", "STATE" },
        { "start", 0, 0, G_OPTION_ARG_INT64, &o.start,
          "one page of extents, from this one (0: the first)", "N" },
        { "count", 0, 0, G_OPTION_ARG_INT64, &o.count,
          "one page of extents, this many (at most 10000)", "N" },
        { "extents", 'E', 0, G_OPTION_ARG_NONE, &o.extents, "list extents", NULL },
        { "tags", 'T', 0, G_OPTION_ARG_NONE, &o.tags, "list tags", NULL },
        { "backends", 'B', 0, G_OPTION_ARG_NONE, &o.backends, "list backends", NULL },
        { "health", 0, 0, G_OPTION_ARG_NONE, &o.health,
          "list each device's health (Get Health Info)", NULL },
        { "human", 'u', 0, G_OPTION_ARG_NONE, &o.human,
          "sizes and addresses for people in --json", NULL },
        { "json", 'j', 0, G_OPTION_ARG_NONE, &o.json, "print JSON, as cxl list does", NULL },
        G_OPTION_ENTRY_NULL,
    };
    int status = 1;

    if (tm_cli_parse_options("list", "",
                             "List tagmemd's devices, regions, hosts, extents, tags and "
                             "backends; -E, -T, -B, --health pick kinds, -d, -H, -t, -r, --state filter, "
                             "--start and --count page extents.",
                             entries, &argc, &argv)) {
        if (argc > 1) {
            tm_cli_fail("list takes no arguments, got '%s'", argv[1]);
        } else {
            status = run_list(global, &o);
        }
    }
    g_free(o.device);
    g_free(o.tag);
    g_free(o.state);
    return status;
}
