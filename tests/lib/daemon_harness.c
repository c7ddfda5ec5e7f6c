#include "daemon_harness.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#define START_TIMEOUT_MS 15000
#define EXIT_TIMEOUT_MS 15000
#define POLL_INTERVAL_US 10000

const char *tm_test_tagmemd_path(void)
{
    const char *path = g_getenv("TAGMEMD");

    /* Absolute: the daemon runs in its own temporary directory. */
    if (path == NULL || !g_path_is_absolute(path) ||
        !g_file_test(path, G_FILE_TEST_IS_EXECUTABLE)) {
        g_error("TAGMEMD must be the absolute path of tagmemd (meson test sets it), got '%s'",
                path ? path : "(unset)");
    }
    return path;
}

char *tm_test_make_dir(void)
{
    g_autoptr(GError) err = NULL;
    char *dir = g_dir_make_tmp("tagmem-test-XXXXXX", &err);

    g_assert_no_error(err);
    return dir;
}

/* Logged in tests' TAP output; silent in benchmarks. */
static void note(const char *what, const char *text)
{
    if (g_test_initialized()) {
        g_test_message("%s: %s", what, text);
    }
}

void tm_test_remove_tree(const char *path)
{
    GDir *dir = g_dir_open(path, 0, NULL);

    if (dir) {
        const char *name;
        while ((name = g_dir_read_name(dir)) != NULL) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            tm_test_remove_tree(child);
        }
        g_dir_close(dir);
        g_rmdir(path);
    } else {
        g_unlink(path);
    }
}

static bool reap(TmTestDaemon *daemon, bool block)
{
    int status;
    pid_t pid;

    if (daemon->reaped) {
        return true;
    }
    do {
        pid = waitpid(daemon->pid, &status, block ? 0 : WNOHANG);
    } while (pid < 0 && errno == EINTR);
    if (pid == daemon->pid) {
        daemon->reaped = true;
        daemon->wait_status = status;
    }
    return daemon->reaped;
}

static bool socket_accepts(const char *path)
{
    g_autoptr(TmQmpConn) client = tm_qmp_conn_connect(path, NULL);

    return client != NULL;
}

static void wait_for_socket(TmTestDaemon *daemon)
{
    gint64 deadline = g_get_monotonic_time() + START_TIMEOUT_MS * 1000LL;

    while (!socket_accepts(daemon->socket_path)) {
        if (reap(daemon, false)) {
            g_error("tagmemd exited (status 0x%x) before serving %s", daemon->wait_status,
                    daemon->socket_path);
        }
        if (g_get_monotonic_time() > deadline) {
            g_error("tagmemd did not serve %s within %d ms", daemon->socket_path,
                    START_TIMEOUT_MS);
        }
        g_usleep(POLL_INTERVAL_US);
    }
}

/*
 * In the child: die with the test.  A test that fails aborts, and a daemon
 * left running would hold the test's stdout open, so meson would wait for
 * its timeout instead of reporting the failure.
 */
static void die_with_parent(gpointer unused)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static char **build_argv(const char *const *args)
{
    GPtrArray *argv = g_ptr_array_new();

    g_ptr_array_add(argv, g_strdup(tm_test_tagmemd_path()));
    for (const char *const *arg = args; arg && *arg; arg++) {
        g_ptr_array_add(argv, g_strdup(*arg));
    }
    g_ptr_array_add(argv, NULL);
    return (char **)g_ptr_array_free(argv, FALSE);
}

/*
 * The test's environment with XDG_RUNTIME_DIR=@dir: the daemon's default
 * sockets (the CCI sockets of every host) go there, not into the user's
 * runtime directory, where tests running side by side would collide.
 */
static char **environ_with_runtime_dir(const char *dir)
{
    return g_environ_setenv(g_get_environ(), "XDG_RUNTIME_DIR", dir, TRUE);
}

