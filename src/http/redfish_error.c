#include "http/redfish_error.h"

#include <glib.h>

json_object *tm_redfish_error_body(const char *message_id, const char *message,
                                   const char *arg, const char *resolution)
{
    g_autofree char *id = g_strdup_printf("%s.%s", TM_REDFISH_BASE_REGISTRY, message_id);
    json_object *info = json_object_new_object();
    json_object *args = json_object_new_array();

    if (arg != NULL) {
        json_object_array_add(args, json_object_new_string(arg));
    }
    json_object_object_add(info, "@odata.type", json_object_new_string("#Message.v1_1_1.Message"));
    json_object_object_add(info, "MessageId", json_object_new_string(id));
    json_object_object_add(info, "Message", json_object_new_string(message));
    json_object_object_add(info, "MessageArgs", args);
    json_object_object_add(info, "MessageSeverity", json_object_new_string("Critical"));
    json_object_object_add(info, "Resolution", json_object_new_string(resolution));

    json_object *list = json_object_new_array();
    json_object_array_add(list, info);
    json_object *error = json_object_new_object();
    json_object_object_add(error, "code", json_object_new_string(id));
    json_object_object_add(error, "message", json_object_new_string(message));
    json_object_object_add(error, "@Message.ExtendedInfo", list);
    json_object *body = json_object_new_object();
    json_object_object_add(body, "error", error);
    return body;
}
