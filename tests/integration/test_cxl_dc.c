/*
 * CXL Dynamic Capacity over the real daemon: -device and the default
 * device, the DC commands over the QMP socket (QEMU's messages, state
 * unchanged after every refused request), status, query, QOM.
 *
 * No host is attached here (the CCI host sockets are not wired into the
 * daemon yet), so capacity stays pending: accepting, releasing accepted
 * capacity and the CXL_DC_* events are covered in-process by
 * tests/unit/qmp/test_qmp_cxl.c.
 */
#include <string.h>

#include <glib/gstdio.h>

#include "daemon_harness.h"

#define TAG_A "0123abcd-0000-4000-8000-00000000000a"
#define TAG_B "0123abcd-0000-4000-8000-00000000000b"
#define DCD0 "\"path\": \"/machine/peripheral/dcd0\""
#define MAX_ARGS 12

/* -object dc0 (512 MiB), t1 (TAG_A, 4 MiB); dcd0: two 256 MiB regions, two hosts. */
static const char *const dc_daemon_args[] = {
    "-object", "memory-backend-ram,id=dc0,size=512M",
    "-object", "memory-backend-memfd,id=t1,size=4M,tag=" TAG_A,
    "-device", "cxl-type3,id=dcd0,bus=rp0,volatile-dc-memdev=dc0,num-dc-regions=2,num-hosts=2",
    NULL,
};

static json_object *execute(TmQmpConn *client, const char *command, const char *arguments)
{
    return tm_test_execute(client, command, arguments);
}

static void expect_ok(TmQmpConn *client, const char *command, const char *arguments)
{
    json_object *reply = execute(client, command, arguments);

    tm_test_assert_return(reply);
    json_object_put(reply);
}

static void expect_error(TmQmpConn *client, const char *command, const char *arguments,
                         const char *fragment)
{
    json_object *reply = execute(client, command, arguments);

    tm_test_assert_error(reply, "GenericError", fragment);
    json_object_put(reply);
}

/* Everything the daemon shows of its devices and backends, as one string. */
static char *dc_snapshot(TmQmpConn *client)
{
    json_object *reply = execute(client, "query-cxl-dynamic-capacity", NULL);
    g_autofree char *memdevs = tm_test_backend_snapshot(client);
    char *text = g_strconcat(json_object_to_json_string(tm_test_assert_return(reply)), memdevs,
                             NULL);

    json_object_put(reply);
    return text;
}

/* The value at @path ("0.hosts.1.pending") of @root, or NULL. */
static json_object *at(json_object *root, const char *path)
{
    g_auto(GStrv) steps = g_strsplit(path, ".", -1);
    json_object *node = root;

    for (char **step = steps; node && *step; step++) {
        if (json_object_is_type(node, json_type_array)) {
            size_t index = strtoul(*step, NULL, 10);
            node = index < json_object_array_length(node)
                   ? json_object_array_get_idx(node, index) : NULL;
        } else if (!json_object_object_get_ex(node, *step, &node)) {
            node = NULL;
        }
    }
    if (node == NULL) {
        g_error("%s: missing in %s", path, json_object_to_json_string(root));
    }
    return node;
}

static void assert_uint(json_object *root, const char *path, uint64_t expected)
{
    g_assert_cmpuint(json_object_get_uint64(at(root, path)), ==, expected);
}

static void assert_str(json_object *root, const char *path, const char *expected)
{
    g_assert_cmpstr(json_object_get_string(at(root, path)), ==, expected);
}

/* ---- the default device ---- */

