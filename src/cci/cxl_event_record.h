/*
 * The codec between the wire form of a Dynamic Capacity event record
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

void tm_cxl_dc_event_record_encode(const TmEventRecord *record, TmCxlDcEventRecord *wire);

/*
 * Read a DC event record back (a host reading its log).  Fails when the
 * record UUID, the length or the event type is not that of a DC record.
 */
bool tm_cxl_dc_event_record_decode(const TmCxlDcEventRecord *wire, TmEventRecord *record,
                                   GError **err);
