/*
 * How the Redfish service changes state: through the daemon's QMP
 * commands, run in-process.  A write is the QMP request a client would
 * send for it, so it gets the same checks, the same all-or-nothing rule,
 * the same error texts and the same record in the state journal
 * (docs/durable-state.md) as that request; the daemon wires this to its
 * QMP dispatcher, so that http/ needs nothing of qmp/.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>
#include <json-c/json.h>

typedef struct {
    /*
     * Run QMP @command with @args (borrowed); false with QMP's error text
     * in @err.  Answers at once (no command used here waits).
     */
    bool (*execute)(void *opaque, const char *command, json_object *args, GError **err);
    void *opaque;
} TmRedfishEngine;
