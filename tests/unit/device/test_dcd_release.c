/*
 * Release: FM requests (prescriptive, tag-based, forced, sanitize) and the
 * host's Release Dynamic Capacity (4803h), with splits and window offsets.
 */
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "dcd_test_util.h"

#define TAG_A "aaaaaaaa-0000-4000-8000-00000000000a"
#define TAG_B "bbbbbbbb-0000-4000-8000-00000000000b"

/*
 * Two 256 MiB regions, no static memdev, two hosts, 8 extents each.  Host 0
 * has accepted tag A: [0,8M) at backend offset 0 and [16M,20M) at 8M.
 */
static TmHostMem *setup_tagged(DcdFixture *fx, const char *extra_props)
{
    TmExtent extents[] = { EXT(0, 8 * MiB), EXT(16 * MiB, 4 * MiB) };
    g_autofree char *props = g_strdup_printf("num-dc-regions=2,dc-regions-total-size=512M,"
                                             "num-hosts=2,dc-max-extents=8%s", extra_props);

    fixture_init(fx, props);
    TmHostMem *backend = fixture_backend(fx, "mem-a", 12 * MiB, TAG_A);
    add_and_accept(fx, 0, 0, TAG_A, extents, 2);
    forget_notices(fx);
    return backend;
}

static void assert_window(DcdFixture *fx, guint index, uint64_t dpa, uint64_t length,
                          uint64_t offset)
{
    const TmBackedExtent *extent = tm_dcd_host_accepted(fx->dev, 0, index);

    g_assert_cmphex(extent->extent.dpa, ==, dpa);
    g_assert_cmphex(extent->extent.length, ==, length);
    g_assert_cmphex(extent->backend_offset, ==, offset);
    TmGuid tag = test_guid(TAG_A);
    g_assert_true(tm_guid_equal(&extent->extent.tag, &tag));
}

