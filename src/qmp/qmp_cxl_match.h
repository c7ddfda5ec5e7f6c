/*
 * What a filtered query-cxl-dynamic-capacity keeps (docs/qmp.md, "Filters
 * and paging"), found through the device model's indexes so that the work
 * follows the size of the answer, not of the device: a host's pending
 * groups are few (each waits in the host's event log), its accepted
 * extents are counted and paged by index spans (a region is one DPA
 * range, a tag's allocation a few, tm_dcd_tag_ranges), and a tag is
 * looked up, not searched for.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>
#include <json-c/json.h>

#include "core/guid.h"
#include "device/dcd.h"

typedef struct {
    int host;          /* -1: every host */
    int region;        /* -1: every region */
    bool has_tag;
    TmGuid tag;        /* the null GUID: untagged extents */
    bool pending;      /* "state": pending groups are kept */
    bool accepted;     /* "state": accepted extents are kept */
} TmQmpCxlFilter;

/* QMP's names of the "state" values, NULL-terminated. */
extern const char *const tm_qmp_cxl_states[];

/*
 * The filter arguments "host-id", "region", "tag" and "state" of @args;
 * a host or region @dev (when given) does not have, or a tag that is not
 * a GUID, is an error.
 */
bool tm_qmp_cxl_filter_parse(const TmDcd *dev, json_object *args, TmQmpCxlFilter *f,
                             GError **err);

/* Indexes [first, end) of a host's accepted list (tm_dcd_host_accepted). */
typedef struct {
    guint first;
    guint end;
} TmQmpCxlSpan;

/* What a filter keeps of one host, valid while the device does not change. */
typedef struct {
    GArray *groups;         /* TmDcPendingGroupInfo, oldest first */
    guint pending_extents;  /* in @groups */
    GArray *spans;          /* TmQmpCxlSpan, ascending and disjoint */
    guint accepted;         /* extents in @spans */
} TmQmpCxlHostMatch;

void tm_qmp_cxl_host_match(const TmDcd *dev, uint16_t host_id, const TmQmpCxlFilter *f,
                           TmQmpCxlHostMatch *match);
void tm_qmp_cxl_host_match_clear(TmQmpCxlHostMatch *match);

/* Does the filter keep host @host_id of a device? */
bool tm_qmp_cxl_keeps_host(const TmQmpCxlFilter *f, uint16_t host_id);

/* Call @fn for every tag entry the filter keeps, in order of first use. */
void tm_qmp_cxl_foreach_tag(const TmDcd *dev, const TmQmpCxlFilter *f,
                            void (*fn)(const TmDcTagInfo *info, void *opaque), void *opaque);
