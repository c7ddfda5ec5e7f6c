/* Read-only views of a device for the front ends. */
#include "device/dcd_internal.h"

#include <stdlib.h>

unsigned tm_dcd_num_regions(const TmDcd *dev)
{
    return (unsigned)dev->num_dc_regions;
}

const TmDcRegion *tm_dcd_region(const TmDcd *dev, unsigned index)
{
    g_assert(index < dev->num_dc_regions);
    return &dev->regions[index];
}

uint64_t tm_dcd_total_dc_size(const TmDcd *dev)
{
    return dev->dc_size;
}

uint16_t tm_dcd_num_hosts(const TmDcd *dev)
{
    return (uint16_t)dev->num_hosts;
}

uint64_t tm_dcd_serial(const TmDcd *dev)
{
    return dev->serial;
}

TmDcPciIdentity tm_dcd_pci_identity(const TmDcd *dev)
{
    return dev->pci_identity;
}

TmHostMem *tm_dcd_static_memdev(const TmDcd *dev)
{
    return dev->dc_memdev;
}

uint32_t tm_dcd_host_generation(const TmDcd *dev, uint16_t host_id)
{
    return tm_dcd_host(dev, host_id)->generation;
}

guint tm_dcd_host_accepted_count(const TmDcd *dev, uint16_t host_id)
{
    return tm_extent_list_length(tm_dcd_host(dev, host_id)->accepted);
}

const TmBackedExtent *tm_dcd_host_accepted(const TmDcd *dev, uint16_t host_id, guint index)
{
    return tm_extent_list_get(tm_dcd_host(dev, host_id)->accepted, index);
}

const TmBackedExtent *tm_dcd_host_find_accepted(const TmDcd *dev, uint16_t host_id,
                                                uint64_t dpa)
{
    return tm_extent_list_find(tm_dcd_host(dev, host_id)->accepted, dpa);
}

void tm_dcd_host_accepted_span(const TmDcd *dev, uint16_t host_id, uint64_t dpa,
                               uint64_t length, guint *first, guint *end)
{
    tm_extent_list_span(tm_dcd_host(dev, host_id)->accepted, dpa, length, first, end);
}

/* The @index-th group not withdrawn (withdrawn ones only wait for an answer), or NULL. */
static const TmPendingGroup *live_group(const TmDcHost *host, guint index)
{
    for (const TmPendingGroup *group = host->oldest_group; group != NULL; group = group->next) {
        if (!group->withdrawn && index-- == 0) {
            return group;
        }
    }
    return NULL;
}

guint tm_dcd_host_pending_group_count(const TmDcd *dev, uint16_t host_id)
{
    const TmDcHost *host = tm_dcd_host(dev, host_id);
    guint count = 0;

    for (const TmPendingGroup *group = host->oldest_group; group != NULL; group = group->next) {
        count += !group->withdrawn;
    }
    return count;
}

static TmDcPendingGroupInfo group_info(const TmPendingGroup *group)
{
    return (TmDcPendingGroupInfo) {
        .id = group->id,
        .policy = group->policy,
        .region = group->region,
        .tag = group->tag,
        .extents = group->extents,
        .n_extents = group->n_extents,
    };
}

void tm_dcd_host_foreach_pending_group(const TmDcd *dev, uint16_t host_id,
                                       void (*fn)(const TmDcPendingGroupInfo *group,
                                                  void *opaque),
                                       void *opaque)
{
    const TmDcHost *host = tm_dcd_host(dev, host_id);

    for (const TmPendingGroup *group = host->oldest_group; group != NULL; group = group->next) {
        if (!group->withdrawn) {
            TmDcPendingGroupInfo info = group_info(group);
            fn(&info, opaque);
        }
    }
}

bool tm_dcd_host_front_group(const TmDcd *dev, uint16_t host_id, TmDcPendingGroupInfo *out)
{
    const TmPendingGroup *group = tm_dcd_host(dev, host_id)->oldest_group;

    if (group == NULL) {
        return false;
    }
    /* A withdrawn group has no extents left: the answer it waits for accepts none. */
    *out = group_info(group);
    return true;
}