static void test_default_device(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);
    json_object *reply = execute(client, "query-cxl-dynamic-capacity", NULL);
    json_object *devices = tm_test_assert_return(reply);

    g_assert_cmpuint(json_object_array_length(devices), ==, 1);
    assert_str(devices, "0.id", "dcd0");
    assert_uint(devices, "0.total-size", UINT64_C(32) << 30);
    assert_uint(devices, "0.num-hosts", 2);
    g_assert_cmpuint(json_object_array_length(at(devices, "0.regions")), ==, 2);
    assert_uint(devices, "0.regions.1.base", UINT64_C(16) << 30);
    assert_uint(devices, "0.regions.1.length", UINT64_C(16) << 30);
    assert_uint(devices, "0.regions.1.block-size", UINT64_C(2) << 20);
    /* Region 1 is sharable, region 0 is not; neither sanitizes on its own. */
    g_assert_false(json_object_get_boolean(at(devices, "0.regions.0.sharable")));
    g_assert_true(json_object_get_boolean(at(devices, "0.regions.1.sharable")));
    g_assert_false(json_object_get_boolean(at(devices, "0.regions.0.sanitize-on-release")));
    g_assert_false(json_object_get_boolean(at(devices, "0.regions.1.sanitize-on-release")));
    g_assert_false(json_object_object_get_ex(at(devices, "0"), "volatile-dc-memdev", NULL));
    json_object_put(reply);

    /* Tagged capacity only: a tagged backend backs an add, untagged is refused. */
    expect_ok(client, "object-add",
              "{\"qom-type\": \"memory-backend-memfd\", \"id\": \"m0\", \"size\": 1073741824,"
              " \"tag\": \"" TAG_A "\"}");
    expect_ok(client, "cxl-add-dynamic-capacity",
              "{" DCD0 ", \"host-id\": 0, \"selection-policy\": \"contiguous\", \"region\": 1,"
              " \"tag\": \"" TAG_A "\", \"extents\": [{\"offset\": 0, \"len\": 1073741824}]}");
    expect_error(client, "cxl-add-dynamic-capacity",
                 "{" DCD0 ", \"host-id\": 0, \"selection-policy\": \"free\", \"region\": 0,"
                 " \"extents\": [{\"offset\": 0, \"len\": 2097152}]}",
                 "has no volatile-dc-memdev");
    /* Host 1 exists and may share the tag's capacity in region 1. */
    expect_ok(client, "cxl-add-dynamic-capacity",
              "{" DCD0 ", \"host-id\": 1, \"selection-policy\": \"enable-shared-access\","
              " \"region\": 1, \"tag\": \"" TAG_A "\", \"extents\": []}");
    expect_error(client, "cxl-add-dynamic-capacity",
                 "{" DCD0 ", \"host-id\": 2, \"selection-policy\": \"free\", \"region\": 1,"
                 " \"tag\": \"" TAG_A "\", \"extents\": [{\"offset\": 0, \"len\": 2097152}]}",
                 "host-id 2 is out of range");
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

static void test_nodefaults(void)
{
    static const char *const args[] = { "-nodefaults", NULL };
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(args);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);
    json_object *reply = execute(client, "query-cxl-dynamic-capacity", NULL);

    g_assert_cmpuint(json_object_array_length(tm_test_assert_return(reply)), ==, 0);
    json_object_put(reply);
    reply = execute(client, "qom-list", "{\"path\": \"/machine/peripheral\"}");
    g_assert_cmpuint(json_object_array_length(tm_test_assert_return(reply)), ==, 1);
    json_object_put(reply);
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

/* ---- -device ---- */

typedef struct {
    const char *name;
    const char *args[MAX_ARGS];
    const char *fragments[2]; /* both must appear in stderr */
} BadDevice;

