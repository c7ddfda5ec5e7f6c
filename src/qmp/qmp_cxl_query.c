/*
 * query-cxl-dynamic-capacity: every device's regions, each host's pending
 * and accepted extents, and the tags (docs/qmp.md).
 *
 * At 100k extents the answer is ~14 MB of JSON.  Building it as json-c
 * objects took over a second of the main loop and several times that in
 * memory, so the query copies what it reports into flat arrays (one
 * consistent moment, a few milliseconds) and writes the text from the copy
 * piece by piece as the client reads (qmp_reply_stream.h).  Numbers and
 * GUIDs are written directly; strings a user chose (ids, paths) go through
 * json-c's escaping once, when copied.
 */
#include "qmp/qmp_cxl_query.h"

#include <string.h>

#include <inttypes.h>

#include "core/error.h"
#include "qmp/qmp_args.h"
#include "qmp/qmp_cxl_json.h"
#include "qmp/qmp_reply_stream.h"

/*
 * What a filtered query keeps: one host, one tag, one region (each
 * optional).  Unfiltered, everything is kept.
 */
typedef struct {
    int host;          /* -1: every host */
    int region;        /* -1: every region */
    bool has_tag;
    TmGuid tag;
} QueryFilter;

/* One extent as reported; the accepted-only members are unused in pending groups. */
typedef struct {
    uint64_t dpa;
    uint64_t length;
    uint64_t offset;           /* from the region's base */
    uint64_t backend_offset;
    const char *backend_json;  /* the backend's id as JSON text; NULL: none */
    TmGuid tag;
    uint16_t shared_seq;
    uint8_t region;
    bool release_pending;
} ExtentCopy;

typedef struct {
    uint64_t id;
    TmDcSelectionPolicy policy;
    uint8_t region;
    TmGuid tag;
    guint first_extent;        /* in QuerySnapshot.group_extents */
    guint n_extents;
} GroupCopy;

typedef struct {
    uint16_t host_id;
    uint64_t generation;
    TmDcLimits limits;
    guint first_group;
    guint n_groups;
    guint first_accepted;      /* in QuerySnapshot.accepted */
    guint n_accepted;
} HostCopy;

typedef struct {
    TmGuid tag;
    TmDcTagState state;
    uint8_t region;
    const char *backend_json;
    uint64_t allocated;
    TmHostSet pending_hosts;
    TmHostSet committed_hosts;
    bool referenced;
} TagCopy;

typedef struct {
    char *head;                /* {"id":...,"regions":[...] : everything before "hosts" */
    uint16_t num_hosts;        /* bounds the tag's host lists */
    guint first_host;
    guint n_hosts;
    guint first_tag;
    guint n_tags;
} DeviceCopy;

/* Where the writer is: device, the part of it, and the element within the part. */
typedef enum {
    AT_DEVICE_HEAD,
    AT_HOST_HEAD,
    AT_GROUP_HEAD,
    AT_GROUP_EXTENT,
    AT_ACCEPTED_OPEN,
    AT_ACCEPTED,
    AT_HOST_END,
    AT_TAGS_OPEN,
    AT_TAG,
    AT_DEVICE_END,
    AT_END,
} Part;

typedef struct {
    GArray *devices;           /* DeviceCopy */
    GArray *hosts;             /* HostCopy */
    GArray *groups;            /* GroupCopy */
    GArray *group_extents;     /* ExtentCopy */
    GArray *accepted;          /* ExtentCopy */
    GArray *tags;              /* TagCopy */
    GStringChunk *strings;     /* the backend ids' JSON texts, once each */
    GHashTable *backend_json;  /* TmHostMem * -> its text in @strings */
    /* The writer's cursor. */
    Part part;
    guint device;
    guint host;                /* index into @hosts */
    guint item;                /* group, extent or tag being written */
    guint group_extent;
    bool started;              /* the opening '[' of the whole list is written */
} QuerySnapshot;

