/*
 * The CXL Dynamic Capacity commands: QEMU's cxl-add-dynamic-capacity and
 * cxl-release-dynamic-capacity (qapi/cxl.json, docs/qemu-compat.md), the
 * seed series' cxl-release-dynamic-capacity-status, and tagmem's
 * query-cxl-dynamic-capacity.  Handlers parse and convert only; every
 * check of an add or release request is the device engine's (dcd.h),
 * whose message is reported with class GenericError.
 */
#include "qmp/qmp_command.h"

#include <string.h>

#include "backend/hostmem.h"
#include "core/error.h"
#include "qmp/qmp_cxl_json.h"
#include "qmp/qmp_cxl_match.h"
#include "qmp/qmp_cxl_query.h"
#include "qmp/qmp_page.h"

/* In the order of the FM-API encoding (CXL r3.2 5605h), so the index is the value. */
static const char *const removal_policies[] = { "tag-based", "prescriptive", NULL };

_Static_assert(TM_DC_REMOVE_TAG_BASED == 0 && TM_DC_REMOVE_PRESCRIPTIVE == 1,
               "removal_policies[] follows TmDcRemovalPolicy");

/* The schema has checked that @text is one of @values. */
static guint enum_index(const char *const *values, const char *text)
{
    for (guint i = 0; values[i]; i++) {
        if (strcmp(values[i], text) == 0) {
            return i;
        }
    }
    g_assert_not_reached();
}

/* ---- Arguments ---- */

/*
 * The DPA of region-relative @offset: region base + offset (QEMU's
 * qapi/cxl.json).  An offset so large that the sum wraps lies past the region end
 * anyway; it becomes a DPA just past the end with the same alignment (the
 * region length is a multiple of its block size), so that the engine
 * still reports it in QEMU's order: zero length, alignment, region end.
 */
static uint64_t offset_to_dpa(const TmDcRegion *region, uint64_t offset)
{
    if (offset <= UINT64_MAX - region->base) {
        return region->base + offset;
    }
    uint64_t misalignment = offset % region->block_size;
    uint64_t end = tm_dc_region_end(region);

    return misalignment <= UINT64_MAX - end ? end + misalignment : end;
}

/*
 * The "extents" argument as DPA ranges (TmExtent).  With @region NULL (a
 * region id the device does not have, which the engine refuses before it
 * looks at extents) the offsets are kept as they are.
 */
static GArray *parse_extents(json_object *args, const TmDcRegion *region)
{
    json_object *list = json_object_object_get(args, "extents");
    size_t n = json_object_array_length(list);
    GArray *extents = g_array_sized_new(FALSE, TRUE, sizeof(TmExtent), (guint)n);

    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(list, i);
        uint64_t offset = tm_qmp_arg_uint(item, "offset", 0);
        TmExtent extent = {
            .dpa = region ? offset_to_dpa(region, offset) : offset,
            .length = tm_qmp_arg_uint(item, "len", 0),
        };
        g_array_append_val(extents, extent);
    }
    return extents;
}

static const TmDcRegion *find_region(const TmDcd *dev, unsigned index)
{
    return index < tm_dcd_num_regions(dev) ? tm_dcd_region(dev, index) : NULL;
}

/*
 * free and contiguous: QEMU's schema has no length member, so the length
 * asked for is the sum of the listed extents' lengths; their offsets are
 * not used (the device picks the DPAs).
 */
static bool total_length(const GArray *extents, uint64_t *out, GError **err)
{
    uint64_t total = 0;

    for (guint i = 0; i < extents->len; i++) {
        uint64_t length = g_array_index(extents, TmExtent, i).length;

        if (length > UINT64_MAX - total) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                        "Parameter 'extents' asks for more than 2^64 bytes in total");
            return false;
        }
        total += length;
    }
    *out = total;
    return true;
}

/* ---- cxl-add-dynamic-capacity ---- */

