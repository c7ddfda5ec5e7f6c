/*
 * The tagmem CLI's subcommands.  main() (tagmem.c) parses the options that
 * come before the subcommand, finds the subcommand in its table and hands
 * it the rest of the command line: argv[0] is the subcommand's name, and
 * each subcommand parses its own options.  A subcommand returns the
 * process exit status (0 or 1) and reports failures on stderr as
 * "tagmem: MESSAGE".
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "core/guid.h"

/* What the options before the subcommand say. */
typedef struct {
    const char *qmp_socket; /* --socket; NULL: the default path */
} TmCliGlobal;

typedef int (*TmCliRunFn)(const TmCliGlobal *global, int argc, char **argv);

typedef struct {
    const char *name;
    const char *arguments; /* for the usage line */
    const char *summary;
    TmCliRunFn run;
} TmCliCommand;

/* Print "tagmem: MESSAGE" on stderr; returns the exit status 1. */
int tm_cli_fail(const char *format, ...) G_GNUC_PRINTF(1, 2);

/*
 * Parse a subcommand's options: "tagmem NAME PARAMETERS" with @entries.
 * On a bad option prints the message and the subcommand's help, returns
 * false.  --help prints the help and exits 0 (GOption's behaviour).
 */
bool tm_cli_parse_options(const char *name, const char *parameters, const char *summary,
                          const GOptionEntry *entries, int *argc, char ***argv);

/* Parse @text given as option @field into a non-null tag; prints why not. */
bool tm_cli_parse_tag(const char *text, const char *field, TmGuid *tag);

/* Parse a size (K/M/G suffixes) given as option @field; prints why not. */
bool tm_cli_parse_size(const char *text, const char *field, uint64_t *out);

/* The QMP socket to use: --socket, else the default path; caller frees. */
char *tm_cli_qmp_socket(const TmCliGlobal *global);

/* cmd_qmp.c */
int tm_cli_cmd_qmp(const TmCliGlobal *global, int argc, char **argv);
/* cmd_list.c */
int tm_cli_cmd_list(const TmCliGlobal *global, int argc, char **argv);
/* cmd_host_agent.c */
int tm_cli_cmd_host_agent(const TmCliGlobal *global, int argc, char **argv);
/* cmd_backend.c */
int tm_cli_cmd_create_backend(const TmCliGlobal *global, int argc, char **argv);
int tm_cli_cmd_destroy_backend(const TmCliGlobal *global, int argc, char **argv);
/* cmd_capacity.c */
int tm_cli_cmd_add_capacity(const TmCliGlobal *global, int argc, char **argv);
int tm_cli_cmd_release_capacity(const TmCliGlobal *global, int argc, char **argv);
int tm_cli_cmd_status(const TmCliGlobal *global, int argc, char **argv);
/* cmd_monitor.c */
int tm_cli_cmd_monitor(const TmCliGlobal *global, int argc, char **argv);
/* cmd_map.c */
int tm_cli_cmd_map(const TmCliGlobal *global, int argc, char **argv);
/* cmd_fm.c */
int tm_cli_cmd_fm(const TmCliGlobal *global, int argc, char **argv);
/* cmd_host_access.c */
int tm_cli_cmd_host_read(const TmCliGlobal *global, int argc, char **argv);
int tm_cli_cmd_passwd(const TmCliGlobal *global, int argc, char **argv);
int tm_cli_cmd_host_write(const TmCliGlobal *global, int argc, char **argv);
