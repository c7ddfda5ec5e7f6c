/* Memory device identification (CXL r3.1 §8.2.9.9.1), on host ports. */
#include "cci/mailbox_internal.h"

#include <endian.h>
#include <stdio.h>
#include <string.h>

#include "cci/cxl_commands.h"
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
 * alignment, is 0.  There is no label storage area and no poison list.
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

    /* ASCII, NUL-padded to 16 bytes. */
    memset(fw_revision, 0, sizeof(fw_revision));
    snprintf(fw_revision, sizeof(fw_revision), "tagmem %s", TAGMEM_VERSION);
    memcpy(out.fw_revision, fw_revision, sizeof(out.fw_revision));

    memcpy(response->payload, &out, sizeof(out));
    response->length = sizeof(out);
    return TM_CXL_RC_SUCCESS;
}
