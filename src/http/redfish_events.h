/*
 * The Redfish events of the Dynamic Capacity engine (docs/redfish.md,
 * "Events"): an observer on every device turns the device model's notices
 * (the ones QMP's CXL_DC_* events come from) into Redfish Event resources
 * (DSP0266 §13.5 "Eventing") and hands each to the sinks: the SSE streams
 * and the push subscriptions.  Nothing here knows about QMP.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>

#include "device/device_registry.h"

typedef struct TmRedfishEvents TmRedfishEvents;

/*
 * A sink gets every event: @event_id (decimal, from 1, in order) and the
 * Event resource @event (borrowed: copy what is kept).
 */
typedef void (*TmRedfishEventSink)(const char *event_id, json_object *event, gpointer opaque);

/* Watch every device of @devices (borrowed; the devices must outlive the watch). */
TmRedfishEvents *tm_redfish_events_new(TmDeviceRegistry *devices);
void tm_redfish_events_free(TmRedfishEvents *events);

/*
 * Returns an id for tm_redfish_events_remove_sink(); sinks run in order
 * added, and must not add or remove sinks while they run.
 */
guint tm_redfish_events_add_sink(TmRedfishEvents *events, TmRedfishEventSink sink,
                                 gpointer opaque);
void tm_redfish_events_remove_sink(TmRedfishEvents *events, guint sink_id);

/* The Event resource for @notice of @dev, numbered @event_id (also for the unit tests). */
json_object *tm_redfish_event_new(const TmDcd *dev, const TmDcdNotice *notice,
                                  guint64 event_id);
