/* The host's list of held extents: order, coverage, pieces and splits on release. */
#include <string.h>
#include <glib.h>

#include "host/committed_extents.h"

#define MiB (UINT64_C(1) << 20)

static void insert(GArray *committed, uint64_t dpa, uint64_t length, uint8_t tag, uint16_t seq)
{
    TmCommittedExtent held = {
        .extent = { .dpa = dpa, .length = length, .shared_seq = seq },
        .mapped = true,
    };

    memset(held.extent.tag, tag, tag != 0 ? 16 : 0);
    tm_committed_insert(committed, &held);
}

/* Assert the list is exactly these (dpa, length) pairs in MiB. */
static void assert_list(const GArray *list, const uint64_t *pairs, guint n)
{
    g_assert_cmpuint(list->len, ==, n);
    for (guint i = 0; i < n; i++) {
        const TagmemExtent *extent = &g_array_index(list, TmCommittedExtent, i).extent;

        g_assert_cmphex(extent->dpa, ==, pairs[2 * i] * MiB);
        g_assert_cmphex(extent->length, ==, pairs[2 * i + 1] * MiB);
    }
}

static GArray *sample(void)
{
    GArray *committed = tm_committed_new();

    /* Inserted out of order: [10,14) [2,6) [6,8) tagged; [20,22) untagged. */
    insert(committed, 10 * MiB, 4 * MiB, 'A', 0);
    insert(committed, 2 * MiB, 4 * MiB, 'A', 2);
    insert(committed, 20 * MiB, 2 * MiB, 0, 0);
    insert(committed, 6 * MiB, 2 * MiB, 'A', 1);
    return committed;
}

static void test_order_and_coverage(void)
{
    g_autoptr(GArray) committed = sample();
    static const uint64_t expected[] = { 2, 4, 6, 2, 10, 4, 20, 2 };
    TagmemExtent probe = { .dpa = 6 * MiB, .length = 2 * MiB };

    assert_list(committed, expected, 4);
    g_assert_true(tm_committed_covers(committed, 2 * MiB, 6 * MiB));   /* across two */
    g_assert_true(tm_committed_covers(committed, 11 * MiB, 1 * MiB));
    g_assert_false(tm_committed_covers(committed, 2 * MiB, 9 * MiB));  /* gap at 8 */
    g_assert_false(tm_committed_covers(committed, 0, 4 * MiB));
    g_assert_false(tm_committed_covers(committed, 21 * MiB, 2 * MiB)); /* past the end */
    g_assert_false(tm_committed_covers(committed, 2 * MiB, 0));
    g_assert_true(tm_committed_holds_exactly(committed, &probe));
    probe.length = 1 * MiB;
    g_assert_false(tm_committed_holds_exactly(committed, &probe));
}

static void test_pieces(void)
{
    g_autoptr(GArray) committed = sample();
    g_autoptr(GArray) pieces = tm_committed_pieces(committed, 3 * MiB, 9 * MiB);
    static const uint64_t expected[] = { 3, 3, 6, 2, 10, 2 };

    assert_list(pieces, expected, 3);
    /* Pieces keep tag and sequence. */
    g_assert_cmpuint(g_array_index(pieces, TmCommittedExtent, 0).extent.shared_seq, ==, 2);
    g_assert_cmphex(g_array_index(pieces, TmCommittedExtent, 2).extent.tag[0], ==, 'A');
}

typedef struct {
    const char *name;
    uint64_t dpa, length;          /* MiB */
    uint64_t expected[12];
    guint n_expected;
} RemoveRow;

static const RemoveRow remove_rows[] = {
    { "whole extent", 6, 2, { 2, 4, 10, 4, 20, 2 }, 3 },
    { "middle split", 11, 2, { 2, 4, 6, 2, 10, 1, 13, 1, 20, 2 }, 5 },
    { "head", 2, 1, { 3, 3, 6, 2, 10, 4, 20, 2 }, 4 },
    { "tail", 13, 1, { 2, 4, 6, 2, 10, 3, 20, 2 }, 4 },
    { "across three with a gap", 4, 8, { 2, 2, 12, 2, 20, 2 }, 3 },
    { "nothing held there", 15, 4, { 2, 4, 6, 2, 10, 4, 20, 2 }, 4 },
    { "everything", 0, 64, { 0 }, 0 },
};

static void test_remove(gconstpointer data)
{
    const RemoveRow *row = data;
    g_autoptr(GArray) committed = sample();

    tm_committed_remove(committed, row->dpa * MiB, row->length * MiB);
    assert_list(committed, row->expected, row->n_expected);
}

static void test_with_tag(void)
{
    g_autoptr(GArray) committed = sample();
    uint8_t tag[16];
    g_autoptr(GArray) with_tag = NULL;
    static const uint64_t by_sequence[] = { 10, 4, 6, 2, 2, 4 };

    memset(tag, 'A', sizeof(tag));
    with_tag = tm_committed_with_tag(committed, tag);
    assert_list(with_tag, by_sequence, 3);
    g_autoptr(GArray) extents = tm_committed_extents(committed);
    g_assert_cmpuint(extents->len, ==, 4);
    g_assert_cmphex(g_array_index(extents, TagmemExtent, 3).dpa, ==, 20 * MiB);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/committed/order-and-coverage", test_order_and_coverage);
    g_test_add_func("/host/committed/pieces", test_pieces);
    for (size_t i = 0; i < G_N_ELEMENTS(remove_rows); i++) {
        g_autofree char *path = g_strdup_printf("/host/committed/remove/%s", remove_rows[i].name);

        g_test_add_data_func(path, &remove_rows[i], test_remove);
    }
    g_test_add_func("/host/committed/with-tag", test_with_tag);
    return g_test_run();
}
