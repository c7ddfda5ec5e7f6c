/*
 * QMP wire behaviour of the real daemon over its real socket: greeting,
 * negotiation, malformed input, streaming of several objects, and a
 * connection that survives 1 MiB of garbage.
 */
#include <string.h>

#include "daemon_harness.h"

static TmTestDaemon *daemon_under_test;

static void test_greeting_and_negotiation(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect_raw(daemon_under_test);
    json_object *greeting = tm_qmp_conn_receive(client, 10000, &err), *qmp, *version,
                *capabilities;

    g_assert_no_error(err);
    g_assert_true(json_object_object_get_ex(greeting, "QMP", &qmp));
    g_assert_true(json_object_object_get_ex(qmp, "version", &version));
    g_assert_true(json_object_is_type(version, json_type_object));
    g_assert_true(json_object_object_get_ex(qmp, "capabilities", &capabilities));
    g_assert_true(json_object_is_type(capabilities, json_type_array));
    json_object_put(greeting);

    /* Commands are refused until capabilities are negotiated. */
    json_object *reply = tm_test_execute(client, "query-memdev", NULL);
    tm_test_assert_error(reply, "CommandNotFound", "qmp_capabilities");
    json_object_put(reply);

    reply = tm_test_execute(client, "qmp_capabilities", NULL);
    json_object *value = tm_test_assert_return(reply);
    g_assert_true(json_object_is_type(value, json_type_object));
    g_assert_cmpint(json_object_object_length(value), ==, 0);
    json_object_put(reply);

    /* Negotiation happens once. */
    reply = tm_test_execute(client, "qmp_capabilities", NULL);
    tm_test_assert_error(reply, "CommandNotFound", "");
    json_object_put(reply);

    reply = tm_test_execute(client, "query-memdev", NULL);
    g_assert_true(json_object_is_type(tm_test_assert_return(reply), json_type_array));
    json_object_put(reply);
}

static void test_id_is_echoed(void)
{
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon_under_test);
    static const char request[] =
        "{\"execute\": \"query-memdev\", \"id\": {\"seq\": [1, \"two\"]}}\n"
        "{\"execute\": \"no-such-command\", \"id\": \"E1\"}\n";
    g_autoptr(GError) err = NULL;

    g_assert_true(tm_qmp_conn_send_raw(client, request, strlen(request), &err));
    json_object *reply = tm_qmp_conn_receive(client, 10000, &err);
    g_assert_no_error(err);
    tm_test_assert_return(reply);
    g_assert_cmpstr(json_object_to_json_string_ext(json_object_object_get(reply, "id"),
                                                   JSON_C_TO_STRING_PLAIN),
                    ==, "{\"seq\":[1,\"two\"]}");
    json_object_put(reply);

    reply = tm_qmp_conn_receive(client, 10000, &err);
    tm_test_assert_error(reply, "CommandNotFound", "no-such-command");
    g_assert_cmpstr(json_object_get_string(json_object_object_get(reply, "id")), ==, "E1");
    json_object_put(reply);
}

typedef struct {
    const char *name;
    const char *request;      /* raw bytes sent, one complete input */
    const char *error_class;
    const char *fragment;
} BadRequest;

/* One row per malformed request; each must get an error and the
 * connection must keep answering afterwards. */
