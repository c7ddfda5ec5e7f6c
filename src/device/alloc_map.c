#include "device/alloc_map.h"

#include <inttypes.h>

struct TmAllocMap {
    char *owner_path;
    GArray *ranges; /* TmAllocRange, sorted by DPA, disjoint */
};

TmAllocMap *tm_alloc_map_new(const char *owner_path)
{
    TmAllocMap *map = g_new0(TmAllocMap, 1);

    map->owner_path = g_strdup(owner_path);
    map->ranges = g_array_new(FALSE, FALSE, sizeof(TmAllocRange));
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
    for (guint i = 0; i < map->ranges->len; i++) {
        remove_user(map, &tm_alloc_map_get(map, i)->range);
    }
    g_array_unref(map->ranges);
    g_free(map->owner_path);
    g_free(map);
}

guint tm_alloc_map_length(const TmAllocMap *map)
{
    return map->ranges->len;
}

TmAllocRange *tm_alloc_map_get(const TmAllocMap *map, guint index)
{
    g_assert(index < map->ranges->len);
    return &g_array_index(map->ranges, TmAllocRange, index);
}

static uint64_t range_start(const TmAllocMap *map, guint index)
{
    return tm_alloc_map_get(map, index)->range.extent.dpa;
}

static uint64_t range_end(const TmAllocMap *map, guint index)
{
    return tm_extent_end(&tm_alloc_map_get(map, index)->range.extent);
}

guint tm_alloc_map_lower_bound(const TmAllocMap *map, uint64_t dpa)
{
    guint lo = 0;
    guint hi = map->ranges->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;

        if (range_end(map, mid) <= dpa) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

bool tm_alloc_map_overlaps(const TmAllocMap *map, uint64_t dpa, uint64_t length)
{
    guint i = tm_alloc_map_lower_bound(map, dpa);

    return i < map->ranges->len && range_start(map, i) < dpa + length;
}

void tm_alloc_map_insert(TmAllocMap *map, const TmAllocRange *range)
{
    guint i = tm_alloc_map_lower_bound(map, range->range.extent.dpa);

    g_assert(!tm_alloc_map_overlaps(map, range->range.extent.dpa, range->range.extent.length));
    g_array_insert_val(map->ranges, i, *range);
    add_user(map, &range->range);
}

void tm_alloc_map_remove(TmAllocMap *map, guint index)
{
    remove_user(map, &tm_alloc_map_get(map, index)->range);
    g_array_remove_index(map->ranges, index);
}

/* Split the range that strictly contains @dpa, if any, at @dpa. */
static void split_at(TmAllocMap *map, uint64_t dpa)
{
    guint i = tm_alloc_map_lower_bound(map, dpa);

    if (i >= map->ranges->len || range_start(map, i) >= dpa) {
        return;
    }
    TmAllocRange whole = *tm_alloc_map_get(map, i);
    TmAllocRange head = whole;
    TmAllocRange tail = whole;
    uint64_t end = tm_extent_end(&whole.range.extent);

    head.range = tm_backed_extent_slice(&whole.range, whole.range.extent.dpa,
                                        dpa - whole.range.extent.dpa);
    tail.range = tm_backed_extent_slice(&whole.range, dpa, end - dpa);
    tm_alloc_map_remove(map, i);
    tm_alloc_map_insert(map, &head);
    tm_alloc_map_insert(map, &tail);
}

void tm_alloc_map_isolate(TmAllocMap *map, uint64_t dpa, uint64_t length, guint *first,
                          guint *end)
{
    split_at(map, dpa);
    split_at(map, dpa + length);
    *first = tm_alloc_map_lower_bound(map, dpa);
    *end = tm_alloc_map_lower_bound(map, dpa + length);
}

bool tm_alloc_map_next_gap(const TmAllocMap *map, uint64_t *pos, uint64_t limit,
                           uint64_t *gap_len)
{
    uint64_t start = *pos;

    for (guint i = tm_alloc_map_lower_bound(map, start); start < limit; i++) {
        if (i < map->ranges->len && range_start(map, i) <= start) {
            start = range_end(map, i);
            continue;
        }
        uint64_t gap_end = i < map->ranges->len ? MIN(range_start(map, i), limit) : limit;

        *pos = start;
        *gap_len = gap_end - start;
        return true;
    }
    return false;
}