TmTestDaemon *tm_test_daemon_start_in(char *dir, const char *const *args, char **envp,
                                      const char *socket_path)
{
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) argv = build_argv(args);
    TmTestDaemon *daemon = g_new0(TmTestDaemon, 1);

    g_auto(GStrv) private_env = envp ? NULL : environ_with_runtime_dir(dir);

    daemon->dir = dir;
    daemon->socket_path = g_strdup(socket_path);
    daemon->pidfile = g_build_filename(daemon->dir, "tagmemd.pid", NULL);
    g_autofree char *command = g_strjoinv(" ", argv);
    note("starting", command);
    g_spawn_async(daemon->dir, argv, envp ? envp : private_env, G_SPAWN_DO_NOT_REAP_CHILD,
                  die_with_parent, NULL, &daemon->pid, &err);
    g_assert_no_error(err);
    wait_for_socket(daemon);
    return daemon;
}

TmTestDaemon *tm_test_daemon_start(const char *const *extra_args)
{
    char *dir = tm_test_make_dir();
    g_autofree char *socket_path = g_build_filename(dir, "qmp.sock", NULL);
    g_autofree char *qmp = g_strdup_printf("unix:%s,server=on,wait=off", socket_path);
    g_autofree char *pidfile = g_build_filename(dir, "tagmemd.pid", NULL);
    g_autoptr(GPtrArray) args = g_ptr_array_new();

    g_ptr_array_add(args, "-qmp");
    g_ptr_array_add(args, qmp);
    g_ptr_array_add(args, "--pidfile");
    g_ptr_array_add(args, pidfile);
    for (const char *const *arg = extra_args; arg && *arg; arg++) {
        g_ptr_array_add(args, (gpointer)*arg);
    }
    g_ptr_array_add(args, NULL);
    return tm_test_daemon_start_in(dir, (const char *const *)args->pdata, NULL, socket_path);
}

TmQmpConn *tm_test_daemon_connect_raw(TmTestDaemon *daemon)
{
    g_autoptr(GError) err = NULL;
    TmQmpConn *client = tm_qmp_conn_connect(daemon->socket_path, &err);

    g_assert_no_error(err);
    return client;
}

TmQmpConn *tm_test_daemon_connect(TmTestDaemon *daemon)
{
    g_autoptr(GError) err = NULL;
    TmQmpConn *client = tm_test_daemon_connect_raw(daemon);

    g_assert_true(tm_qmp_conn_negotiate(client, &err));
    g_assert_no_error(err);
    return client;
}

bool tm_test_daemon_wait_exit(TmTestDaemon *daemon, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000LL;

    while (!reap(daemon, false)) {
        if (g_get_monotonic_time() > deadline) {
            return false;
        }
        g_usleep(POLL_INTERVAL_US);
    }
    return true;
}

static int exit_code(int wait_status)
{
    if (WIFEXITED(wait_status)) {
        return WEXITSTATUS(wait_status);
    }
    return 128 + WTERMSIG(wait_status);
}

int tm_test_daemon_stop(TmTestDaemon *daemon, int signo)
{
    if (!daemon->reaped) {
        kill(daemon->pid, signo);
    }
    if (!tm_test_daemon_wait_exit(daemon, EXIT_TIMEOUT_MS)) {
        return -1;
    }
    return exit_code(daemon->wait_status);
}

void tm_test_daemon_free(TmTestDaemon *daemon)
{
    if (daemon == NULL) {
        return;
    }
    if (!daemon->reaped) {
        kill(daemon->pid, SIGKILL);
        reap(daemon, true);
    }
    g_spawn_close_pid(daemon->pid);
    tm_test_remove_tree(daemon->dir);
    g_free(daemon->dir);
    g_free(daemon->socket_path);
    g_free(daemon->pidfile);
    g_free(daemon);
}

static char *read_all(int fd)
{
    GString *text = g_string_new(NULL);
    char buffer[4096];
    ssize_t got;

    while ((got = read(fd, buffer, sizeof(buffer))) != 0) {
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            break;
        }
        g_string_append_len(text, buffer, got);
    }
    return g_string_free(text, FALSE);
}

