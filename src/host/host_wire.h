/*
 * The payloads a host sends and receives, as packed little-endian structs.
 *
 * libtagmem shares the daemon's pure wire headers, which hold no
 * device-model types: cci_message.h (framing), cxl_opcodes.h,
 * cxl_return_codes.h, cxl_payloads.h (with cxl_dc_extent_wire.h and
 * cxl_event_record_wire.h) and vendor_commands.h (tagmem's vendor commands,
 * docs/host-protocol.md).  The daemon's codec headers (cxl_commands.h,
 * cxl_dc_extent.h, cxl_event_record.h) include the device model and are
 * not for the host.
 */
#pragma once

#include <stdint.h>

#include "cci/cci_message.h"
#include "cci/cxl_opcodes.h"
#include "cci/cxl_payloads.h"
#include "cci/cxl_return_codes.h"
#include "cci/vendor_commands.h"

/*
 * CXL r3.1 §8.2.9.2: the Dynamic Capacity event log (the daemon's
 * TmEventLogType lives in the device model).
 */
#define TM_HOST_EVENT_LOG_DYNAMIC_CAPACITY 0x04
