#include "cli/cli_qmp.h"

TmQmpConn *tm_cli_qmp_open(const char *socket_path, GError **err)
{
    g_autoptr(TmQmpConn) conn = tm_qmp_conn_connect(socket_path, err);

    if (conn == NULL || !tm_qmp_conn_negotiate(conn, err)) {
        return NULL;
    }
    return g_steal_pointer(&conn);
}

json_object *tm_cli_qmp_execute(const char *socket_path, const char *command,
                                json_object *arguments, GError **err)
{
    g_autoptr(TmQmpConn) conn = tm_cli_qmp_open(socket_path, err);

    if (conn == NULL) {
        json_object_put(arguments);
        return NULL;
    }
    return tm_qmp_conn_execute(conn, command, arguments, err);
}

char *tm_cli_qmp_error_message(json_object *reply)
{
    json_object *error = json_object_object_get(reply, "error");
    json_object *klass = json_object_object_get(error, "class");
    json_object *desc = json_object_object_get(error, "desc");

    return g_strdup_printf("%s: %s", klass ? json_object_get_string(klass) : "Error",
                           desc ? json_object_get_string(desc) : "(no description)");
}

static bool is_empty_container(json_object *value)
{
    return (json_object_is_type(value, json_type_object) &&
            json_object_object_length(value) == 0) ||
           (json_object_is_type(value, json_type_array) && json_object_array_length(value) == 0);
}

const char *tm_cli_qmp_format(json_object *value)
{
    int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

    if (!is_empty_container(value)) {
        flags |= JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;
    }
    return json_object_to_json_string_ext(value, flags);
}
