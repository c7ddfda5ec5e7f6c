/*
 * The data path end to end, with host processes that use libtagmem
 * (tagmem-test-host-agent) against the real tagmemd: what one process
 * writes through its direct alias another sees (the same host after a
 * reconnect; two hosts sharing a tag), isolation between hosts, sanitize
 * on release, and forced release (the range faults afterwards).
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cci_client.h"
#include "e2e_daemon.h"
#include "host_agent_client.h"

#define TAG_A "5a9e0000-0000-4000-8000-00000000000a"
#define TAG_B "5a9e0000-0000-4000-8000-00000000000b"
#define TAG_C "5a9e0000-0000-4000-8000-00000000000c"
#define WAIT_MS "10000"

#define OP_GET_EXTENT_MEMORY 0xC001
#define OP_READ_DPA 0xC002
#define OP_WRITE_DPA 0xC003
#define OP_RELEASE_DC 0x4803
#define RC_INVALID_PHYSICAL_ADDRESS 0x0F

/*
 * dcd0: two 256 MiB regions over memfd dc0, two hosts; region 1 is
 * sharable and sanitizes what is released.  TAG_A (12 MiB) is shared in
 * region 1, TAG_B (4 MiB) lives in region 0, TAG_C (4 MiB) in region 1.
 */
static const char *const memory_daemon[] = {
    "-object", "memory-backend-memfd,id=dc0,size=512M",
    "-object", "memory-backend-memfd,id=ta,size=12M,tag=" TAG_A,
    "-object", "memory-backend-memfd,id=tb,size=4M,tag=" TAG_B,
    "-object", "memory-backend-memfd,id=tc,size=4M,tag=" TAG_C,
    "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=2,num-hosts=2,"
               "dc-region-sharable=2,dc-region-sanitize-on-release=2",
    NULL,
};

typedef struct {
    TmE2e e2e;
    char *socket[2];
} MemoryTest;

static void memory_test_start(MemoryTest *t)
{
    tm_e2e_start(&t->e2e, memory_daemon);
    t->socket[0] = tm_e2e_host_socket(&t->e2e, 0);
    t->socket[1] = tm_e2e_host_socket(&t->e2e, 1);
}

static void memory_test_stop(MemoryTest *t)
{
    tm_e2e_stop(&t->e2e);
    g_free(t->socket[0]);
    g_free(t->socket[1]);
}

static TmAgent *connect_host(MemoryTest *t, unsigned host, const char *expect_held)
{
    TmAgent *agent = tm_agent_start();

    g_assert_cmpstr(tm_agent_ok(agent, "connect %s", t->socket[host]), ==, expect_held);
    return agent;
}

static void assert_peek(TmAgent *agent, const char *dpa, const char *text)
{
    g_autofree char *hex = tm_agent_hex(text);

    g_assert_cmpstr(tm_agent_ok(agent, "peek %s %zu", dpa, strlen(text)), ==, hex);
}

static void assert_tag_peek(TmAgent *agent, const char *tag, const char *offset,
                            const char *text)
{
    g_autofree char *hex = tm_agent_hex(text);

    g_assert_cmpstr(tm_agent_ok(agent, "tag-peek %s %s %zu", tag, offset, strlen(text)), ==,
                    hex);
}

/*
 * Read and write by DPA of more than a default socket send buffer (about
 * 208 KiB) in one call: libtagmem must size its buffer and its messages so
 * the kernel takes every request (EMSGSIZE otherwise).
 */
static void test_large_dpa_access(void)
{
    MemoryTest t;

    memory_test_start(&t);
    g_autoptr(TmAgent) host = connect_host(&t, 0, "0");
    tm_e2e_add(&t.e2e, 0, 0, NULL, "0:4M");
    tm_agent_ok(host, "await 1 " WAIT_MS);
    tm_agent_ok(host, "dpa-fill 0x10 0x300000 0xa5");
    tm_agent_ok(host, "dpa-check 0x10 0x300000 0xa5");
    assert_peek(host, "0x30000f", "\xa5");
    memory_test_stop(&t);
}

/*
 * One host, several processes: what one wrote through its window the next
 * one of the same host maps and reads, whether the first is still
 * connected or gone.
 */