int tm_test_run_tagmemd(const char *const *args, const char *cwd, char **stderr_text)
{
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) argv = build_argv(args);
    TmTestDaemon run = { 0 };
    int stderr_fd;

    /* Its own runtime directory, outside @cwd, whose contents tests count. */
    g_autofree char *runtime_dir = tm_test_make_dir();
    g_auto(GStrv) envp = environ_with_runtime_dir(runtime_dir);

    g_autofree char *command = g_strjoinv(" ", argv);
    note("running", command);
    g_spawn_async_with_pipes(cwd, argv, envp, G_SPAWN_DO_NOT_REAP_CHILD, die_with_parent, NULL,
                             &run.pid, NULL, NULL, &stderr_fd, &err);
    g_assert_no_error(err);
    /* A command line that should fail but starts a server must not hang
     * the test: it is killed and reported as exit code -1. */
    bool exited = tm_test_daemon_wait_exit(&run, EXIT_TIMEOUT_MS);
    if (!exited) {
        kill(run.pid, SIGKILL);
        reap(&run, true);
    }
    *stderr_text = read_all(stderr_fd);
    close(stderr_fd);
    g_spawn_close_pid(run.pid);
    tm_test_remove_tree(runtime_dir);
    note("stderr", *stderr_text);
    return exited ? exit_code(run.wait_status) : -1;
}

json_object *tm_test_execute(TmQmpConn *client, const char *command,
                             const char *arguments_json)
{
    g_autoptr(GError) err = NULL;
    json_object *arguments = NULL;

    if (arguments_json) {
        arguments = json_tokener_parse(arguments_json);
        g_assert_nonnull(arguments);
    }
    json_object *reply = tm_qmp_conn_execute(client, command, arguments, &err);
    g_assert_no_error(err);
    g_assert_nonnull(reply);
    return reply;
}

json_object *tm_test_assert_return(json_object *reply)
{
    json_object *value = NULL;

    if (!json_object_object_get_ex(reply, "return", &value)) {
        g_error("expected a return, got %s", json_object_to_json_string(reply));
    }
    return value;
}

void tm_test_assert_error(json_object *reply, const char *klass, const char *fragment)
{
    json_object *error, *klass_value, *desc;

    if (!json_object_object_get_ex(reply, "error", &error) ||
        !json_object_object_get_ex(error, "class", &klass_value) ||
        !json_object_object_get_ex(error, "desc", &desc)) {
        g_error("expected an error, got %s", json_object_to_json_string(reply));
    }
    note(json_object_get_string(klass_value), json_object_get_string(desc));
    g_assert_cmpstr(json_object_get_string(klass_value), ==, klass);
    if (strstr(json_object_get_string(desc), fragment) == NULL) {
        g_error("error desc '%s' lacks '%s'", json_object_get_string(desc), fragment);
    }
}

json_object *tm_test_receive_reply_with_id(TmQmpConn *client, const char *id)
{
    for (;;) {
        g_autoptr(GError) err = NULL;
        json_object *message = tm_qmp_conn_receive(client, 30000, &err), *id_value;

        g_assert_no_error(err);
        if (json_object_object_get_ex(message, "id", &id_value) &&
            g_strcmp0(json_object_get_string(id_value), id) == 0) {
            return message;
        }
        json_object_put(message);
    }
}

char *tm_test_backend_snapshot(TmQmpConn *client)
{
    json_object *reply = tm_test_execute(client, "query-memdev", NULL);
    json_object *memdevs = tm_test_assert_return(reply);
    GString *snapshot = g_string_new(json_object_to_json_string(memdevs));

    for (size_t i = 0; i < json_object_array_length(memdevs); i++) {
        json_object *id = json_object_object_get(json_object_array_get_idx(memdevs, i), "id");
        g_autofree char *args = g_strdup_printf(
            "{\"path\": \"/objects/%s\", \"property\": \"tag\"}", json_object_get_string(id));
        json_object *tag = tm_test_execute(client, "qom-get", args);
        g_string_append_printf(snapshot, "\n%s tag: %s", json_object_get_string(id),
                               json_object_to_json_string(tag));
        json_object_put(tag);
    }
    json_object_put(reply);
    return g_string_free(snapshot, FALSE);
}

int tm_test_backend_count(TmQmpConn *client)
{
    json_object *reply = tm_test_execute(client, "query-memdev", NULL);
    int count = (int)json_object_array_length(tm_test_assert_return(reply));

    json_object_put(reply);
    return count;
}
