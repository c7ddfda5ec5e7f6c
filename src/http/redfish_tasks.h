/*
 * The Redfish TaskService (DSP0266 §12.2 "Asynchronous operations",
 * docs/redfish.md "Tasks"): a change that ends only when a host answers
 * over its mailbox (an add it accepts or rejects, a release it performs)
 * is answered 202 with a Task, which follows the device model's notices
 * until every host concerned has answered.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>

#include "device/device_registry.h"
#include "http/redfish_engine.h"
#include "http/redfish_reply.h"

/* Finished tasks kept for clients to read; the oldest goes first. */
#define TM_REDFISH_MAX_FINISHED_TASKS 64

typedef enum {
    TM_REDFISH_TASK_ADD,     /* done when each host accepted (Completed) or not (Exception) */
    TM_REDFISH_TASK_RELEASE, /* done when no host holds the tag any more */
} TmRedfishTaskKind;

typedef struct TmRedfishTasks TmRedfishTasks;

/* Watch every device of @devices (borrowed, as @engine). */
TmRedfishTasks *tm_redfish_tasks_new(TmDeviceRegistry *devices, const TmRedfishEngine *engine);
void tm_redfish_tasks_free(TmRedfishTasks *tasks);

typedef struct {
    TmDcd *dev;
    TmGuid tag;
    TmRedfishTaskKind kind;
    TmHostSet hosts;          /* the hosts whose answer ends the task */
    const char *method;       /* the request's, for Payload.HttpOperation */
    const char *target;       /* the URI the request created or deleted */
    /*
     * A backend the service made for the tag (POST of a MemoryChunk),
     * deleted when a release task completes or an add task fails: the
     * allocation left with it, or never came.
     */
    const char *backend_id;
} TmRedfishTaskSpec;

/* A new task: @reply becomes 202 with the Task and its Location. */
void tm_redfish_tasks_start(TmRedfishTasks *tasks, const TmRedfishTaskSpec *spec,
                            TmRedfishReply *reply);

/*
 * /redfish/v1/TaskService, .../Tasks, .../Tasks/N (@path without query
 * and trailing slash); NULL when none.  Without "@odata.etag".
 */
json_object *tm_redfish_tasks_resource(TmRedfishTasks *tasks, const char *path);
