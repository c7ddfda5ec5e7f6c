/*
 * The Redfish service's read-only resource tree over the device model
 * (docs/redfish.md gives the mapping to DMTF's schemas):
 *   /redfish, /redfish/v1, /redfish/v1/Chassis[/DEV[/MemoryDomains[/N
 *   [/MemoryChunks[/TAG]]]]], /redfish/v1/Fabrics[/CXL[/Endpoints[/EP]
 *   | /Connections[/ID]]]
 * Transport-free: the HTTP server hands it a path and sends what it gets.
 */
#pragma once

#include <json-c/json.h>

#include "device/device_registry.h"

/*
 * The resource at @path (without query), with "@odata.etag" set, as a new
 * reference; NULL when there is none (the caller answers 404).
 */
json_object *tm_redfish_resource_get(TmDeviceRegistry *devices, const char *path);

/* A weak ETag over @obj's representation, as "@odata.etag": it changes when any property does. */
void tm_redfish_resource_add_etag(json_object *obj);
