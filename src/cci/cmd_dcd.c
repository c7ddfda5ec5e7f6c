/*
 * Dynamic Capacity commands of a host (CXL r3.1 §8.2.9.9.9): the device's
 * region configuration, the host's accepted extents, and the host's
 * answers -- Add Dynamic Capacity Response and Release Dynamic Capacity --
 * which the device model checks and applies.
 */
#include "cci/return_code_mapping.h"
#include "cci/mailbox_internal.h"

#include <endian.h>
#include <string.h>

#include "cci/cxl_commands.h"
#include "cci/cxl_dc_extent.h"

/* The Updated Extent List of 4802h and 4803h, decoded. */
typedef struct {
    guint n_extents;
    bool more;
    TmExtent *extents;  /* dpa + length; owned */
} TmUpdatedExtentList;

static TmCxlDcRegionConfig encode_region(const TmDcRegion *region)
{
    return (TmCxlDcRegionConfig) {
        .base = htole64(region->base),
        .decode_length = htole64(region->decode_len / TM_DC_CAPACITY_MULTIPLIER),
        .length = htole64(region->len),
        .block_size = htole64(region->block_size),
        .dsmad_handle = htole32(region->dsmad_handle),
        .flags = region->sanitize_on_release ? TM_CXL_DC_REGION_FLAG_SANITIZE_ON_RELEASE : 0,
    };
}

static TmCxlDcResourceCounts encode_limits(TmDcLimits limits)
{
    return (TmCxlDcResourceCounts) {
        .supported_extents = htole32(limits.supported_extents),
        .available_extents = htole32(limits.available_extents),
        .supported_tags = htole32(limits.supported_tags),
        .available_tags = htole32(limits.available_tags),
    };
}

/*
 * CXL r3.1 §8.2.9.9.9.1: Get Dynamic Capacity Configuration (4800h): the
 * regions from the starting one, as many as asked for and fit, then the
 * host's extent and tag counts.
 */
TmCxlReturnCode tm_mailbox_get_dc_config(const TmMailboxRequest *request,
                                         TmMailboxResponse *response, GError **err)
{
    TmCxlGetDcConfigRequest in;
    unsigned n_regions = tm_dcd_num_regions(request->dev);

    memcpy(&in, request->payload, sizeof(in));
    if (in.start_region >= n_regions) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "starting region %u is beyond the device's %u regions",
                               in.start_region, n_regions);
    }
    size_t returned = tm_mailbox_entries_that_fit(
        request, sizeof(TmCxlGetDcConfigResponse) + sizeof(TmCxlDcResourceCounts),
        sizeof(TmCxlDcRegionConfig), MIN(in.region_count, n_regions - in.start_region));
    TmCxlGetDcConfigResponse header = {
        .available_regions = (uint8_t)n_regions,
        .regions_returned = (uint8_t)returned,
    };
    uint8_t *out = response->payload;

    memcpy(out, &header, sizeof(header));
    out += sizeof(header);
    for (size_t i = 0; i < returned; i++) {
        TmCxlDcRegionConfig config = encode_region(tm_dcd_region(request->dev,
                                                                 in.start_region + (unsigned)i));
        memcpy(out, &config, sizeof(config));
        out += sizeof(config);
    }
    TmCxlDcResourceCounts counts = encode_limits(tm_dcd_limits(request->dev,
                                                               request->caller->host_id));
    memcpy(out, &counts, sizeof(counts));
    out += sizeof(counts);
    response->length = (size_t)(out - response->payload);
    return TM_CXL_RC_SUCCESS;
}

size_t tm_mailbox_encode_accepted(const TmDcd *dev, uint16_t host_id, guint start, size_t count,
                                  uint8_t *out)
{
    for (size_t i = 0; i < count; i++) {
        TmCxlDcExtent wire;

        tm_cxl_dc_extent_encode(&tm_dcd_host_accepted(dev, host_id, start + (guint)i)->extent,
                                &wire);
        memcpy(out + i * sizeof(wire), &wire, sizeof(wire));
    }
    return count * sizeof(TmCxlDcExtent);
}

