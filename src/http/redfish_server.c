#include "http/redfish_server.h"

#include <libsoup/soup.h>
#include <string.h>

#include "http/redfish_error.h"
#include "http/redfish_event_service.h"
#include "http/redfish_query.h"
#include "http/redfish_resources.h"
#include "http/redfish_static.h"
#include "http/redfish_users.h"

struct TmRedfishServer {
    SoupServer *soup;
    TmDeviceRegistry *devices;
    TmRedfishUsers *users; /* NULL: loopback clients need no credentials */
    TmRedfishEventService *events;
    char *web_dir;         /* the web page's files (redfish_static.h) */
    GCancellable *closing; /* cancelled when the server goes: checks in flight answer nobody */
    guint checks_in_flight; /* requests waiting for a check (main loop) */
    GMutex lock;            /* guards threads_running, shared with the worker threads */
    GCond threads_done;
    guint threads_running;  /* checks reading @users in a worker thread */
};

/*
 * A password check is a yescrypt hash, some 65 ms of CPU on purpose: it
 * runs in GLib's worker threads while its request waits, paused, so that
 * QMP, CCI and other HTTP clients are never held up by it; and at most
 * this many run at once, so that a client cannot take every core either
 * (more get 503 with Retry-After).
 */
#define TM_REDFISH_MAX_CHECKS 4

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

/* Basic credentials from the Authorization header: user and password, or false. */
static bool basic_credentials(SoupServerMessage *msg, char **name, char **password)
{
    SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
    const char *auth = soup_message_headers_get_one(headers, "Authorization");

    if (auth == NULL || g_ascii_strncasecmp(auth, "Basic ", 6) != 0) {
        return false;
    }
    gsize len = 0;
    g_autofree char *decoded = (char *)g_base64_decode(auth + 6, &len);
    g_autofree char *text = g_strndup(decoded, len);
    char *colon = strchr(text, ':');
    if (colon == NULL) {
        return false;
    }
    *colon = '\0';
    *name = g_strdup(text);
    *password = g_strdup(colon + 1);
    return true;
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

static void refuse_access(SoupServerMessage *msg, const char *path)
{
    soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                                 "WWW-Authenticate", "Basic realm=\"tagmem\"");
    g_autofree char *text = g_strdup_printf(
        "While attempting to establish a connection to %s, the service denied access.", path);
    send_error(msg, SOUP_STATUS_UNAUTHORIZED, "AccessDenied", text, path,
               "Attempt to ensure that the URI is correct and that the service has the "
               "appropriate credentials.");
}

/* DSP0266 §7.3: 501 for a query the service does not support, 400 for a bad value. */
static bool apply_query(TmRedfishServer *server, SoupServerMessage *msg, json_object **body)
{
    g_autoptr(GError) err = NULL;
    const char *query = g_uri_get_query(soup_server_message_get_uri(msg));

    if (tm_redfish_query_apply(server->devices, body, query, &err)) {
        return true;
    }
    bool unsupported = err->code == TM_REDFISH_QUERY_NOT_SUPPORTED;
    send_error(msg, unsupported ? SOUP_STATUS_NOT_IMPLEMENTED : SOUP_STATUS_BAD_REQUEST,
               unsupported ? "QueryNotSupported" : "QueryParameterValueFormatError",
               err->message, query, "Remove the query parameters and resubmit the request.");
    return false;
}

/* The request, its credentials checked (or needing none). */
static void serve(TmRedfishServer *server, SoupServerMessage *msg, const char *path)
{
    const char *method = soup_server_message_get_method(msg);

    if (tm_redfish_static_owns(path)) {
        tm_redfish_static_serve(server->web_dir, msg, path);
        return;
    }
    if (tm_redfish_event_service_owns(path)) {
        tm_redfish_event_service_serve(server->events, msg, path);
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
    } else if (apply_query(server, msg, &body)) {
        send_json(msg, SOUP_STATUS_OK, body);
    }
    json_object_put(body);
}

/* A request waiting for its password check. */
typedef struct {
    TmRedfishServer *server;   /* not to be touched once server->closing is cancelled */
    SoupServerMessage *msg;    /* a reference, paused */
    char *path;
    char *name;
    char *password;
    const TmRedfishUsers *users;
} PendingCheck;

static void pending_check_free(PendingCheck *check)
{
    g_object_unref(check->msg);
    g_free(check->path);
    g_free(check->name);
    if (check->password != NULL) {
        explicit_bzero(check->password, strlen(check->password));
    }
    g_free(check->password);
    g_free(check);
}

