/*
 * Add requests: the prescriptive validation table (QEMU's messages and
 * order), event records, limits, and the free and contiguous policies.
 */
#include <glib.h>

#include "dcd_test_util.h"

#define MAX_CASE_EXTENTS 8

typedef struct {
    const char *name;
    uint16_t host;
    uint8_t region;
    TmExtent extents[MAX_CASE_EXTENTS];
    guint n_extents;
    TmDcStatus status;
    const char *message;
} AddCase;

/*
 * Two hosts, two 1 GiB regions, 8 extents per host; host 0 has [0,4M)
 * accepted and [8M,10M) + [10M,12M) pending, host 1 has [20M,22M) pending.
 */
static void setup_busy_device(DcdFixture *fx)
{
    TmExtent accepted = { .dpa = 0, .length = 4 * MiB };
    TmExtent pending[] = { { .dpa = 8 * MiB, .length = 2 * MiB },
                           { .dpa = 10 * MiB, .length = 2 * MiB } };
    TmExtent other = { .dpa = 20 * MiB, .length = 2 * MiB };

    fixture_init(fx, NULL);
    fixture_backend(fx, "mem0", 2 * GiB, NULL);
    fixture_device(fx, "num-dc-regions=2,volatile-dc-memdev=mem0,"
                                 "num-hosts=2,dc-max-extents=8");
    add_and_accept(fx, 0, 0, NULL, &accepted, 1);
    g_assert_cmpint(add_prescriptive(fx, 0, 0, NULL, pending, 2, NULL), ==, TM_DC_OK);
    g_assert_cmpint(add_prescriptive(fx, 1, 0, NULL, &other, 1, NULL), ==, TM_DC_OK);
}

static void test_prescriptive_validation_table(void)
{
    static const AddCase cases[] = {
        { "zero length", 0, 0, { EXT(16 * MiB, 0) }, 1, TM_DC_INVALID_EXTENT_LIST,
          "extent with 0 length is not allowed" },
        { "misaligned dpa", 0, 0, { EXT(16 * MiB + 4096, 2 * MiB) }, 1,
          TM_DC_INVALID_EXTENT_LIST, "dpa or len is not aligned to region block size" },
        { "misaligned length", 0, 0, { EXT(16 * MiB, 3 * MiB) }, 1, TM_DC_INVALID_EXTENT_LIST,
          "dpa or len is not aligned to region block size" },
        { "beyond region end", 0, 0, { EXT(GiB - 2 * MiB, 4 * MiB) }, 1,
          TM_DC_INVALID_EXTENT_LIST, "extent range is beyond the region end" },
        { "below region base", 0, 1, { EXT(0, 2 * MiB) }, 1, TM_DC_INVALID_EXTENT_LIST,
          "extent DPA 0x0 is below the region base 0x40000000" },
        { "overlap within request", 0, 0, { EXT(16 * MiB, 4 * MiB), EXT(18 * MiB, 2 * MiB) }, 2,
          TM_DC_INVALID_EXTENT_LIST, "duplicate or overlapped extents are detected" },
        { "duplicate in request", 0, 0, { EXT(16 * MiB, 2 * MiB), EXT(16 * MiB, 2 * MiB) }, 2,
          TM_DC_INVALID_EXTENT_LIST, "duplicate or overlapped extents are detected" },
        { "overlap accepted", 0, 0, { EXT(14 * MiB, 2 * MiB), EXT(2 * MiB, 4 * MiB) }, 2,
          TM_DC_INVALID_EXTENT_LIST, "cannot add DPA already accessible to the same LD" },
        { "overlap pending", 0, 0, { EXT(10 * MiB, 2 * MiB) }, 1, TM_DC_INVALID_EXTENT_LIST,
          "cannot add DPA again while still pending" },
        { "overlap another host", 0, 0, { EXT(18 * MiB, 4 * MiB) }, 1, TM_DC_INVALID_EXTENT_LIST,
          "extent 0x1200000+0x400000 overlaps capacity allocated to host 1" },
        { "first error wins", 0, 0, { EXT(3 * MiB, 2 * MiB), EXT(16 * MiB, 0) }, 2,
          TM_DC_INVALID_EXTENT_LIST, "dpa or len is not aligned to region block size" },
        { "region id too large", 0, 2, { EXT(16 * MiB, 2 * MiB) }, 1, TM_DC_INVALID_INPUT,
          "region id is too large" },
        { "host-id too large", 2, 0, { EXT(16 * MiB, 2 * MiB) }, 1, TM_DC_INVALID_INPUT,
          "host-id 2 is out of range: device 'dcd0' has 2 hosts" },
        { "no extents", 0, 0, { { 0 } }, 0, TM_DC_INVALID_INPUT,
          "prescriptive add needs at least one extent" },
        { "over the extent limit", 0, 0,
          { EXT(32 * MiB, 2 * MiB), EXT(36 * MiB, 2 * MiB), EXT(40 * MiB, 2 * MiB),
            EXT(44 * MiB, 2 * MiB), EXT(48 * MiB, 2 * MiB), EXT(52 * MiB, 2 * MiB) }, 6,
          TM_DC_RESOURCES_EXHAUSTED, "the request needs 6 extents, host 0 has 5 of 8 available" },
    };
    DcdFixture fx;

    setup_busy_device(&fx);
    TmEventLog *log = tm_dcd_host_event_log(fx.dev, 0, TM_EVENT_LOG_DYNAMIC_CAPACITY);
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const AddCase *c = &cases[i];
        g_autoptr(GError) err = NULL;

        g_test_message("case: %s", c->name);
        g_assert_cmpint(add_prescriptive(&fx, c->host, c->region, NULL, c->extents,
                                         c->n_extents, &err), ==, c->status);
        assert_error_contains(err, c->message);
        /* Nothing changed. */
        g_assert_cmpuint(tm_dcd_host_pending_group_count(fx.dev, 0), ==, 1);
        g_assert_cmpuint(tm_dcd_host_pending_extent_count(fx.dev, 0), ==, 2);
        g_assert_cmpuint(tm_dcd_host_accepted_count(fx.dev, 0), ==, 1);
        g_assert_cmpuint(tm_event_log_count(log), ==, 3);
    }
    /* Five more extents still fit. */
    g_assert_cmpint(add_prescriptive(&fx, 0, 0, NULL, cases[G_N_ELEMENTS(cases) - 1].extents, 5,
                                     NULL), ==, TM_DC_OK);
    g_assert_cmpuint(tm_dcd_limits(fx.dev, 0).available_extents, ==, 0);
    fixture_clear(&fx);
}

