/*
 * FM-API DCD management (CXL r3.2 §7.6.7.6) through the dispatcher on the
 * FM port, byte for byte: Get DCD Info (5600h), Get Host DC Region
 * Configuration (5601h), Get DC Region Extent Lists (5603h), Initiate
 * Dynamic Capacity Add (5604h) and Release (5605h), and that an FM add is
 * the device's add (the host then sees it in 4801h after 4802h).
 */
#include <string.h>
#include <glib.h>

#include "cci/cxl_opcodes.h"
#include "mailbox_test_util.h"

/* Two 512 MiB regions; region 1 sanitizes on release and is sharable; two hosts. */
#define DCD_PROPS "num-dc-regions=2,volatile-dc-memdev=mem0,num-hosts=2," \
                  "dc-region-sanitize-on-release=2,dc-region-sharable=2"

#define U16(v) (uint8_t)((v) & 0xff), (uint8_t)(((v) >> 8) & 0xff)
#define U32(v) U16((v) & 0xffff), U16(((v) >> 16) & 0xffff)
#define U64(v) U32((uint64_t)(v) & 0xffffffffu), U32((uint64_t)(v) >> 32)
#define NO_TAG 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
/* A 40-byte Dynamic Capacity Extent, untagged, sequence 0. */
#define DC_EXTENT(dpa, len) U64(dpa), U64(len), NO_TAG, 0, 0, 0, 0, 0, 0, 0, 0

static void fm_fixture_init(MailboxFixture *mf)
{
    mailbox_fixture_init(mf, 1 * GiB, DCD_PROPS);
    mf->caller.port = TM_MAILBOX_PORT_FM;
    mf->caller.host_id = 0;
}

/* As a host: answer 4802h with @extents. */
static void host_accepts(MailboxFixture *mf, uint16_t host, const TmExtent *extents, guint n)
{
    TmMailboxCaller fm = mf->caller;
    g_autoptr(GByteArray) accept = updated_extent_payload(extents, n, 0);

    mf->caller.port = TM_MAILBOX_PORT_HOST;
    mf->caller.host_id = host;
    g_assert_cmpint(mailbox_call(mf, TM_CXL_OP_ADD_DC_RESPONSE, accept->data, accept->len), ==,
                    TM_CXL_RC_SUCCESS);
    mf->caller = fm;
}

static void test_get_dcd_info(void)
{
    static const uint8_t expected[84] = {
        0x02, 0x02, 0, 0,               /* 2 hosts, 2 regions */
        0x0f, 0x00, 0, 0,               /* free, contiguous, prescriptive, shared access */
        0x03, 0x00,                     /* tag-based, prescriptive */
        0x03, 0,                        /* both regions: sanitize-on-release settable */
        U64(4),                         /* 1 GiB in 256 MiB units */
        U64(0x1ffff000), U64(0x1ffff000), /* blocks of 4 KiB to 256 MiB */
    };
    MailboxFixture mf;

    fm_fixture_init(&mf);
    mailbox_expect(&mf, TM_CXL_OP_GET_DCD_INFO, NULL, 0, TM_CXL_RC_SUCCESS, expected,
                   sizeof(expected));
    mailbox_fixture_clear(&mf);
}

static void test_get_host_dc_region_config(void)
{
    static const uint8_t request[] = { U16(1), 0x08, 0x00 };
    static const uint8_t expected[] = {
        U16(1), 0x02, 0x02,                                 /* host 1, 2 regions, 2 returned */
        U64(0), U64(2), U64(512 * MiB), U64(2 * MiB),       /* region 0 */
        0x00, 0, 0, 0, 0x00, 0, 0, 0,                       /* not sharable, no sanitize */
        U64(512 * MiB), U64(2), U64(512 * MiB), U64(2 * MiB), /* region 1 */
        0x08, 0, 0, 0, 0x01, 0, 0, 0,                       /* sharable, sanitize */
        U32(512), U32(511), U32(512), U32(512),             /* host 1: one extent pending */
    };
    static const uint8_t second_only[] = { U16(0), 0x01, 0x01 };
    TmExtent offer[] = { EXT(0, 2 * MiB) };
    MailboxFixture mf;

    fm_fixture_init(&mf);
    g_assert_cmpint(add_prescriptive(&mf.fx, 1, 0, NULL, offer, 1, NULL), ==, TM_DC_OK);
    mailbox_expect(&mf, TM_CXL_OP_GET_HOST_DC_REGION_CONFIG, request, sizeof(request),
                   TM_CXL_RC_SUCCESS, expected, sizeof(expected));

    /* Host 0, region 1 only: the counts follow the one region returned. */
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_HOST_DC_REGION_CONFIG, second_only, 4), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(mf.response.length, ==, 4 + 40 + 16);
    g_assert_cmphex(read_le64(mf.buffer + 4), ==, 512 * MiB);
    g_assert_cmpuint(read_le32(mf.buffer + 4 + 40 + 4), ==, 512);
    mailbox_fixture_clear(&mf);
}

