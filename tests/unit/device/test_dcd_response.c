/* Add Dynamic Capacity Response (4802h): subsets, rejection, QEMU's checks, More. */
#include <glib.h>

#include "dcd_test_util.h"

/* Region 0 is 256 MiB, two hosts; host 0 is offered [0,8M) and [16M,20M). */
static void setup_offer(DcdFixture *fx, const char *extra_props)
{
    TmExtent offer[] = { EXT(0, 8 * MiB), EXT(16 * MiB, 4 * MiB) };
    g_autofree char *props = g_strdup_printf("num-dc-regions=1,volatile-dc-memdev=mem0,"
                                             "num-hosts=2%s", extra_props);

    fixture_init(fx, NULL);
    fixture_backend(fx, "mem0", 256 * MiB, NULL);
    fixture_device(fx, props);
    forget_notices(fx);
    g_assert_cmpint(add_prescriptive(fx, 0, 0, NULL, offer, 2, NULL), ==, TM_DC_OK);
}

static void record(TmDcd *dev, const TmDcdNotice *notice, gpointer opaque)
{
    GArray *kinds = opaque;
    g_array_append_val(kinds, notice->kind);
}

static void test_accept_subset(void)
{
    DcdFixture fx;
    g_autoptr(GArray) kinds = g_array_new(FALSE, FALSE, sizeof(TmDcdNoticeKind));
    TmExtent accept[] = { EXT(16 * MiB, 4 * MiB), EXT(2 * MiB, 2 * MiB) };
    g_autoptr(GError) err = NULL;

    setup_offer(&fx, "");
    tm_dcd_add_observer(fx.dev, record, kinds);
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, accept, 2, false, &err), ==, TM_DC_OK);
    g_assert_no_error(err);

    TmExtent expected[] = { EXT(2 * MiB, 2 * MiB), EXT(16 * MiB, 4 * MiB) };
    assert_accepted(&fx, 0, expected, 2);
    g_assert_cmpuint(tm_dcd_host_generation(fx.dev, 0), ==, 1);
    g_assert_cmpuint(tm_dcd_host_pending_group_count(fx.dev, 0), ==, 0);
    g_assert_cmpuint(tm_dcd_host_pending_extent_count(fx.dev, 0), ==, 0);
    g_assert_cmpuint(tm_dcd_limits(fx.dev, 0).available_extents, ==,
                     TM_DCD_DEFAULT_MAX_EXTENTS - 2);
    g_assert_true(tm_dcd_host_find_accepted(fx.dev, 0, 3 * MiB) ==
                  tm_dcd_host_accepted(fx.dev, 0, 0));
    g_assert_null(tm_dcd_host_find_accepted(fx.dev, 0, 4 * MiB));
    g_assert_cmphex(tm_dcd_host_accepted(fx.dev, 0, 0)->backend_offset, ==, 2 * MiB);

    /* Committed, then the parts left out: [0,2M) and [4M,8M). */
    g_assert_cmpuint(kinds->len, ==, 2);
    g_assert_cmpint(g_array_index(kinds, TmDcdNoticeKind, 0), ==, TM_DCD_NOTICE_COMMITTED);
    g_assert_cmpint(g_array_index(kinds, TmDcdNoticeKind, 1), ==, TM_DCD_NOTICE_REJECTED);
    /* After the offer's two notices (records queued, offered). */
    const RecordedNotice *rejected = &g_array_index(fx.notices, RecordedNotice, 3);
    g_assert_cmpint(rejected->kind, ==, TM_DCD_NOTICE_REJECTED);
    g_assert_cmpuint(rejected->extents->len, ==, 2);
    g_assert_cmphex(g_array_index(rejected->extents, TmBackedExtent, 1).extent.dpa, ==, 4 * MiB);

    /* What the host left out is free again, for any host. */
    TmExtent left_out = EXT(4 * MiB, 4 * MiB);
    guint observer = tm_dcd_add_observer(fx.dev, record, kinds);
    g_assert_cmpint(add_prescriptive(&fx, 1, 0, NULL, &left_out, 1, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    /* Both observers saw the records queued and the offer; a removed one hears nothing more. */
    g_assert_cmpuint(kinds->len, ==, 6);
    tm_dcd_remove_observer(fx.dev, observer);
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 1, 0, NULL, 0, false, NULL), ==, TM_DC_OK);
    g_assert_cmpuint(kinds->len, ==, 7);
    fixture_clear(&fx);
}

