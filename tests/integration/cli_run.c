#include "cli_run.h"

#include <stdarg.h>
#include <sys/wait.h>

void cli_run_clear(CliRun *run)
{
    g_free(run->out);
    g_free(run->err);
}

const char *cli_path(void)
{
    const char *path = g_getenv("TAGMEM");

    if (path == NULL) {
        g_error("TAGMEM must name the tagmem CLI (meson test sets it)");
    }
    return path;
}

CliRun run_cli_argv(char **envp, const char *const *args)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GError) err = NULL;
    CliRun run = { 0 };
    int wait_status;

    g_ptr_array_add(argv, (gpointer)cli_path());
    for (size_t i = 0; args[i] != NULL; i++) {
        g_ptr_array_add(argv, (gpointer)args[i]);
    }
    g_ptr_array_add(argv, NULL);
    g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, envp, 0, NULL, NULL, &run.out,
                               &run.err, &wait_status, &err));
    g_assert_no_error(err);
    g_assert_true(WIFEXITED(wait_status));
    run.status = WEXITSTATUS(wait_status);
    g_test_message("tagmem exit %d\nstdout: %s\nstderr: %s", run.status, run.out, run.err);
    return run;
}

CliRun run_cli(char **envp, const char *first, ...)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    va_list ap;

    va_start(ap, first);
    for (const char *arg = first; arg; arg = va_arg(ap, const char *)) {
        g_ptr_array_add(args, (gpointer)arg);
    }
    va_end(ap);
    g_ptr_array_add(args, NULL);
    return run_cli_argv(envp, (const char *const *)args->pdata);
}
