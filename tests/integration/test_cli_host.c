/*
 * The tagmem CLI's host subcommands against the real daemon (its default
 * device: two hosts, region 1 sharable): host-agent processes that accept,
 * reject and release capacity and print one line per event, host-write and
 * host-read processes that reach a tagged allocation through the direct
 * alias (or by DPA when the backend cannot be shared), and their refusals
 * of bad options.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

#include "cli_run.h"
#include "daemon_harness.h"

#define TAG "0b5e6c1c-8d2f-4a3b-9c4d-5e6f7a8b9c0d"
#define TAG_B "7f3a9d52-1c4e-4b8a-a6f0-2d9e8c7b6a51"
#define NULL_TAG "00000000-0000-0000-0000-000000000000"
#define LINE_TIMEOUT_MS 15000
/* Region 1 of the default device starts at 16 GiB. */
#define REGION1_DPA "0x400000000"

/* ---- a host-agent process ---- */

typedef struct {
    GPid pid;
    int out_fd;
    GString *out;      /* everything it printed */
    gsize scanned;     /* lines before this offset were matched already */
    bool reaped;
    int wait_status;
} Agent;

static Agent *agent_start(char **envp, const char *const *args)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GError) err = NULL;
    Agent *agent = g_new0(Agent, 1);

    g_ptr_array_add(argv, (gpointer)cli_path());
    g_ptr_array_add(argv, "host-agent");
    for (size_t i = 0; args[i] != NULL; i++) {
        g_ptr_array_add(argv, (gpointer)args[i]);
    }
    g_ptr_array_add(argv, NULL);
    g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv->pdata, envp,
                                           G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &agent->pid,
                                           NULL, &agent->out_fd, NULL, &err));
    g_assert_no_error(err);
    agent->out = g_string_new(NULL);
    return agent;
}

/* Read what the agent printed, waiting up to @timeout_ms; false at EOF. */
static bool agent_read(Agent *agent, int timeout_ms)
{
    struct pollfd pfd = { .fd = agent->out_fd, .events = POLLIN };
    char buffer[4096];

    if (poll(&pfd, 1, timeout_ms) <= 0) {
        return true;
    }
    ssize_t n = read(agent->out_fd, buffer, sizeof(buffer));
    if (n <= 0) {
        return false;
    }
    g_string_append_len(agent->out, buffer, n);
    return true;
}

/* The next whole line (after those matched before) that starts with @prefix. */
static char *agent_wait_line(Agent *agent, const char *prefix)
{
    gint64 deadline = g_get_monotonic_time() + LINE_TIMEOUT_MS * 1000;

    for (;;) {
        const char *start = agent->out->str + agent->scanned;
        const char *newline;
        while ((newline = strchr(start, '\n')) != NULL) {
            if (g_str_has_prefix(start, prefix)) {
                agent->scanned = (gsize)(newline + 1 - agent->out->str);
                return g_strndup(start, (gsize)(newline - start));
            }
            start = newline + 1;
        }
        gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
        if (left_ms <= 0 || !agent_read(agent, (int)left_ms)) {
            g_error("no line starting with '%s' from host-agent; it printed:\n%s", prefix,
                    agent->out->str);
        }
    }
}

/* Send @signo, read to EOF and return the exit status. */
static int agent_stop(Agent *agent, int signo)
{
    kill(agent->pid, signo);
    while (agent_read(agent, LINE_TIMEOUT_MS)) {
    }
    g_assert_cmpint(waitpid(agent->pid, &agent->wait_status, 0), ==, agent->pid);
    agent->reaped = true;
    g_assert_true(WIFEXITED(agent->wait_status));
    return WEXITSTATUS(agent->wait_status);
}

static void agent_free(Agent *agent)
{
    if (!agent->reaped) {
        kill(agent->pid, SIGKILL);
        waitpid(agent->pid, NULL, 0);
    }
    close(agent->out_fd);
    g_spawn_close_pid(agent->pid);
    g_string_free(agent->out, TRUE);
    g_free(agent);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Agent, agent_free)