static const BadDevice bad_devices[] = {
    { "another driver", { "-device", "pxb-cxl,id=cxl.1" },
      { "-device pxb-cxl,id=cxl.1", "'pxb-cxl' is not a valid device model name" } },
    { "missing id", { "-device", "cxl-type3,num-dc-regions=1,dc-regions-total-size=256M" },
      { "Parameter 'id' is missing" } },
    { "bad id", { "-device", "cxl-type3,id=1d,num-dc-regions=1,dc-regions-total-size=256M" },
      { "Parameter 'id' expects an identifier" } },
    { "duplicate id",
      { "-device", "cxl-type3,id=d,num-dc-regions=1,dc-regions-total-size=256M",
        "-device", "cxl-type3,id=d,num-dc-regions=1,dc-regions-total-size=256M" },
      { "-device cxl-type3,id=d", "'d'" } },
    { "nine regions (QEMU overruns)",
      { "-device", "cxl-type3,id=d,num-dc-regions=9,dc-regions-total-size=4G" },
      { "num-dc-regions", "maximum: 8" } },
    { "QEMU's static memdev", { "-device", "cxl-type3,id=d,volatile-memdev=m" },
      { "Property 'cxl-type3.volatile-memdev' not found" } },
    { "no backing", { "-device", "cxl-type3,id=d,num-dc-regions=2" },
      { "dynamic capacity must have a backing device" } },
    { "memdev missing", { "-device", "cxl-type3,id=d,num-dc-regions=1,volatile-dc-memdev=m" },
      { "Device 'm' not found" } },
    { "memdev used twice",
      { "-object", "memory-backend-ram,id=m,size=256M",
        "-device", "cxl-type3,id=d,num-dc-regions=1,volatile-dc-memdev=m",
        "-device", "cxl-type3,id=e,num-dc-regions=1,volatile-dc-memdev=m" },
      { "-device cxl-type3,id=e", "memory backend m can't be used multiple times." } },
    { "region size", { "-device", "cxl-type3,id=d,num-dc-regions=2,dc-regions-total-size=1000M" },
      { "backend size is not multiple of region len" } },
    { "block size", { "-device", "cxl-type3,id=d,num-dc-regions=1,dc-regions-total-size=256M,"
                                 "dc-block-size=3M" },
      { "dc-block-size", "not a power of 2" } },
    { "bad size", { "-device", "cxl-type3,id=d,num-dc-regions=1,dc-regions-total-size=1Q" },
      { "dc-regions-total-size", "unknown suffix" } },
};

static void test_bad_devices(void)
{
    g_autofree char *dir = tm_test_make_dir();

    for (gsize i = 0; i < G_N_ELEMENTS(bad_devices); i++) {
        const BadDevice *row = &bad_devices[i];
        g_autofree char *stderr_text = NULL;
        g_autofree char *socket = g_strdup_printf("unix:%s/never.sock,server=on,wait=off", dir);
        const char *args[MAX_ARGS + 3] = { "-qmp", socket };

        g_test_message("row: %s", row->name);
        for (gsize a = 0; a < MAX_ARGS && row->args[a]; a++) {
            args[2 + a] = row->args[a];
        }
        g_assert_cmpint(tm_test_run_tagmemd(args, dir, &stderr_text), ==, 1);
        for (gsize f = 0; f < G_N_ELEMENTS(row->fragments) && row->fragments[f]; f++) {
            if (strstr(stderr_text, row->fragments[f]) == NULL) {
                g_error("%s: stderr lacks '%s': %s", row->name, row->fragments[f], stderr_text);
            }
        }
        g_autofree char *socket_path = g_build_filename(dir, "never.sock", NULL);
        g_assert_false(g_file_test(socket_path, G_FILE_TEST_EXISTS));
    }
    g_rmdir(dir);
}

/* Several devices, in order, each under /machine/peripheral; QEMU's bus= is ignored. */
static void test_several_devices(void)
{
    static const char *const args[] = {
        "-object", "memory-backend-ram,id=dc0,size=512M",
        "--device", "cxl-type3,id=cxl-dcd0,bus=rp0,volatile-dc-memdev=dc0,num-dc-regions=2",
        "-device=cxl-type3,id=lazy,num-dc-regions=1,dc-regions-total-size=1G,num-hosts=4",
        NULL,
    };
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(args);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);
    json_object *reply = execute(client, "query-cxl-dynamic-capacity", NULL);
    json_object *devices = tm_test_assert_return(reply);

    g_assert_cmpuint(json_object_array_length(devices), ==, 2);
    assert_str(devices, "0.path", "/machine/peripheral/cxl-dcd0");
    assert_str(devices, "0.volatile-dc-memdev", "dc0");
    assert_uint(devices, "0.regions.1.base", UINT64_C(256) << 20);
    assert_str(devices, "1.id", "lazy");
    assert_uint(devices, "1.num-hosts", 4);
    json_object_put(reply);

    reply = execute(client, "qom-get",
                    "{\"path\": \"/machine/peripheral/lazy\", \"property\": \"num-hosts\"}");
    g_assert_cmpuint(json_object_get_uint64(tm_test_assert_return(reply)), ==, 4);
    json_object_put(reply);
    expect_error(client, "qom-set",
                 "{\"path\": \"/machine/peripheral/lazy\", \"property\": \"num-hosts\","
                 " \"value\": 2}", "cannot be changed after 'lazy' is created");
    /* The memdev of a device is in use. */
    expect_error(client, "object-del", "{\"id\": \"dc0\"}", "in use");
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

