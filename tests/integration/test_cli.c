/*
 * The tagmem CLI against the real daemon: a command's "return" printed as
 * JSON, an error reply as "CLASS: DESC" with exit 1, and the default
 * socket path shared with tagmemd.
 */
#include <string.h>

#include "daemon_harness.h"

#define TAG "0b5e6c1c-8d2f-4a3b-9c4d-5e6f7a8b9c0d"

typedef struct {
    int status;
    char *out;
    char *err;
} CliRun;

static void cli_run_clear(CliRun *run)
{
    g_free(run->out);
    g_free(run->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CliRun, cli_run_clear)

static const char *cli_path(void)
{
    const char *path = g_getenv("TAGMEM");

    if (path == NULL) {
        g_error("TAGMEM must name the tagmem CLI (meson test sets it)");
    }
    return path;
}

/* Run "tagmem ARGS..." (NULL-terminated) with @envp (NULL: ours). */
static CliRun run_cli(char **envp, const char *first, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GError) err = NULL;
    CliRun run = { 0 };
    int wait_status;
    va_list args;

    g_ptr_array_add(argv, (gpointer)cli_path());
    va_start(args, first);
    for (const char *arg = first; arg; arg = va_arg(args, const char *)) {
        g_ptr_array_add(argv, (gpointer)arg);
    }
    va_end(args);
    g_ptr_array_add(argv, NULL);
    g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, envp, 0, NULL, NULL, &run.out,
                               &run.err, &wait_status, &err));
    g_assert_no_error(err);
    g_assert_true(WIFEXITED(wait_status));
    run.status = WEXITSTATUS(wait_status);
    g_test_message("tagmem exit %d\nstdout: %s\nstderr: %s", run.status, run.out, run.err);
    return run;
}

static void test_commands(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    const char *socket = daemon->socket_path;

    g_auto(CliRun) add = run_cli(NULL, "--socket", socket, "qmp", "object-add",
                                 "{\"qom-type\": \"memory-backend-memfd\", \"id\": \"mem0\","
                                 " \"size\": 2097152, \"tag\": \"" TAG "\"}", NULL);
    g_assert_cmpint(add.status, ==, 0);
    g_assert_cmpstr(g_strstrip(add.out), ==, "{}");

    g_auto(CliRun) query = run_cli(NULL, "-s", socket, "qmp", "query-memdev", NULL);
    g_assert_cmpint(query.status, ==, 0);
    json_object *memdevs = json_tokener_parse(query.out);
    g_assert_nonnull(memdevs);
    g_assert_cmpuint(json_object_array_length(memdevs), ==, 1);
    json_object *memdev = json_object_array_get_idx(memdevs, 0);
    g_assert_cmpuint(json_object_get_uint64(json_object_object_get(memdev, "size")), ==, 2097152);
    json_object_put(memdevs);
    /* Pretty-printed for people: one member per line. */
    g_assert_nonnull(strstr(query.out, "\n"));

    g_auto(CliRun) tag = run_cli(NULL, "--socket", socket, "qmp", "qom-get",
                                 "{\"path\": \"/objects/mem0\", \"property\": \"tag\"}", NULL);
    g_assert_cmpint(tag.status, ==, 0);
    g_assert_cmpstr(g_strstrip(tag.out), ==, "\"" TAG "\"");

    /* An error reply: class and description on stderr, exit 1. */
    g_auto(CliRun) dup = run_cli(NULL, "--socket", socket, "qmp", "object-add",
                                 "{\"qom-type\": \"memory-backend-ram\", \"id\": \"mem1\","
                                 " \"size\": 1048576, \"tag\": \"" TAG "\"}", NULL);
    g_assert_cmpint(dup.status, ==, 1);
    g_assert_true(g_str_has_prefix(dup.err, "tagmem: GenericError: "));
    g_assert_nonnull(strstr(dup.err, "mem0"));
    g_assert_cmpstr(dup.out, ==, "");

    g_auto(CliRun) unknown = run_cli(NULL, "--socket", socket, "qmp", "frobnicate", NULL);
    g_assert_cmpint(unknown.status, ==, 1);
    g_assert_nonnull(strstr(unknown.err, "CommandNotFound"));

    g_auto(CliRun) bad_json = run_cli(NULL, "--socket", socket, "qmp", "object-del", "{id:", NULL);
    g_assert_cmpint(bad_json.status, ==, 1);
    g_assert_nonnull(strstr(bad_json.err, "JSON-ARGS must be a JSON object"));

    g_auto(CliRun) not_object = run_cli(NULL, "--socket", socket, "qmp", "object-del", "[1]",
                                        NULL);
    g_assert_cmpint(not_object.status, ==, 1);
    g_assert_nonnull(strstr(not_object.err, "JSON-ARGS must be a JSON object"));

    /* An unknown subcommand: the message names it, the help lists the real ones. */
    g_auto(CliRun) usage = run_cli(NULL, "--socket", socket, "frobnicate", NULL);
    g_assert_cmpint(usage.status, ==, 1);
    g_assert_nonnull(strstr(usage.err, "unknown subcommand 'frobnicate'"));
    g_assert_nonnull(strstr(usage.err, "qmp COMMAND"));
    g_assert_nonnull(strstr(usage.err, "host-agent"));

    g_auto(CliRun) too_many = run_cli(NULL, "--socket", socket, "qmp", "query-memdev", "{}",
                                      "extra", NULL);
    g_assert_cmpint(too_many.status, ==, 1);
    g_assert_nonnull(strstr(too_many.err, "expected 'qmp COMMAND [JSON-ARGS]'"));

    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);

    /* Nobody listening any more. */
    g_auto(CliRun) gone = run_cli(NULL, "--socket", socket, "qmp", "query-memdev", NULL);
    g_assert_cmpint(gone.status, ==, 1);
    g_assert_nonnull(strstr(gone.err, "is tagmemd running?"));
}

static void test_default_socket(void)
{
    char *dir = tm_test_make_dir();
    g_autofree char *socket_path = g_build_filename(dir, "tagmem", "qmp.sock", NULL);
    g_auto(GStrv) envp = g_environ_setenv(g_get_environ(), "XDG_RUNTIME_DIR", dir, TRUE);
    const char *no_args[] = { NULL };
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start_in(dir, no_args, envp, socket_path);

    /* Neither program is told the path: they agree on it. */
    g_auto(CliRun) query = run_cli(envp, "qmp", "query-memdev", NULL);
    g_assert_cmpint(query.status, ==, 0);
    g_assert_cmpstr(g_strstrip(query.out), ==, "[]");

    g_auto(CliRun) quit = run_cli(envp, "qmp", "quit", NULL);
    g_assert_cmpint(quit.status, ==, 0);
    g_assert_true(tm_test_daemon_wait_exit(daemon, 15000));
    g_assert_false(g_file_test(socket_path, G_FILE_TEST_EXISTS));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/integration/cli/commands", test_commands);
    g_test_add_func("/integration/cli/default-socket", test_default_socket);
    return g_test_run();
}