static void test_reject_all(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;

    setup_offer(&fx, "");
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, NULL, 0, false, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    g_assert_cmpuint(tm_dcd_host_accepted_count(fx.dev, 0), ==, 0);
    g_assert_cmpuint(tm_dcd_host_pending_group_count(fx.dev, 0), ==, 0);
    g_assert_cmpuint(tm_dcd_host_generation(fx.dev, 0), ==, 0);
    g_assert_false(tm_dcd_has_allocations(fx.dev));
    g_assert_cmpuint(count_notices(&fx, TM_DCD_NOTICE_REJECTED), ==, 1);
    g_assert_cmpuint(count_notices(&fx, TM_DCD_NOTICE_COMMITTED), ==, 0);

    /* Again: nothing is pending now (QEMU would crash here). */
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, NULL, 0, false, &err), ==,
                    TM_DC_INVALID_INPUT);
    assert_error_contains(err, "no add request is pending for host 0");
    fixture_clear(&fx);
}

typedef struct {
    const char *name;
    TmExtent extents[4];
    guint n_extents;
    TmDcStatus status;
    const char *message;
} ResponseCase;

static void test_response_checks(void)
{
    static const ResponseCase cases[] = {
        { "never offered", { EXT(8 * MiB, 2 * MiB) }, 1, TM_DC_INVALID_PHYSICAL_ADDRESS,
          "extent 0x800000+0x200000 is not inside an extent of the pending add request" },
        { "across two offered extents", { EXT(6 * MiB, 12 * MiB) }, 1,
          TM_DC_INVALID_PHYSICAL_ADDRESS, "is not inside an extent of the pending add request" },
        { "zero length", { EXT(0, 0) }, 1, TM_DC_INVALID_EXTENT_LIST, "extent 0x0 has length 0" },
        { "outside every region", { EXT(256 * MiB, 2 * MiB) }, 1, TM_DC_INVALID_PHYSICAL_ADDRESS,
          "extent 0x10000000+0x200000 is not inside one DC region" },
        { "misaligned", { EXT(0, 2 * MiB), EXT(3 * MiB, 2 * MiB) }, 2, TM_DC_INVALID_EXTENT_LIST,
          "extent 0x300000+0x200000 is not aligned to the block size 0x200000 of region 0" },
        { "overlapping each other", { EXT(0, 4 * MiB), EXT(2 * MiB, 2 * MiB) }, 2,
          TM_DC_INVALID_EXTENT_LIST, "extent 0x200000+0x200000 overlaps another extent" },
        { "malformed before unoffered", { EXT(8 * MiB, 2 * MiB), EXT(0, 0) }, 2,
          TM_DC_INVALID_EXTENT_LIST, "has length 0" },
    };
    DcdFixture fx;

    setup_offer(&fx, "");
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const ResponseCase *c = &cases[i];
        g_autoptr(GError) err = NULL;

        g_test_message("case: %s", c->name);
        g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, c->extents, c->n_extents, false,
                                                 &err), ==, c->status);
        assert_error_contains(err, c->message);
        g_assert_cmpuint(tm_dcd_host_pending_group_count(fx.dev, 0), ==, 1);
        g_assert_cmpuint(tm_dcd_host_accepted_count(fx.dev, 0), ==, 0);
    }
    /* Host 1 has nothing pending; host 2 does not exist. */
    g_autoptr(GError) err = NULL;
    TmExtent any = EXT(0, 2 * MiB);
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 1, 0, &any, 1, false, &err), ==,
                    TM_DC_INVALID_INPUT);
    assert_error_contains(err, "no add request is pending for host 1");
    g_clear_error(&err);
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 2, 0, &any, 1, false, &err), ==,
                    TM_DC_INVALID_INPUT);
    assert_error_contains(err, "host-id 2 is out of range");
    fixture_clear(&fx);
}

static void test_twice_for_same_group(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmExtent accept = EXT(0, 8 * MiB);
    TmExtent second_offer = EXT(32 * MiB, 2 * MiB);

    setup_offer(&fx, "");
    g_assert_cmpint(add_prescriptive(&fx, 0, 0, NULL, &second_offer, 1, NULL), ==, TM_DC_OK);
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, &accept, 1, false, NULL), ==, TM_DC_OK);
    /* The same answer now meets the next group, which did not offer it. */
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, &accept, 1, false, &err), ==,
                    TM_DC_INVALID_PHYSICAL_ADDRESS);
    assert_error_contains(err, "is not inside an extent of the pending add request");
    g_clear_error(&err);
    accept_all(&fx, 0);
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, &accept, 1, false, &err), ==,
                    TM_DC_INVALID_INPUT);
    assert_error_contains(err, "no add request is pending for host 0");
    g_assert_cmpuint(tm_dcd_host_generation(fx.dev, 0), ==, 2);
    TmExtent expected[] = { EXT(0, 8 * MiB), EXT(32 * MiB, 2 * MiB) };
    assert_accepted(&fx, 0, expected, 2);
    fixture_clear(&fx);
}