static void test_same_host_reconnect(void)
{
    MemoryTest t;

    memory_test_start(&t);
    g_autoptr(TmAgent) first = connect_host(&t, 0, "0");
    tm_e2e_add(&t.e2e, 0, 0, NULL, "0:4M");
    tm_e2e_add(&t.e2e, 0, 0, TAG_B, "8M:4M");
    tm_agent_ok(first, "await 2 " WAIT_MS);
    tm_agent_ok(first, "poke 0x100005 hello");
    tm_agent_ok(first, "tag-poke " TAG_B " 0x1000 tagged-bytes");

    /* A second process of host 0 finds both extents held and maps them. */
    g_autoptr(TmAgent) second = connect_host(&t, 0, "2");
    g_autoptr(GPtrArray) found = tm_agent_take_events(second);
    g_assert_cmpuint(found->len, ==, 2);
    g_assert_true(g_str_has_prefix(g_ptr_array_index(found, 0), "event accepted 0x0 0x400000"));
    assert_peek(second, "0x100005", "hello");
    assert_peek(second, "0x801000", "tagged-bytes");
    assert_tag_peek(second, TAG_B, "0x1000", "tagged-bytes");
    g_autofree char *hello = tm_agent_hex("hello");
    g_assert_cmpstr(tm_agent_ok(second, "read 0x100005 5"), ==, hello);

    /* Both map the same memory: a write of one is seen by the other at once. */
    tm_agent_ok(second, "poke 0x3ffff0 from-second");
    assert_peek(first, "0x3ffff0", "from-second");
    tm_agent_exit(first);

    /* Gone and back: the host still holds it all, with the data. */
    tm_agent_exit(second);
    g_autofree char *accepted = tm_e2e_accepted(&t.e2e, 0);
    g_assert_cmpstr(accepted, ==, "0x0+0x400000#0 0x800000+0x400000#0");
    g_autoptr(TmAgent) third = connect_host(&t, 0, "2");
    assert_peek(third, "0x100005", "hello");
    assert_peek(third, "0x3ffff0", "from-second");
    assert_tag_peek(third, TAG_B, "0x1000", "tagged-bytes");
    g_assert_cmpuint(tm_e2e_generation(&t.e2e, 0), ==, 2);
    tm_agent_exit(third);
    memory_test_stop(&t);
}

/*
 * Two hosts share TAG_A in the sharable region: host 1 gets the same
 * extents with the same shared sequence numbers, so its contiguous view
 * of the tag holds the same bytes at the same offsets.
 */
