/*
 * The QMP server in-process over real UNIX sockets, driven by iterating
 * the default main context: greeting, answers in order for input sent
 * before the greeting is read, several clients, events, quit, a client
 * that does not read, socket file handling.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "backend/backend_registry.h"
#include "qmp/qmp_client.h"
#include "qmp/qmp_server.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put)

/* Generous: only reached when the server is broken. */
#define WAIT_US (10 * G_USEC_PER_SEC)

typedef struct {
    char *dir;
    char *path;
    TmBackendRegistry *backends;
    TmQmpEnv env;
    TmFdDispatcher *dispatcher;
    TmQmpServer *server;
    guint quit_calls;
} Fixture;

static void count_quit(void *opaque)
{
    ((Fixture *)opaque)->quit_calls++;
}

static void fixture_init(Fixture *f)
{
    g_autoptr(GError) err = NULL;

    memset(f, 0, sizeof(*f));
    f->dir = g_dir_make_tmp("tagmem-qmp-XXXXXX", &err);
    g_assert_no_error(err);
    f->path = g_build_filename(f->dir, "qmp.sock", NULL);
    f->backends = tm_backend_registry_new();
    f->env.backends = f->backends;
    f->env.request_quit = count_quit;
    f->env.quit_opaque = f;
    f->dispatcher = tm_fd_dispatcher_new(NULL, &err);
    g_assert_no_error(err);
    f->server = tm_qmp_server_new(&f->env, f->dispatcher, 64);
    g_assert_true(tm_qmp_server_listen_unix(f->server, f->path, &err));
    g_assert_no_error(err);
}

static void fixture_clear(Fixture *f)
{
    tm_qmp_server_free(f->server);
    tm_fd_dispatcher_free(f->dispatcher);
    /* The server removes its socket file. */
    g_assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));
    while (g_main_context_iteration(NULL, FALSE)) {
    }
    tm_backend_registry_free(f->backends);
    g_rmdir(f->dir);
    g_free(f->path);
    g_free(f->dir);
}

static int connect_client(const Fixture *f)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(addr.sun_path, f->path, sizeof(addr.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    return fd;
}

static void send_text(int fd, const char *text)
{
    size_t len = strlen(text);

    g_assert_cmpint(send(fd, text, len, MSG_NOSIGNAL), ==, (ssize_t)len);
}

/* A client's bytes not yet split into lines. */
typedef struct {
    int fd;
    GString *buffer;
} Reader;

static Reader reader_new(int fd)
{
    return (Reader){ .fd = fd, .buffer = g_string_new(NULL) };
}

static void reader_close(Reader *r)
{
    close(r->fd);
    g_string_free(r->buffer, TRUE);
}

/* Run the server until it has sent a whole line (without its CR LF); NULL at EOF. */
static char *read_line(Reader *r)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_US;

    for (;;) {
        char *end = strstr(r->buffer->str, "\r\n");
        if (end) {
            char *line = g_strndup(r->buffer->str, end - r->buffer->str);
            g_string_erase(r->buffer, 0, end - r->buffer->str + 2);
            return line;
        }
        char chunk[4096];
        ssize_t n = recv(r->fd, chunk, sizeof(chunk), MSG_DONTWAIT);
        if (n == 0) {
            return NULL;
        }
        if (n > 0) {
            g_string_append_len(r->buffer, chunk, n);
            continue;
        }
        g_assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_main_context_iteration(NULL, FALSE);
        g_usleep(100);
    }
}

static json_object *read_message(Reader *r)
{
    g_autofree char *line = read_line(r);

    g_assert_nonnull(line);
    json_object *message = json_tokener_parse(line);
    g_assert_nonnull(message);
    return message;
}

static void expect_line(Reader *r, const char *want)
{
    g_autofree char *line = read_line(r);

    g_assert_cmpstr(line, ==, want);
}