/* ---- the DC commands over the socket ---- */

#define ADD_ARGS(rest) "{" DCD0 ", \"host-id\": 0, \"selection-policy\": \"prescriptive\", " rest "}"
#define REL_ARGS(rest) "{" DCD0 ", \"host-id\": 0, \"removal-policy\": \"prescriptive\", " rest "}"

typedef struct {
    const char *name;
    const char *command;
    const char *arguments;
    const char *fragment;
} BadRequest;

static const BadRequest bad_requests[] = {
    { "bad path", "cxl-add-dynamic-capacity",
      "{\"path\": \"/machine/peripheral/nope\", \"host-id\": 0, \"selection-policy\": "
      "\"prescriptive\", \"region\": 0, \"extents\": [{\"offset\": 0, \"len\": 2097152}]}",
      "Unable to resolve CXL type 3 device" },
    { "region too large", "cxl-add-dynamic-capacity",
      ADD_ARGS("\"region\": 2, \"extents\": [{\"offset\": 0, \"len\": 2097152}]"),
      "region id is too large" },
    { "zero length", "cxl-add-dynamic-capacity",
      ADD_ARGS("\"region\": 0, \"extents\": [{\"offset\": 0, \"len\": 0}]"),
      "extent with 0 length is not allowed" },
    { "misaligned", "cxl-add-dynamic-capacity",
      ADD_ARGS("\"region\": 0, \"extents\": [{\"offset\": 4096, \"len\": 2097152}]"),
      "dpa or len is not aligned to region block size" },
    { "past the region end", "cxl-add-dynamic-capacity",
      ADD_ARGS("\"region\": 1, \"extents\": [{\"offset\": 266338304, \"len\": 4194304}]"),
      "extent range is beyond the region end" },
    { "overlap in the request", "cxl-add-dynamic-capacity",
      ADD_ARGS("\"region\": 0, \"extents\": [{\"offset\": 0, \"len\": 4194304},"
               " {\"offset\": 2097152, \"len\": 2097152}]"),
      "duplicate or overlapped extents are detected" },
    { "pending again", "cxl-add-dynamic-capacity",
      ADD_ARGS("\"region\": 1, \"tag\": \"" TAG_A "\","
               " \"extents\": [{\"offset\": 0, \"len\": 2097152}]"),
      "cannot add DPA again while still pending" },
    { "tag not a GUID", "cxl-add-dynamic-capacity",
      ADD_ARGS("\"region\": 0, \"tag\": \"xyz\", \"extents\": [{\"offset\": 0, \"len\": 2097152}]"),
      "Parameter 'tag' expects a GUID" },
    { "tag no backend holds", "cxl-add-dynamic-capacity",
      ADD_ARGS("\"region\": 0, \"tag\": \"" TAG_B "\","
               " \"extents\": [{\"offset\": 0, \"len\": 2097152}]"),
      "no memory backend has tag " TAG_B },
    { "host-id out of range", "cxl-add-dynamic-capacity",
      "{" DCD0 ", \"host-id\": 2, \"selection-policy\": \"prescriptive\", \"region\": 0,"
      " \"extents\": [{\"offset\": 0, \"len\": 2097152}]}",
      "host-id 2 is out of range" },
    { "release pending", "cxl-release-dynamic-capacity",
      REL_ARGS("\"region\": 1, \"extents\": [{\"offset\": 0, \"len\": 2097152}]"),
      "cannot release extent with pending DPA range" },
    { "release nothing accepted", "cxl-release-dynamic-capacity",
      REL_ARGS("\"region\": 0, \"extents\": [{\"offset\": 0, \"len\": 2097152}]"),
      "cannot release extent with non-existing DPA range" },
    { "release by a pending tag", "cxl-release-dynamic-capacity",
      "{" DCD0 ", \"host-id\": 0, \"removal-policy\": \"tag-based\", \"region\": 1,"
      " \"tag\": \"" TAG_A "\", \"extents\": []}",
      "cannot release extent with pending DPA range" },
    { "status both names", "cxl-release-dynamic-capacity-status",
      "{" DCD0 ", \"qom-path\": \"dcd0\", \"host-id\": 0, \"region\": 1, \"tag\": \"" TAG_A
      "\"}", "mutually exclusive" },
    { "status of a tag never offered", "cxl-release-dynamic-capacity-status",
      "{\"qom-path\": \"dcd0\", \"host-id\": 1, \"region\": 1, \"tag\": \"" TAG_A "\"}",
      "was never offered to host 1" },
};

