/*
 * Add DC Response (4802h) chains end to end, with a 256-byte maximum
 * payload so that a response of more than ten extents needs several
 * parts: the device's checks on what a host answers (raw packets from the
 * test's CCI client), a response split by libtagmem, and a host that
 * disconnects in the middle of a More chain and finishes it after
 * reconnecting (docs/host-protocol.md, "Pending groups and disconnects").
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cci_client.h"
#include "e2e_daemon.h"
#include "host_agent_client.h"

#define TAG_A "5a9e0000-0000-4000-8000-00000000000a"
#define WAIT_MS "10000"

#define OP_GET_EVENT_RECORDS 0x0100
#define OP_CLEAR_EVENT_RECORDS 0x0101
#define OP_ADD_DC_RESPONSE 0x4802
#define RC_SUCCESS 0x00
#define RC_INVALID_PHYSICAL_ADDRESS 0x0F
#define RC_INVALID_PAYLOAD_LENGTH 0x16
#define RC_INVALID_EXTENT_LIST 0x1E
#define DC_EVENT_LOG 4
#define MORE 1

/* Twelve 2 MiB extents at the start of region 0, offered in one request. */
#define TWELVE_EXTENTS "0:2M 2M:2M 4M:2M 6M:2M 8M:2M 10M:2M 12M:2M 14M:2M 16M:2M 18M:2M " \
                       "20M:2M 22M:2M"

/* dcd0: two 256 MiB regions over memfd dc0, 1 MiB blocks, one host; TAG_A 24 MiB. */
static const char *const chain_daemon[] = {
    "-object", "memory-backend-memfd,id=dc0,size=512M",
    "-object", "memory-backend-memfd,id=ta,size=24M,tag=" TAG_A,
    "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=2,dc-block-size=1M",
    "--max-payload", "256",
    NULL,
};

typedef struct {
    uint64_t dpa;
    uint64_t length;
} Range;

static void put_le(uint8_t *out, uint64_t value, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        out[i] = (uint8_t)(value >> (8 * i));
    }
}

/* A 4802h payload: @count in the header (normally @n), @flags, then @n entries. */
static GByteArray *add_response(uint32_t count, uint8_t flags, const Range *ranges, size_t n)
{
    GByteArray *payload = g_byte_array_new();
    uint8_t header[8] = { 0 };

    put_le(header, count, 4);
    header[4] = flags;
    g_byte_array_append(payload, header, sizeof(header));
    for (size_t i = 0; i < n; i++) {
        uint8_t entry[24] = { 0 };

        put_le(entry, ranges[i].dpa, 8);
        put_le(entry + 8, ranges[i].length, 8);
        g_byte_array_append(payload, entry, sizeof(entry));
    }
    return payload;
}

static uint16_t respond(int fd, uint8_t flags, const Range *ranges, size_t n)
{
    g_autoptr(GByteArray) payload = add_response((uint32_t)n, flags, ranges, n);
    g_auto(TmTestCciPacket) response;

    tm_test_cci_call(fd, OP_ADD_DC_RESPONSE, payload->data, payload->len, &response, NULL);
    return response.return_code;
}

/* Read and clear the DC log as a host does (one record per reply at 256 bytes). */
static unsigned drain_dc_log(int fd)
{
    unsigned total = 0;

    for (;;) {
        uint8_t log = DC_EVENT_LOG;
        g_auto(TmTestCciPacket) records;

        tm_test_cci_call(fd, OP_GET_EVENT_RECORDS, &log, 1, &records, NULL);
        g_assert_cmphex(records.return_code, ==, RC_SUCCESS);
        unsigned n = tm_test_le16(records.payload + 20);
        if (n == 0) {
            return total;
        }
        g_autoptr(GByteArray) clear = g_byte_array_new();
        uint8_t header[6] = { DC_EVENT_LOG, 0, (uint8_t)n };
        g_byte_array_append(clear, header, sizeof(header));
        for (unsigned i = 0; i < n; i++) {
            /* Records start at offset 32; the handle is at offset 20 of each. */
            g_byte_array_append(clear, records.payload + 32 + 128 * i + 20, 2);
        }
        g_auto(TmTestCciPacket) cleared;
        tm_test_cci_call(fd, OP_CLEAR_EVENT_RECORDS, clear->data, clear->len, &cleared, NULL);
        g_assert_cmphex(cleared.return_code, ==, RC_SUCCESS);
        total += n;
    }
}