TmDcPendingGroupInfo tm_dcd_host_pending_group(const TmDcd *dev, uint16_t host_id,
                                               guint index)
{
    const TmPendingGroup *group = live_group(tm_dcd_host(dev, host_id), index);

    g_assert(group != NULL);
    return group_info(group);
}

guint tm_dcd_host_pending_extent_count(const TmDcd *dev, uint16_t host_id)
{
    return tm_dcd_host(dev, host_id)->pending_extents;
}

bool tm_dcd_host_release_pending(const TmDcd *dev, uint16_t host_id, uint64_t dpa,
                                 uint64_t length)
{
    return tm_release_marks_overlap(tm_dcd_host(dev, host_id)->release_marks, dpa, length);
}

TmEventLog *tm_dcd_host_event_log(TmDcd *dev, uint16_t host_id, TmEventLogType type)
{
    g_assert((unsigned)type < TM_EVENT_LOG_COUNT);
    return tm_dcd_host(dev, host_id)->logs[type];
}

TmDcLimits tm_dcd_limits(const TmDcd *dev, uint16_t host_id)
{
    const TmDcHost *host = tm_dcd_host(dev, host_id);
    uint64_t used = (uint64_t)tm_extent_list_length(host->accepted) +
                    host->pending_extents;

    return (TmDcLimits) {
        .supported_extents = (uint32_t)dev->max_extents,
        .available_extents = used >= dev->max_extents ? 0
                                                      : (uint32_t)(dev->max_extents - used),
        .supported_tags = (uint32_t)dev->max_tags,
        .available_tags = dev->live_tag_count >= dev->max_tags
                          ? 0 : (uint32_t)(dev->max_tags - dev->live_tag_count),
    };
}

const char *tm_dc_tag_state_name(TmDcTagState state)
{
    switch (state) {
    case TM_DC_TAG_NOT_FOUND:
        return "Not-Found";
    case TM_DC_TAG_PENDING:
        return "Pending";
    case TM_DC_TAG_COMMITTED:
        return "Committed";
    case TM_DC_TAG_RELEASED:
        return "Released";
    }
    return "Unknown";
}

static TmDcTagState state_for_host(const TmDcTag *tag, uint16_t host_id)
{
    if (tm_host_set_contains(&tag->committed_hosts, host_id)) {
        return TM_DC_TAG_COMMITTED;
    }
    if (tm_host_set_contains(&tag->pending_hosts, host_id)) {
        return TM_DC_TAG_PENDING;
    }
    if (tm_host_set_contains(&tag->known_hosts, host_id)) {
        return TM_DC_TAG_RELEASED;
    }
    return TM_DC_TAG_NOT_FOUND;
}

TmDcTagState tm_dcd_tag_state(const TmDcd *dev, const TmGuid *tag, uint16_t host_id)
{
    const TmDcTag *record = tm_dcd_tag_lookup(dev, tag);

    return record ? state_for_host(record, host_id) : TM_DC_TAG_NOT_FOUND;
}

static TmDcTagInfo tag_info(const TmDcTag *tag)
{
    TmDcTagState state = TM_DC_TAG_RELEASED;

    if (!tm_host_set_is_empty(&tag->committed_hosts)) {
        state = TM_DC_TAG_COMMITTED;
    } else if (!tm_host_set_is_empty(&tag->pending_hosts)) {
        state = TM_DC_TAG_PENDING;
    }
    return (TmDcTagInfo) {
        .tag = tag->tag,
        .state = state,
        .region = tag->region,
        .backend = tag->backend,
        .allocated = tag->next_offset,
        .pending_hosts = tag->pending_hosts,
        .committed_hosts = tag->committed_hosts,
        .known_hosts = tag->known_hosts,
        .referenced = tag->referenced,
    };
}

