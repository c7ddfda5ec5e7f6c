/* The device-wide allocation map: splits, free gaps, backend users. */
#include <glib.h>

#include "device/alloc_map.h"
#include "dcd_test_util.h"

static TmAllocRange range_at(uint64_t dpa, uint64_t length, TmHostMem *backend,
                             const char *tag, uint64_t offset)
{
    TmAllocRange range = {
        .range = {
            .extent = { .dpa = dpa, .length = length, .tag = test_guid(tag) },
            .backend = backend,
            .backend_offset = offset,
        },
    };

    tm_host_set_add(&range.holders, 1);
    return range;
}

static void test_gaps(void)
{
    g_autoptr(TmAllocMap) map = tm_alloc_map_new("/machine/peripheral/dcd0");
    TmAllocRange a = range_at(4 * MiB, 2 * MiB, NULL, NULL, 0);
    TmAllocRange b = range_at(6 * MiB, 2 * MiB, NULL, NULL, 0);
    TmAllocRange c = range_at(12 * MiB, 4 * MiB, NULL, NULL, 0);
    uint64_t pos = 0;
    uint64_t gap = 0;

    tm_alloc_map_insert(map, &c);
    tm_alloc_map_insert(map, &a);
    tm_alloc_map_insert(map, &b);
    g_assert_true(tm_alloc_map_next_gap(map, &pos, 16 * MiB, &gap));
    g_assert_cmphex(pos, ==, 0);
    g_assert_cmphex(gap, ==, 4 * MiB);
    pos += gap;
    /* [4M,8M) is two adjacent ranges: the next gap is [8M,12M). */
    g_assert_true(tm_alloc_map_next_gap(map, &pos, 16 * MiB, &gap));
    g_assert_cmphex(pos, ==, 8 * MiB);
    g_assert_cmphex(gap, ==, 4 * MiB);
    pos += gap;
    g_assert_false(tm_alloc_map_next_gap(map, &pos, 16 * MiB, &gap));
    /* A limit inside a gap cuts it. */
    pos = 9 * MiB;
    g_assert_true(tm_alloc_map_next_gap(map, &pos, 10 * MiB, &gap));
    g_assert_cmphex(pos, ==, 9 * MiB);
    g_assert_cmphex(gap, ==, 1 * MiB);

    g_assert_true(tm_alloc_map_overlaps(map, 7 * MiB, 2 * MiB));
    g_assert_false(tm_alloc_map_overlaps(map, 8 * MiB, 4 * MiB));
}

static void test_isolate_splits_and_keeps_offsets(void)
{
    g_autoptr(TmAllocMap) map = tm_alloc_map_new("/machine/peripheral/dcd0");
    TmAllocRange whole = range_at(0, 8 * MiB, NULL, NULL, 64 * MiB);
    guint first;
    guint end;

    tm_alloc_map_insert(map, &whole);
    tm_alloc_map_isolate(map, 2 * MiB, 4 * MiB, &first, &end);
    g_assert_cmpuint(tm_alloc_map_length(map), ==, 3);
    g_assert_cmpuint(first, ==, 1);
    g_assert_cmpuint(end, ==, 2);

    const TmAllocRange *middle = tm_alloc_map_get(map, 1);
    g_assert_cmphex(middle->range.extent.dpa, ==, 2 * MiB);
    g_assert_cmphex(middle->range.extent.length, ==, 4 * MiB);
    g_assert_cmphex(middle->range.backend_offset, ==, 66 * MiB);
    g_assert_true(tm_host_set_contains(&middle->holders, 1));
    g_assert_cmphex(tm_alloc_map_get(map, 2)->range.backend_offset, ==, 70 * MiB);

    /* Isolating on existing boundaries splits nothing. */
    tm_alloc_map_isolate(map, 0, 6 * MiB, &first, &end);
    g_assert_cmpuint(tm_alloc_map_length(map), ==, 3);
    g_assert_cmpuint(first, ==, 0);
    g_assert_cmpuint(end, ==, 2);
}

static void test_tagged_ranges_register_backend_users(void)
{
    DcdFixture fx;
    const char *tag = "11111111-2222-3333-4444-555555555555";

    fixture_init(&fx, NULL);
    TmHostMem *backend = fixture_backend(&fx, "mem0", 16 * MiB, tag);
    TmAllocMap *map = tm_alloc_map_new("/machine/peripheral/dcd0");
    TmAllocRange range = range_at(0x10000000, 8 * MiB, backend, tag, 0);
    guint first;
    guint end;

    tm_alloc_map_insert(map, &range);
    g_assert_true(tm_hostmem_in_use(backend));
    g_assert_cmpstr(tm_hostmem_first_user(backend), ==,
                    "extent 0x10000000+0x800000 of /machine/peripheral/dcd0");

    tm_alloc_map_isolate(map, 0x10000000, 2 * MiB, &first, &end);
    tm_alloc_map_remove(map, first);
    /* The rest still holds the backend, under its new description. */
    g_assert_true(tm_hostmem_in_use(backend));
    g_assert_cmpstr(tm_hostmem_first_user(backend), ==,
                    "extent 0x10200000+0x600000 of /machine/peripheral/dcd0");

    /* Freeing the map lets go of the rest. */
    tm_alloc_map_free(map);
    g_assert_false(tm_hostmem_in_use(backend));
    fixture_clear(&fx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/alloc_map/gaps", test_gaps);
    g_test_add_func("/device/alloc_map/isolate", test_isolate_splits_and_keeps_offsets);
    g_test_add_func("/device/alloc_map/backend_users", test_tagged_ranges_register_backend_users);
    return g_test_run();
}
