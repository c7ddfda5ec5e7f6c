/*
 * Reading a Redfish request body (DSP0266 §9.6.1 for the error each
 * refusal gets): the JSON object, then its members one by one.  Every
 * function that fails fills @reply with the 400 that names the property
 * by its JSON pointer ("#/Links/Endpoints/0") and returns false/NULL.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>
#include <json-c/json.h>

#include "http/redfish_reply.h"

/* Nesting deeper than this is refused as malformed (no request needs 4). */
#define TM_REDFISH_BODY_MAX_DEPTH 16

/* @text (@len bytes) as a JSON object, nothing after it; else MalformedJSON. */
json_object *tm_redfish_body_parse(const char *text, gsize len, TmRedfishReply *reply);

/* Every member of @obj (at pointer @where, "#" for the body) is in @known (NULL-ended). */
bool tm_redfish_body_only(json_object *obj, const char *where, const char *const *known,
                          TmRedfishReply *reply);

/*
 * Member @name of @obj (at @where) of JSON type @type into @out; absent:
 * PropertyMissing when @required, else true with @out NULL.  An int
 * member must be an integer (not 1.5, not "1").
 */
bool tm_redfish_body_member(json_object *obj, const char *where, const char *name,
                            json_type type, bool required, json_object **out,
                            TmRedfishReply *reply);

/*
 * Member @name of @obj: a list of exactly one link {"@odata.id": URI},
 * its URI into @uri (borrowed from @obj).
 */
bool tm_redfish_body_one_link(json_object *obj, const char *where, const char *name,
                              const char **uri, TmRedfishReply *reply);
