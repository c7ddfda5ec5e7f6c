/* Tagged lazy backing, tag lifecycle and shared access. */
#include <string.h>
#include <glib.h>

#include "dcd_test_util.h"

#define TAG_A "aaaaaaaa-0000-4000-8000-00000000000a"
#define TAG_B "bbbbbbbb-0000-4000-8000-00000000000b"
#define TAG_S "5be13bce-ae34-4a77-b6c3-16df975fcf1a"

static void test_lifecycle_pending_committed_released(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmGuid tag = test_guid(TAG_A);
    TmDcTagInfo info;

    fixture_init(&fx, "num-dc-regions=1,dc-regions-total-size=256M,num-hosts=2");
    TmHostMem *backend = fixture_backend(&fx, "mem-a", 8 * MiB, TAG_A);
    g_assert_cmpint(tm_dcd_tag_state(fx.dev, &tag, 0), ==, TM_DC_TAG_NOT_FOUND);

    g_assert_cmpint(add_by_length(&fx, 0, TM_DC_SELECT_FREE, 0, TAG_A, 8 * MiB, &err), ==,
                    TM_DC_OK);
    g_assert_no_error(err);
    g_assert_cmpint(tm_dcd_tag_state(fx.dev, &tag, 0), ==, TM_DC_TAG_PENDING);
    g_assert_cmpint(tm_dcd_tag_state(fx.dev, &tag, 1), ==, TM_DC_TAG_NOT_FOUND);
    g_assert_cmpuint(tm_dcd_limits(fx.dev, 0).available_tags, ==, TM_DCD_DEFAULT_MAX_TAGS - 1);
    /* Held from the request on, mapped only when the host accepts. */
    g_assert_cmpstr(tm_hostmem_first_user(backend), ==,
                    "extent 0x0+0x800000 of /machine/peripheral/dcd0");
    g_assert_false(tm_hostmem_is_allocated(backend));
    const TmEventRecord *record = tm_event_log_peek(
        tm_dcd_host_event_log(fx.dev, 0, TM_EVENT_LOG_DYNAMIC_CAPACITY), 0);
    g_assert_true(tm_guid_equal(&record->dc.extent.tag, &tag));
    g_assert_cmpuint(record->dc.available_tags, ==, TM_DCD_DEFAULT_MAX_TAGS - 1);

    accept_all(&fx, 0);
    g_assert_cmpint(tm_dcd_tag_state(fx.dev, &tag, 0), ==, TM_DC_TAG_COMMITTED);
    g_assert_true(tm_hostmem_is_allocated(backend));
    /* Records queued and the offer (with the tagged extent), then the acceptance. */
    const RecordedNotice *offered = &g_array_index(fx.notices, RecordedNotice, 1);
    g_assert_cmpint(offered->kind, ==, TM_DCD_NOTICE_OFFERED);
    g_assert_true(tm_guid_equal(&g_array_index(offered->extents, TmBackedExtent, 0).extent.tag,
                                &tag));
    const RecordedNotice *committed = &g_array_index(fx.notices, RecordedNotice, 2);
    g_assert_cmpint(committed->kind, ==, TM_DCD_NOTICE_COMMITTED);
    g_assert_true(tm_guid_equal(&g_array_index(committed->extents, TmBackedExtent, 0).extent.tag,
                                &tag));
    g_assert_true(g_array_index(committed->extents, TmBackedExtent, 0).backend == backend);
    g_assert_true(tm_dcd_find_tag(fx.dev, &tag, &info));
    g_assert_cmpint(info.state, ==, TM_DC_TAG_COMMITTED);
    g_assert_true(info.backend == backend);
    g_assert_cmphex(info.allocated, ==, 8 * MiB);
    g_assert_true(tm_host_set_contains(&info.committed_hosts, 0));

    /* A tagged backend in use can be neither deleted nor retagged. */
    g_assert_false(tm_backend_registry_delete(fx.backends, "mem-a", &err));
    assert_error_contains(err, "extent 0x0+0x800000 of /machine/peripheral/dcd0");
    g_clear_error(&err);

    g_assert_cmpint(release_tag(&fx, 0, 0, false, false, TAG_A, NULL), ==, TM_DC_OK);
    TmExtent all = EXT(0, 8 * MiB);
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, &all, 1, NULL), ==, TM_DC_OK);
    g_assert_cmpint(tm_dcd_tag_state(fx.dev, &tag, 0), ==, TM_DC_TAG_RELEASED);
    g_assert_true(tm_dcd_find_tag(fx.dev, &tag, &info));
    g_assert_cmpint(info.state, ==, TM_DC_TAG_RELEASED);
    g_assert_null(info.backend);
    g_assert_cmpuint(tm_dcd_limits(fx.dev, 0).available_tags, ==, TM_DCD_DEFAULT_MAX_TAGS);
    g_assert_false(tm_hostmem_in_use(backend));

    /* The tag can be used again, from offset 0. */
    g_assert_cmpint(add_by_length(&fx, 1, TM_DC_SELECT_CONTIGUOUS, 0, TAG_A, 8 * MiB, &err), ==,
                    TM_DC_OK);
    g_assert_cmpuint(tm_dcd_tag_count(fx.dev), ==, 1);
    g_assert_cmpint(tm_dcd_tag_info(fx.dev, 0).state, ==, TM_DC_TAG_PENDING);
    g_assert_cmphex(tm_dcd_host_pending_group(fx.dev, 1, 0).extents[0].backend_offset, ==, 0);
    fixture_clear(&fx);
}

