/*
 * Large QMP answers sent piece by piece (src/qmp/qmp_reply_stream.h), with
 * the real daemon: the answer is the state at the moment of the query even
 * when it changes while the answer is being sent; events that come
 * meanwhile follow the answer instead of cutting into it; other clients
 * are served while a client reads (or does not read) a large answer; a
 * client that hangs up halfway costs nothing; requests sent behind a
 * streamed answer are answered after it, in order.
 */
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon_harness.h"

#define N_GROUPS 8
#define EXTENTS_PER_GROUP 1000
#define BLOCK (2ULL * 1024 * 1024)
#define READ_TIMEOUT_MS 20000

static const char *const daemon_args[] = {
    "-object", "memory-backend-memfd,id=dc0,size=64G",
    "-nodefaults",
    "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=1,num-hosts=2,"
               "dc-event-log-depth=8192,dc-max-extents=8192",
    NULL,
};

/* A raw client: line-by-line reads, a small receive buffer so the daemon holds the answer. */
typedef struct {
    int fd;
    GString *input;
} RawClient;

static void raw_send(RawClient *client, const char *text)
{
    g_assert_cmpint(send(client->fd, text, strlen(text), MSG_NOSIGNAL), ==, (ssize_t)strlen(text));
}

/* The next CR LF-terminated message, parsed. */
static json_object *raw_next(RawClient *client)
{
    gint64 deadline = g_get_monotonic_time() + READ_TIMEOUT_MS * 1000LL;
    char buffer[65536];

    for (;;) {
        const char *end = strstr(client->input->str, "\r\n");
        if (end) {
            size_t length = (size_t)(end - client->input->str);
            g_autofree char *line = g_strndup(client->input->str, length);
            g_string_erase(client->input, 0, (gssize)(length + 2));
            json_object *message = json_tokener_parse(line);
            g_assert_nonnull(message);
            return message;
        }
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        ssize_t n = recv(client->fd, buffer, sizeof(buffer), 0);
        g_assert_cmpint(n, >, 0);
        g_string_append_len(client->input, buffer, n);
    }
}

