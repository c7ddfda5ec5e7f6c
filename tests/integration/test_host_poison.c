/*
 * Poison end to end, with the real tagmemd and host processes that use
 * libtagmem (tagmem-test-host-agent): poison injected into capacity two
 * hosts share reaches both, whose processes then fault on that page and
 * nowhere else; Clear Poison writes the line and gives the page back;
 * poison on free capacity reaches the host that accepts it later;
 * poison survives a restart with --state-dir; more poison than the list
 * holds sets the overflow flag and loses nothing; QMP's bad inputs;
 * Scan Media over a host socket finds every poisoned line, the ones the
 * overflowed list does not report included.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cci_client.h"
#include "e2e_daemon.h"
#include "host_agent_client.h"

#define TAG_A "5a9e0000-0000-4000-8000-00000000000a"
#define WAIT_MS "10000"
#define DCD0 "/machine/peripheral/dcd0"

#define OP_GET_POISON_LIST 0x4300
#define OP_INJECT_POISON 0x4301
#define OP_CLEAR_POISON 0x4302
#define OP_BACKGROUND_STATUS 0x0002
#define OP_SCAN_MEDIA 0x4304
#define OP_GET_SCAN_MEDIA_RESULTS 0x4305

/* dcd0: two 256 MiB regions over memfd dc0, two hosts; region 1 is sharable. */
#define DEVICE "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=2,num-hosts=2," \
               "dc-region-sharable=2"

static const char *const poison_daemon[] = {
    "-object", "memory-backend-memfd,id=dc0,size=512M",
    "-object", "memory-backend-memfd,id=ta,size=4M,tag=" TAG_A,
    "-device", DEVICE,
    NULL,
};

static TmAgent *connect_host(TmE2e *e2e, unsigned host)
{
    g_autofree char *socket = tm_e2e_host_socket(e2e, host);
    TmAgent *agent = tm_agent_start();

    tm_agent_ok(agent, "connect %s", socket);
    return agent;
}

static void put_le64(uint8_t *out, uint64_t value)
{
    for (int i = 0; i < 8; i++) {
        out[i] = (uint8_t)(value >> (8 * i));
    }
}

/* One command on a raw connection to @host's socket; the return code, the payload in @out. */
static uint16_t raw_call(TmE2e *e2e, unsigned host, uint16_t opcode, const void *payload,
                         size_t length, GByteArray *out)
{
    g_autofree char *socket = tm_e2e_host_socket(e2e, host);
    g_auto(TmTestCciPacket) response;
    int fd = tm_test_cci_connect_host(socket);

    tm_test_cci_call(fd, opcode, payload, length, &response, NULL);
    if (out) {
        g_byte_array_append(out, response.payload, (guint)response.payload_length);
    }
    close(fd);
    return response.return_code;
}

static void inject(TmE2e *e2e, uint64_t start, uint64_t length)
{
    tm_e2e_qmp_ok(e2e, "cxl-inject-poison", "\"start\": %" G_GUINT64_FORMAT
                  ", \"length\": %" G_GUINT64_FORMAT, start, length);
}

/* The next event of @agent is exactly @expected. */
static void assert_event(TmAgent *agent, const char *expected)
{
    tm_agent_ok(agent, "await 1 " WAIT_MS);
    g_autoptr(GPtrArray) events = tm_agent_take_events(agent);
    g_assert_cmpuint(events->len, >=, 1);
    g_assert_cmpstr(g_ptr_array_index(events, events->len - 1), ==, expected);
}

static void assert_crashes(TmAgent *agent, const char *dpa)
{
    tm_agent_send(agent, "crash %s", dpa);
    int status = tm_agent_wait(agent, TM_AGENT_TIMEOUT_MS);
    g_assert_true(WIFSIGNALED(status));
    g_assert_cmpint(WTERMSIG(status), ==, SIGSEGV);
}

/*
 * Two hosts share TAG_A at DPA 256 MiB.  A poisoned line there reaches
 * both: its page goes PROT_NONE in each window (and by-DPA reads answer
 * Media Disabled), the neighbouring pages stay; Clear Poison by host 0
 * writes the line and gives both the page back; poison again, and both
 * processes fault there.
 */
