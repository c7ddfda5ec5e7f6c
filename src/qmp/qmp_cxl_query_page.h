/*
 * The paged form of query-cxl-dynamic-capacity (docs/qmp.md, "Filters and
 * paging"): the extents a filter keeps, one flat list in the order of the
 * full answer, {"total", "start", "extents"}.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>

#include "qmp/qmp_cxl_match.h"
#include "qmp/qmp_dispatch.h"
#include "qmp/qmp_page.h"

/* Answer the running command with @page of what @f keeps of @devices (TmDcd *). */
void tm_qmp_cxl_query_page(TmQmpSession *session, const GPtrArray *devices,
                           const TmQmpCxlFilter *f, const TmQmpPage *page, json_object **ret);
