/*
 * Poison on the device (dcd_poison.h): checks of the injection and clear
 * requests, and telling the hosts that hold the lines.  The list itself is
 * poison_list.c's.
 */
#include "device/dcd_poison.h"

#include <inttypes.h>

#include "device/dcd_internal.h"
#include "device/dcd_ras.h"

/* Tell every host whose accepted capacity overlaps [dpa, dpa + length). */
static void notify_holders(TmDcd *dev, uint64_t dpa, uint64_t length)
{
    TmBackedExtent range = { .extent = { .dpa = dpa, .length = length } };

    for (uint16_t h = 0; h < dev->num_hosts; h++) {
        guint first;
        guint end;

        tm_dcd_host_accepted_span(dev, h, dpa, length, &first, &end);
        if (first < end) {
            TmDcdNotice notice = {
                .kind = TM_DCD_NOTICE_POISON_CHANGED,
                .host_id = h,
                .extents = &range,
                .n_extents = 1,
            };
            tm_dcd_notify(dev, &notice);
        }
    }
}

static TmDcStatus check_in_region(const TmDcd *dev, const char *name, uint64_t dpa,
                                  uint64_t length, GError **err)
{
    if (dpa + length < dpa ||
        tm_dc_region_find(dev->regions, dev->num_dc_regions, dpa, length) < 0) {
        return tm_dc_fail(err, TM_DC_INVALID_PHYSICAL_ADDRESS,
                          "%s: DPA range 0x%" PRIx64 "+0x%" PRIx64
                          " is not inside one DC region of device '%s'", name, dpa, length,
                          tm_dcd_id(dev));
    }
    return TM_DC_OK;
}

/*
 * General Media Event record fields (CXL r3.1 Table 8-45) of a poison
 * creation: an uncorrectable Media ECC Error at a volatile DPA (DC
 * capacity is volatile).
 */
#define GM_DESCRIPTOR_UNCORRECTABLE 0x01u
#define GM_TYPE_MEDIA_ECC_ERROR 0x00u
#define GM_ADDRESS_VOLATILE 0x01u

void tm_dcd_log_media_error(TmDcd *dev, uint64_t dpa, uint8_t transaction_type)
{
    TmGeneralMediaEvent event = {
        .common = {
            .dpa = dpa | GM_ADDRESS_VOLATILE,
            .flags = TM_EVENT_SEVERITY_INFORMATIONAL,
            .descriptor = GM_DESCRIPTOR_UNCORRECTABLE,
            .type = GM_TYPE_MEDIA_ECC_ERROR,
            .transaction_type = transaction_type,
        },
    };

    tm_dcd_append_general_media(dev, TM_EVENT_LOG_INFO, &event);
}

TmDcStatus tm_dcd_check_poison_range(uint64_t dpa, uint64_t length, GError **err)
{
    if (length % TM_POISON_LINE) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                          "Poison injection must be in multiples of 64 bytes");
    }
    if (dpa % TM_POISON_LINE) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                          "Poison start address must be 64 byte aligned");
    }
    /* QEMU takes a length of 0 and lists an empty record; nothing is poisoned by it. */
    if (length == 0) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT, "Poison injection length must not be 0");
    }
    return TM_DC_OK;
}

TmDcStatus tm_dcd_inject_poison(TmDcd *dev, uint64_t dpa, uint64_t length, GError **err)
{
    TmDcStatus status = tm_dcd_check_poison_range(dpa, length, err);

    if (status == TM_DC_OK) {
        status = check_in_region(dev, "cxl-inject-poison", dpa, length, err);
    }
    if (status != TM_DC_OK) {
        return status;
    }
    if (tm_poison_list_find(dev->poison, dpa, length, NULL)) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                          "Overlap with existing poisoned region not supported");
    }
    tm_poison_list_add(dev->poison, dpa, length, TM_POISON_SOURCE_INTERNAL,
                       tm_dcd_timestamp_ns(dev));
    notify_holders(dev, dpa, length);
    /* The device found it (QEMU's "internal" source): no host transaction caused it. */
    tm_dcd_log_media_error(dev, dpa, TM_GM_TRANSACTION_UNKNOWN);
    return TM_DC_OK;
}