/* 5604h prescriptive: the host sees the offer, accepts it, 5603h lists it. */
static void test_initiate_add_then_list(void)
{
    static const uint8_t add[] = {
        U16(1), 0x02, 0x01,                 /* host 1, prescriptive, region 1 */
        U64(0),                             /* length: not used */
        TEST_TAG_BYTES,
        U32(2),
        DC_EXTENT(0x20000000, 2 * MiB),
        DC_EXTENT(0x20400000, 2 * MiB),
    };
    static const uint8_t list_all[] = { U16(1), 0, 0, U32(0xffffffff), U32(0) };
    static const uint8_t expected[] = {
        U16(1), 0, 0, U32(0), U32(2), U32(2), U32(1), 0, 0, 0, 0,
        U64(0x20000000), U64(2 * MiB), TEST_TAG_BYTES, U16(0), 0, 0, 0, 0, 0, 0,
        U64(0x20400000), U64(2 * MiB), TEST_TAG_BYTES, U16(1), 0, 0, 0, 0, 0, 0,
    };
    static const uint8_t from_one[] = { U16(1), 0, 0, U32(1), U32(1) };
    TmExtent accepted[] = { EXT(0x20000000, 2 * MiB), EXT(0x20400000, 2 * MiB) };
    MailboxFixture mf;

    fm_fixture_init(&mf);
    mailbox_expect(&mf, TM_CXL_OP_INITIATE_DC_ADD, add, sizeof(add), TM_CXL_RC_SUCCESS, NULL, 0);
    g_assert_cmpuint(tm_dcd_host_pending_extent_count(mf.fx.dev, 1), ==, 2);
    g_assert_cmpuint(tm_dcd_host_pending_extent_count(mf.fx.dev, 0), ==, 0);
    host_accepts(&mf, 1, accepted, 2);
    mailbox_expect(&mf, TM_CXL_OP_GET_DC_REGION_EXTENT_LISTS, list_all, sizeof(list_all),
                   TM_CXL_RC_SUCCESS, expected, sizeof(expected));

    /* Paged: from index 1, one asked for. */
    uint8_t second[24 + 40];
    memcpy(second, expected, 24);
    second[4] = 1;   /* start index */
    second[8] = 1;   /* returned */
    memcpy(second + 24, expected + 24 + 40, 40);
    mailbox_expect(&mf, TM_CXL_OP_GET_DC_REGION_EXTENT_LISTS, from_one, sizeof(from_one),
                   TM_CXL_RC_SUCCESS, second, sizeof(second));
    mailbox_fixture_clear(&mf);
}

/* A 256-byte mailbox holds (256 - 24) / 40 = 5 extents per 5603h answer. */
static void test_extent_lists_small_mailbox(void)
{
    TmExtent extents[8];
    MailboxFixture mf;

    fm_fixture_init(&mf);
    for (guint i = 0; i < 8; i++) {
        extents[i] = (TmExtent)EXT(i * 4 * MiB, 2 * MiB);
    }
    add_and_accept(&mf.fx, 0, 0, NULL, extents, 8);
    mf.caller.max_payload = 256;
    static const uint8_t all[] = { U16(0), 0, 0, U32(100), U32(0) };
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_DC_REGION_EXTENT_LISTS, all, 12), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(read_le32(mf.buffer + 8), ==, 5);
    g_assert_cmpuint(read_le32(mf.buffer + 12), ==, 8);
    g_assert_cmpuint(mf.response.length, ==, 24 + 5 * 40);
    g_assert_cmphex(read_le64(mf.buffer + 24 + 4 * 40), ==, 16 * MiB);
    mailbox_fixture_clear(&mf);
}

