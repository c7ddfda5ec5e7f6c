/*
 * Add Dynamic Capacity Response (4802h): the host accepts part (or none)
 * of the oldest pending group.  Checks follow QEMU's order
 * (cmd_dcd_add_dyn_cap_rsp; docs/cxl-layouts.md); a response may come in
 * several parts chained with More (CXL r3.2), held until the last part.
 */
#include "device/dcd_internal.h"

#include <inttypes.h>

#include "device/range_set.h"

static TmDcStatus check_extent_count(const TmDcd *dev, const TmDcHost *host,
                                     const TmPendingGroup *group, guint n_extents,
                                     GError **err)
{
    /* What the host will hold once the group is answered. */
    uint64_t total = (uint64_t)tm_extent_list_length(host->accepted) +
                     (host->pending_extents - group->n_extents) +
                     host->response_parts->len + n_extents;

    if (total > dev->max_extents) {
        return tm_dc_fail(err, TM_DC_RESOURCES_EXHAUSTED,
                          "accepting %u more extents would give host %u %" PRIu64
                          " extents, more than dc-max-extents %" PRIu64,
                          host->response_parts->len + n_extents, host->id, total,
                          dev->max_extents);
    }
    return TM_DC_OK;
}

/* Each extent alone and against the others, held parts included. */
static TmDcStatus check_well_formed(const TmDcd *dev, const TmDcHost *host,
                                    const TmExtent *extents, guint n_extents, GError **err)
{
    g_autoptr(TmRangeSet) seen = tm_range_set_new();

    for (guint i = 0; i < host->response_parts->len; i++) {
        const TmExtent *part = &g_array_index(host->response_parts, TmExtent, i);
        tm_range_set_add(seen, part->dpa, part->length);
    }
    return tm_dcd_check_host_extents(dev, seen, extents, n_extents, err);
}

/* Offered by the oldest group, and not accepted already (cxl_dcd_add_dyn_cap_rsp_dry_run). */
static TmDcStatus check_offered(TmDcHost *host, const TmExtent *extents, guint n_extents,
                                GError **err)
{
    const TmExtentList *offered_by_dpa = tm_dcd_answered_by_dpa(host);

    for (guint i = 0; i < n_extents; i++) {
        const TmExtent *extent = &extents[i];
        const TmBackedExtent *offered = tm_extent_list_find(offered_by_dpa, extent->dpa);

        if (offered == NULL || !tm_extent_contains(&offered->extent, extent->dpa,
                                                   extent->length)) {
            return tm_dc_fail(err, TM_DC_INVALID_PHYSICAL_ADDRESS,
                              "extent 0x%" PRIx64 "+0x%" PRIx64 " is not inside an extent of "
                              "the pending add request", extent->dpa, extent->length);
        }
        if (tm_extent_list_overlaps(host->accepted, extent->dpa, extent->length)) {
            return tm_dc_fail(err, TM_DC_INVALID_PHYSICAL_ADDRESS,
                              "extent 0x%" PRIx64 "+0x%" PRIx64 " overlaps accepted capacity",
                              extent->dpa, extent->length);
        }
    }
    return TM_DC_OK;
}

static gint compare_dpa(gconstpointer a, gconstpointer b)
{
    const TmBackedExtent *ea = a;
    const TmBackedExtent *eb = b;

    return ea->extent.dpa < eb->extent.dpa ? -1 : ea->extent.dpa > eb->extent.dpa;
}

/* The accepted ranges as slices of the offered extents (@offered, by DPA), by DPA. */
static GArray *accepted_slices(const TmExtentList *offered, const GArray *ranges)
{
    GArray *slices = g_array_sized_new(FALSE, FALSE, sizeof(TmBackedExtent), ranges->len);

    for (guint i = 0; i < ranges->len; i++) {
        const TmExtent *range = &g_array_index(ranges, TmExtent, i);
        TmBackedExtent slice = tm_backed_extent_slice(tm_extent_list_find(offered, range->dpa),
                                                      range->dpa, range->length);
        g_array_append_val(slices, slice);
    }
    g_array_sort(slices, compare_dpa);
    return slices;
}

