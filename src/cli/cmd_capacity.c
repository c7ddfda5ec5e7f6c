/*
 * The capacity verbs, each one QMP command with options instead of JSON:
 *
 *   tagmem add-capacity --host N [--region R] (--size SIZE | --extent OFFSET:LEN...)
 *                       [--policy P] [--tag UUID]
 *   tagmem add-capacity --tag UUID --shared-with N
 *   tagmem release-capacity --host N (--tag UUID | --extent OFFSET:LEN...) [--region R]
 *                           [--force] [--sanitize]
 *   tagmem status TAG
 *
 * Offsets are from the region's start, as in QMP.  A tag's region is
 * looked up when --region is not given.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_session.h"
#include "cli/cli_table.h"
#include "core/guid.h"

typedef struct {
    char *device;
    gint host;
    gint region;
    char *size;
    char **extents;
    char *policy;
    char *tag;
    gint shared_with;
    gboolean force;
    gboolean sanitize;
    gboolean verbose;
    gboolean json;
} CapacityOptions;

static void capacity_options_clear(CapacityOptions *o)
{
    g_free(o->device);
    g_free(o->size);
    g_strfreev(o->extents);
    g_free(o->policy);
    g_free(o->tag);
}

/* The QMP extent list of the --extent values (or one extent of --size for free/contiguous). */
static json_object *extent_list(char **extents, uint64_t size)
{
    json_object *list = json_object_new_array();

    for (char **e = extents; e && *e; e++) {
        g_auto(GStrv) parts = g_strsplit(*e, ":", 2);
        uint64_t offset, length;

        if (g_strv_length(parts) != 2) {
            tm_cli_fail("--extent '%s': expected OFFSET:LEN, e.g. 0:2M", *e);
            json_object_put(list);
            return NULL;
        }
        if (!tm_cli_parse_size(parts[0], "--extent OFFSET", &offset) ||
            !tm_cli_parse_size(parts[1], "--extent LEN", &length)) {
            json_object_put(list);
            return NULL;
        }
        json_object *extent = json_object_new_object();
        json_object_object_add(extent, "offset", json_object_new_uint64(offset));
        json_object_object_add(extent, "len", json_object_new_uint64(length));
        json_object_array_add(list, extent);
    }
    if (size > 0) {
        /* QMP's schema has no length: free and contiguous add the extents' lengths up. */
        json_object *extent = json_object_new_object();
        json_object_object_add(extent, "offset", json_object_new_uint64(0));
        json_object_object_add(extent, "len", json_object_new_uint64(size));
        json_object_array_add(list, extent);
    }
    return list;
}

static bool check_tag(const char *tag)
{
    TmGuid guid;

    return tag == NULL || tm_cli_parse_tag(tag, "--tag", &guid);
}

/* The region holding @tag on @device; false after printing why. */
static bool tag_region(TmCliSession *session, const char *device, const char *tag,
                       gint *region)
{
    json_object *arguments = json_object_new_object();
    json_object *devices;
    TmGuid wanted, seen;

    json_object_object_add(arguments, "path", json_object_new_string(device));
    if (!tm_guid_parse(tag, "--tag", &wanted, NULL) ||
        !tm_cli_call(session, "query-cxl-dynamic-capacity", arguments, &devices)) {
        return false;
    }
    json_object *tags = json_object_object_get(json_object_array_get_idx(devices, 0), "tags");
    bool found = false;
    for (size_t i = 0; tags && i < json_object_array_length(tags); i++) {
        json_object *entry = json_object_array_get_idx(tags, i);

        if (tm_guid_parse(json_object_get_string(json_object_object_get(entry, "tag")), "tag",
                          &seen, NULL) && tm_guid_equal(&seen, &wanted)) {
            *region = json_object_get_int(json_object_object_get(entry, "region"));
            found = true;
        }
    }
    json_object_put(devices);
    if (!found) {
        tm_cli_fail("%s: tag %s has never been used on device '%s'", session->verb, tag, device);
    }
    return found;
}