static void test_extent_limit(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmExtent five[] = { EXT(0, 2 * MiB), EXT(2 * MiB, 2 * MiB), EXT(4 * MiB, 2 * MiB),
                        EXT(6 * MiB, 2 * MiB), EXT(16 * MiB, 2 * MiB) };

    setup_offer(&fx, ",dc-max-extents=4");
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, five, 5, false, &err), ==,
                    TM_DC_RESOURCES_EXHAUSTED);
    assert_error_contains(err, "accepting 5 more extents would give host 0 5 extents, more "
                               "than dc-max-extents 4");
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, five, 4, false, NULL), ==, TM_DC_OK);
    g_assert_cmpuint(tm_dcd_host_accepted_count(fx.dev, 0), ==, 4);
    fixture_clear(&fx);
}

static void test_more_accumulates(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmExtent part1 = EXT(0, 2 * MiB);
    TmExtent part2 = EXT(16 * MiB, 2 * MiB);

    setup_offer(&fx, "");
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, &part1, 1, true, &err), ==, TM_DC_OK);
    /* Held, not committed. */
    g_assert_cmpuint(tm_dcd_host_accepted_count(fx.dev, 0), ==, 0);
    g_assert_cmpuint(tm_dcd_host_pending_group_count(fx.dev, 0), ==, 1);
    g_assert_cmpuint(tm_dcd_host_generation(fx.dev, 0), ==, 0);
    g_assert_cmpuint(count_notices(&fx, TM_DCD_NOTICE_COMMITTED), ==, 0);

    /* A later part may not repeat an earlier one; the held part survives. */
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, &part1, 1, false, &err), ==,
                    TM_DC_INVALID_EXTENT_LIST);
    assert_error_contains(err, "overlaps another extent");
    g_clear_error(&err);
    /* An empty part with More continues the response. */
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, NULL, 0, true, &err), ==, TM_DC_OK);
    g_assert_cmpuint(tm_dcd_host_pending_group_count(fx.dev, 0), ==, 1);

    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, &part2, 1, false, &err), ==, TM_DC_OK);
    TmExtent expected[] = { part1, part2 };
    assert_accepted(&fx, 0, expected, 2);
    g_assert_cmpuint(tm_dcd_host_generation(fx.dev, 0), ==, 1);
    g_assert_cmpuint(tm_dcd_host_pending_group_count(fx.dev, 0), ==, 0);
    fixture_clear(&fx);
}

static void test_empty_last_part_commits_held_parts(void)
{
    DcdFixture fx;
    TmExtent part1 = EXT(4 * MiB, 4 * MiB);

    setup_offer(&fx, "");
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, &part1, 1, true, NULL), ==, TM_DC_OK);
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, NULL, 0, false, NULL), ==, TM_DC_OK);
    assert_accepted(&fx, 0, &part1, 1);
    g_assert_cmpuint(count_notices(&fx, TM_DCD_NOTICE_REJECTED), ==, 1);
    fixture_clear(&fx);
}

/*
 * Parts are one connection's: connection 1 dies after a part; connection
 * 2's empty answer rejects the whole offer instead of committing 1's part,
 * and a part 2 gets wrong leaves 1's parts where they were.
 */
static void test_parts_belong_to_a_connection(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;
    TmExtent part1 = EXT(0, 2 * MiB);
    TmExtent outside = EXT(64 * MiB, 2 * MiB);

    setup_offer(&fx, "");
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 1, &part1, 1, true, &err), ==, TM_DC_OK);
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 2, &outside, 1, false, &err), ==,
                    TM_DC_INVALID_PHYSICAL_ADDRESS);
    g_clear_error(&err);
    /* Connection 1 goes on: its part was kept. */
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 1, NULL, 0, false, &err), ==, TM_DC_OK);
    assert_accepted(&fx, 0, &part1, 1);
    fixture_clear(&fx);

    setup_offer(&fx, "");
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 1, &part1, 1, true, &err), ==, TM_DC_OK);
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 2, NULL, 0, false, &err), ==, TM_DC_OK);
    g_assert_cmpuint(tm_dcd_host_accepted_count(fx.dev, 0), ==, 0);
    g_assert_cmpuint(tm_dcd_host_pending_group_count(fx.dev, 0), ==, 0);
    g_assert_cmpuint(count_notices(&fx, TM_DCD_NOTICE_REJECTED), ==, 1);
    fixture_clear(&fx);
}

