/*
 * The registry's two indexes and its creation order stay consistent through
 * creates, deletes, retags and failed creates.
 */
#include <string.h>

#include "backend_test_util.h"
#include "core/guid.h"

static char *tag_for(unsigned int n)
{
    return g_strdup_printf("00000000-0000-4000-8000-%012x", n + 1);
}

static TmGuid guid_for(unsigned int n)
{
    g_autofree char *text = tag_for(n);
    TmGuid guid;

    g_assert_true(tm_guid_parse(text, "tag", &guid, NULL));
    return guid;
}

static char *id_for(unsigned int n)
{
    return g_strdup_printf("be%u", n);
}

/* Backends be0..be(n-1); the even ones tagged. */
static void create_many(TmBackendRegistry *registry, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++) {
        g_autofree char *id = id_for(i);
        g_autofree char *tag = tag_for(i);
        g_autofree char *props =
            i % 2 == 0 ? g_strdup_printf("size=64K,tag=%s", tag) : g_strdup("size=64K");
        test_create_backend_ok(registry, "memory-backend-ram", id, props);
    }
}

static void test_create_find_delete(void)
{
    g_autoptr(TmBackendRegistry) registry = tm_backend_registry_new();
    g_autoptr(GError) err = NULL;

    create_many(registry, 100);
    test_assert_registry_consistent(registry);
    g_assert_cmpuint(tm_backend_registry_count(registry), ==, 100);
    g_assert_cmpuint(tm_backend_registry_tag_count(registry), ==, 50);

    for (unsigned int i = 0; i < 100; i += 3) {
        g_autofree char *id = id_for(i);
        g_assert_true(tm_backend_registry_delete(registry, id, &err));
        g_assert_no_error(err);
    }
    test_assert_registry_consistent(registry);
    g_assert_cmpuint(tm_backend_registry_count(registry), ==, 66);

    /* Deleted ones are gone from both indexes; the rest keep creation order. */
    g_autoptr(GPtrArray) backends = tm_backend_registry_list(registry);
    guint position = 0;
    for (unsigned int i = 0; i < 100; i++) {
        g_autofree char *id = id_for(i);
        TmGuid tag = guid_for(i);
        TmHostMem *found = tm_backend_registry_find_by_id(registry, id);
        if (i % 3 == 0) {
            g_assert_null(found);
            g_assert_null(tm_backend_registry_find_by_tag(registry, &tag));
            continue;
        }
        g_assert_true(g_ptr_array_index(backends, position++) == found);
        g_assert_true(tm_backend_registry_find_by_tag(registry, &tag) ==
                      (i % 2 == 0 ? found : NULL));
    }
}

/* Every range of the creation order, after deletes, is that slice of the whole list,
 * and a backend's position is its index there. */
static void test_list_range(void)
{
    g_autoptr(TmBackendRegistry) registry = tm_backend_registry_new();

    create_many(registry, 60);
    for (unsigned int i = 0; i < 60; i += 4) {
        g_autofree char *id = id_for(i);
        g_assert_true(tm_backend_registry_delete(registry, id, NULL));
    }
    g_autoptr(GPtrArray) all = tm_backend_registry_list(registry);
    g_assert_cmpuint(all->len, ==, 45);
    for (guint start = 0; start <= all->len + 2; start++) {
        for (guint count = 1; count <= 50; count += 7) {
            g_autoptr(GPtrArray) page = tm_backend_registry_list_range(registry, start, count);
            guint want = start < all->len ? MIN(count, all->len - start) : 0;

            g_assert_cmpuint(page->len, ==, want);
            for (guint i = 0; i < page->len; i++) {
                g_assert_true(g_ptr_array_index(page, i) == g_ptr_array_index(all, start + i));
            }
        }
    }
    /* The creation key orders them as the list does. */
    for (guint i = 1; i < all->len; i++) {
        g_assert_cmpuint(tm_backend_registry_creation_key(registry, g_ptr_array_index(all, i - 1)),
                         <, tm_backend_registry_creation_key(registry, g_ptr_array_index(all, i)));
    }
}

