#include "device/device_registry.h"

#include <string.h>

#include "core/error.h"
#include "core/ident.h"

struct TmDeviceRegistry {
    TmBackendRegistry *backends; /* borrowed */
    GHashTable *by_id;           /* id -> TmDcd*, owning */
    GPtrArray *order;            /* TmDcd*, creation order */
};

static void free_device(gpointer dev)
{
    tm_object_free(tm_dcd_object(dev));
}

TmDeviceRegistry *tm_device_registry_new(TmBackendRegistry *backends)
{
    TmDeviceRegistry *registry = g_new0(TmDeviceRegistry, 1);

    registry->backends = backends;
    registry->by_id = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, free_device);
    registry->order = g_ptr_array_new();
    return registry;
}

void tm_device_registry_free(TmDeviceRegistry *registry)
{
    if (registry == NULL) {
        return;
    }
    g_ptr_array_unref(registry->order);
    g_hash_table_unref(registry->by_id);
    g_free(registry);
}

static bool check_new_id(const TmDeviceRegistry *registry, const char *id, GError **err)
{
    if (id == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Parameter 'id' is missing");
        return false;
    }
    if (!tm_id_check(id, err)) {
        return false;
    }
    if (g_hash_table_contains(registry->by_id, id)) {
        /* QEMU's qdev_set_id() */
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Duplicate ID '%s' for device", id);
        return false;
    }
    return true;
}

TmDcd *tm_device_registry_create(TmDeviceRegistry *registry, const char *type_name,
                                 const char *id, const TmPropAssignment *props,
                                 size_t n_props, GError **err)
{
    if (strcmp(type_name, TM_DCD_TYPE) != 0) {
        /* QEMU's device_add text */
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "'%s' is not a valid device model name",
                    type_name);
        return NULL;
    }
    if (!check_new_id(registry, id, err)) {
        return NULL;
    }
    TmDcd *dev = tm_dcd_new(id, registry->backends);
    g_autoptr(TmObject) obj = tm_dcd_object(dev);
    for (size_t i = 0; i < n_props; i++) {
        if (!tm_object_set_property(obj, props[i].name, &props[i].value, err)) {
            return NULL;
        }
    }
    if (!tm_object_complete(obj, err)) {
        return NULL;
    }
    g_steal_pointer(&obj);
    g_hash_table_insert(registry->by_id, (gpointer)tm_dcd_id(dev), dev);
    g_ptr_array_add(registry->order, dev);
    return dev;
}

bool tm_device_registry_delete(TmDeviceRegistry *registry, const char *id, GError **err)
{
    TmDcd *dev = tm_device_registry_find(registry, id);

    if (dev == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found", id);
        return false;
    }
    if (tm_dcd_has_allocations(dev)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Device '%s' still has dynamic capacity pending or accepted; release it "
                    "first", id);
        return false;
    }
    g_ptr_array_remove(registry->order, dev);
    g_hash_table_remove(registry->by_id, id);
    return true;
}

TmDcd *tm_device_registry_find(const TmDeviceRegistry *registry, const char *id)
{
    return id ? g_hash_table_lookup(registry->by_id, id) : NULL;
}

TmDcd *tm_device_registry_resolve_path(const TmDeviceRegistry *registry, const char *path)
{
    if (g_str_has_prefix(path, TM_DCD_PATH_PREFIX)) {
        path += strlen(TM_DCD_PATH_PREFIX);
    }
    return tm_device_registry_find(registry, path);
}

guint tm_device_registry_count(const TmDeviceRegistry *registry)
{
    return registry->order->len;
}

GPtrArray *tm_device_registry_list(const TmDeviceRegistry *registry)
{
    GPtrArray *list = g_ptr_array_sized_new(registry->order->len);

    for (guint i = 0; i < registry->order->len; i++) {
        g_ptr_array_add(list, registry->order->pdata[i]);
    }
    return list;
}
