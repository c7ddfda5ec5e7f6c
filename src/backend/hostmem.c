/*
 * The abstract "memory-backend" class: the properties every backend type
 * has (QEMU backends/hostmem.c), the in-use mechanism, and the type table.
 */
#include "backend/hostmem.h"

#include <inttypes.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "backend/backend_registry.h"
#include "backend/host_nodes.h"
#include "backend/hostmem_internal.h"
#include "core/error.h"
#include "core/mem_fit.h"

/* More threads than this only contend for the same page tables. */
#define PREALLOC_THREADS_MAX 1024

static bool set_size(TmObject *obj, const TmValue *value, GError **err)
{
    if (value->uint == 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "property 'size' of %s doesn't take value '0'", tm_object_type_name(obj));
        return false;
    }
    tm_hostmem_cast(obj)->size = value->uint;
    return true;
}

static void get_size(TmObject *obj, TmValue *out)
{
    out->uint = tm_hostmem_cast(obj)->size;
}

static bool set_share(TmObject *obj, const TmValue *value, GError **err)
{
    tm_hostmem_cast(obj)->share = value->boolean;
    return true;
}

static void get_share(TmObject *obj, TmValue *out)
{
    out->boolean = tm_hostmem_cast(obj)->share;
}

static bool refuse_prealloc_without_reserve(GError **err)
{
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                "'prealloc=on' and 'reserve=off' are incompatible");
    return false;
}

static bool set_prealloc(TmObject *obj, const TmValue *value, GError **err)
{
    TmHostMem *backend = tm_hostmem_cast(obj);

    if (value->boolean && !backend->reserve) {
        return refuse_prealloc_without_reserve(err);
    }
    backend->prealloc = value->boolean;
    return true;
}

static void get_prealloc(TmObject *obj, TmValue *out)
{
    out->boolean = tm_hostmem_cast(obj)->prealloc;
}

static bool set_prealloc_threads(TmObject *obj, const TmValue *value, GError **err)
{
    if (value->uint == 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "property 'prealloc-threads' of %s doesn't take value '0'",
                    tm_object_type_name(obj));
        return false;
    }
    if (value->uint > PREALLOC_THREADS_MAX) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "property 'prealloc-threads' of %s doesn't take value '%" PRIu64
                    "' (at most %d)", tm_object_type_name(obj), value->uint,
                    PREALLOC_THREADS_MAX);
        return false;
    }
    tm_hostmem_cast(obj)->prealloc_threads = value->uint;
    return true;
}

static void get_prealloc_threads(TmObject *obj, TmValue *out)
{
    out->uint = tm_hostmem_cast(obj)->prealloc_threads;
}

static bool set_reserve(TmObject *obj, const TmValue *value, GError **err)
{
    TmHostMem *backend = tm_hostmem_cast(obj);

    if (!value->boolean && backend->prealloc) {
        return refuse_prealloc_without_reserve(err);
    }
    backend->reserve = value->boolean;
    return true;
}

static void get_reserve(TmObject *obj, TmValue *out)
{
    out->boolean = tm_hostmem_cast(obj)->reserve;
}

static bool set_merge(TmObject *obj, const TmValue *value, GError **err)
{
    TmHostMem *backend = tm_hostmem_cast(obj);

    backend->merge = value->boolean;
    tm_hostmem_apply_advice(backend);
    return true;
}

static void get_merge(TmObject *obj, TmValue *out)
{
    out->boolean = tm_hostmem_cast(obj)->merge;
}

static bool set_dump(TmObject *obj, const TmValue *value, GError **err)
{
    TmHostMem *backend = tm_hostmem_cast(obj);

    backend->dump = value->boolean;
    tm_hostmem_apply_advice(backend);
    return true;
}

static void get_dump(TmObject *obj, TmValue *out)
{
    out->boolean = tm_hostmem_cast(obj)->dump;
}

static bool set_policy(TmObject *obj, const TmValue *value, GError **err)
{
    /* The object model has already checked the value is one of the names. */
    for (int i = 0; tm_hostmem_policy_names[i]; i++) {
        if (strcmp(tm_hostmem_policy_names[i], value->str) == 0) {
            tm_hostmem_cast(obj)->policy = (TmHostMemPolicy)i;
        }
    }
    return true;
}

