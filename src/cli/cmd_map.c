/*
 * tagmem map [--device ID] [--region R] [--width N] [--svg FILE]: a
 * picture of a device's DPA space from query-cxl-dynamic-capacity.  The
 * reply becomes map_layout's plain inputs here (regions, extents with
 * their state, host and tag index); map_term.c or map_svg.c draws the
 * layout.  Colour only when stdout is a terminal and NO_COLOR is not set
 * (https://no-color.org); the width from --width, else the terminal, else
 * $COLUMNS, else 80 (SVG: 1000 pixels).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_session.h"
#include "cli/map_render.h"

#define SVG_DEFAULT_WIDTH 1000
#define TERM_DEFAULT_WIDTH 80
/* Room for the lane names, the bar's two '|' and a bar worth reading. */
#define TERM_MIN_WIDTH 30
#define SVG_MIN_WIDTH 200
#define SVG_MAX_WIDTH 20000
/* The SVG's margins and lane names beside its bars (map_svg.c). */
#define SVG_BAR_INSET 102
#define TERM_BAR_INSET 11

typedef struct {
    char *device;
    char *svg;
    gint region;
    gint width;
} MapOptions;

/* What the reply holds, in map_layout's terms. */
typedef struct {
    GArray *regions;     /* TmMapRegionInfo */
    GArray *extents;     /* TmMapExtent */
    GPtrArray *tags;     /* char *: uuid of each tag index */
    GHashTable *tag_ids; /* uuid -> index + 1 */
    gint shown_region;   /* --region, or -1 */
    GArray *tag_bytes;   /* uint64_t: the tag's "allocated", else its extents' bytes */
    GArray *tag_shown;   /* bool: an extent drawn has the tag */
    GArray *tag_listed;  /* bool: tag_bytes comes from the device's tag list */
    GArray *host_bytes;  /* uint64_t */
} MapInputs;

