/*
 * The tagmem CLI against the real daemon: a command's "return" printed as
 * JSON, an error reply as "CLASS: DESC" with exit 1, tagmem list, and the
 * default socket path shared with tagmemd.  The host subcommands are in
 * test_cli_host.c.
 */
#include <string.h>

#include "cli_run.h"
#include "daemon_harness.h"

#define TAG "0b5e6c1c-8d2f-4a3b-9c4d-5e6f7a8b9c0d"

static void test_commands(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    const char *socket = daemon->socket_path;

    g_auto(CliRun) add = run_cli(NULL, "--socket", socket, "qmp", "object-add",
                                 "{\"qom-type\": \"memory-backend-memfd\", \"id\": \"mem0\","
                                 " \"size\": 2097152, \"tag\": \"" TAG "\"}", NULL);
    g_assert_cmpint(add.status, ==, 0);
    g_assert_cmpstr(g_strstrip(add.out), ==, "{}");

    g_auto(CliRun) query = run_cli(NULL, "-s", socket, "qmp", "query-memdev", NULL);
    g_assert_cmpint(query.status, ==, 0);
    json_object *memdevs = json_tokener_parse(query.out);
    g_assert_nonnull(memdevs);
    g_assert_cmpuint(json_object_array_length(memdevs), ==, 1);
    json_object *memdev = json_object_array_get_idx(memdevs, 0);
    g_assert_cmpuint(json_object_get_uint64(json_object_object_get(memdev, "size")), ==, 2097152);
    json_object_put(memdevs);
    /* Pretty-printed for people: one member per line. */
    g_assert_nonnull(strstr(query.out, "\n"));

    g_auto(CliRun) tag = run_cli(NULL, "--socket", socket, "qmp", "qom-get",
                                 "{\"path\": \"/objects/mem0\", \"property\": \"tag\"}", NULL);
    g_assert_cmpint(tag.status, ==, 0);
    g_assert_cmpstr(g_strstrip(tag.out), ==, "\"" TAG "\"");

    /* An error reply: class and description on stderr, exit 1. */
    g_auto(CliRun) dup = run_cli(NULL, "--socket", socket, "qmp", "object-add",
                                 "{\"qom-type\": \"memory-backend-ram\", \"id\": \"mem1\","
                                 " \"size\": 1048576, \"tag\": \"" TAG "\"}", NULL);
    g_assert_cmpint(dup.status, ==, 1);
    g_assert_true(g_str_has_prefix(dup.err, "tagmem: GenericError: "));
    g_assert_nonnull(strstr(dup.err, "mem0"));
    g_assert_cmpstr(dup.out, ==, "");

    g_auto(CliRun) unknown = run_cli(NULL, "--socket", socket, "qmp", "frobnicate", NULL);
    g_assert_cmpint(unknown.status, ==, 1);
    g_assert_nonnull(strstr(unknown.err, "CommandNotFound"));

    g_auto(CliRun) bad_json = run_cli(NULL, "--socket", socket, "qmp", "object-del", "{id:", NULL);
    g_assert_cmpint(bad_json.status, ==, 1);
    g_assert_nonnull(strstr(bad_json.err, "JSON-ARGS must be a JSON object"));

    g_auto(CliRun) not_object = run_cli(NULL, "--socket", socket, "qmp", "object-del", "[1]",
                                        NULL);
    g_assert_cmpint(not_object.status, ==, 1);
    g_assert_nonnull(strstr(not_object.err, "JSON-ARGS must be a JSON object"));

    /* An unknown subcommand: the message names it, the help lists the real ones. */
    g_auto(CliRun) usage = run_cli(NULL, "--socket", socket, "frobnicate", NULL);
    g_assert_cmpint(usage.status, ==, 1);
    g_assert_nonnull(strstr(usage.err, "unknown subcommand 'frobnicate'"));
    g_assert_nonnull(strstr(usage.err, "qmp COMMAND"));
    g_assert_nonnull(strstr(usage.err, "host-agent"));

    g_auto(CliRun) too_many = run_cli(NULL, "--socket", socket, "qmp", "query-memdev", "{}",
                                      "extra", NULL);
    g_assert_cmpint(too_many.status, ==, 1);
    g_assert_nonnull(strstr(too_many.err, "expected 'qmp COMMAND [JSON-ARGS]'"));

    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);

    /* Nobody listening any more. */
    g_auto(CliRun) gone = run_cli(NULL, "--socket", socket, "qmp", "query-memdev", NULL);
    g_assert_cmpint(gone.status, ==, 1);
    g_assert_nonnull(strstr(gone.err, "is tagmemd running?"));
}

