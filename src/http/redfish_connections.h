/*
 * Fabrics/CXL/Connections (docs/redfish.md): one Connection per host and
 * tagged chunk it holds (pending or accepted), named "DEV-host-N-TAG",
 * linking the host's Endpoint (initiator) and the device's (target) to
 * the MemoryChunk, as DMTF's CXL examples do.
 */
#pragma once

#include <stdbool.h>
#include <json-c/json.h>

#include "device/device_registry.h"

#define TM_REDFISH_ENDPOINTS "/redfish/v1/Fabrics/CXL/Endpoints"
#define TM_REDFISH_CONNECTIONS "/redfish/v1/Fabrics/CXL/Connections"

/* "DEV-host-N" into its device and host (which the device has); false otherwise. */
bool tm_redfish_host_endpoint_parse(TmDeviceRegistry *devices, const char *id, TmDcd **dev,
                                    uint16_t *host);

/* "DEV-host-N-TAG" of a live connection into its parts; false otherwise. */
bool tm_redfish_connection_parse(TmDeviceRegistry *devices, const char *id, TmDcd **dev,
                                 uint16_t *host, TmGuid *tag);

/* The URI of @tag's MemoryChunk in @dev. */
char *tm_redfish_chunk_uri(const TmDcd *dev, unsigned region, const TmGuid *tag);

/* The Connections collection (@member NULL) or member @member; NULL when none. */
json_object *tm_redfish_connections_get(TmDeviceRegistry *devices, const char *member);
