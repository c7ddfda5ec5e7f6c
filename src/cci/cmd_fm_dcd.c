/*
 * FM-API Dynamic Capacity Device management (CXL r3.2 §7.6.7.6), on the FM
 * port: what the device offers, each host's view of the regions and its
 * accepted extents, region reconfiguration, and the fabric manager's add
 * and release requests.
 * An add or release here is the very operation QMP runs (the same device
 * calls, the same checks in the same order, the same events); this file
 * only decodes the request and maps the outcome to a return code.
 */
#include "cci/return_code_mapping.h"
#include "cci/mailbox_internal.h"

#include <endian.h>
#include <inttypes.h>
#include <string.h>

#include "cci/cxl_commands.h"
#include "cci/cxl_dc_extent.h"
#include "cci/vendor_commands.h"

/* r3.2 Table 7-66: DSMAS flag bits of a region, as Get Host DC Region Config reports them. */
#define TM_CXL_DSMAS_FLAG_SHARABLE (1u << 3)

/* r3.2 §7.6.7.6.1: Get DCD Info (5600h). */
TmCxlReturnCode tm_mailbox_get_dcd_info(const TmMailboxRequest *request,
                                        TmMailboxResponse *response, GError **err)
{
    const TmDcd *dev = request->dev;
    unsigned n_regions = tm_dcd_num_regions(dev);
    uint16_t hosts = tm_dcd_num_hosts(dev);
    TmCxlGetDcdInfoResponse out = {
        /* One byte on the wire: a device with more hosts reports 255. */
        .num_hosts = (uint8_t)MIN(hosts, 255u),
        .num_supported_regions = (uint8_t)n_regions,
        .add_selection_policies = htole16(TM_CXL_DC_ADD_POLICY_FREE_BIT |
                                          TM_CXL_DC_ADD_POLICY_CONTIGUOUS_BIT |
                                          TM_CXL_DC_ADD_POLICY_PRESCRIPTIVE_BIT |
                                          TM_CXL_DC_ADD_POLICY_ENABLE_SHARED_ACCESS_BIT),
        .removal_policies = htole16(TM_CXL_DC_REMOVAL_POLICY_TAG_BASED_BIT |
                                    TM_CXL_DC_REMOVAL_POLICY_PRESCRIPTIVE_BIT),
        /* Every region's sanitize-on-release can be set with 5602h. */
        .sanitize_on_release_mask = (uint8_t)((1u << n_regions) - 1),
        .total_dynamic_capacity = htole64(tm_dcd_total_dc_size(dev) / TM_DC_CAPACITY_MULTIPLIER),
    };

    (void)err;
    for (unsigned i = 0; i < n_regions; i++) {
        out.region_block_size_masks[i] = htole64(tm_dcd_supported_block_sizes(dev, i));
    }
    memcpy(response->payload, &out, sizeof(out));
    response->length = sizeof(out);
    return TM_CXL_RC_SUCCESS;
}

/* The device's own words for a host id it does not have (QMP says the same). */
static TmCxlReturnCode check_host_id(const TmDcd *dev, uint16_t host_id, GError **err)
{
    if (host_id >= tm_dcd_num_hosts(dev)) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "host-id %u is out of range: device '%s' has %u hosts", host_id,
                               tm_dcd_id(dev), tm_dcd_num_hosts(dev));
    }
    return TM_CXL_RC_SUCCESS;
}

static TmCxlHostDcRegionConfig encode_host_region(const TmDcRegion *region)
{
    return (TmCxlHostDcRegionConfig) {
        .base = htole64(region->base),
        .decode_length = htole64(region->decode_len / TM_DC_CAPACITY_MULTIPLIER),
        .length = htole64(region->len),
        .block_size = htole64(region->block_size),
        .flags = region->sharable ? TM_CXL_DSMAS_FLAG_SHARABLE : 0,
        .sanitize_on_release = region->sanitize_on_release ? 1 : 0,
    };
}