/* A connection that goes away leaves nothing held: the next answer starts afresh. */
static void test_connection_gone_drops_parts(void)
{
    DcdFixture fx;
    TmExtent part1 = EXT(0, 2 * MiB);
    TmExtent part2 = EXT(16 * MiB, 2 * MiB);

    setup_offer(&fx, "");
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 7, &part1, 1, true, NULL), ==, TM_DC_OK);
    tm_dcd_host_connection_gone(fx.dev, 0, 8);  /* another connection: nothing changes */
    tm_dcd_host_connection_gone(fx.dev, 1, 7);  /* another host: nothing changes */
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 7, &part2, 1, true, NULL), ==, TM_DC_OK);
    tm_dcd_host_connection_gone(fx.dev, 0, 7);
    /* Connection 7's number, reused: its parts are gone; only this one commits. */
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 7, &part2, 1, false, NULL), ==, TM_DC_OK);
    assert_accepted(&fx, 0, &part2, 1);
    fixture_clear(&fx);
}

/*
 * The by-DPA index of the oldest request, made when its answer starts,
 * goes with that request: a request withdrawn in the middle of a chained
 * answer leaves no index behind for the next request to be checked
 * against.  The request keeps its extents in the order offered.
 */
static void test_answer_index_follows_oldest(void)
{
    DcdFixture fx;
    TmExtent second[] = { EXT(44 * MiB, 2 * MiB), EXT(40 * MiB, 2 * MiB) };
    TmExtent part[] = { EXT(16 * MiB, 2 * MiB) };
    TmDcPendingGroupInfo front;
    g_autoptr(GError) err = NULL;

    setup_offer(&fx, "");
    g_assert_cmpint(add_prescriptive(&fx, 0, 0, NULL, second, 2, NULL), ==, TM_DC_OK);
    g_assert_true(tm_dcd_host_front_group(fx.dev, 0, &front));
    g_assert_cmpuint(front.n_extents, ==, 2);
    g_assert_cmphex(front.extents[0].extent.dpa, ==, 0);
    g_assert_cmphex(front.extents[1].extent.dpa, ==, 16 * MiB);

    /* Half an answer to the first request, which is then withdrawn. */
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, part, 1, true, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    g_assert_cmpint(tm_dcd_withdraw_offers(fx.dev, 0, front.id, NULL, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    g_assert_cmpuint(tm_dcd_host_pending_extent_count(fx.dev, 0), ==, 2);
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, NULL, 0, false, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    g_assert_true(tm_dcd_host_front_group(fx.dev, 0, &front));
    g_assert_cmphex(front.extents[0].extent.dpa, ==, 44 * MiB);
    g_assert_cmphex(front.extents[1].extent.dpa, ==, 40 * MiB);

    /* The second request is checked against its own extents. */
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, part, 1, false, &err), ==,
                    TM_DC_INVALID_PHYSICAL_ADDRESS);
    g_clear_error(&err);
    g_assert_cmpint(tm_dcd_host_add_response(fx.dev, 0, 0, second, 2, false, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    TmExtent by_dpa[] = { EXT(40 * MiB, 2 * MiB), EXT(44 * MiB, 2 * MiB) };
    assert_accepted(&fx, 0, by_dpa, 2);
    g_assert_cmpuint(tm_dcd_host_pending_extent_count(fx.dev, 0), ==, 0);
    g_assert_false(tm_dcd_host_front_group(fx.dev, 0, &front));
    fixture_clear(&fx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/dcd_response/accept_subset", test_accept_subset);
    g_test_add_func("/device/dcd_response/answer_index_follows_oldest",
                    test_answer_index_follows_oldest);
    g_test_add_func("/device/dcd_response/reject_all", test_reject_all);
    g_test_add_func("/device/dcd_response/checks", test_response_checks);
    g_test_add_func("/device/dcd_response/twice", test_twice_for_same_group);
    g_test_add_func("/device/dcd_response/extent_limit", test_extent_limit);
    g_test_add_func("/device/dcd_response/more_accumulates", test_more_accumulates);
    g_test_add_func("/device/dcd_response/empty_last_part", test_empty_last_part_commits_held_parts);
    g_test_add_func("/device/dcd_response/parts_belong_to_a_connection",
                    test_parts_belong_to_a_connection);
    g_test_add_func("/device/dcd_response/connection_gone_drops_parts",
                    test_connection_gone_drops_parts);
    return g_test_run();
}