static void test_other_policies_and_devices(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;

    setup_busy_device(&fx);
    g_assert_cmpint(add_by_length(&fx, 0, (TmDcSelectionPolicy)7, 0, NULL, 2 * MiB, &err), ==,
                    TM_DC_INVALID_INPUT);
    assert_error_contains(err, "selection policy 7 is not valid");
    g_clear_error(&err);

    TmDcd *plain = test_create_device(fx.devices, "plain", "", NULL);
    TmExtent extent = { .dpa = 0, .length = 2 * MiB };
    TmDcAddRequest request = {
        .policy = TM_DC_SELECT_PRESCRIPTIVE, .extents = &extent, .n_extents = 1,
    };
    g_assert_cmpint(tm_dcd_add_request(plain, &request, &err), ==, TM_DC_UNSUPPORTED);
    assert_error_contains(err, "No dynamic capacity support from the device");
    g_clear_error(&err);

    TmDcd *lazy = test_create_device(fx.devices, "lazy", "num-dc-regions=1,"
                                     "dc-regions-total-size=1G", NULL);
    g_assert_cmpint(tm_dcd_add_request(lazy, &request, &err), ==, TM_DC_INVALID_INPUT);
    assert_error_contains(err, "device 'lazy' has no volatile-dc-memdev to back untagged "
                               "capacity");
    fixture_clear(&fx);
}

