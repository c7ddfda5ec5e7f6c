/*
 * Redfish sessions (DSP0266 §13.3.4, docs/redfish.md "Sessions"): a user
 * who proved their password once gets a random token, sent back as
 * X-Auth-Token on later requests, until they delete the session or leave
 * it idle longer than the SessionService's SessionTimeout.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>
#include <json-c/json.h>

#include "http/redfish_reply.h"
#include "http/redfish_users.h"

/* DSP0266 §13.3.4: the DMTF default SessionTimeout, 30 minutes. */
#define TM_REDFISH_SESSION_TIMEOUT_S 1800
/* Sessions open at once; a further login is refused until one ends. */
#define TM_REDFISH_MAX_SESSIONS 64

typedef struct TmRedfishSessions TmRedfishSessions;

typedef struct {
    char *id;            /* the member id under .../Sessions, "1", "2", ... */
    char *user;
    TmRedfishRole role;
    char *token;         /* 64 hex digits from getrandom() */
    gint64 last_used_us; /* monotonic time of the last request with the token */
} TmRedfishSession;

TmRedfishSessions *tm_redfish_sessions_new(guint max_sessions, guint timeout_s);
void tm_redfish_sessions_free(TmRedfishSessions *sessions);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmRedfishSessions, tm_redfish_sessions_free)

/*
 * A new session for @user at @now_us; NULL with @err when the table is
 * full (after dropping expired ones) or no random bytes can be had.
 */
const TmRedfishSession *tm_redfish_sessions_create(TmRedfishSessions *sessions,
                                                   const char *user, TmRedfishRole role,
                                                   gint64 now_us, GError **err);
/*
 * The live session whose token is @token (compared in constant time with
 * every session's), its idle time restarted; NULL when none.
 */
const TmRedfishSession *tm_redfish_sessions_use(TmRedfishSessions *sessions, const char *token,
                                                gint64 now_us);
/* The live session @id; NULL when none. */
const TmRedfishSession *tm_redfish_sessions_find(TmRedfishSessions *sessions, const char *id,
                                                 gint64 now_us);
/*
 * PATCH of the SessionService: {"SessionTimeout": S}, S from 30 to 86400
 * (DMTF's SessionService schema), nothing else.  @reply is the 400 when
 * refused, else 200 with the service (without "@odata.etag").
 */
void tm_redfish_sessions_patch(TmRedfishSessions *sessions, const char *body, gsize len,
                               TmRedfishReply *reply);

/* End session @id; false when there is none. */
bool tm_redfish_sessions_delete(TmRedfishSessions *sessions, const char *id);

/*
 * The resources: /redfish/v1/SessionService, .../Sessions and
 * .../Sessions/ID (@path without query and trailing slash); NULL when
 * @path is none of them.  Without "@odata.etag".
 */
json_object *tm_redfish_sessions_resource(TmRedfishSessions *sessions, const char *path,
                                          gint64 now_us);
