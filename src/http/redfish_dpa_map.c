#include "http/redfish_dpa_map.h"

#include "core/guid.h"

typedef struct {
    json_object *extents;
    json_object *tags;
    GHashTable *tag_index;  /* tag text -> index in tags + 1 */
    uint16_t host;
} MapBuilder;

static int tag_index(MapBuilder *map, const TmGuid *tag)
{
    if (tm_guid_is_null(tag)) {
        return -1;
    }
    char *text = tm_guid_to_string(tag);
    gpointer found = g_hash_table_lookup(map->tag_index, text);
    if (found != NULL) {
        g_free(text);
        return GPOINTER_TO_INT(found) - 1;
    }
    int index = (int)json_object_array_length(map->tags);
    json_object_array_add(map->tags, json_object_new_string(text));
    g_hash_table_insert(map->tag_index, text, GINT_TO_POINTER(index + 1));
    return index;
}

static void add_extent(MapBuilder *map, const TmBackedExtent *extent, bool accepted)
{
    json_object *row = json_object_new_array_ext(5);

    json_object_array_add(row, json_object_new_int(map->host));
    json_object_array_add(row, json_object_new_uint64(extent->extent.dpa));
    json_object_array_add(row, json_object_new_uint64(extent->extent.length));
    json_object_array_add(row, json_object_new_int(accepted));
    json_object_array_add(row, json_object_new_int(tag_index(map, &extent->extent.tag)));
    json_object_array_add(map->extents, row);
}

static void add_group(const TmDcPendingGroupInfo *group, void *opaque)
{
    for (guint i = 0; i < group->n_extents; i++) {
        add_extent(opaque, &group->extents[i], false);
    }
}

static json_object *regions(const TmDcd *dev)
{
    json_object *list = json_object_new_array();

    for (unsigned i = 0; i < tm_dcd_num_regions(dev); i++) {
        const TmDcRegion *region = tm_dcd_region(dev, i);
        json_object *obj = json_object_new_object();
        json_object_object_add(obj, "Index", json_object_new_int((int)i));
        json_object_object_add(obj, "BaseDPA", json_object_new_uint64(region->base));
        json_object_object_add(obj, "Length", json_object_new_uint64(region->len));
        json_object_object_add(obj, "BlockSizeBytes", json_object_new_uint64(region->block_size));
        json_object_object_add(obj, "Sharable", json_object_new_boolean(region->sharable));
        json_object_array_add(list, obj);
    }
    return list;
}

static json_object *field_names(void)
{
    static const char *const names[] = { "Host", "DPA", "Length", "Accepted", "Tag" };
    json_object *list = json_object_new_array();

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        json_object_array_add(list, json_object_new_string(names[i]));
    }
    return list;
}

json_object *tm_redfish_dpa_map(const TmDcd *dev)
{
    g_autofree char *id = g_strdup_printf("/redfish/v1/Chassis/%s/Oem/Tagmem/DPAMap",
                                          tm_dcd_id(dev));
    g_autofree char *name = g_strdup_printf("DPA map of %s", tm_dcd_id(dev));
    g_autoptr(GHashTable) index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    MapBuilder map = {
        .extents = json_object_new_array(), .tags = json_object_new_array(), .tag_index = index,
    };
    json_object *obj = json_object_new_object();

    for (map.host = 0; map.host < tm_dcd_num_hosts(dev); map.host++) {
        guint accepted = tm_dcd_host_accepted_count(dev, map.host);
        for (guint i = 0; i < accepted; i++) {
            add_extent(&map, tm_dcd_host_accepted(dev, map.host, i), true);
        }
        tm_dcd_host_foreach_pending_group(dev, map.host, add_group, &map);
    }
    json_object_object_add(obj, "@odata.id", json_object_new_string(id));
    json_object_object_add(obj, "@odata.type",
                           json_object_new_string("#TagmemDPAMap.v1_0_0.TagmemDPAMap"));
    json_object_object_add(obj, "Id", json_object_new_string("DPAMap"));
    json_object_object_add(obj, "Name", json_object_new_string(name));
    json_object_object_add(obj, "Device", json_object_new_string(tm_dcd_id(dev)));
    json_object_object_add(obj, "Hosts", json_object_new_int(tm_dcd_num_hosts(dev)));
    json_object_object_add(obj, "Regions", regions(dev));
    json_object_object_add(obj, "ExtentFields", field_names());
    json_object_object_add(obj, "Extents", map.extents);
    json_object_object_add(obj, "Tags", map.tags);
    return obj;
}
