/*
 * The codec between the wire form of event records
 * (cxl_event_record_wire.h) and the device model's TmEventRecord.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "cci/cxl_dc_extent.h"
#include "cci/cxl_event_record_wire.h"
#include "core/guid.h"
#include "device/event_log.h"

/* ca95afa7-f183-4018-8c2f-95268e101a2a, in wire (string) byte order. */
extern const TmGuid tm_cxl_dc_event_record_uuid;

/* fbcd0a77-..., 601dcbb3-..., fe927475-... (CXL r3.1 §8.2.9.2.1.1-3). */
extern const TmGuid tm_cxl_general_media_event_record_uuid;
extern const TmGuid tm_cxl_dram_event_record_uuid;
extern const TmGuid tm_cxl_memory_module_event_record_uuid;

/* Any record, in the wire form of its kind (what Get Event Records returns). */
void tm_cxl_event_record_encode(const TmEventRecord *record, TmCxlEventRecord *wire);

void tm_cxl_dc_event_record_encode(const TmEventRecord *record, TmCxlDcEventRecord *wire);

/*
 * Read a DC event record back (a host reading its log).  Fails when the
 * record UUID, the length or the event type is not that of a DC record.
 */
bool tm_cxl_dc_event_record_decode(const TmCxlDcEventRecord *wire, TmEventRecord *record,
                                   GError **err);
