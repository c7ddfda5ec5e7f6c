/*
 * JSON ↔ TmValue for QMP: property values arrive and leave as JSON, typed
 * by the kind the property declares (object.h).
 */
#pragma once

#include <stdbool.h>
#include <glib.h>
#include <json-c/json.h>

#include "object/value.h"

/*
 * Convert @json for a property of @kind named @name (as messages quote
 * it).  size/uint take a non-negative integer, bool a boolean, str, enum,
 * guid and link a string, uint lists an array of non-negative integers.
 * The caller clears @out.
 */
bool tm_qmp_value_from_json(TmPropKind kind, const char *name, json_object *json, TmValue *out,
                            GError **err);

/* A new JSON value for @value (an unset string reads as ""). */
json_object *tm_qmp_value_to_json(const TmValue *value);
