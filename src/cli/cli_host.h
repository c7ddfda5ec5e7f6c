/*
 * What the host subcommands (host-agent, host-read, host-write) share:
 * their common options, connecting to a host's CCI socket with libtagmem,
 * and one line of output per host event.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <tagmem/tagmem.h>

#include "cli/cli.h"
#include "core/guid.h"

typedef struct {
    int host_id;          /* --host; -1 until given */
    char *socket_path;    /* --socket; NULL: the default path of host_id */
    char *policy;         /* --policy; NULL: linux */
    int sequence_base;    /* --seq-base */
    gboolean verbose;     /* --verbose: libtagmem's info lines on stderr */
} TmCliHostOptions;

#define TM_CLI_HOST_OPTIONS_INIT { .host_id = -1 }

/* The options every host subcommand takes (GOptionEntry initialisers). */
#define TM_CLI_HOST_OPTION_ENTRIES(o)                                                          \
    { "host", 'H', 0, G_OPTION_ARG_INT, &(o)->host_id, "The host id (required)", "N" },       \
    { "socket", 's', 0, G_OPTION_ARG_FILENAME, &(o)->socket_path,                             \
      "The host's CCI socket (default: hostN.sock in tagmemd's runtime directory, the "       \
      "first device's)", "PATH" },                                                            \
    { "policy", 'p', 0, G_OPTION_ARG_STRING, &(o)->policy,                                    \
      "Which offered capacity to accept: linux (the Linux DCD driver's rules, default), "     \
      "accept-all or reject-all", "POLICY" },                                                 \
    { "seq-base", 0, 0, G_OPTION_ARG_INT, &(o)->sequence_base,                                \
      "linux policy: the first shared-extent sequence number of a tag, 0 (default) or 1",     \
      "0|1" },                                                                                \
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &(o)->verbose,                                    \
      "Also print libtagmem's diagnostics on stderr", NULL }

void tm_cli_host_options_clear(TmCliHostOptions *options);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TmCliHostOptions, tm_cli_host_options_clear)

/*
 * Check the options and connect.  Each event (capacity found held at
 * connect included) is printed as a line on stdout when @print_events.
 * On failure prints why and returns NULL.
 */
TagmemHost *tm_cli_host_connect(const TmCliHostOptions *options, bool print_events);

/*
 * Host subcommands take no global option: a --socket before them is the
 * QMP socket, so refuse it rather than ignore it (prints why).
 */
bool tm_cli_host_check_global(const TmCliGlobal *global, const char *name);

/* The socket the options name; caller frees. */
char *tm_cli_host_socket(const TmCliHostOptions *options);