static void test_id_and_tag_reusable_after_delete(void)
{
    g_autoptr(TmBackendRegistry) registry = tm_backend_registry_new();
    g_autoptr(GError) err = NULL;
    const char *props = "size=1M,tag=11111111-2222-4333-8444-555555555555";

    test_create_backend_ok(registry, "memory-backend-memfd", "dc0", props);
    g_assert_true(tm_backend_registry_delete(registry, "dc0", &err));
    g_assert_no_error(err);
    TmHostMem *second = test_create_backend_ok(registry, "memory-backend-ram", "dc0", props);
    g_assert_true(tm_backend_registry_find_by_tag(registry, tm_hostmem_tag(second)) == second);
    g_assert_cmpstr(tm_object_type_name(tm_hostmem_object(second)), ==, "memory-backend-ram");
    test_assert_registry_consistent(registry);
}

static void test_retag(void)
{
    g_autoptr(TmBackendRegistry) registry = tm_backend_registry_new();
    g_autoptr(GError) err = NULL;
    TmGuid t1 = guid_for(1), t2 = guid_for(2);
    g_autofree char *t1_text = tag_for(1);
    g_autofree char *t2_text = tag_for(2);
    g_autofree char *props = g_strdup_printf("size=1M,tag=%s", t1_text);
    TmHostMem *backend = test_create_backend_ok(registry, "memory-backend-ram", "dc0", props);

    /* Through the property, which hands over to the registry once registered. */
    g_assert_true(test_set_property(backend, "tag", t2_text, &err));
    g_assert_no_error(err);
    g_assert_null(tm_backend_registry_find_by_tag(registry, &t1));
    g_assert_true(tm_backend_registry_find_by_tag(registry, &t2) == backend);
    test_assert_registry_consistent(registry);

    /* The empty string removes the tag. */
    g_assert_true(test_set_property(backend, "tag", "", &err));
    g_assert_null(tm_hostmem_tag(backend));
    g_assert_null(tm_backend_registry_find_by_tag(registry, &t2));
    g_assert_cmpuint(tm_backend_registry_tag_count(registry), ==, 0);

    /* Directly, and back to none. */
    g_assert_true(tm_backend_registry_retag(registry, backend, &t1, &err));
    g_assert_true(tm_backend_registry_find_by_tag(registry, &t1) == backend);
    g_assert_true(tm_backend_registry_retag(registry, backend, NULL, &err));
    g_assert_cmpuint(tm_backend_registry_tag_count(registry), ==, 0);
    g_assert_true(tm_backend_registry_retag(registry, backend, &t1, &err));
    g_assert_no_error(err);

    /* In use: setting the tag it already has is no change, and allowed. */
    tm_hostmem_add_user(backend, "extent 0x0+0x100000 of /machine/peripheral/dcd0");
    g_assert_true(tm_backend_registry_retag(registry, backend, &t1, &err));
    g_assert_no_error(err);
    g_assert_false(tm_backend_registry_retag(registry, backend, &t2, &err));
    g_assert_nonnull(strstr(err->message, "/machine/peripheral/dcd0"));
    g_assert_true(tm_backend_registry_find_by_tag(registry, &t1) == backend);
    test_assert_registry_consistent(registry);
    /* The registry may be freed with backends still in use (daemon exit). */
}

static void test_swap_tags(void)
{
    g_autoptr(TmBackendRegistry) registry = tm_backend_registry_new();
    g_autoptr(GError) err = NULL;
    TmGuid t1 = guid_for(1), t2 = guid_for(2);

    TmHostMem *a = test_create_backend_ok(registry, "memory-backend-ram", "a", "size=1M");
    TmHostMem *b = test_create_backend_ok(registry, "memory-backend-ram", "b", "size=1M");
    g_assert_true(tm_backend_registry_retag(registry, a, &t1, &err));
    g_assert_true(tm_backend_registry_retag(registry, b, &t2, &err));
    /* Swap through a free tag: b cannot take t1 while a holds it. */
    g_assert_false(tm_backend_registry_retag(registry, b, &t1, &err));
    g_assert_nonnull(strstr(err->message, "held by memory backend 'a'"));
    g_clear_error(&err);
    g_assert_true(tm_backend_registry_retag(registry, a, NULL, &err));
    g_assert_true(tm_backend_registry_retag(registry, b, &t1, &err));
    g_assert_true(tm_backend_registry_retag(registry, a, &t2, &err));
    g_assert_no_error(err);
    g_assert_true(tm_backend_registry_find_by_tag(registry, &t1) == b);
    g_assert_true(tm_backend_registry_find_by_tag(registry, &t2) == a);
    test_assert_registry_consistent(registry);
}

