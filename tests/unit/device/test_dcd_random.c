/*
 * Random request sequences (adds of every policy, tagged or not, partial
 * responses, host and FM releases, forced or not) against what the public
 * views must agree on after every step: accepted lists in DPA order and
 * found by DPA, tag states that match the hosts' lists and groups, extent
 * counts that match the limits, and nothing changed by a refused request.
 */
#include <glib.h>

#include "dcd_test_util.h"

#define BLOCK (64 * 1024)
#define REGION_BLOCKS 64
#define HOSTS 2
#define MAX_EXTENTS 24

static const char *const tags[] = {
    NULL,
    "aaaaaaaa-0000-4000-8000-00000000000a",
    "bbbbbbbb-0000-4000-8000-00000000000b",
    "cccccccc-0000-4000-8000-00000000000c",
};

/* What a refused request must leave as it was. */
typedef struct {
    GArray *accepted[HOSTS];    /* TmExtent */
    guint pending[HOSTS];
    guint logged[HOSTS];
} Snapshot;

static TmEventLog *dc_log(DcdFixture *fx, uint16_t host)
{
    return tm_dcd_host_event_log(fx->dev, host, TM_EVENT_LOG_DYNAMIC_CAPACITY);
}

static void snapshot_take(DcdFixture *fx, Snapshot *snap)
{
    for (uint16_t h = 0; h < HOSTS; h++) {
        snap->accepted[h] = g_array_new(FALSE, FALSE, sizeof(TmExtent));
        for (guint i = 0; i < tm_dcd_host_accepted_count(fx->dev, h); i++) {
            g_array_append_val(snap->accepted[h], tm_dcd_host_accepted(fx->dev, h, i)->extent);
        }
        snap->pending[h] = tm_dcd_host_pending_extent_count(fx->dev, h);
        snap->logged[h] = tm_event_log_count(dc_log(fx, h));
    }
}

static void snapshot_assert_same(DcdFixture *fx, Snapshot *snap)
{
    for (uint16_t h = 0; h < HOSTS; h++) {
        assert_accepted(fx, h, (const TmExtent *)(const void *)snap->accepted[h]->data,
                        snap->accepted[h]->len);
        g_assert_cmpuint(tm_dcd_host_pending_extent_count(fx->dev, h), ==, snap->pending[h]);
        g_assert_cmpuint(tm_event_log_count(dc_log(fx, h)), ==, snap->logged[h]);
        g_array_unref(snap->accepted[h]);
    }
}

static bool host_has_accepted_tag(DcdFixture *fx, uint16_t host, const TmGuid *tag)
{
    for (guint i = 0; i < tm_dcd_host_accepted_count(fx->dev, host); i++) {
        if (tm_guid_equal(&tm_dcd_host_accepted(fx->dev, host, i)->extent.tag, tag)) {
            return true;
        }
    }
    return false;
}

static bool host_has_pending_tag(DcdFixture *fx, uint16_t host, const TmGuid *tag)
{
    for (guint g = 0; g < tm_dcd_host_pending_group_count(fx->dev, host); g++) {
        TmDcPendingGroupInfo group = tm_dcd_host_pending_group(fx->dev, host, g);

        if (tm_guid_equal(&group.tag, tag)) {
            return true;
        }
    }
    return false;
}

static bool held_lists(const GArray *held, const TmGuid *tag)
{
    for (guint i = 0; i < held->len; i++) {
        if (tm_guid_equal(&g_array_index(held, TmDcTagInfo, i).tag, tag)) {
            return true;
        }
    }
    return false;
}

/* @a comes before @b among the device's tags (order of first use). */
static bool held_in_first_use_order(DcdFixture *fx, const TmDcTagInfo *a, const TmDcTagInfo *b)
{
    for (guint i = 0; i < tm_dcd_tag_count(fx->dev); i++) {
        TmDcTagInfo info = tm_dcd_tag_info(fx->dev, i);
        if (tm_guid_equal(&info.tag, &a->tag)) {
            return true;
        }
        if (tm_guid_equal(&info.tag, &b->tag)) {
            return false;
        }
    }
    g_assert_not_reached();
}

/*
 * The tag's ranges (the allocation map's tag index) cover every extent of
 * the tag the host holds, and the host's extents in them are the tag's.
 */