/* 5604h free: the device picks the DPAs; the length is the request's. */
static void test_initiate_add_free(void)
{
    static const uint8_t add[] = {
        U16(0), 0x00, 0x00, U64(6 * MiB), NO_TAG, U32(0),
    };
    MailboxFixture mf;

    fm_fixture_init(&mf);
    mailbox_expect(&mf, TM_CXL_OP_INITIATE_DC_ADD, add, sizeof(add), TM_CXL_RC_SUCCESS, NULL, 0);
    TmDcPendingGroupInfo group = tm_dcd_host_pending_group(mf.fx.dev, 0, 0);
    uint64_t total = 0;
    for (guint i = 0; i < group.n_extents; i++) {
        total += group.extents[i].extent.length;
    }
    g_assert_cmphex(total, ==, 6 * MiB);
    g_assert_cmpint(group.policy, ==, TM_DC_SELECT_FREE);
    mailbox_fixture_clear(&mf);
}

/* 5605h prescriptive and tag-based, forced and sanitizing, as the device's release. */
static void test_initiate_release(void)
{
    static const uint8_t release_first[] = {
        U16(0), 0x01 | 0x10, 0x00,          /* prescriptive, forced */
        U64(0), NO_TAG, U32(1), DC_EXTENT(0x20000000, 2 * MiB),
    };
    static const uint8_t release_tag[] = {
        U16(0), 0x00, 0x00,                 /* tag-based, polite */
        U64(0), TEST_TAG_BYTES, U32(0),
    };
    TmExtent offer[] = { EXT(0x20000000, 2 * MiB), EXT(0x20400000, 2 * MiB) };
    MailboxFixture mf;

    fm_fixture_init(&mf);
    add_and_accept(&mf.fx, 0, 1, TEST_TAG, offer, 2);
    mailbox_expect(&mf, TM_CXL_OP_INITIATE_DC_RELEASE, release_first, sizeof(release_first),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    /* Forced: gone at once. */
    g_assert_cmpuint(tm_dcd_host_accepted_count(mf.fx.dev, 0), ==, 1);
    mailbox_expect(&mf, TM_CXL_OP_INITIATE_DC_RELEASE, release_tag, sizeof(release_tag),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    /* Polite: asked for, the host still holds it until its 4803h. */
    g_assert_cmpuint(tm_dcd_host_accepted_count(mf.fx.dev, 0), ==, 1);
    g_assert_true(tm_dcd_host_release_pending(mf.fx.dev, 0, 0x20400000, 2 * MiB));
    mailbox_fixture_clear(&mf);
}

/* 5602h: an idle region takes a new block size and flag; every host is told. */
static void test_set_dc_region_config(void)
{
    static const uint8_t set_region1[] = { 0x01, 0, 0, 0, U64(4 * MiB), 0x00, 0, 0, 0 };
    static const uint8_t get_region1[] = { U16(1), 0x01, 0x01 };
    static const uint8_t dc_log = 4;
    MailboxFixture mf;

    fm_fixture_init(&mf);
    mailbox_expect(&mf, TM_CXL_OP_SET_DC_REGION_CONFIG, set_region1, sizeof(set_region1),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_HOST_DC_REGION_CONFIG, get_region1, 4), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmphex(read_le64(mf.buffer + 4 + 24), ==, 4 * MiB);    /* block size */
    g_assert_cmpuint(mf.buffer[4 + 36], ==, 0);                      /* no sanitize now */

    /* Each host reads one Region Configuration Updated record naming region 1. */
    for (uint16_t host = 0; host < 2; host++) {
        mf.caller.port = TM_MAILBOX_PORT_HOST;
        mf.caller.host_id = host;
        g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_EVENT_RECORDS, &dc_log, 1), ==,
                        TM_CXL_RC_SUCCESS);
        g_assert_cmpuint(read_le16(mf.buffer + 20), ==, 1);
        g_assert_cmphex(mf.buffer[32 + 48], ==, 0x03);
        g_assert_cmpuint(mf.buffer[32 + 52], ==, 1);
    }
    mf.caller.port = TM_MAILBOX_PORT_FM;

    /* The new blocks are what extents are counted in: a 2 MiB extent is now unaligned. */
    TmExtent two_mib[] = { EXT(512 * MiB, 2 * MiB) };
    TmExtent four_mib[] = { EXT(512 * MiB, 4 * MiB) };
    g_assert_cmpint(add_prescriptive(&mf.fx, 0, 1, NULL, two_mib, 1, NULL), ==,
                    TM_DC_INVALID_EXTENT_LIST);
    add_and_accept(&mf.fx, 0, 1, NULL, four_mib, 1);

    /* Busy now: refused, nothing changes. */
    static const uint8_t back_to_2m[] = { 0x01, 0, 0, 0, U64(2 * MiB), 0x01, 0, 0, 0 };
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_SET_DC_REGION_CONFIG, back_to_2m, 16), ==,
                    TM_CXL_RC_UNSUPPORTED);
    g_assert_nonnull(strstr(mf.err->message, "region 1 holds or is offering capacity"));
    g_assert_cmpuint(tm_dcd_region(mf.fx.dev, 1)->block_size, ==, 4 * MiB);
    mailbox_fixture_clear(&mf);
}

