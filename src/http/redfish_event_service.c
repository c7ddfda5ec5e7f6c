#include "http/redfish_event_service.h"

#include <string.h>

#include "http/redfish_push.h"
#include "http/redfish_send.h"
#include "http/redfish_resources.h"
#include "http/redfish_sse.h"

struct TmRedfishEventService {
    TmRedfishEvents *events;
    TmRedfishSse *sse;
    TmRedfishPush *push;
};

TmRedfishEventService *tm_redfish_event_service_new(TmDeviceRegistry *devices)
{
    TmRedfishEventService *service = g_new0(TmRedfishEventService, 1);

    service->events = tm_redfish_events_new(devices);
    service->sse = tm_redfish_sse_new(service->events);
    service->push = tm_redfish_push_new(service->events);
    return service;
}

void tm_redfish_event_service_free(TmRedfishEventService *service)
{
    if (service == NULL) {
        return;
    }
    tm_redfish_push_free(service->push);
    tm_redfish_sse_free(service->sse);
    tm_redfish_events_free(service->events);
    g_free(service);
}

/* @path without one trailing "/" (DSP0266 §6.3: both name the resource). */
static char *trim(const char *path)
{
    size_t len = strlen(path);

    return g_strndup(path, len > 1 && path[len - 1] == '/' ? len - 1 : len);
}

bool tm_redfish_event_service_owns(const char *path)
{
    g_autofree char *trimmed = trim(path);
    size_t len = strlen(TM_REDFISH_EVENT_SERVICE);

    return strncmp(trimmed, TM_REDFISH_EVENT_SERVICE, len) == 0 &&
           (trimmed[len] == '\0' || trimmed[len] == '/');
}

bool tm_redfish_event_service_takes_body(const char *method, const char *path,
                                         SoupMessageHeaders *headers)
{
    g_autofree char *trimmed = trim(path);

    return strcmp(method, "POST") == 0 && strcmp(trimmed, TM_REDFISH_SUBSCRIPTIONS) == 0 &&
           soup_message_headers_get_encoding(headers) == SOUP_ENCODING_CONTENT_LENGTH &&
           soup_message_headers_get_content_length(headers) <= TM_REDFISH_SUBSCRIPTION_BODY_LIMIT;
}

static json_object *event_service(void)
{
    json_object *obj = json_object_new_object();
    json_object *subscriptions = json_object_new_object();
    json_object *formats = json_object_new_array();
    json_object *prefixes = json_object_new_array();

    json_object_object_add(obj, "@odata.id", json_object_new_string(TM_REDFISH_EVENT_SERVICE));
    json_object_object_add(obj, "@odata.type",
                           json_object_new_string("#EventService.v1_10_0.EventService"));
    json_object_object_add(obj, "Id", json_object_new_string("EventService"));
    json_object_object_add(obj, "Name", json_object_new_string("Event Service"));
    json_object_object_add(obj, "ServiceEnabled", json_object_new_boolean(true));
    json_object_object_add(obj, "ServerSentEventUri", json_object_new_string(TM_REDFISH_SSE_URI));
    json_object_array_add(formats, json_object_new_string("Event"));
    json_object_object_add(obj, "EventFormatTypes", formats);
    json_object_array_add(prefixes, json_object_new_string("Tagmem"));
    json_object_object_add(obj, "RegistryPrefixes", prefixes);
    /* A failed delivery is counted, not retried: the next event goes on. */
    json_object_object_add(obj, "DeliveryRetryAttempts", json_object_new_int(0));
    json_object_object_add(subscriptions, "@odata.id",
                           json_object_new_string(TM_REDFISH_SUBSCRIPTIONS));
    json_object_object_add(obj, "Subscriptions", subscriptions);
    return obj;
}

static void reply_resource(SoupServerMessage *msg, guint status, json_object *obj)
{
    tm_redfish_resource_add_etag(obj);
    tm_redfish_send_json(msg, status, obj);
    json_object_put(obj);
}

static void not_found(SoupServerMessage *msg, const char *path)
{
    tm_redfish_send_error(msg, SOUP_STATUS_NOT_FOUND, "ResourceNotFound",
                           "The requested resource was not found.", path,
                           "Provide a valid resource identifier and resubmit the request.");
}