/* ---- QMP ---- */

static void qmp_ok(TmQmpConn *client, const char *command, const char *arguments)
{
    json_object *reply = tm_test_execute(client, command, arguments);

    tm_test_assert_return(reply);
    json_object_put(reply);
}

static void add_memfd(TmQmpConn *client, const char *id, const char *size, const char *tag)
{
    g_autofree char *arguments = g_strdup_printf(
        "{\"qom-type\": \"memory-backend-memfd\", \"id\": \"%s\", \"size\": %s, \"tag\": \"%s\"}",
        id, size, tag);
    qmp_ok(client, "object-add", arguments);
}

/* Add @len bytes of @tag to @host in region 1 at offset 0 (prescriptive). */
static void add_capacity(TmQmpConn *client, int host, const char *tag, const char *extents)
{
    g_autofree char *arguments = g_strdup_printf(
        "{\"path\": \"dcd0\", \"host-id\": %d, \"selection-policy\": \"prescriptive\","
        " \"region\": 1, \"tag\": \"%s\", \"extents\": %s}", host, tag, extents);
    qmp_ok(client, "cxl-add-dynamic-capacity", arguments);
}

static void share_with(TmQmpConn *client, int host, const char *tag)
{
    g_autofree char *arguments = g_strdup_printf(
        "{\"path\": \"dcd0\", \"host-id\": %d, \"selection-policy\": \"enable-shared-access\","
        " \"region\": 1, \"tag\": \"%s\", \"extents\": []}", host, tag);
    qmp_ok(client, "cxl-add-dynamic-capacity", arguments);
}

static void release_tag(TmQmpConn *client, int host, const char *tag)
{
    g_autofree char *arguments = g_strdup_printf(
        "{\"path\": \"dcd0\", \"host-id\": %d, \"removal-policy\": \"tag-based\","
        " \"sanitize-on-release\": true, \"region\": 1, \"tag\": \"%s\", \"extents\": []}",
        host, tag);
    qmp_ok(client, "cxl-release-dynamic-capacity", arguments);
}

static void assert_tag_status(TmQmpConn *client, int host, const char *tag, const char *status)
{
    g_autofree char *arguments = g_strdup_printf(
        "{\"path\": \"dcd0\", \"host-id\": %d, \"region\": 1, \"tag\": \"%s\"}", host, tag);
    json_object *reply = tm_test_execute(client, "cxl-release-dynamic-capacity-status", arguments);
    json_object *value = tm_test_assert_return(reply);

    g_assert_cmpstr(json_object_get_string(json_object_object_get(value, "status")), ==, status);
    json_object_put(reply);
}

static char *host_socket(const TmTestDaemon *daemon, int host)
{
    g_autofree char *name = g_strdup_printf("host%d.sock", host);
    return g_build_filename(daemon->dir, "tagmem", name, NULL);
}

/* ---- tests ---- */

/*
 * The demo's scenario: host 0 accepts a tag, host 1 shares it, a message
 * written by one process is read by another, sanitized releases, zeros.
 * Every CLI process finds its socket by the default path (XDG_RUNTIME_DIR).
 */
