#include "http/redfish_server.h"

#include <libsoup/soup.h>
#include <string.h>

#include "http/redfish_actions.h"
#include "http/redfish_error.h"
#include "http/redfish_event_service.h"
#include "http/redfish_service.h"
#include "http/redfish_static.h"
#include "http/redfish_tls.h"
#include "http/redfish_users.h"

struct TmRedfishServer {
    SoupServer *soup;
    TmRedfishService *service;
    TmRedfishUsers *users; /* NULL: loopback clients need no credentials */
    guint idle_timeout_s;  /* a connection silent this long is closed */
    TmRedfishEventService *events; /* EventService: the SSE stream, push subscriptions */
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

/* What one request may carry: a POST of a chunk or a connection is well under 1 KiB. */
#define TM_REDFISH_MAX_BODY 65536

/*
 * libsoup closes a connection whose request said "Connection: close" but
 * does not say so in the response (RFC 9112 §9.6 asks it to); a client
 * that pools connections (Python's urllib3, under sushy and redfishtool)
 * then sends its next request into the closing socket.  Said before any
 * part of the service answers, so that every answer carries it.
 */
static void say_when_closing(SoupServerMessage *msg)
{
    if (soup_message_headers_header_contains(soup_server_message_get_request_headers(msg),
                                             "Connection", "close")) {
        soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                                     "Connection", "close");
    }
}

static void send_reply(SoupServerMessage *msg, TmRedfishReply *reply)
{
    SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
    json_object *etag = NULL;

    soup_message_headers_replace(headers, "OData-Version", "4.0");
    if (reply->location != NULL) {
        soup_message_headers_replace(headers, "Location", reply->location);
    }
    if (reply->allow != NULL) {
        soup_message_headers_replace(headers, "Allow", reply->allow);
    }
    if (reply->auth_token != NULL) {
        soup_message_headers_replace(headers, "X-Auth-Token", reply->auth_token);
    }
    soup_server_message_set_status(msg, reply->status, NULL);
    if (reply->body == NULL) {
        return;
    }
    if (json_object_object_get_ex(reply->body, "@odata.etag", &etag)) {
        soup_message_headers_replace(headers, "ETag", json_object_get_string(etag));
    }
    const char *text = json_object_to_json_string_ext(reply->body, JSON_C_TO_STRING_PLAIN);
    soup_server_message_set_response(msg, "application/json;charset=utf-8", SOUP_MEMORY_COPY,
                                     text, strlen(text));
}