/* 5606h-5608h: the tag list shows holders, pending hosts and the reference. */
static void test_tag_references(void)
{
    static const uint8_t tag[] = { TEST_TAG_BYTES };
    static const uint8_t list_all[] = { U32(0), U32(16) };
    static const uint8_t expected_header[] = { U32(0), U32(1), U32(1), 0x03, 0, 0, 0 };
    TmExtent offer[] = { EXT(512 * MiB, 2 * MiB) };
    MailboxFixture mf;

    fm_fixture_init(&mf);
    add_and_accept(&mf.fx, 0, 1, TEST_TAG, offer, 1);
    g_assert_cmpint(add_by_length(&mf.fx, 1, TM_DC_SELECT_ENABLE_SHARED_ACCESS, 1, TEST_TAG, 0,
                                  NULL), ==, TM_DC_OK);

    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_DC_LIST_TAGS, list_all, 8), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(mf.response.length, ==, 16 + 84);
    uint32_t generation = read_le32(mf.buffer);
    g_assert_cmpmem(mf.buffer + 4, 12, expected_header + 4, 12);
    g_assert_cmpmem(mf.buffer + 16, 16, tag, 16);
    g_assert_cmpuint(mf.buffer[16 + 16], ==, 0x00);         /* no reference */
    g_assert_cmpuint(mf.buffer[16 + 20], ==, 0x01);         /* host 0 holds it */
    g_assert_cmpuint(mf.buffer[16 + 52], ==, 0x02);         /* pending for host 1 */
    for (int i = 1; i < 32; i++) {
        g_assert_cmpuint(mf.buffer[16 + 20 + i], ==, 0);
        g_assert_cmpuint(mf.buffer[16 + 52 + i], ==, 0);
    }

    mailbox_expect(&mf, TM_CXL_OP_DC_ADD_REFERENCE, tag, 16, TM_CXL_RC_SUCCESS, NULL, 0);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_DC_LIST_TAGS, list_all, 8), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(mf.buffer[16 + 16], ==, 0x01);
    g_assert_cmpuint(read_le32(mf.buffer), !=, generation);

    /* Host 0 lets go (forced): the tag stays listed, held by the reference alone. */
    g_assert_cmpint(release_tag(&mf.fx, 0, 1, true, false, TEST_TAG, NULL), ==, TM_DC_OK);
    g_assert_cmpint(tm_dcd_host_add_response(mf.fx.dev, 1, 0, NULL, 0, false, NULL), ==, TM_DC_OK);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_DC_LIST_TAGS, list_all, 8), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(read_le32(mf.buffer + 4), ==, 1);
    g_assert_cmpuint(mf.buffer[16 + 20], ==, 0x00);
    g_assert_cmpuint(mf.buffer[16 + 52], ==, 0x00);

    /* The reference goes: so does the tag. */
    mailbox_expect(&mf, TM_CXL_OP_DC_REMOVE_REFERENCE, tag, 16, TM_CXL_RC_SUCCESS, NULL, 0);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_DC_LIST_TAGS, list_all, 8), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(read_le32(mf.buffer + 4), ==, 0);
    g_assert_cmpuint(mf.response.length, ==, 16);
    g_assert_false(tm_dcd_has_allocations(mf.fx.dev));
    mailbox_fixture_clear(&mf);
}

