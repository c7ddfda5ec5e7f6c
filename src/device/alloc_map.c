#include "device/alloc_map.h"

#include <inttypes.h>

struct TmAllocMap {
    char *owner_path;
    TmRangeArray ranges;    /* TmAllocRange, sorted by DPA, disjoint */
    /*
     * Tag (the TagRanges' own copy) -> TagRanges: the DPA ranges of the
     * tagged records, each exactly as in @ranges, kept in step with every
     * insertion, split and removal.
     */
    GHashTable *by_tag;
};

typedef struct {
    TmGuid tag;
    TmRangeArray ranges;    /* TmExtent, sorted by DPA */
} TagRanges;

static void tag_ranges_free(gpointer data)
{
    TagRanges *entry = data;

    tm_range_array_clear(&entry->ranges);
    g_free(entry);
}

/* The range array reads each record's TmExtent at its start. */
_Static_assert(offsetof(TmAllocRange, range) == 0, "TmAllocRange starts with its range");

TmAllocMap *tm_alloc_map_new(const char *owner_path)
{
    TmAllocMap *map = g_new0(TmAllocMap, 1);

    map->owner_path = g_strdup(owner_path);
    tm_range_array_init(&map->ranges, sizeof(TmAllocRange));
    map->by_tag = g_hash_table_new_full(tm_guid_hash_func, tm_guid_equal_func, NULL,
                                        tag_ranges_free);
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

static void index_range(TmAllocMap *map, const TmExtent *range)
{
    TagRanges *entry = g_hash_table_lookup(map->by_tag, &range->tag);

    if (entry == NULL) {
        entry = g_new0(TagRanges, 1);
        entry->tag = range->tag;
        tm_range_array_init(&entry->ranges, sizeof(TmExtent));
        g_hash_table_insert(map->by_tag, &entry->tag, entry);
    }
    tm_range_array_insert(&entry->ranges, range);
}

static void unindex_range(TmAllocMap *map, const TmExtent *range)
{
    TagRanges *entry = g_hash_table_lookup(map->by_tag, &range->tag);

    tm_range_array_remove(&entry->ranges, tm_range_array_lower_bound(&entry->ranges,
                                                                     range->dpa));
    if (tm_range_array_length(&entry->ranges) == 0) {
        g_hash_table_remove(map->by_tag, &range->tag);
    }
}

/* A record enters the map: its backend user and its place in the tag index. */
static void add_user(TmAllocMap *map, const TmBackedExtent *range)
{
    if (registers_user(range)) {
        g_autofree char *user = tm_alloc_map_user_description(map, range);
        tm_hostmem_add_user(range->backend, user);
        index_range(map, &range->extent);
    }
}

static void remove_user(TmAllocMap *map, const TmBackedExtent *range)
{
    if (registers_user(range)) {
        g_autofree char *user = tm_alloc_map_user_description(map, range);
        tm_hostmem_remove_user(range->backend, user);
        unindex_range(map, &range->extent);
    }
}

void tm_alloc_map_free(TmAllocMap *map)
{
    if (map == NULL) {
        return;
    }
    const TmAllocRange *range;
    for (TmRangePos pos = tm_alloc_map_first(map); (range = tm_alloc_map_at(map, pos)) != NULL;
         pos = tm_alloc_map_next(map, pos)) {
        remove_user(map, &range->range);
    }
    tm_range_array_clear(&map->ranges);
    g_hash_table_unref(map->by_tag);
    g_free(map->owner_path);
    g_free(map);
}

guint tm_alloc_map_length(const TmAllocMap *map)
{
    return tm_range_array_length(&map->ranges);
}

TmRangePos tm_alloc_map_first(const TmAllocMap *map)
{
    return tm_range_array_first(&map->ranges);
}

TmRangePos tm_alloc_map_next(const TmAllocMap *map, TmRangePos pos)
{
    return tm_range_array_next(&map->ranges, pos);
}

TmAllocRange *tm_alloc_map_at(const TmAllocMap *map, TmRangePos pos)
{
    return tm_range_array_at(&map->ranges, pos);
}

TmRangePos tm_alloc_map_lower_bound(const TmAllocMap *map, uint64_t dpa)
{
    return tm_range_array_lower_bound(&map->ranges, dpa);
}

bool tm_alloc_map_overlaps(const TmAllocMap *map, uint64_t dpa, uint64_t length)
{
    const TmAllocRange *range = tm_alloc_map_at(map, tm_alloc_map_lower_bound(map, dpa));

    return range && range->range.extent.dpa < dpa + length;
}

void tm_alloc_map_insert(TmAllocMap *map, const TmAllocRange *range)
{
    tm_range_array_insert(&map->ranges, range);
    add_user(map, &range->range);
}

TmRangePos tm_alloc_map_remove(TmAllocMap *map, TmRangePos pos)
{
    remove_user(map, &tm_alloc_map_at(map, pos)->range);
    return tm_range_array_remove(&map->ranges, pos);
}

/* Split the range that strictly contains @dpa, if any, at @dpa. */
static void split_at(TmAllocMap *map, uint64_t dpa)
{
    TmRangePos pos = tm_alloc_map_lower_bound(map, dpa);
    const TmAllocRange *range = tm_alloc_map_at(map, pos);

    if (range == NULL || range->range.extent.dpa >= dpa) {
        return;
    }
    TmAllocRange head = *range;
    TmAllocRange tail = *range;
    uint64_t start = range->range.extent.dpa;
    uint64_t end = tm_extent_end(&range->range.extent);

    head.range = tm_backed_extent_slice(&range->range, start, dpa - start);
    tail.range = tm_backed_extent_slice(&range->range, dpa, end - dpa);
    remove_user(map, &range->range);
    /* The head keeps the record's place. */
    tm_range_array_replace(&map->ranges, pos, &head);
    add_user(map, &head.range);
    tm_alloc_map_insert(map, &tail);
}

TmRangePos tm_alloc_map_isolate(TmAllocMap *map, uint64_t dpa, uint64_t length)
{
    split_at(map, dpa);
    split_at(map, dpa + length);
    return tm_alloc_map_lower_bound(map, dpa);
}

bool tm_alloc_map_next_gap(const TmAllocMap *map, uint64_t *pos, uint64_t limit,
                           uint64_t *gap_len)
{
    uint64_t start = *pos;

    for (TmRangePos at = tm_alloc_map_lower_bound(map, start); start < limit;
         at = tm_alloc_map_next(map, at)) {
        const TmAllocRange *range = tm_alloc_map_at(map, at);

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

guint tm_alloc_map_tag_ranges(const TmAllocMap *map, const TmGuid *tag, GArray *out)
{
    const TagRanges *entry = g_hash_table_lookup(map->by_tag, tag);
    const TmExtent *range;
    guint first = out->len;

    if (entry == NULL) {
        return 0;
    }
    for (TmRangePos pos = tm_range_array_first(&entry->ranges);
         (range = tm_range_array_at(&entry->ranges, pos)) != NULL;
         pos = tm_range_array_next(&entry->ranges, pos)) {
        g_array_append_val(out, *range);
    }
    return out->len - first;
}

guint tm_alloc_map_tag_range_count(const TmAllocMap *map, const TmGuid *tag)
{
    const TagRanges *entry = g_hash_table_lookup(map->by_tag, tag);

    return entry ? tm_range_array_length(&entry->ranges) : 0;
}
