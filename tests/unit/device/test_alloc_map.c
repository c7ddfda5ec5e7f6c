/* The device-wide allocation map: splits, free gaps, backend users. */
#include <glib.h>

#include "device/alloc_map.h"
#include "dcd_test_util.h"

static TmAllocRange range_at(uint64_t dpa, uint64_t length, TmHostMem *backend,
                             const char *tag, uint64_t offset)
{
    TmAllocRange range = {
        .range = {
            .extent = { .dpa = dpa, .length = length, .tag = test_guid(tag) },
            .backend = backend,
            .backend_offset = offset,
        },
    };

    tm_host_set_add(&range.holders, 1);
    return range;
}

static void test_gaps(void)
{
    g_autoptr(TmAllocMap) map = tm_alloc_map_new("/machine/peripheral/dcd0");
    TmAllocRange a = range_at(4 * MiB, 2 * MiB, NULL, NULL, 0);
    TmAllocRange b = range_at(6 * MiB, 2 * MiB, NULL, NULL, 0);
    TmAllocRange c = range_at(12 * MiB, 4 * MiB, NULL, NULL, 0);
    uint64_t pos = 0;
    uint64_t gap = 0;

    tm_alloc_map_insert(map, &c);
    tm_alloc_map_insert(map, &a);
    tm_alloc_map_insert(map, &b);
    g_assert_true(tm_alloc_map_next_gap(map, &pos, 16 * MiB, &gap));
    g_assert_cmphex(pos, ==, 0);
    g_assert_cmphex(gap, ==, 4 * MiB);
    pos += gap;
    /* [4M,8M) is two adjacent ranges: the next gap is [8M,12M). */
    g_assert_true(tm_alloc_map_next_gap(map, &pos, 16 * MiB, &gap));
    g_assert_cmphex(pos, ==, 8 * MiB);
    g_assert_cmphex(gap, ==, 4 * MiB);
    pos += gap;
    g_assert_false(tm_alloc_map_next_gap(map, &pos, 16 * MiB, &gap));
    /* A limit inside a gap cuts it. */
    pos = 9 * MiB;
    g_assert_true(tm_alloc_map_next_gap(map, &pos, 10 * MiB, &gap));
    g_assert_cmphex(pos, ==, 9 * MiB);
    g_assert_cmphex(gap, ==, 1 * MiB);

    g_assert_true(tm_alloc_map_overlaps(map, 7 * MiB, 2 * MiB));
    g_assert_false(tm_alloc_map_overlaps(map, 8 * MiB, 4 * MiB));
}

static void test_isolate_splits_and_keeps_offsets(void)
{
    g_autoptr(TmAllocMap) map = tm_alloc_map_new("/machine/peripheral/dcd0");
    TmAllocRange whole = range_at(0, 8 * MiB, NULL, NULL, 64 * MiB);

    tm_alloc_map_insert(map, &whole);
    TmRangePos pos = tm_alloc_map_isolate(map, 2 * MiB, 4 * MiB);
    g_assert_cmpuint(tm_alloc_map_length(map), ==, 3);

    const TmAllocRange *middle = tm_alloc_map_at(map, pos);
    g_assert_cmphex(middle->range.extent.dpa, ==, 2 * MiB);
    g_assert_cmphex(middle->range.extent.length, ==, 4 * MiB);
    g_assert_cmphex(middle->range.backend_offset, ==, 66 * MiB);
    g_assert_true(tm_host_set_contains(&middle->holders, 1));
    pos = tm_alloc_map_next(map, pos);
    g_assert_cmphex(tm_alloc_map_at(map, pos)->range.backend_offset, ==, 70 * MiB);
    g_assert_null(tm_alloc_map_at(map, tm_alloc_map_next(map, pos)));

    /* Isolating on existing boundaries splits nothing. */
    pos = tm_alloc_map_isolate(map, 0, 6 * MiB);
    g_assert_cmphex(tm_alloc_map_at(map, pos)->range.extent.dpa, ==, 0);
    g_assert_cmpuint(tm_alloc_map_length(map), ==, 3);
    /* Nothing inside: the end. */
    g_assert_null(tm_alloc_map_at(map, tm_alloc_map_isolate(map, 8 * MiB, 2 * MiB)));
}