static void test_rejected_offer_releases_tag(void)
{
    DcdFixture fx;
    TmGuid tag = test_guid(TAG_A);

    fixture_init(&fx, "num-dc-regions=1,dc-regions-total-size=256M");
    TmHostMem *backend = fixture_backend(&fx, "mem-a", 4 * MiB, TAG_A);
    g_assert_cmpint(add_by_length(&fx, 0, TM_DC_SELECT_FREE, 0, TAG_A, 4 * MiB, NULL), ==,
                    TM_DC_OK);
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, NULL, 0, false, NULL), ==, TM_DC_OK);
    g_assert_cmpint(tm_dcd_tag_state(fx.dev, &tag, 0), ==, TM_DC_TAG_RELEASED);
    g_assert_false(tm_hostmem_in_use(backend));
    g_assert_false(tm_hostmem_is_allocated(backend));
    fixture_clear(&fx);
}

static void test_allocation_tiles_backend(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmExtent first = EXT(0, 2 * MiB);
    TmExtent more[] = { EXT(10 * MiB, 4 * MiB), EXT(4 * MiB, 2 * MiB) };

    fixture_init(&fx, "num-dc-regions=1,dc-regions-total-size=256M");
    fixture_backend(&fx, "mem-a", 8 * MiB, TAG_A);
    add_and_accept(&fx, 0, 0, TAG_A, &first, 1);
    /* A second request extends the allocation, in shared-sequence order. */
    g_assert_cmpint(add_prescriptive(&fx, 0, 0, TAG_A, more, 2, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    TmDcPendingGroupInfo group = tm_dcd_host_pending_group(fx.dev, 0, 0);
    g_assert_cmphex(group.extents[0].backend_offset, ==, 2 * MiB);
    g_assert_cmpuint(group.extents[0].extent.shared_seq, ==, 1);
    g_assert_cmphex(group.extents[1].backend_offset, ==, 6 * MiB);
    g_assert_cmpuint(group.extents[1].extent.shared_seq, ==, 2);
    accept_all(&fx, 0);
    g_assert_cmphex(tm_dcd_host_find_accepted(fx.dev, 0, 11 * MiB)->backend_offset, ==, 2 * MiB);

    /* The allocation in sequence order: [0,2M) [10M,14M) [4M,6M). */
    g_autoptr(GArray) extents = g_array_new(FALSE, FALSE, sizeof(TmBackedExtent));
    TmGuid tag = test_guid(TAG_A);
    g_assert_cmpuint(tm_dcd_tag_extents(fx.dev, &tag, extents), ==, 3);
    g_assert_cmphex(g_array_index(extents, TmBackedExtent, 0).extent.dpa, ==, 0);
    g_assert_cmphex(g_array_index(extents, TmBackedExtent, 1).extent.dpa, ==, 10 * MiB);
    g_assert_cmphex(g_array_index(extents, TmBackedExtent, 2).extent.dpa, ==, 4 * MiB);
    g_assert_cmphex(g_array_index(extents, TmBackedExtent, 2).backend_offset, ==, 6 * MiB);

    /* 8M of 8M are spoken for. */
    TmExtent too_much = EXT(20 * MiB, 2 * MiB);
    g_assert_cmpint(add_prescriptive(&fx, 0, 0, TAG_A, &too_much, 1, &err), ==,
                    TM_DC_INVALID_INPUT);
    assert_error_contains(err, "memory backend 'mem-a' (tag " TAG_A ") is too small: it has "
                               "0x800000 bytes, the allocation needs 0xa00000");
    fixture_clear(&fx);
}

typedef struct {
    const char *name;
    uint16_t host;
    uint8_t region;
    const char *tag;
    uint64_t length;
    TmDcStatus status;
    const char *message;
} TaggedAddCase;

static void test_tagged_backing_errors(void)
{
    static const TaggedAddCase cases[] = {
        { "no backend with the tag", 0, 0, "cccccccc-0000-4000-8000-00000000000c", 2 * MiB,
          TM_DC_INVALID_INPUT, "no memory backend has tag cccccccc-0000-4000-8000-00000000000c" },
        { "backend too small", 0, 0, TAG_B, 6 * MiB, TM_DC_INVALID_INPUT,
          "memory backend 'mem-b' (tag " TAG_B ") is too small: it has 0x400000 bytes, the "
          "allocation needs 0x600000" },
        { "backend used by another device", 0, 0, "dddddddd-0000-4000-8000-00000000000d",
          2 * MiB, TM_DC_INVALID_INPUT,
          "memory backend 'mem-d' (tag dddddddd-0000-4000-8000-00000000000d) is already in use "
          "by /machine/peripheral/other" },
        { "tag held by another host", 1, 0, TAG_A, 2 * MiB, TM_DC_INVALID_INPUT,
          "tag " TAG_A " is already allocated to host 0 (share it with enable-shared-access)" },
        { "tag in another region", 0, 1, TAG_A, 2 * MiB, TM_DC_INVALID_INPUT,
          "tag " TAG_A " is allocated in region 0, not region 1" },
        { "out of tags", 0, 0, TAG_B, 2 * MiB, TM_DC_RESOURCES_EXHAUSTED,
          "no tag available: device 'dcd0' tracks at most 1 tags" },
    };
    DcdFixture fx;

    fixture_init(&fx, "num-dc-regions=2,dc-regions-total-size=512M,num-hosts=2,dc-max-tags=1");
    fixture_backend(&fx, "mem-a", 16 * MiB, TAG_A);
    fixture_backend(&fx, "mem-b", 4 * MiB, TAG_B);
    fixture_backend(&fx, "mem-d", 256 * MiB, "dddddddd-0000-4000-8000-00000000000d");
    g_assert_nonnull(test_create_device(fx.devices, "other",
                                        "num-dc-regions=1,volatile-dc-memdev=mem-d", NULL));
    g_assert_cmpint(add_by_length(&fx, 0, TM_DC_SELECT_FREE, 0, TAG_A, 2 * MiB, NULL), ==,
                    TM_DC_OK);
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const TaggedAddCase *c = &cases[i];
        g_autoptr(GError) err = NULL;

        g_test_message("case: %s", c->name);
        g_assert_cmpint(add_by_length(&fx, c->host, TM_DC_SELECT_FREE, c->region, c->tag,
                                      c->length, &err), ==, c->status);
        assert_error_contains(err, c->message);
        g_assert_cmpuint(tm_dcd_host_pending_extent_count(fx.dev, 0), ==, 1);
        g_assert_cmpuint(tm_dcd_host_pending_extent_count(fx.dev, 1), ==, 0);
    }
    /* The owner may extend its allocation. */
    g_assert_cmpint(add_by_length(&fx, 0, TM_DC_SELECT_FREE, 0, TAG_A, 2 * MiB, NULL), ==,
                    TM_DC_OK);
    fixture_clear(&fx);
}

/* Region 0 sharable, region 1 not; host 0 accepted tag S: [0,4M) and [8M,10M). */
static TmHostMem *setup_shared(DcdFixture *fx)
{
    TmExtent extents[] = { EXT(0, 4 * MiB), EXT(8 * MiB, 2 * MiB) };

    fixture_init(fx, "num-dc-regions=2,dc-regions-total-size=512M,num-hosts=3,"
                     "dc-region-sharable=1");
    TmHostMem *backend = fixture_backend(fx, "mem-s", 6 * MiB, TAG_S);
    add_and_accept(fx, 0, 0, TAG_S, extents, 2);
    return backend;
}

static TmDcStatus share(DcdFixture *fx, uint16_t host, uint8_t region, const char *tag,
                        GError **err)
{
    return add_by_length(fx, host, TM_DC_SELECT_ENABLE_SHARED_ACCESS, region, tag, 0, err);
}

static void test_shared_access(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmGuid tag = test_guid(TAG_S);
    TmHostMem *backend = setup_shared(&fx);

    g_assert_cmpint(share(&fx, 1, 0, TAG_S, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    TmDcPendingGroupInfo group = tm_dcd_host_pending_group(fx.dev, 1, 0);
    g_assert_cmpint(group.policy, ==, TM_DC_SELECT_ENABLE_SHARED_ACCESS);
    g_assert_cmpuint(group.n_extents, ==, 2);
    g_assert_cmphex(group.extents[1].extent.dpa, ==, 8 * MiB);
    g_assert_cmphex(group.extents[1].backend_offset, ==, 4 * MiB);
    g_assert_cmpuint(group.extents[1].extent.shared_seq, ==, 1);
    g_assert_true(group.extents[1].backend == backend);
    accept_all(&fx, 1);

    TmDcTagInfo info;
    g_assert_true(tm_dcd_find_tag(fx.dev, &tag, &info));
    g_assert_true(tm_host_set_contains(&info.committed_hosts, 0));
    g_assert_true(tm_host_set_contains(&info.committed_hosts, 1));
    g_assert_false(tm_host_set_contains(&info.committed_hosts, 2));
    /* Shared capacity is still allocated: nobody else gets it. */
    TmExtent same = EXT(0, 2 * MiB);
    g_assert_cmpint(add_prescriptive(&fx, 2, 0, TAG_S, &same, 1, &err), ==,
                    TM_DC_INVALID_EXTENT_LIST);
    assert_error_contains(err, "overlaps capacity allocated to host 0");
    g_clear_error(&err);

    /* The owner cannot grow an allocation others share. */
    g_assert_cmpint(add_by_length(&fx, 0, TM_DC_SELECT_FREE, 0, TAG_S, 2 * MiB, &err), ==,
                    TM_DC_INVALID_INPUT);
    assert_error_contains(err, "tag " TAG_S " is shared with host 1: a shared allocation "
                               "cannot grow");
    g_clear_error(&err);

    /* Data written through one host is there for the other: one backend. */
    uint8_t *memory = tm_hostmem_get_memory(backend, NULL);
    memset(memory, 0x77, 6 * MiB);

    /* Host 0 lets go, asked to sanitize: host 1 still maps it, so no zeroing yet. */
    TmExtent first = EXT(0, 4 * MiB);
    TmExtent second = EXT(8 * MiB, 2 * MiB);
    g_assert_cmpint(release_prescriptive(&fx, 0, 0, false, true, &first, 1, NULL), ==, TM_DC_OK);
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, &first, 1, NULL), ==, TM_DC_OK);
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, &second, 1, NULL), ==, TM_DC_OK);
    g_assert_cmpint(tm_dcd_tag_state(fx.dev, &tag, 0), ==, TM_DC_TAG_RELEASED);
    g_assert_cmpint(tm_dcd_tag_state(fx.dev, &tag, 1), ==, TM_DC_TAG_COMMITTED);
    g_assert_true(tm_hostmem_in_use(backend));
    g_assert_cmpuint(memory[0], ==, 0x77);

    /* Host 1 lets go of the sanitized range: now it is zeroed, the rest is not. */
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 1, &first, 1, NULL), ==, TM_DC_OK);
    for (uint64_t i = 0; i < 4 * MiB; i += 4096) {
        g_assert_cmpuint(memory[i], ==, 0);
    }
    g_assert_cmpuint(memory[4 * MiB], ==, 0x77);
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 1, &second, 1, NULL), ==, TM_DC_OK);
    g_assert_false(tm_hostmem_in_use(backend));
    g_assert_cmpint(tm_dcd_tag_state(fx.dev, &tag, 1), ==, TM_DC_TAG_RELEASED);
    fixture_clear(&fx);
}

