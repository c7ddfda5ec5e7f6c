/*
 * libtagmem end to end against the daemon's real mailbox dispatcher and
 * device model, over a SEQPACKET socket served by a test thread
 * (mailbox_server.h): connect, notifications, event draining, the
 * acceptance policies, 4802h in parts, releases asked by the device or
 * made by the host, forced release, reconnecting.
 *
 * The vendor data-path commands (C001h-C003h) are not in the mailbox yet,
 * so accepted capacity may be on the slow path; the checks hold for both.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "cci/cxl_opcodes.h"
#include "mailbox_server.h"
#include "tagmem/tagmem.h"

/* Region 0: [0, 512 MiB), region 1: [512 MiB, 1 GiB); memdev mem0 backs untagged capacity. */
#define DCD_PROPS "num-dc-regions=2,volatile-dc-memdev=mem0"
#define R1 (512 * MiB)

static const uint8_t test_tag[16] = { TEST_TAG_BYTES };
/* A memfd backend, which the daemon can share: the direct alias maps it. */
#define SHARED_TAG "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0"
static const uint8_t shared_tag[16] = { 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x49, 0x78,
                                        0x86, 0x95, 0xa4, 0xb3, 0xc2, 0xd1, 0xe0, 0xf0 };

typedef struct {
    MailboxServer server;
    TagmemHost *host;
    GArray *events;        /* of TagmemEvent */
} Flow;

static void record_event(void *data, const TagmemEvent *event)
{
    Flow *flow = data;

    g_array_append_val(flow->events, *event);
}

static void print_log(void *data, TagmemLogLevel level, const char *message)
{
    if (g_test_verbose()) {
        g_printerr("libtagmem[%d]: %s\n", level, message);
    }
}

static TagmemHost *connect_host(Flow *flow, const TagmemHostOptions *base)
{
    TagmemHostOptions opts = base != NULL ? *base : (TagmemHostOptions){ 0 };
    char *error = NULL;

    opts.event_fn = record_event;
    opts.event_data = flow;
    opts.log_fn = print_log;
    TagmemHost *host = tagmem_host_connect(flow->server.path, &opts, &error);
    if (host == NULL) {
        g_error("connect: %s", error);
    }
    return host;
}

static void flow_start(Flow *flow, uint32_t max_payload, const TagmemHostOptions *opts)
{
    mailbox_server_start(&flow->server, DCD_PROPS, max_payload);
    flow->events = g_array_new(FALSE, FALSE, sizeof(TagmemEvent));
    flow->host = connect_host(flow, opts);
}

static void flow_stop(Flow *flow)
{
    tagmem_host_close(flow->host);
    mailbox_server_stop(&flow->server);
    g_array_unref(flow->events);
}

static void add(Flow *flow, uint8_t region, const char *tag, const TmExtent *extents, guint n)
{
    g_autoptr(GError) err = NULL;

    g_mutex_lock(&flow->server.lock);
    TmDcStatus status = add_prescriptive(&flow->server.mf.fx, 0, region, tag, extents, n, &err);
    g_mutex_unlock(&flow->server.lock);
    if (status != TM_DC_OK) {
        g_error("add: %s", err->message);
    }
}

static void release(Flow *flow, bool forced)
{
    g_autoptr(GError) err = NULL;

    g_mutex_lock(&flow->server.lock);
    TmDcStatus status = release_tag(&flow->server.mf.fx, 0, 1, forced, false, TEST_TAG, &err);
    g_mutex_unlock(&flow->server.lock);
    if (status != TM_DC_OK) {
        g_error("release: %s", err->message);
    }
}

/* Notify and let the host handle what the log holds. */
static void process(Flow *flow, int expected_records)
{
    mailbox_server_notify(&flow->server);
    int handled = tagmem_host_process_events(flow->host, 5000);
    if (handled < 0) {
        g_error("process events: %s", tagmem_host_last_error(flow->host));
    }
    g_assert_cmpint(handled, ==, expected_records);
}

