#include "daemon/redfish_engine.h"

#include "core/error.h"
#include "qmp/qmp_dispatch.h"

static bool execute(void *opaque, const char *command, json_object *args, GError **err)
{
    TmQmpEnv *env = opaque;
    /* A negotiated session that cannot wait: every command answers at once. */
    TmQmpSession session = { .negotiated = true };
    json_object *request = json_object_new_object();

    json_object_object_add(request, "execute", json_object_new_string(command));
    json_object_object_add(request, "arguments", json_object_get(args));
    json_object *response = tm_qmp_dispatch(env, &session, request);
    json_object_put(request);
    g_assert(response != NULL); /* no command answers later without a deliver function */
    json_object *error = NULL;
    bool ok = !json_object_object_get_ex(response, "error", &error);
    if (!ok) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "%s",
                    json_object_get_string(json_object_object_get(error, "desc")));
    }
    json_object_put(response);
    return ok;
}

void tm_redfish_qmp_engine_init(TmRedfishEngine *engine, TmQmpEnv *env)
{
    engine->execute = execute;
    engine->opaque = env;
}
