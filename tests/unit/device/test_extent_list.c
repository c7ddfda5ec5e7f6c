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

    g_assert_true(tm_extent_list_find(list, 0) == tm_extent_list_get(list, 0));
    g_assert_true(tm_extent_list_find(list, 4 * MiB - 1) == tm_extent_list_get(list, 0));
    g_assert_null(tm_extent_list_find(list, 4 * MiB));
    g_assert_true(tm_extent_list_find(list, 12 * MiB) == tm_extent_list_get(list, 1));
    g_assert_true(tm_extent_list_find(list, 17 * MiB) == tm_extent_list_get(list, 2));
    g_assert_null(tm_extent_list_find(list, 18 * MiB));

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

/* Paging by index, forwards, backwards and after a change. */
static void test_get_by_index_after_changes(void)
{
    g_autoptr(TmExtentList) list = sample_list();

    g_assert_cmphex(tm_extent_list_get(list, 1)->extent.dpa, ==, 8 * MiB);
    g_assert_cmphex(tm_extent_list_get(list, 2)->extent.dpa, ==, 16 * MiB);
    g_assert_cmphex(tm_extent_list_get(list, 2)->extent.dpa, ==, 16 * MiB);
    g_assert_cmphex(tm_extent_list_get(list, 0)->extent.dpa, ==, 0);

    /* A new first extent shifts every index. */
    TmBackedExtent low = backed(4 * MiB, MiB, 0);
    tm_extent_list_insert(list, &low);
    g_assert_cmphex(tm_extent_list_get(list, 1)->extent.dpa, ==, 4 * MiB);
    g_assert_cmphex(tm_extent_list_get(list, 2)->extent.dpa, ==, 8 * MiB);

    /* A split adds one after the cut extent. */
    tm_extent_list_remove_range(list, 9 * MiB, MiB, NULL);
    g_assert_cmphex(tm_extent_list_get(list, 3)->extent.dpa, ==, 10 * MiB);
    g_assert_cmphex(tm_extent_list_get(list, 4)->extent.dpa, ==, 16 * MiB);
}

static void test_slices(void)
{
    g_autoptr(TmExtentList) list = sample_list();
    g_autoptr(GArray) slices = g_array_new(FALSE, FALSE, sizeof(TmBackedExtent));

    tm_extent_list_slices(list, 2 * MiB, 15 * MiB, slices);
    g_assert_cmpuint(slices->len, ==, 3);
    g_assert_cmphex(g_array_index(slices, TmBackedExtent, 0).extent.dpa, ==, 2 * MiB);
    g_assert_cmphex(g_array_index(slices, TmBackedExtent, 0).extent.length, ==, 2 * MiB);
    g_assert_cmphex(g_array_index(slices, TmBackedExtent, 0).backend_offset, ==, 102 * MiB);
    g_assert_cmphex(g_array_index(slices, TmBackedExtent, 1).extent.length, ==, 8 * MiB);
    g_assert_cmphex(g_array_index(slices, TmBackedExtent, 2).extent.dpa, ==, 16 * MiB);
    g_assert_cmphex(g_array_index(slices, TmBackedExtent, 2).extent.length, ==, 1 * MiB);
    /* The list is unchanged. */
    g_assert_cmpuint(tm_extent_list_length(list), ==, 3);
}

static void test_length_after_removal_leaves_the_list(void)
{
    g_autoptr(TmExtentList) list = sample_list();
    g_autoptr(GArray) ranges = g_array_new(FALSE, FALSE, sizeof(TmBackedExtent));
    struct {
        uint64_t dpa;
        uint64_t length;
        guint after;    /* cumulative: with every range so far */
    } steps[] = {
        { 9 * MiB, 1 * MiB, 4 },   /* middle of [8M,16M): one more */
        { 11 * MiB, 1 * MiB, 5 },  /* another middle of the same extent */
        { 0, 4 * MiB, 4 },         /* a whole extent: one fewer */
        { 15 * MiB, 2 * MiB, 4 },  /* tail of one, head of the next */
        { 10 * MiB, 1 * MiB, 3 },  /* the piece left between the cuts */
    };

    for (gsize i = 0; i < G_N_ELEMENTS(steps); i++) {
        TmBackedExtent range = backed(steps[i].dpa, steps[i].length, 0);

        g_array_append_val(ranges, range);
        g_assert_cmpuint(tm_extent_list_length_after_removal(list, ranges), ==, steps[i].after);
    }
    g_assert_cmpuint(tm_extent_list_length(list), ==, 3);
    g_assert_cmphex(tm_extent_list_get(list, 1)->extent.length, ==, 8 * MiB);
}

/*
 * Randomized comparison against a model that keeps, per DPA unit, the
 * start of the extent holding it (or NO_EXTENT) and its backend address.
 * Extents are runs of units with the same start; every operation's answer
 * and the whole list are checked against the model after each step.
 */