/*
 * r3.2 §7.6.7.6.2: Get Host DC Region Configuration (5601h): the regions
 * from the starting one as @host sees them, as many as asked for and fit,
 * then the host's extent and tag counts right after them.
 */
TmCxlReturnCode tm_mailbox_get_host_dc_region_config(const TmMailboxRequest *request,
                                                     TmMailboxResponse *response, GError **err)
{
    TmCxlGetHostDcRegionConfigRequest in;
    unsigned n_regions = tm_dcd_num_regions(request->dev);

    memcpy(&in, request->payload, sizeof(in));
    uint16_t host_id = le16toh(in.host_id);
    TmCxlReturnCode rc = check_host_id(request->dev, host_id, err);
    if (rc != TM_CXL_RC_SUCCESS) {
        return rc;
    }
    if (in.start_region >= n_regions) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "starting region %u is beyond the device's %u regions",
                               in.start_region, n_regions);
    }
    size_t returned = tm_mailbox_entries_that_fit(
        request, sizeof(TmCxlGetHostDcRegionConfigResponse) + sizeof(TmCxlDcResourceCounts),
        sizeof(TmCxlHostDcRegionConfig), MIN(in.region_count, n_regions - in.start_region));
    TmCxlGetHostDcRegionConfigResponse header = {
        .host_id = htole16(host_id),
        .available_regions = (uint8_t)n_regions,
        .regions_returned = (uint8_t)returned,
    };
    uint8_t *out = response->payload;

    memcpy(out, &header, sizeof(header));
    out += sizeof(header);
    for (size_t i = 0; i < returned; i++) {
        TmCxlHostDcRegionConfig config =
            encode_host_region(tm_dcd_region(request->dev, in.start_region + (unsigned)i));
        memcpy(out, &config, sizeof(config));
        out += sizeof(config);
    }
    TmDcLimits limits = tm_dcd_limits(request->dev, host_id);
    TmCxlDcResourceCounts counts = {
        .supported_extents = htole32(limits.supported_extents),
        .available_extents = htole32(limits.available_extents),
        .supported_tags = htole32(limits.supported_tags),
        .available_tags = htole32(limits.available_tags),
    };
    memcpy(out, &counts, sizeof(counts));
    out += sizeof(counts);
    response->length = (size_t)(out - response->payload);
    return TM_CXL_RC_SUCCESS;
}

/*
 * r3.2 §7.6.7.6.3: Set DC Region Configuration (5602h): an idle region's
 * block size and sanitize-on-release.  The flag byte's bit 0 is the
 * setting; its other bits are reserved.
 */
TmCxlReturnCode tm_mailbox_set_dc_region_config(const TmMailboxRequest *request,
                                                TmMailboxResponse *response, GError **err)
{
    TmCxlSetDcRegionConfigRequest in;
    GError *local = NULL;

    memcpy(&in, request->payload, sizeof(in));
    if (in.sanitize_on_release & ~1u) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "sanitize on release %02Xh: only bit 0 is defined",
                               in.sanitize_on_release);
    }
    response->length = 0;
    TmDcStatus status = tm_dcd_set_region_config(request->dev, in.region,
                                                 le64toh(in.block_size),
                                                 in.sanitize_on_release & 1, &local);
    return tm_cxl_return_code_from_dc_result(status, local, err);
}

/*
 * r3.2 §7.6.7.6.4: Get DC Region Extent Lists (5603h): the host's
 * accepted extents, as its own 4801h shows them, from the starting index,
 * with the host's generation number.
 */