static void test_event_records_chain(void)
{
    DcdFixture fx;
    TmExtent extents[] = { { .dpa = 64 * MiB, .length = 2 * MiB },
                           { .dpa = 32 * MiB, .length = 4 * MiB },
                           { .dpa = 80 * MiB, .length = 2 * MiB } };

    setup_busy_device(&fx);
    forget_notices(&fx);
    TmEventLog *log = tm_dcd_host_event_log(fx.dev, 0, TM_EVENT_LOG_DYNAMIC_CAPACITY);
    tm_event_log_clear_all(log);
    g_assert_cmpint(add_prescriptive(&fx, 0, 0, NULL, extents, 3, NULL), ==, TM_DC_OK);

    g_assert_cmpuint(tm_event_log_count(log), ==, 3);
    for (guint i = 0; i < 3; i++) {
        const TmEventRecord *record = tm_event_log_peek(log, i);

        g_assert_cmpint(record->dc.type, ==, TM_DC_EVENT_ADD_CAPACITY);
        g_assert_cmpuint(record->dc.host_id, ==, 0);
        g_assert_cmphex(record->dc.extent.dpa, ==, extents[i].dpa);
        g_assert_cmphex(record->dc.extent.length, ==, extents[i].length);
        g_assert_true(tm_guid_is_null(&record->dc.extent.tag));
        g_assert_cmpint(record->dc.more, ==, i < 2);
        /* 1 accepted + 2 + 3 pending of 8 */
        g_assert_cmpuint(record->dc.available_extents, ==, 2);
        g_assert_cmpuint(record->dc.available_tags, ==, TM_DCD_DEFAULT_MAX_TAGS);
    }
    g_assert_cmpuint(count_notices(&fx, TM_DCD_NOTICE_EVENTS_QUEUED), ==, 1);

    /* The group keeps the order offered; groups answer oldest first. */
    g_assert_cmpuint(tm_dcd_host_pending_group_count(fx.dev, 0), ==, 2);
    TmDcPendingGroupInfo group = tm_dcd_host_pending_group(fx.dev, 0, 1);
    g_assert_cmpuint(group.n_extents, ==, 3);
    g_assert_cmphex(group.extents[1].extent.dpa, ==, 32 * MiB);
    g_assert_cmpint(group.policy, ==, TM_DC_SELECT_PRESCRIPTIVE);
    g_assert_cmpuint(group.id, >, tm_dcd_host_pending_group(fx.dev, 0, 0).id);
    /* Static mode: untagged memory sits at the same DPA offset in the memdev. */
    g_assert_cmphex(group.extents[1].backend_offset, ==, 32 * MiB);
    g_assert_true(group.extents[1].backend == tm_dcd_static_memdev(fx.dev));
    fixture_clear(&fx);
}

/* A request is refused, never truncated, when the host's log cannot hold it. */
static void test_log_too_small(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmExtent four[] = { EXT(0, 2 * MiB), EXT(4 * MiB, 2 * MiB), EXT(8 * MiB, 2 * MiB),
                        EXT(12 * MiB, 2 * MiB) };
    TmExtent five[] = { EXT(20 * MiB, 2 * MiB), EXT(24 * MiB, 2 * MiB), EXT(28 * MiB, 2 * MiB),
                        EXT(32 * MiB, 2 * MiB), EXT(36 * MiB, 2 * MiB) };

    fixture_init(&fx, NULL);
    fixture_backend(&fx, "mem0", 1 * GiB, NULL);
    fixture_device(&fx, "num-dc-regions=1,volatile-dc-memdev=mem0,"
                                "dc-max-extents=8");
    add_and_accept(&fx, 0, 0, NULL, four, 4);
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, four, 4, NULL), ==, TM_DC_OK);
    /* All 8 extents are available again, but the host has not cleared 4 records. */
    g_assert_cmpuint(tm_dcd_limits(fx.dev, 0).available_extents, ==, 8);

    g_assert_cmpint(add_prescriptive(&fx, 0, 0, NULL, five, 5, &err), ==,
                    TM_DC_RESOURCES_EXHAUSTED);
    assert_error_contains(err, "the DC event log of host 0 has room for 4 records, the request "
                               "needs 5");
    g_assert_cmpuint(tm_dcd_host_pending_group_count(fx.dev, 0), ==, 0);
    g_assert_false(tm_dcd_has_allocations(fx.dev));
    g_assert_cmpuint(tm_event_log_count(tm_dcd_host_event_log(fx.dev, 0,
                                                              TM_EVENT_LOG_DYNAMIC_CAPACITY)),
                     ==, 4);
    g_assert_false(tm_event_log_overflow(tm_dcd_host_event_log(
        fx.dev, 0, TM_EVENT_LOG_DYNAMIC_CAPACITY)).overflowed);

    g_assert_cmpint(add_prescriptive(&fx, 0, 0, NULL, five, 4, NULL), ==, TM_DC_OK);
    fixture_clear(&fx);
}

static void assert_group(DcdFixture *fx, guint index, const TmExtent *expected, guint n)
{
    TmDcPendingGroupInfo group = tm_dcd_host_pending_group(fx->dev, 0, index);

    g_assert_cmpuint(group.n_extents, ==, n);
    for (guint i = 0; i < n; i++) {
        g_assert_cmphex(group.extents[i].extent.dpa, ==, expected[i].dpa);
        g_assert_cmphex(group.extents[i].extent.length, ==, expected[i].length);
    }
}