static void test_failed_create_leaves_no_id(void)
{
    g_autoptr(TmBackendRegistry) registry = tm_backend_registry_new();
    g_autoptr(GError) err = NULL;

    create_many(registry, 10);
    g_autofree char *taken = tag_for(0);
    g_autofree char *props = g_strdup_printf("size=1M,tag=%s", taken);
    g_assert_null(test_create_backend(registry, "memory-backend-ram", "fresh", props, &err));
    g_assert_nonnull(strstr(err->message, "held by memory backend 'be0'"));
    g_assert_null(tm_backend_registry_find_by_id(registry, "fresh"));
    test_assert_registry_consistent(registry);
    /* The id the failed request named is free. */
    test_create_backend_ok(registry, "memory-backend-ram", "fresh", "size=1M");
    test_assert_registry_consistent(registry);
    g_assert_cmpuint(tm_backend_registry_count(registry), ==, 11);
}

/* ---- creation with preallocation in worker threads ---- */

typedef struct {
    bool finished;
    TmHostMem *backend;
    char *error;
    guint progress_reports;
} AsyncResult;

static void on_progress(void *opaque, const char *id, uint64_t done, uint64_t total)
{
    AsyncResult *result = opaque;

    g_assert_cmpuint(done, <=, total);
    result->progress_reports++;
}

static void on_finished(void *opaque, TmHostMem *backend, const GError *error)
{
    AsyncResult *result = opaque;

    g_assert_false(result->finished);
    g_assert_true((backend == NULL) == (error != NULL));
    result->finished = true;
    result->backend = backend;
    result->error = error ? g_strdup(error->message) : NULL;
}

/* memory-backend-ram,prealloc=on of @size, with @tag (or none), started. */
static TmBackendCreateResult start_async(TmBackendRegistry *registry, const char *id,
                                         uint64_t size, const char *tag, AsyncResult *result,
                                         GError **err)
{
    TmPropAssignment props[3] = {
        { .name = "size", .value = { .kind = TM_PROP_SIZE, .uint = size } },
        { .name = "prealloc", .value = { .kind = TM_PROP_BOOL, .boolean = true } },
        { .name = "tag", .value = { .kind = TM_PROP_GUID, .str = (char *)tag } },
    };
    TmBackendCreateCallbacks callbacks = {
        .progress = on_progress, .finished = on_finished, .opaque = result,
    };

    return tm_backend_registry_create_async(registry, "memory-backend-ram", id, props,
                                            tag ? 3 : 2, &callbacks, err);
}

static void wait_finished(AsyncResult *result)
{
    while (!result->finished) {
        g_main_context_iteration(NULL, TRUE);
    }
}

/* Invisible until done, then registered; its id and tag are taken meanwhile. */
static void test_async_create(void)
{
    g_autoptr(TmBackendRegistry) registry = tm_backend_registry_new();
    g_autofree char *tag = tag_for(7);
    TmGuid guid = guid_for(7);
    AsyncResult result = { 0 };
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(start_async(registry, "big", 64 << 20, tag, &result, &err), ==,
                    TM_BACKEND_CREATE_STARTED);
    g_assert_null(tm_backend_registry_find_by_id(registry, "big"));
    g_assert_null(tm_backend_registry_find_by_tag(registry, &guid));
    g_assert_cmpuint(tm_backend_registry_count(registry), ==, 0);

    g_assert_null(test_create_backend(registry, "memory-backend-ram", "big", "size=4K", &err));
    g_assert_cmpstr(err->message, ==, "Duplicate ID 'big' for object");
    g_clear_error(&err);
    g_autofree char *same_tag = g_strdup_printf("size=4K,tag=%s", tag);
    g_assert_null(test_create_backend(registry, "memory-backend-ram", "other", same_tag, &err));
    g_assert_nonnull(strstr(err->message, "is already held by memory backend 'big'"));
    g_clear_error(&err);

    wait_finished(&result);
    g_assert_null(result.error);
    g_assert_true(result.backend == tm_backend_registry_find_by_id(registry, "big"));
    g_assert_true(result.backend == tm_backend_registry_find_by_tag(registry, &guid));
    g_assert_true(test_pages_all_resident(tm_hostmem_get_memory(result.backend, NULL),
                                          64 << 20));
    test_assert_registry_consistent(registry);
}