static void test_partial_release_splits(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmExtent middle = EXT(2 * MiB, 2 * MiB);
    TmHostMem *backend = setup_tagged(&fx, "");
    TmEventLog *log = tm_dcd_host_event_log(fx.dev, 0, TM_EVENT_LOG_DYNAMIC_CAPACITY);

    tm_event_log_clear_all(log);
    g_assert_cmpint(release_prescriptive(&fx, 0, 0, false, false, &middle, 1, &err), ==,
                    TM_DC_OK);
    g_assert_no_error(err);
    /* Asked, not yet given back. */
    g_assert_cmpuint(tm_event_log_count(log), ==, 1);
    const TmEventRecord *record = tm_event_log_peek(log, 0);
    g_assert_cmpint(record->dc.type, ==, TM_DC_EVENT_RELEASE_CAPACITY);
    g_assert_cmphex(record->dc.extent.dpa, ==, 2 * MiB);
    TmGuid tag = test_guid(TAG_A);
    g_assert_true(tm_guid_equal(&record->dc.extent.tag, &tag));
    g_assert_false(record->dc.more);
    g_assert_true(tm_dcd_host_release_pending(fx.dev, 0, 3 * MiB, MiB));
    g_assert_false(tm_dcd_host_release_pending(fx.dev, 0, 4 * MiB, MiB));
    g_assert_cmpuint(tm_dcd_host_accepted_count(fx.dev, 0), ==, 2);
    g_assert_cmpuint(tm_dcd_host_generation(fx.dev, 0), ==, 1);

    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, &middle, 1, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    g_assert_cmpuint(tm_dcd_host_accepted_count(fx.dev, 0), ==, 3);
    assert_window(&fx, 0, 0, 2 * MiB, 0);
    assert_window(&fx, 1, 4 * MiB, 4 * MiB, 4 * MiB);
    assert_window(&fx, 2, 16 * MiB, 4 * MiB, 8 * MiB);
    g_assert_cmpuint(tm_dcd_host_accepted(fx.dev, 0, 1)->extent.shared_seq, ==, 0);
    g_assert_cmpuint(tm_dcd_host_accepted(fx.dev, 0, 2)->extent.shared_seq, ==, 1);
    g_assert_cmpuint(tm_dcd_host_generation(fx.dev, 0), ==, 2);
    g_assert_false(tm_dcd_host_release_pending(fx.dev, 0, 0, 8 * MiB));
    g_assert_cmpuint(count_notices(&fx, TM_DCD_NOTICE_RELEASED), ==, 1);
    TmGuid unknown = test_guid(TAG_B);
    g_assert_cmpint(tm_dcd_tag_state(fx.dev, &unknown, 0), ==, TM_DC_TAG_NOT_FOUND);
    g_assert_cmpint(tm_dcd_tag_state(fx.dev, &tag, 0), ==, TM_DC_TAG_COMMITTED);
    g_assert_true(tm_hostmem_in_use(backend));

    /* The hole is free again: another host takes it with another backend. */
    fixture_backend(&fx, "mem-b", 2 * MiB, TAG_B);
    g_assert_cmpint(add_prescriptive(&fx, 1, 0, TAG_B, &middle, 1, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    fixture_clear(&fx);
}

typedef struct {
    const char *name;
    uint16_t host;
    uint8_t region;
    TmDcRemovalPolicy policy;
    const char *tag;
    TmExtent extents[3];
    guint n_extents;
    TmDcStatus status;
    const char *message;
} ReleaseCase;

static void test_release_request_table(void)
{
    static const ReleaseCase cases[] = {
        { "zero length", 0, 0, TM_DC_REMOVE_PRESCRIPTIVE, NULL, { EXT(0, 0) }, 1,
          TM_DC_INVALID_EXTENT_LIST, "extent with 0 length is not allowed" },
        { "misaligned", 0, 0, TM_DC_REMOVE_PRESCRIPTIVE, NULL, { EXT(MiB, 2 * MiB) }, 1,
          TM_DC_INVALID_EXTENT_LIST, "dpa or len is not aligned to region block size" },
        { "beyond region end", 0, 0, TM_DC_REMOVE_PRESCRIPTIVE, NULL,
          { EXT(254 * MiB, 4 * MiB) }, 1, TM_DC_INVALID_EXTENT_LIST,
          "extent range is beyond the region end" },
        { "overlapping", 0, 0, TM_DC_REMOVE_PRESCRIPTIVE, NULL,
          { EXT(0, 4 * MiB), EXT(2 * MiB, 2 * MiB) }, 2, TM_DC_INVALID_EXTENT_LIST,
          "duplicate or overlapped extents are detected" },
        { "pending", 0, 0, TM_DC_REMOVE_PRESCRIPTIVE, NULL, { EXT(30 * MiB, 2 * MiB) }, 1,
          TM_DC_INVALID_EXTENT_LIST, "cannot release extent with pending DPA range" },
        { "not accepted", 0, 0, TM_DC_REMOVE_PRESCRIPTIVE, NULL, { EXT(6 * MiB, 4 * MiB) }, 1,
          TM_DC_INVALID_EXTENT_LIST, "cannot release extent with non-existing DPA range" },
        { "another host's", 1, 0, TM_DC_REMOVE_PRESCRIPTIVE, NULL, { EXT(0, 2 * MiB) }, 1,
          TM_DC_INVALID_EXTENT_LIST, "cannot release extent with non-existing DPA range" },
        { "wrong tag", 0, 0, TM_DC_REMOVE_PRESCRIPTIVE, TAG_B, { EXT(0, 2 * MiB) }, 1,
          TM_DC_INVALID_EXTENT_LIST, "extent 0x0+0x200000 is not tagged " TAG_B },
        { "no extents", 0, 0, TM_DC_REMOVE_PRESCRIPTIVE, NULL, { { 0 } }, 0,
          TM_DC_INVALID_INPUT, "prescriptive release needs at least one extent" },
        { "region id too large", 0, 2, TM_DC_REMOVE_PRESCRIPTIVE, NULL, { EXT(0, 2 * MiB) }, 1,
          TM_DC_INVALID_INPUT, "region id is too large" },
        { "host-id too large", 5, 0, TM_DC_REMOVE_PRESCRIPTIVE, NULL, { EXT(0, 2 * MiB) }, 1,
          TM_DC_INVALID_INPUT, "host-id 5 is out of range" },
        { "tag-based without tag", 0, 0, TM_DC_REMOVE_TAG_BASED, NULL, { { 0 } }, 0,
          TM_DC_INVALID_INPUT, "tag-based removal needs a tag" },
        { "tag-based unknown tag", 0, 0, TM_DC_REMOVE_TAG_BASED, TAG_B, { { 0 } }, 0,
          TM_DC_INVALID_EXTENT_LIST, "tag " TAG_B " has no capacity committed to host 0" },
        { "tag-based other host", 1, 0, TM_DC_REMOVE_TAG_BASED, TAG_A, { { 0 } }, 0,
          TM_DC_INVALID_EXTENT_LIST, "has no capacity committed to host 1" },
        { "tag-based wrong region", 0, 1, TM_DC_REMOVE_TAG_BASED, TAG_A, { { 0 } }, 0,
          TM_DC_INVALID_INPUT, "tag " TAG_A " is in region 0, not region 1" },
        { "bad policy", 0, 0, (TmDcRemovalPolicy)2, NULL, { { 0 } }, 0, TM_DC_INVALID_INPUT,
          "removal policy 2 is not valid" },
    };
    DcdFixture fx;
    TmExtent pending = EXT(30 * MiB, 2 * MiB);

    setup_tagged(&fx, "");
    fixture_backend(&fx, "mem-c", 2 * MiB, "cccccccc-0000-4000-8000-00000000000c");
    g_assert_cmpint(add_prescriptive(&fx, 0, 0, "cccccccc-0000-4000-8000-00000000000c",
                                     &pending, 1, NULL), ==, TM_DC_OK);
    TmEventLog *log = tm_dcd_host_event_log(fx.dev, 0, TM_EVENT_LOG_DYNAMIC_CAPACITY);
    guint records = tm_event_log_count(log);
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const ReleaseCase *c = &cases[i];
        g_autoptr(GError) err = NULL;
        TmDcReleaseRequest request = {
            .host_id = c->host, .policy = c->policy, .region = c->region,
            .tag = test_guid(c->tag), .extents = c->extents, .n_extents = c->n_extents,
        };

        g_test_message("case: %s", c->name);
        g_assert_cmpint(tm_dcd_release_request(fx.dev, &request, &err), ==, c->status);
        assert_error_contains(err, c->message);
        g_assert_cmpuint(tm_event_log_count(log), ==, records);
        g_assert_false(tm_dcd_host_release_pending(fx.dev, 0, 0, 256 * MiB));
    }
    /* Tag-based with the host's pending capacity of that tag is refused too. */
    g_autoptr(GError) err = NULL;
    g_assert_cmpint(release_tag(&fx, 0, 0, false, false, "cccccccc-0000-4000-8000-00000000000c",
                                &err), ==, TM_DC_INVALID_EXTENT_LIST);
    assert_error_contains(err, "cannot release extent with pending DPA range");
    fixture_clear(&fx);
}

static void test_tag_based_release(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmHostMem *backend = setup_tagged(&fx, "");
    TmEventLog *log = tm_dcd_host_event_log(fx.dev, 0, TM_EVENT_LOG_DYNAMIC_CAPACITY);
    TmGuid tag = test_guid(TAG_A);

    tm_event_log_clear_all(log);
    g_assert_cmpint(release_tag(&fx, 0, 0, false, false, TAG_A, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    g_assert_cmpuint(tm_event_log_count(log), ==, 2);
    g_assert_true(tm_event_log_peek(log, 0)->dc.more);
    g_assert_false(tm_event_log_peek(log, 1)->dc.more);
    g_assert_cmpuint(tm_event_log_peek(log, 1)->dc.extent.shared_seq, ==, 1);
    g_assert_true(tm_guid_equal(&tm_event_log_peek(log, 1)->dc.extent.tag, &tag));
    g_assert_cmpint(tm_dcd_tag_state(fx.dev, &tag, 0), ==, TM_DC_TAG_COMMITTED);

    /* The host gives the extents back one per 4803h, as Linux does. */
    TmExtent first = EXT(0, 8 * MiB);
    TmExtent second = EXT(16 * MiB, 4 * MiB);
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, &first, 1, NULL), ==, TM_DC_OK);
    g_assert_cmpint(tm_dcd_tag_state(fx.dev, &tag, 0), ==, TM_DC_TAG_COMMITTED);
    g_assert_true(tm_hostmem_in_use(backend));
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, &second, 1, NULL), ==, TM_DC_OK);
    g_assert_cmpint(tm_dcd_tag_state(fx.dev, &tag, 0), ==, TM_DC_TAG_RELEASED);
    g_assert_false(tm_hostmem_in_use(backend));
    g_assert_false(tm_dcd_has_allocations(fx.dev));
    g_assert_cmpuint(tm_dcd_limits(fx.dev, 0).available_tags, ==, TM_DCD_DEFAULT_MAX_TAGS);
    g_assert_true(tm_backend_registry_delete(fx.backends, "mem-a", &err));
    g_assert_no_error(err);
    fixture_clear(&fx);
}