/* The parts of the offered extents (@by_dpa) that @slices (sorted) leave out. */
static GArray *rejected_slices(TmExtentList *by_dpa, const GArray *slices)
{
    GArray *rejected = g_array_new(FALSE, FALSE, sizeof(TmBackedExtent));
    guint next = 0;

    for (guint i = 0; i < tm_extent_list_length(by_dpa); i++) {
        const TmBackedExtent *offered = tm_extent_list_get(by_dpa, i);
        uint64_t cursor = offered->extent.dpa;
        uint64_t end = tm_extent_end(&offered->extent);

        for (; next < slices->len; next++) {
            const TmExtent *taken = &g_array_index(slices, TmBackedExtent, next).extent;

            if (taken->dpa >= end) {
                break;
            }
            if (taken->dpa > cursor) {
                TmBackedExtent gap = tm_backed_extent_slice(offered, cursor,
                                                            taken->dpa - cursor);
                g_array_append_val(rejected, gap);
            }
            cursor = tm_extent_end(taken);
        }
        if (cursor < end) {
            TmBackedExtent rest = tm_backed_extent_slice(offered, cursor, end - cursor);
            g_array_append_val(rejected, rest);
        }
    }
    return rejected;
}

/*
 * Map the memory behind the slices: the last check, as it may fail.  Memory
 * made of objects gets each block's object when it is first used.
 */
static TmDcStatus map_memory(const GArray *slices, GError **err)
{
    for (guint i = 0; i < slices->len; i++) {
        TmHostMem *backend = g_array_index(slices, TmBackedExtent, i).backend;
        g_autoptr(GError) error = NULL;

        if (tm_hostmem_passes_fds(backend)) {
            continue;
        }
        if (!tm_hostmem_is_allocated(backend) && !tm_hostmem_get_memory(backend, &error)) {
            return tm_dc_fail(err, TM_DC_INTERNAL_ERROR, "cannot map memory backend '%s': %s",
                              tm_hostmem_id(backend), error->message);
        }
    }
    return TM_DC_OK;
}

static void notify_extents(TmDcd *dev, TmDcdNoticeKind kind, uint16_t host_id,
                           const GArray *extents)
{
    if (extents->len == 0) {
        return;
    }
    TmDcdNotice notice = {
        .kind = kind,
        .host_id = host_id,
        .extents = (const TmBackedExtent *)(const void *)extents->data,
        .n_extents = extents->len,
    };
    tm_dcd_notify(dev, &notice);
}

/* Accept @ranges (TmExtent, checked) of the oldest group and drop the rest. */
static TmDcStatus commit_response(TmDcd *dev, TmDcHost *host, const GArray *ranges,
                                  GError **err)
{
    TmExtentList *by_dpa = tm_dcd_answered_by_dpa(host);
    g_autoptr(GArray) slices = accepted_slices(by_dpa, ranges);
    g_autoptr(GArray) rejected = rejected_slices(by_dpa, slices);
    TmDcStatus status = map_memory(slices, err);

    if (status != TM_DC_OK) {
        return status;
    }
    g_autofree TmPendingGroup *group = tm_dcd_pop_group(host);
    if (!tm_guid_is_null(&group->tag)) {
        tm_dcd_tag_count_group(dev, &group->tag, host->id, -1);
    }
    host->pending_extents -= group->n_extents;
    tm_dcd_drop_response_parts(host);

    for (guint i = 0; i < slices->len; i++) {
        const TmBackedExtent *slice = &g_array_index(slices, TmBackedExtent, i);

        tm_extent_list_insert(host->accepted, slice);
        tm_dcd_tag_count_accepted(dev, slice, host->id, true);
        tm_dcd_mark_backed(dev, host, &slice->extent, true);
    }
    for (guint i = 0; i < rejected->len; i++) {
        const TmExtent *dropped = &g_array_index(rejected, TmBackedExtent, i).extent;
        tm_dcd_drop_holder(dev, host->id, dropped->dpa, dropped->length, false);
    }
    if (slices->len > 0) {
        host->generation++;
    }
    if (!tm_guid_is_null(&group->tag)) {
        tm_dcd_tag_refresh(dev, &group->tag, host->id);
    }
    notify_extents(dev, TM_DCD_NOTICE_COMMITTED, host->id, slices);
    notify_extents(dev, TM_DCD_NOTICE_REJECTED, host->id, rejected);
    return TM_DC_OK;
}