static const char *default_policy(const CapacityOptions *o)
{
    if (o->shared_with >= 0) {
        return "enable-shared-access";
    }
    return o->extents ? "prescriptive" : "free";
}

static bool check_add_options(const CapacityOptions *o, const char *policy)
{
    if (o->shared_with >= 0 && (o->host >= 0 || o->tag == NULL)) {
        tm_cli_fail("add-capacity: --shared-with HOST takes the host itself and needs --tag");
        return false;
    }
    if (o->shared_with < 0 && o->host < 0) {
        tm_cli_fail("add-capacity: --host is required");
        return false;
    }
    if (o->size && o->extents) {
        tm_cli_fail("add-capacity: give --size or --extent, not both");
        return false;
    }
    bool by_length = strcmp(policy, "free") == 0 || strcmp(policy, "contiguous") == 0;
    if (by_length && o->size == NULL) {
        tm_cli_fail("add-capacity: --policy %s needs --size", policy);
        return false;
    }
    if (strcmp(policy, "prescriptive") == 0 && o->extents == NULL) {
        tm_cli_fail("add-capacity: --policy prescriptive needs --extent OFFSET:LEN");
        return false;
    }
    return check_tag(o->tag);
}

static int run_add(TmCliSession *session, CapacityOptions *o)
{
    const char *policy = o->policy ? o->policy : default_policy(o);
    g_autofree char *device = NULL;
    uint64_t size = 0;

    if (!check_add_options(o, policy) || (o->size && !tm_cli_parse_size(o->size, "--size",
                                                                         &size)) ||
        !tm_cli_pick_device(session, o->device, &device)) {
        return 1;
    }
    if (o->region < 0 && o->shared_with >= 0 && !tag_region(session, device, o->tag, &o->region)) {
        return 1;
    }
    json_object *extents = extent_list(o->extents, size);
    if (extents == NULL) {
        return 1;
    }
    json_object *arguments = json_object_new_object();
    json_object_object_add(arguments, "path", json_object_new_string(device));
    json_object_object_add(arguments, "host-id",
                           json_object_new_int(o->shared_with >= 0 ? o->shared_with : o->host));
    json_object_object_add(arguments, "selection-policy", json_object_new_string(policy));
    json_object_object_add(arguments, "region", json_object_new_int(MAX(o->region, 0)));
    if (o->tag) {
        json_object_object_add(arguments, "tag", json_object_new_string(o->tag));
    }
    json_object_object_add(arguments, "extents", extents);
    return tm_cli_call(session, "cxl-add-dynamic-capacity", arguments, NULL) ? 0 : 1;
}

static int run_release(TmCliSession *session, CapacityOptions *o)
{
    g_autofree char *device = NULL;

    if (o->host < 0) {
        return tm_cli_fail("release-capacity: --host is required");
    }
    if ((o->tag == NULL) == (o->extents == NULL)) {
        return tm_cli_fail("release-capacity: give --tag (its whole allocation) or "
                           "--extent OFFSET:LEN");
    }
    if (!check_tag(o->tag) || !tm_cli_pick_device(session, o->device, &device)) {
        return 1;
    }
    if (o->region < 0 && o->tag && !tag_region(session, device, o->tag, &o->region)) {
        return 1;
    }
    json_object *extents = extent_list(o->extents, 0);
    if (extents == NULL) {
        return 1;
    }
    json_object *arguments = json_object_new_object();
    json_object_object_add(arguments, "path", json_object_new_string(device));
    json_object_object_add(arguments, "host-id", json_object_new_int(o->host));
    json_object_object_add(arguments, "removal-policy",
                           json_object_new_string(o->tag && !o->extents ? "tag-based"
                                                                        : "prescriptive"));
    json_object_object_add(arguments, "forced-removal", json_object_new_boolean(o->force));
    json_object_object_add(arguments, "sanitize-on-release", json_object_new_boolean(o->sanitize));
    json_object_object_add(arguments, "region", json_object_new_int(MAX(o->region, 0)));
    if (o->tag) {
        json_object_object_add(arguments, "tag", json_object_new_string(o->tag));
    }
    json_object_object_add(arguments, "extents", extents);
    return tm_cli_call(session, "cxl-release-dynamic-capacity", arguments, NULL) ? 0 : 1;
}