static void test_shared_tag_poison(void)
{
    TmE2e e2e;

    tm_e2e_start(&e2e, poison_daemon);
    g_autoptr(TmAgent) host0 = connect_host(&e2e, 0);
    g_autoptr(TmAgent) host1 = connect_host(&e2e, 1);
    tm_e2e_add(&e2e, 0, 1, TAG_A, "0:4M");
    tm_agent_ok(host0, "await 1 " WAIT_MS);
    tm_e2e_share(&e2e, 1, 1, TAG_A);
    tm_agent_ok(host1, "await 1 " WAIT_MS);
    tm_agent_ok(host0, "poke 0x10001000 same-page");

    inject(&e2e, 0x10001040, 64);
    TmAgent *hosts[] = { host0, host1 };
    for (unsigned h = 0; h < 2; h++) {
        assert_event(hosts[h], "event poison 0x10001040 0x40 " TAG_A " 0x1040 1");
        g_assert_cmpstr(tm_agent_ok(hosts[h], "prot 0x10001000"), ==, "---s");
        g_assert_cmpstr(tm_agent_ok(hosts[h], "prot 0x10000fff"), ==, "rw-s");
        g_assert_cmpstr(tm_agent_ok(hosts[h], "prot 0x10002000"), ==, "rw-s");
        /* The page beside it reads as before. */
        g_assert_cmpstr(tm_agent_ok(hosts[h], "crash 0x10002000"), ==, "0x00");
        g_assert_true(g_str_has_prefix(tm_agent_call(hosts[h], "read 0x10001000 0x80"),
                                       "err -121 7 "));
    }

    /* Host 0 clears the line with new data: both get the page back, with it. */
    uint8_t clear[72];
    put_le64(clear, 0x10001040);
    memset(clear + 8, 'c', 64);
    g_assert_cmpuint(raw_call(&e2e, 0, OP_CLEAR_POISON, clear, sizeof(clear), NULL), ==, 0);
    g_autofree char *written = g_strnfill(64, 'c');
    g_autofree char *hex = tm_agent_hex(written);
    for (unsigned h = 0; h < 2; h++) {
        assert_event(hosts[h], "event poison-cleared 0x10001040 0x40 " TAG_A " 0x1040 1");
        g_assert_cmpstr(tm_agent_ok(hosts[h], "prot 0x10001000"), ==, "rw-s");
        g_assert_cmpstr(tm_agent_ok(hosts[h], "peek 0x10001040 64"), ==, hex);
        g_assert_cmpstr(tm_agent_ok(hosts[h], "read 0x10001040 64"), ==, hex);
    }
    /* The page's other lines kept their data. */
    g_autofree char *same_page = tm_agent_hex("same-page");
    g_assert_cmpstr(tm_agent_ok(host1, "peek 0x10001000 9"), ==, same_page);

    /* Poisoned again (by 4301h from host 1 this time): both processes die there. */
    uint8_t at[8];
    put_le64(at, 0x10003000);
    g_assert_cmpuint(raw_call(&e2e, 1, OP_INJECT_POISON, at, sizeof(at), NULL), ==, 0);
    for (unsigned h = 0; h < 2; h++) {
        assert_event(hosts[h], "event poison 0x10003000 0x40 " TAG_A " 0x3000 1");
        assert_crashes(hosts[h], "0x10003010");
    }
    tm_e2e_stop(&e2e);
}

/* Poison on capacity nobody holds reaches the host that accepts it later. */
static void test_poison_accepted_later(void)
{
    TmE2e e2e;

    tm_e2e_start(&e2e, poison_daemon);
    g_autoptr(TmAgent) host0 = connect_host(&e2e, 0);
    inject(&e2e, 0x1040, 64);
    tm_e2e_add(&e2e, 0, 0, NULL, "0:2M");
    tm_agent_ok(host0, "await 2 " WAIT_MS);
    g_autoptr(GPtrArray) events = tm_agent_take_events(host0);
    g_assert_cmpstr(g_ptr_array_index(events, events->len - 1), ==,
                    "event poison 0x1040 0x40 00000000-0000-0000-0000-000000000000 0x0 1");
    g_assert_cmpstr(tm_agent_ok(host0, "prot 0x1000"), ==, "---s");
    g_assert_cmpstr(tm_agent_ok(host0, "prot 0x0"), ==, "rw-s");
    tm_agent_exit(host0);
    tm_e2e_stop(&e2e);
}

/*
 * A tag's view is mapped afresh when the host gets more of the tag: the
 * poisoned page stays inaccessible there, the rest of the view is not.
 */
