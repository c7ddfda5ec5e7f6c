/*
 * The EventService of the real tagmemd (docs/redfish.md, "Events"): the
 * SSE stream carries offered/accepted/released/withdrawn/rejected capacity
 * in order with its details; push subscriptions deliver to a small HTTP
 * listener here; subscribers that never answer or do not exist, and a
 * stream client that never reads, do not hold the daemon up.
 */
#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>

#include "redfish_client.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put)

#define TAG_A "0123abcd-0000-4000-8000-00000000000a"
#define DCD0 "\"path\": \"/machine/peripheral/dcd0\""
#define CHUNK_A "/redfish/v1/Chassis/dcd0/MemoryDomains/1/MemoryChunks/" TAG_A

static const char *str_at(json_object *obj, const char *pointer)
{
    return tm_redfish_test_str_at(obj, pointer);
}

static void qmp_ok(TmQmpConn *client, const char *command, const char *args)
{
    g_autoptr(json_object) reply = tm_test_execute(client, command, args);
    tm_test_assert_return(reply);
}

/* A 64 MiB backend of TAG_A. */
static void make_backend(TmQmpConn *client)
{
    qmp_ok(client, "object-add", "{\"qom-type\": \"memory-backend-memfd\", \"id\": \"m0\","
                                 " \"size\": 67108864, \"tag\": \"" TAG_A "\"}");
}

/* @n 2 MiB extents of TAG_A, 4 MiB apart, offered to @host in region 1. */
static void offer(TmQmpConn *client, int host, guint n)
{
    g_autoptr(GString) args = g_string_new(NULL);

    g_string_append_printf(args, "{" DCD0 ", \"host-id\": %d,"
                           " \"selection-policy\": \"prescriptive\","
                           " \"region\": 1, \"tag\": \"" TAG_A "\", \"extents\": [", host);
    for (guint i = 0; i < n; i++) {
        g_string_append_printf(args, "%s{\"offset\": %" G_GUINT64_FORMAT ", \"len\": 2097152}",
                               i ? ", " : "", (guint64)i * 4194304u);
    }
    g_string_append(args, "]}");
    qmp_ok(client, "cxl-add-dynamic-capacity", args->str);
}

static void withdraw(TmQmpConn *client, int host)
{
    g_autofree char *args = g_strdup_printf("{" DCD0 ", \"host-id\": %d}", host);
    qmp_ok(client, "cxl-withdraw-dynamic-capacity", args);
}

static void release_forced(TmQmpConn *client, int host)
{
    g_autofree char *args = g_strdup_printf(
        "{" DCD0 ", \"host-id\": %d, \"removal-policy\": \"tag-based\", \"forced-removal\": true,"
        " \"region\": 1, \"tag\": \"" TAG_A "\", \"extents\": []}", host);
    qmp_ok(client, "cxl-release-dynamic-capacity", args);
}

/* The next event on @stream: its message key, with its id checked to be @expect_id. */
static json_object *next_event(TmRedfishTestStream *stream, guint expect_id, const char *key)
{
    g_autofree char *id = NULL;
    json_object *event = tm_redfish_test_stream_next(stream, &id);
    g_autofree char *expect = g_strdup_printf("%u", expect_id);
    g_autofree char *message_id = g_strdup_printf("Tagmem.1.0.%s", key);

    g_assert_cmpstr(id, ==, expect);
    g_assert_cmpstr(str_at(event, "/@odata.type"), ==, "#Event.v1_10_0.Event");
    g_assert_cmpstr(str_at(event, "/Events/0/EventId"), ==, expect);
    g_assert_cmpstr(str_at(event, "/Events/0/MessageId"), ==, message_id);
    return event;
}

static void assert_extent(json_object *event, int host, const char *length)
{
    g_autofree char *host_text = g_strdup_printf("%d", host);

    g_assert_cmpstr(str_at(event, "/Events/0/OriginOfCondition/@odata.id"), ==, CHUNK_A);
    g_assert_cmpstr(str_at(event, "/Events/0/Oem/Tagmem/Device"), ==, "dcd0");
    g_assert_cmpstr(str_at(event, "/Events/0/Oem/Tagmem/Host"), ==, host_text);
    g_assert_cmpstr(str_at(event, "/Events/0/Oem/Tagmem/Extents/0/Region"), ==, "1");
    g_assert_cmpstr(str_at(event, "/Events/0/Oem/Tagmem/Extents/0/DPA"), ==, "17179869184");
    g_assert_cmpstr(str_at(event, "/Events/0/Oem/Tagmem/Extents/0/Length"), ==, length);
    g_assert_cmpstr(str_at(event, "/Events/0/Oem/Tagmem/Extents/0/Tag"), ==, TAG_A);
}