static void expect_error(Reader *r, const char *desc_fragment)
{
    g_autoptr(json_object) message = read_message(r);
    json_object *error = json_object_object_get(message, "error");

    g_assert_nonnull(error);
    g_assert_nonnull(strstr(json_object_get_string(json_object_object_get(error, "desc")),
                            desc_fragment));
}

static void expect_greeting(Reader *r)
{
    g_autoptr(json_object) greeting = read_message(r);
    json_object *qmp = json_object_object_get(greeting, "QMP");

    g_assert_nonnull(qmp);
    g_assert_nonnull(json_object_object_get(json_object_object_get(qmp, "version"), "qemu"));
    g_assert_cmpint(json_object_array_length(json_object_object_get(qmp, "capabilities")), ==, 0);
}

static void wait_for_clients(Fixture *f, guint count)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_US;

    while (tm_qmp_server_client_count(f->server) != count) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_main_context_iteration(NULL, FALSE);
        g_usleep(100);
    }
}

/*
 * Everything is written before the greeting is read: pretty-printed,
 * back to back, garbage in between; every message is answered, in order.
 */
static void test_pipelined_input(void)
{
    Fixture f;
    fixture_init(&f);
    Reader r = reader_new(connect_client(&f));

    send_text(r.fd, "{\"execute\":\"query-version\",\"id\":0}\n"
                    "{\n  \"execute\": \"qmp_capabilities\",\n  \"id\": 1\n}"
                    "{\"execute\":\"qmp_capabilities\",\"id\":2}"
                    "garbage\n"
                    "[\"not an object\"]\n"
                    "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\","
                    "\"id\":\"m0\",\"size\":4096},\"id\":{\"n\":3}}\r\n"
                    "{\"execute\":\"qom-get\",\"arguments\":{\"path\":\"/objects/m0\","
                    "\"property\":\"size\"},\"id\":4}");
    expect_greeting(&r);
    expect_line(&r, "{\"error\":{\"class\":\"CommandNotFound\",\"desc\":\"Expecting capabilities "
                    "negotiation with 'qmp_capabilities'\"},\"id\":0}");
    expect_line(&r, "{\"return\":{},\"id\":1}");
    expect_line(&r, "{\"error\":{\"class\":\"CommandNotFound\",\"desc\":\"Capabilities "
                    "negotiation is already complete, command ignored\"},\"id\":2}");
    expect_error(&r, "JSON parse error");
    expect_line(&r, "{\"error\":{\"class\":\"GenericError\",\"desc\":\"QMP input must be a JSON "
                    "object\"}}");
    expect_line(&r, "{\"return\":{},\"id\":{\"n\":3}}");
    expect_line(&r, "{\"return\":4096,\"id\":4}");

    /* End of input: the server answers what it has, then closes. */
    send_text(r.fd, "{\"execute\":\"query-memdev\"}");
    shutdown(r.fd, SHUT_WR);
    g_autoptr(json_object) memdev = read_message(&r);
    g_assert_cmpint(json_object_array_length(json_object_object_get(memdev, "return")), ==, 1);
    g_assert_null(read_line(&r));
    wait_for_clients(&f, 0);
    reader_close(&r);
    fixture_clear(&f);
}

static void negotiate(Reader *r)
{
    expect_greeting(r);
    send_text(r->fd, "{\"execute\":\"qmp_capabilities\"}");
    expect_line(r, "{\"return\":{}}");
}

/* A client that breaks off mid-message or sends junk does not disturb another. */
static void test_clients_independent(void)
{
    Fixture f;
    fixture_init(&f);
    Reader a = reader_new(connect_client(&f));
    Reader b = reader_new(connect_client(&f));

    negotiate(&a);
    negotiate(&b);
    wait_for_clients(&f, 2);
    send_text(b.fd, "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":");
    send_text(a.fd, "\x01\x02\xff}}}]]] {\"execute\":\"query-version\",\"id\":\"a\"}");
    expect_error(&a, "JSON parse error");
    g_autoptr(json_object) version = read_message(&a);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(version, "id")), ==, "a");

    reader_close(&b);
    wait_for_clients(&f, 1);
    send_text(a.fd, "{\"execute\":\"query-memdev\"}");
    expect_line(&a, "{\"return\":[]}");
    reader_close(&a);
    wait_for_clients(&f, 0);
    fixture_clear(&f);
}