static void assert_device_holds(Flow *flow, const TmExtent *expected, guint n)
{
    g_mutex_lock(&flow->server.lock);
    assert_accepted(&flow->server.mf.fx, 0, expected, n);
    g_assert_cmpuint(tm_dcd_host_pending_group_count(flow->server.mf.fx.dev, 0), ==, 0);
    g_mutex_unlock(&flow->server.lock);
}

/* The host's own list is exactly @expected, and each mapping is usable or on the slow path. */
static void assert_host_holds(Flow *flow, const TmExtent *expected, guint n)
{
    TagmemMapping mappings[16];
    void *window = NULL;
    uint64_t window_size = 0;

    tagmem_host_window(flow->host, &window, &window_size);
    g_assert_cmpuint(tagmem_host_extents(flow->host, mappings, G_N_ELEMENTS(mappings)), ==, n);
    for (guint i = 0; i < n; i++) {
        g_assert_cmphex(mappings[i].extent.dpa, ==, expected[i].dpa);
        g_assert_cmphex(mappings[i].extent.length, ==, expected[i].length);
        if (mappings[i].addr != NULL) {
            g_assert_true(mappings[i].addr == (uint8_t *)window + expected[i].dpa);
        }
    }
}

static guint count_events(const Flow *flow, TagmemEventKind kind)
{
    guint count = 0;

    for (guint i = 0; i < flow->events->len; i++) {
        count += g_array_index(flow->events, TagmemEvent, i).kind == kind;
    }
    return count;
}

static void test_connect(void)
{
    Flow flow;
    TagmemRegion regions[8];
    void *window = NULL;
    uint64_t window_size = 0;
    void *addr = NULL;
    size_t size = 0;

    flow_start(&flow, TM_MAILBOX_DEFAULT_MAX_PAYLOAD, NULL);
    g_assert_cmpuint(tagmem_host_regions(flow.host, regions, 8), ==, 2);
    g_assert_cmphex(regions[0].base, ==, 0);
    g_assert_cmphex(regions[1].base, ==, R1);
    g_assert_cmphex(regions[1].length, ==, 512 * MiB);
    g_assert_cmphex(regions[1].block_size, ==, 2 * MiB);
    tagmem_host_window(flow.host, &window, &window_size);
    g_assert_nonnull(window);
    g_assert_cmphex(window_size, ==, 1 * GiB);
    g_assert_cmpuint(tagmem_host_extents(flow.host, NULL, 0), ==, 0);
    g_assert_cmpint(tagmem_host_find_tag(flow.host, test_tag, &addr, &size), ==, -ENOENT);
    g_assert_nonnull(strstr(tagmem_host_last_error(flow.host), "no capacity with tag " TEST_TAG));
    g_assert_cmpint(tagmem_host_process_events(flow.host, 0), ==, 0);
    g_assert_cmpstr(tagmem_host_last_error(flow.host), ==, "");
    flow_stop(&flow);
}

static void test_connect_fails(void)
{
    char *error = NULL;
    TagmemHostOptions bad_base = { .sequence_base = 2 };

    g_assert_null(tagmem_host_connect("/nonexistent/tagmem/host0.sock", NULL, &error));
    g_assert_nonnull(strstr(error, "connect to '/nonexistent/tagmem/host0.sock'"));
    g_free(error);
    g_assert_null(tagmem_host_connect("/nonexistent/tagmem/host0.sock", &bad_base, &error));
    g_assert_cmpstr(error, ==, "sequence_base 2 is neither 0 nor 1");
    g_free(error);
}

