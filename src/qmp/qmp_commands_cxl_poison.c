/*
 * Poison over QMP: QEMU's cxl-inject-poison (qapi/cxl.json: path, start,
 * length; its checks and texts), and tagmem's query-cxl-poison, which
 * lists what the device knows is poisoned.  The rules are the device's
 * (device/dcd_poison.h, docs/qmp.md).
 */
#include "qmp/qmp_command.h"

#include "core/error.h"
#include "device/dcd_poison.h"
#include "qmp/qmp_cxl_json.h"
#include "qmp/qom_path.h"

/* QEMU's lookup for the injection commands, with its two texts. */
static TmDcd *inject_target(TmQmpEnv *env, const char *path, GError **err)
{
    TmObject *object = NULL;
    TmQomNode node;

    if (path[0] == '/') {
        object = tm_qom_resolve(env, path, &node, NULL) ? node.object : NULL;
    } else if (env->devices) {
        TmDcd *dev = tm_device_registry_find(env->devices, path);
        object = dev ? tm_dcd_object(dev) : NULL;
    }
    if (object == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Unable to resolve path");
        return NULL;
    }
    if (!tm_object_is_a(object, &tm_dcd_class)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Path does not point to a CXL type 3 device");
        return NULL;
    }
    return tm_dcd_from_object(object);
}

static bool cxl_inject_poison(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                              json_object **ret, GError **err)
{
    uint64_t start = tm_qmp_arg_uint(args, "start", 0);
    uint64_t length = tm_qmp_arg_uint(args, "length", 0);

    /* QEMU checks the range before it looks the device up. */
    if (tm_dcd_check_poison_range(start, length, err) != TM_DC_OK) {
        return false;
    }
    TmDcd *dev = inject_target(env, tm_qmp_arg_str(args, "path", NULL), err);
    return dev && tm_dcd_inject_poison(dev, start, length, err) == TM_DC_OK;
}

static const char *source_name(TmPoisonSource source)
{
    switch (source) {
    case TM_POISON_SOURCE_EXTERNAL:
        return "external";
    case TM_POISON_SOURCE_INTERNAL:
        return "internal";
    case TM_POISON_SOURCE_INJECTED:
        return "injected";
    case TM_POISON_SOURCE_VENDOR:
        return "vendor";
    case TM_POISON_SOURCE_UNKNOWN:
        break;
    }
    return "unknown";
}

static bool add_range(const TmPoisonRange *range, void *opaque)
{
    json_object *json = json_object_new_object();

    json_object_object_add(json, "start", json_object_new_uint64(range->dpa));
    json_object_object_add(json, "length", json_object_new_uint64(range->length));
    json_object_object_add(json, "source", json_object_new_string(source_name(range->source)));
    json_object_array_add(opaque, json);
    return true;
}

/* Every poisoned range the device knows, whether or not its poison list reports it. */
static bool query_cxl_poison(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                             json_object **ret, GError **err)
{
    TmDcd *dev = tm_qmp_cxl_resolve_device(env, tm_qmp_arg_str(args, "path", NULL), err);
    uint64_t since_ns = 0;

    if (dev == NULL) {
        return false;
    }
    json_object *ranges = json_object_new_array();
    tm_dcd_foreach_poison(dev, 0, UINT64_MAX, add_range, ranges);
    bool overflowed = tm_dcd_poison_overflowed(dev, &since_ns);
    *ret = json_object_new_object();
    json_object_object_add(*ret, "max-records",
                           json_object_new_uint64(tm_dcd_poison_list_max(dev)));
    json_object_object_add(*ret, "overflow", json_object_new_boolean(overflowed));
    if (overflowed) {
        json_object_object_add(*ret, "overflow-timestamp", json_object_new_uint64(since_ns));
    }
    json_object_object_add(*ret, "poison", ranges);
    return true;
}

static const TmQmpArg inject_args[] = {
    { .name = "path", .type = TM_QMP_ARG_STR },
    { .name = "start", .type = TM_QMP_ARG_UINT64 },
    { .name = "length", .type = TM_QMP_ARG_UINT64 },
    { .name = NULL },
};

static const TmQmpArg query_args[] = {
    { .name = "path", .type = TM_QMP_ARG_STR },
    { .name = NULL },
};

const TmQmpCommand tm_qmp_cxl_poison_commands[] = {
    { .name = "cxl-inject-poison", .handler = cxl_inject_poison, .args = inject_args,
      .changes_state = true },
    { .name = "query-cxl-poison", .handler = query_cxl_poison, .args = query_args },
    { .name = NULL },
};
