/*
 * The pieces every Redfish resource is made of (DSP0266 §9): a link
 * ({"@odata.id": ...}), a resource's common properties, a collection of
 * members.  Shared by the resource tree, sessions, tasks, connections and
 * events so that they all look alike.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>

/* {"@odata.id": @odata_id} */
json_object *tm_redfish_link(const char *odata_id);

/* @odata.id, @odata.type, Id (when @id is not NULL) and Name. */
json_object *tm_redfish_object(const char *odata_id, const char *type, const char *id,
                               const char *name);

/*
 * A collection at @odata_id: Members (a link to @odata_id/ID for each
 * char * of @member_ids) and Members@odata.count.
 */
json_object *tm_redfish_collection(const char *odata_id, const char *type, const char *name,
                                   GPtrArray *member_ids);
