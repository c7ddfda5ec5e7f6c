/* object-add, object-del, query-memdev: memory backends under /objects. */
#include "qmp/qmp_command.h"

#include <stdint.h>

#include <string.h>

#include "backend/hostmem.h"
#include "device/dcd.h"
#include "core/error.h"
#include "qmp/qmp_cxl_json.h"
#include "qmp/qmp_page.h"
#include "qmp/qmp_value.h"

static void clear_assignment(gpointer data)
{
    TmPropAssignment *assignment = data;

    tm_value_clear(&assignment->value);
}

static bool is_object_add_member(const char *key)
{
    return strcmp(key, "qom-type") == 0 || strcmp(key, "id") == 0;
}

/*
 * QEMU's flat object-add: every member but qom-type and id is a property,
 * typed by the property's kind.  Names point into @args.
 */
static GArray *convert_properties(const TmObjectClass *klass, json_object *args, GError **err)
{
    g_autoptr(GArray) props = g_array_new(FALSE, TRUE, sizeof(TmPropAssignment));

    g_array_set_clear_func(props, clear_assignment);
    json_object_object_foreach(args, key, json) {
        if (is_object_add_member(key)) {
            continue;
        }
        const TmProperty *prop = tm_class_find_property(klass, key);
        if (prop == NULL) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Property '%s.%s' not found",
                        klass->type_name, key);
            return NULL;
        }
        TmPropAssignment assignment = { .name = key };
        if (!tm_qmp_value_from_json(prop->kind, key, json, &assignment.value, err)) {
            return NULL;
        }
        g_array_append_val(props, assignment);
    }
    return g_steal_pointer(&props);
}

/* A preallocation's progress (docs/qmp.md, Events). */
#define TM_QMP_EVENT_PREALLOC_PROGRESS "MEMORY_BACKEND_PREALLOC_PROGRESS"

/* An object-add whose backend is preallocated in worker threads. */
typedef struct {
    TmQmpEnv *env;
    TmQmpLater *later;
    json_object *args;      /* a reference, recorded when the backend is made */
} ObjectAddLater;

/* Progress as an event every client sees (docs/qmp.md). */
static void on_prealloc_progress(void *opaque, const char *id, uint64_t done, uint64_t total)
{
    ObjectAddLater *context = opaque;
    json_object *data = json_object_new_object();

    if (context->env->emit_event == NULL) {
        json_object_put(data);
        return;
    }
    json_object_object_add(data, "id", json_object_new_string(id));
    json_object_object_add(data, "done", json_object_new_uint64(done));
    json_object_object_add(data, "total", json_object_new_uint64(total));
    context->env->emit_event(context->env->event_opaque, TM_QMP_EVENT_PREALLOC_PROGRESS, data);
}

static void on_created(void *opaque, TmHostMem *backend, const GError *error)
{
    ObjectAddLater *context = opaque;

    if (error == NULL) {
        tm_qmp_record(context->env, "object-add", context->args);
    }
    tm_qmp_later_finish(context->later, NULL, error);
    json_object_put(context->args);
    g_free(context);
}

/*
 * A connection that can wait gets its answer when the preallocation is
 * done, and meanwhile the daemon serves everyone; others wait here.
 */
static bool create_backend(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                           const char *type_name, const char *id, GArray *props, GError **err)
{
    const TmPropAssignment *assignments = props ? (const TmPropAssignment *)props->data : NULL;
    guint n = props ? props->len : 0;

    if (session->deliver == NULL) {
        return tm_backend_registry_create(env->backends, type_name, id, assignments, n, err) !=
               NULL;
    }
    ObjectAddLater *context = g_new0(ObjectAddLater, 1);
    context->env = env;
    TmBackendCreateCallbacks callbacks = {
        .progress = on_prealloc_progress,
        .finished = on_created,
        .opaque = context,
    };
    switch (tm_backend_registry_create_async(env->backends, type_name, id, assignments, n,
                                             &callbacks, err)) {
    case TM_BACKEND_CREATE_STARTED:
        /* The callbacks run from the main loop, after this returns. */
        context->later = tm_qmp_session_defer(session);
        context->args = json_object_get(args);
        return true;
    case TM_BACKEND_CREATE_DONE:
        g_free(context);
        return true;
    default:
        g_free(context);
        return false;
    }
}