static void test_shared_tag(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);
    g_auto(GStrv) envp = g_environ_setenv(g_get_environ(), "XDG_RUNTIME_DIR", daemon->dir, TRUE);
    static const char *const host0[] = { "--host", "0", NULL };
    static const char *const host1[] = { "--host", "1", NULL };
    g_autoptr(Agent) agent0 = agent_start(envp, host0);
    g_autoptr(Agent) agent1 = agent_start(envp, host1);
    g_autofree char *socket0 = host_socket(daemon, 0);
    const char *accepted0 = "accepted host=0 dpa=" REGION1_DPA " len=0x400000 tag=" TAG " seq=0";
    const char *accepted1 = "accepted host=1 dpa=" REGION1_DPA " len=0x400000 tag=" TAG " seq=0";

    g_autofree char *ready = agent_wait_line(agent0, "ready ");
    g_autofree char *expected_ready =
        g_strdup_printf("ready host=0 socket=%s policy=linux seq-base=0 held=0", socket0);
    g_assert_cmpstr(ready, ==, expected_ready);
    g_free(agent_wait_line(agent1, "ready host=1 "));

    add_memfd(client, "mem0", "4194304", TAG);
    add_capacity(client, 0, TAG, "[{\"offset\": 0, \"len\": 4194304}]");
    g_autofree char *line0 = agent_wait_line(agent0, "accepted ");
    g_assert_cmpstr(line0, ==, accepted0);
    assert_tag_status(client, 0, TAG, "Committed");
    share_with(client, 1, TAG);
    g_autofree char *line1 = agent_wait_line(agent1, "accepted ");
    g_assert_cmpstr(line1, ==, accepted1);

    /* One process writes through host 0's alias, another reads through host 1's. */
    g_auto(CliRun) wrote = run_cli(envp, "host-write", "--host", "0", "--tag", TAG,
                                   "--offset", "2M", "--data", "shared bytes", NULL);
    g_assert_cmpint(wrote.status, ==, 0);
    g_assert_cmpstr(wrote.out, ==,
                    "wrote 12 bytes at offset 0x200000 of tag " TAG " (host 0, direct alias)\n");
    g_auto(CliRun) read1 = run_cli(envp, "host-read", "--host", "1", "--tag", TAG,
                                   "--offset", "0x200000", "--length", "12", NULL);
    g_assert_cmpint(read1.status, ==, 0);
    g_assert_cmpstr(read1.out, ==, "shared bytes");
    g_auto(CliRun) hex = run_cli(envp, "host-read", "--host", "1", "--tag", TAG,
                                 "--offset", "2M", "--length", "3", "--hex", NULL);
    g_assert_cmpstr(hex.out, ==, "736861\n"); /* "sha" */

    /* Host 0 lets go; host 1 still holds the bytes, so nothing is zeroed yet. */
    release_tag(client, 0, TAG);
    g_autofree char *released0 = agent_wait_line(agent0, "released ");
    g_assert_cmpstr(released0, ==,
                    "released host=0 dpa=" REGION1_DPA " len=0x400000 tag=" TAG " seq=0");
    assert_tag_status(client, 0, TAG, "Released");
    g_auto(CliRun) still = run_cli(envp, "host-read", "--host", "1", "--tag", TAG,
                                   "--offset", "2M", "--length", "12", NULL);
    g_assert_cmpstr(still.out, ==, "shared bytes");

    /* The last holder lets go with sanitize: the next owner reads zeros. */
    release_tag(client, 1, TAG);
    g_free(agent_wait_line(agent1, "released host=1 dpa=" REGION1_DPA));
    assert_tag_status(client, 1, TAG, "Released");
    add_capacity(client, 0, TAG, "[{\"offset\": 0, \"len\": 4194304}]");
    g_autofree char *again = agent_wait_line(agent0, "accepted ");
    g_assert_cmpstr(again, ==, accepted0);
    g_auto(CliRun) zeros = run_cli(envp, "host-read", "--host", "0", "--tag", TAG,
                                   "--offset", "2M", "--length", "12", "--hex", NULL);
    g_assert_cmpint(zeros.status, ==, 0);
    g_assert_cmpstr(zeros.out, ==, "000000000000000000000000\n");

    g_assert_cmpint(agent_stop(agent0, SIGTERM), ==, 0);
    g_autofree char *stopped = agent_wait_line(agent0, "stopped ");
    g_assert_cmpstr(stopped, ==, "stopped host=0 reason=SIGTERM");
    g_assert_cmpint(agent_stop(agent1, SIGINT), ==, 0);
    g_free(agent_wait_line(agent1, "stopped host=1 reason=SIGINT"));
    /* An agent keeps what its host holds when it exits. */
    assert_tag_status(client, 0, TAG, "Committed");
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

