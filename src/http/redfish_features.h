/*
 * What the service supports of DSP0266's protocol features, as the
 * ServiceRoot's ProtocolFeaturesSupported says it (redfish_query.h).
 */
#pragma once

#include <json-c/json.h>

json_object *tm_redfish_protocol_features(void);
