/*
 * Dynamic Capacity commands through the dispatcher: Get DC Configuration
 * (4800h) and Get DC Extent List (4801h) byte for byte, lists cut to the
 * mailbox size, and Add DC Response (4802h) / Release DC (4803h) effects.
 */
#include <string.h>
#include <glib.h>

#include "cci/cxl_opcodes.h"
#include "mailbox_test_util.h"

/* Two 512 MiB regions; region 1 sanitizes on release. */
#define DCD_PROPS "num-dc-regions=2,volatile-dc-memdev=mem0,num-hosts=2," \
                  "dc-region-sanitize-on-release=2"

static void test_get_dc_config(void)
{
    static const uint8_t expected[] = {
        0x02, 0x02, 0, 0, 0, 0, 0, 0,                     /* 2 regions, 2 returned */
        /* region 0 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   /* base 0 */
        0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   /* decode length 2 x 256 MiB */
        0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00,   /* length 512 MiB */
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,   /* block 2 MiB */
        0x00, 0x00, 0x00, 0x00,                           /* DSMAD handle 0 */
        0x00, 0, 0, 0,                                    /* flags */
        /* region 1 */
        0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00,   /* base 512 MiB */
        0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x01, 0x00, 0x00, 0x00,                           /* DSMAD handle 1 */
        0x01, 0, 0, 0,                                    /* sanitize on release */
        /* extents and tags */
        0x00, 0x02, 0x00, 0x00,                           /* 512 supported */
        0xfe, 0x01, 0x00, 0x00,                           /* 510 available: 2 pending */
        0x00, 0x02, 0x00, 0x00,                           /* 512 tags supported */
        0xff, 0x01, 0x00, 0x00,                           /* 511 available */
    };
    static const uint8_t all_regions[] = { 0x08, 0x00 };
    static const uint8_t second_only[] = { 0x01, 0x01 };
    static const uint8_t none[] = { 0x00, 0x01 };
    TmExtent offer[] = { EXT(0x20000000, 2 * MiB), EXT(0x20400000, 2 * MiB) };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    g_assert_cmpint(add_prescriptive(&mf.fx, 0, 1, TEST_TAG, offer, 2, NULL), ==, TM_DC_OK);
    mailbox_expect(&mf, TM_CXL_OP_GET_DC_CONFIG, all_regions, 2, TM_CXL_RC_SUCCESS, expected,
                   sizeof(expected));

    /* From region 1, one asked for: that region, then the same counts. */
    uint8_t second[8 + 40 + 16];
    memcpy(second, expected, 8);
    second[1] = 0x01;
    memcpy(second + 8, expected + 8 + 40, 40 + 16);
    mailbox_expect(&mf, TM_CXL_OP_GET_DC_CONFIG, second_only, 2, TM_CXL_RC_SUCCESS, second,
                   sizeof(second));

    /* None asked for: the header and the counts. */
    uint8_t counts_only[8 + 16];
    memcpy(counts_only, expected, 8);
    counts_only[1] = 0x00;
    memcpy(counts_only + 8, expected + 8 + 80, 16);
    mailbox_expect(&mf, TM_CXL_OP_GET_DC_CONFIG, none, 2, TM_CXL_RC_SUCCESS, counts_only,
                   sizeof(counts_only));

    /* Host 1 has nothing pending: all its extents are available. */
    mf.caller.host_id = 1;
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_DC_CONFIG, all_regions, 2), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(read_le32(mf.buffer + 8 + 80 + 4), ==, 512);
    mailbox_fixture_clear(&mf);
}

/* Eight regions do not fit 256 bytes: five do (8 + 5 * 40 + 16 = 224). */
static void test_get_dc_config_small_mailbox(void)
{
    static const uint8_t from_two[] = { 0x08, 0x02 };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 2 * GiB, "num-dc-regions=8,volatile-dc-memdev=mem0");
    mf.caller.max_payload = 256;
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_DC_CONFIG, from_two, 2), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(mf.response.length, ==, 8 + 5 * 40 + 16);
    g_assert_cmpuint(mf.buffer[0], ==, 8);
    g_assert_cmpuint(mf.buffer[1], ==, 5);
    for (unsigned i = 0; i < 5; i++) {
        const uint8_t *config = mf.buffer + 8 + i * 40;

        g_assert_cmphex(read_le64(config), ==, (uint64_t)(2 + i) * 256 * MiB);
        g_assert_cmpuint(read_le32(config + 32), ==, 2 + i);
    }
    g_assert_cmpuint(read_le32(mf.buffer + 8 + 200), ==, TM_DCD_DEFAULT_MAX_EXTENTS);
    mailbox_fixture_clear(&mf);
}

