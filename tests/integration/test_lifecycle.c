/*
 * Starting and stopping tagmemd: the pidfile holds its pid; SIGTERM,
 * SIGINT and the QMP "quit" command all end it with status 0 and remove
 * its sockets and pidfile; a socket already served is never taken over.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "daemon_harness.h"

static void assert_files_present(const TmTestDaemon *daemon)
{
    g_autofree char *pid_text = NULL;

    g_assert_true(g_file_test(daemon->socket_path, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_get_contents(daemon->pidfile, &pid_text, NULL, NULL));
    g_assert_cmpint(atoi(pid_text), ==, daemon->pid);
}

static void assert_files_removed(const TmTestDaemon *daemon)
{
    g_assert_false(g_file_test(daemon->socket_path, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(daemon->pidfile, G_FILE_TEST_EXISTS));
}

static void test_signal(gconstpointer data)
{
    int signo = GPOINTER_TO_INT(data);
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    /* A connected client must not keep the daemon alive. */
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);

    assert_files_present(daemon);
    g_assert_cmpint(tm_test_backend_count(client), ==, 0);
    g_assert_cmpint(tm_test_daemon_stop(daemon, signo), ==, 0);
    assert_files_removed(daemon);
}

/* SIGUSR1 and SIGUSR2 are logged and ignored: the daemon keeps serving. */
static void test_ignored_signals(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);

    g_assert_cmpint(kill(daemon->pid, SIGUSR1), ==, 0);
    g_assert_cmpint(kill(daemon->pid, SIGUSR2), ==, 0);
    /* Answered after both signals were delivered and handled by the main loop. */
    g_assert_cmpint(tm_test_backend_count(client), ==, 0);
    g_assert_false(tm_test_daemon_wait_exit(daemon, 200));
    assert_files_present(daemon);
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
    assert_files_removed(daemon);
}

static void test_quit(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);
    g_autoptr(TmQmpConn) bystander = tm_test_daemon_connect(daemon);
    g_autoptr(GError) err = NULL;

    assert_files_present(daemon);
    json_object *reply = tm_test_execute(client, "quit", NULL);
    /* The reply arrives before the daemon goes. */
    tm_test_assert_return(reply);
    json_object_put(reply);
    g_assert_true(tm_test_daemon_wait_exit(daemon, 15000));
    g_assert_true(WIFEXITED(daemon->wait_status));
    g_assert_cmpint(WEXITSTATUS(daemon->wait_status), ==, 0);
    assert_files_removed(daemon);

    /* Every connection is closed. */
    g_assert_null(tm_qmp_conn_receive(bystander, 5000, &err));
    g_assert_nonnull(strstr(err->message, "closed"));
}

static void test_socket_in_use(void)
{
    g_autoptr(TmTestDaemon) first = tm_test_daemon_start(NULL);
    g_autofree char *qmp = g_strdup_printf("unix:%s,server=on,wait=off", first->socket_path);
    g_autofree char *dir = tm_test_make_dir();
    const char *args[] = { "-qmp", qmp, NULL };
    g_autofree char *stderr_text = NULL;

    g_assert_cmpint(tm_test_run_tagmemd(args, dir, &stderr_text), ==, 1);
    g_assert_nonnull(strstr(stderr_text, first->socket_path));
    g_assert_nonnull(strstr(stderr_text, "in use"));

    /* The first daemon still owns its socket and answers. */
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(first);
    g_assert_cmpint(tm_test_backend_count(client), ==, 0);
    g_assert_cmpint(tm_test_daemon_stop(first, SIGTERM), ==, 0);
    g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void test_stale_socket_is_replaced(void)
{
    g_autoptr(TmTestDaemon) first = tm_test_daemon_start(NULL);
    g_autofree char *socket_path = g_strdup(first->socket_path);

    /* SIGKILL leaves the socket file behind, as after a crash. */
    g_assert_cmpint(tm_test_daemon_stop(first, SIGKILL), ==, 128 + SIGKILL);
    g_assert_true(g_file_test(socket_path, G_FILE_TEST_EXISTS));

    char *dir = tm_test_make_dir();
    g_autofree char *qmp = g_strdup_printf("unix:%s,server=on,wait=off", socket_path);
    const char *args[] = { "-qmp", qmp, NULL };
    g_autoptr(TmTestDaemon) second = tm_test_daemon_start_in(dir, args, NULL, socket_path);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(second);
    g_assert_cmpint(tm_test_backend_count(client), ==, 0);
    g_assert_cmpint(tm_test_daemon_stop(second, SIGTERM), ==, 0);
    g_assert_false(g_file_test(socket_path, G_FILE_TEST_EXISTS));
}

static void test_two_sockets(void)
{
    char *dir = tm_test_make_dir();
    g_autofree char *path_a = g_build_filename(dir, "a.sock", NULL);
    g_autofree char *path_b = g_build_filename(dir, "b.sock", NULL);
    g_autofree char *qmp_a = g_strdup_printf("unix:%s,server=on,wait=off", path_a);
    g_autofree char *qmp_b = g_strdup_printf("--qmp=unix:%s,server=on", path_b);
    const char *args[] = { "-qmp", qmp_a, qmp_b, NULL };
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start_in(dir, args, NULL, path_b);

    /* A backend made through one socket is seen through the other. */
    g_autoptr(TmQmpConn) via_b = tm_test_daemon_connect(daemon);
    json_object *reply = tm_test_execute(via_b, "object-add",
                                         "{\"qom-type\": \"memory-backend-ram\", \"id\": \"m0\","
                                         " \"size\": 1048576}");
    tm_test_assert_return(reply);
    json_object_put(reply);
    g_autoptr(GError) err = NULL;
    g_autoptr(TmQmpConn) via_a = tm_qmp_conn_connect(path_a, &err);
    g_assert_no_error(err);
    g_assert_true(tm_qmp_conn_negotiate(via_a, &err));
    g_assert_cmpint(tm_test_backend_count(via_a), ==, 1);

    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
    g_assert_false(g_file_test(path_a, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(path_b, G_FILE_TEST_EXISTS));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/integration/lifecycle/sigterm", GINT_TO_POINTER(SIGTERM), test_signal);
    g_test_add_data_func("/integration/lifecycle/sigint", GINT_TO_POINTER(SIGINT), test_signal);
    g_test_add_data_func("/integration/lifecycle/sighup", GINT_TO_POINTER(SIGHUP), test_signal);
    g_test_add_data_func("/integration/lifecycle/sigquit", GINT_TO_POINTER(SIGQUIT), test_signal);
    g_test_add_func("/integration/lifecycle/sigusr-ignored", test_ignored_signals);
    g_test_add_func("/integration/lifecycle/quit", test_quit);
    g_test_add_func("/integration/lifecycle/socket-in-use", test_socket_in_use);
    g_test_add_func("/integration/lifecycle/stale-socket-is-replaced",
                    test_stale_socket_is_replaced);
    g_test_add_func("/integration/lifecycle/two-sockets", test_two_sockets);
    return g_test_run();
}
