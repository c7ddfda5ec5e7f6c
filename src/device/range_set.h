/*
 * A set of disjoint DPA ranges, for "no two extents of this list overlap"
 * checks whatever the order of the list: O(log n) to find the neighbour of
 * each new range, and no allocation per range (range_array.h).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

typedef struct TmRangeSet TmRangeSet;

TmRangeSet *tm_range_set_new(void);
void tm_range_set_free(TmRangeSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmRangeSet, tm_range_set_free)

/* Add [start, start + length); false (and no change) if it overlaps a member. */
bool tm_range_set_add(TmRangeSet *set, uint64_t start, uint64_t length);
