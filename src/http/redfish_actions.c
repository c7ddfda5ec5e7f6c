#include "http/redfish_actions.h"

#include <stdlib.h>
#include <string.h>

#include "backend/hostmem.h"
#include "core/guid.h"
#include "http/redfish_body.h"
#include "http/redfish_connections.h"

#define CHUNKS_SEGMENTS 8     /* "", redfish, v1, Chassis, DEV, MemoryDomains, N, MemoryChunks */
#define CONNECTIONS_SEGMENTS 6 /* "", redfish, v1, Fabrics, CXL, Connections */

typedef enum {
    PATH_OTHER,
    PATH_CHUNKS,
    PATH_CHUNK,
    PATH_CONNECTIONS,
    PATH_CONNECTION,
    PATH_SESSIONS,
    PATH_SESSION,
    PATH_SESSION_SERVICE,
} PathKind;

static PathKind path_kind(const char *path)
{
    g_auto(GStrv) seg = g_strsplit(path, "/", -1);
    guint n = g_strv_length(seg);

    if (g_str_has_prefix(path, "/redfish/v1/Chassis/") && n >= CHUNKS_SEGMENTS &&
        strcmp(seg[CHUNKS_SEGMENTS - 1], "MemoryChunks") == 0) {
        return n == CHUNKS_SEGMENTS ? PATH_CHUNKS : PATH_CHUNK;
    }
    if (g_str_has_prefix(path, TM_REDFISH_CONNECTIONS)) {
        return n == CONNECTIONS_SEGMENTS ? PATH_CONNECTIONS : PATH_CONNECTION;
    }
    if (strcmp(path, "/redfish/v1/SessionService") == 0) {
        return PATH_SESSION_SERVICE;
    }
    if (g_str_has_prefix(path, "/redfish/v1/SessionService/Sessions")) {
        return n == 5 ? PATH_SESSIONS : PATH_SESSION;
    }
    return PATH_OTHER;
}

const char *tm_redfish_actions_allow(const char *path)
{
    switch (path_kind(path)) {
    case PATH_CHUNKS:
    case PATH_CONNECTIONS:
    case PATH_SESSIONS:
        return "GET, HEAD, POST";
    case PATH_CHUNK:
    case PATH_CONNECTION:
    case PATH_SESSION:
        return "GET, HEAD, DELETE";
    case PATH_SESSION_SERVICE:
        return "GET, HEAD, PATCH";
    case PATH_OTHER:
        break;
    }
    return "GET, HEAD";
}

/* ---- Running QMP commands ---- */

/* A refusal of the device model or a backend: 400 with QMP's text for the cause. */
static void reply_refused(TmRedfishReply *reply, const GError *err)
{
    tm_redfish_reply_error(reply, 400, "GeneralError", err->message, NULL,
                           "Correct the request as the message says and resubmit it.");
}

static bool run(const TmRedfishActions *actions, const char *command, json_object *args,
                TmRedfishReply *reply)
{
    g_autoptr(GError) err = NULL;
    bool ok = actions->engine->execute(actions->engine->opaque, command, args, &err);

    if (!ok) {
        reply_refused(reply, err);
    }
    return ok;
}

static json_object *dc_args(const TmDcd *dev, uint16_t host, unsigned region, const TmGuid *tag)
{
    json_object *args = json_object_new_object();

    json_object_object_add(args, "path", json_object_new_string(tm_dcd_path(dev)));
    json_object_object_add(args, "host-id", json_object_new_int(host));
    json_object_object_add(args, "region", json_object_new_int((int)region));
    g_autofree char *text = tm_guid_to_string(tag);
    json_object_object_add(args, "tag", json_object_new_string(text));
    return args;
}

static bool add(const TmRedfishActions *actions, const TmDcd *dev, uint16_t host,
                unsigned region, const TmGuid *tag, const char *policy, uint64_t size,
                TmRedfishReply *reply)
{
    json_object *args = dc_args(dev, host, region, tag);
    json_object *extents = json_object_new_array();

    if (size > 0) {
        json_object *extent = json_object_new_object();
        json_object_object_add(extent, "offset", json_object_new_int(0));
        json_object_object_add(extent, "len", json_object_new_uint64(size));
        json_object_array_add(extents, extent);
    }
    json_object_object_add(args, "selection-policy", json_object_new_string(policy));
    json_object_object_add(args, "extents", extents);
    bool ok = run(actions, "cxl-add-dynamic-capacity", args, reply);
    json_object_put(args);
    return ok;
}

