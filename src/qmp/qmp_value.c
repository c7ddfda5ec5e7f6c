#include "qmp/qmp_value.h"

#include "core/error.h"
#include "qmp/qmp_args.h"

static bool type_error(const char *name, const char *expected, GError **err)
{
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Invalid parameter type for '%s', expected: %s",
                name, expected);
    return false;
}

/* A JSON array of non-negative integers into a new list in @out, left unset on failure. */
static bool uint_list_from_json(const char *name, json_object *json, GArray **out, GError **err)
{
    if (!json_object_is_type(json, json_type_array)) {
        return type_error(name, "array", err);
    }
    g_autoptr(GArray) list = tm_value_uint_list_new();
    size_t count = json_object_array_length(json);
    for (size_t i = 0; i < count; i++) {
        g_autofree char *element_name = g_strdup_printf("%s[%zu]", name, i);
        uint64_t n;
        if (!tm_qmp_json_to_uint64(json_object_array_get_idx(json, i), element_name, &n, err)) {
            return false;
        }
        g_array_append_val(list, n);
    }
    *out = g_steal_pointer(&list);
    return true;
}

bool tm_qmp_value_from_json(TmPropKind kind, const char *name, json_object *json, TmValue *out,
                            GError **err)
{
    out->kind = kind;
    switch (kind) {
    case TM_PROP_STR:
    case TM_PROP_ENUM:
    case TM_PROP_GUID:
    case TM_PROP_LINK:
        if (!json_object_is_type(json, json_type_string)) {
            return type_error(name, "string", err);
        }
        out->str = g_strdup(json_object_get_string(json));
        return true;
    case TM_PROP_BOOL:
        if (!json_object_is_type(json, json_type_boolean)) {
            return type_error(name, "boolean", err);
        }
        out->boolean = json_object_get_boolean(json);
        return true;
    case TM_PROP_SIZE:
    case TM_PROP_UINT:
        return tm_qmp_json_to_uint64(json, name, &out->uint, err);
    case TM_PROP_UINT_LIST:
        return uint_list_from_json(name, json, &out->list, err);
    }
    g_assert_not_reached();
}

json_object *tm_qmp_value_to_json(const TmValue *value)
{
    switch (value->kind) {
    case TM_PROP_STR:
    case TM_PROP_ENUM:
    case TM_PROP_GUID:
    case TM_PROP_LINK:
        return json_object_new_string(tm_value_string(value));
    case TM_PROP_BOOL:
        return json_object_new_boolean(value->boolean);
    case TM_PROP_SIZE:
    case TM_PROP_UINT:
        return json_object_new_uint64(value->uint);
    case TM_PROP_UINT_LIST: {
        json_object *array = json_object_new_array();
        for (guint i = 0; value->list && i < value->list->len; i++) {
            json_object_array_add(array,
                                  json_object_new_uint64(g_array_index(value->list, uint64_t, i)));
        }
        return array;
    }
    }
    g_assert_not_reached();
}