static void check_in_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
    PendingCheck *check = data;
    TmRedfishServer *server = check->server;
    TmRedfishRole role;
    bool granted = tm_redfish_users_check(check->users, check->name, check->password, &role);

    /* The server (and its users) stays until every thread has said this. */
    g_mutex_lock(&server->lock);
    if (--server->threads_running == 0) {
        g_cond_broadcast(&server->threads_done);
    }
    g_mutex_unlock(&server->lock);
    g_task_return_boolean(task, granted);
}

static void check_done(GObject *source, GAsyncResult *result, gpointer data)
{
    PendingCheck *check = g_task_get_task_data(G_TASK(result));
    GCancellable *closing = g_task_get_cancellable(G_TASK(result));
    bool granted = g_task_propagate_boolean(G_TASK(result), NULL);

    if (g_cancellable_is_cancelled(closing)) {
        return;     /* the server is gone; the message goes with its data */
    }
    check->server->checks_in_flight--;
    if (granted) {
        serve(check->server, check->msg, check->path);
    } else {
        refuse_access(check->msg, check->path);
    }
    soup_server_message_unpause(check->msg);
}

/* Check the credentials away from the main loop; the request waits, paused. */
static void check_then_serve(TmRedfishServer *server, SoupServerMessage *msg, const char *path)
{
    g_autofree char *name = NULL, *password = NULL;

    if (!basic_credentials(msg, &name, &password)) {
        refuse_access(msg, path);
        return;
    }
    if (server->checks_in_flight >= TM_REDFISH_MAX_CHECKS) {
        soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                                     "Retry-After", "1");
        send_error(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "ServiceTemporarilyUnavailable",
                   "The service is temporarily unavailable.  Retry in 1 seconds.", "1",
                   "Wait for the indicated retry duration and retry the operation.");
        return;
    }
    PendingCheck *check = g_new0(PendingCheck, 1);
    check->server = server;
    check->msg = g_object_ref(msg);
    check->path = g_strdup(path);
    check->name = g_steal_pointer(&name);
    check->password = g_steal_pointer(&password);
    check->users = server->users;
    GTask *task = g_task_new(NULL, server->closing, check_done, NULL);
    g_task_set_task_data(task, check, (GDestroyNotify)pending_check_free);
    server->checks_in_flight++;
    g_mutex_lock(&server->lock);
    server->threads_running++;
    g_mutex_unlock(&server->lock);
    soup_server_message_pause(msg);
    g_task_run_in_thread(task, check_in_thread);
    g_object_unref(task);
}

static void handle(SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
                   gpointer opaque)
{
    TmRedfishServer *server = opaque;
    (void)soup;
    (void)query;

    /* The web page's files hold no state: the page asks for credentials when it reads. */
    if (public_path(path) || tm_redfish_static_owns(path) || server->users == NULL) {
        serve(server, msg, path);
    } else {
        check_then_serve(server, msg, path);
    }
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
    if (tm_redfish_event_service_takes_body(soup_server_message_get_method(msg), path,
                                            headers)) {
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
    server->closing = g_cancellable_new();
    server->events = tm_redfish_event_service_new(devices);
    server->web_dir = g_strdup(tm_redfish_static_dir());
    g_mutex_init(&server->lock);
    g_cond_init(&server->threads_done);
    soup_server_add_early_handler(soup, NULL, refuse_bodies, server, NULL);
    soup_server_add_handler(soup, NULL, handle, server, NULL);
    return server;
}

void tm_redfish_server_free(TmRedfishServer *server)
{
    if (server == NULL) {
        return;
    }
    /*
     * Checks still running read the users: the cancellable tells their
     * answers that nobody waits, and the users stay until the last thread
     * is done (a check takes well under a second).
     */
    g_cancellable_cancel(server->closing);
    g_mutex_lock(&server->lock);
    while (server->threads_running > 0) {
        g_cond_wait(&server->threads_done, &server->lock);
    }
    g_mutex_unlock(&server->lock);
    g_mutex_clear(&server->lock);
    g_cond_clear(&server->threads_done);
    /* Before the connections close: the event streams let go of their messages. */
    tm_redfish_event_service_free(server->events);
    soup_server_disconnect(server->soup);
    g_object_unref(server->soup);
    g_object_unref(server->closing);
    tm_redfish_users_free(server->users);
    g_free(server->web_dir);
    g_free(server);
}

guint16 tm_redfish_server_port(const TmRedfishServer *server)
{
    g_autoptr(GSList) uris = soup_server_get_uris(server->soup);
    guint16 port = uris ? (guint16)g_uri_get_port(uris->data) : 0;

    g_slist_free_full(g_steal_pointer(&uris), (GDestroyNotify)g_uri_unref);
    return port;
}
