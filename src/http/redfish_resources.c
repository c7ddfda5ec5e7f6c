#include "http/redfish_resources.h"

#include <stdlib.h>
#include <string.h>

#include "core/guid.h"
#include "http/redfish_dpa_map.h"
#include "http/redfish_features.h"
#include "http/redfish_memory.h"
#include "http/redfish_connections.h"
#include "http/redfish_json.h"

typedef struct {
    TmDeviceRegistry *devices;
    char **segments; /* after "/redfish/v1" */
    guint n_segments;
} TmRedfishPath;

static json_object *service_root(void)
{
    json_object *root = tm_redfish_object("/redfish/v1", "#ServiceRoot.v1_16_0.ServiceRoot",
                                          "RootService", "tagmem Redfish service");
    json_object_object_add(root, "RedfishVersion", json_object_new_string("1.18.0"));
    json_object_object_add(root, "Chassis", tm_redfish_link("/redfish/v1/Chassis"));
    json_object_object_add(root, "Fabrics", tm_redfish_link("/redfish/v1/Fabrics"));
    json_object_object_add(root, "EventService", tm_redfish_link("/redfish/v1/EventService"));
    json_object_object_add(root, "ProtocolFeaturesSupported", tm_redfish_protocol_features());
    json_object_object_add(root, "SessionService", tm_redfish_link("/redfish/v1/SessionService"));
    json_object_object_add(root, "TaskService", tm_redfish_link("/redfish/v1/TaskService"));
    json_object *links = json_object_new_object();
    json_object_object_add(links, "Sessions",
                           tm_redfish_link("/redfish/v1/SessionService/Sessions"));
    json_object_object_add(root, "Links", links);
    return root;
}

static GPtrArray *device_ids(TmDeviceRegistry *devices, const char *suffix)
{
    g_autoptr(GPtrArray) list = tm_device_registry_list(devices);
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < list->len; i++) {
        g_ptr_array_add(ids, g_strconcat(tm_dcd_id(g_ptr_array_index(list, i)), suffix, NULL));
    }
    return ids;
}

static json_object *chassis(const TmDcd *dev)
{
    g_autofree char *id = g_strdup_printf("/redfish/v1/Chassis/%s", tm_dcd_id(dev));
    g_autofree char *domains = g_strdup_printf("%s/MemoryDomains", id);
    g_autofree char *serial = g_strdup_printf("%016" G_GINT64_MODIFIER "x", tm_dcd_serial(dev));
    json_object *obj = tm_redfish_object(id, "#Chassis.v1_23_0.Chassis", tm_dcd_id(dev),
                                         tm_dcd_id(dev));

    json_object_object_add(obj, "ChassisType", json_object_new_string("Module"));
    json_object_object_add(obj, "SerialNumber", json_object_new_string(serial));
    json_object_object_add(obj, "MemoryDomains", tm_redfish_link(domains));
    g_autofree char *memory = g_strdup_printf("%s/Memory", id);
    json_object_object_add(obj, "Memory", tm_redfish_link(memory));
    g_autofree char *map = g_strdup_printf("%s/Oem/Tagmem/DPAMap", id);
    json_object *oem = json_object_new_object();
    json_object *tagmem = json_object_new_object();
    json_object_object_add(tagmem, "DPAMap", tm_redfish_link(map));
    json_object_object_add(oem, "Tagmem", tagmem);
    json_object_object_add(obj, "Oem", oem);
    return obj;
}

/* Index of @text as a region of @dev, or -1 (decimal only, no sign). */
static int region_index(const TmDcd *dev, const char *text)
{
    char *end = NULL;

    if (!g_ascii_isdigit(text[0]) || (text[0] == '0' && text[1] != '\0')) {
        return -1;
    }
    unsigned long index = strtoul(text, &end, 10);
    return *end == '\0' && index < tm_dcd_num_regions(dev) ? (int)index : -1;
}

