/*
 * A device's allocation map: every DPA range that is pending for or
 * accepted by some host, with the hosts that hold it, its tag and the
 * memory behind it.  Ranges are disjoint and sorted by DPA; the free
 * capacity of a region is what the map does not hold.  A range is split
 * when only part of it changes hands, so that each range has one set of
 * holders.  Like the extent lists, the ranges sit in a chunked array
 * (range_array.h): finding is O(log n) and a split or removal moves at
 * most one chunk, however many ranges the map holds.
 *
 * The map also indexes its tagged ranges by tag, so that a tag's ranges
 * are found without walking the ranges of every other tag (queries
 * filtered by tag, enable-shared-access, the tag bookkeeping).
 *
 * Tagged ranges register themselves as users of their backend
 * ("extent 0x10000000+0x200000 of /machine/peripheral/dcd0"), so that a
 * backend that backs a pending or accepted extent cannot be deleted and
 * the refusal names the extent.  Untagged ranges live in the device's
 * volatile-dc-memdev, which the device registers as a whole.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "device/extent_list.h"
#include "device/host_set.h"
#include "device/range_array.h"

typedef struct {
    TmBackedExtent range;
    TmHostSet holders;      /* hosts with the range pending or accepted */
    bool sanitize_on_free;  /* zero the memory when the last holder lets go */
    /*
     * Nobody holds it, and its tag's FM reference keeps it (and its data)
     * for a later enable-shared-access add (dcd_references.c).  A range
     * nobody holds that is not retained was kept out of use after a failed
     * sanitize.
     */
    bool retained;
} TmAllocRange;

typedef struct TmAllocMap TmAllocMap;

/* @owner_path names the device in backend user descriptions. */
TmAllocMap *tm_alloc_map_new(const char *owner_path);
/* Unregisters the backend users of any ranges left. */
void tm_alloc_map_free(TmAllocMap *map);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmAllocMap, tm_alloc_map_free)

guint tm_alloc_map_length(const TmAllocMap *map);

/*
 * Walking the map in DPA order with positions (range_array.h), valid
 * until the map changes: the first range's, the next one's, and the range
 * at a position (NULL at the end).  Holders and the sanitize flag may be
 * changed through the pointer, the range itself not.
 */
TmRangePos tm_alloc_map_first(const TmAllocMap *map);
TmRangePos tm_alloc_map_next(const TmAllocMap *map, TmRangePos pos);
TmAllocRange *tm_alloc_map_at(const TmAllocMap *map, TmRangePos pos);

/* The first range that ends after @dpa. */
TmRangePos tm_alloc_map_lower_bound(const TmAllocMap *map, uint64_t dpa);

bool tm_alloc_map_overlaps(const TmAllocMap *map, uint64_t dpa, uint64_t length);

/* Insert a range that overlaps none of the map. */
void tm_alloc_map_insert(TmAllocMap *map, const TmAllocRange *range);

/*
 * Split the ranges cut by dpa and dpa + length so that the ranges
 * overlapping [dpa, dpa + length) lie inside it, and return the position
 * of the first of them: they run from there while their DPA is below
 * dpa + length.
 */
TmRangePos tm_alloc_map_isolate(TmAllocMap *map, uint64_t dpa, uint64_t length);

/* Remove the range at @pos; returns the position of the range that followed it. */
TmRangePos tm_alloc_map_remove(TmAllocMap *map, TmRangePos pos);

/*
 * The first free gap at or after *pos and before @limit: sets *pos to its
 * start and *gap_len to its length, or returns false when there is none.
 */
bool tm_alloc_map_next_gap(const TmAllocMap *map, uint64_t *pos, uint64_t limit,
                           uint64_t *gap_len);

/*
 * The DPA ranges (TmExtent, sorted by DPA) of the map's ranges with @tag,
 * appended to @out; returns how many.  O(log n + k) for k ranges.
 */
guint tm_alloc_map_tag_ranges(const TmAllocMap *map, const TmGuid *tag, GArray *out);
/* How many of the map's ranges have @tag: O(1). */
guint tm_alloc_map_tag_range_count(const TmAllocMap *map, const TmGuid *tag);

/* The backend user description of a tagged range; caller frees. */
char *tm_alloc_map_user_description(const TmAllocMap *map, const TmBackedExtent *range);
