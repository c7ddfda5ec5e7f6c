/*
 * /redfish/v1/Chassis/DEV/Memory: the device's memory as Redfish Memory
 * resources, one "DC" per device, its DC regions as the resource's
 * Regions (docs/redfish.md, the resource table).
 */
#pragma once

#include <json-c/json.h>

#include "device/dcd.h"

/* The resource under Chassis/DEV/Memory named by @rest (@n segments: 0 or 1), or NULL. */
json_object *tm_redfish_memory(const TmDcd *dev, char **rest, unsigned n);