/*
 * An unresponsive host lets its DC log fill up: a forced release still
 * takes the capacity back, the records that do not fit overflow the log
 * (the host resynchronises from 4801h), and a polite release, which needs
 * the host to read its records, is still refused.
 */
static void test_forced_release_with_full_log(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmExtent pieces[] = { EXT(0, 2 * MiB), EXT(4 * MiB, 2 * MiB), EXT(16 * MiB, 4 * MiB) };
    TmExtent polite = EXT(2 * MiB, 2 * MiB);

    setup_tagged(&fx, "");
    TmEventLog *log = tm_dcd_host_event_log(fx.dev, 0, TM_EVENT_LOG_DYNAMIC_CAPACITY);
    TmDcEvent filler = { .type = TM_DC_EVENT_ADD_CAPACITY };
    while (tm_event_log_free_slots(log) > 0) {
        g_assert_true(tm_event_log_append(log, &filler, 1));
    }
    guint depth = tm_event_log_count(log);

    g_assert_cmpint(release_prescriptive(&fx, 0, 0, false, false, &polite, 1, &err), ==,
                    TM_DC_RESOURCES_EXHAUSTED);
    assert_error_contains(err, "has room for 0 records, the request needs 1");
    g_clear_error(&err);
    g_assert_false(tm_event_log_overflow(log).overflowed);

    g_assert_cmpint(release_prescriptive(&fx, 0, 0, true, false, pieces, 3, &err), ==,
                    TM_DC_OK);
    g_assert_no_error(err);
    TmExtent left[] = { EXT(2 * MiB, 2 * MiB), EXT(6 * MiB, 2 * MiB) };
    assert_accepted(&fx, 0, left, 2);
    g_assert_cmpuint(count_notices(&fx, TM_DCD_NOTICE_RELEASED), ==, 1);
    g_assert_cmpuint(tm_event_log_count(log), ==, depth);
    TmEventLogOverflow overflow = tm_event_log_overflow(log);
    g_assert_true(overflow.overflowed);
    g_assert_cmpuint(overflow.overflow_count, ==, 3);

    /* Tag-based and forced: the rest goes too, the log still full. */
    g_assert_cmpint(release_tag(&fx, 0, 0, true, false, TAG_A, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    g_assert_cmpuint(tm_dcd_host_accepted_count(fx.dev, 0), ==, 0);
    g_assert_cmpuint(tm_event_log_overflow(log).overflow_count, ==, 5);
    fixture_clear(&fx);
}

static void test_forced_release_revokes_now(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmExtent cut = EXT(4 * MiB, 2 * MiB);
    TmGuid tag = test_guid(TAG_A);

    setup_tagged(&fx, "");
    TmEventLog *log = tm_dcd_host_event_log(fx.dev, 0, TM_EVENT_LOG_DYNAMIC_CAPACITY);
    tm_event_log_clear_all(log);
    g_assert_cmpint(release_prescriptive(&fx, 0, 0, true, false, &cut, 1, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    g_assert_cmpint(tm_event_log_peek(log, 0)->dc.type, ==,
                    TM_DC_EVENT_FORCED_CAPACITY_RELEASE);
    TmExtent expected[] = { EXT(0, 4 * MiB), EXT(6 * MiB, 2 * MiB), EXT(16 * MiB, 4 * MiB) };
    assert_accepted(&fx, 0, expected, 3);
    g_assert_cmphex(tm_dcd_host_accepted(fx.dev, 0, 1)->backend_offset, ==, 6 * MiB);
    g_assert_cmpuint(tm_dcd_host_generation(fx.dev, 0), ==, 2);
    const RecordedNotice *released = &g_array_index(fx.notices, RecordedNotice, 0);
    g_assert_cmpint(released->kind, ==, TM_DCD_NOTICE_RELEASED);
    g_assert_true(released->forced);

    /* The host cannot give back what it no longer has. */
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, &cut, 1, &err), ==,
                    TM_DC_INVALID_PHYSICAL_ADDRESS);
    assert_error_contains(err, "extent 0x400000+0x200000 is not accepted capacity of host 0");
    g_clear_error(&err);

    g_assert_cmpint(release_tag(&fx, 0, 0, true, false, TAG_A, &err), ==, TM_DC_OK);
    g_assert_cmpuint(tm_dcd_host_accepted_count(fx.dev, 0), ==, 0);
    g_assert_cmpint(tm_dcd_tag_state(fx.dev, &tag, 0), ==, TM_DC_TAG_RELEASED);
    g_assert_cmpuint(tm_event_log_count(log), ==, 4);
    fixture_clear(&fx);
}

static void test_host_release_checks(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmExtent span = EXT(14 * MiB, 6 * MiB);

    setup_tagged(&fx, "");
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, NULL, 0, &err), ==, TM_DC_INVALID_INPUT);
    assert_error_contains(err, "the release lists no extents");
    g_clear_error(&err);
    TmExtent zero = EXT(0, 0);
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, &zero, 1, &err), ==,
                    TM_DC_INVALID_EXTENT_LIST);
    g_clear_error(&err);
    TmExtent outside = EXT(600 * MiB, 2 * MiB);
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, &outside, 1, &err), ==,
                    TM_DC_INVALID_PHYSICAL_ADDRESS);
    assert_error_contains(err, "is not inside one DC region");
    g_clear_error(&err);
    TmExtent misaligned = EXT(MiB, 2 * MiB);
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, &misaligned, 1, &err), ==,
                    TM_DC_INVALID_EXTENT_LIST);
    g_clear_error(&err);
    TmExtent overlapping[] = { EXT(0, 4 * MiB), EXT(2 * MiB, 2 * MiB) };
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, overlapping, 2, &err), ==,
                    TM_DC_INVALID_EXTENT_LIST);
    g_clear_error(&err);
    /* [14M,16M) is not accepted yet. */
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, &span, 1, &err), ==,
                    TM_DC_INVALID_PHYSICAL_ADDRESS);
    g_clear_error(&err);
    g_assert_cmpuint(tm_dcd_host_generation(fx.dev, 0), ==, 1);

    /* Two accepted extents side by side can be released with one range. */
    TmExtent fill = EXT(8 * MiB, 8 * MiB);
    fixture_backend(&fx, "mem-b", 8 * MiB, TAG_B);
    add_and_accept(&fx, 0, 0, TAG_B, &fill, 1);
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, &span, 1, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    TmExtent expected[] = { EXT(0, 8 * MiB), EXT(8 * MiB, 6 * MiB) };
    assert_accepted(&fx, 0, expected, 2);
    g_assert_cmpuint(tm_dcd_host_generation(fx.dev, 0), ==, 3);
    fixture_clear(&fx);
}

