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
#include "core/guid.h"
#include "core/runtime_dir.h"
#include "core/size.h"

static const TmCliCommand commands[] = {
    { "create-backend", "--size SIZE [--tag UUID|auto] ...", "create a memory backend",
      tm_cli_cmd_create_backend },
    { "destroy-backend", "ID", "delete an unused memory backend", tm_cli_cmd_destroy_backend },
    { "add-capacity", "--host N (--size SIZE | --extent OFF:LEN) ...",
      "offer capacity to a host", tm_cli_cmd_add_capacity },
    { "release-capacity", "--host N (--tag UUID | --extent OFF:LEN) ...",
      "take capacity back from a host", tm_cli_cmd_release_capacity },
    { "status", "TAG", "each host's state of a tag", tm_cli_cmd_status },
    { "list", "[-d ID] [-H N] [-t TAG] [-r R] [-E|-T|-B] [--json]",
      "devices, regions, hosts, extents, tags and backends",
      tm_cli_cmd_list },
    { "map", "[-d ID] [-r R] [--width N] [--svg FILE]",
      "picture of a device's DPA space: free, pending, accepted, by host and tag",
      tm_cli_cmd_map },
    { "monitor", "[--json] [--count N]", "print events as they happen", tm_cli_cmd_monitor },
    { "qmp", "COMMAND [JSON-ARGS]", "send one QMP command, print the reply", tm_cli_cmd_qmp },
    { "fm", "VERB [OPTIONS]", "be the fabric manager on a device's FM socket (FM-API)",
      tm_cli_cmd_fm },
    { "host-agent", "--host N", "be host N: accept, reject and release capacity, print events",
      tm_cli_cmd_host_agent },
    { "host-write", "--host N --tag UUID --data TEXT",
      "write into a tagged allocation through host N's direct alias", tm_cli_cmd_host_write },
    { "host-read", "--host N --tag UUID --length L",
      "read from a tagged allocation through host N's direct alias", tm_cli_cmd_host_read },
    { "passwd", "FILE USER [--role ReadOnly|Operator]",
      "set a Redfish user's password (from stdin) in a users file", tm_cli_cmd_passwd },
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

bool tm_cli_parse_tag(const char *text, const char *field, TmGuid *tag)
{
    g_autoptr(GError) err = NULL;

    if (text == NULL) {
        tm_cli_fail("%s UUID is required", field);
        return false;
    }
    if (!tm_guid_parse(text, field, tag, &err)) {
        tm_cli_fail("%s", err->message);
        return false;
    }
    if (tm_guid_is_null(tag)) {
        tm_cli_fail("%s: the null GUID means untagged; expected a tag", field);
        return false;
    }
    return true;
}

bool tm_cli_parse_size(const char *text, const char *field, uint64_t *out)
{
    g_autoptr(GError) err = NULL;

    if (!tm_size_parse(text, field, out, &err)) {
        tm_cli_fail("%s", err->message);
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

/* Edit distance of @a and @b (insert, delete, substitute), for "did you mean". */
static guint edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    g_autofree guint *row = g_new(guint, lb + 1);

    for (size_t j = 0; j <= lb; j++) {
        row[j] = (guint)j;
    }
    for (size_t i = 1; i <= la; i++) {
        guint diagonal = row[0];

        row[0] = (guint)i;
        for (size_t j = 1; j <= lb; j++) {
            guint above = row[j];
            guint cost = a[i - 1] == b[j - 1] ? 0 : 1;

            row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diagonal + cost);
            diagonal = above;
        }
    }
    return row[lb];
}

/* The subcommand closest to @name, if it is close enough to be a typo. */
static const char *closest_command(const char *name)
{
    const char *best = NULL;
    guint best_distance = 4;

    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        guint distance = edit_distance(name, commands[i].name);

        if (distance < best_distance) {
            best = commands[i].name;
            best_distance = distance;
        }
    }
    return best;
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
    } else if (command == NULL && argc >= 2 && closest_command(argv[1])) {
        fprintf(stderr, "tagmem: unknown subcommand '%s'; did you mean '%s'?\n", argv[1],
                closest_command(argv[1]));
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