/* Region 0 is 256 MiB; host 1 holds [2M,4M) and [8M,10M), host 0 [16M,20M) pending. */
static void setup_fragmented(DcdFixture *fx)
{
    TmExtent host1[] = { EXT(2 * MiB, 2 * MiB), EXT(8 * MiB, 2 * MiB) };
    TmExtent host0 = EXT(16 * MiB, 4 * MiB);

    fixture_init(fx, NULL);
    fixture_backend(fx, "mem0", 256 * MiB, NULL);
    fixture_device(fx, "num-dc-regions=1,volatile-dc-memdev=mem0,"
                                 "num-hosts=2");
    add_and_accept(fx, 1, 0, NULL, host1, 2);
    g_assert_cmpint(add_prescriptive(fx, 0, 0, NULL, &host0, 1, NULL), ==, TM_DC_OK);
}

static void test_free_policy_uses_gaps(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;

    setup_fragmented(&fx);
    g_assert_cmpint(add_by_length(&fx, 0, TM_DC_SELECT_FREE, 0, NULL, 12 * MiB, &err), ==,
                    TM_DC_OK);
    g_assert_no_error(err);
    TmExtent expected[] = { EXT(0, 2 * MiB), EXT(4 * MiB, 4 * MiB), EXT(10 * MiB, 6 * MiB) };
    assert_group(&fx, 1, expected, 3);

    /* The next one starts after everything allocated so far. */
    g_assert_cmpint(add_by_length(&fx, 0, TM_DC_SELECT_FREE, 0, NULL, 2 * MiB, NULL), ==,
                    TM_DC_OK);
    TmExtent next = EXT(20 * MiB, 2 * MiB);
    assert_group(&fx, 2, &next, 1);

    /* 22M of 256M are allocated. */
    g_assert_cmpint(add_by_length(&fx, 0, TM_DC_SELECT_FREE, 0, NULL, 236 * MiB, &err), ==,
                    TM_DC_RESOURCES_EXHAUSTED);
    assert_error_contains(err, "not enough free capacity in region 0: 0xec00000 bytes "
                               "requested, 0xea00000 free");
    g_clear_error(&err);
    g_assert_cmpint(add_by_length(&fx, 0, TM_DC_SELECT_FREE, 0, NULL, 234 * MiB, &err), ==,
                    TM_DC_OK);
    g_assert_cmpuint(tm_dcd_host_pending_group(fx.dev, 0, 3).n_extents, ==, 1);
    fixture_clear(&fx);
}

static void test_contiguous_policy_first_fit(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;

    setup_fragmented(&fx);
    /* Gaps: [0,2M) [4M,8M) [10M,16M) [20M,256M). */
    g_assert_cmpint(add_by_length(&fx, 0, TM_DC_SELECT_CONTIGUOUS, 0, NULL, 4 * MiB, NULL), ==,
                    TM_DC_OK);
    TmExtent first = EXT(4 * MiB, 4 * MiB);
    assert_group(&fx, 1, &first, 1);
    g_assert_cmpint(add_by_length(&fx, 0, TM_DC_SELECT_CONTIGUOUS, 0, NULL, 8 * MiB, NULL), ==,
                    TM_DC_OK);
    TmExtent second = EXT(20 * MiB, 8 * MiB);
    assert_group(&fx, 2, &second, 1);

    g_assert_cmpint(add_by_length(&fx, 0, TM_DC_SELECT_CONTIGUOUS, 0, NULL, 230 * MiB, &err), ==,
                    TM_DC_RESOURCES_EXHAUSTED);
    assert_error_contains(err, "no contiguous free range of 0xe600000 bytes in region 0");
    g_clear_error(&err);

    g_assert_cmpint(add_by_length(&fx, 0, TM_DC_SELECT_CONTIGUOUS, 0, NULL, 0, &err), ==,
                    TM_DC_INVALID_INPUT);
    assert_error_contains(err, "length 0x0 is not a non-zero multiple of the region block size "
                               "0x200000");
    g_clear_error(&err);
    g_assert_cmpint(add_by_length(&fx, 0, TM_DC_SELECT_FREE, 0, NULL, MiB, &err), ==,
                    TM_DC_INVALID_INPUT);
    assert_error_contains(err, "length 0x100000 is not a non-zero multiple");
    g_assert_cmpuint(tm_dcd_host_pending_group_count(fx.dev, 0), ==, 3);
    fixture_clear(&fx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/dcd_add/prescriptive_table", test_prescriptive_validation_table);
    g_test_add_func("/device/dcd_add/other_policies", test_other_policies_and_devices);
    g_test_add_func("/device/dcd_add/event_records", test_event_records_chain);
    g_test_add_func("/device/dcd_add/log_too_small", test_log_too_small);
    g_test_add_func("/device/dcd_add/free", test_free_policy_uses_gaps);
    g_test_add_func("/device/dcd_add/contiguous", test_contiguous_policy_first_fit);
    return g_test_run();
}