/* A tagged allocation of two extents: v11 accepts it; the device commits both. */
static void test_accept_tagged(void)
{
    TmExtent offer[] = { EXT(R1 + 4 * MiB, 2 * MiB), EXT(R1, 2 * MiB) };
    Flow flow;
    void *addr = NULL;
    size_t size = 0;

    flow_start(&flow, TM_MAILBOX_DEFAULT_MAX_PAYLOAD, NULL);
    add(&flow, 1, TEST_TAG, offer, 2);
    process(&flow, 2);
    TmExtent held[] = { EXT(R1, 2 * MiB), EXT(R1 + 4 * MiB, 2 * MiB) };
    assert_device_holds(&flow, held, 2);
    assert_host_holds(&flow, held, 2);
    g_assert_cmpuint(count_events(&flow, TAGMEM_EVENT_ACCEPTED), ==, 2);
    const TagmemEvent *first = &g_array_index(flow.events, TagmemEvent, 0);
    g_assert_cmpmem(first->extent.tag, 16, test_tag, 16);
    /* The device numbered the sequence in list order: the first offered is 0. */
    g_assert_cmphex(first->extent.dpa, ==, R1 + 4 * MiB);
    g_assert_cmpuint(first->extent.shared_seq, ==, 0);

    int rc = tagmem_host_find_tag(flow.host, test_tag, &addr, &size);
    if (first->slow_path) {
        g_assert_cmpint(rc, ==, -ENOTSUP);
    } else {
        g_assert_cmpint(rc, ==, 0);
        g_assert_cmpuint(size, ==, 4 * MiB);
    }
    flow_stop(&flow);
}

/*
 * A device without Set Response Message Limit (0004h) and Set Event
 * Interrupt Policy (0103h), both optional (a tagmemd from before them):
 * the host connects and accepts as usual.
 */
static void test_device_without_event_setup(void)
{
    TmExtent offer[] = { EXT(R1, 2 * MiB) };
    Flow flow;

    mailbox_server_start(&flow.server, DCD_PROPS, TM_MAILBOX_DEFAULT_MAX_PAYLOAD);
    flow.server.unsupported[0] = TM_CXL_OP_SET_RESPONSE_MESSAGE_LIMIT;
    flow.server.unsupported[1] = TM_CXL_OP_SET_EVENT_INTERRUPT_POLICY;
    flow.events = g_array_new(FALSE, FALSE, sizeof(TagmemEvent));
    flow.host = connect_host(&flow, NULL);
    add(&flow, 1, TEST_TAG, offer, 1);
    process(&flow, 1);
    assert_device_holds(&flow, offer, 1);
    flow_stop(&flow);
}

/* A second offer with a tag the host holds is dropped whole: an empty 4802h. */
static void test_duplicate_tag_rejected(void)
{
    TmExtent first[] = { EXT(R1, 2 * MiB) };
    TmExtent again[] = { EXT(R1 + 8 * MiB, 2 * MiB) };
    Flow flow;

    flow_start(&flow, TM_MAILBOX_DEFAULT_MAX_PAYLOAD, NULL);
    add(&flow, 1, TEST_TAG, first, 1);
    process(&flow, 1);
    add(&flow, 1, TEST_TAG, again, 1);
    process(&flow, 1);
    assert_device_holds(&flow, first, 1);
    assert_host_holds(&flow, first, 1);
    const TagmemEvent *last = &g_array_index(flow.events, TagmemEvent, flow.events->len - 1);
    g_assert_cmpint(last->kind, ==, TAGMEM_EVENT_REJECTED);
    g_assert_cmpint(last->verdict, ==, TAGMEM_VERDICT_DUPLICATE_TAG);
    g_assert_cmphex(last->extent.dpa, ==, R1 + 8 * MiB);
    flow_stop(&flow);
}

static void test_reject_all(void)
{
    TagmemHostOptions opts = { .policy = TAGMEM_POLICY_REJECT_ALL };
    TmExtent offer[] = { EXT(0, 2 * MiB), EXT(4 * MiB, 2 * MiB) };
    Flow flow;

    flow_start(&flow, TM_MAILBOX_DEFAULT_MAX_PAYLOAD, &opts);
    add(&flow, 0, NULL, offer, 2);
    process(&flow, 2);
    assert_device_holds(&flow, NULL, 0);
    g_assert_cmpuint(count_events(&flow, TAGMEM_EVENT_REJECTED), ==, 2);
    g_assert_cmpint(g_array_index(flow.events, TagmemEvent, 0).verdict, ==,
                    TAGMEM_VERDICT_REJECT_ALL);
    flow_stop(&flow);
}