static void test_splits_respect_extent_limit(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmExtent middle = EXT(2 * MiB, 2 * MiB);

    /* Two extents held, limit 2: cutting the middle out of one would make 3. */
    setup_tagged(&fx, ",dc-max-extents=2,dc-event-log-depth=8");
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, &middle, 1, &err), ==,
                    TM_DC_RESOURCES_EXHAUSTED);
    assert_error_contains(err, "releasing would split host 0's extents into 3, more than "
                               "dc-max-extents 2");
    g_clear_error(&err);
    g_assert_cmpint(release_prescriptive(&fx, 0, 0, true, false, &middle, 1, &err), ==,
                    TM_DC_RESOURCES_EXHAUSTED);
    g_clear_error(&err);
    g_assert_cmpuint(tm_dcd_host_accepted_count(fx.dev, 0), ==, 2);
    /* Cutting an end off splits nothing. */
    TmExtent head = EXT(0, 2 * MiB);
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, &head, 1, &err), ==, TM_DC_OK);
    fixture_clear(&fx);
}

static bool all_bytes(const uint8_t *memory, uint64_t length, uint8_t value)
{
    for (uint64_t i = 0; i < length; i++) {
        if (memory[i] != value) {
            return false;
        }
    }
    return true;
}

static void test_sanitize_zeroes_released_memory(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmHostMem *backend = setup_tagged(&fx, "");
    uint8_t *memory = tm_hostmem_get_memory(backend, &err);
    TmExtent first = EXT(0, 2 * MiB);
    TmExtent second = EXT(2 * MiB, 2 * MiB);

    g_assert_no_error(err);
    memset(memory, 0xAB, 12 * MiB);

    /* Without sanitize the memory keeps its contents. */
    g_assert_cmpint(release_prescriptive(&fx, 0, 0, false, false, &first, 1, NULL), ==, TM_DC_OK);
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, &first, 1, NULL), ==, TM_DC_OK);
    g_assert_true(all_bytes(memory, 2 * MiB, 0xAB));

    /* Asked by the request: zero once the host gives the range back. */
    g_assert_cmpint(release_prescriptive(&fx, 0, 0, false, true, &second, 1, NULL), ==, TM_DC_OK);
    g_assert_true(all_bytes(memory + 2 * MiB, 2 * MiB, 0xAB));
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, &second, 1, NULL), ==, TM_DC_OK);
    g_assert_true(all_bytes(memory + 2 * MiB, 2 * MiB, 0));
    g_assert_true(all_bytes(memory + 4 * MiB, 8 * MiB, 0xAB));

    /* Forced and sanitizing: at once. */
    TmExtent third = EXT(16 * MiB, 2 * MiB);
    g_assert_cmpint(release_prescriptive(&fx, 0, 0, true, true, &third, 1, NULL), ==, TM_DC_OK);
    g_assert_true(all_bytes(memory + 8 * MiB, 2 * MiB, 0));
    g_assert_true(all_bytes(memory + 10 * MiB, 2 * MiB, 0xAB));
    fixture_clear(&fx);
}

