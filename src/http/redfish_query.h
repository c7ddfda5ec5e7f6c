/*
 * The query parameters of DSP0266 §7.3 that the service supports, the
 * ones that are cheap over an already built resource:
 *   $select=PROP[,PROP...]  only these properties (PROP may be A/B), with
 *                           the @odata ones
 *   $expand=. or $expand=.($levels=1)
 *                           a collection's Members as whole resources
 * Any other $-parameter is refused (501 QueryNotSupported); parameters
 * without "$" are not the service's and are ignored.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>
#include <json-c/json.h>

#include "device/device_registry.h"

typedef enum {
    TM_REDFISH_QUERY_NOT_SUPPORTED,  /* 501 QueryNotSupported */
    TM_REDFISH_QUERY_BAD_VALUE,      /* 400 QueryParameterValueFormatError */
} TmRedfishQueryError;

#define TM_REDFISH_QUERY_ERROR (tm_redfish_query_error_quark())
GQuark tm_redfish_query_error_quark(void);

/*
 * Apply @query (the URI's query, undecoded; may be NULL) to *@obj, which
 * may be replaced.  On failure @err names the parameter, and *@obj (still
 * the caller's to free) is not to be sent.
 */
bool tm_redfish_query_apply(TmDeviceRegistry *devices, json_object **obj, const char *query,
                            GError **err);