static void get_policy(TmObject *obj, TmValue *out)
{
    out->str = g_strdup(tm_hostmem_policy_names[tm_hostmem_cast(obj)->policy]);
}

static gint compare_uint64(gconstpointer a, gconstpointer b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static bool set_host_nodes(TmObject *obj, const TmValue *value, GError **err)
{
    TmHostMem *backend = tm_hostmem_cast(obj);
    GArray *nodes = g_array_new(FALSE, FALSE, sizeof(uint64_t));

    for (guint i = 0; i < value->list->len; i++) {
        uint64_t node = g_array_index(value->list, uint64_t, i);
        if (node >= TM_HOST_NODES_MAX) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                        "Invalid host-nodes value: %" PRIu64 " (nodes are 0 to %d)", node,
                        TM_HOST_NODES_MAX - 1);
            g_array_unref(nodes);
            return false;
        }
        g_array_append_val(nodes, node);
    }
    g_array_sort(nodes, compare_uint64);
    for (guint i = 1; i < nodes->len;) {
        if (g_array_index(nodes, uint64_t, i) == g_array_index(nodes, uint64_t, i - 1)) {
            g_array_remove_index(nodes, i);
        } else {
            i++;
        }
    }
    g_clear_pointer(&backend->host_nodes, g_array_unref);
    if (nodes->len > 0) {
        backend->host_nodes = nodes;
    } else {
        g_array_unref(nodes);
    }
    return true;
}

static void get_host_nodes(TmObject *obj, TmValue *out)
{
    const GArray *nodes = tm_hostmem_cast(obj)->host_nodes;

    out->list = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    if (nodes) {
        g_array_append_vals(out->list, nodes->data, nodes->len);
    }
}

bool tm_hostmem_check_tag(const TmGuid *tag, GError **err)
{
    if (tag && tm_guid_is_null(tag)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter 'tag' does not accept the null GUID "
                    "00000000-0000-0000-0000-000000000000: in CXL the null tag means untagged");
        return false;
    }
    return true;
}

/* An empty string removes the tag, mirroring what reading an untagged backend gives. */
static bool set_tag(TmObject *obj, const TmValue *value, GError **err)
{
    TmHostMem *backend = tm_hostmem_cast(obj);
    TmGuid parsed;
    const TmGuid *tag = NULL;

    if (value->str && value->str[0] != '\0') {
        if (!tm_guid_parse(value->str, "tag", &parsed, err)) {
            return false;
        }
        tag = &parsed;
    }
    if (backend->registry) {
        return tm_backend_registry_retag(backend->registry, backend, tag, err);
    }
    if (!tm_hostmem_check_tag(tag, err)) {
        return false;
    }
    tm_hostmem_store_tag(backend, tag);
    return true;
}

static void get_tag(TmObject *obj, TmValue *out)
{
    const TmGuid *tag = tm_hostmem_tag(tm_hostmem_cast(obj));

    out->str = tag ? tm_guid_to_string(tag) : g_strdup("");
}

static void get_in_use(TmObject *obj, TmValue *out)
{
    out->boolean = tm_hostmem_in_use(tm_hostmem_cast(obj));
}

static void get_users(TmObject *obj, TmValue *out)
{
    out->uint = tm_hostmem_user_count(tm_hostmem_cast(obj));
}

static void get_allocated(TmObject *obj, TmValue *out)
{
    out->boolean = tm_hostmem_is_allocated(tm_hostmem_cast(obj));
}

