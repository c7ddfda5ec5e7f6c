/*
 * tagmem map's layout on hand-built regions and extents: columns, the
 * dominant state, host and tag of each, mixed and sparse columns, lanes
 * for shared capacity, clipping, and 100k extents folded into a few
 * columns.
 */
#include "cli/map_layout.h"

#define BASE 0x1000u

/* Region 0: 32 bytes at BASE in 8 columns of 4 bytes. */
static const TmMapRegionInfo small_region = {
    .id = 0, .base = BASE, .length = 32, .block_size = 4, .sharable = true,
};

static TmMapExtent extent(int host, TmMapState state, uint64_t offset, uint64_t len, int tag)
{
    return (TmMapExtent){ .region = 0, .host = host, .state = state, .dpa = BASE + offset,
                          .len = len, .tag = tag };
}

static const TmMapCell *cell(const TmMapLayout *layout, guint lane, guint column)
{
    g_assert_cmpuint(lane, <, layout->regions[0].n_lanes);
    return &layout->regions[0].lanes[lane].cells[column];
}

static void test_empty_region_is_free(void)
{
    g_autoptr(TmMapLayout) layout = tm_map_layout_build(&small_region, 1, NULL, 0, 8);

    g_assert_cmpuint(layout->regions[0].n_lanes, ==, 1);
    g_assert_cmpint(layout->regions[0].lanes[0].host, ==, -1);
    for (guint c = 0; c < 8; c++) {
        g_assert_cmpint(cell(layout, 0, c)->state, ==, TM_MAP_FREE);
        g_assert_cmpint(cell(layout, 0, c)->host, ==, -1);
        g_assert_cmpint(cell(layout, 0, c)->tag, ==, -1);
        g_assert_false(cell(layout, 0, c)->mixed);
    }
}

static void test_states_hosts_and_tags(void)
{
    const TmMapExtent extents[] = {
        extent(0, TM_MAP_ACCEPTED, 0, 8, 0),    /* columns 0-1 */
        extent(1, TM_MAP_PENDING, 8, 2, 1),     /* half of column 2 */
        extent(1, TM_MAP_RELEASING, 16, 4, -1), /* column 4, untagged */
        extent(0, TM_MAP_ACCEPTED, 28, 1, 2),   /* a quarter of column 7 */
    };
    g_autoptr(TmMapLayout) layout = tm_map_layout_build(&small_region, 1, extents,
                                                        G_N_ELEMENTS(extents), 8);
    const TmMapRegion *region = &layout->regions[0];

    g_assert_cmpuint(region->n_lanes, ==, 1); /* nothing overlaps: one lane */
    for (guint c = 0; c < 2; c++) {
        g_assert_cmpint(cell(layout, 0, c)->state, ==, TM_MAP_ACCEPTED);
        g_assert_cmpint(cell(layout, 0, c)->host, ==, 0);
        g_assert_cmpint(cell(layout, 0, c)->tag, ==, 0);
        g_assert_cmpuint(cell(layout, 0, c)->used, ==, 4);
    }
    g_assert_cmpint(cell(layout, 0, 2)->state, ==, TM_MAP_PENDING);
    g_assert_cmpint(cell(layout, 0, 2)->host, ==, 1);
    g_assert_cmpint(cell(layout, 0, 2)->tag, ==, 1);
    /* Half used is not "less than half". */
    g_assert_false(tm_map_cell_sparse(region, 8, 2, cell(layout, 0, 2)));
    g_assert_cmpint(cell(layout, 0, 3)->state, ==, TM_MAP_FREE);
    g_assert_cmpint(cell(layout, 0, 4)->state, ==, TM_MAP_RELEASING);
    g_assert_cmpint(cell(layout, 0, 4)->tag, ==, -1);
    /* One byte of four still shows: held, but drawn as sparse. */
    g_assert_cmpint(cell(layout, 0, 7)->state, ==, TM_MAP_ACCEPTED);
    g_assert_true(tm_map_cell_sparse(region, 8, 7, cell(layout, 0, 7)));
    for (guint c = 0; c < 8; c++) {
        g_assert_false(cell(layout, 0, c)->mixed);
    }
}

