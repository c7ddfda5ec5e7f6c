#include "http/redfish_reply.h"

#include <stdbool.h>
#include <string.h>

#include "http/redfish_error.h"

void tm_redfish_reply_clear(TmRedfishReply *reply)
{
    json_object_put(reply->body);
    g_free(reply->location);
    if (reply->auth_token != NULL) {
        explicit_bzero(reply->auth_token, strlen(reply->auth_token));
    }
    g_free(reply->auth_token);
    *reply = (TmRedfishReply){ 0 };
}

void tm_redfish_reply_json(TmRedfishReply *reply, guint status, json_object *body)
{
    json_object_put(reply->body);
    reply->status = status;
    reply->body = body;
}

void tm_redfish_reply_error(TmRedfishReply *reply, guint status, const char *message_id,
                            const char *message, const char *arg, const char *resolution)
{
    tm_redfish_reply_json(reply, status,
                          tm_redfish_error_body(message_id, message, arg, resolution));
}

/* Base.1.15.0's texts of the property messages, %1 and %2 its arguments. */
static const struct {
    const char *id;
    const char *message; /* printf: (value,) property */
    bool has_value;
    const char *resolution;
} property_messages[] = {
    { "PropertyUnknown",
      "The property %s is not in the list of valid properties for the resource.", false,
      "Remove the unknown property from the request body and resubmit the request if the "
      "operation failed." },
    { "PropertyMissing",
      "The property %s is a required property and must be included in the request.", false,
      "Ensure that the property is in the request body and has a valid value and resubmit "
      "the request if the operation failed." },
    { "PropertyValueTypeError",
      "The value '%s' for the property %s is not a type that the property can accept.", true,
      "Correct the value for the property in the request body and resubmit the request if "
      "the operation failed." },
    { "PropertyValueNotInList",
      "The value '%s' for the property %s is not in the list of acceptable values.", true,
      "Choose a value from the enumeration list that the implementation can support and "
      "resubmit the request if the operation failed." },
    { "PropertyValueOutOfRange",
      "The value '%s' for the property %s is not in the supported range of acceptable values.",
      true, "Correct the value for the property in the request body and resubmit the request if "
      "the operation failed." },
    { "PropertyValueFormatError",
      "The value '%s' for the property %s is not a format that the property can accept.", true,
      "Correct the value for the property in the request body and resubmit the request if "
      "the operation failed." },
};

void tm_redfish_reply_property_error(TmRedfishReply *reply, const char *message_id,
                                     const char *property, const char *value)
{
    const char *name = property[0] == '#' && property[1] == '/' ? property + 2 : property;

    for (gsize i = 0; i < G_N_ELEMENTS(property_messages); i++) {
        if (strcmp(property_messages[i].id, message_id) != 0) {
            continue;
        }
        bool has_value = property_messages[i].has_value;
        g_autofree char *message = has_value
            ? g_strdup_printf(property_messages[i].message, value, name)
            : g_strdup_printf(property_messages[i].message, name);
        json_object *body = tm_redfish_error_body(message_id, message, has_value ? value : name,
                                                  property_messages[i].resolution);
        json_object *info = json_object_array_get_idx(
            json_object_object_get(json_object_object_get(body, "error"),
                                   "@Message.ExtendedInfo"), 0);
        if (has_value) {
            json_object_array_add(json_object_object_get(info, "MessageArgs"),
                                  json_object_new_string(name));
        }
        json_object *related = json_object_new_array();
        json_object_array_add(related, json_object_new_string(property));
        json_object_object_add(info, "RelatedProperties", related);
        tm_redfish_reply_json(reply, 400, body);
        return;
    }
    g_assert_not_reached();
}

void tm_redfish_reply_malformed(TmRedfishReply *reply)
{
    tm_redfish_reply_error(reply, 400, "MalformedJSON",
                           "The request body submitted was malformed JSON and could not be "
                           "parsed by the receiving service.", NULL,
                           "Ensure that the request body is valid JSON and resubmit the request.");
}

void tm_redfish_reply_insufficient_privilege(TmRedfishReply *reply)
{
    tm_redfish_reply_error(reply, 403, "InsufficientPrivilege",
                           "There are insufficient privileges for the account or credentials "
                           "associated with the current session to perform the requested "
                           "operation.", NULL,
                           "Either abandon the operation or change the associated access rights "
                           "and resubmit the request if the operation failed.");
}
