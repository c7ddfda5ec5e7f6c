/*
 * The chunked range array under the extent lists and the allocation map:
 * order, positions, chunk splits and merges, checked against a plain
 * sorted array.
 */
#include <glib.h>

#include "device/range_array.h"

/* A record as the users store them: the range first, then their data. */
typedef struct {
    TmExtent range;
    uint64_t payload;
} Record;

static Record record(uint64_t dpa, uint64_t length, uint64_t payload)
{
    return (Record) { .range = { .dpa = dpa, .length = length }, .payload = payload };
}

static TmRangeArray *new_array(void)
{
    TmRangeArray *array = g_new(TmRangeArray, 1);

    tm_range_array_init(array, sizeof(Record));
    return array;
}

static void free_array(TmRangeArray *array)
{
    tm_range_array_clear(array);
    g_free(array);
}

static const Record *record_at(const TmRangeArray *array, TmRangePos pos)
{
    return tm_range_array_at(array, pos);
}

static void assert_same(const Record *got, const Record *want)
{
    g_assert_nonnull(got);
    g_assert_cmphex(got->range.dpa, ==, want->range.dpa);
    g_assert_cmphex(got->range.length, ==, want->range.length);
    g_assert_cmphex(got->payload, ==, want->payload);
}

/* Every record in order, by walking and by index, and the directory bound. */
static void assert_matches(const TmRangeArray *array, const GArray *model)
{
    TmRangePos pos = tm_range_array_first(array);

    g_assert_cmpuint(tm_range_array_length(array), ==, model->len);
    for (guint i = 0; i < model->len; i++) {
        assert_same(record_at(array, pos), &g_array_index(model, Record, i));
        pos = tm_range_array_next(array, pos);
    }
    g_assert_null(tm_range_array_at(array, pos));
    g_assert_cmpuint(tm_range_array_chunk_count(array), <=,
                     4 * model->len / TM_RANGE_ARRAY_CHUNK + 1);
}

static void test_empty(void)
{
    TmRangeArray *array = new_array();

    g_assert_cmpuint(tm_range_array_length(array), ==, 0);
    g_assert_null(tm_range_array_at(array, tm_range_array_first(array)));
    g_assert_null(tm_range_array_at(array, tm_range_array_lower_bound(array, 42)));
    free_array(array);
}

/* Records added in DPA order fill their chunks; in reverse order chunks split. */
static void test_ascending_fills_chunks(void)
{
    TmRangeArray *ascending = new_array();
    TmRangeArray *descending = new_array();
    g_autoptr(GArray) model = g_array_new(FALSE, FALSE, sizeof(Record));
    const guint n = 10 * TM_RANGE_ARRAY_CHUNK + 1;

    for (guint i = 0; i < n; i++) {
        Record up = record(i * 16, 8, i);
        Record down = record((n - 1 - i) * 16, 8, n - 1 - i);

        tm_range_array_insert(ascending, &up);
        tm_range_array_insert(descending, &down);
        g_array_append_val(model, up);
    }
    g_assert_cmpuint(tm_range_array_chunk_count(ascending), ==, 11);
    assert_matches(ascending, model);
    assert_matches(descending, model);

    /* The gaps between records: lower_bound lands on the next record. */
    assert_same(record_at(ascending, tm_range_array_lower_bound(ascending, 16 * 500 + 8)),
                &g_array_index(model, Record, 501));
    assert_same(record_at(ascending, tm_range_array_lower_bound(ascending, 16 * 500 + 7)),
                &g_array_index(model, Record, 500));
    assert_same(record_at(ascending, tm_range_array_at_index(ascending, 777)),
                &g_array_index(model, Record, 777));
    free_array(ascending);
    free_array(descending);
}

/* Removing every other record, then the rest, merges chunks down to none. */
static void test_removal_merges_chunks(void)
{
    TmRangeArray *array = new_array();
    g_autoptr(GArray) model = g_array_new(FALSE, FALSE, sizeof(Record));

    for (guint i = 0; i < 8 * TM_RANGE_ARRAY_CHUNK; i++) {
        Record r = record(i * 4, 4, i);

        tm_range_array_insert(array, &r);
        g_array_append_val(model, r);
    }
    for (guint i = 0; i < model->len; i++) {
        const Record *gone = &g_array_index(model, Record, i);
        TmRangePos next = tm_range_array_remove(array,
                                                tm_range_array_lower_bound(array, gone->range.dpa));

        g_array_remove_index(model, i);
        if (i < model->len) {
            assert_same(record_at(array, next), &g_array_index(model, Record, i));
        } else {
            g_assert_null(record_at(array, next));
        }
    }
    assert_matches(array, model);
    while (model->len > 0) {
        tm_range_array_remove(array, tm_range_array_first(array));
        g_array_remove_index(model, 0);
        assert_matches(array, model);
    }
    g_assert_cmpuint(tm_range_array_chunk_count(array), ==, 0);
    free_array(array);
}

