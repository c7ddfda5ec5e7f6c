#include "device/range_array.h"

#include <string.h>

/*
 * A chunk other than the last that runs below this many records takes
 * records from its right neighbour, or merges with it when both fit in one.
 */
#define CHUNK_LOW (TM_RANGE_ARRAY_CHUNK / 4)

/*
 * A chunk's room grows by doubling from this many records, so that the
 * many small lists (a pending add request's offered extents, often one)
 * stay small.
 */
#define CHUNK_MIN_ROOM 4
_Static_assert((TM_RANGE_ARRAY_CHUNK & (TM_RANGE_ARRAY_CHUNK - 1)) == 0 &&
               TM_RANGE_ARRAY_CHUNK >= CHUNK_MIN_ROOM, "chunk room doubles up to the chunk size");

/*
 * The records in use sit at [start, start + count) of the chunk's room:
 * a removal moves whichever side of the record is shorter, so removing
 * from either end, as releases in DPA order do, moves nothing.
 */
typedef struct TmRangeChunk {
    uint64_t first_dpa;   /* DPA of the first record: what the directory search compares */
    guint start;
    guint count;          /* records in use */
    guint room;           /* records allocated, at most TM_RANGE_ARRAY_CHUNK */
    uint8_t *records;
} Chunk;

void tm_range_array_init(TmRangeArray *array, gsize record_size)
{
    g_assert(record_size >= sizeof(TmExtent));
    *array = (TmRangeArray) { .record_size = record_size };
}

static Chunk *chunk_at(const TmRangeArray *array, guint index)
{
    g_assert(index < array->n_chunks);
    return &array->chunks[index];
}

void tm_range_array_clear(TmRangeArray *array)
{
    for (guint c = 0; c < array->n_chunks; c++) {
        g_free(chunk_at(array, c)->records);
    }
    g_free(array->chunks);
    g_free(array->spare_records);
    tm_range_array_init(array, array->record_size);
}

guint tm_range_array_length(const TmRangeArray *array)
{
    return array->length;
}

guint tm_range_array_chunk_count(const TmRangeArray *array)
{
    return array->n_chunks;
}

/* The @slot-th record in use of @chunk. */
static uint8_t *slot_at(const TmRangeArray *array, const Chunk *chunk, guint slot)
{
    return chunk->records + (gsize)(chunk->start + slot) * array->record_size;
}

static const TmExtent *range_at(const TmRangeArray *array, const Chunk *chunk, guint slot)
{
    return (const TmExtent *)slot_at(array, chunk, slot);
}

/* Move @count records between slots (of one chunk or two). */
static void move_records(const TmRangeArray *array, uint8_t *to, const uint8_t *from,
                         guint count)
{
    memmove(to, from, (gsize)count * array->record_size);
}

static void refresh_key(TmRangeArray *array, guint index)
{
    Chunk *chunk = chunk_at(array, index);

    chunk->first_dpa = range_at(array, chunk, 0)->dpa;
}

/* An empty chunk at @index of the directory. */
static void add_chunk(TmRangeArray *array, guint index)
{
    g_assert(index <= array->n_chunks);
    if (array->n_chunks == array->chunks_room) {
        array->chunks_room = MAX(4, array->chunks_room * 2);
        array->chunks = g_renew(Chunk, array->chunks, array->chunks_room);
    }
    memmove(&array->chunks[index + 1], &array->chunks[index],
            (array->n_chunks - index) * sizeof(Chunk));
    array->chunks[index] = (Chunk) {
        .records = array->spare_records,
        .room = array->spare_room,
    };
    array->n_chunks++;
    array->spare_records = NULL;
    array->spare_room = 0;
}

static void drop_chunk(TmRangeArray *array, guint index)
{
    Chunk *chunk = chunk_at(array, index);

    g_free(array->spare_records);
    array->spare_records = chunk->records;
    array->spare_room = chunk->room;
    memmove(chunk, chunk + 1, (array->n_chunks - index - 1) * sizeof(Chunk));
    array->n_chunks--;
}

