/*
 * The Redfish service without its transport (docs/redfish.md): one
 * request of a known caller in, one reply out.  It finds the resource
 * (device tree, sessions, tasks), answers reads, and for changes applies
 * DSP0266's rules in order — method allowed (405), role (403), If-Match
 * (412) — before the write handlers.  The HTTP server authenticates the
 * caller first; the unit tests and the fuzz target call this directly.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

#include "device/device_registry.h"
#include "http/redfish_engine.h"
#include "http/redfish_reply.h"
#include "http/redfish_sessions.h"
#include "http/redfish_users.h"

typedef struct TmRedfishService TmRedfishService;

typedef struct {
    TmRedfishRole role;
    const char *session_id; /* the session the request came with; NULL: none */
} TmRedfishCaller;

typedef struct {
    const char *method;
    const char *path;     /* without query */
    const char *query;    /* the URI's query, undecoded ($select, $expand), or NULL */
    const char *if_match; /* the If-Match header, or NULL */
    bool sanitize;        /* ?sanitize=true (DELETE) */
    bool forced;          /* ?forced=true (DELETE) */
    const char *body;     /* NULL: none */
    gsize body_len;
} TmRedfishRequest;

/* @devices and @engine are borrowed and must outlive the service. */
TmRedfishService *tm_redfish_service_new(TmDeviceRegistry *devices,
                                         const TmRedfishEngine *engine);
void tm_redfish_service_free(TmRedfishService *service);

/* @caller may make @request: any read; a change as an Operator (or their own logout). */
bool tm_redfish_service_may_do(const TmRedfishCaller *caller, const TmRedfishRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmRedfishService, tm_redfish_service_free)

void tm_redfish_service_handle(TmRedfishService *service, const TmRedfishRequest *request,
                               const TmRedfishCaller *caller, TmRedfishReply *reply);

/*
 * A login's body (POST .../Sessions, DSP0266 §13.3.4.1): UserName and
 * Password, nothing else.  False with @reply the 400 otherwise.
 */
bool tm_redfish_service_login_parse(const char *body, gsize len, char **user, char **password,
                                    TmRedfishReply *reply);

/* @user (whose password was checked) gets a session: 201 with X-Auth-Token and Location. */
void tm_redfish_service_login(TmRedfishService *service, const char *user, TmRedfishRole role,
                              TmRedfishReply *reply);

/* The path of the Sessions collection, where a login is POSTed. */
#define TM_REDFISH_SESSIONS_PATH "/redfish/v1/SessionService/Sessions"

/* The service's sessions, for the server to authenticate X-Auth-Token. */
TmRedfishSessions *tm_redfish_service_sessions(TmRedfishService *service);