/* Lines the server has sent to @r so far, without running it. */
static guint lines_sent(Reader *r)
{
    char chunk[4096];
    ssize_t n;
    guint lines = 0;

    while ((n = recv(r->fd, chunk, sizeof(chunk), MSG_DONTWAIT)) > 0) {
        g_string_append_len(r->buffer, chunk, n);
    }
    for (const char *p = r->buffer->str; (p = strstr(p, "\r\n")) != NULL; p += 2) {
        lines++;
    }
    return lines;
}

/*
 * A client that pipelines many requests gets a few answered per turn; a
 * client ready in the same pass is answered in it, and the rest follow in
 * order.
 */
static void test_fair_turns(void)
{
    enum { BURST = 3 * TM_QMP_CLIENT_REQUESTS_PER_TURN };
    Fixture f;
    fixture_init(&f);
    Reader busy = reader_new(connect_client(&f));
    Reader quiet = reader_new(connect_client(&f));
    g_autoptr(GString) burst = g_string_new(NULL);

    negotiate(&busy);
    negotiate(&quiet);
    wait_for_clients(&f, 2);
    for (int i = 0; i < BURST; i++) {
        g_string_append_printf(burst, "{\"execute\":\"query-version\",\"id\":%d}", i);
    }
    send_text(busy.fd, burst->str);
    send_text(quiet.fd, "{\"execute\":\"query-version\",\"id\":\"quiet\"}");

    g_main_context_iteration(NULL, FALSE);
    g_assert_cmpuint(lines_sent(&busy), ==, TM_QMP_CLIENT_REQUESTS_PER_TURN);
    g_assert_cmpuint(lines_sent(&quiet), ==, 1);
    for (int i = 0; i < BURST; i++) {
        g_autoptr(json_object) reply = read_message(&busy);
        g_assert_cmpint(json_object_get_int(json_object_object_get(reply, "id")), ==, i);
    }
    g_autoptr(json_object) reply = read_message(&quiet);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(reply, "id")), ==, "quiet");

    reader_close(&busy);
    reader_close(&quiet);
    fixture_clear(&f);
}

/* Events reach negotiated clients only, with QEMU's timestamp. */
static void test_events(void)
{
    Fixture f;
    fixture_init(&f);
    Reader negotiated = reader_new(connect_client(&f));
    Reader waiting = reader_new(connect_client(&f));

    negotiate(&negotiated);
    expect_greeting(&waiting);
    wait_for_clients(&f, 2);

    gint64 before = g_get_real_time() / G_USEC_PER_SEC;
    json_object *data = json_object_new_object();
    json_object_object_add(data, "tag", json_object_new_string("t"));
    tm_qmp_server_emit_event(f.server, "TEST_EVENT", data);
    tm_qmp_server_emit_event(f.server, "NO_DATA", NULL);

    g_autoptr(json_object) event = read_message(&negotiated);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(event, "event")), ==,
                    "TEST_EVENT");
    g_assert_cmpstr(json_object_get_string(
                        json_object_object_get(json_object_object_get(event, "data"), "tag")),
                    ==, "t");
    json_object *timestamp = json_object_object_get(event, "timestamp");
    gint64 seconds = json_object_get_int64(json_object_object_get(timestamp, "seconds"));
    gint64 micros = json_object_get_int64(json_object_object_get(timestamp, "microseconds"));
    g_assert_cmpint(seconds, >=, before);
    g_assert_cmpint(micros, >=, 0);
    g_assert_cmpint(micros, <, G_USEC_PER_SEC);
    g_autoptr(json_object) bare = read_message(&negotiated);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(bare, "event")), ==, "NO_DATA");
    g_assert_false(json_object_object_get_ex(bare, "data", NULL));

    /* The client still negotiating got nothing: its next line answers its request. */
    send_text(waiting.fd, "{\"execute\":\"qmp_capabilities\",\"id\":9}");
    expect_line(&waiting, "{\"return\":{},\"id\":9}");

    reader_close(&negotiated);
    reader_close(&waiting);
    fixture_clear(&f);
}