static void test_get_dc_extent_list(void)
{
    static const uint8_t expected[] = {
        0x02, 0x00, 0x00, 0x00,                           /* 2 returned */
        0x02, 0x00, 0x00, 0x00,                           /* of 2 */
        0x01, 0x00, 0x00, 0x00,                           /* generation 1 */
        0, 0, 0, 0,
        0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00,   /* 512 MiB */
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,   /* 2 MiB */
        TEST_TAG_BYTES,
        0x00, 0x00, 0, 0, 0, 0, 0, 0,                     /* sequence 0 */
        0x00, 0x00, 0x40, 0x20, 0x00, 0x00, 0x00, 0x00,   /* 516 MiB */
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
        TEST_TAG_BYTES,
        0x01, 0x00, 0, 0, 0, 0, 0, 0,                     /* sequence 1 */
    };
    static const uint8_t accept_both[] = {
        0x02, 0x00, 0x00, 0x00, 0x00, 0, 0, 0,
        0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0,
        0x00, 0x00, 0x40, 0x20, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0,
    };
    static const uint8_t all[] = { 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00 };
    static const uint8_t from_one[] = { 0x05, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00 };
    static const uint8_t from_two[] = { 0x05, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00 };
    static const uint8_t empty_after_accept[] = {
        0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0, 0, 0, 0,
    };
    static const uint8_t empty_before[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0,
    };
    TmExtent offer[] = { EXT(0x20000000, 2 * MiB), EXT(0x20400000, 2 * MiB) };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    g_assert_cmpint(add_prescriptive(&mf.fx, 0, 1, TEST_TAG, offer, 2, NULL), ==, TM_DC_OK);
    /* Pending extents are not in the list (QEMU counts them). */
    mailbox_expect(&mf, TM_CXL_OP_GET_DC_EXTENT_LIST, all, sizeof(all), TM_CXL_RC_SUCCESS,
                   empty_before, sizeof(empty_before));
    mailbox_expect(&mf, TM_CXL_OP_ADD_DC_RESPONSE, accept_both, sizeof(accept_both),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    mailbox_expect(&mf, TM_CXL_OP_GET_DC_EXTENT_LIST, all, sizeof(all), TM_CXL_RC_SUCCESS,
                   expected, sizeof(expected));

    uint8_t second[16 + 40];
    memcpy(second, expected, 16);
    second[0] = 0x01;
    memcpy(second + 16, expected + 16 + 40, 40);
    mailbox_expect(&mf, TM_CXL_OP_GET_DC_EXTENT_LIST, from_one, sizeof(from_one),
                   TM_CXL_RC_SUCCESS, second, sizeof(second));
    /* Start == total: nothing, but the total and generation. */
    mailbox_expect(&mf, TM_CXL_OP_GET_DC_EXTENT_LIST, from_two, sizeof(from_two),
                   TM_CXL_RC_SUCCESS, empty_after_accept, sizeof(empty_after_accept));
    mailbox_fixture_clear(&mf);
}

/* Accept @n extents of 2 MiB, 4 MiB apart from DPA 0, through 4802h. */
static void accept_spaced(MailboxFixture *mf, guint n)
{
    g_autofree TmExtent *extents = g_new0(TmExtent, n);

    for (guint i = 0; i < n; i++) {
        extents[i] = (TmExtent)EXT(i * 4 * MiB, 2 * MiB);
    }
    g_assert_cmpint(add_prescriptive(&mf->fx, 0, 0, NULL, extents, n, NULL), ==, TM_DC_OK);
    g_autoptr(GByteArray) accept = updated_extent_payload(extents, n, 0);
    g_assert_cmpint(mailbox_call(mf, TM_CXL_OP_ADD_DC_RESPONSE, accept->data, accept->len), ==,
                    TM_CXL_RC_SUCCESS);
}

/* (256 - 16) / 40 = 6 extents per 256-byte response. */
static void test_get_dc_extent_list_small_mailbox(void)
{
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    accept_spaced(&mf, 10);
    mf.caller.max_payload = 256;
    for (uint32_t start = 0, round = 0; round < 2; round++) {
        uint8_t query[8] = { 0xff, 0xff, 0, 0 };
        guint expected_count = round == 0 ? 6 : 4;

        query[4] = (uint8_t)start;
        g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_DC_EXTENT_LIST, query, 8), ==,
                        TM_CXL_RC_SUCCESS);
        g_assert_cmpuint(mf.response.length, ==, 16 + expected_count * 40);
        g_assert_cmpuint(read_le32(mf.buffer), ==, expected_count);
        g_assert_cmpuint(read_le32(mf.buffer + 4), ==, 10);
        for (guint i = 0; i < expected_count; i++) {
            g_assert_cmphex(read_le64(mf.buffer + 16 + i * 40), ==, (start + i) * 4 * MiB);
        }
        start += expected_count;
    }
    /* Asking for fewer than fit returns just those. */
    static const uint8_t two[] = { 0x02, 0, 0, 0, 0x03, 0, 0, 0 };
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_DC_EXTENT_LIST, two, 8), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(read_le32(mf.buffer), ==, 2);
    g_assert_cmphex(read_le64(mf.buffer + 16), ==, 12 * MiB);
    mailbox_fixture_clear(&mf);
}