/* ---- random operations against a sorted GArray ---- */

#define SPACE (1u << 16)

/* Index of the first model record that ends after @dpa. */
static guint model_lower_bound(const GArray *model, uint64_t dpa)
{
    guint lo = 0;
    guint hi = model->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;

        if (tm_extent_end(&g_array_index(model, Record, mid).range) <= dpa) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static void random_insert(GRand *rand, TmRangeArray *array, GArray *model, uint64_t payload)
{
    uint64_t dpa = g_rand_int_range(rand, 0, SPACE - 8);
    Record r = record(dpa, g_rand_int_range(rand, 1, 9), payload);
    guint i = model_lower_bound(model, dpa);

    if (i < model->len && g_array_index(model, Record, i).range.dpa < tm_extent_end(&r.range)) {
        return;
    }
    TmRangePos pos = tm_range_array_insert(array, &r);
    assert_same(record_at(array, pos), &r);
    g_array_insert_val(model, i, r);
}

static void random_remove(GRand *rand, TmRangeArray *array, GArray *model)
{
    guint i = g_rand_int_range(rand, 0, model->len);
    uint64_t dpa = g_array_index(model, Record, i).range.dpa;
    TmRangePos pos = tm_range_array_lower_bound(array, dpa);

    assert_same(record_at(array, pos), &g_array_index(model, Record, i));
    pos = tm_range_array_remove(array, pos);
    g_array_remove_index(model, i);
    if (i < model->len) {
        assert_same(record_at(array, pos), &g_array_index(model, Record, i));
    } else {
        g_assert_null(record_at(array, pos));
    }
}

/* A record shrinks to part of its range, as when a release cuts it. */
static void random_shrink(GRand *rand, TmRangeArray *array, GArray *model)
{
    guint i = g_rand_int_range(rand, 0, model->len);
    Record *r = &g_array_index(model, Record, i);
    uint64_t cut_front = g_rand_int_range(rand, 0, (gint32)r->range.length);
    uint64_t length = g_rand_int_range(rand, 1, (gint32)(r->range.length - cut_front) + 1);
    TmRangePos pos = tm_range_array_lower_bound(array, r->range.dpa);

    *r = record(r->range.dpa + cut_front, length, r->payload + 1);
    tm_range_array_replace(array, pos, r);
}

static void random_queries(GRand *rand, const TmRangeArray *array, const GArray *model)
{
    uint64_t dpa = g_rand_int_range(rand, 0, SPACE);
    guint i = model_lower_bound(model, dpa);
    const Record *found = record_at(array, tm_range_array_lower_bound(array, dpa));

    if (i < model->len) {
        assert_same(found, &g_array_index(model, Record, i));
    } else {
        g_assert_null(found);
    }
    if (model->len > 0) {
        guint index = g_rand_int_range(rand, 0, model->len);
        assert_same(record_at(array, tm_range_array_at_index(array, index)),
                    &g_array_index(model, Record, index));
    }
}

/* Grow to a few thousand records and shrink back, twice, so chunks split and merge. */
static void test_random_against_sorted_array(void)
{
    for (guint32 seed = 1; seed <= 3; seed++) {
        g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
        g_autoptr(GArray) model = g_array_new(FALSE, FALSE, sizeof(Record));
        TmRangeArray *array = new_array();

        for (guint step = 0; step < 40000; step++) {
            /* Phases of 10,000 steps: mostly inserting, then mostly removing. */
            bool growing = (step / 10000) % 2 == 0;
            guint dice = g_rand_int_range(rand, 0, 10);

            if (model->len == 0 || dice < (growing ? 6u : 2u)) {
                random_insert(rand, array, model, step);
            } else if (dice < 8) {
                random_remove(rand, array, model);
            } else {
                random_shrink(rand, array, model);
            }
            random_queries(rand, array, model);
            if (step % 250 == 0) {
                assert_matches(array, model);
            }
        }
        assert_matches(array, model);
        free_array(array);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/range_array/empty", test_empty);
    g_test_add_func("/device/range_array/ascending", test_ascending_fills_chunks);
    g_test_add_func("/device/range_array/removal_merges", test_removal_merges_chunks);
    g_test_add_func("/device/range_array/random_vs_sorted_array",
                    test_random_against_sorted_array);
    return g_test_run();
}