/* quit's reply is on its way before the daemon is asked to stop. */
static void test_quit(void)
{
    Fixture f;
    fixture_init(&f);
    Reader r = reader_new(connect_client(&f));

    negotiate(&r);
    send_text(r.fd, "{\"execute\":\"quit\",\"id\":\"bye\"}");
    expect_line(&r, "{\"return\":{},\"id\":\"bye\"}");
    g_assert_cmpuint(f.quit_calls, ==, 1);
    reader_close(&r);
    fixture_clear(&f);
}

/*
 * A client that writes requests and never reads: the server stops reading
 * it once its answers back up, and keeps serving another client.
 */
static void test_client_not_reading(void)
{
    Fixture f;
    fixture_init(&f);
    int flooder = connect_client(&f);
    Reader other = reader_new(connect_client(&f));
    g_autoptr(GString) batch = g_string_new(NULL);

    negotiate(&other);
    send_text(flooder, "{\"execute\":\"qmp_capabilities\"}");
    for (int i = 0; i < 1000; i++) {
        g_string_append(batch, "{\"execute\":\"query-commands\"}");
    }
    g_assert_cmpint(fcntl(flooder, F_SETFL, O_NONBLOCK), ==, 0);
    size_t sent_total = 0;
    for (int round = 0; round < 400; round++) {
        ssize_t n = send(flooder, batch->str, batch->len, MSG_NOSIGNAL);
        if (n > 0) {
            sent_total += n;
        }
        g_main_context_iteration(NULL, FALSE);
    }
    /* The server pushed back: not every byte could be written. */
    g_assert_cmpuint(sent_total, <, 400 * batch->len);

    send_text(other.fd, "{\"execute\":\"query-version\",\"id\":1}");
    g_autoptr(json_object) answer = read_message(&other);
    g_assert_cmpint(json_object_get_int(json_object_object_get(answer, "id")), ==, 1);

    close(flooder);
    wait_for_clients(&f, 1);
    reader_close(&other);
    fixture_clear(&f);
}

static void test_socket_file(void)
{
    Fixture f;
    fixture_init(&f);
    g_autoptr(GError) err = NULL;
    g_autofree char *file = g_build_filename(f.dir, "regular", NULL);
    g_autofree char *long_path = g_strnfill(200, 'x');

    /* A socket a process serves (here, this server) is never taken over. */
    g_assert_false(tm_qmp_server_listen_unix(f.server, f.path, &err));
    g_assert_nonnull(strstr(err->message, "is in use by another process"));
    g_clear_error(&err);
    g_assert_true(g_file_set_contents(file, "keep", -1, NULL));
    g_assert_false(tm_qmp_server_listen_unix(f.server, file, &err));
    g_assert_nonnull(strstr(err->message, "exists and is not a socket"));
    g_clear_error(&err);
    g_assert_true(g_file_test(file, G_FILE_TEST_IS_REGULAR));
    g_assert_false(tm_qmp_server_listen_unix(f.server, long_path, &err));
    g_assert_nonnull(strstr(err->message, "is longer than"));
    g_clear_error(&err);

    Reader r = reader_new(connect_client(&f));
    expect_greeting(&r);
    reader_close(&r);
    g_unlink(file);
    fixture_clear(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp/server/pipelined-input", test_pipelined_input);
    g_test_add_func("/qmp/server/clients-independent", test_clients_independent);
    g_test_add_func("/qmp/server/fair-turns", test_fair_turns);
    g_test_add_func("/qmp/server/events", test_events);
    g_test_add_func("/qmp/server/quit", test_quit);
    g_test_add_func("/qmp/server/client-not-reading", test_client_not_reading);
    g_test_add_func("/qmp/server/socket-file", test_socket_file);
    return g_test_run();
}
