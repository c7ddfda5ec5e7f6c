/*
 * Bounded resources with the real daemon: a socket takes at most
 * --max-connections connections (more are closed at once, the others keep
 * being served); host sockets leave descriptors in reserve so QMP answers
 * when hosts took the rest; a QMP client that never reads its events is
 * disconnected over its budget while the daemon and other clients go on.
 */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cci_client.h"
#include "daemon_harness.h"

#define OP_IDENTIFY 0x0001
#define RC_SUCCESS 0x00
#define CLOSE_TIMEOUT_MS 5000

static bool identify_ok(int fd)
{
    g_auto(TmTestCciPacket) response;

    tm_test_cci_call(fd, OP_IDENTIFY, NULL, 0, &response, NULL);
    return response.return_code == RC_SUCCESS;
}

static char *host0_socket(const TmTestDaemon *daemon)
{
    return g_build_filename(daemon->dir, "tagmem", "host0.sock", NULL);
}

static void test_connection_limit(void)
{
    static const char *const args[] = { "--max-connections", "4", NULL };
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(args);
    g_autofree char *path = host0_socket(daemon);
    int fds[8];

    for (int i = 0; i < 8; i++) {
        fds[i] = tm_test_cci_connect(path);
    }
    for (int i = 0; i < 4; i++) {
        g_assert_true(identify_ok(fds[i]));
    }
    for (int i = 4; i < 8; i++) {
        g_assert_true(tm_test_cci_closed_by_peer(fds[i], CLOSE_TIMEOUT_MS));
        close(fds[i]);
    }
    /* One leaves: one more is taken. */
    close(fds[0]);
    gint64 deadline = g_get_monotonic_time() + CLOSE_TIMEOUT_MS * 1000LL;
    bool admitted = false;
    while (!admitted && g_get_monotonic_time() < deadline) {
        int fd = tm_test_cci_connect(path);
        TmTestCciPacket packet;

        /* A refused connection is closed at once; an admitted one answers. */
        g_autoptr(GByteArray) request = tm_test_cci_request(TM_TEST_CCI_TYPE_CCI, 1,
                                                            OP_IDENTIFY, NULL, 0);
        g_assert_true(tm_test_cci_send(fd, request->data, request->len) || errno == EPIPE);
        admitted = tm_test_cci_receive(fd, 1000, &packet);
        if (admitted) {
            tm_test_cci_packet_clear(&packet);
        }
        close(fd);
    }
    g_assert_true(admitted);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);
    g_assert_cmpint(tm_test_backend_count(client), ==, 0);
    for (int i = 1; i < 4; i++) {
        g_assert_true(identify_ok(fds[i]));
        close(fds[i]);
    }
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

/*
 * Hosts take descriptors until only the reserve is left; QMP still
 * answers.  The test (and so the daemon it starts) runs with 256.
 */
static void test_descriptor_reserve(void)
{
    struct rlimit limit = { .rlim_cur = 256, .rlim_max = 256 };
    static const char *const args[] = { "--max-connections", "1000", NULL };

    g_assert_cmpint(setrlimit(RLIMIT_NOFILE, &limit), ==, 0);
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(args);
    g_autofree char *path = host0_socket(daemon);
    g_autoptr(GArray) fds = g_array_new(FALSE, FALSE, sizeof(int));
    bool refused = false;

    while (!refused && fds->len < 230) {
        int fd = tm_test_cci_connect(path);

        g_array_append_val(fds, fd);
        refused = tm_test_cci_closed_by_peer(fd, 100);
    }
    g_assert_true(refused);
    /* The daemon uses some descriptors itself: refusals start before 256 - 64 hosts. */
    g_assert_cmpuint(fds->len, <=, 256 - 64 + 1);
    g_assert_cmpuint(fds->len, >, 100);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);
    g_assert_cmpint(tm_test_backend_count(client), ==, 0);
    g_assert_true(identify_ok(g_array_index(fds, int, 0)));
    for (guint i = 0; i < fds->len; i++) {
        close(g_array_index(fds, int, i));
    }
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

/* The daemon's resident memory, in KiB. */
static guint64 daemon_rss_kib(const TmTestDaemon *daemon)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", daemon->pid);
    g_autofree char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    const char *line = strstr(text, "VmRSS:");
    g_assert_nonnull(line);
    return g_ascii_strtoull(line + strlen("VmRSS:"), NULL, 10);
}

/*
 * 2,000 idle connections on one host socket (all admitted): the daemon's
 * memory grows by little per connection (no per-connection reply buffer),
 * and QMP, the other host and the FM are served as before.
 */