/* --policy, --seq-base, --once, --duration and --release-on-exit. */
static void test_agent_options(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);
    g_autofree char *socket0 = host_socket(daemon, 0);
    const char *reject_args[] = { "--host", "0", "--socket", socket0, "--policy", "reject-all",
                                  NULL };
    const char *seq_args[] = { "--host", "0", "--socket", socket0, "--seq-base", "1", NULL };
    const char *exit_args[] = { "--host", "0", "--socket", socket0, "--release-on-exit", NULL };

    add_memfd(client, "mem0", "4194304", TAG);
    add_memfd(client, "mem1", "4194304", TAG_B);

    g_autoptr(Agent) rejecting = agent_start(NULL, reject_args);
    g_free(agent_wait_line(rejecting, "ready host=0 "));
    add_capacity(client, 0, TAG, "[{\"offset\": 0, \"len\": 4194304}]");
    g_autofree char *rejected = agent_wait_line(rejecting, "rejected ");
    g_assert_true(g_str_has_prefix(rejected, "rejected host=0 dpa=" REGION1_DPA " len=0x400000 "
                                             "tag=" TAG " seq=0 reason=\""));
    g_assert_cmpint(agent_stop(rejecting, SIGTERM), ==, 0);

    /* Two extents numbered 0, 1: dense from 0, not from 1 (Linux v11 rules). */
    g_autoptr(Agent) base1 = agent_start(NULL, seq_args);
    g_free(agent_wait_line(base1, "ready host=0 "));
    add_capacity(client, 0, TAG_B,
                 "[{\"offset\": 8388608, \"len\": 2097152}, {\"offset\": 16777216, \"len\": 2097152}]");
    g_free(agent_wait_line(base1, "rejected host=0 dpa=0x400800000 len=0x200000 tag=" TAG_B
                                  " seq=0 reason=\""));
    g_free(agent_wait_line(base1, "rejected host=0 dpa=0x401000000 len=0x200000 tag=" TAG_B
                                  " seq=1 reason=\""));
    g_assert_cmpint(agent_stop(base1, SIGTERM), ==, 0);

    /* --once answers what is logged and exits; base 0 takes both extents. */
    add_capacity(client, 0, TAG_B,
                 "[{\"offset\": 8388608, \"len\": 2097152}, {\"offset\": 16777216, \"len\": 2097152}]");
    g_auto(CliRun) once = run_cli(NULL, "host-agent", "--host", "0", "--socket", socket0, "--once",
                                  NULL);
    g_assert_cmpint(once.status, ==, 0);
    g_assert_nonnull(strstr(once.out, "accepted host=0 dpa=0x400800000 len=0x200000 tag=" TAG_B
                                      " seq=0\n"));
    g_assert_nonnull(strstr(once.out, "accepted host=0 dpa=0x401000000 len=0x200000 tag=" TAG_B
                                      " seq=1\n"));
    g_assert_true(g_str_has_suffix(once.out, "stopped host=0 reason=once\n"));

    /* --duration: held capacity is reported at connect, then the time runs out. */
    g_auto(CliRun) timed = run_cli(NULL, "host-agent", "--host", "0", "--socket", socket0,
                                   "--duration", "0.2", NULL);
    g_assert_cmpint(timed.status, ==, 0);
    g_assert_nonnull(strstr(timed.out, " held=2\n"));
    g_assert_true(g_str_has_suffix(timed.out, "stopped host=0 reason=duration\n"));
    assert_tag_status(client, 0, TAG_B, "Committed");

    /* --release-on-exit gives the tag group back. */
    g_autoptr(Agent) releasing = agent_start(NULL, exit_args);
    g_free(agent_wait_line(releasing, "ready host=0 "));
    g_assert_cmpint(agent_stop(releasing, SIGTERM), ==, 0);
    g_free(agent_wait_line(releasing, "released host=0 dpa=0x400800000 len=0x200000"));
    g_free(agent_wait_line(releasing, "released host=0 dpa=0x401000000 len=0x200000"));
    g_free(agent_wait_line(releasing, "stopped host=0 reason=SIGTERM"));
    assert_tag_status(client, 0, TAG_B, "Released");

    /* The daemon goes away for good (no reconnecting): the agent says so and fails. */
    const char *orphan_args[] = { "--host", "0", "--socket", socket0, "--reconnect", "0", NULL };
    g_autoptr(Agent) orphan = agent_start(NULL, orphan_args);
    g_free(agent_wait_line(orphan, "ready host=0 "));
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
    g_free(agent_wait_line(orphan, "stopped host=0 reason=disconnected"));
    g_assert_cmpint(agent_stop(orphan, 0), ==, 1);
}

