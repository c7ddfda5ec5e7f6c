/*
 * tagmemd under a service manager (docs/configuration.md, "Under systemd"):
 * socket activation with the real systemd-socket-activate (a client that
 * connects before the daemon runs is served once it starts; a CCI socket
 * too; the socket file stays when the daemon exits), refusals (a socket of
 * the wrong type; LISTEN_FDS meant for another process is ignored; an
 * unused socket is closed with a warning), and the readiness protocol
 * through a stand-in for systemd's notify socket: READY=1 with STATUS=,
 * WATCHDOG=1 pings, STOPPING=1.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "cci_client.h"
#include "daemon_harness.h"

#define WAIT_MS 10000
#define OP_IDENTIFY 0x0001

/* ---- The readiness protocol ---- */

static int notify_socket(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    return fd;
}

/* The next datagram that contains @needle, within WAIT_MS. */
static char *next_notification(int fd, const char *needle)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000LL;

    while (g_get_monotonic_time() < deadline) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        char buffer[4096];

        if (poll(&pfd, 1, 100) <= 0) {
            continue;
        }
        ssize_t n = recv(fd, buffer, sizeof(buffer) - 1, 0);
        g_assert_cmpint(n, >, 0);
        buffer[n] = '\0';
        if (strstr(buffer, needle)) {
            return g_strdup(buffer);
        }
    }
    g_error("no notification with '%s' within %d ms", needle, WAIT_MS);
}

static void test_readiness(void)
{
    char *dir = tm_test_make_dir();
    g_autofree char *qmp_path = g_build_filename(dir, "qmp.sock", NULL);
    g_autofree char *qmp = g_strdup_printf("unix:%s,server=on,wait=off", qmp_path);
    g_autofree char *notify_path = g_build_filename(dir, "notify.sock", NULL);
    int notify = notify_socket(notify_path);
    g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "XDG_RUNTIME_DIR", dir, TRUE);
    env = g_environ_setenv(env, "NOTIFY_SOCKET", notify_path, TRUE);
    env = g_environ_setenv(env, "WATCHDOG_USEC", "200000", TRUE);
    const char *args[] = { "-qmp", qmp, NULL };
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start_in(dir, args, env, qmp_path);

    g_autofree char *ready = next_notification(notify, "READY=1");
    g_assert_nonnull(strstr(ready, "STATUS="));
    g_assert_nonnull(strstr(ready, "QMP on"));
    /* Two pings at half the 200 ms interval. */
    g_free(next_notification(notify, "WATCHDOG=1"));
    g_free(next_notification(notify, "WATCHDOG=1"));
    kill(daemon->pid, SIGTERM);
    g_free(next_notification(notify, "STOPPING=1"));
    g_assert_true(tm_test_daemon_wait_exit(daemon, WAIT_MS));
    g_assert_true(WIFEXITED(daemon->wait_status) && WEXITSTATUS(daemon->wait_status) == 0);
    close(notify);
}

/* ---- Socket activation ---- */

typedef struct {
    GPid pid;
    int stderr_fd;
    char *dir;
} Activated;

/*
 * systemd-socket-activate with @listen (its -l/--seqpacket options) runs
 * tagmemd with @args once a client connects; the daemon's runtime dir is
 * the test's.
 */
static Activated activate(const char *const *listen, const char *const *args)
{
    Activated a = { .dir = tm_test_make_dir() };
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) err = NULL;

    g_ptr_array_add(argv, g_strdup("systemd-socket-activate"));
    g_ptr_array_add(argv, g_strdup_printf("--setenv=XDG_RUNTIME_DIR=%s", a.dir));
    for (const char *const *l = listen; *l; l++) {
        g_ptr_array_add(argv, g_strdup_printf(*l, a.dir));
    }
    g_ptr_array_add(argv, g_strdup(tm_test_tagmemd_path()));
    for (const char *const *arg = args; *arg; arg++) {
        g_ptr_array_add(argv, g_strdup_printf(*arg, a.dir));
    }
    g_ptr_array_add(argv, NULL);
    g_autofree char *tagmem_dir = g_build_filename(a.dir, "tagmem", NULL);
    g_assert_cmpint(g_mkdir(tagmem_dir, 0700), ==, 0);
    g_spawn_async_with_pipes(a.dir, (char **)argv->pdata, NULL,
                             G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                             &a.pid, NULL, NULL, &a.stderr_fd, &err);
    g_assert_no_error(err);
    return a;
}

/* Wait for the socket file systemd-socket-activate binds. */
static void wait_for_file(const char *path)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000LL;

    while (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(10000);
    }
}