static void assert_tag_ranges_hold_the_extents(DcdFixture *fx, uint16_t host, const TmGuid *tag)
{
    g_autoptr(GArray) ranges = g_array_new(FALSE, FALSE, sizeof(TmExtent));
    guint in_ranges = 0;
    guint of_tag = 0;

    tm_dcd_tag_ranges(fx->dev, tag, ranges);
    for (guint r = 0; r < ranges->len; r++) {
        const TmExtent *range = &g_array_index(ranges, TmExtent, r);
        guint first, end;

        tm_dcd_host_accepted_span(fx->dev, host, range->dpa, range->length, &first, &end);
        for (guint i = first; i < end; i++) {
            g_assert_true(tm_guid_equal(&tm_dcd_host_accepted(fx->dev, host, i)->extent.tag,
                                        tag));
        }
        in_ranges += end - first;
    }
    for (guint i = 0; i < tm_dcd_host_accepted_count(fx->dev, host); i++) {
        of_tag += tm_guid_equal(&tm_dcd_host_accepted(fx->dev, host, i)->extent.tag, tag);
    }
    /* An extent split across two ranges of the tag is counted in both. */
    g_assert_cmpuint(in_ranges, >=, of_tag);
    g_assert_true(of_tag > 0 || in_ranges == 0);
}

static void assert_consistent(DcdFixture *fx)
{
    for (uint16_t h = 0; h < HOSTS; h++) {
        guint accepted = tm_dcd_host_accepted_count(fx->dev, h);
        guint pending = 0;
        uint64_t previous_end = 0;

        for (guint i = 0; i < accepted; i++) {
            const TmBackedExtent *extent = tm_dcd_host_accepted(fx->dev, h, i);

            g_assert_cmphex(extent->extent.dpa, >=, previous_end);
            g_assert_true(tm_dcd_host_find_accepted(fx->dev, h, extent->extent.dpa) == extent);
            g_assert_true(tm_dcd_host_find_accepted(fx->dev, h,
                                                    tm_extent_end(&extent->extent) - 1) ==
                          extent);
            previous_end = tm_extent_end(&extent->extent);
        }
        for (guint g = 0; g < tm_dcd_host_pending_group_count(fx->dev, h); g++) {
            pending += tm_dcd_host_pending_group(fx->dev, h, g).n_extents;
        }
        g_assert_cmpuint(tm_dcd_host_pending_extent_count(fx->dev, h), ==, pending);
        g_assert_cmpuint(tm_dcd_limits(fx->dev, h).available_extents, ==,
                         MAX_EXTENTS - MIN(MAX_EXTENTS, accepted + pending));

        g_autoptr(GArray) held = g_array_new(FALSE, FALSE, sizeof(TmDcTagInfo));
        guint n_held = tm_dcd_host_tags(fx->dev, h, held);
        guint expect_held = 0;
        for (gsize t = 1; t < G_N_ELEMENTS(tags); t++) {
            TmGuid tag = test_guid(tags[t]);
            TmDcTagState state = tm_dcd_tag_state(fx->dev, &tag, h);

            /* The host's tags are those it holds pending or committed. */
            if (state == TM_DC_TAG_PENDING || state == TM_DC_TAG_COMMITTED) {
                g_assert_true(held_lists(held, &tag));
                expect_held++;
            }
            assert_tag_ranges_hold_the_extents(fx, h, &tag);

            if (host_has_accepted_tag(fx, h, &tag)) {
                g_assert_cmpint(state, ==, TM_DC_TAG_COMMITTED);
            } else if (host_has_pending_tag(fx, h, &tag)) {
                g_assert_cmpint(state, ==, TM_DC_TAG_PENDING);
            } else {
                g_assert_true(state == TM_DC_TAG_RELEASED || state == TM_DC_TAG_NOT_FOUND);
            }
        }
        g_assert_cmpuint(n_held, ==, expect_held);
        for (guint i = 1; i < n_held; i++) {
            g_assert_true(held_in_first_use_order(fx, &g_array_index(held, TmDcTagInfo, i - 1),
                                                  &g_array_index(held, TmDcTagInfo, i)));
        }
    }
}

/* Up to three one-to-three-block ranges somewhere in the region. */
static guint random_ranges(GRand *rand, TmExtent *out)
{
    guint n = g_rand_int_range(rand, 1, 4);

    for (guint i = 0; i < n; i++) {
        uint64_t blocks = g_rand_int_range(rand, 1, 4);
        uint64_t first = g_rand_int_range(rand, 0, REGION_BLOCKS - (gint32)blocks + 1);

        out[i] = (TmExtent) EXT(first * BLOCK, blocks * BLOCK);
    }
    return n;
}

/* Accepted capacity of @host: a block-aligned part of one or two random extents. */
static guint random_accepted_parts(GRand *rand, DcdFixture *fx, uint16_t host, TmExtent *out)
{
    guint count = tm_dcd_host_accepted_count(fx->dev, host);
    guint n = 0;

    for (guint k = 0; count > 0 && k < 2; k++) {
        const TmBackedExtent *extent = tm_dcd_host_accepted(fx->dev, host,
                                                            g_rand_int_range(rand, 0, count));
        uint64_t blocks = extent->extent.length / BLOCK;
        uint64_t skip = g_rand_int_range(rand, 0, (gint32)blocks);
        uint64_t take = g_rand_int_range(rand, 1, (gint32)(blocks - skip) + 1);

        out[n++] = (TmExtent) EXT(extent->extent.dpa + skip * BLOCK, take * BLOCK);
    }
    return n;
}

