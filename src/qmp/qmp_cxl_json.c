#include "qmp/qmp_cxl_json.h"

#include <string.h>

#include "core/error.h"
#include "qmp/qmp_args.h"
#include "qmp/qom_path.h"

/* In the order of the FM-API encoding (CXL r3.2 5604h), so the index is the value. */
const char *const tm_qmp_cxl_selection_policies[] = {
    "free", "contiguous", "prescriptive", "enable-shared-access", NULL,
};

_Static_assert(TM_DC_SELECT_FREE == 0 && TM_DC_SELECT_CONTIGUOUS == 1 &&
               TM_DC_SELECT_PRESCRIPTIVE == 2 && TM_DC_SELECT_ENABLE_SHARED_ACCESS == 3,
               "tm_qmp_cxl_selection_policies[] follows TmDcSelectionPolicy");

bool tm_qmp_cxl_parse_tag(json_object *args, TmGuid *tag, GError **err)
{
    const char *text = tm_qmp_arg_str(args, "tag", NULL);

    memset(tag, 0, sizeof(*tag));
    return text == NULL || tm_guid_parse(text, "tag", tag, err);
}

json_object *tm_qmp_cxl_guid(const TmGuid *guid)
{
    char text[TM_GUID_STRING_LEN + 1];

    tm_guid_format(guid, text);
    return json_object_new_string(text);
}

json_object *tm_qmp_cxl_extent(const TmDcd *dev, const TmBackedExtent *extent)
{
    const TmDcRegion *region = tm_dcd_region(dev, extent->region);
    json_object *json = json_object_new_object();

    json_object_object_add(json, "region", json_object_new_uint64(extent->region));
    json_object_object_add(json, "offset", json_object_new_uint64(extent->extent.dpa -
                                                                  region->base));
    json_object_object_add(json, "dpa", json_object_new_uint64(extent->extent.dpa));
    json_object_object_add(json, "len", json_object_new_uint64(extent->extent.length));
    json_object_object_add(json, "shared-seq", json_object_new_uint64(extent->extent.shared_seq));
    if (!tm_guid_is_null(&extent->extent.tag)) {
        json_object_object_add(json, "tag", tm_qmp_cxl_guid(&extent->extent.tag));
    }
    return json;
}

json_object *tm_qmp_cxl_extent_list(const TmDcd *dev, const TmBackedExtent *extents,
                                    guint n_extents)
{
    json_object *list = json_object_new_array_ext((int)n_extents);

    for (guint i = 0; i < n_extents; i++) {
        json_object_array_add(list, tm_qmp_cxl_extent(dev, &extents[i]));
    }
    return list;
}

json_object *tm_qmp_cxl_host_list(const TmHostSet *set, uint16_t num_hosts)
{
    json_object *list = json_object_new_array();

    for (uint16_t h = 0; h < num_hosts; h++) {
        if (tm_host_set_contains(set, h)) {
            json_object_array_add(list, json_object_new_uint64(h));
        }
    }
    return list;
}

/*
 * QEMU's object_resolve_path_type(path, "cxl-type3"): an absolute QOM
 * path, or a partial one, which for a device is its id.
 */
TmDcd *tm_qmp_cxl_resolve_device(TmQmpEnv *env, const char *path, GError **err)
{
    TmDcd *dev = NULL;
    TmQomNode node;

    if (path[0] == '/') {
        if (tm_qom_resolve(env, path, &node, NULL) && node.object &&
            tm_object_is_a(node.object, &tm_dcd_class)) {
            dev = tm_dcd_from_object(node.object);
        }
    } else if (env->devices) {
        dev = tm_device_registry_find(env->devices, path);
    }
    if (dev == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Unable to resolve CXL type 3 device");
    }
    return dev;
}