/* Three tags at a 256-byte mailbox: (256 - 16) / 84 = 2 per answer. */
static void test_list_tags_paged(void)
{
    MailboxFixture mf;

    fm_fixture_init(&mf);
    fixture_backend(&mf.fx, "t1", 2 * MiB, "11111111-0000-4000-8000-000000000001");
    fixture_backend(&mf.fx, "t2", 2 * MiB, "22222222-0000-4000-8000-000000000002");
    g_assert_cmpint(add_by_length(&mf.fx, 0, TM_DC_SELECT_FREE, 0, TEST_TAG, 2 * MiB, NULL), ==,
                    TM_DC_OK);
    g_assert_cmpint(add_by_length(&mf.fx, 0, TM_DC_SELECT_FREE, 0,
                                  "11111111-0000-4000-8000-000000000001", 2 * MiB, NULL), ==,
                    TM_DC_OK);
    g_assert_cmpint(add_by_length(&mf.fx, 1, TM_DC_SELECT_FREE, 0,
                                  "22222222-0000-4000-8000-000000000002", 2 * MiB, NULL), ==,
                    TM_DC_OK);
    mf.caller.max_payload = 256;
    static const uint8_t first[] = { U32(0), U32(100) };
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_DC_LIST_TAGS, first, 8), ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(read_le32(mf.buffer + 4), ==, 3);
    g_assert_cmpuint(read_le32(mf.buffer + 8), ==, 2);
    static const uint8_t rest[] = { U32(2), U32(100) };
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_DC_LIST_TAGS, rest, 8), ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(read_le32(mf.buffer + 8), ==, 1);
    g_assert_cmphex(mf.buffer[16], ==, 0x22);
    g_assert_cmpuint(mf.buffer[16 + 52], ==, 0x02);          /* pending for host 1 */
    mailbox_fixture_clear(&mf);
}

typedef struct {
    const char *name;
    uint16_t opcode;
    uint8_t payload[96];
    size_t length;
    TmCxlReturnCode rc;
    const char *fragment;
} BadFmRow;

#define IPL TM_CXL_RC_INVALID_PAYLOAD_LENGTH