/* ---- status TAG ---- */

static int device_hosts(TmCliSession *session, const char *device)
{
    json_object *arguments = json_object_new_object();
    json_object *devices;

    json_object_object_add(arguments, "path", json_object_new_string(device));
    if (!tm_cli_call(session, "query-cxl-dynamic-capacity", arguments, &devices)) {
        return -1;
    }
    int hosts = json_object_get_int(json_object_object_get(json_object_array_get_idx(devices, 0),
                                                           "num-hosts"));
    json_object_put(devices);
    return hosts;
}

/* One host's status of the tag; a tag never offered to it is a state, not an error. */
static json_object *host_status(TmCliSession *session, const char *device, int host, int region,
                                const char *tag)
{
    json_object *arguments = json_object_new_object();
    g_autoptr(GError) err = NULL;

    json_object_object_add(arguments, "path", json_object_new_string(device));
    json_object_object_add(arguments, "host-id", json_object_new_int(host));
    json_object_object_add(arguments, "region", json_object_new_int(region));
    json_object_object_add(arguments, "tag", json_object_new_string(tag));
    if (session->verbose) {
        tm_cli_show_request("cxl-release-dynamic-capacity-status", arguments);
    }
    json_object *reply = tm_qmp_conn_execute(session->conn, "cxl-release-dynamic-capacity-status",
                                             arguments, &err);
    if (reply == NULL) {
        tm_cli_fail("status: %s", err->message);
        return NULL;
    }
    json_object *ret = json_object_object_get(reply, "return");
    const char *desc = json_object_get_string(
        json_object_object_get(json_object_object_get(reply, "error"), "desc"));
    if (ret == NULL && (desc == NULL || strstr(desc, "was never offered") == NULL)) {
        tm_cli_fail("status: %s", desc ? desc : "the daemon refused the request");
        json_object_put(reply);
        return NULL;
    }
    json_object *entry = json_object_new_object();
    json_object_object_add(entry, "host", json_object_new_int(host));
    json_object_object_add(entry, "status", ret ? json_object_get(json_object_object_get(ret, "status"))
                                               : json_object_new_string("Never offered"));
    json_object_object_add(entry, "referenced",
                           json_object_new_boolean(ret && json_object_get_boolean(
                                                              json_object_object_get(ret, "referenced"))));
    json_object_put(reply);
    return entry;
}

