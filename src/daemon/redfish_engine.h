/*
 * The Redfish service's writes as in-process QMP requests on the
 * daemon's TmQmpEnv (http/redfish_engine.h says why): dispatched like a
 * negotiated client's, so they are checked, run and recorded in the
 * state journal exactly as the same QMP request would be.
 */
#pragma once

#include "http/redfish_engine.h"
#include "qmp/qmp_env.h"

/* An engine over @env (borrowed; it must outlive the engine's users). */
void tm_redfish_qmp_engine_init(TmRedfishEngine *engine, TmQmpEnv *env);
