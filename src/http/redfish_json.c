#include "http/redfish_json.h"

json_object *tm_redfish_link(const char *odata_id)
{
    json_object *obj = json_object_new_object();

    json_object_object_add(obj, "@odata.id", json_object_new_string(odata_id));
    return obj;
}

json_object *tm_redfish_object(const char *odata_id, const char *type, const char *id,
                               const char *name)
{
    json_object *obj = tm_redfish_link(odata_id);

    json_object_object_add(obj, "@odata.type", json_object_new_string(type));
    if (id != NULL) {
        json_object_object_add(obj, "Id", json_object_new_string(id));
    }
    json_object_object_add(obj, "Name", json_object_new_string(name));
    return obj;
}

json_object *tm_redfish_collection(const char *odata_id, const char *type, const char *name,
                                   GPtrArray *member_ids)
{
    json_object *obj = tm_redfish_object(odata_id, type, NULL, name);
    json_object *members = json_object_new_array();

    for (guint i = 0; i < member_ids->len; i++) {
        g_autofree char *member = g_strdup_printf("%s/%s", odata_id,
                                                  (char *)g_ptr_array_index(member_ids, i));
        json_object_array_add(members, tm_redfish_link(member));
    }
    json_object_object_add(obj, "Members", members);
    json_object_object_add(obj, "Members@odata.count", json_object_new_int(member_ids->len));
    return obj;
}