/* Extent @i of TWELVE_EXTENTS. */
static Range twelfth(unsigned i)
{
    return (Range){ .dpa = i * 2 * MiB, .length = 2 * MiB };
}

/* ---- the device's checks on a response ---- */

typedef struct {
    const char *name;
    Range ranges[2];
    size_t n_ranges;
    uint32_t count;          /* the header's extent count */
    uint16_t rc;
} BadResponseRow;

static const BadResponseRow bad_responses[] = {
    { "beyond every region (outside the decoder)", { { 512 * MiB, 2 * MiB } }, 1, 1,
      RC_INVALID_PHYSICAL_ADDRESS },
    { "across regions 0 and 1", { { 255 * MiB, 2 * MiB } }, 1, 1,
      RC_INVALID_PHYSICAL_ADDRESS },
    { "not aligned to the 1 MiB block", { { MiB / 2, MiB } }, 1, 1, RC_INVALID_EXTENT_LIST },
    { "two entries overlapping", { { 0, 2 * MiB }, { MiB, MiB } }, 2, 2,
      RC_INVALID_EXTENT_LIST },
    { "not offered", { { 24 * MiB, 2 * MiB } }, 1, 1, RC_INVALID_PHYSICAL_ADDRESS },
    { "count says more than the payload holds", { { 0, 2 * MiB } }, 1, 2,
      RC_INVALID_PAYLOAD_LENGTH },
};

static void test_device_refuses_bad_responses(void)
{
    TmE2e e2e;

    tm_e2e_start(&e2e, chain_daemon);
    g_autofree char *socket = tm_e2e_host_socket(&e2e, 0);
    tm_e2e_add(&e2e, 0, 0, NULL, "0:2M 4M:2M");
    int fd = tm_test_cci_connect_host(socket);
    g_assert_cmpuint(drain_dc_log(fd), ==, 2);

    for (size_t i = 0; i < G_N_ELEMENTS(bad_responses); i++) {
        const BadResponseRow *row = &bad_responses[i];
        g_autoptr(GByteArray) payload = add_response(row->count, 0, row->ranges, row->n_ranges);
        g_auto(TmTestCciPacket) response;

        g_test_message("%s", row->name);
        tm_test_cci_call(fd, OP_ADD_DC_RESPONSE, payload->data, payload->len, &response, NULL);
        g_assert_cmphex(response.return_code, ==, row->rc);
        /* Nothing changed: the group still waits, nothing is held. */
        g_autofree char *pending = tm_e2e_pending(&e2e, 0);
        g_autofree char *accepted = tm_e2e_accepted(&e2e, 0);
        g_assert_cmpstr(pending, ==, "0x0+0x200000#0 0x400000+0x200000#0");
        g_assert_cmpstr(accepted, ==, "");
    }
    /* Part of an offered extent is fine; the rest is dropped. */
    Range good = { MiB, MiB };
    g_assert_cmphex(respond(fd, 0, &good, 1), ==, RC_SUCCESS);
    g_autofree char *pending = tm_e2e_pending(&e2e, 0);
    g_autofree char *accepted = tm_e2e_accepted(&e2e, 0);
    g_assert_cmpstr(pending, ==, "");
    g_assert_cmpstr(accepted, ==, "0x100000+0x100000#0");
    close(fd);
    tm_e2e_stop(&e2e);
}

/* ---- A process that dies in the middle of reading an offer ---- */

/*
 * Read @cleared records of the DC log one at a time (one fits 256 bytes)
 * and clear each, as a host process does before it sees the end of an
 * offer, then vanish without answering.
 */
static void read_and_clear(const char *socket, int cleared)
{
    int fd = tm_test_cci_connect_host(socket);
    uint8_t dc_log = DC_EVENT_LOG;

    for (int i = 0; i < cleared; i++) {
        g_auto(TmTestCciPacket) records;
        tm_test_cci_call(fd, OP_GET_EVENT_RECORDS, &dc_log, 1, &records, NULL);
        g_assert_cmpuint(records.return_code, ==, RC_SUCCESS);
        g_assert_cmpuint(tm_test_le16(records.payload + 20), ==, 1);
        uint8_t clear[8] = { DC_EVENT_LOG, 0, 1, 0, 0, 0 };
        memcpy(clear + 6, records.payload + 32 + 20, 2);
        g_auto(TmTestCciPacket) cleared_reply;
        tm_test_cci_call(fd, OP_CLEAR_EVENT_RECORDS, clear, sizeof(clear), &cleared_reply, NULL);
        g_assert_cmpuint(cleared_reply.return_code, ==, RC_SUCCESS);
    }
    close(fd);
}

