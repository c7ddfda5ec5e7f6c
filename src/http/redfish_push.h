/*
 * Push subscriptions (DSP0266 §13.5.1 "POST to subscriptions"): each
 * EventDestination has an HTTP(S) Destination to which every event is
 * POSTed as an Event resource with the subscription's Context.
 * Deliveries are asynchronous (libsoup's client on the main loop), one at
 * a time per subscriber, from a queue of at most TM_REDFISH_PUSH_QUEUE
 * events; when the queue is full the new event is dropped and counted, so
 * a slow or dead subscriber costs memory it cannot grow and never blocks
 * the daemon (docs/redfish.md, "Events").
 */
#pragma once

#include <stdbool.h>
#include <json-c/json.h>

#include "http/redfish_events.h"

#define TM_REDFISH_PUSH_QUEUE 64
/* And at most this many bytes of them (an event of a 10k-extent add is about 1 MiB). */
#define TM_REDFISH_PUSH_QUEUE_BYTES (1024 * 1024)
#define TM_REDFISH_PUSH_MAX_SUBSCRIPTIONS 16
/* Seconds a delivery may take, connection included. */
#define TM_REDFISH_PUSH_TIMEOUT 5

#define TM_REDFISH_SUBSCRIPTIONS "/redfish/v1/EventService/Subscriptions"

/* Why a POST body was refused: the Base message id and its argument (a property name). */
typedef struct {
    const char *message_id;
    char *arg;
    char *message;
} TmRedfishPushRefusal;

void tm_redfish_push_refusal_clear(TmRedfishPushRefusal *refusal);

typedef struct TmRedfishPush TmRedfishPush;

TmRedfishPush *tm_redfish_push_new(TmRedfishEvents *events);
/* Cancels deliveries in flight. */
void tm_redfish_push_free(TmRedfishPush *push);

/*
 * A subscription from the POST body @body (an EventDestination); its
 * resource, or NULL with @refusal filled when the body is not acceptable
 * (nothing is created then).
 */
json_object *tm_redfish_push_create(TmRedfishPush *push, json_object *body,
                                    TmRedfishPushRefusal *refusal);
/* The subscription named @id (the last path segment), or NULL. */
json_object *tm_redfish_push_get(TmRedfishPush *push, const char *id);
/* Remove the subscription @id; false when there is none. */
bool tm_redfish_push_delete(TmRedfishPush *push, const char *id);
/* The Subscriptions collection. */
json_object *tm_redfish_push_collection(TmRedfishPush *push);
