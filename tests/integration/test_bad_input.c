/*
 * Every bad object request over the real QMP socket gets a clear error and
 * changes nothing: one row per case (request, error class, message
 * fragment), and the backends are compared before and after each row.
 *
 * object-del of a backend in use (backing an extent) needs a device, which
 * does not exist yet; that case is tested at unit level, in the backend
 * registry tests (tests/unit/backend).
 */
#include <string.h>
#include <sys/stat.h>

#include "daemon_harness.h"

#define BASE_TAG "0b5e6c1c-8d2f-4a3b-9c4d-5e6f7a8b9c0d"

typedef struct {
    const char *name;
    const char *command;
    const char *arguments;   /* JSON object text */
    const char *error_class;
    const char *fragment;
} BadRow;

static const BadRow bad_rows[] = {
    { "bad tag", "object-add",
      "{\"qom-type\": \"memory-backend-ram\", \"id\": \"m1\", \"size\": 1048576,"
      " \"tag\": \"not-a-guid\"}",
      "GenericError", "not-a-guid" },
    { "tag with braces", "object-add",
      "{\"qom-type\": \"memory-backend-ram\", \"id\": \"m1\", \"size\": 1048576,"
      " \"tag\": \"{11111111-2222-3333-4444-555555555555}\"}",
      "GenericError", "'tag'" },
    { "null tag", "object-add",
      "{\"qom-type\": \"memory-backend-ram\", \"id\": \"m1\", \"size\": 1048576,"
      " \"tag\": \"00000000-0000-0000-0000-000000000000\"}",
      "GenericError", "null" },
    { "duplicate tag (other case)", "object-add",
      "{\"qom-type\": \"memory-backend-memfd\", \"id\": \"m1\", \"size\": 1048576,"
      " \"tag\": \"0B5E6C1C-8D2F-4A3B-9C4D-5E6F7A8B9C0D\"}",
      "GenericError", "base0" },
    { "GUID used as id", "object-add",
      "{\"qom-type\": \"memory-backend-ram\", \"id\": \"abcdef01-2345-4789-8bcd-ef0123456789\","
      " \"size\": 1048576}",
      "GenericError", "GUID" },
    { "id starting with a digit", "object-add",
      "{\"qom-type\": \"memory-backend-ram\", \"id\": \"1mem\", \"size\": 1048576}",
      "GenericError", "Parameter 'id' expects an identifier" },
    { "empty id", "object-add",
      "{\"qom-type\": \"memory-backend-ram\", \"id\": \"\", \"size\": 1048576}",
      "GenericError", "Parameter 'id' expects an identifier" },
    { "duplicate id", "object-add",
      "{\"qom-type\": \"memory-backend-ram\", \"id\": \"base0\", \"size\": 1048576}",
      "GenericError", "base0" },
    { "missing id", "object-add", "{\"qom-type\": \"memory-backend-ram\", \"size\": 1048576}",
      "GenericError", "'id'" },
    { "size 0", "object-add", "{\"qom-type\": \"memory-backend-ram\", \"id\": \"m1\", \"size\": 0}",
      "GenericError", "doesn't take value '0'" },
    { "missing size", "object-add", "{\"qom-type\": \"memory-backend-ram\", \"id\": \"m1\"}",
      "GenericError", "size" },
    { "negative size", "object-add",
      "{\"qom-type\": \"memory-backend-ram\", \"id\": \"m1\", \"size\": -1}",
      "GenericError", "size" },
    { "size overflow", "object-add",
      "{\"qom-type\": \"memory-backend-ram\", \"id\": \"m1\", \"size\": 18446744073709551616}",
      "GenericError", "size" },
    { "size not a number", "object-add",
      "{\"qom-type\": \"memory-backend-ram\", \"id\": \"m1\", \"size\": \"1Q\"}",
      "GenericError", "size" },
    { "prealloc-threads 0", "object-add",
      "{\"qom-type\": \"memory-backend-ram\", \"id\": \"m1\", \"size\": 1048576,"
      " \"prealloc-threads\": 0}",
      "GenericError", "prealloc-threads" },
    { "unknown property", "object-add",
      "{\"qom-type\": \"memory-backend-ram\", \"id\": \"m1\", \"size\": 1048576, \"colour\": 1}",
      "GenericError", "colour" },
    { "wrong property type", "object-add",
      "{\"qom-type\": \"memory-backend-ram\", \"id\": \"m1\", \"size\": 1048576,"
      " \"share\": \"sometimes\"}",
      "GenericError", "share" },
    { "unknown qom-type", "object-add",
      "{\"qom-type\": \"memory-backend-cheese\", \"id\": \"m1\", \"size\": 1048576}",
      "GenericError", "memory-backend-cheese" },
    { "abstract qom-type", "object-add",
      "{\"qom-type\": \"memory-backend\", \"id\": \"m1\", \"size\": 1048576}",
      "GenericError", "memory-backend" },
    { "object-del of a missing object", "object-del", "{\"id\": \"nosuch\"}",
      "GenericError", "nosuch" },
    { "qom-set of a read-only property", "qom-set",
      "{\"path\": \"/objects/base0\", \"property\": \"type\", \"value\": \"memory-backend-file\"}",
      "GenericError", "type" },
    { "qom-set of size after creation", "qom-set",
      "{\"path\": \"/objects/base0\", \"property\": \"size\", \"value\": 4096}",
      "GenericError", "size" },
    { "qom-set of a tag another backend holds", "qom-set",
      "{\"path\": \"/objects/base1\", \"property\": \"tag\", \"value\": \"" BASE_TAG "\"}",
      "GenericError", "base0" },
    { "qom-get of a missing property", "qom-get",
      "{\"path\": \"/objects/base0\", \"property\": \"colour\"}",
      "GenericError", "colour" },
    { "qom-get of a missing object", "qom-get",
      "{\"path\": \"/objects/nosuch\", \"property\": \"size\"}",
      "DeviceNotFound", "nosuch" },
};