static bool cxl_add_dynamic_capacity(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                                     json_object **ret, GError **err)
{
    TmDcd *dev = tm_qmp_cxl_resolve_device(env, tm_qmp_arg_str(args, "path", NULL), err);
    TmDcAddRequest request = {
        .host_id = (uint16_t)tm_qmp_arg_uint(args, "host-id", 0),
        .policy = (TmDcSelectionPolicy)enum_index(
            tm_qmp_cxl_selection_policies, tm_qmp_arg_str(args, "selection-policy", NULL)),
        .region = (uint8_t)tm_qmp_arg_uint(args, "region", 0),
    };

    if (dev == NULL || !tm_qmp_cxl_parse_tag(args, &request.tag, err)) {
        return false;
    }
    g_autoptr(GArray) extents = parse_extents(args, find_region(dev, request.region));
    switch (request.policy) {
    case TM_DC_SELECT_FREE:
    case TM_DC_SELECT_CONTIGUOUS:
        if (!total_length(extents, &request.length, err)) {
            return false;
        }
        break;
    case TM_DC_SELECT_PRESCRIPTIVE:
        request.extents = (const TmExtent *)(const void *)extents->data;
        request.n_extents = extents->len;
        break;
    case TM_DC_SELECT_ENABLE_SHARED_ACCESS:
        break; /* the tag's allocation names the extents */
    }
    return tm_dcd_add_request(dev, &request, err) == TM_DC_OK;
}

/* ---- cxl-release-dynamic-capacity ---- */

static bool cxl_release_dynamic_capacity(TmQmpEnv *env, TmQmpSession *session,
                                         json_object *args, json_object **ret, GError **err)
{
    TmDcd *dev = tm_qmp_cxl_resolve_device(env, tm_qmp_arg_str(args, "path", NULL), err);
    TmDcReleaseRequest request = {
        .host_id = (uint16_t)tm_qmp_arg_uint(args, "host-id", 0),
        .policy = (TmDcRemovalPolicy)enum_index(removal_policies,
                                                tm_qmp_arg_str(args, "removal-policy", NULL)),
        .forced = tm_qmp_arg_bool(args, "forced-removal", false),
        .sanitize = tm_qmp_arg_bool(args, "sanitize-on-release", false),
        .region = (uint8_t)tm_qmp_arg_uint(args, "region", 0),
    };

    if (dev == NULL || !tm_qmp_cxl_parse_tag(args, &request.tag, err)) {
        return false;
    }
    g_autoptr(GArray) extents = parse_extents(args, find_region(dev, request.region));
    /* Tag-based: every extent of the tag; the list is not used. */
    if (request.policy == TM_DC_REMOVE_PRESCRIPTIVE) {
        request.extents = (const TmExtent *)(const void *)extents->data;
        request.n_extents = extents->len;
    }
    return tm_dcd_release_request(dev, &request, err) == TM_DC_OK;
}

/* ---- cxl-withdraw-dynamic-capacity ---- */

/*
 * tagmem's own: take back offers the host has not answered (all of the
 * host's, or the add request "id" of query-cxl-dynamic-capacity, or those
 * of "tag"), so that an unresponsive host does not keep them for ever.
 */
static bool cxl_withdraw_dynamic_capacity(TmQmpEnv *env, TmQmpSession *session,
                                          json_object *args, json_object **ret, GError **err)
{
    TmDcd *dev = tm_qmp_cxl_resolve_device(env, tm_qmp_arg_str(args, "path", NULL), err);
    uint16_t host_id = (uint16_t)tm_qmp_arg_uint(args, "host-id", 0);
    uint64_t id = tm_qmp_arg_uint(args, "id", 0);
    TmGuid tag;

    if (dev == NULL || !tm_qmp_cxl_parse_tag(args, &tag, err)) {
        return false;
    }
    if (json_object_object_get_ex(args, "id", NULL) && id == 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter 'id' expects an add request id (1 or more), got 0");
        return false;
    }
    return tm_dcd_withdraw_offers(dev, host_id, id, tm_guid_is_null(&tag) ? NULL : &tag,
                                  err) == TM_DC_OK;
}