static void send_error(SoupServerMessage *msg, guint status, const char *message_id,
                       const char *message, const char *arg, const char *resolution)
{
    g_auto(TmRedfishReply) reply = { 0 };

    tm_redfish_reply_error(&reply, status, message_id, message, arg, resolution);
    send_reply(msg, &reply);
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

/* ?NAME=true or ?NAME=false (absent: false); false with a 400 otherwise. */
static bool query_flag(SoupServerMessage *msg, GHashTable *query, const char *name, bool *out)
{
    const char *value = query ? g_hash_table_lookup(query, name) : NULL;

    *out = g_strcmp0(value, "true") == 0;
    if (value != NULL && !*out && strcmp(value, "false") != 0) {
        g_autofree char *text = g_strdup_printf(
            "The value '%s' for the parameter %s is of a different format than the parameter "
            "can accept.", value, name);
        send_error(msg, SOUP_STATUS_BAD_REQUEST, "QueryParameterValueFormatError", text, value,
                   "Correct the value for the query parameter in the request and resubmit the "
                   "request if the operation failed.");
        return false;
    }
    return true;
}

/* The request, its caller known (credentials checked, or needing none). */
static void serve(TmRedfishServer *server, SoupServerMessage *msg, const char *path,
                  GHashTable *query, const TmRedfishCaller *caller)
{
    SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
    g_auto(TmRedfishReply) reply = { 0 };
    TmRedfishRequest request = {
        .method = soup_server_message_get_method(msg),
        .path = path,
        .query = g_uri_get_query(soup_server_message_get_uri(msg)),
        .if_match = soup_message_headers_get_one(headers, "If-Match"),
    };

    /* The event service answers on the message itself: its stream outlives the handler. */
    if (tm_redfish_event_service_owns(path)) {
        if (!tm_redfish_service_may_do(caller, &request)) {
            tm_redfish_reply_insufficient_privilege(&reply);
            send_reply(msg, &reply);
        } else {
            tm_redfish_event_service_serve(server->events, msg, path);
        }
        return;
    }

    if (!query_flag(msg, query, "sanitize", &request.sanitize) ||
        !query_flag(msg, query, "forced", &request.forced)) {
        return;
    }
    g_autoptr(GBytes) body = soup_message_body_flatten(soup_server_message_get_request_body(msg));
    request.body = g_bytes_get_data(body, &request.body_len);
    tm_redfish_service_handle(server->service, &request, caller, &reply);
    send_reply(msg, &reply);
}

/* A login with checked credentials: a new session. */
static void log_in(TmRedfishServer *server, SoupServerMessage *msg, const char *name,
                   TmRedfishRole role)
{
    g_auto(TmRedfishReply) reply = { 0 };

    tm_redfish_service_login(server->service, name, role, &reply);
    send_reply(msg, &reply);
}

/* A request waiting for its password check. */
typedef struct {
    TmRedfishServer *server;   /* not to be touched once server->closing is cancelled */
    SoupServerMessage *msg;    /* a reference, paused */
    char *path;
    GHashTable *query;         /* a reference, or NULL */
    bool login;                /* a POST to Sessions: a session if the check passes */
    char *name;
    char *password;
    const TmRedfishUsers *users;
} PendingCheck;

static void pending_check_free(PendingCheck *check)
{
    g_object_unref(check->msg);
    g_free(check->path);
    g_clear_pointer(&check->query, g_hash_table_unref);
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
    TmRedfishRole role = TM_REDFISH_ROLE_READ_ONLY;
    bool granted = tm_redfish_users_check(check->users, check->name, check->password, &role);

    /* The server (and its users) stays until every thread has said this. */
    g_mutex_lock(&server->lock);
    if (--server->threads_running == 0) {
        g_cond_broadcast(&server->threads_done);
    }
    g_mutex_unlock(&server->lock);
    /* The role rides in the answer: 0 refused, else 1 + role. */
    g_task_return_int(task, granted ? 1 + (gssize)role : 0);
}

static void check_done(GObject *source, GAsyncResult *result, gpointer data)
{
    PendingCheck *check = g_task_get_task_data(G_TASK(result));
    GCancellable *closing = g_task_get_cancellable(G_TASK(result));
    gssize answer = g_task_propagate_int(G_TASK(result), NULL);

    if (g_cancellable_is_cancelled(closing)) {
        return;     /* the server is gone; the message goes with its data */
    }
    check->server->checks_in_flight--;
    TmRedfishCaller caller = { .role = (TmRedfishRole)(answer - 1) };
    if (answer <= 0) {
        refuse_access(check->msg, check->path);
    } else if (check->login) {
        log_in(check->server, check->msg, check->name, caller.role);
    } else {
        serve(check->server, check->msg, check->path, check->query, &caller);
    }
    soup_server_message_unpause(check->msg);
}

static void too_busy(SoupServerMessage *msg)
{
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Retry-After",
                                 "1");
    send_error(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "ServiceTemporarilyUnavailable",
               "The service is temporarily unavailable.  Retry in 1 seconds.", "1",
               "Wait for the indicated retry duration and retry the operation.");
}

/*
 * Check @name and @password away from the main loop, then serve the
 * request (or log in); the request waits, paused.
 */