static void test_two_hosts_share_a_tag(void)
{
    MemoryTest t;

    memory_test_start(&t);
    g_autoptr(TmAgent) host0 = connect_host(&t, 0, "0");
    g_autoptr(TmAgent) host1 = connect_host(&t, 1, "0");
    /* Listed out of DPA order: sequence 0 is at 4 MiB, 1 at 0, 2 at 8 MiB. */
    tm_e2e_add(&t.e2e, 0, 1, TAG_A, "4M:2M 0:2M 8M:4M");
    tm_agent_ok(host0, "await 3 " WAIT_MS);
    g_assert_cmpstr(tm_agent_ok(host0, "tag-size " TAG_A), ==, "0x800000");
    tm_agent_ok(host0, "tag-poke " TAG_A " 0 seq0-bytes");
    tm_agent_ok(host0, "tag-poke " TAG_A " 0x200000 seq1-bytes");
    tm_agent_ok(host0, "tag-poke " TAG_A " 0x400000 seq2-bytes");
    /* The view tiles the extents in sequence order, not DPA order. */
    assert_peek(host0, "0x10400000", "seq0-bytes");
    assert_peek(host0, "0x10000000", "seq1-bytes");
    assert_peek(host0, "0x10800000", "seq2-bytes");

    tm_e2e_share(&t.e2e, 1, 1, TAG_A);
    /* The same extents and sequence numbers, offered in sequence order. */
    g_autofree char *offered = tm_e2e_pending(&t.e2e, 1);
    g_assert_cmpstr(offered, ==,
                    "0x10400000+0x200000#0 0x10000000+0x200000#1 0x10800000+0x400000#2");
    tm_agent_ok(host1, "await 3 " WAIT_MS);
    g_autofree char *accepted0 = tm_e2e_accepted(&t.e2e, 0);
    g_autofree char *accepted1 = tm_e2e_accepted(&t.e2e, 1);
    g_assert_cmpstr(accepted1, ==, accepted0);
    g_autofree char *state = tm_e2e_tag_state(&t.e2e, TAG_A);
    g_assert_cmpstr(state, ==, "Committed pending= committed=0,1");

    /* Host 1's extents: same sequences, mapped, writable, and flagged shared. */
    g_assert_cmpstr(tm_agent_ok(host1, "extents"), ==, "3");
    GPtrArray *lines = tm_agent_lines(host1);
    g_assert_cmpstr(g_ptr_array_index(lines, 0), ==, "extent 0x10000000 0x200000 " TAG_A " 1 1 1 1");
    g_assert_cmpstr(g_ptr_array_index(lines, 1), ==, "extent 0x10400000 0x200000 " TAG_A " 0 1 1 1");
    g_assert_cmpstr(g_ptr_array_index(lines, 2), ==, "extent 0x10800000 0x400000 " TAG_A " 2 1 1 1");
    assert_tag_peek(host1, TAG_A, "0", "seq0-bytes");
    assert_tag_peek(host1, TAG_A, "0x200000", "seq1-bytes");
    assert_tag_peek(host1, TAG_A, "0x400000", "seq2-bytes");

    /* And back: host 1 writes, host 0 reads, through either view. */
    tm_agent_ok(host1, "tag-poke " TAG_A " 0x600000 from-host-1");
    assert_peek(host0, "0x10a00000", "from-host-1");
    assert_tag_peek(host0, TAG_A, "0x600000", "from-host-1");
    tm_agent_exit(host0);
    tm_agent_exit(host1);
    memory_test_stop(&t);
}

static void put_le64(uint8_t *out, uint64_t value)
{
    for (int i = 0; i < 8; i++) {
        out[i] = (uint8_t)(value >> (8 * i));
    }
}

static uint16_t raw_call(int fd, uint16_t opcode, const void *payload, size_t length)
{
    g_auto(TmTestCciPacket) response;

    tm_test_cci_call(fd, opcode, payload, length, &response, NULL);
    g_assert_cmpint(response.fd, ==, -1);
    return response.return_code;
}

/* Host 1 can neither map, read, write nor release host 0's extent; its window stays PROT_NONE. */
static void test_isolation(void)
{
    MemoryTest t;

    memory_test_start(&t);
    g_autoptr(TmAgent) host0 = connect_host(&t, 0, "0");
    g_autoptr(TmAgent) host1 = connect_host(&t, 1, "0");
    tm_e2e_add(&t.e2e, 0, 0, NULL, "0:4M");
    tm_agent_ok(host0, "await 1 " WAIT_MS);
    tm_agent_ok(host0, "poke 0x1000 host-0-secret");

    /* libtagmem: host 1 holds nothing there. */
    g_assert_cmpstr(tm_agent_ok(host1, "prot 0x1000"), ==, "---p");
    g_assert_cmpstr(tm_agent_ok(host0, "prot 0x1000"), ==, "rw-s");
    g_assert_true(g_str_has_prefix(tm_agent_call(host1, "read 0x1000 13"), "err -22 "));
    g_assert_true(g_str_has_prefix(tm_agent_call(host1, "release-range 0 0x400000"),
                                   "err -22 "));

    /* The daemon, asked directly on host 1's socket: Invalid Physical Address. */
    int fd = tm_test_cci_connect_host(t.socket[1]);
    uint8_t range[16];
    put_le64(range, 0);
    put_le64(range + 8, 4 * MiB);
    g_assert_cmphex(raw_call(fd, OP_GET_EXTENT_MEMORY, range, sizeof(range)), ==,
                    RC_INVALID_PHYSICAL_ADDRESS);
    uint8_t read_request[16] = { 0 };
    put_le64(read_request, 0x1000);
    read_request[8] = 13;
    g_assert_cmphex(raw_call(fd, OP_READ_DPA, read_request, sizeof(read_request)), ==,
                    RC_INVALID_PHYSICAL_ADDRESS);
    uint8_t write_request[16 + 8] = { 0 };
    put_le64(write_request, 0x1000);
    write_request[8] = 8;
    memcpy(write_request + 16, "intruder", 8);
    g_assert_cmphex(raw_call(fd, OP_WRITE_DPA, write_request, sizeof(write_request)), ==,
                    RC_INVALID_PHYSICAL_ADDRESS);
    uint8_t release[8 + 24] = { 1 };
    put_le64(release + 8, 0);
    put_le64(release + 16, 4 * MiB);
    g_assert_cmphex(raw_call(fd, OP_RELEASE_DC, release, sizeof(release)), ==,
                    RC_INVALID_PHYSICAL_ADDRESS);
    close(fd);

    /* Nor can the FM hand it to host 1 in a region that is not sharable. */
    tm_e2e_qmp_error(&t.e2e, "overlaps capacity allocated to host 0", "cxl-add-dynamic-capacity",
                     "\"host-id\": 1, \"selection-policy\": \"prescriptive\", \"region\": 0, "
                     "\"extents\": [{\"offset\": 0, \"len\": 4194304}]");

    /* Host 0's data and ownership are untouched. */
    assert_peek(host0, "0x1000", "host-0-secret");
    g_autofree char *accepted0 = tm_e2e_accepted(&t.e2e, 0);
    g_autofree char *accepted1 = tm_e2e_accepted(&t.e2e, 1);
    g_assert_cmpstr(accepted0, ==, "0x0+0x400000#0");
    g_assert_cmpstr(accepted1, ==, "");
    g_assert_cmpstr(tm_agent_ok(host1, "prot 0x1000"), ==, "---p");
    tm_agent_exit(host0);
    tm_agent_exit(host1);
    memory_test_stop(&t);
}