typedef struct {
    const char *name;
    uint16_t host;
    uint8_t region;
    const char *tag;
    TmDcStatus status;
    const char *message;
} ShareCase;

static void test_shared_access_errors(void)
{
    static const ShareCase cases[] = {
        { "no tag", 1, 0, NULL, TM_DC_INVALID_INPUT, "enable-shared-access needs a tag" },
        { "unknown tag", 1, 0, TAG_B, TM_DC_INVALID_INPUT,
          "tag " TAG_B " has no capacity in region 0" },
        { "non-sharable region", 1, 1, TAG_A, TM_DC_INVALID_INPUT,
          "region 1 is not sharable (see dc-region-sharable)" },
        { "already committed", 0, 0, TAG_S, TM_DC_INVALID_EXTENT_LIST,
          "cannot add DPA already accessible to the same LD" },
        { "already pending", 2, 0, TAG_S, TM_DC_INVALID_EXTENT_LIST,
          "cannot add DPA again while still pending" },
    };
    DcdFixture fx;
    TmExtent in_region1 = EXT(256 * MiB, 2 * MiB);

    setup_shared(&fx);
    fixture_backend(&fx, "mem-a", 2 * MiB, TAG_A);
    add_and_accept(&fx, 0, 1, TAG_A, &in_region1, 1);
    g_assert_cmpint(share(&fx, 2, 0, TAG_S, NULL), ==, TM_DC_OK);
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const ShareCase *c = &cases[i];
        g_autoptr(GError) err = NULL;

        g_test_message("case: %s", c->name);
        g_assert_cmpint(share(&fx, c->host, c->region, c->tag, &err), ==, c->status);
        assert_error_contains(err, c->message);
        g_assert_cmpuint(tm_dcd_host_pending_group_count(fx.dev, 1), ==, 0);
    }
    /* In a non-sharable region the tag stays with its host. */
    g_autoptr(GError) err = NULL;
    g_assert_cmpint(add_by_length(&fx, 1, TM_DC_SELECT_FREE, 1, TAG_A, 2 * MiB, &err), ==,
                    TM_DC_INVALID_INPUT);
    assert_error_contains(err, "tag " TAG_A " is already allocated to host 0");
    fixture_clear(&fx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/dcd_tags/lifecycle", test_lifecycle_pending_committed_released);
    g_test_add_func("/device/dcd_tags/rejected_offer", test_rejected_offer_releases_tag);
    g_test_add_func("/device/dcd_tags/tiles_backend", test_allocation_tiles_backend);
    g_test_add_func("/device/dcd_tags/backing_errors", test_tagged_backing_errors);
    g_test_add_func("/device/dcd_tags/shared_access", test_shared_access);
    g_test_add_func("/device/dcd_tags/shared_access_errors", test_shared_access_errors);
    return g_test_run();
}
