/*
 * The backends of a daemon: an id index, a tag index and the creation
 * order, changed only by create, delete and retag, each of which checks
 * everything before it changes anything.
 */
#include "backend/backend_registry.h"

#include "backend/hostmem_internal.h"
#include "backend/tag_index.h"
#include "core/error.h"
#include "core/ident.h"

struct TmBackendRegistry {
    GHashTable *by_id;       /* id (the backend's own string) → TmHostMem * */
    TmTagIndex *by_tag;
    /* The backends in creation order, linked through created_before/after. */
    TmHostMem *first_created;
    TmHostMem *last_created;
    guint count;
    uint64_t next_creation_serial;
    /* Backends still being preallocated: id (the backend's own string) →
     * TmBackendCreation *.  Their ids and tags are taken; they are not
     * visible otherwise. */
    GHashTable *creating;
    const TmObjectWatch *object_watch; /* borrowed; NULL: none */
};

void tm_backend_registry_watch_objects(TmBackendRegistry *registry, const TmObjectWatch *watch)
{
    registry->object_watch = watch;
}

const TmObjectWatch *tm_backend_registry_object_watch(const TmBackendRegistry *registry)
{
    return registry->object_watch;
}

/* How often a creation checks its workers (ms), and reports progress (us). */
#define TM_CREATION_POLL_MS 100
#define TM_CREATION_PROGRESS_INTERVAL G_USEC_PER_SEC

/* A backend being preallocated in worker threads (tm_backend_registry_create_async). */
typedef struct {
    TmBackendRegistry *registry;
    TmObject *obj;           /* completed, not registered */
    TmPreallocJob *job;
    guint timer;             /* the main loop source polling @job */
    gint64 last_progress;    /* monotonic time of the last progress report */
    TmBackendCreateCallbacks callbacks;
} TmBackendCreation;

static void end_creation(TmBackendCreation *creation, const char *cancel_reason);

TmBackendRegistry *tm_backend_registry_new(void)
{
    TmBackendRegistry *registry = g_new0(TmBackendRegistry, 1);

    registry->by_id = g_hash_table_new(g_str_hash, g_str_equal);
    registry->by_tag = tm_tag_index_new();
    registry->creating = g_hash_table_new(g_str_hash, g_str_equal);
    return registry;
}

/* Take @backend out of the creation order; it no longer belongs to @registry. */
static void unlink_backend(TmBackendRegistry *registry, TmHostMem *backend)
{
    if (backend->created_before) {
        backend->created_before->created_after = backend->created_after;
    } else {
        registry->first_created = backend->created_after;
    }
    if (backend->created_after) {
        backend->created_after->created_before = backend->created_before;
    } else {
        registry->last_created = backend->created_before;
    }
    backend->created_before = backend->created_after = NULL;
    registry->count--;
    tm_hostmem_set_registry(backend, NULL);
}

void tm_backend_registry_free(TmBackendRegistry *registry)
{
    if (registry == NULL) {
        return;
    }
    GHashTableIter iter;
    gpointer creation;
    g_hash_table_iter_init(&iter, registry->creating);
    while (g_hash_table_iter_next(&iter, NULL, &creation)) {
        end_creation(creation, "the daemon is shutting down");
        g_hash_table_iter_init(&iter, registry->creating);
    }
    g_hash_table_unref(registry->creating);
    /* The indexes only point into the backends: empty them first. */
    g_hash_table_unref(registry->by_id);
    tm_tag_index_free(registry->by_tag);
    while (registry->first_created) {
        TmHostMem *backend = registry->first_created;

        unlink_backend(registry, backend);
        tm_object_free(tm_hostmem_object(backend));
    }
    g_free(registry);
}

static bool check_new_id(const TmBackendRegistry *registry, const char *id, GError **err)
{
    if (!tm_id_check(id, err)) {
        return false;
    }
    if (g_hash_table_contains(registry->by_id, id) ||
        g_hash_table_contains(registry->creating, id)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Duplicate ID '%s' for object", id);
        return false;
    }
    return true;
}