/* Give @tag back at the FM's request and offer it again to @to; the host agents answer. */
static void release_and_readd(MemoryTest *t, TmAgent *from, TmAgent *to, unsigned to_host,
                              unsigned region, const char *tag, bool sanitize)
{
    tm_e2e_release(&t->e2e, 0, region, tag, NULL, false, sanitize);
    tm_agent_ok(from, "await 1 " WAIT_MS);
    g_autofree char *state = tm_e2e_tag_state(&t->e2e, tag);
    g_assert_cmpstr(state, ==, "Released pending= committed=");
    g_assert_cmpstr(tm_agent_ok(from, "prot 0x%x", region * 0x10000000u), ==, "---p");
    tm_e2e_add(&t->e2e, to_host, region, tag, "0:4M");
    tm_agent_ok(to, "await 1 " WAIT_MS);
}

/*
 * Released memory never reaches the next owner: asked by the release
 * request (region 0), by the region's flag (region 1), or neither — the
 * backends here are memfds, whose blocks are replaced with fresh memory
 * when their last holder lets go (docs/memory-model.md).
 */
static void test_sanitize_on_release(void)
{
    MemoryTest t;

    memory_test_start(&t);
    g_autoptr(TmAgent) host0 = connect_host(&t, 0, "0");
    g_autoptr(TmAgent) host1 = connect_host(&t, 1, "0");

    /* Region 0, no sanitize: even host 0 itself gets fresh memory back. */
    tm_e2e_add(&t.e2e, 0, 0, TAG_B, "0:4M");
    tm_agent_ok(host0, "await 1 " WAIT_MS);
    tm_agent_ok(host0, "fill 0 0x400000 0xab");
    release_and_readd(&t, host0, host0, 0, 0, TAG_B, false);
    g_assert_cmpstr(tm_agent_call(host0, "check 0 0x400000 0"), ==, "ok");
    tm_agent_ok(host0, "fill 0 0x400000 0xab");

    /* Region 0, sanitize asked: the next owner, host 1, reads zeros. */
    release_and_readd(&t, host0, host1, 1, 0, TAG_B, true);
    g_assert_cmpstr(tm_agent_call(host1, "check 0 0x400000 0"), ==, "ok");

    /* Region 1 sanitizes by itself. */
    tm_e2e_add(&t.e2e, 0, 1, TAG_C, "0:4M");
    tm_agent_ok(host0, "await 1 " WAIT_MS);
    tm_agent_ok(host0, "fill 0x10000000 0x400000 0xcd");
    g_assert_cmpstr(tm_agent_call(host0, "check 0x10000000 0x400000 0xcd"), ==, "ok");
    release_and_readd(&t, host0, host0, 0, 1, TAG_C, false);
    g_assert_cmpstr(tm_agent_call(host0, "check 0x10000000 0x400000 0"), ==, "ok");
    tm_agent_exit(host0);
    tm_agent_exit(host1);
    memory_test_stop(&t);
}

