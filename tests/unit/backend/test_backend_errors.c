/*
 * Every bad request is refused with a message naming what was wrong, and
 * leaves the registry exactly as it was: same backends in the same order,
 * same ids and tags found.  One row per case.
 */
#include <string.h>

#include "backend_test_util.h"

#define HELD_TAG "6b1f0a4e-3c2d-4e5f-8a9b-0c1d2e3f4a5b"
#define BUSY_TAG "7c2e1b5f-4d3e-4f60-9bac-1d2e3f4a5b6c"
#define NEW_TAG "8d3f2c60-5e4f-4071-acbd-2e3f4a5b6c7d"
#define BUSY_USER "extent 0x0+0x200000 of /machine/peripheral/dcd0"

typedef enum {
    CREATE, /* create @type @id with @props */
    DELETE, /* delete @id */
    SET,    /* set @props (one "name=value") on existing backend @id */
} Operation;

typedef struct {
    const char *name;
    Operation op;
    const char *type;
    const char *id;
    const char *props;
    const char *error; /* fragment the message must contain */
} BadRequest;

static const BadRequest bad_requests[] = {
    /* tags */
    { "tag-not-guid", CREATE, "memory-backend-ram", "x", "size=1M,tag=not-a-guid",
      "Parameter 'tag' expects a GUID (8-4-4-4-12 hex digits), got 'not-a-guid'" },
    { "tag-short", CREATE, "memory-backend-ram", "x",
      "size=1M,tag=6b1f0a4e-3c2d-4e5f-8a9b-0c1d2e3f4a5", "got '6b1f0a4e-3c2d-4e5f-8a9b-0c1d2e3f4a5'" },
    { "tag-null", CREATE, "memory-backend-ram", "x",
      "size=1M,tag=00000000-0000-0000-0000-000000000000", "in CXL the null tag means untagged" },
    { "tag-duplicate", CREATE, "memory-backend-memfd", "x", "size=1M,tag=" HELD_TAG,
      "tag " HELD_TAG " is already held by memory backend 'held'" },
    { "tag-duplicate-upper-case", CREATE, "memory-backend-ram", "x",
      "size=1M,tag=6B1F0A4E-3C2D-4E5F-8A9B-0C1D2E3F4A5B", "held by memory backend 'held'" },
    /* ids */
    { "id-is-guid", CREATE, "memory-backend-ram", NEW_TAG, "size=1M",
      "Parameter 'id' expects an identifier, got GUID '" NEW_TAG "'" },
    { "id-starts-with-digit", CREATE, "memory-backend-ram", "1mem", "size=1M",
      "Parameter 'id' expects an identifier, got '1mem'" },
    { "id-empty", CREATE, "memory-backend-ram", "", "size=1M",
      "Parameter 'id' expects an identifier" },
    { "id-bad-character", CREATE, "memory-backend-ram", "mem/0", "size=1M",
      "got 'mem/0'" },
    { "id-duplicate", CREATE, "memory-backend-ram", "held", "size=1M",
      "Duplicate ID 'held' for object" },
    /* size */
    { "size-zero", CREATE, "memory-backend-ram", "x", "size=0",
      "property 'size' of memory-backend-ram doesn't take value '0'" },
    { "size-zero-file", CREATE, "memory-backend-file", "x", "size=0,mem-path=/tmp",
      "property 'size' of memory-backend-file doesn't take value '0'" },
    { "size-missing", CREATE, "memory-backend-memfd", "x", "",
      "can't create backend with size 0" },
    { "size-bad-suffix", CREATE, "memory-backend-ram", "x", "size=1X",
      "Parameter 'size' expects a size" },
    { "size-negative", CREATE, "memory-backend-ram", "x", "size=-1", "negative" },
    /* preallocation */
    { "prealloc-threads-zero", CREATE, "memory-backend-ram", "x", "size=1M,prealloc-threads=0",
      "property 'prealloc-threads' of memory-backend-ram doesn't take value '0'" },
    { "prealloc-threads-huge", CREATE, "memory-backend-ram", "x",
      "size=1M,prealloc-threads=100000", "(at most 1024)" },
    { "prealloc-without-reserve", CREATE, "memory-backend-ram", "x",
      "size=1M,reserve=off,prealloc=on", "'prealloc=on' and 'reserve=off' are incompatible" },
    { "reserve-off-after-prealloc", CREATE, "memory-backend-ram", "x",
      "size=1M,prealloc=on,reserve=off", "'prealloc=on' and 'reserve=off' are incompatible" },
    /* NUMA */
    { "policy-bind-without-nodes", CREATE, "memory-backend-ram", "x", "size=1M,policy=bind",
      "host-nodes must be set for policy bind" },
    { "nodes-with-default-policy", CREATE, "memory-backend-ram", "x", "size=1M,host-nodes=0",
      "host-nodes must be empty for policy default" },
    { "node-not-on-machine", CREATE, "memory-backend-ram", "x",
      "size=1M,policy=interleave,host-nodes=1000",
      "host NUMA node 1000 does not exist on this machine" },
    { "node-out-of-range", CREATE, "memory-backend-ram", "x",
      "size=1M,policy=bind,host-nodes=5000", "Invalid host-nodes value: 5000" },
    { "policy-unknown", CREATE, "memory-backend-ram", "x", "size=1M,policy=fastest",
      "Parameter 'policy' does not accept value 'fastest'" },
    /* properties and types */
    { "property-unknown", CREATE, "memory-backend-ram", "x", "size=1M,colour=red",
      "Property 'memory-backend-ram.colour' not found" },
    { "property-of-other-type", CREATE, "memory-backend-ram", "x", "size=1M,seal:bool=on",
      "Property 'memory-backend-ram.seal' not found" },
    { "property-wrong-kind", CREATE, "memory-backend-ram", "x", "size:str=1G",
      "Invalid parameter type for 'size', expected: size" },
    { "property-read-only", CREATE, "memory-backend-ram", "x", "size=1M,in-use:bool=on",
      "Property 'memory-backend-ram.in-use' is not writable" },
    { "bool-bad-text", CREATE, "memory-backend-ram", "x", "size=1M,share=maybe",
      "Parameter 'share' expects 'on' or 'off', got 'maybe'" },
    { "type-unknown", CREATE, "memory-backend-magic", "x", "size=1M",
      "Parameter 'qom-type' does not accept value 'memory-backend-magic'" },
    { "type-abstract", CREATE, "memory-backend", "x", "size=1M",
      "Parameter 'qom-type' does not accept value 'memory-backend'" },
    /* memfd */
    { "hugetlbsize-without-hugetlb", CREATE, "memory-backend-memfd", "x",
      "size=2M,hugetlbsize=2M", "property 'hugetlbsize' of memory-backend-memfd needs hugetlb=on" },
    { "hugetlbsize-not-a-page-size", CREATE, "memory-backend-memfd", "x",
      "size=6M,hugetlb=on,hugetlbsize=3M", "not a huge page size of this host" },
    /* file */
    { "file-without-mem-path", CREATE, "memory-backend-file", "x", "size=1M",
      "mem-path property not set" },
    { "file-mem-path-missing-dir", CREATE, "memory-backend-file", "x",
      "size=1M,mem-path=/nonexistent-tagmem-dir/sub/mem",
      "can't open backing store /nonexistent-tagmem-dir/sub/mem for memory backend 'x': "
      "No such file or directory" },
    { "file-readonly-missing", CREATE, "memory-backend-file", "x",
      "size=1M,readonly=on,mem-path=/nonexistent-tagmem-dir/mem", "No such file or directory" },
    { "file-align-not-power-of-two", CREATE, "memory-backend-file", "x",
      "size=1M,align=12K,mem-path=/tmp", "property 'align' of memory-backend-file must be a power of two" },
    { "file-offset-unaligned", CREATE, "memory-backend-file", "x",
      "size=1M,offset=100,mem-path=/tmp", "property 'offset' of memory-backend-file must be a multiple of the page size" },
    { "file-readonly-discard", CREATE, "memory-backend-file", "x",
      "size=1M,readonly=on,discard-data=on,mem-path=/tmp",
      "'discard-data=on' and 'readonly=on' are incompatible" },
    /* delete */
    { "delete-in-use", DELETE, NULL, "busy", NULL,
      "memory backend 'busy' is in use by " BUSY_USER },
    { "delete-unknown", DELETE, NULL, "nobody", NULL, "object 'nobody' not found" },
    /* changes to existing backends */
    { "retag-in-use", SET, NULL, "busy", "tag=" NEW_TAG,
      "memory backend 'busy' is in use by " BUSY_USER " (1 user): its tag cannot change" },
    { "untag-in-use", SET, NULL, "busy", "tag=", "its tag cannot change" },
    { "retag-to-held", SET, NULL, "free", "tag=" HELD_TAG, "held by memory backend 'held'" },
    { "retag-to-null", SET, NULL, "free", "tag=00000000-0000-0000-0000-000000000000",
      "in CXL the null tag means untagged" },
    { "retag-bad-string", SET, NULL, "held", "tag=zz", "expects a GUID" },
    { "set-init-only", SET, NULL, "free", "size=2M",
      "Property 'memory-backend-ram.size' cannot be changed after 'free' is created" },
    { "set-read-only", SET, NULL, "free", "users=3", "is not writable" },
};

