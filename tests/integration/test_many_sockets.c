/*
 * Hundreds of sockets on one daemon (docs/event-loop.md): 128 devices of
 * two hosts each (384 listening CCI sockets), a connection on every host
 * socket and a few QMP clients.  Every client is served when all of them
 * send at once; every host gets its notification and commits its extent
 * when all are offered one at once; hosts that flood their sockets without
 * pause neither starve quiet hosts nor lose a reply; a burst of connections
 * larger than one turn accepts is served, and when all of them hang up at
 * once their places are free again.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cci_client.h"
#include "daemon_harness.h"

#define DEVICES 128
#define HOSTS 2
#define QMP_CLIENTS 16
#define FLOODERS 4
#define QUIET_HOSTS 16
#define QUIET_ROUND_TRIPS 5
#define OP_IDENTIFY 0x0001
#define OP_ADD_DC_RESPONSE 0x4802
#define RC_SUCCESS 0x00
#define BLOCK (2u * 1024 * 1024)
#define REPLY_TIMEOUT_MS 20000
/* tagmemd's default --max-connections, per socket. */
#define CONNECTION_LIMIT 64

static TmTestDaemon *daemon_under_test;

static const char qom_get[] =
    "{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"/objects/m7\", "
    "\"property\": \"size\"}}\n";

static void start_daemon(void)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);

    g_ptr_array_add(args, g_strdup("-nodefaults"));
    for (guint d = 0; d < DEVICES; d++) {
        g_ptr_array_add(args, g_strdup("-object"));
        g_ptr_array_add(args, g_strdup_printf("memory-backend-memfd,id=m%u,size=256M", d));
        g_ptr_array_add(args, g_strdup("-device"));
        g_ptr_array_add(args, g_strdup_printf("cxl-type3,id=dcd%u,volatile-dc-memdev=m%u,"
                                              "num-dc-regions=1,num-hosts=%u", d, d, HOSTS));
    }
    g_ptr_array_add(args, NULL);
    daemon_under_test = tm_test_daemon_start((const char *const *)args->pdata);
}

static char *host_socket(guint device, guint host)
{
    g_autofree char *name = device == 0 ? g_strdup_printf("host%u.sock", host)
                                        : g_strdup_printf("dcd%u-host%u.sock", device, host);

    return g_build_filename(daemon_under_test->dir, "tagmem", name, NULL);
}

static void send_packet(int fd, uint8_t tag, uint16_t opcode, const void *payload,
                        size_t length)
{
    g_autoptr(GByteArray) request = tm_test_cci_request(TM_TEST_CCI_TYPE_CCI, tag, opcode,
                                                        payload, length);

    g_assert_true(tm_test_cci_send(fd, request->data, request->len));
}

static void expect_reply(int fd, uint8_t tag, uint16_t opcode)
{
    g_auto(TmTestCciPacket) reply;

    g_assert_true(tm_test_cci_receive(fd, REPLY_TIMEOUT_MS, &reply));
    g_assert_cmpuint(reply.category, ==, 1);
    g_assert_cmpuint(reply.tag, ==, tag);
    g_assert_cmpuint(reply.opcode, ==, opcode);
    g_assert_cmphex(reply.return_code, ==, RC_SUCCESS);
}

static void send_qmp(TmQmpConn *client, const char *text)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(tm_qmp_conn_send_raw(client, text, strlen(text), &err));
    g_assert_no_error(err);
}

static json_object *receive_qmp(TmQmpConn *client)
{
    g_autoptr(GError) err = NULL;
    json_object *message = tm_qmp_conn_receive(client, REPLY_TIMEOUT_MS, &err);

    g_assert_no_error(err);
    g_assert_nonnull(message);
    return message;
}

static json_object *member(json_object *object, const char *key)
{
    json_object *value = NULL;

    if (!json_object_object_get_ex(object, key, &value)) {
        g_error("'%s' missing in %s", key, json_object_to_json_string(object));
    }
    return value;
}

/* Host @host of every device holds exactly the extent it was offered. */
static void assert_every_host_committed(TmQmpConn *client)
{
    json_object *reply = tm_test_execute(client, "query-cxl-dynamic-capacity", NULL);
    json_object *devices = tm_test_assert_return(reply);

    g_assert_cmpuint(json_object_array_length(devices), ==, DEVICES);
    for (guint d = 0; d < DEVICES; d++) {
        json_object *device = json_object_array_get_idx(devices, d);
        g_autofree char *id = g_strdup_printf("dcd%u", d);
        g_assert_cmpstr(json_object_get_string(member(device, "id")), ==, id);
        json_object *hosts = member(device, "hosts");
        for (guint h = 0; h < HOSTS; h++) {
            json_object *accepted = member(json_object_array_get_idx(hosts, h), "accepted");
            g_assert_cmpuint(json_object_array_length(accepted), ==, 1);
            json_object *extent = json_object_array_get_idx(accepted, 0);
            g_assert_cmpuint(json_object_get_uint64(member(extent, "dpa")), ==,
                             (uint64_t)h * BLOCK);
            g_assert_cmpuint(json_object_get_uint64(member(extent, "len")), ==, BLOCK);
        }
    }
    json_object_put(reply);
}

