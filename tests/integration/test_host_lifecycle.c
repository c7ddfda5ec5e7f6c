/*
 * Host processes come and go, the daemon too: a host process killed with
 * SIGKILL while it has capacity mapped, 64 host processes at once, and
 * SIGTERM to the daemon while host processes are connected.  Hosts are
 * tagmem-test-host-agent processes using libtagmem.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>

#include "e2e_daemon.h"
#include "host_agent_client.h"

#define TAG_A "5a9e0000-0000-4000-8000-00000000000a"
#define WAIT_MS "10000"
#define N_HOSTS 64

/* dcd0: two 256 MiB regions over memfd dc0, two hosts; TAG_A 8 MiB. */
static const char *const two_host_daemon[] = {
    "-object", "memory-backend-memfd,id=dc0,size=512M",
    "-object", "memory-backend-memfd,id=ta,size=8M,tag=" TAG_A,
    "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=2,num-hosts=2",
    NULL,
};

static void assert_tag_peek(TmAgent *agent, const char *offset, const char *text)
{
    g_autofree char *hex = tm_agent_hex(text);

    g_assert_cmpstr(tm_agent_ok(agent, "tag-peek " TAG_A " %s %zu", offset, strlen(text)), ==,
                    hex);
}

/*
 * SIGKILL while mapped: the device keeps the capacity the host's; a new
 * process of the host maps it with its data, also takes what was offered
 * meanwhile, and can give it all back.
 */
static void test_host_killed(void)
{
    TmE2e e2e;

    tm_e2e_start(&e2e, two_host_daemon);
    g_autofree char *socket = tm_e2e_host_socket(&e2e, 0);
    g_autoptr(TmAgent) victim = tm_agent_start();
    tm_agent_ok(victim, "connect %s", socket);
    tm_e2e_add(&e2e, 0, 0, TAG_A, "0:4M 8M:4M");
    tm_agent_ok(victim, "await 2 " WAIT_MS);
    /* Across the two extents: contiguous in the tag's view. */
    tm_agent_ok(victim, "tag-poke " TAG_A " 0x3ffff8 across-extents");

    tm_agent_kill(victim, SIGKILL);
    int status = tm_agent_wait(victim, TM_AGENT_TIMEOUT_MS);
    g_assert_true(WIFSIGNALED(status));
    g_assert_cmpint(WTERMSIG(status), ==, SIGKILL);

    g_autofree char *accepted = tm_e2e_accepted(&e2e, 0);
    g_autofree char *pending = tm_e2e_pending(&e2e, 0);
    g_autofree char *state = tm_e2e_tag_state(&e2e, TAG_A);
    g_assert_cmpstr(accepted, ==, "0x0+0x400000#0 0x800000+0x400000#1");
    g_assert_cmpstr(pending, ==, "");
    g_assert_cmpstr(state, ==, "Committed pending= committed=0");

    /* Offered while no process of host 0 runs: read when the next one connects. */
    tm_e2e_add(&e2e, 0, 1, NULL, "0:2M");
    g_autoptr(TmAgent) heir = tm_agent_start();
    g_assert_cmpstr(tm_agent_ok(heir, "connect %s", socket), ==, "3");
    assert_tag_peek(heir, "0x3ffff8", "across-extents");
    tm_agent_ok(heir, "poke 0x10000000 new-extent");
    g_autofree char *all = tm_e2e_accepted(&e2e, 0);
    g_assert_cmpstr(all, ==, "0x0+0x400000#0 0x800000+0x400000#1 0x10000000+0x200000#0");

    tm_agent_ok(heir, "release-tag " TAG_A);
    g_autofree char *left = tm_e2e_accepted(&e2e, 0);
    g_autofree char *released = tm_e2e_tag_state(&e2e, TAG_A);
    g_assert_cmpstr(left, ==, "0x10000000+0x200000#0");
    g_assert_cmpstr(released, ==, "Released pending= committed=");
    g_assert_cmpstr(tm_agent_ok(heir, "prot 0x3ffff8"), ==, "---p");
    tm_agent_exit(heir);
    tm_e2e_stop(&e2e);
}

