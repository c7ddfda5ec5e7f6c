#include "device/range_set.h"

typedef struct {
    uint64_t start;
    uint64_t end;
} Range;

struct TmRangeSet {
    GTree *ranges; /* Range* by start, owning */
};

static gint compare_start(gconstpointer a, gconstpointer b, gpointer unused)
{
    const Range *ra = a;
    const Range *rb = b;

    return ra->start < rb->start ? -1 : ra->start > rb->start;
}

TmRangeSet *tm_range_set_new(void)
{
    TmRangeSet *set = g_new0(TmRangeSet, 1);

    set->ranges = g_tree_new_full(compare_start, NULL, g_free, NULL);
    return set;
}

void tm_range_set_free(TmRangeSet *set)
{
    if (set == NULL) {
        return;
    }
    g_tree_destroy(set->ranges);
    g_free(set);
}

bool tm_range_set_add(TmRangeSet *set, uint64_t start, uint64_t length)
{
    Range probe = { .start = start, .end = start + length };
    /* The first member starting after @start, and the one before it. */
    GTreeNode *next = g_tree_upper_bound(set->ranges, &probe);
    GTreeNode *prev = next ? g_tree_node_previous(next) : g_tree_node_last(set->ranges);

    if (next && ((const Range *)g_tree_node_key(next))->start < probe.end) {
        return false;
    }
    if (prev && ((const Range *)g_tree_node_key(prev))->end > start) {
        return false;
    }
    Range *range = g_new(Range, 1);
    *range = probe;
    g_tree_insert(set->ranges, range, range);
    return true;
}
