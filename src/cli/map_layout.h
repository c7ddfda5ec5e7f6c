/*
 * The layout behind "tagmem map": a device's DPA space cut into a fixed
 * number of equal columns per region (terminal characters or SVG pixels),
 * each column summarising the extents that fall into it.  A column never
 * stands for one extent: 100k extents on an 80-column terminal become 80
 * cells per lane, each holding the dominant state, host and tag of the
 * bytes it covers and whether it mixes several.
 *
 * A region whose capacity is held by several hosts at the same DPA (shared
 * capacity) gets one lane per host, so that every holder stays visible;
 * any other region gets one lane for all hosts, coloured by host.
 *
 * Pure: no QMP, no output.  cmd_map.c fills the inputs from
 * query-cxl-dynamic-capacity; map_term.c and map_svg.c draw the result.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

typedef enum {
    TM_MAP_FREE,
    TM_MAP_PENDING,    /* offered, not yet accepted */
    TM_MAP_ACCEPTED,
    TM_MAP_RELEASING,  /* accepted, release asked for */
    TM_MAP_STATES,
} TmMapState;

typedef struct {
    guint id;
    uint64_t base;     /* DPA */
    uint64_t length;
    uint64_t block_size;
    bool sharable;
} TmMapRegionInfo;

typedef struct {
    guint region;      /* TmMapRegionInfo.id */
    int host;
    TmMapState state;  /* not TM_MAP_FREE */
    uint64_t dpa;
    uint64_t len;
    int tag;           /* index into the caller's tag table; -1: untagged */
} TmMapExtent;

/* One column of one lane. */
typedef struct {
    TmMapState state;  /* the occupied state with most bytes; FREE when nothing is held */
    int host;          /* the host with most bytes; -1 when free */
    int tag;           /* the tag of the longest run of bytes; -1: none or untagged */
    bool mixed;        /* more than one host, occupied state or tag */
    uint64_t used;     /* bytes held (per lane: by its host or, for all hosts, by any) */
    guint extents;     /* extents that touch the column */
} TmMapCell;

typedef struct {
    int host;          /* -1: all hosts in one lane */
    TmMapCell *cells;  /* columns of them */
} TmMapLane;

typedef struct {
    TmMapRegionInfo info;
    guint n_lanes;
    TmMapLane *lanes;
} TmMapRegion;

typedef struct {
    guint columns;
    guint n_regions;
    TmMapRegion *regions;
} TmMapLayout;

/*
 * Cut each of @regions into @columns (>= 1) and summarise @extents in
 * them.  Extents of regions not listed, or outside their region, are
 * clipped or left out.  Cost: O(n log n + lanes * columns).
 */
TmMapLayout *tm_map_layout_build(const TmMapRegionInfo *regions, guint n_regions,
                                 const TmMapExtent *extents, guint n_extents, guint columns);
void tm_map_layout_free(TmMapLayout *layout);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmMapLayout, tm_map_layout_free)

/* The first DPA of @column of @region (column == columns: the region's end). */
uint64_t tm_map_column_start(const TmMapRegion *region, guint columns, guint column);

/* The bytes @column of @region stands for. */
uint64_t tm_map_column_length(const TmMapRegion *region, guint columns, guint column);

/* True when @cell's bytes fill less than half of its column: drawn as "partly used". */
bool tm_map_cell_sparse(const TmMapRegion *region, guint columns, guint column,
                        const TmMapCell *cell);

/* Two cells that draw alike (state, host, tag, mixed, sparse): runs of them merge. */
bool tm_map_cells_alike(const TmMapCell *a, bool a_sparse, const TmMapCell *b, bool b_sparse);