static void test_tagged_ranges_register_backend_users(void)
{
    DcdFixture fx;
    const char *tag = "11111111-2222-3333-4444-555555555555";

    fixture_init(&fx, NULL);
    TmHostMem *backend = fixture_backend(&fx, "mem0", 16 * MiB, tag);
    TmAllocMap *map = tm_alloc_map_new("/machine/peripheral/dcd0");
    TmAllocRange range = range_at(0x10000000, 8 * MiB, backend, tag, 0);

    tm_alloc_map_insert(map, &range);
    g_assert_true(tm_hostmem_in_use(backend));
    g_assert_cmpstr(tm_hostmem_first_user(backend), ==,
                    "extent 0x10000000+0x800000 of /machine/peripheral/dcd0");

    tm_alloc_map_remove(map, tm_alloc_map_isolate(map, 0x10000000, 2 * MiB));
    /* The rest still holds the backend, under its new description. */
    g_assert_true(tm_hostmem_in_use(backend));
    g_assert_cmpstr(tm_hostmem_first_user(backend), ==,
                    "extent 0x10200000+0x600000 of /machine/peripheral/dcd0");

    /* Freeing the map lets go of the rest. */
    tm_alloc_map_free(map);
    g_assert_false(tm_hostmem_in_use(backend));
    fixture_clear(&fx);
}

/* The tag index against a walk of the whole map, keeping the tag's ranges. */
static void assert_tag_index(const TmAllocMap *map, const char *tag_text)
{
    TmGuid tag = test_guid(tag_text);
    g_autoptr(GArray) indexed = g_array_new(FALSE, FALSE, sizeof(TmExtent));
    g_autoptr(GArray) walked = g_array_new(FALSE, FALSE, sizeof(TmExtent));
    const TmAllocRange *range;

    for (TmRangePos pos = tm_alloc_map_first(map); (range = tm_alloc_map_at(map, pos)) != NULL;
         pos = tm_alloc_map_next(map, pos)) {
        if (tm_guid_equal(&range->range.extent.tag, &tag)) {
            g_array_append_val(walked, range->range.extent);
        }
    }
    g_assert_cmpuint(tm_alloc_map_tag_ranges(map, &tag, indexed), ==, walked->len);
    g_assert_cmpuint(tm_alloc_map_tag_range_count(map, &tag), ==, walked->len);
    for (guint i = 0; i < walked->len; i++) {
        const TmExtent *a = &g_array_index(indexed, TmExtent, i);
        const TmExtent *b = &g_array_index(walked, TmExtent, i);
        g_assert_cmphex(a->dpa, ==, b->dpa);
        g_assert_cmphex(a->length, ==, b->length);
        g_assert_true(tm_guid_equal(&a->tag, &tag));
    }
}

/*
 * Two tags' ranges interleaved over several chunks: inserts, splits and
 * removals keep each tag's index equal to its ranges in the map.
 */
static void test_tag_index_follows_changes(void)
{
    const char *tags[] = { "11111111-2222-3333-4444-555555555555",
                           "66666666-7777-8888-9999-aaaaaaaaaaaa" };
    DcdFixture fx;

    fixture_init(&fx, NULL);
    TmHostMem *backends[] = { fixture_backend(&fx, "mem0", 1024 * MiB, tags[0]),
                              fixture_backend(&fx, "mem1", 1024 * MiB, tags[1]) };
    g_autoptr(TmAllocMap) map = tm_alloc_map_new("/machine/peripheral/dcd0");

    for (uint64_t i = 0; i < 400; i++) {
        TmAllocRange range = range_at(i * 4 * MiB, 4 * MiB, backends[i % 2], tags[i % 2],
                                      i / 2 * 4 * MiB);
        tm_alloc_map_insert(map, &range);
    }
    assert_tag_index(map, tags[0]);
    assert_tag_index(map, tags[1]);
    g_assert_cmpuint(tm_alloc_map_tag_range_count(map, &(TmGuid){ 0 }), ==, 0);

    /* Splits: [1M, 3M) out of the first range, then 1M into every 7th range. */
    tm_alloc_map_isolate(map, 1 * MiB, 2 * MiB);
    for (uint64_t i = 0; i < 400; i += 7) {
        tm_alloc_map_isolate(map, i * 4 * MiB + 1 * MiB, 1 * MiB);
    }
    assert_tag_index(map, tags[0]);
    assert_tag_index(map, tags[1]);

    /* Removals, from the front and the middle, until one tag has none left. */
    for (uint64_t i = 0; i < 400; i += 2) {
        tm_alloc_map_remove(map, tm_alloc_map_isolate(map, i * 4 * MiB, 4 * MiB));
        while (tm_alloc_map_at(map, tm_alloc_map_lower_bound(map, i * 4 * MiB))->range.extent.dpa <
               (i + 1) * 4 * MiB) {
            tm_alloc_map_remove(map, tm_alloc_map_lower_bound(map, i * 4 * MiB));
        }
    }
    g_assert_cmpuint(tm_alloc_map_tag_range_count(map, &(TmGuid){ 0 }), ==, 0);
    g_assert_cmpuint(tm_alloc_map_tag_range_count(map, (TmGuid[]){ test_guid(tags[0]) }), ==, 0);
    assert_tag_index(map, tags[1]);
    g_clear_pointer(&map, tm_alloc_map_free);
    fixture_clear(&fx);
}