static void put_le64(uint8_t *out, uint64_t value)
{
    for (int i = 0; i < 8; i++) {
        out[i] = (uint8_t)(value >> (8 * i));
    }
}

/* Every host connection and QMP client sends at once; each gets its own answers. */
static void test_every_client_served(void)
{
    int fds[DEVICES * HOSTS];
    TmQmpConn *clients[QMP_CLIENTS];

    for (guint i = 0; i < DEVICES * HOSTS; i++) {
        g_autofree char *path = host_socket(i / HOSTS, i % HOSTS);
        fds[i] = tm_test_cci_connect_host(path);
    }
    for (guint i = 0; i < QMP_CLIENTS; i++) {
        clients[i] = tm_test_daemon_connect(daemon_under_test);
    }

    /* Identify everywhere, then qom-get on every QMP client, before reading anything. */
    for (guint i = 0; i < DEVICES * HOSTS; i++) {
        send_packet(fds[i], (uint8_t)i, OP_IDENTIFY, NULL, 0);
    }
    for (guint i = 0; i < QMP_CLIENTS; i++) {
        send_qmp(clients[i], qom_get);
    }
    for (guint i = 0; i < DEVICES * HOSTS; i++) {
        expect_reply(fds[i], (uint8_t)i, OP_IDENTIFY);
    }
    for (guint i = 0; i < QMP_CLIENTS; i++) {
        json_object *reply = receive_qmp(clients[i]);
        g_assert_cmpuint(json_object_get_uint64(tm_test_assert_return(reply)), ==,
                         256u * 1024 * 1024);
        json_object_put(reply);
    }

    /* One add for every host, pipelined on one client. */
    g_autoptr(GString) adds = g_string_new(NULL);
    for (guint i = 0; i < DEVICES * HOSTS; i++) {
        g_string_append_printf(adds,
                               "{\"execute\": \"cxl-add-dynamic-capacity\", \"arguments\": "
                               "{\"path\": \"dcd%u\", \"host-id\": %u, \"selection-policy\": "
                               "\"prescriptive\", \"region\": 0, \"extents\": [{\"offset\": %u, "
                               "\"len\": %u}]}}\n", i / HOSTS, i % HOSTS, (i % HOSTS) * BLOCK,
                               BLOCK);
    }
    send_qmp(clients[0], adds->str);
    for (guint i = 0; i < DEVICES * HOSTS; i++) {
        json_object *reply = receive_qmp(clients[0]);
        tm_test_assert_return(reply);
        json_object_put(reply);
    }
    /* Each host was told, and commits its extent. */
    for (guint i = 0; i < DEVICES * HOSTS; i++) {
        uint8_t payload[8 + 24] = { 1 };
        g_auto(TmTestCciPacket) response;
        guint notifications = 0;

        put_le64(payload + 8, (uint64_t)(i % HOSTS) * BLOCK);
        put_le64(payload + 16, BLOCK);
        tm_test_cci_call(fds[i], OP_ADD_DC_RESPONSE, payload, sizeof(payload), &response,
                         &notifications);
        g_assert_cmphex(response.return_code, ==, RC_SUCCESS);
        g_assert_cmpuint(notifications, ==, 1);
    }
    assert_every_host_committed(clients[1]);

    for (guint i = 0; i < DEVICES * HOSTS; i++) {
        close(fds[i]);
    }
    for (guint i = 0; i < QMP_CLIENTS; i++) {
        tm_qmp_conn_free(clients[i]);
    }
}

/* A host that keeps its socket full of Identify requests and reads the replies. */
typedef struct {
    int fd;
    gint stop;                /* set by the main thread */
    guint sent;               /* the flooder's own; read after it ends */
    guint received;           /* atomic: the main thread watches it */
    guint received_before;    /* when the quiet hosts started (main thread) */
} Flooder;

/* One reply to the flooder's requests within @timeout_ms; false when none came. */
static bool flood_receive(Flooder *flooder, int timeout_ms)
{
    g_auto(TmTestCciPacket) reply;

    if (!tm_test_cci_receive(flooder->fd, timeout_ms, &reply)) {
        g_assert_cmpint(errno, ==, ETIMEDOUT);
        return false;
    }
    g_assert_cmpuint(reply.opcode, ==, OP_IDENTIFY);
    g_assert_cmphex(reply.return_code, ==, RC_SUCCESS);
    g_atomic_int_inc(&flooder->received);
    return true;
}

static gpointer flood(gpointer data)
{
    Flooder *flooder = data;
    g_autoptr(GByteArray) request = tm_test_cci_request(TM_TEST_CCI_TYPE_CCI, 1, OP_IDENTIFY,
                                                        NULL, 0);

    while (!g_atomic_int_get(&flooder->stop)) {
        while (tm_test_cci_send(flooder->fd, request->data, request->len)) {
            flooder->sent++;
        }
        while (flood_receive(flooder, 1)) {
        }
    }
    /* Every request sent is answered. */
    while ((guint)g_atomic_int_get(&flooder->received) < flooder->sent) {
        g_assert_true(flood_receive(flooder, REPLY_TIMEOUT_MS));
    }
    return NULL;
}