/* Stop with @signo (0: it exits by itself) and return (exit code, stderr). */
static int finish(Activated *a, int signo, char **stderr_text)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000LL;
    int status = 0;

    if (signo) {
        kill(a->pid, signo);
    }
    while (waitpid(a->pid, &status, WNOHANG) == 0) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(10000);
    }
    GString *text = g_string_new(NULL);
    char buffer[4096];
    ssize_t n;
    while ((n = read(a->stderr_fd, buffer, sizeof(buffer))) > 0) {
        g_string_append_len(text, buffer, n);
    }
    close(a->stderr_fd);
    *stderr_text = g_string_free(text, FALSE);
    g_test_message("tagmemd said: %s", *stderr_text);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void activated_clear(Activated *a)
{
    tm_test_remove_tree(a->dir);
    g_free(a->dir);
}

/*
 * The QMP client connects while no daemon runs: the connection waits in
 * the socket's backlog and is served once tagmemd starts.  A second
 * inherited socket that nothing uses is closed with a warning.  The
 * socket file stays when the daemon exits: it is the service manager's.
 */
static void test_qmp_activation(void)
{
    static const char *const listen[] = { "--listen=%s/qmp.sock", "--listen=%s/other.sock",
                                          NULL };
    static const char *const args[] = { "-qmp", "unix:%s/qmp.sock,server=on,wait=off", NULL };
    Activated a = activate(listen, args);
    g_autofree char *path = g_build_filename(a.dir, "qmp.sock", NULL);
    g_autoptr(GError) err = NULL;
    g_autofree char *text = NULL;

    wait_for_file(path);
    TmQmpConn *client = tm_qmp_conn_connect(path, &err);
    g_assert_no_error(err);
    g_assert_true(tm_qmp_conn_negotiate(client, &err));
    json_object *reply = tm_test_execute(client, "query-version", "{}");
    tm_test_assert_return(reply);
    json_object_put(reply);
    tm_qmp_conn_free(client);
    g_assert_cmpint(finish(&a, SIGTERM, &text), ==, 0);
    g_assert_nonnull(strstr(text, "other.sock' matches no QMP or CCI socket"));
    g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
    activated_clear(&a);
}

/* A host's CCI socket (SOCK_SEQPACKET) from the service manager. */
static void test_cci_activation(void)
{
    static const char *const listen[] = { "--seqpacket", "--listen=%s/tagmem/host0.sock",
                                          NULL };
    static const char *const args[] = { "-qmp", "unix:%s/qmp.sock,server=on,wait=off", NULL };
    Activated a = activate(listen, args);
    g_autofree char *path = g_build_filename(a.dir, "tagmem", "host0.sock", NULL);
    g_auto(TmTestCciPacket) response;
    g_autofree char *text = NULL;

    wait_for_file(path);
    int fd = tm_test_cci_connect(path);
    tm_test_cci_call(fd, OP_IDENTIFY, NULL, 0, &response, NULL);
    g_assert_cmpuint(response.return_code, ==, 0);
    close(fd);
    g_assert_cmpint(finish(&a, SIGTERM, &text), ==, 0);
    activated_clear(&a);
}

/* A stream socket where a host's SOCK_SEQPACKET socket belongs: refused, nothing served. */
static void test_wrong_socket_type(void)
{
    static const char *const listen[] = { "--listen=%s/tagmem/host0.sock", NULL };
    static const char *const args[] = { "-qmp", "unix:%s/qmp.sock,server=on,wait=off", NULL };
    Activated a = activate(listen, args);
    g_autofree char *path = g_build_filename(a.dir, "tagmem", "host0.sock", NULL);
    g_autofree char *text = NULL;
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    wait_for_file(path);
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    g_assert_cmpint(finish(&a, 0, &text), !=, 0);
    g_assert_nonnull(strstr(text, "is SOCK_STREAM, the CCI socket must be SOCK_SEQPACKET"));
    close(fd);
    activated_clear(&a);
}

/* LISTEN_FDS for another process (LISTEN_PID) is not ours: the daemon binds its own. */
static void test_listen_fds_of_another_process(void)
{
    char *dir = tm_test_make_dir();
    g_autofree char *qmp_path = g_build_filename(dir, "qmp.sock", NULL);
    g_autofree char *qmp = g_strdup_printf("unix:%s,server=on,wait=off", qmp_path);
    g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "XDG_RUNTIME_DIR", dir, TRUE);
    env = g_environ_setenv(env, "LISTEN_FDS", "4", TRUE);
    env = g_environ_setenv(env, "LISTEN_PID", "1", TRUE);
    const char *args[] = { "-qmp", qmp, NULL };
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start_in(dir, args, env, qmp_path);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);

    g_assert_cmpint(tm_test_backend_count(client), ==, 0);
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
    g_assert_false(g_file_test(qmp_path, G_FILE_TEST_EXISTS));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/service-manager/readiness", test_readiness);
    g_test_add_func("/service-manager/qmp-activation", test_qmp_activation);
    g_test_add_func("/service-manager/cci-activation", test_cci_activation);
    g_test_add_func("/service-manager/wrong-socket-type", test_wrong_socket_type);
    g_test_add_func("/service-manager/listen-fds-of-another-process",
                    test_listen_fds_of_another_process);
    return g_test_run();
}
