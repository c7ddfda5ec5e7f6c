/*
 * The table's answers: unknown opcodes, wrong port kinds, wrong lengths
 * for every command, and the commands' own refusals -- one row per case.
 * Every refusal leaves the device as it was.
 */
#include <string.h>
#include <glib.h>

#include "cci/return_code_mapping.h"
#include "cci/cxl_opcodes.h"
#include "mailbox_test_util.h"

#define DCD_PROPS "num-dc-regions=2,volatile-dc-memdev=mem0,num-hosts=2"

/* Little-endian bytes of a 32- and a 64-bit value, for the rows below. */
#define U32(x) (uint8_t)(x), (uint8_t)((x) >> 8), (uint8_t)((x) >> 16), (uint8_t)((x) >> 24)
#define U64(x) U32((uint64_t)(x) & 0xffffffffu), U32((uint64_t)(x) >> 32)
/* An Updated Extent entry of 4802h/4803h. */
#define ENTRY(dpa, len) U64(dpa), U64(len), U64(0)

typedef enum {
    STATE_EMPTY,    /* nothing offered */
    STATE_PENDING,  /* host 0 offered [0, 4M) in region 0: DC record handle 1 */
    STATE_ACCEPTED, /* host 0 accepted [0, 4M), nothing pending */
} RowState;

typedef struct {
    const char *name;
    RowState state;
    TmMailboxPortKind port;
    uint32_t max_payload;   /* 0: the default 1 MiB */
    uint16_t opcode;
    uint8_t payload[288];
    size_t length;
    TmCxlReturnCode rc;
    const char *fragment;
} BadRow;

#define HOST TM_MAILBOX_PORT_HOST
#define FM TM_MAILBOX_PORT_FM
#define IPL TM_CXL_RC_INVALID_PAYLOAD_LENGTH

