/*
 * tagmem: the operator's command-line tool (docs/cli.md), in the style of
 * cxl and daxctl: "tagmem [--socket PATH] SUBCOMMAND [OPTIONS] [ARGS]".
 * The QMP subcommands talk to tagmemd's QMP socket; the host subcommands
 * play a host on its CCI socket with libtagmem.  "tagmem SUBCOMMAND
 * --help" describes each one.
 */
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tagmem-config.h"
#include "cli/cli.h"
#include "core/runtime_dir.h"

static const TmCliCommand commands[] = {
    { "qmp", "COMMAND [JSON-ARGS]", "send one QMP command, print the reply", tm_cli_cmd_qmp },
    { "list", "[--json]", "devices, regions, hosts, extents, tags and backends",
      tm_cli_cmd_list },
    { "fm", "VERB [OPTIONS]", "be the fabric manager on a device's FM socket (FM-API)",
      tm_cli_cmd_fm },
    { "host-agent", "--host N", "be host N: accept, reject and release capacity, print events",
      tm_cli_cmd_host_agent },
    { "host-write", "--host N --tag UUID --data TEXT",
      "write into a tagged allocation through host N's direct alias", tm_cli_cmd_host_write },
    { "host-read", "--host N --tag UUID --length L",
      "read from a tagged allocation through host N's direct alias", tm_cli_cmd_host_read },
};

int tm_cli_fail(const char *format, ...)
{
    va_list args;

    fputs("tagmem: ", stderr);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    return 1;
}

bool tm_cli_parse_options(const char *name, const char *parameters, const char *summary,
                          const GOptionEntry *entries, int *argc, char ***argv)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *prgname = g_strdup_printf("tagmem %s", name);
    g_autoptr(GOptionContext) context = g_option_context_new(parameters);

    /* The usage line reads "tagmem NAME [OPTION…] PARAMETERS". */
    g_set_prgname(prgname);
    g_option_context_set_summary(context, summary);
    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, argc, argv, &err)) {
        g_autofree char *help = g_option_context_get_help(context, TRUE, NULL);
        fprintf(stderr, "tagmem %s: %s\n\n%s", name, err->message, help);
        return false;
    }
    return true;
}

char *tm_cli_qmp_socket(const TmCliGlobal *global)
{
    return global->qmp_socket ? g_strdup(global->qmp_socket) : tm_runtime_dir_qmp_socket();
}

static char *commands_help(void)
{
    GString *text = g_string_new("Subcommands:\n");

    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        g_autofree char *usage = g_strdup_printf("%s %s", commands[i].name, commands[i].arguments);
        g_string_append_printf(text, "  %-46s %s\n", usage, commands[i].summary);
    }
    g_string_append(text, "\n'tagmem SUBCOMMAND --help' describes a subcommand's options.");
    return g_string_free(text, FALSE);
}

typedef struct {
    char *socket_path;
    gboolean version;
} GlobalOptions;

static bool parse_global_options(int *argc, char ***argv, GlobalOptions *options, char **help)
{
    const GOptionEntry entries[] = {
        { "socket", 's', 0, G_OPTION_ARG_FILENAME, &options->socket_path,
          "tagmemd's QMP socket (default: $XDG_RUNTIME_DIR/tagmem/qmp.sock or "
          "/tmp/tagmem-$UID/qmp.sock)", "PATH" },
        { "version", 'V', 0, G_OPTION_ARG_NONE, &options->version, "Print the version", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GError) err = NULL;
    g_autoptr(GOptionContext) context = g_option_context_new("SUBCOMMAND [OPTIONS] [ARGS]");
    g_autofree char *description = commands_help();

    g_option_context_set_summary(context,
        "Drive tagmemd, the CXL Dynamic Capacity Device daemon.\n\n"
        "Example:\n  tagmem qmp object-add '{\"qom-type\": \"memory-backend-memfd\", "
        "\"id\": \"mem0\", \"size\": 1073741824}'");
    g_option_context_set_description(context, description);
    g_option_context_add_main_entries(context, entries, NULL);
    /* Options stop at the subcommand, as in git or cxl. */
    g_option_context_set_strict_posix(context, TRUE);
    *help = g_option_context_get_help(context, TRUE, NULL);
    if (!g_option_context_parse(context, argc, argv, &err)) {
        fprintf(stderr, "tagmem: %s\n\n%s", err->message, *help);
        return false;
    }
    return true;
}

static const TmCliCommand *find_command(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (strcmp(commands[i].name, name) == 0) {
            return &commands[i];
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    g_autofree char *help = NULL;
    GlobalOptions options = { 0 };
    int status = 1;

    setlocale(LC_ALL, "");
    g_set_prgname("tagmem");
    if (!parse_global_options(&argc, &argv, &options, &help)) {
        g_free(options.socket_path);
        return 1;
    }
    const TmCliCommand *command = argc >= 2 ? find_command(argv[1]) : NULL;
    if (options.version) {
        printf("tagmem %s\n", TAGMEM_VERSION);
        status = 0;
    } else if (command == NULL) {
        fprintf(stderr, "tagmem: %s%s%s\n\n%s", argc >= 2 ? "unknown subcommand '" : "",
                argc >= 2 ? argv[1] : "expected a subcommand", argc >= 2 ? "'" : "", help);
    } else {
        TmCliGlobal global = { .qmp_socket = options.socket_path };
        status = command->run(&global, argc - 1, argv + 1);
    }
    g_free(options.socket_path);
    return status;
}
