/* qom-list, qom-get, qom-set over the tree of qom_path.h (QEMU's qapi/qom.json). */
#include "qmp/qmp_command.h"

#include "core/error.h"
#include "qmp/qmp_value.h"
#include "qmp/qom_path.h"

static json_object *property_info(const char *name, const char *type, const char *description)
{
    json_object *info = json_object_new_object();

    json_object_object_add(info, "name", json_object_new_string(name));
    json_object_object_add(info, "type", json_object_new_string(type));
    if (description) {
        json_object_object_add(info, "description", json_object_new_string(description));
    }
    return info;
}

static json_object *list_object(TmObject *object)
{
    g_autoptr(GPtrArray) props = tm_class_list_properties(object->klass);
    json_object *list = json_object_new_array();

    for (guint i = 0; i < props->len; i++) {
        const TmProperty *prop = g_ptr_array_index(props, i);
        json_object_array_add(list, property_info(prop->name, tm_prop_kind_name(prop->kind),
                                                  prop->description));
    }
    return list;
}

/* A container has the "type" property, then one child<> property per child. */
static json_object *list_container(TmQmpEnv *env, const TmQomContainer *container)
{
    json_object *list = json_object_new_array();

    json_object_array_add(list, property_info("type", tm_prop_kind_name(TM_PROP_STR), NULL));
    tm_qom_container_list_children(env, container, list);
    return list;
}

static bool qom_list(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                     json_object **ret, GError **err)
{
    TmQomNode node;

    if (!tm_qom_resolve(env, tm_qmp_arg_str(args, "path", NULL), &node, err)) {
        return false;
    }
    *ret = node.object ? list_object(node.object) : list_container(env, node.container);
    return true;
}

static bool property_not_found(const char *type_name, const char *property, GError **err)
{
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Property '%s.%s' not found", type_name,
                property);
    return false;
}

/* As in QEMU, a child<> property reads as the child's canonical path. */
static bool get_container_property(TmQmpEnv *env, const TmQomContainer *container,
                                   const char *property, json_object **ret, GError **err)
{
    if (g_str_equal(property, "type")) {
        *ret = json_object_new_string(TM_QOM_CONTAINER_TYPE);
        return true;
    }
    g_autofree char *child_path = tm_qom_container_child_path(env, container, property);
    if (child_path == NULL) {
        return property_not_found(TM_QOM_CONTAINER_TYPE, property, err);
    }
    *ret = json_object_new_string(child_path);
    return true;
}

static bool get_object_property(TmObject *object, const char *property, json_object **ret,
                                GError **err)
{
    TmValue value;

    if (!tm_object_get_property(object, property, &value, err)) {
        return false;
    }
    *ret = tm_qmp_value_to_json(&value);
    tm_value_clear(&value);
    return true;
}

static bool qom_get(TmQmpEnv *env, TmQmpSession *session, json_object *args, json_object **ret,
                    GError **err)
{
    const char *property = tm_qmp_arg_str(args, "property", NULL);
    TmQomNode node;

    if (!tm_qom_resolve(env, tm_qmp_arg_str(args, "path", NULL), &node, err)) {
        return false;
    }
    if (node.object) {
        return get_object_property(node.object, property, ret, err);
    }
    return get_container_property(env, node.container, property, ret, err);
}

/* Containers hold only read-only properties: their type and their children. */
static bool set_container_property(TmQmpEnv *env, const TmQomContainer *container,
                                   const char *property, GError **err)
{
    g_autofree char *child_path = tm_qom_container_child_path(env, container, property);

    if (!g_str_equal(property, "type") && child_path == NULL) {
        return property_not_found(TM_QOM_CONTAINER_TYPE, property, err);
    }
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Property '%s.%s' is not writable",
                TM_QOM_CONTAINER_TYPE, property);
    return false;
}

static bool set_object_property(TmObject *object, const char *property, json_object *json,
                                GError **err)
{
    const TmProperty *prop = tm_class_find_property(object->klass, property);
    TmValue value = { 0 };

    if (prop == NULL) {
        return property_not_found(tm_object_type_name(object), property, err);
    }
    if (!tm_qmp_value_from_json(prop->kind, property, json, &value, err)) {
        return false;
    }
    bool ok = tm_object_set_property(object, property, &value, err);
    tm_value_clear(&value);
    return ok;
}

static bool qom_set(TmQmpEnv *env, TmQmpSession *session, json_object *args, json_object **ret,
                    GError **err)
{
    const char *property = tm_qmp_arg_str(args, "property", NULL);
    json_object *value = NULL;
    TmQomNode node;

    json_object_object_get_ex(args, "value", &value);
    if (!tm_qom_resolve(env, tm_qmp_arg_str(args, "path", NULL), &node, err)) {
        return false;
    }
    if (node.object) {
        return set_object_property(node.object, property, value, err);
    }
    return set_container_property(env, node.container, property, err);
}

static const TmQmpArg qom_list_args[] = {
    { .name = "path", .type = TM_QMP_ARG_STR },
    { .name = NULL },
};

static const TmQmpArg qom_get_args[] = {
    { .name = "path", .type = TM_QMP_ARG_STR },
    { .name = "property", .type = TM_QMP_ARG_STR },
    { .name = NULL },
};

static const TmQmpArg qom_set_args[] = {
    { .name = "path", .type = TM_QMP_ARG_STR },
    { .name = "property", .type = TM_QMP_ARG_STR },
    { .name = "value", .type = TM_QMP_ARG_ANY },
    { .name = NULL },
};

const TmQmpCommand tm_qmp_qom_commands[] = {
    { .name = "qom-list", .handler = qom_list, .args = qom_list_args },
    { .name = "qom-get", .handler = qom_get, .args = qom_get_args },
    { .name = "qom-set", .handler = qom_set, .args = qom_set_args, .changes_state = true },
    { .name = NULL },
};
