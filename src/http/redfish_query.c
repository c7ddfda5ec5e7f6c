#include "http/redfish_query.h"

#include <string.h>

#include "http/redfish_resources.h"

G_DEFINE_QUARK(tm-redfish-query-error-quark, tm_redfish_query_error)

/* Copy @path ("A" or "A/B/...") of @from into @to, if @from has it. */
static void copy_path(json_object *from, json_object *to, char **parts)
{
    json_object *value = NULL;

    if (!json_object_object_get_ex(from, parts[0], &value)) {
        return;
    }
    if (parts[1] == NULL || !json_object_is_type(value, json_type_object)) {
        if (parts[1] == NULL) {
            json_object_object_add(to, parts[0], json_object_get(value));
        }
        return;
    }
    json_object *inner = NULL;
    if (!json_object_object_get_ex(to, parts[0], &inner)) {
        inner = json_object_new_object();
        json_object_object_add(to, parts[0], inner);
    }
    copy_path(value, inner, parts + 1);
}

static bool select_properties(json_object **obj, const char *list, GError **err)
{
    g_auto(GStrv) names = g_strsplit(list, ",", -1);
    json_object *out = json_object_new_object();

    if (names[0] == NULL) {
        json_object_put(out);
        g_set_error(err, TM_REDFISH_QUERY_ERROR, TM_REDFISH_QUERY_BAD_VALUE,
                    "The query parameter $select needs at least one property.");
        return false;
    }

    /* DSP0266 §7.3.4: the @odata properties are always there. */
    json_object_object_foreach(*obj, key, value) {
        if (g_str_has_prefix(key, "@odata.")) {
            json_object_object_add(out, key, json_object_get(value));
        }
    }
    for (guint i = 0; names[i] != NULL; i++) {
        g_auto(GStrv) parts = g_strsplit(names[i], "/", -1);
        bool empty = parts[0] == NULL;
        for (guint j = 0; parts[j] != NULL; j++) {
            empty = empty || parts[j][0] == '\0';
        }
        if (empty) {
            json_object_put(out);
            g_set_error(err, TM_REDFISH_QUERY_ERROR, TM_REDFISH_QUERY_BAD_VALUE,
                        "The value '%s' for the query parameter $select is of a different "
                        "format than the parameter can accept.", list);
            return false;
        }
        copy_path(*obj, out, parts);
    }
    json_object_put(*obj);
    *obj = out;
    return true;
}

/* DSP0266 §7.3.2: "." expands the subordinate resources, here a collection's Members. */
static bool expand_members(TmDeviceRegistry *devices, json_object *obj, const char *value,
                           GError **err)
{
    json_object *members = NULL;

    if (strcmp(value, ".") != 0 && strcmp(value, ".($levels=1)") != 0) {
        g_set_error(err, TM_REDFISH_QUERY_ERROR, TM_REDFISH_QUERY_BAD_VALUE,
                    "The value '%s' for the query parameter $expand is of a different format "
                    "than the parameter can accept (this service takes '.' and "
                    "'.($levels=1)').", value);
        return false;
    }
    if (!json_object_object_get_ex(obj, "Members", &members)) {
        return true;
    }
    for (size_t i = 0; i < json_object_array_length(members); i++) {
        json_object *link = json_object_array_get_idx(members, i);
        json_object *id = json_object_object_get(link, "@odata.id");
        json_object *member = id ? tm_redfish_resource_get(devices, json_object_get_string(id))
                                 : NULL;
        if (member != NULL) {
            json_object_array_put_idx(members, i, member);
        }
    }
    return true;
}

/* One "NAME[=VALUE]" of the query, unescaped; false when an escape is broken. */
static bool split_param(const char *text, char **name, char **value)
{
    const char *equals = strchr(text, '=');
    g_autofree char *raw_name = equals ? g_strndup(text, equals - text) : g_strdup(text);

    *name = g_uri_unescape_string(raw_name, NULL);
    *value = g_uri_unescape_string(equals ? equals + 1 : "", NULL);
    return *name != NULL && *value != NULL;
}

bool tm_redfish_query_apply(TmDeviceRegistry *devices, json_object **obj, const char *query,
                            GError **err)
{
    g_autofree char *select = NULL, *expand = NULL;

    if (query == NULL || query[0] == '\0') {
        return true;
    }
    /* Split by hand: Redfish's "only" has no "=", which g_uri_parse_params() refuses. */
    g_auto(GStrv) params = g_strsplit(query, "&", -1);
    for (guint i = 0; params[i] != NULL; i++) {
        g_autofree char *name = NULL, *value = NULL;
        if (!split_param(params[i], &name, &value)) {
            g_set_error(err, TM_REDFISH_QUERY_ERROR, TM_REDFISH_QUERY_BAD_VALUE,
                        "The query parameter '%s' is not validly escaped.", params[i]);
            return false;
        }
        if (strcmp(name, "$select") == 0) {
            g_free(select);
            select = g_steal_pointer(&value);
        } else if (strcmp(name, "$expand") == 0) {
            g_free(expand);
            expand = g_steal_pointer(&value);
        } else if (name[0] == '$') {
            g_set_error(err, TM_REDFISH_QUERY_ERROR, TM_REDFISH_QUERY_NOT_SUPPORTED,
                        "Querying is not supported by the implementation (%s).", name);
            return false;
        }
    }
    return (expand == NULL || expand_members(devices, *obj, expand, err)) &&
           (select == NULL || select_properties(obj, select, err));
}
