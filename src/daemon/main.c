/* tagmemd: parse the command line, build the daemon, serve, tear down. */
#include <locale.h>
#include <stdio.h>

#include "tagmem-config.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/options.h"

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    TmDaemonOptions options;

    setlocale(LC_ALL, "");
    g_set_prgname("tagmemd");
    if (!tm_daemon_options_parse(argc, argv, &options, &err)) {
        fprintf(stderr, "tagmemd: %s\nTry 'tagmemd --help' for more information.\n",
                err->message);
        return 1;
    }
    if (options.help_text || options.show_version) {
        if (options.help_text) {
            fputs(options.help_text, stdout);
        } else {
            printf("tagmemd %s\n", TAGMEM_VERSION);
        }
        tm_daemon_options_clear(&options);
        return 0;
    }

    tm_log_init(options.log_level);

    TmDaemon *daemon = tm_daemon_new(&options, &err);
    tm_daemon_options_clear(&options);
    if (daemon == NULL) {
        fprintf(stderr, "tagmemd: %s\n", err->message);
        return 1;
    }
    tm_daemon_run(daemon);
    tm_daemon_free(daemon);
    return 0;
}
