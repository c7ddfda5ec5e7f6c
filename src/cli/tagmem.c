/*
 * tagmem: the operator's command-line tool.  It talks QMP to tagmemd.
 *
 *   tagmem [--socket PATH] qmp COMMAND [JSON-ARGS]
 *
 * sends one QMP command and prints the reply's "return" value as indented
 * JSON; an error reply is printed as "CLASS: DESC" on stderr, exit 1.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "tagmem-config.h"
#include "cli/qmp_conn.h"
#include "core/error.h"
#include "core/runtime_dir.h"

#define USAGE "[--socket PATH] qmp COMMAND [JSON-ARGS]"

typedef struct {
    char *socket_path;
    gboolean version;
} CliOptions;

static bool parse_options(int *argc, char ***argv, CliOptions *options, char **help,
                          GError **err)
{
    const GOptionEntry entries[] = {
        { "socket", 's', 0, G_OPTION_ARG_FILENAME, &options->socket_path,
          "tagmemd's QMP socket (default: $XDG_RUNTIME_DIR/tagmem/qmp.sock or "
          "/tmp/tagmem-$UID/qmp.sock)", "PATH" },
        { "version", 'V', 0, G_OPTION_ARG_NONE, &options->version, "Print the version", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context = g_option_context_new("qmp COMMAND [JSON-ARGS]");

    g_option_context_set_summary(context,
        "Send one QMP command to tagmemd and print the reply.\n\n"
        "Example:\n  tagmem qmp object-add '{\"qom-type\": \"memory-backend-memfd\", "
        "\"id\": \"mem0\", \"size\": 1073741824}'");
    g_option_context_add_main_entries(context, entries, NULL);
    /* Options stop at the subcommand, as in git or cxl. */
    g_option_context_set_strict_posix(context, TRUE);
    *help = g_option_context_get_help(context, TRUE, NULL);
    return g_option_context_parse(context, argc, argv, err);
}

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

static bool is_empty_container(json_object *value)
{
    return (json_object_is_type(value, json_type_object) &&
            json_object_object_length(value) == 0) ||
           (json_object_is_type(value, json_type_array) && json_object_array_length(value) == 0);
}

/* Indented for people; "{}" and "[]" stay on one line. */
static const char *format_value(json_object *value)
{
    int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

    if (!is_empty_container(value)) {
        flags |= JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;
    }
    return json_object_to_json_string_ext(value, flags);
}

/* Print the reply; returns the exit status. */
static int print_reply(json_object *reply)
{
    json_object *value, *error;

    if (json_object_object_get_ex(reply, "return", &value)) {
        puts(format_value(value));
        return 0;
    }
    json_object_object_get_ex(reply, "error", &error);
    json_object *klass = json_object_object_get(error, "class");
    json_object *desc = json_object_object_get(error, "desc");
    fprintf(stderr, "tagmem: %s: %s\n", klass ? json_object_get_string(klass) : "Error",
            desc ? json_object_get_string(desc) : "(no description)");
    return 1;
}

static int run_qmp(const char *socket_path, const char *command, const char *arguments_text)
{
    g_autoptr(GError) err = NULL;
    json_object *arguments = NULL;

    if (arguments_text && (arguments = parse_arguments(arguments_text, &err)) == NULL) {
        fprintf(stderr, "tagmem: %s\n", err->message);
        return 1;
    }
    g_autoptr(TmQmpConn) client = tm_qmp_conn_connect(socket_path, &err);
    json_object *reply = NULL;
    if (client == NULL || !tm_qmp_conn_negotiate(client, &err) ||
        (reply = tm_qmp_conn_execute(client, command, g_steal_pointer(&arguments), &err)) ==
            NULL) {
        json_object_put(arguments);
        fprintf(stderr, "tagmem: %s\n", err->message);
        return 1;
    }
    int status = print_reply(reply);
    json_object_put(reply);
    return status;
}

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *help = NULL;
    CliOptions options = { 0 };
    int status = 1;

    setlocale(LC_ALL, "");
    g_set_prgname("tagmem");
    if (!parse_options(&argc, &argv, &options, &help, &err)) {
        fprintf(stderr, "tagmem: %s\nUsage: tagmem " USAGE "\n", err->message);
    } else if (options.version) {
        printf("tagmem %s\n", TAGMEM_VERSION);
        status = 0;
    } else if (argc >= 3 && argc <= 4 && strcmp(argv[1], "qmp") == 0) {
        g_autofree char *socket_path =
            options.socket_path ? g_strdup(options.socket_path) : tm_runtime_dir_qmp_socket();
        status = run_qmp(socket_path, argv[2], argc == 4 ? argv[3] : NULL);
    } else {
        fprintf(stderr, "tagmem: expected 'qmp COMMAND [JSON-ARGS]'\n\n%s", help);
    }
    g_free(options.socket_path);
    return status;
}