/* An offer the host has not answered is withdrawn; accepted capacity is released. */
static bool release_host(const TmRedfishActions *actions, const TmDcd *dev, uint16_t host,
                         unsigned region, const TmGuid *tag, bool sanitize, bool forced,
                         TmRedfishReply *reply)
{
    TmDcTagInfo info;
    bool known = tm_dcd_find_tag(dev, tag, &info);
    bool ok = true;

    if (known && tm_host_set_contains(&info.pending_hosts, host)) {
        json_object *args = json_object_new_object();
        g_autofree char *text = tm_guid_to_string(tag);
        json_object_object_add(args, "path", json_object_new_string(tm_dcd_path(dev)));
        json_object_object_add(args, "host-id", json_object_new_int(host));
        json_object_object_add(args, "tag", json_object_new_string(text));
        ok = run(actions, "cxl-withdraw-dynamic-capacity", args, reply);
        json_object_put(args);
    }
    if (ok && known && tm_host_set_contains(&info.committed_hosts, host)) {
        json_object *args = dc_args(dev, host, region, tag);
        json_object_object_add(args, "removal-policy", json_object_new_string("tag-based"));
        json_object_object_add(args, "forced-removal", json_object_new_boolean(forced));
        json_object_object_add(args, "sanitize-on-release", json_object_new_boolean(sanitize));
        json_object_object_add(args, "extents", json_object_new_array());
        ok = run(actions, "cxl-release-dynamic-capacity", args, reply);
        json_object_put(args);
    }
    return ok;
}

/* ---- POST .../MemoryChunks ---- */

typedef struct {
    uint16_t host;
    TmGuid tag;
    uint64_t size;
    const char *policy;
    const char *backend_type;
} ChunkRequest;

/* An integer member above 0 (and at most @max), or absent when not @required. */
static bool positive(json_object *obj, const char *where, const char *name, uint64_t max,
                     bool required, uint64_t *out, TmRedfishReply *reply)
{
    json_object *value;

    *out = 0;
    if (!tm_redfish_body_member(obj, where, name, json_type_int, required, &value, reply)) {
        return false;
    }
    if (value == NULL) {
        return true;
    }
    int64_t number = json_object_get_int64(value);
    if (number <= 0 || (uint64_t)number > max) {
        g_autofree char *pointer = g_strdup_printf("%s/%s", where, name);
        tm_redfish_reply_property_error(reply, "PropertyValueOutOfRange", pointer,
                                        json_object_to_json_string(value));
        return false;
    }
    *out = (uint64_t)number;
    return true;
}

/* An optional string member that must be one of @values (the first is the default). */
static bool one_of(json_object *obj, const char *where, const char *name,
                   const char *const *values, const char **out, TmRedfishReply *reply)
{
    json_object *value;

    *out = values[0];
    if (!tm_redfish_body_member(obj, where, name, json_type_string, false, &value, reply)) {
        return false;
    }
    if (value == NULL) {
        return true;
    }
    for (gsize i = 0; values[i] != NULL; i++) {
        if (strcmp(values[i], json_object_get_string(value)) == 0) {
            *out = values[i];
            return true;
        }
    }
    g_autofree char *pointer = g_strdup_printf("%s/%s", where, name);
    tm_redfish_reply_property_error(reply, "PropertyValueNotInList", pointer,
                                    json_object_get_string(value));
    return false;
}

/* Links.Endpoints: the one host endpoint of @dev that gets the capacity. */
static bool chunk_host(TmDeviceRegistry *devices, const TmDcd *dev, json_object *body,
                       uint16_t *host, TmRedfishReply *reply)
{
    static const char *const link_members[] = { "Endpoints", NULL };
    json_object *links;
    const char *uri;
    TmDcd *named;

    if (!tm_redfish_body_member(body, "#", "Links", json_type_object, true, &links, reply) ||
        !tm_redfish_body_only(links, "#/Links", link_members, reply) ||
        !tm_redfish_body_one_link(links, "#/Links", "Endpoints", &uri, reply)) {
        return false;
    }
    if (!g_str_has_prefix(uri, TM_REDFISH_ENDPOINTS "/") ||
        !tm_redfish_host_endpoint_parse(devices, uri + strlen(TM_REDFISH_ENDPOINTS "/"), &named,
                                        host) ||
        named != dev) {
        tm_redfish_reply_property_error(reply, "PropertyValueNotInList",
                                        "#/Links/Endpoints/0/@odata.id", uri);
        return false;
    }
    return true;
}

