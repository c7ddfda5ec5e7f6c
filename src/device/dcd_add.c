/*
 * Add capacity: validate the whole request (QEMU's order and texts for the
 * checks QEMU makes, docs/qemu-compat.md), plan the extents (listed, or
 * selected by dcd_select.c) and their backing, check the limits, then
 * create the pending group and log one Add Capacity record per extent.
 */
#include "device/dcd_internal.h"

#include <inttypes.h>

typedef struct {
    const TmDcAddRequest *request;
    const TmDcRegion *region;
    GArray *extents;      /* TmBackedExtent: the group to offer */
    TmHostMem *backend;   /* tagged, not shared: the allocation's backend */
    uint64_t first_offset;/* where the new extents start in it */
    uint16_t first_seq;
} AddPlan;

/* ---- prescriptive ---- */

/* Capacity of this host still pending, or of other hosts, is not offered again. */
static TmDcStatus check_not_allocated(const TmDcd *dev, const TmDcHost *host,
                                      const TmExtent *extent, GError **err)
{
    const TmAllocRange *range = tm_alloc_map_at(dev->alloc_map,
                                                tm_alloc_map_lower_bound(dev->alloc_map,
                                                                         extent->dpa));

    if (range == NULL || range->range.extent.dpa >= tm_extent_end(extent)) {
        return TM_DC_OK;
    }
    const TmHostSet *holders = &range->holders;
    int holder = tm_host_set_first(holders);
    if (tm_host_set_contains(holders, host->id)) {
        /* Not accepted (checked before), so pending. */
        return tm_dc_fail(err, TM_DC_INVALID_EXTENT_LIST,
                          "cannot add DPA again while still pending");
    }
    if (holder < 0 && range->retained) {
        char tag_text[TM_GUID_STRING_LEN + 1];

        tm_guid_format(&range->range.extent.tag, tag_text);
        return tm_dc_fail(err, TM_DC_INVALID_EXTENT_LIST,
                          "extent 0x%" PRIx64 "+0x%" PRIx64 " overlaps capacity of tag %s "
                          "kept by an FM reference", extent->dpa, extent->length, tag_text);
    }
    if (holder < 0) {
        return tm_dc_fail(err, TM_DC_INVALID_EXTENT_LIST,
                          "extent 0x%" PRIx64 "+0x%" PRIx64 " overlaps capacity kept out "
                          "of use after a failed sanitize", extent->dpa, extent->length);
    }
    return tm_dc_fail(err, TM_DC_INVALID_EXTENT_LIST,
                      "extent 0x%" PRIx64 "+0x%" PRIx64 " overlaps capacity allocated to "
                      "host %d", extent->dpa, extent->length, holder);
}

/* One listed extent, in QEMU's order of checks. */
static TmDcStatus check_listed_extent(const TmDcd *dev, const TmDcHost *host,
                                      const TmDcRegion *region, const TmExtent *extent,
                                      TmRangeSet *seen, GError **err)
{
    TmDcStatus status = tm_dcd_check_listed_range(region, extent, seen, err);

    if (status != TM_DC_OK) {
        return status;
    }
    if (tm_extent_list_overlaps(host->accepted, extent->dpa, extent->length)) {
        return tm_dc_fail(err, TM_DC_INVALID_EXTENT_LIST,
                          "cannot add DPA already accessible to the same LD");
    }
    return check_not_allocated(dev, host, extent, err);
}

static TmDcStatus plan_prescriptive(const TmDcd *dev, AddPlan *plan, GError **err)
{
    const TmDcAddRequest *request = plan->request;
    const TmDcHost *host = tm_dcd_host(dev, request->host_id);
    g_autoptr(TmRangeSet) seen = tm_range_set_new();

    if (request->n_extents == 0) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                          "prescriptive add needs at least one extent");
    }
    for (guint i = 0; i < request->n_extents; i++) {
        TmDcStatus status = check_listed_extent(dev, host, plan->region, &request->extents[i],
                                                seen, err);
        if (status != TM_DC_OK) {
            return status;
        }
    }
    for (guint i = 0; i < request->n_extents; i++) {
        TmBackedExtent extent = {
            .extent = { .dpa = request->extents[i].dpa, .length = request->extents[i].length },
            .region = request->region,
        };
        g_array_append_val(plan->extents, extent);
    }
    return TM_DC_OK;
}

/* ---- backing ---- */

static uint64_t planned_length(const AddPlan *plan)
{
    uint64_t total = 0;

    for (guint i = 0; i < plan->extents->len; i++) {
        total += g_array_index(plan->extents, TmBackedExtent, i).extent.length;
    }
    return total;
}

static TmDcStatus plan_untagged_backing(const TmDcd *dev, AddPlan *plan, GError **err)
{
    if (dev->dc_memdev == NULL) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                          "device '%s' has no volatile-dc-memdev to back untagged capacity; "
                          "add it with a tag", tm_dcd_id(dev));
    }
    /* Static mode, as QEMU: the memdev mirrors the DC DPA space. */
    for (guint i = 0; i < plan->extents->len; i++) {
        TmBackedExtent *extent = &g_array_index(plan->extents, TmBackedExtent, i);

        extent->backend = dev->dc_memdev;
        extent->backend_offset = extent->extent.dpa - dev->regions[0].base;
    }
    return TM_DC_OK;
}

