/*
 * Media and Poison Management (CXL r3.1 §8.2.9.9.4), host ports: Get
 * Poison List (4300h), Inject Poison (4301h), Clear Poison (4302h).  The
 * rules are the device's (device/dcd_poison.h); this file decodes, pages
 * and encodes.
 */
#include "cci/mailbox_internal.h"

#include <endian.h>
#include <inttypes.h>
#include <string.h>

#include "cci/cxl_poison_wire.h"
#include "cci/return_code_mapping.h"
#include "device/dcd_poison.h"
#include "device/dcd_scan_media.h"

/* The end of the device's DPA space: its last DC region's end. */
static uint64_t dpa_space_end(const TmDcd *dev)
{
    return tm_dc_region_end(tm_dcd_region(dev, tm_dcd_num_regions(dev) - 1));
}

static TmCxlReturnCode check_query(const TmDcd *dev, uint64_t dpa, uint64_t lines,
                                   GError **err)
{
    /* CXL r3.1 §8.2.9.9.4.1: the address of a line, a length in lines. */
    if (dpa % TM_CXL_POISON_LINE) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "Get Poison List: DPA 0x%" PRIx64 " is not 64-byte aligned",
                               dpa);
    }
    if (lines == 0) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "Get Poison List: length 0 at DPA 0x%" PRIx64, dpa);
    }
    uint64_t end = dpa_space_end(dev);
    if (dpa >= end || lines > (end - dpa) / TM_CXL_POISON_LINE) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
                               "Get Poison List: DPA 0x%" PRIx64 " + %" PRIu64 " lines is "
                               "beyond the device's DPA space (0x%" PRIx64 " bytes)", dpa,
                               lines, end);
    }
    return TM_CXL_RC_SUCCESS;
}

/*
 * Where this answer starts: a request that repeats the one answered with
 * More continues it (CXL r3.1 §8.2.9.9.4.1: the host asks again until More
 * is clear); any other request starts afresh.
 */
static uint64_t resume_point(const TmMailboxCaller *caller, uint64_t dpa, uint64_t length)
{
    bool repeated = caller->poison_paging && caller->poison_query_dpa == dpa &&
                    caller->poison_query_length == length;

    return repeated ? caller->poison_cursor : dpa;
}

void tm_mailbox_encode_media_errors(const GArray *ranges, uint8_t *out)
{
    for (guint i = 0; i < ranges->len; i++) {
        const TmPoisonRange *range = &g_array_index(ranges, TmPoisonRange, i);
        TmCxlMediaErrorRecord record = {
            .address = htole64(range->dpa | ((uint64_t)range->source &
                                             TM_CXL_MEDIA_ERROR_SOURCE_MASK)),
            .length = htole32((uint32_t)(range->length / TM_CXL_POISON_LINE)),
        };
        memcpy(out + i * sizeof(record), &record, sizeof(record));
    }
}

TmCxlReturnCode tm_mailbox_get_poison_list(const TmMailboxRequest *request,
                                           TmMailboxResponse *response, GError **err)
{
    TmCxlGetPoisonListRequest in;
    TmMailboxCaller *caller = request->caller;
    uint64_t since_ns = 0;

    memcpy(&in, request->payload, sizeof(in));
    uint64_t dpa = le64toh(in.dpa);
    uint64_t lines = le64toh(in.length);
    TmCxlReturnCode code = check_query(request->dev, dpa, lines, err);
    if (code != TM_CXL_RC_SUCCESS) {
        return code;
    }
    uint64_t length = lines * TM_CXL_POISON_LINE;
    uint64_t cursor = resume_point(caller, dpa, length);
    size_t room = tm_mailbox_entries_that_fit(request, sizeof(TmCxlGetPoisonListResponse),
                                              sizeof(TmCxlMediaErrorRecord), UINT16_MAX);
    g_autoptr(GArray) ranges = g_array_sized_new(FALSE, FALSE, sizeof(TmPoisonRange),
                                                 (guint)room);
    bool more = tm_dcd_poison_report(request->dev, dpa, length, &cursor, (guint)room, ranges);
    bool overflowed = tm_dcd_poison_overflowed(request->dev, &since_ns);

    caller->poison_paging = more;
    caller->poison_query_dpa = dpa;
    caller->poison_query_length = length;
    caller->poison_cursor = cursor;
    /* CXL r3.1 §8.2.9.9.4.1: a scan runs, so its results may add to this list. */
    bool scanning = tm_dcd_scan_media_running(request->dev);
    TmCxlGetPoisonListResponse header = {
        .flags = (more ? TM_CXL_POISON_FLAG_MORE : 0) |
                 (overflowed ? TM_CXL_POISON_FLAG_OVERFLOW : 0) |
                 (scanning ? TM_CXL_POISON_FLAG_SCAN_IN_PROGRESS : 0),
        .overflow_timestamp = htole64(overflowed ? since_ns : 0),
        .count = htole16((uint16_t)ranges->len),
    };
    memcpy(response->payload, &header, sizeof(header));
    tm_mailbox_encode_media_errors(ranges, response->payload + sizeof(header));
    response->length = sizeof(header) + ranges->len * sizeof(TmCxlMediaErrorRecord);
    return TM_CXL_RC_SUCCESS;
}

TmCxlReturnCode tm_mailbox_inject_poison(const TmMailboxRequest *request,
                                         TmMailboxResponse *response, GError **err)
{
    TmCxlInjectPoisonRequest in;

    memcpy(&in, request->payload, sizeof(in));
    response->length = 0;
    return tm_cxl_return_code_from_dc_status(
        tm_dcd_host_inject_poison(request->dev, le64toh(in.dpa), err));
}

TmCxlReturnCode tm_mailbox_clear_poison(const TmMailboxRequest *request,
                                        TmMailboxResponse *response, GError **err)
{
    TmCxlClearPoisonRequest in;
    const TmMailboxCaller *caller = request->caller;

    memcpy(&in, request->payload, sizeof(in));
    response->length = 0;
    return tm_cxl_return_code_from_dc_status(
        tm_dcd_host_clear_poison(request->dev, caller->host_id, le64toh(in.dpa),
                                 in.write_data, !caller->replaying, err));
}
