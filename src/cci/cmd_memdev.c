/* Memory device identification (CXL r3.1 §8.2.9.9.1), on host ports. */
#include "cci/mailbox_internal.h"

#include <endian.h>
#include <stdio.h>
#include <string.h>

#include "cci/cxl_commands.h"
#include "device/dcd_poison.h"
#include "tagmem-config.h"

static uint16_t log_size(const TmMailboxRequest *request, TmEventLogType type)
{
    TmEventLog *log = tm_dcd_host_event_log(request->dev, request->caller->host_id, type);

    /* Depths are at most TM_EVENT_LOG_MAX_DEPTH (0xFFFF), so they fit. */
    return (uint16_t)tm_event_log_depth(log);
}

/*
 * CXL r3.1 §8.2.9.9.1.1: Identify Memory Device (4000h).
 *
 * Total capacity is the volatile-only, persistent-only and partitionable
 * capacity; Dynamic Capacity is not part of it (Get DC Configuration
 * describes it), and QEMU likewise reports only static capacity here.
 * tagmem devices have none, so every capacity, and the partition
 * alignment, is 0.  There is no label storage area.  The poison list
 * maximum and the inject poison limit are the device's (dcd_poison.h); a
 * device without DC regions has no media to poison and reports 0.
 * The event log sizes are what the host's logs hold before overflowing.
 */
TmCxlReturnCode tm_mailbox_identify_memory_device(const TmMailboxRequest *request,
                                                  TmMailboxResponse *response, GError **err)
{
    char fw_revision[sizeof(((TmCxlIdentifyMemoryDeviceResponse *)0)->fw_revision) + 1];
    TmCxlIdentifyMemoryDeviceResponse out = {
        .info_event_log_size = htole16(log_size(request, TM_EVENT_LOG_INFO)),
        .warning_event_log_size = htole16(log_size(request, TM_EVENT_LOG_WARNING)),
        .failure_event_log_size = htole16(log_size(request, TM_EVENT_LOG_FAILURE)),
        .fatal_event_log_size = htole16(log_size(request, TM_EVENT_LOG_FATAL)),
        .dc_event_log_size = htole16(log_size(request, TM_EVENT_LOG_DYNAMIC_CAPACITY)),
    };

    if (tm_dcd_num_regions(request->dev) > 0) {
        uint32_t max_records = tm_dcd_poison_list_max(request->dev);

        /* 24 bits, little-endian. */
        for (unsigned i = 0; i < sizeof(out.poison_list_max_records); i++) {
            out.poison_list_max_records[i] = (uint8_t)(max_records >> (8 * i));
        }
        out.inject_poison_limit = htole16((uint16_t)tm_dcd_inject_poison_limit(request->dev));
    }
    /* ASCII, NUL-padded to 16 bytes. */
    memset(fw_revision, 0, sizeof(fw_revision));
    snprintf(fw_revision, sizeof(fw_revision), "tagmem %s", TAGMEM_VERSION);
    memcpy(out.fw_revision, fw_revision, sizeof(out.fw_revision));

    memcpy(response->payload, &out, sizeof(out));
    response->length = sizeof(out);
    return TM_CXL_RC_SUCCESS;
}