/*
 * CXL r3.1 §8.2.9.9.9.2: Get Dynamic Capacity Extent List (4801h): the
 * host's accepted extents only (QEMU counts pending ones too), in DPA
 * order, with tag and shared sequence, from the starting index.  A start
 * equal to the total returns none; beyond it is Invalid Input.
 */
TmCxlReturnCode tm_mailbox_get_dc_extent_list(const TmMailboxRequest *request,
                                              TmMailboxResponse *response, GError **err)
{
    TmCxlGetDcExtentListRequest in;
    uint16_t host_id = request->caller->host_id;
    guint total = tm_dcd_host_accepted_count(request->dev, host_id);

    memcpy(&in, request->payload, sizeof(in));
    uint32_t wanted = le32toh(in.extent_count);
    uint32_t start = le32toh(in.start_index);
    if (start > total) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "starting extent index %u is beyond the %u accepted extents",
                               start, total);
    }
    size_t returned = tm_mailbox_entries_that_fit(request, sizeof(TmCxlGetDcExtentListResponse),
                                                  sizeof(TmCxlDcExtent),
                                                  MIN(wanted, total - start));
    TmCxlGetDcExtentListResponse header = {
        .returned_count = htole32((uint32_t)returned),
        .total_count = htole32(total),
        .generation = htole32(tm_dcd_host_generation(request->dev, host_id)),
    };
    memcpy(response->payload, &header, sizeof(header));
    response->length = sizeof(header) + tm_mailbox_encode_accepted(request->dev, host_id, start,
                                                                   returned,
                                                                   response->payload +
                                                                       sizeof(header));
    return TM_CXL_RC_SUCCESS;
}

/* The table checked that the payload holds exactly extent_count entries. */
static void parse_updated_extents(const uint8_t *payload, TmUpdatedExtentList *out)
{
    TmCxlAddDcResponseRequest header;

    memcpy(&header, payload, sizeof(header));
    out->n_extents = le32toh(header.extent_count);
    out->more = (header.flags & TM_CXL_DC_RESPONSE_FLAG_MORE) != 0;
    out->extents = g_new(TmExtent, out->n_extents);
    tm_cxl_updated_extents_decode(payload + sizeof(header), out->n_extents, out->extents);
}

/*
 * CXL r3.1 §8.2.9.9.9.3: Add Dynamic Capacity Response (4802h), with More
 * (r3.2).  The table has already refused a payload whose length is not
 * what its count says (Invalid Payload Length); the device model makes
 * the rest of QEMU's checks in QEMU's order (dcd.h), an empty list
 * rejecting the oldest pending group.
 */
TmCxlReturnCode tm_mailbox_add_dc_response(const TmMailboxRequest *request,
                                           TmMailboxResponse *response, GError **err)
{
    TmUpdatedExtentList list;

    parse_updated_extents(request->payload, &list);
    g_autofree TmExtent *extents = list.extents;
    TmDcStatus status = tm_dcd_host_add_response(request->dev, request->caller->host_id,
                                                 request->caller->connection_id, extents,
                                                 list.n_extents, list.more, err);
    return tm_cxl_return_code_from_dc_status(status);
}

/*
 * CXL r3.1 §8.2.9.9.9.4: Release Dynamic Capacity (4803h).  Each command
 * stands alone, so the More flag changes nothing.
 */
TmCxlReturnCode tm_mailbox_release_dc(const TmMailboxRequest *request,
                                      TmMailboxResponse *response, GError **err)
{
    TmUpdatedExtentList list;

    parse_updated_extents(request->payload, &list);
    g_autofree TmExtent *extents = list.extents;
    TmDcStatus status = tm_dcd_host_release(request->dev, request->caller->host_id, extents,
                                            list.n_extents, err);
    return tm_cxl_return_code_from_dc_status(status);
}