/* The backend being created that holds @tag, or NULL (creations are few). */
static TmHostMem *find_creating_tag(const TmBackendRegistry *registry, const TmGuid *tag)
{
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, registry->creating);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        TmHostMem *backend = tm_hostmem_cast(((TmBackendCreation *)value)->obj);
        const TmGuid *held = tm_hostmem_tag(backend);
        if (held && tm_guid_equal(held, tag)) {
            return backend;
        }
    }
    return NULL;
}

/* A tag is free if nobody holds it (or is being created with it), or @self does. */
static bool check_tag_free(const TmBackendRegistry *registry, const TmGuid *tag,
                           const TmHostMem *self, GError **err)
{
    TmHostMem *holder = tag ? tm_tag_index_lookup(registry->by_tag, tag) : NULL;

    if (holder == NULL && tag) {
        holder = find_creating_tag(registry, tag);
    }

    if (holder != NULL && holder != self) {
        g_autofree char *text = tm_guid_to_string(tag);
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "tag %s is already held by memory backend '%s'", text,
                    tm_hostmem_id(holder));
        return false;
    }
    return true;
}

static bool set_properties(TmObject *obj, const TmPropAssignment *props, size_t n_props,
                           GError **err)
{
    for (size_t i = 0; i < n_props; i++) {
        if (!tm_object_set_property(obj, props[i].name, &props[i].value, err)) {
            return false;
        }
    }
    return true;
}

static void insert(TmBackendRegistry *registry, TmHostMem *backend)
{
    backend->created_before = registry->last_created;
    backend->created_after = NULL;
    if (registry->last_created) {
        registry->last_created->created_after = backend;
    } else {
        registry->first_created = backend;
    }
    registry->last_created = backend;
    registry->count++;
    backend->creation_serial = ++registry->next_creation_serial;
    tm_hostmem_set_registry(backend, registry);
    g_hash_table_insert(registry->by_id, (gpointer)tm_hostmem_id(backend), backend);
    if (tm_hostmem_tag(backend)) {
        tm_tag_index_insert(registry->by_tag, backend);
    }
}

/* Create and complete a backend, not registered; its prealloc is still to do. */
static TmObject *build(TmBackendRegistry *registry, const char *type_name, const char *id,
                       const TmPropAssignment *props, size_t n_props, GError **err)
{
    const TmObjectClass *type = tm_hostmem_find_type(type_name);

    if (type == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter 'qom-type' does not accept value '%s' (expected "
                    "memory-backend-ram, memory-backend-memfd or memory-backend-file)",
                    type_name);
        return NULL;
    }
    if (!check_new_id(registry, id, err)) {
        return NULL;
    }
    g_autoptr(TmObject) obj = tm_object_new(type, id);
    /*
     * The tag is checked before completion, not after: completion may
     * create a file or map gigabytes, and a refused request must leave
     * nothing behind.  Nothing between here and insert() can take the
     * tag, since the registry is used from one thread and backends being
     * preallocated hold theirs (find_creating_tag).
     */
    if (!set_properties(obj, props, n_props, err) ||
        !check_tag_free(registry, tm_hostmem_tag(tm_hostmem_cast(obj)), NULL, err) ||
        !tm_object_complete(obj, err)) {
        return NULL;
    }
    return g_steal_pointer(&obj);
}

TmHostMem *tm_backend_registry_create(TmBackendRegistry *registry, const char *type_name,
                                      const char *id, const TmPropAssignment *props,
                                      size_t n_props, GError **err)
{
    g_autoptr(TmObject) obj = build(registry, type_name, id, props, n_props, err);

    if (obj == NULL) {
        return NULL;
    }
    TmHostMem *backend = tm_hostmem_cast(obj);
    if (tm_hostmem_needs_prealloc(backend) && !tm_hostmem_prealloc(backend, err)) {
        return NULL;
    }
    insert(registry, backend);
    g_steal_pointer(&obj);
    return backend;
}

