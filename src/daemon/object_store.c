#include "daemon/object_store.h"

#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#include "backend/hostmem.h"
#include "backend/mem_object.h"
#include "daemon/service_manager.h"
#include "device/dcd.h"

struct TmObjectStore {
    TmBackendRegistry *backends;   /* borrowed */
    TmObjectWatch watch;
};

/* One allocated range of a backend. */
typedef struct {
    uint64_t offset;
    uint64_t length;
} Span;

static char *object_name(const TmHostMem *backend, uint64_t offset)
{
    return g_strdup_printf(TM_SERVICE_STORED_PREFIX "%" PRIx64 ".%s", offset,
                           tm_hostmem_id(backend));
}

static void on_made(void *opaque, TmHostMem *backend, uint64_t offset, TmMemObject *object)
{
    g_autofree char *name = object_name(backend, offset);

    tm_service_store_fd(name, tm_mem_object_fd(object));
}

static void on_dropped(void *opaque, TmHostMem *backend, uint64_t offset)
{
    g_autofree char *name = object_name(backend, offset);

    tm_service_remove_fd(name);
}

static void collect_span(void *opaque, TmHostMem *backend, uint64_t offset, uint64_t length)
{
    GHashTable *spans = opaque;
    GArray *list = g_hash_table_lookup(spans, backend);

    if (list == NULL) {
        list = g_array_new(FALSE, FALSE, sizeof(Span));
        g_hash_table_insert(spans, backend, list);
    }
    Span span = { offset, length };
    g_array_append_val(list, span);
}

static gint span_order(gconstpointer a, gconstpointer b)
{
    const Span *x = a, *y = b;

    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Backend -> its allocated spans (GArray of Span), sorted by offset. */
static GHashTable *allocated_spans(TmDeviceRegistry *devices)
{
    GHashTable *spans = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                              (GDestroyNotify)g_array_unref);
    g_autoptr(GPtrArray) list = tm_device_registry_list(devices);
    GHashTableIter iter;
    gpointer value;

    for (guint i = 0; i < list->len; i++) {
        tm_dcd_foreach_allocated(g_ptr_array_index(list, i), collect_span, spans);
    }
    g_hash_table_iter_init(&iter, spans);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        g_array_sort(value, span_order);
    }
    return spans;
}

static bool span_holds(const GArray *spans, uint64_t offset)
{
    guint low = 0, high = spans ? spans->len : 0;

    /* The last span starting at or before @offset. */
    while (low < high) {
        guint mid = low + (high - low) / 2;
        if (g_array_index(spans, Span, mid).offset <= offset) {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    if (low == 0) {
        return false;
    }
    const Span *span = &g_array_index(spans, Span, low - 1);
    return offset - span->offset < span->length;
}

/* "obj.<hex offset>.<id>" -> its backend, if it still has memory allocated there. */
static TmHostMem *owner_of(TmBackendRegistry *backends, GHashTable *spans, const char *name,
                           uint64_t *offset)
{
    char *end = NULL;
    const char *text = name + strlen(TM_SERVICE_STORED_PREFIX);

    *offset = g_ascii_strtoull(text, &end, 16);
    if (end == text || *end != '.') {
        return NULL;
    }
    TmHostMem *backend = tm_backend_registry_find_by_id(backends, end + 1);
    if (backend == NULL || !tm_hostmem_passes_fds(backend) ||
        !span_holds(g_hash_table_lookup(spans, backend), *offset)) {
        return NULL;
    }
    return backend;
}

static void adopt_all(TmObjectStore *store, TmDeviceRegistry *devices, GPtrArray *stored)
{
    g_autoptr(GHashTable) spans = allocated_spans(devices);
    guint adopted = 0;

    for (guint i = 0; i < stored->len; i++) {
        TmStoredFd *kept = g_ptr_array_index(stored, i);
        g_autoptr(GError) err = NULL;
        uint64_t offset;
        TmHostMem *backend = owner_of(store->backends, spans, kept->name, &offset);
        int fd = kept->fd;

        kept->fd = -1;
        if (backend != NULL && tm_hostmem_adopt_object(backend, offset, fd, &err)) {
            adopted++;
            continue;
        }
        if (backend == NULL) {
            close(fd);
        }
        g_info("descriptor store: %s let go: %s", kept->name,
               err ? err->message : "no device has that memory allocated any more");
        tm_service_remove_fd(kept->name);
    }
    if (stored->len > 0) {
        g_info("descriptor store: %u of %u memory object(s) taken back", adopted, stored->len);
    }
    g_ptr_array_set_size(stored, 0);
}

/* Memory that lives only in this process: say so once, naming the backends. */
static void warn_unkept(TmBackendRegistry *backends)
{
    g_autoptr(GPtrArray) list = tm_backend_registry_list(backends);
    g_autoptr(GString) ids = g_string_new(NULL);

    for (guint i = 0; i < list->len; i++) {
        TmHostMem *backend = g_ptr_array_index(list, i);
        if (tm_hostmem_passes_fds(backend)) {
            g_string_append_printf(ids, "%s'%s'", ids->len ? ", " : "", tm_hostmem_id(backend));
        }
    }
    g_warning("no service manager descriptor store (NOTIFY_SOCKET): the memory of memfd and "
              "shared ram backends%s%s does not survive a restart (docs/durable-state.md)",
              ids->len ? ", now " : "", ids->str);
}

TmObjectStore *tm_object_store_new(TmBackendRegistry *backends, TmDeviceRegistry *devices,
                                   GPtrArray *stored, bool keep)
{
    TmObjectStore *store = g_new0(TmObjectStore, 1);

    store->backends = backends;
    store->watch = (TmObjectWatch){ .made = on_made, .dropped = on_dropped, .opaque = store };
    /* What comes back is in the store already: adopting it must not store it twice. */
    adopt_all(store, devices, stored);
    if (!keep) {
        return store;
    }
    if (tm_service_can_store_fds()) {
        tm_backend_registry_watch_objects(backends, &store->watch);
    } else {
        warn_unkept(backends);
    }
    return store;
}

void tm_object_store_free(TmObjectStore *store)
{
    if (store == NULL) {
        return;
    }
    /* Dropping what is left at exit is not a release: the objects stay stored. */
    tm_backend_registry_watch_objects(store->backends, NULL);
    g_free(store);
}
