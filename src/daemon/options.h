/*
 * tagmemd's command line, QEMU style.  Every option may be written with one
 * dash or two ("-object" or "--object"), and its value after a space or
 * an '=':
 *
 *   -object TYPE,id=ID,key=value,...     a memory backend (repeatable)
 *   -device cxl-type3,id=ID,key=value,...  a CXL DCD (repeatable; none given:
 *                                        the default device, unless -nodefaults)
 *   -qmp unix:PATH,server=on,wait=off    a QMP socket (repeatable)
 *   -host id=N,socket=PATH[,device=ID]   host N's CCI socket (repeatable)
 *   -fm socket=PATH[,device=ID]          a device's FM CCI socket (repeatable)
 *   -redfish addr=HOST:PORT[,users=FILE] a Redfish service (repeatable)
 *   --max-payload SIZE                   the largest CCI payload (default 1M)
 *   --max-connections N                  connections per socket (default 64)
 *   --pidfile FILE                       write the pid there while running
 *   --state-dir DIR                      keep the state there across restarts
 *   --log-level error|warning|info|debug (default info)
 *   --help, --version
 *
 * Everything is parsed and checked here, before anything is created.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "daemon/log.h"

#define TM_MAX_CONNECTIONS_DEFAULT 64
#define TM_MAX_CONNECTIONS_LIMIT 65536

typedef struct {
    GPtrArray *objects;      /* TmObjectOption, in command-line order */
    GPtrArray *devices;      /* TmDeviceOption, in command-line order */
    bool no_defaults;        /* -nodefaults: no default device */
    GPtrArray *qmp_sockets;  /* socket paths (char *); empty: the default */
    GPtrArray *cci_sockets;  /* TmCciSocketOption: -host, then -fm, each in order */
    GPtrArray *redfish;      /* TmRedfishOption, in command-line order */
    uint32_t max_payload;    /* --max-payload */
    guint max_connections;   /* --max-connections: per socket */
    char *pidfile;           /* NULL: none */
    char *state_dir;         /* NULL: state in memory only */
    TmLogLevel log_level;
    bool show_version;
    char *help_text;         /* set when --help was given */
} TmDaemonOptions;

/* On error the message names the option; @options is then left empty. */
bool tm_daemon_options_parse(int argc, char **argv, TmDaemonOptions *options, GError **err);
void tm_daemon_options_clear(TmDaemonOptions *options);
