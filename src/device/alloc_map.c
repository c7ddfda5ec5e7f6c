#include "device/alloc_map.h"

#include <inttypes.h>

struct TmAllocMap {
    char *owner_path;
    TmRangeArray ranges;    /* TmAllocRange, sorted by DPA, disjoint */
};

/* The range array reads each record's TmExtent at its start. */
_Static_assert(offsetof(TmAllocRange, range) == 0, "TmAllocRange starts with its range");

TmAllocMap *tm_alloc_map_new(const char *owner_path)
{
    TmAllocMap *map = g_new0(TmAllocMap, 1);

    map->owner_path = g_strdup(owner_path);
    tm_range_array_init(&map->ranges, sizeof(TmAllocRange));
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
    const TmAllocRange *range;
    for (TmRangePos pos = tm_alloc_map_first(map); (range = tm_alloc_map_at(map, pos)) != NULL;
         pos = tm_alloc_map_next(map, pos)) {
        remove_user(map, &range->range);
    }
    tm_range_array_clear(&map->ranges);
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
