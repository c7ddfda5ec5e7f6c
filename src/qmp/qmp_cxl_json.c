#include "qmp/qmp_cxl_json.h"

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
