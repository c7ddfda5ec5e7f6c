/*
 * FM references on tags: the allocation and its data outlive every host's
 * release, enable-shared-access hands the same bytes out again, and the
 * capacity is freed (and sanitized when asked) only when no host holds it
 * and the reference is gone.
 */
#include <string.h>
#include <glib.h>

#include "dcd_test_util.h"

#define TAG_A "aaaaaaaa-0000-4000-8000-00000000000a"
#define TAG_B "bbbbbbbb-0000-4000-8000-00000000000b"
#define PROPS "num-dc-regions=1,dc-regions-total-size=256M,num-hosts=2,dc-region-sharable=1"

static void setup(DcdFixture *fx)
{
    fixture_init(fx, PROPS);
    fixture_backend(fx, "mem-a", 4 * MiB, TAG_A);
    g_assert_cmpint(add_by_length(fx, 0, TM_DC_SELECT_FREE, 0, TAG_A, 4 * MiB, NULL), ==,
                    TM_DC_OK);
    accept_all(fx, 0);
}

static void assert_reads(DcdFixture *fx, uint16_t host, const char *expected, size_t length)
{
    char buf[16] = { 0 };

    g_assert_cmpint(tm_dcd_host_read(fx->dev, host, 0, buf, length, NULL), ==, TM_DC_OK);
    g_assert_cmpmem(buf, length, expected, length);
}

static void test_data_outlives_every_release(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmGuid tag = test_guid(TAG_A);
    TmDcTagInfo info;

    setup(&fx);
    g_assert_cmpint(tm_dcd_host_write(fx.dev, 0, 0, "shared!", 7, NULL), ==, TM_DC_OK);
    uint32_t generation = tm_dcd_tag_generation(fx.dev);
    g_assert_cmpint(tm_dcd_add_tag_reference(fx.dev, &tag, NULL), ==, TM_DC_OK);
    g_assert_cmpuint(tm_dcd_tag_generation(fx.dev), !=, generation);
    /* A second add changes nothing. */
    generation = tm_dcd_tag_generation(fx.dev);
    g_assert_cmpint(tm_dcd_add_tag_reference(fx.dev, &tag, NULL), ==, TM_DC_OK);
    g_assert_cmpuint(tm_dcd_tag_generation(fx.dev), ==, generation);

    /* Host 0 lets go, sanitize asked: the reference keeps the bytes. */
    g_assert_cmpint(release_tag(&fx, 0, 0, true, true, TAG_A, NULL), ==, TM_DC_OK);
    g_assert_cmpuint(tm_dcd_host_accepted_count(fx.dev, 0), ==, 0);
    g_assert_true(tm_dcd_find_tag(fx.dev, &tag, &info));
    g_assert_true(info.referenced);
    g_assert_nonnull(info.backend);
    g_assert_true(tm_dcd_has_allocations(fx.dev));

    /* Nobody else gets those DPAs but through the tag. */
    TmExtent same = EXT(0, 2 * MiB);
    g_assert_cmpint(add_prescriptive(&fx, 1, 0, NULL, &same, 1, &err), ==,
                    TM_DC_INVALID_EXTENT_LIST);
    assert_error_contains(err, "kept by an FM reference");
    g_clear_error(&err);

    /* Host 1 joins with enable-shared-access and reads host 0's bytes. */
    g_assert_cmpint(add_by_length(&fx, 1, TM_DC_SELECT_ENABLE_SHARED_ACCESS, 0, TAG_A, 0, &err),
                    ==, TM_DC_OK);
    g_assert_no_error(err);
    g_assert_cmpuint(tm_dcd_host_pending_group(fx.dev, 1, 0).n_extents, ==, 1);
    accept_all(&fx, 1);
    assert_reads(&fx, 1, "shared!", 7);

    /* The reference goes while host 1 holds it: nothing is freed. */
    g_assert_cmpint(tm_dcd_remove_tag_reference(fx.dev, &tag, NULL), ==, TM_DC_OK);
    assert_reads(&fx, 1, "shared!", 7);

    /* Host 1 lets go: now the capacity is free, and sanitized (asked by host 0's release). */
    g_assert_cmpint(release_tag(&fx, 1, 0, true, false, TAG_A, NULL), ==, TM_DC_OK);
    g_assert_true(tm_dcd_find_tag(fx.dev, &tag, &info));
    g_assert_null(info.backend);
    g_assert_false(tm_dcd_has_allocations(fx.dev));
    g_assert_cmpint(add_by_length(&fx, 0, TM_DC_SELECT_FREE, 0, TAG_A, 4 * MiB, NULL), ==,
                    TM_DC_OK);
    accept_all(&fx, 0);
    assert_reads(&fx, 0, "\0\0\0\0\0\0\0", 7);
    fixture_clear(&fx);
}

