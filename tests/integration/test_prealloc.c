/*
 * Nothing blocks the main loop while a backend is preallocated: a large
 * prealloc=on object-add answers when its worker threads are done, while
 * another QMP client and a host's CCI mailbox keep getting answers; the
 * backend is invisible until then; object-del cancels it; a prealloc
 * bigger than available memory is refused up front.  A mem-path that is a
 * FIFO (nobody writes to it) is refused at once, not waited on.
 */
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cci_client.h"
#include "daemon_harness.h"

#define OP_IDENTIFY 0x0001
/* Loose: an answer within this long counts as prompt on a loaded machine. */
#define PROMPT_US (2 * G_USEC_PER_SEC)

typedef struct {
    TmTestDaemon *daemon;
    TmQmpConn *qmp;
    char *host_path;
} PreallocDaemon;

static void prealloc_daemon_start(PreallocDaemon *pd)
{
    char *dir = tm_test_make_dir();
    g_autofree char *qmp_path = g_build_filename(dir, "qmp.sock", NULL);
    g_autofree char *qmp = g_strdup_printf("unix:%s,server=on,wait=off", qmp_path);
    const char *args[] = {
        "-qmp", qmp,
        "-object", "memory-backend-memfd,id=dc0,size=256M",
        "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=1,num-hosts=1",
        NULL,
    };

    pd->host_path = g_build_filename(dir, "tagmem", "host0.sock", NULL);
    pd->daemon = tm_test_daemon_start_in(dir, args, NULL, qmp_path);
    pd->qmp = tm_test_daemon_connect(pd->daemon);
}

static void prealloc_daemon_stop(PreallocDaemon *pd)
{
    tm_qmp_conn_free(pd->qmp);
    g_assert_cmpint(tm_test_daemon_stop(pd->daemon, SIGTERM), ==, 0);
    tm_test_daemon_free(pd->daemon);
    g_free(pd->host_path);
}

/*
 * @want, or less on a machine with less available memory (the daemon
 * refuses what cannot fit): a quarter of MemAvailable.
 */
static uint64_t big_size(uint64_t want)
{
    g_autofree char *meminfo = NULL;
    g_assert_true(g_file_get_contents("/proc/meminfo", &meminfo, NULL, NULL));
    const char *line = strstr(meminfo, "MemAvailable:");
    g_assert_nonnull(line);
    uint64_t available = g_ascii_strtoull(line + strlen("MemAvailable:"), NULL, 10) * 1024;

    return MIN(want, available / 4 / (1 << 20) * (1 << 20));
}

/* Send object-add for a large preallocated private backend without waiting. */
static void send_big_add(TmQmpConn *conn, const char *id, uint64_t size)
{
    g_autofree char *text = g_strdup_printf(
        "{\"execute\": \"object-add\", \"id\": \"%s\", \"arguments\": {\"qom-type\":"
        " \"memory-backend-ram\", \"id\": \"%s\", \"size\": %" G_GUINT64_FORMAT ","
        " \"prealloc\": true, \"prealloc-threads\": 1}}", id, id, size);
    g_autoptr(GError) err = NULL;
    g_assert_true(tm_qmp_conn_send_raw(conn, text, strlen(text), &err));
}

static bool memdev_listed(TmQmpConn *conn, const char *id)
{
    json_object *reply = tm_test_execute(conn, "query-memdev", NULL);
    json_object *list = tm_test_assert_return(reply);
    bool found = false;

    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *idj;
        json_object_object_get_ex(json_object_array_get_idx(list, i), "id", &idj);
        found = found || strcmp(json_object_get_string(idj), id) == 0;
    }
    json_object_put(reply);
    return found;
}

/* A reply or event within a poll, or NULL. */
static json_object *poll_message(TmQmpConn *conn, int timeout_ms)
{
    g_autoptr(GError) err = NULL;
    json_object *message = tm_qmp_conn_receive(conn, timeout_ms, &err);
    return message;
}

static void assert_identify_prompt(int fd)
{
    g_auto(TmTestCciPacket) response = { 0 };
    gint64 start = g_get_monotonic_time();

    tm_test_cci_call(fd, OP_IDENTIFY, NULL, 0, &response, NULL);
    g_assert_cmpuint(response.return_code, ==, 0);
    g_assert_cmpint(g_get_monotonic_time() - start, <, PROMPT_US);
}

static void assert_query_prompt(TmQmpConn *conn, const char *hidden_id)
{
    gint64 start = g_get_monotonic_time();

    g_assert_false(memdev_listed(conn, hidden_id));
    g_assert_cmpint(g_get_monotonic_time() - start, <, PROMPT_US);
}