static const BadRequest bad_requests[] = {
    { "invalid JSON", "{\"execute\": query-memdev}\n", "GenericError", "JSON" },
    { "unterminated then closed", "{\"execute\": \"query-memdev\",}\n", "GenericError", "JSON" },
    { "array instead of object", "[\"execute\", \"query-memdev\"]\n", "GenericError",
      "must be a JSON object" },
    { "string instead of object", "\"query-memdev\"\n", "GenericError",
      "must be a JSON object" },
    { "number instead of object", "42 \n", "GenericError", "must be a JSON object" },
    { "missing execute", "{\"arguments\": {}}\n", "GenericError", "execute" },
    { "execute not a string", "{\"execute\": 42}\n", "GenericError", "execute" },
    { "arguments not an object", "{\"execute\": \"query-memdev\", \"arguments\": [1]}\n",
      "GenericError", "arguments" },
    { "unknown command", "{\"execute\": \"frobnicate\"}\n", "CommandNotFound",
      "The command frobnicate has not been found" },
    { "argument of the wrong type",
      "{\"execute\": \"object-del\", \"arguments\": {\"id\": 42}}\n", "GenericError",
      "Invalid parameter type for 'id'" },
    { "missing argument", "{\"execute\": \"object-del\", \"arguments\": {}}\n",
      "GenericError", "'id'" },
    { "unexpected argument",
      "{\"execute\": \"query-memdev\", \"arguments\": {\"verbose\": true}}\n", "GenericError",
      "verbose" },
};

static void test_bad_requests(void)
{
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon_under_test);
    json_object *created = tm_test_execute(client, "object-add",
                                           "{\"qom-type\": \"memory-backend-ram\","
                                           " \"id\": \"keep0\", \"size\": 1048576}");

    tm_test_assert_return(created);
    json_object_put(created);
    for (gsize i = 0; i < G_N_ELEMENTS(bad_requests); i++) {
        const BadRequest *row = &bad_requests[i];
        g_autoptr(GError) err = NULL;
        g_autofree char *before = tm_test_backend_snapshot(client);

        g_test_message("row: %s", row->name);
        g_assert_true(tm_qmp_conn_send_raw(client, row->request, strlen(row->request), &err));
        json_object *reply = tm_qmp_conn_receive(client, 10000, &err);
        g_assert_no_error(err);
        tm_test_assert_error(reply, row->error_class, row->fragment);
        json_object_put(reply);

        /* Still in step (the next request gets its own answer), and
         * nothing changed. */
        g_autofree char *after = tm_test_backend_snapshot(client);
        g_assert_cmpstr(after, ==, before);
    }
    json_object *deleted = tm_test_execute(client, "object-del", "{\"id\": \"keep0\"}");
    tm_test_assert_return(deleted);
    json_object_put(deleted);
}

/* Several pretty-printed objects, some with nothing between them, all sent
 * before the greeting is read: every one is answered, in order. */
static void test_back_to_back_before_greeting(void)
{
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect_raw(daemon_under_test);
    g_autoptr(GError) err = NULL;
    static const char burst[] =
        "{\n  \"execute\": \"qmp_capabilities\",\n  \"id\": 1\n}\n"
        "{\n  \"execute\": \"query-memdev\",\n  \"id\": 2\n}"
        "{\n  \"execute\": \"object-add\",\n  \"arguments\": {\n"
        "    \"qom-type\": \"memory-backend-ram\",\n    \"id\": \"burst0\",\n"
        "    \"size\": 1048576\n  },\n  \"id\": 3\n}   \r\n"
        "{\"execute\":\"query-memdev\",\"id\":4}{\"execute\":\"object-del\","
        "\"arguments\":{\"id\":\"burst0\"},\"id\":5}\n";

    g_assert_true(tm_qmp_conn_send_raw(client, burst, strlen(burst), &err));
    json_object *greeting = tm_qmp_conn_receive(client, 10000, &err);
    g_assert_no_error(err);
    g_assert_true(json_object_object_get_ex(greeting, "QMP", NULL));
    json_object_put(greeting);

    for (int id = 1; id <= 5; id++) {
        json_object *reply = tm_qmp_conn_receive(client, 10000, &err);
        g_assert_no_error(err);
        json_object *value = tm_test_assert_return(reply);
        g_assert_cmpint(json_object_get_int(json_object_object_get(reply, "id")), ==, id);
        if (id == 2) {
            g_assert_cmpuint(json_object_array_length(value), ==, 0);
        }
        if (id == 4) {
            g_assert_cmpuint(json_object_array_length(value), ==, 1);
            json_object *memdev = json_object_array_get_idx(value, 0);
            g_assert_cmpstr(json_object_get_string(json_object_object_get(memdev, "id")), ==,
                            "burst0");
        }
        json_object_put(reply);
    }
}

