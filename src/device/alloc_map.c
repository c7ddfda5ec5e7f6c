#include "device/alloc_map.h"

#include <inttypes.h>

/* What the sequence holds for each range. */
typedef struct {
    TmAllocRange alloc;     /* first: the pointers callers get lead back to the entry */
    GSequenceIter *node;    /* the entry's place in the sequence, to step from it */
} MapEntry;

struct TmAllocMap {
    char *owner_path;
    GSequence *entries;     /* MapEntry*, sorted by DPA, disjoint; owned */
};

TmAllocMap *tm_alloc_map_new(const char *owner_path)
{
    TmAllocMap *map = g_new0(TmAllocMap, 1);

    map->owner_path = g_strdup(owner_path);
    map->entries = g_sequence_new(g_free);
    return map;
}

char *tm_alloc_map_user_description(const TmAllocMap *map, const TmBackedExtent *range)
{
    return g_strdup_printf("extent 0x%" PRIx64 "+0x%" PRIx64 " of %s", range->extent.dpa,
                           range->extent.length, map->owner_path);
}

static bool registers_user(const TmBackedExtent *range)
{
    return !tm_guid_is_null(&range->extent.tag);
}

static void add_user(TmAllocMap *map, const TmBackedExtent *range)
{
    if (registers_user(range)) {
        g_autofree char *user = tm_alloc_map_user_description(map, range);
        tm_hostmem_add_user(range->backend, user);
    }
}

static void remove_user(TmAllocMap *map, const TmBackedExtent *range)
{
    if (registers_user(range)) {
        g_autofree char *user = tm_alloc_map_user_description(map, range);
        tm_hostmem_remove_user(range->backend, user);
    }
}

void tm_alloc_map_free(TmAllocMap *map)
{
    if (map == NULL) {
        return;
    }
    for (TmAllocRange *range = tm_alloc_map_first(map); range; range = tm_alloc_map_next(range)) {
        remove_user(map, &range->range);
    }
    g_sequence_free(map->entries);
    g_free(map->owner_path);
    g_free(map);
}

guint tm_alloc_map_length(const TmAllocMap *map)
{
    return (guint)g_sequence_get_length(map->entries);
}

/* The range at @node, or NULL at the end of the sequence. */
static TmAllocRange *range_at(GSequenceIter *node)
{
    return g_sequence_iter_is_end(node) ? NULL : &((MapEntry *)g_sequence_get(node))->alloc;
}

static GSequenceIter *node_of(const TmAllocRange *range)
{
    return ((const MapEntry *)range)->node;
}

TmAllocRange *tm_alloc_map_first(const TmAllocMap *map)
{
    return range_at(g_sequence_get_begin_iter(map->entries));
}

TmAllocRange *tm_alloc_map_next(const TmAllocRange *range)
{
    return range_at(g_sequence_iter_next(node_of(range)));
}

/*
 * Orders an entry before a DPA when the range ends at or below it.  Never
 * 0, so that g_sequence_search() lands on the first range that ends after
 * the DPA: ranges are disjoint and sorted, so their ends are sorted too.
 */
static gint compare_end_with_dpa(gconstpointer entry, gconstpointer dpa, gpointer unused)
{
    (void)unused;
    return tm_extent_end(&((const MapEntry *)entry)->alloc.range.extent) <=
           *(const uint64_t *)dpa ? -1 : 1;
}

static GSequenceIter *lower_bound_node(const TmAllocMap *map, uint64_t dpa)
{
    return g_sequence_search(map->entries, &dpa, compare_end_with_dpa, NULL);
}

TmAllocRange *tm_alloc_map_lower_bound(const TmAllocMap *map, uint64_t dpa)
{
    return range_at(lower_bound_node(map, dpa));
}

bool tm_alloc_map_overlaps(const TmAllocMap *map, uint64_t dpa, uint64_t length)
{
    const TmAllocRange *range = tm_alloc_map_lower_bound(map, dpa);

    return range && range->range.extent.dpa < dpa + length;
}

/* A new entry for @range just before @node, which keeps the order. */
static void insert_before(TmAllocMap *map, GSequenceIter *node, const TmAllocRange *range)
{
    MapEntry *entry = g_new(MapEntry, 1);

    entry->alloc = *range;
    entry->node = g_sequence_insert_before(node, entry);
    add_user(map, &range->range);
}

void tm_alloc_map_insert(TmAllocMap *map, const TmAllocRange *range)
{
    g_assert(!tm_alloc_map_overlaps(map, range->range.extent.dpa, range->range.extent.length));
    insert_before(map, lower_bound_node(map, range->range.extent.dpa), range);
}

void tm_alloc_map_remove(TmAllocMap *map, TmAllocRange *range)
{
    remove_user(map, &range->range);
    g_sequence_remove(node_of(range));
}

/* Split the range that strictly contains @dpa, if any, at @dpa. */
static void split_at(TmAllocMap *map, uint64_t dpa)
{
    TmAllocRange *range = tm_alloc_map_lower_bound(map, dpa);

    if (range == NULL || range->range.extent.dpa >= dpa) {
        return;
    }
    TmAllocRange tail = *range;
    uint64_t start = range->range.extent.dpa;
    uint64_t end = tm_extent_end(&range->range.extent);

    /* The head keeps the entry: its start, and so the order, stays. */
    remove_user(map, &range->range);
    tail.range = tm_backed_extent_slice(&range->range, dpa, end - dpa);
    range->range = tm_backed_extent_slice(&range->range, start, dpa - start);
    add_user(map, &range->range);
    insert_before(map, g_sequence_iter_next(node_of(range)), &tail);
}

TmAllocRange *tm_alloc_map_isolate(TmAllocMap *map, uint64_t dpa, uint64_t length)
{
    TmAllocRange *first;

    split_at(map, dpa);
    split_at(map, dpa + length);
    first = tm_alloc_map_lower_bound(map, dpa);
    return first && first->range.extent.dpa < dpa + length ? first : NULL;
}

bool tm_alloc_map_next_gap(const TmAllocMap *map, uint64_t *pos, uint64_t limit,
                           uint64_t *gap_len)
{
    uint64_t start = *pos;

    for (const TmAllocRange *range = tm_alloc_map_lower_bound(map, start); start < limit;
         range = tm_alloc_map_next(range)) {
        if (range && range->range.extent.dpa <= start) {
            start = tm_extent_end(&range->range.extent);
            continue;
        }
        uint64_t gap_end = range ? MIN(range->range.extent.dpa, limit) : limit;

        *pos = start;
        *gap_len = gap_end - start;
        return true;
    }
    return false;
}