static TmDcStatus find_tagged_backend(const TmDcd *dev, AddPlan *plan, const char *tag_text,
                                      GError **err)
{
    const TmDcAddRequest *request = plan->request;
    const TmDcTag *tag = tm_dcd_tag_lookup(dev, &request->tag);

    if (tag && tm_dcd_tag_is_live(tag)) {
        /* Extending the host's own allocation. */
        TmHostSet others = tag->pending_hosts;
        for (unsigned w = 0; w < G_N_ELEMENTS(others.bits); w++) {
            others.bits[w] |= tag->committed_hosts.bits[w];
        }
        bool own = tm_host_set_contains(&others, request->host_id);
        tm_host_set_remove(&others, request->host_id);
        if (!tm_host_set_is_empty(&others) && own) {
            return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                              "tag %s is shared with host %d: a shared allocation cannot grow",
                              tag_text, tm_host_set_first(&others));
        }
        if (!tm_host_set_is_empty(&others)) {
            return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                              "tag %s is already allocated to host %d (share it with "
                              "enable-shared-access)", tag_text, tm_host_set_first(&others));
        }
        if (tag->region != request->region) {
            return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                              "tag %s is allocated in region %u, not region %u", tag_text,
                              tag->region, request->region);
        }
        plan->backend = tag->backend;
        plan->first_offset = tag->next_offset;
        plan->first_seq = tag->next_seq;
        return TM_DC_OK;
    }
    plan->backend = tm_backend_registry_find_by_tag(dev->backends, &request->tag);
    if (plan->backend == NULL) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT, "no memory backend has tag %s", tag_text);
    }
    if (tm_hostmem_in_use(plan->backend)) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                          "memory backend '%s' (tag %s) is already in use by %s",
                          tm_hostmem_id(plan->backend), tag_text,
                          tm_hostmem_first_user(plan->backend));
    }
    return TM_DC_OK;
}

static TmDcStatus plan_tagged_backing(const TmDcd *dev, AddPlan *plan, GError **err)
{
    char tag_text[TM_GUID_STRING_LEN + 1];

    tm_guid_format(&plan->request->tag, tag_text);
    TmDcStatus status = find_tagged_backend(dev, plan, tag_text, err);
    if (status != TM_DC_OK) {
        return status;
    }
    uint64_t needed = plan->first_offset + planned_length(plan);
    if (needed > tm_hostmem_size(plan->backend)) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                          "memory backend '%s' (tag %s) is too small: it has 0x%" PRIx64
                          " bytes, the allocation needs 0x%" PRIx64,
                          tm_hostmem_id(plan->backend), tag_text,
                          tm_hostmem_size(plan->backend), needed);
    }
    /* The allocation's extents tile the backend in shared-sequence order. */
    uint64_t offset = plan->first_offset;
    for (guint i = 0; i < plan->extents->len; i++) {
        TmBackedExtent *extent = &g_array_index(plan->extents, TmBackedExtent, i);

        extent->extent.tag = plan->request->tag;
        extent->backend = plan->backend;
        extent->backend_offset = offset;
        extent->extent.shared_seq = (uint16_t)(plan->first_seq + i);
        offset += extent->extent.length;
    }
    return TM_DC_OK;
}

/* ---- limits ---- */

static TmDcStatus check_limits(TmDcd *dev, const AddPlan *plan, GError **err)
{
    const TmDcAddRequest *request = plan->request;
    TmDcLimits limits = tm_dcd_limits(dev, request->host_id);
    guint n = plan->extents->len;
    const TmDcTag *tag = tm_dcd_tag_lookup(dev, &request->tag);
    bool new_allocation = plan->backend != NULL && !(tag && tm_dcd_tag_is_live(tag));

    if (n > limits.available_extents) {
        return tm_dc_fail(err, TM_DC_RESOURCES_EXHAUSTED,
                          "the request needs %u extents, host %u has %u of %u available", n,
                          request->host_id, limits.available_extents,
                          limits.supported_extents);
    }
    if (new_allocation && limits.available_tags == 0) {
        return tm_dc_fail(err, TM_DC_RESOURCES_EXHAUSTED,
                          "no tag available: device '%s' tracks at most %u tags",
                          tm_dcd_id(dev), limits.supported_tags);
    }
    return tm_dcd_check_log_room(dev, request->host_id, n, err);
}

/* ---- apply ---- */