/* One command per host, sent to all before any answer is read. */
typedef struct {
    char *command[N_HOSTS];
    char *answer[N_HOSTS];    /* expected */
} Round;

static void round_set(Round *round, unsigned host, const char *answer, const char *format, ...)
    G_GNUC_PRINTF(4, 5);

static void round_set(Round *round, unsigned host, const char *answer, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    round->command[host] = g_strdup_vprintf(format, args);
    va_end(args);
    round->answer[host] = g_strdup(answer);
}

static void round_run(Round *round, TmAgent **agents)
{
    for (unsigned h = 0; h < N_HOSTS; h++) {
        tm_agent_send(agents[h], "%s", round->command[h]);
    }
    for (unsigned h = 0; h < N_HOSTS; h++) {
        const char *answer = tm_agent_reply(agents[h]);

        if (strcmp(answer, round->answer[h]) != 0) {
            g_error("host %u: '%s' answered '%s', not '%s'", h, round->command[h], answer,
                    round->answer[h]);
        }
        g_free(round->command[h]);
        g_free(round->answer[h]);
    }
}

static uint64_t host_dpa(unsigned host)
{
    return (uint64_t)(host % N_HOSTS) * 4 * MiB;
}

/*
 * 64 hosts, each its own process on its own socket: each accepts a 2 MiB
 * extent at 4 MiB * host, fills it with its own byte, and finds its bytes
 * there (and only there) afterwards, through the window and through the
 * daemon.
 */
static void test_64_hosts(void)
{
    static const char *const args[] = {
        "-object", "memory-backend-memfd,id=dc0,size=256M",
        "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=1,num-hosts=64",
        NULL,
    };
    TmAgent *agents[N_HOSTS];
    TmE2e e2e;

    tm_e2e_start(&e2e, args);
    for (unsigned h = 0; h < N_HOSTS; h++) {
        g_autofree char *socket = tm_e2e_host_socket(&e2e, h);

        agents[h] = tm_agent_start();
        tm_agent_send(agents[h], "connect %s", socket);
    }
    for (unsigned h = 0; h < N_HOSTS; h++) {
        g_assert_cmpstr(tm_agent_reply(agents[h]), ==, "ok 0");
    }
    for (unsigned h = 0; h < N_HOSTS; h++) {
        g_autofree char *extent = g_strdup_printf("%uM:2M", h * 4);
        tm_e2e_add(&e2e, h, 0, NULL, extent);
    }
    Round round;
    for (unsigned h = 0; h < N_HOSTS; h++) {
        round_set(&round, h, "ok 1", "await 1 " WAIT_MS);
    }
    round_run(&round, agents);
    for (unsigned h = 0; h < N_HOSTS; h++) {
        round_set(&round, h, "ok", "fill 0x%" PRIx64 " 0x200000 %u", host_dpa(h), h + 1);
    }
    round_run(&round, agents);
    for (unsigned h = 0; h < N_HOSTS; h++) {
        round_set(&round, h, "ok", "check 0x%" PRIx64 " 0x200000 %u", host_dpa(h), h + 1);
    }
    round_run(&round, agents);
    /* Through the daemon (C002h) too. */
    for (unsigned h = 0; h < N_HOSTS; h++) {
        g_autofree char *bytes = g_strdup_printf("ok %02x%02x%02x%02x", h + 1, h + 1, h + 1,
                                                 h + 1);
        round_set(&round, h, bytes, "read 0x%" PRIx64 " 4", host_dpa(h) + 2 * MiB - 4);
    }
    round_run(&round, agents);
    /* The next host's extent is not mapped here. */
    for (unsigned h = 0; h < N_HOSTS; h++) {
        round_set(&round, h, "ok ---p", "prot 0x%" PRIx64, host_dpa(h + 1));
    }
    round_run(&round, agents);

    json_object *device = tm_e2e_query(&e2e);
    json_object *hosts = json_object_object_get(device, "hosts");
    g_assert_cmpuint(json_object_array_length(hosts), ==, N_HOSTS);
    for (unsigned h = 0; h < N_HOSTS; h++) {
        json_object *accepted = json_object_object_get(json_object_array_get_idx(hosts, h),
                                                       "accepted");
        g_assert_cmpuint(json_object_array_length(accepted), ==, 1);
        json_object *extent = json_object_array_get_idx(accepted, 0);
        g_assert_cmpuint(json_object_get_uint64(json_object_object_get(extent, "dpa")), ==,
                         host_dpa(h));
    }
    json_object_put(device);
    for (unsigned h = 0; h < N_HOSTS; h++) {
        tm_agent_exit(agents[h]);
        tm_agent_free(agents[h]);
    }
    tm_e2e_stop(&e2e);
}