static void report_progress(TmBackendCreation *creation)
{
    gint64 now = g_get_monotonic_time();

    if (now - creation->last_progress < TM_CREATION_PROGRESS_INTERVAL ||
        creation->callbacks.progress == NULL) {
        return;
    }
    creation->last_progress = now;
    creation->callbacks.progress(creation->callbacks.opaque,
                                 tm_hostmem_id(tm_hostmem_cast(creation->obj)),
                                 tm_prealloc_job_done(creation->job),
                                 tm_prealloc_job_total(creation->job));
}

/*
 * Finish a creation: register the backend if its prealloc completed and
 * nobody cancelled it, else free it; then tell the requester.
 */
static void end_creation(TmBackendCreation *creation, const char *cancel_reason)
{
    TmBackendRegistry *registry = creation->registry;
    TmHostMem *backend = tm_hostmem_cast(creation->obj);
    g_autoptr(GError) error = NULL;

    g_hash_table_remove(registry->creating, tm_hostmem_id(backend));
    if (creation->timer) {
        g_source_remove(creation->timer);
    }
    if (cancel_reason) {
        tm_prealloc_job_cancel(creation->job);
    }
    bool ok = tm_prealloc_job_finish(creation->job, &error);
    if (cancel_reason) {
        g_clear_error(&error);
        g_set_error(&error, TM_ERROR, TM_ERROR_GENERIC,
                    "memory backend '%s': preallocation cancelled: %s", tm_hostmem_id(backend),
                    cancel_reason);
    } else if (!ok) {
        g_prefix_error(&error, "memory backend '%s': ", tm_hostmem_id(backend));
    } else {
        insert(registry, backend);
    }
    creation->callbacks.finished(creation->callbacks.opaque, error ? NULL : backend, error);
    if (error) {
        tm_object_free(creation->obj);
    }
    g_free(creation);
}

static gboolean poll_creation(gpointer data)
{
    TmBackendCreation *creation = data;

    if (!tm_prealloc_job_finished(creation->job)) {
        report_progress(creation);
        return G_SOURCE_CONTINUE;
    }
    creation->timer = 0;
    end_creation(creation, NULL);
    return G_SOURCE_REMOVE;
}

TmBackendCreateResult tm_backend_registry_create_async(TmBackendRegistry *registry,
                                                       const char *type_name, const char *id,
                                                       const TmPropAssignment *props,
                                                       size_t n_props,
                                                       const TmBackendCreateCallbacks *callbacks,
                                                       GError **err)
{
    g_autoptr(TmObject) obj = build(registry, type_name, id, props, n_props, err);

    if (obj == NULL) {
        return TM_BACKEND_CREATE_FAILED;
    }
    TmHostMem *backend = tm_hostmem_cast(obj);
    if (!tm_hostmem_needs_prealloc(backend)) {
        insert(registry, backend);
        g_steal_pointer(&obj);
        return TM_BACKEND_CREATE_DONE;
    }
    TmBackendCreation *creation = g_new0(TmBackendCreation, 1);
    creation->registry = registry;
    creation->obj = g_steal_pointer(&obj);
    creation->job = tm_hostmem_prealloc_start(backend);
    creation->last_progress = g_get_monotonic_time();
    creation->callbacks = *callbacks;
    creation->timer = g_timeout_add(TM_CREATION_POLL_MS, poll_creation, creation);
    g_hash_table_insert(registry->creating, (gpointer)tm_hostmem_id(backend), creation);
    return TM_BACKEND_CREATE_STARTED;
}

static bool refuse_in_use(const TmHostMem *backend, const char *action, GError **err)
{
    if (!tm_hostmem_in_use(backend)) {
        return true;
    }
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                "memory backend '%s' is in use by %s (%u user%s): %s", tm_hostmem_id(backend),
                tm_hostmem_first_user(backend), tm_hostmem_user_count(backend),
                tm_hostmem_user_count(backend) == 1 ? "" : "s", action);
    return false;
}