static RawClient raw_connect(const TmTestDaemon *daemon)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    RawClient client = { .fd = socket(AF_UNIX, SOCK_STREAM, 0), .input = g_string_new(NULL) };
    int small = 4096;

    g_strlcpy(addr.sun_path, daemon->socket_path, sizeof(addr.sun_path));
    setsockopt(client.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    g_assert_cmpint(connect(client.fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    json_object_put(raw_next(&client));  /* the greeting */
    raw_send(&client, "{\"execute\": \"qmp_capabilities\"}\r\n");
    json_object_put(raw_next(&client));
    return client;
}

static void raw_close(RawClient *client)
{
    close(client->fd);
    g_string_free(client->input, TRUE);
}

static void qmp_ok(TmQmpConn *client, const char *command, const char *arguments)
{
    json_object *reply = tm_test_execute(client, command, arguments);

    tm_test_assert_return(reply);
    json_object_put(reply);
}

/* Offer host 0 @n prescriptive 2 MiB extents from block @first on, in one request. */
static void offer(TmQmpConn *client, int first, int n)
{
    g_autoptr(GString) args = g_string_new("{\"path\": \"dcd0\", \"host-id\": 0, "
                                           "\"selection-policy\": \"prescriptive\", "
                                           "\"region\": 0, \"extents\": [");
    for (int i = 0; i < n; i++) {
        g_string_append_printf(args, "%s{\"offset\": %llu, \"len\": %llu}", i ? ", " : "",
                               (first + i) * BLOCK, BLOCK);
    }
    g_string_append(args, "]}");
    qmp_ok(client, "cxl-add-dynamic-capacity", args->str);
}

static TmTestDaemon *start_with_offers(TmQmpConn **client)
{
    TmTestDaemon *daemon = tm_test_daemon_start(daemon_args);

    *client = tm_test_daemon_connect(daemon);
    for (int g = 0; g < N_GROUPS; g++) {
        offer(*client, g * EXTENTS_PER_GROUP, EXTENTS_PER_GROUP);
    }
    return daemon;
}

/* Host 0's pending extents in a query answer. */
static int pending_extents(json_object *answer)
{
    json_object *device = json_object_array_get_idx(answer, 0);
    json_object *hosts, *groups, *extents;
    int count = 0;

    g_assert_true(json_object_object_get_ex(device, "hosts", &hosts));
    g_assert_true(json_object_object_get_ex(json_object_array_get_idx(hosts, 0), "pending",
                                            &groups));
    for (size_t i = 0; i < json_object_array_length(groups); i++) {
        g_assert_true(json_object_object_get_ex(json_object_array_get_idx(groups, i),
                                                "extents", &extents));
        count += (int)json_object_array_length(extents);
    }
    return count;
}

static json_object *member(json_object *object, const char *name)
{
    json_object *value = NULL;

    g_assert_true(json_object_object_get_ex(object, name, &value));
    return value;
}

/*
 * While a client does not read its ~600 KB answer, another is served and
 * changes the state (one more offer; another offered and withdrawn); the
 * first then reads the state as it was, whole, followed by the event the
 * withdrawal produced.
 */
static void test_snapshot_and_events_behind(void)
{
    TmQmpConn *client;
    g_autoptr(TmTestDaemon) daemon = start_with_offers(&client);
    RawClient reader = raw_connect(daemon);

    raw_send(&reader, "{\"execute\": \"query-cxl-dynamic-capacity\", \"id\": {\"n\": [7]}}\r\n");
    /* The daemon cannot have sent it all: the answer is far larger than the socket buffers. */
    qmp_ok(client, "query-version", "{}");
    offer(client, N_GROUPS * EXTENTS_PER_GROUP, 1);
    offer(client, N_GROUPS * EXTENTS_PER_GROUP + 1, 1);
    /* Requests are numbered from 1: this is the last offer. */
    g_autofree char *withdraw = g_strdup_printf("{\"path\": \"dcd0\", \"host-id\": 0, "
                                                "\"id\": %d}", N_GROUPS + 2);
    qmp_ok(client, "cxl-withdraw-dynamic-capacity", withdraw);

    json_object *answer = raw_next(&reader);
    g_assert_cmpstr(json_object_to_json_string(member(answer, "id")), ==, "{ \"n\": [ 7 ] }");
    g_assert_cmpint(pending_extents(member(answer, "return")), ==, N_GROUPS * EXTENTS_PER_GROUP);
    json_object_put(answer);

    json_object *event = raw_next(&reader);
    g_assert_cmpstr(json_object_get_string(member(event, "event")), ==, "CXL_DC_CAPACITY_WITHDRAWN");
    json_object_put(event);

    /* The connection goes on normally; a new query sees the change. */
    raw_send(&reader, "{\"execute\": \"query-cxl-dynamic-capacity\"}\r\n");
    answer = raw_next(&reader);
    g_assert_cmpint(pending_extents(member(answer, "return")), ==,
                    N_GROUPS * EXTENTS_PER_GROUP + 1);
    json_object_put(answer);

    raw_close(&reader);
    tm_qmp_conn_free(client);
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

/* Requests sent behind a streamed answer are answered after it, in order. */
static void test_pipelined_behind(void)
{
    TmQmpConn *client;
    g_autoptr(TmTestDaemon) daemon = start_with_offers(&client);
    RawClient reader = raw_connect(daemon);

    raw_send(&reader, "{\"execute\": \"query-cxl-dynamic-capacity\", \"id\": 1}\r\n"
                      "{\"execute\": \"query-version\", \"id\": 2}\r\n"
                      "{\"execute\": \"query-cxl-dynamic-capacity\", "
                      "\"arguments\": {\"region\": 0}, \"id\": 3}\r\n"
                      "{\"execute\": \"no-such-command\", \"id\": 4}\r\n");
    for (int id = 1; id <= 4; id++) {
        json_object *reply = raw_next(&reader);
        g_assert_cmpint(json_object_get_int(member(reply, "id")), ==, id);
        g_assert_true(json_object_object_get_ex(reply, id == 4 ? "error" : "return", NULL));
        json_object_put(reply);
    }
    raw_close(&reader);
    tm_qmp_conn_free(client);
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

/* Clients that hang up halfway through their answers: the daemon lets go and serves on. */
static void test_hang_up_halfway(void)
{
    TmQmpConn *client;
    g_autoptr(TmTestDaemon) daemon = start_with_offers(&client);

    for (int round = 0; round < 20; round++) {
        RawClient reader = raw_connect(daemon);
        char buffer[1024];
        raw_send(&reader, "{\"execute\": \"query-cxl-dynamic-capacity\"}\r\n");
        g_assert_cmpint(recv(reader.fd, buffer, sizeof(buffer), MSG_WAITALL), ==, sizeof(buffer));
        raw_close(&reader);
        qmp_ok(client, "query-version", "{}");
    }
    json_object *reply = tm_test_execute(client, "query-cxl-dynamic-capacity", "{}");
    g_assert_cmpint(pending_extents(tm_test_assert_return(reply)), ==,
                    N_GROUPS * EXTENTS_PER_GROUP);
    json_object_put(reply);
    tm_qmp_conn_free(client);
    /* ASan's leak check runs at exit: 0 means no answer was left behind. */
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp-streaming/snapshot-and-events-behind", test_snapshot_and_events_behind);
    g_test_add_func("/qmp-streaming/pipelined-behind", test_pipelined_behind);
    g_test_add_func("/qmp-streaming/hang-up-halfway", test_hang_up_halfway);
    return g_test_run();
}