/*
 * SIGTERM with host processes connected: the daemon exits 0 and removes
 * its sockets; libtagmem reports the end of the connection as an error
 * (-ECONNRESET) and the processes close and exit cleanly.
 */
static void test_daemon_sigterm(void)
{
    TmE2e e2e;
    TmAgent *agents[2];

    tm_e2e_start(&e2e, two_host_daemon);
    g_autofree char *socket0 = tm_e2e_host_socket(&e2e, 0);
    g_autofree char *socket1 = tm_e2e_host_socket(&e2e, 1);
    g_autofree char *fm = g_build_filename(e2e.daemon->dir, "tagmem", "fm.sock", NULL);
    agents[0] = tm_agent_start();
    agents[1] = tm_agent_start();
    /* No reconnecting: the daemon is gone for good (docs/durable-state.md for restarts). */
    tm_agent_ok(agents[0], "connect %s reconnect=0", socket0);
    tm_agent_ok(agents[1], "connect %s reconnect=0", socket1);
    tm_e2e_add(&e2e, 0, 0, NULL, "0:2M");
    tm_e2e_add(&e2e, 1, 0, NULL, "4M:2M");
    tm_agent_ok(agents[0], "await 1 " WAIT_MS);
    tm_agent_ok(agents[1], "await 1 " WAIT_MS);
    tm_agent_ok(agents[0], "poke 0 host-0");
    /* Host 1 sits in a blocking wait when the daemon goes. */
    tm_agent_send(agents[1], "process 15000");

    g_clear_pointer(&e2e.qmp, tm_qmp_conn_free);
    g_assert_cmpint(tm_test_daemon_stop(e2e.daemon, SIGTERM), ==, 0);
    g_assert_false(g_file_test(socket0, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(socket1, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(fm, G_FILE_TEST_EXISTS));

    g_autofree char *reset = g_strdup_printf("err %d ", -ECONNRESET);
    g_assert_true(g_str_has_prefix(tm_agent_reply(agents[1]), reset));
    g_assert_true(g_str_has_prefix(tm_agent_call(agents[0], "process 0"), reset));
    g_assert_true(g_str_has_prefix(tm_agent_call(agents[0], "read 0 6"), reset));
    /* The handle is still good for queries. */
    g_assert_cmpstr(tm_agent_ok(agents[0], "extents"), ==, "1");
    g_assert_true(g_str_has_prefix(tm_agent_call(agents[1], "release-range 0x400000 0x200000"),
                                   "err -"));
    tm_agent_ok(agents[0], "close");
    tm_agent_ok(agents[1], "close");
    g_assert_true(g_str_has_prefix(tm_agent_call(agents[0], "connect %s", socket0), "err "));
    for (unsigned i = 0; i < 2; i++) {
        tm_agent_exit(agents[i]);
        tm_agent_free(agents[i]);
    }
    tm_test_daemon_free(e2e.daemon);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host-lifecycle/host-killed", test_host_killed);
    g_test_add_func("/host-lifecycle/64-hosts", test_64_hosts);
    g_test_add_func("/host-lifecycle/daemon-sigterm", test_daemon_sigterm);
    return g_test_run();
}