/* Room for @needed records in the chunk at @index, with the records in use moved to its front. */
static void reserve(TmRangeArray *array, guint index, guint needed)
{
    Chunk *chunk = chunk_at(array, index);
    guint room = MAX(chunk->room, CHUNK_MIN_ROOM);

    g_assert(needed <= TM_RANGE_ARRAY_CHUNK);
    if (chunk->start > 0) {
        move_records(array, chunk->records, slot_at(array, chunk, 0), chunk->count);
        chunk->start = 0;
    }
    if (needed <= chunk->room) {
        return;
    }
    while (room < needed) {
        room *= 2;
    }
    chunk->records = g_realloc(chunk->records, (gsize)room * array->record_size);
    chunk->room = room;
}

/* Open slot @slot in the chunk at @index, which is not full. */
static void open_slot(TmRangeArray *array, guint index, guint slot)
{
    Chunk *chunk = chunk_at(array, index);

    if (slot < chunk->count / 2 && chunk->start > 0) {
        /* Nearer the front, with room there: the records before @slot move down. */
        chunk->start--;
        move_records(array, slot_at(array, chunk, 0), slot_at(array, chunk, 1), slot);
    } else {
        if (chunk->start + chunk->count == chunk->room) {
            reserve(array, index, chunk->count + 1);
        }
        move_records(array, slot_at(array, chunk, slot + 1), slot_at(array, chunk, slot),
                     chunk->count - slot);
    }
    chunk->count++;
}

/* Close slot @slot of the chunk at @index, moving the shorter side. */
static void close_slot(TmRangeArray *array, guint index, guint slot)
{
    Chunk *chunk = chunk_at(array, index);

    if (slot < chunk->count / 2) {
        move_records(array, slot_at(array, chunk, 1), slot_at(array, chunk, 0), slot);
        chunk->start++;
    } else {
        move_records(array, slot_at(array, chunk, slot), slot_at(array, chunk, slot + 1),
                     chunk->count - slot - 1);
    }
    chunk->count--;
}

void *tm_range_array_at(const TmRangeArray *array, TmRangePos pos)
{
    if (pos.chunk >= array->n_chunks) {
        return NULL;
    }
    return slot_at(array, chunk_at(array, pos.chunk), pos.slot);
}

TmRangePos tm_range_array_first(const TmRangeArray *array)
{
    (void)array;
    return (TmRangePos) { 0, 0 };
}

TmRangePos tm_range_array_next(const TmRangeArray *array, TmRangePos pos)
{
    g_assert(pos.chunk < array->n_chunks);
    if (pos.slot + 1 < chunk_at(array, pos.chunk)->count) {
        return (TmRangePos) { pos.chunk, pos.slot + 1 };
    }
    return (TmRangePos) { pos.chunk + 1, 0 };
}

TmRangePos tm_range_array_lower_bound(const TmRangeArray *array, uint64_t dpa)
{
    guint lo = 0;
    guint hi = array->n_chunks;

    /* The first chunk that starts above @dpa... */
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;

        if (chunk_at(array, mid)->first_dpa <= dpa) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == 0) {
        return (TmRangePos) { 0, 0 };
    }
    /*
     * ...so every record before the chunk ahead of it ends at or below
     * @dpa: the answer is in that chunk, or is the next chunk's first.
     */
    guint index = lo - 1;
    const Chunk *chunk = chunk_at(array, index);
    lo = 0;
    hi = chunk->count;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;

        if (tm_extent_end(range_at(array, chunk, mid)) <= dpa) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < chunk->count ? (TmRangePos) { index, lo } : (TmRangePos) { index + 1, 0 };
}

TmRangePos tm_range_array_at_index(const TmRangeArray *array, guint index)
{
    g_assert(index < array->length);
    for (guint c = 0;; c++) {
        guint count = chunk_at(array, c)->count;

        if (index < count) {
            return (TmRangePos) { c, index };
        }
        index -= count;
    }
}

guint tm_range_array_index_of(const TmRangeArray *array, TmRangePos pos)
{
    guint index = pos.slot;

    if (pos.chunk >= array->n_chunks) {
        return array->length;
    }
    for (guint c = 0; c < pos.chunk; c++) {
        index += chunk_at(array, c)->count;
    }
    return index;
}

/* Move the upper half of a full chunk to a new chunk after it. */
static void split_chunk(TmRangeArray *array, guint index)
{
    guint keep = TM_RANGE_ARRAY_CHUNK / 2;

    add_chunk(array, index + 1);
    reserve(array, index + 1, TM_RANGE_ARRAY_CHUNK - keep);
    Chunk *lower = chunk_at(array, index);
    Chunk *upper = chunk_at(array, index + 1);
    move_records(array, slot_at(array, upper, 0), slot_at(array, lower, keep),
                 lower->count - keep);
    upper->count = lower->count - keep;
    lower->count = keep;
    refresh_key(array, index + 1);
}