/*
 * A private backend (share=off) cannot be mapped: host-write and host-read
 * go by DPA.  Neither has an agent: each accepts the offered capacity.
 */
static void test_slow_path(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);
    g_autofree char *socket0 = host_socket(daemon, 0);

    qmp_ok(client, "object-add",
           "{\"qom-type\": \"memory-backend-ram\", \"id\": \"private\", \"size\": 4194304,"
           " \"share\": false, \"tag\": \"" TAG "\"}");
    /* Two extents: the bytes at 2 MiB - 2 straddle them. */
    add_capacity(client, 0, TAG,
                 "[{\"offset\": 0, \"len\": 2097152}, {\"offset\": 6291456, \"len\": 2097152}]");
    g_auto(CliRun) wrote = run_cli(NULL, "host-write", "--host", "0", "--socket", socket0, "--tag",
                                   TAG, "--offset", "2097150", "--data", "span", NULL);
    g_assert_cmpint(wrote.status, ==, 0);
    g_assert_cmpstr(wrote.out, ==,
                    "wrote 4 bytes at offset 0x1ffffe of tag " TAG " (host 0, by DPA)\n");
    g_auto(CliRun) read = run_cli(NULL, "host-read", "--host", "0", "--socket", socket0, "--tag",
                                  TAG, "--offset", "2097150", "--length", "4", NULL);
    g_assert_cmpint(read.status, ==, 0);
    g_assert_cmpstr(read.out, ==, "span");
    assert_tag_status(client, 0, TAG, "Committed");
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

typedef struct {
    const char *args[14];
    const char *fragment;
} BadCase;

static void check_bad_cases(const BadCase *cases, size_t n, const char *socket0)
{
    for (size_t i = 0; i < n; i++) {
        g_autoptr(GPtrArray) args = g_ptr_array_new();
        for (size_t a = 0; cases[i].args[a] != NULL; a++) {
            const char *arg = cases[i].args[a];
            g_ptr_array_add(args, (gpointer)(strcmp(arg, "SOCKET") == 0 ? socket0 : arg));
        }
        g_ptr_array_add(args, NULL);
        g_auto(CliRun) run = run_cli_argv(NULL, (const char *const *)args->pdata);
        if (run.status != 1 || strstr(run.err, cases[i].fragment) == NULL) {
            g_error("case %zu (%s ...): exit %d, stderr '%s', expected '%s'", i,
                    cases[i].args[0], run.status, run.err, cases[i].fragment);
        }
        g_assert_cmpstr(run.out, ==, "");
    }
}