/*
 * Whatever part of a twelve-extent offer's records a dead process cleared,
 * the next process answers the whole offer (C004h tells it the extents
 * whose records are gone): no extent is lost.
 */
static void test_killed_mid_offer(void)
{
    static const int cleared_counts[] = { 1, 5, 11 };

    for (size_t i = 0; i < G_N_ELEMENTS(cleared_counts); i++) {
        TmE2e e2e;

        tm_e2e_start(&e2e, chain_daemon);
        g_autofree char *socket = tm_e2e_host_socket(&e2e, 0);
        tm_e2e_add(&e2e, 0, 0, TAG_A, TWELVE_EXTENTS);
        read_and_clear(socket, cleared_counts[i]);

        g_autoptr(TmAgent) heir = tm_agent_start();
        g_assert_cmpstr(tm_agent_ok(heir, "connect %s", socket), ==, "12");
        g_autofree char *accepted = tm_e2e_accepted(&e2e, 0);
        g_autofree char *pending = tm_e2e_pending(&e2e, 0);
        g_assert_cmpstr(pending, ==, "");
        g_assert_cmpstr(accepted, ==,
                        "0x0+0x200000#0 0x200000+0x200000#1 0x400000+0x200000#2 "
                        "0x600000+0x200000#3 0x800000+0x200000#4 0xa00000+0x200000#5 "
                        "0xc00000+0x200000#6 0xe00000+0x200000#7 0x1000000+0x200000#8 "
                        "0x1200000+0x200000#9 0x1400000+0x200000#10 0x1600000+0x200000#11");
        tm_agent_exit(heir);
        tm_e2e_stop(&e2e);
    }
}

/* A host process that is up and waits for its next command. */
static TmAgent *ready_agent(void)
{
    TmAgent *agent = tm_agent_start();

    /* Any answer will do: it comes once the process has started. */
    tm_agent_call(agent, "extents");
    return agent;
}

/* How long a host process takes to connect and answer a whole @extents offer, in us. */
static gint64 answer_time_us(TmE2e *e2e, const char *socket, const char *extents)
{
    g_autoptr(TmAgent) agent = ready_agent();

    tm_e2e_add(e2e, 0, 0, NULL, extents);
    gint64 start = g_get_monotonic_time();
    tm_agent_ok(agent, "connect %s policy=accept", socket);
    gint64 elapsed = g_get_monotonic_time() - start;
    tm_agent_exit(agent);
    tm_e2e_release(e2e, 0, 0, NULL, extents, true, false);
    return elapsed;
}

/*
 * Fifty host processes are SIGKILLed at random moments while they answer
 * a 200-extent offer (in More chains of a few entries: 256-byte payloads);
 * each time the next process finishes the job: every extent accepted
 * once, nothing left pending.
 */
static void test_killed_agents_lose_nothing(void)
{
    enum { ROUNDS = 50, EXTENTS = 200 };
    GString *extents = g_string_new(NULL);
    TmE2e e2e;

    for (int i = 0; i < EXTENTS; i++) {
        g_string_append_printf(extents, "%s%dM:1M", i ? " " : "", i);
    }
    tm_e2e_start(&e2e, chain_daemon);
    g_autofree char *socket = tm_e2e_host_socket(&e2e, 0);
    gint64 window_us = answer_time_us(&e2e, socket, extents->str);
    guint finished = 0;
    for (int round = 0; round < ROUNDS; round++) {
        tm_e2e_add(&e2e, 0, 0, NULL, extents->str);
        TmAgent *victim = ready_agent();
        tm_agent_send(victim, "connect %s policy=accept", socket);
        /* Past the whole answer's time now and then: the kills cover all of it. */
        gulong sleep_us = (gulong)g_test_rand_int_range(0, (gint32)MIN(window_us * 5 / 4,
                                                                        G_MAXINT32));
        g_test_message("round %d: kill after %lu us", round, sleep_us);
        g_usleep(sleep_us);
        tm_agent_kill(victim, SIGKILL);
        tm_agent_wait(victim, TM_AGENT_TIMEOUT_MS);
        tm_agent_free(victim);
        g_autofree char *left = tm_e2e_pending(&e2e, 0);
        finished += left[0] == '\0';

        g_autoptr(TmAgent) heir = ready_agent();
        tm_agent_ok(heir, "connect %s policy=accept", socket);
        g_autofree char *pending = tm_e2e_pending(&e2e, 0);
        g_autofree char *accepted = tm_e2e_accepted(&e2e, 0);
        g_auto(GStrv) words = g_strsplit(accepted, " ", -1);
        g_assert_cmpstr(pending, ==, "");
        g_assert_cmpuint(g_strv_length(words), ==, EXTENTS);
        tm_agent_exit(heir);
        tm_e2e_release(&e2e, 0, 0, NULL, extents->str, true, false);
    }
    g_test_message("a whole answer takes %" G_GINT64_FORMAT " us; %u of %d victims finished "
                   "before the kill", window_us, finished, ROUNDS);
    tm_e2e_stop(&e2e);
    g_string_free(extents, TRUE);
}

