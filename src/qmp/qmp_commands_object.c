/* object-add, object-del, query-memdev: memory backends under /objects. */
#include "qmp/qmp_command.h"

#include <string.h>

#include "backend/hostmem.h"
#include "core/error.h"
#include "qmp/qmp_value.h"

static void clear_assignment(gpointer data)
{
    TmPropAssignment *assignment = data;

    tm_value_clear(&assignment->value);
}

static bool is_object_add_member(const char *key)
{
    return strcmp(key, "qom-type") == 0 || strcmp(key, "id") == 0;
}

/*
 * QEMU's flat object-add: every member but qom-type and id is a property,
 * typed by the property's kind.  Names point into @args.
 */
static GArray *convert_properties(const TmObjectClass *klass, json_object *args, GError **err)
{
    g_autoptr(GArray) props = g_array_new(FALSE, TRUE, sizeof(TmPropAssignment));

    g_array_set_clear_func(props, clear_assignment);
    json_object_object_foreach(args, key, json) {
        if (is_object_add_member(key)) {
            continue;
        }
        const TmProperty *prop = tm_class_find_property(klass, key);
        if (prop == NULL) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Property '%s.%s' not found",
                        klass->type_name, key);
            return NULL;
        }
        TmPropAssignment assignment = { .name = key };
        if (!tm_qmp_value_from_json(prop->kind, key, json, &assignment.value, err)) {
            return NULL;
        }
        g_array_append_val(props, assignment);
    }
    return g_steal_pointer(&props);
}

static bool object_add(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                       json_object **ret, GError **err)
{
    const char *type_name = tm_qmp_arg_str(args, "qom-type", NULL);
    const TmObjectClass *klass = tm_hostmem_find_type(type_name);

    if (klass == NULL) {
        /* The registry refuses unknown types, naming the known ones. */
        return tm_backend_registry_create(env->backends, type_name,
                                          tm_qmp_arg_str(args, "id", NULL), NULL, 0,
                                          err) != NULL;
    }
    g_autoptr(GArray) props = convert_properties(klass, args, err);
    if (props == NULL) {
        return false;
    }
    return tm_backend_registry_create(env->backends, type_name, tm_qmp_arg_str(args, "id", NULL),
                                      (const TmPropAssignment *)props->data, props->len,
                                      err) != NULL;
}

static bool object_del(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                       json_object **ret, GError **err)
{
    const char *id = tm_qmp_arg_str(args, "id", NULL);

    if (tm_backend_registry_find_by_id(env->backends, id) == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "object '%s' not found", id);
        return false;
    }
    return tm_backend_registry_delete(env->backends, id, err);
}

/* Copy property @name into @out under the same name; absent properties are left out. */
static void add_property(TmObject *object, json_object *out, const char *name)
{
    TmValue value;

    if (tm_object_get_property(object, name, &value, NULL)) {
        json_object_object_add(out, name, tm_qmp_value_to_json(&value));
        tm_value_clear(&value);
    }
}

/* QEMU's Memdev (qapi/machine.json), plus "tag" when the backend has one. */
static json_object *memdev_info(TmHostMem *backend)
{
    static const char *const fields[] = {
        "size", "merge", "dump", "prealloc", "share", "reserve", "host-nodes", "policy",
    };
    TmObject *object = tm_hostmem_object(backend);
    json_object *info = json_object_new_object();

    json_object_object_add(info, "id", json_object_new_string(tm_hostmem_id(backend)));
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
        add_property(object, info, fields[i]);
    }
    const TmGuid *tag = tm_hostmem_tag(backend);
    if (tag) {
        char text[TM_GUID_STRING_LEN + 1];
        tm_guid_format(tag, text);
        json_object_object_add(info, "tag", json_object_new_string(text));
    }
    return info;
}

static bool query_memdev(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                         json_object **ret, GError **err)
{
    g_autoptr(GPtrArray) backends = tm_backend_registry_list(env->backends);

    *ret = json_object_new_array_ext(backends->len);
    for (guint i = 0; i < backends->len; i++) {
        json_object_array_add(*ret, memdev_info(g_ptr_array_index(backends, i)));
    }
    return true;
}

static const TmQmpArg object_add_args[] = {
    { .name = "qom-type", .type = TM_QMP_ARG_STR },
    { .name = "id", .type = TM_QMP_ARG_STR },
    { .name = NULL },
};

static const TmQmpArg object_del_args[] = {
    { .name = "id", .type = TM_QMP_ARG_STR },
    { .name = NULL },
};

const TmQmpCommand tm_qmp_object_commands[] = {
    { .name = "object-add", .handler = object_add, .args = object_add_args, .extra_args = true },
    { .name = "object-del", .handler = object_del, .args = object_del_args },
    { .name = "query-memdev", .handler = query_memdev },
    { .name = NULL },
};