static void map_inputs_clear(MapInputs *in)
{
    g_clear_pointer(&in->regions, g_array_unref);
    g_clear_pointer(&in->extents, g_array_unref);
    g_clear_pointer(&in->tags, g_ptr_array_unref);
    g_clear_pointer(&in->tag_ids, g_hash_table_unref);
    g_clear_pointer(&in->tag_bytes, g_array_unref);
    g_clear_pointer(&in->tag_shown, g_array_unref);
    g_clear_pointer(&in->tag_listed, g_array_unref);
    g_clear_pointer(&in->host_bytes, g_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(MapInputs, map_inputs_clear)

static json_object *member(json_object *object, const char *name)
{
    return json_object_object_get(object, name);
}

/* The index of @uuid in the tag table, added when new; -1 for untagged. */
static int tag_index(MapInputs *in, json_object *uuid)
{
    const char *text = uuid ? json_object_get_string(uuid) : NULL;

    if (text == NULL || strcmp(text, "00000000-0000-0000-0000-000000000000") == 0) {
        return -1;
    }
    gpointer found = g_hash_table_lookup(in->tag_ids, text);
    if (found) {
        return GPOINTER_TO_INT(found) - 1;
    }
    uint64_t zero = 0;
    bool no = false;
    g_ptr_array_add(in->tags, g_strdup(text));
    g_array_append_val(in->tag_bytes, zero);
    g_array_append_val(in->tag_shown, no);
    g_array_append_val(in->tag_listed, no);
    g_hash_table_insert(in->tag_ids, in->tags->pdata[in->tags->len - 1],
                        GINT_TO_POINTER((int)in->tags->len));
    return (int)in->tags->len - 1;
}

static void add_extent(MapInputs *in, int host, TmMapState state, json_object *extent)
{
    TmMapExtent e = {
        .region = (guint)json_object_get_int(member(extent, "region")),
        .host = host,
        .state = state,
        .dpa = json_object_get_uint64(member(extent, "dpa")),
        .len = json_object_get_uint64(member(extent, "len")),
        .tag = tag_index(in, member(extent, "tag")),
    };

    g_array_append_val(in->extents, e);
    g_array_index(in->host_bytes, uint64_t, host) += e.len;
    if (e.tag >= 0) {
        g_array_index(in->tag_shown, bool, e.tag) |=
            in->shown_region < 0 || e.region == (guint)in->shown_region;
        /* Shared extents would count once per host: the device's own sum is better. */
        if (!g_array_index(in->tag_listed, bool, e.tag)) {
            g_array_index(in->tag_bytes, uint64_t, e.tag) += e.len;
        }
    }
}

static void add_host(MapInputs *in, json_object *host)
{
    int id = json_object_get_int(member(host, "host-id"));
    json_object *pending = member(host, "pending");
    json_object *accepted = member(host, "accepted");

    if (id < 0 || (guint)id >= in->host_bytes->len) {
        return;
    }
    for (size_t g = 0; pending && g < json_object_array_length(pending); g++) {
        json_object *extents = member(json_object_array_get_idx(pending, g), "extents");
        for (size_t e = 0; extents && e < json_object_array_length(extents); e++) {
            add_extent(in, id, TM_MAP_PENDING, json_object_array_get_idx(extents, e));
        }
    }
    for (size_t e = 0; accepted && e < json_object_array_length(accepted); e++) {
        json_object *extent = json_object_array_get_idx(accepted, e);
        bool releasing = json_object_get_boolean(member(extent, "release-pending"));
        add_extent(in, id, releasing ? TM_MAP_RELEASING : TM_MAP_ACCEPTED, extent);
    }
}

static void read_inputs(MapInputs *in, json_object *device, gint only_region)
{
    json_object *regions = member(device, "regions");
    json_object *hosts = member(device, "hosts");
    json_object *tags = member(device, "tags");

    in->regions = g_array_new(FALSE, FALSE, sizeof(TmMapRegionInfo));
    in->extents = g_array_new(FALSE, FALSE, sizeof(TmMapExtent));
    in->tags = g_ptr_array_new_with_free_func(g_free);
    in->tag_ids = g_hash_table_new(g_str_hash, g_str_equal);
    in->tag_bytes = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    in->tag_shown = g_array_new(FALSE, FALSE, sizeof(bool));
    in->tag_listed = g_array_new(FALSE, FALSE, sizeof(bool));
    in->shown_region = only_region;
    in->host_bytes = g_array_new(FALSE, TRUE, sizeof(uint64_t));
    g_array_set_size(in->host_bytes, (guint)MAX(json_object_get_int(member(device, "num-hosts")),
                                                0));
    for (size_t r = 0; regions && r < json_object_array_length(regions); r++) {
        json_object *region = json_object_array_get_idx(regions, r);
        TmMapRegionInfo info = {
            .id = (guint)json_object_get_int(member(region, "region")),
            .base = json_object_get_uint64(member(region, "base")),
            .length = json_object_get_uint64(member(region, "length")),
            .block_size = json_object_get_uint64(member(region, "block-size")),
            .sharable = json_object_get_boolean(member(region, "sharable")),
        };
        if (only_region < 0 || info.id == (guint)only_region) {
            g_array_append_val(in->regions, info);
        }
    }
    /* Tags first in the device's order of first use, so t1, t2 ... stay put between runs. */
    for (size_t t = 0; tags && t < json_object_array_length(tags); t++) {
        json_object *tag = json_object_array_get_idx(tags, t);
        int index = tag_index(in, member(tag, "tag"));
        if (index >= 0) {
            g_array_index(in->tag_bytes, uint64_t, index) =
                json_object_get_uint64(member(tag, "allocated"));
            g_array_index(in->tag_listed, bool, index) = true;
        }
    }
    for (size_t h = 0; hosts && h < json_object_array_length(hosts); h++) {
        add_host(in, json_object_array_get_idx(hosts, h));
    }
}

/* The terminal's width: --width, the terminal, $COLUMNS, else 80. */
static guint terminal_width(gint wanted)
{
    struct winsize size;
    const char *columns = g_getenv("COLUMNS");
    guint64 parsed;

    if (wanted > 0) {
        return (guint)wanted;
    }
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col) {
        return size.ws_col;
    }
    if (columns && g_ascii_string_to_unsigned(columns, 10, 1, 10000, &parsed, NULL)) {
        return (guint)parsed;
    }
    return TERM_DEFAULT_WIDTH;
}

static bool use_colour(void)
{
    const char *no_colour = g_getenv("NO_COLOR");

    return isatty(STDOUT_FILENO) && (no_colour == NULL || no_colour[0] == '\0');
}

static bool write_svg(const char *path, const char *svg)
{
    g_autoptr(GError) err = NULL;

    if (strcmp(path, "-") == 0) {
        if (fputs(svg, stdout) < 0 || fflush(stdout) != 0) {
            tm_cli_fail("map: --svg -: %s", g_strerror(errno));
            return false;
        }
        return true;
    }
    if (!g_file_set_contents(path, svg, -1, &err)) {
        tm_cli_fail("map: --svg '%s': %s", path, err->message);
        return false;
    }
    return true;
}

static int draw(const MapOptions *o, const char *device_id, json_object *device)
{
    g_auto(MapInputs) in = { 0 };
    /* A terminal narrower than the minimum still gets a bar worth reading (it wraps). */
    guint columns = o->svg ? (guint)(o->width > 0 ? o->width : SVG_DEFAULT_WIDTH) - SVG_BAR_INSET
                           : MAX(terminal_width(o->width), TERM_MIN_WIDTH) - TERM_BAR_INSET;

    read_inputs(&in, device, o->region);
    if (in.regions->len == 0 && o->region >= 0) {
        return tm_cli_fail("map: --region %d: device '%s' has no such region", o->region,
                           device_id);
    }
    g_autoptr(TmMapLayout) layout = tm_map_layout_build(
        (const TmMapRegionInfo *)(void *)in.regions->data, in.regions->len,
        (const TmMapExtent *)(void *)in.extents->data, in.extents->len, columns);
    TmMapPicture picture = {
        .device = device_id,
        .total_size = json_object_get_uint64(member(device, "total-size")),
        .layout = layout,
        .n_hosts = in.host_bytes->len,
        .host_bytes = (const uint64_t *)(void *)in.host_bytes->data,
        .n_tags = in.tags->len,
        .tag_uuids = (char *const *)in.tags->pdata,
        .tag_bytes = (const uint64_t *)(void *)in.tag_bytes->data,
        .tag_shown = (const bool *)(void *)in.tag_shown->data,
    };
    if (o->svg) {
        g_autofree char *svg = tm_map_svg_render(&picture);
        return write_svg(o->svg, svg) ? 0 : 1;
    }
    g_autofree char *text = tm_map_term_render(&picture, use_colour());
    fputs(text, stdout);
    return 0;
}

static bool check_options(const MapOptions *o)
{
    gint min = o->svg ? SVG_MIN_WIDTH : TERM_MIN_WIDTH;

    if (o->width != 0 && (o->width < min || o->width > SVG_MAX_WIDTH)) {
        tm_cli_fail("map: --width %d: expected %d to %d %s", o->width, min, SVG_MAX_WIDTH,
                    o->svg ? "pixels" : "columns");
        return false;
    }
    if (o->region < -1) {
        tm_cli_fail("map: --region %d: expected a region id", o->region);
        return false;
    }
    if (o->svg && o->svg[0] == '\0') {
        tm_cli_fail("map: --svg '': expected a file name (or - for stdout)");
        return false;
    }
    return true;
}

/* One query of every device (the reply is what costs, 30 MB at 100k extents), then draw one. */
static int run_map(const TmCliGlobal *global, const MapOptions *o)
{
    TmCliSession session;
    json_object *devices = NULL;
    int status = 1;

    if (!tm_cli_session_open(&session, global, "map", false)) {
        return 1;
    }
    if (tm_cli_call(&session, "query-cxl-dynamic-capacity", NULL, &devices)) {
        json_object *device = tm_cli_choose_device(&session, devices, o->device);
        if (device) {
            status = draw(o, json_object_get_string(json_object_object_get(device, "id")),
                          device);
        }
    }
    json_object_put(devices);
    tm_cli_session_close(&session);
    return status;
}

int tm_cli_cmd_map(const TmCliGlobal *global, int argc, char **argv)
{
    MapOptions o = { .region = -1 };
    const GOptionEntry entries[] = {
        { "device", 'd', 0, G_OPTION_ARG_STRING, &o.device,
          "the device (default: the only one)", "ID" },
        { "region", 'r', 0, G_OPTION_ARG_INT, &o.region, "only this region", "R" },
        { "width", 'w', 0, G_OPTION_ARG_INT, &o.width,
          "columns (default: the terminal's) or, with --svg, pixels (default 1000)", "N" },
        { "svg", 0, 0, G_OPTION_ARG_FILENAME, &o.svg, "write an SVG picture to FILE (- : stdout)",
          "FILE" },
        G_OPTION_ENTRY_NULL,
    };
    int status = 1;

    if (tm_cli_parse_options("map", "",
                             "Draw a device's DPA space: per region the free, pending and "
                             "accepted capacity, by host and by tag.",
                             entries, &argc, &argv)) {
        if (argc > 1) {
            tm_cli_fail("map takes no arguments, got '%s'", argv[1]);
        } else if (check_options(&o)) {
            status = run_map(global, &o);
        }
    }
    g_free(o.device);
    g_free(o.svg);
    return status;
}
