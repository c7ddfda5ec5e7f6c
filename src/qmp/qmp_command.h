/*
 * The QMP command table: name → handler and argument schema.  Dispatch,
 * argument checking and query-commands all come from it.  Each
 * qmp_commands_*.c file holds one set; qmp_command_table.c lists the sets.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>
#include <json-c/json.h>

#include "qmp/qmp_args.h"
#include "qmp/qmp_dispatch.h"
#include "qmp/qmp_env.h"

/*
 * @args is the checked "arguments" object (empty when absent).  On
 * success the handler may set *@ret to the return value; NULL means {}.
 */
typedef bool (*TmQmpHandlerFn)(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                               json_object **ret, GError **err);

typedef struct {
    const char *name;              /* NULL ends a set */
    TmQmpHandlerFn handler;
    const TmQmpArg *args;          /* NULL: takes no arguments */
    /* Members the schema does not name go to the handler (object-add). */
    bool extra_args;
    /* Allowed before capabilities negotiation is complete. */
    bool in_negotiation;
    /* A success changes what a restarted daemon must rebuild: it is recorded
     * (TmQmpEnv.record) before it is answered. */
    bool changes_state;
} TmQmpCommand;

extern const TmQmpCommand tm_qmp_core_commands[];
extern const TmQmpCommand tm_qmp_object_commands[];
extern const TmQmpCommand tm_qmp_qom_commands[];
extern const TmQmpCommand tm_qmp_cxl_commands[];
extern const TmQmpCommand tm_qmp_cxl_tag_commands[];
extern const TmQmpCommand tm_qmp_cxl_poison_commands[];
extern const TmQmpCommand tm_qmp_cxl_ras_commands[];

/*
 * QEMU's VersionInfo.  "qemu" is the QEMU release whose QMP schema tagmem
 * follows (clients gate features on it); "package" names tagmem itself.
 */
json_object *tm_qmp_version_info(void);

/* The greeting a client reads first: {"QMP": {"version": ..., "capabilities": []}}. */
json_object *tm_qmp_greeting(void);

/* The command called @name, or NULL. */
const TmQmpCommand *tm_qmp_command_find(const char *name);

/* Call @fn for every command, in table order. */
void tm_qmp_command_foreach(void (*fn)(const TmQmpCommand *command, void *opaque),
                            void *opaque);
