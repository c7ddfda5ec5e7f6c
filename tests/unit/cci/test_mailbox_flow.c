/*
 * A whole add / accept / release cycle of one host, every step but the
 * add request through the dispatcher with literal bytes.
 */
#include <string.h>
#include <glib.h>

#include "cci/cxl_opcodes.h"
#include "mailbox_test_util.h"

#define DCD_PROPS "num-dc-regions=2,volatile-dc-memdev=mem0,num-hosts=2"

static const uint8_t dc_log[] = { 0x04 };
static const uint8_t whole_list[] = { 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };

static void get_records(MailboxFixture *mf, uint16_t expected_count)
{
    g_assert_cmpint(mailbox_call(mf, TM_CXL_OP_GET_EVENT_RECORDS, dc_log, 1), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(read_le16(mf->buffer + 20), ==, expected_count);
    g_assert_cmpuint(mf->buffer[0], ==, 0x00);  /* no overflow, nothing more */
}

static void expect_list(MailboxFixture *mf, uint32_t count, uint32_t generation)
{
    g_assert_cmpint(mailbox_call(mf, TM_CXL_OP_GET_DC_EXTENT_LIST, whole_list,
                                 sizeof(whole_list)), ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(read_le32(mf->buffer), ==, count);
    g_assert_cmpuint(read_le32(mf->buffer + 4), ==, count);
    g_assert_cmpuint(read_le32(mf->buffer + 8), ==, generation);
}

static void test_add_accept_release(void)
{
    static const uint8_t clear_both[] = { 0x04, 0x00, 0x02, 0, 0, 0, 0x01, 0x00, 0x02, 0x00 };
    static const uint8_t accept_both[] = {
        0x02, 0x00, 0x00, 0x00, 0x00, 0, 0, 0,
        0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00,   /* 512 MiB + 2 MiB */
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0,
        0x00, 0x00, 0x40, 0x20, 0x00, 0x00, 0x00, 0x00,   /* 516 MiB + 2 MiB */
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0,
    };
    static const uint8_t release_first[] = {
        0x01, 0x00, 0x00, 0x00, 0x00, 0, 0, 0,
        0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0,
    };
    static const uint8_t release_second[] = {
        0x01, 0x00, 0x00, 0x00, 0x00, 0, 0, 0,
        0x00, 0x00, 0x40, 0x20, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0,
    };
    static const uint8_t tag[] = { TEST_TAG_BYTES };
    TmExtent offer[] = { EXT(0x20000000, 2 * MiB), EXT(0x20400000, 2 * MiB) };
    g_autoptr(GError) err = NULL;
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    g_assert_cmpint(add_prescriptive(&mf.fx, 0, 1, TEST_TAG, offer, 2, &err), ==, TM_DC_OK);

    /* The host reads the two Add Capacity records and clears them. */
    get_records(&mf, 2);
    g_assert_cmpuint(mf.buffer[32 + 48], ==, TM_DC_EVENT_ADD_CAPACITY);
    g_assert_cmpuint(read_le16(mf.buffer + 32 + 20), ==, 1);
    g_assert_cmpuint(read_le16(mf.buffer + 32 + 128 + 20), ==, 2);
    mailbox_expect(&mf, TM_CXL_OP_CLEAR_EVENT_RECORDS, clear_both, sizeof(clear_both),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    get_records(&mf, 0);

    /* It accepts both; the list shows them with their tag. */
    expect_list(&mf, 0, 0);
    mailbox_expect(&mf, TM_CXL_OP_ADD_DC_RESPONSE, accept_both, sizeof(accept_both),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    expect_list(&mf, 2, 1);
    g_assert_cmpmem(mf.buffer + 16 + 16, 16, tag, 16);
    g_assert_cmpmem(mf.buffer + 16 + 40 + 16, 16, tag, 16);
    g_assert_cmpint(tm_dcd_tag_state(mf.fx.dev, &(TmGuid){ { TEST_TAG_BYTES } }, 0), ==,
                    TM_DC_TAG_COMMITTED);
    /* Another host's list is its own. */
    mf.caller.host_id = 1;
    expect_list(&mf, 0, 0);
    mf.caller.host_id = 0;

    /* It gives the extents back one 4803h each; the generation follows. */
    mailbox_expect(&mf, TM_CXL_OP_RELEASE_DC, release_first, sizeof(release_first),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    expect_list(&mf, 1, 2);
    g_assert_cmphex(read_le64(mf.buffer + 16), ==, 0x20400000);
    mailbox_expect(&mf, TM_CXL_OP_RELEASE_DC, release_second, sizeof(release_second),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    expect_list(&mf, 0, 3);
    g_assert_cmpint(tm_dcd_tag_state(mf.fx.dev, &(TmGuid){ { TEST_TAG_BYTES } }, 0), ==,
                    TM_DC_TAG_RELEASED);
    g_assert_false(tm_dcd_has_allocations(mf.fx.dev));
    g_assert_cmpuint(tm_dcd_limits(mf.fx.dev, 0).available_extents, ==,
                     TM_DCD_DEFAULT_MAX_EXTENTS);
    mailbox_fixture_clear(&mf);
}

/* Rejecting everything: an empty 4802h drops the group and frees the capacity. */
static void test_reject_all(void)
{
    static const uint8_t reject[] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0, 0, 0 };
    TmExtent offer[] = { EXT(0, 2 * MiB) };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    g_assert_cmpint(add_prescriptive(&mf.fx, 0, 0, NULL, offer, 1, NULL), ==, TM_DC_OK);
    mailbox_expect(&mf, TM_CXL_OP_ADD_DC_RESPONSE, reject, sizeof(reject), TM_CXL_RC_SUCCESS,
                   NULL, 0);
    expect_list(&mf, 0, 0);
    g_assert_cmpuint(tm_dcd_host_pending_group_count(mf.fx.dev, 0), ==, 0);
    g_assert_false(tm_dcd_has_allocations(mf.fx.dev));
    /* Nothing is pending any more: the same answer is now Invalid Input. */
    mailbox_expect(&mf, TM_CXL_OP_ADD_DC_RESPONSE, reject, sizeof(reject),
                   TM_CXL_RC_INVALID_INPUT, NULL, 0);
    mailbox_fixture_clear(&mf);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cci/mailbox/flow/add-accept-release", test_add_accept_release);
    g_test_add_func("/cci/mailbox/flow/reject-all", test_reject_all);
    return g_test_run();
}