static const BadRow rows[] = {
    /* Unknown commands and the wrong port: Unsupported. */
    { "Background Operation Abort 0005h", STATE_EMPTY, HOST, 0, 0x0005, { 0 }, 0,
      TM_CXL_RC_UNSUPPORTED, "command 0005h is not supported" },
    { "one past the DC set 4804h", STATE_EMPTY, HOST, 0, 0x4804, { 0 }, 0,
      TM_CXL_RC_UNSUPPORTED, "command 4804h" },
    { "vendor FF00h", STATE_EMPTY, HOST, 0, 0xFF00, { 1, 2, 3 }, 3,
      TM_CXL_RC_UNSUPPORTED, "command FF00h" },
    { "FM-API Get DCD Info on a host port", STATE_EMPTY, HOST, 0, 0x5600, { 0 }, 0,
      TM_CXL_RC_UNSUPPORTED, "5600h" },
    { "FM-API Initiate DC Add on a host port", STATE_EMPTY, HOST, 0, 0x5604, { 0 }, 32,
      TM_CXL_RC_UNSUPPORTED, "5604h" },
    { "Get Event Records on the FM port", STATE_PENDING, FM, 0, 0x0100, { 0x04 }, 1,
      TM_CXL_RC_UNSUPPORTED, "Get Event Records (0100h) is not available on the FM port" },
    { "Clear Event Records on the FM port", STATE_PENDING, FM, 0, 0x0101,
      { 0x04, 0, 1, 0, 0, 0, 0x01, 0x00 }, 8, TM_CXL_RC_UNSUPPORTED, "FM port" },
    { "Identify Memory Device on the FM port", STATE_EMPTY, FM, 0, 0x4000, { 0 }, 0,
      TM_CXL_RC_UNSUPPORTED, "FM port" },
    { "Get DC Configuration on the FM port", STATE_EMPTY, FM, 0, 0x4800, { 8, 0 }, 2,
      TM_CXL_RC_UNSUPPORTED, "FM port" },
    { "Get DC Extent List on the FM port", STATE_ACCEPTED, FM, 0, 0x4801,
      { U32(8), U32(0) }, 8, TM_CXL_RC_UNSUPPORTED, "FM port" },
    { "Add DC Response on the FM port", STATE_PENDING, FM, 0, 0x4802,
      { U32(1), U32(0), ENTRY(0, 0x400000) }, 32, TM_CXL_RC_UNSUPPORTED, "FM port" },
    { "Release DC on the FM port", STATE_ACCEPTED, FM, 0, 0x4803,
      { U32(1), U32(0), ENTRY(0, 0x400000) }, 32, TM_CXL_RC_UNSUPPORTED, "FM port" },

    /* Identify, Identify Memory Device: no payload. */
    { "Identify with a byte", STATE_EMPTY, HOST, 0, 0x0001, { 0 }, 1, IPL,
      "takes no payload, got 1 bytes" },
    { "Identify Memory Device with 4 bytes", STATE_EMPTY, HOST, 0, 0x4000, { 0 }, 4, IPL,
      "takes no payload" },

    /* Get Event Records: one byte, a log 00h-04h. */
    { "Get Event Records without a log", STATE_PENDING, HOST, 0, 0x0100, { 0 }, 0, IPL,
      "takes a 1-byte payload, got 0 bytes" },
    { "Get Event Records with 2 bytes", STATE_PENDING, HOST, 0, 0x0100, { 4, 0 }, 2, IPL,
      "got 2 bytes" },
    { "Get Event Records of log 05h", STATE_PENDING, HOST, 0, 0x0100, { 0x05 }, 1,
      TM_CXL_RC_INVALID_INPUT, "event log 05h is not defined" },
    { "Get Event Records of log FFh", STATE_PENDING, HOST, 0, 0x0100, { 0xff }, 1,
      TM_CXL_RC_INVALID_INPUT, "event log FFh" },

    /* Clear Event Records: 6 bytes and 2 per handle. */
    { "Clear with 5 bytes", STATE_PENDING, HOST, 0, 0x0101, { 4, 0, 0, 0, 0 }, 5, IPL,
      "shorter than its 6-byte header" },
    { "Clear of 1 handle without it", STATE_PENDING, HOST, 0, 0x0101, { 4, 0, 1, 0, 0, 0 }, 6,
      IPL, "does not match its count of 1 entries (8 bytes)" },
    { "Clear of 1 handle with 2", STATE_PENDING, HOST, 0, 0x0101,
      { 4, 0, 1, 0, 0, 0, 0x01, 0x00, 0x02, 0x00 }, 10, IPL, "count of 1" },
    { "Clear of 0 handles with 1", STATE_PENDING, HOST, 0, 0x0101,
      { 4, 0, 0, 0, 0, 0, 0x01, 0x00 }, 8, IPL, "count of 0" },
    { "Clear with a bad handle", STATE_PENDING, HOST, 0, 0x0101,
      { 4, 0, 1, 0, 0, 0, 0x07, 0x00 }, 8, TM_CXL_RC_INVALID_HANDLE,
      "are not the oldest records" },
    { "Clear of log 05h", STATE_PENDING, HOST, 0, 0x0101, { 5, 0, 1, 0, 0, 0, 0x01, 0x00 }, 8,
      TM_CXL_RC_INVALID_INPUT, "event log 05h" },
    { "Clear All with a handle", STATE_PENDING, HOST, 0, 0x0101,
      { 4, 1, 1, 0, 0, 0, 0x01, 0x00 }, 8, TM_CXL_RC_INVALID_INPUT, "the count must be 0" },
    { "Clear All without overflow", STATE_PENDING, HOST, 0, 0x0101, { 4, 1, 0, 0, 0, 0 }, 6,
      TM_CXL_RC_INVALID_INPUT, "has not overflowed" },

    /* Get DC Configuration: two bytes, a start below the region count. */
    { "Get DC Config with 1 byte", STATE_EMPTY, HOST, 0, 0x4800, { 8 }, 1, IPL,
      "takes a 2-byte payload, got 1 bytes" },
    { "Get DC Config with 3 bytes", STATE_EMPTY, HOST, 0, 0x4800, { 8, 0, 0 }, 3, IPL,
      "got 3 bytes" },
    { "Get DC Config from region 2 of 2", STATE_EMPTY, HOST, 0, 0x4800, { 8, 2 }, 2,
      TM_CXL_RC_INVALID_INPUT, "starting region 2 is beyond the device's 2 regions" },
    { "Get DC Config from region 255", STATE_EMPTY, HOST, 0, 0x4800, { 1, 255 }, 2,
      TM_CXL_RC_INVALID_INPUT, "starting region 255" },

    /* Get DC Extent List: eight bytes, a start up to the total. */
    { "Get DC Extent List with 7 bytes", STATE_ACCEPTED, HOST, 0, 0x4801,
      { U32(8), 0, 0, 0 }, 7, IPL, "takes a 8-byte payload, got 7 bytes" },
    { "Get DC Extent List with 9 bytes", STATE_ACCEPTED, HOST, 0, 0x4801,
      { U32(8), U32(0), 0 }, 9, IPL, "got 9 bytes" },
    { "Get DC Extent List from 1 of 0", STATE_EMPTY, HOST, 0, 0x4801, { U32(8), U32(1) }, 8,
      TM_CXL_RC_INVALID_INPUT, "starting extent index 1 is beyond the 0 accepted extents" },
    { "Get DC Extent List from 2 of 1", STATE_ACCEPTED, HOST, 0, 0x4801,
      { U32(8), U32(2) }, 8, TM_CXL_RC_INVALID_INPUT, "index 2 is beyond the 1 accepted" },
    { "Get DC Extent List of pending extents", STATE_PENDING, HOST, 0, 0x4801,
      { U32(8), U32(1) }, 8, TM_CXL_RC_INVALID_INPUT, "beyond the 0 accepted" },

    /* Add DC Response: 8 bytes and 24 per extent, then QEMU's checks. */
    { "4802h with 7 bytes", STATE_PENDING, HOST, 0, 0x4802, { U32(0), 0, 0, 0 }, 7, IPL,
      "shorter than its 8-byte header" },
    { "4802h of 1 extent without it", STATE_PENDING, HOST, 0, 0x4802, { U32(1), U32(0) }, 8,
      IPL, "count of 1 entries (32 bytes)" },
    { "4802h of 1 extent with 2", STATE_PENDING, HOST, 0, 0x4802,
      { U32(1), U32(0), ENTRY(0, 0x200000), ENTRY(0x200000, 0x200000) }, 56, IPL,
      "payload of 56 bytes does not match its count of 1" },
    { "4802h of 0 extents with 1", STATE_PENDING, HOST, 0, 0x4802,
      { U32(0), U32(0), ENTRY(0, 0x200000) }, 32, IPL, "count of 0" },
    { "4802h counting 2^32 - 1", STATE_PENDING, HOST, 0, 0x4802,
      { U32(0xffffffffu), U32(0), ENTRY(0, 0x200000) }, 32, IPL, "count of 4294967295" },
    { "4802h rejecting with nothing pending", STATE_EMPTY, HOST, 0, 0x4802,
      { U32(0), U32(0) }, 8, TM_CXL_RC_INVALID_INPUT, "no add request is pending for host 0" },
    { "4802h accepting with nothing pending", STATE_ACCEPTED, HOST, 0, 0x4802,
      { U32(1), U32(0), ENTRY(0, 0x200000) }, 32, TM_CXL_RC_INVALID_INPUT,
      "no add request is pending" },
    { "4802h of an extent never offered", STATE_PENDING, HOST, 0, 0x4802,
      { U32(1), U32(0), ENTRY(0x800000, 0x200000) }, 32, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
      "is not inside an extent of the pending add request" },
    { "4802h past the offer", STATE_PENDING, HOST, 0, 0x4802,
      { U32(1), U32(0), ENTRY(0x200000, 0x400000) }, 32, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
      "not inside an extent" },
    { "4802h outside every region", STATE_PENDING, HOST, 0, 0x4802,
      { U32(1), U32(0), ENTRY(0x40000000, 0x200000) }, 32, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
      "is not inside one DC region" },
    { "4802h across two regions", STATE_PENDING, HOST, 0, 0x4802,
      { U32(1), U32(0), ENTRY(0x1fe00000, 0x400000) }, 32, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
      "is not inside one DC region" },
    { "4802h misaligned", STATE_PENDING, HOST, 0, 0x4802,
      { U32(1), U32(0), ENTRY(0x100000, 0x200000) }, 32, TM_CXL_RC_INVALID_EXTENT_LIST,
      "is not aligned to the block size" },
    { "4802h of length 0", STATE_PENDING, HOST, 0, 0x4802,
      { U32(1), U32(0), ENTRY(0, 0) }, 32, TM_CXL_RC_INVALID_EXTENT_LIST, "has length 0" },
    { "4802h listing a range twice", STATE_PENDING, HOST, 0, 0x4802,
      { U32(2), U32(0), ENTRY(0, 0x200000), ENTRY(0, 0x200000) }, 56,
      TM_CXL_RC_INVALID_EXTENT_LIST, "overlaps another extent of the list" },
    { "4802h over the 256-byte mailbox", STATE_PENDING, HOST, 256, 0x4802,
      { U32(11), U32(0) }, 8 + 11 * 24, IPL, "272 bytes exceeds the maximum of 256" },

    /* Release DC: the same shape, accepted capacity only. */
    { "4803h with 7 bytes", STATE_ACCEPTED, HOST, 0, 0x4803, { U32(1), 0, 0, 0 }, 7, IPL,
      "shorter than its 8-byte header" },
    { "4803h of 2 extents with 1", STATE_ACCEPTED, HOST, 0, 0x4803,
      { U32(2), U32(0), ENTRY(0, 0x200000) }, 32, IPL, "count of 2 entries (56 bytes)" },
    { "4803h of 1 extent with 2", STATE_ACCEPTED, HOST, 0, 0x4803,
      { U32(1), U32(0), ENTRY(0, 0x200000), ENTRY(0x200000, 0x200000) }, 56, IPL,
      "count of 1" },
    { "4803h of nothing", STATE_ACCEPTED, HOST, 0, 0x4803, { U32(0), U32(0) }, 8,
      TM_CXL_RC_INVALID_INPUT, "the release lists no extents" },
    { "4803h of a range not held", STATE_ACCEPTED, HOST, 0, 0x4803,
      { U32(1), U32(0), ENTRY(0x800000, 0x200000) }, 32, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
      "is not accepted capacity of host 0" },
    { "4803h of a range partly held", STATE_ACCEPTED, HOST, 0, 0x4803,
      { U32(1), U32(0), ENTRY(0x200000, 0x400000) }, 32, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
      "is not accepted capacity" },
    { "4803h of pending capacity", STATE_PENDING, HOST, 0, 0x4803,
      { U32(1), U32(0), ENTRY(0, 0x200000) }, 32, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
      "is not accepted capacity" },
    { "4803h misaligned", STATE_ACCEPTED, HOST, 0, 0x4803,
      { U32(1), U32(0), ENTRY(0x1000, 0x200000) }, 32, TM_CXL_RC_INVALID_EXTENT_LIST,
      "is not aligned" },
    { "4803h listing a range twice", STATE_ACCEPTED, HOST, 0, 0x4803,
      { U32(2), U32(0), ENTRY(0, 0x200000), ENTRY(0, 0x400000) }, 56,
      TM_CXL_RC_INVALID_EXTENT_LIST, "overlaps another extent" },
};

