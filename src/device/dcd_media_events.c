/*
 * Device events (General Media, DRAM, Memory Module records) into the
 * hosts' logs.  The device's media belong to every host that holds
 * capacity of it, so each host's log gets its own copy with its own
 * handle, and each host reads and clears its copy on its own.
 */
#include "device/dcd_internal.h"
#include "device/dcd_ras.h"

#include <inttypes.h>

#include "core/error.h"

/* Memory Event Descriptor bit 0 (CXL r3.1 Table 8-45): set, the device could not correct it. */
#define DESCRIPTOR_UNCORRECTABLE 0x01u
/* Memory Event Type 00h: Media ECC Error. */
#define MEDIA_ECC_ERROR 0x00u
/* Physical Address bit 0: the DPA is in volatile memory. */
#define PHYSICAL_ADDRESS_VOLATILE 0x01u

/* Physical Address bits 63:6: the DPA, 64-byte aligned. */
#define PHYSICAL_ADDRESS_DPA_MASK (~(uint64_t)0x3F)

bool tm_dcd_check_media_dpa(const TmDcd *dev, uint64_t physical_address, GError **err)
{
    uint64_t dpa = physical_address & PHYSICAL_ADDRESS_DPA_MASK;

    for (unsigned r = 0; r < tm_dcd_num_regions(dev); r++) {
        const TmDcRegion *region = tm_dcd_region(dev, r);

        if (dpa >= region->base && dpa - region->base < region->len) {
            return true;
        }
    }
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                "dpa 0x%" PRIx64 " is outside every DC region of device '%s'", dpa,
                tm_dcd_id(dev));
    return false;
}

void tm_dcd_append_device_record(TmDcd *dev, TmEventLogType log, const TmEventRecord *record)
{
    uint64_t now_ns = tm_dcd_timestamp_ns(dev);

    g_return_if_fail(log < TM_EVENT_LOG_DYNAMIC_CAPACITY);
    for (uint16_t host_id = 0; host_id < dev->num_hosts; host_id++) {
        if (!tm_event_log_append_record(tm_dcd_host(dev, host_id)->logs[log], record, now_ns)) {
            continue; /* counted as the log's overflow */
        }
        TmDcdNotice notice = {
            .kind = TM_DCD_NOTICE_RECORD_QUEUED, .host_id = host_id, .log = log,
        };
        tm_dcd_notify(dev, &notice);
    }
}

/* A corrected ECC error counts against the memory the Physical Address names. */
static void count_corrected(TmDcd *dev, const TmMediaEventCommon *common)
{
    TmHealthInfo before = dev->health.info;
    TmHealthInfo *info = &dev->health.info;

    if ((common->descriptor & DESCRIPTOR_UNCORRECTABLE) || common->type != MEDIA_ECC_ERROR) {
        return;
    }
    if (common->dpa & PHYSICAL_ADDRESS_VOLATILE) {
        info->corrected_volatile_errors += info->corrected_volatile_errors < UINT32_MAX;
    } else {
        info->corrected_persistent_errors += info->corrected_persistent_errors < UINT32_MAX;
    }
    tm_dcd_health_changed(dev, &before);
}

void tm_dcd_append_general_media(TmDcd *dev, TmEventLogType log,
                                 const TmGeneralMediaEvent *event)
{
    TmEventRecord record = { .kind = TM_EVENT_KIND_GENERAL_MEDIA, .media = *event };

    tm_dcd_append_device_record(dev, log, &record);
    count_corrected(dev, &event->common);
}

void tm_dcd_append_dram(TmDcd *dev, TmEventLogType log, const TmDramEvent *event)
{
    TmEventRecord record = { .kind = TM_EVENT_KIND_DRAM, .dram = *event };

    tm_dcd_append_device_record(dev, log, &record);
    count_corrected(dev, &event->common);
}

void tm_dcd_append_memory_module(TmDcd *dev, TmEventLogType log,
                                 const TmMemoryModuleEvent *event)
{
    TmEventRecord record = { .kind = TM_EVENT_KIND_MEMORY_MODULE, .module = *event };
    TmHealthInfo before = dev->health.info;

    dev->health.info = event->health;
    tm_dcd_append_device_record(dev, log, &record);
    tm_dcd_health_changed(dev, &before);
}
