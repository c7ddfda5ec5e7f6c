/*
 * Tag references over QMP, the FM-API's 5606h-5608h in QEMU's naming
 * style: cxl-add-dynamic-capacity-reference,
 * cxl-remove-dynamic-capacity-reference and
 * query-cxl-dynamic-capacity-tags.  The meaning of a reference is the
 * device engine's (dcd.h, docs/qmp.md).
 */
#include "qmp/qmp_command.h"

#include "qmp/qmp_cxl_json.h"

/* The device and the tag a reference command names. */
static TmDcd *reference_target(TmQmpEnv *env, json_object *args, TmGuid *tag, GError **err)
{
    TmDcd *dev = tm_qmp_cxl_resolve_device(env, tm_qmp_arg_str(args, "path", NULL), err);

    if (dev == NULL || !tm_guid_parse(tm_qmp_arg_str(args, "tag", NULL), "tag", tag, err)) {
        return NULL;
    }
    return dev;
}

static bool cxl_add_dynamic_capacity_reference(TmQmpEnv *env, TmQmpSession *session,
                                               json_object *args, json_object **ret,
                                               GError **err)
{
    TmGuid tag;
    TmDcd *dev = reference_target(env, args, &tag, err);

    return dev && tm_dcd_add_tag_reference(dev, &tag, err) == TM_DC_OK;
}

static bool cxl_remove_dynamic_capacity_reference(TmQmpEnv *env, TmQmpSession *session,
                                                  json_object *args, json_object **ret,
                                                  GError **err)
{
    TmGuid tag;
    TmDcd *dev = reference_target(env, args, &tag, err);

    return dev && tm_dcd_remove_tag_reference(dev, &tag, err) == TM_DC_OK;
}

static json_object *live_tag_json(const TmDcd *dev, const TmDcTagInfo *info)
{
    json_object *json = json_object_new_object();

    json_object_object_add(json, "tag", tm_qmp_cxl_guid(&info->tag));
    json_object_object_add(json, "region", json_object_new_uint64(info->region));
    json_object_object_add(json, "referenced", json_object_new_boolean(info->referenced));
    json_object_object_add(json, "committed-hosts",
                           tm_qmp_cxl_host_list(&info->committed_hosts, tm_dcd_num_hosts(dev)));
    json_object_object_add(json, "pending-hosts",
                           tm_qmp_cxl_host_list(&info->pending_hosts, tm_dcd_num_hosts(dev)));
    return json;
}

/* As 5608h: the live tags (with an allocation) and the tag generation number. */
static bool query_cxl_dynamic_capacity_tags(TmQmpEnv *env, TmQmpSession *session,
                                            json_object *args, json_object **ret, GError **err)
{
    TmDcd *dev = tm_qmp_cxl_resolve_device(env, tm_qmp_arg_str(args, "path", NULL), err);

    if (dev == NULL) {
        return false;
    }
    json_object *tags = json_object_new_array();
    for (guint i = 0; i < tm_dcd_tag_count(dev); i++) {
        TmDcTagInfo info = tm_dcd_tag_info(dev, i);

        if (info.backend != NULL) {
            json_object_array_add(tags, live_tag_json(dev, &info));
        }
    }
    *ret = json_object_new_object();
    json_object_object_add(*ret, "generation",
                           json_object_new_uint64(tm_dcd_tag_generation(dev)));
    json_object_object_add(*ret, "tags", tags);
    return true;
}

static const TmQmpArg reference_args[] = {
    { .name = "path", .type = TM_QMP_ARG_STR },
    { .name = "tag", .type = TM_QMP_ARG_STR },
    { .name = NULL },
};

static const TmQmpArg list_args[] = {
    { .name = "path", .type = TM_QMP_ARG_STR },
    { .name = NULL },
};

const TmQmpCommand tm_qmp_cxl_tag_commands[] = {
    { .name = "cxl-add-dynamic-capacity-reference",
      .handler = cxl_add_dynamic_capacity_reference, .args = reference_args,
      .changes_state = true },
    { .name = "cxl-remove-dynamic-capacity-reference",
      .handler = cxl_remove_dynamic_capacity_reference, .args = reference_args,
      .changes_state = true },
    { .name = "query-cxl-dynamic-capacity-tags", .handler = query_cxl_dynamic_capacity_tags,
      .args = list_args },
    { .name = NULL },
};
