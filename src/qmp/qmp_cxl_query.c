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

#include "qmp/qmp_args.h"
#include "qmp/qmp_cxl_json.h"
#include "qmp/qmp_cxl_match.h"
#include "qmp/qmp_cxl_query_page.h"
#include "qmp/qmp_cxl_text.h"
#include "qmp/qmp_page.h"
#include "qmp/qmp_reply_stream.h"

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
    GArray *group_extents;     /* TmQmpExtentCopy */
    GArray *accepted;          /* TmQmpExtentCopy */
    GArray *tags;              /* TagCopy */
    TmQmpTextCache text;       /* the backend ids' JSON texts, once each */
    /* The writer's cursor. */
    Part part;
    guint device;
    guint host;                /* index into @hosts */
    guint item;                /* group, extent or tag being written */
    guint group_extent;
    bool started;              /* the opening '[' of the whole list is written */
} QuerySnapshot;

/* ---- Copying (what the filters keep, qmp_cxl_match.h) ---- */

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
        TmQmpExtentCopy extent = tm_qmp_extent_copy(dev, &info->extents[i]);
        g_array_append_val(s->group_extents, extent);
    }
    g_array_append_val(s->groups, group);
}

static void copy_host(QuerySnapshot *s, const TmDcd *dev, uint16_t host_id,
                      const TmQmpCxlFilter *f)
{
    TmQmpCxlHostMatch match;
    HostCopy host = {
        .host_id = host_id,
        .generation = tm_dcd_host_generation(dev, host_id),
        .limits = tm_dcd_limits(dev, host_id),
        .first_group = s->groups->len,
        .first_accepted = s->accepted->len,
    };

    tm_qmp_cxl_host_match(dev, host_id, f, &match);
    for (guint i = 0; i < match.groups->len; i++) {
        copy_group(s, dev, &g_array_index(match.groups, TmDcPendingGroupInfo, i));
    }
    for (guint i = 0; i < match.spans->len; i++) {
        const TmQmpCxlSpan *span = &g_array_index(match.spans, TmQmpCxlSpan, i);
        for (guint index = span->first; index < span->end; index++) {
            TmQmpExtentCopy copy = tm_qmp_accepted_copy(&s->text, dev, host_id,
                                                        tm_dcd_host_accepted(dev, host_id, index));
            g_array_append_val(s->accepted, copy);
        }
    }
    host.n_groups = match.groups->len;
    host.n_accepted = match.accepted;
    tm_qmp_cxl_host_match_clear(&match);
    g_array_append_val(s->hosts, host);
}

static void copy_tag(const TmDcTagInfo *info, void *opaque)
{
    QuerySnapshot *s = opaque;
    TagCopy tag = {
        .tag = info->tag,
        .state = info->state,
        .region = info->region,
        .backend_json = tm_qmp_text_cache_backend(&s->text, info->backend),
        .allocated = info->allocated,
        .pending_hosts = info->pending_hosts,
        .committed_hosts = info->committed_hosts,
        .referenced = info->referenced,
    };

    g_array_append_val(s->tags, tag);
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

/*
 * The device's background operation (0002h's view), once one was started:
 * what the opcode was, whether it runs, how far it is, and how the last
 * one ended.
 */
static json_object *background_json(const TmDcd *dev)
{
    /* Reading it settles an operation whose work has returned. */
    TmBackgroundStatus status = tm_dcd_background_status((TmDcd *)dev);
    json_object *json;

    if (status.opcode == 0) {
        return NULL;
    }
    json = json_object_new_object();
    json_object_object_add(json, "opcode", json_object_new_uint64(status.opcode));
    json_object_object_add(json, "running", json_object_new_boolean(status.running));
    json_object_object_add(json, "percent", json_object_new_uint64(status.percent));
    if (!status.running) {
        json_object_object_add(json, "result",
                               json_object_new_string(tm_dc_status_name(status.status)));
    }
    return json;
}

/* The device's members before "hosts", as text without the closing brace. */
static char *device_head(const TmDcd *dev, const TmQmpCxlFilter *f)
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
    json_object *background = background_json(dev);
    if (background) {
        json_object_object_add(json, "background-operation", background);
    }

    const char *text = tm_qmp_json_text(json);
    char *head = g_strndup(text, strlen(text) - 1);  /* without its '}' */
    json_object_put(json);
    return head;
}

static void copy_device(QuerySnapshot *s, const TmDcd *dev, const TmQmpCxlFilter *f)
{
    DeviceCopy device = {
        .head = device_head(dev, f),
        .num_hosts = tm_dcd_num_hosts(dev),
        .first_host = s->hosts->len,
        .first_tag = s->tags->len,
    };

    for (uint16_t h = 0; h < tm_dcd_num_hosts(dev); h++) {
        if (tm_qmp_cxl_keeps_host(f, h)) {
            copy_host(s, dev, h, f);
        }
    }
    tm_qmp_cxl_foreach_tag(dev, f, copy_tag, s);
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
    s->group_extents = g_array_new(FALSE, FALSE, sizeof(TmQmpExtentCopy));
    s->accepted = g_array_new(FALSE, FALSE, sizeof(TmQmpExtentCopy));
    s->tags = g_array_new(FALSE, FALSE, sizeof(TagCopy));
    tm_qmp_text_cache_init(&s->text);
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
    tm_qmp_text_cache_clear(&s->text);
    g_free(s);
}

/* ---- Writing ---- */

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
    tm_qmp_write_guid(out, &t->tag);
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
        tm_qmp_write_guid(out, &g->tag);
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
        const TmQmpExtentCopy *e = &g_array_index(s->group_extents, TmQmpExtentCopy,
                                             group->first_extent + s->group_extent);
        g_string_append(out, s->group_extent == 0 ? "{" : ",{");
        tm_qmp_write_extent_members(out, e);
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
        g_string_append(out, s->item == 0 ? "{" : ",{");
        tm_qmp_write_accepted_members(out, &g_array_index(s->accepted, TmQmpExtentCopy,
                                                          current_host(s)->first_accepted +
                                                          s->item));
        g_string_append_c(out, '}');
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

/*
 * Every device, or the one "path" names; "host-id", "region", "tag" and
 * "state" keep only what concerns that host, region, tag or state;
 * "start" and "count" ask for one page of the extents kept instead
 * (qmp_cxl_query_page.h).
 */
bool tm_qmp_query_cxl_dynamic_capacity(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                                       json_object **ret, GError **err)
{
    const char *path = tm_qmp_arg_str(args, "path", NULL);
    TmDcd *dev = path ? tm_qmp_cxl_resolve_device(env, path, err) : NULL;
    TmQmpCxlFilter filter;
    TmQmpPage page;

    if ((path && dev == NULL) || !tm_qmp_cxl_filter_parse(dev, args, &filter, err) ||
        !tm_qmp_page_parse(args, &page, err)) {
        return false;
    }
    g_autoptr(GPtrArray) devices = NULL;
    if (dev) {
        devices = g_ptr_array_new();
        g_ptr_array_add(devices, dev);
    } else {
        devices = env->devices ? tm_device_registry_list(env->devices) : g_ptr_array_new();
    }
    if (page.paged) {
        tm_qmp_cxl_query_page(session, devices, &filter, &page, ret);
        return true;
    }
    QuerySnapshot *s = snapshot_new();
    for (guint i = 0; i < devices->len; i++) {
        copy_device(s, g_ptr_array_index(devices, i), &filter);
    }
    tm_qmp_session_return_stream(session, &query_producer, s, ret);
    return true;
}