/* ---- cxl-release-dynamic-capacity-status ---- */

/* The seed series names the device "path"; a reviewer asked for "qom-path".  Either, not both. */
static const char *status_device_path(json_object *args, GError **err)
{
    bool has_path = tm_qmp_arg_has(args, "path");
    bool has_qom_path = tm_qmp_arg_has(args, "qom-path");

    if (has_path && has_qom_path) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameters 'path' and 'qom-path' are mutually exclusive");
        return NULL;
    }
    if (!has_path && !has_qom_path) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Parameter 'qom-path' is missing");
        return NULL;
    }
    return tm_qmp_arg_str(args, has_path ? "path" : "qom-path", NULL);
}

/* The engine's checks and texts for region and host id (dcd_checks.c). */
static bool check_region_and_host(const TmDcd *dev, unsigned region, unsigned host_id,
                                  GError **err)
{
    if (tm_dcd_num_regions(dev) == 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "No dynamic capacity support from the device");
        return false;
    }
    if (region >= tm_dcd_num_regions(dev)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "region id is too large");
        return false;
    }
    if (host_id >= tm_dcd_num_hosts(dev)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "host-id %u is out of range: device '%s' has %u hosts", host_id,
                    tm_dcd_id(dev), tm_dcd_num_hosts(dev));
        return false;
    }
    return true;
}

static char *status_message(TmDcTagState state, const char *tag_text, unsigned host_id,
                            bool referenced)
{
    switch (state) {
    case TM_DC_TAG_PENDING:
        return g_strdup_printf("capacity with tag %s is offered to host %u, which has not "
                               "accepted it yet", tag_text, host_id);
    case TM_DC_TAG_COMMITTED:
        return g_strdup_printf("host %u has accepted capacity with tag %s", host_id, tag_text);
    case TM_DC_TAG_RELEASED:
        return g_strdup_printf("host %u no longer holds capacity with tag %s%s", host_id,
                               tag_text, referenced ? "; an FM reference keeps the allocation"
                                                    : "");
    case TM_DC_TAG_NOT_FOUND:
        break;
    }
    g_assert_not_reached();
}

static bool cxl_release_dynamic_capacity_status(TmQmpEnv *env, TmQmpSession *session,
                                                json_object *args, json_object **ret,
                                                GError **err)
{
    const char *path = status_device_path(args, err);
    TmDcd *dev = path ? tm_qmp_cxl_resolve_device(env, path, err) : NULL;
    unsigned host_id = (unsigned)tm_qmp_arg_uint(args, "host-id", 0);
    unsigned region = (unsigned)tm_qmp_arg_uint(args, "region", 0);
    const char *tag_text = tm_qmp_arg_str(args, "tag", NULL);
    TmDcTagInfo info;
    TmGuid tag;

    if (dev == NULL || !check_region_and_host(dev, region, host_id, err) ||
        !tm_guid_parse(tag_text, "tag", &tag, err)) {
        return false;
    }
    TmDcTagState state = tm_dcd_tag_state(dev, &tag, (uint16_t)host_id);
    if (state == TM_DC_TAG_NOT_FOUND) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "tag %s was never offered to host %u of device '%s'", tag_text, host_id,
                    tm_dcd_id(dev));
        return false;
    }
    bool known = tm_dcd_find_tag(dev, &tag, &info);
    if (known && info.region != region) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "tag %s is in region %u, not region %u",
                    tag_text, info.region, region);
        return false;
    }
    g_autofree char *canonical = tm_guid_to_string(&tag);
    bool referenced = known && info.referenced;
    g_autofree char *message = status_message(state, canonical, host_id, referenced);
    *ret = json_object_new_object();
    json_object_object_add(*ret, "status", json_object_new_string(tm_dc_tag_state_name(state)));
    json_object_object_add(*ret, "message", json_object_new_string(message));
    json_object_object_add(*ret, "referenced", json_object_new_boolean(referenced));
    return true;
}

/* ---- Schemas ---- */