/*
 * Randomized comparison against a model that keeps, per DPA unit, the
 * start of the range holding it (or NO_RANGE), its backend address and its
 * holders (hosts 0..3 as bits).  Ranges are runs of units with the same
 * start.  Steps insert ranges, isolate a span and let a host go of it (as
 * tm_dcd_drop_holder does), and look for gaps and lower bounds.
 */
#define SPACE 2048  /* room for several chunks of TM_RANGE_ARRAY_CHUNK */
#define NO_RANGE UINT64_MAX

typedef struct {
    uint64_t start[SPACE];
    uint64_t backend_addr[SPACE];
    unsigned holders[SPACE];
} MapModel;

static bool model_overlaps(const MapModel *model, uint64_t dpa, uint64_t length)
{
    for (uint64_t d = dpa; d < dpa + length; d++) {
        if (model->start[d] != NO_RANGE) {
            return true;
        }
    }
    return false;
}

/* The units from @d on that belong to the range holding @d. */
static uint64_t model_range_end(const MapModel *model, uint64_t d)
{
    uint64_t end = d + 1;

    while (end < SPACE && model->start[end] == model->start[d]) {
        end++;
    }
    return end;
}

static void model_split_at(MapModel *model, uint64_t dpa)
{
    if (dpa >= SPACE || model->start[dpa] == NO_RANGE || model->start[dpa] == dpa) {
        return;
    }
    for (uint64_t d = dpa, end = model_range_end(model, dpa); d < end; d++) {
        model->start[d] = dpa;
    }
}

static TmHostSet holder_set(unsigned bits)
{
    TmHostSet set = { 0 };

    for (uint16_t h = 0; h < 4; h++) {
        if (bits & (1u << h)) {
            tm_host_set_add(&set, h);
        }
    }
    return set;
}

static void assert_range_matches(const TmAllocRange *range, const MapModel *model, uint64_t d)
{
    TmHostSet holders = holder_set(model->holders[d]);

    g_assert_nonnull(range);
    g_assert_cmphex(range->range.extent.dpa, ==, d);
    g_assert_cmphex(range->range.extent.length, ==, model_range_end(model, d) - d);
    g_assert_cmphex(range->range.backend_offset, ==, model->backend_addr[d]);
    g_assert_cmpmem(&range->holders, sizeof(holders), &holders, sizeof(holders));
}

static void assert_map_matches(const TmAllocMap *map, const MapModel *model)
{
    TmRangePos pos = tm_alloc_map_first(map);
    guint count = 0;

    for (uint64_t d = 0; d < SPACE; d++) {
        if (model->start[d] == NO_RANGE || model->start[d] != d) {
            continue;
        }
        assert_range_matches(tm_alloc_map_at(map, pos), model, d);
        pos = tm_alloc_map_next(map, pos);
        count++;
    }
    g_assert_null(tm_alloc_map_at(map, pos));
    g_assert_cmpuint(tm_alloc_map_length(map), ==, count);
}

