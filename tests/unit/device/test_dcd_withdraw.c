/*
 * Withdrawing offers a host has not answered: by request (all of a host's,
 * one request, one tag) and by dc-offer-timeout; the capacity is free at
 * once, and the host's late answer ends the withdrawn group without
 * touching the next one.
 */
#include <string.h>
#include <glib.h>

#include "dcd_test_util.h"

#define TAG_A "aaaaaaaa-0000-4000-8000-00000000000a"
#define TAG_B "bbbbbbbb-0000-4000-8000-00000000000b"

/* Two hosts, no static memdev; host 0 is offered tag A (2 extents), then tag B (1). */
static void setup_offers(DcdFixture *fx, const char *extra_props)
{
    g_autoptr(GError) err = NULL;
    TmExtent a[] = { EXT(0, 2 * MiB), EXT(4 * MiB, 2 * MiB) };
    TmExtent b[] = { EXT(8 * MiB, 2 * MiB) };
    g_autofree char *props = g_strdup_printf("num-dc-regions=2,dc-regions-total-size=512M,"
                                             "num-hosts=2%s", extra_props);

    fixture_init(fx, props);
    fixture_backend(fx, "mem-a", 4 * MiB, TAG_A);
    fixture_backend(fx, "mem-b", 2 * MiB, TAG_B);
    g_assert_cmpint(add_prescriptive(fx, 0, 0, TAG_A, a, 2, &err), ==, TM_DC_OK);
    g_assert_cmpint(add_prescriptive(fx, 0, 0, TAG_B, b, 1, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    forget_notices(fx);
}

static void test_withdraw_by_tag(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmGuid tag_a = test_guid(TAG_A);
    TmExtent b[] = { EXT(8 * MiB, 2 * MiB) };

    setup_offers(&fx, "");
    g_assert_cmpint(tm_dcd_withdraw_offers(fx.dev, 0, 0, &tag_a, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    g_assert_cmpuint(count_notices(&fx, TM_DCD_NOTICE_WITHDRAWN), ==, 1);
    g_assert_cmpuint(tm_dcd_host_pending_group_count(fx.dev, 0), ==, 1);
    g_assert_cmpuint(tm_dcd_host_pending_extent_count(fx.dev, 0), ==, 1);
    g_assert_cmpint(tm_dcd_host_pending_group(fx.dev, 0, 0).n_extents, ==, 1);
    g_assert_cmpint(tm_dcd_tag_state(fx.dev, &tag_a, 0), !=, TM_DC_TAG_PENDING);

    /* Free at once: the same ranges and tag go to host 1, the backend can be deleted. */
    TmExtent a[] = { EXT(0, 2 * MiB), EXT(4 * MiB, 2 * MiB) };
    g_assert_cmpint(add_prescriptive(&fx, 1, 0, TAG_A, a, 2, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    g_assert_cmpint(tm_dcd_withdraw_offers(fx.dev, 1, 0, NULL, &err), ==, TM_DC_OK);
    g_assert_true(tm_backend_registry_delete(fx.backends, "mem-a", &err));
    g_assert_no_error(err);

    /* Host 0's late answer naming tag A's extents is refused and changes nothing... */
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, a, 2, false, &err), ==,
                    TM_DC_INVALID_PHYSICAL_ADDRESS);
    g_assert_nonnull(strstr(err->message, "was withdrawn"));
    g_clear_error(&err);
    /* ...its empty answer ends the withdrawn group, and tag B's offer is still there. */
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, NULL, 0, false, &err), ==, TM_DC_OK);
    g_assert_cmpuint(tm_dcd_host_pending_group_count(fx.dev, 0), ==, 1);
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, b, 1, false, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    assert_accepted(&fx, 0, b, 1);
    fixture_clear(&fx);
}

static void test_withdraw_selectors_and_errors(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmGuid tag_a = test_guid(TAG_A);

    setup_offers(&fx, "");
    uint64_t second = tm_dcd_host_pending_group(fx.dev, 0, 1).id;

    g_assert_cmpint(tm_dcd_withdraw_offers(fx.dev, 1, 0, NULL, &err), ==, TM_DC_INVALID_INPUT);
    g_assert_cmpstr(err->message, ==, "no add request is pending for host 1 of device 'dcd0'");
    g_clear_error(&err);
    g_assert_cmpint(tm_dcd_withdraw_offers(fx.dev, 1, 0, &tag_a, &err), ==,
                    TM_DC_INVALID_INPUT);
    g_assert_cmpstr(err->message, ==, "no add request with tag " TAG_A " is pending for host 1 "
                                      "of device 'dcd0'");
    g_clear_error(&err);
    g_assert_cmpint(tm_dcd_withdraw_offers(fx.dev, 0, second + 7, NULL, &err), ==,
                    TM_DC_INVALID_INPUT);
    g_clear_error(&err);
    g_assert_cmpint(tm_dcd_withdraw_offers(fx.dev, 2, 0, NULL, &err), ==, TM_DC_INVALID_INPUT);
    g_clear_error(&err);
    /* Id and tag that do not name the same request: nothing changes. */
    g_assert_cmpint(tm_dcd_withdraw_offers(fx.dev, 0, second, &tag_a, &err), ==,
                    TM_DC_INVALID_INPUT);
    g_clear_error(&err);
    g_assert_cmpuint(tm_dcd_host_pending_group_count(fx.dev, 0), ==, 2);
    g_assert_cmpuint(count_notices(&fx, TM_DCD_NOTICE_WITHDRAWN), ==, 0);

    g_assert_cmpint(tm_dcd_withdraw_offers(fx.dev, 0, second, NULL, &err), ==, TM_DC_OK);
    g_assert_cmpuint(tm_dcd_host_pending_group_count(fx.dev, 0), ==, 1);
    /* Withdrawn already: not pending any more. */
    g_assert_cmpint(tm_dcd_withdraw_offers(fx.dev, 0, second, NULL, &err), ==,
                    TM_DC_INVALID_INPUT);
    g_clear_error(&err);
    g_assert_cmpint(tm_dcd_withdraw_offers(fx.dev, 0, 0, NULL, &err), ==, TM_DC_OK);
    g_assert_cmpuint(tm_dcd_host_pending_group_count(fx.dev, 0), ==, 0);
    g_assert_cmpuint(tm_dcd_limits(fx.dev, 0).available_extents, ==,
                     tm_dcd_limits(fx.dev, 0).supported_extents);
    fixture_clear(&fx);
}

/* A response held in parts (More) when its group is withdrawn: the parts answer nothing. */
static void test_withdraw_mid_chain(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmExtent first = EXT(0, 2 * MiB);
    TmExtent second = EXT(4 * MiB, 2 * MiB);

    setup_offers(&fx, "");
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, &first, 1, true, &err), ==, TM_DC_OK);
    g_assert_cmpint(tm_dcd_withdraw_offers(fx.dev, 0, tm_dcd_host_pending_group(fx.dev, 0, 0).id,
                                           NULL, &err), ==, TM_DC_OK);
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, &second, 1, false, &err), ==,
                    TM_DC_INVALID_PHYSICAL_ADDRESS);
    g_clear_error(&err);
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, NULL, 0, false, &err), ==, TM_DC_OK);
    g_assert_cmpuint(tm_dcd_host_accepted_count(fx.dev, 0), ==, 0);
    g_assert_cmpuint(tm_dcd_host_pending_group_count(fx.dev, 0), ==, 1);
    fixture_clear(&fx);
}