static const BadFmRow bad_rows[] = {
    { "5600h with a payload", TM_CXL_OP_GET_DCD_INFO, { 0 }, 1, IPL, "takes no payload" },
    { "5601h with 3 bytes", TM_CXL_OP_GET_HOST_DC_REGION_CONFIG, { 0, 0, 8 }, 3, IPL,
      "takes a 4-byte payload" },
    { "5601h for host 2 of 2", TM_CXL_OP_GET_HOST_DC_REGION_CONFIG, { U16(2), 8, 0 }, 4,
      TM_CXL_RC_INVALID_INPUT, "host-id 2 is out of range" },
    { "5601h from region 2", TM_CXL_OP_GET_HOST_DC_REGION_CONFIG, { U16(0), 8, 2 }, 4,
      TM_CXL_RC_INVALID_INPUT, "starting region 2" },
    { "5602h with 15 bytes", TM_CXL_OP_SET_DC_REGION_CONFIG, { 0 }, 15, IPL,
      "takes a 16-byte payload" },
    { "5602h region 2", TM_CXL_OP_SET_DC_REGION_CONFIG, { 2, 0, 0, 0, U64(2 * MiB) }, 16,
      TM_CXL_RC_INVALID_INPUT, "region id is too large" },
    { "5602h block 3 MiB", TM_CXL_OP_SET_DC_REGION_CONFIG, { 0, 0, 0, 0, U64(3 * MiB) }, 16,
      TM_CXL_RC_INVALID_INPUT, "block size 0x300000 is not a power of two" },
    { "5602h block 512 MiB", TM_CXL_OP_SET_DC_REGION_CONFIG, { 0, 0, 0, 0, U64(512 * MiB) },
      16, TM_CXL_RC_INVALID_INPUT, "block size 0x20000000" },
    { "5602h block 2 KiB", TM_CXL_OP_SET_DC_REGION_CONFIG, { 0, 0, 0, 0, U64(2048) }, 16,
      TM_CXL_RC_INVALID_INPUT, "block size 0x800" },
    { "5602h reserved sanitize bits", TM_CXL_OP_SET_DC_REGION_CONFIG,
      { 0, 0, 0, 0, U64(2 * MiB), 0x02 }, 16, TM_CXL_RC_INVALID_INPUT,
      "sanitize on release 02h" },
    { "5603h with 13 bytes", TM_CXL_OP_GET_DC_REGION_EXTENT_LISTS,
      { U16(0), 0, 0, U32(1), U32(0), 0 }, 13, IPL, "takes a 12-byte payload" },
    { "5603h for host 9", TM_CXL_OP_GET_DC_REGION_EXTENT_LISTS,
      { U16(9), 0, 0, U32(1), U32(0) }, 12, TM_CXL_RC_INVALID_INPUT, "host-id 9" },
    { "5603h from index 1 of 0", TM_CXL_OP_GET_DC_REGION_EXTENT_LISTS,
      { U16(0), 0, 0, U32(1), U32(1) }, 12, TM_CXL_RC_INVALID_INPUT,
      "starting extent index 1" },
    { "5604h shorter than its header", TM_CXL_OP_INITIATE_DC_ADD, { U16(0), 2, 0 }, 4, IPL,
      "shorter than its 32-byte header" },
    { "5604h count 1 without the extent", TM_CXL_OP_INITIATE_DC_ADD,
      { U16(0), 2, 0, U64(0), NO_TAG, U32(1) }, 32, IPL, "count of 1" },
    { "5604h policy 4", TM_CXL_OP_INITIATE_DC_ADD, { U16(0), 4, 0, U64(0), NO_TAG, U32(0) },
      32, TM_CXL_RC_INVALID_INPUT, "selection policy 4" },
    { "5604h host 2", TM_CXL_OP_INITIATE_DC_ADD,
      { U16(2), 2, 0, U64(0), NO_TAG, U32(1), DC_EXTENT(0, 2 * MiB) }, 72,
      TM_CXL_RC_INVALID_INPUT, "host-id 2" },
    { "5604h region 2", TM_CXL_OP_INITIATE_DC_ADD,
      { U16(0), 2, 2, U64(0), NO_TAG, U32(1), DC_EXTENT(0, 2 * MiB) }, 72,
      TM_CXL_RC_INVALID_INPUT, "region id is too large" },
    { "5604h length 0 extent", TM_CXL_OP_INITIATE_DC_ADD,
      { U16(0), 2, 0, U64(0), NO_TAG, U32(1), DC_EXTENT(0, 0) }, 72,
      TM_CXL_RC_INVALID_EXTENT_LIST, "extent with 0 length" },
    { "5604h unaligned extent", TM_CXL_OP_INITIATE_DC_ADD,
      { U16(0), 2, 0, U64(0), NO_TAG, U32(1), DC_EXTENT(4096, 2 * MiB) }, 72,
      TM_CXL_RC_INVALID_EXTENT_LIST, "not aligned" },
    { "5604h free of 1 GiB in a 512 MiB region", TM_CXL_OP_INITIATE_DC_ADD,
      { U16(0), 0, 0, U64(1 * GiB), NO_TAG, U32(0) }, 32, TM_CXL_RC_RESOURCES_EXHAUSTED, "not enough free capacity in region 0" },
    { "5604h shared access to a tag never allocated", TM_CXL_OP_INITIATE_DC_ADD,
      { U16(1), 3, 1, U64(0), TEST_TAG_BYTES, U32(0) }, 32, TM_CXL_RC_INVALID_INPUT,
      "has no capacity in region 1" },
    { "5605h policy 2", TM_CXL_OP_INITIATE_DC_RELEASE, { U16(0), 0x02, 0, U64(0), NO_TAG, U32(0) },
      32, TM_CXL_RC_INVALID_INPUT, "removal policy 2" },
    { "5605h reserved flag bit 6", TM_CXL_OP_INITIATE_DC_RELEASE,
      { U16(0), 0x41, 0, U64(0), NO_TAG, U32(0) }, 32, TM_CXL_RC_INVALID_INPUT, "flags 41h: reserved bits 40h" },
    { "5605h capacity not held", TM_CXL_OP_INITIATE_DC_RELEASE,
      { U16(0), 0x01, 0, U64(0), NO_TAG, U32(1), DC_EXTENT(0, 2 * MiB) }, 72,
      TM_CXL_RC_INVALID_EXTENT_LIST, "non-existing DPA range" },
    { "5605h extent in no region", TM_CXL_OP_INITIATE_DC_RELEASE,
      { U16(0), 0x01, 0, U64(0), NO_TAG, U32(1), DC_EXTENT(2 * GiB, 2 * MiB) }, 72,
      TM_CXL_RC_INVALID_PHYSICAL_ADDRESS, "in no DC region" },
    { "5605h tag-based of a tag never allocated", TM_CXL_OP_INITIATE_DC_RELEASE,
      { U16(0), 0x00, 0, U64(0), TEST_TAG_BYTES, U32(0) }, 32, TM_CXL_RC_INVALID_EXTENT_LIST,
      "has no capacity committed to host 0" },
    { "5606h with 15 bytes", TM_CXL_OP_DC_ADD_REFERENCE, { TEST_TAG_BYTES }, 15, IPL,
      "takes a 16-byte payload" },
    { "5606h of a tag never allocated", TM_CXL_OP_DC_ADD_REFERENCE, { TEST_TAG_BYTES }, 16,
      TM_CXL_RC_INVALID_INPUT, "has no allocation on device 'dcd0'" },
    { "5606h of the null tag", TM_CXL_OP_DC_ADD_REFERENCE, { NO_TAG }, 16,
      TM_CXL_RC_INVALID_INPUT, "null GUID" },
    { "5607h of a tag never allocated", TM_CXL_OP_DC_REMOVE_REFERENCE, { TEST_TAG_BYTES }, 16,
      TM_CXL_RC_INVALID_INPUT, "has no allocation" },
    { "5608h with 9 bytes", TM_CXL_OP_DC_LIST_TAGS, { U32(0), U32(1), 0 }, 9, IPL,
      "takes a 8-byte payload" },
    { "5608h from index 1 of 0", TM_CXL_OP_DC_LIST_TAGS, { U32(1), U32(1) }, 8,
      TM_CXL_RC_INVALID_INPUT, "starting tag index 1 is beyond the 0 tags" },
    { "4800h on the FM port", TM_CXL_OP_GET_DC_CONFIG, { 8, 0 }, 2, TM_CXL_RC_UNSUPPORTED,
      "not available on the FM port" },
};