static const TmProperty hostmem_properties[] = {
    { .name = "size", .kind = TM_PROP_SIZE, .access = TM_PROP_INIT_ONLY,
      .description = "Size of the memory region (required)",
      .set = set_size, .get = get_size },
    { .name = "share", .kind = TM_PROP_BOOL, .access = TM_PROP_INIT_ONLY,
      .description = "Mark the memory as private or shared (passable to hosts as an fd)",
      .set = set_share, .get = get_share },
    { .name = "prealloc", .kind = TM_PROP_BOOL, .access = TM_PROP_INIT_ONLY,
      .description = "Preallocate memory at creation",
      .set = set_prealloc, .get = get_prealloc },
    { .name = "prealloc-threads", .kind = TM_PROP_UINT, .access = TM_PROP_INIT_ONLY,
      .description = "Number of CPU threads to use for prealloc",
      .set = set_prealloc_threads, .get = get_prealloc_threads },
    { .name = "reserve", .kind = TM_PROP_BOOL, .access = TM_PROP_INIT_ONLY,
      .description = "Reserve swap space (or huge pages) if applicable",
      .set = set_reserve, .get = get_reserve },
    { .name = "merge", .kind = TM_PROP_BOOL, .access = TM_PROP_WRITABLE,
      .description = "Mark memory as mergeable (KSM)",
      .set = set_merge, .get = get_merge },
    { .name = "dump", .kind = TM_PROP_BOOL, .access = TM_PROP_WRITABLE,
      .description = "Include memory in a core dump",
      .set = set_dump, .get = get_dump },
    { .name = "policy", .kind = TM_PROP_ENUM, .access = TM_PROP_INIT_ONLY,
      .description = "Set the NUMA policy", .enum_values = tm_hostmem_policy_names,
      .set = set_policy, .get = get_policy },
    { .name = "host-nodes", .kind = TM_PROP_UINT_LIST, .access = TM_PROP_INIT_ONLY,
      .description = "Binds memory to the list of NUMA host nodes",
      .set = set_host_nodes, .get = get_host_nodes },
    { .name = "tag", .kind = TM_PROP_GUID, .access = TM_PROP_WRITABLE,
      .description = "GUID naming the tagged allocation this memory backs (unique)",
      .set = set_tag, .get = get_tag },
    { .name = "in-use", .kind = TM_PROP_BOOL, .access = TM_PROP_READ_ONLY,
      .description = "Whether a device or extent uses the backend", .get = get_in_use },
    { .name = "users", .kind = TM_PROP_UINT, .access = TM_PROP_READ_ONLY,
      .description = "Number of registered users", .get = get_users },
    { .name = "allocated", .kind = TM_PROP_BOOL, .access = TM_PROP_READ_ONLY,
      .description = "Whether the memory has been allocated yet", .get = get_allocated },
    { .name = NULL },
};

static void hostmem_init(TmObject *obj)
{
    TmHostMem *backend = tm_hostmem_cast(obj);

    /* QEMU's defaults (backends/hostmem.c host_memory_backend_init). */
    backend->prealloc_threads = 1;
    backend->reserve = true;
    backend->merge = true;
    backend->dump = true;
    backend->policy = TM_HOSTMEM_POLICY_DEFAULT;
    backend->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
    backend->fd = -1;
}

static bool check_size(const TmHostMem *backend, GError **err)
{
    const char *type = tm_object_type_name(&backend->parent);

    if (backend->size == 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "can't create backend with size 0: property 'size' of %s is required",
                    type);
        return false;
    }
    if (backend->size > G_MAXSIZE - backend->page_size + 1) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "property 'size' of %s doesn't take value '%" PRIu64 "' (too large)",
                    type, backend->size);
        return false;
    }
    return true;
}

/* Paths are read from the running system's /proc and /sys (core/mem_fit.h). */
#define TM_SYSTEM_ROOT ""

/*
 * What preallocating takes from the system: huge pages of the backend's
 * size, or ordinary memory (anonymous memory, memfds, tmpfs, private
 * copies of a file).  A shared file on a disk file system is page cache
 * the kernel can write back, so it is not limited by available memory.
 */
static bool check_prealloc_fits(const TmHostMem *backend, GError **err)
{
    uint64_t length = (backend->size + backend->page_size - 1) / backend->page_size *
                      backend->page_size;
    uint64_t huge = backend->page_size > (uint64_t)sysconf(_SC_PAGESIZE) ? backend->page_size
                                                                          : 0;
    struct statfs fs;

    /* Files are the only backends with a descriptor at completion. */
    if (backend->fd >= 0 && fstatfs(backend->fd, &fs) == 0) {
        if (fs.f_type == HUGETLBFS_MAGIC) {
            huge = (uint64_t)fs.f_bsize;
        } else if (backend->share && fs.f_type != TMPFS_MAGIC && fs.f_type != RAMFS_MAGIC) {
            return true;
        }
    }
    g_autofree char *what = g_strdup_printf("memory backend '%s'", tm_hostmem_id(backend));
    return tm_mem_fit_check(TM_SYSTEM_ROOT, what, length, huge, err);
}