static void test_bad_options(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);
    g_autofree char *socket0 = host_socket(daemon, 0);
    static const BadCase cases[] = {
        { { "host-agent", NULL }, "--host N is required" },
        { { "host-agent", "--host", "-2", NULL }, "--host: expected a host id from 0 to 255, got -2" },
        { { "host-agent", "--host", "256", NULL }, "got 256" },
        { { "host-agent", "--host", "x", NULL }, "Cannot parse integer value" },
        { { "host-agent", "--host", "0", "--policy", "sometimes", NULL },
          "--policy: expected linux, accept-all or reject-all, got 'sometimes'" },
        { { "host-agent", "--host", "0", "--seq-base", "2", NULL },
          "--seq-base: expected 0 or 1, got 2" },
        { { "host-agent", "--host", "0", "--once", "--duration", "1", NULL },
          "--once answers the event log as it is and exits" },
        { { "host-agent", "--host", "0", "--duration", "-1", NULL },
          "--duration: expected a number of seconds >= 0, got -1" },
        { { "host-agent", "--host", "0", "extra", NULL }, "takes no arguments, got 'extra'" },
        { { "host-agent", "--bogus", NULL }, "Unknown option --bogus" },
        { { "--socket", "/x", "host-agent", "--host", "0", NULL },
          "--socket before 'host-agent' is the QMP socket" },
        { { "host-agent", "--host", "1", "--socket", "/nonexistent/host1.sock", NULL },
          "host 1: " },
        { { "host-read", "--host", "0", "--tag", "xyz", "--length", "1", NULL },
          "Parameter '--tag' expects a GUID (8-4-4-4-12 hex digits), got 'xyz'" },
        { { "host-read", "--host", "0", "--tag", NULL_TAG, "--length", "1", NULL },
          "--tag: the null GUID means untagged" },
        { { "host-read", "--host", "0", "--tag", TAG, NULL }, "--length LENGTH is required" },
        { { "host-read", "--host", "0", "--tag", TAG, "--length", "ten", NULL },
          "Parameter '--length' expects a size" },
        { { "host-read", "--host", "0", "--tag", TAG, "--length", "1", "--offset", "-1", NULL },
          "Parameter '--offset' expects a size" },
        { { "host-read", "--host", "0", "--tag", TAG, "--length", "1", "--timeout", "-1", NULL },
          "--timeout: expected a number of seconds >= 0, got -1" },
        { { "host-write", "--host", "0", "--tag", TAG, NULL }, "--data TEXT is required" },
        { { "host-write", "--host", "0", "--data", "x", NULL }, "--tag UUID is required" },
        { { "host-write", "--host", "0", "--tag", TAG, "--data", "x", "more", NULL },
          "host-write takes no arguments, got 'more'" },
        /* These reach the daemon: host 0 holds 2 MiB of TAG, nothing of TAG_B. */
        { { "host-read", "--host", "0", "--socket", "SOCKET", "--tag", TAG_B, "--length", "1",
            "--timeout", "0.2", NULL },
          "host 0 holds no capacity with tag " TAG_B " (waited 0.2 s)" },
        { { "host-read", "--host", "0", "--socket", "SOCKET", "--tag", TAG, "--length", "2",
            "--offset", "2097151", NULL },
          "--offset 0x1fffff and length 0x2 do not fit in the allocation of tag " TAG
          " (0x200000 bytes)" },
        { { "host-read", "--host", "0", "--socket", "SOCKET", "--tag", TAG, "--length", "0",
            NULL },
          "length is 0" },
        { { "host-write", "--host", "0", "--socket", "SOCKET", "--tag", TAG, "--offset", "2M",
            "--data", "x", NULL },
          "--offset 0x200000 and length 0x1 do not fit" },
    };

    add_memfd(client, "mem0", "2097152", TAG);
    add_capacity(client, 0, TAG, "[{\"offset\": 0, \"len\": 2097152}]");
    g_auto(CliRun) once = run_cli(NULL, "host-agent", "--host", "0", "--socket", socket0, "--once",
                                  NULL);
    g_assert_cmpint(once.status, ==, 0);
    check_bad_cases(cases, G_N_ELEMENTS(cases), socket0);
    /* Nothing above changed what host 0 holds. */
    assert_tag_status(client, 0, TAG, "Committed");
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

/*
 * Device events reach a host-agent as lines: a media error in tagged
 * capacity the host holds names the tag and the offset within the tagged
 * allocation (extents back to back in shared-sequence order), one outside
 * it says none, and a memory module event has no DPA.
 */