/* ---- More chains ---- */

/* libtagmem answers a chain of twelve in two parts (ten entries fit 256 bytes). */
static void test_library_splits_its_response(void)
{
    TmE2e e2e;

    tm_e2e_start(&e2e, chain_daemon);
    g_autofree char *socket = tm_e2e_host_socket(&e2e, 0);
    g_autoptr(TmQmpConn) listener = tm_e2e_listen(&e2e);
    g_autoptr(TmAgent) host = tm_agent_start();

    tm_agent_ok(host, "connect %s", socket);
    tm_e2e_add(&e2e, 0, 0, TAG_A, TWELVE_EXTENTS);
    g_assert_cmpstr(tm_agent_ok(host, "await 12 " WAIT_MS), ==, "12");

    /* One commit for the whole chain, sequences 0..11 in order. */
    json_object *event = tm_e2e_next_event(listener, "CXL_DC_CAPACITY_COMMITTED");
    g_autofree char *committed = tm_e2e_event_extents(event);
    json_object_put(event);
    g_autofree char *accepted = tm_e2e_accepted(&e2e, 0);
    g_assert_cmpstr(committed, ==, accepted);
    g_assert_cmpstr(accepted, ==,
                    "0x0+0x200000#0 0x200000+0x200000#1 0x400000+0x200000#2 "
                    "0x600000+0x200000#3 0x800000+0x200000#4 0xa00000+0x200000#5 "
                    "0xc00000+0x200000#6 0xe00000+0x200000#7 0x1000000+0x200000#8 "
                    "0x1200000+0x200000#9 0x1400000+0x200000#10 0x1600000+0x200000#11");
    g_assert_cmpuint(tm_e2e_generation(&e2e, 0), ==, 1);
    g_assert_cmpstr(tm_agent_ok(host, "tag-size " TAG_A), ==, "0x1800000");
    tm_agent_ok(host, "tag-poke " TAG_A " 0x17ffff0 end-of-tag");
    tm_agent_exit(host);

    /* A new process reads the list back in several 4801h replies. */
    g_autoptr(TmAgent) again = tm_agent_start();
    g_assert_cmpstr(tm_agent_ok(again, "connect %s", socket), ==, "12");
    g_autofree char *hex = tm_agent_hex("end-of-tag");
    g_assert_cmpstr(tm_agent_ok(again, "peek 0x17ffff0 10"), ==, hex);
    tm_agent_exit(again);
    tm_e2e_stop(&e2e);
}

/*
 * A host sends the first part of its answer (More = 1) and disconnects:
 * the part was that connection's, so it is dropped.  The group still
 * waits, whole; after reconnecting, the host's last part (More = 0) is an
 * answer of its own: it commits extents 6..9 and rejects the others.
 */