static json_object *memory_domain(const TmDcd *dev, unsigned index)
{
    const TmDcRegion *region = tm_dcd_region(dev, index);
    g_autofree char *name = g_strdup_printf("%u", index);
    g_autofree char *id = g_strdup_printf("/redfish/v1/Chassis/%s/MemoryDomains/%u",
                                          tm_dcd_id(dev), index);
    g_autofree char *chunks = g_strdup_printf("%s/MemoryChunks", id);
    g_autofree char *title = g_strdup_printf("DC region %u", index);
    json_object *obj = tm_redfish_object(id, "#MemoryDomain.v1_5_0.MemoryDomain", name, title);
    json_object *oem = json_object_new_object();

    /* CXL r3.1 8.2.9.9.9.1: extents are whole blocks of the region. */
    json_object_object_add(obj, "AllowsMemoryChunkCreation", json_object_new_boolean(true));
    json_object_object_add(obj, "MemorySizeMiB", json_object_new_int64(region->len >> 20));
    json_object_object_add(obj, "MemoryChunks", tm_redfish_link(chunks));
    json_object_object_add(oem, "BaseDPA", json_object_new_int64(region->base));
    json_object_object_add(oem, "BlockSizeBytes", json_object_new_int64(region->block_size));
    json_object_object_add(oem, "Sharable", json_object_new_boolean(region->sharable));
    json_object_object_add(oem, "SanitizeOnRelease",
                           json_object_new_boolean(region->sanitize_on_release));
    json_object *oem_root = json_object_new_object();
    json_object_object_add(oem_root, "Tagmem", oem);
    json_object_object_add(obj, "Oem", oem_root);
    return obj;
}

/* A tag is a chunk of its region while some host has it or the FM holds it. */
static bool chunk_is_live(const TmDcTagInfo *info)
{
    return info->state == TM_DC_TAG_PENDING || info->state == TM_DC_TAG_COMMITTED ||
           info->referenced;
}

static GPtrArray *chunk_ids(const TmDcd *dev, unsigned region)
{
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < tm_dcd_tag_count(dev); i++) {
        TmDcTagInfo info = tm_dcd_tag_info(dev, i);
        if (info.region == region && chunk_is_live(&info)) {
            g_ptr_array_add(ids, tm_guid_to_string(&info.tag));
        }
    }
    return ids;
}

static json_object *host_list(const TmDcd *dev, const TmHostSet *set)
{
    json_object *hosts = json_object_new_array();

    for (uint16_t host = 0; host < tm_dcd_num_hosts(dev); host++) {
        if (tm_host_set_contains(set, host)) {
            json_object_array_add(hosts, json_object_new_int(host));
        }
    }
    return hosts;
}

/* Redfish Status.State for a tag: accepted capacity is in service. */
static const char *chunk_state(TmDcTagState state)
{
    return state == TM_DC_TAG_COMMITTED ? "Enabled" : state == TM_DC_TAG_PENDING ? "Starting"
                                                                                : "StandbyOffline";
}

static json_object *memory_chunk(const TmDcd *dev, unsigned region, const TmDcTagInfo *info)
{
    g_autofree char *tag = tm_guid_to_string(&info->tag);
    g_autofree char *id = g_strdup_printf("/redfish/v1/Chassis/%s/MemoryDomains/%u/MemoryChunks/%s",
                                          tm_dcd_id(dev), region, tag);
    json_object *obj = tm_redfish_object(id, "#MemoryChunks.v1_6_0.MemoryChunks", tag, tag);
    json_object *status = json_object_new_object();
    json_object *oem = json_object_new_object();
    json_object *oem_root = json_object_new_object();

    json_object_object_add(obj, "MemoryChunkSizeMiB", json_object_new_int64(info->allocated >> 20));
    json_object_object_add(obj, "AddressRangeType", json_object_new_string("Volatile"));
    json_object_object_add(status, "State", json_object_new_string(chunk_state(info->state)));
    json_object_object_add(obj, "Status", status);
    json_object_object_add(oem, "Tag", json_object_new_string(tag));
    json_object_object_add(oem, "SizeBytes", json_object_new_int64(info->allocated));
    json_object_object_add(oem, "TagState",
                           json_object_new_string(tm_dc_tag_state_name(info->state)));
    json_object_object_add(oem, "PendingHosts", host_list(dev, &info->pending_hosts));
    json_object_object_add(oem, "CommittedHosts", host_list(dev, &info->committed_hosts));
    json_object_object_add(oem, "FMReference", json_object_new_boolean(info->referenced));
    json_object_object_add(oem_root, "Tagmem", oem);
    json_object_object_add(obj, "Oem", oem_root);
    return obj;
}

