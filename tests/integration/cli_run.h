/*
 * Run the tagmem CLI under test (its path is in $TAGMEM, which meson sets)
 * to completion and keep its exit status and output.
 */
#pragma once

#include <glib.h>

typedef struct {
    int status;
    char *out;
    char *err;
} CliRun;

void cli_run_clear(CliRun *run);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CliRun, cli_run_clear)

/* The tagmem executable under test. */
const char *cli_path(void);

/* Run "tagmem ARGS..." (NULL-terminated) with @envp (NULL: ours). */
CliRun run_cli(char **envp, const char *first, ...) G_GNUC_NULL_TERMINATED;

/* Run "tagmem" with @args (NULL-terminated, after argv[0]) and @envp. */
CliRun run_cli_argv(char **envp, const char *const *args);