/* Oem.Tagmem: the tag (else a new random one), the size in bytes, policy, backend. */
static bool chunk_oem(json_object *body, ChunkRequest *request, uint64_t *size_bytes,
                      TmRedfishReply *reply)
{
    static const char *const oem_members[] = { "Tagmem", NULL };
    static const char *const tagmem_members[] = { "Tag", "SizeBytes", "SelectionPolicy",
                                                  "BackendType", NULL };
    static const char *const policies[] = { "free", "contiguous", NULL };
    static const char *const backends[] = { "memory-backend-memfd", "memory-backend-ram", NULL };
    json_object *oem = NULL, *tagmem = NULL, *tag = NULL;

    request->policy = policies[0];
    request->backend_type = backends[0];
    g_autofree char *random = g_uuid_string_random();
    tm_guid_parse(random, "tag", &request->tag, NULL);
    if (!tm_redfish_body_member(body, "#", "Oem", json_type_object, false, &oem, reply) ||
        (oem && !tm_redfish_body_only(oem, "#/Oem", oem_members, reply)) ||
        (oem && !tm_redfish_body_member(oem, "#/Oem", "Tagmem", json_type_object, false,
                                        &tagmem, reply))) {
        return false;
    }
    if (tagmem == NULL) {
        return true;
    }
    if (!tm_redfish_body_only(tagmem, "#/Oem/Tagmem", tagmem_members, reply) ||
        !positive(tagmem, "#/Oem/Tagmem", "SizeBytes", G_MAXINT64, false, size_bytes, reply) ||
        !one_of(tagmem, "#/Oem/Tagmem", "SelectionPolicy", policies, &request->policy, reply) ||
        !one_of(tagmem, "#/Oem/Tagmem", "BackendType", backends, &request->backend_type,
                reply) ||
        !tm_redfish_body_member(tagmem, "#/Oem/Tagmem", "Tag", json_type_string, false, &tag,
                                reply)) {
        return false;
    }
    /* The tag names the chunk: an untagged (all-zero) one would name none. */
    if (tag != NULL && (!tm_guid_parse(json_object_get_string(tag), "tag", &request->tag, NULL) ||
                        tm_guid_is_null(&request->tag))) {
        tm_redfish_reply_property_error(reply, "PropertyValueFormatError", "#/Oem/Tagmem/Tag",
                                        json_object_get_string(tag));
        return false;
    }
    return true;
}

/* The whole body of a MemoryChunk POST, checked before anything changes. */
static bool parse_chunk(TmDeviceRegistry *devices, const TmDcd *dev, json_object *body,
                        ChunkRequest *request, TmRedfishReply *reply)
{
    static const char *const members[] = { "MemoryChunkSizeMiB", "AddressRangeType", "Links",
                                           "Oem", NULL };
    static const char *const range_types[] = { "Volatile", NULL };
    const char *range_type;
    uint64_t mib = 0, bytes = 0;

    if (!tm_redfish_body_only(body, "#", members, reply) ||
        !positive(body, "#", "MemoryChunkSizeMiB", G_MAXINT64 >> 20, false, &mib, reply) ||
        !one_of(body, "#", "AddressRangeType", range_types, &range_type, reply) ||
        !chunk_host(devices, dev, body, &request->host, reply) ||
        !chunk_oem(body, request, &bytes, reply)) {
        return false;
    }
    if (mib == 0 && bytes == 0) {
        tm_redfish_reply_property_error(reply, "PropertyMissing", "#/MemoryChunkSizeMiB", NULL);
        return false;
    }
    if (mib != 0 && bytes != 0 && bytes != mib << 20) {
        tm_redfish_reply_error(reply, 400, "PropertyValueConflict",
                               "The property MemoryChunkSizeMiB could not be written because its "
                               "value would conflict with the value of the Oem/Tagmem/SizeBytes "
                               "property.", "MemoryChunkSizeMiB",
                               "No resolution is required.");
        return false;
    }
    request->size = bytes ? bytes : mib << 20;
    return true;
}