/*
 * With a 256-byte maximum payload: one record per Get Event Records, and
 * the 12 accepted extents go in two 4802h parts (10 + 2) with More.
 */
static void test_small_messages(void)
{
    enum { N = 12 };
    TmExtent offer[N];
    Flow flow;

    for (guint i = 0; i < N; i++) {
        offer[i] = (TmExtent)EXT(i * 4 * MiB, 2 * MiB);
    }
    flow_start(&flow, 256, NULL);
    add(&flow, 0, NULL, offer, N);
    process(&flow, N);
    assert_device_holds(&flow, offer, N);
    assert_host_holds(&flow, offer, N);
    g_assert_cmpuint(flow.server.responses_more, ==, 1);
    g_assert_cmpuint(count_events(&flow, TAGMEM_EVENT_ACCEPTED), ==, N);
    flow_stop(&flow);
}

/* The device asks for the allocation back: the host unmaps and answers 4803h per record. */
static void test_device_release(void)
{
    TmExtent offer[] = { EXT(R1, 2 * MiB), EXT(R1 + 2 * MiB, 2 * MiB) };
    Flow flow;

    flow_start(&flow, TM_MAILBOX_DEFAULT_MAX_PAYLOAD, NULL);
    add(&flow, 1, TEST_TAG, offer, 2);
    process(&flow, 2);
    release(&flow, false);
    process(&flow, 2);
    assert_device_holds(&flow, NULL, 0);
    assert_host_holds(&flow, NULL, 0);
    g_assert_cmpuint(flow.server.releases, ==, 2);
    g_assert_cmpuint(count_events(&flow, TAGMEM_EVENT_RELEASED), ==, 2);
    flow_stop(&flow);
}

/* Forced: the device took it already; the host forgets it and does not answer. */
static void test_forced_release(void)
{
    TmExtent offer[] = { EXT(R1, 2 * MiB), EXT(R1 + 2 * MiB, 2 * MiB) };
    Flow flow;
    void *addr = NULL;
    size_t size = 0;

    flow_start(&flow, TM_MAILBOX_DEFAULT_MAX_PAYLOAD, NULL);
    add(&flow, 1, TEST_TAG, offer, 2);
    process(&flow, 2);
    release(&flow, true);
    assert_device_holds(&flow, NULL, 0);
    process(&flow, 2);
    assert_host_holds(&flow, NULL, 0);
    g_assert_cmpuint(flow.server.releases, ==, 0);
    g_assert_cmpuint(count_events(&flow, TAGMEM_EVENT_FORCED_RELEASE), ==, 2);
    g_assert_cmpint(tagmem_host_find_tag(flow.host, test_tag, &addr, &size), ==, -ENOENT);
    flow_stop(&flow);
}

static void test_host_release_tag(void)
{
    TmExtent offer[] = { EXT(R1 + 2 * MiB, 2 * MiB), EXT(R1, 2 * MiB) };
    Flow flow;

    flow_start(&flow, TM_MAILBOX_DEFAULT_MAX_PAYLOAD, NULL);
    add(&flow, 1, TEST_TAG, offer, 2);
    process(&flow, 2);
    g_assert_cmpint(tagmem_host_release_tag(flow.host, test_tag), ==, 0);
    assert_device_holds(&flow, NULL, 0);
    assert_host_holds(&flow, NULL, 0);
    /* One extent per 4803h, in shared-sequence order. */
    g_assert_cmpuint(flow.server.releases, ==, 2);
    const TagmemEvent *first = &g_array_index(flow.events, TagmemEvent, 2);
    g_assert_cmpint(first->kind, ==, TAGMEM_EVENT_RELEASED);
    g_assert_cmphex(first->extent.dpa, ==, R1 + 2 * MiB);
    g_assert_cmpint(tagmem_host_release_tag(flow.host, test_tag), ==, -ENOENT);
    flow_stop(&flow);
}

