/*
 * bench-lookup: how long finding a backend takes as their number grows.
 *
 * Creates small memory-backend-ram backends through the registry (lazily
 * allocated, so none is mapped), each with a random tag, and measures at
 * 1k, 10k, 100k and 1M backends:
 *   tag   tm_backend_registry_find_by_tag  (hash index)
 *   id    tm_backend_registry_find_by_id   (hash index)
 *   scan  the reference: walk the backends in creation order comparing
 *         tags, what a registry without a tag index has to do
 * Queries are copies of the keys (as they arrive from the wire) in random
 * order, so the caches see what a busy daemon would.  Lookups run in
 * rounds and the median round is reported, so that a round in which the
 * process was preempted does not decide the figure.
 *
 * Usage: bench-lookup [MAX_BACKENDS]   (default 1000000)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "backend/backend_registry.h"
#include "core/error.h"
#include "bench_util.h"

#define ROUNDS 7
#define ROUND_QUERIES 300000u
#define HASH_QUERIES (ROUNDS * ROUND_QUERIES)
#define SCAN_BUDGET_NS 300000000ull /* per size, so the whole run takes seconds */
#define SCAN_MAX_QUERIES 20000u

typedef struct {
    TmBackendRegistry *registry;
    TmGuid *tags;  /* tags[i] is backend i's */
    char **ids;    /* ids[i] is backend i's */
    unsigned int count;
    GRand *rand;
} Bench;

static void random_tag(GRand *rand, TmGuid *tag)
{
    for (size_t i = 0; i < sizeof(tag->bytes); i += 4) {
        guint32 word = g_rand_int(rand);
        memcpy(tag->bytes + i, &word, 4);
    }
    tag->bytes[6] = (uint8_t)((tag->bytes[6] & 0x0f) | 0x40); /* version 4 */
    tag->bytes[8] = (uint8_t)((tag->bytes[8] & 0x3f) | 0x80); /* RFC 4122 variant */
}

static void create_backend(Bench *bench, unsigned int n)
{
    g_autoptr(GError) err = NULL;
    char tag_text[TM_GUID_STRING_LEN + 1];

    random_tag(bench->rand, &bench->tags[n]);
    tm_guid_format(&bench->tags[n], tag_text);
    bench->ids[n] = g_strdup_printf("be%u", n);
    TmPropAssignment props[] = {
        { "size", { .kind = TM_PROP_SIZE, .uint = 64 * 1024 } },
        { "tag", { .kind = TM_PROP_GUID, .str = tag_text } },
    };
    if (!tm_backend_registry_create(bench->registry, "memory-backend-ram", bench->ids[n], props,
                                    G_N_ELEMENTS(props), &err)) {
        fprintf(stderr, "bench-lookup: cannot create backend %u: %s\n", n, err->message);
        exit(1);
    }
}

