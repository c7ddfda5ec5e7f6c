#include "cli/map_layout.h"

#include <stdlib.h>

/* What one column of one lane has seen so far. */
typedef struct {
    uint64_t state_bytes[TM_MAP_STATES];
    /*
     * Tags come in DPA order, so the bytes of one tag in a column are
     * usually one run; the longest run names the column's tag without a
     * per-column table of every tag (there may be 10k).
     */
    int run_tag;
    uint64_t run_bytes;
    int best_tag;
    uint64_t best_bytes;
    int first_tag;
    bool tags_differ;
    guint extents;
} ColumnSum;

uint64_t tm_map_column_start(const TmMapRegion *region, guint columns, guint column)
{
    /* 128-bit product: a region may be close to 2^64 bytes. */
    return region->info.base +
           (uint64_t)(((unsigned __int128)region->info.length * column) / columns);
}

uint64_t tm_map_column_length(const TmMapRegion *region, guint columns, guint column)
{
    return tm_map_column_start(region, columns, column + 1) -
           tm_map_column_start(region, columns, column);
}

/* The column holding @dpa (inside the region). */
static guint column_of(const TmMapRegion *region, guint columns, uint64_t dpa)
{
    uint64_t offset = dpa - region->info.base;
    guint column = (guint)(((unsigned __int128)offset * columns) / region->info.length);

    /* Integer rounding may put the guess one off the column starts' rounding. */
    while (column + 1 < columns && tm_map_column_start(region, columns, column + 1) <= dpa) {
        column++;
    }
    while (column > 0 && tm_map_column_start(region, columns, column) > dpa) {
        column--;
    }
    return MIN(column, columns - 1);
}

bool tm_map_cell_sparse(const TmMapRegion *region, guint columns, guint column,
                        const TmMapCell *cell)
{
    return cell->used > 0 && cell->used < tm_map_column_length(region, columns, column) / 2 +
                                               tm_map_column_length(region, columns, column) % 2;
}

bool tm_map_cells_alike(const TmMapCell *a, bool a_sparse, const TmMapCell *b, bool b_sparse)
{
    return a->state == b->state && a->host == b->host && a->tag == b->tag &&
           a->mixed == b->mixed && a_sparse == b_sparse;
}

static int compare_extents(const void *pa, const void *pb)
{
    const TmMapExtent *a = *(const TmMapExtent *const *)pa;
    const TmMapExtent *b = *(const TmMapExtent *const *)pb;

    if (a->region != b->region) {
        return a->region < b->region ? -1 : 1;
    }
    if (a->dpa != b->dpa) {
        return a->dpa < b->dpa ? -1 : 1;
    }
    return a->host < b->host ? -1 : a->host > b->host;
}

/* The part of @extent inside @info as [*start, *end); false when none is. */
static bool clip(const TmMapRegionInfo *info, const TmMapExtent *extent, uint64_t *start,
                 uint64_t *end)
{
    uint64_t region_end = info->base + info->length;
    uint64_t extent_end = extent->dpa + MIN(extent->len, UINT64_MAX - extent->dpa);

    *start = MAX(extent->dpa, info->base);
    *end = MIN(extent_end, region_end);
    return extent->region == info->id && *start < *end;
}

/*
 * True when extents of two different hosts overlap (@extents sorted by
 * DPA): shared capacity.  Tracks the furthest end of the two hosts that
 * reach furthest, so each extent is compared with every other host.
 */
static bool hosts_overlap(const TmMapRegionInfo *info, TmMapExtent *const *extents, guint n)
{
    uint64_t end1 = 0, end2 = 0;
    int host1 = -1, host2 = -1;

    for (guint i = 0; i < n; i++) {
        uint64_t start, end;
        int host = extents[i]->host;

        if (!clip(info, extents[i], &start, &end)) {
            continue;
        }
        uint64_t other_end = host1 != host ? end1 : end2;
        if ((host1 != host ? host1 : host2) >= 0 && start < other_end) {
            return true;
        }
        if (host == host1) {
            end1 = MAX(end1, end);
        } else if (end > end1) {
            end2 = end1;
            host2 = host1;
            end1 = end;
            host1 = host;
        } else if (end > end2) {
            end2 = end;
            host2 = host;
        }
    }
    return false;
}

static void close_tag_run(ColumnSum *sum)
{
    if (sum->run_bytes > sum->best_bytes) {
        sum->best_bytes = sum->run_bytes;
        sum->best_tag = sum->run_tag;
    }
    sum->run_bytes = 0;
}

static void add_to_column(ColumnSum *sum, uint64_t *host_bytes, const TmMapExtent *extent,
                          uint64_t bytes)
{
    sum->state_bytes[extent->state] += bytes;
    host_bytes[extent->host] += bytes;
    if (sum->extents == 0) {
        sum->first_tag = extent->tag;
    } else if (sum->first_tag != extent->tag) {
        sum->tags_differ = true;
    }
    if (sum->extents > 0 && sum->run_tag != extent->tag) {
        close_tag_run(sum);
    }
    sum->run_tag = extent->tag;
    sum->run_bytes += bytes;
    sum->extents++;
}

static void add_extent(const TmMapRegion *region, guint columns, ColumnSum *sums,
                       uint64_t *host_bytes, guint n_hosts, const TmMapExtent *extent)
{
    uint64_t start, end;

    if (!clip(&region->info, extent, &start, &end)) {
        return;
    }
    guint last = column_of(region, columns, end - 1);
    for (guint c = column_of(region, columns, start); c <= last; c++) {
        uint64_t from = MAX(start, tm_map_column_start(region, columns, c));
        uint64_t to = MIN(end, tm_map_column_start(region, columns, c + 1));

        if (from < to) {
            add_to_column(&sums[c], host_bytes + (size_t)c * n_hosts, extent, to - from);
        }
    }
}