typedef struct {
    TmQmpConn *client;
    GBytes *garbage;
    bool sent;
} GarbageSender;

static const char garbage_probe[] =
    "{\"execute\": \"query-memdev\", \"id\": \"after-garbage\"}\n";

/* Send from a thread: the server may answer the garbage while it is still
 * arriving, and those answers must be read meanwhile. */
static gpointer send_garbage(gpointer data)
{
    GarbageSender *sender = data;
    gsize length;
    const char *bytes = g_bytes_get_data(sender->garbage, &length);

    sender->sent = tm_qmp_conn_send_raw(sender->client, bytes, length, NULL) &&
                   tm_qmp_conn_send_raw(sender->client, garbage_probe,
                                          strlen(garbage_probe), NULL);
    return NULL;
}

static GBytes *make_garbage(gsize length)
{
    /* No quotes or brackets: the point is junk between messages, not one
     * endless string; control characters and bytes >= 0x80 are in. */
    static const char alphabet[] =
        "abcxyzQRS0123456789 .,:;-+*/\\|!?@#$%^&=~`\t\x01\x7f\x80\xfe\xff";
    g_autoptr(GRand) rand = g_rand_new_with_seed(20260101);
    guint8 *garbage = g_malloc(length);

    for (gsize i = 0; i < length; i++) {
        garbage[i] = alphabet[g_rand_int_range(rand, 0, sizeof(alphabet) - 1)];
    }
    garbage[length - 1] = '\n';
    return g_bytes_new_take(garbage, length);
}

static void test_garbage_megabyte(void)
{
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon_under_test);
    GarbageSender sender = { .client = client, .garbage = make_garbage(1024 * 1024) };
    guint errors = 0;

    GThread *thread = g_thread_new("garbage", send_garbage, &sender);
    /* Every answer before the probe's is an error about the garbage. */
    for (;;) {
        g_autoptr(GError) err = NULL;
        json_object *reply = tm_qmp_conn_receive(client, 30000, &err);
        g_assert_no_error(err);
        json_object *id = json_object_object_get(reply, "id");
        if (id && g_strcmp0(json_object_get_string(id), "after-garbage") == 0) {
            tm_test_assert_return(reply);
            json_object_put(reply);
            break;
        }
        /* Not tm_test_assert_error(): it would log tens of thousands. */
        g_assert_true(json_object_object_get_ex(reply, "error", NULL));
        errors++;
        json_object_put(reply);
    }
    g_thread_join(thread);
    g_assert_true(sender.sent);
    g_bytes_unref(sender.garbage);
    g_test_message("%u error replies to 1 MiB of garbage", errors);
    g_assert_cmpuint(errors, >, 0);

    /* The connection is kept and still answers ordinary commands. */
    json_object *reply = tm_test_execute(client, "query-memdev", NULL);
    tm_test_assert_return(reply);
    json_object_put(reply);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    daemon_under_test = tm_test_daemon_start(NULL);
    g_test_add_func("/integration/qmp/greeting-and-negotiation", test_greeting_and_negotiation);
    g_test_add_func("/integration/qmp/id-is-echoed", test_id_is_echoed);
    g_test_add_func("/integration/qmp/bad-requests", test_bad_requests);
    g_test_add_func("/integration/qmp/back-to-back-before-greeting",
                    test_back_to_back_before_greeting);
    g_test_add_func("/integration/qmp/garbage-megabyte", test_garbage_megabyte);
    int status = g_test_run();
    g_assert_cmpint(tm_test_daemon_stop(daemon_under_test, SIGTERM), ==, 0);
    tm_test_daemon_free(daemon_under_test);
    return status;
}
