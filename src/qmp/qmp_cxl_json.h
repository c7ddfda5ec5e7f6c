/*
 * CXL Dynamic Capacity values as QMP shows them.  Extents carry QEMU's
 * CxlDynamicCapacityExtent members, "offset" (bytes from the start of the
 * region) and "len" (docs/qemu-compat.md), plus what tagmem adds: "region",
 * "dpa" (region base + offset), "shared-seq", and "tag" when tagged.
 * Shared by the CXL commands and the CXL events.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>

#include "core/guid.h"
#include "device/dcd.h"

/* The canonical lower-case string of @guid. */
json_object *tm_qmp_cxl_guid(const TmGuid *guid);

/* {"region", "offset", "dpa", "len", "shared-seq"[, "tag"]} */
json_object *tm_qmp_cxl_extent(const TmDcd *dev, const TmBackedExtent *extent);

/* A JSON array of @n_extents extents. */
json_object *tm_qmp_cxl_extent_list(const TmDcd *dev, const TmBackedExtent *extents,
                                    guint n_extents);
