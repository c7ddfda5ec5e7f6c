/*
 * Answers sent straight on a libsoup message: a JSON body with the headers DSP0266
 * asks for (OData-Version, the ETag of a resource), or a Redfish error.
 */
#pragma once

#include <libsoup/soup.h>
#include <json-c/json.h>

/* @body (borrowed) with @status; its "@odata.etag", if any, is also the ETag header. */
void tm_redfish_send_json(SoupServerMessage *msg, guint status, json_object *body);

/* A Base registry error (redfish_error.h) with @status. */
void tm_redfish_send_error(SoupServerMessage *msg, guint status, const char *message_id,
                            const char *message, const char *arg, const char *resolution);
