/*
 * Capacity going back: release requests from the FM (prescriptive or
 * tag-based, optionally forced and sanitizing) and Release Dynamic
 * Capacity (4803h) from the host.
 */
#include "device/dcd_internal.h"

#include <inttypes.h>

#include "device/range_set.h"

static TmDcStatus check_tagged(const TmDcHost *host, const TmExtent *range, const TmGuid *tag,
                               GError **err)
{
    g_autoptr(GArray) pieces = g_array_new(FALSE, FALSE, sizeof(TmBackedExtent));

    tm_extent_list_slices(host->accepted, range->dpa, range->length, pieces);
    for (guint i = 0; i < pieces->len; i++) {
        if (!tm_guid_equal(&g_array_index(pieces, TmBackedExtent, i).extent.tag, tag)) {
            char tag_text[TM_GUID_STRING_LEN + 1];

            tm_guid_format(tag, tag_text);
            return tm_dc_fail(err, TM_DC_INVALID_EXTENT_LIST,
                              "extent 0x%" PRIx64 "+0x%" PRIx64 " is not tagged %s",
                              range->dpa, range->length, tag_text);
        }
    }
    return TM_DC_OK;
}

/* One listed range, in QEMU's order of checks. */
static TmDcStatus check_release_range(const TmDcd *dev, const TmDcReleaseRequest *request,
                                      const TmExtent *range, TmRangeSet *seen, GError **err)
{
    const TmDcRegion *region = &dev->regions[request->region];
    const TmDcHost *host = tm_dcd_host(dev, request->host_id);
    TmDcStatus status = tm_dcd_check_listed_range(region, range, seen, err);

    if (status != TM_DC_OK) {
        return status;
    }
    if (tm_dcd_host_has_pending(dev, host, range->dpa, range->length)) {
        return tm_dc_fail(err, TM_DC_INVALID_EXTENT_LIST,
                          "cannot release extent with pending DPA range");
    }
    if (!tm_dcd_all_backed(dev, host, request->region, range->dpa, range->length)) {
        return tm_dc_fail(err, TM_DC_INVALID_EXTENT_LIST,
                          "cannot release extent with non-existing DPA range");
    }
    if (!tm_guid_is_null(&request->tag)) {
        return check_tagged(host, range, &request->tag, err);
    }
    return TM_DC_OK;
}

static TmDcStatus plan_prescriptive(const TmDcd *dev, const TmDcReleaseRequest *request,
                                    GArray *pieces, GError **err)
{
    g_autoptr(TmRangeSet) seen = tm_range_set_new();

    if (request->n_extents == 0) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                          "prescriptive release needs at least one extent");
    }
    for (guint i = 0; i < request->n_extents; i++) {
        TmDcStatus status = check_release_range(dev, request, &request->extents[i], seen, err);
        if (status != TM_DC_OK) {
            return status;
        }
    }
    for (guint i = 0; i < request->n_extents; i++) {
        tm_extent_list_slices(tm_dcd_host(dev, request->host_id)->accepted,
                              request->extents[i].dpa, request->extents[i].length, pieces);
    }
    return TM_DC_OK;
}

/* Tag-based: every extent of the tag the host has accepted. */
static TmDcStatus plan_tag_based(const TmDcd *dev, const TmDcReleaseRequest *request,
                                 GArray *pieces, GError **err)
{
    const TmDcHost *host = tm_dcd_host(dev, request->host_id);
    char tag_text[TM_GUID_STRING_LEN + 1];

    if (tm_guid_is_null(&request->tag)) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT, "tag-based removal needs a tag");
    }
    tm_guid_format(&request->tag, tag_text);
    const TmDcTag *tag = tm_dcd_tag_lookup(dev, &request->tag);
    if (tag && tm_host_set_contains(&tag->pending_hosts, request->host_id)) {
        return tm_dc_fail(err, TM_DC_INVALID_EXTENT_LIST,
                          "cannot release extent with pending DPA range");
    }
    if (tag == NULL || !tm_host_set_contains(&tag->committed_hosts, request->host_id)) {
        return tm_dc_fail(err, TM_DC_INVALID_EXTENT_LIST,
                          "tag %s has no capacity committed to host %u", tag_text,
                          request->host_id);
    }
    if (tag->region != request->region) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT, "tag %s is in region %u, not region %u",
                          tag_text, tag->region, request->region);
    }
    for (guint i = 0; i < tm_extent_list_length(host->accepted); i++) {
        const TmBackedExtent *extent = tm_extent_list_get(host->accepted, i);

        if (tm_guid_equal(&extent->extent.tag, &request->tag)) {
            g_array_append_val(pieces, *extent);
        }
    }
    return TM_DC_OK;
}

/*
 * Releasing @pieces must not split the host's extents into more than it
 * may hold.  Checked on the live list, which stays untouched until the
 * whole request has passed.
 */
