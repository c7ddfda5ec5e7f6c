/*
 * CXL Dynamic Capacity values as QMP shows them.  Extents carry QEMU's
 * CxlDynamicCapacityExtent members, "offset" (bytes from the start of the
 * region) and "len" (docs/qemu-compat.md), plus what tagmem adds: "region",
 * "dpa" (region base + offset), "shared-seq", and "tag" when tagged.
 * Shared by the CXL commands and the CXL events, with the lookup of the
 * device a command names.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>

#include "core/guid.h"
#include "device/dcd.h"
#include "qmp/qmp_env.h"

/* QMP's names of TmDcSelectionPolicy values, in its order; NULL-terminated. */
extern const char *const tm_qmp_cxl_selection_policies[];

/*
 * The "tag" argument of @args: absent (or the null GUID) means untagged.
 * QEMU takes any string and ignores it; tagmem refuses what is not a GUID
 * (docs/qemu-compat.md).
 */
bool tm_qmp_cxl_parse_tag(json_object *args, TmGuid *tag, GError **err);

/* The canonical lower-case string of @guid. */
json_object *tm_qmp_cxl_guid(const TmGuid *guid);

/* {"region", "offset", "dpa", "len", "shared-seq"[, "tag"]} */
json_object *tm_qmp_cxl_extent(const TmDcd *dev, const TmBackedExtent *extent);

/* A JSON array of @n_extents extents. */
json_object *tm_qmp_cxl_extent_list(const TmDcd *dev, const TmBackedExtent *extents,
                                    guint n_extents);

/* The host ids in @set below @num_hosts, as a JSON array. */
json_object *tm_qmp_cxl_host_list(const TmHostSet *set, uint16_t num_hosts);

/*
 * The device @path names, as QEMU's object_resolve_path_type(path,
 * "cxl-type3") finds it; NULL with "Unable to resolve CXL type 3 device".
 */
TmDcd *tm_qmp_cxl_resolve_device(TmQmpEnv *env, const char *path, GError **err);
