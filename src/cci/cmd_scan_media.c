/*
 * Scan Media (CXL r3.1 §8.2.9.9.4.4-§8.2.9.9.4.6), host ports: Get Scan
 * Media Capabilities (4303h), Scan Media (4304h), Get Scan Media Results
 * (4305h).  The scan is the device's (device/dcd_scan_media.h); this file
 * checks the range, decodes, pages and encodes.
 */
#include "cci/mailbox_internal.h"

#include <endian.h>
#include <inttypes.h>
#include <string.h>

#include "cci/cxl_poison_wire.h"
#include "cci/cxl_scan_media_wire.h"
#include "cci/return_code_mapping.h"
#include "device/dcd_scan_media.h"

/* The end of the device's DPA space: its last DC region's end. */
static uint64_t dpa_space_end(const TmDcd *dev)
{
    return tm_dc_region_end(tm_dcd_region(dev, tm_dcd_num_regions(dev) - 1));
}

/*
 * CXL r3.1 §8.2.9.9.4.4, §8.2.9.9.4.5: a 64-byte aligned DPA and a length
 * in lines, not 0 (Invalid Input), inside the device's DPA space (Invalid
 * Physical Address).  On success *length is the range in bytes.
 */
static TmCxlReturnCode check_range(const TmDcd *dev, const char *name, uint64_t dpa,
                                   uint64_t lines, uint64_t *length, GError **err)
{
    if (dpa % TM_CXL_POISON_LINE) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "%s: DPA 0x%" PRIx64 " is not 64-byte aligned", name, dpa);
    }
    if (lines == 0) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT, "%s: length 0 at DPA 0x%" PRIx64,
                               name, dpa);
    }
    uint64_t end = dpa_space_end(dev);
    if (dpa >= end || lines > (end - dpa) / TM_CXL_POISON_LINE) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
                               "%s: DPA 0x%" PRIx64 " + %" PRIu64 " lines is beyond the "
                               "device's DPA space (0x%" PRIx64 " bytes)", name, dpa, lines,
                               end);
    }
    *length = lines * TM_CXL_POISON_LINE;
    return TM_CXL_RC_SUCCESS;
}

TmCxlReturnCode tm_mailbox_get_scan_media_caps(const TmMailboxRequest *request,
                                               TmMailboxResponse *response, GError **err)
{
    TmCxlGetScanMediaCapsRequest in;
    uint64_t length;

    memcpy(&in, request->payload, sizeof(in));
    uint64_t dpa = le64toh(in.dpa);
    TmCxlReturnCode code = check_range(request->dev, "Get Scan Media Capabilities", dpa,
                                       le64toh(in.length), &length, err);
    if (code != TM_CXL_RC_SUCCESS) {
        return code;
    }
    TmCxlGetScanMediaCapsResponse out = {
        .estimated_scan_ms = htole32(tm_dcd_scan_media_estimate_ms(request->dev, dpa, length)),
    };
    memcpy(response->payload, &out, sizeof(out));
    response->length = sizeof(out);
    return TM_CXL_RC_SUCCESS;
}

/*
 * Answered Background Command Started (01h); 0002h reports progress.  The
 * No Event Log flag is accepted; no event records are added either way
 * (docs/host-protocol.md, "Scan Media").
 */
TmCxlReturnCode tm_mailbox_scan_media(const TmMailboxRequest *request,
                                      TmMailboxResponse *response, GError **err)
{
    TmCxlScanMediaRequest in;
    uint64_t length;

    memcpy(&in, request->payload, sizeof(in));
    response->length = 0;
    uint64_t dpa = le64toh(in.dpa);
    TmCxlReturnCode code = check_range(request->dev, "Scan Media", dpa, le64toh(in.length),
                                       &length, err);
    if (code != TM_CXL_RC_SUCCESS) {
        return code;
    }
    GError *local = NULL;
    bool log_events = (in.flags & TM_CXL_SCAN_MEDIA_NO_EVENT_LOG) == 0;
    TmDcStatus status = tm_dcd_scan_media(request->dev, request->opcode, dpa, length, log_events,
                                          &local);
    if (status != TM_DC_OK) {
        return tm_cxl_return_code_from_dc_result(status, local, err);
    }
    return TM_CXL_RC_BACKGROUND_COMMAND_STARTED;
}

/*
 * The records read are consumed (as QEMU): a host reads again while More
 * is set.  tagmem's scans never stop early, so the restart DPA and length
 * are 0 and Scan Stopped Prematurely is never set.
 */
TmCxlReturnCode tm_mailbox_get_scan_media_results(const TmMailboxRequest *request,
                                                  TmMailboxResponse *response, GError **err)
{
    size_t room = tm_mailbox_entries_that_fit(request, sizeof(TmCxlGetScanMediaResultsResponse),
                                              sizeof(TmCxlMediaErrorRecord), UINT16_MAX);
    g_autoptr(GArray) ranges = g_array_sized_new(FALSE, FALSE, sizeof(TmPoisonRange),
                                                 (guint)room);
    bool more;

    TmDcStatus status = tm_dcd_scan_media_take_results(request->dev, (guint)room, ranges,
                                                       &more, err);
    if (status != TM_DC_OK) {
        return tm_cxl_return_code_from_dc_status(status);
    }
    TmCxlGetScanMediaResultsResponse header = {
        .flags = more ? TM_CXL_SCAN_RESULTS_MORE : 0,
        .count = htole16((uint16_t)ranges->len),
    };
    memcpy(response->payload, &header, sizeof(header));
    tm_mailbox_encode_media_errors(ranges, response->payload + sizeof(header));
    response->length = sizeof(header) + ranges->len * sizeof(TmCxlMediaErrorRecord);
    return TM_CXL_RC_SUCCESS;
}