/* Progress events (at most one a second) name the backend and count up to its size. */
static void assert_progress_event(json_object *event, const char *id, uint64_t size)
{
    json_object *name, *data, *field;

    json_object_object_get_ex(event, "event", &name);
    g_assert_cmpstr(json_object_get_string(name), ==, "MEMORY_BACKEND_PREALLOC_PROGRESS");
    g_assert_true(json_object_object_get_ex(event, "data", &data));
    g_assert_true(json_object_object_get_ex(data, "id", &field));
    g_assert_cmpstr(json_object_get_string(field), ==, id);
    g_assert_true(json_object_object_get_ex(data, "total", &field));
    uint64_t total = json_object_get_uint64(field);
    g_assert_cmpuint(total, ==, size);
    g_assert_true(json_object_object_get_ex(data, "done", &field));
    g_assert_cmpuint(json_object_get_uint64(field), <=, total);
}

/* The add's answer; meanwhile the other client and the host are served promptly. */
static json_object *serve_while_waiting(PreallocDaemon *pd, TmQmpConn *adder, const char *id,
                                        uint64_t size, guint *rounds)
{
    int host = tm_test_cci_connect_host(pd->host_path);
    json_object *reply = NULL;

    *rounds = 0;
    while (reply == NULL) {
        json_object *message = poll_message(adder, 50);
        if (message && json_object_object_get_ex(message, "event", NULL)) {
            assert_progress_event(message, id, size);
            json_object_put(message);
            continue;
        }
        if (message) {
            reply = message;
            break;
        }
        assert_query_prompt(pd->qmp, id);
        assert_identify_prompt(host);
        (*rounds)++;
    }
    close(host);
    return reply;
}

static void test_prealloc_serves_others(void)
{
    PreallocDaemon pd = { 0 };
    prealloc_daemon_start(&pd);
    g_autoptr(TmQmpConn) adder = tm_test_daemon_connect(pd.daemon);

    uint64_t size = big_size((uint64_t)2 << 30);
    send_big_add(adder, "big", size);
    /* Sent right behind it: answered after it, so it sees the new backend. */
    const char *after = "{\"execute\": \"query-memdev\", \"id\": \"after\"}";
    g_autoptr(GError) send_error = NULL;
    g_assert_true(tm_qmp_conn_send_raw(adder, after, strlen(after), &send_error));
    guint rounds;
    json_object *reply = serve_while_waiting(&pd, adder, "big", size, &rounds);
    tm_test_assert_return(reply);
    json_object *id;
    g_assert_true(json_object_object_get_ex(reply, "id", &id));
    g_assert_cmpstr(json_object_get_string(id), ==, "big");
    json_object_put(reply);
    g_test_message("%u rounds of other clients served during the prealloc", rounds);
    reply = tm_test_receive_reply_with_id(adder, "after");
    json_object *list = tm_test_assert_return(reply);
    g_assert_cmpuint(json_object_array_length(list), ==, 2);
    json_object_put(reply);

    /* Visible once complete; the adder's connection works on. */
    g_assert_true(memdev_listed(pd.qmp, "big"));
    g_assert_true(memdev_listed(adder, "big"));
    reply = tm_test_execute(adder, "object-del", "{\"id\": \"big\"}");
    tm_test_assert_return(reply);
    json_object_put(reply);
    prealloc_daemon_stop(&pd);
}

/*
 * Wait until the add is being worked on: its id is taken.  The probe
 * cannot take the id itself (size 0 is refused after the id check).
 */
static void wait_until_creating(TmQmpConn *conn, const char *id)
{
    g_autofree char *probe = g_strdup_printf(
        "{\"qom-type\": \"memory-backend-ram\", \"id\": \"%s\", \"size\": 0}", id);

    gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;

    for (;;) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        json_object *reply = tm_test_execute(conn, "object-add", probe);
        json_object *error, *desc;
        g_assert_true(json_object_object_get_ex(reply, "error", &error));
        json_object_object_get_ex(error, "desc", &desc);
        bool taken = strstr(json_object_get_string(desc), "Duplicate ID") != NULL;
        json_object_put(reply);
        if (taken) {
            return;
        }
        g_usleep(10000);
    }
}

static void test_prealloc_cancelled_by_object_del(void)
{
    PreallocDaemon pd = { 0 };
    prealloc_daemon_start(&pd);
    g_autoptr(TmQmpConn) adder = tm_test_daemon_connect(pd.daemon);
    g_autofree char *before = tm_test_backend_snapshot(pd.qmp);

    send_big_add(adder, "huge", big_size((uint64_t)8 << 30));
    wait_until_creating(pd.qmp, "huge");
    g_assert_false(memdev_listed(pd.qmp, "huge"));
    json_object *reply = tm_test_execute(pd.qmp, "object-del", "{\"id\": \"huge\"}");
    tm_test_assert_return(reply);
    json_object_put(reply);

    reply = tm_test_receive_reply_with_id(adder, "huge");
    tm_test_assert_error(reply, "GenericError", "'huge': preallocation cancelled: object-del");
    json_object_put(reply);
    g_autofree char *after = tm_test_backend_snapshot(pd.qmp);
    g_assert_cmpstr(after, ==, before);

    /* The id is free again, and a shutdown cancels a creation as well. */
    send_big_add(adder, "huge", big_size((uint64_t)8 << 30));
    wait_until_creating(pd.qmp, "huge");
    prealloc_daemon_stop(&pd);
}

