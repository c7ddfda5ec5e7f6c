#include "http/redfish_server.h"

#include <libsoup/soup.h>
#include <string.h>

#include "http/redfish_error.h"
#include "http/redfish_resources.h"
#include "http/redfish_users.h"

struct TmRedfishServer {
    SoupServer *soup;
    TmDeviceRegistry *devices;
    TmRedfishUsers *users; /* NULL: loopback clients need no credentials */
};

/* Every resource of this slice is read-only (DSP0266 §7.10: 405 with Allow). */
#define TM_REDFISH_ALLOW "GET, HEAD"

static void send_json(SoupServerMessage *msg, guint status, json_object *body)
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

static void send_error(SoupServerMessage *msg, guint status, const char *message_id,
                       const char *message, const char *arg, const char *resolution)
{
    json_object *body = tm_redfish_error_body(message_id, message, arg, resolution);

    send_json(msg, status, body);
    json_object_put(body);
}

/* Basic credentials from the Authorization header, checked against the file. */
static bool authorized(const TmRedfishServer *server, SoupServerMessage *msg)
{
    SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
    const char *auth = soup_message_headers_get_one(headers, "Authorization");

    if (server->users == NULL) {
        return true;
    }
    if (auth == NULL || g_ascii_strncasecmp(auth, "Basic ", 6) != 0) {
        return false;
    }
    gsize len = 0;
    g_autofree char *decoded = (char *)g_base64_decode(auth + 6, &len);
    g_autofree char *text = g_strndup(decoded, len);
    char *colon = strchr(text, ':');
    TmRedfishRole role;
    if (colon == NULL) {
        return false;
    }
    *colon = '\0';
    return tm_redfish_users_check(server->users, text, colon + 1, &role);
}

/*
 * DSP0266 §13.3.1: the version document and the service root are
 * readable without credentials, so that clients can discover the service.
 */
static bool public_path(const char *path)
{
    static const char *const paths[] = { "/redfish", "/redfish/", "/redfish/v1", "/redfish/v1/" };

    for (size_t i = 0; i < G_N_ELEMENTS(paths); i++) {
        if (strcmp(path, paths[i]) == 0) {
            return true;
        }
    }
    return false;
}

static void handle(SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
                   gpointer opaque)
{
    TmRedfishServer *server = opaque;
    const char *method = soup_server_message_get_method(msg);
    (void)soup;
    (void)query;

    if (!public_path(path) && !authorized(server, msg)) {
        soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                                     "WWW-Authenticate", "Basic realm=\"tagmem\"");
        g_autofree char *text = g_strdup_printf(
            "While attempting to establish a connection to %s, the service denied access.", path);
        send_error(msg, SOUP_STATUS_UNAUTHORIZED, "AccessDenied", text, path,
                   "Attempt to ensure that the URI is correct and that the service has the "
                   "appropriate credentials.");
        return;
    }
    json_object *body = tm_redfish_resource_get(server->devices, path);
    if (body == NULL) {
        send_error(msg, SOUP_STATUS_NOT_FOUND, "ResourceNotFound",
                   "The requested resource was not found.", path,
                   "Provide a valid resource identifier and resubmit the request.");
        return;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow",
                                     TM_REDFISH_ALLOW);
        g_autofree char *text = g_strdup_printf("The action %s is not supported by the resource.",
                                                method);
        send_error(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "ActionNotSupported", text, method,
                   "The action supplied cannot be resubmitted to the implementation.");
    } else {
        send_json(msg, SOUP_STATUS_OK, body);
    }
    json_object_put(body);
}

/*
 * Called once the headers are in, before libsoup reads the body into
 * memory: every resource of this slice is read-only, so a request that
 * carries a body is refused here, unread (DSP0266 §7: 413 for a body
 * larger than the service takes; the limit is 0 bytes until writes come).
 */
static void refuse_bodies(SoupServer *soup, SoupServerMessage *msg, const char *path,
                          GHashTable *query, gpointer opaque)
{
    SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
    SoupEncoding encoding = soup_message_headers_get_encoding(headers);
    (void)soup;
    (void)query;
    (void)opaque;

    if (encoding == SOUP_ENCODING_NONE ||
        (encoding == SOUP_ENCODING_CONTENT_LENGTH &&
         soup_message_headers_get_content_length(headers) == 0)) {
        return;
    }
    /*
     * A client that sent "Expect: 100-continue" gets the answer at once;
     * one that sends its body anyway has it read and dropped, never kept.
     */
    soup_message_body_set_accumulate(soup_server_message_get_request_body(msg), FALSE);
    send_error(msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "GeneralError",
               "The request has a body; this service takes none (it is read-only).", path,
               "Resubmit the request without a body.");
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection",
                                 "close");
}

TmRedfishServer *tm_redfish_server_new(TmDeviceRegistry *devices, const char *host,
                                       guint16 port, const char *users_file, GError **err)
{
    g_autoptr(TmRedfishUsers) users = NULL;

    if (users_file != NULL && (users = tm_redfish_users_load(users_file, err)) == NULL) {
        return NULL;
    }
    g_autoptr(GInetAddress) inet = g_inet_address_new_from_string(host);
    if (inet == NULL) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "addr: '%s' is not an IP address", host);
        return NULL;
    }
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new(inet, port);
    SoupServer *soup = soup_server_new("server-header", "tagmemd", NULL);
    if (!soup_server_listen(soup, address, 0, err)) {
        g_object_unref(soup);
        return NULL;
    }
    TmRedfishServer *server = g_new0(TmRedfishServer, 1);
    server->soup = soup;
    server->devices = devices;
    server->users = g_steal_pointer(&users);
    soup_server_add_early_handler(soup, NULL, refuse_bodies, server, NULL);
    soup_server_add_handler(soup, NULL, handle, server, NULL);
    return server;
}

void tm_redfish_server_free(TmRedfishServer *server)
{
    if (server == NULL) {
        return;
    }
    soup_server_disconnect(server->soup);
    g_object_unref(server->soup);
    tm_redfish_users_free(server->users);
    g_free(server);
}

guint16 tm_redfish_server_port(const TmRedfishServer *server)
{
    g_autoptr(GSList) uris = soup_server_get_uris(server->soup);
    guint16 port = uris ? (guint16)g_uri_get_port(uris->data) : 0;

    g_slist_free_full(g_steal_pointer(&uris), (GDestroyNotify)g_uri_unref);
    return port;
}
