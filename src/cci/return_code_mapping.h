/*
 * Device-model outcomes as CXL return codes: the daemon side only, so that
 * cxl_return_codes.h stays free of device types for the host library.
 */
#pragma once

#include "cci/cxl_return_codes.h"
#include "device/dc_status.h"
#include "device/event_log.h"

/*
 * The one place where device-model outcomes become return codes: a
 * TmDcStatus keeps its CXL name, and a clear that names a record not in
 * the log is Invalid Handle (CXL r3.1 §8.2.9.2.3; QEMU answers Invalid
 * Input, docs/qemu-compat.md).
 */
TmCxlReturnCode tm_cxl_return_code_from_dc_status(TmDcStatus status);
/* The same, passing the device's message (@local, set on failure) on to @err. */
TmCxlReturnCode tm_cxl_return_code_from_dc_result(TmDcStatus status, GError *local,
                                                  GError **err);
TmCxlReturnCode tm_cxl_return_code_from_event_clear(TmEventClearResult result);
