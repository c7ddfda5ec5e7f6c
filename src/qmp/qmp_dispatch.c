#include "qmp/qmp_dispatch.h"

#include <string.h>

#include "core/error.h"
#include "qmp/qmp_command.h"
#include "qmp/qmp_reply_stream.h"

/* QEMU's qmp_dispatch(): members are checked in the order they arrive. */
static bool check_request(json_object *request, const char **name, json_object **args,
                          GError **err)
{
    if (!json_object_is_type(request, json_type_object)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "QMP input must be a JSON object");
        return false;
    }
    *name = NULL;
    *args = NULL;
    json_object_object_foreach(request, key, value) {
        if (strcmp(key, "execute") == 0) {
            if (!json_object_is_type(value, json_type_string)) {
                g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                            "QMP input member 'execute' must be a string");
                return false;
            }
            *name = json_object_get_string(value);
        } else if (strcmp(key, "arguments") == 0) {
            if (!json_object_is_type(value, json_type_object)) {
                g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                            "QMP input member 'arguments' must be an object");
                return false;
            }
            *args = value;
        } else if (strcmp(key, "id") != 0) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "QMP input member '%s' is unexpected",
                        key);
            return false;
        }
    }
    if (*name == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "QMP input lacks member 'execute'");
        return false;
    }
    return true;
}

/* Before negotiation QEMU answers every other command, known or not, this way. */
static const TmQmpCommand *find_command(const TmQmpSession *session, const char *name,
                                        GError **err)
{
    const TmQmpCommand *command = tm_qmp_command_find(name);

    if (!session->negotiated && (command == NULL || !command->in_negotiation)) {
        g_set_error(err, TM_ERROR, TM_ERROR_COMMAND_NOT_FOUND,
                    "Expecting capabilities negotiation with 'qmp_capabilities'");
        return NULL;
    }
    if (command == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_COMMAND_NOT_FOUND,
                    "The command %s has not been found", name);
    }
    return command;
}

static bool run_request(TmQmpEnv *env, TmQmpSession *session, json_object *request,
                        json_object **ret, GError **err)
{
    const char *name;
    json_object *args;

    if (!check_request(request, &name, &args, err)) {
        return false;
    }
    const TmQmpCommand *command = find_command(session, name, err);
    if (command == NULL) {
        return false;
    }
    json_object *no_args = args ? NULL : json_object_new_object();
    bool ok = tm_qmp_args_check(command->args, command->extra_args, args ? args : no_args,
                                err) &&
              (!command->changes_state || env->can_record == NULL ||
               env->can_record(env->record_opaque, err)) &&
              command->handler(env, session, args ? args : no_args, ret, err);
    /* A command answered later records itself when it succeeds (tm_qmp_record). */
    if (ok && command->changes_state && session->later == NULL) {
        tm_qmp_record(env, name, args ? args : no_args);
    }
    json_object_put(no_args);
    return ok;
}

void tm_qmp_record(TmQmpEnv *env, const char *command, json_object *args)
{
    if (env->record != NULL) {
        env->record(env->record_opaque, command, args);
    }
}

json_object *tm_qmp_error_response(const GError *error)
{
    json_object *body = json_object_new_object();
    json_object *response = json_object_new_object();

    json_object_object_add(body, "class", json_object_new_string(tm_error_qmp_class(error)));
    json_object_object_add(body, "desc", json_object_new_string(error->message));
    json_object_object_add(response, "error", body);
    return response;
}

struct TmQmpLater {
    bool has_id;
    json_object *id;       /* the request's id (a reference; NULL is JSON null) */
    TmQmpDeliverFn deliver; /* NULL once orphaned */
    void *deliver_opaque;
};

static json_object *build_response(json_object *ret, const GError *err, bool has_id,
                                   json_object *id)
{
    json_object *response;

    if (err == NULL) {
        response = json_object_new_object();
        json_object_object_add(response, "return", ret ? ret : json_object_new_object());
    } else {
        json_object_put(ret);
        response = tm_qmp_error_response(err);
    }
    if (has_id) {
        json_object_object_add(response, "id", json_object_get(id));
    }
    return response;
}

/* The request's "id" member (NULL is JSON null), when it has one. */
static bool request_id(json_object *request, json_object **id)
{
    *id = NULL;
    return json_object_is_type(request, json_type_object) &&
           json_object_object_get_ex(request, "id", id);
}

TmQmpLater *tm_qmp_session_defer(TmQmpSession *session)
{
    if (session->deliver == NULL) {
        return NULL;
    }
    g_assert(session->later == NULL);
    session->later = g_new0(TmQmpLater, 1);
    session->later->deliver = session->deliver;
    session->later->deliver_opaque = session->deliver_opaque;
    return session->later;
}

void tm_qmp_later_finish(TmQmpLater *later, json_object *ret, const GError *error)
{
    json_object *response = build_response(ret, error, later->has_id, later->id);

    if (later->deliver) {
        later->deliver(later->deliver_opaque, response);
    } else {
        json_object_put(response);
    }
    json_object_put(later->id);
    g_free(later);
}

void tm_qmp_later_orphan(TmQmpLater *later)
{
    later->deliver = NULL;
}

json_object *tm_qmp_dispatch(TmQmpEnv *env, TmQmpSession *session, json_object *request)
{
    g_autoptr(GError) err = NULL;
    json_object *ret = NULL;
    bool ok = run_request(env, session, request, &ret, &err);
    json_object *id;
    bool has_id = request_id(request, &id);

    if (ok && session->later) {
        session->later->has_id = has_id;
        session->later->id = json_object_get(id);
        return NULL;
    }
    if (ok && session->stream) {
        tm_qmp_reply_stream_set_id(session->stream, has_id, id);
        return NULL;
    }
    /* A handler that deferred or streamed and then failed never finishes its answer. */
    g_assert(session->later == NULL && session->stream == NULL);
    return build_response(ret, ok ? NULL : err, has_id, id);
}
