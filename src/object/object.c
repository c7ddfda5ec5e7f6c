#include "object/object.h"

#include <string.h>

#include "core/error.h"

static void get_type(TmObject *obj, TmValue *out)
{
    out->str = g_strdup(tm_object_type_name(obj));
}

static const TmProperty object_properties[] = {
    { .name = "type", .kind = TM_PROP_STR, .access = TM_PROP_READ_ONLY,
      .description = "The object's type name", .get = get_type },
    { .name = NULL },
};

const TmObjectClass tm_object_class = {
    .type_name = "object",
    .abstract = true,
    .instance_size = sizeof(TmObject),
    .properties = object_properties,
};

static void init_chain(const TmObjectClass *klass, TmObject *obj)
{
    if (klass == NULL) {
        return;
    }
    init_chain(klass->parent, obj);
    if (klass->init) {
        klass->init(obj);
    }
}

TmObject *tm_object_new(const TmObjectClass *klass, const char *id)
{
    g_assert(!klass->abstract);
    g_assert(klass->instance_size >= sizeof(TmObject));

    TmObject *obj = g_malloc0(klass->instance_size);
    obj->klass = klass;
    obj->id = g_strdup(id);
    init_chain(klass, obj);
    return obj;
}

void tm_object_free(TmObject *obj)
{
    if (obj == NULL) {
        return;
    }
    for (const TmObjectClass *k = obj->klass; k; k = k->parent) {
        if (k->finalize) {
            k->finalize(obj);
        }
    }
    g_free(obj->id);
    g_free(obj);
}

bool tm_object_complete(TmObject *obj, GError **err)
{
    g_assert(!obj->completed);
    for (const TmObjectClass *k = obj->klass; k; k = k->parent) {
        if (k->complete) {
            if (!k->complete(obj, err)) {
                return false;
            }
            break;
        }
    }
    obj->completed = true;
    return true;
}

const char *tm_object_type_name(const TmObject *obj)
{
    return obj->klass->type_name;
}

bool tm_class_is_a(const TmObjectClass *klass, const TmObjectClass *ancestor)
{
    for (const TmObjectClass *k = klass; k; k = k->parent) {
        if (k == ancestor) {
            return true;
        }
    }
    return false;
}

bool tm_object_is_a(const TmObject *obj, const TmObjectClass *klass)
{
    return tm_class_is_a(obj->klass, klass);
}

const TmProperty *tm_class_find_property(const TmObjectClass *klass, const char *name)
{
    for (const TmObjectClass *k = klass; k; k = k->parent) {
        for (const TmProperty *p = k->properties; p && p->name; p++) {
            if (strcmp(p->name, name) == 0) {
                return p;
            }
        }
    }
    return NULL;
}

static void list_chain(const TmObjectClass *klass, GPtrArray *out)
{
    if (klass == NULL) {
        return;
    }
    list_chain(klass->parent, out);
    for (const TmProperty *p = klass->properties; p && p->name; p++) {
        g_ptr_array_add(out, (gpointer)p);
    }
}

GPtrArray *tm_class_list_properties(const TmObjectClass *klass)
{
    GPtrArray *props = g_ptr_array_new();

    list_chain(klass, props);
    return props;
}

static const TmProperty *find_or_error(const TmObject *obj, const char *name, GError **err)
{
    const TmProperty *prop = tm_class_find_property(obj->klass, name);

    if (prop == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Property '%s.%s' not found",
                    tm_object_type_name(obj), name);
    }
    return prop;
}

static bool check_writable(const TmObject *obj, const TmProperty *prop, GError **err)
{
    if (prop->access == TM_PROP_READ_ONLY || prop->set == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Property '%s.%s' is not writable",
                    tm_object_type_name(obj), prop->name);
        return false;
    }
    if (prop->access == TM_PROP_INIT_ONLY && obj->completed) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Property '%s.%s' cannot be changed after '%s' is created",
                    tm_object_type_name(obj), prop->name, obj->id);
        return false;
    }
    return true;
}

static bool check_enum(const TmObject *obj, const TmProperty *prop, const char *text,
                       GError **err)
{
    if (g_strv_contains((const char *const *)prop->enum_values, text)) {
        return true;
    }
    g_autofree char *choices = g_strjoinv(", ", (char **)prop->enum_values);
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                "Parameter '%s' does not accept value '%s' (expected one of: %s)", prop->name,
                text, choices);
    return false;
}

bool tm_object_set_property(TmObject *obj, const char *name, const TmValue *value, GError **err)
{
    const TmProperty *prop = find_or_error(obj, name, err);

    if (prop == NULL || !check_writable(obj, prop, err)) {
        return false;
    }
    if (value->kind != prop->kind) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Invalid parameter type for '%s', expected: %s", name,
                    tm_prop_kind_name(prop->kind));
        return false;
    }
    if (prop->kind == TM_PROP_ENUM && !check_enum(obj, prop, value->str, err)) {
        return false;
    }
    return prop->set(obj, value, err);
}

bool tm_object_set_property_text(TmObject *obj, const char *name, const char *text,
                                 GError **err)
{
    const TmProperty *prop = find_or_error(obj, name, err);
    TmValue value = { 0 };

    if (prop == NULL || !tm_value_parse_text(prop->kind, name, text, &value, err)) {
        return false;
    }
    bool ok = tm_object_set_property(obj, name, &value, err);
    tm_value_clear(&value);
    return ok;
}

bool tm_object_get_property(TmObject *obj, const char *name, TmValue *out, GError **err)
{
    const TmProperty *prop = find_or_error(obj, name, err);

    if (prop == NULL) {
        return false;
    }
    memset(out, 0, sizeof(*out));
    out->kind = prop->kind;
    prop->get(obj, out);
    return true;
}