static void apply_add(TmDcd *dev, AddPlan *plan)
{
    const TmDcAddRequest *request = plan->request;
    TmDcHost *host = tm_dcd_host(dev, request->host_id);
    bool shared = request->policy == TM_DC_SELECT_ENABLE_SHARED_ACCESS;

    if (!tm_guid_is_null(&request->tag)) {
        TmDcTag *tag = tm_dcd_tag_obtain(dev, &request->tag);

        if (!shared) {
            if (!tm_dcd_tag_is_live(tag)) {
                tag->backend = plan->backend;
                tag->region = request->region;
                dev->live_tag_count++;
            }
            tag->next_offset = plan->first_offset + planned_length(plan);
            tag->next_seq = (uint16_t)(plan->first_seq + plan->extents->len);
        }
        tm_host_set_add(&tag->known_hosts, request->host_id);
    }
    for (guint i = 0; i < plan->extents->len; i++) {
        const TmBackedExtent *extent = &g_array_index(plan->extents, TmBackedExtent, i);

        if (shared) {
            /* select_shared picked the tag's ranges as the map holds them. */
            TmRangePos pos = tm_alloc_map_lower_bound(dev->alloc_map, extent->extent.dpa);
            TmAllocRange *range = tm_alloc_map_at(dev->alloc_map, pos);
            tm_host_set_add(&range->holders, request->host_id);
            range->retained = false;
        } else {
            TmAllocRange range = { .range = *extent };
            tm_host_set_add(&range.holders, request->host_id);
            tm_alloc_map_insert(dev->alloc_map, &range);
        }
    }

    TmPendingGroup *group = tm_dcd_pending_group_new(
        (const TmBackedExtent *)(const void *)plan->extents->data, plan->extents->len);
    group->id = dev->next_group_id++;
    group->policy = request->policy;
    group->region = request->region;
    group->tag = request->tag;
    group->offered_us = g_get_monotonic_time();
    tm_dcd_push_group(host, group);
    if (!tm_guid_is_null(&request->tag)) {
        tm_dcd_tag_count_group(dev, &request->tag, request->host_id, +1);
    }
    host->pending_extents += plan->extents->len;

    if (!tm_guid_is_null(&request->tag)) {
        tm_dcd_tag_refresh(dev, &request->tag, request->host_id);
    }
    tm_dcd_log_events(dev, request->host_id, TM_DC_EVENT_ADD_CAPACITY,
                      (const TmBackedExtent *)(const void *)plan->extents->data,
                      plan->extents->len);
    TmDcdNotice offered = {
        .kind = TM_DCD_NOTICE_OFFERED,
        .host_id = request->host_id,
        .extents = (const TmBackedExtent *)(const void *)plan->extents->data,
        .n_extents = plan->extents->len,
    };
    tm_dcd_notify(dev, &offered);
}

static TmDcStatus plan_extents(const TmDcd *dev, AddPlan *plan, GError **err)
{
    const TmDcAddRequest *request = plan->request;

    switch (request->policy) {
    case TM_DC_SELECT_FREE:
        return tm_dcd_select_free(dev, request->region, request->length, plan->extents, err);
    case TM_DC_SELECT_CONTIGUOUS:
        return tm_dcd_select_contiguous(dev, request->region, request->length, plan->extents,
                                        err);
    case TM_DC_SELECT_PRESCRIPTIVE:
        return plan_prescriptive(dev, plan, err);
    case TM_DC_SELECT_ENABLE_SHARED_ACCESS:
        return tm_dcd_select_shared(dev, request->host_id, request->region, &request->tag,
                                    plan->extents, err);
    }
    return tm_dc_fail(err, TM_DC_INVALID_INPUT, "selection policy %d is not valid",
                      (int)plan->request->policy);
}

TmDcStatus tm_dcd_add_request(TmDcd *dev, const TmDcAddRequest *request, GError **err)
{
    g_autoptr(GArray) extents = g_array_new(FALSE, TRUE, sizeof(TmBackedExtent));
    AddPlan plan = { .request = request, .extents = extents };
    TmDcStatus status = tm_dcd_check_region(dev, request->region, err);

    if (status == TM_DC_OK) {
        status = tm_dcd_check_host(dev, request->host_id, err);
    }
    /* CXL r3.1 §8.2.9.9.5.1: the media is disabled while it is sanitized. */
    if (status == TM_DC_OK && dev->sanitizing) {
        status = tm_dc_fail(err, TM_DC_MEDIA_DISABLED, "Device '%s' is sanitizing its "
                            "media: no capacity can be added until it ends", tm_dcd_id(dev));
    }
    if (status != TM_DC_OK) {
        return status;
    }
    plan.region = &dev->regions[request->region];
    status = plan_extents(dev, &plan, err);
    if (status == TM_DC_OK && request->policy != TM_DC_SELECT_ENABLE_SHARED_ACCESS) {
        status = tm_guid_is_null(&request->tag) ? plan_untagged_backing(dev, &plan, err)
                                                : plan_tagged_backing(dev, &plan, err);
    }
    if (status == TM_DC_OK) {
        status = check_limits(dev, &plan, err);
    }
    if (status != TM_DC_OK) {
        return status;
    }
    apply_add(dev, &plan);
    return TM_DC_OK;
}