static void check_then_serve(TmRedfishServer *server, SoupServerMessage *msg, const char *path,
                             GHashTable *query, bool login, char *name, char *password)
{
    if (server->checks_in_flight >= TM_REDFISH_MAX_CHECKS) {
        explicit_bzero(password, strlen(password));
        g_free(name);
        g_free(password);
        too_busy(msg);
        return;
    }
    PendingCheck *check = g_new0(PendingCheck, 1);
    check->server = server;
    check->msg = g_object_ref(msg);
    check->path = g_strdup(path);
    check->query = query ? g_hash_table_ref(query) : NULL;
    check->login = login;
    check->name = name;
    check->password = password;
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

static bool is_login(SoupServerMessage *msg, const char *path)
{
    return strcmp(soup_server_message_get_method(msg), "POST") == 0 &&
           (strcmp(path, TM_REDFISH_SESSIONS_PATH) == 0 ||
            strcmp(path, TM_REDFISH_SESSIONS_PATH "/") == 0);
}

/* DSP0266 §13.3.4.1: a login needs no credentials but the ones in its body. */
static void handle_login(TmRedfishServer *server, SoupServerMessage *msg, const char *path)
{
    g_autoptr(GBytes) body = soup_message_body_flatten(soup_server_message_get_request_body(msg));
    g_auto(TmRedfishReply) reply = { 0 };
    char *name = NULL, *password = NULL;
    gsize len = 0;
    const char *text = g_bytes_get_data(body, &len);

    if (!tm_redfish_service_login_parse(text, len, &name, &password, &reply)) {
        send_reply(msg, &reply);
        return;
    }
    if (server->users == NULL) {
        /* Loopback without users: every client is trusted, as for any request. */
        explicit_bzero(password, strlen(password));
        g_free(password);
        log_in(server, msg, name, TM_REDFISH_ROLE_OPERATOR);
        g_free(name);
        return;
    }
    check_then_serve(server, msg, path, NULL, true, name, password);
}

/* X-Auth-Token (DSP0266 §13.3.4): the session's user, or 401. */
static void serve_session(TmRedfishServer *server, SoupServerMessage *msg, const char *path,
                          GHashTable *query, const char *token)
{
    const TmRedfishSession *session = tm_redfish_sessions_use(
        tm_redfish_service_sessions(server->service), token, g_get_monotonic_time());

    if (session == NULL) {
        refuse_access(msg, path);
        return;
    }
    g_autofree char *id = g_strdup(session->id);
    TmRedfishCaller caller = { .role = session->role, .session_id = id };
    serve(server, msg, path, query, &caller);
}

static void handle(SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
                   gpointer opaque)
{
    TmRedfishServer *server = opaque;
    SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
    const char *token = soup_message_headers_get_one(headers, "X-Auth-Token");
    const char *method = soup_server_message_get_method(msg);
    bool reading = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    char *name = NULL, *password = NULL;
    (void)soup;

    say_when_closing(msg);
    /* The web page's files hold no state: the page asks for credentials when it reads. */
    if (tm_redfish_static_owns(path)) {
        tm_redfish_static_serve(server->web_dir, msg, path);
    } else if (is_login(msg, path)) {
        handle_login(server, msg, path);
    } else if (server->users == NULL) {
        TmRedfishCaller caller = { .role = TM_REDFISH_ROLE_OPERATOR };
        serve(server, msg, path, query, &caller);
    } else if (reading && public_path(path)) {
        TmRedfishCaller caller = { .role = TM_REDFISH_ROLE_READ_ONLY };
        serve(server, msg, path, query, &caller);
    } else if (token != NULL) {
        serve_session(server, msg, path, query, token);
    } else if (basic_credentials(msg, &name, &password)) {
        check_then_serve(server, msg, path, query, false, name, password);
    } else {
        refuse_access(msg, path);
    }
}

/* The requests that carry a body: POST of a login, a chunk, a connection; PATCH. */
static bool takes_body(SoupServerMessage *msg, const char *path)
{
    g_autofree char *trimmed = g_strdup(path);
    size_t len = strlen(trimmed);

    if (len > 1 && trimmed[len - 1] == '/') {
        trimmed[len - 1] = '\0';
    }
    const char *method = soup_server_message_get_method(msg);

    return (strcmp(method, "POST") == 0 || strcmp(method, "PATCH") == 0) &&
           strstr(tm_redfish_actions_allow(trimmed), method) != NULL;
}

static void refuse_body(SoupServerMessage *msg, guint status, const char *message,
                        const char *path)
{
    /*
     * A client that sent "Expect: 100-continue" gets the answer at once;
     * one that sends its body anyway has it read and dropped, never kept.
     */
    soup_message_body_set_accumulate(soup_server_message_get_request_body(msg), FALSE);
    send_error(msg, status, "GeneralError", message, path,
               "Resubmit the request with a smaller body, or none.");
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection",
                                 "close");
}

