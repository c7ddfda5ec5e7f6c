/*
 * A sorted array of records that each begin with a DPA range (a TmExtent),
 * disjoint and ordered by DPA: what the extent lists, the allocation map,
 * the release marks and the range sets keep their records in.
 *
 * A host may hold up to a million extents and change a few at a time, so
 * one change must not shift the whole array.  The records live in chunks
 * of at most TM_RANGE_ARRAY_CHUNK records, each a small sorted array; a
 * directory of the chunks holds each chunk's first DPA.  Finding a DPA is
 * a binary search of the directory, then of one chunk: O(log n).  An
 * insertion or removal moves records inside one chunk only (at most
 * TM_RANGE_ARRAY_CHUNK of them); a full chunk splits in two and chunks
 * that run low merge with a neighbour, which moves directory entries but
 * seldom: every chunk but the last keeps at least a quarter of its room,
 * so the directory has at most 4n / TM_RANGE_ARRAY_CHUNK + 1 entries.
 * Unlike a tree of nodes, records sit next to each other, so searches and
 * walks stay in the cache, and there is no allocation per record.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "device/extent.h"

#define TM_RANGE_ARRAY_CHUNK 128

/*
 * Embedded in its owner (a list, map or set) to spare an allocation for
 * the many small ones; the fields are range_array.c's alone.
 */
typedef struct {
    gsize record_size;
    guint length;                   /* records in all chunks */
    struct TmRangeChunk *chunks;    /* the directory, in DPA order, none empty */
    guint n_chunks;
    guint chunks_room;
    /*
     * The records of the chunk dropped last, for the next chunk added: a
     * list that empties and fills again, as a host's does when it takes
     * and releases one extent at a time, allocates nothing.
     */
    uint8_t *spare_records;
    guint spare_room;
} TmRangeArray;

/*
 * A record's place: its chunk and its slot in the chunk.  The end of the
 * array is { number of chunks, 0 }.  Any insertion or removal may move
 * records, so a position (and a record pointer) is valid only until the
 * array next changes.
 */
typedef struct {
    guint chunk;
    guint slot;
} TmRangePos;

/* @record_size bytes per record; each record starts with its TmExtent. */
void tm_range_array_init(TmRangeArray *array, gsize record_size);
void tm_range_array_clear(TmRangeArray *array);

guint tm_range_array_length(const TmRangeArray *array);

/* Chunks in the directory (at most 4 * length / TM_RANGE_ARRAY_CHUNK + 1). */
guint tm_range_array_chunk_count(const TmRangeArray *array);

/* The record at @pos, or NULL at the end.  Its range must not be changed in place. */
void *tm_range_array_at(const TmRangeArray *array, TmRangePos pos);
TmRangePos tm_range_array_next(const TmRangeArray *array, TmRangePos pos);
TmRangePos tm_range_array_first(const TmRangeArray *array);

/* The first record that ends after @dpa (or the end). */
TmRangePos tm_range_array_lower_bound(const TmRangeArray *array, uint64_t dpa);

/* The @index-th record; O(number of chunks), for paging from a start index. */
TmRangePos tm_range_array_at_index(const TmRangeArray *array, guint index);

/*
 * The index of the record at @pos (the length at the end): O(number of
 * chunks), so that a query can count the records of a DPA range from two
 * lower bounds without walking them.
 */
guint tm_range_array_index_of(const TmRangeArray *array, TmRangePos pos);

/* Insert a record that overlaps none of the array; returns its position. */
TmRangePos tm_range_array_insert(TmRangeArray *array, const void *record);

/*
 * Overwrite the record at @pos with @record, whose range must lie inside
 * the old one (what is left of a record that lost a part), so that the
 * order holds.
 */
void tm_range_array_replace(TmRangeArray *array, TmRangePos pos, const void *record);

/* Remove the record at @pos; returns the position of the record that followed it. */
TmRangePos tm_range_array_remove(TmRangeArray *array, TmRangePos pos);