static void not_allowed(SoupServerMessage *msg, const char *method, const char *allow)
{
    g_autofree char *text = g_strdup_printf("The action %s is not supported by the resource.",
                                            method);

    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", allow);
    tm_redfish_send_error(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "ActionNotSupported", text,
                           method, "The action supplied cannot be resubmitted to the "
                           "implementation.");
}

/* The request body as JSON, or NULL when it is not one whole JSON text. */
static json_object *request_json(SoupServerMessage *msg)
{
    g_autoptr(GBytes) bytes = soup_message_body_flatten(soup_server_message_get_request_body(msg));
    gsize size = 0;
    const char *data = g_bytes_get_data(bytes, &size);
    json_tokener *tok = json_tokener_new();
    json_object *body = data ? json_tokener_parse_ex(tok, data, (int)size) : NULL;

    if (body != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
                         json_tokener_get_parse_end(tok) != size)) {
        g_clear_pointer(&body, json_object_put);
    }
    json_tokener_free(tok);
    return body;
}

static void create_subscription(TmRedfishEventService *service, SoupServerMessage *msg)
{
    json_object *body = request_json(msg);
    TmRedfishPushRefusal refusal = { 0 };
    json_object *created = NULL;

    if (body == NULL) {
        tm_redfish_send_error(msg, SOUP_STATUS_BAD_REQUEST, "MalformedJSON",
                               "The request body submitted was malformed JSON and could not "
                               "be parsed by the receiving service.", NULL,
                               "Ensure that the request body is valid JSON and resubmit the "
                               "request.");
        return;
    }
    created = tm_redfish_push_create(service->push, body, &refusal);
    json_object_put(body);
    if (created == NULL) {
        tm_redfish_send_error(msg, SOUP_STATUS_BAD_REQUEST, refusal.message_id,
                               refusal.message, refusal.arg,
                               "Correct the request body and resubmit the request.");
        tm_redfish_push_refusal_clear(&refusal);
        return;
    }
    json_object *odata_id = json_object_object_get(created, "@odata.id");
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Location",
                                 json_object_get_string(odata_id));
    reply_resource(msg, SOUP_STATUS_CREATED, created);
}

static bool is_read(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

static void serve_subscription(TmRedfishEventService *service, SoupServerMessage *msg,
                               const char *method, const char *path, const char *id)
{
    if (strcmp(method, "DELETE") == 0) {
        if (!tm_redfish_push_delete(service->push, id)) {
            not_found(msg, path);
            return;
        }
        soup_server_message_set_status(msg, SOUP_STATUS_NO_CONTENT, NULL);
        return;
    }
    json_object *sub = tm_redfish_push_get(service->push, id);
    if (sub == NULL) {
        not_found(msg, path);
    } else if (!is_read(method)) {
        json_object_put(sub);
        not_allowed(msg, method, "GET, HEAD, DELETE");
    } else {
        reply_resource(msg, SOUP_STATUS_OK, sub);
    }
}

void tm_redfish_event_service_serve(TmRedfishEventService *service, SoupServerMessage *msg,
                                    const char *path)
{
    const char *method = soup_server_message_get_method(msg);
    g_autofree char *trimmed = trim(path);
    const char *sub_prefix = TM_REDFISH_SUBSCRIPTIONS "/";

    if (strcmp(trimmed, TM_REDFISH_EVENT_SERVICE) == 0) {
        if (is_read(method)) {
            reply_resource(msg, SOUP_STATUS_OK, event_service());
        } else {
            not_allowed(msg, method, "GET, HEAD");
        }
    } else if (strcmp(trimmed, TM_REDFISH_SSE_URI) == 0) {
        if (strcmp(method, "GET") == 0) {
            tm_redfish_sse_open(service->sse, msg);
        } else {
            not_allowed(msg, method, "GET");
        }
    } else if (strcmp(trimmed, TM_REDFISH_SUBSCRIPTIONS) == 0) {
        if (strcmp(method, "POST") == 0) {
            create_subscription(service, msg);
        } else if (is_read(method)) {
            reply_resource(msg, SOUP_STATUS_OK, tm_redfish_push_collection(service->push));
        } else {
            not_allowed(msg, method, "GET, HEAD, POST");
        }
    } else if (g_str_has_prefix(trimmed, sub_prefix) &&
               strchr(trimmed + strlen(sub_prefix), '/') == NULL) {
        serve_subscription(service, msg, method, path, trimmed + strlen(sub_prefix));
    } else {
        not_found(msg, path);
    }
}