/* Where a record that goes before @pos is written, splitting a full chunk. */
static TmRangePos insertion_slot(TmRangeArray *array, TmRangePos pos)
{
    if (array->n_chunks == 0) {
        add_chunk(array, 0);
        return (TmRangePos) { 0, 0 };
    }
    if (pos.chunk == array->n_chunks) {
        /*
         * After the last record: at the end of the last chunk, or in a new
         * chunk when it is full, so that records added in DPA order fill
         * their chunks.
         */
        pos = (TmRangePos) { pos.chunk - 1, chunk_at(array, pos.chunk - 1)->count };
        if (pos.slot == TM_RANGE_ARRAY_CHUNK) {
            add_chunk(array, pos.chunk + 1);
            return (TmRangePos) { pos.chunk + 1, 0 };
        }
        return pos;
    }
    if (chunk_at(array, pos.chunk)->count == TM_RANGE_ARRAY_CHUNK) {
        split_chunk(array, pos.chunk);
        if (pos.slot > TM_RANGE_ARRAY_CHUNK / 2) {
            pos = (TmRangePos) { pos.chunk + 1, pos.slot - TM_RANGE_ARRAY_CHUNK / 2 };
        }
    }
    return pos;
}

TmRangePos tm_range_array_insert(TmRangeArray *array, const void *record)
{
    const TmExtent *range = record;
    TmRangePos pos = tm_range_array_lower_bound(array, range->dpa);
    const TmExtent *after = tm_range_array_at(array, pos);

    g_assert(after == NULL || after->dpa >= tm_extent_end(range));
    pos = insertion_slot(array, pos);
    open_slot(array, pos.chunk, pos.slot);
    memcpy(slot_at(array, chunk_at(array, pos.chunk), pos.slot), record, array->record_size);
    array->length++;
    refresh_key(array, pos.chunk);
    return pos;
}

void tm_range_array_replace(TmRangeArray *array, TmRangePos pos, const void *record)
{
    uint8_t *old = tm_range_array_at(array, pos);
    const TmExtent *old_range = (const TmExtent *)old;
    const TmExtent *new_range = record;

    g_assert(old != NULL);
    g_assert(tm_extent_contains(old_range, new_range->dpa, new_range->length));
    memcpy(old, record, array->record_size);
    refresh_key(array, pos.chunk);
}

/* The chunk at @index ran low: take records from its right neighbour or merge with it. */
static void rebalance(TmRangeArray *array, guint index)
{
    guint total = chunk_at(array, index)->count + chunk_at(array, index + 1)->count;

    reserve(array, index, MIN(total, TM_RANGE_ARRAY_CHUNK));
    Chunk *left = chunk_at(array, index);
    Chunk *right = chunk_at(array, index + 1);
    if (total <= TM_RANGE_ARRAY_CHUNK) {
        move_records(array, slot_at(array, left, left->count), slot_at(array, right, 0),
                     right->count);
        left->count += right->count;
        drop_chunk(array, index + 1);
        return;
    }
    /* More than a chunk between them: each keeps at least half. */
    guint taken = total / 2 - left->count;
    move_records(array, slot_at(array, left, left->count), slot_at(array, right, 0), taken);
    left->count += taken;
    right->start += taken;
    right->count -= taken;
    refresh_key(array, index + 1);
}

TmRangePos tm_range_array_remove(TmRangeArray *array, TmRangePos pos)
{
    const TmExtent *range = tm_range_array_at(array, pos);

    g_assert(range != NULL);
    uint64_t dpa = range->dpa;
    close_slot(array, pos.chunk, pos.slot);
    array->length--;
    Chunk *chunk = chunk_at(array, pos.chunk);
    if (chunk->count == 0) {
        drop_chunk(array, pos.chunk);
    } else {
        refresh_key(array, pos.chunk);
        if (chunk->count < CHUNK_LOW && pos.chunk + 1 < array->n_chunks) {
            rebalance(array, pos.chunk);
        }
    }
    /* The records before the removed one end at or below its DPA; the follower does not. */
    return tm_range_array_lower_bound(array, dpa);
}