static const char *json_string_text(json_object *string)
{
    return json_object_to_json_string_ext(string,
                                          JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* ---- Copying ---- */

static const char *backend_json(QuerySnapshot *s, TmHostMem *backend)
{
    if (backend == NULL) {
        return NULL;
    }
    const char *text = g_hash_table_lookup(s->backend_json, backend);
    if (text == NULL) {
        json_object *id = json_object_new_string(tm_hostmem_id(backend));
        text = g_string_chunk_insert(s->strings, json_string_text(id));
        json_object_put(id);
        g_hash_table_insert(s->backend_json, backend, (gpointer)text);
    }
    return text;
}

static ExtentCopy copy_extent(const TmDcd *dev, const TmBackedExtent *extent)
{
    return (ExtentCopy){
        .dpa = extent->extent.dpa,
        .length = extent->extent.length,
        .offset = extent->extent.dpa - tm_dcd_region(dev, extent->region)->base,
        .tag = extent->extent.tag,
        .shared_seq = extent->extent.shared_seq,
        .region = extent->region,
    };
}

static bool keeps(const QueryFilter *f, uint8_t region, const TmGuid *tag)
{
    return (f->region < 0 || region == f->region) &&
           (!f->has_tag || tm_guid_equal(tag, &f->tag));
}

static void copy_group(QuerySnapshot *s, const TmDcd *dev, const TmDcPendingGroupInfo *info)
{
    GroupCopy group = {
        .id = info->id,
        .policy = info->policy,
        .region = info->region,
        .tag = info->tag,
        .first_extent = s->group_extents->len,
        .n_extents = info->n_extents,
    };

    for (guint i = 0; i < info->n_extents; i++) {
        ExtentCopy extent = copy_extent(dev, &info->extents[i]);
        g_array_append_val(s->group_extents, extent);
    }
    g_array_append_val(s->groups, group);
}

typedef struct {
    QuerySnapshot *s;
    const TmDcd *dev;
    const QueryFilter *f;
} GroupWalk;

static void copy_kept_group(const TmDcPendingGroupInfo *group, void *opaque)
{
    GroupWalk *walk = opaque;

    if (keeps(walk->f, group->region, &group->tag)) {
        copy_group(walk->s, walk->dev, group);
    }
}

static void copy_host(QuerySnapshot *s, const TmDcd *dev, uint16_t host_id, const QueryFilter *f)
{
    GroupWalk walk = { .s = s, .dev = dev, .f = f };
    guint n_accepted = tm_dcd_host_accepted_count(dev, host_id);
    HostCopy host = {
        .host_id = host_id,
        .generation = tm_dcd_host_generation(dev, host_id),
        .limits = tm_dcd_limits(dev, host_id),
        .first_group = s->groups->len,
        .first_accepted = s->accepted->len,
    };

    tm_dcd_host_foreach_pending_group(dev, host_id, copy_kept_group, &walk);
    for (guint i = 0; i < n_accepted; i++) {
        const TmBackedExtent *extent = tm_dcd_host_accepted(dev, host_id, i);
        if (!keeps(f, extent->region, &extent->extent.tag)) {
            continue;
        }
        ExtentCopy copy = copy_extent(dev, extent);
        copy.backend_json = backend_json(s, extent->backend);
        copy.backend_offset = extent->backend_offset;
        copy.release_pending = tm_dcd_host_release_pending(dev, host_id, extent->extent.dpa,
                                                           extent->extent.length);
        g_array_append_val(s->accepted, copy);
    }
    host.n_groups = s->groups->len - host.first_group;
    host.n_accepted = s->accepted->len - host.first_accepted;
    g_array_append_val(s->hosts, host);
}

static bool keeps_tag(const QueryFilter *f, const TmDcTagInfo *info)
{
    return keeps(f, info->region, &info->tag) &&
           (f->host < 0 || tm_host_set_contains(&info->pending_hosts, (uint16_t)f->host) ||
            tm_host_set_contains(&info->committed_hosts, (uint16_t)f->host));
}

static void copy_tags(QuerySnapshot *s, const TmDcd *dev, const QueryFilter *f)
{
    for (guint i = 0; i < tm_dcd_tag_count(dev); i++) {
        TmDcTagInfo info = tm_dcd_tag_info(dev, i);
        if (!keeps_tag(f, &info)) {
            continue;
        }
        TagCopy tag = {
            .tag = info.tag,
            .state = info.state,
            .region = info.region,
            .backend_json = backend_json(s, info.backend),
            .allocated = info.allocated,
            .pending_hosts = info.pending_hosts,
            .committed_hosts = info.committed_hosts,
            .referenced = info.referenced,
        };
        g_array_append_val(s->tags, tag);
    }
}

static json_object *region_json(unsigned index, const TmDcRegion *region)
{
    json_object *json = json_object_new_object();

    json_object_object_add(json, "region", json_object_new_uint64(index));
    json_object_object_add(json, "base", json_object_new_uint64(region->base));
    json_object_object_add(json, "decode-length", json_object_new_uint64(region->decode_len));
    json_object_object_add(json, "length", json_object_new_uint64(region->len));
    json_object_object_add(json, "block-size", json_object_new_uint64(region->block_size));
    json_object_object_add(json, "sanitize-on-release",
                           json_object_new_boolean(region->sanitize_on_release));
    json_object_object_add(json, "sharable", json_object_new_boolean(region->sharable));
    return json;
}

/* The device's members before "hosts", as text without the closing brace. */
static char *device_head(const TmDcd *dev, const QueryFilter *f)
{
    /* Tag limits are device-wide: any host's view gives them. */
    TmDcLimits limits = tm_dcd_limits(dev, 0);
    TmHostMem *memdev = tm_dcd_static_memdev(dev);
    json_object *regions = json_object_new_array();
    json_object *json = json_object_new_object();

    for (unsigned r = 0; r < tm_dcd_num_regions(dev); r++) {
        if (f->region < 0 || (unsigned)f->region == r) {
            json_object_array_add(regions, region_json(r, tm_dcd_region(dev, r)));
        }
    }
    json_object_object_add(json, "id", json_object_new_string(tm_dcd_id(dev)));
    json_object_object_add(json, "path", json_object_new_string(tm_dcd_path(dev)));
    if (memdev) {
        json_object_object_add(json, "volatile-dc-memdev",
                               json_object_new_string(tm_hostmem_id(memdev)));
    }
    json_object_object_add(json, "total-size", json_object_new_uint64(tm_dcd_total_dc_size(dev)));
    json_object_object_add(json, "num-hosts", json_object_new_uint64(tm_dcd_num_hosts(dev)));
    json_object_object_add(json, "supported-tags", json_object_new_uint64(limits.supported_tags));
    json_object_object_add(json, "available-tags", json_object_new_uint64(limits.available_tags));
    json_object_object_add(json, "regions", regions);

    const char *text = json_string_text(json);
    char *head = g_strndup(text, strlen(text) - 1);  /* without its '}' */
    json_object_put(json);
    return head;
}

static void copy_device(QuerySnapshot *s, const TmDcd *dev, const QueryFilter *f)
{
    DeviceCopy device = {
        .head = device_head(dev, f),
        .num_hosts = tm_dcd_num_hosts(dev),
        .first_host = s->hosts->len,
        .first_tag = s->tags->len,
    };

    for (uint16_t h = 0; h < tm_dcd_num_hosts(dev); h++) {
        if (f->host < 0 || f->host == h) {
            copy_host(s, dev, h, f);
        }
    }
    copy_tags(s, dev, f);
    device.n_hosts = s->hosts->len - device.first_host;
    device.n_tags = s->tags->len - device.first_tag;
    g_array_append_val(s->devices, device);
}

static QuerySnapshot *snapshot_new(void)
{
    QuerySnapshot *s = g_new0(QuerySnapshot, 1);

    s->devices = g_array_new(FALSE, FALSE, sizeof(DeviceCopy));
    s->hosts = g_array_new(FALSE, FALSE, sizeof(HostCopy));
    s->groups = g_array_new(FALSE, FALSE, sizeof(GroupCopy));
    s->group_extents = g_array_new(FALSE, FALSE, sizeof(ExtentCopy));
    s->accepted = g_array_new(FALSE, FALSE, sizeof(ExtentCopy));
    s->tags = g_array_new(FALSE, FALSE, sizeof(TagCopy));
    s->strings = g_string_chunk_new(4096);
    s->backend_json = g_hash_table_new(NULL, NULL);
    return s;
}

static void snapshot_free(void *state)
{
    QuerySnapshot *s = state;

    for (guint i = 0; i < s->devices->len; i++) {
        g_free(g_array_index(s->devices, DeviceCopy, i).head);
    }
    g_array_unref(s->devices);
    g_array_unref(s->hosts);
    g_array_unref(s->groups);
    g_array_unref(s->group_extents);
    g_array_unref(s->accepted);
    g_array_unref(s->tags);
    g_string_chunk_free(s->strings);
    g_hash_table_unref(s->backend_json);
    g_free(s);
}

/* ---- Writing ---- */

static void write_guid(GString *out, const TmGuid *guid)
{
    char text[TM_GUID_STRING_LEN + 1];

    tm_guid_format(guid, text);
    g_string_append_printf(out, "\"%s\"", text);
}

/* The members tm_qmp_cxl_extent writes, without the closing brace. */
static void write_extent_members(GString *out, const ExtentCopy *e)
{
    g_string_append_printf(out, "{\"region\":%u,\"offset\":%" PRIu64 ",\"dpa\":%" PRIu64
                           ",\"len\":%" PRIu64 ",\"shared-seq\":%u", e->region, e->offset,
                           e->dpa, e->length, e->shared_seq);
    if (!tm_guid_is_null(&e->tag)) {
        g_string_append(out, ",\"tag\":");
        write_guid(out, &e->tag);
    }
}

static void write_accepted(GString *out, const ExtentCopy *e)
{
    write_extent_members(out, e);
    if (e->backend_json) {
        g_string_append_printf(out, ",\"backend\":%s,\"backend-offset\":%" PRIu64,
                               e->backend_json, e->backend_offset);
    }
    g_string_append_printf(out, ",\"release-pending\":%s}",
                           e->release_pending ? "true" : "false");
}

static void write_host_list(GString *out, const TmHostSet *set, uint16_t num_hosts)
{
    bool first = true;

    g_string_append_c(out, '[');
    for (uint16_t h = 0; h < num_hosts; h++) {
        if (tm_host_set_contains(set, h)) {
            g_string_append_printf(out, first ? "%u" : ",%u", h);
            first = false;
        }
    }
    g_string_append_c(out, ']');
}

static void write_tag(GString *out, const TagCopy *t, uint16_t num_hosts)
{
    g_string_append(out, "{\"tag\":");
    write_guid(out, &t->tag);
    g_string_append_printf(out, ",\"state\":\"%s\",\"region\":%u",
                           tm_dc_tag_state_name(t->state), t->region);
    if (t->backend_json) {
        g_string_append_printf(out, ",\"backend\":%s", t->backend_json);
    }
    g_string_append_printf(out, ",\"allocated\":%" PRIu64 ",\"pending-hosts\":", t->allocated);
    write_host_list(out, &t->pending_hosts, num_hosts);
    g_string_append(out, ",\"committed-hosts\":");
    write_host_list(out, &t->committed_hosts, num_hosts);
    g_string_append_printf(out, ",\"referenced\":%s}", t->referenced ? "true" : "false");
}

static void write_host_head(GString *out, const HostCopy *h)
{
    g_string_append_printf(out, "{\"host-id\":%u,\"generation\":%" PRIu64
                           ",\"supported-extents\":%u,\"available-extents\":%u,\"pending\":[",
                           h->host_id, h->generation, h->limits.supported_extents,
                           h->limits.available_extents);
}

static void write_group_head(GString *out, const GroupCopy *g)
{
    g_string_append_printf(out, "{\"id\":%" PRIu64 ",\"selection-policy\":\"%s\",\"region\":%u",
                           g->id, tm_qmp_cxl_selection_policies[g->policy], g->region);
    if (!tm_guid_is_null(&g->tag)) {
        g_string_append(out, ",\"tag\":");
        write_guid(out, &g->tag);
    }
    g_string_append(out, ",\"extents\":[");
}

static const DeviceCopy *current_device(const QuerySnapshot *s)
{
    return &g_array_index(s->devices, DeviceCopy, s->device);
}

static const HostCopy *current_host(const QuerySnapshot *s)
{
    return &g_array_index(s->hosts, HostCopy, s->host);
}

/* After a host: the device's next host, or its tags. */
static void next_host(QuerySnapshot *s)
{
    const DeviceCopy *device = current_device(s);

    s->host++;
    s->item = 0;
    s->part = s->host < device->first_host + device->n_hosts ? AT_HOST_HEAD : AT_TAGS_OPEN;
}

static void next_device(QuerySnapshot *s)
{
    s->device++;
    s->part = s->device < s->devices->len ? AT_DEVICE_HEAD : AT_END;
}

/* Write the pending group the cursor is in, one extent (or its head) at a time. */
static void write_group_step(QuerySnapshot *s, GString *out)
{
    const HostCopy *host = current_host(s);
    const GroupCopy *group = &g_array_index(s->groups, GroupCopy, host->first_group + s->item);

    if (s->part == AT_GROUP_HEAD) {
        g_string_append(out, s->item == 0 ? "" : ",");
        write_group_head(out, group);
        s->group_extent = 0;
        s->part = AT_GROUP_EXTENT;
        return;
    }
    if (s->group_extent < group->n_extents) {
        const ExtentCopy *e = &g_array_index(s->group_extents, ExtentCopy,
                                             group->first_extent + s->group_extent);
        g_string_append(out, s->group_extent == 0 ? "" : ",");
        write_extent_members(out, e);
        g_string_append_c(out, '}');
        s->group_extent++;
        return;
    }
    g_string_append(out, "]}");
    s->item++;
    s->part = s->item < host->n_groups ? AT_GROUP_HEAD : AT_ACCEPTED_OPEN;
}

/* Write one unit at the cursor and move it on: false once everything is written. */
static bool write_step(QuerySnapshot *s, GString *out)
{
    switch (s->part) {
    case AT_DEVICE_HEAD:
        g_string_append(out, s->device == 0 ? "" : ",");
        g_string_append(out, current_device(s)->head);
        g_string_append(out, ",\"hosts\":[");
        s->host = current_device(s)->first_host;
        s->part = current_device(s)->n_hosts > 0 ? AT_HOST_HEAD : AT_TAGS_OPEN;
        break;
    case AT_HOST_HEAD:
        g_string_append(out, s->host == current_device(s)->first_host ? "" : ",");
        write_host_head(out, current_host(s));
        s->item = 0;
        s->part = current_host(s)->n_groups > 0 ? AT_GROUP_HEAD : AT_ACCEPTED_OPEN;
        break;
    case AT_GROUP_HEAD:
    case AT_GROUP_EXTENT:
        write_group_step(s, out);
        break;
    case AT_ACCEPTED_OPEN:
        g_string_append(out, "],\"accepted\":[");
        s->item = 0;
        s->part = current_host(s)->n_accepted > 0 ? AT_ACCEPTED : AT_HOST_END;
        break;
    case AT_ACCEPTED:
        g_string_append(out, s->item == 0 ? "" : ",");
        write_accepted(out, &g_array_index(s->accepted, ExtentCopy,
                                           current_host(s)->first_accepted + s->item));
        if (++s->item == current_host(s)->n_accepted) {
            s->part = AT_HOST_END;
        }
        break;
    case AT_HOST_END:
        g_string_append(out, "]}");
        next_host(s);
        break;
    case AT_TAGS_OPEN:
        g_string_append(out, "],\"tags\":[");
        s->item = 0;
        s->part = current_device(s)->n_tags > 0 ? AT_TAG : AT_DEVICE_END;
        break;
    case AT_TAG:
        g_string_append(out, s->item == 0 ? "" : ",");
        write_tag(out, &g_array_index(s->tags, TagCopy, current_device(s)->first_tag + s->item),
                  current_device(s)->num_hosts);
        if (++s->item == current_device(s)->n_tags) {
            s->part = AT_DEVICE_END;
        }
        break;
    case AT_DEVICE_END:
        g_string_append(out, "]}");
        next_device(s);
        break;
    case AT_END:
        g_string_append_c(out, ']');
        return false;
    }
    return true;
}

static bool produce(void *state, GString *out, size_t budget)
{
    QuerySnapshot *s = state;
    size_t start = out->len;

    if (!s->started) {
        g_string_append_c(out, '[');
        s->started = true;
        s->part = s->devices->len > 0 ? AT_DEVICE_HEAD : AT_END;
    }
    while (out->len - start < budget) {
        if (!write_step(s, out)) {
            return true;
        }
    }
    return false;
}

static const TmQmpProducerOps query_producer = {
    .produce = produce,
    .free = snapshot_free,
};

/* ---- The command ---- */

/* The filter arguments; a host or region the device does not have is an error. */
static bool parse_filter(const TmDcd *dev, json_object *args, QueryFilter *f, GError **err)
{
    *f = (QueryFilter){ .host = -1, .region = -1 };
    if (tm_qmp_arg_has(args, "host-id")) {
        f->host = (int)tm_qmp_arg_uint(args, "host-id", 0);
        if (dev && f->host >= tm_dcd_num_hosts(dev)) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                        "host-id %d is out of range: device '%s' has %u hosts", f->host,
                        tm_dcd_id(dev), tm_dcd_num_hosts(dev));
            return false;
        }
    }
    if (tm_qmp_arg_has(args, "region")) {
        f->region = (int)tm_qmp_arg_uint(args, "region", 0);
        if (dev && (unsigned)f->region >= tm_dcd_num_regions(dev)) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "region id is too large");
            return false;
        }
    }
    if (tm_qmp_arg_has(args, "tag")) {
        f->has_tag = true;
        return tm_qmp_cxl_parse_tag(args, &f->tag, err);
    }
    return true;
}

/*
 * Every device, or the one "path" names; "host-id", "region" and "tag"
 * keep only what concerns that host, region or tag.
 */
bool tm_qmp_query_cxl_dynamic_capacity(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                                       json_object **ret, GError **err)
{
    const char *path = tm_qmp_arg_str(args, "path", NULL);
    TmDcd *dev = path ? tm_qmp_cxl_resolve_device(env, path, err) : NULL;
    QueryFilter filter;

    if ((path && dev == NULL) || !parse_filter(dev, args, &filter, err)) {
        return false;
    }
    QuerySnapshot *s = snapshot_new();
    if (dev) {
        copy_device(s, dev, &filter);
    } else if (env->devices) {
        g_autoptr(GPtrArray) devices = tm_device_registry_list(env->devices);
        for (guint i = 0; i < devices->len; i++) {
            copy_device(s, g_ptr_array_index(devices, i), &filter);
        }
    }
    tm_qmp_session_return_stream(session, &query_producer, s, ret);
    return true;
}
