#include "qmp/qom_path.h"

#include <string.h>

#include "backend/hostmem.h"
#include "core/error.h"
#include "device/dcd.h"

struct TmQomContainer {
    const char *path;
    const char *parent_path; /* NULL for the root */
    const char *name;        /* the last component of @path */
    /* The objects it holds, in creation order (NULL: holds none yet). */
    GPtrArray *(*list_objects)(TmQmpEnv *env);
    TmObject *(*find_object)(TmQmpEnv *env, const char *id);
};

static GPtrArray *list_backends(TmQmpEnv *env)
{
    g_autoptr(GPtrArray) backends = tm_backend_registry_list(env->backends);
    GPtrArray *objects = g_ptr_array_sized_new(backends->len);

    for (guint i = 0; i < backends->len; i++) {
        g_ptr_array_add(objects, tm_hostmem_object(g_ptr_array_index(backends, i)));
    }
    return objects;
}

static TmObject *find_backend(TmQmpEnv *env, const char *id)
{
    TmHostMem *backend = tm_backend_registry_find_by_id(env->backends, id);

    return backend ? tm_hostmem_object(backend) : NULL;
}

/* A daemon started without a device registry has no devices. */
static GPtrArray *list_devices(TmQmpEnv *env)
{
    GPtrArray *objects = g_ptr_array_new();

    if (env->devices) {
        g_autoptr(GPtrArray) devices = tm_device_registry_list(env->devices);
        for (guint i = 0; i < devices->len; i++) {
            g_ptr_array_add(objects, tm_dcd_object(g_ptr_array_index(devices, i)));
        }
    }
    return objects;
}

static TmObject *find_device(TmQmpEnv *env, const char *id)
{
    TmDcd *dev = env->devices ? tm_device_registry_find(env->devices, id) : NULL;

    return dev ? tm_dcd_object(dev) : NULL;
}

static const TmQomContainer containers[] = {
    { .path = "/" },
    { .path = "/machine", .parent_path = "/", .name = "machine" },
    { .path = "/machine/peripheral", .parent_path = "/machine", .name = "peripheral",
      .list_objects = list_devices, .find_object = find_device },
    { .path = "/objects", .parent_path = "/", .name = "objects",
      .list_objects = list_backends, .find_object = find_backend },
};

static const TmQomContainer *find_child_container(const TmQomContainer *parent,
                                                  const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(containers); i++) {
        const TmQomContainer *c = &containers[i];
        if (c->parent_path && strcmp(c->parent_path, parent->path) == 0 &&
            strcmp(c->name, name) == 0) {
            return c;
        }
    }
    return NULL;
}

static bool step(TmQmpEnv *env, TmQomNode *node, const char *component)
{
    if (node->object) {
        return false; /* objects have no children (yet) */
    }
    const TmQomContainer *child = find_child_container(node->container, component);
    if (child) {
        node->container = child;
        return true;
    }
    TmObject *object = node->container->find_object
                           ? node->container->find_object(env, component)
                           : NULL;
    if (object) {
        node->container = NULL;
        node->object = object;
        return true;
    }
    return false;
}

bool tm_qom_resolve(TmQmpEnv *env, const char *path, TmQomNode *out, GError **err)
{
    TmQomNode node = { .container = &containers[0] };
    bool found = path[0] == '/';

    if (found) {
        g_auto(GStrv) components = g_strsplit(path, "/", -1);
        for (char **c = components; found && *c; c++) {
            found = (*c)[0] == '\0' || step(env, &node, *c);
        }
    }
    if (!found) {
        g_set_error(err, TM_ERROR, TM_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found", path);
        return false;
    }
    *out = node;
    return true;
}

static void add_child_entry(json_object *list, const char *name, const char *type_name)
{
    json_object *entry = json_object_new_object();
    g_autofree char *child_type = g_strdup_printf("child<%s>", type_name);

    json_object_object_add(entry, "name", json_object_new_string(name));
    json_object_object_add(entry, "type", json_object_new_string(child_type));
    json_object_array_add(list, entry);
}

void tm_qom_container_list_children(TmQmpEnv *env, const TmQomContainer *container,
                                    json_object *list)
{
    for (size_t i = 0; i < G_N_ELEMENTS(containers); i++) {
        const TmQomContainer *c = &containers[i];
        if (c->parent_path && strcmp(c->parent_path, container->path) == 0) {
            add_child_entry(list, c->name, TM_QOM_CONTAINER_TYPE);
        }
    }
    if (container->list_objects) {
        g_autoptr(GPtrArray) objects = container->list_objects(env);
        for (guint i = 0; i < objects->len; i++) {
            TmObject *object = g_ptr_array_index(objects, i);
            add_child_entry(list, object->id, tm_object_type_name(object));
        }
    }
}

char *tm_qom_container_child_path(TmQmpEnv *env, const TmQomContainer *container,
                                  const char *name)
{
    bool exists = find_child_container(container, name) != NULL ||
                  (container->find_object && container->find_object(env, name) != NULL);

    if (!exists) {
        return NULL;
    }
    const char *separator = strcmp(container->path, "/") == 0 ? "" : "/";
    return g_strconcat(container->path, separator, name, NULL);
}