TmCxlReturnCode tm_mailbox_get_dc_region_extent_lists(const TmMailboxRequest *request,
                                                      TmMailboxResponse *response, GError **err)
{
    TmCxlGetDcRegionExtentListsRequest in;

    memcpy(&in, request->payload, sizeof(in));
    uint16_t host_id = le16toh(in.host_id);
    TmCxlReturnCode rc = check_host_id(request->dev, host_id, err);
    if (rc != TM_CXL_RC_SUCCESS) {
        return rc;
    }
    guint total = tm_dcd_host_accepted_count(request->dev, host_id);
    uint32_t start = le32toh(in.start_index);
    if (start > total) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "starting extent index %u is beyond host %u's %u accepted "
                               "extents", start, host_id, total);
    }
    size_t returned = tm_mailbox_entries_that_fit(
        request, sizeof(TmCxlGetDcRegionExtentListsResponse), sizeof(TmCxlDcExtent),
        MIN(le32toh(in.extent_count), total - start));
    TmCxlGetDcRegionExtentListsResponse header = {
        .host_id = htole16(host_id),
        .start_index = htole32(start),
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

/* The listed extents of a 5604h/5605h (the table checked the count against the length). */
static TmExtent *decode_listed_extents(const uint8_t *payload, size_t header_size,
                                       uint32_t count)
{
    TmExtent *extents = g_new0(TmExtent, MAX(count, 1u));

    tm_cxl_dc_extents_decode(payload + header_size, count, extents);
    return extents;
}

static bool decode_selection_policy(uint8_t wire, TmDcSelectionPolicy *out)
{
    switch (wire) {
    case TM_CXL_DC_ADD_FREE:
        *out = TM_DC_SELECT_FREE;
        return true;
    case TM_CXL_DC_ADD_CONTIGUOUS:
        *out = TM_DC_SELECT_CONTIGUOUS;
        return true;
    case TM_CXL_DC_ADD_PRESCRIPTIVE:
        *out = TM_DC_SELECT_PRESCRIPTIVE;
        return true;
    case TM_CXL_DC_ADD_ENABLE_SHARED_ACCESS:
        *out = TM_DC_SELECT_ENABLE_SHARED_ACCESS;
        return true;
    }
    return false;
}

/*
 * r3.2 §7.6.7.6.5: Initiate Dynamic Capacity Add (5604h).  Extents carry
 * absolute DPAs; the request's tag applies to all of them (the tag and
 * shared sequence inside each listed extent are not used).  Success means
 * the offer is queued for the host, as with QMP.
 */
TmCxlReturnCode tm_mailbox_initiate_dc_add(const TmMailboxRequest *request,
                                           TmMailboxResponse *response, GError **err)
{
    TmCxlInitiateDcAddRequest in;
    TmDcSelectionPolicy policy;
    GError *local = NULL;

    memcpy(&in, request->payload, sizeof(in));
    if (!decode_selection_policy(in.selection_policy, &policy)) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "selection policy %u is not one of 0-3", in.selection_policy);
    }
    uint32_t count = le32toh(in.extent_count);
    g_autofree TmExtent *extents = decode_listed_extents(request->payload, sizeof(in), count);
    TmDcAddRequest add = {
        .host_id = le16toh(in.host_id),
        .policy = policy,
        .region = in.region,
        .length = le64toh(in.length),
        .extents = extents,
        .n_extents = count,
    };
    memcpy(add.tag.bytes, in.tag, sizeof(add.tag.bytes));
    response->length = 0;
    TmDcStatus status = tm_dcd_add_request(request->dev, &add, &local);
    return tm_cxl_return_code_from_dc_result(status, local, err);
}

/*
 * The region a release names: a tag-based release works on the tag's
 * region, a prescriptive one on the region of its first extent (the
 * device then checks that every extent lies there).  5605h has no region
 * field of its own.
 */
static TmCxlReturnCode release_region(const TmDcd *dev, const TmDcReleaseRequest *release,
                                      uint8_t *region, GError **err)
{
    TmDcTagInfo tag;

    *region = 0;
    if (release->policy == TM_DC_REMOVE_TAG_BASED) {
        if (tm_dcd_find_tag(dev, &release->tag, &tag)) {
            *region = tag.region;
        }
        return TM_CXL_RC_SUCCESS;
    }
    if (release->n_extents == 0) {
        return TM_CXL_RC_SUCCESS;
    }
    unsigned n_regions = tm_dcd_num_regions(dev);
    for (unsigned r = 0; r < n_regions; r++) {
        const TmDcRegion *candidate = tm_dcd_region(dev, r);

        if (release->extents[0].dpa >= candidate->base &&
            release->extents[0].dpa < tm_dc_region_end(candidate)) {
            *region = (uint8_t)r;
            return TM_CXL_RC_SUCCESS;
        }
    }
    return tm_mailbox_fail(err, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
                           "extent DPA 0x%" PRIx64 " is in no DC region",
                           release->extents[0].dpa);
}

