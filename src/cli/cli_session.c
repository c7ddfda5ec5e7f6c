#include "cli/cli_session.h"

#include <stdio.h>

#include "cli/cli_qmp.h"

bool tm_cli_session_open(TmCliSession *session, const TmCliGlobal *global, const char *verb,
                         bool verbose)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *socket_path = tm_cli_qmp_socket(global);

    session->verb = verb;
    session->verbose = verbose;
    session->conn = tm_cli_qmp_open(socket_path, &err);
    if (session->conn == NULL) {
        tm_cli_fail("%s: %s; start it with 'tagmemd' (or give --socket PATH before the verb)",
                    verb, err->message);
        return false;
    }
    return true;
}

void tm_cli_session_close(TmCliSession *session)
{
    g_clear_pointer(&session->conn, tm_qmp_conn_free);
}

void tm_cli_show_request(const char *command, json_object *arguments)
{
    json_object *request = json_object_new_object();

    json_object_object_add(request, "execute", json_object_new_string(command));
    if (arguments) {
        json_object_object_add(request, "arguments", json_object_get(arguments));
    }
    fprintf(stderr, "-> %s\n",
            json_object_to_json_string_ext(request, JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(request);
}

/* The "return" value of @reply (taken) into *@ret, or the daemon's message printed. */
static bool take_reply(TmCliSession *session, json_object *reply, json_object **ret)
{
    json_object *value;

    if (!json_object_object_get_ex(reply, "return", &value)) {
        json_object *desc = json_object_object_get(json_object_object_get(reply, "error"),
                                                   "desc");
        tm_cli_fail("%s: %s", session->verb,
                    desc ? json_object_get_string(desc) : "the daemon refused the request");
        json_object_put(reply);
        return false;
    }
    if (ret) {
        *ret = json_object_get(value);
    }
    json_object_put(reply);
    return true;
}

bool tm_cli_call(TmCliSession *session, const char *command, json_object *arguments,
                 json_object **ret)
{
    g_autoptr(GError) err = NULL;

    if (session->verbose) {
        tm_cli_show_request(command, arguments);
    }
    json_object *reply = tm_qmp_conn_execute(session->conn, command, arguments, &err);
    if (reply == NULL) {
        tm_cli_fail("%s: %s", session->verb, err->message);
        return false;
    }
    return take_reply(session, reply, ret);
}

bool tm_cli_call_with_events(TmCliSession *session, const char *command,
                             json_object *arguments, json_object **ret, TmCliEventFn on_event,
                             void *data)
{
    g_autoptr(GError) err = NULL;
    json_object *request = json_object_new_object();
    bool sent;

    if (session->verbose) {
        tm_cli_show_request(command, arguments);
    }
    json_object_object_add(request, "execute", json_object_new_string(command));
    if (arguments) {
        json_object_object_add(request, "arguments", arguments);
    }
    sent = tm_qmp_conn_send(session->conn, request, &err);
    json_object_put(request);
    while (sent) {
        json_object *message = tm_qmp_conn_receive(session->conn, -1, &err);

        if (message == NULL) {
            break;
        }
        if (!json_object_object_get_ex(message, "event", NULL)) {
            return take_reply(session, message, ret);
        }
        on_event(data, message);
        json_object_put(message);
    }
    tm_cli_fail("%s: %s", session->verb, err->message);
    return false;
}

json_object *tm_cli_choose_device(TmCliSession *session, json_object *devices,
                                  const char *wanted)
{
    size_t n = json_object_array_length(devices);
    g_autoptr(GString) ids = g_string_new(NULL);
    json_object *chosen = NULL;

    for (size_t i = 0; i < n; i++) {
        json_object *device = json_object_array_get_idx(devices, i);
        const char *id = json_object_get_string(json_object_object_get(device, "id"));

        g_string_append_printf(ids, "%s%s", i ? ", " : "", id);
        if (wanted && g_strcmp0(id, wanted) == 0) {
            chosen = device;
        }
    }
    if (wanted == NULL && n == 1) {
        chosen = json_object_array_get_idx(devices, 0);
    }
    if (chosen == NULL) {
        tm_cli_fail(wanted ? "%s: --device '%s': no such device (devices: %s)"
                           : "%s: %s%s: give --device", session->verb,
                    wanted ? wanted : (n ? "devices are " : "tagmemd has no device"),
                    wanted ? (n ? ids->str : "none") : ids->str);
    }
    return chosen;
}

bool tm_cli_pick_device(TmCliSession *session, const char *wanted, char **device_id)
{
    json_object *devices;

    if (!tm_cli_call(session, "query-cxl-dynamic-capacity", NULL, &devices)) {
        return false;
    }
    json_object *chosen = tm_cli_choose_device(session, devices, wanted);
    if (chosen) {
        *device_id = g_strdup(json_object_get_string(json_object_object_get(chosen, "id")));
    }
    json_object_put(devices);
    return chosen != NULL;
}