static void test_mixed_column_keeps_the_dominant(void)
{
    const TmMapExtent extents[] = {
        extent(0, TM_MAP_ACCEPTED, 0, 3, 5),
        extent(1, TM_MAP_PENDING, 3, 1, 6),
        extent(0, TM_MAP_ACCEPTED, 4, 1, 7),
        extent(0, TM_MAP_ACCEPTED, 5, 3, 8),
    };
    g_autoptr(TmMapLayout) layout = tm_map_layout_build(&small_region, 1, extents,
                                                        G_N_ELEMENTS(extents), 8);

    g_assert_cmpint(cell(layout, 0, 0)->state, ==, TM_MAP_ACCEPTED);
    g_assert_cmpint(cell(layout, 0, 0)->host, ==, 0);
    g_assert_cmpint(cell(layout, 0, 0)->tag, ==, 5);
    g_assert_true(cell(layout, 0, 0)->mixed);
    g_assert_cmpuint(cell(layout, 0, 0)->extents, ==, 2);
    /* Same host and state, two tags: still mixed, the longer run names it. */
    g_assert_cmpint(cell(layout, 0, 1)->tag, ==, 8);
    g_assert_true(cell(layout, 0, 1)->mixed);
}

static void test_shared_capacity_gets_host_lanes(void)
{
    const TmMapExtent extents[] = {
        extent(2, TM_MAP_ACCEPTED, 0, 8, 0),
        extent(0, TM_MAP_PENDING, 4, 8, 0),   /* overlaps host 2 at 4..8 */
        extent(0, TM_MAP_ACCEPTED, 24, 8, 1),
    };
    g_autoptr(TmMapLayout) layout = tm_map_layout_build(&small_region, 1, extents,
                                                        G_N_ELEMENTS(extents), 8);

    g_assert_cmpuint(layout->regions[0].n_lanes, ==, 2);
    g_assert_cmpint(layout->regions[0].lanes[0].host, ==, 0);
    g_assert_cmpint(layout->regions[0].lanes[1].host, ==, 2);
    g_assert_cmpint(cell(layout, 0, 0)->state, ==, TM_MAP_FREE);
    g_assert_cmpint(cell(layout, 0, 1)->state, ==, TM_MAP_PENDING);
    g_assert_cmpint(cell(layout, 0, 7)->host, ==, 0);
    g_assert_cmpint(cell(layout, 1, 0)->host, ==, 2);
    g_assert_cmpint(cell(layout, 1, 1)->state, ==, TM_MAP_ACCEPTED);
    g_assert_false(cell(layout, 1, 1)->mixed); /* each lane holds one host */
    g_assert_cmpint(cell(layout, 1, 7)->state, ==, TM_MAP_FREE);
}

static void test_adjacent_hosts_share_a_lane(void)
{
    const TmMapExtent extents[] = {
        extent(0, TM_MAP_ACCEPTED, 0, 4, 0),
        extent(1, TM_MAP_ACCEPTED, 2, 0, 0),  /* empty: nothing to draw */
        extent(1, TM_MAP_ACCEPTED, 4, 4, 0),
    };
    g_autoptr(TmMapLayout) layout = tm_map_layout_build(&small_region, 1, extents,
                                                        G_N_ELEMENTS(extents), 8);

    g_assert_cmpuint(layout->regions[0].n_lanes, ==, 1);
    g_assert_cmpint(cell(layout, 0, 0)->host, ==, 0);
    g_assert_cmpint(cell(layout, 0, 1)->host, ==, 1);
    g_assert_false(cell(layout, 0, 0)->mixed);
}

