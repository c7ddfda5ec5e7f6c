#include "daemon/object_option.h"

#include <string.h>

#include "backend/hostmem.h"
#include "core/error.h"
#include "core/keyval.h"

static void assignment_clear(gpointer data)
{
    TmPropAssignment *assignment = data;

    tm_value_clear(&assignment->value);
}

void tm_object_option_free(TmObjectOption *option)
{
    if (option == NULL) {
        return;
    }
    g_free(option->text);
    g_free(option->qom_type);
    g_free(option->id);
    g_array_unref(option->props);
    g_free(option);
}

static char *type_names(void)
{
    GString *names = g_string_new(NULL);

    for (const TmObjectClass *const *type = tm_hostmem_types(); *type; type++) {
        g_string_append_printf(names, "%s%s", names->len ? ", " : "", (*type)->type_name);
    }
    return g_string_free(names, FALSE);
}

static const TmObjectClass *find_type(const char *qom_type, GError **err)
{
    const TmObjectClass *klass = tm_hostmem_find_type(qom_type);

    if (klass == NULL) {
        g_autofree char *names = type_names();
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter 'qom-type' does not accept value '%s' (expected one of: %s)",
                    qom_type, names);
    }
    return klass;
}

static TmPropAssignment *find_assignment(GArray *props, const char *name)
{
    for (guint i = 0; i < props->len; i++) {
        TmPropAssignment *assignment = &g_array_index(props, TmPropAssignment, i);
        if (strcmp(assignment->name, name) == 0) {
            return assignment;
        }
    }
    return NULL;
}

/* Store @value (taking what it owns), merging lists and replacing scalars. */
static void put_value(GArray *props, const char *name, TmValue *value)
{
    TmPropAssignment *existing = find_assignment(props, name);

    if (existing == NULL) {
        TmPropAssignment assignment = { .name = name, .value = *value };
        g_array_append_val(props, assignment);
    } else if (value->kind == TM_PROP_UINT_LIST) {
        g_array_append_vals(existing->value.list, value->list->data, value->list->len);
        tm_value_clear(value);
    } else {
        tm_value_clear(&existing->value);
        existing->value = *value;
    }
    memset(value, 0, sizeof(*value));
}

static bool add_property(GArray *props, const TmObjectClass *klass, const TmKeyvalPair *pair,
                         GError **err)
{
    const TmProperty *prop = tm_class_find_property(klass, pair->key);
    TmValue value = { 0 };

    if (prop == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Property '%s.%s' not found",
                    klass->type_name, pair->key);
        return false;
    }
    if (!tm_value_parse_text(prop->kind, prop->name, pair->value, &value, err)) {
        return false;
    }
    put_value(props, prop->name, &value);
    return true;
}

GArray *tm_option_props_parse(const TmObjectClass *klass, const GPtrArray *pairs,
                              const char *const *skip_keys, GError **err)
{
    g_autoptr(GArray) props = g_array_new(FALSE, TRUE, sizeof(TmPropAssignment));

    g_array_set_clear_func(props, assignment_clear);
    for (guint i = 0; i < pairs->len; i++) {
        const TmKeyvalPair *pair = g_ptr_array_index(pairs, i);
        if (g_strv_contains(skip_keys, pair->key)) {
            continue;
        }
        if (!add_property(props, klass, pair, err)) {
            return NULL;
        }
    }
    return g_steal_pointer(&props);
}

static const char *required(const GPtrArray *pairs, const char *key, GError **err)
{
    const char *value = tm_keyval_lookup(pairs, key);

    if (value == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Parameter '%s' is missing", key);
    }
    return value;
}

TmObjectOption *tm_object_option_parse(const char *text, GError **err)
{
    g_autoptr(GPtrArray) pairs = tm_keyval_parse(text, "qom-type", err);
    const char *qom_type, *id;
    const TmObjectClass *klass;

    if (pairs == NULL || (qom_type = required(pairs, "qom-type", err)) == NULL ||
        (klass = find_type(qom_type, err)) == NULL || (id = required(pairs, "id", err)) == NULL) {
        return NULL;
    }

    static const char *const not_properties[] = { "qom-type", "id", NULL };
    g_autoptr(GArray) props = tm_option_props_parse(klass, pairs, not_properties, err);
    if (props == NULL) {
        return NULL;
    }
    TmObjectOption *option = g_new0(TmObjectOption, 1);
    option->text = g_strdup(text);
    option->qom_type = g_strdup(qom_type);
    option->id = g_strdup(id);
    option->props = g_steal_pointer(&props);
    return option;
}

TmHostMem *tm_object_option_create(const TmObjectOption *option, TmBackendRegistry *registry,
                                   GError **err)
{
    return tm_backend_registry_create(registry, option->qom_type, option->id,
                                      (const TmPropAssignment *)option->props->data,
                                      option->props->len, err);
}