static void test_flooding_hosts_starve_nobody(void)
{
    Flooder flooders[FLOODERS];
    GThread *threads[FLOODERS];
    int quiet[QUIET_HOSTS];

    for (guint i = 0; i < FLOODERS; i++) {
        g_autofree char *path = host_socket(i, 0);
        flooders[i] = (Flooder){ .fd = tm_test_cci_connect(path) };
    }
    for (guint i = 0; i < QUIET_HOSTS; i++) {
        g_autofree char *path = host_socket(FLOODERS + i, 1);
        quiet[i] = tm_test_cci_connect(path);
    }
    for (guint i = 0; i < FLOODERS; i++) {
        threads[i] = g_thread_new("flooder", flood, &flooders[i]);
    }
    /* Let every flooder fill its socket before the quiet hosts speak. */
    for (guint i = 0; i < FLOODERS; i++) {
        while (g_atomic_int_get(&flooders[i].received) == 0) {
            g_usleep(1000);
        }
        flooders[i].received_before = g_atomic_int_get(&flooders[i].received);
    }
    for (guint round = 0; round < QUIET_ROUND_TRIPS; round++) {
        for (guint i = 0; i < QUIET_HOSTS; i++) {
            send_packet(quiet[i], (uint8_t)round, OP_IDENTIFY, NULL, 0);
        }
        for (guint i = 0; i < QUIET_HOSTS; i++) {
            expect_reply(quiet[i], (uint8_t)round, OP_IDENTIFY);
        }
    }
    /* The flooders were served all along too. */
    for (guint i = 0; i < FLOODERS; i++) {
        g_assert_cmpuint(g_atomic_int_get(&flooders[i].received), >,
                         flooders[i].received_before);
        g_atomic_int_set(&flooders[i].stop, 1);
    }
    for (guint i = 0; i < FLOODERS; i++) {
        g_thread_join(threads[i]);
        g_assert_cmpuint(flooders[i].received, ==, flooders[i].sent);
        close(flooders[i].fd);
    }
    for (guint i = 0; i < QUIET_HOSTS; i++) {
        close(quiet[i]);
    }
}

/* Connect the limit's worth to one socket at once, and have each answered. */
static void connect_burst(const char *path, int *fds, guint n)
{
    for (guint i = 0; i < n; i++) {
        fds[i] = tm_test_cci_connect(path);
    }
    for (guint i = 0; i < n; i++) {
        send_packet(fds[i], (uint8_t)i, OP_IDENTIFY, NULL, 0);
    }
    for (guint i = 0; i < n; i++) {
        expect_reply(fds[i], (uint8_t)i, OP_IDENTIFY);
    }
}

/*
 * More connections arrive at once than one turn accepts; all of them
 * hanging up at once frees their places (the limit admits as many again).
 */
static void test_connection_burst_and_mass_hang_up(void)
{
    g_autofree char *path = host_socket(DEVICES - 1, 1);
    int fds[CONNECTION_LIMIT];

    connect_burst(path, fds, CONNECTION_LIMIT);
    for (guint i = 0; i < CONNECTION_LIMIT; i++) {
        close(fds[i]);
    }
    /* The daemon may not have seen every hang-up yet: it closes a refused one at once. */
    g_autoptr(GByteArray) identify = tm_test_cci_request(TM_TEST_CCI_TYPE_CCI, 1, OP_IDENTIFY,
                                                         NULL, 0);
    gint64 deadline = g_get_monotonic_time() + REPLY_TIMEOUT_MS * 1000LL;
    for (guint admitted = 0; admitted < CONNECTION_LIMIT;) {
        int fd = tm_test_cci_connect(path);
        g_auto(TmTestCciPacket) reply;

        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        if (send(fd, identify->data, identify->len, MSG_NOSIGNAL) == (ssize_t)identify->len &&
            tm_test_cci_receive(fd, REPLY_TIMEOUT_MS, &reply)) {
            g_assert_cmphex(reply.return_code, ==, RC_SUCCESS);
            fds[admitted++] = fd;
        } else {
            close(fd);
        }
    }
    for (guint i = 0; i < CONNECTION_LIMIT; i++) {
        close(fds[i]);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    start_daemon();
    g_test_add_func("/many-sockets/every-client-served", test_every_client_served);
    g_test_add_func("/many-sockets/flooding-hosts-starve-nobody",
                    test_flooding_hosts_starve_nobody);
    g_test_add_func("/many-sockets/connection-burst-and-mass-hang-up",
                    test_connection_burst_and_mass_hang_up);
    int status = g_test_run();
    g_assert_cmpint(tm_test_daemon_stop(daemon_under_test, SIGTERM), ==, 0);
    tm_test_daemon_free(daemon_under_test);
    return status;
}