static void test_dc_commands(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(dc_daemon_args);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);

    expect_ok(client, "cxl-add-dynamic-capacity",
              ADD_ARGS("\"region\": 1, \"tag\": \"" TAG_A "\", \"extents\": "
                       "[{\"offset\": 2097152, \"len\": 2097152},"
                       " {\"offset\": 0, \"len\": 2097152}]"));
    for (gsize i = 0; i < G_N_ELEMENTS(bad_requests); i++) {
        const BadRequest *row = &bad_requests[i];
        g_autofree char *before = dc_snapshot(client);

        g_test_message("row: %s", row->name);
        expect_error(client, row->command, row->arguments, row->fragment);
        g_autofree char *after = dc_snapshot(client);
        g_assert_cmpstr(after, ==, before);
    }

    json_object *reply = execute(client, "cxl-release-dynamic-capacity-status",
                                 "{\"path\": \"/machine/peripheral/dcd0\", \"host-id\": 0,"
                                 " \"region\": 1, \"tag\": \"" TAG_A "\"}");
    json_object *status = tm_test_assert_return(reply);
    assert_str(status, "status", "Pending");
    json_object_put(reply);

    reply = execute(client, "query-cxl-dynamic-capacity", "{\"path\": \"dcd0\"}");
    json_object *devices = tm_test_assert_return(reply);
    assert_str(devices, "0.hosts.0.pending.0.tag", TAG_A);
    assert_uint(devices, "0.hosts.0.pending.0.extents.0.offset", 2097152);
    assert_uint(devices, "0.hosts.0.pending.0.extents.0.dpa", (UINT64_C(256) << 20) + 2097152);
    assert_uint(devices, "0.hosts.0.pending.0.extents.0.shared-seq", 0);
    assert_uint(devices, "0.hosts.0.pending.0.extents.1.offset", 0);
    assert_uint(devices, "0.hosts.0.pending.0.extents.1.shared-seq", 1);
    assert_uint(devices, "0.hosts.0.available-extents", 510);
    assert_str(devices, "0.tags.0.backend", "t1");
    assert_str(devices, "0.tags.0.state", "Pending");
    json_object_put(reply);

    /* A backend offered to a host cannot go away. */
    expect_error(client, "object-del", "{\"id\": \"t1\"}", "in use");
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/integration/cxl-dc/default-device", test_default_device);
    g_test_add_func("/integration/cxl-dc/nodefaults", test_nodefaults);
    g_test_add_func("/integration/cxl-dc/bad-devices", test_bad_devices);
    g_test_add_func("/integration/cxl-dc/several-devices", test_several_devices);
    g_test_add_func("/integration/cxl-dc/commands", test_dc_commands);
    return g_test_run();
}