static void setup_state(MailboxFixture *mf, RowState state)
{
    TmExtent offer[] = { EXT(0, 4 * MiB) };

    if (state == STATE_EMPTY) {
        return;
    }
    g_assert_cmpint(add_prescriptive(&mf->fx, 0, 0, NULL, offer, 1, NULL), ==, TM_DC_OK);
    if (state == STATE_ACCEPTED) {
        accept_all(&mf->fx, 0);
    }
}

typedef struct {
    guint accepted;
    guint pending_groups;
    uint32_t generation;
    guint records;
    TmDcLimits limits;
} HostSnapshot;

static HostSnapshot snapshot(MailboxFixture *mf)
{
    TmDcd *dev = mf->fx.dev;

    return (HostSnapshot) {
        .accepted = tm_dcd_host_accepted_count(dev, 0),
        .pending_groups = tm_dcd_host_pending_group_count(dev, 0),
        .generation = tm_dcd_host_generation(dev, 0),
        .records = tm_event_log_count(tm_dcd_host_event_log(dev, 0,
                                                            TM_EVENT_LOG_DYNAMIC_CAPACITY)),
        .limits = tm_dcd_limits(dev, 0),
    };
}

static void test_bad_input(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        const BadRow *row = &rows[i];
        MailboxFixture mf;

        g_test_message("row: %s", row->name);
        mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
        setup_state(&mf, row->state);
        mf.caller.port = row->port;
        if (row->max_payload) {
            mf.caller.max_payload = row->max_payload;
        }
        HostSnapshot before = snapshot(&mf);
        mailbox_expect(&mf, row->opcode, row->payload, row->length, row->rc, NULL, 0);
        assert_error_contains(mf.err, row->fragment);
        HostSnapshot after = snapshot(&mf);
        g_assert_cmpmem(&before, sizeof(before), &after, sizeof(after));
        mailbox_fixture_clear(&mf);
    }
}

