/*
 * libFuzzer target for the Redfish write handlers' JSON input
 * (redfish_body.c, redfish_actions.c, the login body, the SessionService
 * PATCH): the input's first byte picks the request — POST of a
 * MemoryChunk, of a Connection, of a login, PATCH — and whether the engine (the QMP commands the handlers run)
 * accepts or refuses; the rest is the body.
 *
 * The engine here runs nothing: it checks that what the handlers ask for
 * is well formed (a known command, the device's path, a canonical tag),
 * so the device never changes and every input starts from the same state.
 * Besides "no crash, no leak, no undefined behaviour", every answer must
 * be 202 with a Task, or an error body with a Base message id, 400s for
 * a property naming it in RelatedProperties, and an engine refusal must
 * come back in the engine's words.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <json-c/json.h>

#include "core/error.h"
#include "core/guid.h"
#include "fuzz_device_fixture.h"
#include "http/redfish_service.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REFUSAL "the engine refuses this request"

static bool accepting;

static bool execute(void *opaque, const char *command, json_object *args, GError **err)
{
    static const char *const commands[] = { "object-add", "object-del",
                                            "cxl-add-dynamic-capacity", NULL };
    json_object *path = NULL, *tag = NULL;
    (void)opaque;

    if (!g_strv_contains(commands, command)) {
        abort();
    }
    if (json_object_object_get_ex(args, "path", &path) &&
        strcmp(json_object_get_string(path), "/machine/peripheral/dcd0") != 0) {
        abort();
    }
    if (json_object_object_get_ex(args, "tag", &tag)) {
        TmGuid guid;
        if (!tm_guid_parse(json_object_get_string(tag), "tag", &guid, NULL)) {
            abort();
        }
        g_autofree char *canonical = tm_guid_to_string(&guid);
        if (strcmp(canonical, json_object_get_string(tag)) != 0 || tm_guid_is_null(&guid)) {
            abort();
        }
    }
    if (!accepting && strcmp(command, "object-del") != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, REFUSAL);
        return false;
    }
    return true;
}

static void check_reply(const TmRedfishReply *reply)
{
    json_object *error = NULL, *info = NULL, *related = NULL;

    if (reply->status == 202) {
        if (reply->location == NULL ||
            !g_str_has_prefix(reply->location, "/redfish/v1/TaskService/Tasks/")) {
            abort();
        }
        return;
    }
    if (reply->status < 400 || reply->body == NULL ||
        !json_object_object_get_ex(reply->body, "error", &error) ||
        !g_str_has_prefix(json_object_get_string(json_object_object_get(error, "code")),
                          "Base.1.15.0.")) {
        abort();
    }
    info = json_object_array_get_idx(json_object_object_get(error, "@Message.ExtendedInfo"), 0);
    const char *id = json_object_get_string(json_object_object_get(info, "MessageId"));
    if (g_str_has_prefix(id, "Base.1.15.0.Property") &&
        strcmp(id, "Base.1.15.0.PropertyValueConflict") != 0 &&
        (!json_object_object_get_ex(info, "RelatedProperties", &related) ||
         !g_str_has_prefix(json_object_get_string(json_object_array_get_idx(related, 0)), "#"))) {
        abort();
    }
    if (strcmp(id, "Base.1.15.0.GeneralError") == 0 && !accepting &&
        strcmp(json_object_get_string(json_object_object_get(error, "message")), REFUSAL) != 0) {
        abort();
    }
}

/* The SessionService PATCH: 200 with the service, or a 400 naming the property. */
static void fuzz_patch(const char *body, size_t len)
{
    static TmRedfishSessions *sessions;
    g_auto(TmRedfishReply) reply = { 0 };

    if (sessions == NULL) {
        sessions = tm_redfish_sessions_new(1, TM_REDFISH_SESSION_TIMEOUT_S);
    }
    tm_redfish_sessions_patch(sessions, body, len, &reply);
    if (reply.status != 200) {
        check_reply(&reply);
    }
}

static void fuzz_login(const char *body, size_t len)
{
    g_auto(TmRedfishReply) reply = { 0 };
    char *user = NULL, *password = NULL;

    if (tm_redfish_service_login_parse(body, len, &user, &password, &reply)) {
        if (reply.status != 0) {
            abort();
        }
        g_free(user);
        g_free(password);
        return;
    }
    check_reply(&reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const paths[] = {
        "/redfish/v1/Chassis/dcd0/MemoryDomains/1/MemoryChunks",
        "/redfish/v1/Fabrics/CXL/Connections",
    };
    static const TmRedfishEngine engine = { .execute = execute };
    static TmRedfishService *service;

    if (size < 1) {
        return 0;
    }
    if (service == NULL) {
        service = tm_redfish_service_new(tm_fuzz_device_tagged()->devices, &engine);
    }
    accepting = data[0] & 1;
    const char *body = (const char *)data + 1;
    if ((data[0] >> 1) % 4 == 2) {
        fuzz_login(body, size - 1);
        return 0;
    }
    if ((data[0] >> 1) % 4 == 3) {
        fuzz_patch(body, size - 1);
        return 0;
    }
    TmRedfishRequest request = { .method = "POST", .path = paths[(data[0] >> 1) % 4],
                                 .body = body, .body_len = size - 1 };
    TmRedfishCaller caller = { .role = TM_REDFISH_ROLE_OPERATOR };
    g_auto(TmRedfishReply) reply = { 0 };
    tm_redfish_service_handle(service, &request, &caller, &reply);
    check_reply(&reply);
    /* The tasks' review (an idle source) ends and prunes them, as the daemon's loop would. */
    while (g_main_context_iteration(NULL, FALSE)) {
    }
    return 0;
}