/* Index of the largest of @n values from index @first on; -1 when all are 0. */
static int largest(const uint64_t *values, int first, int n, int *nonzero)
{
    int best = -1;

    *nonzero = 0;
    for (int i = first; i < n; i++) {
        if (values[i] > 0) {
            (*nonzero)++;
            if (best < 0 || values[i] > values[best]) {
                best = i;
            }
        }
    }
    return best;
}

static TmMapCell finish_cell(ColumnSum *sum, const uint64_t *host_bytes, guint n_hosts)
{
    TmMapCell cell = { .state = TM_MAP_FREE, .host = -1, .tag = -1 };
    int states, hosts;
    int state = largest(sum->state_bytes, TM_MAP_PENDING, TM_MAP_STATES, &states);

    cell.extents = sum->extents;
    if (state < 0) {
        return cell;
    }
    close_tag_run(sum);
    cell.state = (TmMapState)state;
    cell.host = largest(host_bytes, 0, (int)n_hosts, &hosts);
    cell.tag = sum->best_tag;
    cell.mixed = states > 1 || hosts > 1 || sum->tags_differ;
    for (int s = TM_MAP_PENDING; s < TM_MAP_STATES; s++) {
        cell.used += sum->state_bytes[s];
    }
    return cell;
}

/* Fill @lane from the region's @extents (sorted by DPA) of its host (or all). */
static void fill_lane(const TmMapRegion *region, guint columns, TmMapLane *lane,
                      TmMapExtent *const *extents, guint n, guint n_hosts)
{
    g_autofree ColumnSum *sums = g_new0(ColumnSum, columns);
    g_autofree uint64_t *host_bytes = g_new0(uint64_t, (size_t)columns * n_hosts);

    lane->cells = g_new0(TmMapCell, columns);
    for (guint i = 0; i < n; i++) {
        if (lane->host < 0 || extents[i]->host == lane->host) {
            add_extent(region, columns, sums, host_bytes, n_hosts, extents[i]);
        }
    }
    for (guint c = 0; c < columns; c++) {
        lane->cells[c] = finish_cell(&sums[c], host_bytes + (size_t)c * n_hosts, n_hosts);
    }
}

/* The lanes of @region: one per host when hosts share DPA, else one for all. */
static void build_region(TmMapRegion *region, guint columns, TmMapExtent *const *extents,
                         guint n)
{
    guint n_hosts = 0;
    g_autoptr(GArray) hosts = g_array_new(FALSE, FALSE, sizeof(int));

    for (guint i = 0; i < n; i++) {
        n_hosts = MAX(n_hosts, (guint)extents[i]->host + 1);
    }
    if (hosts_overlap(&region->info, extents, n)) {
        g_autofree bool *seen = g_new0(bool, n_hosts);
        for (guint i = 0; i < n; i++) {
            seen[extents[i]->host] = true;
        }
        for (guint h = 0; h < n_hosts; h++) {
            if (seen[h]) {
                int host = (int)h;
                g_array_append_val(hosts, host);
            }
        }
    } else {
        int all = -1;
        g_array_append_val(hosts, all);
    }
    region->n_lanes = hosts->len;
    region->lanes = g_new0(TmMapLane, hosts->len);
    for (guint l = 0; l < hosts->len; l++) {
        region->lanes[l].host = g_array_index(hosts, int, l);
        fill_lane(region, columns, &region->lanes[l], extents, n, MAX(n_hosts, 1));
    }
}

/* The run of @sorted (by region) whose region is @id: *@first and the count. */
static guint region_slice(TmMapExtent *const *sorted, guint n, guint id, guint *first)
{
    guint lo = 0, hi = n;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (sorted[mid]->region < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *first = lo;
    while (hi < n && sorted[hi]->region == id) {
        hi++;
    }
    return hi - lo;
}

TmMapLayout *tm_map_layout_build(const TmMapRegionInfo *regions, guint n_regions,
                                 const TmMapExtent *extents, guint n_extents, guint columns)
{
    TmMapLayout *layout = g_new0(TmMapLayout, 1);
    g_autofree TmMapExtent **sorted = g_new(TmMapExtent *, MAX(n_extents, 1));
    guint n_valid = 0;

    g_return_val_if_fail(columns > 0, layout);
    for (guint i = 0; i < n_extents; i++) {
        /* A negative host id or an empty extent has nothing to draw. */
        if (extents[i].host >= 0 && extents[i].len > 0 && extents[i].state != TM_MAP_FREE &&
            extents[i].state < TM_MAP_STATES) {
            sorted[n_valid++] = (TmMapExtent *)&extents[i];
        }
    }
    qsort(sorted, n_valid, sizeof(*sorted), compare_extents);
    layout->columns = columns;
    layout->n_regions = n_regions;
    layout->regions = g_new0(TmMapRegion, n_regions);
    for (guint r = 0; r < n_regions; r++) {
        guint first;
        guint n = region_slice(sorted, n_valid, regions[r].id, &first);

        layout->regions[r].info = regions[r];
        if (regions[r].length == 0) {
            layout->regions[r].info.length = 1; /* a column of nothing, not a division by 0 */
        }
        build_region(&layout->regions[r], columns, sorted + first, n);
    }
    return layout;
}

void tm_map_layout_free(TmMapLayout *layout)
{
    if (layout == NULL) {
        return;
    }
    for (guint r = 0; r < layout->n_regions; r++) {
        for (guint l = 0; l < layout->regions[r].n_lanes; l++) {
            g_free(layout->regions[r].lanes[l].cells);
        }
        g_free(layout->regions[r].lanes);
    }
    g_free(layout->regions);
    g_free(layout);
}