static void test_host_release_range(void)
{
    TmExtent offer[] = { EXT(8 * MiB, 6 * MiB) };
    TmExtent left[] = { EXT(8 * MiB, 2 * MiB), EXT(12 * MiB, 2 * MiB) };
    Flow flow;
    uint8_t byte;

    flow_start(&flow, TM_MAILBOX_DEFAULT_MAX_PAYLOAD, NULL);
    add(&flow, 0, NULL, offer, 1);
    process(&flow, 1);
    g_assert_cmpint(tagmem_host_release_range(flow.host, 10 * MiB, 2 * MiB), ==, 0);
    assert_device_holds(&flow, left, 2);
    assert_host_holds(&flow, left, 2);
    g_assert_cmpint(tagmem_host_release_range(flow.host, 10 * MiB, 4 * MiB), ==, -EINVAL);
    g_assert_nonnull(strstr(tagmem_host_last_error(flow.host), "is not all held"));
    g_assert_cmpint(tagmem_host_read(flow.host, 10 * MiB, &byte, 1), ==, -EINVAL);
    assert_device_holds(&flow, left, 2);
    flow_stop(&flow);
}

/* Capacity stays the host's across connections; records logged before connecting are read. */
static void test_reconnect(void)
{
    TmExtent offer[] = { EXT(R1, 2 * MiB), EXT(R1 + 2 * MiB, 2 * MiB) };
    TmExtent later[] = { EXT(0, 2 * MiB) };
    Flow flow;

    flow_start(&flow, TM_MAILBOX_DEFAULT_MAX_PAYLOAD, NULL);
    add(&flow, 1, TEST_TAG, offer, 2);
    process(&flow, 2);
    tagmem_host_close(flow.host);
    add(&flow, 0, NULL, later, 1);
    g_array_set_size(flow.events, 0);
    flow.host = connect_host(&flow, NULL);
    /* The held pair comes back from the extent list, the new offer from the log. */
    g_assert_cmpuint(count_events(&flow, TAGMEM_EVENT_ACCEPTED), ==, 3);
    TmExtent all[] = { EXT(0, 2 * MiB), EXT(R1, 2 * MiB), EXT(R1 + 2 * MiB, 2 * MiB) };
    assert_device_holds(&flow, all, 3);
    assert_host_holds(&flow, all, 3);
    flow_stop(&flow);
}

/* Event-loop style: poll the handle's descriptor, then dispatch. */
static void test_pollable(void)
{
    TmExtent offer[] = { EXT(0, 2 * MiB) };
    Flow flow;

    flow_start(&flow, TM_MAILBOX_DEFAULT_MAX_PAYLOAD, NULL);
    struct pollfd pfd = { .fd = tagmem_host_fd(flow.host), .events = POLLIN };
    g_assert_cmpint(poll(&pfd, 1, 0), ==, 0);
    g_assert_cmpint(tagmem_host_dispatch(flow.host), ==, 0);
    add(&flow, 0, NULL, offer, 1);
    mailbox_server_notify(&flow.server);
    g_assert_cmpint(poll(&pfd, 1, 5000), ==, 1);
    g_assert_cmpint(tagmem_host_dispatch(flow.host), ==, 1);
    assert_device_holds(&flow, offer, 1);
    flow_stop(&flow);
}

/*
 * The daemon goes away for good: the next call says so once the reconnect
 * window is over (at once with none); the handle still answers queries.
 */