/* Every bad request: its return code, a message naming the field, and no change at all. */
static void test_bad_requests(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(bad_rows); i++) {
        const BadFmRow *row = &bad_rows[i];
        MailboxFixture mf;

        fm_fixture_init(&mf);
        g_test_message("%s", row->name);
        g_assert_cmpint(mailbox_call(&mf, row->opcode, row->payload, row->length), ==, row->rc);
        g_assert_nonnull(mf.err);
        g_test_message("-> %s", mf.err->message);
        g_assert_nonnull(strstr(mf.err->message, row->fragment));
        g_assert_cmpuint(mf.response.length, ==, 0);
        for (uint16_t host = 0; host < 2; host++) {
            g_assert_cmpuint(tm_dcd_host_pending_extent_count(mf.fx.dev, host), ==, 0);
            g_assert_cmpuint(tm_dcd_host_accepted_count(mf.fx.dev, host), ==, 0);
        }
        mailbox_fixture_clear(&mf);
    }
}

/*
 * C100h Withdraw Dynamic Capacity (docs/fm-api.md): by request number, by
 * tag or all of a host's; what matches nothing, reserved flag bits and an
 * unknown host are Invalid Input and withdraw nothing.
 */
static void test_withdraw(void)
{
    static const uint8_t add_host0[] = {
        U16(0), 0x02, 0x00, U64(0), NO_TAG, U32(2),
        DC_EXTENT(0, 2 * MiB), DC_EXTENT(4 * MiB, 2 * MiB),
    };
    static const uint8_t add_host1[] = {
        U16(1), 0x02, 0x01, U64(0), TEST_TAG_BYTES, U32(1), DC_EXTENT(0x20000000, 2 * MiB),
    };
    static const uint8_t request2_of_host0[] = { U16(0), 0x00, 0, 0, 0, 0, 0, U64(2), NO_TAG };
    static const uint8_t tag_of_host1[] = { U16(1), 0x01, 0, 0, 0, 0, 0, U64(0), TEST_TAG_BYTES };
    static const uint8_t all_of_host0[] = { U16(0), 0x00, 0, 0, 0, 0, 0, U64(0), NO_TAG };
    static const uint8_t reserved_flag[] = { U16(0), 0x02, 0, 0, 0, 0, 0, U64(0), NO_TAG };
    static const uint8_t unknown_host[] = { U16(5), 0x00, 0, 0, 0, 0, 0, U64(0), NO_TAG };
    MailboxFixture mf;

    fm_fixture_init(&mf);
    mailbox_expect(&mf, TM_CXL_OP_INITIATE_DC_ADD, add_host0, sizeof(add_host0),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    mailbox_expect(&mf, TM_CXL_OP_INITIATE_DC_ADD, add_host1, sizeof(add_host1),
                   TM_CXL_RC_SUCCESS, NULL, 0);

    const struct {
        const uint8_t *payload;
        gsize length;
        const char *fragment;
    } refused[] = {
        { request2_of_host0, sizeof(request2_of_host0), "add request 2 is not pending for host 0" },
        { reserved_flag, sizeof(reserved_flag), "reserved bits 02h" },
        { unknown_host, sizeof(unknown_host), "host" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(refused); i++) {
        g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_WITHDRAW_DC, refused[i].payload,
                                     refused[i].length), ==, TM_CXL_RC_INVALID_INPUT);
        g_assert_nonnull(strstr(mf.err->message, refused[i].fragment));
        g_assert_cmpuint(tm_dcd_host_pending_extent_count(mf.fx.dev, 0), ==, 2);
        g_assert_cmpuint(tm_dcd_host_pending_extent_count(mf.fx.dev, 1), ==, 1);
    }
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_WITHDRAW_DC, all_of_host0, 31), ==,
                    TM_CXL_RC_INVALID_PAYLOAD_LENGTH);

    mailbox_expect(&mf, TM_CXL_OP_WITHDRAW_DC, tag_of_host1, sizeof(tag_of_host1),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    g_assert_cmpuint(tm_dcd_host_pending_extent_count(mf.fx.dev, 1), ==, 0);
    g_assert_cmpuint(tm_dcd_host_pending_extent_count(mf.fx.dev, 0), ==, 2);
    mailbox_expect(&mf, TM_CXL_OP_WITHDRAW_DC, all_of_host0, sizeof(all_of_host0),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    g_assert_cmpuint(tm_dcd_host_pending_extent_count(mf.fx.dev, 0), ==, 0);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_WITHDRAW_DC, all_of_host0, sizeof(all_of_host0)),
                    ==, TM_CXL_RC_INVALID_INPUT);
    g_assert_nonnull(strstr(mf.err->message, "no add request is pending for host 0"));

    /* A host may not withdraw anything. */
    mf.caller.port = TM_MAILBOX_PORT_HOST;
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_WITHDRAW_DC, all_of_host0, sizeof(all_of_host0)),
                    ==, TM_CXL_RC_UNSUPPORTED);
    mailbox_fixture_clear(&mf);
}