/* An empty part: rejects the group, or ends a response held in parts. */
static TmDcStatus empty_response(TmDcd *dev, TmDcHost *host, bool more, GError **err)
{
    if (host->response_parts->len > 0) {
        return more ? TM_DC_OK : commit_response(dev, host, host->response_parts, err);
    }
    if (host->oldest_group == NULL) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT, "no add request is pending for host %u",
                          host->id);
    }
    return commit_response(dev, host, host->response_parts, err);
}

void tm_dcd_host_connection_gone(TmDcd *dev, uint16_t host_id, uint64_t connection)
{
    TmDcHost *host = tm_dcd_host(dev, host_id);

    if (host->response_parts->len > 0 && host->response_connection == connection) {
        tm_dcd_drop_response_parts(host);
    }
}

/* One part of @host's answer, against the parts held before it. */
static TmDcStatus answer_part(TmDcd *dev, TmDcHost *host, uint64_t connection,
                              const TmExtent *extents, guint n_extents, bool more, GError **err)
{
    const TmPendingGroup *group = host->oldest_group;
    if (group != NULL && group->withdrawn) {
        return tm_dcd_answer_withdrawn(dev, host, n_extents, err);
    }
    if (n_extents == 0) {
        return empty_response(dev, host, more, err);
    }
    if (group == NULL) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT, "no add request is pending for host %u",
                          host->id);
    }
    TmDcStatus status = check_extent_count(dev, host, group, n_extents, err);
    if (status == TM_DC_OK) {
        status = check_well_formed(dev, host, extents, n_extents, err);
    }
    if (status == TM_DC_OK) {
        status = check_offered(host, extents, n_extents, err);
    }
    if (status != TM_DC_OK) {
        return status;
    }
    if (more) {
        host->response_connection = connection;
        g_array_append_vals(host->response_parts, extents, n_extents);
        return TM_DC_OK;
    }
    g_autoptr(GArray) ranges = g_array_copy(host->response_parts);
    g_array_append_vals(ranges, extents, n_extents);
    return commit_response(dev, host, ranges, err);
}

/*
 * A part from another connection cannot continue the held parts: their
 * sender died (its close may not be seen yet) or gave up.  They must not
 * be committed with the new answer, nor alone by the empty part that ends
 * it, so the part is answered as if none were held; they are dropped once
 * it succeeds (a refused part changes nothing).
 */
static TmDcStatus answer_part_instead(TmDcd *dev, TmDcHost *host, uint64_t connection,
                                      const TmExtent *extents, guint n_extents, bool more,
                                      GError **err)
{
    GArray *abandoned = host->response_parts;

    host->response_parts = g_array_new(FALSE, FALSE, sizeof(TmExtent));
    TmDcStatus status = answer_part(dev, host, connection, extents, n_extents, more, err);
    if (status != TM_DC_OK) {
        g_array_unref(host->response_parts);
        host->response_parts = abandoned;
        return status;
    }
    g_debug("%s: host %u answered from another connection; the %u extents an earlier one "
            "left in parts are dropped", tm_dcd_id(dev), host->id, abandoned->len);
    g_array_unref(abandoned);
    return TM_DC_OK;
}

TmDcStatus tm_dcd_host_add_response(TmDcd *dev, uint16_t host_id, uint64_t connection,
                                    const TmExtent *extents, guint n_extents, bool more,
                                    GError **err)
{
    TmDcStatus status = tm_dcd_check_host(dev, host_id, err);

    if (status != TM_DC_OK) {
        return status;
    }
    TmDcHost *host = tm_dcd_host(dev, host_id);
    if (host->response_parts->len > 0 && host->response_connection != connection) {
        return answer_part_instead(dev, host, connection, extents, n_extents, more, err);
    }
    return answer_part(dev, host, connection, extents, n_extents, more, err);
}