/* tagmem list: tables for people, cxl list style JSON, kinds and filters. */
static void test_list(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    const char *socket = daemon->socket_path;
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);
    json_object *reply = tm_test_execute(client, "object-add",
                                         "{\"qom-type\": \"memory-backend-memfd\", \"id\": \"mem0\","
                                         " \"size\": 4194304, \"tag\": \"" TAG "\"}");
    tm_test_assert_return(reply);
    json_object_put(reply);
    reply = tm_test_execute(client, "cxl-add-dynamic-capacity",
                            "{\"path\": \"dcd0\", \"host-id\": 1, \"selection-policy\": "
                            "\"prescriptive\", \"region\": 1, \"tag\": \"" TAG "\", "
                            "\"extents\": [{\"offset\": 2097152, \"len\": 4194304}]}");
    tm_test_assert_return(reply);
    json_object_put(reply);
    reply = tm_test_execute(client, "cxl-inject-poison",
                            "{\"path\": \"dcd0\", \"start\": 17181970496, \"length\": 128}");
    tm_test_assert_return(reply);
    json_object_put(reply);

    g_auto(CliRun) tables = run_cli(NULL, "--socket", socket, "list", NULL);
    g_assert_cmpint(tables.status, ==, 0);
    static const char *const lines[] = {
        "DEVICE  PATH                      DC-SIZE  REGIONS  HOSTS  FREE-TAGS  STATIC-MEMDEV\n"
        "dcd0    /machine/peripheral/dcd0  32 GiB   2        2      511/512    -\n",
        "dcd0    1       0x400000000  16 GiB  2 MiB  yes       no\n",
        "dcd0    1     0           1               0        511/512\n",
        "dcd0    1     pending  1       0x400200000  4 MiB   0    " TAG "  -        -\n",
        TAG "  dcd0    Pending  1       mem0     4 MiB      1              -\n",
        "mem0     4 MiB  yes    no        default  " TAG "\n",
        "DEVICE  POISONED-DPA  LENGTH  SOURCE\n"
        "dcd0    0x400201040   128 B   internal\n",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(lines); i++) {
        if (strstr(tables.out, lines[i]) == NULL) {
            g_error("tagmem list has no line\n%s in\n%s", lines[i], tables.out);
        }
    }

    /* --json: every kind, as cxl list nests several kinds: [{"devices": [...]}, ...]. */
    g_auto(CliRun) json = run_cli(NULL, "--socket", socket, "list", "--json", NULL);
    g_assert_cmpint(json.status, ==, 0);
    json_object *all = json_tokener_parse(json.out);
    g_assert_nonnull(all);
    g_assert_cmpuint(json_object_array_length(all), ==, 7);
    json_object *devices = json_object_object_get(json_object_array_get_idx(all, 0), "devices");
    json_object *backends = json_object_object_get(json_object_array_get_idx(all, 5), "backends");
    g_assert_cmpuint(json_object_array_length(devices), ==, 1);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(
                        json_object_array_get_idx(devices, 0), "device")), ==, "dcd0");
    g_assert_cmpuint(json_object_get_uint64(json_object_object_get(
                         json_object_array_get_idx(devices, 0), "dc_size")), ==, UINT64_C(32) << 30);
    g_assert_cmpuint(json_object_array_length(backends), ==, 1);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(
                        json_object_array_get_idx(backends, 0), "tag")), ==, TAG);
    json_object_put(all);

    /* One kind: a flat array; -u writes sizes and addresses for people. */
    g_auto(CliRun) extents = run_cli(NULL, "--socket", socket, "list", "-E", "-u", "--json",
                                     NULL);
    g_assert_cmpint(extents.status, ==, 0);
    json_object *flat = json_tokener_parse(extents.out);
    g_assert_cmpuint(json_object_array_length(flat), ==, 1);
    json_object *extent = json_object_array_get_idx(flat, 0);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(extent, "state")), ==,
                    "pending");
    g_assert_cmpstr(json_object_get_string(json_object_object_get(extent, "dpa")), ==,
                    "0x400200000");
    g_assert_cmpstr(json_object_get_string(json_object_object_get(extent, "size")), ==,
                    "4 MiB (4.19 MB)");
    json_object_put(flat);

    /* Filters: host 0 holds nothing; tag T's extents, tags and backends only. */
    g_auto(CliRun) host0 = run_cli(NULL, "--socket", socket, "list", "-E", "-H", "0", NULL);
    g_assert_cmpint(host0.status, ==, 0);
    g_assert_cmpstr(host0.out, ==, "nothing to list\n");
    g_auto(CliRun) by_tag = run_cli(NULL, "--socket", socket, "list", "-t", TAG, "-T", "-B",
                                    NULL);
    g_assert_cmpint(by_tag.status, ==, 0);
    g_assert_nonnull(strstr(by_tag.out, "TAG  "));
    g_assert_nonnull(strstr(by_tag.out, "BACKEND  SIZE"));
    g_assert_null(strstr(by_tag.out, "DEVICE  HOST"));
    g_auto(CliRun) other_region = run_cli(NULL, "--socket", socket, "list", "-r", "0", "-E",
                                          NULL);
    g_assert_cmpstr(other_region.out, ==, "nothing to list\n");
    g_auto(CliRun) no_device = run_cli(NULL, "--socket", socket, "list", "-d", "dcd9", NULL);
    g_assert_cmpint(no_device.status, ==, 1);
    g_assert_nonnull(strstr(no_device.err, "-d 'dcd9': no such device"));
    g_auto(CliRun) bad_tag = run_cli(NULL, "--socket", socket, "list", "-t", "x", NULL);
    g_assert_cmpint(bad_tag.status, ==, 1);
    g_assert_nonnull(strstr(bad_tag.err, "Parameter '--tag' expects a GUID"));

    g_auto(CliRun) extra = run_cli(NULL, "--socket", socket, "list", "devices", NULL);
    g_assert_cmpint(extra.status, ==, 1);
    g_assert_nonnull(strstr(extra.err, "list takes no arguments, got 'devices'"));
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);

    g_auto(CliRun) gone = run_cli(NULL, "--socket", socket, "list", NULL);
    g_assert_cmpint(gone.status, ==, 1);
    g_assert_nonnull(strstr(gone.err, "is tagmemd running?"));
}