static void test_disconnect_mid_chain(void)
{
    TmE2e e2e;
    Range first_part[6];
    Range last_part[4];

    tm_e2e_start(&e2e, chain_daemon);
    g_autofree char *socket = tm_e2e_host_socket(&e2e, 0);
    g_autoptr(TmQmpConn) listener = tm_e2e_listen(&e2e);
    tm_e2e_add(&e2e, 0, 0, NULL, TWELVE_EXTENTS);
    g_autofree char *offered = tm_e2e_pending(&e2e, 0);

    int fd = tm_test_cci_connect_host(socket);
    g_assert_cmpuint(drain_dc_log(fd), ==, 12);
    for (unsigned i = 0; i < 6; i++) {
        first_part[i] = twelfth(i);
    }
    g_assert_cmphex(respond(fd, MORE, first_part, 6), ==, RC_SUCCESS);
    close(fd);

    /* Nothing committed: the group still waits, whole. */
    g_autofree char *pending = tm_e2e_pending(&e2e, 0);
    g_autofree char *none = tm_e2e_accepted(&e2e, 0);
    g_assert_cmpstr(pending, ==, offered);
    g_assert_cmpstr(none, ==, "");

    fd = tm_test_cci_connect_host(socket);
    for (unsigned i = 0; i < 4; i++) {
        last_part[i] = twelfth(6 + i);
    }
    g_assert_cmphex(respond(fd, 0, last_part, 4), ==, RC_SUCCESS);
    close(fd);
    json_object *committed = tm_e2e_next_event(listener, "CXL_DC_CAPACITY_COMMITTED");
    json_object *rejected = tm_e2e_next_event(listener, "CXL_DC_CAPACITY_REJECTED");
    g_autofree char *committed_extents = tm_e2e_event_extents(committed);
    g_autofree char *rejected_extents = tm_e2e_event_extents(rejected);
    json_object_put(committed);
    json_object_put(rejected);
    g_assert_cmpstr(rejected_extents, ==,
                    "0x0+0x200000#0 0x200000+0x200000#0 0x400000+0x200000#0 "
                    "0x600000+0x200000#0 0x800000+0x200000#0 0xa00000+0x200000#0 "
                    "0x1400000+0x200000#0 0x1600000+0x200000#0");
    g_autofree char *accepted = tm_e2e_accepted(&e2e, 0);
    g_assert_cmpstr(accepted, ==,
                    "0xc00000+0x200000#0 0xe00000+0x200000#0 0x1000000+0x200000#0 "
                    "0x1200000+0x200000#0");
    g_assert_cmpstr(committed_extents, ==, accepted);
    g_autofree char *after = tm_e2e_pending(&e2e, 0);
    g_assert_cmpstr(after, ==, "");

    /* A libtagmem process of the host maps all four. */
    g_autoptr(TmAgent) host = tm_agent_start();
    g_assert_cmpstr(tm_agent_ok(host, "connect %s", socket), ==, "4");
    tm_agent_ok(host, "poke 0x13ffff0 last-byte");
    g_autofree char *hex = tm_agent_hex("last-byte");
    g_assert_cmpstr(tm_agent_ok(host, "read 0x13ffff0 9"), ==, hex);
    g_assert_cmpstr(tm_agent_ok(host, "prot 0x1400000"), ==, "---p");
    tm_agent_exit(host);
    tm_e2e_stop(&e2e);
}

/* What the agent holds, as tm_e2e_accepted() writes it: "extent DPA LEN TAG SEQ ..." lines. */
static char *agent_extents(TmAgent *agent)
{
    GString *summary = g_string_new(NULL);

    tm_agent_ok(agent, "extents");
    GPtrArray *lines = tm_agent_lines(agent);
    for (guint i = 0; i < lines->len; i++) {
        g_auto(GStrv) words = g_strsplit(g_ptr_array_index(lines, i), " ", -1);

        g_string_append_printf(summary, "%s%s+%s#%s", i > 0 ? " " : "", words[1], words[2],
                               words[4]);
    }
    return g_string_free(summary, FALSE);
}

/*
 * A libtagmem process that finds a half-answered chain (the records were
 * not cleared, one part is held) cannot know which part is held: it judges
 * the chain again, and whatever the device then commits, the chain is
 * ended, the part held is committed, and the host holds exactly what the
 * device says.
 */