static void test_device_events(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);
    g_auto(GStrv) envp = g_environ_setenv(g_get_environ(), "XDG_RUNTIME_DIR", daemon->dir, TRUE);
    static const char *const host0[] = { "--host", "0", NULL };
    g_autoptr(Agent) agent = agent_start(envp, host0);

    g_free(agent_wait_line(agent, "ready "));
    add_memfd(client, "mem0", "4194304", TAG);
    /* Two extents 8 MiB apart: the second one's DPA is 2 MiB into the allocation. */
    add_capacity(client, 0, TAG,
                 "[{\"offset\": 0, \"len\": 2097152}, {\"offset\": 8388608, \"len\": 2097152}]");
    g_free(agent_wait_line(agent, "accepted "));
    g_free(agent_wait_line(agent, "accepted "));

    /* Region 1 + 8 MiB + 0x1040, with the Volatile flag in bit 0 of the address. */
    qmp_ok(client, "cxl-inject-general-media-event",
           "{\"path\": \"dcd0\", \"log\": \"warning\", \"flags\": 1,"
           " \"dpa\": 17188261953, \"descriptor\": 1, \"type\": 0, \"transaction-type\": 0}");
    g_autofree char *media = agent_wait_line(agent, "device-event ");
    g_assert_cmpstr(media, ==,
                    "device-event host=0 log=warning type=general-media event-type=0x00 "
                    "severity=warning dpa=0x400801040 tag=" TAG " offset=0x201040");
    qmp_ok(client, "cxl-inject-dram-event",
           "{\"path\": \"dcd0\", \"log\": \"failure\", \"flags\": 2, \"dpa\": 4096,"
           " \"descriptor\": 1, \"type\": 1, \"transaction-type\": 0}");
    g_autofree char *dram = agent_wait_line(agent, "device-event ");
    g_assert_cmpstr(dram, ==,
                    "device-event host=0 log=failure type=dram event-type=0x01 severity=failure "
                    "dpa=0x1000 tag=none offset=none");
    qmp_ok(client, "cxl-inject-memory-module-event",
           "{\"path\": \"dcd0\", \"log\": \"informational\", \"flags\": 0, \"type\": 3,"
           " \"health-status\": 0, \"media-status\": 0, \"additional-status\": 0,"
           " \"life-used\": 1, \"temperature\": 40, \"dirty-shutdown-count\": 0,"
           " \"corrected-volatile-error-count\": 0, \"corrected-persistent-error-count\": 0}");
    g_autofree char *module = agent_wait_line(agent, "device-event ");
    g_assert_cmpstr(module, ==,
                    "device-event host=0 log=informational type=memory-module event-type=0x03 "
                    "severity=informational dpa=none tag=none offset=none");
    g_assert_cmpint(agent_stop(agent, SIGTERM), ==, 0);

    /* tagmem list --health shows the device's health as the last module event left it. */
    g_auto(CliRun) health = run_cli(envp, "--socket", daemon->socket_path, "list", "--health",
                                    "--json", NULL);
    g_assert_cmpint(health.status, ==, 0);
    json_object *records = json_tokener_parse(health.out);
    g_assert_cmpuint(json_object_array_length(records), ==, 1);
    json_object *record = json_object_array_get_idx(records, 0);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(record, "device")), ==, "dcd0");
    g_assert_cmpint(json_object_get_int(json_object_object_get(record, "temperature")), ==, 40);
    g_assert_cmpint(json_object_get_int(json_object_object_get(record, "life_used")), ==, 1);
    json_object_put(records);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/integration/cli-host/shared-tag", test_shared_tag);
    g_test_add_func("/integration/cli-host/agent-options", test_agent_options);
    g_test_add_func("/integration/cli-host/slow-path", test_slow_path);
    g_test_add_func("/integration/cli-host/bad-options", test_bad_options);
    g_test_add_func("/integration/cli-host/device-events", test_device_events);
    return g_test_run();
}
