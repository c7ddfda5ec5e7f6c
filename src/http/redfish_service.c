#include "http/redfish_service.h"

#include <string.h>

#include "http/redfish_actions.h"
#include "http/redfish_body.h"
#include "http/redfish_query.h"
#include "http/redfish_resources.h"
#include "http/redfish_tasks.h"

struct TmRedfishService {
    TmRedfishActions actions;
    TmRedfishSessions *sessions;
};

TmRedfishService *tm_redfish_service_new(TmDeviceRegistry *devices,
                                         const TmRedfishEngine *engine)
{
    TmRedfishService *service = g_new0(TmRedfishService, 1);

    service->actions.devices = devices;
    service->actions.engine = engine;
    service->actions.tasks = tm_redfish_tasks_new(devices, engine);
    service->sessions = tm_redfish_sessions_new(TM_REDFISH_MAX_SESSIONS,
                                                 TM_REDFISH_SESSION_TIMEOUT_S);
    return service;
}

void tm_redfish_service_free(TmRedfishService *service)
{
    if (service == NULL) {
        return;
    }
    tm_redfish_tasks_free(service->actions.tasks);
    tm_redfish_sessions_free(service->sessions);
    g_free(service);
}

TmRedfishSessions *tm_redfish_service_sessions(TmRedfishService *service)
{
    return service->sessions;
}

/* The resource at @path (no trailing slash but for "/"), with its ETag; NULL: none. */
static json_object *find_resource(TmRedfishService *service, const char *path)
{
    json_object *obj = tm_redfish_sessions_resource(service->sessions, path,
                                                    g_get_monotonic_time());

    if (obj == NULL) {
        obj = tm_redfish_tasks_resource(service->actions.tasks, path);
    }
    if (obj != NULL) {
        tm_redfish_resource_add_etag(obj);
        return obj;
    }
    return tm_redfish_resource_get(service->actions.devices, path);
}

/*
 * A GET: the resource after $select / $expand (DSP0266 §7.3: 501 for a
 * query the service does not support, 400 for a bad value).  Takes
 * @resource.
 */
static void reply_read(TmRedfishService *service, const TmRedfishRequest *request,
                       json_object *resource, TmRedfishReply *reply)
{
    g_autoptr(GError) err = NULL;

    if (tm_redfish_query_apply(service->actions.devices, &resource, request->query, &err)) {
        tm_redfish_reply_json(reply, 200, resource);
        return;
    }
    bool unsupported = err->code == TM_REDFISH_QUERY_NOT_SUPPORTED;
    tm_redfish_reply_error(reply, unsupported ? 501 : 400,
                           unsupported ? "QueryNotSupported" : "QueryParameterValueFormatError",
                           err->message, request->query,
                           "Remove the query parameters and resubmit the request.");
    json_object_put(resource);
}

static void not_found(TmRedfishReply *reply, const char *path)
{
    tm_redfish_reply_error(reply, 404, "ResourceNotFound", "The requested resource was not found.",
                           path, "Provide a valid resource identifier and resubmit the request.");
}

static void not_allowed(TmRedfishReply *reply, const char *method, const char *allow)
{
    g_autofree char *text = g_strdup_printf("The action %s is not supported by the resource.",
                                            method);

    tm_redfish_reply_error(reply, 405, "ActionNotSupported", text, method,
                           "The action supplied cannot be resubmitted to the implementation.");
    reply->allow = allow;
}

static bool method_in(const char *allow, const char *method)
{
    g_auto(GStrv) methods = g_strsplit(allow, ", ", -1);

    return g_strv_contains((const char *const *)methods, method);
}

/*
 * DSP0266 §6.5 (If-Match): a change applies only to the representation
 * the client saw; "*" matches any.  A list of ETags matches if one does.
 */
static bool etag_matches(const char *if_match, json_object *resource)
{
    const char *etag = json_object_get_string(json_object_object_get(resource, "@odata.etag"));
    g_auto(GStrv) tags = g_strsplit(if_match, ",", -1);

    for (guint i = 0; tags[i] != NULL; i++) {
        const char *tag = g_strstrip(tags[i]);
        if (strcmp(tag, "*") == 0 || g_strcmp0(tag, etag) == 0) {
            return true;
        }
    }
    return false;
}

/* A ReadOnly user may log out of their own session and change nothing else. */
static bool may_change(const TmRedfishCaller *caller, const TmRedfishRequest *request)
{
    if (caller->role == TM_REDFISH_ROLE_OPERATOR) {
        return true;
    }
    return strcmp(request->method, "DELETE") == 0 && caller->session_id != NULL &&
           g_str_has_prefix(request->path, TM_REDFISH_SESSIONS_PATH "/") &&
           strcmp(request->path + strlen(TM_REDFISH_SESSIONS_PATH "/"), caller->session_id) == 0;
}