static bool make_backend(const TmRedfishActions *actions, const ChunkRequest *request,
                         const char *backend_id, TmRedfishReply *reply)
{
    json_object *args = json_object_new_object();
    g_autofree char *tag = tm_guid_to_string(&request->tag);

    json_object_object_add(args, "qom-type", json_object_new_string(request->backend_type));
    json_object_object_add(args, "id", json_object_new_string(backend_id));
    json_object_object_add(args, "size", json_object_new_uint64(request->size));
    json_object_object_add(args, "tag", json_object_new_string(tag));
    bool ok = run(actions, "object-add", args, reply);
    json_object_put(args);
    return ok;
}

/* The add failed: the backend made for it goes, so the POST changed nothing. */
static void drop_backend(const TmRedfishActions *actions, const char *backend_id)
{
    json_object *args = json_object_new_object();
    g_autoptr(GError) err = NULL;

    json_object_object_add(args, "id", json_object_new_string(backend_id));
    if (!actions->engine->execute(actions->engine->opaque, "object-del", args, &err)) {
        g_warning("redfish: backend '%s' made for a refused add stays: %s", backend_id,
                  err->message);
    }
    json_object_put(args);
}

/* The device and region of ".../Chassis/DEV/MemoryDomains/N/MemoryChunks[/...]". */
static TmDcd *chunks_device(TmDeviceRegistry *devices, const char *path, unsigned *region)
{
    g_auto(GStrv) seg = g_strsplit(path, "/", -1);

    *region = (unsigned)strtoul(seg[6], NULL, 10);
    return tm_device_registry_find(devices, seg[4]);
}

static void post_chunk(const TmRedfishActions *actions, const char *path, json_object *body,
                       TmRedfishReply *reply)
{
    unsigned region;
    TmDcd *dev = chunks_device(actions->devices, path, &region);
    ChunkRequest request = { 0 };

    if (!parse_chunk(actions->devices, dev, body, &request, reply)) {
        return;
    }
    g_autofree char *tag = tm_guid_to_string(&request.tag);
    g_autofree char *backend_id = g_strconcat(TM_REDFISH_BACKEND_PREFIX, tag, NULL);
    if (!make_backend(actions, &request, backend_id, reply)) {
        return;
    }
    if (!add(actions, dev, request.host, region, &request.tag, request.policy, request.size,
             reply)) {
        drop_backend(actions, backend_id);
        return;
    }
    g_autofree char *target = tm_redfish_chunk_uri(dev, region, &request.tag);
    TmRedfishTaskSpec spec = { .dev = dev, .tag = request.tag, .kind = TM_REDFISH_TASK_ADD,
                               .method = "POST", .target = target, .backend_id = backend_id };
    tm_host_set_add(&spec.hosts, request.host);
    tm_redfish_tasks_start(actions->tasks, &spec, reply);
}

/* ---- POST /redfish/v1/Fabrics/CXL/Connections ---- */

/* ".../Chassis/DEV/MemoryDomains/N/MemoryChunks/TAG" of a live chunk, spelled canonically. */
static bool chunk_from_uri(TmDeviceRegistry *devices, const char *uri, TmDcd **dev,
                           unsigned *region, TmGuid *tag)
{
    g_auto(GStrv) seg = g_strsplit(uri, "/", -1);
    TmDcTagInfo info;

    if (g_strv_length(seg) != CHUNKS_SEGMENTS + 1 ||
        !tm_guid_parse(seg[CHUNKS_SEGMENTS], "tag", tag, NULL) ||
        (*dev = tm_device_registry_find(devices, seg[4])) == NULL ||
        !tm_dcd_find_tag(*dev, tag, &info)) {
        return false;
    }
    *region = info.region;
    g_autofree char *canonical = tm_redfish_chunk_uri(*dev, info.region, tag);
    return strcmp(canonical, uri) == 0;
}