/* Removing the reference of an allocation nobody holds frees it at once. */
static void test_remove_frees_unheld(void)
{
    DcdFixture fx;
    TmGuid tag = test_guid(TAG_A);
    TmDcTagInfo info;

    setup(&fx);
    g_assert_cmpint(tm_dcd_add_tag_reference(fx.dev, &tag, NULL), ==, TM_DC_OK);
    g_assert_cmpint(release_tag(&fx, 0, 0, true, false, TAG_A, NULL), ==, TM_DC_OK);
    g_assert_true(tm_dcd_has_allocations(fx.dev));
    g_assert_cmpint(tm_dcd_remove_tag_reference(fx.dev, &tag, NULL), ==, TM_DC_OK);
    g_assert_false(tm_dcd_has_allocations(fx.dev));
    g_assert_true(tm_dcd_find_tag(fx.dev, &tag, &info));
    g_assert_null(info.backend);
    g_assert_false(info.referenced);
    g_assert_cmpuint(tm_dcd_limits(fx.dev, 0).available_tags, ==, TM_DCD_DEFAULT_MAX_TAGS);
    fixture_clear(&fx);
}

/* A polite release answered by the host, then a rejected shared offer: still kept. */
static void test_polite_release_and_rejection(void)
{
    DcdFixture fx;
    TmGuid tag = test_guid(TAG_A);

    setup(&fx);
    g_assert_cmpint(tm_dcd_add_tag_reference(fx.dev, &tag, NULL), ==, TM_DC_OK);
    g_assert_cmpint(release_tag(&fx, 0, 0, false, false, TAG_A, NULL), ==, TM_DC_OK);
    TmExtent all = EXT(0, 4 * MiB);
    g_assert_cmpint(tm_dcd_host_release(fx.dev, 0, &all, 1, NULL), ==, TM_DC_OK);
    g_assert_true(tm_dcd_has_allocations(fx.dev));

    g_assert_cmpint(add_by_length(&fx, 1, TM_DC_SELECT_ENABLE_SHARED_ACCESS, 0, TAG_A, 0, NULL),
                    ==, TM_DC_OK);
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 1, 0, NULL, 0, false, NULL), ==, TM_DC_OK);
    g_assert_true(tm_dcd_has_allocations(fx.dev));
    g_assert_cmpint(tm_dcd_remove_tag_reference(fx.dev, &tag, NULL), ==, TM_DC_OK);
    g_assert_false(tm_dcd_has_allocations(fx.dev));
    fixture_clear(&fx);
}

static void test_refusals(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmGuid tag = test_guid(TAG_A);
    TmGuid unknown = test_guid(TAG_B);
    TmGuid null_guid = { { 0 } };

    setup(&fx);
    uint32_t generation = tm_dcd_tag_generation(fx.dev);
    g_assert_cmpint(tm_dcd_add_tag_reference(fx.dev, &unknown, &err), ==, TM_DC_INVALID_INPUT);
    assert_error_contains(err, "tag bbbbbbbb-0000-4000-8000-00000000000b has no allocation on "
                               "device 'dcd0'");
    g_clear_error(&err);
    g_assert_cmpint(tm_dcd_add_tag_reference(fx.dev, &null_guid, &err), ==,
                    TM_DC_INVALID_INPUT);
    assert_error_contains(err, "null GUID");
    g_clear_error(&err);
    g_assert_cmpint(tm_dcd_remove_tag_reference(fx.dev, &tag, &err), ==, TM_DC_INVALID_INPUT);
    assert_error_contains(err, "has no reference to remove");
    g_clear_error(&err);
    g_assert_cmpint(tm_dcd_remove_tag_reference(fx.dev, &unknown, &err), ==,
                    TM_DC_INVALID_INPUT);
    g_clear_error(&err);
    g_assert_cmpuint(tm_dcd_tag_generation(fx.dev), ==, generation);

    /* A released tag has no allocation to reference. */
    g_assert_cmpint(release_tag(&fx, 0, 0, true, false, TAG_A, NULL), ==, TM_DC_OK);
    g_assert_cmpint(tm_dcd_add_tag_reference(fx.dev, &tag, &err), ==, TM_DC_INVALID_INPUT);
    fixture_clear(&fx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/references/data-outlives-every-release",
                    test_data_outlives_every_release);
    g_test_add_func("/device/references/remove-frees-unheld", test_remove_frees_unheld);
    g_test_add_func("/device/references/polite-release-and-rejection",
                    test_polite_release_and_rejection);
    g_test_add_func("/device/references/refusals", test_refusals);
    return g_test_run();
}
