/*
 * The daemon's view of the CCI command payloads: the pure layouts of
 * cxl_payloads.h (which libtagmem shares) with the codecs between their
 * extent and record lists and the device model's types.
 */
#pragma once

#include "cci/cxl_dc_extent.h"
#include "cci/cxl_event_record.h"
#include "cci/cxl_payloads.h"