static int run_status(TmCliSession *session, CapacityOptions *o, const char *tag)
{
    g_autofree char *device = NULL;
    gint region = o->region;

    if (!check_tag(tag) || !tm_cli_pick_device(session, o->device, &device) ||
        (region < 0 && !tag_region(session, device, tag, &region))) {
        return 1;
    }
    int hosts = device_hosts(session, device);
    json_object *all = json_object_new_array();
    for (int h = 0; h < hosts; h++) {
        json_object *entry = host_status(session, device, h, region, tag);
        if (entry == NULL) {
            json_object_put(all);
            return 1;
        }
        json_object_array_add(all, entry);
    }
    if (o->json) {
        puts(json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
    } else {
        static const char *const headers[] = { "HOST", "STATUS", "REFERENCED", NULL };
        g_autoptr(TmCliTable) table = tm_cli_table_new(headers);

        for (size_t i = 0; i < json_object_array_length(all); i++) {
            json_object *entry = json_object_array_get_idx(all, i);
            GStrv cells = g_new0(char *, 4);
            cells[0] = g_strdup(json_object_get_string(json_object_object_get(entry, "host")));
            cells[1] = g_strdup(json_object_get_string(json_object_object_get(entry, "status")));
            cells[2] = g_strdup(json_object_get_boolean(json_object_object_get(entry, "referenced"))
                                ? "yes" : "no");
            tm_cli_table_add(table, cells);
        }
        tm_cli_table_print(table, stdout);
    }
    json_object_put(all);
    return 0;
}

/* ---- entry points ---- */

static int run_verb(const TmCliGlobal *global, int argc, char **argv, const char *verb,
                    const char *parameters, const char *summary)
{
    CapacityOptions o = { .host = -1, .region = -1, .shared_with = -1 };
    const GOptionEntry entries[] = {
        { "device", 'd', 0, G_OPTION_ARG_STRING, &o.device, "the device (default: the only one)",
          "ID" },
        { "host", 'H', 0, G_OPTION_ARG_INT, &o.host, "host id", "N" },
        { "region", 'r', 0, G_OPTION_ARG_INT, &o.region, "region id (default: the tag's, or 0)",
          "R" },
        { "size", 's', 0, G_OPTION_ARG_STRING, &o.size, "how much (free, contiguous)", "SIZE" },
        { "extent", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &o.extents,
          "an extent from the region's start (repeatable)", "OFFSET:LEN" },
        { "policy", 'p', 0, G_OPTION_ARG_STRING, &o.policy,
          "free, contiguous, prescriptive or enable-shared-access", "P" },
        { "tag", 't', 0, G_OPTION_ARG_STRING, &o.tag, "tag (a GUID)", "UUID" },
        { "shared-with", 0, 0, G_OPTION_ARG_INT, &o.shared_with,
          "give host N access to the tag's allocation", "N" },
        { "force", 'f', 0, G_OPTION_ARG_NONE, &o.force, "forced removal", NULL },
        { "sanitize", 0, 0, G_OPTION_ARG_NONE, &o.sanitize, "zero the memory on release", NULL },
        { "json", 0, 0, G_OPTION_ARG_NONE, &o.json, "print JSON (status)", NULL },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &o.verbose, "show the QMP requests sent", NULL },
        G_OPTION_ENTRY_NULL,
    };
    TmCliSession session = { 0 };
    int status = 1;
    bool is_status = strcmp(verb, "status") == 0;

    if (!tm_cli_parse_options(verb, parameters, summary, entries, &argc, &argv)) {
        goto out;
    }
    if (is_status && argc != 2) {
        tm_cli_fail("status: expected one TAG");
        goto out;
    }
    if (!is_status && argc > 1) {
        tm_cli_fail("%s: unexpected argument '%s'", verb, argv[1]);
        goto out;
    }
    if (!tm_cli_session_open(&session, global, verb, o.verbose)) {
        goto out;
    }
    if (strcmp(verb, "add-capacity") == 0) {
        status = run_add(&session, &o);
    } else if (strcmp(verb, "release-capacity") == 0) {
        status = run_release(&session, &o);
    } else {
        status = run_status(&session, &o, argv[1]);
    }
out:
    tm_cli_session_close(&session);
    capacity_options_clear(&o);
    return status;
}

int tm_cli_cmd_add_capacity(const TmCliGlobal *global, int argc, char **argv)
{
    return run_verb(global, argc, argv, "add-capacity", "",
                    "Offer capacity to a host (QMP cxl-add-dynamic-capacity).\n\nExamples:\n"
                    "  tagmem add-capacity --host 0 --size 1G --tag UUID\n"
                    "  tagmem add-capacity --host 1 --region 1 --extent 0:2M --extent 4M:2M\n"
                    "  tagmem add-capacity --tag UUID --shared-with 1");
}

int tm_cli_cmd_release_capacity(const TmCliGlobal *global, int argc, char **argv)
{
    return run_verb(global, argc, argv, "release-capacity", "",
                    "Take capacity back from a host (QMP cxl-release-dynamic-capacity).\n\n"
                    "Examples:\n  tagmem release-capacity --host 0 --tag UUID --sanitize\n"
                    "  tagmem release-capacity --host 1 --region 1 --extent 0:2M --force");
}

int tm_cli_cmd_status(const TmCliGlobal *global, int argc, char **argv)
{
    return run_verb(global, argc, argv, "status", "TAG",
                    "Each host's state of a tag: Pending, Committed, Released or Never offered "
                    "(QMP cxl-release-dynamic-capacity-status).");
}