static void test_library_finds_half_answered_chain(void)
{
    TmE2e e2e;
    Range first_part[6];

    tm_e2e_start(&e2e, chain_daemon);
    g_autofree char *socket = tm_e2e_host_socket(&e2e, 0);
    tm_e2e_add(&e2e, 0, 0, TAG_A, TWELVE_EXTENTS);
    int fd = tm_test_cci_connect_host(socket);
    for (unsigned i = 0; i < 6; i++) {
        first_part[i] = twelfth(i);
    }
    g_assert_cmphex(respond(fd, MORE, first_part, 6), ==, RC_SUCCESS);
    close(fd);

    g_autoptr(TmAgent) host = tm_agent_start();
    tm_agent_ok(host, "connect %s", socket);
    g_autofree char *pending = tm_e2e_pending(&e2e, 0);
    g_autofree char *accepted = tm_e2e_accepted(&e2e, 0);
    g_autofree char *held = agent_extents(host);
    g_assert_cmpstr(pending, ==, "");
    g_assert_true(g_str_has_prefix(accepted,
                                   "0x0+0x200000#0 0x200000+0x200000#1 0x400000+0x200000#2 "
                                   "0x600000+0x200000#3 0x800000+0x200000#4 "
                                   "0xa00000+0x200000#5"));
    g_assert_cmpstr(held, ==, accepted);
    g_autofree char *state = tm_e2e_tag_state(&e2e, TAG_A);
    g_assert_cmpstr(state, ==, "Committed pending= committed=0");
    /* The log was read and cleared: a later process has nothing to answer. */
    tm_agent_exit(host);
    g_autoptr(TmAgent) later = tm_agent_start();
    tm_agent_ok(later, "connect %s", socket);
    g_autoptr(GPtrArray) events = tm_agent_take_events(later);
    for (guint i = 0; i < events->len; i++) {
        g_assert_true(g_str_has_prefix(g_ptr_array_index(events, i), "event accepted "));
    }
    g_autofree char *still = tm_e2e_accepted(&e2e, 0);
    g_assert_cmpstr(still, ==, accepted);
    tm_agent_exit(later);
    tm_e2e_stop(&e2e);
}

/*
 * A host process answers a chain and ends before clearing its records; a
 * second offer waits behind it.  The next libtagmem process finds the old
 * chain in the log: it must not answer it again (that answer would go to
 * the second offer, and an empty one would reject it) but answer the
 * second offer.
 */
static void test_records_left_by_an_answered_chain(void)
{
    TmE2e e2e;
    Range whole = { 0, 2 * MiB };

    tm_e2e_start(&e2e, chain_daemon);
    g_autofree char *socket = tm_e2e_host_socket(&e2e, 0);
    tm_e2e_add(&e2e, 0, 0, NULL, "0:2M");
    int fd = tm_test_cci_connect_host(socket);
    g_assert_cmphex(respond(fd, 0, &whole, 1), ==, RC_SUCCESS);
    close(fd);
    tm_e2e_add(&e2e, 0, 0, NULL, "4M:2M");

    g_autoptr(TmAgent) host = tm_agent_start();
    g_assert_cmpstr(tm_agent_ok(host, "connect %s", socket), ==, "2");
    g_autoptr(GPtrArray) events = tm_agent_take_events(host);
    g_assert_cmpuint(events->len, ==, 2);
    g_assert_true(g_str_has_prefix(g_ptr_array_index(events, 0), "event accepted 0x0 "));
    g_assert_true(g_str_has_prefix(g_ptr_array_index(events, 1), "event accepted 0x400000 "));
    g_autofree char *accepted = tm_e2e_accepted(&e2e, 0);
    g_autofree char *pending = tm_e2e_pending(&e2e, 0);
    g_assert_cmpstr(accepted, ==, "0x0+0x200000#0 0x400000+0x200000#0");
    g_assert_cmpstr(pending, ==, "");
    g_assert_cmpuint(tm_e2e_generation(&e2e, 0), ==, 2);
    tm_agent_exit(host);
    tm_e2e_stop(&e2e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host-chain/device-refuses-bad-responses",
                    test_device_refuses_bad_responses);
    g_test_add_func("/host-chain/library-splits-its-response", test_library_splits_its_response);
    g_test_add_func("/host-chain/disconnect-mid-chain", test_disconnect_mid_chain);
    g_test_add_func("/host-chain/killed-mid-offer", test_killed_mid_offer);
    g_test_add_func("/host-chain/killed-agents-lose-nothing", test_killed_agents_lose_nothing);
    g_test_add_func("/host-chain/library-finds-half-answered-chain",
                    test_library_finds_half_answered_chain);
    g_test_add_func("/host-chain/records-left-by-an-answered-chain",
                    test_records_left_by_an_answered_chain);
    return g_test_run();
}
