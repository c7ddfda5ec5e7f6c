/*
 * The device's poison list: merging, splitting on clear, overflow without
 * loss, paging through 100k records, and random changes checked against
 * a plain bitmap of lines.
 */
#include <glib.h>

#include "device/poison_list.h"

#define L TM_POISON_LINE

static GArray *report_all(const TmPoisonList *list, uint64_t dpa, uint64_t length,
                          guint page, guint *pages)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(TmPoisonRange));
    uint64_t cursor = dpa;
    bool more;

    *pages = 0;
    do {
        guint before = out->len;
        more = tm_poison_list_report(list, dpa, length, &cursor, page, out);
        g_assert_cmpuint(out->len - before, <=, page);
        (*pages)++;
    } while (more);
    return out;
}

static void assert_range(const GArray *ranges, guint i, uint64_t dpa, uint64_t length,
                         TmPoisonSource source)
{
    g_assert_cmpuint(i, <, ranges->len);
    const TmPoisonRange *r = &g_array_index(ranges, TmPoisonRange, i);
    g_assert_cmphex(r->dpa, ==, dpa);
    g_assert_cmphex(r->length, ==, length);
    g_assert_cmpint(r->source, ==, source);
}

static void test_empty(void)
{
    g_autoptr(TmPoisonList) list = tm_poison_list_new(8);
    uint64_t first = 7;
    guint pages;

    g_assert_false(tm_poison_list_find(list, 0, UINT64_MAX / 2, &first));
    g_assert_cmpuint(first, ==, 7);
    g_assert_false(tm_poison_list_overflowed(list, NULL));
    g_autoptr(GArray) all = report_all(list, 0, 1 << 20, 4, &pages);
    g_assert_cmpuint(all->len, ==, 0);
    g_assert_cmpuint(pages, ==, 1);
    g_assert_cmpuint(tm_poison_list_remove(list, 0, 4 * L, 0), ==, 0);
}

static void test_merge_by_source(void)
{
    g_autoptr(TmPoisonList) list = tm_poison_list_new(8);
    guint pages;

    g_assert_cmpuint(tm_poison_list_add(list, 2 * L, L, TM_POISON_SOURCE_INJECTED, 1), ==, L);
    g_assert_cmpuint(tm_poison_list_add(list, 4 * L, L, TM_POISON_SOURCE_INJECTED, 1), ==, L);
    /* Fills the gap between the two: one record. */
    g_assert_cmpuint(tm_poison_list_add(list, 3 * L, L, TM_POISON_SOURCE_INJECTED, 1), ==, L);
    g_assert_cmpuint(tm_poison_list_count(list), ==, 1);
    /* Another source next to it stays its own record; overlap keeps the old source. */
    g_assert_cmpuint(tm_poison_list_add(list, 4 * L, 3 * L, TM_POISON_SOURCE_INTERNAL, 1), ==,
                     2 * L);
    g_assert_cmpuint(tm_poison_list_count(list), ==, 2);
    g_autoptr(GArray) all = report_all(list, 0, 100 * L, 8, &pages);
    g_assert_cmpuint(all->len, ==, 2);
    assert_range(all, 0, 2 * L, 3 * L, TM_POISON_SOURCE_INJECTED);
    assert_range(all, 1, 5 * L, 2 * L, TM_POISON_SOURCE_INTERNAL);
    /* A query clips the records to its range. */
    g_autoptr(GArray) part = report_all(list, 3 * L, 3 * L, 8, &pages);
    g_assert_cmpuint(part->len, ==, 2);
    assert_range(part, 0, 3 * L, 2 * L, TM_POISON_SOURCE_INJECTED);
    assert_range(part, 1, 5 * L, L, TM_POISON_SOURCE_INTERNAL);
}

static void test_clear_splits(void)
{
    g_autoptr(TmPoisonList) list = tm_poison_list_new(8);
    uint64_t first = 0;
    guint pages;

    tm_poison_list_add(list, 0, 5 * L, TM_POISON_SOURCE_INJECTED, 1);
    g_assert_cmpuint(tm_poison_list_remove(list, 2 * L, L, 1), ==, L);
    g_assert_cmpuint(tm_poison_list_count(list), ==, 2);
    g_assert_false(tm_poison_list_find(list, 2 * L, L, NULL));
    g_assert_true(tm_poison_list_find(list, 2 * L, 2 * L, &first));
    g_assert_cmphex(first, ==, 3 * L);
    g_autoptr(GArray) all = report_all(list, 0, 10 * L, 8, &pages);
    assert_range(all, 0, 0, 2 * L, TM_POISON_SOURCE_INJECTED);
    assert_range(all, 1, 3 * L, 2 * L, TM_POISON_SOURCE_INJECTED);
    /* Clearing across both records and beyond them. */
    g_assert_cmpuint(tm_poison_list_remove(list, L, 8 * L, 1), ==, 3 * L);
    g_assert_cmpuint(tm_poison_list_count(list), ==, 1);
    g_assert_true(tm_poison_list_find(list, 0, L, NULL));
    g_assert_cmpuint(tm_poison_list_remove(list, L, L, 1), ==, 0);
}

