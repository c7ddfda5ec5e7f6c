/*
 * The operator verbs against the real daemon: create-backend (with --tag
 * auto), add-capacity (free, prescriptive, --shared-with), status,
 * release-capacity, destroy-backend, monitor (events from another
 * process's actions, and the daemon stopping), --verbose showing the QMP,
 * and the bad input each must refuse with one line naming what was wrong.
 */
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_run.h"
#include "daemon_harness.h"

static char *first_line(const char *text)
{
    const char *end = strchr(text, '\n');

    return g_strndup(text, end ? (gsize)(end - text) : strlen(text));
}

static void expect_ok(CliRun *run)
{
    if (run->status != 0) {
        g_error("tagmem failed: %s", run->err);
    }
}

static void expect_refusal(CliRun *run, const char *fragment)
{
    g_assert_cmpint(run->status, ==, 1);
    if (strstr(run->err, fragment) == NULL) {
        g_error("expected '%s' in: %s", fragment, run->err);
    }
    /* One line, no JSON. */
    g_assert_null(strchr(run->err, '{'));
    g_assert_true(strchr(run->err, '\n') == run->err + strlen(run->err) - 1);
}

static void test_capacity_verbs(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    const char *s = daemon->socket_path;

    g_auto(CliRun) created = run_cli(NULL, "-s", s, "create-backend", "--size", "8M", "--tag",
                                     "auto", "-v", NULL);
    expect_ok(&created);
    g_autofree char *id = first_line(created.out);
    g_assert_cmpstr(id, ==, "mem0");
    g_autofree char *tag = g_strstrip(g_strdup(created.out + strlen("mem0\n")));
    g_assert_true(g_uuid_string_is_valid(tag));
    g_assert_nonnull(strstr(created.err, "-> {\"execute\":\"object-add\""));
    g_assert_nonnull(strstr(created.err, tag));

    g_auto(CliRun) add = run_cli(NULL, "-s", s, "add-capacity", "--host", "0", "--region", "1",
                                 "--size", "4M", "--tag", tag, NULL);
    expect_ok(&add);
    g_assert_cmpstr(add.out, ==, "");
    g_auto(CliRun) shared = run_cli(NULL, "-s", s, "add-capacity", "--tag", tag,
                                    "--shared-with", "1", "-v", NULL);
    expect_ok(&shared);
    g_assert_nonnull(strstr(shared.err, "\"selection-policy\":\"enable-shared-access\""));
    g_assert_nonnull(strstr(shared.err, "\"region\":1"));

    g_auto(CliRun) status = run_cli(NULL, "-s", s, "status", tag, NULL);
    expect_ok(&status);
    g_assert_cmpstr(status.out, ==, "HOST  STATUS   REFERENCED\n"
                                    "0     Pending  no\n"
                                    "1     Pending  no\n");
    g_auto(CliRun) status_json = run_cli(NULL, "-s", s, "status", tag, "--json", NULL);
    expect_ok(&status_json);
    json_object *parsed = json_tokener_parse(status_json.out);
    g_assert_cmpuint(json_object_array_length(parsed), ==, 2);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(
                        json_object_array_get_idx(parsed, 1), "status")), ==, "Pending");
    json_object_put(parsed);

    /* Prescriptive, untagged capacity needs a static memdev: the daemon's own words. */
    g_auto(CliRun) untagged = run_cli(NULL, "-s", s, "add-capacity", "--host", "1",
                                      "--extent", "0:2M", NULL);
    g_assert_cmpint(untagged.status, ==, 1);
    g_assert_true(g_str_has_prefix(untagged.err, "tagmem: add-capacity: "));

    /* Pending capacity cannot be released: refused with QEMU's message. */
    g_auto(CliRun) release = run_cli(NULL, "-s", s, "release-capacity", "--host", "0", "--tag",
                                     tag, "--force", NULL);
    expect_refusal(&release, "release-capacity: cannot release extent with pending DPA range");

    g_auto(CliRun) busy = run_cli(NULL, "-s", s, "destroy-backend", "mem0", NULL);
    g_assert_cmpint(busy.status, ==, 1);
    g_assert_true(g_str_has_prefix(busy.err, "tagmem: destroy-backend: "));
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