/* Deleting the id cancels; freeing the registry cancels; neither leaves anything. */
static void test_async_cancel(void)
{
    g_autoptr(TmBackendRegistry) registry = tm_backend_registry_new();
    g_autofree char *tag = tag_for(3);
    AsyncResult result = { 0 };
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(start_async(registry, "big", (uint64_t)1 << 30, tag, &result, &err), ==,
                    TM_BACKEND_CREATE_STARTED);
    g_assert_true(tm_backend_registry_delete(registry, "big", &err));
    g_assert_true(result.finished);
    g_assert_cmpstr(result.error, ==,
                    "memory backend 'big': preallocation cancelled: object-del");
    g_free(result.error);
    g_assert_cmpuint(tm_backend_registry_count(registry), ==, 0);
    test_create_backend_ok(registry, "memory-backend-ram", "big", "size=4K");
    g_assert_true(tm_backend_registry_delete(registry, "big", &err));

    result = (AsyncResult){ 0 };
    g_assert_cmpint(start_async(registry, "big", (uint64_t)1 << 30, tag, &result, &err), ==,
                    TM_BACKEND_CREATE_STARTED);
    g_clear_pointer(&registry, tm_backend_registry_free);
    g_assert_true(result.finished);
    g_assert_cmpstr(result.error, ==,
                    "memory backend 'big': preallocation cancelled: the daemon is shutting down");
    g_free(result.error);
}

/* Without prealloc (or with objects) there is nothing to wait for. */
static void test_async_done_at_once(void)
{
    g_autoptr(TmBackendRegistry) registry = tm_backend_registry_new();
    AsyncResult result = { 0 };
    g_autoptr(GError) err = NULL;
    TmBackendCreateCallbacks callbacks = { .finished = on_finished, .opaque = &result };
    TmPropAssignment props[] = {
        { .name = "size", .value = { .kind = TM_PROP_SIZE, .uint = 1 << 20 } },
        { .name = "prealloc", .value = { .kind = TM_PROP_BOOL, .boolean = true } },
    };

    g_assert_cmpint(tm_backend_registry_create_async(registry, "memory-backend-memfd", "m",
                                                     props, 2, &callbacks, &err),
                    ==, TM_BACKEND_CREATE_DONE);
    g_assert_cmpint(tm_backend_registry_create_async(registry, "memory-backend-ram", "m",
                                                     props, 2, &callbacks, &err),
                    ==, TM_BACKEND_CREATE_FAILED);
    g_assert_cmpstr(err->message, ==, "Duplicate ID 'm' for object");
    g_assert_false(result.finished);
    g_assert_nonnull(tm_backend_registry_find_by_id(registry, "m"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/backend/registry/create-find-delete", test_create_find_delete);
    g_test_add_func("/backend/registry/reuse-after-delete", test_id_and_tag_reusable_after_delete);
    g_test_add_func("/backend/registry/retag", test_retag);
    g_test_add_func("/backend/registry/list-range", test_list_range);
    g_test_add_func("/backend/registry/swap-tags", test_swap_tags);
    g_test_add_func("/backend/registry/failed-create", test_failed_create_leaves_no_id);
    g_test_add_func("/backend/registry/async/create", test_async_create);
    g_test_add_func("/backend/registry/async/cancel", test_async_cancel);
    g_test_add_func("/backend/registry/async/done-at-once", test_async_done_at_once);
    return g_test_run();
}