static TmDcStatus check_split_count(const TmDcd *dev, const TmDcHost *host, const GArray *pieces,
                                    GError **err)
{
    uint64_t total = (uint64_t)tm_extent_list_length_after_removal(host->accepted, pieces) +
                     host->pending_extents;

    if (total > dev->max_extents) {
        return tm_dc_fail(err, TM_DC_RESOURCES_EXHAUSTED,
                          "releasing would split host %u's extents into %" PRIu64
                          ", more than dc-max-extents %" PRIu64, host->id, total,
                          dev->max_extents);
    }
    return TM_DC_OK;
}

static void remove_pieces(TmDcHost *host, const GArray *pieces)
{
    for (guint i = 0; i < pieces->len; i++) {
        const TmExtent *piece = &g_array_index(pieces, TmBackedExtent, i).extent;
        tm_extent_list_remove_range(host->accepted, piece->dpa, piece->length, NULL);
    }
}

static void apply_release_request(TmDcd *dev, const TmDcReleaseRequest *request,
                                  const GArray *pieces)
{
    TmDcHost *host = tm_dcd_host(dev, request->host_id);
    const TmBackedExtent *records = (const TmBackedExtent *)(const void *)pieces->data;

    if (request->forced) {
        remove_pieces(host, pieces);
        tm_dcd_revoke_accepted(dev, request->host_id, pieces, request->sanitize, true);
        tm_dcd_log_events(dev, request->host_id, TM_DC_EVENT_FORCED_CAPACITY_RELEASE,
                          records, pieces->len);
        return;
    }
    for (guint i = 0; i < pieces->len; i++) {
        tm_release_marks_add(host->release_marks, records[i].extent.dpa,
                             records[i].extent.length, request->sanitize);
    }
    tm_dcd_log_events(dev, request->host_id, TM_DC_EVENT_RELEASE_CAPACITY, records,
                      pieces->len);
}

TmDcStatus tm_dcd_release_request(TmDcd *dev, const TmDcReleaseRequest *request,
                                  GError **err)
{
    g_autoptr(GArray) pieces = g_array_new(FALSE, FALSE, sizeof(TmBackedExtent));
    TmDcStatus status = tm_dcd_check_region(dev, request->region, err);

    if (status == TM_DC_OK) {
        status = tm_dcd_check_host(dev, request->host_id, err);
    }
    if (status != TM_DC_OK) {
        return status;
    }
    switch (request->policy) {
    case TM_DC_REMOVE_PRESCRIPTIVE:
        status = plan_prescriptive(dev, request, pieces, err);
        break;
    case TM_DC_REMOVE_TAG_BASED:
        status = plan_tag_based(dev, request, pieces, err);
        break;
    default:
        status = tm_dc_fail(err, TM_DC_INVALID_INPUT, "removal policy %d is not valid",
                            (int)request->policy);
        break;
    }
    if (status == TM_DC_OK && request->forced) {
        status = check_split_count(dev, tm_dcd_host(dev, request->host_id), pieces, err);
    }
    /*
     * A non-forced release asks the host, so every record must reach it.  A
     * forced one takes the capacity back whatever the log holds: records
     * that do not fit overflow the log (CXL r3.1 §8.2.9.2.2), and a host
     * that sees the overflow re-reads its extents with Get Dynamic Capacity
     * Extent List (4801h) — an unresponsive host cannot keep capacity by
     * letting its log fill up (docs/host-protocol.md).
     */
    if (status == TM_DC_OK && !request->forced) {
        status = tm_dcd_check_log_room(dev, request->host_id, pieces->len, err);
    }
    if (status != TM_DC_OK) {
        return status;
    }
    apply_release_request(dev, request, pieces);
    return TM_DC_OK;
}

TmDcStatus tm_dcd_host_release(TmDcd *dev, uint16_t host_id, const TmExtent *extents,
                               guint n_extents, GError **err)
{
    TmDcStatus status = tm_dcd_check_host(dev, host_id, err);

    if (status != TM_DC_OK) {
        return status;
    }
    TmDcHost *host = tm_dcd_host(dev, host_id);
    if (n_extents == 0) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT, "the release lists no extents");
    }
    g_autoptr(TmRangeSet) seen = tm_range_set_new();
    status = tm_dcd_check_host_extents(dev, seen, extents, n_extents, err);
    if (status != TM_DC_OK) {
        return status;
    }
    g_autoptr(GArray) pieces = g_array_new(FALSE, FALSE, sizeof(TmBackedExtent));
    for (guint i = 0; i < n_extents; i++) {
        if (!tm_extent_list_covers(host->accepted, extents[i].dpa, extents[i].length)) {
            return tm_dc_fail(err, TM_DC_INVALID_PHYSICAL_ADDRESS,
                              "extent 0x%" PRIx64 "+0x%" PRIx64 " is not accepted capacity of "
                              "host %u", extents[i].dpa, extents[i].length, host_id);
        }
        tm_extent_list_slices(host->accepted, extents[i].dpa, extents[i].length, pieces);
    }
    status = check_split_count(dev, host, pieces, err);
    if (status != TM_DC_OK) {
        return status;
    }
    remove_pieces(host, pieces);
    tm_dcd_revoke_accepted(dev, host_id, pieces, false, false);
    return TM_DC_OK;
}