static void test_default_socket(void)
{
    char *dir = tm_test_make_dir();
    g_autofree char *socket_path = g_build_filename(dir, "tagmem", "qmp.sock", NULL);
    g_auto(GStrv) envp = g_environ_setenv(g_get_environ(), "XDG_RUNTIME_DIR", dir, TRUE);
    const char *no_args[] = { NULL };
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start_in(dir, no_args, envp, socket_path);

    /* Neither program is told the path: they agree on it. */
    g_auto(CliRun) query = run_cli(envp, "qmp", "query-memdev", NULL);
    g_assert_cmpint(query.status, ==, 0);
    g_assert_cmpstr(g_strstrip(query.out), ==, "[]");

    g_auto(CliRun) quit = run_cli(envp, "qmp", "quit", NULL);
    g_assert_cmpint(quit.status, ==, 0);
    g_assert_true(tm_test_daemon_wait_exit(daemon, 15000));
    g_assert_false(g_file_test(socket_path, G_FILE_TEST_EXISTS));
}

/* tagmem fm: FM-API on the default daemon's FM socket, beside QMP. */
static void test_fm(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    g_autofree char *fm = g_build_filename(daemon->dir, "tagmem", "fm.sock", NULL);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);

    g_auto(CliRun) info = run_cli(NULL, "fm", "--fm", fm, "--json", "dcd-info", NULL);
    g_assert_cmpint(info.status, ==, 0);
    json_object *parsed = json_tokener_parse(info.out);
    g_assert_nonnull(parsed);
    g_assert_cmpint(json_object_get_int(json_object_object_get(parsed, "hosts")), ==, 2);
    g_assert_cmpuint(json_object_get_uint64(json_object_object_get(parsed, "total_capacity")),
                     ==, UINT64_C(32) << 30);
    json_object_put(parsed);

    /* A tagged add over FM-API is pending for the host in QMP's view. */
    json_object *reply = tm_test_execute(client, "object-add",
                                         "{\"qom-type\": \"memory-backend-memfd\", \"id\": \"mem0\","
                                         " \"size\": 4194304, \"tag\": \"" TAG "\"}");
    tm_test_assert_return(reply);
    json_object_put(reply);
    g_auto(CliRun) add = run_cli(NULL, "fm", "--fm", fm, "add", "--host", "1", "--region", "0",
                                 "--policy", "free", "--size", "4M", "--tag", TAG, NULL);
    if (add.status != 0) {
        g_error("tagmem fm add: %s", add.err);
    }
    reply = tm_test_execute(client, "query-cxl-dynamic-capacity", NULL);
    json_object *host1 = json_object_array_get_idx(json_object_object_get(
        json_object_array_get_idx(tm_test_assert_return(reply), 0), "hosts"), 1);
    g_assert_cmpuint(json_object_array_length(json_object_object_get(host1, "pending")), ==, 1);
    json_object_put(reply);

    g_auto(CliRun) regions = run_cli(NULL, "fm", "--fm", fm, "regions", "--host", "1", NULL);
    g_assert_cmpint(regions.status, ==, 0);
    g_assert_nonnull(strstr(regions.out, "extents_available: 511\n"));
    g_assert_nonnull(strstr(regions.out, "1       0x400000000  16 GiB         16 GiB  2 MiB"));
    g_auto(CliRun) tags = run_cli(NULL, "fm", "--fm", fm, "tags", NULL);
    g_assert_cmpint(tags.status, ==, 0);
    g_assert_nonnull(strstr(tags.out, TAG "  no                 1\n"));

    /* Host 1 never answers: the FM withdraws the offer; once more, nothing is left. */
    g_auto(CliRun) withdraw = run_cli(NULL, "fm", "--fm", fm, "withdraw", "--host", "1",
                                      "--tag", TAG, NULL);
    g_assert_cmpint(withdraw.status, ==, 0);
    reply = tm_test_execute(client, "query-cxl-dynamic-capacity", NULL);
    host1 = json_object_array_get_idx(json_object_object_get(
        json_object_array_get_idx(tm_test_assert_return(reply), 0), "hosts"), 1);
    g_assert_cmpuint(json_object_array_length(json_object_object_get(host1, "pending")), ==, 0);
    json_object_put(reply);
    g_auto(CliRun) again = run_cli(NULL, "fm", "--fm", fm, "withdraw", "--host", "1", "--id", "1",
                                   NULL);
    g_assert_cmpint(again.status, ==, 1);
    g_assert_nonnull(strstr(again.err, "Withdraw Dynamic Capacity (C100h) failed: "
                                       "Invalid Input (02h)"));

    /* Refusals name the option, the command and its return code; nothing changes. */
    g_auto(CliRun) policy = run_cli(NULL, "fm", "--fm", fm, "add", "--policy", "any", NULL);
    g_assert_cmpint(policy.status, ==, 1);
    g_assert_nonnull(strstr(policy.err, "--policy 'any'"));
    g_auto(CliRun) extent = run_cli(NULL, "fm", "--fm", fm, "release", "--extent", "12", NULL);
    g_assert_cmpint(extent.status, ==, 1);
    g_assert_nonnull(strstr(extent.err, "--extent '12'"));
    g_auto(CliRun) refused = run_cli(NULL, "fm", "--fm", fm, "release", "--host", "0",
                                     "--extent", "0:2M", NULL);
    g_assert_cmpint(refused.status, ==, 1);
    g_assert_nonnull(strstr(refused.err, "Initiate Dynamic Capacity Release (5605h) failed: "
                                         "Invalid Extent List (1Eh)"));
    g_auto(CliRun) none = run_cli(NULL, "fm", "--fm", fm, NULL);
    g_assert_cmpint(none.status, ==, 1);
    g_assert_nonnull(strstr(none.err, "fm: expected one verb"));
    g_auto(CliRun) verb = run_cli(NULL, "fm", "--fm", fm, "grow", NULL);
    g_assert_cmpint(verb.status, ==, 1);
    g_assert_nonnull(strstr(verb.err, "unknown verb 'grow'"));
    g_autofree char *nowhere = g_build_filename(daemon->dir, "none.sock", NULL);
    g_auto(CliRun) absent = run_cli(NULL, "fm", "--fm", nowhere, "tags", NULL);
    g_assert_cmpint(absent.status, ==, 1);
    g_assert_nonnull(strstr(absent.err, "cannot connect to FM socket"));
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/integration/cli/commands", test_commands);
    g_test_add_func("/integration/cli/list", test_list);
    g_test_add_func("/integration/cli/default-socket", test_default_socket);
    g_test_add_func("/integration/cli/fm", test_fm);
    return g_test_run();
}