static bool hostmem_complete(TmObject *obj, GError **err)
{
    TmHostMem *backend = tm_hostmem_cast(obj);

    if (backend->size == 0) {
        return check_size(backend, err);
    }
    if (!tm_host_nodes_check(backend->policy, backend->host_nodes, err)) {
        return false;
    }
    /* prepare may change the page size (huge pages), which check_size needs. */
    if (backend->ops->prepare && !backend->ops->prepare(backend, err)) {
        return false;
    }
    if (!check_size(backend, err)) {
        return false;
    }
    /* Object-backed backends are checked as a whole although made block by block. */
    if (backend->prealloc && !check_prealloc_fits(backend, err)) {
        return false;
    }
    /* The registry preallocates this mapping; objects are preallocated one by one. */
    return !backend->prealloc || tm_hostmem_passes_fds(backend) ||
           tm_hostmem_allocate(backend, err);
}

static void hostmem_finalize(TmObject *obj)
{
    TmHostMem *backend = tm_hostmem_cast(obj);

    tm_hostmem_release_memory(backend);
    tm_hostmem_free_objects(backend);
    /* A file opened at completion is still open. */
    if (backend->fd >= 0) {
        close(backend->fd);
    }
    g_clear_pointer(&backend->host_nodes, g_array_unref);
    g_clear_pointer(&backend->users, g_ptr_array_unref);
}

const TmObjectClass tm_hostmem_class = {
    .type_name = "memory-backend",
    .parent = &tm_object_class,
    .abstract = true,
    .instance_size = sizeof(TmHostMem),
    .properties = hostmem_properties,
    .init = hostmem_init,
    .complete = hostmem_complete,
    .finalize = hostmem_finalize,
};

static const TmObjectClass *const hostmem_types[] = {
    &tm_hostmem_ram_class,
    &tm_hostmem_memfd_class,
    &tm_hostmem_file_class,
    NULL,
};

const TmObjectClass *const *tm_hostmem_types(void)
{
    return hostmem_types;
}

const TmObjectClass *tm_hostmem_find_type(const char *type_name)
{
    for (const TmObjectClass *const *type = hostmem_types; *type; type++) {
        if (strcmp((*type)->type_name, type_name) == 0) {
            return *type;
        }
    }
    return NULL;
}

TmHostMem *tm_hostmem_from_object(TmObject *obj)
{
    g_assert(tm_object_is_a(obj, &tm_hostmem_class));
    return tm_hostmem_cast(obj);
}

TmObject *tm_hostmem_object(TmHostMem *backend)
{
    return &backend->parent;
}

const char *tm_hostmem_id(const TmHostMem *backend)
{
    return backend->parent.id;
}

uint64_t tm_hostmem_size(const TmHostMem *backend)
{
    return backend->size;
}

const TmGuid *tm_hostmem_tag(const TmHostMem *backend)
{
    return backend->has_tag ? &backend->tag : NULL;
}

void tm_hostmem_store_tag(TmHostMem *backend, const TmGuid *tag)
{
    backend->has_tag = tag != NULL;
    backend->tag = tag ? *tag : (TmGuid){ { 0 } };
}

TmBackendRegistry *tm_hostmem_registry(const TmHostMem *backend)
{
    return backend->registry;
}

void tm_hostmem_set_registry(TmHostMem *backend, TmBackendRegistry *registry)
{
    backend->registry = registry;
}

void tm_hostmem_add_user(TmHostMem *backend, const char *user)
{
    if (backend->users == NULL) {
        backend->users = g_ptr_array_new_with_free_func(g_free);
    }
    g_ptr_array_add(backend->users, g_strdup(user));
}

void tm_hostmem_remove_user(TmHostMem *backend, const char *user)
{
    for (guint i = 0; backend->users && i < backend->users->len; i++) {
        if (strcmp(g_ptr_array_index(backend->users, i), user) == 0) {
            /* Keep the order: the first user is the one error messages name. */
            g_ptr_array_remove_index(backend->users, i);
            return;
        }
    }
    g_critical("memory backend '%s' has no user '%s' to remove", tm_hostmem_id(backend), user);
}

bool tm_hostmem_in_use(const TmHostMem *backend)
{
    return tm_hostmem_user_count(backend) > 0;
}

guint tm_hostmem_user_count(const TmHostMem *backend)
{
    return backend->users ? backend->users->len : 0;
}

const char *tm_hostmem_first_user(const TmHostMem *backend)
{
    return tm_hostmem_in_use(backend) ? g_ptr_array_index(backend->users, 0) : NULL;
}