static unsigned int *random_indexes(Bench *bench, unsigned int count)
{
    unsigned int *indexes = g_new(unsigned int, count);

    for (unsigned int i = 0; i < count; i++) {
        indexes[i] = (unsigned int)g_rand_int_range(bench->rand, 0, (gint32)bench->count);
    }
    return indexes;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(double *values, size_t count)
{
    qsort(values, count, sizeof(*values), compare_double);
    return values[count / 2];
}

static double time_tag_lookups(Bench *bench, const unsigned int *indexes, unsigned int queries)
{
    g_autofree TmGuid *keys = g_new(TmGuid, queries);
    double round_ns[ROUNDS];
    unsigned int rounds = MAX(queries / ROUND_QUERIES, 1u);
    unsigned int per_round = queries / rounds;
    uintptr_t checksum = 0;

    for (unsigned int i = 0; i < queries; i++) {
        keys[i] = bench->tags[indexes[i]];
    }
    for (unsigned int r = 0; r < rounds; r++) {
        const TmGuid *round_keys = keys + r * per_round;
        uint64_t start = tm_bench_now_ns();
        for (unsigned int i = 0; i < per_round; i++) {
            checksum += (uintptr_t)tm_backend_registry_find_by_tag(bench->registry,
                                                                   &round_keys[i]);
        }
        round_ns[r] = (double)(tm_bench_now_ns() - start) / per_round;
    }
    queries = rounds * per_round;
    /* Every lookup must have found its backend; check outside the timing. */
    for (unsigned int i = 0; i < queries; i++) {
        TmHostMem *found = tm_backend_registry_find_by_tag(bench->registry, &keys[i]);
        g_assert_cmpstr(tm_hostmem_id(found), ==, bench->ids[indexes[i]]);
        checksum -= (uintptr_t)found;
    }
    g_assert_cmpuint(checksum, ==, 0);
    return median(round_ns, rounds);
}

static double time_id_lookups(Bench *bench, const unsigned int *indexes, unsigned int queries)
{
    char **keys = g_new(char *, queries);
    double round_ns[ROUNDS];
    unsigned int rounds = MAX(queries / ROUND_QUERIES, 1u);
    unsigned int per_round = queries / rounds;
    uintptr_t checksum = 0;

    for (unsigned int i = 0; i < queries; i++) {
        keys[i] = g_strdup(bench->ids[indexes[i]]);
    }
    for (unsigned int r = 0; r < rounds; r++) {
        char *const *round_keys = keys + r * per_round;
        uint64_t start = tm_bench_now_ns();
        for (unsigned int i = 0; i < per_round; i++) {
            checksum += (uintptr_t)tm_backend_registry_find_by_id(bench->registry,
                                                                  round_keys[i]);
        }
        round_ns[r] = (double)(tm_bench_now_ns() - start) / per_round;
    }
    for (unsigned int i = 0; i < rounds * per_round; i++) {
        TmHostMem *found = tm_backend_registry_find_by_id(bench->registry, keys[i]);
        g_assert_true(found && tm_guid_equal(tm_hostmem_tag(found), &bench->tags[indexes[i]]));
        checksum -= (uintptr_t)found;
    }
    g_assert_cmpuint(checksum, ==, 0);
    for (unsigned int i = 0; i < queries; i++) {
        g_free(keys[i]);
    }
    g_free(keys);
    return median(round_ns, rounds);
}

/* The reference: no index, walk the backends in creation order. */
static TmHostMem *scan_for_tag(GPtrArray *backends, const TmGuid *tag)
{
    for (guint i = 0; i < backends->len; i++) {
        TmHostMem *backend = g_ptr_array_index(backends, i);
        const TmGuid *candidate = tm_hostmem_tag(backend);
        if (candidate && tm_guid_equal(candidate, tag)) {
            return backend;
        }
    }
    return NULL;
}

static double time_scans(Bench *bench, const unsigned int *indexes, unsigned int *done)
{
    g_autoptr(GPtrArray) backends = tm_backend_registry_list(bench->registry);
    uint64_t start = tm_bench_now_ns();
    uint64_t elapsed = 0;
    unsigned int queries = 0;

    while (queries < SCAN_MAX_QUERIES && (queries < 3 || elapsed < SCAN_BUDGET_NS)) {
        TmGuid key = bench->tags[indexes[queries]];
        TmHostMem *found = scan_for_tag(backends, &key);
        g_assert_cmpstr(tm_hostmem_id(found), ==, bench->ids[indexes[queries]]);
        queries++;
        elapsed = tm_bench_now_ns() - start;
    }
    *done = queries;
    return (double)elapsed / queries;
}

static void measure(Bench *bench, double create_ns)
{
    g_autofree unsigned int *indexes = random_indexes(bench, HASH_QUERIES);
    unsigned int scans = 0;

    /* One untimed pass so every size starts with the same warm caches. */
    time_tag_lookups(bench, indexes, MIN(bench->count, HASH_QUERIES));
    double tag_ns = time_tag_lookups(bench, indexes, HASH_QUERIES);
    double id_ns = time_id_lookups(bench, indexes, HASH_QUERIES);
    double scan_ns = time_scans(bench, indexes, &scans);
    printf("%10u  %10.0f  %9.1f  %9.1f  %12.0f  %7u  %9.0fx\n", bench->count, create_ns,
           tag_ns, id_ns, scan_ns, scans, scan_ns / tag_ns);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    static const unsigned int sizes[] = { 1000, 10000, 100000, 1000000 };
    unsigned int max_backends = argc > 1 ? (unsigned int)strtoul(argv[1], NULL, 10) : 1000000;
    Bench bench = {
        .registry = tm_backend_registry_new(),
        .tags = g_new(TmGuid, max_backends),
        .ids = g_new0(char *, max_backends),
        .rand = g_rand_new_with_seed(20260101),
    };

    printf("bench-lookup: memory-backend-ram (64 KiB, not allocated) with random tags\n");
    printf("tag/id: registry hash indexes; scan: creation-order walk comparing tags "
           "(reference)\n\n");
    printf("%10s  %10s  %9s  %9s  %12s  %7s  %10s\n", "backends", "create ns", "tag ns",
           "id ns", "scan ns", "scans", "scan/tag");
    for (size_t s = 0; s < G_N_ELEMENTS(sizes) && sizes[s] <= max_backends; s++) {
        uint64_t start = tm_bench_now_ns();
        unsigned int first = bench.count;
        for (; bench.count < sizes[s]; bench.count++) {
            create_backend(&bench, bench.count);
        }
        measure(&bench, (double)(tm_bench_now_ns() - start) / (bench.count - first));
    }

    tm_backend_registry_free(bench.registry);
    for (unsigned int i = 0; i < bench.count; i++) {
        g_free(bench.ids[i]);
    }
    g_free(bench.ids);
    g_free(bench.tags);
    g_rand_free(bench.rand);
    return 0;
}
