#include "http/redfish_send.h"

#include <string.h>

#include "http/redfish_error.h"

void tm_redfish_send_json(SoupServerMessage *msg, guint status, json_object *body)
{
    const char *text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
    SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
    json_object *etag = NULL;

    if (json_object_object_get_ex(body, "@odata.etag", &etag)) {
        soup_message_headers_replace(headers, "ETag", json_object_get_string(etag));
    }
    soup_message_headers_replace(headers, "OData-Version", "4.0");
    soup_server_message_set_status(msg, status, NULL);
    soup_server_message_set_response(msg, "application/json;charset=utf-8", SOUP_MEMORY_COPY,
                                     text, strlen(text));
}

void tm_redfish_send_error(SoupServerMessage *msg, guint status, const char *message_id,
                            const char *message, const char *arg, const char *resolution)
{
    json_object *body = tm_redfish_error_body(message_id, message, arg, resolution);

    tm_redfish_send_json(msg, status, body);
    json_object_put(body);
}