bool tm_backend_registry_delete(TmBackendRegistry *registry, const char *id, GError **err)
{
    TmHostMem *backend = tm_backend_registry_find_by_id(registry, id);
    TmBackendCreation *creation = id ? g_hash_table_lookup(registry->creating, id) : NULL;

    if (creation) {
        end_creation(creation, "object-del");
        return true;
    }
    if (backend == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "object '%s' not found", id ? id : "");
        return false;
    }
    if (!refuse_in_use(backend, "it can not be deleted", err)) {
        return false;
    }
    if (tm_hostmem_tag(backend)) {
        tm_tag_index_remove(registry->by_tag, backend);
    }
    g_hash_table_remove(registry->by_id, id);
    unlink_backend(registry, backend);
    tm_object_free(tm_hostmem_object(backend));
    return true;
}

TmHostMem *tm_backend_registry_find_by_id(const TmBackendRegistry *registry, const char *id)
{
    return id ? g_hash_table_lookup(registry->by_id, id) : NULL;
}

TmHostMem *tm_backend_registry_find_by_tag(const TmBackendRegistry *registry,
                                           const TmGuid *tag)
{
    return tm_tag_index_lookup(registry->by_tag, tag);
}

static bool same_tag(const TmGuid *a, const TmGuid *b)
{
    return (a == NULL && b == NULL) || (a && b && tm_guid_equal(a, b));
}

bool tm_backend_registry_retag(TmBackendRegistry *registry, TmHostMem *backend,
                               const TmGuid *tag, GError **err)
{
    const TmGuid *old_tag = tm_hostmem_tag(backend);

    g_assert(tm_hostmem_registry(backend) == registry);
    if (!tm_hostmem_check_tag(tag, err)) {
        return false;
    }
    if (same_tag(old_tag, tag)) {
        return true;
    }
    if (!refuse_in_use(backend, "its tag cannot change", err) ||
        !check_tag_free(registry, tag, backend, err)) {
        return false;
    }
    /* The index key is the backend's own storage: take it out before it changes. */
    if (old_tag) {
        tm_tag_index_remove(registry->by_tag, backend);
    }
    tm_hostmem_store_tag(backend, tag);
    if (tag) {
        tm_tag_index_insert(registry->by_tag, backend);
    }
    return true;
}

guint tm_backend_registry_count(const TmBackendRegistry *registry)
{
    return registry->count;
}

guint tm_backend_registry_tag_count(const TmBackendRegistry *registry)
{
    return tm_tag_index_size(registry->by_tag);
}

GPtrArray *tm_backend_registry_list(const TmBackendRegistry *registry)
{
    return tm_backend_registry_list_range(registry, 0, tm_backend_registry_count(registry));
}

/* The backend at @position of the creation order, walking from the nearer end. */
static TmHostMem *backend_at(const TmBackendRegistry *registry, guint position)
{
    TmHostMem *backend;

    if (position < registry->count / 2) {
        backend = registry->first_created;
        for (guint i = 0; i < position; i++) {
            backend = backend->created_after;
        }
    } else {
        backend = registry->last_created;
        for (guint i = registry->count - 1; i > position; i--) {
            backend = backend->created_before;
        }
    }
    return backend;
}

/*
 * A page costs O(count) plus the walk to its start from the nearer end
 * (pointer hops, ~0.1 ms at 100k backends): the creation order is linked
 * through the backends themselves to keep slice-allocated nodes out of the
 * heap (memory-model.md), which a counted tree would bring back.
 */
GPtrArray *tm_backend_registry_list_range(const TmBackendRegistry *registry, guint start,
                                          guint count)
{
    guint total = tm_backend_registry_count(registry);
    guint n = start < total ? MIN(count, total - start) : 0;
    GPtrArray *backends = g_ptr_array_sized_new(n);
    TmHostMem *backend = n > 0 ? backend_at(registry, start) : NULL;

    for (guint i = 0; i < n; i++, backend = backend->created_after) {
        g_ptr_array_add(backends, backend);
    }
    return backends;
}

uint64_t tm_backend_registry_creation_key(const TmBackendRegistry *registry,
                                          const TmHostMem *backend)
{
    g_assert(backend->registry == registry);
    return backend->creation_serial;
}