static json_object *chunk_resource(const TmDcd *dev, unsigned region, const char *text)
{
    TmGuid tag;
    TmDcTagInfo info;

    if (!tm_guid_parse(text, "tag", &tag, NULL) || !tm_dcd_find_tag(dev, &tag, &info) ||
        info.region != region || !chunk_is_live(&info)) {
        return NULL;
    }
    /* Only the canonical spelling names the resource (one URI per chunk). */
    g_autofree char *canonical = tm_guid_to_string(&tag);
    return strcmp(canonical, text) == 0 ? memory_chunk(dev, region, &info) : NULL;
}

static json_object *chassis_tree(const TmRedfishPath *path)
{
    char **seg = path->segments;
    guint n = path->n_segments;

    if (n == 1) {
        g_autoptr(GPtrArray) ids = device_ids(path->devices, "");
        return tm_redfish_collection("/redfish/v1/Chassis",
                                     "#ChassisCollection.ChassisCollection", "Chassis Collection",
                                     ids);
    }
    TmDcd *dev = tm_device_registry_find(path->devices, seg[1]);
    if (dev != NULL && n == 5 && strcmp(seg[2], "Oem") == 0 && strcmp(seg[3], "Tagmem") == 0 &&
        strcmp(seg[4], "DPAMap") == 0) {
        return tm_redfish_dpa_map(dev);
    }
    if (dev != NULL && n >= 3 && strcmp(seg[2], "Memory") == 0) {
        return tm_redfish_memory(dev, seg + 3, n - 3);
    }
    if (dev == NULL || (n >= 3 && strcmp(seg[2], "MemoryDomains") != 0)) {
        return NULL;
    }
    if (n == 2) {
        return chassis(dev);
    }
    g_autofree char *domains = g_strdup_printf("/redfish/v1/Chassis/%s/MemoryDomains", seg[1]);
    if (n == 3) {
        g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
        for (unsigned i = 0; i < tm_dcd_num_regions(dev); i++) {
            g_ptr_array_add(ids, g_strdup_printf("%u", i));
        }
        return tm_redfish_collection(domains, "#MemoryDomainCollection.MemoryDomainCollection",
                                     "Memory Domain Collection", ids);
    }
    int region = region_index(dev, seg[3]);
    if (region < 0 || (n >= 5 && strcmp(seg[4], "MemoryChunks") != 0) || n > 6) {
        return NULL;
    }
    if (n == 4) {
        return memory_domain(dev, region);
    }
    if (n == 6) {
        return chunk_resource(dev, region, seg[5]);
    }
    g_autofree char *chunks = g_strdup_printf("%s/%d/MemoryChunks", domains, region);
    g_autoptr(GPtrArray) ids = chunk_ids(dev, region);
    return tm_redfish_collection(chunks, "#MemoryChunksCollection.MemoryChunksCollection",
                                 "Memory Chunks Collection", ids);
}

/* Endpoint ids: "DEV-target" for a device, "DEV-host-N" for its host N. */
static GPtrArray *endpoint_ids(TmDeviceRegistry *devices)
{
    g_autoptr(GPtrArray) list = tm_device_registry_list(devices);
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < list->len; i++) {
        const TmDcd *dev = g_ptr_array_index(list, i);
        g_ptr_array_add(ids, g_strdup_printf("%s-target", tm_dcd_id(dev)));
        for (uint16_t host = 0; host < tm_dcd_num_hosts(dev); host++) {
            g_ptr_array_add(ids, g_strdup_printf("%s-host-%u", tm_dcd_id(dev), host));
        }
    }
    return ids;
}

static json_object *endpoint(const char *id, const char *role, const char *entity_type)
{
    g_autofree char *odata_id = g_strdup_printf("/redfish/v1/Fabrics/CXL/Endpoints/%s", id);
    json_object *obj = tm_redfish_object(odata_id, "#Endpoint.v1_8_0.Endpoint", id, id);
    json_object *entity = json_object_new_object();
    json_object *entities = json_object_new_array();

    json_object_object_add(obj, "EndpointProtocol", json_object_new_string("CXL"));
    json_object_object_add(entity, "EntityRole", json_object_new_string(role));
    json_object_object_add(entity, "EntityType", json_object_new_string(entity_type));
    json_object_array_add(entities, entity);
    json_object_object_add(obj, "ConnectedEntities", entities);
    return obj;
}

