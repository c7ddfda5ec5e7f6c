/*
 * tagmem qmp COMMAND [JSON-ARGS]: send one QMP command and print the
 * reply's "return" value as indented JSON; an error reply is printed as
 * "CLASS: DESC" on stderr, exit 1.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cli_qmp.h"
#include "cli/qmp_conn.h"
#include "core/error.h"

static json_object *parse_arguments(const char *text, GError **err)
{
    enum json_tokener_error status;
    json_object *arguments = json_tokener_parse_verbose(text, &status);

    if (arguments == NULL || !json_object_is_type(arguments, json_type_object)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "JSON-ARGS must be a JSON object, got '%s'%s%s", text,
                    arguments ? "" : ": ", arguments ? "" : json_tokener_error_desc(status));
        json_object_put(arguments);
        return NULL;
    }
    return arguments;
}

/* Print the reply; returns the exit status. */
static int print_reply(json_object *reply)
{
    json_object *value;

    if (json_object_object_get_ex(reply, "return", &value)) {
        puts(tm_cli_qmp_format(value));
        return 0;
    }
    g_autofree char *message = tm_cli_qmp_error_message(reply);
    return tm_cli_fail("%s", message);
}

int tm_cli_cmd_qmp(const TmCliGlobal *global, int argc, char **argv)
{
    const GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };
    g_autoptr(GError) err = NULL;
    json_object *arguments = NULL;

    if (!tm_cli_parse_options("qmp", "COMMAND [JSON-ARGS]",
                              "Send one QMP command to tagmemd and print the reply.\n\n"
                              "Example:\n  tagmem qmp object-add '{\"qom-type\": "
                              "\"memory-backend-memfd\", \"id\": \"mem0\", \"size\": 1073741824}'",
                              entries, &argc, &argv)) {
        return 1;
    }
    if (argc < 2 || argc > 3) {
        return tm_cli_fail("expected 'qmp COMMAND [JSON-ARGS]'");
    }
    if (argc == 3 && (arguments = parse_arguments(argv[2], &err)) == NULL) {
        return tm_cli_fail("%s", err->message);
    }
    g_autofree char *socket_path = tm_cli_qmp_socket(global);
    json_object *reply = tm_cli_qmp_execute(socket_path, argv[1], arguments, &err);
    if (reply == NULL) {
        return tm_cli_fail("%s", err->message);
    }
    int status = print_reply(reply);
    json_object_put(reply);
    return status;
}
