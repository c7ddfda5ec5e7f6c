/* The commands of QMP itself: negotiation, introspection, quit. */
#include "qmp/qmp_command.h"

#include "core/error.h"
#include "tagmem-config.h"

/* The QEMU release whose QMP schema (qapi/cxl.json, qom.json) tagmem follows. */
#define QEMU_COMPAT_MAJOR 10
#define QEMU_COMPAT_MINOR 0
#define QEMU_COMPAT_MICRO 0

json_object *tm_qmp_version_info(void)
{
    json_object *qemu = json_object_new_object();
    json_object *info = json_object_new_object();

    json_object_object_add(qemu, "major", json_object_new_int(QEMU_COMPAT_MAJOR));
    json_object_object_add(qemu, "minor", json_object_new_int(QEMU_COMPAT_MINOR));
    json_object_object_add(qemu, "micro", json_object_new_int(QEMU_COMPAT_MICRO));
    json_object_object_add(info, "qemu", qemu);
    json_object_object_add(info, "package", json_object_new_string("tagmem " TAGMEM_VERSION));
    return info;
}

json_object *tm_qmp_greeting(void)
{
    json_object *body = json_object_new_object();
    json_object *greeting = json_object_new_object();

    json_object_object_add(body, "version", tm_qmp_version_info());
    /* No "oob": commands run in order on the main loop. */
    json_object_object_add(body, "capabilities", json_object_new_array());
    json_object_object_add(greeting, "QMP", body);
    return greeting;
}

/* QEMU's monitor/qmp-cmds-control.c: offered capabilities only; we offer none. */
static bool check_capabilities(json_object *args, GError **err)
{
    json_object *enable;

    if (!json_object_object_get_ex(args, "enable", &enable)) {
        return true;
    }
    if (json_object_array_length(enable) > 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Capability %s not available",
                    json_object_get_string(json_object_array_get_idx(enable, 0)));
        return false;
    }
    return true;
}

static bool qmp_capabilities(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                             json_object **ret, GError **err)
{
    if (session->negotiated) {
        g_set_error(err, TM_ERROR, TM_ERROR_COMMAND_NOT_FOUND,
                    "Capabilities negotiation is already complete, command ignored");
        return false;
    }
    if (!check_capabilities(args, err)) {
        return false;
    }
    session->negotiated = true;
    return true;
}

static bool query_version(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                          json_object **ret, GError **err)
{
    *ret = tm_qmp_version_info();
    return true;
}

static void add_command_info(const TmQmpCommand *command, void *opaque)
{
    json_object *info = json_object_new_object();

    json_object_object_add(info, "name", json_object_new_string(command->name));
    json_object_array_add(opaque, info);
}

static bool query_commands(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                           json_object **ret, GError **err)
{
    *ret = json_object_new_array();
    tm_qmp_command_foreach(add_command_info, *ret);
    return true;
}

static bool quit(TmQmpEnv *env, TmQmpSession *session, json_object *args, json_object **ret,
                 GError **err)
{
    session->quit_requested = true;
    return true;
}

static const char *const qmp_capability_names[] = { "oob", NULL };

static const TmQmpArg qmp_capability_arg = {
    .type = TM_QMP_ARG_ENUM, .enum_values = qmp_capability_names,
};

static const TmQmpArg qmp_capabilities_args[] = {
    { .name = "enable", .type = TM_QMP_ARG_LIST, .optional = true,
      .element = &qmp_capability_arg },
    { .name = NULL },
};

const TmQmpCommand tm_qmp_core_commands[] = {
    { .name = "qmp_capabilities", .handler = qmp_capabilities, .args = qmp_capabilities_args,
      .in_negotiation = true },
    { .name = "query-version", .handler = query_version },
    { .name = "query-commands", .handler = query_commands },
    { .name = "quit", .handler = quit },
    { .name = NULL },
};
