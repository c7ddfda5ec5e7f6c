/*
 * /redfish/v1/Chassis/DEV/Oem/Tagmem/DPAMap: every extent of a device,
 * pending or accepted, by host, in one compact resource, so that the web
 * page draws a device's DPA space from one GET (the MemoryChunks give a
 * tag's totals, not where its extents lie).  Extents are arrays
 * [host, dpa, length, accepted (0/1), tag index into Tags or -1], the
 * layout "ExtentFields" names (docs/redfish.md, "Web page").
 */
#pragma once

#include <json-c/json.h>

#include "device/dcd.h"

json_object *tm_redfish_dpa_map(const TmDcd *dev);
