/*
 * A host's accepted extents (or the extents a pending add request offers):
 * disjoint, sorted by DPA, each with the memory behind it.
 *
 * A host may hold up to a million extents (dc-max-extents) and releases
 * them a few at a time, so a change must not cost a shift of the whole
 * list: the extents sit in a chunked array (range_array.h), where finding
 * by DPA is O(log n) and a change moves at most one chunk.
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
 * The @index-th extent by DPA, valid until the list changes.  Get DC
 * Extent List (4801h) pages through the list by index, as does any walk
 * over it: the list keeps a cursor at the index asked last (which is why
 * @list is not const), so the next index costs O(1) and any other
 * O(n / TM_RANGE_ARRAY_CHUNK).
 */
const TmBackedExtent *tm_extent_list_get(TmExtentList *list, guint index);

/*
 * The indexes [*first, *end) of the extents that overlap [dpa, dpa +
 * length), whole: O(number of chunks), however many there are, so that a
 * query can count and page through a region's or a tag's extents.
 */
void tm_extent_list_span(const TmExtentList *list, uint64_t dpa, uint64_t length,
                         guint *first, guint *end);

/* The extent that contains @dpa, or NULL; valid until the list changes. */
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
