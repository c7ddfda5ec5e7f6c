/*
 * Many QMP clients at once: each thread has its own connection and
 * creates, reads back and deletes its own tagged backends while the others
 * do the same.  Nobody sees another client's failure, and at the end only
 * the backend that existed before remains.
 */
#include <string.h>

#include "daemon_harness.h"

#define N_CLIENTS 10
#define ROUNDS 20

typedef struct {
    TmTestDaemon *daemon;
    guint client_index;
} ClientJob;

static char *tag_for(guint client, guint round)
{
    /* Upper case on the way in; the daemon must answer in lower case. */
    return g_strdup_printf("%08X-0000-4000-8000-%012X", client + 1, round);
}

static gpointer run_client(gpointer data)
{
    const ClientJob *job = data;
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(job->daemon);

    for (guint round = 0; round < ROUNDS; round++) {
        g_autofree char *id = g_strdup_printf("client%u-mem%u", job->client_index, round);
        g_autofree char *tag = tag_for(job->client_index, round);
        g_autofree char *add = g_strdup_printf(
            "{\"qom-type\": \"memory-backend-%s\", \"id\": \"%s\", \"size\": %u,"
            " \"tag\": \"%s\"}", round % 2 ? "memfd" : "ram", id, (round + 1) * 4096, tag);
        json_object *reply = tm_test_execute(client, "object-add", add);
        tm_test_assert_return(reply);
        json_object_put(reply);

        g_autofree char *get = g_strdup_printf(
            "{\"path\": \"/objects/%s\", \"property\": \"tag\"}", id);
        reply = tm_test_execute(client, "qom-get", get);
        g_autofree char *lower = g_ascii_strdown(tag, -1);
        g_assert_cmpstr(json_object_get_string(tm_test_assert_return(reply)), ==, lower);
        json_object_put(reply);

        /* Taking the shared backend's tag is refused for everyone. */
        g_autofree char *steal = g_strdup_printf(
            "{\"qom-type\": \"memory-backend-ram\", \"id\": \"%s-x\", \"size\": 4096,"
            " \"tag\": \"ffffffff-0000-4000-8000-000000000000\"}", id);
        reply = tm_test_execute(client, "object-add", steal);
        tm_test_assert_error(reply, "GenericError", "shared0");
        json_object_put(reply);

        g_autofree char *del = g_strdup_printf("{\"id\": \"%s\"}", id);
        reply = tm_test_execute(client, "object-del", del);
        tm_test_assert_return(reply);
        json_object_put(reply);
    }
    return NULL;
}

static void test_concurrent_clients(void)
{
    const char *args[] = {
        "-object", "memory-backend-ram,id=shared0,size=1M,tag=ffffffff-0000-4000-8000-000000000000",
        NULL,
    };
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(args);
    ClientJob jobs[N_CLIENTS];
    GThread *threads[N_CLIENTS];

    for (guint i = 0; i < N_CLIENTS; i++) {
        jobs[i] = (ClientJob){ .daemon = daemon, .client_index = i };
        threads[i] = g_thread_new("qmp-client", run_client, &jobs[i]);
    }
    for (guint i = 0; i < N_CLIENTS; i++) {
        g_thread_join(threads[i]);
    }

    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);
    json_object *reply = tm_test_execute(client, "query-memdev", NULL);
    json_object *memdevs = tm_test_assert_return(reply);
    g_assert_cmpuint(json_object_array_length(memdevs), ==, 1);
    g_assert_cmpstr(json_object_get_string(
                        json_object_object_get(json_object_array_get_idx(memdevs, 0), "id")),
                    ==, "shared0");
    json_object_put(reply);
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/integration/concurrent/clients", test_concurrent_clients);
    return g_test_run();
}