static void test_view_rebuilt(void)
{
    TmE2e e2e;

    tm_e2e_start(&e2e, poison_daemon);
    g_autofree char *socket = tm_e2e_host_socket(&e2e, 0);
    g_autoptr(TmAgent) host0 = tm_agent_start();
    /* Linux's rules refuse more of a tag the host holds; accept-all takes it. */
    tm_agent_ok(host0, "connect %s policy=accept", socket);
    tm_e2e_add(&e2e, 0, 1, TAG_A, "0:2M");
    tm_agent_ok(host0, "await 1 " WAIT_MS);
    inject(&e2e, 0x10000100, 64);
    assert_event(host0, "event poison 0x10000100 0x40 " TAG_A " 0x100 1");
    tm_e2e_add(&e2e, 0, 1, TAG_A, "2M:2M");
    tm_agent_ok(host0, "await 1 " WAIT_MS);
    g_assert_cmpstr(tm_agent_ok(host0, "tag-size " TAG_A), ==, "0x400000");
    g_assert_cmpstr(tm_agent_ok(host0, "tag-crash " TAG_A " 0x1000"), ==, "0x00");
    g_assert_cmpstr(tm_agent_ok(host0, "tag-crash " TAG_A " 0x200000"), ==, "0x00");
    tm_agent_send(host0, "tag-crash " TAG_A " 0x140");
    int status = tm_agent_wait(host0, TM_AGENT_TIMEOUT_MS);
    g_assert_true(WIFSIGNALED(status));
    g_assert_cmpint(WTERMSIG(status), ==, SIGSEGV);
    tm_e2e_stop(&e2e);
}

/* query-cxl-poison's answer (a new reference). */
static json_object *query_poison(TmE2e *e2e)
{
    json_object *reply = tm_test_execute(e2e->qmp, "query-cxl-poison",
                                         "{\"path\": \"" DCD0 "\"}");
    json_object *value = json_object_get(tm_test_assert_return(reply));

    json_object_put(reply);
    return value;
}

/* "START+LEN:SOURCE ..." of query-cxl-poison, in hex. */
static char *poison_summary(TmE2e *e2e)
{
    json_object *reply = query_poison(e2e);
    json_object *list = json_object_object_get(reply, "poison");
    GString *summary = g_string_new(NULL);

    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *range = json_object_array_get_idx(list, i);
        g_string_append_printf(summary, "%s0x%" PRIx64 "+0x%" PRIx64 ":%s", i ? " " : "",
            (uint64_t)json_object_get_uint64(json_object_object_get(range, "start")),
            (uint64_t)json_object_get_uint64(json_object_object_get(range, "length")),
            json_object_get_string(json_object_object_get(range, "source")));
    }
    json_object_put(reply);
    return g_string_free(summary, FALSE);
}

/* QMP, 4301h and 4302h are journalled: a restarted daemon has the same poison. */
static void test_survives_restart(void)
{
    g_autofree char *state_dir = tm_test_make_dir();
    const char *const args[] = {
        "--state-dir", state_dir,
        "-object", "memory-backend-memfd,id=dc0,size=512M",
        "-device", DEVICE,
        NULL,
    };
    TmE2e e2e;
    uint8_t at[8];
    uint8_t clear[72] = { 0 };

    tm_e2e_start(&e2e, args);
    g_autoptr(TmAgent) host0 = connect_host(&e2e, 0);
    tm_e2e_add(&e2e, 0, 0, NULL, "0:2M");
    tm_agent_ok(host0, "await 1 " WAIT_MS);
    inject(&e2e, 0x40, 0x80);
    put_le64(at, 0x1000);
    g_assert_cmpuint(raw_call(&e2e, 0, OP_INJECT_POISON, at, sizeof(at), NULL), ==, 0);
    put_le64(clear, 0x40);
    g_assert_cmpuint(raw_call(&e2e, 0, OP_CLEAR_POISON, clear, sizeof(clear), NULL), ==, 0);
    g_autofree char *before = poison_summary(&e2e);
    g_assert_cmpstr(before, ==, "0x80+0x40:internal 0x1000+0x40:injected");
    tm_agent_exit(host0);
    tm_e2e_stop(&e2e);

    tm_e2e_start(&e2e, args);
    g_autofree char *after = poison_summary(&e2e);
    g_assert_cmpstr(after, ==, before);
    /* And the host that holds it finds its page inaccessible at connect. */
    g_autoptr(TmAgent) again = connect_host(&e2e, 0);
    g_assert_cmpstr(tm_agent_ok(again, "prot 0x1000"), ==, "---s");
    g_assert_cmpstr(tm_agent_ok(again, "prot 0x2000"), ==, "rw-s");
    tm_agent_exit(again);
    tm_e2e_stop(&e2e);
    tm_test_remove_tree(state_dir);
}