static size_t extent_count(json_object *event)
{
    json_object *extents = NULL;

    g_assert_cmpint(json_pointer_get(event, "/Events/0/Oem/Tagmem/Extents", &extents), ==, 0);
    return json_object_array_length(extents);
}

static void test_sse_in_order(void)
{
    TmRedfishTestDaemon rd = { 0 };
    TmRedfishTestStream stream = { 0 };

    tm_redfish_test_start(&rd, NULL);
    g_autoptr(json_object) service = tm_redfish_test_get(&rd, "/redfish/v1/EventService");
    g_assert_cmpstr(str_at(service, "/ServerSentEventUri"), ==, "/redfish/v1/EventService/SSE");
    g_autoptr(json_object) root = tm_redfish_test_get(&rd, "/redfish/v1");
    g_assert_cmpstr(str_at(root, "/EventService/@odata.id"), ==, "/redfish/v1/EventService");

    tm_redfish_test_stream_open(&stream, &rd);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(rd.daemon);
    make_backend(client);
    offer(client, 0, 4);
    tm_redfish_test_answer(&rd, 0, "accept-all");
    release_forced(client, 0);
    offer(client, 1, 1);
    withdraw(client, 1);
    offer(client, 1, 1);
    tm_redfish_test_answer(&rd, 1, "reject-all");

    g_autoptr(json_object) offered = next_event(&stream, 1, "CapacityOffered");
    assert_extent(offered, 0, "2097152");
    g_assert_cmpuint(extent_count(offered), ==, 4);
    g_assert_cmpstr(str_at(offered, "/Events/0/Message"), ==,
                    "8388608 bytes in 4 extent(s) of dcd0 offered to host 0.");
    g_assert_cmpstr(str_at(offered, "/Events/0/Oem/Tagmem/Extents/3/Offset"), ==, "12582912");
    g_autoptr(json_object) accepted = next_event(&stream, 2, "CapacityAccepted");
    assert_extent(accepted, 0, "2097152");
    g_assert_cmpuint(extent_count(accepted), ==, 4);
    g_autoptr(json_object) released = next_event(&stream, 3, "CapacityReleased");
    assert_extent(released, 0, "2097152");
    g_assert_cmpuint(extent_count(released), ==, 4);
    g_assert_cmpstr(str_at(released, "/Events/0/Oem/Tagmem/Forced"), ==, "true");
    g_autoptr(json_object) offered1 = next_event(&stream, 4, "CapacityOffered");
    assert_extent(offered1, 1, "2097152");
    g_autoptr(json_object) withdrawn = next_event(&stream, 5, "CapacityWithdrawn");
    assert_extent(withdrawn, 1, "2097152");
    g_autoptr(json_object) offered2 = next_event(&stream, 6, "CapacityOffered");
    assert_extent(offered2, 1, "2097152");
    g_autoptr(json_object) rejected = next_event(&stream, 7, "CapacityRejected");
    assert_extent(rejected, 1, "2097152");
    tm_redfish_test_stream_close(&stream);
    tm_redfish_test_stop(&rd);
}

/* ---- A push destination: an HTTP listener in a thread of the test ---- */

typedef struct {
    GSocket *listener;
    guint16 port;
    GThread *thread;
    GAsyncQueue *bodies;  /* char *: the POSTed bodies */
} Listener;

/* One request: headers, then Content-Length bytes of body; NULL when the peer went. */
static char *read_request(GSocket *conn)
{
    g_autoptr(GString) text = g_string_new(NULL);
    char buf[4096];
    const char *end = NULL;

    while ((end = strstr(text->str, "\r\n\r\n")) == NULL ||
           text->len - (end + 4 - text->str) <
               g_ascii_strtoull(strstr(text->str, "Content-Length: ")
                                    ? strstr(text->str, "Content-Length: ") + 16 : "0",
                                NULL, 10)) {
        gssize n = g_socket_receive(conn, buf, sizeof(buf), NULL, NULL);
        if (n <= 0) {
            return NULL;
        }
        g_string_append_len(text, buf, n);
    }
    return g_strdup(end + 4);
}

static gpointer listen_thread(gpointer data)
{
    Listener *l = data;
    static const char answer[] = "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n"
                                 "Connection: close\r\n\r\n";
    GSocket *conn;

    while ((conn = g_socket_accept(l->listener, NULL, NULL)) != NULL) {
        char *body = read_request(conn);
        if (body != NULL) {
            g_socket_send(conn, answer, strlen(answer), NULL, NULL);
            g_async_queue_push(l->bodies, body);
        }
        g_socket_close(conn, NULL);
        g_object_unref(conn);
    }
    return NULL;
}