static void test_daemon_gone(void)
{
    TmExtent offer[] = { EXT(0, 2 * MiB) };
    Flow flow;

    flow_start(&flow, TM_MAILBOX_DEFAULT_MAX_PAYLOAD, NULL);
    add(&flow, 0, NULL, offer, 1);
    process(&flow, 1);
    mailbox_server_stop(&flow.server);
    tagmem_host_set_reconnect(flow.host, 200);
    int64_t start = g_get_monotonic_time();
    g_assert_cmpint(tagmem_host_process_events(flow.host, 1000), ==, -ECONNRESET);
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 150 * 1000);
    g_assert_true(g_str_has_prefix(tagmem_host_last_error(flow.host),
                                   "the daemon closed the CCI connection and did not come back "
                                   "within 200 ms"));
    tagmem_host_set_reconnect(flow.host, 0);
    g_assert_cmpint(tagmem_host_process_events(flow.host, 1000), ==, -ECONNRESET);
    g_assert_cmpstr(tagmem_host_last_error(flow.host), ==, "the daemon closed the CCI connection");
    g_assert_cmpint(tagmem_host_release_range(flow.host, 0, 2 * MiB), ==, -ECONNRESET);
    g_assert_cmpuint(tagmem_host_extents(flow.host, NULL, 0), ==, 0);
    tagmem_host_close(flow.host);
    g_array_unref(flow.events);
}

static TmHostMem *shared_backend(Flow *flow, uint64_t size)
{
    g_autoptr(GError) err = NULL;
    TmPropAssignment props[] = {
        { .name = "size", .value = { .kind = TM_PROP_SIZE, .uint = size } },
        { .name = "tag", .value = { .kind = TM_PROP_GUID, .str = (char *)SHARED_TAG } },
    };

    g_mutex_lock(&flow->server.lock);
    TmHostMem *backend = tm_backend_registry_create(flow->server.mf.fx.backends,
                                                    "memory-backend-memfd", "shared0", props,
                                                    G_N_ELEMENTS(props), &err);
    g_mutex_unlock(&flow->server.lock);
    g_assert_no_error(err);
    return backend;
}

