/*
 * The tag index against a reference model: random inserts, removes and
 * retags over thousands of backends (growing the table and shifting probe
 * runs on removal), checking every lookup, hit and miss.
 */
#include "backend/hostmem_internal.h"
#include "backend/tag_index.h"
#include "backend_test_util.h"

#define BACKENDS 3000
#define OPERATIONS 60000

typedef struct {
    TmHostMem *backends[BACKENDS];
    bool indexed[BACKENDS];
    guint indexed_count;
    TmTagIndex *index;
    GRand *rand;
} Model;

/* Tags as an orchestrator might hand them out: a counter in the last bytes. */
static TmGuid sequential_tag(guint32 n)
{
    TmGuid tag = { { 0x5a, 0x17, 0, 0, 0, 0, 0x40, 0, 0x80 } };

    tag.bytes[12] = (uint8_t)(n >> 24);
    tag.bytes[13] = (uint8_t)(n >> 16);
    tag.bytes[14] = (uint8_t)(n >> 8);
    tag.bytes[15] = (uint8_t)n;
    return tag;
}

static void assert_model(const Model *model)
{
    g_assert_cmpuint(tm_tag_index_size(model->index), ==, model->indexed_count);
    for (guint i = 0; i < BACKENDS; i++) {
        TmGuid tag = *tm_hostmem_tag(model->backends[i]);
        TmHostMem *found = tm_tag_index_lookup(model->index, &tag);
        g_assert_true(found == (model->indexed[i] ? model->backends[i] : NULL));
    }
}

static void step(Model *model, guint32 *next_tag)
{
    guint i = (guint)g_rand_int_range(model->rand, 0, BACKENDS);
    TmHostMem *backend = model->backends[i];

    if (!model->indexed[i]) {
        tm_tag_index_insert(model->index, backend);
        model->indexed[i] = true;
        model->indexed_count++;
        return;
    }
    tm_tag_index_remove(model->index, backend);
    if (g_rand_boolean(model->rand)) {
        /* Retag: out, new tag, back in. */
        TmGuid tag = sequential_tag((*next_tag)++);
        tm_hostmem_store_tag(backend, &tag);
        tm_tag_index_insert(model->index, backend);
        return;
    }
    model->indexed[i] = false;
    model->indexed_count--;
}

static void test_against_model(void)
{
    Model model = { .index = tm_tag_index_new(), .rand = g_rand_new_with_seed(42) };
    guint32 next_tag = 0;

    for (guint i = 0; i < BACKENDS; i++) {
        g_autofree char *id = g_strdup_printf("be%u", i);
        TmGuid tag = sequential_tag(next_tag++);
        model.backends[i] = tm_hostmem_from_object(tm_object_new(&tm_hostmem_ram_class, id));
        tm_hostmem_store_tag(model.backends[i], &tag);
    }
    for (guint op = 0; op < OPERATIONS; op++) {
        step(&model, &next_tag);
        if (op % 5000 == 0) {
            assert_model(&model);
        }
    }
    assert_model(&model);

    /* Empty it completely: every removal must find its backend. */
    for (guint i = 0; i < BACKENDS; i++) {
        if (model.indexed[i]) {
            tm_tag_index_remove(model.index, model.backends[i]);
            model.indexed[i] = false;
            model.indexed_count--;
        }
    }
    assert_model(&model);

    for (guint i = 0; i < BACKENDS; i++) {
        tm_object_free(tm_hostmem_object(model.backends[i]));
    }
    tm_tag_index_free(model.index);
    g_rand_free(model.rand);
}

static void test_lookup_misses(void)
{
    g_autoptr(TmBackendRegistry) registry = tm_backend_registry_new();
    TmGuid unknown = sequential_tag(999999);

    g_assert_null(tm_backend_registry_find_by_tag(registry, &unknown));
    test_create_backend_ok(registry, "memory-backend-ram", "a",
                           "size=1M,tag=5a170000-0000-4000-8000-000000000001");
    g_assert_null(tm_backend_registry_find_by_tag(registry, &unknown));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/backend/tag-index/against-model", test_against_model);
    g_test_add_func("/backend/tag-index/misses", test_lookup_misses);
    return g_test_run();
}