/* FM-API commands are the FM's: a host port gets Unsupported and nothing changes. */
static void test_host_port_refused(void)
{
    static const uint8_t add[] = { U16(0), 0x00, 0x00, U64(2 * MiB), NO_TAG, U32(0) };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_INITIATE_DC_ADD, add, sizeof(add)), ==,
                    TM_CXL_RC_UNSUPPORTED);
    g_assert_cmpuint(tm_dcd_host_pending_extent_count(mf.fx.dev, 0), ==, 0);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_DCD_INFO, NULL, 0), ==,
                    TM_CXL_RC_UNSUPPORTED);
    mailbox_fixture_clear(&mf);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cci/fm-dcd/get-dcd-info", test_get_dcd_info);
    g_test_add_func("/cci/fm-dcd/get-host-dc-region-config", test_get_host_dc_region_config);
    g_test_add_func("/cci/fm-dcd/initiate-add-then-list", test_initiate_add_then_list);
    g_test_add_func("/cci/fm-dcd/extent-lists-small-mailbox", test_extent_lists_small_mailbox);
    g_test_add_func("/cci/fm-dcd/initiate-add-free", test_initiate_add_free);
    g_test_add_func("/cci/fm-dcd/initiate-release", test_initiate_release);
    g_test_add_func("/cci/fm-dcd/set-dc-region-config", test_set_dc_region_config);
    g_test_add_func("/cci/fm-dcd/tag-references", test_tag_references);
    g_test_add_func("/cci/fm-dcd/list-tags-paged", test_list_tags_paged);
    g_test_add_func("/cci/fm-dcd/bad-requests", test_bad_requests);
    g_test_add_func("/cci/fm-dcd/host-port-refused", test_host_port_refused);
    g_test_add_func("/cci/fm-dcd/withdraw", test_withdraw);
    return g_test_run();
}