bool tm_redfish_service_may_do(const TmRedfishCaller *caller, const TmRedfishRequest *request)
{
    return strcmp(request->method, "GET") == 0 || strcmp(request->method, "HEAD") == 0 ||
           may_change(caller, request);
}

static void logout(TmRedfishService *service, const char *path, TmRedfishReply *reply)
{
    tm_redfish_sessions_delete(service->sessions, path + strlen(TM_REDFISH_SESSIONS_PATH "/"));
    reply->status = 204;
}

/* The checks every change passes, in DSP0266's order; then the change. */
static void change(TmRedfishService *service, const TmRedfishRequest *request,
                   const TmRedfishCaller *caller, json_object *resource, TmRedfishReply *reply)
{
    if (!may_change(caller, request)) {
        tm_redfish_reply_insufficient_privilege(reply);
        return;
    }
    if (request->if_match != NULL && !etag_matches(request->if_match, resource)) {
        tm_redfish_reply_error(reply, 412, "PreconditionFailed",
                               "The ETag supplied did not match the ETag required to change "
                               "this resource.", NULL,
                               "Try the operation again using the appropriate ETag.");
        return;
    }
    if (strcmp(request->method, "PATCH") == 0) {
        tm_redfish_sessions_patch(service->sessions, request->body ? request->body : "",
                                  request->body_len, reply);
        if (reply->status == 200) {
            tm_redfish_resource_add_etag(reply->body);
        }
        return;
    }
    if (strcmp(request->method, "DELETE") == 0) {
        if (g_str_has_prefix(request->path, TM_REDFISH_SESSIONS_PATH "/")) {
            logout(service, request->path, reply);
        } else {
            tm_redfish_actions_delete(&service->actions, request->path, request->sanitize,
                                      request->forced, reply);
        }
        return;
    }
    tm_redfish_actions_post(&service->actions, request->path, request->body ? request->body : "",
                            request->body_len, reply);
}

void tm_redfish_service_handle(TmRedfishService *service, const TmRedfishRequest *request,
                               const TmRedfishCaller *caller, TmRedfishReply *reply)
{
    g_autofree char *path = g_strdup(request->path);
    size_t len = strlen(path);

    /* "/redfish/v1/" and "/redfish/v1" name the same resource (DSP0266 §6.3). */
    if (len > 1 && path[len - 1] == '/') {
        path[len - 1] = '\0';
    }
    json_object *resource = find_resource(service, path);
    if (resource == NULL) {
        not_found(reply, request->path);
        return;
    }
    const char *allow = tm_redfish_actions_allow(path);
    TmRedfishRequest trimmed = *request;
    trimmed.path = path;
    if (strcmp(request->method, "GET") == 0 || strcmp(request->method, "HEAD") == 0) {
        reply_read(service, request, resource, reply);
        return;
    }
    if (!method_in(allow, request->method)) {
        not_allowed(reply, request->method, allow);
    } else {
        change(service, &trimmed, caller, resource, reply);
    }
    json_object_put(resource);
}

bool tm_redfish_service_login_parse(const char *body, gsize len, char **user, char **password,
                                    TmRedfishReply *reply)
{
    static const char *const members[] = { "UserName", "Password", NULL };
    json_object *parsed = tm_redfish_body_parse(body ? body : "", len, reply);
    json_object *name, *secret;

    bool ok = parsed != NULL && tm_redfish_body_only(parsed, "#", members, reply) &&
              tm_redfish_body_member(parsed, "#", "UserName", json_type_string, true, &name,
                                     reply) &&
              tm_redfish_body_member(parsed, "#", "Password", json_type_string, true, &secret,
                                     reply);
    if (ok) {
        *user = g_strdup(json_object_get_string(name));
        *password = g_strdup(json_object_get_string(secret));
    }
    json_object_put(parsed);
    return ok;
}

void tm_redfish_service_login(TmRedfishService *service, const char *user, TmRedfishRole role,
                              TmRedfishReply *reply)
{
    g_autoptr(GError) err = NULL;
    gint64 now = g_get_monotonic_time();
    const TmRedfishSession *session = tm_redfish_sessions_create(service->sessions, user, role,
                                                                 now, &err);

    if (session == NULL) {
        tm_redfish_reply_error(reply, 503, "ServiceTemporarilyUnavailable", err->message, NULL,
                               "Delete a session or wait for one to time out, then retry.");
        return;
    }
    g_autofree char *path = g_strdup_printf(TM_REDFISH_SESSIONS_PATH "/%s", session->id);
    json_object *body = tm_redfish_sessions_resource(service->sessions, path, now);
    tm_redfish_resource_add_etag(body);
    tm_redfish_reply_json(reply, 201, body);
    reply->location = g_steal_pointer(&path);
    reply->auth_token = g_strdup(session->token);
}
