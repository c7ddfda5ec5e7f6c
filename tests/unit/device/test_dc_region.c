/* Region carving (docs/qemu-compat.md) and its errors, with QEMU's texts. */
#include <string.h>
#include <glib.h>

#include "device/dc_region.h"
#include "dcd_test_util.h"

static void test_carve_two_regions(void)
{
    TmDcRegion regions[TM_DC_MAX_REGIONS];
    g_autoptr(GError) err = NULL;

    g_assert_true(tm_dc_regions_carve(0, 4 * GiB, 2, 2 * MiB, regions, &err));
    g_assert_no_error(err);
    for (unsigned i = 0; i < 2; i++) {
        g_assert_cmphex(regions[i].base, ==, i * 2 * GiB);
        g_assert_cmphex(regions[i].len, ==, 2 * GiB);
        g_assert_cmphex(regions[i].decode_len, ==, 2 * GiB);
        g_assert_cmphex(regions[i].block_size, ==, 2 * MiB);
        g_assert_cmpuint(regions[i].dsmad_handle, ==, i);
        g_assert_false(regions[i].sharable);
        g_assert_false(regions[i].sanitize_on_release);
    }
}

static void test_carve_after_static_capacity(void)
{
    TmDcRegion regions[TM_DC_MAX_REGIONS];

    g_assert_true(tm_dc_regions_carve(512 * MiB, 8 * GiB, 8, 4096, regions, NULL));
    g_assert_cmphex(regions[0].base, ==, 512 * MiB);
    g_assert_cmphex(regions[7].base, ==, 512 * MiB + 7 * GiB);
    g_assert_cmphex(tm_dc_region_end(&regions[7]), ==, 512 * MiB + 8 * GiB);
}

typedef struct {
    uint64_t static_size;
    uint64_t dc_size;
    unsigned n_regions;
    uint64_t block_size;
    const char *message;
} CarveErrorCase;

static void test_carve_errors(void)
{
    static const CarveErrorCase cases[] = {
        /* region length 0x8000000 (128 MiB) is not a multiple of 256 MiB */
        { 0, 256 * MiB, 2, 2 * MiB, "backend size is not multiple of region len: 0x8000000" },
        { 0, 768 * MiB, 2, 2 * MiB, "backend size is not multiple of region len: 0x18000000" },
        { 0, 1 * GiB + 1, 1, 2 * MiB, "backend size is not multiple of region len: 0x40000001" },
        { 128 * MiB, 1 * GiB, 1, 2 * MiB, "DC region base not aligned to 0x10000000" },
        { 0, 1 * GiB, 1, 2 * GiB, "dc-block-size 0x80000000 does not divide the DC region length" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const CarveErrorCase *c = &cases[i];
        TmDcRegion regions[TM_DC_MAX_REGIONS];
        g_autoptr(GError) err = NULL;

        g_test_message("case %" G_GSIZE_FORMAT ": %s", i, c->message);
        g_assert_false(tm_dc_regions_carve(c->static_size, c->dc_size, c->n_regions,
                                           c->block_size, regions, &err));
        assert_error_contains(err, c->message);
    }
}

static void test_region_lookup(void)
{
    TmDcRegion regions[TM_DC_MAX_REGIONS];

    g_assert_true(tm_dc_regions_carve(0, 2 * GiB, 2, 2 * MiB, regions, NULL));
    g_assert_cmpint(tm_dc_region_find(regions, 2, 0, 2 * MiB), ==, 0);
    g_assert_cmpint(tm_dc_region_find(regions, 2, 1 * GiB - 2 * MiB, 2 * MiB), ==, 0);
    g_assert_cmpint(tm_dc_region_find(regions, 2, 1 * GiB, 1 * GiB), ==, 1);
    /* across the boundary, past the end, wrapping around */
    g_assert_cmpint(tm_dc_region_find(regions, 2, 1 * GiB - 2 * MiB, 4 * MiB), ==, -1);
    g_assert_cmpint(tm_dc_region_find(regions, 2, 2 * GiB, 2 * MiB), ==, -1);
    g_assert_cmpint(tm_dc_region_find(regions, 2, UINT64_MAX - MiB, 4 * MiB), ==, -1);

    g_assert_true(tm_dc_region_aligned(&regions[1], 1 * GiB + 2 * MiB, 4 * MiB));
    g_assert_false(tm_dc_region_aligned(&regions[1], 1 * GiB + 4096, 2 * MiB));
    g_assert_false(tm_dc_region_aligned(&regions[1], 1 * GiB, 3 * MiB));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/dc_region/carve_two", test_carve_two_regions);
    g_test_add_func("/device/dc_region/carve_after_static", test_carve_after_static_capacity);
    g_test_add_func("/device/dc_region/carve_errors", test_carve_errors);
    g_test_add_func("/device/dc_region/lookup", test_region_lookup);
    return g_test_run();
}
