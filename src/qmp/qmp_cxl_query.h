/* query-cxl-dynamic-capacity, answered piece by piece (qmp_cxl_query.c). */
#pragma once

#include <stdbool.h>
#include <glib.h>
#include <json-c/json.h>

#include "qmp/qmp_dispatch.h"

bool tm_qmp_query_cxl_dynamic_capacity(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                                       json_object **ret, GError **err);
