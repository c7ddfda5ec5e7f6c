/* Backed-block bitmaps and DPA range sets (the small containers of the engine). */
#include <glib.h>

#include "device/block_bitmap.h"
#include "device/range_set.h"

static void test_bitmap_ranges_across_words(void)
{
    g_autoptr(TmBlockBitmap) bitmap = tm_block_bitmap_new(300);

    g_assert_cmpuint(tm_block_bitmap_size(bitmap), ==, 300);
    for (uint64_t b = 0; b < 300; b++) {
        g_assert_false(tm_block_bitmap_all_set(bitmap, b, 1));
    }
    tm_block_bitmap_set(bitmap, 60, 140);            /* 60..199: spans words 0-3 */
    g_assert_true(tm_block_bitmap_all_set(bitmap, 60, 140));
    g_assert_true(tm_block_bitmap_all_set(bitmap, 64, 64));
    g_assert_false(tm_block_bitmap_all_set(bitmap, 59, 2));
    g_assert_false(tm_block_bitmap_all_set(bitmap, 199, 2));
    g_assert_false(tm_block_bitmap_all_set(bitmap, 59, 1));
    g_assert_false(tm_block_bitmap_all_set(bitmap, 200, 1));

    tm_block_bitmap_clear(bitmap, 100, 28);          /* hole 100..127 */
    g_assert_false(tm_block_bitmap_all_set(bitmap, 60, 140));
    g_assert_true(tm_block_bitmap_all_set(bitmap, 60, 40));
    g_assert_true(tm_block_bitmap_all_set(bitmap, 128, 72));
    for (uint64_t b = 100; b < 128; b++) {
        g_assert_false(tm_block_bitmap_all_set(bitmap, b, 1));
    }

    tm_block_bitmap_set(bitmap, 299, 1);
    g_assert_true(tm_block_bitmap_all_set(bitmap, 299, 1));
    g_assert_true(tm_block_bitmap_all_set(bitmap, 10, 0)); /* empty range */
}

static void test_range_set_overlaps(void)
{
    g_autoptr(TmRangeSet) set = tm_range_set_new();

    g_assert_true(tm_range_set_add(set, 100, 10));
    g_assert_true(tm_range_set_add(set, 110, 10));  /* adjacent after */
    g_assert_true(tm_range_set_add(set, 90, 10));   /* adjacent before */
    g_assert_false(tm_range_set_add(set, 105, 1));  /* inside */
    g_assert_false(tm_range_set_add(set, 80, 11));  /* over the start */
    g_assert_false(tm_range_set_add(set, 119, 5));  /* over the end */
    g_assert_false(tm_range_set_add(set, 0, 1000)); /* around all */
    g_assert_false(tm_range_set_add(set, 100, 10)); /* duplicate */
    g_assert_true(tm_range_set_add(set, 0, 90));
    g_assert_true(tm_range_set_add(set, 120, 1));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/block_bitmap/ranges", test_bitmap_ranges_across_words);
    g_test_add_func("/device/range_set/overlaps", test_range_set_overlaps);
    return g_test_run();
}