/* The host answers the same group twice: the second finds nothing pending. */
static void test_response_twice(void)
{
    static const uint8_t accept[] = {
        U32(1), U32(0), ENTRY(0, 0x400000),
    };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    setup_state(&mf, STATE_PENDING);
    mailbox_expect(&mf, TM_CXL_OP_ADD_DC_RESPONSE, accept, sizeof(accept), TM_CXL_RC_SUCCESS,
                   NULL, 0);
    HostSnapshot before = snapshot(&mf);
    mailbox_expect(&mf, TM_CXL_OP_ADD_DC_RESPONSE, accept, sizeof(accept),
                   TM_CXL_RC_INVALID_INPUT, NULL, 0);
    assert_error_contains(mf.err, "no add request is pending");
    HostSnapshot after = snapshot(&mf);
    g_assert_cmpmem(&before, sizeof(before), &after, sizeof(after));
    g_assert_cmpuint(after.accepted, ==, 1);
    mailbox_fixture_clear(&mf);
}

/* A second group is answered by the next 4802h, not mixed up with the first. */
static void test_groups_in_order(void)
{
    static const uint8_t accept_first[] = { U32(1), U32(0), ENTRY(0, 0x400000) };
    static const uint8_t accept_second[] = { U32(1), U32(0), ENTRY(0x800000, 0x200000) };
    TmExtent second[] = { EXT(8 * MiB, 2 * MiB) };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    setup_state(&mf, STATE_PENDING);
    g_assert_cmpint(add_prescriptive(&mf.fx, 0, 0, NULL, second, 1, NULL), ==, TM_DC_OK);
    /* The second group's extent answers the first group: not offered by it. */
    mailbox_expect(&mf, TM_CXL_OP_ADD_DC_RESPONSE, accept_second, sizeof(accept_second),
                   TM_CXL_RC_INVALID_PHYSICAL_ADDRESS, NULL, 0);
    mailbox_expect(&mf, TM_CXL_OP_ADD_DC_RESPONSE, accept_first, sizeof(accept_first),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    mailbox_expect(&mf, TM_CXL_OP_ADD_DC_RESPONSE, accept_second, sizeof(accept_second),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    TmExtent expected[] = { EXT(0, 4 * MiB), EXT(8 * MiB, 2 * MiB) };
    assert_accepted(&mf.fx, 0, expected, 2);
    mailbox_fixture_clear(&mf);
}

/* Return codes of the device model, one place. */
static void test_status_mapping(void)
{
    static const struct {
        TmDcStatus status;
        TmCxlReturnCode rc;
    } dc[] = {
        { TM_DC_OK, TM_CXL_RC_SUCCESS },
        { TM_DC_INVALID_INPUT, TM_CXL_RC_INVALID_INPUT },
        { TM_DC_UNSUPPORTED, TM_CXL_RC_UNSUPPORTED },
        { TM_DC_INTERNAL_ERROR, TM_CXL_RC_INTERNAL_ERROR },
        { TM_DC_INVALID_PHYSICAL_ADDRESS, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS },
        { TM_DC_RESOURCES_EXHAUSTED, TM_CXL_RC_RESOURCES_EXHAUSTED },
        { TM_DC_INVALID_EXTENT_LIST, TM_CXL_RC_INVALID_EXTENT_LIST },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(dc); i++) {
        g_assert_cmphex(tm_cxl_return_code_from_dc_status(dc[i].status), ==, dc[i].rc);
    }
    g_assert_cmphex(tm_cxl_return_code_from_event_clear(TM_EVENT_CLEAR_OK), ==, 0x00);
    g_assert_cmphex(tm_cxl_return_code_from_event_clear(TM_EVENT_CLEAR_INVALID_HANDLE), ==,
                    0x0E);
    g_assert_cmphex(tm_cxl_return_code_from_event_clear(TM_EVENT_CLEAR_INVALID_INPUT), ==,
                    0x02);
}

/* Over the extent limit: Resources Exhausted, as QEMU. */
static void test_extent_limit(void)
{
    static const uint8_t accept_two[] = {
        U32(2), U32(0), ENTRY(0, 0x200000), ENTRY(0x800000, 0x200000),
    };
    TmExtent first[] = { EXT(0, 2 * MiB), EXT(8 * MiB, 2 * MiB) };
    TmExtent later[] = { EXT(16 * MiB, 2 * MiB) };
    static const uint8_t release_middle[] = { U32(1), U32(0), ENTRY(0x200000, 0x200000) };
    MailboxFixture mf;

    /* Two extents per host: splitting one in a release would make three. */
    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS ",dc-max-extents=2");
    TmExtent whole[] = { EXT(0, 6 * MiB) };
    g_assert_cmpint(add_prescriptive(&mf.fx, 0, 0, NULL, whole, 1, NULL), ==, TM_DC_OK);
    accept_all(&mf.fx, 0);
    g_assert_cmpint(add_prescriptive(&mf.fx, 0, 0, NULL, later, 1, NULL), ==, TM_DC_OK);
    mailbox_expect(&mf, TM_CXL_OP_RELEASE_DC, release_middle, sizeof(release_middle),
                   TM_CXL_RC_RESOURCES_EXHAUSTED, NULL, 0);
    mailbox_fixture_clear(&mf);

    /* Accepting more pieces than the limit allows. */
    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS ",dc-max-extents=2");
    g_assert_cmpint(add_prescriptive(&mf.fx, 0, 0, NULL, first, 2, NULL), ==, TM_DC_OK);
    static const uint8_t accept_three[] = {
        U32(3), U32(0), ENTRY(0, 0x200000), ENTRY(0x800000, 0x100000 * 2),
        ENTRY(0x400000, 0x200000),
    };
    mailbox_expect(&mf, TM_CXL_OP_ADD_DC_RESPONSE, accept_three, sizeof(accept_three),
                   TM_CXL_RC_RESOURCES_EXHAUSTED, NULL, 0);
    mailbox_expect(&mf, TM_CXL_OP_ADD_DC_RESPONSE, accept_two, sizeof(accept_two),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    mailbox_fixture_clear(&mf);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cci/mailbox/dispatch/bad-input", test_bad_input);
    g_test_add_func("/cci/mailbox/dispatch/response-twice", test_response_twice);
    g_test_add_func("/cci/mailbox/dispatch/groups-in-order", test_groups_in_order);
    g_test_add_func("/cci/mailbox/dispatch/status-mapping", test_status_mapping);
    g_test_add_func("/cci/mailbox/dispatch/extent-limit", test_extent_limit);
    return g_test_run();
}
