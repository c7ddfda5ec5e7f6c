/*
 * Redfish error bodies (DMTF DSP0266 §9.6 "Error responses"): an "error"
 * object whose code is a Base message registry id and whose
 * @Message.ExtendedInfo lists the messages.
 */
#pragma once

#include <json-c/json.h>

#define TM_REDFISH_BASE_REGISTRY "Base.1.15.0"

/*
 * The body for Base message @message_id ("ResourceNotFound", ...) with
 * @message and @resolution, one message argument @arg (may be NULL).
 */
json_object *tm_redfish_error_body(const char *message_id, const char *message,
                                   const char *arg, const char *resolution);