static void test_clipping_and_other_regions(void)
{
    const TmMapRegionInfo regions[] = {
        small_region,
        { .id = 3, .base = BASE + 32, .length = 32, .block_size = 4 },
    };
    TmMapExtent extents[] = {
        extent(0, TM_MAP_ACCEPTED, 28, 12, 0), /* past region 0's end: clipped */
        extent(1, TM_MAP_ACCEPTED, 36, 4, 1),
        extent(1, TM_MAP_ACCEPTED, 0, 4, 1),   /* region 7: not drawn */
    };
    extents[1].region = 3;
    extents[2].region = 7;
    g_autoptr(TmMapLayout) layout = tm_map_layout_build(regions, 2, extents,
                                                        G_N_ELEMENTS(extents), 8);

    g_assert_cmpuint(layout->n_regions, ==, 2);
    g_assert_cmpuint(cell(layout, 0, 7)->used, ==, 4);
    g_assert_cmpint(cell(layout, 0, 0)->state, ==, TM_MAP_FREE);
    g_assert_cmpint(layout->regions[1].lanes[0].cells[0].state, ==, TM_MAP_FREE);
    g_assert_cmpint(layout->regions[1].lanes[0].cells[1].host, ==, 1);
}

static void test_100k_extents_fold_into_columns(void)
{
    const guint n = 100000;
    const TmMapRegionInfo region = { .id = 0, .base = 0, .length = (uint64_t)n * 16 };
    g_autofree TmMapExtent *extents = g_new(TmMapExtent, n);

    /* 16-byte slots: two of host 0, one of host 1, one empty; 10k tags. */
    for (guint i = 0; i < n; i++) {
        extents[i] = (TmMapExtent){ .region = 0, .host = (int)(i / 2 % 2),
                                    .state = TM_MAP_ACCEPTED, .dpa = (uint64_t)i * 16,
                                    .len = i % 4 == 3 ? 0 : 16, .tag = (int)(i % 10000) };
    }
    g_autoptr(TmMapLayout) layout = tm_map_layout_build(&region, 1, extents, n, 100);

    g_assert_cmpuint(layout->regions[0].n_lanes, ==, 1);
    for (guint c = 0; c < 100; c++) {
        const TmMapCell *column = &layout->regions[0].lanes[0].cells[c];
        g_assert_cmpuint(column->extents, ==, 750);
        g_assert_cmpuint(column->used, ==, 750 * 16);
        g_assert_cmpint(column->host, ==, 0); /* slots 0,1 host 0, slot 2 host 1 */
        g_assert_true(column->mixed);
        g_assert_false(tm_map_cell_sparse(&layout->regions[0], 100, c, column));
    }
}

static void test_huge_region_columns(void)
{
    const TmMapRegionInfo region = { .id = 0, .base = 1ull << 62, .length = (1ull << 62) - 7 };
    const TmMapExtent last = { .region = 0, .host = 0, .state = TM_MAP_ACCEPTED,
                               .dpa = (1ull << 63) - 8, .len = 1, .tag = -1 };
    g_autoptr(TmMapLayout) layout = tm_map_layout_build(&region, 1, &last, 1, 1000);

    g_assert_cmpuint(tm_map_column_start(&layout->regions[0], 1000, 0), ==, region.base);
    g_assert_cmpuint(tm_map_column_start(&layout->regions[0], 1000, 1000), ==,
                     region.base + region.length);
    g_assert_cmpint(layout->regions[0].lanes[0].cells[999].state, ==, TM_MAP_ACCEPTED);
    g_assert_cmpint(layout->regions[0].lanes[0].cells[998].state, ==, TM_MAP_FREE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/map-layout/empty-region-is-free", test_empty_region_is_free);
    g_test_add_func("/map-layout/states-hosts-and-tags", test_states_hosts_and_tags);
    g_test_add_func("/map-layout/mixed-column-keeps-the-dominant",
                    test_mixed_column_keeps_the_dominant);
    g_test_add_func("/map-layout/shared-capacity-gets-host-lanes",
                    test_shared_capacity_gets_host_lanes);
    g_test_add_func("/map-layout/adjacent-hosts-share-a-lane", test_adjacent_hosts_share_a_lane);
    g_test_add_func("/map-layout/clipping-and-other-regions", test_clipping_and_other_regions);
    g_test_add_func("/map-layout/100k-extents-fold-into-columns",
                    test_100k_extents_fold_into_columns);
    g_test_add_func("/map-layout/huge-region-columns", test_huge_region_columns);
    return g_test_run();
}