/* A socket listening on a free loopback port; it accepts (in a thread) only when @serve. */
static void listener_start(Listener *l, bool serve)
{
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new(loopback, 0);
    g_autoptr(GError) err = NULL;

    l->listener = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                               G_SOCKET_PROTOCOL_TCP, &err);
    g_assert_no_error(err);
    g_assert_true(g_socket_bind(l->listener, any, FALSE, &err));
    g_socket_set_listen_backlog(l->listener, 16);
    g_assert_true(g_socket_listen(l->listener, &err));
    g_autoptr(GSocketAddress) bound = g_socket_get_local_address(l->listener, &err);
    l->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    l->bodies = g_async_queue_new_full(g_free);
    if (serve) {
        l->thread = g_thread_new("listener", listen_thread, l);
    }
}

static void listener_stop(Listener *l)
{
    g_socket_shutdown(l->listener, TRUE, TRUE, NULL);
    if (l->thread != NULL) {
        g_thread_join(l->thread);
    }
    g_object_unref(l->listener);
    g_async_queue_unref(l->bodies);
}

static json_object *next_push(Listener *l)
{
    g_autofree char *body = g_async_queue_timeout_pop(l->bodies, 10 * G_USEC_PER_SEC);

    g_assert_nonnull(body);
    json_object *event = json_tokener_parse(body);
    g_assert_nonnull(event);
    return event;
}

static char *subscribe(const TmRedfishTestDaemon *rd, guint16 port, const char *context)
{
    g_autofree char *body = g_strdup_printf(
        "{\"Destination\": \"http://127.0.0.1:%u/events\", \"Context\": \"%s\","
        " \"Protocol\": \"Redfish\"}", port, context);
    g_autoptr(json_object) reply = NULL;

    g_assert_cmpuint(tm_redfish_test_request(rd, "POST", "/redfish/v1/EventService/Subscriptions",
                                             body, &reply), ==, 201);
    g_assert_cmpstr(str_at(reply, "/Context"), ==, context);
    return g_strdup(str_at(reply, "/@odata.id"));
}

typedef struct {
    const char *body;
    const char *message_id;
    const char *arg;  /* the property named, or NULL */
} BadSubscription;

static const BadSubscription bad_subscriptions[] = {
    { "{\"Destination\": ", "MalformedJSON", NULL },
    { "{\"Destination\": \"http://127.0.0.1:1/\"} trailing", "MalformedJSON", NULL },
    { "[1, 2]", "MalformedJSON", NULL },
    { "{}", "PropertyMissing", "Destination" },
    { "{\"Context\": \"x\"}", "PropertyMissing", "Destination" },
    { "{\"Destination\": 5}", "PropertyValueTypeError", "Destination" },
    { "{\"Destination\": \"http://127.0.0.1:1/\", \"Context\": 1}", "PropertyValueTypeError",
      "Context" },
    { "{\"Destination\": \"ftp://127.0.0.1/\"}", "PropertyValueFormatError", "Destination" },
    { "{\"Destination\": \"not a uri\"}", "PropertyValueFormatError", "Destination" },
    { "{\"Destination\": \"http:///nohost\"}", "PropertyValueFormatError", "Destination" },
    { "{\"Destination\": \"http://127.0.0.1:1/\", \"Protocol\": \"SNMPv2c\"}",
      "PropertyValueNotInList", "Protocol" },
    { "{\"Destination\": \"http://127.0.0.1:1/\", \"Colour\": \"red\"}", "PropertyUnknown",
      "Colour" },
};

