/*
 * bench-qmp: QMP round-trip latency of tagmemd, beside the physical floor
 * measured in the same run.
 *
 *   bench-qmp [--rounds N] [TAGMEMD]     (TAGMEMD defaults to $TAGMEMD)
 *
 * Starts tagmemd, creates one tagged backend, then times N qom-get round
 * trips of its tag on one connection (request written, reply line read;
 * no JSON work on the client side).  The reference is a bare UNIX stream
 * socket echo server in a thread of this process that answers each
 * request line with a reply of the same byte size as tagmemd's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon_harness.h"

#define WARMUP_ROUNDS 1000
#define LINE_MAX_BYTES 4096

static const char request[] =
    "{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"/objects/bench0\","
    " \"property\": \"tag\"}}\n";

typedef struct {
    const char *name;
    double median_us;
    double p99_us;
    double min_us;
    size_t reply_bytes;
} Result;

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void write_all(int fd, const char *bytes, size_t length)
{
    while (length > 0) {
        ssize_t sent = send(fd, bytes, length, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) {
            continue;
        }
        if (sent <= 0) {
            g_error("send: %s", g_strerror(errno));
        }
        bytes += sent;
        length -= (size_t)sent;
    }
}

/*
 * Read one reply line into @line.  Each side waits for the answer before
 * sending again, so a line ends a read; leading blank lines (a "\r\n"
 * left over from setup) are dropped.
 */
static size_t read_line(int fd, char *line)
{
    size_t length = 0;

    for (;;) {
        ssize_t got = recv(fd, line + length, LINE_MAX_BYTES - length, 0);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return 0;
        }
        length += (size_t)got;
        if (line[length - 1] == '\n') {
            size_t start = 0;
            while (start < length && g_ascii_isspace(line[start])) {
                start++;
            }
            if (start < length) {
                memmove(line, line + start, length - start);
                return length - start;
            }
            length = 0;
        }
        if (length == LINE_MAX_BYTES) {
            g_error("reply line longer than %d bytes", LINE_MAX_BYTES);
        }
    }
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* Time @rounds request/reply round trips on @fd. */
static Result measure(const char *name, int fd, guint rounds)
{
    g_autofree uint64_t *samples = g_new(uint64_t, rounds);
    char line[LINE_MAX_BYTES];
    size_t reply_bytes = 0;

    for (guint i = 0; i < WARMUP_ROUNDS + rounds; i++) {
        uint64_t start = now_ns();
        write_all(fd, request, strlen(request));
        reply_bytes = read_line(fd, line);
        uint64_t elapsed = now_ns() - start;
        if (reply_bytes == 0 || memmem(line, reply_bytes, "\"return\"", 8) == NULL) {
            g_error("%s: bad reply '%.*s'", name, (int)reply_bytes, line);
        }
        if (i >= WARMUP_ROUNDS) {
            samples[i - WARMUP_ROUNDS] = elapsed;
        }
    }
    qsort(samples, rounds, sizeof(uint64_t), compare_u64);
    return (Result){
        .name = name,
        .median_us = samples[rounds / 2] / 1000.0,
        .p99_us = samples[(guint)(rounds * 0.99)] / 1000.0,
        .min_us = samples[0] / 1000.0,
        .reply_bytes = reply_bytes,
    };
}

typedef struct {
    int listen_fd;
    char *reply;
} EchoServer;

/* Answer each request line with the canned reply, until the peer closes. */
static gpointer run_echo_server(gpointer data)
{
    EchoServer *server = data;
    char line[LINE_MAX_BYTES];
    int fd = accept(server->listen_fd, NULL, NULL);

    if (fd < 0) {
        g_error("accept: %s", g_strerror(errno));
    }
    while (read_line(fd, line) > 0) {
        write_all(fd, server->reply, strlen(server->reply));
    }
    close(fd);
    return NULL;
}

static int listen_unix(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 1) != 0) {
        g_error("echo socket %s: %s", path, g_strerror(errno));
    }
    return fd;
}

static Result measure_echo(const char *dir, size_t reply_bytes, guint rounds)
{
    g_autofree char *path = g_build_filename(dir, "echo.sock", NULL);
    EchoServer server = { .listen_fd = listen_unix(path) };
    g_autoptr(GError) err = NULL;

    /* A JSON-looking line of exactly tagmemd's reply size. */
    server.reply = g_strnfill(reply_bytes, 'x');
    memcpy(server.reply, "{\"return\": \"", 12);
    memcpy(server.reply + reply_bytes - 3, "\"}\n", 3);
    GThread *thread = g_thread_new("echo", run_echo_server, &server);
    TmQmpConn *client = tm_qmp_conn_connect(path, &err);
    g_assert_no_error(err);
    Result result = measure("UNIX socket echo, same sizes (floor)",
                            tm_qmp_conn_fd(client), rounds);
    tm_qmp_conn_free(client);
    g_thread_join(thread);
    close(server.listen_fd);
    unlink(path);
    g_free(server.reply);
    return result;
}

static void print_table(const Result *results, gsize n, guint rounds)
{
    printf("bench-qmp: %u round trips on one connection, request %zu bytes\n\n", rounds,
           strlen(request));
    printf("%-40s %8s %11s %11s %11s\n", "operation", "reply B", "median us", "p99 us",
           "min us");
    for (gsize i = 0; i < n; i++) {
        printf("%-40s %8zu %11.2f %11.2f %11.2f\n", results[i].name, results[i].reply_bytes,
               results[i].median_us, results[i].p99_us, results[i].min_us);
    }
    printf("\ntagmemd median / floor median: %.1fx\n", results[0].median_us / results[1].median_us);
}

int main(int argc, char **argv)
{
    gint rounds = 20000;
    g_autoptr(GError) err = NULL;
    const GOptionEntry entries[] = {
        { "rounds", 'n', 0, G_OPTION_ARG_INT, &rounds, "Round trips to time (default 20000)",
          "N" },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context = g_option_context_new("[TAGMEMD]");

    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, &argc, &argv, &err) || rounds < 100 || argc > 2) {
        fprintf(stderr, "bench-qmp: %s\n", err ? err->message : "usage: bench-qmp [-n N>=100] [TAGMEMD]");
        return 1;
    }
    if (argc == 2) {
        g_autofree char *tagmemd = g_canonicalize_filename(argv[1], NULL);
        g_setenv("TAGMEMD", tagmemd, TRUE);
    }

    const char *quiet[] = { "--log-level", "warning", NULL };
    TmTestDaemon *daemon = tm_test_daemon_start(quiet);
    TmQmpConn *client = tm_test_daemon_connect(daemon);
    json_object *reply = tm_test_execute(client, "object-add",
                                         "{\"qom-type\": \"memory-backend-memfd\","
                                         " \"id\": \"bench0\", \"size\": 1048576,"
                                         " \"tag\": \"0b5e6c1c-8d2f-4a3b-9c4d-5e6f7a8b9c0d\"}");
    tm_test_assert_return(reply);
    json_object_put(reply);

    Result results[2];
    results[0] = measure("qom-get tag over QMP (tagmemd)", tm_qmp_conn_fd(client),
                         (guint)rounds);
    results[1] = measure_echo(daemon->dir, results[0].reply_bytes, (guint)rounds);
    print_table(results, G_N_ELEMENTS(results), (guint)rounds);

    tm_qmp_conn_free(client);
    int status = tm_test_daemon_stop(daemon, SIGTERM);
    tm_test_daemon_free(daemon);
    return status == 0 ? 0 : 1;
}