guint tm_dcd_tag_count(const TmDcd *dev)
{
    return dev->tags->len;
}

TmDcTagInfo tm_dcd_tag_info(const TmDcd *dev, guint index)
{
    g_assert(index < dev->tags->len);
    return tag_info(g_ptr_array_index(dev->tags, index));
}

static gint compare_first_use(gconstpointer a, gconstpointer b)
{
    const TmDcTag *ta = *(const TmDcTag *const *)a;
    const TmDcTag *tb = *(const TmDcTag *const *)b;

    return ta->index < tb->index ? -1 : ta->index > tb->index;
}

guint tm_dcd_host_tags(const TmDcd *dev, uint16_t host_id, GArray *out)
{
    const TmDcHost *host = tm_dcd_host(dev, host_id);
    g_autoptr(GPtrArray) held = g_ptr_array_new();
    GHashTableIter iter;
    gpointer record;

    if (host->held_tags) {
        g_hash_table_iter_init(&iter, host->held_tags);
        while (g_hash_table_iter_next(&iter, &record, NULL)) {
            g_ptr_array_add(held, record);
        }
    }
    g_ptr_array_sort(held, compare_first_use);
    for (guint i = 0; i < held->len; i++) {
        TmDcTagInfo info = tag_info(g_ptr_array_index(held, i));
        g_array_append_val(out, info);
    }
    return held->len;
}

bool tm_dcd_find_tag(const TmDcd *dev, const TmGuid *tag, TmDcTagInfo *out)
{
    const TmDcTag *record = tm_dcd_tag_lookup(dev, tag);

    if (record == NULL) {
        return false;
    }
    *out = tag_info(record);
    return true;
}

static gint compare_sequence(gconstpointer a, gconstpointer b)
{
    const TmBackedExtent *ea = a;
    const TmBackedExtent *eb = b;

    return ea->extent.shared_seq < eb->extent.shared_seq ? -1
           : ea->extent.shared_seq > eb->extent.shared_seq ? 1
           : ea->extent.dpa < eb->extent.dpa ? -1 : ea->extent.dpa > eb->extent.dpa;
}

guint tm_dcd_tag_extents(const TmDcd *dev, const TmGuid *tag, GArray *out)
{
    g_autoptr(GArray) ranges = g_array_new(FALSE, FALSE, sizeof(TmExtent));
    guint first = out->len;

    tm_alloc_map_tag_ranges(dev->alloc_map, tag, ranges);
    for (guint i = 0; i < ranges->len; i++) {
        const TmExtent *range = &g_array_index(ranges, TmExtent, i);
        const TmAllocRange *record =
            tm_alloc_map_at(dev->alloc_map, tm_alloc_map_lower_bound(dev->alloc_map, range->dpa));

        if (record->retained || !tm_host_set_is_empty(&record->holders)) {
            g_array_append_val(out, record->range);
        }
    }
    qsort(out->data + first * sizeof(TmBackedExtent), out->len - first,
          sizeof(TmBackedExtent), compare_sequence);
    return out->len - first;
}

guint tm_dcd_tag_ranges(const TmDcd *dev, const TmGuid *tag, GArray *out)
{
    return tm_alloc_map_tag_ranges(dev->alloc_map, tag, out);
}

bool tm_dcd_has_allocations(const TmDcd *dev)
{
    return dev->alloc_map && tm_alloc_map_length(dev->alloc_map) > 0;
}

void tm_dcd_foreach_allocated(const TmDcd *dev, TmDcdAllocatedFn fn, void *opaque)
{
    for (TmRangePos pos = tm_alloc_map_first(dev->alloc_map);
         tm_alloc_map_at(dev->alloc_map, pos) != NULL;
         pos = tm_alloc_map_next(dev->alloc_map, pos)) {
        const TmBackedExtent *range = &tm_alloc_map_at(dev->alloc_map, pos)->range;
        fn(opaque, range->backend, range->backend_offset, range->extent.length);
    }
}
