/*
 * The object worker (backend/object_worker.h): populating allocates every
 * page and keeps bytes already written; retiring closes the object while
 * a process that still maps it keeps its own pages; freeing with work
 * queued closes everything (ASan's leak check fails the test otherwise).
 */
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/object_worker.h"

#define BLOCK (512u * 1024u)

static TmMemObject *new_object(uint64_t length)
{
    g_autoptr(GError) err = NULL;
    TmMemObject *object = tm_mem_object_new("test-worker", length, 0, &err);

    g_assert_no_error(err);
    g_assert_true(tm_mem_object_seal(object, &err));
    return object;
}

static uint64_t allocated_bytes(TmMemObject *object)
{
    struct stat st;

    g_assert_cmpint(fstat(tm_mem_object_fd(object), &st), ==, 0);
    return (uint64_t)st.st_blocks * 512;
}

static void test_populate_keeps_written_bytes(void)
{
    g_autoptr(GError) err = NULL;
    TmObjectWorker *worker = tm_object_worker_new();
    g_autoptr(TmMemObject) object = new_object(BLOCK);
    uint8_t byte = 0x3c;

    g_assert_true(tm_mem_object_write(object, 4096, &byte, 1, &err));
    g_assert_cmpuint(allocated_bytes(object), <, BLOCK);
    tm_object_worker_populate(worker, tm_mem_object_ref(object));
    tm_object_worker_wait_idle(worker);
    g_assert_cmpuint(allocated_bytes(object), >=, BLOCK);

    g_autofree uint8_t *bytes = g_malloc(BLOCK);
    g_assert_true(tm_mem_object_read(object, 0, bytes, BLOCK, &err));
    for (uint64_t i = 0; i < BLOCK; i++) {
        g_assert_cmpuint(bytes[i], ==, i == 4096 ? 0x3c : 0);
    }
    tm_object_worker_free(worker);
}

static void test_retired_mapping_keeps_its_pages(void)
{
    TmObjectWorker *worker = tm_object_worker_new();
    TmMemObject *object = new_object(BLOCK);
    uint8_t *kept = mmap(NULL, BLOCK, PROT_READ | PROT_WRITE, MAP_SHARED,
                         tm_mem_object_fd(object), 0);

    g_assert_true(kept != MAP_FAILED);
    memset(kept, 0x5a, BLOCK);
    tm_object_worker_retire(worker, object);
    tm_object_worker_wait_idle(worker);
    kept[0] = 0x77;
    g_assert_cmpuint(kept[0], ==, 0x77);
    g_assert_cmpuint(kept[BLOCK - 1], ==, 0x5a);
    munmap(kept, BLOCK);
    tm_object_worker_free(worker);
}

static void test_free_with_work_queued(void)
{
    TmObjectWorker *worker = tm_object_worker_new();

    for (int i = 0; i < 64; i++) {
        TmMemObject *object = new_object(8 * BLOCK);
        tm_object_worker_populate(worker, tm_mem_object_ref(object));
        tm_object_worker_retire(worker, object);
    }
    tm_object_worker_free(worker);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/object-worker/populate-keeps-written-bytes",
                    test_populate_keeps_written_bytes);
    g_test_add_func("/object-worker/retired-mapping-keeps-its-pages",
                    test_retired_mapping_keeps_its_pages);
    g_test_add_func("/object-worker/free-with-work-queued", test_free_with_work_queued);
    return g_test_run();
}