/* More than MemAvailable (1 TiB) is refused up front, whatever the kind; nothing changes. */
static void test_prealloc_refused_when_it_cannot_fit(void)
{
    PreallocDaemon pd = { 0 };
    prealloc_daemon_start(&pd);
    g_autofree char *before = tm_test_backend_snapshot(pd.qmp);
    static const char *const kinds[] = {
        "memory-backend-ram", "memory-backend-memfd",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
        g_autofree char *add = g_strdup_printf(
            "{\"qom-type\": \"%s\", \"id\": \"toolarge\", \"size\": %" G_GUINT64_FORMAT
            ", \"prealloc\": true}", kinds[i], (uint64_t)1 << 40);
        json_object *reply = tm_test_execute(pd.qmp, "object-add", add);
        tm_test_assert_error(reply, "GenericError",
                             "memory backend 'toolarge': cannot preallocate 1 TiB: only ");
        tm_test_assert_error(reply, "GenericError", "available (");
        json_object_put(reply);
    }
    g_autofree char *after = tm_test_backend_snapshot(pd.qmp);
    g_assert_cmpstr(after, ==, before);
    prealloc_daemon_stop(&pd);

    /* On the command line the daemon refuses to start, saying why. */
    g_autofree char *dir = tm_test_make_dir();
    g_autofree char *stderr_text = NULL;
    const char *args[] = {
        "-object", "memory-backend-ram,id=toolarge,size=1T,prealloc=on", NULL,
    };
    g_assert_cmpint(tm_test_run_tagmemd(args, dir, &stderr_text), !=, 0);
    g_assert_nonnull(strstr(stderr_text, "memory backend 'toolarge': cannot preallocate 1 TiB"));
    tm_test_remove_tree(dir);
}

/*
 * -object preallocates before the daemon serves, logging from 1 GiB on.
 * A device naming a missing backend then stops the daemon after it.
 */
static void test_command_line_prealloc_logged(void)
{
    g_autofree char *dir = tm_test_make_dir();
    g_autofree char *stderr_text = NULL;
    const char *args[] = {
        "-object", "memory-backend-ram,id=big,size=1G,prealloc=on",
        "-device", "cxl-type3,id=d,volatile-dc-memdev=nosuch,num-dc-regions=1", NULL,
    };

    if (big_size((uint64_t)1 << 30) < ((uint64_t)1 << 30)) {
        g_test_skip("less than 4 GiB available");
        tm_test_remove_tree(dir);
        return;
    }
    g_assert_cmpint(tm_test_run_tagmemd(args, dir, &stderr_text), !=, 0);
    g_assert_nonnull(strstr(stderr_text,
                            "memory backend 'big': preallocating 1 GiB with 1 thread\n"));
    g_assert_nonnull(strstr(stderr_text, "memory backend 'big': preallocated 1 GiB\n"));
    g_assert_nonnull(strstr(stderr_text, "Device 'nosuch' not found"));
    tm_test_remove_tree(dir);
}

static void test_mem_path_fifo_refused(void)
{
    PreallocDaemon pd = { 0 };
    prealloc_daemon_start(&pd);
    g_autofree char *dir = tm_test_make_dir();
    g_autofree char *fifo = g_build_filename(dir, "fifo", NULL);
    g_autofree char *before = tm_test_backend_snapshot(pd.qmp);

    g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
    for (int readonly = 0; readonly < 2; readonly++) {
        g_autofree char *add = g_strdup_printf(
            "{\"qom-type\": \"memory-backend-file\", \"id\": \"f\", \"size\": 1048576,"
            " \"share\": true, \"readonly\": %s, \"mem-path\": \"%s\"}",
            readonly ? "true" : "false", fifo);
        gint64 start = g_get_monotonic_time();
        json_object *reply = tm_test_execute(pd.qmp, "object-add", add);
        g_assert_cmpint(g_get_monotonic_time() - start, <, PROMPT_US);
        tm_test_assert_error(reply, "GenericError", "of memory backend 'f' is a FIFO");
        tm_test_assert_error(reply, "GenericError", fifo);
        json_object_put(reply);
    }
    g_autofree char *after = tm_test_backend_snapshot(pd.qmp);
    g_assert_cmpstr(after, ==, before);
    int host = tm_test_cci_connect_host(pd.host_path);
    assert_identify_prompt(host);
    close(host);
    prealloc_daemon_stop(&pd);
    tm_test_remove_tree(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/prealloc/serves-others", test_prealloc_serves_others);
    g_test_add_func("/prealloc/cancelled-by-object-del", test_prealloc_cancelled_by_object_del);
    g_test_add_func("/prealloc/refused-when-it-cannot-fit",
                    test_prealloc_refused_when_it_cannot_fit);
    g_test_add_func("/prealloc/command-line-logged", test_command_line_prealloc_logged);
    g_test_add_func("/prealloc/mem-path-fifo-refused", test_mem_path_fifo_refused);
    return g_test_run();
}