static json_object *fabric_tree(const TmRedfishPath *path)
{
    char **seg = path->segments;
    guint n = path->n_segments;

    if (n == 1) {
        g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(ids, g_strdup("CXL"));
        return tm_redfish_collection("/redfish/v1/Fabrics", "#FabricCollection.FabricCollection",
                                     "Fabric Collection", ids);
    }
    if (strcmp(seg[1], "CXL") != 0 || n > 4) {
        return NULL;
    }
    if (n >= 3 && strcmp(seg[2], "Connections") == 0) {
        return tm_redfish_connections_get(path->devices, n == 4 ? seg[3] : NULL);
    }
    if (n >= 3 && strcmp(seg[2], "Endpoints") != 0) {
        return NULL;
    }
    if (n == 2) {
        json_object *fabric = tm_redfish_object("/redfish/v1/Fabrics/CXL",
                                                "#Fabric.v1_3_0.Fabric", "CXL", "CXL fabric");
        json_object_object_add(fabric, "FabricType", json_object_new_string("CXL"));
        json_object_object_add(fabric, "Endpoints",
                               tm_redfish_link("/redfish/v1/Fabrics/CXL/Endpoints"));
        json_object_object_add(fabric, "Connections", tm_redfish_link(TM_REDFISH_CONNECTIONS));
        return fabric;
    }
    g_autoptr(GPtrArray) ids = endpoint_ids(path->devices);
    if (n == 3) {
        return tm_redfish_collection("/redfish/v1/Fabrics/CXL/Endpoints",
                                     "#EndpointCollection.EndpointCollection",
                                     "Endpoint Collection", ids);
    }
    for (guint i = 0; i < ids->len; i++) {
        const char *id = g_ptr_array_index(ids, i);
        if (strcmp(id, seg[3]) == 0) {
            bool target = g_str_has_suffix(id, "-target");
            return endpoint(id, target ? "Target" : "Initiator",
                            target ? "MemoryChunk" : "Processor");
        }
    }
    return NULL;
}

static json_object *route(const TmRedfishPath *path)
{
    if (path->n_segments == 0) {
        return service_root();
    }
    if (strcmp(path->segments[0], "Chassis") == 0) {
        return chassis_tree(path);
    }
    if (strcmp(path->segments[0], "Fabrics") == 0) {
        return fabric_tree(path);
    }
    return NULL;
}

void tm_redfish_resource_add_etag(json_object *obj)
{
    const char *text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
    g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);

    sum[16] = '\0';
    g_autofree char *etag = g_strdup_printf("W/\"%s\"", sum);
    json_object_object_add(obj, "@odata.etag", json_object_new_string(etag));
}

static json_object *versions(void)
{
    json_object *obj = json_object_new_object();

    json_object_object_add(obj, "v1", json_object_new_string("/redfish/v1/"));
    return obj;
}

json_object *tm_redfish_resource_get(TmDeviceRegistry *devices, const char *path)
{
    g_autofree char *trimmed = g_strdup(path);
    size_t len = strlen(trimmed);

    /* "/redfish/v1/" and "/redfish/v1" name the same resource (DSP0266 §6.3). */
    if (len > 1 && trimmed[len - 1] == '/') {
        trimmed[len - 1] = '\0';
    }
    if (strcmp(trimmed, "/redfish") == 0) {
        return versions();
    }
    if (!g_str_has_prefix(trimmed, "/redfish/v1") ||
        (trimmed[11] != '\0' && trimmed[11] != '/')) {
        return NULL;
    }
    /* "/redfish/v1//": g_strsplit() makes no segment of "", the root must not answer. */
    if (trimmed[11] == '/' && trimmed[12] == '\0') {
        return NULL;
    }
    g_auto(GStrv) segments = g_strsplit(trimmed[11] ? trimmed + 12 : "", "/", -1);
    TmRedfishPath parsed = { devices, segments, g_strv_length(segments) };
    for (guint i = 0; i < parsed.n_segments; i++) {
        /* Empty, "." and ".." segments never name a resource. */
        if (segments[i][0] == '\0' || strcmp(segments[i], ".") == 0 ||
            strcmp(segments[i], "..") == 0) {
            return NULL;
        }
    }
    json_object *obj = route(&parsed);
    if (obj != NULL) {
        tm_redfish_resource_add_etag(obj);
    }
    return obj;
}