/* The protection of the mapping that holds @addr, from /proc/self/maps ("rw-s", "---p"). */
static char *protection_at(const void *addr)
{
    g_autofree char *maps = NULL;

    g_assert_true(g_file_get_contents("/proc/self/maps", &maps, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(maps, "\n", -1);
    for (char **line = lines; *line != NULL; line++) {
        unsigned long start, end;
        char prot[5];

        if (sscanf(*line, "%lx-%lx %4s", &start, &end, prot) == 3 &&
            (uintptr_t)addr >= start && (uintptr_t)addr < end) {
            return g_strdup(prot);
        }
    }
    return g_strdup("unmapped");
}

static void assert_protection(const void *addr, const char *expected)
{
    g_autofree char *prot = protection_at(addr);

    g_assert_cmpstr(prot, ==, expected);
}

/*
 * Three extents of a shared (memfd) tagged backend, offered out of DPA
 * order: each appears at window + DPA, and the tag's view lays them out
 * back to back in shared-sequence order, so the view reads the backend
 * from offset 0.  Slow-path reads and writes by DPA see the same bytes.
 * After release, window and view are PROT_NONE, still reserved.
 */
static void test_direct_alias(void)
{
    /* Sequence 0, 1, 2 in list order: backend offsets 0, 2 MiB, 6 MiB. */
    TmExtent offer[] = {
        EXT(R1 + 8 * MiB, 2 * MiB), EXT(R1, 4 * MiB), EXT(R1 + 16 * MiB, 2 * MiB),
    };
    static const uint64_t backend_offset[] = { 0, 2 * MiB, 6 * MiB };
    Flow flow;
    uint8_t *window = NULL;
    uint64_t window_size = 0;
    uint8_t *view = NULL;
    size_t view_size = 0;
    char text[16] = { 0 };

    flow_start(&flow, TM_MAILBOX_DEFAULT_MAX_PAYLOAD, NULL);
    TmHostMem *backend = shared_backend(&flow, 8 * MiB);
    add(&flow, 1, SHARED_TAG, offer, 3);
    process(&flow, 3);
    assert_device_holds(&flow, (TmExtent[]){ offer[1], offer[0], offer[2] }, 3);
    if (g_array_index(flow.events, TagmemEvent, 0).slow_path) {
        g_test_skip("the mailbox answers Get Extent Memory (C001h) Unsupported: no direct alias");
        flow_stop(&flow);
        return;
    }
    /* Written by the daemon into the tag's backend, where each extent's memory is. */
    for (size_t i = 0; i < 3; i++) {
        g_autoptr(GError) err = NULL;
        snprintf(text, sizeof(text), "extent-%zu", i);
        g_assert_true(tm_hostmem_block_write(backend, backend_offset[i], 2 * MiB,
                                             backend_offset[i], text, sizeof(text), &err));
        g_assert_no_error(err);
    }
    tagmem_host_window(flow.host, (void **)&window, &window_size);
    for (size_t i = 0; i < 3; i++) {
        snprintf(text, sizeof(text), "extent-%zu", i);
        g_assert_cmpstr((char *)window + offer[i].dpa, ==, text);
    }
    g_assert_cmpint(tagmem_host_find_tag(flow.host, shared_tag, (void **)&view, &view_size), ==,
                    0);
    g_assert_cmpuint(view_size, ==, 8 * MiB);
    for (size_t i = 0; i < 3; i++) {
        snprintf(text, sizeof(text), "extent-%zu", i);
        g_assert_cmpstr((char *)view + backend_offset[i], ==, text);
    }
    /* Writes through the view and by DPA land in the backend. */
    char landed[4] = { 0 };
    view[2 * MiB + 100] = 'V';
    g_assert_true(tm_hostmem_block_read(backend, 2 * MiB, 2 * MiB, 2 * MiB + 100, landed, 1,
                                        NULL));
    g_assert_cmpint(landed[0], ==, 'V');
    g_assert_cmpint(tagmem_host_write(flow.host, R1 + 16 * MiB + 200, "dpa", 4), ==, 0);
    g_assert_true(tm_hostmem_block_read(backend, 6 * MiB, 2 * MiB, 6 * MiB + 200, landed, 4,
                                        NULL));
    g_assert_cmpstr(landed, ==, "dpa");
    g_assert_cmpint(tagmem_host_read(flow.host, R1 + 8 * MiB, text, 9), ==, 0);
    g_assert_cmpmem(text, 8, "extent-0", 8);
    assert_protection(window + R1, "rw-s");
    assert_protection(window + R1 + 4 * MiB, "---p");

    g_assert_cmpint(tagmem_host_release_tag(flow.host, shared_tag), ==, 0);
    assert_device_holds(&flow, NULL, 0);
    assert_protection(window + R1, "---p");
    assert_protection(window + R1 + 8 * MiB, "---p");
    assert_protection(view, "---p");
    assert_protection(view + 6 * MiB, "---p");
    flow_stop(&flow);
}

static guint mapping_count(void)
{
    g_autofree char *maps = NULL;

    g_assert_true(g_file_get_contents("/proc/self/maps", &maps, NULL, NULL));
    guint lines = 0;
    for (const char *c = maps; *c; c++) {
        lines += *c == '\n';
    }
    return lines;
}

/*
 * Views come and go without the process's mapping count growing: each
 * retired view stays inaccessible inside its arena (tag_view.c), so 10,000
 * add/release cycles add no mapping (each used to leave one behind).
 */
static void test_view_mappings_flat(void)
{
    TmExtent offer[] = { EXT(R1, 2 * MiB) };
    Flow flow;
    guint baseline = 0;

    flow_start(&flow, TM_MAILBOX_DEFAULT_MAX_PAYLOAD, NULL);
    shared_backend(&flow, 2 * MiB);
    for (int cycle = 0; cycle < 10000; cycle++) {
        uint8_t *view = NULL;
        size_t view_size = 0;

        add(&flow, 1, SHARED_TAG, offer, 1);
        process(&flow, 1);
        if (cycle == 0 && g_array_index(flow.events, TagmemEvent, 0).slow_path) {
            g_test_skip("no direct alias: Get Extent Memory (C001h) is not served");
            flow_stop(&flow);
            return;
        }
        g_assert_cmpint(tagmem_host_find_tag(flow.host, shared_tag, (void **)&view, &view_size),
                        ==, 0);
        view[0] = (uint8_t)cycle;
        g_assert_cmpint(tagmem_host_release_tag(flow.host, shared_tag), ==, 0);
        g_array_set_size(flow.events, 0);
        if (cycle == 10) {
            baseline = mapping_count();
        }
    }
    g_assert_cmpuint(mapping_count(), <=, baseline + 4);
    flow_stop(&flow);
}

/* A forced release makes the memory inaccessible at once, window and view. */
static void test_forced_release_unmaps(void)
{
    TmExtent offer[] = { EXT(R1, 2 * MiB), EXT(R1 + 2 * MiB, 2 * MiB) };
    Flow flow;
    uint8_t *window = NULL;
    uint64_t window_size = 0;
    uint8_t *view = NULL;
    size_t view_size = 0;
    g_autoptr(GError) err = NULL;

    flow_start(&flow, TM_MAILBOX_DEFAULT_MAX_PAYLOAD, NULL);
    shared_backend(&flow, 4 * MiB);
    add(&flow, 1, SHARED_TAG, offer, 2);
    process(&flow, 2);
    if (g_array_index(flow.events, TagmemEvent, 0).slow_path) {
        g_test_skip("the mailbox answers Get Extent Memory (C001h) Unsupported: no direct alias");
        flow_stop(&flow);
        return;
    }
    tagmem_host_window(flow.host, (void **)&window, &window_size);
    g_assert_cmpint(tagmem_host_find_tag(flow.host, shared_tag, (void **)&view, &view_size), ==,
                    0);
    assert_protection(window + R1 + 2 * MiB, "rw-s");
    assert_protection(view, "rw-s");
    g_mutex_lock(&flow.server.lock);
    TmDcStatus status = release_tag(&flow.server.mf.fx, 0, 1, true, false, SHARED_TAG, &err);
    g_mutex_unlock(&flow.server.lock);
    g_assert_cmpint(status, ==, TM_DC_OK);
    process(&flow, 2);
    assert_protection(window + R1, "---p");
    assert_protection(window + R1 + 2 * MiB, "---p");
    assert_protection(view, "---p");
    g_assert_cmpuint(flow.server.releases, ==, 0);
    flow_stop(&flow);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/flow/connect", test_connect);
    g_test_add_func("/host/flow/connect-fails", test_connect_fails);
    g_test_add_func("/host/flow/accept-tagged", test_accept_tagged);
    g_test_add_func("/host/flow/device-without-event-setup", test_device_without_event_setup);
    g_test_add_func("/host/flow/duplicate-tag-rejected", test_duplicate_tag_rejected);
    g_test_add_func("/host/flow/reject-all", test_reject_all);
    g_test_add_func("/host/flow/small-messages", test_small_messages);
    g_test_add_func("/host/flow/device-release", test_device_release);
    g_test_add_func("/host/flow/forced-release", test_forced_release);
    g_test_add_func("/host/flow/host-release-tag", test_host_release_tag);
    g_test_add_func("/host/flow/host-release-range", test_host_release_range);
    g_test_add_func("/host/flow/reconnect", test_reconnect);
    g_test_add_func("/host/flow/pollable", test_pollable);
    g_test_add_func("/host/flow/daemon-gone", test_daemon_gone);
    g_test_add_func("/host/flow/direct-alias", test_direct_alias);
    g_test_add_func("/host/flow/forced-release-unmaps", test_forced_release_unmaps);
    g_test_add_func("/host/flow/view-mappings-flat", test_view_mappings_flat);
    return g_test_run();
}
