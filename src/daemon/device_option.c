#include "daemon/device_option.h"

#include <string.h>

#include "core/error.h"
#include "core/keyval.h"
#include "daemon/object_option.h"

void tm_device_option_free(TmDeviceOption *option)
{
    if (option == NULL) {
        return;
    }
    g_free(option->text);
    g_free(option->driver);
    g_free(option->id);
    g_array_unref(option->props);
    g_free(option);
}

static const char *required(const GPtrArray *pairs, const char *key, GError **err)
{
    const char *value = tm_keyval_lookup(pairs, key);

    if (value == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Parameter '%s' is missing", key);
    }
    return value;
}

/* QEMU's qdev text for an unknown driver; tagmemd has one device model. */
static bool check_driver(const char *driver, GError **err)
{
    if (strcmp(driver, TM_DCD_TYPE) != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "'%s' is not a valid device model name (tagmemd has: " TM_DCD_TYPE ")",
                    driver);
        return false;
    }
    return true;
}

TmDeviceOption *tm_device_option_parse(const char *text, GError **err)
{
    static const char *const not_properties[] = { "driver", "id", "bus", NULL };
    g_autoptr(GPtrArray) pairs = tm_keyval_parse(text, "driver", err);
    const char *driver, *id;

    if (pairs == NULL || (driver = required(pairs, "driver", err)) == NULL ||
        !check_driver(driver, err) || (id = required(pairs, "id", err)) == NULL) {
        return NULL;
    }
    GArray *props = tm_option_props_parse(&tm_dcd_class, pairs, not_properties, err);
    if (props == NULL) {
        return NULL;
    }
    TmDeviceOption *option = g_new0(TmDeviceOption, 1);
    option->text = g_strdup(text);
    option->driver = g_strdup(driver);
    option->id = g_strdup(id);
    option->props = props;
    return option;
}

TmDcd *tm_device_option_create(const TmDeviceOption *option, TmDeviceRegistry *registry,
                               GError **err)
{
    return tm_device_registry_create(registry, option->driver, option->id,
                                     (const TmPropAssignment *)option->props->data,
                                     option->props->len, err);
}