static void test_overflow_keeps_poison(void)
{
    g_autoptr(TmPoisonList) list = tm_poison_list_new(4);
    uint64_t since = 0;
    guint pages;

    for (uint64_t i = 0; i < 4; i++) {
        tm_poison_list_add(list, 2 * i * L, L, TM_POISON_SOURCE_INJECTED, 10 + i);
    }
    g_assert_false(tm_poison_list_overflowed(list, &since));
    tm_poison_list_add(list, 100 * L, L, TM_POISON_SOURCE_INJECTED, 42);
    tm_poison_list_add(list, 200 * L, L, TM_POISON_SOURCE_INJECTED, 43);
    g_assert_true(tm_poison_list_overflowed(list, &since));
    g_assert_cmpuint(since, ==, 42);
    /* The lines past the reported list are still poisoned on the data path. */
    g_assert_true(tm_poison_list_find(list, 200 * L, L, NULL));
    g_autoptr(GArray) all = report_all(list, 0, 1000 * L, 2, &pages);
    g_assert_cmpuint(all->len, ==, 4);
    g_assert_cmpuint(pages, ==, 2);
    assert_range(all, 3, 6 * L, L, TM_POISON_SOURCE_INJECTED);
    /* Back within the maximum: the reported list is complete again. */
    tm_poison_list_remove(list, 0, L, 50);
    g_assert_true(tm_poison_list_overflowed(list, &since));
    g_assert_cmpuint(since, ==, 42);
    tm_poison_list_remove(list, 4 * L, L, 51);
    g_assert_false(tm_poison_list_overflowed(list, &since));
    g_autoptr(GArray) rest = report_all(list, 0, 1000 * L, 8, &pages);
    g_assert_cmpuint(rest->len, ==, 4);
    assert_range(rest, 3, 200 * L, L, TM_POISON_SOURCE_INJECTED);
}

/* 100k separate lines: lookups hit each, and paging returns each once, in order. */
static void test_100k_lines_paged(void)
{
    const guint n = 100000;
    g_autoptr(TmPoisonList) list = tm_poison_list_new(n);
    guint pages;

    for (guint i = 0; i < n; i++) {
        /* Every other line, inserted out of order. */
        uint64_t line = (uint64_t)((i * 7919u) % n) * 2;
        g_assert_cmpuint(tm_poison_list_add(list, line * L, L, TM_POISON_SOURCE_INJECTED, 1),
                         ==, L);
    }
    g_assert_cmpuint(tm_poison_list_count(list), ==, n);
    g_assert_false(tm_poison_list_overflowed(list, NULL));
    g_autoptr(GArray) all = report_all(list, 0, (uint64_t)2 * n * L, 1000, &pages);
    g_assert_cmpuint(all->len, ==, n);
    g_assert_cmpuint(pages, ==, n / 1000);
    for (guint i = 0; i < n; i++) {
        assert_range(all, i, (uint64_t)2 * i * L, L, TM_POISON_SOURCE_INJECTED);
        g_assert_false(tm_poison_list_find(list, (uint64_t)(2 * i + 1) * L, L, NULL));
    }
    /* Filling every gap merges everything into one record. */
    tm_poison_list_add(list, 0, (uint64_t)2 * n * L, TM_POISON_SOURCE_INJECTED, 1);
    g_assert_cmpuint(tm_poison_list_count(list), ==, 1);
}

typedef struct {
    const gboolean *lines;
    uint64_t total;
} ForeachCheck;

static bool check_piece(const TmPoisonRange *range, void *opaque)
{
    ForeachCheck *check = opaque;

    for (uint64_t at = range->dpa; at < range->dpa + range->length; at += L) {
        g_assert_true(check->lines[at / L]);
    }
    check->total += range->length;
    return true;
}

static void test_random_against_bitmap(void)
{
    enum { LINES = 2048 };
    g_autoptr(GRand) rand = g_rand_new_with_seed(13);
    g_autoptr(TmPoisonList) list = tm_poison_list_new(1u << 20);
    gboolean lines[LINES] = { 0 };

    for (guint step = 0; step < 4000; step++) {
        uint64_t first = g_rand_int_range(rand, 0, LINES);
        uint64_t count = g_rand_int_range(rand, 1, 17);
        uint64_t changed = 0;

        count = MIN(count, LINES - first);
        bool add = g_rand_boolean(rand);
        for (uint64_t i = first; i < first + count; i++) {
            changed += lines[i] != add;
            lines[i] = add;
        }
        uint64_t got = add ? tm_poison_list_add(list, first * L, count * L,
                                                 g_rand_int_range(rand, 2, 4), 1)
                           : tm_poison_list_remove(list, first * L, count * L, 1);
        g_assert_cmpuint(got, ==, changed * L);

        uint64_t q = g_rand_int_range(rand, 0, LINES);
        uint64_t q_len = g_rand_int_range(rand, 1, 64);

        q_len = MIN(q_len, LINES - q);
        uint64_t expected_first = UINT64_MAX, found_first = 0, expected_total = 0;
        for (uint64_t i = q; i < q + q_len; i++) {
            if (lines[i]) {
                expected_first = MIN(expected_first, i * L);
                expected_total += L;
            }
        }
        bool found = tm_poison_list_find(list, q * L, q_len * L, &found_first);
        g_assert_cmpint(found, ==, expected_first != UINT64_MAX);
        if (found) {
            g_assert_cmphex(found_first, ==, expected_first);
        }
        ForeachCheck check = { .lines = lines };
        tm_poison_list_foreach(list, q * L, q_len * L, check_piece, &check);
        g_assert_cmpuint(check.total, ==, expected_total);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/poison_list/empty", test_empty);
    g_test_add_func("/device/poison_list/merge_by_source", test_merge_by_source);
    g_test_add_func("/device/poison_list/clear_splits", test_clear_splits);
    g_test_add_func("/device/poison_list/overflow_keeps_poison", test_overflow_keeps_poison);
    g_test_add_func("/device/poison_list/100k_lines_paged", test_100k_lines_paged);
    g_test_add_func("/device/poison_list/random_against_bitmap", test_random_against_bitmap);
    return g_test_run();
}