TmDcStatus tm_dcd_host_inject_poison(TmDcd *dev, uint64_t dpa, GError **err)
{
    /* CXL r3.1 §8.2.9.9.4.2: the address of a 64-byte line. */
    if (dpa % TM_POISON_LINE) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                          "Inject Poison: DPA 0x%" PRIx64 " is not 64-byte aligned", dpa);
    }
    TmDcStatus status = check_in_region(dev, "Inject Poison", dpa, TM_POISON_LINE, err);
    if (status != TM_DC_OK) {
        return status;
    }
    if (tm_poison_list_find(dev->poison, dpa, TM_POISON_LINE, NULL)) {
        return TM_DC_OK;
    }
    if (tm_poison_list_count(dev->poison) >= tm_dcd_inject_poison_limit(dev)) {
        return tm_dc_fail(err, TM_DC_INJECT_POISON_LIMIT,
                          "Inject Poison: the poison list holds %u records, the inject poison "
                          "limit", tm_poison_list_count(dev->poison));
    }
    tm_poison_list_add(dev->poison, dpa, TM_POISON_LINE, TM_POISON_SOURCE_INJECTED,
                       tm_dcd_timestamp_ns(dev));
    notify_holders(dev, dpa, TM_POISON_LINE);
    tm_dcd_log_media_error(dev, dpa, TM_GM_TRANSACTION_HOST_INJECT_POISON);
    return TM_DC_OK;
}

TmDcStatus tm_dcd_host_clear_poison(TmDcd *dev, uint16_t host_id, uint64_t dpa,
                                    const uint8_t *data, bool write_data, GError **err)
{
    if (dpa % TM_POISON_LINE) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                          "Clear Poison: DPA 0x%" PRIx64 " is not 64-byte aligned", dpa);
    }
    TmDcStatus status = check_in_region(dev, "Clear Poison", dpa, TM_POISON_LINE, err);
    if (status != TM_DC_OK) {
        return status;
    }
    /* Extents are block-aligned, so a line lies inside one or outside all. */
    if (tm_dcd_host_find_accepted(dev, host_id, dpa) == NULL) {
        return tm_dc_fail(err, TM_DC_INVALID_PHYSICAL_ADDRESS,
                          "Clear Poison: DPA 0x%" PRIx64 " is not in capacity host %u has "
                          "accepted", dpa, host_id);
    }
    if (write_data) {
        status = tm_dcd_host_write(dev, host_id, dpa, data, TM_POISON_LINE, err);
        if (status != TM_DC_OK) {
            return status;
        }
    }
    if (tm_poison_list_remove(dev->poison, dpa, TM_POISON_LINE, tm_dcd_timestamp_ns(dev))) {
        notify_holders(dev, dpa, TM_POISON_LINE);
    }
    return TM_DC_OK;
}

bool tm_dcd_poison_find(const TmDcd *dev, uint64_t dpa, uint64_t length, uint64_t *first_dpa)
{
    return tm_poison_list_find(dev->poison, dpa, length, first_dpa);
}

uint64_t tm_dcd_clear_poison_range(TmDcd *dev, uint64_t dpa, uint64_t length)
{
    uint64_t cleared = tm_poison_list_remove(dev->poison, dpa, length,
                                             tm_dcd_timestamp_ns(dev));

    if (cleared) {
        notify_holders(dev, dpa, length);
    }
    return cleared;
}

uint64_t tm_dcd_clear_all_poison(TmDcd *dev)
{
    return tm_dcd_clear_poison_range(dev, 0, UINT64_MAX & ~(uint64_t)(TM_POISON_LINE - 1));
}

void tm_dcd_foreach_poison(const TmDcd *dev, uint64_t dpa, uint64_t length,
                           TmPoisonRangeFn fn, void *opaque)
{
    tm_poison_list_foreach(dev->poison, dpa, length, fn, opaque);
}

bool tm_dcd_poison_report(const TmDcd *dev, uint64_t dpa, uint64_t length, uint64_t *cursor,
                          guint max_out, GArray *out)
{
    return tm_poison_list_report(dev->poison, dpa, length, cursor, max_out, out);
}

bool tm_dcd_poison_overflowed(const TmDcd *dev, uint64_t *since_ns)
{
    return tm_poison_list_overflowed(dev->poison, since_ns);
}

guint tm_dcd_poison_count(const TmDcd *dev)
{
    return tm_poison_list_count(dev->poison);
}

guint tm_dcd_poison_list_max(const TmDcd *dev)
{
    return tm_poison_list_max_records(dev->poison);
}

guint tm_dcd_inject_poison_limit(const TmDcd *dev)
{
    return MIN(tm_poison_list_max_records(dev->poison), UINT16_MAX);
}