static void test_offer_timeout(void)
{
    DcdFixture fx;
    int64_t now = g_get_monotonic_time();

    setup_offers(&fx, ",dc-offer-timeout=30");
    g_assert_cmpuint(tm_dcd_offer_timeout(fx.dev), ==, 30);
    g_assert_cmpuint(tm_dcd_withdraw_expired(fx.dev, now + 29 * G_USEC_PER_SEC, NULL), ==, 0);
    g_assert_cmpuint(tm_dcd_host_pending_group_count(fx.dev, 0), ==, 2);
    g_autoptr(GArray) withdrawn = g_array_new(FALSE, FALSE, sizeof(TmDcWithdrawnOffer));
    g_assert_cmpuint(tm_dcd_withdraw_expired(fx.dev, now + 31 * G_USEC_PER_SEC, withdrawn), ==,
                     2);
    g_assert_cmpuint(tm_dcd_host_pending_group_count(fx.dev, 0), ==, 0);
    /* Each one named, so that a state journal can record it (docs/durable-state.md). */
    g_assert_cmpuint(withdrawn->len, ==, 2);
    g_assert_cmpuint(g_array_index(withdrawn, TmDcWithdrawnOffer, 0).host_id, ==, 0);
    g_assert_cmpuint(g_array_index(withdrawn, TmDcWithdrawnOffer, 0).group_id, <,
                     g_array_index(withdrawn, TmDcWithdrawnOffer, 1).group_id);
    g_assert_cmpuint(count_notices(&fx, TM_DCD_NOTICE_WITHDRAWN), ==, 2);
    g_assert_cmpuint(tm_dcd_withdraw_expired(fx.dev, now + 99 * G_USEC_PER_SEC, NULL), ==, 0);
    fixture_clear(&fx);

    /* Without the property offers never expire. */
    setup_offers(&fx, "");
    g_assert_cmpuint(tm_dcd_withdraw_expired(fx.dev, G_MAXINT64 / 2, NULL), ==, 0);
    fixture_clear(&fx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/dcd_withdraw/by_tag", test_withdraw_by_tag);
    g_test_add_func("/device/dcd_withdraw/selectors", test_withdraw_selectors_and_errors);
    g_test_add_func("/device/dcd_withdraw/mid_chain", test_withdraw_mid_chain);
    g_test_add_func("/device/dcd_withdraw/timeout", test_offer_timeout);
    return g_test_run();
}
