/*
 * /redfish/v1/EventService (DSP0266 §13.5 "Eventing"): the service
 * resource, its SSE stream (redfish_sse.c) and its Subscriptions
 * collection of push destinations (redfish_push.c), over the events of
 * redfish_events.c.
 */
#pragma once

#include <stdbool.h>
#include <libsoup/soup.h>

#include "device/device_registry.h"

#define TM_REDFISH_EVENT_SERVICE "/redfish/v1/EventService"
#define TM_REDFISH_SSE_URI "/redfish/v1/EventService/SSE"
/* The largest body a POST to Subscriptions may have (an EventDestination is small). */
#define TM_REDFISH_SUBSCRIPTION_BODY_LIMIT 4096

typedef struct TmRedfishEventService TmRedfishEventService;

TmRedfishEventService *tm_redfish_event_service_new(TmDeviceRegistry *devices);
void tm_redfish_event_service_free(TmRedfishEventService *service);

/* @path is under the EventService: tm_redfish_event_service_serve() answers it. */
bool tm_redfish_event_service_owns(const char *path);

/*
 * Whether a request with a body of these @headers may go on to have its
 * body read: a POST to Subscriptions with a Content-Length up to the limit.
 */
bool tm_redfish_event_service_takes_body(const char *method, const char *path,
                                         SoupMessageHeaders *headers);

/* Answer @msg for @path (owned by the EventService; credentials already checked). */
void tm_redfish_event_service_serve(TmRedfishEventService *service, SoupServerMessage *msg,
                                    const char *path);
