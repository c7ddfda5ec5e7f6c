/*
 * Taking capacity back from a host that does not answer: its DC event log
 * is full, yet a forced release succeeds at once; when the host process
 * finally reads its log it finds the overflow, re-reads its extent list
 * (4801h) and stops reaching what it lost.  Offers such a host leaves
 * unanswered are withdrawn, by the orchestrator or by dc-offer-timeout,
 * and its late answer neither takes them nor upsets the next offer.  The
 * host is a tagmem-test-host-agent process using libtagmem.
 */
#include <string.h>

#include "e2e_daemon.h"
#include "host_agent_client.h"

#define WAIT_MS "10000"
#define TAG_A "5a9e0000-0000-4000-8000-00000000000a"

/* One host that may hold 8 extents, so its DC log holds 8 records. */
static const char *const small_log_daemon[] = {
    "-object", "memory-backend-memfd,id=dc0,size=512M",
    "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=2,num-hosts=1,"
               "dc-max-extents=8",
    NULL,
};

static void test_forced_release_full_log(void)
{
    TmE2e e2e;

    tm_e2e_start(&e2e, small_log_daemon);
    g_autofree char *socket = tm_e2e_host_socket(&e2e, 0);
    g_autoptr(TmAgent) host = tm_agent_start();
    tm_agent_ok(host, "connect %s", socket);
    tm_e2e_add(&e2e, 0, 0, NULL, "0:16M");
    tm_agent_ok(host, "await 1 " WAIT_MS);
    tm_agent_ok(host, "poke 0x200000 held");
    g_assert_cmpstr(tm_agent_ok(host, "prot 0x200000"), ==, "rw-s");

    /* The host stops reading; seven offers leave its log room for one record. */
    tm_e2e_add(&e2e, 0, 0, NULL, "32M:2M 34M:2M 36M:2M 38M:2M 40M:2M 42M:2M 44M:2M");
    tm_e2e_qmp_error(&e2e, "has room for 1 records, the request needs 2",
                     "cxl-release-dynamic-capacity",
                     "\"host-id\": 0, \"removal-policy\": \"prescriptive\", \"region\": 0, "
                     "\"extents\": [{\"offset\": 0, \"len\": 2097152}, "
                     "{\"offset\": 2097152, \"len\": 2097152}]");

    /* Forced: three records for one slot, yet the capacity leaves now. */
    tm_e2e_release(&e2e, 0, 0, NULL, "0:2M 2M:2M 4M:2M", true, false);
    g_autofree char *left = tm_e2e_accepted(&e2e, 0);
    g_assert_cmpstr(left, ==, "0x600000+0xa00000#0");

    /*
     * The host reads at last: one forced record, the offers, and the
     * overflow, which makes it re-read its extents: what the lost records
     * named is no longer reachable.
     */
    tm_agent_ok(host, "process " WAIT_MS);
    g_assert_cmpstr(tm_agent_ok(host, "prot 0"), ==, "---p");
    g_assert_cmpstr(tm_agent_ok(host, "prot 0x200000"), ==, "---p");
    g_assert_cmpstr(tm_agent_ok(host, "prot 0x400000"), ==, "---p");
    g_assert_cmpstr(tm_agent_ok(host, "prot 0x600000"), ==, "rw-s");
    g_assert_cmpstr(tm_agent_ok(host, "extents"), ==, "8");
    g_autofree char *accepted = tm_e2e_accepted(&e2e, 0);
    g_assert_cmpstr(accepted, ==,
                    "0x600000+0xa00000#0 0x2000000+0x200000#0 0x2200000+0x200000#0 "
                    "0x2400000+0x200000#0 0x2600000+0x200000#0 0x2800000+0x200000#0 "
                    "0x2a00000+0x200000#0 0x2c00000+0x200000#0");
    tm_agent_exit(host);
    tm_e2e_stop(&e2e);
}

/* Tag A (4 MiB memfd) offered to a host that does not answer, then withdrawn. */
static const char *const withdraw_daemon[] = {
    "-object", "memory-backend-memfd,id=dc0,size=512M",
    "-object", "memory-backend-memfd,id=ta,size=4M,tag=" TAG_A,
    "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=2,num-hosts=2",
    NULL,
};

