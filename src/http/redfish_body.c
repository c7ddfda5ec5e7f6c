#include "http/redfish_body.h"

#include <string.h>

json_object *tm_redfish_body_parse(const char *text, gsize len, TmRedfishReply *reply)
{
    json_tokener *tok = json_tokener_new_ex(TM_REDFISH_BODY_MAX_DEPTH);
    json_object *obj = NULL;

    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    /* json-c stops at a NUL byte; a body with one is not JSON text. */
    if (len > 0 && len <= G_MAXINT && memchr(text, '\0', len) == NULL) {
        obj = json_tokener_parse_ex(tok, text, (int)len);
    }
    gsize used = (gsize)json_tokener_get_parse_end(tok);
    bool whole = obj != NULL && json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    /* Only white space may follow the object. */
    while (whole && used < len && g_ascii_isspace(text[used])) {
        used++;
    }
    if (!whole || used != len || !json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        tm_redfish_reply_malformed(reply);
        return NULL;
    }
    return obj;
}

static bool known_name(const char *const *known, const char *name)
{
    for (gsize i = 0; known[i] != NULL; i++) {
        if (strcmp(known[i], name) == 0) {
            return true;
        }
    }
    return false;
}

bool tm_redfish_body_only(json_object *obj, const char *where, const char *const *known,
                          TmRedfishReply *reply)
{
    json_object_object_foreach(obj, key, value) {
        (void)value;
        if (!known_name(known, key)) {
            g_autofree char *pointer = g_strdup_printf("%s/%s", where, key);
            tm_redfish_reply_property_error(reply, "PropertyUnknown", pointer, NULL);
            return false;
        }
    }
    return true;
}

bool tm_redfish_body_member(json_object *obj, const char *where, const char *name,
                            json_type type, bool required, json_object **out,
                            TmRedfishReply *reply)
{
    g_autofree char *pointer = g_strdup_printf("%s/%s", where, name);
    json_object *value = NULL;

    *out = NULL;
    if (!json_object_object_get_ex(obj, name, &value)) {
        if (required) {
            tm_redfish_reply_property_error(reply, "PropertyMissing", pointer, NULL);
        }
        return !required;
    }
    if (!json_object_is_type(value, type)) {
        const char *text = json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN);
        tm_redfish_reply_property_error(reply, "PropertyValueTypeError", pointer, text);
        return false;
    }
    *out = value;
    return true;
}

bool tm_redfish_body_one_link(json_object *obj, const char *where, const char *name,
                              const char **uri, TmRedfishReply *reply)
{
    static const char *const link_members[] = { "@odata.id", NULL };
    g_autofree char *pointer = g_strdup_printf("%s/%s", where, name);
    g_autofree char *first = g_strdup_printf("%s/0", pointer);
    json_object *list, *link, *id;

    if (!tm_redfish_body_member(obj, where, name, json_type_array, true, &list, reply)) {
        return false;
    }
    if (json_object_array_length(list) != 1) {
        const char *text = json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN);
        tm_redfish_reply_property_error(reply, "PropertyValueFormatError", pointer, text);
        return false;
    }
    link = json_object_array_get_idx(list, 0);
    if (!json_object_is_type(link, json_type_object)) {
        const char *text = json_object_to_json_string_ext(link, JSON_C_TO_STRING_PLAIN);
        tm_redfish_reply_property_error(reply, "PropertyValueTypeError", first, text);
        return false;
    }
    if (!tm_redfish_body_only(link, first, link_members, reply) ||
        !tm_redfish_body_member(link, first, "@odata.id", json_type_string, true, &id, reply)) {
        return false;
    }
    *uri = json_object_get_string(id);
    return true;
}
