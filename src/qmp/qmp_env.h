/*
 * What QMP command handlers may touch.  The daemon owns everything here;
 * the server and the handlers only borrow it.  Later layers (devices) add
 * their registries here, and qom_path.c learns their containers.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>
#include <json-c/json.h>

#include "backend/backend_registry.h"
#include "device/device_registry.h"

typedef struct {
    TmBackendRegistry *backends;
    /* The cxl-type3 devices under /machine/peripheral (NULL: none). */
    TmDeviceRegistry *devices;
    /*
     * Called by the "quit" command after its reply is queued.  Must not
     * free the server synchronously (quit the main loop instead).
     */
    void (*request_quit)(void *opaque);
    void *quit_opaque;
    /*
     * Sends an asynchronous event to the clients (the daemon points it at
     * tm_qmp_server_emit_event).  Takes ownership of @data.  NULL: events
     * are dropped.
     */
    void (*emit_event)(void *opaque, const char *name, json_object *data);
    /*
     * Whether any client would receive an event now (NULL: assume one
     * would), so that an event nobody hears is not built: the data of a
     * release of a million extents is a million JSON objects.
     */
    bool (*wants_events)(void *opaque);
    void *event_opaque;
    /*
     * The state journal (the daemon's --state-dir), for commands that change
     * state: can_record refuses a change before it is made (no room to
     * record it), record keeps a change made before it is answered (and
     * stops the daemon when it cannot: the change was never answered, and
     * the journal still holds what clients were told).  NULL: not kept.
     */
    bool (*can_record)(void *opaque, GError **err);
    void (*record)(void *opaque, const char *command, json_object *args);
    void *record_opaque;
    /* Bytes queued for sending, all clients together (the global output budget). */
    size_t output_queued;
} TmQmpEnv;