#define SPACE 2048  /* room for several chunks of TM_RANGE_ARRAY_CHUNK */
#define NO_EXTENT UINT64_MAX

typedef struct {
    uint64_t start[SPACE];
    uint64_t backend_addr[SPACE];
} ListModel;

static bool model_covers(const ListModel *model, uint64_t dpa, uint64_t length)
{
    for (uint64_t d = dpa; d < dpa + length; d++) {
        if (model->start[d] == NO_EXTENT) {
            return false;
        }
    }
    return true;
}

static bool model_overlaps(const ListModel *model, uint64_t dpa, uint64_t length)
{
    for (uint64_t d = dpa; d < dpa + length; d++) {
        if (model->start[d] != NO_EXTENT) {
            return true;
        }
    }
    return false;
}

/* The model's extents, as the list should hold them. */
static GArray *model_extents(const ListModel *model)
{
    GArray *extents = g_array_new(FALSE, FALSE, sizeof(TmBackedExtent));

    for (uint64_t d = 0; d < SPACE;) {
        uint64_t end = d + 1;

        if (model->start[d] == NO_EXTENT) {
            d++;
            continue;
        }
        while (end < SPACE && model->start[end] == model->start[d]) {
            end++;
        }
        TmBackedExtent extent = backed(d, end - d, model->backend_addr[d]);
        g_array_append_val(extents, extent);
        d = end;
    }
    return extents;
}

static void model_insert(ListModel *model, uint64_t dpa, uint64_t length, uint64_t offset)
{
    for (uint64_t d = dpa; d < dpa + length; d++) {
        model->start[d] = dpa;
        model->backend_addr[d] = offset + (d - dpa);
    }
}

static void model_remove(ListModel *model, uint64_t dpa, uint64_t length)
{
    uint64_t end = dpa + length;
    uint64_t cut_start = model->start[end - 1];

    for (uint64_t d = dpa; d < end; d++) {
        model->start[d] = NO_EXTENT;
    }
    /* The tail of the extent the range ends in starts anew at the end. */
    for (uint64_t d = end; d < SPACE && model->start[d] == cut_start; d++) {
        model->start[d] = end;
    }
}

static void assert_list_matches(TmExtentList *list, const ListModel *model)
{
    g_autoptr(GArray) expected = model_extents(model);

    g_assert_cmpuint(tm_extent_list_length(list), ==, expected->len);
    for (guint i = 0; i < expected->len; i++) {
        const TmBackedExtent *want = &g_array_index(expected, TmBackedExtent, i);
        const TmBackedExtent *got = tm_extent_list_get(list, i);

        g_assert_cmphex(got->extent.dpa, ==, want->extent.dpa);
        g_assert_cmphex(got->extent.length, ==, want->extent.length);
        g_assert_cmphex(got->backend_offset, ==, want->backend_offset);
    }
    /* Backwards, away from the paging cursor. */
    for (guint i = expected->len; i-- > 0;) {
        const TmBackedExtent *want = &g_array_index(expected, TmBackedExtent, i);
        g_assert_cmphex(tm_extent_list_get(list, i)->extent.dpa, ==, want->extent.dpa);
    }
}

/* Up to four disjoint ranges the model covers, for length_after_removal. */
static GArray *random_covered_ranges(GRand *rand, const ListModel *model)
{
    GArray *ranges = g_array_new(FALSE, FALSE, sizeof(TmBackedExtent));
    bool taken[SPACE] = { false };

    for (int attempt = 0; attempt < 4; attempt++) {
        uint64_t dpa = g_rand_int_range(rand, 0, SPACE);
        uint64_t length = g_rand_int_range(rand, 1, 9);
        bool usable = dpa + length <= SPACE && model_covers(model, dpa, length);

        for (uint64_t d = dpa; usable && d < dpa + length; d++) {
            usable = !taken[d];
        }
        if (!usable) {
            continue;
        }
        for (uint64_t d = dpa; d < dpa + length; d++) {
            taken[d] = true;
        }
        TmBackedExtent range = backed(dpa, length, 0);
        g_array_append_val(ranges, range);
    }
    return ranges;
}

