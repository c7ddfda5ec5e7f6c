/*
 * The device's own events and health (RAS, CXL r3.1 §8.2.9.2.1 and
 * §8.2.9.9.3): records about the device as a whole go to every host's
 * log of the given severity, and each host is notified; health counters
 * move with the events that report them, and an enabled warning
 * threshold crossed adds a Memory Module record to the warning log.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

#include "device/dcd.h"
#include "device/health.h"

/*
 * The DPA of a media event's Physical Address field (bits 63:6, CXL r3.1
 * Table 8-45) lies in one of @dev's DC regions; else an error naming it.
 */
bool tm_dcd_check_media_dpa(const TmDcd *dev, uint64_t physical_address, GError **err);

/*
 * Append a General Media record to log @log (informational .. fatal) of
 * every host of @dev, and notify the hosts.  A host whose log is full
 * loses the record and its log counts the overflow.  A corrected error
 * (Memory Event Descriptor bit 0 clear) of type Media ECC Error adds one
 * to the corrected volatile or persistent error count, after the Volatile
 * flag of the Physical Address (CXL r3.1 Table 8-45), and may cross a
 * warning threshold.  For every source of media errors (injection, poison).
 */
void tm_dcd_append_general_media(TmDcd *dev, TmEventLogType log,
                                 const TmGeneralMediaEvent *event);
/* The same for a DRAM record (CXL r3.1 §8.2.9.2.1.2). */
void tm_dcd_append_dram(TmDcd *dev, TmEventLogType log, const TmDramEvent *event);
/*
 * A Memory Module record: its health fields become the device's health
 * (the record reports the health at the event, §8.2.9.2.1.3), then the
 * record is appended as above and crossed warning thresholds are reported.
 */
void tm_dcd_append_memory_module(TmDcd *dev, TmEventLogType log,
                                 const TmMemoryModuleEvent *event);

/* Get Health Info (4200h). */
TmHealthInfo tm_dcd_health(const TmDcd *dev);
/* Get Alert Configuration (4201h). */
TmAlertConfig tm_dcd_alert_config(const TmDcd *dev);
/* Set Alert Configuration (4202h): all or nothing (tm_alert_request_check). */
bool tm_dcd_set_alert_config(TmDcd *dev, const TmAlertRequest *request, GError **err);

/* dcd_media_events.c, for dcd_health.c: append to every host's @log and notify. */
void tm_dcd_append_device_record(TmDcd *dev, TmEventLogType log, const TmEventRecord *record);
/* dcd_health.c: the health moved from @before; report crossed thresholds. */
void tm_dcd_health_changed(TmDcd *dev, const TmHealthInfo *before);
