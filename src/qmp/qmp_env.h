/*
 * What QMP command handlers may touch.  The daemon owns everything here;
 * the server and the handlers only borrow it.  Later layers (devices) add
 * their registries here, and qom_path.c learns their containers.
 */
#pragma once

#include "backend/backend_registry.h"

typedef struct {
    TmBackendRegistry *backends;
    /*
     * Called by the "quit" command after its reply is queued.  Must not
     * free the server synchronously (quit the main loop instead).
     */
    void (*request_quit)(void *opaque);
    void *quit_opaque;
} TmQmpEnv;