/* The host answers late: its acceptance is refused, the next offer still reaches it. */
static void assert_late_answer_harmless(TmE2e *e2e, TmAgent *host)
{
    tm_e2e_add(e2e, 0, 0, NULL, "64M:2M");
    tm_agent_ok(host, "process " WAIT_MS);
    g_autofree char *accepted = tm_e2e_accepted(e2e, 0);
    g_assert_cmpstr(accepted, ==, "0x4000000+0x200000#0");
    g_assert_cmpstr(tm_agent_ok(host, "prot 0"), ==, "---p");
    g_assert_cmpstr(tm_agent_ok(host, "prot 0x4000000"), ==, "rw-s");
}

static void test_withdraw_over_qmp(void)
{
    TmE2e e2e;

    tm_e2e_start(&e2e, withdraw_daemon);
    g_autoptr(TmQmpConn) listener = tm_e2e_listen(&e2e);
    g_autofree char *socket = tm_e2e_host_socket(&e2e, 0);
    g_autoptr(TmAgent) host = tm_agent_start();
    tm_agent_ok(host, "connect %s", socket);
    tm_e2e_add(&e2e, 0, 0, TAG_A, "0:2M 2M:2M");

    tm_e2e_qmp_error(&e2e, "no add request is pending for host 1 of device 'dcd0'",
                     "cxl-withdraw-dynamic-capacity", "\"host-id\": 1");
    tm_e2e_qmp_error(&e2e, "Parameter 'id' expects an add request id (1 or more), got 0",
                     "cxl-withdraw-dynamic-capacity", "\"host-id\": 0, \"id\": 0");
    tm_e2e_qmp_ok(&e2e, "cxl-withdraw-dynamic-capacity",
                  "\"host-id\": 0, \"tag\": \"" TAG_A "\"");
    json_object *event = tm_e2e_next_event(listener, "CXL_DC_CAPACITY_WITHDRAWN");
    g_autofree char *withdrawn = tm_e2e_event_extents(event);
    json_object_put(event);
    g_assert_cmpstr(withdrawn, ==, "0x0+0x200000#0 0x200000+0x200000#1");
    g_autofree char *pending = tm_e2e_pending(&e2e, 0);
    g_assert_cmpstr(pending, ==, "");

    /* The tag is free again: host 1 gets it. */
    tm_e2e_add(&e2e, 1, 0, TAG_A, "32M:2M 34M:2M");
    g_autofree char *host1 = tm_e2e_pending(&e2e, 1);
    g_assert_cmpstr(host1, ==, "0x2000000+0x200000#0 0x2200000+0x200000#1");

    assert_late_answer_harmless(&e2e, host);
    tm_agent_exit(host);
    tm_e2e_stop(&e2e);
}

static const char *const timeout_daemon[] = {
    "-object", "memory-backend-memfd,id=dc0,size=512M",
    "-object", "memory-backend-memfd,id=ta,size=4M,tag=" TAG_A,
    "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=2,num-hosts=1,"
               "dc-offer-timeout=1",
    NULL,
};

static void test_offer_timeout(void)
{
    TmE2e e2e;

    tm_e2e_start(&e2e, timeout_daemon);
    g_autoptr(TmQmpConn) listener = tm_e2e_listen(&e2e);
    g_autofree char *socket = tm_e2e_host_socket(&e2e, 0);
    g_autoptr(TmAgent) host = tm_agent_start();
    tm_agent_ok(host, "connect %s", socket);
    tm_e2e_add(&e2e, 0, 0, TAG_A, "0:2M 2M:2M");

    json_object *event = tm_e2e_next_event(listener, "CXL_DC_CAPACITY_WITHDRAWN");
    g_autofree char *withdrawn = tm_e2e_event_extents(event);
    json_object_put(event);
    g_assert_cmpstr(withdrawn, ==, "0x0+0x200000#0 0x200000+0x200000#1");
    g_autofree char *state = tm_e2e_tag_state(&e2e, TAG_A);
    g_assert_cmpstr(state, ==, "Released pending= committed=");

    assert_late_answer_harmless(&e2e, host);
    tm_agent_exit(host);
    tm_e2e_stop(&e2e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/reclaim/forced-release-full-log", test_forced_release_full_log);
    g_test_add_func("/host/reclaim/withdraw", test_withdraw_over_qmp);
    g_test_add_func("/host/reclaim/offer-timeout", test_offer_timeout);
    return g_test_run();
}