/*
 * Called once the headers are in, before libsoup reads the body into
 * memory: a body is taken only by the POSTs that need one, up to
 * TM_REDFISH_MAX_BODY bytes announced by Content-Length; any other is
 * refused here, unread (DSP0266 §7: 413 for a body larger than the
 * service takes).  A chunked body has no announced length: 411.
 */
static void limit_bodies(SoupServer *soup, SoupServerMessage *msg, const char *path,
                         GHashTable *query, gpointer opaque)
{
    SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
    SoupEncoding encoding = soup_message_headers_get_encoding(headers);
    goffset length = soup_message_headers_get_content_length(headers);
    (void)soup;
    (void)query;
    (void)opaque;

    if (encoding == SOUP_ENCODING_NONE ||
        (encoding == SOUP_ENCODING_CONTENT_LENGTH && length == 0)) {
        return;
    }
    /* A subscription's body: up to its own, smaller limit (redfish_event_service.h). */
    if (tm_redfish_event_service_takes_body(soup_server_message_get_method(msg), path,
                                            headers)) {
        return;
    }
    if (!takes_body(msg, path)) {
        refuse_body(msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                    "The request has a body; this resource takes none with this method.", path);
    } else if (encoding != SOUP_ENCODING_CONTENT_LENGTH) {
        refuse_body(msg, SOUP_STATUS_LENGTH_REQUIRED,
                    "The request body has no Content-Length; this service needs one.", path);
    } else if (length > TM_REDFISH_MAX_BODY) {
        g_autofree char *text = g_strdup_printf(
            "The request body has %" G_GOFFSET_FORMAT " bytes; this service takes at most %d.",
            length, TM_REDFISH_MAX_BODY);
        refuse_body(msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, text, path);
    }
}

/*
 * libsoup 3's server keeps a connection as long as the client does: it
 * has no idle timeout and no connection limit.  The socket's own timeout
 * closes a connection on which nothing moves for idle_timeout_s (GLib's
 * socket sources fire with an error then, and libsoup drops the client),
 * so a half-sent request or a client that stopped reading does not hold
 * its descriptor for ever.
 */
static void start_idle_timeout(SoupServer *soup, SoupServerMessage *msg, gpointer opaque)
{
    TmRedfishServer *server = opaque;
    GSocket *socket = soup_server_message_get_socket(msg);
    (void)soup;

    if (socket != NULL) {
        g_socket_set_timeout(socket, server->idle_timeout_s);
    }
}

TmRedfishServer *tm_redfish_server_new(TmDeviceRegistry *devices,
                                       const TmRedfishServerConfig *config, GError **err)
{
    g_autoptr(TmRedfishUsers) users = NULL;
    g_autoptr(GTlsCertificate) certificate = NULL;

    if (config->users_file != NULL &&
        (users = tm_redfish_users_load(config->users_file, err)) == NULL) {
        return NULL;
    }
    if (config->tls_cert != NULL &&
        (certificate = tm_redfish_tls_load(config->tls_cert, config->tls_key, err)) == NULL) {
        return NULL;
    }
    g_autoptr(GInetAddress) inet = g_inet_address_new_from_string(config->host);
    if (inet == NULL) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "addr: '%s' is not an IP address", config->host);
        return NULL;
    }
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new(inet, config->port);
    SoupServer *soup = soup_server_new("server-header", "tagmemd", "tls-certificate",
                                       certificate, NULL);
    if (!soup_server_listen(soup, address, certificate ? SOUP_SERVER_LISTEN_HTTPS : 0, err)) {
        g_object_unref(soup);
        return NULL;
    }
    TmRedfishServer *server = g_new0(TmRedfishServer, 1);
    server->soup = soup;
    server->service = tm_redfish_service_new(devices, config->engine);
    server->users = g_steal_pointer(&users);
    server->idle_timeout_s = config->idle_timeout_s;
    server->events = tm_redfish_event_service_new(devices);
    server->web_dir = g_strdup(tm_redfish_static_dir());
    server->closing = g_cancellable_new();
    g_mutex_init(&server->lock);
    g_cond_init(&server->threads_done);
    g_signal_connect(soup, "request-started", G_CALLBACK(start_idle_timeout), server);
    soup_server_add_early_handler(soup, NULL, limit_bodies, server, NULL);
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
    tm_redfish_service_free(server->service);
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
