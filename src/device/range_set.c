#include "device/range_set.h"

#include "device/range_array.h"

struct TmRangeSet {
    TmRangeArray ranges;    /* TmExtent, sorted by DPA, disjoint */
};

TmRangeSet *tm_range_set_new(void)
{
    TmRangeSet *set = g_new0(TmRangeSet, 1);

    tm_range_array_init(&set->ranges, sizeof(TmExtent));
    return set;
}

void tm_range_set_free(TmRangeSet *set)
{
    if (set == NULL) {
        return;
    }
    tm_range_array_clear(&set->ranges);
    g_free(set);
}

bool tm_range_set_add(TmRangeSet *set, uint64_t start, uint64_t length)
{
    TmExtent range = { .dpa = start, .length = length };
    /* The first member that ends after @start overlaps if it starts before the end. */
    const TmExtent *next = tm_range_array_at(&set->ranges,
                                             tm_range_array_lower_bound(&set->ranges, start));

    if (next && next->dpa < start + length) {
        return false;
    }
    tm_range_array_insert(&set->ranges, &range);
    return true;
}