static bool object_add(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                       json_object **ret, GError **err)
{
    const char *type_name = tm_qmp_arg_str(args, "qom-type", NULL);
    const char *id = tm_qmp_arg_str(args, "id", NULL);
    const TmObjectClass *klass = tm_hostmem_find_type(type_name);

    if (klass == NULL) {
        /* The registry refuses unknown types, naming the known ones. */
        return create_backend(env, session, args, type_name, id, NULL, err);
    }
    g_autoptr(GArray) props = convert_properties(klass, args, err);
    if (props == NULL) {
        return false;
    }
    return create_backend(env, session, args, type_name, id, props, err);
}

/* Deleting a backend still being preallocated cancels it (the registry does). */
static bool object_del(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                       json_object **ret, GError **err)
{
    return tm_backend_registry_delete(env->backends, tm_qmp_arg_str(args, "id", NULL), err);
}

/* Copy property @name into @out under the same name; absent properties are left out. */
static void add_property(TmObject *object, json_object *out, const char *name)
{
    TmValue value;

    if (tm_object_get_property(object, name, &value, NULL)) {
        json_object_object_add(out, name, tm_qmp_value_to_json(&value));
        tm_value_clear(&value);
    }
}

/* QEMU's Memdev (qapi/machine.json), plus "tag" when the backend has one. */
static json_object *memdev_info(TmHostMem *backend)
{
    static const char *const fields[] = {
        "size", "merge", "dump", "prealloc", "share", "reserve", "host-nodes", "policy",
    };
    TmObject *object = tm_hostmem_object(backend);
    json_object *info = json_object_new_object();

    json_object_object_add(info, "id", json_object_new_string(tm_hostmem_id(backend)));
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
        add_property(object, info, fields[i]);
    }
    const TmGuid *tag = tm_hostmem_tag(backend);
    if (tag) {
        char text[TM_GUID_STRING_LEN + 1];
        tm_guid_format(tag, text);
        json_object_object_add(info, "tag", json_object_new_string(text));
    }
    return info;
}

static json_object *memdev_list(const GPtrArray *backends)
{
    json_object *list = json_object_new_array_ext(backends->len);

    for (guint i = 0; i < backends->len; i++) {
        json_object_array_add(list, memdev_info(g_ptr_array_index(backends, i)));
    }
    return list;
}

static gint compare_position(gconstpointer a, gconstpointer b, gpointer registry)
{
    uint64_t pa = tm_backend_registry_creation_key(registry, *(TmHostMem *const *)a);
    uint64_t pb = tm_backend_registry_creation_key(registry, *(TmHostMem *const *)b);

    return pa < pb ? -1 : pa > pb;
}

/*
 * The backends @dev uses: its volatile-dc-memdev and the backend of each
 * tag it has an allocation of, in creation order.  O(the device's tags),
 * whatever the number of backends.
 */
static GPtrArray *device_backends(TmBackendRegistry *registry, const TmDcd *dev)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
    GPtrArray *backends = g_ptr_array_new();
    TmHostMem *memdev = tm_dcd_static_memdev(dev);

    if (memdev) {
        g_hash_table_add(seen, memdev);
        g_ptr_array_add(backends, memdev);
    }
    for (guint i = 0; i < tm_dcd_tag_count(dev); i++) {
        TmHostMem *backend = tm_dcd_tag_info(dev, i).backend;
        if (backend && g_hash_table_add(seen, backend)) {
            g_ptr_array_add(backends, backend);
        }
    }
    g_ptr_array_sort_with_data(backends, compare_position, registry);
    return backends;
}

/*
 * What "path" and "tag" keep, in creation order: the backends of that
 * device, the one holding the tag (found in the tag index), or both at
 * once; *@kept stays NULL without them.
 */