static TmBackendRegistry *populated_registry(void)
{
    TmBackendRegistry *registry = tm_backend_registry_new();

    test_create_backend_ok(registry, "memory-backend-ram", "held", "size=1M,tag=" HELD_TAG);
    TmHostMem *busy = test_create_backend_ok(registry, "memory-backend-memfd", "busy",
                                             "size=2M,tag=" BUSY_TAG);
    tm_hostmem_add_user(busy, BUSY_USER);
    test_create_backend_ok(registry, "memory-backend-ram", "free", "size=1M");
    return registry;
}

static bool run_request(TmBackendRegistry *registry, const BadRequest *request, GError **err)
{
    switch (request->op) {
    case CREATE:
        return test_create_backend(registry, request->type, request->id, request->props,
                                   err) != NULL;
    case DELETE:
        return tm_backend_registry_delete(registry, request->id, err);
    case SET: {
        g_auto(GStrv) name_value = g_strsplit(request->props, "=", 2);
        TmHostMem *backend = tm_backend_registry_find_by_id(registry, request->id);
        g_assert_nonnull(backend);
        return test_set_property(backend, name_value[0], name_value[1], err);
    }
    }
    g_assert_not_reached();
}

static void test_bad_request(gconstpointer data)
{
    const BadRequest *request = data;
    g_autoptr(TmBackendRegistry) registry = populated_registry();
    g_autofree char *before = test_registry_snapshot(registry);
    g_autoptr(GError) err = NULL;

    g_assert_false(run_request(registry, request, &err));
    g_assert_nonnull(err);
    if (strstr(err->message, request->error) == NULL) {
        g_error("%s: message \"%s\" lacks \"%s\"", request->name, err->message, request->error);
    }

    g_autofree char *after = test_registry_snapshot(registry);
    g_assert_cmpstr(after, ==, before);
    test_assert_registry_consistent(registry);
    g_assert_cmpuint(tm_backend_registry_count(registry), ==, 3);
    g_assert_cmpuint(tm_backend_registry_tag_count(registry), ==, 2);
    g_assert_null(tm_backend_registry_find_by_id(registry, "x"));
    g_assert_true(tm_hostmem_in_use(tm_backend_registry_find_by_id(registry, "busy")));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_requests); i++) {
        g_autofree char *path = g_strdup_printf("/backend/errors/%s", bad_requests[i].name);
        g_test_add_data_func(path, &bad_requests[i], test_bad_request);
    }
    return g_test_run();
}
