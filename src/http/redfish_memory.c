#include "http/redfish_memory.h"
#include "http/redfish_json.h"

#include <string.h>

#define MEMORY_ID "DC"

static json_object *collection(const TmDcd *dev, const char *base)
{
    g_autofree char *member = g_strdup_printf("%s/" MEMORY_ID, base);
    json_object *obj = json_object_new_object();
    json_object *members = json_object_new_array();

    json_object_object_add(obj, "@odata.id", json_object_new_string(base));
    json_object_object_add(obj, "@odata.type",
                           json_object_new_string("#MemoryCollection.MemoryCollection"));
    json_object_object_add(obj, "Name", json_object_new_string("Memory Collection"));
    json_object_array_add(members, tm_redfish_link(member));
    json_object_object_add(obj, "Members", members);
    json_object_object_add(obj, "Members@odata.count", json_object_new_int(1));
    return obj;
}

/* Memory.v1 RegionSet: one per DC region, at its offset in the device's DPA space. */
static json_object *regions(const TmDcd *dev)
{
    json_object *list = json_object_new_array();

    for (unsigned i = 0; i < tm_dcd_num_regions(dev); i++) {
        const TmDcRegion *region = tm_dcd_region(dev, i);
        json_object *obj = json_object_new_object();
        g_autofree char *id = g_strdup_printf("%u", i);
        json_object_object_add(obj, "RegionId", json_object_new_string(id));
        json_object_object_add(obj, "MemoryClassification", json_object_new_string("Volatile"));
        json_object_object_add(obj, "OffsetMiB", json_object_new_int64(region->base >> 20));
        json_object_object_add(obj, "SizeMiB", json_object_new_int64(region->len >> 20));
        json_object_object_add(obj, "PassphraseEnabled", json_object_new_boolean(false));
        json_object_array_add(list, obj);
    }
    return list;
}

static json_object *memory(const TmDcd *dev, const char *base)
{
    g_autofree char *id = g_strdup_printf("%s/" MEMORY_ID, base);
    g_autofree char *name = g_strdup_printf("Dynamic Capacity of %s", tm_dcd_id(dev));
    g_autofree char *domains = g_strdup_printf("/redfish/v1/Chassis/%s/MemoryDomains",
                                               tm_dcd_id(dev));
    json_object *obj = json_object_new_object();
    json_object *media = json_object_new_array();
    json_object *status = json_object_new_object();
    uint64_t total = 0;

    for (unsigned i = 0; i < tm_dcd_num_regions(dev); i++) {
        total += tm_dcd_region(dev, i)->len;
    }
    json_object_object_add(obj, "@odata.id", json_object_new_string(id));
    json_object_object_add(obj, "@odata.type", json_object_new_string("#Memory.v1_17_0.Memory"));
    json_object_object_add(obj, "Id", json_object_new_string(MEMORY_ID));
    json_object_object_add(obj, "Name", json_object_new_string(name));
    json_object_object_add(obj, "MemoryType", json_object_new_string("DRAM"));
    json_object_array_add(media, json_object_new_string("DRAM"));
    json_object_object_add(obj, "MemoryMedia", media);
    json_object_object_add(obj, "CapacityMiB", json_object_new_int64(total >> 20));
    json_object_object_add(obj, "Regions", regions(dev));
    json_object_object_add(status, "State", json_object_new_string("Enabled"));
    json_object_object_add(obj, "Status", status);
    /* Where its capacity is handed out: the regions as MemoryDomains. */
    json_object *oem = json_object_new_object();
    json_object *tagmem = json_object_new_object();
    json_object_object_add(tagmem, "MemoryDomains", tm_redfish_link(domains));
    json_object_object_add(oem, "Tagmem", tagmem);
    json_object_object_add(obj, "Oem", oem);
    return obj;
}

json_object *tm_redfish_memory(const TmDcd *dev, char **rest, unsigned n)
{
    g_autofree char *base = g_strdup_printf("/redfish/v1/Chassis/%s/Memory", tm_dcd_id(dev));

    if (n == 0) {
        return collection(dev, base);
    }
    return n == 1 && strcmp(rest[0], MEMORY_ID) == 0 ? memory(dev, base) : NULL;
}
