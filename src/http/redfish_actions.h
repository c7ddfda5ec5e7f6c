/*
 * The Redfish write operations (docs/redfish.md "Write operations"):
 *
 *   POST   .../MemoryDomains/N/MemoryChunks      a tagged allocation: a
 *          backend holding the tag and an add to one host
 *   DELETE .../MemoryChunks/TAG                  release from every host
 *   POST   /redfish/v1/Fabrics/CXL/Connections   another host's shared add
 *   DELETE .../Connections/ID                    that host's release
 *
 * Each reads its body completely and refuses any fault before it changes
 * anything; then it runs the QMP commands a client would (engine), so the
 * device model's checks, texts and the state journal are QMP's.  Changes
 * that end when a host answers are answered 202 with a Task.
 * Transport-free: the HTTP server hands in the path, the body, the query.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

#include "device/device_registry.h"
#include "http/redfish_engine.h"
#include "http/redfish_reply.h"
#include "http/redfish_tasks.h"

/* The backends the service makes for its chunks: this prefix and the tag. */
#define TM_REDFISH_BACKEND_PREFIX "redfish-"

typedef struct {
    TmDeviceRegistry *devices;
    const TmRedfishEngine *engine;
    TmRedfishTasks *tasks;
} TmRedfishActions;

/* The methods the existing resource at @path takes (the Allow header). */
const char *tm_redfish_actions_allow(const char *path);

/* POST @body (@len bytes) to @path, an existing resource whose Allow has POST. */
void tm_redfish_actions_post(const TmRedfishActions *actions, const char *path,
                             const char *body, gsize len, TmRedfishReply *reply);

/*
 * DELETE @path, an existing resource whose Allow has DELETE: @sanitize
 * zeroes the released memory before reuse, @forced takes it without the
 * hosts' consent.
 */
void tm_redfish_actions_delete(const TmRedfishActions *actions, const char *path,
                               bool sanitize, bool forced, TmRedfishReply *reply);
