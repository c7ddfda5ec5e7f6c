/*
 * A host's accepted extents: disjoint, sorted by DPA, each with the memory
 * behind it.  Lookup by DPA is a binary search (O(log n)); access by index
 * is O(1), which Get DC Extent List (4801h) pages through.
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
TmExtentList *tm_extent_list_copy(const TmExtentList *list);
void tm_extent_list_free(TmExtentList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmExtentList, tm_extent_list_free)

guint tm_extent_list_length(const TmExtentList *list);
const TmBackedExtent *tm_extent_list_get(const TmExtentList *list, guint index);

/* Index of the extent that contains @dpa, or -1. */
int tm_extent_list_find(const TmExtentList *list, uint64_t dpa);

bool tm_extent_list_overlaps(const TmExtentList *list, uint64_t dpa, uint64_t length);

/* Every byte of [dpa, dpa + length) is in some extent (several may share it). */
bool tm_extent_list_covers(const TmExtentList *list, uint64_t dpa, uint64_t length);

/* Insert an extent that overlaps none of the list. */
void tm_extent_list_insert(TmExtentList *list, const TmBackedExtent *extent);

/*
 * Remove [dpa, dpa + length), which the list must cover, splitting the
 * extents it cuts.  The removed pieces are appended to @removed (an array of
 * TmBackedExtent) in DPA order when it is not NULL.
 */
void tm_extent_list_remove_range(TmExtentList *list, uint64_t dpa, uint64_t length,
                                 GArray *removed);