static void test_bad_input(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    const char *s = daemon->socket_path;
    static const char *const cases[][8] = {
        { "add-capacity", "--host", "0", "--size", "3X", NULL, "got '3X'" },
        { "add-capacity", "--host", "0", "--size", "2M", "--tag", "xyz",
          "Parameter '--tag' expects a GUID" },
        { "add-capacity", "--host", "9", "--size", "2M", NULL, NULL,
          "host-id 9 is out of range: device 'dcd0' has 2 hosts" },
        { "add-capacity", "--device", "nope", "--host", "0", "--size", "2M",
          "--device 'nope': no such device (devices: dcd0)" },
        { "add-capacity", "--size", "2M", NULL, NULL, NULL, NULL, "--host is required" },
        { "add-capacity", "--host", "0", "--extent", "2M", NULL, NULL,
          "--extent '2M': expected OFFSET:LEN" },
        { "release-capacity", "--host", "0", NULL, NULL, NULL, NULL,
          "give --tag (its whole allocation) or --extent OFFSET:LEN" },
        { "status", "0123abcd-0000-4000-8000-00000000000a", NULL, NULL, NULL, NULL, NULL,
          "tag 0123abcd-0000-4000-8000-00000000000a has never been used on device 'dcd0'" },
        { "create-backend", "--type", "disk", "--size", "1M", NULL, NULL,
          "--type 'disk': expected memfd, ram or file" },
        { "create-backend", NULL, NULL, NULL, NULL, NULL, NULL, "--size is required" },
        { "destroy-backend", "mem7", NULL, NULL, NULL, NULL, NULL, "object 'mem7' not found" },
        { "monitor", "--count", "-1", NULL, NULL, NULL, NULL, "--count -1" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char *args[10] = { "-s", s };
        size_t n = 2;

        for (size_t a = 0; a < 7 && cases[i][a]; a++) {
            args[n++] = cases[i][a];
        }
        args[n] = NULL;
        g_auto(CliRun) run = run_cli_argv(NULL, args);
        expect_refusal(&run, cases[i][7] ? cases[i][7] : cases[i][6]);
    }
    /* Nothing was created by any of them. */
    g_auto(CliRun) backends = run_cli(NULL, "-s", s, "qmp", "query-memdev", NULL);
    g_assert_cmpstr(g_strstrip(backends.out), ==, "[]");

    g_auto(CliRun) typo = run_cli(NULL, "-s", s, "add-capcity", NULL);
    g_assert_cmpint(typo.status, ==, 1);
    g_assert_nonnull(strstr(typo.err, "did you mean 'add-capacity'?"));
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);

    g_auto(CliRun) gone = run_cli(NULL, "-s", s, "add-capacity", "--host", "0", "--size", "2M",
                                  NULL);
    g_assert_cmpint(gone.status, ==, 1);
    g_assert_nonnull(strstr(gone.err, s));
    g_assert_nonnull(strstr(gone.err, "start it with 'tagmemd'"));
}

/* One event for the monitor: capacity offered to host 1, then withdrawn. */
static void offer_and_withdraw(const char *socket, const char *tag)
{
    g_auto(CliRun) add = run_cli(NULL, "-s", socket, "add-capacity", "--host", "1", "--size",
                                 "2M", "--tag", tag, NULL);
    expect_ok(&add);
    g_autofree char *withdraw_args = g_strdup_printf("{\"path\": \"dcd0\", \"host-id\": 1, "
                                                     "\"tag\": \"%s\"}", tag);
    g_auto(CliRun) withdraw = run_cli(NULL, "-s", socket, "qmp", "cxl-withdraw-dynamic-capacity",
                                      withdraw_args, NULL);
    expect_ok(&withdraw);
}

/*
 * monitor sees what another process does, and ends cleanly when the
 * daemon stops.  Until the monitor is connected its events are lost, so
 * events are made until its first line arrives.
 */
static void test_monitor(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    const char *s = daemon->socket_path;
    g_autoptr(GError) err = NULL;
    const char *argv[] = { cli_path(), "-s", s, "monitor", NULL };
    g_autoptr(GString) out = g_string_new(NULL);
    int out_fd, err_fd;
    GPid pid;

    g_auto(CliRun) created = run_cli(NULL, "-s", s, "create-backend", "--size", "2M", "--tag",
                                     "auto", NULL);
    expect_ok(&created);
    g_autofree char *tag = g_strstrip(g_strdup(strchr(created.out, '\n') + 1));
    g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &pid, NULL, &out_fd, &err_fd, &err));
    g_assert_no_error(err);
    for (int round = 0; round < 100 && out->len == 0; round++) {
        struct pollfd pfd = { .fd = out_fd, .events = POLLIN };
        char buffer[4096];

        offer_and_withdraw(s, tag);
        if (poll(&pfd, 1, 200) > 0) {
            ssize_t n = read(out_fd, buffer, sizeof(buffer));
            g_assert_cmpint(n, >, 0);
            g_string_append_len(out, buffer, n);
        }
    }
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);

    int wait_status;
    g_assert_cmpint(waitpid(pid, &wait_status, 0), ==, pid);
    g_assert_true(WIFEXITED(wait_status));
    g_assert_cmpint(WEXITSTATUS(wait_status), ==, 0);
    char errors[1024] = { 0 };
    g_assert_cmpint(read(err_fd, errors, sizeof(errors) - 1), >, 0);
    close(out_fd);
    close(err_fd);
    g_autofree char *expected = g_strdup_printf(
        " CXL_DC_CAPACITY_WITHDRAWN dcd0 host 1: 0x0+2 MiB tag %s\n", tag);
    if (strstr(out->str, expected) == NULL) {
        g_error("monitor printed:\n%s\nexpected a line ending in:\n%s", out->str, expected);
    }
    g_assert_nonnull(strstr(errors, "tagmem: monitor: tagmemd stopped"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/integration/cli-verbs/capacity", test_capacity_verbs);
    g_test_add_func("/integration/cli-verbs/bad-input", test_bad_input);
    g_test_add_func("/integration/cli-verbs/monitor", test_monitor);
    return g_test_run();
}
