/*
 * create-backend --prealloc waits for the daemon's answer while it reads
 * progress events; in a script (stderr not a terminal) it prints nothing
 * but its result, and a refusal stays one line.
 */
#include <string.h>

#include "cli_run.h"
#include "daemon_harness.h"

static void test_prealloc_is_quiet_in_scripts(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    const char *s = daemon->socket_path;

    g_auto(CliRun) created = run_cli(NULL, "-s", s, "create-backend", "--type", "ram",
                                     "--share", "off", "--prealloc", "--size", "64M", NULL);
    g_assert_cmpint(created.status, ==, 0);
    g_assert_cmpstr(created.out, ==, "mem0\n");
    g_assert_cmpstr(created.err, ==, "");
    g_auto(CliRun) listed = run_cli(NULL, "-s", s, "list", "-B", NULL);
    g_assert_nonnull(strstr(listed.out, "mem0     64 MiB  no     yes"));

    /* Too big to fit: the daemon's refusal, in one line. */
    g_auto(CliRun) refused = run_cli(NULL, "-s", s, "create-backend", "--type", "ram",
                                     "--share", "off", "--prealloc", "--size", "1E", NULL);
    g_assert_cmpint(refused.status, ==, 1);
    g_assert_true(g_str_has_prefix(refused.err, "tagmem: create-backend: memory backend 'mem1'"));
    g_assert_true(strchr(refused.err, '\n') == refused.err + strlen(refused.err) - 1);
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cli-progress/prealloc-is-quiet-in-scripts",
                    test_prealloc_is_quiet_in_scripts);
    return g_test_run();
}