/* A partial accept, a partial release: the device model sees what the bytes say. */
static void test_accept_subset_release_part(void)
{
    static const uint8_t accept_second_half[] = {
        0x01, 0x00, 0x00, 0x00, 0x00, 0, 0, 0,
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,   /* 2 MiB */
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,   /* 2 MiB */
        0, 0, 0, 0, 0, 0, 0, 0,
    };
    static const uint8_t release_middle_block[] = {
        0x01, 0x00, 0x00, 0x00, 0x00, 0, 0, 0,
        0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x00,   /* 6 MiB */
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0,
    };
    TmExtent offer[] = { EXT(0, 4 * MiB) };
    TmExtent more_offer[] = { EXT(4 * MiB, 6 * MiB) };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    g_assert_cmpint(add_prescriptive(&mf.fx, 0, 0, NULL, offer, 1, NULL), ==, TM_DC_OK);
    mailbox_expect(&mf, TM_CXL_OP_ADD_DC_RESPONSE, accept_second_half,
                   sizeof(accept_second_half), TM_CXL_RC_SUCCESS, NULL, 0);
    TmExtent accepted[] = { EXT(2 * MiB, 2 * MiB) };
    assert_accepted(&mf.fx, 0, accepted, 1);

    g_assert_cmpint(add_prescriptive(&mf.fx, 0, 0, NULL, more_offer, 1, NULL), ==, TM_DC_OK);
    accept_all(&mf.fx, 0);
    mailbox_expect(&mf, TM_CXL_OP_RELEASE_DC, release_middle_block,
                   sizeof(release_middle_block), TM_CXL_RC_SUCCESS, NULL, 0);
    TmExtent left[] = { EXT(2 * MiB, 2 * MiB), EXT(4 * MiB, 2 * MiB), EXT(8 * MiB, 2 * MiB) };
    assert_accepted(&mf.fx, 0, left, 3);
    g_assert_cmpuint(tm_dcd_host_generation(mf.fx.dev, 0), ==, 3);
    mailbox_fixture_clear(&mf);
}

/* 4802h with More (r3.2): parts are held until the last one commits them. */
static void test_add_response_in_parts(void)
{
    static const uint8_t first_part[] = {
        0x01, 0x00, 0x00, 0x00, 0x01, 0, 0, 0,            /* More */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0,
    };
    static const uint8_t last_part[] = {
        0x01, 0x00, 0x00, 0x00, 0x00, 0, 0, 0,
        0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0,
    };
    TmExtent offer[] = { EXT(0, 2 * MiB), EXT(4 * MiB, 2 * MiB) };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    g_assert_cmpint(add_prescriptive(&mf.fx, 0, 0, NULL, offer, 2, NULL), ==, TM_DC_OK);
    mailbox_expect(&mf, TM_CXL_OP_ADD_DC_RESPONSE, first_part, sizeof(first_part),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    g_assert_cmpuint(tm_dcd_host_accepted_count(mf.fx.dev, 0), ==, 0);
    g_assert_cmpuint(tm_dcd_host_pending_group_count(mf.fx.dev, 0), ==, 1);
    mailbox_expect(&mf, TM_CXL_OP_ADD_DC_RESPONSE, last_part, sizeof(last_part),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    assert_accepted(&mf.fx, 0, offer, 2);
    g_assert_cmpuint(tm_dcd_host_pending_group_count(mf.fx.dev, 0), ==, 0);
    mailbox_fixture_clear(&mf);
}

static void test_device_without_dc(void)
{
    static const uint16_t dc_opcodes[] = {
        TM_CXL_OP_GET_DC_CONFIG, TM_CXL_OP_GET_DC_EXTENT_LIST,
        TM_CXL_OP_ADD_DC_RESPONSE, TM_CXL_OP_RELEASE_DC,
    };
    static const uint8_t payload[8] = { 0 };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, "num-dc-regions=0");
    for (size_t i = 0; i < G_N_ELEMENTS(dc_opcodes); i++) {
        size_t length = dc_opcodes[i] == TM_CXL_OP_GET_DC_CONFIG ? 2 : 8;

        mailbox_expect(&mf, dc_opcodes[i], payload, length, TM_CXL_RC_UNSUPPORTED, NULL, 0);
        assert_error_contains(mf.err, "has no dynamic capacity regions");
    }
    mailbox_fixture_clear(&mf);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cci/mailbox/dcd/get-dc-config", test_get_dc_config);
    g_test_add_func("/cci/mailbox/dcd/get-dc-config-small-mailbox",
                    test_get_dc_config_small_mailbox);
    g_test_add_func("/cci/mailbox/dcd/get-dc-extent-list", test_get_dc_extent_list);
    g_test_add_func("/cci/mailbox/dcd/get-dc-extent-list-small-mailbox",
                    test_get_dc_extent_list_small_mailbox);
    g_test_add_func("/cci/mailbox/dcd/accept-subset-release-part",
                    test_accept_subset_release_part);
    g_test_add_func("/cci/mailbox/dcd/add-response-in-parts", test_add_response_in_parts);
    g_test_add_func("/cci/mailbox/dcd/device-without-dc", test_device_without_dc);
    return g_test_run();
}