static bool connection_chunk(TmDeviceRegistry *devices, json_object *body, TmDcd **dev,
                             unsigned *region, TmGuid *tag, TmRedfishReply *reply)
{
    static const char *const info_members[] = { "MemoryChunk", "AccessCapabilities", NULL };
    static const char *const link_members[] = { "@odata.id", NULL };
    json_object *list, *info, *link, *id, *access;

    if (!tm_redfish_body_member(body, "#", "MemoryChunkInfo", json_type_array, true, &list,
                                reply)) {
        return false;
    }
    if (json_object_array_length(list) != 1) {
        tm_redfish_reply_property_error(reply, "PropertyValueFormatError", "#/MemoryChunkInfo",
                                        json_object_to_json_string(list));
        return false;
    }
    info = json_object_array_get_idx(list, 0);
    if (!json_object_is_type(info, json_type_object)) {
        tm_redfish_reply_property_error(reply, "PropertyValueTypeError", "#/MemoryChunkInfo/0",
                                        json_object_to_json_string(info));
        return false;
    }
    if (!tm_redfish_body_only(info, "#/MemoryChunkInfo/0", info_members, reply) ||
        !tm_redfish_body_member(info, "#/MemoryChunkInfo/0", "AccessCapabilities",
                                json_type_array, false, &access, reply) ||
        !tm_redfish_body_member(info, "#/MemoryChunkInfo/0", "MemoryChunk", json_type_object,
                                true, &link, reply) ||
        !tm_redfish_body_only(link, "#/MemoryChunkInfo/0/MemoryChunk", link_members, reply) ||
        !tm_redfish_body_member(link, "#/MemoryChunkInfo/0/MemoryChunk", "@odata.id",
                                json_type_string, true, &id, reply)) {
        return false;
    }
    if (!chunk_from_uri(devices, json_object_get_string(id), dev, region, tag)) {
        tm_redfish_reply_property_error(reply, "PropertyValueNotInList",
                                        "#/MemoryChunkInfo/0/MemoryChunk/@odata.id",
                                        json_object_get_string(id));
        return false;
    }
    return true;
}

static void post_connection(const TmRedfishActions *actions, json_object *body,
                            TmRedfishReply *reply)
{
    static const char *const members[] = { "Links", "MemoryChunkInfo", "ConnectionType", NULL };
    static const char *const link_members[] = { "InitiatorEndpoints", NULL };
    static const char *const types[] = { "Memory", NULL };
    json_object *links;
    const char *type, *uri;
    TmDcd *dev, *host_dev;
    unsigned region;
    uint16_t host;
    TmGuid tag;

    if (!tm_redfish_body_only(body, "#", members, reply) ||
        !one_of(body, "#", "ConnectionType", types, &type, reply) ||
        !tm_redfish_body_member(body, "#", "Links", json_type_object, true, &links, reply) ||
        !tm_redfish_body_only(links, "#/Links", link_members, reply) ||
        !tm_redfish_body_one_link(links, "#/Links", "InitiatorEndpoints", &uri, reply) ||
        !connection_chunk(actions->devices, body, &dev, &region, &tag, reply)) {
        return;
    }
    if (!g_str_has_prefix(uri, TM_REDFISH_ENDPOINTS "/") ||
        !tm_redfish_host_endpoint_parse(actions->devices,
                                        uri + strlen(TM_REDFISH_ENDPOINTS "/"), &host_dev,
                                        &host) ||
        host_dev != dev) {
        tm_redfish_reply_property_error(reply, "PropertyValueNotInList",
                                        "#/Links/InitiatorEndpoints/0/@odata.id", uri);
        return;
    }
    if (!add(actions, dev, host, region, &tag, "enable-shared-access", 0, reply)) {
        return;
    }
    g_autofree char *text = tm_guid_to_string(&tag);
    g_autofree char *target = g_strdup_printf(TM_REDFISH_CONNECTIONS "/%s-host-%u-%s",
                                              tm_dcd_id(dev), host, text);
    TmRedfishTaskSpec spec = { .dev = dev, .tag = tag, .kind = TM_REDFISH_TASK_ADD,
                               .method = "POST", .target = target };
    tm_host_set_add(&spec.hosts, host);
    tm_redfish_tasks_start(actions->tasks, &spec, reply);
}