static const TmQmpArg extent_members[] = {
    { .name = "offset", .type = TM_QMP_ARG_UINT64 },
    { .name = "len", .type = TM_QMP_ARG_UINT64 },
    { .name = NULL },
};

static const TmQmpArg extent_element = { .type = TM_QMP_ARG_STRUCT, .members = extent_members };

static const TmQmpArg add_args[] = {
    { .name = "path", .type = TM_QMP_ARG_STR },
    { .name = "host-id", .type = TM_QMP_ARG_UINT16 },
    { .name = "selection-policy", .type = TM_QMP_ARG_ENUM, .enum_values = tm_qmp_cxl_selection_policies },
    { .name = "region", .type = TM_QMP_ARG_UINT8 },
    { .name = "tag", .type = TM_QMP_ARG_STR, .optional = true },
    { .name = "extents", .type = TM_QMP_ARG_LIST, .element = &extent_element },
    { .name = NULL },
};

static const TmQmpArg release_args[] = {
    { .name = "path", .type = TM_QMP_ARG_STR },
    { .name = "host-id", .type = TM_QMP_ARG_UINT16 },
    { .name = "removal-policy", .type = TM_QMP_ARG_ENUM, .enum_values = removal_policies },
    { .name = "forced-removal", .type = TM_QMP_ARG_BOOL, .optional = true },
    { .name = "sanitize-on-release", .type = TM_QMP_ARG_BOOL, .optional = true },
    { .name = "region", .type = TM_QMP_ARG_UINT8 },
    { .name = "tag", .type = TM_QMP_ARG_STR, .optional = true },
    { .name = "extents", .type = TM_QMP_ARG_LIST, .element = &extent_element },
    { .name = NULL },
};

static const TmQmpArg withdraw_args[] = {
    { .name = "path", .type = TM_QMP_ARG_STR },
    { .name = "host-id", .type = TM_QMP_ARG_UINT16 },
    { .name = "id", .type = TM_QMP_ARG_UINT64, .optional = true },
    { .name = "tag", .type = TM_QMP_ARG_STR, .optional = true },
    { .name = NULL },
};

static const TmQmpArg release_status_args[] = {
    { .name = "path", .type = TM_QMP_ARG_STR, .optional = true },
    { .name = "qom-path", .type = TM_QMP_ARG_STR, .optional = true },
    { .name = "host-id", .type = TM_QMP_ARG_UINT16 },
    { .name = "region", .type = TM_QMP_ARG_UINT8 },
    { .name = "tag", .type = TM_QMP_ARG_STR },
    { .name = NULL },
};

static const TmQmpArg query_args[] = {
    { .name = "path", .type = TM_QMP_ARG_STR, .optional = true },
    { .name = "host-id", .type = TM_QMP_ARG_UINT16, .optional = true },
    { .name = "region", .type = TM_QMP_ARG_UINT8, .optional = true },
    { .name = "tag", .type = TM_QMP_ARG_STR, .optional = true },
    { .name = "state", .type = TM_QMP_ARG_ENUM, .optional = true,
      .enum_values = tm_qmp_cxl_states },
    TM_QMP_PAGE_ARGS,
    { .name = NULL },
};

const TmQmpCommand tm_qmp_cxl_commands[] = {
    { .name = "cxl-add-dynamic-capacity", .handler = cxl_add_dynamic_capacity,
      .args = add_args, .changes_state = true },
    { .name = "cxl-release-dynamic-capacity", .handler = cxl_release_dynamic_capacity,
      .args = release_args, .changes_state = true },
    { .name = "cxl-withdraw-dynamic-capacity", .handler = cxl_withdraw_dynamic_capacity,
      .args = withdraw_args, .changes_state = true },
    { .name = "cxl-release-dynamic-capacity-status",
      .handler = cxl_release_dynamic_capacity_status, .args = release_status_args },
    { .name = "query-cxl-dynamic-capacity", .handler = tm_qmp_query_cxl_dynamic_capacity,
      .args = query_args },
    { .name = NULL },
};