/*
 * Forced release: the device takes the capacity without asking; once the
 * host has read the record its range is PROT_NONE, and touching it kills
 * the process with SIGSEGV.
 */
static void test_forced_release(void)
{
    MemoryTest t;

    memory_test_start(&t);
    g_autoptr(TmQmpConn) listener = tm_e2e_listen(&t.e2e);
    g_autoptr(TmAgent) host0 = connect_host(&t, 0, "0");
    tm_e2e_add(&t.e2e, 0, 0, NULL, "0:4M");
    tm_e2e_add(&t.e2e, 0, 0, TAG_B, "8M:4M");
    tm_agent_ok(host0, "await 2 " WAIT_MS);
    tm_agent_ok(host0, "poke 0x100 doomed");
    /* While held, the same read that will fault later succeeds ('d'). */
    g_assert_cmpstr(tm_agent_ok(host0, "crash 0x100"), ==, "0x64");

    tm_e2e_release(&t.e2e, 0, 0, NULL, "0:4M", true, false);
    json_object *event = tm_e2e_next_event(listener, "CXL_DC_CAPACITY_RELEASED");
    g_autofree char *released = tm_e2e_event_extents(event);
    g_assert_cmpstr(released, ==, "0x0+0x400000#0");
    json_object *data = json_object_object_get(event, "data");
    g_assert_true(json_object_get_boolean(json_object_object_get(data, "forced")));
    json_object_put(event);
    /* The device took it at once, before the host heard of it. */
    g_autofree char *accepted = tm_e2e_accepted(&t.e2e, 0);
    g_assert_cmpstr(accepted, ==, "0x800000+0x400000#0");

    tm_agent_ok(host0, "await 1 " WAIT_MS);
    g_autoptr(GPtrArray) events = tm_agent_take_events(host0);
    g_assert_cmpstr(g_ptr_array_index(events, events->len - 1), ==,
                    "event forced 0x0 0x400000 00000000-0000-0000-0000-000000000000 0 0 0");
    g_assert_cmpstr(tm_agent_ok(host0, "prot 0x100"), ==, "---p");
    g_assert_cmpstr(tm_agent_ok(host0, "prot 0x800000"), ==, "rw-s");

    /* Forced and tag-based: the tag's view goes too. */
    tm_e2e_release(&t.e2e, 0, 0, TAG_B, NULL, true, false);
    tm_agent_ok(host0, "await 1 " WAIT_MS);
    g_assert_true(g_str_has_prefix(tm_agent_call(host0, "tag-size " TAG_B), "err -2 "));
    g_autofree char *none = tm_e2e_accepted(&t.e2e, 0);
    g_autofree char *state = tm_e2e_tag_state(&t.e2e, TAG_B);
    g_assert_cmpstr(none, ==, "");
    g_assert_cmpstr(state, ==, "Released pending= committed=");

    tm_agent_send(host0, "crash 0x100");
    int status = tm_agent_wait(host0, TM_AGENT_TIMEOUT_MS);
    g_assert_true(WIFSIGNALED(status));
    g_assert_cmpint(WTERMSIG(status), ==, SIGSEGV);
    memory_test_stop(&t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host-memory/same-host-reconnect", test_same_host_reconnect);
    g_test_add_func("/host-memory/two-hosts-share-a-tag", test_two_hosts_share_a_tag);
    g_test_add_func("/host-memory/isolation", test_isolation);
    g_test_add_func("/host-memory/large-dpa-access", test_large_dpa_access);
    g_test_add_func("/host-memory/sanitize-on-release", test_sanitize_on_release);
    g_test_add_func("/host-memory/forced-release", test_forced_release);
    return g_test_run();
}