void tm_redfish_actions_post(const TmRedfishActions *actions, const char *path,
                             const char *body, gsize len, TmRedfishReply *reply)
{
    json_object *parsed = tm_redfish_body_parse(body, len, reply);

    if (parsed == NULL) {
        return;
    }
    if (path_kind(path) == PATH_CHUNKS) {
        post_chunk(actions, path, parsed, reply);
    } else {
        post_connection(actions, parsed, reply);
    }
    json_object_put(parsed);
}

/* ---- DELETE ---- */

/* The backend holding @info's allocation when this service made it, else NULL. */
static const char *own_backend(const TmDcTagInfo *info)
{
    const char *id = info->backend ? tm_hostmem_id(info->backend) : NULL;

    return id && g_str_has_prefix(id, TM_REDFISH_BACKEND_PREFIX) ? id : NULL;
}

/*
 * Every host that holds or was offered the chunk lets go; an FM reference
 * is the FM's to remove, so a chunk only it keeps is refused.
 */
static void delete_hosts(const TmRedfishActions *actions, TmDcd *dev, const TmGuid *tag,
                         const TmHostSet *hosts, const char *target, bool sanitize,
                         bool forced, TmRedfishReply *reply)
{
    TmDcTagInfo info;
    bool known = tm_dcd_find_tag(dev, tag, &info);
    g_assert(known); /* the resource exists */
    g_autofree char *backend_id = g_strdup(own_backend(&info));
    TmHostSet holders = info.pending_hosts;

    for (unsigned i = 0; i < G_N_ELEMENTS(holders.bits); i++) {
        holders.bits[i] |= info.committed_hosts.bits[i];
    }
    if (tm_host_set_is_empty(hosts)) {
        g_autofree char *text = tm_guid_to_string(tag);
        g_autofree char *message = g_strdup_printf(
            "no host holds capacity with tag %s; an FM reference keeps the allocation, and "
            "only the FM removes it", text);
        tm_redfish_reply_error(reply, 409, "ResourceInUse", message, NULL,
                               "Remove the FM reference, then resubmit the request.");
        return;
    }
    for (unsigned host = 0; host < TM_DCD_MAX_HOSTS; host++) {
        if (tm_host_set_contains(hosts, (uint16_t)host) &&
            !release_host(actions, dev, (uint16_t)host, info.region, tag, sanitize, forced,
                          reply)) {
            return;
        }
    }
    /* The backend goes with the allocation: when every holder lets go and no reference stays. */
    bool last = memcmp(&holders, hosts, sizeof(holders)) == 0 && !info.referenced;
    TmRedfishTaskSpec spec = { .dev = dev, .tag = *tag, .kind = TM_REDFISH_TASK_RELEASE,
                               .hosts = *hosts, .method = "DELETE", .target = target,
                               .backend_id = last ? backend_id : NULL };
    tm_redfish_tasks_start(actions->tasks, &spec, reply);
}

void tm_redfish_actions_delete(const TmRedfishActions *actions, const char *path,
                               bool sanitize, bool forced, TmRedfishReply *reply)
{
    TmDcd *dev;
    TmGuid tag;

    if (path_kind(path) == PATH_CHUNK) {
        unsigned region;
        g_auto(GStrv) seg = g_strsplit(path, "/", -1);
        dev = chunks_device(actions->devices, path, &region);
        TmDcTagInfo info;
        bool parsed = tm_guid_parse(seg[CHUNKS_SEGMENTS], "tag", &tag, NULL) &&
                      tm_dcd_find_tag(dev, &tag, &info);
        g_assert(parsed); /* the resource exists */
        TmHostSet hosts = info.pending_hosts;
        for (unsigned i = 0; i < G_N_ELEMENTS(hosts.bits); i++) {
            hosts.bits[i] |= info.committed_hosts.bits[i];
        }
        delete_hosts(actions, dev, &tag, &hosts, path, sanitize, forced, reply);
        return;
    }
    uint16_t host;
    bool parsed = tm_redfish_connection_parse(actions->devices,
                                              path + strlen(TM_REDFISH_CONNECTIONS "/"), &dev,
                                              &host, &tag);
    g_assert(parsed); /* the resource exists */
    TmHostSet hosts = { 0 };
    tm_host_set_add(&hosts, host);
    delete_hosts(actions, dev, &tag, &hosts, path, sanitize, forced, reply);
}
