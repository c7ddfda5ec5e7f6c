#include "daemon/cci_sockets.h"

#include <string.h>

#include "core/error.h"
#include "core/runtime_dir.h"
#include "daemon/cci_option.h"

/* One port of one device and where it listens. */
typedef struct {
    TmDcd *dev;
    TmMailboxPortKind port;
    uint16_t host_id;
    char *path;
    const char *origin;  /* the option that named it, or NULL for a default */
} TmCciSocketPlan;

static void plan_clear(gpointer data)
{
    g_free(((TmCciSocketPlan *)data)->path);
}

static const char *port_name(const TmCciSocketPlan *plan, char *buffer, size_t size)
{
    if (plan->port == TM_MAILBOX_PORT_FM) {
        return "the FM port";
    }
    g_snprintf(buffer, size, "host %u", plan->host_id);
    return buffer;
}

static TmDcd *option_device(TmDeviceRegistry *devices, const TmCciSocketOption *option,
                            GError **err)
{
    g_autoptr(GPtrArray) all = tm_device_registry_list(devices);

    if (option->device_id == NULL) {
        if (all->len == 0) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "there is no device to serve");
            return NULL;
        }
        return g_ptr_array_index(all, 0);
    }
    TmDcd *dev = tm_device_registry_find(devices, option->device_id);
    if (dev == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Parameter 'device': no device '%s'",
                    option->device_id);
    }
    return dev;
}

/* The same port twice, or the same path for two ports. */
static bool check_unique(const GArray *plans, const TmCciSocketPlan *plan, GError **err)
{
    char name[32];

    for (guint i = 0; i < plans->len; i++) {
        const TmCciSocketPlan *other = &g_array_index(plans, TmCciSocketPlan, i);
        if (other->dev == plan->dev && other->port == plan->port &&
            other->host_id == plan->host_id) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                        "%s of device '%s' already has socket '%s'",
                        port_name(plan, name, sizeof(name)), tm_dcd_id(plan->dev), other->path);
            return false;
        }
        if (strcmp(other->path, plan->path) == 0) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                        "socket '%s' is already the socket of %s of device '%s'", plan->path,
                        port_name(other, name, sizeof(name)), tm_dcd_id(other->dev));
            return false;
        }
    }
    return true;
}

static bool check_host(const TmCciSocketPlan *plan, GError **err)
{
    if (plan->port == TM_MAILBOX_PORT_HOST && plan->host_id >= tm_dcd_num_hosts(plan->dev)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter 'id': device '%s' has no host %u (num-hosts=%u)",
                    tm_dcd_id(plan->dev), plan->host_id, tm_dcd_num_hosts(plan->dev));
        return false;
    }
    return true;
}

static bool plan_options(TmDeviceRegistry *devices, const GPtrArray *options, GArray *plans,
                         GError **err)
{
    for (guint i = 0; i < options->len; i++) {
        const TmCciSocketOption *option = g_ptr_array_index(options, i);
        TmCciSocketPlan plan = {
            .dev = option_device(devices, option, err),
            .port = option->kind == TM_CCI_SOCKET_HOST ? TM_MAILBOX_PORT_HOST
                                                       : TM_MAILBOX_PORT_FM,
            .host_id = option->host_id,
            .path = g_strdup(option->path),
            .origin = option->text,
        };

        if (plan.dev == NULL || !check_host(&plan, err) || !check_unique(plans, &plan, err)) {
            g_free(plan.path);
            g_prefix_error(err, "%s %s: ", option->kind == TM_CCI_SOCKET_HOST ? "-host" : "-fm",
                           option->text);
            return false;
        }
        g_array_append_val(plans, plan);
    }
    return true;
}

static bool port_planned(const GArray *plans, const TmDcd *dev, TmMailboxPortKind port,
                         uint16_t host_id)
{
    for (guint i = 0; i < plans->len; i++) {
        const TmCciSocketPlan *plan = &g_array_index(plans, TmCciSocketPlan, i);
        if (plan->dev == dev && plan->port == port && plan->host_id == host_id) {
            return true;
        }
    }
    return false;
}

static char *default_path(const char *dir, const TmDcd *dev, bool first_device,
                          TmMailboxPortKind port, uint16_t host_id)
{
    g_autofree char *port_part = port == TM_MAILBOX_PORT_FM
                                     ? g_strdup("fm.sock")
                                     : g_strdup_printf("host%u.sock", host_id);
    g_autofree char *name = first_device ? g_steal_pointer(&port_part)
                                         : g_strdup_printf("%s-%s", tm_dcd_id(dev), port_part);

    return g_build_filename(dir, name, NULL);
}

/* A default socket for the port, unless an option gave it one. */
static bool plan_default(GArray *plans, const char *dir, TmDcd *dev, bool first_device,
                         TmMailboxPortKind port, uint16_t host_id, GError **err)
{
    if (port_planned(plans, dev, port, host_id)) {
        return true;
    }
    if (!tm_runtime_dir_ensure(dir, err)) {
        return false;
    }
    TmCciSocketPlan plan = {
        .dev = dev,
        .port = port,
        .host_id = host_id,
        .path = default_path(dir, dev, first_device, port, host_id),
    };
    if (!check_unique(plans, &plan, err)) {
        g_free(plan.path);
        return false;
    }
    g_array_append_val(plans, plan);
    return true;
}

static bool plan_defaults(TmDeviceRegistry *devices, GArray *plans, GError **err)
{
    g_autoptr(GPtrArray) all = tm_device_registry_list(devices);
    g_autofree char *dir = tm_runtime_dir_default();

    for (guint i = 0; i < all->len; i++) {
        TmDcd *dev = g_ptr_array_index(all, i);
        if (!plan_default(plans, dir, dev, i == 0, TM_MAILBOX_PORT_FM, 0, err)) {
            return false;
        }
        for (uint16_t host = 0; host < tm_dcd_num_hosts(dev); host++) {
            if (!plan_default(plans, dir, dev, i == 0, TM_MAILBOX_PORT_HOST, host, err)) {
                return false;
            }
        }
    }
    return true;
}

bool tm_cci_sockets_listen(TmCciServer *server, TmDeviceRegistry *devices,
                           const GPtrArray *options, GPtrArray *paths, GError **err)
{
    g_autoptr(GArray) plans = g_array_new(FALSE, FALSE, sizeof(TmCciSocketPlan));
    char name[32];

    g_array_set_clear_func(plans, plan_clear);
    if (!plan_options(devices, options, plans, err) || !plan_defaults(devices, plans, err)) {
        return false;
    }
    for (guint i = 0; i < plans->len; i++) {
        const TmCciSocketPlan *plan = &g_array_index(plans, TmCciSocketPlan, i);
        if (!tm_cci_server_listen(server, plan->dev, plan->port, plan->host_id, plan->path,
                                  err)) {
            if (plan->origin) {
                g_prefix_error(err, "%s %s: ",
                               plan->port == TM_MAILBOX_PORT_HOST ? "-host" : "-fm",
                               plan->origin);
            }
            return false;
        }
        g_debug("CCI socket of %s of device '%s': %s", port_name(plan, name, sizeof(name)),
               tm_dcd_id(plan->dev), plan->path);
        g_ptr_array_add(paths, g_strdup(plan->path));
    }
    return true;
}