/* Answer the oldest group: all, none, or block-aligned parts of its extents. */
static TmDcStatus random_response(GRand *rand, DcdFixture *fx, uint16_t host, GError **err)
{
    if (tm_dcd_host_pending_group_count(fx->dev, host) == 0) {
        return tm_dcd_host_add_response(fx->dev, host, 0, NULL, 0, false, err);
    }
    TmDcPendingGroupInfo group = tm_dcd_host_pending_group(fx->dev, host, 0);
    g_autofree TmExtent *taken = g_new(TmExtent, group.n_extents);
    guint n = 0;

    for (guint i = 0; i < group.n_extents; i++) {
        const TmExtent *offered = &group.extents[i].extent;
        uint64_t blocks = offered->length / BLOCK;
        uint64_t skip = g_rand_int_range(rand, 0, (gint32)blocks);

        if (g_rand_int_range(rand, 0, 3) > 0) {
            taken[n++] = (TmExtent) EXT(offered->dpa + skip * BLOCK,
                                        (blocks - skip) * BLOCK);
        }
    }
    return tm_dcd_host_add_response(fx->dev, host, 0, taken, n, false, err);
}

static TmDcStatus random_step(GRand *rand, DcdFixture *fx)
{
    g_autoptr(GError) err = NULL;
    uint16_t host = (uint16_t)g_rand_int_range(rand, 0, HOSTS);
    const char *tag = tags[g_rand_int_range(rand, 0, G_N_ELEMENTS(tags))];
    TmExtent ranges[3];
    guint n;

    switch (g_rand_int_range(rand, 0, 8)) {
    case 0:
        n = random_ranges(rand, ranges);
        return add_prescriptive(fx, host, 0, tag, ranges, n, &err);
    case 1:
        return add_by_length(fx, host, g_rand_boolean(rand) ? TM_DC_SELECT_FREE
                                                           : TM_DC_SELECT_CONTIGUOUS,
                             0, tag, g_rand_int_range(rand, 1, 5) * BLOCK, &err);
    case 2:
        return add_by_length(fx, host, TM_DC_SELECT_ENABLE_SHARED_ACCESS, 0, tag, 0, &err);
    case 3:
    case 4:
        return random_response(rand, fx, host, &err);
    case 5:
        n = random_accepted_parts(rand, fx, host, ranges);
        return tm_dcd_host_release(fx->dev, host, ranges, n, &err);
    case 6:
        n = random_accepted_parts(rand, fx, host, ranges);
        return release_prescriptive(fx, host, 0, g_rand_boolean(rand), g_rand_boolean(rand),
                                    ranges, n, &err);
    default:
        return release_tag(fx, host, 0, g_rand_boolean(rand), g_rand_boolean(rand), tag, &err);
    }
}

static void test_random_requests(void)
{
    for (guint32 seed = 1; seed <= 3; seed++) {
        g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
        g_autofree char *props = g_strdup_printf(
            "num-dc-regions=1,volatile-dc-memdev=mem0,dc-block-size=64K,num-hosts=%d,"
            "dc-region-sharable=1,dc-max-extents=%d", HOSTS, MAX_EXTENTS);
        DcdFixture fx;
        guint succeeded = 0;

        fixture_init(&fx, NULL);
        /* The smallest region (256 MiB); the requests use its first blocks. */
        fixture_backend(&fx, "mem0", 256 * MiB, NULL);
        for (gsize t = 1; t < G_N_ELEMENTS(tags); t++) {
            g_autofree char *id = g_strdup_printf("tagged%zu", t);
            fixture_backend(&fx, id, 2 * REGION_BLOCKS * BLOCK, tags[t]);
        }
        fixture_device(&fx, props);
        for (int step = 0; step < 10000; step++) {
            Snapshot before;

            if (step % 16 == 0) {
                for (uint16_t h = 0; h < HOSTS; h++) {
                    tm_event_log_clear_all(dc_log(&fx, h));
                }
            }
            snapshot_take(&fx, &before);
            if (random_step(rand, &fx) == TM_DC_OK) {
                succeeded++;
                for (uint16_t h = 0; h < HOSTS; h++) {
                    g_array_unref(before.accepted[h]);
                }
            } else {
                snapshot_assert_same(&fx, &before);
            }
            assert_consistent(&fx);
        }
        /* The sequence did things, not only fail. */
        g_assert_cmpuint(succeeded, >, 2000);
        fixture_clear(&fx);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/dcd_random/requests", test_random_requests);
    return g_test_run();
}
