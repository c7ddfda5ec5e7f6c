#include "http/redfish_connections.h"

#include <stdlib.h>
#include <string.h>

#include "core/guid.h"
#include "http/redfish_json.h"

bool tm_redfish_host_endpoint_parse(TmDeviceRegistry *devices, const char *id, TmDcd **dev,
                                    uint16_t *host)
{
    const char *mark = g_strrstr(id, "-host-");
    char *end = NULL;

    if (mark == NULL || !g_ascii_isdigit(mark[6]) || (mark[6] == '0' && mark[7] != '\0')) {
        return false;
    }
    unsigned long index = strtoul(mark + 6, &end, 10);
    g_autofree char *device = g_strndup(id, mark - id);
    *dev = tm_device_registry_find(devices, device);
    if (*end != '\0' || *dev == NULL || index >= tm_dcd_num_hosts(*dev)) {
        return false;
    }
    *host = (uint16_t)index;
    return true;
}

static bool connection_live(const TmDcd *dev, uint16_t host, const TmGuid *tag)
{
    TmDcTagState state = tm_dcd_tag_state(dev, tag, host);

    return state == TM_DC_TAG_PENDING || state == TM_DC_TAG_COMMITTED;
}

bool tm_redfish_connection_parse(TmDeviceRegistry *devices, const char *id, TmDcd **dev,
                                 uint16_t *host, TmGuid *tag)
{
    size_t len = strlen(id);

    if (len < TM_GUID_STRING_LEN + 2 || id[len - TM_GUID_STRING_LEN - 1] != '-') {
        return false;
    }
    const char *tag_text = id + len - TM_GUID_STRING_LEN;
    g_autofree char *endpoint = g_strndup(id, len - TM_GUID_STRING_LEN - 1);
    if (!tm_redfish_host_endpoint_parse(devices, endpoint, dev, host) ||
        !tm_guid_parse(tag_text, "tag", tag, NULL)) {
        return false;
    }
    /* One spelling per connection: the tag's canonical (lower-case) form. */
    g_autofree char *canonical = tm_guid_to_string(tag);
    return strcmp(canonical, tag_text) == 0 && connection_live(*dev, *host, tag);
}

char *tm_redfish_chunk_uri(const TmDcd *dev, unsigned region, const TmGuid *tag)
{
    g_autofree char *text = tm_guid_to_string(tag);

    return g_strdup_printf("/redfish/v1/Chassis/%s/MemoryDomains/%u/MemoryChunks/%s",
                           tm_dcd_id(dev), region, text);
}

static json_object *one_link(const char *odata_id)
{
    json_object *list = json_object_new_array();

    json_object_array_add(list, tm_redfish_link(odata_id));
    return list;
}

static char *connection_id(const TmDcd *dev, uint16_t host, const TmGuid *tag)
{
    g_autofree char *text = tm_guid_to_string(tag);

    return g_strdup_printf("%s-host-%u-%s", tm_dcd_id(dev), host, text);
}

static json_object *connection(const TmDcd *dev, uint16_t host, const TmGuid *tag)
{
    g_autofree char *id = connection_id(dev, host, tag);
    g_autofree char *odata_id = g_strdup_printf(TM_REDFISH_CONNECTIONS "/%s", id);
    g_autofree char *initiator = g_strdup_printf(TM_REDFISH_ENDPOINTS "/%s-host-%u",
                                                 tm_dcd_id(dev), host);
    g_autofree char *target = g_strdup_printf(TM_REDFISH_ENDPOINTS "/%s-target", tm_dcd_id(dev));
    TmDcTagInfo info;
    bool known = tm_dcd_find_tag(dev, tag, &info);
    g_assert(known); /* a live connection's tag */
    g_autofree char *chunk = tm_redfish_chunk_uri(dev, info.region, tag);
    json_object *obj = json_object_new_object();
    json_object *chunk_info = json_object_new_object();
    json_object *access = json_object_new_array();
    json_object *links = json_object_new_object();
    json_object *oem = json_object_new_object();
    json_object *oem_root = json_object_new_object();
    TmDcTagState state = tm_dcd_tag_state(dev, tag, host);

    json_object_object_add(obj, "@odata.id", json_object_new_string(odata_id));
    json_object_object_add(obj, "@odata.type",
                           json_object_new_string("#Connection.v1_3_0.Connection"));
    json_object_object_add(obj, "Id", json_object_new_string(id));
    json_object_object_add(obj, "Name", json_object_new_string(id));
    json_object_object_add(obj, "ConnectionType", json_object_new_string("Memory"));
    json_object_array_add(access, json_object_new_string("Read"));
    json_object_array_add(access, json_object_new_string("Write"));
    json_object_object_add(chunk_info, "AccessCapabilities", access);
    json_object_object_add(chunk_info, "MemoryChunk", tm_redfish_link(chunk));
    json_object *chunks = json_object_new_array();
    json_object_array_add(chunks, chunk_info);
    json_object_object_add(obj, "MemoryChunkInfo", chunks);
    json_object_object_add(links, "InitiatorEndpoints", one_link(initiator));
    json_object_object_add(links, "TargetEndpoints", one_link(target));
    json_object_object_add(obj, "Links", links);
    json_object_object_add(oem, "HostId", json_object_new_int(host));
    json_object_object_add(oem, "TagState", json_object_new_string(tm_dc_tag_state_name(state)));
    json_object_object_add(oem_root, "Tagmem", oem);
    json_object_object_add(obj, "Oem", oem_root);
    return obj;
}

static json_object *collection(TmDeviceRegistry *devices)
{
    g_autoptr(GPtrArray) list = tm_device_registry_list(devices);
    json_object *obj = json_object_new_object();
    json_object *members = json_object_new_array();

    json_object_object_add(obj, "@odata.id", json_object_new_string(TM_REDFISH_CONNECTIONS));
    json_object_object_add(obj, "@odata.type",
                           json_object_new_string("#ConnectionCollection.ConnectionCollection"));
    json_object_object_add(obj, "Name", json_object_new_string("Connection Collection"));
    for (guint d = 0; d < list->len; d++) {
        const TmDcd *dev = g_ptr_array_index(list, d);
        for (guint t = 0; t < tm_dcd_tag_count(dev); t++) {
            TmDcTagInfo info = tm_dcd_tag_info(dev, t);
            for (uint16_t host = 0; host < tm_dcd_num_hosts(dev); host++) {
                if (tm_host_set_contains(&info.pending_hosts, host) ||
                    tm_host_set_contains(&info.committed_hosts, host)) {
                    g_autofree char *id = connection_id(dev, host, &info.tag);
                    g_autofree char *member = g_strdup_printf(TM_REDFISH_CONNECTIONS "/%s", id);
                    json_object_array_add(members, tm_redfish_link(member));
                }
            }
        }
    }
    json_object_object_add(obj, "Members@odata.count",
                           json_object_new_int((int)json_object_array_length(members)));
    json_object_object_add(obj, "Members", members);
    return obj;
}

json_object *tm_redfish_connections_get(TmDeviceRegistry *devices, const char *member)
{
    TmDcd *dev;
    uint16_t host;
    TmGuid tag;

    if (member == NULL) {
        return collection(devices);
    }
    return tm_redfish_connection_parse(devices, member, &dev, &host, &tag)
        ? connection(dev, host, &tag) : NULL;
}