/* r3.2 §7.6.7.6.6: Initiate Dynamic Capacity Release (5605h). */
TmCxlReturnCode tm_mailbox_initiate_dc_release(const TmMailboxRequest *request,
                                               TmMailboxResponse *response, GError **err)
{
    TmCxlInitiateDcReleaseRequest in;
    GError *local = NULL;

    memcpy(&in, request->payload, sizeof(in));
    uint8_t removal = in.flags & TM_CXL_DC_RELEASE_POLICY_MASK;
    uint8_t known = TM_CXL_DC_RELEASE_POLICY_MASK | TM_CXL_DC_RELEASE_FLAG_FORCED |
                    TM_CXL_DC_RELEASE_FLAG_SANITIZE_ON_RELEASE;
    if (removal > TM_CXL_DC_RELEASE_PRESCRIPTIVE) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "flags %02Xh: removal policy %u is not 0 (tag-based) or 1 "
                               "(prescriptive)", in.flags, removal);
    }
    if ((in.flags & ~known) != 0) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "flags %02Xh: reserved bits %02Xh are set", in.flags,
                               in.flags & ~known & 0xFF);
    }
    uint32_t count = le32toh(in.extent_count);
    g_autofree TmExtent *extents = decode_listed_extents(request->payload, sizeof(in), count);
    TmDcReleaseRequest release = {
        .host_id = le16toh(in.host_id),
        .policy = removal == TM_CXL_DC_RELEASE_TAG_BASED ? TM_DC_REMOVE_TAG_BASED
                                                         : TM_DC_REMOVE_PRESCRIPTIVE,
        .forced = (in.flags & TM_CXL_DC_RELEASE_FLAG_FORCED) != 0,
        .sanitize = (in.flags & TM_CXL_DC_RELEASE_FLAG_SANITIZE_ON_RELEASE) != 0,
        .extents = extents,
        .n_extents = count,
    };
    memcpy(release.tag.bytes, in.tag, sizeof(release.tag.bytes));
    response->length = 0;
    TmCxlReturnCode rc = release_region(request->dev, &release, &release.region, err);
    if (rc != TM_CXL_RC_SUCCESS) {
        return rc;
    }
    TmDcStatus status = tm_dcd_release_request(request->dev, &release, &local);
    return tm_cxl_return_code_from_dc_result(status, local, err);
}

/*
 * C100h Withdraw Dynamic Capacity (tagmem's, docs/fm-api.md): FM-API has no
 * way to take back an add request the host has not answered, so an FM
 * could not reclaim what a host that never answers keeps busy.  The device
 * call is QMP's cxl-withdraw-dynamic-capacity.
 */
TmCxlReturnCode tm_mailbox_withdraw_dc(const TmMailboxRequest *request,
                                       TmMailboxResponse *response, GError **err)
{
    TmVendorWithdrawRequest in;
    TmGuid tag;
    GError *local = NULL;

    memcpy(&in, request->payload, sizeof(in));
    if ((in.flags & ~TM_VENDOR_WITHDRAW_BY_TAG) != 0) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "flags %02Xh: reserved bits %02Xh are set", in.flags,
                               in.flags & ~TM_VENDOR_WITHDRAW_BY_TAG & 0xFF);
    }
    memcpy(tag.bytes, in.tag, sizeof(tag.bytes));
    response->length = 0;
    TmDcStatus status = tm_dcd_withdraw_offers(
        request->dev, le16toh(in.host_id), le64toh(in.add_request_id),
        (in.flags & TM_VENDOR_WITHDRAW_BY_TAG) ? &tag : NULL, &local);
    return tm_cxl_return_code_from_dc_result(status, local, err);
}
