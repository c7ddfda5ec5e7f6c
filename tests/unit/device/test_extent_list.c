/* The sorted accepted-extent list: lookup, coverage, splits and window offsets. */
#include <glib.h>

#include "device/extent_list.h"
#include "dcd_test_util.h"

static TmBackedExtent backed(uint64_t dpa, uint64_t length, uint64_t offset)
{
    return (TmBackedExtent) {
        .extent = { .dpa = dpa, .length = length, .shared_seq = 3 },
        .backend_offset = offset,
    };
}

/* Extents [0,4M) off 100M, [8M,16M) off 0, [16M,18M) off 50M. */
static TmExtentList *sample_list(void)
{
    TmExtentList *list = tm_extent_list_new();
    TmBackedExtent extents[] = {
        backed(8 * MiB, 8 * MiB, 0), backed(0, 4 * MiB, 100 * MiB),
        backed(16 * MiB, 2 * MiB, 50 * MiB),
    };

    for (gsize i = 0; i < G_N_ELEMENTS(extents); i++) {
        tm_extent_list_insert(list, &extents[i]);
    }
    return list;
}

static void test_sorted_and_found(void)
{
    g_autoptr(TmExtentList) list = sample_list();

    g_assert_cmpuint(tm_extent_list_length(list), ==, 3);
    g_assert_cmphex(tm_extent_list_get(list, 0)->extent.dpa, ==, 0);
    g_assert_cmphex(tm_extent_list_get(list, 1)->extent.dpa, ==, 8 * MiB);
    g_assert_cmphex(tm_extent_list_get(list, 2)->extent.dpa, ==, 16 * MiB);

    g_assert_cmpint(tm_extent_list_find(list, 0), ==, 0);
    g_assert_cmpint(tm_extent_list_find(list, 4 * MiB - 1), ==, 0);
    g_assert_cmpint(tm_extent_list_find(list, 4 * MiB), ==, -1);
    g_assert_cmpint(tm_extent_list_find(list, 12 * MiB), ==, 1);
    g_assert_cmpint(tm_extent_list_find(list, 17 * MiB), ==, 2);
    g_assert_cmpint(tm_extent_list_find(list, 18 * MiB), ==, -1);

    g_assert_true(tm_extent_list_overlaps(list, 3 * MiB, 2 * MiB));
    g_assert_false(tm_extent_list_overlaps(list, 4 * MiB, 4 * MiB));
    g_assert_true(tm_extent_list_overlaps(list, 4 * MiB, 4 * MiB + 1));
}

static void test_covers_across_adjacent_extents(void)
{
    g_autoptr(TmExtentList) list = sample_list();

    g_assert_true(tm_extent_list_covers(list, 8 * MiB, 10 * MiB));  /* two adjacent */
    g_assert_true(tm_extent_list_covers(list, 10 * MiB, 2 * MiB));
    g_assert_false(tm_extent_list_covers(list, 2 * MiB, 8 * MiB));  /* hole at 4M-8M */
    g_assert_false(tm_extent_list_covers(list, 16 * MiB, 4 * MiB)); /* past the end */
}

static void test_remove_middle_splits_with_offsets(void)
{
    g_autoptr(TmExtentList) list = sample_list();
    g_autoptr(GArray) removed = g_array_new(FALSE, FALSE, sizeof(TmBackedExtent));

    /* Cut [10M,12M) out of [8M,16M) (backend offset 0). */
    tm_extent_list_remove_range(list, 10 * MiB, 2 * MiB, removed);
    g_assert_cmpuint(tm_extent_list_length(list), ==, 4);

    const TmBackedExtent *head = tm_extent_list_get(list, 1);
    const TmBackedExtent *tail = tm_extent_list_get(list, 2);
    g_assert_cmphex(head->extent.dpa, ==, 8 * MiB);
    g_assert_cmphex(head->extent.length, ==, 2 * MiB);
    g_assert_cmphex(head->backend_offset, ==, 0);
    g_assert_cmphex(tail->extent.dpa, ==, 12 * MiB);
    g_assert_cmphex(tail->extent.length, ==, 4 * MiB);
    g_assert_cmphex(tail->backend_offset, ==, 4 * MiB);
    g_assert_cmpuint(tail->extent.shared_seq, ==, 3);

    g_assert_cmpuint(removed->len, ==, 1);
    const TmBackedExtent *cut = &g_array_index(removed, TmBackedExtent, 0);
    g_assert_cmphex(cut->extent.dpa, ==, 10 * MiB);
    g_assert_cmphex(cut->backend_offset, ==, 2 * MiB);
}

static void test_remove_across_extents(void)
{
    g_autoptr(TmExtentList) list = sample_list();
    g_autoptr(GArray) removed = g_array_new(FALSE, FALSE, sizeof(TmBackedExtent));

    /* [14M,17M) takes the tail of [8M,16M) and the head of [16M,18M). */
    tm_extent_list_remove_range(list, 14 * MiB, 3 * MiB, removed);
    g_assert_cmpuint(tm_extent_list_length(list), ==, 3);
    g_assert_cmphex(tm_extent_list_get(list, 1)->extent.length, ==, 6 * MiB);
    g_assert_cmphex(tm_extent_list_get(list, 2)->extent.dpa, ==, 17 * MiB);
    g_assert_cmphex(tm_extent_list_get(list, 2)->backend_offset, ==, 51 * MiB);

    g_assert_cmpuint(removed->len, ==, 2);
    g_assert_cmphex(g_array_index(removed, TmBackedExtent, 0).backend_offset, ==, 6 * MiB);
    g_assert_cmphex(g_array_index(removed, TmBackedExtent, 1).extent.dpa, ==, 16 * MiB);
    g_assert_cmphex(g_array_index(removed, TmBackedExtent, 1).extent.length, ==, 1 * MiB);

    /* Whole extents go without a trace. */
    tm_extent_list_remove_range(list, 0, 4 * MiB, NULL);
    g_assert_cmpuint(tm_extent_list_length(list), ==, 2);
    g_assert_cmphex(tm_extent_list_get(list, 0)->extent.dpa, ==, 8 * MiB);
}

static void test_copy_is_independent(void)
{
    g_autoptr(TmExtentList) list = sample_list();
    g_autoptr(TmExtentList) copy = tm_extent_list_copy(list);

    tm_extent_list_remove_range(copy, 0, 4 * MiB, NULL);
    g_assert_cmpuint(tm_extent_list_length(copy), ==, 2);
    g_assert_cmpuint(tm_extent_list_length(list), ==, 3);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/extent_list/sorted_found", test_sorted_and_found);
    g_test_add_func("/device/extent_list/covers", test_covers_across_adjacent_extents);
    g_test_add_func("/device/extent_list/split_middle", test_remove_middle_splits_with_offsets);
    g_test_add_func("/device/extent_list/remove_across", test_remove_across_extents);
    g_test_add_func("/device/extent_list/copy", test_copy_is_independent);
    return g_test_run();
}