/* More poison than the list holds: the overflow flag and time, and nothing lost. */
static void test_overflow(void)
{
    const char *const args[] = {
        "-object", "memory-backend-memfd,id=dc0,size=512M",
        "-device", DEVICE ",poison-list-max-records=2",
        NULL,
    };
    TmE2e e2e;
    uint8_t query[16] = { 0 };
    g_autoptr(GByteArray) out = g_byte_array_new();

    tm_e2e_start(&e2e, args);
    inject(&e2e, 0x0, 64);
    inject(&e2e, 0x1000, 64);
    put_le64(query + 8, 512 * MiB / 64);
    g_assert_cmpuint(raw_call(&e2e, 0, OP_GET_POISON_LIST, query, 16, out), ==, 0);
    g_assert_cmpuint(out->data[0], ==, 0);
    inject(&e2e, 0x2000, 64);
    g_byte_array_set_size(out, 0);
    g_assert_cmpuint(raw_call(&e2e, 0, OP_GET_POISON_LIST, query, 16, out), ==, 0);
    g_assert_cmpuint(out->len, ==, 32 + 2 * 16);
    g_assert_cmpuint(out->data[0], ==, 0x02);
    g_assert_cmpuint(tm_test_le64(out->data + 2), >, 0);
    g_assert_cmpuint(tm_test_le16(out->data + 10), ==, 2);
    g_autofree char *all = poison_summary(&e2e);
    g_assert_cmpstr(all, ==, "0x0+0x40:internal 0x1000+0x40:internal 0x2000+0x40:internal");
    json_object *reply = query_poison(&e2e);
    g_assert_true(json_object_get_boolean(json_object_object_get(reply, "overflow")));
    json_object_put(reply);
    /* The list is full: 4301h answers Inject Poison Limit Reached. */
    uint8_t at[8];
    put_le64(at, 0x3000);
    g_assert_cmpuint(raw_call(&e2e, 0, OP_INJECT_POISON, at, sizeof(at), NULL), ==, 0x10);
    tm_e2e_stop(&e2e);
}

/* Poll 0002h on host @host until nothing runs (bounded, never timed); its 8 bytes. */
static void wait_background_done(TmE2e *e2e, unsigned host, GByteArray *status)
{
    for (int attempt = 0; attempt < 10000; attempt++) {
        g_byte_array_set_size(status, 0);
        g_assert_cmpuint(raw_call(e2e, host, OP_BACKGROUND_STATUS, NULL, 0, status), ==, 0);
        g_assert_cmpuint(status->len, ==, 8);
        if ((status->data[0] & 1) == 0) {
            return;
        }
        g_usleep(1000);
    }
    g_assert_not_reached();
}

/*
 * A list that reports 2 records holds 3 ranges; host 1 scans the whole
 * DPA space (01h), polls 0002h to the end, and reads the 3 ranges once;
 * QMP's background-operation names 4304h.
 */