static void random_step(GRand *rand, TmExtentList *list, ListModel *model)
{
    uint64_t dpa = g_rand_int_range(rand, 0, SPACE);
    uint64_t wanted = g_rand_int_range(rand, 1, 9);
    uint64_t length = MIN(wanted, SPACE - dpa);

    g_assert_cmpint(tm_extent_list_overlaps(list, dpa, length), ==,
                    model_overlaps(model, dpa, length));
    g_assert_cmpint(tm_extent_list_covers(list, dpa, length), ==,
                    model_covers(model, dpa, length));
    const TmBackedExtent *found = tm_extent_list_find(list, dpa);
    if (model->start[dpa] == NO_EXTENT) {
        g_assert_null(found);
    } else {
        g_assert_nonnull(found);
        g_assert_cmphex(found->extent.dpa, ==, model->start[dpa]);
    }

    switch (g_rand_int_range(rand, 0, 3)) {
    case 0:
        if (!model_overlaps(model, dpa, length)) {
            uint64_t offset = g_rand_int_range(rand, 0, 1 << 20);
            TmBackedExtent extent = backed(dpa, length, offset);

            tm_extent_list_insert(list, &extent);
            model_insert(model, dpa, length, offset);
        }
        break;
    case 1:
        if (model_covers(model, dpa, length)) {
            g_autoptr(GArray) removed = g_array_new(FALSE, FALSE, sizeof(TmBackedExtent));
            uint64_t next_dpa = dpa;

            tm_extent_list_remove_range(list, dpa, length, removed);
            for (guint i = 0; i < removed->len; i++) {
                const TmBackedExtent *piece = &g_array_index(removed, TmBackedExtent, i);

                g_assert_cmphex(piece->extent.dpa, ==, next_dpa);
                g_assert_cmphex(piece->backend_offset, ==, model->backend_addr[next_dpa]);
                next_dpa += piece->extent.length;
            }
            g_assert_cmphex(next_dpa, ==, dpa + length);
            model_remove(model, dpa, length);
        }
        break;
    default: {
        g_autoptr(GArray) ranges = random_covered_ranges(rand, model);
        ListModel after = *model;

        for (guint i = 0; i < ranges->len; i++) {
            const TmExtent *range = &g_array_index(ranges, TmBackedExtent, i).extent;
            model_remove(&after, range->dpa, range->length);
        }
        g_autoptr(GArray) expected = model_extents(&after);
        g_assert_cmpuint(tm_extent_list_length_after_removal(list, ranges), ==, expected->len);
        break;
    }
    }
    assert_list_matches(list, model);
}

static void test_random_against_model(void)
{
    for (guint32 seed = 1; seed <= 4; seed++) {
        g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
        g_autoptr(TmExtentList) list = tm_extent_list_new();
        ListModel model;

        for (guint d = 0; d < SPACE; d++) {
            model.start[d] = NO_EXTENT;
        }
        for (int step = 0; step < 5000; step++) {
            random_step(rand, list, &model);
        }
    }
}

/*
 * Spans over a list of several chunks: every range, against the indexes a
 * walk finds (extents overlapping the range, whole).
 */
static void test_span_matches_walk(void)
{
    g_autoptr(TmExtentList) list = tm_extent_list_new();

    /* 600 extents of 2M with 2M gaps, every third one 4M long (no gap after). */
    for (uint64_t dpa = 0, i = 0; i < 600; i++) {
        uint64_t length = i % 3 == 0 ? 4 * MiB : 2 * MiB;
        TmBackedExtent extent = backed(dpa, length, 0);
        tm_extent_list_insert(list, &extent);
        dpa += length + (i % 3 == 0 ? 0 : 2 * MiB);
    }
    uint64_t limit = tm_extent_end(&tm_extent_list_get(list, 599)->extent) + 4 * MiB;
    for (uint64_t dpa = 0; dpa < limit; dpa += 3 * MiB) {
        for (uint64_t length = 1 * MiB; length <= 64 * MiB; length *= 4) {
            guint first, end, want_first = G_MAXUINT, want_end = 0;

            for (guint i = 0; i < tm_extent_list_length(list); i++) {
                const TmExtent *e = &tm_extent_list_get(list, i)->extent;
                if (tm_ranges_overlap(e->dpa, e->length, dpa, length)) {
                    want_first = MIN(want_first, i);
                    want_end = i + 1;
                }
            }
            tm_extent_list_span(list, dpa, length, &first, &end);
            if (want_end == 0) {
                g_assert_cmpuint(first, ==, end);
            } else {
                g_assert_cmpuint(first, ==, want_first);
                g_assert_cmpuint(end, ==, want_end);
            }
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/extent_list/sorted_found", test_sorted_and_found);
    g_test_add_func("/device/extent_list/covers", test_covers_across_adjacent_extents);
    g_test_add_func("/device/extent_list/split_middle", test_remove_middle_splits_with_offsets);
    g_test_add_func("/device/extent_list/remove_across", test_remove_across_extents);
    g_test_add_func("/device/extent_list/get_after_changes", test_get_by_index_after_changes);
    g_test_add_func("/device/extent_list/slices", test_slices);
    g_test_add_func("/device/extent_list/span", test_span_matches_walk);
    g_test_add_func("/device/extent_list/length_after_removal",
                    test_length_after_removal_leaves_the_list);
    g_test_add_func("/device/extent_list/random_vs_model", test_random_against_model);
    return g_test_run();
}