static void test_idle_connection_flood(void)
{
    enum { N = 2000 };
    struct rlimit limit;
    static const char *const args[] = { "--max-connections", "2000", NULL };

    g_assert_cmpint(getrlimit(RLIMIT_NOFILE, &limit), ==, 0);
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < N + 512) {
        g_test_skip("the hard descriptor limit is below 2,512");
        return;
    }
    limit.rlim_cur = N + 512;
    g_assert_cmpint(setrlimit(RLIMIT_NOFILE, &limit), ==, 0);
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(args);
    g_autofree char *path = host0_socket(daemon);
    g_autofree char *host1 = g_build_filename(daemon->dir, "tagmem", "host1.sock", NULL);
    g_autofree char *fm = g_build_filename(daemon->dir, "tagmem", "fm.sock", NULL);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);
    int fds[N];

    g_assert_cmpint(tm_test_backend_count(client), ==, 0);
    guint64 before = daemon_rss_kib(daemon);
    for (int i = 0; i < N; i++) {
        fds[i] = tm_test_cci_connect(path);
    }
    /* Each is served: the last one admitted answers. */
    g_assert_true(identify_ok(fds[N - 1]));
    guint64 after = daemon_rss_kib(daemon);
    g_test_message("daemon RSS %" G_GUINT64_FORMAT " KiB before, %" G_GUINT64_FORMAT
                   " KiB with %d idle connections", before, after, N);
    /* Under 8 KiB each, sanitizer bookkeeping included (a 1 MiB buffer each before). */
    g_assert_cmpuint(after - before, <, N * 8);

    g_assert_cmpint(tm_test_backend_count(client), ==, 0);
    int other = tm_test_cci_connect(host1);
    int fm_fd = tm_test_cci_connect(fm);
    g_assert_true(identify_ok(other));
    g_assert_true(identify_ok(fm_fd));
    g_assert_true(identify_ok(fds[0]));
    close(other);
    close(fm_fd);
    for (int i = 0; i < N; i++) {
        close(fds[i]);
    }
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

static void qmp_ok(TmQmpConn *client, const char *command, const char *arguments)
{
    json_object *reply = tm_test_execute(client, command, arguments);

    tm_test_assert_return(reply);
    json_object_put(reply);
}

/* A raw QMP client that negotiates and then never reads. */
static int silent_qmp_client(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    static const char negotiate[] = "{\"execute\": \"qmp_capabilities\"}\n";
    int small = 4096;

    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    /* A small receive buffer: the daemon's queue, not the kernel's, holds the events. */
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    g_assert_cmpint(send(fd, negotiate, strlen(negotiate), 0), ==, (ssize_t)strlen(negotiate));
    return fd;
}

/* Read @fd to its end; false if it stays open past the timeout. */
static bool drained_to_end(int fd, size_t *bytes)
{
    gint64 deadline = g_get_monotonic_time() + CLOSE_TIMEOUT_MS * 1000LL;
    char buffer[65536];

    *bytes = 0;
    while (g_get_monotonic_time() < deadline) {
        struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
        if (n == 0) {
            return true;
        }
        if (n > 0) {
            *bytes += (size_t)n;
        }
    }
    return false;
}

/* Events nobody reads: the silent client goes over its 1 MiB budget and is let go. */
static void test_qmp_event_budget(void)
{
    static const char *const args[] = {
        "-object", "memory-backend-memfd,id=dc0,size=2G",
        "-nodefaults",
        /* Nobody clears the records of the offers: the log holds them all. */
        "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=1,num-hosts=1,"
                   "dc-event-log-depth=30000",
        NULL,
    };
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(args);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);
    int silent = silent_qmp_client(daemon->socket_path);
    /* One add of 500 extents then its withdrawal: one event of about 60 KB. */
    GString *extents = g_string_new("[");
    for (int i = 0; i < 500; i++) {
        g_string_append_printf(extents, "%s{\"offset\": %d, \"len\": 2097152}", i ? ", " : "",
                               i * 4 * 1024 * 1024);
    }
    g_string_append(extents, "]");
    g_autofree char *add = g_strdup_printf("{\"path\": \"dcd0\", \"host-id\": 0, "
                                           "\"selection-policy\": \"prescriptive\", "
                                           "\"region\": 0, \"extents\": %s}", extents->str);
    g_string_free(extents, TRUE);

    for (int round = 0; round < 40; round++) {
        qmp_ok(client, "cxl-add-dynamic-capacity", add);
        qmp_ok(client, "cxl-withdraw-dynamic-capacity", "{\"path\": \"dcd0\", \"host-id\": 0}");
    }
    size_t bytes;
    g_assert_true(drained_to_end(silent, &bytes));
    /* It was sent no more than its budget and a socket's worth. */
    g_assert_cmpuint(bytes, <, 1024 * 1024 + 512 * 1024);
    close(silent);
    /* The reading client was served throughout, and still is. */
    g_assert_cmpint(tm_test_backend_count(client), ==, 1);
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/integration/bounds/idle-connection-flood", test_idle_connection_flood);
    g_test_add_func("/integration/bounds/connection-limit", test_connection_limit);
    g_test_add_func("/integration/bounds/qmp-event-budget", test_qmp_event_budget);
    /* Last: it lowers this process's descriptor limit for good. */
    g_test_add_func("/integration/bounds/descriptor-reserve", test_descriptor_reserve);
    return g_test_run();
}
