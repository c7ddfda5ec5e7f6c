/* object-add, object-del, query-memdev: memory backends under /objects. */
#include "qmp/qmp_command.h"

#include <stdint.h>

#include <string.h>

#include "backend/hostmem.h"
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

    tm_qmp_later_finish(context->later, NULL, error);
    g_free(context);
}

/*
 * A connection that can wait gets its answer when the preallocation is
 * done, and meanwhile the daemon serves everyone; others wait here.
 */
static bool create_backend(TmQmpEnv *env, TmQmpSession *session, const char *type_name,
                           const char *id, GArray *props, GError **err)
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
        return create_backend(env, session, type_name, id, NULL, err);
    }
    g_autoptr(GArray) props = convert_properties(klass, args, err);
    if (props == NULL) {
        return false;
    }
    return create_backend(env, session, type_name, id, props, err);
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

/*
 * The backends in creation order, or the one holding "tag" (found in the
 * tag index, never by a walk); "start"/"count" page them in O(log n +
 * count).  Without those the answer is QEMU's array; with them it is
 * {"total", "start", "memdevs"} (docs/qmp.md, "Filters and paging").
 */
static bool query_memdev(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                         json_object **ret, GError **err)
{
    TmQmpPage page;
    g_autoptr(GPtrArray) backends = NULL;
    uint64_t total;

    if (!tm_qmp_page_parse(args, &page, err)) {
        return false;
    }
    if (tm_qmp_arg_has(args, "tag")) {
        TmGuid tag;
        if (!tm_qmp_cxl_parse_tag(args, &tag, err)) {
            return false;
        }
        TmHostMem *holder = tm_backend_registry_find_by_tag(env->backends, &tag);
        backends = g_ptr_array_new();
        if (holder && page.start == 0) {
            g_ptr_array_add(backends, holder);
        }
        total = holder ? 1 : 0;
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
    { .name = "tag", .type = TM_QMP_ARG_STR, .optional = true },
    TM_QMP_PAGE_ARGS,
    { .name = NULL },
};

const TmQmpCommand tm_qmp_object_commands[] = {
    { .name = "object-add", .handler = object_add, .args = object_add_args, .extra_args = true },
    { .name = "object-del", .handler = object_del, .args = object_del_args },
    { .name = "query-memdev", .handler = query_memdev, .args = query_memdev_args },
    { .name = NULL },
};