static void test_bad_rows(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);
    json_object *reply;

    reply = tm_test_execute(client, "object-add",
                            "{\"qom-type\": \"memory-backend-memfd\", \"id\": \"base0\","
                            " \"size\": 2097152, \"tag\": \"" BASE_TAG "\"}");
    tm_test_assert_return(reply);
    json_object_put(reply);
    reply = tm_test_execute(client, "object-add",
                            "{\"qom-type\": \"memory-backend-ram\", \"id\": \"base1\","
                            " \"size\": 1048576}");
    tm_test_assert_return(reply);
    json_object_put(reply);

    for (gsize i = 0; i < G_N_ELEMENTS(bad_rows); i++) {
        const BadRow *row = &bad_rows[i];
        g_autofree char *before = tm_test_backend_snapshot(client);

        g_test_message("row: %s", row->name);
        reply = tm_test_execute(client, row->command, row->arguments);
        tm_test_assert_error(reply, row->error_class, row->fragment);
        json_object_put(reply);

        g_autofree char *after = tm_test_backend_snapshot(client);
        g_assert_cmpstr(after, ==, before);
    }
    g_assert_cmpint(tm_test_backend_count(client), ==, 2);
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

static void test_good_path_after_errors(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);
    json_object *reply;

    /* A refused tag stays free for the next request. */
    reply = tm_test_execute(client, "object-add",
                            "{\"qom-type\": \"memory-backend-ram\", \"id\": \"m1\","
                            " \"size\": 0, \"tag\": \"" BASE_TAG "\"}");
    tm_test_assert_error(reply, "GenericError", "size");
    json_object_put(reply);
    reply = tm_test_execute(client, "object-add",
                            "{\"qom-type\": \"memory-backend-ram\", \"id\": \"m1\","
                            " \"size\": 1048576, \"tag\": \"0B5E6C1C-8D2F-4A3B-9C4D-5E6F7A8B9C0D\"}");
    tm_test_assert_return(reply);
    json_object_put(reply);

    /* Stored and shown in canonical lower case. */
    reply = tm_test_execute(client, "qom-get",
                            "{\"path\": \"/objects/m1\", \"property\": \"tag\"}");
    g_assert_cmpstr(json_object_get_string(tm_test_assert_return(reply)), ==, BASE_TAG);
    json_object_put(reply);

    reply = tm_test_execute(client, "object-del", "{\"id\": \"m1\"}");
    tm_test_assert_return(reply);
    json_object_put(reply);
    g_assert_cmpint(tm_test_backend_count(client), ==, 0);

    /* Deleting frees both the id and the tag. */
    reply = tm_test_execute(client, "object-add",
                            "{\"qom-type\": \"memory-backend-memfd\", \"id\": \"m1\","
                            " \"size\": 1048576, \"tag\": \"" BASE_TAG "\"}");
    tm_test_assert_return(reply);
    json_object_put(reply);
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

/* A FIFO as mem-path: refused at once, and the daemon goes on serving everyone. */
static void test_fifo_mem_path(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);
    g_autoptr(TmQmpConn) bystander = tm_test_daemon_connect(daemon);
    g_autofree char *fifo = g_build_filename(daemon->dir, "fifo", NULL);

    g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
    g_autofree char *arguments = g_strdup_printf(
        "{\"qom-type\": \"memory-backend-file\", \"id\": \"f1\", \"size\": 1048576,"
        " \"share\": true, \"mem-path\": \"%s\"}", fifo);
    json_object *reply = tm_test_execute(client, "object-add", arguments);
    tm_test_assert_error(reply, "GenericError", "is a FIFO: expected a regular file");
    json_object_put(reply);
    g_assert_cmpint(tm_test_backend_count(bystander), ==, 0);
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/integration/bad-input/rows", test_bad_rows);
    g_test_add_func("/integration/bad-input/good-path-after-errors", test_good_path_after_errors);
    g_test_add_func("/integration/bad-input/fifo-mem-path", test_fifo_mem_path);
    return g_test_run();
}