static void test_region_sanitize_flag(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmHostMem *backend = setup_tagged(&fx, ",dc-region-sanitize-on-release=1");
    uint8_t *memory = tm_hostmem_get_memory(backend, &err);
    TmExtent piece = EXT(4 * MiB, 2 * MiB);

    memset(memory, 0x5A, 12 * MiB);
    /* Host-initiated, nobody asked: the region's flag is enough. */
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, &piece, 1, NULL), ==, TM_DC_OK);
    g_assert_true(all_bytes(memory + 4 * MiB, 2 * MiB, 0));
    g_assert_true(all_bytes(memory, 4 * MiB, 0x5A));
    g_assert_true(all_bytes(memory + 6 * MiB, 6 * MiB, 0x5A));
    fixture_clear(&fx);
}

/* Memory that cannot be zeroed is kept out of use rather than handed out. */
static void test_failed_sanitize_keeps_range_out_of_use(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("tagmem-dcd-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "ro", NULL);
    g_autofree char *zeros = g_malloc0(2 * MiB);
    TmExtent extent = EXT(0, 2 * MiB);
    TmGuid tag = test_guid(TAG_A);

    g_assert_true(g_file_set_contents(path, zeros, 2 * MiB, NULL));
    fixture_init(&fx, "num-dc-regions=1,dc-regions-total-size=256M");
    TmPropAssignment props[] = {
        { .name = "size", .value = { .kind = TM_PROP_SIZE, .uint = 2 * MiB } },
        { .name = "mem-path", .value = { .kind = TM_PROP_STR, .str = path } },
        { .name = "readonly", .value = { .kind = TM_PROP_BOOL, .boolean = true } },
        { .name = "tag", .value = { .kind = TM_PROP_GUID, .str = (char *)TAG_A } },
    };
    TmHostMem *backend = tm_backend_registry_create(fx.backends, "memory-backend-file", "ro",
                                                    props, G_N_ELEMENTS(props), &err);
    g_assert_no_error(err);
    add_and_accept(&fx, 0, 0, TAG_A, &extent, 1);
    forget_notices(&fx);

    g_assert_cmpint(release_prescriptive(&fx, 0, 0, true, true, &extent, 1, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    g_assert_cmpuint(count_notices(&fx, TM_DCD_NOTICE_SANITIZE_FAILED), ==, 1);
    g_assert_cmpuint(tm_dcd_host_accepted_count(fx.dev, 0), ==, 0);
    g_assert_cmpint(tm_dcd_tag_state(fx.dev, &tag, 0), ==, TM_DC_TAG_RELEASED);
    g_assert_true(tm_dcd_has_allocations(fx.dev));
    g_assert_true(tm_hostmem_in_use(backend));
    /* Free capacity is found around it. */
    fixture_backend(&fx, "mem-b", 2 * MiB, TAG_B);
    g_assert_cmpint(add_by_length(&fx, 0, TM_DC_SELECT_FREE, 0, TAG_B, 2 * MiB, &err), ==,
                    TM_DC_OK);
    g_assert_cmphex(tm_dcd_host_pending_group(fx.dev, 0, 0).extents[0].extent.dpa, ==, 2 * MiB);
    g_assert_cmpint(add_prescriptive(&fx, 0, 0, TAG_A, &extent, 1, &err), ==,
                    TM_DC_INVALID_EXTENT_LIST);
    assert_error_contains(err, "overlaps capacity kept out of use after a failed sanitize");

    fixture_clear(&fx);
    g_unlink(path);
    g_rmdir(dir);
}

/*
 * A host of 100,000 extents: dc-max-extents is not tied to the DC event
 * log, which holds at most 65535 records.  Requests that fit the log build
 * the host up; releases from the middle and of everything keep the rest
 * in order.
 */
#define LARGE_HOST_EXTENTS 100000u
#define BLOCK (UINT64_C(4) << 10)

static void test_host_beyond_log_depth(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    g_autofree TmExtent *extents = g_new(TmExtent, LARGE_HOST_EXTENTS + 1);
    guint half = LARGE_HOST_EXTENTS / 2;

    for (guint i = 0; i <= LARGE_HOST_EXTENTS; i++) {
        extents[i] = (TmExtent) EXT(i * BLOCK, BLOCK);
    }
    fixture_init(&fx, NULL);
    fixture_backend(&fx, "mem0", 1 * GiB, NULL);
    fixture_device(&fx, "num-dc-regions=1,volatile-dc-memdev=mem0,dc-block-size=4K,"
                        "num-hosts=2,dc-max-extents=100000");
    TmEventLog *log = tm_dcd_host_event_log(fx.dev, 0, TM_EVENT_LOG_DYNAMIC_CAPACITY);
    g_assert_cmpuint(tm_event_log_depth(log), ==, TM_DCD_MAX_LOG_DEPTH);

    /* A request must fit the log, even an empty one. */
    g_assert_cmpint(add_prescriptive(&fx, 1, 0, NULL, extents, TM_DCD_MAX_LOG_DEPTH + 1, &err),
                    ==, TM_DC_RESOURCES_EXHAUSTED);
    assert_error_contains(err, "has room for 65535 records, the request needs 65536");
    g_clear_error(&err);

    add_and_accept(&fx, 0, 0, NULL, extents, half);
    tm_event_log_clear_all(log);
    add_and_accept(&fx, 0, 0, NULL, extents + half, half);
    tm_event_log_clear_all(log);
    g_assert_cmpuint(tm_dcd_host_accepted_count(fx.dev, 0), ==, LARGE_HOST_EXTENTS);
    TmDcLimits limits = tm_dcd_limits(fx.dev, 0);
    g_assert_cmpuint(limits.supported_extents, ==, LARGE_HOST_EXTENTS);
    g_assert_cmpuint(limits.available_extents, ==, 0);
    g_assert_cmpint(add_prescriptive(&fx, 0, 0, NULL, &extents[LARGE_HOST_EXTENTS], 1, &err),
                    ==, TM_DC_RESOURCES_EXHAUSTED);
    g_clear_error(&err);

    /* The host gives back every other extent of the middle 10,000. */
    g_autofree TmExtent *released = g_new(TmExtent, 5000);
    for (guint i = 0; i < 5000; i++) {
        released[i] = extents[45000 + 2 * i];
    }
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, released, 5000, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    g_assert_cmpuint(tm_dcd_host_accepted_count(fx.dev, 0), ==, LARGE_HOST_EXTENTS - 5000);
    g_assert_null(tm_dcd_host_find_accepted(fx.dev, 0, 45000 * BLOCK));
    g_assert_cmphex(tm_dcd_host_find_accepted(fx.dev, 0, 45001 * BLOCK)->extent.dpa, ==,
                    45001 * BLOCK);
    g_assert_cmphex(tm_dcd_host_accepted(fx.dev, 0, 45000)->extent.dpa, ==, 45001 * BLOCK);
    g_assert_cmphex(tm_dcd_host_accepted(fx.dev, 0, 54999)->extent.dpa, ==, 59999 * BLOCK);
    g_assert_cmphex(tm_dcd_host_accepted(fx.dev, 0, 55000)->extent.dpa, ==, 60000 * BLOCK);

    /* Then everything left, in one request. */
    guint left = tm_dcd_host_accepted_count(fx.dev, 0);
    g_autofree TmExtent *rest = g_new(TmExtent, left);
    for (guint i = 0; i < left; i++) {
        rest[i] = tm_dcd_host_accepted(fx.dev, 0, i)->extent;
    }
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, rest, left, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    g_assert_cmpuint(tm_dcd_host_accepted_count(fx.dev, 0), ==, 0);
    g_assert_false(tm_dcd_has_allocations(fx.dev));
    fixture_clear(&fx);
}

/*
 * Which ranges are pending for a host comes from the allocation map: the
 * ranges it holds that it has not accepted.  A pending range right beside
 * accepted capacity, for one host and not another, through acceptance
 * and withdrawal.
 */
static void test_pending_found_per_host(void)
{
    DcdFixture fx;
    TmExtent beside = EXT(8 * MiB, 2 * MiB);
    TmExtent accepted = EXT(6 * MiB, 2 * MiB);
    const char *tag_c = "cccccccc-0000-4000-8000-00000000000c";

    setup_tagged(&fx, "");
    fixture_backend(&fx, "mem-c", 4 * MiB, tag_c);
    g_assert_cmpint(add_prescriptive(&fx, 0, 0, tag_c, &beside, 1, NULL), ==, TM_DC_OK);
    g_assert_cmpuint(tm_dcd_host_pending_extent_count(fx.dev, 0), ==, 1);
    g_assert_cmpuint(tm_dcd_limits(fx.dev, 0).available_extents, ==, 8 - 2 - 1);

    g_autoptr(GError) pending_err = NULL;
    g_assert_cmpint(release_prescriptive(&fx, 0, 0, false, false, &beside, 1, &pending_err), ==,
                    TM_DC_INVALID_EXTENT_LIST);
    assert_error_contains(pending_err, "cannot release extent with pending DPA range");
    g_autoptr(GError) other_err = NULL;
    g_assert_cmpint(release_prescriptive(&fx, 1, 0, false, false, &beside, 1, &other_err), ==,
                    TM_DC_INVALID_EXTENT_LIST);
    assert_error_contains(other_err, "non-existing DPA range");
    g_assert_cmpint(release_prescriptive(&fx, 0, 0, false, false, &accepted, 1, NULL), ==,
                    TM_DC_OK);

    /* Withdrawn: neither pending nor held. */
    g_assert_cmpint(tm_dcd_withdraw_offers(fx.dev, 0, 0, NULL, NULL), ==, TM_DC_OK);
    g_assert_cmpuint(tm_dcd_host_pending_extent_count(fx.dev, 0), ==, 0);
    g_autoptr(GError) gone_err = NULL;
    g_assert_cmpint(release_prescriptive(&fx, 0, 0, false, false, &beside, 1, &gone_err), ==,
                    TM_DC_INVALID_EXTENT_LIST);
    assert_error_contains(gone_err, "non-existing DPA range");

    /* Offered again and accepted: held, no longer pending. */
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 1, NULL, 0, false, NULL), ==, TM_DC_OK);
    add_and_accept(&fx, 0, 0, tag_c, &beside, 1);
    g_assert_cmpuint(tm_dcd_host_pending_extent_count(fx.dev, 0), ==, 0);
    g_assert_cmpint(release_prescriptive(&fx, 0, 0, false, false, &beside, 1, NULL), ==,
                    TM_DC_OK);
    fixture_clear(&fx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/dcd_release/pending_found_per_host", test_pending_found_per_host);
    g_test_add_func("/device/dcd_release/partial_split", test_partial_release_splits);
    g_test_add_func("/device/dcd_release/request_table", test_release_request_table);
    g_test_add_func("/device/dcd_release/tag_based", test_tag_based_release);
    g_test_add_func("/device/dcd_release/forced", test_forced_release_revokes_now);
    g_test_add_func("/device/dcd_release/forced-full-log", test_forced_release_with_full_log);
    g_test_add_func("/device/dcd_release/host_checks", test_host_release_checks);
    g_test_add_func("/device/dcd_release/extent_limit", test_splits_respect_extent_limit);
    g_test_add_func("/device/dcd_release/sanitize", test_sanitize_zeroes_released_memory);
    g_test_add_func("/device/dcd_release/region_sanitize", test_region_sanitize_flag);
    g_test_add_func("/device/dcd_release/failed_sanitize",
                    test_failed_sanitize_keeps_range_out_of_use);
    g_test_add_func("/device/dcd_release/host_beyond_log_depth", test_host_beyond_log_depth);
    return g_test_run();
}