static void test_push_subscription(void)
{
    TmRedfishTestDaemon rd = { 0 };
    Listener l = { 0 };

    tm_redfish_test_start(&rd, NULL);
    listener_start(&l, true);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_subscriptions); i++) {
        const BadSubscription *bad = &bad_subscriptions[i];
        g_autoptr(json_object) reply = NULL;
        g_autofree char *code = g_strdup_printf("Base.1.15.0.%s", bad->message_id);
        g_test_message("body %s", bad->body);
        g_assert_cmpuint(tm_redfish_test_request(&rd, "POST",
                                                 "/redfish/v1/EventService/Subscriptions",
                                                 bad->body, &reply), ==, 400);
        g_assert_cmpstr(str_at(reply, "/error/code"), ==, code);
        if (bad->arg != NULL) {
            g_assert_cmpstr(str_at(reply, "/error/@Message.ExtendedInfo/0/MessageArgs/0"), ==,
                            bad->arg);
        }
    }
    g_autoptr(json_object) none = tm_redfish_test_get(&rd,
                                                      "/redfish/v1/EventService/Subscriptions");
    g_assert_cmpstr(str_at(none, "/Members@odata.count"), ==, "0");

    g_autofree char *sub = subscribe(&rd, l.port, "ctx-1");
    g_assert_cmpstr(sub, ==, "/redfish/v1/EventService/Subscriptions/1");
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(rd.daemon);
    make_backend(client);
    offer(client, 0, 1);
    tm_redfish_test_answer(&rd, 0, "accept-all");
    g_autoptr(json_object) offered = next_push(&l);
    g_assert_cmpstr(str_at(offered, "/Context"), ==, "ctx-1");
    g_assert_cmpstr(str_at(offered, "/Events/0/MessageId"), ==, "Tagmem.1.0.CapacityOffered");
    g_assert_cmpstr(str_at(offered, "/Events/0/Oem/Tagmem/Extents/0/Tag"), ==, TAG_A);
    g_autoptr(json_object) accepted = next_push(&l);
    g_assert_cmpstr(str_at(accepted, "/Events/0/MessageId"), ==, "Tagmem.1.0.CapacityAccepted");
    g_autoptr(json_object) counted = tm_redfish_test_get(&rd, sub);
    g_assert_cmpstr(str_at(counted, "/Oem/Tagmem/Delivered"), ==, "2");

    /* Deleted: no more deliveries, and the resource is gone. */
    g_assert_cmpuint(tm_redfish_test_request(&rd, "DELETE", sub, NULL, NULL), ==, 204);
    g_assert_cmpuint(tm_redfish_test_request(&rd, "GET", sub, NULL, NULL), ==, 404);
    g_assert_cmpuint(tm_redfish_test_request(&rd, "DELETE", sub, NULL, NULL), ==, 404);
    release_forced(client, 0);
    g_autofree char *late = g_async_queue_timeout_pop(l.bodies, G_USEC_PER_SEC / 2);
    g_assert_null(late);
    tm_redfish_test_stop(&rd);
    listener_stop(&l);
}

/*
 * A subscriber that accepts no connection (its requests hang until the
 * delivery timeout) and one where nothing listens: while the first
 * delivery still hangs, the daemon has taken every event, queued 64 for
 * the slow one and counted the rest as dropped.
 */
static void test_slow_subscribers(void)
{
    TmRedfishTestDaemon rd = { 0 };
    Listener stuck = { 0 };
    const guint cycles = 50;

    tm_redfish_test_start(&rd, NULL);
    listener_start(&stuck, false);
    g_autofree char *slow = subscribe(&rd, stuck.port, "slow");
    g_autofree char *dead = subscribe(&rd, tm_redfish_test_free_port(), "dead");
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(rd.daemon);
    make_backend(client);
    for (guint i = 0; i < cycles; i++) {
        offer(client, 0, 1);
        withdraw(client, 0);
    }
    g_autoptr(json_object) s = tm_redfish_test_get(&rd, slow);
    g_assert_cmpstr(str_at(s, "/Oem/Tagmem/Delivered"), ==, "0");
    g_assert_cmpstr(str_at(s, "/Oem/Tagmem/Failed"), ==, "0");   /* the first is in flight */
    g_assert_cmpstr(str_at(s, "/Oem/Tagmem/Queued"), ==, "64");
    g_autofree char *dropped = g_strdup_printf("%u", 2 * cycles - 64 - 1);
    g_assert_cmpstr(str_at(s, "/Oem/Tagmem/Dropped"), ==, dropped);
    g_autoptr(json_object) d = tm_redfish_test_get(&rd, dead);
    g_assert_cmpstr(str_at(d, "/Oem/Tagmem/Delivered"), ==, "0");
    g_assert_cmpuint(json_object_get_int(json_object_object_get(
        json_object_object_get(json_object_object_get(d, "Oem"), "Tagmem"), "Failed")), >, 0);
    tm_redfish_test_stop(&rd);
    listener_stop(&stuck);
}

