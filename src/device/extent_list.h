/*
 * A host's accepted extents (or the extents a pending add request offers):
 * disjoint, sorted by DPA, each with the memory behind it.
 *
 * A host may hold up to a million extents (dc-max-extents) and releases
 * them a few at a time, so every change must cost O(log n), not a shift of
 * the whole list: the extents sit in a balanced tree (GSequence) that
 * finds by DPA, inserts and removes in O(log n) and also counts positions,
 * which Get DC Extent List (4801h) pages through by index.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "backend/hostmem.h"
#include "device/extent.h"

/*
 * An extent and where its memory lives: DPA d of the extent is byte
 * backend_offset + (d - extent.dpa) of @backend.  Slices of an extent keep
 * that mapping (a released middle leaves two extents whose window offsets
 * follow).
 */
typedef struct {
    TmExtent extent;
    uint8_t region;
    TmHostMem *backend;
    uint64_t backend_offset;
} TmBackedExtent;

/* The part [dpa, dpa + length) of @whole, which must contain it. */
TmBackedExtent tm_backed_extent_slice(const TmBackedExtent *whole, uint64_t dpa,
                                      uint64_t length);

typedef struct TmExtentList TmExtentList;

TmExtentList *tm_extent_list_new(void);
void tm_extent_list_free(TmExtentList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmExtentList, tm_extent_list_free)

guint tm_extent_list_length(const TmExtentList *list);

/*
 * The @index-th extent by DPA.  O(log n), and O(1) for the index after the
 * one asked last: the list keeps a paging cursor, which is why @list is
 * not const.
 */
const TmBackedExtent *tm_extent_list_get(TmExtentList *list, guint index);

/*
 * Walking the list in DPA order: the first extent (NULL when the list is
 * empty), and the extent after @extent, which must come from this list
 * and still be in it (NULL after the last).  O(1) amortised per step.
 */
const TmBackedExtent *tm_extent_list_first(const TmExtentList *list);
const TmBackedExtent *tm_extent_list_next(const TmBackedExtent *extent);

/* The extent that contains @dpa, or NULL. */
const TmBackedExtent *tm_extent_list_find(const TmExtentList *list, uint64_t dpa);

bool tm_extent_list_overlaps(const TmExtentList *list, uint64_t dpa, uint64_t length);

/* Every byte of [dpa, dpa + length) is in some extent (several may share it). */
bool tm_extent_list_covers(const TmExtentList *list, uint64_t dpa, uint64_t length);

/* The parts of the extents inside [dpa, dpa + length), appended to @out in DPA order. */
void tm_extent_list_slices(const TmExtentList *list, uint64_t dpa, uint64_t length,
                           GArray *out);

/* Insert an extent that overlaps none of the list. */
void tm_extent_list_insert(TmExtentList *list, const TmBackedExtent *extent);

/*
 * Remove [dpa, dpa + length), which the list must cover, splitting the
 * extents it cuts.  The removed pieces are appended to @removed (an array of
 * TmBackedExtent) in DPA order when it is not NULL.
 */
void tm_extent_list_remove_range(TmExtentList *list, uint64_t dpa, uint64_t length,
                                 GArray *removed);

/*
 * How many extents the list would hold once @ranges (TmBackedExtent,
 * disjoint, each covered by the list) were removed, without changing it:
 * cutting a middle out of an extent leaves two.  Costs O(k log n) for k
 * ranges, so that a request can be checked before anything is applied.
 */
guint tm_extent_list_length_after_removal(const TmExtentList *list, const GArray *ranges);
