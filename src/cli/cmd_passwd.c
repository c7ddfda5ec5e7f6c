/*
 * tagmem passwd FILE USER [--role ReadOnly|Operator]
 *
 * Sets USER's password in the Redfish users file FILE (created if
 * missing, other users kept), from the first line of standard input so
 * that it never shows in the process list.  The file is replaced
 * atomically and made readable by its owner only: its hashes are salted
 * yescrypt, but still worth guarding (docs/redfish.md).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "http/redfish_users.h"

static char *read_password(void)
{
    char line[1024];

    if (fgets(line, sizeof(line), stdin) == NULL) {
        return NULL;
    }
    line[strcspn(line, "\r\n")] = '\0';
    return line[0] ? g_strdup(line) : NULL;
}

int tm_cli_cmd_passwd(const TmCliGlobal *global, int argc, char **argv)
{
    g_autofree char *role_text = NULL;
    g_autoptr(GError) err = NULL;
    const GOptionEntry entries[] = {
        { "role", 0, 0, G_OPTION_ARG_STRING, &role_text,
          "ReadOnly (default) or Operator", "ROLE" },
        { NULL },
    };
    TmRedfishRole role = TM_REDFISH_ROLE_READ_ONLY;
    (void)global;

    if (!tm_cli_parse_options("passwd", "FILE USER",
                              "Set USER's password (first line of stdin) in a Redfish users file.",
                              entries, &argc, &argv)) {
        return 1;
    }
    if (argc != 3) {
        return tm_cli_fail("passwd: expected FILE and USER");
    }
    if (role_text && !tm_redfish_role_parse(role_text, &role, &err)) {
        return tm_cli_fail("%s", err->message);
    }
    g_autofree char *password = read_password();
    if (password == NULL) {
        return tm_cli_fail("passwd: no password on standard input");
    }
    g_autofree char *old_text = NULL;
    if (!g_file_get_contents(argv[1], &old_text, NULL, &err) &&
        !g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
        return tm_cli_fail("%s", err->message);
    }
    g_clear_error(&err);
    g_autofree char *text = tm_redfish_users_set(old_text, argv[2], password, role, &err);
    if (text == NULL ||
        !g_file_set_contents_full(argv[1], text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &err)) {
        return tm_cli_fail("%s", err->message);
    }
    return 0;
}