static bool filter_backends(TmQmpEnv *env, json_object *args, GPtrArray **kept, GError **err)
{
    const char *path = tm_qmp_arg_str(args, "path", NULL);
    TmHostMem *holder;
    TmGuid tag;

    *kept = NULL;
    if (path) {
        TmDcd *dev = tm_qmp_cxl_resolve_device(env, path, err);
        if (dev == NULL) {
            return false;
        }
        *kept = device_backends(env->backends, dev);
    }
    if (!tm_qmp_arg_has(args, "tag")) {
        return true;
    }
    if (!tm_qmp_cxl_parse_tag(args, &tag, err)) {
        g_clear_pointer(kept, g_ptr_array_unref);
        return false;
    }
    holder = tm_backend_registry_find_by_tag(env->backends, &tag);
    bool keeps_holder = holder && (*kept == NULL || g_ptr_array_find(*kept, holder, NULL));
    g_clear_pointer(kept, g_ptr_array_unref);
    *kept = g_ptr_array_new();
    if (keeps_holder) {
        g_ptr_array_add(*kept, holder);
    }
    return true;
}

/* Items [start, start + count) of @list (fewer at its end). */
static GPtrArray *page_of(const GPtrArray *list, const TmQmpPage *page)
{
    GPtrArray *items = g_ptr_array_new();

    for (uint64_t i = page->start; i < list->len && i - page->start < page->count; i++) {
        g_ptr_array_add(items, g_ptr_array_index(list, i));
    }
    return items;
}

/*
 * The backends in creation order, or those "path" and "tag" keep;
 * "start"/"count" page them, in O(log n + count) when unfiltered.
 * Without those two the answer is QEMU's array; with them it is
 * {"total", "start", "memdevs"} (docs/qmp.md, "Filters and paging").
 */
static bool query_memdev(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                         json_object **ret, GError **err)
{
    TmQmpPage page;
    g_autoptr(GPtrArray) kept = NULL;
    g_autoptr(GPtrArray) backends = NULL;
    uint64_t total;

    if (!tm_qmp_page_parse(args, &page, err) || !filter_backends(env, args, &kept, err)) {
        return false;
    }
    if (kept) {
        total = kept->len;
        backends = page.paged ? page_of(kept, &page) : g_ptr_array_ref(kept);
    } else {
        total = tm_backend_registry_count(env->backends);
        backends = page.paged ? tm_backend_registry_list_range(env->backends,
                                                               (guint)MIN(page.start, total),
                                                               page.count)
                              : tm_backend_registry_list(env->backends);
    }
    if (!page.paged) {
        *ret = memdev_list(backends);
        return true;
    }
    *ret = json_object_new_object();
    json_object_object_add(*ret, "total", json_object_new_uint64(total));
    json_object_object_add(*ret, "start", json_object_new_uint64(page.start));
    json_object_object_add(*ret, "memdevs", memdev_list(backends));
    return true;
}

static const TmQmpArg object_add_args[] = {
    { .name = "qom-type", .type = TM_QMP_ARG_STR },
    { .name = "id", .type = TM_QMP_ARG_STR },
    { .name = NULL },
};

static const TmQmpArg object_del_args[] = {
    { .name = "id", .type = TM_QMP_ARG_STR },
    { .name = NULL },
};

static const TmQmpArg query_memdev_args[] = {
    { .name = "path", .type = TM_QMP_ARG_STR, .optional = true },
    { .name = "tag", .type = TM_QMP_ARG_STR, .optional = true },
    TM_QMP_PAGE_ARGS,
    { .name = NULL },
};

const TmQmpCommand tm_qmp_object_commands[] = {
    { .name = "object-add", .handler = object_add, .args = object_add_args, .extra_args = true,
      .changes_state = true },
    { .name = "object-del", .handler = object_del, .args = object_del_args,
      .changes_state = true },
    { .name = "query-memdev", .handler = query_memdev, .args = query_memdev_args },
    { .name = NULL },
};