static void random_insert(GRand *rand, TmAllocMap *map, MapModel *model, uint64_t dpa,
                          uint64_t length)
{
    unsigned holders = (unsigned)g_rand_int_range(rand, 1, 16);
    uint64_t offset = g_rand_int_range(rand, 0, 1 << 20);
    TmAllocRange range = range_at(dpa, length, NULL, NULL, offset);

    g_assert_cmpint(tm_alloc_map_overlaps(map, dpa, length), ==,
                    model_overlaps(model, dpa, length));
    if (model_overlaps(model, dpa, length)) {
        return;
    }
    range.holders = holder_set(holders);
    tm_alloc_map_insert(map, &range);
    for (uint64_t d = dpa; d < dpa + length; d++) {
        model->start[d] = dpa;
        model->backend_addr[d] = offset + (d - dpa);
        model->holders[d] = holders;
    }
}

/* Isolate [dpa, dpa + length), then @host lets go of it. */
static void random_drop(GRand *rand, TmAllocMap *map, MapModel *model, uint64_t dpa,
                        uint64_t length)
{
    uint16_t host = (uint16_t)g_rand_int_range(rand, 0, 4);
    uint64_t end = dpa + length;
    TmRangePos pos = tm_alloc_map_isolate(map, dpa, length);
    TmAllocRange *range;

    model_split_at(model, dpa);
    model_split_at(model, end);
    while ((range = tm_alloc_map_at(map, pos)) != NULL && range->range.extent.dpa < end) {
        uint64_t d = range->range.extent.dpa;
        uint64_t range_end = model_range_end(model, d);

        g_assert_cmphex(d, >=, dpa);
        assert_range_matches(range, model, d);
        tm_host_set_remove(&range->holders, host);
        for (uint64_t u = d; u < range_end; u++) {
            model->holders[u] &= ~(1u << host);
        }
        if (tm_host_set_is_empty(&range->holders)) {
            pos = tm_alloc_map_remove(map, pos);
            for (uint64_t u = d; u < range_end; u++) {
                model->start[u] = NO_RANGE;
            }
        } else {
            pos = tm_alloc_map_next(map, pos);
        }
    }
}

static void check_queries(const TmAllocMap *map, const MapModel *model, uint64_t dpa,
                          uint64_t length)
{
    uint64_t limit = dpa + length;
    uint64_t pos = dpa;
    uint64_t gap_len = 0;
    uint64_t want_start = dpa;

    while (want_start < limit && model->start[want_start] != NO_RANGE) {
        want_start++;
    }
    bool found = tm_alloc_map_next_gap(map, &pos, limit, &gap_len);
    g_assert_cmpint(found, ==, want_start < limit);
    if (found) {
        uint64_t want_end = want_start;

        while (want_end < limit && model->start[want_end] == NO_RANGE) {
            want_end++;
        }
        g_assert_cmphex(pos, ==, want_start);
        g_assert_cmphex(gap_len, ==, want_end - want_start);
    }

    const TmAllocRange *bound = tm_alloc_map_at(map, tm_alloc_map_lower_bound(map, dpa));
    uint64_t d = dpa;
    while (d < SPACE && model->start[d] == NO_RANGE) {
        d++;
    }
    if (d == SPACE) {
        g_assert_null(bound);
    } else {
        assert_range_matches(bound, model, model->start[d]);
    }
}

static void test_random_against_model(void)
{
    for (guint32 seed = 1; seed <= 4; seed++) {
        g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
        g_autoptr(TmAllocMap) map = tm_alloc_map_new("/machine/peripheral/dcd0");
        MapModel model;

        for (guint d = 0; d < SPACE; d++) {
            model.start[d] = NO_RANGE;
        }
        for (int step = 0; step < 5000; step++) {
            uint64_t dpa = g_rand_int_range(rand, 0, SPACE);
            uint64_t wanted = g_rand_int_range(rand, 1, 9);
            uint64_t length = MIN(wanted, SPACE - dpa);

            check_queries(map, &model, dpa, length);
            if (g_rand_boolean(rand)) {
                random_insert(rand, map, &model, dpa, length);
            } else {
                random_drop(rand, map, &model, dpa, length);
            }
            assert_map_matches(map, &model);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/alloc_map/gaps", test_gaps);
    g_test_add_func("/device/alloc_map/isolate", test_isolate_splits_and_keeps_offsets);
    g_test_add_func("/device/alloc_map/backend_users", test_tagged_ranges_register_backend_users);
    g_test_add_func("/device/alloc_map/tag_index", test_tag_index_follows_changes);
    g_test_add_func("/device/alloc_map/random_vs_model", test_random_against_model);
    return g_test_run();
}
