/*
 * One answer of the Redfish service, transport-free: status, JSON body and
 * the headers a handler decides (Location, Allow).  The write handlers
 * fill one and the HTTP server sends it; the tests and the fuzz target
 * read it directly.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>

typedef struct {
    guint status;      /* HTTP status; 0: not answered yet */
    json_object *body; /* owned; NULL: no body (204) */
    char *location;    /* the Location header, or NULL */
    const char *allow; /* the Allow header (a static string), or NULL */
    char *auth_token;  /* the X-Auth-Token header (a new session's), or NULL */
} TmRedfishReply;

void tm_redfish_reply_clear(TmRedfishReply *reply);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TmRedfishReply, tm_redfish_reply_clear)

/* @status with @body (taken). */
void tm_redfish_reply_json(TmRedfishReply *reply, guint status, json_object *body);

/* @status with a Base @message_id error (see tm_redfish_error_body). */
void tm_redfish_reply_error(TmRedfishReply *reply, guint status, const char *message_id,
                            const char *message, const char *arg, const char *resolution);

/*
 * 400 with a Base property message (DSP0266 §9.6.1): "PropertyUnknown",
 * "PropertyMissing", "PropertyValueTypeError", "PropertyValueNotInList",
 * "PropertyValueOutOfRange" or "PropertyValueFormatError"; @property is
 * a JSON pointer ("#/Oem/Tagmem/Tag"), given in RelatedProperties; @value (the value's JSON
 * text) for the PropertyValue* ones.
 */
void tm_redfish_reply_property_error(TmRedfishReply *reply, const char *message_id,
                                     const char *property, const char *value);

/* 403 InsufficientPrivilege: a ReadOnly caller asked for a change. */
void tm_redfish_reply_insufficient_privilege(TmRedfishReply *reply);

/* 400 MalformedJSON. */
void tm_redfish_reply_malformed(TmRedfishReply *reply);