/* A raw client that asks for the stream and never reads, with a small receive buffer. */
static GSocket *unread_stream(const TmRedfishTestDaemon *rd)
{
    g_autoptr(GError) err = NULL;
    GSocket *sock = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, &err);
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(loopback, rd->port);
    static const char request[] = "GET /redfish/v1/EventService/SSE HTTP/1.1\r\n"
                                  "Host: 127.0.0.1\r\n\r\n";

    g_assert_no_error(err);
    g_assert_true(g_socket_set_option(sock, SOL_SOCKET, SO_RCVBUF, 4096, &err));
    g_assert_true(g_socket_connect(sock, addr, NULL, &err));
    g_assert_cmpint(g_socket_send(sock, request, strlen(request), NULL, &err), ==,
                    (gssize)strlen(request));
    return sock;
}

/* Read @sock to its end; the bytes read (fails the test if it stays open 10 s). */
static gsize read_to_end(GSocket *sock)
{
    char buf[65536];
    gsize total = 0;
    gssize n;

    g_socket_set_timeout(sock, 10);
    while ((n = g_socket_receive(sock, buf, sizeof(buf), NULL, NULL)) > 0) {
        total += n;
    }
    g_assert_cmpint(n, ==, 0);  /* end of stream, not a timeout */
    return total;
}

#define UNREAD_CYCLES 80

/* The client that reads, in a thread of its own so that it keeps up: every event, in order. */
static gpointer read_all(gpointer data)
{
    TmRedfishTestStream *reader = data;

    for (guint id = 1; id <= 2 * UNREAD_CYCLES; id++) {
        g_autoptr(json_object) event = next_event(reader, id, id % 2 ? "CapacityOffered"
                                                                     : "CapacityWithdrawn");
    }
    return NULL;
}

static void test_unread_stream_dropped(void)
{
    TmRedfishTestDaemon rd = { 0 };
    TmRedfishTestStream reader = { 0 };
    const guint cycles = UNREAD_CYCLES;

    /* The default device with room in host 0's log for every record (nobody reads it here). */
    const char *args[] = { "-device", "cxl-type3,id=dcd0,num-dc-regions=2,"
                           "dc-regions-total-size=32G,num-hosts=2,dc-region-sharable=2,"
                           "dc-event-log-depth=65535", NULL };

    tm_redfish_test_start(&rd, args);
    g_autoptr(GSocket) unread = unread_stream(&rd);
    tm_redfish_test_stream_open(&reader, &rd);
    GThread *thread = g_thread_new("reader", read_all, &reader);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(rd.daemon);
    make_backend(client);
    /* Each cycle: two events of 32 extents, some 9 KB; 80 of them are well past the backlog. */
    for (guint i = 0; i < cycles; i++) {
        offer(client, 0, 32);
        withdraw(client, 0);
    }
    gsize unread_total = read_to_end(unread);
    g_assert_cmpuint(unread_total, <, cycles * 2 * 8000);
    g_thread_join(thread);
    tm_redfish_test_stream_close(&reader);
    tm_redfish_test_stop(&rd);
}

/* One event larger than the whole backlog still reaches a client that keeps up. */
static void test_large_event(void)
{
    TmRedfishTestDaemon rd = { 0 };
    TmRedfishTestStream stream = { 0 };
    const char *args[] = { "-device", "cxl-type3,id=dcd0,num-dc-regions=2,"
                           "dc-regions-total-size=32G,num-hosts=2,dc-region-sharable=2,"
                           "dc-max-extents=4096,dc-event-log-depth=65535", NULL };
    g_autofree char *id = NULL;

    tm_redfish_test_start(&rd, args);
    tm_redfish_test_stream_open(&stream, &rd);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(rd.daemon);
    qmp_ok(client, "object-add", "{\"qom-type\": \"memory-backend-memfd\", \"id\": \"m0\","
                                 " \"size\": 6291456000, \"tag\": \"" TAG_A "\"}");
    offer(client, 0, 3000);
    g_autoptr(json_object) event = tm_redfish_test_stream_next(&stream, &id);
    g_assert_cmpuint(strlen(json_object_to_json_string_ext(event, JSON_C_TO_STRING_PLAIN)), >,
                     256 * 1024);
    g_assert_cmpuint(extent_count(event), ==, 3000);
    g_assert_cmpstr(str_at(event, "/Events/0/Oem/Tagmem/Extents/2999/Offset"), ==, "12578717696");
    tm_redfish_test_stream_close(&stream);
    tm_redfish_test_stop(&rd);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/redfish-events/sse-in-order", test_sse_in_order);
    g_test_add_func("/redfish-events/push-subscription", test_push_subscription);
    g_test_add_func("/redfish-events/slow-subscribers", test_slow_subscribers);
    g_test_add_func("/redfish-events/unread-stream-dropped", test_unread_stream_dropped);
    g_test_add_func("/redfish-events/large-event", test_large_event);
    return g_test_run();
}