static void test_scan_media(void)
{
    const char *const args[] = {
        "-object", "memory-backend-memfd,id=dc0,size=512M",
        "-device", DEVICE ",poison-list-max-records=2",
        NULL,
    };
    static const uint8_t done[8] = { 0xc8, 0x00, 0x04, 0x43, 0, 0, 0, 0 };
    TmE2e e2e;
    uint8_t request[17] = { 0 };
    g_autoptr(GByteArray) out = g_byte_array_new();

    tm_e2e_start(&e2e, args);
    /* Nothing scanned since the daemon started: Unsupported. */
    g_assert_cmpuint(raw_call(&e2e, 1, OP_GET_SCAN_MEDIA_RESULTS, NULL, 0, NULL), ==, 0x03);
    inject(&e2e, 0x0, 64);
    inject(&e2e, 0x1000, 0x100);
    inject(&e2e, 256 * MiB, 64);
    put_le64(request + 8, 512 * MiB / 64);
    request[16] = 1;   /* No Event Log */
    g_assert_cmpuint(raw_call(&e2e, 1, OP_SCAN_MEDIA, request, sizeof(request), NULL), ==,
                     0x01);
    wait_background_done(&e2e, 1, out);
    g_assert_cmpmem(out->data, out->len, done, sizeof(done));
    g_byte_array_set_size(out, 0);
    g_assert_cmpuint(raw_call(&e2e, 0, OP_GET_SCAN_MEDIA_RESULTS, NULL, 0, out), ==, 0);
    g_assert_cmpuint(out->len, ==, 32 + 3 * 16);
    g_assert_cmpuint(out->data[16], ==, 0);
    g_assert_cmpuint(tm_test_le16(out->data + 18), ==, 3);
    static const uint64_t dpas[] = { 0x0, 0x1000, 256 * MiB };
    static const uint32_t lines[] = { 1, 4, 1 };
    for (guint i = 0; i < 3; i++) {
        g_assert_cmphex(tm_test_le64(out->data + 32 + 16 * i), ==, dpas[i] | 2);
        g_assert_cmpuint(tm_test_le32(out->data + 40 + 16 * i), ==, lines[i]);
    }
    /* Consumed: the next read is empty. */
    g_byte_array_set_size(out, 0);
    g_assert_cmpuint(raw_call(&e2e, 1, OP_GET_SCAN_MEDIA_RESULTS, NULL, 0, out), ==, 0);
    g_assert_cmpuint(out->len, ==, 32);
    json_object *device = tm_e2e_query(&e2e);
    json_object *background = json_object_object_get(device, "background-operation");
    g_assert_cmpuint(json_object_get_uint64(json_object_object_get(background, "opcode")), ==,
                     OP_SCAN_MEDIA);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(background, "result")), ==,
                    "Success");
    json_object_put(device);
    /* The scan changed nothing: the poison is all there. */
    g_autofree char *all = poison_summary(&e2e);
    g_assert_cmpstr(all, ==, "0x0+0x40:internal 0x1000+0x100:internal 0x10000000+0x40:internal");
    tm_e2e_stop(&e2e);
}

typedef struct {
    const char *arguments;
    const char *fragment;
} QmpBadInput;

static void test_qmp_bad_input(void)
{
    static const QmpBadInput rows[] = {
        { "{\"path\": \"" DCD0 "\", \"start\": 32, \"length\": 64}",
          "Poison start address must be 64 byte aligned" },
        { "{\"path\": \"" DCD0 "\", \"start\": 0, \"length\": 63}",
          "Poison injection must be in multiples of 64 bytes" },
        { "{\"path\": \"" DCD0 "\", \"start\": 0, \"length\": 0}",
          "Poison injection length must not be 0" },
        { "{\"path\": \"/machine/peripheral/nope\", \"start\": 0, \"length\": 64}",
          "Unable to resolve path" },
        { "{\"path\": \"/objects/dc0\", \"start\": 0, \"length\": 64}",
          "Path does not point to a CXL type 3 device" },
        { "{\"path\": \"" DCD0 "\", \"start\": 536870912, \"length\": 64}",
          "is not inside one DC region" },
        { "{\"path\": \"" DCD0 "\", \"start\": 268435392, \"length\": 128}",
          "is not inside one DC region" },
        { "{\"path\": \"" DCD0 "\", \"start\": 4096, \"length\": 64}",
          "Overlap with existing poisoned region not supported" },
        { "{\"path\": \"" DCD0 "\", \"start\": 0}", "Parameter 'length' is missing" },
        { "{\"path\": \"" DCD0 "\", \"start\": \"0\", \"length\": 64}",
          "Parameter 'start' expects uint64" },
    };
    TmE2e e2e;

    tm_e2e_start(&e2e, poison_daemon);
    inject(&e2e, 0x1000, 0x100);
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        g_test_message("%s", rows[i].arguments);
        json_object *reply = tm_test_execute(e2e.qmp, "cxl-inject-poison", rows[i].arguments);
        tm_test_assert_error(reply, "GenericError", rows[i].fragment);
        json_object_put(reply);
    }
    g_autofree char *unchanged = poison_summary(&e2e);
    g_assert_cmpstr(unchanged, ==, "0x1000+0x100:internal");
    tm_e2e_stop(&e2e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host-poison/shared-tag", test_shared_tag_poison);
    g_test_add_func("/host-poison/accepted-later", test_poison_accepted_later);
    g_test_add_func("/host-poison/view-rebuilt", test_view_rebuilt);
    g_test_add_func("/host-poison/survives-restart", test_survives_restart);
    g_test_add_func("/host-poison/overflow", test_overflow);
    g_test_add_func("/host-poison/scan-media", test_scan_media);
    g_test_add_func("/host-poison/qmp-bad-input", test_qmp_bad_input);
    return g_test_run();
}
