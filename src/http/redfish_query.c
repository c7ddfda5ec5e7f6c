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

bool tm_redfish_query_apply(TmDeviceRegistry *devices, json_object **obj, const char *query,
                            GError **err)
{
    g_autoptr(GHashTable) params = NULL;
    const char *select = NULL, *expand = NULL;

    if (query == NULL || query[0] == '\0') {
        return true;
    }
    params = g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, NULL);
    if (params == NULL) {
        g_set_error(err, TM_REDFISH_QUERY_ERROR, TM_REDFISH_QUERY_BAD_VALUE,
                    "The query '%s' is not a valid URI query.", query);
        return false;
    }
    GHashTableIter iter;
    gpointer key, value;
    g_hash_table_iter_init(&iter, params);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        if (strcmp(key, "$select") == 0) {
            select = value;
        } else if (strcmp(key, "$expand") == 0) {
            expand = value;
        } else if (((const char *)key)[0] == '$') {
            g_set_error(err, TM_REDFISH_QUERY_ERROR, TM_REDFISH_QUERY_NOT_SUPPORTED,
                        "Querying is not supported by the implementation (%s).",
                        (const char *)key);
            return false;
        }
    }
    return (expand == NULL || expand_members(devices, *obj, expand, err)) &&
           (select == NULL || select_properties(obj, select, err));
}
